"""Dataset schemas from S3: one bounded listing, up to N files sampled, their schemas merged.

CSV/TSV/JSON/JSON Lines (plain or gzip) are sampled from the head of each object with one ranged GET,
cut at the last complete record, and typed by pyarrow's CSV/JSON readers. Parquet goes to the footer
reader in :mod:`.parquet`. Every file fails on its own: the others are still sampled.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.json as pajson
from botocore.exceptions import BotoCoreError, ClientError

from ..datasets import dataset_id as canonical_dataset_id
from ..errors import AccessDenied, InvalidRequest, LineageError, NotFound, UpstreamError
from .errors import UnreadableData
from .parquet import (
    PARQUET_MAGIC,
    FileSchema,
    client_error,
    parquet_schema,
    ranged_get,
    split_uri,
)

log = logging.getLogger(__name__)

DEFAULT_SAMPLE_BYTES = 64 * 1024
DEFAULT_MAX_FILES = 5
DEFAULT_MAX_KEYS = 1000
# A gzip head inflates; never hold more than this much text from one sample.
MAX_INFLATED_BYTES = 16 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_EXTENSIONS: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_UNSUPPORTED_COMPRESSION = (".bz2", ".zst", ".lz4", ".snappy", ".zip", ".xz", ".z")
_DELIMITERS = (",", "\t", ";", "|")
_DATA_LIKE = re.compile(
    r"^\s*(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|true|false|\d{4}-\d{2}-\d{2}.*)\s*$", re.I
)
_HIVE_SEGMENT = re.compile(r"^([^=/]+)=([^/]*)$")
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class SampleOptions:
    """How much to read: files per prefix, bytes per CSV/JSON head, keys per (single) listing page."""

    max_files: int = DEFAULT_MAX_FILES
    sample_bytes: int = DEFAULT_SAMPLE_BYTES
    max_keys: int = DEFAULT_MAX_KEYS

    def __post_init__(self) -> None:
        if not 1 <= self.max_files <= 100:
            raise InvalidRequest("max_files must be between 1 and 100", parameter="max_files")
        if not 1024 <= self.sample_bytes <= 16 * 1024 * 1024:
            raise InvalidRequest("sample_bytes must be between 1 KiB and 16 MiB", parameter="sample_bytes")
        if not 1 <= self.max_keys <= 1000:
            raise InvalidRequest("max_keys must be between 1 and 1000", parameter="max_keys")


@dataclass(frozen=True)
class DatasetSchema:
    """The merged schema of an object or a prefix, in the seed's shape plus conflicts and per-file errors.

    ``fields`` maps column name -> Arrow type name (nested types stay nested: ``struct<a: int64>``).
    ``conflicts`` lists fields whose types could not be promoted into one (the first type seen is kept).
    ``errors`` lists files that could not be sampled, each with ``file``, ``reason`` and ``message``.
    """

    dataset_id: str
    format: str
    fields: dict[str, str]
    sampled_files: list[str]
    meta: dict[str, Any]
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "fields": dict(self.fields),
            "sampled_files": list(self.sampled_files),
            "meta": self.meta,
            "conflicts": list(self.conflicts),
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class _Listed:
    key: str
    size: int


# --------------------------------------------------------------------------------------------- entry points


def sample_schema(
    uri: str,
    s3_client: Any,
    filesystem: pafs.FileSystem | None = None,
    *,
    options: SampleOptions | None = None,
) -> DatasetSchema:
    """The schema of ``s3://bucket/key`` (an object) or ``s3://bucket/prefix`` (up to N files merged).

    One listing call finds out which it is. Parquet footers are read with ``s3_client`` (suffix range);
    pass a pyarrow ``filesystem`` to read them through pyarrow's S3FileSystem instead.
    Raises NotFound (missing bucket, empty prefix), AccessDenied (naming the IAM action), UpstreamError,
    or, when no file at all could be sampled, the first file's error.
    """
    options = options or SampleOptions()
    bucket, key = split_uri(uri)
    key = key.lstrip("/")
    if key.endswith("//"):
        key = key.rstrip("/") + "/"
    asked = f"s3://{bucket}/{key}"
    listed, base, single, truncated, skipped = _resolve(s3_client, bucket, key, options.max_keys, asked)
    # One identity per dataset: a prefix ends with one "/" however it was asked for, an object is its key.
    dataset_id = canonical_dataset_id(asked, prefix=not single)
    chosen = listed if single else _spread(listed, options.max_files)
    results: list[FileSchema] = []
    errors: list[tuple[str, LineageError]] = []
    for item in chosen:
        file_uri = f"s3://{bucket}/{item.key}"
        try:
            results.append(sample_file(file_uri, s3_client, filesystem, size=item.size, options=options))
        except LineageError as exc:
            log.info("schema sample of %s failed: %s", file_uri, exc.message)
            errors.append((file_uri, exc))
    if not results:
        first = errors[0][1]
        if len(errors) > 1:
            first.message = f"{first.message} (and {len(errors) - 1} more sampled files failed)"
            first.args = (first.message,)
        raise first
    fields, conflicts, promoted = merge_schemas(results)
    partitions: dict[str, Any] = {}
    if not single:
        partitions = _partition_fields(listed, base)
        for name, info in partitions.items():
            if name not in fields:
                fields[name] = info["type"]
    formats = sorted({r.format for r in results})
    if single:
        meta: dict[str, Any] = dict(results[0].meta)
    else:
        meta = _prefix_meta(results)
        meta.update(
            {
                "listed_objects": len(listed) + len(skipped),
                "listing_truncated": truncated,
                "skipped": skipped[:20],
                "skipped_count": len(skipped),
                "partition_keys": {name: info["values"] for name, info in partitions.items()},
            }
        )
    if promoted:
        meta["promoted"] = promoted
    return DatasetSchema(
        dataset_id=dataset_id,
        format=formats[0] if len(formats) == 1 else "mixed",
        fields=fields,
        sampled_files=[r.uri for r in results],
        meta=meta,
        conflicts=conflicts,
        errors=[_error_dict(file_uri, exc) for file_uri, exc in errors],
    )


def sample_artifacts(
    uris: Iterable[str],
    s3_client: Any,
    filesystem: pafs.FileSystem | None = None,
    max_workers: int = 8,
    *,
    options: SampleOptions | None = None,
) -> dict[str, dict[str, Any]]:
    """Sample many URIs concurrently (bounded pool): uri -> schema dict, or ``{"error": {...}}`` per URI."""
    unique = list(dict.fromkeys(uris))

    def one(uri: str) -> dict[str, Any]:
        try:
            return sample_schema(uri, s3_client, filesystem, options=options).to_dict()
        except LineageError as exc:
            return {"error": _error_dict(uri, exc)}

    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(unique)))) as pool:
        return dict(zip(unique, pool.map(one, unique), strict=True))


def sample_file(
    uri: str,
    s3_client: Any,
    filesystem: pafs.FileSystem | None = None,
    *,
    size: int | None = None,
    options: SampleOptions | None = None,
) -> FileSchema:
    """The schema of one object: by extension, then by magic bytes (a Parquet file named .csv is Parquet)."""
    options = options or SampleOptions()
    bucket, key = split_uri(uri)
    if size == 0:
        raise UnreadableData(f"{uri} is empty (0 bytes): nothing to sample", uri=uri, reason="empty")
    declared, compression = format_from_key(key)
    if declared == "parquet" and compression is None:
        return parquet_schema(uri, s3_client=None if filesystem else s3_client, filesystem=filesystem)
    head, total = ranged_get(s3_client, bucket, key, f"bytes=0-{options.sample_bytes - 1}", uri)
    if total == 0:
        raise UnreadableData(f"{uri} is empty (0 bytes): nothing to sample", uri=uri, reason="empty")
    if head.startswith(PARQUET_MAGIC):
        schema = parquet_schema(uri, s3_client=None if filesystem else s3_client, filesystem=filesystem)
        return FileSchema(uri, "parquet", schema.schema, {**schema.meta, "detected_by": "magic"})
    complete = len(head) >= total
    if head.startswith(_GZIP_MAGIC):
        compression = "gzip"
        head, complete = _inflate(head, complete, uri)
    elif compression == "gzip":
        raise UnreadableData(f"{uri} is named .gz but is not gzip data", uri=uri, reason="corrupt")
    text = _decode(head, complete, uri, declared)
    kind = declared or _sniff_text_format(text)
    meta: dict[str, Any] = {
        "size": total,
        "sampled_bytes": min(total, options.sample_bytes),
        "truncated": not complete,
        "compression": compression,
    }
    if kind in ("json", "jsonl"):
        schema, kind, rows = _json_schema(text, complete, uri)
    else:
        schema, extra, rows = _csv_schema(text, complete, uri, tab=kind == "tsv")
        meta.update(extra)
        kind = "tsv" if extra["delimiter"] == "\t" else "csv"
    meta["sampled_rows"] = rows
    return FileSchema(uri=uri, format=kind, schema=schema, meta=meta)


# ------------------------------------------------------------------------------------------------ listing


def _resolve(
    s3_client: Any, bucket: str, key: str, max_keys: int, dataset_id: str
) -> tuple[list[_Listed], str, bool, bool, list[str]]:
    """One listing page -> (data files, partition base, single object?, truncated?, skipped keys)."""
    objects, truncated = _list_page(s3_client, bucket, key, max_keys, dataset_id)
    if key and not key.endswith("/"):
        exact = [o for o in objects if o.key == key]
        children = [o for o in objects if o.key.startswith(key + "/")]
        if exact and not children:
            return exact, key, True, False, []
        if not children and truncated:
            objects, truncated = _list_page(s3_client, bucket, key + "/", max_keys, dataset_id)
            children = objects
        base = key + "/" if children else key.rpartition("/")[0] + "/" if "/" in key else ""
        objects = children or objects
    else:
        base = key
    data = [o for o in objects if not is_marker(o.key, o.size)]
    skipped = [o.key for o in objects if is_marker(o.key, o.size)]
    if not data:
        where = f"under {dataset_id}" if objects else f"at {dataset_id}"
        detail = f" ({len(skipped)} marker or empty objects skipped)" if skipped else ""
        raise NotFound(f"No data files {where}{detail}")
    return data, base, False, truncated, skipped


def _list_page(
    s3_client: Any, bucket: str, prefix: str, max_keys: int, dataset_id: str
) -> tuple[list[_Listed], bool]:
    try:
        page = s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=max_keys)
    except ClientError as exc:
        raise client_error(exc, dataset_id, action="s3:ListBucket") from exc
    except BotoCoreError as exc:
        raise UpstreamError(f"Could not list {dataset_id}: {exc}", code=type(exc).__name__) from exc
    objects = [_Listed(str(o["Key"]), int(o.get("Size", 0))) for o in page.get("Contents", [])]
    return objects, bool(page.get("IsTruncated"))


def is_marker(key: str, size: int) -> bool:
    """Job markers and hidden files Spark/Hive/Hadoop leave beside data (``_SUCCESS``, ``.crc``, ...)."""
    name = key.rpartition("/")[2]
    return (
        size == 0 or key.endswith("/") or name.startswith(("_", ".")) or name.endswith((".crc", "_$folder$"))
    )


def _spread(items: list[_Listed], count: int) -> list[_Listed]:
    """Up to ``count`` items evenly spaced over the listing, so several partitions are seen."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def format_from_key(key: str) -> tuple[str | None, str | None]:
    """(format, compression) told by the extension; ``(None, ...)`` when only the bytes can tell."""
    name = key.rpartition("/")[2].lower()
    compression = None
    if name.endswith((".gz", ".gzip")):
        compression = "gzip"
        name = name.rsplit(".", 1)[0]
    elif name.endswith(_UNSUPPORTED_COMPRESSION) and not name.endswith(".snappy.parquet"):
        compression = name.rsplit(".", 1)[1]
        name = name.rsplit(".", 1)[0]
    for extension, kind in _EXTENSIONS.items():
        if name.endswith(extension):
            return kind, compression
    return None, compression


def _partition_fields(listed: list[_Listed], base: str) -> dict[str, dict[str, Any]]:
    """Hive-style ``key=value`` directories under the prefix -> fields typed by pyarrow's CSV inference."""
    values: dict[str, list[str]] = {}
    for item in listed:
        relative = item.key[len(base) :] if item.key.startswith(base) else item.key
        for segment in relative.split("/")[:-1]:
            match = _HIVE_SEGMENT.match(segment)
            if match:
                seen = values.setdefault(match.group(1), [])
                if match.group(2) not in seen:
                    seen.append(match.group(2))
    result: dict[str, dict[str, Any]] = {}
    for name, raw in values.items():
        present = [v for v in raw if v and v != _HIVE_NULL]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["value"])
        writer.writerows([v] for v in present)
        if present:
            table = pacsv.read_csv(pa.BufferReader(buffer.getvalue().encode()))
            type_name = str(table.schema.field(0).type)
        else:
            type_name = "string"
        result[name] = {"type": type_name, "values": raw[:10]}
    return result


# ------------------------------------------------------------------------------------------------- merge


def merge_schemas(
    files: list[FileSchema],
) -> tuple[dict[str, str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Merge file schemas field by field with pyarrow's permissive promotion (int32+int64 -> int64, ...).

    Returns (fields, conflicts, promotions). A field whose types cannot be promoted keeps its first type
    and is reported in conflicts with every type seen and the files that had it.
    """
    merged: dict[str, pa.DataType] = {}
    seen: dict[str, dict[str, list[str]]] = {}
    conflicted: set[str] = set()
    for file in files:
        for arrow_field in file.schema:
            name = arrow_field.name
            seen.setdefault(name, {}).setdefault(str(arrow_field.type), []).append(file.uri)
            if name not in merged:
                merged[name] = arrow_field.type
                continue
            if name in conflicted:
                continue
            try:
                merged[name] = promote(merged[name], arrow_field.type)
            except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
                conflicted.add(name)
    conflicts = [
        {"field": name, "kept": str(merged[name]), "types": seen[name]}
        for name in merged
        if name in conflicted
    ]
    promotions = [
        {"field": name, "merged": str(merged[name]), "types": seen[name]}
        for name in merged
        if name not in conflicted and len(seen[name]) > 1
    ]
    return {name: str(t) for name, t in merged.items()}, conflicts, promotions


def promote(left: pa.DataType, right: pa.DataType) -> pa.DataType:
    """The type both promote to under pyarrow's permissive rules; raises ArrowTypeError when none does."""
    unified = pa.unify_schemas(
        [pa.schema([pa.field("f", left)]), pa.schema([pa.field("f", right)])], promote_options="permissive"
    )
    return unified.field(0).type


def _prefix_meta(results: list[FileSchema]) -> dict[str, Any]:
    meta: dict[str, Any] = {"files": {r.uri: r.meta for r in results}}
    parquet = [r.meta for r in results if r.format == "parquet"]
    if parquet:
        meta["num_rows"] = sum(int(m.get("num_rows", 0)) for m in parquet)
        meta["num_row_groups"] = sum(int(m.get("num_row_groups", 0)) for m in parquet)
        meta["created_by"] = sorted({str(m.get("created_by")) for m in parquet})
        meta["compression"] = sorted({c for m in parquet for c in m.get("compression", [])})
    meta["sampled_size"] = sum(int(r.meta.get("size", 0)) for r in results)
    return meta


def _error_dict(uri: str, exc: LineageError) -> dict[str, Any]:
    result: dict[str, Any] = {"file": uri, "reason": exc.reason, "message": exc.message}
    if isinstance(exc, AccessDenied) and exc.action:
        result["action"] = exc.action
    return result


# ------------------------------------------------------------------------------------------ text samples


def _inflate(raw: bytes, complete: bool, uri: str) -> tuple[bytes, bool]:
    """Inflate a gzip head (possibly cut mid-stream); the text is complete only if the stream ended."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        text = inflater.decompress(raw, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise UnreadableData(f"{uri} is not valid gzip data: {exc}", uri=uri, reason="corrupt") from exc
    ended = inflater.eof and not inflater.unconsumed_tail
    if complete and not inflater.eof:
        raise UnreadableData(f"{uri}: the gzip stream is truncated", uri=uri, reason="corrupt")
    return text, complete and ended


def _decode(raw: bytes, complete: bool, uri: str, declared: str | None) -> str:
    if not complete:
        # Never decode a record (or a UTF-8 sequence) cut by the range: stop at the last line end
        # (LF, CRLF, or an old Mac's lone CR).
        cut = max(raw.rfind(b"\n"), raw.rfind(b"\r"))
        if cut >= 0:
            raw = raw[: cut + 1]
    if b"\x00" in raw[:8192]:
        named = f" named {declared}" if declared else ""
        raise UnreadableData(f"{uri} is a binary file{named}, not text", uri=uri, reason="binary")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableData(
            f"{uri} is not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            uri=uri,
            reason="encoding",
        ) from exc


def _sniff_text_format(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "json"
    first = _lines(stripped)[0] if stripped else ""
    return "tsv" if first.count("\t") > max(first.count(","), 0) else "csv"


def _newline(text: str) -> str:
    """The text's line ending: ``\\r\\n``, ``\\n``, or ``\\r`` alone (old Mac files)."""
    lf, cr = text.find("\n"), text.find("\r")
    if cr < 0:
        return "\n"
    if lf < 0:
        return "\r"
    if lf == cr + 1:
        return "\r\n"
    return "\n" if lf < cr else "\r"


def _lines(text: str) -> list[str]:
    """Lines of any ending (``str.splitlines`` also splits on form feeds and separators CSV does not)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _complete_records(text: str) -> str:
    """Cut a sampled head after its last complete record: a line end outside quotes (an even count of
    ``"`` before it), so a quoted field holding newlines is never cut in two."""
    quotes = 0
    cut = -1
    for position, char in enumerate(text):
        if char == '"':
            quotes += 1
        elif char in "\r\n" and quotes % 2 == 0:
            cut = position
    return text[: cut + 1] if cut >= 0 else text


def _csv_schema(text: str, complete: bool, uri: str, *, tab: bool) -> tuple[pa.Schema, dict[str, Any], int]:
    if not text.strip():
        raise UnreadableData(f"{uri} holds no records", uri=uri, reason="empty")
    newline = _newline(text)
    if not complete:
        text = _complete_records(text)
        if "\n" not in text and "\r" not in text:
            raise UnreadableData(
                f"{uri}: no complete record in the sampled head; raise sample_bytes", uri=uri, reason="corrupt"
            )
    if newline != "\n":  # pyarrow and the csv module both read LF; a CR-only file is otherwise one line
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter = "\t" if tab else _sniff_delimiter(text)
    header = has_header(_head_rows(text, delimiter))
    data = text.encode("utf-8")
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=not header, block_size=max(len(data) + 1, 1 << 16)
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise UnreadableData(f"{uri} is not well-formed CSV: {exc}", uri=uri, reason="corrupt") from exc
    meta = {"delimiter": delimiter, "header": header, "newline": _NEWLINE_NAMES[newline]}
    return table.schema, meta, table.num_rows


_NEWLINE_NAMES = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}


def _head_rows(text: str, delimiter: str, limit: int = 50) -> list[list[str]]:
    """The first rows as the csv module splits them (quotes honoured); what it cannot split, by lines."""
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [row for row in itertools.islice(reader, limit) if row]
    except csv.Error:
        return [line.split(delimiter) for line in _lines(text)[:limit] if line]


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in _lines(text)[:50] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in _DELIMITERS} if lines else {}
        best = max(counts, key=lambda d: counts[d], default=",")
        return best if counts.get(best) else ","


_INTEGER = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:nan|inf)$", re.I)
_BOOLEAN = re.compile(r"^(?:true|false)$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _cell_type(cell: str) -> str:
    cell = cell.strip()
    if not cell:
        return "empty"
    if _INTEGER.match(cell):
        return "int"
    if _FLOAT.match(cell):
        return "float"
    if _BOOLEAN.match(cell):
        return "bool"
    if _DATE.match(cell):
        return "date"
    return "string"


def _shape(cell: str) -> str:
    """A cell's shape: letters as ``a``, digits as ``9``, runs collapsed (``name-12`` -> ``a-9``)."""
    return _SHAPE_RUNS.sub(lambda m: m.group(0)[0], _SHAPE_DIGITS.sub("9", _SHAPE_LETTERS.sub("a", cell)))


_SHAPE_LETTERS = re.compile(r"[^\W\d_]")
_SHAPE_DIGITS = re.compile(r"\d")
_SHAPE_RUNS = re.compile(r"a+|9+|\s+")


def has_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns, judged against the rows after it.

    The first row is data only when it looks like the rows below it: in every column its cell has the
    column's type (an integer over integers or floats), and each text cell is a value the
    column takes further down (a category such as ``setosa``) or has the shape of those values
    (``name-0`` over ``name-7``). So a text header over numbers, and long names (``Country Name``) over
    values of another shape (``Aruba``) before year columns (``1960``), are headers. When every column
    is text, the first row is a header unless one of its cells recurs below. Alone (a one-row sample),
    a row is a header unless every cell looks like a value.
    """
    if not rows:
        return False
    first = [cell.strip() for cell in rows[0]]
    if not any(first):
        return False
    body = [row for row in rows[1:] if len(row) == len(rows[0])]
    if not body:
        return not all(_DATA_LIKE.match(cell) or not cell for cell in first)
    numeric_evidence = False
    recurs = False
    shaped = True
    for column, cell in enumerate(first):
        kind = _cell_type(cell)
        values = [row[column].strip() for row in body]
        kinds = Counter(_cell_type(value) for value in values)
        kinds.pop("empty", None)
        if kind == "empty" or not kinds:
            continue  # nothing to compare
        dominant = kinds.most_common(1)[0][0]
        if kind != dominant and not (kind == "int" and dominant == "float"):
            return True
        if kind != "string":
            numeric_evidence = True
        elif cell in values:
            recurs = True
        elif _shape(cell) != Counter(_shape(v) for v in values if v).most_common(1)[0][0]:
            shaped = False
    if not numeric_evidence:
        return not recurs
    return not shaped


def _json_schema(text: str, complete: bool, uri: str) -> tuple[pa.Schema, str, int]:
    """JSON Lines straight to pyarrow; an array or pretty-printed objects are cut at the last whole value."""
    stripped = text.lstrip()
    if not stripped:
        raise UnreadableData(f"{uri} holds no records", uri=uri, reason="empty")
    if stripped.startswith("{"):
        try:
            return _read_json_lines(text.encode("utf-8"), uri), "jsonl", text.count("\n") or 1
        except UnreadableData:
            pass  # Not one object per line: pretty-printed or concatenated objects, decoded below.
    try:
        records, kind = _json_values(stripped, complete, uri)
    except UnreadableData:
        if complete or not stripped.startswith("{"):
            raise
        # One object larger than the sample: its members whose values the head holds whole, and the
        # names of the others (a record of a document, not of a table).
        records, kind = [_object_head(stripped, uri)], "json"
    if not all(isinstance(r, Mapping) for r in records):
        raise UnreadableData(f"{uri}: JSON records are not objects", uri=uri, reason="unsupported")
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")
    try:
        return _read_json_lines(lines, uri), kind, len(records)
    except UnreadableData:
        return _mixed_records_schema(records), kind, len(records)


def _object_head(text: str, uri: str) -> dict[str, Any]:
    """The members of a JSON object cut by the sample: whole values kept, a cut value as ``None``."""
    decoder = json.JSONDecoder()
    out: dict[str, Any] = {}
    position = 1
    while True:
        while position < len(text) and (text[position].isspace() or text[position] == ","):
            position += 1
        if position >= len(text) or text[position] != '"':
            break
        try:
            key, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            break
        while position < len(text) and (text[position].isspace() or text[position] == ":"):
            position += 1
        try:
            out[str(key)], position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            out[str(key)] = None
            break
    if not out:
        raise UnreadableData(f"{uri}: no complete JSON member in the sampled head", uri=uri, reason="corrupt")
    return out


def _mixed_records_schema(records: list[Any]) -> pa.Schema:
    """Records pyarrow cannot type as one table (a list of numbers and strings, a member that is an object
    here and text there): each field typed alone, the ones with mixed values as ``string``."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(map(str, record)))
    fields = []
    for name in names:
        values = [record.get(name) for record in records]
        try:
            kind = pa.array(values).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            kind = pa.string()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _read_json_lines(data: bytes, uri: str) -> pa.Schema:
    try:
        table = pajson.read_json(
            pa.BufferReader(data), read_options=pajson.ReadOptions(block_size=max(len(data) + 1, 1 << 16))
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise UnreadableData(f"{uri} is not well-formed JSON: {exc}", uri=uri, reason="corrupt") from exc
    return table.schema


def _json_values(text: str, complete: bool, uri: str) -> tuple[list[Any], str]:
    decoder = json.JSONDecoder()
    array = text.startswith("[")
    position = 1 if array else 0
    records: list[Any] = []
    closed = False
    while True:
        while position < len(text) and (text[position].isspace() or (array and text[position] == ",")):
            position += 1
        if position >= len(text):
            break
        if array and text[position] == "]":
            closed = True
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            if complete or not records:
                unterminated = array and "Expecting" in exc.msg and exc.pos >= len(text.rstrip()) - 1
                raise UnreadableData(
                    f"{uri} is not well-formed JSON: {exc.msg} at offset {exc.pos}",
                    uri=uri,
                    reason="unterminated" if unterminated else "corrupt",
                ) from exc
            break  # The sample cut the last value: keep the whole ones before it.
        records.append(value)
    if array and complete and not closed:
        raise UnreadableData(f"{uri}: the JSON array never closes (no ']')", uri=uri, reason="unterminated")
    if not records:
        raise UnreadableData(f"{uri} holds no JSON records", uri=uri, reason="empty")
    return records, "json"
