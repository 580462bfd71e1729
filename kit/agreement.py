"""Two annotators, one text: how far two keys agree, and where they do not, to adjudicate from.

``kit agree KEY_A KEY_B [--case FOLDER] [--out FOLDER]`` (or :func:`agree`) compares two keys of one
kind for one document: Cohen's kappa on the claim types (and on the check-worthy flags), SemEval span
F1 both ways, label-matched and label-blind, agreement on verdicts and grid cells. The disagreements go
to ``disagreements.csv`` and ``disagreements.html``; an adjudicated key is just a key.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import answers, corpus, scoring
from ._io import atomic_write_bytes
from .errors import KitError

_KIND_OF_TABLE = {"unit": "sentence", "span": "span", "claim": "verdict", "cell": "cell"}


@dataclass(frozen=True)
class Disagreement:
    item: str  # a unit, a passage (start-end), a claim, an article and field
    where: str  # the words the item is about
    a: str  # what key A says ("" where it has nothing)
    b: str
    why_a: str = ""
    why_b: str = ""


@dataclass
class Agreement:
    kind: str
    figures: dict[str, float | int | None] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)

    def lines(self) -> list[str]:
        shown = [f"{name}: {scoring_number(value)}" for name, value in self.figures.items()]
        return [f"Two {self.kind} keys:", *[f"  {line}" for line in shown],
                f"  {len(self.disagreements)} disagreement(s) to adjudicate"]


def scoring_number(value) -> str:
    from .feedback import number

    return number(value, places=3) if isinstance(value, float) else str(value)


def _kind(path: Path) -> str:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.suffix.lower() != ".json" else None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KitError(f"{path}: cannot read the key: {exc}") from None
    if data is None:
        import json

        data = json.loads(path.read_text(encoding="utf-8"))
    kinds = [_KIND_OF_TABLE[t] for t in _KIND_OF_TABLE if t in data]
    if len(kinds) != 1:
        raise KitError(f"{path}: not a key (no [[unit]], [[span]], [[claim]] or [[cell]] tables)")
    return kinds[0]


def agree(key_a: str | Path, key_b: str | Path, *, case=None, out: str | Path | None = None) -> Agreement:
    """Compare two keys (files) of one kind for one document (the editorial, or ``case``'s text)."""
    from .cases import load_case

    paths = Path(key_a), Path(key_b)
    kinds = {_kind(p) for p in paths}
    if len(kinds) != 1:
        raise KitError(f"the keys are of different kinds ({', '.join(sorted(kinds))}): compare keys of one exercise")
    kind = kinds.pop()
    document = load_case(case).document if case is not None else corpus.load_editorial()
    a, b = (answers.read_key_file(p, kind, document=document) for p in paths)
    result = {"sentence": _sentences, "span": _spans, "verdict": _verdicts, "cell": _cells}[kind](a, b, document)
    if out is not None:
        write(result, Path(out))
    return result


def _labels_agreement(result: Agreement, a_items: dict, b_items: dict, where) -> None:
    both = sorted(a_items.keys() & b_items.keys(), key=str)
    pa = [a_items[i].labels[0] for i in both]
    pb = [b_items[i].labels[0] for i in both]
    kappa = scoring.cohen_kappa(pa, pb) if both else float("nan")
    result.figures.update({"items in both keys": len(both), "only in A": len(a_items.keys() - b_items.keys()),
                           "only in B": len(b_items.keys() - a_items.keys()),
                           "agreement on the preferred label": sum(x == y for x, y in zip(pa, pb)) / len(both)
                           if both else None,
                           "Cohen's kappa": None if kappa != kappa else kappa})
    for item in sorted(a_items.keys() | b_items.keys(), key=str):
        x, y = a_items.get(item), b_items.get(item)
        if x is None or y is None or x.labels != y.labels:
            result.disagreements.append(Disagreement(
                str(item), where(item), " or ".join(x.labels) if x else "", " or ".join(y.labels) if y else "",
                _why(x), _why(y)))


def _why(answer) -> str:
    if answer is None:
        return ""
    return getattr(answer, "why", "") or getattr(answer, "evidence", "")


def _sentences(a, b, doc) -> Agreement:
    result = Agreement("sentence")
    items_a, items_b = {x.unit: x for x in a.items}, {x.unit: x for x in b.items}
    _labels_agreement(result, items_a, items_b, lambda u: doc.unit(u).text)
    both = [u for u in items_a if u in items_b]
    flags_a = [items_a[u].checkworthy for u in both]
    flags_b = [items_b[u].checkworthy for u in both]
    kappa = scoring.cohen_kappa(flags_a, flags_b) if both else float("nan")
    result.figures["agreement on check-worthy"] = sum(x == y for x, y in zip(flags_a, flags_b)) / len(both) \
        if both else None
    result.figures["Cohen's kappa, check-worthy"] = None if kappa != kappa else kappa
    for u in both:
        if items_a[u].checkworthy != items_b[u].checkworthy and items_a[u].labels == items_b[u].labels:
            result.disagreements.append(Disagreement(
                u, doc.unit(u).text, f"check-worthy: {'yes' if items_a[u].checkworthy else 'no'}",
                f"check-worthy: {'yes' if items_b[u].checkworthy else 'no'}", items_a[u].why, items_b[u].why))
    return result


def _spans(a, b, doc) -> Agreement:
    result = Agreement("span")
    sa = [(x.start, x.end, x.labels[0]) for x in a.items]
    sb = [(x.start, x.end, x.labels[0]) for x in b.items]
    for name, (p, r, f1) in (("B against A (A as the reference)", scoring.semeval_prf(sb, sa)),
                             ("A against B (B as the reference)", scoring.semeval_prf(sa, sb))):
        result.figures[f"span F1, {name}"] = f1
    result.figures["span F1, label-blind"] = scoring.semeval_prf_blind(sb, sa)[2]
    result.figures.update({"passages in A": len(sa), "passages in B": len(sb)})
    exact_b = {(x.start, x.end): x for x in b.items}
    exact_a = {(x.start, x.end): x for x in a.items}
    for x in a.items:
        y = exact_b.get((x.start, x.end))
        if y is None or y.labels[0] != x.labels[0]:
            result.disagreements.append(Disagreement(f"{x.start}-{x.end}", x.quote, " or ".join(x.labels),
                                                     " or ".join(y.labels) if y else "", x.why, y.why if y else ""))
    for y in b.items:
        if (y.start, y.end) not in exact_a:
            result.disagreements.append(Disagreement(f"{y.start}-{y.end}", y.quote, "", " or ".join(y.labels), "",
                                                     y.why))
    controls = {c.unit for c in a.controls} ^ {c.unit for c in b.controls}
    for unit in sorted(controls):
        in_a = unit in {c.unit for c in a.controls}
        result.disagreements.append(Disagreement(unit, doc.unit(unit).text, "control" if in_a else "",
                                                 "" if in_a else "control"))
    return result


def _verdicts(a, b, doc) -> Agreement:
    result = Agreement("verdict")
    items_a, items_b = {x.id: x for x in a.items}, {x.id: x for x in b.items}
    _labels_agreement(result, items_a, items_b, lambda c: (items_a.get(c) or items_b[c]).claim)
    both = [c for c in items_a if c in items_b]
    result.figures["evidence overlap (mean F1 of the record items)"] = (
        sum(scoring.set_f1(items_a[c].record, items_b[c].record) for c in both) / len(both) if both else None)
    return result


def _cells(a, b, doc) -> Agreement:
    result = Agreement("cell")
    items_a, items_b = {x.id: x for x in a.items}, {x.id: x for x in b.items}
    _labels_agreement(result, items_a, items_b, lambda c: c)
    return result


def write(result: Agreement, out: Path) -> list[Path]:
    """``disagreements.csv`` and ``disagreements.html`` in ``out`` (never replacing a file)."""
    from .grading.gradebook import csv_bytes

    rows = [["item", "where", "key A", "key B", "why (A)", "why (B)"]]
    rows += [[d.item, d.where, d.a, d.b, d.why_a, d.why_b] for d in result.disagreements]
    e = html.escape
    figures = "".join(f"<tr><th>{e(k)}</th><td>{e(scoring_number(v))}</td></tr>" for k, v in result.figures.items())
    body = "".join(f"<tr><td>{e(d.item)}</td><td>{e(d.where)}</td><td>{e(d.a) or '<em>nothing</em>'}</td>"
                   f"<td>{e(d.b) or '<em>nothing</em>'}</td><td>{e(d.why_a)}</td><td>{e(d.why_b)}</td></tr>"
                   for d in result.disagreements)
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Two {result.kind} keys</title>"
            "<style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}"
            "td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}</style></head>"
            f"<body><main><h1>Two {result.kind} keys: where they disagree</h1><table>{figures}</table>"
            f"<h2>To adjudicate ({len(result.disagreements)})</h2><table><thead><tr><th>Item</th><th>Text</th>"
            f"<th>Key A</th><th>Key B</th><th>Why (A)</th><th>Why (B)</th></tr></thead><tbody>{body}</tbody>"
            "</table></main></body></html>\n")
    paths = [out / "disagreements.csv", out / "disagreements.html"]
    atomic_write_bytes(paths[0], csv_bytes(rows))
    atomic_write_bytes(paths[1], page.encode("utf-8"))
    return paths
