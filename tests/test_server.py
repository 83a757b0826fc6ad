"""The server extension loads in a real Jupyter server (pytest-jupyter, base_url /a%40b/) and refuses strangers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import tornado.httpclient


@pytest.fixture
def jp_server_config(emulator: Any) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_sm_lineage": True}}}


async def test_health_answers_through_the_extension(jp_fetch: Any) -> None:
    response = await jp_fetch("sm-lineage", "health")
    assert response.code == 200
    body = json.loads(response.body)
    assert body["status"] == "ok" and body["version"]


async def test_health_refuses_a_request_without_a_token(jp_fetch: Any) -> None:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", "health", headers={"Authorization": ""})
    assert info.value.code == 403
