"""Stable URLs of the custom facets' JSON schemas, and the shipped file each URL names."""

from __future__ import annotations

from pathlib import Path

#: Where the schemas are published: the files in ``schemas/`` at the repository's main branch.
SCHEMA_BASE_URL = (
    "https://raw.githubusercontent.com/jupyter-sm-lineage/jupyter-sm-lineage/main/"
    "exporter/sm_lineage_exporter/schemas/"
)
_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def schema_url(facet: str) -> str:
    """``{base}{Facet}.json#/$defs/{Facet}``: the JSON pointer OpenLineage facets put in ``_schemaURL``."""
    return f"{SCHEMA_BASE_URL}{facet}.json#/$defs/{facet}"


def schema_path(url: str) -> Path | None:
    """The shipped schema file a ``_schemaURL`` of ours names, or None for someone else's URL."""
    document = url.split("#", 1)[0]
    if not document.startswith(SCHEMA_BASE_URL):
        return None
    path = _SCHEMAS / document[len(SCHEMA_BASE_URL):]
    return path if path.is_file() else None
