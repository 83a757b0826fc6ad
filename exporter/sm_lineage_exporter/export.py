"""Exports: load through LineageService, map (pure), emit through openlineage-python (or print).

:func:`export_pipeline` is the one export of pipeline executions: the CLI, the ``%lineage export`` magic
and the server's ``openlineage/events`` route call it and report :meth:`ExportResult.summary`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from jupyter_sm_lineage.core.errors import NotFound

from .emit import Delivery, Emitter, event_key
from .loading import FINISHED, LineageSource, default_service, feature_groups, pipeline_tags, started_since
from .naming import iso, parse_time
from .pipeline_events import events_for_lineage
from .serialize import to_dict
from .watermark import Watermark, WatermarkStore

log = logging.getLogger(__name__)
Progress = Callable[[int], None]


@dataclass
class ExportResult:
    """What an export did: which executions, how many events, and what became of them."""

    region: str | None = None
    pipeline: str | None = None
    executions: list[str] = field(default_factory=list)
    #: Executions skipped because they are still running (``since-last`` exports them once finished).
    running: list[str] = field(default_factory=list)
    #: The events, when nothing was sent (a dry run, or no emitter).
    events: list[Any] = field(default_factory=list)
    #: How many events the export produced (sent, spooled, lost, or only returned).
    count: int = 0
    delivery: Delivery = field(default_factory=Delivery)
    errors: list[str] = field(default_factory=list)
    watermark: dict[str, Any] | None = None
    dry_run: bool = False
    spool_dir: str | None = None

    @property
    def ok(self) -> bool:
        return self.delivery.ok and not self.errors

    def summary(self) -> dict[str, Any]:
        """The one report of an export (CLI stdout, the magic's display, the route's answer).

        ``{region, pipeline, executions: [arn], running: [arn], events, delivered, spooled, notDelivered,
        rejected: [{status, message}], errors: [str], ok, dryRun, spoolDir, watermark,
        notDeliveredEvents: [event]}``: ``notDelivered`` counts events that were neither delivered nor
        spooled (``notDeliveredEvents`` holds them, for a retry).
        """
        delivery = self.delivery
        errors = [*self.errors, *delivery.errors, *([delivery.spool_error] if delivery.spool_error else [])]
        return {
            "region": self.region,
            "pipeline": self.pipeline,
            "executions": list(self.executions),
            "running": list(self.running),
            "events": self.count,
            "delivered": delivery.sent,
            "spooled": delivery.spooled,
            "notDelivered": len(delivery.lost),
            "rejected": [{"status": r.status, "message": r.message} for r in delivery.rejected],
            "errors": list(dict.fromkeys(errors)),
            "ok": self.ok,
            "dryRun": self.dry_run,
            "spoolDir": self.spool_dir,
            "watermark": self.watermark,
            "notDeliveredEvents": [to_dict(e) for e in delivery.lost],
        }

    def event_dicts(self) -> list[dict[str, Any]]:
        return [to_dict(e) for e in self.events]


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
    execution_arn: str | None = None,
    service: LineageSource | None = None,
    emitter: Emitter | None = None,
    dry_run: bool = False,
    state: WatermarkStore | None = None,
    include_schemas: bool = True,
    producer: str | None = None,
    namespace: str | None = None,
    progress: Progress | None = None,
    on_total: Progress | None = None,
) -> ExportResult:
    """Export a pipeline's executions as OpenLineage events.

    Args:
        executions: ``latest`` (the newest, even if running), ``all``, ``since=ISO-TIME`` (started at or
            after), or ``since-last`` (what the last exports have not handed over, by the watermark).
        execution_arn: One execution by ARN (instead of ``executions``).
        service: A LineageService (default: one from the environment, closed afterwards).
        emitter: Where events go; None (or ``dry_run``) returns them in ``events`` instead.
        state: Watermark store for ``since-last`` (default: ``$SM_LINEAGE_STATE_DIR``).
        progress, on_total: Progress callbacks, in events: ``on_total(n)`` as each execution's n events are
            mapped, ``progress(k)`` as k of them are emitted (or, for a dry run, mapped), so that a bar ends
            at the summary's ``events``.

    Returns:
        The executions exported, the events (when not sent) and the delivery outcome.

    Raises:
        ValueError: ``executions`` is not one of the forms above, or is given with ``execution_arn``.
    """
    mode, since = parse_executions(executions)
    if execution_arn and mode != "latest":
        raise ValueError("give one execution ARN or --executions, not both")
    sending = emitter is not None and not dry_run
    result = ExportResult(region=region, pipeline=pipeline, dry_run=not sending,
                          spool_dir=str(emitter.spool.directory) if sending and emitter and emitter.spool else None)
    store = (state or WatermarkStore()) if mode == "since-last" else None
    own = service is None
    source = default_service() if service is None else service
    try:
        mark, wanted = _plan(source, region, pipeline, mode, since, execution_arn, store)
        if not sending:
            store = None  # a dry run reads the watermark, never moves it
        try:
            _export(source, result, wanted, mark, store, emitter if sending else None, include_schemas=include_schemas,
                    producer=producer, namespace=namespace, progress=progress, on_total=on_total)
        finally:
            if mark is not None and store is not None:
                mark.exported_at = iso(datetime.now(timezone.utc))
                _put(store, mark, result)
                result.watermark = mark.to_dict()
    finally:
        if own:
            source.close()
    return result


def _export(source: LineageSource, result: ExportResult, wanted: list[str | None], mark: Watermark | None,
            store: WatermarkStore | None, emitter: Emitter | None, *, include_schemas: bool,
            producer: str | None, namespace: str | None, progress: Progress | None,
            on_total: Progress | None) -> None:
    assert result.region is not None and result.pipeline is not None
    region, pipeline = result.region, result.pipeline
    tags: dict[str, str] | None = None
    groups: dict[str, dict[str, Any]] = {}
    for named in wanted:
        lineage = source.lineage(region, pipeline, execution_arn=named, include_schemas=include_schemas) if named \
            else source.lineage(region, pipeline, include_latest_exec=True, include_schemas=include_schemas)
        execution: Mapping[str, Any] = lineage.get("execution") or {}
        arn = named or execution.get("arn")
        if not arn:
            result.errors.append(f"pipeline {pipeline} has no executions")
            continue
        if mark is not None and execution.get("status") not in FINISHED:
            result.running.append(arn)  # stays pending: exported once finished
            continue
        if tags is None:
            tags = pipeline_tags(source, region, pipeline)
        events = events_for_lineage(lineage, producer=producer, namespace=namespace, tags=tags,
                                    feature_groups=feature_groups(source, region, lineage, groups))
        if mark is not None:
            already = set(mark.handed.get(arn, ()))
            events = [e for e in events if event_key(e) not in already]
        result.executions.append(arn)
        result.count += len(events)
        if on_total:
            on_total(len(events))
        if emitter is None:
            result.events.extend(events)
            if progress:
                progress(len(events))
            continue
        delivery = emitter.emit(events, progress)
        result.delivery.merge(delivery)
        if mark is not None and store is not None:
            _record(mark, arn, events, delivery)
            _put(store, mark, result)


def _record(mark: Watermark, arn: str, events: list[Any], delivery: Delivery) -> None:
    """Spooled counts as handed over: an execution leaves ``pending`` once nothing of it was lost."""
    lost = {event_key(e) for e in delivery.lost}
    if not lost:
        mark.pending = [a for a in mark.pending if a != arn]
        mark.handed.pop(arn, None)
        return
    out = {event_key(e) for e in events} - lost
    mark.handed[arn] = sorted(set(mark.handed.get(arn, ())) | out)
    if arn not in mark.pending:
        mark.pending.append(arn)


def _put(store: WatermarkStore, mark: Watermark, result: ExportResult) -> None:
    try:
        store.put(mark)
    except OSError as exc:
        message = (f"could not record what was handed over in {store.directory} ({exc}): the next since-last "
                   "export may send some events again")
        if message not in result.errors:
            result.errors.append(message)


def _plan(source: LineageSource, region: str, pipeline: str, mode: str, since: datetime | None,
          execution_arn: str | None, store: WatermarkStore | None) -> tuple[Watermark | None, list[str | None]]:
    """(the watermark to move, for ``since-last``; the executions to load, oldest first; None = the latest)."""
    if mode == "latest":
        return None, [execution_arn]
    summaries = source.all_executions(region, pipeline)
    if mode == "all":
        return None, [s["PipelineExecutionArn"] for s in reversed(summaries)]
    if mode == "since":
        assert since is not None
        return None, [s["PipelineExecutionArn"] for s in reversed(started_since(summaries, since))]
    assert store is not None
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
    arns = [s["PipelineExecutionArn"] for s in reversed(chosen)]
    mark = Watermark(pipeline=pipeline, region=region, pending=list(arns),
                     handed={a: k for a, k in (previous.handed if previous else {}).items() if a in arns})
    if summaries:
        newest = parse_time(summaries[0]["StartTime"])
        mark.listed_through = iso(newest)
        mark.listed_at_mark = sorted(s["PipelineExecutionArn"] for s in summaries
                                     if parse_time(s["StartTime"]) == newest)
    elif previous is not None:
        mark.listed_through, mark.listed_at_mark = previous.listed_through, list(previous.listed_at_mark)
    return mark, list(arns)


def export_sql(sql: str, *, emitter: Emitter | None = None, **options: Any) -> ExportResult:
    """Export a SQL script's lineage (see :func:`sm_lineage_exporter.sql_events.events_for_sql`)."""
    from .sql_events import events_for_sql

    events = events_for_sql(sql, **options)
    return _deliver(ExportResult(), events, emitter)


def export_schema(region: str, uri: str, *, version: int | None = None, service: LineageSource | None = None,
                  emitter: Emitter | None = None, save: bool = True, producer: str | None = None) -> ExportResult:
    """Export a dataset's schema: the stored ``version``, or a fresh sample saved as the next version."""
    from .schema_events import event_for_schema

    if not uri.startswith("s3://") or len(uri) <= len("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    own = service is None
    source = default_service() if service is None else service
    try:
        if version is not None:
            history = source.schema_versions(bucket, prefix, region)
            stored = next((v for v in history.get("versions") or [] if v.get("version") == int(version)), None)
            if stored is None:
                raise NotFound(f"No schema version {version} for {history.get('dataset_id') or uri}")
            schema = {**(stored.get("schema") or {}), "fields": stored["fields"]}
            event = event_for_schema(str(history["dataset_id"]), schema, version=stored["version"],
                                     event_time=stored["createdAt"], region=region, producer=producer)
        else:
            sampled = source.dataset_schema(bucket, prefix, region, save=save)
            saved = sampled.get("saved") or {}
            event = event_for_schema(sampled["dataset_id"], sampled["schema"], version=saved.get("version"),
                                     event_time=saved.get("createdAt"), region=region, producer=producer)
    finally:
        if own:
            source.close()
    return _deliver(ExportResult(region=region), [event], emitter)


def _deliver(result: ExportResult, events: list[Any], emitter: Emitter | None) -> ExportResult:
    result.count = len(events)
    if emitter is None:
        result.events, result.dry_run = list(events), True
    else:
        result.delivery = emitter.emit(events)
        result.spool_dir = str(emitter.spool.directory) if emitter.spool else None
    return result
