"""The verdict panel, the comparison grid and the self-check, driven from Python.

Controls are set as a student would set them (widget values, button clicks), so the same
handlers fire as in the browser; then the journal, the restored state and the export are checked.
"""

import html
import json
import subprocess
import sys

import pytest

import kit
from kit import answers, feedback, scoring, selfcheck, taxonomy
from kit import tags as kit_tags
from kit.widgets import ComparisonGrid, SelfCheck, Tagger, VerdictPanel

PSAKI = "R-2022-01-05-psaki-denial"


@pytest.fixture
def make(tmp_path):
    made = []

    def factory(cls, *args, **kwargs):
        widget = cls(*args, work_dir=tmp_path, **kwargs)
        made.append(widget)
        return widget

    yield factory
    for widget in made:
        widget.session.close()


def journal(widget):
    lines = widget.session.journal_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines][1:]  # after the header


# --- the verdict panel ----------------------------------------------------------------------------


def test_verdict_panel_lists_every_claim_with_its_sentences(make):
    panel = make(VerdictPanel)
    key = answers.load_key("verdicts-practice")
    assert [v for _label, v in panel.claim_select.options] == [c.id for c in key.items]
    assert all("(not answered)" in label for label in panel.claim_select._options_labels)
    assert len(panel.boxes) == len(kit.load_record())
    panel.claim_select.value = "C4"
    assert "(p02.s1)" in panel.claim_html.value and "Central Asian" in panel.claim_html.value
    assert [v for _label, v in panel.verdict.options] == [v.code for v in taxonomy.verdicts()]
    # Every record item is labelled with its date and its event, not only its id.
    box = panel.boxes[PSAKI]
    assert box.description.startswith("5 Jan 2022: ") and "Psaki" in box.description


def test_choosing_a_verdict_writes_the_journal(make):
    panel = make(VerdictPanel)
    panel.claim_select.value = "C26"
    panel.boxes[PSAKI].value = True  # evidence first: kept as a draft until a verdict is chosen
    assert panel.tags == [] and "Choose a verdict for C26" in panel.status.value
    assert journal(panel) == []
    panel.verdict.value = "inaccurate"
    assert panel.tags == [{"kind": "verdict", "claim": "C26", "label": "inaccurate", "evidence": [PSAKI],
                           "note": ""}]
    panel.boxes["R-2022-01-05-kalashnikov-claim"].value = True
    panel.note.value = "the accusations came first"
    log = journal(panel)
    assert [e["op"] for e in log] == ["set", "set", "set"]
    assert log[-1]["tag"] == {"kind": "verdict", "claim": "C26", "label": "inaccurate",
                              "evidence": ["R-2022-01-05-kalashnikov-claim", PSAKI],
                              "note": "the accusations came first"}
    assert "Saved C26: Inaccurate, 2 record items cited (with a note)" in panel.status.value
    assert "2022-01-05" not in panel.cited.value and "5 Jan 2022" in panel.cited.value  # cited list in words
    assert "C26 (answered: Inaccurate)" in panel.claim_select.label


def test_navigation_shows_each_claims_own_answer(make):
    panel = make(VerdictPanel)
    assert panel.choose("C1", "not_factual", note="a comparison")["ok"]
    panel.next_button.click()
    assert panel.claim_select.value == "C2"
    assert panel.verdict.value is None and panel.note.value == "" and not any(b.value for b in panel.boxes.values())
    panel.prev_button.click()
    assert panel.verdict.value == "not_factual" and panel.note.value == "a comparison"


def test_clear_undo_and_redo(make):
    panel = make(VerdictPanel)
    panel.choose("C21", "inaccurate", evidence=["R-2022-01-07-interior-ministry-figures"])
    panel.clear_button.click()
    assert panel.tags == [] and panel.verdict.value is None
    panel.undo_button.click()
    assert panel.tags[0]["claim"] == "C21" and panel.verdict.value == "inaccurate"
    panel.claim_select.value = "C2"
    panel.undo_button.click()  # undoes the evidence tick on C21 and goes back to C21 to show it
    assert panel.claim_select.value == "C21" and "Undone (C21)" in panel.status.value
    assert panel.tags[0]["evidence"] == [] and not panel.boxes["R-2022-01-07-interior-ministry-figures"].value
    panel.redo_button.click()
    assert panel.tags[0]["evidence"] == ["R-2022-01-07-interior-ministry-figures"]
    assert [e["op"] for e in journal(panel)] == ["set", "set", "delete", "undo", "undo", "redo"]


def test_search_and_topic_filter_the_record_but_keep_cited_items(make):
    panel = make(VerdictPanel)
    panel.choose("C26", "inaccurate", evidence=[PSAKI])
    panel.search.value = "rand"
    shown = {rid for rid, box in panel.boxes.items() if box.layout.display != "none"}
    assert PSAKI in shown  # cited: never hidden
    assert "R-2019-04-01-rand-extending-russia" in shown and "R-2022-01-05-government-resigns" not in shown
    panel.search.value = ""
    panel.topic.value = "csto"
    shown = {rid for rid, box in panel.boxes.items() if box.layout.display != "none"}
    assert "R-2022-01-06-csto-deployment" in shown and "R-2019-04-01-rand-extending-russia" not in shown


def test_verdict_panel_restores_on_re_creation(make):
    first = make(VerdictPanel)
    first.choose("C5", "accurate", evidence=["R-2022-01-05-tokayev-terrorist-gangs"], note="as an attribution")
    first.student_id.value = "s-panel"
    first.student_button.click()
    again = make(VerdictPanel)  # the cell is run again
    assert again.tags == first.session.tags and again.session.student == {"id": "s-panel", "name": ""}
    assert "confirmed: s-panel" in again.student_hint.value
    again.claim_select.value = "C5"
    assert again.verdict.value == "accurate" and again.note.value == "as an attribution"
    assert again.session.can_undo
    # The replaced panel refuses edits, says why, and its controls are disabled.
    assert first.read_only and first.verdict.disabled
    assert first.apply({"op": "undo"})["ok"] is False
    assert "replaced by a newer one" in first.notices.value


def test_verdict_export_validates(make):
    panel = make(VerdictPanel)
    panel.choose("C26", "inaccurate", evidence=[PSAKI])
    panel.export_button.click()
    assert "Confirm your student id first" in panel.status.value and panel.export_path == ""
    panel.student_id.value = "s1"
    panel.student_button.click()
    panel.export_button.click()
    data = json.loads(open(panel.export_path, encoding="utf-8").read())
    assert kit_tags.validate_export(data, exercise="verdicts-practice") == []
    assert data["tags"] == panel.tags and data["student"]["id"] == "s1"
    assert "data:application/json;charset=utf-8;base64," in panel.download.value
    assert "Hand in this file" in panel.status.value


def test_refused_edits_are_shown_not_raised(make):
    panel = make(VerdictPanel)
    result = panel.apply({"op": "set", "tag": {"kind": "verdict", "claim": "C99", "label": "accurate"}})
    assert result["ok"] is False and "'C99' is not a claim" in panel.message and "C99" in panel.status.value
    with pytest.raises(kit.KitError, match="not an item of the record"):
        panel.choose("C1", "accurate", evidence=["R-made-up"])
    with pytest.raises(kit.KitError, match="use Tagger"):
        VerdictPanel("claims-practice")


def test_student_id_suggested_from_jupyterhub(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    panel = VerdictPanel(work_dir=tmp_path)
    assert panel.student_id.value == "alice" and panel.session.student == {}  # suggested, not assumed
    assert "suggested from your hub login" in panel.student_hint.value
    panel.close()


# --- the comparison grid ---------------------------------------------------------------------------


def test_grid_classifies_with_the_closed_vocabularies(make):
    grid = make(ComparisonGrid)
    assert [a for _l, a in grid.article_select.options] == [a.id for a in kit.load_articles()]
    for f in taxonomy.grid_fields():
        assert [v for _l, v in grid.dropdowns[f.code].options] == ["", *f.codes]
        assert grid.dropdowns[f.code].description == f.label
    grid.article_select.value = "tass-2022-01-10"
    assert "“bandits”" in grid.card.value and "<strong>TASS</strong>" in grid.card.value
    grid.dropdowns["people_label"].value = "delegitimising"
    grid.notes["people_label"].value = "its own words"
    assert grid.tags == [{"kind": "cell", "item": "tass-2022-01-10", "field": "people_label",
                          "label": "delegitimising", "note": "its own words"}]
    assert [e["op"] for e in journal(grid)] == ["set", "set"]
    grid.dropdowns["people_label"].value = ""  # back to "(choose)": the answer is removed
    assert grid.tags == [] and journal(grid)[-1]["op"] == "delete"


def test_digest_only_after_every_field(make):
    grid = make(ComparisonGrid)
    article = next(a for a in kit.load_articles() if a.id == "xinhua-2022-01-08")
    grid.article_select.value = article.id
    digest = html.escape(article.digest)
    for n, f in enumerate(taxonomy.grid_fields()):
        assert digest not in grid.digest.value and digest not in grid.card.value
        grid.dropdowns[f.code].value = f.codes[0]
        assert f"({n + 1} of {len(taxonomy.grid_fields())} answered)" in grid.article_select.label
    assert digest in grid.digest.value


def test_hide_the_outlet_until_answered(make):
    grid = make(ComparisonGrid, hide_outlet=True)
    grid.article_select.value = "rt-2022-01-07"
    assert "RT" not in grid.card.value and "stays hidden" in grid.card.value
    assert grid.article_select.label.startswith("Article ") and "RT" not in grid.article_select.label
    for f in taxonomy.grid_fields():
        grid.choose("rt-2022-01-07", f.code, "not_determinable")
    assert "<strong>RT</strong>" in grid.card.value and grid.article_select.label.startswith("RT, 7 Jan 2022")
    grid.hide.value = False
    grid.article_select.value = "tass-2022-01-10"
    assert "<strong>TASS</strong>" in grid.card.value


def test_grid_restores_exports_and_undoes(make):
    grid = make(ComparisonGrid)
    grid.choose("ap-2022-01-10", "people_label", "mixed_or_attributed", note="quotes Tokayev")
    grid.choose("ap-2022-01-10", "event_name", "protests_or_unrest")
    grid.undo_button.click()
    assert [t["field"] for t in grid.tags] == ["people_label"]
    assert grid.dropdowns["event_name"].value == ""
    grid.redo_button.click()
    again = make(ComparisonGrid)
    again.article_select.value = "ap-2022-01-10"
    assert again.dropdowns["people_label"].value == "mixed_or_attributed"
    assert again.notes["people_label"].value == "quotes Tokayev"
    assert again.dropdowns["event_name"].value == "protests_or_unrest"
    assert again.apply({"op": "student", "id": "s2"})["ok"]
    path = again.export()
    data, problems = kit_tags.validate_file(path, exercise="compare-practice")
    assert problems == [] and len(data["tags"]) == 2
    with pytest.raises(kit.KitError, match="is not a value of cause"):
        again.choose("ap-2022-01-10", "cause", "aliens")


# --- the self-check --------------------------------------------------------------------------------


def test_self_check_on_sentences_gives_the_hand_computed_score(make):
    tagger = make(Tagger, "claims-practice")
    key = answers.load_key("claims-practice")
    right = [a for a in key.items if len(a.labels) == 1][:2]
    wrong = next(a for a in key.items if len(a.labels) == 1 and a not in right)
    wrong_label = next(c.code for c in taxonomy.claim_types() if c.code not in wrong.labels)
    for a in right:
        tagger.apply({"op": "set", "tag": {"kind": "sentence", "unit": a.unit, "label": a.labels[0]}})
    tagger.apply({"op": "set", "tag": {"kind": "sentence", "unit": wrong.unit, "label": wrong_label}})
    check = SelfCheck(tagger)
    # 47 points over 47 sentences: one point for each accepted label.
    assert check.check.score == 2.0 and check.check.max == 47.0
    assert check.summary == ("Score: 2 of 47 (4%). 3 of 47 sentences answered: 2 match the reference, "
                             "1 does not.")
    assert check.summary == check.summary_live.value
    feedback = check.feedback.value
    assert html.escape(right[0].why[:60], quote=False) in feedback  # answered: explained
    unanswered = next(a for a in key.items if a not in right and a is not wrong)
    assert html.escape(unanswered.why[:60], quote=False) not in feedback  # unanswered: closed
    assert 'data-outcome="correct"' in feedback and 'data-outcome="wrong"' in feedback
    check.only.value = True  # only what to look at again: the wrong one stays, the right ones go
    assert 'data-outcome="correct"' not in check.feedback.value and 'data-outcome="wrong"' in check.feedback.value
    assert check.reference.value == ""
    assert check.reveal_all.layout.display == "none"
    check.reference_button.value = True  # try before reveal: only the answered items open
    assert html.escape(right[0].why[:40]) in check.reference.value
    assert html.escape(wrong.why[:40]) in check.reference.value
    assert html.escape(unanswered.why[:40]) not in check.reference.value
    assert "Held back until you have answered them (44)" in check.reference.value
    assert check.reveal_all.layout.display == ""
    check.reveal_all.value = True  # the student asks for the rest
    assert html.escape(unanswered.why[:40]) in check.reference.value and "Held back" not in check.reference.value
    assert check.reference_button.description == "Hide the reference"


def test_self_check_refreshes_and_follows_a_re_run_widget(make):
    tagger = make(Tagger, "claims-practice")
    check = SelfCheck(tagger)
    assert check.check.score == 0
    newer = make(Tagger, "claims-practice")  # the tagger's cell was run again
    unit = answers.load_key("claims-practice").items[0]
    newer.apply({"op": "set", "tag": {"kind": "sentence", "unit": unit.unit, "label": unit.labels[0]}})
    check.refresh_button.click()
    assert check.check.score == 1.0


def test_self_check_on_spans_reports_outcomes(make):
    spans = make(Tagger, "techniques-practice")
    key = answers.load_key("techniques-practice")
    k = key.items[0]
    spans.apply({"op": "set", "tag": {"kind": "span", "start": k.start, "end": k.end, "label": k.labels[0]}})
    check = SelfCheck(spans)
    # One exact span: precision 1, recall 1/34, F1 = 2/35; score = F1 x 20 points.
    n = len(key.items)
    f1 = 2 * (1 / n) / (1 + 1 / n)
    assert check.check.score == pytest.approx(round(20 * f1, 4))
    assert check.summary.startswith(f"Score: {feedback.number(20 * f1)} of 20 ")
    assert f"1 matched, 0 too wide, 0 too narrow, 0 partly found, 0 wrong label, {n - 1} missed, 0 extra" \
        in check.summary
    rows = selfcheck.feedback_rows(check.check)
    assert rows[0].outcome.code == "matched" and rows[0].answered and rows[0].explanation == k.why
    missed = rows[1]
    assert missed.outcome.code == "missed" and not missed.answered
    shown = selfcheck.render_html(check.check)
    assert html.escape(k.why, quote=False) in shown  # answered: its explanation is there
    assert html.escape(key.items[1].why, quote=False) not in shown  # not found yet: where, not why
    assert f"Not found yet ({n - 1}): {missed.where}" in shown and ", in " in missed.where


@pytest.mark.parametrize("outcome, span", [
    ("too_wide", lambda k, doc: (doc.unit_at(k.start).start, doc.unit_at(k.start).end)),
    ("wrong_label", lambda k, doc: (k.start, k.end)),
])
def test_span_outcomes_are_named_in_words(make, outcome, span, editorial):
    spans = make(Tagger, "techniques-practice")
    key = answers.load_key("techniques-practice")
    k = next(i for i in key.items if i.id == "S04")  # "unprecedented": one word in a long sentence
    start, end = span(k, editorial)
    end = max(t.end for t in editorial.tokens_between(start, end))  # spans cover whole words
    label = k.labels[0] if outcome != "wrong_label" else next(t for t in taxonomy.CORE_TEN if t not in k.labels)
    spans.apply({"op": "set", "tag": {"kind": "span", "start": start, "end": end, "label": label}})
    row = next(r for r in selfcheck.feedback_rows(SelfCheck(spans).check) if r.item == "S04")
    assert row.outcome.code == outcome and row.outcome is feedback.OUTCOMES[outcome]
    assert feedback.OUTCOMES[outcome].name in selfcheck.render_html(SelfCheck(spans).check)


def test_self_check_on_verdicts_and_cells(make):
    panel = make(VerdictPanel)
    c26 = answers.load_key("verdicts-practice").item("C26")
    panel.choose("C26", c26.labels[0], evidence=list(c26.record))  # full marks for C26
    panel.choose("C21", "accurate", evidence=[c26.record[0]])  # wrong verdict, unrelated evidence
    check = SelfCheck(panel)
    assert check.check.score == 1.0 and "2 of 36 claims answered: 1 matches the reference, 1 does not" \
        in check.summary
    grid = make(ComparisonGrid)
    grid.choose("tass-2022-01-10", "people_label", "delegitimising")
    grid.choose("tass-2022-01-10", "event_name", "protests_or_unrest")
    cells = SelfCheck(grid)
    expected = scoring.score(answers.exercise("compare-practice"), answers.load_key("compare-practice"), grid.tags)
    assert cells.check.score == expected.score == 1.0
    assert "TASS, 10 Jan 2022 · What it calls the people in the streets" in cells.feedback.value


def test_assessment_mode_hides_the_self_check(make, monkeypatch):
    tagger = make(Tagger, "claims-practice")
    monkeypatch.setenv("KIT_MODE", "assessment")
    check = SelfCheck(tagger)
    assert check.check is None and check.refresh() is None
    assert len(check.children) == 1 and "Self-check is off for assessed work" in check.summary_html.value
    assert not hasattr(check, "reference_button")
    with pytest.raises(kit.KitError, match="off for assessed work"):
        selfcheck.check("claims-practice", [])


def test_graded_exercises_have_no_self_check(make):
    worksheet = make(Tagger, "claims", case="kremlin-shoigu-2022-01-13")
    check = SelfCheck(worksheet)
    assert check.check is None and "graded worksheet, so it has no self-check" in check.summary_html.value
    with pytest.raises(kit.KitError, match="graded worksheet"):
        selfcheck.check("compare", [])
    with pytest.raises(kit.KitError, match="SelfCheck needs"):
        SelfCheck("claims-practice")


def test_selfcheck_agrees_with_scoring_for_every_practice_exercise():
    for ex in answers.exercises():
        if ex.mode != "practice":
            continue
        key = answers.load_key(ex.id)
        assert selfcheck.check(ex.id, []).score == scoring.score(ex, key, []).score == 0.0
        assert selfcheck.render_reference_html(ex.id).count("<tr>") >= len(key.items)


def test_panels_and_selfcheck_stay_browser_safe():
    code = ("import sys, tempfile, kit.widgets as w, kit.selfcheck; p = w.VerdictPanel(work_dir=tempfile.mkdtemp()); "
            "w.SelfCheck(p); g = w.ComparisonGrid(work_dir=tempfile.mkdtemp()); w.SelfCheck(g); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'numpy', 'plotly'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_damaged_journal_and_read_only_notices(tmp_path):
    import fcntl

    first = VerdictPanel(work_dir=tmp_path)
    first.choose("C2", "accurate")
    path = first.session.journal_path
    first.close()
    with open(path, "a", encoding="utf-8") as f:
        f.write("{not json\n")
    panel = VerdictPanel(work_dir=tmp_path)
    assert "damaged line(s)" in panel.notices.value and panel.notices.role == "alert"
    assert [t["claim"] for t in panel.tags] == ["C2"]  # the rest was restored
    panel.close()
    # Another kernel holds the exercise: this panel is read-only, says so, and disables its controls.
    with open(path.with_name(path.name + ".lock"), "a+") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        locked = VerdictPanel(work_dir=tmp_path)
        assert locked.read_only and "read-only" in locked.notices.value
        assert locked.verdict.disabled and locked.export_button.disabled and locked.boxes[PSAKI].disabled
        assert locked.apply({"op": "set", "tag": {"kind": "verdict", "claim": "C3", "label": "accurate"}})["ok"] \
            is False
        locked.close()


def test_a_record_items_caveat_opens_only_after_the_student_has_saved_a_verdict(make):
    panel = make(VerdictPanel)
    item = next(r for r in kit.load_record() if r.caveat and "never substantiated" in r.caveat)
    panel.choose("C5", None, evidence=[item.id])  # cited, no verdict yet
    assert item.caveat[:30] not in panel.cited.value and "opens once you have saved your verdict" in panel.cited.value
    panel.choose("C5", "accurate", evidence=[item.id])
    assert html.escape(item.caveat[:30], quote=False) in panel.cited.value
    panel.choose("C6", None)  # another claim, then back: the saved one shows its caveat at once
    panel.choose("C5", "accurate", evidence=[item.id])
    assert html.escape(item.caveat[:30], quote=False) in panel.cited.value


def test_a_verdict_keeps_the_outside_sources_a_student_checked(make):
    panel = make(VerdictPanel)
    url = "https://www.whitehouse.gov/briefing-room/press-briefings/2022/01/05/press-briefing/"
    assert panel.choose("C26", "inaccurate", evidence=["R-2022-01-05-psaki-denial"], outside=[url])["ok"]
    tag = next(t for t in panel.session.tags if t["claim"] == "C26")
    assert tag["outside"] == [url] and tag["evidence"] == ["R-2022-01-05-psaki-denial"]
    panel.choose("C4", None)
    panel.claim_select.value = "C26"  # back again: the address is shown where it was typed
    assert panel.outside.value == url
    rows = {r.item: r for r in selfcheck.feedback_rows(selfcheck.check("verdicts-practice", panel.session.tags))}
    assert ("Outside sources you checked", url) in rows["C26"].extra_lines
    before = list(panel.session.tags)
    panel.outside.value = "whitehouse dot gov"  # not an address: refused in words, nothing half-saved
    assert "is not a web address" in panel.message and panel.session.tags == before
    assert panel.outside.value == "whitehouse dot gov"  # what the student typed stays to be mended
