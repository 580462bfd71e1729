import pytest

import kit


@pytest.fixture(scope="session")
def editorial() -> kit.Document:
    return kit.load_editorial()


# CI runs the property tests with a fixed seed so that main stays green; locally they explore afresh.
import os  # noqa: E402

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
