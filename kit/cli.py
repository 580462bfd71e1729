"""The ``kit`` command: thin wrappers over the library.

Library code raises :class:`kit.KitError`; this is the only place that turns
it into a message and an exit code (0 ok, 1 failed, 2 usage error).
"""

from __future__ import annotations

import argparse
import platform
import sys
from importlib import metadata

from . import __version__, answers, corpus, resources
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


def _cmd_guide(args: argparse.Namespace) -> int:
    from .guide import write_guide

    path = write_guide(args.out, force=args.force)
    print(f"wrote the teacher's guide to {path}")
    return 0


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
    guide = commands.add_parser("guide", help="render the teacher's guide from the keys into docs/",
                                description="Render the teacher's guide (findings, omitted context, the outlet's "
                                            "background, discussion prompts, every key at a glance) from the "
                                            "kit's data into a Markdown file. Never writes into lessons/.")
    guide.add_argument("--out", default="docs/teacher-guide.md", help="where to write (default: %(default)s)")
    guide.add_argument("--force", action="store_true", help="replace a file that `kit guide` did not write")
    guide.set_defaults(run=_cmd_guide)
    return parser


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
