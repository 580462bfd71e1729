"""Tags, the journal that never loses work, export and validation."""

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit
from kit import resources, tags
from kit.tags import Session, TagError

SCHEMA = json.loads(resources.read_bytes("schema/kit-tags.v1.schema.json"))


def sentence(unit="p08.s2", label="CHECK", **extra):
    return {"kind": "sentence", "unit": unit, "label": label, **extra}


@pytest.fixture
def session(tmp_path):
    s = Session("claims-practice", work_dir=tmp_path)
    yield s
    s.close()


def test_set_replace_delete_undo_redo(session):
    session.set(sentence(label="CHECK", note="numbers"))
    session.set(sentence(label="ATTRIB"))  # same unit: replaces
    assert [t["label"] for t in session.tags] == ["ATTRIB"]
    assert session.delete(("sentence", "p08.s2"))
    assert session.tags == []
    assert session.undo() and session.tags[0]["label"] == "ATTRIB"
    assert session.undo() and session.tags[0]["label"] == "CHECK"
    assert session.redo() and session.tags[0]["label"] == "ATTRIB"
    session.set(sentence("title", "SPEC"))  # a new edit clears the redo stack
    assert not session.can_redo


def test_bad_edits_are_refused_with_codes(session):
    for tag, code in [
        (sentence(unit="p99.s1"), "unknown_unit"),
        (sentence(label="T2"), "unknown_label"),
        ({"kind": "span", "start": 0, "end": 3, "label": "T1"}, "unknown_kind"),
        (sentence(checkworthy="yes"), "wrong_type"),
        (sentence(note="x" * 3000), "too_large"),
    ]:
        with pytest.raises(TagError) as info:
            session.set(tag)
        assert info.value.code == code
    assert session.tags == [] and not session.can_undo


def test_span_rules(tmp_path, editorial):
    s = Session("techniques-practice", work_dir=tmp_path)
    s.set({"kind": "span", "start": 1611, "end": 1637, "label": "T2"})
    s.set({"kind": "span", "start": 1611, "end": 1637, "label": "T4"})  # another label may overlap
    with pytest.raises(TagError, match="may not overlap") as info:
        s.set({"kind": "span", "start": 1623, "end": 1637, "label": "T2"})
    assert info.value.code == "same_label_overlap"
    with pytest.raises(TagError) as info:
        s.set({"kind": "span", "start": 1611, "end": 1637, "quote": "something else", "label": "T1"})
    assert info.value.code == "quote_mismatch"
    with pytest.raises(TagError) as info:
        s.set({"kind": "span", "start": 1637, "end": 1611, "label": "T1"})
    assert info.value.code == "offsets_reversed"
    assert s.tags[0]["quote"] == "NATO-backed regime in Kiev"
    s.close()


def test_restore_after_restart_keeps_tags_notes_student_and_undo(tmp_path):
    first = Session("claims-practice", work_dir=tmp_path)
    first.set(sentence("p01.s1", "SPEC", note="'inevitably' hints"))
    first.set(sentence("p01.s1", "OPINION"))
    first.set_student("s123", "Ada")
    first.close()  # the kernel restarts
    second = Session("claims-practice", work_dir=tmp_path)
    assert second.tags == [sentence("p01.s1", "OPINION", checkworthy=False, note="")]
    assert second.student == {"id": "s123", "name": "Ada"}
    assert second.undo() and second.tags[0]["note"] == "'inevitably' hints"
    second.close()


def test_fsync_happens_before_the_state_changes(tmp_path, monkeypatch):
    s = Session("claims-practice", work_dir=tmp_path)
    seen = []
    real_fsync = os.fsync

    def spy(fd):
        seen.append(len(s.tags))  # what the caller could see at the moment of the fsync
        real_fsync(fd)

    monkeypatch.setattr(tags.os, "fsync", spy)
    s.set(sentence())
    assert seen == [0] and len(s.tags) == 1
    lines = s.journal_path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["tag"]["unit"] == "p08.s2"
    s.close()


def test_damaged_line_is_skipped_reported_and_kept(tmp_path):
    s = Session("claims-practice", work_dir=tmp_path)
    s.set(sentence("p01.s1", "SPEC"))
    s.set(sentence("p01.s2", "CHECK"))
    s.close()
    path = s.journal_path
    lines = path.read_bytes().split(b"\n")
    lines.insert(2, b'{"op": "set", "tag": {"kind": "sent')  # a damaged line in the middle
    path.write_bytes(b"\n".join(lines) + b'{"op":"set","tag":{"ki')  # and a torn last line
    again = Session("claims-practice", work_dir=tmp_path)
    assert [t["unit"] for t in again.tags] == ["p01.s1", "p01.s2"]
    assert any("2 damaged line(s)" in m for m in again.messages)
    assert any("kept as claims-practice.journal.damaged-" in m for m in again.messages)
    backups = list(tmp_path.glob("claims-practice.journal.damaged-*.jsonl"))
    assert len(backups) == 1 and b'"kind": "sent' in backups[0].read_bytes()
    # compaction rewrote a clean journal, which still takes new edits
    assert all(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    again.set(sentence("p02.s1", "CHECK"))
    again.close()
    assert len(Session("claims-practice", work_dir=tmp_path).tags) == 3


HOLDER = textwrap.dedent("""
    import sys
    from kit.tags import Session
    s = Session("claims-practice", work_dir=sys.argv[1])
    s.set({"kind": "sentence", "unit": "title", "label": "SPEC"})
    print("ready", flush=True)
    sys.stdin.readline()
    s.set({"kind": "sentence", "unit": "standfirst", "label": "OPINION"})
    s.close()
""")


def test_two_kernels_on_one_exercise(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(kit.__file__).parents[1])
    try:
        assert holder.stdout.readline().strip() == "ready"
        second = Session("claims-practice", work_dir=tmp_path)
        assert second.read_only
        assert any("read-only" in m for m in second.messages)
        assert [t["unit"] for t in second.tags] == ["title"]  # it still shows the work
        with pytest.raises(kit.KitError, match="read-only"):
            second.set(sentence())
        second.close()
        holder.communicate("go\n", timeout=30)
    finally:
        holder.kill()
    third = Session("claims-practice", work_dir=tmp_path)  # the first kernel has gone: writable again
    assert not third.read_only and [t["unit"] for t in third.tags] == ["standfirst", "title"]
    third.close()


def test_rerunning_the_cell_in_the_same_kernel_takes_over(tmp_path):
    old = Session("claims-practice", work_dir=tmp_path)
    new = Session("claims-practice", work_dir=tmp_path)
    assert not new.read_only
    with pytest.raises(kit.KitError, match="replaced by a newer one"):
        old.set(sentence())
    new.set(sentence())
    new.close()


def test_export_validates_against_schema_and_validator(session, tmp_path):
    session.set(sentence(checkworthy=True, note="<script>alert(1)</script>"))
    with pytest.raises(kit.KitError, match="student id"):
        session.export()
    session.set_student("s-42", "Ada Lovelace")
    path = session.export()
    assert path == tmp_path / "exports" / "s-42-claims-practice.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert tags.validate_export(data) == []
    assert data["document"] == {"id": "scf-2022-01-07", "sha256": kit.load_editorial().sha256}
    assert data["tags"][0]["note"] == "<script>alert(1)</script>"  # stored as typed; escaped wherever shown


def test_student_ids_are_checked(session):
    for bad in ["", "../etc", "a/b", "tab\there", "x" * 65, "=cmd"]:
        with pytest.raises(TagError) as info:
            session.set_student(bad)
        assert info.value.code == "bad_student_id"


def test_remembered_student_and_hub_user(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    assert tags.remembered_student(tmp_path) == {"id": "alice", "name": "", "from": "JUPYTERHUB_USER"}
    tags.remember_student(tmp_path, "alice2")
    assert tags.remembered_student(tmp_path)["id"] == "alice2"


# --- property: the journal replays to what an independent model computes ------------------------

UNITS = ["title", "p01.s1", "p08.s2"]
LABELS = ["CHECK", "SPEC", "OPINION"]
op_strategy = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(UNITS), st.sampled_from(LABELS)),
    st.tuples(st.just("delete"), st.sampled_from(UNITS), st.just("")),
    st.tuples(st.just("undo"), st.just(""), st.just("")),
    st.tuples(st.just("redo"), st.just(""), st.just("")),
)


class ReferenceModel:
    """Undo as a list of snapshots with a pointer: independent of TagState's reverse-edit stacks."""

    def __init__(self):
        self.history = [{}]
        self.at = 0

    def now(self):
        return self.history[self.at]

    def apply(self, op, unit, label):
        if op == "undo":
            if self.at == 0:
                return False
            self.at -= 1
        elif op == "redo":
            if self.at == len(self.history) - 1:
                return False
            self.at += 1
        else:
            state = dict(self.now())
            if op == "set":
                state[unit] = label
            elif unit in state:
                del state[unit]
            else:
                return False
            self.history = self.history[: self.at + 1] + [state]
            self.at += 1
        return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op_strategy, max_size=25), torn=st.booleans(), cut=st.integers(1, 30))
def test_journal_replay_equals_reference_model(tmp_path_factory, ops, torn, cut):
    work = tmp_path_factory.mktemp("journal")
    s = Session("claims-practice", work_dir=work)
    ref = ReferenceModel()
    snapshots = [dict(ref.now())]  # the reference state after each journaled edit
    for op, unit, label in ops:
        if op == "set":
            done = bool(s.set(sentence(unit, label)))
        elif op == "delete":
            done = s.delete(("sentence", unit))
        else:
            done = getattr(s, op)()
        assert ref.apply(op, unit, label) == done
        if done:
            snapshots.append(dict(ref.now()))
    s.close()
    expected = snapshots[-1]
    if torn and len(snapshots) > 1:  # the last line was cut mid-write: the last edit is lost, nothing else
        raw = s.journal_path.read_bytes()
        last_line_start = raw.rstrip(b"\n").rfind(b"\n") + 1
        keep = max(last_line_start + 1, len(raw) - cut)
        s.journal_path.write_bytes(raw[: min(keep, len(raw) - 2)])
        expected = snapshots[-2]
    again = Session("claims-practice", work_dir=work)
    assert {t["unit"]: t["label"] for t in again.tags} == expected
    again.close()


# --- the fast validator agrees with the JSON Schema --------------------------------------------

def valid_export():
    return {"format": "kit-tags", "version": 1, "kit_version": "0.1.0", "exercise": "claims-practice",
            "document": {"id": "scf-2022-01-07", "sha256": kit.load_editorial().sha256},
            "student": {"id": "s1", "name": ""}, "saved_at": "2026-01-01T10:00:00Z",
            "tags": [sentence(checkworthy=True, note=""),
                     {"kind": "span", "start": 1611, "end": 1637, "quote": "NATO-backed regime in Kiev", "label": "T2"},
                     {"kind": "verdict", "claim": "C26", "label": "inaccurate", "evidence": ["R-x"], "note": ""},
                     {"kind": "cell", "item": "tass-2022-01-10", "field": "people_label", "label": "delegitimising"}]}


ODD_VALUES = st.sampled_from([None, "x", "", 0, 7, -1, True, False, [], ["x"], [1], {}, {"id": "s"}])


@st.composite
def mutated_export(draw):
    data = valid_export()
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(["top", "document", "student", "tag"]))
        if target == "top":
            obj = data
        elif target == "tag" and data.get("tags") and isinstance(data["tags"], list):
            obj = draw(st.sampled_from(data["tags"]))
            if not isinstance(obj, dict):
                continue
        elif isinstance(data.get(target), dict):
            obj = data[target]
        else:
            continue
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        keys = sorted(obj)
        if action == "add" or not keys:
            obj[draw(st.sampled_from(["extra", "kind", "note", "name", "evidence", "start", "outside"]))] = \
                copy.deepcopy(draw(ODD_VALUES))  # a copy: a later mutation must not change the strategy's values
        elif action == "delete":
            del obj[draw(st.sampled_from(keys))]
        else:
            obj[draw(st.sampled_from(keys))] = copy.deepcopy(draw(ODD_VALUES))
    return data


@settings(max_examples=400, deadline=None)
@given(mutated_export())
def test_structure_validator_agrees_with_the_schema(data):
    schema_ok = jsonschema.Draft202012Validator(SCHEMA).is_valid(data)
    assert (tags.validate_structure(data) == []) == schema_ok, tags.validate_structure(data)


def test_the_schema_is_itself_valid():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert jsonschema.Draft202012Validator(SCHEMA).is_valid(valid_export())


def test_outside_sources_are_web_addresses_few_and_unscored(tmp_path):
    s = tags.Session("verdicts-practice", work_dir=tmp_path)
    base = {"kind": "verdict", "claim": "C26", "label": "inaccurate", "evidence": ["R-2022-01-05-psaki-denial"]}
    assert "outside" not in s.set(base)  # no outside sources: the tag is as it always was
    saved = s.set(base | {"outside": ["https://example.org/a", "http://example.org/b"]})
    assert saved["outside"] == ["https://example.org/a", "http://example.org/b"]
    for bad, code in ((["example.org"], "bad_url"), (["https://a b"], "bad_url"), ("https://x.org", "wrong_type"),
                      (["https://x.org"] * 2, "duplicate_tag"),
                      ([f"https://x.org/{i}" for i in range(tags.MAX_OUTSIDE + 1)], "too_many")):
        with pytest.raises(tags.TagError) as err:
            s.set(base | {"outside": bad})
        assert err.value.code == code
    from kit import selfcheck
    with_sources = selfcheck.check("verdicts-practice", s.tags).score
    s.set(base)
    assert selfcheck.check("verdicts-practice", s.tags).score == with_sources  # not scored
    s.close()
