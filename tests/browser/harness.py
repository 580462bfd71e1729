"""Real-browser helpers: a throw-away Jupyter server, Debian Chromium driven by Playwright, and the
notebook steps (open, wait for the kernel, run all, restart, reload) that every browser test needs.

Plain functions and one class, no pytest magic, so they work from a script too::

    from playwright.sync_api import sync_playwright
    from tests.browser import harness

    # run from the repository root; "notebooks" is a file, a folder (its contents) or a list of both
    with harness.JupyterServer("lab", notebooks="path/to/lesson.ipynb") as server, \\
            sync_playwright() as p:
        context = harness.launch_browser(p)
        page = context.pages[0]
        errors = harness.watch_page_errors(page)
        harness.open_notebook(page, server, "lesson.ipynb")
        harness.run_all(page)
        harness.screenshot(page, harness.ARTIFACTS, "lesson")  # test-artifacts/lesson.png
        context.close()
        assert harness.unexpected_page_errors(errors) == []

What this relies on, and why (measured in /work/shared/research/env-proof.md §2):

* The browser is Debian's ``/usr/bin/chromium`` (or ``$BROWSER_PATH``); ``playwright install`` is never needed.
* The server runs with ``expose_app_in_browser=True`` so ``window.jupyterapp`` exists; the kernel-ready wait
  and the commands (run all, restart) go through it. The same code drives JupyterLab 4 and Notebook 7.
* Settings files (:data:`SETTINGS`) stop the "Select Kernel" modal, the news toast and the "Restart
  Kernel?" question, which would swallow clicks.
* The execution indicator says "idle" before the kernel is connected; :func:`wait_kernel_ready` waits on
  the session and ``kernel.info`` instead, otherwise "Run All" sometimes runs nothing.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterable, Mapping

ROOT = Path(__file__).resolve().parents[2]
#: Screenshots (and anything else a human should look at after a run) go here; CI keeps the folder.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))

CHROMIUM = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",            # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}

#: The user interfaces a test can ask for; ``JUPYTER_UIS=lab`` restricts a run to JupyterLab.
ALL_UIS = ("lab", "notebook")
UIS = tuple(u.strip() for u in os.environ.get("JUPYTER_UIS", ",".join(ALL_UIS)).split(",") if u.strip())

#: Uncaught page errors that are known to be harmless (substring match).
HARMLESS_PAGE_ERRORS = (
    # Notebook 7.6.5's shortcuts settings plugin, on every page load, even with an empty settings dir.
    "Cannot read properties of undefined (reading 'schema')",
    # The test extras include JupyterLite's build tools (for the browser-only edition); their Pyodide
    # kernel extension only loads inside a Lite site, and JupyterLab reports it once per page load even
    # when the extension is disabled. Nothing else is affected.
    "Shared module @jupyterlite/services doesn't exist in shared scope default",
)

# Settings files (relative to $JUPYTERLAB_SETTINGS_DIR) that both JupyterLab 4 and Notebook 7 read.
SETTINGS = {
    # Without it JupyterLab 4.6 opens a modal "Select Kernel" dialog that swallows every click.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
    # No "Would you like to get notified about official Jupyter news?" toast.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
    # No "Restart Kernel?" confirmation (the dialog's own "Do not ask me again").
    "@jupyterlab/apputils-extension/sessionDialogs.jupyterlab-settings": {"skipKernelRestartDialog": True},
}

DEFAULT_TIMEOUT = 60.0  # seconds, for server start, kernel start and run-all


class HarnessError(AssertionError):
    """A browser-harness step did not reach the expected state (server, kernel, notebook)."""


class NotebookError(HarnessError):
    """Cells raised during :func:`run_all`; ``.errors`` lists ``{"cell", "ename", "evalue"}`` dicts."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        lines = [f"cell {e['cell']}: {e['ename']}: {e['evalue']}" for e in errors]
        super().__init__("the notebook raised:\n  " + "\n  ".join(lines))


# --------------------------------------------------------------------------------------------------
# The Jupyter server
# --------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _copy_into(root: Path, sources: str | os.PathLike | Iterable[str | os.PathLike] | None) -> None:
    """Copy files, or the contents of folders, into ``root``."""
    if sources is None:
        return
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    for src in map(Path, sources):
        if src.is_dir():
            shutil.copytree(src, root, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        elif src.is_file():
            shutil.copy2(src, root / src.name)
        else:
            raise FileNotFoundError(src)


class JupyterServer:
    """A JupyterLab (``ui="lab"``) or Notebook 7 (``ui="notebook"``) server for one test or module.

    It runs from the interpreter running the tests (so kernels see the same packages, including the
    kit), on a free 127.0.0.1 port, as root if need be, in its own process group, with throw-away
    settings, workspace, runtime, config, data and IPython dirs. ``notebooks`` (a file, a folder whose
    contents are copied, or a list of both) is copied into :attr:`root`, the server's root dir; more
    files may be copied there at any time. ``env`` adds variables for the server and its kernels (for
    example ``{"KIT_WORK_DIR": ...}``); a value of ``None`` removes the variable. The repository root is
    put first on the kernels' ``PYTHONPATH`` (``kit_on_path=False`` to leave it out), so notebooks import
    this checkout's ``kit`` even where it is not installed. ``extra_args`` go to the server's command
    line; ``keep=True`` keeps the temporary folder (root, settings, ``server.log``) after :meth:`stop`.

    Use it as a context manager, or call :meth:`start` / :meth:`stop`.
    """

    def __init__(self, ui: str = "lab", notebooks=None, env: Mapping[str, str | None] | None = None, *,
                 token: str = "ci-token", startup_timeout: float = DEFAULT_TIMEOUT,
                 extra_args: Iterable[str] = (), keep: bool = False, kit_on_path: bool = True):
        if ui not in ALL_UIS:
            raise ValueError(f"ui must be one of {ALL_UIS}, not {ui!r}")
        self.ui = ui
        self.token = token
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.keep = keep  # keep the temp folder after stop (for debugging)
        self.kit_on_path = kit_on_path
        self.tmp = Path(tempfile.mkdtemp(prefix=f"kit-jupyter-{ui}-"))
        self.root = self.tmp / "root"
        self.root.mkdir()
        self.settings_dir = self.tmp / "lab-settings"
        self.log_path = self.tmp / "server.log"
        self.env = dict(env or {})
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        _copy_into(self.root, notebooks)

    # -- addresses -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        """The page for ``path`` (relative to :attr:`root`): a notebook, or a folder for the file browser.

        Lab: ``/lab/tree/<path>?token=...&reset`` (``reset`` drops any saved workspace layout; ``/lab``
        for the root); Notebook 7: ``/notebooks/<nb>?token=...`` or ``/tree/<folder>?token=...``.
        """
        quoted = urllib.parse.quote(str(path).strip("/"))
        if self.ui == "lab":
            where = f"/lab/tree/{quoted}" if quoted else "/lab"  # "/lab/tree/" is "Path Not Found"
            return f"{self.base_url}{where}?token={self.token}&reset"
        kind = "notebooks" if str(path).endswith(".ipynb") else "tree"
        return f"{self.base_url}/{kind}/{quoted}?token={self.token}"

    def api(self, path: str, method: str = "GET", timeout: float = 5.0):
        """Call the REST API (``path`` like ``"/api/status"``); returns the decoded JSON, or None."""
        sep = "&" if "?" in path else "?"
        req = urllib.request.Request(f"{self.base_url}{path}{sep}token={self.token}", method=method,
                                     data=b"" if method != "GET" else None)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body.strip() else None

    @property
    def log(self) -> str:
        """Everything the server (and its kernels) printed so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.splitlines()[-lines:])

    # -- life cycle ----------------------------------------------------------------------------

    def command(self) -> list[str]:
        module = "jupyterlab" if self.ui == "lab" else "notebook"
        cmd = [sys.executable, "-m", module, f"--port={self.port}", "--ip=127.0.0.1", "--no-browser",
               "--allow-root", f"--ServerApp.root_dir={self.root}", f"--IdentityProvider.token={self.token}",
               "--ServerApp.port_retries=0"]
        if self.ui == "lab":
            cmd += ["--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
                    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                    "--LabApp.extension_manager=readonly"]
        else:
            # Only this one: an unknown trait (e.g. news_url) drops the whole notebook app config.
            cmd += ["--JupyterNotebookApp.expose_app_in_browser=True"]
        return cmd + self.extra_args

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        dirs = {"JUPYTERLAB_SETTINGS_DIR": self.settings_dir, "JUPYTERLAB_WORKSPACES_DIR": self.tmp / "workspaces",
                "JUPYTER_RUNTIME_DIR": self.tmp / "runtime", "JUPYTER_CONFIG_DIR": self.tmp / "config",
                # no user-level kernelspecs or extensions: the kernel is this interpreter's ipykernel
                "JUPYTER_DATA_DIR": self.tmp / "data", "IPYTHONDIR": self.tmp / "ipython"}
        for name, path in dirs.items():
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        env.pop("JUPYTER_PATH", None)
        env.pop("JUPYTER_CONFIG_PATH", None)
        if self.kit_on_path:  # kernels import this checkout's kit, as the tests do, installed or not
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no "frozen modules" debugger warning per kernel
        for name, value in self.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        return env

    def _write_settings(self) -> None:
        for rel, content in SETTINGS.items():
            path = self.settings_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(content), encoding="utf-8")

    def start(self) -> "JupyterServer":
        if self.proc is not None:
            return self
        self._write_settings()
        env = self._environment()
        for attempt in range(3):  # a free port may be taken between bind() and the server's own bind
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(self.command(), cwd=self.root, env=env, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            _LIVE.add(self)
            try:
                self._wait_ready()
                return self
            except HarnessError:
                port_taken = "already in use" in self.log or "Address already" in self.log
                self.stop(_remove=not port_taken or attempt == 2)  # the error carries the log's tail
                if not port_taken or attempt == 2:
                    raise
        return self  # pragma: no cover

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"jupyter {self.ui} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("/api/status", timeout=1.0)
                return
            except (urllib.error.URLError, ConnectionError, OSError, ValueError):
                time.sleep(0.1)
        raise HarnessError(f"jupyter {self.ui} did not answer /api/status within {self.startup_timeout:.0f} s:\n"
                           f"{self.log_tail()}")

    @staticmethod
    def _descendants(pid: int) -> list:
        """Processes the server started. Kernels run in sessions of their own, so killpg misses them."""
        try:
            import psutil  # a dependency of ipykernel
            return psutil.Process(pid).children(recursive=True)
        except Exception:
            return []

    def stop(self, _remove: bool = True) -> None:
        """POST /api/shutdown (which shuts the kernels down too), then end our own process group."""
        proc, self.proc = self.proc, None
        _LIVE.discard(self)
        if proc is not None:
            children = self._descendants(proc.pid)
            if proc.poll() is None:
                try:
                    self.api("/api/shutdown", method="POST")
                    proc.wait(timeout=10)
                except Exception:
                    pass
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)  # the group start_new_session=True made; pgid == pid
                except (ProcessLookupError, PermissionError):
                    break
                try:
                    proc.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue
            for child in children:  # a kernel the shutdown left behind is ours too
                try:
                    if child.is_running():  # same pid *and* start time: not a recycled pid
                        child.kill()
                except Exception:
                    pass
        if _remove and not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "JupyterServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"port {self.port}" if self.proc else "stopped"
        return f"<JupyterServer {self.ui} {state} root={self.root}>"


_LIVE: set[JupyterServer] = set()


def live_servers() -> list[JupyterServer]:
    """Servers started and not yet stopped (the pytest hook prints their logs when a test fails)."""
    return list(_LIVE)


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        server.stop()


# --------------------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------------------

def chromium_version(path: str = CHROMIUM) -> str:
    """``Chromium 156.0...`` (stderr of Debian's wrapper, a harmless ``[: ... unexpected operator``, is dropped)."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def launch_browser(playwright, artifacts_dir: str | os.PathLike | None = None, *, headless: bool = True,
                   **options):
    """Debian Chromium in a persistent context with a fresh temporary profile; returns the BrowserContext.

    The profile is deleted when the context closes. ``context.pages[0]`` is the first tab. With
    ``BROWSER_VIDEO=1`` in the environment, videos are recorded into ``artifacts_dir/video``. Extra
    keyword arguments go to ``launch_persistent_context``.
    """
    profile = tempfile.mkdtemp(prefix="kit-chromium-")
    if artifacts_dir is not None and os.environ.get("BROWSER_VIDEO") == "1":
        options.setdefault("record_video_dir", str(Path(artifacts_dir) / "video"))
    try:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=headless, args=CHROMIUM_ARGS, viewport=VIEWPORT,
            **options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    # Delete the profile once the browser has exited: the "close" event comes too early (Chromium
    # still writes its Preferences then), so wrap close() itself.
    close = context.close

    def close_and_clean(*args, **kwargs):
        try:
            close(*args, **kwargs)
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    context.close = close_and_clean
    return context


def watch_page_errors(page) -> list[str]:
    """Start collecting uncaught page errors; returns the live list (filter it with :func:`unexpected_page_errors`)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{exc.name}: {exc.message}" if exc.name else str(exc)))
    return errors


def watch_console(page, types: Iterable[str] = ("error",)) -> list[str]:
    """Collect console messages of the given types (for failure reports; JupyterLab logs many harmless ones)."""
    wanted = set(types)
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}") if msg.type in wanted else None)
    return messages


def unexpected_page_errors(errors: Iterable[str], allow: Iterable[str] = ()) -> list[str]:
    """The errors that match neither :data:`HARMLESS_PAGE_ERRORS` nor ``allow`` (substrings)."""
    harmless = tuple(HARMLESS_PAGE_ERRORS) + tuple(allow)
    return [e for e in errors if not any(h in e for h in harmless)]


def screenshot(page, artifacts_dir: str | os.PathLike = ARTIFACTS, name: str = "screenshot", *,
               full_page: bool = False) -> Path:
    """Save ``<artifacts_dir>/<name>.png`` (the folder is created on demand) and return its path."""
    folder = Path(artifacts_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.\-\[\]]+", "_", name)
    path = folder / (name if name.endswith(".png") else f"{name}.png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --------------------------------------------------------------------------------------------------
# Notebook steps (identical in JupyterLab 4 and Notebook 7)
# --------------------------------------------------------------------------------------------------

# Resolves once the current notebook's document and session are ready and the kernel has answered
# kernel_info; rejects after `timeoutMs`. Needs expose_app_in_browser=True (window.jupyterapp).
KERNEL_READY_JS = """async (timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const within = (p, what) => Promise.race([p, new Promise((_, reject) => setTimeout(
      () => reject(new Error('timed out waiting for ' + what)), Math.max(0, deadline - Date.now())))]);
  let p = null;
  while (!(p && p.sessionContext)) {
    if (Date.now() > deadline) throw new Error('no notebook panel in window.jupyterapp.shell.currentWidget');
    p = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!(p && p.sessionContext) && window.jupyterapp) {
      // After a reload the restored tab may be shown without being the current widget: activate it.
      const shown = [...window.jupyterapp.shell.widgets('main')].find((w) => w.sessionContext && w.isVisible);
      if (shown) window.jupyterapp.shell.activateById(shown.id);
    }
    if (!(p && p.sessionContext)) await sleep(50);
  }
  await within(p.context.ready, 'context.ready');
  await within(p.sessionContext.ready, 'sessionContext.ready');
  let kernel = null;
  while (!kernel) {
    kernel = p.sessionContext.session && p.sessionContext.session.kernel;
    if (!kernel) { if (Date.now() > deadline) throw new Error('no kernel'); await sleep(50); }
  }
  const info = await within(kernel.info, 'kernel.info');
  return {kernel: kernel.name, id: kernel.id, language: info.language_info.name};
}"""

# True while any code cell of the current notebook is queued or running.
BUSY_JS = """() => {
  const p = window.jupyterapp.shell.currentWidget;
  const cells = p.content.widgets;
  const busy = cells.some((c) => c.model.type === 'code' &&
      (c.model.executionState === 'running' ||
       (c.promptNode && c.promptNode.textContent.includes('[*]'))));
  const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
  return busy || !kernel || kernel.status !== 'idle';
}"""

# Error outputs of the current notebook, read from the model (not the DOM, which may be windowed).
ERRORS_JS = """() => {
  const p = window.jupyterapp.shell.currentWidget;
  const out = [];
  p.content.widgets.forEach((c, i) => {
    if (c.model.type !== 'code') return;
    for (const o of c.model.outputs.toJSON()) {
      if (o.output_type === 'error') out.push({cell: i, ename: o.ename, evalue: o.evalue});
    }
  });
  return out;
}"""


def command(page, command_id: str, args: dict | None = None):
    """Run a JupyterLab / Notebook 7 command through ``window.jupyterapp.commands`` and return its result."""
    return page.evaluate("([id, args]) => window.jupyterapp.commands.execute(id, args)", [command_id, args or {}])


def wait_kernel_ready(page, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Wait until the current notebook's kernel is connected and has answered; returns its name, id, language."""
    try:
        return page.evaluate(KERNEL_READY_JS, int(timeout * 1000))
    except Exception as exc:
        raise HarnessError(f"kernel not ready: {exc}") from exc


def open_notebook(page, server: JupyterServer, name: str, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Go to notebook ``name`` (relative to ``server.root``), wait for its cells and a ready kernel."""
    page.goto(server.url(name))
    return wait_notebook_ready(page, timeout)


def wait_notebook_ready(page, timeout: float = DEFAULT_TIMEOUT) -> dict:
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout * 1000)
    return wait_kernel_ready(page, timeout)


def wait_idle(page, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Wait until no cell is queued or running (no ``[*]``) and the kernel is idle."""
    try:
        page.wait_for_function(f"() => !({BUSY_JS})()", timeout=timeout * 1000, polling=100)
    except Exception as exc:
        raise HarnessError(f"the notebook was still busy after {timeout:.0f} s") from exc


def notebook_errors(page) -> list[dict]:
    """Error outputs in the current notebook: ``[{"cell": index, "ename": ..., "evalue": ...}]``."""
    return page.evaluate(ERRORS_JS)


def run_all(page, timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> None:
    """Run every cell (``notebook:run-all-cells``) and wait until execution is done.

    With ``check`` (the default), raise :class:`NotebookError` if any cell shows an error output.
    """
    # The command's promise settles when the last cell has run (or one raised); then make sure that
    # no prompt still shows [*] and the kernel is idle.
    page.evaluate("""() => {
      const state = window.__kitRunAll = {done: false, error: null};
      window.jupyterapp.commands.execute('notebook:run-all-cells')
        .catch((e) => { state.error = String(e); }).finally(() => { state.done = true; });
    }""")
    try:
        page.wait_for_function("() => window.__kitRunAll.done", timeout=timeout * 1000, polling=50)
    except Exception as exc:
        raise HarnessError(f"run all did not finish within {timeout:.0f} s") from exc
    error = page.evaluate("() => window.__kitRunAll.error")
    if error:
        raise HarnessError(f"notebook:run-all-cells failed: {error}")
    wait_idle(page, timeout)
    if check:
        errors = notebook_errors(page)
        if errors:
            raise NotebookError(errors)


#: Restart commands, in the order :func:`restart_kernel` tries them; the first one the app has is used.
#: ``kernelmenu:restart`` is the Kernel menu's "Restart Kernel..." in both JupyterLab 4.6 and Notebook 7.6;
#: ``notebook:restart-kernel`` is the notebook toolbar's button and the same action.
RESTART_COMMANDS = ("kernelmenu:restart", "notebook:restart-kernel")

# Starts `id`; window.__kitRestart.done / .restarted tell whether it settled and whether the session
# went through "restarting" (the kernel id survives a restart, so that is the proof).
_START_RESTART_JS = """(id) => {
  const sc = window.jupyterapp.shell.currentWidget.sessionContext;
  const state = window.__kitRestart = {done: false, restarted: false, error: null};
  const onStatus = (_, s) => { if (s === 'restarting' || s === 'autorestarting') state.restarted = true; };
  sc.statusChanged.connect(onStatus);
  window.jupyterapp.commands.execute(id)
    .catch((e) => { state.error = String(e); })
    .finally(() => { sc.statusChanged.disconnect(onStatus); state.done = true; });
}"""


def restart_kernel(page, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Restart the current notebook's kernel through the Kernel menu's command, wait until it is ready.

    :data:`SETTINGS` turns the confirmation dialog off; should one appear anyway, it is accepted.
    Returns the command id used. Outputs stay on the page, but the kernel (and every widget model) is new.
    """
    known = page.evaluate("(ids) => ids.filter((id) => window.jupyterapp.commands.hasCommand(id))",
                          list(RESTART_COMMANDS))
    if not known:
        raise HarnessError(f"none of {RESTART_COMMANDS} exists in this app")
    page.evaluate(_START_RESTART_JS, known[0])
    page.wait_for_function("() => window.__kitRestart.done || !!document.querySelector('.jp-Dialog')",
                           timeout=timeout * 1000, polling=50)
    if not page.evaluate("() => window.__kitRestart.done"):
        page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_function("() => window.__kitRestart.done", timeout=timeout * 1000, polling=50)
    state = page.evaluate("() => window.__kitRestart")
    if state["error"] or not state["restarted"]:
        raise HarnessError(f"{known[0]} did not restart the kernel: {state}")
    wait_kernel_ready(page, timeout)
    wait_idle(page, timeout)
    return known[0]


def reload(page, timeout: float = DEFAULT_TIMEOUT, save: bool = True) -> dict:
    """Reload the page and wait for the notebook and its kernel (the same kernel: sessions survive a reload).

    With ``save`` (the default) the notebook is saved first. A notebook with unsaved changes makes the
    browser ask "Leave site?" (``beforeunload``); Playwright would dismiss that and the reload would
    hang, so the question is accepted here.
    """
    if save:
        command(page, "docmanager:save")

    def leave(dialog):
        if dialog.type == "beforeunload":
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", leave)
    try:
        page.reload(timeout=timeout * 1000)
    finally:
        page.remove_listener("dialog", leave)
    return wait_notebook_ready(page, timeout)


def cells(page):
    """Locator for every cell of the open notebook, in order."""
    return page.locator(".jp-Notebook .jp-Cell")


def cell_type(page, index: int) -> str:
    """``'code'``, ``'markdown'`` or ``'raw'``, read from the rendered cell's class."""
    classes = (cells(page).nth(index).get_attribute("class") or "").split()
    for kind, cls in (("code", "jp-CodeCell"), ("markdown", "jp-MarkdownCell"), ("raw", "jp-RawCell")):
        if cls in classes:
            return kind
    raise HarnessError(f"cell {index} has no known cell class: {classes}")


# -- the kit's widgets in the page ------------------------------------------------------------------


def journal(work: Path, exercise: str) -> list[dict]:
    """The entries of an exercise's journal in a work folder ([] before the first edit)."""
    path = Path(work) / f"{exercise}.journal.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def confirmed_badge(root, code: str):
    """The badges of one label that Python has confirmed (no dashed "pending" outline)."""
    return root.locator(f".kit-badge[data-code='{code}']:not(.kit-pending)")


def focus(box) -> None:
    """Scroll a tagger's text into view, then give it the keyboard focus (no mouse event)."""
    from playwright.sync_api import expect

    box.scroll_into_view_if_needed()
    box.focus()
    expect(box).to_be_focused()


# -- accessibility ----------------------------------------------------------------------------------

#: Impacts that fail a test; axe-core's "moderate" and "minor" findings are reported, not failed.
BLOCKING_IMPACTS = ("critical", "serious")


def axe_violations(page, include: str | list[str] | None = None) -> list[dict]:
    """axe-core's violations in the page (or only inside the ``include`` CSS selectors).

    Each: ``{"id", "impact", "help", "nodes": [html snippets]}``. axe-core comes bundled with
    ``axe-playwright-python``, so nothing is fetched.
    """
    from axe_playwright_python.sync_playwright import Axe

    selectors = [include] if isinstance(include, str) else include
    context = {"include": [[s] for s in selectors]} if selectors else None
    results = Axe().run(page, context=context, options={"resultTypes": ["violations"]})
    return [{"id": v["id"], "impact": v.get("impact"), "help": v.get("help", ""),
             "nodes": [n.get("html", "")[:160] for n in v.get("nodes", [])]}
            for v in results.response.get("violations", [])]


def impact_counts(violations: list[dict]) -> dict[str, int]:
    """Nodes per impact, as the closing notes report them."""
    counts = {impact: 0 for impact in ("critical", "serious", "moderate", "minor")}
    for v in violations:
        counts[v["impact"] or "minor"] = counts.get(v["impact"] or "minor", 0) + len(v["nodes"])
    return counts


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
