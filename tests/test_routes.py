"""Every route through a real Jupyter server (pytest-jupyter, base_url /a%40b/): answers, refusals, errors."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import referencing
import tornado.httpclient

from jupyter_sm_lineage.core.service import LineageService
from jupyter_sm_lineage.operations import OPERATIONS
from jupyter_sm_lineage.server.openapi import openapi_document
from tests.conftest import HOME

PIPELINE_QUERY = {"region": HOME, "pipeline": "mlops-pipeline", "includeLatestExec": "true"}
DATASET = ("datasets", "sm-lineage-demo-curated-123456789012", "churn", "validation", "schema")

# (path parts, query, service call giving the same answer, OpenAPI path)
ROUTES: list[tuple[tuple[str, ...], dict[str, str], Any, str]] = [
    (("health",), {}, lambda s: s.health(), "/health"),
    (("sagemaker", "pipelines"), {"regions": HOME, "includeLatestExec": "true"},
     lambda s: s.pipelines([HOME], include_latest_exec=True), "/sagemaker/pipelines"),
    (("sagemaker", "overview"), {"regions": HOME}, lambda s: s.overview([HOME]), "/sagemaker/overview"),
    (("sagemaker", "catalog"), {"regions": HOME}, lambda s: s.catalog([HOME]), "/sagemaker/catalog"),
    (("lineage",), PIPELINE_QUERY,
     lambda s: s.lineage(HOME, "mlops-pipeline", include_latest_exec=True), "/lineage"),
    (("lineage", "by-domain"), {"region": HOME, "domain": "studio-a"},
     lambda s: s.lineage_by_domain(HOME, "studio-a"), "/lineage/by-domain"),
    (DATASET, {"region": HOME}, lambda s: s.dataset_schema("sm-lineage-demo-curated-123456789012",
                                                           "churn/validation", HOME),
     "/datasets/{bucket}/{prefix}/schema"),
    ((*DATASET, "versions"), {"region": HOME},
     lambda s: s.schema_versions("sm-lineage-demo-curated-123456789012", "churn/validation", HOME),
     "/datasets/{bucket}/{prefix}/schema/versions"),
    (("featurestore", "feature-groups"), {"region": HOME}, lambda s: s.feature_groups(HOME),
     "/featurestore/feature-groups"),
    (("featurestore", "feature-groups", "customers"), {"region": HOME}, lambda s: s.feature_group(HOME, "customers"),
     "/featurestore/feature-groups/{name}"),
    (("sagemaker", "regions"), {}, lambda s: s.regions(), "/sagemaker/regions"),
    (("sagemaker", "executions"), {"region": HOME, "pipeline": "mlops-pipeline", "limit": "3"},
     lambda s: s.executions(HOME, "mlops-pipeline", limit=3), "/sagemaker/executions"),
    (("lineage", "compare"), {"region": HOME, "pipeline": "mlops-pipeline"},
     lambda s: s.compare(HOME, "mlops-pipeline"), "/lineage/compare"),
    (("lineage", "trend"), {"region": HOME, "pipeline": "mlops-pipeline", "limit": "4"},
     lambda s: s.trend(HOME, "mlops-pipeline", limit=4), "/lineage/trend"),
]


@pytest.fixture
def jp_server_config(emulator: Any, tmp_path: Any) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_sm_lineage": True}},
        "LineageExtensionApp": {"default_regions": [HOME], "schema_store": str(tmp_path / "schemas.sqlite3")},
    }


def _validator(path: str, method: str = "get", status: str = "200") -> jsonschema.protocols.Validator:
    document = openapi_document()
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    resource = referencing.Resource.from_contents(document, default_specification=referencing.jsonschema.DRAFT202012)
    registry = referencing.Registry().with_resource("urn:openapi", resource)
    return jsonschema.Draft202012Validator({"$ref": "urn:openapi#" + schema["$ref"][1:]}, registry=registry)


async def _get(jp_fetch: Any, parts: tuple[str, ...], query: dict[str, str], **kwargs: Any) -> Any:
    return await jp_fetch("sm-lineage", *parts, params=query, **kwargs)


@pytest.mark.parametrize(("parts", "query", "call", "path"), ROUTES, ids=[r[3] for r in ROUTES])
async def test_route_answers_what_the_service_answers_in_process(
    jp_fetch: Any, service: LineageService, parts: tuple[str, ...], query: dict[str, str], call: Any, path: str
) -> None:
    response = await _get(jp_fetch, parts, query)
    assert response.code == 200
    body = json.loads(response.body)
    _validator(path).validate(body)
    if path == "/health":  # the route adds the state of the service process it asked
        assert body.pop("service")["alive"] is True
    expected = json.loads(json.dumps(call(service), default=str))
    assert _without_volatile(body) == _without_volatile(expected)


async def test_sql_lineage_route(jp_fetch: Any, service: LineageService) -> None:
    request = {"sql": "INSERT INTO mart.daily SELECT o.day, sum(o.amount) AS total FROM sales.orders o GROUP BY o.day",
               "dialect": "athena"}
    response = await jp_fetch("sm-lineage", "sql", "lineage", method="POST", body=json.dumps(request))
    body = json.loads(response.body)
    _validator("/sql/lineage", "post").validate(body)
    assert body["sources"] == ["sales.orders"] and body["targets"] == ["mart.daily"]
    assert body == service.sql_lineage(request["sql"], "athena")


async def test_schema_save_versions_and_diff_routes(jp_fetch: Any, emulator: Any) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    s3 = emulator.client("s3", HOME)
    bucket, key = "sm-lineage-demo-raw-123456789012", "routes-test/table/part-0.parquet"
    parts = ("datasets", bucket, "routes-test", "table", "schema")
    for version, table in enumerate([pa.table({"a": [1]}), pa.table({"a": [1], "b": ["x"]})], start=1):
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
        response = await _get(jp_fetch, parts, {"region": HOME, "save": "true", "policy": '{"owner": "ml"}'})
        assert json.loads(response.body)["saved"]["version"] == version
    versions = json.loads((await _get(jp_fetch, (*parts, "versions"), {"region": HOME})).body)["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    diff = json.loads((await _get(jp_fetch, (*parts, "diff"), {"region": HOME, "from": "1", "to": "2"})).body)
    _validator("/datasets/{bucket}/{prefix}/schema/diff").validate(diff)
    assert diff["compatibility"] == "backward" and [f["field"] if isinstance(f, dict) else f for f in diff["added"]]


async def test_openapi_document_is_served(jp_fetch: Any) -> None:
    body = json.loads((await jp_fetch("sm-lineage", "openapi.json")).body)
    assert body == json.loads(json.dumps(openapi_document()))
    assert "/lineage" in body["paths"]


SAMPLE_PATH = {"bucket": "sm-lineage-demo-curated-123456789012", "prefix": "churn/validation", "name": "customers"}
# Every declared operation (so a route added later is covered too), and the OpenAPI document.
ALL_ROUTES = [("GET", ("openapi.json",))] + [
    (op.method, tuple(op.path.format(**SAMPLE_PATH).split("/"))) for op in OPERATIONS.values()]


@pytest.mark.parametrize(("method", "parts"), ALL_ROUTES, ids=["/".join(p) for _, p in ALL_ROUTES])
async def test_every_route_refuses_an_unauthenticated_request(jp_fetch: Any, method: str,
                                                              parts: tuple[str, ...]) -> None:
    kwargs: dict[str, Any] = {"method": method, "headers": {"Authorization": ""}}
    if method == "POST":
        kwargs["body"] = json.dumps({"sql": "select 1"})
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", *parts, params={"region": HOME}, **kwargs)
    assert info.value.code == 403


async def test_post_without_xsrf_or_token_is_refused(jp_fetch: Any, jp_base_url: str, http_server_client: Any) -> None:
    # A browser-style POST (cookie-less, no token, no XSRF) must not reach the handler.
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await http_server_client.fetch(f"{jp_base_url}sm-lineage/sql/lineage", method="POST",
                                       body=json.dumps({"sql": "select 1"}))
    assert info.value.code == 403


@pytest.mark.parametrize(
    ("parts", "query", "status", "parameter"),
    [
        (("lineage",), {"pipeline": "mlops-pipeline"}, 400, "region"),
        (("lineage",), {"region": "Seoul", "pipeline": "mlops-pipeline"}, 400, "region"),
        (("lineage",), {"region": HOME, "pipeline": "bad name!"}, 400, "pipeline"),
        (("lineage",), {"region": HOME, "pipeline": "mlops-pipeline", "view": "sideways"}, 400, "view"),
        (("lineage",), {"region": HOME, "pipeline": "mlops-pipeline", "includeLatestExec": "maybe"}, 400,
         "includeLatestExec"),
        (("lineage",), {"region": HOME, "pipeline": "mlops-pipeline", "executionArn": "arn:x"}, 400, "executionArn"),
        (("lineage",), {"region": HOME, "pipeline": "mlops-pipeline", "profile": "dev"}, 400, "profile"),
        (("lineage",), {"region": HOME, "pipeline": "no-such-pipeline"}, 404, None),
        (("lineage", "by-domain"), {"region": HOME, "domain": "studio-z"}, 404, None),
        (("sagemaker", "pipelines"), {"regions": "us-east-1,nowhere"}, 400, "regions"),
        (("datasets", "Bad_Bucket", "x", "schema"), {"region": HOME}, 400, "bucket"),
        (("datasets", "ok-bucket", "a", "..", "b", "schema"), {"region": HOME}, 400, "prefix"),
        (("datasets", "no-such-bucket-anywhere", "x", "schema"), {"region": HOME}, 404, None),
        (DATASET, {"region": HOME, "save": "true", "policy": "[1]"}, 400, "policy"),
        (DATASET, {"region": HOME, "save": "true", "policy": json.dumps({"k": "v" * 17000})}, 400, "policy"),
        ((*DATASET, "diff"), {"region": HOME, "from": "one", "to": "2"}, 400, "from"),
        ((*DATASET, "diff"), {"region": HOME, "from": "1"}, 400, "to"),
        (("featurestore", "feature-groups", "nope"), {"region": HOME}, 404, None),
        (("featurestore", "feature-groups"), {}, 400, "region"),
    ],
)
async def test_errors_map_to_status_codes_with_a_json_message(jp_fetch: Any, parts: tuple[str, ...],
                                                              query: dict[str, str], status: int,
                                                              parameter: str | None) -> None:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await _get(jp_fetch, parts, query)
    assert info.value.code == status
    body = json.loads(info.value.response.body)
    _validator("/lineage", status=str(status)).validate(body)
    assert body["message"] and body["reason"]
    if parameter:
        assert body["parameter"] == parameter and parameter in body["message"]


@pytest.mark.parametrize(
    ("body", "parameter"),
    [("not json", "body"), ("[1]", "body"), (json.dumps({"sql": ""}), "sql"),
     (json.dumps({"sql": "select 1", "dialect": "klingon"}), "dialect"),
     (json.dumps({"sql": "select 1 " + "x" * (1024 * 1024)}), "sql")],
)
async def test_bad_sql_requests_are_400(jp_fetch: Any, body: str, parameter: str) -> None:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", "sql", "lineage", method="POST", body=body)
    assert info.value.code == 400
    assert json.loads(info.value.response.body)["parameter"] == parameter


def _without_volatile(value: Any) -> Any:
    """Elapsed time of a running execution grows between two calls; everything else must be identical."""
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in ("elapsedSec", "createdAt", "created")}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


async def test_a_service_process_that_died_is_replaced(jp_fetch: Any, jp_serverapp: Any) -> None:
    backend = jp_serverapp.web_app.settings["sm_lineage_backend"]
    first = await jp_fetch("sm-lineage", "sagemaker", "catalog", params={"regions": HOME})
    assert first.code == 200
    # Given the service process is gone (killed, out of memory, ...)
    backend._process.kill()
    backend._process.join(timeout=30)
    # When the next request comes, then a new process answers it
    again = await jp_fetch("sm-lineage", "sagemaker", "catalog", params={"regions": HOME})
    assert again.code == 200 and json.loads(again.body) == json.loads(first.body)
    assert backend._process.is_alive()


async def test_a_request_without_credentials_is_told_how_to_authenticate(jp_fetch: Any) -> None:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", "lineage", params={"region": HOME}, headers={"Authorization": ""})
    assert info.value.code == 403
    body = json.loads(info.value.response.body)
    assert "Authorization: token" in body["message"] and body["reason"] == "not_authenticated"


@pytest.mark.parametrize("parts", [("nope",), ("lineage", "nope"), ("datasets",), ("sagemaker", "pipelines", "x")])
async def test_an_unknown_path_is_a_json_404(jp_fetch: Any, parts: tuple[str, ...]) -> None:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", *parts)
    assert info.value.code == 404
    body = json.loads(info.value.response.body)
    assert body["type"] == "NotFound" and "openapi.json" in body["message"]


async def test_health_states_the_seed_api_level_and_the_service_process(jp_fetch: Any) -> None:
    body = json.loads((await jp_fetch("sm-lineage", "health")).body)
    assert body["apiVersion"] == "1.4.0" and body["version"]
    assert body["service"]["mode"] == "process" and body["service"]["alive"] is True


async def test_a_method_the_path_does_not_declare_is_a_405(jp_fetch: Any) -> None:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", "lineage", method="POST", body=json.dumps({"region": HOME}))
    assert info.value.code == 405 and info.value.response.headers["Allow"] == "GET"
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("sm-lineage", "sql", "lineage", params={"sql": "select 1"})
    assert info.value.code == 405
