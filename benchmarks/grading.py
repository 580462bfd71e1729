"""Grading speed: the full ``kit grade`` work against reading and ``json.loads`` of the same files.

One run, one process. For each exercise it writes synthetic submissions of realistic size into a
temporary folder (claims: all 47 sentence tags, each with a note; techniques: about 25-35 spans,
each with a note), then measures, interleaved and repeated (medians):

* bare: open, read and ``json.loads`` every file, nothing else;
* grade: :func:`kit.grading.grade` on the folder: reading, validation, scoring, ``grades.csv``,
  ``items.csv``, ``rejected.csv``, ``index.html`` and one feedback page per student, written
  into a staging folder and moved into place (the tables synced to disk first).

It prints their ratio (wall clock, and CPU time), the grader's own phase timings,
``kit.scoring.score`` alone on the parsed data (the part the self-check shares), the same at
twice the number of files (scaling), and, on a sample, what a general JSON Schema validator costs
per file against the hand-written one.

Two more figures separate the kit's work from the disk's: the time to merely create as many
files with the same bytes as the feedback pages (on the disks of the machines this was built on,
creating a few thousand files in a burst costs anywhere from 10 to 300 microseconds each, from one
minute to the next), and a run with the output folder on a RAM disk (``--ram``, default
``/dev/shm``), where creating files costs little. Before each timed run the disk is given time to
write back what earlier runs left (``settle``), and outputs are deleted only at the end: deleting
thousands of files slows the file creations that follow.

Run:  python benchmarks/grading.py                 (5,000 and 10,000 files; 2 to 6 minutes, depending on the disk)
      python benchmarks/grading.py --n 1000 --repeats 1 --exercises claims-practice   (quick)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kit import answers, grading, resources, scoring, tags  # noqa: E402


def bare(paths: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds to open, read and json.loads every file."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        with open(path, "rb") as handle:
            json.loads(handle.read())
    return time.perf_counter() - start, time.process_time() - cpu


def settle() -> None:
    """Let the disk catch up with what earlier runs wrote (not timed), so that one run does not
    pay for the write-back of the run before it; every run starts from the same quiet state."""
    if hasattr(os, "sync"):
        os.sync()
    time.sleep(0.5)


def full(folders: list[Path], exercise: str, out: Path) -> tuple[float, float, dict]:
    """Wall and CPU seconds of kit.grading.grade, and its phase timings."""
    start, cpu = time.perf_counter(), time.process_time()
    report = grading.grade(folders, exercise=exercise, out=out)
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    assert len(report.graded) == sum(len(list(f.iterdir())) for f in folders), "every file must be graded"
    return elapsed, used, report.timings


def score_only(paths: list[Path], exercise: str) -> float:
    ex, key = answers.exercise(exercise), answers.load_key(exercise)
    data = [json.loads(p.read_bytes())["tags"] for p in paths]
    start = time.perf_counter()
    for tag_list in data:
        scoring.score(ex, key, tag_list)
    return time.perf_counter() - start


def write_floor(pages: list[bytes], folder: Path) -> float:
    """Seconds to create as many files with the same bytes, nothing else: what the file system alone costs."""
    folder.mkdir()
    start = time.perf_counter()
    for n, data in enumerate(pages):
        with open(folder / f"{n}.html", "wb") as handle:
            handle.write(data)
    return time.perf_counter() - start


def measure(folders: list[Path], exercise: str, out_root: Path, repeats: int) -> dict:
    paths = sorted(p for f in folders for p in f.iterdir())
    bare(paths)  # warm the page cache and the kit's loaders
    outs = [out_root / f"out-{r}" for r in range(repeats)]
    grading.grade(folders[0], exercise=exercise, out=out_root / "warm", force=True)
    bares, fulls, phases = [], [], []
    for out in outs:  # interleaved, so that a busy moment on the machine hits both
        bares.append(bare(paths))
        settle()
        elapsed, used, timing = full(folders, exercise, out)
        fulls.append((elapsed, used))
        phases.append(timing)
        bares.append(bare(paths))
    pages = [p.read_bytes() for p in sorted((outs[-1] / "feedback").iterdir())]
    settle()
    floor = write_floor(pages, out_root / "floor")
    # Deleting thousands of files makes the file system busy for a while afterwards (on this
    # kind of disk, creating files right after slows down several-fold): outputs are removed
    # only once everything is measured.
    for out in [out_root / "warm", out_root / "floor", *outs]:
        shutil.rmtree(out)
    median_phases = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
    med = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
    return {"files": len(paths), "bare": med(bares, 0), "bare_cpu": med(bares, 1), "full": med(fulls, 0),
            "full_cpu": med(fulls, 1), "phases": median_phases, "score_only": score_only(paths, exercise),
            "bytes": sum(p.stat().st_size for p in paths), "floor": floor,
            "page_kb": sum(map(len, pages)) / len(pages) / 1000}


def schema_sample(folder: Path, exercise: str, n: int = 200) -> dict:
    import jsonschema

    schema = json.loads(resources.read_bytes("schema/kit-tags.v1.schema.json"))
    validator = jsonschema.Draft202012Validator(schema)
    raws = [p.read_bytes() for p in sorted(folder.iterdir())[:n]]
    datas = [json.loads(r) for r in raws]
    tags.validate_export(datas[0], exercise=exercise)  # warm the rules cache

    def per_file(fn, items) -> float:
        start = time.perf_counter()
        for item in items:
            fn(item)
        return (time.perf_counter() - start) / len(items)

    return {"n": len(raws), "loads": per_file(json.loads, raws),
            "schema": per_file(validator.validate, datas),
            "hand": per_file(lambda d: tags.validate_export(d, exercise=exercise), datas),
            "quick": per_file(lambda d: grading.quick_valid(d, exercise), datas)}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="files in the first run (the second has twice as many)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (medians are reported)")
    parser.add_argument("--exercises", default="claims-practice,techniques-practice")
    parser.add_argument("--no-double", action="store_true", help="skip the run with twice as many files")
    parser.add_argument("--ram", default="/dev/shm", help="a RAM disk for one more run with the output folder "
                        "there, which takes the file system's cost of creating files out ('' to skip)")
    args = parser.parse_args()
    ram = Path(args.ram) if args.ram and os.path.isdir(args.ram) and os.access(args.ram, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="kit-bench-") as tmp:
        work = Path(tmp)
        print(f"grading benchmark: Python {sys.version.split()[0]}, {args.repeats} interleaved repeat(s), medians")
        for exercise in args.exercises.split(","):
            first = work / exercise / "a"
            second = work / exercise / "b"
            start = time.perf_counter()
            grading.write_exports(complete(grading.demo_class(args.n, 1, exercise, note_share=1.0)), first)
            if not args.no_double:
                more = complete(grading.demo_class(args.n, 2, exercise, note_share=1.0))
                for data in more:  # other students
                    data["student"]["id"] = "b" + data["student"]["id"]
                grading.write_exports(more, second)
            made = time.perf_counter() - start
            runs = [measure([first], exercise, work, args.repeats)]
            if not args.no_double:
                runs.append(measure([first, second], exercise, work, args.repeats))
            in_ram = None
            if ram is not None:
                with tempfile.TemporaryDirectory(prefix="kit-bench-", dir=ram) as ram_tmp:
                    in_ram = measure([first], exercise, Path(ram_tmp), args.repeats)
            tags_per_file = len(json.loads(next(first.iterdir()).read_bytes())["tags"])
            print(f"\n{exercise}: about {tags_per_file} tags per file, each with a note "
                  f"(files generated in {made:.1f} s)")
            print(f"  {'files':>6}  {'MB':>5}  {'read+loads':>10}  {'kit grade':>9}  {'ratio':>6}  "
                  f"{'CPU ratio':>9}  {'score() alone':>13}  {'s/1000 files':>12}")
            for r in runs:
                print(f"  {r['files']:6d}  {r['bytes'] / 1e6:5.1f}  {r['bare']:9.2f}s  {r['full']:8.2f}s  "
                      f"{r['full'] / r['bare']:5.1f}x  {r['full_cpu'] / r['bare_cpu']:8.1f}x  "
                      f"{r['score_only']:6.2f}s {r['score_only'] / r['bare']:4.1f}x  "
                      f"{1000 * r['full'] / r['files']:11.2f}s")
            for r in runs:
                phases = ", ".join(f"{k} {v:.2f}s" for k, v in r["phases"].items() if k != "total")
                print(f"  phases at {r['files']} files: {phases}")
            for r in runs:
                print(f"  the file system alone, at {r['files']} files: creating as many files with the same "
                      f"bytes (pages of {r['page_kb']:.0f} KB) took {r['floor']:.2f} s = "
                      f"{r['floor'] / r['bare']:.1f}x read+loads")
            if in_ram is not None:
                print(f"  output folder on a RAM disk ({args.ram}), {in_ram['files']} files: kit grade "
                      f"{in_ram['full']:.2f}s against read+loads {in_ram['bare']:.2f}s = "
                      f"{in_ram['full'] / in_ram['bare']:.1f}x (creating the files alone "
                      f"{in_ram['floor']:.2f} s)")
            if len(runs) == 2:
                print(f"  scaling: {runs[1]['files']} files took {runs[1]['full'] / runs[0]['full']:.2f}x the time "
                      f"of {runs[0]['files']} (2.00x is linear)")
            sample = schema_sample(first, exercise)
            print(f"  per file, on {sample['n']} files: json.loads {1e6 * sample['loads']:.0f} us; "
                  f"kit's validator {1e6 * sample['hand']:.0f} us ({sample['hand'] / sample['loads']:.1f}x loads; "
                  f"its quick path {1e6 * sample['quick']:.0f} us, {sample['quick'] / sample['loads']:.1f}x); "
                  f"jsonschema {1e6 * sample['schema']:.0f} us ({sample['schema'] / sample['loads']:.0f}x loads, "
                  f"and it checks only the structure)")


if __name__ == "__main__":
    main()
