"""The demo world as a user meets it: data behind every artifact, fresh times, room for their own pipelines."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any

import pytest

from jupyter_sm_lineage.core.schema import sample_artifacts
from jupyter_sm_lineage.core.service import LineageService
from jupyter_sm_lineage.emulator import Emulator

HOME = "ap-northeast-2"
ARCHIVES = (".tar.gz", ".py")  # model archives and uploaded code: not data


def _normalised(uri: str) -> str:
    """The key SageMaker actually writes when a definition joins ``prefix/`` and ``/name``: ``//`` collapsed."""
    bucket, _, key = uri[len("s3://"):].partition("/")
    while "//" in key:
        key = key.replace("//", "/")
    return f"s3://{bucket}/{key}"


def test_every_data_artifact_of_every_run_has_data(emulator: Emulator, service: LineageService) -> None:
    # Given the lineage of every execution of every demo pipeline, as the service resolves it
    artifacts: dict[str, set[str]] = {}
    for (region, pipeline), record in emulator.world.pipelines.items():
        for arn in record["executions"]:
            lineage = service.lineage(region, pipeline, execution_arn=arn)
            for artifact in lineage["graph"]["artifacts"]:
                if artifact["kind"] == "s3" and artifact["resolved"] and not artifact["uri"].endswith(ARCHIVES):
                    artifacts.setdefault(artifact["uri"], set()).add(f"{pipeline}/{arn.rsplit('/', 1)[1]}")
        latest = service.lineage(region, pipeline, include_latest_exec=True)
        assert latest["execution"]["arn"] == record["executions"][-1]
    assert len(artifacts) > 100 and sum(len(runs) for runs in artifacts.values()) > 200

    # When each is sampled the way the schema panel samples it
    s3 = emulator.client("s3", HOME)
    sampled = sample_artifacts(artifacts, s3, max_workers=8)
    missing = [uri for uri, schema in sampled.items() if "error" in schema]
    # A Join of "prefix/" and "name" makes "prefix//name": the step wrote "prefix/name" (the core warns)
    doubled = [uri for uri in missing if "//" in uri[len("s3://"):]]
    renormalised = sample_artifacts([_normalised(u) for u in doubled], s3)

    # Then every one has data, in a format that fits, with schemas that differ between datasets
    assert [u for u in missing if u not in doubled] == []
    assert [u for u, schema in renormalised.items() if "error" in schema] == []
    assert {u.rsplit("/", 1)[1] for u in doubled} <= {"evaluation.json"}
    formats = Counter(schema["format"] for schema in sampled.values() if "error" not in schema)
    assert {"parquet", "csv", "jsonl"} <= set(formats), formats
    gzipped = [u for u, s in sampled.items() if "error" not in s
               and any(f.endswith(".gz") for f in (s.get("meta", {}).get("files") or {}))]
    assert gzipped, "no gzip-compressed dataset"
    shapes = {tuple(sorted(s["fields"])) for s in sampled.values() if "error" not in s}
    assert len(shapes) >= 10
    # Every run of mlops-pipeline has its own training input
    trains = [u for u in artifacts if "/churn/train/" in u and not u.endswith("/churn/train/")]
    assert len(trains) == len(emulator.world.executions("mlops-pipeline")) + 1  # + us-east-1's run


def test_times_are_relative_to_seeding(emulator: Emulator, service: LineageService) -> None:
    seeded = emulator.world.seeded_at
    assert timedelta(0) <= datetime.now(timezone.utc) - seeded < timedelta(hours=6)
    sm = emulator.client("sagemaker", HOME)
    running = sm.describe_pipeline_execution(
        PipelineExecutionArn=emulator.world.latest_execution("churn-features-pipeline"))
    assert running["PipelineExecutionStatus"] == "Executing"
    assert timedelta(0) < seeded - running["CreationTime"] < timedelta(minutes=30)
    lineage = service.lineage(HOME, "churn-features-pipeline", include_latest_exec=True)
    assert 0 < lineage["summary"]["elapsedSec"] < 6 * 3600
    for region, pipeline in emulator.world.pipelines:
        client = emulator.client("sagemaker", region)
        for summary in client.list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"]:
            assert timedelta(0) < seeded - summary["StartTime"] < timedelta(days=8), (pipeline, summary)


@pytest.fixture
def user_pipeline(emulator: Emulator) -> Any:
    """A pipeline a user creates beside the demo world (deleted afterwards: other tests count pipelines)."""
    region = "us-east-1"
    sm = emulator.client("sagemaker", region)
    definition = {
        "Version": "2020-12-01",
        "Parameters": [{"Name": "InputData", "Type": "String", "DefaultValue": "s3://my-bucket/in/"}],
        "Steps": [{
            "Name": "MyStep", "Type": "Processing",
            "Arguments": {
                "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.t3.medium", "InstanceCount": 1,
                                                          "VolumeSizeInGB": 10}},
                "AppSpecification": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1"},
                "RoleArn": "arn:aws:iam::123456789012:role/Mine",
                "ProcessingInputs": [{"InputName": "in", "S3Input": {
                    "S3Uri": {"Get": "Parameters.InputData"}, "LocalPath": "/opt/ml/processing/input",
                    "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
            },
        }],
    }
    arn = sm.create_pipeline(PipelineName="my-own-pipeline", PipelineDefinition=json.dumps(definition),
                             RoleArn="arn:aws:iam::123456789012:role/Mine")["PipelineArn"]
    try:
        yield region, arn
    finally:
        sm.delete_pipeline(PipelineName="my-own-pipeline", ClientRequestToken="cleanup-of-my-own-pipeline-000001")


def test_a_users_own_pipeline_works_beside_the_demo_world(
    emulator: Emulator, service: LineageService, user_pipeline: Any
) -> None:
    region, arn = user_pipeline
    sm = emulator.client("sagemaker", region)
    names = {p["PipelineName"] for p in sm.list_pipelines()["PipelineSummaries"]}
    assert names == {"mlops-pipeline", "my-own-pipeline"}
    newest_first = sm.list_pipelines(SortBy="CreationTime", SortOrder="Descending")["PipelineSummaries"]
    assert newest_first[0]["PipelineName"] == "my-own-pipeline"
    assert sm.describe_pipeline(PipelineName="my-own-pipeline")["PipelineArn"] == arn
    started = sm.start_pipeline_execution(PipelineName="my-own-pipeline")["PipelineExecutionArn"]
    executions = sm.list_pipeline_executions(PipelineName="my-own-pipeline")["PipelineExecutionSummaries"]
    assert [e["PipelineExecutionArn"] for e in executions] == [started]
    assert sm.describe_pipeline_execution(PipelineExecutionArn=started)["PipelineExecutionStatus"] == "Succeeded"
    assert sm.list_pipeline_execution_steps(PipelineExecutionArn=started)["PipelineExecutionSteps"] == []
    # Jobs of one's own sort with the demo world's
    sm.create_processing_job(
        ProcessingJobName="my-own-job", RoleArn="arn:aws:iam::123456789012:role/Mine",
        AppSpecification={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1"},
        ProcessingResources={"ClusterConfig": {"InstanceType": "ml.t3.medium", "InstanceCount": 1,
                                               "VolumeSizeInGB": 10}},
    )
    jobs = {j["ProcessingJobName"] for j in sm.list_processing_jobs(MaxResults=100)["ProcessingJobSummaries"]}
    assert "my-own-job" in jobs and len(jobs) > 1
    recent = sm.list_processing_jobs(CreationTimeAfter=emulator.world.seeded_at - timedelta(minutes=1))
    assert [j["ProcessingJobName"] for j in recent["ProcessingJobSummaries"]] == ["my-own-job"]

    # The catalog shows both, and the user's pipeline has lineage
    catalog = service.pipelines([region], include_latest_exec=True)
    assert catalog["errors"] == []
    listed = {p["name"]: p for p in catalog["regions"][0]["pipelines"]}
    assert set(listed) == {"mlops-pipeline", "my-own-pipeline"}
    assert listed["my-own-pipeline"]["latestExecution"]["status"] == "Succeeded"
    lineage = service.lineage(region, "my-own-pipeline", include_latest_exec=True)
    assert lineage["execution"]["arn"] == started
    assert [n["id"] for n in lineage["graph"]["nodes"] if n["type"] != "Dataset"] == ["MyStep"]


def test_without_the_extra_the_command_says_what_to_install() -> None:
    # Given an interpreter where moto cannot be imported
    code = textwrap.dedent("""
        import importlib.abc, sys

        class NoMoto(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "moto" or name.startswith("moto."):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, NoMoto())
        for name in [n for n in sys.modules if n == "moto" or n.startswith("moto.")]:
            del sys.modules[name]
        from importlib.metadata import entry_points

        (script,) = [e for e in entry_points(group="console_scripts") if e.name == "sm-lineage-emulator"]
        sys.exit(script.load()(["--", sys.executable, "-c", "pass"]))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode != 0
    assert "pip install 'jupyter-sm-lineage[emulator]'" in result.stderr
    assert "moto" in result.stderr and "Traceback" not in result.stderr, result.stderr


def _imports(package: str, module: str, tree: ast.AST) -> set[str]:
    """Modules of ``package`` a module imports, anywhere in it (functions and TYPE_CHECKING blocks too)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = node.module or ""
                names = [base] if base else [alias.name for alias in node.names]
                found.update(name.split(".")[0] for name in names)
            elif node.module and node.module.startswith(package + "."):
                found.add(node.module[len(package) + 1:].split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(a.name[len(package) + 1:].split(".")[0] for a in node.names
                         if a.name.startswith(package + "."))
    return found - {module}


def test_the_emulator_modules_import_without_circles_and_declare_constants_once() -> None:
    package = "jupyter_sm_lineage.emulator"
    files = {f.name[:-3]: f.read_text() for f in resources.files(package).iterdir() if f.name.endswith(".py")}
    trees = {name: ast.parse(text) for name, text in files.items()}
    graph = {name: _imports(package, name, tree) & set(files) for name, tree in trees.items()}
    assert graph["constants"] == set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import circle: {' -> '.join((*path, name))}"
        for imported in graph[name]:
            visit(imported, (*path, name))

    for name in graph:
        visit(name, ())
    declared = Counter(
        target.id
        for tree in trees.values()
        for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name) and target.id.isupper()
    )
    assert {name for name, count in declared.items() if count > 1} == set()
    assert not {"ACCOUNT_ID", "REGIONS", "FEATURESTORE_BUCKET", "ROLE_ARN"} & {
        target.id for name, tree in trees.items() if name != "constants"
        for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)}
