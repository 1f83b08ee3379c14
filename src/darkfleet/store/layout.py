"""Where things live in a store directory, and the small file-system primitives the store needs.

Nothing here knows about DuckDB or about readers: names, the ``store.json`` marker, durable
(fsync'd) atomic writes, and the writer lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import StoreError
from ..schema import TABLES

__all__ = [
    "CATALOG",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "LOCK",
    "MANIFEST",
    "MARKER",
    "NULL_DATE",
    "STAGING",
    "WriterLock",
    "atomic_write_text",
    "check_source_id",
    "date_folder",
    "fsync_dir",
    "fsync_file",
    "list_part_files",
    "part_path",
    "read_marker",
    "write_marker",
]

FORMAT_NAME = "darkfleet-store"
#: Bump when a store written by this version cannot be read by an older darkfleet.
FORMAT_VERSION = 1

MARKER = "store.json"
CATALOG = "catalog.duckdb"
LOCK = ".lock"
STAGING = "_staging"
MANIFEST = "manifest.json"
#: Date folder for rows whose ``timestamp`` is null (``date=none``).
NULL_DATE = "none"

_SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_PART = re.compile(r"^(?P<source_id>.+)-(?P<seq>[0-9]{6,})\.parquet$")


def check_source_id(source_id: str) -> str:
    """Return ``source_id`` if it is usable in a file name, else raise :class:`StoreError`."""
    if not isinstance(source_id, str) or not _SOURCE_ID.match(source_id):
        raise StoreError(
            f"source id {source_id!r} cannot be used in a file name (letters, digits, '_' and "
            "'-' only, at most 128). This is a bug in the reader that produced it."
        )
    return source_id


def date_folder(day: date | None) -> str:
    """``date=YYYY-MM-DD``, or ``date=none`` for rows without a timestamp."""
    return f"date={NULL_DATE if day is None else day.isoformat()}"


def part_path(table: str, day: date | None, source_id: str, seq: int) -> str:
    """Relative POSIX path of one part file: ``<table>/date=<day>/<source_id>-<seq>.parquet``."""
    return f"{table}/{date_folder(day)}/{source_id}-{seq:06d}.parquet"


def list_part_files(root: Path) -> list[str]:
    """Relative paths of every file named like a part file in the table folders of ``root``."""
    found: list[str] = []
    for table in TABLES:
        table_dir = root / table
        if not table_dir.is_dir():
            continue
        for day_dir in sorted(table_dir.iterdir()):
            if not (day_dir.is_dir() and day_dir.name.startswith("date=")):
                continue
            found.extend(
                f"{table}/{day_dir.name}/{f.name}"
                for f in sorted(day_dir.iterdir())
                if _PART.match(f.name) and f.is_file()
            )
    return found


# -- durable writes ----------------------------------------------------------------------------


def fsync_file(path: Path) -> None:
    """Flush a file's bytes to disk (survives power loss, not only a killed process)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (renames, creations) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old file or the new one, whole."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


# -- the store.json marker ---------------------------------------------------------------------


def write_marker(root: Path) -> None:
    marker = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "layout": "<table>/date=YYYY-MM-DD|none/<source_id>-<seq>.parquet",
        "tables": list(TABLES),
    }
    atomic_write_text(root / MARKER, json.dumps(marker, indent=2, sort_keys=True) + "\n")


def read_marker(root: Path) -> dict[str, Any]:
    """Read and check ``store.json``; raise :class:`StoreError` saying what to do if unusable."""
    path = root / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise StoreError(
            f"{path}: cannot read the store marker ({err}). If this directory is not a darkfleet "
            "store, choose another one; otherwise restore store.json from a backup."
        ) from err
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise StoreError(
            f"{path} does not describe a darkfleet store (format is not {FORMAT_NAME!r}). "
            "Choose a new or empty directory for the store."
        )
    version = data.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise StoreError(
            f"{root} was written by a newer darkfleet (store format {version}; this darkfleet "
            f"reads up to {FORMAT_VERSION}). Upgrade darkfleet: pip install -U darkfleet."
        )
    return data


# -- the writer lock ---------------------------------------------------------------------------


class WriterLock:
    """An exclusive, non-blocking ``flock`` on ``<store>/.lock``, held while writing.

    The kernel releases it when the holder exits, however it exits (kill -9 included), so a
    crashed writer never leaves a stale lock behind. POSIX only.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._fh: Any = None

    def try_acquire(self) -> bool:
        """Take the lock if free; ``False`` if another writer holds it."""
        try:
            fh = (self._root / LOCK).open("a+", encoding="utf-8")
        except OSError as err:
            raise StoreError(
                f"cannot write to the store {self._root} ({err.strerror}); to only read it, "
                "open it with open_store(path, read_only=True)."
            ) from err
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        except BaseException:
            fh.close()
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return True

    def acquire(self) -> None:
        """Take the lock or raise :class:`StoreError` at once (never waits)."""
        if not self.try_acquire():
            holder = ""
            with contextlib.suppress(OSError):
                pid = (self._root / LOCK).read_text(encoding="utf-8").strip()
                holder = f" (process {pid})" if pid else ""
            raise StoreError(
                f"another darkfleet process{holder} is writing to {self._root}; wait for it to "
                "finish, or write to another store directory."
            )

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
