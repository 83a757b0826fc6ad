"""Events a backend did not take, kept on disk (JSON Lines, fsync'd) until ``replay`` delivers them.

Layout of the spool directory:

    {time_ns}-{pid}.partial      a segment an export is writing (flock'd by its writer)
    {time_ns}-{pid}.jsonl        a closed segment, one event per line, in emission order
    {segment}.ack                how many bytes of the segment were acknowledged by the backend
    {time_ns}-{pid}.quarantine   lines of that segment replay could not read as an event (kept as they were)
    rejected.jsonl               events the backend refused, moved aside by ``replay --drop-rejected``
    replay.lock                  held by the one replay running

Replay sends segments oldest first, line by line, and records each acknowledgement (fsync'd) before
the next send; a segment is deleted once every line is acknowledged. A line that is not an event (a
corrupt line) is moved to the segment's ``.quarantine`` file and the replay goes on. A crash between a
send and its record resends that one event; nothing else is ever sent twice. A ``.partial`` segment
whose writer died (its lock is free) is replayed too.

Writing is all or nothing per event: a write that fails (a full disk, a file size limit) is cut back
to the last whole line, so the segment never holds half an event, and the error goes to the caller.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_sm_lineage.core.paths import data_path

from .serialize import to_json

log = logging.getLogger(__name__)
ENV_SPOOL_DIR = "SM_LINEAGE_SPOOL_DIR"
REJECTED = "rejected.jsonl"
_SEGMENT = re.compile(r"^\d{20}-\d+\.(jsonl|partial)$")
#: ``write(fd, data) -> bytes written``: ``os.write``; tests give one that fails like a full disk.
WriteFunction = Callable[[int, bytes], int]


class BadSpoolLine(ValueError):
    """A spooled line that is not an event (corrupt JSON, not UTF-8, or no event's shape)."""


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

    def __init__(self, directory: Path, write: WriteFunction = os.write) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        stem = f"{time.time_ns():020d}-{os.getpid()}"
        self.partial = directory / f"{stem}.partial"
        self.final = directory / f"{stem}.jsonl"
        self._write = write
        self._fd: int | None = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        _fsync_dir(directory)
        self._size = 0
        self.count = 0

    def write(self, event: Any) -> None:
        """Append one event durably, or raise OSError with the segment as it was before."""
        if self._fd is None:
            raise ValueError(f"{self.partial} is closed")
        data = (to_json(event) + "\n").encode("utf-8")
        try:
            done = 0
            while done < len(data):
                done += self._write(self._fd, data[done:])
            os.fsync(self._fd)
        except OSError:
            # Never leave half an event behind: cut the segment back to its last whole line.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise
        self._size += len(data)
        self.count += 1

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            if self.count:
                os.replace(self.partial, self.final)
            else:
                self.partial.unlink(missing_ok=True)
            _fsync_dir(self.partial.parent)
        finally:
            os.close(self._fd)
            self._fd = None

    def abandon(self) -> None:
        """Close the file as a dying process would (the lock goes, the ``.partial`` stays)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass
class ReplayResult:
    sent: int = 0
    remaining: int = 0
    #: Events the backend refused, moved to ``rejected.jsonl`` (``drop_rejected``).
    rejected: int = 0
    #: Files that received lines which are not events, and how many lines each.
    quarantined: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything delivered: nothing left, refused or quarantined."""
        return self.remaining == 0 and not self.errors and not self.rejected and not self.quarantined

    def summary(self, directory: Path) -> dict[str, Any]:
        return {"spoolDir": str(directory), "delivered": self.sent, "remaining": self.remaining,
                "rejected": self.rejected, "rejectedFile": str(directory / REJECTED) if self.rejected else None,
                "quarantined": dict(self.quarantined), "errors": list(self.errors), "ok": self.ok}


class Spool:
    """The spool directory: write segments, count what waits, replay in order."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, *, write: WriteFunction = os.write) -> None:
        self.directory = Path(directory) if directory else default_spool_dir()
        self._write = write

    def writer(self) -> SpoolWriter:
        return SpoolWriter(self.directory, self._write)

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
        """The spooled lines not yet acknowledged, in order (an event's JSON text each)."""
        return [raw.decode("utf-8", "replace") for segment in self.segments() for _, raw in _unacked(segment)]

    def __len__(self) -> int:
        return sum(1 for segment in self.segments() for _ in _unacked(segment))

    def replay(self, send: Callable[[str], None], progress: Callable[[int], None] | None = None,
               drop_rejected: bool = False) -> ReplayResult:
        """Send every spooled event in order; stop at the first failure (order matters to the backend).

        ``send`` posts one event (its JSON text) and raises when the backend did not acknowledge it, or
        :class:`BadSpoolLine` when the text is not an event: that line moves to the segment's
        ``.quarantine`` file and the replay goes on. With ``drop_rejected``, an event the backend refuses
        (4xx) moves to ``rejected.jsonl`` instead of stopping the replay.
        """
        result = ReplayResult()
        with self._replay_lock():
            segments = self.segments()
            for index, segment in enumerate(segments):
                ack = segment.with_name(segment.name + ".ack")
                for end, raw in _unacked(segment):
                    try:
                        send(_text(raw))
                    except BadSpoolLine as exc:
                        where = self._quarantine(segment, raw, exc)
                        _write_ack(ack, end)
                        result.quarantined[str(where)] = result.quarantined.get(str(where), 0) + 1
                        continue
                    except Exception as exc:
                        status = getattr(getattr(exc, "response", None), "status_code", None)
                        if drop_rejected and status is not None and 400 <= int(status) < 500:
                            self._reject(raw, exc)
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

    def _reject(self, raw: bytes, exc: Exception) -> None:
        _append(self.directory / REJECTED, raw)
        log.warning("backend refused a spooled event (%s); moved to %s", _describe(exc), REJECTED)

    def _quarantine(self, segment: Path, raw: bytes, exc: Exception) -> Path:
        where = segment.with_name(segment.name.split(".", 1)[0] + ".quarantine")
        _append(where, raw)
        log.warning("a line of %s is not an event (%s); moved to %s", segment.name, exc, where.name)
        return where

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


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadSpoolLine(f"not UTF-8: {exc}") from None


def _append(path: Path, raw: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(raw + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


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


def _unacked(segment: Path) -> Iterator[tuple[int, bytes]]:
    """(end offset, line without its newline) of each complete, unacknowledged, non-blank line."""
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
                line = raw.strip()
                if line:
                    yield offset, line
    except FileNotFoundError:
        return


def replay(directory: str | os.PathLike[str] | None, send: Callable[[str], None]) -> ReplayResult:
    """Replay a spool directory with ``send`` (see :meth:`Spool.replay`)."""
    return Spool(directory).replay(send)
