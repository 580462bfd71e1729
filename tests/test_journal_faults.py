"""The journal under faults: a full disk, short writes, cut copies, read-only folders, damaged headers,
malformed browser messages. A confirmed edit is never lost, a refused one is always answered."""

import contextlib
import errno
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import kit
from kit import journal, tags
from kit.journal import JournalError
from kit.tags import Session
from kit.widgets import Tagger


def sentence(unit, label="CHECK", note=""):
    return {"kind": "sentence", "unit": unit, "label": label, "note": note}


ROOT = Path(kit.__file__).parents[1]
UNITS = [u.id for u in kit.load_editorial().units]


@contextlib.contextmanager
def mounted_tmpfs(path, size="64k"):
    """A small tmpfs at ``path``, or a skip where this machine does not allow mounting."""
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _filled(folder, leave):
    """Fill ``folder``'s file system until only about ``leave`` bytes are free; returns the filler file."""
    filler = folder / "filler.bin"
    with open(filler, "wb") as handle:
        while os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize > leave:
            try:
                handle.write(b"\0" * 1024)
                handle.flush()
            except OSError:
                break
    return filler


def test_full_disk_on_a_real_tmpfs_loses_no_confirmed_edit(tmp_path):
    with mounted_tmpfs(tmp_path / "small") as folder:
        t = Tagger("claims-practice", work_dir=folder)
        filler = _filled(folder, leave=6000)
        confirmed, refused = [], []
        for unit in UNITS:
            result = t.apply({"op": "set", "tag": sentence(unit, note="n" * 900)})
            (confirmed if result["ok"] else refused).append((unit, result))
        assert confirmed and refused, "the disk should fill part-way through"
        message = refused[0][1]["message"]
        assert "disk is full" in message and "earlier work is safe" in message
        assert t.status == message  # shown, not only returned
        assert [tg["unit"] for tg in t.tags] == sorted(u for u, _ in confirmed)
        assert t.session.journal_path.read_bytes().endswith(b"\n")  # cut back to the last whole line
        filler.unlink()  # space is back: the next edit is saved and nothing is glued to a torn line
        assert t.apply({"op": "set", "tag": sentence(refused[0][0], "SPEC")})["ok"]
        t.close()
        again = Session("claims-practice", work_dir=folder)
        assert not any("damaged" in m for m in again.messages)
        assert {tg["unit"] for tg in again.tags} == {u for u, _ in confirmed} | {refused[0][0]}
        again.close()


def test_a_short_write_then_enospc_is_cut_back_and_refused(tmp_path, monkeypatch):
    s = Session("claims-practice", work_dir=tmp_path)
    s.set(sentence("title"))
    before = s.journal_path.read_bytes()
    real_write = os.write
    calls = []

    def short_then_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, data[: len(data) // 2])  # half the line reaches the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tags.os, "write", short_then_full)
    with pytest.raises(JournalError, match="disk is full"):
        s.set(sentence("standfirst"))
    monkeypatch.undo()
    assert len(calls) == 2
    assert s.journal_path.read_bytes() == before  # the half line is gone
    assert [t["unit"] for t in s.tags] == ["title"]  # nothing was confirmed
    s.set(sentence("p01.s1"))
    s.close()
    again = Session("claims-practice", work_dir=tmp_path)
    assert [t["unit"] for t in again.tags] == ["p01.s1", "title"] and again.messages == []
    again.close()


def test_a_failed_fsync_changes_nothing(tmp_path, monkeypatch):
    s = Session("claims-practice", work_dir=tmp_path)
    before = s.journal_path.read_bytes()

    def broken(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(tags.os, "fsync", broken)
    with pytest.raises(JournalError, match="could not be written"):
        s.set(sentence("title"))
    monkeypatch.undo()
    assert s.tags == [] and s.journal_path.read_bytes() == before
    s.close()


def test_a_journal_without_its_final_newline_keeps_the_next_edit(tmp_path):
    s = Session("claims-practice", work_dir=tmp_path)
    s.set(sentence("title"))
    s.set(sentence("standfirst"))
    s.close()
    path = s.journal_path
    path.write_bytes(path.read_bytes()[:-1])  # a copy one byte short
    again = Session("claims-practice", work_dir=tmp_path)
    again.set(sentence("p01.s1"))
    again.close()
    third = Session("claims-practice", work_dir=tmp_path)
    assert [t["unit"] for t in third.tags] == ["p01.s1", "standfirst", "title"]
    assert not any("damaged" in m for m in third.messages)
    third.close()


@pytest.fixture
def read_only_work(tmp_path):
    """A work folder with a saved tag and an export, then made read-only (tmpfs remounted read-only)."""
    with mounted_tmpfs(tmp_path / "ro", size="1m") as folder:
        s = Session("claims-practice", work_dir=folder)
        s.set(sentence("title", "SPEC"))
        s.set_student("s1")
        s.export()
        s.close()
        done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot remount read-only here ({done.stderr.strip()})")
        yield folder


def test_a_read_only_work_folder_opens_read_only_and_shows_the_tags(read_only_work, tmp_path):
    t = Tagger("claims-practice", work_dir=read_only_work)
    assert t.read_only and [tg["unit"] for tg in t.tags] == ["title"]
    assert any("cannot be written" in n for n in t.notices)
    result = t.apply({"op": "set", "tag": sentence("standfirst")})
    assert not result["ok"] and "read-only" in result["message"]
    refused = t.apply({"op": "export"})
    assert not refused["ok"] and "folder you can write" in refused["message"]
    elsewhere = t.export(tmp_path / "mine.json")  # export elsewhere works
    assert json.loads(elsewhere.read_text(encoding="utf-8"))["tags"][0]["unit"] == "title"
    t.close()


def test_an_unwritable_folder_without_a_journal_is_read_only_not_a_crash(tmp_path, monkeypatch):
    real_open = os.open

    def refuse_writes(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    def refuse_open(path, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return open(path, mode, *args, **kwargs)

    monkeypatch.setattr(tags.os, "open", refuse_writes)
    monkeypatch.setattr(journal, "open", refuse_open, raising=False)
    s = Session("claims-practice", work_dir=tmp_path)
    monkeypatch.undo()
    assert s.read_only and s.tags == [] and any("cannot be written" in m for m in s.messages)
    s.close()


ACTIVE = """
import sys
from kit.tags import Session
s = Session("claims-practice", work_dir=sys.argv[1])
s.set_student("s1")
s.set({"kind": "sentence", "unit": "title", "label": "SPEC"})
s.set({"kind": "sentence", "unit": "standfirst", "label": "OPINION"})
print(s.export(), flush=True)
sys.stdin.readline()
s.close()
"""


def test_a_read_only_copy_never_overwrites_the_hand_in_file(tmp_path):
    seed = Session("claims-practice", work_dir=tmp_path)
    seed.set_student("s1")
    seed.set({"kind": "sentence", "unit": "title", "label": "SPEC"})
    seed.close()
    # Another kernel has the exercise open and exports newer work; this one opens afterwards.
    active = subprocess.Popen([sys.executable, "-c", ACTIVE, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        newest = Path(active.stdout.readline().strip())
        before = newest.read_bytes()
        stale = Session("claims-practice", work_dir=tmp_path)
        assert stale.read_only
        with pytest.raises(tags.TagError, match="open in another notebook") as info:
            stale.export()
        assert info.value.code == "read_only"
        with pytest.raises(tags.TagError, match="open in another notebook"):
            stale.export(newest)  # named explicitly: still the hand-in file
        assert newest.read_bytes() == before
        stale.close()
        active.communicate("done\n", timeout=30)
    finally:
        active.kill()


def _header_line(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), lines


@pytest.mark.parametrize("damage", ["document_not_object", "sha_one_char", "sha_not_hex", "exercise_garbled"])
def test_a_damaged_header_is_told_apart_and_the_work_recovered(tmp_path, damage):
    s = Session("claims-practice", work_dir=tmp_path)
    s.set(sentence("title", "SPEC"))
    s.set(sentence("p01.s1"))
    s.close()
    header, lines = _header_line(s.journal_path)
    sha = header["document"]["sha256"]
    if damage == "document_not_object":
        header["document"] = "scf-2022-01-07"
    elif damage == "sha_one_char":  # still 64 hex digits, same kit version: damage, not a new text
        header["document"]["sha256"] = ("0" if sha[0] != "0" else "1") + sha[1:]
    elif damage == "sha_not_hex":
        header["document"]["sha256"] = "g" + sha[1:]
    else:
        header["exercise"] = "claims-practicX"
    s.journal_path.write_text("\n".join([json.dumps(header)] + lines[1:]) + "\n", encoding="utf-8")
    again = Session("claims-practice", work_dir=tmp_path)
    assert [t["unit"] for t in again.tags] == ["p01.s1", "title"]
    assert any("first line of your work file was damaged" in m for m in again.messages)
    assert not any("another version" in m for m in again.messages)
    assert len(list(tmp_path.glob("*.damaged-*"))) == 1
    again.close()
    third = Session("claims-practice", work_dir=tmp_path)  # repaired: opens cleanly
    assert third.messages == [] and len(third.tags) == 2
    third.close()


def test_a_real_version_change_is_named_and_what_still_fits_is_kept(tmp_path):
    s = Session("techniques-practice", work_dir=tmp_path)
    s.set({"kind": "span", "start": 1611, "end": 1637, "label": "T2"})
    s.close()
    header, lines = _header_line(s.journal_path)
    header["document"]["sha256"] = "ab" * 32
    header["kit_version"] = "0.0.1"
    moved = json.loads(lines[1])
    moved["tag"].update(start=1612, end=1638)  # the text moved under this span: its quote no longer fits
    s.journal_path.write_text("\n".join([json.dumps(header), lines[1], json.dumps(moved)]) + "\n",
                              encoding="utf-8")
    again = Session("techniques-practice", work_dir=tmp_path)
    assert [t["quote"] for t in again.tags] == ["NATO-backed regime in Kiev"]
    assert any("kit 0.0.1 for another version of the text" in m for m in again.messages)
    assert any("could not be replayed" in m for m in again.messages)
    again.close()


def test_a_journal_of_another_exercise_is_refused(tmp_path):
    s = Session("claims-practice", work_dir=tmp_path)
    s.close()
    header, lines = _header_line(s.journal_path)
    header["exercise"] = "techniques-practice"
    s.journal_path.write_text(json.dumps(header) + "\n", encoding="utf-8")
    with pytest.raises(kit.KitError, match="belongs to exercise 'techniques-practice'"):
        Session("claims-practice", work_dir=tmp_path)


def test_two_damage_events_in_one_second_keep_two_copies(tmp_path, monkeypatch):
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 1, 10, 0, 0, tzinfo=timezone.utc)

    monkeypatch.setattr(journal, "datetime", Frozen)
    s = Session("claims-practice", work_dir=tmp_path)
    s.close()
    for marker in (b"first", b"second"):
        with open(s.journal_path, "ab") as handle:
            handle.write(b"{damaged " + marker + b"\n")
        Session("claims-practice", work_dir=tmp_path).close()
    copies = sorted(tmp_path.glob("*.damaged-*"))
    assert len(copies) == 2
    assert [b"damaged first" in c.read_bytes() and b"second" not in c.read_bytes() for c in copies].count(True) == 1


def test_creating_and_compacting_the_journal_fsync_the_folder(tmp_path, monkeypatch):
    synced_folders = []
    real_fsync = os.fsync

    def spy(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            synced_folders.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    s = Session("claims-practice", work_dir=tmp_path)  # creates the journal
    assert synced_folders, "creating the journal must fsync its folder"
    s.close()
    synced_folders.clear()
    with open(s.journal_path, "ab") as handle:
        handle.write(b"{torn\n")
    Session("claims-practice", work_dir=tmp_path).close()  # compacts the journal (an atomic rename)
    assert synced_folders, "compacting the journal must fsync its folder"


@pytest.fixture
def widget(tmp_path):
    t = Tagger("techniques-practice", work_dir=tmp_path)
    t.sent = []
    t.send = t.sent.append
    yield t
    t.close()


@pytest.mark.parametrize("content, reply_seq", [
    ({"type": "edit", "seq": 5, "edit": {"op": "set", "tag": {
        "kind": "span", "start": 1611, "end": 1637, "label": "T2", "note": "half an emoji \ud83d"}}}, 5),
    ({"type": "edit", "seq": "five", "edit": {"op": "undo"}}, "five"),
    ({"type": "edit", "seq": None, "edit": {"op": "undo"}}, None),
    ({"type": "edit", "seq": 6, "edit": {"op": "delete", "key": 7}}, 6),
    ({"type": "edit", "seq": 7, "edit": {"op": "delete", "key": [["span", 1], 2]}}, 7),
    ({"type": "edit", "seq": 8, "edit": {"op": "student", "id": "s1", "name": "Ad\udc00a"}}, 8),
    ({"type": "edit", "seq": 9, "edit": "not an object"}, 9),
    ({"type": "edit", "seq": 10, "edit": {"op": "fly"}}, 10),
    ({"type": "something else", "seq": 11}, 11),
    (["not", "a", "dict"], None),
])
def test_every_malformed_browser_message_is_answered(widget, content, reply_seq):
    widget._on_msg(widget, content, [])  # must not raise
    assert len(widget.sent) == 1
    reply = widget.sent[0]
    assert reply["type"] == "reject" and reply["seq"] == reply_seq and reply["message"].startswith(("Not saved", ""))
    assert reply["message"]
    assert widget.tags == [] and widget.confirmed == 0
    lines = widget.session.journal_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1  # the header only: nothing half-written


def test_an_unexpected_failure_in_an_edit_is_answered_too(widget, monkeypatch):
    def boom(_edit):
        raise RuntimeError("a bug")

    monkeypatch.setattr(widget, "_apply", boom)
    widget._on_msg(widget, {"type": "edit", "seq": 3, "edit": {"op": "undo"}}, [])
    assert widget.sent == [{"type": "reject", "seq": 3, "message": widget.sent[0]["message"]}]
    assert "a bug" in widget.sent[0]["message"]
