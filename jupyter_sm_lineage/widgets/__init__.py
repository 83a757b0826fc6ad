"""Notebook viewers for SageMaker lineage: the explorer, the DAG, schemas, feature groups, run comparisons.

from jupyter_sm_lineage.widgets import Explorer, DagViewer, SchemaViewer, FeatureGroupViewer, connect
Explorer()                                        # the whole UI, in-kernel client by default
DagViewer(LineageService().lineage(...))          # any lineage dict of the contract
connect("http://127.0.0.1:8888/", token="...")    # read through a Jupyter server's routes instead

Names load on first use: ``widgets.html`` (static rendering) and ``widgets.results`` import no widget
library, so a static rendering needs neither ipywidgets nor ipycytoscape.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the submodule that defines it
_EXPORTS = {
    "HttpClient": "client",
    "InKernelClient": "client",
    "LineageClient": "client",
    "connect": "client",
    "default_client": "client",
    "DagViewer": "dag",
    "CompareViewer": "compare",
    "Explorer": "explorer",
    "FeatureGroupBrowser": "featuregroup",
    "FeatureGroupViewer": "featuregroup",
    "RunPicker": "runs",
    "SchemaViewer": "schema",
    "CatalogResult": "results",
    "CompareResult": "results",
    "DiffResult": "results",
    "ExecutionsResult": "results",
    "ExportResult": "results",
    "FeatureGroupResult": "results",
    "FeatureGroupsResult": "results",
    "LineageResult": "results",
    "SchemaResult": "results",
    "SqlLineageResult": "results",
    "VersionsResult": "results",
}

__all__ = [
    "CatalogResult",
    "CompareResult",
    "CompareViewer",
    "DagViewer",
    "DiffResult",
    "ExecutionsResult",
    "Explorer",
    "ExportResult",
    "FeatureGroupBrowser",
    "FeatureGroupResult",
    "FeatureGroupViewer",
    "FeatureGroupsResult",
    "HttpClient",
    "InKernelClient",
    "LineageClient",
    "LineageResult",
    "RunPicker",
    "SchemaResult",
    "SchemaViewer",
    "SqlLineageResult",
    "VersionsResult",
    "connect",
    "default_client",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
