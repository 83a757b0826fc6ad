"""Shared fixtures: one seeded emulator per test session (moto's state is per process), and a service on it."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_sm_lineage.emulator import Emulator

pytest_plugins = ("pytest_jupyter.jupyter_server",)

HOME = "ap-northeast-2"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """The demo world on a real moto server; tests must not reset it (add what you need beside it)."""
    with Emulator() as emu:
        saved = {k: os.environ.get(k) for k in emu.environ()}
        os.environ.update(emu.environ())
        os.environ.pop("ALLOWED_REGIONS", None)
        try:
            yield emu
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


class CallCounter:
    """Counts AWS API calls by name through botocore's own event hook."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, event_name: str, **kwargs: Any) -> None:
        # event_name is before-call.SERVICE.Operation
        self.calls[event_name.split(".", 1)[1]] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def counter() -> CallCounter:
    return CallCounter()


@pytest.fixture
def service(emulator: Emulator, counter: CallCounter, tmp_path: Any) -> Iterator[Any]:
    from jupyter_sm_lineage.core.service import LineageService, Settings

    svc = LineageService(Settings.from_env(default_regions=(HOME,), max_workers=8,
                                           schema_store=str(tmp_path / "schemas.sqlite3"),
                                           hooks=(("before-call", counter),)))
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def receiver() -> Iterator[Any]:
    """A local HTTP receiver speaking Marquez's contract (tests/receiver.py)."""
    from tests.receiver import Receiver

    with Receiver() as r:
        yield r


@pytest.fixture
def events() -> list[Any]:
    """The OpenLineage events of the golden succeeded pipeline."""
    import json
    from pathlib import Path

    from sm_lineage_exporter import events_for_lineage

    golden = Path(__file__).parent / "golden" / "pipeline-succeeded" / "input.json"
    spec = json.loads(golden.read_text(encoding="utf-8"))
    return events_for_lineage(spec["lineage"], producer="https://example.test/p", tags=spec["tags"])
