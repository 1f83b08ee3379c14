"""Vectorised report generation: itineraries → position and static reports (numpy, no loops
over reports).

Every vessel's waypoints are concatenated into flat arrays keyed by ``vessel * 1e9 + t``; a
report time is placed on its leg with one ``searchsorted`` and interpolated. Report times are
drawn per vessel as a cumulative sum of intervals uniform in [0.5, 1.5] x ``report_interval_s``
(whole seconds); moored and anchored reports are then thinned to ``moored_interval_s``.
Reports inside an AIS-off interval or in the ``absent`` state are never transmitted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..geo import KNOT_MPS, haversine_m, initial_bearing_deg
from .itinerary import ABSENT, ANCHORED, MOORED, NAV_STATUS
from .scenario import Scenario
from .story import Vessel

__all__ = ["Waypoints", "identity_rows", "interval_mask", "report_times", "sample_positions"]

_KEY = 1e9  # seconds per vessel in the combined (vessel, time) keys
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Waypoints:
    """All vessels' waypoints, flat; ``state[k]`` is the state of the leg k → k + 1."""

    vessel: I64
    t: F64
    lon: F64
    lat: F64
    state: npt.NDArray[np.int8]
    speed_kn: F64  # of the leg k → k + 1 (0 for the last waypoint of a vessel)
    course_deg: F64
    start: F64  # per vessel: first waypoint time
    end: F64  # per vessel: last waypoint time (at most the scenario end)
    t0: float  # scenario start (keys are relative to it)

    @classmethod
    def of(cls, vessels: Sequence[Vessel], t0: float, t_end: float = np.inf) -> Waypoints:
        """Flatten the itineraries; reports are drawn in [first waypoint, min(last, t_end))."""
        n = [len(v.it.t) for v in vessels]
        vessel = np.repeat(np.arange(len(vessels), dtype=np.int64), n)
        t = np.concatenate([np.asarray(v.it.t, np.float64) for v in vessels])
        lon = np.concatenate([np.asarray(v.it.lon, np.float64) for v in vessels])
        lat = np.concatenate([np.asarray(v.it.lat, np.float64) for v in vessels])
        state = np.concatenate([np.asarray(v.it.state, np.int8) for v in vessels])
        same = np.r_[vessel[1:] == vessel[:-1], False]
        nxt = np.minimum(np.arange(len(t)) + 1, len(t) - 1)
        dist = np.where(same, haversine_m(lon, lat, lon[nxt], lat[nxt]), 0.0)
        dt = np.where(same, t[nxt] - t, 0.0)
        speed = np.where(dt > 0, dist / np.where(dt > 0, dt, 1.0) / KNOT_MPS, 0.0)
        course = np.where(dist > 0, initial_bearing_deg(lon, lat, lon[nxt], lat[nxt]), np.nan)
        first = np.r_[0, np.cumsum(n)[:-1]]
        last = np.cumsum(n) - 1
        end = np.minimum(t[last], t_end)
        return cls(vessel, t, lon, lat, state, speed, course, t[first], end, t0)

    def key(self, vessel: I64, t: F64) -> F64:
        return vessel.astype(np.float64) * _KEY + (t - self.t0)

    def leg(self, vessel: I64, t: F64) -> I64:
        """Index of the waypoint that starts each report's leg."""
        return np.searchsorted(self.key(self.vessel, self.t), self.key(vessel, t), "right") - 1


def report_times(
    rng: np.random.Generator, start: F64, end: F64, interval_s: float, *, vessels: I64 | None = None
) -> tuple[I64, F64]:
    """Report times of each vessel in [start, end): whole seconds, intervals uniform in
    [0.5, 1.5] x ``interval_s``, the first one uniform in [0, interval_s)."""
    ids = np.arange(len(start), dtype=np.int64) if vessels is None else vessels
    span = np.maximum(end - start, 0.0)
    mean = span / interval_s
    n = np.ceil(mean + 6.0 * np.sqrt(mean) + 4.0).astype(np.int64)
    owner = np.repeat(np.arange(len(start), dtype=np.int64), n)
    steps = rng.uniform(0.5, 1.5, int(n.sum())) * interval_s
    first = np.r_[0, np.cumsum(n)[:-1]]
    steps[first[n > 0]] = rng.uniform(0.0, interval_s, int((n > 0).sum()))
    cs = np.cumsum(steps)
    base = np.repeat(cs[first] - steps[first], n)
    t = np.floor(start[owner] + cs - base)
    keep = t < end[owner]
    return ids[owner[keep]], t[keep]


def interval_mask(
    vessel: I64, t: F64, iv_vessel: I64, iv_start: F64, iv_end: F64, t0: float
) -> npt.NDArray[np.bool_]:
    """True where (vessel, t) falls inside one of the vessel's intervals [start, end)
    (intervals of one vessel must not overlap)."""
    if len(iv_vessel) == 0:
        return np.zeros(len(t), np.bool_)
    k_iv = iv_vessel.astype(np.float64) * _KEY + (iv_start - t0)
    order = np.argsort(k_iv, kind="stable")
    k_iv, ve, en = k_iv[order], iv_vessel[order], iv_end[order]
    j = np.searchsorted(k_iv, vessel.astype(np.float64) * _KEY + (t - t0), "right") - 1
    jj = np.maximum(j, 0)
    return (j >= 0) & (ve[jj] == vessel) & (t < en[jj])


def identity_rows(vessels: Sequence[Vessel], vessel: I64, t: F64, t0: float) -> I64:
    """Row of the flat identity table (vessel order, then valid_from) in force at each t."""
    n = [len(v.identities) for v in vessels]
    iv = np.repeat(np.arange(len(vessels), dtype=np.int64), n)
    start = np.array([i.valid_from for v in vessels for i in v.identities], np.float64)
    key = iv.astype(np.float64) * _KEY + (start - t0)
    j = np.searchsorted(key, vessel.astype(np.float64) * _KEY + (t - t0), "right") - 1
    first = np.r_[0, np.cumsum(n)[:-1]]
    return np.maximum(j, first[vessel])


def _chunks(wp: Waypoints, sc: Scenario, limit: int = 3_000_000) -> Iterator[I64]:
    """Vessel groups whose expected report count stays under ``limit``."""
    expected = (wp.end - wp.start) / sc.report_interval_s
    group: list[int] = []
    total = 0.0
    for k, e in enumerate(expected):
        if group and total + e > limit:
            yield np.asarray(group, np.int64)
            group, total = [], 0.0
        group.append(k)
        total += float(e)
    if group:
        yield np.asarray(group, np.int64)


def sample_positions(
    sc: Scenario,
    vessels: Sequence[Vessel],
    wp: Waypoints,
    rng: np.random.Generator,
) -> Iterator[dict[str, np.ndarray]]:
    """Position reports, one dict of equal-length arrays per vessel group (before reception).

    Keys: vessel, t, lon, lat, sog_kn, cog_deg, heading_deg, nav_status, state, msg_type.
    Transmitted reports only (not absent, not switched off).
    """
    off_v, off_s, off_e = _off_intervals(vessels)
    is_b = np.array([v.ais_class == "B" for v in vessels], np.bool_)
    keep_moored = sc.report_interval_s / sc.moored_interval_s
    for group in _chunks(wp, sc):
        vessel, t = report_times(
            rng, wp.start[group], wp.end[group], sc.report_interval_s, vessels=group
        )
        k = wp.leg(vessel, t)
        state = wp.state[k]
        u = rng.random(len(t))
        still = (state == MOORED) | (state == ANCHORED)
        ok = (state != ABSENT) & (~still | (u < keep_moored))
        ok &= ~interval_mask(vessel, t, off_v, off_s, off_e, wp.t0)
        vessel, t, k, state = vessel[ok], t[ok], k[ok], state[ok]
        yield _fields(sc, wp, rng, vessel, t, k, state, is_b)


def _off_intervals(vessels: Sequence[Vessel]) -> tuple[I64, F64, F64]:
    rows = [(v.index, s, e) for v in vessels for s, e, _ in v.it.off]
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    arr = np.array(rows, np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2]


def _fields(
    sc: Scenario,
    wp: Waypoints,
    rng: np.random.Generator,
    vessel: I64,
    t: F64,
    k: I64,
    state: npt.NDArray[np.int8],
    is_b: npt.NDArray[np.bool_],
) -> dict[str, np.ndarray]:
    n = len(t)
    nxt = np.minimum(k + 1, len(wp.t) - 1)
    dt = wp.t[nxt] - wp.t[k]
    frac = np.where(dt > 0, (t - wp.t[k]) / np.where(dt > 0, dt, 1.0), 0.0)
    lon = wp.lon[k] + (wp.lon[nxt] - wp.lon[k]) * frac
    lat = wp.lat[k] + (wp.lat[nxt] - wp.lat[k]) * frac
    still = (state == MOORED) | (state == ANCHORED)
    # noise: GPS error while moving; a ship swinging about its berth / anchor while still
    sd = np.where(still, sc.berth_jitter_m / 4.0, sc.position_noise_m)
    east = rng.normal(0.0, 1.0, n) * sd
    north = rng.normal(0.0, 1.0, n) * sd
    r = np.hypot(east, north)
    shrink = np.where(still & (r > sc.berth_jitter_m), sc.berth_jitter_m / np.maximum(r, 1e-9), 1.0)
    lat = lat + north * shrink / 111_195.0
    lon = lon + east * shrink / (111_195.0 * np.cos(np.radians(lat)))
    speed = wp.speed_kn[k]
    sog = np.where(
        still,
        np.abs(rng.normal(0.0, 0.05, n)),
        np.maximum(speed * (1.0 + rng.normal(0.0, 0.02, n)) + rng.normal(0.0, 0.1, n), 0.0),
    )
    course = wp.course_deg[k]
    moving = ~still & np.isfinite(course)
    cog_sd = 1.5 + 10.0 / np.maximum(sog, 0.5)
    cog = (
        np.where(moving, course + rng.normal(0.0, 1.0, n) * cog_sd, rng.uniform(0.0, 360.0, n))
        % 360.0
    )
    berth_heading = (k * 137.508) % 360.0  # fixed per stay
    heading = np.where(moving, cog + rng.normal(0.0, 3.0, n), berth_heading) % 360.0
    b = is_b[vessel]
    msg_type = np.where(b, 18, np.where(rng.random(n) < 0.1, 3, 1)).astype(np.int8)
    return {
        "vessel": vessel,
        "t": t,
        "lon": lon,
        "lat": lat,
        "sog_kn": np.round(sog, 1),
        "cog_deg": np.round(cog, 1) % 360.0,
        "heading_deg": np.floor(heading).astype(np.int16) % 360,
        "nav_status": NAV_STATUS[state],
        "state": state.astype(np.int8),
        "msg_type": msg_type,
    }
