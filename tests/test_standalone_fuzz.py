"""`jupyter sm-lineage` serves the routes standalone with a token; fuzzed from the OpenAPI document: no 5xx, no hang."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_sm_lineage.server.openapi import openapi_document
from tests.conftest import HOME

TOKEN = "fuzz-token-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def standalone(emulator: Any, tmp_path_factory: Any) -> Iterator[str]:
    port = _free_port()
    root = tmp_path_factory.mktemp("standalone")
    command = [sys.executable, "-m", "jupyter_sm_lineage.server", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--no-browser", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
               f"--LineageExtensionApp.schema_store={root / 'schemas.sqlite3'}",
               f"--LineageExtensionApp.default_regions={HOME}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTER_RUNTIME_DIR": str(root / "runtime")}
    # The server logs every request: to a file, since a pipe nobody reads fills up and blocks the server.
    log = (root / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}/sm-lineage"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the standalone server exited: {(root / 'server.log').read_text()[-2000:]}")
            try:
                _request("GET", f"{url}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # polling a starting server, bounded by the deadline
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _request(method: str, url: str, body: bytes | None = None, token: str | None = TOKEN) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_standalone_serves_the_routes_with_the_token(standalone: str) -> None:
    status, body = _request("GET", f"{standalone}/lineage?region={HOME}&pipeline=mlops-pipeline&view=pipeline")
    assert status == 200 and json.loads(body)["pipeline"]["name"] == "mlops-pipeline"
    assert _request("GET", f"{standalone}/health", token=None)[0] == 403
    assert _request("GET", f"{standalone}/health", token="wrong")[0] == 403


DOCUMENT = openapi_document()
TEXT = st.one_of(
    st.sampled_from(["", HOME, "us-east-1", "mlops-pipeline", "studio-a", "customers", "true", "false", "1", "..",
                     "sm-lineage-demo-curated-123456789012", "churn/validation", "{}", '{"a": 1}', "[1]", "null",
                     "arn:aws:sagemaker:ap-northeast-2:123456789012:pipeline/mlops-pipeline/execution/exec0failed01"]),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, bytes | None]:
    path = draw(st.sampled_from(sorted(DOCUMENT["paths"])))
    method, operation = draw(st.sampled_from(sorted(DOCUMENT["paths"][path].items())))
    url_path = path
    query: dict[str, str] = {}
    for parameter in operation["parameters"]:
        if parameter["in"] == "path":
            value = draw(TEXT) or "x"
            url_path = url_path.replace("{" + parameter["name"] + "}", urllib.parse.quote(value, safe="/"))
        elif parameter["name"] != "profile" and draw(st.booleans()):
            query[parameter["name"]] = draw(TEXT)
    if draw(st.booleans()):
        query[draw(st.text(min_size=1, max_size=10))] = draw(TEXT)
    body = None
    if method == "post":
        body = draw(st.one_of(
            st.binary(max_size=200),
            st.builds(lambda sql, dialect: json.dumps({"sql": sql, "dialect": dialect}).encode(), TEXT,
                      st.one_of(st.none(), st.sampled_from(["spark", "athena", "tsql", "nope"]))),
        ))
    url = url_path + ("?" + urllib.parse.urlencode(query) if query else "")
    return method.upper(), url, body


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_fuzzed_requests_never_get_a_5xx(standalone: str, request: tuple[str, str, bytes | None]) -> None:
    method, url, body = request
    status, payload = _request(method, standalone + url, body)
    assert status < 500, (method, url, payload[:300])
    if (status >= 400 and status != 404) or (url.startswith("/lineage") and status == 404):
        assert json.loads(payload)["message"]
