"""``sagemaker_step`` run facet: what a SageMaker pipeline step execution did and on what."""

from __future__ import annotations

from typing import Any

import attr
from openlineage.client.facet_v2 import RunFacet

from .schema_url import schema_url


@attr.define
class SageMakerStepRunFacet(RunFacet):
    """A step execution: its type, job, cache hit, attempts, resources, metrics and model package."""

    stepName: str  # noqa: N815
    stepType: str  # noqa: N815
    status: str
    pipelineExecutionArn: str | None = attr.field(default=None)  # noqa: N815
    jobArn: str | None = attr.field(default=None)  # noqa: N815
    jobName: str | None = attr.field(default=None)  # noqa: N815
    jobType: str | None = attr.field(default=None)  # noqa: N815
    consoleUrl: str | None = attr.field(default=None)  # noqa: N815
    cacheHit: bool | None = attr.field(default=None)  # noqa: N815
    cacheSourceExecutionArn: str | None = attr.field(default=None)  # noqa: N815
    attempts: int | None = attr.field(default=None)
    instanceType: str | None = attr.field(default=None)  # noqa: N815
    instanceCount: int | None = attr.field(default=None)  # noqa: N815
    volumeSizeInGB: int | None = attr.field(default=None)  # noqa: N815
    image: str | None = attr.field(default=None)
    elapsedSec: float | None = attr.field(default=None)  # noqa: N815
    metrics: dict[str, float] | None = attr.field(default=None)
    conditionOutcome: str | None = attr.field(default=None)  # noqa: N815
    #: The Condition step (and its branch, ``if``/``else``) this step is nested in.
    conditionStep: str | None = attr.field(default=None)  # noqa: N815
    branch: str | None = attr.field(default=None)
    modelPackage: dict[str, Any] | None = attr.field(default=None)  # noqa: N815
    #: Code the step ran (processing scripts uploaded by the SDK): lineage of code, not of data.
    codeUris: list[str] | None = attr.field(default=None)  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return schema_url("SageMakerStepRunFacet")
