"""Panels for verdicts and the comparison grid, and the self-check (ipywidgets, keyboard first).

Every control is a native form control with a visible label (ipywidgets ``description``), so the
keyboard (Tab, Space, arrows) and screen readers work without anything extra; outcomes and states
are always written in words, never shown by colour alone. Every edit goes through the exercise's
:class:`kit.tags.Session`, the same journal as the tagger's; messages go to live regions built once.
"""

from __future__ import annotations

import base64
import html as _html
import weakref
from pathlib import Path

import ipywidgets as _w

from .. import answers, corpus, keymode, selfcheck, taxonomy
from .. import tags as _tags
from ..cases import load_case
from ..errors import KitError
from ..tags import Session, TagError, remembered_student
from .tagger import LiveRegion, run_edit

_E = _html.escape

_PANEL_CSS = """<style>
.kit-panel { max-width: 62em; }
.kit-panel .kit-evidence .jupyter-widget-checkbox, .kit-panel .kit-evidence .widget-checkbox {
  width: auto; height: auto; }
.kit-panel .kit-evidence .jupyter-widget-label-basic, .kit-panel .kit-evidence .widget-label-basic {
  white-space: normal; line-height: 1.35; height: auto; }
.kit-panel .kit-card, .kit-selfcheck .kit-card { border: 1px solid #888; padding: 0.4em 0.8em; margin: 0.3em 0; }
.kit-panel .kit-help { font-size: 90%; margin: 0 0 0.6em 0; }
.kit-panel .kit-status, .kit-selfcheck .kit-status { font-weight: bold; }
.kit-selfcheck table { border-collapse: collapse; margin: 0.4em 0; }
.kit-selfcheck th, .kit-selfcheck td { border: 1px solid #aaa; padding: 0.25em 0.5em; text-align: left;
  vertical-align: top; }
.kit-selfcheck caption { text-align: left; font-weight: bold; }
.kit-selfcheck td p, .kit-selfcheck th p { margin: 0 0 0.3em 0; }
.kit-selfcheck .kit-scroll { max-height: 36em; overflow: auto; }
.kit-panel .jupyter-widget-html-content, .kit-panel .widget-html-content,
.kit-selfcheck .jupyter-widget-html-content, .kit-selfcheck .widget-html-content { line-height: 1.45; }
</style>"""

_WIDE = {"description_width": "11em"}


def _download_link(path: Path, data: str) -> str:
    encoded = base64.b64encode(data.encode("utf-8")).decode("ascii")
    return (f"<a class='kit-download' download='{_E(path.name, quote=True)}' "
            f"href='data:application/json;charset=utf-8;base64,{encoded}'>Download {_E(path.name)}</a> "
            f"(also saved as <code>{_E(str(path))}</code>)")


_LIVE_PANELS: "weakref.WeakValueDictionary[Path, _Panel]" = weakref.WeakValueDictionary()


class _Panel(_w.VBox):
    """What the verdict panel and the comparison grid share: session, student id, undo, export, notices."""

    kind = ""
    noun = "answers"

    def __init__(self, exercise_id: str, *, work_dir: Path | str | None = None, case=None, author: bool = False):
        if case is not None and not hasattr(case, "exercise"):  # a case id or folder
            case = load_case(case)
        notice = ""
        if author and case is not None and not case.shipped:  # key mode may first write the exercise it needs
            case, notice = keymode.author_exercise(case, exercise_id)
        exercise = case.exercise(exercise_id) if case is not None else answers.exercise(exercise_id)
        if exercise.kind != self.kind:
            raise KitError(f"exercise {exercise_id!r} takes {exercise.kind} tags: "
                           f"use {'Tagger' if exercise.kind in ('sentence', 'span') else 'its own panel'} for it, "
                           f"not {type(self).__name__}")
        self.exercise = exercise
        self.case = case
        self.author = author
        self.session = Session(exercise_id, work_dir=work_dir, case=case,
                               author_rules=keymode.AuthorRules if author else None)
        if notice:
            self.session.messages.append(notice)
        self._loading = False
        self.export_path = ""
        self.message = ""
        self.title_html = _w.HTML(f"{_PANEL_CSS}<h3>{_E(exercise.title)}</h3>"
                                  f"<p class='kit-help'>{_E(exercise.instructions)}</p>")
        self.notices = LiveRegion(role="alert", css_class="kit-notice")
        suggested = remembered_student(self.session.work_dir)
        self.suggested_student = suggested
        self.student_id = _w.Text(value=self.session.student.get("id") or suggested.get("id", ""),
                                  description="Student id", placeholder="your id", style=_WIDE,
                                  layout=_w.Layout(width="26em"))
        self.student_button = _w.Button(description="Confirm id", tooltip="Save this student id for your export",
                                        layout=_w.Layout(width="auto"))
        self.student_hint = _w.HTML()
        self.student_button.on_click(lambda _b: self.apply({"op": "student", "id": self.student_id.value}))
        self.undo_button = _w.Button(description="Undo", tooltip="Undo your last change")
        self.redo_button = _w.Button(description="Redo", tooltip="Redo what you undid")
        self.export_button = _w.Button(description=f"Export my {self.noun}",
                                       tooltip="Write the file to hand in", layout=_w.Layout(width="auto"))
        self.undo_button.on_click(lambda _b: self.apply({"op": "undo"}))
        self.redo_button.on_click(lambda _b: self.apply({"op": "redo"}))
        self.export_button.on_click(lambda _b: self.apply({"op": "export"}))
        # key mode: the author's items count once they have an explanation; "Save key" writes the key file
        self.save_key_button = _w.Button(description="Save key", tooltip="Write the key into the case's keys folder",
                                         layout=_w.Layout(width="auto", display="" if author else "none"))
        self.save_key_button.on_click(lambda _b: self.save_key())
        self.status = LiveRegion(role="status", css_class="kit-status")
        self.download = _w.HTML()
        body = self._build()
        super().__init__(children=[
            self.title_html, self.notices,
            _w.HBox([self.student_id, self.student_button, self.student_hint]),
            *body,
            _w.HBox([self.undo_button, self.redo_button, self.export_button, self.save_key_button]),
            self.status, self.download,
        ])
        self.add_class("kit-panel")
        self.add_class(f"kit-panel-{self.kind}")
        self._refresh()
        # A re-run cell replaces the panel: the old one says so at once and locks its controls.
        path = self.session.journal_path
        if path is not None and not self.session.read_only:
            earlier = _LIVE_PANELS.get(path)
            if earlier is not None and earlier is not self:
                earlier._refresh()
            _LIVE_PANELS[path] = self

    # -- to be filled in by the panels ---------------------------------------------------------------
    def _build(self) -> list:
        raise NotImplementedError

    def _show(self) -> None:
        """Load the current item's saved answer into the controls."""
        raise NotImplementedError

    def _controls(self) -> list:
        """Controls that a read-only session disables."""
        return []

    def _item_of(self, tag: dict) -> str:
        raise NotImplementedError

    def _go_to(self, item: str) -> None:
        pass

    # -- the one path for every edit -----------------------------------------------------------------
    def apply(self, edit: dict) -> dict:
        """Apply one edit (``set``, ``delete``, ``undo``, ``redo``, ``student``, ``export``).

        Returns ``{"ok": True, ...}`` once the edit is on disk, or ``{"ok": False, "message": ...}``
        (the message is also shown in the panel).
        """
        before = {_tags.tag_key(t): t for t in self.session.tags}
        try:
            result = self._apply(edit)
        except (TagError, KitError) as exc:
            if self.read_only:
                self._refresh()
            self._set_status(str(exc))
            return {"ok": False, "message": str(exc), "code": getattr(exc, "code", "error")}
        if edit.get("op") in ("undo", "redo"):
            after = {_tags.tag_key(t): t for t in self.session.tags}
            changed = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
            if changed:
                item = self._item_of(after.get(changed[0]) or before[changed[0]])
                result["message"] += f" ({item})"
                self._go_to(item)
        self._refresh()
        self._set_status(result.get("message", ""))
        return {"ok": True, **result}

    def _on_select(self, _change=None) -> None:
        """Another claim or article was chosen: show it (without treating the redraw as edits)."""
        if self._loading:
            return
        self._loading = True
        try:
            self._show()
        finally:
            self._loading = False
        self._set_status("")

    def _apply(self, edit: dict) -> dict:
        return run_edit(self.session, edit, exported=self._exported,
                        saved=lambda tag: f"Saved {self._item_of(tag)}: {self._describe(tag)}")

    def _exported(self, path: Path) -> str:
        self.export_path = str(path)
        self.download.value = _download_link(path, path.read_text(encoding="utf-8"))
        return f"Exported {len(self.session.tags)} {self.noun} to {path}. Hand in this file."

    def _describe(self, tag: dict) -> str:
        return tag.get("label", "")

    def _set_status(self, text: str) -> None:
        self.message = text
        self.status.value = text

    def _refresh(self) -> None:
        s = self.session
        messages = list(s.messages)
        if s.closed_reason:
            messages.append(s.closed_reason)
        text = "\n\n".join(messages)
        if self.notices.value != text:
            self.notices.value = text
        student = s.student
        if student:
            self.student_hint.value = f"<span>(confirmed: {_E(student['id'])})</span>"
        elif self.suggested_student.get("from") == "JUPYTERHUB_USER":
            self.student_hint.value = "<span>(suggested from your hub login: check it and press Confirm id)</span>"
        else:
            self.student_hint.value = "<span>(not set yet: type your id and press Confirm id)</span>"
        locked = self.read_only
        for control in [self.student_id, self.student_button, self.undo_button, self.redo_button,
                        self.export_button, self.save_key_button, *self._controls()]:
            control.disabled = locked
        if not locked:
            self.undo_button.disabled = not s.can_undo
            self.redo_button.disabled = not s.can_redo
        self._loading = True
        try:
            self._show()
        finally:
            self._loading = False

    # -- public ---------------------------------------------------------------------------------------
    @property
    def tags(self) -> list[dict]:
        """The saved tags (a copy), as they would be exported."""
        return self.session.tags

    @property
    def read_only(self) -> bool:
        return self.session.read_only or bool(self.session.closed_reason)

    def export(self, path: Path | str | None = None) -> Path:
        """Export (the same as the Export button); returns the file's path (``path``: write it there)."""
        result = self.apply({"op": "export"} if path is None else {"op": "export", "path": str(path)})
        if not result["ok"]:
            raise KitError(result["message"])
        return Path(result["path"])

    def save_key(self) -> Path | None:
        """Key mode: write the key (as the Save key button does); returns its file, or None if refused."""
        result = self.apply({"op": "save_key"})  # the tagger's path: kit.keymode.save_key through run_edit
        return Path(result["path"]) if result["ok"] else None

    def _select_quietly(self, select: _w.Dropdown, value: str) -> None:
        """Move a navigation drop-down without treating the redraw as the student's edits."""
        if select.value != value:
            self._loading = True
            try:
                select.value = value
            finally:
                self._loading = False

    @staticmethod
    def _also_box(description: str = "Also accept") -> _w.SelectMultiple:
        """Key mode: the labels accepted besides the preferred one (Ctrl or Shift + click, or Space)."""
        return _w.SelectMultiple(options=[], value=(), rows=3, description=description,
                                 style={"description_width": "5em"}, layout=_w.Layout(width="22em"))

    def close(self) -> None:
        session = getattr(self, "session", None)
        if session is not None:
            session.close()
        super().close()


def _nav(options, description: str, on_change) -> tuple:
    select = _w.Dropdown(options=options, description=description, style={"description_width": "5em"},
                         layout=_w.Layout(width="40em"))
    prev_b = _w.Button(description="Previous", tooltip=f"Previous {description.lower()}",
                       layout=_w.Layout(width="8em"))
    next_b = _w.Button(description="Next", tooltip=f"Next {description.lower()}",
                       layout=_w.Layout(width="8em"))

    def step(delta):
        index = (select.index or 0) + delta
        if 0 <= index < len(select.options):
            select.index = index

    prev_b.on_click(lambda _b: step(-1))
    next_b.on_click(lambda _b: step(1))
    select.observe(on_change, names="value")
    return select, prev_b, next_b


def _relabel(select: _w.Dropdown, options: list[tuple[str, str]]) -> None:
    """Replace a dropdown's labels and keep its value (setting options would jump to the first)."""
    if list(select._options_labels) == [label for label, _value in options]:
        return
    value = select.value
    select.options = options
    select.value = value


class VerdictPanel(_Panel):
    """Choose a verdict for each of the editorial's checkable claims and cite the record items it rests on.

    One claim at a time: the claim, the editorial sentence(s) that carry it, a verdict (radio buttons),
    record items to cite (check boxes, with a topic filter and a search box) and an optional note.
    A change is saved as soon as a verdict is chosen; cited items and notes wait for one.

    Python API: ``panel.choose("C26", "inaccurate", evidence=[...], note="")`` sets the controls as a
    student would; ``panel.apply(edit)``, ``panel.tags``, ``panel.export()`` as on the tagger.

    >>> p = VerdictPanel(work_dir=__import__("tempfile").mkdtemp())
    >>> p.choose("C26", "inaccurate", evidence=["R-2022-01-05-psaki-denial"])["ok"]
    True
    >>> p.tags[0]["claim"], p.tags[0]["evidence"]
    ('C26', ['R-2022-01-05-psaki-denial'])
    >>> p.close()
    """

    kind = "verdict"
    noun = "verdicts"

    def __init__(self, exercise_id: str = "verdicts-practice", *, work_dir: Path | str | None = None, case=None,
                 author: bool = False):
        super().__init__(exercise_id, work_dir=work_dir, case=case, author=author)

    def _build(self) -> list:
        doc = self.session.document
        # a case's exercise lists its claims (its key may be private); the editorial's come with its key
        self.claims = self.exercise.claims or answers.load_key(self.exercise.id).items
        self._claims = {c.id: c for c in self.claims}
        self._doc = doc
        self.record = corpus.load_record()
        self._record = {r.id: r for r in self.record}
        self._drafts: dict[str, tuple[list[str], str]] = {}
        self.claim_select, self.prev_button, self.next_button = _nav(
            [(c.id, c.id) for c in self.claims], "Claim", self._on_select)
        self.progress = _w.HTML()
        self.claim_html = _w.HTML()
        verdicts = taxonomy.verdicts()
        self.verdict = _w.RadioButtons(options=[(v.label, v.code) for v in verdicts], value=None,
                                       description="Verdict", style={"description_width": "5em"})
        self.verdict_help = _w.HTML("<div class='kit-help'><ul style='margin-top: 0'>" + "".join(
            f"<li><strong>{_E(v.label)}</strong>: {_E(v.definition)}</li>" for v in verdicts) + "</ul></div>")
        self.verdict.observe(self._on_edit, names="value")
        self.verdict.layout.min_width = "16em"
        self.verdict_help.layout.flex = "1 1 auto"
        self.topic = _w.Dropdown(options=[("all topics", "")] + [(t.replace("_", " "), t) for t in corpus.RECORD_TAGS],
                                 description="Topic", style={"description_width": "5em"},
                                 layout=_w.Layout(width="20em"))
        self.search = _w.Text(description="Search", placeholder="a word, a name or a date (2022-01-05)",
                              style={"description_width": "5em"}, layout=_w.Layout(width="30em"))
        self.topic.observe(self._filter, names="value")
        self.search.observe(self._filter, names="value")
        self.boxes: dict[str, _w.Checkbox] = {}
        for item in self.record:
            box = _w.Checkbox(value=False, indent=False, description=self._record_label(item),
                              tooltip=item.event, layout=_w.Layout(width="auto"))
            box.observe(self._on_edit, names="value")
            self.boxes[item.id] = box
        self.evidence_list = _w.VBox(list(self.boxes.values()),
                                     layout=_w.Layout(max_height="20em", overflow="auto", border="1px solid #999",
                                                      padding="0.2em 0.5em"))
        self.evidence_list.add_class("kit-evidence")
        self.cited = _w.HTML()
        self.note = _w.Textarea(description="Why" if self.author else "Note",
                                placeholder="the evidence students will read (required for the claim to count)"
                                if self.author else "why? (optional): what decided it for you",
                                continuous_update=False, style={"description_width": "5em"},
                                layout=_w.Layout(width="40em", height="4em"))
        self.note.observe(self._on_edit, names="value")
        self.outside = _w.Textarea(description="Sources" if self.author else "Outside",
                                   placeholder="web addresses students should read, one per line (default: the "
                                   "cited record items' sources)" if self.author else
                                   "web addresses you checked beyond the record, one per line (https://...)",
                                   continuous_update=False,
                                   style={"description_width": "5em"}, layout=_w.Layout(width="40em", height="3.5em"))
        self.outside.observe(self._on_edit, names="value")
        self.also = self._also_box()
        self.also.options = [(v.label, v.code) for v in verdicts]  # the preferred one is left out on saving
        self.also.layout.display = "" if self.author else "none"
        self.also.observe(self._on_edit, names="value")
        self.clear_button = _w.Button(description="Clear this verdict",
                                      tooltip="Remove your verdict, cited items and note for this claim",
                                      layout=_w.Layout(width="auto"))
        self.clear_button.on_click(lambda _b: self.apply({"op": "delete", "key": ["verdict", self.claim_select.value]}))
        return [
            _w.HBox([self.claim_select, self.prev_button, self.next_button]), self.progress,
            self.claim_html, _w.HBox([self.verdict, self.verdict_help]), self.also,
            _w.HTML("<strong>Evidence from the dated record</strong> (tick every item your verdict rests on):"),
            _w.HBox([self.topic, self.search]), self.evidence_list, self.cited, self.note, self.outside,
            _w.HBox([self.clear_button]),
        ]

    @staticmethod
    def _record_label(item: corpus.RecordItem) -> str:
        event = item.event if len(item.event) <= 120 else item.event[:119].rstrip() + "…"
        return f"{selfcheck.date_label(item)}: {event}"

    def _controls(self) -> list:
        return [self.verdict, self.note, self.outside, self.also, self.clear_button, *self.boxes.values()]

    def _item_of(self, tag: dict) -> str:
        return tag["claim"]

    def _describe(self, tag: dict) -> str:
        cited = len(tag.get("evidence", []))
        return f"{taxonomy.label_of(tag['label'])}, {cited} record item{'s' if cited != 1 else ''} cited" + (
            " (with a note)" if tag.get("note") else "")

    def _go_to(self, item: str) -> None:
        if item in self._claims:
            self._select_quietly(self.claim_select, item)

    # -- view ----------------------------------------------------------------------------------------
    def _saved(self) -> dict[str, dict]:
        return {t["claim"]: t for t in self.session.tags}

    def _show(self) -> None:
        saved = self._saved()
        options = []
        for c in self.claims:
            tag = saved.get(c.id)
            state = f"answered: {taxonomy.label_of(tag['label'])}" if tag else "not answered"
            short = c.claim if len(c.claim) <= 70 else c.claim[:69].rstrip() + "…"
            options.append((f"{c.id} ({state}) {short}", c.id))
        _relabel(self.claim_select, options)
        self.progress.value = (f"<p>{len(saved)} of {len(self.claims)} claims answered. "
                               f"Saved in <code>{_E(str(self.session.journal_path or ''))}</code>.</p>")
        claim = self._claims[self.claim_select.value]
        sentences = "".join(f"<blockquote>“{_E(self._doc.unit(u).text)}” <small>({_E(u)})</small></blockquote>"
                            for u in claim.units)
        self.claim_html.value = (f"<div class='kit-card'><p><strong>{_E(claim.id)}</strong>. The claim: "
                                 f"{_E(claim.claim)}</p><p>In the text:</p>{sentences}</div>")
        tag = saved.get(claim.id)
        if tag:
            evidence, note, label = list(tag.get("evidence", [])), tag.get("note", ""), tag["label"]
            outside = "\n".join(tag.get("outside", []))
        else:
            evidence, note, outside = self._drafts.get(claim.id, ([], "", ""))
            label = None
        self.verdict.value = label
        self.also.value = tuple(tag.get("also", ())) if tag else ()
        for rid, box in self.boxes.items():
            box.value = rid in evidence
        self.note.value = note
        self.outside.value = outside
        self.clear_button.disabled = self.read_only or not tag
        self._show_cited(evidence, saved=bool(tag))
        self._filter()

    def _show_cited(self, evidence: list[str], *, saved: bool) -> None:
        if not evidence:
            self.cited.value = "<p>No record item cited yet.</p>"
            return
        items = []
        for rid in evidence:
            r = self._record[rid]
            sources = " · ".join(f"<a href='{_E(u, quote=True)}' target='_blank' rel='noopener noreferrer'>{_E(u)}</a>"
                                 for u in r.sources)
            # a caveat can give the verdict away ("never substantiated"): it opens once the student has judged
            caveat = "" if not r.caveat else f" <em>Caveat: {_E(r.caveat)}</em>" if saved else \
                " <em>(This item has a caveat: it opens once you have saved your verdict.)</em>"
            items.append(f"<li>{_E(selfcheck.date_label(r))}: {_E(r.event)}{caveat}<br><small>Sources: {sources}"
                         f"</small></li>")
        self.cited.value = f"<p>You cite {len(evidence)} item(s):</p><ul>{''.join(items)}</ul>"

    def _filter(self, _change=None) -> None:
        topic, words = self.topic.value, self.search.value.strip().lower()
        for item in self.record:
            text = f"{item.id} {item.date_start} {selfcheck.date_label(item)} {item.event}".lower()
            shown = (not topic or topic in item.tags) and (not words or all(w in text for w in words.split()))
            self.boxes[item.id].layout.display = "" if shown or self.boxes[item.id].value else "none"

    # -- edits ---------------------------------------------------------------------------------------
    def _current(self) -> tuple[str, str | None, list[str], str, list[str]]:
        evidence = [r.id for r in self.record if self.boxes[r.id].value]
        outside = [line.strip() for line in self.outside.value.splitlines() if line.strip()]
        return self.claim_select.value, self.verdict.value, evidence, self.note.value, outside

    def _on_edit(self, _change) -> None:
        if self._loading:
            return
        claim, label, evidence, note, outside = self._current()
        self._show_cited(evidence, saved=claim in self._saved())  # a saved edit redraws it (caveats open)
        if label is None:
            self._drafts[claim] = (evidence, note, self.outside.value)
            self._set_status(f"Choose a verdict for {claim} to save it; your cited items and note are kept "
                             "here until then.")
            return
        self._drafts.pop(claim, None)
        tag = {"kind": "verdict", "claim": claim, "label": label, "evidence": evidence, "note": note}
        if self.author:
            tag["also"] = [code for code in self.also.value if code != label]
        self.apply({"op": "set", "tag": tag | ({"outside": outside} if outside else {})})

    def choose(self, claim: str, verdict: str | None, *, evidence: list[str] | tuple = (), note: str = "",
               outside: list[str] | tuple = (), also: list[str] | tuple = ()) -> dict:
        """Set the controls for ``claim`` as a student would (each change fires the same handlers);
        ``also`` (key mode): the verdicts accepted besides ``verdict``.

        Returns the result of the last edit (``{"ok": ...}``).
        """
        if claim not in self._claims:
            raise KitError(f"{claim!r} is not a claim of this exercise; claims: {self.claims[0].id}-{self.claims[-1].id}")
        unknown = [e for e in evidence if e not in self.boxes]
        if unknown:
            raise KitError(f"{unknown[0]!r} is not an item of the record")
        self.claim_select.value = claim
        self._set_status("")
        if verdict is not None and self.verdict.value != verdict:
            self.verdict.value = verdict
        for rid, box in self.boxes.items():
            wanted = rid in evidence
            if box.value != wanted:
                box.value = wanted
        if self.note.value != note:
            self.note.value = note
        if self.outside.value != "\n".join(outside):
            self.outside.value = "\n".join(outside)
        if self.author and tuple(self.also.value) != tuple(also):
            self.also.value = tuple(also)
        saved = self._saved().get(claim)
        wanted_tag = {"label": verdict, "evidence": [r.id for r in self.record if r.id in evidence], "note": note,
                      "outside": list(outside) or None}
        ok = saved is not None and {k: saved.get(k) for k in wanted_tag} == wanted_tag
        return {"ok": ok, "message": self.message}


class ComparisonGrid(_Panel):
    """Classify each coverage article with the four closed grid fields, from its headline and label words.

    One article at a time: its headline (or why none was seen), its own words for the people and the
    events, the words it credits to others, the causes it gives and the voices it quotes. One drop-down
    per field, each with an optional note. The kit's digest of the article, which would give answers
    away, appears only once all four fields of that article are answered. "Hide who published it" keeps
    the outlet's name, kind and country out of sight until then too.

    >>> g = ComparisonGrid(work_dir=__import__("tempfile").mkdtemp())
    >>> g.choose("tass-2022-01-10", "people_label", "delegitimising")["ok"]
    True
    >>> g.close()
    """

    kind = "cell"
    noun = "answers"

    def __init__(self, exercise_id: str = "compare-practice", *, work_dir: Path | str | None = None,
                 hide_outlet: bool = False, case=None, author: bool = False):
        self._hide_default = hide_outlet
        super().__init__(exercise_id, work_dir=work_dir, case=case, author=author)

    def _build(self) -> list:
        self.articles = corpus.load_articles()
        self._articles = {a.id: a for a in self.articles}
        self.fields = taxonomy.grid_fields()
        self.article_select, self.prev_button, self.next_button = _nav(
            [(a.id, a.id) for a in self.articles], "Article", self._on_select)
        self.hide = _w.Checkbox(value=self._hide_default, indent=False,
                                description="Hide who published it until I have answered",
                                layout=_w.Layout(width="auto"))
        self.hide.observe(self._on_select, names="value")
        self.progress = _w.HTML()
        self.card = _w.HTML()
        self.dropdowns: dict[str, _w.Dropdown] = {}
        self.notes: dict[str, _w.Text] = {}
        self.also_boxes: dict[str, _w.SelectMultiple] = {}
        rows = []
        for f in self.fields:
            dd = _w.Dropdown(options=[("(choose)", "")] + [(v.label, v.code) for v in f.values],
                             description=f.label, style={"description_width": "20em"}, layout=_w.Layout(width="36em"))
            note = _w.Text(description="Why" if self.author else "Note",
                           placeholder="required for the cell to count" if self.author else "why? (optional)",
                           continuous_update=False, style={"description_width": "3em"}, layout=_w.Layout(width="22em"))
            also = self._also_box()
            also.options = [(v.label, v.code) for v in f.values]
            also.layout.display = "" if self.author else "none"
            dd.observe(lambda change, code=f.code: self._on_edit(code), names="value")
            note.observe(lambda change, code=f.code: self._on_edit(code), names="value")
            also.observe(lambda change, code=f.code: self._on_edit(code), names="value")
            self.dropdowns[f.code], self.notes[f.code], self.also_boxes[f.code] = dd, note, also
            values = " · ".join(f"<strong>{_E(v.label)}</strong>: {_E(v.description)}" for v in f.values)
            rows += [_w.HBox([dd, note, also]), _w.HTML(f"<div class='kit-help'>{_E(f.question)} {values}</div>")]
        self.digest = _w.HTML()
        return [_w.HBox([self.article_select, self.prev_button, self.next_button]), self.hide, self.progress,
                self.card, *rows, self.digest]

    def _controls(self) -> list:
        return [*self.dropdowns.values(), *self.notes.values(), *self.also_boxes.values()]

    def _item_of(self, tag: dict) -> str:
        return f"{tag['item']} {tag['field']}"

    def _describe(self, tag: dict) -> str:
        for v in taxonomy.grid_field(tag["field"]).values:
            if v.code == tag["label"]:
                return v.label + (" (with a note)" if tag.get("note") else "")
        return tag["label"]

    def _go_to(self, item: str) -> None:
        article = item.split(" ")[0]
        if article in self._articles:
            self._select_quietly(self.article_select, article)

    def _saved(self) -> dict[tuple[str, str], dict]:
        return {(t["item"], t["field"]): t for t in self.session.tags}

    def _answered(self, article_id: str, saved: dict | None = None) -> int:
        saved = self._saved() if saved is None else saved
        return sum((article_id, f.code) in saved for f in self.fields)

    def _show(self) -> None:
        saved = self._saved()
        hide = self.hide.value
        options = []
        for n, a in enumerate(self.articles, 1):
            done = self._answered(a.id, saved)
            name = (f"Article {n}, {a.date.day} {a.date:%b %Y}" if hide and done < len(self.fields)
                    else selfcheck.article_name(a))
            options.append((f"{name} ({done} of {len(self.fields)} answered)", a.id))
        _relabel(self.article_select, options)
        total = len(self.articles) * len(self.fields)
        self.progress.value = f"<p>{len(saved)} of {total} cells answered.</p>"
        a = self._articles[self.article_select.value]
        complete = self._answered(a.id, saved) == len(self.fields)
        self.card.value = self._card(a, reveal=complete or not hide)
        for f in self.fields:
            tag = saved.get((a.id, f.code))
            self.dropdowns[f.code].value = tag["label"] if tag else ""
            self.notes[f.code].value = tag.get("note", "") if tag else ""
            self.also_boxes[f.code].value = tuple(tag.get("also", ())) if tag else ()
        if complete:
            self.digest.value = (f"<div class='kit-card'><p><strong>The kit's digest of this article</strong> "
                                 f"(in the kit's words; compare it with your answers): {_E(a.digest)}</p></div>")
        else:
            self.digest.value = ("<p class='kit-help'>The kit's digest of this article appears here once you have "
                                 "answered all four fields: it would give answers away.</p>")

    @staticmethod
    def _words(words) -> str:
        return ", ".join(f"“{_E(w)}”" for w in words) if words else "<em>none seen</em>"

    def _card(self, a: corpus.Article, *, reveal: bool) -> str:
        cause_labels = {v.code: v.label for v in taxonomy.grid_field("cause").values}
        headline = f"“{_E(a.headline)}”" if a.headline else f"<em>no headline: {_E(a.headline_note)}</em>"
        if a.headline and a.headline_note:
            headline += f" <small>({_E(a.headline_note)})</small>"
        if reveal:
            where = _E(a.url or a.republisher_url)
            link = a.url or a.republisher_url
            who = (f"<p><strong>{_E(a.outlet)}</strong>: {_E(a.function.replace('_', ' '))}, {_E(a.funding)} "
                   f"funding, {_E(a.country)}; {_E(a.genre.replace('_', ' '))}, {a.date.day} {a.date:%b %Y}"
                   f"{' (' + _E(a.date_precision) + ')' if a.date_precision != 'day' else ''}.</p>"
                   f"<p><small>Seen at <a href='{_E(link, quote=True)}' target='_blank' rel='noopener noreferrer'>"
                   f"{where}</a>{' (republished by ' + _E(a.republisher) + ')' if a.republisher and not a.url else ''}"
                   f"</small></p>")
        else:
            who = "<p><em>Who published it stays hidden until you have answered all four fields.</em></p>"
        return (f"<div class='kit-card'>{who}<p><strong>Headline</strong>: {headline}</p><ul>"
                f"<li>Its own words for the people: {self._words(a.people_words)}</li>"
                f"<li>Its own words for the events: {self._words(a.event_words)}</li>"
                f"<li>Words it credits to someone else: {self._words(a.attributed_words)}</li>"
                f"<li>Its own words for the CSTO troops (not scored): {self._words(a.deployment_words)}</li>"
                f"<li>Causes it gives in its own voice, in its order: "
                f"{', '.join(_E(cause_labels.get(c, c)) for c in a.causes) or '<em>none seen</em>'}</li>"
                f"<li>Causes it only reports others giving: "
                f"{', '.join(_E(cause_labels.get(c, c)) for c in a.causes_reported) or '<em>none seen</em>'}</li>"
                f"<li>Voices it quotes: {'; '.join(_E(s) for s in a.sources_quoted) or '<em>none seen</em>'}</li>"
                f"</ul></div>")

    def _on_edit(self, field_code: str) -> None:
        if self._loading:
            return
        item = self.article_select.value
        label, note = self.dropdowns[field_code].value, self.notes[field_code].value
        saved = self._saved().get((item, field_code))
        if not label:
            if saved:
                self.apply({"op": "delete", "key": ["cell", item, field_code]})
            elif note:
                self._set_status("Choose a value first; the note is saved with it.")
            return
        tag = {"kind": "cell", "item": item, "field": field_code, "label": label, "note": note}
        if self.author:
            tag["also"] = [code for code in self.also_boxes[field_code].value if code != label]
        self.apply({"op": "set", "tag": tag})

    def choose(self, item: str, field: str, value: str, *, note: str | None = None, also: tuple | list = ()) -> dict:
        """Set one drop-down (and optionally its note) as a student would; returns the edit's result.
        ``also`` (key mode): the values accepted besides ``value``."""
        if item not in self._articles:
            raise KitError(f"{item!r} is not a coverage article; articles: {', '.join(self._articles)}")
        if field not in self.dropdowns:
            raise KitError(f"{field!r} is not a grid field; fields: {', '.join(self.dropdowns)}")
        allowed = [v for _label, v in self.dropdowns[field].options]
        if value not in allowed:
            raise KitError(f"{value!r} is not a value of {field}; values: {', '.join(v for v in allowed if v)}")
        self.article_select.value = item
        if note is not None and self.notes[field].value != note:
            self.notes[field].value = note  # saved with the value below (or held until one is chosen)
        if self.author and tuple(self.also_boxes[field].value) != tuple(also):
            self.also_boxes[field].value = tuple(also)
        if self.dropdowns[field].value != value:
            self.dropdowns[field].value = value
        saved = self._saved().get((item, field))
        ok = (saved or {}).get("label") == (value or None) if value else saved is None
        return {"ok": ok, "message": self.message}


class SelfCheck(_w.VBox):
    """Score a tagger's or a panel's current tags against the practice key, and explain each item.

    ``SelfCheck(source)`` takes a :class:`Tagger`, :class:`VerdictPanel`, :class:`ComparisonGrid`
    or a :class:`kit.tags.Session`. "Check my work" scores again (re-running the cell does too);
    "Only what to look at again" filters the items; "Show the reference" shows the reference
    answer, with its explanation, of every item the student has answered (try before reveal), and
    "Also show answers I have not given" the rest. With ``KIT_MODE=assessment`` it shows only a notice that
    self-check is off; on a graded exercise it says that graded work has no self-check.
    ``.check`` is the last :class:`kit.selfcheck.Check` (``None`` when off) and ``.summary`` its
    one-line summary.
    """

    def __init__(self, source):
        session = source if isinstance(source, Session) else getattr(source, "session", None)
        if not isinstance(session, Session):
            raise KitError("SelfCheck needs a tagger, a VerdictPanel, a ComparisonGrid or a kit.tags.Session, "
                           f"not {type(source).__name__}")
        self.source = source
        self._session = session
        self.exercise = session.exercise
        self.check: selfcheck.Check | None = None
        self.summary = ""
        self.off = ""
        self.summary_html = _w.HTML()
        self.summary_live = LiveRegion(role="status", css_class="kit-status")
        self.summary_live.add_class("kit-selfcheck-summary")
        if selfcheck.assessment_mode():
            self.off = selfcheck.OFF_MESSAGE
        elif self.exercise.mode != "practice":
            self.off = selfcheck.GRADED_MESSAGE.format(id=self.exercise.id)
        if self.off:
            self.summary_html.value = f"{_PANEL_CSS}<div class='kit-status' role='note'>{_E(self.off)}</div>"
            super().__init__(children=[self.summary_html])
            self.add_class("kit-selfcheck")
            return
        self.refresh_button = _w.Button(description="Check my work",
                                        tooltip="Score your answers as they are now against the practice key",
                                        layout=_w.Layout(width="auto"))
        self.only = _w.Checkbox(value=False, indent=False, description="Only what to look at again",
                                layout=_w.Layout(width="auto"))
        self.reference_button = _w.ToggleButton(value=False, description="Show the reference",
                                                tooltip="Show every reference answer with its explanation",
                                                layout=_w.Layout(width="auto"))
        self.reveal_all = _w.Checkbox(value=False, indent=False, description="Also show answers I have not given",
                                      layout=_w.Layout(width="auto", display="none"))
        self.feedback = _w.HTML()
        self.reference = _w.HTML()
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.only.observe(lambda _c: self._render(), names="value")
        self.reference_button.observe(lambda _c: self._render_reference(), names="value")
        self.reveal_all.observe(lambda _c: self._render_reference(), names="value")
        super().__init__(children=[
            _w.HBox([self.refresh_button, self.only, self.reference_button, self.reveal_all]),
            self.summary_live, self.summary_html, self.feedback, self.reference])
        self.add_class("kit-selfcheck")
        self.refresh()

    @property
    def session(self) -> Session:
        """The newest session of the same exercise (a re-run tagger cell replaces the old one)."""
        return _tags.newest_session(self._session)

    def refresh(self) -> selfcheck.Check | None:
        """Score the current tags again and show the feedback; returns the check (None when off)."""
        if self.off:
            return None
        self.check = selfcheck.check(self.exercise.id, self.session.tags, case=self.session.case)
        self.summary = self.check.summary
        self._render()
        return self.check

    def _render(self) -> None:
        c = self.check
        if c is None:
            return
        self.summary_live.value = c.summary
        details = "".join(f"<p>{_E(d)}</p>" for d in c.details)
        self.summary_html.value = f"{_PANEL_CSS}<div class='kit-card'>{details}</div>" if details else _PANEL_CSS
        self.feedback.value = (f"<div class='kit-scroll' tabindex='0' role='region' "
                               f"aria-label='{_E(f'Feedback: {self.exercise.title}', quote=True)}'>"
                               f"{selfcheck.render_html(c, only_to_review=self.only.value)}</div>")
        self._render_reference()

    def _render_reference(self) -> None:
        if self.reference_button.value:
            self.reference_button.description = "Hide the reference"
            self.reveal_all.layout.display = ""
            # try before reveal: an item's answer opens once the student has answered it
            opened = None if self.reveal_all.value or self.check is None else {
                r.item for r in selfcheck.feedback_rows(self.check) if r.answered}
            reference = selfcheck.render_reference_html(self.exercise.id, opened=opened, case=self.session.case)
            self.reference.value = (f"<div class='kit-scroll' tabindex='0' role='region' "
                                    f"aria-label='{_E(f'Reference answers: {self.exercise.title}', quote=True)}'>"
                                    f"{reference}</div>")
        else:
            self.reference_button.description = "Show the reference"
            self.reveal_all.layout.display = "none"
            self.reference.value = ""

    def __str__(self) -> str:
        return self.off or (selfcheck.render_text(self.check) if self.check else "")


def self_check(widget_or_session) -> SelfCheck:
    """The self-check view for a tagger, a panel or a session (see :class:`SelfCheck`)."""
    return SelfCheck(widget_or_session)
