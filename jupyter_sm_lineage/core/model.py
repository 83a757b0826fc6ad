"""The lineage contract: frozen dataclasses with ``to_dict()``, shared by every front end.

``Graph.to_dict()`` is the JSON the routes serve, the widgets draw and the exporter maps::

    {"nodes": [{"id", "type", "known", "inputs": [Port], "outputs": [Port], "parent", "branch", ...}],
     "edges": [{"from", "to", "via", "property"?, "branch"?}],
     "artifacts": [{"id", "uri", "kind", "producers", "consumers", ...}],
     "parameters": [{"name", "type", "default"}], "warnings": [str]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

EdgeVia = Literal["dependsOn", "property", "condition", "forEachBody", "input", "output"]


@dataclass(frozen=True)
class Port:
    """One dataset a step reads or writes: its channel name, its URI and how the URI was written."""

    name: str
    uri: str
    #: The definition's expression rendered as text, e.g. ``s3://b/{Parameters.Prefix}/train``.
    template: str
    #: ``s3``, ``athena``, ``redshift``, ``model-package-group``, ``feature-group``, ...
    kind: str = "s3"
    #: False while the URI still holds a placeholder (a parameter or property not known yet).
    resolved: bool = True
    #: Extra facts about the port: an Athena query, its tables, the content type, ...
    details: Mapping[str, Any] = field(default_factory=dict)
    #: For an S3 URI: a prefix (True), a single object (False), or not told by the step's arguments (None).
    #: Not part of the JSON: it decides the artifact's ``datasetId``.
    prefix: bool | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "uri": self.uri, "kind": self.kind, "resolved": self.resolved}
        if self.template != self.uri:
            out["template"] = self.template
        if self.details:
            out["details"] = dict(self.details)
        return out


@dataclass(frozen=True)
class Node:
    """A pipeline step (or, in the data view, a dataset) of the graph."""

    id: str
    type: str
    known: bool = True
    display_name: str | None = None
    description: str | None = None
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()
    #: For a step inside a Condition's branch or a ForEach body: the enclosing step and branch.
    parent: str | None = None
    branch: str | None = None
    #: Facts read from the arguments: instance type and count, image, model package group, ...
    properties: Mapping[str, Any] = field(default_factory=dict)
    #: Raw arguments, kept only for step types this version does not understand.
    arguments: Any = None
    #: The execution overlay: status, times, cache hit, attempts, job ARN, metrics, ...
    run: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "known": self.known,
            "inputs": [p.to_dict() for p in self.inputs],
            "outputs": [p.to_dict() for p in self.outputs],
        }
        for key, value in (
            ("displayName", self.display_name),
            ("description", self.description),
            ("parent", self.parent),
            ("branch", self.branch),
        ):
            if value is not None:
                out[key] = value
        if self.properties:
            out["properties"] = dict(self.properties)
        if not self.known:
            out["arguments"] = self.arguments
        if self.run is not None:
            out["run"] = dict(self.run)
        return out


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    via: EdgeVia
    #: For ``property`` edges: the property path read, e.g. ``ModelArtifacts.S3ModelArtifacts``.
    property: str | None = None
    #: For ``condition`` edges: ``if`` or ``else``.
    branch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.source, "to": self.target, "via": self.via}
        if self.property is not None:
            out["property"] = self.property
        if self.branch is not None:
            out["branch"] = self.branch
        return out


@dataclass(frozen=True)
class Artifact:
    """A dataset (S3 URI, table, model package group) with the steps that write and read it."""

    id: int
    uri: str
    kind: str
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()
    resolved: bool = True
    #: Bucket metadata (region, encryption, versioning, public access, tags) when enriched.
    s3: Mapping[str, Any] | None = None
    #: The sampled schema when a caller asked for schemas.
    schema: Mapping[str, Any] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    #: The dataset's canonical identity (:func:`~jupyter_sm_lineage.core.datasets.dataset_id`) for a resolved
    #: S3 artifact: the key the schema store and the dataset routes use.
    dataset_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "kind": self.kind,
            "producers": list(self.producers),
            "consumers": list(self.consumers),
            "resolved": self.resolved,
        }
        if self.dataset_id is not None:
            out["datasetId"] = self.dataset_id
        if self.s3 is not None:
            out["s3"] = dict(self.s3)
        if self.schema is not None:
            out["schema"] = dict(self.schema)
        if self.details:
            out["details"] = dict(self.details)
        return out


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default}


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    warnings: tuple[str, ...] = ()

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def replace(self, **changes: Any) -> Graph:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
            "artifacts": [a.to_dict() for a in self.artifacts],
            "parameters": [p.to_dict() for p in self.parameters],
            "warnings": list(self.warnings),
        }
