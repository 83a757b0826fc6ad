"""Splitting a SQL script into statements, with sqlglot's tokenizer first and a quote-aware scan after."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokenizer_core import Token, TokenType


@dataclass(frozen=True)
class Chunk:
    """One statement's text, with its tokens when the whole script tokenized."""

    sql: str
    tokens: tuple[Token, ...] | None


def split_script(sql: str, dialect: Dialect) -> list[Chunk]:
    """Split ``sql`` on top-level semicolons; empty statements (comments only) are dropped."""
    try:
        tokens = dialect.tokenize(sql)
    except Exception:
        return [Chunk(text, None) for text in split_text(sql)]
    chunks: list[Chunk] = []
    current: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                chunks.append(_chunk(sql, current))
                current = []
        else:
            current.append(token)
    if current:
        chunks.append(_chunk(sql, current))
    return chunks


def _chunk(sql: str, tokens: list[Token]) -> Chunk:
    return Chunk(sql[tokens[0].start : tokens[-1].end + 1].strip(), tuple(tokens))


def split_text(sql: str) -> list[str]:
    """Split on semicolons outside quotes and comments, for text the tokenizer rejects.

    An unterminated quote or comment swallows the rest of the text into its statement.
    """
    parts: list[str] = []
    start = 0
    i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            i = _skip_quoted(sql, i, ch)
        elif ch == "[":
            end = sql.find("]", i + 1)
            i = n if end < 0 else end + 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == "$":
            i = _skip_dollar(sql, i)
        elif ch == ";":
            parts.append(sql[start:i])
            i += 1
            start = i
        else:
            i += 1
    parts.append(sql[start:])
    return [part.strip() for part in parts if _has_code(part)]


def _skip_quoted(sql: str, i: int, quote: str) -> int:
    j = i + 1
    n = len(sql)
    while j < n:
        ch = sql[j]
        if ch == "\\" and quote != "`":
            j += 2
            continue
        if ch == quote:
            if j + 1 < n and sql[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _skip_dollar(sql: str, i: int) -> int:
    end_tag = sql.find("$", i + 1)
    if end_tag < 0:
        return i + 1
    tag = sql[i : end_tag + 1]
    if not all(ch.isalnum() or ch == "_" for ch in tag[1:-1]):
        return i + 1
    close = sql.find(tag, end_tag + 1)
    return len(sql) if close < 0 else close + len(tag)


def _has_code(text: str) -> bool:
    """Whether text holds anything but whitespace and comments."""
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            return True
    return False
