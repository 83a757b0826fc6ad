"""Does abusive SQL starve everyone else? `health` and another route while 8 over-budget SQL requests run.

Run: ``.venv/bin/python benchmarks/sql_overload.py [--requests 8]``

A Jupyter server with the extension runs in a child process against the emulator (also a child process),
with its defaults: one SQL worker process, a 20 s SQL budget. Another process posts ``--requests`` SQL
statements of 1 MiB each (a select list of tens of thousands of computed columns: well past the budget) at
once; meanwhile this process samples `health` and a catalog request (`sagemaker/pipelines`, cached after
its first answer) and prints their p50/p99 against the same samples on the idle server, measured in the
same run. Targets: health p99 under 50 ms, the other route under 1 s; every SQL request answered 400
(budget) or 503 (workers busy).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.emulator_process import emulator_process
from benchmarks.server_responsiveness import REGION, TOKEN, _get, _percentiles, serve


def huge_select_list(size: int) -> str:
    """``INSERT ... SELECT`` of tens of thousands of computed columns from a join: well past 20 s to analyse."""
    columns, n, total = [], 0, 0
    while total < size - 200:
        column = f"CASE WHEN s.a{n} > u.b{n} THEN s.a{n} + u.c{n} ELSE coalesce(u.d{n}, 0) END AS c{n}"
        columns.append(column)
        total += len(column) + 2
        n += 1
    return f"INSERT INTO mart.wide SELECT {', '.join(columns)} FROM db.s AS s JOIN db.u AS u ON s.id = u.id"


def _post_sql(base: str) -> tuple[int, float]:
    body = json.dumps({"sql": huge_select_list(1024 * 1024 - 1024)}).encode()
    request = urllib.request.Request(f"{base}/sql/lineage", data=body, method="POST",
                                     headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            return response.status, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - started


def _sql_load(base: str, requests: int) -> None:
    with concurrent.futures.ThreadPoolExecutor(requests) as pool:
        answers = list(pool.map(lambda _: _post_sql(base), range(requests)))
    statuses = sorted(status for status, _ in answers)
    print(f"{requests} SQL requests of 1 MiB answered {statuses} in {min(t for _, t in answers):.1f}-"
          f"{max(t for _, t in answers):.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with emulator_process() as environ, tempfile.TemporaryDirectory() as tmp, serve(tmp, environ) as base:
        catalog = f"{base}/sagemaker/pipelines?regions={REGION}"
        _get(catalog)
        idle_health = [_get(f"{base}/health") for _ in range(args.samples)]
        idle_catalog = [_get(catalog) for _ in range(args.samples // 4)]
        load = multiprocessing.get_context("spawn").Process(target=_sql_load, args=(base, args.requests))
        load.start()
        busy_health: list[float] = []
        busy_catalog: list[float] = []
        while load.is_alive():
            busy_health.append(_get(f"{base}/health"))
            if len(busy_health) % 4 == 0:
                busy_catalog.append(_get(catalog))
        load.join(timeout=600)
        print(f"{args.requests} over-budget SQL requests in flight (server defaults: 1 SQL worker, 20 s budget)")
        for name, idle, busy in (("health", idle_health, busy_health),
                                 ("sagemaker/pipelines", idle_catalog, busy_catalog)):
            p50_idle, p99_idle = _percentiles(idle)
            p50_busy, p99_busy = _percentiles(busy)
            print(f"{name:20} idle p50 {p50_idle:6.1f} ms p99 {p99_idle:6.1f} ms | busy p50 {p50_busy:6.1f} ms "
                  f"p99 {p99_busy:7.1f} ms ({len(busy)} samples) | busy/idle p99 {p99_busy / p99_idle:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
