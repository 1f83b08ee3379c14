"""Loitering: one vessel moving very slowly, far from shore, for an extended time.

Definition (src/darkfleet/definitions/loitering.md says the same). Following Global Fishing Watch's
pipe-loitering and its published loitering events:

1. Each position of a track segment (``seg_id`` from
   :func:`darkfleet.tracks.segments.segment_tracks`; noise positions are ignored) gets a
   speed: its reported SOG, or, where SOG is missing (null, or ``max_valid_sog_kn`` and above,
   AIS's "not available" 102.3 and garbled values), the *implied* speed of the step from the
   previous position (to the next one for a segment's first position, or when the previous
   step has no elapsed time). ``speed_source="implied"`` uses implied speeds throughout.
2. A position is *slow* when its speed is below ``max_speed_kn`` (2 kn, GFW's
   ``slow_threshold``). A loitering *run* is a maximal sequence of consecutive slow
   positions of one segment with at least two positions (GFW drops one-message groups);
   with ``max_step_h`` set, a silence longer than that between two positions also ends it.
3. The run is an event when it lasts at least ``min_loiter_h`` (1 h: GFW shows only
   loitering events longer than one hour), its time-weighted mean distance from shore is at
   least ``min_shore_nm`` (20 nm: GFW's published-events filter
   ``avg_distance_from_shore_nm >= 20``), and, when a port list is given, no position is
   within ``min_port_km`` of a port (10 km, the distance from anchorages GFW uses for
   encounters; GFW's loitering has no port filter, see below).

Columns: ``start_time``/``end_time`` = first and last slow position, ``duration_h`` between
them, ``lon``/``lat`` = mean position, ``n_positions``, ``median_sog_kn``/``mean_sog_kn`` of
the speeds used in step 1, ``min_shore_km`` and ``mean_shore_km`` (time-weighted,
trapezoidal), ``min_port_km`` (null without ports, or with no port within 1,000 km),
``distance_m`` (summed great-circle steps between the run's positions). ``evidence`` = the
run's first and last records.

Departures from GFW (why): GFW averages implied speed over clock-hour buckets, then joins
consecutive slow hours; here each position is judged on its own SOG, which AIS measures from
GPS Doppler and which is not inflated by position jitter at short reporting intervals (an
implied speed over a 2-second step of a drifting ship can read 10 kn). Hour buckets also
start an event at the last position before the first slow hour; here it starts at the first
slow position, so durations are up to a reporting interval shorter. The port filter is an
addition: ships waiting at an offshore anchorage are not loitering in the sense that
matters for dark activity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numba as nb
import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import ConfigError
from ..events.base import BASE, conform_events, evidence_from_columns, with_event_ids
from ..geo import KNOT_MPS, METRES_PER_NM, distance_from_shore_km, haversine_m_scalar
from ..schema import conform
from .prepare import TRACK, epoch_seconds, vessel_offsets

if TYPE_CHECKING:
    from ..ports import PortIndex

__all__ = ["LOITERING", "LoiterParams", "detect_loitering"]

EVENT_TYPE = "loitering"
_PORT_SEARCH_M = 1_000_000.0  # min_port_km is reported up to this distance (null beyond)

LOITERING: dict[str, pl.DataType] = {
    **BASE,
    "n_positions": pl.Int64(),
    "median_sog_kn": pl.Float64(),
    "mean_sog_kn": pl.Float64(),
    "min_shore_km": pl.Float64(),
    "mean_shore_km": pl.Float64(),
    "min_port_km": pl.Float64(),
    "distance_m": pl.Float64(),
}

_INPUT: dict[str, pl.DataType] = {
    k: TRACK[k] for k in ("mmsi", "timestamp", "lon", "lat", "sog_kn", "source_id", "line")
} | {"seg_id": pl.String()}

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, kw_only=True)
class LoiterParams:
    """Parameters of :func:`detect_loitering` (origins: GFW pipe-loitering and its products)."""

    max_speed_kn: float = 2.0
    """A position is slow below this speed: GFW pipe-loitering ``--slow_threshold`` default 2,
    and GFW's published definition ("average speed of < 2 knots")."""
    min_loiter_h: float = 1.0
    """Shortest event: GFW shows "only loitering events greater than one hour" (GFW FAQ
    "What is a loitering event?"). GFW/Pew transshipment reports use 4 h for carriers."""
    min_shore_nm: float = 20.0
    """Least time-weighted mean distance from shore, nautical miles: GFW's published loitering
    events (``product_events_loitering``) keep ``avg_distance_from_shore_nm >= 20``."""
    min_port_km: float = 10.0
    """With a port list, no position may be closer than this to a port: GFW's encounters use
    10 km from anchorages (Miller et al. 2018); GFW's loitering has no port filter."""
    speed_source: Literal["sog", "implied"] = "sog"
    """``"sog"``: reported SOG, implied speed where SOG is missing; ``"implied"``: implied
    speed everywhere (closer to GFW, noisier at short reporting intervals)."""
    max_valid_sog_kn: float = 50.0
    """SOG at or above this is treated as missing (AIS 102.3 = not available, and garbled
    values); the same bound as the segmenter's ``max_reported_sog_kn``."""
    max_step_h: float | None = None
    """End a run at a silence longer than this (hours). None (GFW): segments decide, and GFW's
    hourly buckets bridge any silence inside a segment."""

    def __post_init__(self) -> None:
        for name in ("max_speed_kn", "max_valid_sog_kn"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise ConfigError(f"LoiterParams.{name} must be a positive number, got {v!r}")
        for name in ("min_loiter_h", "min_shore_nm", "min_port_km"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ConfigError(f"LoiterParams.{name} must be a number >= 0, got {v!r}")
        if self.speed_source not in ("sog", "implied"):
            raise ConfigError(
                f"LoiterParams.speed_source must be 'sog' or 'implied', got {self.speed_source!r}"
            )
        if self.max_step_h is not None and not (
            math.isfinite(self.max_step_h) and self.max_step_h > 0
        ):
            raise ConfigError(
                f"LoiterParams.max_step_h must be a positive number of hours or None, got {self.max_step_h!r}"
            )


@nb.njit(cache=True)
def _speeds(offsets: I64, t: F64, lon: F64, lat: F64, sog: F64, use_sog: bool) -> F64:
    """Speed (kn) of each position: SOG where valid (``use_sog``), else implied (NaN if none)."""
    n = t.size
    out = np.full(n, np.nan)
    for g in range(offsets.size - 1):
        lo, hi = offsets[g], offsets[g + 1]
        for i in range(lo, hi):
            if use_sog and math.isfinite(sog[i]):
                out[i] = sog[i]
                continue
            v = np.nan
            if i > lo and t[i] > t[i - 1]:
                d = haversine_m_scalar(lon[i - 1], lat[i - 1], lon[i], lat[i])
                v = d / (t[i] - t[i - 1]) / KNOT_MPS
            elif i + 1 < hi and t[i + 1] > t[i]:
                d = haversine_m_scalar(lon[i], lat[i], lon[i + 1], lat[i + 1])
                v = d / (t[i + 1] - t[i]) / KNOT_MPS
            out[i] = v
    return out


@nb.njit(cache=True)
def _runs(
    offsets: I64, t: F64, speed: F64, max_kn: float, max_step_s: float, min_s: float
) -> tuple[I64, I64]:
    """(first, last) position index of each slow run lasting at least ``min_s`` seconds."""
    n = t.size
    first = np.empty(n, dtype=np.int64)  # preallocated: at most one run per position
    last = np.empty(n, dtype=np.int64)
    k = 0
    for g in range(offsets.size - 1):
        lo, hi = offsets[g], offsets[g + 1]
        start = -1
        for i in range(lo, hi + 1):
            slow = i < hi and speed[i] < max_kn
            if slow and start >= 0 and t[i] - t[i - 1] > max_step_s:
                # a silence ends the run; this position may start the next one
                if i - 1 > start and t[i - 1] - t[start] >= min_s:
                    first[k] = start
                    last[k] = i - 1
                    k += 1
                start = i
                continue
            if slow:
                if start < 0:
                    start = i
                continue
            if start >= 0:
                if i - 1 > start and t[i - 1] - t[start] >= min_s:
                    first[k] = start
                    last[k] = i - 1
                    k += 1
                start = -1
    return first[:k], last[:k]


@nb.njit(cache=True)
def _run_stats(
    first: I64,
    last: I64,
    t: F64,
    lon: F64,
    lat: F64,
    speed: F64,
    shore: F64,
    port: F64,
) -> tuple[F64, F64, F64, F64, F64, F64, F64, F64]:
    """Per run: mean lon (circular), mean lat, median/mean speed, min/mean shore, min port, distance."""
    m = first.size
    mlon = np.empty(m)
    mlat = np.empty(m)
    med = np.empty(m)
    mean = np.empty(m)
    smin = np.empty(m)
    smean = np.empty(m)
    pmin = np.empty(m)
    dist = np.empty(m)
    for r in range(m):
        a, b = first[r], last[r] + 1
        sx = 0.0
        sy = 0.0
        for i in range(a, b):
            sx += math.cos(math.radians(lon[i]))
            sy += math.sin(math.radians(lon[i]))
        mlon[r] = math.degrees(math.atan2(sy, sx))
        mlat[r] = lat[a:b].mean()
        med[r] = np.median(speed[a:b])
        mean[r] = speed[a:b].mean()
        smin[r] = shore[a:b].min()
        pmin[r] = port[a:b].min()
        d = 0.0
        area = 0.0
        for i in range(a + 1, b):
            d += haversine_m_scalar(lon[i - 1], lat[i - 1], lon[i], lat[i])
            area += 0.5 * (shore[i - 1] + shore[i]) * (t[i] - t[i - 1])
        dist[r] = d
        span = t[b - 1] - t[a]
        smean[r] = area / span if span > 0 else shore[a:b].mean()
    return mlon, mlat, med, mean, smin, smean, pmin, dist


def _ranges(first: I64, last: I64) -> I64:
    """Concatenated position indices first[r]..last[r] of every run."""
    lengths = last - first + 1
    starts = np.repeat(first - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    return np.asarray(starts + np.arange(lengths.sum()), dtype=np.int64)


def detect_loitering(
    segmented: pl.DataFrame,
    *,
    params: LoiterParams = LoiterParams(),
    ports: PortIndex | None = None,
) -> pl.DataFrame:
    """Loitering events of every segment (see the module docstring for the rule).

    ``segmented``: the frame of :func:`darkfleet.tracks.segments.segment_tracks` (track
    columns plus ``seg_id``; rows with a null ``seg_id`` are noise and are skipped), in any
    row order. ``ports``: an optional :class:`darkfleet.ports.PortIndex` for the port
    filter. Returns :data:`LOITERING`.
    """
    if segmented.height == 0 or "seg_id" not in segmented.columns:
        return pl.DataFrame(schema=LOITERING)
    frame = (
        conform(segmented, _INPUT)
        .filter(
            pl.col("seg_id").is_not_null()
            & pl.col("timestamp").is_not_null()
            & pl.col("lon").is_not_null()
            & pl.col("lat").is_not_null()
        )
        .sort(["mmsi", "seg_id", "timestamp", "source_id", "line"], nulls_last=True)
    )
    if frame.height == 0:
        return pl.DataFrame(schema=LOITERING)
    code = frame.select(pl.col("seg_id").rank("dense").cast(pl.Int64))["seg_id"].to_numpy()
    # seg ids are contiguous after the sort, so run starts of the dense rank are the groups
    offsets = vessel_offsets(np.asarray(code))
    t = epoch_seconds(frame["timestamp"])
    lon = frame["lon"].to_numpy().astype(np.float64)
    lat = frame["lat"].to_numpy().astype(np.float64)
    sog = (
        frame.select(
            pl.when(pl.col("sog_kn") < params.max_valid_sog_kn)
            .then(pl.col("sog_kn"))
            .cast(pl.Float64)
        )
        .to_series()
        .to_numpy()
        if "sog_kn" in frame.columns
        else np.full(frame.height, np.nan)
    )
    sog = np.where(np.isfinite(sog) & (sog >= 0), sog, np.nan)
    speed = _speeds(offsets, t, lon, lat, sog, params.speed_source == "sog")
    max_step_s = np.inf if params.max_step_h is None else params.max_step_h * 3600.0
    first, last = _runs(
        offsets, t, speed, params.max_speed_kn, max_step_s, params.min_loiter_h * 3600.0
    )
    if first.size == 0:
        return pl.DataFrame(schema=LOITERING)

    # Shore and port distances only for the positions inside candidate runs.
    idx = _ranges(first, last)
    shore = np.full(frame.height, np.nan)
    shore[idx] = distance_from_shore_km(lon[idx], lat[idx])
    port = np.full(frame.height, np.inf)
    if ports is not None:
        reach_m = max(params.min_port_km * 1000.0, _PORT_SEARCH_M)
        _, d_m = ports.nearest(lon[idx], lat[idx], max_distance_m=reach_m)
        port[idx] = np.asarray(d_m, dtype=np.float64) / 1000.0
    mlon, mlat, med, mean, smin, smean, pmin, dist = _run_stats(
        first, last, t, lon, lat, speed, shore, port
    )
    keep = smean >= params.min_shore_nm * METRES_PER_NM / 1000.0
    if ports is not None:
        keep &= pmin >= params.min_port_km
    if not keep.any():
        return pl.DataFrame(schema=LOITERING)
    f, la = first[keep], last[keep]
    ends = frame.select("mmsi", "seg_id", "timestamp", "source_id", "line")
    a = ends[f]
    b = (
        ends[la]
        .rename({"timestamp": "end_time", "source_id": "_src_b", "line": "_line_b"})
        .drop("mmsi", "seg_id")
    )
    out = pl.concat(
        [a.rename({"timestamp": "start_time", "source_id": "_src_a", "line": "_line_a"}), b],
        how="horizontal",
    ).with_columns(
        ((pl.col("end_time") - pl.col("start_time")).dt.total_microseconds() / 3.6e9).alias(
            "duration_h"
        ),
        pl.Series("lon", mlon[keep]),
        pl.Series("lat", mlat[keep]),
        pl.Series("n_positions", (la - f + 1).astype(np.int64)),
        pl.Series("median_sog_kn", med[keep]),
        pl.Series("mean_sog_kn", mean[keep]),
        pl.Series("min_shore_km", smin[keep]),
        pl.Series("mean_shore_km", smean[keep]),
        pl.Series("min_port_km", np.where(np.isfinite(pmin[keep]), pmin[keep], np.nan)),
        pl.Series("distance_m", dist[keep]),
        evidence_from_columns(("_src_a", "_line_a"), ("_src_b", "_line_b")),
    )
    out = out.with_columns(
        pl.when(pl.col("min_port_km").is_nan())
        .then(None)
        .otherwise(pl.col("min_port_km"))
        .alias("min_port_km")
    )
    out = with_event_ids(out, EVENT_TYPE, ["seg_id", "start_time"])
    return conform_events(out, LOITERING)
