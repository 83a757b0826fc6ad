"""FeatureGroupViewer: a feature group's columns, stores and writers; FeatureGroupBrowser: list then detail."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from . import live
from .html import error_html, feature_group_html, note_html


class FeatureGroupViewer(widgets.VBox):
    """One feature group (``feature_group`` answer).

    Attributes
    ----------
    group : dict
        The feature group shown.
    """

    def __init__(self, group: Mapping[str, Any], **kwargs: Any) -> None:
        self.group = dict(group)
        self.panel = widgets.HTML()
        super().__init__(children=[self.panel], **kwargs)
        self.panel.value = live.marker(self) + feature_group_html(self.group)
        self.add_class("sml-feature-group-viewer")

    @property
    def columns(self) -> list[str]:
        return [str(f["name"]) for f in self.group.get("features") or []]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = feature_group_html(self.group)
        return bundle

    def _ipython_display_(self) -> None:
        live.show(self, feature_group_html(self.group))


class FeatureGroupBrowser(widgets.HBox):
    """The feature groups of a region in a list; the selected one's columns and stores beside it."""

    def __init__(self, groups: Mapping[str, Any], load: Callable[[str], Mapping[str, Any]], **kwargs: Any) -> None:
        self._load = load
        names = [str(g["name"]) for g in groups.get("featureGroups") or []]
        self.list = widgets.Select(
            options=names, value=None, rows=min(max(len(names), 4), 14), layout=widgets.Layout(width="240px")
        )
        self.list.add_class("sml-fg-list")
        self.detail = widgets.VBox(
            [
                widgets.HTML(
                    note_html(
                        "Select a feature group."
                        if names
                        else f"No feature groups in {groups.get('region', 'this region')}."
                    )
                )
            ],
            layout=widgets.Layout(flex="1 1 auto"),
        )
        self.viewer: FeatureGroupViewer | None = None
        super().__init__(children=[self.list, self.detail], **kwargs)
        self.list.observe(self._changed, "value")

    def _changed(self, change: Mapping[str, Any]) -> None:
        if change["new"]:
            self.show(str(change["new"]))

    def show(self, name: str) -> None:
        try:
            self.viewer = FeatureGroupViewer(self._load(name))
            self.detail.children = [self.viewer]
        except Exception as exc:
            self.viewer = None
            self.detail.children = [widgets.HTML(error_html(_message(exc, f"Cannot read feature group {name}")))]


def _message(exc: BaseException, context: str) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{context}: {message}"
