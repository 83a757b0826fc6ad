"""Static HTML for every result: what nbviewer, GitHub or an exported HTML file shows without a kernel.

The widgets use the same fragments in their panels, so a live notebook and its exported copy read alike.
Result objects (``LineageResult``, ``SchemaResult`` ...) are plain dicts of the JSON contract with a
``_repr_html_``; those with an interactive viewer also offer it through ``_repr_mimebundle_`` (JupyterLab
shows the widget, nbconvert drops the widget view when no widget state was saved and keeps the HTML).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

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
_CELL = "border-bottom:1px solid #e0e0e0;padding:2px 8px;text-align:left;vertical-align:top"


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
        cells = (c if raw else esc(c) for c in row)
        out.append("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in cells) + "</tr>")
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


def _yes_no(value: Any) -> str:
    if value is None:
        return "\u2014"
    return "yes" if value else "no"


# --- lineage --------------------------------------------------------------------------------------


def summary_html(lineage: Mapping[str, Any]) -> str:
    """Overall status, per-status counts and elapsed time of a lineage's execution."""
    summary = lineage.get("summary") or {}
    status = str(summary.get("overallStatus") or "NotRun")
    counts = summary.get("nodeStatus") or {}
    parts = " ".join(f"{chip(k)}&nbsp;{int(v)}" for k, v in counts.items() if v)
    name = (lineage.get("pipeline") or {}).get("name", "")
    when = summary.get("startTime") or ""
    note = summary.get("note")
    return (
        f'<div class="sml-summary" style="{_FONT};display:flex;gap:12px;align-items:center;flex-wrap:wrap">'
        f"<b>{esc(name)}</b>{chip(status)}<span>{parts}</span>"
        f"<span>elapsed {esc(duration(summary.get('elapsedSec')))}</span>"
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
        rows.append((esc(port.get("name")), f'<code class="sml-uri">{esc(uri)}</code>{extra}', esc(port.get("kind"))))
    return table(rows, ("name", "uri", "kind"), raw=True, css_class="sml-ports")


def metrics_html(metrics: Mapping[str, Any]) -> str:
    return table(((k, v) for k, v in sorted(metrics.items())), ("metric", "value"), css_class="sml-metrics")


def step_html(node: Mapping[str, Any]) -> str:
    """Everything about one step: status, times, cache hit, attempts, failure, job, ports, metrics."""
    run = node.get("run") or {}
    status = status_of(node)
    rows: list[tuple[str, str]] = [("type", esc(node.get("type"))), ("status", chip(status))]
    for key, label in (("startTime", "started"), ("endTime", "ended")):
        if run.get(key):
            rows.append((label, esc(run[key])))
    if run:
        rows.append(("elapsed", esc(duration(run.get("elapsedSec")))))
    if "cacheHit" in run:
        rows.append(("cache hit", esc(_yes_no(run.get("cacheHit")))))
    if run.get("attempts") is not None:
        rows.append(("attempts", esc(run.get("attempts"))))
    if run.get("jobName") or run.get("consoleUrl"):
        rows.append(("job", link(run.get("consoleUrl"), run.get("jobName") or "open in the AWS console")))
    for key, value in (node.get("properties") or {}).items():
        if isinstance(value, (str, int, float)):
            rows.append((key, esc(value)))
    package = run.get("modelPackage")
    if package:
        rows.append(
            (
                "model package",
                esc(f"{package.get('group')} v{package.get('version')} ({package.get('approvalStatus')})"),
            )
        )
    parts = [
        f'<div class="sml-step" data-step="{esc(node.get("id"))}" style="{_FONT}">',
        f'<div style="font-size:15px;font-weight:600">{esc(node.get("id"))}</div>',
    ]
    if run.get("failureReason"):
        parts.append(error_html(f"Failure reason: {run['failureReason']}"))
    parts.append(table(rows, raw=True))
    parts.append('<div style="font-weight:600;margin-top:6px">Inputs</div>' + ports_html(node.get("inputs") or []))
    parts.append('<div style="font-weight:600;margin-top:6px">Outputs</div>' + ports_html(node.get("outputs") or []))
    if run.get("metrics"):
        parts.append('<div style="font-weight:600;margin-top:6px">Metrics</div>' + metrics_html(run["metrics"]))
    for warning in (node.get("warnings") or []) + (run.get("warnings") or []):
        parts.append(note_html(f"warning: {warning}"))
    parts.append("</div>")
    return "".join(parts)


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
    return table(rows, css_class="sml-s3")


def artifact_html(artifact: Mapping[str, Any]) -> str:
    """A dataset: producers, consumers, S3 metadata and (when sampled) its schema."""
    rows = [
        ("kind", artifact.get("kind")),
        ("produced by", ", ".join(artifact.get("producers") or []) or "\u2014"),
        ("read by", ", ".join(artifact.get("consumers") or []) or "\u2014"),
    ]
    parts = [
        f'<div class="sml-artifact" style="{_FONT}">',
        f'<div style="font-weight:600"><code class="sml-uri">{esc(artifact.get("uri"))}</code></div>',
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


def short_uri(uri: str, limit: int = 34) -> str:
    """The tail of a URI, for a node label (``…/churn/validation/``)."""
    if len(uri) <= limit:
        return uri
    return "\u2026" + uri[-(limit - 1) :]


def dag_svg(graph: Mapping[str, Any], max_nodes: int = 400) -> str:
    """The graph drawn as SVG with the same layered layout as the widget (for static renderers)."""
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
    for edge in graph.get("edges") or []:
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
            f" \u00b7 {duration(run['elapsedSec'])}" if run.get("elapsedSec") is not None else ""
        )
        out.append(
            f'<rect x="{x - w / 2:.0f}" y="{y - h / 2:.0f}" width="{w}" height="{h}" rx="6" fill="white" '
            f'stroke="{colour}" stroke-width="2"/>'
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
                esc(duration(run.get("elapsedSec"))) if run else "\u2014",
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


# --- result objects -------------------------------------------------------------------------------


class Result(dict):  # type: ignore[type-arg]
    """A JSON-contract answer that displays as static HTML (and, where one exists, as a live viewer)."""

    render: Callable[[Mapping[str, Any]], str] = staticmethod(
        lambda d: box(f"<pre>{esc(json.dumps(d, indent=1))}</pre>")
    )

    def to_dict(self) -> dict[str, Any]:
        return dict(self)

    def _repr_html_(self) -> str:
        return type(self).render(self)

    def widget(self) -> Any:
        """The interactive viewer of this result, or None when it has none."""
        return None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/html": self._repr_html_()}
        viewer = self.widget()
        if viewer is not None:
            widget_bundle = viewer._repr_mimebundle_()
            if widget_bundle:
                bundle.update({k: v for k, v in widget_bundle.items() if k != "text/plain"})
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.title()}>"

    def title(self) -> str:
        return ""


class LineageResult(Result):
    """``lineage(...)``: ``["graph"]`` has nodes, edges and artifacts; displays as the DAG viewer."""

    render = staticmethod(lineage_html)

    @property
    def graph(self) -> dict[str, Any]:
        return dict(self.get("graph") or {})

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self.get("summary") or {})

    def step(self, name: str) -> dict[str, Any]:
        for node in self.graph.get("nodes") or []:
            if node.get("id") == name:
                return dict(node)
        raise KeyError(name)

    def artifact(self, uri: str) -> dict[str, Any]:
        for artifact in self.graph.get("artifacts") or []:
            if artifact.get("uri") == uri:
                return dict(artifact)
        raise KeyError(uri)

    def widget(self) -> Any:
        from .dag import DagViewer

        return DagViewer(self)

    def title(self) -> str:
        nodes = self.graph.get("nodes") or []
        steps = sum(1 for n in nodes if n.get("type") != "Dataset")
        return (
            f"{(self.get('pipeline') or {}).get('name')}: {steps} steps, "
            f"{len(self.graph.get('artifacts') or [])} datasets, {self.summary.get('overallStatus')}"
        )


class SchemaResult(Result):
    """``dataset_schema(...)``: ``.fields`` is ``{name: type}``; displays as the schema viewer."""

    render = staticmethod(schema_html)

    @property
    def fields(self) -> dict[str, str]:
        return dict((self.get("schema") or {}).get("fields") or {})

    def widget(self) -> Any:
        from .schema import SchemaViewer

        return SchemaViewer(self)

    def title(self) -> str:
        return f"{self.get('dataset_id')}: {len(self.fields)} fields"


class VersionsResult(Result):
    render = staticmethod(versions_html)

    def title(self) -> str:
        return f"{self.get('dataset_id')}: {len(self.get('versions') or [])} versions"


class DiffResult(Result):
    render = staticmethod(diff_html)

    def title(self) -> str:
        versions = f"v{self.get('fromVersion')}->v{self.get('toVersion')}"
        return f"{self.get('dataset_id')} {versions}: {self.get('compatibility')}"


class CatalogResult(Result):
    render = staticmethod(catalog_html)

    @property
    def names(self) -> list[str]:
        if "regions" in self:
            return [p["name"] for r in self["regions"] for p in r.get("pipelines") or []]
        return [p["name"] for p in self.get("pipelines") or []]

    def title(self) -> str:
        return f"{len(self.names)} pipelines"


class FeatureGroupsResult(Result):
    render = staticmethod(feature_groups_html)

    @property
    def names(self) -> list[str]:
        return [g["name"] for g in self.get("featureGroups") or []]

    def title(self) -> str:
        return f"{self.get('region')}: {len(self.names)} feature groups"


class FeatureGroupResult(Result):
    render = staticmethod(feature_group_html)

    def widget(self) -> Any:
        from .featuregroup import FeatureGroupViewer

        return FeatureGroupViewer(self)

    def title(self) -> str:
        return f"{self.get('name')}: {len(self.get('features') or [])} features"


class SqlLineageResult(Result):
    render = staticmethod(sql_lineage_html)

    def title(self) -> str:
        return f"{', '.join(self.get('sources') or [])} -> {', '.join(self.get('targets') or [])}"


def export_html(result: Mapping[str, Any]) -> str:
    rows = [
        (k, v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)[:200])
        for k, v in result.items()
        if k != "events"
    ]
    return box(table(rows), "OpenLineage export")


class ExportResult(Result):
    render = staticmethod(export_html)

    def title(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.items() if isinstance(v, (int, str)))[:200]
