"""Scoring: a student's tags against a reference key, as item outcomes and metrics.

Pure: no files, no network, no pandas/numpy/plotly, so it runs in the browser-only
edition and the self-check and ``kit grade`` cannot disagree. Every function takes the
key (:mod:`kit.answers`) and plain tag dicts (:mod:`kit.tags`) and returns a
:class:`Result` made of plain dataclasses with ``to_dict()``.

Span scoring replicates the official SemEval-2020 Task 11 scorer
(``tools/task-SI_scorer.py`` in ``aschern/semeval2020_task11``, commit 84c384d, by
G. Da San Martino), re-implemented here, not copied:

* a span is the set of character positions ``range(start, end)`` (end exclusive);
* spans that share at least one position and carry the same label are merged into
  their union, for the reference and for the submission separately (the scorer always
  merges the gold spans and merges submitted ones with ``-m``); touching spans
  (``[0, 5)`` and ``[5, 9)``) do not overlap and stay apart;
* precision = sum over submitted s and reference t with the same label of
  ``|s & t| / |s|``, divided by the number of submitted spans (all labels);
  recall = the same sum with ``|s & t| / |t|``, divided by the number of reference
  spans. Numerators and denominators are pooled over labels before dividing (micro);
* ``P = 0`` when nothing was submitted, ``R = 0`` when the reference is empty,
  ``F1 = 2PR / (P + R)`` when both are positive, ``F1 = 1.0`` when both lists are
  empty (``P`` and ``R`` then stay 0, as in the official code) and ``F1 = 0`` otherwise;
* label-blind (the SI task proper) gives every span one label, then does the same.

Not replicated: the scorer's per-technique printout, which reuses the precision
numerator for recall; recall here always divides by the reference span's length.

>>> semeval_prf([(20, 40, "T1")], [(10, 30, "T1")])
(0.5, 0.5, 0.5)
"""

from __future__ import annotations

import math
from statistics import NormalDist
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .errors import KitError

if TYPE_CHECKING:  # only for annotations: scoring needs no loader at run time
    from .answers import Exercise, Key

Span = tuple[int, int, str]

SPAN_OUTCOMES = ("matched", "too_wide", "too_narrow", "partly_found", "wrong_label", "missed", "extra")
_SPAN_RANK = {"matched": 0, "too_wide": 1, "too_narrow": 1, "partly_found": 2, "wrong_label": 3}
_NO_ANSWER = ""  # stands for "no answer" in label lists; never a label code

EXTRA_FEEDBACK = ("The key tags nothing here. Tagging a passage that carries no technique costs precision: "
                  "when in doubt, do not tag.")
KAPPA_NOTE = (
    "Kappa compares your labels with the preferred ones, counting another accepted label as the preferred one "
    "and an untagged sentence as a disagreement. So kappa is 1 exactly when accuracy is 1, with one exception: "
    "if every sentence has the same label, chance agreement is already 1 and kappa is 0/0, undefined (shown as "
    "none). Below full accuracy kappa is lower than accuracy, because it subtracts the agreement you would "
    "reach by guessing with the same label frequencies.")


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemOutcome:
    """The outcome for one key item (or one extra student span).

    ``answer`` is the student's label ("" for none; labels joined by " / " when a passage got several);
    ``span`` is the student's passage (start, end) in find mode, ``None`` elsewhere.
    """

    item: str
    outcome: str
    score: float
    max: float
    answer: str
    expected: tuple[str, ...]
    feedback: str
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict:
        return asdict(self) | {"expected": list(self.expected), "span": list(self.span) if self.span else None}


@dataclass(frozen=True)
class Result:
    """A scored submission: points, item outcomes and metrics (undefined metrics are ``None``)."""

    exercise: str
    kind: str
    score: float
    max: float
    items: tuple[ItemOutcome, ...]
    metrics: dict = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        """Score as a share of the maximum (0 when the maximum is 0)."""
        return self.score / self.max if self.max > 0 else 0.0

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "kind": self.kind, "score": self.score, "max": self.max,
                "fraction": self.fraction, "items": [i.to_dict() for i in self.items],
                "metrics": _plain(self.metrics)}


def _plain(value: Any) -> Any:
    """A JSON-safe copy: NaN becomes None, tuples become lists."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _total(earned: float, points: float) -> float:
    return round(min(max(earned, 0.0), points), 4)


def _accuracy(correct: int, n: int) -> float | None:
    return correct / n if n else None


# --- the scorer -----------------------------------------------------------------------------------


class Scorer:
    """Scores submissions of one exercise against one key: built once, then ``score(tags)`` per submission.

    What every submission needs from the key (per-item points, the merged reference spans, an index
    of the key spans) is worked out here, once; scoring a submission changes nothing, so one scorer
    serves a whole class and the self-check alike.

    >>> from kit import answers
    >>> scorer = Scorer.for_exercise(answers.exercise("claims-practice"), answers.load_key("claims-practice"))
    >>> scorer.score([{"kind": "sentence", "unit": "p05.s1", "label": "CHECK"}]).score
    1.0
    """

    def __init__(self, key: Key, *, points: float, task: str = "", evidence_share: float = 0.0,
                 exercise_id: str = ""):
        self.key = key
        self.kind = key.kind
        self.points = float(points)
        self.exercise_id = exercise_id
        n = len(key.items)
        self.per_item = self.points / n if n else 0.0
        if self.kind == "verdict" and not 0 <= evidence_share <= 1:
            raise ValueError(f"evidence_share must lie in [0, 1], got {evidence_share!r}")
        self.evidence_share = evidence_share
        if self.kind == "sentence":
            self._score = self._sentences
        elif self.kind == "span" and task == "name":
            self._score = self._named_spans
        elif self.kind == "span":
            self._score = self._spans
            self._index = _Index((k.start, k.end, n) for n, k in enumerate(key.items))
            reference = [(k.start, k.end, k.labels[0]) for k in key.items]
            self._refs = _by_label(merge_spans(reference))
            self._refs_blind = _by_label(merge_spans([(s, e, "*") for s, e, _ in reference]))
        elif self.kind == "verdict":
            self._score = self._verdicts
        elif self.kind == "cell":
            self._score = self._cells
        else:
            raise KitError(f"no scoring for {self.kind} exercises")

    @classmethod
    def for_exercise(cls, exercise: Exercise, key: Key) -> "Scorer":
        if key.kind != exercise.kind:
            raise KitError(f"exercise {exercise.id!r} takes {exercise.kind} tags, but the key is a {key.kind} key")
        return cls(key, points=exercise.points, task=exercise.task, evidence_share=exercise.evidence_share,
                   exercise_id=exercise.id)

    def score(self, tags: Iterable[dict]) -> Result:
        """Score one submission's tags (malformed tags score nothing; of two with one identity, the later counts)."""
        return self._score(list(tags))

    def _result(self, earned: float, items: list[ItemOutcome], metrics: dict) -> Result:
        return Result(self.exercise_id, self.kind, _total(earned, self.points), self.points, tuple(items),
                      _plain(metrics))

    # -- sentences: claim types ------------------------------------------------------------------
    def _sentences(self, tags: list) -> Result:
        by_unit = _latest(tags, "sentence", lambda t: t["unit"])
        per = self.per_item
        items: list[ItemOutcome] = []
        gold: list[str] = []  # preferred labels
        pred: list[str] = []  # for the metrics: another accepted label counts as the preferred one
        cw_tp = cw_fp = cw_fn = 0
        for answer in self.key.items:
            tag = by_unit.get(answer.unit)
            label = _label(tag)
            gold.append(answer.labels[0])
            if label is None:
                items.append(ItemOutcome(answer.unit, "missing", 0.0, per, "", answer.labels, answer.why))
                pred.append(_NO_ANSWER)
                continue
            ok = label in answer.labels
            items.append(ItemOutcome(answer.unit, "correct" if ok else "wrong", per if ok else 0.0, per, label,
                                     answer.labels, answer.why))
            pred.append(answer.labels[0] if ok else label)
            flagged = tag.get("checkworthy") is True
            cw_tp += flagged and answer.checkworthy
            cw_fp += flagged and not answer.checkworthy
            cw_fn += not flagged and bool(answer.checkworthy)
        n = len(items)
        correct = sum(i.outcome == "correct" for i in items)
        answered = n - pred.count(_NO_ANSWER)
        prf = per_label_prf(gold, pred)
        kappa = _kappa(n, correct, Counter(gold), Counter(pred))
        metrics = {
            "accuracy": _accuracy(correct, n),
            "macro_f1": prf["macro"]["f1"] if n else None,
            "per_label": prf["labels"],
            "kappa": None if math.isnan(kappa) else kappa,
            "kappa_note": KAPPA_NOTE,
            "checkworthy_f1": _binary_f1(cw_tp, cw_fp, cw_fn) if answered else None,
            "answered": answered,
            "n_items": n,
        }
        return self._result(per * correct, items, metrics)

    # -- spans: find and name --------------------------------------------------------------------
    def _spans(self, tags: list) -> Result:
        """Score = label-matched SemEval F1 x points; one outcome per key span for feedback, then extras."""
        student = _span_tags(tags)
        mapped = merge_spans([(s, e, self._mapped_label((s, e, label))) for s, e, label in student])
        p, r, f1 = _semeval(mapped, self._refs)
        bp, br, bf1 = _semeval(merge_spans([(s, e, "*") for s, e, _ in student]), self._refs_blind)
        items = self._span_items(merge_spans(student))
        counts = Counter(i.outcome for i in items)
        metrics = {
            "label_matched": {"precision": p, "recall": r, "f1": f1},
            "label_blind": {"precision": bp, "recall": br, "f1": bf1},
            "outcomes": {name: counts.get(name, 0) for name in SPAN_OUTCOMES},
            "n_student_spans": len(student),
            "n_key_spans": len(self.key.items),
        }
        return self._result(f1 * self.points, items, metrics)

    def _mapped_label(self, span: Span) -> str:
        """The key's preferred label when the student's label is accepted by an overlapping key span.

        With several such key spans, the one with the largest overlap wins (then the one whose
        preferred label is the student's own, then the earliest).
        """
        start, end, label = span
        best = None
        for n in self._index.overlapping(start, end):
            k = self.key.items[n]
            inter = min(end, k.end) - max(start, k.start)
            if inter > 0 and label in k.labels:
                rank = (-inter, k.labels[0] != label, k.start, k.end, k.id)
                if best is None or rank < best[0]:
                    best = (rank, k.labels[0])
        return best[1] if best else label

    def _span_items(self, student: list[Span]) -> list[ItemOutcome]:
        """Per key span the outcome of the student span that answers it best (ties: the earlier span),
        then one ``extra`` per student span that meets no key span."""
        best: dict[int, tuple] = {}  # key position -> (rank, span, outcome)
        extras = []
        for span in student:
            met = False
            for n in self._index.overlapping(span[0], span[1]):
                k = self.key.items[n]
                found = _classify(span, k)
                if found is None:
                    continue
                met = True
                name, closeness = found
                rank = (_SPAN_RANK[name], -closeness)
                held = best.get(n)
                if held is None or (rank, span) < (held[0], held[1]):
                    best[n] = (rank, span, ItemOutcome(k.id, name, 0.0, 0.0, span[2], k.labels, k.why,
                                                       (span[0], span[1])))
            if not met:
                extras.append(span)
        items = [best[n][2] if n in best else ItemOutcome(k.id, "missed", 0.0, 0.0, "", k.labels, k.why)
                 for n, k in enumerate(self.key.items)]
        items += [ItemOutcome(f"extra:{s}-{e}", "extra", 0.0, 0.0, label, (), EXTRA_FEEDBACK, (s, e))
                  for s, e, label in sorted(extras)]
        return items

    def _named_spans(self, tags: list) -> Result:
        """Name the highlighted span: the tag with exactly the key span's offsets; accuracy.

        A passage given several different labels is wrong: the student must commit to one.
        """
        labels_at: dict[tuple[int, int], set[str]] = {}
        for start, end, label in _span_tags(tags):
            labels_at.setdefault((start, end), set()).add(label)
        per = self.per_item
        items = []
        for k in self.key.items:
            given = sorted(labels_at.get((k.start, k.end), ()))
            if not given:
                items.append(ItemOutcome(k.id, "missing", 0.0, per, "", k.labels, k.why))
                continue
            ok = len(given) == 1 and given[0] in k.labels
            items.append(ItemOutcome(k.id, "correct" if ok else "wrong", per if ok else 0.0, per, " / ".join(given),
                                     k.labels, k.why))
        n = len(items)
        correct = sum(i.outcome == "correct" for i in items)
        metrics = {"accuracy": _accuracy(correct, n), "answered": sum(i.outcome != "missing" for i in items),
                   "n_items": n}
        return self._result(per * correct, items, metrics)

    # -- verdicts --------------------------------------------------------------------------------
    def _verdicts(self, tags: list) -> Result:
        """(1 - share) of an item's points for an accepted verdict, plus share x F1 of the cited record items."""
        by_claim = _latest(tags, "verdict", lambda t: t["claim"])
        per, share = self.per_item, self.evidence_share
        items, f1s = [], []
        for answer in self.key.items:
            feedback = answer.evidence + (f"\n\nCaveat: {answer.caveat}" if answer.caveat else "")
            tag = by_claim.get(answer.id)
            label = _label(tag)
            if label is None:
                items.append(ItemOutcome(answer.id, "missing", 0.0, per, "", answer.labels, feedback))
                f1s.append(0.0)
                continue
            evidence = tag.get("evidence")
            cited = [e for e in evidence if isinstance(e, str)] if isinstance(evidence, list) else []
            ev_f1 = set_f1(cited, answer.record)
            ok = label in answer.labels
            earned = min(max(per * ((1 - share) * ok + share * ev_f1), 0.0), per)
            items.append(ItemOutcome(answer.id, "correct" if ok else "wrong", earned, per, label, answer.labels,
                                     feedback))
            f1s.append(ev_f1)
        n = len(items)
        correct = sum(i.outcome == "correct" for i in items)
        metrics = {"accuracy": _accuracy(correct, n), "evidence_f1_mean": sum(f1s) / n if n else None,
                   "answered": sum(i.outcome != "missing" for i in items), "n_items": n}
        return self._result(sum(i.score for i in items), items, metrics)

    # -- cells: the comparison grid --------------------------------------------------------------
    def _cells(self, tags: list) -> Result:
        """Credit for an accepted value; accuracy overall and per field."""
        by_cell = _latest(tags, "cell", lambda t: (t["item"], t["field"]))
        per = self.per_item
        totals = Counter(a.field for a in self.key.items)
        right = dict.fromkeys(totals, 0)
        items = []
        for answer in self.key.items:
            label = _label(by_cell.get((answer.item, answer.field)))
            if label is None:
                items.append(ItemOutcome(answer.id, "missing", 0.0, per, "", answer.labels, answer.why))
                continue
            ok = label in answer.labels
            items.append(ItemOutcome(answer.id, "correct" if ok else "wrong", per if ok else 0.0, per, label,
                                     answer.labels, answer.why))
            right[answer.field] += ok
        n = len(items)
        correct = sum(i.outcome == "correct" for i in items)
        metrics = {"accuracy": _accuracy(correct, n),
                   "per_field": {f: right[f] / total for f, total in totals.items()},
                   "answered": sum(i.outcome != "missing" for i in items), "n_items": n}
        return self._result(per * correct, items, metrics)


def score(exercise: Exercise, key: Key, tags: Iterable[dict]) -> Result:
    """Score ``tags`` for ``exercise`` against ``key`` (a :class:`Scorer` for one submission)."""
    return Scorer.for_exercise(exercise, key).score(tags)


def score_sentences(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Claim types: credit when the label is accepted; accuracy, per-label P/R/F1, kappa, check-worthy F1."""
    return Scorer(key, points=points, exercise_id=exercise_id).score(tags)


def score_spans(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Find and name: score = label-matched SemEval F1 x points; outcomes per key span for feedback."""
    return Scorer(key, points=points, task="find", exercise_id=exercise_id).score(tags)


def score_named_spans(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Name the highlighted span: accuracy over the key's passages."""
    return Scorer(key, points=points, task="name", exercise_id=exercise_id).score(tags)


def score_verdicts(key: Key, tags: Iterable[dict], *, points: float, evidence_share: float,
                   exercise_id: str = "") -> Result:
    """Verdicts: (1 - share) for an accepted verdict plus share x F1 of the cited record items."""
    return Scorer(key, points=points, evidence_share=evidence_share, exercise_id=exercise_id).score(tags)


def score_cells(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Comparison grid: credit for an accepted value; accuracy overall and per field."""
    return Scorer(key, points=points, exercise_id=exercise_id).score(tags)


def _latest(tags: Iterable[dict], kind: str, ident: Callable[[dict], Any]) -> dict:
    """Tags of one kind by identity; of two tags with the same identity, the later one wins."""
    out: dict = {}
    for tag in tags:
        if isinstance(tag, dict) and tag.get("kind") == kind:
            try:
                out[ident(tag)] = tag
            except (KeyError, TypeError):  # a malformed tag scores nothing
                continue
    return out


def _label(tag: dict | None) -> str | None:
    """The tag's label, or None when there is no tag or no usable label."""
    label = tag.get("label") if tag else None
    return label if isinstance(label, str) and label else None


def _binary_f1(tp: int, fp: int, fn: int) -> float:
    """F1 of the positive class from its counts; 1.0 when neither side has a positive (nothing to find,
    nothing claimed)."""
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


# --- agreement statistics -------------------------------------------------------------------------


def per_label_prf(gold: Sequence[str], pred: Sequence[str | None]) -> dict[str, dict]:
    """Per-label precision, recall, F1 and support, and their macro (unweighted) means.

    Returns ``{"labels": {label: {precision, recall, f1, support}}, "macro": {precision, recall, f1}}``
    over the labels in ``gold`` or ``pred``, sorted. A ``pred`` of ``None`` or ``""`` means no
    answer: it lowers the gold label's recall and is not a label itself. A zero division gives 0,
    as ``sklearn.metrics.precision_recall_fscore_support(..., zero_division=0)`` does.
    """
    if len(gold) != len(pred):
        raise ValueError("gold and pred must have the same length")
    pred = [_NO_ANSWER if p is None else p for p in pred]
    tp: Counter = Counter(g for g, p in zip(gold, pred) if g == p)
    n_pred, n_gold = Counter(pred), Counter(gold)
    labels = sorted((n_gold.keys() | n_pred.keys()) - {_NO_ANSWER})
    table = {}
    for label in labels:
        hits, predicted, actual = tp.get(label, 0), n_pred.get(label, 0), n_gold.get(label, 0)
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
    k = len(labels)
    macro = {m: sum(row[m] for row in table.values()) / k if k else 0.0 for m in ("precision", "recall", "f1")}
    return {"labels": table, "macro": macro}


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa between two label lists; NaN when undefined (no items, or one shared class only).

    ``(p_o - p_e) / (1 - p_e)`` computed exactly from counts, as
    ``sklearn.metrics.cohen_kappa_score`` does. With ``p_e = 1`` (both sides use a single,
    identical label) kappa is 0/0.
    """
    if len(a) != len(b):
        raise ValueError("both label lists must have the same length")
    n = len(a)
    if n == 0:
        return math.nan
    return _kappa(n, sum(x == y for x, y in zip(a, b)), Counter(a), Counter(b))


def _kappa(n: int, agree: int, ca: Counter, cb: Counter) -> float:
    """:func:`cohen_kappa` from its counts: items, agreements and each side's label counts."""
    if n == 0:
        return math.nan
    chance = sum(ca[k] * cb[k] for k in ca)  # n^2 * p_e
    denominator = n * n - chance
    if denominator == 0:
        return math.nan
    return (n * agree - chance) / denominator


def krippendorff_alpha_nominal(data: Sequence[Sequence[str | None]]) -> float:
    """Krippendorff's alpha, nominal; rows are coders, columns units, ``None`` missing.

    Units with fewer than two values are not pairable and drop out. NaN when undefined:
    no pairable values, or only one value among them (expected disagreement 0).
    """
    if not data:
        return math.nan
    width = max(len(row) for row in data)
    observed = 0.0  # sum over units of (m_u^2 - sum_c n_uc^2) / (m_u - 1)
    totals: Counter = Counter()
    for u in range(width):
        values = [row[u] for row in data if u < len(row) and row[u] is not None]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        observed += (m * m - sum(c * c for c in counts.values())) / (m - 1)
        totals.update(counts)
    n = sum(totals.values())
    expected = n * n - sum(c * c for c in totals.values())  # n(n-1) * D_e
    if n == 0 or expected == 0:
        return math.nan
    return 1 - (n - 1) * observed / expected


# --- spans: the SemEval computation ---------------------------------------------------------------


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Merge same-label spans that share at least one character; sorted by (label, start)."""
    merged: list[Span] = []
    label = start = end = None
    for next_label, next_start, next_end in sorted((lab, s, e) for s, e, lab in spans):
        if next_end <= next_start:
            raise ValueError(f"span {next_start}-{next_end} is empty or reversed")
        if next_label == label and next_start < end:
            if next_end > end:
                end = next_end
            continue
        if label is not None:
            merged.append((start, end, label))
        label, start, end = next_label, next_start, next_end
    if label is not None:
        merged.append((start, end, label))
    return merged


# --- spans: the SemEval computation ---------------------------------------------------------------


def _prf(prec_num: float, prec_den: int, rec_num: float, rec_den: int) -> tuple[float, float, float]:
    """The official scorer's conventions for the empty cases."""
    p = prec_num / prec_den if prec_den > 0 else 0.0
    r = rec_num / rec_den if rec_den > 0 else 0.0
    f1 = 0.0
    if prec_den == 0 and rec_den == 0:
        f1 = 1.0
    if p > 0 and r > 0:
        f1 = 2 * p * r / (p + r)
    return p, r, f1


def semeval_prf(student: Iterable[Span], reference: Iterable[Span]) -> tuple[float, float, float]:
    """Label-matched SemEval-2020 partial-overlap precision, recall and F1 (merged, micro).

    Empty cases: nothing on either side gives ``(0.0, 0.0, 1.0)``; one side empty gives
    ``(0.0, 0.0, 0.0)``.
    """
    return _semeval(merge_spans(student), _by_label(merge_spans(reference)))


def semeval_prf_blind(student: Iterable[Span], reference: Iterable[Span]) -> tuple[float, float, float]:
    """Label-blind (SI task) score: every label collapsed to one, then :func:`semeval_prf`."""
    return semeval_prf([(s, e, "*") for s, e, _ in student], [(s, e, "*") for s, e, _ in reference])


def _by_label(merged: list[Span]) -> dict[str, list[tuple[int, int]]]:
    """Merged spans by label; per label their starts and their ends both rise."""
    out: dict[str, list[tuple[int, int]]] = {}
    for start, end, label in merged:
        out.setdefault(label, []).append((start, end))
    return out


def _semeval(student: list[Span], refs: dict[str, list[tuple[int, int]]]) -> tuple[float, float, float]:
    """P, R, F1 of merged student spans (sorted by label, then start) against merged reference spans by
    label, summed in the order the official scorer's loops add them."""
    prec = rec = 0.0
    for start, end, label in student:
        same = refs.get(label, ())
        # the reference spans of this label that overlap sit together, from the first ending after start
        for n in range(bisect_right(same, start, key=_END), len(same)):
            t_start, t_end = same[n]
            if t_start >= end:
                break
            inter = min(end, t_end) - max(start, t_start)
            prec += inter / (end - start)
            rec += inter / (t_end - t_start)
    return _prf(prec, len(student), rec, sum(len(v) for v in refs.values()))


_END = itemgetter(1)


def _span_tags(tags: Iterable[dict]) -> list[Span]:
    """Well-formed span tags as (start, end, label), duplicates removed, sorted."""
    out = set()
    for tag in tags:
        if not isinstance(tag, dict) or tag.get("kind") != "span":
            continue
        start, end, label = tag.get("start"), tag.get("end"), tag.get("label")
        if type(start) is int and type(end) is int and isinstance(label, str) and start < end:
            out.add((start, end, label))
    return sorted(out)


class _Index:
    """Intervals sorted by start, for finding those that overlap a span without trying them all."""

    def __init__(self, entries: Iterable[tuple[int, int, Any]]):
        self.entries = sorted(entries, key=lambda e: (e[0], e[1]))
        self.starts = [e[0] for e in self.entries]
        self.longest = max((e[1] - e[0] for e in self.entries), default=0)

    def overlapping(self, start: int, end: int) -> Iterator[Any]:
        i = bisect_left(self.starts, end) - 1
        lowest = start - self.longest
        while i >= 0 and self.entries[i][0] >= lowest:
            entry = self.entries[i]
            if entry[1] > start:
                yield entry[2]
            i -= 1


def _classify(span: Span, k) -> tuple[str, float] | None:
    """The outcome one student span gives key span ``k``, with a closeness for tie-breaks."""
    inter = min(span[1], k.end) - max(span[0], k.start)
    if inter <= 0:
        return None
    closeness = 2 * inter / ((span[1] - span[0]) + (k.end - k.start))
    if span[2] not in k.labels:
        return "wrong_label", closeness
    covers_half = 2 * inter >= k.end - k.start  # at least half of k is covered
    half_inside = 2 * inter >= span[1] - span[0]  # at least half of the student span lies in k
    if covers_half and half_inside:
        return "matched", closeness
    if covers_half:
        return "too_wide", closeness
    if half_inside:
        return "too_narrow", closeness
    return "partly_found", closeness


def set_f1(cited: Iterable[str], expected: Iterable[str]) -> float:
    """F1 of a cited set against an expected set; 0 when either is empty."""
    a, b = set(cited), set(expected)
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))




# --- signal detection (pre- and post-tests of discernment) ------------------------------------------


@dataclass(frozen=True)
class SignalDetection:
    """How well flags tell signal from noise: rates with the log-linear correction, d' and criterion c."""

    hit_rate: float  # H = (hits + 0.5) / (signals + 1)
    false_alarm_rate: float  # F = (false alarms + 0.5) / (noise + 1)
    d_prime: float  # z(H) - z(F): discernment; 0 is guessing
    criterion: float  # -(z(H) + z(F)) / 2: above 0 cautious (flags little), below 0 liberal (flags much)


def signal_detection(*, hits: int, signals: int, false_alarms: int, noise: int) -> SignalDetection:
    """Signal-detection figures from counts, with the log-linear correction (Hautus 1995), which keeps
    the rates off 0 and 1 so that z stays finite.

    By hand: H = 9.5 / 11 = 0.8636, F = 3.5 / 13 = 0.2692, z(H) = 1.0968, z(F) = -0.6150, so
    d' = 1.7118 and c = -(1.0968 - 0.6150) / 2 = -0.2409 (a little liberal).

    >>> sd = signal_detection(hits=9, signals=10, false_alarms=3, noise=12)
    >>> round(sd.hit_rate, 4), round(sd.false_alarm_rate, 4), round(sd.d_prime, 3), round(sd.criterion, 3)
    (0.8636, 0.2692, 1.712, -0.241)
    """
    for name, value in (("hits", hits), ("signals", signals), ("false_alarms", false_alarms), ("noise", noise)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number of sentences, got {value!r}")
    if hits > signals or false_alarms > noise:
        raise ValueError("hits cannot exceed signals, nor false alarms the noise")
    z = NormalDist().inv_cdf
    h = (hits + 0.5) / (signals + 1)
    f = (false_alarms + 0.5) / (noise + 1)
    return SignalDetection(h, f, z(h) - z(f), -(z(h) + z(f)) / 2)
