"""The track frame every per-vessel kernel reads: one vessel's positions, time-sorted.

:func:`prepare_tracks` turns canonical ``positions`` rows into the *track frame*:

* rows without a timestamp, longitude or latitude are left out (they cannot be placed in a
  track; they stay in the store and in its accounting);
* rows identical in (mmsi, timestamp, lon, lat) are kept once: the first by
  (source_id, line) — the same report heard by two receivers, or ingested from two feeds;
* sorted by (mmsi, timestamp, source_id, line) — a total order, so every kernel sees the
  same sequence whatever the ingest order;
* columns: :data:`TRACK` (provenance ``source_id``/``line`` travels with every row).

:func:`vessel_offsets` gives the start index of each vessel's run in a sorted frame, which
the numba drivers use to run a per-vessel kernel over all vessels in one call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from ..schema import UTC, conform

__all__ = ["TRACK", "epoch_seconds", "prepare_tracks", "vessel_offsets"]

_ORDER = ["mmsi", "timestamp", "source_id", "line"]

TRACK: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "timestamp": UTC,
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "sog_kn": pl.Float64(),
    "cog_deg": pl.Float64(),
    "heading_deg": pl.Int16(),
    "nav_status": pl.Int8(),
    "msg_type": pl.Int8(),
    "source_id": pl.String(),
    "line": pl.Int64(),
}


def prepare_tracks(positions: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Canonical positions (eager or lazy) → the sorted, de-duplicated track frame."""
    lf = positions.lazy() if isinstance(positions, pl.DataFrame) else positions
    cols = [c for c in TRACK if c in lf.collect_schema().names()]
    out = (
        lf.select(cols)
        .filter(
            pl.col("mmsi").is_not_null()
            & pl.col("timestamp").is_not_null()
            & pl.col("lon").is_not_null()
            & pl.col("lat").is_not_null()
        )
        .sort(_ORDER, nulls_last=True)
        .collect()
    )
    # duplicates share (mmsi, timestamp), so they sit in the rare runs of equal time: only
    # those rows are hashed (a unique() over millions of rows costs more than the sort)
    m = out.get_column("mmsi").to_numpy()
    t = out.get_column("timestamp").to_physical().to_numpy()
    if m.size > 1:
        same = (m[1:] == m[:-1]) & (t[1:] == t[:-1])
        tied = np.flatnonzero(np.r_[same, False] | np.r_[False, same])
        if tied.size:
            first = out[tied].select(
                pl.struct("mmsi", "timestamp", "lon", "lat").is_first_distinct()
            )
            drop = tied[~first.to_series().to_numpy()]
            if drop.size:
                keep = np.ones(m.size, dtype=np.bool_)
                keep[drop] = False
                out = out.filter(pl.Series(keep))
    return conform(out, TRACK)


def vessel_offsets(mmsi: npt.NDArray[np.int64] | pl.Series) -> npt.NDArray[np.int64]:
    """Start index of each vessel's run in an MMSI-sorted array, plus the end (len + 1 values)."""
    a = mmsi.to_numpy() if isinstance(mmsi, pl.Series) else np.asarray(mmsi)
    if a.size == 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    return np.r_[starts, a.size].astype(np.int64)


def epoch_seconds(timestamp: pl.Series) -> npt.NDArray[np.float64]:
    """UTC timestamps → float seconds since 1970 (microsecond precision kept)."""
    return timestamp.dt.epoch("us").to_numpy().astype(np.float64) / 1e6
