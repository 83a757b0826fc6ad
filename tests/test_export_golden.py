"""Golden scenarios: one folder per scenario under tests/golden, ``input.json`` -> ``expected.json``.

Expected events are compared on the keys they name. Placeholders stand for generated values:
``<UUID:name>`` binds a UUID on first sight and must be the same UUID wherever the name appears again
(so parent/child links are checked), ``<ANY>`` matches anything. The producer is pinned by a fixture.
Regenerate with ``UPDATE_GOLDEN=1 pytest tests/test_export_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from sm_lineage_exporter import event_for_schema, events_for_lineage, events_for_sql, to_dict
from tests.openlineage_validation import EventValidator

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = sorted(p.name for p in GOLDEN.iterdir() if (p / "input.json").is_file())
PRODUCER = "https://example.test/sm-lineage-exporter-tests"
NAMED_UUID = re.compile(r"^<UUID:(?P<name>[^>]+)>$")


@pytest.fixture
def producer() -> str:
    return PRODUCER


def run_scenario(spec: dict[str, Any], producer: str) -> list[dict[str, Any]]:
    kind = spec["kind"]
    if kind == "pipeline":
        events = events_for_lineage(spec["lineage"], producer=producer, tags=spec.get("tags"),
                                    feature_groups=spec.get("feature_groups"))
    elif kind == "sql":
        events = events_for_sql(spec["sql"], dialect=spec.get("dialect"), job_namespace=spec["job_namespace"],
                                job_name=spec["job_name"], dataset_namespace=spec.get("dataset_namespace"),
                                schema=spec.get("schema"), producer=producer, event_time=spec["event_time"])
    elif kind == "schema":
        events = [event_for_schema(spec["dataset_id"], spec["schema"], version=spec.get("version"),
                                   event_time=spec.get("created_at"), bucket=spec.get("bucket"),
                                   region=spec.get("region"), producer=producer)]
    else:
        raise AssertionError(f"unknown scenario kind {kind!r}")
    return [to_dict(e) for e in events]


def with_placeholders(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace run IDs by named placeholders (named after the run's job) for a readable golden file."""
    names: dict[str, str] = {}
    for event in events:
        if "run" in event:
            names.setdefault(event["run"]["runId"], event["job"]["name"])

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and value in names:
            return f"<UUID:{names[value]}>"
        return value

    # The event's own schemaURL is openlineage-python's constant (and checked by the spec validation):
    # golden files leave it out rather than spell out the spec's address.
    return [{k: v for k, v in walk(e).items() if k != "schemaURL"} for e in events]


def matches(expected: Any, actual: Any, bound: dict[str, str], path: str = "") -> list[str]:
    if expected == "<ANY>":
        return []
    if isinstance(expected, str) and (m := NAMED_UUID.match(expected)):
        try:
            uuid.UUID(str(actual))
        except ValueError:
            return [f"{path}: {actual!r} is not a UUID"]
        previous = bound.setdefault(m["name"], str(actual))
        return [] if previous == actual else [f"{path}: {actual} differs from {m['name']} = {previous}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems.extend(matches(value, actual[key], bound, f"{path}.{key}"))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r:.200}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for p in matches(e, a, bound, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden(scenario: str, producer: str) -> None:
    # Given
    folder = GOLDEN / scenario
    spec = json.loads((folder / "input.json").read_text(encoding="utf-8"))
    # When
    events = run_scenario(spec, producer)
    # Then
    expected_file = folder / "expected.json"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(json.dumps(with_placeholders(events), indent=1, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    problems = matches(expected, events, {})
    assert not problems, "\n".join(problems[:40])
    EventValidator().validate(events)


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.startswith("pipeline-")])
def test_exporting_twice_gives_the_same_events(scenario: str, producer: str) -> None:
    spec = json.loads((GOLDEN / scenario / "input.json").read_text(encoding="utf-8"))
    assert run_scenario(spec, producer) == run_scenario(spec, producer)
