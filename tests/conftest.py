import pytest

import kit


@pytest.fixture(scope="session")
def editorial() -> kit.Document:
    return kit.load_editorial()
