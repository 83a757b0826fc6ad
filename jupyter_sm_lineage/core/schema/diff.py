"""Differences between two schema versions, classified by Glue Schema Registry's BACKWARD rule.

A change is backward compatible when readers of the old schema still work on data of the new one:
adding a field or widening a type (int32 -> int64, float -> double, a struct gaining a member) is fine;
removing a field, narrowing a type (int64 -> int32) or changing it outright (int64 -> string) breaks them.
Widening is decided by pyarrow's permissive promotion on Arrow types parsed back from their names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

BACKWARD = "backward"
BREAKING = "breaking"
IDENTICAL = "identical"

_PRIMITIVES: dict[str, pa.DataType] = {
    name: factory()
    for name, factory in {
        "null": pa.null,
        "bool": pa.bool_,
        "int8": pa.int8,
        "int16": pa.int16,
        "int32": pa.int32,
        "int64": pa.int64,
        "uint8": pa.uint8,
        "uint16": pa.uint16,
        "uint32": pa.uint32,
        "uint64": pa.uint64,
        "halffloat": pa.float16,
        "float": pa.float32,
        "double": pa.float64,
        "string": pa.string,
        "large_string": pa.large_string,
        "binary": pa.binary,
        "large_binary": pa.large_binary,
        "date32[day]": pa.date32,
        "date64[ms]": pa.date64,
        "string_view": pa.string_view,
        "binary_view": pa.binary_view,
    }.items()
}
_TIMESTAMP = re.compile(r"^timestamp\[(s|ms|us|ns)(?:, tz=(.+))?\]$")
_UNIT = re.compile(r"^(time32|time64|duration)\[(s|ms|us|ns)\]$")
_DECIMAL = re.compile(r"^decimal(32|64|128|256)\((\d+), (-?\d+)\)$")
_FIXED = re.compile(r"^fixed_size_binary\[(\d+)\]$")


@dataclass(frozen=True)
class SchemaDiff:
    """Added, removed and retyped fields between two versions, and whether old readers survive it."""

    from_version: int | None
    to_version: int | None
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    retyped: list[dict[str, str]] = field(default_factory=list)
    policy_changed: bool = False

    @property
    def compatibility(self) -> str:
        if not (self.added or self.removed or self.retyped):
            return IDENTICAL
        if self.removed or any(r["change"] != "widening" for r in self.retyped):
            return BREAKING
        return BACKWARD

    @property
    def breaking_changes(self) -> list[str]:
        reasons = [f"field {r['field']!r} ({r['type']}) was removed" for r in self.removed]
        reasons += [
            f"field {r['field']!r} changed {r['from']} -> {r['to']} ({r['change']})"
            for r in self.retyped
            if r["change"] != "widening"
        ]
        return reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "fromVersion": self.from_version,
            "toVersion": self.to_version,
            "added": self.added,
            "removed": self.removed,
            "retyped": self.retyped,
            "policyChanged": self.policy_changed,
            "compatibility": self.compatibility,
            "backwardCompatible": self.compatibility != BREAKING,
            "breakingChanges": self.breaking_changes,
        }


def diff_fields(
    old: dict[str, str],
    new: dict[str, str],
    *,
    from_version: int | None = None,
    to_version: int | None = None,
    policy_changed: bool = False,
) -> SchemaDiff:
    """Compare two ``{field: arrow type name}`` maps (the store's ``fields``)."""
    added = [{"field": name, "type": new[name]} for name in new if name not in old]
    removed = [{"field": name, "type": old[name]} for name in old if name not in new]
    retyped = [
        {"field": name, "from": old[name], "to": new[name], "change": type_change(old[name], new[name])}
        for name in old
        if name in new and old[name] != new[name]
    ]
    return SchemaDiff(from_version, to_version, added, removed, retyped, policy_changed)


def type_change(old: str, new: str) -> str:
    """``widening`` if every old value fits the new type, ``narrowing`` if reversed, else ``incompatible``."""
    try:
        before, after = parse_type(old), parse_type(new)
    except ValueError:
        return "incompatible"
    if _promotes_to(before, after):
        return "widening"
    if _promotes_to(after, before):
        return "narrowing"
    return "incompatible"


def _promotes_to(source: pa.DataType, target: pa.DataType) -> bool:
    try:
        unified = pa.unify_schemas(
            [pa.schema([pa.field("f", source)]), pa.schema([pa.field("f", target)])],
            promote_options="permissive",
        )
    except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return bool(unified.field(0).type.equals(target))


def parse_type(name: str) -> pa.DataType:
    """Parse an Arrow type name as ``str(pa.DataType)`` prints it (nested types included)."""
    text = name.strip()
    if text in _PRIMITIVES:
        return _PRIMITIVES[text]
    if match := _TIMESTAMP.match(text):
        return pa.timestamp(match.group(1), tz=match.group(2))
    if match := _UNIT.match(text):
        factory = {"time32": pa.time32, "time64": pa.time64, "duration": pa.duration}[match.group(1)]
        return factory(match.group(2))
    if match := _DECIMAL.match(text):
        factories = {"32": pa.decimal32, "64": pa.decimal64, "128": pa.decimal128, "256": pa.decimal256}
        return factories[match.group(1)](int(match.group(2)), int(match.group(3)))
    if match := _FIXED.match(text):
        return pa.binary(int(match.group(1)))
    for prefix, build in (("list<", pa.list_), ("large_list<", pa.large_list)):
        if text.startswith(prefix) and text.endswith(">"):
            (child,) = _members(text[len(prefix) : -1])
            return build(pa.field(child[0], parse_type(child[1])))
    if text.startswith("struct<") and text.endswith(">"):
        inner = text[len("struct<") : -1]
        members = _members(inner) if inner else []
        return pa.struct([pa.field(member, parse_type(kind)) for member, kind in members])
    if text.startswith("map<") and text.endswith(">"):
        parts = _split_top(text[len("map<") : -1])
        if len(parts) == 2:
            return pa.map_(parse_type(parts[0]), parse_type(parts[1].removesuffix(", keys_sorted")))
    raise ValueError(f"unparsed Arrow type name: {name!r}")


def _members(text: str) -> list[tuple[str, str]]:
    members = []
    for part in _split_top(text):
        member, sep, kind = part.partition(": ")
        if not sep:
            raise ValueError(f"unparsed member: {part!r}")
        members.append((member, kind))
    return members


def _split_top(text: str) -> list[str]:
    """Split on commas outside ``<>``, ``[]`` and ``()``."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "<[(":
            depth += 1
        elif char in ">])":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]
