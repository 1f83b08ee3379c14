"""The canonical on-disk store: day-partitioned Parquet files and a DuckDB catalog.

Layout of a store directory::

    store.json                  marker: {"format": "darkfleet-store", "version": 1, ...}
    catalog.duckdb              committed sources and their files (see .catalog)
    .lock                       writer lock (flock); holds the writer's process id
    positions/date=2024-10-01/<source_id>-000000.parquet
    positions/date=none/...     rows whose timestamp is null
    statics/  base_stations/  aids_to_navigation/  other_messages/  rejects/
    _staging/<source_id>/       a source being written (only while a writer runs or crashed)

Every table of :data:`darkfleet.schema.TABLES` has a folder; each part holds the rows of one
batch of one source for one UTC day, in the canonical schema (zstd Parquet), so every row keeps
its provenance (``source_id`` + ``line``). Paths in the catalog are relative: a store directory
can be moved or copied whole.

**Idempotent.** A source is identified by the hash of its bytes (``source_id``); ingesting a
source already committed reads nothing and adds nothing (``IngestResult.skipped``).

**Crash-safe.** A source is staged under ``_staging/``, then committed: manifest (atomic),
moves into place (atomic renames), then one DuckDB transaction that inserts its ``sources`` and
``files`` rows. Readers only read the files the catalog lists, so a source is visible whole or
not at all. After a crash (kill -9, power loss) the next writer rolls a manifest-complete commit
forward and deletes anything else. See :mod:`darkfleet.store.writer` for the protocol.

**One writer at a time.** Ingest takes ``<store>/.lock`` (``flock``, non-blocking): a second
writer fails at once with :class:`~darkfleet.errors.StoreError`. Readers never take it and can
read while a writer works; they see the sources committed when they list files.

**Deterministic.** No wall-clock values are stored; file names derive from the source's hash and
batch number; accessors return rows in a fixed order, whatever the ingest order.

Usage::

    from darkfleet.store import open_store
    store = open_store("fleet.store")
    store.ingest(reader)              # any darkfleet.io.source.SourceReader
    store.positions(mmsi=273_000_000, start="2024-10-01", end="2024-11-01")
    store.identities()
    store.sql("SELECT mmsi, count(*) FROM positions GROUP BY mmsi")
"""

from __future__ import annotations

from .core import IngestResult, Store, open_store
from .geo import to_geopandas
from .identities import IDENTITIES, IDENTITY_FIELDS
from .layout import FORMAT_VERSION
from .query import TimeBound

__all__ = [
    "FORMAT_VERSION",
    "IDENTITIES",
    "IDENTITY_FIELDS",
    "IngestResult",
    "Store",
    "TimeBound",
    "open_store",
    "to_geopandas",
]
