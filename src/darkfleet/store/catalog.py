"""The DuckDB catalog (``catalog.duckdb``): which sources are committed and which files hold them.

Two tables:

``sources``
    one row per committed source: ``source_id``, ``path`` (as given), ``format``,
    ``size_bytes``, the accounting buckets as columns, ``rows_<table>`` per table, ``files`` and
    the full accounting as JSON (:meth:`Accounting.to_dict`). No wall-clock values.
``files``
    one row per committed Parquet part: ``path`` (relative to the store directory, so the
    directory can be moved), ``source_id``, ``table_name``, ``date`` (null for rows without a
    timestamp), ``seq``, ``rows``.

A source becomes visible exactly when its ``sources`` row and ``files`` rows are inserted, in one
transaction. Readers list files from ``files``, never from the directory, so a part file that a
crashed writer left behind is invisible even before recovery deletes it.

Connections are opened for one operation and closed at once: DuckDB lets one process write or
several read a database file, and a long-lived connection would lock other processes out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ..accounting import Accounting
from ..errors import StoreError
from ..schema import TABLES, conform, empty

__all__ = ["FILES", "SOURCES", "Catalog", "FileEntry", "SourceEntry"]

_COUNTS = ("lines_read", "records", "decoded", "rejected", "pending", "non_ais", "ignored")

#: Schema of the ``sources`` table (and of :meth:`darkfleet.store.Store.sources`).
SOURCES: dict[str, pl.DataType] = {
    "source_id": pl.String(),
    "path": pl.String(),
    "format": pl.String(),
    "size_bytes": pl.Int64(),
    **{name: pl.Int64() for name in _COUNTS},
    **{f"rows_{table}": pl.Int64() for table in TABLES},
    "files": pl.Int64(),
    "accounting": pl.String(),
}

#: Schema of the ``files`` table.
FILES: dict[str, pl.DataType] = {
    "path": pl.String(),
    "source_id": pl.String(),
    "table_name": pl.String(),
    "date": pl.Date(),
    "seq": pl.Int64(),
    "rows": pl.Int64(),
}

_SQL_TYPES = {pl.String(): "VARCHAR", pl.Int64(): "BIGINT", pl.Date(): "DATE"}

#: How long to retry while another process briefly holds the catalog file.
_BUSY_WAIT_S = 60.0
#: The catalog's queries are tiny: one thread and no extensions halve the cost of a connection.
_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "threads": 1,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}


@dataclass(frozen=True)
class FileEntry:
    """One committed Parquet part."""

    path: str
    source_id: str
    table_name: str
    date: date | None
    seq: int
    rows: int

    def to_json(self) -> dict[str, Any]:
        day = None if self.date is None else self.date.isoformat()
        return {**asdict(self), "date": day}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileEntry:
        day = data["date"]
        return cls(**{**data, "date": None if day is None else date.fromisoformat(day)})


@dataclass(frozen=True)
class SourceEntry:
    """One committed source: what the catalog's ``sources`` row holds."""

    source_id: str
    path: str
    format: str
    size_bytes: int | None
    accounting: dict[str, Any]
    files: int
    rows_by_table: dict[str, int] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        counts = {name: self.accounting[name] for name in _COUNTS}
        rows = {f"rows_{t}": self.rows_by_table.get(t, 0) for t in TABLES}
        return {
            "source_id": self.source_id,
            "path": self.path,
            "format": self.format,
            "size_bytes": self.size_bytes,
            **counts,
            **rows,
            "files": self.files,
            "accounting": json.dumps(self.accounting, sort_keys=True),
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceEntry:
        return cls(**data)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SourceEntry:
        return cls(
            source_id=row["source_id"],
            path=row["path"],
            format=row["format"],
            size_bytes=row["size_bytes"],
            accounting=json.loads(row["accounting"]),
            files=row["files"],
            rows_by_table={t: row[f"rows_{t}"] for t in TABLES},
        )

    def to_accounting(self) -> Accounting:
        return Accounting.from_dict(self.accounting)


def _ddl(table: str, schema: Mapping[str, pl.DataType], key: str) -> str:
    cols = ", ".join(f"{name} {_SQL_TYPES[dtype]}" for name, dtype in schema.items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({key}))"


class Catalog:
    """Short-lived DuckDB connections to ``catalog.duckdb``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def connect(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one operation; waits (up to a minute) while another process has
        the file open for a moment."""
        deadline = time.monotonic() + _BUSY_WAIT_S
        delay = 0.005
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=not write, config=_CONFIG)
                break
            except duckdb.IOException as err:
                if "lock" not in str(err).lower() or time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.path}: cannot open the store catalog ({err}). If another "
                        "program keeps it open, close that program and retry."
                    ) from err
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
        try:
            yield con
        finally:
            con.close()

    def ensure(self) -> None:
        """Create the catalog tables if absent (idempotent)."""
        with self.connect(write=True) as con:
            con.execute(_ddl("sources", SOURCES, "source_id"))
            con.execute(_ddl("files", FILES, "path"))

    def _query(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame | None:
        """Run a read-only query; ``None`` if the catalog does not exist yet."""
        if not self.path.is_file():
            return None
        with self.connect(write=False) as con:
            return con.sql(sql, params=list(params)).pl()

    def sources(self) -> pl.DataFrame:
        """Every committed source, sorted by path then source id."""
        frame = self._query("SELECT * FROM sources ORDER BY path, source_id")
        return empty(SOURCES) if frame is None else conform(frame, SOURCES)

    def get(self, source_id: str) -> SourceEntry | None:
        frame = self._query("SELECT * FROM sources WHERE source_id = ?", [source_id])
        if frame is None or frame.height == 0:
            return None
        return SourceEntry.from_row(frame.row(0, named=True))

    def files(
        self, table: str, *, first_day: date | None = None, last_day: date | None = None
    ) -> list[str]:
        """Relative paths of ``table``'s committed parts, in a fixed order (day, source, seq).

        With ``first_day``/``last_day``, only the parts of those days (rows with a null
        timestamp are then left out).
        """
        where, params = ["table_name = ?"], [table]
        if first_day is not None or last_day is not None:
            where.append("date IS NOT NULL")
        if first_day is not None:
            where.append("date >= ?")
            params.append(first_day.isoformat())
        if last_day is not None:
            where.append("date <= ?")
            params.append(last_day.isoformat())
        sql = (
            f"SELECT path FROM files WHERE {' AND '.join(where)} "
            "ORDER BY date NULLS LAST, source_id, seq"
        )
        frame = self._query(sql, params)
        return [] if frame is None else frame.get_column("path").to_list()

    def all_files(self) -> set[str]:
        frame = self._query("SELECT path FROM files")
        return set() if frame is None else set(frame.get_column("path").to_list())

    def insert(self, source: SourceEntry, files: Sequence[FileEntry]) -> None:
        """Commit ``source`` and its files in one transaction; a no-op if already committed."""
        rows = pl.DataFrame([asdict(f) for f in files], schema=FILES)
        with self.connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                hit = con.execute(
                    "SELECT 1 FROM sources WHERE source_id = ?", [source.source_id]
                ).fetchone()
                if hit is None:
                    row = source.row()
                    marks = ", ".join("?" for _ in row)
                    con.execute(f"INSERT INTO sources VALUES ({marks})", list(row.values()))
                    con.register("_new_files", rows.to_arrow())
                    con.execute("INSERT INTO files SELECT * FROM _new_files")
                    con.unregister("_new_files")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
