"""Grading speed, measured in one run: the whole of ``kit grade`` against reading and parsing the same files.

For each exercise it writes synthetic submissions of realistic size into a temporary folder (claims:
all 47 sentence tags, each with a note; techniques: about 25-35 spans with notes), then measures
(medians of ``--repeats`` interleaved runs):

* bare: open, read and ``json.loads`` every file, nothing else;
* kit grade: :func:`kit.grading.grade` on the folder: reading, validation, scoring, ``grades.csv``,
  ``items.csv``, ``rejected.csv``, ``index.html`` and one feedback page per student, written into a
  staging folder and moved into place.

It prints their ratio at ``--n`` files (goal: within 10x) and the wall time of a class of
``--class-size`` students end to end (goal: under 2 s on the machine that runs it), with the
grader's own phase timings. A benchmark, not a timed test: the figures are printed, not checked.

Run:  python benchmarks/grading.py                       (5,000 files and a class of 300; about a minute)
      python benchmarks/grading.py --n 500 --repeats 1   (quick)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kit import answers, grading  # noqa: E402

GOAL_RATIO = 10
GOAL_CLASS_SECONDS = 2.0


def bare(paths: list[Path]) -> float:
    """Seconds to open, read and json.loads every file."""
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb") as handle:
            json.loads(handle.read())
    return time.perf_counter() - start


def full(folder: Path, exercise: str, out: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    report = grading.grade([folder], exercise=exercise, out=out)
    return time.perf_counter() - start, report.timings


def complete(exports: list[dict]) -> list[dict]:
    """Sentence exercises: every one of the 47 sentences tagged, with a note (the demo class skips a few)."""
    for data in exports:
        ex = answers.exercise(data["exercise"])
        if ex.kind != "sentence":
            continue
        done = {t["unit"] for t in data["tags"]}
        for item in answers.load_key(ex.id).items:
            if item.unit not in done:
                data["tags"].append({"kind": "sentence", "unit": item.unit, "label": item.labels[0],
                                     "checkworthy": item.checkworthy, "note": "tagged at the last minute"})
    return exports


def class_folder(root: Path, exercise: str, n: int) -> tuple[Path, list[Path]]:
    folder = root / f"{exercise}-{n}"
    paths = grading.write_exports(complete(grading.demo_class(n, 1, exercise, note_share=1.0)), folder)
    return folder, paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="files for the ratio against bare parsing")
    parser.add_argument("--class-size", type=int, default=300, help="students for the end-to-end time")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (medians are reported)")
    parser.add_argument("--exercises", default="claims-practice,techniques-practice")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kit-bench-grading-"))
    print(f"grading benchmark: Python {sys.version.split()[0]}, {args.repeats} repeat(s), medians")
    try:
        for exercise in args.exercises.split(","):
            folder, paths = class_folder(root, exercise, args.n)
            size = sum(p.stat().st_size for p in paths)
            tags_per_file = round(statistics.fmean(len(json.loads(p.read_bytes())["tags"]) for p in paths[:200]))
            bares, fulls, phases = [], [], []
            for r in range(args.repeats):
                bares.append(bare(paths))
                seconds, timings = full(folder, exercise, root / f"out-{exercise}-{r}")
                fulls.append(seconds)
                phases.append(timings)
            b, f = statistics.median(bares), statistics.median(fulls)
            print(f"\n{exercise}: about {tags_per_file} tags per file, {size / 1e6:.1f} MB in {len(paths)} files")
            print(f"  read + json.loads {b:6.2f} s · kit grade {f:6.2f} s · ratio {f / b:5.1f}x "
                  f"(goal: within {GOAL_RATIO}x: {'met' if f / b <= GOAL_RATIO else 'NOT met'})")
            middle = phases[fulls.index(f)]
            print("  phases: " + " · ".join(f"{k} {v:.2f} s" for k, v in middle.items()))
            small, _ = class_folder(root, exercise, args.class_size)
            times = [full(small, exercise, root / f"class-{exercise}-{r}")[0] for r in range(args.repeats)]
            t = statistics.median(times)
            print(f"  a class of {args.class_size} students, end to end: {t:.2f} s "
                  f"(goal: under {GOAL_CLASS_SECONDS:g} s: {'met' if t < GOAL_CLASS_SECONDS else 'NOT met'})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
