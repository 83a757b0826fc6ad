"""Lineage of one parsed statement: what it reads, what it writes, and its column edges.

Every statement that moves data is reduced to a query plus a target: INSERT/CTAS/views use their
query; UPDATE, MERGE and DELETE become a synthetic SELECT over the target and its sources, with
the target table itself excluded from the sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy

from .columns import Deps, QueryAnalyzer, QueryResult, merge_into
from .result import DIRECT, IDENTITY, INDIRECT, ColumnEdge
from .tables import SchemaLookup, literal_location, table_name

#: Statements that never carry lineage.
_NO_LINEAGE: tuple[type[exp.Expr], ...] = tuple(
    getattr(exp, name)
    for name in (
        "Drop",
        "Use",
        "Set",
        "TruncateTable",
        "Describe",
        "Show",
        "Commit",
        "Rollback",
        "Transaction",
        "Grant",
        "Revoke",
        "Analyze",
        "Pragma",
        "Kill",
        "Refresh",
        "Comment",
        "Uncache",
        "Declare",
        "Execute",
        "Summarize",
    )
    if hasattr(exp, name)
)

_CREATE_WITHOUT_LINEAGE = frozenset(
    {"INDEX", "FUNCTION", "PROCEDURE", "SCHEMA", "DATABASE", "SEQUENCE", "MACRO", "TRIGGER", "TYPE"}
)

_EXCHANGE = re.compile(
    r"^\s*TABLE\s+(.+?)\s+EXCHANGE\s+PARTITION\b.*?\bWITH\s+TABLE\s+(\S+)", re.IGNORECASE | re.DOTALL
)
#: Dialects where ``ALTER TABLE db.a RENAME TO b`` moves the table to the current schema.
_RENAME_ANYWHERE = frozenset({"mysql", "snowflake", "singlestore", "doris", "starrocks"})

_UNLOAD = re.compile(r"^\s*\(\s*'((?:[^']|'')*)'\s*\)\s*TO\s*'((?:[^']|'')*)'", re.IGNORECASE | re.DOTALL)


_CASE_INSENSITIVE = {
    strategy
    for strategy in NormalizationStrategy
    if strategy.name in ("CASE_INSENSITIVE", "CASE_INSENSITIVE_UPPERCASE")
}


def normalize_identifiers(expression: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Lower-case unquoted identifiers; quoted ones keep their case, as written."""
    for node in expression.find_all(exp.Identifier):
        text = node.this
        if isinstance(text, str) and not node.quoted:
            lowered = text.lower()
            if lowered != text:
                node.set("this", lowered)
    return expression


def _into_select(stmt: exp.Expr) -> exp.Select | None:
    """The SELECT carrying ``INTO`` of a statement: itself, or the first branch of a set operation."""
    node = stmt
    while isinstance(node, exp.SetOperation):
        node = node.this
    if isinstance(node, exp.Subquery):
        node = node.unnest()
    if isinstance(node, exp.Select) and node.args.get("into") is not None:
        return node
    return None


class NotAStatement(ValueError):
    """The parsed text is an expression, not a statement."""


@dataclass
class Analysis:
    """What one statement reads and writes, and its column edges."""

    kind: str
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    edges: list[ColumnEdge] = field(default_factory=list)
    #: The columns a CREATE defines, in order, when all are known (later statements expand stars with them).
    created_columns: list[str] | None = None
    #: Tables the statement drops (DROP TABLE/VIEW, UNCACHE TABLE).
    drops: list[str] = field(default_factory=list)


@dataclass
class _Target:
    name: str | None
    columns: list[str] | None = None
    by_name: bool = False


class StatementAnalyzer:
    """Analyses parsed statements of one dialect against one schema."""

    def __init__(
        self, dialect: Dialect, schema: SchemaLookup, check: Callable[[], None] | None = None
    ) -> None:
        self.dialect = dialect
        self.schema = schema
        self.check = check or (lambda: None)
        self._last_columns: list[str] | None = None
        self._renames = self.dialect.__class__.__name__.lower() not in _RENAME_ANYWHERE

    # entry point -------------------------------------------------------------------------------

    def analyze(self, stmt: exp.Expr, into_is_variable: bool = False) -> Analysis:
        """The lineage of one parsed statement.

        ``into_is_variable``: ``SELECT ... INTO x`` assigns variables (PL/SQL, PL/pgSQL, MySQL):
        the query is read, nothing is written.
        """
        self._last_columns = None
        if isinstance(stmt, exp.Subquery) and not stmt.alias:
            stmt = stmt.unnest()
        if isinstance(stmt, (exp.Select, exp.SetOperation)):
            into_select = _into_select(stmt)
            if into_select is not None:
                if into_is_variable:
                    into_select.set("into", None)
                else:
                    return self._select_into(stmt, into_select)
        if isinstance(stmt, (exp.Query, exp.Values)):
            return self._query("SELECT", stmt, _Target(None))
        if isinstance(stmt, exp.Insert):
            return self._insert(stmt)
        if isinstance(stmt, exp.MultitableInserts):
            return self._multi_insert(stmt)
        if isinstance(stmt, exp.Create):
            return self._create(stmt)
        if isinstance(stmt, exp.Merge):
            return self._merge(stmt)
        if isinstance(stmt, exp.Update):
            return self._update(stmt)
        if isinstance(stmt, exp.Delete):
            return self._delete(stmt)
        if isinstance(stmt, exp.Copy):
            return self._copy(stmt)
        if isinstance(stmt, exp.Cache):
            query = stmt.expression
            if isinstance(query, exp.Query):
                analysis = self._query("CACHE", query, _Target(self._name(stmt.this)))
                analysis.created_columns = self._last_columns
                return analysis
            return Analysis("CACHE")
        if isinstance(stmt, exp.Alter):
            return self._alter(stmt)
        if isinstance(stmt, exp.Drop):
            return self._drop(stmt)
        uncache = getattr(exp, "Uncache", None)
        if uncache is not None and isinstance(stmt, uncache):
            name = self._name(stmt.this)
            return Analysis("UNCACHE", drops=[name] if name else [])
        if isinstance(stmt, exp.LoadData):
            return self._load(stmt)
        if isinstance(stmt, exp.Command):
            return self._command(stmt)
        if isinstance(stmt, _NO_LINEAGE):
            return Analysis(stmt.key.upper())
        if isinstance(stmt, (exp.Condition, exp.Identifier, exp.Alias, exp.Paren, exp.Literal)):
            raise NotAStatement("not a SQL statement: expected SELECT, INSERT, CREATE, MERGE, ...")
        return Analysis(stmt.key.upper())

    # helpers -----------------------------------------------------------------------------------

    def _name(self, node: exp.Expr | None) -> str | None:
        if isinstance(node, exp.Table):
            return table_name(node)
        return literal_location(node)

    def expr_name(self, node: exp.Expr) -> str:
        """The name a database gives an unaliased output expression: its SQL text."""
        try:
            return node.sql(dialect=self.dialect).lower()
        except Exception:
            return "_col"

    def _reads(self, roots: list[exp.Expr | None], excluded: set[int], cte_names: set[str]) -> list[str]:
        reads: dict[str, None] = {}
        for root in roots:
            if root is None:
                continue
            tables = [root] if isinstance(root, exp.Table) else root.find_all(exp.Table)
            for table in tables:
                if id(table) in excluded:
                    continue
                if (
                    not table.args.get("db")
                    and isinstance(table.this, exp.Identifier)
                    and table.name in cte_names
                ):
                    continue
                name = table_name(table)
                if name is not None:
                    reads[name] = None
        return list(reads)

    @staticmethod
    def _cte_names(stmt: exp.Expr) -> set[str]:
        return {cte.alias_or_name for cte in stmt.find_all(exp.CTE)}

    def _lineage(self, query: exp.Expr, excluded: set[int]) -> QueryResult:
        analyzer = QueryAnalyzer(table_name, self.schema.columns, self.expr_name, excluded, self.check)
        return analyzer.analyze(query)

    def _edges(self, result: QueryResult, target: _Target) -> list[ColumnEdge]:
        outs = result.outputs
        has_star = any(o.star for o in outs)
        self._last_columns = None if has_star else [o.name for o in outs]
        columns = target.columns
        if columns is None and target.name is not None and not has_star:
            known = self.schema.columns(target.name)
            if known is not None and len(known) == len(outs):
                columns = known
        positional = columns is not None and not has_star and not target.by_name
        merged: dict[tuple[str, str], Deps] = {}
        order: list[tuple[str, str]] = []
        for i, out in enumerate(outs):
            if positional:
                assert columns is not None
                if i >= len(columns):
                    break
                tcol = columns[i]
            else:
                tcol = out.name
            key = (target.name or "", tcol)
            if key not in merged:
                merged[key] = {}
                order.append(key)
            for src, trans in out.deps.items():
                merge_into(merged[key], src, trans)
        edges = [
            ColumnEdge.of(src, (target.name, tcol), typ, sub)
            for key in order
            for tcol in (key[1],)
            for src, (typ, sub) in merged[key].items()
        ]
        if target.name is not None:
            per_column = {e.source for e in edges}
            for src, (_, sub) in result.dataset.items():
                if src[1] != "*" or f"{src[0]}.*" not in per_column:
                    edges.append(ColumnEdge.of(src, (target.name, None), INDIRECT, sub))
        return edges

    def _query(
        self,
        kind: str,
        query: exp.Expr,
        target: _Target,
        excluded: set[int] | None = None,
        extra_reads: list[str] | None = None,
    ) -> Analysis:
        excluded = excluded or set()
        reads = self._reads([query], excluded, self._cte_names(query))
        for name in extra_reads or []:
            if name not in reads:
                reads.append(name)
        writes = [target.name] if target.name is not None else []
        if isinstance(query, exp.Values) and not query.find(exp.Query):
            return Analysis(kind, reads, writes)
        result = self._lineage(query, excluded)
        return Analysis(kind, reads, writes, self._edges(result, target))

    @staticmethod
    def _attach_with(query: exp.Expr, with_: exp.Expr | None) -> exp.Expr:
        if not isinstance(with_, exp.With) or not isinstance(query, exp.Query):
            return query
        existing = query.args.get("with_")
        if isinstance(existing, exp.With):
            existing.set("expressions", [*with_.expressions, *existing.expressions])
        else:
            query.set("with_", with_)
        return query

    def _target_of(self, node: exp.Expr | None) -> _Target:
        if isinstance(node, exp.Schema):
            columns = [c.name for c in node.expressions if isinstance(c, (exp.Identifier, exp.ColumnDef))]
            return _Target(self._name(node.this), columns or None)
        if isinstance(node, exp.Directory):
            return _Target(literal_location(node.this))
        return _Target(self._name(node))

    # statements --------------------------------------------------------------------------------

    def _select_into(self, stmt: exp.Query, select: exp.Select) -> Analysis:
        """``SELECT ... INTO t FROM ...`` (T-SQL, PostgreSQL), also heading a UNION/EXCEPT/INTERSECT."""
        into = select.args["into"]
        select.set("into", None)
        analysis = self._query("SELECT INTO", stmt, _Target(self._name(into.this)))
        analysis.created_columns = self._last_columns
        return analysis

    def _insert(self, stmt: exp.Insert, kind: str = "INSERT") -> Analysis:
        target = self._target_of(stmt.this)
        target.by_name = bool(stmt.args.get("by_name"))
        query = stmt.expression
        if query is None:
            return Analysis(kind, [], [target.name] if target.name else [])
        while isinstance(query, exp.Subquery) and not query.alias:
            query = query.this
        query = self._attach_with(query, stmt.args.get("with_"))
        if isinstance(query, (exp.Query, exp.Values)):
            return self._query(kind, query, target)
        return Analysis(kind, self._reads([query], set(), set()), [target.name] if target.name else [])

    def _multi_insert(self, stmt: exp.MultitableInserts) -> Analysis:
        source = stmt.args.get("source")
        out = Analysis("INSERT")
        for item in stmt.expressions:
            insert = item.this if isinstance(item, exp.ConditionalInsert) else item
            if not isinstance(insert, exp.Insert):
                continue
            query = insert.expression
            if isinstance(query, exp.Values) and len(query.expressions) == 1 and source is not None:
                values = query.expressions[0].expressions
                select = exp.Select(expressions=list(values))
                select.set(
                    "from_",
                    exp.From(
                        this=exp.Subquery(
                            this=source.copy(), alias=exp.TableAlias(this=exp.to_identifier("__src"))
                        )
                    ),
                )
                insert.set("expression", select)
            elif isinstance(query, exp.Select) and source is not None and not query.args.get("from_"):
                query.set("from_", exp.From(this=source.copy()))
            part = self._insert(insert)
            for name in part.reads:
                if name not in out.reads:
                    out.reads.append(name)
            for name in part.writes:
                if name not in out.writes:
                    out.writes.append(name)
            out.edges.extend(part.edges)
        if source is not None:
            for name in self._reads([source], set(), self._cte_names(stmt)):
                if name not in out.reads:
                    out.reads.append(name)
        return out

    def _create(self, stmt: exp.Create) -> Analysis:
        kind_name = str(stmt.args.get("kind") or "TABLE").upper()
        kind = f"CREATE {kind_name}"
        if kind_name in _CREATE_WITHOUT_LINEAGE:
            return Analysis(kind)
        target = self._target_of(stmt.this)
        writes = [target.name] if target.name else []
        query = stmt.expression
        while isinstance(query, exp.Subquery) and not query.alias:
            query = query.this
        if isinstance(query, (exp.Query, exp.Values)):
            query = self._attach_with(query, stmt.args.get("with_"))
            analysis = self._query(kind, query, target)
            analysis.created_columns = target.columns or self._last_columns
            return analysis
        reads: list[str] = []
        clone = stmt.args.get("clone")
        if isinstance(clone, exp.Clone):
            reads.extend(self._reads([clone.this], set(), set()))
        properties = stmt.args.get("properties")
        if isinstance(properties, exp.Properties):
            for prop in properties.expressions:
                if isinstance(prop, exp.LikeProperty):
                    reads.extend(self._reads([prop.this], set(), set()))
        like = stmt.find(exp.LikeProperty)
        if like is not None and not reads:
            reads.extend(self._reads([like.this], set(), set()))
        if isinstance(stmt.this, exp.Schema):
            for like_table in stmt.this.expressions:
                if isinstance(like_table, exp.LikeProperty):
                    reads.extend(self._reads([like_table.this], set(), set()))
        return Analysis(kind, reads, writes, created_columns=target.columns)

    def _merge(self, stmt: exp.Merge) -> Analysis:
        target_node = stmt.this
        target = _Target(self._name(target_node))
        using = stmt.args.get("using")
        if not isinstance(target_node, exp.Table) or using is None:
            return Analysis("MERGE", [], [target.name] if target.name else [])
        projections: list[exp.Expr] = []
        columns: list[str] = []
        conditions: list[exp.Expr] = []
        whens = stmt.args.get("whens")
        for when in whens.expressions if isinstance(whens, exp.Whens) else []:
            condition = when.args.get("condition")
            if condition is not None:
                conditions.append(condition)
            then = when.args.get("then")
            if isinstance(then, exp.Update):
                for assignment in then.expressions:
                    if isinstance(assignment, exp.Star):
                        projections.append(self._using_star(using))
                        columns.append("*")
                    elif isinstance(assignment, exp.EQ):
                        projections.append(assignment.expression)
                        columns.append(assignment.this.name)
            elif isinstance(then, exp.Insert):
                if isinstance(then.this, exp.Star):
                    projections.append(self._using_star(using))
                    columns.append("*")
                    continue
                names = then.this.expressions if isinstance(then.this, exp.Tuple) else []
                values = then.expression.expressions if isinstance(then.expression, exp.Tuple) else []
                for name, value in zip(names, values, strict=False):
                    projections.append(value)
                    columns.append(name.name)
        select = self._select_of(projections)
        select.set("from_", exp.From(this=using))
        join = exp.Join(this=target_node, on=stmt.args.get("on"))
        select.set("joins", [join])
        if conditions:
            select.set("where", exp.Where(this=exp.and_(*conditions, copy=False)))
        excluded = {id(target_node)}
        query = self._attach_with(select, stmt.args.get("with_"))
        reads = self._reads([query], excluded, self._cte_names(stmt))
        result = self._lineage(query, excluded)
        edges = self._mapped_edges(result, target.name, columns)
        return Analysis("MERGE", reads, [target.name] if target.name else [], edges)

    @staticmethod
    def _select_of(projections: list[exp.Expr]) -> exp.Select:
        """SELECT the assigned values as ``__c0, __c1, ...`` (stars as they are)."""
        expressions = [
            p
            if isinstance(p, exp.Star) or isinstance(p.this, exp.Star)
            else exp.Alias(this=p, alias=exp.to_identifier(f"__c{i}"))
            for i, p in enumerate(projections)
        ]
        return exp.Select(expressions=expressions or [exp.Literal.number(1)])

    @staticmethod
    def _using_star(using: exp.Expr) -> exp.Expr:
        alias = using.alias_or_name if isinstance(using, (exp.Table, exp.Subquery)) else ""
        return exp.Column(this=exp.Star(), table=exp.to_identifier(alias)) if alias else exp.Star()

    def _mapped_edges(self, result: QueryResult, target: str | None, columns: list[str]) -> list[ColumnEdge]:
        mapping = {f"__c{i}": column for i, column in enumerate(columns)}
        for out in result.outputs:
            out.name = mapping.get(out.name, out.name)
        return self._edges(result, _Target(target, None, by_name=True))

    def _update(self, stmt: exp.Update) -> Analysis:
        target_node = stmt.this
        from_ = stmt.args.get("from_")
        sources: list[exp.Expr] = []
        joins: list[exp.Expr] = []
        if isinstance(target_node, exp.Table):
            joins.extend(target_node.args.get("joins") or [])
            target_node.set("joins", None)
        if isinstance(from_, exp.From):
            sources.append(from_.this)
            joins.extend(from_.this.args.get("joins") or [])
            if isinstance(from_.this, exp.Table):
                from_.this.set("joins", None)
        joins.extend(stmt.args.get("joins") or [])
        target_node = self._aliased_target(target_node, [*sources, *(j.this for j in joins)])
        projections: list[exp.Expr] = []
        columns: list[str] = []
        for assignment in stmt.expressions:
            if isinstance(assignment, exp.EQ):
                if isinstance(assignment.this, exp.Tuple) and isinstance(assignment.expression, exp.Tuple):
                    pairs = zip(assignment.this.expressions, assignment.expression.expressions, strict=False)
                else:
                    pairs = zip([assignment.this], [assignment.expression], strict=False)
                for col, value in pairs:
                    projections.append(value)
                    columns.append(col.name)
        select = self._select_of(projections)
        if target_node in sources:
            select.set("from_", exp.From(this=sources[0]))
            all_joins = [exp.Join(this=s) for s in sources[1:]] + joins
        else:
            select.set("from_", exp.From(this=target_node))
            all_joins = [exp.Join(this=s) for s in sources] + joins
        select.set("joins", all_joins)
        where = stmt.args.get("where")
        if where is not None:
            select.set("where", where)
        query = self._attach_with(select, stmt.args.get("with_"))
        excluded = {id(target_node)}
        target = self._name(target_node) if isinstance(target_node, exp.Table) else None
        reads = self._reads([query], excluded, self._cte_names(stmt))
        result = self._lineage(query, excluded)
        edges = self._mapped_edges(result, target, columns)
        return Analysis("UPDATE", reads, [target] if target else [], edges)

    @staticmethod
    def _aliased_target(target: exp.Expr, candidates: list[exp.Expr]) -> exp.Expr:
        """T-SQL's ``UPDATE a ... FROM t a``: the target is the FROM table aliased ``a``; and
        ``UPDATE t ... FROM t JOIN u``: the target is that FROM table ``t``."""
        if not isinstance(target, exp.Table) or target.alias:
            return target
        if not target.args.get("db"):
            for node in candidates:
                if isinstance(node, exp.Table) and node.alias and node.alias == target.name:
                    return node
        name = table_name(target)
        for node in candidates:
            if isinstance(node, exp.Table) and node is not target and table_name(node) == name:
                return node
        return target

    def _delete(self, stmt: exp.Delete) -> Analysis:
        target_node = stmt.this
        sources: list[exp.Expr] = []
        joins: list[exp.Expr] = []
        if isinstance(target_node, exp.Table):
            joins.extend(target_node.args.get("joins") or [])
            target_node.set("joins", None)
        using = stmt.args.get("using")
        if isinstance(using, list):
            sources.extend(using)
        elif isinstance(using, exp.Expr):
            sources.append(using)
        named = stmt.args.get("tables") or []
        if named and isinstance(named[0], exp.Table):
            aliased = self._aliased_target(named[0], [target_node, *(j.this for j in joins)])
            if aliased is not named[0]:
                target_node = aliased
        select = exp.Select(expressions=[exp.Literal.number(1)])
        select.set("from_", exp.From(this=stmt.this))
        select.set("joins", [exp.Join(this=s) for s in sources] + joins)
        where = stmt.args.get("where")
        if where is not None:
            select.set("where", where)
        query = self._attach_with(select, stmt.args.get("with_"))
        excluded = {id(target_node)}
        target = self._name(target_node) if isinstance(target_node, exp.Table) else None
        reads = self._reads([query], excluded, self._cte_names(stmt))
        result = self._lineage(query, excluded)
        edges = self._edges(QueryResult([], result.dataset), _Target(target))
        return Analysis("DELETE", reads, [target] if target else [], edges)

    def _copy(self, stmt: exp.Copy) -> Analysis:
        this = stmt.this
        files = list(stmt.args.get("files") or [])
        queries = [f for f in files if isinstance(f, (exp.Subquery, exp.Query))]
        if isinstance(this, (exp.Subquery, exp.Query)):
            query = this.unnest() if isinstance(this, exp.Subquery) else this
            targets = [n for n in (literal_location(f) for f in files) if n]
            analysis = self._query("COPY", query, _Target(targets[0] if targets else None))
            analysis.writes = targets
            return analysis
        name = self._name(this)
        if queries:
            query = queries[0].unnest() if isinstance(queries[0], exp.Subquery) else queries[0]
            return self._query("COPY", query, _Target(name))
        locations = [n for n in (literal_location(f) for f in files) if n]
        if stmt.args.get("kind") is False:
            return Analysis("COPY", [name] if name else [], locations)
        return Analysis("COPY", locations, [name] if name else [])

    def _alter(self, stmt: exp.Alter) -> Analysis:
        query = stmt.find(exp.Query)
        if query is not None and str(stmt.args.get("kind") or "").upper() == "VIEW":
            return self._query("ALTER VIEW", query, _Target(self._name(stmt.this)))
        for action in stmt.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                old = self._name(stmt.this)
                new = self._renamed(stmt.this, action.this)
                return self._move("ALTER", old, new)
            swap = getattr(exp, "SwapTable", None)
            if swap is not None and isinstance(action, swap):
                one = self._name(stmt.this)
                other = self._name(action.this)
                first = self._move("ALTER", one, other)
                second = self._move("ALTER", other, one)
                first.reads.extend(n for n in second.reads if n not in first.reads)
                first.writes.extend(n for n in second.writes if n not in first.writes)
                first.edges.extend(second.edges)
                return first
        return Analysis("ALTER")

    def _renamed(self, old: exp.Expr | None, new: exp.Expr | None) -> str | None:
        """The new name of ``ALTER TABLE db.a RENAME TO b``: ``db.b`` where the table stays in its
        schema (BigQuery, PostgreSQL, Redshift, Spark, T-SQL...), ``b`` where it moves to the
        current one (MySQL, Snowflake)."""
        name = self._name(new)
        if (
            name is None
            or not self._renames
            or not isinstance(old, exp.Table)
            or not isinstance(new, exp.Table)
            or new.args.get("db")
            or not old.args.get("db")
        ):
            return name
        qualifier = [part.name for part in old.parts[:-1]]
        return ".".join([*qualifier, name])

    def _move(self, kind: str, old: str | None, new: str | None) -> Analysis:
        """All of ``old``'s rows go to ``new`` (a rename, a swap, a partition exchange)."""
        reads = [old] if old else []
        writes = [new] if new else []
        edges: list[ColumnEdge] = []
        if old and new:
            columns = self.schema.columns(old)
            if columns:
                edges = [ColumnEdge.of((old, c), (new, c), DIRECT, IDENTITY) for c in columns]
                self._last_columns = list(columns)
            else:
                edges = [ColumnEdge.of((old, "*"), (new, "*"), DIRECT, IDENTITY)]
        analysis = Analysis(kind, reads, writes, edges)
        analysis.created_columns = self._last_columns
        return analysis

    def _drop(self, stmt: exp.Drop) -> Analysis:
        kind = str(stmt.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW", "MATERIALIZED VIEW", ""):
            return Analysis("DROP")
        nodes = [stmt.this, *(stmt.args.get("tables") or []), *(stmt.expressions or [])]
        names = [self._name(node) for node in nodes if isinstance(node, exp.Table)]
        return Analysis("DROP", drops=[n for n in names if n])

    def _load(self, stmt: exp.LoadData) -> Analysis:
        path = literal_location(stmt.args.get("inpath"))
        target = self._name(stmt.this)
        return Analysis("LOAD", [path] if path else [], [target] if target else [])

    def _command(self, stmt: exp.Command) -> Analysis:
        name = str(stmt.this).upper()
        text = stmt.expression.name if isinstance(stmt.expression, exp.Literal) else str(stmt.expression or "")
        if name == "ALTER":
            match = _EXCHANGE.match(text)
            if match:
                # Hive/Oracle: ALTER TABLE dest EXCHANGE PARTITION (spec) WITH TABLE src
                dest = self._table_text(match.group(1))
                src = self._table_text(match.group(2))
                return self._move("ALTER", src, dest)
        if name == "REPLACE" and text.upper().startswith("INTO"):
            return self._reparsed("REPLACE", f"INSERT {text}")
        if name == "UNLOAD":
            match = _UNLOAD.match(text)
            if match:
                inner = match.group(1).replace("''", "'")
                query = self._parse_nested(inner)
                return self._query("UNLOAD", query, _Target(match.group(2)))
        return Analysis(name)

    def _table_text(self, text: str) -> str | None:
        try:
            table = exp.to_table(text.strip(), dialect=self.dialect)
        except Exception:
            return None
        normalize_identifiers(table, self.dialect)
        return self._name(table)

    def _parse_nested(self, sql: str) -> exp.Expr:
        parsed = self.dialect.parse(sql)
        if not parsed or parsed[0] is None:
            raise NotAStatement("empty statement")
        return normalize_identifiers(parsed[0], self.dialect)

    def _reparsed(self, kind: str, sql: str) -> Analysis:
        analysis = self.analyze(self._parse_nested(sql))
        analysis.kind = kind
        return analysis


__all__ = ["DIRECT", "Analysis", "NotAStatement", "StatementAnalyzer"]
