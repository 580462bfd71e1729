"""The pre- and post-test of discernment, on two small cases written for these tests, with simulated classes:
one that learns (d' rises), one that only grows suspicious (d' flat, c falls), and the bad input."""

import json

import pytest

from kit import authoring, cases, cli, discernment, keymode

# Two short texts written for these tests. In each, the sentences marked * carry persuasive wording.
TEXTS = {
    "form-a": ["Notes on a hard week", "*The so-called reformers have wrecked the economy again.",
               "Fuel prices rose on 1 January.", "*Only a fool would believe their promises now.",
               "The ministry published new figures on Monday.", "*Everyone knows who is really behind this.",
               "Protests took place in three cities.", "The government met on Tuesday.",
               "*This shameful chaos was planned from abroad, of course.", "Two ministers resigned on Wednesday.",
               "Prices were lowered on Thursday.", "A commission will report in March."],
    "form-b": ["A statement on the events", "The council met on Friday.", "*Our heroic police saved the nation.",
               "Three roads were closed for a day.", "*Thugs and bandits tried to destroy everything we love.",
               "Schools reopened on Monday.", "*No honest person can doubt our account.",
               "The internet was restored on Tuesday.", "Officials counted the damage.",
               "*Foreign puppet masters pulled the strings, as always.", "Trains ran again on Wednesday.",
               "An inquiry was announced."],
}


def make_case(tmp_path, case_id, lines):
    source = tmp_path / f"{case_id}.txt"
    source.write_text("\n".join(line.lstrip("*") for line in lines) + "\n", encoding="utf-8")
    folder = tmp_path / case_id
    case = authoring.new_case(source, case_id=case_id, out=folder, licence="written for the tests")
    (folder / "exercises" / "discernment.toml").write_text(
        f'id = "discernment"\ntitle = "Discernment"\ndocument = "{case_id}"\nkind = "sentence"\ntask = "discern"\n'
        f'label_set = "discernment"\npoints = {len(lines)}\nmode = "graded"\nkey = "discernment"\n'
        'instructions = "Flag every sentence that persuades by its wording."\n', encoding="utf-8")
    doc = case.document
    spans = []
    for unit, line in zip(doc.units, lines):
        if line.startswith("*"):
            words = [t for t in doc.tokens if unit.start <= t.start and t.end <= unit.end]
            spans.append({"id": f"S{len(spans) + 1:02d}", "start": words[0].start, "end": words[1].end,
                          "quote": doc.text[words[0].start:words[1].end], "labels": ["T1"], "why": "for the test"})
    plain = next(u.id for u, line in zip(doc.units, lines) if not line.startswith("*") and u.kind == "sentence")
    (folder / "keys" / "techniques.toml").write_text(keymode.to_toml(
        {"document": doc.id, "sha256": doc.sha256, "span": spans, "control": [{"unit": plain, "why": "plain"}]}))
    return cases.load_case(folder)


@pytest.fixture
def forms(tmp_path):
    made = {cid: make_case(tmp_path, cid, lines) for cid, lines in TEXTS.items()}
    return {cid: discernment.Form.from_case(case) for cid, case in made.items()}


def simulate(forms, folder, n, h_pre, f_pre, h_post, f_post, seed=1):
    """A class of ``n``: each student flags a signal with probability H and a noise sentence with F."""
    return discernment.demo_tests(forms, folder, n, before=(h_pre, f_pre), after=(h_post, f_post), seed=seed)


def test_forms_know_their_signals(forms):
    assert len(forms["form-a"].signals) == 4 and len(forms["form-a"].units) == 12
    assert "p01.s1" in forms["form-a"].signals and "title" not in forms["form-a"].signals


def test_half_the_class_takes_each_order_and_the_assignment_is_stable():
    orders = [discernment.form_order(f"s{i}", ("A", "B")) for i in range(400)]
    assert 160 < orders.count(("A", "B")) < 240 and set(orders) == {("A", "B"), ("B", "A")}
    assert discernment.form_order("s7", ("A", "B")) == discernment.form_order("s7", ("A", "B"))


def test_a_class_that_learns(forms, tmp_path):
    pre, post = simulate(forms, tmp_path / "class", 60, 0.45, 0.30, 0.85, 0.15)
    result = discernment.discernment([pre], [post], forms, out=tmp_path / "report")
    s = result.summary
    assert s["n"] == 60 and s["gain"] > 0.8 and s["low"] > 0 and s["improved"] > 40
    assert "better after the lessons" in result.verdict
    rows = (tmp_path / "report" / "students.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("student,pre_form,post_form,assigned_order") and len(rows) == 61


def test_a_class_that_only_grows_suspicious(forms, tmp_path):
    pre, post = simulate(forms, tmp_path / "class", 60, 0.40, 0.20, 0.85, 0.65, seed=2)
    result = discernment.discernment([pre], [post], forms)
    s = result.summary
    assert abs(s["gain"]) < 0.35 and s["c_post"] < s["c_pre"] - 0.4
    assert "more suspicious of everything, not more discerning" in result.verdict


def test_the_gain_interval_by_hand():
    # Three students with gains 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.303: 2 -/+ 4.303 / sqrt(3) = 2 -/+ 2.484
    sd = discernment.scoring.SignalDetection
    students = [discernment.Student(f"s{g}", ("A", "B"), sd(0.5, 0.5, 0.0, 0.0), sd(0.5, 0.5, float(g), 0.0))
                for g in (1, 2, 3)]
    summary, _ = discernment._summary(students)
    assert summary["gain"] == 2 and summary["low"] == pytest.approx(2 - 4.303 / 3 ** 0.5)


def test_bad_input_is_listed_not_dropped(forms, tmp_path, capsys):
    pre, post = simulate(forms, tmp_path / "class", 6, 0.5, 0.3, 0.8, 0.2)
    (post / "s000.json").unlink()  # s000 took only the pre-test
    (pre / "s001.json").unlink()  # s001 only the post-test
    twice = json.loads((pre / "s002.json").read_text())
    (pre / "s002-again.json").write_text(json.dumps(twice))  # two files for one student and test
    wrong = discernment.form_order("s003", tuple(sorted(forms)))[1]  # s003's pre-test on the post form
    post_copy = json.loads((post / "s003.json").read_text())  # a real export on the other form
    assert post_copy["document"]["id"] == wrong
    (pre / "s003.json").write_text(json.dumps(post_copy))
    (pre / "other.json").write_text(json.dumps({"format": "kit-tags"}))
    result = discernment.discernment([pre], [post], forms)
    assert result.only_pre == ["s000"] and result.only_post == ["s001", "s002"]
    assert any("a second file for s002" in why for _, why in result.rejected)
    assert any("other.json" in file for file, _ in result.rejected)
    flagged = {st.id: st.flags for st in result.students}
    assert flagged["s003"] == [f"pre-test taken on form {wrong}, assigned form "
                               f"{discernment.form_order('s003', tuple(sorted(forms)))[0]}"]
    assert cli.main(["discernment", str(pre), str(post), "--forms", str(tmp_path / "form-a"),
                     str(tmp_path / "form-b")]) == 0
    out = capsys.readouterr().out
    assert "Listed apart: only the pre-test s000" in out and "Flagged: s003" in out


def test_charts(forms, tmp_path):
    pre, post = simulate(forms, tmp_path / "class", 12, 0.5, 0.3, 0.8, 0.2)
    before, rates = discernment.charts(discernment.discernment([pre], [post], forms))
    assert len(before.data[0]["x"]) == 12 and rates.data[0]["name"] == "before"
    for chart in (before, rates):
        assert chart.to_plotly().data  # valid plotly JSON
        assert chart.title and chart.layout["xaxis"]["title"]["text"] and chart.layout["yaxis"]["title"]["text"]
        assert len(chart.rows) == 12 and all(row[0] in chart.text for row in chart.rows)  # one row per student
