"""Students' tags: the edit model, the journal that never loses work, export and validation.

Every edit of every kind (sentence, span, verdict, cell) goes through one
:class:`Session`:

1. the edit is checked against the exercise (labels, units, offsets);
2. it is appended to the exercise's journal and ``fsync``'d;
3. only then does the in-memory state change and the caller get a confirmation.

Re-opening the session (after a kernel restart or a browser reload) replays
the journal, tags, notes and the undo history included. A second kernel on
the same exercise gets a read-only session. A damaged line is skipped, with
a message and a copy of the damaged file kept.

Exports follow the ``kit-tags`` format, version 1 (``kit/data/schema/``),
checked by :func:`validate_export`, a fast hand-written validator.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import answers, corpus, taxonomy
from ._version import __version__
from ._io import atomic_write_text
from .journal import JOURNAL_FORMAT, Journal

if TYPE_CHECKING:  # a case is passed in, never loaded here
    from .cases import Case
from .errors import KitError

FORMAT = "kit-tags"
VERSION = 1
KINDS = ("sentence", "span", "verdict", "cell")
MAX_EXPORT_BYTES = 5_000_000
MAX_NOTE = 2000
_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
WORK_DIR_ENV = "KIT_WORK_DIR"
DEFAULT_WORK_DIR = "kit-work"


class TagError(KitError):
    """An edit or an export that breaks a rule; ``code`` is a stable reason code."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


# --- tags -----------------------------------------------------------------------------------------


def tag_key(tag: dict) -> tuple:
    """What identifies a tag: a second tag with the same key replaces the first."""
    kind = tag.get("kind")
    if kind == "sentence":
        return ("sentence", tag["unit"])
    if kind == "span":
        return ("span", tag["start"], tag["end"], tag["label"])
    if kind == "verdict":
        return ("verdict", tag["claim"])
    if kind == "cell":
        return ("cell", tag["item"], tag["field"])
    if kind == "control":  # key mode: a sentence left untagged on purpose
        return ("control", tag["unit"])
    raise TagError("unknown_kind", f"unknown tag kind {kind!r}")


def check_note(note: Any, where: str) -> str:
    if not isinstance(note, str):
        raise TagError("wrong_type", f"{where}: the note must be text")
    if not is_encodable(note):
        raise TagError("bad_text", f"{where}: the note holds half of a character (a broken emoji?); type it again")
    if len(note) > MAX_NOTE:
        raise TagError("too_large", f"{where}: the note is longer than {MAX_NOTE} characters")
    return note


@dataclass(frozen=True)
class Rules:
    """What an exercise allows: built once per exercise and used for every edit and export."""

    exercise: answers.Exercise
    document: corpus.Document
    labels: frozenset[str]
    claims: frozenset[str] = frozenset()
    record: frozenset[str] = frozenset()
    items: frozenset[str] = frozenset()
    fields: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def for_exercise(cls, exercise_id: str, case: "Case | None" = None) -> "Rules":
        """The rules of a built-in exercise, or of one of ``case``'s exercises (its document, its key's claims)."""
        ex = case.exercise(exercise_id) if case is not None else answers.exercise(exercise_id)
        doc = case.document if case is not None else corpus.load_editorial()
        extra: dict[str, Any] = {}
        if ex.kind == "verdict":
            if ex.claims:  # a case's exercise lists its claims; its key may be private
                extra["claims"] = frozenset(c.id for c in ex.claims)
            else:
                key = case.key(ex.id) if case is not None else answers.load_key(ex.id)
                extra["claims"] = frozenset(key.ids)
            extra["record"] = frozenset(r.id for r in corpus.load_record())
        if ex.kind == "cell":
            extra["items"] = frozenset(a.id for a in corpus.load_articles())
            extra["fields"] = {f.code: frozenset(f.codes) for f in taxonomy.grid_fields()}
        return cls(exercise=ex, document=doc, labels=frozenset(ex.labels), **extra)

    def check(self, tag: Any, where: str = "tag") -> dict:
        """A clean copy of ``tag``, or :class:`TagError` naming what is wrong."""
        if not isinstance(tag, dict):
            raise TagError("wrong_type", f"{where}: a tag must be an object")
        kind = tag.get("kind")
        if kind != self.exercise.kind:
            raise TagError("unknown_kind", f"{where}: exercise {self.exercise.id!r} takes {self.exercise.kind} tags, "
                                           f"not {kind!r}")
        label = tag.get("label")
        if not isinstance(label, str):
            raise TagError("missing_field" if label is None else "wrong_type", f"{where}: needs a label")
        note = check_note(tag.get("note", ""), where)
        doc = self.document
        if kind == "sentence":
            unit = tag.get("unit")
            if not isinstance(unit, str) or not doc.has_unit(unit):
                raise TagError("unknown_unit", f"{where}: {unit!r} is not a unit of {doc.id}")
            checkworthy = tag.get("checkworthy", False)
            if not isinstance(checkworthy, bool):
                raise TagError("wrong_type", f"{where}: checkworthy must be true or false")
            self._label(label, where)
            return {"kind": kind, "unit": unit, "label": label, "checkworthy": checkworthy, "note": note}
        if kind == "span":
            start, end = tag.get("start"), tag.get("end")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
                raise TagError("wrong_type", f"{where}: start and end must be whole numbers")
            if not (0 <= start <= len(doc.text) and 0 <= end <= len(doc.text)):
                raise TagError("offsets_out_of_range", f"{where}: {start}-{end} lies outside the text")
            if end == start:
                raise TagError("offsets_reversed", f"{where}: the span at {start} is empty (it must cover a word)")
            if end < start:
                raise TagError("offsets_reversed", f"{where}: the span ends ({end}) before it starts ({start})")
            if start not in doc.token_starts or end not in doc.token_ends:
                raise TagError("not_on_tokens", f"{where}: the span {start}-{end} starts or ends inside a word "
                                                "(spans cover whole words)")
            quote = tag.get("quote", doc.text[start:end])
            if quote != doc.text[start:end]:
                raise TagError("quote_mismatch", f"{where}: the quote {str(quote)[:40]!r} is not the text at {start}-{end}")
            self._label(label, where)
            return {"kind": kind, "start": start, "end": end, "quote": doc.text[start:end], "label": label, "note": note}
        if kind == "verdict":
            claim = tag.get("claim")
            if claim not in self.claims:
                raise TagError("unknown_claim", f"{where}: {claim!r} is not a claim of this exercise")
            evidence = tag.get("evidence", [])
            if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
                raise TagError("wrong_type", f"{where}: evidence must be a list of record item ids")
            unknown = [e for e in evidence if e not in self.record]
            if unknown:
                raise TagError("unknown_record", f"{where}: {unknown[0]!r} is not an item of the record")
            if len(set(evidence)) != len(evidence):
                raise TagError("duplicate_tag", f"{where}: a record item is cited twice")
            outside = check_outside(tag.get("outside", []), where)
            self._label(label, where)
            checked = {"kind": kind, "claim": claim, "label": label, "evidence": list(evidence), "note": note}
            return checked | ({"outside": outside} if outside else {})
        item, grid_field = tag.get("item"), tag.get("field")
        if item not in self.items:
            raise TagError("unknown_item", f"{where}: {item!r} is not a coverage article")
        if grid_field in RETIRED_GRID_FIELDS:
            raise TagError("retired_field", f"{where}: {grid_field!r} is no longer a grid field; its answers are not "
                                            "scored")
        if grid_field not in self.fields:
            raise TagError("unknown_field", f"{where}: {grid_field!r} is not a grid field")
        if label not in self.fields[grid_field]:
            raise TagError("unknown_label", f"{where}: {label!r} is not a value of {grid_field}")
        return {"kind": kind, "item": item, "field": grid_field, "label": label, "note": note}

    def _label(self, label: str, where: str) -> None:
        if label not in self.labels:
            raise TagError("unknown_label", f"{where}: {label!r} is not a label of exercise {self.exercise.id!r} "
                                            f"({', '.join(sorted(self.labels))})")


def overlapping_same_label(tags: dict[tuple, dict], tag: dict) -> dict | None:
    """An existing span with the same label that overlaps ``tag``, if any (the rule of
    :func:`same_label_overlaps`, for one new tag)."""
    if tag["kind"] != "span":
        return None
    others = [t for t in tags.values() if t["kind"] == "span" and t["label"] == tag["label"]
              and tag_key(t) != tag_key(tag)]
    spans = [(t["label"], t["start"], t["end"], n) for n, t in enumerate(others)]
    spans.append((tag["label"], tag["start"], tag["end"], len(others)))
    for earlier, later in same_label_overlaps(spans):
        if later == len(others):
            return others[earlier]
        if earlier == len(others):
            return others[later]
    return None


# --- the edit model (pure: no files) --------------------------------------------------------------


class TagState:
    """Tags plus undo and redo stacks. Edits: ``set``, ``delete``, ``undo``, ``redo``, ``student``.

    Each ``set`` or ``delete`` records how to reverse it, so undo and redo
    replay exactly, also after a restart (the journal stores the edits).
    """

    def __init__(self) -> None:
        self.tags: dict[tuple, dict] = {}
        self.undo_stack: list[list[tuple[tuple, dict | None]]] = []
        self.redo_stack: list[list[tuple[tuple, dict | None]]] = []
        self.student: dict[str, str] = {}

    def _swap(self, changes: list[tuple[tuple, dict | None]]) -> list[tuple[tuple, dict | None]]:
        """Apply (key, new tag or None) pairs; return the pairs that reverse them."""
        reverse = []
        for key, new in changes:
            reverse.append((key, self.tags.get(key)))
            if new is None:
                self.tags.pop(key, None)
            else:
                self.tags[key] = new
        reverse.reverse()
        return reverse

    def apply(self, edit: dict) -> None:
        op = edit["op"]
        if op == "set":
            tag = edit["tag"]
            self.undo_stack.append(self._swap([(tag_key(tag), tag)]))
            self.redo_stack.clear()
        elif op == "delete":
            key = tuple(edit["key"])
            if key in self.tags:
                self.undo_stack.append(self._swap([(key, None)]))
                self.redo_stack.clear()
        elif op == "undo":
            if self.undo_stack:
                self.redo_stack.append(self._swap(self.undo_stack.pop()))
        elif op == "redo":
            if self.redo_stack:
                self.undo_stack.append(self._swap(self.redo_stack.pop()))
        elif op == "student":
            self.student = {"id": edit["id"], "name": edit.get("name", "")}
        else:
            raise TagError("wrong_type", f"unknown edit {op!r}")

    def sorted_tags(self) -> list[dict]:
        return [self.tags[k] for k in sorted(self.tags, key=_sort_key)]


def is_encodable(text: str) -> bool:
    """False for text that cannot be written as UTF-8 (a lone surrogate: half of an emoji)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _sort_key(key: tuple) -> tuple:
    return tuple((0, v) if isinstance(v, int) else (1, str(v)) for v in key)


# --- where work lives ----------------------------------------------------------------------------


def default_work_dir() -> Path:
    """``$KIT_WORK_DIR``, else ``kit-work`` beside the notebook (the kernel's working folder)."""
    return Path(os.environ.get(WORK_DIR_ENV) or DEFAULT_WORK_DIR).expanduser()


def durability_note() -> str:
    """Why work may not survive here, or "" where the journal is durable."""
    if sys.platform == "emscripten":
        return ("This is the browser-only edition: your work lives in this browser's storage. "
                "Export your tags often and keep the file.")
    if os.environ.get("COLAB_RELEASE_TAG") or "google.colab" in sys.modules:
        return ("In Colab the work folder is deleted when the runtime stops. "
                "Export your tags before you leave and keep the file.")
    return ""


# --- the session ----------------------------------------------------------------------------------


_OPEN_SESSIONS: dict[Path, "Session"] = {}


def newest_session(session: "Session") -> "Session":
    """The session that now owns ``session``'s journal in this kernel (a re-run cell replaces the old one)."""
    path = session.journal_path
    return (_OPEN_SESSIONS.get(path) if path is not None else None) or session


class Session:
    """One student's work on one exercise: edits go through here, and only here.

    >>> import tempfile
    >>> s = Session("claims-practice", work_dir=tempfile.mkdtemp())
    >>> s.set({"kind": "sentence", "unit": "p08.s2", "label": "CHECK", "checkworthy": True})["label"]
    'CHECK'
    >>> s.undo(), len(s.tags)
    (True, 0)
    >>> s.close()
    """

    def __init__(self, exercise_id: str, *, work_dir: Path | str | None = None, journal: bool = True,
                 case: "Case | None" = None, author_rules: Callable[[Rules], Any] | None = None):
        """``author_rules`` opens key mode: it wraps the exercise's rules in an author's
        (``kit.keymode.AuthorRules``, passed in by the tagger so that this module does not import key mode)."""
        self.case = case if case is not None and not case.builtin else None
        self.author = author_rules is not None
        self.rules = Rules.for_exercise(exercise_id, self.case)
        if author_rules is not None:  # key mode: the author's journal lives with the case's keys
            if self.case is None:
                raise KitError("key mode needs a case folder (kit new makes one): Tagger(..., case=FOLDER, author=True)")
            if self.case.shipped:
                raise KitError(f"{self.case.id!r} ships with the kit: make a key in a copy of its folder, or in a case "
                               "of your own (kit new makes one)")
            self.rules = author_rules(self.rules)
            work_dir = self.case.folder / "keys"
        self.exercise = self.rules.exercise
        self.document = self.rules.document
        self.work_dir = Path(work_dir) if work_dir is not None else default_work_dir()
        self.state = TagState()
        self.messages: list[str] = []
        self.journal: Journal | None = None
        self.closed_reason = ""
        if journal:
            path = (self.work_dir / f"{self.journal_name}.journal.jsonl").resolve()
            earlier = _OPEN_SESSIONS.get(path)
            if earlier is not None:  # the cell was re-run in this kernel: the newest session takes over
                earlier.close("This tagger was replaced by a newer one (the cell was run again): use the newest one.")
            header = {"journal": JOURNAL_FORMAT, "version": VERSION, "exercise": self.exercise.id,
                      "document": {"id": self.document.id, "sha256": self.document.sha256},
                      "created": _now(), "kit_version": __version__}
            self.journal = Journal(path, header)
            skipped = []
            for edit in self.journal.open():
                try:
                    self._replay(edit)
                except (KitError, KeyError, TypeError, ValueError):
                    skipped.append(f"An edit in your work file could not be replayed and was skipped: {edit}")
            self.messages += self.journal.messages + skipped
            if not self.journal.read_only:
                _OPEN_SESSIONS[path] = self
        note = durability_note()
        if note:
            self.messages.append(note)

    @property
    def journal_name(self) -> str:
        """The exercise's name in the work folder: a case's exercises go by ``<case>.<exercise>``."""
        if self.case is None:
            return self.exercise.id
        return f"{self.case.id}.{self.exercise.id}" + (".key" if self.author else "")

    @property
    def read_only(self) -> bool:
        return bool(self.journal and self.journal.read_only)

    @property
    def journal_path(self) -> Path | None:
        return self.journal.path if self.journal else None

    @property
    def tags(self) -> list[dict]:
        return self.state.sorted_tags()

    @property
    def can_undo(self) -> bool:
        return bool(self.state.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.state.redo_stack)

    @property
    def student(self) -> dict[str, str]:
        return dict(self.state.student)

    def _replay(self, edit: dict) -> None:
        if edit["op"] == "set":
            edit = dict(edit, tag=self.rules.check(edit["tag"]))
        self.state.apply(edit)

    def _commit(self, edit: dict) -> None:
        if self.closed_reason:
            raise KitError(self.closed_reason)
        # Durable first: a confirmation means the edit is on disk.
        if self.journal is not None:
            self.journal.append(dict(edit, at=_now()))
        self.state.apply(edit)

    def set(self, tag: dict) -> dict:
        """Add a tag, or replace the one with the same key; returns the stored tag."""
        clean = self.rules.check(tag)
        clash = overlapping_same_label(self.state.tags, clean)
        if clash is not None:
            raise TagError("same_label_overlap",
                           f"'{clash['quote']}' already has {taxonomy.label_of(clean['label'])}; "
                           "two spans with the same label may not overlap. Delete or change one of them.")
        self._commit({"op": "set", "tag": clean})
        return clean

    def delete(self, key: tuple | list) -> bool:
        if not (isinstance(key, (list, tuple)) and 0 < len(key) <= 5
                and all(isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in key)):
            raise TagError("wrong_type", "a delete needs the key of a tag (a short list of names and numbers)")
        key = tuple(key)
        if key not in self.state.tags:
            return False
        self._commit({"op": "delete", "key": list(key)})
        return True

    def undo(self) -> bool:
        if not self.state.undo_stack:
            return False
        self._commit({"op": "undo"})
        return True

    def redo(self) -> bool:
        if not self.state.redo_stack:
            return False
        self._commit({"op": "redo"})
        return True

    def set_student(self, student_id: str, name: str = "") -> None:
        check_student({"id": student_id, "name": name})
        self._commit({"op": "student", "id": student_id, "name": name})
        remember_student(self.work_dir, student_id, name)

    def export_data(self) -> dict:
        """The export as a dict (format kit-tags, version 1)."""
        if not self.state.student:
            raise KitError("set your student id first (session.set_student('your-id'))")
        return {
            "format": FORMAT, "version": VERSION, "kit_version": __version__,
            "exercise": self.exercise.id,
            "document": {"id": self.document.id, "sha256": self.document.sha256},
            "student": self.student,
            "saved_at": _now(),
            "tags": self.tags,
        }

    def export(self, path: Path | str | None = None) -> Path:
        """Write the export atomically (validated first) and return its path.

        The default file is ``<work dir>/exports/<student>-<exercise>.json``; exporting
        again replaces the student's own earlier export of the same exercise.
        """
        data = self.export_data()
        problems = validate_export(data, case=self.case)
        if problems:
            raise TagError(problems[0].code, f"the export did not validate: {problems[0].message}")
        hand_in = self.work_dir / "exports" / (export_name(data) if self.case is None else
                                               f"{data['student']['id']}-{self.journal_name}.json")
        if self.read_only and (path is None or Path(path).resolve() == hand_in.resolve()):
            # The hand-in file belongs to the copy that can write: a stale copy must not replace newer work.
            if self.journal.read_only_reason == "locked":
                raise TagError("read_only", "Not exported: this copy is read-only because the exercise is open in "
                                            "another notebook or kernel, which has your newest work. Export from "
                                            "that one. Nothing was written.")
            raise TagError("read_only", "Not exported: the work folder cannot be written. Export to a file in a "
                                        "folder you can write: tagger.export('elsewhere/my-tags.json').")
        path = hand_in if path is None else path
        atomic_write_text(Path(path), json.dumps(data, ensure_ascii=False, indent=1) + "\n", overwrite=True)
        return Path(path)

    def close(self, reason: str = "This session is closed.") -> None:
        self.closed_reason = reason
        if self.journal is not None:
            if _OPEN_SESSIONS.get(self.journal.path) is self:
                del _OPEN_SESSIONS[self.journal.path]
            self.journal.close()


def export_name(data: dict) -> str:
    return f"{data['student']['id']}-{data['exercise']}.json"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_student(student: Any) -> dict:
    if not isinstance(student, dict):
        raise TagError("wrong_type", "student must be an object with an id")
    sid = student.get("id")
    if not isinstance(sid, str) or not _STUDENT_ID.match(sid):
        raise TagError("bad_student_id", f"{str(sid)[:40]!r} is not a usable student id: 1-64 letters, digits "
                                         "and . _ @ + - (no spaces, slashes or control characters)")
    name = student.get("name", "")
    if not isinstance(name, str) or len(name) > 200:
        raise TagError("bad_student_id", "the student name must be text of at most 200 characters")
    if _CONTROL.search(name):
        raise TagError("bad_student_id", "the student name holds a control character (a line break, a tab ...)")
    if not is_encodable(name):
        raise TagError("bad_student_id", "the student name holds half of a character (a broken emoji?)")
    return {"id": sid, "name": name}


def remember_student(work_dir: Path, student_id: str, name: str = "") -> None:
    atomic_write_text(Path(work_dir) / "student.json", json.dumps({"id": student_id, "name": name}) + "\n",
                      overwrite=True)


def remembered_student(work_dir: Path | None = None) -> dict[str, str]:
    """The student id to suggest: the one typed before, else ``$JUPYTERHUB_USER``."""
    path = Path(work_dir or default_work_dir()) / "student.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return check_student(data)
    except (OSError, ValueError, KitError):
        pass
    hub = os.environ.get("JUPYTERHUB_USER", "")
    return {"id": hub, "name": "", "from": "JUPYTERHUB_USER"} if hub else {}


# --- validation of exports ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


_TOP_FIELDS = {"format": str, "version": int, "kit_version": str, "exercise": str, "document": dict,
               "student": dict, "saved_at": str, "tags": list}
_TAG_FIELDS = {
    "sentence": {"kind": str, "unit": str, "label": str, "checkworthy": bool, "note": str},
    "span": {"kind": str, "start": int, "end": int, "quote": str, "label": str, "note": str},
    "verdict": {"kind": str, "claim": str, "label": str, "evidence": list, "note": str, "outside": list},
    "cell": {"kind": str, "item": str, "field": str, "label": str, "note": str},
}
_OPTIONAL = {"note", "checkworthy", "evidence", "name", "outside"}
MAX_OUTSIDE = 5  # outside sources per verdict: enough for lateral reading, not a bibliography
MAX_URL = 500


def check_outside(outside: Any, where: str = "tag", *, most: int = MAX_OUTSIDE) -> list[str]:
    """A verdict's outside sources: web addresses the student found beyond the record (not scored);
    ``most``: how many are allowed (a key's author may list more)."""
    if not isinstance(outside, list) or not all(isinstance(u, str) for u in outside):
        raise TagError("wrong_type", f"{where}: outside sources must be a list of web addresses")
    for url in outside:
        if not re.fullmatch(r"https?://[^\s<>\"']+", url) or len(url) > MAX_URL:
            raise TagError("bad_url", f"{where}: {url[:60]!r} is not a web address (it starts with https://, "
                                      f"has no spaces and is at most {MAX_URL} characters)")
    if len(set(outside)) != len(outside):
        raise TagError("duplicate_tag", f"{where}: an outside source is given twice")
    if len(outside) > most:
        raise TagError("too_many", f"{where}: at most {most} outside sources per verdict")
    return list(outside)


#: Grid fields the kit once asked: exports made before they went still grade, their answers set aside
#: (csto_frame: the stored articles could not decide it for 17 of 21 outlets).
RETIRED_GRID_FIELDS = frozenset({"csto_frame"})

_rules_cache: dict[str, Rules] = {}


def rules_for(exercise_id: str, case: "Case | None" = None) -> Rules:
    """The :class:`Rules` of an exercise (built once per built-in exercise; a case's, each time: its
    key may be changing in key mode)."""
    if case is not None and not case.builtin:
        return Rules.for_exercise(exercise_id, case)
    if exercise_id not in _rules_cache:
        _rules_cache[exercise_id] = Rules.for_exercise(exercise_id)
    return _rules_cache[exercise_id]


def validate_structure(data: Any) -> list[Problem]:
    """The checks the JSON Schema expresses (types, required fields, no unknown fields)."""
    if not isinstance(data, dict):
        return [Problem("not_object", "the file must hold one JSON object")]
    for name, kind in _TOP_FIELDS.items():
        if name not in data:
            return [Problem("missing_field", f"the field {name!r} is missing")]
        if not _is(data[name], kind):
            return [Problem("wrong_type", f"the field {name!r} must be {kind.__name__}")]
    extra = set(data) - set(_TOP_FIELDS)
    if extra:
        return [Problem("unknown_field", f"unknown field {sorted(extra)[0]!r}")]
    if data["format"] != FORMAT:
        return [Problem("wrong_format", f"this is not a kit tag file (format {data['format']!r})")]
    if data["version"] != VERSION:
        return [Problem("wrong_version", f"version {data['version']} is not one this kit reads (1)")]
    doc = data["document"]
    if set(doc) != {"id", "sha256"} or not all(isinstance(doc[k], str) for k in doc):
        return [Problem("wrong_type", "document must be {id, sha256}")]
    student = data["student"]
    if "id" not in student or not isinstance(student["id"], str) or set(student) - {"id", "name"} \
            or not isinstance(student.get("name", ""), str):
        return [Problem("wrong_type", "student must be {id, name}")]
    for i, tag in enumerate(data["tags"]):
        where = f"tag {i + 1}"
        if not isinstance(tag, dict):
            return [Problem("wrong_type", f"{where} must be an object")]
        kind = tag.get("kind")
        fields = _TAG_FIELDS.get(kind) if isinstance(kind, str) else None
        if fields is None:
            return [Problem("unknown_kind", f"{where} has an unknown kind {str(kind)[:20]!r}")]
        for name, kind in fields.items():
            if name not in tag:
                if name in _OPTIONAL:
                    continue
                return [Problem("missing_field", f"{where} has no {name!r}")]
            if not _is(tag[name], kind):
                return [Problem("wrong_type", f"{where}: {name!r} must be {kind.__name__}")]
        if set(tag) - set(fields):
            return [Problem("unknown_field", f"{where}: unknown field {sorted(set(tag) - set(fields))[0]!r}")]
        if tag["kind"] == "verdict" and not all(isinstance(e, str) for e in tag.get("evidence", [])):
            return [Problem("wrong_type", f"{where}: evidence must list record item ids")]
        if tag["kind"] == "verdict" and not all(isinstance(u, str) for u in tag.get("outside", [])):
            return [Problem("wrong_type", f"{where}: outside sources must be web addresses")]
    return []


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def validate_export(data: Any, *, exercise: str | None = None, case: "Case | None" = None) -> list[Problem]:
    """Every problem of an export (empty when it is valid), most basic first.

    ``exercise`` additionally requires the file to be for that exercise; ``case`` checks it against a
    case's exercises and text instead of the built-in ones.
    """
    problems = validate_structure(data)
    if problems:
        return problems
    try:
        check_student(data["student"])
    except TagError as exc:
        return [Problem(exc.code, str(exc))]
    if exercise is not None and data["exercise"] != exercise:
        return [Problem("wrong_exercise", f"this file is for exercise {data['exercise']!r}, not {exercise!r}")]
    try:
        rules = rules_for(data["exercise"], case)
    except KitError:
        return [Problem("unknown_exercise", f"unknown exercise {data['exercise']!r}")]
    if data["document"] != {"id": rules.document.id, "sha256": rules.document.sha256}:
        return [Problem("document_mismatch", "the tags were made on another version of the text (document hash "
                                             "differs); re-export from the current lesson")]
    try:
        datetime.fromisoformat(data["saved_at"].replace("Z", "+00:00"))
    except ValueError:
        return [Problem("wrong_type", f"saved_at {data['saved_at'][:40]!r} is not a date and time")]
    seen: set[tuple] = set()
    spans: list[tuple[str, int, int, int]] = []  # (label, start, end, tag number) of the spans that passed
    problems = []
    for i, tag in enumerate(data["tags"]):
        try:
            clean = rules.check(tag, f"tag {i + 1}")
        except TagError as exc:
            if exc.code != "retired_field":  # an answer to a field the grid no longer asks: set aside, not wrong
                problems.append(Problem(exc.code, str(exc)))
            continue
        key = tag_key(clean)
        if key in seen:
            problems.append(Problem("duplicate_tag", f"tag {i + 1} repeats an earlier tag"))
            continue
        seen.add(key)
        if clean["kind"] == "span":
            spans.append((clean["label"], clean["start"], clean["end"], i + 1))
    problems += [Problem("same_label_overlap", f"tag {later} overlaps tag {earlier}, which has the same label")
                 for earlier, later in same_label_overlaps(spans)]
    return problems


def same_label_overlaps(spans: Iterable[tuple[str, int, int, int]]) -> list[tuple[int, int]]:
    """Pairs (n, m) of spans, given as (label, start, end, n), that share a character and a label.

    Sorted by label and start, each span need only be compared with the furthest-reaching earlier
    span of its label: one pass after sorting, not every pair (a file of 60,000 spans takes
    milliseconds). Each overlapping span is reported once, with one span it overlaps.
    """
    found = []
    label = None
    reach_end, reach_n = -1, 0
    for lab, start, end, n in sorted(spans):
        if lab != label:
            label, reach_end, reach_n = lab, -1, 0
        if start < reach_end:
            found.append((min(reach_n, n), max(reach_n, n)))
        if end > reach_end:
            reach_end, reach_n = end, n
    return sorted(found, key=lambda pair: pair[1])


def read_export(path: Path | str, *, max_bytes: int = MAX_EXPORT_BYTES) -> dict:
    """Read an export file safely: size checked before reading, depth-limited JSON, UTF-8 only.

    Raises :class:`TagError` with a reason code; does not validate the content.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise TagError("empty_file", "the file is empty")
    if size > max_bytes:
        raise TagError("too_large", f"{size:,} bytes is far more than a tag file needs (limit {max_bytes:,})")
    return parse_export_bytes(path.read_bytes())


def parse_export_bytes(raw: bytes) -> Any:
    if not raw.strip():
        raise TagError("empty_file", "the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TagError("not_utf8", "the file is not UTF-8 text (is it a tag file at all?)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TagError("not_json", f"not valid JSON ({exc.msg.rstrip(' at')}, line {exc.lineno})") from None
    except RecursionError:  # the C parser recurses per level of nesting
        raise TagError("too_deep", "the JSON is nested far deeper than a tag file") from None
    except ValueError:  # an integer beyond Python's digit limit for conversion (4,300 digits)
        raise TagError("number_too_long", "a number in the file has thousands of digits: not a tag file") from None


def validate_file(path: Path | str, *, exercise: str | None = None) -> tuple[dict | None, list[Problem]]:
    """Read and validate one export: (data, problems)."""
    try:
        data = read_export(path)
    except TagError as exc:
        return None, [Problem(exc.code, str(exc))]
    except OSError as exc:
        return None, [Problem("unreadable", f"could not read the file: {exc.strerror}")]
    return data, validate_export(data, exercise=exercise)
