"""How fast the tagger feels, measured in one run (ratios, not timed tests).

1. Python: a fresh interpreter building a tagger (import, load the editorial, open the journal,
   build the widget) against one that only imports anywidget.
2. Python: the cost of one edit, journal append and fsync included (median of 300).
3. Browser (JupyterLab + Debian Chromium, real key presses): key press to the highlight on screen,
   and key press to Python's confirmation, against a bare ipywidgets Button round trip
   (key press on the button to the Label that Python updates). Medians of PRESSES presses each.

Run: python benchmarks/tagger.py [presses]   (needs /usr/bin/chromium; see README)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fresh(code: str, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=tempfile.gettempdir(),
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def python_side() -> None:
    work = tempfile.mkdtemp()
    fresh("import anywidget", 2)  # warm caches
    bare = fresh("import anywidget")
    tagger = fresh(f"from kit.widgets import Tagger; Tagger('claims-practice', work_dir={work!r})._repr_mimebundle_()")
    print(f"fresh interpreter, import anywidget:                {bare * 1000:7.1f} ms")
    print(f"fresh interpreter, build and render a Tagger:       {tagger * 1000:7.1f} ms   ({tagger / bare:.2f}x)")

    from kit.tags import Session

    session = Session("claims-practice", work_dir=tempfile.mkdtemp())
    units = [u.id for u in session.document.units]
    costs = []
    for i in range(300):
        tag = {"kind": "sentence", "unit": units[i % len(units)], "label": ("CHECK", "SPEC")[i % 2]}
        start = time.perf_counter()
        session.set(tag)
        costs.append(time.perf_counter() - start)
    session.close()
    print(f"one edit (check, journal append, fsync), median:    {statistics.median(costs) * 1000:7.2f} ms "
          f"(p90 {sorted(costs)[int(len(costs) * 0.9)] * 1000:.2f} ms)")


INSTRUMENT = """(presses) => {
  const box = document.querySelector('.kit-mode-sentence .kit-text');
  const label = document.querySelector('.bench-label');
  window.__bench = {keyToDom: [], keyToFrame: [], keyToConfirm: [], buttonRoundTrip: [], done: 0, pressedAt: 0, want: ''};
  const b = window.__bench;
  // Registered after the tagger's own window listener, so this runs once the tagger has updated the page.
  window.addEventListener('keydown', (e) => {
    b.pressedAt = e.timeStamp;
    if (!box.contains(e.target)) return;
    b.keyToDom.push(performance.now() - e.timeStamp);
    requestAnimationFrame(() => b.keyToFrame.push(performance.now() - e.timeStamp));
  }, true);
  new MutationObserver(() => {
    const badge = box.querySelector('.kit-badge');
    if (!badge || !b.want) return;
    if (badge.dataset.code === b.want && !box.querySelector('.kit-pending')) {
      b.keyToConfirm.push(performance.now() - b.pressedAt); b.want = ''; b.done += 1;
    }
  }).observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
  new MutationObserver(() => {
    if (b.wantLabel && label.textContent.includes(b.wantLabel)) {
      b.buttonRoundTrip.push(performance.now() - b.pressedAt); b.wantLabel = ''; b.done += 1;
    }
  }).observe(label, {subtree: true, childList: true, characterData: true});
}"""

CELLS = [
    "from kit.widgets import Tagger\nimport ipywidgets as w\n"
    "t = Tagger('claims-practice')\n"
    "n = 0\nbutton = w.Button(description='Round trip')\nlabel = w.Label('0')\nlabel.add_class('bench-label')\n"
    "def bump(_):\n    global n\n    n += 1\n    label.value = f'got {n}'\n"
    "button.on_click(bump)\nw.VBox([t, button, label])",
]


def browser_side(presses: int) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    from playwright.sync_api import sync_playwright

    from tests.browser import harness

    tmp = Path(tempfile.mkdtemp())
    nb = new_notebook(cells=[new_code_cell(c) for c in CELLS],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, tmp / "bench.ipynb")
    with harness.JupyterServer("lab", tmp / "bench.ipynb", {"KIT_WORK_DIR": str(tmp / "work")}) as server, \
            sync_playwright() as p:
        context = harness.launch_browser(p)
        page = context.new_page()
        harness.open_notebook(page, server, "bench.ipynb")
        start = time.perf_counter()
        harness.run_all(page)
        page.locator(".kit-mode-sentence .kit-text").wait_for()
        rendered = time.perf_counter() - start
        page.evaluate(INSTRUMENT, presses)
        box = page.locator(".kit-mode-sentence .kit-text")
        box.scroll_into_view_if_needed()
        box.focus()
        for i in range(presses):
            code, key = (("CHECK", "5"), ("SPEC", "3"))[i % 2]
            page.evaluate(f"() => {{ window.__bench.want = '{code}'; }}")
            page.keyboard.press(key)
            page.wait_for_function(f"() => window.__bench.done >= {i + 1}", timeout=10_000)
        button = page.get_by_role("button", name="Round trip")
        button.focus()
        for i in range(presses):
            page.evaluate(f"() => {{ window.__bench.wantLabel = 'got {i + 1}'; }}")
            page.keyboard.press("Enter")
            page.wait_for_function(f"() => window.__bench.done >= {presses + i + 1}", timeout=10_000)
        bench = page.evaluate("() => window.__bench")
        context.close()
    med = {k: statistics.median(bench[k]) for k in ("keyToDom", "keyToFrame", "keyToConfirm", "buttonRoundTrip")}
    print(f"run-all to rendered tagger (browser):               {rendered * 1000:7.0f} ms")
    print(f"key press to highlight in the page, median of {len(bench['keyToDom'])}:  {med['keyToDom']:7.2f} ms "
          f"(max {max(bench['keyToDom']):.2f} ms)")
    print(f"key press to the next animation frame, median:      {med['keyToFrame']:7.2f} ms "
          f"(max {max(bench['keyToFrame']):.2f} ms; one frame is 16.7 ms)")
    print(f"key press to Python's confirmation, median of {len(bench['keyToConfirm'])}:  {med['keyToConfirm']:7.2f} ms")
    print(f"bare ipywidgets Button round trip, median of {len(bench['buttonRoundTrip'])}:   {med['buttonRoundTrip']:7.2f} ms")
    print(f"confirmation / bare round trip:                     {med['keyToConfirm'] / med['buttonRoundTrip']:7.2f}x")


if __name__ == "__main__":
    python_side()
    browser_side(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
