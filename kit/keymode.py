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

from . import answers, resources
from ._io import atomic_write_text
from .errors import KitError
from .tags import Rules, TagError, check_note

CONTROL = "control"


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
        clean = self.rules.check({k: v for k, v in tag.items() if k != "also"}, where)
        for label in also:
            if label not in self.labels or label == clean["label"]:
                raise TagError("unknown_label", f"{where}: {label!r} cannot be accepted besides {clean['label']!r}")
        return clean | {"also": list(also)}


def key_data(session) -> tuple[dict, list[str]]:
    """The key as the shipped keys hold it, from an author's tags; and what was left out, in words."""
    ex, doc = session.exercise, session.document
    left_out = []
    items, controls = [], []
    for tag in session.tags:
        if tag["kind"] == CONTROL:
            controls.append({"unit": tag["unit"], "why": tag["note"]})
            continue
        if not tag.get("note", "").strip():
            left_out.append(tag.get("unit") or repr(tag.get("quote")))
            continue
        labels = [tag["label"], *tag.get("also", [])]
        if ex.kind == "sentence":
            items.append({"unit": tag["unit"], "labels": labels, "checkworthy": tag.get("checkworthy", False),
                          "why": tag["note"]})
        else:
            items.append({"start": tag["start"], "end": tag["end"], "quote": tag["quote"], "labels": labels,
                          "why": tag["note"]})
    if ex.kind == "sentence":  # in the text's order, as the shipped keys list them
        order = {u.id: n for n, u in enumerate(doc.units)}
        items.sort(key=lambda i: order[i["unit"]])
    if ex.kind == "span":
        items.sort(key=lambda i: (i["start"], i["end"]))
        items = [{"id": f"S{n:02d}", **i} for n, i in enumerate(items, 1)]
    table = {"sentence": "unit", "span": "span"}[ex.kind]
    data: dict = {"document": doc.id, "sha256": doc.sha256, table: items}
    if controls:
        data["control"] = controls
    return data, left_out


def save_key(session) -> tuple[Path, str]:
    """Write the author's key (validated as a shipped key) into the case's ``keys/``; returns the file and
    a message saying what was saved and what was left out."""
    case = session.case
    if case is None or not getattr(session, "author", False):
        raise KitError("only a key-mode session of a case can save a key")
    data, left_out = key_data(session)
    ex = session.exercise
    table = {"sentence": "unit", "span": "span"}[ex.kind]
    if not data[table]:
        raise KitError("Not saved: no item has an explanation yet (press n to write why).")
    if ex.kind == "span" and not data.get("control"):
        raise KitError("Not saved: a techniques key needs at least one control (a sentence left untagged on purpose: "
                       "press x on it, and say why), or it would reward tagging everything.")
    path = case.folder / "keys" / f"{ex.key}.toml"
    text = to_toml(data)
    answers.parse_key(resources.parse_toml(text.encode("utf-8"), str(path)), str(path), ex.kind,
                      document=case.document)  # the shipped keys' checks, before anything is written
    atomic_write_text(path, text, overwrite=True)
    n = len(data[table])
    message = f"Saved the key: {n} item(s)" + (f", {len(data.get('control', []))} control(s)" if ex.kind == "span"
                                                else "") + f" to {path}."
    if left_out:
        message += f" Left out, for want of an explanation: {', '.join(left_out[:5])}" + \
                   (" ..." if len(left_out) > 5 else "") + "."
    return path, message


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    text = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{text}"'


def to_toml(data: dict) -> str:
    """A key as TOML, in the layout of the shipped keys (scalars first, then arrays of tables)."""
    lines = ["# Written in key mode (kit.keymode); edit it freely, the kit checks it on load."]
    tables = {k: v for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    for k, v in data.items():
        if k not in tables:
            lines.append(f"{k} = {_value(v)}")
    for name, rows in tables.items():
        for row in rows:
            lines += ["", f"[[{name}]]"] + [f"{k} = {_value(v)}" for k, v in row.items()]
    return "\n".join(lines) + "\n"
