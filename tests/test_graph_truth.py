"""The truth of the graph: one identity per dataset, readers matched to writers through doubled slashes,
execution values over templates, and a summary that always counts every status."""

from __future__ import annotations

import gc
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jupyter_sm_lineage.core.datasets import (
    ancestors,
    candidate_ids,
    dataset_id,
    has_repeated_slash,
    match_path,
    openlineage_name,
)
from jupyter_sm_lineage.core.definition import parse_definition
from jupyter_sm_lineage.core.execution import execution_context, summary
from jupyter_sm_lineage.core.schema import SchemaStore, sample_schema
from jupyter_sm_lineage.core.views import graph_view
from sm_lineage_exporter.naming import s3_dataset
from tests.schema_fixtures import BUCKET, csv_bytes, flat_table, put, s3

__all__ = ["s3"]  # the module-scoped fixture, imported for pytest

HOME = "ap-northeast-2"


# --- the identity rule ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("uri", "prefix", "identity"),
    [
        ("s3://b/churn/train", True, "s3://b/churn/train/"),
        ("s3://b/churn/train/", None, "s3://b/churn/train/"),
        ("s3://b/churn/train///", None, "s3://b/churn/train/"),
        ("s3://b/churn/train", None, "s3://b/churn/train/"),  # no extension: a prefix
        ("s3a://b//churn/report.json", None, "s3://b/churn/report.json"),
        ("s3n://b/churn/model.tar.gz", False, "s3://b/churn/model.tar.gz"),
        ("s3://b/churn/LATEST", False, "s3://b/churn/LATEST"),
        ("s3://b", None, "s3://b/"),
        ("s3://b/eval//report.json", None, "s3://b/eval//report.json"),  # S3 reads '//' as written
    ],
)
def test_one_identity_per_dataset(uri: str, prefix: bool | None, identity: str) -> None:
    assert dataset_id(uri, prefix=prefix) == identity
    assert dataset_id(identity, prefix=identity.endswith("/")) == identity  # canonical ids are fixed points


def test_match_paths_and_openlineage_names_come_from_the_same_rule() -> None:
    assert match_path("s3://b/eval//report.json") == match_path("s3a://b/eval/report.json") == "s3://b/eval/report.json"
    assert has_repeated_slash("s3://b/eval//report.json") and not has_repeated_slash("s3://b/eval/")
    assert ancestors("s3://b/x/y/z") == ["s3://b/x/y", "s3://b/x", "s3://b"]
    assert candidate_ids("s3://b/x") == ("s3://b/x/", "s3://b/x") and candidate_ids("s3://b/x/") == ("s3://b/x/",)
    for uri in ("s3://b/churn/train", "s3://b/churn/train/", "s3a://b//churn//train/"):
        named = s3_dataset(uri)
        assert named is not None and (named.namespace, named.name) == openlineage_name(uri) == ("s3://b", "churn/train")


@given(st.lists(st.sampled_from(["a", "b.csv", "", "x y", "2024", "."]), min_size=0, max_size=5), st.booleans())
def test_identities_are_idempotent(segments: list[str], prefix: bool) -> None:
    uri = "s3://bucket/" + "/".join(segments)
    once = dataset_id(uri, prefix=prefix)
    assert dataset_id(once, prefix=prefix) == once
    if prefix:  # a prefix ends with exactly one slash
        assert once.endswith("/") and not once.endswith("//")


# --- the sampler and the store ------------------------------------------------------------------------
def test_a_prefix_has_one_id_however_it_is_asked_for(s3: Any) -> None:
    put(s3, "identity/train/part-0.csv", csv_bytes(flat_table()))
    ids = {sample_schema(f"s3://{BUCKET}/identity/train{tail}", s3).dataset_id for tail in ("", "/", "//")}
    assert ids == {f"s3://{BUCKET}/identity/train/"}
    one = put(s3, "identity/one.csv", csv_bytes(flat_table()))
    assert sample_schema(one, s3).dataset_id == one


def _legacy_store(path: Path) -> None:
    """A store written before ids were canonical: a prefix saved with and without its slash, an object,
    an s3a id, and a dataset that is not S3."""
    db = sqlite3.connect(path)
    db.execute("""CREATE TABLE schema_versions (dataset_id TEXT NOT NULL, version INTEGER NOT NULL,
                  created_at TEXT NOT NULL, policy_hash TEXT NOT NULL, fields TEXT NOT NULL, policy TEXT NOT NULL,
                  schema TEXT, PRIMARY KEY (dataset_id, version))""")
    prefix_schema = json.dumps({"sampled_files": ["s3://b/churn/train/part-0.parquet"],
                                "meta": {"listed_objects": 1}})
    rows = [
        ("s3://b/churn/train", 1, "2025-01-01T00:00:00Z", {"a": "int64"}, prefix_schema),
        ("s3://b/churn/train", 2, "2025-01-03T00:00:00Z", {"a": "int64", "b": "string"}, prefix_schema),
        ("s3://b/churn/train/", 1, "2025-01-02T00:00:00Z", {"a": "int32"}, None),
        ("s3://b/report.json", 1, "2025-01-01T00:00:00Z", {"m": "double"},
         json.dumps({"sampled_files": ["s3://b/report.json"], "meta": {"size": 10}})),
        ("s3a://b/events", 1, "2025-01-04T00:00:00Z", {"e": "string"}, None),
        ("athena://AwsDataCatalog/db/t", 1, "2025-01-01T00:00:00Z", {"c": "string"}, None),
    ]
    db.executemany("INSERT INTO schema_versions VALUES (?, ?, ?, 'h', ?, '{}', ?)",
                   [(i, v, t, json.dumps(f), s) for i, v, t, f, s in rows])
    db.commit()
    db.close()


def test_an_existing_store_is_migrated_once_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "legacy.sqlite3"
    _legacy_store(path)

    store = SchemaStore(path)
    history = store.versions("s3://b/churn/train")
    ids = store.dataset_ids()
    store.close()

    assert history.dataset_id == "s3://b/churn/train/"
    assert [(v.version, v.created_at, v.fields) for v in reversed(history.versions)] == [
        (1, "2025-01-01T00:00:00Z", {"a": "int64"}),
        (2, "2025-01-02T00:00:00Z", {"a": "int32"}),
        (3, "2025-01-03T00:00:00Z", {"a": "int64", "b": "string"}),
    ]
    assert ids == ["athena://AwsDataCatalog/db/t", "s3://b/churn/train/", "s3://b/events/", "s3://b/report.json"]
    before = sqlite3.connect(path).execute("SELECT * FROM schema_versions ORDER BY 1, 2").fetchall()
    again = SchemaStore(path)  # a second opening (another process, a restart) changes nothing
    assert again.versions("s3://b/churn/train/").dataset_id == "s3://b/churn/train/"
    again.close()
    assert sqlite3.connect(path).execute("SELECT * FROM schema_versions ORDER BY 1, 2").fetchall() == before
    assert len(before) == 6  # no row lost


def test_the_service_keeps_one_history_for_every_spelling(emulator: Any, tmp_path: Path) -> None:
    from jupyter_sm_lineage.core.service import LineageService, Settings

    s3_client = emulator.client("s3", HOME)
    bucket = "sm-lineage-demo-curated-123456789012"
    s3_client.put_object(Bucket=bucket, Key="identity-test/train/part-0.csv", Body=csv_bytes(flat_table()))
    svc = LineageService(Settings.from_env(default_regions=(HOME,), schema_store=str(tmp_path / "s.sqlite3")))
    try:
        first = svc.dataset_schema(bucket, "identity-test/train", HOME, save=True)
        s3_client.put_object(Bucket=bucket, Key="identity-test/train/part-0.csv",
                             Body=csv_bytes(flat_table().drop_columns(["active"])))
        second = svc.dataset_schema(bucket, "identity-test/train/", HOME, save=True)
        identity = f"s3://{bucket}/identity-test/train/"
        assert first["dataset_id"] == second["dataset_id"] == identity
        assert (first["saved"]["version"], second["saved"]["version"]) == (1, 2)
        for spelling in ("identity-test/train", "identity-test/train/", "/identity-test/train//"):
            versions = svc.schema_versions(bucket, spelling, HOME)
            assert versions["dataset_id"] == identity and [v["version"] for v in versions["versions"]] == [2, 1]
        assert svc.schema_diff(bucket, "identity-test/train", HOME, 1, 2)["dataset_id"] == identity
    finally:
        svc.close()


# --- the graph: identities on artifacts, readers through '//' ------------------------------------------
def _step(name: str, step_type: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Name": name, "Type": step_type, "Arguments": arguments, **extra}


EVALUATE_OUTPUT = "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"
DEFINITION = {
    "Steps": [
        _step("Evaluate", "Processing", {
            "ProcessingInputs": [{"InputName": "test", "S3Input": {"S3Uri": "s3://b/churn/test",
                                                                   "S3DataType": "S3Prefix"}}],
            "ProcessingOutputConfig": {"Outputs": [{"OutputName": "evaluation",
                                                    "S3Output": {"S3Uri": "s3://b/churn/evaluation/"}}]}}),
        _step("Register", "RegisterModel", {
            "ModelMetrics": {"ModelQuality": {"Statistics": {
                "ContentType": "application/json",
                "S3Uri": {"Std:Join": {"On": "/", "Values": [{"Get": EVALUATE_OUTPUT}, "evaluation.json"]}}}}}}),
        _step("Split", "Processing", {
            "ProcessingOutputConfig": {"Outputs": [{"OutputName": "test", "S3Output": {"S3Uri": "s3://b/churn/test"}}]}}),
    ]
}


def test_a_doubled_slash_is_shown_warned_and_matched_on_the_normalised_path() -> None:
    graph = parse_definition(DEFINITION)
    metrics = graph.node("Register").inputs[0]
    assert metrics.uri == "s3://b/churn/evaluation//evaluation.json"  # as the definition makes it
    artifact = next(a for a in graph.artifacts if a.uri == metrics.uri)
    assert artifact.producers == ("Evaluate",) and artifact.consumers == ("Register",)
    assert artifact.dataset_id == "s3://b/churn/evaluation//evaluation.json"
    assert any("'//'" in w and "Register" in w for w in graph.warnings)
    data = graph_view(graph, "data")
    edges = {(e["from"], e["to"]) for e in data["edges"]}
    assert ("Evaluate", metrics.uri) in edges and (metrics.uri, "Register") in edges


def test_artifacts_carry_the_canonical_dataset_id() -> None:
    graph = parse_definition(DEFINITION)
    by_uri = {a.uri: a for a in graph.artifacts}
    # Split writes s3://b/churn/test (an output: a prefix), Evaluate reads it: one dataset, one id.
    test = by_uri["s3://b/churn/test"]
    assert test.dataset_id == "s3://b/churn/test/" and test.producers == ("Split",) and test.consumers == ("Evaluate",)
    assert by_uri["s3://b/churn/evaluation/"].to_dict()["datasetId"] == "s3://b/churn/evaluation/"


def test_the_demo_register_step_reads_what_evaluate_wrote(service: Any) -> None:
    result = service.lineage(HOME, "mlops-pipeline", include_latest_exec=True, view="data")
    edges = result["graph"]["edges"]
    report = next(e["to"] for e in edges if e["from"] == "Evaluate" and e["to"].endswith("evaluation.json"))
    assert any(e["from"] == report and e["to"] == "Register-RegisterModel" for e in edges)
    assert any("'//'" in w for w in result["graph"]["warnings"])
    for artifact in result["graph"]["artifacts"]:
        if artifact["kind"] == "s3" and artifact["resolved"]:
            identity = artifact["datasetId"]
            assert identity == dataset_id(identity, prefix=identity.endswith("/"))


# --- the execution's values and the summary ---------------------------------------------------------------
def test_summary_always_counts_every_status() -> None:
    assert summary(parse_definition({"Steps": []}), None)["nodeStatus"] == {
        "Succeeded": 0, "Failed": 0, "Executing": 0, "NotRun": 0}


def test_the_demo_summary_and_execution_values_replace_templates(service: Any) -> None:
    result = service.lineage(HOME, "mlops-pipeline", include_latest_exec=True)
    assert {"Succeeded", "Failed", "Executing", "NotRun"} <= set(result["summary"]["nodeStatus"])
    transform = next(n for n in result["graph"]["nodes"] if n["id"] == "BatchTransform")
    if transform["run"]["status"] != "NotRun":
        assert "{" not in transform["properties"]["modelName"]


def test_step_metadata_resolves_every_property_it_knows() -> None:
    definition = {"Steps": [
        _step("CreateModel", "Model", {"PrimaryContainer": {"ModelDataUrl": "s3://b/m/model.tar.gz"}}),
        _step("Score", "Lambda", {"FunctionArn": "arn:aws:lambda:r:1:function:f"}),
        _step("Transform", "Transform", {
            "ModelName": {"Get": "Steps.CreateModel.ModelName"},
            "TransformInput": {"DataSource": {"S3DataSource": {
                "S3Uri": {"Std:Join": {"On": "/", "Values": [
                    "s3://b/in", {"Get": 'Steps.Score.OutputParameters["day"]'}]}}}}},
            "TransformOutput": {"S3OutputPath": "s3://b/out/"},
            "Environment": {"REGISTERED": {"Get": "Steps.Register.ModelPackageArn"}}}),
    ]}
    steps = [
        {"StepName": "CreateModel", "StepStatus": "Succeeded",
         "Metadata": {"Model": {"Arn": "arn:aws:sagemaker:r:1:model/churn-model-7"}}},
        {"StepName": "Score", "StepStatus": "Succeeded",
         "Metadata": {"Lambda": {"Arn": "arn:aws:lambda:r:1:function:f",
                                 "OutputParameters": [{"Name": "day", "Value": "2025-01-02"}]}}},
    ]
    context = execution_context(definition, {"PipelineExecutionArn": "arn:aws:sagemaker:r:1:pipeline/p/execution/x"},
                                [], steps, "p")
    transform = parse_definition(definition, context).node("Transform")
    assert transform.properties["modelName"] == "churn-model-7"
    assert transform.inputs[0].uri == "s3://b/in/2025-01-02" and transform.inputs[0].resolved
    assert transform.inputs[0].template == "s3://b/in/{Steps.Score.OutputParameters[\"day\"]}"


def test_parsing_leaves_the_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    parse_definition(DEFINITION)
    assert gc.isenabled()
    gc.disable()
    try:
        parse_definition(DEFINITION)
        assert not gc.isenabled()
    finally:
        gc.enable()
