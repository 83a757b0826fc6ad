"""The ExtensionApp: configuration as traitlets (environment fallbacks), one LineageService, the route table.

Loaded by any Jupyter server through the shipped jupyter-config file; ``jupyter sm-lineage --port 8300``
serves the same routes standalone (the seed's ``python api.py``) with the usual Jupyter token.
"""

from __future__ import annotations

import math
import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, Int, List, Unicode, default

from .._version import __version__
from ..core.aws import allowed_regions_from_env
from ..core.settings import Settings, env_number
from . import handlers
from .backends import ProcessBackend, ThreadBackend, settings_dict

#: The traitlets that mirror a Settings field of the same name (and take its default from the environment).
SETTINGS_TRAITS = ("max_workers", "catalog_ttl", "running_ttl", "bucket_ttl", "sql_seconds", "sql_memory_mb")


class LineageExtensionApp(ExtensionApp):
    """Serves the lineage routes under ``{base_url}sm-lineage/``."""

    name = "jupyter_sm_lineage"
    extension_url = "/sm-lineage/health"
    load_other_extensions = True
    version = __version__

    allowed_regions = List(Unicode(), config=True,
                           help="Regions the routes may touch; others get 400. Default: $ALLOWED_REGIONS.")
    default_regions = List(Unicode(), config=True,
                           help="Regions a catalog covers when the request names none. Default: $SM_LINEAGE_REGIONS, "
                                "else the allowed regions, else $AWS_DEFAULT_REGION.")
    allow_profile_param = Bool(config=True, help="Accept the seed's ?profile= parameter (development only). "
                                                 "Default: $SM_LINEAGE_ALLOW_PROFILE, else False.")
    max_workers = Int(config=True, help="Threads for concurrent AWS calls. Default: $SM_LINEAGE_MAX_WORKERS or 32.")
    handler_workers = Int(config=True, help="Threads running requests off the event loop. "
                                            "Default: $SM_LINEAGE_HANDLER_WORKERS or 8.")
    service_process = Bool(config=True, help="Run the service in its own process, so that its Python work never "
                                             "competes with the server's event loop (default); False runs it on "
                                             "threads of the server. Default: $SM_LINEAGE_SERVICE_PROCESS, else True.")
    sql_workers = Int(config=True, help="Processes analysing SQL, each with a memory ceiling, replaced when a request "
                                        "overruns its budget. Default: $SM_LINEAGE_SQL_WORKERS or 1.")
    sql_seconds = Float(config=True, help="Seconds one SQL request may take (then 400). Default: "
                                          "$SM_LINEAGE_SQL_SECONDS or 20.")
    sql_memory_mb = Int(config=True, help="MiB of memory a SQL worker may use. Default: $SM_LINEAGE_SQL_MEMORY_MB "
                                          "or 2048.")
    request_timeout = Float(config=True, help="Seconds a route waits for the service before answering 504 (a service "
                                              "process that then fails a health check too is replaced). Default: "
                                              "$SM_LINEAGE_REQUEST_TIMEOUT or 300.")
    catalog_ttl = Float(config=True, help="Seconds a catalog, a pipeline description or bucket tags stay cached.")
    running_ttl = Float(config=True, help="Seconds a running execution's steps stay cached.")
    bucket_ttl = Float(config=True, help="Seconds a bucket's metadata stays cached.")
    schema_store = Unicode(config=True, help="Path of the schema store (SQLite). Default: $SM_LINEAGE_SCHEMA_STORE, "
                                             "else $XDG_DATA_HOME/jupyter-sm-lineage/schemas.sqlite3.")

    service_class = Unicode("jupyter_sm_lineage.core.service:LineageService", config=True,
                            help="The service the routes run (module:Class), a LineageService or a subclass of it.")

    spool_dir = Unicode(config=True, help="Where undelivered OpenLineage events wait for a replay. Default: "
                                          "$SM_LINEAGE_SPOOL_DIR, else $XDG_DATA_HOME/jupyter-sm-lineage/spool. "
                                          "The backend itself is openlineage-python's configuration "
                                          "(OPENLINEAGE_URL, openlineage.yml, OPENLINEAGE__TRANSPORT__*).")

    openlineage_url = Unicode(config=True, help="The OpenLineage backend (Marquez) the openlineage/events route "
                                                "pushes to. Default: openlineage-python's own configuration "
                                                "(OPENLINEAGE_URL, openlineage.yml, OPENLINEAGE__TRANSPORT__*).")

    @default("spool_dir")
    def _spool_dir_default(self) -> str:
        return os.environ.get("SM_LINEAGE_SPOOL_DIR", "")

    @default("allowed_regions")
    def _allowed_regions_default(self) -> list[str]:
        return allowed_regions_from_env()

    @default("default_regions")
    def _default_regions_default(self) -> list[str]:
        return [r.strip() for r in os.environ.get("SM_LINEAGE_REGIONS", "").split(",") if r.strip()]

    @default("allow_profile_param")
    def _allow_profile_default(self) -> bool:
        return os.environ.get("SM_LINEAGE_ALLOW_PROFILE", "").lower() in ("1", "true", "yes")

    @default("service_process")
    def _service_process_default(self) -> bool:
        return os.environ.get("SM_LINEAGE_SERVICE_PROCESS", "true").lower() not in ("0", "false", "no", "off")

    @default("handler_workers")
    def _handler_workers_default(self) -> int:
        return env_number("SM_LINEAGE_HANDLER_WORKERS", 8, int)

    @default("sql_workers")
    def _sql_workers_default(self) -> int:
        return Settings.from_env().sql_workers or 1

    @default("request_timeout")
    def _request_timeout_default(self) -> float:
        return env_number("SM_LINEAGE_REQUEST_TIMEOUT", 300.0, float)

    @default("schema_store")
    def _schema_store_default(self) -> str:
        return os.environ.get("SM_LINEAGE_SCHEMA_STORE", "")

    # Traitlets that are Settings fields default to what Settings reads from the environment.
    for _name in SETTINGS_TRAITS:
        locals()[f"_{_name}_default"] = default(_name)(
            lambda self, _name=_name: getattr(Settings.from_env(), _name))
    del _name

    def service_settings(self, profile: str | None = None) -> Settings:
        return Settings.from_env(
            allowed_regions=tuple(self.allowed_regions) or None,
            default_regions=tuple(self.default_regions) or None,
            profile=profile,
            schema_store=self.schema_store or None,
            sql_workers=self.sql_workers,
            **{name: getattr(self, name) for name in SETTINGS_TRAITS},
        )

    def initialize_settings(self) -> None:
        settings = settings_dict(self.service_settings())
        backend_class = ProcessBackend if self.service_process else ThreadBackend
        self._backend = backend_class(settings, self.handler_workers, deadline=self.request_timeout or math.inf,
                                      service_class=self.service_class)
        self.settings.update({
            "sm_lineage_backend": self._backend,
            "sm_lineage_allow_profile": self.allow_profile_param,
            "sm_lineage_spool_dir": self.spool_dir,
            "sm_lineage_openlineage_url": self.openlineage_url,
        })

    def initialize_handlers(self) -> None:
        self.handlers.extend((rf"/sm-lineage/{pattern}", handler) for pattern, handler in handlers.routes())

    async def stop_extension(self) -> None:
        backend: Any = getattr(self, "_backend", None)
        if backend is not None:
            backend.close()


main = launch_new_instance = LineageExtensionApp.launch_instance
