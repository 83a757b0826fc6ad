"""Loading side: pipeline executions, their lineage, tags and feature groups, through LineageService."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .naming import parse_time

log = logging.getLogger(__name__)
FINISHED = frozenset({"Succeeded", "Failed", "Stopped"})


def execution_summaries(service: Any, region: str, pipeline: str) -> list[dict[str, Any]]:
    """Every execution of a pipeline (ListPipelineExecutions), newest first."""
    items = service.clients.paginate(
        "sagemaker", region, "list_pipeline_executions", "PipelineExecutionSummaries",
        f"executions of {pipeline}", PipelineName=pipeline, SortBy="CreationTime", SortOrder="Descending")
    # moto ignores SortOrder; real AWS honours it: sort either way.
    return sorted(items, key=lambda s: parse_time(s.get("StartTime")), reverse=True)


def started_since(summaries: Iterable[Mapping[str, Any]], since: datetime) -> list[dict[str, Any]]:
    return [dict(s) for s in summaries if parse_time(s.get("StartTime")) >= since]


def pipeline_tags(service: Any, region: str, arn: str | None) -> dict[str, str]:
    if not arn:
        return {}
    try:
        return dict(service._tags(region, arn))
    except Exception as exc:
        log.warning("could not read the tags of %s: %s", arn, exc)
        return {}


def feature_groups(service: Any, region: str, lineage: Mapping[str, Any],
                   cache: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Descriptions of the feature groups a lineage's steps write (offline store S3 URI, Glue table)."""
    from jupyter_sm_lineage.core.featurestore import describe_feature_group

    cache = {} if cache is None else cache
    names = {str(p.get("uri", "")).split("://", 1)[-1].strip("/")
             for node in (lineage.get("graph") or {}).get("nodes") or []
             for p in [*(node.get("inputs") or []), *(node.get("outputs") or [])]
             if isinstance(p, Mapping) and p.get("kind") == "feature-group"}
    out = {}
    for name in sorted(n for n in names if n and "{" not in n):
        if name not in cache:
            try:
                cache[name] = describe_feature_group(service.clients.client("sagemaker", region), name).to_dict()
            except Exception as exc:
                log.warning("could not describe feature group %s: %s", name, exc)
                cache[name] = {}
        if cache[name]:
            out[name] = cache[name]
    return out
