"""A real Jupyter server (subprocess) and headless Chromium, for the browser tests and the render benchmark.

The server inherits this process's environment, so with the ``emulator`` fixture active its kernels
talk to the emulator. Everything waits on conditions with timeouts; nothing sleeps a fixed time.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: The one warning ipycytoscape's labextension causes in JupyterLab 4 (it declares an older base range).
EXPECTED_WARNINGS = ("Unsatisfied version",)
WIDGET_FAILURES = ("Error displaying widget", "Failed to load model class")


def chromium_path() -> str | None:
    found = os.environ.get("CHROMIUM") or next((p for p in CHROMIUM_CANDIDATES if os.path.exists(p)), None)
    return found or shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    app: str = "lab"

    def page_url(self, notebook: str) -> str:
        if self.app == "notebook":  # Notebook 7
            return f"{self.url}notebooks/{notebook}?token={self.token}"
        return f"{self.url}lab/tree/{notebook}?token={self.token}&reset"

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API (sessions, kernels) with the token."""
        request = urllib.request.Request(f"{self.url}api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=15) as response:
            body = response.read()
        return json.loads(body) if body else None

    def tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextmanager
def jupyter_server(
    root: Path, app: str = "lab", env: dict[str, str] | None = None, timeout: float = 90.0
) -> Iterator[Server]:
    """``jupyter lab`` (or ``jupyter server``) on 127.0.0.1, a free port and a fresh token; stopped on exit."""
    port, token = free_port(), secrets.token_hex(16)
    state = Path(tempfile.mkdtemp(prefix="sml-jupyter-"))
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news toast, no update check: nothing asks for the network, nothing covers the page.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # Start the notebook's own kernel without the "Select Kernel" dialog.
    tracker = state / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"autoStartDefaultKernel": True}))
    environ = {
        **os.environ,
        **(env or {}),
        "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "PYTHONUNBUFFERED": "1",
    }
    args = [
        sys.executable,
        "-m",
        "jupyter",
        app,
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--ServerApp.port_retries=0",
    ]
    if app == "lab":
        args += ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    log = state / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=environ, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}/", token, root, process, log, app=app)
    try:
        _wait_ready(server, timeout)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(state, ignore_errors=True)


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{server.url}api/status", headers={"Authorization": f"token {server.token}"})
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the Jupyter server exited ({server.process.returncode}):\n{server.tail()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        # the poll interval doubles as a wait for the process to exit
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=0.2)
    raise TimeoutError(f"the Jupyter server did not answer within {timeout:.0f}s:\n{server.tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def chromium_page(width: int = 1600, height: int = 1000) -> Iterator[Any]:
    """A Playwright page in the Debian Chromium, with console messages and page errors collected."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.console_messages = []  # type: ignore[attr-defined]
            page.page_errors = []  # type: ignore[attr-defined]
            page.on("console", lambda m: page.console_messages.append((m.type, m.text)))  # type: ignore[attr-defined]
            page.on("pageerror", lambda e: page.page_errors.append(str(e)))  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()


def open_notebook(page: Any, server: Server, notebook: str, timeout: float = 60.0) -> None:
    """Open a notebook and wait until its kernel is idle."""
    page.goto(server.page_url(notebook), timeout=timeout * 1000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout * 1000)
    wait_kernel(server, notebook, timeout)
    if server.app == "lab":
        wait_idle(page, timeout)


def save_notebook(page: Any, server: Server, notebook: str, timeout: float = 30.0) -> None:
    """Save through the page (Ctrl+S) and wait until the file on disk holds outputs."""
    path = server.root / notebook
    before = path.stat().st_mtime_ns
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.stat().st_mtime_ns != before:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):  # the poll interval
            server.process.wait(timeout=0.2)
    raise TimeoutError(f"{notebook} was not saved within {timeout:.0f}s")


def stop_kernels(server: Server) -> None:
    """Shut every kernel down (the notebook's outputs stay on the page and on disk)."""
    for kernel in server.api("GET", "kernels"):
        server.api("DELETE", f"kernels/{kernel['id']}")


def box_of(page: Any, selector: str) -> dict[str, float]:
    """The first visible match's box on the screen: x, y, width, height, right, bottom, and its scroll width."""
    return dict(page.evaluate(
        """(sel) => {
            const el = [...document.querySelectorAll(sel)].find(e => e.offsetParent !== null);
            if (!el) return null;
            const b = el.getBoundingClientRect();
            return {x: b.left, y: b.top, width: b.width, height: b.height, right: b.right, bottom: b.bottom,
                    scrollWidth: el.scrollWidth, clientWidth: el.clientWidth};
        }""", selector) or {})


def wait_kernel(server: Server, notebook: str, timeout: float = 60.0) -> None:
    """Wait until the notebook's session has a kernel that is idle and connected to the page.

    Running cells before that races the kernel's start: JupyterLab then starts a second kernel.
    """
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{server.url}api/sessions", headers={"Authorization": f"token {server.token}"})
    while time.monotonic() < deadline:
        with urllib.request.urlopen(request, timeout=5) as response:
            sessions = json.loads(response.read())
        kernels = [s.get("kernel") or {} for s in sessions if str(s.get("path", "")).endswith(notebook)]
        if kernels and all(k.get("execution_state") == "idle" and k.get("connections", 0) > 0 for k in kernels):
            return
        with contextlib.suppress(subprocess.TimeoutExpired):  # the poll interval
            server.process.wait(timeout=0.25)
    raise TimeoutError(f"no idle kernel for {notebook} within {timeout:.0f}s:\n{server.tail()}")


def wait_idle(page: Any, timeout: float = 60.0) -> None:
    page.wait_for_function(
        """() => {
            const status = document.querySelector('.jp-Notebook-ExecutionIndicator, .jp-KernelStatus');
            const text = document.body.innerText;
            return /\\bIdle\\b/.test(text) || (status && status.getAttribute('data-status') === 'idle');
        }""",
        timeout=timeout * 1000,
    )


def menu(page: Any, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def run_all(page: Any, timeout: float = 120.0) -> None:
    """Run > Run All Cells, then wait until every code cell has an execution count."""
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout * 1000,
    )


#: JavaScript: the live cytoscape instances on the page (containers carry cytoscape's ``_cyreg``).
CY_LIST = """
(scope) => {
  const root = scope ? document.querySelector(scope) : document;
  if (!root) return [];
  const found = [];
  for (const el of root.querySelectorAll('.custom-widget')) {
    const cy = el._cyreg && el._cyreg.cy;
    if (!cy) continue;
    const box = el.getBoundingClientRect();
    found.push({nodes: cy.nodes().length, edges: cy.edges().length, visible: el.offsetParent !== null && box.width > 0,
                width: box.width, height: box.height, zoom: cy.zoom()});
  }
  return found;
}
"""

CY_FIND = """
([el_scope, nodes, edges]) => {
  const root = el_scope ? document.querySelector(el_scope) : document;
  if (!root) return null;
  for (const el of root.querySelectorAll('.custom-widget')) {
    const cy = el._cyreg && el._cyreg.cy;
    if (cy && el.offsetParent !== null && cy.nodes().length === nodes && cy.edges().length === edges) return el;
  }
  return null;
}
"""


#: JavaScript: how a drawn graph is shown: zoom, its minimum, the step label size, the canvas size, the nodes
#: wholly on the canvas (measured on the container: cytoscape's cached size can lag a resize by 100 ms).
CY_VIEW = """
(el) => {
  const cy = el._cyreg.cy;
  const width = el.clientWidth, height = el.clientHeight;
  const steps = cy.nodes('.step');
  const inside = [], outside = [];
  cy.nodes().forEach(n => {
    const b = n.renderedBoundingBox({includeLabels: true, includeOverlays: false});
    (b.x1 >= 0 && b.y1 >= 0 && b.x2 <= width && b.y2 <= height ? inside : outside).push(n.id());
  });
  const labelPx = parseFloat((steps.length ? steps : cy.nodes()).first().style('font-size'));
  return {zoom: cy.zoom(), minZoom: cy.minZoom(), panning: cy.userPanningEnabled(), labelPx,
          renderedLabelPx: cy.zoom() * labelPx, width, height, inside, outside};
}
"""


def cy_view(page: Any, scope: str, nodes: int, edges: int) -> dict[str, Any]:
    """How the graph with these counts is shown (see ``CY_VIEW``)."""
    handle = page.evaluate_handle(CY_FIND, [scope, nodes, edges])
    return dict(page.evaluate(CY_VIEW, handle))


def cy_node(page: Any, scope: str, nodes: int, edges: int, node_id: str) -> dict[str, Any]:
    """One node of the graph with these counts as drawn: its classes, label, selection and border colour."""
    handle = page.evaluate_handle(CY_FIND, [scope, nodes, edges])
    return dict(page.evaluate(
        """([el, id]) => {
            const n = el._cyreg.cy.getElementById(id);
            return {classes: n.classes(), label: n.data('label'), selected: n.selected(),
                    border: n.style('border-color')};
        }""", [handle, node_id]))


def node_screen_position(page: Any, scope: str, nodes: int, edges: int, node_id: str) -> tuple[float, float]:
    """Where a node is drawn on the screen (the container's box plus the node's rendered position)."""
    handle = page.evaluate_handle(CY_FIND, [scope, nodes, edges])
    page.evaluate("(el) => el.scrollIntoView({block: 'center'})", handle)
    # cytoscape caches its container's screen box and refreshes it on the scroll event, which fires on a
    # later frame: measure and click only after the scroll has been seen.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    point = page.evaluate(
        """([el, id]) => {
            const cy = el._cyreg.cy;
            const box = el.getBoundingClientRect();
            const p = cy.getElementById(id).renderedPosition();
            return [box.left + p.x, box.top + p.y];
        }""",
        [handle, node_id],
    )
    return float(point[0]), float(point[1])


def canvas_has_pixels(page: Any, scope: str) -> bool:
    """Whether any cytoscape canvas in ``scope`` has drawn something (non-transparent pixels)."""
    return bool(
        page.evaluate(
            """(scope) => {
            for (const c of document.querySelectorAll(scope + " canvas[data-id^='layer']")) {
              if (!c.width || !c.height) continue;
              const ctx = c.getContext('2d');
              const data = ctx.getImageData(0, 0, c.width, c.height).data;
              for (let i = 3; i < data.length; i += 4 * 7) if (data[i] !== 0) return true;
            }
            return false;
        }""",
            scope,
        )
    )


def widget_failures(page: Any) -> list[str]:
    text = page.evaluate("() => document.body.innerText")
    return [f for f in WIDGET_FAILURES if f in text]


def unexpected_console_errors(page: Any) -> list[str]:
    return [
        text
        for kind, text in page.console_messages
        if kind == "error" and not any(w in text for w in EXPECTED_WARNINGS)
    ]


@contextmanager
def diagnostics(page: Any, server: Server, directory: Path) -> Iterator[None]:
    """On failure, keep a screenshot and add the prompts, console and server log to the error."""
    try:
        yield
    except BaseException as exc:
        shot = directory / "failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            prompts = page.evaluate(
                "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent)"
            )
        except Exception:
            prompts = "?"
        console = "\n".join(f"{kind}: {text}" for kind, text in page.console_messages[-30:])
        raise AssertionError(
            f"{exc}\nscreenshot: {shot}\nprompts: {prompts}\nconsole:\n{console}\n"
            f"page errors: {page.page_errors}\nserver log:\n{server.tail(40)}"
        ) from exc
