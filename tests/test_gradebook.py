"""Gradebooks that import cleanly, and the bad input of the held-out battery.

The LMS layouts are checked field by field against what each importer documents (sources in
docs/grading.md): Canvas (a blank cell clears an existing grade; Student/ID/SIS User ID/SIS Login ID/
Section, then "Name (id)"), Moodle (one unknown user aborts the whole import; grades above 100 fail by
default; a feedback column maps to the item's feedback), Brightspace ("<Item> Points Grade" and the
"End-of-Line Indicator" column of "#"), Blackboard Learn (Username, "<Item> [Total Pts: N Score] |id",
every .csv field quoted).
"""

import codecs
import csv
import io
import json
import os
import time
import zipfile

import pytest

import kit
from kit import cli, grading, tags
from kit.errors import KitError

EX = "claims-practice"
BOM = codecs.BOM_UTF8


def export(student, *, exercise=EX, seed=7, score_all=None):
    data = grading.demo_class(1, seed, exercise)[0]
    data["student"] = {"id": student}
    if score_all is not None:  # every sentence right (True) or no tag at all (False)
        key = kit.load_key(exercise)
        data["tags"] = [{"kind": "sentence", "unit": a.unit, "label": a.labels[0]} for a in key.items] \
            if score_all else []
    return data


def write(folder, *exports):
    folder.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(exports):
        (folder / f"{n:02d}-{data['student']['id']}.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def rows(path, *, bom=True):
    raw = path.read_bytes()
    assert raw.startswith(BOM) == bom, f"{path.name}: BOM {'missing' if bom else 'not wanted'}"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# --- Canvas -----------------------------------------------------------------------------------------


def test_canvas_writes_only_graded_students_in_the_documented_layout(tmp_path):
    inbox = write(tmp_path / "in", export("s1", score_all=True), export("s2", score_all=False))
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      "    Points Possible,,,,\n"
                      "\"One, Ann\",11,U1,s1,A\n\"Two, Bo\",12,U2,s2,A\n\"Three, Cy\",13,U3,s3,B\n", encoding="utf-8")
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="canvas", roster=roster,
                           assignment_id=77)
    table = rows(tmp_path / "out" / "canvas.csv")
    # The importer wants "Student" and "ID" first and "Section" last among the student columns, then
    # the assignment as "Name (id)"; the Points Possible row is optional and starts with spaces.
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Claim types (practice) (77)"]
    assert table[1] == ["    Points Possible", "", "", "", "", "47"]
    assert table[2:] == [["One, Ann", "11", "U1", "s1", "A", "47"], ["Two, Bo", "12", "U2", "s2", "A", "0"]]
    assert all(cell != "" for row in table[2:] for cell in row)  # no blank grade: it would clear one in Canvas
    assert report.without_grade == ["Three, Cy"] and "Three, Cy" in report.summary()


# --- matching a roster --------------------------------------------------------------------------------


def test_an_exact_match_wins_and_a_clash_is_reported_not_resolved(tmp_path):
    inbox = write(tmp_path / "in", export("alice", score_all=False), export("Alice", score_all=True))
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nAlice A,1,U1,alice,A\n", encoding="utf-8")
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="canvas", roster=roster)
    table = rows(tmp_path / "out" / "canvas.csv")
    assert table[-1] == ["Alice A", "1", "U1", "alice", "A", "0"]  # the exact match's grade, not Alice's 47
    assert report.unmatched == ["Alice"]
    assert any("Alice fits Alice A only ignoring case" in c for c in report.clashes)
    assert "Not matched, to be safe" in report.summary()


def test_two_equal_matches_give_nobody_the_grade(tmp_path):
    inbox = write(tmp_path / "in", export("BOB", score_all=True), export("Bob", score_all=False))
    roster = tmp_path / "roster.csv"
    roster.write_text("Username,Email address\nbob,bob@school.edu\n", encoding="utf-8")
    with pytest.raises(KitError, match="nobody in the roster matched"):
        grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="moodle", roster=roster)
    assert not (tmp_path / "out").exists()  # nothing written


def test_email_local_parts_match_only_when_one_student_is_meant(tmp_path):
    inbox = write(tmp_path / "in", export("ada", score_all=True), export("bo", score_all=True))
    roster = tmp_path / "roster.csv"
    roster.write_text("First name,Last name,ID number,Email address\n"
                      "Ada,L,1,ada@school.edu\nBo,B,2,bo@school.edu\nBo,C,3,bo@other.edu\n", encoding="utf-8")
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="moodle", roster=roster)
    table = rows(tmp_path / "out" / "moodle.csv")
    assert [r[:2] for r in table[1:]] == [["ada@school.edu", "1"]]
    assert report.unmatched == ["bo"] and any("bo fits 2 students" in c for c in report.clashes)


def test_nobody_matched_exits_1_with_a_reason_and_writes_nothing(tmp_path, capsys):
    inbox = write(tmp_path / "in", export("ann@school.edu"), export("bo@school.edu"))
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nAnn,1,U1,ann01,A\n", encoding="utf-8")
    code = cli.main(["grade", str(inbox), "--exercise", EX, "--out", str(tmp_path / "out"), "--format", "canvas",
                     "--roster", str(roster)])
    err = capsys.readouterr().err
    assert code == 1 and "nobody in the roster matched" in err and "look like email addresses" in err
    assert not (tmp_path / "out").exists()


# --- Moodle ----------------------------------------------------------------------------------------


def test_moodle_names_the_kit_ids_and_gives_feedback_and_points_it_accepts(tmp_path):
    import csv
    import dataclasses
    import io

    from kit.grading import gradebook

    data = grading.demo_class(2, 1, "compare-practice")
    inbox = write(tmp_path / "in", *data)
    report = grading.grade([inbox], exercise="compare-practice", out=tmp_path / "out", fmt="moodle")
    table = rows(tmp_path / "out" / "moodle.csv")
    assert table[0] == ["kit student id", "Compare the outlets (practice)", "Feedback"]
    by = {g.student: g for g in report.graded}
    for student, score, feedback in table[1:]:
        assert feedback.startswith(f"{kit.feedback.number(by[student].result.score)} of 84 points")
    assert "map it to the user field" in report.summary()
    # an exercise of more than 100 points: Moodle's default maximum, so the file gives scores out of 100
    big = dataclasses.replace(report.exercise, points=105.0)
    lms = gradebook.lms_file("moodle", big, report.graded, None)
    scores = [row[1] for row in csv.reader(io.StringIO(lms.data.decode("utf-8-sig")))][1:]
    assert [float(s) for s in scores] == [round(g.result.fraction * 100, 2) for g in report.graded]
    assert any("out of 100" in n for n in lms.notes)


def test_points_scales_every_score(tmp_path):
    inbox = write(tmp_path / "in", export("s1", score_all=True), export("s2", score_all=False))
    grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="moodle", points=10)
    assert [r[1] for r in rows(tmp_path / "out" / "moodle.csv")[1:]] == ["10", "0"]
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nA,1,U1,s1,A\n", encoding="utf-8")
    grading.grade([inbox], exercise=EX, out=tmp_path / "c", fmt="canvas", roster=roster, points=25)
    assert rows(tmp_path / "c" / "canvas.csv")[1][-1] == "25" and rows(tmp_path / "c" / "canvas.csv")[2][-1] == "25"
    with pytest.raises(grading.UsageError):
        grading.grade([inbox], exercise=EX, out=tmp_path / "x", fmt="moodle", points=-3)


# --- Brightspace and Blackboard Learn --------------------------------------------------------------


def test_brightspace_layout(tmp_path):
    inbox = write(tmp_path / "in", export("s1", score_all=True))
    roster = tmp_path / "roster.csv"
    roster.write_text("OrgDefinedId,Username,Last Name,First Name,Email,End-of-Line Indicator\n"
                      "#2006,#s1,One,Ann,ann@x.edu,#\n", encoding="utf-8")
    grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="brightspace", roster=roster)
    table = rows(tmp_path / "out" / "brightspace.csv")
    assert table == [["OrgDefinedId", "Claim types (practice) Points Grade", "End-of-Line Indicator"],
                     ["#2006", "47", "#"]]


def test_blackboard_layout_quotes_every_field(tmp_path):
    inbox = write(tmp_path / "in", export("s1", score_all=True))
    roster = tmp_path / "roster.csv"
    roster.write_text("Last Name\tFirst Name\tUsername\nOne\tAnn\ts1\n", encoding="utf-8")
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="blackboard", roster=roster,
                           assignment_id=664617)
    raw = (tmp_path / "out" / "blackboard.csv").read_bytes()
    assert raw == b'"Username","Claim types (practice) [Total Pts: 47 Score] |664617"\r\n"s1","47"\r\n'
    assert report.lms_notes == []
    grading.grade([inbox], exercise=EX, out=tmp_path / "new", fmt="blackboard", roster=roster)
    assert b'"Username","Claim types (practice)"' in (tmp_path / "new" / "blackboard.csv").read_bytes()


@pytest.mark.parametrize("fmt", ["canvas", "brightspace", "blackboard"])
def test_formats_that_need_a_roster_say_so(tmp_path, fmt):
    with pytest.raises(grading.UsageError, match="needs --roster"):
        grading.grade([write(tmp_path / "in", export("s1"))], exercise=EX, out=tmp_path / "out", fmt=fmt)


def test_every_spreadsheet_table_has_a_bom(tmp_path):
    grading.grade([write(tmp_path / "in", export("s1"))], exercise=EX, out=tmp_path / "out")
    for name in ("grades.csv", "items.csv", "rejected.csv"):
        assert (tmp_path / "out" / name).read_bytes().startswith(BOM), name


# --- the held-out battery -----------------------------------------------------------------------------


def test_two_zip_members_of_one_name_are_both_graded(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("submission.json", json.dumps(export("first")))
            zf.writestr("submission.json", json.dumps(export("second")))
    report = grading.grade([archive], exercise=EX, out=tmp_path / "out")
    assert sorted(g.student for g in report.graded) == ["first", "second"] and report.rejected == []
    assert sorted(g.source.rsplit(":", 1)[1] for g in report.graded) == ["submission.json", "submission.json (2)"]


def test_a_zip_member_name_wrongly_flagged_utf8_costs_only_itself(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.json", json.dumps(export("good")))
        zf.writestr("café.json", json.dumps(export("accent")))  # stored with the UTF-8 flag
    raw = archive.read_bytes().replace("café".encode("utf-8"), b"caf\xe9\xff")  # not UTF-8 any more
    archive.write_bytes(raw)
    with pytest.raises(UnicodeDecodeError):
        zipfile.ZipFile(archive)  # what the whole zip met before
    report = grading.grade([archive], exercise=EX, out=tmp_path / "out")
    assert sorted(g.student for g in report.graded) == ["accent", "good"]


def test_a_five_thousand_digit_number_is_a_bad_file_not_a_bug(tmp_path):
    bad = tmp_path / "in" / "huge.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps(export("s1")).replace('"version": 1', '"version": ' + "9" * 5000), encoding="utf-8")
    report = grading.grade([bad.parent], exercise=EX, out=tmp_path / "out")
    assert [(r.code, r.message) for r in report.rejected] == [
        ("number_too_long", "a number in the file has thousands of digits: not a tag file")]


def test_sixty_thousand_spans_are_checked_by_sorting_not_pairwise(tmp_path):
    doc = kit.load_editorial()
    data = export("s1", exercise="techniques-practice")
    words = [t for t in doc.tokens]
    data["tags"] = [{"kind": "span", "start": t.start, "end": t.end, "quote": t.text, "label": "T1"}
                    for t in words] * 55  # 61,000-odd spans, each word many times over
    data["tags"][7]["label"] = "T99"
    started = time.perf_counter()
    problems = tags.validate_export(data)
    elapsed = time.perf_counter() - started
    assert {p.code for p in problems} == {"unknown_label", "duplicate_tag"}
    assert elapsed < 30, f"{elapsed:.0f} s: the pairwise check took 203 s on such a file"


def test_same_label_overlaps_are_found_in_one_pass():
    spans = [("T1", 0, 10, 1), ("T1", 20, 30, 2), ("T2", 5, 25, 3), ("T1", 8, 22, 4), ("T1", 30, 40, 5)]
    # T1: 1 [0,10) and 4 [8,22) overlap, so do 4 and 2 [20,30); 5 [30,40) only touches 2; T2 overlaps only T1s
    assert tags.same_label_overlaps(spans) == [(1, 4), (2, 4)]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_links_out_of_the_folder_are_listed_not_followed(tmp_path):
    outside = tmp_path / "elsewhere"
    write(outside, export("intruder"))
    inbox = write(tmp_path / "in", export("s1"))
    (inbox / "link.json").symlink_to(next(outside.glob("*.json")))
    (inbox / "linked-folder").symlink_to(outside, target_is_directory=True)
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out")
    assert [g.student for g in report.graded] == ["s1"]
    assert {(os.path.basename(r.source), r.code) for r in report.rejected} == {
        ("link.json", "symlink_outside"), ("linked-folder", "symlinked_folder")}


def test_force_removes_the_page_of_a_student_no_longer_graded(tmp_path):
    inbox = write(tmp_path / "in", export("s1"), export("s2"))
    grading.grade([inbox], exercise=EX, out=tmp_path / "out")
    (tmp_path / "out" / "feedback" / "notes.txt").write_text("the teacher's own file")
    next(inbox.glob("*-s2.json")).unlink()
    grading.grade([inbox], exercise=EX, out=tmp_path / "out", force=True)
    assert sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir()) == ["notes.txt", "s1.html"]


@pytest.mark.parametrize("raw, code, words", [
    (b"\xff\xfe\x00\x00{\x00\x00\x00", "not_utf8", "UTF-32"),
    (b"\xff\xfe{\x00", "not_utf8", "UTF-16"),
    (b'{"format": "kit-tags", "tags": [{"note": "cut here', "truncated", "stops before its end"),
    (b'{"format": "kit-tags" "x": 1}', "not_json", "Expecting ',' delimiter, line 1"),
])
def test_file_level_wording(raw, code, words):
    _, problems = grading.check_bytes(raw, exercise=EX)
    assert problems[0].code == code and words in problems[0].message and "at at" not in problems[0].message


def test_span_and_name_wording():
    doc = kit.load_editorial()
    t = doc.tokens[3]
    empty = export("s1", exercise="techniques-practice")
    empty["tags"] = [{"kind": "span", "start": t.start, "end": t.start, "quote": "", "label": "T1"}]
    message = tags.validate_export(empty)[0].message
    assert "is empty" in message and "before it starts" not in message
    named = export("s1")
    named["student"]["name"] = "Ann\tLee"
    problem = tags.validate_export(named)[0]
    assert problem.code == "bad_student_id" and "control character" in problem.message


def test_refusing_to_overwrite_exits_1_as_the_help_says(tmp_path, capsys):
    inbox = write(tmp_path / "in", export("s1"))
    args = ["grade", str(inbox), "--exercise", EX, "--out", str(tmp_path / "out")]
    assert cli.main(args) == 0
    assert cli.main(args) == 1 and "not overwriting" in capsys.readouterr().err
    help_text = cli.build_parser()._subparsers._group_actions[0].choices["grade"].format_help()
    assert "output files exist and --force was not given" in " ".join(help_text.split())
