"""LineageService against the emulator over HTTP: the same code path as production."""

from __future__ import annotations

import threading
from typing import Any

import botocore.exceptions
import pytest

from jupyter_sm_lineage.core.aws import translate
from jupyter_sm_lineage.core.errors import AccessDenied, InvalidRequest, NotFound, UpstreamError
from jupyter_sm_lineage.core.service import LineageService, Settings
from jupyter_sm_lineage.emulator import Emulator
from tests.conftest import HOME, CallCounter


def _nodes(result: dict) -> dict[str, dict]:
    return {n["id"]: n for n in result["graph"]["nodes"] if n.get("type") != "Dataset"}


def test_latest_execution_lineage(service: LineageService) -> None:
    result = service.lineage(HOME, "mlops-pipeline", include_latest_exec=True)
    assert result["pipeline"]["name"] == "mlops-pipeline"
    summary = result["summary"]
    assert summary["overallStatus"] == "Succeeded"
    assert summary["nodeStatus"]["Succeeded"] == 7 and summary["nodeStatus"]["NotRun"] == 1
    assert summary["elapsedSec"] > 0
    nodes = _nodes(result)
    preprocess, train, evaluate = nodes["Preprocess"]["run"], nodes["Train"]["run"], nodes["Evaluate"]["run"]
    assert preprocess["cacheHit"] and preprocess["cacheSourceExecutionArn"].endswith("/exec0failed01")
    assert train["attempts"] == 2 and train["metrics"]["validation:auc"] == pytest.approx(0.95)
    assert train["consoleUrl"].startswith(f"https://{HOME}.console.aws.amazon.com/sagemaker/")
    assert evaluate["metrics"]["metrics.accuracy.value"] == pytest.approx(0.91)
    assert nodes["CheckAccuracy"]["run"]["conditionOutcome"] == "True"
    package = nodes["Register-RegisterModel"]["run"]["modelPackage"]
    assert package["group"] == "churn-models" and package["approvalStatus"] == "PendingManualApproval"
    assert nodes["FailAccuracy"]["run"]["status"] == "NotRun"
    # Resolved for this execution: the parameter default and the Join over the execution id
    assert nodes["Train"]["properties"]["instanceType"] == "ml.m5.xlarge"
    train_output = nodes["Train"]["outputs"][0]
    assert train_output["resolved"] and train_output["uri"].endswith(f"/{train['jobName']}/output/model.tar.gz")
    artifact = next(a for a in result["graph"]["artifacts"] if a["uri"].endswith("/churn/train/exec1succeed"))
    assert artifact["producers"] == ["Preprocess"] and artifact["consumers"] == ["Train"]
    assert artifact["s3"]["encryption"] == "aws:kms" and artifact["s3"]["versioning"] == "Enabled"


def test_a_past_execution_by_arn(service: LineageService, emulator: Emulator) -> None:
    arn = emulator.world.executions("mlops-pipeline")[0]
    result = service.lineage(HOME, "mlops-pipeline", execution_arn=arn, view="pipeline")
    assert result["summary"]["overallStatus"] == "Failed"
    assert result["summary"]["failureReason"].startswith("Step failure")
    nodes = _nodes(result)
    assert nodes["Train"]["run"]["status"] == "Failed"
    assert "AlgorithmError" in nodes["Train"]["run"]["failureReason"]
    assert nodes["Evaluate"]["run"]["status"] == "NotRun"
    assert result["graph"]["artifacts"] == []


def test_running_and_failed_pipelines(service: LineageService) -> None:
    running = service.lineage(HOME, "churn-features-pipeline", include_latest_exec=True)
    assert running["summary"]["overallStatus"] == "Executing"
    assert _nodes(running)["IngestFeatures"]["run"]["status"] == "Executing"
    failed = service.lineage(HOME, "nightly-etl-pipeline", include_latest_exec=True)
    assert failed["summary"]["overallStatus"] == "Failed"
    assert "Data quality check failed" in _nodes(failed)["Validate"]["run"]["failureReason"]


def test_definition_only_lineage_keeps_placeholders(service: LineageService) -> None:
    result = service.lineage(HOME, "mlops-pipeline")
    assert result["summary"]["overallStatus"] is None
    preprocess = _nodes(result)["Preprocess"]
    assert preprocess["inputs"][0]["uri"] == "{Parameters.InputData}"
    assert "run" not in preprocess


def test_views(service: LineageService) -> None:
    data = service.lineage(HOME, "mlops-pipeline", view="data", include_latest_exec=True)
    kinds = {e["via"] for e in data["graph"]["edges"]}
    assert kinds == {"input", "output"}
    datasets = [n for n in data["graph"]["nodes"] if n["type"] == "Dataset"]
    assert any(n["id"].endswith("/churn/predictions/") for n in datasets)
    assert not any(n["id"].endswith(".py") for n in datasets)  # code is not data
    both = service.lineage(HOME, "mlops-pipeline", view="both", include_latest_exec=True)
    assert {e["via"] for e in both["graph"]["edges"]} >= {"property", "condition", "input", "output"}
    with pytest.raises(InvalidRequest, match="view"):
        service.lineage(HOME, "mlops-pipeline", view="sideways")


def test_cold_then_warm_round_trips(service: LineageService, counter: CallCounter) -> None:
    service.lineage(HOME, "fanout-10-pipeline", include_latest_exec=True)
    cold = counter.total
    assert cold >= 5
    counter.reset()
    service.lineage(HOME, "fanout-10-pipeline", include_latest_exec=True)
    # An unchanged finished execution: only "which execution is latest?" is asked again.
    assert counter.total <= 2, counter.calls


def test_bucket_metadata_is_asked_with_the_execution_reads(emulator: Emulator) -> None:
    """Cold, the buckets named by the pipeline's current definition go out with the execution's definition
    and steps: the execution's reads are held until a bucket call is seen, which never happens if the bucket
    metadata waits for them (the wait then times out and the test fails, with no sleep)."""
    bucket_asked = threading.Event()
    held: list[bool] = []

    def hook(event_name: str, **kwargs: Any) -> None:
        operation = event_name.rsplit(".", 1)[1]
        if operation in ("GetBucketVersioning", "GetBucketEncryption", "GetPublicAccessBlock"):
            bucket_asked.set()
        elif operation in ("DescribePipelineDefinitionForExecution", "ListPipelineExecutionSteps"):
            held.append(bucket_asked.wait(timeout=10))

    service = LineageService(Settings.from_env(default_regions=(HOME,), hooks=(("before-call", hook),)))
    try:
        result = service.lineage(HOME, "fanout-10-pipeline", include_latest_exec=True)
    finally:
        service.close()
    assert held == [True, True]
    artifacts = result["graph"]["artifacts"]
    assert artifacts and all("s3" in a for a in artifacts if a["resolved"])


def test_a_bucket_foreseen_wrongly_is_fetched_but_not_attached(emulator: Emulator) -> None:
    """The pipeline was updated after its latest execution and now writes elsewhere: the bucket of the
    current definition is asked for ahead, but the execution's artifacts carry only the buckets it used."""
    sm = emulator.client("sagemaker", HOME)
    pipeline = "nightly-etl-pipeline"
    original = sm.describe_pipeline(PipelineName=pipeline)["PipelineDefinition"]
    assert "sm-lineage-demo-curated-" in original
    asked: set[str] = set()

    def hook(params: dict[str, Any], **kwargs: Any) -> None:
        if "Bucket" in params:
            asked.add(params["Bucket"])

    service = LineageService(Settings.from_env(default_regions=(HOME,), hooks=(("before-parameter-build.s3", hook),)))
    sm.update_pipeline(PipelineName=pipeline,
                       PipelineDefinition=original.replace("sm-lineage-demo-curated-", "sm-lineage-moved-"))
    try:
        result = service.lineage(HOME, pipeline, include_latest_exec=True)
    finally:
        sm.update_pipeline(PipelineName=pipeline, PipelineDefinition=original)
        service.close()
    assert "sm-lineage-moved-123456789012" in asked
    attached = {a["s3"]["bucket"] for a in result["graph"]["artifacts"] if "s3" in a}
    assert "sm-lineage-demo-curated-123456789012" in attached
    assert "sm-lineage-moved-123456789012" not in attached


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SM_LINEAGE_MAX_WORKERS", "many", "SM_LINEAGE_MAX_WORKERS='many' is not an integer"),
    ("SM_LINEAGE_MAX_WORKERS", "0", "must be at least 1"),
    ("SM_LINEAGE_BUCKET_TTL", "soon", "SM_LINEAGE_BUCKET_TTL='soon' is not a number"),
    ("SM_LINEAGE_RUNNING_TTL", "-1", "must be at least 0"),
])
def test_settings_name_a_bad_environment_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                                   message: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=message):
        Settings.from_env()


def test_catalog_domains_overview(service: LineageService) -> None:
    catalog = service.pipelines([HOME, "us-east-1"], include_latest_exec=True)
    assert catalog["errors"] == []
    by_region = {r["region"]: {p["name"]: p for p in r["pipelines"]} for r in catalog["regions"]}
    assert set(by_region[HOME]) == {"mlops-pipeline", "churn-features-pipeline", "nightly-etl-pipeline",
                                   "fanout-10-pipeline", "fanout-50-pipeline", "fanout-100-pipeline"}
    mlops = by_region[HOME]["mlops-pipeline"]
    assert mlops["matchedDomain"] == {"DomainName": "studio-a", "DomainId": "d-studioa0001"}
    assert mlops["latestExecution"]["status"] == "Succeeded" and mlops["latestExecution"]["lastModifiedTime"]
    # Matched by the sagemaker:domain-arn tag alone
    assert by_region[HOME]["churn-features-pipeline"]["matchedDomain"]["DomainName"] == "studio-a"
    assert by_region["us-east-1"]["mlops-pipeline"]["matchedDomain"]["DomainId"] == "d-studiob0003"
    studio_b = service.pipelines(HOME, domain_name="studio-b")
    assert [p["name"] for p in studio_b["regions"][0]["pipelines"]] == ["nightly-etl-pipeline"]
    assert "latestExecution" not in studio_b["regions"][0]["pipelines"][0]
    overview = service.overview([HOME])
    assert overview["regions"][0]["pipelineCount"] == 6
    assert overview["regions"][0]["latestExecutionStatus"] == {"Succeeded": 4, "Executing": 1, "Failed": 1}
    flat = service.catalog(HOME)["pipelines"]
    assert {p["region"] for p in flat} == {HOME} and len(flat) == 6


def test_lineage_by_domain_links_pipelines_through_data(service: LineageService) -> None:
    result = service.lineage_by_domain(HOME, "studio-a", include_latest_exec=True)
    assert sorted(p["pipeline"]["name"] for p in result["pipelines"]) == ["churn-features-pipeline", "mlops-pipeline"]
    assert result["domain"]["DomainId"] == "d-studioa0001"
    by_id = service.lineage_by_domain(HOME, "d-studioa0001")
    assert len(by_id["pipelines"]) == 2
    with pytest.raises(NotFound, match="studio-z"):
        service.lineage_by_domain(HOME, "studio-z")


def test_a_catalog_region_that_fails_is_reported_not_fatal(emulator: Emulator) -> None:
    # Given a second "region" whose endpoint does not answer
    svc = LineageService(Settings.from_env(default_regions=(HOME,), max_workers=4))
    broken = svc.clients.client("sagemaker", "eu-west-1")
    broken.meta.events.register("before-call", _refuse)
    try:
        result = svc.pipelines([HOME, "eu-west-1"])
    finally:
        svc.close()
    assert [r["region"] for r in result["regions"]] == [HOME]
    assert result["errors"][0]["region"] == "eu-west-1"
    assert result["errors"][0]["reason"] == "access_denied"


def _refuse(**kwargs: object) -> None:
    raise botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"},
         "ResponseMetadata": {"HTTPStatusCode": 400}}, "ListPipelines")


@pytest.mark.parametrize(
    ("region", "message"),
    [("", "region is required"), ("Seoul", "not an AWS region name"), ("xx-nowhere-9", "not a region where SageMaker"),
     (None, "region is required")],
)
def test_bad_regions_are_invalid_requests(service: LineageService, region: object, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        service.lineage(region, "mlops-pipeline")  # type: ignore[arg-type]


def test_allowed_regions_bound_every_call(emulator: Emulator) -> None:
    svc = LineageService(Settings.from_env(allowed_regions=("us-east-1",)))
    try:
        with pytest.raises(InvalidRequest, match="outside ALLOWED_REGIONS"):
            svc.lineage(HOME, "mlops-pipeline")
        assert svc.lineage("us-east-1", "mlops-pipeline")["pipeline"]["name"] == "mlops-pipeline"
    finally:
        svc.close()


def test_a_catalog_answers_its_allowed_regions_and_lists_each_refused_one(emulator: Emulator) -> None:
    both = ("ap-northeast-2", "us-east-1")
    svc = LineageService(Settings.from_env(allowed_regions=("ap-northeast-2",), default_regions=both))
    try:
        # No region named: the default regions within the allowed ones.
        assert [r["region"] for r in svc.pipelines()["regions"]] == ["ap-northeast-2"]
        assert svc.regions() == ["ap-northeast-2"]
        named = svc.pipelines(",".join(both))
        assert [r["region"] for r in named["regions"]] == ["ap-northeast-2"]
        refused = {e["region"]: e for e in named["errors"]}
        assert set(refused) == {"us-east-1"}
        assert "outside ALLOWED_REGIONS" in refused["us-east-1"]["message"]
        assert refused["us-east-1"]["parameter"] == "regions" and refused["us-east-1"]["type"] == "InvalidRequest"
        assert {p["region"] for p in svc.catalog(list(both))["pipelines"]} == {"ap-northeast-2"}
        assert {e["region"] for e in svc.overview(list(both))["errors"]} == {"us-east-1"}
        with pytest.raises(InvalidRequest, match="outside ALLOWED_REGIONS"):
            svc.pipelines("us-east-1")  # none allowed: the whole catalog is refused
        with pytest.raises(InvalidRequest, match="not an AWS region name"):
            svc.pipelines("ap-northeast-2,nowhere")  # not a region at all: bad input
        with pytest.raises(InvalidRequest, match="outside ALLOWED_REGIONS"):
            svc.feature_groups("us-east-1")  # single-region operations keep their 400
    finally:
        svc.close()


def test_unknown_pipeline_and_bad_names(service: LineageService, emulator: Emulator) -> None:
    with pytest.raises(NotFound, match="no-such-pipeline"):
        service.lineage(HOME, "no-such-pipeline")
    with pytest.raises(InvalidRequest, match="not a SageMaker pipeline name"):
        service.lineage(HOME, "bad name!")
    with pytest.raises(InvalidRequest, match="executionArn"):
        service.lineage(HOME, "mlops-pipeline", execution_arn="arn:nope")
    other = emulator.world.latest_execution("nightly-etl-pipeline")
    with pytest.raises(InvalidRequest, match="belongs to pipeline"):
        service.lineage(HOME, "mlops-pipeline", execution_arn=other)


@pytest.mark.parametrize(
    ("code", "status", "operation", "error", "text"),
    [
        ("AccessDeniedException", 400, "ListPipelines", AccessDenied, "sagemaker:ListPipelines"),
        ("AccessDenied", 403, "GetObject", AccessDenied, "s3:GetObject"),
        ("AccessDenied", 403, "ListObjectsV2", AccessDenied, "s3:ListBucket"),
        ("ResourceNotFound", 400, "DescribePipeline", NotFound, "not found"),
        ("ThrottlingException", 400, "ListPipelines", UpstreamError, "throttled"),
        ("InternalFailure", 500, "ListPipelines", UpstreamError, "InternalFailure"),
        ("ValidationException", 400, "ListPipelines", InvalidRequest, "rejected"),
    ],
)
def test_aws_errors_become_typed_errors_naming_what_to_do(code: str, status: int, operation: str,
                                                          error: type, text: str) -> None:
    exc = botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)
    service = "s3" if operation in ("GetObject", "ListObjectsV2") else "sagemaker"
    translated = translate(exc, service, operation)
    assert isinstance(translated, error) and text in translated.message
    if isinstance(translated, AccessDenied):
        assert translated.action == text


def test_dataset_schema_save_versions_and_diff(service: LineageService, tmp_path: object, emulator: Emulator) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    svc = LineageService(Settings.from_env(default_regions=(HOME,), schema_store=str(tmp_path) + "/store.sqlite3"))
    s3 = emulator.client("s3", HOME)
    bucket = "sm-lineage-demo-curated-123456789012"

    def put(table: pa.Table) -> None:
        import io

        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        s3.put_object(Bucket=bucket, Key="service-test/versions/part-0.parquet", Body=buffer.getvalue())

    try:
        put(pa.table({"id": pa.array([1], pa.int64()), "score": pa.array([0.5])}))
        first = svc.dataset_schema(bucket, "service-test/versions/", HOME, save=True, policy={"owner": "ml"})
        assert first["ok"] and first["schema"]["format"] == "parquet"
        assert first["schema"]["fields"] == {"id": "int64", "score": "double"}
        assert first["saved"]["version"] == 1
        again = svc.dataset_schema(bucket, "service-test/versions/", HOME, save=True, policy={"owner": "ml"})
        assert again["saved"]["version"] == 1  # same fields, same policy: the same version
        put(pa.table({"id": pa.array([1], pa.int32())}))
        second = svc.dataset_schema(bucket, "service-test/versions/", HOME, save=True, policy='{"owner": "ml"}')
        assert second["saved"]["version"] == 2
        versions = svc.schema_versions(bucket, "service-test/versions/", HOME)["versions"]
        assert [v["version"] for v in versions] == [2, 1]
        diff = svc.schema_diff(bucket, "service-test/versions/", HOME, 1, 2)
        assert diff["compatibility"] == "breaking"
        assert diff["removed"] and diff["retyped"]
        with pytest.raises(InvalidRequest, match="policy"):
            svc.dataset_schema(bucket, "service-test/versions/", HOME, save=True, policy="[1, 2]")
        with pytest.raises(InvalidRequest, match="from"):
            svc.schema_diff(bucket, "service-test/versions/", HOME, "one", 2)  # type: ignore[arg-type]
    finally:
        svc.close()


@pytest.mark.parametrize(
    ("bucket", "prefix", "parameter"),
    [("Bad_Bucket", "x", "bucket"), ("ab", "x", "bucket"), ("192.168.0.1", "x", "bucket"),
     ("ok-bucket", "a/../b", "prefix"), ("ok-bucket", "a\x00b", "prefix"), ("ok-bucket", "x" * 1025, "prefix")],
)
def test_bad_buckets_and_prefixes_are_refused_before_any_call(service: LineageService, counter: CallCounter,
                                                              bucket: str, prefix: str, parameter: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        service.dataset_schema(bucket, prefix, HOME)
    assert info.value.parameter == parameter
    assert counter.total == 0


def test_missing_bucket_is_not_found(service: LineageService) -> None:
    with pytest.raises(NotFound):
        service.dataset_schema("no-such-bucket-anywhere", "x/", HOME)


def test_feature_groups_and_their_writers(service: LineageService) -> None:
    groups = service.feature_groups(HOME)["featureGroups"]
    assert {"customers", "transactions", "user_profiles"} <= {g["name"] for g in groups}
    customers = service.feature_group(HOME, "customers")
    assert customers["recordIdentifier"] and customers["offlineStore"]["s3Uri"]
    assert {"pipeline": "churn-features-pipeline", "step": "IngestFeatures"}.items() <= customers["writers"][0].items()
    with pytest.raises(NotFound):
        service.feature_group(HOME, "nope")
    with pytest.raises(InvalidRequest):
        service.feature_group(HOME, "bad name")


def test_lineage_can_carry_each_artifacts_schema(service: LineageService) -> None:
    result = service.lineage(HOME, "mlops-pipeline", include_latest_exec=True, include_schemas=True)
    validation = next(a for a in result["graph"]["artifacts"] if a["uri"].endswith("/churn/validation/"))
    assert validation["schema"]["format"] == "parquet" and validation["schema"]["fields"]


def test_a_key_holding_a_double_slash_is_read_where_its_writer_wrote(service: LineageService) -> None:
    lineage = service.lineage(HOME, "mlops-pipeline", include_latest_exec=True, include_schemas=True)
    doubled = [a for a in lineage["graph"]["artifacts"] if "//" in a["uri"].split("://", 1)[1]]
    assert doubled, "the demo's Register step reads evaluation//evaluation.json"
    for artifact in doubled:
        assert "fields" in artifact["schema"] and "//" not in artifact["schema"]["readAt"].split("://", 1)[1]
    bucket, key = doubled[0]["uri"][len("s3://"):].split("/", 1)
    answer = service.dataset_schema(bucket, key, HOME)
    assert answer["readAt"].endswith("/evaluation/evaluation.json") and "'//'" in answer["warnings"][0]
