"""Tokens and sentences: code-point offsets that widgets and keys rely on."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.segment import sentence_spans, tokenize


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Russia’s neighbor", ["Russia’s", "neighbor"]),
        ("the U.S.-Russia talks", ["the", "U.S.-Russia", "talks"]),
        ("coup d’état in 2014.", ["coup", "d’état", "in", "2014"]),
        ("its “red line” demands", ["its", "“", "red", "line", "”", "demands"]),
        ("nearly 6,000 people, said", ["nearly", "6,000", "people", "said"]),
        ("Kassym-Jomart Tokayev!", ["Kassym-Jomart", "Tokayev"]),
        ("CTSO troops’ presence", ["CTSO", "troops", "’", "presence"]),
        ("country – four times", ["country", "four", "times"]),
    ],
)
def test_tokens(text, words):
    assert [t.text for t in tokenize(text)] == words


def test_tokens_are_in_order_and_match_the_text(editorial):
    text = editorial.text
    previous = 0
    for i, token in enumerate(editorial.tokens):
        assert token.index == i
        assert text[token.start:token.end] == token.text
        assert token.start >= previous
        previous = token.end
    assert len(editorial.tokens) == 936


def test_tokens_never_cross_units(editorial):
    for token in editorial.tokens:
        unit = editorial.unit_at(token.start)
        assert unit is not None and token.end <= unit.end


def test_snap_widens_to_whole_tokens(editorial):
    start = editorial.text.index("NATO-backed regime")
    assert editorial.snap(start + 3, start + 14) == (start, start + len("NATO-backed regime"))
    assert not editorial.on_token_boundaries(start + 3, start + 14)


def test_offsets_are_code_points_not_utf16(editorial):
    # "d’état" has characters outside ASCII; a UTF-16 or byte offset would drift after them.
    start = editorial.text.index("d’état")
    token = editorial.tokens_between(start, start + 1)[0]
    assert token.text == "d’état" and token.end - token.start == 6


def test_sentence_spans_exclude_whitespace():
    assert sentence_spans("  One. Two!  ") == [(2, 6), (7, 11)]


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40), max_size=8))
def test_tokens_always_point_into_the_text(pieces):
    text = " ".join(pieces)
    for token in tokenize(text):
        assert text[token.start:token.end] == token.text
        assert token.text.strip() == token.text and token.text
