"""Service configuration and its cache: :class:`Settings` (from the documented environment variables) and
:class:`TTLCache` (cachetools' TLRUCache behind a lock: a TTL per entry, or for good)."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from cachetools import TLRUCache

from .aws import allowed_regions_from_env, default_region

N = TypeVar("N", int, float)


def env_number(name: str, default: N, kind: type[N], minimum: N | None = None) -> N:
    """A number from the environment variable ``name`` (``default`` when unset or empty), at least ``minimum``
    (default: 1 for a count, 0 for seconds, where 0 means not cached)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not {'an integer' if kind is int else 'a number'}") from None
    least = minimum if minimum is not None else (1 if kind is int else 0)
    if value < least:
        raise ValueError(f"{name}={text!r} must be at least {least}")
    return value


@dataclass(frozen=True)
class Settings:
    """Service configuration; :meth:`from_env` reads the documented environment variables."""

    allowed_regions: tuple[str, ...] = ()
    #: Regions a catalog covers when the caller names none.
    default_regions: tuple[str, ...] = ()
    profile: str | None = None
    #: Threads for AWS calls: a cold lineage's widest wave is 4 calls about the execution plus 5 per bucket.
    max_workers: int = 32
    #: Threads sampling dataset schemas for a comparison (each sample is a listing and a ranged read).
    sample_workers: int = 128
    catalog_ttl: float = 60.0
    running_ttl: float = 10.0
    bucket_ttl: float = 300.0
    cache_entries: int = 20_000
    schema_store: str | None = None
    #: Per AWS call: seconds to connect, seconds to wait for an answer, attempts (retries included). A call to an
    #: endpoint that accepts connections but never answers gives up after attempts x (connect + read) seconds
    #: plus botocore's backoff between attempts.
    aws_connect_timeout: float = 3.0
    aws_read_timeout: float = 10.0
    aws_max_attempts: int = 3
    #: SQL worker processes (0: analyse in the calling thread, with the cooperative time budget only).
    sql_workers: int = 0
    #: Seconds one SQL request may take; MiB of memory a SQL worker may use.
    sql_seconds: float = 20.0
    sql_memory_mb: int = 2048
    hooks: tuple[tuple[str, Callable[..., Any]], ...] = field(default=())

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The documented environment variables (:data:`ENVIRONMENT`) over the defaults above, ``overrides``
        (those not None) over both."""
        allowed = tuple(allowed_regions_from_env())
        regions = tuple(r.strip() for r in os.environ.get("SM_LINEAGE_REGIONS", "").split(",") if r.strip())
        if not regions:
            regions = allowed or tuple(r for r in [default_region()] if r)
        values: dict[str, Any] = {
            "allowed_regions": allowed,
            "default_regions": regions,
            "profile": os.environ.get("AWS_PROFILE") or None,
            "schema_store": os.environ.get("SM_LINEAGE_SCHEMA_STORE") or None,
        }
        defaults = {f.name: f.default for f in fields(cls)}
        for name, (variable, minimum) in ENVIRONMENT.items():
            default = defaults[name]
            values[name] = env_number(variable, default, type(default), minimum)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


#: The numeric settings and the variable each is read from (with its minimum when not the usual one).
ENVIRONMENT: dict[str, tuple[str, Any]] = {
    "max_workers": ("SM_LINEAGE_MAX_WORKERS", None),
    "catalog_ttl": ("SM_LINEAGE_CATALOG_TTL", None),
    "running_ttl": ("SM_LINEAGE_RUNNING_TTL", None),
    "bucket_ttl": ("SM_LINEAGE_BUCKET_TTL", None),
    "aws_connect_timeout": ("SM_LINEAGE_AWS_CONNECT_TIMEOUT", None),
    "aws_read_timeout": ("SM_LINEAGE_AWS_READ_TIMEOUT", None),
    "aws_max_attempts": ("SM_LINEAGE_AWS_MAX_ATTEMPTS", None),
    "sql_workers": ("SM_LINEAGE_SQL_WORKERS", 0),
    "sql_seconds": ("SM_LINEAGE_SQL_SECONDS", None),
    "sql_memory_mb": ("SM_LINEAGE_SQL_MEMORY_MB", None),
}


class TTLCache:
    """A thread-safe cache (cachetools' TLRUCache): entries with a TTL or forever, least recently used evicted."""

    def __init__(self, max_entries: int = 20_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: TLRUCache[Any, tuple[float | None, Any]] = TLRUCache(max_entries, _expiry, timer=clock)
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            entry = self._data.get(key)
        return (False, None) if entry is None else (True, entry[1])

    def put(self, key: Any, value: Any, ttl: float | None) -> None:
        with self._lock:
            self._data[key] = (ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            self._data.expire()
            return len(self._data)


def _expiry(_key: Any, entry: tuple[float | None, Any], now: float) -> float:
    return math.inf if entry[0] is None else now + entry[0]
