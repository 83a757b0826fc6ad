"""The ExtensionApp: configuration as traitlets, one LineageService, the route table."""

from __future__ import annotations

from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Int, List, Unicode, default

from .._version import __version__
from ..core.aws import allowed_regions_from_env
from ..core.service import LineageService, Settings
from . import handlers


class LineageExtensionApp(ExtensionApp):
    """Serves the lineage routes under ``{base_url}sm-lineage/``; ``jupyter sm-lineage`` runs it standalone."""

    name = "jupyter_sm_lineage"
    extension_url = "/sm-lineage/health"
    load_other_extensions = True
    version = __version__

    allowed_regions = List(
        Unicode(), config=True,
        help="Regions the routes may touch (400 outside it). Default: ALLOWED_REGIONS, comma-separated.",
    )
    max_workers = Int(16, config=True, help="Threads for AWS calls (and the connection pool size).")

    @default("allowed_regions")
    def _allowed_regions_default(self) -> list[str]:
        return allowed_regions_from_env()

    def initialize_settings(self) -> None:
        service = LineageService(Settings.from_env(
            allowed_regions=tuple(self.allowed_regions) or None, max_workers=self.max_workers))
        self.settings.update({"sm_lineage_service": service})

    def initialize_handlers(self) -> None:
        self.handlers.extend((rf"/sm-lineage/{pattern}", handler) for pattern, handler in handlers.ROUTES)

    async def stop_extension(self) -> None:
        service: Any = self.settings.get("sm_lineage_service")
        if service is not None:
            service.close()


main = launch_new_instance = LineageExtensionApp.launch_instance
