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
