"""'If you chose X': feedback on the most likely wrong choices, shown under the student's own answer."""

import dataclasses

import pytest

from kit import answers, feedback, selfcheck
from kit.errors import DataError


def rows(exercise_id, tags):
    return {r.item: r for r in selfcheck.feedback_rows(selfcheck.check(exercise_id, tags))}


def about(row):
    return dict(row.extra_lines).get("About your choice", "")


def test_at_least_fifteen_confusions_cover_every_kind_of_exercise():
    table = feedback.confusions()
    assert len(table) >= 15
    assert {kind for kind, *_ in table} == set(feedback.CONFUSION_KINDS)
    assert all(len(text.split()) <= 60 for text in table.values())  # short enough to read under an answer


def test_a_wrong_claim_type_gets_the_line_for_that_choice_and_a_right_one_none():
    got = rows("claims-practice", [{"kind": "sentence", "unit": "p04.s2", "label": "CHECK"},
                                   {"kind": "sentence", "unit": "p04.s1", "label": "CHECK"}])
    assert "Step 2 comes before step 5" in about(got["p04.s2"])
    assert about(got["p04.s1"]) == ""  # correct: nothing to explain


def test_a_wrong_technique_on_the_right_passage_gets_its_line():
    key = {s.id: s for s in answers.load_key("techniques-practice").items}
    s10 = key["S10"]  # "Kiev regime": T2
    got = rows("techniques-practice", [{"kind": "span", "start": s10.start, "end": s10.end, "label": "T1"}])
    assert got["S10"].outcome.code == "wrong_label" and "name-calling pins a label" in about(got["S10"])


def test_a_verdict_and_a_grid_cell_get_theirs_and_any_choice_meets_not_determinable():
    got = rows("verdicts-practice", [{"kind": "verdict", "claim": "C29", "label": "inaccurate", "evidence": []}])
    assert "Each word can be defended" in about(got["C29"])
    cells = answers.load_key("compare-practice").items
    undecided = next(a for a in cells if a.field == "people_label" and a.labels == ("not_determinable",))
    mixed = next(a for a in cells if a.field == "people_label" and a.labels == ("mixed_or_attributed",))
    got = rows("compare-practice", [{"kind": "cell", "item": undecided.item, "field": "people_label", "label": "neutral"},
                                    {"kind": "cell", "item": mixed.item, "field": "people_label", "label": "neutral"}])
    assert "Not determinable is the right answer here" in about(got[undecided.id])
    assert "never plain neutral" in about(got[mixed.id])


def test_a_confusion_of_a_choice_with_itself_is_refused(monkeypatch):
    data = {"confusion": [{"kind": "sentence", "chosen": "CHECK", "expected": "CHECK", "text": "x"}]}
    monkeypatch.setattr(feedback.resources, "read_toml", lambda name: data)
    feedback.confusions.cache_clear()
    try:
        with pytest.raises(DataError, match="a choice other than the expected one"):
            feedback.confusions()
        data["confusion"][0].update(expected="TRUE")
        feedback.confusions.cache_clear()
        with pytest.raises(DataError, match="'TRUE' is not one of"):
            feedback.confusions()
    finally:
        feedback.confusions.cache_clear()


def test_a_verdicts_further_evidence_opens_on_request():
    key = answers.load_key("verdicts-practice")
    longer = [dataclasses.replace(a, more="A second paragraph of evidence, written for this test.")
              for a in key.items if a.id == "C29"]
    key = dataclasses.replace(key, items=tuple(longer))
    check = selfcheck.check("verdicts-practice", [{"kind": "verdict", "claim": "C29", "label": "misleading",
                                                   "evidence": []}], key=key)
    assert "<details><summary>More evidence</summary><p class='why'>A second paragraph" in selfcheck.render_html(check)
    assert "<details><summary>More evidence</summary>" in selfcheck.render_reference_html("verdicts-practice", key)
