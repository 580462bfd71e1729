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
BOM = codecs.BOM_UTF8


def _bom(data: bytes) -> bytes:
    return BOM + data


for _case in CASES:
    for _name in ("grades.csv", "items.csv", "rejected.csv"):
        ON_PURPOSE[(_case, _name)] = ("a BOM: Excel reads UTF-8 without one as another encoding", _bom)


def _canvas(data: bytes) -> bytes:
    # Only students with a grade are written: Canvas's importer clears a grade for a blank cell.
    return BOM + b"".join(line for line in data.splitlines(keepends=True) if not line.endswith(b",\r\n"))


def _moodle(data: bytes) -> bytes:
    # The kit's ids under a header that says what they are (they are not Moodle ID numbers), and a
    # feedback column that Moodle maps to the grade item's feedback.
    lines = data.decode("utf-8").split("\r\n")
    title = lines[0].split(",", 1)[1]
    out = [f"kit student id,{title},Feedback"]
    for line in filter(None, lines[1:]):
        student, score = line.split(",")
        share = float(score) / 47
        out.append(f"{student},{score},{score} of 47 points ({100 * share:.0f}%). Your feedback page: {student}.html")
    return BOM + ("\r\n".join(out) + "\r\n").encode("utf-8")


def _truncated(data: bytes) -> bytes:
    # A file cut inside a string is reported as cut, and the message no longer says "at at".
    return BOM + data.replace(b"not_json,not valid JSON (Unterminated string starting at at line 1)",
                              b"truncated,the JSON stops before its end (cut at line 1)")


for _case in CASES:
    ON_PURPOSE[(_case, "rejected.csv")] = ("a cut file named as cut, and a BOM", _truncated)
ON_PURPOSE[("canvas", "canvas.csv")] = ("no blank grades, and a BOM", _canvas)
ON_PURPOSE[("moodle", "moodle.csv")] = ("the kit's ids named as such, a feedback column, and a BOM", _moodle)


# Cases whose recorded outputs were made again, on purpose, by the rebuilt grader: their tables already
# carry the named fixes, so none is applied to them.
REMADE = {"compare-practice": "its key was corrected (TASS 10 Jan, Qazaq TV, RT 9 Jan rows: issue 'Content "
                              "corrections'), then the CSTO-frame field was dropped: the recorded exports still answer "
                              "it, and grade on the other four fields exactly as before; then rows were read again "
                              "against their stored copies (Reuters 5 and 8 Jan, RT 5, 7 and 9 Jan, Sputnik, Qazaq TV, "
                              "NPR, RFE/RL 3 and 9 Jan, bne, The Diplomat: label words and sources the copies hold)",
          "verdicts-practice": "C33 now cites the Foreign Ministry's statement of 6 Jan (issue 'Content corrections')"}
_ONE_RULE = ("its key follows one rule for similar items: p07.s2 CAUSAL, p05.s5 ATTRIB; insinuations of a plan "
             "T11 with T3 accepted (issue 'Content corrections')")
REMADE.update(dict.fromkeys(("claims-practice", "canvas", "moodle", "techniques-practice"), _ONE_RULE))
REMADE["techniques-practice"] += ("; then S11 'coup d'etat' and S34 'habitual aggressive policy' were keyed T1, "
                                  "loaded words about an event and a policy, not labels for a group (T2)")
for _case in ("claims-practice", "canvas", "moodle"):
    REMADE[_case] += ("; then p06.s1 is SPEC only (a state of mind) and p05.s3 OPINION only (the call's date is a "
                      "detail in the subject), as the key's conventions say")
for _case in REMADE:
    for _name in ("grades.csv", "items.csv", "rejected.csv", "canvas.csv", "moodle.csv"):
        ON_PURPOSE.pop((_case, _name), None)


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
