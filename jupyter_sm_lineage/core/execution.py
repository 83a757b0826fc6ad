"""An execution over a definition graph: step status, times, cache hits, jobs, metrics, model registry.

Pure functions over the service's answers (DescribePipelineExecution, ListPipelineParametersForExecution,
ListPipelineExecutionSteps, job describes, report objects): the AWS calls themselves, their order and
their caching live in :mod:`.service`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .definition import ExecutionContext, load_definition, normalize_uri, parse_definition
from .model import Graph, Node, Port
from .steps import JOB_KINDS, STEP_KINDS
from .times import elapsed_seconds
from .times import iso as _iso

FINISHED = frozenset({"Succeeded", "Failed", "Stopped"})
STEP_STATUSES = ("Succeeded", "Failed", "Executing", "Starting", "Stopping", "Stopped", "NotRun")

#: The node statuses a summary always counts, 0 when no step has them.
SUMMARY_STATUSES = ("Succeeded", "Failed", "Executing", "NotRun")


def execution_id(execution_arn: str) -> str:
    return execution_arn.rsplit("/", 1)[-1]


def job_arn(step: Mapping[str, Any]) -> tuple[str, str] | None:
    """(metadata kind, ARN) of the job a step ran, from its ListPipelineExecutionSteps metadata."""
    metadata = step.get("Metadata") or {}
    for key in JOB_KINDS:
        entry = metadata.get(key)
        if isinstance(entry, dict):
            # Check steps name their processing job CheckJobArn; every other step says Arn.
            arn = entry.get("Arn") or entry.get("CheckJobArn")
            if arn:
                return key, str(arn)
    return None


def execution_context(
    definition: Mapping[str, Any],
    execution: Mapping[str, Any],
    parameters: Iterable[Mapping[str, Any]],
    steps: Iterable[Mapping[str, Any]],
    pipeline_name: str,
) -> ExecutionContext:
    """Everything the execution tells the definition's expressions: parameter values, ids, job names."""
    values: dict[str, Any] = {}
    for parameter in definition.get("Parameters") or []:
        if isinstance(parameter, dict) and "Name" in parameter and "DefaultValue" in parameter:
            values[parameter["Name"]] = parameter["DefaultValue"]
    for parameter in parameters:
        if "Name" in parameter:
            values[str(parameter["Name"])] = parameter.get("Value")
    arn = str(execution.get("PipelineExecutionArn", ""))
    started = execution.get("CreationTime") or execution.get("StartTime")
    variables: dict[str, Any] = {
        "PipelineExecutionId": execution_id(arn) if arn else None,
        "PipelineExecutionArn": arn or None,
        "PipelineName": pipeline_name,
        "PipelineArn": execution.get("PipelineArn"),
        "StartDateTime": _iso(started) if started else None,
    }
    job_names: dict[str, str] = {}
    properties: dict[tuple[str, str], Any] = {}
    seen: set[str] = set()
    for step in steps:
        name = str(step.get("StepName", ""))
        if not name or name in seen:  # retried steps: the newest attempt comes first
            continue
        seen.add(name)
        found = job_arn(step)
        if found and JOB_KINDS[found[0]].names_job:
            job_names[name] = JOB_KINDS[found[0]].name_of(found[1])
        properties.update({(name, path): value for path, value in step_properties(step).items()})
    return ExecutionContext(
        parameters=values,
        execution={k: v for k, v in variables.items() if v is not None},
        job_names=job_names,
        properties=properties,
    )


def step_properties(step: Mapping[str, Any]) -> dict[str, Any]:
    """The step properties one ListPipelineExecutionSteps entry resolves (``ModelName``, ``ProcessingJobArn``,
    ``OutputParameters['x']``, a check's ``CalculatedBaselineConstraints``, ...), by path."""
    metadata = step.get("Metadata") or {}
    out: dict[str, Any] = {}
    for key, entry in metadata.items() if isinstance(metadata, Mapping) else ():
        job = JOB_KINDS.get(str(key))
        if job is not None and isinstance(entry, Mapping):
            out.update(job.known_properties(entry))
    return out


def execution_graph(
    definition: str | Mapping[str, Any],
    execution: Mapping[str, Any],
    parameters: Iterable[Mapping[str, Any]],
    steps: Sequence[Mapping[str, Any]],
    pipeline_name: str,
    region: str,
) -> Graph:
    """The definition's graph with this execution's values resolved and its run on every step."""
    doc = load_definition(definition)
    context = execution_context(doc, execution, parameters, steps, pipeline_name)
    graph = parse_definition(doc, context)
    return overlay_runs(graph, steps, region)


def overlay_runs(graph: Graph, steps: Iterable[Mapping[str, Any]], region: str) -> Graph:
    by_name: dict[str, Mapping[str, Any]] = {}
    for step in steps:
        name = str(step.get("StepName", ""))
        # Retried steps appear once per attempt, newest first: keep the newest.
        if name and name not in by_name:
            by_name[name] = step
    nodes = tuple(replace(node, run=step_run(by_name.get(node.id), region)) for node in graph.nodes)
    return graph.replace(nodes=nodes)


def step_run(step: Mapping[str, Any] | None, region: str) -> dict[str, Any]:
    """The ``run`` overlay of one node, in the contract's camelCase."""
    if step is None:
        return {"status": "NotRun"}
    start, end = step.get("StartTime"), step.get("EndTime")
    run: dict[str, Any] = {"status": step.get("StepStatus", "Unknown")}
    if start:
        run["startTime"] = _iso(start)
    if end:
        run["endTime"] = _iso(end)
    if start and end:
        run["elapsedSec"] = elapsed_seconds(start, end)
    cache = step.get("CacheHitResult") or {}
    run["cacheHit"] = bool(cache.get("SourcePipelineExecutionArn"))
    if run["cacheHit"]:
        run["cacheSourceExecutionArn"] = cache["SourcePipelineExecutionArn"]
    if "AttemptCount" in step:
        run["attempts"] = step["AttemptCount"]
    if step.get("FailureReason"):
        run["failureReason"] = step["FailureReason"]
    found = job_arn(step)
    if found is not None:
        kind, arn = found
        job = JOB_KINDS[kind]
        run["jobArn"] = arn
        run["jobType"] = job.run_type
        # A model package is named by its group and version: churn-models/3.
        run["jobName"] = job.name_of(arn)
        console = job.console
        if console:
            run["consoleUrl"] = (
                f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/{console}/{run['jobName']}"
            )
    metadata = step.get("Metadata") or {}
    condition = metadata.get("Condition")
    if isinstance(condition, dict) and "Outcome" in condition:
        run["conditionOutcome"] = condition["Outcome"]
    fail = metadata.get("Fail")
    if isinstance(fail, dict) and fail.get("ErrorMessage"):
        run["errorMessage"] = fail["ErrorMessage"]
    for key in ("Lambda", "Callback"):
        entry = metadata.get(key)
        if isinstance(entry, dict) and entry.get("OutputParameters"):
            run["outputParameters"] = {p["Name"]: p.get("Value") for p in entry["OutputParameters"] if "Name" in p}
    return run


def with_run_details(graph: Graph, details: Mapping[str, Mapping[str, Any]]) -> Graph:
    """Merge per-step extras (metrics, model package, ports read from a job) into the run overlay."""
    nodes = []
    for node in graph.nodes:
        extra = details.get(node.id)
        if not extra:
            nodes.append(node)
            continue
        run = dict(node.run or {})
        for key, value in extra.items():
            if key == "metrics":
                run["metrics"] = {**run.get("metrics", {}), **value}
            elif key not in ("inputs", "outputs"):
                run[key] = value
        changes: dict[str, Any] = {"run": run}
        for key in ("inputs", "outputs"):
            if key in extra:
                changes[key] = tuple(extra[key])
        nodes.append(replace(node, **changes))
    return graph.replace(nodes=tuple(nodes))


def job_ports(step_type: str, describe: Mapping[str, Any]) -> tuple[tuple[Port, ...], tuple[Port, ...]]:
    """A job describe has the same members as the step's Arguments: read its concrete ports the same way
    (a check step's processing job by the Processing reader, as its kind declares)."""
    kind = STEP_KINDS.get(step_type)
    if kind is not None and kind.describe_as:
        step_type = kind.describe_as
    name = "job"
    properties = {}
    artifacts = (describe.get("ModelArtifacts") or {}).get("S3ModelArtifacts")
    if artifacts:
        properties[(name, "ModelArtifacts.S3ModelArtifacts")] = artifacts
    doc = {"Steps": [{"Name": name, "Type": step_type, "Arguments": dict(describe)}]}
    node = parse_definition(doc, ExecutionContext(properties=properties)).nodes[0]
    return node.inputs, node.outputs


def unresolved(node: Node) -> bool:
    return any(not port.resolved for port in (*node.inputs, *node.outputs))


def report_locations(graph: Graph) -> list[tuple[str, str, str]]:
    """(step, property file name, S3 URI) of every PropertyFile report a step wrote."""
    out = []
    for node in graph.nodes:
        for spec in node.properties.get("propertyFiles", []) or []:
            port = next((p for p in node.outputs if p.name == spec.get("output")), None)
            if port is None or not port.resolved or not spec.get("path"):
                continue
            out.append((node.id, str(spec.get("name")), normalize_uri(port.uri) + "/" + str(spec["path"]).lstrip("/")))
    return out


def flatten_metrics(value: Any, prefix: str = "", limit: int = 200) -> dict[str, float]:
    """Numeric leaves of a report as ``{"metrics.accuracy.value": 0.91}`` (bounded, for a small table)."""
    out: dict[str, float] = {}
    stack: list[tuple[str, Any]] = [(prefix, value)]
    while stack and len(out) < limit:
        path, item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, (int, float)):
            out[path] = float(item)
        elif isinstance(item, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list) and len(item) <= 50:
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(item))))
    return out


def parse_report(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


def summary(graph: Graph, execution: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{overallStatus, nodeStatus: {...}, elapsedSec}`` as in the seed, plus the execution's identity."""
    counts: Counter[str] = Counter(dict.fromkeys(SUMMARY_STATUSES, 0))
    for node in graph.nodes:
        counts[(node.run or {}).get("status", "NotRun")] += 1
    if execution is None:
        return {"overallStatus": None, "nodeStatus": dict(counts), "elapsedSec": None}
    status = execution.get("PipelineExecutionStatus")
    start = execution.get("CreationTime") or execution.get("StartTime")
    end = execution.get("LastModifiedTime") if status in FINISHED else None
    elapsed = elapsed_seconds(start, end or None)
    out: dict[str, Any] = {
        "overallStatus": status,
        "nodeStatus": dict(counts),
        "elapsedSec": elapsed,
        "executionArn": execution.get("PipelineExecutionArn"),
        "startTime": _iso(start) if start else None,
        "endTime": _iso(end) if end else None,
    }
    if execution.get("FailureReason"):
        out["failureReason"] = execution["FailureReason"]
    if execution.get("PipelineExecutionDisplayName"):
        out["displayName"] = execution["PipelineExecutionDisplayName"]
    return out


