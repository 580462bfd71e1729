"""Submissions: every file handed in, read safely, parsed and checked by the one validator (:mod:`kit.tags`).

Files, folders (recursively) and zip files as learning-management systems hand them out, read without
extracting anything to disk. A file larger than :data:`kit.tags.MAX_EXPORT_BYTES` (or a zip member that
declares such a size) is refused before it is read; links are not followed out of the folders given;
two zip members with one name are both read.
"""

from __future__ import annotations

import io
import json
import os
import stat
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import tags
from ..errors import UsageError
from ..tags import Problem, TagError

_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def _is_junk(name: str) -> bool:
    """macOS resource forks and folders, hidden files, Windows thumbnails."""
    parts = name.replace("\\", "/").split("/")
    if "__MACOSX" in parts:
        return True
    base = parts[-1]
    return not base or base.startswith(".") or base.lower() in _JUNK_NAMES


class _Archive:
    """One zip file, opened on first use and shared by its members."""

    def __init__(self, path: Path):
        self.path = path
        self._zip: zipfile.ZipFile | None = None

    def open(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except UnicodeDecodeError:  # a member name flagged UTF-8 that is not: read the names as cp437
                self._zip = zipfile.ZipFile(io.BytesIO(_unflag_bad_names(self.path.read_bytes())))
        return self._zip

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def _unflag_bad_names(raw: bytes) -> bytes:
    """A copy of a zip file in which the central directory's entries whose names are flagged UTF-8 but
    are not UTF-8 lose the flag, so :mod:`zipfile` reads those names as cp437 instead of giving up on
    the whole file (a zip tool's bug must not cost the other students their grade)."""
    data = bytearray(raw)
    at = data.find(b"PK\x01\x02")
    while at >= 0 and at + 46 <= len(data):
        flags, = struct.unpack_from("<H", data, at + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        name = bytes(data[at + 46:at + 46 + name_len])
        if flags & 0x800:
            try:
                name.decode("utf-8")
            except UnicodeDecodeError:
                struct.pack_into("<H", data, at + 8, flags & ~0x800)
                local, = struct.unpack_from("<I", data, at + 42)  # the member's own header says it again
                if data[local:local + 4] == b"PK\x03\x04":
                    local_flags, = struct.unpack_from("<H", data, local + 6)
                    struct.pack_into("<H", data, local + 6, local_flags & ~0x800)
        at = data.find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    return bytes(data)


@dataclass(frozen=True)
class Source:
    """One submission to read: a file, or a member of a zip file (read without extracting it).

    ``name`` is how reports name it: the path as given, or ``"<zip>:<member>"`` (with ``" (2)"`` and
    so on when a zip holds several members of one name). ``size`` is the size in bytes known before
    reading (for a zip member, what its header declares), or -1. ``problem`` is set when the source is
    known to be unreadable, or is not to be read (a link out of the folder).
    """

    name: str
    path: Path
    member: zipfile.ZipInfo | None = field(default=None, compare=False)
    size: int = -1
    problem: Problem | None = None
    archive: _Archive | None = field(default=None, compare=False, repr=False)

    def read(self, max_bytes: int = tags.MAX_EXPORT_BYTES) -> bytes:
        """The raw bytes; :class:`~kit.tags.TagError` when too large or unreadable, checked before reading."""
        if self.problem is not None:
            raise TagError(self.problem.code, self.problem.message)
        if self.member is None:
            return _read_file(self.path, max_bytes)
        return _read_member(self, max_bytes)


def _too_large(size: int, max_bytes: int) -> TagError:
    return TagError("too_large", f"{size:,} bytes is far more than a tag file needs (limit {max_bytes:,})")


def _open_for_reading(path: Path) -> int:
    """A file descriptor; non-blocking, so that opening a FIFO or a device cannot hang the grader."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        fd = _open_for_reading(path)
    except OSError as exc:
        raise TagError("unreadable", f"could not read the file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TagError("not_a_file", "this is not a regular file")
        if info.st_size > max_bytes:  # refused before a single byte is read
            raise _too_large(info.st_size, max_bytes)
        parts, total = [], 0
        while total <= max_bytes:  # the file may grow while we read: stop one byte past the limit
            chunk = os.read(fd, max(info.st_size + 1 - total, 1 << 16) if total <= info.st_size
                            else max_bytes + 1 - total)
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise TagError("unreadable", f"could not read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise _too_large(total, max_bytes)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _read_member(source: Source, max_bytes: int) -> bytes:
    if source.size > max_bytes:  # the header's declared size: refused before decompressing
        raise _too_large(source.size, max_bytes)
    try:
        with source.archive.open().open(source.member) as handle:  # by its ZipInfo: names may repeat
            raw = handle.read(max_bytes + 1)  # never trust the header alone
    except RuntimeError as exc:  # encrypted member
        raise TagError("unreadable", f"could not read the zip member: {exc}") from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise TagError("bad_zip", f"could not read the zip member: {exc}") from None
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
    return raw


def _zip_sources(path: Path, shown: str) -> list[Source]:
    archive = _Archive(path)
    try:
        infos = archive.open().infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        archive.close()
        return [Source(shown, path, problem=Problem("bad_zip", f"could not open the zip file: {exc}"))]
    out = []
    seen: dict[str, int] = {}
    for info in infos:
        if info.is_dir() or _is_junk(info.filename):
            continue
        seen[info.filename] = seen.get(info.filename, 0) + 1
        copy = seen[info.filename]
        name = f"{shown}:{info.filename}" + (f" ({copy})" if copy > 1 else "")
        if info.filename.lower().endswith(".zip"):
            out.append(Source(name, path, info, info.file_size,
                              Problem("nested_zip", "a zip file inside a zip file is not opened; unzip it first")))
            continue
        out.append(Source(name, path, info, info.file_size, archive=archive))
    return out


def collect(paths: Iterable[Path | str] | Path | str, *, exclude: Iterable[Path | str] = ()) -> list[Source]:
    """Every submission under ``paths``: files, folders (recursively) and zip files, in a stable order.

    Skips hidden files and macOS ``__MACOSX`` junk; lists each file once; skips anything under
    ``exclude`` (the grader's own output files). Links are not followed out of a folder: a link to a
    file elsewhere and a link to a folder are listed as not graded, with their reason. A path that
    does not exist raises :class:`~kit.errors.UsageError`.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    excluded = {os.path.abspath(p) for p in exclude} | {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    out: list[Source] = []

    def add_file(path: str, shown: str, inside: str | None) -> None:
        real = os.path.abspath(path)
        if real in excluded or real in seen:
            return
        seen.add(real)
        if inside is not None and os.path.islink(path):
            target = os.path.realpath(path)
            if os.path.commonpath([target, inside]) != inside:
                out.append(Source(shown, Path(path), problem=Problem(
                    "symlink_outside", "this is a link to a file outside the submissions folder; not followed")))
                return
        if path.lower().endswith(".zip") and os.path.isfile(path):
            out.extend(_zip_sources(Path(path), shown))
        else:
            out.append(Source(shown, Path(path)))

    for given in paths:
        path = os.fspath(given)
        if os.path.isdir(path):
            if os.path.abspath(path) in excluded or os.path.realpath(path) in excluded:
                continue
            inside = os.path.realpath(path)
            for folder, dirs, files in os.walk(path):
                kept = []
                for d in sorted(dirs):
                    full = os.path.join(folder, d)
                    if _is_junk(d) or os.path.realpath(full) in excluded or os.path.abspath(full) in excluded:
                        continue
                    if os.path.islink(full):  # os.walk would skip it silently: say so instead
                        out.append(Source(full, Path(full), problem=Problem(
                            "symlinked_folder", "this is a link to a folder; not followed (it may lead anywhere)")))
                        continue
                    kept.append(d)
                dirs[:] = kept
                for name in sorted(files):
                    if not _is_junk(name):
                        full = os.path.join(folder, name)
                        add_file(full, full, inside)
        elif os.path.lexists(path):
            add_file(path, path, None)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return out


def close(sources: Iterable[Source]) -> None:
    for archive in {id(s.archive): s.archive for s in sources if s.archive is not None}.values():
        archive.close()


# --- reading and checking -------------------------------------------------------------------------

_MAGIC = ((b"%PDF", "a PDF"), (b"PK\x03\x04", "a zip archive or an Office document"),
          (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"\xd0\xcf\x11\xe0", "an old Office document"))


_UNICODE_MARKS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                  (b"\xfe\xff", "UTF-16"))


def parse_bytes(raw: bytes) -> Any:
    """The JSON value in ``raw``, or :class:`~kit.tags.TagError` with a precise reason code."""
    for mark, encoding in _UNICODE_MARKS:  # the longer marks first: UTF-32 LE starts like UTF-16 LE
        if raw.startswith(mark):
            raise TagError("not_utf8", f"the file is {encoding} text, not UTF-8")
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise TagError("binary", f"this looks like {what}, not a tag file")
    if b"\x00" in raw:
        raise TagError("binary", "the file holds NUL bytes: a binary file, not a tag file")
    try:
        return tags.parse_export_bytes(raw)
    except TagError as exc:
        if exc.code == "not_json":
            refined = _why_not_json(raw)
            if refined is not None:
                raise refined from None
        raise


def _why_not_json(raw: bytes) -> TagError | None:
    text = raw.decode("utf-8-sig", "replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        # "Unterminated string": a string that runs to the end of the file (a newline would end it with
        # another error), so the file was cut inside it
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            return TagError("truncated", f"the JSON stops before its end (cut at line {exc.lineno})")
        if exc.msg == "Extra data":
            first = text[:exc.pos]
            try:
                head = json.loads(first)
            except ValueError:
                head = None
            if isinstance(head, dict) and head.get("journal") == tags.JOURNAL_FORMAT:
                return TagError("journal", "this is a work journal (one edit per line), not an export")
    except (ValueError, RecursionError):
        pass
    return None


def check_bytes(raw: bytes, *, exercise: str | None = None, case=None) -> tuple[Any, list[Problem]]:
    """Parse and validate one export: ``(data, problems)``; no problems means it can be graded.

    The checks of :func:`kit.tags.validate_export` (the export contract), plus the file-level reasons
    of :data:`kit.grading.REASONS`. Never raises on any input.
    """
    try:
        data = parse_bytes(raw)
    except TagError as exc:
        return None, [Problem(exc.code, str(exc))]
    except Exception as exc:  # pragma: no cover - a bug; the tests fuzz for it
        return None, [Problem("internal_error", f"{type(exc).__name__}: {exc}")]
    if isinstance(data, dict) and "nbformat" in data and "cells" in data:
        return data, [Problem("notebook", "this is a Jupyter notebook, not the tag file exported from it")]
    try:
        return data, tags.validate_export(data, exercise=exercise, case=case)
    except Exception as exc:  # pragma: no cover - a bug; the tests fuzz for it
        return data, [Problem("internal_error", f"{type(exc).__name__}: {exc}")]


@dataclass(frozen=True)
class Checked:
    """One file as :func:`validate` saw it."""

    source: str
    data: Any
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_source(source: Source, *, exercise: str | None = None, case=None) -> Checked:
    try:
        raw = source.read()
    except TagError as exc:
        return Checked(source.name, None, (Problem(exc.code, str(exc)),))
    data, problems = check_bytes(raw, exercise=exercise, case=case)
    return Checked(source.name, data, tuple(problems))


def validate(paths: Iterable[Path | str] | Path | str, *, exercise: str | None = None) -> list[Checked]:
    """Check files (folders and zips too) the way :func:`grade` does: for students before they hand in."""
    sources = collect(paths)
    try:
        return [check_source(s, exercise=exercise) for s in sources]
    finally:
        close(sources)


