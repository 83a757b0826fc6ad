"""Exports: load through LineageService, map (pure), emit through openlineage-python (or print)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .emit import Delivery, Emitter
from .loading import FINISHED, execution_summaries, feature_groups, pipeline_tags, started_since
from .naming import iso, parse_time
from .pipeline_events import events_for_lineage
from .watermark import Watermark, WatermarkStore

log = logging.getLogger(__name__)
Progress = Callable[[int], None]


@dataclass
class ExportResult:
    """What an export did: which executions, how many events, and what became of them."""

    executions: list[str] = field(default_factory=list)
    #: Executions skipped because they are still running (``since-last`` exports them once finished).
    running: list[str] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)
    errors: list[str] = field(default_factory=list)
    watermark: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.delivery.ok and not self.errors


def parse_executions(value: str) -> tuple[str, datetime | None]:
    """``latest`` | ``all`` | ``since-last`` | ``since=ISO-TIME`` -> (mode, time)."""
    if value in ("latest", "all", "since-last"):
        return value, None
    if value.startswith("since="):
        try:
            return "since", parse_time(value[len("since="):])
        except ValueError:
            raise ValueError(f"--executions since=... needs an ISO time, e.g. since=2025-10-01T00:00:00Z, "
                             f"not {value!r}") from None
    raise ValueError(f"--executions must be latest, all, since-last or since=ISO-TIME, not {value!r}")


def export_pipeline(
    region: str,
    pipeline: str,
    executions: str = "latest",
    *,
    service: Any = None,
    emitter: Emitter | None = None,
    dry_run: bool = False,
    state: WatermarkStore | None = None,
    include_schemas: bool = True,
    producer: str | None = None,
    namespace: str | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ExportResult:
    """Export a pipeline's executions as OpenLineage events.

    Args:
        executions: ``latest`` (the newest, even if running), ``all``, ``since=ISO-TIME`` (started at or
            after), or ``since-last`` (finished since the last successful export, by the watermark).
        service: A LineageService (default: one from the environment, closed afterwards).
        emitter: Where events go; None with ``dry_run`` (events only returned).
        state: Watermark store for ``since-last`` (default: ``$SM_LINEAGE_STATE_DIR``).
        progress, on_total: Progress callbacks (one tick per execution loaded and per event emitted).

    Returns:
        The executions exported, the events (when ``dry_run``) and the delivery outcome.
    """
    mode, since = parse_executions(executions)
    own_service = service is None
    if own_service:
        from jupyter_sm_lineage.core.service import LineageService

        service = LineageService()
    result = ExportResult()
    try:
        mark, arns = _select(service, region, pipeline, mode, since, state, result)
        if on_total:
            on_total(len(arns))
        tags: dict[str, str] | None = None
        groups: dict[str, dict[str, Any]] = {}
        exported: list[str] = []
        for wanted in arns:
            lineage = service.lineage(region, pipeline, execution_arn=wanted, include_schemas=include_schemas) \
                if wanted else service.lineage(region, pipeline, include_latest_exec=True,
                                               include_schemas=include_schemas)
            if progress:
                progress(1)
            status = (lineage.get("execution") or {}).get("status")
            arn = wanted or (lineage.get("execution") or {}).get("arn")
            if not arn:
                result.errors.append(f"pipeline {pipeline} has no executions")
                continue
            if mode == "since-last" and status not in FINISHED:
                result.running.append(arn)
                continue
            if tags is None:
                tags = pipeline_tags(service, region, (lineage.get("pipeline") or {}).get("arn"))
            events = events_for_lineage(lineage, producer=producer, namespace=namespace, tags=tags,
                                        feature_groups=feature_groups(service, region, lineage, groups))
            exported.append(arn)
            if on_total:
                on_total(len(events))
            if dry_run or emitter is None:
                result.events.extend(events)
                if progress:
                    progress(len(events))
            else:
                result.delivery.merge(emitter.emit(events, progress))
        result.executions = exported
        if mode == "since-last" and mark is not None and not dry_run and result.ok and emitter is not None:
            mark.pending = list(result.running)
            mark.exported_at = iso(datetime.now(timezone.utc))
            (state or WatermarkStore()).put(mark)
            result.watermark = mark.to_dict()
    finally:
        if own_service:
            service.close()
    return result


def _select(service: Any, region: str, pipeline: str, mode: str, since: datetime | None,
            state: WatermarkStore | None, result: ExportResult) -> tuple[Watermark | None, list[str | None]]:
    """(the next watermark, the executions to load oldest first; None = the latest one)."""
    if mode == "latest":
        return None, [None]
    summaries = execution_summaries(service, region, pipeline)
    if mode == "all":
        chosen = summaries
    elif mode == "since":
        assert since is not None
        chosen = started_since(summaries, since)
    else:
        store = state or WatermarkStore()
        previous = store.get(region, pipeline)
        if previous is None or previous.listed_through is None:
            chosen = summaries
        else:
            mark_time = parse_time(previous.listed_through)
            pending = set(previous.pending)
            chosen = [s for s in summaries
                      if parse_time(s["StartTime"]) > mark_time or s["PipelineExecutionArn"] in pending
                      or (parse_time(s["StartTime"]) == mark_time
                          and s["PipelineExecutionArn"] not in previous.listed_at_mark)]
        mark = Watermark(pipeline=pipeline, region=region)
        if summaries:
            newest = parse_time(summaries[0]["StartTime"])
            mark.listed_through = iso(newest)
            mark.listed_at_mark = sorted(s["PipelineExecutionArn"] for s in summaries
                                         if parse_time(s["StartTime"]) == newest)
        elif previous is not None:
            mark = previous
        return mark, [s["PipelineExecutionArn"] for s in reversed(chosen)]
    return None, [s["PipelineExecutionArn"] for s in reversed(chosen)]


def export_sql(sql: str, *, emitter: Emitter | None = None, **options: Any) -> ExportResult:
    """Export a SQL script's lineage (see :func:`sm_lineage_exporter.sql_events.events_for_sql`)."""
    from .sql_events import events_for_sql

    events = events_for_sql(sql, **options)
    result = ExportResult(events=list(events) if emitter is None else [])
    if emitter is not None:
        result.delivery = emitter.emit(events)
    return result


def export_schema(region: str, uri: str, *, version: int | None = None, service: Any = None,
                  emitter: Emitter | None = None, save: bool = True, producer: str | None = None) -> ExportResult:
    """Export a dataset's schema: the stored ``version``, or a fresh sample saved as the next version."""
    from .schema_events import event_for_schema

    if not uri.startswith("s3://") or len(uri) <= len("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    own_service = service is None
    if own_service:
        from jupyter_sm_lineage.core.service import LineageService

        service = LineageService()
    try:
        if version is not None:
            dataset_id = f"s3://{bucket}/{prefix.lstrip('/')}"
            stored = service.schema_store.get(dataset_id, int(version)).to_dict(full=True)
            schema = {**(stored.get("schema") or {}), "fields": stored["fields"]}
            event = event_for_schema(dataset_id, schema, version=stored["version"], event_time=stored["createdAt"],
                                     region=region, producer=producer)
        else:
            sampled = service.dataset_schema(bucket, prefix, region, save=save)
            saved = sampled.get("saved") or {}
            event = event_for_schema(sampled["dataset_id"], sampled["schema"], version=saved.get("version"),
                                     event_time=saved.get("createdAt"), region=region, producer=producer)
    finally:
        if own_service:
            service.close()
    result = ExportResult(events=[event] if emitter is None else [])
    if emitter is not None:
        result.delivery = emitter.emit([event])
    return result
