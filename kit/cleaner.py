"""Clean a scraped article: one copy of the body, boilerplate out, metadata kept.

Page scrapes are messy: the body can appear two or three times (page,
print view, feed), copies can be cut short, the title can sit between two
copies, and share prompts, "See also" blocks, the dates of other articles
and disclaimers are mixed in. :func:`clean_scrape` applies the same rules
to any scrape; nothing here knows about one particular article.

Rules, in order:

1. Normalise: NFC, ``\\r\\n``/``\\r`` to ``\\n``, non-breaking and other
   odd spaces to a plain space, zero-width characters removed, runs of
   spaces collapsed, lines stripped.
2. Classify every line: decoration (no letter or digit), disclaimer (kept
   as metadata), boilerplate (dropped), date (the first one before the body
   is the publication date; later ones belong to other articles), photo
   credit, byline, kicker (a section word such as "Editorial" at the top).
3. Lines of one blank-line-separated block are joined where they look
   hard-wrapped (similar lengths, short; a paragraph ends at a short line
   that ends a sentence); otherwise each line is a paragraph (text pasted
   one paragraph per line). A single short unpunctuated line is a
   heading: the first one is the title, repeats of it are dropped.
4. If the paragraphs are two or more copies of one body (each copy may be
   cut short, inside a paragraph or by whole paragraphs), keep one copy.
   A scrape without repetition keeps every paragraph.
5. A one-sentence opening paragraph is the standfirst when header lines
   (date, byline, photo credit) follow it, or when the header has a kicker
   or a photo credit (a feature or opinion layout). A news lede under a
   plain title, byline and date stays in the body. ``standfirst=`` overrides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import KitError
from .segment import sentence_spans

_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\x0b\x0c]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_TIME = r"(?:\s*(?:[|,•-]|at)?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[a-z]{2,4})?)?"
_DATE_PATTERNS = [
    (re.compile(rf"^{_WEEKDAY}(?P<month>{_MONTHS})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}}){_TIME}$", re.I), "mdy"),
    (re.compile(rf"^{_WEEKDAY}(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTHS})\.?,?\s+(?P<year>\d{{4}}){_TIME}$", re.I), "dmy"),
    (re.compile(rf"^(?P<year>\d{{4}})-(?P<mnum>\d{{2}})-(?P<day>\d{{2}}){_TIME}$", re.I), "iso"),
    (re.compile(rf"^(?P<day>\d{{1,2}})[./](?P<mnum>\d{{1,2}})[./](?P<year>\d{{4}}){_TIME}$", re.I), "dmy-num"),
]

_BOILERPLATE = re.compile(
    r"^(?:see also|related(?: articles| stories| posts| content)?|read (?:more|also|next)\b.*|more on this\b.*"
    r"|recommended(?: for you)?|most (?:read|popular)|trending(?: now)?|you may also like"
    r"|share(?: this)?(?: article| story| page| post)?(?: on \w+)?|tweet|e-?mail|print(?: this)?(?: article)?|copy link"
    r"|subscribe\b.*|sign up\b.*|follow us\b.*|join us on\b.*|get our newsletter\b.*|newsletter\b.*"
    r"|advertisement|sponsored(?: content)?|comments?(?:\s*\(\d+\))?|leave a comment|show comments"
    r"|tags?:.*|topics?:.*|filed under:.*|(?:©|\(c\)|copyright)\s*\d{4}.*|all rights reserved\.?"
    r"|click here\b.*|back to top|skip to (?:main )?content|menu|home|search|loading\.*)$",
    re.I,
)
_DISCLAIMER = re.compile(r"do not necessarily (?:represent|reflect)|^disclaimer\s*:", re.I)
_PHOTO = re.compile(r"^(?:©(?!\s*\d{4}\b)|\(c\)\s*photo|photo(?:graph)?(?:\s+credit)?\s*:|image(?:\s+credit)?\s*:|credit\s*:|picture\s*:)", re.I)
_BYLINE = re.compile(r"^(?i:by|written by|author\s*:)\s+[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|al))*$")
_KICKERS = {
    "editorial", "opinion", "analysis", "comment", "commentary", "column", "op-ed", "news", "world",
    "world news", "politics", "feature", "features", "interview", "explainer", "investigation",
    "letters", "review", "breaking news", "asia", "europe",
}
_TERMINAL = ".!?;:,…"
_CLOSING_QUOTES = "\"'”’»)"


@dataclass(frozen=True)
class CleanArticle:
    """What a scrape says once the mess is gone. Every string is normalised."""

    title: str = ""
    kicker: str = ""
    published: date | None = None
    byline: str = ""
    photo_credit: str = ""
    disclaimers: tuple[str, ...] = ()
    standfirst: str = ""
    paragraphs: tuple[str, ...] = ()
    copies: int = 1
    removed: tuple[str, ...] = field(default=(), repr=False)


def normalise(text: str) -> str:
    """NFC, ``\\n`` line endings, plain spaces, no invisible characters, lines stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(re.sub(r" {2,}", " ", line).strip() for line in text.split("\n"))


def parse_date(line: str) -> date | None:
    """The date a line consists of, or None.

    >>> parse_date("January 7, 2022")
    datetime.date(2022, 1, 7)
    """
    line = line.strip()
    for pattern, _ in _DATE_PATTERNS:
        m = pattern.match(line)
        if not m:
            continue
        parts = m.groupdict()
        if parts.get("month"):
            month = datetime.strptime(parts["month"][:3].title(), "%b").month
        else:
            month = int(parts["mnum"])
        try:
            return date(int(parts["year"]), month, int(parts["day"]))
        except ValueError:
            return None
    return None


def _heading_like(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= 20 or not (line[0].isupper() or line[0].isdigit()):
        return False
    if line[-1] in _TERMINAL:
        return False
    if line[-1] in _CLOSING_QUOTES and len(line) > 1 and line[-2] in _TERMINAL:
        return False
    return True


def _is_kicker(line: str, next_kind: str | None) -> bool:
    if line.lower().rstrip(":") in _KICKERS:
        return True
    # An unknown one- or two-word section name directly above other header lines.
    return len(line.split()) <= 2 and line[-1] not in _TERMINAL and next_kind in {"date", "byline", "photo"}


def _line_kind(line: str) -> str:
    if not any(ch.isalnum() for ch in line):
        return "decoration"
    if _PHOTO.match(line):
        return "photo"
    if _DISCLAIMER.search(line) and len(line.split()) <= 60:
        return "disclaimer"
    if parse_date(line):
        return "date"
    if len(line.split()) <= 12 and _BOILERPLATE.match(line):
        return "boilerplate"
    if _BYLINE.match(line):
        return "byline"
    return "text"


def clean_scrape(text: str, *, standfirst: bool | None = None) -> CleanArticle:
    """Clean a scraped article (already decoded to ``str``).

    ``standfirst``: ``None`` guesses (rule 5 of the module docstring),
    ``True`` takes the first paragraph as the standfirst, ``False`` never does.

    >>> a = clean_scrape("Share\\n\\nOne fine day.\\n\\nSee also\\n\\nOne fine day.")
    >>> a.paragraphs, a.copies
    (('One fine day.',), 2)
    """
    if not isinstance(text, str):
        raise KitError(f"expected the scrape as text (str), got {type(text).__name__}")
    lines = normalise(text).split("\n")
    kinds = [_line_kind(line) if line else "blank" for line in lines]

    meta: dict[str, object] = {"kicker": "", "published": None, "byline": "", "photo_credit": ""}
    disclaimers: list[str] = []
    removed: list[str] = []
    blocks: list[list[str]] = [[]]
    # Where each header line sat: after how many text blocks (0 = above the body).
    header_at: dict[str, int] = {}

    def text_blocks() -> int:
        return sum(1 for b in blocks if b and not (len(b) == 1 and _heading_like(b[0])))

    for i, (line, kind) in enumerate(zip(lines, kinds)):
        if kind == "blank":
            if blocks[-1]:
                blocks.append([])
            continue
        seen = text_blocks() if kind in {"date", "photo", "byline"} else 0
        if kind == "text" and not meta["kicker"] and not any(blocks):
            next_kind = next((k for k in kinds[i + 1 :] if k != "blank"), None)
            if _is_kicker(line, next_kind):
                meta["kicker"] = line
                header_at["kicker"] = 0
                continue
        if kind == "date" and meta["published"] is None and seen <= 1:
            meta["published"] = parse_date(line)
            header_at["date"] = seen
            continue
        if kind == "photo" and not meta["photo_credit"]:
            meta["photo_credit"] = line
            header_at["photo"] = seen
            continue
        if kind == "byline" and not meta["byline"] and seen <= 1:
            meta["byline"] = re.sub(r"^(?:by|written by|author\s*:)\s+", "", line, flags=re.I)
            header_at["byline"] = seen
            continue
        if kind == "disclaimer":
            if line not in disclaimers:
                disclaimers.append(line)
            continue
        if kind != "text":
            removed.append(line)
            continue
        blocks[-1].append(line)

    # Blocks -> headings and paragraphs.
    items: list[tuple[str, str]] = []
    for block in blocks:
        for lines_ in split_block(block):
            joined = " ".join(lines_)
            items.append(("heading" if len(lines_) == 1 and _heading_like(joined) else "para", joined))
    paragraphs_seen = [t for k, t in items if k == "para"]
    # A heading-looking line that begins a longer paragraph is a copy cut short, not a heading.
    items = [
        ("para", t) if k == "heading" and any(p != t and p.startswith(t) for p in paragraphs_seen) else (k, t)
        for k, t in items
    ]

    title = ""
    paragraphs: list[str] = []
    for kind, text_ in items:
        if kind == "heading" and not title:
            title = text_
        elif kind == "heading" and text_ == title:
            removed.append(text_)
        else:
            paragraphs.append(text_)

    body, copies = collapse_repeats(paragraphs)

    lead = ""
    if body:
        take = standfirst
        if take is None:
            # A one-sentence opening is a standfirst when header lines follow it (it sits inside
            # the header), or when the header has a kicker or photo credit (feature/opinion layout).
            # A plain news lede under a title, byline and date stays in the body.
            inside_header = any(at == 1 for at in header_at.values())
            feature_layout = header_at.get("kicker") == 0 or header_at.get("photo") == 0
            take = (
                (inside_header or feature_layout)
                and len(body) >= 3
                and len(body[0].split()) <= 40
                and len(sentence_spans(body[0])) == 1
            )
        if take:
            lead, body = body[0], body[1:]

    return CleanArticle(
        title=title,
        kicker=str(meta["kicker"]),
        published=meta["published"],  # type: ignore[arg-type]
        byline=str(meta["byline"]),
        photo_credit=str(meta["photo_credit"]),
        disclaimers=tuple(disclaimers),
        standfirst=lead,
        paragraphs=tuple(body),
        copies=copies,
        removed=tuple(removed),
    )


#: Hard-wrapped text breaks its lines at a fixed width, far shorter than most paragraphs.
_WRAP_WIDTH = 120


def _ends_sentence(line: str) -> bool:
    end = line.rstrip(_CLOSING_QUOTES) or line
    return end[-1] in ".!?…"


def split_block(block: list[str]) -> list[list[str]]:
    """The paragraphs of a block of lines (lines between blank lines), each as its lines.

    Lines are joined only where they look hard-wrapped: lines of similar length, all at most
    :data:`_WRAP_WIDTH` characters, few of them ending a sentence; there a paragraph ends at a short
    line that ends a sentence.
    Otherwise (one paragraph per line, as text pasted from a page often is) every line is a
    paragraph, so a title between two copies of a body stays a line of its own.

    >>> split_block(["A title", "First paragraph, one line.", "Second one."])
    [['A title'], ['First paragraph, one line.'], ['Second one.']]
    >>> split_block(["a line of text wrapped at a width", "of some forty characters that goes", "on.", "Next."])
    [['a line of text wrapped at a width', 'of some forty characters that goes', 'on.'], ['Next.']]
    """
    if len(block) < 2:
        return [block] if block else []
    inner = block[:-1]  # the lines that a hard-wrapped paragraph fills to the width
    width = max(len(line) for line in block)
    full = sum(len(line) >= 0.7 * width for line in inner)
    # Wrapping breaks lines anywhere, so few of them end a sentence; pasted paragraphs all do.
    ends = sum(_ends_sentence(line) for line in inner)
    if width > _WRAP_WIDTH or full < 0.6 * len(inner) or ends > 0.5 * len(inner):
        return [[line] for line in block]
    out: list[list[str]] = [[]]
    for n, line in enumerate(block):
        out[-1].append(line)
        if n + 1 < len(block) and (len(line) < 0.7 * width and (_ends_sentence(line) or _heading_like(line))):
            out.append([])
    return out


def collapse_repeats(paragraphs: list[str]) -> tuple[list[str], int]:
    """One copy of a body that the list repeats, and the number of copies.

    A copy starts wherever the first paragraph recurs. Each copy must agree
    with the others paragraph by paragraph; a copy may stop early, and its
    last paragraph may be cut short (a prefix of the full one). If the
    copies do not agree, the list is not a repetition and comes back whole.

    >>> collapse_repeats(["a.", "b.", "c.", "a.", "b.", "c", "a.", "b."])
    (['a.', 'b.', 'c.'], 3)
    >>> collapse_repeats(["a.", "b.", "a.", "c."])
    (['a.', 'b.', 'a.', 'c.'], 1)
    """
    n = len(paragraphs)
    if n < 2:
        return list(paragraphs), 1
    first = paragraphs[0]
    starts = [0] + [j for j in range(1, n) if paragraphs[j] == first]
    # The last copy may be cut inside its first paragraph.
    tail = paragraphs[-1]
    if len(starts) >= 1 and starts[-1] != n - 1 and tail != first and first.startswith(tail):
        starts.append(n - 1)
    if len(starts) < 2:
        return list(paragraphs), 1
    chunks = [paragraphs[a:b] for a, b in zip(starts, starts[1:] + [n])]
    body: list[str] = []
    for idx in range(max(len(c) for c in chunks)):
        versions = [(c[idx], idx == len(c) - 1) for c in chunks if len(c) > idx]
        full = max((v for v, _ in versions), key=len)
        for version, is_last in versions:
            if version != full and not (is_last and full.startswith(version)):
                return list(paragraphs), 1
        body.append(full)
    return body, len(chunks)
