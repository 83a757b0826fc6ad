"""The demo world's S3 data, written with pyarrow: small, deterministic, every format the sampler reads.

Two kinds of objects:

- :func:`_objects`: the datasets that exist before any pipeline runs (raw inputs, curated tables, the
  Feature Store's offline store), fixed bytes on every run;
- :func:`step_outputs`: what one step of one execution writes to one of its outputs (the Train input
  ``churn/train/{execution id}``, the nightly ETL's staged partition and quality report, every fan-out
  shard), in the format that step would write. Data of a run is derived from the run (its id, start
  time, schema version), so two runs of a pipeline hold different data under different keys.

Nothing here talks to AWS: the world seeding writes the bytes into the emulator's S3.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .constants import CURATED_BUCKET, FEATURESTORE_BUCKET, RAW_BUCKET

log = logging.getLogger(__name__)

_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
_PLANS = ("basic", "standard", "premium")
_REGIONS = ("seoul", "busan", "incheon", "daegu")
_CONTRACTS = ("month-to-month", "one-year", "two-year")
_CATEGORIES = ("grocery", "electronics", "travel", "dining", "utilities", "fashion")

#: The datasets that exist before any run, by name (tests and notebooks read them from ``World.datasets``).
DATASETS = {
    "churn_raw": f"s3://{RAW_BUCKET}/churn/raw/",
    "events_raw": f"s3://{RAW_BUCKET}/events/jsonl/",
    "events_raw_csv": f"s3://{RAW_BUCKET}/events/csv/",
    "fanout_input": f"s3://{RAW_BUCKET}/fanout/input/",
    "churn_train": f"s3://{CURATED_BUCKET}/churn/train/",
    "churn_validation": f"s3://{CURATED_BUCKET}/churn/validation/",
    "churn_test": f"s3://{CURATED_BUCKET}/churn/test/",
    "features_customers": f"s3://{CURATED_BUCKET}/features/customers/",
    "events_curated": f"s3://{CURATED_BUCKET}/events/",
    "churn_predictions": f"s3://{CURATED_BUCKET}/churn/predictions/",
    "quality_baseline": f"s3://{CURATED_BUCKET}/quality/baseline/",
    "featurestore_customers_offline": f"s3://{FEATURESTORE_BUCKET}/offline/customers/",
}


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


def _churn_table(count: int, offset: int = 0, version: int = 1) -> pa.Table:
    """Parquet-side churn features: tz-aware timestamps, a struct and a list column, pandas metadata.

    ``version=2`` is the schema the churn extract moved to: ``contract_type`` added after ``plan`` and
    ``tenure_months`` widened from int32 to int64.
    """
    rows = _customers(count, offset)
    fields = [
        pa.field("customer_id", pa.int64(), nullable=False),
        pa.field("signup_ts", pa.timestamp("us", tz="UTC")),
        pa.field("plan", pa.string()),
        pa.field("tenure_months", pa.int32() if version < 2 else pa.int64()),
        pa.field("monthly_charges", pa.float64()),
        pa.field("total_charges", pa.float64()),
        pa.field("address", pa.struct([("region", pa.string()), ("postcode", pa.string())])),
        pa.field("recent_products", pa.list_(pa.string())),
        pa.field("churned", pa.bool_()),
    ]
    columns: dict[str, list[Any]] = {
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
    if version >= 2:
        fields.insert(3, pa.field("contract_type", pa.string()))
        columns = {**{k: columns[k] for k in ("customer_id", "signup_ts", "plan")},
                   "contract_type": [_CONTRACTS[r["customer_id"] % 3] for r in rows],
                   **{k: v for k, v in columns.items() if k not in ("customer_id", "signup_ts", "plan")}}
    schema = pa.schema(fields)
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


def _clicks_csv(day: datetime, count: int) -> bytes:
    """Web clickstream export (CSV): a different source than the app events, with anonymous users."""
    rows = []
    for index in range(count):
        known = index % 7 != 3
        rows.append({
            "session_id": f"s-{day:%m%d}-{index // 4:04d}",
            "user_id": f"u-{(index * 17) % 300:05d}" if index % 15 else None,
            "customer_id": 10_000 + (index * 13) % 120 if known else None,
            "page": ("/home", "/pricing", "/account", "/support", "/cancel")[index % 5],
            "referrer": ("direct", "search", "email", "social")[index % 4],
            "event_ts": (day + timedelta(minutes=3 * index)).strftime("%Y-%m-%d %H:%M:%S"),
            "duration_ms": 250 + (index * 97) % 9000,
        })
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("session_id", pa.string()), ("user_id", pa.string()), ("customer_id", pa.int64()),
        ("page", pa.string()), ("referrer", pa.string()), ("event_ts", pa.string()), ("duration_ms", pa.int64()),
    ]))
    return _csv_bytes(table)


def _transactions(count: int, offset: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "transaction_id": f"tx-{index:07d}",
            "customer_id": 10_000 + (index * 7) % 120,
            "ts": _EPOCH + timedelta(hours=5 * index, minutes=index % 60),
            "amount": round(3.5 + (index * 37) % 400 + (index % 100) / 100, 2),
            "currency": ("KRW", "USD")[index % 9 == 0],
            "merchant_category": _CATEGORIES[index % len(_CATEGORIES)],
            "is_refund": index % 23 == 0,
        }
        for index in range(offset, offset + count)
    ]


def _transactions_csv_gz(count: int, offset: int) -> bytes:
    rows = _transactions(count, offset)
    table = pa.table({
        "transaction_id": [r["transaction_id"] for r in rows],
        "customer_id": pa.array([r["customer_id"] for r in rows], pa.int64()),
        "ts": [r["ts"].strftime("%Y-%m-%dT%H:%M:%SZ") for r in rows],
        "amount": [r["amount"] for r in rows],
        "currency": [r["currency"] for r in rows],
        "merchant_category": [r["merchant_category"] for r in rows],
        "is_refund": [r["is_refund"] for r in rows],
    })
    return gzip.compress(_csv_bytes(table), mtime=0)


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _quality_statistics(item_count: int, completeness: float) -> dict[str, Any]:
    """A SageMaker Model Monitor ``statistics.json`` (the data quality analyzer's format)."""
    def string(name: str, missing: float = 0.0) -> dict[str, Any]:
        return {"name": name, "inferred_type": "String",
                "string_statistics": {"common": {"num_present": round(item_count * (1 - missing)),
                                                 "num_missing": round(item_count * missing)},
                                      "distinct_count": 4.0}}

    def number(name: str, kind: str, low: float, high: float) -> dict[str, Any]:
        return {"name": name, "inferred_type": kind,
                "numerical_statistics": {"common": {"num_present": item_count, "num_missing": 0},
                                         "mean": round((low + high) / 2, 3), "min": low, "max": high,
                                         "std_dev": round((high - low) / 4, 3)}}

    return {
        "version": 0.0,
        "dataset": {"item_count": item_count},
        "features": [
            string("event_id"), string("user_id", round(1 - completeness, 2)), number("customer_id", "Integral",
                                                                                       10000, 10119),
            string("event_type"), number("amount", "Fractional", 0.0, 44.0), string("source"),
        ],
    }


def _quality_constraints() -> dict[str, Any]:
    """The baseline ``constraints.json`` the nightly check is held to."""
    return {
        "version": 0.0,
        "features": [
            {"name": "event_id", "inferred_type": "String", "completeness": 1.0},
            {"name": "user_id", "inferred_type": "String", "completeness": 1.0},
            {"name": "customer_id", "inferred_type": "Integral", "completeness": 1.0,
             "num_constraints": {"is_non_negative": True}},
            {"name": "event_type", "inferred_type": "String", "completeness": 1.0,
             "string_constraints": {"domains": ["login", "view", "purchase", "support", "click"]}},
            {"name": "amount", "inferred_type": "Fractional", "completeness": 0.2},
        ],
        "monitoring_config": {"evaluate_constraints": "Enabled", "emit_metrics": "Enabled",
                              "datatype_check_threshold": 1.0, "domain_content_threshold": 1.0},
    }


def _objects() -> list[tuple[str, str, bytes]]:
    """(bucket, key, body) of every dataset that exists before any run: the same bytes on every call."""
    objects: list[tuple[str, str, bytes]] = []
    for part in range(3):
        objects.append(
            (RAW_BUCKET, f"churn/raw/part-{part:05d}.csv", _csv_bytes(_raw_churn_table(40, part * 40)))
        )
    objects.append((RAW_BUCKET, "churn/raw/_SUCCESS", b""))
    for day_index, day in enumerate(("2025-01-01", "2025-01-02")):
        start = _EPOCH + timedelta(days=day_index)
        objects.append((RAW_BUCKET, f"events/jsonl/dt={day}/events-00000.jsonl.gz", _events_jsonl(start, 60)))
        objects.append((RAW_BUCKET, f"events/csv/dt={day}/clicks-00000.csv", _clicks_csv(start, 48)))
    for part in range(2):
        objects.append(
            (RAW_BUCKET, f"fanout/input/transactions-{part:05d}.csv.gz", _transactions_csv_gz(60, part * 60))
        )
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
    objects.append((CURATED_BUCKET, "quality/baseline/statistics.json", _json_bytes(_quality_statistics(500, 1.0))))
    objects.append((CURATED_BUCKET, "quality/baseline/constraints.json", _json_bytes(_quality_constraints())))
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


# --- what a run writes ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RunData:
    """What a step's output depends on: which run wrote it, when, and with which schema."""

    pipeline: str
    execution_id: str
    started: datetime
    #: the churn extract's schema at the time (see :func:`_churn_table`)
    schema_version: int = 1
    #: the nightly data quality check found violations in this run's data
    violations: bool = False

    @property
    def seed(self) -> int:
        """A small number that differs between runs (row offsets), stable for a run id."""
        return sum(self.execution_id.encode()) % 97


def step_outputs(pipeline: str, step: str, output: str, run: RunData) -> list[tuple[str, bytes]] | None:
    """Files ``(name under the output URI, body)`` one step writes to one output in one run.

    ``None`` means the output is a dataset seeded beforehand (:func:`_objects`) that the run leaves as it
    is; an output no rule below knows gets a small generic Parquet file, so no output is ever empty.
    """
    kind = "fanout" if pipeline.startswith("fanout-") else pipeline
    if step.startswith("Shard-") and kind == "fanout":
        return [("part-00000.snappy.parquet", _parquet_bytes(_shard_table(int(step.rpartition("-")[2]))))]
    rule = _RULES.get((kind, step, output))
    if rule is _SEEDED:
        return None
    if rule is None:
        return [("part-00000.snappy.parquet", _parquet_bytes(_generic_table(step, output, run)))]
    files: list[tuple[str, bytes]] = rule(run)
    return files


#: Marks an output that is a dataset seeded beforehand (see :func:`step_outputs`).
_SEEDED: Any = object()


def _train_split(run: RunData) -> list[tuple[str, bytes]]:
    # sklearn's preprocess writes one file per split; the rows differ run to run.
    table = _churn_table(80, 400 + run.seed, version=run.schema_version)
    return [("part-00000.snappy.parquet", _parquet_bytes(table))]


def _staged_events(run: RunData) -> list[tuple[str, bytes]]:
    """The nightly ETL's unified events (app JSON Lines + web CSV), one ``dt=`` partition per run."""
    day = run.started.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=timezone.utc)
    count = 90
    missing_user = 0.07 if run.violations else 0.0
    rows = []
    for index in range(count):
        app = index % 3 != 0
        rows.append({
            "event_id": f"{day:%Y%m%d}-{index:05d}",
            "user_id": None if index < count * missing_user else f"u-{(index * 17) % 300:05d}",
            "customer_id": 10_000 + (index * 11) % 120,
            "event_type": ("login", "view", "purchase", "support")[index % 4] if app else "click",
            "event_ts": day + timedelta(minutes=11 * index),
            "amount": round(5.5 * (index % 9), 2) if app and index % 4 == 2 else None,
            "source": "app" if app else "web",
            "device_os": ("ios", "android", "web")[index % 3],
            "duration_ms": None if app else 250 + (index * 97) % 9000,
        })
    schema = pa.schema([
        ("event_id", pa.string()), ("user_id", pa.string()), ("customer_id", pa.int64()),
        ("event_type", pa.dictionary(pa.int8(), pa.string())), ("event_ts", pa.timestamp("ms", tz="UTC")),
        ("amount", pa.float64()), ("source", pa.string()), ("device_os", pa.string()), ("duration_ms", pa.int32()),
    ])
    table = pa.Table.from_pylist(rows, schema=schema)
    return [(f"dt={day:%Y-%m-%d}/part-00000.snappy.parquet", _parquet_bytes(table))]


def _quality_report(run: RunData) -> list[tuple[str, bytes]]:
    """What the data quality check writes: statistics of the staged data and the violations found."""
    completeness = 0.93 if run.violations else 1.0
    violations = []
    if run.violations:
        violations = [
            {"feature_name": "user_id", "constraint_check_type": "completeness_check",
             "description": "Data completeness for feature user_id is 0.93 which is below the baseline 1.0"},
            {"feature_name": "event_type", "constraint_check_type": "data_type_check",
             "description": "Data type of feature event_type: 3 values outside the baseline domain"},
            {"feature_name": "amount", "constraint_check_type": "baseline_drift_check",
             "description": "Baseline drift distance 0.21 exceeds threshold 0.1"},
        ]
    return [
        ("statistics.json", _json_bytes(_quality_statistics(90, completeness))),
        ("constraint_violations.json", _json_bytes({"violations": violations})),
    ]


def _split_table(run: RunData) -> pa.Table:
    rows = _transactions(120)
    return pa.table({
        "transaction_id": [r["transaction_id"] for r in rows],
        "customer_id": pa.array([r["customer_id"] for r in rows], pa.int64()),
        "ts": pa.array([r["ts"] for r in rows], pa.timestamp("ms", tz="UTC")),
        "amount": pa.array([Decimal(str(r["amount"])) for r in rows], pa.decimal128(12, 2)),
        "merchant_category": [r["merchant_category"] for r in rows],
        "is_refund": [r["is_refund"] for r in rows],
        "shard": pa.array([r["customer_id"] % 98 for r in rows], pa.int16()),
    })


def _split(run: RunData) -> list[tuple[str, bytes]]:
    return [("part-00000.snappy.parquet", _parquet_bytes(_split_table(run)))]


def _shard_table(shard: int) -> pa.Table:
    """Per-customer aggregates of one shard: what a Shard step writes."""
    customers = [10_000 + shard + 98 * k for k in range(2)]
    return pa.table({
        "shard": pa.array([shard] * len(customers), pa.int16()),
        "customer_id": pa.array(customers, pa.int64()),
        "txn_count": pa.array([3 + (c % 5) for c in customers], pa.int32()),
        "amount_sum": pa.array([Decimal(f"{(c * 31) % 5000}.{c % 100:02d}") for c in customers],
                               pa.decimal128(14, 2)),
        "first_ts": pa.array([_EPOCH + timedelta(days=c % 20) for c in customers], pa.timestamp("ms", tz="UTC")),
        "top_category": pa.array([_CATEGORIES[c % len(_CATEGORIES)] for c in customers]).dictionary_encode(),
    })


def _merged(run: RunData) -> list[tuple[str, bytes]]:
    lines = [
        json.dumps({"customer_id": 10_000 + k, "txn_count": 3 + k % 5, "amount_sum": round(12.5 * (k % 40), 2),
                    "shards": [k % 98], "merged_at": run.started.strftime("%Y-%m-%dT%H:%M:%SZ")}, sort_keys=True)
        for k in range(40)
    ]
    return [("summary-00000.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))]


def _generic_table(step: str, output: str, run: RunData) -> pa.Table:
    return pa.table({
        "record_id": pa.array(range(10), pa.int64()),
        "step": [step] * 10,
        "output": [output] * 10,
        "execution_id": [run.execution_id] * 10,
        "written_at": pa.array([run.started.replace(tzinfo=timezone.utc)] * 10, pa.timestamp("s", tz="UTC")),
    })


_RULES: dict[tuple[str, str, str], Any] = {
    ("mlops-pipeline", "Preprocess", "train"): _train_split,
    ("mlops-pipeline", "Preprocess", "validation"): _SEEDED,
    ("mlops-pipeline", "Preprocess", "test"): _SEEDED,
    ("mlops-pipeline", "Evaluate", "evaluation"): _SEEDED,  # the property file (world._write_outputs)
    ("churn-features-pipeline", "ExtractFeatures", "features"): _SEEDED,
    ("churn-features-pipeline", "IngestFeatures", "offline-store"): _SEEDED,
    ("nightly-etl-pipeline", "Extract", "staged"): _staged_events,
    ("nightly-etl-pipeline", "Validate", "quality_check_output"): _quality_report,
    ("nightly-etl-pipeline", "Load", "events"): _SEEDED,
    ("fanout", "Split", "shards"): _split,
    ("fanout", "Merge", "merged"): _merged,
}
