"""Event tables in a store: ``<store>/events/<event_type>.parquet`` plus ``manifest.json``.

``darkfleet analyze`` computes every event type from the store's positions and statics and
writes them here as one set: the whole ``events/`` folder is replaced at once (written to
``events.new/``, then swapped by renames under the writer lock), so readers see the previous
analysis or the new one, never a mix. ``manifest.json`` records what the set was computed
from and how: the parameters actually used, the committed source ids, the darkfleet version,
the row count of each table. It holds no wall-clock time, so the same store and parameters
give byte-identical event files.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import ConfigError, StoreError
from .layout import WriterLock, fsync_dir
from .query import TimeBound, ints, utc

__all__ = [
    "EVENTS_DIR",
    "event_types",
    "read_events",
    "read_manifest",
    "recover_table_set",
    "write_events",
    "write_table_set",
]

EVENTS_DIR = "events"
_MANIFEST = "manifest.json"


def write_table_set(
    root: Path, folder: str, tables: Mapping[str, pl.DataFrame], manifest: Mapping[str, Any]
) -> Path:
    """Replace ``root/folder`` with one Parquet file per table and ``manifest.json`` (the
    manifest plus each table's row count), at once: written to ``folder.new/``, then swapped
    by two renames under the store's writer lock. The event set and the satellite set
    (:mod:`darkfleet.satellite.store`) are written this way."""
    with WriterLock(root):
        new, old, cur = root / f"{folder}.new", root / f"{folder}.old", root / folder
        for stale in (new, old):
            if stale.exists():
                shutil.rmtree(stale)
        new.mkdir()
        counts = {}
        for name in sorted(tables):
            frame = tables[name]
            frame.write_parquet(new / f"{name}.parquet", compression="zstd", statistics=True)
            counts[name] = frame.height
        body = {**manifest, "tables": counts}
        (new / _MANIFEST).write_text(
            json.dumps(body, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
        fsync_dir(new)
        if cur.exists():
            os.replace(cur, old)
        os.replace(new, cur)
        fsync_dir(root)
        if old.exists():
            shutil.rmtree(old)
    return cur


def recover_table_set(root: Path, folder: str) -> None:
    """A crash between the two renames of :func:`write_table_set` leaves ``folder.new``
    complete and no ``folder``: finish the swap."""
    cur, new = root / folder, root / f"{folder}.new"
    if not cur.exists() and new.is_dir() and (new / _MANIFEST).is_file():
        os.replace(new, cur)


def write_events(
    root: Path, tables: Mapping[str, pl.DataFrame], manifest: Mapping[str, Any]
) -> Path:
    """Replace the store's event set with ``tables`` (name → frame) and ``manifest``."""
    return write_table_set(root, EVENTS_DIR, tables, manifest)


def read_manifest(root: Path) -> dict[str, Any]:
    """The manifest of the store's event set; raise :class:`StoreError` if none was computed."""
    recover_table_set(root, EVENTS_DIR)
    path = root / EVENTS_DIR / _MANIFEST
    if not path.is_file():
        raise StoreError(
            f"{root} has no events yet. Run `darkfleet analyze {root}` (or "
            "darkfleet.analyze(store)) first."
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def event_types(root: Path) -> list[str]:
    """Names of the event tables in the store's event set, sorted."""
    return sorted(read_manifest(root).get("tables", {}))


def read_events(
    root: Path,
    event_type: str,
    *,
    mmsi: int | Sequence[int] | None = None,
    start: TimeBound = None,
    end: TimeBound = None,
) -> pl.DataFrame:
    """One event table, filtered to vessels (``mmsi``, or ``other_mmsi`` for two-vessel
    events) and to events overlapping ``[start, end)``."""
    known = event_types(root)
    if event_type not in known:
        raise ConfigError(
            f"no event type {event_type!r} in {root}; the types are: {', '.join(known)}."
        )
    frame = pl.read_parquet(root / EVENTS_DIR / f"{event_type}.parquet")
    ids = ints(mmsi, "mmsi")
    if ids is not None and "mmsi" in frame.columns:
        cond = pl.col("mmsi").is_in(ids)
        if "other_mmsi" in frame.columns:
            cond = cond | pl.col("other_mmsi").is_in(ids)
        frame = frame.filter(cond)
    lo, hi = utc(start, "start"), utc(end, "end")
    frame = _time_filter(frame, lo, hi)
    return frame


def _time_filter(frame: pl.DataFrame, lo: datetime | None, hi: datetime | None) -> pl.DataFrame:
    if "start_time" in frame.columns:
        begin, finish = pl.col("start_time"), pl.col("end_time").fill_null(pl.col("start_time"))
    elif "date" in frame.columns:
        begin = finish = pl.col("date").cast(pl.Datetime("us", "UTC"))
    else:
        return frame
    if lo is not None:
        frame = frame.filter(finish >= lo)
    if hi is not None:
        frame = frame.filter(begin < hi)
    return frame
