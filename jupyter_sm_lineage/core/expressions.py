"""Pipeline-definition expressions: render them as readable templates, or evaluate them for an execution.

The definition language is small: ``{"Get": "Parameters.X" | "Execution.Y" | "Steps.S.Path"}``,
``{"Std:Join": {"On": sep, "Values": [...]}}`` and ``{"Std:JsonGet": {...}}``. One function,
:func:`render`, walks an expression with a :class:`Resolver` that knows as much as the caller knows:
nothing (a definition alone gives ``s3://b/{Parameters.Prefix}/x``) or an execution's parameters,
id and step metadata (which gives the concrete URI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

_MAX_DEPTH = 64
_PATH_TOKEN = re.compile(r"""\.?([A-Za-z0-9_\-:]+)|\[\s*(?:'([^']*)'|"([^"]*)"|(\d+))\s*\]""")


class Resolver(Protocol):
    """Answers what an expression refers to; ``None`` means not known (a placeholder stays)."""

    def parameter(self, name: str) -> Any | None: ...

    def execution(self, name: str) -> Any | None: ...

    def step_property(self, step: str, path: str, depth: int) -> Rendered | None: ...


@dataclass(frozen=True)
class Rendered:
    text: str
    resolved: bool


class NoResolver:
    """Knows nothing: every reference renders as a placeholder."""

    def parameter(self, name: str) -> Any | None:
        return None

    def execution(self, name: str) -> Any | None:
        return None

    def step_property(self, step: str, path: str, depth: int) -> Rendered | None:
        return None


def is_expression(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Get", "Std:Join", "Std:JsonGet")


def references(value: Any, depth: int = 0) -> list[str]:
    """Every ``Get`` reference string anywhere inside ``value`` (dicts and lists walked, depth-bounded).

    Depth first, the last member of a container first; one visit per container (linear in the size).
    """
    found: list[str] = []

    def walk(item: Any, level: int) -> None:
        if level > 200:
            return
        if isinstance(item, dict):
            if len(item) == 1:
                get = item.get("Get")
                if isinstance(get, str):
                    found.append(get)
                    return
            children: list[Any] = list(item.values())
        else:
            children = item
        for index in range(len(children) - 1, -1, -1):
            child = children[index]
            kind = type(child)
            if kind is str or kind is int or kind is bool or kind is float or child is None:
                continue
            if isinstance(child, (dict, list)):
                walk(child, level + 1)

    if isinstance(value, (dict, list)):
        walk(value, depth)
    return found


def split_step_reference(reference: str) -> tuple[str, str] | None:
    """``Steps.Train.ModelArtifacts.S3ModelArtifacts`` -> ``("Train", "ModelArtifacts.S3ModelArtifacts")``."""
    if not reference.startswith("Steps."):
        return None
    name, _, path = reference[len("Steps.") :].partition(".")
    return (name, path) if name else None


def parse_path(path: str) -> list[str | int]:
    """``Outputs['train'].S3Output.S3Uri`` -> ``["Outputs", "train", "S3Output", "S3Uri"]`` (ints index)."""
    tokens: list[str | int] = []
    position = 0
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None or match.end() == position:
            break
        name, quoted1, quoted2, index = match.groups()
        if name is not None:
            tokens.append(name)
        elif index is not None:
            tokens.append(int(index))
        else:
            tokens.append(quoted1 if quoted1 is not None else quoted2 or "")
        position = match.end()
    return tokens


def canonical_path(path: str) -> str:
    """One spelling of a property path for comparing paths: names joined by dots, indexes in brackets.

    ``Outputs["a"].S3Output``, ``Outputs['a'].S3Output`` and ``Outputs.a.S3Output`` are all
    ``Outputs.a.S3Output``; a path without brackets is its own canonical spelling.
    """
    if "[" not in path:
        return path
    return ".".join(f"[{t}]" if isinstance(t, int) else t for t in parse_path(path))


_NAME_KEYS = ("OutputName", "InputName", "ChannelName", "Name", "VariantName")


def lookup(value: Any, tokens: list[str | int]) -> Any | None:
    """Follow a property path into a step's arguments; a list is indexed by its members' name keys."""
    current = value
    for token in tokens:
        if isinstance(token, int):
            if isinstance(current, list) and -len(current) <= token < len(current):
                current = current[token]
                continue
            return None
        if isinstance(current, dict):
            if token in current:
                current = current[token]
                continue
            return None
        if isinstance(current, list):
            match = next(
                (item for item in current if isinstance(item, dict) and any(item.get(k) == token for k in _NAME_KEYS)),
                None,
            )
            if match is None:
                return None
            current = match
            continue
        return None
    return current


def render(value: Any, resolver: Resolver | None = None, depth: int = 0) -> Rendered:
    """Render an expression (or a plain value) as text, resolving what ``resolver`` knows."""
    resolver = resolver or NoResolver()
    if depth > _MAX_DEPTH:
        return Rendered("{...}", False)
    if value is None:
        return Rendered("", False)
    if isinstance(value, bool):
        return Rendered("true" if value else "false", True)
    if isinstance(value, (str, int, float)):
        return Rendered(str(value), True)
    if isinstance(value, list):
        parts = [render(v, resolver, depth + 1) for v in value]
        return Rendered(",".join(p.text for p in parts), all(p.resolved for p in parts))
    if not isinstance(value, dict):
        return Rendered(str(value), False)
    if "Get" in value and isinstance(value["Get"], str):
        return _render_get(value["Get"], resolver, depth)
    join = value.get("Std:Join")
    if isinstance(join, dict):
        separator = join.get("On", "")
        parts = [render(v, resolver, depth + 1) for v in join.get("Values") or []]
        return Rendered(
            str(separator if isinstance(separator, str) else "").join(p.text for p in parts),
            all(p.resolved for p in parts),
        )
    json_get = value.get("Std:JsonGet")
    if isinstance(json_get, dict):
        source = json_get.get("PropertyFile") or json_get.get("S3Uri")
        source_text = render(source, resolver, depth + 1).text if source is not None else "?"
        source_text = source_text.strip("{}")
        return Rendered(f"{{JsonGet({source_text}, {json_get.get('Path', '')})}}", False)
    return Rendered("{" + ",".join(sorted(map(str, value))) + "}", False)


def _render_get(reference: str, resolver: Resolver, depth: int) -> Rendered:
    kind, _, name = reference.partition(".")
    known: Any | None = None
    if kind == "Parameters":
        known = resolver.parameter(name)
    elif kind == "Execution":
        known = resolver.execution(name)
    elif kind == "Steps":
        split = split_step_reference(reference)
        if split is not None:
            rendered = resolver.step_property(split[0], split[1], depth + 1)
            if rendered is not None:
                return rendered
    if known is not None:
        return render(known, None, depth + 1) if not isinstance(known, (dict, list)) else Rendered(str(known), True)
    return Rendered("{" + reference + "}", False)
