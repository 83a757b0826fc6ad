"""What moto lacks, added the way moto dispatches: a ``SageMakerResponse`` method named after the action.

moto 5.2 has no ListPipelineExecutionSteps, ListFeatureGroups or ListUserProfiles, ignores
SortOrder/MaxResults/NextToken on ListPipelineExecutions and always answers an empty FailureReason.
The methods below answer those actions from :data:`STATE` (seeded by :mod:`.world`) and moto's own
backends, in the shapes of botocore's service model, which moto serialises.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse


@dataclass
class RegionState:
    """Seeded facts moto does not model, for one account and region."""

    # execution ARN -> PipelineExecutionStep dicts (botocore shape)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # execution ARN -> extra DescribePipelineExecution members (FailureReason, times, ...)
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # UserProfile summaries (botocore shape)
    user_profiles: list[dict[str, Any]] = field(default_factory=list)
    # feature group name -> extra DescribeFeatureGroup members (OnlineStoreConfig, status, ...)
    feature_groups: dict[str, dict[str, Any]] = field(default_factory=dict)


class EmulatorState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._regions: dict[tuple[str, str], RegionState] = defaultdict(RegionState)

    def region(self, account_id: str, region: str) -> RegionState:
        with self._lock:
            return self._regions[(account_id, region)]

    def clear(self) -> None:
        with self._lock:
            self._regions.clear()


STATE = EmulatorState()


def _page(items: list[Any], params: dict[str, Any], default_max: int = 50, limit: int = 100) -> dict[str, Any]:
    """Cut ``items`` into a page by MaxResults/NextToken (an offset), like the service's List* calls."""
    max_results = params.get("MaxResults") or default_max
    if not 1 <= int(max_results) <= limit:
        raise ValidationError(f"MaxResults must be between 1 and {limit}")
    token = params.get("NextToken")
    try:
        start = int(token) if token else 0
    except ValueError as exc:
        raise ValidationError("Invalid pagination token") from exc
    end = start + int(max_results)
    page: dict[str, Any] = {"items": items[start:end]}
    if end < len(items):
        page["NextToken"] = str(end)
    return page


def _sorted(items: list[dict[str, Any]], key: str, order: str | None, default: str = "Descending") -> list[Any]:
    reverse = (order or default) == "Descending"
    return sorted(items, key=lambda item: item.get(key) or datetime.min, reverse=reverse)


def _state(self: SageMakerResponse) -> RegionState:
    return STATE.region(self.current_account, self.region)


def list_pipeline_execution_steps(self: SageMakerResponse) -> ActionResult:
    arn = self._get_param("PipelineExecutionArn")
    # Raises ResourceNotFound for an unknown execution, as the service does.
    self.sagemaker_backend.describe_pipeline_execution(arn)
    steps = _sorted(list(_state(self).steps.get(arn, [])), "StartTime", self._get_param("SortOrder"))
    page = _page(steps, self._get_params(), default_max=50, limit=100)
    result: dict[str, Any] = {"PipelineExecutionSteps": page["items"]}
    if "NextToken" in page:
        result["NextToken"] = page["NextToken"]
    return ActionResult(result)


def list_pipeline_executions(self: SageMakerResponse) -> ActionResult:
    from moto.sagemaker.utils import get_pipeline_from_name

    pipeline = get_pipeline_from_name(self.sagemaker_backend.pipelines, self._get_param("PipelineName"))
    extra = _state(self).executions
    summaries = []
    for arn, execution in pipeline.pipeline_executions.items():
        summary = {
            "PipelineExecutionArn": arn,
            "StartTime": execution.start_time,
            "PipelineExecutionStatus": execution.pipeline_execution_status,
            "PipelineExecutionDisplayName": execution.pipeline_execution_display_name,
        }
        if execution.pipeline_execution_description:
            summary["PipelineExecutionDescription"] = execution.pipeline_execution_description
        reason = extra.get(arn, {}).get("FailureReason")
        if reason:
            summary["PipelineExecutionFailureReason"] = reason
        summaries.append(summary)
    # Executions start when they are created: both SortBy values order by StartTime here.
    summaries = _sorted(summaries, "StartTime", self._get_param("SortOrder"))
    page = _page(summaries, self._get_params(), default_max=50, limit=100)
    result: dict[str, Any] = {"PipelineExecutionSummaries": page["items"]}
    if "NextToken" in page:
        result["NextToken"] = page["NextToken"]
    return ActionResult(result)


def describe_pipeline_execution(self: SageMakerResponse) -> ActionResult:
    arn = self._get_param("PipelineExecutionArn")
    response = dict(self.sagemaker_backend.describe_pipeline_execution(arn))
    extra = _state(self).executions.get(arn, {})
    response.update(extra)
    if not response.get("FailureReason"):
        response.pop("FailureReason", None)
    return ActionResult(response)


def list_feature_groups(self: SageMakerResponse) -> ActionResult:
    contains = (self._get_param("NameContains") or "").lower()
    extra = _state(self).feature_groups
    summaries = []
    for group in self.sagemaker_backend.feature_groups.values():
        if contains and contains not in group.feature_group_name.lower():
            continue
        more = extra.get(group.feature_group_name, {})
        summaries.append(
            {
                "FeatureGroupName": group.feature_group_name,
                "FeatureGroupArn": group.arn,
                "CreationTime": group.creation_time,
                "FeatureGroupStatus": more.get("FeatureGroupStatus", "Created"),
                "OfflineStoreStatus": {"Status": more.get("OfflineStoreStatus", "Active")},
            }
        )
    sort_by = self._get_param("SortBy") or "CreationTime"
    key = {"Name": "FeatureGroupName", "FeatureGroupStatus": "FeatureGroupStatus"}.get(sort_by, "CreationTime")
    descending = (self._get_param("SortOrder") or "Descending") == "Descending"
    summaries = sorted(summaries, key=lambda s: s[key], reverse=descending)
    page = _page(summaries, self._get_params(), default_max=10, limit=100)
    result: dict[str, Any] = {"FeatureGroupSummaries": page["items"]}
    if "NextToken" in page:
        result["NextToken"] = page["NextToken"]
    return ActionResult(result)


def describe_feature_group(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("FeatureGroupName")
    groups = self.sagemaker_backend.feature_groups.values()
    if not any(g.feature_group_name.lower() == str(name).lower() for g in groups):
        raise ResourceNotFound(f"Resource Not Found: FeatureGroup {name} does not exist.")
    response = dict(self.sagemaker_backend.describe_feature_group(feature_group_name=name))
    response.update(_state(self).feature_groups.get(response["FeatureGroupName"], {}))
    response.pop("OfflineStoreStatus", None)
    status = _state(self).feature_groups.get(response["FeatureGroupName"], {}).get("OfflineStoreStatus")
    if status:
        response["OfflineStoreStatus"] = {"Status": status}
    return ActionResult(response)


def list_user_profiles(self: SageMakerResponse) -> ActionResult:
    domain_id = self._get_param("DomainIdEquals")
    contains = self._get_param("UserProfileNameContains") or ""
    profiles = [
        p for p in _state(self).user_profiles
        if (not domain_id or p["DomainId"] == domain_id) and contains in p["UserProfileName"]
    ]
    page = _page(profiles, self._get_params(), default_max=10, limit=100)
    result: dict[str, Any] = {"UserProfiles": page["items"]}
    if "NextToken" in page:
        result["NextToken"] = page["NextToken"]
    return ActionResult(result)


_ACTIONS = {
    "list_pipeline_execution_steps": list_pipeline_execution_steps,
    "list_pipeline_executions": list_pipeline_executions,
    "describe_pipeline_execution": describe_pipeline_execution,
    "list_feature_groups": list_feature_groups,
    "describe_feature_group": describe_feature_group,
    "list_user_profiles": list_user_profiles,
}


def install() -> None:
    """Add the actions to moto's SageMakerResponse (idempotent)."""
    for name, function in _ACTIONS.items():
        setattr(SageMakerResponse, name, function)
