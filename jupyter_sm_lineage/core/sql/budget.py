"""Budgets of one SQL lineage request: time, column edges, output size.

The time budget is cooperative: it is checked between phases (split, each statement, combine)
and every few thousand tokens or output columns, so one phase that cannot be interrupted (sqlglot
parsing one huge statement) may overrun it by that phase's length.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from ..errors import InvalidRequest
from .result import ColumnEdge, SqlLineage, StatementLineage

REASON = "sql_budget_exceeded"
#: Bytes between two items of a JSON list (``json.dumps``' ", ").
_SEPARATOR = 2


def edge_bytes(edge: ColumnEdge) -> int:
    """The bytes of JSON one edge takes in ``to_dict()``, with its separator."""
    return len(json.dumps(edge.to_dict())) + _SEPARATOR


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
        if self.max_output_bytes is not None:
            shell = {**statement.to_dict(), "columns": []}
            self.bytes += len(json.dumps(shell)) + _SEPARATOR
        self.add_columns(statement.columns)

    def finish(self, result: SqlLineage) -> None:
        """Count the script's own edges and the rest of its JSON."""
        if self.max_output_bytes is not None:
            shell = {**result.to_dict_shell(), "columns": [], "statements": []}
            self.bytes += len(json.dumps(shell))
        self.add_columns(result.columns)

    def add_columns(self, columns: Iterable[ColumnEdge]) -> None:
        """Count column edges (of a statement, or the script's)."""
        count = 0
        size = 0
        measure = self.max_output_bytes is not None
        for edge in columns:
            count += 1
            if measure:
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
