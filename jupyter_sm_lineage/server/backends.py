"""Where the service runs for the routes: in its own process (default) or on threads of the server's.

The service's work is Python (botocore, graph building): on threads it shares the interpreter's lock
with the server's event loop, and a burst of cold lineage requests delays every other request the
server answers. In its own process it cannot: the server only forwards requests and writes answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from ..core.errors import AccessDenied, InvalidRequest, LineageError, NotFound, UpstreamError
from ..core.service import LineageService, Settings
from .calls import invoke

log = logging.getLogger(__name__)

_ERRORS: dict[str, type[LineageError]] = {
    "InvalidRequest": InvalidRequest, "NotFound": NotFound, "AccessDenied": AccessDenied,
    "UpstreamError": UpstreamError,
}


def error_payload(exc: BaseException) -> dict[str, Any]:
    """An exception as plain data, to cross a process boundary."""
    kind = next((name for name, cls in _ERRORS.items() if isinstance(exc, cls)), "Internal")
    payload = {"type": kind, "message": getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"}
    for key in ("parameter", "action", "code", "reason"):
        value = getattr(exc, key, None)
        if value:
            payload[key] = value
    return payload


def error_from(payload: dict[str, Any]) -> Exception:
    kind, message = payload.get("type"), str(payload.get("message"))
    if kind == "InvalidRequest":
        return InvalidRequest(message, parameter=payload.get("parameter"), reason=payload.get("reason"))
    if kind == "AccessDenied":
        return AccessDenied(message, action=payload.get("action"))
    if kind == "UpstreamError":
        return UpstreamError(message, code=payload.get("code"))
    if kind == "NotFound":
        return NotFound(message)
    return RuntimeError(message)


class ServiceHost:
    """The services (one per AWS profile) and a pool of threads running their calls."""

    def __init__(self, settings: dict[str, Any], workers: int) -> None:
        self.settings = settings
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="sm-lineage-request")
        self._services: dict[str | None, LineageService] = {}
        self._lock = threading.Lock()

    def service(self, profile: str | None) -> LineageService:
        with self._lock:
            if profile not in self._services:
                self._services[profile] = LineageService(Settings.from_env(**{**self.settings, "profile": profile}))
            return self._services[profile]

    def call(self, profile: str | None, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        return invoke(self.service(profile), name, args, kwargs)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        for service in self._services.values():
            service.close()


class ThreadBackend:
    """The service on a bounded pool of threads in the server's process."""

    def __init__(self, settings: dict[str, Any], workers: int) -> None:
        self.host = ServiceHost(settings, workers)

    async def call(self, profile: str | None, name: str, *args: Any, **kwargs: Any) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.host.executor,
                                          functools.partial(self.host.call, profile, name, args, kwargs))

    def close(self) -> None:
        self.host.close()


def _serve(connection: Any, settings: dict[str, Any], workers: int) -> None:
    """The service process: receive calls, run them on threads, send each answer when it is ready."""
    host = ServiceHost(settings, workers)
    send_lock = threading.Lock()

    def answer(request_id: int, ok: bool, payload: Any) -> None:
        with send_lock:
            connection.send((request_id, ok, payload))

    def run(request_id: int, profile: str | None, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            answer(request_id, True, host.call(profile, name, args, kwargs))
        except BaseException as exc:  # every failure goes back to the server as data, none kills the process
            if not isinstance(exc, LineageError):
                log.exception("sm-lineage call %s failed", name)
            answer(request_id, False, error_payload(exc))

    try:
        while True:
            try:
                message = connection.recv()
            except EOFError:
                break
            if message is None:
                break
            host.executor.submit(run, *message)
    finally:
        host.close()


class ProcessBackend:
    """The service in a child process: the server's interpreter only forwards requests and answers."""

    def __init__(self, settings: dict[str, Any], workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self._ids = itertools.count()
        self._pending: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[str]]] = {}
        self._lock = threading.Lock()
        self._process: Any = None
        self._connection: Any = None
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.settings, self.workers),
                                  name="sm-lineage-service", daemon=True)
        process.start()
        child.close()
        self._process, self._connection = process, parent
        threading.Thread(target=self._read, args=(parent,), name="sm-lineage-answers", daemon=True).start()

    def _read(self, connection: Any) -> None:
        while True:
            try:
                request_id, ok, payload = connection.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                waiting = self._pending.pop(request_id, None)
            if waiting is not None:
                loop, future = waiting
                loop.call_soon_threadsafe(_settle, future, ok, payload)
        # The process ended: whatever still waits will never be answered.
        with self._lock:
            orphans, self._pending = list(self._pending.values()), {}
        for loop, future in orphans:
            loop.call_soon_threadsafe(_settle, future, False, {
                "type": "UpstreamError", "message": "the lineage service process stopped; retry the request",
                "code": "ServiceProcessExited"})

    async def call(self, profile: str | None, name: str, *args: Any, **kwargs: Any) -> str:
        if self._process is None or not self._process.is_alive():
            log.warning("sm-lineage service process is not running; starting a new one")
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        request_id = next(self._ids)
        with self._lock:
            self._pending[request_id] = (loop, future)
        self._connection.send((request_id, profile, name, args, kwargs))
        return await future

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, ValueError):
                self._connection.send(None)
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()
            self._process = None


def _settle(future: asyncio.Future[str], ok: bool, payload: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(payload)
    else:
        future.set_exception(error_from(payload))


def settings_dict(settings: Settings) -> dict[str, Any]:
    """The picklable part of Settings (hooks are callables of this process)."""
    values = asdict(settings)
    values.pop("hooks", None)
    values.pop("profile", None)
    return values


Backend = ThreadBackend | ProcessBackend
BackendFactory = Callable[[dict[str, Any], int], Backend]
