"""Bucket metadata: region, default encryption, versioning, public access block, tags.

A missing configuration is a fact ("not configured"), not an error: real buckets created since
2023 have SSE-S3 and a public access block by default, the emulator has neither. A call the caller
may not make is reported per field with the IAM action to grant; nothing here raises for one field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import botocore.exceptions

from .aws import AwsClients, is_missing_configuration, translate
from .errors import LineageError


def bucket_of(uri: str) -> str | None:
    if not uri.startswith(("s3://", "s3a://", "s3n://")):
        return None
    bucket = uri.split("://", 1)[1].split("/", 1)[0]
    return bucket or None


OPERATIONS = {
    "location": "GetBucketLocation", "encryption": "GetBucketEncryption", "versioning": "GetBucketVersioning",
    "publicAccessBlock": "GetPublicAccessBlock", "tags": "GetBucketTagging",
}


def bucket_calls(clients: AwsClients, region: str, bucket: str) -> dict[str, Callable[[], Any]]:
    """The five independent calls behind a bucket's metadata; each returns its response or exception."""
    s3 = clients.client("s3", region)
    calls: dict[str, Callable[[], Any]] = {
        "location": lambda: s3.get_bucket_location(Bucket=bucket),
        "encryption": lambda: s3.get_bucket_encryption(Bucket=bucket),
        "versioning": lambda: s3.get_bucket_versioning(Bucket=bucket),
        "publicAccessBlock": lambda: s3.get_public_access_block(Bucket=bucket),
        "tags": lambda: s3.get_bucket_tagging(Bucket=bucket),
    }
    return {name: functools.partial(_outcome, call) for name, call in calls.items()}


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        return exc


def describe_bucket(bucket: str, outcomes: Mapping[str, Any]) -> dict[str, Any]:
    """Shape the five answers (responses or exceptions) into the contract's ``s3`` object."""
    meta: dict[str, Any] = {"bucket": bucket}
    errors: dict[str, str] = {}
    notes: list[str] = []

    def failed(name: str) -> bool:
        outcome = outcomes[name]
        if isinstance(outcome, BaseException) and not is_missing_configuration(outcome):
            error: LineageError = translate(outcome, "s3", OPERATIONS[name], f"bucket {bucket}")
            errors[name] = error.message
            return True
        return False

    if not failed("location"):
        location = outcomes["location"]
        meta["region"] = (location.get("LocationConstraint") or "us-east-1") if isinstance(location, dict) else None
    encryption = outcomes["encryption"]
    if not failed("encryption"):
        if isinstance(encryption, BaseException):
            meta["encryption"] = None
            notes.append("no default encryption configured (AWS applies SSE-S3 to buckets created since 2023)")
        else:
            rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
            default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
            meta["encryption"] = default.get("SSEAlgorithm")
            if default.get("KMSMasterKeyID"):
                meta["kmsKeyId"] = default["KMSMasterKeyID"]
            if rules and "BucketKeyEnabled" in rules[0]:
                meta["bucketKeyEnabled"] = bool(rules[0]["BucketKeyEnabled"])
    if not failed("versioning"):
        meta["versioning"] = outcomes["versioning"].get("Status") or "Disabled"
        if outcomes["versioning"].get("MFADelete"):
            meta["mfaDelete"] = outcomes["versioning"]["MFADelete"]
    block = outcomes["publicAccessBlock"]
    if not failed("publicAccessBlock"):
        if isinstance(block, BaseException):
            meta["publicAccessBlock"] = None
            meta["publicAccessBlocked"] = False
            notes.append("no public access block configured on the bucket (an account-level block may still apply)")
        else:
            flags = block.get("PublicAccessBlockConfiguration", {})
            meta["publicAccessBlock"] = {k: bool(v) for k, v in flags.items()}
            meta["publicAccessBlocked"] = all(flags.get(k) for k in (
                "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"))
    tags = outcomes["tags"]
    if not failed("tags"):
        meta["tags"] = {} if isinstance(tags, BaseException) else {t["Key"]: t["Value"] for t in tags.get("TagSet", [])}
    if notes:
        meta["notes"] = notes
    if errors:
        meta["errors"] = errors
    return meta
