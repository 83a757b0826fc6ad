"""RunPicker: a pipeline's executions newest first, paged; choose one to show, another to compare it with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from .html import note_html, run_html, run_label

#: Executions read per page.
PAGE = 20
#: Pages read at most while looking for an execution asked for by ARN.
MAX_PAGES = 10


def last_good(executions: list[dict[str, Any]], head: str | None) -> str | None:
    """The run to compare ``head`` with by default: the last one that succeeded before it, else the one
    before it (``executions`` newest first)."""
    arns = [e.get("arn") for e in executions]
    start = arns.index(head) + 1 if head in arns else 0
    older = executions[start:]
    good = next((e for e in older if e.get("status") == "Succeeded"), None)
    chosen = good or (older[0] if older else None)
    return str(chosen["arn"]) if chosen else None


class RunPicker(widgets.VBox):
    """The runs of one pipeline.

    Attributes
    ----------
    run : ipywidgets.Dropdown
        The run shown (status, start, duration, display name); newest first.
    more : ipywidgets.Button
        Reads the next page of older runs.
    base : ipywidgets.Dropdown
        The run to compare with (default: the last good run before the one shown).
    compare : ipywidgets.Button
    info : ipywidgets.HTML
        The shown run: status chip, start, duration, name and, when it failed, the failure reason in full.
    executions : list of dict
        The runs read so far, newest first.
    """

    def __init__(self, on_pick: Callable[[str], None], on_compare: Callable[[str, str], None], **kwargs: Any) -> None:
        self._on_pick = on_pick
        self._on_compare = on_compare
        self.executions: list[dict[str, Any]] = []
        self.next_token: str | None = None
        self._fetch: Callable[[str | None], Mapping[str, Any]] | None = None
        self._updating = False
        self.run = widgets.Dropdown(description="Run", options=[], layout=widgets.Layout(flex="1 1 260px",
                                                                                           min_width="0"),
                                    style={"description_width": "36px"})
        self.run.add_class("sml-run-picker")
        self.more = widgets.Button(description="Older runs", icon="history", tooltip="read older runs",
                                   layout=widgets.Layout(width="auto", flex="0 0 auto"))
        self.more.add_class("sml-more-runs")
        self.base = widgets.Dropdown(description="Compare with", options=[],
                                     layout=widgets.Layout(flex="1 1 260px", min_width="0"),
                                     style={"description_width": "92px"})
        self.base.add_class("sml-compare-base")
        self.compare = widgets.Button(description="Compare", icon="exchange", button_style="info",
                                      tooltip="what changed between the two runs",
                                      layout=widgets.Layout(width="auto", flex="0 0 auto"))
        self.compare.add_class("sml-compare-button")
        self.info = widgets.HTML()
        self.info.add_class("sml-run-info")
        rows = widgets.Layout(flex_flow="row wrap", width="100%", align_items="center")
        super().__init__(
            children=[widgets.HBox([self.run, self.more], layout=rows),
                      widgets.HBox([self.base, self.compare], layout=rows), self.info],
            **kwargs,
        )
        self.add_class("sml-runs")
        self.run.observe(self._picked, "value")
        self.more.on_click(lambda _: self.read_more())
        self.compare.on_click(lambda _: self._compare_clicked())
        self.clear()

    @property
    def selected(self) -> dict[str, Any] | None:
        return next((e for e in self.executions if e.get("arn") == self.run.value), None)

    def clear(self, message: str = "Pick a pipeline to see its runs.") -> None:
        self._fetch = None
        self.executions = []
        self.next_token = None
        self._set_options(None)
        self.more.disabled = self.compare.disabled = True
        self.info.value = note_html(message)

    def load(self, fetch: Callable[[str | None], Mapping[str, Any]], select: str | None = None) -> str | None:
        """Read the first page (``fetch(next_token)`` answers ``executions``); select ``select`` (paging until it
        is found) or the newest run. Returns the selected ARN, None when the pipeline never ran."""
        self._fetch = fetch
        self.executions = []
        self.next_token = None
        self._read()
        pages = 1
        while select and select not in self._arns() and self.next_token and pages < MAX_PAGES:
            self._read()
            pages += 1
        chosen = select if select in self._arns() else (self._arns()[0] if self.executions else None)
        if select and chosen != select:
            chosen = select  # an ARN outside the pages read: shown by its ARN
            self.executions.append({"arn": select, "displayName": select.rsplit("/", 1)[-1], "status": None})
        self._set_options(chosen)
        return chosen

    def _arns(self) -> list[str]:
        return [str(e.get("arn")) for e in self.executions]

    def _read(self) -> None:
        if self._fetch is None:
            return
        page = self._fetch(self.next_token)
        known = set(self._arns())
        self.executions += [dict(e) for e in page.get("executions") or [] if e.get("arn") not in known]
        self.next_token = page.get("nextToken") or None

    def read_more(self) -> None:
        """The next page of older runs, added under the ones shown; the selection stays."""
        if not self.next_token:
            return
        self._read()
        self._set_options(self.run.value)

    def _set_options(self, chosen: str | None) -> None:
        options = [(run_label(e), str(e["arn"])) for e in self.executions]
        self._updating = True
        try:
            self.run.options = options
            self.run.value = chosen if chosen in [v for _, v in options] else None
            self._fill_base()
        finally:
            self._updating = False
        self.more.disabled = not self.next_token
        self.more.description = "Older runs" if self.next_token else "No older runs"
        self._show_info()

    def _fill_base(self) -> None:
        head = self.run.value
        options = [(run_label(e), str(e["arn"])) for e in self.executions if e.get("arn") != head]
        self.base.options = options
        self.base.value = last_good(self.executions, head) if options else None
        self.compare.disabled = head is None or self.base.value is None

    def _show_info(self) -> None:
        chosen = self.selected
        if chosen is not None:
            self.info.value = run_html(chosen)
        elif self._fetch is not None:
            self.info.value = note_html("This pipeline has no runs: the definition is shown.")

    def select(self, arn: str) -> None:
        """Show another run (as choosing it in the list does)."""
        self.run.value = arn

    def _picked(self, change: Mapping[str, Any]) -> None:
        if self._updating or not change["new"]:
            return
        self._updating = True
        try:
            self._fill_base()
        finally:
            self._updating = False
        self._show_info()
        self._on_pick(str(change["new"]))

    def _compare_clicked(self) -> None:
        if self.run.value and self.base.value:
            self._on_compare(str(self.base.value), str(self.run.value))
