"""LineageService: the one facade under every front end (routes, widgets, magic, exporter).

Every method returns JSON-ready dicts in the seed's shapes. The service owns caching and concurrency:
independent AWS calls run together on a bounded pool, so the cost of a cold lineage is the dependency
chain, not the number of calls: the latest execution (with the pipeline and its current definition) ->
the execution's definition, steps and parameters, together with the metadata of the buckets the current
definition names -> job describes, reports, model packages and any bucket not foreseen (none, for a
pipeline of processing steps). Immutable answers (a definition per execution, a finished
execution's steps, a finished job) are cached for good; mutable ones (catalog, bucket metadata, a
running execution) for a TTL.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from .. import _version
from .aws import AwsClients
from .catalog import (
    cross_pipeline_edges,
    execution_entry,
    flat_catalog,
    in_domain,
    latest_execution_entry,
    match_domain,
    overview,
    pipeline_entry,
    tag_dict,
)
from .catalog import iso as _iso
from .compare import compare_definitions, compare_runs, data_ports, execution_choice
from .datasets import NOT_DATA, has_repeated_slash, match_path
from .definition import load_definition, parse_definition
from .errors import InvalidRequest, LineageError, NotFound, Unavailable
from .execution import (
    FINISHED,
    execution_context,
    execution_graph,
    flatten_metrics,
    job_arn,
    job_ports,
    parse_report,
    report_locations,
    step_run,
    summary,
    unresolved,
    with_run_details,
)
from .featurestore import describe_feature_group, list_feature_groups, writers_of
from .model import Graph
from .s3meta import bucket_calls, bucket_of, describe_bucket
from .schema import SchemaStore, sample_schema
from .schema.store import default_store_path, parse_policy
from .settings import Settings, TTLCache, env_number  # noqa: F401 - the names this module offered
from .sql import sql_lineage
from .sql.dialects import known_dialects, resolve_dialect
from .steps import JOB_KINDS
from .times import try_parse_time
from .views import check_view, graph_view
from .workers import SqlBudget, SqlWorkers

log = logging.getLogger(__name__)
T = TypeVar("T")

PIPELINE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$")
EXECUTION_ARN = re.compile(
    r"^arn:aws[a-z\-]*:sagemaker:(?P<region>[a-z0-9\-]+):(?P<account>\d{12}):pipeline/(?P<pipeline>[^/]+)/execution/"
    r"(?P<id>[a-zA-Z0-9]{1,64})$"
)
FOREVER = None


class LineageService:
    """The facade: one per process (or per server extension), safe to share between threads."""

    def __init__(self, settings: Settings | None = None, clients: AwsClients | None = None,
                 cache: bool = True) -> None:
        self.settings = settings or Settings.from_env()
        self.clients = clients or AwsClients(
            profile=self.settings.profile,
            allowed_regions=self.settings.allowed_regions,
            max_pool_connections=max(self.settings.max_workers + self.settings.sample_workers, 10),
            connect_timeout=self.settings.aws_connect_timeout,
            read_timeout=self.settings.aws_read_timeout,
            max_attempts=self.settings.aws_max_attempts,
            hooks=self.settings.hooks,
        )
        self.caching = cache
        self._schema_store: SchemaStore | None = None
        self._store_lock = threading.Lock()
        self.cache = TTLCache(self.settings.cache_entries)
        self._sql_workers = SqlWorkers(self.settings.sql_workers, self.sql_budget) if self.settings.sql_workers \
            else None
        self._flights: dict[Any, Future[Any]] = {}
        self._flight_lock = threading.Lock()
        # Leaf AWS calls only: tasks here never wait on other tasks here, so the pool cannot deadlock.
        self._io = ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="sm-lineage-aws")
        # Schema samples of a comparison (leaf calls too: list + ranged reads).
        self._samples = ThreadPoolExecutor(self.settings.sample_workers, thread_name_prefix="sm-lineage-sample")
        # Orchestrations (one pipeline's lineage inside a by-domain request) that wait on _io tasks.
        self._jobs = ThreadPoolExecutor(max(2, self.settings.max_workers // 4), thread_name_prefix="sm-lineage-job")

    @property
    def sql_budget(self) -> SqlBudget:
        return SqlBudget(seconds=self.settings.sql_seconds, memory_mb=self.settings.sql_memory_mb)

    def close(self) -> None:
        if self._sql_workers is not None:
            self._sql_workers.close()
        self._io.shutdown(wait=False, cancel_futures=True)
        self._samples.shutdown(wait=False, cancel_futures=True)
        self._jobs.shutdown(wait=False, cancel_futures=True)

    # --- plumbing -------------------------------------------------------------------------------
    def _cached(self, key: Any, compute: Callable[[], T], ttl: float | Callable[[T], float | None] | None) -> T:
        """The cached value of ``key``, else ``compute()`` cached for ``ttl`` seconds (None: for good; 0: not
        kept). Single-flight: while one thread computes a key, others asking for it wait for that answer
        (or its error) instead of computing it again."""
        if self.caching:
            hit, value = self.cache.get(key)
            if hit:
                return value  # type: ignore[no-any-return]
        with self._flight_lock:
            flight = self._flights.get(key)
            owner = flight is None
            if owner:
                if self.caching:  # a flight that just landed stored its answer
                    hit, value = self.cache.get(key)
                    if hit:
                        return value  # type: ignore[no-any-return]
                flight = self._flights[key] = Future()
        assert flight is not None
        if not owner:
            return flight.result()  # type: ignore[no-any-return]
        try:
            value = compute()
        except BaseException as exc:
            flight.set_exception(exc)
            raise
        else:
            if self.caching:
                lifetime = ttl(value) if callable(ttl) else ttl
                if lifetime is None or lifetime > 0:
                    self.cache.put(key, value, lifetime)
            flight.set_result(value)
        finally:
            with self._flight_lock:
                self._flights.pop(key, None)
        return value

    def _submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        return self._io.submit(fn, *args, **kwargs)

    def _regions(self, regions: Iterable[str] | str | None) -> tuple[list[str], list[dict[str, Any]]]:
        """(the regions a catalog covers, an error entry per region it refuses).

        Named regions outside ALLOWED_REGIONS are refused one by one; with none named, the default regions
        within the allowed ones are covered. InvalidRequest when nothing is left, or for a name that is not
        a SageMaker region at all (bad input).
        """
        if isinstance(regions, str):
            regions = [r.strip() for r in regions.split(",") if r.strip()]
        named = list(dict.fromkeys(regions or ()))
        if not named:
            allowed = self.settings.allowed_regions
            named = [r for r in self.settings.default_regions if not allowed or r in allowed] or list(allowed)
        if not named:
            raise InvalidRequest("no region given: pass regions=... or set AWS_DEFAULT_REGION / SM_LINEAGE_REGIONS",
                                 parameter="regions")
        chosen, refused = [], []
        for region in named:
            self.clients.check_region(region, "regions", allowed_only=False)  # not a region at all: a 400
            try:
                chosen.append(self.clients.check_allowed(region, "regions"))
            except InvalidRequest as exc:
                refused.append({"region": region, **exc.to_dict()})
        if not chosen:
            raise InvalidRequest("; ".join(e["message"] for e in refused), parameter="regions")
        return chosen, refused

    @staticmethod
    def _check_pipeline(pipeline: Any) -> str:
        if not isinstance(pipeline, str) or not pipeline:
            raise InvalidRequest("pipeline is required", parameter="pipeline")
        if not PIPELINE_NAME.match(pipeline):
            raise InvalidRequest(
                f"pipeline {pipeline[:80]!r} is not a SageMaker pipeline name (letters, digits and hyphens, "
                "at most 256 characters)", parameter="pipeline")
        return pipeline

    @staticmethod
    def _check_execution_arn(arn: str, region: str, pipeline: str | None, parameter: str = "executionArn") -> str:
        match = EXECUTION_ARN.match(arn)
        if match is None:
            raise InvalidRequest(
                f"{parameter} must look like arn:aws:sagemaker:REGION:ACCOUNT:pipeline/NAME/execution/ID",
                parameter=parameter)
        if match["region"] != region:
            raise InvalidRequest(f"{parameter} is in {match['region']}, not in region {region}", parameter=parameter)
        if pipeline and match["pipeline"].lower() != pipeline.lower():
            raise InvalidRequest(f"{parameter} belongs to pipeline {match['pipeline']!r}, not {pipeline!r}",
                                 parameter=parameter)
        return arn

    # --- health ---------------------------------------------------------------------------------
    #: The seed API level the routes implement.
    API_VERSION = "1.4.0"

    def health(self) -> dict[str, Any]:
        """``{status, version, apiVersion}``: liveness, the package version and the seed API level."""
        return {"status": "ok", "version": _version.__version__, "apiVersion": self.API_VERSION}

    def regions(self) -> list[str]:
        """Regions to offer: the ones a catalog covers by default, then the other allowed ones (no AWS call)."""
        allowed = self.settings.allowed_regions
        return list(dict.fromkeys([*(r for r in self.settings.default_regions if not allowed or r in allowed),
                                   *allowed]))

    # --- AWS reads, each cached as its nature allows --------------------------------------------
    def _describe_pipeline(self, region: str, pipeline: str) -> dict[str, Any]:
        return self._cached(
            ("describe_pipeline", region, pipeline),
            lambda: _strip(self.clients.call("sagemaker", region, "describe_pipeline", f"pipeline {pipeline}",
                                             PipelineName=pipeline)),
            self.settings.catalog_ttl,
        )

    def _latest_summary(self, region: str, pipeline: str) -> dict[str, Any] | None:
        def latest() -> dict[str, Any] | None:
            response = self.clients.call(
                "sagemaker", region, "list_pipeline_executions", f"executions of pipeline {pipeline}",
                PipelineName=pipeline, SortBy="CreationTime", SortOrder="Descending", MaxResults=1,
            )
            summaries = response.get("PipelineExecutionSummaries") or []
            return dict(summaries[0]) if summaries else None

        # Not kept (a new execution may start any time), but shared by concurrent identical requests.
        return self._cached(("latest_summary", region, pipeline), latest, 0)

    def _describe_execution(self, region: str, arn: str) -> dict[str, Any]:
        return self._cached(
            ("describe_execution", region, arn),
            lambda: _strip(self.clients.call("sagemaker", region, "describe_pipeline_execution", f"execution {arn}",
                                             PipelineExecutionArn=arn)),
            lambda d: FOREVER if d.get("PipelineExecutionStatus") in FINISHED else self.settings.running_ttl,
        )

    def _definition_for(self, region: str, arn: str) -> str:
        return self._cached(
            ("definition", region, arn),
            lambda: str(self.clients.call("sagemaker", region, "describe_pipeline_definition_for_execution",
                                          f"definition of {arn}", PipelineExecutionArn=arn)["PipelineDefinition"]),
            FOREVER,
        )

    def _parameters(self, region: str, arn: str) -> list[dict[str, Any]]:
        return self._cached(
            ("parameters", region, arn),
            lambda: self.clients.paginate("sagemaker", region, "list_pipeline_parameters_for_execution",
                                          "PipelineParameters", f"parameters of {arn}", PipelineExecutionArn=arn),
            FOREVER,
        )

    def _steps(self, region: str, arn: str, finished: bool) -> list[dict[str, Any]]:
        return self._cached(
            ("steps", region, arn),
            lambda: self.clients.paginate("sagemaker", region, "list_pipeline_execution_steps",
                                          "PipelineExecutionSteps", f"steps of {arn}", PipelineExecutionArn=arn,
                                          PaginationConfig={"PageSize": 100}),
            FOREVER if finished else self.settings.running_ttl,
        )

    def _describe_job(self, region: str, kind: str, name: str) -> dict[str, Any]:
        operation, parameter, status_key = _DESCRIBE[kind]

        def ttl(describe: dict[str, Any]) -> float | None:
            finished = describe.get(status_key) in ("Completed", "Failed", "Stopped")
            return FOREVER if finished else self.settings.running_ttl

        return self._cached(
            ("job", region, kind, name),
            lambda: _strip(self.clients.call("sagemaker", region, operation, f"{kind} {name}", **{parameter: name})),
            ttl,
        )

    def _model_package(self, region: str, arn: str) -> dict[str, Any]:
        # The approval status changes after registration: a TTL, never forever.
        return self._cached(
            ("model_package", region, arn),
            lambda: _strip(self.clients.call("sagemaker", region, "describe_model_package", f"model package {arn}",
                                             ModelPackageName=arn)),
            self.settings.catalog_ttl,
        )

    def _report(self, region: str, uri: str, finished: bool) -> Any:
        bucket, _, key = uri[len("s3://") :].partition("/")

        def read() -> Any:
            body = self.clients.call("s3", region, "get_object", uri, Bucket=bucket, Key=key, Range="bytes=0-1048575")
            return parse_report(body["Body"].read())

        return self._cached(("report", region, uri), read, FOREVER if finished else self.settings.running_ttl)

    def _bucket_futures(self, region: str, bucket: str) -> Callable[[], dict[str, Any]]:
        """Start a bucket's five metadata calls (or take them from the cache); call the result to collect."""
        key = ("bucket", region, bucket)
        if self.caching:
            hit, value = self.cache.get(key)
            if hit:
                return lambda: value
        with self._flight_lock:  # single-flight: a bucket whose calls are on their way is not asked again
            flight = self._flights.get(key)
            if flight is not None:
                return flight.result
            flight = self._flights[key] = Future()
        futures = {name: self._submit(call) for name, call in bucket_calls(self.clients, region, bucket).items()}

        remaining = [len(futures)]
        landing = threading.Lock()

        def land(_: Any) -> None:
            with landing:
                remaining[0] -= 1
                if remaining[0]:
                    return
            try:
                meta = describe_bucket(bucket, {name: f.result() for name, f in futures.items()})
            except BaseException as exc:
                flight.set_exception(exc)
            else:
                if self.caching:
                    self.cache.put(key, meta, self.settings.bucket_ttl)
                flight.set_result(meta)
            finally:
                with self._flight_lock:
                    if self._flights.get(key) is flight:
                        del self._flights[key]

        for future in futures.values():
            future.add_done_callback(land)
        return flight.result

    # --- catalog --------------------------------------------------------------------------------
    def _domains(self, region: str) -> list[dict[str, Any]]:
        return self._cached(
            ("domains", region),
            lambda: self.clients.paginate("sagemaker", region, "list_domains", "Domains", "Studio domains"),
            self.settings.catalog_ttl,
        )

    def _pipeline_summaries(self, region: str) -> list[dict[str, Any]]:
        return self._cached(
            ("pipelines", region),
            lambda: self.clients.paginate("sagemaker", region, "list_pipelines", "PipelineSummaries", "pipelines",
                                          PaginationConfig={"PageSize": 100}),
            self.settings.catalog_ttl,
        )

    def _tags(self, region: str, arn: str) -> dict[str, str]:
        return self._cached(
            ("tags", region, arn),
            lambda: tag_dict(self.clients.paginate("sagemaker", region, "list_tags", "Tags", f"tags of {arn}",
                                                   ResourceArn=arn)),
            self.settings.catalog_ttl,
        )

    def _latest_entry(self, region: str, pipeline: str) -> dict[str, Any] | None:
        def compute() -> dict[str, Any] | None:
            latest = self._latest_summary(region, pipeline)
            describe = self._describe_execution(region, latest["PipelineExecutionArn"]) if latest else None
            return latest_execution_entry(latest, describe)

        return self._cached(("latest_entry", region, pipeline), compute, self.settings.running_ttl)

    def _region_catalog(self, region: str, domain_name: str | None, domain_id: str | None,
                        include_latest_exec: bool) -> dict[str, Any]:
        domains_future = self._submit(self._domains, region)
        summaries = self._pipeline_summaries(region)
        tag_futures = [self._submit(self._tags, region, s["PipelineArn"]) for s in summaries]
        latest_futures = [self._submit(self._latest_entry, region, s["PipelineName"]) if include_latest_exec else None
                          for s in summaries]
        domains = domains_future.result()
        pipelines = []
        for summary_, tags_future, latest_future in zip(summaries, tag_futures, latest_futures, strict=True):
            tags = tags_future.result()
            matched = match_domain(tags, domains)
            if not in_domain(matched, domain_name, domain_id):
                continue
            latest = latest_future.result() if latest_future is not None else None
            pipelines.append(pipeline_entry(summary_, tags, matched, latest, include_latest_exec))
        pipelines.sort(key=lambda p: str(p.get("name")))
        return {"region": region, "pipelines": pipelines}

    def pipelines(self, regions: Iterable[str] | str | None = None, domain_name: str | None = None,
                  domain_id: str | None = None, include_latest_exec: bool = False) -> dict[str, Any]:
        """The region catalog: per region its pipelines (tags, matched domain, optional latest execution).

        A region that fails is listed under ``errors`` with the reason; the others are still answered.
        """
        chosen, refused = self._regions(regions)
        futures = {r: self._jobs.submit(self._region_catalog, r, domain_name, domain_id, include_latest_exec)
                   for r in chosen}
        out: dict[str, Any] = {"regions": [], "errors": refused}
        for region, future in futures.items():
            try:
                out["regions"].append(future.result())
            except LineageError as exc:
                out["errors"].append({"region": region, **exc.to_dict()})
        return out

    def overview(self, regions: Iterable[str] | str | None = None) -> dict[str, Any]:
        catalog = self.pipelines(regions, include_latest_exec=True)
        return {**overview(catalog["regions"]), "errors": catalog["errors"]}

    def catalog(self, regions: Iterable[str] | str | None = None) -> dict[str, Any]:
        catalog = self.pipelines(regions, include_latest_exec=True)
        return {"pipelines": flat_catalog(catalog["regions"]), "errors": catalog["errors"]}

    # --- execution history ------------------------------------------------------------------------
    MAX_EXECUTIONS_PAGE = 100

    def executions(self, region: str, pipeline: str, limit: int = 50,
                   next_token: str | None = None) -> dict[str, Any]:
        """A pipeline's executions, newest first: ``{region, pipeline, executions: [...], nextToken}``.

        Each execution has ``arn``, ``displayName``, ``status``, ``startTime``, ``endTime``, ``elapsedSec``,
        ``failureReason`` (when failed) and ``parameters``. A page of up to 100 costs one list call; the
        executions' describes and parameters are read together (a finished one is cached for good).
        """
        region = self.clients.check_region(region)
        pipeline = self._check_pipeline(pipeline)
        limit = _check_limit(limit, self.MAX_EXECUTIONS_PAGE)
        summaries, token = self._execution_page(region, pipeline, limit, next_token)
        describes = [self._submit(self._describe_execution, region, s["PipelineExecutionArn"]) for s in summaries]
        parameters = [self._submit(self._parameters, region, s["PipelineExecutionArn"]) for s in summaries]
        out = []
        for summary_, describe, params in zip(summaries, describes, parameters, strict=True):
            described = _result(describe)
            given = _result(params)
            out.append(execution_entry(summary_, None if isinstance(described, LineageError) else described,
                                       [] if isinstance(given, LineageError) else given))
        return {"region": region, "pipeline": pipeline, "executions": out, "nextToken": token}

    def _execution_page(self, region: str, pipeline: str, limit: int,
                        next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """One page of ListPipelineExecutions, newest first, and the token of the next one.

        The token is our own (the AWS token plus how many of that page were already shown), so paging also
        works against a backend that ignores MaxResults (moto answers every execution at once).
        """
        aws_token, skip = _parse_page_token(next_token)
        kwargs: dict[str, Any] = {"PipelineName": pipeline, "SortBy": "CreationTime", "SortOrder": "Descending",
                                  "MaxResults": min(self.MAX_EXECUTIONS_PAGE, limit + skip)}
        if aws_token:
            kwargs["NextToken"] = aws_token
        response = self.clients.call("sagemaker", region, "list_pipeline_executions",
                                     f"executions of pipeline {pipeline}", **kwargs)
        page = sorted((dict(s) for s in response.get("PipelineExecutionSummaries") or []),
                      key=lambda s: _sort_time(s.get("StartTime")), reverse=True)
        chosen = page[skip:skip + limit]
        if skip + limit < len(page):
            return chosen, _page_token(aws_token, skip + limit)
        following = response.get("NextToken")
        return chosen, _page_token(following, 0) if following else None

    def all_executions(self, region: str, pipeline: str) -> list[dict[str, Any]]:
        """Every execution summary of a pipeline (ListPipelineExecutions, all pages), newest first."""
        region = self.clients.check_region(region)
        pipeline = self._check_pipeline(pipeline)
        items = self.clients.paginate("sagemaker", region, "list_pipeline_executions", "PipelineExecutionSummaries",
                                      f"executions of pipeline {pipeline}", PipelineName=pipeline,
                                      SortBy="CreationTime", SortOrder="Descending")
        return sorted((dict(s) for s in items), key=lambda s: _sort_time(s.get("StartTime")), reverse=True)

    def pipeline_tags(self, region: str, pipeline: str) -> dict[str, str]:
        """A pipeline's tags (cached like the catalog)."""
        region = self.clients.check_region(region)
        pipeline = self._check_pipeline(pipeline)
        arn = self._describe_pipeline(region, pipeline).get("PipelineArn")
        return dict(self._tags(region, str(arn))) if arn else {}

    # --- run comparison -------------------------------------------------------------------------
    def compare(self, region: str, pipeline: str, base: str | None = None, head: Any = None) -> dict[str, Any]:
        """What changed between two executions: parameters, steps (definition and run), dataset schemas, metrics.

        ``head`` defaults to the newest execution and ``base`` to the last succeeded one before it (else the one
        before it); either may be an execution ARN. ``head`` may also be a pipeline definition (JSON text or a
        dict, e.g. a local SDK ``Pipeline.definition()``): then the deployed definition is compared with it,
        definition-level differences only, with no execution read.
        """
        region = self.clients.check_region(region)
        pipeline = self._check_pipeline(pipeline)
        local = _local_definition(head)
        if local is not None:
            return self._compare_definition(region, pipeline, local)
        for name, arn in (("base", base), ("head", head)):
            if arn is not None and not isinstance(arn, str):
                raise InvalidRequest(f"{name} must be an execution ARN (or, for head, a pipeline definition)",
                                     parameter=name)
            if arn:
                self._check_execution_arn(arn, region, pipeline, name)
        # Round trip 1: the pipeline (for the lineages) together with the history (for the choice).
        self._submit(self._describe_pipeline, region, pipeline)
        statuses: dict[str, str | None] = {}
        if not (base and head):
            page, _ = self._execution_page(region, pipeline, self.MAX_EXECUTIONS_PAGE, None)
            history = [{"arn": s["PipelineExecutionArn"], "status": s.get("PipelineExecutionStatus")} for s in page]
            statuses = {str(e["arn"]): e["status"] for e in history}
            base, head = execution_choice(history, base or None, head or None)
        if head is None:
            raise NotFound(f"pipeline {pipeline} has no executions to compare", parameter="head")
        if base is None:
            raise NotFound(f"pipeline {pipeline} has only one execution: there is nothing to compare it with",
                           parameter="base")
        # Round trips 2-3: both runs' lineages and their history entries, together.
        arns = list(dict.fromkeys([base, head]))
        runs = {arn: self._jobs.submit(self._lineage, region, pipeline, "pipeline", False, None, arn, False,
                                       statuses.get(arn)) for arn in arns}
        entries = {arn: (self._submit(self._describe_execution, region, arn),
                         self._submit(self._parameters, region, arn)) for arn in arns}
        lineages = {arn: future.result() for arn, future in runs.items()}
        old, new = lineages[base], lineages[head]
        definitions = {arn: load_definition(self._definition_for(region, arn)) for arn in arns}
        described = {arn: execution_entry({"PipelineExecutionArn": arn}, describe.result(), parameters.result())
                     for arn, (describe, parameters) in entries.items()}
        # Each run's schemas: the version the schema store held when the run ended, where one was saved;
        # else (round trip 4, and 5) sampled now at the URIs the two runs do not share. A location both runs
        # used with no saved version holds one schema now, the same for both: not read.
        base_uris = {uri for *_, uri in data_ports(old)}
        head_uris = {uri for *_, uri in data_ports(new)}
        saved_base = self._saved_schemas(base_uris, described[base])
        saved_head = self._saved_schemas(head_uris, described[head])
        sampled = self._sample_many(region, sorted(((base_uris - set(saved_base)) | (head_uris - set(saved_head)))
                                                   & (base_uris ^ head_uris)), wide=True)
        return {"region": region, "pipeline": pipeline, "base": described[base], "head": described[head],
                **compare_runs(old, new, definitions[base], definitions[head], {**sampled, **saved_base},
                               {**sampled, **saved_head})}

    def _saved_schemas(self, uris: Iterable[str], execution: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """uri -> the newest schema version saved in the store by the time ``execution`` ended (or now, for
        one still running); none when the store holds none for it or cannot be read."""
        until = str(execution.get("endTime") or "9999")
        found: dict[str, dict[str, Any]] = {}
        try:
            with self._store("read") as store:
                for uri in uris:
                    versions = store.versions(uri).to_dict().get("versions") or []
                    kept = [v for v in versions if str(v.get("createdAt") or "") <= until]
                    if kept:
                        latest = max(kept, key=lambda v: int(v["version"]))
                        found[uri] = {"fields": latest["fields"], "source": "store", "version": latest["version"]}
        except Unavailable as exc:
            log.warning("comparison without saved schema versions: %s", exc.message)
            return {}
        return found

    def _compare_definition(self, region: str, pipeline: str, local: dict[str, Any]) -> dict[str, Any]:
        described = self._describe_pipeline(region, pipeline)
        deployed = load_definition(described.get("PipelineDefinition") or "{}")
        result = compare_definitions(parse_definition(deployed).to_dict(), parse_definition(local).to_dict(),
                                     deployed, local)
        return {"region": region, "pipeline": pipeline, "mode": "definition",
                "base": {"definition": "deployed", "lastModifiedTime": _iso(described.get("LastModifiedTime"))},
                "head": {"definition": "local"}, **result}

    def trend(self, region: str, pipeline: str, limit: int = 10) -> dict[str, Any]:
        """Per step, status and elapsed time over the last ``limit`` executions, oldest first (for sparklines)."""
        region = self.clients.check_region(region)
        pipeline = self._check_pipeline(pipeline)
        limit = _check_limit(limit, self.MAX_EXECUTIONS_PAGE)
        history = list(reversed(self.executions(region, pipeline, limit=limit)["executions"]))
        steps = [self._submit(self._steps, region, str(e["arn"]), e.get("status") in FINISHED) for e in history]
        points: dict[str, list[dict[str, Any]]] = {}
        for index, future in enumerate(steps):
            ran = _result(future)
            for step in [] if isinstance(ran, LineageError) else ran:
                run = step_run(step, region)
                points.setdefault(str(step.get("StepName")), []).append({
                    "execution": index, "status": run.get("status"), "elapsedSec": run.get("elapsedSec")})
        return {"region": region, "pipeline": pipeline,
                "executions": [{k: e.get(k) for k in ("arn", "status", "startTime", "displayName")} for e in history],
                "steps": points}

    # --- lineage --------------------------------------------------------------------------------
    def lineage(self, region: str, pipeline: str, view: str = "both", include_latest_exec: bool = False,
                domain: str | None = None, execution_arn: str | None = None,
                include_schemas: bool = False) -> dict[str, Any]:
        """One pipeline's lineage: ``{pipeline, summary, graph, view, region, execution?}``.

        ``execution_arn`` shows a past execution; ``include_latest_exec`` the newest one; neither gives
        the current definition with ``{placeholders}`` for what only an execution knows.
        ``include_schemas`` samples every resolved S3 artifact's schema onto the artifact.
        """
        return self._lineage(region, pipeline, view, include_latest_exec, domain, execution_arn, include_schemas)

    def _lineage(self, region: str, pipeline: str, view: str = "both", include_latest_exec: bool = False,
                 domain: str | None = None, execution_arn: str | None = None, include_schemas: bool = False,
                 status: str | None = None) -> dict[str, Any]:
        """:meth:`lineage`; ``status``: the execution's status when the caller already knows it (from a
        listing), so that its describe goes out with the execution's other reads instead of before them."""
        region = self.clients.check_region(region)
        pipeline = self._check_pipeline(pipeline)
        view = check_view(view)
        if execution_arn:
            self._check_execution_arn(execution_arn, region, pipeline)
        graph, payload = self._lineage_graph(region, pipeline, include_latest_exec or bool(execution_arn),
                                             execution_arn, status)
        if include_schemas:
            graph = self._with_schemas(region, graph)
        if domain:
            tags = self._tags(region, payload["pipeline"]["arn"])
            matched = match_domain(tags, self._domains(region))
            payload["pipeline"]["matchedDomain"] = matched
            payload["pipeline"]["inDomain"] = in_domain(matched, domain, None) or in_domain(matched, None, domain)
        payload["graph"] = graph_view(graph, view)
        payload["view"] = view
        return payload

    def _lineage_graph(self, region: str, pipeline: str, with_execution: bool,
                       execution_arn: str | None, status: str | None = None) -> tuple[Graph, dict[str, Any]]:
        # Round trip 1: the pipeline and which execution to show.
        described = self._submit(self._describe_pipeline, region, pipeline)
        execution: dict[str, Any] | None = None
        if execution_arn and status:
            execution = {"PipelineExecutionArn": execution_arn, "PipelineExecutionStatus": status}
            execution_arn = None  # described with the execution's other reads
        elif execution_arn:
            execution = self._describe_execution(region, execution_arn)
        elif with_execution:
            latest = self._latest_summary(region, pipeline)
            if latest is not None:
                execution = {
                    "PipelineExecutionArn": latest["PipelineExecutionArn"],
                    "PipelineExecutionStatus": latest.get("PipelineExecutionStatus"),
                }
        description = described.result()
        info = {
            "name": description.get("PipelineName", pipeline),
            "arn": description.get("PipelineArn"),
            "displayName": description.get("PipelineDisplayName"),
            "description": description.get("PipelineDescription"),
            "created": _iso(description.get("CreationTime")),
            "lastModifiedTime": _iso(description.get("LastModifiedTime")),
            "lastRunTime": _iso(description.get("LastRunTime")),
        }
        payload: dict[str, Any] = {"region": region, "pipeline": {k: v for k, v in info.items() if v is not None}}
        if execution is None:
            graph = self._cached(
                ("definition_graph", region, pipeline, info["lastModifiedTime"]),
                lambda: self._with_buckets(region, parse_definition(description.get("PipelineDefinition") or "{}")),
                min(self.settings.catalog_ttl, self.settings.bucket_ttl),
            )
            payload["summary"] = summary(graph, None) if not with_execution else {
                **summary(graph, None), "note": "the pipeline has no executions"}
            return graph, payload
        arn = str(execution["PipelineExecutionArn"])
        # A finished execution's enriched graph is reused for as long as its mutable parts (bucket metadata,
        # the model package's approval) may be: a warm request costs one call and no parsing.
        key = ("execution_graph", region, arn)
        finished = execution.get("PipelineExecutionStatus") in FINISHED
        graph, payload["summary"], payload["execution"] = self._cached(
            key, lambda: self._execution_lineage(region, pipeline, arn, execution, bool(execution_arn),
                                                 description.get("PipelineDefinition")),
            lambda result: min(self.settings.catalog_ttl, self.settings.bucket_ttl)
            if result[2]["status"] in FINISHED and finished else 0,
        )
        return graph, payload

    def _execution_lineage(self, region: str, pipeline: str, arn: str, execution: dict[str, Any],
                           described: bool, current_definition: str | None,
                           ) -> tuple[Graph, dict[str, Any], dict[str, Any]]:
        # Round trip 2: everything about the execution, together, and the bucket metadata that the
        # pipeline's current definition already names.
        finished = execution.get("PipelineExecutionStatus") in FINISHED
        steps_future = self._submit(self._steps, region, arn, finished)  # the slowest: paginated, first
        definition = self._submit(self._definition_for, region, arn)
        parameters = self._submit(self._parameters, region, arn)
        described_execution = None if described else self._submit(self._describe_execution, region, arn)
        prefetched = self._prefetch_buckets(region, pipeline, arn, current_definition)
        steps = steps_future.result()
        if described_execution is not None:
            execution = described_execution.result()
            finished = execution.get("PipelineExecutionStatus") in FINISHED
        graph = execution_graph(definition.result(), execution, parameters.result(), steps, pipeline, region)
        # Round trip 3 (when needed): job describes, reports, model packages and the buckets not foreseen.
        graph = self._enrich(region, graph, steps, finished, prefetched)
        info = {
            "arn": arn,
            "status": execution.get("PipelineExecutionStatus"),
            "parameters": [{"name": p.get("Name"), "value": p.get("Value")} for p in parameters.result()],
        }
        return graph, summary(graph, execution), info

    def _prefetch_buckets(self, region: str, pipeline: str, arn: str,
                          current_definition: str | None) -> dict[str, Callable[[], dict[str, Any]]]:
        """Start the metadata of the buckets that the pipeline's current definition names (with its default
        parameters and this execution's id) while the execution's own definition is still on its way.

        An execution's definition is the pipeline's definition of the day it started, so the two name the
        same buckets unless the pipeline was updated since or a parameter moved the data: a bucket foreseen
        wrongly costs its five calls for nothing; one missed is fetched after, as it would be anyway.
        """
        if not current_definition:
            return {}
        try:
            doc = load_definition(current_definition)
            graph = parse_definition(doc, execution_context(doc, {"PipelineExecutionArn": arn}, (), (), pipeline))
        except LineageError:
            return {}  # the execution's definition will say what is wrong with it
        return self._bucket_collectors(region, graph)

    def _enrich(self, region: str, graph: Graph, steps: list[dict[str, Any]], finished: bool,
                prefetched: Mapping[str, Callable[[], dict[str, Any]]]) -> Graph:
        by_name: dict[str, dict[str, Any]] = {}
        for step in steps:
            by_name.setdefault(str(step.get("StepName")), step)
        pending: dict[str, dict[str, Future[Any]]] = {}
        for node in graph.nodes:
            ran = by_name.get(node.id)
            found = job_arn(ran) if ran else None
            if found is None:
                continue
            kind, arn = found
            name = arn.rsplit("/", 1)[-1]
            wanted: dict[str, Future[Any]] = {}
            job = JOB_KINDS[kind]
            if job.describe is not None and (job.always_describe or unresolved(node)):
                wanted["describe"] = self._submit(self._describe_job, region, kind, name)
            if kind == "RegisterModel":
                wanted["package"] = self._submit(self._model_package, region, arn)
            if wanted:
                pending[node.id] = wanted
        reports = [(step, name, uri, self._submit(self._report, region, uri, finished))
                   for step, name, uri in report_locations(graph)]
        graph_buckets = self._bucket_collectors(region, graph, prefetched)
        details: dict[str, dict[str, Any]] = {}
        for node_id, wanted in pending.items():
            node = graph.node(node_id)
            extra = details.setdefault(node_id, {})
            if "describe" in wanted:
                describe = _result(wanted["describe"])
                if isinstance(describe, LineageError):
                    extra["warnings"] = [describe.message]
                else:
                    metrics = {m["MetricName"]: m["Value"] for m in describe.get("FinalMetricDataList") or []
                               if "MetricName" in m and "Value" in m}
                    if metrics:
                        extra["metrics"] = metrics
                    if unresolved(node):
                        inputs, outputs = job_ports(node.type, describe)
                        extra["inputs"], extra["outputs"] = inputs or node.inputs, outputs or node.outputs
            if "package" in wanted:
                package = _result(wanted["package"])
                if isinstance(package, LineageError):
                    extra["warnings"] = [*extra.get("warnings", []), package.message]
                else:
                    extra["modelPackage"] = {
                        "arn": package.get("ModelPackageArn"),
                        "group": package.get("ModelPackageGroupName"),
                        "version": package.get("ModelPackageVersion"),
                        "approvalStatus": package.get("ModelApprovalStatus"),
                        "status": package.get("ModelPackageStatus"),
                    }
        for step_name, name, uri, future in reports:
            report = _result(future)
            extra = details.setdefault(step_name, {})
            if isinstance(report, LineageError):
                extra["warnings"] = [*extra.get("warnings", []), f"report {name}: {report.message}"]
                continue
            extra.setdefault("reports", {})[name] = {"uri": uri, "content": report}
            if report is not None:
                extra["metrics"] = {**extra.get("metrics", {}), **flatten_metrics(report)}
        graph = with_run_details(graph, details)
        return self._attach_buckets(graph, graph_buckets)

    def _bucket_collectors(self, region: str, graph: Graph,
                           started: Mapping[str, Callable[[], dict[str, Any]]] | None = None,
                           ) -> dict[str, Callable[[], dict[str, Any]]]:
        """A collector per bucket of the graph's resolved artifacts: ``started`` ones reused, the rest started."""
        buckets = sorted({b for a in graph.artifacts if a.resolved and a.kind in ("s3", "code")
                          for b in [bucket_of(a.uri)] if b})
        started = started or {}
        return {bucket: started.get(bucket) or self._bucket_futures(region, bucket) for bucket in buckets}

    def _with_buckets(self, region: str, graph: Graph) -> Graph:
        return self._attach_buckets(graph, self._bucket_collectors(region, graph))

    @staticmethod
    def _attach_buckets(graph: Graph, collectors: Mapping[str, Callable[[], dict[str, Any]]]) -> Graph:
        metas = {bucket: collect() for bucket, collect in collectors.items()}
        artifacts = []
        for artifact in graph.artifacts:
            bucket = bucket_of(artifact.uri) if artifact.resolved else None
            artifacts.append(artifact if bucket not in metas else _replace(artifact, s3=metas[bucket]))
        return graph.replace(artifacts=tuple(artifacts))

    # --- datasets and schemas -----------------------------------------------------------------
    @property
    def schema_store(self) -> SchemaStore:
        with self._store_lock:
            if self._schema_store is None:
                self._schema_store = SchemaStore(self.settings.schema_store)
            return self._schema_store

    @contextmanager
    def _store(self, doing: str) -> Iterator[SchemaStore]:
        """The schema store, its failures (a corrupt file, a read-only place, a lock held elsewhere) answered
        as 503s naming the store and the cause."""
        try:
            yield self.schema_store
        except (sqlite3.Error, OSError) as exc:
            where = (f"$SM_LINEAGE_SCHEMA_STORE ({self.settings.schema_store})" if self.settings.schema_store
                     else f"{default_store_path().name} in the data directory ($XDG_DATA_HOME/jupyter-sm-lineage)")
            raise Unavailable(f"the schema store {where} cannot be {doing}: {type(exc).__name__}: {exc}",
                              code="SchemaStoreUnavailable") from None

    def _dataset(self, bucket: Any, prefix: Any, region: Any) -> tuple[str, str]:
        region = self.clients.check_region(region)
        return region, f"s3://{check_bucket(bucket)}/{check_prefix(prefix)}"

    def dataset_schema(self, bucket: str, prefix: str, region: str, save: bool = False,
                       policy: Any = None) -> dict[str, Any]:
        """The schema of an object or prefix, sampled from S3; with ``save``, recorded as a version.

        Returns ``{ok, dataset_id, schema: {format, fields, sampled_files, meta, conflicts, errors}, saved?}``.
        """
        region, uri = self._dataset(bucket, prefix, region)
        if save:
            policy = parse_policy(policy)  # refuse a bad policy before reading anything
        schema, read_at = self._sample_at(region, uri)
        out: dict[str, Any] = {"ok": True, "dataset_id": schema.dataset_id, "schema": schema.to_dict()}
        if read_at != uri:
            out["readAt"] = read_at
            out["warnings"] = [f"nothing is stored at {uri} (its key holds '//'); read at {read_at}, the location "
                               "its writer wrote"]
        if save:
            with self._store("written") as store:
                saved = store.save(schema.dataset_id, schema.fields, policy, schema=schema.to_dict())
            out["saved"] = saved.to_dict()
        return out

    def schema_versions(self, bucket: str, prefix: str, region: str) -> dict[str, Any]:
        """Saved versions of a dataset's schema, newest first (no S3 call)."""
        _, uri = self._dataset(bucket, prefix, region)
        with self._store("read") as store:
            return store.versions(uri).to_dict()

    def schema_diff(self, bucket: str, prefix: str, region: str, from_version: int,
                    to_version: int) -> dict[str, Any]:
        """Added, removed and retyped fields between two saved versions, and whether old readers survive."""
        _, uri = self._dataset(bucket, prefix, region)
        versions = {}
        for name, value in (("from", from_version), ("to", to_version)):
            try:
                versions[name] = int(value)
            except (TypeError, ValueError):
                raise InvalidRequest(f"{name} must be a version number, not {str(value)[:40]!r}",
                                     parameter=name) from None
            if not 1 <= versions[name] <= 2**53:
                raise InvalidRequest(f"{name} must be a version number from 1, not {str(value)[:40]}",
                                     parameter=name)
        with self._store("read") as store:
            dataset_id = store.resolve_id(uri)  # s3://b/x is the prefix s3://b/x/ when that is stored
            return {"dataset_id": dataset_id, **store.diff(dataset_id, versions["from"], versions["to"]).to_dict()}

    def _with_schemas(self, region: str, graph: Graph) -> Graph:
        uris = [a.uri for a in graph.artifacts if a.resolved and a.kind == "s3" and bucket_of(a.uri)
                and not a.uri.endswith(NOT_DATA)]
        sampled = self._sample_many(region, uris)
        artifacts = tuple(_replace(a, schema=sampled[a.uri]) if a.uri in sampled else a for a in graph.artifacts)
        return graph.replace(artifacts=artifacts)

    def _sample(self, region: str, uri: str) -> dict[str, Any]:
        """The schema sampled at ``uri`` (cached like bucket metadata), or ``{"error": {...}}``."""
        def sample() -> dict[str, Any]:
            try:
                schema, read_at = self._sample_at(region, uri)
            except LineageError as exc:
                return {"error": {"file": uri, **exc.to_dict()}}
            return schema.to_dict() if read_at == uri else {**schema.to_dict(), "readAt": read_at}

        return self._cached(("sample", region, uri), sample, self.settings.bucket_ttl)

    def _sample_at(self, region: str, uri: str) -> tuple[Any, str]:
        """(the schema sampled at ``uri``, where it was read). A key holding ``//`` (what a ``Std:Join`` of a
        prefix and a file name makes) with nothing stored at it is read at its collapsed path, where the step
        that the graph links it to wrote."""
        client = self.clients.client("s3", region)
        try:
            return sample_schema(uri, client), uri
        except NotFound:
            if not has_repeated_slash(uri):
                raise
            collapsed = match_path(uri) + ("/" if uri.endswith("/") else "")
            return sample_schema(collapsed, client), collapsed

    def _sample_many(self, region: str, uris: Iterable[str], wide: bool = False) -> dict[str, dict[str, Any]]:
        """Sample many URIs together: uri -> schema dict or ``{"error": ...}``. On the service's own pool, or
        (``wide``) on its sampling pool, wider because a comparison samples hundreds of locations at once."""
        pool = self._samples if wide else self._io
        futures = {uri: pool.submit(self._sample, region, uri) for uri in dict.fromkeys(uris)}
        return {uri: future.result() for uri, future in futures.items()}

    # --- SQL ----------------------------------------------------------------------------------------
    MAX_SQL_BYTES = 1024 * 1024

    def sql_lineage(self, sql: Any, dialect: str | None = None,
                    schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Tables and column edges of a statement or script (no AWS call)."""
        if not isinstance(sql, str) or not sql.strip():
            raise InvalidRequest("sql is required: a statement or a script", parameter="sql")
        if len(sql.encode("utf-8")) > self.MAX_SQL_BYTES:
            raise InvalidRequest("sql is larger than 1 MiB", parameter="sql")
        if dialect is not None and (not isinstance(dialect, str) or resolve_dialect(dialect) is None):
            raise InvalidRequest(f"unknown SQL dialect {str(dialect)[:40]!r}; known: {', '.join(known_dialects())}",
                                 parameter="dialect")
        if schema is not None:
            check_sql_schema(schema)
        if self._sql_workers is not None:
            return self._sql_workers.analyse(sql, dialect, schema, self.MAX_SQL_BYTES)
        budget = self.sql_budget
        return sql_lineage(sql, dialect=dialect, schema=dict(schema) if schema else None,
                           max_chars=self.MAX_SQL_BYTES, max_seconds=budget.seconds,
                           max_column_edges=budget.column_edges, max_output_bytes=budget.output_bytes).to_dict()

    # --- Feature Store ----------------------------------------------------------------------------
    def feature_groups(self, region: str) -> dict[str, Any]:
        """Every feature group of a region (all pages), newest first."""
        region = self.clients.check_region(region)
        groups = list_feature_groups(self.clients.client("sagemaker", region))
        return {"region": region, "featureGroups": [g.to_dict() for g in groups]}

    def feature_group(self, region: str, name: str) -> dict[str, Any]:
        """One feature group: features, stores, KMS keys, status, and the pipeline steps writing its offline store."""
        region = self.clients.check_region(region)
        if not isinstance(name, str) or not re.match(r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$", name):
            raise InvalidRequest(f"{str(name)[:80]!r} is not a feature group name", parameter="name")
        group = describe_feature_group(self.clients.client("sagemaker", region), name)
        out = {"region": region, **group.to_dict()}
        out["writers"] = writers_of(group.name, group.offline_data_uri, self._definition_graphs(region))
        return out

    def _definition_graphs(self, region: str) -> list[dict[str, Any]]:
        """Every pipeline's current definition graph in a region (for who-writes-where questions)."""
        summaries = self._pipeline_summaries(region)
        futures = [(s["PipelineName"], self._submit(self._describe_pipeline, region, s["PipelineName"]))
                   for s in summaries]
        graphs = []
        for name, future in futures:
            described = _result(future)
            if isinstance(described, LineageError):
                continue
            try:
                graph = parse_definition(described.get("PipelineDefinition") or "{}")
            except LineageError:
                continue
            graphs.append({"pipeline": name, "graph": graph.to_dict()})
        return graphs

    def lineage_by_domain(self, region: str, domain: str, include_latest_exec: bool = False,
                          view: str = "both") -> dict[str, Any]:
        """Every pipeline of a Studio domain (by name or id), and the data edges between them."""
        region = self.clients.check_region(region)
        view = check_view(view)
        if not isinstance(domain, str) or not domain:
            raise InvalidRequest("domain is required (a Studio domain name or id)", parameter="domain")
        domains = self._domains(region)
        known = next((d for d in domains if domain in (d.get("DomainName"), d.get("DomainId"))), None)
        if known is None:
            names = ", ".join(sorted(str(d.get("DomainName")) for d in domains)) or "none"
            raise NotFound(f"Studio domain {domain!r} not found in {region} (domains there: {names})")
        catalog = self._region_catalog(region, str(known.get("DomainName")), None, False)
        futures = [(p["name"], self._jobs.submit(self.lineage, region, p["name"], view, include_latest_exec))
                   for p in catalog["pipelines"]]
        lineages = []
        errors = []
        for name, future in futures:
            try:
                lineages.append(future.result())
            except LineageError as exc:
                errors.append({"pipeline": name, **exc.to_dict()})
        return {
            "region": region,
            "domain": {"DomainName": known.get("DomainName"), "DomainId": known.get("DomainId")},
            "pipelines": lineages,
            "crossPipelineEdges": cross_pipeline_edges((item["pipeline"]["name"], item["graph"]) for item in lineages),
            "errors": errors,
        }


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_sql_schema(schema: Any) -> None:
    """Known columns: ``{table: [column, ...] | {column: type}}``, tables optionally nested under their database
    and catalog (at most 4 levels of objects, 100,000 entries). Anything else is a 400 naming the schema."""
    if not isinstance(schema, Mapping):
        raise InvalidRequest("schema must be an object of table -> columns", parameter="schema")
    pending: list[tuple[Any, int]] = [(schema, 1)]
    entries = 0
    while pending:
        value, depth = pending.pop()
        if isinstance(value, Mapping):
            if depth > 4:
                raise InvalidRequest("schema nests objects deeper than catalog.database.table.column",
                                     parameter="schema")
            entries += len(value)
            if not all(isinstance(k, str) for k in value):
                raise InvalidRequest("schema keys must be names (text)", parameter="schema")
            pending.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            entries += len(value)
            if not all(isinstance(v, str) for v in value):
                raise InvalidRequest("a table's columns must be a list of names (text)", parameter="schema")
        elif not isinstance(value, str) or depth == 2:
            raise InvalidRequest("schema must map tables to a list of column names or an object of column -> type",
                                 parameter="schema")
        if entries > 100_000:
            raise InvalidRequest("schema holds more than 100,000 entries", parameter="schema")


def check_bucket(bucket: Any) -> str:
    """S3's bucket naming rules, so a bad name is a 400 naming the rule rather than an AWS error."""
    if not isinstance(bucket, str) or not _BUCKET.match(bucket) or ".." in bucket or _IP_ADDRESS.match(bucket):
        raise InvalidRequest(
            f"bucket {str(bucket)[:80]!r} is not a valid S3 bucket name (3-63 lower-case letters, digits, dots "
            "and hyphens, starting and ending with a letter or digit)", parameter="bucket")
    return bucket


def check_prefix(prefix: Any) -> str:
    """An S3 key prefix without ``..`` segments or control characters, at most 1,024 bytes."""
    if prefix is None:
        return ""
    if not isinstance(prefix, str):
        raise InvalidRequest("prefix must be text", parameter="prefix")
    if len(prefix.encode("utf-8")) > 1024:
        raise InvalidRequest("prefix is longer than S3's 1,024-byte key limit", parameter="prefix")
    if _CONTROL.search(prefix):
        raise InvalidRequest("prefix contains control characters", parameter="prefix")
    if any(part in ("..", ".") for part in prefix.split("/")):
        raise InvalidRequest("prefix may not contain '.' or '..' path segments", parameter="prefix")
    return prefix.lstrip("/")


class _Describes(Mapping[str, tuple[str, str, str]]):
    """Metadata member -> (describe operation, name parameter, status key), read live from the step registry."""

    def __getitem__(self, kind: str) -> tuple[str, str, str]:
        job = JOB_KINDS.get(kind)
        if job is None or job.describe is None:
            raise KeyError(kind)
        return job.describe

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, job in JOB_KINDS.items() if job.describe is not None])

    def __len__(self) -> int:
        return sum(1 for job in JOB_KINDS.values() if job.describe is not None)


_DESCRIBE = _Describes()


def _local_definition(value: Any) -> dict[str, Any] | None:
    """A pipeline definition given in place of an execution ARN (a dict, or JSON text of an object)."""
    if isinstance(value, Mapping):
        return load_definition(value)
    if isinstance(value, str) and value.lstrip().startswith("{"):
        return load_definition(value)
    return None


def _check_limit(limit: Any, maximum: int) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise InvalidRequest(f"limit must be a whole number from 1 to {maximum}, not {str(limit)[:40]!r}",
                             parameter="limit") from None
    if not 1 <= value <= maximum:
        raise InvalidRequest(f"limit must be from 1 to {maximum}, not {value}", parameter="limit")
    return value


def _page_token(aws_token: str | None, skip: int) -> str:
    raw = json.dumps({"t": aws_token, "s": skip}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_page_token(token: Any) -> tuple[str | None, int]:
    if token is None or token == "":
        return None, 0
    try:
        text = str(token)
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        aws_token, skip = data["t"], int(data["s"])
        if (aws_token is not None and not isinstance(aws_token, str)) or skip < 0:
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise InvalidRequest("nextToken is not a token this service gave out", parameter="nextToken") from None
    return aws_token, skip


def _sort_time(value: Any) -> float:
    """A listing's StartTime as a number to sort on (a missing or malformed one sorts last)."""
    moment = try_parse_time(value)
    return moment.timestamp() if moment is not None else 0.0


def _strip(response: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def _result(future: Future[T]) -> T | LineageError:
    try:
        return future.result()
    except LineageError as exc:
        return exc


def _replace(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)
