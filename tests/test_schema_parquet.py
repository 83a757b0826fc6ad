"""Parquet footers read from the emulator: types, metadata, large footers, and corrupt files."""

from __future__ import annotations

import struct

import pyarrow as pa
import pyarrow.fs as pafs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_sm_lineage.core.errors import NotFound
from jupyter_sm_lineage.core.schema import UnreadableData, parquet_schema
from jupyter_sm_lineage.emulator.datasets import _churn_table
from tests.schema_fixtures import BUCKET, REGION, parquet_bytes, put, s3, sample_table

__all__ = ["s3"]  # the module-scoped fixture, imported for pytest

GOOD = parquet_bytes(sample_table(), compression="zstd", row_group_size=20)


def test_footer_gives_arrow_types_and_file_meta(s3):
    # Given a Parquet file written by pyarrow with pandas-like metadata
    uri = put(
        s3, "pq/churn.parquet", parquet_bytes(_churn_table(30), compression="snappy", row_group_size=10)
    )

    # When
    schema = parquet_schema(uri, s3_client=s3)

    # Then
    assert schema.fields == {
        "customer_id": "int64",
        "signup_ts": "timestamp[us, tz=UTC]",
        "plan": "string",
        "tenure_months": "int32",
        "monthly_charges": "double",
        "total_charges": "double",
        "address": "struct<region: string, postcode: string>",
        "recent_products": "list<element: string>",
        "churned": "bool",
    }
    meta = schema.meta
    assert meta["num_rows"] == 30
    assert meta["num_row_groups"] == 3
    assert meta["compression"] == ["SNAPPY"]
    assert meta["created_by"].startswith("parquet-cpp-arrow")
    assert meta["size"] == s3.head_object(Bucket=BUCKET, Key="pq/churn.parquet")["ContentLength"]
    assert meta["logical_types"]["signup_ts"]["pandas_type"] == "datetimetz"
    assert "ARROW:schema" not in meta["key_value_metadata"]
    assert meta["key_value_metadata"]["pandas"]["pandas_version"]


def test_filesystem_path_agrees_with_client_path(s3, emulator):
    uri = put(s3, "pq/good.parquet", GOOD)
    filesystem = pafs.S3FileSystem(
        endpoint_override=emulator.endpoint_url,
        scheme="http",
        access_key="testing",
        secret_key="testing",
        region=REGION,
    )

    via_fs = parquet_schema(uri, filesystem=filesystem)
    via_client = parquet_schema(uri, s3_client=s3)

    assert via_fs.fields == via_client.fields
    assert via_fs.meta == via_client.meta


def test_footer_larger_than_the_first_read(s3):
    # Given 2,000 columns: a footer of several hundred KiB, more than the 64 KiB tail
    table = pa.table(
        {
            f"col_{i:04d}": pa.array([i] if i % 2 else [str(i)], pa.int32() if i % 2 else pa.string())
            for i in range(2000)
        }
    )
    data = parquet_bytes(table)
    assert struct.unpack("<I", data[-8:-4])[0] > 64 * 1024
    uri = put(s3, "pq/wide.parquet", data)

    schema = parquet_schema(uri, s3_client=s3)

    assert len(schema.fields) == 2000
    assert schema.fields["col_0001"] == "int32"
    assert schema.meta["serialized_footer_size"] > 64 * 1024


@pytest.mark.parametrize(
    ("name", "body", "reason", "words"),
    [
        ("empty", b"", "empty", "0 bytes"),
        ("bad-magic", GOOD[:-4] + b"XXXX", "corrupt", "bad magic"),
        ("truncated", GOOD[: len(GOOD) // 2], "corrupt", "bad magic"),
        ("footer-past-end", GOOD[:-8] + struct.pack("<I", len(GOOD) * 4) + b"PAR1", "corrupt", "runs past"),
        ("tiny", b"PAR1", "corrupt", "too short"),
        ("encrypted", GOOD[:-4] + b"PARE", "unsupported", "encrypted"),
    ],
)
def test_corrupt_files_are_unreadable_data(s3, name, body, reason, words):
    uri = put(s3, f"pq/corrupt-{name}.parquet", body)

    with pytest.raises(UnreadableData) as caught:
        parquet_schema(uri, s3_client=s3)

    assert caught.value.reason == reason
    assert words in caught.value.message
    assert caught.value.uri == uri


def test_missing_object_is_not_found(s3):
    with pytest.raises(NotFound):
        parquet_schema(f"s3://{BUCKET}/pq/nope.parquet", s3_client=s3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=len(GOOD) - 1),
    flips=st.lists(st.tuples(st.integers(min_value=1, max_value=600), st.integers(1, 255)), max_size=4),
)
def test_truncated_or_flipped_footers_never_escape_as_other_errors(s3, cut, flips):
    # Given the good file truncated at any point, or with bytes flipped near its end (the footer)
    data = bytearray(GOOD[:cut] if cut else GOOD)
    for offset, mask in flips:
        if offset <= len(data):
            data[-offset] ^= mask
    uri = put(s3, "pq/fuzzed.parquet", bytes(data))

    # When / Then: either a schema (a flip may land in harmless bytes) or UnreadableData, nothing else
    try:
        schema = parquet_schema(uri, s3_client=s3)
    except UnreadableData as exc:
        assert exc.uri == uri
    else:
        assert isinstance(schema.fields, dict)
