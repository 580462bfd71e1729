"""A synthetic class, for tests, benchmarks and the grading notebook: plausible exports, reproducible."""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import answers, corpus, tags, taxonomy
from .._version import __version__

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
