"""Regions -> pipelines: tags, the Studio domain each belongs to, the latest execution; cross-pipeline edges.

A pipeline belongs to a Studio domain when its tags say so: ``DomainName``/``DomainId`` (the seed's
convention) or ``sagemaker:domain-arn``, which Studio itself sets on what it creates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .definition import normalize_uri
from .times import elapsed_seconds
from .times import iso as _iso


def tag_dict(tags: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags if "Key" in t}


def match_domain(tags: Mapping[str, str], domains: Iterable[Mapping[str, Any]]) -> dict[str, str] | None:
    """``{"DomainName", "DomainId"}`` of the domain the tags point to, or None."""
    by_id = {str(d.get("DomainId")): d for d in domains}
    by_name = {str(d.get("DomainName")): d for d in by_id.values()}
    candidates = []
    if tags.get("DomainId"):
        candidates.append(by_id.get(tags["DomainId"]))
    arn = tags.get("sagemaker:domain-arn")
    if arn:
        candidates.append(by_id.get(arn.rsplit("/", 1)[-1]))
    if tags.get("DomainName"):
        candidates.append(by_name.get(tags["DomainName"]))
    for domain in candidates:
        if domain is not None:
            return {"DomainName": str(domain.get("DomainName")), "DomainId": str(domain.get("DomainId"))}
    # Tags naming a domain this account/region does not list: keep what the tags say.
    if tags.get("DomainName") or tags.get("DomainId") or arn:
        return {
            "DomainName": tags.get("DomainName", ""),
            "DomainId": tags.get("DomainId") or (arn.rsplit("/", 1)[-1] if arn else ""),
        }
    return None


def in_domain(matched: Mapping[str, str] | None, domain_name: str | None, domain_id: str | None) -> bool:
    if not domain_name and not domain_id:
        return True
    if matched is None:
        return False
    return (not domain_name or matched.get("DomainName") == domain_name) and (
        not domain_id or matched.get("DomainId") == domain_id
    )


def latest_execution_entry(summary: Mapping[str, Any] | None,
                           describe: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not summary:
        return None
    entry: dict[str, Any] = {
        "status": summary.get("PipelineExecutionStatus"),
        "arn": summary.get("PipelineExecutionArn"),
        "startTime": iso(summary.get("StartTime")),
    }
    if describe:
        entry["lastModifiedTime"] = iso(describe.get("LastModifiedTime"))
        if describe.get("FailureReason"):
            entry["failureReason"] = describe["FailureReason"]
    elif summary.get("PipelineExecutionFailureReason"):
        entry["failureReason"] = summary["PipelineExecutionFailureReason"]
    if summary.get("PipelineExecutionDisplayName"):
        entry["displayName"] = summary["PipelineExecutionDisplayName"]
    return entry


def pipeline_entry(
    summary: Mapping[str, Any], tags: Mapping[str, str], matched: Mapping[str, str] | None,
    latest: Mapping[str, Any] | None, include_latest: bool,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": summary.get("PipelineName"),
        "arn": summary.get("PipelineArn"),
        "displayName": summary.get("PipelineDisplayName"),
        "description": summary.get("PipelineDescription"),
        "created": iso(summary.get("CreationTime")),
        "lastModifiedTime": iso(summary.get("LastModifiedTime")),
        "lastExecutionTime": iso(summary.get("LastExecutionTime")),
        "tags": dict(tags),
        "matchedDomain": dict(matched) if matched else None,
    }
    if include_latest:
        entry["latestExecution"] = dict(latest) if latest else None
    return {k: v for k, v in entry.items() if v is not None or k in ("matchedDomain", "latestExecution")}


def overview(regions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-region counts of pipelines and of their latest executions' statuses."""
    out = []
    totals: Counter[str] = Counter()
    for region in regions:
        statuses: Counter[str] = Counter()
        for pipeline in region.get("pipelines", []):
            latest = pipeline.get("latestExecution")
            statuses[(latest or {}).get("status") or "NeverRun"] += 1
        count = len(region.get("pipelines", []))
        totals["pipelines"] += count
        totals.update({f"latest{k}": v for k, v in statuses.items()})
        out.append({"region": region["region"], "pipelineCount": count, "latestExecutionStatus": dict(statuses)})
    return {"regions": out, "totals": {"pipelines": totals["pipelines"]}}


def flat_catalog(regions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"region": r["region"], **p} for r in regions for p in r.get("pipelines", [])]


def cross_pipeline_edges(lineages: Iterable[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Data edges between pipelines: one writes a URI that another reads (same URI, or one under the other)."""
    writes: list[tuple[str, str, str]] = []
    reads: list[tuple[str, str, str]] = []
    for pipeline, graph in lineages:
        for artifact in graph.get("artifacts", []):
            if artifact.get("kind") == "code" or not artifact.get("resolved", True):
                continue
            uri = normalize_uri(str(artifact["uri"]))
            writes += [(pipeline, step, uri) for step in artifact.get("producers", [])]
            reads += [(pipeline, step, uri) for step in artifact.get("consumers", [])]
    edges = []
    seen = set()
    for source_pipeline, source_step, written in writes:
        for target_pipeline, target_step, read in reads:
            if source_pipeline == target_pipeline:
                continue
            if written == read or read.startswith(written + "/") or written.startswith(read + "/"):
                key = (source_pipeline, source_step, target_pipeline, target_step, written)
                if key not in seen:
                    seen.add(key)
                    edges.append({
                        "from": {"pipeline": source_pipeline, "step": source_step},
                        "to": {"pipeline": target_pipeline, "step": target_step},
                        "uri": written if len(written) <= len(read) else read,
                        "match": "same" if written == read else "prefix",
                    })
    return edges


def iso(value: Any) -> str | None:
    if value is None:
        return None
    return _iso(value) if isinstance(value, datetime) else str(value)


def execution_entry(summary: Mapping[str, Any], describe: Mapping[str, Any] | None,
                    parameters: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One execution of a pipeline's history (ListPipelineExecutions summary + describe + parameters)."""
    status = (describe or {}).get("PipelineExecutionStatus") or summary.get("PipelineExecutionStatus")
    start = (describe or {}).get("CreationTime") or summary.get("StartTime")
    end = (describe or {}).get("LastModifiedTime") if status in ("Succeeded", "Failed", "Stopped") else None
    elapsed = elapsed_seconds(start, end) if start else None
    entry: dict[str, Any] = {
        "arn": summary.get("PipelineExecutionArn"),
        "displayName": (describe or {}).get("PipelineExecutionDisplayName") or summary.get(
            "PipelineExecutionDisplayName"),
        "status": status,
        "startTime": iso(start),
        "endTime": iso(end) if end else None,
        "elapsedSec": elapsed,
        "parameters": [{"name": p.get("Name"), "value": p.get("Value")} for p in parameters],
    }
    reason = (describe or {}).get("FailureReason") or summary.get("PipelineExecutionFailureReason")
    if reason:
        entry["failureReason"] = reason
    return entry
