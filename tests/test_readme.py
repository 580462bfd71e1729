"""The README's first commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"))


def test_readme_starts_with_the_two_commands():
    open_lessons, run_tests = readme_commands()[:2]
    assert "jupyter lab lessons/" in open_lessons
    assert "pytest" in run_tests and "'.[test]'" in run_tests


def test_ci_runs_the_readme_test_command_verbatim():
    run_tests = readme_commands()[1]
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert run_tests in lines


def test_readme_python_example_is_true():
    import kit

    doc = kit.load_editorial()
    assert len(doc.units) == 47 and len(doc.text) == 6102
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"# {doc.unit('p08.s2').text!r}" in readme


def test_one_repository_setting_everywhere():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    import json

    sources = "".join("".join(c["source"]) for p in sorted((ROOT / "lessons").glob("*.ipynb"))
                      for c in json.loads(p.read_text(encoding="utf-8"))["cells"])
    urls = set(re.findall(r'KIT_REPO_URL = "([^"]+)"', sources))
    assert len(urls) == 1, urls
    (url,) = urls
    assert url.removeprefix("https://github.com/") in readme  # the Binder and Colab links use it
    for lesson in sorted((ROOT / "lessons").glob("*.ipynb")):
        assert "KIT_REPO_URL" in lesson.read_text(encoding="utf-8"), lesson.name
