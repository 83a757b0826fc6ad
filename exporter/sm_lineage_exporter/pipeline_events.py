"""A pipeline execution's lineage (the service's JSON contract) -> OpenLineage RunEvents. Pure: no I/O.

The execution is a parent run of job ``{pipeline}``; each step that ran is a child run of job
``{pipeline}.{step}`` with ``parent`` and ``root`` facets. Events carry the real times: START at the
start, COMPLETE / FAIL / ABORT at the end; a step still running gets its START only, a step that did
not run gets nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    JobFacet,
    RunFacet,
    documentation_job,
    error_message_run,
    job_type_job,
    nominal_time_run,
    parent_run,
    processing_engine_run,
    tags_job,
)

from jupyter_sm_lineage.core.steps import openlineage_job_type

from . import __version__
from .datasets import dataset_facets
from .facets import SageMakerPipelineRunFacet, SageMakerStepRunFacet
from .naming import (
    DatasetName,
    account_of,
    dataset_for_uri,
    execution_run_id,
    iso,
    job_namespace,
    parse_time,
    step_run_id,
)

#: Producer URI of the events (pin another one with ``producer=`` in tests).
PRODUCER = f"https://github.com/jupyter-sm-lineage/jupyter-sm-lineage/tree/v{__version__}/exporter"
INTEGRATION = "SAGEMAKER"
#: SageMaker's API version: the processing engine's version in the ``processing_engine`` facet.
SAGEMAKER_API_VERSION = "2017-07-24"

TERMINAL = {"Succeeded": RunState.COMPLETE, "Failed": RunState.FAIL, "Stopped": RunState.ABORT}
#: Ports that are code, not data: named in the step facet instead of as datasets.
CODE_KINDS = frozenset({"code"})


@dataclass(frozen=True)
class MappingOptions:
    """What the mapping needs besides the lineage itself."""

    producer: str = PRODUCER
    #: Job namespace; default ``sagemaker://{account}/{region}``.
    namespace: str | None = None
    #: The pipeline's tags (ListTags), as ``tags`` job facets.
    tags: Mapping[str, str] = field(default_factory=dict)
    #: Feature groups by name (``describe_feature_group(...).to_dict()``): offline store and Glue table.
    feature_groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def events_for_lineage(
    lineage: Mapping[str, Any],
    *,
    producer: str | None = None,
    namespace: str | None = None,
    tags: Mapping[str, str] | None = None,
    feature_groups: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[RunEvent]:
    """The OpenLineage events of one pipeline execution, in time order.

    Args:
        lineage: ``LineageService.lineage(region, pipeline, include_latest_exec=True | execution_arn=...)``.
        producer: The events' producer URI (default: this package's).
        namespace: The job namespace (default ``sagemaker://{account}/{region}``).
        tags: The pipeline's tags, emitted as ``tags`` job facets.
        feature_groups: Feature group descriptions by name, to name offline stores and their Glue tables.

    Returns:
        RunEvents ordered by event time (the execution's START first, its end last); empty when the
        lineage holds no execution.
    """
    options = MappingOptions(producer=producer or PRODUCER, namespace=namespace, tags=dict(tags or {}),
                             feature_groups=dict(feature_groups or {}))
    return PipelineMapper(lineage, options).events()


@dataclass(frozen=True)
class _Timed:
    time: str
    rank: int
    event: RunEvent


class PipelineMapper:
    """Maps one lineage payload; small intermediate records keep each facet's logic in one place."""

    def __init__(self, lineage: Mapping[str, Any], options: MappingOptions) -> None:
        self.lineage = lineage
        self.options = options
        self.producer = options.producer
        self.pipeline: Mapping[str, Any] = lineage.get("pipeline") or {}
        self.summary: Mapping[str, Any] = lineage.get("summary") or {}
        self.execution: Mapping[str, Any] = lineage.get("execution") or {}
        self.graph: Mapping[str, Any] = lineage.get("graph") or {}
        self.region = str(lineage.get("region") or "")
        self.pipeline_name = str(self.pipeline.get("name") or "")
        self.execution_arn = str(self.execution.get("arn") or self.summary.get("executionArn") or "")
        self.account = account_of(self.execution_arn) or account_of(self.pipeline.get("arn"))
        self.namespace = options.namespace or job_namespace(self.account, self.region)
        self.started = self.summary.get("startTime")
        self.artifacts = {str(a.get("uri")): a for a in self.graph.get("artifacts") or [] if isinstance(a, Mapping)}
        #: Bucket metadata by dataset namespace (``s3://bucket``), for datasets no artifact describes.
        self.buckets = {f"s3://{a['s3']['bucket']}": a["s3"] for a in self.artifacts.values()
                        if isinstance(a.get("s3"), Mapping) and a["s3"].get("bucket")}

    # --- the execution -------------------------------------------------------------------------
    def events(self) -> list[RunEvent]:
        if not self.execution_arn or not self.started or not self.pipeline_name:
            return []
        parent_id = execution_run_id(self.execution_arn, self.started)
        timed = self._pipeline_events(parent_id)
        for node in self.graph.get("nodes") or []:
            if isinstance(node, Mapping) and node.get("type") != "Dataset" and isinstance(node.get("run"), Mapping):
                timed.extend(self._step_events(node, parent_id))
        timed.sort(key=lambda t: (parse_time(t.time), t.rank))
        return [t.event for t in timed]

    def _pipeline_events(self, run_id: str) -> list[_Timed]:
        status = self.summary.get("overallStatus") or self.execution.get("status")
        run_facets: dict[str, RunFacet] = {
            "nominalTime": nominal_time_run.NominalTimeRunFacet(nominalStartTime=iso(self.started),
                                                                producer=self.producer),
            "processing_engine": self._engine(),
            "sagemaker_pipeline": SageMakerPipelineRunFacet(
                pipelineArn=self.pipeline.get("arn"),
                pipelineExecutionArn=self.execution_arn,
                status=status,
                region=self.region,
                displayName=self.summary.get("displayName"),
                failureReason=self.summary.get("failureReason"),
                elapsedSec=self.summary.get("elapsedSec") if status in TERMINAL else None,
                parameters={str(p.get("name")): str(p.get("value")) for p in self.execution.get("parameters") or []
                            if isinstance(p, Mapping) and p.get("name")} or None,
                stepStatus={k: int(v) for k, v in (self.summary.get("nodeStatus") or {}).items() if v} or None,
                producer=self.producer,
            ),
        }
        job_facets: dict[str, JobFacet] = {"jobType": self._job_type("PIPELINE"), **self._tags()}
        description = self.pipeline.get("description")
        if description:
            job_facets["documentation"] = documentation_job.DocumentationJobFacet(
                description=str(description), contentType="text/plain", producer=self.producer)
        job = Job(namespace=self.namespace, name=self.pipeline_name, facets=job_facets)
        out = [_Timed(iso(self.started), 0, RunEvent(
            eventType=RunState.START, eventTime=iso(self.started), run=Run(runId=run_id, facets=run_facets),
            job=job, producer=self.producer))]
        end = self.summary.get("endTime")
        if status in TERMINAL and end:
            facets = dict(run_facets)
            if status == "Failed" and self.summary.get("failureReason"):
                facets["errorMessage"] = self._error(str(self.summary["failureReason"]))
            out.append(_Timed(iso(end), 3, RunEvent(
                eventType=TERMINAL[status], eventTime=iso(end), run=Run(runId=run_id, facets=facets),
                job=job, producer=self.producer)))
        return out

    # --- the steps -----------------------------------------------------------------------------
    def _step_events(self, node: Mapping[str, Any], parent_id: str) -> list[_Timed]:
        run: Mapping[str, Any] = node["run"]
        status = str(run.get("status") or "Unknown")
        start = run.get("startTime")
        if status == "NotRun" or not start:
            return []
        step = str(node.get("id"))
        run_id = step_run_id(self.execution_arn, self.started, step)
        parent_job = parent_run.Job(namespace=self.namespace, name=self.pipeline_name)
        run_facets: dict[str, RunFacet] = {
            "parent": parent_run.ParentRunFacet(
                run=parent_run.Run(runId=parent_id), job=parent_job,
                root=parent_run.Root(run=parent_run.RootRun(runId=parent_id),
                                     job=parent_run.RootJob(namespace=self.namespace, name=self.pipeline_name)),
                producer=self.producer),
            "nominalTime": nominal_time_run.NominalTimeRunFacet(nominalStartTime=iso(self.started),
                                                                producer=self.producer),
            "processing_engine": self._engine(),
            "sagemaker_step": self._step_facet(node, status),
        }
        node_type = str(node.get("type") or "Unknown")
        job_facets: dict[str, JobFacet] = {"jobType": self._job_type(step_job_type(node_type)), **self._tags()}
        description = node.get("description") or node.get("displayName")
        if description:
            job_facets["documentation"] = documentation_job.DocumentationJobFacet(
                description=str(description), contentType="text/plain", producer=self.producer)
        job = Job(namespace=self.namespace, name=f"{self.pipeline_name}.{step}", facets=job_facets)
        inputs = [InputDataset(namespace=d.namespace, name=d.name, facets=f) for d, f in self._datasets(node, "inputs")]
        outputs = [OutputDataset(namespace=d.namespace, name=d.name, facets=f)
                   for d, f in self._datasets(node, "outputs")]
        out = [_Timed(iso(start), 2, RunEvent(
            eventType=RunState.START, eventTime=iso(start), run=Run(runId=run_id, facets=run_facets), job=job,
            inputs=inputs, outputs=outputs, producer=self.producer))]
        end = run.get("endTime")
        if status in TERMINAL and end:
            facets = dict(run_facets)
            message = run.get("failureReason") or run.get("errorMessage")
            if status == "Failed" and message:
                facets["errorMessage"] = self._error(str(message))
            out.append(_Timed(iso(end), 1, RunEvent(
                eventType=TERMINAL[status], eventTime=iso(end), run=Run(runId=run_id, facets=facets), job=job,
                inputs=inputs, outputs=outputs, producer=self.producer)))
        return out

    def _step_facet(self, node: Mapping[str, Any], status: str) -> SageMakerStepRunFacet:
        run: Mapping[str, Any] = node["run"]
        props: Mapping[str, Any] = node.get("properties") or {}
        metrics = {str(k): float(v) for k, v in (run.get("metrics") or {}).items()
                   if isinstance(v, int | float) and not isinstance(v, bool)}
        package = run.get("modelPackage")
        code = [str(p.get("uri")) for p in node.get("inputs") or []
                if isinstance(p, Mapping) and p.get("kind") in CODE_KINDS and p.get("resolved", True)]
        return SageMakerStepRunFacet(
            stepName=str(node.get("id")),
            stepType=str(node.get("type") or "Unknown"),
            status=status,
            pipelineExecutionArn=self.execution_arn,
            jobArn=run.get("jobArn"),
            jobName=run.get("jobName"),
            jobType=run.get("jobType"),
            consoleUrl=run.get("consoleUrl"),
            cacheHit=run.get("cacheHit"),
            cacheSourceExecutionArn=run.get("cacheSourceExecutionArn"),
            attempts=_int(run.get("attempts")),
            instanceType=_text(props.get("instanceType")),
            instanceCount=_int(props.get("instanceCount")),
            volumeSizeInGB=_int(props.get("volumeSizeInGB")),
            image=_text(props.get("image")),
            elapsedSec=run.get("elapsedSec"),
            metrics=metrics or None,
            conditionOutcome=_text(run.get("conditionOutcome")),
            conditionStep=node.get("parent"),
            branch=node.get("branch"),
            modelPackage={k: v for k, v in package.items() if v is not None}
            if isinstance(package, Mapping) and package.get("arn") else None,
            codeUris=code or None,
            producer=self.producer,
        )

    def _datasets(self, node: Mapping[str, Any], side: str) -> list[tuple[DatasetName, dict[str, Any]]]:
        """A node's ports as datasets with their facets, one per (namespace, name), in port order."""
        seen: dict[tuple[str, str], tuple[DatasetName, dict[str, Any]]] = {}
        for port in node.get(side) or []:
            if not isinstance(port, Mapping) or not port.get("resolved", True) or port.get("kind") in CODE_KINDS:
                continue
            for dataset, facets in self._port_datasets(port):
                key = (dataset.namespace, dataset.name)
                if key in seen:
                    seen[key][1].update({k: v for k, v in facets.items() if k not in seen[key][1]})
                else:
                    seen[key] = (dataset, facets)
        return list(seen.values())

    def _port_datasets(self, port: Mapping[str, Any]) -> Iterable[tuple[DatasetName, dict[str, Any]]]:
        uri, kind = str(port.get("uri") or ""), str(port.get("kind") or "s3")
        if kind == "feature-group":
            group = self.options.feature_groups.get(uri.split("://", 1)[-1].strip("/"))
            offline = (group or {}).get("offlineStore") or {}
            location = offline.get("resolvedS3Uri") or offline.get("s3Uri")
            if location:
                dataset = dataset_for_uri(str(location), "s3", self.region, self.account)
                if dataset is not None:
                    artifact = self.artifacts.get(str(location)) or {}
                    yield dataset, dataset_facets(
                        dataset, self.producer, schema=artifact.get("schema"),
                        bucket=artifact.get("s3") or self.buckets.get(dataset.namespace),
                        glue=offline.get("glueTable"), region=self.region, account=self.account)
                    return
        dataset = dataset_for_uri(uri, kind, self.region, self.account)
        if dataset is None:
            return
        artifact = self.artifacts.get(uri) or {}
        yield dataset, dataset_facets(dataset, self.producer, schema=artifact.get("schema"),
                                      bucket=artifact.get("s3") or self.buckets.get(dataset.namespace),
                                      region=self.region, account=self.account)

    # --- shared facets -------------------------------------------------------------------------
    def _job_type(self, job_type: str) -> job_type_job.JobTypeJobFacet:
        return job_type_job.JobTypeJobFacet(processingType="BATCH", integration=INTEGRATION, jobType=job_type,
                                            producer=self.producer)

    def _tags(self) -> dict[str, JobFacet]:
        if not self.options.tags:
            return {}
        return {"tags": tags_job.TagsJobFacet(
            tags=[tags_job.TagsJobFacetFields(key=str(k), value=str(v), source="SAGEMAKER")
                  for k, v in sorted(self.options.tags.items())],
            producer=self.producer)}

    def _engine(self) -> processing_engine_run.ProcessingEngineRunFacet:
        return processing_engine_run.ProcessingEngineRunFacet(
            version=SAGEMAKER_API_VERSION, name="Amazon SageMaker Pipelines", openlineageAdapterVersion=__version__,
            producer=self.producer)

    def _error(self, message: str) -> error_message_run.ErrorMessageRunFacet:
        return error_message_run.ErrorMessageRunFacet(message=message, programmingLanguage="SageMaker",
                                                      producer=self.producer)


def step_job_type(step_type: str) -> str:
    """``Processing`` -> ``PROCESSING_JOB`` (the step registry's declaration); an unknown type in upper snake case."""
    return openlineage_job_type(step_type)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
