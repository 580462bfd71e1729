"""The grading benchmark still runs (tiny sizes; its figures are not checked: benchmarks are not timed tests)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_grading_benchmark_runs_and_reports_every_figure():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grading.py"), "--n", "12", "--repeats", "1",
                           "--exercises", "claims-practice,techniques-practice"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for exercise in ("claims-practice", "techniques-practice"):
        assert f"\n{exercise}: about" in out
    assert out.count("scaling: 24 files took") == 2
    assert out.count("the file system alone, at 12 files") == 2
    assert "jsonschema" in out
