"""SchemaViewer: a dataset's fields and types, sampled files, and its saved versions with their diffs.

Given a client and the dataset, it also saves the sampled schema as a new version (with a policy) and diffs
any two versions through the service, which classifies the change (compatible, widening, breaking ...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import ipywidgets as widgets

from ..core.errors import LineageError
from ..core.schema.diff import diff_fields
from . import live
from .html import diff_html, error_html, note_html, schema_html, table


class SchemaViewer(widgets.VBox):
    """A schema (``dataset_schema`` answer, or a bare ``{format, fields, ...}``) and its version history.

    Attributes
    ----------
    schema : dict
        The schema answer shown.
    versions : list of dict
        Saved versions, newest first (``schema_versions()["versions"]``); empty when none are known.
    base, version : ipywidgets.Dropdown
        The two versions compared: the diff panel shows what changed from ``base`` to ``version``.
    policy : ipywidgets.Text
        A JSON object stored with the next saved version (with a client).
    save : ipywidgets.Button
        Samples the dataset again and saves its schema as a version (with a client).
    """

    def __init__(
        self,
        schema: Mapping[str, Any],
        versions: Mapping[str, Any] | list[Any] | None = None,
        client: Any = None,
        dataset: tuple[str, str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``client`` and ``dataset`` (bucket, prefix, region) enable saving and the service's diff."""
        self.schema = (
            dict(schema) if "schema" in schema else {"dataset_id": schema.get("dataset_id", ""), "schema": dict(schema)}
        )
        if isinstance(versions, Mapping):
            versions = versions.get("versions") or []
        self.versions: list[dict[str, Any]] = [dict(v) for v in versions or []]
        self.client = client
        self.dataset = dataset
        self.header = widgets.HTML(schema_html(self.schema))
        self.base = widgets.Dropdown(description="from", options=[], layout=widgets.Layout(width="48%"),
                                     style={"description_width": "36px"})
        self.version = widgets.Dropdown(description="to", options=[], layout=widgets.Layout(width="48%"),
                                        style={"description_width": "24px"})
        self.base.add_class("sml-version-from")
        self.version.add_class("sml-version-to")
        self.pickers = widgets.HBox([self.base, self.version], layout=widgets.Layout(flex_flow="row wrap"))
        self.version_panel = widgets.HTML()
        self.version_panel.add_class("sml-version-panel")
        self.policy = widgets.Text(placeholder='policy, e.g. {"owner": "ml"}', layout=widgets.Layout(width="auto",
                                                                                                     flex="1 1 auto"))
        self.policy.add_class("sml-policy")
        self.save = widgets.Button(description="Save as version", icon="save", tooltip="sample again and save",
                                   layout=widgets.Layout(width="auto", flex="0 0 auto"))
        self.save.add_class("sml-save-version")
        self.save_row = widgets.HBox([self.policy, self.save], layout=widgets.Layout(width="100%",
                                                                                     flex_flow="row wrap"))
        self.message = widgets.HTML()
        self.message.add_class("sml-schema-message")
        super().__init__(children=[self.header], **kwargs)
        self.header.value = live.marker(self) + schema_html(self.schema)
        self.add_class("sml-schema-viewer")
        self._updating = False
        self.base.observe(self._picked, "value")
        self.version.observe(self._picked, "value")
        self.save.on_click(lambda _: self.save_version())
        self.set_versions(self.versions)

    @property
    def can_save(self) -> bool:
        return self.client is not None and self.dataset is not None

    def set_versions(self, versions: list[dict[str, Any]]) -> None:
        self.versions = [dict(v) for v in versions]
        tail = [self.save_row, self.message] if self.can_save else []
        if not self.versions:
            self._updating = True
            try:
                self.base.options = []
                self.version.options = []
            finally:
                self._updating = False
            how = "Save this schema" + ("" if self.can_save else " (%lineage schema URI --save)")
            self.version_panel.value = note_html(f"No saved versions: {how} to start its history.")
            self.children = [self.header, *tail, self.version_panel]
            return
        options = [
            (f"v{v['version']} \u00b7 {str(v.get('createdAt', ''))[:19]}", int(v["version"])) for v in self.versions
        ]
        self._updating = True
        try:
            self.base.options = options
            self.version.options = options
            self.version.value = int(self.versions[0]["version"])
            self.base.value = int(self.versions[1]["version"]) if len(self.versions) > 1 else self.version.value
        finally:
            self._updating = False
        self.children = [self.header, *tail, self.pickers, self.version_panel]
        self._show()

    def _picked(self, change: Mapping[str, Any]) -> None:
        if not self._updating and change["new"] is not None:
            self._show()

    def save_version(self) -> dict[str, Any] | None:
        """Sample the dataset again and save its schema as a version with the policy typed in."""
        if not self.can_save:
            return None
        bucket, prefix, region = self.dataset  # type: ignore[misc]
        text = (self.policy.value or "").strip()
        try:
            policy = json.loads(text) if text else None
            if policy is not None and not isinstance(policy, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            self.message.value = error_html(f'The policy must be a JSON object, e.g. {{"owner": "ml"}} ({exc}).')
            return None
        try:
            answer = self.client.dataset_schema(bucket, prefix, region, save=True, policy=policy)
            versions = self.client.schema_versions(bucket, prefix, region)
        except LineageError as exc:
            self.message.value = error_html(f"Cannot save the schema: {exc.message}")
            return None
        self.schema = dict(answer)
        self.header.value = live.marker(self) + schema_html(self.schema)
        saved = answer.get("saved") or {}
        state = "Saved as version" if saved.get("created") else "Unchanged: still version"
        self.message.value = note_html(f"{state} {saved.get('version')}.")
        self.set_versions(list(versions.get("versions") or []))
        return dict(answer)

    def diff(self, to_version: int, from_version: int | None = None) -> dict[str, Any] | None:
        """The diff between two saved versions (by default ``to_version`` against the one before it; None for
        the first), computed here from the versions' fields."""
        ordered = sorted(self.versions, key=lambda v: int(v["version"]))
        by_number = {int(v["version"]): v for v in ordered}
        if from_version is None:
            previous = next((a for a, b in pairwise(ordered) if int(b["version"]) == to_version), None)
            if previous is None:
                return None
            from_version = int(previous["version"])
        old, new = by_number[from_version], by_number[to_version]
        return diff_fields(
            old.get("fields") or {},
            new.get("fields") or {},
            from_version=from_version,
            to_version=to_version,
            policy_changed=old.get("policyHash") != new.get("policyHash"),
        ).to_dict()

    def _show(self) -> None:
        to_version, from_version = self.version.value, self.base.value
        if to_version is None:
            return
        try:
            chosen = next(v for v in self.versions if int(v["version"]) == int(to_version))
            fields = table((chosen.get("fields") or {}).items(), ("field", "type"), css_class="sml-version-fields")
            if from_version is None or int(from_version) == int(to_version):
                body = note_html(
                    "the first saved version: nothing to compare with"
                    if len(self.versions) == 1
                    else "pick two different versions to see what changed"
                )
            elif self.can_save:
                bucket, prefix, region = self.dataset  # type: ignore[misc]
                body = diff_html(self.client.schema_diff(bucket, prefix, region, int(from_version), int(to_version)))
            else:
                body = diff_html(self.diff(int(to_version), int(from_version)) or {})
            self.version_panel.value = f"{body}<div>fields of v{to_version}</div>{fields}"
        except (LineageError, StopIteration, KeyError, ValueError) as exc:
            message = exc.message if isinstance(exc, LineageError) else str(exc)
            self.version_panel.value = error_html(f"Cannot show version {to_version}: {message}")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = schema_html(self.schema)
        return bundle

    def _ipython_display_(self) -> None:
        live.show(self, schema_html(self.schema))
