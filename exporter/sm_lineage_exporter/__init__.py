"""OpenLineage exporter for SageMaker pipeline lineage (graphs, SQL lineage, schemas).

    from sm_lineage_exporter import events_for_lineage, export_pipeline
    events = events_for_lineage(service.lineage(region, "my-pipeline", include_latest_exec=True))
    with make_emitter(url=...) as emitter:
        export_pipeline(region, "my-pipeline", "since-last", service=service, emitter=emitter).summary()

Importing the package is cheap: the names below load their modules on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jupyter_sm_lineage._version import __version__

_EXPORTS = {
    "events_for_lineage": "pipeline_events",
    "MappingOptions": "pipeline_events",
    "PRODUCER": "pipeline_events",
    "events_for_sql": "sql_events",
    "event_for_schema": "schema_events",
    "export_pipeline": "export",
    "export_sql": "export",
    "export_schema": "export",
    "ExportResult": "export",
    "Emitter": "emit",
    "Delivery": "emit",
    "make_client": "emit",
    "make_emitter": "emit",
    "Spool": "spool",
    "replay": "spool",
    "WatermarkStore": "watermark",
    "to_json": "serialize",
    "to_dict": "serialize",
}

# Spelled out (the keys of _EXPORTS and __version__): type checkers and linters only read a literal
# __all__, and without it they see none of the lazy names as exported.
__all__ = [
    "PRODUCER",
    "Delivery",
    "Emitter",
    "ExportResult",
    "MappingOptions",
    "Spool",
    "WatermarkStore",
    "__version__",
    "event_for_schema",
    "events_for_lineage",
    "events_for_sql",
    "export_pipeline",
    "export_schema",
    "export_sql",
    "make_client",
    "make_emitter",
    "replay",
    "to_dict",
    "to_json",
]

if TYPE_CHECKING:
    from .emit import Delivery, Emitter, make_client, make_emitter
    from .export import ExportResult, export_pipeline, export_schema, export_sql
    from .pipeline_events import PRODUCER, MappingOptions, events_for_lineage
    from .schema_events import event_for_schema
    from .serialize import to_dict, to_json
    from .spool import Spool, replay
    from .sql_events import events_for_sql
    from .watermark import WatermarkStore


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
