"""The ``kit`` command: thin wrappers over the library.

Library code raises :class:`kit.KitError`; this is the only place that turns
it into a message and an exit code (0 ok, 1 failed, 2 usage error).
"""

from __future__ import annotations

import argparse
import platform
import sys
from importlib import metadata

from . import answers, corpus, resources
from ._version import __version__
from .discernment import BUILT_IN_FORMS
from .errors import KitError

_VERSIONS_OF = ("pysbd", "anywidget", "ipywidgets", "traitlets", "pandas", "plotly", "jupyterlab", "notebook")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def info_lines() -> list[str]:
    """What ``kit info`` prints: versions, the editorial's identity, data counts."""
    doc = corpus.load_editorial()
    articles = corpus.load_articles()
    record = corpus.load_record()
    outlets = {a.outlet for a in articles}
    countries = {a.country for a in articles}
    deps = " · ".join(f"{name} {_version(name)}" for name in _VERSIONS_OF)
    published = doc.published.isoformat() if doc.published else "undated"
    return [
        f"media-literacy-kit {__version__} (Python {platform.python_version()})",
        f"  {deps}",
        f"editorial  {doc.id}: {doc.title!r}",
        f"           {doc.outlet}, {published}",
        f"           {len(doc.text):,} characters · {len(doc.units)} units · {len(doc.tokens):,} tokens",
        f"           sha256 {doc.sha256}",
        f"coverage   {len(articles)} articles from {len(outlets)} outlets in {len(countries)} countries",
        f"record     {len(record)} dated items, {record[0].date_start} to {record[-1].date_end}",
        f"data       {resources.data_root()}",
    ]


def _cmd_info(args: argparse.Namespace) -> int:
    print("\n".join(info_lines()))
    return 0


def exercise_lines() -> list[str]:
    """What ``kit exercises`` prints: one row per exercise."""
    rows = [("id", "kind", "task", "labels", "points", "mode", "key items")]
    for ex in answers.exercises():
        key = answers.load_key(ex.id)
        rows.append((ex.id, ex.kind, ex.task, f"{ex.label_set} ({len(ex.labels)})", f"{ex.points:g}", ex.mode,
                     str(len(key.items))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("Practice keys ship with the kit and students can read them; grade graded work with a private key "
                 "(kit grade --key FILE).")
    return lines


def _cmd_exercises(args: argparse.Namespace) -> int:
    print("\n".join(exercise_lines()))
    return 0


def case_lines() -> list[str]:
    """What ``kit cases`` prints: the built-in cases."""
    from .cases import cases

    lines = []
    for c in cases():
        when = c.date.isoformat() if c.date else "undated"
        lines += [f"{c.id}  {c.title!r}", f"    {c.outlet}, {when}; {len(c.document.units)} units; "
                  f"exercises: {', '.join(e.id for e in c.exercises)}", f"    why it is reproduced: {c.licence}"]
    lines.append("A case folder of your own: kit new SOURCE --id ID --out FOLDER (then kit grade --case FOLDER).")
    return lines


def _cmd_cases(args: argparse.Namespace) -> int:
    print("\n".join(case_lines()))
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from datetime import date

    from .authoring import new_case, unit_lines

    try:
        published = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        print(f"kit new: error: --date {args.date!r} is not a date like 2022-01-07", file=sys.stderr)
        return 2
    case = new_case(args.source, case_id=args.id, out=args.out, title=args.title, outlet=args.outlet,
                    published=published, url=args.url, licence=args.licence)
    print("\n".join(unit_lines(case)))
    print(f"Wrote the case to {case.folder}: check the units above, then write its keys in key mode.")
    return 0


def _cmd_agree(args: argparse.Namespace) -> int:
    from .agreement import agree

    result = agree(args.key_a, args.key_b, case=args.case, out=args.out)
    print("\n".join(result.lines()))
    if args.out:
        print(f"The disagreements are in {args.out}/disagreements.csv and disagreements.html.")
    return 0


def _cmd_handout(args: argparse.Namespace) -> int:
    from .authoring import handout

    written = handout(args.case, args.out, repo_url=args.repo_url)
    print(f"Wrote {len(written)} file(s) for students to {args.out}: the text, the exercises and the worksheets; "
          "no key and no teacher's guide.")
    return 0


def _cmd_discernment(args: argparse.Namespace) -> int:
    from .cases import load_case
    from .discernment import Form, discernment

    if len(args.forms) != 2 or (args.keys and len(args.keys) != 2):
        print("kit discernment: error: give the two forms (--forms A B) and, if you give keys, two", file=sys.stderr)
        return 2
    cases_ = [load_case(f) for f in args.forms]
    keys = [None, None]
    if args.keys:
        from .answers import filtered, read_key_file, label_set

        keys = [filtered(read_key_file(k, "span", document=c.document), label_set("techniques"))
                for k, c in zip(args.keys, cases_)]
    forms = {c.id: Form.from_case(c, k) for c, k in zip(cases_, keys)}
    result = discernment([args.pre], [args.post], forms, out=args.out)
    print("\n".join(result.lines()))
    return 0 if result.students else 1


def _cmd_forms(args: argparse.Namespace) -> int:
    from .discernment import assignments

    width = max(len(sid) for sid in args.students)
    print(f"{'student':{width}}  pre-test (before lesson 01)     post-test (after lesson 04)")
    for sid, pre, post in assignments(args.students, tuple(args.forms)):
        print(f"{sid:{width}}  {pre:30}  {post}")
    return 0


def _cmd_guide(args: argparse.Namespace) -> int:
    from .guide import write_guide

    path = write_guide(args.out, force=args.force)
    print(f"wrote the teacher's guide to {path}")
    return 0


class _Progress:
    """``kit grade``'s progress on stderr: a bar on a terminal for long runs, else a simple counter."""

    BAR_FROM = 50  # files

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        tty = getattr(self.stream, "isatty", lambda: False)()
        if tty and total > self.BAR_FROM:
            step = done * 40 // total
            if step != self.shown or done == total:
                self.shown = step
                end = "\n" if done == total else ""
                self.stream.write(f"\r  reading [{'#' * step}{'.' * (40 - step)}] {done}/{total} files{end}")
                self.stream.flush()
            return
        every = -(-total // 10) if total > self.BAR_FROM else total  # about ten lines on long runs
        if done == total or done % every == 0:
            self.stream.write(f"  read {done}/{total} files\n")
            self.stream.flush()


def grading_formats() -> tuple[str, ...]:
    from .grading.gradebook import FORMATS

    return FORMATS


def _grade_defaults() -> dict:
    from . import grading

    return dict(grading.grade.__kwdefaults__)


def _cmd_grade(args: argparse.Namespace) -> int:
    from . import grading

    try:
        report = grading.grade(args.submissions, exercise=args.exercise, key=args.key, out=args.out,
                               fmt=args.format, roster=args.roster, assignment_id=args.assignment_id,
                               points=args.points, force=args.force, case=args.case, progress=_Progress())
    except grading.UsageError as exc:
        print(f"kit grade: error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0 if report.graded else 1


def _cmd_validate(args: argparse.Namespace) -> int:
    from . import grading

    try:
        checked = grading.validate(args.files)
    except grading.UsageError as exc:
        print(f"kit validate: error: {exc}", file=sys.stderr)
        return 2
    if not checked:
        print("No files to check (folders held only hidden or system files).")
        return 1
    for c in checked:
        name = grading.printable(c.source)
        if c.ok:
            data = c.data
            print(f"OK         {name}: exercise {data['exercise']}, student {data['student']['id']}, "
                  f"{len(data['tags'])} tag(s), saved {data['saved_at']}")
            continue
        first = c.problems[0]
        print(f"NOT VALID  {name}: {grading.describe(first.code)}.")
        for problem in c.problems[:5]:
            print(f"           - {grading.printable(problem.message)} [{problem.code}]")
        if len(c.problems) > 5:
            print(f"           - ... and {len(c.problems) - 5} more")
        print(f"           What to do: {grading.advice(first.code)}")
    bad = sum(not c.ok for c in checked)
    print(f"{len(checked) - bad} of {len(checked)} file(s) valid." if bad else
          f"All {len(checked)} file(s) valid: ready to hand in.")
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kit",
        description="Media-literacy kit: lessons, reference answers and grading for one editorial.",
    )
    parser.add_argument("--version", action="version", version=f"media-literacy-kit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = commands.add_parser("info", help="versions, the editorial's hash and unit count, data counts",
                               description="Print versions, the editorial's hash and unit count, and the "
                                           "counts of coverage articles and record items.")
    info.set_defaults(run=_cmd_info)
    listing = commands.add_parser("exercises", help="the exercises: ids, kinds, label sets, points",
                                  description="List every built-in exercise with its kind, task, label set, "
                                              "points, mode (practice or graded) and the size of its key.")
    listing.set_defaults(run=_cmd_exercises)
    listing_cases = commands.add_parser("cases", help="the built-in cases (a text and its exercises)",
                                        description="List the built-in cases: each is one text with its "
                                                    "exercises and keys, and why the kit may reproduce it.")
    listing_cases.set_defaults(run=_cmd_cases)
    new = commands.add_parser(
        "new", help="make a case folder from a saved web page, a text file or pasted text",
        description="Make a case folder from SOURCE: a saved web page (needs the 'authoring' extra), a text file, "
                    "or - for text pasted on standard input. Keeps the source byte for byte, cleans its main text, "
                    "writes exercise definitions for claims and techniques, and prints the units found. Flags "
                    "override what the page says. Exit 1 with one message, and nothing written, on bad input.")
    new.add_argument("source", metavar="SOURCE", help="a .html page, a text file, or - for standard input")
    new.add_argument("--id", required=True, help="the case's id: lowercase words joined by hyphens")
    new.add_argument("--out", required=True, metavar="FOLDER", help="the case folder to write (new or empty)")
    new.add_argument("--title", help="the text's title (default: the page's)")
    new.add_argument("--outlet", help="who published it (default: the page's site name)")
    new.add_argument("--date", help="when it was published, YYYY-MM-DD (default: the page's)")
    new.add_argument("--url", help="where it was published (default: the page's)")
    new.add_argument("--licence", help="why the kit may reproduce it: public domain, an open licence, or "
                                       "quotation for criticism and teaching")
    new.set_defaults(run=_cmd_new)
    agree_ = commands.add_parser(
        "agree", help="how far two annotators' keys agree, and where they do not",
        description="Compare two keys of one exercise (two annotators): Cohen's kappa on claim types and "
                    "check-worthy flags, SemEval span F1 both ways and label-blind, agreement on verdicts and "
                    "grid cells; with --out, the disagreements as CSV and HTML, to adjudicate from.")
    agree_.add_argument("key_a", metavar="KEY_A")
    agree_.add_argument("key_b", metavar="KEY_B")
    agree_.add_argument("--case", metavar="FOLDER", help="the case the keys belong to (default: the editorial)")
    agree_.add_argument("--out", metavar="FOLDER", help="write disagreements.csv and disagreements.html here")
    agree_.set_defaults(run=_cmd_agree)
    handout_ = commands.add_parser(
        "handout", help="write what students receive for a case: no key, no teacher's guide",
        description="Write what students receive for CASE (a case folder, or the built-in case's id from a "
                    "checkout) into FOLDER: the text, the exercise definitions and worksheet notebooks. Never a "
                    "key and never the teacher's guide. Publish FOLDER (a repository for nbgitpuller, a zip for "
                    "the LMS) instead of the kit's own repository.")
    handout_.add_argument("case", metavar="CASE")
    handout_.add_argument("--out", required=True, metavar="FOLDER")
    handout_.add_argument("--repo-url", metavar="URL",
                          help="the class's one setting: the Git repository the notebooks install the kit from "
                               "in Colab or a fresh environment (written into every notebook's first cell)")
    handout_.set_defaults(run=_cmd_handout)
    disc = commands.add_parser(
        "discernment", help="the pre- and post-test: does the class discern better, or only suspect more?",
        description="Score the pre- and post-tests of discernment (folders or zips of exports) as signal "
                    "detection against each form's techniques key: per student H, F, d' and c before and after "
                    "(with --out, students.csv and summary.txt), the class's mean gain in d' with a paired 95% "
                    "interval, and in plain words whether the class became more discerning or only more "
                    "suspicious. Students with one test only are listed apart; two files for one test are not used.")
    disc.add_argument("pre", metavar="PRE")
    disc.add_argument("post", metavar="POST")
    disc.add_argument("--forms", nargs="+", default=list(BUILT_IN_FORMS), metavar="CASE",
                      help="the two forms' cases (default: the kit's two unseen texts, %(default)s)")
    disc.add_argument("--keys", nargs="+", metavar="KEY", help="the forms' techniques keys (default: the cases')")
    disc.add_argument("--out", metavar="FOLDER", help="write students.csv and summary.txt here")
    disc.set_defaults(run=_cmd_discernment)
    plan = commands.add_parser(
        "forms", help="which text each student gets in the pre- and post-test of discernment",
        description="Print, for each student id, the form of the pre-test and of the post-test (half the class "
                    "takes A first, half B first, by a stable hash of the id): the plan the test worksheets follow.")
    plan.add_argument("students", nargs="+", metavar="STUDENT_ID")
    plan.add_argument("--forms", nargs=2, default=list(BUILT_IN_FORMS), metavar="CASE",
                      help="the two forms' cases (default: %(default)s)")
    plan.set_defaults(run=_cmd_forms)
    guide = commands.add_parser("guide", help="render the teacher's guide from the keys into docs/",
                                description="Render the teacher's guide (findings, omitted context, the outlet's "
                                            "background, discussion prompts, every key at a glance) from the "
                                            "kit's data into a Markdown file. Never writes into lessons/.")
    guide.add_argument("--out", default="docs/teacher-guide.md", help="where to write (default: %(default)s)")
    guide.add_argument("--force", action="store_true", help="replace a file that `kit guide` did not write")
    guide.set_defaults(run=_cmd_guide)
    defaults = _grade_defaults()
    grade = commands.add_parser(
        "grade", help="grade a folder (or zip) of exported tag files: gradebook, feedback pages, LMS file",
        description="Grade students' exported tag files (files, folders and zip files as the LMS hands them "
                    "out). Writes grades.csv, items.csv, rejected.csv, a feedback page per student and, with "
                    "--format, the LMS import file (only students with a grade: a blank cell can erase a grade "
                    "in the LMS). Exit 0 when anything was graded; 1 when nothing was (every file rejected, "
                    "nobody in the roster matched, or output files exist and --force was not given: nothing "
                    "is written then); 2 on usage errors (options that do not fit, a path that does not "
                    "exist). LTI grade passback is not supported: import the file.")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSIONS", help="files, folders or zip files")
    grade.add_argument("--exercise", required=True, metavar="ID", help="the exercise id (see `kit exercises`)")
    grade.add_argument("--case", default=defaults["case"], metavar="FOLDER",
                       help="grade an exercise of a case (a case folder, or a built-in case's id)")
    grade.add_argument("--key", default=defaults["key"], metavar="FILE",
                       help="a private key (TOML or JSON); default: the exercise's built-in practice key")
    grade.add_argument("--out", default=defaults["out"], metavar="DIR",
                       help="output folder (default: graded-<exercise>)")
    grade.add_argument("--format", default=defaults["fmt"], choices=grading_formats(),
                       help="also write the LMS import file (default: %(default)s; docs/grading.md)")
    grade.add_argument("--roster", default=defaults["roster"], metavar="FILE",
                       help="class list CSV from the LMS (docs/grading.md says which export) to find each "
                            "student's LMS id; needed for canvas, brightspace and blackboard")
    grade.add_argument("--assignment-id", default=defaults["assignment_id"], metavar="N",
                       help="the LMS's id of the grade column (Canvas: the number in the assignment's address; "
                            "Blackboard: the column id)")
    grade.add_argument("--points", default=defaults["points"], type=float, metavar="N",
                       help="scale the LMS file's scores to N points (default: the exercise's points; moodle: at "
                            "most 100)")
    grade.add_argument("--force", action="store_true", default=defaults["force"],
                       help="replace output files from an earlier run")
    grade.set_defaults(run=_cmd_grade)
    check = commands.add_parser(
        "validate", help="check exported tag files before handing them in",
        description="Check exported tag files with the same checks `kit grade` makes, and say in plain words "
                    "what is wrong and what to do. Exit 0 when every file is valid, 1 otherwise.")
    check.add_argument("files", nargs="+", metavar="FILE", help="exported tag files (folders and zips too)")
    check.set_defaults(run=_cmd_validate)
    from . import lite  # standard library only: cheap to import

    browser_only = commands.add_parser("lite", help="the browser-only edition (JupyterLite)",
                                       description="Build the browser-only edition: a static JupyterLite site "
                                                   "with the lessons and the kit, which runs with no network.")
    browser_only.set_defaults(run=lambda _args: browser_only.print_help() or 2)
    lite_commands = browser_only.add_subparsers(dest="lite_command", metavar="COMMAND")
    lite.add_build_arguments(lite_commands.add_parser(
        "build", help="build the static site into OUTDIR",
        description="Build the static site into OUTDIR (needs the 'lite' extra and npm); serve it with any web "
                    "server or GitHub Pages."))
    return parser


def reference() -> str:
    """The CLI reference (docs/cli.md): every command's --help, in order."""
    import os

    os.environ.setdefault("COLUMNS", "100")  # argparse wraps to the terminal: keep the page stable
    parser = build_parser()
    parts = ["<!-- generated from `kit COMMAND --help` by kit.cli.reference(): do not edit by hand -->",
             "# The `kit` command", "", "```text", parser.format_help().rstrip(), "```"]
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        parts += ["", f"## kit {name}", "", "```text", sub.format_help().rstrip(), "```"]
        nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        for action in nested:
            for inner_name, inner in action.choices.items():
                parts += ["", f"## kit {name} {inner_name}", "", "```text", inner.format_help().rstrip(), "```"]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except KitError as exc:
        print(f"kit: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
