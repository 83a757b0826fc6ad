"""The OpenAPI 3.1 document of the routes, served at ``sm-lineage/openapi.json`` and checked by the tests.

The paths come from the operations' declarations (:mod:`jupyter_sm_lineage.operations`); this module
holds the result schemas they name.
"""

from __future__ import annotations

import functools
from typing import Any

from .._version import __version__
from ..operations import OPERATIONS


def _obj(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
NUMBER = {"type": "number"}
BOOL = {"type": "boolean"}
ANY_OBJECT = {"type": "object"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Error": _obj(["message", "reason"], message=STRING, reason=NULLABLE_STRING, parameter=STRING, action=STRING,
                  code=STRING, service=STRING, uri=STRING),
    "Health": _obj(["status", "version", "apiVersion"], status={"const": "ok"}, version=STRING,
                   apiVersion=STRING, service=ANY_OBJECT),
    "Regions": _array(STRING),
    "Execution": _obj(["arn", "status", "startTime", "parameters"], arn=STRING, displayName=NULLABLE_STRING,
                      status=NULLABLE_STRING, startTime=NULLABLE_STRING, endTime=NULLABLE_STRING,
                      elapsedSec={"type": ["number", "null"]}, failureReason=STRING,
                      parameters=_array(_obj(["name", "value"], name=STRING, value=NULLABLE_STRING))),
    "Compare": _obj(["region", "pipeline", "base", "head", "parameters", "steps", "datasets", "metrics", "summary"],
                    region=STRING, pipeline=STRING, mode={"const": "definition"}, base=ANY_OBJECT, head=ANY_OBJECT,
                    parameters=_array(_obj(["name", "base", "head"], name=STRING, base=NULLABLE_STRING,
                                           head=NULLABLE_STRING)),
                    steps=_array(_obj(["name", "change", "base", "head", "differences"], name=STRING,
                                      change={"enum": ["added", "removed", "changed", "same"]},
                                      base={"type": ["object", "null"]}, head={"type": ["object", "null"]},
                                      differences=_array(_obj(["field", "base", "head"], field=STRING)),
                                      statusFlip=ANY_OBJECT)),
                    datasets=_array(_obj(["step", "port", "direction", "base", "head", "schemaDiff", "changed"],
                                         step=STRING, port=STRING, direction={"enum": ["input", "output"]},
                                         base=NULLABLE_STRING, head=NULLABLE_STRING,
                                         schemaDiff={"type": ["object", "null"]}, changed=BOOL)),
                    metrics=_array(_obj(["step", "name", "base", "head", "delta"], step=STRING, name=STRING,
                                        delta={"type": ["number", "null"]})),
                    summary=_obj(["changedSteps", "changedParameters", "changedDatasets", "changedMetrics"],
                                 changedSteps={"type": "integer"}, changedParameters={"type": "integer"},
                                 changedDatasets={"type": "integer"}, changedMetrics={"type": "integer"})),
    "Trend": _obj(["region", "pipeline", "executions", "steps"], region=STRING, pipeline=STRING,
                  executions=_array(ANY_OBJECT), steps={"type": "object", "additionalProperties": _array(_obj(
                      ["execution", "status"], execution={"type": "integer"}, status=NULLABLE_STRING,
                      elapsedSec={"type": ["number", "null"]}))}),
    "Executions": _obj(["region", "pipeline", "executions", "nextToken"], region=STRING, pipeline=STRING,
                       executions=_array({"$ref": "#/components/schemas/Execution"}), nextToken=NULLABLE_STRING),
    "RegionError": _obj(["region", "message", "reason"], region=STRING, message=STRING, reason=STRING,
                        parameter=STRING, action=STRING, code=STRING, service=STRING),
    "LatestExecution": {"type": ["object", "null"], "properties": {
        "status": NULLABLE_STRING, "arn": NULLABLE_STRING, "startTime": NULLABLE_STRING,
        "lastModifiedTime": NULLABLE_STRING, "failureReason": STRING}},
    "PipelineEntry": _obj(["name", "arn", "tags", "matchedDomain"], name=STRING, arn=STRING, created=STRING,
                          tags={"type": "object", "additionalProperties": STRING},
                          matchedDomain={"type": ["object", "null"]}, latestExecution=_ref("LatestExecution")),
    "Pipelines": _obj(["regions", "errors"], regions=_array(_obj(["region", "pipelines"], region=STRING,
                                                                 pipelines=_array(_ref("PipelineEntry")))),
                      errors=_array(_ref("RegionError"))),
    "Overview": _obj(["regions", "totals", "errors"], regions=_array(_obj(
        ["region", "pipelineCount"], region=STRING, pipelineCount={"type": "integer"},
        latestExecutionStatus={"type": "object", "additionalProperties": {"type": "integer"}})),
        totals=ANY_OBJECT, errors=_array(_ref("RegionError"))),
    "Catalog": _obj(["pipelines", "errors"], pipelines=_array(ANY_OBJECT), errors=_array(_ref("RegionError"))),
    "Port": _obj(["name", "uri", "kind", "resolved"], name=STRING, uri=STRING, kind=STRING, resolved=BOOL,
                 template=STRING),
    "Node": _obj(["id", "type"], id=STRING, type=STRING, known=BOOL, inputs=_array(_ref("Port")),
                 outputs=_array(_ref("Port")), run=ANY_OBJECT, properties=ANY_OBJECT),
    "Edge": _obj(["from", "to", "via"], **{"from": STRING, "to": STRING, "via": {"enum": [
        "dependsOn", "property", "condition", "forEachBody", "input", "output"]}, "property": STRING,
        "branch": STRING}),
    "Artifact": _obj(["id", "uri", "kind", "producers", "consumers"], id={"type": "integer"}, uri=STRING,
                     kind=STRING, producers=_array(STRING), consumers=_array(STRING), s3=ANY_OBJECT,
                     schema=ANY_OBJECT),
    "Graph": _obj(["nodes", "edges", "artifacts"], nodes=_array(_ref("Node")), edges=_array(_ref("Edge")),
                  artifacts=_array(_ref("Artifact")), parameters=_array(ANY_OBJECT), warnings=_array(STRING)),
    "Summary": _obj(["overallStatus", "nodeStatus", "elapsedSec"], overallStatus=NULLABLE_STRING,
                    nodeStatus={"type": "object", "additionalProperties": {"type": "integer"}},
                    elapsedSec={"type": ["number", "null"]}),
    "Lineage": _obj(["region", "pipeline", "summary", "graph", "view"], region=STRING,
                    pipeline=_obj(["name"], name=STRING, arn=STRING), summary=_ref("Summary"),
                    graph=_ref("Graph"), view={"enum": ["pipeline", "data", "both"]}, execution=ANY_OBJECT),
    "ByDomain": _obj(["region", "domain", "pipelines", "crossPipelineEdges", "errors"], region=STRING,
                     domain=ANY_OBJECT, pipelines=_array(_ref("Lineage")), crossPipelineEdges=_array(ANY_OBJECT),
                     errors=_array(ANY_OBJECT)),
    "Schema": _obj(["ok", "dataset_id", "schema"], ok=BOOL, dataset_id=STRING, schema=_obj(
        ["format", "fields", "sampled_files", "meta"], format=STRING,
        fields={"type": "object", "additionalProperties": STRING}, sampled_files=_array(STRING), meta=ANY_OBJECT,
        conflicts=_array(ANY_OBJECT), errors=_array(ANY_OBJECT)),
        saved=_obj(["version", "policyHash", "createdAt"], version={"type": "integer"}, policyHash=STRING,
                   createdAt=STRING)),
    "Versions": _obj(["dataset_id", "versions"], dataset_id=STRING, versions=_array(_obj(
        ["version", "createdAt", "policyHash", "fields"], version={"type": "integer"}, createdAt=STRING,
        policyHash=STRING, fields=ANY_OBJECT)), errors=_array(ANY_OBJECT)),
    "Diff": _obj(["added", "removed", "retyped", "compatibility"], dataset_id=STRING, added=_array(ANY_OBJECT),
                 removed=_array(ANY_OBJECT), retyped=_array(ANY_OBJECT), compatibility={"enum": [
                     "identical", "backward", "breaking"]}),
    "FeatureGroups": _obj(["region", "featureGroups"], region=STRING, featureGroups=_array(_obj(
        ["name", "arn"], name=STRING, arn=STRING, status=NULLABLE_STRING))),
    "FeatureGroup": _obj(["name", "features", "recordIdentifier", "eventTimeFeature", "writers"], name=STRING,
                         features=_array(_obj(["name", "type"], name=STRING, type=STRING)),
                         recordIdentifier=STRING, eventTimeFeature=STRING, onlineStore={"type": ["object", "null"]},
                         offlineStore={"type": ["object", "null"]}, writers=_array(ANY_OBJECT)),
    "EventsPreview": _obj(["region", "pipeline", "count", "events"], region=STRING, pipeline=STRING,
                          executionArn=NULLABLE_STRING, count={"type": "integer"}, events=_array(ANY_OBJECT)),
    "EventsPush": _obj(["delivered", "spooled", "rejected", "errors", "ok"], delivered={"type": "integer"},
                       spooled={"type": "integer"}, rejected=_array(ANY_OBJECT), errors=_array(STRING), ok=BOOL,
                       executions=_array(STRING)),
    "EventsRequest": _obj([], region=STRING, pipeline=STRING, executions=STRING, includeSchemas=BOOL),
    "SqlRequest": _obj(["sql"], sql=STRING, dialect=STRING, schema=ANY_OBJECT),
    "SqlLineage": _obj(["sources", "targets", "columns", "errors"], sources=_array(STRING), targets=_array(STRING),
                       columns=_array(_obj(["source", "target", "type"], source=STRING, target=STRING,
                                           type={"enum": ["DIRECT", "INDIRECT"]}, subtype=STRING)),
                       errors=_array(ANY_OBJECT), statements=_array(ANY_OBJECT)),
}


@functools.lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The document, derived from the operations' declarations; paths are relative to ``{base_url}sm-lineage``."""
    paths: dict[str, Any] = {}
    for op in OPERATIONS.values():
        paths.setdefault("/" + op.path, {})[op.method.lower()] = op.openapi()
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter-sm-lineage", "version": __version__,
                 "description": "Data lineage for SageMaker Pipelines, served by a Jupyter server extension under "
                                "{base_url}sm-lineage/."},
        "servers": [{"url": "/sm-lineage"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization",
                                          "description": "token YOUR_JUPYTER_TOKEN"}},
        },
    }
