"""Send events through openlineage-python's client; what the backend does not take goes to the spool.

Transports, retries and configuration are openlineage-python's (``OPENLINEAGE_URL``/``OPENLINEAGE_API_KEY``,
``openlineage.yml``, ``OPENLINEAGE__TRANSPORT__*``); :func:`make_client` only lays the CLI's flags over them.
After the client's own retries:
- a 4xx is the backend refusing that event: reported with its message and the event, spooled, and
  the export goes on with the next event;
- a 5xx, a timeout or a refused connection means the backend is down: that event and every later one
  are spooled (in order, without further attempts), and ``Delivery.spooled`` says how many.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openlineage.client import OpenLineageClient

from .serialize import to_dict, to_json
from .spool import Spool, SpoolWriter

log = logging.getLogger(__name__)
TRANSPORTS = ("console", "file", "http", "async_http")


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


@dataclass
class Rejection:
    status: int
    message: str
    event: dict[str, Any]


@dataclass
class Delivery:
    """What became of a batch of events."""

    sent: int = 0
    spooled: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.spooled == 0 and not self.rejected and not self.errors

    def merge(self, other: Delivery) -> None:
        self.sent += other.sent
        self.spooled += other.spooled
        self.rejected.extend(other.rejected)
        self.errors.extend(other.errors)


class Emitter:
    """Emits batches through one client; spools what is not delivered (when a spool is given)."""

    def __init__(self, client: OpenLineageClient, spool: Spool | None = None,
                 close_timeout: float = 60.0) -> None:
        self.client = client
        self.spool = spool
        self.close_timeout = close_timeout

    def emit(self, events: Iterable[Any], progress: Callable[[int], None] | None = None) -> Delivery:
        if getattr(self.client.transport, "kind", None) == "async_http":
            return self._emit_async(list(events), progress)
        delivery = Delivery()
        writer: SpoolWriter | None = None
        down = False

        def keep(event: Any) -> None:
            nonlocal writer
            delivery.spooled += 1
            if self.spool is None:
                return
            if writer is None:
                writer = self.spool.writer()
            writer.write(event)

        try:
            for event in events:
                if down:
                    keep(event)
                elif (failure := self._send(event)) is None:
                    delivery.sent += 1
                else:
                    status, message = failure
                    if status is not None and 400 <= status < 500:
                        delivery.rejected.append(Rejection(status, message, to_dict(event)))
                    else:
                        down = True
                        delivery.errors.append(message)
                    keep(event)
                if progress:
                    progress(1)
        finally:
            if writer is not None:
                writer.close()
        return delivery

    def _send(self, event: Any) -> tuple[int | None, str] | None:
        """None when delivered, else (HTTP status or None, message)."""
        try:
            self.client.emit(event)
        except Exception as exc:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            if status is not None:
                body = (getattr(response, "text", "") or "").strip()
                return int(status), f"HTTP {status} from the backend: {body[:1000] or exc}"
            return None, f"{type(exc).__name__}: {exc}"
        return None

    def _emit_async(self, events: list[Any], progress: Callable[[int], None] | None) -> Delivery:
        """openlineage-python's async transport reports only counts: note each event's outcome as it lands."""
        transport: Any = self.client.transport
        outcome: dict[str, bool] = {}
        lock = threading.Lock()
        mark_success, mark_failed = transport._mark_success, transport._mark_failed

        def recording(delivered: bool, mark: Callable[[Any], Any]) -> Callable[[Any], Any]:
            def record(request: Any) -> Any:
                with lock:
                    outcome[request.event_id] = delivered
                if progress:
                    progress(1)
                return mark(request)

            return record

        transport._mark_success = recording(True, mark_success)
        transport._mark_failed = recording(False, mark_failed)
        ids = []
        for event in events:
            ids.append(_async_event_id(event))
            self.client.emit(event)
        transport.wait_for_completion(self.close_timeout)
        delivery = Delivery()
        undelivered = [event for event, key in zip(events, ids, strict=True) if not outcome.get(key)]
        delivery.sent = len(events) - len(undelivered)
        if undelivered:
            delivery.errors.append(f"{len(undelivered)} events not acknowledged by {transport.config.url}")
            delivery.spooled = len(undelivered)
            if self.spool is not None:
                writer = self.spool.writer()
                try:
                    for event in undelivered:
                        writer.write(event)
                finally:
                    writer.close()
        return delivery

    def close(self) -> None:
        self.client.close(self.close_timeout)


def _async_event_id(event: Any) -> str:
    """The id the async transport gives an event: run ID and type for RunEvents, an MD5 otherwise."""
    import hashlib

    from openlineage.client.serde import Serde

    run = getattr(event, "run", None)
    if run is not None and getattr(event, "eventType", None) is not None:
        return f"{run.runId}-{event.eventType.value}"
    return hashlib.md5(Serde.to_json(event).encode("utf-8")).hexdigest()


def sender(client: OpenLineageClient) -> Callable[[str], None]:
    """``send(json_text)`` for replay: the spooled event, rebuilt and emitted through the same client."""
    import json

    from .rebuild import event_from_dict

    if getattr(client.transport, "kind", None) == "async_http":
        raise ValueError("replay needs a synchronous transport (http, console, file): it must know each "
                         "event was acknowledged before removing it")

    def send(text: str) -> None:
        # Straight to the transport: the event was complete when spooled (the client's enrichment works
        # on facet objects, a replayed event carries its facets as they were serialised).
        client.transport.emit(event_from_dict(json.loads(text)))

    return send


__all__ = ["Delivery", "Emitter", "Rejection", "make_client", "sender", "to_json", "transport_config"]
