"""The spool under faults: a corrupt line, a full disk, a backend refusing everything on replay.

Real parts throughout: openlineage-python's HTTP transport against the local receiver, files on disk.
The one seam is the spool's file-writing function (``Spool(write=...)``), given a writer that fails with
ENOSPC after a number of bytes, as a full disk does.
"""

from __future__ import annotations

import errno
import io
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sm_lineage_exporter import to_json
from sm_lineage_exporter.cli import main
from sm_lineage_exporter.emit import Emitter, make_client, sender
from sm_lineage_exporter.spool import Spool
from tests.receiver import Receiver

GOLDEN = Path(__file__).parent / "golden"


def keys(items: list[Any]) -> list[tuple[str, str]]:
    dicts = [e if isinstance(e, dict) else json.loads(e if isinstance(e, str) else to_json(e)) for e in items]
    return [(d["run"]["runId"], d["eventType"]) for d in dicts]


def cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--no-progress"], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write_segment(directory: Path, lines: list[bytes]) -> Path:
    """A closed spool segment, as an export leaves it (the name an export would give it)."""
    directory.mkdir(parents=True, exist_ok=True)
    segment = directory / f"{time.time_ns():020d}-{os.getpid()}.jsonl"
    segment.write_bytes(b"".join(line + b"\n" for line in lines))
    return segment


def disk_full_after(limit: int) -> Callable[[int, bytes], int]:
    """``os.write`` on a disk with ``limit`` bytes free: a short write, then ENOSPC."""
    free = {"bytes": limit}

    def write(fd: int, data: bytes) -> int:
        if free["bytes"] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = os.write(fd, data[:free["bytes"]])
        free["bytes"] -= written
        return written

    return write


# --- point 7: one corrupt line -----------------------------------------------------------------------
def test_replay_quarantines_a_corrupt_line_and_delivers_the_rest(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    # Given: a segment with valid events before and after a corrupt line, and a line that is JSON but no event
    spool_dir = tmp_path / "spool"
    good = [to_json(e).encode() for e in events[:4]]
    corrupt, not_an_event = b'{"eventTime": "2025-10-06T03:12:00Z", "run": {"runI', b'{"hello": "world"}'
    segment = write_segment(spool_dir, [good[0], good[1], corrupt, good[2], not_an_event, good[3]])
    # When
    code, out, err = cli(["replay", "--url", receiver.url, "--retries", "0", "--spool-dir", str(spool_dir)])
    # Then: every valid event delivered in order, the bad lines kept aside in a named file, exit 1 naming it
    quarantine = segment.with_suffix(".quarantine")
    assert code == 1, err
    assert keys(receiver.events) == keys(events[:4])
    assert quarantine.read_bytes().splitlines() == [corrupt, not_an_event]
    assert f"2 spooled line(s) that are not events moved to {quarantine}" in err
    summary = json.loads(out)
    assert summary["delivered"] == 4 and summary["quarantined"] == {str(quarantine): 2} and not summary["ok"]
    assert Spool(spool_dir).pending() == [] and not segment.exists()
    # A second replay finds nothing left and is clean
    code, _, err = cli(["replay", "--url", receiver.url, "--spool-dir", str(spool_dir)])
    assert code == 0 and "nothing spooled" in err and len(receiver.events) == 4


def test_a_line_that_is_not_utf8_is_quarantined_too(receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    segment = write_segment(tmp_path, [b"\xff\xfe garbage", to_json(events[0]).encode()])
    result = Spool(tmp_path).replay(sender(make_client(transport="http", url=receiver.url, retries=0)))
    assert result.sent == 1 and not result.ok
    assert segment.with_suffix(".quarantine").read_bytes() == b"\xff\xfe garbage\n"


# --- point 9: --drop-rejected when everything is refused ---------------------------------------------
def test_replay_drop_rejected_exits_1_when_every_event_is_refused(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    spool_dir = tmp_path / "spool"
    write_segment(spool_dir, [to_json(e).encode() for e in events[:3]])
    receiver.refuse(lambda e: "schema rejected", 400)
    code, out, err = cli(["replay", "--drop-rejected", "--url", receiver.url, "--retries", "0",
                          "--spool-dir", str(spool_dir)])
    assert code == 1, err
    assert f"3 refused event(s) moved to {spool_dir / 'rejected.jsonl'}" in err
    summary = json.loads(out)
    assert (summary["delivered"], summary["rejected"], summary["remaining"], summary["ok"]) == (0, 3, 0, False)
    assert keys((spool_dir / "rejected.jsonl").read_text().splitlines()) == keys(events[:3])
    assert receiver.events == []


def test_replay_exits_0_only_when_everything_was_delivered(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    spool_dir = tmp_path / "spool"
    write_segment(spool_dir, [to_json(e).encode() for e in events[:3]])
    code, out, _ = cli(["replay", "--drop-rejected", "--url", receiver.url, "--spool-dir", str(spool_dir)])
    assert code == 0 and json.loads(out)["ok"] and keys(receiver.events) == keys(events[:3])


# --- point 8: a full disk while spooling (the write seam) --------------------------------------------
def test_full_disk_while_spooling_keeps_whole_events_and_counts_the_rest(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    # Given: the backend is down and the disk has room for two and a half events
    sizes = [len(to_json(e).encode()) + 1 for e in events]
    spool = Spool(tmp_path, write=disk_full_after(sizes[0] + sizes[1] + sizes[2] // 2))
    receiver.fail_always()
    # When
    delivery = Emitter(make_client(transport="http", url=receiver.url, retries=0), spool).emit(events)
    # Then: two events are spooled whole, the others are lost, counted and kept in memory, in order
    assert (delivery.sent, delivery.spooled, len(delivery.lost)) == (0, 2, len(events) - 2)
    assert keys(delivery.lost) == keys(events[2:])
    assert delivery.spool_error is not None and "[Errno 28]" in delivery.spool_error
    assert not delivery.ok
    # The segment holds exactly the two whole events: no torn third line
    assert keys(Spool(tmp_path).pending()) == keys(events[:2])
    (segment,) = tmp_path.glob("*.jsonl")
    lines = segment.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len([json.loads(line) for line in lines[:-1]]) == 2
