"""The instructor's grading notebook: committed without outputs, and it runs headless on the demo class."""

import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "exercises" / "grading.ipynb"
BUDGET = 15  # seconds for the whole notebook, kernel start included


def test_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= len(code) // 2  # every step is explained


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading-notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp)}})
    # The kernel imports the kit from this source tree, and its temporary folders land in tmp.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               TMPDIR=str(tmp))
    start = time.perf_counter()
    client.execute(env=env)
    return nb, time.perf_counter() - start, tmp


def test_runs_headless_without_errors_and_in_time(executed):
    nb, elapsed, _ = executed
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]["evalue"] if errors else ""
    assert elapsed < BUDGET, f"the notebook took {elapsed:.1f} s"


def test_shows_the_summary_and_the_charts(executed):
    nb, _, tmp = executed
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Graded 30 of 30 file(s)" in text and "Worth a look, not an accusation" in text
    charts = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "application/vnd.plotly.v1+json" in o.get("data", {})]
    kinds = [chart["data"]["application/vnd.plotly.v1+json"]["data"][0]["type"] for chart in charts]
    assert kinds == ["histogram", "bar", "heatmap", "scatter", "scatter"]  # the last two: the pre- and post-test
    assert "30 student(s) with both tests" in text  # the pre- and post-test of the simulated class
    assert list(tmp.glob("kit-grading-*/graded/feedback/s001.html"))  # wrote into the temporary folder
