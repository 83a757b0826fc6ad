"""The demo world: buckets and datasets, Studio domains, pipelines with executions, jobs and a registry.

Names, ids and data are deterministic, so tests can name what they expect; times are relative to the
moment of seeding (``World.seeded_at``), so a running execution started minutes ago and the history
spreads over the last days. Pipelines are the SDK-rendered definitions in ``definitions/``; every
execution keeps the definition it ran with (DescribePipelineDefinitionForExecution) and its parameter
values (ListPipelineParametersForExecution), and its jobs are created from the step's Arguments evaluated
for that execution, exactly as SageMaker would send them, so a job describe agrees with the definition.
Every S3 data artifact a step reads or writes exists, in the format that step would write
(:mod:`.datasets`).

Times are stored the way moto stores its own, naive UTC, so what a user creates beside the demo world
(``create_pipeline``, ``start_pipeline_execution``) sorts and lists with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any, Protocol

from ..core.definition import ExecutionContext, evaluate_arguments, load_definition, parse_definition
from ..core.execution import execution_context
from .actions import STATE
from .constants import (
    ACCOUNT_ID,
    CURATED_BUCKET,
    FEATURESTORE_BUCKET,
    HOME,
    MODELS_BUCKET,
    RAW_BUCKET,
    REGIONS,
    ROLE_ARN,
    SDK_BUCKETS,
)
from .datasets import DATASETS, RunData, _objects, step_outputs


class Clients(Protocol):
    """What seeding needs from the emulator: boto3 clients pointed at it."""

    def client(self, service: str, region: str | None = None, **config: Any) -> Any: ...


BUCKETS = {
    # name: (region, encryption, versioning, public access block, tags)
    RAW_BUCKET: (HOME, "AES256", "Enabled", True, {"team": "data", "tier": "raw"}),
    CURATED_BUCKET: (HOME, "aws:kms", "Enabled", True, {"team": "ml", "tier": "curated"}),
    MODELS_BUCKET: (HOME, None, "Suspended", False, {"team": "ml"}),
    FEATURESTORE_BUCKET: (HOME, "aws:kms", None, True, {}),
    SDK_BUCKETS[HOME]: (HOME, "AES256", None, True, {}),
    SDK_BUCKETS["us-east-1"]: ("us-east-1", None, None, False, {"team": "platform"}),
}
KMS_KEY = f"arn:aws:kms:{HOME}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

DOMAINS = {
    # (region, name): domain id
    (HOME, "studio-a"): "d-studioa0001",
    (HOME, "studio-b"): "d-studiob0002",
    ("us-east-1", "studio-b"): "d-studiob0003",
}
USERS = {"studio-a": ["alice", "bob"], "studio-b": ["carol"]}

STEP_FAILURE = "Step failure: One or multiple steps failed."


def _ago(days: float = 0, hours: float = 0, minutes: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes)


@dataclass(frozen=True)
class Scenario:
    """One execution to seed.

    Steps run in dependency order and succeed unless ``statuses`` says otherwise; a step after one that
    failed or is still running does not run, nor does the branch a Condition did not take (the outcome
    compares the evaluation's ``accuracy`` with the ``AccuracyThreshold`` parameter), and a Fail step
    that runs fails. ``status`` is what the execution must end up as (checked while seeding).
    """

    id: str
    status: str
    #: how long before seeding the execution started
    ago: timedelta
    statuses: dict[str, str] = field(default_factory=dict)
    step_failures: dict[str, str] = field(default_factory=dict)
    not_run: tuple[str, ...] = ()
    cache_hits: dict[str, str] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    accuracy: float = 0.91
    #: parameter values given to StartPipelineExecution (the rest take the definition's defaults)
    parameters: dict[str, str] = field(default_factory=dict)
    #: a key of DEFINITION_VARIANTS: the definition this run ran with ("" = the pipeline's current one)
    definition: str = ""
    #: the churn extract's schema version in the data this run wrote (see datasets._churn_table)
    schema_version: int = 1
    #: the data quality check of this run finds violations
    violations: bool = False
    description: str = ""


@dataclass(frozen=True)
class PipelineSeed:
    name: str
    region: str
    domain: str | None
    scenarios: tuple[Scenario, ...]
    definition_file: str = ""
    tag_style: str = "tags"  # "tags": DomainName/DomainId tags; "arn": only sagemaker:domain-arn; "none"
    #: how long before seeding the pipeline was created, and its definition last updated
    created_ago: timedelta = timedelta(days=45)
    updated_ago: timedelta | None = None


def _mlops_v1(text: str) -> str:
    """mlops-pipeline as first deployed: XGBoost 1.5-1, and no batch scoring after registration."""
    doc = json.loads(text)
    for step in doc["Steps"]:
        if step.get("Type") == "Condition":
            arguments = step["Arguments"]
            arguments["IfSteps"] = [s for s in arguments["IfSteps"] if s["Type"] == "RegisterModel"]
    return json.dumps(doc).replace("sagemaker-xgboost:1.7-1", "sagemaker-xgboost:1.5-1")


#: Earlier versions of a pipeline's definition: name -> (definition file, how to derive it from the file).
DEFINITION_VARIANTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "mlops-pipeline@v1": ("mlops-pipeline", _mlops_v1),
}

TRAIN_DIVERGED = "AlgorithmError: ExecuteUserScriptError: training diverged (loss=nan)"

#: mlops-pipeline's history in the home region, oldest first: what changes from one run to the next.
MLOPS_HISTORY = (
    Scenario("exec0failed01", "Failed", _ago(days=6, hours=2), definition="mlops-pipeline@v1",
             statuses={"Train": "Failed"}, step_failures={"Train": TRAIN_DIVERGED},
             description="First run: training diverged"),
    Scenario("exec2thresh", "Succeeded", _ago(days=5, hours=1), definition="mlops-pipeline@v1",
             parameters={"AccuracyThreshold": "0.85"}, accuracy=0.88,
             description="Stricter accuracy gate (parameter)"),
    Scenario("exec3xgb17", "Succeeded", _ago(days=4, hours=3), accuracy=0.9,
             description="Definition updated: XGBoost 1.7-1 image, batch scoring added"),
    Scenario("exec4m52xl", "Succeeded", _ago(days=3, hours=2), accuracy=0.9,
             parameters={"TrainingInstanceType": "ml.m5.2xlarge"},
             description="Training on ml.m5.2xlarge (parameter)"),
    Scenario("exec5schema", "Succeeded", _ago(days=2, hours=1), accuracy=0.92, schema_version=2,
             description="Churn extract v2: contract_type added, tenure_months widened to int64"),
    Scenario("exec6gate", "Failed", _ago(days=1, hours=4), accuracy=0.91, schema_version=2,
             parameters={"AccuracyThreshold": "0.93"},
             cache_hits={"Preprocess": "exec5schema", "Train": "exec5schema"},
             description="Accuracy gate at 0.93: the model is not good enough"),
    Scenario("exec1succeed", "Succeeded", _ago(hours=3), schema_version=2,
             cache_hits={"Preprocess": "exec0failed01"}, attempts={"Train": 2},
             description="Back to the default gate"),
)

PIPELINES = (
    PipelineSeed("mlops-pipeline", HOME, "studio-a", MLOPS_HISTORY, updated_ago=_ago(days=4, hours=5)),
    PipelineSeed(
        "churn-features-pipeline", HOME, "studio-a",
        (
            Scenario("exec0churnok", "Succeeded", _ago(days=1, hours=2)),
            Scenario("exec1running", "Executing", _ago(minutes=9), statuses={"IngestFeatures": "Executing"}),
        ),
        tag_style="arn",
    ),
    PipelineSeed(
        "nightly-etl-pipeline", HOME, "studio-b",
        (
            Scenario("exec0nightly", "Succeeded", _ago(days=1, hours=15)),
            Scenario("exec1nightly", "Failed", _ago(hours=15), statuses={"Validate": "Failed"}, violations=True,
                     step_failures={"Validate": "ClientError: Data quality check failed: 3 constraint violations "
                                                "(completeness of user_id 0.93 < 1.0)"}),
        ),
    ),
    PipelineSeed("fanout-10-pipeline", HOME, None, (Scenario("exec0fanout", "Succeeded", _ago(hours=8)),),
                 tag_style="none"),
    PipelineSeed("fanout-50-pipeline", HOME, None, (Scenario("exec0fanout", "Succeeded", _ago(hours=7)),),
                 tag_style="none"),
    # Two runs of the 100-step pipeline: what a compare of two large executions costs (benchmarks/).
    PipelineSeed("fanout-100-pipeline", HOME, None, (Scenario("exec0fanout", "Succeeded", _ago(hours=6)),
                                                     Scenario("exec1fanout", "Succeeded", _ago(hours=4))),
                 tag_style="none"),
    PipelineSeed("mlops-pipeline", "us-east-1", "studio-b",
                 (Scenario("exec0useast1", "Succeeded", _ago(hours=5)),),
                 definition_file="mlops-pipeline"),
)


@dataclass
class World:
    """What was seeded, by name: tests and notebooks read ARNs and URIs from here."""

    account_id: str = ACCOUNT_ID
    regions: tuple[str, ...] = REGIONS
    #: when the world was seeded (UTC); every seeded time is relative to it
    seeded_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    pipelines: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    domains: dict[tuple[str, str], str] = field(default_factory=dict)
    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, str] = field(default_factory=dict)
    feature_groups: dict[str, list[str]] = field(default_factory=dict)
    model_packages: list[str] = field(default_factory=list)

    def executions(self, pipeline: str, region: str = HOME) -> list[str]:
        """Execution ARNs of a pipeline, oldest first."""
        return list(self.pipelines[(region, pipeline)]["executions"])

    def latest_execution(self, pipeline: str, region: str = HOME) -> str:
        return self.executions(pipeline, region)[-1]

    def execution(self, pipeline: str, execution_id: str, region: str = HOME) -> str:
        """The ARN of a seeded execution by its id (``exec0failed01``)."""
        return f"{self.pipelines[(region, pipeline)]['arn']}/execution/{execution_id}"

    def runs(self, pipeline: str, region: str = HOME) -> list[dict[str, Any]]:
        """What each execution was seeded with (id, status, start, parameters, definition, ...), oldest first."""
        return list(self.pipelines[(region, pipeline)]["runs"])

    def summary(self) -> dict[str, Any]:
        return {
            "account": self.account_id,
            "regions": list(self.regions),
            "seededAt": self.seeded_at.isoformat(),
            "pipelines": sorted({f"{r}/{p}" for r, p in self.pipelines}),
            "domains": {f"{r}/{n}": i for (r, n), i in self.domains.items()},
            "buckets": sorted(self.buckets),
            "featureGroups": self.feature_groups,
        }


def definition_text(name: str) -> str:
    """A definition file of ``definitions/``, or a variant of one (a DEFINITION_VARIANTS key)."""
    if name in DEFINITION_VARIANTS:
        base, derive = DEFINITION_VARIANTS[name]
        return derive(definition_text(base))
    return resources.files(__package__).joinpath("definitions", f"{name}.json").read_text()


class _Seeding:
    """One seeding pass: the clients, the clock, and writes to S3 that skip the HTTP round trip.

    moto's server shares its backends with this process, so data objects go straight into the S3 backend
    (tens of microseconds each instead of milliseconds); buckets and their configuration, jobs and
    pipelines go through the API like any client's.
    """

    def __init__(self, emu: Clients, world: World) -> None:
        from moto.s3.models import s3_backends

        self.emu = emu
        self.world = world
        # Naive UTC, as moto keeps its own times; whole minutes, so displayed times are tidy.
        self.now = world.seeded_at.astimezone(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
        self._s3 = s3_backends[ACCOUNT_ID]["aws"]
        self._written: dict[tuple[str, str], bytes] = {}

    def create_processing_job(self, region: str, name: str, request: dict[str, Any]) -> Any:
        """CreateProcessingJob without the HTTP round trip (the fan-outs start hundreds of jobs).

        The request is validated against botocore's model first, as a client would send it, and handed
        to moto's backend with the arguments moto's own CreateProcessingJob handler passes.
        """
        from botocore.validate import validate_parameters
        from moto.sagemaker.models import sagemaker_backends

        params: dict[str, Any] = {"ProcessingJobName": name, **request}
        model = self.emu.client("sagemaker", region).meta.service_model.operation_model("CreateProcessingJob")
        validate_parameters(params, model.input_shape)
        arguments: dict[str, Any] = {
            "app_specification": params.get("AppSpecification"),
            "experiment_config": params.get("ExperimentConfig"),
            "network_config": params.get("NetworkConfig"),
            "processing_inputs": params.get("ProcessingInputs"),
            "processing_job_name": name,
            "processing_output_config": params.get("ProcessingOutputConfig"),
            "role_arn": params.get("RoleArn"),
            "stopping_condition": params.get("StoppingCondition"),
            "tags": params.get("Tags"),
        }
        return sagemaker_backends[ACCOUNT_ID][region].create_processing_job(**arguments)

    def put(self, uri: str, body: bytes) -> None:
        bucket, _, key = uri[len("s3://"):].partition("/")
        self.put_object(bucket, key, body)

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        if self._written.get((bucket, key)) == body:
            return  # the same shard written by the next fan-out pipeline: one version is enough
        encryption = BUCKETS.get(bucket, (None, None))[1]
        self._s3.put_object(bucket, key, body, encryption=encryption,
                            kms_key_id=KMS_KEY if encryption == "aws:kms" else None)
        self._written[(bucket, key)] = body


def seed_world(emu: Clients, now: datetime | None = None) -> World:
    """Create the demo world in the emulator behind ``emu``; times are relative to ``now`` (default: now)."""
    world = World(seeded_at=now or datetime.now(timezone.utc))
    seeding = _Seeding(emu, world)
    _seed_buckets(seeding)
    _seed_datasets(seeding)
    _seed_domains(seeding)
    for seed in PIPELINES:
        _seed_pipeline(seeding, seed)
    _seed_feature_groups(seeding)
    return world


# --- S3 ----------------------------------------------------------------------------------------
def _seed_buckets(seeding: _Seeding) -> None:
    for name, (region, encryption, versioning, block, tags) in BUCKETS.items():
        s3 = seeding.emu.client("s3", region)
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        if encryption == "AES256":
            rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})
        elif encryption == "aws:kms":
            rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY},
                    "BucketKeyEnabled": True}
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        if block:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True, "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
                },
            )
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
        seeding.world.buckets[name] = {"region": region, "encryption": encryption, "versioning": versioning,
                                       "publicAccessBlock": block, "tags": tags}


def _seed_datasets(seeding: _Seeding) -> None:
    for bucket, key, body in _objects():
        seeding.put_object(bucket, key, body)
    seeding.world.datasets = dict(DATASETS)


def _model_tarball(name: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = json.dumps({"model": name, "format": "xgboost", "placeholder": True}).encode()
        info = tarfile.TarInfo("model.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --- Studio ------------------------------------------------------------------------------------
def _seed_domains(seeding: _Seeding) -> None:
    from moto.sagemaker.models import sagemaker_backends

    created = seeding.now - _ago(days=60)
    for (region, name), domain_id in DOMAINS.items():
        sm = seeding.emu.client("sagemaker", region)
        sm.create_domain(
            DomainName=name, AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE_ARN},
            SubnetIds=["subnet-0a1b2c3d"], VpcId="vpc-0a1b2c3d",
        )
        # moto draws a random id: give the domain the deterministic one the demo documents.
        backend = sagemaker_backends[ACCOUNT_ID][region]
        for key, domain in list(backend.domains.items()):
            if domain.domain_name == name and domain.id != domain_id:
                domain.id = domain_id
                domain.arn = f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:domain/{domain_id}"
                backend.domains[domain_id] = backend.domains.pop(key)
        seeding.world.domains[(region, name)] = domain_id
        state = STATE.region(ACCOUNT_ID, region)
        for user in USERS.get(name, []):
            state.user_profiles.append({
                "DomainId": domain_id, "UserProfileName": user, "Status": "InService",
                "CreationTime": created, "LastModifiedTime": created,
            })


def _domain_tags(seed: PipelineSeed) -> list[dict[str, str]]:
    tags = [{"Key": "project", "Value": "churn" if "churn" in seed.name or "mlops" in seed.name else "platform"}]
    if seed.domain is None or seed.tag_style == "none":
        return tags
    domain_id = DOMAINS[(seed.region, seed.domain)]
    arn = f"arn:aws:sagemaker:{seed.region}:{ACCOUNT_ID}:domain/{domain_id}"
    tags.append({"Key": "sagemaker:domain-arn", "Value": arn})
    if seed.tag_style == "tags":
        tags += [{"Key": "DomainName", "Value": seed.domain}, {"Key": "DomainId", "Value": domain_id}]
    return tags


# --- pipelines and executions ------------------------------------------------------------------
def _parameter_values(doc: dict[str, Any], given: dict[str, str]) -> list[dict[str, str]]:
    """Every parameter with the value the execution ran with, as ListPipelineParametersForExecution lists them."""
    values = []
    for parameter in doc.get("Parameters") or []:
        name = parameter["Name"]
        value = given.get(name, parameter.get("DefaultValue"))
        values.append({"Name": name, "Value": str(value)})
    unknown = set(given) - {p["Name"] for p in values}
    if unknown:
        raise ValueError(f"parameters not in the definition: {sorted(unknown)}")
    return values


def _seed_pipeline(seeding: _Seeding, seed: PipelineSeed) -> None:
    from moto.sagemaker.models import FakePipelineExecution, sagemaker_backends

    current = definition_text(seed.definition_file or seed.name)
    sm = seeding.emu.client("sagemaker", seed.region)
    arn = sm.create_pipeline(
        PipelineName=seed.name, PipelineDefinition=current, RoleArn=ROLE_ARN,
        PipelineDescription=f"Demo pipeline {seed.name}", Tags=_domain_tags(seed),
    )["PipelineArn"]
    backend = sagemaker_backends[ACCOUNT_ID][seed.region]
    pipeline = backend.pipelines[seed.name]
    pipeline.creation_time = seeding.now - seed.created_ago
    pipeline.last_modified_time = seeding.now - (seed.updated_ago or seed.created_ago)
    record: dict[str, Any] = {"arn": arn, "executions": [], "runs": [], "domain": seed.domain}
    region_state = STATE.region(ACCOUNT_ID, seed.region)
    for scenario in sorted(seed.scenarios, key=lambda s: s.ago, reverse=True):
        text = definition_text(scenario.definition) if scenario.definition else current
        doc = load_definition(text)
        parameters = _parameter_values(doc, scenario.parameters)
        started = seeding.now - scenario.ago
        execution_arn = f"{arn}/execution/{scenario.id}"
        execution = FakePipelineExecution(
            pipeline_execution_arn=execution_arn,
            pipeline_execution_display_name=f"{seed.name}-{scenario.id}",
            pipeline_parameters=parameters,
            pipeline_execution_description=scenario.description,
            parallelism_configuration={"MaxParallelExecutionSteps": 50},
            pipeline_definition=text,
            client_request_token=scenario.id,
        )
        steps = _seed_steps(seeding, seed, scenario, doc, parameters, started, execution_arn, arn)
        status = _execution_status(steps)
        if status != scenario.status:
            raise AssertionError(f"{seed.name}/{scenario.id} would be {status}, not {scenario.status}")
        failure = STEP_FAILURE if status == "Failed" else None
        end = max((s.get("EndTime") or s["StartTime"] for s in steps), default=started)
        execution.pipeline_execution_status = status
        execution.pipeline_execution_failure_reason = failure  # type: ignore[assignment]
        execution.creation_time = execution.start_time = started
        execution.last_modified_time = end + timedelta(seconds=5)
        pipeline.pipeline_executions[execution_arn] = execution
        pipeline.last_execution_time = started
        region_state.executions[execution_arn] = {"FailureReason": failure} if failure else {}
        region_state.steps[execution_arn] = steps
        record["executions"].append(execution_arn)
        record["runs"].append({
            "id": scenario.id, "arn": execution_arn, "status": status, "startTime": started.replace(
                tzinfo=timezone.utc), "parameters": {p["Name"]: p["Value"] for p in parameters},
            "definition": scenario.definition or (seed.definition_file or seed.name),
            "schemaVersion": scenario.schema_version, "description": scenario.description,
        })
    seeding.world.pipelines[(seed.region, seed.name)] = record


def _execution_status(steps: list[dict[str, Any]]) -> str:
    statuses = {s["StepStatus"] for s in steps}
    if "Failed" in statuses:
        return "Failed"
    if statuses & {"Executing", "Starting"}:
        return "Executing"
    return "Succeeded"


def _seed_steps(
    seeding: _Seeding, seed: PipelineSeed, scenario: Scenario, doc: dict[str, Any],
    parameters: list[dict[str, str]], started: datetime, execution_arn: str, pipeline_arn: str,
) -> list[dict[str, Any]]:
    graph = parse_definition(doc)
    order = _topological(graph)
    end_of: dict[str, datetime] = {}
    incoming: dict[str, list[Any]] = {n: [] for n in order}
    for edge in graph.edges:
        incoming[edge.target].append(edge)
    job_names = {n: _job_name(seed.name, scenario.id, n) for n in order}
    context = execution_context(
        doc, {"PipelineExecutionArn": execution_arn, "CreationTime": started, "PipelineArn": pipeline_arn},
        parameters, [], seed.name,
    )
    context = ExecutionContext(context.parameters, context.execution, job_names, {})
    types = {node.id: node.type for node in graph.nodes}
    outcome: dict[str, bool] = {}
    ran: dict[str, str] = {}  # step -> status, for the steps that ran
    steps: list[dict[str, Any]] = []
    for index, name in enumerate(order):
        if name in scenario.not_run or not _may_run(incoming[name], ran, outcome):
            continue
        status = "Failed" if types[name] == "Fail" else scenario.statuses.get(name, "Succeeded")
        begin = (max((end_of[e.source] for e in incoming[name] if e.source in end_of), default=started)
                 + timedelta(seconds=20))
        duration = timedelta(seconds=_duration(types[name], index))
        step: dict[str, Any] = {
            "StepName": name, "StepDisplayName": name, "StartTime": begin, "StepStatus": status,
            "AttemptCount": scenario.attempts.get(name, 1), "Metadata": {},
        }
        if status not in ("Executing", "Starting"):
            end_of[name] = begin + duration
            step["EndTime"] = end_of[name]
        cached = scenario.cache_hits.get(name)
        if cached:
            step["CacheHitResult"] = {"SourcePipelineExecutionArn": f"{pipeline_arn}/execution/{cached}"}
        arguments = evaluate_arguments(doc, name, context)
        args = dict(arguments) if isinstance(arguments, dict) else {}
        if types[name] == "Condition":
            outcome[name] = scenario.accuracy >= float(context.parameters.get("AccuracyThreshold", 0.8))
        failure = scenario.step_failures.get(name)
        if status == "Failed" and failure is None and types[name] == "Fail":
            failure = str(args.get("ErrorMessage", ""))
        if failure:
            step["FailureReason"] = failure
        step["Metadata"] = _run_step(seeding, seed, scenario, name, types[name], args, job_names[name], step, doc,
                                     started, outcome)
        ran[name] = status
        steps.append(step)
    return steps


def _may_run(edges: list[Any], ran: dict[str, str], outcome: dict[str, bool]) -> bool:
    """A step runs once everything it depends on succeeded, and only in the branch its Condition took."""
    for edge in edges:
        if ran.get(edge.source) != "Succeeded":
            return False
        if edge.via == "condition" and outcome.get(edge.source) != (edge.branch != "else"):
            return False
    return True


def _run_step(
    seeding: _Seeding, seed: PipelineSeed, scenario: Scenario, name: str, step_type: str, args: dict[str, Any],
    job_name: str, step: dict[str, Any], doc: dict[str, Any], started: datetime, outcome: dict[str, bool],
) -> dict[str, Any]:
    """Create the job a step ran (from its evaluated Arguments) and write what it wrote; return its Metadata."""
    from moto.sagemaker.models import sagemaker_backends

    sm = seeding.emu.client("sagemaker", seed.region)
    backend = sagemaker_backends[ACCOUNT_ID][seed.region]
    status = step["StepStatus"]
    job_status = {"Succeeded": "Completed", "Failed": "Failed", "Executing": "InProgress"}.get(status, "Stopped")
    if step_type == "Processing" or step_type in ("QualityCheck", "ClarifyCheck"):
        request = {k: v for k, v in args.items() if k in _PROCESSING_REQUEST}
        job = seeding.create_processing_job(seed.region, job_name, request)
        arn = job.arn
        job.processing_job_status = job_status
        job.creation_time = job.last_modified_time = step["StartTime"]
        job.processing_start_time = step["StartTime"]
        job.processing_end_time = step.get("EndTime")
        if status == "Failed":
            job.failure_reason = step.get("FailureReason")
        # A check that fails has still written its report (the violations are why it failed).
        if status == "Succeeded" or (status == "Failed" and step_type != "Processing"):
            _write_outputs(seeding, seed, scenario, name, doc, args, started)
        if step_type in ("QualityCheck", "ClarifyCheck"):
            return {step_type: {"CheckType": args.get("CheckType", "DATA_QUALITY"), "CheckJobArn": arn,
                                "SkipCheck": False, "RegisterNewBaseline": False}}
        return {"ProcessingJob": {"Arn": arn}}
    if step_type == "Training":
        request = {k: v for k, v in args.items() if k in _TRAINING_REQUEST}
        arn = sm.create_training_job(TrainingJobName=job_name, **request)["TrainingJobArn"]
        job = backend.training_jobs[job_name]
        job.training_job_status = job_status
        job.secondary_status = job_status
        job.creation_time = job.last_modified_time = job.training_start_time = step["StartTime"]
        job.training_end_time = step.get("EndTime")  # type: ignore[assignment]
        if status == "Failed":
            job.failure_reason = step.get("FailureReason")  # type: ignore[attr-defined]
            job.final_metric_data_list = [
                {"MetricName": "train:loss", "Value": float("1e9"), "Timestamp": step["StartTime"]},
            ]
        else:
            job.final_metric_data_list = [
                {"MetricName": "validation:auc", "Value": round(scenario.accuracy + 0.04, 4),
                 "Timestamp": step["EndTime"]},
                {"MetricName": "validation:logloss", "Value": round(1.1 - scenario.accuracy * 0.9, 4),
                 "Timestamp": step["EndTime"]},
                {"MetricName": "train:logloss", "Value": round(1.05 - scenario.accuracy * 0.9, 4),
                 "Timestamp": step["EndTime"]},
            ]
            seeding.put(job.model_artifacts["S3ModelArtifacts"], _model_tarball(job_name))
        return {"TrainingJob": {"Arn": arn}}
    if step_type == "Transform":
        request = {k: v for k, v in args.items() if k in _TRANSFORM_REQUEST}
        arn = sm.create_transform_job(TransformJobName=job_name, **request)["TransformJobArn"]
        job = backend.transform_jobs[job_name]
        job.transform_job_status = job_status
        job.creation_time = job.transform_start_time = step["StartTime"]
        job.transform_end_time = step.get("EndTime")  # type: ignore[assignment]
        return {"TransformJob": {"Arn": arn}}
    if step_type in ("Model", "CreateModel"):
        request = {k: v for k, v in args.items()
                   if k in ("PrimaryContainer", "Containers", "ExecutionRoleArn", "VpcConfig")}
        arn = sm.create_model(ModelName=job_name, **request)["ModelArn"]
        return {"Model": {"Arn": arn}}
    if step_type == "RegisterModel":
        group = str(args.get("ModelPackageGroupName"))
        with contextlib.suppress(sm.exceptions.ClientError):  # registered by an earlier execution
            sm.create_model_package_group(ModelPackageGroupName=group, ModelPackageGroupDescription="Churn models")
        request = {k: v for k, v in args.items()
                   if k in ("InferenceSpecification", "ModelMetrics", "ModelApprovalStatus")}
        arn = sm.create_model_package(ModelPackageGroupName=group, **request)["ModelPackageArn"]
        seeding.world.model_packages.append(arn)
        return {"RegisterModel": {"Arn": arn}}
    if step_type == "Condition":
        return {"Condition": {"Outcome": "True" if outcome.get(name) else "False"}}
    if step_type == "Fail":
        return {"Fail": {"ErrorMessage": str(args.get("ErrorMessage", ""))}}
    return {}


_PROCESSING_REQUEST = {
    "ProcessingInputs", "ProcessingOutputConfig", "ProcessingResources", "StoppingCondition", "AppSpecification",
    "Environment", "NetworkConfig", "RoleArn", "ExperimentConfig",
}
_TRAINING_REQUEST = {
    "HyperParameters", "AlgorithmSpecification", "RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig",
    "VpcConfig", "StoppingCondition", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption",
    "EnableManagedSpotTraining", "CheckpointConfig", "DebugHookConfig", "DebugRuleConfigurations",
    "TensorBoardOutputConfig", "ExperimentConfig", "ProfilerConfig", "Environment", "RetryStrategy",
}
_TRANSFORM_REQUEST = {
    "ModelName", "MaxConcurrentTransforms", "ModelClientConfig", "MaxPayloadInMB", "BatchStrategy", "Environment",
    "TransformInput", "TransformOutput", "DataCaptureConfig", "TransformResources", "DataProcessing",
    "ExperimentConfig",
}


def _write_outputs(
    seeding: _Seeding, seed: PipelineSeed, scenario: Scenario, step: str, doc: dict[str, Any],
    args: dict[str, Any], started: datetime,
) -> None:
    """Write what a Processing step wrote: its datasets (:func:`.datasets.step_outputs`) and property files."""
    run = RunData(pipeline=seed.definition_file or seed.name, execution_id=scenario.id, started=started,
                  schema_version=scenario.schema_version, violations=scenario.violations)
    outputs: dict[str, str] = {}
    for output in (args.get("ProcessingOutputConfig") or {}).get("Outputs", []):
        uri = (output.get("S3Output") or {}).get("S3Uri")
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            continue
        outputs[output.get("OutputName")] = uri
        for name, body in step_outputs(run.pipeline, step, str(output.get("OutputName")), run) or ():
            seeding.put(uri.rstrip("/") + "/" + name, body)
    definition = next((s for s in _all_steps(doc) if s.get("Name") == step), {})
    for spec in definition.get("PropertyFiles") or []:
        base = outputs.get(spec.get("OutputName"))
        if not base:
            continue
        report = {
            "metrics": {
                "accuracy": {"value": scenario.accuracy, "standard_deviation": 0.012},
                "precision": {"value": round(scenario.accuracy - 0.03, 4)},
                "recall": {"value": round(scenario.accuracy - 0.05, 4)},
                "auc": {"value": round(scenario.accuracy + 0.04, 4)},
            },
            "dataset": {"rows": 1500, "positives": 312},
        }
        seeding.put(base.rstrip("/") + "/" + spec["FilePath"], json.dumps(report, indent=2).encode())


def _all_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], list(doc.get("Steps") or [])
    while stack:
        step = stack.pop()
        out.append(step)
        args = step.get("Arguments") or {}
        if step.get("Type") == "Condition":
            stack.extend(args.get("IfSteps") or [])
            stack.extend(args.get("ElseSteps") or [])
    return out


def _topological(graph: Any) -> list[str]:
    names = [node.id for node in graph.nodes]
    incoming: dict[str, set[str]] = {n: set() for n in names}
    for edge in graph.edges:
        incoming[edge.target].add(edge.source)
    order: list[str] = []
    ready = [n for n in names if not incoming[n]]
    while ready:
        current = ready.pop(0)
        order.append(current)
        for n in names:
            if current in incoming[n]:
                incoming[n].discard(current)
                if not incoming[n] and n not in order and n not in ready:
                    ready.append(n)
    return order + [n for n in names if n not in order]


def _duration(step_type: str, index: int) -> int:
    base = {"Processing": 240, "Training": 900, "Transform": 420, "QualityCheck": 300, "Condition": 1, "Fail": 1,
            "RegisterModel": 3, "Model": 4}.get(step_type, 60)
    return base + (index * 37) % 90


def _job_name(pipeline: str, execution: str, step: str) -> str:
    """SageMaker names a step's job ``pipelines-{execution id}-{step}-{hash}``; keep it within 63 characters."""
    stem = f"pipelines-{execution[-12:]}-{step}"[:52].rstrip("-")
    digest = hashlib.sha256(f"{pipeline}/{execution}/{step}".encode()).hexdigest()[:6]
    return f"{stem}-{digest}".replace("_", "-")


# --- Feature Store -----------------------------------------------------------------------------
def _seed_feature_groups(seeding: _Seeding) -> None:
    from .featurestore import seed_feature_groups

    for region in REGIONS:
        seeding.world.feature_groups[region] = list(seed_feature_groups(seeding.emu, region))
