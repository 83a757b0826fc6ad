"""Versioned dataset schemas in SQLite (WAL): a new version only when the fields or the policy change.

Datasets are keyed by their canonical identity (:func:`jupyter_sm_lineage.core.datasets.dataset_id`: a
prefix ends with one ``/``). Reads accept any spelling (``s3://b/x`` finds the history of the prefix
``s3://b/x/``). A store written before the identity was canonical is migrated when first opened: the
rows of a prefix saved without its trailing slash join the canonical history, merged in time order and
renumbered, in one transaction; running it again changes nothing.

Several processes may save at once: each save is one ``BEGIN IMMEDIATE`` transaction (one writer at a
time, readers never blocked) and ``(dataset_id, version)`` is the primary key, so no version is lost or
duplicated. Export and import use JSON Lines, one version per line (the seed's store format).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from ..datasets import candidate_ids, is_s3, looks_like_prefix, split_s3
from ..datasets import dataset_id as canonical_id
from ..errors import InvalidRequest, NotFound
from ..jsonvalues import deeper_than
from ..paths import data_path
from .diff import SchemaDiff, diff_fields

log = logging.getLogger(__name__)

ENV_STORE_PATH = "SM_LINEAGE_SCHEMA_STORE"
MAX_POLICY_BYTES = 16 * 1024
#: Seconds a write waits for a lock another process holds ($SM_LINEAGE_STORE_BUSY_TIMEOUT), then fails.
_BUSY_TIMEOUT_S = float(os.environ.get("SM_LINEAGE_STORE_BUSY_TIMEOUT") or 10.0)

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS schema_versions (
    dataset_id  TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    policy_hash TEXT    NOT NULL,
    fields      TEXT    NOT NULL,
    policy      TEXT    NOT NULL,
    schema      TEXT,
    PRIMARY KEY (dataset_id, version)
)
"""


def default_store_path() -> Path:
    """``$SM_LINEAGE_SCHEMA_STORE``, else ``$XDG_DATA_HOME/jupyter-sm-lineage/schemas.sqlite3``."""
    return data_path(ENV_STORE_PATH, "schemas.sqlite3")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_policy(policy: Any) -> dict[str, Any]:
    """A policy is a JSON object (given as a dict or as JSON text) of at most 16 KiB; None means ``{}``."""
    if policy is None or policy == "":
        return {}
    if isinstance(policy, str | bytes):
        if len(policy) > MAX_POLICY_BYTES:
            raise InvalidRequest(f"policy is larger than {MAX_POLICY_BYTES} bytes", parameter="policy")
        try:
            policy = json.loads(policy, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise InvalidRequest(f"policy is not valid JSON: {str(exc)[:200]}", parameter="policy") from None
    if not isinstance(policy, Mapping):
        raise InvalidRequest(f"policy must be a JSON object, not {type(policy).__name__}", parameter="policy")
    if deeper_than(policy, MAX_POLICY_DEPTH):
        raise InvalidRequest(f"policy nests deeper than {MAX_POLICY_DEPTH} levels", parameter="policy")
    try:
        text = json.dumps(policy, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidRequest(f"policy is not JSON (numbers must be finite, nesting shallow): {str(exc)[:200]}",
                             parameter="policy") from None
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise InvalidRequest(f"policy is larger than {MAX_POLICY_BYTES} bytes", parameter="policy")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


#: Levels of nested objects and arrays a policy may have.
MAX_POLICY_DEPTH = 32


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def policy_hash(policy: Any) -> str:
    """SHA-256 of the policy's canonical JSON (sorted keys, no whitespace)."""
    return hashlib.sha256(canonical_json(parse_policy(policy)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SavedVersion:
    version: int
    policy_hash: str
    created_at: str
    created: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "policyHash": self.policy_hash,
            "createdAt": self.created_at,
            "created": self.created,
        }


@dataclass(frozen=True)
class SchemaVersion:
    dataset_id: str
    version: int
    created_at: str
    policy_hash: str
    fields: dict[str, str]
    policy: dict[str, Any]
    schema: dict[str, Any] | None = None

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {
            "version": self.version,
            "createdAt": self.created_at,
            "policyHash": self.policy_hash,
            "fields": self.fields,
            "policy": self.policy,
        }
        if full:
            result["dataset_id"] = self.dataset_id
            result["schema"] = self.schema
        return result


@dataclass(frozen=True)
class VersionHistory:
    """Versions newest first; rows that could not be decoded are in ``errors``, not fatal to the rest."""

    dataset_id: str
    versions: list[SchemaVersion]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_id": self.dataset_id,
            "versions": [v.to_dict() for v in self.versions],
            "errors": self.errors,
        }


@dataclass(frozen=True)
class ImportReport:
    imported: int
    unchanged: int
    errors: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "unchanged": self.unchanged, "errors": self.errors}


class SchemaStore:
    """Schema versions per dataset id in one SQLite file (created on first use, WAL journal)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._local = threading.local()
        self._init_lock = threading.Lock()
        self._initialised = False

    # ------------------------------------------------------------------------------------------- writes

    def save(
        self,
        dataset_id: str,
        fields: Mapping[str, str],
        policy: Any = None,
        *,
        schema: Mapping[str, Any] | None = None,
    ) -> SavedVersion:
        """Record ``fields`` under ``policy``; returns the latest version if neither changed since it."""
        dataset_id = _as_given(dataset_id)
        policy_dict = parse_policy(policy)
        digest = hashlib.sha256(canonical_json(policy_dict).encode("utf-8")).hexdigest()
        fields_json = canonical_json({str(k): str(v) for k, v in fields.items()})
        ordered_fields = json.dumps({str(k): str(v) for k, v in fields.items()}, ensure_ascii=False)
        with self._write() as db:
            latest = db.execute(
                "SELECT version, created_at, policy_hash, fields FROM schema_versions"
                " WHERE dataset_id = ? ORDER BY version DESC LIMIT 1",
                (dataset_id,),
            ).fetchone()
            if latest is not None and latest[2] == digest and _same_fields(latest[3], fields_json):
                return SavedVersion(int(latest[0]), digest, str(latest[1]), created=False)
            version = (int(latest[0]) + 1) if latest is not None else 1
            created_at = _now()
            db.execute(
                "INSERT INTO schema_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    dataset_id,
                    version,
                    created_at,
                    digest,
                    ordered_fields,
                    canonical_json(policy_dict),
                    json.dumps(dict(schema), ensure_ascii=False, default=str) if schema is not None else None,
                ),
            )
        log.info("schema of %s saved as version %d", dataset_id, version)
        return SavedVersion(version, digest, created_at, created=True)

    def import_jsonl(self, fp: IO[str]) -> ImportReport:
        """Load versions exported by :meth:`export_jsonl` (or the seed's store); bad lines are reported."""
        imported = unchanged = 0
        errors: list[dict[str, Any]] = []
        for number, line in enumerate(fp, start=1):
            if not line.strip():
                continue
            try:
                record = _record_from_line(line)
            except (ValueError, TypeError, KeyError, InvalidRequest) as exc:
                errors.append({"line": number, "message": f"unreadable record: {exc}"})
                continue
            target = _canonical_for(record.dataset_id, [record.schema])
            if target != record.dataset_id:
                record = SchemaVersion(target, record.version, record.created_at, record.policy_hash, record.fields,
                                       record.policy, record.schema)
            with self._write() as db:
                existing = db.execute(
                    "SELECT policy_hash, fields FROM schema_versions WHERE dataset_id = ? AND version = ?",
                    (record.dataset_id, record.version),
                ).fetchone()
                if existing is not None:
                    if existing[0] == record.policy_hash and _same_fields(
                        existing[1], canonical_json(record.fields)
                    ):
                        unchanged += 1
                    else:
                        errors.append(
                            {
                                "line": number,
                                "message": (
                                    f"{record.dataset_id} version {record.version} exists with other content"
                                ),
                            }
                        )
                    continue
                db.execute(
                    "INSERT INTO schema_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.dataset_id,
                        record.version,
                        record.created_at,
                        record.policy_hash,
                        json.dumps(record.fields, ensure_ascii=False),
                        canonical_json(record.policy),
                        json.dumps(record.schema, ensure_ascii=False) if record.schema is not None else None,
                    ),
                )
                imported += 1
        return ImportReport(imported, unchanged, errors)

    # -------------------------------------------------------------------------------------------- reads

    def resolve_id(self, uri: str) -> str:
        """The stored identity ``uri`` names: ``s3://b/x`` is the prefix ``s3://b/x/`` when that has versions,
        the object ``s3://b/x`` when that has, and otherwise what the URI looks like (no extension: a prefix)."""
        if not is_s3(uri):
            return uri
        candidates = candidate_ids(uri)
        if len(candidates) == 1:
            return candidates[0]
        marks = ",".join("?" * len(candidates))
        present = {str(r[0]) for r in self._read(
            f"SELECT DISTINCT dataset_id FROM schema_versions WHERE dataset_id IN ({marks})", tuple(candidates))}
        for candidate in candidates:
            if candidate in present:
                return candidate
        return canonical_id(uri)

    def versions(self, dataset_id: str) -> VersionHistory:
        dataset_id = self.resolve_id(dataset_id)
        rows = self._read(
            "SELECT * FROM schema_versions WHERE dataset_id = ? ORDER BY version DESC", (dataset_id,)
        )
        versions, errors = [], []
        for row in rows:
            try:
                versions.append(_version_from_row(row))
            except (ValueError, TypeError) as exc:
                errors.append({"version": row[1], "message": f"corrupt stored row: {exc}"})
                log.warning("corrupt schema row %s v%s: %s", dataset_id, row[1], exc)
        return VersionHistory(dataset_id, versions, errors)

    def get(self, dataset_id: str, version: int) -> SchemaVersion:
        dataset_id = self.resolve_id(dataset_id)
        rows = self._read(
            "SELECT * FROM schema_versions WHERE dataset_id = ? AND version = ?", (dataset_id, int(version))
        )
        if not rows:
            raise NotFound(f"No schema version {version} for {dataset_id}")
        try:
            return _version_from_row(rows[0])
        except (ValueError, TypeError) as exc:
            raise InvalidRequest(
                f"Schema version {version} of {dataset_id} is corrupt in the store: {exc}",
                parameter="version",
            ) from exc

    def latest(self, dataset_id: str) -> SchemaVersion | None:
        history = self.versions(dataset_id)
        return history.versions[0] if history.versions else None

    def diff(self, dataset_id: str, from_version: int, to_version: int) -> SchemaDiff:
        """What changed from ``from_version`` to ``to_version`` and whether old readers survive it."""
        before, after = self.get(dataset_id, from_version), self.get(dataset_id, to_version)
        return diff_fields(
            before.fields,
            after.fields,
            from_version=before.version,
            to_version=after.version,
            policy_changed=before.policy_hash != after.policy_hash,
        )

    def dataset_ids(self) -> list[str]:
        return [
            str(r[0]) for r in self._read("SELECT DISTINCT dataset_id FROM schema_versions ORDER BY 1", ())
        ]

    def export_jsonl(self, fp: IO[str], dataset_id: str | None = None) -> int:
        """Write every version (oldest first per dataset) as one JSON object per line; returns the count."""
        query = "SELECT * FROM schema_versions {} ORDER BY dataset_id, version"
        rows = (
            self._read(query.format("WHERE dataset_id = ?"), (dataset_id,))
            if dataset_id
            else self._read(query.format(""), ())
        )
        count = 0
        for row in rows:
            try:
                record = _version_from_row(row)
            except (ValueError, TypeError) as exc:
                log.warning("not exporting corrupt schema row %s v%s: %s", row[0], row[1], exc)
                continue
            fp.write(json.dumps(record.to_dict(full=True), ensure_ascii=False) + "\n")
            count += 1
        return count

    # ------------------------------------------------------------------------------------------ plumbing

    def _connect(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
            with self._init_lock:
                if not self._initialised:
                    connection.execute("PRAGMA journal_mode = WAL")
                    connection.execute(_SCHEMA_SQL)
                    migrate_identities(connection)
                    self._initialised = True
            self._local.connection = connection
        return connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _read(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return list(self._connect().execute(query, params).fetchall())

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


#: ``PRAGMA user_version`` once dataset ids are canonical (a store migrated, or created, by this version).
CANONICAL_IDS_VERSION = 1


def migrate_identities(db: sqlite3.Connection) -> dict[str, list[str]]:
    """Move rows stored under a non-canonical dataset id to the canonical one, in one transaction.

    A prefix saved as ``s3://b/x`` (no trailing slash) joins ``s3://b/x/``; ``s3a://`` ids become ``s3://``.
    Whether an id was a prefix is told by its stored schema (a sampled prefix lists its files), else by
    its name. The merged history is ordered by creation time (then by the old version) and renumbered
    from 1. No row is dropped. Returns ``{canonical id: [old ids merged into it]}``; a store already
    migrated (``PRAGMA user_version``) is not read again.
    """
    if int(db.execute("PRAGMA user_version").fetchone()[0]) >= CANONICAL_IDS_VERSION:
        return {}
    db.execute("BEGIN IMMEDIATE")
    try:
        moves: dict[str, list[str]] = {}
        if int(db.execute("PRAGMA user_version").fetchone()[0]) < CANONICAL_IDS_VERSION:
            rows = db.execute("SELECT dataset_id, schema FROM schema_versions").fetchall()
            schemas: dict[str, list[Any]] = {}
            for stored_id, schema_text in rows:
                schemas.setdefault(str(stored_id), []).append(_loads(schema_text))
            for stored_id, stored_schemas in schemas.items():
                target = _canonical_for(stored_id, stored_schemas)
                if target != stored_id:
                    moves.setdefault(target, []).append(stored_id)
            for target, sources in moves.items():
                _merge(db, target, sources)
                log.info("schema store: %s merged into %s", ", ".join(sources), target)
            db.execute(f"PRAGMA user_version = {CANONICAL_IDS_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return moves


def _merge(db: sqlite3.Connection, target: str, sources: list[str]) -> None:
    ids = [target, *sources]
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"SELECT * FROM schema_versions WHERE dataset_id IN ({marks})", ids).fetchall()
    rows.sort(key=lambda row: (str(row[2]), int(row[1]), ids.index(str(row[0]))))
    db.execute(f"DELETE FROM schema_versions WHERE dataset_id IN ({marks})", ids)
    db.executemany(
        "INSERT INTO schema_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(target, number, *row[2:]) for number, row in enumerate(rows, start=1)],
    )


def _canonical_for(stored_id: str, schemas: list[Any]) -> str:
    """The canonical id of a stored id: a prefix if a stored schema lists files under it, or if it has
    no schema to tell and its name looks like one; otherwise the object it names."""
    if not is_s3(stored_id):
        return stored_id
    if stored_id.endswith("/"):
        return canonical_id(stored_id, prefix=True)
    verdicts = [v for v in (_sampled_prefix(stored_id, schema) for schema in schemas) if v is not None]
    prefix = any(verdicts) if verdicts else looks_like_prefix(split_s3(stored_id)[1])
    return canonical_id(stored_id, prefix=prefix)


def _sampled_prefix(stored_id: str, schema: Any) -> bool | None:
    """What a stored schema says: True for a sampled prefix, False for one object, None when it cannot tell."""
    if not isinstance(schema, Mapping):
        return None
    meta = schema.get("meta")
    if isinstance(meta, Mapping) and ("listed_objects" in meta or "partition_keys" in meta):
        return True
    files = schema.get("sampled_files")
    if isinstance(files, list) and files:
        own = canonical_id(stored_id, prefix=False)
        return not all(isinstance(f, str) and is_s3(f) and canonical_id(f, prefix=False) == own for f in files)
    return None


def _loads(text: Any) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _as_given(dataset_id: str) -> str:
    """An id saved as given, in canonical spelling: ``s3a://``, leading and repeated trailing slashes tidied."""
    if is_s3(dataset_id):
        return canonical_id(dataset_id, prefix=dataset_id.endswith("/"))
    return dataset_id


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _same_fields(stored: str, canonical: str) -> bool:
    try:
        return canonical_json(json.loads(stored)) == canonical
    except ValueError:
        return False


def _version_from_row(row: tuple[Any, ...]) -> SchemaVersion:
    dataset_id, version, created_at, digest, fields_text, policy_text, schema_text = row
    fields = json.loads(fields_text)
    policy = json.loads(policy_text)
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise ValueError("fields is not an object of type names")
    if not isinstance(policy, dict):
        raise ValueError("policy is not an object")
    schema = json.loads(schema_text) if schema_text else None
    return SchemaVersion(str(dataset_id), int(version), str(created_at), str(digest), fields, policy, schema)


def _record_from_line(line: str) -> SchemaVersion:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("line is not a JSON object")
    dataset_id = data.get("dataset_id") or data.get("datasetId")
    version = data["version"]
    if not isinstance(dataset_id, str) or not dataset_id:
        raise ValueError("missing dataset_id")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"bad version {version!r}")
    fields = data.get("fields")
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise ValueError("fields must be an object of type names")
    policy = parse_policy(data.get("policy"))
    digest = data.get("policyHash") or data.get("policy_hash") or policy_hash(policy)
    created_at = data.get("createdAt") or data.get("created_at") or _now()
    schema = data.get("schema") if isinstance(data.get("schema"), dict) else None
    return SchemaVersion(dataset_id, version, str(created_at), str(digest), fields, policy, schema)
