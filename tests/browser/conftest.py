"""Fixtures for the real-browser tests (Debian Chromium + Playwright + JupyterLab 4 / Notebook 7).

Every test in this folder is marked ``browser``. Without the Chromium binary (``$BROWSER_PATH``, default
``/usr/bin/chromium``) or the ``playwright`` package the tests are skipped, unless ``REQUIRE_BROWSER=1``
(CI sets it), in which case each of them fails with the reason. ``JUPYTER_UIS=lab`` skips the
Notebook 7 variants of the tests that use the ``ui`` fixture.

Fixtures:

``jupyter``
    factory, function scope: ``server = jupyter("lab" | "notebook", notebooks, env=None)`` starts a
    :class:`harness.JupyterServer` with a copy of ``notebooks`` (a file, a folder whose contents are
    copied, or a list of both) and stops it after the test. ``env`` goes to the server and its kernels,
    e.g. ``{"KIT_WORK_DIR": str(tmp_path / "work")}``.
``lab_server`` / ``notebook_server``
    one server per module, with a copy of the module's ``notebooks`` and ``jupyter_env`` fixtures
    (override them in the test module; by default the root is empty and you may copy files into
    ``server.root`` yourself).
``browser_context``
    a fresh Chromium (persistent context, temporary profile) per test.
``page``
    its first tab, with uncaught page errors and console errors collected. On failure a screenshot
    is saved to ``test-artifacts/<test name>.png`` and the report gets the page errors, console errors
    and the tail of every live server's log.
``page_errors``
    the live list of uncaught page errors of ``page``; check it with
    ``harness.unexpected_page_errors(page_errors) == []``.
``ui``
    ``"lab"`` then ``"notebook"``: a test that asks for it runs in both UIs (minus those left out of
    ``JUPYTER_UIS``). ``@pytest.mark.parametrize("ui", ["lab"])`` on a test overrides it.
``artifacts``
    the ``test-artifacts/`` folder (created on demand).

A test that needs its own notebooks, in both UIs::

    def test_tagging(ui, jupyter, page, tmp_path):
        server = jupyter(ui, NOTEBOOKS / "tagging.ipynb", env={"KIT_WORK_DIR": str(tmp_path)})
        harness.open_notebook(page, server, "tagging.ipynb")
        harness.run_all(page)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from . import harness

HERE = Path(__file__).resolve().parent
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.isfile(harness.CHROMIUM) and os.access(harness.CHROMIUM, os.X_OK)) \
            and not shutil.which(harness.CHROMIUM):
        return (f"no Chromium at {harness.CHROMIUM} (set BROWSER_PATH, or "
                "`apt-get install chromium`; never `playwright install`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright package is missing ({exc}); `pip install '.[test]'`"
    return None


MISSING = _missing()
if MISSING and "playwright" in MISSING and not REQUIRE_BROWSER:
    collect_ignore_glob = ["test_*.py"]  # they import playwright at the top; nothing to skip them with


def _in_this_folder(item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item):
    if MISSING and _in_this_folder(item):
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but the browser tests cannot run: {MISSING}", pytrace=False)
        pytest.skip(MISSING)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``item.rep_setup``, ``item.rep_call``) for fixtures,
    and add the page's errors and the servers' logs to the report of a failed browser test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed and _in_this_folder(item):
        watched = getattr(item, "_browser_watch", None)
        if watched:
            errors, console = watched
            if errors:
                report.sections.append(("page errors", "\n".join(errors)))
            if console:
                report.sections.append(("console errors", "\n".join(console[-40:])))
        for server in harness.live_servers():
            report.sections.append((f"jupyter {server.ui} log (tail)", server.log_tail()))
    return report


@pytest.fixture(params=[pytest.param(ui, id=ui) for ui in harness.ALL_UIS])
def ui(request) -> str:
    if request.param not in harness.UIS:
        pytest.skip(f"JUPYTER_UIS={','.join(harness.UIS)}")
    return request.param


@pytest.fixture(scope="session")
def artifacts() -> Path:
    harness.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return harness.ARTIFACTS


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser_context(playwright):
    context = harness.launch_browser(playwright, harness.ARTIFACTS)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context, request):
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    errors = harness.watch_page_errors(page)
    console = harness.watch_console(page)
    request.node._browser_watch = (errors, console)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        try:
            path = harness.screenshot(page, harness.ARTIFACTS, request.node.name)
            print(f"screenshot of the failure: {path}")
        except Exception as exc:  # the page may be gone
            print(f"no screenshot: {exc}")


@pytest.fixture
def page_errors(page, request) -> list[str]:
    return request.node._browser_watch[0]


def _server_factory(request):
    servers: list[harness.JupyterServer] = []

    def start(ui: str = "lab", notebooks=None, env=None, **options) -> harness.JupyterServer:
        server = harness.JupyterServer(ui, notebooks, env, **options)
        servers.append(server)
        return server.start()

    def stop_all():
        for server in reversed(servers):
            server.stop()

    request.addfinalizer(stop_all)
    return start


@pytest.fixture
def jupyter(request):
    """``jupyter(ui, notebooks, env=None, **JupyterServer options)`` -> a started server, stopped after the test."""
    return _server_factory(request)


@pytest.fixture(scope="module")
def notebooks():
    """What ``lab_server`` / ``notebook_server`` copy into their root; override in a test module."""
    return None


@pytest.fixture(scope="module")
def jupyter_env():
    """Extra environment for ``lab_server`` / ``notebook_server``; override in a test module."""
    return {}


@pytest.fixture(scope="module")
def lab_server(request, notebooks, jupyter_env):
    if "lab" not in harness.UIS:
        pytest.skip(f"JUPYTER_UIS={','.join(harness.UIS)}")
    return _server_factory(request)("lab", notebooks, jupyter_env)


@pytest.fixture(scope="module")
def notebook_server(request, notebooks, jupyter_env):
    if "notebook" not in harness.UIS:
        pytest.skip(f"JUPYTER_UIS={','.join(harness.UIS)}")
    return _server_factory(request)("notebook", notebooks, jupyter_env)
