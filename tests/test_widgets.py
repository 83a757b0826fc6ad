"""The viewers and the explorer on the emulator, asserted on widget state (children, values, graph elements)."""

from __future__ import annotations

import ast
import subprocess
import sys
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
from jupyter_sm_lineage.widgets.html import dag_svg, duration, lineage_html, merged_edges
from jupyter_sm_lineage.widgets.layered import layered_positions, layers_of

WIDGETS = Path(__file__).resolve().parents[1] / "jupyter_sm_lineage" / "widgets"
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
    # one edge per pair of steps, of its most telling kind (Train -> Evaluate is a property and a dependsOn)
    pairs = [(e["data"]["source"], e["data"]["target"]) for e in edges]
    assert len(pairs) == len(set(pairs)) == len(merged_edges(mlops["graph"]["edges"]))
    assert "Train" in train["data"]["tooltip"] and "Succeeded" in train["data"]["tooltip"]
    assert any(e["data"].get("label") == "else" for e in edges)
    assert sum(1 for n in nodes if n["classes"] == "dataset") == sum(
        1 for n in mlops["graph"]["nodes"] if n["type"] == "Dataset"
    )


# --- viewers ------------------------------------------------------------------------------------------


def test_dag_viewer_draws_every_node_and_edge_with_one_model_each(mlops: dict[str, Any]) -> None:
    viewer = DagViewer(mlops)
    graph = mlops["graph"]
    assert viewer.node_count == len(graph["nodes"]) and viewer.edge_count == len(merged_edges(graph["edges"]))
    assert viewer.layout_name == "dagre" and viewer.cytoscape.cytoscape_layout["name"] == "dagre"
    ids = {n.data["id"] for n in viewer.cytoscape.graph.nodes}
    assert ids == {n["id"] for n in graph["nodes"]}
    assert any(".status-Failed" in rule["selector"] for rule in viewer.cytoscape.cytoscape_style)
    # the summary above the graph: the overall status once (the step counts are words, not more chips)
    head = viewer.head.value
    assert "35m 46s" in head and head.count('class="sml-chip"') == 1 and "succeeded" in head


def test_dag_viewer_selection_calls_back_with_the_step(mlops: dict[str, Any]) -> None:
    viewer = DagViewer(pipeline_view(mlops))
    seen: list[str] = []
    viewer.on_select(lambda node_id, node: seen.append(f"{node_id}:{node['type']}"))
    viewer._clicked({"data": {"id": "Train"}})  # what ipycytoscape hands over on a click
    assert seen == ["Train:Training"] and viewer.selected == "Train"
    drawn = {n.data["id"]: n.classes for n in viewer.cytoscape.graph.nodes}
    assert "sml-selected" in drawn["Train"].split()  # drawn selected on the page too
    viewer.select("Evaluate", notify=False)
    drawn = {n.data["id"]: n.classes for n in viewer.cytoscape.graph.nodes}
    assert "sml-selected" in drawn["Evaluate"].split() and "sml-selected" not in drawn["Train"].split()
    assert seen == ["Train:Training"]
    with pytest.raises(KeyError):
        viewer.select("NoSuchStep")
    # hovering a step (ipycytoscape's mouseover event) tells its status and elapsed time under the graph
    viewer._hovered({"data": {"id": "Train"}})
    assert "Train" in viewer.hover.value and "Succeeded" in viewer.hover.value and "15m 37s" in viewer.hover.value


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


def test_static_html_imports_no_widget_library() -> None:
    # Given: a Python where ipywidgets and ipycytoscape cannot be imported
    code = (
        "import sys; sys.modules['ipywidgets'] = None; sys.modules['ipycytoscape'] = None\n"
        "from jupyter_sm_lineage.widgets.results import LineageResult\n"
        "from jupyter_sm_lineage.widgets import html\n"
        "r = LineageResult({'pipeline': {'name': 'p'}, 'summary': {}, 'graph': {'nodes': [{'id': 'A', 'type': 'X'}],"
        " 'edges': [], 'artifacts': []}})\n"
        "print('<svg' in r._repr_html_())\n"
    )
    # When / Then: the static rendering still works
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_no_import_cycles_in_widgets() -> None:
    # every import between the modules of widgets/, the lazy ones inside functions included
    modules = {p.stem: p for p in WIDGETS.glob("*.py") if p.stem != "__init__"}
    imports: dict[str, set[str]] = {}
    top_level: dict[str, set[str]] = {}

    def siblings(nodes: Any) -> set[str]:
        found = set()
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
        return found & set(modules)

    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        imports[name] = siblings(ast.walk(tree))
        top_level[name] = siblings(tree.body)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in imports[start])

    assert [m for m in modules if reaches(m, m, set())] == []
    # the static rendering loads no viewer: html needs only the layout, results only html at import
    assert imports["html"] <= {"layered"} and top_level["results"] <= {"html"}


def live_models() -> int:
    from ipywidgets.widgets.widget import _instances

    return len(_instances)


def test_a_result_displayed_ten_times_builds_one_viewer(mlops: dict[str, Any]) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display

    InteractiveShell.instance()
    result = LineageResult(mlops)
    display(result)
    after_one = live_models()
    viewer = result.widget()
    for _ in range(9):
        display(result)
    assert live_models() == after_one and result.widget() is viewer
    # a changed answer gets a new viewer; the replaced one is closed with its models
    result["summary"] = {**result["summary"], "note": "changed"}
    replacement = result.widget()
    assert replacement is not viewer and viewer.comm is None and viewer.cytoscape.graph.nodes[0].comm is None
    result.close()
    assert replacement.comm is None


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
    assert "pick two different versions" in viewer.version_panel.value
    empty = SchemaViewer(schema)
    assert empty.version_panel in empty.children and "No saved versions" in empty.version_panel.value


def test_schema_viewer_saves_a_version_with_its_policy_and_diffs_through_the_service(
    client: InKernelClient, tmp_path: Path
) -> None:
    # Given: a dataset of our own with no saved version, in the viewer with a client
    import io

    import boto3
    import pyarrow as pa
    import pyarrow.parquet as pq

    bucket, prefix = "sm-lineage-demo-curated-123456789012", f"tests/viewer-{tmp_path.name}/"
    s3 = boto3.client("s3", region_name=REGION)

    def publish(table: Any, key: str) -> None:
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        s3.put_object(Bucket=bucket, Key=prefix + key, Body=buffer.getvalue())

    publish(pa.table({"id": pa.array([1], pa.int32()), "plan": ["a"]}), "part-0.parquet")
    viewer = SchemaViewer(client.dataset_schema(bucket, prefix, REGION), client.schema_versions(bucket, prefix, REGION),
                          client=client, dataset=(bucket, prefix, REGION))
    assert viewer.save_row in viewer.children and "No saved versions" in viewer.version_panel.value

    # When: saved with a policy, the data changed (a type widened, a column added), saved again
    viewer.policy.value = '{"owner": "ml"}'
    viewer.save.click()
    assert "Saved as version 1" in viewer.message.value
    s3.delete_object(Bucket=bucket, Key=prefix + "part-0.parquet")
    publish(pa.table({"id": pa.array([1], pa.int64()), "plan": ["a"], "score": [0.5]}), "part-1.parquet")
    viewer.save.click()

    # Then: both versions to pick from, the newest against the one before, the service's compatibility class
    assert [v for _, v in viewer.version.options] == [2, 1] and (viewer.base.value, viewer.version.value) == (1, 2)
    panel = viewer.version_panel.value
    assert "score" in panel and "int32" in panel and "int64" in panel
    assert client.schema_diff(bucket, prefix, REGION, 1, 2)["compatibility"] in panel
    assert client.schema_versions(bucket, prefix, REGION)["versions"][-1]["policy"] == {"owner": "ml"}
    viewer.policy.value = "not json"
    viewer.save.click()
    assert "must be a JSON object" in viewer.message.value


def test_feature_group_viewer_lists_columns_and_stores(client: InKernelClient) -> None:
    group = client.feature_group(REGION, "customers")
    viewer = FeatureGroupViewer(group)
    assert viewer.columns[:2] == ["customer_id", "event_time"]
    text = viewer.panel.value
    assert "record id" in text and "Iceberg" in text and "churn-features-pipeline" in text


# --- the explorer ---------------------------------------------------------------------------------------


def dataset_button(explorer: Explorer, uri: str) -> widgets.Button:
    return explorer._dataset_buttons[uri][0]


def runs_of(client: InKernelClient, pipeline: str) -> list[dict[str, Any]]:
    return client.executions(REGION, pipeline, limit=100)["executions"]


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

    # When: the pipeline is picked. Then: the Pipeline tab holds the steps-only DAG of the newest run
    explorer.pipeline.value = "mlops-pipeline"
    steps = pipeline_view(mlops)["graph"]
    assert explorer.pipeline_tab.children == (explorer.dag,)
    assert explorer.dag.node_count == len(steps["nodes"])
    assert explorer.dag.edge_count == len(merged_edges(steps["edges"]))
    assert explorer.runs.run.value == runs_of(client, "mlops-pipeline")[0]["arn"] == mlops["execution"]["arn"]
    assert explorer.progress.layout.visibility == "hidden"

    # When: a step is clicked. Then: the panel shows its ports, times, attempts, metrics, console link, trend
    explorer.dag._clicked({"data": {"id": "Train"}})
    detail = html_of(explorer.detail)
    train = next(n for n in mlops["graph"]["nodes"] if n["id"] == "Train")
    assert all(p["uri"] in detail for p in train["inputs"] + train["outputs"])
    assert "attempts" in detail and "validation:auc" in detail and "console.aws.amazon.com" in detail
    assert detail.index("validation:auc") < detail.index("Inputs")  # metrics before the long port lists
    assert 'class="sml-trend"' in detail and detail.count('class="sml-trend-bar"') >= 2

    # When: the Data tab's table is clicked on a dataset. Then: S3 metadata, schema, saved versions
    explorer.tabs.selected_index = DATA_TAB
    assert VALIDATION in explorer._dataset_buttons
    dataset_button(explorer, VALIDATION).click()
    detail = html_of(explorer.detail)
    assert "aws:kms" in detail and "Enabled" in detail and "blocked" in detail
    assert explorer.schema_viewer is not None and "customer_id" in explorer.schema_viewer.header.value
    assert all("sml-current" in b._dom_classes for b in explorer._dataset_buttons[VALIDATION])

    # When: the Both tab is opened. Then: the DAG with the datasets beside the dataset list, fitted
    explorer.tabs.selected_index = BOTH_TAB
    assert explorer.both_dag is not None and explorer.both_dag.node_count == len(mlops["graph"]["nodes"])
    assert explorer.both_tab.children[0] is explorer.both_dag
    assert explorer.both_table in explorer.both_tab.children[1].children
    assert explorer.both_dag.cytoscape.cytoscape_layout["fit"] is True
    assert "zoom" not in explorer.both_dag.cytoscape.cytoscape_layout
    explorer.both_dag._clicked({"data": {"id": VALIDATION}})  # a dataset node opens the dataset
    assert explorer.selected == VALIDATION and "customer_id" in explorer.schema_viewer.header.value

    # When: the Feature Groups tab is opened and a group picked
    explorer.tabs.selected_index = FEATURE_TAB
    browser = explorer.feature_groups
    assert browser is not None and "customers" in browser.list.options
    browser.list.value = "customers"
    assert browser.viewer is not None and "support_calls" in browser.viewer.columns


def test_every_change_of_region_domain_or_search_leaves_a_consistent_screen(client: InKernelClient) -> None:
    # Given: a pipeline shown
    explorer = Explorer(client, regions=[REGION, "us-east-1"], pipeline="mlops-pipeline")
    assert explorer.lineage is not None and explorer.dag is not None

    # When: the region changes. Then: nothing of the previous region stays; the list is the new region's
    explorer.region.value = "us-east-1"
    assert explorer.lineage is None and explorer.dag is None and explorer.pipeline.value is None
    assert "us-east-1" in html_of(explorer.pipeline_tab) and "mlops-pipeline" not in html_of(explorer.detail)
    assert explorer.runs.run.options == () and explorer.runs.executions == []
    us_east = client.pipelines(["us-east-1"])["regions"][0]["pipelines"]
    assert {v for _, v in explorer.pipeline.options} == {p["name"] for p in us_east}

    # When: back, and a pipeline picked again. Then: it loads (the pick is a change again)
    explorer.region.value = REGION
    explorer.pipeline.value = "mlops-pipeline"
    assert explorer.dag is not None and explorer.lineage["pipeline"]["name"] == "mlops-pipeline"

    # When: a domain filter hides the shown pipeline. Then: its graph goes too, and the screen says why
    explorer.domain.value = "studio-b"
    assert explorer.lineage is None and explorer.dag is None
    assert "not in the list" in html_of(explorer.pipeline_tab)

    # When: a search matches nothing. Then: the list says so
    explorer.domain.value = "All domains"
    explorer.search.value = "no-such-thing"
    assert explorer.pipeline.options == () and "matches" in explorer.list_note.value
    explorer.search.value = ""
    assert explorer.list_note.value == "" and explorer.pipeline.options


def test_the_run_picker_shows_every_run_and_a_failed_one_opens_on_its_failure(client: InKernelClient) -> None:
    runs = runs_of(client, "mlops-pipeline")
    failed = next(e for e in runs if e["status"] == "Failed")
    explorer = Explorer(client, pipeline="mlops-pipeline")

    # Then: the runs newest first, each with its status, start, duration and name
    labels = [label for label, _ in explorer.runs.run.options]
    assert [arn for _, arn in explorer.runs.run.options] == [e["arn"] for e in runs][: len(labels)]
    assert failed["status"] in labels[[e["arn"] for e in runs].index(failed["arn"])]
    assert all(e["displayName"] in label and duration(e["elapsedSec"]) in label
               for e, label in zip(runs, labels, strict=False))

    # When: the failed run is chosen
    explorer.runs.run.value = failed["arn"]

    # Then: that run everywhere: the DAG's statuses, the failed step selected, its failure reason in full
    lineage = client.lineage(REGION, "mlops-pipeline", execution_arn=failed["arn"])
    step = next(n for n in lineage["graph"]["nodes"] if (n.get("run") or {}).get("status") == "Failed")
    assert explorer.lineage["execution"]["arn"] == failed["arn"]
    assert explorer.dag.selected == step["id"] == explorer.selected
    drawn = {n.data["id"]: n.classes for n in explorer.dag.cytoscape.graph.nodes}
    assert "status-Failed" in drawn[step["id"]] and "sml-selected" in drawn[step["id"]]
    assert step["run"]["failureReason"] in html_of(explorer.detail)
    assert failed["failureReason"] in explorer.runs.info.value
    # and the Data tab lists that run's datasets
    uris = {a["uri"] for a in lineage["graph"]["artifacts"] if a.get("kind") != "code"}
    assert set(explorer._dataset_buttons) == uris

    # When: the explorer is opened on that run by ARN (as %lineage PIPELINE --execution ARN --explore does)
    again = Explorer(client, pipeline="mlops-pipeline", execution=failed["arn"])
    assert again.runs.run.value == failed["arn"] and again.lineage["execution"]["arn"] == failed["arn"]
    assert again.dag.selected == step["id"]


def test_the_run_picker_pages_older_runs(client: InKernelClient) -> None:
    runs = runs_of(client, "mlops-pipeline")
    assert len(runs) >= 3
    explorer = Explorer(client, pipeline="mlops-pipeline")
    picker = explorer.runs
    picker.load(lambda token: client.executions(REGION, "mlops-pipeline", limit=2, next_token=token))
    assert len(picker.run.options) == 2 and not picker.more.disabled
    while not picker.more.disabled:
        picker.more.click()
    assert [arn for _, arn in picker.run.options] == [e["arn"] for e in runs]
    assert picker.run.value == runs[0]["arn"]  # the selection stayed on the newest


def test_compare_from_the_run_picker(client: InKernelClient) -> None:
    if not hasattr(client, "compare") and not hasattr(getattr(client, "service", None), "compare"):
        pytest.skip("LineageService.compare is not there yet")
    runs = runs_of(client, "mlops-pipeline")
    explorer = Explorer(client, pipeline="mlops-pipeline")
    head = explorer.runs.run.value
    base = explorer.runs.base.value
    # the default base: the last run that succeeded before the one shown
    older = runs[[e["arn"] for e in runs].index(head) + 1 :]
    assert base == next(e["arn"] for e in older if e["status"] == "Succeeded")
    failed = next(e["arn"] for e in runs if e["status"] == "Failed")
    explorer.runs.run.value = failed
    explorer.runs.compare.click()
    assert explorer.error == "" and explorer.tabs.selected_index == 3
    result = explorer.comparison.result
    assert result["head"]["arn"] == failed
    drawn = {n.data["id"]: n.classes.split() for n in explorer.comparison.dag.cytoscape.graph.nodes}
    for step in result["steps"]:
        assert f"change-{step['change']}" in drawn[step["name"]]
    flips = [s["name"] for s in result["steps"] if s["base"] and s["head"]
             and s["base"].get("status") != s["head"].get("status")]
    assert flips and all("flip" in drawn[name] for name in flips)
    detail = html_of(explorer.detail)
    assert "Parameters" in detail and "Metrics" in detail and "Datasets" in detail


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
    explorer.load_lineage("mlops-pipelin")
    assert "There is no pipeline 'mlops-pipelin'" in explorer.error and "'mlops-pipeline'" in explorer.error
    assert "Traceback" not in explorer.status.value and "sml-error" in html_of(explorer.pipeline_tab)
    explorer.select_artifact("s3://sm-lineage-demo-curated-123456789012/does/not/exist/")
    assert "No data files" in explorer.error and "sml-error" in html_of(explorer.detail)


def test_explorer_refresh_keeps_the_selection(client: InKernelClient) -> None:
    explorer = Explorer(client, pipeline="nightly-etl-pipeline")
    first = explorer.dag
    run = explorer.runs.run.value
    explorer.refresh.click()
    assert explorer.pipeline.value == "nightly-etl-pipeline" and explorer.dag is not first
    assert explorer.runs.run.value == run
    failed = [n.data["id"] for n in explorer.dag.cytoscape.graph.nodes if "status-Failed" in n.classes]
    assert failed == ["Validate"] and explorer.selected == "Validate"  # a failed run opens on its failed step
    assert "Failure reason" in html_of(explorer.detail)


def test_the_explorer_leaves_a_picture_of_its_last_view(client: InKernelClient) -> None:
    from jupyter_sm_lineage.widgets.html import picture_html

    explorer = Explorer(client, pipeline="nightly-etl-pipeline")
    picture = explorer.picture()
    assert "nightly-etl-pipeline" in picture and "<svg" in picture and 'data-step="Validate"' in picture
    assert "Failure reason" in picture  # the selected step's panel
    wrapped = picture_html(explorer.model_id, picture)
    assert f"sml-picture-{explorer.model_id}" in wrapped
    assert f"sml-live-{explorer.model_id}" in explorer.head.value  # hides the picture while live


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
