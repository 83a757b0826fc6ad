"""Where the service runs for the routes: in its own process (default) or on threads of the server's.

The service's work is Python (botocore, graph building): on threads it shares the interpreter's lock
with the server's event loop, and a burst of cold lineage requests delays every other request the
server answers. In its own process it cannot: the server only forwards requests and writes answers.

Both backends run a declared operation by name (:func:`jupyter_sm_lineage.operations.invoke`) and answer
its JSON text; errors cross the process boundary in the error model's wire shape and are re-raised whole.
Nothing here blocks the event loop: requests are written to the service process by a writer thread, and
every forwarded call has a deadline (then 504, and a process that no longer answers is replaced).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from cachetools import LRUCache

from ..core.errors import DeadlineExceeded, LineageError, Unavailable, UpstreamError, error_from_dict, error_kind
from ..core.jsonvalues import finite
from ..core.service import LineageService
from ..core.settings import Settings
from ..operations import invoke

log = logging.getLogger(__name__)

#: Services kept for distinct AWS profiles (the ``profile`` parameter, development only); least recently
#: used ones are closed beyond this.
MAX_PROFILES = 8
#: Seconds a ``health`` request waits for the service process before calling it unavailable.
HEALTH_DEADLINE = 5.0
DEFAULT_SERVICE = "jupyter_sm_lineage.core.service:LineageService"


def load_class(path: str) -> type[LineageService]:
    """``module:Class`` -> the class, which must be a LineageService."""
    import importlib

    module, _, name = path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, LineageService)):
        raise TypeError(f"{path} is not a LineageService class")
    return cls


def error_payload(exc: BaseException) -> dict[str, Any]:
    """An exception in the error model's wire shape, with its class name, to cross a process boundary."""
    if isinstance(exc, LineageError):
        return {**exc.to_dict(), "kind": error_kind(exc)}
    return {"kind": None, "message": f"{type(exc).__name__}: {exc}"}


def error_from(payload: dict[str, Any]) -> Exception:
    if payload.get("kind"):
        return error_from_dict(payload, str(payload["kind"]))
    return RuntimeError(str(payload.get("message")))


class _Services(LRUCache[Any, LineageService]):
    """Services by AWS profile; one evicted (least recently used) is closed."""

    def popitem(self) -> tuple[Any, LineageService]:
        key, service = super().popitem()
        service.close()
        return key, service


class ServiceHost:
    """The services (one per AWS profile, at most :data:`MAX_PROFILES`) and the threads running their calls."""

    def __init__(self, settings: dict[str, Any], workers: int, service_class: str = DEFAULT_SERVICE) -> None:
        self.settings = settings
        self.service_class = load_class(service_class)
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="sm-lineage-request")
        self._services = _Services(MAX_PROFILES)
        self._lock = threading.Lock()

    def service(self, profile: str | None) -> LineageService:
        with self._lock:
            service = self._services.get(profile)
            if service is None:
                service = self.service_class(Settings.from_env(**{**self.settings, "profile": profile}))
                self._services[profile] = service
            return service

    @property
    def profiles(self) -> int:
        return len(self._services)

    def call(self, profile: str | None, name: str, kwargs: dict[str, Any]) -> str:
        """Run one declared operation and serialise its answer (serialising a large graph is CPU work too)."""
        answer = invoke(self.service(profile), name, kwargs)
        try:
            return json.dumps(answer, default=str, allow_nan=False)
        except ValueError:  # a NaN or infinite number (a metric AWS reported as NaN): JSON has none, null it
            return json.dumps(finite(answer), default=str, allow_nan=False)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            services = list(self._services.values())
            self._services.clear()
        for service in services:
            service.close()


class ThreadBackend:
    """The service on a bounded pool of threads in the server's process."""

    def __init__(self, settings: dict[str, Any], workers: int, deadline: float = math.inf,
                 service_class: str = DEFAULT_SERVICE) -> None:
        self.host = ServiceHost(settings, workers, service_class)
        self.deadline = deadline

    async def call(self, profile: str | None, name: str, kwargs: dict[str, Any],
                   deadline: float | None = None) -> str:
        if name == "health":  # no AWS call: never queued behind slow requests
            return self.host.call(profile, name, kwargs)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.host.executor, self.host.call, profile, name, kwargs)
        limit = self.deadline if deadline is None else deadline
        try:
            return await asyncio.wait_for(future, None if math.isinf(limit) else limit)
        except asyncio.TimeoutError:
            raise DeadlineExceeded(f"{name} did not finish within {limit:g} s", code="Deadline") from None

    def state(self) -> dict[str, Any]:
        return {"mode": "threads"}

    def close(self) -> None:
        self.host.close()


def _serve(connection: Any, settings: dict[str, Any], workers: int, service_class: str) -> None:
    """The service process: receive calls, run them on threads, send each answer when it is ready."""
    host = ServiceHost(settings, workers, service_class)
    send_lock = threading.Lock()

    def answer(request_id: int, ok: bool, payload: Any) -> None:
        with send_lock:
            connection.send((request_id, ok, payload))

    def run(request_id: int, profile: str | None, name: str, kwargs: dict[str, Any]) -> None:
        try:
            answer(request_id, True, host.call(profile, name, kwargs))
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
            except Exception as exc:  # a message that cannot be unpickled: answer it if its id is readable
                log.error("sm-lineage service process: unreadable request: %s", exc)
                continue
            if message is None:
                break
            if message[2] == "health":  # answered at once, never queued behind slow requests: it is the
                run(*message)             # process's liveness (its reader loop), which is what health reports
                continue
            host.executor.submit(run, *message)
    finally:
        host.close()


class ProcessBackend:
    """The service in a child process: the server's interpreter only forwards requests and answers."""

    def __init__(self, settings: dict[str, Any], workers: int, deadline: float = math.inf,
                 service_class: str = DEFAULT_SERVICE) -> None:
        self.settings = settings
        self.workers = workers
        self.service_class = service_class
        self.deadline = deadline
        self.restarts = 0
        self._ids = itertools.count()
        self._pending: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[str]]] = {}
        self._lock = threading.Lock()
        self._process: Any = None
        self._outbox: queue.SimpleQueue[Any] | None = None
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.settings, self.workers, self.service_class),
                                  # not a daemon: it starts SQL worker processes of its own; it ends when
                                  # the server closes the pipe (or dies: the pipe's end is an EOF)
                                  name="sm-lineage-service", daemon=False)
        process.start()
        child.close()
        outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._process, self._outbox = process, outbox
        threading.Thread(target=self._read, args=(parent, process), name="sm-lineage-answers", daemon=True).start()
        threading.Thread(target=self._write, args=(parent, outbox), name="sm-lineage-requests", daemon=True).start()

    def _write(self, connection: Any, outbox: queue.SimpleQueue[Any]) -> None:
        """Write requests to the process off the event loop (a large body may fill the pipe for a while)."""
        while True:
            message = outbox.get()
            try:
                connection.send(message)
            except Exception as exc:
                if message is None:
                    break
                self._fail(message[0], {"kind": "UpstreamError", "message": f"the request could not be handed to "
                                        f"the lineage service process: {exc}", "code": "ServiceProcessPipe"})
                if isinstance(exc, (OSError, EOFError)):
                    break
                continue
            if message is None:
                break

    def _read(self, connection: Any, process: Any) -> None:
        while True:
            try:
                request_id, ok, payload = connection.recv()
            except (EOFError, OSError):
                break
            self._settle(request_id, ok, payload)
        # The process ended: whatever still waits on it will never be answered.
        with self._lock:
            orphans = list(self._pending) if self._process is process or self._process is None else []
        for request_id in orphans:
            self._fail(request_id, {"kind": "UpstreamError", "message": "the lineage service process stopped; "
                                    "retry the request", "code": "ServiceProcessExited"})

    def _settle(self, request_id: int, ok: bool, payload: Any) -> None:
        with self._lock:
            waiting = self._pending.pop(request_id, None)
        if waiting is not None:
            loop, future = waiting
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(_settle, future, ok, payload)

    def _fail(self, request_id: int, payload: dict[str, Any]) -> None:
        self._settle(request_id, False, payload)

    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    async def call(self, profile: str | None, name: str, kwargs: dict[str, Any],
                   deadline: float | None = None) -> str:
        if not self.alive():
            log.warning("sm-lineage service process is not running; starting a new one")
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        request_id = next(self._ids)
        with self._lock:
            self._pending[request_id] = (loop, future)
        assert self._outbox is not None
        self._outbox.put((request_id, profile, name, kwargs))
        limit = self.deadline if deadline is None else deadline
        try:
            return await asyncio.wait_for(asyncio.shield(future), None if math.isinf(limit) else limit)
        except asyncio.TimeoutError:
            with self._lock:
                self._pending.pop(request_id, None)
            if name != "health":
                await self._replace_if_frozen(loop)
            raise DeadlineExceeded(f"the lineage service did not answer {name} within {limit:g} s; retry the "
                                   "request (a service process that no longer answers is replaced)",
                                   code="Deadline") from None

    async def _replace_if_frozen(self, loop: asyncio.AbstractEventLoop) -> None:
        """After a deadline: if the process does not answer a health check either, replace it."""
        try:
            await self.call(None, "health", {}, deadline=HEALTH_DEADLINE)
        except DeadlineExceeded:
            log.warning("sm-lineage service process does not answer; replacing it")
            await loop.run_in_executor(None, self._replace)
        except LineageError:
            pass

    def _replace(self) -> None:
        old, old_outbox = self._process, self._outbox
        if old_outbox is not None:
            old_outbox.put(None)
        with self._lock:
            orphans = list(self._pending)
        self._stop(old, kill=True)
        self.restarts += 1
        self._start()
        for request_id in orphans:
            self._fail(request_id, {"kind": "UpstreamError", "message": "the lineage service process stopped "
                                    "answering and was replaced; retry the request", "code": "ServiceProcessReplaced"})

    def state(self) -> dict[str, Any]:
        process = self._process
        return {"mode": "process", "pid": process.pid if process is not None else None, "alive": self.alive(),
                "restarts": self.restarts}

    @staticmethod
    def _stop(process: Any, kill: bool = False) -> None:
        if process is None:
            return
        if kill and process.pid:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.put(None)
        process, self._process = self._process, None
        if process is not None:
            deadline = time.monotonic() + 5
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()


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


async def health(backend: Backend, profile: str | None) -> dict[str, Any]:
    """The service's health as the service process answers it, with the process's state; 503 when it does
    not answer within :data:`HEALTH_DEADLINE`."""
    try:
        answer = json.loads(await backend.call(profile, "health", {}, deadline=HEALTH_DEADLINE))
    except (DeadlineExceeded, UpstreamError) as exc:
        raise Unavailable(f"the lineage service process does not answer: {exc.message}",
                          code="ServiceProcessUnavailable") from None
    return {**answer, "service": backend.state()}


Backend = ThreadBackend | ProcessBackend
BackendFactory = Callable[[dict[str, Any], int], Backend]
