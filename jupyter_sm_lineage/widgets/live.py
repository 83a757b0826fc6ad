"""Showing a live viewer so that a saved notebook keeps a picture of it.

A viewer is displayed as two outputs: the widget (whose static fallback is empty) and a static picture
(``html.picture_html``) under a display id. While the widget is live on the page the picture is hidden; in a
notebook reopened without its kernel the widget output, holding no live view, is hidden and the picture
shows: never "Error displaying widget: model not found". nbviewer, GitHub and nbconvert show the picture.
The picture can be redrawn (``update``) as the view changes, so the notebook saves the last view.
"""

from __future__ import annotations

from typing import Any

from .html import live_marker, picture_html


def display_id(viewer: Any) -> str:
    return f"sml-picture-{viewer.model_id}"


def marker(viewer: Any) -> str:
    """The HTML a viewer carries on the page to hide its picture while it is live."""
    return live_marker(str(viewer.model_id))


def show(viewer: Any, picture: str) -> None:
    """Display ``viewer`` live, then its picture (HTML body) under the viewer's display id."""
    from IPython.display import HTML, display

    bundle = dict(viewer._repr_mimebundle_() or {})
    bundle["text/html"] = ""  # the picture stands for the widget where the widget cannot be shown
    display(bundle, raw=True)
    display(HTML(picture_html(str(viewer.model_id), picture)), display_id=display_id(viewer))


def update(viewer: Any, picture: str) -> None:
    """Redraw the picture of a viewer already shown (every output that shows it)."""
    from IPython.display import HTML, update_display

    update_display(HTML(picture_html(str(viewer.model_id), picture)), display_id=display_id(viewer))
