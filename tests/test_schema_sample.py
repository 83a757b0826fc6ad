"""CSV/JSON head sampling, prefixes, format detection, merging and per-file errors, against the emulator."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_sm_lineage.core.errors import AccessDenied, NotFound
from jupyter_sm_lineage.core.schema import (
    SampleOptions,
    UnreadableData,
    sample_artifacts,
    sample_file,
    sample_schema,
)
from jupyter_sm_lineage.emulator.datasets import _objects
from tests.schema_fixtures import (
    BUCKET,
    REGION,
    csv_bytes,
    flat_table,
    gz,
    jsonl_bytes,
    parquet_bytes,
    put,
    s3,
    sample_table,
)

__all__ = ["s3"]  # the module-scoped fixture, imported for pytest

FLAT = {"id": "int64", "name": "string", "amount": "double", "active": "bool"}


@pytest.mark.parametrize(
    ("key", "body", "fmt", "extra"),
    [
        ("csv/plain.csv", csv_bytes(flat_table()), "csv", {"delimiter": ",", "header": True}),
        (
            "csv/semicolon.csv",
            csv_bytes(flat_table(), delimiter=";"),
            "csv",
            {"delimiter": ";", "header": True},
        ),
        ("csv/tabs.tsv", csv_bytes(flat_table(), delimiter="\t"), "tsv", {"delimiter": "\t", "header": True}),
        ("csv/tabs-no-ext", csv_bytes(flat_table(), delimiter="\t"), "tsv", {"delimiter": "\t"}),
        ("csv/plain.csv.gz", gz(csv_bytes(flat_table())), "csv", {"compression": "gzip"}),
        ("json/lines.jsonl", jsonl_bytes(flat_table().to_pylist()), "jsonl", {}),
        ("json/lines.json.gz", gz(jsonl_bytes(flat_table().to_pylist())), "jsonl", {"compression": "gzip"}),
        ("json/array.json", json.dumps(flat_table().to_pylist()).encode(), "json", {}),
        ("json/pretty.json", json.dumps(flat_table().to_pylist(), indent=2).encode(), "json", {}),
        ("json/no-extension", jsonl_bytes(flat_table().to_pylist()), "jsonl", {}),
    ],
)
def test_text_formats_are_typed_by_pyarrow(s3, key, body, fmt, extra):
    uri = put(s3, key, body)

    schema = sample_schema(uri, s3)

    assert schema.format == fmt
    assert schema.fields == FLAT
    assert schema.sampled_files == [uri]
    assert schema.errors == []
    for name, value in extra.items():
        assert schema.meta[name] == value


def test_headerless_csv_gets_generated_names(s3):
    uri = put(s3, "csv/noheader.csv", csv_bytes(flat_table(), header=False))

    schema = sample_schema(uri, s3)

    assert schema.meta["header"] is False
    assert list(schema.fields.values()) == ["int64", "string", "double", "bool"]
    assert list(schema.fields) == ["f0", "f1", "f2", "f3"]


def test_nested_json_and_timestamps(s3):
    rows = [
        {"ts": "2025-01-01T00:00:00", "device": {"os": "ios", "v": i}, "tags": ["a"] * (i % 3)}
        for i in range(9)
    ]
    uri = put(s3, "json/nested.jsonl", jsonl_bytes(rows))

    fields = sample_schema(uri, s3).fields

    assert fields == {
        "ts": "timestamp[s]",
        "device": "struct<os: string, v: int64>",
        "tags": "list<item: string>",
    }


def test_one_ranged_get_of_the_head_cut_at_the_last_complete_record(s3):
    # Given a CSV of ~200 KiB and a 4 KiB sample: the last line in the range is cut
    uri = put(s3, "csv/big.csv", csv_bytes(flat_table(8000)))
    options = SampleOptions(sample_bytes=4096)

    file_schema = sample_file(uri, s3, options=options)

    assert file_schema.fields == FLAT
    assert file_schema.meta["truncated"] is True
    assert file_schema.meta["sampled_bytes"] == 4096
    assert 0 < file_schema.meta["sampled_rows"] < 4096 // 10


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sample_bytes=st.integers(min_value=1024, max_value=12_000))
def test_any_cut_of_json_lines_or_arrays_keeps_whole_records(s3, sample_bytes):
    rows = flat_table(400).to_pylist()
    options = SampleOptions(sample_bytes=sample_bytes)
    for key, body in (
        ("json/cut.jsonl", jsonl_bytes(rows)),
        ("json/cut.json", json.dumps(rows).encode()),
        ("json/cut.jsonl.gz", gz(jsonl_bytes(rows))),
    ):
        uri = put(s3, key, body)
        assert sample_file(uri, s3, options=options).fields == FLAT


def test_prefix_skips_markers_samples_spread_and_adds_hive_partitions(s3):
    # Given 12 part files over two dt= partitions, plus markers Spark and Hadoop leave
    for day in ("2025-01-01", "2025-01-02"):
        for part in range(6):
            put(s3, f"hive/dt={day}/part-{part:05d}.parquet", parquet_bytes(sample_table(10 + part)))
        put(s3, f"hive/dt={day}/_SUCCESS", b"")
        put(s3, f"hive/dt={day}/.part-00000.parquet.crc", b"crc!")
        put(s3, f"hive/dt={day}/_committed_123", b"{}")
    put(s3, "hive/empty-object.parquet", b"")

    # When
    schema = sample_schema(f"s3://{BUCKET}/hive/", s3)

    # Then
    assert schema.format == "parquet"
    assert len(schema.sampled_files) == 5
    assert {uri.split("/")[4] for uri in schema.sampled_files} == {"dt=2025-01-01", "dt=2025-01-02"}
    assert schema.fields["dt"] == "date32[day]"
    assert schema.fields["ts"] == "timestamp[us, tz=UTC]"
    assert schema.meta["partition_keys"] == {"dt": ["2025-01-01", "2025-01-02"]}
    assert schema.meta["skipped_count"] == 7
    assert schema.meta["num_rows"] == sum(
        schema.meta["files"][uri]["num_rows"] for uri in schema.sampled_files
    )


def test_prefix_without_trailing_slash_ignores_sibling_prefixes(s3):
    put(s3, "sib/data/a.csv", csv_bytes(flat_table()))
    put(s3, "sib/data_old/a.csv", b"x;y\n1;2\n")

    schema = sample_schema(f"s3://{BUCKET}/sib/data", s3)

    assert schema.sampled_files == [f"s3://{BUCKET}/sib/data/a.csv"]


def test_merge_promotes_types_and_reports_conflicts(s3):
    put(
        s3, "merge/a.parquet", parquet_bytes(pa.table({"n": pa.array([1], pa.int32()), "x": [1], "k": ["a"]}))
    )
    put(
        s3,
        "merge/b.parquet",
        parquet_bytes(pa.table({"n": pa.array([1], pa.int64()), "x": ["one"], "extra": [1.5]})),
    )

    schema = sample_schema(f"s3://{BUCKET}/merge/", s3)

    assert schema.fields == {"n": "int64", "x": "int64", "k": "string", "extra": "double"}
    assert schema.conflicts == [
        {
            "field": "x",
            "kept": "int64",
            "types": {
                "int64": [f"s3://{BUCKET}/merge/a.parquet"],
                "string": [f"s3://{BUCKET}/merge/b.parquet"],
            },
        },
    ]
    assert [p["field"] for p in schema.meta["promoted"]] == ["n"]


def _flip(data: bytes, at: int) -> bytes:
    at %= len(data)
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


BAD_FILES = {
    "bad/a-truncated.parquet": (parquet_bytes(sample_table())[:-100], "corrupt"),
    "bad/b-flipped-magic.parquet": (_flip(parquet_bytes(sample_table()), -1), "corrupt"),
    "bad/c-binary.csv": (bytes(range(256)) * 4, "binary"),
    "bad/d-latin1.csv": ("name,city\nJosé,Zürich\n".encode("latin-1"), "encoding"),
    "bad/e-unclosed.json": (json.dumps([{"a": 1}, {"a": 2}]).encode()[:-1], "unterminated"),
    "bad/f-broken.csv.gz": (gz(b"a,b\n1,2\n")[:-12], "corrupt"),
    "bad/g-ragged.csv": (b"a,b\n1,2\n3,4,5\n", "corrupt"),
}


def test_each_bad_file_gets_its_own_error_and_the_others_are_still_sampled(s3):
    for key, (body, _reason) in BAD_FILES.items():
        put(s3, key, body)
    good = put(s3, "bad/z-good.csv", csv_bytes(flat_table()))

    schema = sample_schema(f"s3://{BUCKET}/bad/", s3, options=SampleOptions(max_files=20))

    assert schema.sampled_files == [good]
    assert schema.fields == FLAT
    assert {e["file"].rsplit("/", 1)[1]: e["reason"] for e in schema.errors} == {
        key.rsplit("/", 1)[1]: reason for key, (_body, reason) in BAD_FILES.items()
    }
    assert all(e["message"] for e in schema.errors)


@pytest.mark.parametrize(("key", "body_reason"), list(BAD_FILES.items()))
def test_a_bad_object_alone_raises_its_error(s3, key, body_reason):
    body, reason = body_reason
    uri = put(s3, "alone/" + key, body)

    with pytest.raises(UnreadableData) as caught:
        sample_schema(uri, s3)

    assert caught.value.reason == reason
    assert uri in caught.value.message


def test_zero_byte_object_addressed_directly(s3):
    uri = put(s3, "zero/empty.csv", b"")

    with pytest.raises(UnreadableData, match="0 bytes"):
        sample_schema(uri, s3)


def test_empty_prefix_and_marker_only_prefix_are_not_found(s3):
    put(s3, "markers-only/_SUCCESS", b"")

    with pytest.raises(NotFound, match="No data files at"):
        sample_schema(f"s3://{BUCKET}/nothing-here/", s3)
    with pytest.raises(NotFound, match="1 marker"):
        sample_schema(f"s3://{BUCKET}/markers-only/", s3)


def test_missing_bucket_is_not_found(s3):
    with pytest.raises(NotFound, match=r"no-such-bucket-here.*bucket does not exist"):
        sample_schema("s3://no-such-bucket-here/data/", s3)


def test_access_denied_names_the_iam_action(emulator):
    # moto does not enforce IAM here: this one refusal is stubbed at the botocore seam.
    client = emulator.client("s3", REGION)
    with Stubber(client) as stub:
        stub.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)
        with pytest.raises(AccessDenied) as listing:
            sample_schema(f"s3://{BUCKET}/x/", client)
        stub.add_client_error("get_object", "AccessDenied", "Access Denied", 403)
        with pytest.raises(AccessDenied) as reading:
            sample_file(f"s3://{BUCKET}/x/a.csv", client)
    assert listing.value.action == "s3:ListBucket"
    assert reading.value.action == "s3:GetObject"
    assert "s3:GetObject" in reading.value.message


def test_parquet_named_csv_is_read_by_magic(s3):
    uri = put(s3, "magic/actually-parquet.csv", parquet_bytes(flat_table()))

    schema = sample_schema(uri, s3)

    assert schema.format == "parquet"
    assert schema.meta["detected_by"] == "magic"
    assert schema.fields == FLAT


def test_sample_artifacts_reports_errors_per_uri(s3):
    good = put(s3, "art/good.parquet", parquet_bytes(flat_table()))
    bad = put(s3, "art/bad.csv", bytes(range(256)))
    missing = f"s3://{BUCKET}/art/missing/"

    result = sample_artifacts([good, bad, missing, good], s3, max_workers=3)

    assert list(result) == [good, bad, missing]
    assert result[good]["fields"] == FLAT
    assert result[bad]["error"]["reason"] == "binary"
    assert result[missing]["error"]["reason"] == "not_found"


def test_demo_datasets_all_sample_cleanly(emulator):
    # Given the datasets the demo world seeded (emulator/datasets.py)
    uris = emulator.world.datasets
    client = emulator.client("s3", REGION)

    results = sample_artifacts(uris.values(), client)

    assert all("error" not in r and not r["errors"] and not r["conflicts"] for r in results.values()), results
    assert results[uris["events_raw"]]["fields"]["dt"] == "date32[day]"
    assert results[uris["events_raw"]]["meta"]["files"]
    assert results[uris["churn_train"]]["fields"]["signup_ts"] == "timestamp[us, tz=UTC]"
    assert results[uris["churn_train"]]["fields"]["address"] == "struct<region: string, postcode: string>"
    assert results[uris["featurestore_customers_offline"]]["meta"]["partition_keys"] == {
        "year": ["2025"],
        "month": ["01", "02"],
    }


def test_demo_datasets_are_deterministic():
    assert _objects() == _objects()
