"""The small error hierarchy every front end maps once (404 / 400 / 403 / 502)."""

from __future__ import annotations


class LineageError(Exception):
    """Base of every error the core raises on purpose; ``reason`` is a short machine-readable tag."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason

    def to_dict(self) -> dict[str, str]:
        return {"message": self.message, "reason": self.reason}


class InvalidRequest(LineageError):
    """The caller asked for something malformed or not allowed (a bad parameter, a region off the list)."""

    reason = "invalid_request"

    def __init__(self, message: str, *, parameter: str | None = None, reason: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.parameter = parameter


class NotFound(LineageError):
    """The named pipeline, execution, bucket, object or feature group does not exist."""

    reason = "not_found"


class AccessDenied(LineageError):
    """AWS refused a call; ``action`` names the IAM action to grant (e.g. ``sagemaker:ListPipelines``)."""

    reason = "access_denied"

    def __init__(self, message: str, *, action: str | None = None) -> None:
        super().__init__(message)
        self.action = action


class UpstreamError(LineageError):
    """AWS (or the emulator) failed in a way the caller cannot fix: 5xx, timeouts, throttling past retries."""

    reason = "upstream_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
