"""Events as JSON: openlineage-python's Serde (nulls dropped, enums as values), one line per event."""

from __future__ import annotations

import json
from typing import Any

from openlineage.client.serde import Serde


def to_dict(event: Any) -> dict[str, Any]:
    """An event (or an already serialised dict) as a JSON-ready dict."""
    if isinstance(event, dict):
        return event
    return Serde.to_dict(event)


def to_json(event: Any) -> str:
    """One compact line, keys in a stable order (the same event always serialises the same)."""
    return json.dumps(to_dict(event), separators=(",", ":"), ensure_ascii=False)
