"""Column lineage of one query, walking sqlglot scopes once (no per-column re-qualification).

A query's result is its ordered output columns, each with the source columns it depends on and
how (an OpenLineage transformation type and subtype), plus the dataset-wide dependencies: columns
used to filter, join, group or sort rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, build_scope

from .result import (
    AGGREGATION,
    CONDITIONAL,
    DIRECT,
    FILTER,
    GROUP_BY,
    IDENTITY,
    INDIRECT,
    JOIN,
    SORT,
    TRANSFORMATION,
    UNKNOWN_TABLE,
    WINDOW,
)

SourceColumn = tuple[str, str]
Transformation = tuple[str, str]
Deps = dict[SourceColumn, Transformation]

IDENTITY_T: Transformation = (DIRECT, IDENTITY)
_RANK = {IDENTITY: 0, TRANSFORMATION: 1, AGGREGATION: 2}


def compose(outer: Transformation, inner: Transformation) -> Transformation:
    """The transformation of ``outer(inner(x))``: indirect wins, then the stronger direct subtype."""
    if outer[0] == INDIRECT:
        return outer
    if inner[0] == INDIRECT:
        return inner
    return outer if _RANK[outer[1]] >= _RANK[inner[1]] else inner


def stronger(old: Transformation, new: Transformation) -> Transformation:
    """Which of two ways one source column feeds one target is reported (DIRECT beats INDIRECT)."""
    if old[0] != new[0]:
        return old if old[0] == DIRECT else new
    if old[0] == DIRECT and _RANK[new[1]] > _RANK[old[1]]:
        return new
    return old


def merge_into(acc: Deps, src: SourceColumn, trans: Transformation) -> None:
    """Add a dependency, keeping the stronger transformation when it is already there."""
    old = acc.get(src)
    acc[src] = trans if old is None else stronger(old, trans)


@dataclass
class Output:
    """One output column of a query; ``star`` marks a star that could not be expanded."""

    name: str
    deps: Deps = field(default_factory=dict)
    star: bool = False


@dataclass
class QueryResult:
    """Output columns and dataset-wide (INDIRECT) dependencies of a query."""

    outputs: list[Output]
    dataset: Deps


TableNamer = Callable[[exp.Table], "str | None"]
ColumnsOf = Callable[[str], "list[str] | None"]
ExprNamer = Callable[[exp.Expr], str]

_DATASET_CLAUSES: tuple[tuple[str, str], ...] = (
    ("where", FILTER),
    ("prewhere", FILTER),
    ("having", FILTER),
    ("qualify", FILTER),
    ("group", GROUP_BY),
    ("order", SORT),
)


class QueryAnalyzer:
    """Column lineage of one query; memoized per scope, so each scope is walked once."""

    def __init__(
        self,
        table_name: TableNamer,
        columns_of: ColumnsOf,
        expr_name: ExprNamer,
        excluded: Iterable[int] = (),
        check: Callable[[], None] | None = None,
    ) -> None:
        self._table_name = table_name
        self._columns_of = columns_of
        self._expr_name = expr_name
        self._excluded = set(excluded)
        self._check = check or (lambda: None)
        #: Per scope: source columns by name, and the sources whose columns are unknown.
        self._index: dict[int, tuple[dict[str, list[exp.Table | Scope]], list[exp.Table | Scope]]] = {}
        self._outputs: dict[int, list[Output]] = {}
        self._dataset: dict[int, Deps] = {}
        self._busy: set[int] = set()
        self._scope_of: dict[int, Scope] = {}

    def analyze(self, query: exp.Expr) -> QueryResult:
        """Analyse a query (SELECT, set operation, VALUES)."""
        root = build_scope(query)
        if root is None:
            return QueryResult([], {})
        for scope in root.traverse():
            self._scope_of[id(scope.expression)] = scope
        return QueryResult(self.outputs(root), self.dataset(root))

    # outputs -----------------------------------------------------------------------------------

    def outputs(self, scope: Scope) -> list[Output]:
        """The output columns of a scope (memoized; a recursive reference sees what is known)."""
        scope = self._scope_of.get(id(scope.expression), scope)
        key = id(scope)
        cached = self._outputs.get(key)
        if cached is not None:
            return cached
        if key in self._busy:
            return []
        self._busy.add(key)
        try:
            outs = self._compute_outputs(scope)
        finally:
            self._busy.discard(key)
        outs = self._rename(scope, outs)
        self._outputs[key] = outs
        return outs

    @staticmethod
    def _rename(scope: Scope, outs: list[Output]) -> list[Output]:
        """Apply a derived table's or CTE's column list: ``(...) AS q(x, y)``."""
        outer = scope.outer_columns
        if outer and len(outer) == len(outs) and not any(o.star for o in outs):
            return [Output(name, o.deps, o.star) for name, o in zip(outer, outs, strict=True)]
        return outs

    def _compute_outputs(self, scope: Scope) -> list[Output]:
        node = scope.expression
        if isinstance(node, exp.SetOperation) and len(scope.set_operation_scopes) == 2:
            left_scope, right_scope = scope.set_operation_scopes
            left = self.outputs(left_scope)
            # a recursive CTE's right branch refers to the CTE itself: let it see the left branch
            self._outputs[id(scope)] = self._rename(scope, left)
            right = self.outputs(right_scope)
            del self._outputs[id(scope)]
            merged: list[Output] = []
            for i, out in enumerate(left):
                deps = dict(out.deps)
                if i < len(right):
                    for src, trans in right[i].deps.items():
                        merge_into(deps, src, trans)
                merged.append(Output(out.name, deps, out.star))
            return merged
        if isinstance(node, exp.Select):
            return self._select_outputs(scope, node)
        if isinstance(node, (exp.Lateral, exp.Unnest)):
            return self._udtf_outputs(scope, node)
        if isinstance(node, exp.Values):
            width = len(node.expressions[0].expressions) if node.expressions else 0
            names = scope.outer_columns or [f"_col_{i}" for i in range(width)]
            return [Output(name) for name in names]
        return []

    def _select_outputs(self, scope: Scope, select: exp.Select) -> list[Output]:
        outs: list[Output] = []
        aliases: dict[str, Deps] = {}
        for count, projection in enumerate(select.expressions):
            if count & 1023 == 1023:
                self._check()
            if isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                star = projection if isinstance(projection, exp.Star) else projection.this
                table = projection.table if isinstance(projection, exp.Column) else None
                outs.extend(self._expand_star(scope, table or None, star))
                continue
            if isinstance(projection, exp.Alias):
                name = projection.alias
                value = projection.this
            else:
                named = isinstance(projection, (exp.Column, exp.Subquery))
                name = projection.output_name if named else ""
                value = projection
            if not name:
                name = self._expr_name(projection)
            deps = self.expr_deps(scope, value, aliases)
            outs.append(Output(name, deps))
            aliases.setdefault(name, deps)
        return outs

    def _udtf_outputs(self, scope: Scope, node: exp.Lateral | exp.Unnest) -> list[Output]:
        args = [node.this] if isinstance(node, exp.Lateral) else list(node.expressions)
        alias = node.args.get("alias")
        if len(args) == 1 and isinstance(args[0], (exp.Subquery, exp.Query)):
            sub = self._subquery_scope(args[0])
            if sub is not None:
                outs = [Output(o.name, dict(o.deps), o.star) for o in self.outputs(sub)]
                names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
                if names and len(names) == len(outs):
                    outs = [Output(n, o.deps, o.star) for n, o in zip(names, outs, strict=True)]
                return outs
        deps: Deps = {}
        for arg in args:
            for src, trans in self.expr_deps(scope, arg, None).items():
                merge_into(deps, src, compose((DIRECT, TRANSFORMATION), trans))
        names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        if not names and isinstance(alias, exp.TableAlias) and alias.name:
            names = [alias.name]
        return [Output(name, dict(deps)) for name in names or ["col"]]

    def _expand_star(self, scope: Scope, table: str | None, star: exp.Expr) -> list[Output]:
        excepted = {e.name for e in (star.args.get("except_") or star.args.get("except") or [])}
        outs: list[Output] = []
        for alias, source in self._candidates(scope):
            if table is not None and alias != table:
                continue
            if isinstance(source, Scope):
                if source.is_udtf and table is None:
                    continue
                outs.extend(
                    Output(o.name, dict(o.deps), o.star)
                    for o in self.outputs(source)
                    if o.name not in excepted
                )
                continue
            if id(source) in self._excluded:
                continue
            name = self._table_name(source)
            if name is None:
                continue
            columns = self._columns_of(name)
            if columns is None:
                outs.append(Output("*", {(name, "*"): IDENTITY_T}, star=True))
            else:
                outs.extend(Output(c, {(name, c): IDENTITY_T}) for c in columns if c not in excepted)
        return outs

    # dataset-wide dependencies -----------------------------------------------------------------

    def dataset(self, scope: Scope) -> Deps:
        """Columns that filter, join, group or sort the rows of a scope, through its sources."""
        scope = self._scope_of.get(id(scope.expression), scope)
        key = id(scope)
        cached = self._dataset.get(key)
        if cached is not None:
            return cached
        if key in self._busy:
            return {}
        self._busy.add(key)
        acc: Deps = {}
        try:
            self._compute_dataset(scope, acc)
        finally:
            self._busy.discard(key)
        self._dataset[key] = acc
        return acc

    def _compute_dataset(self, scope: Scope, acc: Deps) -> None:
        node = scope.expression
        if isinstance(node, exp.SetOperation):
            for child in scope.set_operation_scopes:
                for src, trans in self.dataset(child).items():
                    merge_into(acc, src, trans)
            return
        if not isinstance(node, exp.Select):
            return
        outs = self.outputs(scope)
        aliases = {o.name: o.deps for o in outs}
        for key, subtype in _DATASET_CLAUSES:
            clause = node.args.get(key)
            if clause is None:
                continue
            self._add_indirect(acc, self._clause_deps(scope, clause, outs, aliases), subtype)
        for join in node.args.get("joins") or []:
            on = join.args.get("on")
            if on is not None:
                self._add_indirect(acc, self.expr_deps(scope, on, aliases), JOIN)
            for ident in join.args.get("using") or []:
                self._add_indirect(acc, self._using_deps(scope, ident.name), JOIN)
        for _, source in self._candidates(scope):
            if isinstance(source, Scope):
                for src, trans in self.dataset(source).items():
                    merge_into(acc, src, trans)

    def _clause_deps(
        self, scope: Scope, clause: exp.Expr, outs: list[Output], aliases: dict[str, Deps]
    ) -> Deps:
        deps: Deps = {}
        items = clause.expressions if isinstance(clause, (exp.Group, exp.Order)) else [clause]
        for item in items:
            target = item.this if isinstance(item, exp.Ordered) else item
            if isinstance(target, exp.Literal) and target.is_int:
                position = int(target.name) - 1
                if 0 <= position < len(outs):
                    for src, trans in outs[position].deps.items():
                        merge_into(deps, src, trans)
                continue
            for src, trans in self.expr_deps(scope, item, aliases).items():
                merge_into(deps, src, trans)
        return deps

    @staticmethod
    def _add_indirect(acc: Deps, deps: Deps, subtype: str) -> None:
        for src in deps:
            merge_into(acc, src, (INDIRECT, subtype))

    def _using_deps(self, scope: Scope, name: str) -> Deps:
        deps: Deps = {}
        for _, source in self._candidates(scope):
            if self._has_column(source, name) is not False:
                for src, trans in self._from_source(source, name).items():
                    merge_into(deps, src, trans)
        return deps

    # expressions -------------------------------------------------------------------------------

    def expr_deps(self, scope: Scope, expr: exp.Expr, aliases: dict[str, Deps] | None) -> Deps:
        """Source columns of an expression evaluated in ``scope``, typed by where they occur."""
        deps: Deps = {}
        stack: list[tuple[exp.Expr, bool, bool, str | None, frozenset[str]]] = [
            (expr, True, False, None, frozenset())
        ]
        while stack:
            node, ident, agg, indirect, lambdas = stack.pop()
            if isinstance(node, exp.Column):
                if isinstance(node.this, exp.Star) or (not node.table and node.name in lambdas):
                    continue
                if indirect is not None:
                    trans: Transformation = (INDIRECT, indirect)
                elif agg:
                    trans = (DIRECT, AGGREGATION)
                else:
                    trans = (DIRECT, IDENTITY if ident else TRANSFORMATION)
                for src, inner in self.resolve(scope, node, aliases).items():
                    merge_into(deps, src, compose(trans, inner))
                continue
            if isinstance(node, (exp.Subquery, exp.Select, exp.SetOperation)):
                sub = self._subquery_scope(node)
                if sub is not None:
                    self._subquery_deps(deps, sub, ident, agg, indirect)
                    continue
            if isinstance(node, exp.Lambda):
                lambdas = lambdas | {e.name for e in node.expressions}
            child_ident = ident and isinstance(node, (exp.Paren, exp.Alias))
            child_agg = agg or isinstance(node, exp.AggFunc)
            for key, value in reversed(node.args.items()):
                children = value if isinstance(value, list) else [value]
                child_indirect = self._indirect_for(node, key, indirect)
                for child in reversed(children):
                    if isinstance(child, exp.Expr):
                        stack.append((child, child_ident, child_agg, child_indirect, lambdas))
        return deps

    @staticmethod
    def _indirect_for(node: exp.Expr, key: str, indirect: str | None) -> str | None:
        if indirect is not None:
            return indirect
        if isinstance(node, exp.Window) and key in ("partition_by", "order"):
            return WINDOW
        if isinstance(node, exp.Case) and key == "this":
            return CONDITIONAL
        if isinstance(node, exp.If) and key == "this":
            return CONDITIONAL
        if isinstance(node, exp.Filter) and key == "expression":
            return FILTER
        return None

    def _subquery_scope(self, node: exp.Expr) -> Scope | None:
        inner = node.unnest() if isinstance(node, exp.Subquery) else node
        return self._scope_of.get(id(inner))

    def _subquery_deps(self, deps: Deps, sub: Scope, ident: bool, agg: bool, indirect: str | None) -> None:
        if indirect is not None:
            trans: Transformation = (INDIRECT, indirect)
        else:
            trans = (DIRECT, AGGREGATION if agg else (IDENTITY if ident else TRANSFORMATION))
        for out in self.outputs(sub):
            for src, inner in out.deps.items():
                merge_into(deps, src, compose(trans, inner))
        filter_trans: Transformation = (INDIRECT, indirect or FILTER)
        for src in self.dataset(sub):
            merge_into(deps, src, filter_trans)

    # column resolution -------------------------------------------------------------------------

    def resolve(self, scope: Scope, column: exp.Column, aliases: dict[str, Deps] | None) -> Deps:
        """Source columns behind a column reference."""
        name = column.name
        table = column.table
        if not table:
            return self._resolve_unqualified(scope, name, aliases)
        current: Scope | None = scope
        while current is not None:
            source = current.sources.get(table)
            if source is not None:
                return self._from_source(source, name)
            current = current.parent
        # ``a.b`` where ``a`` is a column (a struct field) rather than a table alias
        struct = self._resolve_unqualified(scope, table, aliases, unknown_ok=False)
        if struct:
            return {src: compose((DIRECT, TRANSFORMATION), t) for src, t in struct.items()}
        parts = [p.name for p in column.parts[:-1]]
        return {(".".join(parts), name): IDENTITY_T}

    def _resolve_unqualified(
        self,
        scope: Scope,
        name: str,
        aliases: dict[str, Deps] | None,
        unknown_ok: bool = True,
    ) -> Deps:
        current: Scope | None = scope
        local_aliases = aliases
        while current is not None:
            found = self._pick(current, name, local_aliases)
            if found is not None:
                return found
            current = current.parent if current.scope_type.name in ("SUBQUERY", "UDTF") else None
            local_aliases = None
        return {(UNKNOWN_TABLE, name): IDENTITY_T} if unknown_ok else {}

    def _pick(self, scope: Scope, name: str, aliases: dict[str, Deps] | None) -> Deps | None:
        by_name, maybe = self._columns_index(scope)
        known = by_name.get(name, [])
        unknown = [s for s in maybe if s not in known] if known else maybe
        if known:
            return self._from_source(known[0], name)
        if aliases is not None and name in aliases:
            return dict(aliases[name])
        if len(unknown) > 1:
            # a MERGE/UPDATE target is the least likely owner of an unqualified column in a value
            unknown = [s for s in unknown if id(s) not in self._excluded] or unknown
        if len(unknown) == 1:
            return self._from_source(unknown[0], name)
        if unknown:
            return {(UNKNOWN_TABLE, name): IDENTITY_T}
        return None

    def _columns_index(
        self, scope: Scope
    ) -> tuple[dict[str, list[exp.Table | Scope]], list[exp.Table | Scope]]:
        """The sources of a scope by column name, and those whose columns are unknown.

        Built once per scope (so resolving n unqualified columns over m sources is n + m, not
        n * m); not kept while a recursive reference is still being computed.
        """
        cached = self._index.get(id(scope))
        if cached is not None:
            return cached
        by_name: dict[str, list[exp.Table | Scope]] = {}
        unknown: list[exp.Table | Scope] = []
        complete = True
        for _, source in self._candidates(scope):
            if isinstance(source, Scope):
                outs = self.outputs(source)
                for out in outs:
                    found = by_name.setdefault(out.name, [])
                    if not found or found[-1] is not source:
                        found.append(source)
                canonical = self._scope_of.get(id(source.expression), source)
                busy = id(canonical) in self._busy
                complete = complete and not busy
                if busy or any(o.star for o in outs):
                    unknown.append(source)
                continue
            table = self._table_name(source)
            if table is None:
                continue
            columns = self._columns_of(table)
            if columns is None:
                unknown.append(source)
                continue
            for column in columns:
                found = by_name.setdefault(column, [])
                if not found or found[-1] is not source:
                    found.append(source)
        index = (by_name, unknown)
        if complete:
            self._index[id(scope)] = index
        return index

    def _candidates(self, scope: Scope) -> list[tuple[str, exp.Table | Scope]]:
        if isinstance(scope.expression, exp.Select):
            try:
                return [(alias, src) for alias, (_, src) in scope.selected_sources.items()]
            except Exception:
                return list(scope.sources.items())
        return [(a, s) for a, s in scope.sources.items() if s is not scope]

    def _has_column(self, source: exp.Table | Scope, name: str) -> bool | None:
        if isinstance(source, Scope):
            outs = self.outputs(source)
            if any(o.name == name for o in outs):
                return True
            canonical = self._scope_of.get(id(source.expression), source)
            if any(o.star for o in outs) or id(canonical) in self._busy:
                return None
            return False
        table = self._table_name(source)
        if table is None:
            return False
        columns = self._columns_of(table)
        if columns is None:
            return None
        return name in columns

    def _from_source(self, source: exp.Table | Scope, name: str) -> Deps:
        if isinstance(source, exp.Table):
            if id(source) in self._excluded:
                return {}
            table = self._table_name(source)
            return {} if table is None else {(table, name): IDENTITY_T}
        outs = self.outputs(source)
        for out in outs:
            if out.name == name:
                return dict(out.deps)
        lowered = name.lower()
        for out in outs:
            if out.name.lower() == lowered:
                return dict(out.deps)
        deps: Deps = {}
        for out in outs:
            if out.star:
                for (table, _), trans in out.deps.items():
                    merge_into(deps, (table, name), trans)
        return deps
