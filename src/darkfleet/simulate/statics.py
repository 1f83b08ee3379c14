"""Static and voyage reports (AIS type 5 for class A, type 24 parts A + B for class B).

A vessel sends one every ``static_interval_s`` (uniform jitter ±50 %) and, around every port
call, four more: 30 min before berthing, 10 min after, 10 min before leaving and 20 min after;
plus one 5 min after each draught update and one a minute after each identity change. Like
positions, none are sent while absent or switched off. Fields come from the identity in force
(name, IMO, call sign, type, dimensions), the draught timeline and the current voyage
(destination = the next port's name in capitals, or the declared one of a ruse; ETA = the
planned berthing time).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from .itinerary import ABSENT
from .sampling import F64, I64, Waypoints, identity_rows, interval_mask, report_times
from .scenario import Scenario
from .story import Vessel

__all__ = ["identity_table", "static_reports"]

_KEY = 1e9


def identity_table(vessels: Sequence[Vessel]) -> pl.DataFrame:
    """One row per (vessel, identity), in vessel order then ``valid_from``."""
    rows = [
        {
            "vessel": v.index,
            "vessel_id": v.vessel_id,
            "valid_from": i.valid_from,
            "mmsi": i.mmsi,
            "imo": i.imo,
            "shipname": i.shipname,
            "callsign": i.callsign,
            "flag": i.flag,
            "ship_type": i.ship_type,
            "to_bow_m": i.to_bow_m,
            "to_stern_m": i.to_stern_m,
            "to_port_m": i.to_port_m,
            "to_starboard_m": i.to_starboard_m,
        }
        for v in vessels
        for i in v.identities
    ]
    return pl.DataFrame(
        rows,
        schema={
            "vessel": pl.Int64(),
            "vessel_id": pl.String(),
            "valid_from": pl.Float64(),
            "mmsi": pl.Int64(),
            "imo": pl.Int64(),
            "shipname": pl.String(),
            "callsign": pl.String(),
            "flag": pl.String(),
            "ship_type": pl.Int16(),
            "to_bow_m": pl.Int16(),
            "to_stern_m": pl.Int16(),
            "to_port_m": pl.Int16(),
            "to_starboard_m": pl.Int16(),
        },
    )


def _extra_times(vessels: Sequence[Vessel]) -> tuple[I64, F64]:
    vs: list[int] = []
    ts: list[float] = []
    for v in vessels:
        for c in v.it.calls:
            for dt, base in (
                (-1800, c.arrival),
                (600, c.arrival),
                (-600, c.departure),
                (1200, c.departure),
            ):
                if not math.isnan(base):
                    vs.append(v.index)
                    ts.append(base + dt)
        for t, _ in v.it.draught[1:]:
            vs.append(v.index)
            ts.append(t + 300)
        for ident in v.identities[1:]:
            vs.append(v.index)
            ts.append(ident.valid_from + 60)
    return np.asarray(vs, np.int64), np.floor(np.asarray(ts, np.float64))


def _lookup(vessel: I64, t: F64, rows_v: I64, rows_t: F64, t0: float) -> tuple[I64, np.ndarray]:
    """Index of the last row of the same vessel at or before t (-1 where none)."""
    key = rows_v.astype(np.float64) * _KEY + (rows_t - t0)
    order = np.argsort(key, kind="stable")
    j = np.searchsorted(key[order], vessel.astype(np.float64) * _KEY + (t - t0), "right") - 1
    jj = np.maximum(j, 0)
    ok = (j >= 0) & (rows_v[order][jj] == vessel)
    return np.where(ok, order[jj], -1), ok


def static_reports(
    sc: Scenario,
    vessels: Sequence[Vessel],
    wp: Waypoints,
    rng: np.random.Generator,
    port_names: dict[str, str],
) -> pl.DataFrame:
    """Static reports (before reception): canonical STATICS columns plus ``vessel`` and ``t``."""
    v1, t1 = report_times(rng, wp.start, wp.end, sc.static_interval_s)
    v2, t2 = _extra_times(vessels)
    vessel = np.r_[v1, v2]
    t = np.r_[t1, t2]
    inside = (t >= wp.start[vessel]) & (t < wp.end[vessel])
    vessel, t = vessel[inside], t[inside]
    order = np.lexsort((t, vessel))
    vessel, t = vessel[order], t[order]
    dup = np.r_[False, (vessel[1:] == vessel[:-1]) & (t[1:] == t[:-1])]
    vessel, t = vessel[~dup], t[~dup]
    state = wp.state[wp.leg(vessel, t)]
    off_rows = [(v.index, s, e) for v in vessels for s, e, _ in v.it.off]
    off = np.asarray(off_rows, np.float64).reshape(-1, 3)
    ok = (state != ABSENT) & ~interval_mask(
        vessel, t, off[:, 0].astype(np.int64), off[:, 1], off[:, 2], wp.t0
    )
    vessel, t = vessel[ok], t[ok]

    idents = identity_table(vessels)
    rows = identity_rows(vessels, vessel, t, wp.t0)
    frame = (
        idents[rows]
        .drop("valid_from", "flag")
        .with_columns(pl.Series("t", t), pl.Series("vessel", vessel))
    )
    # draught timeline
    dv = np.array([v.index for v in vessels for _ in v.it.draught], np.int64)
    dt_ = np.array([d[0] for v in vessels for d in v.it.draught], np.float64)
    dval = np.array([d[1] for v in vessels for d in v.it.draught], np.float64)
    j, found = _lookup(vessel, t, dv, dt_, wp.t0)
    draught = np.where(found, dval[np.maximum(j, 0)], np.nan)
    # destination / ETA from the current voyage
    vv = np.array([v.index for v in vessels for _ in v.it.voyages], np.int64)
    vdep = np.array([y.departure for v in vessels for y in v.it.voyages], np.float64)
    varr = np.array([y.arrival for v in vessels for y in v.it.voyages], np.float64)
    vtext = [
        (y.declared or port_names.get(y.dest or "", "")).upper()[:20] or None
        for v in vessels
        for y in v.it.voyages
    ]
    j, found = _lookup(vessel, t, vv, vdep, wp.t0)
    jj = np.maximum(j, 0)
    eta = np.where(found, varr[jj] if len(varr) else np.nan, np.nan)
    eta_s = pl.Series("eta", eta).cast(pl.Int64, strict=False) * 1_000_000
    eta_dt = eta_s.cast(pl.Datetime("us", "UTC"))
    texts = pl.Series("destination", [*vtext, None], dtype=pl.String())
    destination = texts.gather(np.where(found, j, len(vtext)))
    frame = frame.with_columns(
        destination,
        pl.Series("draught_m", draught),
        eta_month=eta_dt.dt.month().cast(pl.Int8),
        eta_day=eta_dt.dt.day().cast(pl.Int8),
        eta_hour=eta_dt.dt.hour().cast(pl.Int8),
        eta_minute=eta_dt.dt.minute().cast(pl.Int8),
    ).with_columns(pl.col("draught_m").fill_nan(None))
    is_b = np.array([v.ais_class == "B" for v in vessels], np.bool_)[vessel]
    a = frame.filter(pl.Series(~is_b)).with_columns(
        msg_type=pl.lit(5, pl.Int8),
        part_number=pl.lit(None, pl.Int8),
        epfd=pl.lit(1, pl.Int8),
        ais_version=pl.lit(0, pl.Int8),
        dte=pl.lit(False),
    )
    b = frame.filter(pl.Series(is_b))
    b_parts = pl.concat(
        [
            b.with_columns(msg_type=pl.lit(24, pl.Int8), part_number=pl.lit(0, pl.Int8)),
            b.with_columns(msg_type=pl.lit(24, pl.Int8), part_number=pl.lit(1, pl.Int8)),
        ]
    )
    out = pl.concat([a, b_parts], how="diagonal_relaxed")
    return out.sort(["vessel", "t", "part_number"], nulls_last=False, maintain_order=True)
