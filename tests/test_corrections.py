"""The content corrections of the review (issue 'Content corrections'), each checked against the data.

The evidence for each is in docs/research/corrections/FINDINGS.md (quotes from stored copies, with URLs).
"""

import re
import shutil
from pathlib import Path

import pytest

import kit
from kit import answers, compare, resources
from kit.errors import DataError


def article(article_id):
    return next(a for a in kit.load_articles() if a.id == article_id)


def cell(item, field):
    return next(a for a in answers.load_key("compare-practice").items if a.item == item and a.field == field)


def record(item_id):
    return next(r for r in kit.load_record() if r.id == item_id)


def test_tass_10_jan_own_words_and_tokayevs_are_told_apart():
    a = article("tass-2022-01-10")
    assert a.people_words == () and set(a.attributed_words) == {"bandits", "terrorists", "militants"}
    assert "mass riots" in a.event_words and "protests" in a.event_words
    assert a.deployment_words == ("peacekeepers",) and "fuel_price" not in a.causes
    assert cell("tass-2022-01-10", "people_label").labels == ("mixed_or_attributed",)


def test_qazaq_tv_carries_the_presidents_words_as_his():
    a = article("qazaqtv-2022-01-07")
    assert a.people_words == () and {"terrorists", "bandits", "militants"} <= set(a.attributed_words)
    assert cell("qazaqtv-2022-01-07", "people_label").labels == ("mixed_or_attributed",)


def test_rt_9_jan_quotes_kyrgyz_officials_and_says_deadly_riots():
    a = article("rt-2022-01-09")
    assert any("Tashiyev" in s for s in a.sources_quoted) and any("Japarov" in s for s in a.sources_quoted)
    assert "deadly riots" in a.event_words
    assert cell("rt-2022-01-09", "sources").labels == ("officials_only",)


def test_the_russian_foreign_ministry_spoke_of_outside_inspiration_on_6_january():
    mfa = record("R-2022-01-06-russia-mfa-outside")
    assert str(mfa.date_start) == "2022-01-06" and "inspired from outside" in mfa.event and mfa.sources
    assert "first time" not in record("R-2022-01-10-putin-color-revolution").event
    c33 = answers.load_key("verdicts-practice").item("C33")
    assert "R-2022-01-06-russia-mfa-outside" in c33.record and "only from 10 Jan" not in c33.evidence


def test_the_164_toll_is_an_attribution_and_its_denial_is_recorded():
    assert "whose toll then stood at 164 dead" not in article("ap-2022-01-10").digest
    assert "denied" in article("ap-2022-01-10").digest
    denied = record("R-2022-01-09-toll-164-denied")
    assert "technical error" in denied.event and len(denied.sources) >= 2


def test_the_drafts_bind_russia_and_the_1997_members_alike():
    drafts = record("R-2021-12-17-drafts-published").event
    assert "bound Russia and the states that were NATO members on 27 May 1997 alike" in drafts
    assert "older members" not in drafts


def test_the_editorials_own_phrase_for_the_deployment_is_in_its_row():
    assert "to help restore order" in article("scf-2022-01-07").deployment_words


def test_the_grid_asks_only_what_the_material_can_decide():
    """A field answered 'not determinable' for most articles teaches little: the CSTO frame (18 of 21) was dropped,
    and the outlets' own words for the force stay on the cards, unscored."""
    from collections import Counter

    from kit import taxonomy

    key = answers.load_key("compare-practice")
    articles = len(kit.load_articles())
    for f in taxonomy.grid_fields():
        undecided = Counter(c.labels[0] for c in key.items if c.field == f.code)["not_determinable"]
        assert undecided <= articles // 2, f"{f.code}: {undecided} of {articles} not determinable"
    assert sum(bool(a.deployment_words) for a in kit.load_articles()) >= 4  # shown on the cards


def test_wording_corrections():
    key = answers.load_key("verdicts-practice")
    c20 = key.item("C20").evidence
    assert "detained on suspicion of treason" in c20 and "arrested for treason" not in c20
    assert "wrong organiser" not in c20 and "could not rule out" in c20  # the EU's words, not the kit's verdict
    assert "flight from Kyiv in February 2014" in next(r.event for r in kit.load_record() if "Euromaidan" in r.event)
    assert "in which President Yanukovych fled" not in "".join(r.event for r in kit.load_record())
    assert "about an event" in key.item("C35").evidence


def test_evidence_says_the_fact():
    key = answers.load_key("verdicts-practice")
    area = [record(r) for r in key.item("C19").record]
    assert any("2,724,900" in r.event and "550,000" in r.event for r in area)
    members = " ".join(record(r).event for r in key.item("C25").record)
    assert all(m in members for m in ("Russia", "Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Tajikistan"))
    contingents = " ".join(record(r).event for r in key.item("C4").record)
    assert "150" in contingents and "2,030" in contingents and "Tajikistan" in contingents


def test_every_outlet_is_described_by_one_sourcing_rule():
    """Owner and funder come from a named source with a URL, for Western, Russian, Chinese, Kazakh and Gulf rows alike."""
    by_outlet = {}
    for a in kit.load_articles():
        assert a.ownership_urls, f"{a.id}: ownership stated without a URL"
        assert "general knowledge" not in a.ownership_source and "'Type' column" not in a.ownership_source, a.id
        assert a.funding != "unknown" or "not found" in a.ownership_note or "disagree" in a.ownership_note \
            or "not documented" in a.ownership_note, f"{a.id}: funding unknown without saying why"
        described = (a.function, a.funding, a.country, a.ownership_note, a.ownership_urls)
        assert by_outlet.setdefault(a.outlet, described) == described, f"{a.outlet}: rows describe it differently"


def test_the_nationals_owner_is_named():
    a = article("thenational-2022-01-05")
    assert "International Media Investments" in a.ownership_note and "Sheikh Mansour" in a.ownership_note
    assert "Abu Dhabi Media" in a.ownership_note and "https://statemediamonitor.com/?p=1194" in a.ownership_urls


# --- one rule for similar items (the keys) ---------------------------------------------------------


def claim(unit):
    return next(i for i in answers.load_key("claims-practice").items if i.id == unit)


def span(span_id):
    return next(s for s in answers.load_key("techniques-practice").items if s.id == span_id)


def test_a_trigger_named_with_over_is_causal_as_in_the_lessons_example():
    assert claim("p07.s2").labels[0] == "CAUSAL" and "CHECK" not in claim("p07.s2").labels


def test_moscows_demand_and_moscows_deadline_get_the_same_type():
    assert claim("p04.s2").labels[0] == claim("p05.s5").labels[0] == "ATTRIB"


def test_insinuations_that_the_unrest_was_planned_share_one_technique():
    assert {span(s).labels[0] for s in ("S01", "S03", "S27")} == {"T11"}


# --- causes an outlet gives vs causes it only reports ---------------------------------------------


def test_outlets_that_test_the_terrorism_claim_only_report_it():
    for article_id in ("rferl-2022-01-09", "bne-2022-01-11", "thediplomat-2022-01-10"):
        a = article(article_id)
        assert "terrorism" in a.causes_reported and "terrorism" not in a.causes, article_id
    assert "foreign_interference" in article("scf-2022-01-07").causes  # the editorial asserts its own cause


def test_the_cause_chart_colours_only_causes_given_in_the_outlets_own_voice():
    heat = compare.causes_chart("country").data[0]
    row = heat["y"].index("Terrorism")
    us = next(i for i, x in enumerate(heat["x"]) if x.startswith("United States"))
    assert heat["z"][row][us] == 0 and heat["text"][row][us] == "+ 3 reported"  # RFE/RL 9 Jan, AP 10 Jan, The Diplomat


def test_a_cause_cannot_be_both_given_and_only_reported(tmp_path):
    folder = tmp_path / "coverage"
    shutil.copytree(Path(str(resources.data_root())) / "coverage", folder)
    row = folder / "bne-2022-01-11.toml"
    row.write_text(row.read_text(encoding="utf-8").replace('causes = []', 'causes = ["terrorism"]'), encoding="utf-8")
    with pytest.raises(DataError, match="terrorism cannot be both given and only reported"):
        kit.load_articles(folder)


def test_lesson_02_names_passages_of_another_text_some_of_them_decoys(tmp_path):
    """Step 1 highlights passages of a text written for the kit, not the editorial's that step 2 asks students to
    find, and some carry no technique: 'no technique' is an answer (x), scored like any other."""
    from kit import taxonomy
    from kit.widgets import SelfCheck, Tagger

    case = kit.load_case("practice-quellby")
    key = case.key("techniques-name-practice")
    decoys = [a for a in key.items if a.labels == ("NONE",)]
    assert len(decoys) >= 3 and "written for the kit" in case.licence.lower()
    assert {label for a in key.items for label in a.labels} >= {t.code for t in taxonomy.techniques(core_only=True)}
    editorial = kit.load_editorial().text
    assert not [a.quote for a in key.items if a.quote in editorial]
    with pytest.raises(DataError, match="NONE"):  # "no technique" is a label of the naming exercise only
        answers.read_key_file(case.folder / "keys" / "techniques-name.toml", "span", document=case.document)
    names = Tagger("techniques-name-practice", case=case, work_dir=tmp_path)
    first, second = decoys[0], next(a for a in key.items if a.labels != ("NONE",))
    for answer, label in ((first, "NONE"), (second, "NONE")):  # right for the decoy, wrong for the technique
        assert names.apply({"op": "set", "tag": {"kind": "span", "start": answer.start, "end": answer.end,
                                                 "quote": answer.quote, "label": label}})["ok"]
    check = SelfCheck(names).check
    outcomes = {item.item: item.outcome for item in check.result.items}
    assert outcomes[first.id] == "correct" and outcomes[second.id] == "wrong"
    names.close()


def test_an_export_that_still_answers_the_dropped_field_is_graded(tmp_path):
    from kit import grading

    [export] = grading.demo_class(1, 0, "compare-practice")
    grading.write_exports([export], tmp_path / "a")
    before = grading.grade([tmp_path / "a"], exercise="compare-practice", out=tmp_path / "ga")
    export["tags"].append({"kind": "cell", "item": "tass-2022-01-10", "field": "csto_frame", "label": "stabilising",
                           "note": ""})  # made before the field was dropped
    grading.write_exports([export], tmp_path / "b")
    after = grading.grade([tmp_path / "b"], exercise="compare-practice", out=tmp_path / "gb")
    assert not after.rejected and after.graded[0].result.score == before.graded[0].result.score
