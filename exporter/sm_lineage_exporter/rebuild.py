"""A serialised event (a spooled line) back into openlineage-python's event classes, facets as they were.

The client only emits its own event classes; facets stay plain dicts, which its Serde writes unchanged,
so a replayed event is byte-for-byte the event that was spooled (up to key order).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)


def event_from_dict(data: Mapping[str, Any]) -> RunEvent | DatasetEvent | JobEvent:
    common = {"eventTime": data["eventTime"], "producer": data.get("producer", "")}
    if "run" in data:
        return RunEvent(
            eventType=RunState(data["eventType"]) if data.get("eventType") else None,
            run=Run(runId=data["run"]["runId"], facets=dict(data["run"].get("facets") or {})),
            job=_job(data["job"]),
            inputs=[InputDataset(namespace=d["namespace"], name=d["name"], facets=dict(d.get("facets") or {}),
                                 inputFacets=dict(d.get("inputFacets") or {})) for d in data.get("inputs") or []],
            outputs=[OutputDataset(namespace=d["namespace"], name=d["name"], facets=dict(d.get("facets") or {}),
                                   outputFacets=dict(d.get("outputFacets") or {}))
                     for d in data.get("outputs") or []],
            **common,
        )
    if "dataset" in data:
        d = data["dataset"]
        return DatasetEvent(dataset=StaticDataset(namespace=d["namespace"], name=d["name"],
                                                  facets=dict(d.get("facets") or {})), **common)
    return JobEvent(job=_job(data["job"]), inputs=[], outputs=[], **common)


def _job(data: Mapping[str, Any]) -> Job:
    return Job(namespace=data["namespace"], name=data["name"], facets=dict(data.get("facets") or {}))
