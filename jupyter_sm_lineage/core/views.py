"""The three views of a lineage graph: ``pipeline`` (steps), ``data`` (datasets and steps), ``both``."""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequest
from .model import Graph

VIEWS = ("pipeline", "data", "both")


def check_view(view: Any) -> str:
    if view is None or view == "":
        return "both"
    if view not in VIEWS:
        raise InvalidRequest(f"view must be one of pipeline, data, both (got {view!r})", parameter="view")
    return str(view)


def graph_view(graph: Graph, view: str = "both") -> dict[str, Any]:
    """The graph as the contract's JSON for one view.

    ``pipeline``: step nodes and step-to-step edges. ``data``: dataset nodes (one per artifact that is not
    code) and step nodes, linked by ``input``/``output`` edges. ``both``: every node and edge of the two.
    Artifacts are listed in every view but ``pipeline``.
    """
    view = check_view(view)
    full = graph.to_dict()
    steps = full["nodes"]
    step_edges = full["edges"]
    if view == "pipeline":
        return {**full, "artifacts": []}
    datasets = []
    data_edges = []
    for artifact in graph.artifacts:
        if artifact.kind == "code":
            continue
        datasets.append({"id": artifact.uri, "type": "Dataset", "kind": artifact.kind, "artifact": artifact.id,
                         "resolved": artifact.resolved})
        data_edges += [{"from": step, "to": artifact.uri, "via": "output"} for step in artifact.producers]
        data_edges += [{"from": artifact.uri, "to": step, "via": "input"} for step in artifact.consumers]
    if view == "data":
        linked = {e["from"] for e in data_edges} | {e["to"] for e in data_edges}
        return {**full, "nodes": datasets + [n for n in steps if n["id"] in linked], "edges": data_edges}
    return {**full, "nodes": steps + datasets, "edges": step_edges + data_edges}
