"""Parquet schemas from the footer alone: one suffix-ranged GET (two for a footer over 64 KiB)."""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from botocore.exceptions import BotoCoreError, ClientError

from ..aws import translate
from ..errors import AccessDenied, InvalidRequest, LineageError, NotFound, UpstreamError
from .errors import UnreadableData

log = logging.getLogger(__name__)

PARQUET_MAGIC = b"PAR1"
FOOTER_READ_SIZE = 64 * 1024
_MIN_SIZE = 12  # leading magic + footer length + trailing magic

# Key-value metadata worth returning whole: what pandas and Spark leave behind (their logical types).
_PANDAS_KEY = "pandas"
_SPARK_KEYS = ("org.apache.spark.sql.parquet.row.metadata", "org.apache.spark.version")
# pyarrow's own serialized schema is binary and says nothing the Arrow schema does not.
_SKIPPED_KEYS = frozenset({"ARROW:schema"})
_MAX_METADATA_VALUE = 64 * 1024


@dataclass(frozen=True)
class FileSchema:
    """The schema of one sampled object: Arrow fields in file order, plus format-specific facts."""

    uri: str
    format: str
    schema: pa.Schema
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> dict[str, str]:
        return {f.name: str(f.type) for f in self.schema}

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "format": self.format, "fields": self.fields, "meta": self.meta}


def parquet_schema(
    uri: str,
    *,
    s3_client: Any = None,
    filesystem: pafs.FileSystem | None = None,
    tail_bytes: int = FOOTER_READ_SIZE,
) -> FileSchema:
    """Read the Arrow schema and file metadata of ``s3://bucket/key`` from its footer alone.

    With a boto3 ``s3_client``: one suffix-ranged GET of the last ``tail_bytes`` (which also tells the
    size), and a second GET only when the footer is larger. With a pyarrow ``filesystem`` instead:
    pyarrow's own path, one HEAD plus a 64 KiB tail GET (plus one more for a larger footer).
    Raises UnreadableData for a corrupt or truncated file, NotFound / AccessDenied / UpstreamError otherwise.
    """
    try:
        if s3_client is not None:
            metadata, size = _footer_via_client(s3_client, uri, tail_bytes)
        elif filesystem is not None:
            metadata, size = _footer_via_filesystem(filesystem, uri)
        else:
            raise ValueError("parquet_schema needs an s3_client or a filesystem")
        schema = metadata.schema.to_arrow_schema()
    except LineageError:
        raise
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError) as exc:
        if isinstance(exc, OSError) and _is_s3_failure(exc):
            raise filesystem_error(exc, uri) from exc
        raise UnreadableData(
            f"{uri} is not a readable Parquet file: {exc}", uri=uri, reason="corrupt"
        ) from exc
    return FileSchema(uri=uri, format="parquet", schema=schema, meta=_meta(metadata, size))


def _footer_via_filesystem(filesystem: pafs.FileSystem, uri: str) -> tuple[pq.FileMetaData, int]:
    with filesystem.open_input_file(uri.removeprefix("s3://")) as handle:
        size = handle.size()
        if size == 0:
            raise UnreadableData(f"{uri} is empty (0 bytes): not a Parquet file", uri=uri, reason="empty")
        return pq.ParquetFile(handle).metadata, size


def _footer_via_client(s3_client: Any, uri: str, tail_bytes: int) -> tuple[pq.FileMetaData, int]:
    bucket, key = split_uri(uri)
    tail, size = ranged_get(s3_client, bucket, key, f"bytes=-{tail_bytes}", uri)
    if size < _MIN_SIZE:
        reason = "empty" if size == 0 else "corrupt"
        raise UnreadableData(f"{uri} has {size} bytes: too short for a Parquet file", uri=uri, reason=reason)
    magic = tail[-4:]
    if magic == b"PARE":
        raise UnreadableData(f"{uri} has an encrypted footer (PARE)", uri=uri, reason="unsupported")
    if magic != PARQUET_MAGIC:
        raise UnreadableData(
            f"{uri} is not a readable Parquet file: bad magic {magic!r} at the end"
            " (truncated, or not Parquet)",
            uri=uri,
            reason="corrupt",
        )
    footer_length = struct.unpack("<I", tail[-8:-4])[0]
    if footer_length + _MIN_SIZE > size:
        raise UnreadableData(
            f"{uri} is not a readable Parquet file: footer length {footer_length} runs past the file "
            f"({size} bytes)",
            uri=uri,
            reason="corrupt",
        )
    needed = footer_length + 8
    if needed > len(tail):
        head, _ = ranged_get(s3_client, bucket, key, f"bytes={size - needed}-{size - len(tail) - 1}", uri)
        tail = head + tail
    footer = tail[-needed:]
    # The reader only needs the footer: a leading magic makes the buffer look like a (column-less) file.
    return pq.read_metadata(pa.BufferReader(PARQUET_MAGIC + footer)), size


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``(bucket, key)``; raises InvalidRequest for anything else."""
    if not uri.startswith("s3://"):
        raise InvalidRequest(f"Not an S3 URI: {uri!r}", parameter="uri")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise InvalidRequest(f"No bucket in {uri!r}", parameter="uri")
    return bucket, key


def ranged_get(s3_client: Any, bucket: str, key: str, byte_range: str, uri: str) -> tuple[bytes, int]:
    """One ranged GET -> (bytes, total object size); an empty object comes back as ``(b"", 0)``."""
    try:
        response = s3_client.get_object(Bucket=bucket, Key=key, Range=byte_range)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "InvalidRange":
            return b"", 0
        raise client_error(exc, uri, action="s3:GetObject") from exc
    except BotoCoreError as exc:
        raise UpstreamError(f"Could not read {uri}: {exc}", code=type(exc).__name__) from exc
    body: bytes = response["Body"].read()
    content_range = response.get("ContentRange") or ""
    total = content_range.rpartition("/")[2]
    size = int(total) if total.isdigit() else int(response.get("ContentLength", len(body)))
    return body, size


def client_error(exc: ClientError, uri: str, *, action: str) -> LineageError:
    """A boto3 S3 error on ``uri`` in the core's hierarchy (one translation for the whole core)."""
    return translate(exc, "s3", _OPERATION_OF[action], uri)


_OPERATION_OF = {"s3:GetObject": "GetObject", "s3:ListBucket": "ListObjectsV2"}


def _is_s3_failure(exc: OSError) -> bool:
    """pyarrow raises OSError both for S3 failures and for undecodable footers (thrift): tell them apart."""
    if isinstance(exc, FileNotFoundError | PermissionError):
        return True
    text = str(exc)
    return "AWS Error" in text or "HTTP" in text or "S3" in text


def filesystem_error(exc: OSError, uri: str) -> LineageError:
    """Map pyarrow's S3 OSErrors (which carry the AWS error text) onto the core's error hierarchy."""
    text = str(exc)
    lowered = text.lower()
    if (
        isinstance(exc, FileNotFoundError)
        or "nosuchbucket" in lowered
        or "no_such_bucket" in lowered
        or ("not found" in lowered or "does not exist" in lowered)
    ):
        return NotFound(f"{uri} does not exist ({text})")
    if "access_denied" in lowered or "accessdenied" in lowered or "forbidden" in lowered:
        return AccessDenied(
            f"Access denied reading {uri}: grant s3:GetObject ({text})", action="s3:GetObject"
        )
    return UpstreamError(f"Could not read {uri}: {text}", code="S3Error")


def _meta(metadata: pq.FileMetaData, size: int) -> dict[str, Any]:
    compression: set[str] = set()
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        for column in range(group.num_columns):
            compression.add(str(group.column(column).compression))
    key_value = _key_value_metadata(metadata.metadata or {})
    meta: dict[str, Any] = {
        "num_rows": metadata.num_rows,
        "num_row_groups": metadata.num_row_groups,
        "num_columns": metadata.num_columns,
        "created_by": metadata.created_by,
        "format_version": metadata.format_version,
        "compression": sorted(compression),
        "size": size,
        "serialized_footer_size": metadata.serialized_size,
        "key_value_metadata": key_value,
    }
    logical = _logical_types(key_value)
    if logical:
        meta["logical_types"] = logical
    return meta


def _key_value_metadata(raw: dict[bytes, bytes]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for raw_key, raw_value in raw.items():
        key = raw_key.decode("utf-8", "replace")
        if key in _SKIPPED_KEYS:
            continue
        if len(raw_value) > _MAX_METADATA_VALUE:
            result[key] = {"truncated": True, "size": len(raw_value)}
            continue
        text = raw_value.decode("utf-8", "replace")
        try:
            result[key] = json.loads(text)
        except ValueError:
            result[key] = text
    return result


def _logical_types(key_value: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per column, the logical type pandas or Spark recorded (``datetimetz``, ``timestamp``, ...)."""
    logical: dict[str, dict[str, Any]] = {}
    pandas_meta = key_value.get(_PANDAS_KEY)
    if isinstance(pandas_meta, dict):
        for column in pandas_meta.get("columns") or []:
            if not isinstance(column, dict) or column.get("name") is None:
                continue
            entry: dict[str, Any] = {
                "pandas_type": column.get("pandas_type"),
                "numpy_type": column.get("numpy_type"),
            }
            if column.get("metadata"):
                entry["pandas_metadata"] = column["metadata"]
            logical.setdefault(str(column["name"]), {}).update(entry)
    spark_meta = key_value.get(_SPARK_KEYS[0])
    if isinstance(spark_meta, dict):
        for spark_field in spark_meta.get("fields") or []:
            if isinstance(spark_field, dict) and "name" in spark_field:
                logical.setdefault(str(spark_field["name"]), {})["spark_type"] = spark_field.get("type")
    return logical
