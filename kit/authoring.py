"""Authoring: a saved web page, a text file or pasted text becomes a case folder with exercises.

``kit new SOURCE --id ID --out FOLDER`` keeps the source byte for byte, takes its main text (from a
saved page with trafilatura, in the optional ``authoring`` extra, imported only here: it needs lxml,
which the browser-only edition cannot load), cleans it as any scrape, and writes the case with
exercise definitions for claims and techniques. It prints the units it found, so the author can
check them before writing the key. Bad input gets one clear message and nothing is written.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import corpus
from ._fields import is_slug
from .cases import CASE_FILE, Case, read_case_folder
from .errors import KitError

MIN_SENTENCES = 3
MAX_SOURCE_BYTES = 20_000_000
_BINARY = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")


@dataclass(frozen=True)
class Extracted:
    text: str  # the main text: title, then one paragraph per line
    title: str = ""
    outlet: str = ""
    date: date | None = None
    url: str = ""


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def read_source(source: str | Path) -> tuple[bytes, str]:
    """The source's bytes and its kind ("html" or "text"); ``"-"`` reads standard input."""
    if str(source) == "-":
        raw = sys.stdin.buffer.read(MAX_SOURCE_BYTES + 1)
        name = "pasted text"
    else:
        path = Path(source)
        if not path.is_file():
            raise KitError(f"{source}: no such file")
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise KitError(f"{source}: {path.stat().st_size:,} bytes is far larger than an article")
        raw = path.read_bytes()
        name = str(source)
    if len(raw) > MAX_SOURCE_BYTES:
        raise KitError(f"{name}: far larger than an article")
    if not raw.strip():
        raise KitError(f"{name} is empty")
    if raw.startswith(_BINARY) or b"\x00" in raw:
        raise KitError(f"{name} is a binary file (an image, a PDF, an archive?): save the page as HTML, or paste "
                       "its text")
    head = raw[:2048].lstrip().lower()
    is_html = str(source).lower().endswith((".html", ".htm")) or head.startswith((b"<!doctype html", b"<html"))
    return raw, "html" if is_html else "text"


def extract(raw: bytes, kind: str) -> Extracted:
    """The main text and metadata of a source."""
    if kind == "text":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise KitError("the text is not UTF-8: save it as UTF-8 (plain text) and try again") from None
        return Extracted(text)
    try:
        import trafilatura
    except ImportError:
        raise KitError("reading a saved web page needs the authoring tools: pip install "
                       "'media-literacy-kit[authoring]' (or paste the article's text instead: kit new -)") from None
    html = raw.decode("utf-8", "replace")
    # No deduplicate=True: trafilatura's deduplication remembers text across calls, so a page read twice
    # in one process would lose its paragraphs; the cleaner keeps one copy of a repeated body anyway.
    body = trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=False,
                               favor_precision=True)
    if not body or not body.strip():
        raise KitError("no article text was found in the page (is it the article itself, saved as HTML?)")
    meta = trafilatura.extract_metadata(html)
    title = (getattr(meta, "title", None) or "").strip()
    published = None
    if getattr(meta, "date", None):
        try:
            published = date.fromisoformat(meta.date[:10])
        except ValueError:
            published = None
    text = (title + "\n\n" if title and not body.lstrip().startswith(title) else "") + body
    return Extracted(text, title, (getattr(meta, "sitename", None) or "").strip(), published,
                     (getattr(meta, "url", None) or "").strip())


def new_case(source: str | Path, *, case_id: str, out: str | Path, title: str | None = None,
             outlet: str | None = None, published: date | None = None, url: str | None = None,
             licence: str | None = None) -> Case:
    """Make a case folder from ``source`` (a saved page, a text file, or "-" for standard input)."""
    if not is_slug(case_id):
        raise KitError(f"--id {case_id!r} must be lowercase words joined by hyphens (say: state-dept-2022-01-07)")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(f"{out} exists and is not an empty folder: choose another --out")
    raw, kind = read_source(source)
    found = extract(raw, kind)
    document = corpus.parse_document(found.text, id=case_id)
    sentences = [u for u in document.units if u.kind == "sentence"]
    if len(sentences) < MIN_SENTENCES:
        raise KitError(f"the text cleans to {len(sentences)} sentence(s); a case needs at least {MIN_SENTENCES}")
    meta = {
        "id": case_id, "title": title or found.title or document.title, "outlet": outlet or found.outlet,
        "url": url or found.url, "licence": licence or "",
        "source": "source.html" if kind == "html" else "source.txt", "text": "text.txt",
    }
    when = published or found.date
    lines = ["# A case: one text and everything keyed to it (kit new made this file; edit it freely).",
             "# licence: why the kit may reproduce the text (public domain, an open licence, or quotation for",
             "# criticism and teaching), and where the text was seen."]
    lines += [f"{k} = {_toml_string(v)}" for k, v in meta.items()]
    if when:
        lines.insert(len(lines) - 3, f"date = {when.isoformat()}")
    files = {CASE_FILE: ("\n".join(lines) + "\n").encode("utf-8"), meta["source"]: raw,
             "text.txt": found.text.encode("utf-8"),
             "exercises/claims.toml": _exercise("claims", case_id, "Claim types", "sentence", "label",
                                                "claim_types", len(document.units),
                                                "Give every sentence one claim type, asking the six questions in "
                                                "order and stopping at the first yes. Flag the sentences a "
                                                "fact-checker would want to check."),
             "exercises/techniques.toml": _exercise("techniques", case_id, "Find and name techniques", "span", "find",
                                                    "core_techniques", 20,
                                                    "Highlight the smallest passage that carries each persuasion "
                                                    "technique and name it from the core ten. When in doubt, do "
                                                    "not tag.")}
    _write_folder(out, files, keys_folder=True)
    return read_case_folder(out)


def _exercise(exercise_id: str, case_id: str, title: str, kind: str, task: str, label_set: str, points: float,
              instructions: str) -> bytes:
    return "\n".join([
        f"id = {_toml_string(exercise_id)}", f"title = {_toml_string(title)}", f"document = {_toml_string(case_id)}",
        f"kind = {_toml_string(kind)}", f"task = {_toml_string(task)}", f"label_set = {_toml_string(label_set)}",
        f"points = {points:g}", 'mode = "graded"', f"key = {_toml_string(exercise_id)}",
        f"instructions = {_toml_string(instructions)}", ""]).encode("utf-8")


def _write_folder(out: Path, files: dict[str, bytes], *, keys_folder: bool = False) -> None:
    """Write every file into a fresh folder beside ``out``, then move it into place: all or nothing."""
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if keys_folder:  # where key mode will write
            (staging / "keys").mkdir(exist_ok=True)
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def unit_lines(case: Case, width: int = 90) -> list[str]:
    """What ``kit new`` prints: every unit, so the author can check them before writing the key."""
    lines = [f"case {case.id}: {case.title!r}" + (f", {case.outlet}" if case.outlet else "")
             + (f", {case.date.isoformat()}" if case.date else ""),
             f"  {len(case.document.units)} units, {len(case.document.text):,} characters, sha256 "
             f"{case.document.sha256[:16]}..."]
    for u in case.document.units:
        text = u.text if len(u.text) <= width else u.text[:width - 1] + "…"
        lines.append(f"  {u.id:<11} {text}")
    if not case.licence:
        lines.append("Say in case.toml (licence) why the kit may reproduce this text: public domain, an open "
                     "licence, or quotation for criticism and teaching.")
    return lines


# --- what students receive ------------------------------------------------------------------------------

STUDENT_FILES = ("lessons", "exercises")  # in a checkout: the lessons and the graded worksheets
TEACHER_ONLY = ("grading.ipynb",)


def handout(case_id_or_folder: str | Path, out: str | Path, *, repo_url: str | None = None) -> list[Path]:
    """Write what students receive for a case into ``out``: the text, the exercise definitions and worksheet
    notebooks; never a key, never the teacher's guide. For the built-in case, the lessons and worksheets
    of the checkout this kit runs from. ``repo_url`` (the one setting of a class) is where the notebooks'
    first cell installs the kit from in Colab or a fresh environment."""
    from .cases import load_case

    if repo_url is not None and not re.fullmatch(r"(?:https://|git@)[^\s\"'{}]+", repo_url):
        raise KitError(f"--repo-url {repo_url!r} is not the address of a Git repository (https://...)")
    case = load_case(case_id_or_folder)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(f"{out} exists and is not an empty folder: choose another --out")
    files: dict[str, bytes] = {}
    if case.builtin:
        checkout = Path(__file__).resolve().parents[1]
        if not all((checkout / d).is_dir() for d in STUDENT_FILES):
            raise KitError("the built-in lessons are handed out from a checkout of the kit (they are not in the "
                           "installed package): run kit handout from the repository")
        for folder in STUDENT_FILES:
            for path in sorted((checkout / folder).glob("*.ipynb")):
                if path.name not in TEACHER_ONLY:
                    files[f"{folder}/{path.name}"] = path.read_bytes()
        files["lessons/glossary.md"] = (checkout / "lessons" / "glossary.md").read_bytes()  # every lesson links it
        files["README.md"] = _readme(case, [name for name in files if name.endswith(".ipynb")]).encode()
    else:
        for rel in (CASE_FILE, case.source, "text.txt"):
            files[f"case/{rel}"] = (case.folder / rel).read_bytes()
        for path in sorted((case.folder / "exercises").glob("*.toml")):
            files[f"case/exercises/{path.name}"] = path.read_bytes()
        notebooks = []
        for ex in case.exercises:
            if ex.kind in ("sentence", "span"):
                files[f"{ex.id}.ipynb"] = _worksheet(ex)
                notebooks.append(f"{ex.id}.ipynb")
        files["README.md"] = _readme(case, notebooks).encode()
    if repo_url is not None:
        files = {name: _with_repo_url(data, repo_url) if name.endswith(".ipynb") else data
                 for name, data in files.items()}
        # Binder launched from the handout's repository installs the kit from the class's repository
        files["binder/requirements.txt"] = f"media-literacy-kit[lab] @ git+{repo_url}\n".encode()
    _write_folder(out, files)
    return [out / name for name in files]


_REPO_SETTING = re.compile(r'KIT_REPO_URL = "[^"]*"')


def _with_repo_url(notebook: bytes, repo_url: str) -> bytes:
    """The notebook with its install address (``KIT_REPO_URL``) set to ``repo_url``."""
    import json

    nb = json.loads(notebook.decode("utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = _REPO_SETTING.sub(f'KIT_REPO_URL = "{repo_url}"', source)
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _worksheet(ex) -> bytes:
    import json

    def cell(kind: str, text: str) -> dict:
        base = {"cell_type": kind, "metadata": {}, "source": text}
        return base | ({"execution_count": None, "outputs": []} if kind == "code" else {})

    nb = {"cells": [
        cell("markdown", f"# {ex.title}\n\n{ex.instructions}\n\nYour work is saved as you go. When you are done, "
                         "confirm your student id and press **Export my tags**, then hand in the file it writes."),
        cell("code", f'from kit.widgets import Tagger\n\nworksheet = Tagger("{ex.id}", case="case")\nworksheet'),
    ], "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _readme(case, notebooks: list[str]) -> str:
    lines = [f"# {case.title}", "", f"{case.outlet}" + (f", {case.date.isoformat()}" if case.date else "")
             + (f" ({case.url})" if case.url else ""), "", f"Why this text may be reproduced here: {case.licence}"
             if case.licence else "", "", "Open these notebooks:", ""]
    lines += [f"- {name}" for name in notebooks]
    return "\n".join(lines) + "\n"
