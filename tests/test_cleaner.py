"""The scrape cleaner: general rules, proven on random and hand-written scrapes."""

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit
from kit.cleaner import clean_scrape, collapse_repeats, normalise, parse_date

SCRAPES = Path(__file__).parent / "scrapes"

# --- hand-written messy scrapes (tests/scrapes/*.txt with the expected result beside them) ---------


@pytest.mark.parametrize("scrape", sorted(SCRAPES.glob("*.txt")), ids=lambda p: p.stem)
def test_hand_written_scrape(scrape):
    expected = json.loads(scrape.with_suffix(".json").read_text(encoding="utf-8"))
    doc = kit.load_document(scrape)
    got = {
        "title": doc.title, "kicker": doc.kicker,
        "published": doc.published.isoformat() if doc.published else None,
        "byline": doc.byline, "photo_credit": doc.photo_credit, "standfirst": doc.standfirst,
        "paragraphs": list(doc.paragraphs), "copies": doc.copies_in_scrape, "disclaimers": list(doc.disclaimers),
    }
    assert got == expected


def test_there_are_at_least_five_hand_written_scrapes():
    assert len(list(SCRAPES.glob("*.txt"))) >= 5


# --- the property: a body repeated k times comes back once, in order --------------------------------

WORDS = ["fuel", "price", "town", "crowd", "square", "council", "café", "naïve", "Zhanaozen", "strike",
         "workers", "said", "the", "a", "of", "in", "gas", "rose", "fell", "quickly", "officials", "police",
         "Russia’s", "“quoted”", "6,000", "U.S.-led", "d’état", "and", "wages"]
FIRST_WORDS = ["Workers", "Officials", "Police", "Crowds", "Prices", "Villagers", "Nobody", "Drivers"]
SEPARATORS = ["", "A Title Written For The Property Test", "See also", "Share this article", "November 12, 2024",
              "* * *", "Advertisement", "Read more: other news", "———", "Subscribe to our newsletter"]


@st.composite
def sentence(draw):
    words = [draw(st.sampled_from(FIRST_WORDS))] + draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=12))
    return " ".join(words) + draw(st.sampled_from([".", "!", "."]))


@st.composite
def paragraph(draw):
    return " ".join(draw(st.lists(sentence(), min_size=1, max_size=3)))


def _no_prefixes(paragraphs):
    return all(not (a != b and b.startswith(a)) for a in paragraphs for b in paragraphs)


@st.composite
def repeated_scrape(draw):
    body = draw(st.lists(paragraph(), min_size=1, max_size=7, unique=True).filter(_no_prefixes))
    k = draw(st.integers(1, 4))
    copies = [list(body) for _ in range(k)]
    if k >= 2 and draw(st.booleans()):  # cut one copy short
        c = draw(st.integers(0, k - 1))
        keep = draw(st.integers(0 if c == k - 1 else 1, len(body)))
        cut = copies[c][:keep]
        if keep < len(body) and draw(st.booleans()):
            full = body[keep]
            piece = full[: draw(st.integers(1, len(full) - 1))] if len(full) > 1 else full
            # A fragment that could also begin the first paragraph is ambiguous (a new, cut copy?): skip it.
            if keep == 0 or not body[0].startswith(piece):
                cut.append(piece)
        copies[c] = cut
    parts = []
    for i, copy in enumerate(copies):
        if i:
            parts.extend(draw(st.lists(st.sampled_from(SEPARATORS), max_size=2)))
        parts.extend(copy)
    parts.extend(draw(st.lists(st.sampled_from(SEPARATORS[2:]), max_size=2)))
    text = "\n\n".join(parts)
    if draw(st.booleans()):
        text = text.replace(" ", "\u00a0", draw(st.integers(0, 5)))
    if draw(st.booleans()):
        text = unicodedata.normalize("NFD", text)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return body, sum(1 for copy in copies if copy), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(repeated_scrape())
def test_repeated_body_comes_back_once_in_order(case):
    body, copies, text = case
    article = clean_scrape(text)
    recovered = ([article.standfirst] if article.standfirst else []) + list(article.paragraphs)
    assert recovered == body
    assert article.copies == copies


@st.composite
def refrain_text(draw):
    """Paragraphs that may repeat inside the text (a refrain), but never as a whole body."""
    distinct = draw(st.lists(paragraph(), min_size=2, max_size=6, unique=True).filter(_no_prefixes))
    rest = draw(st.lists(st.sampled_from(distinct[1:]), max_size=6))
    return [distinct[0], *rest] if rest else distinct


@settings(max_examples=200, deadline=None)
@given(refrain_text())
def test_scrape_without_repetition_keeps_every_paragraph(paragraphs):
    article = clean_scrape("\n\n".join(paragraphs), standfirst=False)
    assert list(article.paragraphs) == paragraphs
    assert article.copies == 1


def test_collapse_keeps_longest_version_of_a_cut_paragraph():
    assert collapse_repeats(["a.", "b c", "a.", "b c d."]) == (["a.", "b c d."], 2)


def test_collapse_refuses_copies_that_disagree():
    assert collapse_repeats(["a.", "b.", "a.", "x."]) == (["a.", "b.", "a.", "x."], 1)


# --- normalisation and metadata ---------------------------------------------------------------------


def test_normalise():
    assert normalise("a\u00a0b\r\nc\u200bd\re\u0301  f ") == "a b\ncd\né f"


@pytest.mark.parametrize(
    ("line", "iso"),
    [("January 7, 2022", "2022-01-07"), ("7 January 2022", "2022-01-07"), ("Friday, Jan. 7, 2022", "2022-01-07"),
     ("2022-01-07", "2022-01-07"), ("07.01.2022", "2022-01-07"), ("Jan 5, 2022 10:41 AM", "2022-01-05"),
     ("January 7 was cold.", None), ("February 30, 2022", None)],
)
def test_parse_date(line, iso):
    result = parse_date(line)
    assert (result.isoformat() if result else None) == iso


def test_standfirst_can_be_forced_either_way():
    text = "Editorial\n\nOne line on top.\n\nBody one.\n\nBody two.\n\nBody three."
    assert clean_scrape(text).standfirst == "One line on top."
    assert clean_scrape(text, standfirst=False).standfirst == ""
    assert clean_scrape("First.\n\nSecond.", standfirst=True).standfirst == "First."


def test_removed_lines_are_reported():
    article = clean_scrape("Body one.\n\nBody two.\n\nSee also\n\nMarch 3, 2021\n\nBody one.\n\nBody two.")
    assert article.removed == ("See also", "March 3, 2021")
    assert (article.paragraphs, article.copies, article.published) == (("Body one.", "Body two."), 2, None)


# --- bad input gives a KitError, not a traceback from deep inside ----------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(kit.KitError, match="empty"):
        kit.load_document(path)


def test_binary_file(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)))
    with pytest.raises(kit.KitError, match="binary"):
        kit.load_document(path)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Un café à Almaty.".encode("latin-1"))
    with pytest.raises(kit.KitError, match="not UTF-8"):
        kit.load_document(path)


def test_only_boilerplate(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_text("See also\n\nShare this article\n\nNovember 12, 2024\n", encoding="utf-8")
    with pytest.raises(kit.KitError, match="no article text"):
        kit.load_document(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(kit.KitError, match="no such file"):
        kit.load_document(tmp_path / "nope.txt")
    with pytest.raises(kit.KitError, match="no such file"):
        kit.load_document(tmp_path)


def test_parse_document_wants_text():
    with pytest.raises(kit.KitError, match="expects text"):
        kit.parse_document(b"bytes")
    with pytest.raises(kit.KitError, match="empty"):
        kit.parse_document("  \n ")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffA plain sentence.".encode("utf-8"))
    assert kit.load_document(path).text == "A plain sentence."


# --- texts as teachers paste them ---------------------------------------------------------------------

PASTED = [
    "Unrest spreads across the country",
    "Protests that began over fuel prices on Sunday reached the largest city by Tuesday evening, "
    "witnesses said, as crowds gathered in the central square.",
    "The government resigned on Wednesday. The president declared a state of emergency.",
    "Officials said order would be restored within days; rights groups called for restraint and for "
    "the internet to be switched back on.",
]  # written for this test


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_one_paragraph_per_line_without_blank_lines(newline):
    a = clean_scrape(newline.join(PASTED))
    assert a.title == PASTED[0] and list(a.paragraphs) == PASTED[1:]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_body_repeated_with_the_title_between_the_copies(newline):
    text = newline.join(PASTED + ["Share this article"] + PASTED + ["See also"])
    a = clean_scrape(text)
    assert a.title == PASTED[0] and list(a.paragraphs) == PASTED[1:] and a.copies == 2


def test_hard_wrapped_paragraphs_without_blank_lines_are_joined_at_their_short_last_lines():
    wrapped = ("Protests that began over fuel prices on Sunday\n"
               "reached the largest city by Tuesday evening,\n"
               "witnesses said.\n"
               "The government resigned on Wednesday and the\n"
               "president declared a state of emergency for two\n"
               "weeks.")
    a = clean_scrape(wrapped)
    assert list(a.paragraphs) == [
        "Protests that began over fuel prices on Sunday reached the largest city by Tuesday evening, witnesses said.",
        "The government resigned on Wednesday and the president declared a state of emergency for two weeks."]


def test_hard_wrapped_paragraphs_between_blank_lines_are_joined_as_before():
    wrapped = ("A title of the piece\n\nProtests that began over fuel prices on Sunday\nreached the largest city "
               "by Tuesday.\n\nThe government resigned on Wednesday and the\npresident declared an emergency.")
    a = clean_scrape(wrapped)
    assert a.title == "A title of the piece"
    assert list(a.paragraphs) == ["Protests that began over fuel prices on Sunday reached the largest city by Tuesday.",
                                  "The government resigned on Wednesday and the president declared an emergency."]
