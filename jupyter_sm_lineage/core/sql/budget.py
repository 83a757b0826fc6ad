"""Budgets of one SQL lineage request: time, column edges, output size.

The time budget is cooperative: it is checked between phases (split, each statement, combine)
and every few thousand tokens or output columns, so one phase that cannot be interrupted (sqlglot
parsing one huge statement) may overrun it by that phase's length.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ..errors import InvalidRequest
from .result import ColumnEdge, StatementLineage

REASON = "sql_budget_exceeded"
#: Bytes of JSON an edge takes beside its strings (keys, quotes, type and subtype).
_EDGE_OVERHEAD = 160
_STATEMENT_OVERHEAD = 120


def edge_bytes(edge: ColumnEdge) -> int:
    """An upper estimate of the bytes of JSON one edge takes in ``to_dict()``."""
    return (
        _EDGE_OVERHEAD
        + 2 * (len(edge.source) + len(edge.target))
        + len(edge.subtype)
        + (len(edge.description) if edge.description else 0)
    )


class Budget:
    """Counts what a request has used and raises :class:`InvalidRequest` past a limit."""

    def __init__(
        self,
        max_seconds: float | None = None,
        max_column_edges: int | None = None,
        max_output_bytes: int | None = None,
    ) -> None:
        self.max_seconds = max_seconds
        self.max_column_edges = max_column_edges
        self.max_output_bytes = max_output_bytes
        self._deadline = None if max_seconds is None else time.monotonic() + max_seconds
        self.edges = 0
        self.bytes = 0

    def check(self) -> None:
        """Raise if the time budget is spent."""
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise InvalidRequest(
                f"SQL budget exceeded: the analysis took longer than its time budget of "
                f"{self.max_seconds:g} s (max_seconds); split the script or simplify the statement",
                parameter="sql",
                reason=REASON,
            )

    def add(self, statement: StatementLineage) -> None:
        """Count one statement's edges and JSON size."""
        self.bytes += _STATEMENT_OVERHEAD + len(statement.sql) + sum(
            len(name) + 4 for name in (*statement.sources, *statement.targets)
        )
        self.add_columns(statement.columns)

    def add_columns(self, columns: Iterable[ColumnEdge]) -> None:
        """Count column edges (of a statement, or the script's)."""
        count = 0
        size = 0
        for edge in columns:
            count += 1
            size += edge_bytes(edge)
        self.edges += count
        self.bytes += size
        if self.max_column_edges is not None and count > self.max_column_edges:
            raise InvalidRequest(
                f"SQL budget exceeded: the lineage has {count} column edges, more than the limit of "
                f"{self.max_column_edges} (max_column_edges)",
                parameter="sql",
                reason=REASON,
            )
        if self.max_column_edges is not None and self.edges > 2 * self.max_column_edges:
            raise InvalidRequest(
                f"SQL budget exceeded: the statements have {self.edges} column edges in all, more than "
                f"twice the limit of {self.max_column_edges} (max_column_edges)",
                parameter="sql",
                reason=REASON,
            )
        if self.max_output_bytes is not None and self.bytes > self.max_output_bytes:
            raise InvalidRequest(
                f"SQL budget exceeded: the lineage's JSON would take more than the limit of "
                f"{self.max_output_bytes} bytes (max_output_bytes)",
                parameter="sql",
                reason=REASON,
            )
        self.check()
