"""A regular (non-editable) install carries every data file the kit needs."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (path,) = out.glob("media_literacy_kit-*.whl")
    return path


def test_wheel_holds_all_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {str(p.relative_to(ROOT)).replace(os.sep, "/") for p in (ROOT / "kit" / "data").rglob("*") if p.is_file()}
    assert shipped and shipped <= names
    assert "kit/data/editorial/scf-2022-01-07.scrape.txt" in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    assert "Name: media-literacy-kit" in zipfile.ZipFile(wheel).read(metadata).decode()


def test_the_wheel_holds_no_graded_key(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("kit/data/cases/kremlin-shoigu-2022-01-13/") for n in names)  # the unseen texts ship
    assert not [n for n in names if "teacher-keys" in n]
    # a case the kit ships carries a key only for a practice exercise (lesson 02's text written for the kit)
    case_keys = sorted(n for n in names if n.startswith("kit/data/cases/") and "/keys/" in n)
    assert case_keys == ["kit/data/cases/practice-quellby/keys/techniques-name.toml"]
    keys = {n.rsplit("/", 1)[1] for n in names if n.startswith("kit/data/keys/")}
    assert keys == {"claims.toml", "techniques.toml", "verdicts.toml", "compare.toml"}  # the editorial's practice keys
    for name in keys:
        assert 'document = "scf-2022-01-07"' in zipfile.ZipFile(wheel).read(f"kit/data/keys/{name}").decode()


def test_the_wheel_carries_the_licence_and_the_data_notice(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert any(n.endswith("licenses/LICENSE") for n in names) and "kit/data/NOTICE.md" in names
    notice = zipfile.ZipFile(wheel).read("kit/data/NOTICE.md").decode()
    assert "criticism, review and teaching" in notice and "not under the MIT licence" in notice


def test_installed_wheel_loads_everything_outside_the_source_tree(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    code = ("import kit, json; d = kit.load_editorial(); "
            "print(json.dumps([kit.__file__, d.sha256, len(kit.load_articles()), len(kit.load_record())]))")
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, env=env)
    file, sha, articles, record = __import__("json").loads(out.stdout)
    assert file.startswith(str(site))
    assert sha == "aa7d47e8e52f4bce94e779f8f42b6081c61ad7f0e480374ffc1c3bbad7c29488"
    assert articles >= 12 and record >= 25


@pytest.mark.slow
def test_the_core_install_pulls_neither_jupyterlab_nor_notebook(tmp_path):
    """The core is what a notebook needs to run the lessons; the front ends are the 'lab' extra."""
    import json

    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                           "--report", str(report), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert "media-literacy-kit" in names and {"anywidget", "ipywidgets", "pandas", "plotly"} <= names
    assert not names & {"jupyterlab", "notebook", "jupyter-server", "voila", "trafilatura"}, sorted(names)
