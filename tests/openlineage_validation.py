"""Validate exported events against the OpenLineage spec in ../shared/openlineage-spec and Marquez's rules.

The spec is read from ``../shared/openlineage-spec`` (relative to the repository root), or from
``$OPENLINEAGE_SPEC_DIR``; it is never copied into this tree. When it is missing the calling test is
skipped, or failed when ``$CI`` is set. Custom facets are validated against the schemas the exporter
ships, found by their ``_schemaURL``.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO = Path(__file__).resolve().parent.parent
CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
NAMESPACE = re.compile(r"^[a-zA-Z:;=/0-9_\-.@+]{1,1024}$")
OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def spec_dir() -> Path:
    configured = os.environ.get("OPENLINEAGE_SPEC_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "openlineage-spec"


def require_spec() -> Path:
    """The spec directory; skips the test when it is missing (fails it when $CI is set)."""
    directory = spec_dir()
    if not (directory / "OpenLineage.json").is_file():
        message = f"OpenLineage spec not found at {directory} (set OPENLINEAGE_SPEC_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return directory


@lru_cache(maxsize=4)
def _registry(directory: str) -> tuple[Registry, dict[str, str]]:
    from sm_lineage_exporter.facets import shipped_schemas

    resources = []
    by_file: dict[str, str] = {}
    files = [Path(directory) / "OpenLineage.json", *sorted((Path(directory) / "facets").glob("*.json"))]
    for path in [*files, *shipped_schemas()]:
        document = json.loads(path.read_text(encoding="utf-8"))
        resources.append((document["$id"], Resource.from_contents(document, default_specification=DRAFT202012)))
        by_file[path.name] = document["$id"]
    return Registry().with_resources(resources), by_file


class EventValidator:
    """Checks events (dicts) against the spec, every facet's own schema, and Marquez's rules."""

    def __init__(self, directory: Path | None = None) -> None:
        self.registry, self._by_file = _registry(str(directory or require_spec()))

    def _errors(self, instance: Any, ref: str) -> list[str]:
        validator = jsonschema.Draft202012Validator(
            {"$ref": ref}, registry=self.registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                for e in validator.iter_errors(instance)]

    def _facet_ref(self, url: str) -> str:
        document, _, pointer = url.partition("#")
        try:
            self.registry.contents(document)
        except Exception:
            # openlineage-python may emit a facet one version past this spec snapshot: same file name.
            fallback = self._by_file.get(document.rsplit("/", 1)[-1])
            if fallback is None:
                raise AssertionError(f"no schema for _schemaURL {url}") from None
            document = fallback
        return f"{document}#{pointer}" if pointer else document

    def spec_errors(self, event: Mapping[str, Any]) -> list[str]:
        kind = "RunEvent" if "run" in event else "DatasetEvent" if "dataset" in event else "JobEvent"
        errors = self._errors(event, f"{CORE_ID}#/$defs/{kind}")
        for where, name, facet in facets_of(event):
            url = facet.get("_schemaURL")
            if not isinstance(url, str):
                errors.append(f"{where}.{name}: no _schemaURL")
                continue
            errors.extend(f"{where}.{name}: {e}" for e in self._errors(facet, self._facet_ref(url)))
        return errors

    def validate(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Assert every event is valid for the spec and for Marquez."""
        problems = []
        for i, event in enumerate(events):
            problems.extend(f"event {i}: {p}" for p in [*self.spec_errors(event), *marquez_errors(event)])
        assert not problems, "\n".join(problems[:50])


def facets_of(event: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(where, key, facet) for every facet of an event."""
    groups: list[tuple[str, Any]] = [
        ("run.facets", (event.get("run") or {}).get("facets")),
        ("job.facets", (event.get("job") or {}).get("facets")),
        ("dataset.facets", (event.get("dataset") or {}).get("facets")),
    ]
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        for i, dataset in enumerate(event.get(side) or []):
            groups.append((f"{side}[{i}].facets", dataset.get("facets")))
            groups.append((f"{side}[{i}].{extra}", dataset.get(extra)))
    for where, facets in groups:
        for name, facet in (facets or {}).items():
            yield where, name, facet


def marquez_errors(event: Mapping[str, Any]) -> list[str]:
    """What Marquez requires beyond the spec (../shared/marquez/README.md)."""
    errors = []
    time = event.get("eventTime")
    if not isinstance(time, str) or not OFFSET.search(time):
        errors.append(f"eventTime {time!r} has no timezone offset")
    if not event.get("producer"):
        errors.append("no producer")
    namespaces = []
    if "run" in event:
        try:
            uuid.UUID(str(event["run"].get("runId")))
        except ValueError:
            errors.append(f"runId {event['run'].get('runId')!r} is not a UUID")
        job = event.get("job") or {}
        if not job.get("namespace") or not job.get("name"):
            errors.append("job.namespace and job.name are required")
        namespaces.append(job.get("namespace"))
        job_type = (job.get("facets") or {}).get("jobType")
        if job_type is not None and not job_type.get("jobType"):
            errors.append("jobType facet without jobType")
        parent = (event["run"].get("facets") or {}).get("parent")
        if parent:
            namespaces.append(parent["job"]["namespace"])
            if not str(job.get("name", "")).startswith(parent["job"]["name"] + "."):
                errors.append(f"child job {job.get('name')!r} is not named {{parent}}.{{child}}")
    for where, name, facet in facets_of(event):
        if not facet.get("_producer") or not facet.get("_schemaURL"):
            errors.append(f"{where}.{name}: _producer and _schemaURL are required")
    datasets = [*(event.get("inputs") or []), *(event.get("outputs") or [])]
    if "dataset" in event:
        datasets.append(event["dataset"])
    for dataset in datasets:
        namespaces.append(dataset.get("namespace"))
        if "#" in str(dataset.get("name")):
            errors.append(f"dataset name {dataset.get('name')!r} holds '#' (a version separator for Marquez)")
    errors.extend(f"namespace {ns!r} does not match Marquez's pattern" for ns in namespaces
                  if not isinstance(ns, str) or not NAMESPACE.match(ns))
    errors.extend(column_lineage_errors(event))
    return errors


def _schema_fields(dataset: Mapping[str, Any]) -> set[str]:
    schema = (dataset.get("facets") or {}).get("schema") or {}
    return {f.get("name") for f in schema.get("fields") or []}


def column_lineage_errors(event: Mapping[str, Any]) -> list[str]:
    """Column lineage only between fields both sides' ``schema`` facets hold, with the per-field extras."""
    errors = []
    inputs = {(d.get("namespace"), d.get("name")): _schema_fields(d) for d in event.get("inputs") or []}
    for output in event.get("outputs") or []:
        lineage = (output.get("facets") or {}).get("columnLineage")
        if not lineage:
            continue
        own = _schema_fields(output)
        for column, spec in (lineage.get("fields") or {}).items():
            where = f"{output.get('name')}.{column}"
            if column not in own:
                errors.append(f"{where}: output column not in the output's schema facet")
            if "transformationDescription" not in spec or "transformationType" not in spec:
                errors.append(f"{where}: transformationDescription/transformationType missing")
            for field in spec.get("inputFields") or []:
                key = (field.get("namespace"), field.get("name"))
                if field.get("field") not in inputs.get(key, set()):
                    errors.append(f"{where}: input {key[1]}.{field.get('field')} not in an input's schema facet")
        for field in lineage.get("dataset") or []:
            key = (field.get("namespace"), field.get("name"))
            if field.get("field") not in inputs.get(key, set()):
                errors.append(f"{output.get('name')}: dataset-wide input {key[1]}.{field.get('field')} "
                              "not in an input's schema facet")
    return errors
