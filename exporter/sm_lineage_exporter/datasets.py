"""Dataset facets shared by every mapping: schema, storage, dataSource, symlinks, tags, bucket security."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openlineage.client.facet_v2 import (
    DatasetFacet,
    datasource_dataset,
    schema_dataset,
    storage_dataset,
    symlinks_dataset,
    tags_dataset,
)

from .facets import SageMakerS3BucketDatasetFacet
from .naming import DatasetName, glue_table

#: Formats the schema probe reports, as StorageDatasetFacet file formats.
FILE_FORMATS = {"parquet": "parquet", "csv": "csv", "tsv": "csv", "json": "json", "jsonl": "json",
                "orc": "orc", "avro": "avro"}


def schema_facet(fields: Mapping[str, Any] | list[Any], producer: str) -> schema_dataset.SchemaDatasetFacet:
    """``{name: type}`` (the schema probe's shape) or ``[name, ...]`` -> the ``schema`` facet, in order."""
    items = fields.items() if isinstance(fields, Mapping) else ((name, None) for name in fields)
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=str(name), type=None if kind is None else str(kind),
                                                        ordinal_position=i)
                for i, (name, kind) in enumerate(items, start=1)],
        producer=producer,
    )


def sampled_fields(schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The sampled schema's fields, or None when sampling failed or found nothing."""
    if not schema or schema.get("error"):
        return None
    fields = schema.get("fields")
    return fields if isinstance(fields, Mapping) and fields else None


def dataset_facets(
    dataset: DatasetName,
    producer: str,
    *,
    schema: Mapping[str, Any] | None = None,
    bucket: Mapping[str, Any] | None = None,
    glue: Mapping[str, Any] | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, DatasetFacet]:
    """The facets of one dataset from what the graph knows about it."""
    facets: dict[str, DatasetFacet] = {
        "dataSource": datasource_dataset.DatasourceDatasetFacet(name=dataset.namespace, uri=dataset.namespace,
                                                                producer=producer),
    }
    fields = sampled_fields(schema)
    if fields is not None:
        facets["schema"] = schema_facet(fields, producer)
    fmt = str((schema or {}).get("format") or "").lower()
    if dataset.platform == "s3" and fmt in FILE_FORMATS:
        facets["storage"] = storage_dataset.StorageDatasetFacet(storageLayer="s3", fileFormat=FILE_FORMATS[fmt],
                                                                producer=producer)
    if glue and glue.get("database") and glue.get("table") and region:
        namespace, name = glue_table(region, account, str(glue["database"]), str(glue["table"]))
        facets["symlinks"] = symlinks_dataset.SymlinksDatasetFacet(
            identifiers=[symlinks_dataset.Identifier(namespace=namespace, name=name, type="TABLE")],
            producer=producer)
    if bucket and bucket.get("bucket"):
        facets["sagemaker_s3Bucket"] = bucket_facet(bucket, producer)
        tags = bucket.get("tags")
        if isinstance(tags, Mapping) and tags:
            facets["tags"] = tags_dataset.TagsDatasetFacet(
                tags=[tags_dataset.TagsDatasetFacetFields(key=str(k), value=str(v), source="S3")
                      for k, v in sorted(tags.items())],
                producer=producer)
    return facets


def bucket_facet(meta: Mapping[str, Any], producer: str) -> SageMakerS3BucketDatasetFacet:
    block = meta.get("publicAccessBlock")
    return SageMakerS3BucketDatasetFacet(
        bucket=str(meta["bucket"]),
        region=meta.get("region"),
        encryption=meta.get("encryption"),
        kmsKeyId=meta.get("kmsKeyId"),
        bucketKeyEnabled=meta.get("bucketKeyEnabled"),
        versioning=meta.get("versioning"),
        publicAccessBlocked=meta.get("publicAccessBlocked"),
        publicAccessBlock=dict(block) if isinstance(block, Mapping) else None,
        producer=producer,
    )
