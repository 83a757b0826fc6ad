"""The custom facets' attrs classes and their shipped JSON schemas say the same thing, field by field.

The classes are what the exporter writes; the schemas are what a consumer validates against. Each
field's name, JSON type (None allowed or not), element type and requiredness must agree both ways, and
the key a facet is emitted under must be the one its schema declares.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

import attr
import pytest
from openlineage.client.facet_v2 import BaseFacet

from sm_lineage_exporter import events_for_lineage, to_dict
from sm_lineage_exporter.facets import (
    SageMakerPipelineRunFacet,
    SageMakerS3BucketDatasetFacet,
    SageMakerStepRunFacet,
    schema_path,
    shipped_schemas,
)

FACETS = [SageMakerPipelineRunFacet, SageMakerStepRunFacet, SageMakerS3BucketDatasetFacet]
JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object", list: "array"}
GOLDEN = Path(__file__).parent / "golden"


def schema_of(facet: type[BaseFacet]) -> dict[str, Any]:
    path = schema_path(facet._get_schema())
    assert path is not None, f"{facet.__name__}'s _schemaURL names no shipped schema"
    return json.loads(path.read_text(encoding="utf-8"))


def json_type(annotation: Any) -> tuple[set[str], Any]:
    """A Python annotation -> (its JSON types, with "null" when None is allowed; the element annotation)."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds: set[str] = set()
        element = None
        for arg in args:
            if arg is type(None):
                kinds.add("null")
            else:
                more, element = json_type(arg)
                kinds |= more
        return kinds, element
    origin = typing.get_origin(annotation) or annotation
    if origin is dict:
        return {"object"}, args[1] if args else Any
    if origin is list:
        return {"array"}, args[0] if args else Any
    return {JSON_TYPES[origin]}, None


def declared(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


@pytest.mark.parametrize("facet", FACETS, ids=lambda f: f.__name__)
def test_facet_class_and_schema_agree_field_by_field(facet: type[BaseFacet]) -> None:
    document = schema_of(facet)
    base, own = document["$defs"][facet.__name__]["allOf"]
    hints = typing.get_type_hints(facet)
    fields = {f.name: f for f in attr.fields(facet)}
    base_fields = {f.name for f in attr.fields(facet.__mro__[1])}
    # The base facet's fields are the schema's base part
    assert base_fields <= set(base["properties"]) and set(base["required"]) == {"_producer", "_schemaURL"}
    own_fields = {name: f for name, f in fields.items() if name not in base_fields}
    # Same names both ways
    assert set(own_fields) == set(own["properties"]), facet.__name__
    required = set()
    for name, field in own_fields.items():
        kinds, element = json_type(hints[name])
        prop = own["properties"][name]
        schema_kinds = declared(prop)
        # The schema's type is the class's, None aside (Serde drops a None field, so "null" is optional)
        assert schema_kinds - {"null"} == kinds - {"null"}, f"{facet.__name__}.{name}: {schema_kinds} vs {kinds}"
        if "null" in schema_kinds:
            assert "null" in kinds, f"{facet.__name__}.{name}: the schema allows null, the class does not"
        # Element types of maps and lists
        if element is not None and element is not Any:
            (element_kind,) = json_type(element)[0]
            inner = prop.get("additionalProperties") if "object" in kinds else prop.get("items")
            assert isinstance(inner, dict) and declared(inner) == {element_kind}, f"{facet.__name__}.{name}"
        if field.default is attr.NOTHING and "null" not in kinds:
            required.add(name)
    # Required in the schema exactly when the class cannot leave the field out
    assert set(own.get("required") or []) == required, facet.__name__


def test_every_shipped_schema_belongs_to_a_facet_class() -> None:
    assert sorted(p.name for p in shipped_schemas()) == sorted(f"{f.__name__}.json" for f in FACETS)


def test_facets_are_emitted_under_the_key_their_schema_declares() -> None:
    spec = json.loads((GOLDEN / "pipeline-succeeded" / "input.json").read_text(encoding="utf-8"))
    events = [to_dict(e) for e in events_for_lineage(spec["lineage"], tags=spec["tags"])]
    expected = {facet._get_schema(): next(iter(schema_of(facet)["properties"])) for facet in FACETS}
    seen = {}
    for event in events:
        holders = [event["run"], event["job"], *event.get("inputs", []), *event.get("outputs", [])]
        for holder in holders:
            for key, value in (holder.get("facets") or {}).items():
                if value.get("_schemaURL") in expected:
                    seen[value["_schemaURL"]] = key
                    assert key == expected[value["_schemaURL"]]
    assert set(seen) == set(expected)  # the scenario exercises all three facets
