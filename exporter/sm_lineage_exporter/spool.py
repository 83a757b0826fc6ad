"""Events a backend did not take, kept on disk (JSON Lines, fsync'd) until ``replay`` delivers them.

Layout of the spool directory:

    {time_ns}-{pid}.partial   a segment an export is writing (flock'd by its writer)
    {time_ns}-{pid}.jsonl     a closed segment, one event per line, in emission order
    {segment}.ack             how many bytes of the segment were acknowledged by the backend
    replay.lock               held by the one replay running

Replay sends segments oldest first, line by line, and records each acknowledgement (fsync'd) before
the next send; a segment is deleted once every line is acknowledged. A crash between a send and its
record resends that one event: delivery is at least once, and Marquez upserts by run ID and state, so
it is exactly once in effect. A ``.partial`` segment whose writer died (its lock is free) is replayed too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from jupyter_sm_lineage.core.paths import data_path

from .serialize import to_json

log = logging.getLogger(__name__)
ENV_SPOOL_DIR = "SM_LINEAGE_SPOOL_DIR"
_SEGMENT = re.compile(r"^\d{20}-\d+\.(jsonl|partial)$")


def default_spool_dir() -> Path:
    """``$SM_LINEAGE_SPOOL_DIR``, else ``$XDG_DATA_HOME/jupyter-sm-lineage/spool``."""
    return data_path(ENV_SPOOL_DIR, "spool")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SpoolWriter:
    """One segment: lines appended and fsync'd one by one; visible to replay once closed."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        stem = f"{time.time_ns():020d}-{os.getpid()}"
        self.partial = directory / f"{stem}.partial"
        self.final = directory / f"{stem}.jsonl"
        self._file: IO[str] = open(self.partial, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        _fsync_dir(directory)
        self.count = 0

    def write(self, event: Any) -> None:
        self._file.write(to_json(event) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.count += 1

    def close(self) -> None:
        if self._file.closed:
            return
        if self.count:
            os.replace(self.partial, self.final)
        else:
            self.partial.unlink(missing_ok=True)
        _fsync_dir(self.partial.parent)
        self._file.close()


@dataclass
class ReplayResult:
    sent: int = 0
    remaining: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.remaining == 0 and not self.errors


class Spool:
    """The spool directory: write segments, count what waits, replay in order."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory else default_spool_dir()

    def writer(self) -> SpoolWriter:
        return SpoolWriter(self.directory)

    def segments(self) -> list[Path]:
        """Closed segments and orphaned partial ones (their writer died), oldest first."""
        if not self.directory.is_dir():
            return []
        found = [p for p in self.directory.glob("*.jsonl") if _SEGMENT.match(p.name)]
        for partial in self.directory.glob("*.partial"):
            if _SEGMENT.match(partial.name) and _orphaned(partial):
                found.append(partial)
        return sorted(found, key=lambda p: p.name)

    def pending(self) -> list[str]:
        """The spooled events not yet acknowledged, in order (JSON text, one per event)."""
        return [line for segment in self.segments() for _, line in _unacked(segment)]

    def __len__(self) -> int:
        return len(self.pending())

    def replay(self, send: Callable[[str], None], progress: Callable[[int], None] | None = None,
               drop_rejected: bool = False) -> ReplayResult:
        """Send every spooled event in order; stop at the first failure (order matters to the backend).

        ``send`` posts one event (its JSON text) and raises when the backend did not acknowledge it.
        With ``drop_rejected``, an event the backend refuses (4xx) moves to ``rejected.jsonl`` instead
        of stopping the replay.
        """
        result = ReplayResult()
        with self._replay_lock():
            segments = self.segments()
            for index, segment in enumerate(segments):
                ack = segment.with_name(segment.name + ".ack")
                for end, line in _unacked(segment):
                    try:
                        send(line)
                    except Exception as exc:
                        status = getattr(getattr(exc, "response", None), "status_code", None)
                        if drop_rejected and status is not None and 400 <= int(status) < 500:
                            self._reject(line, exc)
                            _write_ack(ack, end)
                            result.rejected += 1
                            continue
                        result.errors.append(_describe(exc))
                        result.remaining = sum(1 for _ in _unacked(segment)) + sum(
                            1 for later in segments[index + 1:] for _ in _unacked(later))
                        return result
                    _write_ack(ack, end)
                    result.sent += 1
                    if progress:
                        progress(1)
                segment.unlink()
                ack.unlink(missing_ok=True)
                _fsync_dir(self.directory)
        return result

    def _reject(self, line: str, exc: Exception) -> None:
        with open(self.directory / "rejected.jsonl", "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        log.warning("backend refused a spooled event (%s); moved to rejected.jsonl", _describe(exc))

    @contextlib.contextmanager
    def _replay_lock(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "replay.lock", "a") as lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RuntimeError(f"another replay of {self.directory} is running") from None
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is not None:
        return f"HTTP {status} from the backend: {(getattr(response, 'text', '') or '').strip()[:1000] or exc}"
    return f"{type(exc).__name__}: {exc}"


def _orphaned(partial: Path) -> bool:
    try:
        with open(partial, encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return True
    except (BlockingIOError, FileNotFoundError):
        return False


def _read_ack(ack: Path) -> int:
    try:
        return int(ack.read_text(encoding="ascii").strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def _write_ack(ack: Path, offset: int) -> None:
    fd = os.open(ack, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, f"{offset:020d}\n".encode("ascii"), 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def _unacked(segment: Path) -> Iterator[tuple[int, str]]:
    """(end offset, line) of each complete, unacknowledged line of a segment."""
    start = _read_ack(segment.with_name(segment.name + ".ack"))
    try:
        with open(segment, "rb") as handle:
            handle.seek(start)
            offset = start
            for raw in handle:
                offset += len(raw)
                if not raw.endswith(b"\n"):
                    log.warning("ignoring a torn last line in %s", segment)
                    return
                text = raw.decode("utf-8").strip()
                if text:
                    json.loads(text)
                    yield offset, text
    except FileNotFoundError:
        return


def replay(directory: str | os.PathLike[str] | None, send: Callable[[str], None]) -> ReplayResult:
    """Replay a spool directory with ``send`` (see :meth:`Spool.replay`)."""
    return Spool(directory).replay(send)
