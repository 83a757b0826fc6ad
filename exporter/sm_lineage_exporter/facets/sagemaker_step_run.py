"""``sagemaker_step`` run facet: what a SageMaker pipeline step execution did and on what."""

from __future__ import annotations

from typing import Any

import attr
from openlineage.client.facet_v2 import RunFacet

from .schema_url import schema_url


@attr.define
class SageMakerStepRunFacet(RunFacet):
    """A step execution: its type, job, cache hit, attempts, resources, metrics and model package."""

    stepName: str
    stepType: str
    status: str
    pipelineExecutionArn: str | None = attr.field(default=None)
    jobArn: str | None = attr.field(default=None)
    jobName: str | None = attr.field(default=None)
    jobType: str | None = attr.field(default=None)
    consoleUrl: str | None = attr.field(default=None)
    cacheHit: bool | None = attr.field(default=None)
    cacheSourceExecutionArn: str | None = attr.field(default=None)
    attempts: int | None = attr.field(default=None)
    instanceType: str | None = attr.field(default=None)
    instanceCount: int | None = attr.field(default=None)
    volumeSizeInGB: int | None = attr.field(default=None)
    image: str | None = attr.field(default=None)
    elapsedSec: float | None = attr.field(default=None)
    metrics: dict[str, float] | None = attr.field(default=None)
    conditionOutcome: str | None = attr.field(default=None)
    #: The Condition step (and its branch, ``if``/``else``) this step is nested in.
    conditionStep: str | None = attr.field(default=None)
    branch: str | None = attr.field(default=None)
    modelPackage: dict[str, Any] | None = attr.field(default=None)
    #: Code the step ran (processing scripts uploaded by the SDK): lineage of code, not of data.
    codeUris: list[str] | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("SageMakerStepRunFacet")
