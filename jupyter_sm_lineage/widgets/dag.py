"""DagViewer: a lineage graph in ipycytoscape, coloured by the execution's step statuses.

Elements are built with their whole state in the constructor and attached to the graph in one
message: ipycytoscape's own ``add_graph_from_json`` sends an update per data key and re-sends the
adjacency dict per node, which is most of its cost on large graphs. Small graphs are laid out by
dagre in the page; large ones get layered positions computed here (``preset``), so the page draws at once.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import traitlets
from ipycytoscape import CytoscapeWidget, Edge, Graph, Node

from .html import (
    DATASET_COLOUR,
    EDGE_STYLES,
    STATUS_COLOURS,
    STATUS_LABELS,
    LineageResult,
    duration,
    edge_kind,
    lineage_html,
    short_uri,
    status_of,
    summary_html,
)
from .layered import layered_positions

#: Above this many elements (nodes + edges) the layout is computed in the kernel rather than by dagre.
DAGRE_LIMIT = 250
DAGRE = {
    "name": "dagre",
    "rankDir": "TB",
    "nodeSep": 16,
    "rankSep": 40,
    "edgeSep": 8,
    "fit": True,
    "padding": 24,
    "animate": False,
}
PRESET = {"name": "preset", "fit": True, "padding": 24, "animate": False}
STEP_W, STEP_H = 176, 62


def _chip_svg(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#9e9e9e")
    label = STATUS_LABELS.get(status, status)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{STEP_W}" height="22">'
        f'<rect x="{STEP_W / 2 - 46}" y="2" width="92" height="18" rx="9" fill="{colour}"/>'
        f'<text x="{STEP_W / 2}" y="15" font-family="sans-serif" font-size="11" fill="white" '
        f'text-anchor="middle">{label}</text></svg>'
    )
    return "data:image/svg+xml;utf8," + urllib.parse.quote(svg)


def dag_style() -> list[dict[str, Any]]:
    """The cytoscape style list: step shape, status border and chip, dataset shape, edge kinds."""
    style: list[dict[str, Any]] = [
        {
            "selector": "node",
            "style": {
                "label": "data(label)",
                "font-size": 11,
                "text-wrap": "wrap",
                "text-valign": "center",
                "text-halign": "center",
                "color": "#212121",
            },
        },
        {
            "selector": "node.step",
            "style": {
                "shape": "round-rectangle",
                "width": STEP_W,
                "height": STEP_H,
                "background-color": "#ffffff",
                "border-width": 3,
                "border-color": "#9e9e9e",
                "text-margin-y": -10,
                "font-size": 12,
                "text-max-width": STEP_W - 12,
                "background-image-smoothing": "yes",
                "background-fit": "none",
                "background-width": STEP_W,
                "background-height": 22,
                "background-position-x": "50%",
                "background-position-y": "100%",
                "background-clip": "node",
                "background-image-containment": "over",
            },
        },
        {
            "selector": "node.dataset",
            "style": {
                "shape": "barrel",
                "width": 190,
                "height": 34,
                "background-color": "#e0f7fa",
                "border-width": 1.5,
                "border-color": DATASET_COLOUR,
                "font-size": 10,
                "text-max-width": 184,
            },
        },
        {"selector": "node:selected", "style": {"border-width": 5, "border-color": "#ff9800"}},
        {
            "selector": "edge",
            "style": {
                "width": 1.6,
                "curve-style": "bezier",
                "target-arrow-shape": "triangle",
                "arrow-scale": 0.9,
                "line-color": "#757575",
                "target-arrow-color": "#757575",
            },
        },
        {
            "selector": "edge[label]",
            "style": {
                "label": "data(label)",
                "font-size": 10,
                "text-background-color": "#ffffff",
                "text-background-opacity": 1,
                "text-background-padding": 1,
            },
        },
    ]
    for status, colour in STATUS_COLOURS.items():
        style.append(
            {
                "selector": f".status-{status}",  # cytoscape 3 misreads "node.step.status-X"
                "style": {"border-color": colour, "background-image": _chip_svg(status)},
            }
        )
    for kind, (colour, dash, _) in EDGE_STYLES.items():
        rule: dict[str, Any] = {"line-color": colour, "target-arrow-color": colour, "color": colour}
        if dash:
            rule["line-style"] = "dashed" if dash.startswith("6") else "dotted"
        style.append({"selector": f"edge.{kind}", "style": rule})
    return style


def _lineage_of(graph: Mapping[str, Any]) -> dict[str, Any]:
    """Accept a lineage payload, a LineageResult or a bare graph ``{nodes, edges, artifacts}``."""
    if "graph" in graph and isinstance(graph["graph"], Mapping):
        return dict(graph)
    return {"graph": dict(graph), "summary": {}, "pipeline": {}}


def cytoscape_elements(
    graph: Mapping[str, Any],
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Nodes and edges as cytoscape element dicts (data, classes, position)."""
    nodes = []
    for node in graph.get("nodes") or []:
        node_id = str(node["id"])
        if node.get("type") == "Dataset":
            data = {"id": node_id, "label": short_uri(node_id), "kind": "dataset"}
            classes = "dataset"
        else:
            run = node.get("run") or {}
            status = status_of(node)
            elapsed = run.get("elapsedSec")
            second = f"{node.get('type')} \u00b7 {duration(elapsed)}" if elapsed is not None else str(node.get("type"))
            data = {
                "id": node_id,
                "label": f"{node_id}\n{second}",
                "kind": "step",
                "status": status,
                "type": node.get("type"),
                "elapsed": elapsed,
            }
            classes = f"step status-{status}"
        element: dict[str, Any] = {"data": data, "classes": classes}
        if positions is not None and node_id in positions:
            x, y = positions[node_id]
            element["position"] = {"x": x, "y": y}
        nodes.append(element)
    edges = []
    for i, edge in enumerate(graph.get("edges") or []):
        kind = edge_kind(edge)
        data = {"id": f"e{i}", "source": str(edge["from"]), "target": str(edge["to"]), "via": edge.get("via")}
        label = EDGE_STYLES.get(kind, ("", "", ""))[2]
        if label:
            data["label"] = label
        edges.append({"data": data, "classes": kind})
    return nodes, edges


class DagViewer(widgets.VBox):
    """An interactive lineage DAG; clicking a node selects it.

    Attributes
    ----------
    lineage : dict
        The lineage payload shown (``{pipeline, summary, graph}``).
    cytoscape : ipycytoscape.CytoscapeWidget
        The graph widget (its ``graph.nodes``/``graph.edges`` are the drawn elements).
    selected : str
        Id of the selected node (a step name or a dataset URI), "" when none.
    """

    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        graph: Mapping[str, Any],
        *,
        layout: str = "auto",
        height: str = "520px",
        show_summary: bool = True,
        **kwargs: Any,
    ) -> None:
        self.lineage = _lineage_of(graph)
        self._callbacks: list[Callable[[str, dict[str, Any]], None]] = []
        body = self.lineage["graph"]
        ids = [str(n["id"]) for n in body.get("nodes") or []]
        count = len(ids) + len(body.get("edges") or [])
        self.layout_name = ("dagre" if count <= DAGRE_LIMIT else "layered") if layout == "auto" else layout
        positions = None
        if self.layout_name == "layered":
            positions = layered_positions(
                ids,
                [(str(e["from"]), str(e["to"])) for e in body.get("edges") or []],
                rank_sep=STEP_H + 50,
                node_sep=STEP_W + 24,
            )
        nodes, edges = cytoscape_elements(body, positions)
        self.cytoscape = build_cytoscape(nodes, edges, DAGRE if positions is None else PRESET, height)
        self.cytoscape.on("node", "click", self._clicked)
        children: list[widgets.Widget] = []
        if show_summary and self.lineage.get("summary"):
            children.append(widgets.HTML(summary_html(self.lineage)))
        children.append(self.cytoscape)
        super().__init__(children=children, **kwargs)
        self.add_class("sml-dag-viewer")

    @property
    def node_count(self) -> int:
        return len(self.cytoscape.graph.nodes)

    @property
    def edge_count(self) -> int:
        return len(self.cytoscape.graph.edges)

    def node(self, node_id: str) -> dict[str, Any] | None:
        for node in self.lineage["graph"].get("nodes") or []:
            if str(node["id"]) == node_id:
                return dict(node)
        return None

    def on_select(self, callback: Callable[[str, dict[str, Any]], None], remove: bool = False) -> None:
        """Call ``callback(node_id, node)`` when a node is clicked (or selected with :meth:`select`)."""
        if remove:
            self._callbacks.remove(callback)
        else:
            self._callbacks.append(callback)

    def select(self, node_id: str) -> None:
        node = self.node(node_id)
        if node is None:
            raise KeyError(node_id)
        self.selected = node_id
        for callback in list(self._callbacks):
            callback(node_id, node)

    def _clicked(self, element: Mapping[str, Any]) -> None:
        node_id = str((element.get("data") or {}).get("id", ""))
        if node_id:
            self.select(node_id)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = lineage_html(self.lineage)
        return bundle

    def _repr_html_(self) -> str:
        return lineage_html(self.lineage)

    @property
    def result(self) -> LineageResult:
        return LineageResult(self.lineage)


def build_cytoscape(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], layout: Mapping[str, Any], height: str = "520px"
) -> CytoscapeWidget:
    """A CytoscapeWidget holding these elements, each model created once with its full state."""
    node_models = [
        Node(
            data=n["data"],
            classes=n.get("classes", ""),
            position=n.get("position", {}),
            selectable=True,
            grabbable=True,
        )
        for n in nodes
    ]
    edge_models = [Edge(data=e["data"], classes=e.get("classes", ""), selectable=False) for e in edges]
    adjacency: dict[str, dict[str, int]] = {n["data"]["id"]: {} for n in nodes}
    for e in edges:
        adjacency.setdefault(e["data"]["source"], {})[e["data"]["target"]] = 1
    graph = Graph()
    with graph.hold_sync():
        graph.nodes = node_models
        graph.edges = edge_models
        graph._adj = adjacency
    return CytoscapeWidget(
        graph=graph,
        layout=widgets.Layout(height=height, width="100%"),
        cytoscape_layout=dict(layout),
        cytoscape_style=dag_style(),
        auto_unselectify=False,
        min_zoom=0.05,
        max_zoom=3.0,
        tooltip_source="tooltip",
    )
