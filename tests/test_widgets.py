"""The viewers and the explorer on the emulator, asserted on widget state (children, values, graph elements)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

from jupyter_sm_lineage.core.errors import InvalidRequest
from jupyter_sm_lineage.widgets import (
    DagViewer,
    Explorer,
    FeatureGroupViewer,
    InKernelClient,
    LineageResult,
    SchemaViewer,
    connect,
)
from jupyter_sm_lineage.widgets.client import HttpClient, split_s3
from jupyter_sm_lineage.widgets.dag import DAGRE_LIMIT, cytoscape_elements
from jupyter_sm_lineage.widgets.explorer import BOTH_TAB, DATA_TAB, FEATURE_TAB, pipeline_view
from jupyter_sm_lineage.widgets.html import dag_svg, duration, lineage_html
from jupyter_sm_lineage.widgets.layered import layered_positions, layers_of

REGION = "ap-northeast-2"
VALIDATION = "s3://sm-lineage-demo-curated-123456789012/churn/validation/"


@pytest.fixture
def client(service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InKernelClient:
    monkeypatch.setenv("SM_LINEAGE_SCHEMA_STORE", str(tmp_path / "schemas.sqlite3"))
    from jupyter_sm_lineage.core.service import LineageService, Settings

    svc = LineageService(Settings.from_env(default_regions=(REGION,), max_workers=8))
    yield InKernelClient(svc)
    svc.close()


@pytest.fixture
def mlops(client: InKernelClient) -> dict[str, Any]:
    return client.lineage(REGION, "mlops-pipeline", view="both", include_latest_exec=True)


def html_of(widget: widgets.Widget) -> str:
    """All HTML text under a widget tree."""
    if isinstance(widget, widgets.HTML):
        return str(widget.value)
    return "".join(html_of(c) for c in getattr(widget, "children", ()))


# --- pure pieces ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "\u2014"), (42, "42s"), (937, "15m 37s"), (7260, "2h 01m"), (3 * 86400 + 3600, "3d 1h")],
)
def test_duration(seconds: Any, text: str) -> None:
    assert duration(seconds) == text


def test_layered_layout_puts_every_edge_downwards_and_survives_cycles() -> None:
    nodes = ["a", "b", "c", "d", "e"]
    edges = [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("d", "b"), ("a", "e")]  # d -> b closes a cycle
    layers = layers_of(nodes, edges)
    assert layers["a"] == 0 and layers["b"] == 1 and layers["c"] == 2 and layers["d"] == 3
    positions = layered_positions(nodes, edges)
    assert set(positions) == set(nodes)
    assert len({positions[n] for n in nodes}) == len(nodes)  # no two nodes on one spot
    assert all(positions[a][1] < positions[b][1] for a, b in edges if (a, b) != ("d", "b"))


def test_elements_carry_status_class_elapsed_label_and_edge_kind(mlops: dict[str, Any]) -> None:
    nodes, edges = cytoscape_elements(mlops["graph"])
    train = next(n for n in nodes if n["data"]["id"] == "Train")
    assert train["classes"] == "step status-Succeeded"
    assert "15m 37s" in train["data"]["label"]
    fail = next(n for n in nodes if n["data"]["id"] == "FailAccuracy")
    assert fail["classes"] == "step status-NotRun"
    kinds = {e["classes"] for e in edges}
    assert {"property", "condition-if", "condition-else", "input", "output"} <= kinds
    assert any(e["data"].get("label") == "else" for e in edges)
    assert sum(1 for n in nodes if n["classes"] == "dataset") == sum(
        1 for n in mlops["graph"]["nodes"] if n["type"] == "Dataset"
    )


# --- viewers ------------------------------------------------------------------------------------------


def test_dag_viewer_draws_every_node_and_edge_with_one_model_each(mlops: dict[str, Any]) -> None:
    viewer = DagViewer(mlops)
    graph = mlops["graph"]
    assert viewer.node_count == len(graph["nodes"]) and viewer.edge_count == len(graph["edges"])
    assert viewer.layout_name == "dagre" and viewer.cytoscape.cytoscape_layout["name"] == "dagre"
    ids = {n.data["id"] for n in viewer.cytoscape.graph.nodes}
    assert ids == {n["id"] for n in graph["nodes"]}
    assert any(".status-Failed" in rule["selector"] for rule in viewer.cytoscape.cytoscape_style)
    # the summary above the graph
    assert "Succeeded" in viewer.children[0].value and "35m 46s" in viewer.children[0].value


def test_dag_viewer_selection_calls_back_with_the_step(mlops: dict[str, Any]) -> None:
    viewer = DagViewer(pipeline_view(mlops))
    seen: list[str] = []
    viewer.on_select(lambda node_id, node: seen.append(f"{node_id}:{node['type']}"))
    viewer._clicked({"data": {"id": "Train"}})  # what ipycytoscape hands over on a click
    assert seen == ["Train:Training"] and viewer.selected == "Train"
    with pytest.raises(KeyError):
        viewer.select("NoSuchStep")


def test_large_graphs_get_positions_from_the_kernel() -> None:
    nodes = [{"id": f"s{i}", "type": "Processing"} for i in range(300)]
    edges = [{"from": f"s{i // 2}", "to": f"s{i}", "via": "dependsOn"} for i in range(1, 300)]
    viewer = DagViewer({"nodes": nodes, "edges": edges, "artifacts": []})
    assert len(nodes) + len(edges) > DAGRE_LIMIT
    assert viewer.layout_name == "layered" and viewer.cytoscape.cytoscape_layout["name"] == "preset"
    assert all(n.position for n in viewer.cytoscape.graph.nodes)
    assert viewer.node_count == 300 and viewer.edge_count == 299


def test_static_html_draws_the_dag_as_svg(mlops: dict[str, Any]) -> None:
    page = lineage_html(mlops)
    assert page.count("<svg") == 1 and "Train" in page and "sml-steps" in page
    assert dag_svg({"nodes": [{"id": str(i), "type": "X"} for i in range(500)], "edges": []}).startswith("<div")
    bundle = LineageResult(mlops)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "<svg" in bundle["text/html"]


def test_schema_viewer_shows_fields_versions_and_the_diff(client: InKernelClient) -> None:
    schema = client.schema_of(VALIDATION, REGION, save=True)
    fields = schema["schema"]["fields"]
    versions = {
        "versions": [
            {
                "version": 2,
                "createdAt": "2025-10-02T00:00:00Z",
                "policyHash": "p",
                "fields": {
                    **{k: v for k, v in fields.items() if k != "plan"},
                    "tenure_months": "int64",
                    "score": "double",
                },
            },
            {"version": 1, "createdAt": "2025-10-01T00:00:00Z", "policyHash": "p", "fields": fields},
        ]
    }
    viewer = SchemaViewer(schema, versions)
    assert all(name in viewer.header.value for name in fields)
    assert "sampled files" in viewer.header.value
    assert viewer.version.value == 2 and list(viewer.version.options)[1][1] == 1
    panel = viewer.version_panel.value
    assert "score" in panel and "plan" in panel and "breaking" in panel  # added, removed, verdict
    assert viewer.diff(2)["retyped"] == [
        {"field": "tenure_months", "from": "int32", "to": "int64", "change": "widening"}
    ]
    viewer.version.value = 1
    assert "first saved version" in viewer.version_panel.value
    empty = SchemaViewer(schema)
    assert empty.version_panel in empty.children and "No saved versions" in empty.version_panel.value


def test_feature_group_viewer_lists_columns_and_stores(client: InKernelClient) -> None:
    group = client.feature_group(REGION, "customers")
    viewer = FeatureGroupViewer(group)
    assert viewer.columns[:2] == ["customer_id", "event_time"]
    text = viewer.panel.value
    assert "record id" in text and "Iceberg" in text and "churn-features-pipeline" in text


# --- the explorer ---------------------------------------------------------------------------------------


def test_explorer_from_regions_to_schema(client: InKernelClient, mlops: dict[str, Any]) -> None:
    # Given: the explorer on the emulator's home region
    explorer = Explorer(client)
    assert explorer.region.value == REGION and explorer.error == ""
    names = [v for _, v in explorer.pipeline.options]
    assert "mlops-pipeline" in names and "fanout-100-pipeline" in names
    assert set(explorer.domain.options) >= {"All domains", "studio-a", "studio-b"}

    # When: a domain and a search narrow the list
    explorer.domain.value = "studio-a"
    assert {v for _, v in explorer.pipeline.options} == {"mlops-pipeline", "churn-features-pipeline"}
    explorer.search.value = "MLOPS"
    assert [v for _, v in explorer.pipeline.options] == ["mlops-pipeline"]

    # When: the pipeline is picked. Then: the Pipeline tab holds the steps-only DAG
    explorer.pipeline.value = "mlops-pipeline"
    steps = pipeline_view(mlops)["graph"]
    assert explorer.pipeline_tab.children == (explorer.dag,)
    assert explorer.dag.node_count == len(steps["nodes"]) and explorer.dag.edge_count == len(steps["edges"])
    assert explorer.progress.layout.visibility == "hidden"

    # When: a step is clicked. Then: the panel shows its ports, times, attempts, metrics, console link
    explorer.dag._clicked({"data": {"id": "Train"}})
    detail = html_of(explorer.detail)
    train = next(n for n in mlops["graph"]["nodes"] if n["id"] == "Train")
    assert all(p["uri"] in detail for p in train["inputs"] + train["outputs"])
    assert "attempts" in detail and "validation:auc" in detail and "console.aws.amazon.com" in detail

    # When: the Data tab lists the datasets and one is selected. Then: S3 metadata, schema, versions
    explorer.tabs.selected_index = DATA_TAB
    assert VALIDATION in explorer.artifacts.options
    assert "produced by" in explorer.artifact_table.value
    explorer.artifacts.value = VALIDATION
    detail = html_of(explorer.detail)
    assert "aws:kms" in detail and "Enabled" in detail and "blocked" in detail
    assert explorer.schema_viewer is not None and "customer_id" in explorer.schema_viewer.header.value

    # When: the Both tab is opened. Then: the DAG with the datasets, beside the dataset list
    explorer.tabs.selected_index = BOTH_TAB
    assert explorer.both_dag is not None and explorer.both_dag.node_count == len(mlops["graph"]["nodes"])
    assert explorer.both_tab.children == (explorer.both_dag, explorer.both_artifacts)
    explorer.both_dag._clicked({"data": {"id": VALIDATION}})  # a dataset node opens the dataset
    assert explorer.both_artifacts.value == VALIDATION

    # When: the Feature Groups tab is opened and a group picked
    explorer.tabs.selected_index = FEATURE_TAB
    browser = explorer.feature_groups
    assert browser is not None and "customers" in browser.list.options
    browser.list.value = "customers"
    assert browser.viewer is not None and "support_calls" in browser.viewer.columns


def test_explorer_closes_the_graphs_it_replaces(client: InKernelClient) -> None:
    explorer = Explorer(client)
    explorer.pipeline.value = "mlops-pipeline"
    explorer.tabs.selected_index = BOTH_TAB
    replaced = [explorer.dag, explorer.both_dag]
    models = [m for viewer in replaced if viewer is not None
              for m in (viewer, viewer.cytoscape, viewer.cytoscape.graph, *viewer.cytoscape.graph.nodes,
                        *viewer.cytoscape.graph.edges)]
    assert len(models) > 20 and all(m.comm is not None for m in models)
    explorer.pipeline.value = "nightly-etl-pipeline"
    assert explorer.dag not in replaced and explorer.dag is not None and explorer.dag.cytoscape.comm is not None
    assert [m for m in models if m.comm is not None] == []


def test_explorer_reports_errors_as_sentences(client: InKernelClient) -> None:
    explorer = Explorer(client)
    explorer.load_lineage("no-such-pipeline")
    assert "no-such-pipeline" in explorer.error and "Traceback" not in explorer.status.value
    assert "sml-error" in html_of(explorer.pipeline_tab)
    explorer.select_artifact("s3://sm-lineage-demo-curated-123456789012/does/not/exist/")
    assert "No data files" in explorer.error and "sml-error" in html_of(explorer.detail)


def test_explorer_refresh_keeps_the_selection(client: InKernelClient) -> None:
    explorer = Explorer(client, pipeline="nightly-etl-pipeline")
    first = explorer.dag
    explorer.refresh.click()
    assert explorer.pipeline.value == "nightly-etl-pipeline" and explorer.dag is not first
    failed = [n.data["id"] for n in explorer.dag.cytoscape.graph.nodes if "status-Failed" in n.classes]
    assert failed == ["Validate"]
    explorer.select_step("Validate")
    assert "Failure reason" in html_of(explorer.detail)


# --- clients ----------------------------------------------------------------------------------------


def test_connect_picks_the_client_from_arguments_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_SM_LINEAGE_URL", raising=False)
    assert isinstance(connect(), InKernelClient)
    monkeypatch.setenv("JUPYTER_SM_LINEAGE_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("JUPYTER_SM_LINEAGE_TOKEN", "t0k")
    remote = connect()
    assert isinstance(remote, HttpClient) and remote.token == "t0k"
    with pytest.raises(Exception, match="cannot reach the lineage server"):
        remote.feature_groups(REGION)
    monkeypatch.delenv("JUPYTER_SM_LINEAGE_URL")
    connect()
    with pytest.raises(InvalidRequest):
        HttpClient("ftp://x")
    assert split_s3("s3://b/p/q/") == ("b", "p/q/")
    with pytest.raises(InvalidRequest):
        split_s3("/local/path")
