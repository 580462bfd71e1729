"""The tagger in a real browser, with real keyboard and mouse events only.

In JupyterLab and in Notebook 7: tag a sentence with the keyboard, a span by
dragging, another with Shift+arrows, name a highlighted span, add a note,
undo and redo; the cell type never changes; after a page reload and a kernel
restart every tag is back; the export downloads and validates. Both the
page and the journal file are checked.
"""

import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from playwright.sync_api import expect

import kit
from kit import tags as kit_tags

from . import harness
from .harness import confirmed_badge, focus, journal

CELLS = [
    new_markdown_cell("# Tagger\nThree taggers, one per mode."),
    new_code_cell("from kit.widgets import Tagger\nsentences = Tagger('claims-practice')\nsentences"),
    new_code_cell("spans = Tagger('techniques-practice')\nspans"),
    new_code_cell("names = Tagger('techniques-name-practice', case='practice-quellby')\nnames"),
]


def write_notebook(folder):
    nb = new_notebook(cells=CELLS, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.write(nb, folder / "tagger.ipynb")
    return folder / "tagger.ipynb"


def drag(page, first, last):
    first.scroll_into_view_if_needed()
    a, b = first.bounding_box(), last.bounding_box()
    page.mouse.move(a["x"] + 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] - 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def token_index(doc, start):
    return next(t.index for t in doc.tokens if t.start == start)


def test_tagger_end_to_end(ui, jupyter, page, page_errors, artifacts, tmp_path):
    work = tmp_path / "work"
    server = jupyter(ui, write_notebook(tmp_path), {"KIT_WORK_DIR": str(work)})
    doc = kit.load_editorial()
    harness.open_notebook(page, server, "tagger.ipynb")
    harness.run_all(page)

    sentences = page.locator(".kit-tagger.kit-mode-sentence")
    spans = page.locator(".kit-tagger.kit-mode-span")
    names = page.locator(".kit-tagger.kit-mode-name")
    expect(sentences.locator(".kit-text")).to_be_visible()

    # 1. Keyboard only: focus the sentence list, go to p01.s2 (title, standfirst, p01.s1, p01.s2), press 5 (CHECK).
    focus(sentences.locator(".kit-text"))
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("5")
    expect(confirmed_badge(sentences, "CHECK")).to_have_count(1)
    page.keyboard.press("c")
    expect(sentences.locator(".kit-badge", has_text="check-worthy")).to_have_count(1)
    assert harness.cell_type(page, 0) == "markdown" and harness.cell_type(page, 1) == "code"

    # 2. A note, then undo and redo it.
    page.keyboard.press("n")
    page.keyboard.type("a date and a meeting: checkable")
    page.keyboard.press("Enter")
    expect(sentences.locator(".kit-badge", has_text="✎")).to_have_count(1)
    page.keyboard.press("Control+z")
    expect(sentences.locator(".kit-badge", has_text="✎")).to_have_count(0)
    page.keyboard.press("Control+Shift+z")
    expect(sentences.locator(".kit-badge", has_text="✎")).to_have_count(1)
    live = sentences.locator(".kit-live")
    expect(live).not_to_be_empty()

    # 3. A span with the mouse: drag over "NATO-backed regime in Kiev", press 2 (name-calling).
    first, last = token_index(doc, 1611), token_index(doc, 1633)
    drag(page, spans.locator(f".kit-tok[data-i='{first}']"), spans.locator(f".kit-tok[data-i='{last}']"))
    page.keyboard.press("2")
    expect(confirmed_badge(spans, "T2")).to_have_count(1)
    expect(spans.locator(".kit-live")).to_have_text("Tagged 'NATO-backed regime in Kiev' as Name-calling / labelling")

    # 4. Another with Shift+arrows: click "astute", extend over "astute observers", press 6 (appeal to authority).
    astute = doc.text.index("astute observers")
    spans.locator(f".kit-tok[data-i='{token_index(doc, astute)}']").click()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("6")
    expect(confirmed_badge(spans, "T7")).to_have_count(1)

    # 5. Name a highlighted passage: the second target, technique 4 (guilt by association).
    focus(names.locator(".kit-text"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("4")
    expect(confirmed_badge(names, "T4")).to_have_count(1)
    assert [harness.cell_type(page, i) for i in range(4)] == ["markdown", "code", "code", "code"]
    harness.screenshot(page, artifacts, f"tagger-{ui}-tagged")

    # The journal has every edit on disk.
    sentence_log = journal(work, "claims-practice")
    assert [e["op"] for e in sentence_log[1:]] == ["set", "set", "set", "undo", "redo"]
    assert sentence_log[3]["tag"]["note"] == "a date and a meeting: checkable"
    span_log = journal(work, "techniques-practice")
    assert [(e["tag"]["quote"], e["tag"]["label"]) for e in span_log[1:]] == [
        ("NATO-backed regime in Kiev", "T2"), ("astute observers", "T7")]
    second_target = kit.load_case("practice-quellby").key("techniques-name-practice").items[1]
    assert journal(work, "practice-quellby.techniques-name-practice")[-1]["tag"]["start"] == second_target.start

    # 6. Reload the page and restart the kernel: every tag is restored from the journal.
    harness.reload(page)
    harness.restart_kernel(page)
    harness.run_all(page)
    expect(confirmed_badge(sentences, "CHECK")).to_have_count(1)
    expect(sentences.locator(".kit-badge", has_text="✎")).to_have_count(1)
    expect(confirmed_badge(spans, "T2")).to_have_count(1)
    expect(confirmed_badge(spans, "T7")).to_have_count(1)
    expect(confirmed_badge(names, "T4")).to_have_count(1)
    focus(sentences.locator(".kit-text"))
    page.keyboard.press("Control+z")  # the undo history survived the restart too
    expect(sentences.locator(".kit-badge", has_text="✎")).to_have_count(0)
    page.keyboard.press("Control+Shift+z")
    expect(sentences.locator(".kit-badge", has_text="✎")).to_have_count(1)

    # 7. Export: confirm an id, export, download from the widget itself.
    sentences.get_by_label("Student id:").fill("s-browser")
    sentences.get_by_role("button", name="Confirm id").click()
    expect(sentences.locator(".kit-hint")).to_have_text("(confirmed: s-browser)")
    sentences.get_by_role("button", name="Export my tags").click()
    link = sentences.locator(".kit-download")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    downloaded = tmp_path / "downloaded.json"
    info.value.save_as(downloaded)
    data = json.loads(downloaded.read_text(encoding="utf-8"))
    assert kit_tags.validate_export(data) == []
    assert data["student"]["id"] == "s-browser"
    assert [(t["unit"], t["label"], t["checkworthy"]) for t in data["tags"]] == [("p01.s2", "CHECK", True)]
    on_disk = json.loads((work / "exports" / "s-browser-claims-practice.json").read_text(encoding="utf-8"))
    assert on_disk["tags"] == data["tags"]
    harness.screenshot(page, artifacts, f"tagger-{ui}-exported")
    # JupyterLab 4.6 with ipykernel 7 logs this when a kernel restarts while widget comms open their subshells.
    assert harness.unexpected_page_errors(page_errors, allow=["subshell creation failed: Error: Canceled future"]) == []
