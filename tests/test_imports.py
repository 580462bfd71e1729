"""The browser-safe core: no pandas, numpy or plotly, and pure-Python dependencies only."""

import json
import subprocess
import sys

import pytest

# Modules that must run in the browser-only edition. Later issues add answers, tags, scoring and
# widgets; every module listed here that exists is checked, and the list of those that must exist grows.
CORE = ["kit", "kit.corpus", "kit.taxonomy", "kit.cleaner", "kit.segment", "kit.resources", "kit.cli"]
LATER_CORE = ["kit.answers", "kit.tags", "kit.scoring", "kit.widgets"]
HEAVY = ("pandas", "numpy", "plotly")

PROBE = r"""
import importlib, importlib.util, json, sys, sysconfig
wanted = json.loads(sys.argv[1])
imported = []
for name in wanted:
    if importlib.util.find_spec(name) is not None:
        importlib.import_module(name)
        imported.append(name)
import kit
kit.load_editorial(); kit.load_articles(); kit.load_record()
stdlib = sysconfig.get_paths()["stdlib"]
import os
from importlib.metadata import distributions
files = [os.path.realpath(m.__file__) for m in list(sys.modules.values())
         if (getattr(m, "__file__", None) or "").endswith((".so", ".pyd")) and not m.__file__.startswith(stdlib)]
owner = {}
for dist in distributions():
    for f in dist.files or ():
        if str(f).endswith((".so", ".pyd")):
            owner[os.path.realpath(dist.locate_file(f))] = dist.metadata["Name"]
compiled = sorted({owner.get(f, f) for f in files})
print(json.dumps({"imported": imported, "modules": sorted(sys.modules), "compiled": compiled}))
"""


@pytest.fixture(scope="module")
def probe():
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(CORE + LATER_CORE)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_core_modules_import(probe):
    assert set(CORE) <= set(probe["imported"])


def test_core_never_imports_pandas_numpy_or_plotly(probe):
    loaded = {m.split(".")[0] for m in probe["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


# Distributions whose compiled modules are optional speed-ups: each also publishes a pure-Python
# wheel (py3-none-any), which is what the browser-only edition installs.
PURE_FALLBACK = {"psygnal": "anywidget's event library; mypyc-compiled on CPython, pure wheel for other platforms"}


def test_core_loads_no_compiled_third_party_module(probe):
    # A compiled extension outside the standard library cannot run in Pyodide from a pure wheel.
    assert set(probe["compiled"]) <= set(PURE_FALLBACK), probe["compiled"]


def test_the_probe_would_notice_pandas():
    out = subprocess.run([sys.executable, "-c", "import json, sys, kit; kit.load_coverage(); "
                          "print(json.dumps(sorted(sys.modules)))"], capture_output=True, text=True, check=True)
    assert "pandas" in json.loads(out.stdout)
