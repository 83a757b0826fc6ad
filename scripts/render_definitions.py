"""Render real SageMaker pipeline definitions with the SageMaker Python SDK 2.x, offline.

Writes:
  jupyter_sm_lineage/emulator/definitions/*.json   the demo world's pipelines (seeded by the emulator)
  tests/fixtures/definitions/*.json                the "zoo": every step type the SDK 2.x renders

Nothing here runs in the project's tests or CI: the JSON files are committed, and this script is how
they were made. Run it once, by hand, in a separate virtualenv that has the SageMaker SDK (it is not a
dependency of the project):

    python3 -m venv .sdk-venv
    .sdk-venv/bin/pip install 'sagemaker==2.257.*'
    .sdk-venv/bin/python scripts/render_definitions.py            # all files
    .sdk-venv/bin/python scripts/render_definitions.py --only mlops-pipeline,zoo-lambda-callback

A full 2.x run takes about 30 seconds. Optionally, with an SDK 3.x venv (``pip install 'sagemaker>=3'``),
the same script writes only tests/fixtures/definitions/sdk3-*.json (ForEach, Cleanup, EMRServerless,
DependsOn run conditions):

    .sdk3-venv/bin/python scripts/render_definitions.py

No AWS account and no network are needed. The SDK is handed a boto3 session whose every API call is
answered by a botocore ``before-call`` handler with a canned reply (sts GetCallerIdentity, s3
ListBuckets/PutObject for the code uploads, ...), and every outbound socket connection is refused, so
nothing leaves the machine. Credentials and region are dummies set in the environment.

The output is deterministic: code files are written with fixed contents under fixed relative paths
(the SDK uploads them to ``s3://<default bucket>/<pipeline>/code/<sha256 of path+content>/...``), job
names are popped by the SDK itself, and the two sources of randomness in the step compiler (build
timestamp, function-step secret token) are pinned. The per-step S3 tables in the two README.md files
beside the JSON were generated from the JSON once and are not rewritten by this script.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecutionRole"
DEFAULT_BUCKET = f"sagemaker-{REGION}-{ACCOUNT}"
RAW = f"s3://sm-lineage-demo-raw-{ACCOUNT}"
CURATED = f"s3://sm-lineage-demo-curated-{ACCOUNT}"
MODELS = f"s3://sm-lineage-demo-models-{ACCOUNT}"
FEATURESTORE = f"s3://sm-lineage-demo-featurestore-{ACCOUNT}"

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "jupyter_sm_lineage" / "emulator" / "definitions"
ZOO_DIR = ROOT / "tests" / "fixtures" / "definitions"


# --------------------------------------------------------------------------------------------------
# Offline plumbing
# --------------------------------------------------------------------------------------------------

def _offline_environment() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        SAGEMAKER_SUPPRESS_V2_WARNING="1",
    )
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(var, None)

    def refuse(*args, **kwargs):
        raise OSError(f"render_definitions.py is offline; refused a network connection {args!r}")

    socket.getaddrinfo = refuse  # no DNS look-ups either
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]


API_CALLS: list[tuple[str, str]] = []


def _canned_reply(model, params, **kwargs):
    """botocore before-call handler: answer every AWS API call locally."""
    from botocore.awsrequest import AWSResponse

    service, op = model.service_model.service_name, model.name
    API_CALLS.append((service, op))
    ok = AWSResponse("https://offline.invalid/", 200, {}, None)
    epoch = datetime(2025, 1, 1, tzinfo=timezone.utc)
    replies = {
        "GetCallerIdentity": {
            "Account": ACCOUNT,
            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/SageMakerExecutionRole/offline",
            "UserId": "AROAOFFLINE:offline",
        },
        "ListBuckets": {"Buckets": [{"Name": DEFAULT_BUCKET, "CreationDate": epoch}]},
        "HeadBucket": {},
        "CreateBucket": {"Location": f"http://{DEFAULT_BUCKET}.s3.amazonaws.com/"},
        "PutObject": {"ETag": '"0"'},
        "CreateMultipartUpload": {"UploadId": "offline"},
        "UploadPart": {"ETag": '"0"'},
        "CompleteMultipartUpload": {"ETag": '"0"'},
        "ListObjectsV2": {"KeyCount": 0, "Contents": [], "IsTruncated": False},
        "ListObjects": {"Contents": [], "IsTruncated": False},
        "GetBucketLocation": {"LocationConstraint": REGION},
    }
    if op in replies:
        return ok, replies[op]
    if op == "HeadObject":
        # "not found": the SDK then uploads instead of reusing
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, op)
    raise RuntimeError(f"offline renderer: no canned reply for {service}.{op}; add one in _canned_reply")


def _sdk_config(workdir: Path) -> None:
    """Ignore any SageMaker SDK defaults config on this machine (/etc/xdg/sagemaker/config.yaml,
    ~/.config/sagemaker/config.yaml) so it cannot leak into the definitions, and turn off the SDK's
    telemetry (an HTTPS GET per run()/fit(); refused anyway by the socket guard).

    Done with empty XDG config dirs rather than a config file with TelemetryOptOut: a config file
    makes the SDK validate it against its JSON schema on every lookup (~0.4 s each, which turns the
    fanout-100 pipeline into a 10-minute render). Must run before the first ``import sagemaker``."""
    empty = workdir / "xdg-config"
    empty.mkdir()
    os.environ["XDG_CONFIG_HOME"] = str(empty)
    os.environ["XDG_CONFIG_DIRS"] = str(empty)
    for var in ("SAGEMAKER_ADMIN_CONFIG_OVERRIDE", "SAGEMAKER_USER_CONFIG_OVERRIDE"):
        os.environ.pop(var, None)
    if _sdk_major() >= 3:
        import sagemaker.core.telemetry.telemetry_logging as telemetry
    else:
        import sagemaker.telemetry.telemetry_logging as telemetry

    telemetry._send_telemetry_request = lambda *args, **kwargs: None


def _sdk_major() -> int:
    from importlib.metadata import version

    return int(version("sagemaker").split(".")[0])


def _pin_randomness() -> None:
    """Pin the SDK's timestamps (job names, code prefixes, the step compiler's build time) and the
    function-step secret token. The timestamp functions are patched in place (their code object), so
    modules that did ``from sagemaker.utils import sagemaker_timestamp`` see the pinned value too."""
    import secrets

    if _sdk_major() >= 3:
        import sagemaker.core.common_utils as sm_utils
        import sagemaker.mlops.workflow._steps_compiler as compiler
    else:
        import sagemaker.utils as sm_utils
        import sagemaker.workflow._steps_compiler as compiler

    sm_utils.sagemaker_timestamp.__code__ = (lambda: "2025-01-01-00-00-00-000").__code__
    sm_utils.sagemaker_short_timestamp.__code__ = (lambda: "250101-0000").__code__

    class _FixedSecrets:
        def __getattr__(self, name):
            return getattr(secrets, name)

        @staticmethod
        def token_hex(n=32):
            return "0" * (2 * n)

    compiler.secrets = _FixedSecrets()


def pipeline_session():
    import boto3
    from sagemaker.workflow.pipeline_context import PipelineSession

    boto_session = boto3.Session(region_name=REGION)
    boto_session.events.register("before-call.*.*", _canned_reply)
    return PipelineSession(boto_session=boto_session, default_bucket=DEFAULT_BUCKET)


CODE = {
    "code/preprocess.py": "# churn: split raw CSV into train/validation/test\nimport pandas as pd\n",
    "code/evaluate.py": "# churn: score the model on the test split, write evaluation.json\nimport json\n",
    "code/extract_features.py": "# customers: join Athena + Redshift extracts into features\n",
    "code/ingest_features.py": "# customers: ingest features into the feature group\n",
    "code/extract_events.py": "# events: read CSV and JSON Lines, stage as parquet\n",
    "code/load_events.py": "# events: load validated events into the curated zone\n",
    "code/split.py": "# fanout: split the input into shards\n",
    "code/shard.py": "# fanout: process one shard\n",
    "code/merge.py": "# fanout: merge all shards\n",
    "code/generic.py": "# zoo: generic processing script\n",
    "code/train.py": "# zoo: sklearn training entry point\n",
    "code/inference.py": "# zoo: inference entry point\n",
    # the SDK appends a sagemaker pin to a requirements file that lacks one, or writes a randomly
    # named temp file when there is none: pin it here to keep the function-step output stable
    "code/requirements.txt": "pandas==2.2.2\nsagemaker>=2.256.0,<3.0.0\n",
    "code/spark_job.py": "# zoo: pyspark job\n",
    "code/lib/helpers.py": "# zoo: helper module\n",
    "notebooks/report.ipynb": json.dumps(
        {
            "cells": [
                {"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {"tags": ["parameters"]},
                 "outputs": [], "source": ["threshold = 0.8"]},
                {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
                 "source": ["print(threshold)"]},
            ],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    ),
    "notebooks/init.sh": "#!/bin/bash\npip install -q papermill\n",
}


def _write_code(workdir: Path) -> None:
    for rel, text in CODE.items():
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (1735689600, 1735689600))


# --------------------------------------------------------------------------------------------------
# Shared building blocks
# --------------------------------------------------------------------------------------------------

def images():
    from sagemaker import image_uris

    return {
        "sklearn": image_uris.retrieve("sklearn", REGION, version="1.2-1", instance_type="ml.m5.xlarge"),
        "xgboost": image_uris.retrieve("xgboost", REGION, version="1.7-1"),
    }


def sklearn_processor(ps, instance_type, base_job_name):
    from sagemaker.sklearn.processing import SKLearnProcessor

    return SKLearnProcessor(
        framework_version="1.2-1",
        role=ROLE,
        instance_type=instance_type,
        instance_count=1,
        base_job_name=base_job_name,
        sagemaker_session=ps,
    )


def out(name, source, destination):
    from sagemaker.processing import ProcessingOutput

    return ProcessingOutput(output_name=name, source=source, destination=destination)


def inp(name, source, destination, **kw):
    from sagemaker.processing import ProcessingInput

    return ProcessingInput(input_name=name, source=source, destination=destination, **kw)


def s3_uri_of(step, output_name):
    return step.properties.ProcessingOutputConfig.Outputs[output_name].S3Output.S3Uri


# --------------------------------------------------------------------------------------------------
# Demo pipelines
# --------------------------------------------------------------------------------------------------

def build_mlops(ps):
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput
    from sagemaker.model import Model
    from sagemaker.model_metrics import MetricsSource, ModelMetrics
    from sagemaker.processing import ScriptProcessor
    from sagemaker.transformer import Transformer
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.functions import Join, JsonGet
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.parameters import ParameterFloat, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.properties import PropertyFile
    from sagemaker.workflow.steps import ProcessingStep, TrainingStep, TransformStep

    name = "mlops-pipeline"
    img = images()
    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge")
    training_instance_type = ParameterString("TrainingInstanceType", default_value="ml.m5.xlarge")
    input_data = ParameterString("InputData", default_value=f"{RAW}/churn/raw/")
    accuracy_threshold = ParameterFloat("AccuracyThreshold", default_value=0.8)
    approval_status = ParameterString("ModelApprovalStatus", default_value="PendingManualApproval")

    # Preprocess -----------------------------------------------------------------------------------
    sk = sklearn_processor(ps, processing_instance_type, "churn-preprocess")
    preprocess = ProcessingStep(
        name="Preprocess",
        step_args=sk.run(
            code="code/preprocess.py",
            inputs=[inp("raw", input_data, "/opt/ml/processing/input")],
            outputs=[
                out(
                    "train",
                    "/opt/ml/processing/train",
                    Join(on="/", values=[f"{CURATED}/churn/train", ExecutionVariables.PIPELINE_EXECUTION_ID]),
                ),
                out("validation", "/opt/ml/processing/validation", f"{CURATED}/churn/validation/"),
                out("test", "/opt/ml/processing/test", f"{CURATED}/churn/test/"),
            ],
            arguments=["--train-ratio", "0.7", "--validation-ratio", "0.15"],
        ),
    )

    # Train ----------------------------------------------------------------------------------------
    xgb = Estimator(
        image_uri=img["xgboost"],
        role=ROLE,
        instance_type=training_instance_type,
        instance_count=1,
        output_path=f"{MODELS}/churn/",
        base_job_name="churn-train",
        sagemaker_session=ps,
    )
    xgb.set_hyperparameters(objective="binary:logistic", num_round=100, max_depth=5, eta=0.2, subsample=0.8)
    train = TrainingStep(
        name="Train",
        step_args=xgb.fit(
            inputs={
                "train": TrainingInput(s3_data=s3_uri_of(preprocess, "train"), content_type="text/csv"),
                "validation": TrainingInput(s3_data=s3_uri_of(preprocess, "validation"), content_type="text/csv"),
            }
        ),
    )

    # Evaluate -------------------------------------------------------------------------------------
    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluator = ScriptProcessor(
        image_uri=img["xgboost"],
        command=["python3"],
        role=ROLE,
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name="churn-evaluate",
        sagemaker_session=ps,
    )
    evaluate = ProcessingStep(
        name="Evaluate",
        step_args=evaluator.run(
            code="code/evaluate.py",
            inputs=[
                inp("model", train.properties.ModelArtifacts.S3ModelArtifacts, "/opt/ml/processing/model"),
                inp("test", s3_uri_of(preprocess, "test"), "/opt/ml/processing/test"),
            ],
            outputs=[out("evaluation", "/opt/ml/processing/evaluation", f"{CURATED}/churn/evaluation/")],
        ),
        property_files=[evaluation_report],
    )

    # Register + CreateModel + BatchTransform (if accurate enough) --------------------------------
    model_metrics = ModelMetrics(
        model_statistics=MetricsSource(
            s3_uri=Join(on="/", values=[s3_uri_of(evaluate, "evaluation"), "evaluation.json"]),
            content_type="application/json",
        )
    )
    model = Model(
        image_uri=img["xgboost"],
        model_data=train.properties.ModelArtifacts.S3ModelArtifacts,
        role=ROLE,
        sagemaker_session=ps,
    )
    register = ModelStep(
        name="Register",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.t2.medium", "ml.m5.large"],
            transform_instances=["ml.m5.large"],
            model_package_group_name="churn-models",
            approval_status=approval_status,
            model_metrics=model_metrics,
        ),
    )
    create_model = ModelStep(name="CreateModel", step_args=model.create(instance_type="ml.m5.large"))
    transformer = Transformer(
        model_name=create_model.properties.ModelName,
        instance_type="ml.m5.large",
        instance_count=1,
        output_path=f"{CURATED}/churn/predictions/",
        accept="text/csv",
        assemble_with="Line",
        base_transform_job_name="churn-batch",
        sagemaker_session=ps,
    )
    batch_transform = TransformStep(
        name="BatchTransform",
        step_args=transformer.transform(
            data=s3_uri_of(preprocess, "test"), content_type="text/csv", split_type="Line", input_filter="$[1:]"
        ),
    )
    fail = FailStep(
        name="FailAccuracy",
        error_message=Join(on=" ", values=["Model accuracy is below the threshold of", accuracy_threshold]),
    )
    check = ConditionStep(
        name="CheckAccuracy",
        conditions=[
            ConditionGreaterThanOrEqualTo(
                left=JsonGet(
                    step_name=evaluate.name, property_file=evaluation_report, json_path="metrics.accuracy.value"
                ),
                right=accuracy_threshold,
            )
        ],
        if_steps=[register, create_model, batch_transform],
        else_steps=[fail],
    )
    return Pipeline(
        name=name,
        parameters=[processing_instance_type, training_instance_type, input_data, accuracy_threshold, approval_status],
        steps=[preprocess, train, evaluate, check],
        sagemaker_session=ps,
    )


def build_churn_features(ps):
    from sagemaker.dataset_definition.inputs import (
        AthenaDatasetDefinition,
        DatasetDefinition,
        RedshiftDatasetDefinition,
    )
    from sagemaker.processing import FeatureStoreOutput, ProcessingInput, ProcessingOutput
    from sagemaker.workflow.parameters import ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.steps import ProcessingStep

    name = "churn-features-pipeline"
    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge")
    athena = ProcessingInput(
        input_name="customers-orders",
        dataset_definition=DatasetDefinition(
            athena_dataset_definition=AthenaDatasetDefinition(
                catalog="AwsDataCatalog",
                database="sales",
                query_string=(
                    "SELECT c.customer_id, c.tenure, sum(o.amount) AS total_spend FROM sales.customers c "
                    "JOIN sales.orders o ON c.customer_id = o.customer_id GROUP BY c.customer_id, c.tenure"
                ),
                output_s3_uri=f"{RAW}/athena-results/",
                output_format="PARQUET",
                work_group="primary",
            ),
            local_path="/opt/ml/processing/input/athena",
            data_distribution_type="FullyReplicated",
        ),
    )
    redshift = ProcessingInput(
        input_name="events",
        dataset_definition=DatasetDefinition(
            redshift_dataset_definition=RedshiftDatasetDefinition(
                cluster_id="analytics",
                database="dev",
                db_user="ml",
                query_string=(
                    "SELECT e.customer_id, e.event_type, count(*) AS n_events, max(e.event_time) AS last_seen "
                    "FROM public.events e WHERE e.event_time >= dateadd(day, -30, getdate()) "
                    "GROUP BY e.customer_id, e.event_type"
                ),
                cluster_role_arn=f"arn:aws:iam::{ACCOUNT}:role/RedshiftUnloadRole",
                output_s3_uri=f"{RAW}/redshift-unload/events/",
                output_format="PARQUET",
            ),
            local_path="/opt/ml/processing/input/redshift",
            data_distribution_type="FullyReplicated",
        ),
    )
    extract = ProcessingStep(
        name="ExtractFeatures",
        step_args=sklearn_processor(ps, processing_instance_type, "churn-extract-features").run(
            code="code/extract_features.py",
            inputs=[athena, redshift],
            outputs=[out("features", "/opt/ml/processing/features", f"{CURATED}/features/customers/")],
        ),
    )
    ingest = ProcessingStep(
        name="IngestFeatures",
        step_args=sklearn_processor(ps, processing_instance_type, "churn-ingest-features").run(
            code="code/ingest_features.py",
            inputs=[inp("features", s3_uri_of(extract, "features"), "/opt/ml/processing/features")],
            outputs=[
                out("offline-store", "/opt/ml/processing/offline", f"{FEATURESTORE}/offline/"),
                ProcessingOutput(
                    output_name="customers-feature-group",
                    app_managed=True,
                    feature_store_output=FeatureStoreOutput(feature_group_name="customers"),
                ),
            ],
            arguments=["--feature-group-name", "customers"],
        ),
    )
    return Pipeline(name=name, parameters=[processing_instance_type], steps=[extract, ingest], sagemaker_session=ps)


def build_nightly_etl(ps):
    from sagemaker.model_monitor import DatasetFormat
    from sagemaker.workflow.check_job_config import CheckJobConfig
    from sagemaker.workflow.parameters import ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep
    from sagemaker.workflow.steps import ProcessingStep

    name = "nightly-etl-pipeline"
    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge")
    extract = ProcessingStep(
        name="Extract",
        step_args=sklearn_processor(ps, processing_instance_type, "nightly-extract").run(
            code="code/extract_events.py",
            inputs=[
                inp("events-csv", f"{RAW}/events/csv/", "/opt/ml/processing/input/csv"),
                inp("events-jsonl", f"{RAW}/events/jsonl/", "/opt/ml/processing/input/jsonl"),
            ],
            outputs=[out("staged", "/opt/ml/processing/staged", f"{CURATED}/staging/events/")],
        ),
    )
    validate = QualityCheckStep(
        name="Validate",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=s3_uri_of(extract, "staged"),
            dataset_format=DatasetFormat.csv(header=True),
            output_s3_uri=f"{CURATED}/quality/events/",
        ),
        check_job_config=CheckJobConfig(
            role=ROLE,
            instance_count=1,
            instance_type="ml.m5.xlarge",
            volume_size_in_gb=30,
            base_job_name="nightly-validate",
            sagemaker_session=ps,
        ),
        skip_check=False,
        register_new_baseline=False,
        supplied_baseline_statistics=f"{CURATED}/quality/baseline/statistics.json",
        supplied_baseline_constraints=f"{CURATED}/quality/baseline/constraints.json",
        depends_on=["Extract"],  # a step name string
    )
    load = ProcessingStep(
        name="Load",
        step_args=sklearn_processor(ps, processing_instance_type, "nightly-load").run(
            code="code/load_events.py",
            inputs=[inp("staged", s3_uri_of(extract, "staged"), "/opt/ml/processing/staged")],
            outputs=[out("events", "/opt/ml/processing/events", f"{CURATED}/events/")],
        ),
        depends_on=[validate],  # a step object
    )
    return Pipeline(
        name=name, parameters=[processing_instance_type], steps=[extract, validate, load], sagemaker_session=ps
    )


def build_fanout(ps, n):
    from sagemaker.workflow.parameters import ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.steps import ProcessingStep

    name = f"fanout-{n}-pipeline"
    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.large")
    split = ProcessingStep(
        name="Split",
        step_args=sklearn_processor(ps, processing_instance_type, "fanout-split").run(
            code="code/split.py",
            inputs=[inp("input", f"{RAW}/fanout/input/", "/opt/ml/processing/input")],
            outputs=[out("shards", "/opt/ml/processing/shards", f"{CURATED}/fanout/split/")],
            arguments=["--shards", str(n - 2)],
        ),
    )
    shards = []
    for i in range(n - 2):
        shards.append(
            ProcessingStep(
                name=f"Shard-{i:03d}",
                step_args=sklearn_processor(ps, processing_instance_type, "fanout-shard").run(
                    code="code/shard.py",
                    inputs=[inp("shards", s3_uri_of(split, "shards"), "/opt/ml/processing/input")],
                    outputs=[out("shard", "/opt/ml/processing/output", f"{CURATED}/fanout/shard-{i:03d}/")],
                    arguments=["--shard-index", str(i)],
                ),
            )
        )
    merge = ProcessingStep(
        name="Merge",
        step_args=sklearn_processor(ps, processing_instance_type, "fanout-merge").run(
            code="code/merge.py",
            inputs=[inp(f"shard-{i:03d}", s3_uri_of(s, "shard"), f"/opt/ml/processing/input/shard-{i:03d}")
                    for i, s in enumerate(shards)],
            outputs=[out("merged", "/opt/ml/processing/merged", f"{CURATED}/fanout/merged/")],
        ),
    )
    return Pipeline(
        name=name, parameters=[processing_instance_type], steps=[split, *shards, merge], sagemaker_session=ps
    )


DEMO = {
    "mlops-pipeline": build_mlops,
    "churn-features-pipeline": build_churn_features,
    "nightly-etl-pipeline": build_nightly_etl,
    "fanout-10-pipeline": lambda ps: build_fanout(ps, 10),
    "fanout-50-pipeline": lambda ps: build_fanout(ps, 50),
    "fanout-100-pipeline": lambda ps: build_fanout(ps, 100),
}


# --------------------------------------------------------------------------------------------------
# The zoo (tests/fixtures/definitions/): every step type the SDK 2.x renders
# --------------------------------------------------------------------------------------------------

ZOO_BUCKET = f"s3://sm-lineage-zoo-{ACCOUNT}"


def zoo_processing(ps):
    """Processing in its flavours: SKLearn, Script, Framework (source_dir), PySpark; cache and retry
    policies; Parameter/ExecutionVariable/Join-built URIs; job names kept in the definition
    (PipelineDefinitionConfig(use_custom_job_prefix=True)); no experiment config; parallelism."""
    from sagemaker.processing import FrameworkProcessor, ScriptProcessor
    from sagemaker.sklearn.estimator import SKLearn
    from sagemaker.spark.processing import PySparkProcessor
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.parameters import ParameterInteger, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.pipeline_definition_config import PipelineDefinitionConfig
    from sagemaker.workflow.retry import (
        SageMakerJobExceptionTypeEnum,
        SageMakerJobStepRetryPolicy,
        StepExceptionTypeEnum,
        StepRetryPolicy,
    )
    from sagemaker.workflow.steps import CacheConfig, ProcessingStep

    instance_count = ParameterInteger("InstanceCount", default_value=1)
    input_uri = ParameterString("InputUri", default_value=f"{ZOO_BUCKET}/raw/")
    cache = CacheConfig(enable_caching=True, expire_after="P30D")
    retry = [
        StepRetryPolicy(exception_types=[StepExceptionTypeEnum.SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING],
                        interval_seconds=10, backoff_rate=2.0, max_attempts=3),
        SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.CAPACITY_ERROR], max_attempts=2),
    ]
    sk = sklearn_processor(ps, "ml.m5.xlarge", "zoo-sklearn")
    sk.instance_count = instance_count
    s_sklearn = ProcessingStep(
        name="SKLearnProcess",
        display_name="SKLearn processing",
        description="reads a parameter URI, writes to an execution-scoped Join URI",
        step_args=sk.run(
            code="code/generic.py",
            inputs=[inp("raw", input_uri, "/opt/ml/processing/input", s3_data_distribution_type="ShardedByS3Key")],
            outputs=[
                out("clean", "/opt/ml/processing/clean",
                    Join(on="/", values=[f"{ZOO_BUCKET}/clean", ExecutionVariables.PIPELINE_NAME,
                                         ExecutionVariables.PIPELINE_EXECUTION_ID])),
                out("manifest", "/opt/ml/processing/manifest", f"{ZOO_BUCKET}/manifests/"),
            ],
        ),
        cache_config=cache,
        retry_policies=retry,
    )
    script = ScriptProcessor(
        image_uri=images()["sklearn"], command=["python3"], role=ROLE, instance_type="ml.m5.large",
        instance_count=1, base_job_name="zoo-script", sagemaker_session=ps,
        env={"MODE": "strict"}, max_runtime_in_seconds=3600,
    )
    from sagemaker.processing import ProcessingOutput
    s_script = ProcessingStep(
        name="ScriptProcess",
        step_args=script.run(
            code=f"{ZOO_BUCKET}/code/prebuilt.py",
            inputs=[
                inp("clean", s3_uri_of(s_sklearn, "clean"), "/opt/ml/processing/clean"),
                inp("manifest", f"{ZOO_BUCKET}/manifests/input.manifest", "/opt/ml/processing/manifest",
                    s3_data_type="ManifestFile"),
                inp("lookup", f"{ZOO_BUCKET}/lookup/countries.csv.gz", "/opt/ml/processing/lookup",
                    s3_compression_type="Gzip", s3_input_mode="Pipe"),
            ],
            outputs=[
                ProcessingOutput(output_name="continuous", source="/opt/ml/processing/stream",
                                 destination=f"{ZOO_BUCKET}/stream/", s3_upload_mode="Continuous"),
            ],
            arguments=["--input", s3_uri_of(s_sklearn, "clean")],
        ),
    )
    fw = FrameworkProcessor(
        estimator_cls=SKLearn, framework_version="1.2-1", role=ROLE, instance_type="ml.m5.large",
        instance_count=1, base_job_name="zoo-framework", sagemaker_session=ps,
    )
    s_framework = ProcessingStep(
        name="FrameworkProcess",
        step_args=fw.run(
            code="generic.py",
            source_dir="code",
            inputs=[inp("clean", s3_uri_of(s_sklearn, "clean"), "/opt/ml/processing/clean")],
            outputs=[out("report", "/opt/ml/processing/report", f"{ZOO_BUCKET}/reports/")],
        ),
    )
    spark = PySparkProcessor(
        framework_version="3.3", role=ROLE, instance_type="ml.m5.xlarge", instance_count=2,
        base_job_name="zoo-spark", sagemaker_session=ps,
    )
    s_spark = ProcessingStep(
        name="SparkProcess",
        step_args=spark.run(
            submit_app="code/spark_job.py",
            submit_py_files=["code/lib/helpers.py"],
            arguments=["--input", s3_uri_of(s_sklearn, "clean"), "--output", f"{ZOO_BUCKET}/spark-out/"],
            spark_event_logs_s3_uri=f"{ZOO_BUCKET}/spark-logs/",
        ),
        depends_on=[s_sklearn],
    )
    return Pipeline(
        name="zoo-processing",
        parameters=[instance_count, input_uri],
        steps=[s_sklearn, s_script, s_framework, s_spark],
        sagemaker_session=ps,
        pipeline_experiment_config=None,
        pipeline_definition_config=PipelineDefinitionConfig(use_custom_job_prefix=True),
    )


def zoo_training_tuning(ps):
    """Training (built-in algorithm and script mode), Tuning (single and multi-estimator)."""
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import FileSystemInput, TrainingInput
    from sagemaker.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter
    from sagemaker.sklearn.estimator import SKLearn
    from sagemaker.tuner import HyperparameterTuner
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.steps import TrainingStep, TuningStep

    xgb = Estimator(
        image_uri=images()["xgboost"], role=ROLE, instance_type="ml.m5.xlarge", instance_count=1,
        output_path=f"{ZOO_BUCKET}/models/xgb/", base_job_name="zoo-xgb", sagemaker_session=ps,
        checkpoint_s3_uri=f"{ZOO_BUCKET}/checkpoints/xgb/", use_spot_instances=True, max_wait=7200,
        max_run=3600, enable_sagemaker_metrics=True,
        metric_definitions=[{"Name": "validation:auc", "Regex": "validation-auc:([0-9.]+)"}],
    )
    xgb.set_hyperparameters(objective="binary:logistic", num_round=50)
    channels = {
        "train": TrainingInput(s3_data=f"{ZOO_BUCKET}/train/", content_type="text/csv",
                               distribution="ShardedByS3Key", input_mode="FastFile"),
        "validation": TrainingInput(s3_data=f"{ZOO_BUCKET}/validation/validation.manifest",
                                    s3_data_type="ManifestFile", content_type="text/csv"),
    }
    s_xgb = TrainingStep(name="TrainXGBoost", step_args=xgb.fit(inputs=channels))
    sk = SKLearn(
        entry_point="train.py", source_dir="code", framework_version="1.2-1", py_version="py3", role=ROLE,
        instance_type="ml.m5.large", instance_count=1, output_path=f"{ZOO_BUCKET}/models/sklearn/",
        base_job_name="zoo-sklearn", sagemaker_session=ps, hyperparameters={"alpha": 0.1},
        environment={"LOG_LEVEL": "info"},
    )
    s_sk = TrainingStep(
        name="TrainSKLearn",
        step_args=sk.fit(inputs={
            "train": TrainingInput(s3_data=f"{ZOO_BUCKET}/train/"),
            "efs": FileSystemInput(file_system_id="fs-0123456789abcdef0", file_system_type="EFS",
                                   directory_path="/ml/reference", file_system_access_mode="ro"),
        }),
    )
    tuner = HyperparameterTuner(
        estimator=xgb, objective_metric_name="validation:auc", objective_type="Maximize",
        hyperparameter_ranges={"eta": ContinuousParameter(0.01, 0.5), "max_depth": IntegerParameter(3, 10)},
        max_jobs=4, max_parallel_jobs=2, strategy="Bayesian", base_tuning_job_name="zoo-tune",
    )
    s_tune = TuningStep(name="Tune", step_args=tuner.fit(inputs=channels))
    multi = HyperparameterTuner.create(
        estimator_dict={"xgb": xgb, "sklearn": sk},
        objective_metric_name_dict={"xgb": "validation:auc", "sklearn": "test:score"},
        hyperparameter_ranges_dict={
            "xgb": {"eta": ContinuousParameter(0.01, 0.5)},
            "sklearn": {"alpha": CategoricalParameter([0.01, 0.1, 1.0])},
        },
        metric_definitions_dict={"sklearn": [{"Name": "test:score", "Regex": "score=([0-9.]+)"}]},
        max_jobs=4, max_parallel_jobs=2, base_tuning_job_name="zoo-multi",
    )
    s_multi = TuningStep(
        name="TuneMulti",
        step_args=multi.fit(inputs={"xgb": channels,
                                    "sklearn": {"train": TrainingInput(s3_data=f"{ZOO_BUCKET}/train/")}},
                            include_cls_metadata={}),
    )
    from sagemaker.processing import ScriptProcessor
    from sagemaker.workflow.steps import ProcessingStep
    best = ScriptProcessor(image_uri=images()["xgboost"], command=["python3"], role=ROLE, instance_type="ml.m5.large",
                           instance_count=1, base_job_name="zoo-best", sagemaker_session=ps)
    s_best = ProcessingStep(
        name="InspectBestModel",
        step_args=best.run(
            code="code/generic.py",
            inputs=[
                inp("best", s_tune.get_top_model_s3_uri(top_k=0, s3_bucket=f"sm-lineage-zoo-{ACCOUNT}",
                                                        prefix="models/xgb"), "/opt/ml/processing/best"),
                inp("sklearn-model", s_sk.properties.ModelArtifacts.S3ModelArtifacts, "/opt/ml/processing/sk"),
                inp("xgb-model", s_xgb.properties.ModelArtifacts.S3ModelArtifacts, "/opt/ml/processing/xgb"),
            ],
            outputs=[out("summary", "/opt/ml/processing/summary", f"{ZOO_BUCKET}/tuning-summary/")],
        ),
    )
    return Pipeline(name="zoo-training-tuning", steps=[s_xgb, s_sk, s_tune, s_multi, s_best], sagemaker_session=ps)


def zoo_model_transform(ps):
    """Model creation and registration in all SDK forms: ModelStep (create, register, and with a
    model that needs repacking -> an extra _RepackModel Training step), legacy CreateModelStep and
    RegisterModel step collection, PipelineModel registration; TransformStep with data processing;
    MonitorBatchTransformStep (a Transform plus a QualityCheck)."""
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import CreateModelInput, TrainingInput, TransformInput
    from sagemaker.model import Model
    from sagemaker.model_monitor import DatasetFormat
    from sagemaker.pipeline import PipelineModel
    from sagemaker.sklearn.model import SKLearnModel
    from sagemaker.transformer import Transformer
    from sagemaker.workflow.check_job_config import CheckJobConfig
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.monitor_batch_transform_step import MonitorBatchTransformStep
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.quality_check_step import DataQualityCheckConfig
    from sagemaker.workflow.step_collections import RegisterModel
    from sagemaker.workflow.steps import CreateModelStep, TrainingStep, TransformStep

    img = images()
    xgb = Estimator(image_uri=img["xgboost"], role=ROLE, instance_type="ml.m5.xlarge", instance_count=1,
                    output_path=f"{ZOO_BUCKET}/models/xgb/", base_job_name="zoo-xgb", sagemaker_session=ps)
    xgb.set_hyperparameters(objective="reg:squarederror", num_round=20)
    s_train = TrainingStep(name="Train", step_args=xgb.fit(inputs={"train": TrainingInput(f"{ZOO_BUCKET}/train/")}))
    artifacts = s_train.properties.ModelArtifacts.S3ModelArtifacts

    model = Model(image_uri=img["xgboost"], model_data=artifacts, role=ROLE, sagemaker_session=ps,
                  env={"SAGEMAKER_PROGRAM": "inference.py"})
    s_create = ModelStep(name="CreateXGBModel", step_args=model.create(instance_type="ml.m5.large"))
    s_register = ModelStep(
        name="RegisterXGBModel",
        step_args=model.register(content_types=["text/csv"], response_types=["text/csv"],
                                 inference_instances=["ml.m5.large"], transform_instances=["ml.m5.large"],
                                 model_package_group_name="zoo-models", approval_status="Approved",
                                 description="registered with ModelStep"),
    )
    sk_model = SKLearnModel(model_data=artifacts, entry_point="inference.py", source_dir="code", role=ROLE,
                            framework_version="1.2-1", py_version="py3", sagemaker_session=ps)
    s_repack = ModelStep(
        name="RegisterRepacked",
        step_args=sk_model.register(content_types=["text/csv"], response_types=["text/csv"],
                                    inference_instances=["ml.m5.large"], transform_instances=["ml.m5.large"],
                                    model_package_group_name="zoo-models"),
        repack_model_step_settings={"output_path": f"{ZOO_BUCKET}/repacked/"},
    )
    legacy_model = Model(image_uri=img["xgboost"], model_data=artifacts, role=ROLE, sagemaker_session=ps,
                         name="zoo-legacy-model")
    s_legacy_create = CreateModelStep(name="LegacyCreateModel", model=legacy_model,
                                      inputs=CreateModelInput(instance_type="ml.m5.large"))
    s_legacy_register = RegisterModel(
        name="LegacyRegister", estimator=xgb, model_data=artifacts, content_types=["text/csv"],
        response_types=["text/csv"], inference_instances=["ml.m5.large"], transform_instances=["ml.m5.large"],
        model_package_group_name="zoo-models", approval_status="PendingManualApproval",
    )
    pipeline_model = PipelineModel(
        models=[Model(image_uri=img["sklearn"], model_data=f"{ZOO_BUCKET}/models/preprocessor/model.tar.gz",
                      role=ROLE, sagemaker_session=ps),
                Model(image_uri=img["xgboost"], model_data=artifacts, role=ROLE, sagemaker_session=ps)],
        role=ROLE, sagemaker_session=ps,
    )
    s_pm = ModelStep(
        name="RegisterPipelineModel",
        step_args=pipeline_model.register(content_types=["text/csv"], response_types=["text/csv"],
                                          inference_instances=["ml.m5.large"], transform_instances=["ml.m5.large"],
                                          model_package_group_name="zoo-pipeline-models"),
    )
    transformer = Transformer(model_name=s_create.properties.ModelName, instance_type="ml.m5.large", instance_count=1,
                              output_path=f"{ZOO_BUCKET}/predictions/", accept="text/csv", assemble_with="Line",
                              strategy="MultiRecord", max_payload=6, sagemaker_session=ps,
                              base_transform_job_name="zoo-transform")
    s_transform = TransformStep(
        name="Transform",
        step_args=transformer.transform(data=f"{ZOO_BUCKET}/batch-input/", content_type="text/csv", split_type="Line",
                                        input_filter="$[1:]", join_source="Input", output_filter="$[0,-1]"),
    )
    s_legacy_transform = TransformStep(
        name="LegacyTransform",
        transformer=Transformer(model_name=s_legacy_create.properties.ModelName, instance_type="ml.m5.large",
                                instance_count=1, output_path=f"{ZOO_BUCKET}/predictions-legacy/",
                                sagemaker_session=ps),
        inputs=TransformInput(data=f"{ZOO_BUCKET}/batch-input/manifest.json", data_type="ManifestFile",
                              content_type="text/csv"),
    )
    monitor_transformer = Transformer(model_name=s_create.properties.ModelName, instance_type="ml.m5.large",
                                      instance_count=1, output_path=f"{ZOO_BUCKET}/monitored-predictions/",
                                      sagemaker_session=ps, base_transform_job_name="zoo-monitored")
    s_monitor = MonitorBatchTransformStep(
        name="MonitoredTransform",
        transform_step_args=monitor_transformer.transform(data=f"{ZOO_BUCKET}/batch-input/", content_type="text/csv"),
        monitor_configuration=DataQualityCheckConfig(
            baseline_dataset=f"{ZOO_BUCKET}/batch-input/", dataset_format=DatasetFormat.csv(header=False),
            output_s3_uri=f"{ZOO_BUCKET}/monitoring/"),
        check_job_configuration=CheckJobConfig(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
                                               sagemaker_session=ps, base_job_name="zoo-monitor"),
        monitor_before_transform=True,
        supplied_baseline_statistics=f"{ZOO_BUCKET}/baseline/statistics.json",
        supplied_baseline_constraints=f"{ZOO_BUCKET}/baseline/constraints.json",
    )
    return Pipeline(
        name="zoo-model-transform",
        steps=[s_train, s_create, s_register, s_repack, s_legacy_create, s_legacy_register, s_pm, s_transform,
               s_legacy_transform, s_monitor],
        sagemaker_session=ps,
    )


def zoo_conditions(ps):
    """Condition steps: nested Condition inside an if-branch, every condition type, JsonGet over a
    property file and over an S3 URI, Fail steps at two depths, all Parameter types."""
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import (
        ConditionEquals,
        ConditionGreaterThan,
        ConditionIn,
        ConditionLessThan,
        ConditionLessThanOrEqualTo,
        ConditionNot,
        ConditionOr,
    )
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.functions import Join, JsonGet
    from sagemaker.workflow.parameters import ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.properties import PropertyFile
    from sagemaker.workflow.steps import ProcessingStep

    p_env = ParameterString("Environment", default_value="dev", enum_values=["dev", "staging", "prod"])
    p_rows = ParameterInteger("MinRows", default_value=1000)
    p_score = ParameterFloat("MinScore", default_value=0.75)
    p_strict = ParameterBoolean("Strict", default_value=False)
    p_nodefault = ParameterString("Owner")
    report = PropertyFile(name="Report", output_name="report", path="report.json")
    s_profile = ProcessingStep(
        name="Profile",
        step_args=sklearn_processor(ps, "ml.m5.large", "zoo-profile").run(
            code="code/generic.py",
            inputs=[inp("data", f"{ZOO_BUCKET}/raw/", "/opt/ml/processing/data")],
            outputs=[out("report", "/opt/ml/processing/report", f"{ZOO_BUCKET}/profile/")],
        ),
        property_files=[report],
    )
    rows = JsonGet(step_name=s_profile.name, property_file=report, json_path="rows")
    s_publish = ProcessingStep(
        name="Publish",
        step_args=sklearn_processor(ps, "ml.m5.large", "zoo-publish").run(
            code="code/generic.py",
            inputs=[inp("profile", s3_uri_of(s_profile, "report"), "/opt/ml/processing/profile")],
            outputs=[out("published", "/opt/ml/processing/out",
                         Join(on="/", values=[f"{ZOO_BUCKET}/published", p_env, ExecutionVariables.START_DATETIME]))],
        ),
    )
    s_fail_inner = FailStep(name="FailScore", error_message=Join(on="", values=["score below ", p_score]))
    s_inner = ConditionStep(
        name="CheckScore",
        conditions=[
            ConditionOr(conditions=[
                ConditionGreaterThan(
                    left=JsonGet(s3_uri=Join(on="/", values=[s3_uri_of(s_profile, "report"), "report.json"]),
                                 json_path="score"),
                    right=p_score),
                ConditionEquals(left=p_strict, right=False),
            ]),
        ],
        if_steps=[s_publish],
        else_steps=[s_fail_inner],
    )
    s_fail_outer = FailStep(name="FailRows", error_message="too few rows")
    s_outer = ConditionStep(
        name="CheckRows",
        conditions=[
            ConditionGreaterThan(left=rows, right=p_rows),
            ConditionIn(value=p_env, in_values=["dev", "staging", "prod"]),
            ConditionNot(expression=ConditionLessThan(left=rows, right=10)),
            ConditionLessThanOrEqualTo(left=s_profile.properties.ProcessingResources.ClusterConfig.InstanceCount,
                                       right=4),
            ConditionEquals(left=ExecutionVariables.PIPELINE_NAME, right="zoo-conditions"),
        ],
        if_steps=[s_inner],
        else_steps=[s_fail_outer],
    )
    return Pipeline(name="zoo-conditions", parameters=[p_env, p_rows, p_score, p_strict, p_nodefault],
                    steps=[s_profile, s_outer], sagemaker_session=ps)


def zoo_lambda_callback(ps):
    """LambdaStep (function ARN, offline) and CallbackStep (SQS URL), with inputs that reference a
    Processing step's output and a consumer of their output parameters."""
    from sagemaker.lambda_helper import Lambda
    from sagemaker.workflow.callback_step import CallbackOutput, CallbackOutputTypeEnum, CallbackStep
    from sagemaker.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.steps import ProcessingStep

    s_prep = ProcessingStep(
        name="Prepare",
        step_args=sklearn_processor(ps, "ml.m5.large", "zoo-prepare").run(
            code="code/generic.py",
            inputs=[inp("raw", f"{ZOO_BUCKET}/raw/", "/opt/ml/processing/raw")],
            outputs=[out("prepared", "/opt/ml/processing/prepared", f"{ZOO_BUCKET}/prepared/")],
        ),
    )
    s_lambda = LambdaStep(
        name="CopyToPartner",
        lambda_func=Lambda(function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:copy-to-partner",
                           session=ps),
        inputs={"source": s3_uri_of(s_prep, "prepared"), "destination": f"s3://partner-bucket-{ACCOUNT}/drop/"},
        outputs=[LambdaOutput(output_name="copied_uri", output_type=LambdaOutputTypeEnum.String),
                 LambdaOutput(output_name="object_count", output_type=LambdaOutputTypeEnum.Integer)],
    )
    s_callback = CallbackStep(
        name="ManualReview",
        sqs_queue_url=f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/review-queue",
        inputs={"dataset": s3_uri_of(s_prep, "prepared"), "copied": s_lambda.properties.Outputs["copied_uri"]},
        outputs=[CallbackOutput(output_name="approved", output_type=CallbackOutputTypeEnum.Boolean),
                 CallbackOutput(output_name="reviewed_uri", output_type=CallbackOutputTypeEnum.String)],
    )
    s_after = ProcessingStep(
        name="AfterReview",
        step_args=sklearn_processor(ps, "ml.m5.large", "zoo-after").run(
            code="code/generic.py",
            inputs=[inp("reviewed", s_callback.properties.Outputs["reviewed_uri"], "/opt/ml/processing/reviewed")],
            outputs=[out("final", "/opt/ml/processing/final", f"{ZOO_BUCKET}/final/")],
        ),
    )
    return Pipeline(name="zoo-lambda-callback", steps=[s_prep, s_lambda, s_callback, s_after], sagemaker_session=ps)


def zoo_emr(ps):
    """EMRStep on an existing cluster (cluster_id) and on a cluster the step creates (cluster_config)."""
    from sagemaker.workflow.emr_step import EMRStep, EMRStepConfig
    from sagemaker.workflow.pipeline import Pipeline

    s_existing = EMRStep(
        name="SparkOnCluster",
        display_name="Spark on an existing cluster",
        description="spark-submit on j-1ABCDEFGHIJKL",
        cluster_id="j-1ABCDEFGHIJKL",
        step_config=EMRStepConfig(
            jar="command-runner.jar",
            args=["spark-submit", f"{ZOO_BUCKET}/code/aggregate.py", "--input", f"{ZOO_BUCKET}/raw/events/",
                  "--output", f"{ZOO_BUCKET}/emr/aggregates/"],
            properties=[{"Key": "spark.executor.memory", "Value": "4g"}],
        ),
    )
    s_new = EMRStep(
        name="HadoopOnNewCluster",
        display_name="Hadoop jar on a new cluster",
        description="creates a transient cluster",
        cluster_id=None,
        cluster_config={
            "ReleaseLabel": "emr-6.15.0",
            "Instances": {
                "InstanceGroups": [
                    {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                    {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
                ],
            },
            "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
        },
        step_config=EMRStepConfig(jar=f"{ZOO_BUCKET}/jars/wordcount.jar", main_class="org.example.WordCount",
                                  args=[f"{ZOO_BUCKET}/emr/aggregates/", f"{ZOO_BUCKET}/emr/wordcount/"]),
        depends_on=["SparkOnCluster"],
    )
    return Pipeline(name="zoo-emr", steps=[s_existing, s_new], sagemaker_session=ps)


def zoo_checks(ps):
    """QualityCheck (data quality, model quality) and ClarifyCheck (data bias, model bias, model
    explainability)."""
    from sagemaker.clarify import BiasConfig, DataConfig, ModelConfig, ModelPredictedLabelConfig, SHAPConfig
    from sagemaker.model_monitor import DatasetFormat
    from sagemaker.workflow.check_job_config import CheckJobConfig
    from sagemaker.workflow.clarify_check_step import (
        ClarifyCheckStep,
        DataBiasCheckConfig,
        ModelBiasCheckConfig,
        ModelExplainabilityCheckConfig,
    )
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.quality_check_step import (
        DataQualityCheckConfig,
        ModelQualityCheckConfig,
        QualityCheckStep,
    )

    cfg = CheckJobConfig(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=30,
                         sagemaker_session=ps, base_job_name="zoo-check")
    s_dq = QualityCheckStep(
        name="DataQuality",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=f"{ZOO_BUCKET}/train/train.csv", dataset_format=DatasetFormat.csv(header=True),
            output_s3_uri=f"{ZOO_BUCKET}/checks/data-quality/"),
        check_job_config=cfg, skip_check=True, register_new_baseline=True, model_package_group_name="zoo-models",
    )
    s_mq = QualityCheckStep(
        name="ModelQuality",
        quality_check_config=ModelQualityCheckConfig(
            baseline_dataset=f"{ZOO_BUCKET}/predictions/with-labels.csv",
            dataset_format=DatasetFormat.csv(header=True), output_s3_uri=f"{ZOO_BUCKET}/checks/model-quality/",
            problem_type="BinaryClassification", inference_attribute="_c0", probability_attribute="_c1",
            ground_truth_attribute="label"),
        check_job_config=cfg, skip_check=False, register_new_baseline=False,
        supplied_baseline_statistics=f"{ZOO_BUCKET}/baselines/model-quality/statistics.json",
        supplied_baseline_constraints=f"{ZOO_BUCKET}/baselines/model-quality/constraints.json",
        model_package_group_name="zoo-models",
    )
    data_config = DataConfig(s3_data_input_path=f"{ZOO_BUCKET}/train/train.csv",
                             s3_output_path=f"{ZOO_BUCKET}/checks/data-bias/", label="label",
                             headers=["label", "age", "tenure", "gender"], dataset_type="text/csv")
    bias_config = BiasConfig(label_values_or_threshold=[1], facet_name="gender", facet_values_or_threshold=[1])
    s_db = ClarifyCheckStep(
        name="DataBias",
        clarify_check_config=DataBiasCheckConfig(data_config=data_config, data_bias_config=bias_config,
                                                 methods="all"),
        check_job_config=cfg, skip_check=False, register_new_baseline=False, model_package_group_name="zoo-models",
    )
    model_config = ModelConfig(model_name="zoo-churn-model", instance_count=1, instance_type="ml.m5.large",
                               content_type="text/csv", accept_type="text/csv")
    s_mb = ClarifyCheckStep(
        name="ModelBias",
        clarify_check_config=ModelBiasCheckConfig(
            data_config=DataConfig(s3_data_input_path=f"{ZOO_BUCKET}/train/train.csv",
                                   s3_output_path=f"{ZOO_BUCKET}/checks/model-bias/", label="label",
                                   headers=["label", "age", "tenure", "gender"], dataset_type="text/csv"),
            data_bias_config=bias_config, model_config=model_config,
            model_predicted_label_config=ModelPredictedLabelConfig(probability_threshold=0.5)),
        check_job_config=cfg, skip_check=False, register_new_baseline=False, model_package_group_name="zoo-models",
    )
    s_me = ClarifyCheckStep(
        name="ModelExplainability",
        clarify_check_config=ModelExplainabilityCheckConfig(
            data_config=DataConfig(s3_data_input_path=f"{ZOO_BUCKET}/train/train.csv",
                                   s3_output_path=f"{ZOO_BUCKET}/checks/explainability/", label="label",
                                   headers=["label", "age", "tenure", "gender"], dataset_type="text/csv"),
            model_config=model_config,
            explainability_config=SHAPConfig(baseline=[[35, 12, 0]], num_samples=50, agg_method="mean_abs")),
        check_job_config=cfg, skip_check=False, register_new_baseline=False, model_package_group_name="zoo-models",
    )
    return Pipeline(name="zoo-checks", steps=[s_dq, s_mq, s_db, s_mb, s_me], sagemaker_session=ps)


def zoo_automl(ps):
    from sagemaker.automl.automl import AutoML, AutoMLInput
    from sagemaker.workflow.automl_step import AutoMLStep
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.pipeline import Pipeline

    automl = AutoML(role=ROLE, target_attribute_name="churn", sagemaker_session=ps, mode="ENSEMBLING",
                    output_path=f"{ZOO_BUCKET}/automl/", problem_type="BinaryClassification",
                    job_objective={"MetricName": "F1"}, max_candidates=10, base_job_name="zoo-automl")
    s_automl = AutoMLStep(
        name="AutoML",
        step_args=automl.fit(inputs=[
            AutoMLInput(inputs=f"{ZOO_BUCKET}/automl/train/", target_attribute_name="churn", channel_type="training"),
            AutoMLInput(inputs=f"{ZOO_BUCKET}/automl/validation/", target_attribute_name="churn",
                        channel_type="validation"),
        ]),
    )
    best_model = s_automl.get_best_auto_ml_model(ROLE, sagemaker_session=ps)
    s_model = ModelStep(name="BestModel", step_args=best_model.create(instance_type="ml.m5.large"))
    return Pipeline(name="zoo-automl", steps=[s_automl, s_model], sagemaker_session=ps)


def zoo_notebook_job(ps):
    from sagemaker.workflow.notebook_job_step import NotebookJobStep
    from sagemaker.workflow.pipeline import Pipeline

    s_nb = NotebookJobStep(
        name="WeeklyReport",
        notebook_job_name="weekly-report",
        input_notebook="notebooks/report.ipynb",
        initialization_script="notebooks/init.sh",
        image_uri=f"{images()['sklearn']}",
        kernel_name="python3",
        role=ROLE,
        s3_root_uri=f"{ZOO_BUCKET}/notebook-jobs/",
        parameters={"threshold": "0.9"},
        environment_variables={"STAGE": "zoo"},
        instance_type="ml.m5.large",
    )
    return Pipeline(name="zoo-notebook-job", steps=[s_nb], sagemaker_session=ps)


def zoo_function_step(ps):
    from sagemaker.workflow.function_step import step
    from sagemaker.workflow.pipeline import Pipeline

    image = images()["sklearn"]

    @step(name="load", display_name="load raw data", description="a @step function", instance_type="ml.m5.large",
          image_uri=image, role=ROLE,
          keep_alive_period_in_seconds=0, environment_variables={"STAGE": "zoo"},
          dependencies="code/requirements.txt")
    def load(uri: str) -> str:
        return uri

    @step(name="summarise", display_name="summarise", description="consumes load's return value",
          instance_type="ml.m5.large", image_uri=image, role=ROLE,
          dependencies="code/requirements.txt")
    def summarise(uri: str) -> dict:
        return {"uri": uri}

    loaded = load(f"{ZOO_BUCKET}/raw/")
    summary = summarise(loaded)
    return Pipeline(name="zoo-function-step", steps=[summary], sagemaker_session=ps)


def zoo_endpoint_lineage(ps):
    """EndpointConfig, Endpoint, InferenceComponent and Lineage steps (new in late 2.x)."""
    from sagemaker.lineage.action import Action
    from sagemaker.lineage.artifact import Artifact
    from sagemaker.model import Model
    from sagemaker.workflow.endpoint_step import EndpointConfigStep, EndpointStep
    from sagemaker.workflow.inference_component_step import InferenceComponentStep
    from sagemaker.workflow.lineage_step import LineageAssociation, LineageEntityReference, LineageStep
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.pipeline import Pipeline

    img = images()
    model = Model(image_uri=img["xgboost"], model_data=f"{ZOO_BUCKET}/models/xgb/model.tar.gz", role=ROLE,
                  sagemaker_session=ps)
    s_model = ModelStep(name="Model", step_args=model.create(instance_type="ml.m5.large"))
    s_config = EndpointConfigStep(
        name="CreateConfig",
        step_args=ps.create_endpoint_config(name="zoo-endpoint-config", model_name=s_model.properties.ModelName,
                                            initial_instance_count=1, instance_type="ml.m5.large",
                                            data_capture_config_dict={
                                                "EnableCapture": True, "InitialSamplingPercentage": 100,
                                                "DestinationS3Uri": f"{ZOO_BUCKET}/data-capture/",
                                                "CaptureOptions": [{"CaptureMode": "Input"},
                                                                   {"CaptureMode": "Output"}]}),
    )
    s_endpoint = EndpointStep(
        name="CreateEndpoint",
        step_args=ps.create_endpoint(endpoint_name="zoo-endpoint", config_name=s_config.properties.EndpointConfigName),
    )
    s_ic = InferenceComponentStep(
        name="AddComponent",
        step_args=ps.create_inference_component(
            inference_component_name="zoo-component", endpoint_name="zoo-endpoint", variant_name="AllTraffic",
            specification={"ModelName": s_model.properties.ModelName,
                           "ComputeResourceRequirements": {"NumberOfCpuCoresRequired": 1,
                                                           "MinMemoryRequiredInMb": 1024}},
            runtime_config={"CopyCount": 1}),
        depends_on=[s_endpoint],
    )
    s_lineage = LineageStep(
        name="RecordLineage",
        actions=[Action.create(action_name="zoo-deploy", source_uri=f"{ZOO_BUCKET}/models/xgb/model.tar.gz",
                               source_type="S3ETag", action_type="ModelDeployment", sagemaker_session=ps)],
        artifacts=[Artifact.create(artifact_name="zoo-model-artifact",
                                   source_uri=f"{ZOO_BUCKET}/models/xgb/model.tar.gz", artifact_type="Model",
                                   sagemaker_session=ps)],
        associations=[LineageAssociation(
            source=LineageEntityReference(name="zoo-model-artifact", type="Artifact"),
            destination=LineageEntityReference(name="zoo-deploy", type="Action"),
            association_type="ContributedTo")],
        depends_on=[s_endpoint],
    )
    return Pipeline(name="zoo-endpoint-lineage", steps=[s_model, s_config, s_endpoint, s_ic, s_lineage],
                    sagemaker_session=ps)


ZOO = {
    "zoo-processing": zoo_processing,
    "zoo-training-tuning": zoo_training_tuning,
    "zoo-model-transform": zoo_model_transform,
    "zoo-conditions": zoo_conditions,
    "zoo-lambda-callback": zoo_lambda_callback,
    "zoo-emr": zoo_emr,
    "zoo-checks": zoo_checks,
    "zoo-automl": zoo_automl,
    "zoo-notebook-job": zoo_notebook_job,
    "zoo-function-step": zoo_function_step,
    "zoo-endpoint-lineage": zoo_endpoint_lineage,
}



# --------------------------------------------------------------------------------------------------
# SDK 3.x (optional): step types SDK 2.x cannot write (ForEach, Cleanup, EMRServerless) and the
# DependsOn trigger conditions. Run with a venv that has `pip install 'sagemaker>=3'`; only the
# sdk3-* files are written then.
# --------------------------------------------------------------------------------------------------

def sdk3_pipeline_session():
    import boto3
    from sagemaker.core.workflow.pipeline_context import PipelineSession

    boto_session = boto3.Session(region_name=REGION)
    boto_session.events.register("before-call.*.*", _canned_reply)
    return PipelineSession(boto_session=boto_session, default_bucket=DEFAULT_BUCKET)


def sdk3_foreach_cleanup(ps):
    """ForEach (a Processing body fanned out over a list parameter, with a selector), Cleanup of
    its upstream outputs, an EMR Serverless step, and DependsOn with a trigger condition."""
    from sagemaker.core import image_uris
    from sagemaker.core.lambda_helper import Lambda
    from sagemaker.core.processing import ScriptProcessor
    from sagemaker.core.shapes import ProcessingInput, ProcessingOutput, ProcessingS3Input, ProcessingS3Output

    def s3_in(name, uri, local):
        return ProcessingInput(input_name=name, s3_input=ProcessingS3Input(
            s3_uri=uri, local_path=local, s3_data_type="S3Prefix", s3_input_mode="File"))

    def s3_out(name, local, uri):
        return ProcessingOutput(output_name=name, s3_output=ProcessingS3Output(
            s3_uri=uri, local_path=local, s3_upload_mode="EndOfJob"))
    from sagemaker.core.workflow.execution_variables import ExecutionVariables
    from sagemaker.core.workflow.functions import Join
    from sagemaker.core.workflow.parameters import ParameterString
    from sagemaker.mlops.workflow.cleanup_step import CleanupStep, S3CleanupSource
    from sagemaker.mlops.workflow.emr_serverless_step import EMRServerlessJobConfig, EMRServerlessStep
    from sagemaker.mlops.workflow.for_each_step import CurrentItem, ForEachStep
    from sagemaker.mlops.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
    from sagemaker.mlops.workflow.pipeline import Pipeline
    from sagemaker.mlops.workflow.step_dependency import StepDependency, TriggerCondition
    from sagemaker.mlops.workflow.steps import ProcessingStep

    regions = ParameterString("Regions", default_value='["kr", "jp", "us"]')
    image = image_uris.retrieve("sklearn", REGION, version="1.2-1", instance_type="ml.m5.xlarge")
    proc = ScriptProcessor(image_uri=image, command=["python3"], role=ROLE, instance_type="ml.m5.large",
                           instance_count=1, base_job_name="sdk3-prepare", sagemaker_session=ps)
    prepare = ProcessingStep(
        name="Prepare",
        step_args=proc.run(
            code="code/generic.py",
            inputs=[s3_in("raw", f"{ZOO_BUCKET}/raw/", "/opt/ml/processing/raw")],
            outputs=[s3_out("prepared", "/opt/ml/processing/prepared", f"{ZOO_BUCKET}/sdk3/prepared/")],
        ),
    )
    per_region = ScriptProcessor(image_uri=image, command=["python3"], role=ROLE, instance_type="ml.m5.large",
                                 instance_count=1, base_job_name="sdk3-region", sagemaker_session=ps)
    body = ProcessingStep(
        name="ProcessRegion",
        step_args=per_region.run(
            code="code/shard.py",
            inputs=[s3_in("prepared", prepare.properties.ProcessingOutputConfig.Outputs["prepared"].S3Output.S3Uri,
                          "/opt/ml/processing/prepared")],
            outputs=[s3_out("region", "/opt/ml/processing/region",
                            Join(on="/", values=[f"{ZOO_BUCKET}/sdk3/regions", CurrentItem()]))],
            arguments=["--region", CurrentItem()],
        ),
    )
    for_each = ForEachStep(name="PerRegion", iterable_items=regions, max_concurrency=3, for_each_body=[body])
    emr = EMRServerlessStep(
        name="AggregateServerless",
        display_name="Spark on EMR Serverless",
        description="aggregates the per-region outputs",
        application_id="00fabcdefghijk01",
        job_config=EMRServerlessJobConfig(
            job_driver={"sparkSubmit": {
                "entryPoint": f"{ZOO_BUCKET}/code/aggregate.py",
                "entryPointArguments": ["--input", f"{ZOO_BUCKET}/sdk3/regions/",
                                        "--output", f"{ZOO_BUCKET}/sdk3/aggregate/"]}},
            execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/EMRServerlessJobRole",
            configuration_overrides={"monitoringConfiguration": {
                "s3MonitoringConfiguration": {"logUri": f"{ZOO_BUCKET}/sdk3/emr-logs/"}}},
        ),
        depends_on=[for_each],
    )
    cleanup = CleanupStep(
        name="CleanupPrepared",
        s3_sources=[S3CleanupSource(step=prepare, s3_uris=[f"{ZOO_BUCKET}/sdk3/prepared/part-0000.parquet"])],
        depends_on=[emr],
    )
    notify = LambdaStep(
        name="NotifyOnFailure",
        lambda_func=Lambda(function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notify", session=ps),
        inputs={"execution": ExecutionVariables.PIPELINE_EXECUTION_ARN},
        outputs=[LambdaOutput(output_name="sent", output_type=LambdaOutputTypeEnum.Boolean)],
        depends_on=[StepDependency(emr, TriggerCondition.FAILED)],
    )
    return Pipeline(name="sdk3-foreach-cleanup", parameters=[regions],
                    steps=[prepare, for_each, emr, cleanup, notify], sagemaker_session=ps)


SDK3 = {"sdk3-foreach-cleanup": sdk3_foreach_cleanup}

# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------

def render(pipeline) -> dict:
    return json.loads(pipeline.definition())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated file stems to render (default: all)")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None

    _offline_environment()
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.WARNING)

    from importlib.metadata import version

    if int(version("sagemaker").split(".")[0]) >= 3:
        session_factory = sdk3_pipeline_session
        targets = [(ZOO_DIR, stem, build) for stem, build in SDK3.items()]
    else:
        session_factory = pipeline_session
        targets = [(DEMO_DIR, stem, build) for stem, build in DEMO.items()]
        targets += [(ZOO_DIR, stem, build) for stem, build in ZOO.items()]
    cwd = os.getcwd()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="render-definitions-") as tmp:
        workdir = Path(tmp)
        _write_code(workdir)
        _sdk_config(workdir)
        _pin_randomness()
        os.chdir(workdir)  # code paths are relative, so the SDK's content hashes are stable
        try:
            for out_dir, stem, build in targets:
                if only and stem not in only:
                    continue
                try:
                    definition = render(build(session_factory()))
                except Exception as exc:  # report and go on with the others
                    failures += 1
                    print(f"FAILED {stem}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    continue
                out_dir.mkdir(parents=True, exist_ok=True)
                path = out_dir / f"{stem}.json"
                path.write_text(json.dumps(definition, indent=2) + "\n")
                types = sorted({s["Type"] for s in _all_steps(definition["Steps"])})
                print(f"wrote {path.relative_to(ROOT)}: {len(definition['Steps'])} top-level steps, types {types}")
        finally:
            os.chdir(cwd)
    calls = sorted(set(API_CALLS))
    print(f"AWS API calls answered offline: {calls}")
    return 1 if failures else 0


def _all_steps(steps):
    for step in steps:
        yield step
        if step["Type"] == "Condition":
            yield from _all_steps(step["Arguments"].get("IfSteps", []))
            yield from _all_steps(step["Arguments"].get("ElseSteps", []))


if __name__ == "__main__":
    sys.exit(main())
