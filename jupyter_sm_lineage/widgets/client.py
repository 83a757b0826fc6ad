"""The data client the widgets and the magic read through: the LineageService itself, or HTTP (the routes).

Both satisfy :class:`jupyter_sm_lineage.operations.LineageApi`, so a widget cannot tell them apart. In a
kernel the client is the service (``InKernelClient`` only hands its attributes through, one shared service
by default so its caches are reused); the HTTP client's methods are derived from the operations'
declarations, so it has every operation the routes serve, with the service's signatures::

    from jupyter_sm_lineage.widgets import connect
    client = connect("https://jupyter.example.com/user/me/", token="...")   # or JUPYTER_SM_LINEAGE_URL
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from ..core.errors import AccessDenied, InvalidRequest, LineageError, UpstreamError, error_from_dict
from ..operations import OPERATIONS, LineageApi, Operation

if TYPE_CHECKING:
    from ..core.service import LineageService

#: The type widgets and the magic take: anything with the operations' methods.
LineageClient = LineageApi


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> ``(bucket, prefix)``; anything else is an InvalidRequest."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise InvalidRequest(f"{str(uri)[:120]!r} is not an S3 URI (s3://bucket/prefix)", parameter="uri")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise InvalidRequest(f"{uri!r} names no bucket", parameter="uri")
    return bucket, prefix


class _S3Conveniences:
    """Schema calls by S3 URI, for either client."""

    def schema_of(self: Any, uri: str, region: str, save: bool = False, policy: Any = None) -> dict[str, Any]:
        bucket, prefix = split_s3(uri)
        return self.dataset_schema(bucket, prefix, region, save=save, policy=policy)  # type: ignore[no-any-return]

    def versions_of(self: Any, uri: str, region: str) -> dict[str, Any]:
        bucket, prefix = split_s3(uri)
        return self.schema_versions(bucket, prefix, region)  # type: ignore[no-any-return]

    def diff_of(self: Any, uri: str, region: str, from_version: int, to_version: int) -> dict[str, Any]:
        bucket, prefix = split_s3(uri)
        return self.schema_diff(bucket, prefix, region, from_version, to_version)  # type: ignore[no-any-return]


class InKernelClient(_S3Conveniences):
    """The LineageService of this kernel (one shared service by default, so its caches are reused).

    Every operation is the service's own method: this class only hands attribute lookups through.
    """

    _shared: LineageService | None = None
    _shared_lock = threading.Lock()

    def __init__(self, service: LineageService | None = None) -> None:
        self._service = service

    @property
    def service(self) -> LineageService:
        if self._service is None:
            with InKernelClient._shared_lock:
                if InKernelClient._shared is None:
                    from ..core.service import LineageService

                    InKernelClient._shared = LineageService()
            self._service = InKernelClient._shared
        return self._service

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.service, name)

    def __repr__(self) -> str:
        return "InKernelClient()"


class HttpClient(_S3Conveniences):
    """Calls the server extension's routes under ``{base_url}sm-lineage/`` with a token.

    It has a method per declared operation (``client.lineage(...)``, ``client.executions(...)``, ...), with
    the service's signature; an error answer is re-raised as the same error class with all its fields.
    """

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 120.0) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise InvalidRequest(f"{base_url!r} is not an http(s) URL of a Jupyter server", parameter="url")
        self.base_url = base_url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r})"

    def __getattr__(self, name: str) -> Any:
        # An operation declared after this module was imported is served too.
        if name in OPERATIONS:
            return _operation_method(OPERATIONS[name]).__get__(self)
        raise AttributeError(name)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run the declared operation ``name`` through its route."""
        op = OPERATIONS[name]
        route, query, body = op.request(args, kwargs)
        return self._request(op.method, route, query, body)

    def _request(self, method: str, route: str, query: dict[str, str], body: Any = None) -> Any:
        url = f"{self.base_url}sm-lineage/{route}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, url) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UpstreamError(f"cannot reach the lineage server at {self.base_url}: {reason}",
                                code="Unreachable") from None

    def openlineage_events(self, region: str, pipeline: str, execution_arn: str | None = None, push: bool = False,
                           executions: str = "latest") -> Any:
        """Preview (GET) or push (POST, through the server's exporter and its OpenLineage configuration)."""
        if push:
            return self.call("push_events", region, pipeline, executions=executions)
        return self.call("preview_events", region, pipeline, execution_arn=execution_arn)


def _operation_method(op: Operation) -> Any:
    def method(self: HttpClient, *args: Any, **kwargs: Any) -> Any:
        return self.call(op.name, *args, **kwargs)

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"{op.summary} ({op.method} sm-lineage/{op.path})."
    method.__signature__ = op.signature.replace(  # type: ignore[attr-defined]
        parameters=[_self_parameter(), *op.signature.parameters.values()])
    return method


def _self_parameter() -> Any:
    import inspect

    return inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)


for _op in OPERATIONS.values():
    setattr(HttpClient, _op.name, _operation_method(_op))


def _http_error(exc: urllib.error.HTTPError, url: str) -> LineageError:
    try:
        payload = json.loads(exc.read() or b"{}")
    except ValueError:
        payload = {}
    payload = payload if isinstance(payload, dict) else {}
    where = url.split("?", maxsplit=1)[0]
    if exc.code == 403 and not payload.get("type"):
        # Jupyter's own refusal (an AWS refusal is an AccessDenied, with the action to grant)
        return AccessDenied(f"the lineage server at {where} refused the request (403 "
                            f"{payload.get('message') or 'Forbidden'}): check the token")
    if not payload.get("message"):
        payload = {**payload, "message": f"the lineage server answered {exc.code} {exc.reason} for {where}"}
    return error_from_dict(payload, status=exc.code)


_default: Any = None


def connect(url: str | None = None, token: str | None = None) -> Any:
    """Make (and remember as the default) the client the widgets and magic use.

    ``connect()`` with no URL reads ``JUPYTER_SM_LINEAGE_URL`` (and ``JUPYTER_SM_LINEAGE_TOKEN``); without
    either it is the in-kernel client.
    """
    global _default  # noqa: PLW0603 - the one default client of the kernel, as connect() documents
    url = url or os.environ.get("JUPYTER_SM_LINEAGE_URL") or None
    token = token or os.environ.get("JUPYTER_SM_LINEAGE_TOKEN") or None
    _default = HttpClient(url, token) if url else InKernelClient()
    return _default


def default_client() -> Any:
    """The client set by :func:`connect`, else one made from the environment."""
    return _default if _default is not None else connect()
