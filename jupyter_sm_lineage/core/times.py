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
