"""The emulator: a real moto server on loopback with what moto lacks, seeded with the demo world."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from jupyter_sm_lineage.core.definition import load_definition, parse_definition
from jupyter_sm_lineage.emulator import Emulator
from jupyter_sm_lineage.emulator.world import definition_text

HOME = "ap-northeast-2"


def test_the_emulator_listens_on_loopback_and_points_boto3_at_itself(emulator: Emulator) -> None:
    url = urllib.parse.urlparse(emulator.endpoint_url)
    assert url.hostname == "127.0.0.1" and url.port
    env = emulator.environ()
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint_url
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"


def test_executions_are_listed_newest_first_and_paginated(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    first = sm.list_pipeline_executions(PipelineName="mlops-pipeline", SortOrder="Descending", MaxResults=1)
    assert first["PipelineExecutionSummaries"][0]["PipelineExecutionArn"].endswith("/exec1succeed")
    pages = [first]
    while "NextToken" in pages[-1]:
        pages.append(sm.list_pipeline_executions(PipelineName="mlops-pipeline", MaxResults=1,
                                                 NextToken=pages[-1]["NextToken"]))
    listed = [s for page in pages for s in page["PipelineExecutionSummaries"]]
    assert all(len(page["PipelineExecutionSummaries"]) == 1 for page in pages)
    # Newest first, down to the oldest, the failed first run
    assert [s["PipelineExecutionArn"] for s in listed] == emulator.world.executions("mlops-pipeline")[::-1]
    oldest = listed[-1]
    assert oldest["PipelineExecutionStatus"] == "Failed"
    assert oldest["PipelineExecutionFailureReason"].startswith("Step failure")
    described = sm.describe_pipeline_execution(PipelineExecutionArn=oldest["PipelineExecutionArn"])
    assert described["FailureReason"].startswith("Step failure")
    ascending = sm.list_pipeline_executions(PipelineName="mlops-pipeline", SortOrder="Ascending")
    assert ascending["PipelineExecutionSummaries"] == listed[::-1]


def test_list_pipeline_execution_steps_answers_like_the_service(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    arn = emulator.world.latest_execution("fanout-100-pipeline")
    paginator = sm.get_paginator("list_pipeline_execution_steps")
    pages = list(paginator.paginate(PipelineExecutionArn=arn, PaginationConfig={"PageSize": 30}))
    steps = [s for p in pages for s in p["PipelineExecutionSteps"]]
    assert len(pages) == 4 and len(steps) == 100
    assert len({s["StepName"] for s in steps}) == 100
    starts = [s["StartTime"] for s in steps]
    assert starts == sorted(starts, reverse=True)
    with pytest.raises(sm.exceptions.ClientError):
        sm.list_pipeline_execution_steps(PipelineExecutionArn=arn.rsplit("/", 1)[0] + "/nope")


def test_failed_and_running_executions(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    failed = sm.list_pipeline_execution_steps(PipelineExecutionArn=emulator.world.executions("mlops-pipeline")[0])
    by_name = {s["StepName"]: s for s in failed["PipelineExecutionSteps"]}
    assert by_name["Train"]["StepStatus"] == "Failed" and "AlgorithmError" in by_name["Train"]["FailureReason"]
    assert "Evaluate" not in by_name
    running = sm.list_pipeline_execution_steps(
        PipelineExecutionArn=emulator.world.latest_execution("churn-features-pipeline"))
    ingest = next(s for s in running["PipelineExecutionSteps"] if s["StepName"] == "IngestFeatures")
    assert ingest["StepStatus"] == "Executing" and "EndTime" not in ingest


def test_jobs_exist_with_the_definitions_s3_uris(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    arn = emulator.world.latest_execution("mlops-pipeline")
    listed = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    steps = {s["StepName"]: s for s in listed}
    job = steps["Preprocess"]["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
    described = sm.describe_processing_job(ProcessingJobName=job)
    outputs = {o["OutputName"]: o["S3Output"]["S3Uri"] for o in described["ProcessingOutputConfig"]["Outputs"]}
    # The definition's Join over the execution id, evaluated as SageMaker would
    assert outputs["train"] == "s3://sm-lineage-demo-curated-123456789012/churn/train/exec1succeed"
    training = sm.describe_training_job(
        TrainingJobName=steps["Train"]["Metadata"]["TrainingJob"]["Arn"].rsplit("/", 1)[1])
    assert training["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == outputs["train"]
    assert {m["MetricName"] for m in training["FinalMetricDataList"]} >= {"validation:auc"}
    s3 = emulator.client("s3", HOME)
    bucket, _, key = training["ModelArtifacts"]["S3ModelArtifacts"][5:].partition("/")
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    report = s3.get_object(Bucket="sm-lineage-demo-curated-123456789012", Key="churn/evaluation/evaluation.json")
    assert json.loads(report["Body"].read())["metrics"]["accuracy"]["value"] == pytest.approx(0.91)
    package = sm.describe_model_package(
        ModelPackageName=steps["Register-RegisterModel"]["Metadata"]["RegisterModel"]["Arn"])
    assert package["ModelApprovalStatus"] == "PendingManualApproval"


def test_stored_definitions_are_the_rendered_fixtures(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    stored = sm.describe_pipeline(PipelineName="mlops-pipeline")["PipelineDefinition"]
    assert load_definition(stored) == load_definition(definition_text("mlops-pipeline"))
    assert len(parse_definition(definition_text("fanout-100-pipeline")).nodes) == 100


def test_domains_users_tags_and_feature_groups(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    domains = {d["DomainName"]: d["DomainId"] for d in sm.list_domains()["Domains"]}
    assert domains == {"studio-a": "d-studioa0001", "studio-b": "d-studiob0002"}
    users = sm.list_user_profiles(DomainIdEquals="d-studioa0001")["UserProfiles"]
    assert sorted(u["UserProfileName"] for u in users) == ["alice", "bob"]
    arn = sm.describe_pipeline(PipelineName="churn-features-pipeline")["PipelineArn"]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags["sagemaker:domain-arn"].endswith("/d-studioa0001")
    groups = [g for p in sm.get_paginator("list_feature_groups").paginate(PaginationConfig={"PageSize": 1})
              for g in p["FeatureGroupSummaries"]]
    assert len(groups) >= 3


def test_buckets_differ_in_encryption_versioning_and_public_access(emulator: Emulator) -> None:
    s3 = emulator.client("s3", HOME)
    raw, models = "sm-lineage-demo-raw-123456789012", "sm-lineage-demo-models-123456789012"
    rule = s3.get_bucket_encryption(Bucket=raw)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_bucket_encryption(Bucket=models)
    assert s3.get_bucket_versioning(Bucket=models)["Status"] == "Suspended"
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_public_access_block(Bucket=models)


def test_the_command_line_runs_a_command_against_the_emulator() -> None:
    import subprocess
    import sys

    # A second process has its own moto backends: the emulator it starts is its own.
    code = ("import boto3,os;sm=boto3.client('sagemaker');"
            "print(os.environ['AWS_ENDPOINT_URL'].startswith('http://127.0.0.1:'),"
            "len(sm.list_pipelines()['PipelineSummaries']))")
    result = subprocess.run(
        [sys.executable, "-m", "jupyter_sm_lineage.emulator", "--", sys.executable, "-c", code],
        capture_output=True, text=True, timeout=180, check=True,
    )
    assert result.stdout.split() == ["True", "6"]
