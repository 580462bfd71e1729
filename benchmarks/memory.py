"""Memory of a lesson's kernel on a hub: the peak resident size of one fresh kernel per notebook.

Each notebook runs in a new kernel (nbclient), then one more cell reads the kernel's own peak RSS
(``resource.getrusage``). The baseline is a kernel that only imported ipywidgets. Goal: every lesson
within 2x of the baseline (a hub of 30 students on the chart lessons needs 30 such kernels).

    python benchmarks/memory.py              # lessons 00-04 and the grading notebook of this checkout
    python benchmarks/memory.py OTHER_DIR    # and, side by side in the same run, those of another checkout
                                             # (say, a git worktree of an older commit: the "before" column)

With two checkouts the notebooks are measured in turn (other, this; notebook by notebook), each kernel
importing its own checkout's kit, so both columns share one baseline and the same machine state.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"  # KiB on Linux
GOAL = 2.0
BASELINE = "a kernel that imported ipywidgets"
ORIGINAL_PYTHONPATH = os.environ.get("PYTHONPATH", "")


def peak_mib(nb, folder: Path) -> float:
    nb.cells.append(new_code_cell(PEAK))
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return int(text.strip()) / 1024


def notebooks(checkout: Path) -> list[str]:
    """The measured notebooks, relative to the checkout: the lessons and the grading notebook."""
    found = sorted((checkout / "lessons").glob("0*.ipynb")) + [checkout / "exercises" / "grading.ipynb"]
    return [str(p.relative_to(checkout)) for p in found if p.is_file()]


def measure(checkout: Path, name: str, work: Path) -> float:
    """Peak MiB of a fresh kernel running ``checkout``'s notebook ``name`` with that checkout's kit."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), ORIGINAL_PYTHONPATH]))
    os.environ["KIT_WORK_DIR"] = str(work)  # its own journals: nothing restored from the other checkout's run
    path = checkout / name
    return peak_mib(nbformat.read(path, as_version=4), path.parent)


def label(checkout: Path) -> str:
    """The checkout's folder and commit, marked when it has uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    dirty = " + changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    return f"{checkout} ({commit}{dirty})" if commit else str(checkout)


def cell(mib: float | None, bare: float) -> str:
    return f"{mib:4.0f} MiB {mib / bare:4.2f}x" if mib is not None else "(none)"


def main(argv: list[str]) -> None:
    checkouts = [Path(a).resolve() for a in argv[:1]] + [ROOT]  # the other checkout first: usually "before"
    work = Path(tempfile.mkdtemp(prefix="kit-memory-"))
    bare = peak_mib(new_notebook(cells=[new_code_cell("import ipywidgets")]), ROOT)
    names = list(dict.fromkeys(n for c in checkouts for n in notebooks(c)))
    results: dict[str, list[float | None]] = {}
    for name in names:
        results[name] = [measure(c, name, work / str(i)) if (c / name).is_file() else None
                         for i, c in enumerate(checkouts)]
    print(f"peak RSS of one fresh kernel per notebook (Python {sys.version.split()[0]}); goal: within {GOAL:g}x "
          f"of {BASELINE}")
    for i, checkout in enumerate(checkouts):
        print(f"  column {i + 1}: {label(checkout)}")
    print("  (the mark at the end of a row is for the last column, this checkout)")
    print(f"  {BASELINE:40} {cell(bare, bare):>16}")
    for name, figures in results.items():
        last = figures[-1]
        mark = "" if last is None else ("within 2x" if last / bare <= GOAL else "NOT within 2x")
        print(f"  {name:40} " + " ".join(f"{cell(m, bare):>16}" for m in figures) + f"  {mark}")


if __name__ == "__main__":
    main(sys.argv[1:])
