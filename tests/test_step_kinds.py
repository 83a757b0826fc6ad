"""One registry of step kinds: a kind declared once in core/steps.py is read by the definition parser, the
execution overlay, the service's job describes and the exporter's jobType."""

from __future__ import annotations

from typing import Any

from jupyter_sm_lineage.core import steps
from jupyter_sm_lineage.core.definition import parse_definition
from jupyter_sm_lineage.core.execution import execution_context, job_ports, step_run
from jupyter_sm_lineage.core.model import Port
from jupyter_sm_lineage.core.service import _DESCRIBE
from sm_lineage_exporter.pipeline_events import step_job_type


def _read_notebook(b: steps.Reader, args: dict[str, Any], inputs: list[Port], outputs: list[Port],
                   props: dict[str, Any]) -> None:
    """A made-up kind: a notebook job reading one notebook and writing one output prefix."""
    port = b.port("notebook", args.get("InputNotebookUri"), prefix=False)
    if port is not None:
        inputs.append(port)
    port = b.port("output", args.get("OutputUri"), prefix=True)
    if port is not None:
        outputs.append(port)
    props["kernel"] = args.get("Kernel")


KIND = steps.StepKind("PaperMill", _read_notebook, metadata="PaperMillJob", openlineage="NOTEBOOK_JOB",
                      label="Papermill run")
JOB = steps.JobKind("PaperMillJob", "papermill-job", "papermill-jobs",
                    ("describe_processing_job", "ProcessingJobName", "ProcessingJobStatus"),
                    {"PaperMillJobName": "name"}, names_job=True)

DEFINITION = {
    "Parameters": [{"Name": "Day", "Type": "String", "DefaultValue": "2025-01-01"}],
    "Steps": [
        {"Name": "Run", "Type": "PaperMill", "Arguments": {
            "InputNotebookUri": "s3://b/notebooks/report.ipynb",
            "OutputUri": {"Std:Join": {"On": "/", "Values": ["s3://b/reports", {"Get": "Parameters.Day"}]}},
            "Kernel": "python3"}},
        {"Name": "Publish", "Type": "Processing", "Arguments": {
            "ProcessingInputs": [{"InputName": "report", "S3Input": {
                "S3Uri": {"Get": "Steps.Run.OutputUri"}}}],
            "Environment": {"RUN": {"Get": "Steps.Run.PaperMillJobName"}}}},
    ],
}
STEPS = [{"StepName": "Run", "StepStatus": "Succeeded",
          "Metadata": {"PaperMillJob": {"Arn": "arn:aws:sagemaker:r:123456789012:processing-job/pm-42"}}}]


def test_a_kind_registered_in_one_place_is_understood_everywhere() -> None:
    with steps.registered(KIND, JOB):
        graph = parse_definition(DEFINITION)
        run = graph.node("Run")
        assert run.known and run.properties["kernel"] == "python3"
        assert [p.uri for p in run.inputs] == ["s3://b/notebooks/report.ipynb"]
        assert [p.template for p in run.outputs] == ["s3://b/reports/{Parameters.Day}"]
        written = next(a for a in graph.artifacts if a.producers == ("Run",))
        assert written.consumers == ("Publish",) and written.dataset_id is None  # unresolved: no identity yet

        context = execution_context(DEFINITION, {"PipelineExecutionArn": "arn:x/execution/e"}, [], STEPS, "p")
        assert context.job_names == {"Run": "pm-42"}
        resolved = parse_definition(DEFINITION, context)
        assert resolved.node("Run").outputs[0].uri == "s3://b/reports/2025-01-01"
        assert [a.dataset_id for a in resolved.artifacts if a.producers == ("Run",)] == ["s3://b/reports/2025-01-01/"]

        overlay = step_run(STEPS[0], "r")
        assert (overlay["jobType"], overlay["jobName"]) == ("papermill-job", "pm-42")
        assert overlay["consoleUrl"].endswith("#/papermill-jobs/pm-42")
        assert _DESCRIBE["PaperMillJob"] == JOB.describe
        assert step_job_type("PaperMill") == "NOTEBOOK_JOB"
        inputs, outputs = job_ports("PaperMill", {"InputNotebookUri": "s3://b/n.ipynb", "OutputUri": "s3://b/o/"})
        assert [p.uri for p in inputs + outputs] == ["s3://b/n.ipynb", "s3://b/o/"]

    # Gone with the block: an unknown type keeps its raw arguments, the exporter derives a jobType.
    graph = parse_definition(DEFINITION)
    assert not graph.node("Run").known and graph.node("Run").arguments["Kernel"] == "python3"
    assert "PaperMillJob" not in _DESCRIBE
    assert step_job_type("PaperMill") == "PAPER_MILL"


def test_every_declared_kind_is_consistent() -> None:
    for kind in steps.STEP_KINDS.values():
        assert kind.job_type == step_job_type(kind.type)
        if kind.metadata is not None:
            assert kind.job is not None, kind.type
        if kind.describe_as is not None:
            assert steps.STEP_KINDS[kind.describe_as].extract is not None
    for job in steps.JOB_KINDS.values():
        if job.describe is not None:
            operation, parameter, status = job.describe
            assert operation.startswith("describe_") and parameter.endswith("Name") and status.endswith("Status")
    assert {"Processing", "Training", "Condition", "RegisterModel"} <= steps.understood_types()
