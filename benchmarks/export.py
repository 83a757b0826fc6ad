"""What exporting costs: mapping 10,000 step runs to OpenLineage events, serialising them, and emitting them.

- Mapping + serialisation (pure, no I/O): 100 executions of a 100-step pipeline (10,000 step runs, about
  20,000 events) built from the demo pipeline's real lineage; events per second and peak memory
  (tracemalloc), against serialising alone (the baseline measured in the same run).
- Emission to a local receiver (tests/receiver.py: Marquez's POST /api/v1/lineage contract, 201) with
  openlineage-python's synchronous http transport and with its async_http transport: events per second.

    .venv/bin/python benchmarks/export.py [--steps 10000] [--emit 4000]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sm_lineage_exporter import events_for_lineage, to_json  # noqa: E402
from sm_lineage_exporter.emit import Emitter, make_client  # noqa: E402
from tests.receiver import Receiver  # noqa: E402

SCENARIO = ROOT / "tests" / "golden" / "pipeline-succeeded" / "input.json"


def synthetic_lineages(executions: int, steps: int) -> list[dict[str, Any]]:
    """``executions`` copies of a ``steps``-step pipeline, each step a real demo step renamed."""
    spec = json.loads(SCENARIO.read_text(encoding="utf-8"))
    base = spec["lineage"]
    ran = [n for n in base["graph"]["nodes"] if (n.get("run") or {}).get("status") == "Succeeded"]
    out = []
    for e in range(executions):
        lineage = copy.deepcopy(base)
        arn = base["execution"]["arn"].rsplit("/", 1)[0] + f"/bench{e:06d}"
        lineage["execution"]["arn"] = lineage["summary"]["executionArn"] = arn
        nodes = []
        for s in range(steps):
            node = copy.deepcopy(ran[s % len(ran)])
            node["id"] = f"{node['id']}-{s:04d}"
            nodes.append(node)
        lineage["graph"]["nodes"] = nodes
        out.append(lineage)
    return out


def map_and_serialise(lineages: list[dict[str, Any]], tags: dict[str, str]) -> list[Any]:
    events: list[Any] = []
    for lineage in lineages:
        batch = events_for_lineage(lineage, tags=tags)
        for event in batch:
            to_json(event)
        events.extend(batch)
    return events


def measure_mapping(lineages: list[dict[str, Any]], tags: dict[str, str]) -> tuple[int, float, float, list[Any]]:
    """Speed in one pass, peak memory in another (tracemalloc slows allocation-heavy code many times)."""
    started = time.perf_counter()
    events = map_and_serialise(lineages, tags)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    map_and_serialise(lineages, tags)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(events), elapsed, peak / 2**20, events


def measure_serialise(events: list[Any]) -> float:
    started = time.perf_counter()
    for event in events:
        to_json(event)
    return time.perf_counter() - started


def measure_emit(events: list[Any], transport: str) -> tuple[float, int]:
    with Receiver() as receiver:
        client = make_client(transport=transport, url=receiver.url, timeout=10.0, retries=2)
        emitter = Emitter(client, spool=None, close_timeout=300)
        started = time.perf_counter()
        delivery = emitter.emit(events)
        emitter.close()
        receiver.wait_for(delivery.sent, timeout=60)
        elapsed = time.perf_counter() - started
        return elapsed, delivery.sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10_000, help="step runs to map (100 per execution)")
    parser.add_argument("--emit", type=int, default=4_000, help="events to emit per transport")
    args = parser.parse_args()
    per_execution = 100
    spec = json.loads(SCENARIO.read_text(encoding="utf-8"))
    lineages = synthetic_lineages(max(1, args.steps // per_execution), per_execution)

    count, elapsed, peak_mb, events = measure_mapping(lineages, spec["tags"])
    serialise = measure_serialise(events)
    print(f"map + serialise: {args.steps:,} step runs -> {count:,} events in {elapsed:.2f} s = "
          f"{count / elapsed:,.0f} events/s; peak memory {peak_mb:.1f} MiB (tracemalloc, events kept)")
    print(f"  serialise alone (baseline): {count / serialise:,.0f} events/s; mapping adds "
          f"{(elapsed - serialise) / elapsed:.0%} of the time")

    sample = events[: args.emit]
    results = {}
    for transport in ("http", "async_http"):
        seconds, sent = measure_emit(sample, transport)
        results[transport] = sent / seconds
        print(f"emit via {transport:<10}: {sent:,}/{len(sample):,} events acknowledged in {seconds:.2f} s = "
              f"{sent / seconds:,.0f} events/s")
    print(f"  async_http / http: {results['async_http'] / results['http']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
