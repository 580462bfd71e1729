"""Field checks for the kit's human-edited data files (TOML).

One failure gives one message naming the file, the item and the field, so a
teacher editing a file can fix it without reading a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from .errors import DataError

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Checker:
    """Reads fields of one item, raising :class:`DataError` on the first bad one."""

    def __init__(self, data: Mapping[str, Any], file: str, item: str | None):
        if not isinstance(data, Mapping):
            raise DataError(file, item, None, f"expected a table of fields, got {type(data).__name__}")
        self.data, self.file, self.item = data, file, item

    def fail(self, field: str | None, problem: str) -> DataError:
        return DataError(self.file, self.item, field, problem)

    def _get(self, field: str, required: bool, default: Any) -> Any:
        if field not in self.data:
            if required:
                raise self.fail(field, "is missing")
            return default
        return self.data[field]

    def text(self, field: str, *, required: bool = True, empty: bool = False, default: str = "") -> str:
        value = self._get(field, required, default)
        if not isinstance(value, str):
            raise self.fail(field, f"must be text, got {type(value).__name__}")
        if not empty and not value.strip():
            raise self.fail(field, "must not be empty")
        return value

    def choice(self, field: str, options: Iterable[str], *, required: bool = True, default: str = "") -> str:
        options = tuple(options)
        value = self.text(field, required=required, default=default, empty=not required)
        if value not in options and (required or value):
            raise self.fail(field, f"{value!r} is not one of: {', '.join(options)}")
        return value

    def iso_date(self, field: str, *, required: bool = True) -> date | None:
        value = self._get(field, required, None)
        if value is None:
            return None
        if isinstance(value, date):  # TOML's own date type
            return value
        if not isinstance(value, str):
            raise self.fail(field, f"must be a date like 2022-01-07, got {type(value).__name__}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(field, f"{value!r} is not a date like 2022-01-07") from None

    def url(self, field: str, *, required: bool = True, empty: bool = False) -> str:
        value = self.text(field, required=required, empty=empty)
        if value and not _URL.match(value):
            raise self.fail(field, f"{value!r} is not a web address (http:// or https://, no spaces)")
        return value

    def texts(self, field: str, *, required: bool = True, empty: bool = True,
              each: Callable[[str], bool] | None = None, describe: str = "") -> tuple[str, ...]:
        value = self._get(field, required, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(field, "must be a list of non-empty texts")
        if not empty and not value:
            raise self.fail(field, "must list at least one entry")
        if each is not None:
            for entry in value:
                if not each(entry):
                    raise self.fail(field, f"{entry!r} is not {describe}")
        return tuple(value)

    def urls(self, field: str, *, required: bool = True, empty: bool = True) -> tuple[str, ...]:
        return self.texts(field, required=required, empty=empty, each=lambda u: bool(_URL.match(u)),
                          describe="a web address (http:// or https://, no spaces)")

    def choices(self, field: str, options: Iterable[str], *, required: bool = True,
                empty: bool = True) -> tuple[str, ...]:
        options = tuple(options)
        return self.texts(field, required=required, empty=empty, each=lambda v: v in options,
                          describe=f"one of: {', '.join(options)}")

    def numbers(self, field: str, *, required: bool = False) -> dict[str, int | float]:
        value = self._get(field, required, {})
        if not isinstance(value, Mapping):
            raise self.fail(field, "must be a table of name = number")
        for name, number in value.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise self.fail(f"{field}.{name}", f"must be a number, got {number!r}")
        return dict(value)

    def flag(self, field: str, *, default: bool = False) -> bool:
        value = self._get(field, False, default)
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false, got {value!r}")
        return value

    def table(self, field: str) -> "Checker":
        return Checker(self._get(field, True, {}), self.file, self.item) if field in self.data else \
            self._missing(field)

    def _missing(self, field: str) -> "Checker":
        raise self.fail(field, "is missing")

    def no_other_fields(self, allowed: Iterable[str]) -> None:
        extra = sorted(set(self.data) - set(allowed))
        if extra:
            raise self.fail(extra[0], f"is not a known field (known: {', '.join(sorted(allowed))})")


def check_unique(ids: Iterable[tuple[str, str]], what: str) -> None:
    """``ids`` yields (id, file); a repeated id fails naming both files."""
    seen: dict[str, str] = {}
    for item_id, file in ids:
        if item_id in seen:
            raise DataError(file, item_id, "id", f"duplicate {what} id (also in {seen[item_id]})")
        seen[item_id] = file


def is_slug(value: str) -> bool:
    return bool(_SLUG.match(value))
