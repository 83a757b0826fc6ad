"""Table names as lineage reports them, and the user's schema for expanding stars."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import exp

#: Spark/Databricks file formats usable as ``format.`path``` in FROM.
FILE_FORMATS = frozenset(
    {"parquet", "csv", "json", "orc", "avro", "delta", "text", "binaryfile", "iceberg", "hudi", "xml"}
)
#: Table functions whose first argument is the location they read (DuckDB, ClickHouse, ...).
_FILE_FUNCTIONS = frozenset(
    {
        "read_parquet",
        "read_csv",
        "read_csv_auto",
        "read_json",
        "read_json_auto",
        "parquet_scan",
        "s3",
        "file",
        "url",
        "hdfs",
        "delta_scan",
        "iceberg_scan",
    }
)


def looks_like_location(name: str) -> bool:
    """Whether a name is a storage URI or path rather than a table name."""
    return "://" in name or name.startswith(("/", "@")) or name.startswith("~")


def literal_location(node: exp.Expr | None) -> str | None:
    """The location a string literal, stage or path node names, if it is one."""
    if isinstance(node, exp.Literal) and node.is_string:
        return node.name
    if isinstance(node, exp.Var) and node.name.startswith("@"):
        return node.name
    if isinstance(node, exp.Table):
        return table_name(node)
    return None


def table_name(table: exp.Table) -> str | None:
    """The reported name of a table reference; None for table functions without a location."""
    this = table.this
    if isinstance(this, exp.Identifier):
        db = table.args.get("db")
        if (
            isinstance(db, exp.Identifier)
            and not table.args.get("catalog")
            and db.name.lower() in FILE_FORMATS
            and (this.quoted or looks_like_location(this.name))
        ):
            # Spark/Databricks path-based tables: parquet.`path`, delta.`path`, csv.`file.csv`
            return this.name
        if this.quoted and looks_like_location(this.name) and not table.args.get("db"):
            return this.name
        parts = [part.name for part in table.parts]
        if this.args.get("temporary"):
            parts[-1] = f"#{parts[-1]}"
        elif this.args.get("global_"):
            parts[-1] = f"##{parts[-1]}"
        return ".".join(parts)
    if isinstance(this, exp.Dot):
        return ".".join(part.name for part in table.parts)
    if isinstance(this, exp.Var) and this.name.startswith("@"):
        return this.name
    if isinstance(this, exp.Literal) and this.is_string:
        return this.name
    if isinstance(this, exp.Func):
        name = this.name if isinstance(this, exp.Anonymous) else this.sql_name()
        if name.lower() in _FILE_FUNCTIONS:
            for arg in this.iter_expressions():
                if isinstance(arg, exp.Literal) and arg.is_string:
                    return arg.name
    return None


def _norm_part(part: str) -> str:
    part = part.strip()
    if len(part) >= 2 and (part[0], part[-1]) in (('"', '"'), ("`", "`"), ("[", "]")):
        return part[1:-1]
    return part.lower()


def normalize_name(name: str) -> str:
    """Normalise a dotted name from the schema mapping the way identifiers in SQL are."""
    return ".".join(_norm_part(p) for p in name.split("."))


class SchemaLookup:
    """Columns of the tables the caller knows, by table name.

    Accepts ``{"db.tbl": ["col", ...]}``, ``{"db.tbl": {"col": "type"}}`` and nested mappings
    (``{"db": {"tbl": {"col": "type"}}}``). An unqualified table in SQL finds
    ``default_schema.tbl`` first, then the one schema entry whose name ends with it.
    """

    def __init__(self, schema: Mapping[str, Any] | None, default_schema: str | None = None) -> None:
        self._tables: dict[str, list[str]] = {}
        self._suffix: dict[str, list[str]] = {}
        self._default = normalize_name(default_schema) if default_schema else None
        if schema:
            self._flatten(schema, [], 0)
        for full in self._tables:
            parts = full.split(".")
            for i in range(1, len(parts)):
                self._suffix.setdefault(".".join(parts[i:]), []).append(full)

    def _flatten(self, mapping: Mapping[str, Any], prefix: list[str], depth: int) -> None:
        for key, value in mapping.items():
            if not isinstance(key, str):
                continue
            name = [*prefix, normalize_name(key)]
            if (
                isinstance(value, Mapping)
                and value
                and depth < 3
                and all(isinstance(v, Mapping) for v in value.values())
            ):
                self._flatten(value, name, depth + 1)
            elif isinstance(value, (Mapping, list, tuple)):
                self._tables[".".join(name)] = [normalize_name(str(c)) for c in value]

    def add(self, table: str, columns: list[str]) -> None:
        """Learn the columns of a table a script creates, unless the caller's schema names it."""
        if table in self._tables:
            return
        self._tables[table] = list(columns)
        parts = table.split(".")
        for i in range(1, len(parts)):
            self._suffix.setdefault(".".join(parts[i:]), []).append(table)

    def __bool__(self) -> bool:
        return bool(self._tables)

    def columns(self, table: str) -> list[str] | None:
        """The known columns of a table as named in SQL, or None."""
        if not self._tables:
            return None
        found = self._tables.get(table)
        if found is not None:
            return found
        if self._default and "." not in table:
            found = self._tables.get(f"{self._default}.{table}")
            if found is not None:
                return found
        candidates = self._suffix.get(table)
        if candidates is not None and len(candidates) == 1:
            return self._tables[candidates[0]]
        lowered = table.lower()
        if lowered != table:
            return self.columns(lowered)
        return None
