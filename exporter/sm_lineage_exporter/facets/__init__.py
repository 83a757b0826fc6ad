"""Custom facets for what OpenLineage's standard facets do not say about SageMaker.

Each facet is an attrs class (as openlineage-python's own facets) whose ``_schemaURL`` names a JSON
schema shipped in ``sm_lineage_exporter/schemas/``; :func:`schema_path` maps the URL to that file.
"""

from __future__ import annotations

from pathlib import Path

from .sagemaker_pipeline_run import SageMakerPipelineRunFacet
from .sagemaker_s3_bucket_dataset import SageMakerS3BucketDatasetFacet
from .sagemaker_step_run import SageMakerStepRunFacet
from .schema_url import SCHEMA_BASE_URL, schema_path, schema_url

__all__ = [
    "SCHEMA_BASE_URL",
    "SageMakerPipelineRunFacet",
    "SageMakerS3BucketDatasetFacet",
    "SageMakerStepRunFacet",
    "schema_path",
    "schema_url",
    "shipped_schemas",
]


def shipped_schemas() -> list[Path]:
    """Every JSON schema file shipped with the package (for validators that build a registry)."""
    return sorted((Path(__file__).resolve().parent.parent / "schemas").glob("*.json"))
