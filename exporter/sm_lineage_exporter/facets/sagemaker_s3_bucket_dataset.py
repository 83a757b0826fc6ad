"""``sagemaker_s3Bucket`` dataset facet: how the bucket holding an S3 dataset is protected."""

from __future__ import annotations

import attr
from openlineage.client.facet_v2 import DatasetFacet

from .schema_url import schema_url


@attr.define
class SageMakerS3BucketDatasetFacet(DatasetFacet):
    """The bucket's region, default encryption, KMS key, versioning and public access block."""

    bucket: str
    region: str | None = attr.field(default=None)
    #: ``AES256``, ``aws:kms``, ``aws:kms:dsse``; None when no default encryption is configured.
    encryption: str | None = attr.field(default=None)
    kmsKeyId: str | None = attr.field(default=None)
    bucketKeyEnabled: bool | None = attr.field(default=None)
    versioning: str | None = attr.field(default=None)
    publicAccessBlocked: bool | None = attr.field(default=None)
    publicAccessBlock: dict[str, bool] | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("SageMakerS3BucketDatasetFacet")
