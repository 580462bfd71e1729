"""Make the golden grading outputs: the test classes in ``inputs/`` graded by ``kit grade``.

Run once with the grader whose outputs the rebuilt one must reproduce:

    python tests/golden/make.py inputs     # write the input classes (once)
    python tests/golden/make.py outputs    # grade them into outputs/
    python tests/golden/make.py remake CASE...   # record cases again after an intended change of a key

``tests/test_golden.py`` grades the same inputs and compares, file by file, with what is
recorded here; where a fix changes an output on purpose, the test says which and why.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

# (lesson 02's naming step moved to a text written for the kit, a case: its grading is tested in test_scoring)
EXERCISES = ("claims-practice", "techniques-practice", "verdicts-practice", "compare-practice")
ROSTER = "roster-canvas.csv"


def write_inputs() -> None:
    from kit import grading

    for ex in EXERCISES:
        folder = HERE / "inputs" / ex
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        exports = grading.demo_class(5, seed=11, exercise=ex)
        for data in exports:
            (folder / f"{data['student']['id']}-{ex}.json").write_text(
                json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        older = dict(exports[0], saved_at="2026-01-01T08:00:00Z", tags=exports[0]["tags"][:3])
        (folder / f"older-{ex}.json").write_text(json.dumps(older, separators=(",", ":")) + "\n", encoding="utf-8")
        (folder / "empty.json").write_bytes(b"")
        (folder / "notebook.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')
        (folder / "cut.json").write_text(json.dumps(exports[1])[:200], encoding="utf-8")
    (HERE / "inputs" / ROSTER).write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n"
        "    Points Possible,,,,\n"
        "Ada Abenov,101,u101,s001,A\n"
        "Bo Berg,102,u102,s002,A\n"
        "Chen Costa,103,u103,s003,B\n"
        "Dana Dias,104,u104,s999,B\n", encoding="utf-8")


def normalise(out_root: Path) -> None:
    """Name the input files relative to this folder in the tables, so the outputs do not depend on
    where the repository lies."""
    for table in out_root.glob("*/*.csv"):
        table.write_bytes(table.read_bytes().replace(str(HERE).encode() + b"/", b""))


def grade_all(out_root: Path) -> None:
    from kit import grading

    shutil.rmtree(out_root, ignore_errors=True)
    for ex in EXERCISES:
        grading.grade([HERE / "inputs" / ex], exercise=ex, out=out_root / ex)
    grading.grade([HERE / "inputs" / "claims-practice"], exercise="claims-practice", out=out_root / "canvas",
                  fmt="canvas", roster=HERE / "inputs" / ROSTER, assignment_id=42)
    grading.grade([HERE / "inputs" / "claims-practice"], exercise="claims-practice", out=out_root / "moodle",
                  fmt="moodle")
    normalise(out_root)


# Outcome words on the pages of the grader these goldens were made with (for reading them back).
OLD_BADGES = {"Correct": "correct", "Matched": "matched", "Not accepted": "wrong", "No answer": "missing",
              "Too wide": "too_wide", "Too narrow": "too_narrow", "Partly found": "partly_found",
              "Wrong label": "wrong_label", "Missed": "missed", "Extra": "extra"}


def page_facts(page: str) -> dict:
    """What a feedback page says, independent of its markup: the score line and, in page order,
    each item's id, outcome and group (good, revisit or extra)."""
    import html
    import re

    score = re.search(r"<p class=\"?score\"?><strong>([^<]*)</strong>", page).group(1)
    items = []
    if "data-outcome=" in page:  # pages that name each item's outcome
        for m in re.finditer(r'<section class="item (\w+)" data-item="([^"]*)" data-outcome="(\w+)">', page):
            group, item, outcome = m.groups()
            items.append([html.unescape(item), outcome, group])
    else:  # the pages these goldens were made from: read the badge's words back
        for m in re.finditer(r'<section class="item (\w+)"><h3><span class=badge>([^<]*)</span>([^<]*?)\s*<', page):
            group, badge, item = m.groups()
            items.append([html.unescape(item.strip()), OLD_BADGES[badge.strip()], group])
    return {"score": score, "items": items}


def remake(case: str) -> None:
    """Record one case's outputs again with the grader as it is (after an intended change of its key)."""
    import tempfile

    out = Path(tempfile.mkdtemp())
    grade_all(out)  # every case the way the test grades it, the LMS formats included
    dest = HERE / "outputs" / case
    for table in (out / case).glob("*.csv"):
        shutil.copy(table, dest / table.name)
    facts = facts_of(out / case)
    lines = ",\n".join(f" {json.dumps(name)}: {json.dumps(facts[name])}" for name in facts)
    (dest / "pages.json").write_text("{\n" + lines + "\n}\n", encoding="utf-8")


def facts_of(folder: Path) -> dict:
    return {p.name: page_facts(p.read_text(encoding="utf-8")) for p in sorted((folder / "feedback").glob("*.html"))}


if __name__ == "__main__":
    if sys.argv[1:] == ["inputs"]:
        write_inputs()
    elif sys.argv[1:2] == ["remake"]:
        for case in sys.argv[2:]:
            remake(case)
    elif sys.argv[1:] == ["outputs"]:
        grade_all(HERE / "outputs")
        for case in sorted((HERE / "outputs").iterdir()):  # pages: their facts, not their markup
            facts = facts_of(case)
            lines = ",\n".join(f" {json.dumps(name)}: {json.dumps(facts[name])}" for name in facts)
            (case / "pages.json").write_text("{\n" + lines + "\n}\n", encoding="utf-8")
            shutil.rmtree(case / "feedback")
            (case / "index.html").unlink()
    else:
        sys.exit(__doc__)

