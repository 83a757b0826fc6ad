"""Dialect names users type, mapped to sqlglot's dialects."""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect, Dialects

#: Names people use for a dialect that sqlglot knows under another name.
ALIASES: dict[str, str] = {
    "": "",
    "ansi": "",
    "generic": "",
    "sql": "",
    "default": "",
    "standard": "",
    "sparksql": "spark",
    "spark3": "spark",
    "pyspark": "spark",
    "emr": "spark",
    "glue": "spark",
    "awsglue": "spark",
    "databrickssql": "databricks",
    "deltalake": "databricks",
    "delta": "databricks",
    "hiveql": "hive",
    "impala": "hive",
    "mssql": "tsql",
    "sqlserver": "tsql",
    "microsoftsqlserver": "tsql",
    "tsql": "tsql",
    "transactsql": "tsql",
    "azuresql": "tsql",
    "synapse": "tsql",
    "azuresynapse": "tsql",
    "fabric": "fabric",
    "postgresql": "postgres",
    "pg": "postgres",
    "psql": "postgres",
    "greenplum": "postgres",
    "aurorapostgres": "postgres",
    "aurorapostgresql": "postgres",
    "presto": "presto",
    "prestosql": "trino",
    "athena": "athena",
    "awsathena": "athena",
    "amazonathena": "athena",
    "redshift": "redshift",
    "awsredshift": "redshift",
    "amazonredshift": "redshift",
    "bq": "bigquery",
    "googlesql": "bigquery",
    "standardsql": "bigquery",
    "mariadb": "mysql",
    "auroramysql": "mysql",
    "sqlite3": "sqlite",
    "plsql": "oracle",
    "oraclesql": "oracle",
    "snowsql": "snowflake",
    "ch": "clickhouse",
    "vertica": "postgres",
}

_KNOWN: frozenset[str] = frozenset(d.value for d in Dialects)


def _key(name: str) -> str:
    return "".join(ch for ch in name.strip().lower() if ch.isalnum())


def resolve_dialect(name: str | None) -> str | None:
    """The sqlglot dialect for a user-typed name ("" is sqlglot's generic dialect), None if unknown."""
    if name is None:
        return ""
    lowered = name.strip().lower()
    if lowered in _KNOWN:
        return lowered
    key = _key(name)
    if key in ALIASES:
        return ALIASES[key]
    if key in _KNOWN:
        return key
    return None


def known_dialects() -> list[str]:
    """Every name accepted by :func:`resolve_dialect`, sorted."""
    return sorted((_KNOWN | ALIASES.keys()) - {""})


def get_dialect(name: str) -> Dialect:
    """The sqlglot Dialect instance for a resolved name."""
    return Dialect.get_or_raise(name or None)
