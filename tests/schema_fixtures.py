"""Shared helpers for the schema tests: our own bucket on the session emulator, files written by pyarrow."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from jupyter_sm_lineage.emulator import Emulator

REGION = "ap-northeast-2"
BUCKET = "schema-tests-bucket"


@pytest.fixture(scope="module")
def s3(emulator: Emulator) -> Any:
    """A client on the session emulator (tests/conftest.py) and a bucket of our own beside the demo world."""
    client = emulator.client("s3", REGION)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def put(s3: Any, key: str, body: bytes) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


def sample_table(rows: int = 50) -> pa.Table:
    """Churn-like rows with a tz-aware timestamp, a nested struct and a list column."""
    return pa.table(
        {
            "user_id": pa.array(range(rows), pa.int64()),
            "ts": pa.array([1_735_689_600_000_000 + i for i in range(rows)], pa.timestamp("us", tz="UTC")),
            "score": pa.array([i / 7 for i in range(rows)], pa.float64()),
            "address": pa.array(
                [{"city": f"c{i % 3}", "zip": i} for i in range(rows)],
                pa.struct([("city", pa.string()), ("zip", pa.int32())]),
            ),
            "tags": pa.array([[f"t{k}" for k in range(i % 3)] for i in range(rows)], pa.list_(pa.string())),
        }
    )


def parquet_bytes(table: pa.Table, **options: Any) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def csv_bytes(table: pa.Table, *, header: bool = True, delimiter: str = ",") -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(
        table, buffer, write_options=pacsv.WriteOptions(include_header=header, delimiter=delimiter)
    )
    return buffer.getvalue()


def jsonl_bytes(rows: list[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def flat_table(rows: int = 40) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "name": [f"name-{i}" for i in range(rows)],
            "amount": [i * 1.25 for i in range(rows)],
            "active": [i % 2 == 0 for i in range(rows)],
        }
    )
