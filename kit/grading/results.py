"""What grading produced: the graded students, the rejected files (with reason codes), the report.

Every file handed in is either graded or listed with a reason code from :data:`REASONS`, in words a
student can act on.
"""

from __future__ import annotations

import html
import os
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import answers, scoring, taxonomy

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
    "retired_field": ("an answer to a grid field the kit no longer asks (set aside; the rest is graded)",
                      "Nothing to do: the kit dropped that field, so the answer is not scored."),
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
    "bad_text": ("a note holds half of a character (a broken emoji?)",
                 "Type the note again in the worksheet and export again."),
    "bad_url": ("an outside source of a verdict is not a web address",
                "Mend the address in the verdict's Outside box (it starts with https://) and export again."),
    "too_many": ("a verdict lists more outside sources than the kit keeps (five)",
                 "Keep the best five in the verdict's Outside box and export again."),
    "same_label_overlap": ("two spans with the same label overlap",
                           "Delete or change one of them in the worksheet and export again."),
    "number_too_long": ("a number in the file has thousands of digits: not a tag file",
                        "Hand in the .json file that the worksheet's Export button wrote."),
    "not_on_tokens": ("a span starts or ends inside a word (spans snap to whole words)",
                      "Export again from the worksheet; do not edit the file by hand."),
    "symlink_outside": ("a link to a file outside the submissions folder (not followed)",
                        "Hand in the file itself, not a link to it."),
    "symlinked_folder": ("a link to a folder (not followed: it may lead anywhere)",
                         "Put the files themselves into the submissions folder."),
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
    without_grade: list[str] = field(default_factory=list)  # roster students with no graded file (not written)
    clashes: list[str] = field(default_factory=list)  # roster matches the kit would not decide on its own
    lms_notes: list[str] = field(default_factory=list)  # what the LMS file assumes (points, identity column)
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
                         f"{g.student} also handed in {basename(g.source)} (saved later), which was graded",
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
                lines.append(f"  {printable(g.student)}: graded {printable(g.source)}; "
                             f"set aside {', '.join(printable(s) for s in g.superseded)}")
            if len(dups) > width:
                lines.append(f"  ... and {len(dups) - width} more (the also_handed_in column of grades.csv)")
        if self.unmatched:
            lines.append(f"{len(self.unmatched)} graded student(s) are not in the roster, so not in "
                         f"{self.fmt}.csv: {_some(self.unmatched, width)}.")
        if self.without_grade:
            lines.append(f"{len(self.without_grade)} student(s) of the roster have no graded file; {self.fmt}.csv "
                         f"leaves them out, so the LMS keeps what it has for them: {_some(self.without_grade, width)}.")
        for clash in self.clashes:
            lines.append(f"Not matched, to be safe: {printable(clash)}")
        lines.extend(self.lms_notes)
        pages = sum(1 for f in self.files if f.parent.name == "feedback")
        others = ", ".join(f.name for f in self.files if f.parent.name != "feedback")
        lines.append(f"Files written to {printable(str(self.out))}{os.sep}")
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


def _some(names: list[str], width: int) -> str:
    more = f" and {len(names) - width} more" if len(names) > width else ""
    return ", ".join(printable(n) for n in names[:width]) + more


def printable(text: str) -> str:
    """For a terminal: control characters (escape sequences included) shown as '?'."""
    return _CONTROL.sub("?", text)


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


def metric(metrics: dict, path: tuple[str, ...]) -> Any:
    value: Any = metrics
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value




def basename(source: str) -> str:
    """The file's own name, without the instructor's folders (feedback pages go to students)."""
    return re.split(r"[/\\:]", source)[-1] or source
