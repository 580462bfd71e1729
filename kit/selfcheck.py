"""The self-check: a student's current tags scored against the practice key, as feedback to read.

The lessons show it with :class:`kit.widgets.SelfCheck`; this module holds everything
that is not a widget, so it can be tested (and used from a script) on its own:

* :func:`check` scores tags with :func:`kit.scoring.score`, the very scorer
  ``kit grade`` uses, so the self-check and the teacher's grade cannot disagree;
* :func:`render_html` and :func:`render_text` show the item outcomes in the words and
  the layout of :mod:`kit.feedback`, the same as the pages a teacher returns. An item
  not answered yet is listed without the key's explanation (answer first, then read why);
* :func:`render_reference_html` gives every reference answer, for "Show the reference".

With ``KIT_MODE=assessment`` in the environment the self-check is off everywhere
(:func:`check` refuses, the widget says so). Graded exercises never get a
self-check: their keys are the teacher's.

Browser-safe: no pandas, numpy or plotly.

>>> c = check("claims-practice", [{"kind": "sentence", "unit": "p05.s1", "label": "CHECK"}])
>>> c.summary
'Score: 1 of 47 (2%). 1 of 47 sentences answered: 1 matches the reference, 0 do not.'
>>> [r.outcome.code for r in feedback_rows(c) if r.answered]
['correct']
"""

from __future__ import annotations

import html
import os
import dataclasses
from dataclasses import dataclass
from typing import Collection, Iterable

from . import answers, corpus, feedback, scoring, taxonomy
from .errors import KitError

MODE_ENV = "KIT_MODE"
OFF_MESSAGE = ("Self-check is off for assessed work (KIT_MODE=assessment). Your answers are still saved as you "
               "make them; export them and hand the file in as your teacher asks.")
GRADED_MESSAGE = ("{id!r} is a graded worksheet, so it has no self-check: its reference answers are your "
                  "teacher's. Export your answers and hand the file in.")

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
    document: corpus.Document | None = None  # the text tagged (None: the editorial)

    @property
    def score(self) -> float:
        return self.result.score

    @property
    def max(self) -> float:
        return self.result.max


def check(exercise_id: str, tags: Iterable[dict], *, key: answers.Key | None = None, case=None) -> Check:
    """Score ``tags`` for a practice exercise (of ``case``, else the kit's own) against its key
    (``KIT_MODE=assessment`` refuses)."""
    if assessment_mode():
        raise KitError(OFF_MESSAGE)
    ex = case.exercise(exercise_id) if case is not None else answers.exercise(exercise_id)
    if ex.mode != "practice":
        raise KitError(GRADED_MESSAGE.format(id=ex.id))
    key = key or (case.key(ex.id) if case is not None else answers.load_key(ex.id))
    tags = tuple(tags)
    result = scoring.score(ex, key, tags)
    figures = " · ".join(f"{name} {value}" for name, value in feedback.metric_rows(ex, result))
    details = tuple(d for d in (figures + ".", feedback.metric_note(ex)) if d)
    return Check(ex, key, result, tags, feedback.summary(ex, result), details,
                 case.document if case is not None else None)


def feedback_rows(c: Check) -> list[feedback.Row]:
    """One row per key item (and per extra span), in key order: the words of :mod:`kit.feedback`."""
    return feedback.Feedback(c.exercise, c.key, c.document).rows(c.result, c.tags)


def render_html(c: Check, *, only_to_review: bool = False) -> str:
    """The per-item feedback as escaped HTML, as the returned pages show it; unanswered items are listed
    in one line without the key's reasoning (answer first, then read why)."""
    rows = feedback_rows(c)
    if only_to_review and not any(r.to_review for r in rows):
        return "<p>Nothing to look at again: every item matches the reference.</p>"
    return feedback.render_html(rows, only_to_review=only_to_review, reveal_unanswered=False, heading_level=4)


def render_text(c: Check, *, only_to_review: bool = False) -> str:
    """The summary and the per-item feedback as plain text."""
    return "\n".join([c.summary, *c.details, "", feedback.render_text(feedback_rows(c), only_to_review=only_to_review)])


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _articles() -> dict[str, corpus.Article]:
    return {a.id: a for a in corpus.load_articles()}


def article_name(article: corpus.Article) -> str:
    """``TASS, 10 Jan 2022``."""
    return f"{article.outlet}, {article.date.day} {article.date:%b %Y}"


def _label_words(code: str, ex: answers.Exercise, grid_field: str = "") -> str:
    if ex.kind == "cell" and grid_field:
        for value in taxonomy.grid_field(grid_field).values:
            if value.code == code:
                return value.label
    return code


_E = html.escape


def _para(text: str) -> str:
    return "".join(f"<p>{_E(p)}</p>" for p in text.split("\n\n") if p.strip())


def _more(text: str) -> str:
    return f"<details><summary>More evidence</summary>{_para(text)}</details>" if text else ""


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


def render_reference_html(exercise_id: str, key: answers.Key | None = None, *,
                          opened: Collection[str] | None = None, case=None) -> str:
    """The reference answers with their explanations (the "show the reference" view).

    ``opened`` holds the ids of the items whose answers may show (try before reveal: the items the student
    has answered); the others are named in one line. ``None`` shows every item.
    """
    ex = case.exercise(exercise_id) if case is not None else answers.exercise(exercise_id)
    key = key or (case.key(ex.id) if case is not None else answers.load_key(ex.id))
    held_back = [] if opened is None else [a.id for a in key.items if a.id not in opened]
    if held_back:
        key = dataclasses.replace(key, items=tuple(a for a in key.items if a.id in opened), controls=())
    note = (f"<p class='kit-unanswered'>Held back until you have answered them ({len(held_back)}): "
            f"{_E(', '.join(held_back))}. Try each one first: you learn more from your own answer.</p>")
    if held_back and not key.items:
        return note
    doc = case.document if case is not None else corpus.load_editorial()
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
                        f"<td>{_E(labels)}</td><td>{_para(a.evidence)}{_more(a.more)}{caveat}<ul>{cited}</ul>"
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
    return "".join(out) + (note if held_back else "")
