"""CompareViewer: two runs of a pipeline, the DAG coloured by change beside the list of differences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from . import live
from .dag import DagViewer
from .html import (
    CHANGE_COLOURS,
    FLIP_COLOUR,
    change_badge,
    chip,
    compare_html,
    compared_value,
    esc,
    note_html,
    step_changes,
    step_flips,
)

DATA_EDGES = ("input", "output")


def steps_only(lineage: Mapping[str, Any] | None) -> dict[str, Any]:
    """The steps and the edges between them of a lineage (``{nodes, edges}``)."""
    graph = (lineage or {}).get("graph") or {}
    return {
        "nodes": [dict(n) for n in graph.get("nodes") or [] if n.get("type") != "Dataset"],
        "edges": [dict(e) for e in graph.get("edges") or [] if e.get("via") not in DATA_EDGES],
    }


def union_graph(head: Mapping[str, Any] | None, base: Mapping[str, Any] | None) -> dict[str, Any]:
    """The steps of both runs (the head's, then the ones only the base has) and the edges of both."""
    ours, theirs = steps_only(head), steps_only(base)
    known = {n["id"] for n in ours["nodes"]}
    nodes = ours["nodes"] + [n for n in theirs["nodes"] if n["id"] not in known]
    seen = {(e["from"], e["to"], e.get("via")) for e in ours["edges"]}
    edges = ours["edges"] + [e for e in theirs["edges"] if (e["from"], e["to"], e.get("via")) not in seen]
    return {"nodes": nodes, "edges": edges, "artifacts": []}


def legend_html() -> str:
    items = "".join(f"{change_badge(change)} " for change in CHANGE_COLOURS)
    flip = (
        f'<span style="display:inline-block;padding:0 6px;border:3px double {FLIP_COLOUR};border-radius:3px;'
        'font-size:12px">status changed</span>'
    )
    return f'<div class="sml-legend" style="font-size:12px">{items}{flip}</div>'


def step_difference_html(result: Mapping[str, Any], name: str) -> str:
    """One step of a comparison: its change, the two runs' statuses and every difference."""
    step = next((s for s in result.get("steps") or [] if s.get("name") == name), None)
    if step is None:
        return note_html(f"{name} is in neither run")
    base, head = step.get("base") or {}, step.get("head") or {}
    rows = "".join(
        f"<tr><td><b>{esc(d.get('field'))}</b></td><td>{compared_value(d.get('base'))}</td><td>{compared_value(d.get('head'))}</td></tr>"
        for d in step.get("differences") or []
    )
    table = (
        '<table class="sml-step-differences" style="border-collapse:collapse;overflow-wrap:anywhere">'
        f"<tr><th>field</th><th>base</th><th>head</th></tr>{rows}</table>"
        if rows
        else note_html("no difference")
    )
    status = f"{chip(str(base.get('status') or 'NotRun'))} \u2192 {chip(str(head.get('status') or 'NotRun'))}"
    return (
        f'<div class="sml-step-compare" data-step="{esc(name)}" style="overflow-wrap:anywhere">'
        f'<div style="font-size:15px;font-weight:600">{esc(name)} {change_badge(str(step.get("change")))}</div>'
        f"<div>{status}</div>{table}</div>"
    )


class CompareViewer(widgets.VBox):
    """A comparison (``compare`` answer) drawn on the union of both runs' steps.

    Attributes
    ----------
    result : dict
        The comparison shown.
    dag : DagViewer
        Steps filled by change (added, removed, changed, same), a status flip outlined.
    panel : ipywidgets.HTML
        The differences: parameters, steps, datasets (schema diffs), metrics; a clicked step's on top.
    """

    def __init__(
        self,
        result: Mapping[str, Any],
        graph: Mapping[str, Any],
        *,
        height: str = "440px",
        side_by_side: bool = True,
        **kwargs: Any,
    ) -> None:
        self.result = dict(result)
        self.graph = dict(graph)
        self.changes = step_changes(self.result)
        self.flips = set(step_flips(self.result))
        self.dag = DagViewer(
            {"graph": self.graph, "summary": {}, "pipeline": {"name": self.result.get("pipeline")}},
            show_summary=False,
            height=height,
            fit=True,
            changes=self.changes,
            flips=self.flips,
        )
        self.dag.add_class("sml-compare-dag")
        self.legend = widgets.HTML(legend_html())
        self.panel = widgets.HTML(compare_html(self.result))
        self.panel.add_class("sml-compare-panel")
        self.dag.on_select(lambda name, _node: self.select_step(name))
        # beside the panel the graph takes 3/5 of the row; alone (in a column) it takes its own height
        left = widgets.VBox([self.legend, self.dag],
                            layout=widgets.Layout(flex="3 1 0", min_width="0") if side_by_side else widgets.Layout())
        if side_by_side:
            body: widgets.Widget = widgets.HBox(
                [left, widgets.Box([self.panel], layout=widgets.Layout(flex="2 1 0", min_width="0",
                                                                       max_height="560px", overflow="auto"))],
                layout=widgets.Layout(width="100%"),
            )
        else:
            body = left
        super().__init__(children=[body], **kwargs)
        self.legend.value = live.marker(self) + legend_html()
        self.add_class("sml-compare-viewer")

    def select_step(self, name: str) -> str:
        """Put a step's differences on top of the panel; returns that HTML."""
        html = step_difference_html(self.result, name)
        self.panel.value = html + compare_html(self.result)
        return html

    def close(self) -> None:
        self.dag.close()
        for child in (self.legend, self.panel):
            child.close()
        super().close()

    def picture(self) -> str:
        return compare_html(self.result, self.graph)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.picture()
        return bundle

    def _ipython_display_(self) -> None:
        live.show(self, self.picture())

