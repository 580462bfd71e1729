"""The lessons and the graded worksheets: committed clean, sourced, and each one runs headless in under 15 s.

Each notebook is executed with nbclient in a fresh kernel, from its own folder, with a temporary
``KIT_WORK_DIR`` and this checkout first on the kernel's ``PYTHONPATH``. The execution times are printed
at the end of the run (and written to ``test-artifacts/notebook-times.json``).
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from pathlib import Path

import tomllib

import nbformat
import pytest
from nbclient import NotebookClient

from kit import answers, cases, discernment

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
WORKSHEETS = [ROOT / "exercises" / f"{name}.ipynb" for name in ("claims", "techniques", "verdicts", "compare")]
TESTS = [ROOT / "exercises" / f"{name}-test.ipynb" for name in ("pre", "post")]  # of discernment
NOTEBOOKS = LESSONS + WORKSHEETS + TESTS
BUDGET_S = 15.0
# widget, exercise id and, for a case's exercise named in the call, the case (case="...")
WIDGET_CALL = re.compile(r"\b(Tagger|VerdictPanel|ComparisonGrid)\(\s*[\"']([a-z-]+)[\"']"
                         r"(?:\s*,\s*case\s*=\s*[\"']([a-z0-9-]+)[\"'])?")
URL = re.compile(r"https?://[^\s\"'<>)\]`]+")

# Pedagogy anchors the lessons cite: research/taxonomy.md section 4 (the kit's research on teaching).
PEDAGOGY_URLS = {
    "https://cor.inquirygroup.org",
    "https://ssrn.com/abstract=3936112",
    "https://doi.org/10.1186/s41235-021-00291-4",
    "https://doi.org/10.1126/sciadv.abo6254",
    "https://doi.org/10.1037/xge0001395",
    "https://doi.org/10.5334/joc.324",
    "https://epub.ub.uni-muenchen.de/129131",
}

TIMES: dict[str, float] = {}


def allowed_urls() -> set[str]:
    """The URL rule of the kit's data (tests/test_data.py): the dossier's URLs and the documented additions."""
    data = ROOT / "tests" / "data"
    dossier = {line.strip() for line in (data / "dossier-urls.txt").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    additions = tomllib.loads((data / "url-additions.toml").read_text(encoding="utf-8"))["url"]
    return dossier | {entry["url"] for entry in additions}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def read(path: Path):
    return nbformat.read(path, as_version=4)


def source(path: Path, cell_type: str) -> str:
    return "\n\n".join(c.source for c in read(path).cells if c.cell_type == cell_type)


def test_there_are_five_lessons_and_four_worksheets():
    assert [p.name for p in LESSONS] == ["00-start-here.ipynb", "01-claims.ipynb", "02-techniques.ipynb",
                                         "03-check-the-claims.ipynb", "04-compare-outlets.ipynb"]
    assert all(p.is_file() for p in WORKSHEETS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_committed_without_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs"
            assert cell.execution_count is None, f"cell {i} has an execution count"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert "widgets" not in nb.metadata  # no saved widget state either


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebooks_stay_short(path):
    """The markdown carries the lesson; code cells only call the kit."""
    code_cells = [c.source for c in read(path).cells if c.cell_type == "code"]
    assert len(code_cells) <= 10
    for src in code_cells:
        assert len(src.splitlines()) <= 6, src
        assert "def " not in src and "class " not in src, src


@pytest.mark.parametrize("path", LESSONS, ids=rel)
def test_lessons_use_practice_exercises_and_a_self_check(path):
    calls = WIDGET_CALL.findall(source(path, "code"))
    for _widget, exercise_id, case_id in calls:
        exercise = cases.load_case(case_id).exercise(exercise_id) if case_id else answers.exercise(exercise_id)
        assert exercise.mode == "practice", exercise_id
    if path.name != "00-start-here.ipynb":
        assert calls, "every lesson after 00 hands over to a widget"
        assert source(path, "code").count("SelfCheck(") == len(calls), "a self-check under every widget"


@pytest.mark.parametrize("path", WORKSHEETS, ids=rel)
def test_worksheets_use_graded_exercises_and_no_self_check(path):
    code = source(path, "code")
    calls = WIDGET_CALL.findall(code)
    assert [exercise_id for _w, exercise_id, _case in calls] == [path.stem]
    text = re.search(r'TEXT = "([a-z0-9-]+)"', code)
    if path.stem == "compare":  # the outlets' coverage, not a text: the editorial's grid
        assert text is None and answers.exercise(path.stem).mode == "graded"
    else:  # graded work is on an unseen text, never the editorial the lessons practise on
        case = cases.load_case(text.group(1))
        assert case.id in discernment.BUILT_IN_FORMS and case.exercise(path.stem).mode == "graded"
        for other in discernment.BUILT_IN_FORMS:  # the worksheet works on either text
            assert cases.load_case(other).exercise(path.stem).mode == "graded"
    assert "SelfCheck" not in code and "selfcheck" not in code and "self_check" not in code
    text = source(path, "markdown")
    assert "Export" in text and "hand" in text.lower()


@pytest.mark.parametrize("path", TESTS, ids=rel)
def test_the_discernment_tests_give_each_student_their_form_and_no_self_check(path):
    code = source(path, "code")
    assert f'DiscernmentTest("{path.stem.removesuffix("-test")}")' in code
    assert "SelfCheck" not in code and "self_check" not in code
    text = source(path, "markdown")
    assert "Export" in text and "15 minutes" in text and "technique names" in text


def _key_explanations() -> list[str]:
    texts = []
    for exercise_id in ("claims-practice", "techniques-practice", "verdicts-practice", "compare-practice"):
        for item in answers.load_key(exercise_id).items:
            texts += [getattr(item, name, "") for name in ("why", "evidence", "caveat")]
        texts += [c.why for c in answers.load_key(exercise_id).controls]
    return [t for t in texts if len(t) > 40]


def test_lessons_do_not_print_the_keys_explanations():
    """The self-check shows the key's reasoning after the student answers; the lessons never print it."""
    explanations = _key_explanations()
    assert len(explanations) > 200
    for path in LESSONS + WORKSHEETS:
        text = " ".join(" ".join(c.source.split()) for c in read(path).cells)
        for why in explanations:
            for start in range(0, max(len(why) - 60, 1), 60):
                chunk = " ".join(why[start:start + 60].split())
                assert chunk not in text, f"{rel(path)} repeats key text: {chunk!r}"


def test_every_url_in_the_lessons_is_sourced():
    allowed = allowed_urls() | PEDAGOGY_URLS
    found = {}
    for path in NOTEBOOKS:
        for cell in read(path).cells:
            for match in URL.finditer(cell.source):
                found.setdefault(match.group().rstrip(".,;:"), rel(path))
    assert len(found) >= 15
    unknown = {url: where for url, where in found.items() if url not in allowed}
    assert not unknown, f"URLs with no documented source: {unknown}"


def test_the_outlet_background_is_attributed():
    start = source(ROOT / "lessons" / "00-start-here.ipynb", "markdown")
    for needed in ("The US State Department", "The US Treasury", "SCF denies any government ties",
                   "a party to the", "https://original.antiwar.com/", "https://gr.usembassy.gov/"):
        assert needed in " ".join(start.split()) or needed in start, needed
    assert "SCF is directed" not in start and "SCF is run" not in start  # never stated as settled fact


def test_worked_examples_are_labelled_as_written_for_the_kit():
    for path in LESSONS[1:]:
        assert "written for the kit" in source(path, "markdown"), rel(path)


# --- execution ------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def report_times(request):
    yield
    if not TIMES:
        return
    lines = [f"  {name:<40} {seconds:5.1f} s" for name, seconds in TIMES.items()]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # shown even when output is captured
            reporter.write_line("")
            reporter.write_line(f"notebook execution times (budget {BUDGET_S:.0f} s each):")
            for line in lines:
                reporter.write_line(line)
    out = ROOT / "test-artifacts"
    try:
        out.mkdir(exist_ok=True)
        (out / "notebook-times.json").write_text(json.dumps(TIMES, indent=1) + "\n", encoding="utf-8")
    except OSError:
        pass


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebook_executes_headless(path, tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.delenv("KIT_MODE", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    nb = read(path)
    client = NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    TIMES[rel(path)] = round(elapsed, 2)
    print(f"{rel(path)}: {elapsed:.1f} s")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert elapsed < BUDGET_S, f"{rel(path)} took {elapsed:.1f} s"
    # The widgets opened their journals in the temporary work folder.
    code = source(path, "code")
    text = re.search(r'TEXT = "([a-z0-9-]+)"', code)  # a worksheet on an unseen text: <case>.<exercise>
    for _widget, exercise_id, case_id in WIDGET_CALL.findall(code):
        case_id = case_id or (text.group(1) if text else "")
        name = f"{case_id}.{exercise_id}" if case_id else exercise_id
        assert (tmp_path / "work" / f"{name}.journal.jsonl").is_file()
    # The source file on disk is untouched by the run.
    assert all(c.outputs == [] for c in read(path).cells if c.cell_type == "code")


# --- the lessons' tables and charts (kit.compare) -------------------------------------------------


def test_coverage_table_has_the_same_columns_for_every_outlet_and_no_digest():
    from kit import compare, load_articles

    table = compare.coverage_table()
    assert len(table) == len(load_articles()) and "digest" not in table.columns
    assert table.loc["tass-2022-01-10", "credited to others"] == "bandits; terrorists; militants"
    assert table.loc["tass-2022-01-10", "deployment words"] == "peacekeepers"
    assert table.loc["tass-2022-01-10", "headline"].startswith("(")  # no headline seen: the note says why
    assert table["url"].str.startswith("http").all()


def test_charts_count_articles_and_write_the_numbers_in_the_cells():
    from kit import compare, load_articles

    for by in compare.GROUPINGS:
        for kind in compare.WORD_KINDS:
            counts = compare.word_counts(kind, by)
            fig = compare.words_chart(kind, by)
            heat = fig.data[0]
            assert sum(map(sum, heat["z"])) == counts["articles"].sum()
            assert all(str(n) == t or (n == 0 and t == "") for row_z, row_t in zip(heat["z"], heat["text"])
                       for n, t in zip(row_z, row_t))
        causes = compare.causes_chart(by).data[0]
        assert any(" of " in t for row in causes["text"] for t in row)
        voices = compare.voices_chart(by).data
        assert sum(len(trace["x"]) for trace in voices) == len(load_articles())  # a bar per article
    with pytest.raises(Exception, match="choose one of function, funding, country"):
        compare.words_chart("people", by="owner")


def test_record_timeline_marks_the_editorial_and_keeps_the_window():
    from kit import compare, load_record

    fig = compare.record_timeline()
    rows = [y for trace in fig.data for y in trace["y"]]
    in_window = [r for r in load_record() if str(r.date_end) >= "2021-12-01" and str(r.date_start) <= "2022-01-31"]
    assert len(rows) == len(in_window)
    assert any(a["text"] == "editorial published" for a in fig.layout["annotations"])
    assert len([y for trace in compare.record_timeline(since=None, until=None).data for y in trace["y"]]) \
        == len(load_record())
    assert "annotations" not in compare.record_timeline(since="2022-01-10").layout  # 7 January is outside
    from datetime import datetime

    # plotly draws the first category at the bottom: newest first here means the earliest event on top.
    dates = [datetime.strptime(y[:11], "%d %b %Y") for y in fig.layout["yaxis"]["categoryarray"]]
    assert dates == sorted(dates, reverse=True) and "autorange" not in fig.layout["yaxis"]


def test_tables_in_lessons_are_reachable_by_keyboard_and_have_no_empty_headers():
    # axe-core: a scrolling table box must be focusable (scrollable-region-focusable) and named, and
    # header cells must not be empty (empty-table-header), as pandas' two-row header leaves them.
    from kit import compare

    for frame, caption in ((compare.coverage_table(), "How each outlet reported the same days"),
                           (compare.claims_table(), "The editorial's checkable claims"),
                           (compare.claim_rows(), "The editorial's checkable claims")):
        page = compare.show_table(frame, caption)._repr_html_()
        assert re.search(r"<div class='kit-table' role='region' aria-label='[^']+' tabindex='0'", page)
        assert f"<caption>{html.escape(caption)}</caption>" in page
        headers = re.findall(r"<th[^>]*>(.*?)</th>", page)
        assert headers and all(h.strip() for h in headers)
        assert page.count("<tr") == len(frame) + 1  # one header row
    for lesson, call in (("03-check-the-claims.ipynb", "compare.show_table(compare.claim_rows()"),
                         ("04-compare-outlets.ipynb", "compare.show_table(compare.coverage_table()")):
        assert call in source(ROOT / "lessons" / lesson, "code")
