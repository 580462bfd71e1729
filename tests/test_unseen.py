"""The unseen texts of the graded work: shipped as cases, their graded keys kept out of the kit.

Graded work on the editorial measured memory (its practice keys ship with the kit), so the graded
claims, techniques and verdicts worksheets, and the pre- and post-test of discernment, are on two short
official texts of the same weeks, one from each side: the keys live in the repository's teacher-keys/.
"""

import re
from pathlib import Path

import pytest

import kit
from kit import answers, cases, cli, discernment
from kit.answers import read_key_file
from kit.widgets import Tagger

ROOT = Path(__file__).resolve().parents[1]
TEACHER_KEYS = ROOT / cases.TEACHER_KEYS
FORMS = discernment.BUILT_IN_FORMS
KINDS = {"claims": "sentence", "techniques": "span", "verdicts": "verdict"}


def teacher_key(case_id: str, name: str):
    return read_key_file(TEACHER_KEYS / case_id / f"{name}.toml", KINDS[name], document=cases.load_case(case_id).document)


@pytest.mark.parametrize("case_id", FORMS)
def test_an_unseen_text_ships_with_its_exercises_and_where_it_comes_from(case_id):
    case = cases.load_case(case_id)
    assert case.shipped and case.id in [c.id for c in cases.cases()]
    assert {e.id for e in case.exercises} == {"claims", "techniques", "verdicts", "discernment"}
    assert all(e.mode == "graded" for e in case.exercises)
    assert case.url in case.licence and ("CC BY 4.0" in case.licence or "Reuse is authorised" in case.licence)
    assert 12 <= len(case.document.units) <= 30
    with pytest.raises(kit.KitError, match="teacher-keys"):  # the graded keys are not in the package
        case.key("claims")


@pytest.mark.parametrize("case_id", FORMS)
def test_its_graded_keys_fit_the_text_and_the_rules_of_a_key(case_id):
    case = cases.load_case(case_id)
    claims = teacher_key(case_id, "claims")
    assert [a.unit for a in claims.items] == [u.id for u in case.document.units]  # every sentence answered
    spans = teacher_key(case_id, "techniques")
    tagged = {u.id for u in case.document.units for s in spans.items if s.start < u.end and u.start < s.end}
    untagged = len(case.document.units) - len(tagged)
    assert untagged * 3 >= len(case.document.units), "at least a third of the sentences carry no technique"
    assert len(spans.controls) >= 3
    assert all(set(s.labels) <= set(answers.label_set("core_techniques")) for s in spans.items)
    verdicts = teacher_key(case_id, "verdicts")
    listed = case.exercise("verdicts").claims  # what students see, without the answers
    assert [(c.id, c.claim, c.units) for c in listed] == [(v.id, v.claim, v.units) for v in verdicts.items]


def wording_the_why_sends_to_techniques(claims, marker: str):
    """(unit, phrase, said untagged?) for each quoted phrase of a ``why``'s sentence that names ``marker`` (per clause)."""
    for item in claims.items:
        for sentence in re.split(r"(?<=[.;])\s", item.why):
            if marker in sentence.lower():
                for clause in sentence.lower().split(", but "):
                    for phrase in re.findall(r"“([^”]+)”", clause):
                        yield item.unit, phrase, "untagged" in clause


@pytest.mark.parametrize("case_id", ["practice", *FORMS])
def test_wording_a_claims_key_sends_to_the_techniques_key_is_tagged_there_or_said_untagged(case_id):
    if case_id == "practice":  # the editorial: lesson 02 is its techniques step
        claims, spans, marker = answers.load_key("claims-practice"), answers.load_key("techniques-practice"), "lesson 02"
    else:
        claims, spans, marker = teacher_key(case_id, "claims"), teacher_key(case_id, "techniques"), "techniques worksheet"
    quotes = [s.quote.lower() for s in spans.items]
    sent = list(wording_the_why_sends_to_techniques(claims, marker))
    assert len(sent) >= (12 if case_id == "practice" else 2)  # the practice key sends a dozen phrases, each text two
    for unit, phrase, untagged in sent:
        tagged = any(phrase in q for q in quotes)
        assert tagged != untagged, f"{unit}: “{phrase}” is {'tagged' if tagged else 'not tagged'} in the techniques key"


def test_the_practice_keys_hold_nothing_of_the_unseen_texts():
    sentences = [u.text for case_id in FORMS for u in cases.load_case(case_id).document.units if len(u.text) > 40]
    for ex in answers.exercises():
        key = answers.load_key(ex)
        assert key.document == "scf-2022-01-07"
        shipped = " ".join(str(v) for item in key.items for v in vars(item).values())
        assert not [s for s in sentences if s in shipped]


@pytest.mark.parametrize("case_id", FORMS)
def test_a_handout_of_an_unseen_text_holds_no_key(case_id, tmp_path):
    out = tmp_path / "handout"
    assert cli.main(["handout", case_id, "--out", str(out)]) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "claims.ipynb" for p in files) and not any("keys" in p.parts for p in files)
    whys = [a.why for name in ("claims", "techniques") for a in teacher_key(case_id, name).items]
    text = " ".join(p.read_text(encoding="utf-8") for p in files)
    assert not [w for w in whys if w in text]


def test_a_student_graded_on_an_unseen_text_with_the_teachers_key(tmp_path, capsys):
    case_id = "kremlin-shoigu-2022-01-13"
    key = teacher_key(case_id, "claims")
    student = Tagger("claims", case=case_id, work_dir=tmp_path / "work")
    for answer in key.items[:10]:  # the first ten sentences, each with the preferred type
        assert student.apply({"op": "set", "tag": {"kind": "sentence", "unit": answer.unit, "label": answer.labels[0],
                                                   "checkworthy": answer.checkworthy}})["ok"]
    student.apply({"op": "student", "id": "s1"})
    exported = student.export()
    student.close()
    assert cli.main(["grade", str(exported), "--exercise", "claims", "--case", case_id, "--out", str(tmp_path / "a")]) == 1
    assert "--key FILE" in capsys.readouterr().err
    assert cli.main(["grade", str(exported), "--exercise", "claims", "--case", case_id, "--key",
                     str(TEACHER_KEYS / case_id / "claims.toml"), "--out", str(tmp_path / "g")]) == 0
    import csv

    with open(tmp_path / "g" / "grades.csv", encoding="utf-8-sig", newline="") as f:
        [row] = [r for r in csv.DictReader(f) if r["student_id"] == "s1"]
    assert (float(row["score"]), float(row["max"])) == (10, 17)  # ten of seventeen sentences right, one point each


def test_each_student_gets_one_form_before_and_the_other_after(capsys):
    plan = discernment.assignments([f"s{i:03d}" for i in range(40)])
    assert all({pre, post} == set(FORMS) for _s, pre, post in plan)
    firsts = [pre for _s, pre, _post in plan]
    assert 10 <= firsts.count(FORMS[0]) <= 30  # about half the class each way
    assert cli.main(["forms", "s001", "s002"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 3 and all(f in out for f in FORMS)


def test_the_test_worksheet_opens_the_assigned_form_with_the_id_confirmed(tmp_path):
    from kit.widgets import DiscernmentTest

    test = DiscernmentTest("post", work_dir=tmp_path)
    test._start()  # no id yet: said, nothing opened
    assert test.tagger is None and "student id first" in test.status.value
    tagger = test.begin("s001")
    assert test.case.id == discernment.form_order("s001", FORMS)[1]
    assert tagger.session.student["id"] == "s001" and tagger.exercise_id == "discernment"
    assert test.start_button.disabled and test.case.title in test.status.value
    again = test.begin("s001")  # opened again from Python: one form, one tagger, nothing shown twice
    assert tagger.comm is None and test.children.count(again) == 1 and len(test.children) == 5
    test.close()


@pytest.mark.parametrize("case_id", FORMS)
def test_its_graded_keys_can_be_made_in_key_mode(case_id, tmp_path):
    """Every item of the graded keys is one an author can enter in the widgets' key mode, and the saved key
    is the same key (a key's caveat and 'more' are written in its file: key mode has no box for them)."""
    import shutil

    from kit.widgets import VerdictPanel

    folder = tmp_path / case_id
    shutil.copytree(cases.load_case(case_id).folder, folder)  # key mode never writes into the kit's own cases
    claims, spans, verdicts = (teacher_key(case_id, name) for name in ("claims", "techniques", "verdicts"))
    t = Tagger("claims", case=folder, author=True)
    for a in claims.items:
        assert t.apply({"op": "set", "tag": {"kind": "sentence", "unit": a.unit, "label": a.labels[0],
                                             "also": list(a.labels[1:]), "checkworthy": a.checkworthy,
                                             "note": a.why}})["ok"]
    assert t.apply({"op": "save_key"})["ok"]
    t.close()
    t = Tagger("techniques", case=folder, author=True)
    for s in spans.items:
        assert t.apply({"op": "set", "tag": {"kind": "span", "start": s.start, "end": s.end, "quote": s.quote,
                                             "label": s.labels[0], "also": list(s.labels[1:]), "note": s.why}})["ok"]
    for c in spans.controls:
        assert t.apply({"op": "set", "tag": {"kind": "control", "unit": c.unit, "note": c.why}})["ok"]
    assert t.apply({"op": "save_key"})["ok"]
    t.close()
    p = VerdictPanel("verdicts", case=folder, author=True)
    for v in verdicts.items:
        assert p.choose(v.id, v.labels[0], evidence=v.record, note=v.evidence, outside=v.sources,
                        also=v.labels[1:])["ok"], p.message
    assert p.save_key() is not None, p.message
    p.close()
    made = cases.load_case(folder)
    assert made.key("claims").items == claims.items
    assert [(s.start, s.end, s.labels, s.why) for s in made.key("techniques").items] == \
        [(s.start, s.end, s.labels, s.why) for s in spans.items]
    assert made.key("techniques").controls == spans.controls
    assert [(v.id, v.labels, v.evidence, set(v.record), v.sources) for v in made.key("verdicts").items] == \
        [(v.id, v.labels, v.evidence, set(v.record), v.sources) for v in verdicts.items]


@pytest.mark.parametrize("exercise_id", ["claims", "techniques", "verdicts", "techniques-name-practice"])
def test_work_begun_on_a_retired_exercise_still_opens_and_grades(exercise_id, tmp_path):
    """The editorial's graded worksheets (and lesson 02's old naming step) left the kit's lists, but a
    student's journal or export made for one before the change is not lost: it reopens and grades."""
    from kit import grading
    from kit.tags import Session

    assert exercise_id not in {e.id for e in answers.exercises()}  # not offered any more
    assert "retired" in answers.exercise(exercise_id).title
    [export] = grading.demo_class(1, 0, exercise_id)
    grading.write_exports([export], tmp_path / "in")
    report = grading.grade([tmp_path / "in"], exercise=exercise_id, out=tmp_path / "out")
    assert len(report.graded) == 1 and not report.rejected
    session = Session(exercise_id, work_dir=tmp_path / "work")
    session.set(export["tags"][0])
    session.close()
    again = Session(exercise_id, work_dir=tmp_path / "work")
    assert len(again.tags) == 1 and not again.read_only
    again.close()
