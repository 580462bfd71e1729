"""The browser-only edition (JupyterLite), offline: build the site, serve it on 127.0.0.1, open the claims
lesson in Chromium, tag a sentence with the keyboard, export and download, reload and find the tag again,
and count every request the browser context and its workers attempted to a non-loopback address: zero.
The page loads only the site's own front-end extensions, and plotly's front end only once a figure is drawn.

The build (``kit.lite.build_lite``) runs once per module into a temporary folder; the first build on a
machine fetches Pyodide from npm and the wheels from PyPI into the user cache, later ones are offline.
The measurements (site size, build time, page load to a ready kernel) go to
``test-artifacts/lite-measurements.json`` and the screenshots to ``test-artifacts/lite-*.png``.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import threading
import time
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from playwright.sync_api import expect

from kit import lite, taxonomy
from kit import tags as kit_tags
from kit.errors import KitError

from . import harness
from .harness import confirmed_badge, focus

ROOT = Path(__file__).resolve().parents[2]
REAL_LESSON = ROOT / "lessons" / "01-claims.ipynb"
LESSON = "lessons/01-claims.ipynb"
TIMEOUT = 180.0  # seconds: Pyodide starts in 13-19 s here; leave room on a loaded CI machine
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
NOT_NETWORK = {"blob", "data", "about", "chrome", "chrome-extension", "devtools"}


def is_loopback(url: str) -> bool:
    """True for addresses on this machine, and for URLs that are not network requests (blob:, data:)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in NOT_NETWORK:
        return True
    host = (parts.hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def minimal_lessons(folder: Path) -> Path:
    """Until lessons/01-claims.ipynb exists: a claims lesson with one sentence tagger."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[
        new_markdown_cell("# Claims\nTag each sentence with its claim type."),
        new_code_cell("from kit.widgets import Tagger\nTagger(\"claims-practice\")"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, folder / "01-claims.ipynb")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory, artifacts):
    try:
        lite.check_build_environment()
    except KitError as exc:  # the `lite` extra is missing: fail where browser tests are required (CI)
        (pytest.fail if os.environ.get("REQUIRE_BROWSER") == "1" else pytest.skip)(str(exc))
    lessons = ROOT / "lessons" if REAL_LESSON.exists() else minimal_lessons(tmp_path_factory.mktemp("lessons"))
    out = tmp_path_factory.mktemp("lite") / "site"
    report = lite.build_lite(out, lessons_dir=lessons, progress=print)
    print(report.summary())
    assert LESSON in report.lessons
    assert report.wheels[0].startswith("media_literacy_kit-")
    bundled = {w.split("-")[0].lower() for w in report.wheels}
    assert {"pysbd", "anywidget", "ipywidgets", "traitlets", "psygnal", "comm", "ipython"} <= bundled
    assert not bundled & {"pandas", "numpy", "jupyterlab", "notebook"}
    config = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    assert {e["name"] for e in config["federated_extensions"]} == {*lite.REQUIRED_LABEXTENSIONS, lite.LAZY_PLOTLY}
    measurements = {"site_bytes": report.site_bytes, "site_mib": round(report.site_mib, 1),
                    "build_seconds": report.build_seconds, "build_steps": report.timings,
                    "wheels": report.wheels, "lessons": report.lessons, "network_lessons": report.network_lessons,
                    "real_claims_lesson": REAL_LESSON.exists()}
    (artifacts / "lite-measurements.json").write_text(json.dumps(measurements, indent=1) + "\n")
    return report


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".json": "application/json", ".whl": "application/zip"}

    def log_message(self, *args):  # the test reports what matters
        pass


@pytest.fixture(scope="module")
def server(site):
    """A static server for the site on a free 127.0.0.1 port, in a thread of this process."""
    handler = functools.partial(QuietHandler, directory=str(site.outdir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="lite-http", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class NetworkWatch:
    """Every request of a browser context (pages, web workers, service workers) and every WebSocket:
    loopback ones go through, anything else is aborted and recorded."""

    def __init__(self, context):
        self.requests: list[dict] = []
        self.outside: list[str] = []
        self.aborted: list[str] = []
        self.not_found: list[str] = []  # 4xx/5xx answers of the site (JupyterLite probes optional files)
        context.on("request", self._on_request)
        context.on("response", lambda r: self.not_found.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        context.route("**/*", self._route)
        if hasattr(context, "route_web_socket"):  # Playwright >= 1.48
            context.route_web_socket("**/*", self._route_ws)

    def _on_request(self, request):
        try:
            worker = request.service_worker is not None
        except Exception:
            worker = False
        self.requests.append({"url": request.url, "type": request.resource_type, "service_worker": worker})
        if not is_loopback(request.url):
            self.outside.append(request.url)

    def _route(self, route):
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:
            self.aborted.append(url)
            route.abort("blockedbyclient")

    def _route_ws(self, ws):
        if is_loopback(ws.url):
            ws.connect_to_server()
        else:
            self.aborted.append(ws.url)
            ws.close()

    @property
    def non_loopback(self) -> list[str]:
        return sorted(set(self.outside) | set(self.aborted))


#: Adds a code cell at the end of the open notebook and runs it.
RUN_NEW_CELL_JS = """async (code) => {
  const app = window.jupyterapp, notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = notebook.widgets.length - 1;
  await app.commands.execute('notebook:insert-cell-below');
  notebook.activeCell.model.sharedModel.setSource(code);
  await app.commands.execute('notebook:run-cell');
}"""
#: A figure in plotly's mimetype, as kit.charts and plotly's own renderer give it (no plotly or pandas needed).
CHART_CELL = """from IPython.display import display
display({"application/vnd.plotly.v1+json": {"data": [{"type": "bar", "x": ["a", "b"], "y": [3, 4]}],
                                            "layout": {"title": {"text": "drawn by the lazy plotly"}}},
         "text/plain": "a chart"}, raw=True)"""
PLOTLY_FRONT_END = f"/extensions/{lite.LAZY_PLOTLY}/static/plotly/"

STDERR_JS = """() => {
  const p = window.jupyterapp.shell.currentWidget;
  const out = [];
  p.content.widgets.forEach((c, i) => {
    if (c.model.type !== 'code') return;
    for (const o of c.model.outputs.toJSON()) {
      if (o.output_type === 'stream' && o.name === 'stderr') out.push({cell: i, text: String(o.text).slice(0, 300)});
    }
  });
  return out;
}"""


def open_lesson(page, url: str) -> float:
    """Go to the lesson and wait for its Pyodide kernel; returns seconds from navigation to ready."""
    t0 = time.monotonic()
    page.goto(url)
    kernel = harness.wait_notebook_ready(page, TIMEOUT)
    elapsed = time.monotonic() - t0
    assert kernel["kernel"] == "python" and kernel["language"] == "python", kernel
    return elapsed


def test_lite_claims_lesson_offline(site, server, browser_context, page, page_errors, artifacts, tmp_path):
    watch = NetworkWatch(browser_context)
    url = f"{server}/lab/index.html?path={urllib.parse.quote(LESSON)}"

    # Page load to a ready kernel (Pyodide, IPython and the kernel's packages, all from the site).
    ready_seconds = open_lesson(page, url)
    t_run = time.monotonic()
    harness.run_all(page, TIMEOUT)
    run_all_seconds = time.monotonic() - t_run

    assert page.evaluate(STDERR_JS) == []  # no warnings either (pysbd's, compiled afresh in every browser kernel)
    sentences = page.locator(".kit-tagger.kit-mode-sentence").first
    expect(sentences.locator(".kit-text")).to_be_visible(timeout=60_000)
    # The lesson and the tagger both say where the work lives.
    expect(page.locator(".jp-MarkdownCell", has_text="Browser-only edition").first).to_be_attached()
    expect(sentences.locator(".kit-notice", has_text="browser-only edition")).to_have_count(1)

    # Tag p01.s2 (title, standfirst, p01.s1, p01.s2) as check-worthy with the keyboard only.
    key = next(c.key for c in taxonomy.claim_types() if c.code == "CHECK")
    focus(sentences.locator(".kit-text"))
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press(key)
    expect(confirmed_badge(sentences, "CHECK")).to_have_count(1, timeout=30_000)

    # The journal is in the browser's storage (JupyterLite's contents, IndexedDB), beside the lesson.
    stored = page.evaluate("""async () => {
      const m = await window.jupyterapp.serviceManager.contents.get(
          'lessons/kit-work/claims-practice.journal.jsonl', {content: true});
      return {format: m.format, content: m.content};
    }""")
    journal = base64.b64decode(stored["content"]).decode() if stored["format"] == "base64" else stored["content"]
    lines = [json.loads(line) for line in journal.splitlines() if line.strip()]
    assert lines[0]["journal"] == "kit-journal" and lines[-1]["op"] == "set"
    assert lines[-1]["tag"]["unit"] == "p01.s2" and lines[-1]["tag"]["label"] == "CHECK"

    # Export: confirm an id, click Export, then the Download link the widget serves itself.
    sentences.get_by_label("Student id:").fill("s-lite")
    sentences.get_by_role("button", name="Confirm id").click()
    expect(sentences.locator(".kit-hint")).to_have_text("(confirmed: s-lite)", timeout=30_000)
    sentences.get_by_role("button", name="Export my tags").click()
    link = sentences.locator(".kit-download")
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as info:
        link.click()
    downloaded = tmp_path / "downloaded.json"
    info.value.save_as(downloaded)
    data = json.loads(downloaded.read_text(encoding="utf-8"))
    assert kit_tags.validate_export(data) == []
    assert data["student"]["id"] == "s-lite" and data["exercise"] == "claims-practice"
    assert ("p01.s2", "CHECK") in [(t["unit"], t["label"]) for t in data["tags"]]
    stored = page.evaluate("""async () => {
      const m = await window.jupyterapp.serviceManager.contents.get(
          'lessons/kit-work/exports/s-lite-claims-practice.json', {content: true, format: 'text'});
      return m.content;
    }""")
    assert json.loads(stored)["tags"] == data["tags"]  # the export is in browser storage too
    harness.screenshot(page, artifacts, "lite-claims-exported")

    # Reload: a new kernel replays the journal from browser storage, and the tag is back.
    t_reload = time.monotonic()
    harness.reload(page, TIMEOUT)
    reload_ready_seconds = time.monotonic() - t_reload
    harness.run_all(page, TIMEOUT)
    sentences = page.locator(".kit-tagger.kit-mode-sentence").first
    expect(confirmed_badge(sentences, "CHECK")).to_have_count(1, timeout=60_000)
    harness.screenshot(page, artifacts, "lite-claims-reloaded")

    # No page so far fetched plotly's front end (4.8 MB), nor any extension the site does not ship...
    extensions = {r["url"].split("/extensions/", 1)[1].split("/static/")[0]
                  for r in watch.requests if "/extensions/" in r["url"]}
    assert extensions == {*lite.REQUIRED_LABEXTENSIONS, lite.LAZY_PLOTLY}
    assert not [r for r in watch.requests if PLOTLY_FRONT_END in r["url"]]
    # ...and a figure in plotly's mimetype still draws: the stand-in loads plotly's front end then.
    t_chart = time.monotonic()
    page.evaluate(RUN_NEW_CELL_JS, CHART_CELL)
    chart = page.locator(".jp-Notebook .jp-OutputArea-output .js-plotly-plot .gtitle")  # plotly.js also draws a
    expect(chart).to_have_text("drawn by the lazy plotly", timeout=60_000)  # hidden copy for a PNG snapshot
    chart_seconds = time.monotonic() - t_chart
    assert [r for r in watch.requests if PLOTLY_FRONT_END in r["url"]]

    measurements_path = artifacts / "lite-measurements.json"
    measurements = json.loads(measurements_path.read_text()) if measurements_path.exists() else {}
    measurements.update(
        page_load_to_kernel_ready_seconds=round(ready_seconds, 1),
        run_all_seconds=round(run_all_seconds, 1),
        reload_to_kernel_ready_seconds=round(reload_ready_seconds, 1),
        first_chart_seconds=round(chart_seconds, 1),
        requests=len(watch.requests),
        service_worker_requests=sum(r["service_worker"] for r in watch.requests),
        worker_script_requests=sum(1 for r in watch.requests if r["url"].endswith((".wasm", ".whl"))),
        non_loopback_requests=watch.non_loopback,
        error_responses=sorted(set(watch.not_found)),
    )
    measurements_path.write_text(json.dumps(measurements, indent=1) + "\n")
    print(json.dumps({k: v for k, v in measurements.items() if k != "wheels"}, indent=1))

    # Every wheel the kernel needed came from the site itself, and nothing left the machine.
    assert any(r["url"].endswith(".whl") for r in watch.requests), "no wheel request seen: is the watch blind?"
    assert watch.non_loopback == [], f"requests to non-loopback addresses: {watch.non_loopback}"
    assert harness.unexpected_page_errors(page_errors) == []


@pytest.mark.parametrize("lesson", ["lessons/00-start-here.ipynb", "lessons/02-techniques.ipynb",
                                    "lessons/03-check-the-claims.ipynb"])
def test_lite_other_offline_lessons_run(lesson, site, server, browser_context, page, page_errors, artifacts):
    """The other lessons that need no network run whole, offline, without a warning."""
    if lesson not in site.lessons:
        pytest.skip(f"{lesson} is not among the lessons yet")
    assert lesson not in site.network_lessons
    watch = NetworkWatch(browser_context)
    open_lesson(page, f"{server}/lab/index.html?path={urllib.parse.quote(lesson)}")
    harness.run_all(page, TIMEOUT)
    assert page.evaluate(STDERR_JS) == []
    expect(page.locator(".jp-MarkdownCell", has_text="Browser-only edition").first).to_be_attached()
    if "check-the-claims" in lesson:  # its timeline: plotly's front end, fetched from the site on the first chart
        expect(page.locator(".js-plotly-plot").first).to_be_attached(timeout=TIMEOUT * 1000)
    harness.screenshot(page, artifacts, f"lite-{Path(lesson).stem}")
    assert any(r["url"].endswith(".whl") for r in watch.requests)
    assert watch.non_loopback == [], f"requests to non-loopback addresses: {watch.non_loopback}"
    assert harness.unexpected_page_errors(page_errors) == []
