"""The one error the schema probe adds: an object exists but its bytes cannot be read as its format."""

from __future__ import annotations

from ..errors import InvalidRequest


class UnreadableData(InvalidRequest):
    """A corrupt, truncated, binary, non-UTF-8 or empty object (a 400: the data is at fault).

    ``reason`` says which: ``corrupt``, ``empty``, ``binary``, ``encoding``, ``unterminated``,
    ``unsupported``.
    """

    reason = "unreadable_data"
    fields = ("parameter", "uri")
    uri: str | None

    def __init__(self, message: str, *, uri: str | None = None, reason: str | None = None,
                 parameter: str | None = "prefix") -> None:
        super().__init__(message, reason=reason, parameter=parameter, uri=uri)
