"""The data client the widgets and the magic read through: in-kernel (LineageService) or HTTP (the routes).

Both answer with the same JSON contract, so a widget cannot tell them apart. The in-kernel client is the
default; the HTTP client is for a kernel that runs apart from the Jupyter server, or a team server::

    from jupyter_sm_lineage.widgets import connect
    client = connect("https://jupyter.example.com/user/me/", token="...")   # or JUPYTER_SM_LINEAGE_URL
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from typing import Any

from ..core.errors import AccessDenied, InvalidRequest, LineageError, NotFound, UpstreamError


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> ``(bucket, prefix)``; anything else is an InvalidRequest."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise InvalidRequest(f"{str(uri)[:120]!r} is not an S3 URI (s3://bucket/prefix)", parameter="uri")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise InvalidRequest(f"{uri!r} names no bucket", parameter="uri")
    return bucket, prefix


class LineageClient(ABC):
    """What the widgets need; every method returns the JSON contract of the same-named service method."""

    @abstractmethod
    def pipelines(
        self,
        regions: list[str] | str | None = None,
        domain_name: str | None = None,
        domain_id: str | None = None,
        include_latest_exec: bool = False,
    ) -> dict[str, Any]: ...

    @abstractmethod
    def catalog(self, regions: list[str] | str | None = None) -> dict[str, Any]: ...

    @abstractmethod
    def lineage(
        self,
        region: str,
        pipeline: str,
        view: str = "both",
        include_latest_exec: bool = True,
        domain: str | None = None,
        execution_arn: str | None = None,
        include_schemas: bool = False,
    ) -> dict[str, Any]: ...

    @abstractmethod
    def lineage_by_domain(
        self, region: str, domain: str, include_latest_exec: bool = False, view: str = "both"
    ) -> dict[str, Any]: ...

    @abstractmethod
    def dataset_schema(
        self, bucket: str, prefix: str, region: str, save: bool = False, policy: Any = None
    ) -> dict[str, Any]: ...

    @abstractmethod
    def schema_versions(self, bucket: str, prefix: str, region: str) -> dict[str, Any]: ...

    @abstractmethod
    def schema_diff(
        self, bucket: str, prefix: str, region: str, from_version: int, to_version: int
    ) -> dict[str, Any]: ...

    @abstractmethod
    def feature_groups(self, region: str) -> dict[str, Any]: ...

    @abstractmethod
    def feature_group(self, region: str, name: str) -> dict[str, Any]: ...

    @abstractmethod
    def sql_lineage(self, sql: str, dialect: str | None = None) -> dict[str, Any]: ...

    def regions(self) -> list[str]:
        """Regions to offer: the ones a catalog covers by default."""
        return [r["region"] for r in self.pipelines().get("regions") or []]

    # Conveniences over S3 URIs.
    def schema_of(self, uri: str, region: str, save: bool = False, policy: Any = None) -> dict[str, Any]:
        bucket, prefix = split_s3(uri)
        return self.dataset_schema(bucket, prefix, region, save=save, policy=policy)

    def versions_of(self, uri: str, region: str) -> dict[str, Any]:
        bucket, prefix = split_s3(uri)
        return self.schema_versions(bucket, prefix, region)

    def diff_of(self, uri: str, region: str, from_version: int, to_version: int) -> dict[str, Any]:
        bucket, prefix = split_s3(uri)
        return self.schema_diff(bucket, prefix, region, from_version, to_version)


class InKernelClient(LineageClient):
    """Calls a LineageService in this process (one shared service by default, so its caches are reused)."""

    _shared: Any = None

    def __init__(self, service: Any = None) -> None:
        self._service = service

    @property
    def service(self) -> Any:
        if self._service is None:
            if InKernelClient._shared is None:
                from ..core.service import LineageService

                InKernelClient._shared = LineageService()
            self._service = InKernelClient._shared
        return self._service

    def regions(self) -> list[str]:
        settings = self.service.settings
        return list(dict.fromkeys([*settings.default_regions, *settings.allowed_regions]))

    def pipelines(
        self,
        regions: list[str] | str | None = None,
        domain_name: str | None = None,
        domain_id: str | None = None,
        include_latest_exec: bool = False,
    ) -> dict[str, Any]:
        return self.service.pipelines(regions, domain_name, domain_id, include_latest_exec)  # type: ignore[no-any-return]

    def catalog(self, regions: list[str] | str | None = None) -> dict[str, Any]:
        return self.service.catalog(regions)  # type: ignore[no-any-return]

    def lineage(
        self,
        region: str,
        pipeline: str,
        view: str = "both",
        include_latest_exec: bool = True,
        domain: str | None = None,
        execution_arn: str | None = None,
        include_schemas: bool = False,
    ) -> dict[str, Any]:
        return self.service.lineage(
            region,
            pipeline,
            view=view,
            include_latest_exec=include_latest_exec,  # type: ignore[no-any-return]
            domain=domain,
            execution_arn=execution_arn,
            include_schemas=include_schemas,
        )

    def lineage_by_domain(
        self, region: str, domain: str, include_latest_exec: bool = False, view: str = "both"
    ) -> dict[str, Any]:
        return self.service.lineage_by_domain(region, domain, include_latest_exec, view)  # type: ignore[no-any-return]

    def dataset_schema(
        self, bucket: str, prefix: str, region: str, save: bool = False, policy: Any = None
    ) -> dict[str, Any]:
        return self.service.dataset_schema(bucket, prefix, region, save=save, policy=policy)  # type: ignore[no-any-return]

    def schema_versions(self, bucket: str, prefix: str, region: str) -> dict[str, Any]:
        return self.service.schema_versions(bucket, prefix, region)  # type: ignore[no-any-return]

    def schema_diff(self, bucket: str, prefix: str, region: str, from_version: int, to_version: int) -> dict[str, Any]:
        return self.service.schema_diff(bucket, prefix, region, from_version, to_version)  # type: ignore[no-any-return]

    def feature_groups(self, region: str) -> dict[str, Any]:
        return self.service.feature_groups(region)  # type: ignore[no-any-return]

    def feature_group(self, region: str, name: str) -> dict[str, Any]:
        return self.service.feature_group(region, name)  # type: ignore[no-any-return]

    def sql_lineage(self, sql: str, dialect: str | None = None) -> dict[str, Any]:
        from ..core.sql import sql_lineage

        return sql_lineage(sql, dialect=dialect).to_dict()  # type: ignore[no-any-return]


_STATUS_ERRORS: dict[int, type[LineageError]] = {400: InvalidRequest, 403: AccessDenied, 404: NotFound}


class HttpClient(LineageClient):
    """Calls the server extension's routes under ``{base_url}sm-lineage/`` with a token."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 120.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidRequest(f"{base_url!r} is not an http(s) URL of a Jupyter server", parameter="url")
        self.base_url = base_url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r})"

    def _request(self, method: str, route: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None and v != ""}
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
            raise UpstreamError(f"cannot reach the lineage server at {self.base_url}: {reason}") from None

    def health(self) -> dict[str, Any]:
        return self._request("GET", "health")  # type: ignore[no-any-return]

    def pipelines(
        self,
        regions: list[str] | str | None = None,
        domain_name: str | None = None,
        domain_id: str | None = None,
        include_latest_exec: bool = False,
    ) -> dict[str, Any]:
        return self._request(
            "GET",
            "sagemaker/pipelines",
            {  # type: ignore[no-any-return]
                "regions": regions,
                "domainName": domain_name,
                "domainId": domain_id,
                "includeLatestExec": include_latest_exec,
            },
        )

    def catalog(self, regions: list[str] | str | None = None) -> dict[str, Any]:
        return self._request("GET", "sagemaker/catalog", {"regions": regions})  # type: ignore[no-any-return]

    def lineage(
        self,
        region: str,
        pipeline: str,
        view: str = "both",
        include_latest_exec: bool = True,
        domain: str | None = None,
        execution_arn: str | None = None,
        include_schemas: bool = False,
    ) -> dict[str, Any]:
        return self._request(
            "GET",
            "lineage",
            {  # type: ignore[no-any-return]
                "region": region,
                "pipeline": pipeline,
                "view": view,
                "includeLatestExec": include_latest_exec,
                "domain": domain,
                "executionArn": execution_arn,
                "includeSchemas": include_schemas or None,
            },
        )

    def lineage_by_domain(
        self, region: str, domain: str, include_latest_exec: bool = False, view: str = "both"
    ) -> dict[str, Any]:
        return self._request(
            "GET",
            "lineage/by-domain",
            {  # type: ignore[no-any-return]
                "region": region,
                "domain": domain,
                "includeLatestExec": include_latest_exec,
                "view": view,
            },
        )

    @staticmethod
    def _dataset(bucket: str, prefix: str) -> str:
        return f"datasets/{urllib.parse.quote(bucket, safe='')}/{urllib.parse.quote(prefix.lstrip('/'), safe='/')}"

    def dataset_schema(
        self, bucket: str, prefix: str, region: str, save: bool = False, policy: Any = None
    ) -> dict[str, Any]:
        if policy is not None and not isinstance(policy, str):
            policy = json.dumps(policy)
        return self._request(
            "GET",
            f"{self._dataset(bucket, prefix)}/schema",  # type: ignore[no-any-return]
            {"region": region, "save": save or None, "policy": policy},
        )

    def schema_versions(self, bucket: str, prefix: str, region: str) -> dict[str, Any]:
        return self._request("GET", f"{self._dataset(bucket, prefix)}/schema/versions", {"region": region})  # type: ignore[no-any-return]

    def schema_diff(self, bucket: str, prefix: str, region: str, from_version: int, to_version: int) -> dict[str, Any]:
        return self._request(
            "GET",
            f"{self._dataset(bucket, prefix)}/schema/diff",  # type: ignore[no-any-return]
            {"region": region, "from": from_version, "to": to_version},
        )

    def feature_groups(self, region: str) -> dict[str, Any]:
        return self._request("GET", "featurestore/feature-groups", {"region": region})  # type: ignore[no-any-return]

    def feature_group(self, region: str, name: str) -> dict[str, Any]:
        return self._request(
            "GET",
            f"featurestore/feature-groups/{urllib.parse.quote(name, safe='')}",  # type: ignore[no-any-return]
            {"region": region},
        )

    def sql_lineage(self, sql: str, dialect: str | None = None) -> dict[str, Any]:
        return self._request("POST", "sql/lineage", body={"sql": sql, "dialect": dialect})  # type: ignore[no-any-return]

    def openlineage_events(
        self, region: str, pipeline: str, execution_arn: str | None = None, push: bool = False,
        executions: str = "latest",
    ) -> Any:
        """Preview (GET) or push (POST, through the server's exporter and its OpenLineage configuration)."""
        if push:
            return self._request("POST", "openlineage/events",
                                 body={"region": region, "pipeline": pipeline, "executions": executions})
        return self._request("GET", "openlineage/events",
                             {"region": region, "pipeline": pipeline, "executionArn": execution_arn})


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _http_error(exc: urllib.error.HTTPError, url: str) -> LineageError:
    try:
        payload = json.loads(exc.read() or b"{}")
    except ValueError:
        payload = {}
    message = payload.get("message") if isinstance(payload, dict) else None
    if exc.code == 403 and not (isinstance(payload, dict) and payload.get("reason")):
        # Jupyter's own refusal (an AWS refusal comes with reason access_denied and the action to grant)
        where = url.split("?", maxsplit=1)[0]
        message = f"the lineage server at {where} refused the request (403 {message or 'Forbidden'}): check the token"
    if not message:
        message = f"the lineage server answered {exc.code} {exc.reason} for {url.split('?', maxsplit=1)[0]}"
    cls = _STATUS_ERRORS.get(exc.code, UpstreamError)
    error = cls(message)
    if isinstance(payload, dict) and payload.get("reason"):
        error.reason = str(payload["reason"])
    return error


_default: LineageClient | None = None


def connect(url: str | None = None, token: str | None = None) -> LineageClient:
    """Make (and remember as the default) the client the widgets and magic use.

    ``connect()`` with no URL reads ``JUPYTER_SM_LINEAGE_URL`` (and ``JUPYTER_SM_LINEAGE_TOKEN``); without
    either it is the in-kernel client.
    """
    global _default  # noqa: PLW0603 - the one default client of the kernel, as connect() documents
    url = url or os.environ.get("JUPYTER_SM_LINEAGE_URL") or None
    token = token or os.environ.get("JUPYTER_SM_LINEAGE_TOKEN") or None
    _default = HttpClient(url, token) if url else InKernelClient()
    return _default


def default_client() -> LineageClient:
    """The client set by :func:`connect`, else one made from the environment."""
    return _default if _default is not None else connect()
