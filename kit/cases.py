"""Cases: one text and everything keyed to it (exercises, keys), with the events it is about.

A case is the unit a teacher works with: the source file as received, byte for byte; the main text
taken from it (what the kit cleans, segments and students tag); the document's metadata, including
why the kit may reproduce the text; exercise definitions; keys. The record and the coverage belong
to the events, not to one text: the January 2022 ones are shared by every case about them.

The editorial is the first built-in case; its canonical text, unit ids and sha256 never change. A
teacher's case is a folder (``kit new`` makes one)::

    my-case/
      case.toml            id, title, outlet, date, url, licence, source, text
      source.html          the file as received (or source.txt)
      text.txt             the main text taken from it: what the kit cleans and tags
      exercises/*.toml     exercise definitions (as kit/data/exercises)
      keys/*.toml          keys (as kit/data/keys; written in key mode)

>>> case = load_case("scf-2022-01-07")
>>> case.id, len(case.document.units), case.exercise("claims-practice").kind
('scf-2022-01-07', 47, 'sentence')
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from . import answers, corpus, resources
from ._fields import Checker, is_slug
from .errors import DataError, KitError

CASE_FILE = "case.toml"
#: Where the kit's repository keeps the graded keys of its shipped unseen texts (never in the package).
TEACHER_KEYS = "teacher-keys"
EDITORIAL = "scf-2022-01-07"
_CASE_FIELDS = ("id", "title", "outlet", "date", "url", "licence", "source", "text", "events")


@dataclass(frozen=True)
class Case:
    """One text and its exercises and keys; ``folder`` is None for a built-in case."""

    id: str
    title: str
    outlet: str
    date: date | None
    url: str
    licence: str  # why the kit may reproduce the text: public domain, an open licence, or quotation
    document: corpus.Document
    exercises: tuple[answers.Exercise, ...]
    folder: Path | None = None
    source: str = ""  # the file as received, relative to the folder
    events: str = "kazakhstan-2022-01"
    shipped: bool = False  # ships with the kit (the editorial, the unseen texts): never written to
    _keys: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def builtin(self) -> bool:
        return self.folder is None

    @property
    def record(self) -> tuple[corpus.RecordItem, ...]:
        """The dated record of the events the text is about (shared by every case about them)."""
        return tuple(corpus.load_record())

    @property
    def coverage(self) -> tuple[corpus.Article, ...]:
        return tuple(corpus.load_articles())

    def exercise(self, exercise_id: str) -> answers.Exercise:
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise KitError(f"case {self.id!r} has no exercise {exercise_id!r}; it has: "
                       f"{', '.join(e.id for e in self.exercises) or 'none'}")

    def key(self, exercise_id: str, path: Path | str | None = None) -> answers.Key:
        """The key of one of the case's exercises: ``path`` (a private key file), else the case's own."""
        ex = self.exercise(exercise_id)
        if self.builtin:
            return answers.load_key(ex.id, path)
        if path is None:
            path = self.folder / "keys" / f"{ex.key}.toml"
            if self.shipped and not path.is_file():  # a shipped case carries only practice keys
                raise KitError(f"the key of {self.id!r} {ex.id!r} is graded and not in the installed kit: pass it with "
                               f"--key FILE (teachers find it in the kit's repository, {TEACHER_KEYS}/{self.id}/)")
            if not path.is_file():
                raise KitError(f"case {self.id!r} has no key for {ex.id!r} yet ({path}): make it in key mode, "
                               "or pass one with --key FILE")
        key = answers.read_key_file(path, ex.kind, document=self.document, labels=answers.key_labels(ex))
        return answers.filtered(key, ex.labels)


def teacher_keys_folder() -> Path | None:
    """The graded keys of the shipped unseen texts, when the kit runs from a checkout of its repository."""
    folder = Path(__file__).resolve().parents[1] / TEACHER_KEYS
    return folder if folder.is_dir() else None


def cases() -> tuple[Case, ...]:
    """The built-in cases: the editorial, then the unseen texts of the graded work (``kit/data/cases``)."""
    return (_editorial_case(), *_shipped_cases())


@lru_cache(maxsize=1)
def _shipped_cases() -> tuple[Case, ...]:
    root = resources.data_path("cases")
    if not root.is_dir():
        return ()
    if not isinstance(root, Path):  # a zip import: the case folders cannot be read as folders
        raise KitError("the kit's built-in cases need the kit installed as files, not imported from a zip")
    return tuple(replace(read_case_folder(folder), shipped=True)
                 for folder in sorted(root.iterdir()) if (folder / CASE_FILE).is_file())


def load_case(id_or_folder: str | Path) -> Case:
    """A built-in case by id, or a case folder (with its ``case.toml``)."""
    if isinstance(id_or_folder, str) and not any(sep in id_or_folder for sep in "/\\"):
        for case in cases():
            if case.id == id_or_folder:
                return case
        if not Path(id_or_folder).is_dir():
            raise KitError(f"unknown case {id_or_folder!r}: built-in cases are {', '.join(c.id for c in cases())}; "
                           "a case folder is given by its path")
    return read_case_folder(Path(id_or_folder))


@lru_cache(maxsize=1)
def _editorial_case() -> Case:
    doc = corpus.load_editorial()
    meta = resources.read_toml(f"editorial/{EDITORIAL}.toml")
    exercises = tuple(e for e in answers.exercises() if e.document == EDITORIAL)
    return Case(EDITORIAL, doc.title, doc.outlet, doc.published, doc.url, meta["why_reproduced"], doc, exercises,
                source=f"kit/data/editorial/{meta['scrape']}", shipped=True)


def read_case_folder(folder: Path) -> Case:
    """Read and check a case folder; errors name the file, the item and the field."""
    path = folder / CASE_FILE
    if not path.is_file():
        raise KitError(f"{folder} is not a case folder: it has no {CASE_FILE} (kit new makes one)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(str(path), None, None, f"not valid TOML: {exc}") from None
    c = Checker(data, str(path), None)
    c.no_other_fields(_CASE_FIELDS)
    case_id = c.text("id")
    if not is_slug(case_id):
        raise c.fail("id", f"{case_id!r} must be lowercase words joined by hyphens")
    text_file = folder / c.text("text")
    source = c.text("source")
    if not (folder / source).is_file():
        raise c.fail("source", f"{source!r} is not a file of the case folder")
    try:
        text = text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise c.fail("text", f"cannot read {text_file.name}: {exc}") from None
    published = data.get("date")
    if published is not None and not isinstance(published, date):
        raise c.fail("date", f"must be a date (2022-01-07), got {published!r}")
    document = replace(corpus.parse_document(text, id=case_id, outlet=c.text("outlet", empty=True),
                                             url=c.text("url", empty=True)), published=published)
    exercises = []
    for file in sorted((folder / "exercises").glob("*.toml")):
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DataError(str(file), None, None, f"not valid TOML: {exc}") from None
        ex = answers.parse_exercise(raw, str(file))
        if ex.document != case_id:
            raise DataError(str(file), ex.id, "document", f"names {ex.document!r}, but the case is {case_id!r}")
        for claim in ex.claims:
            for unit in claim.units:
                if not document.has_unit(unit):
                    raise DataError(str(file), f"claim {claim.id}", "units", f"{unit!r} is not a unit of the text")
        exercises.append(ex)
    return Case(case_id, c.text("title", empty=True) or document.title, c.text("outlet", empty=True), published,
                c.text("url", empty=True), c.text("licence", empty=True), document, tuple(exercises), folder,
                source, c.text("events", empty=True, required=False) or "kazakhstan-2022-01")
