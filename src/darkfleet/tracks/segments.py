"""Segments: one MMSI's positions split into tracks that one ship could have sailed.

Definition
----------
An MMSI is not a ship: two ships may broadcast the same number (416000000, 123456789 …),
and receivers add noise (a position hundreds of miles off, a clock off by hours). A
*segment* is a run of one MMSI's positions that a single ship could plausibly have sailed.
The rule follows Global Fishing Watch's gpsdio-segment (the implied-speed segmenter of
versions 0.9-0.18, whose ideas 0.19+ keeps: several open segments per MMSI, a time limit,
a maximum of open segments), re-implemented as a numba kernel per vessel.

Positions are taken in time order (ties: ``source_id``, ``line``). For each position:

1. Every open segment whose last position is more than ``max_hours`` older is closed:
   after that long a ship could be anywhere, so nothing can be linked across the silence.
2. The position is *plausible* for an open segment when the speed implied by the hop from
   that segment's last position is at most
   ``max(max_speed_kn, reported_speed_factor x reported SOG) x (1 + (short_hop_nm / d)^2)``
   (``d`` the hop in nautical miles; the reported SOG is the larger of the two positions'
   ``sog_kn``, ignoring values of ``max_reported_sog_kn`` and above, which AIS uses for
   "not available" and garbled values such as 51.2 or 102.2). The second factor is the
   noise allowance: it grows without bound for short hops (GPS scatter and clock jitter
   make short hops look fast) and fades for long ones (at ``d = short_hop_nm`` it doubles
   the limit, at 4x that distance it adds 6 %). At equal timestamps the hop must be at most
   ``same_time_nm``.
3. Among the plausible segments the position joins the one with the smallest
   ``hours since its last position / max(1, its duration in hours)`` (a recent, long-lived
   track wins: gpsdio-segment's metric), considering segments of two or more positions
   before single-position ones, so a stray point cannot capture the next position of an
   established track. Ties go to the older segment.
4. When no segment is plausible, the position opens a new segment. At most
   ``max_open_segments`` are open per MMSI; opening one more closes the stalest.

Interleaved ships sharing an MMSI therefore end up in separate segments as long as they
are further apart than a ship can sail between their reports.

**Noise.** A segment that ends with a single position is *noise* (``is_noise`` true,
``seg_id`` null) when another position of the same MMSI lies within ``max_hours`` of it:
it contradicts a neighbouring track and nothing confirms it (gpsdio-segment 0.10-0.18 emits
such positions as ``NoiseSegment``; 0.19+ keeps them as one-message segments that its
``good_seg`` filter later drops). A single position isolated in time by more than
``max_hours`` from every other position of the MMSI is a legitimate one-position segment
(a ship heard once a day by satellite), not noise.

**Segment ids** are ``"{mmsi}-{first timestamp as %Y%m%dT%H%M%SZ}"`` (gpsdio-segment also
names a segment after its MMSI and first timestamp), with ``-2``, ``-3`` … appended to the
second, third … segment of the MMSI starting in the same second. An id therefore does not
change when unrelated earlier or later data is added to the analysis.

Parameters (:class:`SegmentParams`)
-----------------------------------
=========================  ========  ======================================================
parameter                  default   origin
=========================  ========  ======================================================
``max_hours``              8.0       gpsdio-segment 0.20 ``max_hours`` (0.9-0.18: 24 h)
``max_speed_kn``           25.0      gpsdio-segment ``DEFAULT_MAX_SPEED`` / ``max_knots``
``reported_speed_factor``  1.1       gpsdio-segment ``REPORTED_SPEED_MULTIPLIER``
``max_reported_sog_kn``    50.0      replaces gpsdio-segment's exclusion ranges (51.2, 102.3)
``short_hop_nm``           40.0      gpsdio-segment ``MAX_SPEED_MULTIPLIER`` 1600 = 40² with
                                     ``MAX_SPEED_EXPONENT`` 2
``same_time_nm``           0.4167    gpsdio-segment: the distance ``max_speed`` covers in one
                                     minute (25 kn / 60)
``max_open_segments``      20        gpsdio-segment 0.19+ ``max_open_segments``
=========================  ========  ======================================================

Agreement with gpsdio-segment (``tests/tracks/test_segments_gfw.py``, its test data): on
``338013000`` (labels from gpsdio-segment 0.10) pairwise co-assignment precision 0.9997,
recall 1.0; 21 of 1,023 positions differ (clock-shifted positions that 0.10 calls noise and
that we keep as two short segments of their own). Its 2017 point-pair expectations: 13 of 13
at ``max_hours`` 24, 11 of 13 at 8 (the two others are more than 8 h apart, which 0.20 splits
too). Against gpsdio-segment 0.19-dev's output for the shared MMSI 416000000 (its
``max_hours`` then 60, a course-based rule): precision 0.70, recall 0.60 - the implied-speed
rule cannot tell apart ships sharing an MMSI in neighbouring ports when both are plausible.

Departures from gpsdio-segment and why: noise is decided after the pass (a position that
is never continued and sits within ``max_hours`` of other positions) instead of by a fixed
100 nm radius, so a second ship sharing the MMSI nearby gets its own segment; segments
with two or more positions are preferred to single positions (the 0.19+ segmenter down-
weights short segments for the same reason); the reported speed comes from ``sog_kn`` and
AIS course is not used (0.19+ predicts positions from course and speed: a finer rule that
needs clean COG); type 27 and type 5 messages get no special handling (the track frame
holds positions only); identical positions are already removed by the track frame.

Provenance: every row keeps its ``source_id`` and ``line``; :func:`segments_table` cites
the first and last record of each segment. Known limits: two ships sharing an MMSI and
sailing within a few miles of each other are merged (no rule based on position alone can
separate them); a gap longer than ``max_hours`` always starts a new segment even for a
single ship (gaps are therefore detected per MMSI, see :mod:`darkfleet.tracks.gaps`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import ConfigError
from ..events.base import BASE, conform_events, evidence_from_columns, with_event_ids
from ..geo.distance import METRES_PER_NM, haversine_m, haversine_m_scalar
from .prepare import epoch_seconds, vessel_offsets

__all__ = ["SEGMENTS", "SegmentParams", "segment_tracks", "segments_table"]

#: The segments event table: one row per segment.
SEGMENTS: dict[str, pl.DataType] = {
    **BASE,
    "n_positions": pl.Int64(),
    "start_lon": pl.Float64(),
    "start_lat": pl.Float64(),
    "end_lon": pl.Float64(),
    "end_lat": pl.Float64(),
    "distance_m": pl.Float64(),
}


@dataclass(frozen=True, kw_only=True)
class SegmentParams:
    """Parameters of the segmenter (see the module's Definition for the rule)."""

    #: Hours of silence after which a segment is closed (gpsdio-segment 0.20 ``max_hours``;
    #: 0.9-0.18 used 24, which merges more often ships that share an MMSI).
    max_hours: float = 8.0
    #: Speed in knots no ship is assumed to exceed over a long hop (gpsdio-segment
    #: ``DEFAULT_MAX_SPEED`` 0.9-0.18 and ``max_knots`` 0.19+: 25).
    max_speed_kn: float = 25.0
    #: A ship reporting a higher SOG may go this much faster than it reports
    #: (gpsdio-segment ``REPORTED_SPEED_MULTIPLIER``).
    reported_speed_factor: float = 1.1
    #: Reported SOG at or above this is ignored (gpsdio-segment excludes 51.2 and 102.3, noise
    #: values; our decoder already turns 102.3 into null).
    max_reported_sog_kn: float = 50.0
    #: Noise allowance: the speed limit is multiplied by 1 + (short_hop_nm / hop)^2
    #: (gpsdio-segment ``MAX_SPEED_MULTIPLIER`` 1600 = 40^2, ``MAX_SPEED_EXPONENT`` 2).
    short_hop_nm: float = 40.0
    #: Largest hop in nautical miles between two positions with the same timestamp
    #: (gpsdio-segment: the distance covered at ``max_speed`` in one minute, 25/60).
    same_time_nm: float = 25.0 / 60.0
    #: Open segments kept per MMSI; one more closes the stalest (gpsdio-segment 0.19+).
    max_open_segments: int = 20

    def __post_init__(self) -> None:
        positive = {
            "max_hours": self.max_hours,
            "max_speed_kn": self.max_speed_kn,
            "max_reported_sog_kn": self.max_reported_sog_kn,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"segments.{name} = {value!r}: expected a number above 0.")
        non_negative = {
            "reported_speed_factor": self.reported_speed_factor,
            "short_hop_nm": self.short_hop_nm,
            "same_time_nm": self.same_time_nm,
        }
        for name, value in non_negative.items():
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"segments.{name} = {value!r}: expected a number of 0 or more.")
        if self.max_open_segments < 1:
            raise ConfigError(
                f"segments.max_open_segments = {self.max_open_segments!r}: expected 1 or more."
            )


@nb.njit(cache=True, inline="always")
def _plausible(
    dt_h: float,
    d_nm: float,
    sog_a: float,
    sog_b: float,
    max_speed: float,
    rep_factor: float,
    max_rep: float,
    hop_nm: float,
    same_nm: float,
) -> bool:
    if dt_h <= 0.0:
        return d_nm <= same_nm
    if d_nm <= 0.0:
        return True
    rep = 0.0
    if sog_a == sog_a and sog_a < max_rep and sog_a > rep:
        rep = sog_a
    if sog_b == sog_b and sog_b < max_rep and sog_b > rep:
        rep = sog_b
    base = max(max_speed, rep_factor * rep)
    r = hop_nm / d_nm
    return d_nm / dt_h <= base * (1.0 + r * r)


@nb.njit(cache=True)
def _segment_kernel(
    offsets: npt.NDArray[np.int64],
    t: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    sog: npt.NDArray[np.float64],
    max_s: float,
    max_speed: float,
    rep_factor: float,
    max_rep: float,
    hop_nm: float,
    same_nm: float,
    max_open: int,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]
]:
    """Segment every vessel of a (vessel, time)-sorted frame.

    Returns (segment index per row, first row of each segment, positions per segment,
    noise flag per row). Segment indices are global, in order of creation.
    """
    n = t.size
    label = np.empty(n, np.int64)
    seg_first = np.empty(n, np.int64)
    seg_count = np.zeros(n, np.int64)
    noise = np.zeros(n, np.bool_)
    slot_seg = np.empty(max_open, np.int64)
    slot_last = np.empty(max_open, np.int64)
    nseg = 0
    for v in range(offsets.size - 1):
        s = offsets[v]
        e = offsets[v + 1]
        nopen = 0
        for i in range(s, e):
            ti = t[i]
            # 1. close segments silent for more than max_hours (keep creation order)
            k = 0
            w = 0
            while k < nopen:
                if ti - t[slot_last[k]] <= max_s:
                    slot_seg[w] = slot_seg[k]
                    slot_last[w] = slot_last[k]
                    w += 1
                k += 1
            nopen = w
            # 2-3. the most plausible open segment
            best = -1
            best_tier = 2
            best_metric = np.inf
            for k in range(nopen):
                j = slot_last[k]
                g = slot_seg[k]
                dt_h = (ti - t[j]) / 3600.0
                d_nm = haversine_m_scalar(lon[j], lat[j], lon[i], lat[i]) / METRES_PER_NM
                if not _plausible(
                    dt_h, d_nm, sog[j], sog[i], max_speed, rep_factor, max_rep, hop_nm, same_nm
                ):
                    continue
                tier = 0 if seg_count[g] >= 2 else 1
                dur_h = (t[j] - t[seg_first[g]]) / 3600.0
                metric = dt_h / max(1.0, dur_h)
                if tier < best_tier or (tier == best_tier and metric < best_metric):
                    best = k
                    best_tier = tier
                    best_metric = metric
            if best >= 0:
                g = slot_seg[best]
                label[i] = g
                seg_count[g] += 1
                slot_last[best] = i
                continue
            # 4. a new segment; when full, close the stalest (oldest last position)
            if nopen == max_open:
                stale = 0
                for k in range(1, nopen):
                    if t[slot_last[k]] < t[slot_last[stale]]:
                        stale = k
                for k in range(stale, nopen - 1):
                    slot_seg[k] = slot_seg[k + 1]
                    slot_last[k] = slot_last[k + 1]
                nopen -= 1
            g = nseg
            nseg += 1
            seg_first[g] = i
            seg_count[g] = 1
            label[i] = g
            slot_seg[nopen] = g
            slot_last[nopen] = i
            nopen += 1
        # noise: single-position segments with another position within max_hours
        for i in range(s, e):
            if seg_count[label[i]] == 1:
                before = i > s and t[i] - t[i - 1] <= max_s
                after = i + 1 < e and t[i + 1] - t[i] <= max_s
                if before or after:
                    noise[i] = True
    return label, seg_first[:nseg], seg_count[:nseg], noise


@nb.njit(cache=True)
def _sortedness(m: npt.NDArray[np.int64], t: npt.NDArray[np.int64]) -> int:
    """0: strictly increasing by (m, t); 1: non-decreasing with equal (m, t) pairs; 2: not."""
    ties = 0
    for i in range(1, m.size):
        if m[i] > m[i - 1]:
            continue
        if m[i] < m[i - 1] or t[i] < t[i - 1]:
            return 2
        if t[i] == t[i - 1]:
            ties = 1
    return ties


def _canonical_order(tracks: pl.DataFrame) -> npt.NDArray[np.int64] | None:
    """None when ``tracks`` is already sorted by (mmsi, timestamp, source_id, line), else the
    stable permutation that sorts it."""
    if tracks.height < 2:
        return None
    key = [c for c in ("mmsi", "timestamp", "source_id", "line") if c in tracks.columns]
    m = tracks.get_column("mmsi").to_numpy()
    t = tracks.get_column("timestamp").dt.epoch("us").to_numpy()
    state = _sortedness(m, t)
    if state == 0:
        return None
    if state == 1:
        dm = m[1:] - m[:-1]
        dt = t[1:] - t[:-1]
        ties = np.flatnonzero((dm == 0) & (dt == 0))
        rows = np.unique(np.r_[ties, ties + 1])
        sub = pl.DataFrame([tracks.get_column(c).gather(pl.Series(rows)) for c in key])
        sub = sub.with_columns(pl.Series("_i", rows))
        if np.array_equal(sub.sort(key, maintain_order=True, nulls_last=True)["_i"], sub["_i"]):
            return None
    order = tracks.select(key).with_row_index("_i").sort(key, maintain_order=True, nulls_last=True)
    return np.asarray(order.get_column("_i").to_numpy(), dtype=np.int64)


def _columns(
    tracks: pl.DataFrame,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lon = tracks.get_column("lon").cast(pl.Float64).to_numpy()
    lat = tracks.get_column("lat").cast(pl.Float64).to_numpy()
    if "sog_kn" in tracks.columns:
        sog = tracks.get_column("sog_kn").cast(pl.Float64).fill_null(np.nan).to_numpy()
    else:
        sog = np.full(tracks.height, np.nan)
    return (
        np.ascontiguousarray(lon, dtype=np.float64),
        np.ascontiguousarray(lat, dtype=np.float64),
        np.ascontiguousarray(sog, dtype=np.float64),
    )


def segment_tracks(
    tracks: pl.DataFrame, *, params: SegmentParams = SegmentParams()
) -> pl.DataFrame:
    """The track frame plus ``seg_id`` (String, null for noise) and ``is_noise`` (Boolean).

    ``tracks`` is the frame of :func:`darkfleet.tracks.prepare_tracks` (at least ``mmsi``,
    ``timestamp``, ``lon``, ``lat``; ``sog_kn``, ``source_id``, ``line`` are used when
    present). Rows come back in the input's order; the rule sees them in (mmsi, timestamp,
    source_id, line) order whatever that is, so shuffled input gives the same labels.
    """
    out_cols = {"seg_id": pl.String(), "is_noise": pl.Boolean()}
    if tracks.height == 0:
        return tracks.with_columns(*(pl.lit(None, dtype=d).alias(c) for c, d in out_cols.items()))
    order = _canonical_order(tracks)
    frame = tracks if order is None else tracks[order]
    t = np.ascontiguousarray(epoch_seconds(frame.get_column("timestamp")))
    lon, lat, sog = _columns(frame)
    offsets = vessel_offsets(frame.get_column("mmsi"))
    label, first, _count, noise = _segment_kernel(
        offsets,
        t,
        lon,
        lat,
        sog,
        params.max_hours * 3600.0,
        params.max_speed_kn,
        params.reported_speed_factor,
        params.max_reported_sog_kn,
        params.short_hop_nm,
        params.same_time_nm,
        params.max_open_segments,
    )
    seg_ids = _segment_ids(frame, first)
    idx = pl.Series("_g", label).set(pl.Series(noise), None)
    seg_col = seg_ids.gather(idx).alias("seg_id")
    noise_col = pl.Series("is_noise", noise, dtype=pl.Boolean)
    if order is not None:
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        seg_col = seg_col.gather(inverse)
        noise_col = noise_col.gather(inverse)
    return tracks.with_columns(seg_col, noise_col)


def _segment_ids(frame: pl.DataFrame, first: npt.NDArray[np.int64]) -> pl.Series:
    """``{mmsi}-{first timestamp}Z`` per segment, ``-2``, ``-3`` … for same-second starts."""
    index = pl.Series(first)
    heads = pl.DataFrame(
        [frame.get_column("mmsi").gather(index), frame.get_column("timestamp").gather(index)]
    )
    base = pl.concat_str(
        pl.col("mmsi").cast(pl.String),
        pl.lit("-"),
        pl.col("timestamp").dt.strftime("%Y%m%dT%H%M%SZ"),
    )
    nth = pl.int_range(pl.len()).over(base) + 1
    ids = heads.select(
        pl.when(nth > 1).then(pl.concat_str(base, pl.lit("-"), nth.cast(pl.String))).otherwise(base)
    )
    return ids.to_series().alias("seg_id")


def segments_table(segmented: pl.DataFrame) -> pl.DataFrame:
    """One row per segment of a :func:`segment_tracks` frame, schema :data:`SEGMENTS`.

    ``start_time``/``end_time`` = first/last position, ``lon``/``lat`` = the first position,
    ``distance_m`` = the great-circle length summed hop by hop, ``evidence`` = the first and
    last record. Noise positions are left out.
    """
    if segmented.height == 0:
        return conform_events(pl.DataFrame(schema=SEGMENTS), SEGMENTS)
    cols = ["mmsi", "seg_id", "timestamp", "lon", "lat"]
    prov = [c for c in ("source_id", "line") if c in segmented.columns]
    key = ["seg_id", "timestamp", *prov]
    rows = (
        segmented.select(*cols, *prov)
        .filter(pl.col("seg_id").is_not_null())
        .sort(key, maintain_order=True, nulls_last=True)
    )
    if "source_id" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, pl.String).alias("source_id"))
    if "line" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, pl.Int64).alias("line"))
    lon = rows.get_column("lon").to_numpy()
    lat = rows.get_column("lat").to_numpy()
    hop = np.zeros(rows.height)
    if rows.height > 1:
        hop[1:] = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
        seg = rows.get_column("seg_id")
        hop[1:][(seg[1:] != seg[:-1]).to_numpy()] = 0.0
    rows = rows.with_columns(pl.Series("_hop", hop))
    table = rows.group_by("seg_id", maintain_order=True).agg(
        pl.col("mmsi").first(),
        pl.col("timestamp").first().alias("start_time"),
        pl.col("timestamp").last().alias("end_time"),
        pl.len().cast(pl.Int64).alias("n_positions"),
        pl.col("lon").first().alias("start_lon"),
        pl.col("lat").first().alias("start_lat"),
        pl.col("lon").last().alias("end_lon"),
        pl.col("lat").last().alias("end_lat"),
        pl.col("_hop").sum().alias("distance_m"),
        pl.col("source_id").first().alias("_s0"),
        pl.col("line").first().alias("_l0"),
        pl.col("source_id").last().alias("_s1"),
        pl.col("line").last().alias("_l1"),
    )
    one = pl.col("n_positions") == 1
    table = table.with_columns(
        pl.when(one).then(None).otherwise(pl.col("_s1")).alias("_s1"),
        pl.when(one).then(None).otherwise(pl.col("_l1")).alias("_l1"),
    ).with_columns(
        ((pl.col("end_time") - pl.col("start_time")).dt.total_microseconds() / 3.6e9).alias(
            "duration_h"
        ),
        pl.col("start_lon").alias("lon"),
        pl.col("start_lat").alias("lat"),
        evidence_from_columns(("_s0", "_l0"), ("_s1", "_l1")),
    )
    table = with_event_ids(table, "segment", ["seg_id"])
    return conform_events(table, SEGMENTS)
