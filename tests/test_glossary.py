"""The students' glossary: generated from data, sourced, linked from every lesson, handed out with them."""

import re
from pathlib import Path

import nbformat
import pytest

import kit
from kit import glossary
from kit.errors import DataError

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_page_is_the_rendered_data():
    page = (ROOT / "lessons" / "glossary.md").read_text(encoding="utf-8")
    assert page == glossary.render_glossary(), "run: python -m kit.glossary"


def test_every_line_about_the_world_shows_a_source():
    page = glossary.render_glossary()
    entries = glossary.load_glossary()
    assert {e.kind for e in entries} == set(glossary.KINDS)
    for e in entries:
        block = page.split(f"**{e.term}**: ", 1)[1].split("\n\n", 1)[0]
        if e.kind == "kit":
            assert "Sources:" not in block
        else:
            assert re.search(r"<https?://", block), e.term


def test_the_background_names_who_is_who():
    terms = " ".join(e.term for e in glossary.load_glossary())
    for needed in ("Tokayev", "Nazarbayev", "Masimov", "Putin", "CSTO", "NATO", "Almaty", "Zhanaozen", "LPG",
                   "colour revolution", "lateral reading", "not determinable"):
        assert needed in terms, needed


@pytest.mark.parametrize("path", sorted((ROOT / "lessons").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_lesson_links_the_glossary(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert "](glossary.md)" in text and "kit.show_glossary()" in text


def test_show_glossary_renders_in_a_notebook():
    shown = kit.show_glossary()
    assert "**CSTO (Collective Security Treaty Organization)**" in shown.data


def test_an_entry_about_the_world_without_a_source_is_refused(monkeypatch):
    data = {"entry": [{"term": "Somewhere", "kind": "place", "text": "A town."}]}
    monkeypatch.setattr(glossary.resources, "read_toml", lambda name: data)
    glossary.load_glossary.cache_clear()
    try:
        with pytest.raises(DataError, match="needs record items or sources"):
            glossary.load_glossary()
        data["entry"][0].update(kind="kit")  # the kit's own words need none
        glossary.load_glossary.cache_clear()
        assert glossary.load_glossary()[0].term == "Somewhere"
        data["entry"][0].update(kind="place", record=["R-1999-01-01-nothing"])
        glossary.load_glossary.cache_clear()
        with pytest.raises(DataError, match="not an item of the record"):
            glossary.load_glossary()
    finally:
        glossary.load_glossary.cache_clear()
