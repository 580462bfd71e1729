"""The tagging widget, driven from Python (the browser tests drive it with real keys and mouse)."""

import json

import pytest

import kit
from kit import taxonomy
from kit.widgets import Tagger


@pytest.fixture
def make(tmp_path):
    made = []

    def factory(exercise, **kwargs):
        widget = Tagger(exercise, work_dir=tmp_path, **kwargs)
        sent = []
        widget.send = sent.append  # what would go to the browser
        widget.sent = sent
        made.append(widget)
        return widget

    yield factory
    for widget in made:
        widget.session.close()


def browser_edit(widget, seq, edit):
    widget._on_msg(widget, {"type": "edit", "seq": seq, "edit": edit}, [])


def test_modes_follow_the_exercise(make):
    assert make("claims-practice").mode == "sentence"
    assert make("techniques-practice").mode == "span"
    name = make("techniques-name-practice", case="practice-quellby")
    key = kit.load_case("practice-quellby").key("techniques-name-practice")
    assert name.mode == "name" and len(name.targets) == len(key.items) == 14
    assert [p["key"] for p in name.palette][-1] == "x"  # "no technique", for the decoys
    with pytest.raises(kit.KitError, match="verdict exercise"):
        Tagger("verdicts-practice")


def test_document_and_tokens_are_sent_with_code_point_offsets(make, editorial):
    t = make("techniques-practice")
    assert t.doc["sha256"] == editorial.sha256 and t.doc["text"] == editorial.text
    assert len(t.doc["tokens"]) == len(editorial.tokens) and len(t.doc["units"]) == 47
    start, end = t.doc["tokens"][0]
    assert editorial.text[start:end] == "Kazakh"


def test_palette_shows_names_keys_and_colours(make):
    palette = make("techniques-practice").palette
    assert [p["code"] for p in palette] == list(taxonomy.CORE_TEN)
    assert [p["key"] for p in palette] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
    assert all(p["label"] and p["colour"].startswith("#") for p in palette)
    assert len({p["colour"] for p in palette}) == 10
    claims = make("claims-practice").palette
    assert [p["key"] for p in claims] == ["1", "2", "3", "4", "5", "6"]


def test_browser_edit_is_confirmed_after_it_is_written(make):
    t = make("techniques-practice")
    browser_edit(t, 7, {"op": "set", "tag": {"kind": "span", "start": 1611, "end": 1637, "label": "T2"}})
    assert t.confirmed == 7
    assert t.tags == [{"kind": "span", "start": 1611, "end": 1637, "quote": "NATO-backed regime in Kiev",
                       "label": "T2", "note": ""}]
    assert t.status == "Tagged 'NATO-backed regime in Kiev' as Name-calling / labelling"
    lines = t.session.journal_path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["tag"]["label"] == "T2"


def test_refused_edit_is_sent_back(make):
    t = make("techniques-practice")
    browser_edit(t, 1, {"op": "set", "tag": {"kind": "span", "start": 1611, "end": 1637, "label": "T2"}})
    browser_edit(t, 2, {"op": "set", "tag": {"kind": "span", "start": 1623, "end": 1637, "label": "T2"}})
    assert t.confirmed == 1
    assert t.sent[-1]["type"] == "reject" and t.sent[-1]["seq"] == 2
    assert "may not overlap" in t.sent[-1]["message"]


def test_undo_redo_and_note_through_messages(make):
    t = make("claims-practice")
    browser_edit(t, 1, {"op": "set", "tag": {"kind": "sentence", "unit": "p09.s3", "label": "SPEC"}})
    browser_edit(t, 2, {"op": "set", "tag": {"kind": "sentence", "unit": "p09.s3", "label": "SPEC",
                                             "note": "sees a hidden state of mind"}})
    assert t.tags[0]["note"] == "sees a hidden state of mind" and t.can_undo
    browser_edit(t, 3, {"op": "undo"})
    assert t.tags[0]["note"] == "" and t.can_redo
    browser_edit(t, 4, {"op": "redo"})
    assert t.tags[0]["note"] == "sees a hidden state of mind"


def test_rerun_restores_everything(make, tmp_path):
    t = make("claims-practice")
    browser_edit(t, 1, {"op": "set", "tag": {"kind": "sentence", "unit": "title", "label": "SPEC", "checkworthy": False,
                                             "note": "on cue"}})
    browser_edit(t, 2, {"op": "student", "id": "s9"})
    again = make("claims-practice")  # the cell is run again (same kernel, or after a restart)
    assert again.tags == t.session.tags and again.student == {"id": "s9", "name": ""}
    assert again.can_undo
    assert t.read_only is False and again.read_only is False
    browser_edit(t, 3, {"op": "undo"})  # the replaced widget refuses, the new one works
    assert t.sent[-1]["type"] == "reject"


def test_export_serves_the_file_to_the_browser(make):
    t = make("claims-practice")
    browser_edit(t, 1, {"op": "set", "tag": {"kind": "sentence", "unit": "title", "label": "SPEC"}})
    assert t.apply({"op": "export"})["ok"] is False  # no student id yet
    t.apply({"op": "student", "id": "s1"})
    path = t.export()
    download = t.sent[-1]
    assert download["type"] == "download" and download["name"] == path.name
    assert json.loads(download["data"]) == json.loads(path.read_text(encoding="utf-8"))
    assert t.export_path == str(path)
    assert kit.tags.validate_file(path)[1] == []


def test_student_suggested_from_jupyterhub(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    t = Tagger("claims-practice", work_dir=tmp_path)
    assert t.suggested_student == {"id": "alice", "name": "", "from": "JUPYTERHUB_USER"}
    assert t.student == {}  # suggested, not assumed: the student confirms
    t.session.close()


def test_widget_renders_as_a_widget(make):
    bundle = make("claims-practice")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle[0]


def test_front_end_assets_ship_with_the_package():
    from kit.widgets import STATIC

    js = (STATIC / "tagger.js").read_text(encoding="utf-8")
    assert "export default { render }" in js and "stopPropagation" in js
    assert "aria-live" in js and "getSelection" not in js  # spans never come from browser selections
