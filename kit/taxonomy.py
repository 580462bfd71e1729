"""The tag scheme: claim types, techniques, verdicts and the comparison grid.

Read from ``kit/data/taxonomy.toml`` (validated on load). Codes are machine
strings stored in exports and never change; labels and explanations may be
reworded. Examples are written for the kit, not taken from any outlet.

>>> [c.code for c in claim_types()]
['NONASSERT', 'ATTRIB', 'SPEC', 'CAUSAL', 'CHECK', 'OPINION']
>>> technique("T2").label
'Name-calling / labelling'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import resources
from ._fields import Checker
from .errors import DataError, KitError

_FILE = "kit/data/taxonomy.toml"
NOT_DETERMINABLE = "not_determinable"
CORE_TEN = ("T1", "T2", "T3", "T4", "T5", "T7", "T9", "T10", "T11", "T14")


@dataclass(frozen=True)
class ClaimType:
    order: int
    code: str
    label: str
    key: str
    question: str
    definition: str
    tips: tuple[str, ...]
    example: str  # written for the kit
    example_why: str


@dataclass(frozen=True)
class Technique:
    code: str
    label: str
    core: bool
    key: str
    definition: str
    tips: tuple[str, ...]
    semeval2020: str
    semeval2023: tuple[str, ...]
    semeval2023_category: str
    mapping_note: str
    example: str  # written for the kit
    example_span: str


@dataclass(frozen=True)
class Verdict:
    code: str
    label: str
    definition: str


@dataclass(frozen=True)
class GridValue:
    code: str
    label: str
    description: str


@dataclass(frozen=True)
class GridField:
    code: str
    label: str
    question: str
    values: tuple[GridValue, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.values)

    @property
    def codes_without_undetermined(self) -> tuple[str, ...]:
        return tuple(c for c in self.codes if c != NOT_DETERMINABLE)


@dataclass(frozen=True)
class Rules:
    decision_order: str
    span_rules: tuple[str, ...]
    checkworthy: str


@dataclass(frozen=True)
class Taxonomy:
    version: int
    claim_types: tuple[ClaimType, ...]
    techniques: tuple[Technique, ...]
    verdicts: tuple[Verdict, ...]
    grid_fields: tuple[GridField, ...]
    rules: Rules


def _items(data: dict, key: str) -> list[dict]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise DataError(_FILE, None, key, f"needs one or more [[{key}]] tables")
    return items


def _unique(codes: list[str], what: str) -> None:
    for code in codes:
        if codes.count(code) > 1:
            raise DataError(_FILE, code, "code", f"duplicate {what} code")


def parse_taxonomy(data: dict) -> Taxonomy:
    top = Checker(data, _FILE, None)
    top.no_other_fields(("version", "claim_type", "technique", "verdict", "grid_field", "rules"))
    claim_types = []
    for raw in _items(data, "claim_type"):
        c = Checker(raw, _FILE, str(raw.get("code", "?")))
        c.no_other_fields(ClaimType.__dataclass_fields__)
        order = raw.get("order")
        if not isinstance(order, int):
            raise c.fail("order", "must be a whole number")
        claim_types.append(ClaimType(order, c.text("code"), c.text("label"), c.text("key"), c.text("question"),
                                     c.text("definition"), c.texts("tips", empty=False), c.text("example"),
                                     c.text("example_why")))
    techniques = []
    for raw in _items(data, "technique"):
        c = Checker(raw, _FILE, str(raw.get("code", "?")))
        c.no_other_fields(Technique.__dataclass_fields__)
        t = Technique(c.text("code"), c.text("label"), c.flag("core"), c.text("key", empty=True),
                      c.text("definition"), c.texts("tips", empty=False), c.text("semeval2020", empty=True),
                      c.texts("semeval2023", empty=False), c.text("semeval2023_category"),
                      c.text("mapping_note", empty=True, required=False), c.text("example"), c.text("example_span"))
        if t.example_span not in t.example:
            raise c.fail("example_span", "must be a part of the example sentence")
        techniques.append(t)
    verdicts = []
    for raw in _items(data, "verdict"):
        c = Checker(raw, _FILE, str(raw.get("code", "?")))
        c.no_other_fields(Verdict.__dataclass_fields__)
        verdicts.append(Verdict(c.text("code"), c.text("label"), c.text("definition")))
    grid = []
    for raw in _items(data, "grid_field"):
        c = Checker(raw, _FILE, str(raw.get("code", "?")))
        c.no_other_fields(("code", "label", "question", "value"))
        values = []
        for value in raw.get("value") or []:
            v = Checker(value, _FILE, f"{raw.get('code')}.{value.get('code', '?')}")
            v.no_other_fields(GridValue.__dataclass_fields__)
            values.append(GridValue(v.text("code"), v.text("label"), v.text("description")))
        if not values or values[-1].code != NOT_DETERMINABLE:
            raise c.fail("value", f"a grid field's closed vocabulary must end with {NOT_DETERMINABLE!r}")
        _unique([v.code for v in values], f"{raw.get('code')} value")
        grid.append(GridField(c.text("code"), c.text("label"), c.text("question"), tuple(values)))
    r = top.table("rules")
    r.no_other_fields(Rules.__dataclass_fields__)
    rules = Rules(r.text("decision_order"), r.texts("span_rules", empty=False), r.text("checkworthy"))

    _unique([c.code for c in claim_types], "claim type")
    _unique([t.code for t in techniques], "technique")
    _unique([v.code for v in verdicts], "verdict")
    _unique([g.code for g in grid], "grid field")
    if [c.order for c in claim_types] != list(range(1, len(claim_types) + 1)):
        raise DataError(_FILE, None, "order", "claim types must be listed in decision order 1, 2, 3, ...")
    core = tuple(t.code for t in techniques if t.core)
    if core != CORE_TEN:
        raise DataError(_FILE, None, "core", f"the core techniques must be {', '.join(CORE_TEN)}; got {', '.join(core)}")
    version = data.get("version")
    if version != 1:
        raise DataError(_FILE, None, "version", f"this kit reads taxonomy version 1, not {version!r}")
    return Taxonomy(version, tuple(claim_types), tuple(techniques), tuple(verdicts), tuple(grid), rules)


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    return parse_taxonomy(resources.read_toml("taxonomy.toml"))


def claim_types() -> tuple[ClaimType, ...]:
    """The six claim types, in decision order (the first question answered yes wins)."""
    return load_taxonomy().claim_types


def techniques(*, core_only: bool = False) -> tuple[Technique, ...]:
    """Techniques T1-T15, or only the core ten."""
    all_ = load_taxonomy().techniques
    return tuple(t for t in all_ if t.core) if core_only else all_


def verdicts() -> tuple[Verdict, ...]:
    return load_taxonomy().verdicts


def grid_fields() -> tuple[GridField, ...]:
    return load_taxonomy().grid_fields


def rules() -> Rules:
    return load_taxonomy().rules


def _lookup(items, code: str, what: str):
    for item in items:
        if item.code == code:
            return item
    raise KitError(f"unknown {what} {code!r}; known: {', '.join(i.code for i in items)}")


def claim_type(code: str) -> ClaimType:
    return _lookup(claim_types(), code, "claim type")


def technique(code: str) -> Technique:
    return _lookup(techniques(), code, "technique")


def verdict(code: str) -> Verdict:
    return _lookup(verdicts(), code, "verdict")


def grid_field(code: str) -> GridField:
    return _lookup(grid_fields(), code, "grid field")


#: The answer "no technique" of the name-the-passage task, whose highlights include decoys in plain wording.
NO_TECHNIQUE = ("NONE", "No technique", "Plain wording: the passage reports, counts or credits a source without a "
                "persuasion move. It may still be false: that is for checking, not for naming.")


def label_of(code: str) -> str:
    """Human label for any code of the scheme (claim type, technique, verdict, "no technique")."""
    for group in (claim_types(), techniques(), verdicts()):
        for item in group:
            if item.code == code:
                return item.label
    if code == NO_TECHNIQUE[0]:
        return NO_TECHNIQUE[1]
    raise KitError(f"unknown label code {code!r}")
