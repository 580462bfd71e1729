"""The comparison coverage and the dated record: complete, even-handed, sourced, validated."""

import re
import tomllib
from pathlib import Path

import pytest

import kit
from kit import corpus, resources, taxonomy

DATA = Path(__file__).parent / "data"
URL = re.compile(r"https?://[^\s\"'<>]+")


def allowed_urls() -> set[str]:
    dossier = {line.strip() for line in (DATA / "dossier-urls.txt").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    additions = tomllib.loads((DATA / "url-additions.toml").read_text(encoding="utf-8"))["url"]
    for entry in additions:
        assert entry["reason"].strip() and entry["checked"], f"undocumented addition {entry['url']}"
    return dossier | {entry["url"] for entry in additions}


def urls_in_kit_data() -> dict[str, str]:
    found = {}
    root = Path(str(resources.data_root()))
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".toml", ".md", ".json", ".txt"}:
            for match in URL.finditer(path.read_text(encoding="utf-8")):
                found.setdefault(match.group().rstrip(".,;)>"), str(path.relative_to(root)))
    return found


def test_every_url_in_kit_data_is_in_the_dossier_or_documented():
    allowed = allowed_urls()
    found = urls_in_kit_data()
    assert len(found) > 50  # the scan really reads the data
    unknown = {url: where for url, where in found.items() if url not in allowed}
    assert not unknown, f"URLs with no documented source: {unknown}"


def test_the_url_rule_catches_an_invented_url(tmp_path):
    assert "https://example.org/made-up" not in allowed_urls()


# --- coverage -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def articles():
    return kit.load_articles()


def test_coverage_breadth(articles):
    outlets = {a.outlet for a in articles}
    countries = {a.country for a in articles} - {"unknown"}
    print(f"\ncoverage: {len(articles)} articles, {len(outlets)} outlets, {len(countries)} countries")
    assert len(articles) >= 12
    assert len(outlets) >= 10
    assert len(countries) >= 5
    assert {"state", "private"} <= {a.funding for a in articles}
    assert {"Russia", "United States", "China", "Kazakhstan"} <= countries


def test_editorial_is_a_row_of_the_coverage(articles):
    (row,) = [a for a in articles if a.id == kit.load_editorial().id]
    assert row.outlet == "Strategic Culture Foundation"
    assert row.headline == kit.load_editorial().title
    assert row.genre == "opinion"


def test_same_fields_for_every_outlet(articles):
    # RFE/RL, Al Jazeera, TASS, Xinhua and SCF are described by one vocabulary.
    by_outlet = {a.outlet: a for a in articles}
    for outlet in ("RFE/RL", "Al Jazeera English", "TASS", "Xinhua", "Strategic Culture Foundation"):
        article = by_outlet[outlet]
        assert article.function in corpus.FUNCTIONS and article.funding in corpus.FUNDING
        assert article.ownership_note and article.ownership_source
    assert by_outlet["RFE/RL"].funding == by_outlet["TASS"].funding == "state"


def test_ids_unique_and_sorted(articles):
    ids = [a.id for a in articles]
    assert len(ids) == len(set(ids))
    assert [(a.date, a.id) for a in articles] == sorted((a.date, a.id) for a in articles)


def test_headlines_are_exact_or_explained(articles):
    for a in articles:
        assert a.headline or a.headline_note, a.id
        assert "\u201c" not in a.headline  # headlines are stored as seen, not re-quoted


def test_coverage_causes_use_the_grid_vocabulary(articles):
    allowed = set(taxonomy.grid_field("cause").codes)
    for a in articles:
        assert set(a.causes) <= allowed


def test_load_coverage_gives_a_dataframe():
    frame = kit.load_coverage()
    assert list(frame["id"]) == [a.id for a in kit.load_articles()]
    assert str(frame["date"].dtype).startswith("datetime64")


# --- record ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def record():
    return kit.load_record()


def test_record_size_and_order(record):
    print(f"\nrecord: {len(record)} items, {record[0].date_start} to {record[-1].date_end}")
    assert len(record) >= 25
    assert [r.date_start for r in record] == sorted(r.date_start for r in record)
    assert len({r.id for r in record}) == len(record)


def test_record_items_are_sourced_and_dated(record):
    for item in record:
        assert item.sources and item.event
        assert item.date_end >= item.date_start
        assert item.id.startswith(f"R-{item.date_start.isoformat()}-")


def test_record_holds_the_key_events(record):
    ids = {r.id for r in record}
    days = {r.date_start.isoformat() for r in record}
    assert {"2022-01-02", "2022-01-05", "2022-01-06", "2022-01-07", "2022-01-10"} <= days
    assert any("psaki" in i for i in ids)


def test_record_item_lookup(record):
    assert corpus.record_item(record[0].id) == record[0]
    with pytest.raises(kit.KitError, match="no record item"):
        corpus.record_item("R-1999-01-01-nothing")


# --- bad data files fail at load time with one message naming file, item and field ---------------

GOOD = (Path(str(resources.data_root())) / "coverage" / "tass-2022-01-10.toml").read_text(encoding="utf-8")


def write_article(folder: Path, text: str, name: str = "tass-2022-01-10.toml") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('funding = "state"\n', ""), r"tass-2022-01-10.toml: item 'tass-2022-01-10': field 'funding': is missing"),
        (lambda t: t.replace('funding = "state"', 'funding = "stat"'), r"field 'funding': 'stat' is not one of: state, public"),
        (lambda t: t.replace('date = "2022-01-10"', 'date = "2022-13-10"'), r"field 'date': '2022-13-10' is not a date"),
        (lambda t: t.replace('url = "https://tass.com/world/1385745"', 'url = "tass.com/world"'), r"field 'url': 'tass.com/world' is not a web address"),
        (lambda t: t.replace('causes = []', 'causes = ["aliens"]'), r"field 'causes': 'aliens' is not one of"),
        (lambda t: t.replace('causes_reported = ["terrorism"]', 'causes_reported = ["aliens"]'), r"field 'causes_reported': 'aliens' is not one of"),
        (lambda t: t.replace('genre = "report"', 'genre = "report"\nfundig = "x"'), r"field 'fundig': is not a known field"),
        (lambda t: t.replace('id = "tass-2022-01-10"', 'id = "tass-2022-01-11"'), r"field 'id': 'tass-2022-01-11' must equal the file name"),
        (lambda t: t.replace("[label_words]", "[label_word]"), r"field 'label_word': is not a known field"),
        (lambda t: t.split("[label_words]")[0], r"field 'label_words': is missing"),
        (lambda t: t.replace("people = [", "persons = ["), r"field 'persons': is not a known field"),
        (lambda t: t + "\nbroken = [", r"tass-2022-01-10.toml: not valid TOML"),
    ],
)
def test_bad_coverage_file(tmp_path, change, message):
    folder = write_article(tmp_path / "coverage", change(GOOD))
    with pytest.raises(kit.DataError, match=message):
        kit.load_articles(folder)


def test_duplicate_article_id(tmp_path):
    # ids equal file names, so a duplicate comes from two spellings of one name (e.g. .toml and .TOML copies
    # merged from two folders); the check itself is shared by every loader.
    from kit._fields import check_unique

    with pytest.raises(kit.DataError, match=r"b.toml: item 'x': field 'id': duplicate article id \(also in a.toml\)"):
        check_unique([("x", "a.toml"), ("y", "c.toml"), ("x", "b.toml")], "article")


def test_good_copy_loads(tmp_path):
    (article,) = kit.load_articles(write_article(tmp_path / "coverage", GOOD))
    assert article.id == "tass-2022-01-10"


RECORD_ITEM = """
[[item]]
id = "R-2022-01-05-example"
date_start = "2022-01-05"
date_end = "2022-01-05"
precision = "day"
event = "Something happened."
figures = { detained = 10 }
sources = ["https://tass.com/world/1385745"]
tags = ["unrest"]
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t, None),
        (lambda t: t + t, r"item 'R-2022-01-05-example': field 'id': duplicate record id"),
        (lambda t: t.replace('date_end = "2022-01-05"', 'date_end = "2022-01-04"'), r"item 'R-2022-01-05-example': field 'date_end': 2022-01-04 is before"),
        (lambda t: t.replace('date_start = "2022-01-05"', 'date_start = "5 Jan 2022"'), r"item 'R-2022-01-05-example': field 'date_start': '5 Jan 2022' is not a date"),
        (lambda t: t.replace('precision = "day"', 'precision = "week"'), r"item 'R-2022-01-05-example': field 'precision': 'week' is not one of"),
        (lambda t: t.replace("detained = 10", 'detained = "ten"'), r"item 'R-2022-01-05-example': field 'figures.detained': must be a number"),
        (lambda t: t.replace('sources = ["https://tass.com/world/1385745"]', "sources = []"), r"item 'R-2022-01-05-example': field 'sources': must list at least one"),
        (lambda t: t.replace('event = "Something happened."\n', ""), r"item 'R-2022-01-05-example': field 'event': is missing"),
        (lambda t: t.replace('id = "R-2022-01-05-example"', 'id = "R-2022-01-06-example"'), r"item 'R-2022-01-06-example': field 'id': .* must look like R-2022-01-05-"),
    ],
)
def test_bad_record_file(tmp_path, change, message):
    path = tmp_path / "record.toml"
    path.write_text(change(RECORD_ITEM), encoding="utf-8")
    if message is None:
        assert kit.load_record(path)[0].figures == {"detained": 10}
    else:
        with pytest.raises(kit.DataError, match=rf"record.toml: {message}"):
            kit.load_record(path)
