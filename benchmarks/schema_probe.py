"""What a schema costs in S3 requests and bytes, against downloading the file, measured in one run.

A counting HTTP proxy sits between the clients and the emulator (moto server on loopback) and counts
requests and response bytes. Files are written by pyarrow, then probed through the proxy:

- Parquet of 1, 64 and 256 MB and one with 2,000 columns: footer read (boto3 suffix range, and pyarrow's
  S3FileSystem) versus a full download (the baseline). Target: <= 2 requests, <= footer + 64 KiB.
- CSV and JSON Lines of 1 and 256 MB: bytes read versus size. Target: <= sample + one request per file.
- A prefix of 10,000 objects: list calls. Target: one.

    .venv/bin/python benchmarks/schema_probe.py [--small]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import struct
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from botocore.config import Config
from moto.s3.models import s3_backends

from jupyter_sm_lineage.core.schema import SampleOptions, parquet_schema, sample_file, sample_schema
from jupyter_sm_lineage.emulator import ACCOUNT_ID, Emulator

MB = 1024 * 1024
REGION = "ap-northeast-2"
BUCKET = "schema-probe-bench"
_CHUNK = 1 << 20


class CountingProxy:
    """A loopback HTTP proxy that forwards to the emulator and counts requests and response bytes."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.lock = threading.Lock()
        self.requests = 0
        self.bytes = 0
        self.log: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=300)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding", "server", "date"):
                        self.send_header(key, value)
                sent = 0
                chunks = []
                while chunk := response.read(_CHUNK):
                    chunks.append(chunk)
                    sent += len(chunk)
                if response.getheader("Content-Length") is None:
                    self.send_header("Content-Length", str(sent))
                connection.close()
                # Counted before the client sees a byte, so a measurement never misses its own requests.
                with proxy.lock:
                    proxy.requests += 1
                    proxy.bytes += sent
                    proxy.log.append(f"{self.command} {self.headers.get('Range', '')}".strip())
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(chunk)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def measure(self, action: Callable[[], Any]) -> tuple[Any, int, int, list[str]]:
        with self.lock:
            self.requests, self.bytes, self.log = 0, 0, []
        result = action()
        with self.lock:
            return result, self.requests, self.bytes, list(self.log)

    def close(self) -> None:
        self.server.shutdown()


def _int64_table(size: int, columns: int = 4) -> pa.Table:
    """Incompressible int64 columns adding up to ``size`` bytes."""
    rows = max(1, size // (8 * columns))
    arrays = {
        f"c{i}": pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(os.urandom(rows * 8))])
        for i in range(columns)
    }
    return pa.table(arrays)


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="none", row_group_size=1 << 20)
    return buffer.getvalue()


def _text(size: int, kind: str) -> bytes:
    if kind == "csv":
        header = b"id,name,amount,active,ts\n"
        line = b"%d,name-%d,%d.25,true,2025-01-01T00:00:00\n"
    else:
        header = b""
        line = (
            b'{"id": %d, "name": "name-%d", "amount": %d.25, "active": true, "ts": "2025-01-01T00:00:00"}\n'
        )
    block = b"".join(line % (i, i, i) for i in range(2000))
    return header + block * max(1, size // len(block))


def _upload(s3: Any, key: str, data: bytes) -> None:
    s3.upload_fileobj(io.BytesIO(data), BUCKET, key)


def _download(s3: Any, key: str) -> int:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    total = 0
    while chunk := body.read(_CHUNK):
        total += len(chunk)
    return total


def _fmt(n: int) -> str:
    return f"{n / MB:.2f} MiB" if n >= MB else f"{n / 1024:.1f} KiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--small", action="store_true", help="1/16 of the sizes (a quick check)")
    args = parser.parse_args()
    scale = 16 if args.small else 1
    failures: list[str] = []

    with Emulator(seed=False) as emu, emu.environment():
        direct = emu.client("s3", REGION)
        direct.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        proxy = CountingProxy(emu.endpoint_url)
        s3 = _proxied_client(emu, proxy.url)
        filesystem = pafs.S3FileSystem(
            endpoint_override=proxy.url,
            scheme="http",
            access_key="testing",
            secret_key="testing",
            region=REGION,
        )

        print("Parquet: schema from the footer vs downloading the file (the baseline)")
        print(
            f"  {'file':<14}{'size':>12}{'footer':>11} | {'client req':>10}{'bytes':>12} | "
            f"{'pyarrow fs req':>14}{'bytes':>12} | {'download req':>12}{'bytes':>12}{'ratio':>10}"
        )
        cases = [(f"{mb} MB", _parquet(_int64_table(mb * MB // scale))) for mb in (1, 64, 256)]
        wide = pa.table({f"column_{i:04d}": pa.array([i, i + 1], pa.int64()) for i in range(2000)})
        cases.append(("2000 columns", _parquet(wide)))
        for label, data in cases:
            key = f"parquet/{label.replace(' ', '_')}.parquet"
            _upload(direct, key, data)
            footer = struct.unpack("<I", data[-8:-4])[0]
            uri = f"s3://{BUCKET}/{key}"
            _, c_req, c_bytes, _ = proxy.measure(lambda uri=uri: parquet_schema(uri, s3_client=s3))
            _, f_req, f_bytes, _ = proxy.measure(lambda uri=uri: parquet_schema(uri, filesystem=filesystem))
            _, d_req, d_bytes, _ = proxy.measure(lambda key=key: _download(s3, key))
            print(
                f"  {label:<14}{_fmt(len(data)):>12}{_fmt(footer):>11} | {c_req:>10}{_fmt(c_bytes):>12} | "
                f"{f_req:>14}{_fmt(f_bytes):>12} | {d_req:>12}{_fmt(d_bytes):>12}{d_bytes / c_bytes:>9.0f}x"
            )
            if c_req > 2 or c_bytes > footer + 8 + 64 * 1024:
                failures.append(f"parquet {label}: {c_req} requests, {c_bytes} bytes")
            del data

        print("\nCSV / JSON Lines: bytes read for the schema vs object size (sample 64 KiB)")
        print(f"  {'file':<16}{'size':>12} | {'requests':>8}{'bytes read':>12}{'fraction':>12}")
        options = SampleOptions()
        for kind in ("csv", "jsonl"):
            for mb in (1, 256):
                data = _text(mb * MB // scale, kind)
                key = f"text/{mb}mb.{kind}"
                _upload(direct, key, data)
                uri = f"s3://{BUCKET}/{key}"
                schema, req, read, _ = proxy.measure(lambda uri=uri: sample_file(uri, s3, options=options))
                print(
                    f"  {kind + ' ' + str(mb) + ' MB':<16}{_fmt(len(data)):>12} | {req:>8}{_fmt(read):>12}"
                    f"{read / len(data):>12.5f}   fields={json.dumps(schema.fields)}"
                )
                if req > 1 or read > options.sample_bytes:
                    failures.append(f"{kind} {mb} MB: {req} requests, {read} bytes")
                del data

        print("\nPrefix of 10,000 objects: list calls for the schema")
        _put_many(10_000)
        schema, req, read, log = proxy.measure(lambda: sample_schema(f"s3://{BUCKET}/many/", s3))
        lists = sum(1 for line in log if line == "GET")
        print(
            f"  requests {req} ({lists} list call(s), {req - lists} object reads for "
            f"{len(schema.sampled_files)} sampled files), {_fmt(read)} read; listing truncated: "
            f"{schema.meta['listing_truncated']}"
        )
        if lists != 1:
            failures.append(f"prefix: {lists} list calls")
        proxy.close()

    print("\nTargets:", "all met" if not failures else "MISSED: " + "; ".join(failures))
    return 1 if failures else 0


def _proxied_client(emu: Emulator, url: str) -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("s3", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))


def _put_many(count: int) -> None:
    """Write straight into moto's in-process backend: 10,000 PUTs over HTTP would dominate the run."""
    backend = s3_backends[ACCOUNT_ID]["aws"]
    started = time.perf_counter()
    for index in range(count):
        backend.put_object(BUCKET, f"many/part-{index:05d}.csv", b"id,value\n1,2\n")
    print(f"  (wrote {count} objects in {time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    sys.exit(main())
