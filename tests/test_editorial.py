"""The editorial as the kit ships it: a pinned, addressable text."""

import datetime
import hashlib

import pytest

import kit
from kit import resources

# Changing the cleaner so that these change is a format change: every export
# and key carries offsets into this exact text.
CANONICAL_LENGTH = 6102
CANONICAL_SHA256 = "aa7d47e8e52f4bce94e779f8f42b6081c61ad7f0e480374ffc1c3bbad7c29488"
SENTENCES_PER_PARAGRAPH = [2, 2, 1, 6, 5, 2, 2, 6, 4, 1, 4, 5, 1, 3, 1]
TITLE = "Kazakh Chaos on Cue Ahead of Crunch Russia-U.S. Security Negotiations"
STANDFIRST = ("The events have an unerring similarity to U.S.-sponsored regime-change operations "
              "that have taken place in other nations.")


def test_canonical_text_is_pinned(editorial):
    assert len(editorial.text) == CANONICAL_LENGTH
    assert editorial.sha256 == CANONICAL_SHA256


def test_canonical_text_is_title_standfirst_and_paragraphs(editorial):
    assert editorial.text == "\n\n".join([TITLE, STANDFIRST, *editorial.paragraphs])
    assert not editorial.text.endswith("\n")


def test_metadata(editorial):
    assert editorial.id == "scf-2022-01-07"
    assert editorial.title == TITLE
    assert editorial.outlet == "Strategic Culture Foundation"
    assert editorial.published == datetime.date(2022, 1, 7)
    assert editorial.kicker == "Editorial"
    assert editorial.byline == ""  # an unsigned house editorial
    assert editorial.photo_credit == "© Photo: REUTERS/Mariya Gordeyeva"
    assert editorial.disclaimers == (
        "The views of individual contributors do not necessarily represent those of the Strategic Culture Foundation.",
    )
    assert editorial.standfirst == STANDFIRST
    assert editorial.copies_in_scrape == 3
    assert editorial.url.startswith("https://strategic-culture.su/news/2022/01/07/")


def test_47_units_in_order(editorial):
    ids = [u.id for u in editorial.units]
    assert len(ids) == 47 == len(set(ids))
    assert ids[:3] == ["title", "standfirst", "p01.s1"]
    expected = [f"p{p:02d}.s{s}" for p, n in enumerate(SENTENCES_PER_PARAGRAPH, 1) for s in range(1, n + 1)]
    assert ids[2:] == expected


def test_sentences_per_paragraph(editorial):
    assert len(editorial.paragraphs) == 15
    assert [len(editorial.units_in(f"p{i:02d}")) for i in range(1, 16)] == SENTENCES_PER_PARAGRAPH


def test_title_is_one_unit(editorial):
    title = editorial.unit("title")
    assert (title.kind, title.start, title.text) == ("title", 0, TITLE)


def test_first_and_last_sentences(editorial):
    first = editorial.unit("p01.s1").text
    assert first == ("The timing of violent protests rocking Russia’s southern neighbor Kazakhstan "
                     "inevitably raises questions.")
    assert editorial.units[-1].text == ("That is the bigger picture that should not be lost amid the chaos "
                                        "unfolding in Kazakhstan.")


def test_standfirst_not_merged_with_the_sentence_it_begins(editorial):
    p09 = editorial.unit("p09.s1").text
    assert p09.startswith(STANDFIRST[:-1] + ", most notably Ukraine, Syria and Belarus")
    assert editorial.unit("standfirst").text == STANDFIRST


def test_offsets_round_trip_and_exclude_whitespace(editorial):
    previous_end = 0
    for unit in editorial.units:
        assert editorial.text[unit.start:unit.end] == unit.text
        assert unit.text == unit.text.strip() and unit.text
        assert unit.start >= previous_end
        assert editorial.text[previous_end:unit.start].strip() == ""  # nothing between units but space
        previous_end = unit.end
    assert previous_end == len(editorial.text)


def test_no_boilerplate_left(editorial):
    for junk in ("See also", "November 12, 2024", "November 11, 2024", "individual contributors", "©",
                 "Editorial\n", "January 7, 2022"):
        assert junk not in editorial.text
    assert editorial.text.count(TITLE) == 1
    assert editorial.text.count("It has been noted by astute observers") == 1


def test_seed_typo_survives(editorial):
    assert "CTSO troops’ presence" in editorial.text


def test_known_offsets_of_design_example(editorial):
    # DESIGN.md's export example tags this phrase at 1611-1637.
    assert editorial.text[1611:1637] == "NATO-backed regime in Kiev"
    assert editorial.on_token_boundaries(1611, 1637)


def test_unknown_unit_names_the_range(editorial):
    with pytest.raises(kit.KitError, match="no unit 'p16.s1'.*'title' to 'p15.s1'"):
        editorial.unit("p16.s1")


def test_load_editorial_is_cached():
    assert kit.load_editorial() is kit.load_editorial()


def test_shipped_scrape_is_byte_for_byte_the_seed():
    raw = resources.read_bytes("editorial/scf-2022-01-07.scrape.txt")
    assert len(raw) == 18696
    assert hashlib.sha256(raw).hexdigest() == "966bde6dcd5128dff62efc316f41bddb51eeba01ed0e45fb54754bcd104427e3"
