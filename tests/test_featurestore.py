"""Feature groups from the emulator (listed across pages, described) and the steps that write to them."""

from __future__ import annotations

import pytest

from jupyter_sm_lineage.core.errors import NotFound
from jupyter_sm_lineage.core.featurestore import describe_feature_group, list_feature_groups, writers_of
from jupyter_sm_lineage.emulator.featurestore import FEATURESTORE_BUCKET

SEOUL, VIRGINIA = "ap-northeast-2", "us-east-1"


@pytest.mark.parametrize("page_size", [1, 2, 100])
def test_list_reads_every_page(emulator, page_size):
    # Given the groups the demo world seeded (emulator/featurestore.py) in both regions
    for region in (SEOUL, VIRGINIA):
        expected = emulator.world.feature_groups[region]

        groups = list_feature_groups(emulator.client("sagemaker", region), page_size=page_size)

        names = [g.name for g in groups]
        assert len(names) == len(set(names))
        assert set(expected) <= set(names)


def test_list_per_region_with_status(emulator):
    groups = {g.name: g.to_dict() for g in list_feature_groups(emulator.client("sagemaker", SEOUL))}

    assert {"customers", "transactions", "user_profiles", "churn-labels"} <= set(groups)
    assert groups["churn-labels"]["status"] == "Creating"
    assert groups["churn-labels"]["offlineStoreStatus"] == "Blocked"
    assert groups["customers"]["creationTime"] == "2025-01-03T09:00:00Z"
    created = [g["creationTime"] for g in groups.values()]
    assert created == sorted(created, reverse=True)


def test_describe_customers(emulator):
    group = describe_feature_group(emulator.client("sagemaker", SEOUL), "customers").to_dict()

    assert group["recordIdentifier"] == "customer_id"
    assert group["eventTimeFeature"] == "event_time"
    assert {"name": "recent_products", "type": "String", "collectionType": "List"} in group["features"]
    assert group["offlineStore"]["s3Uri"] == f"s3://{FEATURESTORE_BUCKET}/offline/"
    assert group["offlineStore"]["tableFormat"] == "Iceberg"
    assert group["offlineStore"]["glueTable"] == {
        "catalog": "AwsDataCatalog",
        "database": "sagemaker_featurestore",
        "table": "customers_1735894800",
    }
    assert group["onlineStore"]["enabled"] is True
    assert set(group["kmsKeys"]) == {"online", "offline"}
    assert group["status"] == "Created"


def test_describe_offline_only_and_online_groups(emulator):
    client = emulator.client("sagemaker", VIRGINIA)

    transactions = describe_feature_group(client, "transactions").to_dict()
    profiles = describe_feature_group(client, "user_profiles").to_dict()

    assert transactions["onlineStore"] is None
    assert transactions["offlineStore"]["tableFormat"] == "Glue"
    assert profiles["onlineStore"] == {
        "enabled": True,
        "storageType": "InMemory",
        "kmsKeyId": None,
        "ttl": None,
    }


def test_describe_unknown_group_is_not_found(emulator):
    with pytest.raises(NotFound):
        describe_feature_group(emulator.client("sagemaker", SEOUL), "nope")


GRAPHS = [
    {
        "pipeline": "churn",
        "graph": {
            "nodes": [
                {
                    "id": "Preprocess",
                    "type": "Processing",
                    "outputs": ["s3://fs/offline/customers/year=2025/"],
                },
                {"id": "Train", "type": "Training", "outputs": ["s3://fs/models/"]},
                {
                    "id": "Ingest",
                    "type": "Processing",
                    "outputs": [{"uri": "s3://fs/offline"}, "s3://fs/offline-old/",
                                {"uri": "featuregroup://customers", "kind": "feature-group"}],
                },
            ]
        },
    },
    {
        "pipeline": "other",
        "graph": {"nodes": [{"id": "Root", "type": "Processing", "outputs": ["s3://fs/"]},
                            {"id": "Doubled", "type": "Processing", "outputs": ["s3://fs//offline//orders/x/"]}]},
    },
]


@pytest.mark.parametrize(
    ("group", "offline_uri", "steps"),
    [
        # Under the group's store, or a FeatureStoreOutput naming it; never a parent prefix of every group.
        ("customers", "s3://fs/offline/customers/", [("churn", "Preprocess"), ("churn", "Ingest")]),
        ("customers", "s3://fs/offline/customers", [("churn", "Preprocess"), ("churn", "Ingest")]),
        ("customers", None, [("churn", "Ingest")]),
        ("transactions", "s3://fs/offline/transactions/", []),
        ("models", "s3://fs/models/xgb", []),
        ("legacy", "s3://fs/offline-old", [("churn", "Ingest")]),
        ("orders", "s3://fs/offline/orders/", [("other", "Doubled")]),
        ("elsewhere", "s3://elsewhere/offline/", []),
    ],
)
def test_writers_of_are_feature_store_outputs_and_outputs_on_or_under_the_store(group, offline_uri, steps):
    assert [(w["pipeline"], w["step"]) for w in writers_of(group, offline_uri, GRAPHS)] == steps


def test_demo_feature_groups_have_only_their_own_writers(service):
    groups = [g["name"] for g in service.feature_groups(SEOUL)["featureGroups"]]
    writers = {name: [w["step"] for w in service.feature_group(SEOUL, name)["writers"]] for name in groups}
    # IngestFeatures writes the parent offline/ prefix of every group, but feeds only customers.
    assert writers["customers"] == ["IngestFeatures"]
    assert all("IngestFeatures" not in steps for name, steps in writers.items() if name != "customers")
