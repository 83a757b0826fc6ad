"""Execution history and run comparison on the demo's mlops-pipeline history (issue: what changed?)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from jupyter_sm_lineage.core.compare import compare_runs, run_identity
from jupyter_sm_lineage.core.errors import InvalidRequest, NotFound
from jupyter_sm_lineage.core.service import LineageService

from .conftest import HOME, CallCounter

PIPELINE = "mlops-pipeline"


@pytest.fixture
def history(service: LineageService) -> list[dict[str, Any]]:
    return list(service.executions(HOME, PIPELINE)["executions"])


def test_executions_are_newest_first_with_what_a_picker_shows(history: list[dict[str, Any]]) -> None:
    assert len(history) >= 6
    starts = [e["startTime"] for e in history]
    assert starts == sorted(starts, reverse=True)
    statuses = {e["status"] for e in history}
    assert {"Succeeded", "Failed"} <= statuses
    for execution in history:
        assert set(execution) >= {"arn", "displayName", "status", "startTime", "endTime", "elapsedSec", "parameters"}
        assert (execution["status"] == "Failed") == bool(execution.get("failureReason"))
    assert len({json.dumps(e["parameters"], sort_keys=True) for e in history}) > 1  # a parameter change


def test_executions_page_with_one_list_call_per_page(service: LineageService, counter: CallCounter,
                                                     history: list[dict[str, Any]]) -> None:
    seen, token, pages = [], None, 0
    counter.reset()
    while True:
        page = service.executions(HOME, PIPELINE, limit=3, next_token=token)
        seen += [e["arn"] for e in page["executions"]]
        pages += 1
        token = page["nextToken"]
        if token is None:
            break
    assert seen == [e["arn"] for e in history]
    assert counter.calls["sagemaker.ListPipelineExecutions"] == pages == -(-len(history) // 3)
    with pytest.raises(InvalidRequest, match="nextToken"):
        service.executions(HOME, PIPELINE, next_token="not-a-token")
    with pytest.raises(InvalidRequest, match="limit"):
        service.executions(HOME, PIPELINE, limit=0)


def test_a_run_compared_with_itself_shows_no_change(service: LineageService, history: list[dict[str, Any]]) -> None:
    for execution in history[:3]:
        result = service.compare(HOME, PIPELINE, base=execution["arn"], head=execution["arn"])
        assert result["summary"] == {"changedSteps": 0, "changedParameters": 0, "changedDatasets": 0,
                                     "changedMetrics": 0}
        assert {s["change"] for s in result["steps"]} == {"same"}


def test_a_failed_run_is_compared_with_the_last_good_one_before_it(service: LineageService,
                                                                  history: list[dict[str, Any]]) -> None:
    failed = next(i for i, e in enumerate(history) if e["status"] == "Failed")
    good = next(e for e in history[failed + 1:] if e["status"] == "Succeeded")
    result = service.compare(HOME, PIPELINE, head=history[failed]["arn"])
    assert result["base"]["arn"] == good["arn"] and result["head"]["arn"] == history[failed]["arn"]
    flips = [s for s in result["steps"] if s.get("statusFlip")]
    assert flips and all(s["change"] == "changed" for s in flips)
    assert any(s["statusFlip"]["head"] == "Failed" or s["statusFlip"]["head"] == "NotRun" for s in flips)
    fields = {d["field"] for s in result["steps"] for d in s["differences"]}
    assert "status" in fields


def test_the_default_compare_is_the_newest_run_against_the_last_good_one(service: LineageService,
                                                                         history: list[dict[str, Any]]) -> None:
    result = service.compare(HOME, PIPELINE)
    assert result["head"]["arn"] == history[0]["arn"]
    assert result["base"]["arn"] == next(e["arn"] for e in history[1:] if e["status"] == "Succeeded")


def test_the_demo_history_shows_each_kind_of_change(service: LineageService, history: list[dict[str, Any]]) -> None:
    """Between neighbours of the history: a parameter, an image or instance type, a dataset schema (a column
    added and a type widened), metrics, and the failed run's status."""
    found: dict[str, bool] = {}
    for older, newer in zip(history[1:], history, strict=False):
        result = service.compare(HOME, PIPELINE, base=older["arn"], head=newer["arn"])
        fields = {d["field"] for s in result["steps"] for d in s["differences"]}
        found["parameter"] = found.get("parameter", False) or bool(result["parameters"])
        found["image or instance"] = found.get("image or instance", False) or bool({"image", "instanceType"} & fields)
        for dataset in result["datasets"]:
            diff = dataset["schemaDiff"] or {}
            if diff.get("added") and any(r["change"] == "widening" for r in diff.get("retyped", [])):
                found["schema"] = True
                assert diff["compatibility"] == "backward"
        found["metric"] = found.get("metric", False) or any(m["delta"] for m in result["metrics"])
        found["status"] = found.get("status", False) or any(s.get("statusFlip") for s in result["steps"])
        found["cache"] = found.get("cache", False) or "cacheHit" in fields
    assert found == dict.fromkeys(("parameter", "image or instance", "schema", "metric", "status", "cache"), True)


def test_values_that_only_name_their_run_are_not_differences() -> None:
    base_id, head_id = "aaaa1111", "bbbb2222"
    normal_a, normal_b = run_identity(f"arn/execution/{base_id}"), run_identity(f"arn/execution/{head_id}")
    assert normal_a(f"s3://b/train/{base_id}") == normal_b(f"s3://b/train/{head_id}")
    assert normal_a(f"pipelines-{base_id}-Train-abc123") == normal_b(f"pipelines-{head_id}-Train-9zz9z9")
    assert normal_a("s3://b/train/x") != normal_b("s3://b/train/y")


def _lineage(arn: str, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"execution": {"arn": arn, "parameters": []},
            "graph": {"nodes": [{"id": name, "type": "Processing", **node} for name, node in steps.items()]}}


def test_added_and_removed_steps_of_an_updated_definition() -> None:
    base = _lineage("x/execution/a", {"Keep": {"run": {"status": "Succeeded"}}, "Old": {"run": {"status": "Failed"}}})
    head = _lineage("x/execution/b", {"Keep": {"run": {"status": "Succeeded"}},
                                      "New": {"run": {"status": "Succeeded"}}})
    result = compare_runs(base, head, {}, {}, {})
    changes = {s["name"]: s["change"] for s in result["steps"]}
    assert changes == {"Keep": "same", "New": "added", "Old": "removed"}
    assert result["summary"]["changedSteps"] == 2


def test_a_local_definition_against_the_deployed_one(service: LineageService) -> None:
    deployed = service.clients.call("sagemaker", HOME, "describe_pipeline", PipelineName=PIPELINE)["PipelineDefinition"]
    local = json.loads(deployed)
    steps = local["Steps"]
    removed = steps.pop()["Name"]
    added = copy.deepcopy(steps[0])
    added["Name"] = "PreprocessAgain"
    steps.append(added)
    first = steps[0]
    first["Arguments"]["ProcessingResources"]["ClusterConfig"]["InstanceCount"] = 7
    result = service.compare(HOME, PIPELINE, head=json.dumps(local))
    assert result["mode"] == "definition" and result["base"]["definition"] == "deployed"
    changes = {s["name"]: s["change"] for s in result["steps"]}
    assert changes[removed] == "removed" and changes["PreprocessAgain"] == "added"
    assert changes[first["Name"]] == "changed"
    assert [d["field"] for s in result["steps"] if s["name"] == first["Name"] for d in s["differences"]] == [
        "instanceCount"]
    assert service.compare(HOME, PIPELINE, head=json.loads(deployed))["summary"]["changedSteps"] == 0


def test_compare_refuses_what_it_cannot_compare(service: LineageService) -> None:
    with pytest.raises(InvalidRequest, match="base must look like") as info:
        service.compare(HOME, PIPELINE, base="not-an-arn")
    assert info.value.to_dict()["parameter"] == "base"
    with pytest.raises(InvalidRequest, match="head must look like"):
        service.compare(HOME, PIPELINE, head="[1, 2]")
    with pytest.raises(NotFound):
        service.compare(HOME, "no-such-pipeline")


def test_trend_lists_each_steps_status_and_elapsed_time(service: LineageService,
                                                       history: list[dict[str, Any]]) -> None:
    trend = service.trend(HOME, PIPELINE, limit=5)
    assert [e["arn"] for e in trend["executions"]] == [e["arn"] for e in reversed(history[:5])]
    train = trend["steps"]["Train"]
    assert [p["execution"] for p in train] == sorted(p["execution"] for p in train)
    assert all(p["status"] for p in train)


# --- through the routes ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def http(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from jupyter_sm_lineage.widgets.client import HttpClient

    from . import browser_support as bs

    env = {"SM_LINEAGE_SCHEMA_STORE": str(tmp_path_factory.mktemp("store") / "s.sqlite3"), "SM_LINEAGE_REGIONS": HOME}
    with bs.jupyter_server(tmp_path_factory.mktemp("root"), app="server", env=env) as server:
        yield HttpClient(server.url, server.token)


def test_the_history_and_compare_routes_answer_what_the_service_answers(http: Any, service: LineageService) -> None:
    page = http.executions(HOME, PIPELINE, limit=2)
    assert page == json.loads(json.dumps(service.executions(HOME, PIPELINE, limit=2), default=str)) | {
        "executions": page["executions"]} and len(page["executions"]) == 2 and page["nextToken"]
    following = http.executions(HOME, PIPELINE, limit=2, next_token=page["nextToken"])
    assert following["executions"][0]["arn"] != page["executions"][0]["arn"]
    remote = http.compare(HOME, PIPELINE)
    local = service.compare(HOME, PIPELINE)
    assert remote["summary"] == local["summary"] and remote["base"]["arn"] == local["base"]["arn"]
    assert http.trend(HOME, PIPELINE, limit=3)["executions"] == service.trend(HOME, PIPELINE, limit=3)["executions"]
    with pytest.raises(InvalidRequest) as info:
        http.compare(HOME, PIPELINE, base="nope")
    assert info.value.to_dict()["parameter"] == "base"


def test_versions_saved_when_each_run_ended_are_its_schemas(service: LineageService,
                                                            history: list[dict[str, Any]]) -> None:
    """A location both runs share (churn/validation/) shows a real difference when the schema store holds the
    version each run saw: the newest one saved by the time it ended."""
    import io
    from datetime import datetime, timedelta

    head, base = history[0], next(e for e in history[1:] if e["status"] == "Succeeded")
    uri = "s3://sm-lineage-demo-curated-123456789012/churn/validation/"

    def at(iso: str, minutes: int) -> str:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(minutes=minutes)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    lines = [{"dataset_id": uri, "version": 1, "createdAt": at(base["endTime"], -5), "fields": {"id": "int32"}},
             {"dataset_id": uri, "version": 2, "createdAt": at(head["endTime"], -5),
              "fields": {"id": "int64", "churned": "bool"}},
             {"dataset_id": uri, "version": 3, "createdAt": at(head["endTime"], 60), "fields": {"later": "string"}}]
    report = service.schema_store.import_jsonl(io.StringIO("\n".join(json.dumps(line) for line in lines)))
    assert report.to_dict()["imported"] == 3
    result = service.compare(HOME, PIPELINE, base=base["arn"], head=head["arn"])
    validation = next(d for d in result["datasets"] if d["head"] == uri)
    assert validation["schemaSource"] == {"base": "store", "head": "store"} and validation["changed"]
    diff = validation["schemaDiff"]
    assert diff["added"] == [{"field": "churned", "type": "bool"}]
    assert diff["retyped"] == [{"field": "id", "from": "int32", "to": "int64", "change": "widening"}]
