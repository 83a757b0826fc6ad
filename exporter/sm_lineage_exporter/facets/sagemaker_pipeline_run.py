"""``sagemaker_pipeline`` run facet: the pipeline execution a run stands for."""

from __future__ import annotations

import attr
from openlineage.client.facet_v2 import RunFacet

from .schema_url import schema_url


@attr.define
class SageMakerPipelineRunFacet(RunFacet):
    """A pipeline execution: its ARNs, status, display name, parameters and step counts."""

    pipelineArn: str | None
    pipelineExecutionArn: str
    status: str | None
    region: str
    displayName: str | None = attr.field(default=None)
    failureReason: str | None = attr.field(default=None)
    elapsedSec: float | None = attr.field(default=None)
    parameters: dict[str, str] | None = attr.field(default=None)
    stepStatus: dict[str, int] | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("SageMakerPipelineRunFacet")
