"""Instructor grading: a folder of exported tag files -> a gradebook, feedback pages and class insight.

The grader never falls over on a bad file: every file is either graded or listed in
``rejected.csv`` with a reason code (:data:`REASONS`). It reads files, folders
(recursively) and zip files as learning-management systems hand them out, without
extracting anything to disk. Scores come from :func:`kit.scoring.score`, the function the
lessons' self-check calls, so a student's self-check and the instructor's grade agree.

>>> neutralise("=SUM(A1:A9)"), neutralise("plain text")
("'=SUM(A1:A9)", 'plain text')

What :func:`grade` writes into the output folder (and nowhere else):

``grades.csv``
    one row per student: id, name, score, max, percent, per-part scores (see
    :data:`PART_COLUMNS`), the file graded and any other file the same student handed in;
``items.csv``
    one row per student and key item: outcome, points, the answer, the accepted answers and
    a short feedback sentence;
``rejected.csv``
    one row per file that could not be graded: file, reason code, message (and the student
    id when the file names one);
``feedback/<student>.html`` and ``index.html``
    one self-contained page per student (no external assets, every piece of student text
    HTML-escaped, identical for identical input) and a page listing them;
``canvas.csv`` or ``moodle.csv``
    the gradebook in the LMS's import layout (``fmt="canvas"`` or ``"moodle"``).

**Spreadsheet formulas.** Every text cell of every CSV file that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a single quote in front (``'=1+1``), so a
spreadsheet shows it as text instead of running it. Numbers are written as numbers.

**Safety.** Nothing is written until everything has been read and graded; existing output
files are never replaced without ``force`` (the check runs before the first write); every file
is written into a staging folder inside the output folder and renamed into place when all are
written (the tables synced to disk first; see :class:`_Writer`). Files
larger than :data:`kit.tags.MAX_EXPORT_BYTES` (and zip members declaring such a size) are
refused before they are read.

The class analytics at the end of this module (:func:`score_histogram`,
:func:`difficulty_chart`, :func:`confusion_heatmap`, :func:`class_agreement`,
:func:`item_disagreement`, :func:`discussion_prompts`, :func:`worth_a_look`) import pandas
and plotly when called; importing this module does not.
"""

from __future__ import annotations

import bisect
import csv
import gc
import hashlib
import html
import io
import json
import math
import os
import re
import shutil
import stat
import statistics
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from . import __version__, answers, corpus, scoring, tags, taxonomy
from .errors import KitError
from .tags import Problem, TagError

FORMATS = ("generic", "canvas", "moodle")
MAX_ROSTER_BYTES = 20_000_000

# --- reason codes ---------------------------------------------------------------------------------

#: Why a file was not graded: reason code -> (what is wrong, what the student can do).
#: Codes from :mod:`kit.tags` keep their meaning; the grader adds the file-level ones.
REASONS: dict[str, tuple[str, str]] = {
    # reading the file
    "empty_file": ("the file is empty",
                   "Export your tags again from the worksheet and hand in the new file."),
    "too_large": ("the file is far larger than a tag file can be",
                  "Hand in the .json file that the worksheet's Export button wrote, not another file."),
    "not_a_file": ("this is not a regular file (a device, a pipe or a socket)",
                   "Hand in the .json file that the worksheet's Export button wrote."),
    "unreadable": ("the file could not be read",
                   "Check that the file is not locked or encrypted, then hand it in again."),
    "bad_zip": ("the zip file is damaged or is not a zip file",
                "Download the submissions from the LMS again, or unzip them and grade the folder."),
    "nested_zip": ("a zip file inside a zip file is not opened",
                   "Unzip the inner zip file and grade the folder it gives."),
    "binary": ("this is a binary file (an image, a PDF, a Word document or an archive?), not a tag file",
               "Hand in the .json file that the worksheet's Export button wrote."),
    "not_utf8": ("the file is not UTF-8 text",
                 "Export again from the worksheet; if you edited the file, save it as UTF-8."),
    "not_json": ("the file is not valid JSON",
                 "The file was changed or damaged. Export again and do not edit the file by hand."),
    "truncated": ("the JSON stops before its end (an interrupted upload or copy?)",
                  "Export again from the worksheet and upload the whole file."),
    "too_deep": ("the JSON is nested far deeper than a tag file",
                 "Hand in the .json file that the worksheet's Export button wrote."),
    "notebook": ("this is a notebook, not the exported tag file",
                 "Open the worksheet, export your tags (the Export button) and hand in the .json file it "
                 "writes."),
    "journal": ("this is the work journal, not the exported tag file",
                "Open the worksheet, export your tags (the Export button) and hand in the .json file it "
                "writes."),
    # the format
    "not_object": ("the file does not hold one JSON object",
                   "Hand in the .json file that the worksheet's Export button wrote."),
    "missing_field": ("a required field is missing",
                      "Export again from the worksheet; do not edit the file by hand."),
    "wrong_type": ("a field has the wrong type of value",
                   "Export again from the worksheet; do not edit the file by hand."),
    "unknown_field": ("the file has a field a tag file does not have",
                      "Export again from the worksheet; do not edit the file by hand."),
    "wrong_format": ("this is not a kit tag file",
                     "Hand in the .json file that the worksheet's Export button wrote."),
    "wrong_version": ("the file was written in a version of the format this kit does not read",
                      "Export with the kit version your class uses."),
    "bad_student_id": ("the student id (or name) cannot be used",
                       "Set your id again in the worksheet: 1-64 letters, digits and . _ @ + - (no spaces or "
                       "slashes), then export again."),
    "wrong_exercise": ("the file is for another exercise",
                       "Check that you exported the right worksheet (practice files are not graded)."),
    "unknown_exercise": ("the file names an exercise this kit does not have",
                         "Export from the worksheet your instructor gave you."),
    "document_mismatch": ("the tags were made on another version of the text",
                          "Re-open the worksheet with the class's kit version and export again."),
    # the tags
    "unknown_kind": ("a tag is of a kind this exercise does not take",
                     "Export from the right worksheet."),
    "unknown_unit": ("a tag names a sentence the text does not have",
                     "Export again from the worksheet; do not edit the file by hand."),
    "unknown_label": ("a tag uses a label this exercise does not have",
                      "Use the exercise's labels (the buttons in the worksheet) and export again."),
    "offsets_out_of_range": ("a span lies outside the text",
                             "Export again from the worksheet; do not edit the file by hand."),
    "offsets_reversed": ("a span ends before it starts",
                         "Export again from the worksheet; do not edit the file by hand."),
    "quote_mismatch": ("a span's quoted words are not the words of the text at that place",
                       "Export again from the worksheet; do not edit the file by hand."),
    "unknown_claim": ("a verdict names a claim this exercise does not have",
                      "Export again from the worksheet; do not edit the file by hand."),
    "unknown_record": ("a verdict cites a record item the record does not have",
                       "Cite record items from the worksheet's record table and export again."),
    "unknown_item": ("a cell names an article the coverage does not have",
                     "Export again from the worksheet; do not edit the file by hand."),
    "duplicate_tag": ("the same tag appears twice",
                      "Export again from the worksheet; do not edit the file by hand."),
    "same_label_overlap": ("two spans with the same label overlap",
                           "Delete or change one of them in the worksheet and export again."),
    "internal_error": ("the kit could not check this file (a bug in the kit)",
                       "Tell your instructor; they can report it with the file."),
}

#: Things worth knowing that do not stop a file from being graded.
NOTES: dict[str, str] = {
    "duplicate_submission": "the same student handed in more than one file; the one saved last "
                            "(saved_at) is graded",
}


def describe(code: str) -> str:
    """What a reason code means, in plain words."""
    return REASONS.get(code, (code.replace("_", " "), ""))[0]


def advice(code: str) -> str:
    """What a student can do about a reason code."""
    return REASONS.get(code, ("", "Export again from the worksheet."))[1]


class UsageError(KitError):
    """The options do not fit together, or an argument names nothing (``kit`` exits with 2)."""


# --- spreadsheet safety ---------------------------------------------------------------------------

_FORMULA_START = frozenset("=+-@\t\r")


def neutralise(text: str) -> str:
    """A CSV text cell that no spreadsheet will run as a formula: ``'`` before = + - @ tab CR."""
    return "'" + text if text and text[0] in _FORMULA_START else text


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV (RFC 4180, CRLF) with text cells neutralised and numbers written plainly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    numbers: dict[Any, str] = {}  # scores repeat across a class; equal numbers print alike (1 == 1.0 == True)

    def number(value: Any) -> str:
        try:
            text = numbers.get(value)
        except TypeError:  # pragma: no cover - unhashable: not a number the kit writes
            return _number(value)
        if text is None:
            text = numbers[value] = _number(value)
        return text

    for row in rows:
        writer.writerow(_cells(row, number))
    return buffer.getvalue().encode("utf-8", "replace")


def _cells(row: Sequence[Any], number: Callable[[Any], str] = _number) -> list[str]:
    """A CSV row's cells as written: text neutralised, numbers written plainly."""
    return [neutralise(c) if isinstance(c, str) else number(c) for c in row]


# --- collecting submissions -----------------------------------------------------------------------

_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def _is_junk(name: str) -> bool:
    """macOS resource forks and folders, hidden files, Windows thumbnails."""
    parts = name.replace("\\", "/").split("/")
    if "__MACOSX" in parts:
        return True
    base = parts[-1]
    return not base or base.startswith(".") or base.lower() in _JUNK_NAMES


class _Archive:
    """One zip file, opened on first use and shared by its members."""

    def __init__(self, path: Path):
        self.path = path
        self._zip: zipfile.ZipFile | None = None

    def open(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        return self._zip

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


@dataclass(frozen=True)
class Source:
    """One submission to read: a file, or a member of a zip file (read without extracting it).

    ``name`` is how reports name it: the path as given, or ``"<zip>:<member>"``.
    ``size`` is the size in bytes known before reading (for a zip member, what its header
    declares), or -1. ``problem`` is set when the source is known to be unreadable.
    """

    name: str
    path: Path
    member: str | None = None
    size: int = -1
    problem: Problem | None = None
    archive: _Archive | None = field(default=None, compare=False, repr=False)

    def read(self, max_bytes: int = tags.MAX_EXPORT_BYTES) -> bytes:
        """The raw bytes; :class:`~kit.tags.TagError` when too large or unreadable, checked before reading."""
        if self.problem is not None:
            raise TagError(self.problem.code, self.problem.message)
        if self.member is None:
            return _read_file(self.path, max_bytes)
        return _read_member(self, max_bytes)


def _too_large(size: int, max_bytes: int) -> TagError:
    return TagError("too_large", f"{size:,} bytes is far more than a tag file needs (limit {max_bytes:,})")


def _open_for_reading(path: Path) -> int:
    """A file descriptor; non-blocking, so that opening a FIFO or a device cannot hang the grader."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        fd = _open_for_reading(path)
    except OSError as exc:
        raise TagError("unreadable", f"could not read the file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TagError("not_a_file", "this is not a regular file")
        if info.st_size > max_bytes:  # refused before a single byte is read
            raise _too_large(info.st_size, max_bytes)
        parts, total = [], 0
        while total <= max_bytes:  # the file may grow while we read: stop one byte past the limit
            chunk = os.read(fd, max(info.st_size + 1 - total, 1 << 16) if total <= info.st_size
                            else max_bytes + 1 - total)
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise TagError("unreadable", f"could not read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise _too_large(total, max_bytes)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _read_member(source: Source, max_bytes: int) -> bytes:
    if source.size > max_bytes:  # the header's declared size: refused before decompressing
        raise _too_large(source.size, max_bytes)
    try:
        with source.archive.open().open(source.member) as handle:
            raw = handle.read(max_bytes + 1)  # never trust the header alone
    except RuntimeError as exc:  # encrypted member
        raise TagError("unreadable", f"could not read the zip member: {exc}") from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise TagError("bad_zip", f"could not read the zip member: {exc}") from None
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
    return raw


def _zip_sources(path: Path, shown: str) -> list[Source]:
    archive = _Archive(path)
    try:
        infos = archive.open().infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        archive.close()
        return [Source(shown, path, problem=Problem("bad_zip", f"could not open the zip file: {exc}"))]
    out = []
    for info in infos:
        if info.is_dir() or _is_junk(info.filename):
            continue
        name = f"{shown}:{info.filename}"
        if info.filename.lower().endswith(".zip"):
            out.append(Source(name, path, info.filename, info.file_size,
                              Problem("nested_zip", "a zip file inside a zip file is not opened; unzip it first")))
            continue
        out.append(Source(name, path, info.filename, info.file_size, archive=archive))
    return out


def collect(paths: Iterable[Path | str] | Path | str, *, exclude: Iterable[Path | str] = ()) -> list[Source]:
    """Every submission under ``paths``: files, folders (recursively) and zip files, in a stable order.

    Skips directories, hidden files and macOS ``__MACOSX`` junk; lists each file once; skips
    anything under ``exclude`` (the grader's own output files). A path that does not exist
    raises :class:`UsageError`.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    excluded = {os.path.abspath(p) for p in exclude} | {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    out: list[Source] = []

    def add_file(path: str, shown: str) -> None:
        real = os.path.abspath(path)
        if real in excluded or real in seen:
            return
        seen.add(real)
        if path.lower().endswith(".zip") and os.path.isfile(path):
            out.extend(_zip_sources(Path(path), shown))
        else:
            out.append(Source(shown, Path(path)))

    for given in paths:
        path = os.fspath(given)
        if os.path.isdir(path):
            if os.path.abspath(path) in excluded or os.path.realpath(path) in excluded:
                continue
            for folder, dirs, files in os.walk(path):  # symlinked folders are not followed
                dirs[:] = sorted(d for d in dirs if not _is_junk(d)
                                 and os.path.realpath(os.path.join(folder, d)) not in excluded
                                 and os.path.abspath(os.path.join(folder, d)) not in excluded)
                for name in sorted(files):
                    if not _is_junk(name):
                        full = os.path.join(folder, name)
                        add_file(full, full)
        elif os.path.lexists(path):
            add_file(path, path)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return out


def _close(sources: Iterable[Source]) -> None:
    for archive in {id(s.archive): s.archive for s in sources if s.archive is not None}.values():
        archive.close()


# --- reading and checking -------------------------------------------------------------------------

try:  # optional: a compiled parser for check_bytes's quick path (the tagging core stays pure Python)
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - the browser-only edition, or a minimal install
    _fast_loads = None

_MAGIC = ((b"%PDF", "a PDF"), (b"PK\x03\x04", "a zip archive or an Office document"),
          (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"\xd0\xcf\x11\xe0", "an old Office document"))


def parse_bytes(raw: bytes) -> Any:
    """The JSON value in ``raw``, or :class:`~kit.tags.TagError` with a precise reason code."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise TagError("not_utf8", "the file is UTF-16 text, not UTF-8")
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise TagError("binary", f"this looks like {what}, not a tag file")
    if b"\x00" in raw:
        raise TagError("binary", "the file holds NUL bytes: a binary file, not a tag file")
    try:
        return tags.parse_export_bytes(raw)
    except TagError as exc:
        if exc.code == "not_json":
            refined = _why_not_json(raw)
            if refined is not None:
                raise refined from None
        raise


def _why_not_json(raw: bytes) -> TagError | None:
    text = raw.decode("utf-8-sig", "replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            return TagError("truncated", f"the JSON stops before its end ({exc.msg}, line {exc.lineno})")
        if exc.msg == "Extra data":
            first = text[:exc.pos]
            try:
                head = json.loads(first)
            except ValueError:
                head = None
            if isinstance(head, dict) and head.get("journal") == tags.JOURNAL_FORMAT:
                return TagError("journal", "this is a work journal (one edit per line), not an export")
    except (ValueError, RecursionError):
        pass
    return None


_TAG_KEYS = {"sentence": frozenset({"kind", "unit", "label", "checkworthy", "note"}),
             "span": frozenset({"kind", "start", "end", "quote", "label", "note"}),
             "verdict": frozenset({"kind", "claim", "label", "evidence", "note"}),
             "cell": frozenset({"kind", "item", "field", "label", "note"})}
_STUDENT_KEYS = frozenset({"id", "name"})
_QUICK: dict[str, tuple] = {}


def _quick_rules(exercise_id: str) -> tuple:
    if exercise_id not in _QUICK:
        rules = tags._rules(exercise_id)
        doc = rules.document
        _QUICK[exercise_id] = (rules.exercise.kind, {"id": doc.id, "sha256": doc.sha256}, doc._units_by_id,
                               rules.labels, doc.text, rules.claims, rules.record, rules.items, rules.fields)
    return _QUICK[exercise_id]


def quick_valid(data: Any, exercise_id: str) -> bool:
    """True only when ``kit.tags.validate_export(data, exercise=exercise_id)`` finds no problem.

    A fast proof for the common case, a valid export: it checks the same rules with exact
    types and gives up (False) at anything unusual, which the full validator then names.
    The tests check that it never accepts what the full validator rejects.
    """
    if type(data) is not dict or len(data) != 8:
        return False
    try:
        kind, document, units, labels, text, claims, record, items, fields = _quick_rules(exercise_id)
        student = data["student"]
        saved_at = data["saved_at"]
        tag_list = data["tags"]
        if (data["format"] != tags.FORMAT or type(data["version"]) is not int or data["version"] != tags.VERSION
                or type(data["kit_version"]) is not str or type(data["exercise"]) is not str
                or data["exercise"] != exercise_id or type(data["document"]) is not dict
                or data["document"] != document or type(student) is not dict
                or not student.keys() <= _STUDENT_KEYS or type(saved_at) is not str or type(tag_list) is not list):
            return False
        sid, name = student.get("id"), student.get("name", "")
        if (type(sid) is not str or not tags._STUDENT_ID.match(sid) or type(name) is not str or len(name) > 200
                or tags._CONTROL.search(name)):
            return False
        datetime.fromisoformat(saved_at.replace("Z", "+00:00"))
    except (KeyError, ValueError, TypeError, KitError):
        return False
    allowed = _TAG_KEYS[kind]
    max_note = tags.MAX_NOTE
    seen: set = set()
    add = seen.add
    if kind == "sentence":
        try:
            for tag in tag_list:
                # `in units` and `in labels` (str keys) also prove the type: no other JSON value
                # equals a str, and a list or dict raises TypeError
                if type(tag) is not dict or not tag.keys() <= allowed or tag.get("kind") != "sentence":
                    return False
                unit = tag.get("unit")
                note = tag.get("note", "")
                if (unit not in units or tag.get("label") not in labels
                        or type(tag.get("checkworthy", False)) is not bool or type(note) is not str
                        or len(note) > max_note):
                    return False
                add(unit)
        except TypeError:
            return False
        return len(seen) == len(tag_list)  # else a sentence tagged twice
    if kind == "span":
        size = len(text)
        for tag in tag_list:
            if type(tag) is not dict or not tag.keys() <= allowed or tag.get("kind") != kind:
                return False
            start, end, label, note = tag.get("start"), tag.get("end"), tag.get("label"), tag.get("note", "")
            if (type(start) is not int or type(end) is not int or not 0 <= start < end <= size
                    or type(label) is not str or label not in labels or type(note) is not str
                    or len(note) > max_note):
                return False
            quote = tag.get("quote")  # required by the format (the schema), though edits may omit it
            if type(quote) is not str or len(quote) != end - start or not text.startswith(quote, start):
                return False
            add((label, start, end))
        if len(seen) != len(tag_list):  # a tag given twice
            return False
        last_label, last_end = None, 0
        for label, start, end in sorted(seen):  # no two spans of one label may overlap
            if label == last_label and start < last_end:
                return False
            last_label, last_end = label, end
        return True
    if kind == "verdict":
        for tag in tag_list:
            if type(tag) is not dict or not tag.keys() <= allowed or tag.get("kind") != kind:
                return False
            claim, label, note = tag.get("claim"), tag.get("label"), tag.get("note", "")
            evidence = tag.get("evidence", [])
            if (type(claim) is not str or claim not in claims or type(label) is not str or label not in labels
                    or type(note) is not str or len(note) > max_note or type(evidence) is not list):
                return False
            try:
                cited = set(evidence)
            except TypeError:  # a list or an object among the ids
                return False
            if len(cited) != len(evidence) or not cited <= record:  # only a str equals a record id
                return False
            add(claim)
        return len(seen) == len(tag_list)  # else a claim judged twice
    for tag in tag_list:  # cells
        if type(tag) is not dict or not tag.keys() <= allowed or tag.get("kind") != kind:
            return False
        item, grid, label, note = tag.get("item"), tag.get("field"), tag.get("label"), tag.get("note", "")
        if (type(item) is not str or item not in items or type(grid) is not str or grid not in fields
                or type(label) is not str or label not in fields[grid] or type(note) is not str
                or len(note) > max_note):
            return False
        add((item, grid))
    return len(seen) == len(tag_list)  # else a cell filled twice


def check_bytes(raw: bytes, *, exercise: str | None = None) -> tuple[Any, list[Problem]]:
    """Parse and validate one export: ``(data, problems)``; no problems means it can be graded.

    The same checks as :func:`kit.tags.validate_export` (the export contract), plus the
    file-level reasons of :data:`REASONS`. Never raises on any input.

    The common case, a valid export, takes a quick path: orjson (when installed; about twice as
    fast as :func:`json.loads` on a tag file) and :func:`quick_valid`. Anything either of them
    refuses is parsed again by the standard parser and checked by the full validator, which name
    the problem. orjson reads numbers beyond 64 bits as floats where :mod:`json` keeps integers;
    a valid export holds no floats at all, so what passes the quick path reads the same either way.
    """
    if _fast_loads is not None and exercise is not None:
        try:
            data = _fast_loads(raw)
        except Exception:  # noqa: BLE001 - any refusal: the standard parser below names it
            pass
        else:
            try:
                if quick_valid(data, exercise):
                    return data, []
            except Exception:  # pragma: no cover - a bug; the full validator below takes over
                pass
    try:
        data = parse_bytes(raw)
    except TagError as exc:
        return None, [Problem(exc.code, str(exc))]
    except Exception as exc:  # pragma: no cover - a bug; the tests fuzz for it
        return None, [Problem("internal_error", f"{type(exc).__name__}: {exc}")]
    if isinstance(data, dict) and "nbformat" in data and "cells" in data:
        return data, [Problem("notebook", "this is a Jupyter notebook, not the tag file exported from it")]
    try:
        if exercise is not None and quick_valid(data, exercise):
            return data, []
        return data, tags.validate_export(data, exercise=exercise)
    except Exception as exc:  # pragma: no cover - a bug; the tests fuzz for it
        return data, [Problem("internal_error", f"{type(exc).__name__}: {exc}")]


@dataclass(frozen=True)
class Checked:
    """One file as :func:`validate` saw it."""

    source: str
    data: Any
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_source(source: Source, *, exercise: str | None = None) -> Checked:
    try:
        raw = source.read()
    except TagError as exc:
        return Checked(source.name, None, (Problem(exc.code, str(exc)),))
    data, problems = check_bytes(raw, exercise=exercise)
    return Checked(source.name, data, tuple(problems))


def validate(paths: Iterable[Path | str] | Path | str, *, exercise: str | None = None) -> list[Checked]:
    """Check files (folders and zips too) the way :func:`grade` does: for students before they hand in."""
    sources = collect(paths)
    try:
        return [check_source(s, exercise=exercise) for s in sources]
    finally:
        _close(sources)


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    """One student's graded submission."""

    student: str
    name: str
    source: str
    saved_at: str
    result: scoring.Result
    tags: tuple[dict, ...]
    superseded: tuple[str, ...] = ()  # other files of the same student, not graded (older)
    page: str = ""  # the feedback page, relative to the output folder

    def to_dict(self) -> dict:
        return {"student": self.student, "name": self.name, "source": self.source, "saved_at": self.saved_at,
                "superseded": list(self.superseded), "page": self.page, "result": self.result.to_dict()}


@dataclass(frozen=True)
class Rejected:
    """A file that could not be graded."""

    source: str
    code: str
    message: str
    student: str = ""  # the student id in the file, when it has a usable one

    def to_dict(self) -> dict:
        return {"source": self.source, "code": self.code, "message": self.message, "student": self.student}


@dataclass
class GradeReport:
    """What :func:`grade` did: the graded students, the rejected files, where the files went."""

    exercise: answers.Exercise
    key: answers.Key
    out: Path
    fmt: str
    n_files: int
    graded: list[Graded]
    rejected: list[Rejected]
    files: list[Path]
    unmatched: list[str] = field(default_factory=list)  # graded students missing from the roster
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    builtin_key: bool = False  # graded with the key that ships with the kit (students can read it)

    @property
    def scores(self) -> list[float]:
        return [g.result.score for g in self.graded]

    @property
    def duplicates(self) -> list[Graded]:
        """Students who handed in more than one valid file (the graded one names the others)."""
        return [g for g in self.graded if g.superseded]

    def notes(self) -> list[Rejected]:
        """Files that were read but not graded although valid (code ``duplicate_submission``)."""
        return [Rejected(old, "duplicate_submission",
                         f"{g.student} also handed in {_basename(g.source)} (saved later), which was graded",
                         g.student)
                for g in self.graded for old in g.superseded]

    def rejected_by_reason(self) -> dict[str, int]:
        counts = Counter(r.code for r in self.rejected)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self, *, width: int = 5) -> str:
        """The one-screen summary the ``kit grade`` command prints."""
        ex = self.exercise
        lines = [f"Graded {len(self.graded)} of {self.n_files} file(s) for exercise {ex.id} ({ex.title})."]
        if self.graded:
            s = self.scores
            top = ex.points
            mean, median = statistics.fmean(s), statistics.median(s)
            lines.append(f"Scores out of {top:g}: mean {mean:.1f} ({100 * mean / top:.0f}%), "
                         f"median {median:.1f} ({100 * median / top:.0f}%), lowest {min(s):.1f}, "
                         f"highest {max(s):.1f}.")
        if self.rejected:
            lines.append(f"Rejected {len(self.rejected)} file(s) (each listed in rejected.csv):")
            for code, n in self.rejected_by_reason().items():
                lines.append(f"  {n:5d}  {code:<20} {describe(code)}")
        dups = self.duplicates
        if dups:
            lines.append(f"{len(dups)} student(s) handed in more than one file (duplicate_submission, not a "
                         "rejection); the one saved last is graded:")
            for g in dups[:width]:
                lines.append(f"  {_printable(g.student)}: graded {_printable(g.source)}; "
                             f"set aside {', '.join(_printable(s) for s in g.superseded)}")
            if len(dups) > width:
                lines.append(f"  ... and {len(dups) - width} more (the also_handed_in column of grades.csv)")
        if self.unmatched:
            shown = ", ".join(_printable(s) for s in self.unmatched[:width])
            more = f" and {len(self.unmatched) - width} more" if len(self.unmatched) > width else ""
            lines.append(f"{len(self.unmatched)} graded student(s) are not in the roster, so not in "
                         f"{self.fmt}.csv: {shown}{more}.")
        pages = sum(1 for f in self.files if f.parent.name == "feedback")
        others = ", ".join(f.name for f in self.files if f.parent.name != "feedback")
        lines.append(f"Files written to {_printable(str(self.out))}{os.sep}")
        lines.append(f"  {others}" + (f"; feedback/ ({pages} feedback page(s), one per student)" if pages else ""))
        if self.builtin_key and self.exercise.mode == "graded":
            lines.append("Note: graded with the built-in practice key, which ships with the kit and which students "
                         "can read; pass your private key (--key FILE) for graded work.")
        if not self.graded:
            lines.append("Nothing could be graded.")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"exercise": self.exercise.id, "out": str(self.out), "format": self.fmt, "n_files": self.n_files,
                "graded": [g.to_dict() for g in self.graded], "rejected": [r.to_dict() for r in self.rejected],
                "files": [str(f) for f in self.files], "unmatched": list(self.unmatched)}

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """For a terminal: control characters (escape sequences included) shown as '?'."""
    return _CONTROL.sub("?", text)


# --- grading --------------------------------------------------------------------------------------

#: Per-part columns of grades.csv, by exercise kind and task (metric path -> column name).
PART_COLUMNS: dict[tuple[str, str], tuple[tuple[tuple[str, ...], str], ...]] = {
    ("sentence", "label"): ((("accuracy",), "accuracy"), (("macro_f1",), "macro_f1"), (("kappa",), "kappa"),
                            (("checkworthy_f1",), "checkworthy_f1"), (("answered",), "answered")),
    ("span", "find"): ((("label_matched", "f1"), "label_matched_f1"),
                       (("label_matched", "precision"), "label_matched_precision"),
                       (("label_matched", "recall"), "label_matched_recall"),
                       (("label_blind", "f1"), "label_blind_f1"),
                       (("label_blind", "precision"), "label_blind_precision"),
                       (("label_blind", "recall"), "label_blind_recall"))
                      + tuple((("outcomes", o), o) for o in scoring.SPAN_OUTCOMES),
    ("span", "name"): ((("accuracy",), "accuracy"), (("answered",), "answered")),
    ("verdict", "judge"): ((("accuracy",), "accuracy"), (("evidence_f1_mean",), "evidence_f1_mean"),
                           (("answered",), "answered")),
    ("cell", "classify"): ((("accuracy",), "accuracy"), (("answered",), "answered")),
}


def part_columns(exercise: answers.Exercise) -> list[tuple[tuple[str, ...], str]]:
    """The per-part columns of grades.csv for an exercise: (path into the metrics, column name)."""
    cols = list(PART_COLUMNS[(exercise.kind, exercise.task)])
    if exercise.kind == "cell":
        cols += [(("per_field", f.code), f"accuracy_{f.code}") for f in taxonomy.grid_fields()]
    return cols


def _metric(metrics: dict, path: tuple[str, ...]) -> Any:
    value: Any = metrics
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _when(saved_at: str) -> datetime:
    moment = datetime.fromisoformat(saved_at.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _exercise(exercise_id: str) -> answers.Exercise:
    try:
        return answers.exercise(exercise_id)
    except KitError as exc:
        raise UsageError(str(exc)) from None


def output_names(fmt: str) -> list[str]:
    """The fixed output files for a format (feedback pages come on top)."""
    names = ["grades.csv", "items.csv", "rejected.csv", "index.html"]
    if fmt in ("canvas", "moodle"):
        names.append(f"{fmt}.csv")
    return names


def grade(paths: Iterable[Path | str] | Path | str, *, exercise: str, key: Path | str | None = None,
          out: Path | str | None = None, fmt: str = "generic", roster: Path | str | None = None,
          assignment_id: int | str | None = None, force: bool = False,
          progress: Callable[[int, int], None] | None = None) -> GradeReport:
    """Grade every submission under ``paths`` for ``exercise`` and write the gradebook into ``out``.

    ``key`` is a private key file (default: the exercise's built-in key); ``out`` defaults to
    ``graded-<exercise>``; ``fmt`` adds ``canvas.csv`` (needs ``roster``, a CSV with Canvas's
    Student, ID, SIS User ID, SIS Login ID and Section columns, e.g. a gradebook export) or
    ``moodle.csv`` (keyed by the roster's email address or ID number, else by the kit id);
    ``assignment_id`` is Canvas's id for the assignment column; ``force`` replaces existing
    output files; ``progress(done, total)`` is called after each file.

    Raises :class:`UsageError` for options that do not fit, :class:`~kit.errors.KitError`
    when the output files exist (without ``force``) or the key or roster is unusable.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ex = _exercise(exercise)
    if fmt == "canvas" and roster is None:
        raise UsageError("--format canvas needs --roster FILE (a CSV with the Canvas ids of the students, "
                         "e.g. an export of the Canvas gradebook)")
    if assignment_id is not None:
        assignment_id = str(assignment_id).strip()
        if not assignment_id.isdigit():
            raise UsageError(f"the assignment id must be a number (Canvas shows it in the assignment's "
                             f"address), got {assignment_id!r}")
    out = Path(out) if out is not None else Path(f"graded-{ex.id}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; --out needs a folder")
    reference = answers.load_key(ex.id, key)
    people = read_roster(roster) if roster is not None else None
    # The grader keeps every submission's tags (for the analytics): hundreds of thousands of small
    # dicts, all acyclic. The cyclic garbage collector would rescan them again and again while
    # they pile up (a quarter of the run time on 5,000 files) and could free none of them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = _grade(paths, ex, reference, out, fmt, people, assignment_id, force, progress)
        report.builtin_key = key is None
        return report
    finally:
        if collecting:
            gc.enable()


def _grade(paths: Iterable[Path | str] | Path | str, ex: answers.Exercise, reference: answers.Key, out: Path,
           fmt: str, people: Roster | None, assignment_id: str | None, force: bool,
           progress: Callable[[int, int], None] | None) -> GradeReport:
    fixed = output_names(fmt)
    clock = time.perf_counter
    timings: dict[str, float] = {}
    started = clock()
    sources = collect(paths, exclude=[out / name for name in fixed] + [out / "feedback"])
    try:
        if not force:  # fail before reading a single submission
            _refuse_existing([out / name for name in fixed])
        timings["collect"] = clock() - started
        graded, rejected = _grade_sources(sources, ex, reference, progress, timings)
    finally:
        _close(sources)
    mark = clock()
    writer = _Writer(out)
    unmatched: list[str] = []
    files = {name: b"" for name in fixed}
    files["grades.csv"] = _grades_csv(ex, graded)
    files["items.csv"] = _items_csv(ex, graded)
    files["rejected.csv"] = _rejected_csv(rejected)
    files["index.html"] = _index_html(ex, graded, rejected)
    if fmt == "canvas":
        files["canvas.csv"], unmatched = _canvas_csv(ex, graded, people, assignment_id)
    elif fmt == "moodle":
        files["moodle.csv"], unmatched = _moodle_csv(ex, graded, people)
    planned = [out / name for name in files] + [out / g.page for g in graded]
    if not force:
        _refuse_existing(planned[:len(files)])
        if os.path.lexists(out / _Writer.PAGES):  # else no page can be in the way
            _refuse_existing(planned[len(files):])
    timings["tables"] = clock() - mark
    pages = _Pages(ex, reference)
    try:
        mark = clock()
        for name, data in files.items():
            writer.add(name, data)
        for g in graded:
            writer.add(g.page, pages.render(g))
        timings["pages and writing"] = clock() - mark
        mark = clock()
        writer.commit()
        timings["sync and rename"] = clock() - mark
    except BaseException:
        writer.abort()
        raise
    timings["total"] = clock() - started
    return GradeReport(ex, reference, out, fmt, len(sources), graded, rejected, planned, unmatched, timings)


def _refuse_existing(paths: Iterable[Path]) -> None:
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if existing:
        shown = ", ".join(str(p) for p in existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3
                                                           else "")
        raise KitError(f"not overwriting {shown}: grade into another folder (--out) or replace them (--force)")


def _grade_sources(sources: list[Source], ex: answers.Exercise, key: answers.Key,
                   progress: Callable[[int, int], None] | None,
                   timings: dict[str, float]) -> tuple[list[Graded], list[Rejected]]:
    mark = time.perf_counter()
    valid: dict[str, list[tuple[datetime, str, dict]]] = defaultdict(list)
    rejected: list[Rejected] = []
    total = len(sources)
    for done, source in enumerate(sources, 1):
        checked = check_source(source, exercise=ex.id)
        if checked.problems:
            first = checked.problems[0]
            more = len(checked.problems) - 1
            message = first.message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
            rejected.append(Rejected(source.name, first.code, message, _student_of(checked.data)))
        else:
            data = checked.data
            valid[data["student"]["id"]].append((_when(data["saved_at"]), source.name, data))
        if progress is not None:
            progress(done, total)
    timings["read and validate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    graded = []
    page_name = _page_namer()
    for student in sorted(valid):
        versions = sorted(valid[student], key=lambda v: (v[0], v[1]))
        _, name, data = versions[-1]  # the later saved_at wins (then the later file name)
        result = scoring.score(ex, key, data["tags"])
        graded.append(Graded(student, data["student"].get("name", ""), name, data["saved_at"], result,
                             tuple(data["tags"]), tuple(v[1] for v in versions[:-1]), page_name(student)))
    rejected.sort(key=lambda r: r.source)
    timings["score"] = time.perf_counter() - mark
    return graded, rejected


def _student_of(data: Any) -> str:
    try:
        return tags.check_student(data["student"])["id"]
    except (KitError, KeyError, TypeError, AttributeError):
        return ""


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})


def _page_namer() -> Callable[[str], str]:
    """Feedback page names for students, in turn: unique even on case-insensitive file systems."""
    taken: set[str] = set()

    def page_name(student: str) -> str:
        stem = student  # 1-64 of [A-Za-z0-9._@+-], first alphanumeric: a safe file name
        if not _SAFE_NAME.fullmatch(stem):  # cannot happen for a validated id; never trust it blindly
            stem = "student-" + hashlib.sha256(stem.encode("utf-8", "replace")).hexdigest()[:12]
        if stem.split(".")[0].lower() in _RESERVED:
            stem = "_" + stem
        candidate, n = stem, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{stem}~{n}"
        taken.add(candidate.lower())
        return f"feedback/{candidate}.html"

    return page_name


# --- writing --------------------------------------------------------------------------------------


class _Writer:
    """Write the outputs so that no half-written file is ever in view, even after a crash.

    Every file is first written into a staging folder inside the output folder
    (``.kit-staging-<pid>``). On :meth:`commit` the tables are synced to disk, then the feedback
    pages move into place (the whole ``feedback`` folder in one rename when it is new, else page
    by page) and the tables last, so that ``index.html`` never links a page that is not there.
    The pages are not synced one by one: they are rebuilt by running ``kit grade`` again, and a
    sync of every page would cost more than writing them (a power cut mid-run can leave a page
    empty, never a gradebook).
    """

    PAGES = "feedback"

    def __init__(self, out: Path):
        self.out = out
        self.root: Path | None = None
        self.staging = out / f".kit-staging-{os.getpid()}"
        self.tables: list[str] = []
        self.pages: list[str] = []
        self._folder = ""

    def _start(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.root = self.out.resolve()
        if self.staging.is_dir() and not self.staging.is_symlink():  # left by a crashed run of this pid
            shutil.rmtree(self.staging)
        self.staging.mkdir()
        (self.staging / self.PAGES).mkdir()
        self._folder = os.fspath(self.staging)

    def add(self, rel: str, data: bytes) -> None:
        """Write ``data`` to the staging folder as ``rel`` (``NAME`` or ``feedback/NAME``)."""
        if self.root is None:
            self._start()
        folder, _, name = rel.rpartition("/")
        if folder not in ("", self.PAGES) or not name or name.startswith("."):
            raise ValueError(f"not an output file name: {rel!r}")
        (self.pages if folder else self.tables).append(name)
        fd = os.open(f"{self._folder}/{rel}", os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    def commit(self) -> None:
        if self.root is None:
            self._start()
        for name in self.tables:  # durable before visible
            _fsync_path(self.staging / name)
        target = self.out / self.PAGES
        staged = self.staging / self.PAGES
        if os.path.lexists(target):
            if not target.is_dir():
                raise KitError(f"{target} is in the way: the feedback pages go into a folder of that name")
            real = target.resolve()
            if real != self.root and self.root not in real.parents:
                raise KitError(f"{target} leads outside {self.out}; not writing there")
            for name in self.pages:
                os.replace(staged / name, target / name)
            staged.rmdir()
        else:
            os.rename(staged, target)
        _fsync_folder(target)
        for name in self.tables:
            os.replace(self.staging / name, self.out / name)
        self.tables, self.pages = [], []
        self.staging.rmdir()
        _fsync_folder(self.out)

    def abort(self) -> None:
        if self.staging.is_dir() and not self.staging.is_symlink():
            shutil.rmtree(self.staging, ignore_errors=True)
        self.tables, self.pages = [], []


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# --- the CSV files --------------------------------------------------------------------------------


def _grades_csv(ex: answers.Exercise, graded: list[Graded]) -> bytes:
    parts = part_columns(ex)
    header = ["student_id", "name", "score", "max", "percent"] + [c for _, c in parts] + [
        "file", "saved_at", "also_handed_in"]
    rows: list[list[Any]] = [header]
    for g in graded:
        r = g.result
        rows.append([g.student, g.name, r.score, r.max, round(100 * r.fraction, 2)]
                    + [_metric(r.metrics, p) for p, _ in parts]
                    + [g.source, g.saved_at, " ; ".join(g.superseded)])
    return _csv_bytes(rows)


class _CsvLines:
    """One CSV line at a time (the rules of :func:`_csv_bytes`), reusing one writer and buffer."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def __call__(self, cells: Sequence[Any]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(_cells(cells))
        return self.buffer.getvalue()


def _items_csv(ex: answers.Exercise, graded: list[Graded]) -> bytes:
    """The long table. Item outcomes are shared between students (:mod:`kit.scoring`), so each
    distinct one is formatted once per class and a student's rows are their id joined to those."""
    short = _ShortFeedback(ex)
    csv_line = _CsvLines()
    per_item_points = not (ex.kind == "span" and ex.task == "find")
    tails: dict[int, bytes] = {}  # by id(outcome): `graded` holds every outcome, so no id is reused meanwhile

    def tail(i: scoring.ItemOutcome) -> bytes:
        text = tails[id(i)] = csv_line([i.item, i.outcome, i.score if per_item_points else None,
                                         i.max if per_item_points else None, i.answer,
                                         " | ".join(i.expected), short(i)]).encode("utf-8", "replace")
        return text

    out = [csv_line(["student_id", "item", "outcome", "score", "max", "answer", "expected", "feedback"]).encode()]
    for g in graded:
        items = g.result.items
        try:
            rows = [tails[id(i)] for i in items]
        except KeyError:
            rows = [tails[id(i)] if id(i) in tails else tail(i) for i in items]
        if rows:
            sid = csv_line([g.student])[:-2].encode("utf-8", "replace") + b","
            out.append(sid + sid.join(rows))
    return b"".join(out)


def _rejected_csv(rejected: list[Rejected]) -> bytes:
    return _csv_bytes([["file", "reason", "message", "student_id"]]
                      + [[r.source, r.code, r.message, r.student] for r in rejected])


class _ShortFeedback:
    """One sentence per item outcome for items.csv (the full explanation is on the feedback page)."""

    def __init__(self, ex: answers.Exercise):
        self.ex = ex
        self.cache: dict[tuple, str] = {}

    def __call__(self, item: scoring.ItemOutcome) -> str:
        k = (item.outcome, item.answer, item.expected)
        text = self.cache.get(k)
        if text is None:
            text = self.cache[k] = _short(item)
        return text


def _short(item: scoring.ItemOutcome) -> str:
    accepted = " or ".join(item.expected)
    o = item.outcome
    if o == "correct":
        if item.expected and item.answer != item.expected[0]:
            return f"Accepted; the key prefers {item.expected[0]}."
        return "Correct."
    if o == "wrong":
        return f"You chose {item.answer}; the key accepts {accepted}."
    if o == "missing":
        return f"No answer; the key accepts {accepted}."
    if o == "matched":
        return "Found and named."
    if o == "too_wide":
        return f"Right technique, but your span ({item.answer}) runs well beyond the key's passage."
    if o == "too_narrow":
        return f"Right technique, but your span ({item.answer}) covers less than half of the key's passage."
    if o == "partly_found":
        return f"Right technique; your span ({item.answer}) only partly overlaps the key's passage."
    if o == "wrong_label":
        return f"You marked this passage ({item.answer}) but the key names it {accepted}."
    if o == "missed":
        return f"Not found: the key tags this passage as {accepted}."
    if o == "extra":
        return "The key tags nothing here: an extra span costs precision."
    return o.replace("_", " ")


# --- rosters and LMS files ------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    email: str = ""
    id_number: str = ""
    other_ids: tuple[str, ...] = ()

    @property
    def identifiers(self) -> tuple[str, ...]:
        """The values a kit student id is matched against, most specific first."""
        return tuple(v for v in (*self.other_ids, self.sis_login_id, self.sis_user_id, self.email,
                                 self.id_number, self.canvas_id) if v)


@dataclass(frozen=True)
class Roster:
    entries: tuple[RosterEntry, ...]
    columns: tuple[str, ...]

    @property
    def has_email(self) -> bool:
        return any(e.email for e in self.entries)

    @property
    def has_id_number(self) -> bool:
        return any(e.id_number for e in self.entries)

    def match(self, student: str) -> RosterEntry | None:
        """The entry whose identifiers include ``student`` (exactly, else ignoring case), if exactly one."""
        for fold in (False, True):
            wanted = student.casefold() if fold else student
            hits = {id(e): e for e in self.entries
                    if any((v.casefold() if fold else v) == wanted for v in e.identifiers)}
            if len(hits) == 1:
                return next(iter(hits.values()))
            if len(hits) > 1:
                return None
        return None


_ROSTER_COLUMNS = {
    "student": "name", "name": "name", "full name": "name", "student name": "name",
    "id": "canvas_id", "canvas id": "canvas_id", "canvas user id": "canvas_id",
    "sis user id": "sis_user_id",
    "sis login id": "sis_login_id", "login id": "sis_login_id",
    "section": "section",
    "email": "email", "email address": "email", "e-mail": "email", "e-mail address": "email",
    "id number": "id_number", "idnumber": "id_number",
    "kit id": "other", "kit_id": "other", "username": "other", "user": "other", "student id": "other",
}


def read_roster(path: Path | str) -> Roster:
    """Read a class list (CSV; comma, semicolon or tab): a Canvas gradebook export, a Moodle
    participants export, or any table with the columns of :data:`_ROSTER_COLUMNS`.

    A kit student id is matched against ``kit id``/``username``/``student id``, ``SIS Login ID``,
    ``SIS User ID``, ``Email``, ``ID number`` and ``ID``, in that order.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_ROSTER_BYTES:
            raise KitError(f"{path}: {size:,} bytes is too large for a class list")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such roster file") from None
    except UnicodeDecodeError:
        raise KitError(f"{path}: the roster is not UTF-8 text; save it as CSV UTF-8") from None
    except OSError as exc:
        raise KitError(f"{path}: could not read the roster: {exc.strerror}") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise KitError(f"{path}: the roster is empty")
    header = [" ".join(h.split()).lower() for h in rows[0]]
    columns: dict[str, list[int]] = defaultdict(list)
    for i, h in enumerate(header):
        if h in _ROSTER_COLUMNS:
            columns[_ROSTER_COLUMNS[h]].append(i)
    first_name = next((i for i, h in enumerate(header) if h in ("first name", "firstname")), None)
    last_name = next((i for i, h in enumerate(header) if h in ("last name", "lastname", "surname")), None)
    if not any(k in columns for k in ("canvas_id", "sis_user_id", "sis_login_id", "email", "id_number", "other")):
        raise KitError(f"{path}: no column identifies the students (found {', '.join(rows[0]) or 'none'}); "
                       "expected one of SIS Login ID, SIS User ID, ID, Email address, ID number, Username, kit id")

    def cell(row: list[str], kind: str) -> str:
        for i in columns.get(kind, ()):
            if i < len(row) and row[i].strip():
                return row[i].strip()
        return ""

    entries = []
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        if row and row[0].strip().lower() in ("points possible", "manual posting"):
            continue  # the extra rows of a Canvas gradebook export
        name = cell(row, "name")
        if not name and first_name is not None:
            parts = [row[i].strip() for i in (first_name, last_name) if i is not None and i < len(row)]
            name = " ".join(p for p in parts if p)
        others = tuple(row[i].strip() for i in columns.get("other", ()) if i < len(row) and row[i].strip())
        entries.append(RosterEntry(name, cell(row, "canvas_id"), cell(row, "sis_user_id"), cell(row, "sis_login_id"),
                                   cell(row, "section"), cell(row, "email"), cell(row, "id_number"), others))
    return Roster(tuple(entries), tuple(rows[0]))


def _match_all(graded: list[Graded], roster: Roster) -> tuple[dict[int, Graded], list[str]]:
    """Roster entry index -> graded submission; and the graded students not in the roster."""
    position = {id(e): i for i, e in enumerate(roster.entries)}
    matched: dict[int, Graded] = {}
    unmatched = []
    for g in graded:
        entry = roster.match(g.student)
        if entry is None or position[id(entry)] in matched:
            unmatched.append(g.student)
        else:
            matched[position[id(entry)]] = g
    return matched, unmatched


def _points(value: float) -> float:
    return round(value, 2)


def _canvas_csv(ex: answers.Exercise, graded: list[Graded], roster: Roster,
                assignment_id: str | None) -> tuple[bytes, list[str]]:
    """Canvas's gradebook import layout: Student, ID, SIS User ID, SIS Login ID, Section, the assignment."""
    column = f"{ex.title} ({assignment_id})" if assignment_id else ex.title
    rows: list[list[Any]] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                             ["    Points Possible", "", "", "", "", _points(ex.points)]]
    matched, unmatched = _match_all(graded, roster)
    for i, e in enumerate(roster.entries):
        g = matched.get(i)
        rows.append([e.name, e.canvas_id, e.sis_user_id, e.sis_login_id, e.section,
                     _points(g.result.score) if g else ""])  # blank: Canvas leaves the grade as it is
    return _csv_bytes(rows), unmatched


def _moodle_csv(ex: answers.Exercise, graded: list[Graded], roster: Roster | None) -> tuple[bytes, list[str]]:
    """Moodle's grade import: an identity column (email address and/or ID number) and the grade."""
    if roster is None:
        rows: list[list[Any]] = [["ID number", ex.title]]
        rows += [[g.student, _points(g.result.score)] for g in graded]
        return _csv_bytes(rows), []
    keys = [k for k, has in (("Email address", roster.has_email), ("ID number", roster.has_id_number)) if has]
    if not keys:
        raise KitError("the roster has neither an Email address nor an ID number column, which Moodle needs")
    rows = [keys + [ex.title]]
    matched, unmatched = _match_all(graded, roster)
    for i in sorted(matched):
        e, g = roster.entries[i], matched[i]
        ident = {"Email address": e.email, "ID number": e.id_number}
        rows.append([ident[k] for k in keys] + [_points(g.result.score)])
    return _csv_bytes(rows), unmatched


# --- feedback pages -------------------------------------------------------------------------------

_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff;margin:0}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
h3{font-size:1rem;margin:.2rem 0}.who,.meta{color:#444}.score{font-size:1.25rem}
.item{border:1px solid #ccc;border-left:6px solid #888;border-radius:4px;padding:.5rem .8rem;margin:.8rem 0}
.good{border-left-color:#1a7f37}.revisit{border-left-color:#b35900}.extra{border-left-color:#6e40c9}
.badge{display:inline-block;font-size:.8rem;font-weight:600;border:1px solid currentColor;border-radius:3px;
padding:0 .35rem;margin-right:.4rem}
blockquote{margin:.3rem 0;padding:.2rem .6rem;border-left:3px solid #ddd;color:#333}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}dt{font-weight:600}dd{margin:0}
.why{margin:.3rem 0 0}details summary{cursor:pointer}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}td.n{text-align:right}
footer{margin-top:2rem;color:#555;font-size:.9rem}
""".strip()

_BADGES = {"correct": ("Correct", "good"), "matched": ("Matched", "good"), "wrong": ("Not accepted", "revisit"),
           "missing": ("No answer", "revisit"), "too_wide": ("Too wide", "revisit"),
           "too_narrow": ("Too narrow", "revisit"), "partly_found": ("Partly found", "revisit"),
           "wrong_label": ("Wrong label", "revisit"), "missed": ("Missed", "revisit"), "extra": ("Extra", "extra")}
_GROUPS = ("good", "revisit", "extra")  # the page's groups of items, by the badge's group
_SPAN_ANSWER = re.compile(r"^(.+) @ (\d+)-(\d+)$")
_e = html.escape


@lru_cache(maxsize=4096)
def _e_static(text: str) -> str:
    """:func:`html.escape` for the kit's own short strings, which repeat from page to page."""
    return html.escape(text)


def _fmt(value: Any, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    if percent:
        return f"{100 * value:.0f}%"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


_HEAD_START = ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
               '<meta name="viewport" content="width=device-width, initial-scale=1"><title>')
_HEAD_END = f"</title><style>{_CSS}</style></head><body><main>\n"


def _head(title: str) -> str:
    return f"{_HEAD_START}{_e(title)}{_HEAD_END}"


class _Pages:
    """Renders the feedback pages; the key's part of each item is rendered once per class."""

    def __init__(self, ex: answers.Exercise, key: answers.Key):
        self.ex, self.key = ex, key
        self.doc = corpus.load_editorial()
        self.names = _label_names()
        self.field_names = {f.code: f for f in taxonomy.grid_fields()}
        self.articles = {a.id: a for a in corpus.load_articles()} if ex.kind == "cell" else {}
        self.items = {a.id: a for a in key.items}
        self.static = {a.id: self._static(a) for a in key.items}
        self.answers: dict[tuple[str, str], str] = {}
        self.find = ex.kind == "span" and ex.task == "find"
        self.short = _ShortFeedback(ex)
        self.sections: dict[tuple, tuple] = {}  # (id(outcome), check-worthy flag) -> _cached_section(...)
        self.spans: dict[str, tuple[int, int] | None] = {}
        self.cited: dict[tuple[str, ...], bytes] = {}
        # the page's head as _head(f"Feedback: {title} - {student}") writes it, around the student id
        self.head_start = f"{_HEAD_START}{_e(f'Feedback: {ex.title} - ')}".encode("utf-8")
        self.head_end = f"{_HEAD_END}<h1>{_e(ex.title)}</h1>\n<p class=who>Feedback for <strong>"
        self.footer = (f"<footer>Scored by media-literacy-kit {_e(__version__)} against the key of exercise "
                       f"{_e(ex.id)} ({_e(ex.instructions)})</footer>\n</main></body></html>\n").encode("utf-8")

    def label(self, code: str, item: Any = None) -> str:
        if self.ex.kind == "cell" and item is not None:
            f = self.field_names.get(item.field)
            for v in f.values if f else ():
                if v.code == code:
                    return f"{code} ({v.label})"
        name = self.names.get(code)
        return f"{code} ({name})" if name else code

    def _static(self, a: Any) -> tuple[str, str, str]:
        """(context, accepted labels, explanation) as HTML, for one key item."""
        kind = self.ex.kind
        if kind == "sentence":
            context = f"<blockquote>{_e(self.doc.unit(a.unit).text)}</blockquote>"
            why = a.why
        elif kind == "span":
            unit = self.doc.unit_at(a.start)
            context = (f"<blockquote>{_e(a.quote)}</blockquote><p class=meta>characters {a.start}-{a.end}"
                       + (f", in {_e(unit.id)}" if unit else "") + "</p>")
            why = a.why
        elif kind == "verdict":
            context = f"<blockquote>{_e(a.claim)}</blockquote>"
            why = a.evidence + (f"\n\nCaveat: {a.caveat}" if a.caveat else "")
            why += "\n\nRecord items: " + ", ".join(a.record)
        else:
            article = self.articles.get(a.item)
            f = self.field_names.get(a.field)
            context = (f"<p class=meta>{_e(article.outlet if article else a.item)}: "
                       f"“{_e(article.headline if article else '')}”</p>"
                       f"<p>{_e(f.label if f else a.field)}: {_e(f.question if f else '')}</p>")
            why = a.why
        accepted = " or ".join(_e(self.label(code, a)) for code in a.labels)
        body = "".join(f"<p class=why>{_e(p)}</p>" for p in why.split("\n\n") if p.strip())
        return context, accepted, body

    def _answer(self, item_id: str, answer: str) -> str:
        k = (item_id, answer)
        text = self.answers.get(k)
        if text is None:
            if not answer:
                text = "<em>no answer</em>"
            elif self.find:
                m = _SPAN_ANSWER.match(answer)
                if m:
                    start, end = int(m.group(2)), int(m.group(3))
                    text = (f"{_e(self.label(m.group(1)))}: “{_e(self.doc.text[start:end])}” "
                            f"<span class=meta>(characters {start}-{end})</span>")
                else:
                    text = _e(answer)
            else:
                a = self._key_item(item_id)
                text = " / ".join(_e(self.label(code, a)) for code in answer.split(" / "))
            self.answers[k] = text
        return text

    def _key_item(self, item_id: str) -> Any:
        return self.items.get(item_id)

    def _section(self, item: scoring.ItemOutcome, flag: bool | None) -> tuple[str, str, str]:
        """(group, HTML before the student's own lines, HTML after them) for one item outcome; the
        student's lines (the record items a verdict cites, the note) go between, at the end of the list."""
        badge, group = _BADGES.get(item.outcome, (item.outcome, "revisit"))
        static = self.static.get(item.item)
        parts = [f'<section class="item {group}"><h3><span class=badge>{badge}</span>{_e(item.item)}']
        if item.max > 0:
            parts.append(f" <span class=meta>· {item.score:.3g} of {item.max:.3g} "
                         f"point{'' if item.max == 1 else 's'}</span>")
        parts.append("</h3>")
        if self.find and group != "good":
            parts.append(f"<p>{_e(self.short(item))}</p>")
        if static is not None:
            parts.append(static[0])
        parts.append(f"<dl><dt>Your answer</dt><dd>{self._answer(item.item, item.answer)}</dd>")
        if flag is not None:
            a = self.items.get(item.item)
            parts.append(f"<dt>Check-worthy</dt><dd>you: {'yes' if flag else 'no'} · the key: "
                         f"{'yes' if a is not None and a.checkworthy else 'no'}</dd>")
        if static is not None:
            parts.append(f"<dt>The key</dt><dd>{static[1]}</dd>")
        before = "".join(parts)
        parts = ["</dl>"]
        if static is not None:
            parts.append(f"<details><summary>Why</summary>{static[2]}</details>" if group == "good" else static[2])
        elif item.outcome == "extra":
            parts.append(f"<p class=why>{_e(item.feedback)}</p>")
        parts.append("</section>\n")
        return group, before, "".join(parts)

    def _cached_section(self, item: scoring.ItemOutcome, flag: bool | None) -> tuple:
        """(item, group, HTML before the student's lines, HTML after them, HTML without them, the
        passage whose notes the section shows), as bytes; the passage is (start, end) for spans: the
        student's span in find mode, the key's in name mode; None for other kinds and missed spans."""
        group, before, after = self._section(item, flag)
        before, after = before.encode("utf-8"), after.encode("utf-8")
        where = None
        if self.find:
            where = self.span_of(item.answer) if item.answer else None
        elif self.ex.kind == "span":
            a = self.items.get(item.item)
            where = (a.start, a.end) if a is not None else None
        return item, _GROUPS.index(group), before, after, before + after, where

    def _cited_html(self, cited: tuple[str, ...]) -> bytes:
        """The record items a verdict cites, as a definition-list entry (the same lists recur)."""
        html_ = self.cited.get(cited)
        if html_ is None:
            shown = _e(", ".join(cited)) if cited else "<em>nothing</em>"
            html_ = self.cited[cited] = f"<dt>You cited</dt><dd>{shown}</dd>".encode("utf-8", "replace")
        return html_

    def _student_parts(self, tag_list: Sequence[dict]) -> tuple[dict[str, str], dict[str, Any]]:
        """The student's notes by item id, and what else shapes an item's section: the check-worthy
        flag by unit (sentences) or the cited record items by claim (verdicts). Span notes belong to
        passages, not items: render() finds them."""
        kind = self.ex.kind
        if kind == "sentence":
            return ({t["unit"]: t["note"] for t in tag_list if t.get("note")},
                    {t["unit"]: t.get("checkworthy") is True for t in tag_list})
        if kind == "verdict":
            return ({t["claim"]: t["note"] for t in tag_list if t.get("note")},
                    {t["claim"]: tuple(t.get("evidence") or ()) for t in tag_list})
        if kind == "cell":
            return {f"{t['item']}:{t['field']}": t["note"] for t in tag_list if t.get("note")}, {}
        return {}, {}  # spans: render() finds the notes at each section's passage

    def span_of(self, answer: str) -> tuple[int, int] | None:
        """(start, end) of a span answer ``"T1 @ 10-20"`` (parsed once per class)."""
        where = self.spans.get(answer, False)
        if where is False:
            m = _SPAN_ANSWER.match(answer)
            where = self.spans[answer] = (int(m.group(2)), int(m.group(3))) if m else None
        return where

    def render(self, g: Graded) -> bytes:
        ex, r = self.ex, g.result
        kind = ex.kind
        notes, shapes = self._student_parts(g.tags)
        sentence = kind == "sentence"
        groups: tuple[list[bytes], list[bytes], list[bytes]] = ([], [], [])  # _GROUPS: good, revisit, extra
        counts = [0, 0, 0]
        sections, shape_of, note_of = self.sections, shapes.get, notes.get
        verdict = kind == "verdict"
        noted = (_NotedSpans(g.tags) if kind == "span" else None) or None  # None: no span notes to find
        if noted is not None:
            notes_at = noted.overlapping if self.find else noted.exactly
            alone = noted.alone.get
        for item in r.items:
            # Besides the outcome, a sentence's check-worthy flag shapes its section; outcomes are
            # shared between students (kit.scoring), so ids repeat.
            item_id = item.item
            flag = (shape_of(item_id, False) if item.answer else None) if sentence else None
            k = (id(item), flag)
            cached = sections.get(k)
            if cached is None:  # the cached tuple holds the item: its id stays unique while cached
                cached = sections[k] = self._cached_section(item, flag)
            group = cached[1]
            counts[group] += 1
            cited = shape_of(item_id) if verdict else None
            if noted is None:
                note = note_of(item_id)
            else:
                where = cached[5]
                note = (alone(where) or notes_at(*where)) if where is not None else None
            if note:
                if "&" in note or "<" in note or ">" in note:  # student text: element content
                    note = note.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                groups[group].extend((cached[2], b"" if cited is None else self._cited_html(cited),
                                      b"<dt>Your note</dt><dd>", note.encode("utf-8", "replace"), b"</dd>",
                                      cached[3]))
            elif cited is not None:
                groups[group].extend((cached[2], self._cited_html(cited), cached[3]))
            else:
                groups[group].append(cached[4])
        good, revisit, extra = groups
        n_good, n_revisit, n_extra = counts
        who = _e(g.name) + f" ({_e(g.student)})" if g.name else _e(g.student)
        top = [_e(g.student), self.head_end, who,
               f"</strong> · file <code>{_e(_basename(g.source))}</code> · saved {_e(g.saved_at)}</p>\n"
               f"<p class=score><strong>{round(r.score, 2):g} of {r.max:g} points</strong> "
               f"({100 * r.fraction:.1f}%)</p>\n",
               self._metrics(r)]
        if g.superseded:
            top.append(f"<p class=meta>You handed in more than one file; the one saved last was graded. Not graded: "
                       f"{_e(', '.join(_basename(s) for s in g.superseded))}.</p>\n")
        top.append(f"<h2>To revisit ({n_revisit})</h2>\n")
        out = [self.head_start, "".join(top).encode("utf-8", "replace")]
        out.extend(revisit or [b"<p>Nothing: every item agrees with the key.</p>\n"])
        if extra:
            out.append(f"<h2>Extra tags ({n_extra})</h2>\n<p>These passages carry no technique in the key. "
                       "When in doubt, do not tag.</p>\n".encode())
            out.extend(extra)
        out.append(f"<h2>What you got right ({n_good})</h2>\n".encode())
        out.extend(good or [b"<p>Nothing yet: start with the items above.</p>\n"])
        out.append(self.footer)
        return b"".join(out)

    def _metrics(self, r: scoring.Result) -> str:
        m = r.metrics
        rows: list[tuple[str, str]] = []
        kind = (self.ex.kind, self.ex.task)
        if kind == ("sentence", "label"):
            rows = [("Accuracy", _fmt(m.get("accuracy"), True)), ("Macro-F1", _fmt(m.get("macro_f1"))),
                    ("Cohen's kappa", _fmt(m.get("kappa"))), ("Check-worthy F1", _fmt(m.get("checkworthy_f1"))),
                    ("Answered", f"{m.get('answered')} of {m.get('n_items')}")]
        elif kind == ("span", "find"):
            lm, lb = m.get("label_matched", {}), m.get("label_blind", {})
            rows = [("Found and named (label-matched F1)",
                     f"{_fmt(lm.get('f1'))} (precision {_fmt(lm.get('precision'))}, recall {_fmt(lm.get('recall'))})"),
                    ("Found, any name (label-blind F1)",
                     f"{_fmt(lb.get('f1'))} (precision {_fmt(lb.get('precision'))}, recall {_fmt(lb.get('recall'))})"),
                    ("Your spans / the key's", f"{m.get('n_student_spans')} / {m.get('n_key_spans')}")]
        elif kind == ("span", "name") or self.ex.kind == "cell":
            rows = [("Accuracy", _fmt(m.get("accuracy"), True)),
                    ("Answered", f"{m.get('answered')} of {m.get('n_items')}")]
            for f, share in (m.get("per_field") or {}).items():
                rows.append((f"Accuracy, {f}", _fmt(share, True)))
        elif self.ex.kind == "verdict":
            rows = [("Verdicts accepted", _fmt(m.get("accuracy"), True)),
                    ("Evidence (mean F1 of cited record items)", _fmt(m.get("evidence_f1_mean"))),
                    ("Answered", f"{m.get('answered')} of {m.get('n_items')}")]
        table = "".join(f"<tr><th>{_e_static(a)}</th><td>{_e_static(b)}</td></tr>" for a, b in rows)
        note = ""
        if kind == ("sentence", "label"):
            note = f"<p class=meta>{_e(scoring.KAPPA_NOTE)}</p>"
        elif kind == ("span", "find"):
            note = ("<p class=meta>The score is the label-matched F1 times the points. A label-blind score well "
                    "above the label-matched one means a good eye for manipulative passages: revise the "
                    "definitions of the techniques.</p>")
        return f"<table>{table}</table>\n{note}\n"


def _basename(source: str) -> str:
    """The file's own name, without the instructor's folders (feedback pages go to students)."""
    return re.split(r"[/\\:]", source)[-1] or source


def _label_names() -> dict[str, str]:
    names = {}
    for group in (taxonomy.claim_types(), taxonomy.techniques(), taxonomy.verdicts()):
        for item in group:
            names[item.code] = item.label
    return names


class _NotedSpans:
    """A student's span tags that carry a note, for finding the notes at a passage."""

    def __init__(self, tag_list: Iterable[dict]):
        # (start, end, order in the file, note), sorted: notes come out in the file's order
        self.spans = sorted((t["start"], t["end"], n, t["note"]) for n, t in enumerate(tag_list) if t.get("note"))
        # The usual case: a noted span that overlaps no other noted span has only its own note.
        self.alone: dict[tuple[int, int], str] = {}
        spans, reach = self.spans, -1  # reach: the furthest end of the spans before this one
        for n, (start, end, _, note) in enumerate(spans):
            if start >= reach and (n + 1 == len(spans) or end <= spans[n + 1][0]):
                self.alone[start, end] = note
            if end > reach:
                reach = end

    def __bool__(self) -> bool:
        return bool(self.spans)

    @cached_property
    def starts(self) -> list[int]:
        return [s[0] for s in self.spans]

    @cached_property
    def longest(self) -> int:
        return max((s[1] - s[0] for s in self.spans), default=0)

    def overlapping(self, start: int, end: int) -> str:
        """The notes of the spans that share a character with [start, end), joined."""
        alone = self.alone.get((start, end))
        if alone is not None:
            return alone
        first = bisect.bisect_left(self.starts, start - self.longest)
        last = bisect.bisect_left(self.starts, end)
        return _joined(s for s in self.spans[first:last] if s[1] > start)

    def exactly(self, start: int, end: int) -> str:
        """The notes of the spans at exactly [start, end), joined."""
        alone = self.alone.get((start, end))
        if alone is not None:
            return alone
        return _joined(s for s in self.spans if s[0] == start and s[1] == end)


def _joined(found: Iterable[tuple[int, int, int, str]]) -> str:
    return " / ".join(dict.fromkeys(note for *_, note in sorted(found, key=lambda s: s[2])))


def _index_html(ex: answers.Exercise, graded: list[Graded], rejected: list[Rejected]) -> bytes:
    rows = "".join(
        f'<tr><td><a href="{_e(g.page)}">{_e(g.student)}</a></td><td>{_e(g.name)}</td>'
        f"<td class=n>{round(g.result.score, 2):g}</td><td class=n>{100 * g.result.fraction:.1f}%</td></tr>\n"
        for g in graded)
    rej = "".join(f"<tr><td><code>{_e(r.source)}</code></td><td>{_e(r.code)}</td><td>{_e(r.message)}</td></tr>\n"
                  for r in rejected)
    body = [_head(f"Feedback pages: {ex.title}"), f"<h1>{_e(ex.title)}</h1>\n",
            f"<p class=meta>{len(graded)} student(s) graded, {len(rejected)} file(s) rejected; points out of "
            f"{ex.points:g}.</p>\n",
            "<table><thead><tr><th>Student</th><th>Name</th><th>Score</th><th>Percent</th></tr></thead>"
            f"<tbody>\n{rows}</tbody></table>\n"]
    if rejected:
        body.append("<h2>Files not graded</h2>\n<table><thead><tr><th>File</th><th>Reason</th><th>Message</th>"
                    f"</tr></thead><tbody>\n{rej}</tbody></table>\n")
    body.append(f"<footer>media-literacy-kit {_e(__version__)}</footer>\n</main></body></html>\n")
    return "".join(body).encode("utf-8", "replace")


# --- class analytics (pandas and plotly are imported inside these functions only) -----------------

_AGREE = frozenset({"correct", "matched"})
NO_ANSWER = "(no answer)"


def _answer_label(ex: answers.Exercise, item: scoring.ItemOutcome) -> str:
    """The label a student gave a key item, for tallies: span answers reduced to their label."""
    if not item.answer:
        return NO_ANSWER
    if ex.kind == "span" and ex.task == "find":
        m = _SPAN_ANSWER.match(item.answer)
        return m.group(1) if m else item.answer
    return item.answer


def _context(ex: answers.Exercise, a: Any, width: int = 70) -> str:
    """A short plain-text reminder of what a key item is about."""
    if ex.kind == "sentence":
        text = corpus.load_editorial().unit(a.unit).text
    elif ex.kind == "span":
        text = a.quote
    elif ex.kind == "verdict":
        text = a.claim
    else:
        text = f"{a.item}: {a.field}"
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _explanation(ex: answers.Exercise, a: Any) -> str:
    return a.evidence if ex.kind == "verdict" else a.why


def class_table(report: GradeReport):
    """One row per graded student (the columns of grades.csv), as a pandas DataFrame."""
    import pandas as pd

    parts = part_columns(report.exercise)
    rows = []
    for g in report.graded:
        r = g.result
        row = {"student_id": g.student, "name": g.name, "score": r.score, "max": r.max,
               "percent": round(100 * r.fraction, 2)}
        row.update({c: _metric(r.metrics, p) for p, c in parts})
        rows.append(row)
    return pd.DataFrame(rows, columns=["student_id", "name", "score", "max", "percent"] + [c for _, c in parts])


def items_table(report: GradeReport):
    """One row per student and item (the rows of items.csv), with ``label`` and ``agrees`` columns."""
    import pandas as pd

    ex = report.exercise
    rows = [{"student_id": g.student, "item": i.item, "outcome": i.outcome, "score": i.score, "max": i.max,
             "answer": i.answer, "label": _answer_label(ex, i), "expected": " | ".join(i.expected),
             "agrees": i.outcome in _AGREE}
            for g in report.graded for i in g.result.items]
    return pd.DataFrame(rows, columns=["student_id", "item", "outcome", "score", "max", "answer", "label",
                                       "expected", "agrees"])


def score_histogram(report: GradeReport):
    """Plotly histogram of the class's scores, with the mean and the median marked and labelled."""
    import plotly.graph_objects as go

    ex = report.exercise
    scores = report.scores
    fig = go.Figure(go.Histogram(x=scores, xbins={"start": 0, "end": ex.points + 1e-9,
                                                    "size": max(ex.points / 20, 0.5)},
                                 marker={"color": "#4C78A8", "line": {"color": "white", "width": 1}},
                                 hovertemplate="%{x} points: %{y} students<extra></extra>"))
    if scores:
        mean, median = statistics.fmean(scores), statistics.median(scores)
        for value, name, dash, other in ((mean, "mean", "dash", median), (median, "median", "dot", mean)):
            fig.add_vline(x=value, line_dash=dash, line_color="#333", annotation_text=f"{name} {value:.1f}",
                          annotation_position="top left" if (value, name) < (other, "median") else "top right")
    fig.update_layout(title=f"Scores, {ex.title} ({len(scores)} students)", bargap=0.05,
                      xaxis_title=f"score (out of {ex.points:g})", yaxis_title="students",
                      xaxis_range=[0, ex.points], template="plotly_white")
    return fig


def item_difficulty(report: GradeReport):
    """Per key item: the share of the class whose answer agrees with the key, hardest first (DataFrame)."""
    import pandas as pd

    ex, key = report.exercise, report.key
    n = len(report.graded)
    agree: Counter = Counter()
    for g in report.graded:
        for i in g.result.items:
            if i.outcome in _AGREE:
                agree[i.item] += 1
    rows = [{"item": a.id, "text": _context(ex, a), "key": a.labels[0], "agree": agree[a.id],
             "students": n, "share": agree[a.id] / n if n else float("nan")} for a in key.items]
    frame = pd.DataFrame(rows, columns=["item", "text", "key", "agree", "students", "share"])
    return frame.sort_values(["share", "item"], kind="stable").reset_index(drop=True)


def difficulty_chart(report: GradeReport):
    """Plotly bar chart of :func:`item_difficulty`, hardest item at the top, the share written on each bar."""
    import plotly.graph_objects as go

    frame = item_difficulty(report)
    fig = go.Figure(go.Bar(x=frame["share"], y=frame["item"], orientation="h",
                           text=[f"{s:.0%}" for s in frame["share"]], textposition="outside",
                           customdata=frame[["text", "key"]].to_numpy(),
                           hovertemplate="%{y}: %{x:.0%} agree with the key (%{customdata[1]})<br>"
                                         "%{customdata[0]}<extra></extra>",
                           marker={"color": "#4C78A8"}))
    fig.update_layout(title=f"Share of the class agreeing with the key, {report.exercise.title}",
                      xaxis={"title": "share of students", "range": [0, 1.12], "tickformat": ".0%"},
                      yaxis={"title": "", "autorange": "reversed", "type": "category"},
                      height=max(360, 18 * len(frame) + 120), template="plotly_white")
    return fig


def confusion_matrix(report: GradeReport):
    """Key (preferred label) x the class's labels, counting an accepted label as the preferred one.

    Rows follow the exercise's label set; the last column counts items left unanswered
    (for span finding: passages of the key nobody tagged).
    """
    import pandas as pd

    ex, key = report.exercise, report.key
    accepted = {a.id: a.labels for a in key.items}
    counts: Counter = Counter()
    for g in report.graded:
        for i in g.result.items:
            if i.item not in accepted:
                continue  # extra spans have no key label
            labels = accepted[i.item]
            given = _answer_label(ex, i)
            counts[(labels[0], labels[0] if given in labels else given)] += 1
    order = list(ex.labels)
    rows = [label for label in order if any(k[0] == label for k in counts)] or order
    seen = {k[1] for k in counts}
    cols = [label for label in order if label in seen] + sorted(seen - set(order) - {NO_ANSWER})
    if NO_ANSWER in seen:
        cols.append(NO_ANSWER)
    matrix = pd.DataFrame([[counts.get((r, c), 0) for c in cols] for r in rows], index=rows, columns=cols)
    matrix.index.name, matrix.columns.name = "key", "class"
    return matrix


def confusion_heatmap(report: GradeReport):
    """Plotly heatmap of :func:`confusion_matrix` with the count written in every cell."""
    import plotly.graph_objects as go

    matrix = confusion_matrix(report)
    z = matrix.to_numpy()
    fig = go.Figure(go.Heatmap(z=z, x=list(matrix.columns), y=list(matrix.index), text=z,
                               texttemplate="%{text}", colorscale="Blues", showscale=True,
                               hovertemplate="key %{y}, class %{x}: %{z}<extra></extra>"))
    fig.update_layout(title=f"The class's labels against the key, {report.exercise.title}",
                      xaxis={"title": "label given by students", "type": "category", "side": "bottom"},
                      yaxis={"title": "key (preferred label)", "type": "category", "autorange": "reversed"},
                      template="plotly_white")
    return fig


def _alpha(units: Iterable[Counter]) -> float:
    """Krippendorff's nominal alpha from the value counts of each unit (the formula of
    :func:`kit.scoring.krippendorff_alpha_nominal`, which takes the full coder x unit table)."""
    observed = 0.0
    totals: Counter = Counter()
    for counts in units:
        m = sum(counts.values())
        if m < 2:
            continue
        observed += (m * m - sum(c * c for c in counts.values())) / (m - 1)
        totals.update(counts)
    n = sum(totals.values())
    expected = n * n - sum(c * c for c in totals.values())
    if n == 0 or expected == 0:
        return float("nan")
    return 1 - (n - 1) * observed / expected


def _unit_values(report: GradeReport) -> tuple[list[str], list[list[str | None]]]:
    """Units (key items) and, per student, the raw label given (None when unanswered)."""
    ex = report.exercise
    ids = [a.id for a in report.key.items]
    table = []
    for g in report.graded:
        given = {i.item: _answer_label(ex, i) for i in g.result.items}
        table.append([None if given.get(u, NO_ANSWER) == NO_ANSWER else given[u] for u in ids])
    return ids, table


def class_agreement(reports: GradeReport | Iterable[GradeReport]):
    """Krippendorff's alpha (nominal) across the class, per exercise and per label (DataFrame).

    Sentences, named spans and verdicts: units are the key items, values the labels given
    (unanswered items are missing); then one-against-the-rest per label ("do we agree on
    what is CHECK?"). Grid cells: per field instead of per label. Span finding: units are the
    document's word tokens, coded tagged or not (label-blind), then per technique.
    """
    import pandas as pd

    if isinstance(reports, GradeReport):
        reports = [reports]
    rows = []
    for report in reports:
        ex = report.exercise
        n = len(report.graded)

        def add(scope: str, alpha: float, units: int) -> None:
            rows.append({"exercise": ex.id, "label_set": ex.label_set, "scope": scope, "alpha": alpha,
                         "students": n, "units": units})

        if ex.kind == "span" and ex.task == "find":
            doc = corpus.load_editorial()
            starts = [t.start for t in doc.tokens]
            ends = [t.end for t in doc.tokens]
            import bisect

            by_label: dict[str, list[Counter]] = {}
            blind = [Counter() for _ in doc.tokens]
            for g in report.graded:
                covered: dict[str, set[int]] = defaultdict(set)
                for t in g.tags:
                    lo, hi = bisect.bisect_right(ends, t["start"]), bisect.bisect_left(starts, t["end"])
                    covered[t["label"]].update(range(lo, hi))
                    covered["*"].update(range(lo, hi))
                for k, c in enumerate(blind):
                    c["tagged" if k in covered["*"] else "untagged"] += 1
                for label in ex.labels:
                    units = by_label.setdefault(label, [Counter() for _ in doc.tokens])
                    marks = covered.get(label, ())
                    for k, c in enumerate(units):
                        c[k in marks] += 1
            add("all techniques (label-blind)", _alpha(blind), len(blind))
            for label in ex.labels:
                add(label, _alpha(by_label.get(label, [])), len(doc.tokens))
            continue
        ids, table = _unit_values(report)
        columns = list(zip(*table)) if table else [() for _ in ids]
        add("all labels", _alpha(Counter(v for v in col if v is not None) for col in columns), len(ids))
        if ex.kind == "cell":
            fields = [a.field for a in report.key.items]
            for f in dict.fromkeys(fields):
                cols = [col for col, ff in zip(columns, fields) if ff == f]
                add(f, _alpha(Counter(v for v in col if v is not None) for col in cols), len(cols))
        else:
            for label in ex.labels:
                add(label, _alpha(Counter(v == label for v in col if v is not None) for col in columns), len(ids))
    return pd.DataFrame(rows, columns=["exercise", "label_set", "scope", "alpha", "students", "units"])


def _entropy(counts: Counter) -> float:
    n = sum(counts.values())
    return -sum(c / n * math.log2(c / n) for c in counts.values() if c) if n else float("nan")


def item_disagreement(report: GradeReport):
    """Per key item: how the class split (majority answer and share, entropy in bits), most disputed first.

    Unanswered items are left out of the split, except in span finding, where not tagging a
    passage is an answer ("(no answer)").
    """
    import pandas as pd

    ex, key = report.exercise, report.key
    tallies: dict[str, Counter] = {a.id: Counter() for a in key.items}
    find = ex.kind == "span" and ex.task == "find"
    for g in report.graded:
        for i in g.result.items:
            if i.item in tallies:
                label = _answer_label(ex, i)
                if label != NO_ANSWER or find:
                    tallies[i.item][label] += 1
    rows = []
    for a in key.items:
        counts = tallies[a.id]
        n = sum(counts.values())
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        top, top_n = ranked[0] if ranked else ("", 0)
        rows.append({"item": a.id, "text": _context(ex, a), "answers": n, "majority": top,
                     "majority_share": top_n / n if n else float("nan"), "entropy": _entropy(counts),
                     "split": " · ".join(f"{c} {lab}" for lab, c in ranked),
                     "key": " or ".join(a.labels), "majority_agrees": top in a.labels})
    frame = pd.DataFrame(rows, columns=["item", "text", "answers", "majority", "majority_share", "entropy", "split",
                                        "key", "majority_agrees"])
    return frame.sort_values(["entropy", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)


def discussion_prompts(report: GradeReport, n: int = 5):
    """The ``n`` most disputed items as discussion prompts, each with the key's explanation (DataFrame)."""
    import pandas as pd

    ex = report.exercise
    items = {a.id: a for a in report.key.items}
    rows = []
    for rec in item_disagreement(report).head(n).itertuples():
        a = items[rec.item]
        rows.append({"item": rec.item, "text": _context(ex, a, width=200), "split": rec.split,
                     "prompt": f"The class split {rec.split}. Which words in the text decide it?",
                     "key": rec.key, "explanation": _explanation(ex, a)})
    return pd.DataFrame(rows, columns=["item", "text", "split", "prompt", "key", "explanation"])


LOOK_NOTE = ("Worth a look, not an accusation: shared uncommon answers or identical notes also come from "
             "working together where that was allowed, sitting together, or the same misreading. Compare the "
             "two files and talk with the students before drawing any conclusion.")


def worth_a_look(report: GradeReport, *, rare_share: float = 0.1, min_shared: int = 4, min_note_chars: int = 20):
    """Pairs of submissions worth a look: several uncommon deviations from the key in common, or an
    identical non-empty note.

    A deviation (an answer the key does not accept, an extra span with its exact offsets) is
    uncommon when at most ``max(2, rare_share x class size)`` students share it; a pair is listed
    when it shares at least ``min_shared`` of them and more than the class's typical pair (mean
    plus four standard deviations over all pairs). Notes are
    compared ignoring case and spacing; notes shorter than ``min_note_chars`` or shared by
    more than that many students are ignored (common phrases). See :data:`LOOK_NOTE`.
    """
    import pandas as pd

    n = len(report.graded)
    limit = max(2, int(rare_share * n))
    who: dict[tuple[str, str], list[str]] = defaultdict(list)
    notes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for g in report.graded:
        for i in g.result.items:
            if i.outcome not in _AGREE and i.answer:
                who[(i.item, i.answer)].append(g.student)
        for t in g.tags:
            note = t.get("note") or ""
            norm = " ".join(note.casefold().split())
            if len(norm) >= min_note_chars:
                notes[norm].append((g.student, note))
    pairs: dict[tuple[str, str], dict] = defaultdict(lambda: {"deviations": [], "notes": []})
    for (item, answer), students in who.items():
        if 2 <= len(students) <= limit:
            for a_i, a in enumerate(students):
                for b in students[a_i + 1:]:
                    pairs[(min(a, b), max(a, b))]["deviations"].append(f"{item} → {answer}")
    for norm, holders in notes.items():
        students = sorted({s for s, _ in holders})
        if 2 <= len(students) <= limit:
            for a_i, a in enumerate(students):
                for b in students[a_i + 1:]:
                    pairs[(a, b)]["notes"].append(holders[0][1])
    # Chance alone makes some pairs share a few uncommon answers, more so with many items: a pair
    # counts when it shares at least min_shared and clearly more than the class's typical pair
    # (mean + 4 standard deviations over all pairs, those sharing nothing included).
    shared = [len(set(f["deviations"])) for f in pairs.values()]
    n_pairs = max(1, n * (n - 1) // 2)
    mean = sum(shared) / n_pairs
    sd = math.sqrt(max(0.0, sum(x * x for x in shared) / n_pairs - mean * mean))
    bar = max(min_shared, math.floor(mean + 4 * sd) + 1)
    rows = []
    for (a, b), found in pairs.items():
        devs, same = sorted(set(found["deviations"])), sorted(set(found["notes"]))
        if len(devs) < bar and not same:
            continue
        why = []
        if len(devs) >= bar:
            shown = "; ".join(devs[:4]) + ("; …" if len(devs) > 4 else "")
            why.append(f"{len(devs)} uncommon answers in common ({shown})")
        if same:
            why.append(f"{len(same)} identical note(s) (“{same[0][:80]}”)")
        rows.append({"student_a": a, "student_b": b, "shared_uncommon_answers": len(devs),
                     "identical_notes": len(same), "why_worth_a_look": "; ".join(why)})
    frame = pd.DataFrame(rows, columns=["student_a", "student_b", "shared_uncommon_answers", "identical_notes",
                                        "why_worth_a_look"])
    return frame.sort_values(["shared_uncommon_answers", "identical_notes", "student_a", "student_b"],
                             ascending=[False, False, True, True], kind="stable").reset_index(drop=True)


# --- a synthetic class, for tests, benchmarks and the grading notebook ----------------------------

_FIRST = ("Ada", "Bo", "Chen", "Dana", "Emeka", "Farah", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mateo",
          "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tomas", "Uma", "Vera", "Wen", "Ximena", "Yusuf", "Zoe")
_LAST = ("Abenov", "Berg", "Costa", "Dias", "Eze", "Fischer", "Garcia", "Huang", "Ito", "Jensen", "Kim", "Lopez",
         "Moreau", "Nowak", "Okafor", "Park", "Rossi", "Silva", "Tanaka", "Usman")
_NOTES = ("the word 'reportedly' hedges it", "who says so? no source is named", "could be checked in the record",
          "loaded wording, but the claim itself is checkable", "this reads as the author's opinion",
          "hints at a plan without saying it", "a prediction about what will happen", "not sure between two labels",
          "the cause is asserted, not shown", "quotes an official statement")
_CONFUSIONS = {"CHECK": ("ATTRIB", "CAUSAL", "SPEC"), "SPEC": ("OPINION", "CAUSAL", "CHECK"),
               "OPINION": ("SPEC", "CHECK"), "CAUSAL": ("SPEC", "CHECK"), "ATTRIB": ("CHECK", "SPEC"),
               "NONASSERT": ("OPINION", "SPEC")}


def demo_class(n: int = 30, seed: int = 0, exercise: str = "claims-practice", *,
               note_share: float = 0.15) -> list[dict]:
    """``n`` plausible synthetic exports (valid kit-tags v1) for ``exercise``, reproducible from ``seed``.

    Students differ in ability and items in difficulty; wrong answers follow plausible
    confusions; a few students leave items out; about ``note_share`` of the tags carry a
    note. Students 2 and 3 worked together (shared answers and a shared note), so
    :func:`worth_a_look` has something to show. For tests, benchmarks and the notebook.
    """
    import random

    rng = random.Random(seed)
    ex = answers.exercise(exercise)
    key = answers.load_key(ex.id)
    doc = corpus.load_editorial()
    labels = list(ex.labels)
    difficulty = {a.id: rng.uniform(0.0, 0.45) for a in key.items}
    out = []
    for s in range(n):
        ability = min(0.98, max(0.2, rng.betavariate(5, 2)))
        student = {"id": f"s{s + 1:03d}", "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"}
        tag_list = _demo_tags(ex, key, doc, labels, difficulty, ability, note_share, rng)
        if s == 2 and out:  # a pair who worked together: copies most of the previous student's tags
            previous = out[-1]["tags"]
            tag_list = [dict(t) for t in previous]
            for t in tag_list[::7]:
                t["note"] = "We decided together that this one is a judgement call"
        second = 10 + s % 50
        out.append({"format": tags.FORMAT, "version": tags.VERSION, "kit_version": __version__,
                    "exercise": ex.id, "document": {"id": doc.id, "sha256": doc.sha256}, "student": student,
                    "saved_at": f"2026-01-{12 + s % 5:02d}T{9 + s % 8:02d}:{s % 60:02d}:{second % 60:02d}Z",
                    "tags": tag_list})
    if n >= 2 and out[1]["tags"]:
        out[1]["tags"][0]["note"] = "We decided together that this one is a judgement call"
    return out


def _note(rng: Any, share: float) -> str:
    return rng.choice(_NOTES) if rng.random() < share else ""


def _demo_tags(ex, key, doc, labels, difficulty, ability, note_share, rng) -> list[dict]:
    out: list[dict] = []
    right = lambda a: rng.random() < ability - difficulty[a.id] + 0.25  # noqa: E731
    if ex.kind == "sentence":
        for a in key.items:
            if rng.random() < 0.03:
                continue
            if right(a):
                label = a.labels[0] if rng.random() < 0.85 else rng.choice(a.labels)
                cw = a.checkworthy if rng.random() < 0.85 else not a.checkworthy
            else:
                options = [c for c in _CONFUSIONS.get(a.labels[0], ()) if c in labels and c not in a.labels]
                label = rng.choice(options or [c for c in labels if c not in a.labels])
                cw = rng.random() < 0.4
            out.append({"kind": "sentence", "unit": a.unit, "label": label, "checkworthy": cw,
                        "note": _note(rng, note_share)})
    elif ex.kind == "span":
        taken: dict[str, list[tuple[int, int]]] = defaultdict(list)

        def add(start: int, end: int, label: str) -> None:
            if start >= end or any(s < end and start < e for s, e in taken[label]):
                return  # the export contract forbids same-label overlaps
            taken[label].append((start, end))
            out.append({"kind": "span", "start": start, "end": end, "quote": doc.text[start:end], "label": label,
                        "note": _note(rng, note_share)})

        tokens = doc.tokens
        starts = [t.start for t in tokens]
        ends = [t.end for t in tokens]
        import bisect

        for a in key.items:
            if ex.task == "find" and rng.random() > 0.35 + 0.6 * ability:
                continue  # missed
            if ex.task == "name" and rng.random() < 0.03:
                continue
            label = a.labels[0] if right(a) else rng.choice([c for c in labels if c not in a.labels])
            if ex.task == "name":
                add(a.start, a.end, label)
                continue
            i, j = bisect.bisect_left(starts, a.start), bisect.bisect_left(ends, a.end)
            i = min(max(0, i + rng.choice((0, 0, 0, -1, 1, -3, 2))), len(tokens) - 1)
            j = min(max(i, j + rng.choice((0, 0, 0, -1, 1, 4, -2))), len(tokens) - 1)
            add(tokens[i].start, tokens[j].end, label)
        if ex.task == "find":
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):  # extra spans, mostly in the controls
                unit = doc.unit(rng.choice(key.controls).unit) if key.controls else rng.choice(doc.units)
                inside = [t for t in tokens if unit.start <= t.start and t.end <= unit.end]
                i = rng.randrange(len(inside))
                j = min(len(inside) - 1, i + rng.randrange(1, 6))
                add(inside[i].start, inside[j].end, rng.choice(labels))
    elif ex.kind == "verdict":
        record = sorted(r.id for r in corpus.load_record())
        for a in key.items:
            if rng.random() < 0.04:
                continue
            label = a.labels[0] if right(a) else rng.choice([c for c in labels if c not in a.labels])
            cited = [r for r in a.record if rng.random() < ability]
            if rng.random() < 0.3:
                extra = rng.choice(record)
                if extra not in cited:
                    cited.append(extra)
            out.append({"kind": "verdict", "claim": a.id, "label": label, "evidence": cited,
                        "note": _note(rng, note_share)})
    else:
        vocab = {f.code: [c for c in f.codes if c in labels] for f in taxonomy.grid_fields()}
        for a in key.items:
            if rng.random() < 0.04:
                continue
            wrong = [c for c in vocab[a.field] if c not in a.labels]
            label = a.labels[0] if right(a) or not wrong else rng.choice(wrong)
            out.append({"kind": "cell", "item": a.item, "field": a.field, "label": label,
                        "note": _note(rng, note_share)})
    return out


def write_exports(exports: Iterable[dict], folder: Path | str) -> list[Path]:
    """Write exports as ``<student>-<exercise>.json`` files into ``folder`` (for demos and tests)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for data in exports:
        path = folder / tags.export_name(data)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
