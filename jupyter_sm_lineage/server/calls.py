"""The two operations that run the exporter on the service (declared in :mod:`jupyter_sm_lineage.operations`).

They live beside the server rather than in the core: the exporter sits above the service (core ->
LineageService -> exporter), so the core never imports it. Both call the exporter's one export function,
:func:`sm_lineage_exporter.export_pipeline`, as the CLI and the magic do.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import InvalidRequest
from ..core.service import LineageService


def preview_events(service: LineageService, region: str, pipeline: str, execution_arn: str | None = None,
                   include_schemas: bool = False) -> dict[str, Any]:
    """The OpenLineage events of one execution (the latest unless named), as the exporter would send them."""
    from sm_lineage_exporter import export_pipeline

    result = export_pipeline(region, pipeline, execution_arn=execution_arn, service=service, dry_run=True,
                             include_schemas=include_schemas)
    events = result.event_dicts()
    return {"region": region, "pipeline": pipeline,
            "executionArn": result.executions[0] if result.executions else None, "count": len(events),
            "events": events}


def push_events(service: LineageService, region: str, pipeline: str, executions: str = "latest",
                include_schemas: bool = False, spool_dir: str | None = None,
                url: str | None = None) -> dict[str, Any]:
    """Send a pipeline's executions through the exporter: delivered, or spooled for a later replay.

    Answers the exporter's one summary (``ExportResult.summary()``), as the CLI prints it.
    """
    from sm_lineage_exporter import export_pipeline, make_emitter

    try:  # a bad region or pipeline is the service's own 400, raised by the export's first read
        with make_emitter(spool_dir=spool_dir, url=url) as emitter:
            result = export_pipeline(region, pipeline, executions, service=service, emitter=emitter,
                                     include_schemas=include_schemas)
    except ValueError as exc:
        raise InvalidRequest(str(exc), parameter="executions") from None
    return result.summary()
