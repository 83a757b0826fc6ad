"""A LineageService that raises on demand, for the error model's round trip (served with
``--LineageExtensionApp.service_class=tests.contract_service:RaisingService``)."""

from __future__ import annotations

from typing import Any

from jupyter_sm_lineage.core.errors import LineageError
from jupyter_sm_lineage.core.service import LineageService

#: Every field of every error class, set, so that a lost field shows.
FIELD_VALUES = {"parameter": "name", "action": "sagemaker:DescribeFeatureGroup", "code": "SomeCode",
                "service": "sagemaker", "uri": "s3://bucket/key"}


def sample_error(kind: str) -> LineageError:
    cls = LineageError.by_name[kind]
    fields = {name: FIELD_VALUES[name] for name in cls.fields}
    return cls(f"{kind} raised on purpose", reason=f"{kind.lower()}_reason", **fields)


class RaisingService(LineageService):
    """``feature_group(region, NAME)`` raises the error class NAME with every field set; the catalog of a
    region raises AccessDenied."""

    def feature_group(self, region: str, name: str) -> dict[str, Any]:
        if name in LineageError.by_name:
            raise sample_error(name)
        return super().feature_group(region, name)

    def _region_catalog(self, region: str, *args: Any) -> dict[str, Any]:
        raise sample_error("AccessDenied")


def echo(service: LineageService, word: str, times: int = 1, loud: bool = False) -> dict[str, Any]:
    """An operation that exists only in a test (declared there), to prove a declaration is enough."""
    text = " ".join([word] * times)
    return {"echo": text.upper() if loud else text, "version": service.health()["version"]}


class NanService(LineageService):
    """``health`` carries the non-finite numbers an AWS metric can hold."""

    def health(self) -> dict[str, Any]:
        return {**super().health(), "metrics": {"loss": float("nan"), "auc": [0.9, float("inf")]}}
