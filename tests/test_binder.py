"""The Binder environment: binder/ installs the kit, `kit info` runs, lesson 00 executes.

This builds a fresh virtual environment with pip from binder/requirements.txt, as repo2docker would,
and uses nothing from the test environment (no PYTHONPATH, run outside the checkout).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_binder_environment_runs_lesson_00(tmp_path):
    venv = tmp_path / "binder-env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["KIT_WORK_DIR"] = str(tmp_path / "work")
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", "binder/requirements.txt"],
                   check=True, cwd=ROOT, env=env)
    info = subprocess.run([str(venv / "bin" / "kit"), "info"], check=True, capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert "47 units" in info.stdout and str(venv) in info.stdout  # the installed kit, not the checkout
    out = tmp_path / "executed"
    subprocess.run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.timeout=120", "--output-dir", str(out),
                    str(ROOT / "lessons" / "00-start-here.ipynb")],
                   check=True, cwd=tmp_path, env=env, capture_output=True)
    executed = json.loads((out / "00-start-here.ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in executed["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs and not any(o.get("output_type") == "error" for o in outputs)
