"""One base class for every error the kit raises on purpose.

Library code raises these; only :mod:`kit.cli` turns them into exit codes.
"""


class KitError(Exception):
    """Something the user can fix: a bad file, an unknown id, a wrong value."""


class DataError(KitError):
    """A data file (shipped or user-supplied) is malformed.

    The message always names the file, the item and the field, so a teacher
    editing a TOML file can find the mistake without reading a traceback.
    """

    def __init__(self, file: str, item: str | None, field: str | None, problem: str):
        self.file, self.item, self.field, self.problem = file, item, field, problem
        where = file
        if item:
            where += f": item {item!r}"
        if field:
            where += f": field {field!r}"
        super().__init__(f"{where}: {problem}")


class UsageError(KitError):
    """The options do not fit together, or an argument names nothing (``kit`` exits with 2)."""
