"""SQL lineage on sqlglot: tables and columns, for one statement or a whole script, in many dialects.

    from jupyter_sm_lineage.core.sql import sql_lineage
    result = sql_lineage("INSERT INTO db.t SELECT a + b AS c FROM db.s WHERE d > 0", dialect="spark")
    result.sources == ("db.s",); result.targets == ("db.t",)

``SqlLineage.to_dict()`` is the JSON contract::

    {
      "sources": ["db.s"],                  # read, not produced by the script itself
      "targets": ["db.t"],                  # written, not read back later in the script
      "intermediates": [],                  # written then read later in the script (temp views...)
      "columns": [                          # column edges, OpenLineage transformation types
        {"source": "db.s.a", "target": "db.t.c", "type": "DIRECT", "subtype": "TRANSFORMATION",
         "source_table": "db.s", "source_column": "a", "target_table": "db.t", "target_column": "c"},
        {"source": "db.s.d", "target": "db.t", "type": "INDIRECT", "subtype": "FILTER",
         "source_table": "db.s", "source_column": "d", "target_table": "db.t", "target_column": null},
        ...
      ],
      "statements": [{"index": 0, "sql": "...", "kind": "INSERT", "sources": [...], "targets": [...],
                      "columns": [...], "errors": [...]}],
      "errors": [{"statement": 0, "message": "cannot parse: ..."}],   # statement null: whole input
      "dialect": "spark"                    # sqlglot's name; "" is its generic dialect
    }

Conventions:
- Table names are written as in the SQL (``tbl``, ``db.tbl``, ``catalog.db.tbl``), lower-cased
  unless quoted (quoted ones too in dialects that ignore case: Spark, Hive, BigQuery, T-SQL...).
  Storage locations (``s3://...``, ``INSERT OVERWRITE DIRECTORY``, ``COPY``/``UNLOAD``, Spark's
  ``parquet.`s3://...```, Snowflake stages ``@stage``) are reported as written.
- DIRECT edges say where a target column's value comes from: IDENTITY (copied), TRANSFORMATION
  (computed), AGGREGATION (through an aggregate function). INDIRECT edges say what else shaped
  it: per column CONDITIONAL (a CASE/IF condition) and WINDOW (PARTITION BY/ORDER BY); for the
  whole target (``target_column`` null) FILTER (WHERE/HAVING/QUALIFY), JOIN, GROUP_BY, SORT.
- One edge per (source, target): DIRECT wins over INDIRECT, AGGREGATION over TRANSFORMATION over
  IDENTITY.
- ``count(*)`` reads no column: it gives no column edge (the table is still a source).
- An unexpanded ``SELECT *`` (no schema) gives ``src.* -> tgt.*``. An unqualified column that
  could come from several tables of unknown columns is kept with the table ``<unknown>``.
- Without a column list, an INSERT's outputs map to target columns by name (by position when the
  schema knows the target's columns); unaliased expressions are named by their SQL text.
- A plain SELECT has sources, no targets; its edges target the bare output column names, and
  it has no dataset-wide (INDIRECT FILTER/JOIN/...) edges since there is no target dataset.
- UPDATE, MERGE and DELETE write their target; the target is not also reported as a source.
"""

from __future__ import annotations

from .dialects import known_dialects, resolve_dialect
from .lineage import MAX_SQL_CHARS, sql_lineage
from .result import (
    UNKNOWN_TABLE,
    ColumnEdge,
    LineageHTML,
    LineageIssue,
    SqlLineage,
    StatementLineage,
)

__all__ = [
    "MAX_SQL_CHARS",
    "UNKNOWN_TABLE",
    "ColumnEdge",
    "LineageHTML",
    "LineageIssue",
    "SqlLineage",
    "StatementLineage",
    "known_dialects",
    "resolve_dialect",
    "sql_lineage",
]
