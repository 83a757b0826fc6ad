"""Loading side: what the exporter reads, all through LineageService's public API (typed by a Protocol)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from jupyter_sm_lineage.core.errors import LineageError

from .naming import parse_time

log = logging.getLogger(__name__)
FINISHED = frozenset({"Succeeded", "Failed", "Stopped"})


class LineageSource(Protocol):
    """What the exporter asks of :class:`jupyter_sm_lineage.core.service.LineageService`."""

    def lineage(self, region: str, pipeline: str, view: str = ..., include_latest_exec: bool = ...,
                domain: str | None = ..., execution_arn: str | None = ...,
                include_schemas: bool = ...) -> dict[str, Any]: ...

    def all_executions(self, region: str, pipeline: str) -> list[dict[str, Any]]: ...

    def pipeline_tags(self, region: str, pipeline: str) -> dict[str, str]: ...

    def feature_group(self, region: str, name: str) -> dict[str, Any]: ...

    def dataset_schema(self, bucket: str, prefix: str, region: str, save: bool = ...,
                       policy: Any = ...) -> dict[str, Any]: ...

    def schema_versions(self, bucket: str, prefix: str, region: str) -> dict[str, Any]: ...

    def close(self) -> None: ...


if TYPE_CHECKING:
    from jupyter_sm_lineage.core.service import LineageService

    def _conforms(service: LineageService) -> LineageSource:
        """mypy checks here that LineageService still offers what the exporter uses."""
        return service


def default_service() -> LineageSource:
    from jupyter_sm_lineage.core.service import LineageService

    return LineageService()


def started_since(summaries: Iterable[Mapping[str, Any]], since: datetime) -> list[dict[str, Any]]:
    return [dict(s) for s in summaries if parse_time(s.get("StartTime")) >= since]


def pipeline_tags(service: LineageSource, region: str, pipeline: str) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in service.pipeline_tags(region, pipeline).items()}
    except LineageError as exc:
        log.warning("could not read the tags of pipeline %s: %s", pipeline, exc.message)
        return {}


def feature_groups(service: LineageSource, region: str, lineage: Mapping[str, Any],
                   cache: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Descriptions of the feature groups a lineage's steps write (offline store S3 URI, Glue table)."""
    cache = {} if cache is None else cache
    names = {str(p.get("uri", "")).split("://", 1)[-1].strip("/")
             for node in (lineage.get("graph") or {}).get("nodes") or []
             for p in [*(node.get("inputs") or []), *(node.get("outputs") or [])]
             if isinstance(p, Mapping) and p.get("kind") == "feature-group"}
    out = {}
    for name in sorted(n for n in names if n and "{" not in n):
        if name not in cache:
            try:
                cache[name] = service.feature_group(region, name)
            except LineageError as exc:
                log.warning("could not describe feature group %s: %s", name, exc.message)
                cache[name] = {}
        if cache[name]:
            out[name] = cache[name]
    return out
