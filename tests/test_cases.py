"""Cases: the editorial as the first built-in case, case folders made by ``kit new`` from saved pages,
text files and pasted text, and a case's exercise tagged, exported and graded against its own key.

The HTML pages in tests/pages/ were written for these tests, in three layouts a teacher meets: a news
page with navigation, a sidebar, related links and comments; a blog post with hard-wrapped
paragraphs and a blockquote; a page that carries a hidden print copy of its body.
"""

import io
import json
import sys
from pathlib import Path

import pytest

import kit
from kit import cases, cli, grading
from kit.tags import Session
from kit.widgets import Tagger

PAGES = Path(__file__).parent / "pages"
PASTED = ("Unrest spreads across the country\n"
          "Protests that began over fuel prices on Sunday reached the largest city by Tuesday evening, witnesses "
          "said.\n"
          "The government resigned on Wednesday. The president declared a state of emergency.\n"
          "Officials said order would be restored, while rights groups called for restraint.\n")  # written for tests


def test_the_editorial_is_the_first_built_in_case_unchanged(editorial):
    case = kit.cases.load_case("scf-2022-01-07")
    assert case.document.text == editorial.text and case.document.sha256 == editorial.sha256
    assert [u.id for u in case.document.units] == [u.id for u in editorial.units]
    assert "criticism" in case.licence and case.builtin
    assert case.key("claims-practice") == kit.load_key("claims-practice")
    assert len(case.record) > 20 and len(case.coverage) > 10
    assert cases.cases()[0].id == "scf-2022-01-07"


def test_kit_cases_lists_them(capsys):
    assert cli.main(["cases"]) == 0
    out = capsys.readouterr().out
    assert "scf-2022-01-07" in out and "why it is reproduced" in out


def new(tmp_path, source, *extra, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    return cli.main(["new", str(source), "--id", "my-case", "--out", str(tmp_path / "case"), *extra])


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_pasted_text_becomes_a_case(tmp_path, capsys, monkeypatch, newline):
    assert new(tmp_path, "-", "--licence", "written for the test", stdin=PASTED.replace("\n", newline),
               monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert "title       Unrest spreads across the country" in out and "p02.s2" in out
    case = cases.load_case(tmp_path / "case")
    assert (tmp_path / "case" / "source.txt").read_bytes() == PASTED.replace("\n", newline).encode()
    assert [u.id for u in case.document.units] == ["title", "p01.s1", "p02.s1", "p02.s2", "p03.s1"]
    assert [e.id for e in case.exercises] == ["claims", "techniques"]
    assert case.exercise("claims").points == 5 and case.licence == "written for the test"


@pytest.mark.parametrize("page, body, absent", [
    ("news-with-sidebar.html",
     ["Protests that began over a rise in fuel prices", "The government resigned on Wednesday",
      "Officials said order would be restored"],
     ["Subscribe", "Most read", "winter tyres", "Related stories", "Reader123", "staged", "All rights reserved"]),
    ("blog-hard-wrapped.html",
     ["The week began with a rise in the price of liquefied gas, which many drivers in the west of the country",
      "We only wanted the price to come down again", "by people who gave their names."],
     ["Blogroll", "gardening", "A quiet blog"]),
    ("hidden-print-copy.html",
     ["We are following the events", "Peaceful protest is a right", "restore access to the internet"],
     ["Contact us", "Home |"]),
])
def test_saved_pages_become_cases_with_their_main_text_once(tmp_path, capsys, page, body, absent):
    pytest.importorskip("trafilatura")
    assert new(tmp_path, PAGES / page) == 0
    case = cases.load_case(tmp_path / "case")
    text = case.document.text
    for words in body:
        assert text.count(words) == 1, words
    for words in absent:
        assert words not in text, words
    assert (tmp_path / "case" / "source.html").read_bytes() == (PAGES / page).read_bytes()
    assert "Say in case.toml (licence)" in capsys.readouterr().out  # no --licence given: the author is reminded


def test_flags_override_what_the_page_says(tmp_path):
    pytest.importorskip("trafilatura")
    assert new(tmp_path, PAGES / "news-with-sidebar.html") == 0
    case = cases.load_case(tmp_path / "case")
    assert (case.outlet, case.date.isoformat(), case.url) == (
        "The Daily Example", "2022-01-05", "https://news.example.org/2022/01/05/fuel-protests")
    again = tmp_path / "again"
    assert cli.main(["new", str(PAGES / "news-with-sidebar.html"), "--id", "again", "--out", str(again),
                     "--outlet", "Example News", "--date", "2022-01-06", "--title", "Protests spread"]) == 0
    case = cases.load_case(again)
    assert (case.outlet, case.date.isoformat(), case.title) == ("Example News", "2022-01-06", "Protests spread")


@pytest.mark.parametrize("name, content, case_id, message", [
    ("empty.txt", b"", "my-case", "is empty"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "my-case", "binary file"),
    ("nav.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "my-case", "no article text"),
    ("short.txt", b"One sentence only. And two.", "my-case", "at least 3"),
    ("ok.txt", PASTED.encode(), "Not A Slug", "lowercase words"),
])
def test_bad_input_gives_one_message_and_writes_nothing(tmp_path, capsys, name, content, case_id, message):
    if name.endswith(".html"):
        pytest.importorskip("trafilatura")
    source = tmp_path / name
    source.write_bytes(content)
    assert cli.main(["new", str(source), "--id", case_id, "--out", str(tmp_path / "case")]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


def test_an_out_folder_in_use_is_refused(tmp_path, capsys):
    (tmp_path / "ok.txt").write_text(PASTED)
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "mine.txt").write_text("the teacher's own file")
    assert cli.main(["new", str(tmp_path / "ok.txt"), "--id", "my-case", "--out", str(tmp_path / "case")]) == 1
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "case").iterdir()] == ["mine.txt"]


def test_a_case_exercise_is_tagged_exported_and_graded_against_its_key(tmp_path, capsys, monkeypatch):
    assert new(tmp_path, "-", "--licence", "written for the test", stdin=PASTED, monkeypatch=monkeypatch) == 0
    folder = tmp_path / "case"
    case = cases.load_case(folder)
    doc = case.document
    answers = {"title": "NONASSERT", "p01.s1": "ATTRIB", "p02.s1": "CHECK", "p02.s2": "CHECK", "p03.s1": "ATTRIB"}
    key = tmp_path / "private-claims.toml"  # a key written by hand here (key mode writes the same format)
    key.write_text(f'document = "{doc.id}"\nsha256 = "{doc.sha256}"\n' + "".join(
        f'[[unit]]\nunit = "{u}"\nlabels = ["{label}"]\ncheckworthy = false\nwhy = "Written for the test."\n'
        for u, label in answers.items()), encoding="utf-8")
    tagger = Tagger("claims", case=folder, work_dir=tmp_path / "work")
    assert tagger.doc["id"] == "my-case" and len(tagger.doc["units"]) == 5
    for unit, label in [("title", "NONASSERT"), ("p01.s1", "ATTRIB"), ("p02.s1", "SPEC")]:
        assert tagger.apply({"op": "set", "tag": {"kind": "sentence", "unit": unit, "label": label}})["ok"]
    tagger.apply({"op": "student", "id": "s1"})
    exported = tagger.export()
    assert exported.name == "s1-my-case.claims.json"
    assert (tmp_path / "work" / "my-case.claims.journal.jsonl").is_file()
    tagger.close()
    out = tmp_path / "graded"
    assert cli.main(["grade", str(exported), "--exercise", "claims", "--case", str(folder), "--key", str(key),
                     "--out", str(out)]) == 0
    report = json.loads(json.dumps({"s": (out / "grades.csv").read_text(encoding="utf-8-sig")}))["s"]
    assert "s1,,2,5,40," in report  # two of five sentences right, one point each
    # the same file against the built-in exercise of that name is another text: refused with a reason
    built_in = grading.grade([exported], exercise="claims-practice", out=tmp_path / "wrong")
    assert built_in.rejected[0].code == "wrong_exercise"


def test_a_case_without_its_key_asks_for_one(tmp_path, monkeypatch):
    assert new(tmp_path, "-", stdin=PASTED, monkeypatch=monkeypatch) == 0
    with pytest.raises(kit.KitError, match="--key FILE"):
        grading.grade([tmp_path], exercise="claims", case=tmp_path / "case", out=tmp_path / "out")


def test_a_damaged_case_file_names_the_field(tmp_path, monkeypatch):
    assert new(tmp_path, "-", stdin=PASTED, monkeypatch=monkeypatch) == 0
    toml = tmp_path / "case" / "case.toml"
    toml.write_text(toml.read_text().replace('id = "my-case"', 'id = "My Case"'))
    with pytest.raises(kit.KitError, match="case.toml.*'id'"):
        cases.load_case(tmp_path / "case")


def test_sessions_of_a_case_and_of_the_editorial_do_not_share_a_journal(tmp_path, monkeypatch):
    assert new(tmp_path, "-", stdin=PASTED, monkeypatch=monkeypatch) == 0
    mine = Session("claims", case=cases.load_case(tmp_path / "case"), work_dir=tmp_path / "w")
    editorial = Session("claims-practice", work_dir=tmp_path / "w")
    assert mine.journal_path != editorial.journal_path and not editorial.read_only and not mine.read_only
    mine.close()
    editorial.close()


def test_the_whole_path_from_a_saved_page_to_a_grade(tmp_path, capsys):
    """kit new -> key mode -> save -> kit agree -> kit handout (no key) -> a student's export from the
    handout -> kit grade --case --key, with the score worked out by hand."""
    pytest.importorskip("trafilatura")
    teacher = tmp_path / "teacher-case"
    assert cli.main(["new", str(PAGES / "news-with-sidebar.html"), "--id", "fuel-protests", "--out", str(teacher),
                     "--licence", "written for the kit's tests"]) == 0
    case = cases.load_case(teacher)
    units = [u.id for u in case.document.units]
    assert units == ["title", "p01.s1", "p02.s1", "p03.s1", "p04.s1"]
    labels = {"title": "NONASSERT", "p01.s1": "ATTRIB", "p02.s1": "ATTRIB", "p03.s1": "CHECK", "p04.s1": "ATTRIB"}

    def write_key(name, changes=()):
        t = Tagger("claims", case=teacher, author=True)
        for unit, label in {**labels, **dict(changes)}.items():
            assert t.apply({"op": "set", "tag": {"kind": "sentence", "unit": unit, "label": label,
                                                 "note": f"{name}: why {unit}"}})["ok"]
        assert t.apply({"op": "save_key"})["ok"]
        t.close()
        path = tmp_path / f"key-{name}.toml"
        (teacher / "keys" / "claims.toml").rename(path)
        (teacher / "keys" / "fuel-protests.claims.key.journal.jsonl").unlink()
        return path

    key_a = write_key("a")
    key_b = write_key("b", [("p03.s1", "ATTRIB")])
    assert cli.main(["agree", str(key_a), str(key_b), "--case", str(teacher), "--out", str(tmp_path / "adj")]) == 0
    assert "1 disagreement(s)" in capsys.readouterr().out  # adjudicated in favour of A: A is the key

    handed = tmp_path / "handout"
    assert cli.main(["handout", str(teacher), "--out", str(handed)]) == 0
    everything = [p for p in handed.rglob("*") if p.is_file()]
    assert not any("keys" in p.parts or "guide" in p.name for p in everything)
    assert not any(b"[[unit]]" in p.read_bytes() for p in everything)
    assert (handed / "claims.ipynb").is_file() and (handed / "case" / "case.toml").is_file()

    student = Tagger("claims", case=handed / "case", work_dir=tmp_path / "student-work")
    for unit, label in [("title", "NONASSERT"), ("p01.s1", "ATTRIB"), ("p02.s1", "CHECK"), ("p03.s1", "CHECK")]:
        assert student.apply({"op": "set", "tag": {"kind": "sentence", "unit": unit, "label": label}})["ok"]
    student.apply({"op": "student", "id": "pupil-1"})
    exported = student.export()
    student.close()
    out = tmp_path / "graded"
    assert cli.main(["grade", str(exported), "--exercise", "claims", "--case", str(teacher), "--key", str(key_a),
                     "--out", str(out)]) == 0
    # By hand: 5 points over 5 sentences; title, p01.s1 and p03.s1 agree with key A, p02.s1 does not,
    # p04.s1 is unanswered: 3 of 5.
    row = (out / "grades.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    assert row[:5] == ["pupil-1", "", "3", "5", "60"]


def test_a_handout_of_the_built_in_case_holds_no_guide_and_no_grading_notebook(tmp_path):
    handed = tmp_path / "handout"
    assert cli.main(["handout", "scf-2022-01-07", "--out", str(handed)]) == 0
    names = sorted(str(p.relative_to(handed)) for p in handed.rglob("*") if p.is_file())
    assert "lessons/01-claims.ipynb" in names and "exercises/claims.ipynb" in names
    assert "lessons/glossary.md" in names  # every lesson links it
    assert not any("grading" in n or "guide" in n or n.endswith(".toml") for n in names)


def test_a_handout_carries_the_one_setting_of_the_class(tmp_path):
    url = "https://github.com/a-school/media-literacy-kit"
    assert cli.main(["handout", "scf-2022-01-07", "--out", str(tmp_path / "h"), "--repo-url", url]) == 0
    for nb in (tmp_path / "h").rglob("*.ipynb"):
        text = nb.read_text(encoding="utf-8")
        assert f'KIT_REPO_URL = \\"{url}\\"' in text and "github.com/OWNER" not in text, nb.name
    assert (tmp_path / "h" / "binder" / "requirements.txt").read_text() == f"media-literacy-kit[lab] @ git+{url}\n"
    assert cli.main(["handout", "scf-2022-01-07", "--out", str(tmp_path / "x"), "--repo-url", 'x" ; rm']) == 1


def test_a_lesson_without_the_setting_says_so_instead_of_failing_to_install(tmp_path):
    import json
    import subprocess

    from IPython.core.inputtransformer2 import TransformerManager

    cell = next(c for c in json.loads((Path(__file__).parents[1] / "lessons" / "01-claims.ipynb").read_text())["cells"]
                if c["cell_type"] == "code")
    code = TransformerManager().transform_cell("".join(cell["source"]))
    # -I -S: a Python without the kit (no site-packages, no current folder), as in a fresh Colab runtime
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1 and "Ask your teacher for your class's link" in done.stderr
    assert "Traceback" not in done.stderr and "pip" not in done.stderr
