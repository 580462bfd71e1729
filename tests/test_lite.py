"""Fast tests of the browser-only build's pieces (no network, no npm, no jupyter lite build):
the kit's own wheel (and what it leaves out), reading wheels, choosing them, rewriting Pyodide's lock,
copying the lessons, the front-end extensions the site ships, the caches and the command line. The
whole build runs in a real browser in tests/browser/test_lite.py.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from kit import lite
from kit.errors import KitError

CDN = "https://cdn.jsdelivr.net/pyodide/v314.0.6/full/"


def make_wheel(folder: Path, name: str, version: str, requires=(), modules=("__init__.py",), top_level=None) -> Path:
    """A minimal wheel: ``<name>/<module>`` files and a dist-info with METADATA (and top_level.txt)."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for module in modules:  # "__init__.py" is the package's own; other names are paths in the wheel
            zf.writestr(f"{dist}/__init__.py" if module == "__init__.py" else module, "")
        meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        meta += [f"Requires-Dist: {r}" for r in requires]
        zf.writestr(f"{dist}-{version}.dist-info/METADATA", "\n".join(meta) + "\n")
        if top_level is not None:
            zf.writestr(f"{dist}-{version}.dist-info/top_level.txt", "\n".join(top_level) + "\n")
    return path


def info(name, version="1.0", requires=(), imports=None):
    return lite.WheelInfo(name=name, version=version, file_name=f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
                          sha256="0" * 64, imports=tuple(imports or [name.replace("-", "_")]), requires=tuple(requires))


PYODIDE_LOCK = {
    "info": {"abi_version": "2026_0", "arch": "wasm32", "platform": "emscripten_5_0_3", "python": "3.14.2"},
    "packages": {
        "micropip": {"name": "micropip", "version": "0.11.1", "file_name": "micropip-0.11.1-py3-none-any.whl",
                     "install_dir": "site", "sha256": "a" * 64, "package_type": "package", "imports": ["micropip"],
                     "depends": ["packaging"], "unvendored_tests": False},
        "packaging": {"name": "packaging", "version": "26.1", "file_name": "packaging-26.1-py3-none-any.whl",
                      "install_dir": "site", "sha256": "b" * 64, "package_type": "package", "imports": ["packaging"],
                      "depends": [], "unvendored_tests": False},
        "pygments": {"name": "Pygments", "version": "2.20.0", "file_name": "pygments-2.20.0-py3-none-any.whl",
                     "install_dir": "site", "sha256": "c" * 64, "package_type": "package", "imports": ["pygments"],
                     "depends": [], "unvendored_tests": False},
        "numpy": {"name": "numpy", "version": "2.4.6",
                  "file_name": "numpy-2.4.6-cp314-cp314-pyemscripten_2026_0_wasm32.whl", "install_dir": "site",
                  "sha256": "d" * 64, "package_type": "package", "imports": ["numpy"], "depends": [],
                  "unvendored_tests": False},
        "pandas": {"name": "pandas", "version": "3.0.2",
                   "file_name": "pandas-3.0.2-cp314-cp314-pyemscripten_2026_0_wasm32.whl", "install_dir": "site",
                   "sha256": "e" * 64, "package_type": "package", "imports": ["pandas"], "depends": ["numpy"],
                   "unvendored_tests": True},
        "libopenblas": {"name": "libopenblas", "version": "0.3.31", "file_name": "libopenblas-0.3.31.zip",
                        "install_dir": "dynlib", "sha256": "f" * 64, "package_type": "shared_library",
                        "imports": [], "depends": [], "unvendored_tests": False},
    },
}


# --- requirements and markers ---------------------------------------------------------------------

def test_canonical_names():
    assert lite.canonical_name("Typing_Extensions") == "typing-extensions"
    assert lite.canonical_name("zope.interface") == "zope-interface"
    assert lite.requirement_name("anywidget>=0.9.13,<0.12") == "anywidget"
    assert lite.requirement_name("prompt_toolkit (>=3.0.41,<3.1.0)") == "prompt-toolkit"


def test_depends_are_the_browsers():
    w = info("ipython", requires=[
        "decorator", "pexpect>4.3; sys_platform != \"win32\" and sys_platform != \"emscripten\"",
        "colorama; sys_platform == \"win32\"", "typing_extensions>=4.6; python_version < \"3.12\"",
        "pytest; extra == \"test\"", "Prompt_Toolkit>=3.0.41,<3.1.0", "decorator>=4"])
    assert w.depends() == ["decorator", "prompt-toolkit"]
    linux = dict(lite.EMSCRIPTEN_MARKERS, sys_platform="linux", python_version="3.11", python_full_version="3.11.7")
    assert w.depends(linux) == ["decorator", "pexpect", "typing-extensions", "prompt-toolkit"]


def test_lock_pins_only_pure_wheels():
    assert lite.lock_pins(PYODIDE_LOCK) == {"micropip": "0.11.1", "packaging": "26.1", "pygments": "2.20.0"}


def test_kit_requirements_cover_the_browser_core():
    names = {lite.requirement_name(r) for r in lite.kit_requirements()}
    assert names == {"pysbd", "anywidget", "traitlets", "ipywidgets"}  # never pandas, plotly or jupyterlab


# --- wheels --------------------------------------------------------------------------------------

def test_read_wheel(tmp_path):
    path = make_wheel(tmp_path, "Typing_Extensions", "4.15.0", requires=["foo>=1"], modules=["typing_extensions.py"])
    w = lite.read_wheel(path)
    assert (w.name, w.key, w.version, w.imports) == ("Typing_Extensions", "typing-extensions", "4.15.0",
                                                      ("typing_extensions",))
    assert w.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and w.requires == ("foo>=1",)
    pkg = lite.read_wheel(make_wheel(tmp_path, "plotly", "7.1.0", modules=["__init__.py", "_plotly_utils/__init__.py"]))
    assert pkg.imports == ("_plotly_utils", "plotly")
    listed = lite.read_wheel(make_wheel(tmp_path, "pyyaml", "6.0", modules=["yaml/__init__.py"], top_level=["yaml", "_yaml"]))
    assert listed.imports == ("_yaml", "yaml")
    bad = tmp_path / "bad-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("bad/__init__.py", "")
    with pytest.raises(KitError, match="not a wheel"):
        lite.read_wheel(bad)


@pytest.fixture(scope="module")
def kit_wheel(tmp_path_factory):
    return lite.build_kit_wheel(tmp_path_factory.mktemp("kitwheel"), ["pysbd>=0.3.4,<0.4", "anywidget>=0.9.13,<0.12"])


def test_kit_wheel_is_pure_and_light(kit_wheel, tmp_path):
    w = lite.read_wheel(kit_wheel)
    assert w.name == "media-literacy-kit" and w.imports == ("kit",)
    assert w.version.startswith(__import__("kit").__version__ + "+lite.")
    assert w.requires == ("pysbd>=0.3.4,<0.4", "anywidget>=0.9.13,<0.12")
    assert kit_wheel.name == f"media_literacy_kit-{w.version}-py3-none-any.whl"
    with zipfile.ZipFile(kit_wheel) as zf:
        names = zf.namelist()
        assert "kit/__init__.py" in names and "kit/widgets/tagger.py" in names and "kit/static/tagger.js" in names
        assert "kit/data/editorial/scf-2022-01-07.scrape.txt" in names and "kit/data/taxonomy.toml" in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        # RECORD lists every other file with its hash
        record = zf.read(next(n for n in names if n.endswith(".dist-info/RECORD"))).decode().splitlines()
        hashed = dict(line.rsplit(",", 2)[:2] for line in record if not line.endswith(",,"))
        assert set(hashed) == {n for n in names if not n.endswith("RECORD")}
        for name in ("kit/__init__.py", "kit/data/taxonomy.toml"):
            digest = base64.urlsafe_b64encode(hashlib.sha256(zf.read(name)).digest()).rstrip(b"=").decode()
            assert hashed[name] == f"sha256={digest}"
        assert "Tag: py3-none-any" in zf.read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()


def test_kit_wheel_is_reproducible(kit_wheel, tmp_path):
    again = lite.build_kit_wheel(tmp_path, ["pysbd>=0.3.4,<0.4", "anywidget>=0.9.13,<0.12"])
    assert again.name == kit_wheel.name and again.read_bytes() == kit_wheel.read_bytes()
    other = lite.build_kit_wheel(tmp_path / "other", ["pysbd>=0.3.4,<0.4"])
    assert other.name != kit_wheel.name  # the local version label follows the contents


def test_kit_wheel_loads_the_kit_outside_the_tree(kit_wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(kit_wheel) as zf:
        zf.extractall(site)
    code = "import kit, sys; d = kit.load_editorial(); print(kit.__file__); print(len(d.units))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(site)))
    file, units = out.stdout.split()
    assert file.startswith(str(site)) and int(units) == 47


ROOT = Path(__file__).resolve().parents[1]
KIT_DIR = ROOT / "kit"
#: Kept modules may import a left-out one only inside these functions, which run on a teacher's machine
#: (reading a class's files, writing CSV reports), never in a lesson in the browser.
TEACHER_ONLY_FUNCTIONS = {("kit.discernment", "read_tests"), ("kit.discernment", "write"),
                          ("kit.agreement", "write")}


def left_out(rel: str) -> bool:
    return any(rel == x or (x.endswith("/") and rel.startswith(x)) for x in lite.BROWSER_LEAVE_OUT)


def lesson_kit_modules() -> set[str]:
    """Every ``kit`` module the lessons' code cells import (``from kit import tags`` counts kit.tags)."""
    found = {"kit"}
    for path in (ROOT / "lessons").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.Import):
                    found |= {a.name for a in node.names if a.name.split(".")[0] == "kit"}
                elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kit":
                    found.add(node.module)
                    base = KIT_DIR.joinpath(*node.module.split(".")[1:])
                    found |= {f"{node.module}.{a.name}" for a in node.names
                              if (base / f"{a.name}.py").is_file() or (base / a.name / "__init__.py").is_file()}
    return found


def test_kit_wheel_leaves_out_what_never_runs_in_the_browser(kit_wheel, tmp_path):
    with zipfile.ZipFile(kit_wheel) as zf:
        names = {n for n in zf.namelist() if n.startswith("kit/")}
    for entry in lite.BROWSER_LEAVE_OUT:
        assert not [n for n in names if left_out(n[len("kit/"):])], entry
    assert "kit/cli.py" not in names and not [n for n in names if n.startswith("kit/grading/")]
    # every data file the tagging lessons read is there (cases included), only the teacher's guide is not
    data = {f"kit/{p.relative_to(KIT_DIR).as_posix()}" for p in (KIT_DIR / "data").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    assert data - names == {"kit/data/guide.toml"}
    assert {"kit/static/tagger.js", "kit/widgets/tagger.py", "kit/tags.py"} <= names
    whole = lite.build_kit_wheel(tmp_path, ["pysbd>=0.3.4,<0.4"], leave_out=())
    with zipfile.ZipFile(whole) as zf:
        assert {"kit/cli.py", "kit/lite/__init__.py", "kit/grading/__init__.py"} <= set(zf.namelist())
    assert whole.stat().st_size > kit_wheel.stat().st_size


def test_kit_wheel_serves_every_module_the_lessons_import(kit_wheel, tmp_path):
    """In a Python that sees only the browser's wheel (not this checkout), every module the lessons use and
    every module in the wheel imports, and the claims tagger opens; the left-out command line is gone."""
    wanted = sorted(lesson_kit_modules())
    assert {"kit", "kit.widgets"} <= set(wanted)
    site = tmp_path / "site"
    with zipfile.ZipFile(kit_wheel) as zf:
        zf.extractall(site)
    code = f"""
import importlib, json, pkgutil, sys, tempfile
import kit
assert kit.__file__.startswith({str(site)!r}), kit.__file__
modules = {wanted!r} + [m.name for m in pkgutil.walk_packages(kit.__path__, "kit.")]
for name in modules:
    importlib.import_module(name)
from kit.widgets import SelfCheck, Tagger
SelfCheck(Tagger("claims-practice", work_dir=tempfile.mkdtemp()))
try:
    import kit.cli
    print("kit.cli imported")
except ImportError:
    pass
print(json.dumps(sorted(set(modules))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(site)), timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "kit.cli imported" not in out.stdout
    imported = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert set(wanted) <= imported and {"kit.widgets.tagger", "kit.tags", "kit.corpus"} <= imported


def test_kept_modules_reach_left_out_ones_only_from_teacher_functions(kit_wheel):
    """A module in the browser's wheel that imports a left-out one (even inside a function) breaks there
    when that code runs: only the teacher-side functions of TEACHER_ONLY_FUNCTIONS may."""
    with zipfile.ZipFile(kit_wheel) as zf:
        sources = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("kit/") and n.endswith(".py")}
    gone = {("kit/" + x[:-3] if x.endswith(".py") else "kit/" + x.rstrip("/")).replace("/", ".")
            for x in lite.BROWSER_LEAVE_OUT if x.endswith((".py", "/"))}
    reached = set()
    for name, source in sources.items():
        module = name[:-3].replace("/", ".").removesuffix(".__init__")
        package = module if name.endswith("__init__.py") else module.rsplit(".", 1)[0]

        def visit(node, function=None):
            for child in ast.iter_child_nodes(node):
                inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
                targets = []
                if isinstance(child, ast.Import):
                    targets = [a.name for a in child.names]
                elif isinstance(child, ast.ImportFrom):
                    base = package.split(".")[:len(package.split(".")) - child.level + 1] if child.level else []
                    stem = ".".join(base + ([child.module] if child.module else []))
                    targets = [stem] + [f"{stem}.{a.name}" for a in child.names]
                for target in targets:
                    if any(target == g or target.startswith(g + ".") for g in gone):
                        reached.add((module, function, target))
                visit(child, inner)

        visit(ast.parse(source))
    assert reached, "no import of a left-out module found at all: is the scan blind?"
    unexpected = sorted(r for r in reached if r[:2] not in TEACHER_ONLY_FUNCTIONS)
    assert unexpected == [], ("these would fail in the browser (keep the module in the wheel, or add a teacher-only "
                              f"function to TEACHER_ONLY_FUNCTIONS): {unexpected}")


def test_select_wheels_takes_the_browser_closure():
    wheels = [info("media-literacy-kit", requires=["anywidget", "pysbd"], imports=["kit"]),
              info("anywidget", requires=["ipywidgets>=7", "psygnal", "typing-extensions>=4.2.0"]),
              info("ipywidgets", requires=["comm>=0.1.3", "widgetsnbextension~=4.0.14",
                                           "jupyterlab_widgets~=3.0.15", "traitlets>=4.3.1"]),
              info("psygnal"), info("typing-extensions", imports=["typing_extensions"]), info("pysbd"), info("comm"),
              info("traitlets"), info("widgetsnbextension"), info("jupyterlab-widgets"),
              info("pexpect"), info("ptyprocess")]
    chosen = [w.key for w in lite.select_wheels(["media-literacy-kit"], wheels)]
    assert chosen == ["media-literacy-kit", "anywidget", "pysbd", "ipywidgets", "psygnal", "typing-extensions",
                      "comm", "traitlets"]  # no front-end-only packages, nothing unused
    with pytest.raises(KitError, match="no pure-Python wheel for psygnal"):
        lite.select_wheels(["anywidget"], [w for w in wheels if w.key != "psygnal"])


# --- the lock ------------------------------------------------------------------------------------

def test_rewrite_lock_serves_bundled_wheels_and_points_the_rest_at_the_cdn():
    bundled = [info("media-literacy-kit", "0.1.0+lite.abc", requires=["pysbd", "ipywidgets"], imports=["kit"]),
               info("pygments", "2.19.0"),
               info("ipywidgets", "8.1.9", requires=["comm", "widgetsnbextension~=4.0", "traitlets",
                                                     "pexpect; sys_platform != 'emscripten'"]),
               info("micropip", "0.11.1", requires=["packaging"])]
    original = json.loads(json.dumps(PYODIDE_LOCK))
    out = lite.rewrite_lock(PYODIDE_LOCK, bundled, cdn_url=CDN)
    assert PYODIDE_LOCK == original  # the input is untouched
    assert out["info"] == PYODIDE_LOCK["info"]
    pkgs = out["packages"]
    assert list(pkgs) == sorted(pkgs)
    kit = pkgs["media-literacy-kit"]
    assert kit == {"name": "media-literacy-kit", "version": "0.1.0+lite.abc",
                   "file_name": "media_literacy_kit-0.1.0+lite.abc-py3-none-any.whl", "install_dir": "site",
                   "sha256": "0" * 64, "package_type": "package", "imports": ["kit"], "depends": ["pysbd", "ipywidgets"],
                   "unvendored_tests": False}
    assert pkgs["ipywidgets"]["depends"] == ["comm", "traitlets"]  # front-end-only and non-browser ones dropped
    assert pkgs["pygments"]["version"] == "2.19.0" and pkgs["pygments"]["file_name"] == "pygments-2.19.0-py3-none-any.whl"
    assert pkgs["micropip"]["file_name"] == "micropip-0.11.1-py3-none-any.whl"  # relative: served by the site
    # not bundled: from Pyodide's CDN, with Pyodide's own hash and dependencies
    assert pkgs["pandas"]["file_name"] == CDN + "pandas-3.0.2-cp314-cp314-pyemscripten_2026_0_wasm32.whl"
    assert pkgs["pandas"]["sha256"] == "e" * 64 and pkgs["pandas"]["depends"] == ["numpy"]
    assert pkgs["packaging"]["file_name"] == CDN + "packaging-26.1-py3-none-any.whl"
    assert pkgs["libopenblas"]["file_name"] == CDN + "libopenblas-0.3.31.zip"
    # applying it again changes nothing
    assert lite.rewrite_lock(out, bundled, cdn_url=CDN) == out


def test_rewrite_lock_offline_only():
    bundled = [info("micropip", "0.11.1", requires=["packaging"]), info("pandas-extra", requires=["pandas"])]
    pkgs = lite.rewrite_lock(PYODIDE_LOCK, bundled, cdn_url=None)["packages"]
    assert set(pkgs) == {"micropip", "pandas-extra"}
    assert pkgs["micropip"]["depends"] == [] and pkgs["pandas-extra"]["depends"] == []  # nothing dangles


# --- the lessons ---------------------------------------------------------------------------------

def notebook(*cells, metadata=None, minor=5):
    out = []
    for i, (kind, source) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    return {"cells": out, "nbformat": 4, "nbformat_minor": minor,
            "metadata": metadata or {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                                     "language_info": {"name": "python", "version": "3.11.7"}}}


CLAIMS = notebook(("markdown", "# 01 · Claims\nWhat kind of sentence is this?"),
                  ("code", "from kit.widgets import Tagger\nTagger('claims-practice')"))
COMPARE = notebook(("markdown", ["# 04 · Compare outlets\n", "Tables."]),
                   ("code", "import kit\ntable = kit.load_coverage()"),
                   ("code", "import plotly.express as px"))


def test_lesson_mode():
    assert lite.lesson_mode(CLAIMS) == "offline"
    assert lite.lesson_mode(COMPARE) == "network"
    for code in ("import pandas as pd", "from numpy import array", "  import plotly.express as px",
                 "from kit import compare", "from kit.compare import claims_table", "kit.compare.claims_table()",
                 "t = kit.load_coverage()"):
        assert lite.lesson_mode(notebook(("code", code))) == "network", code
    for code in ("import plotly.graph_objects as go", "# pandas is not needed here", "import kit\nkit.load_editorial()"):
        assert lite.lesson_mode(notebook(("code", code))) == "offline", code
    assert lite.lesson_mode(notebook(("markdown", "import pandas"))) == "offline"  # only code counts
    said = dict(COMPARE, metadata={"kit": {"lite": "offline"}})
    assert lite.lesson_mode(said) == "offline"


def test_lite_notebook_switches_the_kernel_and_says_where_work_lives():
    out = lite.lite_notebook(CLAIMS)
    assert out["metadata"]["kernelspec"] == {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
    assert out["metadata"]["language_info"] == {"name": "python"}
    kinds = [c.get("metadata", {}).get(lite.NOTE_KEY) for c in out["cells"]]
    assert kinds == ["storage", None, None]
    assert "this browser's storage" in out["cells"][0]["source"] and "Export often" in out["cells"][0]["source"]
    assert CLAIMS["metadata"]["kernelspec"]["name"] == "python3"  # the input is untouched
    assert lite.lite_notebook(out) == out  # idempotent


def test_lite_notebook_network_lessons_say_so_and_load_pandas():
    out = lite.lite_notebook(COMPARE)
    kinds = [c.get("metadata", {}).get(lite.NOTE_KEY) for c in out["cells"]]
    assert kinds == ["storage", "network", "network-load", None, None, None]
    assert "needs the internet" in out["cells"][1]["source"]
    load = out["cells"][2]
    assert load["cell_type"] == "code" and load["outputs"] == [] and "import pandas" in load["source"]
    compile(load["source"], "load", "exec")
    assert lite.lite_notebook(out) == out


def test_lite_notebook_old_format():
    nb = notebook(("code", "import kit"), minor=4)
    out = lite.lite_notebook(nb)
    assert out["cells"][0]["metadata"][lite.NOTE_KEY] == "storage"
    assert all("id" not in c for c in out["cells"])  # cell ids need nbformat 4.5


def test_copy_lessons(tmp_path):
    src, dest = tmp_path / "lessons", tmp_path / "site" / "lessons"
    src.mkdir()
    for name, nb in (("01-claims.ipynb", CLAIMS), ("04-compare-outlets.ipynb", COMPARE),
                     ("99-teacher-only.ipynb", dict(CLAIMS, metadata={"kit": {"lite": "skip"}}))):
        (src / name).write_text(json.dumps(nb))
    (src / "README.md").write_text("# Lessons\n")
    (src / "images").mkdir()
    (src / "images" / "map.svg").write_text("<svg/>")
    for junk in (".ipynb_checkpoints/01-claims-checkpoint.ipynb", "kit-work/claims-practice.journal.jsonl",
                 "__pycache__/x.pyc", ".hidden"):
        (src / junk).parent.mkdir(parents=True, exist_ok=True)
        (src / junk).write_text("{}")
    copied = lite.copy_lessons(src, dest)
    assert copied == [lite.LessonCopy("01-claims.ipynb", False), lite.LessonCopy("04-compare-outlets.ipynb", True)]
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert files == ["01-claims.ipynb", "04-compare-outlets.ipynb", "README.md", "images/map.svg"]
    assert json.loads((dest / "01-claims.ipynb").read_text())["metadata"]["kernelspec"]["name"] == "python"
    with pytest.raises(KitError, match="no lessons folder"):
        lite.copy_lessons(tmp_path / "missing", dest)
    (src / "broken.ipynb").write_text("{not json")
    with pytest.raises(KitError, match="not a notebook"):
        lite.copy_lessons(src, tmp_path / "again")


def test_the_real_lessons_copy(tmp_path):
    lessons = Path(__file__).resolve().parents[1] / "lessons"
    if not any(lessons.glob("*.ipynb")):
        pytest.skip("no lessons yet")
    copied = {c.path: c.network for c in lite.copy_lessons(lessons, tmp_path)}
    for name, network in copied.items():
        nb = json.loads((tmp_path / name).read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python"
        if name.startswith(("01-", "02-")):
            assert not network, f"{name} would need the network in the browser-only edition"


# --- configuration, caches, output folder, command line -------------------------------------------

def test_lite_config():
    data = lite.lite_config()["jupyter-config-data"]
    assert data["exposeAppInBrowser"] is True
    assert data["litePluginSettings"][lite.PYODIDE_KERNEL_PLUGIN] == {"disablePyPIFallback": True}
    assert data["settingsOverrides"]["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_lite_build_config_ships_only_the_chosen_extensions(tmp_path):
    config = lite.lite_build_config(tmp_path / "labext", extra=[tmp_path / "lazy" / lite.LAZY_PLOTLY])
    assert config["LiteBuildConfig"]["ignore_sys_prefix"] == ["federated_extensions"]  # not the environment's
    assert config["LiteBuildConfig"]["federated_extensions"] == [
        str(tmp_path / "labext" / name) for name in sorted(lite.REQUIRED_LABEXTENSIONS)] + [
        str(tmp_path / "lazy" / lite.LAZY_PLOTLY)]
    assert not {"jupyterlab-plotly", "@voila-dashboards/jupyterlab-preview", "jupyterlab_pygments"} & set(
        lite.REQUIRED_LABEXTENSIONS)


def fake_plotly_labextension(folder: Path, load="static/remoteEntry.abc123.js", module="./mimeExtension") -> Path:
    (folder / "static").mkdir(parents=True)
    (folder / "static" / "remoteEntry.abc123.js").write_text("/* plotly's container */")
    (folder / "static" / "0.def456.js").write_text("/* all of plotly.js */")
    (folder / "package.json").write_text(json.dumps({"name": "jupyterlab-plotly", "version": "7.1.0", "jupyterlab": {
        "mimeExtension": True, "_build": {"load": load, "mimeExtension": module}}}))
    return folder


def test_lazy_plotly_extension(tmp_path):
    real = fake_plotly_labextension(tmp_path / "real")
    dest = lite.lazy_plotly_extension(tmp_path / "out" / lite.LAZY_PLOTLY, real)
    package = json.loads((dest / "package.json").read_text())
    assert package["name"] == lite.LAZY_PLOTLY
    build = package["jupyterlab"]["_build"]
    assert build["mimeExtension"] == "./mimeExtension" and (dest / build["load"]).is_file()
    code = (dest / build["load"]).read_text()
    # the stand-in points at the real entry point beside it, for plotly's mimetype
    assert '"plotly/remoteEntry.abc123.js"' in code and f'"{lite.PLOTLY_MIMETYPE}"' in code
    assert "__REAL_ENTRY__" not in code
    # plotly's own files are there, but without a package.json JupyterLite never lists or loads them at start
    assert (dest / "static" / "plotly" / "0.def456.js").is_file()
    assert list(dest.rglob("package.json")) == [dest / "package.json"]
    if shutil.which("node"):
        check = subprocess.run(["node", "--check", str(dest / build["load"])], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    with pytest.raises(KitError, match="not a built JupyterLab mime extension"):
        lite.lazy_plotly_extension(tmp_path / "x", tmp_path / "nothing")
    with pytest.raises(KitError, match="not what the stand-in expects"):
        lite.lazy_plotly_extension(tmp_path / "y", fake_plotly_labextension(tmp_path / "odd", module="./extension"))


def test_check_site_refuses_other_extensions(tmp_path):
    static = tmp_path / "static" / "pyodide"
    static.mkdir(parents=True)
    for name in [*lite.PYODIDE_FILES, "pyodide-lock.json"]:
        (static / name).write_text("")
    data = {"exposeAppInBrowser": True, "litePluginSettings": {lite.PYODIDE_KERNEL_PLUGIN: {
        "pyodideUrl": "./static/pyodide/pyodide.mjs", "disablePyPIFallback": True}},
        "federated_extensions": [{"name": n} for n in lite.REQUIRED_LABEXTENSIONS]}
    (tmp_path / "jupyter-lite.json").write_text(json.dumps({"jupyter-config-data": data}))
    lite.check_site(tmp_path, [])
    data["federated_extensions"].append({"name": "@voila-dashboards/jupyterlab-preview"})
    (tmp_path / "jupyter-lite.json").write_text(json.dumps({"jupyter-config-data": data}))
    with pytest.raises(KitError, match="front-end extensions"):
        lite.check_site(tmp_path, [])
    data["federated_extensions"][-1] = {"name": lite.LAZY_PLOTLY}
    (tmp_path / "jupyter-lite.json").write_text(json.dumps({"jupyter-config-data": data}))
    lite.check_site(tmp_path, [], [lite.LAZY_PLOTLY])


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(lite.CACHE_ENV, str(tmp_path / "c"))
    assert lite.cache_dir() == tmp_path / "c"
    monkeypatch.delenv(lite.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert lite.cache_dir() == tmp_path / "xdg" / "media-literacy-kit"


def fake_pyodide(path: Path, files=lite.PYODIDE_FILES) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in [*((f, f.encode()) for f in files), ("pyodide-lock.json", json.dumps(PYODIDE_LOCK).encode()),
                           ("README.md", b"x")]:
            member = tarfile.TarInfo(f"package/{name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return path


def test_pyodide_from_the_cache_needs_no_npm(tmp_path, monkeypatch):
    npm = tmp_path / "npm"
    npm.mkdir()
    tarball = fake_pyodide(npm / "pyodide-314.0.6.tgz")
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    (npm / "pyodide-314.0.6.integrity").write_text(f"sha512-{digest}\n")
    monkeypatch.setattr(lite.shutil, "which", lambda name: None)
    assert lite.fetch_pyodide("314.0.6", tmp_path) == tarball
    lock = lite.unpack_pyodide(tarball, tmp_path / "static")
    assert lock == PYODIDE_LOCK
    assert sorted(p.name for p in (tmp_path / "static").iterdir()) == sorted(lite.PYODIDE_FILES)
    # a damaged cache is not trusted, and without npm that is an error that says what to do
    (npm / "pyodide-314.0.6.integrity").write_text("sha512-AAAA\n")
    with pytest.raises(KitError, match="npm is needed"):
        lite.fetch_pyodide("314.0.6", tmp_path)


def test_unpack_rejects_a_package_without_the_runtime(tmp_path):
    tarball = fake_pyodide(tmp_path / "p.tgz", files=("pyodide.mjs",))
    with pytest.raises(KitError, match="pyodide.asm.wasm"):
        lite.unpack_pyodide(tarball, tmp_path / "out")


def test_downloaded_wheels_are_reused_offline(tmp_path, monkeypatch):
    calls = []
    reqs, pins = ["pysbd>=0.3.4,<0.4"], {"packaging": "26.1"}

    def fake_run(cmd, what, **kwargs):
        calls.append(cmd)
        make_wheel(Path(cmd[cmd.index("-d") + 1]), "pysbd", "0.3.4")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(lite, "_run", fake_run)
    first = lite.download_wheels(reqs, pins, "3.14", tmp_path)
    assert [p.name for p in first] == ["pysbd-0.3.4-py3-none-any.whl"] and len(calls) == 1
    cmd = calls[0]
    for flag in ("--only-binary=:all:", "--python-version", "3.14", "--implementation", "py", "--abi", "none",
                 "--platform", "any"):
        assert flag in cmd
    assert lite.download_wheels(reqs, pins, "3.14", tmp_path) == first and len(calls) == 1  # from the cache
    first[0].write_bytes(b"damaged")
    lite.download_wheels(reqs, pins, "3.14", tmp_path)
    assert len(calls) == 2  # a damaged cached wheel is fetched again


def test_outdir_is_never_overwritten_without_force(tmp_path):
    out = tmp_path / "site"
    lite._prepare_outdir(out, False, [])  # absent: created
    lite._prepare_outdir(out, False, [])  # empty: fine
    (out / "index.html").write_text("old")
    with pytest.raises(KitError, match="not empty"):
        lite._prepare_outdir(out, False, [])
    assert (out / "index.html").read_text() == "old"
    lessons = out / "lessons"
    lessons.mkdir()
    with pytest.raises(KitError, match="refusing"):
        lite._prepare_outdir(out, True, [lessons])  # would delete the lessons it copies
    (out / "f").write_text("x")
    with pytest.raises(KitError, match="not a folder"):
        lite._prepare_outdir(out / "f", True, [])
    lessons.rmdir()
    lite._prepare_outdir(out, True, [])
    assert out.is_dir() and not any(out.iterdir())


def test_command_line(tmp_path, monkeypatch, capsys):
    from kit import cli

    assert cli.main(["lite"]) == 2
    monkeypatch.setattr(lite, "check_build_environment", lambda: None)
    out = tmp_path / "site"
    out.mkdir()
    (out / "x").write_text("x")
    assert cli.main(["lite", "build", str(out), "--lessons", str(tmp_path)]) == 1
    assert "not empty" in capsys.readouterr().err
    parser = lite.add_build_arguments(__import__("argparse").ArgumentParser())
    args = parser.parse_args(["OUT", "--force", "--lessons", "L", "-q"])
    assert (args.outdir, args.force, args.lessons, args.quiet, args.run) == ("OUT", True, "L", True, lite.run_build)


def test_report_summary(tmp_path):
    report = lite.LiteReport(outdir=tmp_path, site_bytes=55 * 2**20, build_seconds=9.5,
                             wheels=["media_literacy_kit-0.1.0-py3-none-any.whl"], lessons=["lessons/01-claims.ipynb"],
                             network_lessons=["lessons/04-compare-outlets.ipynb"], pyodide_version="314.0.6",
                             python_version="3.14")
    text = report.summary()
    assert "55.0 MiB" in text and "9.5 s" in text and "need the internet" in text and "http.server" in text
    assert json.loads(json.dumps(report.to_json()))["outdir"] == str(tmp_path)


# --- the journal in the browser -------------------------------------------------------------------

def test_journal_reaches_browser_storage_after_every_edit(tmp_path, monkeypatch):
    """JupyterLite's file system writes a file to browser storage when it is closed, not on fsync:
    in the browser (sys.platform == "emscripten") the journal is closed and reopened after each edit."""
    from kit import tags

    opened = []
    real_open = os.open

    def counting_open(path, *args, **kwargs):
        if str(path).endswith(".journal.jsonl"):
            opened.append(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setattr(tags.os, "open", counting_open)
    session = tags.Session("claims-practice", work_dir=tmp_path)
    try:
        assert any("browser-only edition" in m for m in session.messages)
        before = len(opened)
        session.set({"kind": "sentence", "unit": "p01.s2", "label": "CHECK"})
        session.undo()
        assert len(opened) == before + 2
        lines = (tmp_path / "claims-practice.journal.jsonl").read_text().splitlines()
        assert [json.loads(line).get("op") for line in lines] == [None, "set", "undo"]
    finally:
        session.close()
    assert session.journal._fd is None
