"""The pre- and post-test worksheet: a student confirms their id and gets the text the class plan assigns.

Half the class takes form A before the lessons and form B after, the other half the reverse
(:func:`kit.discernment.form_order`, a stable hash of the student id), so that a difference between the
two texts does not pass for learning. The student sees only their own text, and no self-check.

>>> test = DiscernmentTest("pre", work_dir=__import__("tempfile").mkdtemp())
>>> test.begin("s001").exercise_id
'discernment'
>>> test.case.id in BUILT_IN_FORMS
True
>>> test.close()
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as _w

from .. import discernment
from ..cases import load_case
from ..discernment import BUILT_IN_FORMS
from ..errors import KitError
from ..tags import remembered_student
from .tagger import LiveRegion, Tagger

TESTS = ("pre", "post")


class DiscernmentTest(_w.VBox):
    """The test of one student: ``test`` is "pre" (before lesson 01) or "post" (after lesson 04)."""

    def __init__(self, test: str, *, forms: tuple[str, str] = BUILT_IN_FORMS, work_dir: Path | str | None = None):
        if test not in TESTS:
            raise KitError(f"test must be 'pre' or 'post', not {test!r}")
        self.test, self.forms, self.work_dir = test, tuple(sorted(forms)), work_dir
        self.case = None
        self.tagger: Tagger | None = None
        remembered = remembered_student(Path(work_dir) if work_dir else None)
        self.student_id = _w.Text(value=remembered.get("id", ""), description="Student id", placeholder="your id",
                                  style={"description_width": "8em"}, layout=_w.Layout(width="26em"))
        self.start_button = _w.Button(description="Start the test", tooltip="Open the text assigned to you",
                                      layout=_w.Layout(width="auto"))
        self.start_button.on_click(lambda _b: self._start())
        self.status = LiveRegion(role="status", css_class="kit-status")
        self._form = [_w.HTML("<p>Type your student id and press <strong>Start the test</strong>: the kit opens "
                              "the text your teacher's plan gives you.</p>"),
                      _w.HBox([self.student_id, self.start_button]), self.status]
        super().__init__(children=self._form)

    def _start(self) -> None:
        try:
            self.begin(self.student_id.value)
        except KitError as exc:
            self.status.value = str(exc)

    def begin(self, student: str) -> Tagger:
        """Open the student's form (as the Start button does) and confirm their id in it."""
        student = student.strip()
        if not student:
            raise KitError("Type your student id first: it decides which text you get.")
        pre, post = discernment.form_order(student, self.forms)
        self.case = load_case(pre if self.test == "pre" else post)
        if self.tagger is not None:
            self.tagger.close()
        self.tagger = Tagger("discernment", case=self.case, work_dir=self.work_dir)
        result = self.tagger.apply({"op": "student", "id": student})
        if not result["ok"]:
            raise KitError(result["message"])
        self.student_id.disabled = self.start_button.disabled = True
        period = "before the lessons" if self.test == "pre" else "after the lessons"
        self.status.value = f"Your text {period}: {self.case.title}. Your id {student} is confirmed."
        when = f", {self.case.date.day} {self.case.date:%B %Y}" if self.case.date else ""
        self.children = [*self._form, _w.HTML(f"<p><small>Source: {html.escape(self.case.outlet)}{when}. Why the "
                                                 f"kit may reproduce it: {html.escape(self.case.licence)}</small></p>"),
                         self.tagger]
        return self.tagger

    def close(self) -> None:
        if self.tagger is not None:
            self.tagger.close()
        super().close()
