"""The harness works end to end: in JupyterLab and in Notebook 7, a notebook opens with a ready kernel,
runs, a widget click reaches Python and comes back; the kernel restarts and the page reloads cleanly."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from playwright.sync_api import expect

from . import harness

PING = """\
import ipywidgets as widgets

import kit  # the harness puts this checkout on the kernel's path

clicks = 0
button = widgets.Button(description="Ping kernel")
label = widgets.Label("no ping yet")

def ping(_):
    global clicks
    clicks += 1
    label.value = f"pong {clicks}"

button.on_click(ping)
widgets.VBox([button, label])"""


def write_smoke_notebook(folder):
    nb = new_notebook(cells=[new_markdown_cell("# Smoke test\nA button that the kernel answers."),
                             new_code_cell(PING)],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nbformat.write(nb, folder / "smoke.ipynb")
    return folder / "smoke.ipynb"


def test_widget_round_trip(ui, jupyter, page, page_errors, artifacts, tmp_path):
    server = jupyter(ui, write_smoke_notebook(tmp_path))
    harness.open_notebook(page, server, "smoke.ipynb")
    harness.run_all(page)

    ping = page.get_by_role("button", name="Ping kernel")
    ping.click()
    expect(page.get_by_text("pong 1")).to_be_visible()
    ping.click()
    expect(page.get_by_text("pong 2")).to_be_visible()
    assert harness.cell_type(page, 0) == "markdown" and harness.cell_type(page, 1) == "code"
    harness.screenshot(page, artifacts, f"smoke-{ui}")

    # A restarted kernel has forgotten the clicks; a reload keeps the notebook and the kernel.
    harness.restart_kernel(page)
    harness.run_all(page)
    page.get_by_role("button", name="Ping kernel").click()
    expect(page.get_by_text("pong 1")).to_be_visible()
    harness.reload(page)
    assert harness.cell_type(page, 0) == "markdown"
    assert harness.unexpected_page_errors(page_errors) == []
