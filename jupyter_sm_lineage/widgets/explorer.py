"""The explorer of the seed's UI guide, inside a notebook cell.

Left: Region, Domain and Pipeline pickers with a search box and a refresh button. Centre: the run picker
(every execution, newest first, and "compare with") above the tabs Pipeline | Data | Both | Compare |
Feature Groups. Right: the detail of what is selected (a step with its trend, a dataset with its schema
history). The layout is fluid: it fits an output area of about 950 px (1366x768 with the file browser
open) and uses more when there is more. Every change of region, domain, search, pipeline or run leaves
the new selection's data or an explicit empty state on screen, never the previous one's. Everything is read
through the client's operations (the JSON contract of ``LineageService``).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets

from ..core.datasets import NOT_DATA
from ..core.errors import LineageError, NotFound
from . import live
from .client import LineageClient, default_client, split_s3
from .compare import CompareViewer, step_difference_html, union_graph
from .dag import DagViewer
from .featuregroup import FeatureGroupBrowser
from .html import (
    artifact_html,
    compare_html,
    error_html,
    esc,
    lineage_html,
    note_html,
    run_html,
    status_of,
    step_html,
    trend_html,
)
from .runs import PAGE, RunPicker
from .schema import SchemaViewer

log = logging.getLogger(__name__)

ALL_DOMAINS = "All domains"
TABS = ("Pipeline", "Data", "Both", "Compare", "Feature Groups")
PIPELINE_TAB, DATA_TAB, BOTH_TAB, COMPARE_TAB, FEATURE_TAB = range(5)
DATA_EDGES = ("input", "output")
#: The DAG canvas's width at the explorer's usual size (a ~950 px output area less the side panels).
DAG_WIDTH = 440
DAG_HEIGHT = "440px"
#: How many past runs a step's trend covers.
TREND_RUNS = 8

#: Page rules of the explorer (scoped to it): buttons that read as table rows and wrap long URIs.
STYLE = """<style>
.sml-explorer .sml-dataset-button {height:auto; min-height:24px; white-space:normal; text-align:left;
  overflow-wrap:anywhere; word-break:break-all; line-height:1.3; padding:2px 6px; width:100%;
  font-family:var(--jp-code-font-family, monospace); font-size:12px; background:transparent;
  color:var(--jp-content-link-color, #1565c0); box-shadow:none; border-bottom:1px solid #e0e0e0}
.sml-explorer .sml-dataset-button.sml-current {background:#fff3e0; font-weight:600}
.sml-explorer .sml-cell {overflow-wrap:anywhere; font-size:12px; padding:2px 4px; border-bottom:1px solid #e0e0e0}
.sml-explorer .sml-detail .widget-html-content {overflow-wrap:anywhere; white-space:normal; max-width:100%}
.sml-explorer .sml-detail table {max-width:100%}
.sml-explorer .sml-detail td, .sml-explorer .sml-detail th {overflow-wrap:anywhere; word-break:break-word}
.sml-explorer .sml-detail div, .sml-explorer .sml-detail span {max-width:100%; overflow-wrap:anywhere}
.sml-explorer .widget-select select {overflow-x:hidden}
.sml-explorer .widget-vbox > * {flex-shrink:0}
</style>"""


def pipeline_view(lineage: Mapping[str, Any]) -> dict[str, Any]:
    """The ``pipeline`` view of a ``both`` lineage: steps and the edges between them."""
    graph = lineage.get("graph") or {}
    nodes = [n for n in graph.get("nodes") or [] if n.get("type") != "Dataset"]
    edges = [e for e in graph.get("edges") or [] if e.get("via") not in DATA_EDGES]
    return {**lineage, "graph": {**graph, "nodes": nodes, "edges": edges}, "view": "pipeline"}


def error_message(exc: BaseException, context: str = "") -> str:
    """One sentence for the panel: the LineageError's message, or the exception's type and text."""
    if isinstance(exc, LineageError):
        message = exc.message
    else:
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"{context}: {message}" if context else message


def missing_pipeline(name: str, region: str, known: list[str]) -> str:
    """Our own sentence for a pipeline that is not there, with the closest names (not AWS's sentence)."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"There is no pipeline {name!r} in {region}.{hint}"


def failed_step(lineage: Mapping[str, Any]) -> str | None:
    """The step to open on for a failed run: the first failed step in the graph's order."""
    for node in (lineage.get("graph") or {}).get("nodes") or []:
        if node.get("type") != "Dataset" and status_of(node) == "Failed":
            return str(node["id"])
    return None


class Explorer(widgets.VBox):
    """Browse pipelines, their runs, DAG and datasets, schemas, comparisons and feature groups.

    Attributes
    ----------
    client : LineageClient
        Where the data comes from (in-kernel service or the server's routes).
    region, domain : ipywidgets.Dropdown
    search : ipywidgets.Text
        Filters the pipeline list by a case-insensitive substring.
    pipeline : ipywidgets.Select
        The pipelines of the region (and domain) matching the search.
    runs : RunPicker
        The shown pipeline's runs; choosing one shows it everywhere; "Compare" opens the Compare tab.
    tabs : ipywidgets.Tab
        Pipeline | Data | Both | Compare | Feature Groups.
    dag, both_dag : DagViewer or None
        The DAGs of the Pipeline and Both tabs (the Both one is built when its tab is first shown).
    comparison : CompareViewer or None
        The Compare tab's view.
    data_table, both_table : ipywidgets.GridBox
        The datasets, one clickable row each (Data tab; beside the DAG in Both).
    detail : ipywidgets.VBox
        The right-hand panel.
    lineage : dict or None
        The lineage shown (view ``both``) of the run shown.
    error : str
        The last error, as shown in the panel ("" when the last action succeeded).
    """

    def __init__(
        self,
        client: LineageClient | None = None,
        region: str | None = None,
        pipeline: str | None = None,
        regions: list[str] | None = None,
        load: bool = True,
        execution: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.client = client or default_client()
        self.lineage: dict[str, Any] | None = None
        self.catalog: list[dict[str, Any]] = []
        self.error = ""
        self.dag: DagViewer | None = None
        self.both_dag: DagViewer | None = None
        self.comparison: CompareViewer | None = None
        self.schema_viewer: SchemaViewer | None = None
        self.feature_groups: FeatureGroupBrowser | None = None
        self.selected = ""
        self._updating = False
        self._shown = False
        self._run_lineages: dict[str, dict[str, Any]] = {}
        #: Step trends of a pipeline's last runs (one ``trend`` call per pipeline and newest run).
        self._trends: dict[str, dict[str, Any]] = {}
        self._dataset_buttons: dict[str, list[widgets.Button]] = {}

        wide = widgets.Layout(width="100%")
        label = {"description_width": "58px"}
        self.region = widgets.Dropdown(description="Region", layout=wide, style=label)
        self.domain = widgets.Dropdown(
            description="Domain", options=[ALL_DOMAINS], value=ALL_DOMAINS, layout=widgets.Layout(width="100%"),
            style=label,
        )
        self.search = widgets.Text(
            placeholder="search pipelines", description="Search", continuous_update=True,
            layout=widgets.Layout(width="100%"), style=label,
        )
        self.pipeline = widgets.Select(options=[], rows=10, layout=widgets.Layout(width="100%"))
        self.pipeline.add_class("sml-pipeline-list")
        self.list_note = widgets.HTML()
        self.list_note.add_class("sml-list-note")
        self.refresh = widgets.Button(
            description="Refresh", icon="refresh", tooltip="read the catalog again", layout=widgets.Layout(width="auto")
        )
        self.progress = widgets.IntProgress(
            value=0, min=0, max=2, bar_style="info", layout=widgets.Layout(width="100%", visibility="hidden")
        )
        self.progress.add_class("sml-progress")
        self.status = widgets.HTML()
        self.status.add_class("sml-status")
        self.head = widgets.HTML()
        left = widgets.VBox(
            [self.head, self.region, self.domain, self.search, self.pipeline, self.list_note, self.refresh,
             self.progress, self.status],
            layout=widgets.Layout(flex="0 0 200px", width="200px", overflow="hidden"),
        )
        left.add_class("sml-left")

        self.runs = RunPicker(self._run_picked, self.compare)
        self.pipeline_tab = widgets.VBox([widgets.HTML(note_html("Pick a pipeline on the left."))])
        self.data_table = widgets.GridBox([], layout=widgets.Layout(
            grid_template_columns="minmax(0, 3fr) minmax(0, 1fr) minmax(0, 1fr)", width="100%"))
        self.data_table.add_class("sml-data-table")
        self.data_tab = widgets.VBox([self.data_table], layout=widgets.Layout(max_height="560px", overflow="auto"))
        self.both_table = widgets.GridBox([], layout=widgets.Layout(grid_template_columns="minmax(0, 1fr)",
                                                                    width="100%"))
        self.both_table.add_class("sml-both-table")
        self.both_tab = widgets.HBox([], layout=widgets.Layout(width="100%"))
        self.compare_tab = widgets.VBox([widgets.HTML(note_html(
            "Pick a run and a run to compare it with above, then Compare."))])
        self.feature_tab = widgets.VBox([widgets.HTML(note_html("Open this tab to list the feature groups."))])
        self.tabs = widgets.Tab(
            children=[self.pipeline_tab, self.data_tab, self.both_tab, self.compare_tab, self.feature_tab],
            titles=TABS,
            layout=widgets.Layout(width="100%"),
        )
        self.tabs.add_class("sml-tabs")
        center = widgets.VBox([self.runs, self.tabs], layout=widgets.Layout(flex="1 1 0", min_width="0",
                                                                             margin="0 8px"))
        center.add_class("sml-center")

        self.detail = widgets.VBox(
            [widgets.HTML(note_html("Click a step or a dataset to see its details."))],
            layout=widgets.Layout(flex="0 1 28%", min_width="250px", max_width="480px", max_height="600px",
                                  overflow="auto", padding="0 4px"),
        )
        self.detail.add_class("sml-detail")
        self.main = widgets.HBox([left, center, self.detail], layout=widgets.Layout(width="100%",
                                                                                     align_items="flex-start"))
        self.main.add_class("sml-main")
        super().__init__(children=[self.main], layout=widgets.Layout(width="100%"), **kwargs)
        self.head.value = STYLE + live.marker(self) + "<b>SageMaker lineage</b>"
        self.add_class("sml-explorer")

        self.region.observe(self._region_changed, "value")
        self.domain.observe(lambda _: self._filter(), "value")
        self.search.observe(lambda _: self._filter(), "value")
        self.pipeline.observe(self._pipeline_changed, "value")
        self.refresh.on_click(lambda _: self.reload())
        self.tabs.observe(self._tab_changed, "selected_index")

        self._initial = (region, pipeline, regions, execution)
        if load:
            self.start()

    def start(self) -> None:
        """Load the regions, the catalog and the initial pipeline (``load=False`` defers this to the caller,
        so that an explorer already on screen shows its progress bar during the first load)."""
        region, pipeline, regions, execution = self._initial
        self._start(region, pipeline, regions, execution)

    # --- loading ----------------------------------------------------------------------------------
    @contextmanager
    def _busy(self, message: str, show_error: Callable[[str], None] | None = None) -> Iterator[None]:
        """Show progress while loading; turn any failure into a sentence in the panel."""
        self.progress.value = 1
        self.progress.layout.visibility = "visible"
        self.status.value = note_html(message)
        self.error = ""
        try:
            yield
        except Exception as exc:
            if not isinstance(exc, LineageError):
                log.exception("explorer: %s", message)
            self.error = error_message(exc)
            html = error_html(self.error)
            self.status.value = html
            if show_error is not None:
                show_error(html)
        else:
            self.status.value = ""
        finally:
            self.progress.value = 2
            self.progress.layout.visibility = "hidden"
            self.refresh_picture()

    def _start(self, region: str | None, pipeline: str | None, regions: list[str] | None,
               execution: str | None) -> None:
        with self._busy("Reading regions\u2026", self._show_detail_html):
            choices = list(regions or self.client.regions())
            if region and region not in choices:
                choices.insert(0, region)
            self._updating = True
            try:
                self.region.options = choices
                self.region.value = region or (choices[0] if choices else None)
            finally:
                self._updating = False
            self.load_catalog()
            if pipeline:
                self.search.value = ""
                if pipeline not in self._listed():
                    names = [str(p.get("name")) for p in self.catalog]
                    raise NotFound(missing_pipeline(pipeline, str(self.region.value), names))
                self._updating = True
                try:
                    self.pipeline.value = pipeline
                finally:
                    self._updating = False
                self.load_lineage(pipeline, execution)

    def _listed(self) -> list[str]:
        return [value for _, value in self.pipeline.options]

    def reload(self) -> None:
        """Refresh: read the catalog again and, if a pipeline is shown, its runs and the run shown."""
        current, run = self.pipeline.value, self.runs.run.value
        self.load_catalog()
        if current and current in self._listed():
            self._run_lineages.clear()
            self._trends.clear()
            if self.pipeline.value == current:
                self.load_lineage(current, run)
            else:
                self.pipeline.value = current

    def load_catalog(self) -> None:
        region = self.region.value
        if not region:
            self.status.value = error_html("No region to read: set AWS_DEFAULT_REGION or SM_LINEAGE_REGIONS.")
            return
        with self._busy(f"Reading the pipelines of {region}\u2026", self._show_detail_html):
            self.catalog = []
            answer = self.client.pipelines([region], include_latest_exec=True)
            errors = answer.get("errors") or []
            if errors:
                self._filter()
                raise LineageError(str(errors[0].get("message")))
            self.catalog = [p for r in answer.get("regions") or [] for p in r.get("pipelines") or []]
            domains = sorted(
                {str((p.get("matchedDomain") or {}).get("DomainName")) for p in self.catalog if p.get("matchedDomain")}
            )
            self._updating = True
            try:
                keep = self.domain.value if self.domain.value in domains else ALL_DOMAINS
                self.domain.options = [ALL_DOMAINS, *domains]
                self.domain.value = keep
            finally:
                self._updating = False
            self._filter()
            if self.feature_groups is not None:
                self.feature_groups = None
                self.feature_tab.children = [widgets.HTML(note_html("Reading the feature groups\u2026"))]
                if self.tabs.selected_index == FEATURE_TAB:
                    self._load_feature_groups()

    def _filter(self) -> None:
        if self._updating:
            return
        text = (self.search.value or "").strip().lower()
        domain = self.domain.value
        shown = []
        for p in self.catalog:
            if domain not in (None, ALL_DOMAINS) and (p.get("matchedDomain") or {}).get("DomainName") != domain:
                continue
            if text and text not in str(p.get("name", "")).lower():
                continue
            status = (p.get("latestExecution") or {}).get("status") or "no runs"
            shown.append((f"{p['name']} \u00b7 {status}", p["name"]))
        current = self.pipeline.value
        self._updating = True
        try:
            self.pipeline.options = shown
            self.pipeline.value = current if current in [v for _, v in shown] else None
        finally:
            self._updating = False
        region = self.region.value or "this region"
        if shown:
            self.list_note.value = ""
        elif not self.catalog:
            self.list_note.value = note_html(f"No pipelines in {region}.")
        elif text:
            where = f" in {domain}" if domain not in (None, ALL_DOMAINS) else ""
            self.list_note.value = note_html(f"No pipeline{where} matches \u201c{self.search.value.strip()}\u201d.")
        else:
            self.list_note.value = note_html(f"No pipelines of {domain} in {region}.")
        shown_name = ((self.lineage or {}).get("pipeline") or {}).get("name")
        if shown_name and self.pipeline.value != shown_name:
            self.clear(f"{shown_name} is not in the list any more (domain or search): pick a pipeline.")

    def _region_changed(self, change: Mapping[str, Any]) -> None:
        if self._updating or not change["new"]:
            return
        # The previous region's list goes at once: a click on it while the new one loads would pick by its
        # position in a list the kernel no longer has.
        self._updating = True
        try:
            self.pipeline.options = []
            self.pipeline.value = None
        finally:
            self._updating = False
        self.catalog = []
        self.list_note.value = note_html(f"Reading the pipelines of {change['new']}…")
        self.clear(f"Pick a pipeline of {change['new']}.")
        self.load_catalog()

    def _pipeline_changed(self, change: Mapping[str, Any]) -> None:
        if not self._updating and change["new"]:
            self.load_lineage(str(change["new"]))

    def clear(self, message: str) -> None:
        """The explicit empty state: no pipeline shown, every view says so."""
        self.lineage = None
        self.selected = ""
        self._run_lineages.clear()
        self._close_views()
        note = note_html(message)
        self.pipeline_tab.children = [widgets.HTML(note)]
        self._set_tables([])
        self.both_tab.children = [widgets.HTML(note)]
        self.compare_tab.children = [widgets.HTML(note)]
        self.runs.clear(message)
        self._show_detail_html(note)
        self.refresh_picture()

    def _close_views(self) -> None:
        """Close the graphs shown (a graph of 500 nodes is 1,000 models) once they are out of the page."""
        for viewer in (self.dag, self.both_dag, self.comparison):
            if viewer is not None:
                viewer.close()
        self.dag = self.both_dag = None
        self.comparison = None
        if self.schema_viewer is not None:
            self.schema_viewer.close()
            self.schema_viewer = None

    def load_lineage(self, pipeline: str, execution: str | None = None) -> None:
        """Show a pipeline: its runs, and the run ``execution`` (default: the newest) everywhere."""
        region = str(self.region.value)
        self.clear(f"Reading {pipeline}\u2026")
        with self._busy(f"Reading the runs of {pipeline}\u2026", self._show_center_error):
            names = [str(p.get("name")) for p in self.catalog]
            try:
                arn = self.runs.load(
                    lambda token: self.client.executions(region, pipeline, limit=PAGE, next_token=token), execution
                )
                self._show_run(arn, pipeline)
            except NotFound:
                if pipeline in names:
                    raise
                raise NotFound(missing_pipeline(pipeline, region, names)) from None

    def _run_picked(self, arn: str) -> None:
        pipeline = ((self.lineage or {}).get("pipeline") or {}).get("name") or self.pipeline.value
        if pipeline:
            self.show_run(arn, str(pipeline))

    def _lineage_of_run(self, pipeline: str, arn: str | None) -> dict[str, Any]:
        key = arn or ""
        if key not in self._run_lineages:
            self._run_lineages[key] = self.client.lineage(
                str(self.region.value), pipeline, view="both", include_latest_exec=True, execution_arn=arn
            )
        return self._run_lineages[key]

    def show_run(self, arn: str | None, pipeline: str) -> None:
        """Show one run of the pipeline in every tab; a failed run opens on its failed step."""
        with self._busy(f"Reading the lineage of {pipeline}\u2026", self._show_center_error):
            self._show_run(arn, pipeline)

    def _show_run(self, arn: str | None, pipeline: str) -> None:
        lineage = self._lineage_of_run(pipeline, arn)
        self._close_views()
        self.lineage = lineage
        self.selected = ""
        self.dag = DagViewer(pipeline_view(lineage), width=DAG_WIDTH, height=DAG_HEIGHT)
        self.dag.on_select(self._node_selected)
        self.pipeline_tab.children = [self.dag]
        self.both_tab.children = []
        self.compare_tab.children = [widgets.HTML(note_html(
            "Pick a run to compare this one with above (default: the last good run), then Compare."))]
        self._fill_artifacts()
        if self.tabs.selected_index == BOTH_TAB:
            self._build_both()
        elif self.tabs.selected_index == COMPARE_TAB:
            self.tabs.selected_index = PIPELINE_TAB
        failed = failed_step(lineage)
        if failed is not None:
            self.dag.select(failed)
        else:
            run = self.runs.selected if lineage.get("execution") else None
            self._show_detail_html(
                (run_html(run) if run else "") + note_html(f"{pipeline}: click a step or a dataset to see its details.")
            )

    def _show_center_error(self, html: str) -> None:
        self.pipeline_tab.children = [widgets.HTML(html)]

    # --- Data and Both ---------------------------------------------------------------------------
    def _artifact_list(self) -> list[dict[str, Any]]:
        return list(((self.lineage or {}).get("graph") or {}).get("artifacts") or [])

    def _datasets(self) -> list[dict[str, Any]]:
        return [a for a in self._artifact_list() if a.get("kind") != "code"]

    def _dataset_button(self, uri: str) -> widgets.Button:
        button = widgets.Button(description=uri, tooltip=f"show {uri}", layout=widgets.Layout(width="100%"))
        button.add_class("sml-dataset-button")
        button.on_click(lambda _b, uri=uri: self.select_artifact(uri))
        self._dataset_buttons.setdefault(uri, []).append(button)
        return button

    @staticmethod
    def _cell(text: str) -> widgets.HTML:
        cell = widgets.HTML(f"<div>{esc(text)}</div>")
        cell.add_class("sml-cell")
        return cell

    def _set_tables(self, datasets: list[dict[str, Any]]) -> None:
        for table in (self.data_table, self.both_table):
            for child in table.children:
                child.close()
        self._dataset_buttons = {}
        if not datasets:
            empty = "Pick a pipeline to list its datasets." if self.lineage is None else (
                "This pipeline reads and writes no datasets.")
            self.data_table.children = [widgets.HTML(note_html(empty))]
            self.both_table.children = [widgets.HTML(note_html(empty))]
            return
        cells: list[widgets.Widget] = [widgets.HTML(f"<b>{h}</b>") for h in ("dataset", "produced by", "read by")]
        for a in datasets:
            uri = str(a["uri"])
            cells += [
                self._dataset_button(uri),
                self._cell(", ".join(a.get("producers") or []) or "\u2014"),
                self._cell(", ".join(a.get("consumers") or []) or "\u2014"),
            ]
        self.data_table.children = cells
        both: list[widgets.Widget] = [widgets.HTML("<b>datasets</b>")]
        for a in datasets:
            both.append(self._dataset_button(str(a["uri"])))
        self.both_table.children = both

    def _fill_artifacts(self) -> None:
        self._set_tables(self._datasets())

    def _build_both(self) -> None:
        if self.lineage is None or self.both_dag is not None:
            return
        self.both_dag = DagViewer(self.lineage, show_summary=False, width=DAG_WIDTH, height=DAG_HEIGHT, fit=True)
        self.both_dag.on_select(self._node_selected)
        self.both_dag.layout = widgets.Layout(flex="3 1 0", min_width="0")
        listing = widgets.Box([self.both_table], layout=widgets.Layout(flex="2 1 0", min_width="0",
                                                                       max_height="500px", overflow="auto"))
        listing.add_class("sml-both-list")
        self.both_tab.children = [self.both_dag, listing]
        if self.selected and self.both_dag.node(self.selected) is not None:
            self.both_dag.select(self.selected, notify=False)

    def _tab_changed(self, change: Mapping[str, Any]) -> None:
        if change["new"] == BOTH_TAB:
            self._build_both()
        elif change["new"] == FEATURE_TAB and self.feature_groups is None:
            self._load_feature_groups()
        self.refresh_picture()

    def _load_feature_groups(self) -> None:
        region = str(self.region.value)
        with self._busy(
            f"Reading the feature groups of {region}\u2026",
            lambda html: setattr(self.feature_tab, "children", [widgets.HTML(html)]),
        ):
            groups = self.client.feature_groups(region)
            self.feature_groups = FeatureGroupBrowser(groups, lambda name: self.client.feature_group(region, name))
            self.feature_tab.children = [self.feature_groups]

    # --- comparison ------------------------------------------------------------------------------
    def compare(self, base: str, head: str) -> None:
        """Compare two runs: the Compare tab draws the union of their steps coloured by change; the panel lists
        the parameter, step, dataset-schema and metric differences."""
        pipeline = ((self.lineage or {}).get("pipeline") or {}).get("name") or self.pipeline.value
        if not pipeline:
            return
        pipeline = str(pipeline)
        with self._busy(f"Comparing two runs of {pipeline}\u2026",
                        lambda html: setattr(self.compare_tab, "children", [widgets.HTML(html)])):
            result = self.client.compare(str(self.region.value), pipeline, base=base, head=head)
            graph = union_graph(self._lineage_of_run(pipeline, head), self._lineage_of_run(pipeline, base))
            if self.comparison is not None:
                self.comparison.close()
            self.comparison = CompareViewer(result, graph, height=DAG_HEIGHT, side_by_side=False)
            self.comparison.dag.on_select(self._compare_step_selected)
            self.tabs.selected_index = COMPARE_TAB  # first: a graph laid out in a hidden tab is fitted to nothing
            self.compare_tab.children = [self.comparison]
            self._show_detail_html(compare_html(result))

    def _compare_step_selected(self, name: str, _node: Mapping[str, Any]) -> None:
        if self.comparison is None:
            return
        self.selected = name
        trend = self._trend(name)
        self._show_detail_html(step_difference_html(self.comparison.result, name) + (
            '<div style="font-weight:600;margin-top:6px">Trend</div>' + trend if trend else "")
            + compare_html(self.comparison.result))

    # --- selection and the detail panel ------------------------------------------------------------
    def _show_detail_html(self, html: str) -> None:
        if self.schema_viewer is not None and self.schema_viewer in self.detail.children:
            self.schema_viewer.close()
            self.schema_viewer = None
        for child in self.detail.children:
            child.close()
        self.detail.children = [widgets.HTML(html)]
        self.refresh_picture()

    def _node_selected(self, node_id: str, node: Mapping[str, Any]) -> None:
        if node.get("type") == "Dataset":
            self.select_artifact(node_id)
        else:
            self.select_step(node_id)

    def _trend(self, name: str) -> str:
        """The step's status and elapsed time over the last runs (the service's ``trend``, one call per pipeline;
        a ``trend`` field if the lineage has one)."""
        node = next((n for n in ((self.lineage or {}).get("graph") or {}).get("nodes") or []
                     if n.get("id") == name), {})
        if node.get("trend"):
            return trend_html(list(node["trend"]), name)
        pipeline = ((self.lineage or {}).get("pipeline") or {}).get("name")
        if not pipeline or len([e for e in self.runs.executions if e.get("status")]) < 2:
            return ""
        newest = str(self.runs.executions[0].get("arn"))
        key = f"{self.region.value}|{pipeline}|{newest}"  # a new run makes a new trend
        try:
            if key not in self._trends:
                self._trends[key] = self.client.trend(str(self.region.value), str(pipeline), limit=TREND_RUNS)
        except LineageError as exc:
            return note_html(f"no trend: {exc.message}")
        trend = self._trends[key]
        ran = {p["execution"]: p for p in (trend.get("steps") or {}).get(name) or []}
        points = [{"status": (ran.get(i) or {}).get("status") or "NotRun", "elapsedSec": (ran.get(i) or {}).get(
            "elapsedSec"), "startTime": execution.get("startTime")}
            for i, execution in enumerate(trend.get("executions") or [])]
        return trend_html(points, name)

    def select_step(self, name: str) -> None:
        node = next(
            (
                n
                for n in ((self.lineage or {}).get("graph") or {}).get("nodes") or []
                if n.get("id") == name and n.get("type") != "Dataset"
            ),
            None,
        )
        if node is None:
            self._show_detail_html(error_html(f"There is no step {name!r} in this pipeline."))
            return
        self.error = ""
        self.selected = name
        for viewer in (self.dag, self.both_dag):
            if viewer is not None and viewer.selected != name and viewer.node(name) is not None:
                viewer.select(name, notify=False)
        self._show_detail_html(step_html(node, self._trend(name)))
        self.detail.children[0].add_class(f"sml-status-{status_of(node)}")

    def select_artifact(self, uri: str) -> None:
        """Show a dataset: S3 metadata, producers and consumers, then its schema and its saved versions (save a
        version, diff two)."""
        artifact = next((a for a in self._artifact_list() if a.get("uri") == uri), None)
        if artifact is None:
            artifact = {"uri": uri, "kind": "s3" if uri.startswith("s3://") else "other"}
        self.selected = uri
        for buttons in self._dataset_buttons.values():
            for button in buttons:
                button.remove_class("sml-current")
        for button in self._dataset_buttons.get(uri, []):
            button.add_class("sml-current")
        if self.both_dag is not None and self.both_dag.node(uri) is not None and self.both_dag.selected != uri:
            self.both_dag.select(uri, notify=False)
        head = widgets.HTML(artifact_html(artifact))
        self._show_detail_html("")
        self.detail.children = [head]
        if not (uri.startswith("s3://") and artifact.get("resolved", True)) or uri.endswith(NOT_DATA):
            self.detail.children = [head, widgets.HTML(note_html("No schema to sample for this dataset."))]
            self.refresh_picture()
            return
        region = str(self.region.value)
        with self._busy(
            f"Sampling the schema of {uri}\u2026",
            lambda html: setattr(self.detail, "children", [head, widgets.HTML(html)]),
        ):
            bucket, prefix = split_s3(uri)
            schema = self.client.dataset_schema(bucket, prefix, region)
            versions = self.client.schema_versions(bucket, prefix, region)
            self.schema_viewer = SchemaViewer(schema, versions, client=self.client, dataset=(bucket, prefix, region))
            self.detail.children = [head, widgets.HTML("<b>Schema</b>"), self.schema_viewer]

    # --- the picture a saved notebook keeps --------------------------------------------------------
    def picture(self) -> str:
        """Static HTML of what is on screen: the pipeline and run, the DAG, the selected step or dataset, or
        the comparison."""
        region = esc(self.region.value or "")
        if self.lineage is None:
            return f'<div class="sml-picture-body"><b>SageMaker lineage</b> \u00b7 {region}</div>'
        parts = [f'<div class="sml-picture-body"><b>SageMaker lineage</b> \u00b7 {region}']
        if self.tabs.selected_index == COMPARE_TAB and self.comparison is not None:
            parts.append(self.comparison.picture())
        else:
            run = self.runs.selected
            if run:
                parts.append(run_html(run))
            parts.append(lineage_html(self.lineage if self.tabs.selected_index == BOTH_TAB
                                      else pipeline_view(self.lineage)))
            node = next((n for n in (self.lineage.get("graph") or {}).get("nodes") or []
                         if n.get("id") == self.selected and n.get("type") != "Dataset"), None)
            if node is not None:
                parts.append(step_html(node))
        parts.append("</div>")
        return "".join(parts)

    def refresh_picture(self) -> None:
        """Redraw the picture left in the notebook (only once the explorer has been displayed)."""
        if self._shown:
            live.update(self, self.picture())

    def _ipython_display_(self) -> None:
        self._shown = True
        live.show(self, self.picture())

    def close(self) -> None:
        self._close_views()
        super().close()
