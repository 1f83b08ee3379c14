"""AIS gaps: when a ship was silent, and whether it likely switched its transponder off.

Definition
----------
A **gap** is a pair of consecutive positions of one MMSI more than ``min_gap_h`` hours
apart (strictly more, as Global Fishing Watch's pipe-gaps ``GapDetector``). The positions
are those of :func:`darkfleet.tracks.segments.segment_tracks` that are not noise, in time
order (ties: ``source_id``, ``line``). Like pipe-gaps, which groups the messages of good
segments by ``ssvid``, the chain runs over all segments of the MMSI: a silence longer than
the segmenter's ``max_hours`` closes a segment, and it is exactly those long silences that
matter. ``seg_id`` is the segment of both ends when they share one, null when the gap spans
two segments (the event base's rule).

* ``start_time``/``lon``/``lat``/``start_*``: the last position before the silence (the
  *off* message); ``end_*``: the first after it (the *on* message).
* ``distance_m``: great circle between them; ``implied_speed_kn``: that distance over the
  duration.
* ``positions_before``: positions of the MMSI in the ``reception_window_h`` hours before the
  off position, plus the off position itself (pipe-gaps ``positions_hours_before``, window
  ``n_hours_before`` = 12; like pipe-gaps, other positions at the off position's very
  timestamp are not counted).
* ``start_shore_km``/``end_shore_km``: distance from shore
  (:func:`darkfleet.geo.distance_from_shore_km`, GSHHG 0.1 degree grid, negative on land).
* **Open gap**: the last position of an MMSI starts an open gap when ``analysis_end`` (an
  argument; default the latest timestamp of the input) is more than ``min_gap_h`` after it.
  Its ``end_*``, ``end_time``, ``duration_h``, ``distance_m``, ``implied_speed_kn`` are
  null and ``is_open`` is true (pipe-gaps' open gaps, evaluated at the end of the day).

**Likely disabled** (``likely_disabled``, with a ``reason`` sentence naming each test and
its value) follows GFW's rule for suspected intentional AIS disabling (Welch et al. 2022,
*Science Advances* 8, eabq2109; code GlobalFishingWatch/AIS-disabling-high-seas
``ais_disabling/config.py``; GFW technical documentation ``Gaps.md``). All must hold:

1. the ship was dark at least ``disabled_min_h`` = 12 h (for an open gap: so far, up to
   ``analysis_end``) — shorter gaps are within satellite revisit times;
2. the gap started more than ``disabled_min_shore_nm`` = 50 nm from shore — nearer the
   coast, terrestrial coverage and crowded-water interference explain gaps;
   with ``disabled_check_end_shore`` (off by default, as in the peer-reviewed method) the
   gap must also end that far out, as GFW's production query requires;
3. the ship was well received just before: at least ``disabled_min_positions`` = 14
   positions in the ``reception_window_h`` = 12 h before the gap.

Departures from GFW and why: our positions carry no ``receiver_type``, so test 3 counts
every position where GFW counts satellite positions only (``positions_12_hours_before_sat``);
ashore terrestrial receivers can inflate the count for a ship that left the coast less than
12 h before the gap. GFW also requires a modelled satellite reception quality above 10
positions a day at the gap's start (``positions_per_day_off``), a global 1-degree monthly
model we do not have: not applied. GFW's production score
(``positions_12_hours_before_sat x min(gap_h, 48) / 12 >= 20``) is not used: the peer-reviewed
14-in-12-h rule is. Open gaps may be flagged on their duration so far (GFW's production
table does the same for near-real-time use). Gaps are per MMSI, so for an MMSI shared by
ships that report at the same time a gap only appears when all of them are silent, and its
two ends may belong to different ships (pipe-gaps has the same limit; ``seg_id`` is then
null).

Parameters (:class:`GapParams`)
-------------------------------
============================  =======  ====================================================
parameter                     default  origin
============================  =======  ====================================================
``min_gap_h``                 6.0      pipe-gaps ``DetectGapsConfig.min_gap_length``
``reception_window_h``        12.0     pipe-gaps ``n_hours_before``
``disabled_min_h``            12.0     Welch et al. 2022; GFW ``Gaps.md`` (``gap_hours >= 12``)
``disabled_min_shore_nm``     50.0     Welch et al. 2022; GFW ``Gaps.md``
``disabled_min_positions``    14       Welch et al. 2022 (``positions_12_hours_before_sat``)
``disabled_check_end_shore``  false    GFW ``Gaps.md`` production query checks the end too
============================  =======  ====================================================

Provenance: ``evidence`` cites the off and the on record (only the off record for an open
gap); ``event_id`` hashes the MMSI and the off time, so a gap keeps its id when it closes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numba as nb
import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import ConfigError
from ..events.base import BASE, conform_events, evidence_from_columns, with_event_ids
from ..geo import METRES_PER_NM, distance_from_shore_km, haversine_m
from .prepare import epoch_seconds, vessel_offsets
from .segments import _canonical_order

__all__ = ["GAPS", "GapParams", "detect_gaps"]

#: The gaps event table.
GAPS: dict[str, pl.DataType] = {
    **BASE,
    "start_lon": pl.Float64(),
    "start_lat": pl.Float64(),
    "end_lon": pl.Float64(),
    "end_lat": pl.Float64(),
    "distance_m": pl.Float64(),
    "implied_speed_kn": pl.Float64(),
    "positions_before": pl.Int32(),
    "start_shore_km": pl.Float64(),
    "end_shore_km": pl.Float64(),
    "is_open": pl.Boolean(),
    "likely_disabled": pl.Boolean(),
    "reason": pl.String(),
}

_KM_PER_NM = METRES_PER_NM / 1000.0
_GAP_COLUMNS: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "seg_id": pl.String(),
    "timestamp": pl.Datetime("us", "UTC"),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "source_id": pl.String(),
    "line": pl.Int64(),
}


@dataclass(frozen=True, kw_only=True)
class GapParams:
    """Parameters of gap detection (see the module's Definition)."""

    #: A gap is a silence strictly longer than this, in hours (pipe-gaps
    #: ``min_gap_length``).
    min_gap_h: float = 6.0
    #: Hours before the gap in which positions are counted (pipe-gaps ``n_hours_before``).
    reception_window_h: float = 12.0
    #: Likely disabled: dark at least this many hours (Welch et al. 2022; GFW Gaps.md).
    disabled_min_h: float = 12.0
    #: Likely disabled: the gap starts more than this many nautical miles from shore.
    disabled_min_shore_nm: float = 50.0
    #: Likely disabled: at least this many positions in the reception window (Welch et al.
    #: 2022 count satellite positions only; we count all).
    disabled_min_positions: int = 14
    #: Likely disabled: also require the gap to end beyond ``disabled_min_shore_nm`` (GFW's
    #: production query does; the peer-reviewed method does not).
    disabled_check_end_shore: bool = False

    def __post_init__(self) -> None:
        for name in ("min_gap_h", "reception_window_h"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"gaps.{name} = {value!r}: expected a number of hours above 0.")
        for name in ("disabled_min_h", "disabled_min_shore_nm"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"gaps.{name} = {value!r}: expected a number of 0 or more.")
        if self.disabled_min_positions < 0:
            raise ConfigError(
                f"gaps.disabled_min_positions = {self.disabled_min_positions!r}: expected a "
                "whole number of 0 or more."
            )


@nb.njit(cache=True)
def _gap_kernel(
    offsets: npt.NDArray[np.int64],
    t: npt.NDArray[np.float64],
    min_gap_s: float,
    window_s: float,
    end_s: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(off row, on row or -1 for an open gap, positions in the window) per gap."""
    count = 0
    for v in range(offsets.size - 1):
        s = offsets[v]
        e = offsets[v + 1]
        for i in range(s, e - 1):
            if t[i + 1] - t[i] > min_gap_s:
                count += 1
        if e > s and end_s - t[e - 1] > min_gap_s:
            count += 1
    off = np.empty(count, np.int64)
    on = np.empty(count, np.int64)
    before = np.empty(count, np.int64)
    k = 0
    for v in range(offsets.size - 1):
        s = offsets[v]
        e = offsets[v + 1]
        lo = s
        for i in range(s, e):
            if i + 1 < e:
                if t[i + 1] - t[i] <= min_gap_s:
                    continue
                nxt = i + 1
            else:
                if end_s - t[i] <= min_gap_s:
                    continue
                nxt = -1
            while t[lo] < t[i] - window_s:
                lo += 1
            # positions in [t_off - window, t_off), plus the off position (as pipe-gaps)
            j = i
            while j > lo and t[j - 1] >= t[i]:
                j -= 1
            off[k] = i
            on[k] = nxt
            before[k] = j - lo + 1
            k += 1
    return off, on, before


def detect_gaps(
    segmented: pl.DataFrame,
    *,
    params: GapParams = GapParams(),
    analysis_end: datetime | None = None,
) -> pl.DataFrame:
    """Gaps of a :func:`~darkfleet.tracks.segments.segment_tracks` frame, schema :data:`GAPS`.

    ``analysis_end`` (timezone-aware) is the end of the observation window for open gaps;
    None = the latest timestamp in ``segmented``. Noise positions are left out.
    """
    if segmented.height == 0:
        return conform_events(pl.DataFrame(schema=GAPS), GAPS)
    if analysis_end is not None and analysis_end.tzinfo is None:
        raise ConfigError(
            f"analysis_end = {analysis_end.isoformat()} has no time zone; pass a UTC datetime."
        )
    order = _canonical_order(segmented)
    rows = np.arange(segmented.height, dtype=np.int64) if order is None else order
    if "is_noise" in segmented.columns:
        noise = segmented.get_column("is_noise").fill_null(False).to_numpy()
        rows = rows[~noise[rows]]
    if rows.size == 0:
        return conform_events(pl.DataFrame(schema=GAPS), GAPS)
    t_all = epoch_seconds(segmented.get_column("timestamp"))
    t = np.ascontiguousarray(t_all[rows])
    mmsi = segmented.get_column("mmsi").to_numpy()[rows]
    if analysis_end is None:
        end_s = float(np.max(t_all))
    else:
        end_us = pl.Series([analysis_end]).cast(pl.Datetime("us", "UTC")).dt.epoch("us")[0]
        end_s = float(end_us) / 1e6
    off, on, before = _gap_kernel(
        vessel_offsets(mmsi),
        t,
        params.min_gap_h * 3600.0,
        params.reception_window_h * 3600.0,
        end_s,
    )
    if off.size == 0:
        return conform_events(pl.DataFrame(schema=GAPS), GAPS)
    a = _rows(segmented, rows[off])
    on_rows = pl.Series(rows[np.maximum(on, 0)]).set(pl.Series(on < 0), None)
    b = _rows(segmented, on_rows)
    gaps = pl.DataFrame(
        {
            "mmsi": a["mmsi"],
            "start_seg": a["seg_id"],
            "end_seg": b["seg_id"],
            "start_time": a["timestamp"],
            "end_time": b["timestamp"],
            "start_lon": a["lon"],
            "start_lat": a["lat"],
            "end_lon": b["lon"],
            "end_lat": b["lat"],
            "_s0": a["source_id"],
            "_l0": a["line"],
            "_s1": b["source_id"],
            "_l1": b["line"],
            "positions_before": pl.Series(before, dtype=pl.Int32),
        }
    )
    return _finish(gaps, params, end_s)


def _rows(frame: pl.DataFrame, idx: npt.NDArray[np.int64] | pl.Series) -> dict[str, pl.Series]:
    """The columns a gap needs at rows ``idx`` (null index → null row), column by column
    (an eager ``select`` on the whole frame costs more than the gather itself)."""
    index = idx if isinstance(idx, pl.Series) else pl.Series(idx)
    out = {}
    for col, dtype in _GAP_COLUMNS.items():
        if col in frame.columns:
            out[col] = frame.get_column(col).gather(index)
        else:
            out[col] = pl.Series(col, [None] * len(index), dtype=dtype)
    return out


def _finish(gaps: pl.DataFrame, params: GapParams, end_s: float) -> pl.DataFrame:
    lon0, lat0 = gaps["start_lon"].to_numpy(), gaps["start_lat"].to_numpy()
    lon1 = gaps["end_lon"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    lat1 = gaps["end_lat"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    shore = distance_from_shore_km(np.r_[lon0, lon1], np.r_[lat0, lat1])  # one grid query
    shore0, shore1 = shore[: lon0.size], shore[lon0.size :]
    end_us = round(end_s * 1e6)
    lazy = gaps.lazy().with_columns(
        pl.Series("distance_m", haversine_m(lon0, lat0, lon1, lat1)).fill_nan(None),
        pl.Series("start_shore_km", shore0).fill_nan(None),
        pl.Series("end_shore_km", shore1).fill_nan(None),
        pl.col("end_time").is_null().alias("is_open"),
        pl.when(pl.col("start_seg") == pl.col("end_seg"))
        .then(pl.col("start_seg"))
        .when(pl.col("end_time").is_null())
        .then(pl.col("start_seg"))
        .alias("seg_id"),
        ((pl.col("end_time") - pl.col("start_time")).dt.total_microseconds() / 3.6e9).alias(
            "duration_h"
        ),
        ((pl.lit(end_us) - pl.col("start_time").dt.epoch("us")).cast(pl.Float64) / 3.6e9).alias(
            "_dark_so_far_h"
        ),
        pl.col("start_lon").alias("lon"),
        pl.col("start_lat").alias("lat"),
        evidence_from_columns(("_s0", "_l0"), ("_s1", "_l1")),
    )
    lazy = lazy.with_columns(
        (pl.col("distance_m") / METRES_PER_NM / pl.col("duration_h")).alias("implied_speed_kn"),
        pl.coalesce("duration_h", "_dark_so_far_h").alias("_dark_h"),
    )
    gaps = _flag(lazy, params).collect()
    gaps = with_event_ids(gaps, "gap", ["mmsi", "start_time"])
    return conform_events(gaps, GAPS)


def _num(expr: pl.Expr) -> pl.Expr:
    return expr.round(1).cast(pl.String)


def _flag(gaps: pl.LazyFrame, params: GapParams) -> pl.LazyFrame:
    """``likely_disabled`` and a ``reason`` naming each test with its value."""
    limit_nm = params.disabled_min_shore_nm
    start_nm = pl.col("start_shore_km") / _KM_PER_NM
    end_nm = pl.col("end_shore_km") / _KM_PER_NM
    dark = pl.col("_dark_h")
    window = f"{params.reception_window_h:g} h"
    long_ok = dark >= params.disabled_min_h
    start_ok = start_nm > limit_nm
    end_ok = (
        (end_nm > limit_nm) | pl.col("is_open") if params.disabled_check_end_shore else pl.lit(True)
    )
    seen_ok = pl.col("positions_before") >= params.disabled_min_positions
    so_far = pl.when(pl.col("is_open")).then(pl.lit(" so far (open)")).otherwise(pl.lit(""))
    dark_txt = pl.concat_str(pl.lit("dark "), _num(dark), pl.lit(" h"), so_far)
    start_txt = (
        pl.when(pl.col("start_shore_km").is_null())
        .then(pl.lit("distance from shore at the start unknown"))
        .otherwise(pl.concat_str(pl.lit("started "), _num(start_nm), pl.lit(" nm from shore")))
    )
    end_txt = (
        pl.when(pl.col("end_shore_km").is_null())
        .then(pl.lit("distance from shore at the end unknown"))
        .otherwise(pl.concat_str(pl.lit("ended "), _num(end_nm), pl.lit(" nm from shore")))
    )
    seen_txt = pl.concat_str(
        pl.col("positions_before").cast(pl.String), pl.lit(f" positions in the {window} before")
    )
    tests = [
        (long_ok, dark_txt, f">= {params.disabled_min_h:g} h", f"< {params.disabled_min_h:g} h"),
        (start_ok.fill_null(False), start_txt, f"> {limit_nm:g} nm", f"<= {limit_nm:g} nm"),
        (seen_ok, seen_txt, f">= {params.disabled_min_positions}",
         f"< {params.disabled_min_positions}"),
    ]  # fmt: skip
    if params.disabled_check_end_shore:
        tests.insert(
            2, (end_ok.fill_null(False), end_txt, f"> {limit_nm:g} nm", f"<= {limit_nm:g} nm")
        )
    flag = pl.lit(True)
    for ok, _txt, _yes, _no in tests:
        flag = flag & ok
    passed = pl.concat_str(
        [pl.concat_str(txt, pl.lit(f" ({yes})")) for _ok, txt, yes, _no in tests], separator=", "
    )
    failed = pl.concat_str(
        [pl.when(~ok).then(pl.concat_str(txt, pl.lit(f" ({no})"))) for ok, txt, _yes, no in tests],
        separator="; ",
        ignore_nulls=True,
    )
    reason = (
        pl.when(flag)
        .then(pl.concat_str(pl.lit("likely disabled: "), passed))
        .otherwise(pl.concat_str(pl.lit("not flagged: "), failed))
    )
    return gaps.with_columns(flag.alias("likely_disabled"), reason.alias("reason"))
