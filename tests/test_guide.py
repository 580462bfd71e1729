"""The teacher's guide: rendered from the keys, sourced, never shipped to students."""

from pathlib import Path

import pytest

import kit
from kit import cli, guide

ROOT = Path(__file__).resolve().parents[1]


def test_committed_guide_is_up_to_date():
    committed = (ROOT / "docs" / "teacher-guide.md").read_text(encoding="utf-8")
    assert committed == guide.render_guide(), "run `kit guide` and commit docs/teacher-guide.md"


def test_the_four_teachable_findings_are_there():
    text = guide.render_guide()
    for claim in ("C4", "C21", "C26", "C29"):
        assert f"### {claim}: " in text
    assert "six Central Asian states" in text and "Russia, Armenia, Belarus, Kyrgyzstan, Kazakhstan and Tajikistan" in text


def test_every_finding_and_context_item_carries_sources():
    g = guide.load_guide()
    assert all(f.sources for f in g.findings) and all(c.sources for c in g.context)
    assert len(g.context) >= 8 and g.outlet_sources
    assert "says" in g.outlet_text or "according to" in g.outlet_text  # the outlet's background is attributed


def test_guide_never_goes_into_lessons(tmp_path):
    with pytest.raises(kit.KitError, match="lessons/"):
        guide.write_guide(tmp_path / "lessons" / "guide.md")


def test_guide_replaces_its_own_file_but_not_a_hand_written_one(tmp_path):
    path = tmp_path / "guide.md"
    guide.write_guide(path)
    guide.write_guide(path)  # a generated file is ours to replace
    path.write_text("my own notes\n", encoding="utf-8")
    with pytest.raises(kit.KitError, match="not written by `kit guide`"):
        guide.write_guide(path)
    assert path.read_text(encoding="utf-8") == "my own notes\n"
    guide.write_guide(path, force=True)
    assert path.read_text(encoding="utf-8").startswith(guide.GENERATED_MARK)


def test_cli_guide_and_exercises(tmp_path, capsys):
    assert cli.main(["guide", "--out", str(tmp_path / "g.md")]) == 0
    assert (tmp_path / "g.md").exists()
    assert cli.main(["exercises"]) == 0
    out = capsys.readouterr().out
    assert "claims-practice" in out and "core_techniques (10)" in out and "private key" in out
