"""Memory of a lesson's kernel on a hub: the peak resident size of one fresh kernel per notebook.

Each notebook runs in a new kernel (nbclient), then one more cell reads the kernel's own peak RSS
(``resource.getrusage``). The baseline is a kernel that only imported ipywidgets. Goal: every lesson
within 2x of the baseline (a hub of 30 students on the chart lessons needs 30 such kernels).

    python benchmarks/memory.py            # lessons 00-04 and the grading notebook
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"  # KiB on Linux
GOAL = 2.0


def peak_mib(nb, folder: Path) -> float:
    nb.cells.append(new_code_cell(PEAK))
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return int(text.strip()) / 1024


def main() -> None:
    os.environ.setdefault("KIT_WORK_DIR", tempfile.mkdtemp(prefix="kit-memory-"))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    bare = peak_mib(new_notebook(cells=[new_code_cell("import ipywidgets")]), ROOT)
    rows = [("a kernel that imported ipywidgets", bare)]
    for path in sorted((ROOT / "lessons").glob("0*.ipynb")) + [ROOT / "exercises" / "grading.ipynb"]:
        rows.append((str(path.relative_to(ROOT)), peak_mib(nbformat.read(path, as_version=4), path.parent)))
    print(f"peak RSS of one fresh kernel per notebook (Python {sys.version.split()[0]})")
    for name, mib in rows:
        ratio = mib / bare
        mark = "" if name.startswith("a kernel") else ("  within 2x" if ratio <= GOAL else "  NOT within 2x")
        print(f"  {name:40} {mib:6.0f} MiB  {ratio:4.2f}x{mark}")


if __name__ == "__main__":
    main()
