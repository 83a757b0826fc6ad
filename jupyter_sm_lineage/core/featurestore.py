"""SageMaker Feature Store: feature groups listed (every page) and described, and who writes to them.

A group's offline store is an S3 prefix; :func:`writers_of` finds the pipeline steps that feed a group:
a FeatureStoreOutput naming it, or an output on (or under) its offline-store prefix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws import translate
from .datasets import is_s3, match_path
from .errors import InvalidRequest

log = logging.getLogger(__name__)

_PAGE_SIZE = 100


@dataclass(frozen=True)
class FeatureGroupSummary:
    name: str
    arn: str
    status: str | None
    offline_store_status: str | None
    created: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arn": self.arn,
            "status": self.status,
            "offlineStoreStatus": self.offline_store_status,
            "creationTime": self.created,
        }


@dataclass(frozen=True)
class Feature:
    name: str
    type: str
    collection_type: str | None = None
    collection_config: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.collection_type:
            result["collectionType"] = self.collection_type
        if self.collection_config:
            result["collectionConfig"] = self.collection_config
        return result


@dataclass(frozen=True)
class FeatureGroup:
    """One feature group as DescribeFeatureGroup tells it, flattened for a panel and the exporter."""

    name: str
    arn: str
    description: str | None
    status: str | None
    created: str | None
    last_modified: str | None
    record_identifier: str
    event_time_feature: str
    features: list[Feature]
    online_store: dict[str, Any] | None
    offline_store: dict[str, Any] | None
    role_arn: str | None
    failure_reason: str | None = None
    kms_keys: dict[str, str] = field(default_factory=dict)

    @property
    def offline_uri(self) -> str | None:
        return self.offline_store.get("s3Uri") if self.offline_store else None

    @property
    def offline_data_uri(self) -> str | None:
        """Where the group's records land: the resolved offline-store URI (``{S3Uri}/{account}/sagemaker/
        {region}/offline-store/{group}-{time}/data``) when known, else the configured ``S3Uri``."""
        if not self.offline_store:
            return None
        return self.offline_store.get("resolvedS3Uri") or self.offline_store.get("s3Uri")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arn": self.arn,
            "description": self.description,
            "status": self.status,
            "creationTime": self.created,
            "lastModifiedTime": self.last_modified,
            "recordIdentifier": self.record_identifier,
            "eventTimeFeature": self.event_time_feature,
            "features": [f.to_dict() for f in self.features],
            "onlineStore": self.online_store,
            "offlineStore": self.offline_store,
            "kmsKeys": self.kms_keys,
            "roleArn": self.role_arn,
            "failureReason": self.failure_reason,
        }


def list_feature_groups(
    sagemaker_client: Any, *, name_contains: str | None = None, page_size: int = _PAGE_SIZE
) -> list[FeatureGroupSummary]:
    """Every feature group of the client's region (all pages), newest first."""
    params: dict[str, Any] = {"MaxResults": page_size, "SortBy": "CreationTime", "SortOrder": "Descending"}
    if name_contains:
        params["NameContains"] = name_contains
    summaries: list[FeatureGroupSummary] = []
    try:
        for page in sagemaker_client.get_paginator("list_feature_groups").paginate(**params):
            for item in page.get("FeatureGroupSummaries", []):
                summaries.append(
                    FeatureGroupSummary(
                        name=item["FeatureGroupName"],
                        arn=item["FeatureGroupArn"],
                        status=item.get("FeatureGroupStatus"),
                        offline_store_status=(item.get("OfflineStoreStatus") or {}).get("Status"),
                        created=_iso(item.get("CreationTime")),
                    )
                )
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, "sagemaker", "ListFeatureGroups", "feature groups") from exc
    return summaries


def describe_feature_group(sagemaker_client: Any, name: str) -> FeatureGroup:
    """A group's features, identifiers, stores (S3 URI, table format, Glue table), KMS keys and status."""
    if not name or len(name) > 64:
        raise InvalidRequest("feature group name must be 1-64 characters", parameter="name")
    try:
        raw = sagemaker_client.describe_feature_group(FeatureGroupName=name)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, "sagemaker", "DescribeFeatureGroup", f"feature group {name!r}") from exc
    return feature_group_from_describe(raw)


def feature_group_from_describe(raw: Mapping[str, Any]) -> FeatureGroup:
    """Flatten a DescribeFeatureGroup response (botocore shape)."""
    kms: dict[str, str] = {}
    online = None
    online_raw = raw.get("OnlineStoreConfig")
    if online_raw and online_raw.get("EnableOnlineStore", False):
        online = {
            "enabled": True,
            "storageType": online_raw.get("StorageType", "Standard"),
            "kmsKeyId": (online_raw.get("SecurityConfig") or {}).get("KmsKeyId"),
            "ttl": online_raw.get("TtlDuration"),
        }
        if online["kmsKeyId"]:
            kms["online"] = online["kmsKeyId"]
    offline = None
    offline_raw = raw.get("OfflineStoreConfig")
    if offline_raw:
        storage = offline_raw.get("S3StorageConfig") or {}
        catalog = offline_raw.get("DataCatalogConfig") or {}
        offline = {
            "s3Uri": storage.get("S3Uri"),
            "resolvedS3Uri": storage.get("ResolvedOutputS3Uri"),
            "kmsKeyId": storage.get("KmsKeyId"),
            "tableFormat": offline_raw.get("TableFormat", "Glue"),
            "glueTable": (
                {
                    "catalog": catalog.get("Catalog"),
                    "database": catalog.get("Database"),
                    "table": catalog.get("TableName"),
                }
                if catalog
                else None
            ),
            "status": (raw.get("OfflineStoreStatus") or {}).get("Status"),
            "disableGlueTableCreation": offline_raw.get("DisableGlueTableCreation", False),
        }
        if offline["kmsKeyId"]:
            kms["offline"] = offline["kmsKeyId"]
    features = [
        Feature(
            name=d["FeatureName"],
            type=d["FeatureType"],
            collection_type=d.get("CollectionType"),
            collection_config=d.get("CollectionConfig"),
        )
        for d in raw.get("FeatureDefinitions", [])
    ]
    return FeatureGroup(
        name=raw["FeatureGroupName"],
        arn=raw["FeatureGroupArn"],
        description=raw.get("Description"),
        status=raw.get("FeatureGroupStatus"),
        created=_iso(raw.get("CreationTime")),
        last_modified=_iso(raw.get("LastModifiedTime")),
        record_identifier=raw["RecordIdentifierFeatureName"],
        event_time_feature=raw["EventTimeFeatureName"],
        features=features,
        online_store=online,
        offline_store=offline,
        role_arn=raw.get("RoleArn"),
        failure_reason=raw.get("FailureReason") or None,
        kms_keys=kms,
    )


def writers_of(group: str, offline_uri: str | None, graphs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pipeline steps that write feature group ``group``: a FeatureStoreOutput naming it, or an S3 output
    equal to or under its offline-store URI (a step writing a parent prefix of many groups is not a writer).

    ``graphs`` are ``{"pipeline": name, "graph": {"nodes": [{"id", "type", "outputs": [port or uri, ...]}]}}``.
    Returns ``[{"pipeline", "step", "type", "uri"}]`` in input order, one entry per matching output.
    """
    target = match_path(offline_uri) if offline_uri and is_s3(offline_uri) else None
    own = f"featuregroup://{group}"
    writers: list[dict[str, Any]] = []
    for entry in graphs:
        pipeline = entry.get("pipeline")
        for node in (entry.get("graph") or {}).get("nodes", []):
            for output in node.get("outputs") or []:
                uri = output.get("uri") if isinstance(output, Mapping) else output
                if not isinstance(uri, str):
                    continue
                if uri.rstrip("/") == own or (target is not None and is_s3(uri) and _within(match_path(uri), target)):
                    writers.append(
                        {"pipeline": pipeline, "step": node.get("id"), "type": node.get("type"), "uri": uri}
                    )
    return writers


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value) if value is not None else None
