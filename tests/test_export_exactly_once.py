"""Exactly once: an event handed over (delivered, or spooled for ``replay``) is never sent again.

Against the emulator and the local receiver with openlineage-python's own HTTP transport: the backend
fails, ``since-last`` spools; the backend comes back, ``replay`` delivers; ``since-last`` again sends
nothing twice. A full disk while spooling is a real failing write (RLIMIT_FSIZE in a subprocess) and,
for the exact ENOSPC errno, the spool's one write seam.
"""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sm_lineage_exporter import export_pipeline
from sm_lineage_exporter.cli import main
from sm_lineage_exporter.emit import Emitter, make_client, sender
from sm_lineage_exporter.spool import Spool
from sm_lineage_exporter.watermark import Watermark, WatermarkStore
from tests.conftest import HOME
from tests.receiver import Receiver

PIPELINE = "nightly-etl-pipeline"


def received(receiver: Receiver) -> Counter[tuple[str, str]]:
    return Counter((e["run"]["runId"], e["eventType"]) for e in receiver.events)


def cli(argv: list[str]) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--no-progress"], stdout=out, stderr=err)
    return code, json.loads(out.getvalue().splitlines()[-1]), err.getvalue()


def flags(receiver: Receiver, tmp_path: Path) -> list[str]:
    return ["--url", receiver.url, "--retries", "0", "--timeout", "5", "--spool-dir", str(tmp_path / "spool")]


def since_last(receiver: Receiver, tmp_path: Path) -> list[str]:
    return ["pipeline", PIPELINE, "--region", HOME, "--executions", "since-last", "--no-schemas",
            "--state-dir", str(tmp_path / "state"), *flags(receiver, tmp_path)]


def test_backend_down_since_last_then_replay_then_since_last_receives_each_event_once(
        emulator: Any, receiver: Receiver, tmp_path: Path) -> None:
    # Given: the backend is down; since-last spools everything and exits 1
    receiver.fail_always()
    code, first, err = cli(since_last(receiver, tmp_path))
    assert code == 1 and first["spooled"] == first["events"] > 0 and first["delivered"] == 0, err
    assert first["watermark"]["pending"] == [] and len(first["executions"]) == 2
    # When: the backend is back, replay delivers the spool
    receiver.recover()
    code, replayed, err = cli(["replay", *flags(receiver, tmp_path)])
    assert code == 0 and replayed["delivered"] == first["events"], err
    # Then: since-last has nothing new to send, and every event arrived exactly once
    code, second, err = cli(since_last(receiver, tmp_path))
    assert code == 0, err
    assert (second["events"], second["executions"], second["delivered"], second["spooled"]) == (0, [], 0, 0)
    counts = received(receiver)
    assert len(counts) == first["events"] and set(counts.values()) == {1}


def test_since_last_sends_only_what_is_new(emulator: Any, service: Any, receiver: Receiver, tmp_path: Path) -> None:
    # Given: an earlier export handed over every execution but the newest
    older, newest = (s["PipelineExecutionArn"] for s in reversed(service.all_executions(HOME, PIPELINE)))
    started = next(s["StartTime"] for s in service.all_executions(HOME, PIPELINE)
                   if s["PipelineExecutionArn"] == older)
    WatermarkStore(tmp_path / "state").put(Watermark(PIPELINE, HOME, listed_through=started.isoformat(),
                                                     listed_at_mark=[older]))
    receiver.fail_always()
    code, first, _ = cli(since_last(receiver, tmp_path))
    assert code == 1 and first["executions"] == [newest] and first["spooled"] == first["events"] > 0
    receiver.recover()
    assert cli(["replay", *flags(receiver, tmp_path)])[0] == 0
    code, second, _ = cli(since_last(receiver, tmp_path))
    assert code == 0 and second["executions"] == [] and second["events"] == 0
    # Only the newest execution's events arrived, once each; the older one's never did
    assert {e["run"]["facets"].get("sagemaker_pipeline", {}).get("pipelineExecutionArn") for e in receiver.events
            if e["job"]["name"] == PIPELINE} == {newest}
    assert set(received(receiver).values()) == {1} and len(receiver.events) == first["events"]


def disk_full_after(limit: int) -> Callable[[int, bytes], int]:
    free = {"bytes": limit}

    def write(fd: int, data: bytes) -> int:
        if free["bytes"] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = os.write(fd, data[:free["bytes"]])
        free["bytes"] -= written
        return written

    return write


def test_events_lost_to_a_full_disk_are_sent_by_the_next_since_last_and_nothing_twice(
        emulator: Any, service: Any, receiver: Receiver, tmp_path: Path) -> None:
    state, spool_dir = WatermarkStore(tmp_path / "state"), tmp_path / "spool"
    # Given: the backend is down and the spool's disk fills up after about 12 KB (ENOSPC)
    receiver.fail_always()
    full = Emitter(make_client(transport="http", url=receiver.url, retries=0),
                   Spool(spool_dir, write=disk_full_after(12_000)))
    first = export_pipeline(HOME, PIPELINE, "since-last", service=service, emitter=full, state=state,
                            include_schemas=False)
    summary = first.summary()
    lost = summary["notDelivered"]
    assert lost > 0 and summary["spooled"] > 0 and summary["spooled"] + lost == summary["events"]
    assert len(summary["notDeliveredEvents"]) == lost and any("[Errno 28]" in e for e in summary["errors"])
    mark = state.get(HOME, PIPELINE)
    assert mark is not None and mark.pending  # not handed over whole: looked at again next time
    # When: the backend is back, replay delivers what was spooled, and since-last sends the rest
    receiver.recover()
    assert Spool(spool_dir).replay(sender(
        make_client(transport="http", url=receiver.url, retries=0))).ok
    with Emitter(make_client(transport="http", url=receiver.url, retries=0), Spool(spool_dir)) as emitter:
        second = export_pipeline(HOME, PIPELINE, "since-last", service=service, emitter=emitter, state=state,
                                 include_schemas=False)
    # Then: exactly the lost events were sent the second time, and every event arrived once
    assert second.ok and second.delivery.sent == second.count == lost
    counts = received(receiver)
    assert len(counts) == summary["events"] and set(counts.values()) == {1}
    mark = state.get(HOME, PIPELINE)
    assert mark is not None and mark.pending == [] and mark.handed == {}


def test_cli_with_a_file_size_limit_exits_1_counting_what_it_could_not_spool(
        emulator: Any, receiver: Receiver, tmp_path: Path) -> None:
    # A real failing write: RLIMIT_FSIZE makes writes past 16 KiB fail (EFBIG; SIGXFSZ ignored).
    limit = 16 * 1024

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    receiver.fail_always()
    process = subprocess.run(
        [sys.executable, "-m", "sm_lineage_exporter", *since_last(receiver, tmp_path), "--no-progress"],
        check=False, capture_output=True, text=True, timeout=300, preexec_fn=limited,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    summary = json.loads(process.stdout.splitlines()[-1])
    lost = summary["notDelivered"]
    assert process.returncode == 1, process.stderr
    assert lost > 0 and summary["spooled"] + lost == summary["events"] and summary["delivered"] == 0
    assert f"{lost} event(s) could not be delivered nor spooled" in process.stderr
    assert "File too large" in process.stderr and len(summary["notDeliveredEvents"]) == lost
    # The spool holds whole events only: replay parses every line
    assert len(Spool(tmp_path / "spool")) == summary["spooled"]
    # Retry without the limit: replay the spool, since-last sends the rest; each event arrives once
    receiver.recover()
    assert cli(["replay", *flags(receiver, tmp_path)])[0] == 0
    code, second, err = cli(since_last(receiver, tmp_path))
    assert code == 0 and second["delivered"] == lost, err
    counts = received(receiver)
    assert len(counts) == summary["events"] and set(counts.values()) == {1}
