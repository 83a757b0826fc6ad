"""The openlineage/events route: preview an execution's events, push them to a Marquez-like receiver."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import HOME
from tests.receiver import Receiver
from tests.test_routes import _validator


@pytest.fixture
def jp_server_config(emulator: Any, receiver: Receiver, tmp_path: Any,
                     monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # The exporter's watermark directory is its own configuration, read where the service runs.
    monkeypatch.setenv("SM_LINEAGE_STATE_DIR", str(tmp_path / "state"))
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_sm_lineage": True}},
        "LineageExtensionApp": {"default_regions": [HOME], "schema_store": str(tmp_path / "schemas.sqlite3"),
                                "openlineage_url": receiver.url, "spool_dir": str(tmp_path / "spool")},
    }


async def test_openlineage_events_preview_and_push(jp_fetch: Any, receiver: Receiver) -> None:
    preview = json.loads((await jp_fetch("sm-lineage", "openlineage", "events",
                                         params={"region": HOME, "pipeline": "mlops-pipeline"})).body)
    _validator("/openlineage/events").validate(preview)
    assert preview["executionArn"].endswith("/exec1succeed")
    jobs = {e["job"]["name"] for e in preview["events"]}
    assert "mlops-pipeline" in jobs and "mlops-pipeline.Train" in jobs
    response = await jp_fetch("sm-lineage", "openlineage", "events", method="POST",
                              body=json.dumps({"region": HOME, "pipeline": "mlops-pipeline"}))
    pushed = json.loads(response.body)
    _validator("/openlineage/events", "post").validate(pushed)
    assert pushed["ok"] and pushed["delivered"] == preview["count"] and pushed["spooled"] == 0
    assert receiver.wait_for(preview["count"])
    # The same runs and transitions (run ids are deterministic); the push adds what the exporter looks up
    # beyond the lineage itself (the pipeline's tags), so the facets may carry more.
    def runs(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return sorted((e["run"]["runId"], e["job"]["name"], e["eventType"]) for e in events)

    assert runs(receiver.events) == runs(preview["events"])


async def test_a_backend_that_is_down_gets_the_events_spooled(jp_fetch: Any, receiver: Receiver) -> None:
    receiver.fail_always(503)
    response = await jp_fetch("sm-lineage", "openlineage", "events", method="POST",
                              body=json.dumps({"region": HOME, "pipeline": "nightly-etl-pipeline"}))
    pushed = json.loads(response.body)
    assert not pushed["ok"] and pushed["delivered"] == 0 and pushed["spooled"] > 0


async def test_pushing_events_of_a_bad_region_is_a_400(jp_fetch: Any) -> None:
    import tornado.httpclient

    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", "openlineage", "events", method="POST",
                       body=json.dumps({"region": "nowhere-1", "pipeline": "mlops-pipeline"}))
    assert info.value.code == 400 and json.loads(info.value.response.body)["parameter"] == "region"
