"""Pipeline definition JSON -> :class:`~jupyter_sm_lineage.core.model.Graph` (pure, no AWS).

Every step type the SageMaker Python SDK renders is understood (its inputs, outputs and resources
read from its Arguments); a type this version does not know keeps its Type, is marked
``known=False`` and carries its raw arguments. Malformed definitions give a graph with warnings
(missing references, cycles, duplicate names) or, when not even JSON, an :class:`InvalidRequest`.
"""

from __future__ import annotations

import copy
import gc
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .datasets import ancestors, dataset_id, has_repeated_slash, is_s3, looks_like_prefix, match_path, split_s3
from .errors import InvalidRequest
from .expressions import (
    Rendered,
    canonical_path,
    is_expression,
    lookup,
    parse_path,
    references,
    render,
    split_step_reference,
)
from .model import Artifact, Edge, Graph, Node, Parameter, Port
from .steps import STEP_KINDS, nested_keys, nested_steps, understood_types

#: Larger definitions are refused outright (the service's own limit is far below this).
MAX_DEFINITION_BYTES = 32 * 1024 * 1024

#: Step types whose arguments are read (from the registry in :mod:`.steps`, as it was at import).
KNOWN_TYPES = understood_types()


@dataclass(frozen=True)
class ExecutionContext:
    """What an execution knows beyond the definition: parameter values, execution variables, job names."""

    parameters: Mapping[str, Any] = field(default_factory=dict)
    execution: Mapping[str, Any] = field(default_factory=dict)
    #: step name -> the job name SageMaker gave it (from ListPipelineExecutionSteps metadata)
    job_names: Mapping[str, str] = field(default_factory=dict)
    #: (step name, property path) -> value known from a job describe or step metadata
    properties: Mapping[tuple[str, str], Any] = field(default_factory=dict)


def load_definition(definition: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Parse definition text (or accept a dict) with a clear error for anything that is not a definition."""
    if isinstance(definition, Mapping):
        return dict(definition)
    if isinstance(definition, bytes):
        if len(definition) > MAX_DEFINITION_BYTES:
            raise InvalidRequest(f"pipeline definition is {len(definition)} bytes; the limit is {MAX_DEFINITION_BYTES}")
        try:
            definition = definition.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequest(f"pipeline definition is not UTF-8: {exc}") from exc
    if not isinstance(definition, str):
        raise InvalidRequest(f"pipeline definition must be JSON text or a dict, not {type(definition).__name__}")
    if len(definition) > MAX_DEFINITION_BYTES:
        raise InvalidRequest(f"pipeline definition is {len(definition)} characters; "
                             f"the limit is {MAX_DEFINITION_BYTES}")
    try:
        doc = json.loads(definition)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InvalidRequest(f"pipeline definition is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise InvalidRequest(f"pipeline definition must be a JSON object, not {type(doc).__name__}")
    return doc


def parse_definition(definition: str | bytes | Mapping[str, Any], context: ExecutionContext | None = None) -> Graph:
    """Build the lineage graph of a pipeline definition.

    Args:
        definition: the definition as JSON text or an already-parsed dict.
        context: what an execution knows (parameters, execution id, job names); without it every
            parameter, execution variable and runtime property renders as a ``{placeholder}``.
    """
    with _collector_paused():  # JSON decoding and graph building, both millions of objects for 10k steps
        doc = load_definition(definition)
        return _Builder(doc, context).build()


def evaluate_arguments(
    definition: str | bytes | Mapping[str, Any], step: str, context: ExecutionContext | None = None
) -> Any:
    """A step's Arguments with every expression replaced by its value for ``context``.

    This is what SageMaker sends as the job request when it runs the step; a parameter keeps its
    type (an integer instance count stays an integer), a Join or a property becomes text, and what
    the context cannot tell stays a ``{placeholder}``.
    """
    builder = _Builder(load_definition(definition), context)
    if step not in builder.steps:
        raise InvalidRequest(f"the definition has no step {step!r}", parameter="step")
    return builder.evaluate(builder.steps[step].get("Arguments"))


class _Builder:
    def __init__(self, doc: dict[str, Any], context: ExecutionContext | None) -> None:
        self.doc = doc
        self.context = context or ExecutionContext()
        self.warnings: list[str] = []
        self.parameters = self._parameters(doc.get("Parameters"))
        self.steps: dict[str, dict[str, Any]] = {}
        self.placement: dict[str, tuple[str | None, str | None]] = {}
        self.children: list[tuple[str, str, str]] = []  # (parent, child, branch)
        self._collect(doc.get("Steps"))
        self._cache: dict[tuple[str, str], Rendered | None] = {}
        self._active: set[tuple[str, str]] = set()
        self.current_step = ""
        self._templates: _Builder | None = None
        self._properties: dict[tuple[str, str], Any] | None = None

    # --- parameters and steps -------------------------------------------------------------------
    def _parameters(self, raw: Any) -> tuple[Parameter, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.warnings.append("Parameters is not a list; ignored")
            return ()
        out = []
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("Name"), str):
                out.append(Parameter(item["Name"], str(item.get("Type", "String")), item.get("DefaultValue")))
            else:
                self.warnings.append(f"a parameter without a Name was ignored: {_short(item)}")
        return tuple(out)

    def _collect(self, raw: Any) -> None:
        if raw is None:
            self.warnings.append("the definition has no Steps")
            return
        if not isinstance(raw, list):
            self.warnings.append("Steps is not a list; no steps read")
            return
        stack: list[tuple[Any, str | None, str | None]] = [(step, None, None) for step in reversed(raw)]
        while stack:
            step, parent, branch = stack.pop()
            if not isinstance(step, dict) or not isinstance(step.get("Name"), str) or not step["Name"]:
                self.warnings.append(f"a step without a Name was ignored: {_short(step)}")
                continue
            name = step["Name"]
            if name in self.steps:
                self.warnings.append(f"step name {name!r} appears more than once; the first one is kept")
                continue
            self.steps[name] = step
            self.placement[name] = (parent, branch)
            if parent is not None and branch is not None:
                self.children.append((parent, name, branch))
            nested = list(nested_steps(step))
            stack.extend((child, name, child_branch) for child_branch, child in reversed(nested))

    # --- the resolver the expressions see -------------------------------------------------------
    def parameter(self, name: str) -> Any | None:
        if name in self.context.parameters:
            return self.context.parameters[name]
        return None

    def execution(self, name: str) -> Any | None:
        return self.context.execution.get(name)

    def job_name(self, step: str) -> str | None:
        return self.context.job_names.get(step)

    def step_property(self, step: str, path: str, depth: int) -> Rendered | None:
        key = (step, path)
        if self.context.properties:
            known = self._known_properties()
            canonical = (step, canonical_path(path))
            if canonical in known:
                return render(known[canonical], None, depth)
        if key in self._cache:
            return self._cache[key]
        if key in self._active:  # a property that refers to itself, through however many steps
            return None
        self._active.add(key)
        try:
            result = self._step_property(step, path, depth)
        finally:
            self._active.discard(key)
        self._cache[key] = result
        return result

    def _step_property(self, step: str, path: str, depth: int) -> Rendered | None:
        definition = self.steps.get(step)
        if definition is None:
            return None
        kind = STEP_KINDS.get(str(definition.get("Type", "")))
        canonical = canonical_path(path)
        job = kind.job if kind is not None else None
        if job is not None and job.names_job and job.properties.get(canonical) == "name":
            name = self.context.job_names.get(step)
            return Rendered(name, True) if name else None
        arguments = definition.get("Arguments")
        rule = kind.computed.get(canonical) if kind is not None else None
        if rule is not None:
            return rule(self, step, arguments, depth)
        found = lookup(arguments, parse_path(path))
        if found is None:
            return None
        return render(found, self, depth)

    def _known_properties(self) -> dict[tuple[str, str], Any]:
        """The context's known properties keyed by (step, canonical path): ``Outputs["a"]`` is ``Outputs['a']``."""
        if self._properties is None:
            self._properties = {(step, canonical_path(path)): value
                                for (step, path), value in self.context.properties.items()}
        return self._properties

    def evaluate(self, value: Any, depth: int = 0) -> Any:
        if depth > 200:
            return None
        if is_expression(value):
            get = value.get("Get") if isinstance(value, dict) else None
            if isinstance(get, str) and get.startswith("Parameters."):
                known = self.parameter(get[len("Parameters.") :])
                if known is not None:
                    return known
            return render(value, self).text
        if isinstance(value, dict):
            return {k: self.evaluate(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.evaluate(v, depth + 1) for v in value]
        return value

    @property
    def templates(self) -> _Builder:
        """The same steps seen without the execution: what renders a port's ``{placeholder}`` template."""
        if self._templates is None:
            if not (self.context.parameters or self.context.execution or self.context.job_names
                    or self.context.properties):
                self._templates = self
            else:
                clone = copy.copy(self)
                clone.context, clone._cache, clone._active = ExecutionContext(), {}, set()
                clone._properties = None
                clone._templates = clone
                self._templates = clone
        return self._templates

    # --- ports ----------------------------------------------------------------------------------
    def port(self, name: str, value: Any, kind: str = "s3", details: Mapping[str, Any] | None = None,
             prefix: bool | None = None) -> Port | None:
        """A port for ``value``; ``prefix`` says whether an S3 URI names a prefix (True), an object (False)
        or the step's arguments do not tell (None)."""
        if value is None:
            return None
        rendered = render(value, self)
        if not rendered.text:
            return None
        templates = self.templates
        template = rendered.text if templates is self or isinstance(value, str) else render(value, templates).text
        return Port(name, rendered.text, template, kind, rendered.resolved, dict(details) if details else {},
                    prefix=prefix)

    # --- the graph ------------------------------------------------------------------------------
    def build(self) -> Graph:
        nodes = [self._node(name, step) for name, step in self.steps.items()]
        edges = self._edges()
        self._check_cycles(edges)
        artifacts = _artifacts(nodes, self.warnings)
        return Graph(tuple(nodes), tuple(edges), tuple(artifacts), self.parameters, tuple(self.warnings))

    def _node(self, name: str, step: dict[str, Any]) -> Node:
        step_type = str(step.get("Type", "Unknown"))
        arguments = step.get("Arguments")
        parent, branch = self.placement[name]
        kind = STEP_KINDS.get(step_type)
        extractor = kind.extract if kind is not None else None
        inputs: list[Port] = []
        outputs: list[Port] = []
        properties: dict[str, Any] = {}
        known = extractor is not None
        self.current_step = name
        if kind is not None and kind.arguments_optional and not isinstance(arguments, dict):
            arguments_read: Any = {}
        else:
            arguments_read = arguments
        if extractor is not None and isinstance(arguments_read, dict):
            try:
                extractor(self, arguments_read, inputs, outputs, properties)
            except (TypeError, AttributeError, ValueError) as exc:
                self.warnings.append(f"step {name!r}: arguments not understood ({exc}); shown raw")
                known = False
        elif extractor is not None and arguments is not None:
            self.warnings.append(f"step {name!r}: Arguments is not an object")
        for key in ("CacheConfig", "RetryPolicies"):
            if key in step:
                properties[key[0].lower() + key[1:]] = step[key]
        if "PropertyFiles" in step and isinstance(step["PropertyFiles"], list):
            properties["propertyFiles"] = [
                {"name": pf.get("PropertyFileName"), "output": pf.get("OutputName"), "path": pf.get("FilePath")}
                for pf in step["PropertyFiles"] if isinstance(pf, dict)
            ]
        return Node(
            id=name,
            type=step_type,
            known=known,
            display_name=_text(step.get("DisplayName")),
            description=_text(step.get("Description")),
            inputs=_dedupe(inputs),
            outputs=_dedupe(outputs),
            parent=parent,
            branch=branch,
            properties=properties,
            arguments=None if known else arguments,
        )

    def _edges(self) -> list[Edge]:
        edges: list[Edge] = []
        seen: set[tuple[str, str, str]] = set()

        def add(edge: Edge) -> None:
            key = (edge.source, edge.target, edge.via)
            if key not in seen:
                seen.add(key)
                edges.append(edge)

        for name, step in self.steps.items():
            for dependency in _depends_on(step.get("DependsOn")):
                if dependency is None:
                    self.warnings.append(f"step {name!r}: a DependsOn entry names no step")
                elif dependency not in self.steps:
                    self.warnings.append(
                        f"step {name!r} depends on {dependency!r}, which is not a step of this pipeline")
                else:
                    add(Edge(dependency, name, "dependsOn"))
            for reference in references(_without_nested(step)):
                split = split_step_reference(reference)
                if split is None:
                    continue
                source, path = split
                if source == name:
                    continue
                if source not in self.steps:
                    self.warnings.append(f"step {name!r} reads {reference!r}, but there is no step {source!r}")
                    continue
                add(Edge(source, name, "property", property=path))
        for parent, child, branch in self.children:
            if branch == "body":
                add(Edge(parent, child, "forEachBody"))
            else:
                add(Edge(parent, child, "condition", branch=branch))
        return edges

    def _check_cycles(self, edges: list[Edge]) -> None:
        graph: dict[str, list[str]] = {}
        for edge in edges:
            graph.setdefault(edge.source, []).append(edge.target)
        state: dict[str, int] = {}
        for root in graph:
            if state.get(root):
                continue
            stack: list[tuple[str, Iterable[str]]] = [(root, iter(graph.get(root, ())))]
            path = [root]
            state[root] = 1
            while stack:
                node, successors = stack[-1]
                advanced = False
                for successor in successors:
                    mark = state.get(successor, 0)
                    if mark == 1:
                        cycle = [*path[path.index(successor) :], successor]
                        self.warnings.append("dependency cycle: " + " -> ".join(cycle))
                    elif mark == 0:
                        state[successor] = 1
                        path.append(successor)
                        stack.append((successor, iter(graph.get(successor, ()))))
                        advanced = True
                        break
                if not advanced:
                    state[node] = 2
                    path.pop()
                    stack.pop()


# --- helpers ------------------------------------------------------------------------------------
def _without_nested(step: dict[str, Any]) -> dict[str, Any]:
    arguments = step.get("Arguments")
    nested = nested_keys(step.get("Type"))
    if nested and isinstance(arguments, dict):
        arguments = {k: v for k, v in arguments.items() if k not in nested}
    return {k: (arguments if k == "Arguments" else v) for k, v in step.items() if k != "DependsOn"}


def _depends_on(raw: Any) -> list[str | None]:
    if raw is None:
        return []
    entries = raw if isinstance(raw, list) else [raw]
    out: list[str | None] = []
    for entry in entries:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict):
            name = entry.get("StepName") or entry.get("Name") or entry.get("Step")
            out.append(name if isinstance(name, str) else None)
        else:
            out.append(None)
    return out


def _dedupe(ports: list[Port]) -> tuple[Port, ...]:
    seen: set[tuple[str, str]] = set()
    out = []
    for port in ports:
        if (port.name, port.uri) not in seen:
            seen.add((port.name, port.uri))
            out.append(port)
    return tuple(out)


def normalize_uri(uri: str) -> str:
    """One spelling per dataset: no trailing slash, ``s3a://``/``s3n://`` read as ``s3://``."""
    for prefix in ("s3a://", "s3n://"):
        if uri.startswith(prefix):
            uri = "s3://" + uri[len(prefix) :]
    return uri.rstrip("/") if uri.count("/") > 2 else uri


def _artifacts(nodes: list[Node], warnings: list[str]) -> list[Artifact]:
    """One artifact per dataset path: ports are matched on :func:`~.datasets.match_path` (so
    ``eval//report.json`` meets ``eval/report.json``) while the artifact shows the URI as the first port
    spelled it. A read with no writer of its own is written by the steps writing the nearest prefix
    that holds it (a report under an evaluation output)."""
    by_path: dict[str, dict[str, Any]] = {}
    for node in nodes:
        for direction, ports in (("producers", node.outputs), ("consumers", node.inputs)):
            for port in ports:
                s3 = is_s3(port.uri)
                key = match_path(port.uri) if s3 else normalize_uri(port.uri)
                entry = by_path.get(key)
                if entry is None:
                    entry = by_path[key] = {"uri": port.uri, "kind": port.kind, "producers": [], "consumers": [],
                                            "resolved": port.resolved, "details": dict(port.details),
                                            "prefix": port.prefix, "s3": s3}
                elif entry["prefix"] is None:
                    entry["prefix"] = port.prefix
                if node.id not in entry[direction]:
                    entry[direction].append(node.id)
                if s3 and has_repeated_slash(port.uri):
                    role = "writes" if direction == "producers" else "reads"
                    warnings.append(
                        f"step {node.id!r} {role} {port.uri} ({port.name}): the key holds '//' (a Std:Join of a "
                        f"URI that ends in '/'?); S3 reads that key as written, other steps are matched on {key}")
    written = {key: entry for key, entry in by_path.items() if entry["producers"] and entry["s3"]
               and entry["prefix"] is not False}
    for key, entry in by_path.items():
        if entry["producers"] or not entry["consumers"] or not entry["s3"] or not _an_object(entry):
            continue
        for parent in ancestors(key):
            enclosing = written.get(parent)
            if enclosing is not None:
                entry["producers"] = [p for p in enclosing["producers"] if p not in entry["consumers"]]
                break
    artifacts = []
    for i, e in enumerate(by_path.values()):
        identity = None
        if e["s3"] and e["resolved"] and e["kind"] in ("s3", "code"):
            identity = dataset_id(e["uri"], prefix=e["prefix"])
        artifacts.append(Artifact(i, e["uri"], e["kind"], tuple(e["producers"]), tuple(e["consumers"]),
                                  e["resolved"], details=e["details"], dataset_id=identity))
    return artifacts


def _an_object(entry: Mapping[str, Any]) -> bool:
    """A single object, by its port's declaration or else by its name (``evaluation.json``)."""
    if entry["prefix"] is not None:
        return not entry["prefix"]
    return not looks_like_prefix(split_s3(entry["uri"])[1])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a graph is built.

    A definition of 10,000 steps is a million live objects; every full collection walks all of them, and
    building the graph allocates enough to trigger several, which made parsing superlinear. The graph is
    made of acyclic frozen dataclasses, so nothing waits for the collector meanwhile.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
