"""The texts the kit teaches with: the editorial, the coverage, the record.

* :func:`load_editorial` gives the Strategic Culture Foundation editorial as a
  :class:`Document`: canonical text, units (title, standfirst, sentences),
  tokens and a sha256 that identifies this version of the text.
* :func:`load_document` and :func:`parse_document` apply the same cleaning
  to any other scraped article.
* :func:`load_articles` gives the comparison coverage and :func:`load_record`
  the dated record of events, both validated on load.

Nothing here imports pandas or plotly: tagging runs in a browser-only edition.
:func:`kit.compare.load_coverage` turns the articles into a DataFrame.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

from . import resources, taxonomy
from ._fields import Checker, check_unique, is_slug
from .cleaner import CleanArticle, clean_scrape
from .errors import DataError, KitError
from .segment import Token, sentence_spans, tokenize

EDITORIAL_ID = "scf-2022-01-07"
PARAGRAPH_SEPARATOR = "\n\n"
MAX_DOCUMENT_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class Unit:
    """A taggable sentence: the title, the standfirst or a body sentence.

    ``start``/``end`` are code-point offsets into :attr:`Document.text`,
    whitespace excluded, so ``doc.text[u.start:u.end] == u.text``.
    """

    id: str
    kind: str  # "title", "standfirst" or "sentence"
    paragraph: str  # "p04" for body sentences, "" for the title and standfirst
    start: int
    end: int
    text: str


@dataclass(frozen=True, eq=False)
class Document:
    """A cleaned article with stable, addressable units and tokens."""

    id: str
    title: str
    text: str
    units: tuple[Unit, ...]
    tokens: tuple[Token, ...]
    paragraphs: tuple[str, ...]
    standfirst: str = ""
    outlet: str = ""
    url: str = ""
    published: date | None = None
    kicker: str = ""
    byline: str = ""
    photo_credit: str = ""
    disclaimers: tuple[str, ...] = ()
    copies_in_scrape: int = 1
    source_note: str = field(default="", repr=False)

    @cached_property
    def sha256(self) -> str:
        """Identifies this exact text; exports carry it so tags never land on another version."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def _units_by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.units}

    @cached_property
    def _token_starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @cached_property
    def _token_ends(self) -> list[int]:
        return [t.end for t in self.tokens]

    def has_unit(self, unit_id: str) -> bool:
        return unit_id in self._units_by_id

    @cached_property
    def token_starts(self) -> frozenset[int]:
        """Where words start: a span must start at one of these (and end at one of :attr:`token_ends`)."""
        return frozenset(t.start for t in self.tokens)

    @cached_property
    def token_ends(self) -> frozenset[int]:
        return frozenset(t.end for t in self.tokens)

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id (``"title"``, ``"standfirst"``, ``"p04.s2"``)."""
        try:
            return self._units_by_id[unit_id]
        except KeyError:
            raise KitError(
                f"{self.id} has no unit {unit_id!r}; units run from {self.units[0].id!r} to {self.units[-1].id!r}"
            ) from None

    def units_in(self, paragraph: str) -> tuple[Unit, ...]:
        """The sentences of one body paragraph, e.g. ``units_in("p09")``."""
        return tuple(u for u in self.units if u.paragraph == paragraph)

    def unit_at(self, offset: int) -> Unit | None:
        """The unit containing a character offset, or None (between units)."""
        for u in self.units:
            if u.start <= offset < u.end:
                return u
        return None

    def tokens_between(self, start: int, end: int) -> tuple[Token, ...]:
        """Tokens that overlap ``[start, end)``."""
        lo = bisect_right(self._token_ends, start)
        hi = bisect_left(self._token_starts, end)
        return self.tokens[lo:hi]

    def on_token_boundaries(self, start: int, end: int) -> bool:
        """True when a span starts where a token starts and ends where a token ends."""
        i = bisect_left(self._token_starts, start)
        j = bisect_left(self._token_ends, end)
        return (
            start < end
            and i < len(self.tokens) and self.tokens[i].start == start
            and j < len(self.tokens) and self.tokens[j].end == end
        )

    def snap(self, start: int, end: int) -> tuple[int, int]:
        """Widen ``[start, end)`` to whole tokens; raises if no token is touched."""
        touched = self.tokens_between(start, end)
        if not touched:
            raise KitError(f"the span {start}-{end} of {self.id} covers no word")
        return touched[0].start, touched[-1].end

    def to_dict(self) -> dict:
        """Plain data (for the widget and for exports); tokens as [start, end] pairs."""
        return {
            "id": self.id,
            "sha256": self.sha256,
            "title": self.title,
            "outlet": self.outlet,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "text": self.text,
            "units": [asdict(u) for u in self.units],
            "tokens": [[t.start, t.end] for t in self.tokens],
        }


def build_document(article: CleanArticle, *, id: str, outlet: str = "", url: str = "",
                   source_note: str = "") -> Document:
    """Compose the canonical text of a cleaned article and address its units.

    Canonical text: title, standfirst, body paragraphs, joined by a blank
    line, no trailing newline. Changing this composition changes every
    offset and the sha256: it is a format change.
    """
    if not article.paragraphs and not article.standfirst:
        raise KitError(f"{id}: no article text was found after cleaning")
    pieces: list[tuple[str, str]] = []  # (role, text)
    if article.title:
        pieces.append(("title", article.title))
    if article.standfirst:
        pieces.append(("standfirst", article.standfirst))
    pieces += [(f"p{i:02d}", p) for i, p in enumerate(article.paragraphs, 1)]

    units: list[Unit] = []
    offset = 0
    for role, piece in pieces:
        if role in ("title", "standfirst"):
            units.append(Unit(role, role, "", offset, offset + len(piece), piece))
        else:
            for n, (s, e) in enumerate(sentence_spans(piece), 1):
                units.append(Unit(f"{role}.s{n}", "sentence", role, offset + s, offset + e, piece[s:e]))
        offset += len(piece) + len(PARAGRAPH_SEPARATOR)
    text = PARAGRAPH_SEPARATOR.join(piece for _, piece in pieces)
    return Document(
        id=id, title=article.title, text=text, units=tuple(units), tokens=tuple(tokenize(text)),
        paragraphs=article.paragraphs, standfirst=article.standfirst, outlet=outlet, url=url,
        published=article.published, kicker=article.kicker, byline=article.byline,
        photo_credit=article.photo_credit, disclaimers=article.disclaimers,
        copies_in_scrape=article.copies, source_note=source_note,
    )


def parse_document(text: str, *, id: str = "document", outlet: str = "", url: str = "",
                   standfirst: bool | None = None) -> Document:
    """Clean a scrape given as text and return it as a :class:`Document`.

    >>> doc = parse_document("Share\\n\\nA quiet day. Nothing happened.\\n\\nSee also")
    >>> [u.id for u in doc.units], doc.text
    (['p01.s1', 'p01.s2'], 'A quiet day. Nothing happened.')
    """
    if not isinstance(text, str):
        raise KitError("parse_document expects text (str); for a file use load_document(Path(...))")
    if not text.strip():
        raise KitError("the text is empty: nothing to clean")
    return build_document(clean_scrape(text, standfirst=standfirst), id=id, outlet=outlet, url=url)


def load_document(path: Path | str, *, id: str | None = None, outlet: str = "", url: str = "",
                  standfirst: bool | None = None) -> Document:
    """Read a scraped article from a UTF-8 text file and clean it."""
    path = Path(path)
    if not path.is_file():
        raise KitError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise KitError(f"{path}: the file is empty")
    if size > MAX_DOCUMENT_BYTES:
        raise KitError(f"{path}: {size:,} bytes is too large for an article (limit {MAX_DOCUMENT_BYTES:,})")
    text = _decode_text(path.read_bytes(), str(path))
    return parse_document(text, id=id or path.stem, outlet=outlet, url=url, standfirst=standfirst)


def _decode_text(raw: bytes, label: str) -> str:
    if b"\x00" in raw[:4096]:
        raise KitError(f"{label}: this looks like a binary file, not a text scrape")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KitError(
            f"{label}: not UTF-8 text (byte {exc.start}); save the scrape as UTF-8 and try again"
        ) from None


@lru_cache(maxsize=1)
def load_editorial() -> Document:
    """The Strategic Culture Foundation editorial of 7 January 2022, cleaned from its scrape."""
    meta_file = f"editorial/{EDITORIAL_ID}.toml"
    c = Checker(resources.read_toml(meta_file), f"kit/data/{meta_file}", EDITORIAL_ID)
    scrape_name = c.text("scrape")
    raw = resources.read_bytes(f"editorial/{scrape_name}")
    article = clean_scrape(_decode_text(raw, f"kit/data/editorial/{scrape_name}"))
    return build_document(article, id=c.text("id"), outlet=c.text("outlet"), url=c.url("url"),
                          source_note=c.text("why_reproduced"))


# --- comparison coverage -------------------------------------------------------------------------

FUNCTIONS = ("news_agency", "broadcaster", "newspaper", "magazine_or_website", "government_channel",
             "think_tank_journal")
FUNDING = ("state", "public", "nonprofit", "private", "unknown")
GENRES = ("report", "opinion", "official_statement", "analysis")
DATE_PRECISION = ("day", "month", "approximate")


@dataclass(frozen=True)
class Article:
    """One piece of comparison coverage, described with the same fields for every outlet."""

    id: str
    outlet: str
    function: str
    funding: str
    country: str
    ownership_note: str
    ownership_source: str
    ownership_urls: tuple[str, ...]
    date: date
    date_precision: str
    date_note: str
    genre: str
    headline: str
    headline_note: str
    url: str
    republisher: str
    republisher_url: str
    causes: tuple[str, ...]  # given in the outlet's own voice
    causes_reported: tuple[str, ...]  # only credited to others (quoted, 'X said', scare quotes)
    sources_quoted: tuple[str, ...]
    digest: str
    people_words: tuple[str, ...]
    event_words: tuple[str, ...]
    attributed_words: tuple[str, ...]
    deployment_words: tuple[str, ...] = ()  # its own words for the CSTO force (where the copy seen has any)

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(u for u in (self.url, self.republisher_url, *self.ownership_urls) if u)

    def to_dict(self) -> dict:
        return asdict(self)


_ARTICLE_FIELDS = (
    "id", "outlet", "function", "funding", "country", "ownership_note", "ownership_source", "ownership_urls",
    "date", "date_precision", "date_note", "genre", "headline", "headline_note", "url", "republisher",
    "republisher_url", "causes", "causes_reported", "sources_quoted", "digest", "label_words",
)


def parse_article(data: dict, file: str) -> Article:
    """Validate one coverage file's fields; ``file`` names it in error messages."""
    stem = Path(file).stem
    c = Checker(data, file, str(data.get("id", stem)) if isinstance(data, dict) else stem)
    c.no_other_fields(_ARTICLE_FIELDS)
    article_id = c.text("id")
    if article_id != stem:
        raise c.fail("id", f"{article_id!r} must equal the file name {stem!r}")
    if not is_slug(article_id):
        raise c.fail("id", f"{article_id!r} must be lowercase words joined by hyphens")
    headline = c.text("headline", empty=True)
    headline_note = c.text("headline_note", empty=True, required=False)
    if not headline and not headline_note:
        raise c.fail("headline_note", "must say why there is no headline (e.g. 'not visible in the copy seen')")
    url = c.url("url", empty=True)
    republisher_url = c.url("republisher_url", empty=True, required=False)
    republisher = c.text("republisher", empty=True, required=False)
    if not url and not republisher_url:
        raise c.fail("url", "an article needs its own url or a republisher_url")
    if bool(republisher) != bool(republisher_url):
        raise c.fail("republisher", "republisher and republisher_url go together: give both or neither")
    words = c.table("label_words")
    words.no_other_fields(("people", "events", "attributed", "deployment"))
    causes = taxonomy.grid_field("cause").codes_without_undetermined
    both = set(c.choices("causes", causes)) & set(c.choices("causes_reported", causes, required=False))
    if both:
        raise c.fail("causes_reported", f"{', '.join(sorted(both))} cannot be both given and only reported")
    return Article(
        id=article_id,
        outlet=c.text("outlet"),
        function=c.choice("function", FUNCTIONS),
        funding=c.choice("funding", FUNDING),
        country=c.text("country"),
        ownership_note=c.text("ownership_note"),
        ownership_source=c.text("ownership_source"),
        ownership_urls=c.urls("ownership_urls", required=False),
        date=c.iso_date("date"),
        date_precision=c.choice("date_precision", DATE_PRECISION),
        date_note=c.text("date_note", empty=True, required=False),
        genre=c.choice("genre", GENRES),
        headline=headline,
        headline_note=headline_note,
        url=url,
        republisher=republisher,
        republisher_url=republisher_url,
        causes=c.choices("causes", causes),
        causes_reported=c.choices("causes_reported", causes, required=False),
        sources_quoted=c.texts("sources_quoted"),
        digest=c.text("digest"),
        people_words=words.texts("people"),
        event_words=words.texts("events"),
        attributed_words=words.texts("attributed"),
        deployment_words=words.texts("deployment", required=False),
    )


def load_articles(folder: Path | str | None = None) -> tuple[Article, ...]:
    """Every coverage article, sorted by date then id; validated on load.

    ``folder`` reads your own folder of ``*.toml`` files instead of the kit's.
    """
    if folder is None:
        return _shipped_articles()
    folder = Path(folder)
    if not folder.is_dir():
        raise KitError(f"{folder}: no such folder")
    files = sorted(folder.glob("*.toml"))
    return _articles_from((str(f), f.read_bytes()) for f in files)


@lru_cache(maxsize=1)
def _shipped_articles() -> tuple[Article, ...]:
    files = resources.list_files("coverage", ".toml")
    return _articles_from((f"kit/data/{rel}", resources.read_bytes(rel)) for rel in files)


def _articles_from(files) -> tuple[Article, ...]:
    articles = [parse_article(resources.parse_toml(raw, name), name) for name, raw in files]
    if not articles:
        raise KitError("no coverage files (*.toml) were found")
    check_unique(((a.id, a.id + ".toml") for a in articles), "article")
    return tuple(sorted(articles, key=lambda a: (a.date, a.id)))


# --- the dated record ----------------------------------------------------------------------------

RECORD_TAGS = ("unrest", "casualties", "detentions", "government", "csto", "diplomacy", "official_claims",
               "media", "background", "aftermath")
_RECORD_FIELDS = ("id", "date_start", "date_end", "precision", "event", "figures", "quotes", "sources",
                  "caveat", "tags")


@dataclass(frozen=True)
class RecordItem:
    """One dated event, in the kit's words, with the sources it rests on."""

    id: str
    date_start: date
    date_end: date
    precision: str
    event: str
    figures: dict[str, int | float]
    quotes: tuple[str, ...]
    sources: tuple[str, ...]
    caveat: str
    tags: tuple[str, ...]

    __hash__ = None  # figures is a dict

    def to_dict(self) -> dict:
        return asdict(self)


def parse_record_item(data: dict, file: str, position: int) -> RecordItem:
    label = str(data.get("id", f"#{position}")) if isinstance(data, dict) else f"#{position}"
    c = Checker(data, file, label)
    c.no_other_fields(_RECORD_FIELDS)
    item_id = c.text("id")
    start, end = c.iso_date("date_start"), c.iso_date("date_end")
    if end < start:
        raise c.fail("date_end", f"{end} is before date_start {start}")
    prefix = f"R-{start.isoformat()}-"
    if not item_id.startswith(prefix) or not is_slug(item_id[len(prefix):]):
        raise c.fail("id", f"{item_id!r} must look like {prefix}short-slug")
    return RecordItem(
        id=item_id, date_start=start, date_end=end,
        precision=c.choice("precision", DATE_PRECISION),
        event=c.text("event"),
        figures=c.numbers("figures"),
        quotes=c.texts("quotes", required=False),
        sources=c.urls("sources", empty=False),
        caveat=c.text("caveat", empty=True, required=False),
        tags=c.choices("tags", RECORD_TAGS, empty=False),
    )


def load_record(path: Path | str | None = None) -> tuple[RecordItem, ...]:
    """The dated record, sorted by date; ``path`` reads your own record file instead."""
    if path is None:
        return _shipped_record()
    path = Path(path)
    if not path.is_file():
        raise KitError(f"{path}: no such file")
    return _record_from(path.read_bytes(), str(path))


@lru_cache(maxsize=1)
def _shipped_record() -> tuple[RecordItem, ...]:
    return _record_from(resources.read_bytes("record.toml"), "kit/data/record.toml")


def _record_from(raw: bytes, name: str) -> tuple[RecordItem, ...]:
    data = resources.parse_toml(raw, name)
    entries = data.get("item")
    if not isinstance(entries, list) or not entries:
        raise DataError(name, None, "item", "the record needs [[item]] tables")
    items = [parse_record_item(entry, name, i) for i, entry in enumerate(entries, 1)]
    check_unique(((it.id, name) for it in items), "record")
    return tuple(sorted(items, key=lambda it: (it.date_start, it.date_end, it.id)))


def record_item(item_id: str) -> RecordItem:
    for item in load_record():
        if item.id == item_id:
            return item
    raise KitError(f"no record item {item_id!r}")
