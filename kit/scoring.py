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
    """The outcome for one key item (or one extra student span)."""

    item: str
    outcome: str
    score: float
    max: float
    answer: str
    expected: tuple[str, ...]
    feedback: str

    def to_dict(self) -> dict:
        return asdict(self) | {"expected": list(self.expected)}


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


def _clamp(value: float, top: float) -> float:
    return min(max(value, 0.0), top)


# --- dispatch -------------------------------------------------------------------------------------


def score(exercise: Exercise, key: Key, tags: Iterable[dict]) -> Result:
    """Score ``tags`` for ``exercise`` against ``key`` (dispatch on kind and task)."""
    if key.kind != exercise.kind:
        raise KitError(f"exercise {exercise.id!r} takes {exercise.kind} tags, but the key is a {key.kind} key")
    tags = list(tags)
    if exercise.kind == "sentence":
        return score_sentences(key, tags, points=exercise.points, exercise_id=exercise.id)
    if exercise.kind == "span":
        if exercise.task == "name":
            return score_named_spans(key, tags, points=exercise.points, exercise_id=exercise.id)
        return score_spans(key, tags, points=exercise.points, exercise_id=exercise.id)
    if exercise.kind == "verdict":
        return score_verdicts(key, tags, points=exercise.points, evidence_share=exercise.evidence_share,
                              exercise_id=exercise.id)
    if exercise.kind == "cell":
        return score_cells(key, tags, points=exercise.points, exercise_id=exercise.id)
    raise KitError(f"no scoring for {exercise.kind} exercises")


def _latest(tags: Iterable[dict], kind: str, ident) -> dict:
    """Tags of one kind by identity; of two tags with the same identity, the later one wins."""
    out: dict = {}
    for tag in tags:
        if isinstance(tag, dict) and tag.get("kind") == kind:
            try:
                out[ident(tag)] = tag
            except (KeyError, TypeError):  # a malformed tag scores nothing
                continue
    return out


def _tags_by(tags: Iterable[dict], kind: str, *fields: str) -> dict:
    """:func:`_latest` keyed by the values of ``fields`` (one value, or a tuple of them)."""
    if not isinstance(tags, (list, tuple)):
        tags = list(tags)  # read twice when a tag is malformed
    ident = itemgetter(*fields)
    try:  # the common case, well-formed tags, in one pass
        return {ident(t): t for t in tags if t.get("kind") == kind}
    except (AttributeError, KeyError, TypeError):
        return _latest(tags, kind, ident)


def _label(tag: dict | None) -> str | None:
    """The tag's label, or None when there is no tag or no usable label."""
    label = tag.get("label") if tag else None
    return label if isinstance(label, str) and label else None


def _accuracy(correct: int, n: int) -> float | None:
    return correct / n if n else None


# --- sentences ------------------------------------------------------------------------------------


def score_sentences(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Claim types: credit when the label is accepted; accuracy, per-label P/R/F1, kappa, check-worthy F1."""
    by_unit = _tags_by(tags, "sentence", "unit")
    n = len(key.items)
    per = points / n if n else 0.0
    rows, n_gold = _sentence_rows(key, per)
    items: list[ItemOutcome] = []
    preds: list[str] = []  # for the metrics: another accepted label counts as the preferred one
    cw_tp = cw_fp = cw_fn = 0
    for unit, checkworthy, outcomes in rows:
        tag = by_unit.get(unit)
        label = tag.get("label") if tag is not None else None
        if type(label) is not str or not label:
            label = None
        entry = outcomes.get(label)
        if entry is None:
            entry = outcomes[label] = _sentence_outcome(key.items, unit, label, per)
        items.append(entry[0])
        preds.append(entry[1])
        if label is not None:
            flagged = tag.get("checkworthy") is True
            if flagged:
                cw_tp += checkworthy
                cw_fp += not checkworthy
            else:
                cw_fn += checkworthy
    n_pred = Counter(preds)
    tp = Counter(item.expected[0] for item in items if item.outcome == "correct")
    correct = tp.total()
    answered = n - n_pred[_NO_ANSWER]
    prf = _prf_table(tp, n_pred, n_gold)
    kappa = _kappa(n, correct, n_gold, n_pred)
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
    return Result(exercise_id, "sentence", _total(per * correct, points), float(points), tuple(items), metrics)


# Item outcomes are immutable, so every submission scored against the same key shares them: a class
# of 5,000 builds each (sentence, answer) outcome once instead of 5,000 times. Keyed by the key's
# identity (hashing a whole key per call would cost more than it saves); the key is kept alive with
# its table so that the identity cannot be reused.
_SHARED: dict[tuple[str, int, float], tuple[Key, Any]] = {}


def _shared(what: str, key: Key, per: float, build: Callable[[], Any]) -> Any:
    """The table ``what`` for ``key`` (and points per item), built by ``build()`` on first use."""
    entry = _SHARED.get((what, id(key), per))
    if entry is None or entry[0] is not key:
        if len(_SHARED) > 64:
            _SHARED.clear()
        entry = _SHARED[(what, id(key), per)] = (key, build())
    return entry[1]


def _interned(table: dict, *fields: Any) -> ItemOutcome:
    """The shared :class:`ItemOutcome` with these fields (``table`` comes from :func:`_shared`)."""
    found = table.get(fields)
    if found is None:
        found = table[fields] = ItemOutcome(*fields)
    return found


def _sentence_rows(key: Key, per: float) -> tuple[list[tuple[str, bool, dict]], Counter]:
    """Per key sentence: unit, check-worthy, and its outcomes by answer (filled as answers turn up)."""
    def build():
        rows = [(a.unit, bool(a.checkworthy), {}) for a in key.items]
        return rows, Counter(a.labels[0] for a in key.items)
    return _shared("sentences", key, per, build)


def _sentence_outcome(answers, unit: str, label: str | None, per: float) -> tuple[ItemOutcome, str]:
    """The outcome of one answer, and the label the metrics count for it."""
    answer = next(a for a in answers if a.unit == unit)
    if label is None:
        return ItemOutcome(unit, "missing", 0.0, per, "", answer.labels, answer.why), _NO_ANSWER
    if label in answer.labels:
        return ItemOutcome(unit, "correct", per, per, label, answer.labels, answer.why), answer.labels[0]
    return ItemOutcome(unit, "wrong", 0.0, per, label, answer.labels, answer.why), label


def _binary_f1(tp: int, fp: int, fn: int) -> float:
    """F1 of the positive class from its counts; 1.0 when neither side has a positive (nothing to find,
    nothing claimed)."""
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


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
    return _prf_table(tp, Counter(pred), Counter(gold))


def _prf_table(tp: Counter, n_pred: Counter, n_gold: Counter) -> dict[str, dict]:
    """:func:`per_label_prf` from its counts (``n_pred`` may count ``_NO_ANSWER``, which is no label)."""
    labels = sorted((n_gold.keys() | n_pred.keys()) - {_NO_ANSWER})
    table = {}
    sum_p = sum_r = sum_f = 0  # summed in label order, as sum() over the table would
    for label in labels:
        hits, predicted, actual = tp.get(label, 0), n_pred.get(label, 0), n_gold.get(label, 0)
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
        sum_p += precision
        sum_r += recall
        sum_f += f1
    k = len(labels)
    macro = {"precision": sum_p / k, "recall": sum_r / k, "f1": sum_f / k} if k else \
        {"precision": 0.0, "recall": 0.0, "f1": 0.0}
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


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


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
    refs = merge_spans(reference)
    subs = [(label, s, e) for s, e, label in merge_spans(student)]
    return _pooled(subs, {}, _by_label(refs), len(refs))


_END = itemgetter(1)


def _by_label(merged: list[Span]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for start, end, label in merged:
        out.setdefault(label, []).append((start, end))
    return out


def _shares(span: Span, refs: dict[str, list[tuple[int, int]]]) -> tuple[tuple[float, float], ...]:
    """For each same-label reference span that ``span`` overlaps, in order: the overlap divided by
    the length of ``span`` (its share of precision) and by the reference span's (of recall).

    ``refs`` are merged (see :func:`_by_label`), so per label their starts and their ends both
    rise: the ones that overlap ``span`` sit together, from the first that ends after its start."""
    start, end, label = span
    same = refs.get(label, ())
    out = []
    for n in range(bisect_right(same, start, key=_END), len(same)):
        t_start, t_end = same[n]
        if t_start >= end:
            break
        inter = min(end, t_end) - max(start, t_start)
        out.append((inter / (end - start), inter / (t_end - t_start)))
    return tuple(out)


def semeval_prf_blind(student: Iterable[Span], reference: Iterable[Span]) -> tuple[float, float, float]:
    """Label-blind (SI task) score: every label collapsed to one, then :func:`semeval_prf`."""
    return semeval_prf([(s, e, "*") for s, e, _ in student], [(s, e, "*") for s, e, _ in reference])


# --- spans: find mode -----------------------------------------------------------------------------


def _span_tags(tags: Iterable[dict]) -> list[Span]:
    """Well-formed span tags as (start, end, label), duplicates removed, in a fixed order."""
    try:  # the common case, well-formed tags, in one pass
        spans = {(t["start"], t["end"], t["label"]) for t in tags if t.get("kind") == "span"}
        if all(type(s) is int and type(e) is int and type(lab) is str and s < e for s, e, lab in spans):
            return sorted(spans)
    except (AttributeError, KeyError, TypeError):
        pass
    out = set()
    for tag in tags:
        if not isinstance(tag, dict) or tag.get("kind") != "span":
            continue
        start, end, label = tag.get("start"), tag.get("end"), tag.get("label")
        if (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
                and not isinstance(end, bool) and isinstance(label, str) and start < end):
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


def _key_index(key_items) -> _Index:
    return _Index((k.start, k.end, k) for k in key_items)


def _map_label(span: Span, key_items, index: _Index | None = None) -> str:
    """The key's preferred label when the student's label is accepted by an overlapping key span.

    With several such key spans, the one with the largest overlap wins (then the one whose
    preferred label is the student's own, then the earliest).
    """
    start, end, label = span
    best = None
    for k in (index or _key_index(key_items)).overlapping(start, end):
        inter = _overlap((start, end), (k.start, k.end))
        if inter and label in k.labels:
            rank = (-inter, k.labels[0] != label, k.start, k.end, k.id)
            if best is None or rank < best[0]:
                best = (rank, k.labels[0])
    return best[1] if best else label


def _describe(span: Span) -> str:
    return f"{span[2]} @ {span[0]}-{span[1]}"


def _classify(span: Span, k) -> tuple[str, float] | None:
    """The outcome one student span gives key span ``k``, with a closeness for tie-breaks."""
    inter = _overlap((span[0], span[1]), (k.start, k.end))
    if not inter:
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


def span_outcomes(key: Key, student: Iterable[Span], key_index: _Index | None = None) -> list[ItemOutcome]:
    """One outcome per key span (best student span wins), then one per extra student span."""
    return _span_outcomes(_span_tables(key), merge_spans(student))


class _SpanTables:
    """What scoring spans against one key needs again and again, worked out once per key: the merged
    reference, and per student span (students pick the same passages) its mapped label and how it
    meets each key span it overlaps. The item outcomes are shared like the sentences' ones."""

    def __init__(self, key: Key):
        self.key = key
        self.index = _key_index(key.items)
        reference = [(k.start, k.end, k.labels[0]) for k in key.items]
        merged = merge_spans(reference)
        self.refs, self.n_refs = _by_label(merged), len(merged)
        blind = merge_spans([(s, e, "*") for s, e, _ in reference])
        self.refs_blind, self.n_refs_blind = _by_label(blind), len(blind)
        self.position = {id(k): n for n, k in enumerate(key.items)}
        self.forget()

    def forget(self) -> None:
        """Drop what was learnt about student spans (a long-lived kernel can see very many)."""
        self.outcomes: dict[tuple[str, str, Span | None], ItemOutcome] = {}
        # per student span: (mapped label, ((key position, rank, shared outcome), ...)), see learn()
        self.facts: dict[Span, tuple[str, tuple[tuple[int, tuple[int, float], ItemOutcome], ...]]] = {}
        # SemEval shares per span, keyed (label, start, end) as spans are summed; label-matched, label-blind
        self.shares: tuple[dict[tuple[str, int, int], tuple], dict[tuple[str, int, int], tuple]] = ({}, {})
        self.missed = [self.outcome(k.id, "missed", None, k.labels, k.why) for k in self.key.items]

    def prf(self, merged: list[Span], blind: bool) -> tuple[float, float, float]:
        """:func:`semeval_prf` against the key, for merged student spans (sorted by label, then start)."""
        return _pooled([(label, s, e) for s, e, label in merged], self.shares[blind],
                       self.refs_blind if blind else self.refs, self.n_refs_blind if blind else self.n_refs)

    def outcome(self, item_id: str, outcome: str, span: Span | None, labels: tuple[str, ...], feedback: str
                ) -> ItemOutcome:
        k = (item_id, outcome, span)
        shared = self.outcomes.get(k)
        if shared is None:
            answer = _describe(span) if span is not None else ""
            shared = self.outcomes[k] = ItemOutcome(item_id, outcome, 0.0, 0.0, answer, labels, feedback)
        return shared

    def learn(self, span: Span) -> tuple[str, tuple]:
        """The facts of one student span: its mapped label, and for every key span it overlaps, the
        key span's position, the rank of the meeting (the outcome's, then closeness: the lower, the
        better ``span`` answers that key span) and the outcome it gives."""
        met = []
        for k in self.index.overlapping(span[0], span[1]):
            found = _classify(span, k)
            if found is not None:
                name, closeness = found
                met.append((self.position[id(k)], (_SPAN_RANK[name], -closeness),
                            self.outcome(k.id, name, span, k.labels, k.why)))
        found = self.facts[span] = (_map_label(span, self.key.items, self.index), tuple(met))
        return found

    def items(self, best: dict[int, tuple], extras: list[Span]) -> list[ItemOutcome]:
        """One outcome per key span (``best``, from :func:`_keep_best`), then one per extra span."""
        items = self.missed[:]
        for position, held in best.items():
            items[position] = held[2]
        for span in sorted(extras):
            items.append(self.outcome(f"extra:{span[0]}-{span[1]}", "extra", span, (), EXTRA_FEEDBACK))
        return items

    def score(self, student: list[Span]) -> tuple[tuple[float, float, float], tuple[float, float, float],
                                                   list[ItemOutcome]] | None:
        """Label-matched and label-blind P/R/F1 and the item outcomes, in one pass over ``student``
        (sorted by start, end and label, no duplicates); ``None`` when two spans of one label overlap
        before or after mapping (they must be merged first: the general path does that).

        The same sums as :func:`semeval_prf`, in the same order: the label-matched spans by label,
        then start; the label-blind ones by start."""
        facts, learn = self.facts, self.learn
        best: dict[int, tuple] = {}
        extras = []
        mapped = []
        own_end: dict[str, int] = {}
        mapped_end: dict[str, int] = {}
        blind: list[tuple[str, int, int]] = []
        blind_start = blind_end = -1
        for span in student:
            start, end, label = span
            to, met = facts.get(span) or learn(span)
            if own_end.get(label, -1) > start or mapped_end.get(to, -1) > start:
                return None
            own_end[label] = end
            mapped_end[to] = end
            mapped.append((to, start, end))
            if start < blind_end:  # label-blind: overlapping spans merge (sorted by start)
                if end > blind_end:
                    blind_end = end
            else:
                if blind_end >= 0:
                    blind.append(("*", blind_start, blind_end))
                blind_start, blind_end = start, end
            if met:
                _keep_best(best, span, met)
            else:
                extras.append(span)
        if blind_end >= 0:
            blind.append(("*", blind_start, blind_end))
        mapped.sort()
        matched = _pooled(mapped, self.shares[False], self.refs, self.n_refs)
        blind_prf = _pooled(blind, self.shares[True], self.refs_blind, self.n_refs_blind)
        return matched, blind_prf, self.items(best, extras)


def _keep_best(best: dict[int, tuple], span: Span, met: tuple) -> None:
    """For each key span that ``span`` meets, keep (rank, span, outcome) in ``best`` when it answers
    that key span better than the span held so far (ties: the earlier span)."""
    for position, rank, shared in met:
        held = best.get(position)
        if held is None or (rank, span) < (held[0], held[1]):
            best[position] = (rank, span, shared)


def _pooled(spans: list[tuple[str, int, int]], cache: dict, refs: dict[str, list[tuple[int, int]]],
            n_refs: int) -> tuple[float, float, float]:
    """P, R, F1 from merged student spans given as (label, start, end), sorted, and their shares
    (cached in ``cache``), summed in the order the official scorer's loops add them."""
    prec = rec = 0.0
    for k in spans:
        found = cache.get(k)
        if found is None:
            found = cache[k] = _shares((k[1], k[2], k[0]), refs)
        for to_precision, to_recall in found:
            prec += to_precision
            rec += to_recall
    return _prf(prec, len(spans), rec, n_refs)


# How many distinct things a shared table may learn before it starts afresh: far more than a class of
# thousands brings, and a bound on the memory of a kernel that scores for days.
_TABLE_LIMIT = 200_000


def _span_tables(key: Key) -> _SpanTables:
    tables = _shared("spans", key, 0.0, lambda: _SpanTables(key))
    if len(tables.facts) + len(tables.outcomes) + len(tables.shares[0]) > _TABLE_LIMIT:
        tables.forget()
    return tables


def _span_outcomes(tables: _SpanTables, spans: list[Span]) -> list[ItemOutcome]:
    best: dict[int, tuple] = {}
    extras = []
    for span in spans:
        met = (tables.facts.get(span) or tables.learn(span))[1]
        if met:
            _keep_best(best, span, met)
        else:
            extras.append(span)
    return tables.items(best, extras)


def score_spans(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Find and name: score = label-matched SemEval F1 x points; outcomes per key span for feedback."""
    student = _span_tags(tags)
    tables = _span_tables(key)
    fast = tables.score(student)
    if fast is not None:
        (p, r, f1), (bp, br, bf1), items = fast
    else:  # same-label spans overlap: merge first
        merged = merge_spans(student)
        mapped = [(span[0], span[1], (tables.facts.get(span) or tables.learn(span))[0]) for span in student]
        p, r, f1 = tables.prf(merged if mapped == student else merge_spans(mapped), blind=False)
        bp, br, bf1 = tables.prf(merge_spans([(s, e, "*") for s, e, _ in student]), blind=True)
        items = _span_outcomes(tables, merged)
    counts = Counter(i.outcome for i in items)
    metrics = {
        "label_matched": {"precision": p, "recall": r, "f1": f1},
        "label_blind": {"precision": bp, "recall": br, "f1": bf1},
        "outcomes": {name: counts.get(name, 0) for name in SPAN_OUTCOMES},
        "n_student_spans": len(student),
        "n_key_spans": len(key.items),
    }
    return Result(exercise_id, "span", _total(f1 * points, points), float(points), tuple(items), metrics)


# --- spans: name mode -----------------------------------------------------------------------------


def score_named_spans(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Name the highlighted span: the tag with exactly the key span's offsets; accuracy.

    A passage given several different labels is wrong: the student must commit to one.
    """
    labels_at: dict[tuple[int, int], set[str]] = {}
    for start, end, label in _span_tags(tags):
        labels_at.setdefault((start, end), set()).add(label)
    n = len(key.items)
    per = points / n if n else 0.0
    shared = _shared("named spans", key, per, dict)
    items = []
    for k in key.items:
        given = sorted(labels_at.get((k.start, k.end), ()))
        if not given:
            items.append(_interned(shared, k.id, "missing", 0.0, per, "", k.labels, k.why))
            continue
        ok = len(given) == 1 and given[0] in k.labels
        items.append(_interned(shared, k.id, "correct" if ok else "wrong", per if ok else 0.0, per,
                               " / ".join(given), k.labels, k.why))
    correct = sum(i.outcome == "correct" for i in items)
    metrics = {"accuracy": _accuracy(correct, n), "answered": sum(i.outcome != "missing" for i in items),
               "n_items": n}
    return Result(exercise_id, "span", _total(per * correct, points), float(points), tuple(items), _plain(metrics))


# --- verdicts -------------------------------------------------------------------------------------


def set_f1(cited: Iterable[str], expected: Iterable[str]) -> float:
    """F1 of a cited set against an expected set; 0 when either is empty."""
    a, b = set(cited), set(expected)
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def score_verdicts(key: Key, tags: Iterable[dict], *, points: float, evidence_share: float,
                   exercise_id: str = "") -> Result:
    """Verdicts: (1 - share) for an accepted verdict plus share x F1 of the cited record items."""
    if not 0 <= evidence_share <= 1:
        raise ValueError(f"evidence_share must lie in [0, 1], got {evidence_share!r}")
    by_claim = _tags_by(tags, "verdict", "claim")
    n = len(key.items)
    per = points / n if n else 0.0
    # per key claim: (outcome, evidence F1) by (label, cited items), worked out once per class; cited
    # sets vary from student to student, so equal outcomes (the same label and score) are shared too
    answered_by = _shared(f"verdicts {evidence_share!r}", key, per, lambda: [{} for _ in key.items])
    shared = _shared(f"verdict outcomes {evidence_share!r}", key, per, dict)
    items, f1s = [], []
    earned_total = 0.0
    for answer, seen in zip(key.items, answered_by):
        tag = by_claim.get(answer.id)
        label = _label(tag)
        if label is None:
            k: tuple = (None, ())
        else:
            evidence = tag.get("evidence")
            k = (label, tuple(evidence) if type(evidence) is list else ())
        try:
            entry = seen.get(k)
        except TypeError:  # a list or an object among the cited items: only the ids count
            k = (label, tuple(e for e in k[1] if isinstance(e, str)))
            entry = seen.get(k)
        if entry is None:
            if len(seen) > _TABLE_LIMIT // 100:  # cited sets vary more than labels; keep the table small
                seen.clear()
            cited = tuple(e for e in k[1] if isinstance(e, str))
            entry = seen[k] = _verdict_outcome(shared, answer, k[0], cited, per, evidence_share)
        items.append(entry[0])
        f1s.append(entry[1])
        earned_total += entry[0].score
    correct = sum(i.outcome == "correct" for i in items)
    metrics = {"accuracy": _accuracy(correct, n), "evidence_f1_mean": sum(f1s) / n if n else None,
               "answered": sum(i.outcome != "missing" for i in items), "n_items": n}
    return Result(exercise_id, "verdict", _total(earned_total, points), float(points), tuple(items),
                  _plain(metrics))


def _verdict_outcome(shared: dict, answer, label: str | None, cited: tuple[str, ...], per: float,
                     evidence_share: float) -> tuple[ItemOutcome, float]:
    feedback = answer.evidence + (f"\n\nCaveat: {answer.caveat}" if answer.caveat else "")
    if label is None:
        return _interned(shared, answer.id, "missing", 0.0, per, "", answer.labels, feedback), 0.0
    ev_f1 = set_f1(cited, answer.record)
    ok = label in answer.labels
    earned = _clamp(per * ((1 - evidence_share) * ok + evidence_share * ev_f1), per)
    return _interned(shared, answer.id, "correct" if ok else "wrong", earned, per, label, answer.labels,
                     feedback), ev_f1


# --- cells ----------------------------------------------------------------------------------------


def _cell_rows(key: Key, per: float) -> tuple[list[tuple[Any, tuple[str, str], dict]], dict[str, int]]:
    """Per key cell: the answer, its (article, field) and its outcomes by value (filled as values turn
    up); and the number of cells per field."""
    def build():
        return [(a, (a.item, a.field), {}) for a in key.items], dict(Counter(a.field for a in key.items))
    return _shared("cells", key, per, build)


def _cell_outcome(answer, label: str | None, per: float) -> ItemOutcome:
    if label is None:
        return ItemOutcome(answer.id, "missing", 0.0, per, "", answer.labels, answer.why)
    ok = label in answer.labels
    return ItemOutcome(answer.id, "correct" if ok else "wrong", per if ok else 0.0, per, label, answer.labels,
                       answer.why)


def score_cells(key: Key, tags: Iterable[dict], *, points: float, exercise_id: str = "") -> Result:
    """Comparison grid: credit for an accepted value; accuracy overall and per field."""
    by_cell = _tags_by(tags, "cell", "item", "field")
    n = len(key.items)
    per = points / n if n else 0.0
    rows, totals = _cell_rows(key, per)
    items = []
    right = dict.fromkeys(totals, 0)
    correct = answered = 0
    for answer, cell, outcomes in rows:
        label = _label(by_cell.get(cell))
        outcome = outcomes.get(label)
        if outcome is None:
            if len(outcomes) > _TABLE_LIMIT // 1000:  # values come from a short list; a flood of junk starts afresh
                outcomes.clear()
            outcome = outcomes[label] = _cell_outcome(answer, label, per)
        items.append(outcome)
        if label is not None:
            answered += 1
            if outcome.outcome == "correct":
                correct += 1
                right[answer.field] += 1
    metrics = {"accuracy": _accuracy(correct, n),
               "per_field": {f: right[f] / total for f, total in totals.items()},
               "answered": answered, "n_items": n}
    return Result(exercise_id, "cell", _total(per * correct, points), float(points), tuple(items), _plain(metrics))
