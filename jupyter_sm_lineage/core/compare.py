"""What changed between two runs of a pipeline (or between a deployed definition and a local one).

Pure functions over the JSON contract: two lineage payloads (``LineageService.lineage``), the raw
definitions they ran, and the schemas sampled at their datasets' URIs. :mod:`.service` fetches those
concurrently and calls :func:`compare_runs`; :func:`compare_definitions` needs no execution at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .datasets import NOT_DATA
from .schema.diff import IDENTICAL, diff_fields

#: Run fields a step's differences cover, as the contract's ``run`` names them.
RUN_FIELDS = ("status", "failureReason", "elapsedSec", "cacheHit", "attempts")
#: Definition settings read from a step's raw ``Arguments`` (beside the node's ``properties``).
SETTINGS = {"hyperParameters": ("HyperParameters",), "environment": ("Environment",)}


def execution_choice(executions: Sequence[Mapping[str, Any]], base: str | None,
                     head: str | None) -> tuple[str | None, str | None]:
    """(base ARN, head ARN): head defaults to the newest execution, base to the last succeeded one before
    head, else the one just before it (``executions`` newest first)."""
    arns = [str(e.get("arn")) for e in executions]
    head_arn = head or (arns[0] if arns else None)
    if base or head_arn is None:
        return base, head_arn
    older = executions[arns.index(head_arn) + 1:] if head_arn in arns else executions
    good = next((e for e in older if e.get("status") == "Succeeded"), None)
    chosen = good or (older[0] if older else None)
    return (str(chosen.get("arn")) if chosen else None), head_arn


def step_settings(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per step name, the settings a definition gives it that the graph's nodes do not carry
    (hyperparameters, environment), rendered as text (a parameter reference stays a reference)."""
    out: dict[str, dict[str, Any]] = {}
    for step in _steps(definition.get("Steps") or []):
        arguments = step.get("Arguments") if isinstance(step.get("Arguments"), Mapping) else {}
        settings: dict[str, Any] = {}
        for name, path in SETTINGS.items():
            value = _dig(arguments, path)
            if isinstance(value, Mapping) and value:
                settings[name] = {str(k): _text(v) for k, v in sorted(value.items())}
        out[str(step.get("Name"))] = settings
    return out


def _steps(steps: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    """Every step, those nested in Condition branches included."""
    for step in steps:
        if not isinstance(step, Mapping):
            continue
        yield step
        arguments = step.get("Arguments")
        if step.get("Type") == "Condition" and isinstance(arguments, Mapping):
            for branch in ("IfSteps", "ElseSteps"):
                yield from _steps(arguments.get(branch) or [])


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _ports(node: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    ports: dict[tuple[str, str], Mapping[str, Any]] = {}
    for direction in ("inputs", "outputs"):
        for port in node.get(direction) or []:
            ports[(direction[:-1], str(port.get("name")))] = port
    return ports


def _definition_view(node: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """What the definition sets for one step: its properties, settings, and each port's template."""
    view: dict[str, Any] = {"type": node.get("type")}
    for key, value in sorted((node.get("properties") or {}).items()):
        view[key] = value if isinstance(value, (str, int, float, bool)) or value is None else _text(value)
    for key, value in settings.items():
        for name, text in value.items():
            view[f"{key}.{name}"] = text
    for (direction, name), port in sorted(_ports(node).items()):
        if port.get("kind") == "code":
            view[f"code.{name}"] = port.get("uri")  # the SDK puts the code's content hash in its key
        else:
            view[f"{direction}.{name}.template"] = port.get("template") or port.get("uri")
    return view


def _run_view(node: Mapping[str, Any]) -> dict[str, Any]:
    """What the run shows for one step: status, failure, timing, cache, attempts, URIs, model package."""
    run = node.get("run") or {}
    view = {key: run.get(key) for key in RUN_FIELDS}
    for (direction, name), port in sorted(_ports(node).items()):
        if port.get("kind") != "code":
            view[f"{direction}.{name}.uri"] = port.get("uri")
    package = run.get("modelPackage") or {}
    if package:
        view["modelPackage.arn"] = package.get("arn")
        view["modelPackage.approvalStatus"] = package.get("approvalStatus")
    return view


#: A job name SageMaker Pipelines makes for a step: ``pipelines-{execution id}-{step}-{random suffix}``.
_JOB_NAME = re.compile(r"(pipelines-\{ExecutionId\}-[A-Za-z0-9-]+?-)[a-z0-9]{6}(?![A-Za-z0-9])")


def run_identity(execution_arn: str | None) -> Callable[[Any], Any]:
    """A function making a value independent of which run produced it: the execution's id, and the random
    suffix of the job names made from it, replaced by placeholders. Values equal under it are not changes
    (``train/{id}`` in two runs is the same dataset location of two runs)."""
    execution_id = str(execution_arn or "").rsplit("/", 1)[-1]

    def normal(value: Any) -> Any:
        if not isinstance(value, str) or not execution_id:
            return value
        return _JOB_NAME.sub(r"\1{suffix}", value.replace(execution_id, "{ExecutionId}"))

    return normal


#: Elapsed time is a difference when it moved by at least this share and this many seconds.
ELAPSED_SHARE, ELAPSED_SECONDS = 0.25, 30.0


def _slower_or_faster(old: Any, new: Any) -> bool:
    if not isinstance(old, (int, float)) or not isinstance(new, (int, float)):
        return bool(old != new)
    return bool(abs(new - old) >= max(ELAPSED_SECONDS, ELAPSED_SHARE * abs(old)))


def _same(left: Any) -> Any:
    return left


def step_changes(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None,
                 base_settings: Mapping[str, Any], head_settings: Mapping[str, Any],
                 runs: bool = True, base_identity: Callable[[Any], Any] = _same,
                 head_identity: Callable[[Any], Any] = _same) -> dict[str, Any]:
    """One step's entry: ``{name, change, base, head, differences}`` (``runs=False``: definitions only).

    A value that differs only by the run that made it (see :func:`run_identity`) is not a difference.
    """
    name = str((head or base or {}).get("id"))
    entry: dict[str, Any] = {"name": name, "base": (base or {}).get("run") if base else None,
                             "head": (head or {}).get("run") if head else None, "differences": []}
    if base is None or head is None:
        entry["change"] = "added" if base is None else "removed"
        return entry
    old = _definition_view(base, base_settings)
    new = _definition_view(head, head_settings)
    if runs:
        old, new = {**old, **_run_view(base)}, {**new, **_run_view(head)}
    for key in sorted(set(old) | set(new), key=lambda k: (k not in RUN_FIELDS, k)):
        if key == "elapsedSec" and not _slower_or_faster(old.get(key), new.get(key)):
            continue
        if base_identity(old.get(key)) != head_identity(new.get(key)):
            entry["differences"].append({"field": key, "base": old.get(key), "head": new.get(key)})
    entry["change"] = "changed" if entry["differences"] else "same"
    if runs and old.get("status") != new.get("status"):
        entry["statusFlip"] = {"base": old.get("status"), "head": new.get("status")}
    return entry


def data_ports(lineage: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(step, port, direction, uri) of every resolved S3 data port (code and archives left out)."""
    out = []
    for node in (lineage.get("graph") or {}).get("nodes") or []:
        for (direction, name), port in _ports(node).items():
            uri = str(port.get("uri") or "")
            if port.get("kind") == "s3" and port.get("resolved") and uri.startswith("s3://") \
                    and not uri.endswith(NOT_DATA):
                out.append((str(node.get("id")), name, direction, uri))
    return out


def dataset_changes(base: Mapping[str, Any], head: Mapping[str, Any],
                    base_schemas: Mapping[str, Mapping[str, Any]],
                    head_schemas: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Per (step, port, direction) of either run: both URIs and the diff of their schemas as each run saw them.

    ``base_schemas`` and ``head_schemas`` map a URI to its schema for that run (a version saved in the schema
    store when the run ended, or one sampled now: ``source`` says which); one mapping serves both runs when
    ``head_schemas`` is None. A location both runs share with no saved version for either is ``sameLocation``
    and identical without being read."""
    head_schemas = base_schemas if head_schemas is None else head_schemas
    old = {(s, p, d): u for s, p, d, u in data_ports(base)}
    new = {(s, p, d): u for s, p, d, u in data_ports(head)}
    out = []
    for key in sorted(set(old) | set(new)):
        step, port, direction = key
        entry: dict[str, Any] = {"step": step, "port": port, "direction": direction,
                                 "base": old.get(key), "head": new.get(key)}
        before, after = base_schemas.get(old.get(key) or ""), head_schemas.get(new.get(key) or "")
        if before is not None and after is not None and "fields" in before and "fields" in after:
            entry["schemaDiff"] = diff_fields(dict(before["fields"]), dict(after["fields"])).to_dict()
            entry["schemaSource"] = {"base": before.get("source", "sampled"), "head": after.get("source", "sampled")}
        elif key in old and old.get(key) == new.get(key):
            # One location read or written by both runs holds one schema now: nothing to sample or diff.
            entry["schemaDiff"] = diff_fields({}, {}).to_dict()
            entry["sameLocation"] = True
        else:
            problems = [s["error"].get("message") for s in (before, after) if s and isinstance(s.get("error"), dict)]
            entry["schemaDiff"] = None
            if problems:
                entry["schemaErrors"] = problems
        entry["changed"] = key not in old or key not in new or (
            entry["schemaDiff"] is not None and entry["schemaDiff"]["compatibility"] != IDENTICAL)
        out.append(entry)
    return out


def metric_changes(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per step and metric of either run: both values and the delta when both are numbers."""
    def metrics(lineage: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
        return {(str(n.get("id")), str(k)): v for n in (lineage.get("graph") or {}).get("nodes") or []
                for k, v in ((n.get("run") or {}).get("metrics") or {}).items()}

    old, new = metrics(base), metrics(head)
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        out.append({"step": key[0], "name": key[1], "base": a, "head": b,
                    "delta": round(b - a, 12) if numbers else None})  # type: ignore[operator]
    return out


def parameter_changes(base: Iterable[Mapping[str, Any]], head: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    old = {str(p.get("name")): p.get("value") for p in base}
    new = {str(p.get("name")): p.get("value") for p in head}
    return [{"name": name, "base": old.get(name), "head": new.get(name)}
            for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]


def _nodes(lineage: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(n.get("id")): n for n in (lineage.get("graph") or {}).get("nodes") or []}


def compare_runs(base: Mapping[str, Any], head: Mapping[str, Any], base_definition: Mapping[str, Any],
                 head_definition: Mapping[str, Any], schemas: Mapping[str, Mapping[str, Any]],
                 head_schemas: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The comparison of two lineage payloads (each of one execution) and the definitions they ran; ``schemas``
    (and ``head_schemas`` when the runs saw different ones) as :func:`dataset_changes` takes them."""
    base_nodes, head_nodes = _nodes(base), _nodes(head)
    base_settings, head_settings = step_settings(base_definition), step_settings(head_definition)
    order = list(head_nodes) + [n for n in base_nodes if n not in head_nodes]
    base_identity = run_identity((base.get("execution") or {}).get("arn"))
    head_identity = run_identity((head.get("execution") or {}).get("arn"))
    steps = [step_changes(base_nodes.get(n), head_nodes.get(n), base_settings.get(n, {}),
                          head_settings.get(n, {}), True, base_identity, head_identity) for n in order]
    parameters = parameter_changes((base.get("execution") or {}).get("parameters") or [],
                                   (head.get("execution") or {}).get("parameters") or [])
    datasets = dataset_changes(base, head, schemas, head_schemas)
    metrics = metric_changes(base, head)
    return {
        "parameters": parameters, "steps": steps, "datasets": datasets, "metrics": metrics,
        "summary": {
            "changedSteps": sum(s["change"] != "same" for s in steps),
            "changedParameters": len(parameters),
            "changedDatasets": sum(bool(d["changed"]) for d in datasets),
            "changedMetrics": sum(m["base"] != m["head"] for m in metrics),
        },
    }


def compare_definitions(base_graph: Mapping[str, Any], head_graph: Mapping[str, Any],
                        base_definition: Mapping[str, Any], head_definition: Mapping[str, Any]) -> dict[str, Any]:
    """Definition-level differences only (a deployed pipeline against a local definition): steps added,
    removed or changed in what the definition sets, and parameters whose defaults differ."""
    base_nodes = {str(n.get("id")): n for n in base_graph.get("nodes") or []}
    head_nodes = {str(n.get("id")): n for n in head_graph.get("nodes") or []}
    base_settings, head_settings = step_settings(base_definition), step_settings(head_definition)
    order = list(head_nodes) + [n for n in base_nodes if n not in head_nodes]
    steps = [step_changes(base_nodes.get(n), head_nodes.get(n), base_settings.get(n, {}),
                          head_settings.get(n, {}), runs=False) for n in order]
    parameters = parameter_changes(
        ({"name": p.get("name"), "value": p.get("default")} for p in base_graph.get("parameters") or []),
        ({"name": p.get("name"), "value": p.get("default")} for p in head_graph.get("parameters") or []))
    return {
        "parameters": parameters, "steps": steps, "datasets": [], "metrics": [],
        "summary": {"changedSteps": sum(s["change"] != "same" for s in steps), "changedParameters": len(parameters),
                    "changedDatasets": 0, "changedMetrics": 0},
    }
