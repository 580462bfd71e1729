"""How readable the practice keys' explanations are for a 16-year-old, measured and printed on every run.

Goal (issue 'Content corrections'): Flesch-Kincaid grade 10 or below, 20 words a sentence or fewer, and no
explanation over 60 words (a verdict's further detail goes in its folded "more"). Every key meets it; the
limits below are today's figures, so an explanation made harder to read fails here. Measured with
textstat 0.7.4 (later versions need NLTK data fetched from the internet).
"""

import pytest

from kit import answers

textstat = pytest.importorskip("textstat")

GOAL = {"grade": 10.0, "words_per_sentence": 20.0, "over_60_words": 0}
#: key -> (the explanation fields read, today's limits: grade, words per sentence, explanations over 60 words)
LIMITS = {
    "claims-practice": (("why",), (6.5, 14.2, 0)),  # goal met (rewritten in plain words)
    "techniques-practice": (("why",), (9.0, 17.6, 0)),  # goal met
    "verdicts-practice": (("evidence", "caveat"), (6.2, 13.5, 0)),  # goal met; detail in "more"
    "compare-practice": (("why",), (6.4, 11.0, 0)),  # goal met (rewritten in plain words)
}


def explanations(exercise_id, fields):
    key = answers.load_key(exercise_id)
    texts = [getattr(item, f) for item in key.items for f in fields if getattr(item, f, "")]
    return texts + [c.why for c in key.controls]


def measure(texts):
    joined = " ".join(texts)
    grade = textstat.flesch_kincaid_grade(joined)
    per_sentence = textstat.lexicon_count(joined) / textstat.sentence_count(joined)
    return round(grade, 1), round(per_sentence, 1), sum(textstat.lexicon_count(t) > 60 for t in texts)


@pytest.mark.parametrize("exercise_id", LIMITS)
def test_explanations_get_no_harder_to_read(exercise_id, capsys):
    fields, limits = LIMITS[exercise_id]
    texts = explanations(exercise_id, fields)
    assert len(texts) >= 30  # the measure reads the real keys
    figures = measure(texts)
    goal = (GOAL["grade"], GOAL["words_per_sentence"], GOAL["over_60_words"])
    met = "goal met" if all(f <= g for f, g in zip(figures, goal)) else "goal not met"
    with capsys.disabled():
        print(f"\n  readability {exercise_id:<20} grade {figures[0]:4.1f} · {figures[1]:4.1f} words/sentence · "
              f"{figures[2]:2d} of {len(texts)} explanations over 60 words ({met}: 10 · 20 · 0)")
    assert all(f <= limit for f, limit in zip(figures, limits)), f"{exercise_id}: {figures} > {limits}"
    assert met == "goal met"


def test_the_measure_tells_plain_from_dense_text():
    plain = ["The protests began on 2 January. The price of car fuel had doubled. People were angry."] * 2
    dense = ["Notwithstanding the ostensibly spontaneous mobilisation, the extraordinarily synchronised "
             "escalation, culminating in simultaneous institutional capitulation, indicates premeditation."] * 2
    assert measure(plain)[0] < 6 < measure(dense)[0]
    assert measure(dense)[1] > 10 > measure(plain)[1]


@pytest.mark.parametrize("case_id", ["kremlin-shoigu-2022-01-13", "eeas-borrell-2022-01-19"])
def test_the_graded_keys_meet_the_same_goal(case_id, capsys):
    """The unseen texts' keys (teacher-keys/, read on the feedback pages) are held to the practice keys' goal."""
    from pathlib import Path

    from kit import cases

    folder = Path(__file__).resolve().parents[1] / cases.TEACHER_KEYS / case_id
    document = cases.load_case(case_id).document
    texts = []
    for name, kind, fields in (("claims", "sentence", ("why",)), ("techniques", "span", ("why",)),
                               ("verdicts", "verdict", ("evidence", "caveat"))):
        key = answers.read_key_file(folder / f"{name}.toml", kind, document=document)
        texts += [getattr(item, f) for item in key.items for f in fields if getattr(item, f, "")]
        texts += [c.why for c in key.controls]
    figures = measure(texts)
    with capsys.disabled():
        print(f"\n  readability {case_id:<26} grade {figures[0]:4.1f} · {figures[1]:4.1f} words/sentence · "
              f"{figures[2]:2d} of {len(texts)} explanations over 60 words (goal: 10 · 20 · 0)")
    assert all(f <= g for f, g in zip(figures, (GOAL["grade"], GOAL["words_per_sentence"], GOAL["over_60_words"])))
