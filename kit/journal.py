"""The journal: an append-only, fsync'd file of one exercise's edits, which never loses a confirmed edit.

A line is confirmed only once all of it is on disk; a write that fails part-way (a full disk, a short
write) is cut back, so the file always ends with whole lines, and the caller gets
:class:`JournalError` with words a student can act on. A damaged line, a missing final newline or a
damaged header is repaired on opening, with a copy of the file as it was kept beside it. A second
kernel on the same exercise, or a folder that cannot be written, gets a read-only journal.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import answers
from ._io import atomic_write_text, fsync_dir
from .errors import KitError

JOURNAL_FORMAT = "kit-journal"


try:  # POSIX advisory locks; absent in the browser-only edition
    import fcntl
    fcntl.flock  # Pyodide has an fcntl module without flock
except (ImportError, AttributeError):  # pragma: no cover - Windows, Pyodide
    fcntl = None  # type: ignore[assignment]


class JournalError(KitError):
    """An edit could not be made durable; the journal was left as it was before the edit."""


_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_CANNOT_WRITE = (errno.EROFS, errno.EACCES, errno.EPERM)
_SHA256 = re.compile(r"^[0-9a-f]{64}\Z")


class Journal:
    """An append-only JSON-lines file of edits for one exercise, with a lock.

    A line is confirmed only once all of it is on disk; a write that fails part-way is cut back, so
    the file always ends with whole lines. A copy that cannot write (another kernel holds the lock,
    or the folder is read-only) opens read-only: its tags are shown and nothing is written.
    """

    def __init__(self, path: Path, header: dict):
        self.path = path
        self.header = header
        self.read_only = False
        #: why this copy is read-only: "locked" (another kernel has it) or "unwritable" (the folder)
        self.read_only_reason = ""
        self.messages: list[str] = []
        self._lock_file = None
        self._fd: int | None = None

    # Opening: lock, read, repair.
    def open(self) -> list[dict]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock()
        except OSError as exc:
            self._cannot_write(exc)
        edits = self._read()
        if not self.read_only:
            try:
                self._open_for_append()
            except OSError as exc:
                self._cannot_write(exc)
        return edits

    def _cannot_write(self, exc: OSError) -> None:
        if exc.errno not in _CANNOT_WRITE + _DISK_FULL:
            raise exc
        self.close()
        self.read_only, self.read_only_reason = True, "unwritable"
        self.messages.append(
            f"Your work folder {self.path.parent} cannot be written ({exc.strerror}), so this copy is read-only: "
            "your saved tags are shown, but nothing new can be saved. Export them to a folder you can write "
            "(for example tagger.export('elsewhere/my-tags.json')), or ask your teacher about the folder.")

    def _open_for_append(self) -> None:
        created = not self.path.exists()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if created:
            fsync_dir(self.path.parent)
        size = os.fstat(self._fd).st_size
        if size == 0:
            self._write_line(self.header)
        elif not _ends_with_newline(self.path):
            self._write(b"\n")  # a copy cut one byte short: the next edit must not join its last line

    def _lock(self) -> None:
        if fcntl is None:
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        handle = open(lock_path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                return  # no locking on this file system (e.g. the browser's): carry on without
            self.read_only, self.read_only_reason = True, "locked"
            self.messages.append("This exercise is open in another notebook or kernel, so this copy is read-only. "
                                 "Close the other one (or restart its kernel) and re-run this cell to edit here.")
            return
        self._lock_file = handle

    def _read(self) -> list[dict]:
        if not self.path.exists():
            return []
        raw = self.path.read_bytes()
        edits: list[dict] = []
        damaged: list[int] = []
        header_problem = ""
        for number, line in enumerate(raw.split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
                if not isinstance(entry, dict):
                    raise ValueError
            except (ValueError, UnicodeDecodeError):
                damaged.append(number)
                continue
            if entry.get("journal") == JOURNAL_FORMAT:
                header_problem = header_problem or self._header_problem(entry)
                continue
            if "op" not in entry:
                damaged.append(number)
                continue
            edits.append(entry)
        if damaged or header_problem:
            copy = self._keep_copy()
            if damaged:
                lines = ", ".join(map(str, damaged[:5])) + ("..." if len(damaged) > 5 else "")
                self.messages.append(f"{len(damaged)} damaged line(s) in your work file were skipped (line {lines}).")
            if header_problem:
                self.messages.append(header_problem)
            self.messages.append(f"A copy of the file as it was is kept as {copy}." if copy else
                                 "No copy of the damaged file could be kept (the folder cannot be written).")
            if not self.read_only:
                self.compact(edits)
        return edits

    def _header_problem(self, entry: dict) -> str:
        """Why a header line does not fit this exercise and text ("" when it fits).

        A header that names another exercise is a misplaced file (an error). A different, well-formed
        hash from another kit version is a real change of the text; anything else is damage. Either
        way the edits are recovered: each is checked against the current text when replayed.
        """
        ours = self.header
        if entry.get("exercise") != ours["exercise"]:
            if isinstance(entry.get("exercise"), str) and entry["exercise"] in {e.id for e in answers.exercises()}:
                raise KitError(f"{self.path} belongs to exercise {entry['exercise']!r}, not {ours['exercise']!r}")
            return "The first line of your work file was damaged; your tags were recovered."
        document = entry.get("document")
        if document == ours["document"]:
            return ""
        sha = document.get("sha256") if isinstance(document, dict) else None
        written_by = entry.get("kit_version")
        if (isinstance(document, dict) and document.get("id") == ours["document"]["id"]
                and isinstance(sha, str) and _SHA256.match(sha)
                and isinstance(written_by, str) and written_by != ours["kit_version"]):
            return (f"Your work file was written by kit {written_by[:20]} for another version of the text; "
                    "the tags that still fit this text were kept (any that did not are listed here).")
        return "The first line of your work file was damaged; your tags were recovered."

    def _keep_copy(self) -> str:
        """Copy the journal aside under a name no earlier copy has; returns the name ("" if impossible)."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        for n in range(1, 1000):
            suffix = "" if n == 1 else f"-{n}"
            copy = self.path.with_name(f"{self.path.stem}.damaged-{stamp}{suffix}{self.path.suffix}")
            try:
                with open(copy, "xb") as handle:
                    handle.write(self.path.read_bytes())
                    handle.flush()
                    os.fsync(handle.fileno())
            except FileExistsError:
                continue
            except OSError:
                return ""
            return copy.name
        return ""

    def compact(self, edits: list[dict]) -> None:
        """Rewrite the journal (header and ``edits``) atomically: a crash leaves the old or the new file."""
        body = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in [self.header, *edits])
        try:
            atomic_write_text(self.path, body, overwrite=True)
        except OSError as exc:
            self._cannot_write(exc)
            return
        if self._fd is not None:  # the old descriptor points at the replaced file
            os.close(self._fd)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def append(self, edit: dict) -> None:
        """Write one edit and fsync it; returns only once the whole line is on disk."""
        if self.read_only or self._fd is None:
            raise JournalError("Not saved: this copy is read-only. " + " ".join(self.messages))
        self._write_line(edit)

    def _write_line(self, entry: dict) -> None:
        try:
            data = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        except UnicodeEncodeError:
            raise JournalError("Not saved: the text holds half of a character (a broken emoji?); "
                               "delete it and type it again.") from None
        self._write(data)

    def _write(self, data: bytes) -> None:
        """Append ``data`` whole and fsync it, or cut the file back to where it was and raise."""
        fd = self._fd
        start = os.fstat(fd).st_size
        try:
            done = 0
            while done < len(data):  # os.write may write only part (a nearly full disk)
                written = os.write(fd, data[done:])
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                done += written
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, start)
                os.fsync(fd)
            except OSError:
                pass  # a partial last line is found, kept aside and dropped the next time the file is read
            if exc.errno in _DISK_FULL:
                raise JournalError("Not saved: the disk is full (or your storage quota is used up). "
                                   "Your earlier work is safe. Free some space, then try again; "
                                   "or export your tags now.") from None
            raise JournalError(f"Not saved: your work file could not be written ({exc.strerror}). "
                               "Your earlier work is safe.") from None
        if sys.platform == "emscripten":  # JupyterLite's file system saves to browser storage on close only
            os.close(fd)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the lock
            self._lock_file = None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
