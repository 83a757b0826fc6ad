"""``%lineage`` and ``%%lineage_sql`` in a real InteractiveShell on the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from jupyter_sm_lineage.magic import LineageMagics, load_ipython_extension
from jupyter_sm_lineage.widgets import (
    CatalogResult,
    CompareResult,
    DagViewer,
    ExecutionsResult,
    Explorer,
    FeatureGroupResult,
    FeatureGroupsResult,
    InKernelClient,
    LineageResult,
    SchemaResult,
    SqlLineageResult,
    VersionsResult,
)

REGION = "ap-northeast-2"
VALIDATION = "s3://sm-lineage-demo-curated-123456789012/churn/validation/"


@pytest.fixture
def shell(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("SM_LINEAGE_SCHEMA_STORE", str(tmp_path / "schemas.sqlite3"))
    monkeypatch.setenv("SM_LINEAGE_SPOOL_DIR", str(tmp_path / "spool"))
    from jupyter_sm_lineage.core.service import LineageService, Settings

    svc = LineageService(Settings.from_env(default_regions=(REGION,), max_workers=8))
    ip = InteractiveShell.instance()
    load_ipython_extension(ip)
    magics = LineageMagics(shell=ip, client=InKernelClient(svc))
    ip.register_magics(magics)  # the same magics, reading through this test's service
    yield ip
    svc.close()


def line(ip: Any, text: str) -> Any:
    return ip.run_line_magic("lineage", text)


def test_compare_with_a_local_definition_shows_what_an_upsert_would_change(shell: Any) -> None:
    """``%lineage compare PIPELINE - VAR``: a Pipeline-like object of the notebook against the deployed one."""
    service = shell.magics_manager.registry["LineageMagics"].client.service
    deployed = json.loads(service.clients.call("sagemaker", REGION, "describe_pipeline",
                                               PipelineName="mlops-pipeline")["PipelineDefinition"])
    deployed["Steps"] = [s for s in deployed["Steps"] if s["Name"] != "Evaluate"]

    class Pipeline:  # what the SageMaker SDK's Pipeline offers: a name and definition() as JSON text
        name = "mlops-pipeline"

        def definition(self) -> str:
            return json.dumps(deployed)

    shell.user_ns["proposed"] = Pipeline()
    result = line(shell, "compare mlops-pipeline - proposed")
    assert isinstance(result, CompareResult) and result["mode"] == "definition"
    assert {s["name"]: s["change"] for s in result["steps"]}["Evaluate"] == "removed"
    assert "<svg" in result._repr_html_()


def test_load_ext_registers_both_magics(shell: Any) -> None:
    assert "lineage" in shell.magics_manager.magics["line"]
    assert "lineage_sql" in shell.magics_manager.magics["cell"]
    doc = shell.magics_manager.magics["line"]["lineage"].__doc__
    assert "%lineage schema s3://" in doc and "--view {pipeline,data,both}" in doc  # %lineage? help


def test_no_argument_opens_the_explorer(shell: Any) -> None:
    explorer = line(shell, "")
    assert isinstance(explorer, Explorer) and explorer.region.value == REGION
    on_pipeline = line(shell, "mlops-pipeline --explore")
    assert on_pipeline.pipeline.value == "mlops-pipeline" and on_pipeline.dag.node_count == 8
    runs = line(shell, "executions mlops-pipeline")["executions"]
    failed = next(e for e in runs if e["status"] == "Failed")
    on_run = line(shell, f"mlops-pipeline --execution {failed['arn']} --explore")
    assert on_run.runs.run.value == failed["arn"] and on_run.lineage["execution"]["arn"] == failed["arn"]
    assert on_run.dag.selected and "Failure reason" in on_run.picture()


def test_pipeline_returns_the_graph_and_displays_the_dag(shell: Any) -> None:
    result = line(shell, "mlops-pipeline --view pipeline")
    assert isinstance(result, LineageResult)
    assert result["view"] == "pipeline" and result.summary["overallStatus"] == "Succeeded"
    assert result.step("Train")["run"]["attempts"] == 2
    json.dumps(result)  # plain JSON underneath
    viewer = result.widget()
    assert isinstance(viewer, DagViewer) and viewer.node_count == len(result.graph["nodes"])
    both = line(shell, "mlops-pipeline -r ap-northeast-2 --view both")
    assert VALIDATION in {a["uri"] for a in both.graph["artifacts"]}
    arn = both["summary"]["executionArn"]
    older = line(shell, f"mlops-pipeline --execution {arn}")
    assert older["execution"]["arn"] == arn


def test_catalog_schema_versions_featuregroups(shell: Any) -> None:
    catalog = line(shell, "catalog")
    assert isinstance(catalog, CatalogResult) and "mlops-pipeline" in catalog.names
    in_domain = line(shell, "catalog --domain studio-b")
    assert set(in_domain.names) == {"nightly-etl-pipeline"}

    schema = line(shell, f'schema {VALIDATION} --save --policy \'{{"owner": "ml"}}\'')
    assert isinstance(schema, SchemaResult) and schema["saved"]["version"] == 1
    assert schema.fields["customer_id"] == "int64"
    viewer = schema.widget()  # the saved version is listed right away (it used to say "No saved versions")
    assert [v for _, v in viewer.version.options] == [1] and "No saved versions" not in viewer.version_panel.value
    versions = line(shell, f"versions {VALIDATION}")
    assert isinstance(versions, VersionsResult) and versions["versions"][0]["policy"] == {"owner": "ml"}
    assert "customer_id" in schema._repr_html_()
    assert "Schema versions" in versions._repr_html_()

    groups = line(shell, "featuregroups")
    assert isinstance(groups, FeatureGroupsResult) and {"customers", "transactions"} <= set(groups.names)
    group = line(shell, "featuregroups customers")
    assert isinstance(group, FeatureGroupResult) and group["recordIdentifier"] == "customer_id"


def test_executions_newest_first_with_a_static_rendering(shell: Any) -> None:
    runs = line(shell, "executions mlops-pipeline --limit 3")
    assert isinstance(runs, ExecutionsResult) and len(runs.runs) == 3
    starts = [e["startTime"] for e in runs.runs]
    assert starts == sorted(starts, reverse=True)
    page = runs._repr_html_()
    assert all(e["displayName"] in page for e in runs.runs) and 'class="sml-chip"' in page
    json.dumps(runs)


def test_compare_returns_the_json_with_a_static_rendering(shell: Any) -> None:
    runs = line(shell, "executions mlops-pipeline")["executions"]
    failed = next(e for e in runs if e["status"] == "Failed")
    result = line(shell, f"compare mlops-pipeline {runs[-1]['arn']} {failed['arn']}")
    assert isinstance(result, CompareResult) and result["head"]["arn"] == failed["arn"]
    json.dumps(result)
    page = result._repr_html_()
    assert "<svg" in page and "Parameters" in page and "Metrics" in page
    same = line(shell, f"compare mlops-pipeline {failed['arn']} {failed['arn']}")
    assert all(s["change"] == "same" for s in same["steps"])
    viewer = result.widget()
    assert viewer is result.widget() and viewer.dag.node_count == len(result["steps"])


def test_preview_draws_a_definition_from_the_namespace_without_aws(shell: Any) -> None:
    from jupyter_sm_lineage.core.definition import parse_definition
    from jupyter_sm_lineage.widgets import HttpClient

    # a client that can reach nothing (a closed loopback port): any call to a service would fail the magic
    shell.register_magics(LineageMagics(shell=shell, client=HttpClient("http://127.0.0.1:9/")))

    definition = (Path(__file__).parent / "fixtures").glob("**/*.json")
    text = next(p.read_text() for p in definition if '"Steps"' in p.read_text())

    class Pipeline:  # the SageMaker SDK's Pipeline as the magic sees it: a name and .definition()
        name = "local-draft"

        def definition(self) -> str:
            return text

    shell.user_ns["draft"] = Pipeline()
    shell.user_ns["draft_json"] = text
    result = line(shell, "preview draft")
    expected = parse_definition(text).to_dict()
    assert isinstance(result, LineageResult) and result["preview"] is True
    assert result["pipeline"]["name"] == "local-draft"
    assert {n["id"] for n in result.graph["nodes"]} == {n["id"] for n in expected["nodes"]}
    assert line(shell, "preview draft_json").graph["nodes"] == expected["nodes"]
    assert "<svg" in result._repr_html_()
    with pytest.raises(UsageError, match="not a variable"):
        line(shell, "preview nothing_here")


def test_a_wrong_pipeline_name_offers_the_closest(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert line(shell, "mlops-pipelin") is None
    out = capsys.readouterr().out
    assert "There is no pipeline 'mlops-pipelin'" in out and "Did you mean 'mlops-pipeline'" in out


def test_sql_cell_magic(shell: Any) -> None:
    result = shell.run_cell_magic(
        "lineage_sql",
        "--dialect spark",
        "INSERT INTO mart.churn SELECT c.id, sum(o.amount) AS total\n"
        "FROM raw.customers c JOIN raw.orders o ON o.cid = c.id GROUP BY c.id",
    )
    assert isinstance(result, SqlLineageResult)
    assert result["sources"] == ["raw.customers", "raw.orders"] and result["targets"] == ["mart.churn"]
    assert any(c["target"] == "mart.churn.total" and c["subtype"] == "AGGREGATION" for c in result["columns"])
    assert "mart.churn.total" in result._repr_html_()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mlops-pipeline --view sideways", "invalid choice: 'sideways'"),
        ("schema", "usage: %lineage schema s3://"),
        ("schema /not/s3", "usage: %lineage schema s3://"),
        (f"schema {VALIDATION} --policy '{{\"a\": 1}}'", "add --save"),
        (f"schema {VALIDATION} --save --policy not-json", "--policy must be a JSON object"),
        ("diff s3://b/p 1 two", "versions must be numbers"),
        ("mlops-pipeline extra words", "unexpected argument(s) for a pipeline: extra words"),
        (VALIDATION, "use %lineage schema"),
        ("export", "usage: %lineage export PIPELINE"),
        ("--bogus", "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_are_usage_errors(shell: Any, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=None) as caught:
        line(shell, text)
    assert message in str(caught.value)


def test_service_errors_are_shown_as_a_sentence(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert line(shell, "no-such-pipeline") is None
    out = capsys.readouterr().out
    assert "no-such-pipeline" in out and "Traceback" not in out
    assert line(shell, "featuregroups customers --region mars-north-1") is None
    assert "mars-north-1" in capsys.readouterr().out


def test_export_dry_run_and_file_transport(shell: Any, tmp_path: Path) -> None:
    pytest.importorskip("sm_lineage_exporter")
    dry = line(shell, "export mlops-pipeline --dry-run")
    assert len(dry["executions"]) == 1 and dry["events"] > 0 and dry["delivered"] == 0  # the exporter's one summary
    assert len(dry.result.events) == dry["events"]
    target = tmp_path / "events.jsonl"
    sent = line(shell, f"export mlops-pipeline --transport file --file {target}")
    assert sent["delivered"] == dry["events"] and sent["spooled"] == 0
    lines = target.read_text().splitlines()
    assert len(lines) == dry["events"] and json.loads(lines[0])["eventType"] == "START"


def test_in_a_cell_the_explorer_is_shown_first_and_loaded_after(shell: Any) -> None:
    # Inside a running cell the explorer is returned (and displayed) before it loads, so its progress bar
    # shows during the first load too; it loads as soon as the cell has run.
    result = shell.run_cell("explorer = %lineage\nloaded_inside_the_cell = explorer.region.value")
    assert result.success, result.error_in_exec
    assert shell.user_ns["loaded_inside_the_cell"] is None
    explorer = shell.user_ns["explorer"]
    assert isinstance(explorer, Explorer) and explorer.region.value == REGION
    assert explorer.pipeline.options  # the catalog arrived
