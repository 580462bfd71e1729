"""Exercise definitions and reference keys: complete, consistent, sourced. Any slip fails here."""

from collections import Counter

import pytest

import kit
from kit import answers, resources, taxonomy

DOSSIER_COUNTS = {"accurate": 19, "partly_accurate": 2, "inaccurate": 3, "misleading": 4, "unverifiable": 2,
                  "not_factual": 6}


@pytest.fixture(scope="module")
def claims():
    return answers.load_key("claims-practice")


@pytest.fixture(scope="module")
def technique_key():
    return answers._builtin_key("techniques", "span")  # the whole key, all fifteen techniques


@pytest.fixture(scope="module")
def verdicts():
    return answers.load_key("verdicts-practice")


@pytest.fixture(scope="module")
def grid():
    return answers.load_key("compare-practice")


def test_exercises_practice_and_graded():
    ids = {e.id for e in answers.exercises()}
    assert {"claims-practice", "techniques-practice", "verdicts-practice", "compare-practice",
            "compare"} <= ids
    # the graded claims, techniques and verdicts exercises are on unseen texts (kit.cases), not the editorial
    assert not ids & {"claims", "techniques", "verdicts"}
    for ex in answers.exercises():
        assert ex.document == kit.load_editorial().id
        assert (ex.mode == "practice") == ex.id.endswith("-practice")


def test_all_47_units_keyed_in_order(claims, editorial):
    assert [a.unit for a in claims.items] == [u.id for u in editorial.units]
    for answer in claims.items:
        assert 1 <= len(answer.labels) <= 2
        assert 0 < len(answer.why) and answer.why.count(". ") <= 4


def test_span_key(technique_key, editorial):
    spans = technique_key.items
    assert 30 <= len(spans) <= 60
    for span in spans:
        assert editorial.text[span.start:span.end] == span.quote
        assert editorial.on_token_boundaries(span.start, span.end)
        assert set(span.labels) <= {t.code for t in taxonomy.techniques()}
    assert [s.id for s in spans] == [f"S{i:02d}" for i in range(1, len(spans) + 1)]
    assert [s.start for s in spans] == sorted(s.start for s in spans)
    for label in {lab for s in spans for lab in s.labels}:
        same = sorted((s for s in spans if label in s.labels), key=lambda s: s.start)
        for a, b in zip(same, same[1:]):
            assert b.start >= a.end, f"{a.id} and {b.id} overlap with {label}"


# Core techniques this text uses only once. Forcing a second instance would break the annotation
# rule "when in doubt, don't tag"; the key's header comment says the same.
USED_ONCE = {"T5": "only as a second reading of the counter-charge against Kyiv (p04.s5)",
             "T7": "only 'astute observers' (p10.s1)"}


def test_every_core_technique_that_occurs_has_two_spans(technique_key):
    listed = Counter(label for s in technique_key.items for label in s.labels)
    for code in taxonomy.CORE_TEN:
        if code in USED_ONCE:
            assert listed[code] == 1, f"{code} now occurs {listed[code]} times: update USED_ONCE"
        else:
            assert listed[code] == 0 or listed[code] >= 2, code


def test_controls_are_untagged_sentences(technique_key, editorial):
    assert len(technique_key.controls) >= 5
    for control in technique_key.controls:
        unit = editorial.unit(control.unit)
        assert not any(s.start < unit.end and unit.start < s.end for s in technique_key.items)


def test_core_exercise_key_is_filtered_to_the_core_ten(technique_key):
    core = answers.load_key("techniques-practice")
    assert all(set(s.labels) <= set(taxonomy.CORE_TEN) for s in core.items)
    assert {s.id for s in core.items} == {s.id for s in technique_key.items if set(s.labels) & set(taxonomy.CORE_TEN)}


def test_verdicts_cover_c1_to_c36(verdicts, editorial):
    assert [v.id for v in verdicts.items] == [f"C{i}" for i in range(1, 37)]
    record = {r.id for r in kit.load_record()}
    for v in verdicts.items:
        assert v.record and set(v.record) <= record
        assert v.sources and all(u.startswith("http") for u in v.sources)
        assert v.units and all(editorial.unit(u) for u in v.units)
        assert v.evidence


def test_verdict_counts_match_the_dossier(verdicts):
    assert Counter(v.labels[0] for v in verdicts.items) == DOSSIER_COUNTS


def test_many_to_many_mapping(verdicts):
    by_id = {v.id: v for v in verdicts.items}
    assert set(by_id["C1"].units) == {"standfirst", "p09.s1"}
    assert all(u.startswith("p14") for u in by_id["C36"].units) and len(by_id["C36"].units) >= 2


def test_careful_where_the_dossier_is_careful(verdicts):
    by_id = {v.id: v for v in verdicts.items}
    c29 = by_id["C29"]
    assert c29.labels[0] == "misleading" and "CIA" in c29.evidence
    assert "no ties" not in c29.evidence.lower() and "no government ties" not in c29.evidence.lower()
    assert by_id["C28"].caveat and by_id["C26"].caveat
    assert by_id["C4"].labels[0] == "inaccurate" and by_id["C21"].labels[0] == "inaccurate"
    assert by_id["C26"].labels[0] == "inaccurate"


def test_grid_has_every_field_for_every_article(grid):
    articles = [a.id for a in kit.load_articles()]
    fields = [f.code for f in taxonomy.grid_fields()]
    assert sorted(c.id for c in grid.items) == sorted(f"{a}:{f}" for a in articles for f in fields)
    for cell in grid.items:
        assert set(cell.labels) <= set(taxonomy.grid_field(cell.field).codes)


def test_key_size_report(claims, technique_key, verdicts, grid):
    report = [
        "units per claim type: " + ", ".join(f"{k} {v}" for k, v in Counter(a.labels[0] for a in claims.items).most_common()),
        f"units accepting two labels: {sum(len(a.labels) > 1 for a in claims.items)}; "
        f"check-worthy: {sum(a.checkworthy for a in claims.items)}",
        "spans per technique: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(
            s.labels[0] for s in technique_key.items).items(), key=lambda kv: int(kv[0][1:]))),
        f"spans {len(technique_key.items)}, controls {len(technique_key.controls)}",
        "verdicts: " + ", ".join(f"{k} {v}" for k, v in Counter(v.labels[0] for v in verdicts.items).most_common()),
        "grid not_determinable: " + str(sum(c.labels[0] == "not_determinable" for c in grid.items)) + f" of {len(grid.items)}",
    ]
    print("\n" + "\n".join(report))
    assert len(report) == 6


# --- a bad key fails on load, naming the file, the item and the field -------------------------------


def _span_data():
    return resources.read_toml("keys/techniques.toml")


def test_quote_that_does_not_match_the_text():
    data = _span_data()
    data["span"][0]["quote"] = data["span"][0]["quote"] + "x"
    with pytest.raises(kit.DataError, match=r"k.toml: item 'S01': field 'quote': .* is not the text at"):
        answers.parse_key(data, "k.toml", "span")


def test_span_off_token_boundaries():
    data = _span_data()
    data["span"][0]["start"] += 1
    data["span"][0]["quote"] = kit.load_editorial().text[data["span"][0]["start"]:data["span"][0]["end"]]
    with pytest.raises(kit.DataError, match="does not start and end on word boundaries"):
        answers.parse_key(data, "k.toml", "span")


def test_same_label_overlap():
    data = _span_data()
    first = dict(data["span"][0], id="S99")
    data["span"].append(first)
    with pytest.raises(kit.DataError, match="overlaps S01 with the same label"):
        answers.parse_key(data, "k.toml", "span")


def test_unknown_record_item_and_wrong_hash():
    data = resources.read_toml("keys/verdicts.toml")
    data["claim"][0]["record"] = ["R-2022-01-01-invented"]
    with pytest.raises(kit.DataError, match=r"item 'C1': field 'record': 'R-2022-01-01-invented' is not an item"):
        answers.parse_key(data, "k.toml", "verdict")
    data = resources.read_toml("keys/claims.toml")
    data["sha256"] = "0" * 64
    with pytest.raises(kit.DataError, match="another version of the text"):
        answers.parse_key(data, "k.toml", "sentence")


def test_unknown_unit_and_label():
    data = resources.read_toml("keys/claims.toml")
    data["unit"][0]["unit"] = "p99.s1"
    with pytest.raises(kit.DataError, match=r"field 'unit': .*no unit 'p99.s1'"):
        answers.parse_key(data, "k.toml", "sentence")
    data = resources.read_toml("keys/claims.toml")
    data["unit"][0]["labels"] = ["FACT"]
    with pytest.raises(kit.DataError, match=r"field 'labels': 'FACT' is not one of"):
        answers.parse_key(data, "k.toml", "sentence")


def test_private_key_file_in_json(tmp_path):
    import json

    path = tmp_path / "private.json"
    path.write_text(json.dumps(resources.read_toml("keys/claims.toml")), encoding="utf-8")
    assert answers.load_key("claims-practice", path).ids == answers.load_key("claims-practice").ids
    with pytest.raises(kit.KitError, match="no such key file"):
        answers.load_key("claims-practice", tmp_path / "missing.toml")


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(kit.KitError, match="unknown exercise 'claim'; known: claims-practice"):
        answers.load_key("claim")


def test_load_key_is_public():
    assert kit.load_key("claims-practice").ids == answers.load_key("claims-practice").ids


def test_a_graded_exercise_with_a_private_key_asks_for_it_in_one_line():
    from kit import answers

    data = {"id": "private", "title": "Graded on a private key", "document": "scf-2022-01-07", "kind": "sentence",
            "task": "label", "label_set": "claim_types", "points": 47, "mode": "graded", "key": "",
            "instructions": "Written for the test."}
    ex = answers.parse_exercise(data, "private.toml")
    with pytest.raises(kit.KitError) as info:
        answers.load_key(ex)
    message = str(info.value)
    assert "pass it with --key FILE" in message and "\n" not in message
    with pytest.raises(kit.KitError, match="practice exercise needs its key"):
        answers.parse_exercise(dict(data, mode="practice"), "private.toml")


def test_the_package_holds_only_practice_keys():
    from kit import answers, resources

    shipped = {rel.rsplit("/", 1)[-1][:-5] for rel in resources.list_files("keys", ".toml")}
    practice = {e.key for e in answers.exercises() if e.mode == "practice"}
    assert shipped == practice  # every key that ships is a practice key (graded work brings its own)
