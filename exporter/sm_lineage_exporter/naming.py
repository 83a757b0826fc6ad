"""OpenLineage names for what a SageMaker lineage graph holds: jobs, runs and datasets.

Datasets follow the OpenLineage naming spec (https://openlineage.io/docs/spec/naming):

    S3 object or prefix   s3://{bucket}                               {key}  (no leading or trailing slash)
    Athena table          awsathena://athena.{region}.amazonaws.com   {catalog}.{database}.{table}
    Redshift table        redshift://{cluster}.{region}:5439          {database}.{schema}.{table}
    Glue table            arn:aws:glue:{region}:{account}             table/{database}/{table}  (symlinks only)

Athena, Redshift and Glue names come from openlineage-python's naming helpers
(``openlineage.client.naming.dataset``); the other kinds follow the same spec by hand.

Run IDs are UUIDs derived from the execution ARN (and the step name), so exporting the same
execution twice yields the same run IDs and Marquez upserts instead of duplicating.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from openlineage.client.naming import dataset as naming
from openlineage.client.uuid import generate_static_uuid

from jupyter_sm_lineage.core.datasets import is_s3, openlineage_name, split_s3
from jupyter_sm_lineage.core.times import iso as iso
from jupyter_sm_lineage.core.times import parse_time as parse_time

#: What Marquez accepts as a namespace name.
NAMESPACE_PATTERN = re.compile(r"^[a-zA-Z:;=/0-9_\-.@+]{1,1024}$")
ARN = re.compile(r"^arn:(?P<partition>aws[a-z\-]*):(?P<service>[a-z0-9\-]+):(?P<region>[a-z0-9\-]*):"
                 r"(?P<account>\d{12})?:(?P<resource>.+)$")
REDSHIFT_PORT = 5439
#: Namespace of feature groups whose offline store is not known (no describe at hand).
FEATURE_STORE_SCHEME = "sagemaker-featurestore"


@dataclass(frozen=True)
class DatasetName:
    """An OpenLineage dataset identity, plus what the name says about where it is stored."""

    namespace: str
    name: str
    #: ``s3``, ``athena``, ``redshift``, ``featurestore``, or the URI scheme for other datasets.
    platform: str


def job_namespace(account: str | None, region: str) -> str:
    """One job namespace per account and region: ``sagemaker://123456789012/ap-northeast-2``."""
    return f"sagemaker://{account or 'unknown-account'}/{region}"


def account_of(arn: str | None) -> str | None:
    match = ARN.match(arn or "")
    return match["account"] if match and match["account"] else None




def execution_run_id(execution_arn: str, started: Any) -> str:
    """The pipeline execution's run ID: a UUIDv7 on the execution's start, hashed from its ARN."""
    return str(generate_static_uuid(parse_time(started), execution_arn.encode("utf-8")))


def step_run_id(execution_arn: str, started: Any, step: str) -> str:
    """A step execution's run ID: time-ordered with its execution, unique per (execution ARN, step)."""
    return str(generate_static_uuid(parse_time(started), f"{execution_arn}#step={step}".encode()))


def static_run_id(*parts: str) -> str:
    """A UUIDv5 for runs that have no ARN (a SQL script export): same inputs, same run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sm-lineage:" + "\n".join(parts)))


def s3_dataset(uri: str) -> DatasetName | None:
    """``s3://bucket/key/`` -> (``s3://bucket``, ``key``); ``s3a``/``s3n`` read as ``s3``: the dataset identity
    of :mod:`jupyter_sm_lineage.core.datasets`, spelled as the OpenLineage naming spec asks."""
    if not is_s3(uri) or not split_s3(uri)[0]:
        return None
    namespace, name = openlineage_name(uri)
    return DatasetName(namespace, name, "s3")


def athena_dataset(uri: str, region: str) -> DatasetName | None:
    """``athena://{catalog}/{database}/{table or database.table}``."""
    split = _query_table_uri(uri)
    if split is None:
        return None
    catalog, database, pieces = split
    table = ".".join(pieces)
    if len(pieces) == 3:
        catalog, database, table = pieces
    elif len(pieces) == 2:
        database, table = pieces
    try:
        named = naming.Athena(region_name=region, catalog=catalog, database=database, table=table)
    except ValueError:  # a database (no table), or no region: outside the helper, same naming rule
        name = ".".join(p for p in (catalog, database, table) if p)
        return DatasetName(f"awsathena://athena.{region}.amazonaws.com", name, "athena")
    return DatasetName(named.get_namespace(), named.get_name(), "athena")


def redshift_dataset(uri: str, region: str) -> DatasetName | None:
    """``redshift://{cluster}/{database}/{schema.table}`` (schema ``public`` when unqualified)."""
    split = _query_table_uri(uri)
    if split is None:
        return None
    cluster, database, pieces = split
    if len(pieces) == 1:
        pieces = ["public", pieces[0]]
    elif len(pieces) == 3:
        database, pieces = pieces[0], pieces[1:]
    if len(pieces) == 2:
        try:
            named = naming.Redshift(cluster_identifier=cluster, region=region, port=str(REDSHIFT_PORT),
                                    database=database, schema=pieces[0], table=pieces[1])
            return DatasetName(named.get_namespace(), named.get_name(), "redshift")
        except ValueError:
            pass  # an empty part: outside the helper, same naming rule
    name = ".".join([database, *pieces])
    return DatasetName(f"redshift://{cluster}.{region}:{REDSHIFT_PORT}", name, "redshift")


def _query_table_uri(uri: str) -> tuple[str, str, list[str]] | None:
    """``kind://{where}/{database}[/{qualified.table}]`` -> (where, database, the table's dotted parts)."""
    parts = uri.split("://", 1)[1].split("/", 2)
    if len(parts) < 2:
        return None
    table = parts[2] if len(parts) > 2 else ""
    return parts[0], parts[1], table.split(".") if table else []


def glue_table(region: str, account: str | None, database: str, table: str) -> tuple[str, str]:
    """The Glue table's (namespace, name): kept in ``symlinks`` only (Marquez cannot address ARNs)."""
    named = naming.AWSGlue(region_name=region, account_id=account or "unknown-account", database_name=database,
                           table_name=table)
    return named.get_namespace(), named.get_name()


def dataset_for_uri(uri: str, kind: str, region: str, account: str | None) -> DatasetName | None:
    """The dataset a port's URI names, or None when it names no dataset (a placeholder, a bare name)."""
    if not uri or "{" in uri:
        return None
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme in ("s3", "s3a", "s3n"):
        return s3_dataset(uri)
    if scheme == "athena" or kind.startswith("athena"):
        return athena_dataset(uri, region) if scheme else None
    if scheme == "redshift" or kind.startswith("redshift"):
        return redshift_dataset(uri, region) if scheme else None
    if scheme == "featuregroup":
        group = uri.split("://", 1)[1].strip("/")
        return DatasetName(f"{FEATURE_STORE_SCHEME}://{account or 'unknown-account'}/{region}", group,
                           "featurestore") if group else None
    if scheme and re.match(r"^[a-z][a-z0-9+.\-]*$", scheme):
        authority, _, path = uri.split("://", 1)[1].partition("/")
        namespace = f"{scheme}://{authority}"
        if NAMESPACE_PATTERN.match(namespace):
            return DatasetName(namespace, path.strip("/") or "/", scheme)
    return None
