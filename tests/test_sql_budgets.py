"""Budgets of one SQL lineage request: time, column edges and output size fail with a typed 400."""

from __future__ import annotations

import json

import pytest

from jupyter_sm_lineage.core.errors import InvalidRequest
from jupyter_sm_lineage.core.sql import sql_lineage


def _wide(columns: int) -> str:
    return "INSERT INTO tgt SELECT " + ", ".join(f"s.c{i} + 1 AS o{i}" for i in range(columns)) + " FROM s"


def _script(statements: int) -> str:
    return ";\n".join(f"INSERT INTO t{i} SELECT a, b FROM s{i} WHERE c > {i}" for i in range(statements))


def test_time_budget_spent_raises_a_typed_400() -> None:
    with pytest.raises(InvalidRequest) as caught:
        sql_lineage(_script(200), max_seconds=0)
    error = caught.value
    assert error.status == 400
    assert error.reason == "sql_budget_exceeded"
    assert error.parameter == "sql"
    assert "time budget of 0 s" in error.message
    assert "max_seconds" in error.message


def test_column_edge_budget() -> None:
    with pytest.raises(InvalidRequest) as caught:
        sql_lineage(_wide(50), max_column_edges=10)
    assert caught.value.reason == "sql_budget_exceeded"
    assert "50 column edges" in caught.value.message
    assert "limit of 10 (max_column_edges)" in caught.value.message
    assert len(sql_lineage(_wide(50), max_column_edges=50).columns) == 50


def test_column_edge_budget_counts_the_whole_script() -> None:
    sql = ";\n".join(_wide(30).replace("tgt", f"tgt{i}") for i in range(5))
    with pytest.raises(InvalidRequest, match="in all"):
        sql_lineage(sql, max_column_edges=40)
    assert len(sql_lineage(sql, max_column_edges=150).columns) == 150


@pytest.mark.parametrize("sql", [_wide(40), _script(20), "SELECT a FROM t", _wide(1)])
def test_output_budget_bounds_the_json(sql: str) -> None:
    actual = len(json.dumps(sql_lineage(sql).to_dict()))
    with pytest.raises(InvalidRequest, match="max_output_bytes"):
        sql_lineage(sql, max_output_bytes=actual - 1)
    # whatever passes the budget fits in it
    for limit in (actual // 2, actual, actual * 2, actual * 4):
        try:
            result = sql_lineage(sql, max_output_bytes=limit)
        except InvalidRequest as error:
            assert error.reason == "sql_budget_exceeded"
            continue
        assert len(json.dumps(result.to_dict())) <= limit


def test_output_budget_is_not_far_above_the_actual_size() -> None:
    sql = _wide(200)
    actual = len(json.dumps(sql_lineage(sql).to_dict()))
    assert sql_lineage(sql, max_output_bytes=2 * actual).columns


def test_defaults_set_no_budget() -> None:
    result = sql_lineage(_wide(3000))
    assert not result.errors
    assert len(result.columns) == 3000


def test_budget_error_survives_the_wire() -> None:
    with pytest.raises(InvalidRequest) as caught:
        sql_lineage(_wide(20), max_column_edges=1)
    wire = caught.value.to_dict()
    assert wire["reason"] == "sql_budget_exceeded"
    assert wire["parameter"] == "sql"
    assert wire["type"] == "InvalidRequest"
