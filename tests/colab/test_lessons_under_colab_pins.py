"""The lessons under the package versions of Colab's runtime (tests/colab/colab-pins.txt, copied from
Colab's published list: github.com/googlecolab/backend-info, pip-freeze.txt at a72407924822).

Run by .ci/run in its own virtual environment, installed with those pins as constraints
(``pip install -c tests/colab/colab-pins.txt . pytest nbclient nbformat ipykernel``), then
``python -m pytest --noconftest tests/colab``. The kit must install without moving any pin, and every
lesson must execute there (ipywidgets 7.7, traitlets 5.7, anywidget 0.9, notebook 6.5).
"""

import os
import re
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
PINS = {re.split(r"==", line)[0].lower().replace("_", "-"): line.split("==")[1].strip()
        for line in (Path(__file__).parent / "colab-pins.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")}
LESSONS = sorted((ROOT / "lessons").glob("0*.ipynb"))


@pytest.mark.parametrize("name", ["ipywidgets", "traitlets", "notebook", "anywidget", "pandas", "plotly",
                                  "ipykernel", "jinja2"])
def test_the_kit_moved_no_pin(name):
    assert metadata.version(name) == PINS[name], f"installing the kit moved {name} off Colab's version"


def test_there_are_five_lessons():
    assert [p.name[:2] for p in LESSONS] == ["00", "01", "02", "03", "04"]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_executes(path, tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_WORK_DIR", str(tmp_path / "work"))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], errors[0]["evalue"] if errors else ""
