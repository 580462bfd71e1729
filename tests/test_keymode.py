"""Key mode: an author writes a case's key in the tagger, driven here from Python as the browser would."""

import io
import sys

import pytest

import kit
from kit import cases, cli, grading
from kit.widgets import Tagger

TEXT = ("Unrest spreads across the country\n"
        "Protests that began over fuel prices on Sunday reached the largest city by Tuesday, witnesses said.\n"
        "The so-called activists were clearly paid by foreign puppet masters.\n"
        "The government resigned on Wednesday.\n"
        "Officials said order would be restored.\n")  # written for this test


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode())))
    assert cli.main(["new", "-", "--id", "key-case", "--out", str(tmp_path / "case"), "--licence", "written for a test"]) == 0
    return tmp_path / "case"


def edit(t, tag):
    result = t.apply({"op": "set", "tag": tag})
    assert result["ok"], result
    return result


def test_a_claims_key_with_alternatives_and_explanations(folder):
    t = Tagger("claims", case=folder, author=True)
    assert t.author and t.session.journal_path.parent == folder / "keys"
    edit(t, {"kind": "sentence", "unit": "title", "label": "NONASSERT", "note": "A headline: no claim made."})
    edit(t, {"kind": "sentence", "unit": "p01.s1", "label": "ATTRIB", "also": ["CHECK"], "checkworthy": True,
             "note": "Witnesses said it: attributed; the facts could be checked too."})
    edit(t, {"kind": "sentence", "unit": "p02.s1", "label": "OPINION"})  # no explanation yet: left out
    refused = t.apply({"op": "set", "tag": {"kind": "sentence", "unit": "p03.s1", "label": "CHECK", "also": ["CHECK"]}})
    assert not refused["ok"] and "besides" in refused["message"]
    saved = t.apply({"op": "save_key"})
    assert saved["ok"] and "2 item(s)" in saved["message"] and "p02.s1" in saved["message"]
    t.close()
    key = cases.load_case(folder).key("claims")  # validated as the shipped keys are
    assert [(a.unit, a.labels, a.checkworthy) for a in key.items] == [
        ("title", ("NONASSERT",), False), ("p01.s1", ("ATTRIB", "CHECK"), True)]
    again = Tagger("claims", case=folder, author=True)  # re-opening continues where the author stopped
    assert [tg["unit"] for tg in again.tags] == ["p01.s1", "p02.s1", "title"]
    again.close()


def test_a_techniques_key_needs_a_control(folder):
    case = cases.load_case(folder)
    doc = case.document
    t = Tagger("techniques", case=folder, author=True)
    start = doc.text.index("so-called activists")
    end = start + len("so-called activists")
    edit(t, {"kind": "span", "start": start, "end": end, "label": "T2", "also": ["T1"],
             "note": "'So-called' sneers at the label it repeats."})
    refused = t.apply({"op": "save_key"})
    assert not refused["ok"] and "at least one control" in refused["message"]
    edit(t, {"kind": "control", "unit": "p03.s1", "note": "A plain statement of fact: nothing to tag."})
    saved = t.apply({"op": "save_key"})
    assert saved["ok"] and "1 control(s)" in saved["message"]
    key = cases.load_case(folder).key("techniques")
    assert [(a.id, a.quote, a.labels) for a in key.items] == [("S01", "so-called activists", ("T2", "T1"))]
    assert [c.unit for c in key.controls] == ["p03.s1"]
    # a control on a sentence the key tags is refused by the key's own checks, and nothing is written
    before = (folder / "keys" / "techniques.toml").read_bytes()
    edit(t, {"kind": "control", "unit": "p02.s1", "note": "wrongly"})
    refused = t.apply({"op": "save_key"})
    assert not refused["ok"] and "is a control but S01 tags it" in refused["message"]
    assert (folder / "keys" / "techniques.toml").read_bytes() == before
    t.close()


def test_key_mode_needs_a_case_folder(tmp_path):
    with pytest.raises(kit.KitError, match="key mode needs a case folder"):
        Tagger("claims-practice", work_dir=tmp_path, author=True)


def test_a_saved_key_grades_the_case(folder, tmp_path):
    t = Tagger("claims", case=folder, author=True)
    for unit, label in [("title", "NONASSERT"), ("p01.s1", "ATTRIB"), ("p02.s1", "OPINION"), ("p03.s1", "CHECK"),
                        ("p04.s1", "ATTRIB")]:
        edit(t, {"kind": "sentence", "unit": unit, "label": label, "note": "Written for the test."})
    assert t.apply({"op": "save_key"})["ok"]
    t.close()
    student = Tagger("claims", case=folder, work_dir=tmp_path / "student")
    edit(student, {"kind": "sentence", "unit": "p02.s1", "label": "OPINION"})
    student.apply({"op": "student", "id": "s7"})
    exported = student.export()
    student.close()
    report = grading.grade([exported], exercise="claims", case=folder, out=tmp_path / "out")
    assert [(g.student, g.result.score) for g in report.graded] == [("s7", 1.0)]


# --- two annotators -------------------------------------------------------------------------------------


def test_two_keys_agree_where_they_do_and_the_rest_is_listed(folder, tmp_path, capsys):
    def key_of(author_labels, name):
        t = Tagger("claims", case=folder, author=True)
        for unit, label, flag in author_labels:
            edit(t, {"kind": "sentence", "unit": unit, "label": label, "checkworthy": flag, "note": f"{name}'s reason"})
        t.apply({"op": "save_key"})
        t.close()
        path = tmp_path / f"{name}.toml"
        (folder / "keys" / "claims.toml").rename(path)
        (folder / "keys" / "key-case.claims.key.journal.jsonl").unlink()
        return path

    a = key_of([("title", "NONASSERT", False), ("p01.s1", "ATTRIB", True), ("p02.s1", "OPINION", False),
                ("p03.s1", "CHECK", True)], "ann")
    b = key_of([("title", "NONASSERT", False), ("p01.s1", "CHECK", True), ("p02.s1", "OPINION", False),
                ("p03.s1", "CHECK", False)], "bo")
    result = kit.agree(a, b, case=folder, out=tmp_path / "adjudicate")
    assert result.figures["agreement on the preferred label"] == 0.75
    # kappa by hand: p_o = 3/4; A: NONASSERT, ATTRIB, OPINION, CHECK; B: NONASSERT, CHECK, OPINION, CHECK
    # p_e = (1*1 + 1*0 + 1*1 + 1*2) / 16 = 4/16; kappa = (0.75 - 0.25) / 0.75 = 2/3
    assert result.figures["Cohen's kappa"] == pytest.approx(2 / 3)
    assert result.figures["agreement on check-worthy"] == 0.75
    assert [(d.item, d.a, d.b) for d in result.disagreements] == [
        ("p01.s1", "ATTRIB", "CHECK"), ("p03.s1", "check-worthy: yes", "check-worthy: no")]
    page = (tmp_path / "adjudicate" / "disagreements.html").read_text(encoding="utf-8")
    assert "ann&#x27;s reason" in page and "bo&#x27;s reason" in page
    assert cli.main(["agree", str(a), str(b), "--case", str(folder)]) == 0
    assert "2 disagreement(s)" in capsys.readouterr().out


def test_two_span_keys_are_compared_both_ways(folder, tmp_path):
    doc = cases.load_case(folder).document
    s = doc.text.index("so-called activists")

    def key_of(spans, name):
        t = Tagger("techniques", case=folder, author=True)
        for start, end, label in spans:
            edit(t, {"kind": "span", "start": start, "end": end, "label": label, "note": "why"})
        edit(t, {"kind": "control", "unit": "p03.s1", "note": "plain"})
        assert t.apply({"op": "save_key"})["ok"]
        t.close()
        path = tmp_path / f"{name}.toml"
        (folder / "keys" / "techniques.toml").rename(path)
        (folder / "keys" / "key-case.techniques.key.journal.jsonl").unlink()
        return path

    whole = (s, s + len("so-called activists"))
    a = key_of([(*whole, "T2")], "a")
    b = key_of([(s, s + len("so-called"), "T2")], "b")
    result = kit.agree(a, b, case=folder)
    assert result.figures["span F1, B against A (A as the reference)"] == pytest.approx(
        kit.scoring.semeval_prf([(s, s + 9, "T2")], [(*whole, "T2")])[2])
    assert len(result.disagreements) == 2  # A's passage and B's shorter one


def save_claims_key(folder):
    t = Tagger("claims", case=folder, author=True)
    edit(t, {"kind": "sentence", "unit": "p01.s1", "label": "ATTRIB", "checkworthy": True, "note": "Witnesses said it."})
    edit(t, {"kind": "sentence", "unit": "p03.s1", "label": "CHECK", "checkworthy": True, "note": "A dated event."})
    assert t.apply({"op": "save_key"})["ok"]
    t.close()


def test_key_mode_never_writes_into_a_case_the_kit_ships(tmp_path):
    with pytest.raises(kit.KitError, match="ships with the kit"):
        Tagger("claims", case="kremlin-shoigu-2022-01-13", author=True)


def test_the_verdict_panel_needs_the_claims_key_first(folder):
    from kit.widgets import VerdictPanel

    with pytest.raises(kit.KitError, match="write and save that key first"):
        VerdictPanel("verdicts", case=folder, author=True)
    assert not (folder / "exercises" / "verdicts.toml").exists()


def test_a_verdicts_key_made_in_the_verdict_panel(folder):
    from kit.widgets import VerdictPanel

    save_claims_key(folder)
    p = VerdictPanel("verdicts", case=folder, author=True)
    # the check-worthy sentences of the claims key became the claims students will judge
    exercise = cases.load_case(folder).exercise("verdicts")
    assert [(c.id, c.units) for c in exercise.claims] == [("C1", ("p01.s1",)), ("C2", ("p03.s1",))]
    assert "2 claims to judge" in p.notices.value
    record = kit.load_record()
    cited = record[0]
    assert p.choose("C1", "accurate", evidence=[cited.id], note="The record says so.", also=["partly_accurate"])["ok"]
    assert p.choose("C2", "unverifiable", evidence=[cited.id])["ok"]  # no explanation: left out
    path = p.save_key()
    assert path == folder / "keys" / "verdicts.toml" and "C2 (no explanation)" in p.message
    p.close()
    key = cases.load_case(folder).key("verdicts")
    [answer] = key.items
    assert (answer.id, answer.labels, answer.record, answer.evidence) == (
        "C1", ("accurate", "partly_accurate"), (cited.id,), "The record says so.")
    assert answer.sources == cited.sources  # by default, the sources of the cited record items
    # a student's panel on the same case shows the claims, not the key's answers
    student = VerdictPanel("verdicts", case=folder, work_dir=folder.parent / "student")
    assert [c.id for c in student.claims] == ["C1", "C2"] and student.also.layout.display == "none"
    student.close()


def test_a_grid_key_made_in_the_comparison_grid(folder):
    from kit.widgets import ComparisonGrid

    g = ComparisonGrid("compare", case=folder, author=True)
    article = kit.load_articles()[0].id
    assert g.choose(article, "people_label", "neutral", note="Only 'protesters'.", also=["mixed_or_attributed"])["ok"]
    assert g.choose(article, "event_name", "riots")["ok"]  # no explanation: left out
    assert [v for _l, v in g.also_boxes["cause"].options] == list(kit.taxonomy.grid_field("cause").codes)
    refused = g.apply({"op": "set", "tag": {"kind": "cell", "item": article, "field": "cause", "label": "fuel_price",
                                           "note": "x", "also": ["riots"]}})  # a value of another field
    assert not refused["ok"] and "besides" in refused["message"]
    assert g.save_key() == folder / "keys" / "compare.toml"
    g.close()
    key = cases.load_case(folder).key("compare")
    assert [(a.item, a.field, a.labels) for a in key.items] == [
        (article, "people_label", ("neutral", "mixed_or_attributed"))]
