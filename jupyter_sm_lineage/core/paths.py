"""Where the project keeps its files: an explicit variable, else the XDG data directory."""

from __future__ import annotations

import os
from pathlib import Path


def data_path(variable: str, name: str) -> Path:
    """``$variable`` if set, else ``$XDG_DATA_HOME/jupyter-sm-lineage/name`` (``~/.local/share`` by default)."""
    configured = os.environ.get(variable)
    if configured:
        return Path(configured).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "jupyter-sm-lineage" / name
