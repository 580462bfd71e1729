"""The ``kit`` command."""

import subprocess
import sys

import kit
from kit import cli


def test_info_prints_hash_units_and_counts(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    doc = kit.load_editorial()
    assert f"sha256 {doc.sha256}" in out
    assert "6,102 characters · 47 units" in out
    assert f"coverage   {len(kit.load_articles())} articles" in out
    assert f"record     {len(kit.load_record())} dated items" in out
    assert f"media-literacy-kit {kit.__version__}" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "info" in capsys.readouterr().out


def test_every_command_has_help():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert sub.description, name


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "kit", "info"], capture_output=True, text=True, check=True)
    assert "47 units" in out.stdout


def test_kit_error_becomes_exit_1(monkeypatch, capsys):
    def broken(args):
        raise kit.KitError("something the user can fix")

    monkeypatch.setattr(cli, "_cmd_info", broken)
    assert cli.main(["info"]) == 1
    assert "kit: error: something the user can fix" in capsys.readouterr().err


def test_lite_build_is_wired(tmp_path, capsys):
    assert cli.main(["lite"]) == 2
    assert "build" in capsys.readouterr().out
    occupied = tmp_path / "site"
    occupied.mkdir()
    (occupied / "mine.txt").write_text("keep me", encoding="utf-8")
    assert cli.main(["lite", "build", str(occupied)]) == 1  # never overwrites without --force
    assert "force" in capsys.readouterr().err
    assert (occupied / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_cli_reference_is_up_to_date_and_covers_every_command(monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("COLUMNS", "100")
    committed = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli.reference(), "regenerate docs/cli.md: python -c 'from kit import cli; print(cli.reference(), end=\"\")' > docs/cli.md"
    for name in cli.build_parser()._subparsers._group_actions[0].choices:
        assert f"## kit {name}" in committed
