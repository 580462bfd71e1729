"""Instructor grading: a folder of exported tag files -> gradebooks, feedback pages and class insight.

The flow, one module each::

    submissions  collect files, folders and zips; read them safely; check each with kit.tags' validator
    run          grade(): score each student's latest file with one kit.scoring.Scorer, then write
    results      what was graded and rejected (reason codes in REASONS), and the report
    gradebook    grades.csv, items.csv, rejected.csv, and the LMS import files (Canvas, Moodle,
                 Brightspace, Blackboard Learn), with rosters matched safely
    pages        one feedback page per student (templates/, autoescaped), worded by kit.feedback
    analytics    where the class struggled and agreed (pandas for tables, imported when called; charts
                 as plotly-format data, kit.charts)
    demo         a synthetic class for tests, benchmarks and the grading notebook

>>> neutralise("=SUM(A1:A9)")
"'=SUM(A1:A9)"
"""

from ..errors import UsageError
from .analytics import (
    LOOK_NOTE,
    NO_ANSWER,
    class_agreement,
    class_table,
    confusion_heatmap,
    confusion_matrix,
    difficulty_chart,
    discussion_prompts,
    item_difficulty,
    item_disagreement,
    items_table,
    score_histogram,
    worth_a_look,
)
from .demo import demo_class, write_exports
from .gradebook import FORMATS, Roster, RosterEntry, match, neutralise, read_roster
from .results import (NOTES, PART_COLUMNS, REASONS, GradeReport, Graded, Rejected, advice, describe, part_columns,
                      printable)
from .run import grade, output_names
from .submissions import Checked, Source, check_bytes, check_source, collect, parse_bytes, validate

__all__ = [
    "FORMATS", "LOOK_NOTE", "NOTES", "NO_ANSWER", "PART_COLUMNS", "REASONS", "Checked", "GradeReport", "Graded",
    "Rejected", "Roster", "RosterEntry", "Source", "UsageError", "advice", "check_bytes", "check_source",
    "class_agreement", "class_table", "collect", "confusion_heatmap", "confusion_matrix", "demo_class",
    "describe", "difficulty_chart", "discussion_prompts", "grade", "item_difficulty", "item_disagreement",
    "items_table", "match", "neutralise", "output_names", "parse_bytes", "part_columns", "printable", "read_roster",
    "score_histogram",
    "validate", "worth_a_look", "write_exports",
]
