"""Encounters: two vessels close together, slowly, for hours, away from port.

**Definition** (after Global Fishing Watch's pipe-encounters, commit df93ee4, and the
published-event filter of pipe-events ``encounter-events.sql.j2``; full text with the
origin of every default in ``src/darkfleet/definitions/encounters.md``):

1. *Resample.* Each track segment is linearly interpolated onto a regular UTC grid every
   ``resample_min`` minutes (10, aligned with the epoch, as GFW's ``Resample``); a grid time
   gets a position only if the two reports around it are less than ``max_gap_h`` (1 h) apart:
   no positions are invented across longer gaps, and none before the first or after the last
   report of a segment.
2. *Neighbours.* At each grid time, positions are bucketed in latitude rows one
   ``max_distance_m`` high, sorted by longitude; a position is compared only with positions of
   its own and the next row inside the longitude window a ``max_distance_m`` circle can span at
   its latitude (antimeridian-aware). Two vessels (different MMSIs) are *close* when their
   great-circle distance is at most ``max_distance_m`` (500 m).
3. *Runs.* Consecutive grid times at which the same two segments are close form a run; a run
   needs at least two grid times and ``min_duration_h`` (2 h) from its first to its last grid
   time. Runs whose mean position lies within ``min_port_distance_km`` (10 km) of a port (when
   ports are given) or on land (``exclude_on_land``) are dropped.
4. *Merge.* Runs of the same two vessels (MMSIs) are merged when one starts less than
   ``merge_gap_h`` (4 h) after the latest end so far.
5. *Filter.* An encounter is kept when the median of both vessels' implied speeds between
   consecutive grid positions, pooled over all its runs, is below ``max_median_speed_kn`` (2 kn).

Columns: :data:`ENCOUNTERS`. ``mmsi`` is the smaller MMSI, ``other_mmsi`` the larger;
``seg_id``/``other_seg_id`` their segments (null where the merged runs span several);
start/end are the first/last grid times; ``lon``/``lat`` the mean position of both vessels;
``evidence`` cites, for each vessel, the report at or before the start and the report at or
after the end. Deterministic: every sort is total and no order depends on input order.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import ConfigError, SchemaError
from ..events.base import BASE, conform_events, evidence_from_columns, with_event_ids
from ..geo import KNOT_MPS, distance_from_shore_km, haversine_m
from . import _encounter_grid as grid

__all__ = ["ENCOUNTERS", "EncounterParams", "PortLookup", "detect_encounters"]

ENCOUNTERS: dict[str, pl.DataType] = {
    **BASE,
    "other_mmsi": pl.Int64(),
    "other_seg_id": pl.String(),
    "median_distance_m": pl.Float64(),
    "min_distance_m": pl.Float64(),
    "median_speed_kn": pl.Float64(),
    "n_points": pl.Int64(),
    "port_distance_km": pl.Float64(),
}

I64 = npt.NDArray[np.int64]
_BLOCK = 1 << 22  # resampled positions held at once (4M x 32 bytes)
F64 = npt.NDArray[np.float64]


class PortLookup(Protocol):
    """What encounters need from :class:`darkfleet.ports.PortIndex`."""

    def nearest(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, max_distance_m: float
    ) -> tuple[I64, F64]: ...


@dataclass(frozen=True, kw_only=True)
class EncounterParams:
    """Parameters of :func:`detect_encounters` (defaults: GFW pipe-encounters / pipe-events)."""

    max_distance_m: float = 500.0
    """Two vessels are close within this distance. GFW production ``max_encounter_dist_km=0.5``."""
    min_duration_h: float = 2.0
    """Shortest run, first to last grid time. GFW production ``min_encounter_time_minutes=120``
    (create step), and pipe-events keeps encounters longer than 2 h."""
    max_median_speed_kn: float = 2.0
    """Pooled median implied speed must be below this. pipe-events ``median_speed_knots < 2``."""
    merge_gap_h: float = 4.0
    """Runs of one vessel pair less than this apart merge. GFW ``min_hours_between_encounters=4``."""
    resample_min: float = 10.0
    """Grid step in minutes. GFW ``RESAMPLE_INCREMENT_MINUTES = 10``."""
    max_gap_h: float = 1.0
    """No interpolation between reports this far apart or more. GFW ``MAX_GAP_HOURS = 1``."""
    min_port_distance_km: float = 10.0
    """Runs closer than this to a port are dropped (only when ports are given). GFW merge
    pipeline ``filter_by_distance(min_distance_from_port_km=10)``; 0 disables."""
    port_prefilter_km: float = 5.0
    """Positions this close to a port are not paired at all (only when ports are given and the
    port filter is on; never more than ``min_port_distance_km``; 0 pairs every position). darkfleet's departure, for speed: ships moored side by side in a port
    would otherwise make most of the candidate pairs, and a run made of positions within 5 km
    of a port has its mean well inside the 10 km filter above. An encounter at sea that drifts
    this close to a port is cut at that point."""
    exclude_on_land: bool = True
    """Drop runs whose mean position is on land (distance from shore <= 0). GFW merge pipeline
    drops ``distance_from_shore_m <= 0``."""

    def __post_init__(self) -> None:
        positive = {
            "max_distance_m": self.max_distance_m,
            "resample_min": self.resample_min,
            "max_gap_h": self.max_gap_h,
            "max_median_speed_kn": self.max_median_speed_kn,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"EncounterParams.{name}={value!r}: must be a finite number > 0")
        for name, value in {
            "min_duration_h": self.min_duration_h,
            "merge_gap_h": self.merge_gap_h,
            "min_port_distance_km": self.min_port_distance_km,
            "port_prefilter_km": self.port_prefilter_km,
        }.items():
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"EncounterParams.{name}={value!r}: must be a finite number >= 0")
        if not 1.0 <= self.max_distance_m <= 100_000.0:
            raise ConfigError(
                f"EncounterParams.max_distance_m={self.max_distance_m!r}: must be 1 to 100,000 m"
            )
        if self.resample_min * 60.0 < 1.0:
            raise ConfigError(f"EncounterParams.resample_min={self.resample_min!r}: must be >= 1 s")


# --------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class _Tracks:
    """Positions sorted by (segment, time), one report per segment and instant."""

    t: I64  # microseconds since the epoch
    lon: F64
    lat: F64
    seg: I64  # segment index per report
    seg_mmsi: I64  # MMSI per segment index
    seg_id: pl.Series  # seg_id per segment index (null without a seg_id column)
    rows: I64  # row of each report in ``evidence``
    evidence: pl.DataFrame  # source_id, line


@dataclass(frozen=True)
class _Pairs:
    """Close (segment pair, slot) rows: report intervals, distance, both positions."""

    slot: I64
    ia: I64
    ib: I64
    d: F64
    pos: F64  # (n, 4): lon_a, lat_a, lon_b, lat_b
    n_compared: int
    n_points: int


def _prepare(segmented: pl.DataFrame) -> _Tracks:
    cols = segmented.columns
    missing = [c for c in ("mmsi", "timestamp", "lon", "lat") if c not in cols]
    if missing:
        raise SchemaError(f"detect_encounters: the track frame lacks column(s) {missing}")
    ts = pl.col("timestamp")
    if getattr(segmented.schema["timestamp"], "time_zone", None) is None:
        ts = ts.dt.replace_time_zone("UTC")  # naive timestamps are taken as UTC
    opt = {"seg_id": pl.String(), "source_id": pl.String(), "line": pl.Int64()}
    frame = segmented.select(
        pl.col("mmsi").cast(pl.Int64),
        ts.dt.convert_time_zone("UTC").dt.epoch("us").alias("t"),
        pl.col("lon").cast(pl.Float64),
        pl.col("lat").cast(pl.Float64),
        *[pl.col(c).cast(dt) if c in cols else pl.lit(None, dt).alias(c) for c, dt in opt.items()],
        (~pl.col("is_noise").fill_null(False) if "is_noise" in cols else pl.lit(True)).alias("ok"),
    )
    usable = (
        pl.col("ok")
        & pl.col("mmsi").is_not_null()
        & pl.col("t").is_not_null()
        & pl.col("lon").is_between(-180.0, 180.0)
        & pl.col("lat").is_between(-90.0, 90.0)
        & (pl.col("seg_id").is_not_null() if "seg_id" in cols else pl.lit(True))
    )
    # filter (a copy) only when some row is unusable
    df = frame if frame.select(usable.all()).item() else frame.filter(usable)
    df = df.drop("ok")
    # sort by (mmsi, seg_id, t): a cheap argsort when the frame is already time-ordered
    keys = df.select("mmsi", "seg_id", "t").rechunk()  # one chunk: a much faster arg-sort
    order = keys.select(pl.arg_sort_by(["mmsi", "seg_id", "t"]))["mmsi"].to_numpy()
    del keys
    mmsi = df["mmsi"].to_numpy()[order]
    # a change of seg_id between neighbours, seen through a 64-bit hash (no string copies)
    seg_h = df["seg_id"].hash(seed=0).to_numpy()[order]
    new = np.r_[True, (mmsi[1:] != mmsi[:-1]) | (seg_h[1:] != seg_h[:-1])][: mmsi.size]
    del seg_h
    t = df["t"].to_numpy()[order]
    tie = ~new & (t == np.r_[t[:1] - 1, t[:-1]])
    keep = ~tie
    if tie.any():  # one report per segment and instant: the first by (source_id, line, lon, lat)
        involved = np.flatnonzero(tie | np.r_[tie[1:], False])
        sub = (
            df[order[involved]]
            .select("source_id", "line", "lon", "lat")
            .with_columns(pl.Series("grp", np.cumsum(~tie[involved])), pl.Series("p", involved))
        )
        best = sub.sort(["grp", "source_id", "line", "lon", "lat"], nulls_last=True)
        keep[involved] = False
        keep[best.group_by("grp", maintain_order=True).first()["p"].to_numpy()] = True
    starts = np.flatnonzero(new)
    rows = order[keep]
    return _Tracks(
        t=t[keep],
        lon=df["lon"].to_numpy()[rows],
        lat=df["lat"].to_numpy()[rows],
        seg=(np.cumsum(new) - 1)[keep].astype(np.int64),
        seg_mmsi=mmsi[starts],
        seg_id=df["seg_id"].gather(order[starts]),
        rows=rows,
        evidence=df.select("source_id", "line"),
    )


def _find_close_pairs(tr: _Tracks, params: EncounterParams) -> _Pairs:
    """Resample on the grid and find every close pair of segments at every slot."""
    step = round(params.resample_min * 60e6)
    first, count = grid.slot_ranges(tr.t, tr.seg, step, round(params.max_gap_h * 3600e6))
    has = count > 0
    if not has.any():
        e = np.zeros(0, np.int64)
        return _Pairs(e, e, e, np.zeros(0), np.zeros((0, 4)), 0, 0)
    smin = int(first[has].min())
    nslots = int((first + count - 1)[has].max()) - smin + 1
    per_slot = grid.slot_counts(first, count, smin, nslots)
    # slot blocks of about _BLOCK positions bound the memory of the slot-major copy
    ends = np.r_[np.flatnonzero(np.diff(np.cumsum(per_slot) // _BLOCK)) + 1, nslots]
    bounds = list(zip(np.r_[0, ends[:-1]].tolist(), ends.tolist(), strict=True))

    def block(lo_hi: tuple[int, int]) -> tuple[int, I64, I64, I64, F64, F64]:
        lo, hi = lo_hi
        offsets = np.r_[0, np.cumsum(per_slot[lo:hi])]
        pts = grid.fill_block(tr.t, tr.lon, tr.lat, tr.seg, first, count, offsets, smin + lo, step)
        cap = max(1024, pts.shape[0] // 8)  # 32 MB per 4M positions; rerun if exceeded
        while True:
            found, n_cmp, slot, ia, ib, d, pos = grid.close_pairs(
                offsets, pts, smin + lo, tr.seg_mmsi, float(params.max_distance_m), cap
            )
            if found <= cap:
                return n_cmp, slot[:found], ia[:found], ib[:found], d[:found], pos[:found]
            cap = found

    # the kernels release the GIL: blocks run on two threads, results kept in block order
    with ThreadPoolExecutor(max_workers=min(2, len(bounds))) as pool:
        results = list(pool.map(block, bounds))
    compared = sum(r[0] for r in results)
    parts = [r[1:] for r in results]
    slot, ia, ib, d, pos = (np.concatenate([p[k] for p in parts]) for k in range(5))
    return _Pairs(slot, ia, ib, d, pos, compared, int(per_slot.sum()))


def _mean_position(pos: F64, starts: I64) -> tuple[F64, F64]:
    """Mean position of both vessels over row groups starting at ``starts`` (circular lon)."""
    n = np.diff(np.r_[starts, pos.shape[0]]).astype(np.float64)
    lat = np.add.reduceat(pos[:, 1] + pos[:, 3], starts) / (2.0 * n)
    rl = np.radians(pos[:, [0, 2]])
    c = np.add.reduceat(np.cos(rl).sum(axis=1), starts)
    s = np.add.reduceat(np.sin(rl).sum(axis=1), starts)
    return np.degrees(np.arctan2(s, c)), lat


def _utc(us: pl.Expr) -> pl.Expr:
    return us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=ENCOUNTERS)


def detect_encounters(
    segmented: pl.DataFrame,
    *,
    params: EncounterParams = EncounterParams(),
    ports: PortLookup | None = None,
) -> pl.DataFrame:
    """Encounters between vessels in a segmented track frame (see the module Definition).

    ``segmented`` needs mmsi, timestamp, lon, lat and normally seg_id (null seg_id rows and
    ``is_noise`` rows are left out; without a seg_id column each MMSI is one segment) and
    source_id/line for evidence. ``ports`` (a :class:`darkfleet.ports.PortIndex`) enables the
    port-distance filter and ``port_distance_km``. Returns a frame conformed to
    :data:`ENCOUNTERS`.
    """
    pre_km = min(params.port_prefilter_km, params.min_port_distance_km)
    if ports is not None and pre_km > 0 and segmented.height:
        lim = pre_km * 1000.0
        _, near = ports.nearest(segmented["lon"], segmented["lat"], max_distance_m=lim)
        segmented = segmented.filter(pl.Series(~(np.asarray(near) < lim)))
    tr = _prepare(segmented)
    if tr.t.size < 2:
        return _empty()
    pr = _find_close_pairs(tr, params)
    if pr.slot.size == 0:
        return _empty()
    step = round(params.resample_min * 60e6)
    sa, sb = tr.seg[pr.ia], tr.seg[pr.ib]
    order = np.lexsort((pr.slot, sb, sa))
    slot, sa, sb, ia, ib = (a[order] for a in (pr.slot, sa, sb, pr.ia, pr.ib))
    d, pos = pr.d[order], pr.pos[order]
    brk = np.r_[True, (sa[1:] != sa[:-1]) | (sb[1:] != sb[:-1]) | (slot[1:] != slot[:-1] + 1)]
    step_m = np.r_[np.nan, haversine_m(pos[:-1, 0], pos[:-1, 1], pos[1:, 0], pos[1:, 1])]
    step_n = np.r_[np.nan, haversine_m(pos[:-1, 2], pos[:-1, 3], pos[1:, 2], pos[1:, 3])]
    to_kn = 1.0 / (step / 1e6) / KNOT_MPS
    speed_a = np.where(brk, np.nan, step_m * to_kn)
    speed_b = np.where(brk, np.nan, step_n * to_kn)

    # runs: consecutive slots of one segment pair, >= 2 slots and >= min_duration_h long
    r0 = np.flatnonzero(brk)
    r1 = np.r_[r0[1:], slot.size] - 1
    min_dur = round(params.min_duration_h * 3600e6)
    keep = (r1 > r0) & ((slot[r1] - slot[r0]) * step >= min_dur)
    rlon, rlat = _mean_position(pos, r0)
    if ports is not None and params.min_port_distance_km > 0 and keep.any():
        lim = params.min_port_distance_km * 1000.0
        _, pdist = ports.nearest(rlon[keep], rlat[keep], max_distance_m=lim)
        keep[np.flatnonzero(keep)[np.asarray(pdist) < lim]] = False
    if params.exclude_on_land and keep.any():
        shore = distance_from_shore_km(rlon[keep], rlat[keep])
        keep[np.flatnonzero(keep)[~(shore > 0)]] = False
    if not keep.any():
        return _empty()
    r0, r1 = r0[keep], r1[keep]

    # merge runs of one MMSI pair separated by less than merge_gap_h
    ma, mb = tr.seg_mmsi[sa[r0]], tr.seg_mmsi[sb[r0]]
    rs, re = slot[r0] * step, slot[r1] * step
    ro = np.lexsort((sb[r0], sa[r0], re, rs, mb, ma))
    r0, r1, ma, mb, rs, re = r0[ro], r1[ro], ma[ro], mb[ro], rs[ro], re[ro]
    pair = np.cumsum(np.r_[True, (ma[1:] != ma[:-1]) | (mb[1:] != mb[:-1])])
    group = grid.merge_groups(pair, rs, re, round(params.merge_gap_h * 3600e6))

    lens = r1 - r0 + 1
    rows = np.repeat(r0, lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
    frame = pl.DataFrame(
        {
            "enc": np.repeat(group, lens),
            "slot": slot[rows],
            "sa": sa[rows],
            "sb": sb[rows],
            "ia": ia[rows],
            "ib": ib[rows],
            "d": d[rows],
            "lat2": pos[rows, 1] + pos[rows, 3],
            "cos2": np.cos(np.radians(pos[rows, 0])) + np.cos(np.radians(pos[rows, 2])),
            "sin2": np.sin(np.radians(pos[rows, 0])) + np.sin(np.radians(pos[rows, 2])),
            "va": speed_a[rows],
            "vb": speed_b[rows],
        },
        nan_to_null=True,
    )
    by = ["slot", "sa", "sb"]
    agg = (
        frame.group_by("enc", maintain_order=True)
        .agg(
            pl.col("slot").min().alias("s0"),
            pl.col("slot").max().alias("s1"),
            pl.len().cast(pl.Int64).alias("n_points"),
            pl.col("d").median().alias("median_distance_m"),
            pl.col("d").min().alias("min_distance_m"),
            (pl.col("lat2").mean() / 2).alias("lat"),
            pl.arctan2(pl.col("sin2").mean(), pl.col("cos2").mean()).degrees().alias("lon"),
            pl.col("va").append(pl.col("vb")).median().alias("median_speed_kn"),
            pl.col("sa").first().alias("sa"),
            pl.col("sb").first().alias("sb"),
            pl.col("sa").n_unique().alias("na"),
            pl.col("sb").n_unique().alias("nb"),
            pl.col("ia").sort_by(by).first().alias("a0"),
            (pl.col("ia").sort_by(by).last() + 1).alias("a1"),
            pl.col("ib").sort_by(by).first().alias("b0"),
            (pl.col("ib").sort_by(by).last() + 1).alias("b1"),
        )
        .filter(pl.col("median_speed_kn") < params.max_median_speed_kn)
    )
    if agg.height == 0:
        return _empty()
    port_km: pl.Expr | pl.Series = pl.lit(None, pl.Float64)
    if ports is not None:
        _, pd_m = ports.nearest(
            agg["lon"].to_numpy(), agg["lat"].to_numpy(), max_distance_m=math.inf
        )
        km = np.asarray(pd_m, dtype=np.float64) / 1000.0
        port_km = pl.Series(np.where(np.isfinite(km), km, np.nan)).fill_nan(None)
    sa_, sb_ = agg["sa"].to_numpy(), agg["sb"].to_numpy()
    evid: dict[str, pl.Series] = {}
    for name in ("a0", "a1", "b0", "b1"):
        idx = agg[name].to_numpy()
        rec = tr.evidence[tr.rows[idx]]
        evid[f"{name}_src"] = rec["source_id"].alias(f"{name}_src")
        evid[f"{name}_line"] = rec["line"].alias(f"{name}_line")
    out = agg.with_columns(
        pl.Series("mmsi", tr.seg_mmsi[sa_]),
        pl.Series("other_mmsi", tr.seg_mmsi[sb_]),
        pl.when(pl.col("na") == 1).then(tr.seg_id.gather(sa_)).alias("seg_id"),
        pl.when(pl.col("nb") == 1).then(tr.seg_id.gather(sb_)).alias("other_seg_id"),
        *[_utc(pl.col(c) * step).alias(n) for c, n in (("s0", "start_time"), ("s1", "end_time"))],
        ((pl.col("s1") - pl.col("s0")) * (step / 3600e6)).alias("duration_h"),
        port_km.alias("port_distance_km"),
        *evid.values(),
    ).with_columns(
        evidence_from_columns(*[(f"{n}_src", f"{n}_line") for n in ("a0", "a1", "b0", "b1")])
    )
    out = with_event_ids(out, "encounter", ["mmsi", "other_mmsi", "start_time", "end_time"])
    return conform_events(out, ENCOUNTERS)
