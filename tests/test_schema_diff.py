"""Arrow type names parse back to the types that printed them, so diffs can judge widening."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jupyter_sm_lineage.core.schema import diff_fields
from jupyter_sm_lineage.core.schema.diff import parse_type, type_change

_LEAVES = st.sampled_from(
    [
        pa.null(),
        pa.bool_(),
        pa.int8(),
        pa.int32(),
        pa.int64(),
        pa.uint16(),
        pa.float32(),
        pa.float64(),
        pa.string(),
        pa.large_string(),
        pa.binary(),
        pa.date32(),
        pa.timestamp("ms"),
        pa.timestamp("us", tz="UTC"),
        pa.timestamp("ns", tz="Asia/Seoul"),
        pa.time64("us"),
        pa.duration("s"),
        pa.decimal128(12, 3),
        pa.binary(16),
    ]
)
_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_TYPES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.builds(pa.list_, children),
        st.builds(pa.large_list, children),
        st.lists(st.tuples(_NAMES, children), min_size=1, max_size=4, unique_by=lambda t: t[0]).map(
            pa.struct
        ),
        st.builds(pa.map_, st.sampled_from([pa.string(), pa.int64()]), children),
    ),
    max_leaves=8,
)


@given(_TYPES)
def test_parse_type_round_trips_str(arrow_type):
    assert parse_type(str(arrow_type)) == arrow_type


def test_unknown_type_names_count_as_incompatible():
    assert type_change("int64", "geometry<wkb>") == "incompatible"


def test_diff_lists_added_removed_retyped_in_field_order():
    diff = diff_fields(
        {"a": "int32", "b": "string", "c": "double"},
        {"a": "int64", "c": "double", "d": "bool"},
        from_version=1,
        to_version=2,
    )

    assert diff.to_dict()["added"] == [{"field": "d", "type": "bool"}]
    assert diff.to_dict()["removed"] == [{"field": "b", "type": "string"}]
    assert diff.to_dict()["retyped"] == [{"field": "a", "from": "int32", "to": "int64", "change": "widening"}]
    assert diff.compatibility == "breaking"
    assert diff.breaking_changes == ["field 'b' (string) was removed"]


@pytest.mark.parametrize("name", ["list<item: int64", "struct<a int64>", "timestamp[xs]", ""])
def test_malformed_names_raise_value_error(name):
    with pytest.raises(ValueError):
        parse_type(name)
