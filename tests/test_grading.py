"""Instructor grading: bad input is graded around, outputs are safe, the grader agrees with the self-check.

Every bad submission is generated here (nothing large is committed); the 50 MB file is sparse.
"""

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit
from kit import answers, cli, grading, scoring, tags
from kit.grading import analytics, gradebook, pages, submissions
from kit.errors import KitError

EX = "claims-practice"
SPAN_EX = "techniques-practice"
BIG = 50 * 1024 * 1024


# --- helpers --------------------------------------------------------------------------------------


def export(student="s100", *, exercise=EX, seed=7, name="", **top) -> dict:
    """A valid export (from the synthetic class) with its student and any top-level field replaced."""
    data = grading.demo_class(1, seed, exercise)[0]
    data["student"] = {"id": student, "name": name} if name else {"id": student}
    data.update(top)
    return data


def dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def with_tag(data: dict, index: int = 0, **changes) -> dict:
    data["tags"][index] = dict(data["tags"][index], **changes)
    return data


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:  # keep CRs inside cells as they are
        return list(csv.reader(handle))


def rejected_codes(out: Path) -> dict[str, str]:
    return {row[0]: row[1] for row in read_csv(out / "rejected.csv")[1:]}


def listing(root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and mtime (skipping one folder)."""
    found = {}
    for path in root.rglob("*"):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        info = path.lstat()
        found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return found


def notebook_bytes() -> bytes:
    return dump({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def journal_bytes() -> bytes:
    doc = kit.load_editorial()
    head = {"journal": tags.JOURNAL_FORMAT, "version": 1, "exercise": EX,
            "document": {"id": doc.id, "sha256": doc.sha256}}
    edit = {"op": "set", "tag": {"kind": "sentence", "unit": "title", "label": "SPEC"}}
    return (json.dumps(head) + "\n" + json.dumps(edit) + "\n").encode()


# --- the battery ----------------------------------------------------------------------------------

VALID_SENTENCE_NOTE = "<script>alert('x')</script> & <b>bold</b>"


def sentence_battery() -> dict[str, tuple[bytes, str | None]]:
    """File name -> (content, expected reason code, or None for a file that must be graded)."""
    good = dump(export("s100"))
    wrong_doc = export("s101")
    wrong_doc["document"] = {"id": "scf-2022-01-07", "sha256": "0" * 64}
    missing_tags = export("s102")
    del missing_tags["tags"]
    missing_student = export("s103")
    del missing_student["student"]
    dup = export("s104")
    dup["tags"].append(dict(dup["tags"][0]))
    latin = export("s105", name="Zoë Müller")
    battery = {
        "not-json.json": (b"hello, this is my homework", "not_json"),
        "truncated.json": (good[: len(good) // 2], "truncated"),
        "empty.json": (b"", "empty_file"),
        "blank.json": (b"  \n\t \n", "empty_file"),
        "image.json": (b"\x89PNG\r\n\x1a\n" + os.urandom(200), "binary"),
        "nul-bytes.json": (b'{"format": "kit-tags"\x00\x00\x01\x02}', "binary"),
        "word.docx": (b"PK\x03\x04" + b"\x14\x00" * 50, "binary"),
        "latin1.json": (json.dumps(latin, ensure_ascii=False).encode("latin-1"), "not_utf8"),
        "utf16.json": (json.dumps(export("s106")).encode("utf-16"), "not_utf8"),
        "wrong-format.json": (dump(export("s107", format="kit-tagz")), "wrong_format"),
        "wrong-version.json": (dump(export("s108", version=2)), "wrong_version"),
        "version-as-text.json": (dump(export("s109", version="1")), "wrong_type"),
        "missing-tags.json": (dump(missing_tags), "missing_field"),
        "missing-student.json": (dump(missing_student), "missing_field"),
        "tags-not-a-list.json": (dump(export("s110", tags={"a": 1})), "wrong_type"),
        "label-a-number.json": (dump(with_tag(export("s111"), label=3)), "wrong_type"),
        "extra-field.json": (dump(export("s112", grade="A+")), "unknown_field"),
        "unknown-label.json": (dump(with_tag(export("s113"), label="LIE")), "unknown_label"),
        "label-of-another-set.json": (dump(with_tag(export("s114"), label="T2")), "unknown_label"),
        "unknown-unit.json": (dump(with_tag(export("s115"), unit="p99.s9")), "unknown_unit"),
        "another-document.json": (dump(wrong_doc), "document_mismatch"),
        "duplicate-tags.json": (dump(dup), "duplicate_tag"),
        "id-path.json": (dump(export("../../etc/passwd")), "bad_student_id"),
        "id-backslash.json": (dump(export("..\\..\\boot")), "bad_student_id"),
        "id-control.json": (dump(export("s116\x1b[2J")), "bad_student_id"),
        "id-newline.json": (dump(export("s124\n")), "bad_student_id"),
        "name-control.json": (dump(export("s117", name="Eve\r\nInjected")), "bad_student_id"),
        "deep.json": (b"[" * 200_000 + b"]" * 200_000, "too_deep"),
        "array.json": (dump([export("s118")]), "not_object"),
        "homework.ipynb": (notebook_bytes(), "notebook"),
        "claims-practice.journal.jsonl": (journal_bytes(), "journal"),
        "other-exercise.json": (dump(export("s119", exercise=SPAN_EX)), "wrong_exercise"),
        "bad-date.json": (dump(export("s120", saved_at="yesterday")), "wrong_type"),
        "span-tag.json": (dump(export("s121", tags=[{"kind": "span", "start": 0, "end": 6, "quote": "Kazakh",
                                                     "label": "T1", "note": ""}])), "unknown_kind"),
        "no-such-kind.json": (dump(with_tag(export("s123"), kind="paragraph")), "unknown_kind"),
        "long-note.json": (dump(with_tag(export("s122"), note="x" * 5000)), "too_large"),
        "broken.zip": (b"PK\x05\x06 not really a zip", "bad_zip"),
        # neutralised, and graded
        "script-note.json": (dump(with_tag(export("s200", seed=1), note=VALID_SENTENCE_NOTE)), None),
        "formula-name.json": (dump(export("s201", seed=2, name='=HYPERLINK("http://evil.example","x")')), None),
        "plus-name.json": (dump(export("s202", seed=3, name="+1-2")), None),
        "at-name.json": (dump(export("s203", seed=4, name="@SUM(A1)")), None),
        "minus-name.json": (dump(export("s204", seed=5, name="-5+3")), None),
        "html-name.json": (dump(export("s205", seed=6, name="<img src=x onerror=alert(1)>")), None),
        "bom.json": (b"\xef\xbb\xbf" + dump(export("s206", seed=8)), None),
    }
    for i, data in enumerate(grading.demo_class(8, 11, EX)):
        battery[f"class/{data['student']['id']}.json"] = (dump(data), None)
    return battery


def span_battery() -> dict[str, tuple[bytes, str | None]]:
    doc = kit.load_editorial()
    n = len(doc.text)

    def span(student, **changes):
        return dump(with_tag(export(student, exercise=SPAN_EX), **changes))

    first = export("x", exercise=SPAN_EX)["tags"][0]
    overlap = export("s305", exercise=SPAN_EX)
    t = overlap["tags"][0]
    longer = next(tok.end for tok in doc.tokens if tok.start >= t["end"])  # one word further
    overlap["tags"].append({**t, "start": t["start"], "end": longer, "quote": doc.text[t["start"]:longer]})
    battery = {
        "outside.json": (span("s300", start=n + 10, end=n + 20, quote="x"), "offsets_out_of_range"),
        "negative.json": (span("s301", start=-5, end=3, quote="x"), "offsets_out_of_range"),
        "reversed.json": (span("s302", start=first["end"], end=first["start"], quote=""), "offsets_reversed"),
        "quote.json": (span("s303", quote="words the text does not have here"), "quote_mismatch"),
        "float-offset.json": (span("s304", start=float(first["start"])), "wrong_type"),
        "same-label-overlap.json": (dump(overlap), "same_label_overlap"),
        "bool-offset.json": (span("s306", start=True), "wrong_type"),
        "inside-a-word.json": (span("s307", start=first["start"] + 1, quote=doc.text[first["start"] + 1:first["end"]]),
                               "not_on_tokens"),
    }
    for data in grading.demo_class(5, 3, SPAN_EX):
        battery[f"{data['student']['id']}.json"] = (dump(data), None)
    return battery


def write_battery(folder: Path, battery: dict) -> None:
    for name, (content, _) in battery.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def make_big(path: Path) -> Path:
    """A sparse 50 MB file: instant to create, and it must be refused before it is read."""
    with open(path, "wb") as handle:
        handle.write(b'{"format": "kit-tags", ')
        handle.truncate(BIG)
    return path


@pytest.fixture
def spy_open(monkeypatch):
    """Record every file the grader opens, and how many bytes each read asks for, per file."""
    opened: list[str] = []
    reads: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    real_open, real_read = submissions._open_for_reading, os.read

    def spy(path):
        fd = real_open(path)
        names[fd] = Path(path).name
        opened.append(names[fd])
        return fd

    def spy_read(fd, n):
        reads.setdefault(names.get(fd, "?"), []).append(n)
        return real_read(fd, n)

    monkeypatch.setattr(submissions, "_open_for_reading", spy)
    monkeypatch.setattr(submissions.os, "read", spy_read)
    return opened, reads


# --- the battery, from a folder -------------------------------------------------------------------


def test_the_battery_has_at_least_30_bad_files():
    bad = [n for n, (_, code) in {**sentence_battery(), **span_battery()}.items() if code]
    assert len(bad) >= 30
    assert {code for _, code in sentence_battery().values() if code} <= set(grading.REASONS)


def test_every_bad_file_gets_its_own_reason_and_the_good_ones_are_graded(tmp_path, spy_open, monkeypatch):
    battery = sentence_battery()
    inbox = tmp_path / "inbox"
    write_battery(inbox, battery)
    make_big(inbox / "huge.json")
    (inbox / ".DS_Store").write_bytes(b"\x00junk")
    (inbox / "__MACOSX").mkdir()
    (inbox / "__MACOSX" / "._s100.json").write_bytes(b"\x00\x05\x16\x07")
    (inbox / "__MACOSX" / "resource-fork.json").write_bytes(b"\x00\x05\x16\x07")
    monkeypatch.chdir(tmp_path)
    before = listing(tmp_path)
    out = tmp_path / "out"
    report = grading.grade([inbox], exercise=EX, out=out)

    codes = rejected_codes(out)
    expected = {str(inbox / n): c for n, (_, c) in battery.items() if c}
    expected[str(inbox / "huge.json")] = "too_large"
    assert codes == expected
    graded = {g.student for g in report.graded}
    assert graded == {json.loads(c.decode("utf-8-sig"))["student"]["id"] for n, (c, code) in battery.items()
                      if code is None}
    assert report.n_files == len(battery) + 1  # junk files are not submissions
    # refused before being read: opened (to look at its size), never read; no read asks for more than the limit
    opened, reads = spy_open
    assert "huge.json" in opened and "script-note.json" in opened
    assert "huge.json" not in reads
    size = len(battery["script-note.json"][0])
    assert len(reads["script-note.json"]) == 2 and reads["script-note.json"][0] > size  # all at once, then EOF
    assert max(n for sizes in reads.values() for n in sizes) <= tags.MAX_EXPORT_BYTES + 1
    # nothing outside the output folder changed
    assert listing(tmp_path, skip=out) == before
    # rejected rows name the student when the file has a usable id
    rows = {r[0]: r for r in read_csv(out / "rejected.csv")[1:]}
    assert rows[str(inbox / "unknown-label.json")][3] == "s113"
    assert rows[str(inbox / "id-path.json")][3] == ""


def test_span_battery(tmp_path):
    battery = span_battery()
    write_battery(tmp_path / "in", battery)
    report = grading.grade([tmp_path / "in"], exercise=SPAN_EX, out=tmp_path / "out")
    expected = {str(tmp_path / "in" / n): c for n, (_, c) in battery.items() if c}
    assert rejected_codes(tmp_path / "out") == expected
    assert len(report.graded) == 5
    header = read_csv(tmp_path / "out" / "grades.csv")[0]
    assert {"label_matched_f1", "label_blind_f1", "too_wide", "extra"} <= set(header)


def test_50mb_file_is_not_read_into_memory(tmp_path):
    import tracemalloc

    big = make_big(tmp_path / "huge.json")
    source = grading.collect([big])[0]
    tracemalloc.start()
    checked = grading.check_source(source, exercise=EX)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert checked.problems[0].code == "too_large"
    assert peak < 1_000_000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_a_named_pipe_is_refused_without_hanging(tmp_path):
    import threading

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    found = []
    worker = threading.Thread(target=lambda: found.append(grading.check_source(grading.collect([fifo])[0])),
                              daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # blocked opening the pipe: release it, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail("opening a named pipe blocked the grader")
    assert found[0].problems[0].code == "not_a_file"


def test_a_file_that_grows_past_the_limit_after_the_size_check_is_still_refused(tmp_path, monkeypatch):
    path = tmp_path / "grows.json"
    path.write_bytes(b"{" + b" " * 5000 + b"}")
    real_fstat = os.fstat

    def stale(fd):  # the size as it was when the file was opened: small
        info = real_fstat(fd)
        return os.stat_result((*info[:6], 10, *info[7:]))

    monkeypatch.setattr(submissions.os, "fstat", stale)
    reads = []
    real_read = os.read
    monkeypatch.setattr(submissions.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(tags.TagError) as info:
        submissions._read_file(path, 1000)
    assert info.value.code == "too_large"
    assert sum(reads) <= 1000 + 1 + (1 << 16)  # stopped reading just past the limit


# --- the battery, from a zip as an LMS hands it out -----------------------------------------------


def test_the_same_files_in_a_zip_get_the_same_reasons(tmp_path, monkeypatch):
    battery = sentence_battery()
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("folder/", b"")
        for name, (content, _) in battery.items():
            zf.writestr(f"folder/{name}", content)
        with zf.open("folder/huge.json", "w", force_zip64=True) as handle:  # 50 MB of zeros, streamed
            chunk = b"\x00" * (1 << 20)
            for _ in range(BIG >> 20):
                handle.write(chunk)
        zf.writestr("__MACOSX/folder/._huge.json", b"\x00\x05\x16\x07")
        zf.writestr("__MACOSX/folder/resource-fork.json", b"\x00\x05\x16\x07")
        zf.writestr("folder/.hidden.json", b"{}")
        zf.writestr("folder/inner.zip", b"PK\x05\x06")
        zf.writestr("../../escape.json", dump(export("s400", seed=9)))  # never extracted, so harmless
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    monkeypatch.chdir(tmp_path)
    before = listing(tmp_path)
    out = tmp_path / "out"
    report = grading.grade([archive], exercise=EX, out=out)
    codes = rejected_codes(out)
    expected = {f"{archive}:folder/{n}": c for n, (_, c) in battery.items() if c}
    expected[f"{archive}:folder/huge.json"] = "too_large"
    expected[f"{archive}:folder/inner.zip"] = "nested_zip"
    expected[f"{archive}:folder/broken.zip"] = "nested_zip"  # a zip inside a zip is not opened at all
    assert codes == expected
    assert "folder/huge.json" not in opened  # refused from the zip header, before decompressing
    assert "s400" in {g.student for g in report.graded}
    assert listing(tmp_path, skip=out) == before
    assert not (tmp_path.parent / "escape.json").exists()


def test_a_zip_member_lying_about_its_size_is_still_cut_off(tmp_path, monkeypatch):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.json", b" " * 20_000)
    (source,) = grading.collect([archive])
    lying = grading.Source(source.name, source.path, source.member, 10, archive=source.archive)
    with pytest.raises(tags.TagError) as info:
        lying.read(max_bytes=1000)
    assert info.value.code == "too_large"
    submissions.close([source])


# --- two files for one student, overwriting, atomic writes ----------------------------------------


def test_two_files_for_one_student_the_later_saved_at_wins_and_both_are_named(tmp_path):
    early = export("s500", seed=1, saved_at="2026-01-10T10:00:00Z")
    late = export("s500", seed=2, saved_at="2026-01-10T12:30:00+02:00")  # 10:30 UTC: later
    naive = export("s501", seed=3, saved_at="2026-01-11T08:00:00")  # no zone: read as UTC
    aware = export("s501", seed=4, saved_at="2026-01-11T07:00:00Z")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "b-early.json").write_bytes(dump(early))
    (inbox / "a-late.json").write_bytes(dump(late))  # sorts first by name, but was saved later
    (inbox / "naive.json").write_bytes(dump(naive))
    (inbox / "aware.json").write_bytes(dump(aware))
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out")
    by = {g.student: g for g in report.graded}
    ex, key = answers.exercise(EX), answers.load_key(EX)
    assert by["s500"].source.endswith("a-late.json")
    assert by["s500"].superseded == (str(inbox / "b-early.json"),)
    assert by["s500"].result == scoring.score(ex, key, late["tags"])
    assert by["s501"].source.endswith("naive.json")
    summary = report.summary()
    assert "a-late.json" in summary and "b-early.json" in summary
    rows = {r[0]: r for r in read_csv(tmp_path / "out" / "grades.csv")}
    header = rows["student_id"]
    assert rows["s500"][header.index("also_handed_in")] == str(inbox / "b-early.json")
    assert rejected_codes(tmp_path / "out") == {}  # a second file is not a rejection
    assert [(n.source, n.code) for n in report.notes()] == [(str(inbox / "b-early.json"), "duplicate_submission"),
                                                           (str(inbox / "aware.json"), "duplicate_submission")]
    page = (tmp_path / "out" / by["s500"].page).read_text(encoding="utf-8")
    assert "b-early.json" in page and str(inbox) not in page  # the student sees file names, not folders


def test_existing_outputs_are_never_replaced_without_force(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(4, 0, EX), inbox)
    out = tmp_path / "out"
    grading.grade([inbox], exercise=EX, out=out)
    before = listing(out)
    with pytest.raises(KitError, match="not overwriting"):
        grading.grade([inbox], exercise=EX, out=out)
    assert listing(out) == before  # nothing written, no temporary files left
    # only one feedback page in the way: still refused, before anything is written
    fresh = tmp_path / "fresh"
    (fresh / "feedback").mkdir(parents=True)
    (fresh / "feedback" / "s002.html").write_text("my own notes")
    with pytest.raises(KitError, match="s002.html"):
        grading.grade([inbox], exercise=EX, out=fresh)
    assert sorted(p.name for p in fresh.rglob("*")) == ["feedback", "s002.html"]
    assert (fresh / "feedback" / "s002.html").read_text() == "my own notes"
    # with force: replaced
    (out / "grades.csv").write_text("stale")
    report = grading.grade([inbox], exercise=EX, out=out, force=True)
    assert (out / "grades.csv").read_text(encoding="utf-8-sig").startswith("student_id,")
    assert len(report.graded) == 4
    assert not [p for p in out.rglob("*.tmp")]


def test_a_failed_write_leaves_no_partial_files(tmp_path, monkeypatch):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(3, 0, EX), inbox)
    calls = []
    real_replace = os.replace

    def broken(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(submissions.os, "replace", broken)
    with pytest.raises(OSError):
        grading.grade([inbox], exercise=EX, out=tmp_path / "out")
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert files and not [p for p in (tmp_path / "out").rglob(".*")]  # no staging folder left
    for path in files:  # whatever was renamed into place is complete
        assert path.stat().st_size > 0 or path.name == "rejected.csv"


def test_a_temporary_file_left_by_a_crashed_run_does_not_block_the_next(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(2, 0, EX), inbox)
    out = tmp_path / "out"
    out.mkdir()
    staging = out / f".kit-staging-{os.getpid()}"
    (staging / "feedback").mkdir(parents=True)
    (staging / "grades.csv").write_text("half a file")
    grading.grade([inbox], exercise=EX, out=out)
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "grades.csv", "index.html", "items.csv",
                                                     "rejected.csv"]


def test_output_folder_inside_the_submissions_folder_is_not_graded_again(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(3, 0, EX), inbox)
    first = grading.grade([inbox], exercise=EX, out=inbox / "graded")
    second = grading.grade([inbox], exercise=EX, out=inbox / "graded", force=True)
    assert first.n_files == second.n_files == 3 and not second.rejected


def test_writer_refuses_a_feedback_folder_that_leads_elsewhere(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(2, 0, EX), inbox)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "feedback").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(KitError, match="outside"):
        grading.grade([inbox], exercise=EX, out=out, force=True)
    assert list(elsewhere.iterdir()) == []
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# --- what the outputs say -------------------------------------------------------------------------


def test_csv_cells_are_neutralised_and_html_is_escaped(tmp_path, monkeypatch):
    battery = sentence_battery()
    write_battery(tmp_path / "in", battery)
    monkeypatch.chdir(tmp_path / "in")
    Path("=cmd|' calc'!A0.json").write_bytes(b"not json")
    Path("\tstarts-with-tab.json").write_bytes(b"")
    Path("\rstarts-with-cr.json").write_bytes(b"")
    given = ["script-note.json", "formula-name.json", "plus-name.json", "at-name.json", "minus-name.json",
             "html-name.json", "=cmd|' calc'!A0.json", "\tstarts-with-tab.json", "\rstarts-with-cr.json"]
    out = tmp_path / "out"
    report = grading.grade(given, exercise=EX, out=out)
    for name in ("grades.csv", "items.csv", "rejected.csv"):
        for row in read_csv(out / name):
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r" or _is_number(cell), (name, cell)
    names = {r[0]: r[1] for r in read_csv(out / "grades.csv")[1:]}
    assert names["s201"] == "'" + '=HYPERLINK("http://evil.example","x")'
    assert names["s202"] == "'+1-2" and names["s203"] == "'@SUM(A1)" and names["s204"] == "'-5+3"
    files = {r[0] for r in read_csv(out / "rejected.csv")[1:]}
    assert files == {"'=cmd|' calc'!A0.json", "'\tstarts-with-tab.json", "'\rstarts-with-cr.json"}
    for g in report.graded:
        page = (out / g.page).read_text(encoding="utf-8")
        assert "<script" not in page and "<img" not in page
    page = (out / "feedback" / "s200.html").read_text(encoding="utf-8")
    # a note is element content: &, < and > are escaped; quotes are harmless there and stay as written
    assert "<dd>&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</dd>" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in (out / "feedback" / "s205.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in index and "&lt;img" in index


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("", ""), ("a=b", "a=b"), (" =x", " =x"),
])
def test_neutralise(text, expected):
    assert grading.neutralise(text) == expected


def test_numbers_stay_numbers_in_csv():
    rows = list(csv.reader(io.StringIO(gradebook.csv_bytes([[-0.25, 3, 1.0, None, float("nan"), "-x"]]).decode("utf-8-sig"))))
    assert rows == [["-0.25", "3", "1", "", "", "'-x"]]


def test_feedback_pages_are_deterministic_self_contained_and_complete(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(6, 4, EX), inbox)
    a = grading.grade([inbox], exercise=EX, out=tmp_path / "a")
    grading.grade([inbox], exercise=EX, out=tmp_path / "b")
    for g in a.graded:
        one = (tmp_path / "a" / g.page).read_bytes()
        assert one == (tmp_path / "b" / g.page).read_bytes()
        text = one.decode("utf-8")
        assert "src=" not in text and "<link" not in text and "http" not in text and "<script" not in text
        for item in g.result.items:  # every item is there, with the key's explanation
            assert f'data-item="{html.escape(item.item)}"' in text
        key = answers.load_key(EX)
        assert all(html.escape(a.why, quote=False) in text for a in key.items)
        assert "What you got right" in text and "To revisit" in text
    for name in ("grades.csv", "items.csv", "rejected.csv", "index.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    index = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{g.page}"' in index for g in a.graded)


@pytest.mark.parametrize("exercise", [e.id for e in answers.exercises() if e.mode == "practice"])
def test_every_exercise_kind_grades_and_renders(tmp_path, exercise):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(5, 2, exercise), inbox)
    report = grading.grade([inbox], exercise=exercise, out=tmp_path / "out")
    assert len(report.graded) == 5 and not report.rejected
    rows = read_csv(tmp_path / "out" / "grades.csv")
    ex = answers.exercise(exercise)
    assert rows[0][:5] == ["student_id", "name", "score", "max", "percent"]
    assert [c for _, c in grading.part_columns(ex)] == rows[0][5:5 + len(grading.part_columns(ex))]
    items = read_csv(tmp_path / "out" / "items.csv")
    assert items[0] == ["student_id", "item", "outcome", "score", "max", "answer", "expected", "feedback"]
    assert len(items) - 1 == sum(len(g.result.items) for g in report.graded)


def test_page_names_are_unique_on_case_insensitive_disks_and_avoid_reserved_names(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i, sid in enumerate(["Ann", "ann", "con", "nul.x"]):
        (inbox / f"{i}.json").write_bytes(dump(export(sid, seed=i)))
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out")
    pages = [g.page for g in report.graded]
    assert len({p.lower() for p in pages}) == 4
    assert "feedback/_con.html" in pages and "feedback/_nul.x.html" in pages


def test_summary_fits_one_screen_and_says_what_happened(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(12, 0, EX), inbox)
    (inbox / "x.json").write_bytes(b"{")
    (inbox / "y.json").write_bytes(b"")
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out")
    text = report.summary()
    lines = text.splitlines()
    assert len(lines) <= 24 and max(len(line) for line in lines if str(tmp_path) not in line) < 100
    assert "Graded 12 of 14" in text and "Rejected 2" in text and "truncated" in text and "empty_file" in text
    assert "mean" in text and "median" in text and str(tmp_path / "out") in text
    assert "12 feedback page(s)" in text and "grades.csv" in text
    assert report.rejected_by_reason() == {"empty_file": 1, "truncated": 1}


def test_grading_graded_work_with_the_practice_key_is_called_out(tmp_path):
    data = grading.demo_class(2, 0, "compare")  # the one graded exercise whose built-in key is a practice key
    grading.write_exports(data, tmp_path / "in")
    report = grading.grade([tmp_path / "in"], exercise="compare", out=tmp_path / "a")
    assert "built-in practice key" in report.summary()
    builtin, doc = answers.load_key("compare"), kit.load_editorial()
    key = tmp_path / "private.json"  # a private key: here, the built-in one with every label reversed
    key.write_text(json.dumps({"document": doc.id, "sha256": doc.sha256, "cell": [
        {"item": a.item, "field": a.field, "labels": list(reversed(a.labels)), "why": a.why}
        for a in builtin.items]}), encoding="utf-8")
    report = grading.grade([tmp_path / "in"], exercise="compare", key=key, out=tmp_path / "b")
    assert "practice key" not in report.summary() and len(report.graded) == 2
    assert report.key.items[0].labels == tuple(reversed(builtin.items[0].labels))


def test_progress_is_reported_per_file(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(7, 0, EX), inbox)
    seen = []
    grading.grade([inbox], exercise=EX, out=tmp_path / "out", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 7) for i in range(1, 8)]


def test_cli_progress_bar_on_a_terminal_counter_otherwise():
    class Stream(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    bar, counter, small = Stream(True), Stream(False), Stream(True)
    for stream, total in ((bar, 200), (counter, 200), (small, 10)):
        progress = cli._Progress(stream)
        for i in range(1, total + 1):
            progress(i, total)
    assert "\r  reading [" in bar.getvalue() and bar.getvalue().endswith("200/200 files\n")
    assert bar.getvalue().count("\r") <= 42
    assert "\r" not in counter.getvalue() and counter.getvalue().count("\n") == 10
    assert small.getvalue() == "  read 10/10 files\n"


# --- LMS files ------------------------------------------------------------------------------------

CANVAS_ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Claims (99)\r\n"
    "    Points Possible,,,,,47\r\n"
    '"Lovelace, Ada",1001,U1,s001,Sec A,\r\n'
    '"=HYPERLINK(""http://x"")",1002,U2,S002,Sec A,\r\n'
    '"Nobody, Here",1003,U3,s999,Sec B,\r\n'
)


def test_canvas_gradebook_joins_the_roster(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(3, 0, EX), inbox)  # s001, s002, s003
    roster = tmp_path / "roster.csv"
    roster.write_text(CANVAS_ROSTER, encoding="utf-8")
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="canvas", roster=roster,
                           assignment_id=1234)
    rows = read_csv(tmp_path / "out" / "canvas.csv")
    by = {g.student: g for g in report.graded}
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Claim types (practice) (1234)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "47"]
    score = gradebook.cell(round(by["s001"].result.score, 2))
    assert rows[2] == ["Lovelace, Ada", "1001", "U1", "s001", "Sec A", score]
    assert rows[3][0] == "'" + '=HYPERLINK("http://x")' and rows[3][3] == "S002"  # matched ignoring case
    assert rows[3][5] == gradebook.cell(round(by["s002"].result.score, 2))
    assert len(rows) == 4  # no row for a student without a submission: a blank would clear their grade
    assert report.unmatched == ["s003"] and report.without_grade == ["Nobody, Here"]
    assert "s003" in report.summary() and "not in the roster" in report.summary()
    assert "Nobody, Here" in report.summary()


def test_moodle_gradebook_by_email_or_id_number(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(2, 0, EX), inbox)
    roster = tmp_path / "participants.csv"
    roster.write_text("First name;Surname;ID number;Email address;Username\n"
                      "Ada;Lovelace;20250001;ada@example.edu;s001\n"
                      "Bo;Berg;20250002;bo@example.edu;s002\n", encoding="utf-8")
    grading.grade([inbox], exercise=EX, out=tmp_path / "out", fmt="moodle", roster=roster)
    rows = read_csv(tmp_path / "out" / "moodle.csv")
    assert rows[0] == ["Email address", "ID number", "Username", "Claim types (practice)", "Feedback"]
    assert [r[:3] for r in rows[1:]] == [["ada@example.edu", "20250001", "s001"], ["bo@example.edu", "20250002", "s002"]]
    assert all(r[4].endswith(f"Your feedback page: {r[2]}.html") for r in rows[1:])
    grading.grade([inbox], exercise=EX, out=tmp_path / "plain", fmt="moodle")
    assert [r[0] for r in read_csv(tmp_path / "plain" / "moodle.csv")] == ["kit student id", "s001", "s002"]


def test_roster_without_an_identifying_column_is_refused(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("Name,Grade\nAda,1\n")
    with pytest.raises(KitError, match="no column identifies"):
        grading.read_roster(roster)


# --- exit codes and the CLI -----------------------------------------------------------------------


def test_cli_grade_exit_codes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(3, 0, EX), inbox)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.json").write_bytes(b"nope")
    assert cli.main(["grade", str(inbox), "--exercise", EX]) == 0
    assert "Graded 3 of 3" in capsys.readouterr().out
    assert (tmp_path / f"graded-{EX}" / "grades.csv").exists()  # the default output folder
    assert cli.main(["grade", str(inbox), "--exercise", EX]) == 1  # outputs exist, no --force
    assert "not overwriting" in capsys.readouterr().err
    assert cli.main(["grade", str(inbox), "--exercise", EX, "--force"]) == 0
    assert cli.main(["grade", str(bad), "--exercise", EX, "--out", "o1"]) == 1  # nothing graded
    assert "Nothing could be graded" in capsys.readouterr().out
    assert cli.main(["grade", "missing-folder", "--exercise", EX, "--out", "o2"]) == 2
    assert cli.main(["grade", str(inbox), "--exercise", "no-such-exercise", "--out", "o3"]) == 2
    assert cli.main(["grade", str(inbox), "--exercise", EX, "--format", "canvas", "--out", "o4"]) == 2
    assert "--roster" in capsys.readouterr().err
    assert cli.main(["grade", str(inbox), "--exercise", EX, "--assignment-id", "abc", "--out", "o5"]) == 2
    with pytest.raises(SystemExit) as info:
        cli.main(["grade", str(inbox)])  # --exercise is required
    assert info.value.code == 2
    assert not (tmp_path / "o2").exists() and not (tmp_path / "o3").exists()


def test_cli_defaults_come_from_the_library():
    parser = cli.build_parser()
    args = parser.parse_args(["grade", "x", "--exercise", EX])
    defaults = grading.grade.__kwdefaults__
    assert (args.key, args.out, args.format, args.roster, args.assignment_id, args.force) == (
        defaults["key"], defaults["out"], defaults["fmt"], defaults["roster"], defaults["assignment_id"],
        defaults["force"])


def test_cli_validate_for_students(tmp_path, capsys):
    good = tmp_path / "mine.json"
    good.write_bytes(dump(export("s001")))
    assert cli.main(["validate", str(good)]) == 0
    assert "ready to hand in" in capsys.readouterr().out
    bad = tmp_path / "notebook.ipynb"
    bad.write_bytes(notebook_bytes())
    other = tmp_path / "unknown.json"
    other.write_bytes(dump(export("s002") | {"exercise": "nonesuch"}))
    assert cli.main(["validate", str(good), str(bad), str(other)]) == 1
    out = capsys.readouterr().out
    assert "NOT VALID" in out and "notebook, not the exported tag file" in out and "Export button" in out
    assert "[unknown_exercise]" in out and "1 of 3 file(s) valid" in out
    assert cli.main(["validate", str(tmp_path / "missing.json")]) == 2


def test_cli_validate_does_not_echo_terminal_escapes(tmp_path, capsys):
    path = tmp_path / "evil\x1b[31m.json"
    path.write_bytes(b"{}")
    cli.main(["validate", str(path)])
    assert "\x1b" not in capsys.readouterr().out


def test_grade_command_has_help_and_lists_in_the_parser():
    commands = cli.build_parser()._subparsers._group_actions[0].choices
    assert {"info", "exercises", "guide", "grade", "validate"} <= set(commands)
    assert "--force" in commands["grade"].format_help() and "FILE" in commands["validate"].format_help()


# --- the self-check and the grader agree ----------------------------------------------------------


@pytest.mark.parametrize("exercise", ["claims-practice", "techniques-practice", "verdicts-practice"])
def test_self_check_and_grader_agree(tmp_path, exercise):
    session = tags.Session(exercise, work_dir=tmp_path / "work")
    session.set_student("s700", "Ada")
    for tag in grading.demo_class(1, 5, exercise)[0]["tags"]:
        session.set(tag)
    path = session.export(tmp_path / "in" / "s700.json")
    ex, key = answers.exercise(exercise), answers.load_key(exercise)
    self_check = scoring.score(ex, key, session.tags)
    session.close()
    report = grading.grade([path], exercise=exercise, out=tmp_path / "out")
    (graded,) = report.graded
    assert graded.result == self_check
    assert graded.result.to_dict() == self_check.to_dict()


def test_grades_csv_matches_the_scores(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(5, 1, EX), inbox)
    report = grading.grade([inbox], exercise=EX, out=tmp_path / "out")
    rows = read_csv(tmp_path / "out" / "grades.csv")
    header = rows[0]
    for g, row in zip(report.graded, rows[1:]):
        assert row[0] == g.student
        assert float(row[header.index("score")]) == pytest.approx(g.result.score, abs=1e-4)
        assert float(row[header.index("kappa")]) == pytest.approx(g.result.metrics["kappa"], abs=1e-4)


# --- the reader is fuzzed -------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30)


def _graded_or_rejected(raw: bytes, exercise: str = EX) -> None:
    data, problems = grading.check_bytes(raw, exercise=exercise)
    if problems:
        assert all(p.code in grading.REASONS and p.code != "internal_error" for p in problems), problems
        return
    ex, key = answers.exercise(exercise), answers.load_key(exercise)
    result = scoring.score(ex, key, data["tags"])
    assert 0 <= result.fraction <= 1
    pages.Pages(ex, key).render(grading.Graded(data["student"]["id"], "", "f.json", data["saved_at"], result,
                                                  tuple(data["tags"]), (), "feedback/x.html"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_reader(raw):
    _graded_or_rejected(raw)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_random_json_never_crashes_the_reader(value):
    _graded_or_rejected(json.dumps(value).encode())


_TOP = ["format", "version", "kit_version", "exercise", "document", "student", "saved_at", "tags"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exercise=st.sampled_from([EX, SPAN_EX, "verdicts-practice", "compare-practice"]), data=st.data())
def test_mutated_exports_are_graded_or_rejected_with_a_code(exercise, data):
    value = grading.demo_class(1, data.draw(st.integers(0, 3)), exercise)[0]
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(["top", "tag", "field", "student"]))
        new = data.draw(_json)
        if where == "top":
            value[data.draw(st.sampled_from(_TOP))] = new
        elif where == "student":
            value["student"] = {"id": data.draw(st.text(max_size=70)), "name": data.draw(st.text(max_size=10))}
        elif value.get("tags") and isinstance(value["tags"], list) and isinstance(value["tags"][0], dict):
            tag = value["tags"][data.draw(st.integers(0, len(value["tags"]) - 1))]
            if isinstance(tag, dict):
                key = data.draw(st.sampled_from(sorted(tag) + ["extra"])) if where == "field" else "label"
                tag[key] = new if where == "field" else data.draw(st.text(max_size=8))
    _graded_or_rejected(json.dumps(value).encode(), exercise)


def test_importing_grading_loads_neither_pandas_nor_plotly():
    code = "import sys, kit.grading, kit.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('pandas', 'plotly', 'numpy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("exercise", [e.id for e in answers.exercises() if e.mode == "practice"])
def test_demo_class_is_valid_and_reproducible(exercise):
    one = grading.demo_class(12, 3, exercise)
    assert one == grading.demo_class(12, 3, exercise)
    assert one != grading.demo_class(12, 4, exercise)
    for data in one:
        assert tags.validate_export(data, exercise=exercise) == []
    assert len({d["student"]["id"] for d in one}) == 12


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    grading.write_exports(grading.demo_class(30, 0, EX), folder / "in")
    return grading.grade([folder / "in"], exercise=EX, out=folder / "out")


def test_charts(demo_report):
    hist = grading.score_histogram(demo_report)
    assert hist.data[0]["type"] == "histogram" and len(hist.data[0]["x"]) == 30
    assert sum(students for _score, students in hist.rows) == 30  # the text alternative counts everyone
    bars = grading.difficulty_chart(demo_report)
    assert bars.data[0]["type"] == "bar" and all(t.endswith("%") for t in bars.data[0]["text"])
    heat = grading.confusion_heatmap(demo_report)
    assert heat.data[0]["type"] == "heatmap" and heat.data[0]["texttemplate"] == "%{text}"  # numbers in the cells
    matrix = grading.confusion_matrix(demo_report)
    assert heat.data[0]["z"] == matrix.to_numpy().tolist() and heat.data[0]["x"] == list(matrix.columns)


def test_item_difficulty_is_the_share_agreeing_with_the_key(demo_report):
    frame = grading.item_difficulty(demo_report)
    assert len(frame) == 47 and list(frame["share"]) == sorted(frame["share"])
    first = frame.iloc[0]
    agree = sum(i.outcome == "correct" for g in demo_report.graded for i in g.result.items if i.item == first["item"])
    assert first["share"] == agree / 30


def test_confusion_matrix_counts_every_answer(demo_report):
    matrix = grading.confusion_matrix(demo_report)
    assert matrix.to_numpy().sum() == 30 * 47
    correct = sum(i.outcome == "correct" for g in demo_report.graded for i in g.result.items)
    assert sum(matrix.loc[c, c] for c in matrix.index if c in matrix.columns) == correct


def test_class_alpha_matches_the_reference_formula(demo_report):
    table = grading.class_agreement(demo_report)
    _, rows = analytics._unit_values(demo_report)
    whole = table.loc[table["scope"] == "all labels", "alpha"].item()
    assert whole == pytest.approx(scoring.krippendorff_alpha_nominal(rows))
    check = table.loc[table["scope"] == "CHECK", "alpha"].item()
    binary = [[None if v is None else v == "CHECK" for v in row] for row in rows]
    assert check == pytest.approx(scoring.krippendorff_alpha_nominal(binary))
    assert set(table["scope"]) == {"all labels", *answers.exercise(EX).labels}


def test_span_alpha_is_computed_on_tokens(tmp_path):
    grading.write_exports(grading.demo_class(8, 0, SPAN_EX), tmp_path / "in")
    report = grading.grade([tmp_path / "in"], exercise=SPAN_EX, out=tmp_path / "out")
    table = grading.class_agreement(report)
    blind = table.iloc[0]
    assert blind["scope"].startswith("all techniques") and blind["units"] == len(kit.load_editorial().tokens)
    assert -1 <= blind["alpha"] <= 1


def test_disagreement_and_discussion_prompts(demo_report):
    frame = grading.item_disagreement(demo_report)
    assert list(frame["entropy"]) == sorted(frame["entropy"], reverse=True)
    assert ((frame["majority_share"] > 0) & (frame["majority_share"] <= 1)).all()
    prompts = grading.discussion_prompts(demo_report, n=3)
    key = answers.load_key(EX)
    assert len(prompts) == 3
    for row in prompts.itertuples():
        assert row.explanation == key.item(row.item).why
        assert row.item == frame.iloc[row.Index]["item"]


def test_worth_a_look_finds_the_pair_who_worked_together_and_does_not_accuse(demo_report):
    pairs = grading.worth_a_look(demo_report)
    assert ("s002", "s003") in set(zip(pairs["student_a"], pairs["student_b"]))
    row = pairs[(pairs["student_a"] == "s002") & (pairs["student_b"] == "s003")].iloc[0]
    assert row["identical_notes"] >= 1
    assert "not an accusation" in grading.LOOK_NOTE
    words = " ".join(pairs["why_worth_a_look"]).lower()
    assert "cheat" not in words and "copied" not in words and "plagiar" not in words


def test_worth_a_look_is_quiet_for_an_independent_class(tmp_path):
    data = grading.demo_class(30, 5, EX)
    for d in data:  # undo the demo's collaborating pair: fresh, independent answers and notes
        for t in d["tags"]:
            t["note"] = ""
    data[2]["tags"] = grading.demo_class(3, 99, EX)[2]["tags"]
    grading.write_exports(data, tmp_path / "in")
    report = grading.grade([tmp_path / "in"], exercise=EX, out=tmp_path / "out")
    assert len(grading.worth_a_look(report)) <= 2


# --- the fast paths agree with the plain ones -----------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_a_note_reaches_the_page_escaped_and_whole(note):
    data = export()
    data["tags"][0]["note"] = note
    ex, key = answers.exercise(EX), answers.load_key(EX)
    result = scoring.score(ex, key, data["tags"])
    page = pages.Pages(ex, key).render(grading.Graded("s100", "", "f.json", data["saved_at"], result,
                                                         tuple(data["tags"]), (), "feedback/s100.html"))
    text = page.decode("utf-8")
    shown = note.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate becomes "?"
    cells = [html.unescape(c.split("</dd>")[0]) for c in text.split("<dt>Your note</dt><dd>")[1:]]
    assert shown in cells
    for cell in text.split("<dt>Your note</dt><dd>")[1:]:
        assert "<" not in cell.split("</dd>")[0]


def test_regrading_with_force_replaces_the_pages_and_keeps_other_files(tmp_path):
    inbox = tmp_path / "in"
    grading.write_exports(grading.demo_class(3, 0, EX), inbox)
    out = tmp_path / "out"
    first = grading.grade([inbox], exercise=EX, out=out)
    (out / "feedback" / "teacher-notes.txt").write_text("mine")
    page = out / first.graded[0].page
    page.write_text("stale")
    second = grading.grade([inbox], exercise=EX, out=out, force=True)
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert (out / "feedback" / "teacher-notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "grades.csv", "index.html", "items.csv",
                                                     "rejected.csv"]  # no staging folder left behind
    assert len(second.graded) == 3


def test_every_reason_the_validator_can_give_is_explained_in_words():
    """One vocabulary: each code a tag file can be rejected with has its words and its advice."""
    import re
    from pathlib import Path

    source = (Path(kit.__file__).parent / "tags.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'(?:TagError|Problem)\("(\w+)"', source)) - {"read_only"}  # read_only: live sessions only
    assert len(codes) >= 20
    assert codes <= set(grading.REASONS), sorted(codes - set(grading.REASONS))
