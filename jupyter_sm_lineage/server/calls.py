"""What a route may ask of the service, by name, answered as JSON text.

Both backends (threads in the server's process, or the service's own process) run requests through
:func:`invoke`, so a route answers the same whichever runs it.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.errors import InvalidRequest
from ..core.service import LineageService

SERVICE_METHODS = frozenset({
    "pipelines", "overview", "catalog", "lineage", "lineage_by_domain", "dataset_schema", "schema_versions",
    "schema_diff", "feature_groups", "feature_group", "sql_lineage",
})


def preview_events(service: LineageService, region: str, pipeline: str, execution_arn: str | None,
                   include_schemas: bool) -> dict[str, Any]:
    """The OpenLineage events of one execution (the latest unless named), as the exporter would send them."""
    from sm_lineage_exporter import events_for_lineage, to_dict

    lineage = service.lineage(region, pipeline, include_latest_exec=True, execution_arn=execution_arn,
                              include_schemas=include_schemas)
    events = [to_dict(event) for event in events_for_lineage(lineage)]
    return {"region": lineage["region"], "pipeline": pipeline,
            "executionArn": lineage["summary"].get("executionArn"), "count": len(events), "events": events}


def push_events(service: LineageService, region: str, pipeline: str, executions: str, include_schemas: bool,
                spool_dir: str | None, url: str | None = None) -> dict[str, Any]:
    """Send a pipeline's executions through the exporter: delivered, or spooled for a later replay."""
    from sm_lineage_exporter import Emitter, Spool, export_pipeline, make_client

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


FUNCTIONS = {"preview_events": preview_events, "push_events": push_events}


def invoke(service: LineageService, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """Run one named call and serialise its answer (serialising a large graph is CPU work too)."""
    if name in SERVICE_METHODS:
        result = getattr(service, name)(*args, **kwargs)
    elif name in FUNCTIONS:
        result = FUNCTIONS[name](service, *args, **kwargs)
    else:
        raise InvalidRequest(f"no such call {name!r}")
    return json.dumps(result, default=str)
