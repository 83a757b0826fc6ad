"""The public API of jupyter_sm_lineage.core.sql: result records, JSON contract, dialects, HTML."""

from __future__ import annotations

import dataclasses
import json

import pytest

from jupyter_sm_lineage.core.sql import (
    UNKNOWN_TABLE,
    ColumnEdge,
    SqlLineage,
    known_dialects,
    resolve_dialect,
    sql_lineage,
)


def test_to_dict_contract_is_json_ready() -> None:
    # Given
    sql = "INSERT INTO db.t SELECT a + b AS c FROM db.s WHERE d > 0"

    # When
    result = sql_lineage(sql, dialect="spark").to_dict()

    # Then
    assert json.loads(json.dumps(result)) == result
    assert set(result) == {
        "sources",
        "targets",
        "intermediates",
        "columns",
        "statements",
        "errors",
        "dialect",
    }
    assert result["sources"] == ["db.s"]
    assert result["targets"] == ["db.t"]
    assert result["dialect"] == "spark"
    assert result["errors"] == []
    assert {
        "source": "db.s.a",
        "target": "db.t.c",
        "type": "DIRECT",
        "subtype": "TRANSFORMATION",
        "source_table": "db.s",
        "source_column": "a",
        "target_table": "db.t",
        "target_column": "c",
    } in result["columns"]
    assert {
        "source": "db.s.d",
        "target": "db.t",
        "type": "INDIRECT",
        "subtype": "FILTER",
        "source_table": "db.s",
        "source_column": "d",
        "target_table": "db.t",
        "target_column": None,
    } in result["columns"]
    (statement,) = result["statements"]
    assert statement["kind"] == "INSERT"
    assert statement["index"] == 0
    assert statement["sql"] == sql


def test_records_are_frozen() -> None:
    result = sql_lineage("SELECT a FROM s")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.sources = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.columns[0].source = "x"  # type: ignore[misc]


def test_transformation_types_follow_openlineage() -> None:
    result = sql_lineage(
        "INSERT INTO t SELECT a, a * 2 AS b, sum(c) AS s, CASE WHEN f THEN g END AS h FROM x "
        "JOIN y ON x.id = y.id WHERE x.w > 0 GROUP BY a, b, h ORDER BY a",
        schema={"x": ["id", "a", "c", "f", "g", "w"], "y": ["id"]},
    )
    got = {(e.source, e.target): (e.type, e.subtype) for e in result.columns}
    assert got[("x.a", "t.a")] == ("DIRECT", "IDENTITY")
    assert got[("x.a", "t.b")] == ("DIRECT", "TRANSFORMATION")
    assert got[("x.c", "t.s")] == ("DIRECT", "AGGREGATION")
    assert got[("x.f", "t.h")] == ("INDIRECT", "CONDITIONAL")
    assert got[("x.g", "t.h")] == ("DIRECT", "TRANSFORMATION")
    assert got[("x.id", "t")] == ("INDIRECT", "JOIN")
    assert got[("y.id", "t")] == ("INDIRECT", "JOIN")
    assert got[("x.w", "t")] == ("INDIRECT", "FILTER")
    assert got[("x.a", "t")] == ("INDIRECT", "GROUP_BY")
    assert {e.type for e in result.direct_columns} == {"DIRECT"}
    assert {e.type for e in result.indirect_columns} == {"INDIRECT"}


def test_unknown_table_marker_is_kept() -> None:
    result = sql_lineage("INSERT INTO t SELECT a FROM s1 JOIN s2 ON s1.k = s2.k")
    assert ColumnEdge.of((UNKNOWN_TABLE, "a"), ("t", "a"), "DIRECT", "IDENTITY") in result.columns


def test_default_schema_resolves_unqualified_tables() -> None:
    result = sql_lineage(
        "INSERT INTO out SELECT * FROM orders",
        schema={"shop.orders": {"id": "int", "total": "decimal"}, "other.orders": ["x"]},
        default_schema="shop",
    )
    assert {(e.source, e.target) for e in result.columns} == {
        ("orders.id", "out.id"),
        ("orders.total", "out.total"),
    }


def test_nested_schema_mapping() -> None:
    result = sql_lineage("INSERT INTO t SELECT * FROM db.s", schema={"db": {"s": {"a": "int"}}})
    assert [(e.source, e.target) for e in result.columns] == [("db.s.a", "t.a")]


def test_script_statements_are_reported_one_by_one() -> None:
    # Given
    sql = "CREATE TEMP VIEW v AS SELECT a FROM s; INSERT INTO t SELECT a FROM v; SELECT * FROM t"

    # When
    result = sql_lineage(sql, dialect="spark")

    # Then
    assert [st.kind for st in result.statements] == ["CREATE VIEW", "INSERT", "SELECT"]
    assert [st.targets for st in result.statements] == [("v",), ("t",), ()]
    assert result.statements[1].sources == ("v",)
    assert result.sources == ("s",)
    assert result.targets == ()
    assert set(result.intermediates) == {"v", "t"}
    assert list(result.walk()) == list(result.statements)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, ""),
        ("ansi", ""),
        ("SparkSQL", "spark"),
        ("mssql", "tsql"),
        ("sqlserver", "tsql"),
        ("SQL Server", "tsql"),
        ("postgresql", "postgres"),
        ("pg", "postgres"),
        ("presto", "presto"),
        ("synapse", "tsql"),
        ("awsathena", "athena"),
        ("aws-athena", "athena"),
        ("snowflake", "snowflake"),
        ("BigQuery", "bigquery"),
        ("teradata", "teradata"),
        ("no-such-sql", None),
    ],
)
def test_dialect_aliases(name: str | None, expected: str | None) -> None:
    assert resolve_dialect(name) == expected


def test_unknown_dialect_is_an_error_with_a_clear_message() -> None:
    result = sql_lineage("SELECT 1", dialect="cobol")
    assert result.sources == () and result.statements == ()
    (issue,) = result.errors
    assert issue.statement is None
    assert "unknown SQL dialect 'cobol'" in issue.message
    assert "snowflake" in issue.message
    assert "sparksql" in known_dialects()


def test_non_string_sql_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        sql_lineage(b"SELECT 1")  # type: ignore[arg-type]


def test_html_view() -> None:
    result = sql_lineage("INSERT INTO t SELECT a AS `<b>` FROM s; SELECT FROM WHERE", dialect="spark")
    html = result._repr_html_()
    assert "<table>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "cannot parse" in html
    assert str(result.to_html()) == html


def test_empty_input() -> None:
    result = sql_lineage("  -- nothing here\n")
    assert result == SqlLineage(dialect="")
