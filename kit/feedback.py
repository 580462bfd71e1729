"""Feedback on scored work: one vocabulary for the outcomes and one renderer, for the self-check and the
returned pages alike, so a student reads the same words in the lesson and on the page their teacher sends.

* :data:`OUTCOMES` names every outcome of :mod:`kit.scoring` (a symbol and a name, never a colour alone),
  says what it means and which group it belongs to (right, to revisit, extra);
* :class:`Feedback` turns a :class:`kit.scoring.Result` and the student's tags into :class:`Row` s: what
  the item is, the student's answer in words, the outcome, the points, the key's answer and why;
* :func:`render_html` (escaped HTML) and :func:`render_text` show the rows; :func:`summary` and
  :func:`metric_rows` the overall figures; :func:`number` is the one number format.

Browser-safe: no pandas, numpy or plotly, no templates.

>>> OUTCOMES["too_wide"].name, OUTCOMES["too_wide"].group
('Too wide', 'revisit')
>>> number(12.5), number(3.0), number(2 / 3)
('12.5', '3', '0.67')
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import answers, corpus, resources, scoring, taxonomy
from ._fields import Checker

# --- the vocabulary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: str
    symbol: str  # shown beside the name, so colour is never the only signal
    name: str
    group: str  # "good", "revisit" or "extra"
    meaning: str
    line: str  # one sentence on it; {answer}, {passage} and {accepted} are filled in by short()


OUTCOMES: dict[str, Outcome] = {o.code: o for o in (
    Outcome("correct", "✓", "Correct", "good", "the key accepts your answer", "Correct."),
    Outcome("wrong", "✗", "Not accepted", "revisit", "the key does not accept your answer",
            "You chose {answer}; the key accepts {accepted}."),
    Outcome("missing", "·", "No answer", "revisit", "you have not answered this yet",
            "No answer; the key accepts {accepted}."),
    Outcome("matched", "✓", "Matched", "good", "your passage and the key's overlap by at least half of each",
            "Found and named."),
    Outcome("too_wide", "≈", "Too wide", "revisit",
            "you found it, but more than half of your passage lies outside the key's: trim it",
            "Right technique, but your span ({passage}) runs well beyond the key's passage."),
    Outcome("too_narrow", "≈", "Too narrow", "revisit",
            "you found it, but your passage covers less than half of the key's: widen it",
            "Right technique, but your span ({passage}) covers less than half of the key's passage."),
    Outcome("partly_found", "≈", "Partly found", "revisit",
            "your passage overlaps the key's, but by less than half of either",
            "Right technique; your span ({passage}) only partly overlaps the key's passage."),
    Outcome("wrong_label", "✗", "Wrong label", "revisit",
            "you found the passage, but gave it a technique the key does not accept",
            "You marked this passage ({passage}) but the key names it {accepted}."),
    Outcome("missed", "·", "Missed", "revisit", "you did not tag anything here",
            "Not found: the key tags this passage as {accepted}."),
    Outcome("extra", "✗", "Extra", "extra", "the key tags nothing here",
            "The key tags nothing here: an extra span costs precision."),
)}
GROUPS = ("revisit", "extra", "good")  # the order a page shows them in
GROUP_HEADINGS = {"revisit": "To revisit", "extra": "Extra tags", "good": "What you got right"}
#: Outcomes that call for another look (the "only what to look at again" filter).
TO_REVIEW = frozenset(code for code, o in OUTCOMES.items() if o.group != "good")


def outcome(code: str) -> Outcome:
    return OUTCOMES.get(code) or Outcome(code, "?", code.replace("_", " "), "revisit", "", code.replace("_", " "))


def number(value: float | None, places: int = 2) -> str:
    """The one number format: at most ``places`` decimals, no trailing zeros (``12.5``, ``3``, ``0.67``)."""
    if value is None or value != value:  # None or NaN: undefined
        return "none"
    if isinstance(value, int):
        return str(value)
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(share: float | None) -> str:
    return "none" if share is None or share != share else f"{100 * share:.0f}%"


def answer_text(item: scoring.ItemOutcome) -> str:
    """The answer in the tables' compact form: a label, labels joined by " / ", or ``T2 @ 10-20`` for a passage."""
    if item.span is not None:
        return f"{item.answer} @ {item.span[0]}-{item.span[1]}"
    return item.answer


def short(item: scoring.ItemOutcome) -> str:
    """One sentence on an outcome (the gradebook's feedback column, and the line above the explanation)."""
    if item.outcome == "correct" and item.expected and item.answer != item.expected[0]:
        return f"Accepted; the key prefers {item.expected[0]}."
    return outcome(item.outcome).line.format(answer=item.answer, passage=answer_text(item),
                                             accepted=" or ".join(item.expected))


# --- rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One item's feedback, in words (plain text; :func:`render_html` escapes it)."""

    item: str  # the key item's id, or "extra:START-END"
    outcome: Outcome
    points: str  # "1 of 1", or "" where points come from the whole (span F1)
    where: str  # the item in a few words: a sentence id, a claim, a passage, an article and field
    context: str  # the words the item is about: the sentence, the passage, the claim, the headline
    answer: str  # the student's answer in words ("" when none)
    key: str  # the key's accepted answers in words
    line: str  # one sentence on the outcome (see :func:`short`), shown where it helps
    explanation: str  # the key's explanation (paragraphs separated by blank lines)
    answered: bool
    extra_lines: tuple[tuple[str, str], ...] = ()  # e.g. ("Check-worthy", "you: yes · the key: no")
    note: str = ""  # the student's own note
    more: str = ""  # further explanation, shown folded ("More evidence")

    @property
    def to_review(self) -> bool:
        return self.outcome.code in TO_REVIEW


CONFUSION_KINDS = ("sentence", "span", "verdict", "cell")


@lru_cache(maxsize=1)
def confusions() -> dict[tuple[str, str, str, str], str]:
    """"If you chose X" lines from ``kit/data/confusions.toml``: (kind, chosen, expected, field) -> text.

    ``chosen`` may be "*" (any other choice); ``field`` is "" except for grid cells tied to one field.
    """
    file = "kit/data/confusions.toml"
    data = resources.read_toml("confusions.toml")
    Checker(data, file, None).no_other_fields(("confusion",))
    codes = {"sentence": {c.code for c in taxonomy.claim_types()},
             "span": {t.code for t in taxonomy.techniques()},
             "verdict": {v.code for v in taxonomy.verdicts()}}
    fields = {f.code: {v.code for v in f.values} for f in taxonomy.grid_fields()}
    found: dict[tuple[str, str, str, str], str] = {}
    for raw in data.get("confusion", []):
        c = Checker(raw, file, f"confusion {raw.get('chosen')}->{raw.get('expected')}")
        c.no_other_fields(("kind", "chosen", "expected", "field", "text"))
        kind = c.choice("kind", CONFUSION_KINDS)
        field = c.choice("field", fields, required=False) if kind == "cell" else ""
        allowed = codes.get(kind) or (fields[field] if field else set().union(*fields.values()))
        chosen = c.choice("chosen", sorted(allowed | {"*"}))
        expected = c.choice("expected", sorted(allowed))
        if chosen == expected:
            raise c.fail("chosen", "a confusion needs a choice other than the expected one")
        found[(kind, chosen, expected, field)] = c.text("text")
    return found


def about_choice(kind: str, chosen: str, expected: str, field: str = "") -> str:
    """The "if you chose X" line for a wrong choice, or "" when none is written for it."""
    table = confusions()
    for key in ((kind, chosen, expected, field), (kind, chosen, expected, ""),
                (kind, "*", expected, field), (kind, "*", expected, "")):
        if key in table:
            return table[key]
    return ""


class Feedback:
    """Builds :class:`Row` s for one exercise and key (the texts it needs are loaded once)."""

    def __init__(self, exercise: answers.Exercise, key: answers.Key, document: corpus.Document | None = None):
        self.exercise, self.key = exercise, key
        self.document = document or corpus.load_editorial()
        self.by_id = {a.id: a for a in key.items}
        self.find = exercise.kind == "span" and exercise.task == "find"
        self.names: dict[str, str] = {}
        for group in (taxonomy.claim_types(), taxonomy.techniques(), taxonomy.verdicts()):
            for entry in group:
                self.names[entry.code] = entry.label
        self.names[taxonomy.NO_TECHNIQUE[0]] = taxonomy.NO_TECHNIQUE[1]
        self.fields = {f.code: f for f in taxonomy.grid_fields()} if exercise.kind == "cell" else {}
        self.articles = {a.id: a for a in corpus.load_articles()} if exercise.kind == "cell" else {}
        self.record = {r.id: r for r in corpus.load_record()} if exercise.kind == "verdict" else {}

    def label(self, code: str, answer: answers.Answer | None = None) -> str:
        """A label in words: ``Checkable factual claim (CHECK)``; a grid value by its field's name for it."""
        if self.exercise.kind == "cell" and answer is not None and answer.field in self.fields:
            for value in self.fields[answer.field].values:
                if value.code == code:
                    return value.label
        name = self.names.get(code)
        return f"{name} ({code})" if name else code

    def rows(self, result: scoring.Result, tags: Sequence[dict] = ()) -> list[Row]:
        """One row per item outcome of ``result``, in its order; ``tags`` give the notes and flags."""
        student = _Student(tags)
        return [self.row(item, student) for item in result.items]

    def row(self, item: scoring.ItemOutcome, student: "_Student") -> Row:
        ex, a = self.exercise, self.by_id.get(item.item)
        kind = ex.kind
        more = ""
        answered = item.outcome not in ("missing", "missed")
        per_item_points = not self.find
        points = f"{number(item.score)} of {number(item.max)}" if per_item_points else ""
        extra: list[tuple[str, str]] = []
        answer = " / ".join(self.label(code, a) for code in item.answer.split(" / ")) if item.answer else ""
        key = " or ".join(self.label(code, a) for code in item.expected)
        explanation = item.feedback
        note = ""
        if kind == "sentence":
            where = item.item
            context = self.document.unit(item.item).text
            tag = student.tag("sentence", item.item)
            if tag is not None and item.answer:
                extra.append(("Check-worthy", f"you: {'yes' if tag.get('checkworthy') else 'no'} · the key: "
                                              f"{'yes' if a is not None and a.checkworthy else 'no'}"))
            note = (tag or {}).get("note", "")
        elif kind == "span":
            if item.outcome == "extra":
                unit = self.document.unit_at(item.span[0])
                where = f"a passage in {unit.id}" if unit else "a passage"
                context = self.document.text[item.span[0]:item.span[1]]
            else:
                unit = self.document.unit_at(a.start)
                where = f"{item.item}, in {unit.id}" if unit else item.item
                context = a.quote
            if item.span is not None:
                words = self.document.text[item.span[0]:item.span[1]]
                answer = f"{self.label(item.answer)}: “{words}” (characters {item.span[0]}-{item.span[1]})"
            note = student.span_notes(item, a, self.find)
        elif kind == "verdict":
            where = item.item
            context = a.claim if a else ""
            tag = student.tag("verdict", item.item)
            if tag is not None:
                cited = [e for e in tag.get("evidence") or () if isinstance(e, str)]
                extra.append(("You cited", ", ".join(cited) if cited else "nothing"))
                outside = [u for u in tag.get("outside") or () if isinstance(u, str)]
                if outside:
                    extra.append(("Outside sources you checked", " · ".join(outside)))
                note = tag.get("note", "")
            if a is not None:
                explanation += "\n\nRecord items the verdict rests on: " + ", ".join(a.record)
                more = a.more
        else:
            article = self.articles.get(a.item) if a else None
            field_ = self.fields.get(a.field) if a else None
            where = (f"{article.outlet}, {article.date.day} {article.date:%b %Y}" if article else item.item) + \
                (f" · {field_.label}" if field_ else "")
            context = (f"“{article.headline}”" if article and article.headline else "") + \
                (f" {field_.question}" if field_ else "")
            tag = student.tag("cell", a.item, a.field) if a else None
            note = (tag or {}).get("note", "")
        if item.outcome in ("wrong", "wrong_label") and item.answer and item.expected:
            about = about_choice(kind, item.answer, item.expected[0], a.field if kind == "cell" and a else "")
            if about:
                extra.append(("About your choice", about))
        return Row(item.item, outcome(item.outcome), points, where, context.strip(), answer, key, short(item),
                   explanation, answered, tuple(extra), note or "", more)


class _Student:
    """One student's tags, looked up by what they tag (the later of two tags with one identity wins)."""

    def __init__(self, tags: Iterable[dict]):
        self.by_identity: dict[tuple, dict] = {}
        self.noted_spans: list[dict] = []
        for t in tags:
            if not isinstance(t, dict):
                continue
            kind = t.get("kind")
            identity = (kind, t.get("unit")) if kind == "sentence" else (kind, t.get("claim")) if kind == "verdict" \
                else (kind, t.get("item"), t.get("field")) if kind == "cell" else None
            if identity is not None:
                self.by_identity[identity] = t
            elif kind == "span" and t.get("note") and isinstance(t.get("start"), int) and isinstance(t.get("end"), int):
                self.noted_spans.append(t)

    def tag(self, kind: str, *identity: str) -> dict | None:
        return self.by_identity.get((kind, *identity))

    def span_notes(self, item: scoring.ItemOutcome, answer, find: bool) -> str:
        """The notes of the student's spans at this item: inside their passage (find mode), or exactly on
        the key's passage (name mode); joined, each once."""
        if find:
            if item.span is None:
                return ""
            notes = [t["note"] for t in self.noted_spans if item.span[0] <= t["start"] and t["end"] <= item.span[1]]
        elif answer is not None:
            notes = [t["note"] for t in self.noted_spans if (t["start"], t["end"]) == (answer.start, answer.end)]
        else:
            notes = []
        return " / ".join(dict.fromkeys(notes))


# --- rendering ------------------------------------------------------------------------------------

def _E(text: str) -> str:  # element content: & < > escaped (attribute values go through _A)
    return html.escape(text, quote=False)


def _A(text: str) -> str:
    return html.escape(text, quote=True)


def _paragraphs(text: str, cls: str = "why") -> str:
    return "".join(f"<p class='{cls}'>{_E(p)}</p>" for p in text.split("\n\n") if p.strip())


def render_html(rows: Sequence[Row], *, only_to_review: bool = False, reveal_unanswered: bool = True,
                heading_level: int = 2) -> str:
    """The rows as escaped HTML, grouped: to revisit, extra tags, what you got right.

    ``reveal_unanswered=False`` (the self-check) lists unanswered items in one line without their
    explanation, so that a student answers before reading the key's reasoning.
    """
    groups: dict[str, list[Row]] = {g: [] for g in GROUPS}
    unanswered = []
    for r in rows:
        if not r.answered and not reveal_unanswered:
            unanswered.append(r)
        elif r.to_review or not only_to_review:
            groups[r.outcome.group].append(r)
    h, hi = f"h{heading_level}", f"h{heading_level + 1}"
    out = []
    for group in GROUPS:
        found = groups[group]
        if group == "good" and only_to_review:
            continue
        if group == "extra" and not found:
            continue
        out.append(f"<{h}>{GROUP_HEADINGS[group]} ({len(found)})</{h}>\n")
        if group == "extra":
            out.append("<p>These passages carry no technique in the key. When in doubt, do not tag.</p>\n")
        if not found:
            out.append("<p>Nothing: every item you answered agrees with the key.</p>\n" if group == "revisit"
                       else "<p>Nothing yet: start with the items above.</p>\n")
        out.extend(_section(r, hi) for r in found)
    if unanswered:
        names = "; ".join(r.where for r in unanswered)
        what = "Not found yet" if unanswered[0].outcome.code == "missed" else "Not answered yet"
        out.append(f"<p class='kit-unanswered'><span aria-hidden='true'>· </span>{what} ({len(unanswered)}): "
                   f"{_E(names)}. Their explanations open once you have answered them.</p>\n")
    return "".join(out)


def _section(r: Row, h: str) -> str:
    o = r.outcome
    parts = [f'<section class="item {o.group}" data-item="{_A(r.item)}" data-outcome="{_A(o.code)}">'
             f'<{h}><span class="badge"><span aria-hidden="true">{o.symbol} </span>{_E(o.name)}</span>'
             f"{_E(r.where)}"]
    if r.points:
        parts.append(f" <span class='meta'>· {_E(r.points)} point{'' if r.points.endswith(' of 1') else 's'}</span>")
    parts.append(f"</{h}>")
    if o.code in ("too_wide", "too_narrow", "partly_found", "wrong_label", "extra"):
        parts.append(f"<p>{_E(r.line)}</p>")
    if r.context:
        parts.append(f"<blockquote>{_E(r.context)}</blockquote>")
    parts.append(f"<dl><dt>Your answer</dt><dd>{_E(r.answer) if r.answer else '<em>no answer</em>'}</dd>")
    for name, value in r.extra_lines:
        parts.append(f"<dt>{_E(name)}</dt><dd>{_E(value)}</dd>")
    if r.key:
        parts.append(f"<dt>The key</dt><dd>{_E(r.key)}</dd>")
    if r.note:
        parts.append(f"<dt>Your note</dt><dd>{_E(r.note)}</dd>")
    parts.append("</dl>")
    if r.explanation:
        why = _paragraphs(r.explanation)
        parts.append(f"<details><summary>Why</summary>{why}</details>" if o.group == "good" else why)
    if r.more:
        parts.append(f"<details><summary>More evidence</summary>{_paragraphs(r.more)}</details>")
    parts.append("</section>\n")
    return "".join(parts)


def render_text(rows: Sequence[Row], *, only_to_review: bool = False) -> str:
    """The rows as plain text, one item per line and its explanation under it."""
    lines = []
    for r in rows:
        if only_to_review and not r.to_review:
            continue
        points = f" [{r.points}]" if r.points else ""
        lines.append(f"{r.outcome.symbol} {r.where}: {r.answer or 'no answer'} -> {r.outcome.name}{points}")
        text = " ".join(r.explanation.split()) if r.answered else ""
        if text:
            lines.append(f"    {text if len(text) <= 300 else text[:299] + '…'}")
    return "\n".join(lines)


# --- figures --------------------------------------------------------------------------------------


def metric_rows(exercise: answers.Exercise, result: scoring.Result) -> list[tuple[str, str]]:
    """The figures of a result, named in words: (name, value) pairs."""
    m = result.metrics
    kind = (exercise.kind, exercise.task)
    if kind == ("sentence", "label"):
        return [("Accuracy", percent(m.get("accuracy"))), ("Macro-F1", number(m.get("macro_f1"))),
                ("Cohen's kappa", number(m.get("kappa"))), ("Check-worthy F1", number(m.get("checkworthy_f1"))),
                ("Answered", f"{m.get('answered')} of {m.get('n_items')}")]
    if kind == ("span", "find"):
        lm, lb = m.get("label_matched", {}), m.get("label_blind", {})
        return [("Found and named (label-matched F1)",
                 f"{number(lm.get('f1'))} (precision {number(lm.get('precision'))}, "
                 f"recall {number(lm.get('recall'))})"),
                ("Found, any name (label-blind F1)",
                 f"{number(lb.get('f1'))} (precision {number(lb.get('precision'))}, "
                 f"recall {number(lb.get('recall'))})"),
                ("Your spans / the key's", f"{m.get('n_student_spans')} / {m.get('n_key_spans')}")]
    if exercise.kind == "verdict":
        return [("Verdicts accepted", percent(m.get("accuracy"))),
                ("Evidence (mean F1 of cited record items)", number(m.get("evidence_f1_mean"))),
                ("Answered", f"{m.get('answered')} of {m.get('n_items')}")]
    rows = [("Accuracy", percent(m.get("accuracy"))), ("Answered", f"{m.get('answered')} of {m.get('n_items')}")]
    for code, share in (m.get("per_field") or {}).items():
        rows.append((f"Accuracy, {taxonomy.grid_field(code).label}", percent(share)))
    return rows


def metric_note(exercise: answers.Exercise) -> str:
    """What the figures mean, where they need it."""
    if exercise.kind == "sentence":
        return scoring.KAPPA_NOTE
    if exercise.kind == "span" and exercise.task == "find":
        return ("The score is the label-matched F1 times the points. Precision: how much of what you tagged the key "
                "also tags. Recall: how much of what the key tags you found. A label-blind score well above the "
                "label-matched one means a good eye for manipulative passages: revise the definitions of the "
                "techniques.")
    if exercise.kind == "verdict":
        share = exercise.evidence_share
        return (f"Each claim's points: {100 - 100 * share:.0f}% for an accepted verdict, {100 * share:.0f}% for "
                "citing the record items the verdict rests on.")
    if exercise.kind == "span":
        return "A passage given two different names counts as wrong."
    return ""


def summary(exercise: answers.Exercise, result: scoring.Result) -> str:
    """The score in one line, with what was answered."""
    head = f"Score: {number(result.score)} of {number(result.max)} ({percent(result.fraction)})."
    items = result.items
    if exercise.kind == "span" and exercise.task == "find":
        m = result.metrics
        found = ", ".join(f"{m['outcomes'][o]} {OUTCOMES[o].name.lower()}" for o in scoring.SPAN_OUTCOMES)
        return f"{head} You tagged {m['n_student_spans']} passage(s); the key has {m['n_key_spans']}. {found}."
    noun = {"sentence": "sentences", "span": "highlighted passages", "verdict": "claims", "cell": "cells"}[
        exercise.kind]
    answered = sum(i.outcome != "missing" for i in items)
    right = sum(i.outcome == "correct" for i in items)
    wrong = sum(i.outcome == "wrong" for i in items)
    return (f"{head} {answered} of {len(items)} {noun} answered: {right} "
            f"match{'es' if right == 1 else ''} the reference, {wrong} do{'es' if wrong == 1 else ''} not.")
