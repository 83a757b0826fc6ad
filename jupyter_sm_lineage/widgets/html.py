"""Static HTML for every result: what nbviewer, GitHub or an exported HTML file shows without a kernel.

The widgets use the same fragments in their panels, so a live notebook and its exported copy read alike.
This module imports no widget library (only the pure layered layout): the result objects of ``results``
render through it, and so does the picture a live viewer leaves in a saved notebook (``picture_html``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from ..core.times import try_parse_time as parse_time
from .layered import layered_positions

STATUS_COLOURS = {
    "Succeeded": "#2e7d32",
    "Failed": "#c62828",
    "Executing": "#1565c0",
    "Starting": "#1565c0",
    "Stopping": "#ef6c00",
    "Stopped": "#ef6c00",
    "NotRun": "#9e9e9e",
}
STATUS_LABELS = {"NotRun": "not run"}
#: How a step changed between two runs (``compare``): fill colour and label.
CHANGE_COLOURS = {"added": "#c8e6c9", "removed": "#ffcdd2", "changed": "#ffe0b2", "same": "#ffffff"}
CHANGE_BORDERS = {"added": "#2e7d32", "removed": "#c62828", "changed": "#ef6c00", "same": "#bdbdbd"}
#: A step whose status differs between the two runs is outlined in this colour.
FLIP_COLOUR = "#6a1b9a"
DATASET_COLOUR = "#00838f"
EDGE_STYLES = {  # via -> (colour, dash, label)
    "dependsOn": ("#757575", "6,4", ""),
    "property": ("#1e88e5", "", ""),
    "condition-if": ("#2e7d32", "", "if"),
    "condition-else": ("#c62828", "6,4", "else"),
    "forEachBody": ("#8e24aa", "2,3", "each"),
    "input": (DATASET_COLOUR, "", ""),
    "output": (DATASET_COLOUR, "", ""),
}
_FONT = "font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px;line-height:1.4"
_TABLE = "border-collapse:collapse;margin:4px 0"
#: The first column (a field's name) is not broken inside a word; the values are.
_KEY = ";overflow-wrap:normal;word-break:normal;min-width:4em"
_CELL = (
    "border-bottom:1px solid #e0e0e0;padding:2px 8px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere;word-break:break-word"
)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def status_of(node: Mapping[str, Any]) -> str:
    """A step's run status (``NotRun`` when the execution did not reach it or there is none)."""
    return str((node.get("run") or {}).get("status") or "NotRun")


def duration(seconds: Any) -> str:
    """``42s``, ``15m 37s``, ``2h 05m``, ``3d 4h``; an em dash when unknown."""
    if seconds is None:
        return "\u2014"
    total = round(float(seconds))
    if total < 60:
        return f"{total}s"
    minutes, sec = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def chip(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#9e9e9e")
    label = STATUS_LABELS.get(status, status)
    return (
        f'<span class="sml-chip" data-status="{esc(status)}" style="display:inline-block;padding:0 8px;'
        f'border-radius:10px;background:{colour};color:white;font-size:12px;line-height:18px">{esc(label)}</span>'
    )


def table(
    rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None, raw: bool = False, css_class: str = ""
) -> str:
    """A small table; cells are escaped unless ``raw`` (already HTML)."""
    out = [f'<table class="{css_class}" style="{_TABLE}">']
    if header:
        out.append("<tr>" + "".join(f'<th style="{_CELL}">{esc(h)}</th>' for h in header) + "</tr>")
    for row in rows:
        cells = [c if raw else esc(c) for c in row]
        out.append(
            "<tr>"
            + "".join(f'<td style="{_CELL}{_KEY if i == 0 and len(cells) > 1 else ""}">{c}</td>'
                      for i, c in enumerate(cells))
            + "</tr>"
        )
    out.append("</table>")
    return "".join(out)


def box(body: str, title: str = "") -> str:
    heading = f'<div style="font-weight:600;margin-bottom:4px">{esc(title)}</div>' if title else ""
    return f'<div class="sml" style="{_FONT}">{heading}{body}</div>'


def error_html(message: str) -> str:
    """An error as a sentence in the panel (never a traceback)."""
    return (
        f'<div class="sml-error" style="{_FONT};color:#b71c1c;background:#ffebee;border-left:4px solid #c62828;'
        f'padding:6px 10px">{esc(message)}</div>'
    )


def note_html(message: str) -> str:
    return f'<div class="sml-note" style="{_FONT};color:#616161;padding:6px 2px">{esc(message)}</div>'


def link(url: Any, text: Any) -> str:
    if not url:
        return esc(text)
    return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


#: Long values (URIs, ARNs, job names, failure reasons) wrap anywhere instead of being cut at the panel's edge.
_WRAP = "overflow-wrap:anywhere;word-break:break-word"
_COPY_JS = (
    "(function(b){var t=b.getAttribute('data-copy');var done=function(){b.textContent='\\u2713';};"
    "if(navigator.clipboard){navigator.clipboard.writeText(t).then(done,function(){});}"
    "else{var a=document.createElement('textarea');a.value=t;document.body.appendChild(a);a.select();"
    "document.execCommand('copy');a.remove();done();}})(this)"
)


def copy_button(value: Any) -> str:
    """A small button that copies ``value`` to the clipboard (in a live page; inert where scripts are off)."""
    return (
        f'<button class="sml-copy" type="button" title="copy" data-copy="{esc(value)}" onclick="{esc(_COPY_JS)}" '
        'style="border:1px solid #bdbdbd;background:#fafafa;border-radius:3px;padding:0 4px;margin-left:4px;'
        'font-size:11px;line-height:16px;cursor:pointer;vertical-align:baseline">copy</button>'
    )


def copyable(value: Any, css_class: str = "sml-value") -> str:
    """A long value shown whole (wrapped) with a copy action."""
    return f'<code class="{css_class}" style="{_WRAP}">{esc(value)}</code>{copy_button(value)}'


def _yes_no(value: Any) -> str:
    if value is None:
        return "\u2014"
    return "yes" if value else "no"


# --- lineage --------------------------------------------------------------------------------------


def summary_html(lineage: Mapping[str, Any]) -> str:
    """Overall status, step counts per status and elapsed time of a lineage's execution (one chip, once)."""
    summary = lineage.get("summary") or {}
    status = str(summary.get("overallStatus") or "NotRun")
    counts = summary.get("nodeStatus") or {}
    parts = " \u00b7 ".join(
        f'<span style="color:{STATUS_COLOURS.get(k, "#616161")}">{int(v)} {esc(STATUS_LABELS.get(k, k).lower())}</span>'
        for k, v in counts.items()
        if v
    )
    name = (lineage.get("pipeline") or {}).get("name", "")
    when = summary.get("startTime") or ""
    note = summary.get("note")
    return (
        f'<div class="sml-summary" style="{_FONT};display:flex;gap:10px;align-items:center;flex-wrap:wrap">'
        f"<b>{esc(name)}</b>{chip(status) if summary.get('overallStatus') else ''}"
        + (f'<span class="sml-counts">steps: {parts}</span>' if parts else "")
        + f"<span>elapsed {esc(duration(summary.get('elapsedSec')))}</span>"
        f'<span style="color:#757575">{esc(when)}</span>'
        + (f'<span style="color:#757575">{esc(note)}</span>' if note else "")
        + "</div>"
    )


def ports_html(ports: Sequence[Mapping[str, Any]]) -> str:
    if not ports:
        return note_html("none")
    rows = []
    for port in ports:
        uri = port.get("uri") or port.get("template") or ""
        extra = "" if port.get("resolved", True) else ' <i style="color:#757575">(template)</i>'
        rows.append((esc(port.get("name")), copyable(uri, "sml-uri") + extra, esc(port.get("kind"))))
    return table(rows, ("name", "uri", "kind"), raw=True, css_class="sml-ports")


def metrics_html(metrics: Mapping[str, Any]) -> str:
    return table(((k, v) for k, v in sorted(metrics.items())), ("metric", "value"), css_class="sml-metrics")


def step_elapsed(run: Mapping[str, Any], now: datetime | None = None) -> float | None:
    """A step's elapsed seconds; for one still running, the time since it started."""
    if run.get("elapsedSec") is not None:
        return float(run["elapsedSec"])
    start = parse_time(run.get("startTime"))
    if start is None or run.get("status") not in ("Executing", "Starting", "Stopping"):
        return None
    return max(0.0, ((now or datetime.now(timezone.utc)) - start).total_seconds())


def elapsed_text(run: Mapping[str, Any]) -> str:
    """``15m 37s``; ``running 5m 02s`` for a step still executing; an em dash when unknown."""
    seconds = step_elapsed(run)
    if seconds is None:
        return "\u2014"
    return f"running {duration(seconds)}" if run.get("elapsedSec") is None else duration(seconds)


def failure_html(reason: str, title: str = "Failure reason") -> str:
    """A failure reason in full: wrapped, never cut, with a copy action."""
    return (
        f'<div class="sml-error sml-failure" style="{_FONT};color:#b71c1c;background:#ffebee;'
        f'border-left:4px solid #c62828;padding:6px 10px;white-space:pre-wrap;{_WRAP}">'
        f"<b>{esc(title)}:</b> {esc(reason)} {copy_button(reason)}</div>"
    )


def step_html(node: Mapping[str, Any], trend: str = "") -> str:
    """Everything about one step, most telling first: failure, metrics, status and times, trend, job, ports."""
    run = node.get("run") or {}
    status = status_of(node)
    rows: list[tuple[str, str]] = [("type", esc(node.get("type"))), ("status", chip(status))]
    if run:
        rows.append(("elapsed", esc(elapsed_text(run))))
    for key, label in (("startTime", "started"), ("endTime", "ended")):
        if run.get(key):
            rows.append((label, esc(run[key])))
    if "cacheHit" in run:
        rows.append(("cache hit", esc(_yes_no(run.get("cacheHit")))))
    if run.get("attempts") is not None:
        rows.append(("attempts", esc(run.get("attempts"))))
    if run.get("jobName") or run.get("consoleUrl"):
        rows.append(("job", link(run.get("consoleUrl"), run.get("jobName") or "open in the AWS console")
                     + (copy_button(run["jobName"]) if run.get("jobName") else "")))
    for key, value in (node.get("properties") or {}).items():
        if isinstance(value, (str, int, float)):
            rows.append((key, copyable(value) if len(str(value)) > 24 else esc(value)))
    package = run.get("modelPackage")
    if package:
        rows.append(
            (
                "model package",
                esc(f"{package.get('group')} v{package.get('version')} ({package.get('approvalStatus')})"),
            )
        )
    parts = [
        f'<div class="sml-step" data-step="{esc(node.get("id"))}" style="{_FONT};{_WRAP}">',
        f'<div style="font-size:15px;font-weight:600">{esc(node.get("id"))}</div>',
    ]
    if run.get("failureReason"):
        parts.append(failure_html(str(run["failureReason"])))
    if run.get("metrics"):
        parts.append('<div style="font-weight:600;margin-top:6px">Metrics</div>' + metrics_html(run["metrics"]))
    parts.append(table(rows, raw=True, css_class="sml-step-facts"))
    if trend:
        parts.append('<div style="font-weight:600;margin-top:6px">Trend</div>' + trend)
    parts.append('<div style="font-weight:600;margin-top:6px">Inputs</div>' + ports_html(node.get("inputs") or []))
    parts.append('<div style="font-weight:600;margin-top:6px">Outputs</div>' + ports_html(node.get("outputs") or []))
    for warning in (node.get("warnings") or []) + (run.get("warnings") or []):
        parts.append(note_html(f"warning: {warning}"))
    parts.append("</div>")
    return "".join(parts)


def trend_html(points: Sequence[Mapping[str, Any]], step: str = "") -> str:
    """A step's status and elapsed time over past runs, oldest first: one bar per run (height: elapsed,
    colour: status), with each run's numbers in a row below and in the bar's title."""
    if not points:
        return note_html("no earlier runs of this step")
    longest = max((float(p.get("elapsedSec") or 0) for p in points), default=0.0) or 1.0
    bar_w, gap, height = 14, 4, 34
    bars = []
    for i, point in enumerate(points):
        status = str(point.get("status") or "NotRun")
        seconds = point.get("elapsedSec")
        h = max(3.0, height * float(seconds or 0) / longest) if seconds is not None else 3.0
        title = f"{point.get('startTime') or ''} {status} {duration(seconds)}"
        bars.append(
            f'<rect class="sml-trend-bar" data-status="{esc(status)}" x="{i * (bar_w + gap)}" y="{height - h:.1f}" '
            f'width="{bar_w}" height="{h:.1f}" rx="2" fill="{STATUS_COLOURS.get(status, "#9e9e9e")}">'
            f"<title>{esc(title)}</title></rect>"
        )
    width = len(points) * (bar_w + gap)
    svg = (
        f'<svg class="sml-trend" data-step="{esc(step)}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">{"".join(bars)}</svg>'
    )
    last = points[-1]
    caption = (
        f'<div style="color:#616161;font-size:12px">last {len(points)} runs, oldest first; latest '
        f"{esc(STATUS_LABELS.get(str(last.get('status')), last.get('status') or 'not run'))} in "
        f"{esc(duration(last.get('elapsedSec')))}</div>"
    )
    return f'<div class="sml-trend-box">{svg}{caption}</div>'


def s3_meta_html(meta: Mapping[str, Any] | None) -> str:
    if not meta:
        return note_html("no S3 metadata (not an S3 location, or not resolved)")
    encryption = meta.get("encryption") or "none"
    if meta.get("kmsKeyId"):
        encryption = f"{encryption} ({meta['kmsKeyId']})"
    public = meta.get("publicAccessBlocked")
    rows = [
        ("bucket", meta.get("bucket")),
        ("region", meta.get("region")),
        ("encryption", encryption),
        ("versioning", meta.get("versioning") or "not enabled"),
        ("public access", "blocked" if public else ("not blocked" if public is False else "\u2014")),
    ]
    tags = meta.get("tags") or {}
    if tags:
        rows.append(("tags", ", ".join(f"{k}={v}" for k, v in sorted(tags.items()))))
    for error in meta.get("errors") or []:
        rows.append(("note", error.get("message") if isinstance(error, Mapping) else error))
    return table(((k, copyable(v) if k == "encryption" and meta.get("kmsKeyId") else esc(v)) for k, v in rows),
                 raw=True, css_class="sml-s3")


def artifact_html(artifact: Mapping[str, Any]) -> str:
    """A dataset: producers, consumers, S3 metadata and (when sampled) its schema."""
    rows = [
        ("kind", artifact.get("kind")),
        ("produced by", ", ".join(artifact.get("producers") or []) or "\u2014"),
        ("read by", ", ".join(artifact.get("consumers") or []) or "\u2014"),
    ]
    parts = [
        f'<div class="sml-artifact" style="{_FONT};{_WRAP}">',
        f'<div style="font-weight:600">{copyable(artifact.get("uri"), "sml-uri")}</div>',
        table(rows),
        '<div style="font-weight:600;margin-top:6px">S3</div>',
        s3_meta_html(artifact.get("s3")),
    ]
    if artifact.get("schema"):
        parts.append('<div style="font-weight:600;margin-top:6px">Schema</div>' + schema_body_html(artifact["schema"]))
    parts.append("</div>")
    return "".join(parts)


def schema_body_html(schema: Mapping[str, Any]) -> str:
    """Fields and types, sampled files, conflicts and errors of one ``schema`` object."""
    if "error" in schema and not schema.get("fields"):
        error = schema["error"]
        return error_html(error.get("message") if isinstance(error, Mapping) else str(error))
    fields = schema.get("fields") or {}
    parts = [
        f"<div>format: <b>{esc(schema.get('format'))}</b>, {len(fields)} fields</div>",
        table(fields.items(), ("field", "type"), css_class="sml-fields"),
    ]
    files = schema.get("sampled_files") or []
    if files:
        parts.append(
            '<div style="margin-top:4px">sampled files:</div>'
            + "".join(f'<div><code class="sml-sampled">{esc(f)}</code></div>' for f in files)
        )
    for conflict in schema.get("conflicts") or []:
        parts.append(note_html(f"conflict: {json.dumps(conflict, default=str)}"))
    for error in schema.get("errors") or []:
        parts.append(note_html(f"error: {error.get('message') if isinstance(error, Mapping) else error}"))
    return "".join(parts)


def schema_html(result: Mapping[str, Any]) -> str:
    """A ``dataset_schema`` answer: ``{ok, dataset_id, schema, saved?}``."""
    saved = result.get("saved")
    head = f'<div style="font-weight:600"><code class="sml-uri">{esc(result.get("dataset_id"))}</code></div>'
    if saved:
        state = "saved as" if saved.get("created") else "unchanged since"
        head += f"<div>{state} version <b>{esc(saved.get('version'))}</b> ({esc(saved.get('createdAt'))})</div>"
    return f'<div class="sml-schema" style="{_FONT}">{head}{schema_body_html(result.get("schema") or {})}</div>'


def versions_html(result: Mapping[str, Any]) -> str:
    versions = result.get("versions") or []
    if not versions:
        body = note_html("no saved versions yet: sample it with save (%lineage schema URI --save)")
    else:
        body = table(
            (
                (v.get("version"), v.get("createdAt"), len(v.get("fields") or {}), str(v.get("policyHash") or "")[:12])
                for v in versions
            ),
            ("version", "created", "fields", "policy"),
            css_class="sml-versions",
        )
    return box(f"<div><code>{esc(result.get('dataset_id'))}</code></div>{body}", "Schema versions")


def diff_html(diff: Mapping[str, Any]) -> str:
    rows = [(f"+ {d['field']}", d.get("type"), "added") for d in diff.get("added") or []]
    rows += [(f"\u2212 {d['field']}", d.get("type"), "removed") for d in diff.get("removed") or []]
    rows += [
        (f"~ {d['field']}", f"{d.get('from')} \u2192 {d.get('to')}", d.get("change")) for d in diff.get("retyped") or []
    ]
    compat = diff.get("compatibility", "")
    colour = "#c62828" if compat == "breaking" else "#2e7d32"
    head = (
        f"<div>version {esc(diff.get('fromVersion'))} \u2192 {esc(diff.get('toVersion'))}: "
        f'<b style="color:{colour}">{esc(compat)}</b></div>'
    )
    body = table(rows, ("field", "type", "change"), css_class="sml-diff") if rows else note_html("no field changed")
    if diff.get("policyChanged"):
        body += note_html("the policy changed")
    return f'<div class="sml-diff-box" style="{_FONT}">{head}{body}</div>'


# --- Feature Store, catalog, SQL --------------------------------------------------------------------


def feature_groups_html(result: Mapping[str, Any]) -> str:
    groups = result.get("featureGroups") or []
    rows = ((g.get("name"), g.get("status"), g.get("offlineStoreStatus"), g.get("creationTime")) for g in groups)
    return box(
        table(rows, ("name", "status", "offline store", "created"), css_class="sml-fgs"),
        f"Feature groups in {result.get('region', '')}",
    )


def feature_group_html(group: Mapping[str, Any]) -> str:
    """Columns and store settings of one feature group, and the pipeline steps that write it."""
    record, event = group.get("recordIdentifier"), group.get("eventTimeFeature")
    columns = []
    for f in group.get("features") or []:
        role = "record id" if f.get("name") == record else ("event time" if f.get("name") == event else "")
        kind = f.get("type", "") + (f" ({f['collectionType']})" if f.get("collectionType") else "")
        columns.append((f.get("name"), kind, role))
    online = group.get("onlineStore") or {}
    offline = group.get("offlineStore") or {}
    glue = offline.get("glueTable") or {}
    settings = [
        ("status", group.get("status")),
        ("online store", "enabled" if online.get("enabled") else "disabled"),
        ("online storage", online.get("storageType")),
        ("online KMS key", online.get("kmsKeyId")),
        ("offline store", offline.get("s3Uri")),
        ("offline table format", offline.get("tableFormat")),
        ("offline KMS key", offline.get("kmsKeyId")),
        ("Glue table", ".".join(str(glue[k]) for k in ("catalog", "database", "table") if glue.get(k))),
        ("role", group.get("roleArn")),
    ]
    if group.get("failureReason"):
        settings.append(("failure", group["failureReason"]))
    writers = [(w.get("pipeline"), w.get("step"), w.get("uri")) for w in group.get("writers") or []]
    body = (
        f'<div style="color:#616161">{esc(group.get("description"))}</div>'
        + '<div style="font-weight:600;margin-top:6px">Columns</div>'
        + table(columns, ("feature", "type", "role"), css_class="sml-features")
        + '<div style="font-weight:600;margin-top:6px">Stores</div>'
        + table((r for r in settings if r[1]), css_class="sml-stores")
        + '<div style="font-weight:600;margin-top:6px">Written by</div>'
        + (table(writers, ("pipeline", "step", "uri")) if writers else note_html("no pipeline step writes it"))
    )
    name = f'<div style="font-size:15px;font-weight:600">{esc(group.get("name"))}</div>'
    return f'<div class="sml-fg" style="{_FONT}">{name}{body}</div>'


def catalog_html(result: Mapping[str, Any]) -> str:
    """The region catalog (``pipelines``) or the flat catalog."""
    if "regions" in result:
        pipelines = [
            dict(p, region=r.get("region")) for r in result.get("regions") or [] for p in r.get("pipelines") or []
        ]
    else:
        pipelines = list(result.get("pipelines") or [])
    rows = []
    for p in pipelines:
        latest = p.get("latestExecution") or {}
        domain = (p.get("matchedDomain") or {}).get("DomainName") or ""
        rows.append(
            (
                esc(p.get("region")),
                f"<b>{esc(p.get('name'))}</b>",
                esc(domain),
                chip(latest["status"]) if latest.get("status") else "\u2014",
                esc(latest.get("startTime") or ""),
            )
        )
    body = table(rows, ("region", "pipeline", "domain", "latest", "started"), raw=True, css_class="sml-catalog")
    for error in result.get("errors") or []:
        body += error_html(f"{error.get('region', '')}: {error.get('message')}")
    return box(body, f"{len(pipelines)} pipelines")


def sql_lineage_html(result: Mapping[str, Any]) -> str:
    columns = [(c.get("source"), c.get("target"), c.get("type"), c.get("subtype")) for c in result.get("columns") or []]
    body = table(
        (
            ("sources", ", ".join(result.get("sources") or []) or "\u2014"),
            ("targets", ", ".join(result.get("targets") or []) or "\u2014"),
            ("intermediates", ", ".join(result.get("intermediates") or []) or "\u2014"),
        ),
        css_class="sml-tables",
    )
    body += table(columns, ("source column", "target", "type", "subtype"), css_class="sml-columns")
    for error in result.get("errors") or []:
        body += error_html(str(error.get("message")))
    return box(body, f"SQL lineage ({result.get('dialect') or 'generic'} dialect)")


# --- the DAG as static SVG ------------------------------------------------------------------------


def edge_kind(edge: Mapping[str, Any]) -> str:
    via = str(edge.get("via") or "dependsOn")
    if via == "condition":
        return f"condition-{edge.get('branch') or 'if'}"
    return via


#: When two steps are linked in several ways, the edge drawn is the most telling one.
_EDGE_RANK = {"condition-if": 0, "condition-else": 0, "forEachBody": 1, "property": 2, "input": 3, "output": 3}


def merged_edges(edges: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One edge per (from, to) pair, of its most telling kind; ``kinds`` lists every kind it stands for.

    A definition often links two steps both by a property reference and by ``dependsOn`` (Train -> Evaluate);
    drawn twice, the two curves read as two different relations.
    """
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for edge in edges:
        key = (str(edge["from"]), str(edge["to"]))
        kind = edge_kind(edge)
        known = merged.get(key)
        if known is None:
            merged[key] = {**edge, "kinds": [kind]}
            continue
        if kind not in known["kinds"]:
            known["kinds"].append(kind)
        if _EDGE_RANK.get(kind, 9) < _EDGE_RANK.get(edge_kind(known), 9):
            merged[key] = {**edge, "kinds": known["kinds"]}
    return list(merged.values())


def short_uri(uri: str, limit: int = 34) -> str:
    """The tail of a URI, for a node label (``…/churn/validation/``)."""
    if len(uri) <= limit:
        return uri
    return "\u2026" + uri[-(limit - 1) :]


def dag_svg(graph: Mapping[str, Any], max_nodes: int = 400, changes: Mapping[str, str] | None = None,
            flips: Iterable[str] = ()) -> str:
    """The graph drawn as SVG with the same layered layout as the widget (for static renderers).

    With ``changes`` (step -> added/removed/changed/same) the steps are filled by change, and the steps in
    ``flips`` (their status differs between the two runs) outlined, as in the compare view.
    """
    flipped = set(flips)
    nodes = list(graph.get("nodes") or [])
    if len(nodes) > max_nodes:
        return note_html(f"{len(nodes)} nodes: too many to draw statically; open the notebook to see the graph")
    ids = [str(n["id"]) for n in nodes]
    edges = [(str(e["from"]), str(e["to"])) for e in graph.get("edges") or []]
    pos = layered_positions(ids, edges, rank_sep=80, node_sep=180)
    if not pos:
        return note_html("empty graph")
    w, h = 160, 44
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    min_x, min_y = min(xs) - w / 2 - 10, min(ys) - h / 2 - 10
    width, height = max(xs) - min(xs) + w + 20, max(ys) - min(ys) + h + 20
    out = [
        f'<svg class="sml-dag" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{min_x:.0f} {min_y:.0f} {width:.0f} {height:.0f}" '
        f'width="{min(width, 900):.0f}" style="{_FONT};max-width:100%">',
        '<defs><marker id="sml-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#757575"/></marker></defs>',
    ]
    for edge in merged_edges(graph.get("edges") or []):
        a, b = pos.get(str(edge["from"])), pos.get(str(edge["to"]))
        if a is None or b is None:
            continue
        colour, dash, label = EDGE_STYLES.get(edge_kind(edge), ("#757575", "", ""))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{a[0]:.0f}" y1="{a[1] + h / 2:.0f}" x2="{b[0]:.0f}" y2="{b[1] - h / 2:.0f}" '
            f'stroke="{colour}" stroke-width="1.5"{dash_attr} marker-end="url(#sml-arrow)"/>'
        )
        if label:
            out.append(
                f'<text x="{(a[0] + b[0]) / 2:.0f}" y="{(a[1] + b[1]) / 2:.0f}" font-size="11" '
                f'fill="{colour}">{esc(label)}</text>'
            )
    for node in nodes:
        x, y = pos[str(node["id"])]
        if node.get("type") == "Dataset":
            out.append(
                f'<rect x="{x - w / 2:.0f}" y="{y - h / 2 + 6:.0f}" width="{w}" height="{h - 12}" rx="14" '
                f'fill="#e0f7fa" stroke="{DATASET_COLOUR}"/>'
                f'<text x="{x:.0f}" y="{y + 4:.0f}" text-anchor="middle" font-size="10">'
                f"{esc(short_uri(str(node['id']), 30))}</text>"
            )
            continue
        status = status_of(node)
        colour = STATUS_COLOURS.get(status, "#9e9e9e")
        run = node.get("run") or {}
        sub = STATUS_LABELS.get(status, status) + (
            f" \u00b7 {elapsed_text(run)}" if step_elapsed(run) is not None else ""
        )
        change = (changes or {}).get(str(node["id"]))
        fill = CHANGE_COLOURS.get(change or "", "white")
        stroke = CHANGE_BORDERS.get(change, colour) if change else colour
        if str(node["id"]) in flipped:
            stroke = FLIP_COLOUR
        dash = ' stroke-dasharray="5,3"' if change == "removed" else ""
        width = 4 if str(node["id"]) in flipped else 2
        out.append(
            f'<rect class="sml-svg-step" data-step="{esc(node["id"])}" data-change="{esc(change or "")}" '
            f'x="{x - w / 2:.0f}" y="{y - h / 2:.0f}" width="{w}" height="{h}" rx="6" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
            f'<text x="{x:.0f}" y="{y - 3:.0f}" text-anchor="middle" font-size="12" font-weight="600">'
            f"{esc(str(node['id'])[:24])}</text>"
            f'<text x="{x:.0f}" y="{y + 13:.0f}" text-anchor="middle" font-size="11" fill="{colour}">{esc(sub)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def lineage_html(lineage: Mapping[str, Any]) -> str:
    """A pipeline's lineage for static renderers: summary, DAG, steps and datasets."""
    graph = lineage.get("graph") or {}
    steps = [n for n in graph.get("nodes") or [] if n.get("type") != "Dataset"]
    step_rows = []
    for n in steps:
        run = n.get("run") or {}
        step_rows.append(
            (
                f"<b>{esc(n.get('id'))}</b>",
                esc(n.get("type")),
                chip(status_of(n)),
                esc(elapsed_text(run)) if run else "\u2014",
                esc(_yes_no(run.get("cacheHit"))) if "cacheHit" in run else "\u2014",
                esc(run.get("failureReason") or ""),
            )
        )
    artifact_rows = [
        (
            f"<code>{esc(a.get('uri'))}</code>",
            esc(", ".join(a.get("producers") or [])),
            esc(", ".join(a.get("consumers") or [])),
        )
        for a in graph.get("artifacts") or []
    ]
    return (
        f'<div class="sml-lineage" style="{_FONT}">'
        + summary_html(lineage)
        + dag_svg(graph)
        + table(
            step_rows, ("step", "type", "status", "elapsed", "cache hit", "failure"), raw=True, css_class="sml-steps"
        )
        + (
            table(artifact_rows, ("dataset", "produced by", "read by"), raw=True, css_class="sml-artifacts")
            if artifact_rows
            else ""
        )
        + "".join(note_html(f"warning: {w}") for w in graph.get("warnings") or [])
        + "</div>"
    )



def export_html(result: Mapping[str, Any]) -> str:
    """An export summary; lists read as "none" or their items, never ``[]``."""

    def shown(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if not value:
                return "none"
            return "; ".join(
                str(v.get("message") or json.dumps(v, default=str)) if isinstance(v, Mapping) else str(v)
                for v in value
            )[:400]
        return value if isinstance(value, (str, int, float)) else json.dumps(value, default=str)[:200]

    rows = [(k, shown(v)) for k, v in result.items() if not (k == "events" and isinstance(v, list))]
    return box(table(rows, css_class="sml-export"), "OpenLineage export")


# --- execution history and comparison -----------------------------------------------------------------


def run_label(execution: Mapping[str, Any]) -> str:
    """One line of text naming a run: status, start, duration, display name (for option lists)."""
    status = str(execution.get("status") or "?")
    start = str(execution.get("startTime") or "")[:16].replace("T", " ")
    mark = STATUS_MARKS.get(status, "\u2022")
    name = execution.get("displayName") or execution.get("arn")
    return f"{mark} {status} \u00b7 {start} \u00b7 {duration(execution.get('elapsedSec'))} \u00b7 {name}"


#: A mark per status for places that hold only text (option lists); the chip is the coloured version.
STATUS_MARKS = {"Succeeded": "\u2714", "Failed": "\u2716", "Executing": "\u25b6", "Stopped": "\u25a0",
                "Stopping": "\u25a0"}


def run_html(execution: Mapping[str, Any] | None, title: str = "") -> str:
    """A run in one line (chip, start, duration, name) and, when it failed, its failure reason in full."""
    if not execution:
        return note_html("no run: the definition alone")
    head = (
        f'<div class="sml-run" data-arn="{esc(execution.get("arn"))}" style="{_FONT};display:flex;gap:8px;'
        f'align-items:center;flex-wrap:wrap">'
        + (f"<span>{esc(title)}</span>" if title else "")
        + chip(str(execution.get("status") or "NotRun"))
        + f"<span>{esc(str(execution.get('startTime') or '')[:19].replace('T', ' '))}</span>"
        f"<span>{esc(duration(execution.get('elapsedSec')))}</span>"
        f'<span style="color:#616161;{_WRAP}">{esc(execution.get("displayName") or "")}</span></div>'
    )
    if execution.get("failureReason"):
        head += failure_html(str(execution["failureReason"]), "Run failed")
    return head


def executions_html(result: Mapping[str, Any]) -> str:
    """A pipeline's run history (``executions``), newest first."""
    rows = []
    for e in result.get("executions") or []:
        params = ", ".join(f"{p.get('name')}={p.get('value')}" for p in e.get("parameters") or [])
        rows.append(
            (
                chip(str(e.get("status") or "?")),
                esc(str(e.get("startTime") or "")[:19].replace("T", " ")),
                esc(duration(e.get("elapsedSec"))),
                esc(e.get("displayName")),
                esc(params),
                esc(e.get("failureReason") or ""),
            )
        )
    body = table(rows, ("status", "started", "duration", "run", "parameters", "failure reason"), raw=True,
                 css_class="sml-executions")
    if result.get("nextToken"):
        body += note_html("more runs: ask again with next_token=result['nextToken']")
    return box(body, f"Runs of {result.get('pipeline', '')} in {result.get('region', '')}")


def compared_value(value: Any) -> str:
    if value is None:
        return "\u2014"
    if isinstance(value, (dict, list)):
        return esc(json.dumps(value, default=str, sort_keys=True))
    return esc(value)


def step_flips(result: Mapping[str, Any]) -> list[str]:
    """The steps whose status differs between the two runs of a comparison."""
    flips = []
    for step in result.get("steps") or []:
        base, head = step.get("base") or {}, step.get("head") or {}
        if base and head and base.get("status") != head.get("status"):
            flips.append(str(step.get("name")))
    return flips


def step_changes(result: Mapping[str, Any]) -> dict[str, str]:
    """step name -> added / removed / changed / same."""
    return {str(s.get("name")): str(s.get("change") or "same") for s in result.get("steps") or []}


def schema_diff_html(diff: Mapping[str, Any] | None) -> str:
    if not diff:
        return "\u2014"
    parts = [f"+{d.get('field')}" for d in diff.get("added") or []]
    parts += [f"\u2212{d.get('field')}" for d in diff.get("removed") or []]
    parts += [f"~{d.get('field')} {d.get('from')}\u2192{d.get('to')}" for d in diff.get("retyped") or []]
    compat = str(diff.get("compatibility") or "")
    colour = "#c62828" if compat == "breaking" else "#2e7d32"
    verdict = f'<b class="sml-compat" style="color:{colour}">{esc(compat)}</b> ' if compat else ""
    return verdict + esc(", ".join(parts))


def compare_html(result: Mapping[str, Any], graph: Mapping[str, Any] | None = None) -> str:
    """What changed between two runs: the runs, then parameter, step, dataset-schema and metric differences.

    With ``graph`` (the union of both runs' steps) the DAG is drawn coloured by change.
    """
    summary = result.get("summary") or {}
    counts = ", ".join(
        f"{int(summary.get(key) or 0)} {label}"
        for key, label in (("changedSteps", "steps"), ("changedParameters", "parameters"),
                           ("changedDatasets", "datasets"), ("changedMetrics", "metrics"))
    )
    parts = [
        f'<div class="sml-compare" style="{_FONT};{_WRAP}">',
        run_html(result.get("base"), "base"),
        run_html(result.get("head"), "head"),
        f'<div class="sml-compare-counts" style="margin:4px 0">changed: {esc(counts)}</div>',
    ]
    if graph is not None:
        parts.append(dag_svg(graph, changes=step_changes(result), flips=step_flips(result)))
    parameters = result.get("parameters") or []
    parts.append('<div style="font-weight:600;margin-top:6px">Parameters</div>')
    parts.append(
        table(((p.get("name"), compared_value(p.get("base")), compared_value(p.get("head"))) for p in parameters),
              ("parameter", "base", "head"), raw=True, css_class="sml-compare-parameters")
        if parameters else note_html("no parameter changed")
    )
    changed = [s for s in result.get("steps") or [] if s.get("change") != "same"]
    flips = set(step_flips(result))
    parts.append('<div style="font-weight:600;margin-top:6px">Steps</div>')
    if changed:
        rows = []
        for step in changed:
            base, head = step.get("base") or {}, step.get("head") or {}
            status = (f"{chip(str(base.get('status') or 'NotRun'))} \u2192 {chip(str(head.get('status') or 'NotRun'))}"
                      if step.get("name") in flips else "")
            diffs = "<br>".join(
                f"<b>{esc(d.get('field'))}</b>: {compared_value(d.get('base'))} \u2192 {compared_value(d.get('head'))}"
                for d in step.get("differences") or []
            )
            name = f"<b>{esc(step.get('name'))}</b><br>{change_badge(str(step.get('change')))}"
            rows.append((name + (f"<br>{status}" if status else ""), diffs))
        parts.append(table(rows, ("step", "differences"), raw=True, css_class="sml-compare-steps"))
    else:
        parts.append(note_html("no step changed"))
    datasets = result.get("datasets") or []
    parts.append('<div style="font-weight:600;margin-top:6px">Datasets</div>')
    parts.append(
        table(
            (
                (esc(f"{d.get('step')}.{d.get('port')}"), esc(d.get("direction")), compared_value(d.get("base")),
                 compared_value(d.get("head")), schema_diff_html(d.get("schemaDiff")))
                for d in datasets
            ),
            ("port", "direction", "base", "head", "schema"), raw=True, css_class="sml-compare-datasets",
        )
        if datasets else note_html("no dataset changed")
    )
    metrics = result.get("metrics") or []
    parts.append('<div style="font-weight:600;margin-top:6px">Metrics</div>')
    parts.append(
        table(
            (
                (esc(m.get("step")), esc(m.get("name")), compared_value(m.get("base")),
                 compared_value(m.get("head")), compared_value(m.get("delta")))
                for m in metrics
            ),
            ("step", "metric", "base", "head", "delta"), raw=True, css_class="sml-compare-metrics",
        )
        if metrics else note_html("no metric changed")
    )
    parts.append("</div>")
    return "".join(parts)


def change_badge(change: str) -> str:
    return (
        f'<span class="sml-change" data-change="{esc(change)}" style="display:inline-block;padding:0 6px;'
        "white-space:nowrap;"
        f"border-radius:3px;border:1px solid {CHANGE_BORDERS.get(change, '#bdbdbd')};"
        f'background:{CHANGE_COLOURS.get(change, "#fff")};font-size:12px">{esc(change)}</span>'
    )


# --- the picture a live viewer leaves behind --------------------------------------------------------------


def live_marker(key: str) -> str:
    """Put in a live viewer: while it is on the page, its picture (``picture_html(key, ...)``) is hidden."""
    return (
        f'<span class="sml-live-{esc(key)}" style="display:none"></span>'
        f"<style>body:has(.sml-live-{esc(key)}) .sml-picture-{esc(key)}{{display:none}}</style>"
    )


def picture_html(key: str, body: str) -> str:
    """A static picture of a viewer, shown where the viewer cannot be: a notebook reopened without its kernel
    (the output before it, the widget's, is hidden when it holds no live view, so no "model not found"),
    nbviewer, GitHub, an exported HTML file. Hidden while the live viewer is on the page."""
    k = esc(key)
    rule = (
        f".jp-OutputArea-child:not(:has(.sml-live-{k})):has(+ .jp-OutputArea-child .sml-picture-{k}),"
        f".output_area:not(:has(.sml-live-{k})):has(+ .output_area .sml-picture-{k}){{display:none}}"
    )
    return (
        f'<div class="sml-picture sml-picture-{k}" style="{_FONT}"><style>{rule}</style>'
        f'<div style="color:#757575;font-size:12px;margin-bottom:4px">A picture of the last view; run the cell '
        f"to explore it live.</div>{body}</div>"
    )
