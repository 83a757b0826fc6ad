"""SQL analysis in worker processes of its own, each with a memory ceiling, killed when it overruns.

SQL lineage is CPU work on untrusted input: a 1 MiB statement can take tens of seconds and grow a process
by a gigabyte. Run in the service's own threads, a few such requests starve every other request (they
hold the interpreter lock) and leave the memory behind. Here each analysis runs in one of a few worker
processes: the caller waits at most the time budget (plus a grace period for sqlglot's uninterruptible
parse), a worker that does not answer in time or runs out of memory is killed and replaced, and the caller
gets a clear 400 naming the budget. Requests beyond the workers wait for a free one, at most the budget.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidRequest, LineageError, Unavailable, error_from_dict

log = logging.getLogger(__name__)

BUDGET_REASON = "sql_budget_exceeded"


@dataclass(frozen=True)
class SqlBudget:
    """What one SQL request may use (see the README's limits); the time and memory come from the service's
    settings (``sql_seconds``, ``sql_memory_mb``)."""

    #: Seconds of analysis; checked between statements and phases, and enforced by killing the worker
    #: ``grace`` seconds later.
    seconds: float
    #: Address space of a worker process (MiB): past it the analysis fails with MemoryError.
    memory_mb: int
    grace: float = 5.0
    #: Column edges of the whole answer.
    column_edges: int = 200_000
    #: Bytes of the JSON answer.
    output_bytes: int = 16 * 1024 * 1024


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not on this platform: the time budget still holds
        log.warning("sm-lineage SQL worker: no memory ceiling (%s)", exc)


def _work(connection: Any, budget: SqlBudget) -> None:
    """A worker process: analyse requests one at a time until the pipe closes."""
    _limit_memory(budget.memory_mb)
    from .sql import sql_lineage

    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        sql, dialect, schema, max_chars = request
        try:
            result = sql_lineage(sql, dialect=dialect, schema=schema, max_chars=max_chars,
                                 max_seconds=budget.seconds, max_column_edges=budget.column_edges,
                                 max_output_bytes=budget.output_bytes).to_dict()
            connection.send((True, result))
        except LineageError as exc:
            connection.send((False, {**exc.to_dict(), "kind": type(exc).__name__}))
        except MemoryError:
            connection.send((False, {"kind": "InvalidRequest", "reason": BUDGET_REASON, "parameter": "sql",
                                     "message": f"the SQL analysis needed more than its memory budget of "
                                                f"{budget.memory_mb} MiB; split the script"}))
            return  # a process that ran out of memory is not reused
        except Exception as exc:
            connection.send((False, {"kind": "InvalidRequest", "parameter": "sql",
                                     "message": f"the SQL could not be analysed: {type(exc).__name__}: {exc}"}))


class _Worker:
    def __init__(self, budget: SqlBudget) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, budget), name="sm-lineage-sql", daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.connection.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()


class SqlWorkers:
    """A few SQL worker processes, started when first needed."""

    def __init__(self, workers: int, budget: SqlBudget) -> None:
        self.budget = budget
        self.size = max(1, workers)
        self._idle: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
        for _ in range(self.size):
            self._idle.put(None)  # a slot whose process is started on first use
        self._closed = False
        self.recycled = 0
        self._lock = threading.Lock()

    def analyse(self, sql: str, dialect: str | None, schema: Mapping[str, Any] | None,
                max_chars: int) -> dict[str, Any]:
        budget = self.budget
        try:
            worker = self._idle.get(timeout=budget.seconds)
        except queue.Empty:
            raise Unavailable(f"every SQL worker ({self.size}) stayed busy for {budget.seconds:g} s; retry later",
                              code="SqlWorkersBusy") from None
        try:
            fresh = worker is None or not worker.process.is_alive()
            if fresh:
                worker = _Worker(budget)
            assert worker is not None
            worker.connection.send((sql, dialect, dict(schema) if schema else None, max_chars))
            if not worker.connection.poll(budget.seconds + budget.grace + (_START_SECONDS if fresh else 0)):
                self._recycle(worker)
                worker = None
                raise InvalidRequest(f"the SQL analysis ran past its time budget of {budget.seconds:g} s; split the "
                                     "script or analyse fewer statements at once", parameter="sql",
                                     reason=BUDGET_REASON)
            try:
                ok, payload = worker.connection.recv()
            except (EOFError, OSError):
                self._recycle(worker)
                worker = None
                raise InvalidRequest(f"the SQL analysis ran out of its memory budget of {budget.memory_mb} MiB "
                                     "(its worker was replaced); split the script", parameter="sql",
                                     reason=BUDGET_REASON) from None
            if not worker.process.is_alive() or (not ok and payload.get("reason") == BUDGET_REASON):
                self._recycle(worker)  # a worker that overran gives its memory back by ending
                worker = None
            if ok:
                return payload  # type: ignore[no-any-return]
            raise error_from_dict(payload, str(payload.get("kind")))
        finally:
            self._idle.put(worker)

    def _recycle(self, worker: _Worker) -> None:
        with self._lock:
            self.recycled += 1
        worker.kill()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            if worker is not None:
                worker.stop()


#: A fresh worker imports sqlglot before its first answer.
_START_SECONDS = 10.0
