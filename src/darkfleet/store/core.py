"""The :class:`Store` object: open, ingest, and typed access to the tables."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ..accounting import Accounting
from ..errors import ConfigError, StoreError
from ..io.source import SourceReader
from ..schema import TABLES, conform, empty
from .catalog import Catalog, SourceEntry
from .events import EVENTS_DIR, event_types, read_events, read_manifest, write_events
from .identities import IDENTITIES, identities
from .layout import CATALOG, LOCK, MARKER, WriterLock, check_source_id, read_marker, write_marker
from .query import ORDER, TimeBound, ints, sql_string, strings, table_schema, utc
from .writer import recover_staging, sweep_orphans, write_source

__all__ = ["IngestResult", "Store", "open_store"]


@dataclass(frozen=True)
class IngestResult:
    """What :meth:`Store.ingest` did with one source."""

    source_id: str
    #: The source's checked accounting (the stored one when ``skipped``).
    accounting: Accounting
    #: ``True`` when the source was already in the store and was not read again.
    skipped: bool
    #: Rows the source holds in the store, per table (tables with none are left out).
    rows_by_table: dict[str, int]


def _result(entry: SourceEntry, *, skipped: bool) -> IngestResult:
    rows = {t: n for t, n in entry.rows_by_table.items() if n}
    return IngestResult(entry.source_id, entry.to_accounting(), skipped, rows)


class Store:
    """A darkfleet store directory. Create or open one with :func:`open_store`.

    Tables are read with ``<table>()`` (a polars DataFrame in exactly the canonical schema of
    :mod:`darkfleet.schema`, sorted) or lazily with ``scan_<table>()``; time filters skip whole
    day folders. Only committed sources are ever visible.
    """

    def __init__(self, root: Path, *, read_only: bool = False) -> None:
        self._root = root
        self._read_only = read_only
        self._catalog = Catalog(root / CATALOG)

    @property
    def root(self) -> Path:
        """The store directory (absolute)."""
        return self._root

    @property
    def read_only(self) -> bool:
        return self._read_only

    def __repr__(self) -> str:
        return f"Store({str(self._root)!r}, read_only={self._read_only})"

    # -- writing -------------------------------------------------------------------------------

    def ingest(
        self, reader: SourceReader, *, on_batch: Callable[[int], None] | None = None
    ) -> IngestResult:
        """Add one source; a source already in the store is skipped without being read.

        Batches are written as they come (memory stays bounded by one batch) and become
        visible all at once when the source is committed; a crash at any point leaves the
        store as it was, and the next writer cleans up. ``on_batch`` is called after each batch
        with the number of rows it held. Raises :class:`StoreError` at once if another process
        is writing to the store.
        """
        if self._read_only:
            raise StoreError(
                f"{self._root} was opened read-only; open it with open_store(path) to ingest."
            )
        source_id = check_source_id(reader.source_id)
        done = self._catalog.get(source_id)
        if done is None:
            with WriterLock(self._root):
                self._prepare_catalog()
                recover_staging(self._root, self._catalog)
                done = self._catalog.get(source_id)
                if done is None:
                    entry = write_source(self._root, self._catalog, reader, on_batch)
                    return _result(entry, skipped=False)
        return _result(done, skipped=True)

    def _prepare_catalog(self) -> None:
        if not self._catalog.path.is_file():
            self._catalog.ensure()

    def _recover_if_idle(self) -> None:
        """Recover after a crashed writer, unless a writer is at work now (then it has)."""
        lock = WriterLock(self._root)
        if not lock.try_acquire():
            return
        try:
            self._catalog.ensure()
            recover_staging(self._root, self._catalog)
            sweep_orphans(self._root, self._catalog)
        finally:
            lock.release()

    # -- catalog -------------------------------------------------------------------------------

    def sources(self) -> pl.DataFrame:
        """Committed sources with their counts, sorted by path then source id."""
        return self._catalog.sources()

    def accounting(self, source_id: str | None = None) -> Accounting:
        """The accounting of one committed source, or (no argument) the store's totals."""
        if source_id is not None:
            entry = self._catalog.get(source_id)
            if entry is None:
                raise StoreError(
                    f"source {source_id!r} is not in the store {self._root}; "
                    "Store.sources() lists those that are."
                )
            return entry.to_accounting()
        total = Accounting(source_id="", path=str(self._root), format="store")
        for text in self.sources().get_column("accounting"):
            total.merge(Accounting.from_dict(json.loads(text)))
        return total

    def files(self, table: str, *, start: TimeBound = None, end: TimeBound = None) -> list[Path]:
        """Absolute paths of ``table``'s committed Parquet parts (for engines), in a fixed
        order; with ``start``/``end``, only those of the days that overlap ``[start, end)``."""
        table_schema(table)
        return self._files(table, utc(start, "start"), utc(end, "end"))

    def _files(self, table: str, start: datetime | None, end: datetime | None) -> list[Path]:
        first = None if start is None else start.date()
        last = None if end is None else (end - timedelta(microseconds=1)).date()
        if first is not None and last is not None and first > last:
            return []
        rel = self._catalog.files(table, first_day=first, last_day=last)
        return [self._root / p for p in rel]

    def summary(self) -> dict[str, Any]:
        """Row counts per table, sources, vessels (distinct MMSI in positions), the time range
        of positions and the totals of the accounting buckets."""
        sources = self.sources()
        rows = {t: int(sources.get_column(f"rows_{t}").sum()) for t in TABLES}
        stats = (
            self._scan("positions", None, None)
            .select(
                vessels=pl.col("mmsi").drop_nulls().n_unique(),
                first=pl.col("timestamp").min(),
                last=pl.col("timestamp").max(),
            )
            .collect()
            .row(0, named=True)
        )
        totals = self.accounting().to_dict()
        for key in ("source_id", "path", "format"):
            del totals[key]
        return {
            "root": str(self._root),
            "sources": sources.height,
            "rows": rows,
            "vessels": int(stats["vessels"]),
            "first_timestamp": stats["first"],
            "last_timestamp": stats["last"],
            "accounting": totals,
        }

    # -- tables --------------------------------------------------------------------------------

    def _scan(self, table: str, start: datetime | None, end: datetime | None) -> pl.LazyFrame:
        paths = self._files(table, start, end)
        if not paths:
            return empty(table_schema(table)).lazy()
        return pl.scan_parquet(paths, hive_partitioning=False, glob=False)

    def scan_table(
        self,
        table: str,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.LazyFrame:
        """``table`` as a lazy frame, filtered to ``mmsi`` and to ``start <= timestamp < end``
        (rows without a timestamp are left out when a bound is given), sorted."""
        schema = table_schema(table)
        lo, hi = utc(start, "start"), utc(end, "end")
        frame = self._scan(table, lo, hi)
        if lo is not None:
            frame = frame.filter(pl.col("timestamp") >= lo)
        if hi is not None:
            frame = frame.filter(pl.col("timestamp") < hi)
        ids = ints(mmsi, "mmsi")
        if ids is not None:
            if "mmsi" not in schema:
                raise ConfigError(f"table {table!r} has no mmsi column to filter on.")
            frame = frame.filter(pl.col("mmsi").is_in(ids))
        return frame.sort(ORDER[table], nulls_last=True, maintain_order=True)

    def read_table(
        self,
        table: str,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """:meth:`scan_table`, collected, in exactly the canonical schema."""
        frame = self.scan_table(table, mmsi=mmsi, start=start, end=end).collect()
        return conform(frame, TABLES[table])

    def scan_positions(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.LazyFrame:
        """Position reports, sorted by mmsi, timestamp, source_id, line."""
        return self.scan_table("positions", mmsi=mmsi, start=start, end=end)

    def positions(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """Position reports (:data:`darkfleet.schema.POSITIONS`), sorted by mmsi, timestamp,
        source_id, line."""
        return self.read_table("positions", mmsi=mmsi, start=start, end=end)

    def scan_statics(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.LazyFrame:
        """Static and voyage reports, sorted by mmsi, timestamp, source_id, line."""
        return self.scan_table("statics", mmsi=mmsi, start=start, end=end)

    def statics(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """Static and voyage reports (:data:`darkfleet.schema.STATICS`), sorted."""
        return self.read_table("statics", mmsi=mmsi, start=start, end=end)

    def scan_base_stations(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.LazyFrame:
        return self.scan_table("base_stations", mmsi=mmsi, start=start, end=end)

    def base_stations(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """Base station reports (:data:`darkfleet.schema.BASE_STATIONS`), sorted."""
        return self.read_table("base_stations", mmsi=mmsi, start=start, end=end)

    def scan_aids_to_navigation(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.LazyFrame:
        return self.scan_table("aids_to_navigation", mmsi=mmsi, start=start, end=end)

    def aids_to_navigation(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """Aid-to-navigation reports (:data:`darkfleet.schema.AIDS_TO_NAVIGATION`), sorted."""
        return self.read_table("aids_to_navigation", mmsi=mmsi, start=start, end=end)

    def scan_other_messages(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.LazyFrame:
        return self.scan_table("other_messages", mmsi=mmsi, start=start, end=end)

    def other_messages(
        self,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """Every other AIS message, kept whole (:data:`darkfleet.schema.OTHER_MESSAGES`)."""
        return self.read_table("other_messages", mmsi=mmsi, start=start, end=end)

    def scan_rejects(
        self,
        *,
        source_id: str | Sequence[str] | None = None,
        reason: str | Sequence[str] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.LazyFrame:
        """Rejected input records, sorted by source_id, line, offset_bytes."""
        frame = self.scan_table("rejects", start=start, end=end)
        sources = strings(source_id, "source_id")
        if sources is not None:
            frame = frame.filter(pl.col("source_id").is_in(sources))
        reasons = strings(reason, "reason")
        if reasons is not None:
            frame = frame.filter(pl.col("reason").is_in(reasons))
        return frame

    def rejects(
        self,
        *,
        source_id: str | Sequence[str] | None = None,
        reason: str | Sequence[str] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """Rejected input records with their reason and raw text (:data:`darkfleet.schema.REJECTS`)."""
        frame = self.scan_rejects(source_id=source_id, reason=reason, start=start, end=end)
        return conform(frame.collect(), TABLES["rejects"])

    def scan_identities(self, *, mmsi: int | Sequence[int] | None = None) -> pl.LazyFrame:
        return identities(self.scan_statics(mmsi=mmsi))

    def identities(self, *, mmsi: int | Sequence[int] | None = None) -> pl.DataFrame:
        """One row per vessel identity seen in statics, with first/last seen and message count.

        How AIS type 5, 19 and 24 A/B reports are combined: :mod:`darkfleet.store.identities`.
        """
        return conform(self.scan_identities(mmsi=mmsi).collect(), IDENTITIES)

    # -- events --------------------------------------------------------------------------------

    def event_types(self) -> list[str]:
        """Event tables computed by the last ``analyze`` (raises StoreError if none yet)."""
        return event_types(self._root)

    def events(
        self,
        event_type: str,
        *,
        mmsi: int | Sequence[int] | None = None,
        start: TimeBound = None,
        end: TimeBound = None,
    ) -> pl.DataFrame:
        """One event table (``gaps``, ``port_visits`` …) from the last ``analyze``, filtered to
        vessels and to events overlapping ``[start, end)``; see :mod:`darkfleet.store.events`."""
        return read_events(self._root, event_type, mmsi=mmsi, start=start, end=end)

    def events_manifest(self) -> dict[str, Any]:
        """What the stored events were computed from: parameters, sources, row counts."""
        return read_manifest(self._root)

    def write_events(self, tables: dict[str, pl.DataFrame], manifest: dict[str, Any]) -> Path:
        """Replace the stored event set (used by :func:`darkfleet.analyze`)."""
        if self._read_only:
            raise StoreError(f"{self._root} was opened read-only; cannot write events.")
        return write_events(self._root, tables, manifest)

    # -- SQL -----------------------------------------------------------------------------------

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A new in-memory DuckDB connection with a view per table over its committed Parquet
        parts, ``sources``, and one per event table of the last ``analyze`` (``gaps``,
        ``port_visits`` …). Views are made now, from where the store is now (a moved store
        works); they do not see sources committed later. Close the connection when done."""
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            for table, schema in TABLES.items():
                paths = self._files(table, None, None)
                if paths:
                    listing = ", ".join(sql_string(str(p)) for p in paths)
                    con.execute(
                        f"CREATE VIEW {table} AS SELECT * FROM "
                        f"read_parquet([{listing}], hive_partitioning = false)"
                    )
                else:
                    con.register(table, empty(schema).to_arrow())
            con.register("sources", self.sources().to_arrow())
            events_dir = self._root / EVENTS_DIR
            if (events_dir / "manifest.json").is_file():
                for name in event_types(self._root):
                    part = sql_string(str(events_dir / f"{name}.parquet"))
                    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({part})")
        except BaseException:
            con.close()
            raise
        return con

    def sql(self, query: str) -> pl.DataFrame:
        """Run one SQL query (DuckDB dialect) over the store's tables; see :meth:`connect`."""
        con = self.connect()
        try:
            relation = con.sql(query)
            if relation is None:
                raise ConfigError(f"the query returned no result; sql() runs queries: {query!r}")
            return relation.pl()
        except duckdb.Error as err:
            raise ConfigError(f"SQL query on store {self._root} failed: {err}") from err
        finally:
            con.close()


# -- opening -----------------------------------------------------------------------------------


def _others(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name != LOCK)


def _initialise(root: Path) -> None:
    """Make ``root`` (missing or empty) a store; raise if it holds anything else."""
    others = _others(root) if root.is_dir() else []
    if others:
        raise StoreError(
            f"{root} is not a darkfleet store (no {MARKER}) and is not empty (it holds "
            f"{', '.join(others[:3])}{', ...' if len(others) > 3 else ''}). Choose a new or "
            "empty directory for the store."
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(
            f"{root}: cannot create the store directory ({err.strerror}). Check the path and "
            "its permissions."
        ) from err
    with WriterLock(root):
        if (root / MARKER).is_file():  # another process made it meanwhile
            return
        if _others(root):
            raise StoreError(f"{root} changed while being made a store; try again.")
        write_marker(root)
        Catalog(root / CATALOG).ensure()


def open_store(path: str | Path, *, create: bool = True, read_only: bool = False) -> Store:
    """Open the store at ``path``, making it first if missing or empty (unless ``create`` is
    false or ``read_only`` is true).

    Opening for writing (the default) finishes or undoes whatever a crashed writer left; a
    read-only store never changes anything on disk and cannot ingest. Raises
    :class:`StoreError` if ``path`` is not a store (a file, or a non-empty directory without
    ``store.json``) or was written by a newer darkfleet.
    """
    root = Path(path).absolute()
    if root.exists() and not root.is_dir():
        raise StoreError(f"{root} is a file, not a store directory. Choose a directory.")
    if not (root / MARKER).is_file():
        if read_only or not create:
            raise StoreError(
                f"{root} is not a darkfleet store (no {MARKER}). Ingest a source into it "
                "first, or open it with open_store(path) to make a new store."
            )
        _initialise(root)
    read_marker(root)
    store = Store(root, read_only=read_only)
    if not read_only:
        store._recover_if_idle()
    return store
