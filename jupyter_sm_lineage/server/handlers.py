"""The routes: one handler class per declared operation (:data:`jupyter_sm_lineage.operations.OPERATIONS`).

A handler parses the request against its operation's declaration, awaits the backend (the service's own
process, or a bounded thread pool), and finishes with the JSON answer. Errors are answered in one place
(:meth:`LineageHandler.answer_error`): each error of the error model carries its HTTP status and its wire
shape. Bad input is never a 500.
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from ..core.errors import InvalidRequest, LineageError, NotFound
from ..operations import OPERATIONS, Operation
from .backends import Backend, health

MAX_BODY = 1024 * 1024 + 4096  # 1 MiB of SQL plus its JSON envelope
AUTH_HINT = ("authentication required: send the Jupyter server's token as the header 'Authorization: token "
             "<TOKEN>' (or ?token=<TOKEN>), or use the session cookie of a logged-in browser; `jupyter server "
             "list` shows the token")


class LineageHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every route: the backend, the request's profile, the error answer."""

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

    def json_body(self) -> dict[str, Any]:
        body = self.request.body or b""
        if len(body) > MAX_BODY:
            raise InvalidRequest("the request body is larger than 1 MiB", parameter="body")
        try:
            data = json.loads(body.decode("utf-8") or "{}", parse_constant=_no_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
            raise InvalidRequest(f"the request body is not JSON: {exc}", parameter="body") from None
        if not isinstance(data, dict):
            raise InvalidRequest("the request body must be a JSON object", parameter="body")
        return data

    def answer_error(self, error: LineageError) -> None:
        """The error's status and its wire shape ``{message, reason, parameter?, action?, code?, ...}``."""
        self.log.info("sm-lineage %s %s: %s", self.request.method, self.request.path, error.message)
        self.clear_header("Content-Type")
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(error.to_dict()))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 405 and getattr(self, "operations", None):
            self.set_header("Allow", ", ".join(sorted(self.operations)))  # type: ignore[attr-defined]
        if status_code == 403 and not self.current_user:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": AUTH_HINT, "reason": "not_authenticated"}))
            return
        super().write_error(status_code, **kwargs)


class OperationHandler(LineageHandler):
    """Serves the declared operations of one path, by HTTP method (the subclass sets ``operations``)."""

    operations: dict[str, Operation]

    async def serve(self, **path_args: str | None) -> None:
        op = self.operations.get(self.request.method or "")
        if op is None:  # e.g. POST on a GET operation: tornado's 405, as JSON (APIHandler.write_error)
            raise tornado.web.HTTPError(405)
        try:
            body = self.json_body() if op.method == "POST" and self.request.body else None
            kwargs = op.arguments(path_args, lambda key: self.get_query_argument(key, None), body, self.settings)
            if op.name == "health":
                self.finish(await health(self.backend, self.profile()))
                return
            answer = await self.backend.call(self.profile(), op.name, kwargs)
        except LineageError as error:
            self.answer_error(error)
            return
        self.set_header("Content-Type", "application/json")
        self.finish(answer)

    @tornado.web.authenticated
    @authorized
    async def get(self, **path_args: str | None) -> None:
        await self.serve(**path_args)

    @tornado.web.authenticated
    @authorized
    async def post(self, **path_args: str | None) -> None:
        await self.serve(**path_args)


class OpenApiHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from .openapi import openapi_document

        self.finish(openapi_document())


class UnknownRouteHandler(LineageHandler):
    """Any other path under ``sm-lineage/``: a JSON 404 listing where the routes are described."""

    def _missing(self) -> None:
        self.answer_error(NotFound(f"no route {self.request.method} {self.request.path}; the routes are listed in "
                                   "sm-lineage/openapi.json"))

    @tornado.web.authenticated
    async def get(self, *args: Any) -> None:
        self._missing()

    @tornado.web.authenticated
    async def post(self, *args: Any) -> None:
        self._missing()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def routes() -> list[tuple[str, Any]]:
    """(pattern, handler) of every declared operation: one handler class per path, its operations by method."""
    by_route: dict[str, dict[str, Operation]] = {}
    for op in OPERATIONS.values():
        by_route.setdefault(op.route, {})[op.method] = op
    routes: list[tuple[str, Any]] = [(r"openapi\.json", OpenApiHandler)]
    for pattern, methods in by_route.items():
        name = _title(methods.get("GET", next(iter(methods.values()))).name)
        routes.append((pattern, type(f"{name}Handler", (OperationHandler,), {"operations": methods})))
    routes.append((r".*", UnknownRouteHandler))
    return routes


def _title(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


#: The routes as declared when this module was imported (the app builds its own list at start).
ROUTES: list[tuple[str, Any]] = routes()
