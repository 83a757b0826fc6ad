"""The records SQL lineage returns: column edges, per-statement lineage and the script's lineage."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

DIRECT = "DIRECT"
INDIRECT = "INDIRECT"
IDENTITY = "IDENTITY"
TRANSFORMATION = "TRANSFORMATION"
AGGREGATION = "AGGREGATION"
JOIN = "JOIN"
FILTER = "FILTER"
GROUP_BY = "GROUP_BY"
SORT = "SORT"
WINDOW = "WINDOW"
CONDITIONAL = "CONDITIONAL"

#: Table name given to a column whose table cannot be told (an unqualified column in a join of
#: tables whose columns are unknown).
UNKNOWN_TABLE = "<unknown>"


def qualified(table: str | None, column: str | None) -> str:
    """Join a table and a column into the ``tbl.col`` form used by edges."""
    if table is None:
        return column or ""
    if column is None:
        return table
    return f"{table}.{column}"


@dataclass(frozen=True)
class ColumnEdge:
    """One column-level dependency, typed after OpenLineage's column lineage facet.

    Attributes:
        source: ``table.column`` read (``table.*`` for an unexpanded star).
        target: ``table.column`` written; the bare column name for a plain SELECT; the table
            alone (``target_column`` None) for an INDIRECT edge on the whole dataset (a column
            used in WHERE, JOIN, GROUP BY, ORDER BY).
        type: ``DIRECT`` or ``INDIRECT``.
        subtype: IDENTITY, TRANSFORMATION, AGGREGATION (DIRECT); JOIN, FILTER, GROUP_BY, SORT,
            WINDOW, CONDITIONAL (INDIRECT).
    """

    source: str
    target: str
    type: str
    subtype: str
    description: str | None = None
    source_table: str = ""
    source_column: str = ""
    target_table: str | None = None
    target_column: str | None = None

    @classmethod
    def of(
        cls,
        source: tuple[str, str],
        target: tuple[str | None, str | None],
        type_: str,
        subtype: str,
        description: str | None = None,
    ) -> ColumnEdge:
        """Build an edge from (table, column) pairs."""
        return cls(
            source=qualified(*source),
            target=qualified(*target),
            type=type_,
            subtype=subtype,
            description=description,
            source_table=source[0],
            source_column=source[1],
            target_table=target[0],
            target_column=target[1],
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the edge."""
        out: dict[str, Any] = {
            "source": self.source,
            "target": self.target,
            "type": self.type,
            "subtype": self.subtype,
            "source_table": self.source_table,
            "source_column": self.source_column,
            "target_table": self.target_table,
            "target_column": self.target_column,
        }
        if self.description is not None:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class LineageIssue:
    """A statement that could not be (fully) analysed; ``statement`` is None for the whole input."""

    statement: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the issue."""
        return {"statement": self.statement, "message": self.message}


@dataclass(frozen=True)
class StatementLineage:
    """The lineage of one statement of a script."""

    index: int
    sql: str
    kind: str
    sources: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    columns: tuple[ColumnEdge, ...] = ()
    errors: tuple[LineageIssue, ...] = ()
    #: Tables the statement drops (DROP TABLE/VIEW, UNCACHE): written earlier, they are intermediate.
    dropped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the statement's lineage."""
        return {
            "index": self.index,
            "sql": self.sql,
            "kind": self.kind,
            "sources": list(self.sources),
            "targets": list(self.targets),
            "dropped": list(self.dropped),
            "columns": [edge.to_dict() for edge in self.columns],
            "errors": [issue.to_dict() for issue in self.errors],
        }


@dataclass(frozen=True)
class SqlLineage:
    """The lineage of a statement or a script, with each statement's own lineage in ``statements``.

    Attributes:
        sources: tables (and storage URIs) the script reads and does not produce itself.
        targets: tables (and storage URIs) the script writes and does not read back afterwards.
        columns: column edges, composed through the script's intermediate tables.
        statements: the lineage of each statement, in order.
        errors: statements that failed to parse or analyse, and input-wide problems.
        dialect: the sqlglot dialect used ("" for sqlglot's generic dialect).
        intermediates: tables written and then read again inside the script.
    """

    sources: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    columns: tuple[ColumnEdge, ...] = ()
    statements: tuple[StatementLineage, ...] = ()
    errors: tuple[LineageIssue, ...] = ()
    dialect: str | None = None
    intermediates: tuple[str, ...] = field(default=())

    @property
    def direct_columns(self) -> tuple[ColumnEdge, ...]:
        """The DIRECT edges: where each target column's value comes from."""
        return tuple(edge for edge in self.columns if edge.type == DIRECT)

    @property
    def indirect_columns(self) -> tuple[ColumnEdge, ...]:
        """The INDIRECT edges: columns that filter, join, group, sort or condition the output."""
        return tuple(edge for edge in self.columns if edge.type == INDIRECT)

    def walk(self) -> Iterator[StatementLineage]:
        """Iterate over the statements' lineage."""
        yield from self.statements

    def to_dict_shell(self) -> dict[str, Any]:
        """The JSON contract without its columns and statements (to measure or page them apart)."""
        return {
            "sources": list(self.sources),
            "targets": list(self.targets),
            "intermediates": list(self.intermediates),
            "errors": [issue.to_dict() for issue in self.errors],
            "dialect": self.dialect,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (see the package docstring)."""
        return {
            "sources": list(self.sources),
            "targets": list(self.targets),
            "intermediates": list(self.intermediates),
            "columns": [edge.to_dict() for edge in self.columns],
            "statements": [statement.to_dict() for statement in self.statements],
            "errors": [issue.to_dict() for issue in self.errors],
            "dialect": self.dialect,
        }

    def to_html(self) -> LineageHTML:
        """A small static HTML view of the lineage, displayable in a notebook without widgets."""
        return LineageHTML(self)

    def _repr_html_(self) -> str:
        return self.to_html()._repr_html_()


@dataclass(frozen=True)
class LineageHTML:
    """Static HTML for a lineage result: tables, then column edges, then errors."""

    lineage: SqlLineage

    def __str__(self) -> str:
        return self._repr_html_()

    def _repr_html_(self) -> str:
        esc = html.escape
        result = self.lineage
        parts = ['<div class="sm-lineage-sql">', "<table>", "<tr><th>sources</th><th>targets</th></tr>"]
        parts.append(
            "<tr><td>"
            + "<br>".join(esc(name) for name in result.sources)
            + "</td><td>"
            + "<br>".join(esc(name) for name in result.targets)
            + "</td></tr></table>"
        )
        if result.columns:
            parts.append("<table><tr><th>source</th><th>target</th><th>type</th><th>subtype</th></tr>")
            parts.extend(
                f"<tr><td>{esc(edge.source)}</td><td>{esc(edge.target)}</td>"
                f"<td>{esc(edge.type)}</td><td>{esc(edge.subtype)}</td></tr>"
                for edge in result.columns
            )
            parts.append("</table>")
        if result.errors:
            parts.append("<ul>")
            parts.extend(
                f"<li>statement {esc(str(issue.statement))}: {esc(issue.message)}</li>"
                for issue in result.errors
            )
            parts.append("</ul>")
        parts.append("</div>")
        return "".join(parts)
