"""Writing a source into the store: stage, commit, and recover after a crash.

Protocol (the writer holds ``<store>/.lock`` throughout):

1. **Stage.** Each batch the reader yields is conformed to the canonical schema, split by UTC
   day of ``timestamp`` and written at once as zstd Parquet under
   ``_staging/<source_id>/<table>/date=<day>/<source_id>-<seq>.parquet`` (``seq`` = batch
   number), then fsync'd. Only one batch is in memory at a time.
2. **Manifest.** After the reader is exhausted and its accounting checks out, the list of files
   and the catalog row are written to ``_staging/<source_id>/manifest.json`` atomically
   (temporary file, fsync, rename). The manifest is the commit point of no return.
3. **Move.** Each staged file is renamed (``os.replace``, atomic, same file system) to the
   same relative path in the store. A file already moved is skipped, so this step can be
   repeated.
4. **Catalog.** The ``sources`` row and the ``files`` rows are inserted in one DuckDB
   transaction (a no-op if already there). From this moment the source is visible.
5. **Clean.** The staging folder is removed.

Recovery (on opening a store for writing, and before each ingest): a staging folder with a
manifest is rolled forward (steps 3-5, all idempotent); one without is deleted. On open, any part
file in the table folders that the catalog does not list is deleted too. Readers only ever read
the files the catalog lists, so nothing of a half-written source is visible at any time.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import polars as pl

from ..errors import DarkfleetError, StoreError
from ..io.source import SourceReader
from ..schema import TABLES, conform
from .catalog import Catalog, FileEntry, SourceEntry
from .layout import (
    FORMAT_VERSION,
    MANIFEST,
    STAGING,
    atomic_write_text,
    check_source_id,
    fsync_dir,
    fsync_file,
    list_part_files,
    part_path,
)

__all__ = ["recover_staging", "sweep_orphans", "write_source"]


class _Staging:
    """One source's batches, written as Parquet parts under ``_staging/<source_id>/``."""

    def __init__(self, root: Path, source_id: str) -> None:
        self.source_id = source_id
        self.dir = root / STAGING / source_id
        if self.dir.exists():  # left by a crash; we hold the lock, so nobody is using it
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.files: list[FileEntry] = []
        self.rows_by_table: Counter[str] = Counter()
        self._seq = 0

    def write_batch(self, batch: Mapping[str, pl.DataFrame]) -> int:
        """Write one batch; return the number of rows it held (all tables)."""
        if not isinstance(batch, Mapping):
            raise StoreError(
                f"the reader of source {self.source_id} yielded a {type(batch).__name__}; a "
                "batch must map table names to polars DataFrames (a reader bug)."
            )
        unknown = sorted(set(batch) - set(TABLES))
        if unknown:
            raise StoreError(
                f"the reader of source {self.source_id} yielded unknown tables {unknown}; "
                f"known tables: {list(TABLES)} (a reader bug)."
            )
        seq, self._seq = self._seq, self._seq + 1
        written = 0
        for table in TABLES:
            if table not in batch:
                continue
            frame = self._prepare(table, batch[table])
            for day, part in _split_by_day(frame):
                self._write(table, day, seq, part)
                written += part.height
        return written

    def _prepare(self, table: str, frame: pl.DataFrame) -> pl.DataFrame:
        if not isinstance(frame, pl.DataFrame):
            raise StoreError(
                f"the reader of source {self.source_id} gave a {type(frame).__name__} for "
                f"table {table!r}; expected a polars DataFrame (a reader bug)."
            )
        frame = conform(frame, TABLES[table])
        foreign = frame.select(pl.col("source_id").ne_missing(self.source_id).sum()).item()
        if foreign:
            raise StoreError(
                f"the reader of source {self.source_id} gave {foreign} {table} rows whose "
                f"source_id is not {self.source_id!r}; every row must name its source "
                "(a reader bug)."
            )
        return frame

    def _write(self, table: str, day: date | None, seq: int, part: pl.DataFrame) -> None:
        rel = part_path(table, day, self.source_id, seq)
        dest = self.dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        part.write_parquet(dest, compression="zstd", statistics=True)
        fsync_file(dest)
        self.files.append(FileEntry(rel, self.source_id, table, day, seq, part.height))
        self.rows_by_table[table] += part.height


def _split_by_day(frame: pl.DataFrame) -> list[tuple[date | None, pl.DataFrame]]:
    """``frame``'s rows grouped by UTC day of ``timestamp`` (``None``: no timestamp), in day
    order, the row order kept within each day."""
    if frame.height == 0:
        return []
    days = frame.get_column("timestamp").dt.date()
    if days.n_unique() == 1:
        return [(days[0], frame)]
    parts = frame.with_columns(days.alias("__day")).partition_by(
        "__day", as_dict=True, include_key=False, maintain_order=True
    )
    items = [(key[0], part) for key, part in parts.items()]
    return sorted(items, key=lambda item: (item[0] is None, item[0] or date.min))


# -- commit ------------------------------------------------------------------------------------


def _write_manifest(staging_dir: Path, source: SourceEntry, files: list[FileEntry]) -> None:
    for folder in sorted({(staging_dir / f.path).parent for f in files}):
        fsync_dir(folder)
    data = {
        "version": FORMAT_VERSION,
        "source": source.to_json(),
        "files": [f.to_json() for f in files],
    }
    atomic_write_text(staging_dir / MANIFEST, json.dumps(data, indent=1, sort_keys=True))


def _read_manifest(staging_dir: Path) -> tuple[SourceEntry, list[FileEntry]]:
    path = staging_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return (
            SourceEntry.from_json(data["source"]),
            [FileEntry.from_json(f) for f in data["files"]],
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise StoreError(
            f"{path}: cannot read the commit manifest of an interrupted ingest ({err}). "
            f"Delete {staging_dir} and ingest that source again."
        ) from err


def _move(src: Path, dest: Path, staging_dir: Path) -> None:
    """Move one staged file into place; a file already moved is left alone (idempotent)."""
    if src.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
    elif not dest.is_file():
        raise StoreError(
            f"cannot finish an interrupted ingest: {dest.name} is neither in staging ({src}) "
            f"nor in place ({dest}). Delete {staging_dir} and ingest that source again."
        )


def _discard(staging_dir: Path) -> None:
    shutil.rmtree(staging_dir)
    fsync_dir(staging_dir.parent)


def _roll_forward(root: Path, catalog: Catalog, staging_dir: Path) -> None:
    """Steps 3-5 of the protocol, from a complete manifest. Idempotent."""
    source, files = _read_manifest(staging_dir)
    for f in files:
        _move(staging_dir / f.path, root / f.path, staging_dir)
    for folder in sorted({(root / f.path).parent for f in files}):
        fsync_dir(folder)
        fsync_dir(folder.parent)
    catalog.insert(source, files)
    _discard(staging_dir)


def _source_entry(reader: SourceReader, staging: _Staging) -> SourceEntry:
    reader.accounting.check()
    accounting = reader.accounting.to_dict()  # a copy: the reader's object is not touched
    written = {t: n for t, n in sorted(staging.rows_by_table.items()) if n}
    claimed = {t: n for t, n in accounting["rows_by_table"].items() if n}
    if claimed and claimed != written:
        raise DarkfleetError(
            f"{reader.path}: the reader counted rows {claimed} but gave the store {written}. "
            "This is a darkfleet bug: please report it with the input file."
        )
    accounting["rows_by_table"] = written
    try:
        size: int | None = Path(reader.path).stat().st_size
    except OSError:
        size = None
    return SourceEntry(
        source_id=staging.source_id,
        path=str(reader.path),
        format=reader.format,
        size_bytes=size,
        accounting=accounting,
        files=len(staging.files),
        rows_by_table=written,
    )


def write_source(
    root: Path,
    catalog: Catalog,
    reader: SourceReader,
    on_batch: Callable[[int], None] | None = None,
) -> SourceEntry:
    """Stage and commit ``reader``'s source. The caller holds the writer lock and has checked
    that the source is not committed yet."""
    staging = _Staging(root, check_source_id(reader.source_id))
    committing = False
    try:
        for batch in reader:
            rows = staging.write_batch(batch)
            if on_batch is not None:
                on_batch(rows)
        source = _source_entry(reader, staging)
        _write_manifest(staging.dir, source, staging.files)
        committing = True
        _roll_forward(root, catalog, staging.dir)
    except BaseException:
        if not committing:  # past the manifest, the next writer rolls forward instead
            shutil.rmtree(staging.dir, ignore_errors=True)
        raise
    return source


# -- recovery ----------------------------------------------------------------------------------


def recover_staging(root: Path, catalog: Catalog) -> None:
    """Finish (manifest present) or delete (absent) what crashed writers left in staging.
    The caller holds the writer lock."""
    staging = root / STAGING
    if not staging.is_dir():
        return
    for folder in sorted(staging.iterdir()):
        if (folder / MANIFEST).is_file():
            _roll_forward(root, catalog, folder)
        elif folder.is_dir():
            _discard(folder)
        else:
            folder.unlink()


def sweep_orphans(root: Path, catalog: Catalog) -> list[str]:
    """Delete part files the catalog does not list, and empty day folders; return the deleted
    paths. The caller holds the writer lock and has recovered staging first."""
    listed = catalog.all_files()
    orphans = [rel for rel in list_part_files(root) if rel not in listed]
    for rel in orphans:
        (root / rel).unlink()
    for table in TABLES:
        table_dir = root / table
        if table_dir.is_dir():
            for day_dir in sorted(table_dir.iterdir()):
                if day_dir.is_dir() and not any(day_dir.iterdir()):
                    day_dir.rmdir()
    return orphans
