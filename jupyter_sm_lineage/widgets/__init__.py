"""Notebook viewers for SageMaker lineage: the explorer, the DAG, schemas and feature groups.

from jupyter_sm_lineage.widgets import Explorer, DagViewer, SchemaViewer, FeatureGroupViewer, connect
Explorer()                                        # the whole UI, in-kernel client by default
DagViewer(LineageService().lineage(...))          # any lineage dict of the contract
connect("http://127.0.0.1:8888/", token="...")    # read through a Jupyter server's routes instead
"""

from __future__ import annotations

from .client import HttpClient, InKernelClient, LineageClient, connect, default_client
from .dag import DagViewer
from .explorer import Explorer
from .featuregroup import FeatureGroupBrowser, FeatureGroupViewer
from .html import (
    CatalogResult,
    DiffResult,
    ExportResult,
    FeatureGroupResult,
    FeatureGroupsResult,
    LineageResult,
    SchemaResult,
    SqlLineageResult,
    VersionsResult,
)
from .schema import SchemaViewer

__all__ = [
    "CatalogResult",
    "DagViewer",
    "DiffResult",
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
    "SchemaResult",
    "SchemaViewer",
    "SqlLineageResult",
    "VersionsResult",
    "connect",
    "default_client",
]
