"""SchemaViewer: a dataset's fields and types, sampled files, and its saved versions with their diffs."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import ipywidgets as widgets

from ..core.errors import LineageError
from ..core.schema.diff import diff_fields
from .html import diff_html, error_html, note_html, schema_html, table


class SchemaViewer(widgets.VBox):
    """A schema (``dataset_schema`` answer, or a bare ``{format, fields, ...}``) and its version history.

    Attributes
    ----------
    schema : dict
        The schema answer shown.
    versions : list of dict
        Saved versions, newest first (``schema_versions()["versions"]``); empty when none are known.
    version : ipywidgets.Dropdown
        Picks a saved version; the panel below shows its fields and the diff against the one before it.
    """

    def __init__(
        self, schema: Mapping[str, Any], versions: Mapping[str, Any] | list[Any] | None = None, **kwargs: Any
    ) -> None:
        self.schema = (
            dict(schema) if "schema" in schema else {"dataset_id": schema.get("dataset_id", ""), "schema": dict(schema)}
        )
        if isinstance(versions, Mapping):
            versions = versions.get("versions") or []
        self.versions: list[dict[str, Any]] = [dict(v) for v in versions or []]
        self.header = widgets.HTML(schema_html(self.schema))
        self.version = widgets.Dropdown(description="version", options=[], layout=widgets.Layout(width="260px"))
        self.version_panel = widgets.HTML()
        super().__init__(children=[self.header], **kwargs)
        self.add_class("sml-schema-viewer")
        self.version.observe(self._version_changed, "value")
        self.set_versions(self.versions)

    def set_versions(self, versions: list[dict[str, Any]]) -> None:
        self.versions = [dict(v) for v in versions]
        if not self.versions:
            self.version.options = []
            self.version_panel.value = note_html(
                "No saved versions: save this schema (%lineage schema URI --save) to start its history."
            )
            self.children = [self.header, self.version_panel]
            return
        self.version.options = [
            (f"v{v['version']} \u00b7 {str(v.get('createdAt', ''))[:19]}", int(v["version"])) for v in self.versions
        ]
        self.children = [self.header, self.version, self.version_panel]
        self.version.value = int(self.versions[0]["version"])
        self._show(self.version.value)

    def _version_changed(self, change: Mapping[str, Any]) -> None:
        if change["new"] is not None:
            self._show(int(change["new"]))

    def diff(self, to_version: int) -> dict[str, Any] | None:
        """The diff of a version against the version before it (None for the first)."""
        ordered = sorted(self.versions, key=lambda v: int(v["version"]))
        for previous, current in pairwise(ordered):
            if int(current["version"]) == to_version:
                return diff_fields(
                    previous.get("fields") or {},
                    current.get("fields") or {},
                    from_version=int(previous["version"]),
                    to_version=to_version,
                    policy_changed=previous.get("policyHash") != current.get("policyHash"),
                ).to_dict()
        return None

    def _show(self, number: int) -> None:
        try:
            chosen = next(v for v in self.versions if int(v["version"]) == number)
            fields = table((chosen.get("fields") or {}).items(), ("field", "type"), css_class="sml-version-fields")
            diff = self.diff(number)
            body = diff_html(diff) if diff else note_html("the first saved version: nothing to compare with")
            self.version_panel.value = f"<div>fields of v{number}</div>{fields}{body}"
        except (LineageError, StopIteration, KeyError, ValueError) as exc:
            self.version_panel.value = error_html(f"Cannot show version {number}: {exc}")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = schema_html(self.schema)
        return bundle
