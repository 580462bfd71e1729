"""Scoring: worked examples, hand-computed cases, the built-in keys, and oracles.

Oracles (test-only): ``sklearn.metrics`` for Cohen's kappa and per-label P/R/F1, the
``krippendorff`` package for alpha, and a set-of-positions re-statement of the official
SemEval-2020 Task 11 scorer for the span metric.
"""

import json
import math
import warnings

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kit import answers, scoring
from kit.answers import CellAnswer, Key, SentenceAnswer, SpanAnswer, VerdictAnswer
from kit.errors import KitError
from kit.feedback import answer_text

approx = pytest.approx


# --- helpers --------------------------------------------------------------------------------------


def span_key(*spans: tuple) -> Key:
    """A span key from (id, start, end, labels) tuples; quotes and reasons are placeholders."""
    items = tuple(SpanAnswer(i, s, e, "q", tuple(labels), f"why {i}") for i, s, e, labels in spans)
    return Key(kind="span", document="doc", sha256="x", items=items)


def span(start: int, end: int, label: str) -> dict:
    return {"kind": "span", "start": start, "end": end, "quote": "", "label": label, "note": ""}


def key_tags(ex: answers.Exercise) -> list[dict]:
    """The key itself as a student's submission: preferred labels, key evidence and flags."""
    tags = []
    for it in answers.load_key(ex.id).items:
        if ex.kind == "sentence":
            tags.append({"kind": "sentence", "unit": it.unit, "label": it.labels[0], "checkworthy": it.checkworthy,
                         "note": ""})
        elif ex.kind == "span":
            tags.append(span(it.start, it.end, it.labels[0]))
        elif ex.kind == "verdict":
            tags.append({"kind": "verdict", "claim": it.id, "label": it.labels[0], "evidence": list(it.record),
                         "note": ""})
        else:
            tags.append({"kind": "cell", "item": it.item, "field": it.field, "label": it.labels[0], "note": ""})
    return tags


EXERCISES = answers.exercises()


# --- the SemEval metric: worked examples of research/taxonomy.md §3.1 -----------------------------


@pytest.mark.parametrize("student, reference, expected", [
    # Reference [10, 30), student [20, 40): overlap 10; P = 10/20, R = 10/20, F1 = 0.5.
    ([(20, 40, "T1")], [(10, 30, "T1")], (0.5, 0.5, 0.5)),
    # Reference [10, 30), student [0, 100): P = 20/100 = 0.2, R = 20/20 = 1, F1 = 2*.2*1/1.2 = 1/3.
    ([(0, 100, "T1")], [(10, 30, "T1")], (0.2, 1.0, 1 / 3)),
    # Reference [10, 30) and [50, 60), student [10, 60): P = (20 + 10)/50 / 1 span = 0.6,
    # R = (20/20 + 10/10) / 2 spans = 1, F1 = 2*.6*1/1.6 = 0.75.
    ([(10, 60, "T1")], [(10, 30, "T1"), (50, 60, "T1")], (0.6, 1.0, 0.75)),
])
def test_worked_examples(student, reference, expected):
    assert scoring.semeval_prf(student, reference) == approx(expected)
    assert scoring.semeval_prf_blind(student, reference) == approx(expected)


def test_pooled_over_labels():
    # Reference a[0,10), b[20,30); student a[0,10), b[20,25), c[40,50) (c matches nothing).
    # Same-label pairs: a: 10/10 and 10/10; b: 5/5 and 5/10.
    # P = (1 + 1) / 3 submitted = 2/3; R = (1 + 0.5) / 2 reference = 0.75;
    # F1 = 2 * (2/3) * 0.75 / (2/3 + 0.75) = 1 / (17/12) = 12/17.
    p, r, f1 = scoring.semeval_prf([(0, 10, "a"), (20, 25, "b"), (40, 50, "c")], [(0, 10, "a"), (20, 30, "b")])
    assert (p, r, f1) == approx((2 / 3, 0.75, 12 / 17))


def test_label_matched_against_label_blind():
    # Reference T1[10,30), T2[50,60); student T2 on both. Label-matched: only T2[50,60) pairs,
    # P = 1/2, R = 1/2, F1 = 0.5. Label-blind: both pairs count, P = R = F1 = 1.
    student, reference = [(10, 30, "T2"), (50, 60, "T2")], [(10, 30, "T1"), (50, 60, "T2")]
    assert scoring.semeval_prf(student, reference) == approx((0.5, 0.5, 0.5))
    assert scoring.semeval_prf_blind(student, reference) == approx((1.0, 1.0, 1.0))


def test_empty_cases_follow_the_official_scorer():
    assert scoring.semeval_prf([], []) == (0.0, 0.0, 1.0)  # nothing to find and nothing claimed
    assert scoring.semeval_prf([], [(0, 5, "a")]) == (0.0, 0.0, 0.0)
    assert scoring.semeval_prf([(0, 5, "a")], []) == (0.0, 0.0, 0.0)
    assert scoring.semeval_prf([(0, 5, "a")], [(5, 9, "a")]) == (0.0, 0.0, 0.0)  # touching is not overlapping
    assert scoring.semeval_prf([(0, 5, "a")], [(0, 5, "b")]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        scoring.semeval_prf([(5, 5, "a")], [(0, 9, "a")])


def test_overlapping_same_label_spans_are_merged():
    # Student a[0,20) and a[10,30) against reference a[0,30). Merged they are one span a[0,30):
    # P = 30/30 / 1, R = 30/30 / 1, F1 = 1. Unmerged, recall would be (20/30 + 20/30) / 1 = 4/3 > 1.
    assert scoring.semeval_prf([(0, 20, "a"), (10, 30, "a")], [(0, 30, "a")]) == approx((1.0, 1.0, 1.0))
    # Different labels are not merged in label-matched mode (b finds nothing: P = (1 + 0)/2 = 0.5)...
    assert scoring.semeval_prf([(0, 20, "a"), (10, 30, "b")], [(0, 30, "a")]) == approx((0.5, 20 / 30, 4 / 7))
    # ...but are in label-blind mode, where they become one span [0, 30).
    assert scoring.semeval_prf_blind([(0, 20, "a"), (10, 30, "b")], [(0, 30, "a")]) == approx((1.0, 1.0, 1.0))
    # Touching spans stay apart: P = (5/5 + 5/5) / 2 = 1, R = (5/10 + 5/10) / 1 = 1.
    assert scoring.merge_spans([(0, 5, "a"), (5, 10, "a")]) == [(0, 5, "a"), (5, 10, "a")]
    assert scoring.semeval_prf([(0, 5, "a"), (5, 10, "a")], [(0, 10, "a")]) == approx((1.0, 1.0, 1.0))
    # Chains merge transitively.
    assert scoring.merge_spans([(8, 12, "a"), (0, 6, "a"), (20, 22, "a"), (4, 10, "a")]) == [
        (0, 12, "a"), (20, 22, "a")]


def official_scorer(student, reference, blind=False):
    """The official scorer restated on sets of character positions (an independent oracle).

    Each new span is merged with any same-label span it shares a position with, repeatedly,
    as merge_spans in task-SI_scorer.py does; then the sums of compute_score_pr and the
    empty-case rules of compute_prec_rec_f1.
    """
    def merged(spans):
        groups = []
        for s, e, label in spans:
            groups.append([("*" if blind else label), set(range(s, e))])
            i = len(groups) - 1
            while True:
                j = next((j for j in range(len(groups)) if j != i and groups[j][0] == groups[i][0]
                          and groups[j][1] & groups[i][1]), None)
                if j is None:
                    break
                groups[j][1] |= groups[i][1]
                del groups[i]
                i = j if j < i else j - 1
        return groups

    subs, refs = merged(student), merged(reference)
    pn = sum(len(s & t) / len(s) for ls, s in subs for lt, t in refs if ls == lt)
    rn = sum(len(s & t) / len(t) for ls, s in subs for lt, t in refs if ls == lt)
    p = pn / len(subs) if subs else 0
    r = rn / len(refs) if refs else 0
    f1 = 1.0 if not subs and not refs else 0
    if p > 0 and r > 0:
        f1 = 2 * p * r / (p + r)
    return p, r, f1


spans_st = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 25), st.sampled_from("abc"))
                    .map(lambda t: (t[0], t[0] + t[1], t[2])), max_size=8)


@given(spans_st, spans_st)
def test_semeval_matches_the_official_computation(student, reference):
    assert scoring.semeval_prf(student, reference) == approx(official_scorer(student, reference))
    assert scoring.semeval_prf_blind(student, reference) == approx(official_scorer(student, reference, blind=True))
    for value in scoring.semeval_prf(student, reference):
        assert 0 <= value <= 1 + 1e-12


# --- span outcomes (find mode) --------------------------------------------------------------------

K = span_key(("S01", 100, 120, ("T1", "T2")))  # |k| = 20, preferred T1, T2 also accepted


@pytest.mark.parametrize("tags, outcome, answer", [
    # [102,121): overlap 18 >= 10 (half of k) and 18 of its 19 chars inside k.
    ([span(102, 121, "T1")], "matched", "T1 @ 102-121"),
    # Exactly half each way: [110,130) covers 10 of k's 20 and has 10 of its 20 inside: matched.
    ([span(110, 130, "T1")], "matched", "T1 @ 110-130"),
    # The accepted second label counts.
    ([span(100, 120, "T2")], "matched", "T2 @ 100-120"),
    # [90,150): covers all of k, but only 20 of its 60 chars lie in k.
    ([span(90, 150, "T1")], "too_wide", "T1 @ 90-150"),
    # [100,105): all inside k, but covers 5 of 20.
    ([span(100, 105, "T1")], "too_narrow", "T1 @ 100-105"),
    # [115,140): overlap 5: less than half of k (10) and less than half of itself (12.5).
    ([span(115, 140, "T1")], "partly_found", "T1 @ 115-140"),
    # Only a label the key does not accept.
    ([span(100, 120, "T3")], "wrong_label", "T3 @ 100-120"),
    ([], "missed", ""),
    ([span(120, 130, "T1")], "missed", ""),  # touching is not overlapping
    # Best outcome wins: a too-narrow T1 and a matching T2.
    ([span(100, 105, "T1"), span(100, 120, "T2")], "matched", "T2 @ 100-120"),
    # An accepted partial find beats a wrong label on the exact span.
    ([span(100, 120, "T3"), span(115, 140, "T1")], "partly_found", "T1 @ 115-140"),
])
def test_span_outcomes(tags, outcome, answer):
    result = scoring.score_spans(K, tags, points=10)
    first = result.items[0]
    assert (first.item, first.outcome, answer_text(first)) == ("S01", outcome, answer)
    assert (first.score, first.max, first.expected, first.feedback) == (0.0, 0.0, ("T1", "T2"), "why S01")
    assert [i.outcome for i in result.items[1:]] == ([] if outcome != "missed" or not tags else ["extra"])
    # Order does not matter.
    assert scoring.score_spans(K, list(reversed(tags)), points=10) == result


def test_extra_spans_and_their_feedback():
    key = span_key(("S01", 100, 120, ("T1",)), ("S02", 300, 310, ("T4",)))
    result = scoring.score_spans(key, [span(200, 210, "T1"), span(305, 309, "T9"), span(0, 5, "T4")], points=10)
    assert [(i.item, i.outcome, answer_text(i)) for i in result.items] == [
        ("S01", "missed", ""), ("S02", "wrong_label", "T9 @ 305-309"),
        ("extra:0-5", "extra", "T4 @ 0-5"), ("extra:200-210", "extra", "T1 @ 200-210")]
    extra = result.items[2]
    assert extra.expected == () and "precision" in extra.feedback and extra.max == 0
    assert result.metrics["outcomes"]["extra"] == 2 and result.metrics["outcomes"]["missed"] == 1
    # Nothing matched with the same label: F1 = 0, score 0.
    assert result.score == 0 and result.metrics["label_matched"]["f1"] == 0


def test_exercise_score_is_label_matched_f1_times_points():
    # Key T1[10,30); student T1[20,40): F1 = 0.5 (worked example 1), so 0.5 x 20 points = 10.
    key = span_key(("S01", 10, 30, ("T1",)))
    result = scoring.score_spans(key, [span(20, 40, "T1")], points=20)
    assert result.score == 10.0 and result.max == 20.0 and result.fraction == 0.5
    assert result.metrics["label_matched"] == approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})
    # The same span with a wrong label: label-matched 0, label-blind 0.5.
    wrong = scoring.score_spans(key, [span(20, 40, "T9")], points=20)
    assert wrong.score == 0 and wrong.metrics["label_blind"]["f1"] == approx(0.5)


def test_accepted_labels_are_mapped_to_the_preferred_one():
    # Key S01 [100,120) accepts T1 (preferred) and T2. Student T1[100,110) and T2[105,120): both map
    # to T1 and merge into T1[100,120): P = R = F1 = 1. (Unmerged, R would be (10 + 15)/20 = 1.25.)
    result = scoring.score_spans(K, [span(100, 110, "T1"), span(105, 120, "T2")], points=10)
    assert result.metrics["label_matched"] == approx({"precision": 1.0, "recall": 1.0, "f1": 1.0})
    assert result.score == 10.0
    # A span the key does not accept there keeps its own label: T2[0,10) stays T2 (and is extra).
    # P = (1 + 0) / 2 = 0.5, R = 1, F1 = 2/3.
    result = scoring.score_spans(K, [span(100, 120, "T2"), span(0, 10, "T2")], points=10)
    assert result.metrics["label_matched"] == approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3})
    assert result.score == round(10 * 2 / 3, 4)


def test_overlapping_key_spans_with_different_labels():
    # As in the real key (S08 T9 contains S09 T2): a student who finds both gets full marks.
    key = span_key(("S08", 0, 100, ("T9", "T5")), ("S09", 40, 60, ("T2", "T4")))
    both = scoring.score_spans(key, [span(0, 100, "T5"), span(40, 60, "T4")], points=4)
    assert both.score == 4.0 and [i.outcome for i in both.items] == ["matched", "matched"]
    # Only the outer span with T2: S08 gets a wrong label (T2 is not accepted there); for S09 the
    # [0,100) span covers all of it but 80 of its 100 chars lie outside: too wide.
    # Label-matched: T2[0,100) vs T2[40,60): P = 20/100 / 1 = 0.2, R = 20/20 / 2 = 0.5, F1 = 2/7.
    outer = scoring.score_spans(key, [span(0, 100, "T2")], points=4)
    assert [i.outcome for i in outer.items] == ["wrong_label", "too_wide"]
    assert outer.metrics["label_matched"] == approx({"precision": 0.2, "recall": 0.5, "f1": 2 / 7})


# --- name mode ------------------------------------------------------------------------------------


def test_named_spans():
    key = span_key(("S01", 0, 10, ("T1", "T2")), ("S02", 20, 30, ("T3",)), ("S03", 40, 50, ("T4",)),
                   ("S04", 60, 70, ("T5",)))
    tags = [span(0, 10, "T2"),                       # accepted second label: correct
            span(20, 30, "T9"),                      # wrong
            span(41, 50, "T4"),                      # not the highlighted offsets: S03 missing
            span(60, 70, "T5"), span(60, 70, "T1"),  # two labels on one passage: wrong
            {"kind": "sentence", "unit": "title", "label": "T4"}]
    result = scoring.score_named_spans(key, tags, points=8)
    assert [(i.outcome, i.answer, i.score, i.max) for i in result.items] == [
        ("correct", "T2", 2.0, 2.0), ("wrong", "T9", 0.0, 2.0), ("missing", "", 0.0, 2.0),
        ("wrong", "T1 / T5", 0.0, 2.0)]
    assert result.score == 2.0 and result.metrics["accuracy"] == 0.25 and result.metrics["answered"] == 3


# --- sentences ------------------------------------------------------------------------------------


def sentence_key(rows) -> Key:
    return Key(kind="sentence", document="doc", sha256="x",
               items=tuple(SentenceAnswer(u, tuple(labels), cw, f"why {u}") for u, labels, cw in rows))


def sentence(unit, label, checkworthy=False):
    return {"kind": "sentence", "unit": unit, "label": label, "checkworthy": checkworthy, "note": ""}


def test_sentences_hand_computed():
    key = sentence_key([("u1", ["A"], True), ("u2", ["A", "C"], False), ("u3", ["B"], True), ("u4", ["B"], True)])
    tags = [sentence("u1", "A", True), sentence("u2", "C", True), sentence("u3", "A"),
            sentence("zz", "B"), {"kind": "span", "start": 0, "end": 3, "label": "B"}]  # ignored
    result = scoring.score_sentences(key, tags, points=8, exercise_id="ex")
    # Credit: u1 and u2 (C accepted) correct, u3 wrong, u4 missing: 2 x 8/4 = 4 points.
    assert [(i.item, i.outcome, i.score, i.answer) for i in result.items] == [
        ("u1", "correct", 2.0, "A"), ("u2", "correct", 2.0, "C"), ("u3", "wrong", 0.0, "A"),
        ("u4", "missing", 0.0, "")]
    assert result.items[1].expected == ("A", "C") and result.items[1].feedback == "why u2"
    assert (result.exercise, result.kind, result.score, result.max) == ("ex", "sentence", 4.0, 8.0)
    m = result.metrics
    # gold (preferred) = A A B B; pred (accepted -> preferred, missing -> none) = A A A -.
    # A: tp 2, predicted 3, gold 2: P = 2/3, R = 1, F1 = 0.8. B: tp 0: F1 = 0. Macro-F1 = 0.4.
    assert m["accuracy"] == 0.5
    assert m["per_label"]["A"] == approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2})
    assert m["per_label"]["B"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert m["macro_f1"] == approx(0.4)
    # Kappa: n = 4, agreements 2, chance = sum_k gold_k * pred_k = A: 2 x 3 = 6;
    # (n * agree - chance) / (n^2 - chance) = (8 - 6) / (16 - 6) = 0.2.
    assert m["kappa"] == approx(0.2)
    # Check-worthy over the tagged units u1, u2, u3: key T F T, student T T F: tp 1, fp 1, fn 1: F1 = 0.5.
    assert m["checkworthy_f1"] == approx(0.5) and m["answered"] == 3
    assert "kappa" in m["kappa_note"].lower()


def test_sentence_kappa_agrees_with_sklearn_on_the_hand_case():
    from sklearn.metrics import cohen_kappa_score

    gold, pred = ["A", "A", "B", "B"], ["A", "A", "A", ""]
    assert scoring.cohen_kappa(gold, pred) == approx(cohen_kappa_score(gold, pred))


def test_duplicate_tags_last_one_wins():
    key = sentence_key([("u1", ["A"], False), ("u2", ["B"], False)])
    first = scoring.score_sentences(key, [sentence("u1", "B"), sentence("u1", "A")], points=2)
    second = scoring.score_sentences(key, [sentence("u1", "A"), sentence("u1", "B")], points=2)
    assert (first.items[0].outcome, second.items[0].outcome) == ("correct", "wrong")


def test_full_accuracy_gives_kappa_one_unless_one_class():
    key = sentence_key([("u1", ["A", "B"], False), ("u2", ["B"], False), ("u3", ["C", "A"], False)])
    # Accepted non-preferred labels (B for u1, A for u3) still give kappa 1 after the substitution.
    result = scoring.score_sentences(key, [sentence("u1", "B"), sentence("u2", "B"), sentence("u3", "A")], points=3)
    assert result.metrics["accuracy"] == 1.0 and result.metrics["kappa"] == 1.0
    # One class only: chance agreement is 1 and kappa is 0/0, reported as None.
    one = sentence_key([("u1", ["A"], False), ("u2", ["A"], False)])
    result = scoring.score_sentences(one, [sentence("u1", "A"), sentence("u2", "A")], points=2)
    assert result.metrics["accuracy"] == 1.0 and result.metrics["kappa"] is None
    json.dumps(result.to_dict(), allow_nan=False)


@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.booleans()), min_size=2, max_size=20), st.randoms())
def test_kappa_is_one_at_full_accuracy(rows, rnd):
    assume(len({label for label, _ in rows}) > 1)
    key = sentence_key([(f"u{i}", [label, "Z"], False) for i, (label, _) in enumerate(rows)])
    tags = [sentence(f"u{i}", "Z" if alt else label) for i, (label, alt) in enumerate(rows)]
    rnd.shuffle(tags)
    assert scoring.score_sentences(key, tags, points=1).metrics["kappa"] == 1.0


# --- kappa, alpha and per-label P/R/F1 against their oracles --------------------------------------

labels_st = st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("abcd")), min_size=1, max_size=40)


@given(labels_st)
def test_cohen_kappa_matches_sklearn(pairs):
    from sklearn.metrics import cohen_kappa_score

    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    assume(not (len(set(a)) == 1 and set(a) == set(b)))  # p_e = 1: kappa is 0/0 for both
    assert scoring.cohen_kappa(a, b) == approx(cohen_kappa_score(a, b), abs=1e-9)


def test_cohen_kappa_degenerate_cases():
    assert math.isnan(scoring.cohen_kappa([], []))
    assert math.isnan(scoring.cohen_kappa(["a", "a"], ["a", "a"]))
    # One side with a single class, the other not: p_e < 1, kappa defined (here 0).
    assert scoring.cohen_kappa(["a", "a"], ["a", "b"]) == 0.0
    assert scoring.cohen_kappa(["a", "b"], ["b", "a"]) == -1.0
    with pytest.raises(ValueError):
        scoring.cohen_kappa(["a"], [])


alpha_st = st.integers(2, 6).flatmap(lambda coders: st.integers(1, 12).flatmap(
    lambda units: st.lists(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=units, max_size=units),
                           min_size=coders, max_size=coders)))


def pairable_values(data):
    out = []
    for u in range(len(data[0])):
        values = [row[u] for row in data if row[u] is not None]
        if len(values) >= 2:
            out += values
    return out


@given(alpha_st)
def test_krippendorff_alpha_matches_the_package(data):
    import krippendorff
    import numpy as np

    assume(len(set(pairable_values(data))) >= 2)  # otherwise alpha is undefined
    codes = {"a": 1.0, "b": 2.0, "c": 3.0}
    matrix = np.array([[codes[v] if v is not None else np.nan for v in row] for row in data])
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert scoring.krippendorff_alpha_nominal(data) == approx(expected, abs=1e-9)


def test_krippendorff_alpha_hand_case_and_degenerate_cases():
    # Two coders, units (a,a), (a,b), (b,b): pairable n = 6, values a:3 b:3.
    # Observed: only unit 2 disagrees: (m^2 - sum n_c^2)/(m-1) = (4 - 2)/1 = 2.
    # Expected: n^2 - sum n_c^2 = 36 - 18 = 18. alpha = 1 - (n-1) * 2 / 18 = 1 - 10/18 = 4/9.
    assert scoring.krippendorff_alpha_nominal([["a", "a", "b"], ["a", "b", "b"]]) == approx(4 / 9)
    assert math.isnan(scoring.krippendorff_alpha_nominal([]))
    assert math.isnan(scoring.krippendorff_alpha_nominal([[None, None], [None, "a"]]))  # nothing pairable
    assert math.isnan(scoring.krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]))     # one value only
    assert math.isnan(scoring.krippendorff_alpha_nominal([["a", "b"], ["a", None]]))   # b is not pairable
    assert scoring.krippendorff_alpha_nominal([["a", "b"], ["a", "b"]]) == 1.0


@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["a", "b", "c", "d", None])), min_size=1,
                max_size=40))
def test_per_label_prf_matches_sklearn(pairs):
    from sklearn.metrics import precision_recall_fscore_support

    gold, pred = [g for g, _ in pairs], [p for _, p in pairs]
    ours = scoring.per_label_prf(gold, pred)
    labels = sorted({*gold, *(p for p in pred if p is not None)})
    assert list(ours["labels"]) == labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(gold, ["<none>" if x is None else x for x in pred],
                                                     labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        row = ours["labels"][label]
        assert (row["precision"], row["recall"], row["f1"]) == approx((p[i], r[i], f[i]))
        assert row["support"] == s[i]
    assert ours["macro"]["f1"] == approx(sum(f) / len(labels))


# --- verdicts and cells ---------------------------------------------------------------------------


def verdict_key() -> Key:
    def claim(cid, labels, record):
        return VerdictAnswer(cid, "claim", ("title",), labels, "v", f"evidence {cid}", record, ("https://x",), "")
    items = (claim("C1", ("a", "b"), ("R1", "R2")), claim("C2", ("c",), ("R4",)), claim("C3", ("a",), ("R5",)))
    return Key(kind="verdict", document="doc", sha256="x", items=items)


def test_verdicts_hand_computed():
    tags = [
        # C1: accepted second label; cites R1 (right) and R3 (wrong): F1 = 2*1/(2+2) = 0.5.
        # Earned: 2 x (0.75 x 1 + 0.25 x 0.5) = 1.75.
        {"kind": "verdict", "claim": "C1", "label": "b", "evidence": ["R1", "R3"], "note": ""},
        # C2: wrong label, the right evidence: 2 x (0 + 0.25 x 1) = 0.5.
        {"kind": "verdict", "claim": "C2", "label": "a", "evidence": ["R4"], "note": ""},
        # C3: nothing given. C9 is not in the key: ignored.
        {"kind": "verdict", "claim": "C9", "label": "a", "evidence": ["R5"], "note": ""},
    ]
    result = scoring.score_verdicts(verdict_key(), tags, points=6, evidence_share=0.25)
    assert [(i.item, i.outcome, i.score, i.max) for i in result.items] == [
        ("C1", "correct", 1.75, 2.0), ("C2", "wrong", 0.5, 2.0), ("C3", "missing", 0.0, 2.0)]
    assert result.items[0].feedback == "evidence C1"
    assert result.score == 2.25
    # Evidence F1 mean over all claims (missing counts 0): (0.5 + 1 + 0) / 3 = 0.5.
    assert result.metrics["accuracy"] == approx(1 / 3) and result.metrics["evidence_f1_mean"] == approx(0.5)


def test_verdict_without_evidence_gets_the_label_share_only():
    tags = [{"kind": "verdict", "claim": "C3", "label": "a", "note": ""}]
    result = scoring.score_verdicts(verdict_key(), tags, points=6, evidence_share=0.25)
    assert result.items[2].score == 1.5 and result.score == 1.5  # 2 x 0.75, evidence F1 = 0


@pytest.mark.parametrize("evidence", [["R4", 1], ["R4", None, True], ["R4", ["R4"]], ["R4", {"R4": 1}], [["R1"], "R4"]])
def test_cited_items_that_are_not_ids_count_for_nothing(evidence):
    """Lenient scoring (the self-check sees unvalidated tags): only the ids among the cited items count."""
    def score(cited):
        return scoring.score_verdicts(verdict_key(), [{"kind": "verdict", "claim": "C2", "label": "c",
                                                       "evidence": cited}], points=6, evidence_share=0.25)
    clean = score(["R4"])
    assert clean.items[1].score == 2.0
    assert score(evidence).to_dict() == clean.to_dict()


def test_cells_hand_computed():
    key = Key(kind="cell", document="doc", sha256="x", items=(
        CellAnswer("art1", "cause", ("fuel", "economy"), "w1"), CellAnswer("art1", "sources", ("officials",), "w2"),
        CellAnswer("art2", "cause", ("terrorism",), "w3")))
    tags = [{"kind": "cell", "item": "art1", "field": "cause", "label": "economy"},   # accepted: correct
            {"kind": "cell", "item": "art2", "field": "cause", "label": "fuel"},      # wrong
            {"kind": "cell", "item": "art9", "field": "cause", "label": "fuel"}]      # not in the key
    result = scoring.score_cells(key, tags, points=3)
    assert [(i.item, i.outcome, i.score) for i in result.items] == [
        ("art1:cause", "correct", 1.0), ("art1:sources", "missing", 0.0), ("art2:cause", "wrong", 0.0)]
    assert result.score == 1.0 and result.metrics["accuracy"] == approx(1 / 3)
    assert result.metrics["per_field"] == approx({"cause": 0.5, "sources": 0.0})


# --- the built-in exercises -----------------------------------------------------------------------


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_the_key_scores_full_marks(ex):
    result = scoring.score(ex, answers.load_key(ex.id), key_tags(ex))
    assert result.score == ex.points and result.max == ex.points and result.fraction == 1.0
    assert all(i.outcome in ("correct", "matched") for i in result.items)
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_an_empty_submission_scores_zero(ex):
    result = scoring.score(ex, answers.load_key(ex.id), [])
    assert result.score == 0 and result.max == ex.points
    assert {i.outcome for i in result.items} <= {"missing", "missed"}
    json.dumps(result.to_dict(), allow_nan=False)


def test_score_refuses_a_key_of_another_kind():
    ex = answers.exercise("claims-practice")
    with pytest.raises(KitError):
        scoring.score(ex, answers.load_key("verdicts-practice"), [])


@st.composite
def submissions(draw):
    """A built-in exercise and a random submission for it (one tag per identity, as exports have)."""
    ex = draw(st.sampled_from(EXERCISES))
    key = answers.load_key(ex.id)
    labels = list(ex.labels)
    tags = {}
    for _ in range(draw(st.integers(0, 25))):
        if ex.kind == "sentence":
            it = draw(st.sampled_from(key.items))
            label = draw(st.sampled_from([*it.labels, *labels]))
            tags[it.unit] = sentence(it.unit, label, draw(st.booleans()))
        elif ex.kind == "span":
            it = draw(st.sampled_from(key.items))
            if ex.task == "name" or draw(st.booleans()):
                start, end = it.start, it.end
            else:
                start = draw(st.integers(max(0, it.start - 40), it.end + 40))
                end = start + draw(st.integers(1, 120))
            label = draw(st.sampled_from([*it.labels, *labels]))
            tags[(start, end, label)] = span(start, end, label)
        elif ex.kind == "verdict":
            it = draw(st.sampled_from(key.items))
            pool = sorted({r for k in key.items for r in k.record})
            evidence = draw(st.lists(st.sampled_from(pool), max_size=4, unique=True))
            tags[it.id] = {"kind": "verdict", "claim": it.id, "label": draw(st.sampled_from([*it.labels, *labels])),
                           "evidence": evidence, "note": ""}
        else:
            it = draw(st.sampled_from(key.items))
            pool = sorted({v for k in key.items if k.field == it.field for v in k.labels})
            tags[it.id] = {"kind": "cell", "item": it.item, "field": it.field,
                           "label": draw(st.sampled_from(pool)), "note": ""}
    return ex, key, list(tags.values())


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(submissions(), st.randoms())
def test_scores_are_bounded_and_tag_order_does_not_matter(sub, rnd):
    ex, key, tags = sub
    result = scoring.score(ex, key, tags)
    assert 0 <= result.score <= result.max == ex.points
    for item in result.items:
        assert 0 <= item.score <= item.max
    if ex.kind != "span" or ex.task == "name":
        assert len(result.items) == len(key.items)
        assert result.score == approx(sum(i.score for i in result.items), abs=1e-3)
    else:
        assert [i.item for i in result.items[:len(key.items)]] == list(key.ids)
    shuffled = list(tags)
    rnd.shuffle(shuffled)
    assert scoring.score(ex, key, shuffled) == result
    json.dumps(result.to_dict(), allow_nan=False)


def test_result_to_dict():
    # Worked example 1 again: half of k covered and half of the student span inside: "matched",
    # although F1 is only 0.5 (the outcome is feedback; the points come from F1).
    key = span_key(("S01", 10, 30, ("T1",)))
    data = scoring.score_spans(key, [span(20, 40, "T1")], points=20, exercise_id="techniques").to_dict()
    assert data["exercise"] == "techniques" and data["score"] == 10.0 and data["fraction"] == 0.5
    assert data["items"][0] == {"item": "S01", "outcome": "matched", "score": 0.0, "max": 0.0,
                                "answer": "T1", "expected": ["T1"], "feedback": "why S01", "span": [20, 40]}
    assert json.loads(json.dumps(data)) == data


# --- the scorer against plain restatements of the rules -------------------------------------------


def _naive_label(span, key):
    """DESIGN.md's label mapping restated: the key's preferred label when the student's is accepted by an
    overlapping key span (largest overlap, then the student's own as preferred, then the earliest)."""
    s, e, label = span
    best = None
    for k in key.items:
        inter = min(e, k.end) - max(s, k.start)
        if inter > 0 and label in k.labels:
            rank = (-inter, k.labels[0] != label, k.start, k.end, k.id)
            best = min(best, (rank, k.labels[0])) if best else (rank, k.labels[0])
    return best[1] if best else label


def _naive_span_outcomes(key, student):
    """The outcome rule of DESIGN.md restated directly: for every key span, the best merged student span."""
    spans = scoring.merge_spans(student)
    items = []
    for k in key.items:
        best = None
        for s in spans:
            inter = min(s[1], k.end) - max(s[0], k.start)
            if inter <= 0:
                continue
            closeness = 2 * inter / ((s[1] - s[0]) + (k.end - k.start))
            if s[2] not in k.labels:
                outcome = "wrong_label"
            else:
                wide, inside = 2 * inter >= k.end - k.start, 2 * inter >= s[1] - s[0]
                outcome = ("matched" if wide and inside else "too_wide" if wide else "too_narrow" if inside
                           else "partly_found")
            rank = ({"matched": 0, "too_wide": 1, "too_narrow": 1, "partly_found": 2, "wrong_label": 3}[outcome],
                    -closeness, s)
            if best is None or rank < best[0]:
                best = (rank, outcome, s)
        items.append((k.id, "missed", "") if best is None else (k.id, best[1], f"{best[2][2]} @ {best[2][0]}-{best[2][1]}"))
    for s in sorted(spans):
        if not any(min(s[1], k.end) > max(s[0], k.start) for k in key.items):
            items.append((f"extra:{s[0]}-{s[1]}", "extra", f"{s[2]} @ {s[0]}-{s[1]}"))
    return items


_SPAN_KEY = answers.load_key("techniques-practice")
_TECHNIQUES = sorted({label for k in _SPAN_KEY.items for label in k.labels} | {"T5", "T6"})
_student_span = st.builds(
    lambda anchor, start_shift, length, label, near: (
        (max(0, anchor.start + start_shift), max(0, anchor.start + start_shift) + length, label) if near
        else (start_shift + 3000, start_shift + 3000 + length, label)),
    st.sampled_from(_SPAN_KEY.items), st.integers(-40, 40), st.integers(1, 120), st.sampled_from(_TECHNIQUES),
    st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(_student_span, max_size=25))
def test_span_scores_agree_with_the_semeval_computation_and_the_outcome_rule(student):
    """The scorer's span path meets the plain computation (SemEval on the mapped labels, the outcome rule)."""
    ex = answers.exercise("techniques-practice")
    tags_ = [{"kind": "span", "start": s, "end": e, "label": label} for s, e, label in student]
    result = scoring.score(ex, _SPAN_KEY, tags_)
    unique = sorted(set(student))
    reference = [(k.start, k.end, k.labels[0]) for k in _SPAN_KEY.items]
    mapped = [(s, e, _naive_label((s, e, label), _SPAN_KEY)) for s, e, label in unique]
    m = result.metrics
    assert (m["label_matched"]["precision"], m["label_matched"]["recall"], m["label_matched"]["f1"]) == \
        scoring.semeval_prf(mapped, reference)
    assert (m["label_blind"]["precision"], m["label_blind"]["recall"], m["label_blind"]["f1"]) == \
        scoring.semeval_prf_blind(unique, reference)
    assert [(i.item, i.outcome, answer_text(i)) for i in result.items] == _naive_span_outcomes(_SPAN_KEY, unique)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_one_scorer_serves_a_class_and_keeps_no_state(ex):
    """A scorer built once scores every submission as a fresh one would, whatever came before."""
    from kit import grading

    key = answers.load_key(ex.id)
    scorer = scoring.Scorer.for_exercise(ex, key)
    before = {name: repr(value) for name, value in vars(scorer).items()}
    class_ = grading.demo_class(6, 3, ex.id)
    shared = [scorer.score(d["tags"]).to_dict() for d in class_]
    assert shared == [scoring.score(ex, key, d["tags"]).to_dict() for d in reversed(class_)][::-1]
    assert {name: repr(value) for name, value in vars(scorer).items()} == before  # scoring changed nothing


# --- signal detection ---------------------------------------------------------------------------------


def test_signal_detection_worked_example():
    # 14 signal sentences, 20 noise; 10 hits, 4 false alarms.
    # H = 10.5 / 15 = 0.7, F = 4.5 / 21 = 0.2142857; z(0.7) = 0.5244005, z(0.2142857) = -0.7916386
    # d' = 1.3160391, c = -(0.5244005 - 0.7916386) / 2 = 0.1336190
    sd = scoring.signal_detection(hits=10, signals=14, false_alarms=4, noise=20)
    assert sd.hit_rate == pytest.approx(0.7) and sd.false_alarm_rate == pytest.approx(4.5 / 21)
    assert sd.d_prime == pytest.approx(1.3160391, abs=1e-6) and sd.criterion == pytest.approx(0.1336190, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.data())
def test_signal_detection_against_an_independent_computation(signals, noise, data):
    from scipy.stats import norm

    hits = data.draw(st.integers(0, signals))
    false_alarms = data.draw(st.integers(0, noise))
    sd = scoring.signal_detection(hits=hits, signals=signals, false_alarms=false_alarms, noise=noise)
    h, f = (hits + 0.5) / (signals + 1), (false_alarms + 0.5) / (noise + 1)
    assert sd.d_prime == pytest.approx(norm.ppf(h) - norm.ppf(f), abs=1e-9)
    assert sd.criterion == pytest.approx(-(norm.ppf(h) + norm.ppf(f)) / 2, abs=1e-9)


@pytest.mark.parametrize("counts", [dict(hits=5, signals=4, false_alarms=0, noise=3),
                                    dict(hits=-1, signals=4, false_alarms=0, noise=3),
                                    dict(hits=1.5, signals=4, false_alarms=0, noise=3)])
def test_signal_detection_refuses_impossible_counts(counts):
    with pytest.raises(ValueError):
        scoring.signal_detection(**counts)
