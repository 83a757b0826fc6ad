"""Walks over JSON-like values (dicts, lists, scalars) that never recurse, so that hostile input cannot
exhaust the stack: how deep a value nests, and a copy without non-finite numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays more than ``limit`` levels (stops at the first one that does)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping | list | tuple):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, Mapping) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if not isinstance(value, dict | list):
        return value
    root: Any = {} if isinstance(value, dict) else []
    pending: list[tuple[Any, Any]] = [(value, root)]
    while pending:
        source, target = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            kept: Any = item
            if isinstance(item, float) and not math.isfinite(item):
                kept = None
            elif isinstance(item, dict | list):
                kept = {} if isinstance(item, dict) else []
                pending.append((item, kept))
            if isinstance(target, dict):
                target[key] = kept
            else:
                target.append(kept)
    return root
