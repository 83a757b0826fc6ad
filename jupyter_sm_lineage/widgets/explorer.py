"""The explorer of the seed's UI guide, inside a notebook cell.

Left: Region, Domain and Pipeline pickers with a search box and a refresh button. Centre: tabs
Pipeline | Data | Both | Feature Groups. Right: the detail of what is selected (a step, a dataset
with its schema and versions). Everything is read through a :class:`LineageClient`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets

from ..core.errors import LineageError
from .client import LineageClient, default_client
from .dag import DagViewer
from .featuregroup import FeatureGroupBrowser
from .html import artifact_html, error_html, note_html, status_of, step_html, table
from .schema import SchemaViewer

log = logging.getLogger(__name__)

ALL_DOMAINS = "All domains"
TABS = ("Pipeline", "Data", "Both", "Feature Groups")
PIPELINE_TAB, DATA_TAB, BOTH_TAB, FEATURE_TAB = range(4)
DATA_EDGES = ("input", "output")
#: The DAG canvas's width at the explorer's usual size (a 1168 px output area less the side panels).
DAG_WIDTH = 520


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


class Explorer(widgets.VBox):
    """Browse pipelines, their DAG and datasets, schemas and feature groups.

    Attributes
    ----------
    client : LineageClient
        Where the data comes from (in-kernel service or the server's routes).
    region, domain : ipywidgets.Dropdown
    search : ipywidgets.Text
        Filters the pipeline list by a case-insensitive substring.
    pipeline : ipywidgets.Select
        The pipelines of the region (and domain) matching the search.
    refresh : ipywidgets.Button
    tabs : ipywidgets.Tab
        Pipeline | Data | Both | Feature Groups.
    dag, both_dag : DagViewer or None
        The DAGs of the Pipeline and Both tabs (the Both one is built when its tab is first shown).
    artifacts : ipywidgets.Select
        The datasets of the Data tab; selecting one shows its S3 metadata and schema.
    detail : ipywidgets.VBox
        The right-hand panel.
    lineage : dict or None
        The lineage shown (view ``both``).
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
        **kwargs: Any,
    ) -> None:
        self.client = client or default_client()
        self.lineage: dict[str, Any] | None = None
        self.catalog: list[dict[str, Any]] = []
        self.error = ""
        self.dag: DagViewer | None = None
        self.both_dag: DagViewer | None = None
        self.schema_viewer: SchemaViewer | None = None
        self.feature_groups: FeatureGroupBrowser | None = None
        self._updating = False

        self.region = widgets.Dropdown(description="Region", layout=widgets.Layout(width="250px"))
        self.domain = widgets.Dropdown(
            description="Domain", options=[ALL_DOMAINS], value=ALL_DOMAINS, layout=widgets.Layout(width="250px")
        )
        self.search = widgets.Text(
            placeholder="search pipelines",
            description="Search",
            continuous_update=True,
            layout=widgets.Layout(width="250px"),
        )
        self.pipeline = widgets.Select(options=[], rows=12, layout=widgets.Layout(width="250px"))
        self.pipeline.add_class("sml-pipeline-list")
        self.refresh = widgets.Button(
            description="Refresh",
            icon="refresh",
            tooltip="read the catalog again",
            layout=widgets.Layout(width="120px"),
        )
        self.progress = widgets.IntProgress(
            value=0, min=0, max=2, bar_style="info", layout=widgets.Layout(width="240px", visibility="hidden")
        )
        self.progress.add_class("sml-progress")
        self.status = widgets.HTML()
        self.status.add_class("sml-status")
        left = widgets.VBox(
            [
                widgets.HTML("<b>SageMaker lineage</b>"),
                self.region,
                self.domain,
                self.search,
                self.pipeline,
                self.refresh,
                self.progress,
                self.status,
            ],
            layout=widgets.Layout(width="262px", flex="0 0 262px"),
        )

        self.pipeline_tab = widgets.VBox([widgets.HTML(note_html("Pick a pipeline on the left."))])
        self.artifacts = widgets.Select(options=[], rows=10, layout=widgets.Layout(width="100%"))
        self.artifacts.add_class("sml-artifact-list")
        self.artifact_table = widgets.HTML()
        self.data_tab = widgets.VBox([self.artifact_table, self.artifacts])
        self.both_artifacts = widgets.Select(options=[], rows=5, layout=widgets.Layout(width="100%"))
        self.both_tab = widgets.VBox([])
        self.feature_tab = widgets.VBox([widgets.HTML(note_html("Open this tab to list the feature groups."))])
        self.tabs = widgets.Tab(
            children=[self.pipeline_tab, self.data_tab, self.both_tab, self.feature_tab],
            titles=TABS,
            layout=widgets.Layout(flex="1 1 auto", min_width="460px"),
        )
        self.tabs.add_class("sml-tabs")

        self.detail = widgets.VBox(
            [widgets.HTML(note_html("Click a step or a dataset to see its details."))],
            layout=widgets.Layout(
                width="340px", flex="0 0 340px", overflow="auto", max_height="640px", padding="0 4px"
            ),
        )
        self.detail.add_class("sml-detail")
        super().__init__(children=[widgets.HBox([left, self.tabs, self.detail])], **kwargs)
        self.add_class("sml-explorer")

        self.region.observe(self._region_changed, "value")
        self.domain.observe(lambda _: self._filter(), "value")
        self.search.observe(lambda _: self._filter(), "value")
        self.pipeline.observe(self._pipeline_changed, "value")
        self.refresh.on_click(lambda _: self.reload())
        self.tabs.observe(self._tab_changed, "selected_index")
        self.artifacts.observe(self._artifact_changed, "value")
        self.both_artifacts.observe(self._artifact_changed, "value")

        self._initial = (region, pipeline, regions)
        if load:
            self.start()

    def start(self) -> None:
        """Load the regions, the catalog and the initial pipeline (``load=False`` defers this to the caller,
        so that an explorer already on screen shows its progress bar during the first load)."""
        region, pipeline, regions = self._initial
        self._start(region, pipeline, regions)

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

    def _start(self, region: str | None, pipeline: str | None, regions: list[str] | None) -> None:
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
                if pipeline not in [value for _, value in self.pipeline.options]:
                    raise LineageError(f"pipeline {pipeline!r} is not in {self.region.value}")
                self.pipeline.value = pipeline

    def reload(self) -> None:
        """Refresh: read the catalog again and, if a pipeline is shown, its lineage."""
        current = self.pipeline.value
        self.load_catalog()
        if current and current in [value for _, value in self.pipeline.options]:
            if self.pipeline.value == current:
                self.load_lineage(current)
            else:
                self.pipeline.value = current

    def load_catalog(self) -> None:
        region = self.region.value
        if not region:
            self.status.value = error_html("No region to read: set AWS_DEFAULT_REGION or SM_LINEAGE_REGIONS.")
            return
        with self._busy(f"Reading the pipelines of {region}\u2026", self._show_detail_html):
            answer = self.client.pipelines([region], include_latest_exec=True)
            errors = answer.get("errors") or []
            if errors:
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

    def _region_changed(self, change: Mapping[str, Any]) -> None:
        if not self._updating and change["new"]:
            self.load_catalog()

    def _pipeline_changed(self, change: Mapping[str, Any]) -> None:
        if not self._updating and change["new"]:
            self.load_lineage(str(change["new"]))

    def load_lineage(self, pipeline: str) -> None:
        region = str(self.region.value)
        with self._busy(f"Reading the lineage of {pipeline}\u2026", self._show_center_error):
            lineage = self.client.lineage(region, pipeline, view="both", include_latest_exec=True)
            self.lineage = lineage
            replaced = [viewer for viewer in (self.dag, self.both_dag) if viewer is not None]
            self.dag = DagViewer(pipeline_view(lineage), width=DAG_WIDTH)
            self.dag.on_select(self._node_selected)
            self.pipeline_tab.children = [self.dag]
            self.both_dag = None
            self.both_tab.children = []
            for viewer in replaced:  # once out of the page: a graph of 500 nodes is 1,000 models
                viewer.close()
            self._fill_artifacts()
            self._show_detail_html(note_html(f"{pipeline}: click a step or a dataset to see its details."))
            if self.tabs.selected_index == BOTH_TAB:
                self._build_both()

    def _show_center_error(self, html: str) -> None:
        self.pipeline_tab.children = [widgets.HTML(html)]

    # --- Data and Both ---------------------------------------------------------------------------
    def _artifact_list(self) -> list[dict[str, Any]]:
        return list(((self.lineage or {}).get("graph") or {}).get("artifacts") or [])

    def _fill_artifacts(self) -> None:
        artifacts = [a for a in self._artifact_list() if a.get("kind") != "code"]
        rows = [
            (
                f"<code>{a.get('uri')}</code>",
                ", ".join(a.get("producers") or []) or "\u2014",
                ", ".join(a.get("consumers") or []) or "\u2014",
            )
            for a in artifacts
        ]
        self.artifact_table.value = (
            table(
                (
                    (
                        f"<code>{_esc(a.get('uri'))}</code>",
                        _esc(", ".join(a.get("producers") or []) or "\u2014"),
                        _esc(", ".join(a.get("consumers") or []) or "\u2014"),
                    )
                    for a in artifacts
                ),
                ("dataset", "produced by", "read by"),
                raw=True,
                css_class="sml-artifact-table",
            )
            if rows
            else note_html("This pipeline reads and writes no datasets.")
        )
        options = [str(a["uri"]) for a in artifacts]
        self._updating = True
        try:
            self.artifacts.options = options
            self.artifacts.value = None
            self.both_artifacts.options = options
            self.both_artifacts.value = None
        finally:
            self._updating = False

    def _build_both(self) -> None:
        if self.lineage is None or self.both_dag is not None:
            return
        self.both_dag = DagViewer(self.lineage, show_summary=False, width=DAG_WIDTH)
        self.both_dag.on_select(self._node_selected)
        self.both_tab.children = [self.both_dag, self.both_artifacts]

    def _tab_changed(self, change: Mapping[str, Any]) -> None:
        if change["new"] == BOTH_TAB:
            self._build_both()
        elif change["new"] == FEATURE_TAB and self.feature_groups is None:
            self._load_feature_groups()

    def _load_feature_groups(self) -> None:
        region = str(self.region.value)
        with self._busy(
            f"Reading the feature groups of {region}\u2026",
            lambda html: setattr(self.feature_tab, "children", [widgets.HTML(html)]),
        ):
            groups = self.client.feature_groups(region)
            self.feature_groups = FeatureGroupBrowser(groups, lambda name: self.client.feature_group(region, name))
            self.feature_tab.children = [self.feature_groups]

    # --- selection and the detail panel ------------------------------------------------------------
    def _show_detail_html(self, html: str) -> None:
        self.detail.children = [widgets.HTML(html)]

    def _node_selected(self, node_id: str, node: Mapping[str, Any]) -> None:
        if node.get("type") == "Dataset":
            self.select_artifact(node_id)
        else:
            self.select_step(node_id)

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
        self._show_detail_html(step_html(node))
        self.detail.children[0].add_class(f"sml-status-{status_of(node)}")

    def _artifact_changed(self, change: Mapping[str, Any]) -> None:
        if not self._updating and change["new"]:
            self.select_artifact(str(change["new"]))

    def select_artifact(self, uri: str) -> None:
        """Show a dataset: S3 metadata, producers and consumers, then its schema and saved versions."""
        artifact = next((a for a in self._artifact_list() if a.get("uri") == uri), None)
        if artifact is None:
            artifact = {"uri": uri, "kind": "s3" if uri.startswith("s3://") else "other"}
        head = widgets.HTML(artifact_html(artifact))
        self.detail.children = [head]
        self.schema_viewer = None
        if not (uri.startswith("s3://") and artifact.get("resolved", True)) or uri.endswith((".tar.gz", ".py")):
            self.detail.children = [head, widgets.HTML(note_html("No schema to sample for this dataset."))]
            return
        region = str(self.region.value)
        with self._busy(
            f"Sampling the schema of {uri}\u2026",
            lambda html: setattr(self.detail, "children", [head, widgets.HTML(html)]),
        ):
            schema = self.client.schema_of(uri, region)
            versions = self.client.versions_of(uri, region)
            self.schema_viewer = SchemaViewer(schema, versions)
            self.detail.children = [head, widgets.HTML("<b>Schema</b>"), self.schema_viewer]
        self._updating = True
        try:
            for chooser in (self.artifacts, self.both_artifacts):
                if uri in chooser.options:
                    chooser.value = uri
        finally:
            self._updating = False


def _esc(value: Any) -> str:
    from .html import esc

    return esc(value)
