"""boto3 clients per (profile, region, service), region checks, and AWS errors translated to ours.

The endpoint comes from the standard ``AWS_ENDPOINT_URL*`` variables (that is how the emulator is
reached); credentials from the standard chain. Clients use adaptive retries (SageMaker throttles
Describe*/List*), a connection pool sized to the worker pool, and bounded timeouts.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from .errors import AccessDenied, InvalidRequest, LineageError, NotFound, UpstreamError

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")

#: S3 operations whose IAM action is not ``s3:{Operation}``.
_S3_ACTIONS = {
    "HeadObject": "s3:GetObject",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
}
_NOT_FOUND = {
    "ResourceNotFound", "ResourceNotFoundException", "NoSuchBucket", "NoSuchKey", "NotFound", "404",
    "NoSuchEntity",
}
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AllAccessDisabled", "403"}
_THROTTLED = {"ThrottlingException", "Throttling", "TooManyRequestsException", "SlowDown", "RequestLimitExceeded"}
_MISSING_CONFIG = {
    "ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration", "NoSuchTagSet",
    "NoSuchTagSetError",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action an API operation needs, as a user would grant it."""
    if service == "s3":
        return _S3_ACTIONS.get(operation, f"s3:{operation}")
    return f"{service}:{operation}"


def is_missing_configuration(exc: BaseException) -> bool:
    """S3's "this bucket has no such configuration" answers, which are facts, not failures."""
    return (isinstance(exc, botocore.exceptions.ClientError)
            and exc.response.get("Error", {}).get("Code") in _MISSING_CONFIG)


def translate(exc: BaseException, service: str, operation: str, what: str = "") -> LineageError:
    """An AWS/botocore exception as one of the core's errors, with a message a user can act on."""
    if isinstance(exc, LineageError):
        return exc
    subject = f" ({what})" if what else ""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", "")) or code
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _ACCESS_DENIED or status == 403:
            action = iam_action(service, operation)
            return AccessDenied(f"AWS refused {action}{subject}: {message}. Grant {action} to the caller's role.",
                                action=action)
        if code in _NOT_FOUND or status == 404 or (code == "ValidationException" and _says_missing(message)):
            return NotFound(f"{what or operation} not found: {message}")
        if code in _THROTTLED:
            return UpstreamError(f"AWS throttled {operation} even after retries: {message}", code=code, service=service)
        if code in ("ValidationException", "InvalidParameterValue", "InvalidRequest", "InvalidBucketName"):
            return InvalidRequest(f"AWS rejected {operation}{subject}: {message}")
        return UpstreamError(f"{operation}{subject} failed with {code or status}: {message}", code=code or str(status),
                             service=service)
    if isinstance(exc, (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)):
        return AccessDenied("no AWS credentials found: set AWS_PROFILE, instance/role credentials, "
                            "or AWS_ACCESS_KEY_ID")
    if isinstance(exc, botocore.exceptions.ProfileNotFound):
        return InvalidRequest(str(exc), parameter="profile")
    if isinstance(exc, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
                        botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectionClosedError)):
        return UpstreamError(f"could not reach the {service} endpoint for {operation}: {exc}", code="Unreachable",
                             service=service)
    if isinstance(exc, botocore.exceptions.ParamValidationError):
        return InvalidRequest(f"invalid parameters for {operation}: {exc}")
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return UpstreamError(f"{operation} failed: {exc}", code=type(exc).__name__, service=service)
    raise exc


def _says_missing(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in ("could not find", "does not exist", "not found", "cannot be found"))


class AwsClients:
    """Thread-safe cache of boto3 clients, one per (profile, region, service)."""

    def __init__(
        self,
        profile: str | None = None,
        allowed_regions: Iterable[str] | None = None,
        max_pool_connections: int = 16,
        connect_timeout: float = 3,
        read_timeout: float = 10,
        max_attempts: int = 3,
        hooks: Iterable[tuple[str, Callable[..., Any]]] = (),
    ) -> None:
        self.profile = profile
        self.allowed_regions = frozenset(allowed_regions or ())
        self.config = Config(
            retries={"mode": "adaptive", "total_max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self.hooks = list(hooks)
        self._lock = threading.Lock()
        self._create_lock = threading.Lock()
        self._sessions: dict[str | None, boto3.session.Session] = {}
        self._clients: dict[tuple[str | None, str, str], Any] = {}
        self._known_regions: frozenset[str] | None = None

    def session(self, profile: str | None = None) -> boto3.session.Session:
        profile = profile or self.profile
        with self._lock:
            if profile not in self._sessions:
                try:
                    self._sessions[profile] = boto3.session.Session(profile_name=profile)
                except botocore.exceptions.ProfileNotFound as exc:
                    raise InvalidRequest(f"AWS profile {profile!r} is not configured", parameter="profile") from exc
            return self._sessions[profile]

    def client(self, service: str, region: str, profile: str | None = None) -> Any:
        key = (profile or self.profile, region, service)
        client = self._clients.get(key)
        if client is not None:
            return client
        # Building a client loads botocore's models (CPU-heavy, GIL-holding JSON parsing): once per key,
        # never by every thread of a burst of concurrent requests at the same time.
        with self._create_lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session(profile).client(service, region_name=region, config=self.config)
                for event, handler in self.hooks:
                    client.meta.events.register(event, handler)
                with self._lock:
                    self._clients[key] = client
            return client

    def known_regions(self) -> frozenset[str]:
        """The regions SageMaker has, as botocore's endpoint data lists them (no network)."""
        if self._known_regions is None:
            session = self.session()
            regions: set[str] = set()
            for partition in session.get_available_partitions():
                regions.update(session.get_available_regions("sagemaker", partition_name=partition))
            self._known_regions = frozenset(regions)
        return self._known_regions

    def check_region(self, region: Any, parameter: str = "region", allowed_only: bool = True) -> str:
        """The region, if it is well-formed, a SageMaker region and on the allow-list; InvalidRequest if not."""
        if not isinstance(region, str) or not region:
            raise InvalidRequest(f"{parameter} is required (for example ap-northeast-2)", parameter=parameter)
        if not _REGION.match(region):
            raise InvalidRequest(f"{parameter} {region!r} is not an AWS region name (for example ap-northeast-2)",
                                 parameter=parameter)
        known = self.known_regions()
        if known and region not in known:
            raise InvalidRequest(f"{parameter} {region!r} is not a region where SageMaker is available",
                                 parameter=parameter)
        if allowed_only:
            self.check_allowed(region, parameter)
        return region

    def check_allowed(self, region: str, parameter: str = "region") -> str:
        """The region, if ALLOWED_REGIONS (when set) lists it; InvalidRequest if not."""
        if self.allowed_regions and region not in self.allowed_regions:
            allowed = ", ".join(sorted(self.allowed_regions))
            raise InvalidRequest(f"{parameter} {region!r} is outside ALLOWED_REGIONS ({allowed})", parameter=parameter)
        return region

    def call(self, service: str, region: str, operation: str, what: str = "", **kwargs: Any) -> Any:
        """Call ``operation`` (snake_case method name) and translate AWS errors; returns the response dict."""
        client = self.client(service, region)
        try:
            return getattr(client, operation)(**kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            name = client.meta.method_to_api_mapping.get(operation, operation)
            raise translate(exc, service, name, what) from exc

    def paginate(self, service: str, region: str, operation: str, key: str, what: str = "",
                 limit: int | None = None, **kwargs: Any) -> list[Any]:
        """Every item of a paginated List* call (or the first ``limit``), errors translated."""
        client = self.client(service, region)
        items: list[Any] = []
        try:
            for page in client.get_paginator(operation).paginate(**kwargs):
                items.extend(page.get(key, []))
                if limit is not None and len(items) >= limit:
                    return items[:limit]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            name = client.meta.method_to_api_mapping.get(operation, operation)
            raise translate(exc, service, name, what) from exc
        return items


def default_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def allowed_regions_from_env() -> list[str]:
    raw = os.environ.get("ALLOWED_REGIONS", "")
    return [r.strip() for r in raw.split(",") if r.strip()]
