"""The demo world's mlops-pipeline history: what changes from one run to the next, as the APIs show it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jupyter_sm_lineage.core.definition import load_definition, parse_definition
from jupyter_sm_lineage.core.schema import diff_fields, sample_schema
from jupyter_sm_lineage.emulator import Emulator

HOME = "ap-northeast-2"
PIPELINE = "mlops-pipeline"


def _listed(emulator: Emulator) -> list[dict[str, Any]]:
    sm = emulator.client("sagemaker", HOME)
    pages = sm.get_paginator("list_pipeline_executions").paginate(
        PipelineName=PIPELINE, PaginationConfig={"PageSize": 2})
    return [s for page in pages for s in page["PipelineExecutionSummaries"]]


def _steps(emulator: Emulator, execution_id: str) -> dict[str, dict[str, Any]]:
    sm = emulator.client("sagemaker", HOME)
    arn = emulator.world.execution(PIPELINE, execution_id)
    listed = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    return {s["StepName"]: s for s in listed}


def _definition(emulator: Emulator, execution_id: str) -> dict[str, Any]:
    sm = emulator.client("sagemaker", HOME)
    arn = emulator.world.execution(PIPELINE, execution_id)
    described = sm.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    return load_definition(described["PipelineDefinition"])


def _parameters(emulator: Emulator, execution_id: str) -> dict[str, str]:
    sm = emulator.client("sagemaker", HOME)
    arn = emulator.world.execution(PIPELINE, execution_id)
    listed = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"]
    return {p["Name"]: p["Value"] for p in listed}


def _training_job(emulator: Emulator, execution_id: str) -> dict[str, Any]:
    sm = emulator.client("sagemaker", HOME)
    arn = _steps(emulator, execution_id)["Train"]["Metadata"]["TrainingJob"]["Arn"]
    return sm.describe_training_job(TrainingJobName=arn.rsplit("/", 1)[1])


def test_at_least_six_runs_newest_first_over_days(emulator: Emulator) -> None:
    listed = _listed(emulator)
    ids = [s["PipelineExecutionArn"].rsplit("/", 1)[1] for s in listed]
    assert len(ids) >= 6 and len(set(ids)) == len(ids)
    assert ids[0] == "exec1succeed" and ids[-1] == "exec0failed01"
    starts = [s["StartTime"] for s in listed]
    assert starts == sorted(starts, reverse=True) and len(set(starts)) == len(starts)
    assert starts[0] - starts[-1] >= timedelta(days=5)
    statuses = [s["PipelineExecutionStatus"] for s in listed]
    assert statuses[0] == "Succeeded" and statuses.count("Failed") >= 2 and statuses.count("Succeeded") >= 4
    assert ids == [run["id"] for run in reversed(emulator.world.runs(PIPELINE))]


def test_each_run_keeps_the_definition_it_ran_with(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    first, updated = _definition(emulator, "exec2thresh"), _definition(emulator, "exec3xgb17")
    assert first != updated
    # The image changed ...
    images = {
        name: next(s for s in doc["Steps"] if s["Name"] == "Train")["Arguments"]["AlgorithmSpecification"]
        for name, doc in (("first", first), ("updated", updated))
    }
    assert images["first"]["TrainingImage"].endswith("sagemaker-xgboost:1.5-1")
    assert images["updated"]["TrainingImage"].endswith("sagemaker-xgboost:1.7-1")
    # ... and batch scoring was added after registration
    before = {n.id for n in parse_definition(first).nodes}
    after = {n.id for n in parse_definition(updated).nodes}
    assert after - before == {"CreateModel-CreateModel", "BatchTransform"} and before <= after
    # The latest run ran the pipeline's current definition
    current = load_definition(sm.describe_pipeline(PipelineName=PIPELINE)["PipelineDefinition"])
    assert _definition(emulator, "exec1succeed") == current == updated
    assert "BatchTransform" not in _steps(emulator, "exec2thresh")
    assert _steps(emulator, "exec3xgb17")["BatchTransform"]["StepStatus"] == "Succeeded"


def test_parameters_and_instance_type_change_between_runs(emulator: Emulator) -> None:
    defaults, stricter = _parameters(emulator, "exec0failed01"), _parameters(emulator, "exec2thresh")
    assert defaults["AccuracyThreshold"] == "0.8" and stricter["AccuracyThreshold"] == "0.85"
    assert {k for k in defaults if defaults[k] != stricter[k]} == {"AccuracyThreshold"}
    bigger = _parameters(emulator, "exec4m52xl")
    assert bigger["TrainingInstanceType"] == "ml.m5.2xlarge"
    # The job the step started used the parameter value
    assert _training_job(emulator, "exec4m52xl")["ResourceConfig"]["InstanceType"] == "ml.m5.2xlarge"
    assert _training_job(emulator, "exec3xgb17")["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"
    assert _training_job(emulator, "exec3xgb17")["AlgorithmSpecification"]["TrainingImage"].endswith(":1.7-1")
    assert _training_job(emulator, "exec2thresh")["AlgorithmSpecification"]["TrainingImage"].endswith(":1.5-1")


def test_the_training_input_schema_changes_between_runs(emulator: Emulator) -> None:
    s3 = emulator.client("s3", HOME)

    def train_input(execution_id: str) -> str:
        channels = _training_job(emulator, execution_id)["InputDataConfig"]
        return next(c for c in channels if c["ChannelName"] == "train")["DataSource"]["S3DataSource"]["S3Uri"]

    before, after = train_input("exec4m52xl"), train_input("exec5schema")
    assert before.endswith("/churn/train/exec4m52xl") and after.endswith("/churn/train/exec5schema")
    old, new = sample_schema(before, s3), sample_schema(after, s3)
    assert old.format == new.format == "parquet"
    diff = diff_fields(old.fields, new.fields).to_dict()
    assert diff["added"] == [{"field": "contract_type", "type": "string"}]
    assert diff["retyped"] == [{"field": "tenure_months", "from": "int32", "to": "int64", "change": "widening"}]
    assert diff["removed"] == []
    # Later runs keep the new schema
    assert sample_schema(train_input("exec1succeed"), s3).fields == new.fields


def test_the_failed_gate_run_and_its_cache_hits(emulator: Emulator) -> None:
    sm = emulator.client("sagemaker", HOME)
    arn = emulator.world.execution(PIPELINE, "exec6gate")
    described = sm.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["PipelineExecutionStatus"] == "Failed" and described["FailureReason"].startswith("Step failure")
    steps = _steps(emulator, "exec6gate")
    assert steps["CheckAccuracy"]["Metadata"]["Condition"]["Outcome"] == "False"
    fail = steps["FailAccuracy"]
    assert fail["StepStatus"] == "Failed" and fail["FailureReason"] == "Model accuracy is below the threshold of 0.93"
    assert fail["Metadata"]["Fail"]["ErrorMessage"] == fail["FailureReason"]
    assert not {"Register-RegisterModel", "CreateModel-CreateModel", "BatchTransform"} & set(steps)
    source = emulator.world.execution(PIPELINE, "exec5schema")
    for name in ("Preprocess", "Train"):
        assert steps[name]["CacheHitResult"]["SourcePipelineExecutionArn"] == source
    assert "CacheHitResult" not in steps["Evaluate"]
    # The run before it passed the same gate's default
    previous = _steps(emulator, "exec5schema")
    assert previous["CheckAccuracy"]["Metadata"]["Condition"]["Outcome"] == "True"
    assert "FailAccuracy" not in previous


def test_the_first_run_failed_in_training(emulator: Emulator) -> None:
    steps = _steps(emulator, "exec0failed01")
    assert steps["Train"]["StepStatus"] == "Failed" and "AlgorithmError" in steps["Train"]["FailureReason"]
    assert set(steps) == {"Preprocess", "Train"}
    job = _training_job(emulator, "exec0failed01")
    assert job["TrainingJobStatus"] == "Failed" and "AlgorithmError" in job["FailureReason"]
