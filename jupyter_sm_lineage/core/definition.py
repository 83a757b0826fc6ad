"""Pipeline definition JSON -> :class:`~jupyter_sm_lineage.core.model.Graph` (pure, no AWS).

Every step type the SageMaker Python SDK renders is understood (its inputs, outputs and resources
read from its Arguments); a type this version does not know keeps its Type, is marked
``known=False`` and carries its raw arguments. Malformed definitions give a graph with warnings
(missing references, cycles, duplicate names) or, when not even JSON, an :class:`InvalidRequest`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidRequest
from .expressions import Rendered, is_expression, lookup, parse_path, references, render, split_step_reference
from .model import Artifact, Edge, Graph, Node, Parameter, Port

#: Larger definitions are refused outright (the service's own limit is far below this).
MAX_DEFINITION_BYTES = 32 * 1024 * 1024

KNOWN_TYPES = frozenset(
    {
        "Processing", "Training", "Tuning", "Transform", "Model", "CreateModel", "RegisterModel",
        "Condition", "Fail", "Lambda", "Callback", "EMR", "EMRServerless", "ClarifyCheck", "QualityCheck",
        "AutoML", "Endpoint", "EndpointConfig", "ForEach", "Cleanup",
    }
)

_JOB_NAME_PROPERTY = {
    "Processing": "ProcessingJobName",
    "Training": "TrainingJobName",
    "Transform": "TransformJobName",
    "Tuning": "HyperParameterTuningJobName",
    "AutoML": "AutoMLJobName",
    "QualityCheck": "ProcessingJobName",
    "ClarifyCheck": "ProcessingJobName",
}


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
            nested = list(_nested_steps(step))
            stack.extend((child, name, child_branch) for child_branch, child in reversed(nested))

    # --- the resolver the expressions see -------------------------------------------------------
    def parameter(self, name: str) -> Any | None:
        if name in self.context.parameters:
            return self.context.parameters[name]
        return None

    def execution(self, name: str) -> Any | None:
        return self.context.execution.get(name)

    def step_property(self, step: str, path: str, depth: int) -> Rendered | None:
        key = (step, path)
        if key in self.context.properties:
            return render(self.context.properties[key], None, depth)
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
        step_type = str(definition.get("Type", ""))
        tokens = parse_path(path)
        if tokens == [_JOB_NAME_PROPERTY.get(step_type, "")]:
            job = self.context.job_names.get(step)
            return Rendered(job, True) if job else None
        arguments = definition.get("Arguments")
        if step_type == "Training" and tokens == ["ModelArtifacts", "S3ModelArtifacts"]:
            return self._model_artifact(step, arguments, depth)
        found = lookup(arguments, tokens)
        if found is None:
            return None
        return render(found, self, depth)

    def _model_artifact(self, step: str, arguments: Any, depth: int) -> Rendered:
        base = render(lookup(arguments, ["OutputDataConfig", "S3OutputPath"]), self, depth)
        job = self.context.job_names.get(step)
        job_text = job or "{Steps." + step + ".TrainingJobName}"
        return Rendered(f"{base.text.rstrip('/')}/{job_text}/output/model.tar.gz", base.resolved and bool(job))

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
                clone._templates = clone
                self._templates = clone
        return self._templates

    # --- ports ----------------------------------------------------------------------------------
    def port(self, name: str, value: Any, kind: str = "s3", details: Mapping[str, Any] | None = None) -> Port | None:
        if value is None:
            return None
        rendered = render(value, self)
        template = render(value, self.templates).text
        if not rendered.text:
            return None
        return Port(name, rendered.text, template, kind, rendered.resolved, dict(details or {}))

    # --- the graph ------------------------------------------------------------------------------
    def build(self) -> Graph:
        nodes = [self._node(name, step) for name, step in self.steps.items()]
        edges = self._edges()
        self._check_cycles(edges)
        artifacts = _artifacts(nodes)
        return Graph(tuple(nodes), tuple(edges), tuple(artifacts), self.parameters, tuple(self.warnings))

    def _node(self, name: str, step: dict[str, Any]) -> Node:
        step_type = str(step.get("Type", "Unknown"))
        arguments = step.get("Arguments")
        parent, branch = self.placement[name]
        extractor = _EXTRACTORS.get(step_type)
        inputs: list[Port] = []
        outputs: list[Port] = []
        properties: dict[str, Any] = {}
        known = extractor is not None
        self.current_step = name
        if extractor is not None and isinstance(arguments, dict):
            try:
                extractor(self, arguments, inputs, outputs, properties)
            except (TypeError, AttributeError, ValueError) as exc:
                self.warnings.append(f"step {name!r}: arguments not understood ({exc}); shown raw")
                known = False
        elif extractor is not None and arguments is not None and step_type not in ("Condition", "Fail"):
            self.warnings.append(f"step {name!r}: Arguments is not an object")
        for key in ("CacheConfig", "RetryPolicies"):
            if key in step:
                properties[key[0].lower() + key[1:]] = step[key]
        if step_type == "Fail":
            message = arguments.get("ErrorMessage") if isinstance(arguments, dict) else None
            properties["errorMessage"] = render(message, self).text
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


# --- per-type extractors ----------------------------------------------------------------------
Extractor = Callable[[_Builder, dict[str, Any], list[Port], list[Port], dict[str, Any]], None]


def _add(ports: list[Port], port: Port | None) -> None:
    if port is not None:
        ports.append(port)


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _resources(b: _Builder, props: dict[str, Any], cluster: Any) -> None:
    if isinstance(cluster, dict):
        for key, name in (("InstanceType", "instanceType"), ("InstanceCount", "instanceCount"),
                          ("VolumeSizeInGB", "volumeSizeInGB")):
            if key in cluster:
                props[name] = render(cluster[key], b).text


def _processing(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
                props: dict[str, Any]) -> None:
    for item in _items(args.get("ProcessingInputs")):
        name = str(item.get("InputName", "input"))
        if isinstance(item.get("S3Input"), dict):
            # The SDK uploads the script as an input named "code": lineage of code, not of data.
            kind = "code" if name in _CODE_INPUTS else "s3"
            _add(inputs, b.port(name, item["S3Input"].get("S3Uri"), kind=kind))
        dataset = item.get("DatasetDefinition")
        if isinstance(dataset, dict):
            inputs.extend(_dataset_definition(b, name, dataset))
    for item in _items(lookup(args, ["ProcessingOutputConfig", "Outputs"])):
        name = str(item.get("OutputName", "output"))
        if isinstance(item.get("S3Output"), dict):
            _add(outputs, b.port(name, item["S3Output"].get("S3Uri")))
        feature_store = item.get("FeatureStoreOutput")
        if isinstance(feature_store, dict) and feature_store.get("FeatureGroupName"):
            group = render(feature_store["FeatureGroupName"], b).text
            _add(outputs, b.port(name, f"featuregroup://{group}", kind="feature-group"))
    _resources(b, props, lookup(args, ["ProcessingResources", "ClusterConfig"]))
    image = lookup(args, ["AppSpecification", "ImageUri"])
    if image is not None:
        props["image"] = render(image, b).text


_CODE_INPUTS = frozenset({"code", "entrypoint", "dependencies", "source_dir", "sourcedir"})


def _dataset_definition(b: _Builder, name: str, dataset: dict[str, Any]) -> list[Port]:
    """Athena/Redshift query inputs: the query itself, and the S3 location its result lands in."""
    ports: list[Port] = []
    for key, kind in (("AthenaDatasetDefinition", "athena"), ("RedshiftDatasetDefinition", "redshift")):
        spec = dataset.get(key)
        if not isinstance(spec, dict):
            continue
        query = render(spec.get("QueryString"), b).text
        if kind == "athena":
            catalog = render(spec.get("Catalog", "AwsDataCatalog"), b).text
            where = f"athena://{catalog}/{render(spec.get('Database'), b).text}"
        else:
            where = f"redshift://{render(spec.get('ClusterId'), b).text}/{render(spec.get('Database'), b).text}"
        details = {
            "query": query,
            "outputS3Uri": render(spec.get("OutputS3Uri"), b).text,
            "outputFormat": render(spec.get("OutputFormat"), b).text,
        }
        for source in _query_sources(query, kind):
            _add(ports, b.port(name, f"{where}/{source}", kind=f"{kind}-table", details={"query": query}))
        if not ports:
            _add(ports, b.port(name, where, kind=kind, details=details))
    return ports


def _query_sources(query: str, kind: str) -> list[str]:
    """The tables a dataset-definition query reads, through the SQL lineage extractor when present."""
    try:
        from .sql import sql_lineage
    except ImportError:  # pragma: no cover - the SQL module is part of the package
        return []
    try:
        result = sql_lineage(query, dialect="athena" if kind == "athena" else "redshift")
    except Exception:  # the extractor reports errors itself; a query it cannot read adds no tables
        return []
    return sorted(getattr(result, "sources", ()) or ())


def _training(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
              props: dict[str, Any]) -> None:
    for item in _items(args.get("InputDataConfig")):
        _add(inputs, b.port(str(item.get("ChannelName", "train")),
                            lookup(item, ["DataSource", "S3DataSource", "S3Uri"])))
    if lookup(args, ["OutputDataConfig", "S3OutputPath"]) is not None:
        rendered = b.step_property(b.current_step, "ModelArtifacts.S3ModelArtifacts", 0)
        template = b.templates.step_property(b.current_step, "ModelArtifacts.S3ModelArtifacts", 0)
        if rendered is not None and template is not None:
            outputs.append(Port("model", rendered.text, template.text, "s3", rendered.resolved))
    checkpoint = lookup(args, ["CheckpointConfig", "S3Uri"])
    if checkpoint is not None:
        _add(outputs, b.port("checkpoints", checkpoint))
    _resources(b, props, args.get("ResourceConfig"))
    image = lookup(args, ["AlgorithmSpecification", "TrainingImage"])
    if image is not None:
        props["image"] = render(image, b).text


def _tuning(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    definitions = _items(args.get("TrainingJobDefinitions"))
    if isinstance(args.get("TrainingJobDefinition"), dict):
        definitions.insert(0, args["TrainingJobDefinition"])
    for definition in definitions:
        for item in _items(definition.get("InputDataConfig")):
            _add(inputs, b.port(str(item.get("ChannelName", "train")),
                                lookup(item, ["DataSource", "S3DataSource", "S3Uri"])))
        _add(outputs, b.port("models", lookup(definition, ["OutputDataConfig", "S3OutputPath"])))
        _resources(b, props, definition.get("ResourceConfig"))
    strategy = lookup(args, ["HyperParameterTuningJobConfig", "Strategy"])
    if strategy is not None:
        props["strategy"] = render(strategy, b).text


def _transform(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
               props: dict[str, Any]) -> None:
    _add(inputs, b.port("input", lookup(args, ["TransformInput", "DataSource", "S3DataSource", "S3Uri"])))
    _add(outputs, b.port("output", lookup(args, ["TransformOutput", "S3OutputPath"])))
    _resources(b, props, args.get("TransformResources"))
    if "ModelName" in args:
        props["modelName"] = render(args["ModelName"], b).text


def _containers(args: dict[str, Any], key: str = "Containers") -> list[dict[str, Any]]:
    containers = _items(args.get(key))
    if isinstance(args.get("PrimaryContainer"), dict):
        containers.insert(0, args["PrimaryContainer"])
    return containers


def _model(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    for container in _containers(args):
        _add(inputs, b.port("model", container.get("ModelDataUrl")))
        if "Image" in container:
            props.setdefault("image", render(container["Image"], b).text)


def _register_model(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
                    props: dict[str, Any]) -> None:
    for container in _containers(lookup(args, ["InferenceSpecification"]) or {}):
        _add(inputs, b.port("model", container.get("ModelDataUrl")))
        if "Image" in container:
            props.setdefault("image", render(container["Image"], b).text)
    for section in ("ModelMetrics", "DriftCheckBaselines"):
        for group, members in (args.get(section) or {}).items() if isinstance(args.get(section), dict) else ():
            for member, spec in members.items() if isinstance(members, dict) else ():
                if isinstance(spec, dict) and "S3Uri" in spec:
                    _add(inputs, b.port(f"{section}.{group}.{member}", spec["S3Uri"]))
    for key, name in (("ModelPackageGroupName", "modelPackageGroup"), ("ModelApprovalStatus", "approvalStatus")):
        if key in args:
            props[name] = render(args[key], b).text


def _automl(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    for item in _items(args.get("InputDataConfig")) + _items(args.get("AutoMLJobInputDataConfig")):
        _add(inputs, b.port(str(item.get("ChannelType", "training")),
                            lookup(item, ["DataSource", "S3DataSource", "S3Uri"])))
    _add(outputs, b.port("output", lookup(args, ["OutputDataConfig", "S3OutputPath"])))


def _check(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    _processing(b, args, inputs, outputs, props)
    for key in ("CheckType", "ModelPackageGroupName", "SkipCheck", "RegisterNewBaseline", "SuppliedBaselineStatistics",
                "SuppliedBaselineConstraints"):
        if key in args:
            props[key[0].lower() + key[1:]] = render(args[key], b).text


_S3_WORD = re.compile(r"s3a?://[^\s,'\"]+")
_OUTPUT_FLAG = re.compile(r"out|dest|target|write|sink|save", re.IGNORECASE)


def _scanned(b: _Builder, args: Any, inputs: list[Port], outputs: list[Port]) -> None:
    """Steps that run user code (EMR, Lambda, Callback): S3 URIs among their arguments, outputs told by flag."""
    previous = ""
    for value in _leaves(args):
        text = render(value, b).text if not isinstance(value, str) else value
        for uri in _S3_WORD.findall(text):
            target = outputs if _OUTPUT_FLAG.search(previous) else inputs
            _add(target, b.port("output" if target is outputs else "input", uri))
        previous = text if not text.startswith("s3") else previous


def _leaves(value: Any) -> Iterable[Any]:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > 64:
            continue
        if isinstance(item, dict) and "Get" not in item and "Std:Join" not in item:
            stack.extend((v, depth + 1) for v in reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in reversed(item))
        else:
            yield item


def _emr(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    _scanned(b, args.get("StepConfig") or args.get("JobDriver") or args, inputs, outputs)
    for key, name in (("ClusterId", "clusterId"), ("ApplicationId", "applicationId")):
        if key in args:
            props[name] = render(args[key], b).text


def _lambda(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    _scanned(b, args, inputs, outputs)


def _condition(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
               props: dict[str, Any]) -> None:
    props["conditions"] = [_condition_text(b, c) for c in _items(args.get("Conditions"))]


_OPERATORS = {
    "Equals": "==", "GreaterThan": ">", "GreaterThanOrEqualTo": ">=", "LessThan": "<", "LessThanOrEqualTo": "<=",
}


def _condition_text(b: _Builder, condition: dict[str, Any]) -> str:
    kind = str(condition.get("Type", "?"))
    if kind in _OPERATORS:
        left = render(condition.get("LeftValue"), b).text
        right = render(condition.get("RightValue"), b).text
        return f"{left} {_OPERATORS[kind]} {right}"
    if kind == "Not":
        return f"not ({_condition_text(b, condition.get('Condition') or {})})"
    if kind == "Or":
        return " or ".join(f"({_condition_text(b, c)})" for c in _items(condition.get("Conditions")))
    if kind == "In":
        values = ", ".join(render(v, b).text for v in condition.get("RightValue") or [])
        return f"{render(condition.get('QueryValue'), b).text} in [{values}]"
    return kind


def _endpoint(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
              props: dict[str, Any]) -> None:
    for key in ("EndpointName", "EndpointConfigName"):
        if key in args:
            props[key[0].lower() + key[1:]] = render(args[key], b).text
    models = [render(v.get("ModelName"), b).text for v in _items(args.get("ProductionVariants"))]
    if models:
        props["models"] = models


def _nothing(b: _Builder, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    return None


_EXTRACTORS: dict[str, Extractor] = {
    "Processing": _processing,
    "Training": _training,
    "Tuning": _tuning,
    "Transform": _transform,
    "Model": _model,
    "CreateModel": _model,
    "RegisterModel": _register_model,
    "AutoML": _automl,
    "QualityCheck": _check,
    "ClarifyCheck": _check,
    "EMR": _emr,
    "EMRServerless": _emr,
    "Lambda": _lambda,
    "Callback": _lambda,
    "Condition": _condition,
    "Fail": _nothing,
    "Endpoint": _endpoint,
    "EndpointConfig": _endpoint,
    "ForEach": _nothing,
    "Cleanup": _nothing,
}


# --- helpers ------------------------------------------------------------------------------------
def _nested_steps(step: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    """Steps written inside a step: a Condition's if/else branches, a ForEach body."""
    arguments = step.get("Arguments")
    if not isinstance(arguments, dict):
        return
    if step.get("Type") == "Condition":
        for key, branch in (("IfSteps", "if"), ("ElseSteps", "else")):
            children = arguments.get(key)
            for child in (children if isinstance(children, list) else []):
                yield branch, child
    elif step.get("Type") == "ForEach":
        for key in ("ForEachBody", "Steps", "Body", "LoopSteps"):
            body = arguments.get(key)
            for child in (body if isinstance(body, list) else []):
                yield "body", child


def _without_nested(step: dict[str, Any]) -> dict[str, Any]:
    arguments = step.get("Arguments")
    if step.get("Type") in ("Condition", "ForEach") and isinstance(arguments, dict):
        nested = ("IfSteps", "ElseSteps", "ForEachBody", "Steps", "Body", "LoopSteps")
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


def _artifacts(nodes: list[Node]) -> list[Artifact]:
    by_uri: dict[str, dict[str, Any]] = {}
    for node in nodes:
        for direction, ports in (("producers", node.outputs), ("consumers", node.inputs)):
            for port in ports:
                key = normalize_uri(port.uri)
                entry = by_uri.setdefault(
                    key,
                    {"uri": port.uri, "kind": port.kind, "producers": [], "consumers": [], "resolved": port.resolved,
                     "details": dict(port.details)},
                )
                if node.id not in entry[direction]:
                    entry[direction].append(node.id)
    return [
        Artifact(i, e["uri"], e["kind"], tuple(e["producers"]), tuple(e["consumers"]), e["resolved"],
                 details=e["details"])
        for i, e in enumerate(by_uri.values())
    ]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
