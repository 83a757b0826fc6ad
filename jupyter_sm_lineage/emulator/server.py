"""Start and stop a moto server on 127.0.0.1 with the emulator's extensions and the demo world."""

from __future__ import annotations

import importlib
import logging
import os
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from .constants import ACCOUNT_ID, CREDENTIALS, INSTALL_HINT, REGIONS

log = logging.getLogger(__name__)


class MissingExtra(ImportError):
    """The emulator's optional dependencies (moto and its server) are not installed."""


def require_emulator_extra() -> None:
    """Import what the emulator runs on; raise :class:`MissingExtra` naming the extra to install."""
    try:
        importlib.import_module("moto.server")
        importlib.import_module("moto.sagemaker.responses")
        importlib.import_module("moto.s3.models")
    except ImportError as exc:
        missing = exc.name or str(exc)
        raise MissingExtra(
            f"the local AWS emulator needs the 'emulator' extra (missing module: {missing}); "
            f"install it with: {INSTALL_HINT}",
            name=exc.name,
        ) from exc


class Emulator:
    """A moto server on a loopback port, extended and seeded with the demo SageMaker world.

    moto keeps its state in module-level backends shared by every server of the process, so the
    emulator resets them on start: run one Emulator per process at a time.

    Attributes
    ----------
    endpoint_url : str
        ``http://127.0.0.1:PORT`` once started.
    world : jupyter_sm_lineage.emulator.world.World | None
        What was seeded (names, ARNs, URIs), for tests and notebooks.
    """

    def __init__(self, port: int = 0, *, seed: bool = True, region: str = REGIONS[0]) -> None:
        self.port = port
        self.seed = seed
        self.region = region
        self.endpoint_url = ""
        self.world: Any = None
        self._server: Any = None
        self._clients: dict[tuple[str, str, str], Any] = {}

    def start(self) -> Emulator:
        require_emulator_extra()
        from moto.server import ThreadedMotoServer

        from . import actions

        for key, value in self._process_environ().items():
            os.environ.setdefault(key, value)
        actions.install()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.port = port
        self.endpoint_url = f"http://{host}:{port}"
        self.reset()
        if self.seed:
            from .world import seed_world

            with self.environment():
                self.world = seed_world(self)
        log.info("emulator listening on %s", self.endpoint_url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def reset(self) -> None:
        """Forget everything: moto's backends and the emulator's own state."""
        from . import actions

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        actions.STATE.clear()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def environ(self) -> dict[str, str]:
        """The variables that point boto3, the AWS CLI and pyarrow's S3FileSystem at the emulator."""
        return {
            **CREDENTIALS,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            # pyarrow's AWS SDK would otherwise probe the instance-metadata address: off loopback.
            "AWS_EC2_METADATA_DISABLED": "true",
            # No ~/.aws of the machine leaks into a demo or a test.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

    @staticmethod
    def _process_environ() -> dict[str, str]:
        # The server thread signs nothing, but moto's own code paths read these.
        return {**CREDENTIALS, "MOTO_ACCOUNT_ID": ACCOUNT_ID, "AWS_EC2_METADATA_DISABLED": "true"}

    @contextmanager
    def environment(self) -> Iterator[dict[str, str]]:
        """Temporarily apply :meth:`environ` to ``os.environ`` (restored on exit)."""
        values = self.environ()
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        try:
            yield values
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old

    def client(self, service: str, region: str | None = None, **config: Any) -> Any:
        """A boto3 client against the emulator, with one attempt per call (no retry storms in tests)."""
        key = (service, region or self.region, self.endpoint_url)
        if not config and key in self._clients:
            return self._clients[key]
        import boto3
        from botocore.config import Config

        client = boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=region or self.region,
        ).client(
            service,
            endpoint_url=self.endpoint_url,
            config=Config(retries={"total_max_attempts": 1}, **config),
        )
        if not config:
            self._clients[key] = client
        return client

    def describe(self) -> Mapping[str, Any]:
        """A JSON-ready summary of the emulator for the CLI and notebooks."""
        return {"endpoint_url": self.endpoint_url, "environ": self.environ(), "world": getattr(
            self.world, "summary", lambda: None)()}

    def __repr__(self) -> str:
        return f"Emulator({self.endpoint_url or 'stopped'})"
