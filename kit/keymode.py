"""Key mode: an author writes a case's key in the same tagger students use.

``Tagger(exercise, case=FOLDER, author=True)`` opens an author's session: every edit is journalled like
a student's (in the case's ``keys/`` folder, so re-opening continues where the author stopped), and a
tag may carry more than a student's:

* ``also``: the labels accepted besides the preferred one (Shift + a label's key in the tagger);
* ``note``: the explanation students read, required before an item counts in the key;
* ``control`` tags (span exercises): sentences left untagged on purpose (``x`` in the tagger). A
  techniques key without a control is refused: it would reward tagging everything.

:func:`save_key` writes the key in the format of the shipped keys, validated as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import answers, corpus, resources, taxonomy
from ._io import atomic_write_text
from .errors import DataError, KitError
from .tags import Rules, TagError, check_note, check_outside

CONTROL = "control"
MAX_SOURCES = 20  # a key's sources for one verdict


class AuthorRules:
    """A student exercise's rules, plus what a key needs: accepted alternatives and controls."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.exercise = rules.exercise
        self.document = rules.document
        self.labels = rules.labels

    def check(self, tag: Any, where: str = "tag") -> dict:
        if isinstance(tag, dict) and tag.get("kind") == CONTROL:
            if self.exercise.kind != "span":
                raise TagError("unknown_kind", f"{where}: controls belong to span keys")
            unit = tag.get("unit")
            if not isinstance(unit, str) or not self.document.has_unit(unit):
                raise TagError("unknown_unit", f"{where}: {unit!r} is not a unit of {self.document.id}")
            return {"kind": CONTROL, "unit": unit, "note": check_note(tag.get("note", ""), where)}
        if not isinstance(tag, dict):
            raise TagError("wrong_type", f"{where}: a tag must be an object")
        also = tag.get("also", [])
        if not isinstance(also, list) or not all(isinstance(a, str) for a in also) or len(set(also)) != len(also):
            raise TagError("wrong_type", f"{where}: 'also' must list other accepted labels, each once")
        # an author's sources for a verdict may be more than the few a student lists
        sources = check_outside(tag["outside"], where, most=MAX_SOURCES) if "outside" in tag else None
        clean = self.rules.check({k: v for k, v in tag.items() if k not in ("also", "outside")}, where)
        if sources:
            clean["outside"] = sources
        allowed = self.rules.fields[clean["field"]] if self.exercise.kind == "cell" else self.labels
        for label in also:
            if label not in allowed or label == clean["label"]:
                raise TagError("unknown_label", f"{where}: {label!r} cannot be accepted besides {clean['label']!r}")
        return clean | {"also": list(also)}


def key_data(session) -> tuple[dict, list[str]]:
    """The key as the shipped keys hold it, from an author's tags; and what was left out, in words."""
    ex, doc = session.exercise, session.document
    left_out = []
    items, controls = [], []
    claims = {c.id: c for c in ex.claims}
    record = {r.id: r for r in corpus.load_record()} if ex.kind == "verdict" else {}
    for tag in session.tags:
        if tag["kind"] == CONTROL:
            controls.append({"unit": tag["unit"], "why": tag["note"]})
            continue
        name = {"sentence": tag.get("unit"), "span": repr(tag.get("quote")), "verdict": tag.get("claim"),
                "cell": f"{tag.get('item')} {tag.get('field')}"}[ex.kind]
        if not tag.get("note", "").strip():
            left_out.append(f"{name} (no explanation)")
            continue
        labels = [tag["label"], *tag.get("also", [])]
        if ex.kind == "sentence":
            items.append({"unit": tag["unit"], "labels": labels, "checkworthy": tag.get("checkworthy", False),
                          "why": tag["note"]})
        elif ex.kind == "span":
            items.append({"start": tag["start"], "end": tag["end"], "quote": tag["quote"], "labels": labels,
                          "why": tag["note"]})
        elif ex.kind == "verdict":
            if not tag.get("evidence"):
                left_out.append(f"{name} (no record item cited)")
                continue
            claim = claims[tag["claim"]]
            # the sources students are sent to: the author's own, else those of the cited record items
            sources = tag.get("outside") or list(dict.fromkeys(u for rid in tag["evidence"] for u in record[rid].sources))
            items.append({"id": claim.id, "claim": claim.claim, "units": list(claim.units), "labels": labels,
                          "evidence": tag["note"], "record": list(tag["evidence"]), "sources": sources, "caveat": ""})
        else:
            items.append({"item": tag["item"], "field": tag["field"], "labels": labels, "why": tag["note"]})
    if ex.kind == "sentence":  # in the text's order, as the shipped keys list them
        order = {u.id: n for n, u in enumerate(doc.units)}
        items.sort(key=lambda i: order[i["unit"]])
    elif ex.kind == "span":
        items.sort(key=lambda i: (i["start"], i["end"]))
        items = [{"id": f"S{n:02d}", **i} for n, i in enumerate(items, 1)]
    elif ex.kind == "verdict":
        order = {c: n for n, c in enumerate(claims)}
        items.sort(key=lambda i: order[i["id"]])
    else:
        articles = {a.id: n for n, a in enumerate(corpus.load_articles())}
        fields = {f.code: n for n, f in enumerate(taxonomy.grid_fields())}
        items.sort(key=lambda i: (articles[i["item"]], fields[i["field"]]))
    data: dict = {"document": doc.id, "sha256": doc.sha256, answers.table_of_kind(ex.kind): items}
    if controls:
        data["control"] = controls
    return data, left_out


def claims_to_judge(case) -> list[answers.ClaimToJudge]:
    """The claims a verdicts key starts from: one per sentence the case's claims key flags as check-worthy."""
    try:
        key = case.key("claims")
    except KitError as exc:
        raise KitError(f"{exc}. The verdicts key starts from the claims key: its check-worthy sentences become "
                       "the claims to judge, so write and save that key first.") from None
    doc = case.document
    units = [a.unit for a in key.items if a.checkworthy]
    if not units:
        raise KitError("the claims key flags no sentence as check-worthy: there is nothing to judge yet")
    return [answers.ClaimToJudge(f"C{n}", doc.unit(u).text, (u,)) for n, u in enumerate(units, 1)]


def author_exercise(case, exercise_id: str):
    """The case, with the exercise key mode needs: a case made by ``kit new`` has claims and techniques;
    the verdicts exercise (its claims: the claims key's check-worthy sentences) and the comparison grid are
    written here the first time, into new files only. Returns (case, what was written, in words)."""
    from .cases import read_case_folder

    if any(ex.id == exercise_id for ex in case.exercises):
        return case, ""
    path = case.folder / "exercises" / f"{exercise_id}.toml"
    if exercise_id == "verdicts":
        claims = claims_to_judge(case)
        data = {"id": "verdicts", "title": "Check the claims against the record", "document": case.id,
                "kind": "verdict", "task": "judge", "label_set": "verdicts", "points": len(claims), "mode": "graded",
                "key": "verdicts", "evidence_share": 0.25,
                "instructions": "For each claim, choose a verdict and cite the record items that support it.",
                "claim": [{"id": c.id, "claim": c.claim, "units": list(c.units)} for c in claims]}
    elif exercise_id == "compare":
        fields = taxonomy.grid_fields()
        data = {"id": "compare", "title": "Compare the outlets", "document": case.id, "kind": "cell",
                "task": "classify", "label_set": "grid", "points": len(corpus.load_articles()) * len(fields),
                "mode": "graded", "key": "compare",
                "instructions": "For each article, classify the grid fields from its headline and label words only. "
                                "Choose 'not determinable' when those words do not decide it."}
    else:
        raise KitError(f"case {case.id!r} has no exercise {exercise_id!r}")
    atomic_write_text(path, to_toml(data, heading="# Written by key mode (kit.keymode): edit the wording freely."))
    message = f"Wrote {path}" + (f" with {len(data['claim'])} claims to judge (the check-worthy sentences of the "
                                 "claims key: reword them there if you like, then reopen)" if "claim" in data else "")
    return read_case_folder(case.folder), message + "."


def save_key(session) -> tuple[Path, str]:
    """Write the author's key (validated as a shipped key) into the case's ``keys/``; returns the file and
    a message saying what was saved and what was left out."""
    case = session.case
    if case is None or not getattr(session, "author", False):
        raise KitError("only a key-mode session of a case can save a key")
    data, left_out = key_data(session)
    ex = session.exercise
    table = answers.table_of_kind(ex.kind)
    if not data[table]:
        raise KitError("Not saved: no item has an explanation yet (press n to write why).")
    if ex.kind == "span" and not data.get("control"):
        raise KitError("Not saved: a techniques key needs at least one control (a sentence left untagged on purpose: "
                       "press x on it, and say why), or it would reward tagging everything.")
    path = case.folder / "keys" / f"{ex.key}.toml"
    text = to_toml(data)
    try:  # the shipped keys' checks, before anything is written
        answers.parse_key(resources.parse_toml(text.encode("utf-8"), str(path)), str(path), ex.kind,
                          labels=answers.key_labels(ex), document=case.document)
    except DataError as exc:
        raise KitError(f"Not saved: {exc}") from None
    atomic_write_text(path, text, overwrite=True)
    n = len(data[table])
    message = f"Saved the key: {n} item(s)" + (f", {len(data.get('control', []))} control(s)" if ex.kind == "span"
                                                else "") + f" to {path}."
    if left_out:
        message += f" Left out: {', '.join(left_out[:5])}" + (" ..." if len(left_out) > 5 else "") + "."
    return path, message


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    text = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{text}"'


def to_toml(data: dict, heading: str = "# Written in key mode (kit.keymode); edit it freely, the kit checks it on "
                                         "load.") -> str:
    """A key (or an exercise) as TOML, in the layout of the shipped files (scalars first, then arrays of tables)."""
    lines = [heading]
    tables = {k: v for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    for k, v in data.items():
        if k not in tables:
            lines.append(f"{k} = {_value(v)}")
    for name, rows in tables.items():
        for row in rows:
            lines += ["", f"[[{name}]]"] + [f"{k} = {_value(v)}" for k, v in row.items()]
    return "\n".join(lines) + "\n"
