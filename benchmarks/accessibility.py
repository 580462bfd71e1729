"""axe-core on lessons 01-04 in JupyterLab: violations in what the kit renders, counted by impact.

Each lesson runs in a fresh JupyterLab (Debian Chromium, 1400x1000); axe-core (bundled with
axe-playwright-python) checks the notebook's output areas, that is everything the kit draws, and
not JupyterLab's own interface. Prints the nodes per impact and per rule, lesson by lesson.

    python benchmarks/accessibility.py              # this checkout
    python benchmarks/accessibility.py OTHER_DIR    # another checkout of the kit (say, a git worktree
                                                    # of an older commit), to compare before and after
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LESSONS = ("01-claims.ipynb", "02-techniques.ipynb", "03-check-the-claims.ipynb", "04-compare-outlets.ipynb")
OUTPUTS = ".jp-OutputArea-output"


def measure(checkout: Path) -> dict[str, list[dict]]:
    from playwright.sync_api import sync_playwright

    from tests.browser import harness

    found = {}
    with sync_playwright() as p:
        for lesson in LESSONS:
            work = tempfile.mkdtemp(prefix="kit-a11y-")
            env = {"KIT_WORK_DIR": work, "PYTHONPATH": str(checkout)}
            with harness.JupyterServer("lab", notebooks=checkout / "lessons" / lesson, env=env,
                                       kit_on_path=False) as server:
                context = harness.launch_browser(p)
                page = context.pages[0]
                harness.open_notebook(page, server, lesson)
                harness.run_all(page, timeout=120)
                found[lesson] = harness.axe_violations(page, OUTPUTS)
                context.close()
    return found


def report(found: dict[str, list[dict]]) -> None:
    from tests.browser import harness

    total = Counter()
    for lesson, violations in found.items():
        counts = harness.impact_counts(violations)
        total.update(counts)
        print(f"{lesson:28} " + "  ".join(f"{k} {v}" for k, v in counts.items()))
        for v in violations:
            print(f"    {v['impact']:9} {v['id']:32} {len(v['nodes'])} node(s)")
    print(f"{'all four lessons':28} " + "  ".join(f"{k} {total[k]}" for k in ("critical", "serious", "moderate",
                                                                            "minor")))


if __name__ == "__main__":
    checkout = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    print(f"axe-core on lessons 01-04 of {checkout} (output areas only)")
    report(measure(checkout))
