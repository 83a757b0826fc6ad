"""Thin handlers: parse and validate the query, await the service in a bounded thread pool, finish.

Core errors map to HTTP codes in one place (:meth:`LineageHandler.write_error`): InvalidRequest 400
(naming the parameter), AccessDenied 403 (naming the IAM action), NotFound 404, UpstreamError 502.
Bad input is never a 500.
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from ..core.errors import AccessDenied, InvalidRequest, LineageError, NotFound, UpstreamError
from ..core.service import LineageService
from .backends import Backend

_STATUS = {InvalidRequest: 400, AccessDenied: 403, NotFound: 404, UpstreamError: 502}
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}
MAX_BODY = 1024 * 1024 + 4096  # 1 MiB of SQL plus its JSON envelope


class LineageHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every route: service lookup, query parsing, the thread pool, the error mapping."""

    auth_resource = "sm-lineage"

    @property
    def backend(self) -> Backend:
        backend: Backend = self.settings["sm_lineage_backend"]
        return backend

    def profile(self) -> str | None:
        """The request's AWS ``profile``, when the deployment allows that (development) parameter."""
        profile = self.get_query_argument("profile", None)
        if profile is not None and not self.settings.get("sm_lineage_allow_profile"):
            raise InvalidRequest(
                "the profile parameter is disabled on this server (it is meant for development); enable it with "
                "c.LineageExtensionApp.allow_profile_param = True or SM_LINEAGE_ALLOW_PROFILE=true",
                parameter="profile")
        return profile

    async def run(self, call: str, *args: Any, **kwargs: Any) -> None:
        """Run a named service call off the event loop (in the service process) and answer its JSON."""
        body = await self.backend.call(self.profile(), call, *args, **kwargs)
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    # --- query parsing ---------------------------------------------------------------------------
    def text(self, name: str, required: bool = False, default: str | None = None) -> str | None:
        value = self.get_query_argument(name, None)
        if value is None or value == "":
            if required:
                raise InvalidRequest(f"the {name} query parameter is required", parameter=name)
            return default
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get_query_argument(name, None)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False if lowered else default
        raise InvalidRequest(f"{name} must be true or false, not {value[:40]!r}", parameter=name)

    def regions(self) -> list[str] | None:
        value = self.text("regions")
        return [r.strip() for r in value.split(",") if r.strip()] if value else None

    def json_body(self) -> dict[str, Any]:
        body = self.request.body or b""
        if len(body) > MAX_BODY:
            raise InvalidRequest("the request body is larger than 1 MiB", parameter="body")
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise InvalidRequest(f"the request body is not JSON: {exc}", parameter="body") from None
        if not isinstance(data, dict):
            raise InvalidRequest("the request body must be a JSON object", parameter="body")
        return data

    # --- errors ----------------------------------------------------------------------------------
    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, LineageError):
            reply: dict[str, Any] = exc.to_dict()
            for key in ("parameter", "action", "code"):
                value = getattr(exc, key, None)
                if value:
                    reply[key] = value
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(reply))
            return
        super().write_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, LineageError):
            self.log.info("sm-lineage %s %s: %s", self.request.method, self.request.path, value.message)
            return
        super().log_exception(typ, value, tb)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, LineageError):
            status = next((code for kind, code in _STATUS.items() if isinstance(e, kind)), 500)
            self.log_exception(type(e), e, e.__traceback__)
            if not self._finished:
                self.send_error(status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


class HealthHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(LineageService.health())


class PipelinesHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        await self.run("pipelines", self.regions(), self.text("domainName"), self.text("domainId"),
                       self.flag("includeLatestExec"))


class OverviewHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        await self.run("overview", self.regions())


class CatalogHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        await self.run("catalog", self.regions())


class LineageRouteHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        await self.run("lineage", self.text("region", required=True), self.text("pipeline", required=True),
            view=self.text("view", default="both"), include_latest_exec=self.flag("includeLatestExec"),
            domain=self.text("domain"), execution_arn=self.text("executionArn"),
            include_schemas=self.flag("includeSchemas"),
        )


class ByDomainHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        await self.run("lineage_by_domain", self.text("region", required=True),
                       self.text("domain", required=True), self.flag("includeLatestExec"),
                       view=self.text("view", default="both"))


class SchemaHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, bucket: str, prefix: str = "") -> None:
        await self.run("dataset_schema", bucket, prefix, self.text("region", required=True),
                       save=self.flag("save"), policy=self.text("policy"))


class SchemaVersionsHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, bucket: str, prefix: str = "") -> None:
        await self.run("schema_versions", bucket, prefix, self.text("region", required=True))


class SchemaDiffHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, bucket: str, prefix: str = "") -> None:
        await self.run("schema_diff", bucket, prefix, self.text("region", required=True),
                       self.text("from", required=True), self.text("to", required=True))


class FeatureGroupsHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        await self.run("feature_groups", self.text("region", required=True))


class FeatureGroupHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        await self.run("feature_group", self.text("region", required=True), name)


class SqlLineageHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        await self.run("sql_lineage", body.get("sql"), body.get("dialect"), body.get("schema"))


class OpenLineageEventsHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        await self.run("preview_events", self.text("region", required=True), self.text("pipeline", required=True),
                       self.text("executionArn"), self.flag("includeSchemas"))

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body() if self.request.body else {}
        region = body.get("region") or self.text("region", required=True)
        pipeline = body.get("pipeline") or self.text("pipeline", required=True)
        executions = str(body.get("executions") or self.text("executions", default="latest"))
        await self.run("push_events", region, pipeline, executions, bool(body.get("includeSchemas", False)),
                       self.settings.get("sm_lineage_spool_dir") or None,
                       self.settings.get("sm_lineage_openlineage_url") or None)


class OpenApiHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from .openapi import openapi_document

        self.finish(openapi_document())


_DATASET = r"datasets/(?P<bucket>[^/]+)/(?:(?P<prefix>.+?)/)?schema"

ROUTES: list[tuple[str, Any]] = [
    (r"health", HealthHandler),
    (r"openapi\.json", OpenApiHandler),
    (r"sagemaker/pipelines", PipelinesHandler),
    (r"sagemaker/overview", OverviewHandler),
    (r"sagemaker/catalog", CatalogHandler),
    (r"lineage", LineageRouteHandler),
    (r"lineage/by-domain", ByDomainHandler),
    (_DATASET, SchemaHandler),
    (_DATASET + r"/versions", SchemaVersionsHandler),
    (_DATASET + r"/diff", SchemaDiffHandler),
    (r"featurestore/feature-groups", FeatureGroupsHandler),
    (r"featurestore/feature-groups/(?P<name>[^/]+)", FeatureGroupHandler),
    (r"sql/lineage", SqlLineageHandler),
    (r"openlineage/events", OpenLineageEventsHandler),
]
