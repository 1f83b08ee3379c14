"""Who hears a report: coast stations within range and satellite passes.

**Terrestrial.** Each coast station of :data:`~.geography.STATIONS` hears a report with
probability ``p_terrestrial`` up to 70 % of its range (x ``station_range_factor``), falling
linearly to 20 % at the range and 0 beyond. Coverage is precomputed on a 0.02-degree raster
(the three best stations per cell), so a report costs a look-up, not a distance per station.
Stations fail now and then: ``station_outages_per_month`` outages per station, each
``station_outage_h`` long (nothing heard), drawn at random.

**Satellite.** Passes every ``sat_period_min`` minutes (± 2 min) per plane, each
``sat_pass_min`` long (± 20 %), over the whole area at once. A vessel is heard during a pass
with probability ``p_sat_pass`` (one draw per vessel and pass: collisions and antenna
geometry), and then each of its reports with probability ``p_sat_message``.

A report heard by a station is recorded once, from that station (the first of its best three
that heard it); otherwise, if a satellite heard it, from the satellite (receiver ``-1``);
otherwise it is lost. Gaps this leaves are reception gaps, not AIS switch-offs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..geo import METRES_PER_NM, haversine_m
from .geography import STATIONS, Station
from .sampling import F64, I64
from .scenario import Scenario

__all__ = ["SATELLITE", "Receivers", "build_receivers"]

SATELLITE = -1
_CELL = 0.02
_SLOTS = 3
_KEY = 1e9


@dataclass(frozen=True)
class Receivers:
    """Coverage raster, station outages and satellite passes of one scenario."""

    stations: tuple[Station, ...]
    bbox: tuple[float, float, float, float]
    slot_station: npt.NDArray[np.int16]  # (_SLOTS, rows, cols), -1 = none
    slot_p: npt.NDArray[np.float32]
    outage_station: I64
    outage_start: F64
    outage_end: F64
    pass_start: F64
    pass_end: F64
    t0: float
    seed: int
    p_sat_pass: float
    p_sat_message: float

    def hear(
        self, rng: np.random.Generator, vessel: I64, t: F64, lon: F64, lat: F64
    ) -> npt.NDArray[np.int16]:
        """Receiver of each report: a station index, :data:`SATELLITE`, or -2 (lost)."""
        n = len(t)
        out = np.full(n, -2, np.int16)
        if len(self.stations) and self.slot_station.size:
            col = np.floor((lon - self.bbox[0]) / _CELL).astype(np.int64)
            row = np.floor((lat - self.bbox[1]) / _CELL).astype(np.int64)
            inside = (row >= 0) & (row < self.slot_station.shape[1])
            inside &= (col >= 0) & (col < self.slot_station.shape[2])
            r, c = np.where(inside, row, 0), np.where(inside, col, 0)
            for s in range(_SLOTS):
                st = np.where(inside, self.slot_station[s, r, c], -1).astype(np.int64)
                p = np.where(st >= 0, self.slot_p[s, r, c], 0.0)
                heard = (rng.random(n) < p) & ~self._down(st, t)
                take = heard & (out == -2)
                out[take] = st[take]
        if len(self.pass_start):
            j = np.searchsorted(self.pass_start, t, "right") - 1
            jj = np.maximum(j, 0)
            in_pass = (j >= 0) & (t < self.pass_end[jj])
            u = _hash_uniform(vessel, jj, self.seed)
            sat = in_pass & (u < self.p_sat_pass) & (rng.random(n) < self.p_sat_message)
            out[(out == -2) & sat] = SATELLITE
        return out

    def coverage(self, lon: F64, lat: F64) -> F64:
        """Best probability that a coast station hears a report at each point (0 outside)."""
        if not (len(self.stations) and self.slot_station.size):
            return np.zeros(len(lon))
        col = np.floor((lon - self.bbox[0]) / _CELL).astype(np.int64)
        row = np.floor((lat - self.bbox[1]) / _CELL).astype(np.int64)
        inside = (row >= 0) & (row < self.slot_station.shape[1])
        inside &= (col >= 0) & (col < self.slot_station.shape[2])
        r, c = np.where(inside, row, 0), np.where(inside, col, 0)
        return np.where(inside, self.slot_p[0, r, c], 0.0).astype(np.float64)

    def _down(self, station: I64, t: F64) -> npt.NDArray[np.bool_]:
        if not len(self.outage_start):
            return np.zeros(len(t), np.bool_)
        key = self.outage_station.astype(np.float64) * _KEY + (self.outage_start - self.t0)
        j = np.searchsorted(key, station.astype(np.float64) * _KEY + (t - self.t0), "right") - 1
        jj = np.maximum(j, 0)
        return (
            (station >= 0)
            & (j >= 0)
            & (self.outage_station[jj] == station)
            & (t < self.outage_end[jj])
        )


def _hash_uniform(a: I64, b: I64, seed: int) -> F64:
    """A uniform number per (a, b) pair (splitmix64): the same pair always gets the same one."""
    with np.errstate(over="ignore"):
        x = (
            a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
            ^ b.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9)
            ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
        )
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _coverage(
    sc: Scenario, stations: tuple[Station, ...]
) -> tuple[tuple[float, float, float, float], npt.NDArray[np.int16], npt.NDArray[np.float32]]:
    ranges = np.array([s.range_nm * sc.station_range_factor * METRES_PER_NM for s in stations])
    pad = float(ranges.max()) / 111_195.0 * 1.6 + _CELL
    lons = np.array([s.lon for s in stations])
    lats = np.array([s.lat for s in stations])
    bbox = (
        float(lons.min() - pad * 1.4),
        float(lats.min() - pad),
        float(lons.max() + pad * 1.4),
        float(lats.max() + pad),
    )
    cols = int(np.ceil((bbox[2] - bbox[0]) / _CELL))
    rows = int(np.ceil((bbox[3] - bbox[1]) / _CELL))
    cx = bbox[0] + (np.arange(cols) + 0.5) * _CELL
    cy = bbox[1] + (np.arange(rows) + 0.5) * _CELL
    gx, gy = np.meshgrid(cx, cy)
    probs = np.zeros((len(stations), rows, cols), np.float32)
    for k, s in enumerate(stations):
        d = haversine_m(gx, gy, s.lon, s.lat) / ranges[k]
        p = np.where(
            d <= 0.7,
            sc.p_terrestrial,
            sc.p_terrestrial + (0.2 - sc.p_terrestrial) * (d - 0.7) / 0.3,
        )
        probs[k] = np.where(d <= 1.0, p, 0.0)
    order = np.argsort(-probs, axis=0, kind="stable")[:_SLOTS]
    best = np.take_along_axis(probs, order, axis=0)
    station = np.where(best > 0, order, -1).astype(np.int16)
    return bbox, station, best.astype(np.float32)


def build_receivers(sc: Scenario, rng: np.random.Generator) -> Receivers:
    """Coverage, outages and passes for ``sc`` (drawn from ``rng``)."""
    stations = STATIONS if sc.terrestrial else ()
    if stations:
        bbox, slot_station, slot_p = _coverage(sc, stations)
    else:
        bbox, slot_station, slot_p = (
            (0.0, 0.0, 0.0, 0.0),
            np.zeros((_SLOTS, 0, 0), np.int16),
            np.zeros((_SLOTS, 0, 0), np.float32),
        )
    span = sc.end_s - sc.start_s
    o_st: list[int] = []
    o_s: list[float] = []
    o_e: list[float] = []
    for k in range(len(stations)):
        n = int(rng.poisson(sc.station_outages_per_month * span / (30 * 86400.0)))
        starts = np.sort(rng.uniform(sc.start_s, sc.end_s, n))
        ends = starts + rng.uniform(*sc.station_outage_h, n) * 3600.0
        ends = np.minimum(ends, np.r_[starts[1:], np.inf])  # no overlaps within a station
        o_st += [k] * n
        o_s += starts.tolist()
        o_e += ends.tolist()
    p_start = np.zeros(0)
    p_end = np.zeros(0)
    if sc.satellite:
        period = sc.sat_period_min * 60.0
        starts_l, ends_l = [], []
        for plane in range(sc.sat_planes):
            phase = float(rng.uniform(0, period)) + plane * period / sc.sat_planes
            s = sc.start_s - period + phase + np.arange(int(span // period) + 3) * period
            s = s + rng.normal(0.0, 120.0, len(s))
            starts_l.append(s)
            ends_l.append(s + sc.sat_pass_min * 60.0 * rng.uniform(0.8, 1.2, len(s)))
        p_start = np.concatenate(starts_l)
        p_end = np.concatenate(ends_l)
        order = np.argsort(p_start, kind="stable")
        p_start, p_end = p_start[order], np.maximum.accumulate(p_end[order])
    return Receivers(
        stations=stations,
        bbox=bbox,
        slot_station=slot_station,
        slot_p=slot_p,
        outage_station=np.asarray(o_st, np.int64),
        outage_start=np.asarray(o_s, np.float64),
        outage_end=np.asarray(o_e, np.float64),
        pass_start=p_start,
        pass_end=p_end,
        t0=sc.start_s,
        seed=int(rng.integers(0, 2**63 - 1)),
        p_sat_pass=sc.p_sat_pass,
        p_sat_message=sc.p_sat_message,
    )
