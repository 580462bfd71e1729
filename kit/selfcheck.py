"""The self-check: a student's current tags scored against the practice key, as feedback to read.

The lessons show it with :class:`kit.widgets.SelfCheck`; this module holds everything
that is not a widget, so it can be tested (and used from a script) on its own:

* :func:`check` scores tags with :func:`kit.scoring.score`, the very function
  ``kit grade`` uses, so the self-check and the teacher's grade cannot disagree;
* :func:`feedback_rows` turns the item outcomes into rows a student can read:
  their answer, the outcome in words (and a symbol, never a colour alone), the
  points and the key's explanation. The explanation is shown only for items the
  student has answered; an unanswered item says so and gives a hint of where to look;
* :func:`render_html` and :func:`render_reference_html` give escaped HTML for the
  widget; :func:`render_text` the same feedback as plain text.

With ``KIT_MODE=assessment`` in the environment the self-check is off everywhere
(:func:`check` refuses, the widget says so). Graded exercises never get a
self-check: their keys are the teacher's.

Browser-safe: no pandas, numpy or plotly.

>>> c = check("claims-practice", [{"kind": "sentence", "unit": "p05.s1", "label": "CHECK"}])
>>> c.summary
'Score: 1 of 47 (2%). 1 of 47 sentences answered: 1 matches the reference, 0 do not.'
>>> [r.outcome for r in feedback_rows(c) if r.answered]
['correct']
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from typing import Iterable

from . import answers, corpus, scoring, taxonomy
from .errors import KitError

MODE_ENV = "KIT_MODE"
OFF_MESSAGE = ("Self-check is off for assessed work (KIT_MODE=assessment). Your answers are still saved as you "
               "make them; export them and hand the file in as your teacher asks.")
GRADED_MESSAGE = ("{id!r} is a graded worksheet, so it has no self-check: its reference answers are your "
                  "teacher's. Export your answers and hand the file in.")

# Outcome -> (symbol, words). The words always appear: colour is never the only signal.
OUTCOMES = {
    "correct": ("✓", "matches the reference"),
    "wrong": ("✗", "differs from the reference"),
    "missing": ("·", "not answered yet"),
    "matched": ("✓", "matched"),
    "too_wide": ("≈", "too wide"),
    "too_narrow": ("≈", "too narrow"),
    "partly_found": ("≈", "partly found"),
    "wrong_label": ("✗", "wrong label"),
    "missed": ("·", "missed"),
    "extra": ("✗", "extra (the key tags nothing here)"),
}
#: Outcomes that call for another look (the "only what to look at again" filter).
TO_REVIEW = frozenset({"wrong", "missing", "too_wide", "too_narrow", "partly_found", "wrong_label", "missed",
                       "extra"})
OUTCOME_HELP = {
    "matched": "your passage and the key's overlap by at least half of each",
    "too_wide": "you found it, but more than half of your passage lies outside the key's: trim it",
    "too_narrow": "you found it, but your passage covers less than half of the key's: widen it",
    "partly_found": "your passage overlaps the key's, but by less than half of either",
    "wrong_label": "you found the passage, but gave it a technique the key does not accept",
    "missed": "you did not tag anything here",
    "extra": "the key tags nothing here",
}
_SPAN_ANSWER = re.compile(r"^(\S+) @ (\d+)-(\d+)$")


def assessment_mode() -> bool:
    """True when ``KIT_MODE=assessment``: self-check is hidden everywhere."""
    return os.environ.get(MODE_ENV, "").strip().lower() == "assessment"


@dataclass(frozen=True)
class Check:
    """A scored self-check: the exercise, the key, the :class:`kit.scoring.Result` and a one-line summary."""

    exercise: answers.Exercise
    key: answers.Key
    result: scoring.Result
    tags: tuple[dict, ...]
    summary: str
    details: tuple[str, ...]

    @property
    def score(self) -> float:
        return self.result.score

    @property
    def max(self) -> float:
        return self.result.max


@dataclass(frozen=True)
class Row:
    """One line of feedback."""

    item: str  # the key item's id (or "extra:START-END")
    where: str  # what the item is, in words: a sentence, a claim, a passage, a cell
    answer: str  # the student's answer in words ("" when not answered)
    outcome: str
    symbol: str
    outcome_words: str
    points: str  # "1 of 1"
    explanation: str  # the key's explanation, or a hint when not answered
    answered: bool

    @property
    def to_review(self) -> bool:
        return self.outcome in TO_REVIEW


def fmt(value: float) -> str:
    """A score for people: at most two decimals, no trailing zeros (``12.5``, ``3``, ``0.67``)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def check(exercise_id: str, tags: Iterable[dict], *, key: answers.Key | None = None) -> Check:
    """Score ``tags`` for a practice exercise against its key (``KIT_MODE=assessment`` refuses)."""
    if assessment_mode():
        raise KitError(OFF_MESSAGE)
    ex = answers.exercise(exercise_id)
    if ex.mode != "practice":
        raise KitError(GRADED_MESSAGE.format(id=ex.id))
    key = key or answers.load_key(ex.id)
    tags = tuple(tags)
    result = scoring.score(ex, key, tags)
    return Check(ex, key, result, tags, _summary(ex, result), _details(ex, result))


def _pct(result: scoring.Result) -> str:
    return f"{result.fraction * 100:.0f}%"


def _summary(ex: answers.Exercise, result: scoring.Result) -> str:
    head = f"Score: {fmt(result.score)} of {fmt(result.max)} ({_pct(result)})."
    items = result.items
    if ex.kind == "span" and ex.task == "find":
        m = result.metrics
        outcomes = m["outcomes"]
        found = ", ".join(f"{outcomes[o]} {OUTCOMES[o][1]}" for o in scoring.SPAN_OUTCOMES)
        return (f"{head} You tagged {m['n_student_spans']} passage(s); the key has {m['n_key_spans']}. "
                f"{found}.")
    noun = {"sentence": "sentences", "span": "highlighted passages", "verdict": "claims", "cell": "cells"}[ex.kind]
    answered = sum(i.outcome != "missing" for i in items)
    right = sum(i.outcome == "correct" for i in items)
    wrong = sum(i.outcome == "wrong" for i in items)
    return (f"{head} {answered} of {len(items)} {noun} answered: {right} "
            f"match{'es' if right == 1 else ''} the reference, {wrong} do{'es' if wrong == 1 else ''} not.")


def _share(value) -> str:
    return "none" if value is None else f"{value:.2f}"


def _details(ex: answers.Exercise, result: scoring.Result) -> tuple[str, ...]:
    m = result.metrics
    if ex.kind == "sentence":
        return (f"Accuracy {_share(m['accuracy'])} · macro-F1 {_share(m['macro_f1'])} · Cohen's kappa "
                f"{_share(m['kappa'])} · check-worthy flags F1 {_share(m['checkworthy_f1'])} (on the sentences "
                "you answered; not part of the score).", m["kappa_note"])
    if ex.kind == "span" and ex.task == "find":
        lm, lb = m["label_matched"], m["label_blind"]
        return (f"With the technique names: precision {lm['precision']:.2f}, recall {lm['recall']:.2f}, "
                f"F1 {lm['f1']:.2f} (the score is this F1 x {fmt(ex.points)}).",
                f"Passages only, ignoring the names: precision {lb['precision']:.2f}, recall {lb['recall']:.2f}, "
                f"F1 {lb['f1']:.2f}.",
                "Precision: how much of what you tagged the key also tags. Recall: how much of what the key tags "
                "you found. Tagging a plain sentence costs precision; the key leaves some sentences untagged on "
                "purpose.")
    if ex.kind == "span":
        return (f"Accuracy {_share(m['accuracy'])}: a passage given two different names counts as wrong.",)
    if ex.kind == "verdict":
        return (f"Verdict accuracy {_share(m['accuracy'])} · evidence F1 (mean over all claims) "
                f"{_share(m['evidence_f1_mean'])}. Each claim is worth {fmt(result.max / max(len(result.items), 1))}"
                f" point(s): {100 - ex.evidence_share * 100:.0f}% for an accepted verdict, "
                f"{ex.evidence_share * 100:.0f}% for citing the record items the verdict rests on.",)
    per_field = " · ".join(f"{taxonomy.grid_field(f).label}: {v:.2f}" for f, v in m["per_field"].items())
    return (f"Accuracy {_share(m['accuracy'])}. By field: {per_field}.",)


# --- rows -----------------------------------------------------------------------------------------


def _label_words(code: str, ex: answers.Exercise, grid_field: str = "") -> str:
    if not code:
        return ""
    if ex.kind == "cell" and grid_field:
        for value in taxonomy.grid_field(grid_field).values:
            if value.code == code:
                return value.label
        return code
    try:
        return f"{code} {taxonomy.label_of(code)}" if ex.kind == "span" else taxonomy.label_of(code)
    except KitError:
        return code


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _articles() -> dict[str, corpus.Article]:
    return {a.id: a for a in corpus.load_articles()}


def article_name(article: corpus.Article) -> str:
    """``TASS, 10 Jan 2022``."""
    return f"{article.outlet}, {article.date.day} {article.date:%b %Y}"


def feedback_rows(c: Check) -> list[Row]:
    """One row per key item (and per extra span), in key order."""
    ex, key, doc = c.exercise, c.key, corpus.load_editorial()
    answers_by_id = {a.id: a for a in key.items}
    tags = c.tags
    verdict_tags = {t.get("claim"): t for t in tags if isinstance(t, dict) and t.get("kind") == "verdict"}
    sentence_tags = {t.get("unit"): t for t in tags if isinstance(t, dict) and t.get("kind") == "sentence"}
    articles = _articles() if ex.kind == "cell" else {}
    rows = []
    for item in c.result.items:
        symbol, words = OUTCOMES.get(item.outcome, ("?", item.outcome))
        answered = item.outcome not in ("missing", "missed")
        answer_words = ""
        where = item.item
        hint = ""
        ref = answers_by_id.get(item.item)
        if ex.kind == "sentence":
            unit = doc.unit(item.item)
            where = f"{item.item}: “{_short(unit.text)}”"
            answer_words = _label_words(item.answer, ex)
            tag = sentence_tags.get(item.item)
            if tag and tag.get("checkworthy"):
                answer_words += " (flagged check-worthy)"
            hint = "Not answered yet: ask the six questions in order and stop at the first yes."
        elif ex.kind == "span":
            if item.outcome == "extra":
                m = _SPAN_ANSWER.match(item.answer)
                start, end = (int(m.group(2)), int(m.group(3))) if m else (0, 0)
                unit = doc.unit_at(start)
                where = f"your passage in {unit.id if unit else 'the text'}"
            else:
                unit = doc.unit_at(ref.start)
                where = (f"{item.item} in {unit.id if unit else 'the text'}" if not answered
                         else f"{item.item}: “{_short(ref.quote, 70)}”")
            if item.answer:
                parts = []
                for piece in item.answer.split(" / "):
                    m = _SPAN_ANSWER.match(piece)
                    if m:
                        quote = _short(doc.text[int(m.group(2)):int(m.group(3))], 60)
                        parts.append(f"“{quote}” as {_label_words(m.group(1), ex)}")
                    else:
                        parts.append(_label_words(piece, ex))
                answer_words = "; ".join(parts)
            if item.outcome in OUTCOME_HELP:
                words = f"{words}: {OUTCOME_HELP[item.outcome]}"
            hint = (f"The key tags a passage in {where.split(' in ')[-1]} that you have not tagged yet. "
                    "Read that sentence again before you open the reference."
                    if ex.task == "find" else "Not answered yet: name this highlighted passage.")
        elif ex.kind == "verdict":
            where = f"{item.item}: {_short(ref.claim)}" if ref else item.item
            answer_words = _label_words(item.answer, ex)
            tag = verdict_tags.get(item.item)
            if tag and tag.get("evidence"):
                answer_words += f"; cited {len(tag['evidence'])} record item(s)"
            hint = "Not answered yet: choose a verdict and cite the record items it rests on."
        elif ex.kind == "cell":
            article_id, _, grid_field = item.item.partition(":")
            article = articles.get(article_id)
            field_label = taxonomy.grid_field(grid_field).label
            where = f"{article_name(article) if article else article_id} · {field_label}"
            answer_words = _label_words(item.answer, ex, grid_field)
            hint = "Not answered yet."
        explanation = item.feedback if answered else hint
        if ex.kind == "span" and ex.task == "find":
            points = ""  # span points come from the pooled F1, not per item
        else:
            points = f"{fmt(item.score)} of {fmt(item.max)}"
        rows.append(Row(item.item, where, answer_words, item.outcome, symbol, words, points, explanation,
                        answered))
    return rows


# --- rendering ------------------------------------------------------------------------------------

_E = html.escape


def _para(text: str) -> str:
    return "".join(f"<p>{_E(p)}</p>" for p in text.split("\n\n") if p.strip())


def render_html(c: Check, *, only_to_review: bool = False) -> str:
    """The per-item feedback as an escaped HTML table (with a caption for screen readers).

    Items not answered yet are listed in one line under the table rather than row by row.
    """
    all_rows = feedback_rows(c)
    unanswered = [r for r in all_rows if r.outcome == "missing"]
    rows = [r for r in all_rows if r.outcome != "missing" and (r.to_review or not only_to_review)]
    rest = ""
    if unanswered:
        names = ", ".join(r.item for r in unanswered)
        rest = (f"<p><span aria-hidden='true'>· </span>Not answered yet ({len(unanswered)}): {_E(names)}. "
                f"{_E(unanswered[0].explanation)}</p>")
    if not rows:
        if unanswered:
            return rest
        return "<p>Nothing to look at again: every item matches the reference.</p>"
    with_points = any(r.points for r in rows)
    head = ("<tr><th scope='col'>Item</th><th scope='col'>Your answer</th><th scope='col'>Outcome</th>"
            + ("<th scope='col'>Points</th>" if with_points else "") + "<th scope='col'>Explanation</th></tr>")
    body = []
    for r in rows:
        body.append(
            f"<tr class='kit-outcome-{_E(r.outcome)}'><th scope='row'>{_E(r.where)}</th>"
            f"<td>{_E(r.answer) if r.answer else '<em>none</em>'}</td>"
            f"<td><span aria-hidden='true'>{_E(r.symbol)} </span>{_E(r.outcome_words)}</td>"
            + (f"<td>{_E(r.points)}</td>" if with_points else "")
            + f"<td>{_para(r.explanation)}</td></tr>")
    caption = "Feedback on the items to look at again" if only_to_review else "Feedback on your answers"
    return (f"<table class='kit-feedback'><caption>{caption}</caption><thead>{head}</thead>"
            f"<tbody>{''.join(body)}</tbody></table>{rest}")


def render_text(c: Check, *, only_to_review: bool = False) -> str:
    """The summary and the per-item feedback as plain text."""
    lines = [c.summary, *c.details, ""]
    for r in feedback_rows(c):
        if only_to_review and not r.to_review:
            continue
        points = f" [{r.points}]" if r.points else ""
        lines.append(f"{r.symbol} {r.where}: {r.answer or 'none'} -> {r.outcome_words}{points}")
        if r.explanation:
            lines.append(f"    {_short(r.explanation, 300)}")
    return "\n".join(lines)


def _record_names() -> dict[str, corpus.RecordItem]:
    return {r.id: r for r in corpus.load_record()}


def date_label(item: corpus.RecordItem) -> str:
    """A record item's date in words, with its precision: ``5 Jan 2022``, ``Apr 2019``, ``c. 2014``."""
    start, end = item.date_start, item.date_end
    if item.precision == "month":
        return f"{start:%b %Y}"
    if item.precision == "approximate":
        if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
            return f"c. {start.year}" if start.year == end.year else f"c. {start.year}-{end.year}"
        return "c. " + _day_range(start, end)
    return _day_range(start, end)


def _day_range(start, end) -> str:
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}-{end.day} {start:%b %Y}"
    return f"{start.day} {start:%b %Y} - {end.day} {end:%b %Y}"


def _link(url: str) -> str:
    return f"<a href='{_E(url, quote=True)}' target='_blank' rel='noopener noreferrer'>{_E(url)}</a>"


def render_reference_html(exercise_id: str, key: answers.Key | None = None) -> str:
    """Every reference answer with its explanation (the "show the reference" view)."""
    ex = answers.exercise(exercise_id)
    key = key or answers.load_key(ex.id)
    doc = corpus.load_editorial()
    out = ["<p>The reference answers of the practice key, preferred answer first. Where a second answer is "
           "accepted, the explanation says why. They are a reasoned reading, not the last word: if you "
           "disagree, write down why in a note.</p>"]
    if ex.kind == "sentence":
        rows = []
        for a in key.items:
            labels = " or ".join(taxonomy.label_of(x) for x in a.labels)
            flag = "yes" if a.checkworthy else "no"
            rows.append(f"<tr><th scope='row'>{_E(a.unit)}: “{_E(doc.unit(a.unit).text)}”</th><td>{_E(labels)}</td>"
                        f"<td>{flag}</td><td>{_para(a.why)}</td></tr>")
        out.append("<table class='kit-reference'><caption>Reference claim types</caption><thead><tr>"
                   "<th scope='col'>Sentence</th><th scope='col'>Claim type</th><th scope='col'>Check-worthy</th>"
                   f"<th scope='col'>Why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    elif ex.kind == "span":
        rows = []
        for a in key.items:
            labels = " or ".join(f"{x} {taxonomy.label_of(x)}" for x in a.labels)
            unit = doc.unit_at(a.start)
            rows.append(f"<tr><th scope='row'>{_E(a.id)} ({_E(unit.id if unit else '')}): “{_E(a.quote)}”</th>"
                        f"<td>{_E(labels)}</td><td>{_para(a.why)}</td></tr>")
        out.append("<table class='kit-reference'><caption>Reference passages</caption><thead><tr>"
                   "<th scope='col'>Passage</th><th scope='col'>Technique</th><th scope='col'>Why</th></tr></thead>"
                   f"<tbody>{''.join(rows)}</tbody></table>")
        if key.controls and ex.task == "find":
            controls = "".join(f"<li><strong>{_E(c.unit)}</strong>: “{_E(doc.unit(c.unit).text)}” {_E(c.why)}</li>"
                               for c in key.controls)
            out.append(f"<p>Sentences the key leaves untagged on purpose (tagging them costs precision):</p>"
                       f"<ul>{controls}</ul>")
    elif ex.kind == "verdict":
        record = _record_names()
        rows = []
        for a in key.items:
            labels = " or ".join(taxonomy.label_of(x) for x in a.labels)
            cited = "".join(f"<li>{_E(date_label(record[r]))}: {_E(_short(record[r].event, 160))} "
                            f"<code>{_E(r)}</code></li>" for r in a.record)
            sources = " · ".join(_link(u) for u in a.sources)
            caveat = f"<p><em>Caveat:</em> {_E(a.caveat)}</p>" if a.caveat else ""
            rows.append(f"<tr><th scope='row'>{_E(a.id)}: {_E(a.claim)} <small>({_E(', '.join(a.units))})</small></th>"
                        f"<td>{_E(labels)}</td><td>{_para(a.evidence)}{caveat}<ul>{cited}</ul>"
                        f"<p>Sources: {sources}</p></td></tr>")
        out.append("<table class='kit-reference'><caption>Reference verdicts</caption><thead><tr>"
                   "<th scope='col'>Claim</th><th scope='col'>Verdict</th><th scope='col'>Evidence</th></tr></thead>"
                   f"<tbody>{''.join(rows)}</tbody></table>")
    else:
        articles = _articles()
        rows = []
        for a in key.items:
            article = articles[a.item]
            grid = taxonomy.grid_field(a.field)
            labels = " or ".join(_label_words(x, ex, a.field) for x in a.labels)
            rows.append(f"<tr><th scope='row'>{_E(article_name(article))} · {_E(grid.label)}</th>"
                        f"<td>{_E(labels)}</td><td>{_para(a.why)}</td></tr>")
        out.append("<table class='kit-reference'><caption>Reference grid</caption><thead><tr>"
                   "<th scope='col'>Article and field</th><th scope='col'>Value</th><th scope='col'>Why</th></tr>"
                   f"</thead><tbody>{''.join(rows)}</tbody></table>")
    return "".join(out)
