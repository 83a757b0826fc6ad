"""Thin handlers: parse, await the service in a thread, finish. Errors map to HTTP codes in one place."""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from ..core.service import LineageService


class LineageHandler(ExtensionHandlerMixin, APIHandler):
    auth_resource = "sm-lineage"

    @property
    def service(self) -> LineageService:
        service: LineageService = self.settings["sm_lineage_service"]
        return service


class HealthHandler(LineageHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(self.service.health())


ROUTES: list[tuple[str, Any]] = [
    (r"health", HealthHandler),
]
