"""A local OpenLineage backend for tests: Marquez's ``POST /api/v1/lineage`` contract (201 on success).

A real threaded HTTP server on 127.0.0.1 whose behaviour tests program: accept, refuse (4xx with a
message), fail the next N requests (5xx), or hang until released. Waiting is on conditions with
timeouts, never on sleeps.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """``with Receiver() as r: r.url``; ``r.events`` holds every accepted event, in arrival order."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.requests = 0
        self._failures = 0
        self._failure_status = 503
        self._refuse: Callable[[dict[str, Any]], str | None] | None = None
        self._refuse_status = 422
        self._hang = threading.Event()
        self._released = threading.Event()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, message = receiver._handle(self.path, body)
                payload = json.dumps({"code": status, "message": message}).encode() if message else b""
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    if payload:
                        self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a hang test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="ol-receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    # --- programming the behaviour -----------------------------------------------------------
    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests (-1: all) with ``status`` (a 5xx: the backend is down)."""
        with self._changed:
            self._failures, self._failure_status = count, status

    def fail_always(self, status: int = 503) -> None:
        self.fail_next(-1, status)

    def recover(self) -> None:
        """Stop failing, refusing and hanging."""
        with self._changed:
            self._failures = 0
            self._refuse = None
        self.release()

    def refuse(self, predicate: Callable[[dict[str, Any]], str | None], status: int = 422) -> None:
        """Refuse (4xx, the returned message) every event for which ``predicate`` returns a message."""
        with self._changed:
            self._refuse, self._refuse_status = predicate, status

    def hang(self) -> None:
        """Hold every request until :meth:`release` (the client's timeout fires first)."""
        self._released.clear()
        self._hang.set()

    def release(self) -> None:
        self._hang.clear()
        self._released.set()

    # --- observing -----------------------------------------------------------------------------
    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Wait until ``count`` events were accepted."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.events) >= count, timeout)

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.requests >= count, timeout)

    def _handle(self, path: str, body: bytes) -> tuple[int, str | None]:
        with self._changed:
            self.requests += 1
            self._changed.notify_all()
        if self._hang.is_set():
            self._released.wait(timeout=60)
        if path.rstrip("/") != "/api/v1/lineage":
            return 404, f"no route {path}"
        try:
            event = json.loads(body)
        except ValueError:
            return 400, "body is not JSON"
        with self._changed:
            if self._failures:
                if self._failures > 0:
                    self._failures -= 1
                return self._failure_status, "backend unavailable"
            refuse = self._refuse
        if refuse is not None:
            message = refuse(event)
            if message:
                return self._refuse_status, message
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()
        return 201, None
