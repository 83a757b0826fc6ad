"""The demo world's S3 datasets, written with pyarrow: small, deterministic, every format sampled.

The buckets are created by the world seeding beforehand (all in ap-northeast-2).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"
RAW_BUCKET = f"sm-lineage-demo-raw-{ACCOUNT_ID}"
CURATED_BUCKET = f"sm-lineage-demo-curated-{ACCOUNT_ID}"
MODELS_BUCKET = f"sm-lineage-demo-models-{ACCOUNT_ID}"
FEATURESTORE_BUCKET = f"sm-lineage-demo-featurestore-{ACCOUNT_ID}"

_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
_PLANS = ("basic", "standard", "premium")
_REGIONS = ("seoul", "busan", "incheon", "daegu")


def _customers(count: int, offset: int = 0) -> list[dict[str, Any]]:
    """Deterministic churn rows: no randomness, values derived from the row number."""
    rows = []
    for index in range(offset, offset + count):
        rows.append(
            {
                "customer_id": 10_000 + index,
                "signup_ts": _EPOCH - timedelta(days=30 * (index % 24), hours=index % 24),
                "plan": _PLANS[index % 3],
                "region": _REGIONS[index % 4],
                "tenure_months": (index * 7) % 72,
                "monthly_charges": round(20.0 + (index * 13) % 90 + 0.25 * (index % 4), 2),
                "total_charges": round((20.25 + (index * 13) % 90) * ((index * 7) % 72 + 1), 2),
                "support_calls": index % 6,
                "churned": index % 5 == 0,
            }
        )
    return rows


def _churn_table(count: int, offset: int = 0) -> pa.Table:
    """Parquet-side churn features: tz-aware timestamps, a struct and a list column, pandas metadata."""
    rows = _customers(count, offset)
    schema = pa.schema(
        [
            pa.field("customer_id", pa.int64(), nullable=False),
            pa.field("signup_ts", pa.timestamp("us", tz="UTC")),
            pa.field("plan", pa.string()),
            pa.field("tenure_months", pa.int32()),
            pa.field("monthly_charges", pa.float64()),
            pa.field("total_charges", pa.float64()),
            pa.field("address", pa.struct([("region", pa.string()), ("postcode", pa.string())])),
            pa.field("recent_products", pa.list_(pa.string())),
            pa.field("churned", pa.bool_()),
        ]
    )
    columns = {
        "customer_id": [r["customer_id"] for r in rows],
        "signup_ts": [r["signup_ts"] for r in rows],
        "plan": [r["plan"] for r in rows],
        "tenure_months": [r["tenure_months"] for r in rows],
        "monthly_charges": [r["monthly_charges"] for r in rows],
        "total_charges": [r["total_charges"] for r in rows],
        "address": [
            {"region": r["region"], "postcode": f"{(r['customer_id'] * 37) % 90000 + 10000}"} for r in rows
        ],
        "recent_products": [
            [f"sku-{(r['customer_id'] + k) % 50:03d}" for k in range(r["support_calls"] % 3)] for r in rows
        ],
        "churned": [r["churned"] for r in rows],
    }
    return pa.table(columns, schema=schema).replace_schema_metadata(_pandas_metadata(schema))


def _pandas_metadata(schema: pa.Schema) -> dict[str, str]:
    """The ``pandas`` key-value metadata pandas.to_parquet leaves (logical types per column)."""
    pandas_types = {
        pa.types.is_timestamp: ("datetimetz", "datetime64[us, UTC]"),
        pa.types.is_integer: ("int64", "int64"),
        pa.types.is_floating: ("float64", "float64"),
        pa.types.is_boolean: ("bool", "bool"),
        pa.types.is_string: ("unicode", "object"),
    }
    columns = []
    for arrow_field in schema:
        pandas_type, numpy_type = "object", "object"
        for predicate, (p_type, n_type) in pandas_types.items():
            if predicate(arrow_field.type):
                pandas_type, numpy_type = p_type, n_type
                break
        column: dict[str, Any] = {
            "name": arrow_field.name,
            "field_name": arrow_field.name,
            "pandas_type": pandas_type,
            "numpy_type": numpy_type,
            "metadata": {"timezone": "UTC"} if pandas_type == "datetimetz" else None,
        }
        columns.append(column)
    document = {
        "index_columns": [{"kind": "range", "name": None, "start": 0, "stop": 0, "step": 1}],
        "column_indexes": [],
        "columns": columns,
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": "2.2.3",
    }
    return {"pandas": json.dumps(document)}


def _parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy", row_group_size=64)
    return buffer.getvalue()


def _csv_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return buffer.getvalue()


def _raw_churn_table(count: int, offset: int) -> pa.Table:
    rows = _customers(count, offset)
    return pa.table(
        {
            "customer_id": pa.array([r["customer_id"] for r in rows], pa.int64()),
            "signup_date": pa.array([r["signup_ts"].date() for r in rows], pa.date32()),
            "plan": [r["plan"] for r in rows],
            "region": [r["region"] for r in rows],
            "tenure_months": pa.array([r["tenure_months"] for r in rows], pa.int64()),
            "monthly_charges": [r["monthly_charges"] for r in rows],
            "total_charges": [r["total_charges"] for r in rows],
            "support_calls": pa.array([r["support_calls"] for r in rows], pa.int64()),
            "churned": [r["churned"] for r in rows],
        }
    )


def _events_jsonl(day: datetime, count: int) -> bytes:
    lines = []
    for index in range(count):
        at = day + timedelta(minutes=7 * index)
        lines.append(
            json.dumps(
                {
                    "event_id": f"{day:%Y%m%d}-{index:05d}",
                    "customer_id": 10_000 + (index * 11) % 120,
                    "event_type": ("login", "view", "purchase", "support")[index % 4],
                    "event_ts": at.strftime("%Y-%m-%dT%H:%M:%S"),
                    "amount": round(5.5 * (index % 9), 2) if index % 4 == 2 else None,
                    "device": {"os": ("ios", "android", "web")[index % 3], "app_version": f"3.{index % 5}.0"},
                    "tags": [f"t{k}" for k in range(index % 3)],
                },
                sort_keys=True,
            )
        )
    # mtime=0: the same bytes on every run.
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0)


def _predictions_csv(count: int) -> bytes:
    rows = _customers(count, 2000)
    table = pa.table(
        {
            "customer_id": pa.array([r["customer_id"] for r in rows], pa.int64()),
            "churn_probability": [round(((r["customer_id"] * 31) % 1000) / 1000, 3) for r in rows],
            "predicted_label": pa.array(
                [int(((r["customer_id"] * 31) % 1000) >= 500) for r in rows], pa.int64()
            ),
            "model_version": ["churn-xgb-v3"] * count,
        }
    )
    return _csv_bytes(table)


def _objects() -> list[tuple[str, str, bytes]]:
    """(bucket, key, body) of every demo object."""
    objects: list[tuple[str, str, bytes]] = []
    for part in range(3):
        objects.append(
            (RAW_BUCKET, f"churn/raw/part-{part:05d}.csv", _csv_bytes(_raw_churn_table(40, part * 40)))
        )
    objects.append((RAW_BUCKET, "churn/raw/_SUCCESS", b""))
    for day_index, day in enumerate(("2025-01-01", "2025-01-02")):
        start = _EPOCH + timedelta(days=day_index)
        objects.append((RAW_BUCKET, f"events/dt={day}/events-00000.jsonl.gz", _events_jsonl(start, 60)))
    for split, (count, offset) in {"train": (200, 0), "validation": (60, 200), "test": (60, 260)}.items():
        for part in range(2 if split == "train" else 1):
            table = _churn_table(count // (2 if split == "train" else 1), offset + part * 100)
            objects.append(
                (CURATED_BUCKET, f"churn/{split}/part-{part:05d}.snappy.parquet", _parquet_bytes(table))
            )
        objects.append((CURATED_BUCKET, f"churn/{split}/_SUCCESS", b""))
    features = _churn_table(120).drop_columns(["churned"])
    objects.append((CURATED_BUCKET, "features/customers/part-00000.snappy.parquet", _parquet_bytes(features)))
    events = pa.Table.from_pylist(
        [json.loads(line) for line in gzip.decompress(_events_jsonl(_EPOCH, 80)).decode().splitlines()]
    )
    events = events.set_column(
        events.schema.get_field_index("event_ts"),
        "event_ts",
        pc.cast(pc.strptime(events["event_ts"], "%Y-%m-%dT%H:%M:%S", "us"), pa.timestamp("us", tz="UTC")),
    )
    objects.append((CURATED_BUCKET, "events/part-00000.snappy.parquet", _parquet_bytes(events)))
    objects.append((CURATED_BUCKET, "churn/predictions/predictions.csv", _predictions_csv(80)))
    for month in ("01", "02"):
        offline = _churn_table(50, 300 if month == "01" else 350).drop_columns(["churned"])
        offline = offline.append_column(
            "event_time", pa.array([_EPOCH.timestamp()] * offline.num_rows, pa.float64())
        )
        objects.append(
            (
                FEATURESTORE_BUCKET,
                f"offline/customers/year=2025/month={month}/part-00000.parquet",
                _parquet_bytes(offline),
            )
        )
    return objects


def seed_datasets(s3_client: Any) -> dict[str, str]:
    """Write the demo datasets into the (already created) demo buckets; returns name -> S3 URI."""
    for bucket, key, body in _objects():
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)
    uris = {
        "churn_raw": f"s3://{RAW_BUCKET}/churn/raw/",
        "events_raw": f"s3://{RAW_BUCKET}/events/",
        "churn_train": f"s3://{CURATED_BUCKET}/churn/train/",
        "churn_validation": f"s3://{CURATED_BUCKET}/churn/validation/",
        "churn_test": f"s3://{CURATED_BUCKET}/churn/test/",
        "features_customers": f"s3://{CURATED_BUCKET}/features/customers/",
        "events_curated": f"s3://{CURATED_BUCKET}/events/",
        "churn_predictions": f"s3://{CURATED_BUCKET}/churn/predictions/",
        "featurestore_customers_offline": f"s3://{FEATURESTORE_BUCKET}/offline/customers/",
    }
    log.info("seeded %d demo datasets", len(uris))
    return uris
