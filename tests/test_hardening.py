"""Abuse and faults, against a real server on loopback: budgets, bad input, the schema store, a frozen service
process, an AWS endpoint that never answers (issue: hardening). Every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_sm_lineage.core.errors import UpstreamError
from jupyter_sm_lineage.core.service import LineageService, Settings
from jupyter_sm_lineage.server.backends import MAX_PROFILES, ServiceHost

from . import browser_support as bs
from .conftest import HOME

pytestmark = pytest.mark.timeout(240)
BUCKET = "sm-lineage-demo-curated-123456789012"
SQL_SECONDS = 2


class Api:
    """Raw HTTP against the server: status and JSON body, nothing hidden."""

    def __init__(self, server: bs.Server) -> None:
        self.server = server

    def __call__(self, method: str, path: str, query: dict[str, str] | None = None, body: Any = None,
                 timeout: float = 60) -> tuple[int, Any]:
        url = f"{self.server.url}sm-lineage/{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Authorization": f"token {self.server.token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            text = exc.read()
            return exc.code, json.loads(text) if text.startswith(b"{") else text.decode(errors="replace")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "schemas.sqlite3"


@pytest.fixture(scope="module")
def api(emulator: Any, store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    env = {"SM_LINEAGE_SCHEMA_STORE": str(store_path), "SM_LINEAGE_REGIONS": HOME,
           "SM_LINEAGE_SQL_SECONDS": str(SQL_SECONDS), "SM_LINEAGE_SQL_WORKERS": "1",
           "SM_LINEAGE_SQL_MEMORY_MB": "1536", "SM_LINEAGE_STORE_BUSY_TIMEOUT": "1"}
    with bs.jupyter_server(tmp_path_factory.mktemp("root"), app="server", env=env) as server:
        yield Api(server)


def _many_joins(size: int) -> str:
    parts, n = ["INSERT INTO mart.wide SELECT t0.a"], 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(f" JOIN db.table_{n} AS t{n} ON t{n}.id = t{n - 1}.id AND t{n}.k{n} > {n}")
    parts.insert(1, " FROM db.table_0 AS t0")
    return "".join(parts)[:size]


def test_an_over_budget_sql_request_is_a_400_and_others_are_served_meanwhile(api: Api) -> None:
    sql = _many_joins(1024 * 1024 - 1024)
    answer: dict[str, Any] = {}

    def post() -> None:
        answer["status"], answer["body"] = api("POST", "sql/lineage", body={"sql": sql}, timeout=120)

    worker = threading.Thread(target=post)
    worker.start()
    served_meanwhile = 0
    while worker.is_alive():
        status, body = api("GET", "health", timeout=10)
        assert status == 200 and body["status"] == "ok"
        served_meanwhile += worker.is_alive()
        worker.join(timeout=0.2)
    assert served_meanwhile > 0
    assert answer["status"] == 400, answer
    assert answer["body"]["reason"] == "sql_budget_exceeded" and answer["body"]["parameter"] == "sql"
    assert f"{SQL_SECONDS} s" in answer["body"]["message"] or "MiB" in answer["body"]["message"]
    status, body = api("POST", "sql/lineage", body={"sql": "INSERT INTO t SELECT a FROM s"})
    assert status == 200 and body["sources"] == ["s"] and body["targets"] == ["t"]


@pytest.mark.parametrize(("method", "path", "query", "body", "parameter"), [
    ("GET", f"datasets/{BUCKET}/churn/validation/schema/diff", {"region": HOME, "from": "9" * 23, "to": "1"}, None,
     "from"),
    ("GET", f"datasets/{BUCKET}/churn/validation/schema/diff", {"region": HOME, "from": "0", "to": "1"}, None,
     "from"),
    ("GET", f"datasets/{BUCKET}/churn/validation/schema",
     {"region": HOME, "save": "true", "policy": "[" * 1000 + "]" * 1000}, None, "policy"),
    ("GET", f"datasets/{BUCKET}/churn/validation/schema",
     {"region": HOME, "save": "true", "policy": '{"a":' * 900 + "1" + "}" * 900}, None, "policy"),
    ("GET", f"datasets/{BUCKET}/churn/validation/schema", {"region": HOME, "save": "true", "policy": '{"a": NaN}'},
     None, "policy"),
    ("GET", f"datasets/{BUCKET}/churn/validation/schema", {"region": HOME, "save": "true",
                                                            "policy": '{"a": -Infinity}'}, None, "policy"),
    ("POST", "sql/lineage", None, b'{"sql": "SELECT 1", "schema": ' + b'{"a":' * 900 + b"[]" + b"}" * 901, "schema"),
    ("POST", "sql/lineage", None, b'{"sql": "SELECT 1", "dialect": NaN}', "body"),
    ("GET", "sagemaker/executions", {"region": HOME, "pipeline": "mlops-pipeline", "limit": "1" * 30}, None, "limit"),
])
def test_bad_input_is_a_400_naming_the_parameter(api: Api, method: str, path: str, query: dict[str, str] | None,
                                                 body: Any, parameter: str) -> None:
    status, answer = api(method, path, query, body)
    assert status == 400, answer
    assert answer["parameter"] == parameter
    assert api("GET", f"datasets/{BUCKET}/churn/validation/schema/versions", {"region": HOME})[0] == 200


def test_schema_store_failures_are_503s_naming_the_store(api: Api, store_path: Path) -> None:
    save = (f"datasets/{BUCKET}/churn/validation/schema", {"region": HOME, "save": "true"})
    versions = (f"datasets/{BUCKET}/churn/validation/schema/versions", {"region": HOME})
    assert api("GET", *save)[0] == 200
    # A lock held by another process: the save gives up after the busy timeout; reads keep working.
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        status, body = api("GET", save[0], {**save[1], "policy": '{"owner": "someone else"}'})
        assert status == 503 and body["code"] == "SchemaStoreUnavailable"
        assert "SM_LINEAGE_SCHEMA_STORE" in body["message"] and "locked" in body["message"]
        assert api("GET", *versions)[0] == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_corrupt_store_is_a_503_and_a_bad_location_too(emulator: Any, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"this is not a database" * 100)
    for path in (corrupt, Path("/proc/sm-lineage-cannot-exist/schemas.sqlite3")):
        service = LineageService(Settings.from_env(default_regions=(HOME,), schema_store=str(path)))
        try:
            for name, kwargs in (("schema_versions", {}), ("dataset_schema", {"save": True})):
                with pytest.raises(Exception) as info:
                    getattr(service, name)(BUCKET, "churn/validation", HOME, **kwargs)
                error = info.value.to_dict()  # type: ignore[attr-defined]
                assert info.value.status == 503 and error["code"] == "SchemaStoreUnavailable"  # type: ignore[attr-defined]
                assert str(path) in error["message"]
        finally:
            service.close()


def test_the_profile_cache_is_bounded() -> None:
    host = ServiceHost({}, 1)
    try:
        for n in range(MAX_PROFILES * 5):
            host.service(f"profile-{n}")
        assert host.profiles == MAX_PROFILES
    finally:
        host.close()


def test_an_endpoint_that_never_answers_gives_up_within_the_stated_bound(
        emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # accepts connections (the kernel does), never answers
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
    settings = Settings.from_env(default_regions=(HOME,), aws_connect_timeout=1.0, aws_read_timeout=1.0,
                                 aws_max_attempts=2)
    service = LineageService(settings)
    bound = settings.aws_max_attempts * (settings.aws_connect_timeout + settings.aws_read_timeout) + 10
    try:
        started = time.monotonic()
        with pytest.raises(UpstreamError) as info:
            service.lineage(HOME, "mlops-pipeline", include_latest_exec=True)
        assert time.monotonic() - started < bound
        assert info.value.status == 502 and info.value.service == "sagemaker"
        assert "sagemaker" in info.value.message
    finally:
        service.close()
        silent.close()


# --- a frozen service process --------------------------------------------------------------------------
@pytest.fixture
def quick_api(emulator: Any, tmp_path: Path) -> Iterator[Api]:
    env = {"SM_LINEAGE_SCHEMA_STORE": str(tmp_path / "s.sqlite3"), "SM_LINEAGE_REGIONS": HOME,
           "SM_LINEAGE_REQUEST_TIMEOUT": "3"}
    (tmp_path / "root").mkdir()
    with bs.jupyter_server(tmp_path / "root", app="server", env=env) as server:
        yield Api(server)


def test_a_frozen_service_process_answers_504_and_health_503_then_is_replaced(quick_api: Api) -> None:
    status, health = quick_api("GET", "health")
    assert status == 200 and health["service"]["alive"]
    frozen = health["service"]["pid"]
    os.kill(frozen, signal.SIGSTOP)
    try:
        status, body = quick_api("GET", "health", timeout=30)
        assert status == 503 and body["code"] == "ServiceProcessUnavailable"
        status, body = quick_api("GET", "lineage", {"region": HOME, "pipeline": "mlops-pipeline"}, timeout=60)
        assert status == 504 and "did not answer" in body["message"]
    finally:
        with contextlib.suppress(ProcessLookupError):  # it was killed and replaced
            os.kill(frozen, signal.SIGCONT)
    status, health = quick_api("GET", "health", timeout=30)
    assert status == 200 and health["service"]["pid"] != frozen and health["service"]["restarts"] == 1
    status, body = quick_api("GET", "lineage", {"region": HOME, "pipeline": "mlops-pipeline"}, timeout=60)
    assert status == 200 and body["pipeline"]["name"] == "mlops-pipeline"


def test_requests_are_handed_to_the_service_process_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large body written to the pipe from the event loop would stall every other request while the pipe is
    full: requests go out on the backend's writer thread."""
    import asyncio
    from multiprocessing.connection import Connection

    from jupyter_sm_lineage.server.backends import ProcessBackend, settings_dict

    senders: list[threading.Thread] = []
    original = Connection.send

    def record(self: Connection, obj: Any) -> None:
        senders.append(threading.current_thread())
        original(self, obj)

    monkeypatch.setattr(Connection, "send", record)
    backend = ProcessBackend(settings_dict(Settings.from_env(default_regions=(HOME,))), 2)

    async def ask() -> tuple[threading.Thread, Any]:
        sql = "INSERT INTO t SELECT a FROM s -- " + "x" * (4 * 1024 * 1024)  # more than a pipe holds
        answers = await asyncio.gather(backend.call(None, "regions", {}),
                                       backend.call(None, "sql_lineage", {"sql": sql}), return_exceptions=True)
        return threading.current_thread(), answers

    try:
        loop_thread, answers = asyncio.run(ask())
    finally:
        backend.close()
    assert json.loads(answers[0]) == [HOME]
    assert getattr(answers[1], "parameter", None) == "sql"  # larger than 1 MiB: refused, by the service
    assert senders and loop_thread not in senders


def test_non_finite_numbers_in_an_answer_become_null_not_invalid_json() -> None:
    host = ServiceHost({}, 1, "tests.contract_service:NanService")
    try:
        answer = json.loads(host.call(None, "health", {}))
    finally:
        host.close()
    assert answer["metrics"] == {"loss": None, "auc": [0.9, None]} and answer["status"] == "ok"
