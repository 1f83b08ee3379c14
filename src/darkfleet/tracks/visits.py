"""Port visits: when a vessel was in a port, whether it stopped, and whether it came in dark.

Definition (src/darkfleet/definitions/port_visits.md says the same)
-----------------------------------------------------
The rule is Global Fishing Watch's pipe-anchorages port-visit state machine
(``transforms/create_in_out_events.py``, ``create_port_visits.py``, defaults from
``assets/config/anchorage_cfg.yaml``), run over ports instead of GFW's anchorage cells.

Positions: the non-noise positions of one MMSI (all its segments, as GFW runs per vessel),
in time order (ties: ``source_id``, ``line``). For each position the ports within reach are
found once for all positions (:meth:`darkfleet.ports.PortIndex.within`); distance is to the
port's point, or to its polygon (0 inside) for polygon ports.

* **Entry distance** of a port: its ``radius_m`` when set, else ``entry_distance_m`` (3 km)
  for a point port or ``polygon_entry_distance_m`` (0: inside) for a polygon port. **Exit
  distance** = entry distance + (``exit_distance_m`` - ``entry_distance_m``) (1 km more).
* **In port** (hysteresis): a vessel in port P stays in P while its distance to P is below
  P's exit distance. A vessel not in a port enters the nearest port whose entry distance it
  is within. A vessel whose distance to P reaches the exit distance leaves P, and on the same
  position enters another port if it is within that port's entry distance.
* **Stopped** (hysteresis): SOG <= ``stop_begin_kn`` (0.2 kn) starts a stop, SOG >=
  ``stop_end_kn`` (0.5 kn) ends it; in between, or with no SOG, the previous state holds.
  Only positions in port count as stopped.
* **Gap in port**: two consecutive positions at least ``min_gap_h`` (4 h) apart, the first in
  port.

A **visit** runs from its first position in port P (``start_time``, the *entry*) to its last
position in P (``end_time``); the position that ends it (the *exit*, first position beyond
the exit distance, possibly in another port) is cited in ``evidence``. Columns:
``n_positions`` in port; ``stop_h`` = hours between consecutive in-port positions where the
first is stopped (gap intervals excluded); ``gap_h`` = hours of gaps in port between the
visit's own positions; ``lon``/``lat`` = mean of the in-port positions.

**Confidence** (GFW ``compute_confidence``): 4 = stop or gap, with entry and exit; 3 = stop
or gap, with entry or exit; 2 = stop or gap only; 1 = no stop and no gap (a pass within the
entry distance). As GFW, a gap counts when it *starts* in port: also the silence that ends
with the exit, and for a visit still open at ``analysis_end`` (default: the latest input
timestamp) a silence of at least ``min_gap_h`` up to it. Visits below ``min_confidence``
(default 2) are dropped.

**Open visits**: ``is_open_start`` when the vessel's first position is already in port (no
entry observed); ``is_open_end`` when its last is (no exit yet: ``end_time`` and
``duration_h`` are null, ``last_seen_time`` holds the last position in port).

**Dark arrival/departure**: ``arrived_dark`` when the position before the entry is more than
``dark_gap_h`` (6 h, the gap detector's ``min_gap_h``) earlier, or, when a ``gaps`` frame is
given, when one of its gaps of this MMSI ends at the entry; ``departed_dark`` likewise for
the silence after the last in-port position. Null when there is no position before (after).

Departures from GFW and why: ports are WPI points or user polygons, not 0.5 km S2 anchorage
cells, so each port takes an entry distance of its own (``radius_m``) for large ports or
approximate positions. GFW keeps one visit while a vessel moves from anchorage to anchorage
(its ``end_anchorage_id`` may differ from ``start_anchorage_id``), including a jump across a
gap from one port to another; here leaving P's exit distance always ends the visit, so a dark
crossing Najin → Vostochny gives two visits, the second ``arrived_dark``. GFW splits visits
where segments more than 60 nm apart meet (``max_inter_seg_dist_nm``); a jump that long
leaves the exit distance anyway. GFW stamps the exit at the first position outside; here
``end_time`` is the last position inside, so a vessel that goes dark in port and reappears
elsewhere is not counted in port through its silence. A stop seen only at the start of the
data counts as a stop (GFW needs a stop transition).

Provenance: ``evidence`` = the entry record, the last in-port record and the exit record.
``event_id`` hashes the MMSI, port and entry time.
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
from ..ports import PortIndex
from ..schema import UTC
from .prepare import epoch_seconds, vessel_offsets
from .segments import _canonical_order

__all__ = ["PORT_VISITS", "VisitParams", "detect_port_visits"]

EVENT_TYPE = "port_visit"

#: The port visits event table.
PORT_VISITS: dict[str, pl.DataType] = {
    **BASE,
    "port_id": pl.String(),
    "port_name": pl.String(),
    "port_country": pl.String(),
    "confidence": pl.Int8(),
    "n_positions": pl.Int64(),
    "stop_h": pl.Float64(),
    "gap_h": pl.Float64(),
    "arrived_dark": pl.Boolean(),
    "departed_dark": pl.Boolean(),
    "is_open_start": pl.Boolean(),
    "is_open_end": pl.Boolean(),
    "last_seen_time": UTC,
}


@dataclass(frozen=True, kw_only=True)
class VisitParams:
    """Parameters of port-visit detection (see the module's Definition)."""

    #: Enter a point port within this many metres (GFW ``anchorage_entry_distance_km`` 3.0).
    entry_distance_m: float = 3000.0
    #: Leave a point port beyond this many metres (GFW ``anchorage_exit_distance_km`` 4.0);
    #: the margin over ``entry_distance_m`` applies to every port, also with ``radius_m``.
    exit_distance_m: float = 4000.0
    #: Enter a polygon port within this many metres of it (0 = inside; darkfleet's choice: a
    #: polygon already draws the port).
    polygon_entry_distance_m: float = 0.0
    #: A stop begins at SOG <= this (GFW ``stopped_begin_speed_knots``).
    stop_begin_kn: float = 0.2
    #: A stop ends at SOG >= this (GFW ``stopped_end_speed_knots``).
    stop_end_kn: float = 0.5
    #: A silence in port at least this long is a gap (GFW
    #: ``minimum_port_gap_duration_minutes`` 240).
    min_gap_h: float = 4.0
    #: ``arrived_dark``/``departed_dark``: a silence strictly longer than this (the gap
    #: detector's ``min_gap_h``, pipe-gaps ``min_gap_length``); ignored when gaps are given.
    dark_gap_h: float = 6.0
    #: Keep visits of at least this confidence (1-4; GFW computes all four; 1 = passed by
    #: without a stop or a gap, which is not evidence of a call).
    min_confidence: int = 2

    def __post_init__(self) -> None:
        def check(ok: bool, name: str, allowed: str) -> None:
            if not ok:
                value = getattr(self, name)
                raise ConfigError(f"visits.{name} = {value!r}: expected {allowed}.")

        for name in ("entry_distance_m", "polygon_entry_distance_m"):
            v = getattr(self, name)
            check(math.isfinite(v) and v >= 0, name, "metres >= 0")
        check(
            math.isfinite(self.exit_distance_m) and self.exit_distance_m >= self.entry_distance_m,
            "exit_distance_m",
            f"metres >= entry_distance_m ({self.entry_distance_m})",
        )
        check(
            math.isfinite(self.stop_begin_kn) and self.stop_begin_kn >= 0,
            "stop_begin_kn",
            "knots >= 0",
        )
        check(
            math.isfinite(self.stop_end_kn) and self.stop_end_kn >= self.stop_begin_kn,
            "stop_end_kn",
            f"knots >= stop_begin_kn ({self.stop_begin_kn})",
        )
        for name in ("min_gap_h", "dark_gap_h"):
            v = getattr(self, name)
            check(math.isfinite(v) and v > 0, name, "hours > 0")
        check(self.min_confidence in (1, 2, 3, 4), "min_confidence", "1, 2, 3 or 4")


F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@nb.njit(cache=True)
def _visit_kernel(
    offsets: I64,
    t: F64,
    lon: F64,
    lat: F64,
    sog: F64,
    seg: I64,
    cand_ptr: I64,
    cand_port: I64,
    cand_dist: F64,
    entry_r: F64,
    exit_r: F64,
    stop_begin: float,
    stop_end: float,
    min_gap_s: float,
    end_s: float,
) -> tuple[
    I64,
    I64,
    I64,
    I64,
    npt.NDArray[np.bool_],
    npt.NDArray[np.bool_],
    npt.NDArray[np.bool_],
    F64,
    F64,
    F64,
    F64,
    npt.NDArray[np.bool_],
]:
    n = t.size
    v_port = np.empty(n, np.int64)
    v_first = np.empty(n, np.int64)
    v_last = np.empty(n, np.int64)
    v_exit = np.empty(n, np.int64)
    v_entry = np.zeros(n, np.bool_)
    v_stop = np.zeros(n, np.bool_)
    v_gap = np.zeros(n, np.bool_)
    v_stop_s = np.zeros(n)
    v_gap_s = np.zeros(n)
    v_lon = np.zeros(n)
    v_lat = np.zeros(n)
    v_mixed = np.zeros(n, np.bool_)
    k = 0
    for vi in range(offsets.size - 1):
        a, b = offsets[vi], offsets[vi + 1]
        cur = -1  # port index while in port
        was_stopped = False  # previous position was in port and stopped
        for i in range(a, b):
            # ports: stay in the current one while inside its exit distance
            new = -1
            if cur >= 0:
                for j in range(cand_ptr[i], cand_ptr[i + 1]):
                    if cand_port[j] == cur:
                        if cand_dist[j] < exit_r[cur]:
                            new = cur
                        break
            if new < 0:
                for j in range(cand_ptr[i], cand_ptr[i + 1]):
                    q = cand_port[j]
                    if cand_dist[j] <= entry_r[q]:
                        new = q
                        break
            s = sog[i]
            if s <= stop_begin:
                stopped = True
            elif s >= stop_end:
                stopped = False
            else:  # in the band, or no SOG: the previous state holds
                stopped = was_stopped
            dt = t[i] - t[i - 1] if i > a else 0.0
            if cur >= 0 and dt >= min_gap_s:
                v_gap[k] = True  # a gap that starts in port (GFW), also one that ends outside
            if cur >= 0 and new != cur:  # exit (maybe straight into another port)
                v_exit[k] = i
                k += 1
                cur = -1
                was_stopped = False
            if new >= 0:
                if cur < 0:  # entry
                    cur = new
                    v_port[k] = new
                    v_first[k] = i
                    v_exit[k] = -1
                    v_entry[k] = i > a
                    v_stop[k] = False
                    v_gap[k] = False
                    v_stop_s[k] = 0.0
                    v_gap_s[k] = 0.0
                    v_lon[k] = 0.0
                    v_lat[k] = 0.0
                    v_mixed[k] = False
                else:
                    if dt >= min_gap_s:
                        v_gap_s[k] += dt
                    elif was_stopped:
                        v_stop_s[k] += dt
                    if seg[i] != seg[v_first[k]]:
                        v_mixed[k] = True
                v_last[k] = i
                dlon = lon[i] - lon[v_first[k]]
                dlon = (dlon + 180.0) % 360.0 - 180.0  # antimeridian-safe mean
                v_lon[k] += dlon
                v_lat[k] += lat[i]
                if stopped:
                    v_stop[k] = True
                was_stopped = stopped
            else:
                was_stopped = False
        if cur >= 0:  # open at the end of the data
            if end_s - t[b - 1] >= min_gap_s:
                v_gap[k] = True
            k += 1
    return (
        v_port[:k],
        v_first[:k],
        v_last[:k],
        v_exit[:k],
        v_entry[:k],
        v_stop[:k],
        v_gap[:k],
        v_stop_s[:k],
        v_gap_s[:k],
        v_lon[:k],
        v_lat[:k],
        v_mixed[:k],
    )


def _radii(index: PortIndex, params: VisitParams) -> tuple[F64, F64]:
    ports = index.ports
    is_poly = ports["geometry_wkb"].is_not_null().to_numpy()
    default = np.where(is_poly, params.polygon_entry_distance_m, params.entry_distance_m)
    radius = ports["radius_m"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    entry = np.where(np.isnan(radius), default, radius).astype(np.float64)
    return entry, entry + (params.exit_distance_m - params.entry_distance_m)


def _time_s(value: datetime) -> float:
    if value.tzinfo is None:
        raise ConfigError(
            f"analysis_end = {value.isoformat()} has no time zone; pass a UTC datetime."
        )
    return float(pl.Series([value]).cast(pl.Datetime("us", "UTC")).dt.epoch("us")[0]) / 1e6


def _empty() -> pl.DataFrame:
    return conform_events(pl.DataFrame(schema=PORT_VISITS), PORT_VISITS)


def _runs(frame: pl.DataFrame) -> tuple[pl.DataFrame, I64]:
    """The runs the state machine walks: one per MMSI, except that an MMSI whose segments
    overlap in time (several ships broadcasting one MMSI) is walked segment by segment, so
    that two ships far apart do not make visits that flip between their ports."""
    spans = (
        frame.filter(pl.col("seg_id").is_not_null())
        .group_by("mmsi", "seg_id")
        .agg(pl.col("timestamp").min().alias("t0"), pl.col("timestamp").max().alias("t1"))
        .sort("mmsi", "t0", "seg_id")
        .with_columns(pl.col("t1").cum_max().shift(1).over("mmsi").alias("prev_end"))
    )
    shared = spans.filter(pl.col("t0") < pl.col("prev_end"))["mmsi"].unique()
    if shared.len() == 0:
        return frame, vessel_offsets(frame["mmsi"])
    run = (
        pl.when(pl.col("mmsi").is_in(shared.implode())).then(pl.col("seg_id")).otherwise(pl.lit(""))
    )
    frame = frame.with_columns(run.fill_null("").alias("_run")).sort(
        "mmsi", "_run", maintain_order=True
    )
    m = frame["mmsi"].to_numpy()
    r = frame["_run"].to_numpy()
    change = np.r_[True, (m[1:] != m[:-1]) | (r[1:] != r[:-1])] if m.size else np.zeros(0, bool)
    offsets = np.r_[np.flatnonzero(change), m.size].astype(np.int64)
    return frame.drop("_run"), offsets


def detect_port_visits(
    segmented: pl.DataFrame,
    ports: PortIndex,
    *,
    params: VisitParams = VisitParams(),
    gaps: pl.DataFrame | None = None,
    analysis_end: datetime | None = None,
) -> pl.DataFrame:
    """Port visits of a track frame (segmented or not), schema :data:`PORT_VISITS`.

    ``ports``: a :class:`~darkfleet.ports.PortIndex`. ``gaps``: a
    :data:`~darkfleet.tracks.gaps.GAPS` frame; when given, ``arrived_dark``/``departed_dark``
    come from its gaps (``mmsi``, ``start_time``, ``end_time``) instead of ``dark_gap_h``.
    ``analysis_end`` (timezone-aware; default the latest timestamp of ``segmented``) is the
    end of observation for visits still open. Noise positions (``is_noise``) are left out.
    """
    frame = segmented
    if "is_noise" in frame.columns:
        frame = frame.filter(~pl.col("is_noise").fill_null(False))
    if frame.height == 0 or len(ports) == 0:
        return _empty()
    order = _canonical_order(frame)
    if order is not None:
        frame = frame[order]
    for col, dtype in (("seg_id", pl.String()), ("source_id", pl.String()), ("line", pl.Int64())):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(col))
    frame, offsets = _runs(frame)
    t = np.ascontiguousarray(epoch_seconds(frame["timestamp"]))
    lon = np.ascontiguousarray(frame["lon"].cast(pl.Float64).to_numpy())
    lat = np.ascontiguousarray(frame["lat"].cast(pl.Float64).to_numpy())
    if "sog_kn" in frame.columns:
        sog = frame["sog_kn"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    else:
        sog = np.full(frame.height, np.nan)
    seg = frame["seg_id"].rank("dense").cast(pl.Int64).fill_null(-1).to_numpy()
    entry_r, exit_r = _radii(ports, params)
    pos, port, dist = ports.within(lon, lat, float(exit_r.max()))
    cand_ptr = np.searchsorted(pos, np.arange(frame.height + 1)).astype(np.int64)
    end_s = float(t.max()) if analysis_end is None else _time_s(analysis_end)
    out = _visit_kernel(
        offsets, t, lon, lat, np.ascontiguousarray(sog), np.ascontiguousarray(seg),
        cand_ptr, port, dist, entry_r, exit_r,
        params.stop_begin_kn, params.stop_end_kn, params.min_gap_h * 3600.0, end_s,
    )  # fmt: skip
    v_port, first, last, exit_i, has_entry, has_stop, has_gap, stop_s, gap_s, slon, slat, mixed = (
        out
    )
    if v_port.size == 0:
        return _empty()
    stop_or_gap = has_stop | has_gap
    has_exit = exit_i >= 0
    conf = np.where(
        stop_or_gap,
        np.where(has_entry & has_exit, 4, np.where(has_entry | has_exit, 3, 2)),
        1,
    ).astype(np.int8)
    keep = np.flatnonzero(conf >= params.min_confidence)
    if keep.size == 0:
        return _empty()
    v_port, first, last, exit_i, has_entry = (
        v_port[keep],
        first[keep],
        last[keep],
        exit_i[keep],
        has_entry[keep],
    )
    n_pos = last - first + 1  # in-port positions of a visit are consecutive
    mean_lon = lon[first] + slon[keep] / n_pos
    mean_lon = (mean_lon + 180.0) % 360.0 - 180.0
    dark_s = params.dark_gap_h * 3600.0
    prev_dt = np.where(has_entry, t[first] - t[np.maximum(first - 1, 0)], np.nan)
    nxt = np.minimum(last + 1, t.size - 1)
    next_dt = np.where(exit_i >= 0, t[nxt] - t[last], np.nan)
    cols = ["mmsi", "seg_id", "timestamp", "source_id", "line"]
    f = frame.select(cols)
    a, z = f[first], f[last]
    e = f.select(pl.all().gather(pl.Series(exit_i).set(pl.Series(exit_i < 0), None)))
    pinfo = ports.ports.select("port_id", "name", "country")[v_port]
    visits = pl.DataFrame(
        {
            "mmsi": a["mmsi"],
            "seg_id": a["seg_id"].set(pl.Series(mixed[keep]), None),
            "start_time": a["timestamp"],
            "last_seen_time": z["timestamp"],
            "is_open_start": ~has_entry,
            "is_open_end": exit_i < 0,
            "lon": mean_lon,
            "lat": slat[keep] / n_pos,
            "port_id": pinfo["port_id"],
            "port_name": pinfo["name"],
            "port_country": pinfo["country"],
            "confidence": conf[keep],
            "n_positions": n_pos.astype(np.int64),
            "stop_h": stop_s[keep] / 3600.0,
            "gap_h": gap_s[keep] / 3600.0,
            "_prev_dt": prev_dt,
            "_next_dt": next_dt,
            "_s0": a["source_id"],
            "_l0": a["line"],
            "_s1": z["source_id"].set(pl.Series(first == last), None),
            "_l1": z["line"],
            "_s2": e["source_id"],
            "_l2": e["line"],
        }
    )
    visits = visits.with_columns(
        pl.when(~pl.col("is_open_end")).then(pl.col("last_seen_time")).alias("end_time"),
        pl.when(pl.col("is_open_start"))
        .then(None)
        .otherwise(pl.col("_prev_dt") > dark_s)
        .alias("arrived_dark"),
        pl.when(pl.col("is_open_end"))
        .then(None)
        .otherwise(pl.col("_next_dt") > dark_s)
        .alias("departed_dark"),
        evidence_from_columns(("_s0", "_l0"), ("_s1", "_l1"), ("_s2", "_l2")),
    ).with_columns(
        ((pl.col("end_time") - pl.col("start_time")).dt.total_microseconds() / 3.6e9).alias(
            "duration_h"
        )
    )
    if gaps is not None:
        visits = _dark_from_gaps(visits, gaps)
    visits = with_event_ids(visits, EVENT_TYPE, ["mmsi", "port_id", "start_time"])
    return conform_events(visits, PORT_VISITS)


def _dark_from_gaps(visits: pl.DataFrame, gaps: pl.DataFrame) -> pl.DataFrame:
    """``arrived_dark``/``departed_dark`` from a gaps table: a gap ending at the entry /
    starting at the last in-port position (same MMSI)."""
    g = gaps.select(
        pl.col("mmsi").cast(pl.Int64), pl.col("start_time").cast(UTC), pl.col("end_time").cast(UTC)
    )
    ends = (
        g.filter(pl.col("end_time").is_not_null())
        .select("mmsi", pl.col("end_time").alias("start_time"), pl.lit(True).alias("_arr"))
        .unique()
    )
    starts = g.select(
        "mmsi", pl.col("start_time").alias("last_seen_time"), pl.lit(True).alias("_dep")
    ).unique()
    out = visits.join(ends, on=["mmsi", "start_time"], how="left").join(
        starts, on=["mmsi", "last_seen_time"], how="left"
    )
    return out.with_columns(
        pl.when(pl.col("is_open_start"))
        .then(None)
        .otherwise(pl.col("_arr").fill_null(False))
        .alias("arrived_dark"),
        pl.when(pl.col("is_open_end"))
        .then(None)
        .otherwise(pl.col("_dep").fill_null(False))
        .alias("departed_dark"),
    )
