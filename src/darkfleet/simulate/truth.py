"""Ground-truth tables: what really happened, in canonical column names (UTC, units in names).

Built from the plans (:mod:`.story`, :mod:`.decoys`) and from the reports actually received
(observed gaps). Every table has ``vessel_id`` (the simulated ship; stable across renames) and
``mmsi`` (what it broadcast at the event's start). The schemas are the ``TRUTH_*`` constants;
:data:`TRUTH_TABLES` maps table names to them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC as _UTC
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from .itinerary import ABSENT
from .sampling import F64, I64, Waypoints
from .story import Story, Vessel
from .truth_schema import TRUTH_TABLES

__all__ = ["TRUTH_TABLES", "observed_gaps", "truth_tables"]

_KEY = 1e9


def _frame(name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = TRUTH_TABLES[name]
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema)


def _ts(x: float | None) -> Any:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return datetime.fromtimestamp(round(x, 6), _UTC)


def _overlap_h(a: float, b: float, intervals: list[tuple[float, float, str]]) -> float:
    return sum(max(0.0, min(b, e) - max(a, s)) for s, e, _ in intervals) / 3600.0


def observed_gaps(
    vessel: I64, t: F64, wp: Waypoints, story: Story, min_gap_s: float
) -> tuple[list[dict[str, Any]], dict[int, F64]]:
    """Gaps between consecutive received positions of each vessel (``vessel``/``t`` sorted by
    vessel then time) at least ``min_gap_s`` long that are not AIS switch-offs."""
    rows: list[dict[str, Any]] = []
    by_vessel: dict[int, F64] = {}
    if len(t) == 0:
        return rows, by_vessel
    starts = np.flatnonzero(np.r_[True, vessel[1:] != vessel[:-1]])
    ends = np.r_[starts[1:], len(t)]
    absent = wp.state == ABSENT
    for s, e in zip(starts, ends, strict=True):
        vi = int(vessel[s])
        tt = t[s:e]
        by_vessel[vi] = tt
        big = np.flatnonzero(np.diff(tt) >= min_gap_s)
        if not big.size:
            continue
        v = story.vessels[vi]
        legs = np.flatnonzero((wp.vessel == vi) & absent)
        for k in big:
            a, b = float(tt[k]), float(tt[k + 1])
            if any(s_ < b and e_ > a for s_, e_, _ in v.it.off):
                continue  # an AIS switch-off: in gaps_intentional
            away = any(wp.t[int(j)] < b and wp.t[min(int(j) + 1, len(wp.t) - 1)] > a for j in legs)
            rows.append(
                {
                    "vessel": vi,
                    "start": a,
                    "end": b,
                    "cause": "out_of_area" if away else "reception",
                }
            )
    return rows, by_vessel


def truth_tables(
    story: Story,
    wp: Waypoints,
    received: tuple[I64, F64],
    port_names: dict[str, str],
    *,
    end_s: float,
    start_s: float,
    surge_s: float,
    surge_ports: Sequence[str],
    min_gap_s: float,
) -> dict[str, pl.DataFrame]:
    """Every truth table (see :data:`TRUTH_TABLES`)."""
    vs = story.vessels

    def mmsi_at(v: Vessel, t: float) -> int:
        current = v.identities[0]
        for ident in v.identities[1:]:
            if ident.valid_from <= t:
                current = ident
        return current.mmsi

    out: dict[str, list[dict[str, Any]]] = {name: [] for name in TRUTH_TABLES}
    for v in vs:
        first = v.identities[0]
        out["vessels"].append(
            {
                "vessel_id": v.vessel_id,
                "role": v.role,
                "note": v.note,
                "ais_class": v.ais_class,
                "mmsi": first.mmsi,
                "imo": first.imo,
                "shipname": first.shipname,
                "flag": first.flag,
                "ship_type": first.ship_type,
                "length_m": first.length_m,
                "n_identities": len(v.identities),
            }
        )
        for k, ident in enumerate(v.identities):
            to = v.identities[k + 1].valid_from if k + 1 < len(v.identities) else end_s
            out["identities"].append(
                {
                    "vessel_id": v.vessel_id,
                    "valid_from": _ts(ident.valid_from),
                    "valid_to": _ts(to),
                    "mmsi": ident.mmsi,
                    "imo": ident.imo,
                    "shipname": ident.shipname,
                    "callsign": ident.callsign,
                    "flag": ident.flag,
                    "ship_type": ident.ship_type,
                    "length_m": ident.length_m,
                }
            )
        off = v.it.off
        dark_at: dict[tuple[str, float], bool] = {}
        for c in v.it.calls:
            if c.arrival >= end_s or c.departure - c.arrival < 60.0:
                continue
            dep = min(c.departure, end_s) if not math.isnan(c.departure) else end_s
            off_h = _overlap_h(c.arrival, dep, off)
            dark = off_h >= (dep - c.arrival) / 3600.0 - 1e-6 and off_h > 0
            dark_at[(c.port_id, c.arrival)] = dark_at[(c.port_id, c.departure)] = dark
            out["port_calls"].append(
                {
                    "vessel_id": v.vessel_id,
                    "mmsi": mmsi_at(v, c.arrival),
                    "role": v.role,
                    "port_id": c.port_id,
                    "port_name": port_names.get(c.port_id),
                    "arrival": _ts(c.arrival),
                    "departure": _ts(dep),
                    "duration_h": (dep - c.arrival) / 3600.0,
                    "lon": c.lon,
                    "lat": c.lat,
                    "draught_before_m": _nan_none(c.draught_before_m),
                    "draught_after_m": _nan_none(c.draught_after_m),
                    "off_h": off_h,
                    "dark": dark,
                    "open_start": c.arrival <= start_s,
                    "open_end": dep >= end_s,
                }
            )
            if not math.isnan(c.draught_before_m) and c.departure < end_s:
                change = round(c.draught_after_m - c.draught_before_m, 1)
                signal = "loaded" if change > 0 else "unloaded" if change < 0 else "unchanged"
                out["draught_changes"].append(
                    {
                        "vessel_id": v.vessel_id,
                        "mmsi": mmsi_at(v, c.arrival),
                        "port_id": c.port_id,
                        "arrival": _ts(c.arrival),
                        "departure": _ts(dep),
                        "draught_before_m": c.draught_before_m,
                        "draught_after_m": c.draught_after_m,
                        "change_m": change,
                        "signal": signal,
                        "dark": dark,
                    }
                )
        port_voyages = []
        calls = [c for c in v.it.calls if c.departure - c.arrival >= 60.0 and c.arrival < end_s]
        for c1, c2 in itertools.pairwise(calls):
            if c2.arrival >= end_s:
                break
            sailed = sum(
                y.distance_m
                for y in v.it.voyages
                if y.departure >= c1.departure - 1.0 and y.arrival <= c2.arrival + 1.0
            )
            row = {
                "vessel_id": v.vessel_id,
                "mmsi": mmsi_at(v, c1.departure),
                "role": v.role,
                "origin_port_id": c1.port_id,
                "dest_port_id": c2.port_id,
                "departure": _ts(c1.departure),
                "arrival": _ts(c2.arrival),
                "duration_h": (c2.arrival - c1.departure) / 3600.0,
                "distance_m": sailed,
                "dark_h": _overlap_h(c1.departure, c2.arrival, off),
                "hidden": dark_at.get((c1.port_id, c1.departure), False)
                or dark_at.get((c2.port_id, c2.arrival), False),
            }
            out["voyages"].append(row)
            port_voyages.append((c1, c2, row))
        modes = {tr["start"]: tr["mode"] for tr in story.trips if tr["vessel"] == v.index}
        i = 0
        while i + 1 < len(port_voyages):
            (a1, b1, r1), (a2, b2, r2) = port_voyages[i], port_voyages[i + 1]
            if not (b1.port_id == a2.port_id and b2.port_id == a1.port_id != b1.port_id):
                i += 1
                continue
            i += 2
            mode = next((m for s, m in modes.items() if abs(s - a1.departure) < 1.0), None)
            out["round_trips"].append(
                {
                    "vessel_id": v.vessel_id,
                    "mmsi": r1["mmsi"],
                    "role": v.role,
                    "port_a_id": a1.port_id,
                    "port_b_id": b1.port_id,
                    "start_time": _ts(a1.departure),
                    "end_time": _ts(b2.arrival),
                    "duration_h": (b2.arrival - a1.departure) / 3600.0,
                    "dark_h": _overlap_h(a1.departure, b2.arrival, off),
                    "mode": mode,
                    "hidden": bool(r1["hidden"] or r2["hidden"]),
                }
            )
    _gap_tables(out, story, wp, received, min_gap_s, end_s, mmsi_at)
    _event_tables(out, story, mmsi_at, end_s)
    frames = {name: _frame(name, rows) for name, rows in out.items()}
    frames["surge"] = _surge(frames["port_calls"], port_names, surge_s, surge_ports, start_s, end_s)
    return frames


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else x


def _gap_tables(
    out: dict[str, list[dict[str, Any]]],
    story: Story,
    wp: Waypoints,
    received: tuple[I64, F64],
    min_gap_s: float,
    end_s: float,
    mmsi_at: Any,
) -> None:
    rv, rt = received
    rows, by_vessel = observed_gaps(rv, rt, wp, story, min_gap_s)
    for r in rows:
        v = story.vessels[r["vessel"]]
        out["gaps_reception"].append(
            {
                "vessel_id": v.vessel_id,
                "mmsi": mmsi_at(v, r["start"]),
                "start_time": _ts(r["start"]),
                "end_time": _ts(r["end"]),
                "duration_h": (r["end"] - r["start"]) / 3600.0,
                "cause": r["cause"],
            }
        )
    for v in story.vessels:
        times = by_vessel.get(v.index, np.zeros(0))
        for s, e, kind in v.it.off:
            if s >= end_s:
                continue
            j = int(np.searchsorted(times, s, "right")) - 1
            k = int(np.searchsorted(times, e, "left"))
            obs_s = float(times[j]) if j >= 0 else None
            obs_e = float(times[k]) if k < len(times) else None
            hidden = [c.port_id for c in v.it.calls if c.arrival >= s and c.departure <= e]
            out["gaps_intentional"].append(
                {
                    "vessel_id": v.vessel_id,
                    "mmsi": mmsi_at(v, s),
                    "kind": kind,
                    "start_time": _ts(s),
                    "end_time": _ts(min(e, end_s)),
                    "duration_h": (min(e, end_s) - s) / 3600.0,
                    "observed_start": _ts(obs_s),
                    "observed_end": _ts(obs_e),
                    "observed_h": None
                    if obs_s is None or obs_e is None
                    else (obs_e - obs_s) / 3600.0,
                    "hidden_port_id": hidden[0] if hidden else None,
                }
            )


def _event_tables(
    out: dict[str, list[dict[str, Any]]], story: Story, mmsi_at: Any, end_s: float
) -> None:
    """Encounters and loitering (those starting before the end, cut there), the shared MMSI,
    identity changes."""
    vs = story.vessels
    for enc in story.encounters:
        if enc["start"] >= end_s:
            continue
        enc = {**enc, "end": min(enc["end"], end_s)}
        a, b = (vs[i] for i in enc["vessels"])
        ma, mb = mmsi_at(a, enc["start"]), mmsi_at(b, enc["start"])
        if mb < ma:
            a, b, ma, mb = b, a, mb, ma
        out["encounters"].append(
            {
                "mmsi": ma,
                "other_mmsi": mb,
                "vessel_id": a.vessel_id,
                "other_vessel_id": b.vessel_id,
                "start_time": _ts(enc["start"]),
                "end_time": _ts(enc["end"]),
                "duration_h": (enc["end"] - enc["start"]) / 3600.0,
                "lon": enc["lon"],
                "lat": enc["lat"],
                "distance_m": enc["distance_m"],
            }
        )
    for lo in story.loiterings:
        if lo["start"] >= end_s:
            continue
        lo = {**lo, "end": min(lo["end"], end_s)}
        v = vs[lo["vessel"]]
        out["loitering"].append(
            {
                "vessel_id": v.vessel_id,
                "mmsi": mmsi_at(v, lo["start"]),
                "start_time": _ts(lo["start"]),
                "end_time": _ts(lo["end"]),
                "duration_h": (lo["end"] - lo["start"]) / 3600.0,
                "lon": lo["lon"],
                "lat": lo["lat"],
                "cause": lo["cause"],
            }
        )
    for sh in story.shared:
        members = [vs[i] for i in sh["vessels"]]
        out["shared_mmsi"].append(
            {
                "mmsi": sh["mmsi"],
                "vessel_ids": [m.vessel_id for m in members],
                "shipnames": [m.identities[0].shipname for m in members],
                "imos": [m.identities[0].imo for m in members],
                "start_time": _ts(sh["start"]),
                "end_time": _ts(sh["end"]),
            }
        )
    for ch in story.identity_changes:
        v = vs[ch["vessel"]]
        old, new = ch["old"], ch["new"]
        out["identity_changes"].append(
            {
                "vessel_id": v.vessel_id,
                "time": _ts(ch["time"]),
                "imo": new.imo,
                "old_mmsi": old.mmsi,
                "new_mmsi": new.mmsi,
                "old_shipname": old.shipname,
                "new_shipname": new.shipname,
                "old_flag": old.flag,
                "new_flag": new.flag,
            }
        )


def _surge(
    calls: pl.DataFrame,
    port_names: dict[str, str],
    surge_s: float,
    ports: Sequence[str],
    start_s: float,
    end_s: float,
) -> pl.DataFrame:
    rows = []
    before_days = max((surge_s - start_s) / 86400.0, 1e-9)
    after_days = max((end_s - surge_s) / 86400.0, 1e-9)
    surge = _ts(surge_s)
    for p in ports:
        c = calls.filter((pl.col("port_id") == p) & ~pl.col("open_start"))
        pre = c.filter(pl.col("arrival") < surge)
        post = c.filter(pl.col("arrival") >= surge)
        b, a = pre.height / before_days, post.height / after_days
        rows.append(
            {
                "port_id": p,
                "port_name": port_names.get(p),
                "date": surge,
                "metric": "arrivals_per_day",
                "before_per_day": b,
                "after_per_day": a,
                "ratio": a / b if b else None,
                "visible_before_per_day": pre.filter(~pl.col("dark")).height / before_days,
                "visible_after_per_day": post.filter(~pl.col("dark")).height / after_days,
            }
        )
    return _frame("surge", rows)
