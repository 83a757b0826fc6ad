"""Feature groups for the demo world: created through moto, then made deterministic and completed.

moto's CreateFeatureGroup requires an OfflineStoreConfig, ignores OnlineStoreConfig and the table
format, and stamps the Glue table name, resolved S3 URI and creation time with the clock. The seeding
overwrites those on moto's backend object and puts what moto does not model into :data:`.actions.STATE`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from moto.sagemaker.models import sagemaker_backends

from .actions import STATE
from .constants import ACCOUNT_ID, FEATURESTORE_BUCKET, FEATURESTORE_ROLE_ARN

log = logging.getLogger(__name__)

__all__ = ["FEATURESTORE_BUCKET", "seed_feature_groups"]


def _kms(region: str, key: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key}"


def _groups(region: str) -> list[dict[str, Any]]:
    """The groups of one region: ``customers``/``transactions``/``user_profiles`` in both, plus extras."""
    groups: list[dict[str, Any]] = [
        {
            "name": "customers",
            "record_id": "customer_id",
            "event_time": "event_time",
            "features": [
                ("customer_id", "Integral"),
                ("event_time", "Fractional"),
                ("plan", "String"),
                ("region", "String"),
                ("tenure_months", "Integral"),
                ("monthly_charges", "Fractional"),
                ("total_charges", "Fractional"),
                ("support_calls", "Integral"),
                ("recent_products", "String", {"CollectionType": "List"}),
            ],
            "offline": {
                "prefix": "offline/",
                "table_format": "Iceberg",
                "kms": _kms(region, "6f1c0c1e-cust-offline"),
            },
            "online": {"kms": _kms(region, "2a9d7f00-cust-online"), "storage": "Standard", "ttl_days": 90},
            "description": "Customer churn features (curated churn pipeline output)",
            "created": datetime(2025, 1, 3, 9, 0, tzinfo=timezone.utc),
        },
        {
            "name": "transactions",
            "record_id": "transaction_id",
            "event_time": "event_ts",
            "features": [
                ("transaction_id", "String"),
                ("customer_id", "Integral"),
                ("event_ts", "String"),
                ("amount", "Fractional"),
                ("merchant_category", "String"),
                ("is_refund", "Integral"),
            ],
            "offline": {"prefix": "offline/transactions/", "table_format": "Glue", "kms": None},
            "online": None,
            "description": "Card transactions, offline store only (batch training)",
            "created": datetime(2025, 1, 4, 9, 0, tzinfo=timezone.utc),
        },
        {
            "name": "user_profiles",
            "record_id": "user_id",
            "event_time": "updated_at",
            "features": [
                ("user_id", "String"),
                ("updated_at", "Fractional"),
                ("age_bucket", "String"),
                ("preferred_channel", "String"),
                ("marketing_opt_in", "Integral"),
                (
                    "embedding",
                    "Fractional",
                    {"CollectionType": "Vector", "CollectionConfig": {"VectorConfig": {"Dimension": 8}}},
                ),
            ],
            # Online-first; moto insists on an offline store, so it has a small one too.
            "offline": {"prefix": "offline/user_profiles/", "table_format": "Glue", "kms": None},
            "online": {"kms": None, "storage": "InMemory", "ttl_days": None},
            "description": "Low-latency user profile lookups for real-time inference",
            "created": datetime(2025, 1, 5, 9, 0, tzinfo=timezone.utc),
        },
    ]
    if region == "ap-northeast-2":
        groups.append(
            {
                "name": "churn-labels",
                "record_id": "customer_id",
                "event_time": "label_time",
                "features": [
                    ("customer_id", "Integral"),
                    ("label_time", "Fractional"),
                    ("churned", "Integral"),
                ],
                "offline": {"prefix": "offline/churn-labels/", "table_format": "Iceberg", "kms": None},
                "online": None,
                "description": "Churn labels joined at training time",
                "created": datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc),
                "status": "Creating",
                "offline_status": "Blocked",
            }
        )
    return groups


def _definition(feature: tuple[Any, ...]) -> dict[str, Any]:
    definition: dict[str, Any] = {"FeatureName": feature[0], "FeatureType": feature[1]}
    if len(feature) > 2:
        definition.update(feature[2])
    return definition


def seed_feature_groups(emu: Any, region: str) -> list[str]:
    """Create the demo feature groups in ``region`` (the featurestore bucket must exist); returns names."""
    client = emu.client("sagemaker", region)
    backend = sagemaker_backends[ACCOUNT_ID][region]
    region_state = STATE.region(ACCOUNT_ID, region)
    names = []
    for group in _groups(region):
        offline = group["offline"]
        s3_uri = f"s3://{FEATURESTORE_BUCKET}/{offline['prefix']}"
        arn = client.create_feature_group(
            FeatureGroupName=group["name"],
            RecordIdentifierFeatureName=group["record_id"],
            EventTimeFeatureName=group["event_time"],
            FeatureDefinitions=[_definition(f) for f in group["features"]],
            OfflineStoreConfig={"S3StorageConfig": {"S3Uri": s3_uri}, "DisableGlueTableCreation": False},
            RoleArn=FEATURESTORE_ROLE_ARN,
            Description=group["description"],
            Tags=[{"Key": "project", "Value": "churn"}, {"Key": "owner", "Value": "ml-platform"}],
        )["FeatureGroupArn"]
        fake = backend.feature_groups[arn]
        table = group["name"].replace("-", "_")
        storage: dict[str, Any] = {
            "S3Uri": s3_uri,
            "ResolvedOutputS3Uri": (
                f"{s3_uri.rstrip('/')}/{ACCOUNT_ID}/sagemaker/{region}/offline-store/{table}-1735894800/data"
            ),
        }
        if offline["kms"]:
            storage["KmsKeyId"] = offline["kms"]
        fake.offline_store_config = {
            "S3StorageConfig": storage,
            "DisableGlueTableCreation": False,
            "DataCatalogConfig": {
                "TableName": f"{table}_1735894800",
                "Catalog": "AwsDataCatalog",
                "Database": "sagemaker_featurestore",
            },
            "TableFormat": offline["table_format"],
        }
        # moto keeps naive UTC datetimes (utcnow); mixing in aware ones breaks its sorting.
        fake.creation_time = group["created"].replace(tzinfo=None)
        extras: dict[str, Any] = {
            "Description": group["description"],
            "FeatureGroupStatus": group.get("status", "Created"),
            "OfflineStoreStatus": group.get("offline_status", "Active"),
            "LastModifiedTime": group["created"].replace(tzinfo=None),
        }
        online = group["online"]
        if online is not None:
            config: dict[str, Any] = {"EnableOnlineStore": True, "StorageType": online["storage"]}
            if online["kms"]:
                config["SecurityConfig"] = {"KmsKeyId": online["kms"]}
            if online["ttl_days"]:
                config["TtlDuration"] = {"Unit": "Days", "Value": online["ttl_days"]}
            extras["OnlineStoreConfig"] = config
        region_state.feature_groups[group["name"]] = extras
        names.append(group["name"])
    log.info("seeded %d feature groups in %s", len(names), region)
    return names
