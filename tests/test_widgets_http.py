"""The HTTP client against a real Jupyter server with the extension gives the same widgets as the in-kernel one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_sm_lineage.core.errors import InvalidRequest, NotFound
from jupyter_sm_lineage.widgets import Explorer, HttpClient, InKernelClient
from jupyter_sm_lineage.widgets.client import split_s3
from jupyter_sm_lineage.widgets.explorer import BOTH_TAB, DATA_TAB, FEATURE_TAB

from . import browser_support as bs
from .test_widgets import html_of

REGION = "ap-northeast-2"
VALIDATION = "s3://sm-lineage-demo-curated-123456789012/churn/validation/"

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "schemas.sqlite3"


@pytest.fixture(scope="module")
def http_client(emulator: Any, store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpClient]:
    root = tmp_path_factory.mktemp("root")
    env = {"SM_LINEAGE_SCHEMA_STORE": str(store), "SM_LINEAGE_REGIONS": REGION}
    with bs.jupyter_server(root, app="server", env=env) as server:
        yield HttpClient(server.url, server.token)


@pytest.fixture
def local_client(emulator: Any, store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InKernelClient]:
    monkeypatch.setenv("SM_LINEAGE_SCHEMA_STORE", str(store))
    from jupyter_sm_lineage.core.service import LineageService, Settings

    svc = LineageService(Settings.from_env(default_regions=(REGION,), max_workers=8))
    yield InKernelClient(svc)
    svc.close()


def seen(html: str) -> str:
    """What a user sees: the live marker's model id (different in every kernel) left out."""
    return re.sub(r"sml-(live|picture)-[0-9a-f]+", r"sml-\1", html)


def snapshot(client: Any) -> dict[str, Any]:
    """Drive the explorer through every tab and record what a user would see."""
    explorer = Explorer(client, region=REGION, pipeline="mlops-pipeline")
    explorer.dag.select("Train")
    step = seen(html_of(explorer.detail))
    explorer.tabs.selected_index = DATA_TAB
    explorer._dataset_buttons[VALIDATION][0].click()
    dataset = seen(html_of(explorer.detail))
    explorer.tabs.selected_index = BOTH_TAB
    explorer.tabs.selected_index = FEATURE_TAB
    explorer.feature_groups.list.value = "customers"
    return {
        "regions": list(explorer.region.options),
        "domains": list(explorer.domain.options),
        "pipelines": list(explorer.pipeline.options),
        "dag": sorted((n.data["id"], n.classes, n.data["label"]) for n in explorer.dag.cytoscape.graph.nodes),
        "edges": sorted((e.data["source"], e.data["target"], e.classes) for e in explorer.dag.cytoscape.graph.edges),
        "both": (explorer.both_dag.node_count, explorer.both_dag.edge_count),
        "artifacts": sorted(explorer._dataset_buttons),
        "runs": list(explorer.runs.run.options),
        "step": step,
        "dataset": dataset,
        "versions": list(explorer.schema_viewer.version.options),
        "feature_group": seen(explorer.feature_groups.viewer.panel.value),
        "error": explorer.error,
    }


def test_both_clients_give_the_same_explorer(http_client: HttpClient, local_client: InKernelClient) -> None:
    bucket, prefix = split_s3(VALIDATION)
    local_client.dataset_schema(bucket, prefix, REGION, save=True)  # one saved version, visible to both
    remote, local = snapshot(http_client), snapshot(local_client)
    assert local["error"] == "" and remote["error"] == ""
    assert local["dag"] and local["versions"]
    for key in local:
        assert remote[key] == local[key], key


def test_http_errors_keep_their_type_and_message(http_client: HttpClient) -> None:
    with pytest.raises(NotFound, match="nope"):
        http_client.feature_group(REGION, "nope")
    with pytest.raises(InvalidRequest):
        http_client.lineage(REGION, "bad name!")
    explorer = Explorer(http_client, region=REGION)
    explorer.load_lineage("no-such-pipeline")
    assert "no-such-pipeline" in explorer.error
    wrong = HttpClient(http_client.base_url, "wrong-token")
    with pytest.raises(Exception, match="403"):
        wrong.feature_groups(REGION)


def test_connected_export_goes_through_the_servers_exporter(http_client: HttpClient) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from jupyter_sm_lineage.magic import LineageMagics

    ip = InteractiveShell.instance()
    ip.register_magics(LineageMagics(shell=ip, client=http_client))
    # The server's exporter previews the events, then sends them with the server's own configuration
    # (none here: openlineage-python's console transport, which acknowledges every event).
    preview = http_client.openlineage_events(REGION, "mlops-pipeline")
    dry = ip.run_line_magic("lineage", f"export mlops-pipeline --region {REGION} --dry-run")
    assert dry["events"] == preview["count"] > 0 and dry["delivered"] == 0
    pushed = ip.run_line_magic("lineage", f"export mlops-pipeline --region {REGION}")
    assert pushed["delivered"] == preview["count"] and pushed["spooled"] == 0
    assert pushed["destination"] == f"the server at {http_client.base_url}"
