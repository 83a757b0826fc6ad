"""The demo world: buckets and datasets, Studio domains, pipelines with executions, jobs and a registry.

Everything is deterministic (names, ids, times), so tests can name what they expect. Pipelines are
the SDK-rendered definitions in ``definitions/``; every execution's jobs are created from the step's
Arguments evaluated for that execution, exactly as SageMaker would send them, so a job describe
agrees with the definition.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..core.definition import ExecutionContext, evaluate_arguments, load_definition, parse_definition
from ..core.execution import execution_context
from .actions import STATE
from .server import ACCOUNT_ID, REGIONS

if TYPE_CHECKING:
    from .server import Emulator

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/SageMakerExecutionRole"
HOME = REGIONS[0]
BASE_TIME = datetime(2025, 10, 5, 3, 12, tzinfo=timezone.utc)

BUCKETS = {
    # name: (region, encryption, versioning, public access block, tags)
    f"sm-lineage-demo-raw-{ACCOUNT_ID}": (HOME, "AES256", "Enabled", True, {"team": "data", "tier": "raw"}),
    f"sm-lineage-demo-curated-{ACCOUNT_ID}": (HOME, "aws:kms", "Enabled", True, {"team": "ml", "tier": "curated"}),
    f"sm-lineage-demo-models-{ACCOUNT_ID}": (HOME, None, "Suspended", False, {"team": "ml"}),
    f"sm-lineage-demo-featurestore-{ACCOUNT_ID}": (HOME, "aws:kms", None, True, {}),
    f"sagemaker-{HOME}-{ACCOUNT_ID}": (HOME, "AES256", None, True, {}),
    f"sagemaker-us-east-1-{ACCOUNT_ID}": ("us-east-1", None, None, False, {"team": "platform"}),
}
KMS_KEY = f"arn:aws:kms:{HOME}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

DOMAINS = {
    # (region, name): domain id
    (HOME, "studio-a"): "d-studioa0001",
    (HOME, "studio-b"): "d-studiob0002",
    ("us-east-1", "studio-b"): "d-studiob0003",
}
USERS = {"studio-a": ["alice", "bob"], "studio-b": ["carol"]}


@dataclass(frozen=True)
class Scenario:
    """One execution to seed: per step a status (default Succeeded); steps not listed after a failure don't run."""

    id: str
    status: str
    started: datetime
    statuses: dict[str, str] = field(default_factory=dict)
    failure: str | None = None
    step_failures: dict[str, str] = field(default_factory=dict)
    not_run: tuple[str, ...] = ()
    cache_hits: dict[str, str] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    accuracy: float = 0.91


@dataclass(frozen=True)
class PipelineSeed:
    name: str
    region: str
    domain: str | None
    scenarios: tuple[Scenario, ...]
    definition_file: str = ""
    tag_style: str = "tags"  # "tags": DomainName/DomainId tags; "arn": only sagemaker:domain-arn; "none"


def _t(hours: float) -> datetime:
    return BASE_TIME + timedelta(hours=hours)


STEP_FAILURE = "Step failure: One or multiple steps failed."
PIPELINES = (
    PipelineSeed(
        "mlops-pipeline", HOME, "studio-a",
        (
            Scenario("exec0failed01", "Failed", _t(0), failure=STEP_FAILURE,
                     statuses={"Train": "Failed"},
                     step_failures={"Train": "AlgorithmError: ExecuteUserScriptError: training diverged (loss=nan)"},
                     not_run=("Evaluate", "CheckAccuracy", "Register-RegisterModel", "CreateModel-CreateModel",
                              "BatchTransform", "FailAccuracy")),
            Scenario("exec1succeed", "Succeeded", _t(24), not_run=("FailAccuracy",),
                     cache_hits={"Preprocess": "exec0failed01"}, attempts={"Train": 2}),
        ),
    ),
    PipelineSeed(
        "churn-features-pipeline", HOME, "studio-a",
        (
            Scenario("exec0churnok", "Succeeded", _t(30)),
            Scenario("exec1running", "Executing", _t(48), statuses={"IngestFeatures": "Executing"}),
        ),
        tag_style="arn",
    ),
    PipelineSeed(
        "nightly-etl-pipeline", HOME, "studio-b",
        (
            Scenario("exec0nightly", "Succeeded", _t(12)),
            Scenario("exec1nightly", "Failed", _t(36), failure=STEP_FAILURE, statuses={"Validate": "Failed"},
                     step_failures={"Validate": "ClientError: Data quality check failed: 3 constraint violations "
                                                "(completeness of user_id 0.93 < 1.0)"},
                     not_run=("Load",)),
        ),
    ),
    PipelineSeed("fanout-10-pipeline", HOME, None, (Scenario("exec0fanout", "Succeeded", _t(40)),), tag_style="none"),
    PipelineSeed("fanout-50-pipeline", HOME, None, (Scenario("exec0fanout", "Succeeded", _t(41)),), tag_style="none"),
    PipelineSeed("fanout-100-pipeline", HOME, None, (Scenario("exec0fanout", "Succeeded", _t(42)),), tag_style="none"),
    PipelineSeed("mlops-pipeline", "us-east-1", "studio-b",
                 (Scenario("exec0useast1", "Succeeded", _t(50), not_run=("FailAccuracy",)),),
                 definition_file="mlops-pipeline"),
)


@dataclass
class World:
    """What was seeded, by name: tests and notebooks read ARNs and URIs from here."""

    account_id: str = ACCOUNT_ID
    regions: tuple[str, ...] = REGIONS
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

    def summary(self) -> dict[str, Any]:
        return {
            "account": self.account_id,
            "regions": list(self.regions),
            "pipelines": sorted({f"{r}/{p}" for r, p in self.pipelines}),
            "domains": {f"{r}/{n}": i for (r, n), i in self.domains.items()},
            "buckets": sorted(self.buckets),
            "featureGroups": self.feature_groups,
        }


def definition_text(name: str) -> str:
    return resources.files(__package__).joinpath("definitions", f"{name}.json").read_text()


def seed_world(emu: Emulator) -> World:
    world = World()
    _seed_buckets(emu, world)
    _seed_datasets(emu, world)
    _seed_domains(emu, world)
    for seed in PIPELINES:
        _seed_pipeline(emu, world, seed)
    _seed_feature_groups(emu, world)
    return world


# --- S3 ----------------------------------------------------------------------------------------
def _seed_buckets(emu: Emulator, world: World) -> None:
    for name, (region, encryption, versioning, block, tags) in BUCKETS.items():
        s3 = emu.client("s3", region)
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
        world.buckets[name] = {"region": region, "encryption": encryption, "versioning": versioning,
                               "publicAccessBlock": block, "tags": tags}


def _seed_datasets(emu: Emulator, world: World) -> None:
    from .datasets import seed_datasets

    world.datasets = dict(seed_datasets(emu.client("s3", HOME)))


def _put(emu: Emulator, uri: str, body: bytes, region: str = HOME) -> None:
    bucket, _, key = uri[len("s3://") :].partition("/")
    emu.client("s3", region).put_object(Bucket=bucket, Key=key, Body=body)


def _model_tarball(name: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = json.dumps({"model": name, "format": "xgboost", "placeholder": True}).encode()
        info = tarfile.TarInfo("model.json")
        info.size = len(data)
        info.mtime = int(BASE_TIME.timestamp())
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --- Studio ------------------------------------------------------------------------------------
def _seed_domains(emu: Emulator, world: World) -> None:
    from moto.sagemaker.models import sagemaker_backends

    for (region, name), domain_id in DOMAINS.items():
        sm = emu.client("sagemaker", region)
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
        world.domains[(region, name)] = domain_id
        state = STATE.region(ACCOUNT_ID, region)
        for user in USERS.get(name, []):
            state.user_profiles.append({
                "DomainId": domain_id, "UserProfileName": user, "Status": "InService",
                "CreationTime": BASE_TIME, "LastModifiedTime": BASE_TIME,
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
def _seed_pipeline(emu: Emulator, world: World, seed: PipelineSeed) -> None:
    from moto.sagemaker.models import FakePipelineExecution, sagemaker_backends

    text = definition_text(seed.definition_file or seed.name)
    doc = load_definition(text)
    sm = emu.client("sagemaker", seed.region)
    arn = sm.create_pipeline(
        PipelineName=seed.name, PipelineDefinition=text, RoleArn=ROLE_ARN,
        PipelineDescription=f"Demo pipeline {seed.name}", Tags=_domain_tags(seed),
    )["PipelineArn"]
    backend = sagemaker_backends[ACCOUNT_ID][seed.region]
    pipeline = backend.pipelines[seed.name]
    pipeline.creation_time = pipeline.last_modified_time = BASE_TIME - timedelta(days=3)
    record: dict[str, Any] = {"arn": arn, "executions": [], "domain": seed.domain}
    for scenario in seed.scenarios:
        execution_arn = f"{arn}/execution/{scenario.id}"
        execution = FakePipelineExecution(
            pipeline_execution_arn=execution_arn,
            pipeline_execution_display_name=f"{seed.name}-{scenario.id}",
            pipeline_parameters=[],
            pipeline_execution_description="",
            parallelism_configuration={"MaxParallelExecutionSteps": 50},
            pipeline_definition=text,
            client_request_token=scenario.id,
        )
        steps = _seed_steps(emu, world, seed, scenario, doc, execution_arn, arn)
        end = max((s.get("EndTime") or s["StartTime"] for s in steps), default=scenario.started)
        execution.pipeline_execution_status = scenario.status
        execution.pipeline_execution_failure_reason = scenario.failure
        execution.creation_time = execution.start_time = scenario.started
        execution.last_modified_time = end + timedelta(seconds=5)
        pipeline.pipeline_executions[execution_arn] = execution
        pipeline.last_execution_time = scenario.started
        extra: dict[str, Any] = {"FailureReason": scenario.failure} if scenario.failure else {}
        STATE.region(ACCOUNT_ID, seed.region).executions[execution_arn] = extra
        STATE.region(ACCOUNT_ID, seed.region).steps[execution_arn] = steps
        record["executions"].append(execution_arn)
    world.pipelines[(seed.region, seed.name)] = record


def _seed_steps(
    emu: Emulator, world: World, seed: PipelineSeed, scenario: Scenario, doc: dict[str, Any],
    execution_arn: str, pipeline_arn: str,
) -> list[dict[str, Any]]:
    graph = parse_definition(doc)
    order = _topological(graph)
    start_of: dict[str, datetime] = {}
    end_of: dict[str, datetime] = {}
    incoming: dict[str, list[str]] = {n: [] for n in order}
    for edge in graph.edges:
        incoming[edge.target].append(edge.source)
    job_names = {n: _job_name(seed.name, scenario.id, n) for n in order}
    context = execution_context(
        doc, {"PipelineExecutionArn": execution_arn, "CreationTime": scenario.started, "PipelineArn": pipeline_arn},
        [], [], seed.name,
    )
    context = ExecutionContext(context.parameters, context.execution, job_names, {})
    types = {node.id: node.type for node in graph.nodes}
    steps: list[dict[str, Any]] = []
    for index, name in enumerate(order):
        if name in scenario.not_run:
            continue
        status = scenario.statuses.get(name, "Succeeded")
        begin = (max((end_of[p] for p in incoming[name] if p in end_of), default=scenario.started)
                 + timedelta(seconds=20))
        duration = timedelta(seconds=_duration(types[name], index))
        start_of[name] = begin
        step: dict[str, Any] = {
            "StepName": name, "StepDisplayName": name, "StartTime": begin, "StepStatus": status,
            "AttemptCount": scenario.attempts.get(name, 1), "Metadata": {},
        }
        if status not in ("Executing", "Starting"):
            end_of[name] = begin + duration
            step["EndTime"] = end_of[name]
        if name in scenario.step_failures:
            step["FailureReason"] = scenario.step_failures[name]
        cached = scenario.cache_hits.get(name)
        if cached:
            step["CacheHitResult"] = {"SourcePipelineExecutionArn": f"{pipeline_arn}/execution/{cached}"}
        arguments = evaluate_arguments(doc, name, context)
        step["Metadata"] = _run_step(emu, seed, scenario, name, types[name], arguments, job_names[name], step, doc)
        steps.append(step)
    return steps


def _run_step(
    emu: Emulator, seed: PipelineSeed, scenario: Scenario, name: str, step_type: str, arguments: Any,
    job_name: str, step: dict[str, Any], doc: dict[str, Any],
) -> dict[str, Any]:
    """Create the job a step ran (from its evaluated Arguments) and write what it wrote; return its Metadata."""
    from moto.sagemaker.models import sagemaker_backends

    sm = emu.client("sagemaker", seed.region)
    backend = sagemaker_backends[ACCOUNT_ID][seed.region]
    status = step["StepStatus"]
    job_status = {"Succeeded": "Completed", "Failed": "Failed", "Executing": "InProgress"}.get(status, "Stopped")
    args = dict(arguments) if isinstance(arguments, dict) else {}
    if step_type == "Processing" or step_type in ("QualityCheck", "ClarifyCheck"):
        request = {k: v for k, v in args.items() if k in _PROCESSING_REQUEST}
        arn = sm.create_processing_job(ProcessingJobName=job_name, **request)["ProcessingJobArn"]
        job = backend.processing_jobs[job_name]
        job.processing_job_status = job_status
        job.creation_time = job.last_modified_time = step["StartTime"]
        job.processing_start_time = step["StartTime"]
        job.processing_end_time = step.get("EndTime")
        if status == "Failed":
            job.failure_reason = step.get("FailureReason")
        _write_outputs(emu, seed, scenario, name, doc, args)
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
        job.training_end_time = step.get("EndTime")
        if status == "Failed":
            job.failure_reason = step.get("FailureReason")
            job.final_metric_data_list = [
                {"MetricName": "train:loss", "Value": float("1e9"), "Timestamp": step["StartTime"]},
            ]
        else:
            job.final_metric_data_list = [
                {"MetricName": "validation:auc", "Value": round(scenario.accuracy + 0.04, 4),
                 "Timestamp": step["EndTime"]},
                {"MetricName": "validation:logloss", "Value": 0.2871, "Timestamp": step["EndTime"]},
                {"MetricName": "train:logloss", "Value": 0.2413, "Timestamp": step["EndTime"]},
            ]
            _put(emu, job.model_artifacts["S3ModelArtifacts"], _model_tarball(job_name), seed.region)
        return {"TrainingJob": {"Arn": arn}}
    if step_type == "Transform":
        request = {k: v for k, v in args.items() if k in _TRANSFORM_REQUEST}
        arn = sm.create_transform_job(TransformJobName=job_name, **request)["TransformJobArn"]
        job = backend.transform_jobs[job_name]
        job.transform_job_status = job_status
        job.creation_time = job.transform_start_time = step["StartTime"]
        job.transform_end_time = step.get("EndTime")
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
        return {"RegisterModel": {"Arn": arn}}
    if step_type == "Condition":
        return {"Condition": {"Outcome": "True" if scenario.accuracy >= 0.8 else "False"}}
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
    emu: Emulator, seed: PipelineSeed, scenario: Scenario, step: str, doc: dict[str, Any], args: dict[str, Any]
) -> None:
    """Processing steps that declare a PropertyFile write it: the evaluation report the Condition reads."""
    definition = next((s for s in _all_steps(doc) if s.get("Name") == step), {})
    outputs = {o.get("OutputName"): (o.get("S3Output") or {}).get("S3Uri")
               for o in (args.get("ProcessingOutputConfig") or {}).get("Outputs", [])}
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
        _put(emu, base.rstrip("/") + "/" + spec["FilePath"], json.dumps(report, indent=2).encode(), seed.region)


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
    incoming = {n: set() for n in names}
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
def _seed_feature_groups(emu: Emulator, world: World) -> None:
    from .featurestore import seed_feature_groups

    for region in REGIONS:
        world.feature_groups[region] = list(seed_feature_groups(emu, region))
