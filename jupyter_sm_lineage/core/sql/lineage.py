"""sql_lineage(): parse a statement or script once, analyse each statement, combine the script."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from ..errors import InvalidRequest
from .budget import Budget
from .columns import compose, stronger
from .dialects import get_dialect, known_dialects, resolve_dialect
from .result import INDIRECT, ColumnEdge, LineageIssue, SqlLineage, StatementLineage
from .script import Parsed, parse_run, script_runs
from .statements import _CASE_INSENSITIVE, NotAStatement, StatementAnalyzer, normalize_identifiers
from .tables import SchemaLookup

#: Inputs longer than this many characters are refused (parsing time grows with size).
MAX_SQL_CHARS = 512 * 1024


def sql_lineage(
    sql: str,
    dialect: str | None = None,
    schema: Mapping[str, Any] | None = None,
    default_schema: str | None = None,
    *,
    max_chars: int = MAX_SQL_CHARS,
    max_seconds: float | None = None,
    max_column_edges: int | None = None,
    max_output_bytes: int | None = None,
) -> SqlLineage:
    """Table and column lineage of a SQL statement or script.

    Args:
        sql: One statement or a script: statements separated by semicolons, T-SQL batches
            (newlines, ``GO``), stored procedures and procedural blocks (their statements are
            analysed).
        dialect: A sqlglot dialect name (``spark``, ``snowflake``, ``tsql``, ...) or a common alias
            (``sparksql``, ``mssql``, ``postgresql``, ``awsathena``, ...); None for sqlglot's
            generic dialect.
        schema: Known columns per table, ``{"db.tbl": ["col", ...]}`` or
            ``{"db.tbl": {"col": "type"}}``: used to expand ``*``, to resolve unqualified columns
            in joins and to map ``INSERT`` outputs to the target's columns by position.
        default_schema: The database unqualified table names belong to, for schema lookups.
        max_chars: Inputs longer than this are refused with an error (in ``errors``).
        max_seconds: Time budget, checked between phases and statements (and every few thousand
            tokens or output columns): past it the analysis stops with :class:`InvalidRequest`.
            None: no limit.
        max_column_edges: Most column edges the answer may hold (per statement and for the
            script); None: no limit.
        max_output_bytes: Most bytes the answer's JSON (``to_dict()``) may take, estimated as the
            analysis goes; None: no limit.

    Returns:
        The lineage of the whole script, with each statement's own in ``statements``. Problems
        (unknown dialect, input too large, statements that do not parse, nesting too deep) are
        reported in ``errors``; the statements that could be analysed still are.

    Raises:
        TypeError: ``sql`` is not a string.
        InvalidRequest: a budget (time, column edges, output size) was exceeded
            (``reason="sql_budget_exceeded"``, ``parameter="sql"``).
    """
    if not isinstance(sql, str):
        raise TypeError(f"sql must be a str, not {type(sql).__name__}")
    budget = Budget(max_seconds, max_column_edges, max_output_bytes)
    resolved = resolve_dialect(dialect) if isinstance(dialect, str) or dialect is None else None
    if resolved is None:
        message = f"unknown SQL dialect {dialect!r}; known dialects: {', '.join(known_dialects())}"
        return SqlLineage(errors=(LineageIssue(None, message),), dialect=None)
    if len(sql) > max_chars:
        message = f"SQL too large to analyse: {len(sql)} characters, the limit is {max_chars}"
        return SqlLineage(errors=(LineageIssue(None, message),), dialect=resolved)
    try:
        lookup = SchemaLookup(schema, default_schema)
    except Exception as error:
        lookup = SchemaLookup(None, default_schema)
        issue = LineageIssue(None, f"schema ignored: {error}")
        return _with_issue(_analyze(sql, get_dialect(resolved), lookup, resolved, budget), issue)
    return _analyze(sql, get_dialect(resolved), lookup, resolved, budget)


def _with_issue(result: SqlLineage, issue: LineageIssue) -> SqlLineage:
    return SqlLineage(
        sources=result.sources,
        targets=result.targets,
        columns=result.columns,
        statements=result.statements,
        errors=(issue, *result.errors),
        dialect=result.dialect,
        intermediates=result.intermediates,
    )


def _analyze(sql: str, dialect: Dialect, lookup: SchemaLookup, name: str, budget: Budget) -> SqlLineage:
    try:
        runs = script_runs(sql, dialect, name, budget.check)
    except RecursionError:
        return SqlLineage(errors=(LineageIssue(None, "SQL is nested too deeply to split"),), dialect=name)
    budget.check()
    analyzer = StatementAnalyzer(dialect, lookup, budget.check)
    statements: list[StatementLineage] = []
    for run in runs:
        budget.check()
        try:
            for parsed in parse_run(run, dialect):
                statement = _statement(len(statements), parsed, dialect, analyzer)
                budget.add(statement)
                statements.append(statement)
        except RecursionError:
            message = "statement is nested too deeply to analyse"
            index = len(statements)
            statements.append(
                StatementLineage(index, run.sql, "UNKNOWN", errors=(LineageIssue(index, message),))
            )
    budget.check()
    result = combine(statements, name, case_insensitive=dialect.NORMALIZATION_STRATEGY in _CASE_INSENSITIVE)
    budget.finish(result)
    return result


_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: .*?>")


def _token_text(match: re.Match[str]) -> str:
    return "end of statement" if match.group(1) == "SENTINEL" else repr(match.group(2))


def _parse_message(error: ParseError) -> str:
    if error.errors:
        first = error.errors[0]
        where = f" (line {first.get('line')}, column {first.get('col')})" if first.get("line") else ""
        description = _TOKEN_REPR.sub(_token_text, str(first.get("description")))
        return f"cannot parse: {description}{where}"
    return f"cannot parse: {str(error).splitlines()[0] if str(error) else 'invalid SQL'}"


def _error_message(error: Exception) -> str:
    if isinstance(error, ParseError):
        return _parse_message(error)
    if isinstance(error, TokenError):
        return f"cannot tokenize: {str(error).splitlines()[0] if str(error) else 'invalid SQL'}"
    return f"cannot parse: {type(error).__name__}: {error}"


def _statement(index: int, parsed: Parsed, dialect: Dialect, analyzer: StatementAnalyzer) -> StatementLineage:
    if parsed.error is not None:
        return StatementLineage(
            index, parsed.sql, "UNKNOWN", errors=(LineageIssue(index, _error_message(parsed.error)),)
        )
    expression = parsed.expression
    if expression is None:
        return StatementLineage(index, parsed.sql, "EMPTY")
    try:
        normalize_identifiers(expression, dialect)
        analysis = analyzer.analyze(expression, into_is_variable=parsed.into_is_variable)
    except RecursionError:
        message = "statement is nested too deeply to analyse"
        return StatementLineage(index, parsed.sql, "UNKNOWN", errors=(LineageIssue(index, message),))
    except InvalidRequest:
        raise
    except NotAStatement as error:
        return StatementLineage(index, parsed.sql, "UNKNOWN", errors=(LineageIssue(index, str(error)),))
    except ParseError as error:
        return StatementLineage(index, parsed.sql, "UNKNOWN", errors=(LineageIssue(index, _parse_message(error)),))
    except Exception as error:
        message = f"cannot analyse: {type(error).__name__}: {error}"
        return StatementLineage(index, parsed.sql, "UNKNOWN", errors=(LineageIssue(index, message),))
    if analysis.created_columns and analysis.writes:
        analyzer.schema.add(analysis.writes[0], analysis.created_columns)
    return StatementLineage(
        index=index,
        sql=parsed.sql,
        kind=analysis.kind,
        sources=tuple(analysis.reads),
        targets=tuple(analysis.writes),
        columns=tuple(_dedupe(analysis.edges)),
        dropped=tuple(analysis.drops),
    )


def _dedupe(edges: list[ColumnEdge]) -> list[ColumnEdge]:
    kept: dict[tuple[str, str], ColumnEdge] = {}
    for edge in edges:
        key = (edge.source, edge.target)
        old = kept.get(key)
        if old is None or stronger((old.type, old.subtype), (edge.type, edge.subtype)) != (
            old.type,
            old.subtype,
        ):
            kept[key] = edge
    return list(kept.values())


def combine(
    statements: list[StatementLineage], dialect: str | None, case_insensitive: bool = False
) -> SqlLineage:
    """The lineage of a script.

    A table is a source when the script reads it before writing it (or never writes it); a
    target when the script writes it and neither reads it back afterwards nor drops it; written
    tables that are neither are intermediate, and column edges are composed through them. Where
    the dialect ignores case, names that differ only in case are one table (the first spelling
    is kept).
    """
    first_read: dict[str, int] = {}
    last_read: dict[str, int] = {}
    first_write: dict[str, int] = {}
    last_write: dict[str, int] = {}
    last_drop: dict[str, int] = {}
    spelling: dict[str, str] = {}
    renamed: dict[str, str] = {}

    def key(name: str) -> str:
        folded = name.lower() if case_insensitive else name
        first = spelling.setdefault(folded, name)
        if first != name:
            renamed[name] = first
        return first

    for st in statements:
        for read in st.sources:
            name = key(read)
            first_read.setdefault(name, st.index)
            last_read[name] = st.index
        for written in st.targets:
            name = key(written)
            first_write.setdefault(name, st.index)
            last_write[name] = st.index
        for name in st.dropped:
            last_drop[key(name)] = st.index
    names = list(spelling.values())
    sources = [
        n for n in names if n in first_read and (n not in first_write or first_read[n] <= first_write[n])
    ]
    targets = [
        n
        for n in names
        if n in first_write
        and (n not in last_read or last_write[n] >= last_read[n])
        and (n not in last_drop or last_drop[n] < last_write[n])
    ]
    source_set = set(sources)
    target_set = set(targets)
    intermediates = [n for n in names if n in first_write and n not in source_set and n not in target_set]
    edges = [edge for st in statements for edge in st.columns]
    if renamed:
        edges = [_respell(edge, renamed) for edge in edges]
    if intermediates:
        edges = _compose_through(edges, set(intermediates))
    errors = tuple(issue for st in statements for issue in st.errors)
    return SqlLineage(
        sources=tuple(sources),
        targets=tuple(targets),
        columns=tuple(_dedupe(edges)),
        statements=tuple(statements),
        errors=errors,
        dialect=dialect,
        intermediates=tuple(intermediates),
    )


def _respell(edge: ColumnEdge, renamed: dict[str, str]) -> ColumnEdge:
    source = renamed.get(edge.source_table, edge.source_table)
    target = renamed.get(edge.target_table, edge.target_table) if edge.target_table else edge.target_table
    if source == edge.source_table and target == edge.target_table:
        return edge
    return ColumnEdge.of(
        (source, edge.source_column), (target, edge.target_column), edge.type, edge.subtype, edge.description
    )


def _compose_through(edges: list[ColumnEdge], intermediates: set[str]) -> list[ColumnEdge]:
    upstream: dict[tuple[str, str], list[ColumnEdge]] = {}
    by_table: dict[str, list[ColumnEdge]] = {}
    dataset: dict[str, list[ColumnEdge]] = {}
    for edge in edges:
        if edge.target_table in intermediates:
            if edge.target_column is None:
                dataset.setdefault(edge.target_table, []).append(edge)
            else:
                upstream.setdefault((edge.target_table, edge.target_column), []).append(edge)
                by_table.setdefault(edge.target_table, []).append(edge)

    def expand(
        table: str, column: str, seen: frozenset[tuple[str, str]]
    ) -> list[tuple[str, str, str, str, str]]:
        """(source table, source column, type, subtype, intermediate column) feeding table.column."""
        if (table, column) in seen:
            return []
        seen = seen | {(table, column)}
        found: list[tuple[str, str, str, str, str]] = []
        if column == "*":
            feeding = by_table.get(table, [])
        else:
            feeding = upstream.get((table, column)) or upstream.get((table, "*"), [])
        for up in feeding:
            via = up.target_column or column
            src_col = column if up.source_column == "*" and column != "*" else up.source_column
            if up.source_table in intermediates:
                for deeper in expand(up.source_table, src_col, seen):
                    sub = compose((up.type, up.subtype), (deeper[2], deeper[3]))
                    found.append((deeper[0], deeper[1], sub[0], sub[1], via))
            else:
                found.append((up.source_table, src_col, up.type, up.subtype, via))
        return found

    out: list[ColumnEdge] = []
    for edge in edges:
        if edge.target_table in intermediates:
            continue
        if edge.source_table not in intermediates:
            out.append(edge)
            continue
        for src_table, src_col, typ, sub, via in expand(edge.source_table, edge.source_column, frozenset()):
            t_type, t_sub = compose((edge.type, edge.subtype), (typ, sub))
            target_column = (
                via if edge.target_column == "*" and edge.source_column == "*" else edge.target_column
            )
            out.append(ColumnEdge.of((src_table, src_col), (edge.target_table, target_column), t_type, t_sub))
        if edge.target_table is not None:
            for filt in dataset.get(edge.source_table, []):
                if filt.source_table not in intermediates:
                    out.append(
                        ColumnEdge.of(
                            (filt.source_table, filt.source_column),
                            (edge.target_table, None),
                            INDIRECT,
                            filt.subtype,
                        )
                    )
    return out
