"""Table-driven SQL lineage cases, one YAML file per dialect under tests/sql_cases/.

Each case: ``sql``, expected ``sources`` and ``targets`` (sets), and optionally ``columns``:
the exact set of DIRECT edges as ``"src.col -> tgt.col"`` (``= SUBTYPE`` checks the subtype too),
and ``indirect``: INDIRECT edges that must be present (``"src.col -> tgt = FILTER"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_sm_lineage.core.sql import sql_lineage

CASES_DIR = Path(__file__).parent / "sql_cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        dialect = doc.get("dialect")
        for case in doc["cases"]:
            params.append(pytest.param(dialect, case, id=f"{path.stem}-{case['id']}"))
    return params


def _edge(text: str) -> tuple[str, str, str | None]:
    spec, _, subtype = text.partition(" = ")
    source, _, target = spec.partition(" -> ")
    return source.strip(), target.strip(), subtype.strip() or None


@pytest.mark.parametrize(("dialect", "case"), _load())
def test_case(dialect: str | None, case: dict[str, Any]) -> None:
    # Given / When
    result = sql_lineage(case["sql"], dialect=case.get("dialect", dialect), schema=case.get("schema"))

    # Then
    assert len(result.errors) == case.get("expect_errors", 0), result.errors
    assert set(result.sources) == set(case.get("sources") or [])
    assert set(result.targets) == set(case.get("targets") or [])
    if "columns" in case:
        expected = [_edge(e) for e in case["columns"] or []]
        got = {(e.source, e.target): e.subtype for e in result.direct_columns}
        assert set(got) == {(s, t) for s, t, _ in expected}
        for source, target, subtype in expected:
            if subtype is not None:
                assert got[(source, target)] == subtype, (source, target)
    for text in case.get("indirect") or []:
        source, target, subtype = _edge(text)
        got_indirect = {(e.source, e.target): e.subtype for e in result.indirect_columns}
        assert (source, target) in got_indirect, (source, target, sorted(got_indirect))
        if subtype is not None:
            assert got_indirect[(source, target)] == subtype
