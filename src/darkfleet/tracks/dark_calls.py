"""Dark port calls: the ports a vessel could have visited while its AIS was off.

Definition (src/darkfleet/definitions/dark_port_calls.md says the same, with sources and known answers).
A dark port call is a hypothesis to check, not an observation. For each **closed** AIS gap
(from :func:`darkfleet.tracks.gaps.detect_gaps`: last position before it at ``start_lon/lat``,
first position after it at ``end_lon/lat``, ``duration_h`` between them) and each port P:

1. ``route_in_m`` = sea distance from the gap's start to P, ``route_out_m`` = from P to the
   gap's end (:class:`darkfleet.geo.searoutes.SeaRouter`: the straight line where it stays
   at sea; else a 0.1-degree sea grid near the port or the MARNET shipping lanes that
   ``searoute`` ships, whichever is shorter; the great circle where no sea route can be made,
   flagged by ``distance_kind``);
2. ``min_transit_h`` = (route_in + route_out) / speed, speed = ``max_speed_kn`` or the gap's
   own value in the column ``speed_col``;
3. ``slack_h`` = ``duration_h`` - ``min_transit_h``: the most time it could have spent in P;
4. P is a **candidate** when ``slack_h >= min_port_h``;
5. **rank**: within one gap, duration and speed are fixed, so slack, route length and
   ``detour_m`` (in + out minus the great circle between the gap's ends) order the ports the
   same way. Rank 1 is the shortest detour: least extra steaming, most time in port, possible
   under the widest range of speeds. Ties break on ``port_id``; the best ``top_k`` are kept;
6. ``ports_of_interest`` (port ids, UN/LOCODEs, names or alternate names, matched by
   :func:`darkfleet.ports.find_ports`) restricts the candidates to those ports.

Open gaps (no position after the gap yet) are skipped: no end position, no return leg, no
slack. Candidates are pre-filtered on great circles (sea distances never undercut them): the
ports with great-circle in + out within the reach ``(duration - min_port_h) x speed`` lie in
an ellipse around the gap's ends, found with a KD-tree on unit vectors; sea distances are
computed only for them, one Dijkstra per port, bounded by the reach. A gap's candidates do
not depend on the other gaps passed in the same call.

**No Global Fishing Watch counterpart** (GFW publishes gaps and port visits, not inferred
calls): every default is darkfleet's, justified in :class:`DarkCallParams`.

Each row carries the gap's times, ``mmsi``, ``seg_id`` and ``evidence`` (the records either
side of the gap), the port's position as ``lon``/``lat``, and a one-sentence ``reasoning``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from ..errors import ConfigError
from ..events.base import BASE, conform_events, with_event_ids
from ..geo import EARTH_RADIUS_M, KNOT_MPS, haversine_m, unit_vectors
from ..geo.searoutes import SeaParams, SeaRouter
from ..ports import PortIndex, find_ports

__all__ = ["DARK_PORT_CALLS", "DarkCallParams", "detect_dark_port_calls"]

EVENT_TYPE = "dark_port_call"

DARK_PORT_CALLS: dict[str, pl.DataType] = {
    **BASE,
    "gap_id": pl.String(),
    "port_id": pl.String(),
    "port_name": pl.String(),
    "port_country": pl.String(),
    "rank": pl.Int32(),
    "distance_kind": pl.String(),
    "route_in_m": pl.Float64(),
    "route_out_m": pl.Float64(),
    "detour_m": pl.Float64(),
    "speed_kn": pl.Float64(),
    "min_transit_h": pl.Float64(),
    "slack_h": pl.Float64(),
    "reasoning": pl.String(),
}


@dataclass(frozen=True, kw_only=True)
class DarkCallParams:
    """Parameters of :func:`detect_dark_port_calls` (no GFW counterpart: origins below)."""

    max_speed_kn: float = 12.0
    """Speed assumed for the dark legs, knots (darkfleet's choice). About the service speed
    of the small general-cargo ships and feeders (a few thousand tonnes deadweight) that run
    short-sea trades such as Najin - Vostochny. Larger container ships average about 16 kn at
    sea (Third IMO GHG Study 2014, 3,000-14,500 TEU): for them raise it, or set ``speed_col``
    to each vessel's own observed speed. A higher speed makes more ports reachable."""
    speed_col: str | None = None
    """Optional column of the gaps frame with a per-gap speed in knots (e.g. the vessel's
    95th-percentile SOG joined by MMSI); nulls and non-positive values fall back to
    ``max_speed_kn``."""
    min_port_h: float = 2.0
    """Least time in port for a call to count, hours: about the shortest time in which a
    ship can berth, move some cargo and unberth. Lower it to list ports a vessel could only
    have touched."""
    top_k: int = 5
    """Candidates kept per gap (best ranks first)."""
    in_port_m: float = 3000.0
    """A port within this distance of both ends of a gap is not listed for it: the vessel sat
    there, silent, and never left (default: GFW pipe-anchorages' 3 km port-entry distance, as
    port visits). Other ports stay candidates: a ship that goes dark at its berth and comes
    back to it may have slipped out to another port meanwhile. 0 lists every port."""
    max_gap_h: float = 168.0
    """Longest gap examined, hours (darkfleet's choice: one week). A longer silence lets a
    ship reach hundreds of ports, so the list says nothing; such gaps are left out (they stay
    in the gaps table). Raise it for slow trades or long ocean crossings."""
    sea_routes: bool = True
    """Measure legs by sea (:mod:`darkfleet.geo.searoutes`); False uses great circles (a
    lower bound: more ports pass)."""
    sea: SeaParams = SeaParams()  # noqa: RUF009 (frozen, hashable)
    """How sea distances are measured (:class:`darkfleet.geo.searoutes.SeaParams`: the at-sea
    test, the local sea grid, MARNET snapping)."""

    def __post_init__(self) -> None:
        for name in ("max_speed_kn",):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise ConfigError(f"DarkCallParams.{name} must be a positive number, got {v!r}")
        if not (math.isfinite(self.min_port_h) and self.min_port_h >= 0):
            raise ConfigError(
                f"DarkCallParams.min_port_h must be >= 0 hours, got {self.min_port_h!r}"
            )
        if not (math.isfinite(self.in_port_m) and self.in_port_m >= 0):
            raise ConfigError(
                f"DarkCallParams.in_port_m must be >= 0 metres, got {self.in_port_m!r}"
            )
        if not (math.isfinite(self.max_gap_h) and self.max_gap_h > 0):
            raise ConfigError(
                f"DarkCallParams.max_gap_h must be a positive number of hours, got "
                f"{self.max_gap_h!r}"
            )
        if not (isinstance(self.top_k, int) and self.top_k >= 1):
            raise ConfigError(f"DarkCallParams.top_k must be an integer >= 1, got {self.top_k!r}")
        if not isinstance(self.sea, SeaParams):
            raise ConfigError(f"DarkCallParams.sea must be a SeaParams, got {self.sea!r}")


_GAP_CARRY = (
    "mmsi",
    "seg_id",
    "start_time",
    "end_time",
    "duration_h",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
    "speed_kn",
    "evidence",
)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=DARK_PORT_CALLS)


def _select_ports(ports: pl.DataFrame, wanted: Sequence[str] | None) -> pl.DataFrame:
    """Ports with a position; only ``wanted`` ones if given (:func:`darkfleet.ports.find_ports`:
    port ids, UN/LOCODEs, names or alternate names; an unknown one raises ConfigError)."""
    if wanted is not None:
        ports = find_ports(ports, wanted)
    return ports.filter(pl.col("lon").is_not_null() & pl.col("lat").is_not_null())


def _pairs_within(
    tree: cKDTree, lon: np.ndarray, lat: np.ndarray, radius_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(gap index, port row) for every port within ``radius_m`` of each gap point."""
    chord = 2.0 * np.sin(np.minimum(radius_m / EARTH_RADIUS_M, np.pi) / 2.0)
    hits = tree.query_ball_point(unit_vectors(lon, lat), r=chord)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    gi = np.repeat(np.arange(len(hits), dtype=np.int64), counts)
    pj = (
        np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])
        if counts.sum()
        else np.zeros(0, dtype=np.int64)
    )
    return gi, pj


def _fmt_lat(col: str) -> pl.Expr:
    v = pl.col(col)
    return pl.concat_str(
        [v.abs().round(2).cast(pl.String), pl.when(v >= 0).then(pl.lit("N")).otherwise(pl.lit("S"))]
    )


def _fmt_lon(col: str) -> pl.Expr:
    v = pl.col(col)
    return pl.concat_str(
        [v.abs().round(2).cast(pl.String), pl.when(v >= 0).then(pl.lit("E")).otherwise(pl.lit("W"))]
    )


def _reasoning() -> pl.Expr:
    km = lambda c: (pl.col(c) / 1000.0).round(0).cast(pl.Int64).cast(pl.String)  # noqa: E731
    h = lambda c: pl.col(c).round(1).cast(pl.String)  # noqa: E731
    by = (
        pl.when(pl.col("distance_kind") == "sea")
        .then(pl.lit("by sea"))
        .otherwise(pl.lit("by great circle (no sea route)"))
    )
    port = pl.concat_str(
        [
            pl.col("port_name").fill_null(pl.col("port_id")),
            pl.when(pl.col("port_country").is_not_null())
            .then(pl.concat_str([pl.lit(" ("), pl.col("port_country"), pl.lit(")")]))
            .otherwise(pl.lit("")),
        ]
    )
    return pl.concat_str(
        [
            pl.lit("Gap of "),
            h("duration_h"),
            pl.lit(" h from "),
            _fmt_lat("start_lat"),
            pl.lit(" "),
            _fmt_lon("start_lon"),
            pl.lit(" to "),
            _fmt_lat("end_lat"),
            pl.lit(" "),
            _fmt_lon("end_lon"),
            pl.lit("; a call at "),
            port,
            pl.lit(" needs "),
            km("route_in_m"),
            pl.lit(" km in and "),
            km("route_out_m"),
            pl.lit(" km out "),
            by,
            pl.lit(" = "),
            h("min_transit_h"),
            pl.lit(" h at "),
            h("speed_kn"),
            pl.lit(" kn, leaving "),
            h("slack_h"),
            pl.lit(" h in port (rank "),
            pl.col("rank").cast(pl.String),
            pl.lit(" of "),
            pl.col("_n_candidates").cast(pl.String),
            pl.lit(" ports within reach)."),
        ]
    ).alias("reasoning")


def detect_dark_port_calls(
    gaps: pl.DataFrame,
    ports: PortIndex,
    *,
    params: DarkCallParams = DarkCallParams(),
    ports_of_interest: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Ports each closed gap leaves time to visit (see the module docstring for the rule).

    ``gaps``: a :data:`darkfleet.tracks.gaps.GAPS` frame (needs ``event_id``, ``mmsi``,
    ``seg_id``, ``start_time``, ``end_time``, ``duration_h``, ``start_lon``/``lat``,
    ``end_lon``/``lat``, ``is_open``, ``evidence``; plus ``params.speed_col`` if set).
    ``ports``: a :class:`darkfleet.ports.PortIndex`. Returns :data:`DARK_PORT_CALLS`.
    """
    port_frame = _select_ports(ports.ports, ports_of_interest)
    if gaps.height == 0 or port_frame.height == 0:
        return _empty()
    if params.speed_col is not None and params.speed_col not in gaps.columns:
        raise ConfigError(
            f"DarkCallParams.speed_col={params.speed_col!r} is not a column of the gaps frame "
            f"(columns: {gaps.columns})"
        )
    speed = (
        pl.when(pl.col(params.speed_col) > 0)
        .then(pl.col(params.speed_col).cast(pl.Float64))
        .otherwise(pl.lit(params.max_speed_kn))
        .fill_null(params.max_speed_kn)
        if params.speed_col is not None
        else pl.lit(params.max_speed_kn)
    )
    closed = (
        gaps.with_columns(speed.alias("speed_kn"))
        .filter(
            ~pl.col("is_open").fill_null(False)
            & pl.col("end_lon").is_not_null()
            & pl.col("end_lat").is_not_null()
            & pl.col("start_lon").is_not_null()
            & pl.col("start_lat").is_not_null()
            & pl.col("duration_h").is_not_null()
            & (pl.col("duration_h") <= params.max_gap_h)
        )
        .with_row_index("_gidx")
    )
    if closed.height == 0:
        return _empty()
    slon, slat = closed["start_lon"].to_numpy(), closed["start_lat"].to_numpy()
    elon, elat = closed["end_lon"].to_numpy(), closed["end_lat"].to_numpy()
    dur = closed["duration_h"].to_numpy()
    v_ms = closed["speed_kn"].to_numpy() * KNOT_MPS
    reach = np.maximum(dur - params.min_port_h, 0.0) * 3600.0 * v_ms
    direct = haversine_m(slon, slat, elon, elat)

    # 1. Ellipse pre-filter on great circles: every port P with gc(S,P) + gc(P,E) <= reach lies
    #    within (reach + gc(S,E)) / 2 of S.
    plon, plat = port_frame["lon"].to_numpy(), port_frame["lat"].to_numpy()
    tree = cKDTree(unit_vectors(plon, plat))
    ok = reach >= direct
    radius = np.where(ok, (reach + direct) / 2.0, -1.0)
    gi, pj = _pairs_within(tree, slon, slat, np.maximum(radius, 0.0))
    keep = ok[gi]
    gi, pj = gi[keep], pj[keep]
    gc_in = haversine_m(slon[gi], slat[gi], plon[pj], plat[pj])
    gc_out = haversine_m(plon[pj], plat[pj], elon[gi], elat[gi])
    keep = gc_in + gc_out <= reach[gi]
    # the port the vessel sat in at both ends is no call: it never left (it may still have
    # slipped out to another port, which stays a candidate)
    if params.in_port_m > 0:
        keep &= ~((gc_in <= params.in_port_m) & (gc_out <= params.in_port_m))
    gi, pj, gc_in, gc_out = gi[keep], pj[keep], gc_in[keep], gc_out[keep]
    if gi.size == 0:
        return _empty()

    # 2. Sea distances for the surviving pairs: one Dijkstra per port used.
    if params.sea_routes:
        used = np.unique(pj)
        router = SeaRouter(
            plon[used], plat[used], params=params.sea, limit_m=float(reach[gi].max())
        )
        tj = np.searchsorted(used, pj)
        n = slon.size
        pts_lon, pts_lat = np.r_[slon, elon], np.r_[slat, elat]
        # a leg longer than reach minus the other leg's great circle cannot be in a call
        bound = np.r_[reach[gi] - gc_out, reach[gi] - gc_in]
        d, sea = router.distances(pts_lon, pts_lat, np.r_[gi, gi + n], np.r_[tj, tj], limit_m=bound)
        m = gi.size
        r_in, r_out = d[:m], d[m:]
        kind_sea = sea[:m] & sea[m:]
    else:
        r_in, r_out, kind_sea = gc_in, gc_out, np.zeros(gi.size, dtype=np.bool_)

    # 3. Slack, candidates, ranks.
    total = r_in + r_out
    transit_h = total / v_ms[gi] / 3600.0
    slack = dur[gi] - transit_h
    keep = np.isfinite(total) & (slack >= params.min_port_h)
    if not keep.any():
        return _empty()
    pairs = pl.DataFrame(
        {
            "_gidx": gi[keep].astype(np.uint32),
            "_pidx_row": pj[keep],
            "route_in_m": r_in[keep],
            "route_out_m": r_out[keep],
            "detour_m": total[keep] - direct[gi[keep]],
            "min_transit_h": transit_h[keep],
            "slack_h": slack[keep],
            "distance_kind": np.where(kind_sea[keep], "sea", "great_circle"),
        }
    )
    port_cols = port_frame.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_pidx_row"),
        pl.col("port_id"),
        pl.col("name").alias("port_name")
        if "name" in port_frame.columns
        else pl.lit(None, pl.String).alias("port_name"),
        pl.col("country").alias("port_country")
        if "country" in port_frame.columns
        else pl.lit(None, pl.String).alias("port_country"),
        pl.col("lon").alias("_plon"),
        pl.col("lat").alias("_plat"),
    )
    out = (
        pairs.join(port_cols, on="_pidx_row", how="left")
        .with_columns((pl.col("route_in_m") + pl.col("route_out_m")).alias("_total"))
        .sort(["_gidx", "_total", "port_id"], maintain_order=True)
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("_gidx").alias("rank"),
            pl.len().over("_gidx").alias("_n_candidates"),
        )
        .filter(pl.col("rank") <= params.top_k)
        .join(
            closed.select(
                "_gidx",
                pl.col("event_id").alias("gap_id"),
                *[c for c in _GAP_CARRY if c in closed.columns],
            ),
            on="_gidx",
            how="left",
        )
        .with_columns(pl.col("_plon").alias("lon"), pl.col("_plat").alias("lat"))
    )
    out = out.with_columns(_reasoning())
    out = with_event_ids(out, EVENT_TYPE, ["gap_id", "port_id"])
    return conform_events(out, DARK_PORT_CALLS)
