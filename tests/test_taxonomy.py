"""The tag scheme as the kit ships it."""

import pytest

import kit
from kit import taxonomy


def test_claim_types_in_decision_order():
    codes = [c.code for c in taxonomy.claim_types()]
    assert codes == ["NONASSERT", "ATTRIB", "SPEC", "CAUSAL", "CHECK", "OPINION"]
    assert [c.key for c in taxonomy.claim_types()] == ["1", "2", "3", "4", "5", "6"]
    assert all(c.question.endswith("?") and c.tips for c in taxonomy.claim_types())


def test_fifteen_techniques_with_semeval_names():
    techniques = taxonomy.techniques()
    assert [t.code for t in techniques] == [f"T{i}" for i in range(1, 16)]
    for t in techniques:
        assert t.semeval2023 and t.semeval2023_category and t.definition and t.tips
        assert t.example_span in t.example
    assert taxonomy.technique("T1").semeval2020 == "Loaded_Language"
    assert taxonomy.technique("T13").semeval2020 == ""  # no SemEval-2020 class; the note says so
    assert taxonomy.technique("T13").mapping_note


def test_core_ten_and_their_keys():
    core = taxonomy.techniques(core_only=True)
    assert [t.code for t in core] == list(taxonomy.CORE_TEN)
    assert [t.key for t in core] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
    assert all(t.key == "" for t in taxonomy.techniques() if not t.core)


def test_verdicts_match_the_export_contract():
    assert [v.code for v in taxonomy.verdicts()] == [
        "accurate", "partly_accurate", "misleading", "inaccurate", "unverifiable", "not_factual"]


def test_grid_fields_are_closed_and_allow_not_determinable():
    fields = {g.code: g for g in taxonomy.grid_fields()}
    assert list(fields) == ["people_label", "event_name", "cause", "sources"]
    for field in fields.values():
        assert field.codes[-1] == "not_determinable"
        assert len(set(field.codes)) == len(field.codes) >= 4


def test_rules_and_labels():
    rules = taxonomy.rules()
    assert rules.decision_order and rules.checkworthy and len(rules.span_rules) >= 4
    assert taxonomy.label_of("T2") == "Name-calling / labelling"
    assert taxonomy.label_of("CHECK") == taxonomy.claim_type("CHECK").label


def test_unknown_code_lists_the_known_ones():
    with pytest.raises(kit.KitError, match=r"unknown technique 'T16'; known: T1, T2"):
        taxonomy.technique("T16")


def test_examples_are_not_taken_from_the_editorial(editorial):
    for item in (*taxonomy.claim_types(), *taxonomy.techniques()):
        words = item.example.split()
        for i in range(len(words) - 4):
            assert " ".join(words[i:i + 5]) not in editorial.text, item.code


def test_bad_taxonomy_is_reported_by_field():
    from kit import resources

    data = resources.read_toml("taxonomy.toml")
    data["technique"][0] = dict(data["technique"][0], example_span="not in the example")
    with pytest.raises(kit.DataError, match=r"taxonomy.toml: item 'T1': field 'example_span'"):
        taxonomy.parse_taxonomy(data)
    data = resources.read_toml("taxonomy.toml")
    data["grid_field"][0]["value"] = data["grid_field"][0]["value"][:-1]
    with pytest.raises(kit.DataError, match="must end with 'not_determinable'"):
        taxonomy.parse_taxonomy(data)
