"""parse_definition on definitions the SageMaker SDK rendered, and on malformed or hostile ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_sm_lineage.core.definition import ExecutionContext, evaluate_arguments, parse_definition
from jupyter_sm_lineage.core.errors import InvalidRequest
from jupyter_sm_lineage.core.expressions import parse_path, render

ROOT = Path(__file__).resolve().parents[1]
DEMO = sorted((ROOT / "jupyter_sm_lineage" / "emulator" / "definitions").glob("*.json"))
ZOO = sorted((ROOT / "tests" / "fixtures" / "definitions").glob("*.json"))


def _all_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], list(doc.get("Steps", []))
    while stack:
        step = stack.pop()
        out.append(step)
        args = step.get("Arguments") or {}
        if isinstance(args, dict):
            for key in ("IfSteps", "ElseSteps", "ForEachBody", "Steps", "Body", "LoopSteps"):
                if isinstance(args.get(key), list):
                    stack.extend(args[key])
    return out


@pytest.mark.parametrize("path", DEMO + ZOO, ids=lambda p: p.name)
def test_every_rendered_definition_parses_into_one_node_per_step(path: Path) -> None:
    # Given a definition rendered by the SDK
    doc = json.loads(path.read_text())
    # When it is parsed
    graph = parse_definition(path.read_text())
    # Then every step, nested ones included, is a node with the Type the definition writes
    expected = {s["Name"]: s["Type"] for s in _all_steps(doc)}
    assert {n.id: n.type for n in graph.nodes} == expected
    ids = {n.id for n in graph.nodes}
    assert all(e.source in ids and e.target in ids for e in graph.edges)
    assert not [w for w in graph.warnings if "cycle" in w]
    json.dumps(graph.to_dict())  # the contract is JSON


def test_mlops_pipeline_graph() -> None:
    graph = parse_definition((ROOT / "jupyter_sm_lineage/emulator/definitions/mlops-pipeline.json").read_text())
    edges = {(e.source, e.target, e.via) for e in graph.edges}
    assert ("Preprocess", "Train", "property") in edges
    assert ("Train", "Evaluate", "property") in edges
    assert ("Evaluate", "CheckAccuracy", "property") in edges
    assert ("CheckAccuracy", "Register-RegisterModel", "condition") in edges
    assert ("CheckAccuracy", "FailAccuracy", "condition") in edges
    branches = {(e.target, e.branch) for e in graph.edges if e.via == "condition"}
    assert ("FailAccuracy", "else") in branches and ("BatchTransform", "if") in branches
    train = graph.node("Train")
    # The model artifact's URI is only known once the job has a name: a readable placeholder until then
    assert train.outputs[0].uri == "s3://sm-lineage-demo-models-123456789012/churn/{Steps.Train.TrainingJobName}/output/model.tar.gz"
    assert not train.outputs[0].resolved
    assert train.properties["instanceType"] == "{Parameters.TrainingInstanceType}"
    # Producer and consumers of the same dataset share one artifact
    test_split = next(a for a in graph.artifacts if a.uri.endswith("/churn/test/"))
    assert test_split.producers == ("Preprocess",)
    assert set(test_split.consumers) == {"Evaluate", "BatchTransform"}
    condition = graph.node("CheckAccuracy")
    assert condition.properties["conditions"] == [
        "{JsonGet(Steps.Evaluate.PropertyFiles.EvaluationReport, metrics.accuracy.value)}"
        " >= {Parameters.AccuracyThreshold}"
    ]
    assert graph.node("FailAccuracy").parent == "CheckAccuracy"
    assert graph.node("Evaluate").properties["propertyFiles"][0]["name"] == "EvaluationReport"


def test_an_execution_context_resolves_parameters_ids_and_job_names() -> None:
    text = (ROOT / "jupyter_sm_lineage/emulator/definitions/mlops-pipeline.json").read_text()
    context = ExecutionContext(
        parameters={"TrainingInstanceType": "ml.c5.2xlarge", "InputData": "s3://raw/in/"},
        execution={"PipelineExecutionId": "abc123"},
        job_names={"Train": "pipelines-abc123-Train-x"},
    )
    graph = parse_definition(text, context)
    train = graph.node("Train")
    assert train.properties["instanceType"] == "ml.c5.2xlarge"
    assert train.outputs[0].uri == "s3://sm-lineage-demo-models-123456789012/churn/pipelines-abc123-Train-x/output/model.tar.gz"
    assert train.outputs[0].resolved
    assert train.outputs[0].template.endswith("{Steps.Train.TrainingJobName}/output/model.tar.gz")
    assert graph.node("Preprocess").inputs[0].uri == "s3://raw/in/"
    assert any(p.uri.endswith("/churn/train/abc123") for p in graph.node("Preprocess").outputs)
    # evaluate_arguments is the job request SageMaker would send: a parameter keeps its value
    args = evaluate_arguments(text, "Train", context)
    assert args["ResourceConfig"]["InstanceType"] == "ml.c5.2xlarge"
    assert args["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"].endswith("/churn/train/abc123")


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ({"Get": "Parameters.Bucket"}, "{Parameters.Bucket}"),
        ({"Std:Join": {"On": "/", "Values": ["s3://b", {"Get": "Execution.PipelineExecutionId"}, "x"]}},
         "s3://b/{Execution.PipelineExecutionId}/x"),
        ({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.E.PropertyFiles.R"}, "Path": "a.b"}},
         "{JsonGet(Steps.E.PropertyFiles.R, a.b)}"),
        ({"Std:Join": {"On": "", "Values": []}}, ""),
        (7, "7"),
        ({"Unknown": 1}, "{Unknown}"),
    ],
)
def test_expressions_render_as_readable_templates(expression: Any, text: str) -> None:
    assert render(expression).text == text


def test_property_paths_parse_names_quotes_and_indexes() -> None:
    assert parse_path("ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri") == [
        "ProcessingOutputConfig", "Outputs", "train", "S3Output", "S3Uri"]
    assert parse_path('Outputs["a b"][0].X') == ["Outputs", "a b", 0, "X"]


def _step(name: str, **extra: Any) -> dict[str, Any]:
    return {"Name": name, "Type": "Processing", "Arguments": {}, **extra}


def test_depends_on_in_both_forms_and_missing_references_give_warnings() -> None:
    doc = {"Steps": [
        _step("A"),
        _step("B", DependsOn=["A"]),
        _step("C", DependsOn=[{"StepName": "B", "RunTrigger": "OnSuccess"}, "Ghost"]),
        _step("D", Arguments={"X": {"Get": "Steps.Nowhere.ProcessingJobName"}}),
    ]}
    graph = parse_definition(doc)
    assert {(e.source, e.target) for e in graph.edges if e.via == "dependsOn"} == {("A", "B"), ("B", "C")}
    assert any("'Ghost'" in w for w in graph.warnings)
    assert any("Nowhere" in w for w in graph.warnings)


def test_cycles_are_reported_not_fatal() -> None:
    doc = {"Steps": [_step("A", DependsOn=["C"]), _step("B", DependsOn=["A"]), _step("C", DependsOn=["B"])]}
    graph = parse_definition(doc)
    assert len(graph.nodes) == 3
    assert any(w.startswith("dependency cycle:") for w in graph.warnings)


def test_self_referencing_properties_do_not_recurse_forever() -> None:
    doc = {"Steps": [
        {"Name": "A", "Type": "Processing", "Arguments": {"ProcessingInputs": [
            {"InputName": "x", "S3Input": {
                "S3Uri": {"Get": "Steps.B.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri"}}}],
            "ProcessingOutputConfig": {"Outputs": [{"OutputName": "o", "S3Output": {
                "S3Uri": {"Get": "Steps.B.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri"}}}]}}},
        {"Name": "B", "Type": "Processing", "Arguments": {"ProcessingOutputConfig": {"Outputs": [
            {"OutputName": "o", "S3Output": {
                "S3Uri": {"Get": "Steps.A.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri"}}}]}}},
    ]}
    graph = parse_definition(doc)
    assert len(graph.nodes) == 2


def test_unknown_step_types_keep_type_and_raw_arguments() -> None:
    doc = {"Steps": [{"Name": "Q", "Type": "QuantumAnneal", "Arguments": {"Qubits": 5}}]}
    node = parse_definition(doc).nodes[0]
    assert (node.type, node.known, node.arguments) == ("QuantumAnneal", False, {"Qubits": 5})
    assert node.to_dict()["arguments"] == {"Qubits": 5}


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", "{\"Steps\": ", "\"x\"", b"\xff\xfe"])
def test_text_that_is_not_a_definition_is_a_clear_error(text: Any) -> None:
    with pytest.raises(InvalidRequest, match="definition"):
        parse_definition(text)


def test_ten_megabytes_of_steps_parse() -> None:
    steps = [{"Name": f"S{i}", "Type": "Processing", "DependsOn": [f"S{i - 1}"] if i else [],
              "Arguments": {"ProcessingOutputConfig": {"Outputs": [
                  {"OutputName": "o", "S3Output": {"S3Uri": f"s3://b/{i}/" + "x" * 400}}]}}}
             for i in range(20_000)]
    text = json.dumps({"Steps": steps})
    assert len(text) > 10_000_000
    graph = parse_definition(text)
    assert len(graph.nodes) == 20_000 and len(graph.edges) == 19_999


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["Name", "Type", "Arguments", "DependsOn", "Get", "Std:Join", "On", "Values", "Steps",
                         "IfSteps", "ElseSteps", "ProcessingInputs", "S3Input", "S3Uri", "Parameters", "x"]),
        children, max_size=5),
    max_leaves=40,
)
step_types = st.sampled_from(["Processing", "Training", "Condition", "Transform", "RegisterModel", "Lambda",
                              "EMR", "Fail", "ForEach", "Weird", 3])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({"Name": st.text(max_size=3), "Type": step_types},
                                      optional={"Arguments": json_values, "DependsOn": json_values}), max_size=8),
       json_values)
def test_generated_definitions_never_raise(steps: list[dict[str, Any]], parameters: Any) -> None:
    graph = parse_definition({"Steps": steps, "Parameters": parameters})
    ids = {n.id for n in graph.nodes}
    assert all(e.source in ids and e.target in ids for e in graph.edges)
    json.dumps(graph.to_dict(), default=str)


def test_parsing_does_the_same_work_per_step_at_any_size() -> None:
    # Linear by construction, counted rather than timed: Python calls per step at 200 and at 2,000 chained
    # steps (each reading the previous one's output through a property reference).
    import cProfile
    import pstats

    from benchmarks.definition_scale import definition

    per_step = {}
    for count in (200, 2000):
        text = definition(count)
        profile = cProfile.Profile()
        profile.enable()
        graph = parse_definition(text)
        profile.disable()
        assert len(graph.nodes) == count and len(graph.edges) >= count - 1
        per_step[count] = pstats.Stats(profile).total_calls / count  # type: ignore[attr-defined]
    assert per_step[2000] <= per_step[200] * 1.02


def test_no_garbage_collection_runs_inside_a_parse() -> None:
    # What made 10k steps superlinear: full collections walking the whole decoded definition, again and again.
    import gc

    from benchmarks.definition_scale import definition

    text = definition(2000)
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()  # allocation counts start from zero: no collection is due on entering the parse
    gc.callbacks.append(seen)
    try:
        parse_definition(text)
    finally:
        gc.callbacks.remove(seen)
    # At most the one young collection due when the collector is switched back on, as the parse returns.
    assert collections in ([], [0])
