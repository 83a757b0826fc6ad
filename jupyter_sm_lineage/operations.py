"""One declaration per operation: the routes, the OpenAPI document, the service process's dispatch and the
HTTP client are all derived from :data:`OPERATIONS`.

An operation is a public method of :class:`~jupyter_sm_lineage.core.service.LineageService` (or, for the
two OpenLineage operations, a function of :mod:`jupyter_sm_lineage.server.calls` taking the service first).
Its Python names and defaults are the method's own signature; the declaration adds what only the wire
needs: the HTTP method and path, each parameter's wire name, place (query, path, JSON body) and type, the
result's schema name. Adding an operation is a method plus one entry here: the route, the OpenAPI path, the
service-process dispatch and ``HttpClient.<name>`` follow (``tests/test_contract.py`` proves it).

Wire rules, the same for every route: a ``boolean`` is ``true/false/1/0/yes/no/on/off``; ``regions`` is a
comma-separated list; an ``integer`` is decimal; a POST reads each parameter from the JSON body, else from
the query; an empty query value counts as absent.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from .core.errors import InvalidRequest
from .core.jsonvalues import deeper_than

TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})
#: The largest integer a parameter accepts (SQLite's and JSON's safe range).
MAX_INTEGER = 2**53 - 1
#: Levels of nesting an object parameter may have (it crosses a process boundary, pickled).
MAX_DEPTH = 32


@dataclass(frozen=True)
class Param:
    """One parameter: ``name`` is the Python keyword, ``wire`` its name on the wire (camelCase)."""

    name: str
    description: str
    type: str = "string"  # string | boolean | integer | regions | object
    where: str = "query"  # query | path | server (filled in by the server from its configuration)
    wire: str = ""
    required: bool = False
    enum: tuple[str, ...] = ()
    #: A path parameter that may hold slashes and may be empty (an S3 key prefix).
    slashes: bool = False

    @property
    def key(self) -> str:
        return self.wire or _camel(self.name)

    def parse(self, raw: Any) -> Any:
        """A value from the wire (text from a query or path, any JSON from a body) as the service takes it."""
        if raw is None:
            return raw
        if self.type == "object":
            if deeper_than(raw, MAX_DEPTH):
                raise InvalidRequest(f"{self.key} nests deeper than {MAX_DEPTH} levels", parameter=self.key)
            return raw
        if self.type == "boolean":
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).strip().lower()
            if lowered in TRUE or lowered in FALSE:
                return lowered in TRUE
            raise InvalidRequest(f"{self.key} must be true or false, not {str(raw)[:40]!r}", parameter=self.key)
        if self.type == "integer":
            if isinstance(raw, bool) or not isinstance(raw, (int, str)) or \
                    not re.fullmatch(r"-?\d{1,16}", str(raw).strip()):
                raise InvalidRequest(f"{self.key} must be a whole number, not {str(raw)[:40]!r}", parameter=self.key)
            value = int(str(raw).strip())
            if abs(value) > MAX_INTEGER:
                raise InvalidRequest(f"{self.key} is out of range ({str(raw)[:40]})", parameter=self.key)
            return value
        if self.type == "regions":
            if isinstance(raw, list):
                return [str(r) for r in raw]
            return [r.strip() for r in str(raw).split(",") if r.strip()] or None
        if not isinstance(raw, str):
            raise InvalidRequest(f"{self.key} must be text", parameter=self.key)
        return raw

    def render(self, value: Any) -> Any:
        """A Python value as the wire carries it in a query or a path (the HTTP client's side)."""
        if self.type == "boolean":
            return "true" if value else "false"
        if self.type == "regions" and isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        if self.type == "object" and not isinstance(value, str):
            return json.dumps(value)
        return str(value)

    def schema(self) -> dict[str, Any]:
        if self.enum:
            return {"enum": list(self.enum)}
        return {"string": {"type": "string"}, "boolean": {"type": "boolean"}, "integer": {"type": "integer"},
                "regions": {"type": "string"}, "object": {"type": "object"}}[self.type]


@dataclass(frozen=True)
class Operation:
    """A named operation: where it is served and what it takes and answers."""

    name: str
    method: str
    path: str
    summary: str
    result: str
    params: tuple[Param, ...] = ()
    #: ``module:function`` taking the service first; default: the LineageService method ``name``.
    function: str = ""
    #: Server settings passed as keywords: (keyword, tornado settings key).
    server: tuple[tuple[str, str], ...] = field(default=())

    @cached_property
    def target(self) -> Callable[..., Any]:
        if self.function:
            module, _, attr = self.function.partition(":")
            return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
        from .core.service import LineageService

        return getattr(LineageService, self.name)  # type: ignore[no-any-return]

    @cached_property
    def signature(self) -> inspect.Signature:
        """The Python signature a caller sees (the service method's, without self / the service / server values)."""
        hidden = {keyword for keyword, _ in self.server}
        parameters = list(inspect.signature(self.target).parameters.values())
        if parameters and parameters[0].name in ("self", "service"):
            parameters = parameters[1:]
        return inspect.Signature([p for p in parameters if p.name not in hidden])

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    @property
    def route(self) -> str:
        """The tornado pattern of ``path`` (each path parameter a named group)."""
        pattern = re.escape(self.path)
        for param in self.params:
            if param.where != "path":
                continue
            placeholder = re.escape("{" + param.name + "}")
            if param.slashes:
                pattern = pattern.replace(placeholder + "/", rf"(?:(?P<{param.name}>.+?)/)?")
            else:
                pattern = pattern.replace(placeholder, rf"(?P<{param.name}>[^/]+)")
        return pattern

    def arguments(self, path_args: Mapping[str, str | None], query: Callable[[str], str | None],
                  body: Mapping[str, Any] | None, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of a request, parsed and checked against the declaration."""
        kwargs: dict[str, Any] = {}
        for param in self.params:
            if param.where == "path":
                raw: Any = path_args.get(param.name)
            elif body is not None and param.key in body:
                raw = body[param.key]
            else:
                raw = query(param.key)
                raw = None if raw == "" else raw
            if raw is None:
                if param.required:
                    raise InvalidRequest(f"the {param.key} parameter is required", parameter=param.key)
                continue
            kwargs[param.name] = param.parse(raw)
        for keyword, key in self.server:
            kwargs[keyword] = settings.get(key) or None
        return kwargs

    def request(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, dict[str, str], Any]:
        """(path, query, JSON body or None) of a Python call: the HTTP client's side of :meth:`arguments`."""
        bound = self.signature.bind(*args, **kwargs)
        path = self.path
        query: dict[str, str] = {}
        body: dict[str, Any] = {}
        for param in self.params:
            if param.where == "server" or param.name not in bound.arguments:
                continue
            value = bound.arguments[param.name]
            if param.where == "path":
                text = str(value or "").lstrip("/") if param.slashes else str(value)
                quoted = _quote(text, "/" if param.slashes else "")
                path = path.replace("{" + param.name + "}/" if param.slashes and not quoted else "{" + param.name + "}",
                                    quoted)
            elif value is None:
                continue
            elif self.method == "POST":
                body[param.key] = value
            else:
                query[param.key] = param.render(value)
        return path, query, body if self.method == "POST" else None

    def openapi(self) -> dict[str, Any]:
        """This operation's OpenAPI operation object (the shared error responses and the profile parameter)."""
        listed = ("query", "path") if self.method == "GET" else ("path",)  # a POST documents its body
        parameters = [{"name": p.key, "in": p.where, "required": p.required or p.where == "path",
                       "description": p.description, "schema": p.schema()}
                      for p in self.params if p.where in listed]
        responses: dict[str, Any] = {
            "200": {"description": "OK", "content": {"application/json": {"schema": _ref(self.result)}}}}
        for status, text in ERROR_RESPONSES.items():
            responses[status] = {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
        operation: dict[str, Any] = {"operationId": self.name, "summary": self.summary,
                                     "parameters": [*parameters, PROFILE_PARAMETER], "responses": responses,
                                     "security": [{"token": []}]}
        if self.method == "POST":
            properties = {p.key: {**p.schema(), "description": p.description}
                          for p in self.params if p.where == "query"}
            required = [p.key for p in self.params if p.where == "query" and p.required]
            operation["requestBody"] = {"required": bool(required), "content": {"application/json": {"schema": {
                "type": "object", "properties": properties, **({"required": required} if required else {})}}}}
        return operation


ERROR_RESPONSES = {
    "400": "invalid request (the parameter is named)",
    "403": "not authenticated, or AWS refused an action (named)",
    "404": "not found",
    "502": "AWS failed (the service is named)",
    "503": "a part of the server is unavailable (the schema store, the service process)",
    "504": "the request ran past its deadline",
}
PROFILE_PARAMETER = {"name": "profile", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "AWS profile (only when the server allows it; development)"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _quote(text: str, safe: str) -> str:
    from urllib.parse import quote

    return quote(text, safe=safe)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


# --- the declarations ------------------------------------------------------------------------------------
REGION = Param("region", "AWS region, e.g. ap-northeast-2 (bounded by ALLOWED_REGIONS)", required=True)
REGIONS = Param("regions", "comma-separated regions (default: the server's default regions)", type="regions")
PIPELINE = Param("pipeline", "pipeline name", required=True)
LATEST = Param("include_latest_exec", "include the latest execution", type="boolean")
VIEW = Param("view", "pipeline | data | both (default both)", enum=("pipeline", "data", "both"))
BUCKET = Param("bucket", "S3 bucket name", where="path")
PREFIX = Param("prefix", "object key or prefix (may contain slashes)", where="path", slashes=True)
DATASET = "datasets/{bucket}/{prefix}/schema"

OPERATIONS: dict[str, Operation] = {op.name: op for op in (
    Operation("health", "GET", "health", "liveness, versions and the service process's state", "Health"),
    Operation("regions", "GET", "sagemaker/regions", "regions a catalog covers by default, then the allowed ones",
              "Regions"),
    Operation("pipelines", "GET", "sagemaker/pipelines", "region catalog of pipelines", "Pipelines", (
        REGIONS, Param("domain_name", "only pipelines of this Studio domain (by name)"),
        Param("domain_id", "only pipelines of this Studio domain (by id)"), LATEST)),
    Operation("overview", "GET", "sagemaker/overview", "per-region counts", "Overview", (REGIONS,)),
    Operation("catalog", "GET", "sagemaker/catalog", "flat list of pipelines", "Catalog", (REGIONS,)),
    Operation("executions", "GET", "sagemaker/executions", "a pipeline's executions, newest first, paged",
              "Executions", (REGION, PIPELINE, Param("limit", "executions per page (1-100, default 50)",
                                                     type="integer"),
                             Param("next_token", "the nextToken of the previous page"))),
    Operation("compare", "GET", "lineage/compare", "what changed between two executions (or against a local "
              "definition)", "Compare", (
                  REGION, PIPELINE,
                  Param("base", "execution ARN (default: the last succeeded execution before head)"),
                  Param("head", "execution ARN (default: the newest), or a pipeline definition's JSON"))),
    Operation("trend", "GET", "lineage/trend", "per step, status and elapsed time over the last executions",
              "Trend", (REGION, PIPELINE, Param("limit", "executions (1-100, default 10)", type="integer"))),
    Operation("lineage", "GET", "lineage", "one pipeline's lineage", "Lineage", (
        REGION, PIPELINE, VIEW, LATEST, Param("domain", "Studio domain to match the pipeline against"),
        Param("execution_arn", "show this past execution"),
        Param("include_schemas", "sample each S3 artifact's schema", type="boolean"))),
    Operation("lineage_by_domain", "GET", "lineage/by-domain", "every pipeline of a Studio domain", "ByDomain", (
        REGION, Param("domain", "Studio domain name or id", required=True), LATEST, VIEW)),
    Operation("dataset_schema", "GET", DATASET, "sample a dataset's schema (and save a version)", "Schema", (
        BUCKET, PREFIX, REGION, Param("save", "record a version", type="boolean"),
        Param("policy", "JSON object stored with the version (at most 16 KiB)", type="object"))),
    Operation("schema_versions", "GET", DATASET + "/versions", "saved versions, newest first", "Versions",
              (BUCKET, PREFIX, REGION)),
    Operation("schema_diff", "GET", DATASET + "/diff", "difference between two saved versions", "Diff", (
        BUCKET, PREFIX, REGION, Param("from_version", "older version", type="integer", wire="from", required=True),
        Param("to_version", "newer version", type="integer", wire="to", required=True))),
    Operation("feature_groups", "GET", "featurestore/feature-groups", "feature groups of a region", "FeatureGroups",
              (REGION,)),
    Operation("feature_group", "GET", "featurestore/feature-groups/{name}", "one feature group", "FeatureGroup", (
        Param("name", "feature group name", where="path"), REGION)),
    Operation("sql_lineage", "POST", "sql/lineage", "tables and column lineage of SQL", "SqlLineage", (
        Param("sql", "a statement or a script", required=True),
        Param("dialect", "sqlglot dialect (e.g. spark, athena, redshift, bigquery, tsql)"),
        Param("schema", "table -> columns, to expand SELECT *", type="object"))),
    Operation("preview_events", "GET", "openlineage/events", "preview the OpenLineage events of an execution",
              "EventsPreview", (
                  REGION, PIPELINE, Param("execution_arn", "this execution instead of the latest"),
                  Param("include_schemas", "sample dataset schemas into schema facets", type="boolean")),
              function="jupyter_sm_lineage.server.calls:preview_events"),
    Operation("push_events", "POST", "openlineage/events",
              "send the events through the exporter (delivered or spooled)", "EventsPush", (
                  REGION, PIPELINE, Param("executions", "latest | all | since-last | since=ISO-TIME"),
                  Param("include_schemas", "sample dataset schemas into schema facets", type="boolean")),
              function="jupyter_sm_lineage.server.calls:push_events",
              server=(("spool_dir", "sm_lineage_spool_dir"), ("url", "sm_lineage_openlineage_url"))),
)}


def operation(name: str) -> Operation:
    """The declared operation ``name``; InvalidRequest if there is none."""
    try:
        return OPERATIONS[name]
    except KeyError:
        raise InvalidRequest(f"no such operation {name!r}") from None


def invoke(service: Any, name: str, kwargs: Mapping[str, Any]) -> Any:
    """Run one declared operation on a service (the in-process and the service-process dispatch)."""
    op = operation(name)
    if op.function:
        return op.target(service, **kwargs)
    return getattr(service, name)(**kwargs)


class LineageApi(Protocol):
    """What every front end may call: LineageService in a kernel, HttpClient through the routes.

    The signatures are the service's (``tests/test_contract.py`` checks each against it and against
    :data:`OPERATIONS`); the two OpenLineage operations are the server's only.
    """

    def health(self) -> dict[str, Any]: ...

    def regions(self) -> list[str]: ...

    def pipelines(self, regions: Iterable[str] | str | None = None, domain_name: str | None = None,
                  domain_id: str | None = None, include_latest_exec: bool = False) -> dict[str, Any]: ...

    def overview(self, regions: Iterable[str] | str | None = None) -> dict[str, Any]: ...

    def catalog(self, regions: Iterable[str] | str | None = None) -> dict[str, Any]: ...

    def executions(self, region: str, pipeline: str, limit: int = 50,
                   next_token: str | None = None) -> dict[str, Any]: ...

    def compare(self, region: str, pipeline: str, base: str | None = None, head: Any = None) -> dict[str, Any]: ...

    def trend(self, region: str, pipeline: str, limit: int = 10) -> dict[str, Any]: ...

    def lineage(self, region: str, pipeline: str, view: str = "both", include_latest_exec: bool = False,
                domain: str | None = None, execution_arn: str | None = None,
                include_schemas: bool = False) -> dict[str, Any]: ...

    def lineage_by_domain(self, region: str, domain: str, include_latest_exec: bool = False,
                          view: str = "both") -> dict[str, Any]: ...

    def dataset_schema(self, bucket: str, prefix: str, region: str, save: bool = False,
                       policy: Any = None) -> dict[str, Any]: ...

    def schema_versions(self, bucket: str, prefix: str, region: str) -> dict[str, Any]: ...

    def schema_diff(self, bucket: str, prefix: str, region: str, from_version: int,
                    to_version: int) -> dict[str, Any]: ...

    def feature_groups(self, region: str) -> dict[str, Any]: ...

    def feature_group(self, region: str, name: str) -> dict[str, Any]: ...

    def sql_lineage(self, sql: Any, dialect: str | None = None,
                    schema: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


#: Operations every LineageApi has (the rest are served by the server only).
API_OPERATIONS = tuple(name for name in OPERATIONS if not OPERATIONS[name].function)
