"""Bad input never escapes as an exception: it becomes errors, in bounded work."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_sm_lineage.core.sql import MAX_SQL_CHARS, sql_lineage

DIALECTS = [None, "spark", "snowflake", "tsql", "bigquery", "postgres", "mysql", "hive", "redshift", "oracle"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELEC a FRM b",
        "SELECT (((a FROM t",
        "INSERT INTO t SELECT FROM WHERE",
        "SELECT 'unterminated",
        'SELECT "unterminated FROM t',
        "SELECT a FROM t WHERE (b = 1",
        "MERGE INTO t USING",
        ")))",
        "hello world",
        "\x00\x01\x02",
        "CREATE TABLE AS SELECT 1",
    ],
)
@pytest.mark.parametrize("dialect", [None, "spark", "tsql", "postgres"])
def test_invalid_sql_is_reported(sql: str, dialect: str | None) -> None:
    result = sql_lineage(sql, dialect=dialect)
    assert result.errors
    assert all(issue.message for issue in result.errors)


def test_one_bad_statement_does_not_sink_the_script() -> None:
    result = sql_lineage("INSERT INTO a SELECT x FROM s; SELECT FROM WHERE; INSERT INTO b SELECT y FROM s2")
    assert [issue.statement for issue in result.errors] == [1]
    assert result.errors[0].message.startswith("cannot parse")
    assert set(result.sources) == {"s", "s2"}
    assert set(result.targets) == {"a", "b"}


def test_untokenizable_script_is_split_on_text() -> None:
    result = sql_lineage("INSERT INTO a SELECT x FROM s; SELECT 'oops; INSERT INTO b SELECT y FROM s2")
    assert result.targets == ("a",)
    assert [issue.statement for issue in result.errors] == [1]


def test_too_large_input_is_refused() -> None:
    sql = "SELECT a FROM t;\n" * (1024 * 1024 // 17 + 1)
    assert len(sql) > MAX_SQL_CHARS
    result = sql_lineage(sql)
    (issue,) = result.errors
    assert issue.statement is None
    assert "too large" in issue.message


def test_size_limit_is_configurable() -> None:
    assert sql_lineage("SELECT a FROM t", max_chars=5).errors
    assert not sql_lineage("SELECT a FROM t", max_chars=100).errors


@pytest.mark.parametrize("depth", [5000, 50_000])
def test_deep_nesting_is_reported(depth: int) -> None:
    sql = "SELECT " + "(" * depth + "1" + ")" * depth + " AS x FROM t"
    result = sql_lineage(sql)
    (issue,) = result.errors
    assert issue.statement == 0
    assert "nested too deeply" in issue.message or "cannot parse" in issue.message


def test_deep_nesting_of_subqueries_is_reported() -> None:
    depth = 2000
    sql = "INSERT INTO t SELECT * FROM " + "(SELECT * FROM " * depth + "s" + ") x" * depth
    result = sql_lineage(sql)
    assert result.errors


def test_long_but_shallow_expression_is_analysed() -> None:
    terms = " + ".join(f"c{i}" for i in range(3000))
    result = sql_lineage(f"INSERT INTO t SELECT {terms} AS total FROM s")
    assert not result.errors
    assert len(result.columns) == 3000


def test_malformed_schema_is_ignored_not_raised() -> None:
    result = sql_lineage("INSERT INTO t SELECT * FROM s", schema={"s": 42, 3: ["x"]})  # type: ignore[dict-item]
    assert result.targets == ("t",)


SQL_ALPHABET = st.sampled_from(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "INSERT",
        "INTO",
        "CREATE",
        "TABLE",
        "AS",
        "WITH",
        "JOIN",
        "ON",
        "UNION",
        "MERGE",
        "USING",
        "WHEN",
        "THEN",
        "CASE",
        "END",
        "GROUP BY",
        "OVER",
        "(",
        ")",
        ",",
        ";",
        "*",
        "+",
        "'",
        '"',
        "`",
        "[",
        "]",
        "--",
        "/*",
        "*/",
        "$$",
        "a",
        "b",
        "t",
        "s.x",
        "1",
        "\n",
        " ",
        ".",
        "=",
        "NULL",
        "VALUES",
        "UPDATE",
        "SET",
        "DELETE",
        "COPY",
        "UNLOAD",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(SQL_ALPHABET, max_size=80), dialect=st.sampled_from(DIALECTS))
def test_token_soup_never_raises(tokens: list[str], dialect: str | None) -> None:
    result = sql_lineage(" ".join(tokens), dialect=dialect)
    assert isinstance(result.to_dict(), dict)
    for statement in result.statements:
        assert statement.errors or statement.kind


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=400), dialect=st.sampled_from(DIALECTS))
def test_arbitrary_text_never_raises(text: str, dialect: str | None) -> None:
    result = sql_lineage(text, dialect=dialect)
    result.to_dict()
    result._repr_html_()


@settings(max_examples=50, deadline=None)
@given(
    columns=st.lists(
        st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=6, unique=True
    ),
    table=st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
)
def test_generated_inserts_map_every_column(columns: list[str], table: str) -> None:
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f"INSERT INTO tgt SELECT {quoted} FROM src_{table}"
    result = sql_lineage(sql)
    assert not result.errors
    assert {(e.source, e.target) for e in result.direct_columns} == {
        (f"src_{table}.{c}", f"tgt.{c}") for c in columns
    }
