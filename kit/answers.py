"""Exercises and their reference keys.

An exercise (``kit/data/exercises/<id>.toml``) says what students tag, with
which labels, for how many points, and where its key is. A key
(``kit/data/keys/<name>.toml``, or your own private file) is data: accepted
labels (preferred first) and an explanation for every item. Both are
validated on load against the document, the taxonomy, the record and the
coverage, so a slip in a key fails loudly instead of mis-grading a class.

The built-in keys are **practice keys**: they ship with the kit and a
determined student can read them. Graded work should use a private key
(``kit grade --key FILE``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from . import corpus, resources, taxonomy
from ._fields import Checker, check_unique, is_slug
from .errors import DataError, KitError

KINDS = ("sentence", "span", "verdict", "cell")
TASKS = {"sentence": ("label", "discern"), "span": ("find", "name"), "verdict": ("judge",), "cell": ("classify",)}
LABEL_SETS = ("claim_types", "techniques", "core_techniques", "core_techniques_or_none", "verdicts", "grid",
              "discernment")
#: The pre- and post-test of discernment (kit.discernment): does a sentence persuade by its wording?
DISCERNMENT = (("WORDING", "Persuades by its wording", "It tries to win you over by how it says things (loaded "
                "words, labels, hints, appeals), not only by what it reports."),
               ("PLAIN", "Plain wording", "It states, reports or argues in plain words; whether it is true is "
                "another question."))
MODES = ("practice", "graded")
_KIND_OF_SET = {"claim_types": "sentence", "discernment": "sentence", "techniques": "span", "core_techniques": "span",
                "core_techniques_or_none": "span", "verdicts": "verdict", "grid": "cell"}


def label_set(name: str) -> tuple[str, ...]:
    """The codes of a named label set (for ``grid``: every value of every field)."""
    if name == "claim_types":
        return tuple(c.code for c in taxonomy.claim_types())
    if name == "techniques":
        return tuple(t.code for t in taxonomy.techniques())
    if name == "core_techniques":
        return tuple(t.code for t in taxonomy.techniques(core_only=True))
    if name == "core_techniques_or_none":  # naming highlighted passages, some of them decoys in plain wording
        return label_set("core_techniques") + (taxonomy.NO_TECHNIQUE[0],)
    if name == "verdicts":
        return tuple(v.code for v in taxonomy.verdicts())
    if name == "discernment":
        return tuple(code for code, _, _ in DISCERNMENT)
    if name == "grid":
        return tuple(dict.fromkeys(c for f in taxonomy.grid_fields() for c in f.codes))
    raise KitError(f"unknown label set {name!r}; known: {', '.join(LABEL_SETS)}")


@dataclass(frozen=True)
class ClaimToJudge:
    """One claim a verdict exercise asks about: what the text asserts, and the sentences that carry it."""

    id: str
    claim: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    document: str
    kind: str
    task: str
    label_set: str
    points: float
    mode: str
    key: str
    evidence_share: float  # verdicts and cells: share of an item's points for citing the right record items
    instructions: str
    # A verdict exercise on a case lists its claims, so that students see them while the key stays private
    # (the editorial's practice exercises take them from their key).
    claims: tuple[ClaimToJudge, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return label_set(self.label_set)

    def to_dict(self) -> dict:
        return asdict(self) | {"labels": list(self.labels)}


_EXERCISE_FIELDS = ("id", "title", "document", "kind", "task", "label_set", "points", "mode", "key",
                    "evidence_share", "instructions", "claim")


def parse_exercise(data: dict, file: str) -> Exercise:
    stem = Path(file).stem
    c = Checker(data, file, str(data.get("id", stem)) if isinstance(data, dict) else stem)
    c.no_other_fields(_EXERCISE_FIELDS)
    exercise_id = c.text("id")
    if exercise_id != stem or not is_slug(exercise_id):
        raise c.fail("id", f"{exercise_id!r} must equal the file name and be lowercase words joined by hyphens")
    kind = c.choice("kind", KINDS)
    task = c.choice("task", TASKS[kind])
    labels = c.choice("label_set", LABEL_SETS)
    if _KIND_OF_SET[labels] != kind:
        raise c.fail("label_set", f"{labels!r} labels {_KIND_OF_SET[labels]} tags, not {kind} tags")
    points = data.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        raise c.fail("points", f"must be a positive number, got {points!r}")
    share = data.get("evidence_share", 0.0)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share < 1:
        raise c.fail("evidence_share", f"must be a number from 0 up to (not including) 1, got {share!r}")
    raw_claims = data.get("claim", [])
    if raw_claims and kind != "verdict":
        raise c.fail("claim", "only a verdict exercise lists claims")
    if not isinstance(raw_claims, list) or not all(isinstance(r, dict) for r in raw_claims):
        raise c.fail("claim", "must be [[claim]] tables (id, claim, units)")
    claims = []
    for raw in raw_claims:
        cc = Checker(raw, file, f"claim {raw.get('id')}")
        cc.no_other_fields(("id", "claim", "units"))
        claims.append(ClaimToJudge(cc.text("id"), cc.text("claim"), cc.texts("units", empty=False)))
    check_unique(((cl.id, file) for cl in claims), "claim")
    return Exercise(
        id=exercise_id, title=c.text("title"), document=c.text("document"), kind=kind, task=task,
        label_set=labels, points=float(points), mode=c.choice("mode", MODES), key=_key_name(c, data),
        evidence_share=float(share), instructions=c.text("instructions"), claims=tuple(claims),
    )


def _key_name(c: Checker, data: dict) -> str:
    """The exercise's key file; "" for a private key, which never ships (graded work only)."""
    name = c.text("key", empty=True)
    if not name and data.get("mode") != "graded":
        raise c.fail("key", "a practice exercise needs its key (the key of a graded one may stay private: \"\")")
    return name


@lru_cache(maxsize=1)
def exercises() -> tuple[Exercise, ...]:
    """Every built-in exercise, practice ones first."""
    files = resources.list_files("exercises", ".toml")
    items = [parse_exercise(resources.read_toml(rel), f"kit/data/{rel}") for rel in files]
    check_unique(((e.id, e.id + ".toml") for e in items), "exercise")
    return tuple(sorted(items, key=lambda e: (e.mode != "practice", e.id)))


def exercise(exercise_id: str) -> Exercise:
    for item in exercises():
        if item.id == exercise_id:
            return item
    retired = _retired_exercises().get(exercise_id)
    if retired is not None:
        return retired
    raise KitError(f"unknown exercise {exercise_id!r}; known: {', '.join(e.id for e in exercises())}")


@lru_cache(maxsize=1)
def _retired_exercises() -> dict[str, Exercise]:
    """Exercises the kit no longer lists (the editorial's graded worksheets before graded work moved to unseen
    texts; lesson 02's naming step on the editorial): a student's journal or export made for one before
    still opens and grades."""
    files = resources.list_files("exercises/retired", ".toml")
    return {e.id: e for e in (parse_exercise(resources.read_toml(rel), f"kit/data/{rel}") for rel in files)}


# --- keys -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceAnswer:
    unit: str
    labels: tuple[str, ...]  # accepted, preferred first
    checkworthy: bool
    why: str

    @property
    def id(self) -> str:
        return self.unit


@dataclass(frozen=True)
class SpanAnswer:
    id: str
    start: int
    end: int
    quote: str
    labels: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Control:
    """A sentence the key leaves untagged on purpose: tagging it costs precision."""

    unit: str
    why: str


@dataclass(frozen=True)
class VerdictAnswer:
    id: str
    claim: str
    units: tuple[str, ...]
    labels: tuple[str, ...]
    dossier_verdict: str  # "" outside the editorial's key
    evidence: str
    record: tuple[str, ...]
    sources: tuple[str, ...]
    caveat: str
    more: str = ""  # further evidence, opened on request so that the evidence itself stays short


@dataclass(frozen=True)
class CellAnswer:
    item: str
    field: str
    labels: tuple[str, ...]
    why: str

    @property
    def id(self) -> str:
        return f"{self.item}:{self.field}"


Answer = SentenceAnswer | SpanAnswer | VerdictAnswer | CellAnswer


@dataclass(frozen=True)
class Key:
    """The reference answers for one kind of tag on one document."""

    kind: str
    document: str
    sha256: str
    items: tuple[Answer, ...]
    controls: tuple[Control, ...] = ()
    source: str = field(default="", compare=False)

    def item(self, item_id: str) -> Answer:
        for answer in self.items:
            if answer.id == item_id:
                return answer
        raise KitError(f"the key has no item {item_id!r}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.items)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "document": self.document, "sha256": self.sha256,
                "items": [asdict(a) for a in self.items], "controls": [asdict(c) for c in self.controls]}


_TABLE_OF_KIND = {"sentence": "unit", "span": "span", "verdict": "claim", "cell": "cell"}


def table_of_kind(kind: str) -> str:
    """The name of a key's items in its file: [[unit]], [[span]], [[claim]] or [[cell]]."""
    return _TABLE_OF_KIND[kind]


def parse_key(data: dict, file: str, kind: str, *, labels: tuple[str, ...] | None = None,
              document: corpus.Document | None = None) -> Key:
    """Validate a key's data against the document (default: the editorial), the taxonomy, the record
    and the coverage."""
    top = Checker(data, file, None)
    table = _TABLE_OF_KIND[kind]
    top.no_other_fields(("document", "sha256", table, "control"))
    doc = document or corpus.load_editorial()
    if top.text("document") != doc.id:
        raise top.fail("document", f"this kit has the document {doc.id!r}, not {data['document']!r}")
    if top.text("sha256") != doc.sha256:
        raise top.fail("sha256", "the key was written for another version of the text; its offsets would be wrong")
    raw_items = data.get(table)
    if not isinstance(raw_items, list) or not raw_items:
        raise top.fail(table, f"a {kind} key needs one or more [[{table}]] tables")
    allowed = labels or _all_labels(kind)
    parse = {"sentence": _sentence, "span": _span, "verdict": _verdict, "cell": _cell}[kind]
    items = []
    for n, raw in enumerate(raw_items, 1):
        label = str(raw.get("id") or raw.get("unit") or f"{raw.get('item')}:{raw.get('field')}") \
            if isinstance(raw, dict) else f"#{n}"
        items.append(parse(Checker(raw, file, label), doc, allowed))
    check_unique(((a.id, file) for a in items), f"{kind} key item")
    controls = tuple(_control(Checker(raw, file, f"control {raw.get('unit')}"), doc)
                     for raw in data.get("control", []))
    if kind == "span":
        _check_span_key(items, controls, doc, file)
    elif controls:
        raise top.fail("control", "controls belong to span keys")
    return Key(kind=kind, document=doc.id, sha256=doc.sha256, items=tuple(items), controls=controls, source=file)


def _all_labels(kind: str) -> tuple[str, ...]:
    return label_set({"sentence": "claim_types", "span": "techniques", "verdict": "verdicts", "cell": "grid"}[kind])


def key_labels(ex: Exercise) -> tuple[str, ...]:
    """The labels a key of ``ex`` may hold: the scheme's for its kind (an exercise keeps those of its set),
    plus any of the exercise's own, such as the decoys' "no technique" of a naming exercise."""
    return tuple(dict.fromkeys(_all_labels(ex.kind) + ex.labels))


def _labels(c: Checker, allowed: tuple[str, ...]) -> tuple[str, ...]:
    labels = c.choices("labels", allowed, empty=False)
    if len(set(labels)) != len(labels):
        raise c.fail("labels", "lists a label twice")
    return labels


def _unit(c: Checker, doc: corpus.Document, field_name: str, value: str) -> str:
    try:
        doc.unit(value)
    except KitError as exc:
        raise c.fail(field_name, str(exc)) from None
    return value


def _sentence(c: Checker, doc, allowed) -> SentenceAnswer:
    c.no_other_fields(("unit", "labels", "checkworthy", "why"))
    return SentenceAnswer(_unit(c, doc, "unit", c.text("unit")), _labels(c, allowed), c.flag("checkworthy"),
                          c.text("why"))


def _span(c: Checker, doc, allowed) -> SpanAnswer:
    c.no_other_fields(("id", "start", "end", "quote", "labels", "why"))
    start, end = c.data.get("start"), c.data.get("end")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) or not 0 <= start < end <= len(doc.text):
        raise c.fail("start", f"start {start!r} and end {end!r} must be offsets with 0 <= start < end <= {len(doc.text)}")
    quote = c.text("quote")
    if doc.text[start:end] != quote:
        raise c.fail("quote", f"{quote!r} is not the text at {start}-{end} ({doc.text[start:end]!r})")
    if not doc.on_token_boundaries(start, end):
        raise c.fail("start", f"{start}-{end} does not start and end on word boundaries")
    return SpanAnswer(c.text("id"), start, end, quote, _labels(c, allowed), c.text("why"))


def _verdict(c: Checker, doc, allowed) -> VerdictAnswer:
    c.no_other_fields(("id", "claim", "units", "labels", "dossier_verdict", "evidence", "record", "sources", "caveat",
                       "more"))
    units = c.texts("units", empty=False)
    for unit in units:
        _unit(c, doc, "units", unit)
    record_ids = c.texts("record", empty=False)
    known = {r.id for r in corpus.load_record()}
    for rid in record_ids:
        if rid not in known:
            raise c.fail("record", f"{rid!r} is not an item of the record")
    # dossier_verdict: the research dossier's own words, for the editorial's key only
    return VerdictAnswer(c.text("id"), c.text("claim"), units, _labels(c, allowed),
                         c.text("dossier_verdict", required=False, empty=True),
                         c.text("evidence"), record_ids, c.urls("sources", empty=False),
                         c.text("caveat", empty=True, required=False), c.text("more", empty=True, required=False))


def _cell(c: Checker, doc, allowed) -> CellAnswer:
    c.no_other_fields(("item", "field", "labels", "why"))
    item = c.text("item")
    if item not in {a.id for a in corpus.load_articles()}:
        raise c.fail("item", f"{item!r} is not a coverage article")
    grid = c.choice("field", tuple(f.code for f in taxonomy.grid_fields()))
    vocabulary = tuple(v for v in taxonomy.grid_field(grid).codes if v in allowed)
    return CellAnswer(item, grid, _labels(c, vocabulary), c.text("why"))


def _control(c: Checker, doc) -> Control:
    c.no_other_fields(("unit", "why"))
    return Control(_unit(c, doc, "unit", c.text("unit")), c.text("why"))


def _check_span_key(items: list[SpanAnswer], controls: tuple[Control, ...], doc, file: str) -> None:
    by_label: dict[str, list[SpanAnswer]] = {}
    for span in items:
        for label in span.labels:
            by_label.setdefault(label, []).append(span)
    for label, spans in by_label.items():
        spans.sort(key=lambda s: s.start)
        for a, b in zip(spans, spans[1:]):
            if b.start < a.end:
                raise DataError(file, b.id, "start", f"overlaps {a.id} with the same label {label} (merge them)")
    for control in controls:
        unit = doc.unit(control.unit)
        for span in items:
            if span.start < unit.end and unit.start < span.end:
                raise DataError(file, f"control {control.unit}", "unit", f"is a control but {span.id} tags it")


def filtered(key: Key, allowed: tuple[str, ...]) -> Key:
    """Keep the items whose accepted labels meet the exercise's label set, and only those labels."""
    kept = []
    for answer in key.items:
        labels = tuple(label for label in answer.labels if label in allowed)
        if labels:
            kept.append(replace(answer, labels=labels))
    return replace(key, items=tuple(kept))


@lru_cache(maxsize=8)
def _builtin_key(name: str, kind: str) -> Key:
    rel = f"keys/{name}.toml"
    return parse_key(resources.read_toml(rel), f"kit/data/{rel}", kind)


def read_key_file(path: Path | str, kind: str, *, document: corpus.Document | None = None,
                  labels: tuple[str, ...] | None = None) -> Key:
    """Read a private key (TOML or JSON with the same fields as the built-in keys), for ``document``
    (default: the editorial); ``labels``: those it may hold (default: the scheme's for its kind)."""
    path = Path(path)
    if not path.is_file():
        raise KitError(f"{path}: no such key file")
    raw = path.read_bytes()
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(str(path), None, None, f"not valid JSON: {exc}") from None
    else:
        data = resources.parse_toml(raw, str(path))
    return parse_key(data, str(path), kind, labels=labels, document=document)


def load_key(exercise_id: "str | Exercise", path: Path | str | None = None) -> Key:
    """The key of an exercise, filtered to its label set.

    ``path`` reads a private key instead of the built-in (practice) one.

    >>> key = load_key("claims-practice")
    >>> key.kind, len(key.items), key.items[0].unit
    ('sentence', 47, 'title')
    """
    ex = exercise(exercise_id) if isinstance(exercise_id, str) else exercise_id
    if path is None and not ex.key:
        raise KitError(f"exercise {ex.id!r} is graded and its key is private (it is not in the kit): pass it with "
                       "--key FILE")
    key = read_key_file(path, ex.kind) if path is not None else _builtin_key(ex.key, ex.kind)
    return filtered(key, ex.labels)
