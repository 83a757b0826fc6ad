"""Dataset schemas sampled from S3 (Parquet footers, CSV/JSON heads), versioned in a store, diffed.

from jupyter_sm_lineage.core.schema import sample_schema, SchemaStore, diff_fields
schema = sample_schema("s3://bucket/prefix/", s3_client)          # -> DatasetSchema (.to_dict())
saved = SchemaStore().save(schema.dataset_id, schema.fields, policy={"owner": "ml"})
"""

from __future__ import annotations

from .diff import SchemaDiff, diff_fields
from .errors import UnreadableData
from .parquet import FileSchema, parquet_schema
from .sample import DatasetSchema, SampleOptions, merge_schemas, sample_artifacts, sample_file, sample_schema
from .store import SavedVersion, SchemaStore, SchemaVersion, VersionHistory, default_store_path, policy_hash

__all__ = [
    "DatasetSchema",
    "FileSchema",
    "SampleOptions",
    "SavedVersion",
    "SchemaDiff",
    "SchemaStore",
    "SchemaVersion",
    "UnreadableData",
    "VersionHistory",
    "default_store_path",
    "diff_fields",
    "merge_schemas",
    "parquet_schema",
    "policy_hash",
    "sample_artifacts",
    "sample_file",
    "sample_schema",
]
