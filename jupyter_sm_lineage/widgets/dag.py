"""DagViewer: a lineage graph in ipycytoscape, coloured by the execution's step statuses.

Elements are built with their whole state in the constructor and attached to the graph in one
message: ipycytoscape's own ``add_graph_from_json`` sends an update per data key and re-sends the
adjacency dict per node, which is most of its cost on large graphs. Small graphs are laid out by
dagre in the page; large ones get layered positions computed here (``preset``), so the page draws at once.

Readable first: labels are sized for ``READABLE_ZOOM`` and the first view never goes below it. A graph that
fits the canvas at that zoom is fitted; one that does not opens at that zoom on its first ranks, centred,
to be panned (a fit of 100 steps would be dots), and can still be zoomed out to see its shape.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import traitlets
from ipycytoscape import CytoscapeWidget, Edge, Graph, Node

from . import live
from .html import (
    CHANGE_BORDERS,
    CHANGE_COLOURS,
    DATASET_COLOUR,
    EDGE_STYLES,
    FLIP_COLOUR,
    STATUS_COLOURS,
    STATUS_LABELS,
    edge_kind,
    elapsed_text,
    esc,
    lineage_html,
    merged_edges,
    status_of,
    step_elapsed,
    summary_html,
)
from .layered import layered_positions, layers_of

#: Above this many elements (nodes + edges) the layout is computed in the kernel rather than by dagre.
DAGRE_LIMIT = 250
#: Node label size (px at zoom 1) and the lowest zoom a graph opens at: 13 px x 0.8 = 10.4 px on screen.
LABEL_PX = 13
READABLE_ZOOM = 0.8
#: The lowest zoom a pipeline opens fitted at (13 px x 0.77 = 10 px, still read): a pipeline a little wider than
#: the canvas fits whole; a larger graph opens at the readable zoom on its first ranks.
FIT_MIN_ZOOM = 0.77
#: The highest zoom a graph opens at: a two-step pipeline is not blown up to fill the canvas.
MAX_OPEN_ZOOM = 1.0
#: How far out a graph that opened at the readable zoom can be zoomed (to see its shape).
MIN_ZOOM = 0.05
STEP_W, STEP_H = 164, 58
DATASET_W, DATASET_H = 220, 44
#: Characters per label line that fit the node at LABEL_PX (about 6.5 px each in a sans-serif).
STEP_CHARS, DATASET_CHARS = 26, 27
#: Tight enough that an 8-step pipeline six ranks deep fits a 530 x 520 canvas above the readable zoom.
NODE_SEP, RANK_SEP, PADDING = 14, 30, 16
#: The canvas height when ``height`` is not in px, and the canvas width assumed when not told.
DEFAULT_HEIGHT, DEFAULT_WIDTH = 520, 800
SELECTED_COLOUR = "#ff9800"
DAGRE = {
    "name": "dagre",
    "rankDir": "TB",
    "nodeSep": NODE_SEP,
    "rankSep": RANK_SEP,
    "edgeSep": 8,
    "fit": True,
    "padding": PADDING,
    "animate": False,
}
PRESET = {"name": "preset", "fit": True, "padding": PADDING, "animate": False}


def _chip_svg(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#9e9e9e")
    label = STATUS_LABELS.get(status, status)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{STEP_W}" height="22">'
        f'<rect x="{STEP_W / 2 - 50}" y="1" width="100" height="20" rx="10" fill="{colour}"/>'
        f'<text x="{STEP_W / 2}" y="15.5" font-family="sans-serif" font-size="{LABEL_PX}" fill="white" '
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
                "font-size": LABEL_PX,
                "text-wrap": "wrap",
                "text-overflow-wrap": "anywhere",
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
                "text-margin-y": -11,
                "line-height": 1.15,
                "text-max-width": STEP_W - 10,
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
                "width": DATASET_W,
                "height": DATASET_H,
                "background-color": "#e0f7fa",
                "border-width": 1.5,
                "border-color": DATASET_COLOUR,
                "line-height": 1.1,
                "text-max-width": DATASET_W - 12,
            },
        },
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
                "font-size": LABEL_PX - 1,
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
    for change, colour in CHANGE_COLOURS.items():
        rule = {"background-color": colour}
        if change != "same":
            rule.update({"border-color": CHANGE_BORDERS[change], "border-width": 4})
        if change == "removed":
            rule["border-style"] = "dashed"
        style.append({"selector": f".change-{change}", "style": rule})
    style.append({"selector": ".flip", "style": {"border-color": FLIP_COLOUR, "border-width": 6,
                                                  "border-style": "double"}})
    # Last: a later rule wins, and the selection must show over the status colour.
    for selector in ("node:selected", "node.sml-selected"):
        style.append({"selector": selector, "style": {"border-width": 5, "border-color": SELECTED_COLOUR}})
    return style


def _box(node: Mapping[str, Any]) -> tuple[float, float]:
    return (DATASET_W, DATASET_H) if node.get("type") == "Dataset" else (STEP_W, STEP_H)


def _px(height: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*px\s*", height)
    return float(match.group(1)) if match else DEFAULT_HEIGHT


def _height_rule(height: str) -> tuple[str, str]:
    """A ``<style>`` giving the canvas its height through a class, and that class."""
    css_class = "sml-dag-h-" + re.sub(r"[^A-Za-z0-9]+", "-", height).strip("-")
    return f"<style>.custom-widget.{css_class}{{height:{height}}}</style>", css_class


def graph_size(boxes: Mapping[str, tuple[float, float]], edges: list[tuple[str, str]]) -> tuple[float, float]:
    """Width and height of the drawing, from its longest-path ranks (dagre's too): the widest rank, the ranks'
    heights and the gaps between. Dagre's long-edge detours can add a little width."""
    layer = layers_of(list(boxes), edges)
    rows: dict[int, list[tuple[float, float]]] = {}
    for node, box in boxes.items():
        rows.setdefault(layer[node], []).append(box)
    if not rows:
        return 0.0, 0.0
    width = max(sum(w for w, _ in row) + NODE_SEP * (len(row) - 1) for row in rows.values())
    height = sum(max(h for _, h in row) for row in rows.values()) + RANK_SEP * (len(rows) - 1)
    return width, height


def _layered(
    boxes: Mapping[str, tuple[float, float]], edges: list[tuple[str, str]]
) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """Layered positions moved so that the drawing starts at (0, 0) as dagre's does, and its size."""
    widest = max((w for w, _ in boxes.values()), default=STEP_W)
    tallest = max((h for _, h in boxes.values()), default=STEP_H)
    positions = layered_positions(list(boxes), edges, rank_sep=tallest + RANK_SEP, node_sep=widest + NODE_SEP)
    if not positions:
        return positions, (0.0, 0.0)
    left = min(x - boxes[n][0] / 2 for n, (x, _) in positions.items())
    top = min(y - boxes[n][1] / 2 for n, (_, y) in positions.items())
    moved = {n: (x - left, y - top) for n, (x, y) in positions.items()}
    right = max(x + boxes[n][0] / 2 for n, (x, _) in moved.items())
    bottom = max(y + boxes[n][1] / 2 for n, (_, y) in moved.items())
    return moved, (right, bottom)


def first_view(size: tuple[float, float], canvas: tuple[float, float]) -> tuple[dict[str, Any], float]:
    """Layout options for the first view of a drawing of ``size`` starting at (0, 0), and the minimum zoom.

    When the fit's zoom on this canvas is between ``FIT_MIN_ZOOM`` and ``MAX_OPEN_ZOOM``: fit, down to
    ``FIT_MIN_ZOOM`` on a canvas narrower than expected (whole, rather than cut at both sides). Otherwise fit
    (which puts the drawing's centre at the canvas's centre, whatever the canvas's width, unknown here), zoom to the
    nearer bound about the drawing's top centre (exact for preset positions, estimated for dagre's), and pan
    its top to the padding: the first ranks, readable, and the graph can still be zoomed out.
    """
    width, height = size
    zoom = min((canvas[0] - 2 * PADDING) / max(width, 1.0), (canvas[1] - 2 * PADDING) / max(height, 1.0))
    if FIT_MIN_ZOOM <= zoom <= MAX_OPEN_ZOOM:
        # The canvas may be narrower than expected (a file browser open beside the notebook): let the fit
        # zoom out a little further rather than cut the graph at both sides.
        return {"fit": True}, FIT_MIN_ZOOM
    level = READABLE_ZOOM if zoom < READABLE_ZOOM else MAX_OPEN_ZOOM
    view = {"fit": True, "zoom": {"level": level, "position": {"x": width / 2, "y": 0}}, "pan": {"y": PADDING}}
    return view, MIN_ZOOM


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, the middle elided: a wrapped third line would cover the status chip."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "\u2026" + text[-(limit - 1 - head) :]


def uri_label(uri: str, chars: int = DATASET_CHARS) -> str:
    """A dataset's label: the tail of its URI on at most two lines, the second broken after a ``/``."""
    parts = re.findall(r"[^/]*/+|[^/]+$", uri) or [uri]
    last = parts.pop()
    while parts and len(parts[-1]) + len(last) <= chars:
        last = parts.pop() + last
    if len(last) > chars:
        last = "\u2026" + last[-(chars - 1) :]
    rest = "".join(parts)
    if not rest:
        return last
    return (rest if len(rest) <= chars else "\u2026" + rest[-(chars - 1) :]) + "\n" + last


def _lineage_of(graph: Mapping[str, Any]) -> dict[str, Any]:
    """Accept a lineage payload, a LineageResult or a bare graph ``{nodes, edges, artifacts}``."""
    if "graph" in graph and isinstance(graph["graph"], Mapping):
        return dict(graph)
    return {"graph": dict(graph), "summary": {}, "pipeline": {}}


def tooltip(node: Mapping[str, Any]) -> str:
    """What hovering (or clicking) a step shows: its name, status, elapsed time and failure reason (HTML)."""
    run = node.get("run") or {}
    status = status_of(node)
    label = STATUS_LABELS.get(status, status)
    lines = [f"<b>{esc(node.get('id'))}</b>", f"{esc(label)} \u00b7 {esc(elapsed_text(run))}"]
    if run.get("failureReason"):
        lines.append(esc(run["failureReason"]))
    return "\n".join(lines)


def cytoscape_elements(
    graph: Mapping[str, Any],
    positions: Mapping[str, tuple[float, float]] | None = None,
    changes: Mapping[str, str] | None = None,
    flips: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Nodes and edges as cytoscape element dicts (data, classes, position); one edge per pair of nodes.

    ``changes`` (step -> added/removed/changed/same) and ``flips`` (steps whose status changed) add the
    compare view's classes.
    """
    nodes = []
    for node in graph.get("nodes") or []:
        node_id = str(node["id"])
        if node.get("type") == "Dataset":
            data = {"id": node_id, "label": uri_label(node_id), "kind": "dataset", "tooltip": esc(node_id)}
            classes = "dataset"
        else:
            run = node.get("run") or {}
            status = status_of(node)
            elapsed = step_elapsed(run)
            second = f"{node.get('type')} \u00b7 {elapsed_text(run)}" if elapsed is not None else str(node.get("type"))
            data = {
                "id": node_id,
                "label": f"{_clip(node_id, STEP_CHARS)}\n{_clip(second, STEP_CHARS)}",
                "kind": "step",
                "status": status,
                "type": node.get("type"),
                "elapsed": elapsed,
                "tooltip": tooltip(node),
            }
            classes = f"step status-{status}"
            change = (changes or {}).get(node_id)
            if change:
                data["change"] = change
                classes += f" change-{change}"
            if node_id in flips:
                classes += " flip"
        element: dict[str, Any] = {"data": data, "classes": classes}
        if positions is not None and node_id in positions:
            x, y = positions[node_id]
            element["position"] = {"x": x, "y": y}
        nodes.append(element)
    edges = []
    for i, edge in enumerate(merged_edges(graph.get("edges") or [])):
        kind = edge_kind(edge)
        data = {"id": f"e{i}", "source": str(edge["from"]), "target": str(edge["to"]), "via": edge.get("via"),
                "kinds": list(edge.get("kinds") or [kind])}
        label = EDGE_STYLES.get(kind, ("", "", ""))[2]
        if label:
            data["label"] = label
        edges.append({"data": data, "classes": kind})
    return nodes, edges


class DagViewer(widgets.VBox):
    """An interactive lineage DAG; clicking a node selects it, hovering a step tells its status.

    Attributes
    ----------
    lineage : dict
        The lineage payload shown (``{pipeline, summary, graph}``).
    cytoscape : ipycytoscape.CytoscapeWidget
        The graph widget (its ``graph.nodes``/``graph.edges`` are the drawn elements, one edge per pair).
    hover : ipywidgets.HTML
        The line under the graph: the step under the pointer (status, elapsed, failure reason).
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
        width: int = DEFAULT_WIDTH,
        show_summary: bool = True,
        fit: bool = False,
        changes: Mapping[str, str] | None = None,
        flips: set[str] | frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> None:
        """``width`` is the canvas width expected (the page decides it): it only chooses between fitting the
        graph and opening it at the readable zoom. ``fit`` always fits the whole graph on open. ``changes``
        and ``flips`` colour the steps by how they changed between two runs (the compare view)."""
        self.lineage = _lineage_of(graph)
        self._callbacks: list[Callable[[str, dict[str, Any]], None]] = []
        body = self.lineage["graph"]
        self._nodes = {str(n["id"]): dict(n) for n in body.get("nodes") or []}
        boxes = {node_id: _box(n) for node_id, n in self._nodes.items()}
        links = [(str(e["from"]), str(e["to"])) for e in body.get("edges") or []]
        count = len(boxes) + len(links)
        self.layout_name = ("dagre" if count <= DAGRE_LIMIT else "layered") if layout == "auto" else layout
        positions = None
        if self.layout_name == "layered":
            positions, size = _layered(boxes, links)
        else:
            size = graph_size(boxes, links)
        if fit:
            view, min_zoom = {"fit": True}, MIN_ZOOM
        else:
            view, min_zoom = first_view(size, (width, _px(height)))
        nodes, edges = cytoscape_elements(body, positions, changes, set(flips))
        layout_options = {**(DAGRE if positions is None else PRESET), **view}
        self.cytoscape = build_cytoscape(nodes, edges, layout_options, height, min_zoom=min_zoom)
        self._models = {n.data["id"]: n for n in self.cytoscape.graph.nodes}
        self.cytoscape.on("node", "click", self._clicked)
        self.cytoscape.on("node", "mouseover", self._hovered)
        # The canvas's height as a class rule, in the page before cytoscape reads its container: ipywidgets
        # applies Layout styles only after the view is displayed, so the first fit would see the 400 px
        # of ipycytoscape's stylesheet and leave the bottom of the canvas empty.
        rule, css_class = _height_rule(height)
        self.cytoscape.add_class(css_class)
        self.head = widgets.HTML()
        if not (show_summary and self.lineage.get("summary")):
            self.head.layout.display = "none"
        self.hover = widgets.HTML(_HOVER_HINT)
        self.hover.add_class("sml-hover")
        super().__init__(children=[self.head, self.cytoscape, self.hover], **kwargs)
        self.head.value = rule + live.marker(self) + (summary_html(self.lineage) if show_summary else "")
        self.add_class("sml-dag-viewer")

    @property
    def node_count(self) -> int:
        return len(self.cytoscape.graph.nodes)

    @property
    def edge_count(self) -> int:
        return len(self.cytoscape.graph.edges)

    def node(self, node_id: str) -> dict[str, Any] | None:
        node = self._nodes.get(node_id)
        return dict(node) if node is not None else None

    def on_select(self, callback: Callable[[str, dict[str, Any]], None], remove: bool = False) -> None:
        """Call ``callback(node_id, node)`` when a node is clicked (or selected with :meth:`select`)."""
        if remove:
            self._callbacks.remove(callback)
        else:
            self._callbacks.append(callback)

    def select(self, node_id: str, notify: bool = True) -> None:
        """Select a node: drawn selected on the page, and (``notify``) the callbacks told."""
        node = self.node(node_id)
        if node is None:
            raise KeyError(node_id)
        self._mark(node_id)
        self.selected = node_id
        if notify:
            for callback in list(self._callbacks):
                callback(node_id, node)

    def _mark(self, node_id: str) -> None:
        previous = self._models.get(self.selected)
        if previous is not None:
            previous.classes = " ".join(c for c in previous.classes.split() if c != "sml-selected")
        model = self._models.get(node_id)
        if model is not None and "sml-selected" not in model.classes.split():
            model.classes = f"{model.classes} sml-selected"

    def _clicked(self, element: Mapping[str, Any]) -> None:
        node_id = str((element.get("data") or {}).get("id", ""))
        if node_id:
            self.select(node_id)

    def _hovered(self, element: Mapping[str, Any]) -> None:
        node = self.node(str((element.get("data") or {}).get("id", "")))
        if node is None:
            return
        if node.get("type") == "Dataset":
            self.hover.value = f'<div class="sml-hover-line" data-node="{esc(node["id"])}">{esc(node["id"])}</div>'
        else:
            text = tooltip(node).replace("\n", " \u00b7 ")
            self.hover.value = (
                f'<div class="sml-hover-line" data-node="{esc(node["id"])}" style="white-space:pre-wrap;'
                f'overflow-wrap:anywhere">{text}</div>'
            )

    def close(self) -> None:
        """Close the viewer with every model under it: the graph, and one model per node and edge (closing a
        box leaves its children open, in the kernel and in the page)."""
        graph = self.cytoscape.graph
        for model in [*graph.nodes, *graph.edges, graph, *self.children]:  # the children hold the cytoscape
            model.close()
        super().close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = lineage_html(self.lineage)
        return bundle

    def _repr_html_(self) -> str:
        return lineage_html(self.lineage)

    def _ipython_display_(self) -> None:
        live.show(self, lineage_html(self.lineage))


_HOVER_HINT = (
    '<div class="sml-hover-line" style="color:#757575">Point at a step for its status; click it for details.</div>'
)


def build_cytoscape(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    layout: Mapping[str, Any],
    height: str = "520px",
    min_zoom: float = MIN_ZOOM,
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
        min_zoom=min_zoom,
        max_zoom=3.0,
        tooltip_source="tooltip",
    )
