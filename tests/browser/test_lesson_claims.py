"""Lesson 01 as a student does it, in JupyterLab with real keyboard and mouse events.

Open ``lessons/01-claims.ipynb``, run it all, tag three sentences with the keyboard, press the
self-check's "Check my work", read the score and the feedback, confirm a student id and export;
then grade the exported file with ``kit grade`` and check that the grade equals the score the
self-check showed, which also equals the score computed here by hand from the key.
"""

import csv
import json
import os
import re
import subprocess
import sys

from playwright.sync_api import expect

import kit
from kit import answers, taxonomy
from kit import tags as kit_tags

from . import harness
from .harness import journal

LESSON = harness.ROOT / "lessons" / "01-claims.ipynb"
# JupyterLab 4.6 with ipykernel 7 logs this when a kernel restarts while widget comms open their subshells.
ALLOW = ["subshell creation failed: Error: Canceled future"]


def test_lesson_claims_tag_check_export_grade(jupyter, page, page_errors, artifacts, tmp_path):
    work = tmp_path / "work"
    server = jupyter("lab", LESSON, {"KIT_WORK_DIR": str(work)})
    harness.open_notebook(page, server, LESSON.name)
    harness.run_all(page)

    # Three units, by hand: the first two get their reference (preferred) label, the third a wrong one.
    key = answers.load_key("claims-practice")
    keys_of = {c.code: c.key for c in taxonomy.claim_types()}
    units = [a.unit for a in key.items[:3]]
    assert units == ["title", "standfirst", "p01.s1"]  # the order the tagger's cursor visits them
    chosen = [key.items[0].labels[0], key.items[1].labels[0],
              next(c.code for c in taxonomy.claim_types() if c.code not in key.items[2].labels)]
    by_hand = sum(1.0 for a, label in zip(key.items[:3], chosen) if label in a.labels)  # 1 point a sentence
    assert by_hand == 2.0

    tagger = page.locator(".kit-tagger.kit-mode-sentence")
    text = tagger.locator(".kit-text")
    expect(text).to_be_visible()
    harness.focus(text)
    for n, label in enumerate(chosen):
        if n:
            page.keyboard.press("ArrowDown")
        page.keyboard.press(keys_of[label])
        expect(tagger.locator(".kit-badge:not(.kit-pending)", has_text=label)).not_to_have_count(0)
    expect(tagger.locator(".kit-live")).to_contain_text("Tagged sentence p01.s1")
    assert harness.cell_type(page, 0) == "markdown"  # number keys in the tagger never change a cell
    logged = [(e["tag"]["unit"], e["tag"]["label"]) for e in journal(work, "claims-practice")[1:]]
    assert logged == list(zip(units, chosen))
    harness.screenshot(page, artifacts, "lesson-claims-tagged")

    # The self-check: press "Check my work" and read the score and the feedback from the page.
    selfcheck = page.locator(".kit-selfcheck")
    button = selfcheck.get_by_role("button", name="Check my work")
    button.scroll_into_view_if_needed()
    button.click()
    summary = selfcheck.locator(".kit-selfcheck-summary .kit-status")
    expect(summary).to_contain_text("3 of 47 sentences answered")
    shown = re.match(r"Score: ([\d.]+) of ([\d.]+) ", summary.inner_text())
    assert shown, summary.inner_text()
    shown_score, shown_max = float(shown.group(1)), float(shown.group(2))
    feedback = selfcheck.locator(".kit-scroll").first  # the words and layout of the returned pages
    expect(feedback.locator("section.item")).to_have_count(3)
    expect(feedback.locator("section[data-outcome='correct']")).to_have_count(2)
    expect(feedback.locator("section[data-outcome='wrong']")).to_contain_text("Not accepted")
    expect(feedback.locator("section[data-outcome='wrong']")).to_contain_text(taxonomy.label_of(chosen[2]))
    feedback.scroll_into_view_if_needed()
    harness.screenshot(page, artifacts, "lesson-claims-selfcheck")

    # Export from the tagger, as a student would: confirm an id, press Export, download.
    student = tagger.get_by_label("Student id:")
    student.scroll_into_view_if_needed()
    student.fill("s-lesson01")
    tagger.get_by_role("button", name="Confirm id").click()
    expect(tagger.locator(".kit-hint")).to_have_text("(confirmed: s-lesson01)")
    tagger.get_by_role("button", name="Export my tags").click()
    link = tagger.locator(".kit-download")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    exported = tmp_path / "handed-in" / "s-lesson01-claims-practice.json"
    exported.parent.mkdir()
    info.value.save_as(exported)
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert kit_tags.validate_export(data, exercise="claims-practice") == []
    assert sorted((t["unit"], t["label"]) for t in data["tags"]) == sorted(zip(units, chosen))
    harness.screenshot(page, artifacts, "lesson-claims-exported")

    # The instructor grades the handed-in file with the command line.
    out = tmp_path / "graded"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(harness.ROOT),
                                                                    os.environ.get("PYTHONPATH")])))
    run = subprocess.run([sys.executable, "-m", "kit", "grade", str(exported), "--exercise", "claims-practice",
                          "--out", str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["student_id"] for r in rows] == ["s-lesson01"]
    graded, graded_max = float(rows[0]["score"]), float(rows[0]["max"])

    assert graded == shown_score == by_hand
    assert graded_max == shown_max == kit.answers.exercise("claims-practice").points
    assert harness.unexpected_page_errors(page_errors, allow=ALLOW) == []
