"""How a lesson becomes a notebook of the browser-only edition (kit.lite builds the site around them).

A lesson that needs pandas or numpy, which only Pyodide's CDN has, gets a note and a first cell that
loads them (and says so when offline); every lesson gets a note on where its work is saved. A notebook
may say in ``metadata.kit.lite`` whether it is ``"offline"``, ``"network"`` or ``"skip"`` (not copied).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import KitError

#: The Pyodide kernel's kernelspec; the CPython ``python3`` one brings up a "Select Kernel" dialog.
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
#: Code that needs pandas or numpy, which only Pyodide's CDN has (PyPI has no WebAssembly numpy).
NETWORK_CODE = re.compile(
    r"^\s*(?:import|from)\s+(?:pandas|numpy|plotly\.express)\b"
    r"|\bload_coverage\s*\(|\bkit\.(?:compare|grading)\b|^\s*from\s+kit(?:\.|\s+import\s+)(?:compare|grading)\b",
    re.MULTILINE)
#: ``metadata.kit.lite`` of a notebook may say ``"offline"``, ``"network"`` or ``"skip"`` (not copied).
LESSON_MODES = ("offline", "network", "skip")
NOTE_KEY = "kit-lite"

STORAGE_NOTE = (
    "**Browser-only edition.** Python runs inside this browser tab: nothing is installed and nothing is "
    "sent to a server. Your tags are saved in **this browser's storage** on this computer (the `kit-work` "
    "folder in the file browser). Clearing the browser's data, a private window, or another computer or "
    "browser means they are gone. **Export often**: in the tagger, *Export my tags*, then the *Download* "
    "link, and keep (or hand in) the file."
)
NETWORK_NOTE = (
    "**This lesson needs the internet in the browser-only edition.** Its tables and charts use pandas and "
    "numpy, which are not bundled with this site: the next cell loads them from Pyodide's own distribution "
    "(cdn.jsdelivr.net), so it works only while the browser is online; offline it stops with a message. "
    "The tagging lessons (claims, techniques) need no network at all."
)
NETWORK_CELL = (
    "# Browser-only edition: pandas and numpy come from Pyodide's distribution (needs the internet).\n"
    "try:\n"
    "    import numpy\n"
    "    import pandas\n"
    "except ImportError:\n"
    "    raise ImportError(\"pandas could not be loaded: in the browser-only edition this lesson needs the \"\n"
    "                      \"internet. Connect, then run this cell again.\") from None\n"
)


@dataclass(frozen=True)
class LessonCopy:
    path: str          # relative to the site's lessons folder
    network: bool      # needs pandas from Pyodide's CDN


def _source(cell: Mapping) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def lesson_mode(nb: Mapping) -> str:
    """``"offline"``, ``"network"`` or ``"skip"``: ``metadata.kit.lite`` if the notebook says, else guessed
    from its code (pandas, numpy, plotly.express, ``kit.load_coverage``, ``kit.compare``)."""
    said = ((nb.get("metadata") or {}).get("kit") or {}).get("lite")
    if said in LESSON_MODES:
        return said
    code = "\n".join(_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    return "network" if NETWORK_CODE.search(code) else "offline"


def _note_cell(kind: str, cell_type: str, text: str) -> dict:
    cell = {"cell_type": cell_type, "id": f"{NOTE_KEY}-{kind}", "metadata": {NOTE_KEY: kind, "tags": [NOTE_KEY]},
            "source": text}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def lite_notebook(nb: Mapping, *, network: bool | None = None) -> dict:
    """A copy of a lesson for the browser-only edition.

    The kernelspec becomes Pyodide's; a note on where work is saved (and, for lessons that need pandas,
    a note and a cell that loads it from Pyodide's CDN) goes first. Applying it twice changes nothing more.
    """
    out = copy.deepcopy(dict(nb))
    meta = dict(out.get("metadata") or {})
    meta["kernelspec"] = dict(KERNELSPEC)
    info = dict(meta.get("language_info") or {})
    info.update(name="python")
    info.pop("version", None)
    meta["language_info"] = info
    out["metadata"] = meta
    if network is None:
        network = lesson_mode(out) == "network"
    cells = [c for c in out.get("cells", []) if NOTE_KEY not in (c.get("metadata") or {})]
    notes = [_note_cell("storage", "markdown", STORAGE_NOTE)]
    if network:
        notes += [_note_cell("network", "markdown", NETWORK_NOTE), _note_cell("network-load", "code", NETWORK_CELL)]
    out["cells"] = notes + cells  # first: a lesson's opening cell may be long, and the note must be seen
    if out.get("nbformat", 4) == 4 and out.get("nbformat_minor", 0) < 5:
        for cell in out["cells"]:  # cell ids need nbformat 4.5
            cell.pop("id", None)
    return out


def default_lessons_dir() -> Path | None:
    """``lessons/`` of the checkout this kit runs from, else ``./lessons``, else None."""
    here = Path(__file__).resolve().parents[2]
    for candidate in (here / "lessons", Path.cwd() / "lessons"):
        if candidate.is_dir() and any(candidate.glob("*.ipynb")):
            return candidate
    return None


def copy_lessons(src: Path, dest: Path) -> list[LessonCopy]:
    """Copy ``src`` (notebooks and the files beside them) into ``dest``, notebooks made for the browser.

    Checkpoints, caches and ``kit-work`` folders (a student's own work) are left out, and so are notebooks
    whose ``metadata.kit.lite`` is ``"skip"``.
    """
    src, dest = Path(src), Path(dest)
    if not src.is_dir():
        raise KitError(f"no lessons folder at {src}")
    ignored = {".ipynb_checkpoints", "__pycache__", "kit-work", ".git"}
    copied = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or ignored & set(rel.parts) or path.name.startswith("."):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".ipynb":
            shutil.copy2(path, target)
            continue
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise KitError(f"{path} is not a notebook: {exc}") from None
        mode = lesson_mode(nb)
        if mode == "skip":
            continue
        target.write_text(json.dumps(lite_notebook(nb, network=mode == "network"), indent=1, ensure_ascii=False)
                          + "\n", encoding="utf-8")
        copied.append(LessonCopy(rel.as_posix(), mode == "network"))
    return copied
