"""Result objects: the JSON contract's answers as dicts that display themselves.

Each is a plain ``dict`` of the contract (``json.dumps`` works, keys as the routes answer) with a static
``_repr_html_`` (from ``html``, no widget library needed). Those with an interactive viewer build it once,
on their first display, and show that same viewer on every later display; a viewer replaced because the
answer changed is closed. Displayed live, a viewer leaves a picture in the notebook (see ``live``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from .html import (
    box,
    catalog_html,
    compare_html,
    diff_html,
    esc,
    executions_html,
    export_html,
    feature_group_html,
    feature_groups_html,
    lineage_html,
    schema_html,
    sql_lineage_html,
    versions_html,
)


class Result(dict):  # type: ignore[type-arg]
    """A JSON-contract answer that displays as static HTML (and, where one exists, as a live viewer)."""

    render: Callable[[Mapping[str, Any]], str] = staticmethod(
        lambda d: box(f"<pre>{esc(json.dumps(d, indent=1, default=str))}</pre>")
    )

    def to_dict(self) -> dict[str, Any]:
        return dict(self)

    def _repr_html_(self) -> str:
        return type(self).render(self)

    def _build_viewer(self) -> Any:
        """A new interactive viewer of this result, or None when it has none."""
        return None

    def _fingerprint(self) -> str:
        return hashlib.sha1(json.dumps(self, sort_keys=True, default=str).encode()).hexdigest()

    def widget(self) -> Any:
        """The interactive viewer of this result (built once, then reused), or None when it has none."""
        viewer = self.__dict__.get("_viewer")
        fingerprint = self._fingerprint()
        if viewer is not None and self.__dict__.get("_viewer_of") == fingerprint and viewer.comm is not None:
            return viewer
        if viewer is not None:
            viewer.close()  # the answer changed (or the viewer was closed): never two live copies
        viewer = self._build_viewer()
        self.__dict__["_viewer"] = viewer
        self.__dict__["_viewer_of"] = fingerprint
        return viewer

    def close(self) -> None:
        """Close the viewer (and every model under it) if one was built."""
        viewer = self.__dict__.pop("_viewer", None)
        if viewer is not None:
            viewer.close()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/html": self._repr_html_()}
        viewer = self.widget()
        if viewer is not None:
            widget_bundle = viewer._repr_mimebundle_()
            if widget_bundle:
                bundle.update({k: v for k, v in widget_bundle.items() if k not in ("text/plain", "text/html")})
        return bundle

    def _ipython_display_(self) -> None:
        viewer = self.widget()
        if viewer is None:
            from IPython.display import HTML, display

            display(HTML(self._repr_html_()))
            return
        from . import live

        live.show(viewer, self._repr_html_())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.title()}>"

    def title(self) -> str:
        return ""


class LineageResult(Result):
    """``lineage(...)``: ``["graph"]`` has nodes, edges and artifacts; displays as the DAG viewer."""

    render = staticmethod(lineage_html)

    @property
    def graph(self) -> dict[str, Any]:
        return dict(self.get("graph") or {})

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self.get("summary") or {})

    def step(self, name: str) -> dict[str, Any]:
        for node in self.graph.get("nodes") or []:
            if node.get("id") == name:
                return dict(node)
        raise KeyError(name)

    def artifact(self, uri: str) -> dict[str, Any]:
        for artifact in self.graph.get("artifacts") or []:
            if artifact.get("uri") == uri:
                return dict(artifact)
        raise KeyError(uri)

    def _build_viewer(self) -> Any:
        from .dag import DagViewer

        return DagViewer(self)

    def title(self) -> str:
        nodes = self.graph.get("nodes") or []
        steps = sum(1 for n in nodes if n.get("type") != "Dataset")
        status = self.summary.get("overallStatus") or ("preview" if self.get("preview") else None)
        return (
            f"{(self.get('pipeline') or {}).get('name')}: {steps} steps, "
            f"{len(self.graph.get('artifacts') or [])} datasets, {status}"
        )


class SchemaResult(Result):
    """``dataset_schema(...)``: ``.fields`` is ``{name: type}``; displays as the schema viewer with its versions.

    ``versions`` (a ``schema_versions`` answer, set by whoever has it) is what the viewer lists.
    """

    render = staticmethod(schema_html)

    def __init__(self, *args: Any, versions: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = dict(versions) if versions is not None else None

    @property
    def fields(self) -> dict[str, str]:
        return dict((self.get("schema") or {}).get("fields") or {})

    def _build_viewer(self) -> Any:
        from .schema import SchemaViewer

        return SchemaViewer(self, self.versions)

    def title(self) -> str:
        return f"{self.get('dataset_id')}: {len(self.fields)} fields"


class VersionsResult(Result):
    render = staticmethod(versions_html)

    def title(self) -> str:
        return f"{self.get('dataset_id')}: {len(self.get('versions') or [])} versions"


class DiffResult(Result):
    render = staticmethod(diff_html)

    def title(self) -> str:
        versions = f"v{self.get('fromVersion')}->v{self.get('toVersion')}"
        return f"{self.get('dataset_id')} {versions}: {self.get('compatibility')}"


class CatalogResult(Result):
    render = staticmethod(catalog_html)

    @property
    def names(self) -> list[str]:
        if "regions" in self:
            return [p["name"] for r in self["regions"] for p in r.get("pipelines") or []]
        return [p["name"] for p in self.get("pipelines") or []]

    def title(self) -> str:
        return f"{len(self.names)} pipelines"


class FeatureGroupsResult(Result):
    render = staticmethod(feature_groups_html)

    @property
    def names(self) -> list[str]:
        return [g["name"] for g in self.get("featureGroups") or []]

    def title(self) -> str:
        return f"{self.get('region')}: {len(self.names)} feature groups"


class FeatureGroupResult(Result):
    render = staticmethod(feature_group_html)

    def _build_viewer(self) -> Any:
        from .featuregroup import FeatureGroupViewer

        return FeatureGroupViewer(self)

    def title(self) -> str:
        return f"{self.get('name')}: {len(self.get('features') or [])} features"


class SqlLineageResult(Result):
    render = staticmethod(sql_lineage_html)

    def title(self) -> str:
        return f"{', '.join(self.get('sources') or [])} -> {', '.join(self.get('targets') or [])}"


class ExportResult(Result):
    render = staticmethod(export_html)

    def title(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.items() if isinstance(v, (int, str)))[:200]


class ExecutionsResult(Result):
    """``executions(...)``: a pipeline's runs, newest first (``["executions"]``, ``["nextToken"]``)."""

    render = staticmethod(executions_html)

    @property
    def runs(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self.get("executions") or []]

    def title(self) -> str:
        statuses = [e.get("status") for e in self.get("executions") or []]
        return f"{self.get('pipeline')}: {len(statuses)} runs ({statuses.count('Failed')} failed)"


class CompareResult(Result):
    """``compare(...)``: what changed between two runs; displays as the DAG coloured by change beside the list
    of differences when the two runs' graphs are attached (``graphs``), else as the list alone."""

    render = staticmethod(compare_html)

    def __init__(self, *args: Any, graph: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.graph = dict(graph) if graph is not None else None

    def _repr_html_(self) -> str:
        return compare_html(self, self.graph)

    def _build_viewer(self) -> Any:
        if self.graph is None:
            return None
        from .compare import CompareViewer

        return CompareViewer(self, self.graph)

    def title(self) -> str:
        summary = self.get("summary") or {}
        base, head = self.get("base") or {}, self.get("head") or {}
        return (
            f"{self.get('pipeline')}: {base.get('displayName')} -> {head.get('displayName')}, "
            f"{summary.get('changedSteps', 0)} steps changed"
        )
