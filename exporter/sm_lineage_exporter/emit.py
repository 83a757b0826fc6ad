"""Send events through openlineage-python's client; what the backend does not take goes to the spool.

Transports, retries and configuration are openlineage-python's (``OPENLINEAGE_URL``/``OPENLINEAGE_API_KEY``,
``openlineage.yml``, ``OPENLINEAGE__TRANSPORT__*``); :func:`make_client` only lays the CLI's flags over them.
Each event's outcome is read from openlineage-python's public API: ``OpenLineageClient.emit`` returns, or
raises with the HTTP response. After the client's own retries:
- a 4xx is the backend refusing that event: reported with its message and the event, spooled, and
  the export goes on with the next event;
- a 5xx, a timeout or a refused connection means the backend is down: that event and every later one
  are spooled (in order, without further attempts), and ``Delivery.spooled`` says how many;
- an event that can be neither delivered nor spooled (no spool, a full disk) is ``Delivery.lost``: kept
  in memory for the caller, never counted as handed over.

The ``async_http`` transport tells only counts of successes and failures (``get_stats()``), not which
event failed. With it the emitter sends concurrently itself: its section (URL, endpoint, auth, timeout,
retries, compression, headers, ``max_concurrent_requests``) configures openlineage-python's synchronous
``HttpTransport``, one per worker thread, each run's events in order on one worker, so every event's
outcome is known.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.transport.async_http import AsyncHttpTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from .serialize import to_dict, to_json
from .spool import BadSpoolLine, Spool, SpoolWriter

log = logging.getLogger(__name__)
TRANSPORTS = ("console", "file", "http", "async_http")
#: Concurrent requests of the ``async_http`` delivery, at most (its ``max_concurrent_requests`` is lower).
MAX_WORKERS = 16
Progress = Callable[[int], None]


def transport_config(
    transport: str | None = None,
    url: str | None = None,
    api_key: str | None = None,
    file: str | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    endpoint: str | None = None,
) -> dict[str, Any] | None:
    """The ``transport`` section the flags ask for, or None to leave configuration to openlineage-python."""
    kind = transport or ("http" if url else None)
    if kind is None and (timeout is not None or retries is not None) and os.environ.get("OPENLINEAGE_URL"):
        kind = "http"
    if kind is None:
        return None
    if kind not in TRANSPORTS:
        raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)} (Kafka and others: openlineage.yml)")
    config: dict[str, Any] = {"type": kind}
    if kind == "file":
        config.update(log_file_path=file or "openlineage-events.jsonl", append=True)
    if kind in ("http", "async_http"):
        url = url or os.environ.get("OPENLINEAGE_URL")
        if url:
            config["url"] = url
        endpoint = endpoint or os.environ.get("OPENLINEAGE_ENDPOINT")
        if endpoint:
            config["endpoint"] = endpoint
        api_key = api_key or os.environ.get("OPENLINEAGE_API_KEY")
        if api_key:
            config["auth"] = {"type": "api_key", "apiKey": api_key}
        if timeout is not None:
            config["timeout"] = timeout
        if retries is not None:
            config["retry"] = {"total": retries, "connect": retries, "read": retries}
    return config


def make_client(**flags: Any) -> OpenLineageClient:
    """An OpenLineageClient from openlineage-python's configuration, with the given flags laid over it."""
    config = transport_config(**flags)
    return OpenLineageClient(config={"transport": config}) if config else OpenLineageClient()


def make_emitter(spool_dir: str | os.PathLike[str] | None = None, **flags: Any) -> Emitter:
    """An emitter over :func:`make_client` (``transport``, ``url``, ``api_key``, ``file``, ``timeout``,
    ``retries``, ``endpoint``) spooling to ``spool_dir`` (default ``$SM_LINEAGE_SPOOL_DIR``)."""
    return Emitter(make_client(**flags), Spool(spool_dir))


def event_key(event: Any) -> str:
    """What identifies an event across exports: ``{runId}:{eventType}`` (run IDs are deterministic)."""
    data = to_dict(event)
    run, kind = data.get("run") or {}, data.get("eventType")
    if run.get("runId") and kind:
        return f"{run['runId']}:{kind}"
    return to_json(data)


@dataclass
class Rejection:
    status: int
    message: str
    event: dict[str, Any]


@dataclass
class Delivery:
    """What became of a batch of events: each one is sent, spooled or lost."""

    sent: int = 0
    spooled: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Events neither delivered nor spooled (no spool, or writing it failed), in order.
    lost: list[Any] = field(default_factory=list)
    #: Why the spool could not keep ``lost`` (e.g. ``[Errno 28] No space left on device``).
    spool_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.spooled == 0 and not self.rejected and not self.errors and not self.lost

    def merge(self, other: Delivery) -> None:
        self.sent += other.sent
        self.spooled += other.spooled
        self.rejected.extend(other.rejected)
        self.errors.extend(other.errors)
        self.lost.extend(other.lost)
        self.spool_error = self.spool_error or other.spool_error


@dataclass
class _Outcome:
    """One event's fate: delivered, refused (4xx), failed (backend down), or not tried (after a failure)."""

    sent: bool = False
    status: int | None = None
    message: str | None = None


class _Keeper:
    """Spools what was not delivered, in order; what it cannot write is lost (and said why)."""

    def __init__(self, spool: Spool | None, delivery: Delivery) -> None:
        self.spool = spool
        self.delivery = delivery
        self.writer: SpoolWriter | None = None
        self.broken = spool is None

    def keep(self, event: Any) -> None:
        if not self.broken:
            assert self.spool is not None
            try:
                if self.writer is None:
                    self.writer = self.spool.writer()
                self.writer.write(event)
            except OSError as exc:
                self.broken = True
                self.delivery.spool_error = f"could not spool to {self.spool.directory}: {exc}"
                log.error("%s", self.delivery.spool_error)
            else:
                self.delivery.spooled += 1
                return
        self.delivery.lost.append(event)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Emitter:
    """Emits batches through one client; spools what is not delivered (when a spool is given)."""

    def __init__(self, client: OpenLineageClient, spool: Spool | None = None,
                 close_timeout: float = 60.0) -> None:
        self.client = client
        self.spool = spool
        self.close_timeout = close_timeout

    def __enter__(self) -> Emitter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def emit(self, events: Iterable[Any], progress: Progress | None = None) -> Delivery:
        events = list(events)
        transport = self.client.transport
        if isinstance(transport, AsyncHttpTransport):
            outcomes = self._send_concurrently(events, transport, progress)
        else:
            outcomes = self._send_in_order(events, progress)
        delivery = Delivery()
        keeper = _Keeper(self.spool, delivery)
        try:
            for event, outcome in zip(events, outcomes, strict=True):
                if outcome.sent:
                    delivery.sent += 1
                    continue
                if outcome.status is not None and 400 <= outcome.status < 500:
                    delivery.rejected.append(Rejection(outcome.status, outcome.message or "", to_dict(event)))
                elif outcome.message:
                    delivery.errors.append(outcome.message)
                keeper.keep(event)
        finally:
            keeper.close()
        return delivery

    def _send_in_order(self, events: list[Any], progress: Progress | None) -> list[_Outcome]:
        outcomes = []
        down = False
        for event in events:
            outcome = _Outcome() if down else _send(self.client, event)
            down = down or _down(outcome)
            outcomes.append(outcome)
            if progress:
                progress(1)
        return outcomes

    def _send_concurrently(self, events: list[Any], transport: AsyncHttpTransport,
                           progress: Progress | None) -> list[_Outcome]:
        """Each run's events in order on one worker, runs side by side; stop trying once the backend is down."""
        outcomes = [_Outcome() for _ in events]
        runs: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            runs.setdefault(event_key(event).split(":", 1)[0], []).append(index)
        down = threading.Event()
        lock = threading.Lock()
        local = threading.local()
        clients: list[OpenLineageClient] = []

        def client() -> OpenLineageClient:
            if not hasattr(local, "client"):
                local.client = OpenLineageClient(transport=HttpTransport(_http_config(transport)),
                                                 config=self.client.user_defined_config)
                with lock:
                    clients.append(local.client)
            return local.client  # type: ignore[no-any-return]

        def run(indexes: list[int]) -> None:
            for index in indexes:
                if down.is_set():
                    break
                outcomes[index] = _send(client(), events[index])
                if _down(outcomes[index]):
                    down.set()
                if progress:
                    with lock:
                        progress(1)

        workers = max(1, min(MAX_WORKERS, transport.config.max_concurrent_requests, len(runs)))
        try:
            with ThreadPoolExecutor(workers, thread_name_prefix="ol-send") as pool:
                for future in [pool.submit(run, indexes) for indexes in runs.values()]:
                    future.result()
        finally:
            for each in clients:
                each.close()
        return outcomes

    def close(self) -> None:
        self.client.close(self.close_timeout)


def _http_config(transport: AsyncHttpTransport) -> HttpConfig:
    """The async transport's section as a synchronous HttpTransport's configuration."""
    config = transport.config
    return HttpConfig(url=config.url, endpoint=config.endpoint, timeout=config.timeout, verify=config.verify,
                      auth=config.auth, compression=config.compression,
                      custom_headers=dict(config.custom_headers), retry=dict(config.retry))


def _send(client: OpenLineageClient, event: Any) -> _Outcome:
    try:
        client.emit(event)
    except Exception as exc:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status is not None:
            body = (getattr(response, "text", "") or "").strip()
            return _Outcome(status=int(status), message=f"HTTP {status} from the backend: {body[:1000] or exc}")
        return _Outcome(message=f"{type(exc).__name__}: {exc}")
    return _Outcome(sent=True)


def _down(outcome: _Outcome) -> bool:
    return not outcome.sent and not (outcome.status is not None and 400 <= outcome.status < 500)


def sender(client: OpenLineageClient) -> Callable[[str], None]:
    """``send(json_text)`` for replay: the spooled event, rebuilt and emitted through the same client.

    Raises :class:`~sm_lineage_exporter.spool.BadSpoolLine` for a line that is not an event.
    """
    from .rebuild import event_from_dict

    if isinstance(client.transport, AsyncHttpTransport):
        raise ValueError("replay needs a synchronous transport (http, console, file): it must know each "
                         "event was acknowledged before removing it")

    def send(text: str) -> None:
        try:
            data = json.loads(text)
            event = event_from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadSpoolLine(f"{type(exc).__name__}: {exc}") from None
        # Straight to the transport: the event was complete when spooled (the client's enrichment works
        # on facet objects, a replayed event carries its facets as they were serialised).
        client.transport.emit(event)

    return send


__all__ = ["Delivery", "Emitter", "Rejection", "event_key", "make_client", "make_emitter", "sender",
           "to_json", "transport_config"]
