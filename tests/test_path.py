"""Every lesson opens with its goals and timings; lesson 00 offers a core path of three 50-minute periods.

The tables are markdown in the lessons (they read on a static renderer); these tests parse them and check
them against the notebooks' own headings and against the practice keys, so a renamed part, a period that
runs over or a core selection that misses a claim type fails here.
"""

import re
from pathlib import Path

import nbformat
import pytest

import kit
from kit import answers

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
PERIOD_MINUTES = 50
ROW = re.compile(r"^\|(.+)\|\s*$", re.M)


def markdown(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


def section(path, title):
    text = "\n\n".join(markdown(path))
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def table(text):
    rows = [[cell.strip() for cell in m.group(1).split("|")] for m in ROW.finditer(text)]
    return rows[2:]  # skip the header and the rule


def headings(path):
    return {line[3:].strip() for src in markdown(path) for line in src.splitlines() if line.startswith("## ")}


def timing(path):
    rows = table(section(path, "Goals and timing"))
    total = rows.pop()
    assert total[0] == "**In all**"
    parts = {part: int(minutes) for part, minutes in rows}
    assert int(total[1].strip("*")) == sum(parts.values())
    return parts


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_opens_with_goals_and_timed_parts(path):
    goals = section(path, "Goals and timing")
    assert "you will be able to" in goals
    assert len(re.findall(r"^- \w", goals, re.M)) >= 3
    assert "estimates" in goals  # the minutes are not passed off as measured
    parts = timing(path)
    assert set(parts) - {"Introduction"} <= headings(path), "a timed part that is not a heading of the lesson"
    assert all(0 < minutes <= 30 for minutes in parts.values())
    named = headings(path) - {"Goals and timing", "A path in three periods"}
    assert named <= set(parts), f"parts with no time: {named - set(parts)}"


def core_path():
    rows = table(section(ROOT / "lessons" / "00-start-here.ipynb", "A path in three periods"))
    return [(int(period), lesson, part, int(minutes), items) for period, lesson, part, minutes, items in rows]


def test_the_core_path_fits_three_periods_of_lessons_parts():
    rows = core_path()
    assert {r[0] for r in rows} == {1, 2, 3}
    for period in (1, 2, 3):
        assert sum(r[3] for r in rows if r[0] == period) <= PERIOD_MINUTES, f"period {period} runs over"
    by_lesson = {p.stem[:2]: timing(p) for p in LESSONS}
    for _period, lesson, part, minutes, _items in rows:
        assert part in by_lesson[lesson], f"lesson {lesson} has no part {part!r}"
        assert minutes <= by_lesson[lesson][part], f"{part!r} takes longer on the core path than in the lesson"


def items(part):
    (cell,) = [r[4] for r in core_path() if r[2] == part]
    return cell


def preferred(exercise_id, ids):
    key = {i.id: i for i in answers.load_key(exercise_id).items}
    return [key[i].labels[0] for i in ids]


def test_the_core_sentences_meet_every_claim_type_the_reference_prefers():
    ids = items("Your turn: tag every sentence").split(": ", 1)[1].split(", ")
    assert len(ids) == 12 and len(set(ids)) == 12
    every = {i.labels[0] for i in answers.load_key("claims-practice").items}
    assert set(preferred("claims-practice", ids)) == every


def test_the_core_passages_meet_seven_of_the_core_ten():
    paragraphs = re.findall(r"p\d\d", items("Step 2: find and name the techniques yourself"))
    document = kit.load_editorial()
    units = [u for u in document.units if u.id.split(".")[0] in paragraphs]
    spans = [s for s in answers.load_key("techniques-practice").items
             if any(u.start <= s.start and s.end <= u.end for u in units)]
    assert 10 <= len(spans) <= 15
    assert len({s.labels[0] for s in spans}) == 7


def test_the_core_claims_meet_every_verdict():
    ids = re.findall(r"C\d+", items("Your turn: a verdict for every claim"))
    assert len(ids) == 8
    key = {i.id: i for i in answers.load_key("verdicts-practice").items}
    met = {label for i in ids for label in key[i].labels}
    assert met == {"accurate", "partly_accurate", "misleading", "inaccurate", "unverifiable", "not_factual"}


def test_the_core_articles_span_funding_and_countries():
    ids = items("Your turn: classify every article").split(": ", 1)[1].split(", ")
    articles = {a.id: a for a in kit.load_articles()}
    chosen = [articles[i] for i in ids]
    assert len(chosen) == 6 and "scf-2022-01-07" in ids
    assert {"state", "private"} <= {a.funding for a in chosen}
    assert len({a.country for a in chosen}) == 5


QUICK_START = ROOT / "docs" / "teacher-quick-start.md"


def test_the_quick_start_is_short_and_its_pacing_matches_the_lessons():
    text = QUICK_START.read_text(encoding="utf-8")
    assert len(text.split()) <= 1100  # two pages
    rows = {r[0][:2]: r for r in table(section_of(text, "Pacing"))}
    core = core_path()
    for path in LESSONS:
        lesson = path.stem[:2]
        whole, on_core = rows[lesson][1], rows[lesson][2]
        assert whole == f"{sum(timing(path).values())} min", lesson
        assert f"{sum(r[3] for r in core if r[1] == lesson)} min" in on_core, lesson


def test_the_quick_start_names_the_misconceptions_and_links_what_exists():
    text = QUICK_START.read_text(encoding="utf-8")
    for belief in ("A technique means the claim is false", "State-funded means lying",
                   "Accurately attributed means true", "Not determinable means I failed"):
        assert belief in text
    for heading in ("Handle with care", "Setup (once)", "Pacing", "What students learn"):
        assert f"## {heading}\n" in text
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert len(links) >= 8
    for link in links:
        assert (QUICK_START.parent / link).resolve().is_file(), link


def section_of(text, title):
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_lesson_03_sends_students_outside_the_kit_for_four_checks():
    text = section(ROOT / "lessons" / "03-check-the-claims.ipynb", "Your turn: a verdict for every claim")
    assert "Leave the kit for four checks" in text
    for claim in ("C26", "C28", "C29", "who runs the Strategic Culture Foundation"):
        assert claim in text
    assert "caveat opens once you have saved your verdict" in text


def test_the_where_to_run_table_says_what_ci_tests_for_every_place():
    text = (ROOT / "docs" / "where-to-run.md").read_text(encoding="utf-8")
    rows = table(text.split("\n\n", 2)[1])
    assert len(rows) == 6
    for row in rows:
        tested = row[-1]
        assert tested, row[0]
        for path in re.findall(r"`(tests/[^`]+\.py)`", tested):
            assert (ROOT / path).is_file(), path
