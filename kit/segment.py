"""Sentences and word tokens, with code-point offsets.

Offsets are Python string indices (code points), end exclusive: never the
UTF-16 offsets a browser reports. The tagging widget receives these tokens
and builds spans from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import KitError

# A word: letters/digits joined by hyphens, apostrophes or dots (U.S.-Russia,
# Russia’s, d’état), digit groups joined by commas (6,000); a dotted
# abbreviation keeps its final dot (U.S.). Other punctuation stays outside.
_WORD = re.compile(r"\w+(?:(?:[-‐’'.]+|(?<=\d),(?=\d))\w+)*(?:(?<=\.\w)\.)?")
# Quotation marks standing on their own are tokens, so a quote can be tagged with them.
_QUOTE = re.compile(r"[“”‘’\"']")
_TOKEN = re.compile(f"{_WORD.pattern}|{_QUOTE.pattern}")


@dataclass(frozen=True, slots=True)
class Token:
    """A word or a quotation mark in the canonical text."""

    index: int
    start: int
    end: int
    text: str


def tokenize(text: str, offset: int = 0, first_index: int = 0) -> list[Token]:
    """Word and quote tokens of ``text``; offsets shifted by ``offset``.

    >>> [t.text for t in tokenize("the “red line” of U.S. policy.")]
    ['the', '“', 'red', 'line', '”', 'of', 'U.S.', 'policy']
    """
    return [
        Token(first_index + i, offset + m.start(), offset + m.end(), m.group())
        for i, m in enumerate(_TOKEN.finditer(text))
    ]


@lru_cache(maxsize=1)
def _segmenter():
    import warnings

    # pysbd 0.3.4 has invalid escapes that Python >= 3.12 warns about when it compiles them (in the
    # browser-only edition on every start, since nothing there is byte-compiled ahead)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        try:
            import pysbd
        except ImportError as exc:  # pragma: no cover - pysbd is a declared dependency
            raise KitError("the sentence splitter pysbd is not installed: pip install pysbd") from exc
        return pysbd.Segmenter(language="en", clean=False, char_span=False)


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``paragraph``, whitespace excluded.

    >>> sentence_spans("It rained. Then it stopped!")
    [(0, 10), (11, 27)]
    """
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _segmenter().segment(paragraph):
        piece = piece.strip()
        if not piece:
            continue
        start = paragraph.find(piece, cursor)
        if start < 0:  # pysbd changed the text: refuse rather than guess offsets
            raise KitError(f"could not place the sentence {piece[:60]!r} in its paragraph")
        spans.append((start, start + len(piece)))
        cursor = start + len(piece)
    return spans
