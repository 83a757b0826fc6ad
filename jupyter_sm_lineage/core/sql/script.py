"""From a script's text to its plain statements: procedural wrappers, blocks and batches flattened.

A script may be more than statements separated by semicolons:

- stored procedures, functions and triggers (``CREATE PROCEDURE ... BEGIN ... END`` in BigQuery,
  MySQL, Oracle and T-SQL; ``AS $$ ... $$`` bodies in PostgreSQL, Redshift and Snowflake);
- procedural blocks and control flow (``BEGIN ... END``, ``DECLARE``, ``IF ... THEN``, ``WHILE``,
  ``LOOP``, ``FOR ... IN (query)``, ``EXCEPTION WHEN``, ``BEGIN TRY``, labels);
- batches without semicolons (T-SQL: statements separated by newlines, ``GO`` lines; Oracle's
  ``/`` lines; MySQL's ``DELIMITER``);
- dynamic SQL given as a literal (``EXECUTE IMMEDIATE '...'``, ``EXEC ('...')``,
  ``sp_executesql N'...'``) and T-SQL's ``sp_rename``.

:func:`script_runs` walks the tokens once and yields *runs*: token sequences holding one or more
plain statements (a run is cut at semicolons, batch separators and block keywords), with the
positions where a new statement may start (``cuts``). Control flow carries no lineage and is
dropped: conditions, assignments, cursor commands, ``PRINT``... The queries that feed a loop
(``FOR r IN (SELECT ...)``, cursors) are kept as statements.

:func:`parse_run` parses a run, splitting it at the cuts the parser agrees with when the whole
run is not one statement (T-SQL batches).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError
from sqlglot.tokenizer_core import Token, TokenType

from .split import split_text

#: Dialects whose statements need no terminator (T-SQL batches).
_TSQL = frozenset({"tsql", "fabric"})
#: Dialects where ``SELECT ... INTO x`` always assigns variables (no table-creating form).
_INTO_IS_VARIABLE = frozenset({"oracle", "mysql", "snowflake"})

_STRINGS = frozenset(
    {TokenType.STRING, TokenType.RAW_STRING, TokenType.HEREDOC_STRING, TokenType.NATIONAL_STRING}
)
_WORDLESS = frozenset({*_STRINGS, TokenType.IDENTIFIER, TokenType.NUMBER})

#: Words that start a statement: a run may be cut before them (at depth 0).
_STATEMENT_WORDS = frozenset(
    {
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "CREATE", "ALTER", "DROP",
        "TRUNCATE", "SET", "DECLARE", "EXEC", "EXECUTE", "PRINT", "RETURN", "OPEN", "FETCH",
        "CLOSE", "DEALLOCATE", "RAISERROR", "THROW", "BREAK", "CONTINUE", "GOTO", "WAITFOR",
        "USE", "GRANT", "REVOKE", "DENY", "COMMIT", "ROLLBACK", "SAVE", "BEGIN", "END", "IF",
        "ELSE", "WHILE", "BULK", "CALL", "CACHE", "UNCACHE", "REFRESH", "LOAD", "COPY",
        "UNLOAD", "OPTIMIZE", "VACUUM", "MSCK", "REPLACE", "UPSERT", "VALUES", "RENAME",
    }
)  # fmt: skip
#: Statements with no lineage, dropped whole (up to ``;`` or, in T-SQL, the next statement).
_DROPPED = frozenset(
    {
        "PRINT", "RETURN", "OPEN", "FETCH", "CLOSE", "DEALLOCATE", "RAISERROR", "THROW", "BREAK",
        "CONTINUE", "GOTO", "WAITFOR", "CALL", "LEAVE", "ITERATE", "EXIT", "RAISE", "SIGNAL",
        "RESIGNAL", "PERFORM", "NULL", "LET", "ASSERT", "GET", "PRAGMA", "TYPE", "SUBTYPE",
        "PIPE", "DBMS_OUTPUT", "RETURNS",
    }
)  # fmt: skip
#: Words before which a statement word does not start a statement.
_NOT_AFTER: dict[str, frozenset[str]] = {
    "INSERT": frozenset({"THEN", "OF", "AFTER", "BEFORE", "FOR", ",", "ON", "OR", "INSTEAD"}),
    "UPDATE": frozenset({"THEN", "OF", "AFTER", "BEFORE", "FOR", ",", "ON", "OR", "INSTEAD", "KEY"}),
    "DELETE": frozenset({"THEN", "OF", "AFTER", "BEFORE", "FOR", ",", "ON", "OR", "INSTEAD"}),
    "SELECT": frozenset({"UNION", "ALL", "DISTINCT", "EXCEPT", "INTERSECT", "MINUS", "AS", "FOR", "IS"}),
    "WITH": frozenset({"AS"}),
    "SET": frozenset({"UPDATE", "DELETE", "DEFAULT", "CHARACTER", "CHAR", "CHARSET"}),
    "FETCH": frozenset({"ROWS", "ROW", "FIRST", "NEXT"}),
    "ALTER": frozenset({"OR"}),
    "DROP": frozenset({"COMMIT", "ON", "ALTER"}),
    "COMMIT": frozenset({"ON"}),
    "VALUES": frozenset({"INSERT", "THEN", ")", "DEFAULT"}),
    "REPLACE": frozenset({"OR", "CREATE"}),
    "USE": frozenset(),
    "IF": frozenset(
        {
            "TABLE", "VIEW", "INDEX", "SCHEMA", "DATABASE", "FUNCTION", "PROCEDURE", "PROC",
            "SEQUENCE", "TRIGGER", "COLUMN", "CONSTRAINT", "TYPE", "USER", "ROLE", "SYNONYM",
            "STATISTICS", "DROP", "CREATE", "EXISTS", "PARTITION", "STAGE", "STREAM", "TASK",
        }
    ),
}  # fmt: skip
#: First words of a segment in which SET is a clause, not a statement.
_SET_IS_CLAUSE = frozenset({"UPDATE", "ALTER", "CREATE", "MERGE", "INSERT"})
#: Statements whose query follows them (no new statement starts at their SELECT).
_TAKES_QUERY = frozenset({"INSERT", "REPLACE", "UPSERT", "CREATE"})
#: Words after a routine's AS that say its body is no SQL block (an expression, external code).
_NO_BODY = frozenset({"LANGUAGE", "EXTERNAL", "RETURN", "CALL"})
_ROUTINES = frozenset({"PROCEDURE", "PROC", "FUNCTION", "TRIGGER", "PACKAGE"})
_ROUTINE_MODIFIERS = frozenset(
    {"OR", "REPLACE", "ALTER", "TEMP", "TEMPORARY", "AGGREGATE", "SECURE", "EDITIONABLE", "NONEDITIONABLE",
     "CONSTRAINT", "EXTERNAL", "DEFINE"}
)  # fmt: skip
_BLOCK_END_WORDS = frozenset({"IF", "LOOP", "WHILE", "FOR", "REPEAT", "CASE", "TRY", "CATCH"})
_SQL_LANGUAGES = frozenset({"SQL", "PLPGSQL", "PLSQL", "TSQL", "SQLSCRIPT"})
class _Splitter:
    """Splits ``a TO b`` once, on the word TO (any case)."""

    _word = re.compile(r"\s+TO\s+", re.IGNORECASE)

    def partition(self, text: str) -> tuple[str, str, str]:
        match = self._word.search(text)
        if match is None:
            return text, "", ""
        return text[: match.start()], match.group(0), text[match.end() :]


_TO = _Splitter()
_DELIMITER = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Run:
    """Tokens of one or more statements, the positions a statement may start at, and their context."""

    tokens: list[Token]
    source: str
    #: ``SELECT ... INTO x`` assigns variables here (PL/SQL, PL/pgSQL, MySQL routines...).
    into_is_variable: bool = False
    cuts: list[int] = field(default_factory=list)
    #: Set when the run is text to parse on its own (tokens None): a COMMAND statement.
    text: str | None = None

    @property
    def sql(self) -> str:
        """The run's text, as written."""
        if self.text is not None:
            return self.text
        return self.source[self.tokens[0].start : self.tokens[-1].end + 1].strip() if self.tokens else ""


_TOKENIZERS: dict[str, type] = {}


def _plain_tokenizer(dialect: Dialect) -> Callable[[str], list[Token]]:
    """The dialect's tokenizer without its command swallowing (``BEGIN``, ``EXEC`` ... stay tokens)."""
    base = dialect.tokenizer_class
    cls = _TOKENIZERS.get(base.__qualname__ + base.__module__)
    if cls is None:
        cls = type(f"Plain{base.__name__}", (base,), {"COMMANDS": set()})
        _TOKENIZERS[base.__qualname__ + base.__module__] = cls
    tokenizer = cls(dialect=dialect)
    return tokenizer.tokenize  # type: ignore[no-any-return]


def _undelimit(sql: str) -> str:
    """MySQL client ``DELIMITER x`` lines: drop them and turn the custom delimiter back into ``;``."""
    out: list[str] = []
    delimiter = ";"
    for line in sql.splitlines(keepends=True):
        match = _DELIMITER.match(line.rstrip("\r\n"))
        if match:
            delimiter = match.group(1)
            out.append("\n")
            continue
        stripped = line.rstrip()
        if delimiter != ";" and stripped.endswith(delimiter):
            out.append(stripped[: -len(delimiter)] + ";" + line[len(stripped) :])
        else:
            out.append(line)
    return "".join(out)


def _up(token: Token) -> str:
    return "" if token.token_type in _WORDLESS else token.text.upper()


class _Walker:
    """One pass over a script's tokens, emitting runs of plain statements."""

    def __init__(self, dialect: Dialect, name: str, check: Callable[[], None]) -> None:
        self.dialect = dialect
        self.name = name
        self.tsql = name in _TSQL
        self.tokenize = _plain_tokenizer(dialect)
        self.check = check
        self.runs: list[Run] = []
        self._nested = 0
        self._source = ""
        #: The table of the T-SQL trigger being walked (its name's tokens).
        self._trigger: list[Token] = []

    # entry points --------------------------------------------------------------------------

    def walk_text(self, sql: str, in_block: bool) -> None:
        """Walk a script (or a routine body / dynamic SQL string)."""
        if "DELIMITER" in sql.upper():
            sql = _undelimit(sql)
        try:
            tokens = self.tokenize(sql)
        except Exception:
            if self._nested:
                return
            for text in split_text(sql):
                try:
                    tokens = self.tokenize(text)
                except Exception:
                    self.runs.append(Run([], text, text=text))
                    continue
                self._walk(tokens, text, in_block)
            return
        self._walk(tokens, sql, in_block)

    def _nested_text(self, text: str, in_block: bool) -> None:
        if self._nested > 8:
            return
        self._nested += 1
        try:
            self.walk_text(text, in_block)
        finally:
            self._nested -= 1

    # the walk -------------------------------------------------------------------------------

    def _walk(self, toks: list[Token], source: str, in_block: bool) -> None:
        outer_source = self._source
        self._source = source
        try:
            self._walk_tokens(toks, source, in_block)
        finally:
            self._source = outer_source

    def _walk_tokens(self, toks: list[Token], source: str, in_block: bool) -> None:
        n = len(toks)
        i = 0
        blocks = 0
        declaring = False
        run: list[Token] = []
        cuts: list[int] = []
        depth = 0
        case = 0
        first_word = ""
        set_seen = False
        query_seen = False
        steps = 0

        def flush() -> None:
            nonlocal run, cuts, depth, case, first_word, set_seen, query_seen
            if run:
                self.runs.append(
                    Run(run, source, self._into_is_variable(in_block or blocks > 0), cuts)
                )
            run = []
            cuts = []
            depth = 0
            case = 0
            first_word = ""
            set_seen = False
            query_seen = False

        while i < n:
            steps += 1
            if steps & 4095 == 0:
                self.check()
            tok = toks[i]
            typ = tok.token_type
            if typ == TokenType.SEMICOLON:
                flush()
                i += 1
                continue
            if self._separator_line(toks, i):
                flush()
                self._trigger = []
                i = self._skip_line(toks, i)
                continue
            word = _up(tok)
            at_start = not run
            boundary = at_start
            if not at_start and depth == 0 and case == 0:
                if self.tsql:
                    boundary = self._starts_statement(toks, i, word, first_word, set_seen)
                else:
                    boundary = blocks > 0 and word == "END"
            if boundary:
                before = len(self.runs)
                handled = self._structure(toks, i, word, blocks, declaring, in_block)
                if handled is not None:
                    new_i, blocks_delta, declaring_now, emit = handled
                    nested = self.runs[before:]
                    del self.runs[before:]
                    flush()
                    self.runs.extend(nested)
                    blocks = max(0, blocks + blocks_delta)
                    if declaring_now is not None:
                        declaring = declaring_now
                    for sub_start, sub_end in emit:
                        if sub_end > sub_start:
                            self.runs.append(
                                Run(
                                    list(toks[sub_start:sub_end]),
                                    source,
                                    self._into_is_variable(in_block or blocks > 0),
                                )
                            )
                    i = max(new_i, i + 1)
                    continue
            if at_start:
                first_word = word
                if word in _STATEMENT_WORDS:
                    declaring = False
                if (
                    word == "SELECT"
                    and i + 2 < n
                    and _up(toks[i + 1]) == "INTO"
                    and self._into_is_variable(in_block or blocks > 0)
                ):
                    # PL/pgSQL's SELECT INTO var expr FROM ...: a variable assignment
                    run.append(tok)
                    i += 3 if _up(toks[i + 2]) != "STRICT" else 4
                    continue
                if self.tsql and word in ("UPDATE", "DELETE", "INSERT") and i + 1 < n and _up(toks[i + 1]) == "TOP":
                    # T-SQL's UPDATE TOP (n) ...: the row limit carries no lineage
                    run.append(tok)
                    i = self._skip_top(toks, i + 1)
                    continue
            elif depth == 0 and case == 0 and self._starts_statement(toks, i, word, first_word, set_seen):
                if word in ("SELECT", "WITH") and first_word in _TAKES_QUERY and not query_seen:
                    pass  # INSERT INTO t (a) SELECT ...: the statement's own query
                else:
                    cuts.append(len(run))
                    first_word = word
                    set_seen = False
                    query_seen = False
            if depth == 0:
                if word == "SET":
                    set_seen = True
                elif word in ("SELECT", "VALUES", "WITH"):
                    query_seen = True
            if typ == TokenType.L_PAREN:
                depth += 1
            elif typ == TokenType.R_PAREN:
                depth = max(0, depth - 1)
            elif word == "CASE":
                case += 1
            elif word == "END" and case > 0:
                case -= 1
            if self._trigger and typ == TokenType.VAR and tok.text.lower() in ("inserted", "deleted"):
                # T-SQL trigger bodies read the trigger's table through inserted/deleted
                run.extend(
                    Token(t.token_type, t.text, tok.line, tok.col, tok.start, tok.end) for t in self._trigger
                )
            else:
                run.append(tok)
            i += 1
        flush()

    @staticmethod
    def _skip_top(toks: list[Token], i: int) -> int:
        i += 1
        if i < len(toks) and toks[i].token_type == TokenType.L_PAREN:
            i = _matching(toks, i) + 1
        elif i < len(toks):
            i += 1
        if i < len(toks) and _up(toks[i]) == "PERCENT":
            i += 1
        return i

    def _into_is_variable(self, in_block: bool) -> bool:
        return self.name in _INTO_IS_VARIABLE or (in_block and not self.tsql)

    # statement boundaries ------------------------------------------------------------------

    @staticmethod
    def _line_alone(toks: list[Token], i: int, upto: int) -> bool:
        """Whether toks[i:upto] is alone on its line(s)."""
        line = toks[i].line
        before = i == 0 or toks[i - 1].line < line
        after = upto >= len(toks) or toks[upto].line > toks[upto - 1].line
        return before and after

    def _separator_line(self, toks: list[Token], i: int) -> bool:
        tok = toks[i]
        if tok.token_type == TokenType.SLASH:
            return self._line_alone(toks, i, i + 1)
        if tok.token_type not in _WORDLESS and tok.text.upper() == "GO":
            upto = i + 1
            if upto < len(toks) and toks[upto].token_type == TokenType.NUMBER and toks[upto].line == tok.line:
                upto += 1
            return self._line_alone(toks, i, upto)
        return False

    @staticmethod
    def _skip_line(toks: list[Token], i: int) -> int:
        line = toks[i].line
        while i < len(toks) and toks[i].line == line:
            i += 1
        return i

    def _starts_statement(
        self, toks: list[Token], i: int, word: str, first_word: str, set_seen: bool
    ) -> bool:
        if word not in _STATEMENT_WORDS:
            return False
        prev = toks[i - 1]
        prev_word = _up(prev) or prev.text
        if prev_word in _NOT_AFTER.get(word, ()) and not (
            prev_word == "ON" and first_word not in ("ALTER", "CREATE")
        ):
            return False
        if word == "WITH":
            return self._is_cte(toks, i)
        if word == "SET":
            if first_word == "INSERT" and prev.token_type == TokenType.R_PAREN:
                return True
            if first_word in _SET_IS_CLAUSE and not (first_word == "UPDATE" and set_seen):
                return False
            if first_word == "UPDATE" and set_seen:
                return True
        if word == "VALUES":
            return False
        if word in ("DROP", "SET", "RENAME") and first_word in ("ALTER", "CREATE"):
            return False
        if word == "USE" and i + 1 < len(toks) and _up(toks[i + 1]) in ("INDEX", "KEY"):
            return False
        return not (word in ("REPLACE", "END", "BEGIN", "ELSE", "IF", "WHILE") and not self.tsql)

    @staticmethod
    def _is_cte(toks: list[Token], i: int) -> bool:
        if i + 1 >= len(toks):
            return False
        nxt = toks[i + 1]
        if _up(nxt) == "RECURSIVE":
            return True
        if nxt.token_type == TokenType.L_PAREN:
            return False
        j = i + 2
        if j < len(toks) and toks[j].token_type == TokenType.L_PAREN:
            j = _matching(toks, j) + 1
        return j + 1 < len(toks) and _up(toks[j]) == "AS" and toks[j + 1].token_type == TokenType.L_PAREN

    # procedural structure ------------------------------------------------------------------

    def _structure(
        self,
        toks: list[Token],
        i: int,
        word: str,
        blocks: int,
        declaring: bool,
        in_block: bool,
    ) -> tuple[int, int, bool | None, list[tuple[int, int]]] | None:
        """Handle a procedural keyword at toks[i].

        Returns (next index, change in block depth, declaring or None to keep, token ranges to
        emit as statements), or None when toks[i] is not procedural.
        """
        n = len(toks)
        nxt = _up(toks[i + 1]) if i + 1 < n else ""
        if word == "BEGIN":
            if nxt in ("TRAN", "TRANSACTION", "WORK", "DISTRIBUTED"):
                j = i + 2
                if nxt == "DISTRIBUTED" and j < n and _up(toks[j]) in ("TRAN", "TRANSACTION"):
                    j += 1
                if self.tsql and j < n and toks[j].line == toks[i].line and _up(toks[j]) not in _STATEMENT_WORDS:
                    j += 1
                return j, 0, None, []
            if nxt in ("TRY", "CATCH"):
                return i + 2, 0, None, []
            if i + 1 >= n or toks[i + 1].token_type == TokenType.SEMICOLON:
                return i + 1, 0, None, []
            if nxt == "ATOMIC":
                return i + 2, 1, False, []
            if nxt == "NOT" and i + 2 < n and _up(toks[i + 2]) == "ATOMIC":
                return i + 3, 1, False, []
            return i + 1, 1, False, []
        if word == "END":
            j = i + 1
            if nxt in _BLOCK_END_WORDS:
                j += 1
            if (
                j < n
                and toks[j].token_type in (TokenType.VAR, TokenType.IDENTIFIER)
                and _up(toks[j]) not in _STATEMENT_WORDS
                and toks[j].line == toks[i].line
            ):
                j += 1
            return j, (0 if nxt in _BLOCK_END_WORDS else -1), None, []
        if word == "ELSE":
            return i + 1, 0, None, []
        if word in ("ELSEIF", "ELSIF"):
            return self._through(toks, i, ("THEN",)), 0, None, []
        if word == "IF":
            then = self._find(toks, i + 1, ("THEN",))
            if then is not None:
                return then + 1, 0, None, []
            if not self.tsql:
                return None
            return self._condition_end(toks, i + 1), 0, None, []
        if word == "WHILE":
            do = self._find(toks, i + 1, ("DO", "LOOP"))
            if do is not None:
                return do + 1, 0, None, []
            if not self.tsql:
                return None
            return self._condition_end(toks, i + 1), 0, None, []
        if word in ("LOOP", "REPEAT", "EXCEPTION") and not self.tsql:
            return i + 1, 0, None, []
        if word == "UNTIL" and not self.tsql:
            return self._statement_end(toks, i + 1), 0, None, []
        if word in ("CASE", "WHEN") and not self.tsql:
            return self._through(toks, i + 1, ("THEN",)), 0, None, []
        if word == "FOR" and not self.tsql:
            return self._for(toks, i)
        if toks[i].token_type == TokenType.LT and nxt == "<":
            j = i + 2
            while j < n and toks[j].token_type != TokenType.GT:
                j += 1
            return min(n, j + 2), 0, None, []
        if (
            i + 1 < n
            and toks[i].token_type in (TokenType.VAR, TokenType.IDENTIFIER)
            and toks[i + 1].token_type == TokenType.COLON
            and word not in _STATEMENT_WORDS
        ):
            return i + 2, 0, None, []
        if word in ("CREATE", "ALTER") or (word in ("PROCEDURE", "FUNCTION") and (blocks or in_block)):
            routine = self._routine(toks, i, in_block or blocks > 0)
            if routine is not None:
                return routine
            return None
        if word == "DECLARE":
            return self._declare(toks, i)
        if word in ("EXEC", "EXECUTE"):
            return self._execute(toks, i, in_block or blocks > 0)
        if word == "DO" and i + 1 < n and toks[i + 1].token_type in _STRINGS:
            self._nested_text(toks[i + 1].text, True)
            return self._statement_end(toks, i), 0, None, []
        if word == "RENAME" and nxt == "TABLE":
            return self._rename_table(toks, i)
        if word in _DROPPED:
            return self._statement_end(toks, i + 1), 0, None, []
        if declaring and word not in _STATEMENT_WORDS:
            return self._declaration(toks, i)
        if (
            (blocks or in_block)
            and toks[i].token_type == TokenType.VAR
            and word not in _STATEMENT_WORDS
            and (nxt in ("(", ".", ";", ":=", "") or (i + 1 < n and toks[i + 1].token_type == TokenType.COLON_EQ))
        ):
            # a procedure call (pkg.proc(args); proc;) or an assignment (x := ...)
            return self._statement_end(toks, i), 0, None, []
        if i + 1 < n and toks[i + 1].token_type == TokenType.COLON_EQ:
            return self._statement_end(toks, i), 0, None, []
        return None

    def _find(self, toks: list[Token], i: int, words: tuple[str, ...]) -> int | None:
        """The index of the first of ``words`` at depth 0 before the statement ends, if any."""
        depth = 0
        case = 0
        n = len(toks)
        while i < n:
            tok = toks[i]
            typ = tok.token_type
            if typ == TokenType.SEMICOLON:
                return None
            if typ == TokenType.L_PAREN:
                depth += 1
            elif typ == TokenType.R_PAREN:
                depth -= 1
            else:
                word = _up(tok)
                if word == "CASE":
                    case += 1
                elif word == "END" and case:
                    case -= 1
                elif depth == 0 and case == 0 and word in words:
                    return i
                elif depth == 0 and case == 0 and self.tsql and word in ("BEGIN",):
                    return None
            i += 1
        return None

    def _through(self, toks: list[Token], i: int, words: tuple[str, ...]) -> int:
        found = self._find(toks, i, words)
        return self._statement_end(toks, i) if found is None else found + 1

    def _statement_end(self, toks: list[Token], i: int) -> int:
        """Where the statement whose rest starts at toks[i] ends (its ``;``, or T-SQL's next statement)."""
        depth = 0
        n = len(toks)
        while i < n:
            tok = toks[i]
            typ = tok.token_type
            if typ == TokenType.SEMICOLON:
                return i
            if typ == TokenType.L_PAREN:
                depth += 1
            elif typ == TokenType.R_PAREN:
                depth -= 1
            elif (
                self.tsql
                and depth <= 0
                and i > 0
                and self._starts_statement(toks, i, _up(tok), "", False)
            ) or self._separator_line(toks, i):
                return i
            i += 1
        return n

    def _condition_end(self, toks: list[Token], i: int) -> int:
        """The end of a T-SQL IF/WHILE condition: the first statement word at depth 0."""
        depth = 0
        case = 0
        n = len(toks)
        while i < n:
            tok = toks[i]
            typ = tok.token_type
            if typ == TokenType.SEMICOLON:
                return i
            if typ == TokenType.L_PAREN:
                depth += 1
            elif typ == TokenType.R_PAREN:
                depth -= 1
            else:
                word = _up(tok)
                if word == "CASE":
                    case += 1
                elif word == "END" and case:
                    case -= 1
                elif depth <= 0 and case == 0 and word in _STATEMENT_WORDS and word != "VALUES":
                    return i
            i += 1
        return n

    def _for(self, toks: list[Token], i: int) -> tuple[int, int, bool | None, list[tuple[int, int]]]:
        """``FOR r IN (query) DO|LOOP``, ``FOR r IN query LOOP``, ``FOR r IN cursor LOOP``."""
        n = len(toks)
        j = i + 1
        while j < n and _up(toks[j]) != "IN" and toks[j].token_type != TokenType.SEMICOLON:
            j += 1
        emit: list[tuple[int, int]] = []
        j += 1
        if j < n and _up(toks[j]) == "REVERSE":
            j += 1
        if j < n and toks[j].token_type == TokenType.L_PAREN:
            close = _matching(toks, j)
            if j + 1 < n and _up(toks[j + 1]) in ("SELECT", "WITH"):
                emit.append((j + 1, close))
            j = close + 1
        elif j < n and _up(toks[j]) in ("SELECT", "WITH"):
            end = self._find(toks, j, ("LOOP", "DO"))
            emit.append((j, end if end is not None else self._statement_end(toks, j)))
        end = self._find(toks, j, ("LOOP", "DO"))
        return (end + 1 if end is not None else self._statement_end(toks, j)), 0, None, emit

    def _declare(self, toks: list[Token], i: int) -> tuple[int, int, bool | None, list[tuple[int, int]]]:
        """``DECLARE``: variables (dropped), cursors (their query is read), or a declaration section."""
        end = self._statement_end(toks, i + 1)
        if self.tsql:
            # T-SQL: DECLARE c CURSOR ... FOR <select>: the select runs to the next statement
            for j in range(i + 1, min(end + 1, len(toks))):
                if _up(toks[j]) == "CURSOR":
                    k = j + 1
                    while k < len(toks) and _up(toks[k]) != "FOR" and toks[k].token_type != TokenType.SEMICOLON:
                        k += 1
                    if k + 1 < len(toks) and _up(toks[k]) == "FOR":
                        return k + 1, 0, None, []
                    break
            return end, 0, None, []
        emit = self._cursor_query(toks, i + 1, end)
        # a block's declaration section goes on until BEGIN (Oracle, PL/pgSQL, Snowflake)
        return end, 0, True, emit

    def _declaration(self, toks: list[Token], i: int) -> tuple[int, int, bool | None, list[tuple[int, int]]]:
        end = self._statement_end(toks, i)
        return end, 0, True, self._cursor_query(toks, i, end)

    @staticmethod
    def _cursor_query(toks: list[Token], i: int, end: int) -> list[tuple[int, int]]:
        """``CURSOR c IS <query>`` / ``c CURSOR FOR <query>`` inside toks[i:end]: the query's range."""
        for j in range(i, end):
            if _up(toks[j]) == "CURSOR":
                for k in range(j + 1, end):
                    if _up(toks[k]) in ("IS", "FOR"):
                        start = k + 1
                        if start < end and toks[start].token_type == TokenType.L_PAREN:
                            return [(start + 1, _matching(toks, start))]
                        if start < end and _up(toks[start]) in ("SELECT", "WITH"):
                            return [(start, end)]
                        return []
                return []
        return []

    def _execute(
        self, toks: list[Token], i: int, in_block: bool
    ) -> tuple[int, int, bool | None, list[tuple[int, int]]] | None:
        """Dynamic SQL given as a literal is analysed; other EXECs carry no lineage."""
        n = len(toks)
        end = self._statement_end(toks, i + 1)
        j = i + 1
        nxt = _up(toks[j]) if j < n else ""
        if nxt == "IMMEDIATE":
            if j + 1 < n and toks[j + 1].token_type in _STRINGS and (
                j + 2 >= n or (_up(toks[j + 2]) not in ("||", "+") and toks[j + 2].token_type != TokenType.DPIPE)
            ):
                self._nested_text(toks[j + 1].text, in_block)
            return end, 0, None, []
        if j < n and toks[j].token_type == TokenType.L_PAREN:
            close = _matching(toks, j)
            if close == j + 2 and toks[j + 1].token_type in _STRINGS:
                self._nested_text(toks[j + 1].text, in_block)
            return max(self._statement_end(toks, close + 1), close + 1), 0, None, []
        # EXEC [@rc =] proc args
        k = j
        if k + 2 < n and toks[k].token_type == TokenType.PARAMETER and toks[k + 2].token_type == TokenType.EQ:
            k += 3
        name = []
        while k < end and toks[k].token_type in (TokenType.VAR, TokenType.IDENTIFIER, TokenType.DOT):
            if toks[k].token_type != TokenType.DOT:
                name.append(toks[k].text.lower())
            k += 1
        proc = name[-1] if name else ""
        strings = [t for t in toks[k:end] if t.token_type in _STRINGS]
        if proc == "sp_executesql" and strings:
            self._nested_text(strings[0].text, in_block)
        elif proc == "sp_rename" and len(strings) >= 2:
            kind = strings[2].text.upper() if len(strings) > 2 else "OBJECT"
            if kind == "OBJECT":
                old, new = strings[0].text, strings[1].text
                qualifier = old.rsplit(".", 1)[0] + "." if "." in old and "." not in new else ""
                self._nested_text(f"ALTER TABLE {old} RENAME TO {qualifier}{new}", in_block)
        return end, 0, None, []

    def _rename_table(self, toks: list[Token], i: int) -> tuple[int, int, bool | None, list[tuple[int, int]]]:
        """MySQL ``RENAME TABLE a TO b, c TO d``: one ALTER ... RENAME per pair."""
        end = self._statement_end(toks, i + 1)
        if end <= i + 2:
            return end, 0, None, []
        text = self._source[toks[i + 2].start : toks[end - 1].end + 1]
        for pair in text.split(","):
            old, sep, new = _TO.partition(pair)
            if sep:
                self._nested_text(f"ALTER TABLE {old.strip()} RENAME TO {new.strip()}", False)
        return end, 0, None, []

    def _routine(
        self, toks: list[Token], i: int, in_block: bool
    ) -> tuple[int, int, bool | None, list[tuple[int, int]]] | None:
        """``CREATE [OR REPLACE|OR ALTER] PROCEDURE|FUNCTION|TRIGGER ...``: walk into its body."""
        n = len(toks)
        j = i
        if _up(toks[j]) in ("CREATE", "ALTER"):
            j += 1
            definer = False
            while j < n and j < i + 16 and _up(toks[j]) not in _ROUTINES:
                word = _up(toks[j])
                if word == "DEFINER":
                    definer = True
                elif word == "TABLE" and j + 1 < n and _up(toks[j + 1]) == "FUNCTION":
                    pass
                elif not definer and word not in _ROUTINE_MODIFIERS:
                    return None
                j += 1
            if j >= n or _up(toks[j]) not in _ROUTINES:
                return None
        kind = _up(toks[j])
        j += 1
        if kind == "TRIGGER" and self.tsql:
            self._trigger = self._trigger_table(toks, j)
        if kind == "PACKAGE":
            if j < n and _up(toks[j]) == "BODY":
                j += 1
            else:
                return self._statement_end(toks, j), 0, None, []
        # the header: name, parameters, options, until the body
        language = self._language(toks, j)
        if language is not None and language not in _SQL_LANGUAGES:
            return self._body_string_end(toks, j), 0, None, []
        depth = 0
        while j < n:
            tok = toks[j]
            typ = tok.token_type
            word = _up(tok)
            if typ == TokenType.SEMICOLON and depth == 0:
                return j, 0, None, []
            if typ == TokenType.L_PAREN:
                depth += 1
            elif typ == TokenType.R_PAREN:
                depth -= 1
            elif depth == 0:
                if typ in _STRINGS and j > 0 and _up(toks[j - 1]) in ("AS", "IS"):
                    self._nested_text(tok.text, True)
                    return self._statement_end(toks, j + 1), 0, None, []
                if word == "BEGIN":
                    return j, 0, False, []
                if word in ("AS", "IS") and not (
                    j >= 2 and toks[j - 2].token_type == TokenType.PARAMETER
                ) and _up(toks[j - 1]) not in ("RETURNS", "EXECUTE", "EXEC"):
                    after = toks[j + 1] if j + 1 < n else None
                    if after is None:
                        return n, 0, None, []
                    if after.token_type in _STRINGS:
                        j += 1
                        continue
                    if after.token_type == TokenType.L_PAREN or _up(after) in _NO_BODY:
                        return self._statement_end(toks, j + 1), 0, None, []
                    # Oracle: IS/AS then declarations until BEGIN; T-SQL: AS then the body
                    return j + 1, 0, (not self.tsql and _up(after) != "BEGIN"), []
                if word == "EACH" and j + 1 < n and _up(toks[j + 1]) in ("ROW", "STATEMENT"):
                    k = j + 2
                    if k < n and _up(toks[k]) == "WHEN" and k + 1 < n and toks[k + 1].token_type == TokenType.L_PAREN:
                        k = _matching(toks, k + 1) + 1
                    if k < n and _up(toks[k]) in ("EXECUTE", "CALL"):
                        return self._statement_end(toks, k), 0, None, []
                    return k, 0, None, []
            j += 1
        return n, 0, None, []

    @staticmethod
    def _trigger_table(toks: list[Token], j: int) -> list[Token]:
        """The name after ``ON`` in ``CREATE TRIGGER name ON table ...``."""
        n = len(toks)
        while j < n and _up(toks[j]) not in ("ON", "AS", "BEGIN") and toks[j].token_type != TokenType.SEMICOLON:
            j += 1
        if j >= n or _up(toks[j]) != "ON":
            return []
        name: list[Token] = []
        j += 1
        while j < n and toks[j].token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            name.append(toks[j])
            if j + 1 < n and toks[j + 1].token_type == TokenType.DOT:
                name.append(toks[j + 1])
                j += 2
            else:
                break
        return [] if _up(name[0]) in ("DATABASE", "ALL") else name if name else []

    @staticmethod
    def _language(toks: list[Token], j: int) -> str | None:
        n = len(toks)
        depth = 0
        while j < n:
            tok = toks[j]
            typ = tok.token_type
            if typ == TokenType.SEMICOLON and depth == 0:
                return None
            if typ == TokenType.L_PAREN:
                depth += 1
            elif typ == TokenType.R_PAREN:
                depth -= 1
            elif depth == 0:
                word = _up(tok)
                if word == "LANGUAGE" and j + 1 < n:
                    return toks[j + 1].text.upper()
                if word == "BEGIN":
                    return None
            j += 1
        return None

    def _body_string_end(self, toks: list[Token], j: int) -> int:
        n = len(toks)
        while j < n and toks[j].token_type != TokenType.SEMICOLON:
            j += 1
        return j


def _matching(toks: list[Token], i: int) -> int:
    """The index of the parenthesis closing toks[i] (or the last token)."""
    depth = 0
    for j in range(i, len(toks)):
        typ = toks[j].token_type
        if typ == TokenType.L_PAREN:
            depth += 1
        elif typ == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def script_runs(sql: str, dialect: Dialect, name: str, check: Callable[[], None] = lambda: None) -> list[Run]:
    """The runs of plain statements of a script, in order."""
    walker = _Walker(dialect, name, check)
    walker.walk_text(sql, False)
    return walker.runs


# parsing runs -------------------------------------------------------------------------------


@dataclass
class Parsed:
    """One statement of a run: its text, and its tree or the parse error."""

    sql: str
    expression: exp.Expr | None
    error: Exception | None
    into_is_variable: bool = False


def _parse_tokens(dialect: Dialect, tokens: list[Token], source: str) -> exp.Expr | None:
    parsed = dialect.parser().parse(tokens, source)
    found = [e for e in parsed if e is not None]
    if len(found) > 1:
        raise ParseError("several statements")
    return found[0] if found else None


def _text(tokens: list[Token], source: str) -> str:
    return source[tokens[0].start : tokens[-1].end + 1].strip()


def _try(dialect: Dialect, tokens: list[Token], source: str) -> tuple[exp.Expr | None, Exception | None]:
    try:
        if tokens and (
            tokens[0].token_type in dialect.tokenizer_class.COMMANDS or type(dialect).__name__ in _RETOKENIZE
        ):
            # a COMMAND statement takes the rest of its text: tokenize it the dialect's way
            text = _text(tokens, source)
            return _parse_tokens(dialect, dialect.tokenize(text), text), None
        return _parse_tokens(dialect, tokens, source), None
    except RecursionError:
        raise
    except Exception as error:
        return None, error


#: Dialects whose tokenizer decides per statement how to read it (Athena: Hive DDL or Trino).
_RETOKENIZE = frozenset({"Athena"})
#: Dialects to try, in order, on a statement the dialect itself cannot parse.
_FALLBACKS: dict[str, tuple[str, ...]] = {"Athena": ("hive", "trino")}


def _weak(expression: exp.Expr | None) -> bool:
    return expression is None or isinstance(expression, exp.Command)


def parse_run(run: Run, dialect: Dialect) -> Iterator[Parsed]:
    """The statements of a run: the whole run if it parses as one, else split at its cuts."""
    if run.text is not None:
        try:
            yield Parsed(run.text, _parse_tokens(dialect, dialect.tokenize(run.text), run.text), None)
        except RecursionError:
            raise
        except Exception as failure:
            yield Parsed(run.text, None, failure)
        return
    tokens = run.tokens
    source = run.source
    whole, error = _try(dialect, tokens, source)
    if _weak(whole) and type(dialect).__name__ in _FALLBACKS:
        for other in _FALLBACKS[type(dialect).__name__]:
            fallback = Dialect.get_or_raise(other)
            text = _text(tokens, source)
            try:
                retry = _parse_tokens(fallback, fallback.tokenize(text), text)
            except RecursionError:
                raise
            except Exception:
                continue
            if not _weak(retry):
                whole, error = retry, None
                break
    if not run.cuts or (whole is not None and not _weak(whole)):
        yield Parsed(_text(tokens, source), whole, error, run.into_is_variable)
        return
    bounds = [0, *run.cuts, len(tokens)]
    segments = [tokens[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    alone = [_try(dialect, segment, source) for segment in segments]
    i = 0
    while i < len(segments):
        current = segments[i]
        best, best_error = alone[i]
        j = i + 1
        # a segment joins the next when one of them is no statement alone (WITH ... | INSERT ...)
        while j < len(segments) and (_weak(best) or _weak(alone[j][0])):
            joined = current + segments[j]
            expression, _ = _try(dialect, joined, source)
            if _weak(expression):
                break
            current, best, best_error = joined, expression, None
            j += 1
        yield Parsed(_text(current, source), best, best_error, run.into_is_variable)
        i = j
