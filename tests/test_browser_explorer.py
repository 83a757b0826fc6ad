"""The quickstart notebook in JupyterLab 4 and Notebook 7 with headless Chromium.

In JupyterLab at 1366x768 with the file browser open: the explorer fits its output area, draws readably,
clicks and switches tabs; a region switch with a pipeline shown leaves no trace of it; the failed run opens
from the run picker with its failure reason whole; a schema version is saved and diffed; the saved notebook
reopened with its kernel stopped shows the explorer's picture, not a widget error. Notebook 7 runs it too.

Needs Debian's chromium (``apt-get install -y chromium``) and the playwright Python package; skipped
without them. ``SM_LINEAGE_UPDATE_SCREENSHOT=1`` also writes docs/screenshot-explorer.png (a failed run)
and docs/screenshot-compare.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from . import browser_support as bs

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_quickstart_explorer.ipynb"
REGION = "ap-northeast-2"
PIPELINE = "mlops-pipeline"
VALIDATION = "s3://sm-lineage-demo-curated-123456789012/churn/validation/"
EXPLORER = ".sml-explorer"
FANOUT = "fanout-100-pipeline"  # 100 steps, 98 of them side by side: no fit of it reads
#: The smallest label size on screen (px) a step's name, type and status may have when a graph opens.
READABLE_PX = 10
#: Notebook 7.6 raises this in the page on a notebook with no widget at all (seen on an empty one, same set-up).
NOTEBOOK7_OWN_ERRORS = ("Cannot read properties of undefined (reading 'schema')",)
#: A laptop screen: JupyterLab with its file browser open leaves the notebook about 1,000 px.
LAPTOP = (1366, 768)

# `make test` installs Debian's chromium and playwright: in CI (CI set) a missing browser fails the run.
_MISSING = "Chromium is not installed (make test installs it: apt-get install -y chromium)"
if bs.chromium_path() is None and os.environ.get("CI"):
    raise RuntimeError(_MISSING)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(240),
    pytest.mark.skipif(bs.chromium_path() is None, reason=_MISSING),
]
if os.environ.get("CI"):
    import playwright.sync_api  # fails the run rather than skipping it
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the package only)")


@pytest.fixture(scope="module")
def expected(emulator: Any) -> dict[str, Any]:
    """What the page must show, from the service itself (same emulator, same contract)."""
    from jupyter_sm_lineage.core.service import LineageService, Settings
    from jupyter_sm_lineage.widgets.explorer import pipeline_view
    from jupyter_sm_lineage.widgets.html import merged_edges

    svc = LineageService(Settings.from_env(default_regions=(REGION,)))
    try:
        lineage = svc.lineage(REGION, PIPELINE, view="both", include_latest_exec=True)
        fanout = pipeline_view(svc.lineage(REGION, FANOUT, view="both", include_latest_exec=True))["graph"]
        schema = svc.dataset_schema("sm-lineage-demo-curated-123456789012", "churn/validation/", REGION)
        group = svc.feature_group(REGION, "customers")
        runs = svc.executions(REGION, PIPELINE)["executions"]
        failed = next(e for e in runs if e["status"] == "Failed")
        failed_lineage = svc.lineage(REGION, PIPELINE, view="both", execution_arn=failed["arn"])
        has_compare = hasattr(svc, "compare")
    finally:
        svc.close()
    steps = pipeline_view(lineage)["graph"]
    train = next(n for n in lineage["graph"]["nodes"] if n["id"] == "Train")
    failed_step = next(n for n in failed_lineage["graph"]["nodes"] if (n.get("run") or {}).get("status") == "Failed")
    return {
        "pipeline_nodes": len(steps["nodes"]),
        "pipeline_edges": len(merged_edges(steps["edges"])),
        "both_nodes": len(lineage["graph"]["nodes"]),
        "both_edges": len(merged_edges(lineage["graph"]["edges"])),
        "failed_run": failed["displayName"],
        "failed_step": failed_step["id"],
        "failure_reason": failed_step["run"]["failureReason"],
        "has_compare": has_compare,
        "train_uris": [p["uri"] for p in train["inputs"] + train["outputs"]],
        "fields": list(schema["schema"]["fields"]),
        "features": [f["name"] for f in group["features"]],
        "fanout_nodes": len(fanout["nodes"]),
        "fanout_edges": len(merged_edges(fanout["edges"])),
    }


def tab(page: Any, name: str) -> None:
    page.locator(f"{EXPLORER} .lm-TabBar-tab", has_text=name).first.click()


def pick(page: Any, selector: str, text: str) -> None:
    """Choose the option of a <select> whose label contains ``text``."""
    select = page.locator(selector).first
    # (a busy machine: the kernel may fill the options late)
    label = select.locator("option", has_text=text).first.inner_text(timeout=60_000)
    select.select_option(label=label)


def readme_screenshot(page: Any, path: Path) -> None:
    """The explorer whole (taller than a laptop screen): taken in a taller window, then the window restored."""
    page.set_viewport_size({"width": LAPTOP[0], "height": 1100})
    page.locator(EXPLORER).scroll_into_view_if_needed()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.locator(EXPLORER).screenshot(path=str(path))
    page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["right"] <= outer["right"] + slack
            and inner["y"] >= outer["y"] - slack and inner["bottom"] <= outer["bottom"] + slack)


def test_quickstart_explorer_in_jupyterlab(emulator: Any, expected: dict[str, Any], tmp_path: Path) -> None:
    # Given: JupyterLab on a copy of notebooks/, its kernels pointed at the emulator, on a laptop screen
    root = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", root)
    env = {"SM_LINEAGE_SCHEMA_STORE": str(tmp_path / "schemas.sqlite3"),
           "SM_LINEAGE_REGIONS": f"{REGION},us-east-1"}
    with (bs.jupyter_server(root, env=env) as server, bs.chromium_page(*LAPTOP) as page,
          bs.diagnostics(page, server, tmp_path)):
        # When: the quickstart runs with the file browser open
        bs.open_notebook(page, server, NOTEBOOK)
        if not page.locator("#filebrowser").is_visible():
            page.locator(".jp-SideBar [data-id='filebrowser']").first.click()
        page.locator("#filebrowser").wait_for(state="visible", timeout=15_000)
        bs.run_all(page)

        # Then: the explorer's Pipeline tab holds the DAG of the newest run, drawn; its picture is hidden
        nodes, edges = expected["pipeline_nodes"], expected["pipeline_edges"]
        page.wait_for_function(bs.CY_FIND, arg=[EXPLORER, nodes, edges], timeout=60_000)
        assert bs.canvas_has_pixels(page, EXPLORER)
        train = bs.cy_node(page, EXPLORER, nodes, edges, "Train")
        assert "status-Succeeded" in train["classes"] and "15m 37s" in train["label"]
        assert not page.locator(".sml-picture").first.is_visible()
        view = bs.cy_view(page, EXPLORER, nodes, edges)
        assert view["renderedLabelPx"] >= READABLE_PX, view

        # And: the explorer fits its output area beside the file browser: nothing overflows to the right, the
        # DAG and the detail panel side by side, both of a usable width
        page.locator(EXPLORER).scroll_into_view_if_needed()
        output = bs.box_of(page, f".jp-OutputArea-output:has({EXPLORER})")
        explorer = bs.box_of(page, EXPLORER)
        canvas = bs.box_of(page, f"{EXPLORER} .sml-dag-viewer .custom-widget")
        detail = bs.box_of(page, f"{EXPLORER} .sml-detail")
        browser = bs.box_of(page, "#filebrowser")
        assert browser["width"] > 150 and output["x"] >= browser["right"], (browser, output)
        assert explorer["right"] <= output["right"] + 1 and explorer["scrollWidth"] <= explorer["clientWidth"] + 1
        assert detail["right"] <= LAPTOP[0] and detail["width"] >= 240, detail
        assert canvas["width"] >= 300 and canvas["right"] <= detail["x"], (canvas, detail)

        # When: the Train step is clicked. Then: its panel, with the metrics in sight without scrolling
        x, y = bs.node_screen_position(page, EXPLORER, nodes, edges, "Train")
        page.mouse.click(x, y)
        panel = page.locator(f"{EXPLORER} .sml-detail")
        panel.locator(".sml-step[data-step='Train']").wait_for(timeout=30_000)
        text = panel.inner_text()
        assert all(uri in text for uri in expected["train_uris"]) and "validation:auc" in text
        metrics = bs.box_of(page, f"{EXPLORER} .sml-detail .sml-metrics")
        detail = bs.box_of(page, f"{EXPLORER} .sml-detail")
        assert metrics["bottom"] <= detail["bottom"] and metrics["bottom"] <= LAPTOP[1], (metrics, detail)
        train = bs.cy_node(page, EXPLORER, nodes, edges, "Train")
        assert train["selected"] and train["border"] == "rgb(255,152,0)", train
        # hovering a step tells its status and elapsed time under the graph
        page.mouse.move(x, y + 1)
        page.locator(f"{EXPLORER} .sml-hover-line[data-node='Train']").wait_for(timeout=15_000)
        assert "Succeeded" in page.locator(f"{EXPLORER} .sml-hover-line").first.inner_text()

        # When: the Data tab's table is clicked on the validation dataset, and its schema saved twice with two
        # policies. Then: two versions, diffed with a compatibility class
        tab(page, "Data")
        page.locator(f"{EXPLORER} .sml-dataset-button", has_text=VALIDATION).first.click()
        fields = panel.locator(".sml-fields")
        fields.wait_for(timeout=30_000)
        assert all(name in fields.inner_text() for name in expected["fields"])
        for number, owner in ((1, "ml"), (2, "data")):
            policy = panel.locator(".sml-policy input")
            policy.fill(f'{{"owner": "{owner}"}}')
            panel.locator(".sml-save-version").click()
            page.wait_for_function(
                "([n]) => (document.querySelector('.sml-explorer .sml-schema-message') || {}).innerText"
                "?.includes('Saved as version ' + n)", arg=[number], timeout=30_000)
        diff = panel.locator(".sml-diff-box")
        diff.wait_for(timeout=15_000)
        assert "version 1 \u2192 2" in diff.inner_text() and "the policy changed" in diff.inner_text()
        assert diff.locator("b").first.inner_text().strip()  # the compatibility class

        # When: the Both tab is opened. Then: the DAG with datasets beside the dataset list, fitted whole
        tab(page, "Both")
        both = [EXPLORER, expected["both_nodes"], expected["both_edges"]]
        page.wait_for_function(bs.CY_FIND, arg=both, timeout=30_000)
        view = bs.cy_view(page, *both)
        assert view["outside"] == [], view
        dag, listing = bs.box_of(page, f"{EXPLORER} .sml-both-list"), view
        assert bs.box_of(page, f"{EXPLORER} .sml-both-list")["x"] > 0 and listing["width"] > 0 and dag["width"] > 0

        # When: the region changes with the pipeline shown. Then: nothing of it stays on screen
        tab(page, "Pipeline")
        pick(page, f"{EXPLORER} .widget-dropdown:has(label:text-is('Region')) select", "us-east-1")
        page.locator(f"{EXPLORER} .sml-note", has_text="Pick a pipeline of us-east-1").first.wait_for(timeout=30_000)
        # (the page applies the kernel's updates in order: wait for the last of them, then look at everything)
        page.wait_for_function(
            """([run, pipeline]) => { const e = document.querySelector('.sml-explorer');
                                      const detail = e.querySelector('.sml-detail').innerText;
                                      return !e.innerText.includes(run) && !e.querySelector('.sml-schema-viewer')
                                             && !detail.includes(pipeline) && detail.includes('us-east-1'); }""",
            arg=[expected["failed_run"], PIPELINE], timeout=30_000)
        assert page.evaluate(bs.CY_FIND, [EXPLORER, nodes, edges]) is None
        assert PIPELINE not in panel.inner_text() and "us-east-1" in panel.inner_text(), panel.inner_text()
        # and picking the pipeline again in the first region shows it again
        pick(page, f"{EXPLORER} .widget-dropdown:has(label:text-is('Region')) select", REGION)
        # (us-east-1 has an mlops-pipeline too: wait for the list of the first region before picking from it)
        page.locator(f"{EXPLORER} .sml-pipeline-list option", has_text=FANOUT).first.wait_for(state="attached")
        pick(page, f"{EXPLORER} .sml-pipeline-list select", PIPELINE)
        page.wait_for_function(bs.CY_FIND, arg=[EXPLORER, nodes, edges], timeout=60_000)

        # When: the failed run is chosen in the run picker. Then: its failed step is selected, the reason whole
        pick(page, f"{EXPLORER} .sml-run-picker select", expected["failed_run"])
        step = panel.locator(f".sml-step[data-step='{expected['failed_step']}']")
        step.wait_for(timeout=60_000)
        reason = panel.locator(".sml-failure").first
        assert expected["failure_reason"] in reason.inner_text()
        box = bs.box_of(page, f"{EXPLORER} .sml-detail .sml-failure")
        assert box["scrollWidth"] <= box["clientWidth"] + 1 and inside(box, bs.box_of(page, f"{EXPLORER} .sml-detail"))
        drawn = bs.cy_node(page, EXPLORER, nodes, edges, expected["failed_step"])
        assert "status-Failed" in drawn["classes"] and "sml-selected" in drawn["classes"], drawn
        if os.environ.get("SM_LINEAGE_UPDATE_SCREENSHOT"):
            readme_screenshot(page, REPO / "docs" / "screenshot-explorer.png")
        page.locator(EXPLORER).screenshot(path=str(tmp_path / "explorer-failed.png"))

        # When: it is compared with the last good run. Then: the DAG coloured by change, the differences listed
        if expected["has_compare"]:
            page.locator(f"{EXPLORER} .sml-compare-button").click()
            page.locator(f"{EXPLORER} .sml-compare-dag .custom-widget").wait_for(timeout=60_000)
            page.wait_for_function(
                """() => { const el = document.querySelector('.sml-explorer .sml-compare-dag .custom-widget');
                           const cy = el && el._cyreg && el._cyreg.cy;
                           return cy && cy.nodes('.change-changed, .change-added, .change-removed').length > 0; }""",
                timeout=30_000)
            assert "Parameters" in panel.inner_text() and "Metrics" in panel.inner_text()
            if os.environ.get("SM_LINEAGE_UPDATE_SCREENSHOT"):
                readme_screenshot(page, REPO / "docs" / "screenshot-compare.png")
            tab(page, "Pipeline")

        # And: no widget failed to render, no page error
        assert bs.widget_failures(page) == []
        assert page.page_errors == []
        assert bs.unexpected_console_errors(page) == []

        # When: the notebook is saved, its kernel stopped, and the notebook opened again
        bs.save_notebook(page, server, NOTEBOOK)
        bs.stop_kernels(server)
        page.goto(server.page_url(NOTEBOOK))
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)

        # Then: a picture of the last view (the failed run, its failed step), never a widget error
        picture = page.locator(".sml-picture").first
        picture.wait_for(state="visible", timeout=60_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.jp-OutputArea-output').length > 0"
            " && !document.body.innerText.includes('Error displaying widget')", timeout=30_000)
        assert expected["failure_reason"] in picture.inner_text()
        assert picture.locator("svg.sml-dag").count() == 1
        assert bs.widget_failures(page) == []


def test_quickstart_in_notebook_7(emulator: Any, expected: dict[str, Any], tmp_path: Path) -> None:
    # Given: Notebook 7 (installed with the demo extra) on a copy of notebooks/
    root = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", root)
    env = {"SM_LINEAGE_SCHEMA_STORE": str(tmp_path / "schemas.sqlite3")}
    with (bs.jupyter_server(root, app="notebook", env=env) as server, bs.chromium_page(*LAPTOP) as page,
          bs.diagnostics(page, server, tmp_path)):
        # When: the quickstart runs
        bs.open_notebook(page, server, NOTEBOOK)
        bs.run_all(page)

        # Then: the explorer draws its DAG, a click on a step opens its panel, the other outputs render
        nodes, edges = expected["pipeline_nodes"], expected["pipeline_edges"]
        page.wait_for_function(bs.CY_FIND, arg=[EXPLORER, nodes, edges], timeout=60_000)
        assert bs.canvas_has_pixels(page, EXPLORER)
        x, y = bs.node_screen_position(page, EXPLORER, nodes, edges, "Train")
        page.mouse.click(x, y)
        page.locator(f"{EXPLORER} .sml-detail .sml-step[data-step='Train']").wait_for(timeout=30_000)
        explorer = bs.box_of(page, EXPLORER)
        assert explorer["scrollWidth"] <= explorer["clientWidth"] + 1 and explorer["right"] <= LAPTOP[0]
        assert bs.widget_failures(page) == []
        assert [e for e in page.page_errors if e not in NOTEBOOK7_OWN_ERRORS] == []
        assert bs.unexpected_console_errors(page) == []
