"""Grading a class: read every submission, score it, write the gradebooks and the feedback pages.

The grader never falls over on a bad file: every file is graded or listed in ``rejected.csv`` with a
reason code. Nothing is written until everything has been read and graded; existing output files are
never replaced without ``force`` (checked before the first submission is read); the outputs are
written into a staging folder and moved into place when all are written (see :class:`_Writer`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import answers, scoring, tags
from ..cases import Case, load_case
from .._io import fsync_dir
from ..errors import KitError, UsageError
from . import gradebook
from .pages import Pages
from .results import GradeReport, Graded, Rejected
from .submissions import Source, check_source, close, collect

PAGES = "feedback"


def output_names(fmt: str) -> list[str]:
    """The fixed output files for a format (feedback pages come on top)."""
    names = ["grades.csv", "items.csv", "rejected.csv", "index.html"]
    if fmt != "generic":
        names.append(f"{fmt}.csv")
    return names


def grade(paths: Iterable[Path | str] | Path | str, *, exercise: str, key: Path | str | None = None,
          out: Path | str | None = None, fmt: str = "generic", roster: Path | str | None = None,
          assignment_id: int | str | None = None, points: float | None = None, force: bool = False,
          case: "str | Path | Case | None" = None,
          progress: Callable[[int, int], None] | None = None) -> GradeReport:
    """Grade every submission under ``paths`` for ``exercise`` and write the gradebook into ``out``.

    ``key`` is a private key file (default: the exercise's built-in key); ``out`` defaults to
    ``graded-<exercise>``; ``fmt`` adds an LMS import file (``canvas``, ``moodle``, ``brightspace``,
    ``blackboard``; see :mod:`kit.grading.gradebook` and docs/grading.md), linked to the LMS's
    students through ``roster``; ``assignment_id`` is the LMS's id of the grade column; ``points``
    scales the LMS file's scores to that many points; ``force`` replaces existing output files (and
    removes feedback pages of students no longer graded); ``progress(done, total)`` is called after
    each file. ``case`` (an id, a folder or a :class:`~kit.cases.Case`) grades one of a case's
    exercises, against its text and its key (or ``key``).

    Raises :class:`~kit.errors.UsageError` for options that do not fit, :class:`~kit.errors.KitError`
    when the output files exist (without ``force``), the key or roster is unusable, or nobody in the
    roster matched a graded student.
    """
    if fmt not in gradebook.FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(gradebook.FORMATS)}")
    if case is not None and not isinstance(case, Case):
        case = load_case(case)
    ex = case.exercise(exercise) if case is not None else _exercise(exercise)
    if fmt in gradebook.NEEDS_ROSTER and roster is None:
        raise UsageError(f"--format {fmt} needs --roster FILE (docs/grading.md says which export to use)")
    if assignment_id is not None:
        assignment_id = str(assignment_id).strip()
        if not assignment_id.isdigit():
            raise UsageError(f"the assignment id must be a number (the LMS shows it in the assignment's "
                             f"address), got {assignment_id!r}")
    if points is not None and not (isinstance(points, (int, float)) and 0 < points < 1e6):
        raise UsageError(f"--points must be a positive number, got {points!r}")
    out = Path(out) if out is not None else Path(f"graded-{ex.id}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; --out needs a folder")
    reference = case.key(ex.id, key) if case is not None else answers.load_key(ex.id, key)
    people = gradebook.read_roster(roster) if roster is not None else None
    fixed = output_names(fmt)
    clock = time.perf_counter
    timings: dict[str, float] = {}
    started = clock()
    sources = collect(paths, exclude=[out / name for name in fixed] + [out / PAGES])
    try:
        if not force:  # fail before reading a single submission
            _refuse_existing([out / name for name in fixed])
        timings["collect"] = clock() - started
        graded, rejected = _grade_sources(sources, ex, reference, progress, timings, case)
    finally:
        close(sources)
    mark = clock()
    pages = Pages(ex, reference, case.document if case is not None else None)
    files = {"grades.csv": gradebook.grades_csv(ex, graded), "items.csv": gradebook.items_csv(ex, graded),
             "rejected.csv": gradebook.rejected_csv(rejected), "index.html": pages.index(graded, rejected)}
    lms = None
    if fmt != "generic":
        lms = gradebook.lms_file(fmt, ex, graded, people, assignment_id=assignment_id, points=points)
        files[f"{fmt}.csv"] = lms.data
    planned = [out / name for name in files] + [out / g.page for g in graded]
    if not force:
        _refuse_existing(planned[:len(files)])
        if os.path.lexists(out / PAGES):  # else no page can be in the way
            _refuse_existing(planned[len(files):])
    timings["tables"] = clock() - mark
    writer = _Writer(out, replace_pages=force)
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
    report = GradeReport(ex, reference, out, fmt, len(sources), graded, rejected, planned, timings=timings)
    report.builtin_key = key is None and (case is None or case.builtin)
    if lms is not None:
        report.unmatched, report.without_grade = lms.unmatched, lms.without_grade
        report.clashes, report.lms_notes = lms.clashes, lms.notes
    return report


def _exercise(exercise_id: str) -> answers.Exercise:
    try:
        return answers.exercise(exercise_id)
    except KitError as exc:
        raise UsageError(str(exc)) from None


def _refuse_existing(paths: Iterable[Path]) -> None:
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if existing:
        shown = ", ".join(str(p) for p in existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3
                                                           else "")
        raise KitError(f"not overwriting {shown}: grade into another folder (--out) or replace them (--force)")


def _when(saved_at: str) -> datetime:
    moment = datetime.fromisoformat(saved_at.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _grade_sources(sources: list[Source], ex: answers.Exercise, key: answers.Key,
                   progress: Callable[[int, int], None] | None,
                   timings: dict[str, float], case: Case | None = None) -> tuple[list[Graded], list[Rejected]]:
    mark = time.perf_counter()
    valid: dict[str, list[tuple[datetime, str, dict]]] = defaultdict(list)
    rejected: list[Rejected] = []
    total = len(sources)
    for done, source in enumerate(sources, 1):
        checked = check_source(source, exercise=ex.id, case=case)
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
    scorer = scoring.Scorer.for_exercise(ex, key)
    graded = []
    page_name = _page_namer()
    for student in sorted(valid):
        versions = sorted(valid[student], key=lambda v: (v[0], v[1]))
        _, name, data = versions[-1]  # the later saved_at wins (then the later file name)
        graded.append(Graded(student, data["student"].get("name", ""), name, data["saved_at"],
                             scorer.score(data["tags"]), tuple(data["tags"]), tuple(v[1] for v in versions[:-1]),
                             page_name(student)))
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
        return f"{PAGES}/{candidate}.html"

    return page_name



class _Writer:
    """Write the outputs so that no half-written file is ever in view, even after a crash.

    Every file is first written into a staging folder inside the output folder
    (``.kit-staging-<pid>``). On :meth:`commit` the tables are synced to disk, then the feedback
    pages move into place (the whole ``feedback`` folder in one rename when it is new, else page
    by page) and the tables last, so that ``index.html`` never links a page that is not there.
    The pages are not synced one by one: they are rebuilt by running ``kit grade`` again, and a
    sync of every page would cost more than writing them (a power cut mid-run can leave a page
    empty, never a gradebook). With ``replace_pages`` (``--force``) pages of students no longer
    graded are removed, so that an old grade cannot be read as a new one.
    """

    PAGES = PAGES

    def __init__(self, out: Path, *, replace_pages: bool = False):
        self.out = out
        self.replace_pages = replace_pages
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
            if self.replace_pages:
                written = set(self.pages)
                for old in target.glob("*.html"):
                    if old.name not in written and old.is_file() and not old.is_symlink():
                        old.unlink()
        else:
            os.rename(staged, target)
        fsync_dir(target)
        for name in self.tables:
            os.replace(self.staging / name, self.out / name)
        self.tables, self.pages = [], []
        self.staging.rmdir()
        fsync_dir(self.out)

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
