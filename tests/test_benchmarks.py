"""The grading benchmark still runs (tiny sizes; its figures are not checked: benchmarks are not timed tests)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_grading_benchmark_runs_and_reports_every_figure():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grading.py"), "--n", "12", "--class-size", "5",
                           "--repeats", "1", "--exercises", "claims-practice,techniques-practice"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for exercise in ("claims-practice", "techniques-practice"):
        assert f"\n{exercise}: about" in out
    assert out.count("in 12 files") == 2 and out.count("ratio") == 2
    assert out.count("a class of 5 students, end to end") == 2


def test_the_browser_benchmarks_steps_notebook_runs_and_prints_one_time_a_step(tmp_path):
    """``benchmarks/lite.py --steps`` reads one line from its notebook; run it here in a plain kernel."""
    import json

    import nbformat
    from nbclient import NotebookClient

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import lite
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    lite.add_steps_notebook(tmp_path)
    nb = nbformat.read(tmp_path / Path(lite.STEPS_NOTEBOOK).name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = [o["text"] for cell in nb.cells for o in cell.outputs if o.get("name") == "stdout"]
    line = next(t for t in printed if t.startswith(lite.STEPS_MARK))
    times = json.loads(line[len(lite.STEPS_MARK):])
    assert len(times) == len(lite.STEPS) and all(t >= 0 for t in times)
