"""Per pipeline and region: which executions an export has handed over, so ``since-last`` sends only news.

An event is handed over once the backend acknowledged it or the spool kept it (``replay`` delivers
it later): either way it is never sent again. The state records the newest execution start the last
export listed (and the ARNs that started exactly then), and ``pending``: the listed executions not
yet handed over whole (still running, not loaded, or some events neither delivered nor spooled). For a
partly handed-over one, ``handed`` names the events already out (``{runId}:{eventType}``), so the next
``since-last`` export sends only the rest. The state is rewritten after each execution.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_sm_lineage.core.paths import data_path

ENV_STATE_DIR = "SM_LINEAGE_STATE_DIR"


def default_state_dir() -> Path:
    """``$SM_LINEAGE_STATE_DIR``, else ``$XDG_DATA_HOME/jupyter-sm-lineage/state``."""
    return data_path(ENV_STATE_DIR, "state")


@dataclass
class Watermark:
    pipeline: str
    region: str
    #: Start time (ISO) of the newest execution listed by the last successful export.
    listed_through: str | None = None
    #: Executions that started exactly at ``listed_through`` (already seen).
    listed_at_mark: list[str] = field(default_factory=list)
    #: Listed executions not handed over whole yet (still running, or delivery incomplete): looked at again.
    pending: list[str] = field(default_factory=list)
    #: Of a pending execution, the events already handed over (``{runId}:{eventType}``): never sent again.
    handed: dict[str, list[str]] = field(default_factory=dict)
    exported_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline, "region": self.region, "listedThrough": self.listed_through,
                "listedAtMark": self.listed_at_mark, "pending": self.pending, "handed": self.handed,
                "exportedAt": self.exported_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Watermark:
        return cls(pipeline=data["pipeline"], region=data["region"], listed_through=data.get("listedThrough"),
                   listed_at_mark=list(data.get("listedAtMark") or []), pending=list(data.get("pending") or []),
                   handed={str(k): list(v) for k, v in (data.get("handed") or {}).items()},
                   exported_at=data.get("exportedAt"))


class WatermarkStore:
    """One small JSON file per (region, pipeline), replaced atomically."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory else default_state_dir()

    def _path(self, region: str, pipeline: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9\-_.]", "_", f"{region}__{pipeline}")
        return self.directory / f"{safe}.json"

    def get(self, region: str, pipeline: str) -> Watermark | None:
        try:
            return Watermark.from_dict(json.loads(self._path(region, pipeline).read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    def put(self, mark: Watermark) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(mark.region, mark.pipeline)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".wm-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(mark.to_dict(), handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
