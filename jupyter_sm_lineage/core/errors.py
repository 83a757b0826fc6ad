"""The one error model: every error the core raises on purpose, its HTTP status and its fields.

Each class declares its ``status`` (the HTTP code a route answers) and ``fields`` (what it carries beside
``message`` and ``reason``). :meth:`LineageError.to_dict` is the wire shape of every front end (route
bodies, the service process's pipe, the catalog's per-region errors) and :func:`error_from_dict` turns
it back into the same class, whole, so an error raised in the service is re-raised unchanged by the HTTP
client.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LineageError(Exception):
    """Base of every error the core raises on purpose; ``reason`` is a short machine-readable tag."""

    reason = "error"
    status: ClassVar[int] = 500
    #: Optional fields this error carries (each ``None`` or text), in the order they are written out.
    fields: ClassVar[tuple[str, ...]] = ()
    #: Every error class by name and by status (filled by ``__init_subclass__``).
    by_name: ClassVar[dict[str, type[LineageError]]] = {}
    by_status: ClassVar[dict[int, type[LineageError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        LineageError.by_name[cls.__name__] = cls
        LineageError.by_status.setdefault(cls.status, cls)

    def __init__(self, message: str, *, reason: str | None = None, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        unknown = set(fields) - set(self.fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        for name in self.fields:
            setattr(self, name, fields.get(name))

    def to_dict(self) -> dict[str, Any]:
        """``{"message", "reason", "type", and each field that is set}``: the wire shape (``type`` is the
        class name, so that a client re-raises the same class)."""
        out: dict[str, Any] = {"message": self.message, "reason": self.reason, "type": type(self).__name__}
        for name in self.fields:
            value = getattr(self, name, None)
            if value is not None:
                out[name] = value
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles whole (a process pool, multiprocessing) through the wire shape.
        return error_from_dict, (self.to_dict(), type(self).__name__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, LineageError) and other.to_dict() == self.to_dict()

    __hash__ = Exception.__hash__


class InvalidRequest(LineageError):
    """The caller asked for something malformed or not allowed (a bad parameter, a region off the list)."""

    reason = "invalid_request"
    status = 400
    fields: ClassVar[tuple[str, ...]] = ("parameter",)
    parameter: str | None


class AccessDenied(LineageError):
    """AWS refused a call; ``action`` names the IAM action to grant (e.g. ``sagemaker:ListPipelines``)."""

    reason = "access_denied"
    status = 403
    fields = ("action",)
    action: str | None


class NotFound(LineageError):
    """The named pipeline, execution, bucket, object or feature group does not exist."""

    reason = "not_found"
    status = 404
    fields = ("parameter",)
    parameter: str | None


class UpstreamError(LineageError):
    """AWS (or the emulator) failed in a way the caller cannot fix: 5xx, timeouts, throttling past retries."""

    reason = "upstream_error"
    status = 502
    fields = ("code", "service")
    code: str | None
    service: str | None


class Unavailable(LineageError):
    """A part of this server cannot serve now (the schema store, the service process); ``code`` says which."""

    reason = "unavailable"
    status = 503
    fields = ("code",)
    code: str | None


class DeadlineExceeded(LineageError):
    """The request ran past its deadline (the service process did not answer in time)."""

    reason = "deadline_exceeded"
    status = 504
    fields = ("code",)
    code: str | None


def error_from_dict(payload: Any, kind: str | None = None, status: int | None = None) -> LineageError:
    """The wire shape back into its class: by ``kind`` (a class name), else by HTTP ``status``."""
    data = payload if isinstance(payload, dict) else {}
    named = LineageError.by_name.get(kind or str(data.get("type") or ""))
    by_status = LineageError.by_status.get(status or 0)
    if named is not None and status is not None and named.status != status:
        named = None  # a body that does not fit its status: trust the status
    cls = named or by_status or UpstreamError
    message = str(data.get("message") or f"error {status or ''}".strip())
    fields = {name: str(data[name]) for name in cls.fields if data.get(name) is not None}
    error = cls(message, **fields)
    if data.get("reason"):
        error.reason = str(data["reason"])
    return error


def error_kind(exc: BaseException) -> str | None:
    """The class name to send with an error's wire shape across a process boundary (None: not ours)."""
    return type(exc).__name__ if isinstance(exc, LineageError) and type(exc).__name__ in LineageError.by_name \
        else None
