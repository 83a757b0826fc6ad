"""Data lineage for Amazon SageMaker Pipelines inside Jupyter.

Importing the package stays cheap: the server extension, widgets and magic load lazily, so the
core and the exporter work without a Jupyter server.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__

__all__ = ["__version__", "load_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_sm_lineage``: the ``%lineage`` and ``%%lineage_sql`` magics."""
    from .magic import load_ipython_extension as load

    load(ipython)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import LineageExtensionApp

    return [{"module": "jupyter_sm_lineage.server.app", "app": LineageExtensionApp}]
