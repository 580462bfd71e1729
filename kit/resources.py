"""The one place that reads the kit's shipped data (``kit/data``).

Every other module asks here, so a regular (non-editable) install, a zip
import and the browser-only edition all find the same files.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable

from .errors import DataError

_PACKAGE = "kit"


def data_root() -> Traversable:
    return resources.files(_PACKAGE).joinpath("data")


def data_path(relative: str) -> Traversable:
    node = data_root()
    for part in relative.split("/"):
        node = node.joinpath(part)
    return node


def read_bytes(relative: str) -> bytes:
    node = data_path(relative)
    if not node.is_file():
        raise DataError(f"kit/data/{relative}", None, None, "file is missing from the installed kit")
    return node.read_bytes()


def read_toml(relative: str) -> dict:
    return parse_toml(read_bytes(relative), f"kit/data/{relative}")


def parse_toml(raw: bytes, label: str) -> dict:
    """Parse TOML bytes, reporting syntax errors against ``label`` (a file name)."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(label, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(label, None, None, f"not valid TOML: {exc}") from None


def list_files(relative_dir: str, suffix: str) -> list[str]:
    """Relative paths of the files in a data folder with a given suffix, sorted."""
    folder = data_path(relative_dir)
    if not folder.is_dir():
        return []
    names = sorted(n.name for n in folder.iterdir() if n.is_file() and n.name.endswith(suffix))
    return [f"{relative_dir}/{name}" for name in names]
