"""Cold and warm lineage of 10-, 50- and 100-step pipelines with a fixed latency injected into every AWS call.

Run: ``.venv/bin/python benchmarks/lineage_roundtrips.py [--latency-ms 50]``

Both sides run in this process against the emulator (in its own process, as AWS would be), with the same
latency added by a botocore hook (before-send) to every call:
- service: LineageService as shipped (32 workers, caching);
- baseline: the same code with one worker and no cache (every call in sequence);
- seed-style: what the seed's lineage.py did, one call after another with boto3: the latest execution, its
  definition, steps and parameters, then a describe of every step's job for its inputs and outputs, then
  the bucket metadata (the prior art: no expression evaluation, no concurrency, no cache).
"chain" is the critical path counted from the calls themselves: the longest sequence of AWS calls each
sent after the one before it returned (every call lasts at least the injected latency, so this is exact
and immune to scheduling noise). "round trips" is the wall time the latency added (wall with latency
minus wall without, same side, same pipeline) divided by the latency: the same thing measured by the
clock, noisier by about one round trip on two shared cores.
boto3 clients and their paginator models are loaded before the clock starts (a once-per-process cost).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.emulator_process import emulator_process
from jupyter_sm_lineage.core.service import LineageService, Settings

REGION = "ap-northeast-2"


class Latency:
    """Sleeps ``seconds`` before each request goes out; logs every call's (sent, returned) times (thread-safe).

    Register :meth:`sent` on ``before-send`` and :meth:`returned` on ``after-call``.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.log: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def sent(self, **kwargs: Any) -> None:
        self._local.sent = time.perf_counter()
        time.sleep(self.seconds)

    def returned(self, **kwargs: Any) -> None:
        with self._lock:
            self.log.append((self._local.sent, time.perf_counter()))

    @property
    def hooks(self) -> tuple[tuple[str, Any], ...]:
        return (("before-send", self.sent), ("after-call", self.returned))

    @property
    def calls(self) -> int:
        return len(self.log)

    def chain(self) -> int:
        """The longest sequence of calls in which each was sent after the previous one returned."""
        length, last_end = 0, float("-inf")
        for start, end in sorted(self.log, key=lambda interval: interval[1]):
            if start >= last_end:
                length, last_end = length + 1, end
        return length

    def reset(self) -> None:
        with self._lock:
            self.log.clear()


def warm_service(latency: Latency, cache: bool = True, **settings: Any) -> LineageService:
    """A service whose boto3 clients are built (loading botocore's service and paginator models is a
    once-per-process cost, not a round trip), with the latency log emptied."""
    service = LineageService(Settings.from_env(hooks=latency.hooks, **settings), cache=cache)
    service.clients.client("sagemaker", REGION).get_paginator("list_pipeline_execution_steps")
    service.clients.client("s3", REGION)
    service.clients.known_regions()
    latency.reset()
    return service


def measure(latency: Latency, workers: int, cache: bool, pipeline: str) -> dict[str, float]:
    service = warm_service(latency, cache, max_workers=workers)
    try:
        started = time.perf_counter()
        result = service.lineage(REGION, pipeline, include_latest_exec=True)
        cold = time.perf_counter() - started
        cold_calls, chain = latency.calls, latency.chain()
        assert result["summary"]["overallStatus"] == "Succeeded"
        latency.reset()
        started = time.perf_counter()
        service.lineage(REGION, pipeline, include_latest_exec=True)
        warm = time.perf_counter() - started
        return {"cold_s": cold, "cold_calls": cold_calls, "chain": chain, "warm_s": warm, "warm_calls": latency.calls}
    finally:
        service.close()


def seed_style(latency: Latency, pipeline: str) -> dict[str, float]:
    """The seed's approach, sequential boto3 calls: every step's job is described for its I/O."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    config = Config(retries={"total_max_attempts": 1})
    sm, s3 = session.client("sagemaker", region_name=REGION, config=config), session.client("s3", region_name=REGION,
                                                                                              config=config)
    for client in (sm, s3):
        for event, hook in latency.hooks:
            client.meta.events.register(event, hook)
    latency.reset()
    started = time.perf_counter()
    arn = sm.list_pipeline_executions(PipelineName=pipeline, SortOrder="Descending", MaxResults=1)[
        "PipelineExecutionSummaries"][0]["PipelineExecutionArn"]
    sm.describe_pipeline(PipelineName=pipeline)
    sm.describe_pipeline_execution(PipelineExecutionArn=arn)
    sm.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
    steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn, MaxResults=100)["PipelineExecutionSteps"]
    uris = set()
    for step in steps:
        job = (step.get("Metadata") or {}).get("ProcessingJob")
        if job:
            described = sm.describe_processing_job(ProcessingJobName=job["Arn"].rsplit("/", 1)[1])
            uris.update(i["S3Input"]["S3Uri"] for i in described.get("ProcessingInputs", []) if "S3Input" in i)
            uris.update(o["S3Output"]["S3Uri"] for o in described["ProcessingOutputConfig"]["Outputs"])
    for bucket in sorted({u.split("/")[2] for u in uris}):
        s3.get_bucket_location(Bucket=bucket)
        s3.get_bucket_versioning(Bucket=bucket)
        for call in (s3.get_bucket_tagging, s3.get_bucket_encryption, s3.get_public_access_block):
            with contextlib.suppress(s3.exceptions.ClientError):
                call(Bucket=bucket)
    return {"cold_s": time.perf_counter() - started, "cold_calls": latency.calls, "chain": latency.chain()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    latency = Latency(args.latency_ms / 1000)
    with emulator_process() as environ:
        os.environ.update(environ)
        print(f"injected latency per AWS call: {args.latency_ms:.0f} ms")
        header = (f"{'pipeline':22} {'side':10} {'cold s':>7} {'calls':>6} {'chain':>6} {'round trips':>12} "
                  f"{'warm s':>7} {'warm calls':>10}")
        print(header)
        print("-" * len(header))
        zero = Latency(0.0)
        for steps in (10, 50, 100):
            pipeline = f"fanout-{steps}-pipeline"
            rows = {}
            for side, workers, cache in (("service", Settings().max_workers, True), ("baseline", 1, False)):
                row = measure(latency, workers, cache, pipeline)
                row["round_trips"] = ((row["cold_s"] - measure(zero, workers, cache, pipeline)["cold_s"])
                                      / latency.seconds)
                rows[side] = row
            for side, row in rows.items():
                print(f"{pipeline:22} {side:10} {row['cold_s']:7.2f} {row['cold_calls']:6d} {row['chain']:6d} "
                      f"{row['round_trips']:12.1f} {row['warm_s']:7.2f} {row['warm_calls']:10d}")
            seed = seed_style(latency, pipeline)
            seed["round_trips"] = (seed["cold_s"] - seed_style(zero, pipeline)["cold_s"]) / latency.seconds
            print(f"{pipeline:22} {'seed-style':10} {seed['cold_s']:7.2f} {seed['cold_calls']:6d} {seed['chain']:6d} "
                  f"{seed['round_trips']:12.1f} {'-':>7} {'-':>10}")
            service_s = rows["service"]["cold_s"]
            print(f"{'':22} cold speedup: {rows['baseline']['cold_s'] / service_s:.1f}x over the one-worker baseline, "
                  f"{seed['cold_s'] / service_s:.1f}x over the seed-style reads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
