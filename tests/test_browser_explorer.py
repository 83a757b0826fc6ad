"""The quickstart notebook in JupyterLab and headless Chromium: the explorer draws readably, clicks and switches tabs.

Needs Debian's chromium (``apt-get install -y chromium``) and the playwright Python package; skipped
without them. ``SM_LINEAGE_UPDATE_SCREENSHOT=1`` also writes docs/screenshot-explorer.png.
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

    svc = LineageService(Settings.from_env(default_regions=(REGION,)))
    try:
        lineage = svc.lineage(REGION, PIPELINE, view="both", include_latest_exec=True)
        fanout = pipeline_view(svc.lineage(REGION, FANOUT, view="both", include_latest_exec=True))["graph"]
        schema = svc.dataset_schema("sm-lineage-demo-curated-123456789012", "churn/validation/", REGION)
        group = svc.feature_group(REGION, "customers")
    finally:
        svc.close()
    steps = pipeline_view(lineage)["graph"]
    train = next(n for n in lineage["graph"]["nodes"] if n["id"] == "Train")
    return {
        "pipeline_nodes": len(steps["nodes"]),
        "pipeline_edges": len(steps["edges"]),
        "both_nodes": len(lineage["graph"]["nodes"]),
        "both_edges": len(lineage["graph"]["edges"]),
        "train_uris": [p["uri"] for p in train["inputs"] + train["outputs"]],
        "fields": list(schema["schema"]["fields"]),
        "features": [f["name"] for f in group["features"]],
        "fanout_nodes": len(fanout["nodes"]),
        "fanout_edges": len(fanout["edges"]),
    }


def test_quickstart_explorer_in_chromium(emulator: Any, expected: dict[str, Any], tmp_path: Path) -> None:
    # Given: JupyterLab on a copy of notebooks/, its kernels pointed at the emulator
    root = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", root)
    env = {"SM_LINEAGE_SCHEMA_STORE": str(tmp_path / "schemas.sqlite3")}
    with bs.jupyter_server(root, env=env) as server, bs.chromium_page() as page, bs.diagnostics(page, server, tmp_path):
        # When: the quickstart runs
        bs.open_notebook(page, server, NOTEBOOK)
        bs.run_all(page)

        # Then: the explorer's Pipeline tab holds the DAG with the pipeline's steps and edges, drawn
        nodes, edges = expected["pipeline_nodes"], expected["pipeline_edges"]
        page.wait_for_function(bs.CY_FIND, arg=[EXPLORER, nodes, edges], timeout=60_000)
        assert bs.canvas_has_pixels(page, EXPLORER)
        train = bs.cy_node(page, EXPLORER, nodes, edges, "Train")
        assert "status-Succeeded" in train["classes"]
        assert "15m 37s" in train["label"]  # elapsed time on the node

        # And: at the explorer's default size the whole DAG is on the canvas, its labels readable unzoomed
        view = bs.cy_view(page, EXPLORER, nodes, edges)
        assert view["renderedLabelPx"] >= READABLE_PX, view
        assert view["outside"] == [] and len(view["inside"]) == nodes, view

        # When: the Train step is clicked. Then: the panel shows that step's input and output URIs
        x, y = bs.node_screen_position(page, EXPLORER, nodes, edges, "Train")
        page.mouse.click(x, y)
        detail = page.locator(f"{EXPLORER} .sml-detail")
        detail.locator(".sml-step[data-step='Train']").wait_for(timeout=30_000)
        text = detail.inner_text()
        for uri in expected["train_uris"]:
            assert uri in text
        assert "attempts" in text and "validation:auc" in text
        # And: the clicked step is drawn selected, over its status colour
        train = bs.cy_node(page, EXPLORER, nodes, edges, "Train")
        assert train["selected"] and train["border"] == "rgb(255,152,0)", train
        if os.environ.get("SM_LINEAGE_UPDATE_SCREENSHOT"):
            page.locator(EXPLORER).screenshot(path=str(REPO / "docs" / "screenshot-explorer.png"))
        page.locator(EXPLORER).screenshot(path=str(tmp_path / "explorer.png"))

        # When: the Data tab is opened and the validation dataset selected. Then: its schema fields show
        page.locator(f"{EXPLORER} .lm-TabBar-tab", has_text="Data").click()
        artifacts = page.locator(f"{EXPLORER} .sml-artifact-list select")
        artifacts.wait_for(state="visible", timeout=15_000)
        artifacts.select_option(label=VALIDATION)
        fields = detail.locator(".sml-fields")
        fields.wait_for(timeout=30_000)
        shown = fields.inner_text()
        assert all(name in shown for name in expected["fields"]), shown
        assert "sampled files" in detail.inner_text()

        # When: the Both tab is opened. Then: the DAG with datasets draws, visible
        page.locator(f"{EXPLORER} .lm-TabBar-tab", has_text="Both").click()
        both = [EXPLORER, expected["both_nodes"], expected["both_edges"]]
        page.wait_for_function(bs.CY_FIND, arg=both, timeout=30_000)
        view = bs.cy_view(page, *both)  # more than the canvas holds readably: it opens on the first step
        assert view["renderedLabelPx"] >= READABLE_PX and "Preprocess" in view["inside"], view

        # When: the Feature Groups tab is opened and a group selected. Then: its columns show
        page.locator(f"{EXPLORER} .lm-TabBar-tab", has_text="Feature Groups").click()
        groups = page.locator(f"{EXPLORER} .sml-fg-list select")
        groups.wait_for(state="visible", timeout=30_000)
        groups.select_option(label="customers")
        features = page.locator(f"{EXPLORER} .sml-features")
        features.wait_for(timeout=30_000)
        assert all(name in features.inner_text() for name in expected["features"])

        # When: the Pipeline tab shows the 100-step fan-out
        page.locator(f"{EXPLORER} .lm-TabBar-tab", has_text="Pipeline").click()
        option = page.locator(f"{EXPLORER} .sml-pipeline-list option", has_text=FANOUT)
        page.locator(f"{EXPLORER} .sml-pipeline-list select").select_option(value=option.get_attribute("value"))
        fanout = [EXPLORER, expected["fanout_nodes"], expected["fanout_edges"]]
        page.wait_for_function(bs.CY_FIND, arg=fanout, timeout=60_000)

        # Then: not a fit of dots: readable labels, its first and last steps on the canvas, the rest a pan away
        view = bs.cy_view(page, *fanout)
        assert view["renderedLabelPx"] >= READABLE_PX, view
        assert {"Split", "Merge"} <= set(view["inside"]) and len(view["outside"]) > 0, view
        assert view["panning"] and view["minZoom"] < view["zoom"], view  # pan to the rest, zoom out to its shape

        # And: no widget failed to render, no page error
        assert bs.widget_failures(page) == []
        assert page.page_errors == []
        assert bs.unexpected_console_errors(page) == []
