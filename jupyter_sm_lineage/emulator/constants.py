"""The demo world's fixed names: account, regions, role, buckets. Declared here once, imported everywhere.

A leaf module (no imports from the package, no moto), so the server, the world, the datasets and the
feature groups can all use it without importing one another.
"""

from __future__ import annotations

ACCOUNT_ID = "123456789012"
REGIONS = ("ap-northeast-2", "us-east-1")
#: The region most of the demo world lives in (buckets, domains studio-a/studio-b, most pipelines).
HOME = REGIONS[0]

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/SageMakerExecutionRole"
FEATURESTORE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/sm-lineage-demo-featurestore"

RAW_BUCKET = f"sm-lineage-demo-raw-{ACCOUNT_ID}"
CURATED_BUCKET = f"sm-lineage-demo-curated-{ACCOUNT_ID}"
MODELS_BUCKET = f"sm-lineage-demo-models-{ACCOUNT_ID}"
FEATURESTORE_BUCKET = f"sm-lineage-demo-featurestore-{ACCOUNT_ID}"
#: The SageMaker SDK's default bucket per region (uploaded code lives there).
SDK_BUCKETS = {region: f"sagemaker-{region}-{ACCOUNT_ID}" for region in REGIONS}

#: Dummy credentials: moto accepts anything, and boto3/pyarrow refuse to sign without some.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

#: What to tell someone who runs the emulator without its extra installed.
INSTALL_HINT = "pip install 'jupyter-sm-lineage[emulator]'"
