"""The grader's outputs on the golden test classes stay what they were (tests/golden/make.py made them).

The tables are compared byte for byte, the feedback pages by what they say (score, and each item's
id, outcome and group). Where a fix changes an output on purpose, :data:`ON_PURPOSE` names the
change and the test applies it to the recorded output before comparing.
"""

import codecs
import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(HERE))

import make  # noqa: E402  (tests/golden/make.py)

CASES = sorted(p.name for p in (HERE / "outputs").iterdir())

#: Intended changes to the recorded outputs: (case, file) -> (why, how the recorded bytes change).
ON_PURPOSE: dict[tuple[str, str], tuple[str, object]] = {}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden")
    make.grade_all(out)
    return out


@pytest.mark.parametrize("case", CASES)
def test_tables_are_unchanged_but_for_the_named_fixes(graded, case):
    for recorded in sorted((HERE / "outputs" / case).glob("*.csv")):
        expected = recorded.read_bytes()
        why, change = ON_PURPOSE.get((case, recorded.name), ("", None))
        if change is not None:
            expected = change(expected)
        assert (graded / case / recorded.name).read_bytes() == expected, f"{case}/{recorded.name} ({why})"


@pytest.mark.parametrize("case", CASES)
def test_feedback_pages_say_the_same(graded, case):
    recorded = json.loads((HERE / "outputs" / case / "pages.json").read_text(encoding="utf-8"))
    assert make.facts_of(graded / case) == recorded
