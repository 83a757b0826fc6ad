"""Timestamps in the contract: timezone-aware, RFC 3339 with ``Z`` for UTC (as Marquez requires)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def parse_time(value: Any) -> datetime:
    """A timezone-aware datetime from an ISO string (``Z`` or an offset) or a datetime (naive = UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def iso(value: Any) -> str:
    """RFC 3339 in UTC with ``Z``."""
    return parse_time(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def try_parse_time(value: Any) -> datetime | None:
    """:func:`parse_time`, or None for a value that is no time (None, empty, malformed)."""
    if value is None or value == "":
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError):
        return None


def elapsed_seconds(start: Any, end: Any = None) -> float | None:
    """Seconds from ``start`` to ``end`` (to now when ``end`` is None), to the millisecond; None without a
    start."""
    began = try_parse_time(start)
    finished = datetime.now(timezone.utc) if end is None else try_parse_time(end)
    if began is None or finished is None:
        return None
    return round((finished - began).total_seconds(), 3)
