"""Is the event loop ever blocked? `health` latency while 32 slow lineage requests are in flight.

Run: ``.venv/bin/python benchmarks/server_responsiveness.py [--latency-ms 200]``

A Jupyter server with the extension runs in a child process against the emulator (also a child
process); every AWS call the service makes is delayed by the injected latency (a botocore hook installed
by a sitecustomize module, so it reaches the service wherever it runs: its own process by default, or
the server's threads with SM_LINEAGE_SERVICE_PROCESS=false in the environment). In one run: `health`
latency p50/p99 on the idle server, then with 32 concurrent cold lineage requests in flight; then
requests/second of a warm (cached) lineage route with 16 concurrent clients.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.emulator_process import emulator_process

TOKEN = "bench-token"
REGION = "ap-northeast-2"
PIPELINES = ["mlops-pipeline", "churn-features-pipeline", "nightly-etl-pipeline",
             "fanout-10-pipeline", "fanout-50-pipeline", "fanout-100-pipeline"]

CONFIG = '''
import time
from jupyter_sm_lineage.core import service as _service

_original = _service.AwsClients.client

def _slow_client(self, service, region, profile=None):
    client = _original(self, service, region, profile)
    if not getattr(client, "_bench_slow", False):
        client.meta.events.register("before-send", lambda **kw: time.sleep({latency}))
        client._bench_slow = True
    return client

_service.AwsClients.client = _slow_client
'''


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 120) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
    return time.perf_counter() - started


def _lineage_load(base: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        durations = list(pool.map(lambda i: _get(f"{base}/lineage?region={REGION}&pipeline={PIPELINES[i % 6]}"
                                                f"&includeLatestExec=true&view={('pipeline', 'data', 'both')[i % 3]}"),
                                  range(32)))
    print(f"32 lineage requests took {min(durations):.2f}-{max(durations):.2f} s", flush=True)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


@contextlib.contextmanager
def serve(tmp: str, environ: dict[str, str], extra_env: dict[str, str] | None = None,
          server_args: list[str] | None = None) -> Iterator[str]:
    """The standalone server (``jupyter sm-lineage``) on a free loopback port, pointed at the emulator;
    yields its ``.../sm-lineage`` base URL once ``health`` answers; stopped on exit."""
    port = _port()
    command = [sys.executable, "-m", "jupyter_sm_lineage.server", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--no-browser", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp}",
               "--ServerApp.log_level=WARN", *(server_args or [])]
    if os.getuid() == 0:
        command.append("--allow-root")
    with open(Path(tmp) / "server.log", "w") as log:
        server = subprocess.Popen(command, env={**os.environ, **environ, "JUPYTER_CONFIG_DIR": tmp,
                                                **(extra_env or {})},
                                  stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}/sm-lineage"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    _get(f"{base}/health", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("server_args", nargs="*", help="extra server options, e.g. --LineageExtensionApp.max_workers=8")
    args = parser.parse_args()
    with emulator_process() as environ, tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sitecustomize.py").write_text(CONFIG.format(latency=args.latency_ms / 1000))
        with serve(tmp, environ, {"PYTHONPATH": tmp}, args.server_args) as base:
            # Steady state: boto3 clients built once (a one-off per process that loads botocore's models).
            _get(f"{base}/lineage?region={REGION}&pipeline=mlops-pipeline")
            idle = [_get(f"{base}/health") for _ in range(args.samples)]
            # 32 cold lineage requests in flight from another process (so that reading their large answers does
            # not delay this process's health samples), health sampled meanwhile.
            load = multiprocessing.get_context("spawn").Process(target=_lineage_load, args=(base,))
            load.start()
            busy: list[float] = []
            while load.is_alive() and len(busy) < args.samples:
                busy.append(_get(f"{base}/health"))
            load.join(timeout=300)
            p50_idle, p99_idle = _percentiles(idle)
            p50_busy, p99_busy = _percentiles(busy)
            print(f"injected latency per AWS call: {args.latency_ms:.0f} ms; 32 cold lineage requests in flight")
            print(f"health idle:  p50 {p50_idle:6.1f} ms  p99 {p99_idle:6.1f} ms  ({len(idle)} samples)")
            print(f"health busy:  p50 {p50_busy:6.1f} ms  p99 {p99_busy:6.1f} ms  ({len(busy)} samples)")
            print(f"busy p99 / idle p99: {p99_busy / p99_idle:.2f}")
            # warm route throughput
            url = f"{base}/lineage?region={REGION}&pipeline=mlops-pipeline&includeLatestExec=false"
            _get(url)
            count = 400
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda _: _get(url), range(count)))
            elapsed = time.perf_counter() - started
            print(f"warm lineage (definition view, cached): {count / elapsed:.0f} requests/s with 16 clients")
    return 0


if __name__ == "__main__":
    sys.exit(main())
