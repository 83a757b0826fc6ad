"""A layered (Sugiyama-style) layout for DAGs, computed in Python.

Used for the static SVG of a lineage (nbviewer, GitHub, exported HTML) and, for large graphs, as the
widget's ``preset`` positions: the page then only draws, it does not lay out (dagre spends about 1.5 s
on a 500-node graph in the browser; this takes a few tens of milliseconds in the kernel).

Layers by longest path from the sources, order within a layer by barycenter sweeps (down and up),
coordinates by centring each layer; cycles (a malformed definition) are broken by ignoring back edges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence


def layers_of(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """The layer of every node: 0 for sources, else one more than its deepest predecessor."""
    known = set(nodes)
    succ: dict[str, list[str]] = defaultdict(list)
    indeg: dict[str, int] = dict.fromkeys(nodes, 0)
    for a, b in _acyclic(nodes, edges):
        if a in known and b in known and a != b:
            succ[a].append(b)
            indeg[b] += 1
    layer = dict.fromkeys(nodes, 0)
    ready = [n for n in nodes if indeg[n] == 0]
    while ready:
        node = ready.pop()
        for nxt in succ[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    return layer


def _acyclic(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The edges minus the back edges a depth-first search finds (iterative: graphs can be deep)."""
    edge_list = list(edges)
    succ: dict[str, list[str]] = defaultdict(list)
    for a, b in edge_list:
        succ[a].append(b)
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(succ[child])))
    return [e for e in edge_list if e not in back]


def layered_positions(
    nodes: Sequence[str],
    edges: Iterable[tuple[str, str]],
    *,
    rank_sep: float = 110.0,
    node_sep: float = 200.0,
    sweeps: int = 4,
) -> dict[str, tuple[float, float]]:
    """Top-to-bottom positions (node centres) of a DAG: ``{id: (x, y)}``."""
    edge_list = [(a, b) for a, b in edges if a != b]
    layer = layers_of(nodes, edge_list)
    rows: dict[int, list[str]] = defaultdict(list)
    for node in nodes:
        rows[layer[node]].append(node)
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for a, b in edge_list:
        if a in layer and b in layer:
            preds[b].append(a)
            succs[a].append(b)
    order: dict[str, float] = {}
    for row in rows.values():
        for i, node in enumerate(row):
            order[node] = float(i)
    depth = max(rows) if rows else 0
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        for index in range(1, depth + 1) if down else range(depth - 1, -1, -1):
            row = rows[index]
            neighbours = preds if down else succs

            def barycentre(node: str, neighbours: dict[str, list[str]] = neighbours) -> float:
                around = neighbours.get(node)
                return sum(order[n] for n in around) / len(around) if around else order[node]

            row.sort(key=barycentre)
            for i, node in enumerate(row):
                order[node] = float(i)
    width = max((len(r) for r in rows.values()), default=1)
    positions: dict[str, tuple[float, float]] = {}
    for index, row in rows.items():
        offset = (width - len(row)) / 2.0
        for i, node in enumerate(row):
            positions[node] = ((offset + i) * node_sep, index * rank_sep)
    return positions
