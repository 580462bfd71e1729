"""Cold start of the kit against a bare import of its sentence splitter.

Prints, from one run: the median wall time of a fresh interpreter doing
``import pysbd`` against one doing ``import kit; kit.load_editorial()``,
and their ratio. Run: python benchmarks/cold_start.py [repeats]
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRAPE = Path(__file__).resolve().parents[1] / "kit" / "data" / "editorial" / "scf-2022-01-07.scrape.txt"


def median_seconds(code: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repeats: int = 15) -> None:
    median_seconds("import kit; kit.load_editorial()", 2)  # warm the disk cache and .pyc files
    baseline = median_seconds("pass", repeats)
    bare = median_seconds("import pysbd", repeats)
    # pysbd compiles hundreds of regular expressions while it segments: give it the same 16 paragraphs
    # (standfirst and body, as laid out in the first copy of the scrape) that load_editorial() segments.
    segment_only = median_seconds(
        f"import pysbd, pathlib; lines = pathlib.Path({str(SCRAPE)!r}).read_text(encoding='utf-8').split('\\n'); "
        "seg = pysbd.Segmenter(language='en', clean=False); [seg.segment(p) for p in lines[4:36:2]]",
        repeats,
    )
    kit_load = median_seconds("import kit; kit.load_editorial()", repeats)
    everything = median_seconds("import kit; kit.load_editorial(); kit.load_articles(); kit.load_record()", repeats)
    print(f"medians of {repeats} fresh interpreters (python -c ...):")
    print(f"  empty interpreter                       {baseline * 1000:7.1f} ms")
    print(f"  import pysbd                            {bare * 1000:7.1f} ms")
    print(f"  import pysbd + segment the 16 paragraphs{segment_only * 1000:7.1f} ms")
    print(f"  import kit; kit.load_editorial()        {kit_load * 1000:7.1f} ms   ratio to import pysbd: {kit_load / bare:.2f}x")
    print(f"  ... + load_articles() + load_record()   {everything * 1000:7.1f} ms   ratio to import pysbd: {everything / bare:.2f}x")
    print(f"  kit's own cost above pysbd's warm-up    {(kit_load - segment_only) * 1000:7.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
