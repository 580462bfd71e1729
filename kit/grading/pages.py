"""Feedback pages: one self-contained HTML page per student, and an index, from templates that escape
everything they are given (jinja2 autoescaping). The items are worded and laid out by
:mod:`kit.feedback`, as in the lessons' self-check."""

from __future__ import annotations

from markupsafe import Markup

from .. import answers, corpus, feedback
from .._version import __version__
from .results import Graded, Rejected, basename

_ENV = None


def _env():
    global _ENV  # one template environment per process: templates are parsed once
    if _ENV is None:
        from jinja2 import Environment, PackageLoader, StrictUndefined

        _ENV = Environment(loader=PackageLoader("kit.grading", "templates"), autoescape=True,
                           undefined=StrictUndefined, keep_trailing_newline=True)
    return _ENV


class Pages:
    """Renders the pages of one exercise and key."""

    def __init__(self, exercise: answers.Exercise, key: answers.Key, document: corpus.Document | None = None):
        self.exercise = exercise
        self.feedback = feedback.Feedback(exercise, key, document)
        self.css = Markup(_env().loader.get_source(_env(), "page.css")[0].strip())
        self.page = _env().get_template("page.html")
        self.metric_note = feedback.metric_note(exercise)

    def render(self, g: Graded) -> bytes:
        r = g.result
        rows = self.feedback.rows(r, g.tags)
        return self.page.render(
            exercise=self.exercise, graded=g, css=self.css, file=basename(g.source),
            score=feedback.number(r.score), max=feedback.number(r.max), percent=f"{100 * r.fraction:.1f}%",
            metrics=feedback.metric_rows(self.exercise, r), metric_note=self.metric_note,
            superseded=", ".join(basename(s) for s in g.superseded),
            items=Markup(feedback.render_html(rows, reveal_unanswered=True)), version=__version__,
        ).encode("utf-8", "replace")

    def index(self, graded: list[Graded], rejected: list[Rejected]) -> bytes:
        return _env().get_template("index.html").render(
            exercise=self.exercise, graded=graded, rejected=rejected, css=self.css,
            points=feedback.number(self.exercise.points), number=feedback.number, version=__version__,
        ).encode("utf-8", "replace")
