"""What concurrency and comparison cost in AWS calls and round trips.

Run: ``.venv/bin/python benchmarks/contract_costs.py [--latency-ms 50]``

1. Single-flight: AWS calls made by 1 cold lineage of the 100-step pipeline, and by 8 identical cold lineages
   started together on one service (target: at most 1.1x the calls of one; before single-flight: 6.9x).
2. Compare: the round trips (the longest chain of AWS calls each sent after the previous one returned, as in
   ``lineage_roundtrips.py``) of a cold compare of a pipeline's newest run with the last good one, against one
   cold lineage of the newest (target: at most 2 more): the 100-step fan-out (its runs share their dataset
   locations) and mlops-pipeline (each run writes its own training set, whose schemas are sampled).
The emulator runs in its own process; a fixed latency is injected into every AWS call by a botocore hook.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.emulator_process import emulator_process
from benchmarks.lineage_roundtrips import REGION, Latency, warm_service

PIPELINE = "fanout-100-pipeline"


def concurrent_lineages(latency: Latency, requests: int) -> int:
    """AWS calls of ``requests`` identical cold lineages started together on one fresh service."""
    service = warm_service(latency)
    try:
        barrier = threading.Barrier(requests)
        answers: list[Any] = []

        def one() -> None:
            barrier.wait()
            answers.append(service.lineage(REGION, PIPELINE, include_latest_exec=True))

        threads = [threading.Thread(target=one) for _ in range(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == requests and all(a == answers[0] for a in answers)
        return latency.calls
    finally:
        service.close()


def round_trips(latency: Latency, call: str, pipeline: str) -> tuple[int, int]:
    """(chain, calls) of one cold ``lineage`` or ``compare`` on a fresh service."""
    service = warm_service(latency)
    try:
        if call == "lineage":
            service.lineage(REGION, pipeline, include_latest_exec=True)
        else:
            service.compare(REGION, pipeline)
        return latency.chain(), latency.calls
    finally:
        service.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    latency = Latency(args.latency_ms / 1000)
    with emulator_process() as environ:
        os.environ.update(environ)
        print(f"injected latency per AWS call: {args.latency_ms:.0f} ms; single-flight on {PIPELINE}")
        one = concurrent_lineages(latency, 1)
        eight = concurrent_lineages(latency, 8)
        print(f"AWS calls, 1 cold lineage:                        {one:5d}")
        print(f"AWS calls, 8 identical cold lineages together:    {eight:5d}  ({eight / one:.2f}x one; target <= 1.1x)")
        for pipeline in (PIPELINE, "mlops-pipeline"):
            lineage_chain, lineage_calls = round_trips(latency, "lineage", pipeline)
            compare_chain, compare_calls = round_trips(latency, "compare", pipeline)
            print(f"{pipeline}: round trips of 1 cold lineage {lineage_chain} ({lineage_calls} calls), of 1 cold "
                  f"compare {compare_chain} ({compare_calls} calls): {compare_chain - lineage_chain:+d} (target <= +2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
