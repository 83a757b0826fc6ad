"""One declaration per operation: routes, OpenAPI, the service-process dispatch and the HTTP client all follow
it, and errors round-trip whole through the handler, the service process and the HTTP client."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_sm_lineage.core.errors import LineageError, error_from_dict
from jupyter_sm_lineage.core.service import LineageService
from jupyter_sm_lineage.operations import API_OPERATIONS, OPERATIONS, LineageApi, Operation, Param
from jupyter_sm_lineage.server import handlers
from jupyter_sm_lineage.server.openapi import openapi_document
from jupyter_sm_lineage.widgets.client import HttpClient, InKernelClient

from . import browser_support as bs
from .contract_service import FIELD_VALUES, sample_error
from .test_routes import HOME

ERROR_KINDS = sorted(LineageError.by_name)


def _described(signature: inspect.Signature) -> list[tuple[str, Any]]:
    return [(p.name, p.default) for p in signature.parameters.values() if p.name != "self"]


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_declaration_matches_the_signature_it_serves(name: str) -> None:
    op = OPERATIONS[name]
    taken = set(op.signature.parameters)
    declared = {p.name for p in op.params}
    assert declared == taken, f"{name}: declared {sorted(declared)} but the function takes {sorted(taken)}"
    for param in op.params:
        default = op.signature.parameters[param.name].default
        assert (param.required or param.where == "path") == (default is inspect.Parameter.empty), param.name
    assert any(pattern == op.route for pattern, _ in handlers.ROUTES)
    assert op.method.lower() in openapi_document()["paths"]["/" + op.path]


@pytest.mark.parametrize("name", API_OPERATIONS)
def test_the_protocol_the_service_and_the_http_client_agree(name: str) -> None:
    service = _described(inspect.signature(getattr(LineageService, name)))
    assert _described(inspect.signature(getattr(LineageApi, name))) == service
    assert _described(inspect.signature(getattr(HttpClient, name))) == service
    assert callable(getattr(InKernelClient(LineageService.__new__(LineageService)), name))


def test_wire_values_are_parsed_by_the_declaration() -> None:
    limit = OPERATIONS["executions"].param("limit")
    assert limit.parse("25") == 25
    for bad in ("ten", "1e3", "99999999999999999999999", "", True):
        with pytest.raises(LineageError) as info:
            limit.parse(bad)
        assert info.value.status == 400 and info.value.to_dict()["parameter"] == "limit"
    flag = OPERATIONS["lineage"].param("include_latest_exec")
    assert flag.parse("Yes") is True and flag.parse("off") is False
    with pytest.raises(LineageError, match="includeLatestExec must be true or false"):
        flag.parse("maybe")


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_each_error_survives_its_wire_shape(kind: str) -> None:
    error = sample_error(kind)
    payload = json.loads(json.dumps(error.to_dict()))
    assert error_from_dict(payload, status=error.status) == error
    assert {k: payload[k] for k in type(error).fields} == {k: FIELD_VALUES[k] for k in type(error).fields}


# --- through a real server ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raising_server(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpClient]:
    """A Jupyter server whose service process runs RaisingService."""
    root, config = tmp_path_factory.mktemp("root"), tmp_path_factory.mktemp("config")
    (config / "jupyter_server_config.json").write_text(json.dumps({"LineageExtensionApp": {
        "service_class": "tests.contract_service:RaisingService", "default_regions": [HOME]}}))
    env = {"JUPYTER_CONFIG_DIR": str(config), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with bs.jupyter_server(root, app="server", env=env) as server:
        yield HttpClient(server.url, server.token)


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_each_error_raised_in_the_service_process_is_re_raised_whole_by_the_http_client(
        raising_server: HttpClient, kind: str) -> None:
    with pytest.raises(LineageError) as info:
        raising_server.feature_group(HOME, kind)
    assert type(info.value) is LineageError.by_name[kind]
    assert info.value.to_dict() == sample_error(kind).to_dict()


def test_a_catalogs_per_region_errors_keep_every_field(raising_server: HttpClient) -> None:
    answer = raising_server.pipelines([HOME])
    assert answer["regions"] == []
    assert answer["errors"] == [{"region": HOME, **sample_error("AccessDenied").to_dict()}]


# --- a new declaration is served everywhere ------------------------------------------------------------
ECHO = Operation("echo", "GET", "test/echo/{word}", "say it again", "Echo", (
    Param("word", "what to say", where="path"), Param("times", "how often", type="integer"),
    Param("loud", "upper case", type="boolean")), function="tests.contract_service:echo")


@pytest.fixture
def echo_declared(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(OPERATIONS, "echo", ECHO)
    openapi_document.cache_clear()
    yield
    openapi_document.cache_clear()


@pytest.fixture
def jp_server_config(echo_declared: None, emulator: Any, tmp_path: Path) -> dict[str, Any]:
    # Threads in the server's process: the test's declaration is visible to the service there.
    return {"ServerApp": {"jpserver_extensions": {"jupyter_sm_lineage": True}},
            "LineageExtensionApp": {"service_process": False, "schema_store": str(tmp_path / "s.sqlite3")}}


async def test_an_operation_added_to_the_declarations_is_served_everywhere(
        jp_fetch: Any, jp_serverapp: Any, jp_http_port: int, jp_base_url: str) -> None:
    assert "/test/echo/{word}" in openapi_document()["paths"]
    response = await jp_fetch("sm-lineage", "test", "echo", "hi", params={"times": "2", "loud": "yes"})
    assert json.loads(response.body)["echo"] == "HI HI"
    client = HttpClient(f"http://127.0.0.1:{jp_http_port}{jp_base_url}", jp_serverapp.identity_provider.token)
    answer = await asyncio.to_thread(client.echo, "ho", times=3)
    assert answer["echo"] == "ho ho ho"
    with pytest.raises(LineageError, match="times must be a whole number") as info:
        await asyncio.to_thread(client.echo, "ho", times="many")
    assert info.value.status == 400
