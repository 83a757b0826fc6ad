"""One identity per S3 dataset: what the schema store, the sampler, the graph and the exporter call it.

The rule: a dataset is ``s3://{bucket}/{key}``; a prefix (a directory of files, what a processing
output, a training channel or a feature-group offline store names) ends with exactly one ``/``; a
single object does not. ``s3a://`` and ``s3n://`` read as ``s3://``; leading slashes of the key are
dropped. Repeated slashes *inside* the key are kept: S3 keys ``a//b`` and ``a/b`` are different objects,
so the identity says what S3 would read. Matching a reader with a writer, where a ``Std:Join`` may have
doubled a slash, uses :func:`match_path` (slashes collapsed, no trailing slash) instead.

Pure functions, no I/O::

    dataset_id("s3://b/churn/train", prefix=True)   -> "s3://b/churn/train/"
    dataset_id("s3://b/churn/train//")              -> "s3://b/churn/train/"
    dataset_id("s3a://b/report.json")               -> "s3://b/report.json"
    match_path("s3://b/eval//evaluation.json")      -> "s3://b/eval/evaluation.json"
"""

from __future__ import annotations

import re

_SCHEMES = ("s3://", "s3a://", "s3n://")
_SLASHES = re.compile(r"/{2,}")
#: A last key segment with an extension such as ``.csv``, ``.tar.gz``, ``.json``: an object, not a prefix.
_FILE_NAME = re.compile(r"\.[A-Za-z0-9]{1,10}$")

#: Archives and code: their bytes are not a dataset with a schema (never sampled, never diffed).
NOT_DATA = (".tar.gz", ".py", ".zip", ".whl", ".sh", ".jar")


def is_s3(uri: str) -> bool:
    """True for ``s3://``, ``s3a://`` and ``s3n://`` URIs (any case of the scheme)."""
    return uri[:6].lower().startswith(_SCHEMES)


def split_s3(uri: str) -> tuple[str, str]:
    """``s3a://bucket//key`` -> (``bucket``, ``key``) with the scheme normalised and leading slashes dropped.

    Raises ValueError for a URI that is not S3.
    """
    if not is_s3(uri):
        raise ValueError(f"not an S3 URI: {uri!r}")
    rest = uri.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    return bucket, key.lstrip("/")


def looks_like_prefix(key: str) -> bool:
    """A guess for when nothing else tells: a key ending in ``/`` or without a file extension is a prefix."""
    if not key or key.endswith("/"):
        return True
    return _FILE_NAME.search(key.rpartition("/")[2]) is None


def dataset_id(uri: str, *, prefix: bool | None = None) -> str:
    """The canonical identity of the S3 dataset ``uri`` names.

    ``prefix``: True for a prefix dataset, False for a single object, None to decide from the URI alone
    (a trailing ``/``, or no file extension in the last segment, makes it a prefix). A prefix ends with
    exactly one ``/``; an object keeps its key as written. Raises ValueError for a URI that is not S3.
    """
    bucket, key = split_s3(uri)
    if prefix is None:
        prefix = looks_like_prefix(key)
    if prefix:
        key = key.rstrip("/")
        return f"s3://{bucket}/{key}/" if key else f"s3://{bucket}/"
    return f"s3://{bucket}/{key}"


def candidate_ids(uri: str) -> tuple[str, ...]:
    """The identities ``uri`` may name when it does not say whether it is a prefix: prefix first.

    ``s3://b/x/`` is certainly a prefix (one candidate); ``s3://b/x`` may be either.
    """
    bucket, key = split_s3(uri)
    as_prefix = dataset_id(uri, prefix=True)
    if not key or key.endswith("/"):
        return (as_prefix,)
    return (as_prefix, f"s3://{bucket}/{key}")


def match_path(uri: str) -> str:
    """The path a reader and a writer are matched on: scheme normalised, repeated slashes collapsed, no
    trailing slash (``s3://b/eval//report.json`` and ``s3a://b/eval/report.json`` are one path).

    Non-S3 URIs only lose a trailing slash."""
    if not is_s3(uri):
        return uri.rstrip("/") if uri.count("/") > 2 else uri
    bucket, key = split_s3(uri)
    key = _SLASHES.sub("/", key).strip("/")
    return f"s3://{bucket}/{key}" if key else f"s3://{bucket}"


def has_repeated_slash(uri: str) -> bool:
    """True when the key of an S3 URI holds ``//`` (what a ``Std:Join`` on ``/`` of a prefix makes)."""
    if not is_s3(uri):
        return False
    return "//" in split_s3(uri)[1].rstrip("/")


def ancestors(path: str) -> list[str]:
    """The enclosing prefixes of a :func:`match_path`, nearest first, down to the bucket.

    ``s3://b/x/y/z`` -> ``["s3://b/x/y", "s3://b/x", "s3://b"]``.
    """
    out = []
    head = path
    while True:
        head, sep, _ = head.rpartition("/")
        if not sep or head.endswith(":/"):
            break
        out.append(head)
    return out


def openlineage_name(uri: str) -> tuple[str, str]:
    """The OpenLineage (namespace, name) of an S3 dataset: ``s3://{bucket}`` and the key of its
    :func:`match_path`, without leading or trailing slash (``/`` for the bucket itself)."""
    path = match_path(uri)
    bucket = path[len("s3://") :].partition("/")[0]
    key = path[len("s3://") + len(bucket) + 1 :]
    return f"s3://{bucket}", key or "/"
