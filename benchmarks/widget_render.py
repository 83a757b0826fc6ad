"""Time from running a cell to the drawn DAG in Chromium: DagViewer against plain ipycytoscape + dagre.

    .venv/bin/python benchmarks/widget_render.py [--sizes 10,100,500] [--repeat 3]

Starts JupyterLab (loopback, token) and headless Chromium (Debian's, through Playwright), opens a scratch
notebook and re-runs one cell (Ctrl+Enter) that shows the next graph of a queue, so every run replaces
the previous output. The clock starts in the page at the key press and stops at the first animation
frame after a new cytoscape instance holds the graph's nodes and edges (elements added, layout run).
Then, on the drawn graph: the longest frame over one second of idling, and the time of a zoom (one frame).

``--models`` instead counts the live widget models (ipywidgets' registry) in a real IPython shell after one
and after ten displays of one ``%lineage``-style result of 10/100/500 steps: a result builds its viewer once
and shows that same viewer again (target: no growth).

Sides, measured in the same run on the same synthetic layered DAGs (~1.2 edges per node):
- baseline: ``CytoscapeWidget()`` + ``graph.add_graph_from_json(..., directed=True)`` + dagre layout;
- ours: ``DagViewer`` (state-complete element models attached in one message; dagre up to 250 elements,
  layered positions from the kernel above that);
- ours-dagre: ``DagViewer(layout="dagre")``, to show what the kernel-side layout buys on large graphs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import browser_support as bs

GRAPH_CODE = '''
def make_graph(n):
    """A layered DAG of n steps, ~1.2 edges per step, every step Succeeded with an elapsed time."""
    width = max(2, int(n ** 0.5))
    nodes = [{"id": f"step-{i:04d}", "type": "Processing",
              "run": {"status": "Succeeded", "elapsedSec": 60 + i % 900}} for i in range(n)]
    edges = []
    for i in range(width, n):
        layer_start = (i // width - 1) * width
        edges.append({"from": f"step-{layer_start + i % width:04d}", "to": f"step-{i:04d}", "via": "dependsOn"})
        if i % 5 == 0:
            other = f"step-{layer_start + (i + 1) % width:04d}"
            edges.append({"from": other, "to": f"step-{i:04d}", "via": "property"})
    return {"nodes": nodes, "edges": edges, "artifacts": []}
'''

SETUP = (
    GRAPH_CODE
    + """
import ipycytoscape
from jupyter_sm_lineage.widgets import DagViewer

def baseline(graph):
    w = ipycytoscape.CytoscapeWidget()
    w.graph.add_graph_from_json({"nodes": [{"data": {"id": n["id"]}} for n in graph["nodes"]],
                                 "edges": [{"data": {"source": e["from"], "target": e["to"]}} for e in graph["edges"]]},
                                directed=True)
    w.set_layout(name="dagre")
    return w

def ours(graph):
    return DagViewer(graph, show_summary=False)

def ours_dagre(graph):
    return DagViewer(graph, show_summary=False, layout="dagre")

SIDES = {"baseline": baseline, "ours": ours, "ours-dagre": ours_dagre}
JOBS = JOBS_PLACEHOLDER
GRAPHS = {}

def show_next():
    side, n = JOBS.pop(0)
    graph = GRAPHS.setdefault(n, make_graph(n))
    return SIDES[side](graph)
"""
)

MEASURE = """
([nodes, edges, timeout]) => new Promise((resolve, reject) => {
  const t0 = window.__benchT0;
  const limit = performance.now() + timeout;
  const check = () => {
    for (const el of document.querySelectorAll('.custom-widget')) {
      const cy = el._cyreg && el._cyreg.cy;
      if (!cy || el.__benchSeen) continue;
      if (cy.nodes().length === nodes && cy.edges().length === edges) {
        el.__benchSeen = true;
        requestAnimationFrame(() => resolve({ms: performance.now() - t0, layout: cy.nodes()[0].position()}));
        return;
      }
    }
    if (performance.now() > limit) { reject(new Error('not drawn in time')); return; }
    requestAnimationFrame(check);
  };
  check();
})
"""

RESPONSIVE = """
() => new Promise(resolve => {
  let last = performance.now(), worst = 0;
  const end = last + 1000;
  const frame = (t) => {
    worst = Math.max(worst, t - last); last = t;
    if (t < end) { requestAnimationFrame(frame); return; }
    const el = [...document.querySelectorAll('.custom-widget')].find(e => e.__benchSeen && e._cyreg && e.isConnected);
    const cy = el._cyreg.cy;
    const z0 = performance.now();
    cy.zoom({level: cy.zoom() * 1.3, renderedPosition: {x: 100, y: 100}});
    requestAnimationFrame(() => resolve({worstFrame: worst, zoom: performance.now() - z0}));
  };
  requestAnimationFrame(frame);
})
"""


def edge_count(n: int) -> int:
    namespace: dict[str, object] = {}
    exec(GRAPH_CODE, namespace)  # the same generator the kernel runs
    return len(namespace["make_graph"](n)["edges"])  # type: ignore[operator]


def notebook(jobs: list[tuple[str, int]]) -> dict[str, object]:
    def cell(source: str) -> dict[str, object]:
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}

    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "cells": [cell(SETUP.replace("JOBS_PLACEHOLDER", json.dumps(jobs))), cell("show_next()")],
    }


def live_models_after_displays(sizes: list[int]) -> None:
    """Live widget models after 1 and after 10 displays of one result (a LineageResult of n steps)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from ipywidgets.widgets.widget import _instances

    from jupyter_sm_lineage.widgets.results import LineageResult

    InteractiveShell.instance()
    namespace: dict[str, object] = {}
    exec(GRAPH_CODE, namespace)  # the same generator the browser side uses
    print("live widget models after displaying one result 1 and 10 times")
    print(f"{'steps':>6} {'before':>7} {'after 1':>8} {'after 10':>9} {'growth':>7}")
    for n in sizes:
        graph = namespace["make_graph"](n)  # type: ignore[operator]
        result = LineageResult({"pipeline": {"name": f"bench-{n}"}, "summary": {}, "graph": graph})
        before = len(_instances)
        with contextlib.redirect_stdout(io.StringIO()):  # a terminal shell prints each display's text
            display(result)
            once = len(_instances)
            for _ in range(9):
                display(result)
            ten = len(_instances)
        print(f"{n:>6} {before:>7} {once:>8} {ten:>9} {ten - once:>7}")
        result.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sides", default="baseline,ours,ours-dagre")
    parser.add_argument("--models", action="store_true", help="count live widget models over repeated displays")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.models:
        live_models_after_displays(sizes)
        return
    sides = args.sides.split(",")
    jobs = [(side, n) for _ in range(args.repeat) for n in sizes for side in sides]
    root = Path(tempfile.mkdtemp(prefix="sml-bench-"))
    (root / "bench.ipynb").write_text(json.dumps(notebook(jobs)))
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    try:
        with bs.jupyter_server(root) as server, bs.chromium_page(1400, 900) as page:
            bs.open_notebook(page, server, "bench.ipynb")
            page.locator(".jp-CodeCell").first.click()
            page.keyboard.press("Shift+Enter")  # setup; the focus moves to the show_next() cell
            page.wait_for_function(
                "() => /\\[1\\]/.test(document.querySelector('.jp-CodeCell .jp-InputArea-prompt').textContent)"
            )
            page.evaluate("""() => document.addEventListener('keydown', e => {
                if (e.key === 'Enter' && e.ctrlKey) window.__benchT0 = performance.now(); }, true)""")
            for side, n in jobs:
                page.keyboard.press("Control+Enter")
                drawn = page.evaluate(MEASURE, [n, edge_count(n), 60_000])
                after = page.evaluate(RESPONSIVE)
                results.setdefault((side, n), []).append({"ms": drawn["ms"], **after})
                print(
                    f"  {side:>10} {n:>4} nodes: {drawn['ms']:7.0f} ms "
                    f"(worst frame after {after['worstFrame']:.0f} ms, "
                    f"zoom {after['zoom']:.0f} ms)",
                    flush=True,
                )
            failures = bs.widget_failures(page)
            if failures:
                raise SystemExit(f"widget failures on the page: {failures}")
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print("\nmedian time from running the cell to the drawn graph (ms), Chromium headless")
    print(
        f"{'nodes':>6} {'edges':>6} "
        + " ".join(f"{s:>11}" for s in sides)
        + "   baseline/ours  worst frame after (ours)"
    )
    for n in sizes:
        medians = {s: statistics.median(r["ms"] for r in results[(s, n)]) for s in sides}
        worst = max(r["worstFrame"] for r in results[("ours", n)]) if ("ours", n) in results else float("nan")
        ratio = medians["baseline"] / medians["ours"] if "baseline" in medians and "ours" in medians else float("nan")
        print(
            f"{n:>6} {edge_count(n):>6} "
            + " ".join(f"{medians[s]:>11.0f}" for s in sides)
            + f"   {ratio:>12.1f}x  {worst:>10.0f} ms"
        )


if __name__ == "__main__":
    main()
