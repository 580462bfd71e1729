"""The browser-only edition: a static JupyterLite site with the lessons and the kit, no server, no install.

``kit lite build OUTDIR`` (or :func:`build_lite`) writes a folder that any static web server, or GitHub
Pages, can serve. Students open it in a browser; Python runs in the browser (Pyodide, a WebAssembly
build of CPython) and the tagging lessons work with no network at all:

* Pyodide's runtime comes from the npm ``pyodide`` package, at the version the installed
  ``jupyterlite-pyodide-kernel`` expects, fetched once with ``npm pack`` and cached;
* the pure-Python wheels the kernel and the tagging lessons need (IPython, ipywidgets, anywidget,
  pysbd, ...) are downloaded once from PyPI for Python 3.14 (``pip download --platform any``), cached,
  and bundled; a wheel of this kit is built from the installed ``kit`` package *without* its heavy
  dependencies (pandas, plotly, jupyterlab are not requirements in the browser) and without the parts
  that never run there (:data:`BROWSER_LEAVE_OUT`: the command line, grading, the teacher's guide...);
* the site ships only the front-end extensions the lessons need (:data:`REQUIRED_LABEXTENSIONS`), not
  whatever the build environment has installed, and plotly's is loaded the first time a figure is drawn,
  not with every page (:data:`PLOTLY_LABEXTENSION`);
* Pyodide's ``pyodide-lock.json`` is rewritten so that its package loader serves the bundled wheels
  (``import kit`` in a cell loads the kit and what it needs, by import name); every package of Pyodide's
  own distribution that is *not* bundled (numpy, pandas, ...) keeps pointing at Pyodide's CDN, so a
  lesson that needs pandas works when the browser is online, and says so;
* ``jupyter-lite.json`` sets ``disablePyPIFallback`` (a missing package fails at once instead of
  reaching for PyPI) and ``exposeAppInBrowser`` (``window.jupyterapp``, for the browser tests).

The build needs, in the Python environment that runs it, ``jupyterlite-core``,
``jupyterlite-pyodide-kernel`` and ``jupyter_server`` (the ``lite`` extra), plus npm on the PATH the
first time. It installs nothing into that environment: downloads go to the cache
(``$KIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/media-literacy-kit``, else ``~/.cache/media-literacy-kit``),
so a rebuild needs no network.

Student work lives in the browser's storage (IndexedDB, through JupyterLite's file system): the lessons
and the tagger say so, and export is one click (the tagger's Export, then Download).
"""

from __future__ import annotations

import argparse
import base64
import copy
import email.parser
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from .._version import __version__
from ..errors import KitError
# the lessons' conversion, part of this package's interface (kit lite, the tests)
from .lessons import (KERNELSPEC, LESSON_MODES, NETWORK_CELL, NETWORK_CODE, NETWORK_NOTE, NOTE_KEY,  # noqa: F401
                      STORAGE_NOTE, LessonCopy, copy_lessons, default_lessons_dir, lesson_mode, lite_notebook)

DIST_NAME = "media-literacy-kit"
IMPORT_NAME = "kit"
CACHE_ENV = "KIT_CACHE_DIR"
#: The folder of the site's file browser that holds the lessons.
LESSONS_FOLDER = "lessons"
PYODIDE_KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
#: The installed kit package (this package's parent): what the browser's wheel is built from.
KIT_PACKAGE = Path(__file__).resolve().parents[1]

#: What ``import kit`` and the tagger need in the browser. The ranges come from the installed kit's
#: metadata when it has any (they then follow pyproject.toml); these are the fallback.
RUNTIME_REQUIREMENTS = ("pysbd>=0.3.4,<0.4", "anywidget>=0.9.13,<0.12", "traitlets>=5.9,<6", "ipywidgets>=8.1,<9")
#: What the Pyodide kernel installs when it starts (``initPackageManager`` and ``initKernel`` of its worker):
#: none of it is in the npm ``pyodide`` package, so it is bundled too.
KERNEL_REQUIREMENTS = ("micropip", "packaging", "ipython", "jedi", "comm")
#: Pure-Python, not in Pyodide's distribution, needed by the chart lessons: bundled so that only numpy and
#: pandas (from Pyodide's CDN) need the network there. Pinned to the build environment's plotly when it
#: has one, so the Python side matches the front-end extension bundled from that environment.
CHART_REQUIREMENTS = ("plotly>=5.22,<8",)
#: Front-end packages that ipywidgets requires but a browser kernel never imports: the site's widget
#: manager comes from the build environment's JupyterLab extension.
FRONTEND_ONLY = frozenset({"widgetsnbextension", "jupyterlab-widgets"})
#: The front-end extensions the site ships (npm name -> the distribution that installs it in the build
#: environment), and no others: the kernel, and the widget manager and anywidget without which widgets show as
#: plain text. Left to itself JupyterLab's build copies every extension of the build environment (Voila's
#: preview, jupyterlab_pygments, Notebook 7's, from the test tools), and every page fetches them all.
#: plotly's (jupyterlab-plotly) is not among them: see :data:`PLOTLY_LABEXTENSION`.
REQUIRED_LABEXTENSIONS = {"@jupyter-widgets/jupyterlab-manager": "jupyterlab_widgets",
                          "anywidget": "anywidget",
                          "@jupyterlite/pyodide-kernel-extension": "jupyterlite-pyodide-kernel"}
#: plotly's front end (jupyterlab-plotly, from the build environment's plotly: all of plotly.js, 4.8 MB, 15% of
#: a cold load) is in the site, but no page loads it at start, as JupyterLab does every extension's renderer:
#: a stand-in of a few lines (:data:`LAZY_PLOTLY_JS`) registers plotly's mimetype and loads the real one the
#: first time a figure is drawn (the chart lessons).
PLOTLY_LABEXTENSION = "jupyterlab-plotly"
PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
LAZY_PLOTLY = "kit-lazy-plotly"
#: Parts of the kit that never run in the browser, left out of its wheel there: the command line, this
#: builder, the teacher's guide, case authoring and grading (paths in the package; a folder ends in "/").
BROWSER_LEAVE_OUT = ("__main__.py", "cli.py", "lite/", "guide.py", "data/guide.toml", "authoring.py", "grading/")
#: The runtime files of the npm ``pyodide`` package that the site serves.
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
#: The environment that ``Requires-Dist`` markers are evaluated in for the browser.
EMSCRIPTEN_MARKERS = {
    "os_name": "posix", "sys_platform": "emscripten", "platform_system": "Emscripten",
    "platform_machine": "wasm32", "platform_release": "", "platform_version": "",
    "implementation_name": "cpython", "platform_python_implementation": "CPython",
    "implementation_version": "3.14.0", "python_version": "3.14", "python_full_version": "3.14.0", "extra": "",
}
Progress = Callable[[str], None]


@dataclass
class LiteReport:
    """What :func:`build_lite` built: where, how big, how long, with what."""

    outdir: Path
    site_bytes: int
    build_seconds: float
    wheels: list[str]                 # bundled wheel file names, the kit's first
    lessons: list[str]                # notebooks in the site, relative to its file browser
    network_lessons: list[str]        # those that need the internet (pandas from Pyodide's CDN)
    pyodide_version: str
    python_version: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def site_mib(self) -> float:
        return self.site_bytes / 2**20

    def summary(self) -> str:
        lines = [f"built the browser-only edition in {self.outdir}",
                 f"  {self.site_bytes:,} bytes ({self.site_mib:.1f} MiB) in {self.build_seconds:.1f} s",
                 f"  Pyodide {self.pyodide_version} (Python {self.python_version}), "
                 f"{len(self.wheels)} bundled wheels: {', '.join(self.wheels)}",
                 f"  lessons: {', '.join(self.lessons) or '(none)'}"]
        if self.network_lessons:
            lines.append(f"  need the internet (pandas from Pyodide's CDN): {', '.join(self.network_lessons)}")
        lines.append(f"serve it with any static web server, e.g. "
                     f"python -m http.server --bind 127.0.0.1 8000 -d {self.outdir}")
        lines.append("then open http://127.0.0.1:8000/lab/index.html")
        return "\n".join(lines)

    def to_json(self) -> dict:
        data = asdict(self)
        data["outdir"] = str(self.outdir)
        return data


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------

def cache_dir() -> Path:
    """Where downloads are kept between builds (``$KIT_CACHE_DIR``, else the user's cache folder)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "media-literacy-kit"


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, as Pyodide's lock keys use it: ``Typing_Extensions`` -> ``typing-extensions``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical_name(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink())


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _run(cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    except FileNotFoundError as exc:
        raise KitError(f"{what}: {cmd[0]} not found ({exc})") from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + "\n" + proc.stderr).strip().splitlines()[-25:])
        raise KitError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    return proc


def pyodide_versions() -> tuple[str, str]:
    """(Pyodide version, Python version) that the installed jupyterlite-pyodide-kernel expects."""
    from jupyterlite_pyodide_kernel import constants

    return constants.PYODIDE_VERSION, constants.PYODIDE_PYTHON_VERSION


def pyodide_cdn_url(version: str) -> str:
    return f"https://cdn.jsdelivr.net/pyodide/v{version}/full/"


def labextensions_dir() -> Path:
    """Where the build environment's JupyterLab extensions are installed."""
    return Path(sys.prefix) / "share" / "jupyter" / "labextensions"


def check_build_environment() -> None:
    """Raise :class:`KitError` naming what the build environment lacks."""
    missing = [dist for module, dist in (("jupyterlite_core", "jupyterlite-core"),
                                         ("jupyterlite_pyodide_kernel", "jupyterlite-pyodide-kernel"),
                                         ("jupyter_server", "jupyter_server"),
                                         ("packaging", "packaging"))
               if importlib.util.find_spec(module) is None]
    if missing:
        raise KitError(f"building the browser-only edition needs {', '.join(missing)} in this Python environment "
                       f"({sys.executable}): pip install \"media-literacy-kit[lite]\" (or pip install "
                       f"{' '.join(missing)})")
    labext = labextensions_dir()
    absent = [f"{dist} ({name})" for name, dist in REQUIRED_LABEXTENSIONS.items()
              if not (labext / name / "package.json").is_file()]
    if absent:
        raise KitError(f"the build environment has no JupyterLab extension for {', '.join(absent)} under {labext}; "
                       "without it the widgets would show as plain text. Install those packages into it.")


# --------------------------------------------------------------------------------------------------
# (a) Pyodide's runtime from npm
# --------------------------------------------------------------------------------------------------

def fetch_pyodide(version: str, cache: Path, progress: Progress | None = None) -> Path:
    """The npm ``pyodide@version`` tarball, from the cache or ``npm pack`` (checked against npm's integrity)."""
    folder = cache / "npm"
    tarball = folder / f"pyodide-{version}.tgz"
    stamp = folder / f"pyodide-{version}.integrity"
    if tarball.is_file() and stamp.is_file() and _integrity(tarball, stamp.read_text().strip()):
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise KitError(f"npm is needed (once; the result is cached in {folder}) to fetch Pyodide's runtime, "
                       f"the npm package pyodide@{version}; install Node.js and npm")
    folder.mkdir(parents=True, exist_ok=True)
    _say(progress, f"fetching pyodide@{version} from npm")
    with tempfile.TemporaryDirectory(prefix="kit-npm-") as tmp:
        proc = _run([npm, "pack", f"pyodide@{version}", "--json", "--pack-destination", tmp],
                    f"npm pack pyodide@{version}", cwd=tmp)
        info = json.loads(proc.stdout[proc.stdout.index("["):])[0]
        got = Path(tmp) / info["filename"]
        if not _integrity(got, info["integrity"]):
            raise KitError(f"npm pack pyodide@{version}: the tarball does not match its integrity {info['integrity']}")
        shutil.move(str(got), tarball)
    stamp.write_text(info["integrity"] + "\n")
    return tarball


def _integrity(path: Path, integrity: str) -> bool:
    algo, _, expected = integrity.partition("-")
    if algo not in ("sha512", "sha384", "sha256", "sha1"):
        return False
    digest = hashlib.new(algo, path.read_bytes()).digest()
    return base64.b64encode(digest).decode() == expected


def unpack_pyodide(tarball: Path, dest: Path) -> dict:
    """Copy the runtime files into ``dest``; return the package's ``pyodide-lock.json``."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f"package/{name}": name for name in PYODIDE_FILES}
    lock = None
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                with tar.extractfile(member) as src, open(dest / wanted[member.name], "wb") as out:
                    shutil.copyfileobj(src, out)
            elif member.name == "package/pyodide-lock.json":
                lock = json.load(tar.extractfile(member))
    missing = [name for name in PYODIDE_FILES if not (dest / name).is_file()]
    if missing or lock is None:
        raise KitError(f"{tarball} lacks {', '.join(missing or ['pyodide-lock.json'])}: not a Pyodide runtime package")
    return lock


# --------------------------------------------------------------------------------------------------
# (b) wheels: the kit's own, the pure-Python ones from PyPI, and the lock that serves them
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WheelInfo:
    """One wheel as Pyodide's lock describes it."""

    name: str            # the distribution's own spelling
    version: str
    file_name: str
    sha256: str
    imports: tuple[str, ...]
    requires: tuple[str, ...]   # Requires-Dist lines, markers included

    @property
    def key(self) -> str:
        return canonical_name(self.name)

    def depends(self, environment: Mapping[str, str] = EMSCRIPTEN_MARKERS) -> list[str]:
        """Canonical names of the requirements that apply in the browser (markers evaluated there)."""
        from packaging.requirements import Requirement

        out = []
        for line in self.requires:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate(dict(environment)):
                continue
            name = canonical_name(req.name)
            if name not in out:
                out.append(name)
        return out


def read_wheel(path: Path) -> WheelInfo:
    """Name, version, requirements and top-level import names of a wheel file."""
    path = Path(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        metadata_path = next((n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None)
        if metadata_path is None:
            raise KitError(f"{path.name} is not a wheel (no .dist-info/METADATA)")
        meta = email.parser.Parser().parsestr(zf.read(metadata_path).decode("utf-8"), headersonly=True)
        top_level_path = metadata_path.rsplit("/", 1)[0] + "/top_level.txt"
        if top_level_path in names:
            imports = [line.strip() for line in zf.read(top_level_path).decode().splitlines() if line.strip()]
        else:
            imports = []
            for name in names:
                first = name.split("/", 1)[0]
                if first.endswith((".dist-info", ".data")):
                    continue
                if "/" in name and name.endswith("/__init__.py") and name.count("/") == 1:
                    imports.append(first)
                elif "/" not in name and name.endswith(".py"):
                    imports.append(name[:-3])
        imports = sorted({i for i in imports if i.isidentifier()})
    return WheelInfo(name=meta["Name"], version=meta["Version"], file_name=path.name, sha256=sha256_file(path),
                     imports=tuple(imports), requires=tuple(meta.get_all("Requires-Dist") or ()))


def kit_requirements() -> list[str]:
    """The ranges of :data:`RUNTIME_REQUIREMENTS` as the installed kit's metadata states them."""
    from importlib import metadata

    wanted = {requirement_name(r): r for r in RUNTIME_REQUIREMENTS}
    try:
        declared = metadata.requires(DIST_NAME) or []
    except metadata.PackageNotFoundError:
        declared = []
    for line in declared:
        spec = line.split(";", 1)[0].strip()
        if ";" in line and "extra" in line.split(";", 1)[1]:
            continue
        name = requirement_name(spec)
        if name in wanted:
            wanted[name] = spec
    return list(wanted.values())


def chart_requirements() -> list[str]:
    """plotly, pinned to the build environment's version when it has one (its front end is bundled)."""
    from importlib import metadata

    try:
        return [f"plotly=={metadata.version('plotly')}"]
    except metadata.PackageNotFoundError:
        return list(CHART_REQUIREMENTS)


def lock_pins(lock: Mapping) -> dict[str, str]:
    """``name -> version`` for Pyodide's own pure-Python packages: bundled wheels keep the versions it was
    tested with (micropip, packaging, IPython...)."""
    pins = {}
    for key, entry in lock.get("packages", {}).items():
        if entry.get("package_type", "package") == "package" and entry.get("file_name", "").endswith("-none-any.whl"):
            pins[canonical_name(entry.get("name", key))] = entry["version"]
    return pins


def download_wheels(requirements: Iterable[str], pins: Mapping[str, str], python_version: str, cache: Path,
                    progress: Progress | None = None) -> list[Path]:
    """Pure-Python wheels for ``requirements`` (and their dependencies) for Python ``python_version``.

    ``pins`` constrain versions where they apply. The answer is remembered in the cache under a key of
    the inputs, so a second build with the same inputs needs no network.
    """
    requirements = sorted(requirements)
    constraints = [f"{name}=={version}" for name, version in sorted(pins.items())]
    flags = ["--only-binary=:all:", "--python-version", python_version, "--implementation", "py",
             "--abi", "none", "--platform", "any"]
    key = hashlib.sha256(json.dumps([requirements, constraints, flags]).encode()).hexdigest()[:16]
    pool = cache / "wheels"
    manifest = cache / "manifests" / f"wheels-{key}.json"
    if manifest.is_file():
        entries = json.loads(manifest.read_text())
        paths = [pool / e["file"] for e in entries]
        if all(p.is_file() and sha256_file(p) == e["sha256"] for p, e in zip(paths, entries)):
            return paths
    pool.mkdir(parents=True, exist_ok=True)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    _say(progress, f"downloading {len(requirements)} pure-Python wheels (and dependencies) for Python {python_version}")
    with tempfile.TemporaryDirectory(prefix="kit-pip-") as tmp:
        cfile = Path(tmp) / "constraints.txt"
        cfile.write_text("\n".join(constraints) + "\n")
        dest = Path(tmp) / "wheels"  # fresh, so that what is in it is exactly what pip resolved
        cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-input",
               *flags, "-d", str(dest), "-c", str(cfile), *requirements]
        _run(cmd, "pip download (the browser's wheels)")
        entries = []
        for path in sorted(dest.glob("*.whl")):
            target = pool / path.name
            if not target.is_file() or sha256_file(target) != sha256_file(path):
                shutil.copy2(path, target)
            entries.append({"file": path.name, "sha256": sha256_file(target)})
    manifest.write_text(json.dumps(entries, indent=1) + "\n")
    return [pool / e["file"] for e in entries]


def build_kit_wheel(dest: Path, requirements: Iterable[str] | None = None, package_dir: Path | None = None,
                    leave_out: Iterable[str] = BROWSER_LEAVE_OUT) -> Path:
    """A pure ``py3-none-any`` wheel of the ``kit`` import package, requiring only ``requirements``.

    Built from the package folder itself (a checkout or an installed kit alike), reproducibly (fixed
    timestamps, sorted entries), without the files and folders (ending in "/") of ``leave_out``. The version
    gets a local label with a hash of the contents, so a site rebuilt after a change never meets a stale
    cached wheel in a browser.
    """
    package_dir = Path(package_dir or KIT_PACKAGE)
    requirements = list(kit_requirements() if requirements is None else requirements)
    leave_out = tuple(leave_out)

    def wanted(path: Path) -> bool:
        rel = path.relative_to(package_dir)
        return (path.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(rel.parts)
                and path.suffix not in (".pyc", ".pyo") and not path.name.startswith(".#")
                and not any(rel.as_posix() == x or (x.endswith("/") and rel.as_posix().startswith(x))
                            for x in leave_out))

    files = sorted(p for p in package_dir.rglob("*") if wanted(p))
    contents = hashlib.sha256()
    for p in files:
        contents.update(p.relative_to(package_dir).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    contents.update(json.dumps(requirements).encode())
    version = f"{__version__}+lite.{contents.hexdigest()[:10]}"
    stem = f"{DIST_NAME.replace('-', '_')}-{version}"
    dist_info = f"{stem}.dist-info"
    metadata = "\n".join(["Metadata-Version: 2.1", f"Name: {DIST_NAME}", f"Version: {version}",
                          "Summary: media-literacy-kit, browser-only build (the tagging core; "
                          "pandas and plotly are not requirements here)",
                          "Requires-Python: >=3.11", *(f"Requires-Dist: {r}" for r in requirements)]) + "\n"
    wheel_meta = "Wheel-Version: 1.0\nGenerator: kit.lite\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries = [(f"{IMPORT_NAME}/{p.relative_to(package_dir).as_posix()}", p.read_bytes()) for p in files]
    entries += [(f"{dist_info}/METADATA", metadata.encode()), (f"{dist_info}/WHEEL", wheel_meta.encode()),
                (f"{dist_info}/top_level.txt", f"{IMPORT_NAME}\n".encode())]
    record = []
    for name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def select_wheels(roots: Iterable[str], wheels: Iterable[WheelInfo], *,
                  environment: Mapping[str, str] = EMSCRIPTEN_MARKERS,
                  exclude: Iterable[str] = FRONTEND_ONLY) -> list[WheelInfo]:
    """The wheels that ``roots`` need in the browser (their closure under ``environment``'s markers).

    Raises :class:`KitError` when a needed distribution has no wheel: the site would reach for the network.
    """
    by_key = {w.key: w for w in wheels}
    skip = {canonical_name(e) for e in exclude}
    chosen: dict[str, WheelInfo] = {}
    todo = [canonical_name(requirement_name(r)) for r in roots]
    missing = []
    while todo:
        name = todo.pop(0)
        if name in chosen or name in skip:
            continue
        wheel = by_key.get(name)
        if wheel is None:
            missing.append(name)
            continue
        chosen[name] = wheel
        todo.extend(wheel.depends(environment))
    if missing:
        raise KitError(f"no pure-Python wheel for {', '.join(sorted(set(missing)))}: the browser would have to "
                       "fetch it from the network")
    return list(chosen.values())


def rewrite_lock(lock: Mapping, wheels: Iterable[WheelInfo], *, cdn_url: str | None,
                 environment: Mapping[str, str] = EMSCRIPTEN_MARKERS,
                 exclude: Iterable[str] = FRONTEND_ONLY) -> dict:
    """Pyodide's lock with ``wheels`` served from beside it, and everything else from ``cdn_url``.

    Each bundled wheel replaces (or adds) the entry of its name, with its file name (relative: served
    from the lock's own folder), version, sha256, import names and the dependencies that apply in the
    browser (front-end-only ones left out). The lock's other packages, whose files this site does not
    have, get absolute ``cdn_url`` addresses, so they load from Pyodide's distribution when the browser is
    online (or are dropped with ``cdn_url=None``).
    """
    out = copy.deepcopy(dict(lock))
    packages = dict(out.get("packages", {}))
    skip = {canonical_name(e) for e in exclude}
    wheels = list(wheels)
    bundled = {w.key for w in wheels}
    for key in list(packages):
        if canonical_name(key) in bundled:
            continue
        entry = dict(packages[key])
        file_name = entry.get("file_name", "")
        if "://" in file_name or file_name.startswith("/"):
            packages[key] = entry
        elif cdn_url is None:
            del packages[key]
        else:
            entry["file_name"] = cdn_url.rstrip("/") + "/" + file_name
            packages[key] = entry
    for key in list(packages):  # drop stale spellings of bundled names (keys are canonical in Pyodide's lock)
        if canonical_name(key) in bundled and key != canonical_name(key):
            del packages[key]
    for w in wheels:
        packages[w.key] = {
            "name": w.name, "version": w.version, "file_name": w.file_name, "install_dir": "site",
            "sha256": w.sha256, "package_type": "package", "imports": list(w.imports),
            "depends": [d for d in w.depends(environment) if d not in skip],
            "unvendored_tests": False,
        }
    if cdn_url is None:  # no dangling dependencies
        for entry in packages.values():
            entry["depends"] = [d for d in entry.get("depends", []) if d in packages]
    out["packages"] = dict(sorted(packages.items()))
    return out


# --------------------------------------------------------------------------------------------------
# (d) the site's configuration
# --------------------------------------------------------------------------------------------------

def lite_config(app_name: str = "Media literacy kit") -> dict:
    """``jupyter-lite.json`` of the site: no PyPI fallback, the app on ``window``, quiet start."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": app_name,
            "exposeAppInBrowser": True,
            "defaultKernelName": "python",
            "litePluginSettings": {PYODIDE_KERNEL_PLUGIN: {"disablePyPIFallback": True}},
            "settingsOverrides": {
                # no news toast, no update check: nothing leaves the page
                "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
                # open a lesson straight into its kernel, with no "Select Kernel" dialog
                "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
            },
        },
    }


def lite_build_config(labextensions: Path | None = None, extra: Iterable[Path] = ()) -> dict:
    """``jupyter_lite_config.json`` of the build: the site ships :data:`REQUIRED_LABEXTENSIONS`, taken from
    ``labextensions`` (the build environment's), and the extension folders ``extra``, and none of the other
    extensions installed there."""
    labextensions = Path(labextensions or labextensions_dir())
    return {"LiteBuildConfig": {
        "ignore_sys_prefix": ["federated_extensions"],
        "federated_extensions": [str(labextensions / name) for name in sorted(REQUIRED_LABEXTENSIONS)]
                                + [str(Path(p)) for p in extra],
    }}


#: The stand-in's code (a module-federation container), filled in by :func:`lazy_plotly_extension`.
LAZY_PLOTLY_JS = KIT_PACKAGE / "static" / "lazy-plotly.js"


def lazy_plotly_extension(dest: Path, plotly_labextension: Path | None = None) -> Path:
    """Write the stand-in extension for plotly's front end into ``dest`` (a folder named after it).

    The real extension's files (``plotly_labextension``, default: the build environment's) go into its
    ``static/plotly/`` without their ``package.json``, so that JupyterLite neither lists nor loads them at
    start. Returns the folder. Raises :class:`KitError` when the real extension is not a built one.
    """
    real = Path(plotly_labextension or labextensions_dir() / PLOTLY_LABEXTENSION)
    try:
        build = json.loads((real / "package.json").read_text(encoding="utf-8"))["jupyterlab"]["_build"]
        load, module = build["load"], build["mimeExtension"]
    except (OSError, ValueError, KeyError, TypeError):
        raise KitError(f"{real} is not a built JupyterLab mime extension (no package.json with "
                       "jupyterlab._build.load and mimeExtension)") from None
    if module != "./mimeExtension" or not (real / load).is_file():
        raise KitError(f"{real}: its entry point {load} ({module}) is not what the stand-in expects")
    dest = Path(dest)
    shutil.copytree(real / "static", dest / "static" / "plotly")
    code = LAZY_PLOTLY_JS.read_text(encoding="utf-8")
    real_entry = "plotly/" + Path(load).relative_to("static").as_posix()
    for placeholder, value in (("__NAME__", LAZY_PLOTLY), ("__REAL__", PLOTLY_LABEXTENSION),
                               ("__MIME__", PLOTLY_MIMETYPE), ("__REAL_ENTRY__", real_entry)):
        code = code.replace(placeholder, value)
    entry = f"static/remoteEntry.{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
    (dest / entry).write_text(code, encoding="utf-8")
    package = {"name": LAZY_PLOTLY, "version": "1.0.0", "private": True,
               "description": "plotly's front end, loaded the first time a figure is drawn",
               "jupyterlab": {"mimeExtension": True, "_build": {"load": entry, "mimeExtension": "./mimeExtension"}}}
    (dest / "package.json").write_text(json.dumps(package, indent=1) + "\n", encoding="utf-8")
    return dest


# --------------------------------------------------------------------------------------------------
# (e, f) the build
# --------------------------------------------------------------------------------------------------

def _prepare_outdir(outdir: Path, force: bool, protected: Iterable[Path]) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise KitError(f"{outdir} exists and is not a folder")
    if outdir.is_dir() and any(outdir.iterdir()):
        if not force:
            raise KitError(f"{outdir} is not empty; not overwriting it (use --force to replace it)")
        resolved = outdir.resolve()
        for p in [Path.home(), Path.cwd(), Path(resolved.anchor), *protected]:
            p = Path(p).resolve()
            if resolved == p or resolved in p.parents:
                raise KitError(f"refusing to replace {outdir}: it holds {p}")
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)


def build_lite(outdir: str | os.PathLike, *, lessons_dir: str | os.PathLike | None = None, force: bool = False,
               progress: Progress | None = None, cache: str | os.PathLike | None = None,
               charts: bool = True) -> LiteReport:
    """Build the browser-only edition (a static JupyterLite site) into ``outdir``; see the module docs.

    ``lessons_dir`` defaults to the checkout's ``lessons/`` (or ``./lessons``); ``force`` replaces a
    non-empty ``outdir``; ``progress`` is called with one line per step; ``cache`` overrides
    :func:`cache_dir`; ``charts=False`` leaves plotly out, its wheel and its front end (a smaller site that
    draws no chart).
    Raises :class:`KitError` on any failure, leaving no half-built site behind.
    """
    t0 = time.monotonic()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.monotonic()
        timings[name] = round(now - since, 2)
        return now

    check_build_environment()
    outdir = Path(outdir).expanduser()
    cache = Path(cache).expanduser() if cache is not None else cache_dir()
    if lessons_dir is None:
        lessons_dir = default_lessons_dir()
    lessons_dir = Path(lessons_dir).expanduser() if lessons_dir is not None else None
    protected = [cache] + ([lessons_dir] if lessons_dir else []) + [KIT_PACKAGE]
    _prepare_outdir(outdir, force, protected)
    pyodide_version, python_version = pyodide_versions()
    t = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="kit-lite-") as tmp:
            lite_dir = Path(tmp)
            static = lite_dir / "static" / "pyodide"
            # (a) the runtime
            tarball = fetch_pyodide(pyodide_version, cache, progress)
            lock = unpack_pyodide(tarball, static)
            t = lap("pyodide", t)
            # (b) the wheels and the lock
            _say(progress, "building the kit's own wheel (without pandas, plotly, jupyterlab)")
            runtime = kit_requirements()
            kit_wheel = build_kit_wheel(static, runtime)
            extra = chart_requirements() if charts else []
            roots = [*KERNEL_REQUIREMENTS, *runtime, *extra]
            files = download_wheels(roots, lock_pins(lock), python_version, cache, progress)
            infos = [read_wheel(p) for p in files]
            chosen = select_wheels(roots, infos)
            for w in chosen:
                shutil.copy2(next(p for p in files if p.name == w.file_name), static / w.file_name)
            kit_info = read_wheel(kit_wheel)
            bundled = [kit_info, *sorted(chosen, key=lambda w: w.key)]
            new_lock = rewrite_lock(lock, bundled, cdn_url=pyodide_cdn_url(pyodide_version))
            (static / "pyodide-lock.json").write_text(json.dumps(new_lock, indent=1, sort_keys=False) + "\n")
            t = lap("wheels", t)
            # (c) the lessons
            contents = lite_dir / "files"
            lessons: list[LessonCopy] = []
            (contents / LESSONS_FOLDER).mkdir(parents=True)
            if lessons_dir is not None:
                _say(progress, f"copying the lessons from {lessons_dir}")
                lessons = copy_lessons(lessons_dir, contents / LESSONS_FOLDER)
            else:
                _say(progress, "no lessons folder found (pass lessons_dir): the site has the kit but no lessons")
            # (d) the configuration
            (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(), indent=1) + "\n")
            extensions = []
            if charts and (labextensions_dir() / PLOTLY_LABEXTENSION).is_dir():
                extensions.append(lazy_plotly_extension(lite_dir / "extensions-lazy" / LAZY_PLOTLY))
            elif charts:
                _say(progress, f"no {PLOTLY_LABEXTENSION} in {labextensions_dir()}: the site will draw no chart")
            (lite_dir / "jupyter_lite_config.json").write_text(
                json.dumps(lite_build_config(extra=extensions), indent=1) + "\n")
            # (e) jupyter lite build
            _say(progress, f"running jupyter lite build into {outdir}")
            env = {k: v for k, v in os.environ.items()
                   if k not in ("JUPYTERLITE_PYODIDE_URL", "JUPYTERLITE_DIR", "JUPYTERLITE_OUTPUT_DIR")}
            _run([sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir),
                  "--contents", str(contents), "--output-dir", str(outdir.resolve()), "--no-sourcemaps"],
                 "jupyter lite build", cwd=lite_dir, env=env)
            t = lap("jupyter lite build", t)
            check_site(outdir, [w.file_name for w in bundled], [p.name for p in extensions])
    except BaseException:
        shutil.rmtree(outdir, ignore_errors=True)  # no half-built site (the folder was empty or absent)
        raise
    report = LiteReport(
        outdir=outdir, site_bytes=0, build_seconds=0.0, wheels=[w.file_name for w in bundled],
        lessons=[f"{LESSONS_FOLDER}/{c.path}" for c in lessons],
        network_lessons=[f"{LESSONS_FOLDER}/{c.path}" for c in lessons if c.network],
        pyodide_version=pyodide_version, python_version=python_version, timings=timings)
    report.build_seconds = round(time.monotonic() - t0, 2)
    info = report.to_json()
    info.pop("outdir")
    info.pop("site_bytes")
    info.update(kit_version=__version__)
    (outdir / "kit-lite-build.json").write_text(json.dumps(info, indent=1) + "\n")
    (outdir / ".nojekyll").write_text("")  # GitHub Pages: serve the files as they are
    report.site_bytes = tree_bytes(outdir)
    return report


def check_site(outdir: Path, wheels: list[str], extra_extensions: Iterable[str] = ()) -> None:
    """The built site serves Pyodide and the wheels locally, never falls back to PyPI, and loads only the
    front-end extensions it means to (:data:`REQUIRED_LABEXTENSIONS` and ``extra_extensions``)."""
    config = json.loads((outdir / "jupyter-lite.json").read_text())
    data = config.get("jupyter-config-data", {})
    settings = data.get("litePluginSettings", {}).get(PYODIDE_KERNEL_PLUGIN, {})
    problems = []
    if settings.get("pyodideUrl") != "./static/pyodide/pyodide.mjs":
        problems.append(f"pyodideUrl is {settings.get('pyodideUrl')!r}, not the bundled runtime")
    if not settings.get("disablePyPIFallback"):
        problems.append("the PyPI fallback is not disabled")
    if not data.get("exposeAppInBrowser"):
        problems.append("exposeAppInBrowser is off")
    shipped = {e.get("name") for e in data.get("federated_extensions", [])}
    expected = {*REQUIRED_LABEXTENSIONS, *extra_extensions}
    if shipped != expected:
        problems.append(f"the front-end extensions are {sorted(shipped)}, not {sorted(expected)}")
    static = outdir / "static" / "pyodide"
    for name in [*PYODIDE_FILES, "pyodide-lock.json", *wheels]:
        if not (static / name).is_file():
            problems.append(f"static/pyodide/{name} is missing")
    if problems:
        raise KitError("the built site is not self-contained: " + "; ".join(problems))


# --------------------------------------------------------------------------------------------------
# Command line: ``kit lite build OUTDIR`` (kit.cli wires these in)
# --------------------------------------------------------------------------------------------------

def add_build_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of ``kit lite build``; the handler is :func:`run_build`."""
    parser.add_argument("outdir", metavar="OUTDIR", help="where to write the site (must be empty, or use --force)")
    parser.add_argument("--lessons", metavar="DIR", default=None,
                        help="the lessons folder to copy (default: the checkout's lessons/, else ./lessons)")
    parser.add_argument("--force", action="store_true", help="replace a non-empty OUTDIR")
    parser.add_argument("--no-charts", action="store_true",
                        help="leave plotly out (smaller site; the chart lessons cannot run)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    parser.set_defaults(run=run_build)
    return parser


def run_build(args: argparse.Namespace) -> int:
    """Run ``kit lite build`` from parsed arguments; :class:`KitError` propagates (the CLI reports it)."""
    progress = None if args.quiet else (lambda message: print(f"kit lite: {message}", file=sys.stderr, flush=True))
    report = build_lite(args.outdir, lessons_dir=args.lessons, force=args.force, progress=progress,
                        charts=not args.no_charts)
    print(report.summary())
    return 0
