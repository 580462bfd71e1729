"""The tagging widget: one anywidget, three modes, every edit through the journal.

* ``sentence``: choose a unit (click, or arrow keys), press 1-6 for its claim
  type, ``c`` to flag it check-worthy.
* ``span``: drag over words, or click then shift-click, or move with the
  arrow keys and extend with Shift+arrows; press a number key (the core ten
  techniques on 1-0) or use the palette to label the selection.
* ``name``: the spans are given; choose each one's label.

Spans are built from the tokens Python sends, with code-point offsets,
never from browser selection offsets. A tag shows at once in the browser
(dashed outline) and turns solid when Python has written it to the journal.

>>> t = Tagger("claims-practice", work_dir=__import__("tempfile").mkdtemp())
>>> t.apply({"op": "set", "tag": {"kind": "sentence", "unit": "p01.s1", "label": "SPEC"}})["ok"]
True
>>> t.tags[0]["label"], t.can_undo
('SPEC', True)
>>> t.close()
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from .. import answers, taxonomy
from ..errors import KitError
from ..keymode import AuthorRules, save_key
from ..tags import Session, TagError, remembered_student

STATIC = Path(__file__).parents[1] / "static"

# Colour-blind-safe palettes; the label's name is always shown beside its colour.
TECHNIQUE_COLOURS = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933",
                     "#AA4499", "#6699CC", "#661100", "#888888", "#E69F00", "#0072B2", "#D55E00"]
CLAIM_COLOURS = ["#999999", "#E69F00", "#CC79A7", "#D55E00", "#0072B2", "#009E73"]
MODE_OF_TASK = {"label": "sentence", "discern": "sentence", "find": "span", "name": "name"}


def palette_for(exercise: answers.Exercise) -> list[dict]:
    """Labels of the exercise, in key order, with keys, colours and short definitions."""
    if exercise.label_set == "discernment":
        return [{"code": code, "label": label, "key": str(n), "colour": CLAIM_COLOURS[(4, 0)[n - 1]], "definition": why}
                for n, (code, label, why) in enumerate(answers.DISCERNMENT, 1)]
    if exercise.kind == "sentence":
        return [{"code": c.code, "label": c.label, "key": c.key, "colour": CLAIM_COLOURS[i % len(CLAIM_COLOURS)],
                 "definition": c.definition} for i, c in enumerate(taxonomy.claim_types())]
    allowed = set(exercise.labels)
    palette = [{"code": t.code, "label": t.label, "key": t.key, "colour": TECHNIQUE_COLOURS[i % len(TECHNIQUE_COLOURS)],
                "definition": t.definition} for i, t in enumerate(taxonomy.techniques()) if t.code in allowed]
    code, label, definition = taxonomy.NO_TECHNIQUE
    if code in allowed:  # x: a free key (key mode's "control" never meets a naming exercise)
        palette.append({"code": code, "label": label, "key": "x", "colour": "#BBBBBB", "definition": definition})
    return palette


class Tagger(anywidget.AnyWidget):
    """Tag the editorial for one exercise. Display it in a notebook cell."""

    _esm = STATIC / "tagger.js"
    _css = STATIC / "tagger.css"

    exercise_id = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    mode = traitlets.Unicode("sentence").tag(sync=True)
    doc = traitlets.Dict().tag(sync=True)
    palette = traitlets.List().tag(sync=True)
    targets = traitlets.List().tag(sync=True)
    tags = traitlets.List().tag(sync=True)
    confirmed = traitlets.Int(0).tag(sync=True)  # sequence number of the last edit Python has written
    status = traitlets.Unicode("").tag(sync=True)
    status_id = traitlets.Int(0).tag(sync=True)  # counts messages, so the same words said twice are heard twice
    notices = traitlets.List().tag(sync=True)
    read_only = traitlets.Bool(False).tag(sync=True)
    can_undo = traitlets.Bool(False).tag(sync=True)
    can_redo = traitlets.Bool(False).tag(sync=True)
    student = traitlets.Dict().tag(sync=True)
    suggested_student = traitlets.Dict().tag(sync=True)
    journal_path = traitlets.Unicode("").tag(sync=True)
    export_path = traitlets.Unicode("").tag(sync=True)
    author = traitlets.Bool(False).tag(sync=True)  # key mode: the author of a case's key

    def __init__(self, exercise_id: str, *, case=None, work_dir: Path | str | None = None, mode: str | None = None,
                 author: bool = False, **kwargs):
        if case is not None and not hasattr(case, "exercise"):  # a case id or folder
            from ..cases import load_case

            case = load_case(case)
        exercise = case.exercise(exercise_id) if case is not None else answers.exercise(exercise_id)
        if exercise.kind not in ("sentence", "span"):
            raise KitError(f"exercise {exercise_id!r} is a {exercise.kind} exercise: use its panel, not the tagger")
        self.session = Session(exercise_id, work_dir=work_dir, case=case, author_rules=AuthorRules if author else None)
        mode = mode or MODE_OF_TASK[exercise.task]
        if mode not in ("sentence", "span", "name") or (mode == "sentence") != (exercise.kind == "sentence"):
            raise KitError(f"mode {mode!r} does not fit exercise {exercise_id!r} ({exercise.kind} tags)")
        doc = self.session.document
        targets = []
        if mode == "name":
            key = case.key(exercise_id) if case is not None else answers.load_key(exercise_id)
            targets = [{"id": s.id, "start": s.start, "end": s.end} for s in key.items]
        super().__init__(
            exercise_id=exercise_id, title=exercise.title, mode=mode,
            doc={"id": doc.id, "sha256": doc.sha256, "text": doc.text,
                 "units": [{"id": u.id, "kind": u.kind, "paragraph": u.paragraph, "start": u.start, "end": u.end}
                           for u in doc.units],
                 "tokens": [[t.start, t.end] for t in doc.tokens]},
            palette=palette_for(exercise), targets=targets, author=author,
            notices=list(self.session.messages), read_only=self.session.read_only,
            journal_path=str(self.session.journal_path or ""),
            suggested_student=remembered_student(self.session.work_dir),
            **kwargs,
        )
        self._sync()
        self.on_msg(self._on_msg)

    # One path for every edit: the browser's messages and Python calls alike.
    def apply(self, edit: dict, seq: int | None = None) -> dict:
        """Apply one edit (``set``, ``delete``, ``undo``, ``redo``, ``student``, ``export``).

        Returns ``{"ok": True, ...}`` once the edit is on disk, or ``{"ok": False, "message": ...}``.
        ``seq`` is the browser's number for the edit: a refusal is sent back with it, a success
        confirmed through ``confirmed``.
        """
        try:
            result = self._apply(edit)
        except (TagError, KitError) as exc:
            return self._refuse(str(exc), getattr(exc, "code", "error"), seq, reply=seq is not None)
        with self.hold_sync():  # tags and confirmation reach the browser in one message
            self._sync()
            if seq:
                self.confirmed = seq
            if result.get("message"):
                self._say(result["message"])
        return {"ok": True, **result}

    def _say(self, message: str) -> None:
        self.status = message
        self.status_id += 1

    def _refuse(self, message: str, code: str, seq, *, reply: bool = True) -> dict:
        self._sync()  # e.g. a copy that found itself read-only shows it at once
        self._say(message)
        if reply:
            self.send({"type": "reject", "seq": seq, "message": message})
        return {"ok": False, "message": message, "code": code}

    def _apply(self, edit: dict) -> dict:
        return run_edit(self.session, edit, exported=self._exported, saved=_saved)

    def _exported(self, path: Path) -> str:
        self.export_path = str(path)
        self.send({"type": "download", "name": path.name, "data": path.read_text(encoding="utf-8")})
        return f"Exported {len(self.session.tags)} tags to {path}"

    def _sync(self) -> None:
        s = self.session
        self.tags = s.tags
        self.can_undo, self.can_redo = s.can_undo, s.can_redo
        self.student = s.student
        self.read_only = s.read_only or bool(s.closed_reason)

    def _on_msg(self, _widget, content, _buffers) -> None:
        # Every message is answered: a browser waiting for a reply that never comes looks like lost work.
        seq = content.get("seq") if isinstance(content, dict) else None
        if not isinstance(content, dict) or content.get("type") != "edit":
            self._refuse("Not saved: the tagger sent a message it does not understand.", "bad_message", seq)
        elif not isinstance(seq, int) or isinstance(seq, bool) or seq <= 0:
            self._refuse("Not saved: the edit came without a sequence number.", "bad_message",
                         seq if isinstance(seq, (int, float, str)) else None)
        else:
            try:
                self.apply(content.get("edit"), seq=seq)
            except Exception as exc:  # noqa: BLE001 - a bug must not leave the browser waiting
                self._refuse(f"Not saved: the kit failed on this edit ({type(exc).__name__}: {exc}). "
                             "Please tell your teacher.", "internal_error", seq)

    def export(self, path: Path | str | None = None) -> Path:
        """Export the tags (the same as the Export button); returns the file's path.

        ``path`` writes the export elsewhere, for example when the work folder cannot be written.
        """
        result = self.apply({"op": "export"} if path is None else {"op": "export", "path": str(path)})
        if not result["ok"]:
            raise KitError(result["message"])
        return Path(result["path"])

    def close(self) -> None:
        session = getattr(self, "session", None)  # absent when the constructor refused the exercise
        if session is not None:
            session.close()
        super().close()


def run_edit(session: Session, edit: dict, *, saved, exported) -> dict:
    """Carry out one edit on ``session``; ``saved(tag)`` and ``exported(path)`` word the messages.

    The one path for every widget's edits: set, delete, undo, redo, student, export.
    """
    if not isinstance(edit, dict):
        raise TagError("wrong_type", "an edit must be an object")
    op = edit.get("op")
    if op == "set":
        tag = session.set(edit.get("tag"))
        return {"tag": tag, "message": saved(tag)}
    if op == "delete":
        return {"message": "Deleted" if session.delete(edit.get("key", ())) else "Nothing to delete there"}
    if op == "undo":
        return {"message": "Undone" if session.undo() else "Nothing to undo"}
    if op == "redo":
        return {"message": "Redone" if session.redo() else "Nothing to redo"}
    if op == "student":
        session.set_student(str(edit.get("id", "")).strip(), str(edit.get("name", "")).strip())
        return {"message": f"Student id set to {session.student['id']}"}
    if op == "save_key":
        path, message = save_key(session)
        return {"path": str(path), "message": message}
    if op == "export":
        if not session.student:
            raise KitError("Confirm your student id first (type it and press Confirm id), then export.")
        path = session.export(edit.get("path"))
        return {"path": str(path), "message": exported(path)}
    raise TagError("wrong_type", f"unknown edit {op!r}")


def _saved(tag: dict) -> str:
    """What the tagger says once a tag is saved."""
    if tag["kind"] == "control":
        return f"Sentence {tag['unit']} is a control: left untagged on purpose" + (" (with why)" if tag["note"] else "")
    also = f", also accepting {', '.join(tag['also'])}" if tag.get("also") else ""
    return (f"Tagged {_describe(tag)} as {taxonomy.label_of(tag['label'])}{also}"
            + (", check-worthy" if tag.get("checkworthy") else "") + (" (with a note)" if tag.get("note") else ""))


def _describe(tag: dict) -> str:
    if tag["kind"] == "sentence":
        return f"sentence {tag['unit']}"
    quote = tag["quote"] if len(tag["quote"]) <= 60 else tag["quote"][:57] + "..."
    return f"'{quote}'"


class LiveRegion(anywidget.AnyWidget):
    """A status or alert region that is built once; setting ``value`` (plain text, paragraphs
    separated by a blank line) changes only its text, so each message is announced once."""

    _esm = STATIC / "live.js"
    value = traitlets.Unicode("").tag(sync=True)
    role = traitlets.Unicode("status").tag(sync=True)
    css_class = traitlets.Unicode("kit-status").tag(sync=True)


def tagger(exercise_id: str, **kwargs) -> Tagger:
    """The tagging widget for an exercise (sentence, span or name-the-span)."""
    return Tagger(exercise_id, **kwargs)
