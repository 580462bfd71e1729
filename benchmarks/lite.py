"""The browser-only edition (JupyterLite), before and after, measured side by side in one run.

Two sites are built from the same lessons (plus an empty notebook): "before" from a checkout of a git
revision (``--before-ref``, default HEAD, in a temporary ``git worktree``) with that checkout's own
code, "after" from this working tree. Each is served on 127.0.0.1 by a plain static server that
answers as GitHub Pages does (``Cache-Control: max-age=600``, ``Last-Modified``, 304 on
``If-Modified-Since``; no compression, so bytes are the files' own sizes). With Playwright and Debian's
Chromium, for lesson 01 and for the empty notebook of the same site:

* cold: a fresh browser profile; the bytes and requests the server sent, and the time from navigation
  to the kernel being ready and to "ready" (all cells run; for lesson 01, the tagger drawn);
* warm: the same profile, browser restarted (HTTP cache, service worker and browser storage kept),
  the same visit again.

Medians of ``--repeats`` rounds (the lesson/empty ratios: medians of each round's ratio); the rounds
alternate the sites' order. ``--max-age 0`` models a visit after the host's max-age has run out (every
file revalidated), ``--latency 0.05`` a network's round trip per request. ``--sites A B`` (with
``--labels``) compares two sites already built, each holding ``lessons/empty.ipynb``.

``--steps`` builds only this tree's site and times lesson 01's work step by step on warm visits, inside
the browser's kernel (one cell a step: the widget libraries, the kit's widgets, the tagger built and
shown, the self-check), beside an empty notebook's warm visit: where the lesson's extra time goes.

Run: .venv/bin/python benchmarks/lite.py [--repeats 3] [--before-ref HEAD] [--max-age 600] [--detail] [--steps]
(needs /usr/bin/chromium and the ``lite`` extra; the builds need the download cache or the registries;
times are wall-clock on a shared machine: compare the columns of one run, not runs)
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import harness  # noqa: E402  (the repository's browser helpers)

LESSON = "lessons/01-claims.ipynb"
EMPTY = "lessons/empty.ipynb"
STEPS_NOTEBOOK = "lessons/steps.ipynb"
TIMEOUT = 240.0  # seconds per step: Pyodide alone takes 7-19 s here, more on a loaded machine

#: Lesson 01's code cells, split into steps; each cell notes the kernel's clock when it is done.
STEPS = (
    ("import the widget libraries (ipywidgets, anywidget)", "import ipywidgets, anywidget"),
    ("import the kit's widgets", "from kit.widgets import SelfCheck, Tagger"),
    ("build the tagger (load, clean and segment the text)", 'claims = Tagger("claims-practice")'),
    ("show the tagger", "display(claims)"),
    ("build and show the self-check", "display(SelfCheck(claims))"),
)
STEPS_MARK = "kit-steps:"


# --------------------------------------------------------------------------------------------------
# Building the two sites
# --------------------------------------------------------------------------------------------------

def lessons_with_empty(src: Path, dest: Path) -> Path:
    """A copy of ``src`` plus ``empty.ipynb``, the baseline of every visit: no cells of its own (the build
    puts its storage note, a markdown cell, on top of it as on every lesson)."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "kit-work", "__pycache__"))
    empty = {"cells": [], "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                      "language": "python"}},
             "nbformat": 4, "nbformat_minor": 5}
    (dest / "empty.ipynb").write_text(json.dumps(empty, indent=1) + "\n", encoding="utf-8")
    return dest


def add_steps_notebook(lessons: Path) -> None:
    """``steps.ipynb``: lesson 01's code, one step a cell, the last cell printing each step's seconds."""
    sources = ["import time\nT = [time.perf_counter()]"]
    sources += [f"{code}\nT.append(time.perf_counter())" for _, code in STEPS]
    sources.append(f"print({STEPS_MARK!r}, [b - a for a, b in zip(T, T[1:])])")
    cells = [{"cell_type": "code", "id": f"step-{i}", "metadata": {}, "execution_count": None, "outputs": [],
              "source": source} for i, source in enumerate(sources)]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (lessons / Path(STEPS_NOTEBOOK).name).write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")


def build_site(checkout: Path, out: Path, lessons: Path) -> None:
    """``kit lite build`` run with ``checkout``'s own code (``python -m kit`` imports kit from the cwd)."""
    done = subprocess.run([sys.executable, "-m", "kit", "lite", "build", str(out), "--lessons", str(lessons),
                           "--force", "-q"], cwd=checkout, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"building the site from {checkout} failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout.splitlines()[1].strip(), f"({checkout})", flush=True)


# --------------------------------------------------------------------------------------------------
# A static host
# --------------------------------------------------------------------------------------------------

class StaticSite:
    """A folder served on a free 127.0.0.1 port as a plain static host serves it, counting what it sends."""

    def __init__(self, folder: Path, max_age: int, latency: float = 0.0):
        self.folder = folder
        self.lock = threading.Lock()
        self.sent: Counter = Counter()      # path -> body bytes
        self.statuses: Counter = Counter()  # status -> requests
        self.revalidated: list[str] = []    # paths answered 304
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as any real host
            extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                              ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                              ".json": "application/json", ".whl": "application/zip"}

            def end_headers(self):
                self.send_header("Cache-Control", f"max-age={max_age}")
                super().end_headers()

            def send_response(self, code, message=None):
                if latency:
                    time.sleep(latency)  # one round trip of a real network, per request
                with site.lock:
                    site.statuses[code] += 1
                    if code == 304:
                        site.revalidated.append(urllib.parse.urlsplit(self.path).path)
                super().send_response(code, message)

            def copyfile(self, source, outputfile):
                path = urllib.parse.urlsplit(self.path).path
                while chunk := source.read(1 << 16):
                    outputfile.write(chunk)
                    with site.lock:
                        site.sent[path] += len(chunk)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(Handler, directory=str(folder)))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def take(self) -> tuple[Counter, Counter, list[str]]:
        """What was sent since the last call: (bytes by path, requests by status, paths answered 304)."""
        with self.lock:
            taken = self.sent, self.statuses, self.revalidated
            self.sent, self.statuses, self.revalidated = Counter(), Counter(), []
        return taken

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------------------------------
# One visit
# --------------------------------------------------------------------------------------------------

def visit(playwright, profile: Path, site: StaticSite, notebook: str) -> dict:
    """Open ``notebook`` in a browser on ``profile``; seconds to the kernel and to ready, and what was sent."""
    site.take()
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=harness.CHROMIUM, headless=True, args=harness.CHROMIUM_ARGS,
        viewport=harness.VIEWPORT)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        t0 = time.perf_counter()
        page.goto(f"{site.url}/lab/index.html?path={urllib.parse.quote(notebook)}")
        harness.wait_notebook_ready(page, TIMEOUT)
        kernel = time.perf_counter() - t0
        harness.run_all(page, TIMEOUT)
        if notebook == LESSON:
            page.locator(".kit-tagger .kit-text").first.wait_for(state="visible", timeout=TIMEOUT * 1000)
        ready = time.perf_counter() - t0
        printed = "" if notebook != STEPS_NOTEBOOK else page.evaluate(
            "() => Array.from(document.querySelectorAll('.jp-OutputArea-output'), (e) => e.innerText).join('\\n')")
        sent, statuses, revalidated = site.take()
        page.wait_for_timeout(1500)  # let late writes (HTTP cache, service worker) settle before closing
    finally:
        context.close()
    steps = [json.loads(line[len(STEPS_MARK):]) for line in printed.splitlines() if line.startswith(STEPS_MARK)]
    return {"kernel": kernel, "ready": ready, "bytes": sum(sent.values()), "requests": sum(statuses.values()),
            "revalidated": statuses.get(304, 0), "sent": sent, "revalidated_paths": revalidated,
            "steps": steps[0] if steps else None}


def cold_and_warm(playwright, site: StaticSite, notebook: str) -> tuple[dict, dict]:
    profile = Path(tempfile.mkdtemp(prefix="kit-bench-profile-"))
    try:
        cold = visit(playwright, profile, site, notebook)
        warm = visit(playwright, profile, site, notebook)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return cold, warm


# --------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------

def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(results: dict, names: list[str], repeats: int, max_age: int, detail: bool, latency: float = 0.0) -> None:
    rows = []

    def row(label: str, fmt, values) -> None:
        rows.append((label, *(fmt(v) for v in values)))

    per = results
    m = {name: {(nb, phase): {k: median(runs, k) for k in ("kernel", "ready", "bytes", "requests", "revalidated")}
                for (nb, phase), runs in per[name].items()} for name in names}

    def ratio(name: str, phase: str) -> float:
        """Median over rounds of lesson / empty, each pair measured minutes apart on the same site."""
        return statistics.median(a["ready"] / b["ready"]
                                 for a, b in zip(per[name][(LESSON, phase)], per[name][(EMPTY, phase)]))

    mb = lambda v: f"{v / 1e6:.2f} MB"  # noqa: E731
    s = lambda v: f"{v:.1f} s"  # noqa: E731
    x = lambda v: f"{v:.2f}x"  # noqa: E731
    n = lambda v: f"{v:.0f}"  # noqa: E731
    for nb, label in ((LESSON, "lesson 01"), (EMPTY, "empty notebook")):
        row(f"{label}: cold bytes", mb, [m[k][(nb, 'cold')]["bytes"] for k in names])
        row(f"{label}: cold requests", n, [m[k][(nb, 'cold')]["requests"] for k in names])
    for phase in ("cold", "warm"):
        for nb, label in ((LESSON, "lesson 01"), (EMPTY, "empty notebook")):
            row(f"{label}: {phase}, kernel ready", s, [m[k][(nb, phase)]["kernel"] for k in names])
            row(f"{label}: {phase}, ready", s, [m[k][(nb, phase)]["ready"] for k in names])
        row(f"lesson 01 / empty: {phase} ready", x, [ratio(k, phase) for k in names])
    for nb, label in ((LESSON, "lesson 01"), (EMPTY, "empty notebook")):
        row(f"{label}: warm requests (304)", lambda v: f"{v[0]:.0f} ({v[1]:.0f})",
            [(m[k][(nb, 'warm')]["requests"], m[k][(nb, 'warm')]["revalidated"]) for k in names])
        row(f"{label}: warm bytes", mb, [m[k][(nb, 'warm')]["bytes"] for k in names])
    before, after = (m[k][(LESSON, "cold")]["bytes"] for k in names)
    print(f"\nmedians of {repeats} round(s); static host with Cache-Control: max-age={max_age}, no compression"
          + (f", {latency * 1000:.0f} ms per request" if latency else "") + "\n")
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'':{width}}{names[0]:>14}{names[1]:>14}")
    for r in rows:
        print(f"{r[0]:{width}}{r[1]:>14}{r[2]:>14}")
    print(f"\nlesson 01, cold bytes: {names[1]} {(after - before) / before:+.1%} against {names[0]}")
    if detail:
        for name in names:
            sent = Counter()
            for run in per[name][(LESSON, "cold")]:
                sent.update(run["sent"])
            total = sum(sent.values())
            print(f"\n{name}: largest files of a cold load of lesson 01 (summed over {repeats} round(s))")
            for path, size in sent.most_common(15):
                print(f"  {size / repeats / 1e6:7.2f} MB {size / total:6.1%}  {path}")
            warm = Counter()
            for run in per[name][(LESSON, "warm")]:
                warm.update(run["sent"])
            if warm:
                print(f"{name}: sent again on a warm visit: " + ", ".join(
                    f"{p} ({b / repeats / 1e6:.2f} MB)" for p, b in warm.most_common(8)))
            paths = Counter(p for run in per[name][(LESSON, "warm")] for p in run["revalidated_paths"])
            print(f"{name}: revalidated (304) on a warm visit: {len(paths)} paths, e.g. "
                  + ", ".join(p for p, _ in paths.most_common(5)))


def steps(repeats: int, max_age: int) -> None:
    """Lesson 01's steps timed inside the kernel on warm visits of this tree's site, beside an empty notebook."""
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="kit-bench-steps-"))
    try:
        lessons = lessons_with_empty(ROOT / "lessons", work / "lessons")
        add_steps_notebook(lessons)
        build_site(ROOT, work / "site", lessons)
        site = StaticSite(work / "site", max_age)
        timed: list[list[float]] = []
        empty: list[float] = []
        try:
            with sync_playwright() as p:
                for round_ in range(repeats):
                    warm = cold_and_warm(p, site, STEPS_NOTEBOOK)[1]
                    if warm["steps"] is None:
                        raise SystemExit(f"{STEPS_NOTEBOOK} printed no times: did a cell fail?")
                    timed.append(warm["steps"])
                    empty.append(cold_and_warm(p, site, EMPTY)[1]["ready"])
                    print(f"round {round_ + 1}: steps {sum(timed[-1]):.2f} s, empty notebook warm {empty[-1]:.1f} s",
                          flush=True)
        finally:
            site.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nlesson 01's steps on a warm visit, in the browser's kernel (medians of {repeats} round(s))\n")
    for i, (label, _) in enumerate(STEPS):
        print(f"  {statistics.median(t[i] for t in timed):5.2f} s  {label}")
    total, base = statistics.median(sum(t) for t in timed), statistics.median(empty)
    print(f"  {total:5.2f} s  in all")
    print(f"\nempty notebook, warm ready: {base:.1f} s; a lesson within 1.1x of it may add {0.1 * base:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before-ref", default="HEAD", help="git revision of the 'before' site (default HEAD)")
    parser.add_argument("--sites", nargs=2, metavar=("BEFORE", "AFTER"), type=Path,
                        help="two sites already built (each with lessons/empty.ipynb)")
    parser.add_argument("--labels", nargs=2, default=["before", "after"], help="the two columns' names")
    parser.add_argument("--max-age", type=int, default=600, help="the host's Cache-Control max-age (GitHub Pages: 600)")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the host waits before each answer (a network's round trip; default 0)")
    parser.add_argument("--keep", type=Path, help="build the sites into this folder and keep them")
    parser.add_argument("--detail", action="store_true", help="also list the largest files of a cold load")
    parser.add_argument("--steps", action="store_true",
                        help="instead: time lesson 01's steps inside the kernel on warm visits of this tree's site")
    args = parser.parse_args(argv)
    if args.steps:
        return steps(args.repeats, args.max_age)

    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still remove the worktree and the temporary sites
    names = list(args.labels)
    work = Path(tempfile.mkdtemp(prefix="kit-bench-lite-"))
    worktree = None
    try:
        if args.sites:
            folders = dict(zip(names, args.sites))
        else:
            base = args.keep or work
            base.mkdir(parents=True, exist_ok=True)
            worktree = work / "before-checkout"
            subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.before_ref], cwd=ROOT,
                           check=True, capture_output=True)
            folders = {}
            for name, checkout in zip(names, (worktree, ROOT)):
                lessons = lessons_with_empty(checkout / "lessons", work / f"lessons-{name}")
                folders[name] = base / f"site-{names.index(name)}-{name}"
                build_site(checkout, folders[name], lessons)
        for name, folder in folders.items():
            if not (folder / "files" / EMPTY).is_file():
                raise SystemExit(f"{folder} has no {EMPTY}")
        sites = {name: StaticSite(folder, args.max_age, args.latency) for name, folder in folders.items()}
        results = {name: {} for name in names}
        try:
            with sync_playwright() as p:
                for round_ in range(args.repeats):
                    order = names if round_ % 2 == 0 else names[::-1]
                    for name in order:
                        for nb in (LESSON, EMPTY):
                            cold, warm = cold_and_warm(p, sites[name], nb)
                            results[name].setdefault((nb, "cold"), []).append(cold)
                            results[name].setdefault((nb, "warm"), []).append(warm)
                            print(f"round {round_ + 1} {name:6} {nb:26} cold {cold['ready']:5.1f} s "
                                  f"{cold['bytes'] / 1e6:6.2f} MB  warm {warm['ready']:5.1f} s "
                                  f"{warm['requests']} requests", flush=True)
        finally:
            for site in sites.values():
                site.close()
        report(results, names, args.repeats, args.max_age, args.detail, args.latency)
    finally:
        if worktree is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
