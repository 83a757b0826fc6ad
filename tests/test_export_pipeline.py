"""Pipeline, schema and SQL exports end to end against the emulator, plus naming and validator checks."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sm_lineage_exporter import export_pipeline, to_dict
from sm_lineage_exporter.cli import main
from sm_lineage_exporter.emit import Emitter, make_client
from sm_lineage_exporter.naming import dataset_for_uri
from sm_lineage_exporter.spool import Spool
from sm_lineage_exporter.watermark import WatermarkStore
from tests.conftest import HOME
from tests.openlineage_validation import EventValidator, marquez_errors
from tests.receiver import Receiver


def dry_run(argv: list[str]) -> list[dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--dry-run", "--no-progress"], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_cli_dry_run_prints_valid_json_lines(emulator: Any) -> None:
    events = dry_run(["pipeline", "mlops-pipeline", "--region", HOME])
    EventValidator().validate(events)
    parent = events[0]
    assert (parent["eventType"], parent["job"]["name"]) == ("START", "mlops-pipeline")
    assert parent["job"]["namespace"] == "sagemaker://123456789012/ap-northeast-2"
    assert parent["job"]["facets"]["tags"]["tags"][0]["key"] == "DomainId"
    children = [e for e in events if e["job"]["name"] != "mlops-pipeline"]
    assert all(e["run"]["facets"]["parent"]["run"]["runId"] == parent["run"]["runId"] for e in children)
    # Steps that did not run (FailAccuracy) emit nothing; every step that ran has START and COMPLETE.
    assert not [e for e in events if e["job"]["name"].endswith("FailAccuracy")]
    assert len(children) == 2 * 7
    train = next(e for e in events if e["job"]["name"] == "mlops-pipeline.Train" and e["eventType"] == "COMPLETE")
    assert train["run"]["facets"]["sagemaker_step"]["attempts"] == 2
    assert train["run"]["facets"]["sagemaker_step"]["metrics"]["validation:auc"] == 0.95
    validation = next(i for i in train["inputs"] if i["name"] == "churn/validation")
    assert validation["facets"]["storage"]["fileFormat"] == "parquet"
    assert validation["facets"]["sagemaker_s3Bucket"]["encryption"] == "aws:kms"
    assert {f["name"] for f in validation["facets"]["schema"]["fields"]} >= {"customer_id", "churned"}
    register = next(e for e in events if e["job"]["name"].endswith("Register-RegisterModel"))
    assert register["run"]["facets"]["sagemaker_step"]["modelPackage"]["approvalStatus"] == "PendingManualApproval"


def test_same_execution_exported_twice_gives_identical_events(emulator: Any) -> None:
    argv = ["pipeline", "nightly-etl-pipeline", "--region", HOME, "--executions", "all", "--no-schemas"]
    assert dry_run(argv) == dry_run(argv)


def test_all_and_since(emulator: Any, service: Any) -> None:
    every = export_pipeline(HOME, "mlops-pipeline", "all", service=service, dry_run=True, include_schemas=False)
    assert every.executions == emulator.world.executions("mlops-pipeline")  # oldest first
    fail = [e for e in every.events if e.eventType.value == "FAIL"]
    # The demo history fails twice: Train diverges in the oldest run, the accuracy gate fails a later one.
    assert {e.job.name for e in fail} == {"mlops-pipeline", "mlops-pipeline.Train", "mlops-pipeline.FailAccuracy"}
    assert fail[0].run.facets["errorMessage"].message.startswith("AlgorithmError")
    since = emulator.world.runs("mlops-pipeline")[1]["startTime"] - timedelta(minutes=1)
    later = export_pipeline(HOME, "mlops-pipeline", f"since={since:%Y-%m-%dT%H:%M:%SZ}", service=service,
                            dry_run=True, include_schemas=False)
    assert later.executions == emulator.world.executions("mlops-pipeline")[1:]
    EventValidator().validate([to_dict(e) for e in every.events])


def test_since_last_exports_only_what_finished_since(emulator: Any, service: Any, tmp_path: Path) -> None:
    state = WatermarkStore(tmp_path / "state")
    with Receiver() as receiver:
        emitter = Emitter(make_client(transport="http", url=receiver.url, retries=0), Spool(tmp_path / "spool"))
        # First run: every finished execution; the running one waits.
        first = export_pipeline(HOME, "churn-features-pipeline", "since-last", service=service, emitter=emitter,
                                state=state, include_schemas=False)
        assert first.ok and len(first.executions) == 1 and len(first.running) == 1
        mark = state.get(HOME, "churn-features-pipeline")
        assert mark is not None and mark.pending == first.running
        # Second run: nothing new finished.
        second = export_pipeline(HOME, "churn-features-pipeline", "since-last", service=service, emitter=emitter,
                                 state=state, include_schemas=False)
        assert second.executions == [] and second.running == first.running
        assert len(receiver.events) == first.delivery.sent


def test_since_last_counts_spooled_events_as_handed_over(emulator: Any, service: Any, tmp_path: Path) -> None:
    # Issue 15, point 4: spooled events are replayed later, so the watermark moves past them (it used to
    # stay, and the next since-last run sent them a second time).
    state = WatermarkStore(tmp_path / "state")
    with Receiver() as receiver:
        receiver.fail_always()
        emitter = Emitter(make_client(transport="http", url=receiver.url, retries=0), Spool(tmp_path / "spool"))
        result = export_pipeline(HOME, "nightly-etl-pipeline", "since-last", service=service, emitter=emitter,
                                 state=state, include_schemas=False)
    mark = state.get(HOME, "nightly-etl-pipeline")
    assert result.delivery.spooled == result.count > 0 and not result.ok
    assert mark is not None and mark.pending == [] and mark.handed == {}


def test_schema_command_emits_the_stored_version(emulator: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SM_LINEAGE_SCHEMA_STORE", str(tmp_path / "schemas.sqlite3"))
    uri = "s3://sm-lineage-demo-curated-123456789012/churn/validation/"
    fresh = dry_run(["schema", uri, "--region", HOME])
    assert fresh[0]["dataset"]["facets"]["version"]["datasetVersion"] == "1"
    stored = dry_run(["schema", uri, "--region", HOME, "--version", "1"])
    EventValidator().validate([*fresh, *stored])
    assert stored[0]["dataset"] == fresh[0]["dataset"] | {"facets": stored[0]["dataset"]["facets"]}
    assert stored[0]["dataset"]["name"] == "churn/validation"
    assert [f["name"] for f in stored[0]["dataset"]["facets"]["schema"]["fields"]] == \
        [f["name"] for f in fresh[0]["dataset"]["facets"]["schema"]["fields"]]


def test_sql_command(tmp_path: Path) -> None:
    sql = tmp_path / "daily.sql"
    sql.write_text("INSERT INTO mart.daily SELECT o.day, count(*) AS n, sum(o.amount) AS revenue "
                   "FROM sales.orders o WHERE o.ok GROUP BY o.day")
    events = dry_run(["sql", str(sql), "--dialect", "spark", "--job-namespace", "etl"])
    EventValidator().validate(events)
    assert events[0]["job"] == events[1]["job"] and events[0]["job"]["name"] == "daily"
    assert events[0]["job"]["facets"]["sql"]["query"].startswith("INSERT INTO mart.daily")
    lineage = events[1]["outputs"][0]["facets"]["columnLineage"]
    assert set(lineage["fields"]) == {"day", "revenue"}


def test_bad_input_exits_2() -> None:
    err = io.StringIO()
    assert main(["pipeline", "x", "--region", HOME, "--executions", "yesterday", "--dry-run"],
                stdout=io.StringIO(), stderr=err) == 2
    assert "--executions must be" in err.getvalue()


def test_package_all_lists_every_lazy_name() -> None:
    # __all__ is a literal (for type checkers); it must stay the lazy table's names plus __version__.
    import sm_lineage_exporter

    assert sorted(sm_lineage_exporter.__all__) == sorted(["__version__", *sm_lineage_exporter._EXPORTS])


@pytest.mark.parametrize(("uri", "kind", "namespace", "name"), [
    ("s3://bucket/a/b/", "s3", "s3://bucket", "a/b"),
    ("s3a://bucket/a//b.parquet", "s3", "s3://bucket", "a/b.parquet"),
    ("s3://bucket", "s3", "s3://bucket", "/"),
    ("athena://AwsDataCatalog/sales/sales.customers", "athena-table",
     "awsathena://athena.ap-northeast-2.amazonaws.com", "AwsDataCatalog.sales.customers"),
    ("athena://AwsDataCatalog/sales/orders", "athena-table",
     "awsathena://athena.ap-northeast-2.amazonaws.com", "AwsDataCatalog.sales.orders"),
    ("redshift://analytics/dev/public.events", "redshift-table", "redshift://analytics.ap-northeast-2:5439",
     "dev.public.events"),
    ("redshift://analytics/dev/events", "redshift-table", "redshift://analytics.ap-northeast-2:5439",
     "dev.public.events"),
    ("featuregroup://customers", "feature-group", "sagemaker-featurestore://123456789012/ap-northeast-2",
     "customers"),
])
def test_dataset_naming(uri: str, kind: str, namespace: str, name: str) -> None:
    named = dataset_for_uri(uri, kind, "ap-northeast-2", "123456789012")
    assert named is not None and (named.namespace, named.name) == (namespace, name)


def test_placeholders_name_no_dataset() -> None:
    assert dataset_for_uri("s3://b/{Parameters.Prefix}/x", "s3", "r", None) is None


def test_validator_catches_what_marquez_refuses() -> None:
    event = {"eventTime": "2025-10-06T03:12:00", "producer": "https://p", "eventType": "START",
             "run": {"runId": "not-a-uuid"}, "job": {"namespace": "bad namespace", "name": "j", "facets": {
                 "jobType": {"_producer": "https://p", "_schemaURL":
                             "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
                             "processingType": "BATCH", "integration": "SAGEMAKER"}}}}
    errors = marquez_errors(event)
    assert any("timezone" in e for e in errors) and any("UUID" in e for e in errors)
    assert any("jobType" in e for e in errors) and any("pattern" in e for e in errors)
    assert EventValidator().spec_errors(event)  # runId format uuid, eventTime date-time


def test_the_cli_stops_quietly_when_its_reader_goes_away(emulator: Any) -> None:
    import subprocess
    import sys

    # `sm-lineage-export ... --dry-run | head`: more output than a pipe holds, and the reader leaves early.
    process = subprocess.Popen(
        [sys.executable, "-m", "sm_lineage_exporter", "pipeline", "fanout-100-pipeline", "--region", HOME,
         "--dry-run", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.read(100)
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, errors
    assert first.startswith(b'{"eventTime"') and "Broken pipe" not in errors
