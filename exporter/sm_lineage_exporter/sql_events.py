"""SQL lineage (``core.sql``'s contract) -> a run whose outputs carry ``columnLineage`` and ``schema``. Pure.

Marquez shows a column edge only when the output column is in the output's ``schema`` facet and the
input column in an input's ``schema`` facet of the same run: without a catalog, both schemas are
built from the lineage itself (the columns it reads and writes), typed when ``schema`` says how.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import DatasetFacet, column_lineage_dataset, job_type_job, sql_job

from .datasets import schema_facet
from .naming import NAMESPACE_PATTERN, DatasetName, iso, s3_dataset, static_run_id
from .pipeline_events import PRODUCER

STAR = "*"
UNKNOWN = "<unknown>"
#: OpenLineage's DIRECT subtypes, weakest first: a column's transformationType is its strongest.
DIRECT_ORDER = ("IDENTITY", "TRANSFORMATION", "AGGREGATION")


class SqlExportError(ValueError):
    """The SQL could not be analysed at all (nothing to export)."""


def events_for_sql(
    sql: str,
    *,
    dialect: str | None = None,
    job_namespace: str = "sql",
    job_name: str | None = None,
    dataset_namespace: str | None = None,
    schema: Mapping[str, Any] | None = None,
    producer: str | None = None,
    event_time: datetime | str | None = None,
    lineage: Mapping[str, Any] | None = None,
) -> list[RunEvent]:
    """START and COMPLETE of a run of the SQL, with table lineage and column lineage.

    Args:
        sql: A statement or a script.
        dialect: sqlglot dialect (``athena``, ``redshift``, ``spark``, ...).
        job_namespace, job_name: The job (default name ``sql_{hash of the SQL}``).
        dataset_namespace: Namespace of the tables (default ``{dialect}://default``); storage
            locations in the SQL (``s3://...``) are named by the OpenLineage naming spec instead.
        schema: Known columns per table (``{"db.t": {"col": "type"}}`` or ``{"db.t": ["col"]}``).
        event_time: When the run happened (default: now).
        lineage: ``sql_lineage(...).to_dict()`` when already computed.

    Raises:
        SqlExportError: no statement could be analysed.
    """
    if lineage is None:
        from jupyter_sm_lineage.core.sql import sql_lineage

        lineage = sql_lineage(sql, dialect=dialect, schema=schema).to_dict()
    if lineage.get("errors") and not (lineage.get("sources") or lineage.get("targets")):
        raise SqlExportError("; ".join(str(e.get("message")) for e in lineage["errors"]))
    producer = producer or PRODUCER
    when = iso(event_time or datetime.now(timezone.utc))
    name = job_name or "sql_" + hashlib.sha1(sql.encode("utf-8")).hexdigest()[:12]
    tables_ns = dataset_namespace or f"{(lineage.get('dialect') or dialect or 'sql').lower()}://default"
    if not NAMESPACE_PATTERN.match(tables_ns) or not NAMESPACE_PATTERN.match(job_namespace):
        raise SqlExportError(f"namespace {tables_ns!r} or {job_namespace!r} is not a valid OpenLineage namespace")
    known = _known_columns(schema)
    edges = [e for e in lineage.get("columns") or [] if _usable(e)]
    read: dict[str, list[str]] = {t: [] for t in lineage.get("sources") or []}
    written: dict[str, list[str]] = {t: [] for t in lineage.get("targets") or []}
    for edge in edges:
        if edge.get("source_table") in read:
            _add(read[edge["source_table"]], edge.get("source_column"))
        if edge.get("target_table") in written and edge.get("target_column"):
            _add(written[edge["target_table"]], edge["target_column"])
    names = {table: _dataset(table, tables_ns) for table in {*read, *written}}
    inputs = []
    for table, columns in read.items():
        facets = _schema_facets(table, columns, known, producer)
        inputs.append(InputDataset(namespace=names[table].namespace, name=names[table].name, facets=facets))
    outputs = []
    for table, columns in written.items():
        facets = _schema_facets(table, columns, known, producer)
        lineage_facet = _column_lineage(table, edges, names, read, producer)
        if lineage_facet is not None:
            facets["columnLineage"] = lineage_facet
        outputs.append(OutputDataset(namespace=names[table].namespace, name=names[table].name, facets=facets))
    job = Job(namespace=job_namespace, name=name, facets={
        "sql": sql_job.SQLJobFacet(query=sql, dialect=lineage.get("dialect") or dialect, producer=producer),
        "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="SQL", jobType="QUERY",
                                                producer=producer),
    })
    run = Run(runId=static_run_id(job_namespace, name, sql))
    return [RunEvent(eventType=state, eventTime=when, run=run, job=job, inputs=inputs, outputs=outputs,
                     producer=producer) for state in (RunState.START, RunState.COMPLETE)]


def _usable(edge: Mapping[str, Any]) -> bool:
    source, column = edge.get("source_table"), edge.get("source_column")
    return bool(source and column) and source != UNKNOWN and column != STAR and edge.get("target_column") != STAR


def _add(columns: list[str], column: Any) -> None:
    if column and column not in columns:
        columns.append(str(column))


def _dataset(table: str, namespace: str) -> DatasetName:
    if "://" in table:
        named = s3_dataset(table)
        if named is not None:
            return named
        scheme, _, rest = table.partition("://")
        authority, _, path = rest.partition("/")
        return DatasetName(f"{scheme}://{authority}", path or "/", scheme)
    return DatasetName(namespace, table, "table")


def _known_columns(schema: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for table, columns in (schema or {}).items():
        if isinstance(columns, Mapping):
            out[str(table).lower()] = {str(k): v for k, v in columns.items()}
        elif isinstance(columns, list | tuple):
            out[str(table).lower()] = {str(c): None for c in columns}
    return out


def _schema_facets(table: str, columns: list[str], known: Mapping[str, Mapping[str, Any]],
                   producer: str) -> dict[str, DatasetFacet]:
    types = known.get(table.lower(), {})
    ordered = list(types) + [c for c in columns if c not in types]
    if not ordered:
        return {}
    return {"schema": schema_facet({c: types.get(c) for c in ordered}, producer)}


def _column_lineage(table: str, edges: list[Mapping[str, Any]], names: Mapping[str, DatasetName],
                    read: Mapping[str, list[str]],
                    producer: str) -> column_lineage_dataset.ColumnLineageDatasetFacet | None:
    fields: dict[str, list[Mapping[str, Any]]] = {}
    dataset_wide: list[column_lineage_dataset.InputField] = []
    for edge in edges:
        if edge.get("target_table") != table or edge.get("source_table") not in read:
            continue
        if edge.get("target_column"):
            fields.setdefault(str(edge["target_column"]), []).append(edge)
        else:
            dataset_wide.append(_input_field(edge, names))
    if not fields and not dataset_wide:
        return None
    out = {}
    for column, column_edges in fields.items():
        direct = [e for e in column_edges if e.get("type") == "DIRECT"]
        strongest = max((e.get("subtype") for e in direct), key=lambda s: DIRECT_ORDER.index(s)
                        if s in DIRECT_ORDER else -1, default=None)
        kind = str(strongest) if strongest else "INDIRECT"
        sources = ", ".join(f"{e['source_table']}.{e['source_column']}" for e in column_edges)
        out[column] = column_lineage_dataset.Fields(
            inputFields=[_input_field(e, names) for e in column_edges],
            transformationDescription=f"{kind.lower()} of {sources}",
            transformationType=kind,
        )
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields=out, dataset=dataset_wide, producer=producer)


def _input_field(edge: Mapping[str, Any], names: Mapping[str, DatasetName]) -> column_lineage_dataset.InputField:
    dataset = names[edge["source_table"]]
    return column_lineage_dataset.InputField(
        namespace=dataset.namespace, name=dataset.name, field=str(edge["source_column"]),
        transformations=[column_lineage_dataset.Transformation(
            type=str(edge.get("type")), subtype=edge.get("subtype"), description=edge.get("description"),
            masking=False)])
