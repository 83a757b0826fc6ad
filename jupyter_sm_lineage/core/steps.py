"""The registry of step kinds: everything the project knows about a SageMaker pipeline step type, in one place.

A :class:`StepKind` says, for one ``Type`` of a pipeline definition's step:

- what it reads and writes: an ``extract`` function that reads the step's ``Arguments`` into input and
  output ports (and display properties such as the instance type), and which arguments hold nested steps;
- which job describes it: the key of its entry in ListPipelineExecutionSteps ``Metadata`` and the
  :class:`JobKind` behind that key (its describe operation, name parameter and status key, the run's
  ``jobType``, its console page, and the step properties an execution's metadata gives);
- what its run facet and display carry: the OpenLineage ``jobType`` of its job facet, and a short label.

:mod:`.definition`, :mod:`.execution`, :mod:`.service` and the exporter read these declarations;
adding a step type is one :func:`register` call here (or in a plug-in)::

    register(StepKind("MyStep", extract=my_extractor, metadata="ProcessingJob", openlineage="MY_STEP"))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .expressions import Rendered, Resolver, lookup, render
from .model import Port


class Reader(Resolver, Protocol):
    """What an extractor sees of the definition builder: expressions rendered, ports made."""

    current_step: str

    def job_name(self, step: str) -> str | None: ...

    def port(self, name: str, value: Any, kind: str = "s3", details: Mapping[str, Any] | None = None,
             prefix: bool | None = None) -> Port | None: ...

    @property
    def templates(self) -> Reader: ...


#: Reads a step's Arguments: ``extract(reader, arguments, inputs, outputs, properties)`` appends ports.
Extractor = Callable[[Reader, dict[str, Any], list[Port], list[Port], dict[str, Any]], None]
#: Computes a step property the definition implies but does not spell out (a model artifact's URI).
PropertyRule = Callable[[Reader, str, Any, int], Rendered | None]


@dataclass(frozen=True)
class JobKind:
    """What a step's entry in ListPipelineExecutionSteps ``Metadata`` is, and how to describe it."""

    #: The Metadata member: ``ProcessingJob``, ``TrainingJob``, ``Model``, ``Lambda``, ...
    metadata: str
    #: The run overlay's ``jobType``: ``processing-job``, ``model-package``, ...
    run_type: str
    #: The SageMaker console page of the job (``#/{console}/{name}``), when there is one.
    console: str | None = None
    #: boto3 describe operation, its name parameter and the describe's status key (``None``: not described).
    describe: tuple[str, str, str] | None = None
    #: Step properties the job's name and ARN give, e.g. ``{"ProcessingJobName": "name", "ProcessingJobArn": "arn"}``.
    properties: Mapping[str, str] = field(default_factory=dict)
    #: The job's name is the ARN's text after this marker (default: after the last ``/``).
    name_after: str | None = None
    #: The ARN names a job the definition refers to by name (``{Steps.X.ProcessingJobName}``).
    names_job: bool = False
    #: Described even when the definition resolved every port (a training job's final metrics).
    always_describe: bool = False

    def name_of(self, arn: str) -> str:
        if self.name_after and self.name_after in arn:
            return arn.split(self.name_after, 1)[1]
        return arn.rsplit("/", 1)[-1]

    def known_properties(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Every step property this Metadata entry resolves: declared ones from the ARN, the entry's own
        scalar members (``ClusterId``, ``CalculatedBaselineConstraints``, ...) and ``OutputParameters``."""
        out: dict[str, Any] = {}
        arn = entry.get("Arn") or entry.get("CheckJobArn")
        for key, value in entry.items():
            if isinstance(value, (str, int, float, bool)) and key not in ("Arn",):
                out[key] = value
        if isinstance(arn, str) and arn:
            for path, source in self.properties.items():
                out[path] = arn if source == "arn" else self.name_of(arn)
        parameters = entry.get("OutputParameters")
        if isinstance(parameters, list):
            for parameter in parameters:
                if isinstance(parameter, Mapping) and isinstance(parameter.get("Name"), str):
                    out[f"OutputParameters['{parameter['Name']}']"] = parameter.get("Value")
        return out


@dataclass(frozen=True)
class StepKind:
    """One step ``Type`` of a pipeline definition."""

    type: str
    #: Reads the Arguments into ports and properties; None: a type known by name only (shown raw).
    extract: Extractor | None = None
    #: The ListPipelineExecutionSteps Metadata member its run reports (see :data:`JOB_KINDS`).
    metadata: str | None = None
    #: The step type whose extractor reads this step's job describe (a QualityCheck's processing job).
    describe_as: str | None = None
    #: OpenLineage ``jobType`` of its job facet (default: the type in upper snake case).
    openlineage: str | None = None
    #: Arguments members holding nested steps, with the branch they are: ``(("IfSteps", "if"), ...)``.
    nested: tuple[tuple[str, str], ...] = ()
    #: Arguments may be absent or not an object without a warning (a Condition, a Fail).
    arguments_optional: bool = False
    #: Step properties computed from the arguments: ``{"ModelArtifacts.S3ModelArtifacts": rule}``.
    computed: Mapping[str, PropertyRule] = field(default_factory=dict)
    #: A short label for displays ("Processing job").
    label: str | None = None

    @property
    def job(self) -> JobKind | None:
        return JOB_KINDS.get(self.metadata) if self.metadata else None

    @property
    def job_type(self) -> str:
        """The OpenLineage jobType: declared, or ``MyStep`` -> ``MY_STEP``."""
        return self.openlineage or openlineage_job_type(self.type)


def openlineage_job_type(step_type: str) -> str:
    known = STEP_KINDS.get(step_type)
    if known is not None and known.openlineage:
        return known.openlineage
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", step_type).upper() or "STEP"


def _prefix_type(data_type: Any) -> bool | None:
    """What an input's ``S3DataType`` tells: a manifest file is an object. ``S3Prefix`` tells nothing: the
    SDK writes it for every input, a script file included, so the URI's own spelling decides."""
    if isinstance(data_type, str) and "Manifest" in data_type:
        return False
    return None


# --- extractors: what each kind reads and writes -------------------------------------------------
def _add(ports: list[Port], port: Port | None) -> None:
    if port is not None:
        ports.append(port)


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _resources(b: Reader, props: dict[str, Any], cluster: Any) -> None:
    if isinstance(cluster, dict):
        for key, name in (("InstanceType", "instanceType"), ("InstanceCount", "instanceCount"),
                          ("VolumeSizeInGB", "volumeSizeInGB")):
            if key in cluster:
                props[name] = render(cluster[key], b).text


def _processing(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
                props: dict[str, Any]) -> None:
    for item in _items(args.get("ProcessingInputs")):
        name = str(item.get("InputName", "input"))
        if isinstance(item.get("S3Input"), dict):
            # The SDK uploads the script as an input named "code": lineage of code, not of data.
            kind = "code" if name in _CODE_INPUTS else "s3"
            _add(inputs, b.port(name, item["S3Input"].get("S3Uri"), kind=kind,
                                 prefix=_prefix_type(item["S3Input"].get("S3DataType"))))
        dataset = item.get("DatasetDefinition")
        if isinstance(dataset, dict):
            inputs.extend(_dataset_definition(b, name, dataset))
    for item in _items(lookup(args, ["ProcessingOutputConfig", "Outputs"])):
        name = str(item.get("OutputName", "output"))
        if isinstance(item.get("S3Output"), dict):
            _add(outputs, b.port(name, item["S3Output"].get("S3Uri"), prefix=True))
        feature_store = item.get("FeatureStoreOutput")
        if isinstance(feature_store, dict) and feature_store.get("FeatureGroupName"):
            group = render(feature_store["FeatureGroupName"], b).text
            _add(outputs, b.port(name, f"featuregroup://{group}", kind="feature-group"))
    _resources(b, props, lookup(args, ["ProcessingResources", "ClusterConfig"]))
    image = lookup(args, ["AppSpecification", "ImageUri"])
    if image is not None:
        props["image"] = render(image, b).text


_CODE_INPUTS = frozenset({"code", "entrypoint", "dependencies", "source_dir", "sourcedir"})


def _dataset_definition(b: Reader, name: str, dataset: dict[str, Any]) -> list[Port]:
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


def _training(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
              props: dict[str, Any]) -> None:
    for item in _items(args.get("InputDataConfig")):
        _add(inputs, b.port(str(item.get("ChannelName", "train")),
                            lookup(item, ["DataSource", "S3DataSource", "S3Uri"]),
                            prefix=_prefix_type(lookup(item, ["DataSource", "S3DataSource", "S3DataType"]))))
    if lookup(args, ["OutputDataConfig", "S3OutputPath"]) is not None:
        rendered = b.step_property(b.current_step, "ModelArtifacts.S3ModelArtifacts", 0)
        template = b.templates.step_property(b.current_step, "ModelArtifacts.S3ModelArtifacts", 0)
        if rendered is not None and template is not None:
            outputs.append(Port("model", rendered.text, template.text, "s3", rendered.resolved, prefix=False))
    checkpoint = lookup(args, ["CheckpointConfig", "S3Uri"])
    if checkpoint is not None:
        _add(outputs, b.port("checkpoints", checkpoint, prefix=True))
    _resources(b, props, args.get("ResourceConfig"))
    image = lookup(args, ["AlgorithmSpecification", "TrainingImage"])
    if image is not None:
        props["image"] = render(image, b).text


def _tuning(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    definitions = _items(args.get("TrainingJobDefinitions"))
    if isinstance(args.get("TrainingJobDefinition"), dict):
        definitions.insert(0, args["TrainingJobDefinition"])
    for definition in definitions:
        for item in _items(definition.get("InputDataConfig")):
            _add(inputs, b.port(str(item.get("ChannelName", "train")),
                                lookup(item, ["DataSource", "S3DataSource", "S3Uri"]),
                                prefix=_prefix_type(lookup(item, ["DataSource", "S3DataSource", "S3DataType"]))))
        _add(outputs, b.port("models", lookup(definition, ["OutputDataConfig", "S3OutputPath"]), prefix=True))
        _resources(b, props, definition.get("ResourceConfig"))
    strategy = lookup(args, ["HyperParameterTuningJobConfig", "Strategy"])
    if strategy is not None:
        props["strategy"] = render(strategy, b).text


def _transform(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
               props: dict[str, Any]) -> None:
    source = lookup(args, ["TransformInput", "DataSource", "S3DataSource"])
    _add(inputs, b.port("input", lookup(source, ["S3Uri"]), prefix=_prefix_type(lookup(source, ["S3DataType"]))))
    _add(outputs, b.port("output", lookup(args, ["TransformOutput", "S3OutputPath"]), prefix=True))
    _resources(b, props, args.get("TransformResources"))
    if "ModelName" in args:
        props["modelName"] = render(args["ModelName"], b).text


def _containers(args: dict[str, Any], key: str = "Containers") -> list[dict[str, Any]]:
    containers = _items(args.get(key))
    if isinstance(args.get("PrimaryContainer"), dict):
        containers.insert(0, args["PrimaryContainer"])
    return containers


def _model(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    for container in _containers(args):
        _add(inputs, b.port("model", container.get("ModelDataUrl"), prefix=False))
        if "Image" in container:
            props.setdefault("image", render(container["Image"], b).text)


def _register_model(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
                    props: dict[str, Any]) -> None:
    for container in _containers(lookup(args, ["InferenceSpecification"]) or {}):
        _add(inputs, b.port("model", container.get("ModelDataUrl"), prefix=False))
        if "Image" in container:
            props.setdefault("image", render(container["Image"], b).text)
    for section in ("ModelMetrics", "DriftCheckBaselines"):
        for group, members in (args.get(section) or {}).items() if isinstance(args.get(section), dict) else ():
            for member, spec in members.items() if isinstance(members, dict) else ():
                if isinstance(spec, dict) and "S3Uri" in spec:
                    _add(inputs, b.port(f"{section}.{group}.{member}", spec["S3Uri"], prefix=False))
    for key, name in (("ModelPackageGroupName", "modelPackageGroup"), ("ModelApprovalStatus", "approvalStatus")):
        if key in args:
            props[name] = render(args[key], b).text


def _automl(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    for item in _items(args.get("InputDataConfig")) + _items(args.get("AutoMLJobInputDataConfig")):
        _add(inputs, b.port(str(item.get("ChannelType", "training")),
                            lookup(item, ["DataSource", "S3DataSource", "S3Uri"]),
                            prefix=_prefix_type(lookup(item, ["DataSource", "S3DataSource", "S3DataType"]))))
    _add(outputs, b.port("output", lookup(args, ["OutputDataConfig", "S3OutputPath"]), prefix=True))


def _check(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    _processing(b, args, inputs, outputs, props)
    for key in ("CheckType", "ModelPackageGroupName", "SkipCheck", "RegisterNewBaseline", "SuppliedBaselineStatistics",
                "SuppliedBaselineConstraints"):
        if key in args:
            props[key[0].lower() + key[1:]] = render(args[key], b).text


_S3_WORD = re.compile(r"s3a?://[^\s,'\"]+")
_OUTPUT_FLAG = re.compile(r"out|dest|target|write|sink|save", re.IGNORECASE)


def _scanned(b: Reader, args: Any, inputs: list[Port], outputs: list[Port]) -> None:
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


def _emr(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    _scanned(b, args.get("StepConfig") or args.get("JobDriver") or args, inputs, outputs)
    for key, name in (("ClusterId", "clusterId"), ("ApplicationId", "applicationId")):
        if key in args:
            props[name] = render(args[key], b).text


def _lambda(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    _scanned(b, args, inputs, outputs)


def _condition(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
               props: dict[str, Any]) -> None:
    props["conditions"] = [_condition_text(b, c) for c in _items(args.get("Conditions"))]


_OPERATORS = {
    "Equals": "==", "GreaterThan": ">", "GreaterThanOrEqualTo": ">=", "LessThan": "<", "LessThanOrEqualTo": "<=",
}


def _condition_text(b: Reader, condition: dict[str, Any]) -> str:
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


def _endpoint(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
              props: dict[str, Any]) -> None:
    for key in ("EndpointName", "EndpointConfigName"):
        if key in args:
            props[key[0].lower() + key[1:]] = render(args[key], b).text
    models = [render(v.get("ModelName"), b).text for v in _items(args.get("ProductionVariants"))]
    if models:
        props["models"] = models


def _nothing(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    return None


def _fail(b: Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port], props: dict[str, Any]) -> None:
    props["errorMessage"] = render(args.get("ErrorMessage"), b).text


def _model_artifact(b: Reader, step: str, arguments: Any, depth: int) -> Rendered:
    """A training job's model lands at ``{S3OutputPath}/{job name}/output/model.tar.gz``."""
    base = render(lookup(arguments, ["OutputDataConfig", "S3OutputPath"]), b, depth)
    job = b.job_name(step)
    job_text = job or "{Steps." + step + ".TrainingJobName}"
    return Rendered(f"{base.text.rstrip('/')}/{job_text}/output/model.tar.gz", base.resolved and bool(job))


# --- the registry ----------------------------------------------------------------------------------
def _job(metadata: str, run_type: str, console: str | None = None, describe: str | None = None,
         name: str | None = None, status: str | None = None, name_after: str | None = None,
         names_job: bool = False, always_describe: bool = False, **properties: str) -> JobKind:
    return JobKind(metadata, run_type, console, (describe, name, status) if describe and name and status else None,
                   properties, name_after, names_job, always_describe)


_PROCESSING_DESCRIBE = ("describe_processing_job", "ProcessingJobName", "ProcessingJobStatus")
_PROCESSING_PROPERTIES = {"ProcessingJobName": "name", "ProcessingJobArn": "arn"}

#: ListPipelineExecutionSteps Metadata member -> what it is (botocore's PipelineExecutionStepMetadata).
JOB_KINDS: dict[str, JobKind] = {
    job.metadata: job
    for job in (
        JobKind("ProcessingJob", "processing-job", "processing-jobs", _PROCESSING_DESCRIBE, _PROCESSING_PROPERTIES,
                names_job=True),
        _job("TrainingJob", "training-job", "jobs", "describe_training_job", "TrainingJobName", "TrainingJobStatus",
             names_job=True, always_describe=True,
             TrainingJobName="name", TrainingJobArn="arn"),
        _job("TransformJob", "transform-job", "transform-jobs", "describe_transform_job", "TransformJobName",
             "TransformJobStatus", names_job=True, TransformJobName="name", TransformJobArn="arn"),
        _job("TuningJob", "hyper-parameter-tuning-job", "hyper-tuning-jobs", "describe_hyper_parameter_tuning_job",
             "HyperParameterTuningJobName", "HyperParameterTuningJobStatus", names_job=True,
             HyperParameterTuningJobName="name", HyperParameterTuningJobArn="arn"),
        _job("AutoMLJob", "automl-job", "automl", "describe_auto_ml_job", "AutoMLJobName", "AutoMLJobStatus",
             names_job=True,
             AutoMLJobName="name", AutoMLJobArn="arn"),
        _job("Model", "model", "models", ModelName="name", ModelArn="arn"),
        _job("RegisterModel", "model-package", "model-packages", name_after="model-package/",
             ModelPackageArn="arn"),
        _job("Lambda", "lambda"),
        _job("Callback", "callback"),
        _job("EMR", "emr"),
        _job("EMRServerless", "emr-serverless"),
        JobKind("QualityCheck", "processing-job", None, _PROCESSING_DESCRIBE, _PROCESSING_PROPERTIES, names_job=True),
        JobKind("ClarifyCheck", "processing-job", None, _PROCESSING_DESCRIBE, _PROCESSING_PROPERTIES, names_job=True),
        _job("Endpoint", "endpoint", "endpoints", names_job=True, EndpointName="name", EndpointArn="arn"),
        _job("EndpointConfig", "endpoint-config", "endpointConfig", names_job=True, EndpointConfigName="name",
             EndpointConfigArn="arn"),
    )
}

_FOR_EACH_BODY = (("ForEachBody", "body"), ("Steps", "body"), ("Body", "body"), ("LoopSteps", "body"))

STEP_KINDS: dict[str, StepKind] = {
    kind.type: kind
    for kind in (
        StepKind("Processing", _processing, "ProcessingJob", openlineage="PROCESSING_JOB", label="Processing job"),
        StepKind("Training", _training, "TrainingJob", openlineage="TRAINING_JOB", label="Training job",
                 computed={"ModelArtifacts.S3ModelArtifacts": _model_artifact}),
        StepKind("Tuning", _tuning, "TuningJob", openlineage="TUNING_JOB", label="Tuning job"),
        StepKind("Transform", _transform, "TransformJob", openlineage="TRANSFORM_JOB", label="Batch transform"),
        StepKind("Model", _model, "Model", openlineage="CREATE_MODEL", label="Model"),
        StepKind("CreateModel", _model, "Model", openlineage="CREATE_MODEL", label="Model"),
        StepKind("RegisterModel", _register_model, "RegisterModel", openlineage="REGISTER_MODEL",
                 label="Model package"),
        StepKind("AutoML", _automl, "AutoMLJob", openlineage="AUTOML_JOB", label="AutoML job"),
        StepKind("QualityCheck", _check, "QualityCheck", describe_as="Processing", openlineage="QUALITY_CHECK",
                 label="Quality check"),
        StepKind("ClarifyCheck", _check, "ClarifyCheck", describe_as="Processing", openlineage="CLARIFY_CHECK",
                 label="Clarify check"),
        StepKind("EMR", _emr, "EMR", openlineage="EMR", label="EMR step"),
        StepKind("EMRServerless", _emr, "EMRServerless", openlineage="EMR_SERVERLESS", label="EMR Serverless job"),
        StepKind("Lambda", _lambda, "Lambda", openlineage="LAMBDA", label="Lambda"),
        StepKind("Callback", _lambda, "Callback", openlineage="CALLBACK", label="Callback"),
        StepKind("Condition", _condition, openlineage="CONDITION", arguments_optional=True,
                 nested=(("IfSteps", "if"), ("ElseSteps", "else")), label="Condition"),
        StepKind("Fail", _fail, openlineage="FAIL", arguments_optional=True, label="Fail"),
        StepKind("Endpoint", _endpoint, "Endpoint", openlineage="ENDPOINT", label="Endpoint"),
        StepKind("EndpointConfig", _endpoint, "EndpointConfig", openlineage="ENDPOINT_CONFIG",
                 label="Endpoint config"),
        StepKind("ForEach", _nothing, openlineage="FOR_EACH", nested=_FOR_EACH_BODY, label="For each"),
        StepKind("Cleanup", _nothing, openlineage="CLEANUP", label="Cleanup"),
        # Known by name only: their arguments are shown raw.
        StepKind("Notebook", openlineage="NOTEBOOK_JOB", label="Notebook job"),
        StepKind("NotebookJob", openlineage="NOTEBOOK_JOB", label="Notebook job"),
        StepKind("Function", openlineage="FUNCTION", label="Function"),
    )
}


def step_kind(step_type: str) -> StepKind | None:
    return STEP_KINDS.get(step_type)


def job_kind(metadata: str) -> JobKind | None:
    return JOB_KINDS.get(metadata)


def understood_types() -> frozenset[str]:
    """The step types whose arguments are read (the others keep their raw arguments)."""
    return frozenset(k.type for k in STEP_KINDS.values() if k.extract is not None)


def register(kind: StepKind, job: JobKind | None = None) -> None:
    """Add (or replace) a step kind, and the Metadata member its runs report when that is new."""
    if job is not None:
        JOB_KINDS[job.metadata] = job
    STEP_KINDS[kind.type] = kind


@contextmanager
def registered(kind: StepKind, job: JobKind | None = None) -> Iterator[StepKind]:
    """Register a kind for the duration of a ``with`` block (tests, experiments); restores what was there."""
    before_kind = STEP_KINDS.get(kind.type)
    before_job = JOB_KINDS.get(job.metadata) if job is not None else None
    register(kind, job)
    try:
        yield kind
    finally:
        STEP_KINDS.pop(kind.type, None)
        if before_kind is not None:
            STEP_KINDS[kind.type] = before_kind
        if job is not None:
            JOB_KINDS.pop(job.metadata, None)
            if before_job is not None:
                JOB_KINDS[job.metadata] = before_job


def nested_steps(step: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """Steps written inside a step (a Condition's if/else branches, a ForEach body), with their branch."""
    kind = STEP_KINDS.get(str(step.get("Type")))
    arguments = step.get("Arguments")
    if kind is None or not kind.nested or not isinstance(arguments, dict):
        return
    for key, branch in kind.nested:
        children = arguments.get(key)
        for child in (children if isinstance(children, list) else []):
            yield branch, child


def nested_keys(step_type: Any) -> tuple[str, ...]:
    kind = STEP_KINDS.get(str(step_type))
    return tuple(key for key, _ in kind.nested) if kind else ()
