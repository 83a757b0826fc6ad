"""The two operations that run the exporter on the service (declared in :mod:`jupyter_sm_lineage.operations`).

They live beside the server rather than in the core: the exporter sits above the service (core ->
LineageService -> exporter), so the core never imports it.
"""

from __future__ import annotations

from typing import Any

from ..core.service import LineageService


def preview_events(service: LineageService, region: str, pipeline: str, execution_arn: str | None = None,
                   include_schemas: bool = False) -> dict[str, Any]:
    """The OpenLineage events of one execution (the latest unless named), as the exporter would send them."""
    from sm_lineage_exporter import events_for_lineage, to_dict

    lineage = service.lineage(region, pipeline, include_latest_exec=True, execution_arn=execution_arn,
                              include_schemas=include_schemas)
    events = [to_dict(event) for event in events_for_lineage(lineage)]
    return {"region": lineage["region"], "pipeline": pipeline,
            "executionArn": lineage["summary"].get("executionArn"), "count": len(events), "events": events}


def push_events(service: LineageService, region: str, pipeline: str, executions: str = "latest",
                include_schemas: bool = False, spool_dir: str | None = None,
                url: str | None = None) -> dict[str, Any]:
    """Send a pipeline's executions through the exporter: delivered, or spooled for a later replay."""
    from sm_lineage_exporter import Emitter, Spool, export_pipeline, make_client

    from ..core.errors import InvalidRequest

    region = service.clients.check_region(region)
    if executions not in ("latest", "all", "since-last") and not executions.startswith("since="):
        raise InvalidRequest("executions must be latest, all, since-last or since=ISO-TIME", parameter="executions")
    spool = Spool(spool_dir) if spool_dir else Spool()
    try:
        result = export_pipeline(region, pipeline, executions, service=service,
                                 emitter=Emitter(make_client(url=url or None), spool), include_schemas=include_schemas)
    except ValueError as exc:
        raise InvalidRequest(str(exc), parameter="executions") from None
    delivery = result.delivery
    return {
        "region": region, "pipeline": pipeline, "executions": result.executions, "running": result.running,
        "delivered": delivery.sent, "spooled": delivery.spooled,
        "rejected": [{"status": r.status, "message": r.message} for r in delivery.rejected],
        "errors": [*result.errors, *delivery.errors], "ok": result.ok,
    }
