"""A dataset's sampled (and versioned) schema -> a DatasetEvent with ``schema`` and ``version``. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from openlineage.client.event_v2 import DatasetEvent, StaticDataset
from openlineage.client.facet_v2 import dataset_version_dataset

from .datasets import dataset_facets
from .naming import dataset_for_uri, iso
from .pipeline_events import PRODUCER


def event_for_schema(
    dataset_id: str,
    schema: Mapping[str, Any],
    *,
    version: int | str | None = None,
    event_time: datetime | str | None = None,
    bucket: Mapping[str, Any] | None = None,
    region: str | None = None,
    producer: str | None = None,
) -> DatasetEvent:
    """The DatasetEvent of one schema version.

    Args:
        dataset_id: ``s3://bucket/prefix`` (``dataset_schema()["dataset_id"]``).
        schema: ``{format, fields: {name: type}, ...}`` (``dataset_schema()["schema"]``) or a stored
            version (``SchemaStore.get(...).to_dict()``: ``{fields, ...}``).
        version: The schema store's version, put in the ``version`` facet.
        event_time: When the schema was seen (default: the version's ``createdAt``, else now).
        bucket: The bucket's metadata (``describe_bucket``), for the ``sagemaker_s3Bucket`` facet.
    """
    named = dataset_for_uri(dataset_id, "s3", region or "", None)
    if named is None:
        raise ValueError(f"{dataset_id!r} is not an s3:// URI")
    producer = producer or PRODUCER
    when = event_time or schema.get("createdAt") or datetime.now(timezone.utc)
    facets = dataset_facets(named, producer, schema=schema, bucket=bucket)
    if version is not None:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=str(version),
                                                                               producer=producer)
    return DatasetEvent(eventTime=iso(when), dataset=StaticDataset(namespace=named.namespace, name=named.name,
                                                                   facets=facets), producer=producer)
