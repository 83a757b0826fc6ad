"""The versioned schema store: idempotent saves, policies, diffs, JSON Lines, corruption, concurrency."""

from __future__ import annotations

import io
import json
import multiprocessing
import sqlite3

import pytest

from jupyter_sm_lineage.core.errors import InvalidRequest, NotFound
from jupyter_sm_lineage.core.schema import SchemaStore, default_store_path, policy_hash

DATASET = "s3://bucket/churn/train/"
V1 = {"user_id": "int64", "score": "double"}
V2 = {"user_id": "int64", "score": "double", "ts": "timestamp[us, tz=UTC]"}


@pytest.fixture
def store(tmp_path):
    store = SchemaStore(tmp_path / "schemas.sqlite3")
    yield store
    store.close()


def test_same_fields_and_policy_return_the_existing_version(store):
    first = store.save(DATASET, V1, {"owner": "ml", "pii": False})
    again = store.save(DATASET, dict(reversed(list(V1.items()))), {"pii": False, "owner": "ml"})

    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created) == (1, False)
    assert again.policy_hash == first.policy_hash == policy_hash('{"owner":"ml","pii":false}')
    assert again.created_at == first.created_at


def test_version_increases_when_fields_or_policy_change(store):
    assert store.save(DATASET, V1).version == 1
    assert store.save(DATASET, V2).version == 2
    assert store.save(DATASET, V2, {"retention_days": 30}).version == 3
    assert store.save(DATASET, V2, {"retention_days": 30}).version == 3
    assert store.save("s3://bucket/other/", V1).version == 1

    history = store.versions(DATASET).to_dict()

    assert [v["version"] for v in history["versions"]] == [3, 2, 1]
    assert history["versions"][0]["fields"] == V2
    assert list(history["versions"][0]) == ["version", "createdAt", "policyHash", "fields", "policy"]
    assert history["errors"] == []
    assert store.versions("s3://bucket/unknown/").versions == []


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ([1, 2], "JSON object"),
        ("[1, 2]", "JSON object"),
        ("42", "JSON object"),
        ("{not json", "not valid JSON"),
        ({"blob": "x" * (16 * 1024)}, "larger than"),
    ],
)
def test_bad_policies_are_refused(store, policy, words):
    with pytest.raises(InvalidRequest, match=words) as caught:
        store.save(DATASET, V1, policy)
    assert caught.value.parameter == "policy"


@pytest.mark.parametrize(
    ("old", "new", "compatibility", "changes"),
    [
        (V1, V1, "identical", []),
        (V1, V2, "backward", []),
        (V2, V1, "breaking", ["removed"]),
        ({"n": "int32"}, {"n": "int64"}, "backward", ["widening"]),
        ({"n": "int64"}, {"n": "int32"}, "breaking", ["narrowing"]),
        ({"n": "int64"}, {"n": "string"}, "breaking", ["incompatible"]),
        ({"n": "float"}, {"n": "double"}, "backward", ["widening"]),
        ({"t": "timestamp[ms, tz=UTC]"}, {"t": "timestamp[us, tz=UTC]"}, "backward", ["widening"]),
        ({"t": "timestamp[us, tz=UTC]"}, {"t": "timestamp[us]"}, "breaking", ["incompatible"]),
        (
            {"s": "struct<a: int64>"},
            {"s": "struct<a: int64, b: list<item: string>>"},
            "backward",
            ["widening"],
        ),
        ({"s": "struct<a: int64, b: string>"}, {"s": "struct<a: int64>"}, "breaking", ["narrowing"]),
        ({"l": "list<element: int32>"}, {"l": "list<element: int64>"}, "backward", ["widening"]),
        ({"d": "decimal128(10, 2)"}, {"d": "decimal128(12, 2)"}, "backward", ["widening"]),
    ],
)
def test_diff_classifies_by_the_backward_rule(store, old, new, compatibility, changes):
    store.save(DATASET, old)
    to_version = store.save(DATASET, new, {"v": 2} if old == new else None).version

    diff = store.diff(DATASET, 1, to_version).to_dict()

    assert diff["compatibility"] == compatibility
    assert diff["backwardCompatible"] is (compatibility != "breaking")
    found = (["removed"] if diff["removed"] else []) + [r["change"] for r in diff["retyped"]]
    assert found == changes
    assert diff["policyChanged"] is (old == new)
    assert bool(diff["breakingChanges"]) is (compatibility == "breaking")


def test_diff_of_unknown_version_is_not_found(store):
    store.save(DATASET, V1)
    with pytest.raises(NotFound):
        store.diff(DATASET, 1, 7)


def test_export_then_import_round_trips(store, tmp_path):
    store.save(DATASET, V1, {"owner": "ml"}, schema={"format": "parquet", "fields": V1})
    store.save(DATASET, V2, {"owner": "ml"})
    exported = io.StringIO()
    assert store.export_jsonl(exported) == 2

    other = SchemaStore(tmp_path / "other.sqlite3")
    report = other.import_jsonl(io.StringIO(exported.getvalue()))
    again = other.import_jsonl(io.StringIO(exported.getvalue()))

    assert report.to_dict() == {"imported": 2, "unchanged": 0, "errors": []}
    assert again.to_dict() == {"imported": 0, "unchanged": 2, "errors": []}
    assert other.versions(DATASET).to_dict() == store.versions(DATASET).to_dict()
    assert other.get(DATASET, 1).schema == {"format": "parquet", "fields": V1}
    assert other.save(DATASET, V2, {"owner": "ml"}).version == 2


def test_corrupt_jsonl_lines_are_reported_and_the_rest_imported(store):
    good = {
        "dataset_id": DATASET,
        "version": 1,
        "createdAt": "2025-01-01T00:00:00Z",
        "policyHash": policy_hash({}),
        "fields": V1,
    }
    exported = json.dumps(good)
    lines = [
        exported,
        exported[: len(exported) // 2],  # truncated line
        json.dumps({**good, "version": 2, "fields": ["not", "a", "map"]}),
        json.dumps({**good, "version": 3, "policy": [1]}),  # a policy must be an object
        "",
        json.dumps({**good, "version": 1, "fields": V2}),  # conflicts with line 1
        json.dumps({**good, "version": 4, "fields": V2}),
    ]

    report = store.import_jsonl(io.StringIO("\n".join(lines) + "\n"))

    assert report.imported == 2
    assert [e["line"] for e in report.errors] == [2, 3, 4, 6]
    assert [v.version for v in store.versions(DATASET).versions] == [4, 1]


def test_a_corrupt_row_is_reported_not_fatal(store):
    store.save(DATASET, V1)
    store.save(DATASET, V2)
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE schema_versions SET fields = '{broken' WHERE version = 1")

    history = store.versions(DATASET)
    exported = io.StringIO()

    assert [v.version for v in history.versions] == [2]
    assert history.errors[0]["version"] == 1
    assert store.export_jsonl(exported) == 1
    with pytest.raises(InvalidRequest, match="corrupt"):
        store.get(DATASET, 1)
    assert store.save(DATASET, V1).version == 3


def test_default_path_follows_env_then_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("SM_LINEAGE_SCHEMA_STORE", str(tmp_path / "x.sqlite3"))
    assert default_store_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("SM_LINEAGE_SCHEMA_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "jupyter-sm-lineage" / "schemas.sqlite3"


def _save_many(path: str, writer: int, count: int) -> list[int]:
    store = SchemaStore(path)
    return [store.save(DATASET, {**V1, f"w{writer}_{i}": "int64"}).version for i in range(count)]


def test_concurrent_writers_in_several_processes_never_lose_or_duplicate(tmp_path):
    # Given four processes saving ten different schemas each, all at once
    path = str(tmp_path / "shared.sqlite3")
    SchemaStore(path).save(DATASET, V1)
    context = multiprocessing.get_context("spawn")

    with context.Pool(4) as pool:
        results = pool.starmap(_save_many, [(path, writer, 10) for writer in range(4)])

    # Then every save got its own version, the versions are contiguous and all are stored
    returned = sorted(v for versions in results for v in versions)
    assert returned == list(range(2, 42))
    stored = SchemaStore(path).versions(DATASET).versions
    assert [v.version for v in stored] == list(range(41, 0, -1))
    assert len({json.dumps(v.fields, sort_keys=True) for v in stored}) == 41
