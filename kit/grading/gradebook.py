"""Gradebooks: the CSV tables for the teacher, and the import files of the LMSs.

``grades.csv`` (a row per student), ``items.csv`` (a row per student and item) and ``rejected.csv``
(a row per file not graded) are for spreadsheets: UTF-8 with a BOM (without one Excel shows
"LÃ³pez"), CRLF line ends, every text cell that a spreadsheet would run as a formula neutralised
(``'`` before ``= + - @``, a tab or a carriage return), numbers written plainly.

The LMS files (Canvas, Moodle, Brightspace, Blackboard Learn) follow each importer's documented
layout (see ``docs/grading.md``). Only students with a grade are written: a blank cell can erase a
grade a teacher entered by hand. A roster links the kit's student ids to the LMS's own; a match is
exact first, then ignoring case, then (for emails) by the part before the @ when only one student
could be meant; a match the kit cannot decide alone is reported, never guessed.

>>> neutralise("=SUM(A1:A9)"), neutralise("plain text")
("'=SUM(A1:A9)", 'plain text')
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import answers
from ..errors import KitError, UsageError
from ..feedback import answer_text, number, short
from .results import Graded, Rejected, metric, part_columns

FORMATS = ("generic", "canvas", "moodle", "brightspace", "blackboard")
NEEDS_ROSTER = ("canvas", "brightspace", "blackboard")
MAX_ROSTER_BYTES = 20_000_000
_FORMULA_START = frozenset("=+-@\t\r")


# --- CSV ------------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A CSV text cell that no spreadsheet will run as a formula: ``'`` before = + - @ tab CR."""
    return "'" + text if text and text[0] in _FORMULA_START else text


def cell(value: Any) -> str:
    """A CSV cell as written: text neutralised, numbers plainly (up to four decimals), nothing as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return number(value, places=4)


def csv_bytes(rows: Iterable[Sequence[Any]], *, bom: bool = True, quote_all: bool = False) -> bytes:
    """CSV (RFC 4180, CRLF), cells written by :func:`cell`; UTF-8, with a BOM unless ``bom=False``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([cell(c) for c in row])
    return (codecs.BOM_UTF8 if bom else b"") + buffer.getvalue().encode("utf-8", "replace")


def grades_csv(ex: answers.Exercise, graded: list[Graded]) -> bytes:
    parts = part_columns(ex)
    rows: list[list[Any]] = [["student_id", "name", "score", "max", "percent"] + [c for _, c in parts]
                             + ["file", "saved_at", "also_handed_in"]]
    for g in graded:
        r = g.result
        rows.append([g.student, g.name, r.score, r.max, round(100 * r.fraction, 2)]
                    + [metric(r.metrics, p) for p, _ in parts]
                    + [g.source, g.saved_at, " ; ".join(g.superseded)])
    return csv_bytes(rows)


def items_csv(ex: answers.Exercise, graded: list[Graded]) -> bytes:
    """The long table: a row per student and item (span finding has no per-item points)."""
    per_item_points = not (ex.kind == "span" and ex.task == "find")
    rows: list[list[Any]] = [["student_id", "item", "outcome", "score", "max", "answer", "expected", "feedback"]]
    for g in graded:
        for i in g.result.items:
            rows.append([g.student, i.item, i.outcome, i.score if per_item_points else None,
                         i.max if per_item_points else None, answer_text(i), " | ".join(i.expected), short(i)])
    return csv_bytes(rows)


def rejected_csv(rejected: list[Rejected]) -> bytes:
    return csv_bytes([["file", "reason", "message", "student_id"]]
                     + [[r.source, r.code, r.message, r.student] for r in rejected])


# --- rosters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    email: str = ""
    id_number: str = ""
    username: str = ""
    org_defined_id: str = ""
    other_ids: tuple[str, ...] = ()

    @property
    def identifiers(self) -> tuple[str, ...]:
        """The values a kit student id is matched against."""
        return tuple(v for v in (*self.other_ids, self.username, self.sis_login_id, self.sis_user_id,
                                 self.org_defined_id, self.email, self.id_number, self.canvas_id) if v)

    @property
    def shown(self) -> str:
        return self.name or next(iter(self.identifiers), "?")


@dataclass(frozen=True)
class Roster:
    entries: tuple[RosterEntry, ...]
    columns: tuple[str, ...]

    def has(self, attribute: str) -> bool:
        return any(getattr(e, attribute) for e in self.entries)


#: Roster column names (lower case, spaces collapsed) -> RosterEntry field.
ROSTER_COLUMNS = {
    "student": "name", "name": "name", "full name": "name", "student name": "name",
    "id": "canvas_id", "canvas id": "canvas_id", "canvas user id": "canvas_id",
    "sis user id": "sis_user_id",
    "sis login id": "sis_login_id", "login id": "sis_login_id",
    "section": "section",
    "email": "email", "email address": "email", "e-mail": "email", "e-mail address": "email",
    "id number": "id_number", "idnumber": "id_number",
    "username": "username", "user name": "username",
    "orgdefinedid": "org_defined_id", "org defined id": "org_defined_id",
    "kit id": "other", "kit_id": "other", "kit student id": "other", "user": "other", "student id": "other",
}


def read_roster(path: Path | str) -> Roster:
    """Read a class list (CSV; comma, semicolon or tab): an LMS's gradebook or participants export, or any
    table with columns of :data:`ROSTER_COLUMNS` (docs/grading.md says which export to use for each LMS)."""
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
        if h in ROSTER_COLUMNS:
            columns[ROSTER_COLUMNS[h]].append(i)
    first_name = next((i for i, h in enumerate(header) if h in ("first name", "firstname")), None)
    last_name = next((i for i, h in enumerate(header) if h in ("last name", "lastname", "surname")), None)
    identity = ("canvas_id", "sis_user_id", "sis_login_id", "email", "id_number", "username", "org_defined_id",
                "other")
    if not any(k in columns for k in identity):
        raise KitError(f"{path}: no column identifies the students (found {', '.join(rows[0]) or 'none'}); "
                       "expected one of SIS Login ID, SIS User ID, ID, Email address, ID number, Username, "
                       "OrgDefinedId, kit id")

    def value(row: list[str], kind: str) -> str:
        for i in columns.get(kind, ()):
            if i < len(row) and row[i].strip():
                # Brightspace's exports put a "#" before these ids to keep spreadsheets from reading them as numbers
                return row[i].strip().lstrip("#") if kind in ("org_defined_id", "username") else row[i].strip()
        return ""

    entries = []
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        if row and row[0].strip().lower() in ("points possible", "manual posting"):
            continue  # the extra rows of a Canvas gradebook export
        name = value(row, "name")
        if not name and first_name is not None:
            parts = [row[i].strip() for i in (first_name, last_name) if i is not None and i < len(row)]
            name = " ".join(p for p in parts if p)
        others = tuple(row[i].strip() for i in columns.get("other", ()) if i < len(row) and row[i].strip())
        entries.append(RosterEntry(name, value(row, "canvas_id"), value(row, "sis_user_id"),
                                   value(row, "sis_login_id"), value(row, "section"), value(row, "email"),
                                   value(row, "id_number"), value(row, "username"), value(row, "org_defined_id"),
                                   others))
    return Roster(tuple(entries), tuple(rows[0]))


@dataclass(frozen=True)
class Matching:
    """Which graded student goes to which roster entry, and what could not be decided."""

    assigned: dict[int, Graded]  # roster position -> graded submission
    unmatched: list[str]  # graded students given to no roster entry
    clashes: list[str]  # in words: what was left undecided, and why


EXACT, CASE, EMAIL_LOCAL = 0, 1, 2
_HOW = {EXACT: "exactly", CASE: "ignoring case", EMAIL_LOCAL: "by the part of the email before the @"}


def match(graded: list[Graded], roster: Roster) -> Matching:
    """Link graded students to roster entries: exact matches first, then ignoring case, then by an
    email's local part when only one entry could be meant. Two students for one entry at the same
    best level, or one student for two entries, is a clash: reported, never resolved by guessing."""
    entries = roster.entries
    local_parts: dict[str, list[int]] = defaultdict(list)
    for n, e in enumerate(entries):
        if "@" in e.email:
            local_parts[e.email.split("@", 1)[0].casefold()].append(n)
    claims: dict[int, list[tuple[int, Graded]]] = defaultdict(list)
    unmatched, clashes = [], []
    for g in graded:
        sid = g.student
        levels = (
            [n for n, e in enumerate(entries) if sid in e.identifiers],
            [n for n, e in enumerate(entries) if sid.casefold() in {v.casefold() for v in e.identifiers}],
            local_parts.get(sid.casefold(), []) if "@" not in sid else
            local_parts.get(sid.split("@", 1)[0].casefold(), []),
        )
        for level, found in enumerate(levels):
            if len(found) == 1:
                claims[found[0]].append((level, g))
                break
            if len(found) > 1:
                clashes.append(f"{sid} fits {len(found)} students of the roster {_HOW[level]} "
                               f"({', '.join(entries[n].shown for n in found[:3])})")
                unmatched.append(sid)
                break
        else:
            unmatched.append(sid)
    assigned: dict[int, Graded] = {}
    for n, found in claims.items():
        found.sort(key=lambda c: c[0])
        best = [g for level, g in found if level == found[0][0]]
        if len(best) > 1:
            clashes.append(f"{', '.join(g.student for g in best)} all fit {entries[n].shown} "
                           f"{_HOW[found[0][0]]}: none of them was given that grade")
            unmatched.extend(g.student for g in best)
            unmatched.extend(g.student for level, g in found if level != found[0][0])
            continue
        assigned[n] = best[0]
        for level, g in found[1:]:
            clashes.append(f"{g.student} fits {entries[n].shown} only {_HOW[level]}, and {best[0].student} fits "
                           f"exactly: the grade went to {best[0].student}")
            unmatched.append(g.student)
    return Matching(assigned, sorted(set(unmatched)), clashes)


def nobody_matched(graded: list[Graded], roster: Roster) -> str:
    """Why a roster matched none of the graded students, in words a teacher can act on."""
    ids = [g.student for g in graded]
    emails = sum("@" in s for s in ids)
    hint = ""
    if emails > len(ids) / 2 and not roster.has("email"):
        hint = (" The kit's ids look like email addresses and the roster has no email column: export a roster "
                "with emails (docs/grading.md), or add a 'kit id' column.")
    elif emails <= len(ids) / 2 and roster.has("email") and not roster.has("username") \
            and not roster.has("sis_login_id"):
        hint = (" The roster identifies students by email and the kit's ids are not emails: add a 'kit id' "
                "column to the roster with each student's id in the kit.")
    shown = ", ".join(ids[:3]) + (" ..." if len(ids) > 3 else "")
    return (f"nobody in the roster matched any of the {len(ids)} graded students ({shown}); no LMS file "
            f"was written.{hint}")


# --- LMS files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LmsFile:
    data: bytes
    unmatched: list[str]
    without_grade: list[str]
    clashes: list[str]
    notes: list[str]


def scaled(g: Graded, points: float) -> float:
    """The score on the LMS's scale (``points`` for full marks), to two decimals."""
    return round(g.result.fraction * points, 2)


def feedback_line(g: Graded) -> str:
    r = g.result
    return (f"{number(r.score)} of {number(r.max)} points ({100 * r.fraction:.0f}%). "
            f"Your feedback page: {g.page.rsplit('/', 1)[-1]}")


def lms_file(fmt: str, ex: answers.Exercise, graded: list[Graded], roster: Roster | None, *,
             assignment_id: str | None = None, points: float | None = None) -> LmsFile:
    """The import file for ``fmt`` ("canvas", "moodle", "brightspace", "blackboard")."""
    notes: list[str] = []
    if points is None:
        points = ex.points
        if fmt == "moodle" and ex.points > 100:
            points = 100.0  # Moodle refuses grades above a grade item's maximum, 100 by default
            notes.append(f"moodle.csv gives scores out of 100 (the exercise has {ex.points:g} points): Moodle "
                         "refuses grades above a grade item's maximum, 100 by default. Use --points to choose.")
    if roster is None:
        if fmt in NEEDS_ROSTER:
            raise UsageError(f"--format {fmt} needs --roster FILE (docs/grading.md says which export to use)")
        pairs = [(None, g) for g in graded]
        matching = Matching({}, [], [])
    else:
        matching = match(graded, roster)
        if not matching.assigned and graded:
            raise KitError(nobody_matched(graded, roster))
        pairs = [(roster.entries[n], matching.assigned[n]) for n in sorted(matching.assigned)]
    without = [] if roster is None else [e.shown for n, e in enumerate(roster.entries) if n not in matching.assigned]
    title = ex.title
    if fmt == "canvas":
        column = f"{title} ({assignment_id})" if assignment_id else title
        rows: list[list[Any]] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                                 ["    Points Possible", "", "", "", "", points]]
        rows += [[e.name, e.canvas_id, e.sis_user_id, e.sis_login_id, e.section, scaled(g, points)]
                 for e, g in pairs]
        data = csv_bytes(rows)
    elif fmt == "moodle":
        if roster is None:
            # The kit's own ids: the header says so, and the teacher maps it in Moodle's import.
            rows = [["kit student id", title, "Feedback"]]
            rows += [[g.student, scaled(g, points), feedback_line(g)] for _, g in pairs]
            notes.append("moodle.csv identifies students by their kit id (column 'kit student id'): in Moodle's "
                         "import map it to the user field that holds the same ids (often username).")
        else:
            keys = [k for k, a in (("Email address", "email"), ("ID number", "id_number"), ("Username", "username"))
                    if roster.has(a)]
            if not keys:
                raise KitError("the roster has no Email address, ID number or Username column, which Moodle needs "
                               "to find the students")
            value = {"Email address": "email", "ID number": "id_number", "Username": "username"}
            rows = [keys + [title, "Feedback"]]
            rows += [[getattr(e, value[k]) for k in keys] + [scaled(g, points), feedback_line(g)] for e, g in pairs]
        data = csv_bytes(rows)
    elif fmt == "brightspace":
        use = "OrgDefinedId" if roster.has("org_defined_id") else "Username" if roster.has("username") else ""
        if not use:
            raise KitError("the roster has neither an OrgDefinedId nor a Username column, which Brightspace needs")
        rows = [[use, f"{title} Points Grade", "End-of-Line Indicator"]]
        rows += [[("#" + e.org_defined_id) if use == "OrgDefinedId" else e.username, scaled(g, points), "#"]
                 for e, g in pairs]
        data = csv_bytes(rows)
    elif fmt == "blackboard":
        if not roster.has("username"):
            raise KitError("the roster has no Username column, which Blackboard Learn needs")
        column = f"{title} [Total Pts: {points:g} Score] |{assignment_id}" if assignment_id else title
        if not assignment_id:
            notes.append("blackboard.csv has no column id (--assignment-id): Blackboard creates a new text column "
                         "with 0 points possible; give the id of an existing column to fill that one.")
        rows = [["Username", column]]
        rows += [[e.username, scaled(g, points)] for e, g in pairs]
        # Blackboard wants every field of a .csv quoted; a BOM is not documented, so none is written.
        data = csv_bytes(rows, bom=False, quote_all=True)
    else:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return LmsFile(data, matching.unmatched, without, matching.clashes, notes)
