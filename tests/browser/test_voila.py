"""Voila app mode: the claims lesson as an app, the tagger working, nothing of the kit's from a CDN."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

from playwright.sync_api import expect

from . import harness

LESSON = harness.ROOT / "lessons" / "01-claims.ipynb"
# Voila's own page template links Font Awesome from a CDN; the kit uses no icons, so those requests
# (which fail offline) change nothing on the page.
VOILA_CDN = ("cdn.jsdelivr.net/npm/@fortawesome/",)


def start_voila(root, env):
    port = harness.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(root / LESSON.name), f"--port={port}", "--no-browser",
         "--Voila.ip=127.0.0.1"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
    while time.monotonic() < deadline:  # GET / would execute the notebook: probe a static file instead
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=2)
            return proc, port
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise harness.HarnessError("voila did not start")


def test_claims_lesson_in_voila(playwright, artifacts, tmp_path):
    shutil.copy(LESSON, tmp_path / LESSON.name)
    env = dict(os.environ, KIT_WORK_DIR=str(tmp_path / "work"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(harness.ROOT), os.environ.get("PYTHONPATH")])))
    proc, port = start_voila(tmp_path, env)
    context = harness.launch_browser(playwright, artifacts)
    outside = []
    context.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in
               ("127.0.0.1", "localhost") and not r.url.startswith(("data:", "blob:")) else None)
    try:
        page = context.pages[0]
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        box = page.locator(".kit-tagger.kit-mode-sentence .kit-text")
        expect(box).to_be_visible(timeout=120_000)
        box.scroll_into_view_if_needed()
        box.focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("6")
        expect(page.locator(".kit-badge[data-code='OPINION']:not(.kit-pending)")).to_have_count(1)
        harness.screenshot(page, artifacts, "voila-claims")
        journal = (tmp_path / "work" / "claims-practice.journal.jsonl").read_text(encoding="utf-8")
        assert '"unit":"standfirst"' in journal and '"label":"OPINION"' in journal
        assert [u for u in outside if not any(cdn in u for cdn in VOILA_CDN)] == []
    finally:
        context.close()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
