"""One vessel's planned movement: waypoints with a state per leg, and what it did (truth).

An :class:`Itinerary` is a list of waypoints ``(t, lon, lat)``; the leg from waypoint ``k`` to
``k + 1`` has a state (:data:`UNDERWAY`, :data:`MOORED` …). Positions between waypoints are
interpolated linearly by :mod:`.sampling`, speeds follow from distance / time. The builders
(:meth:`Itinerary.sail`, :meth:`Itinerary.hold`, :meth:`Itinerary.drift` …) are plain Python:
a vessel has at most a few thousand waypoints, and every per-report computation happens later,
vectorised, over all vessels at once.

Truth is recorded as the itinerary is built: port calls (berth arrival → berth departure),
voyages (berth → berth), AIS-off intervals, and the draught timeline.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ..geo import KNOT_MPS, haversine_m
from .geography import Port

__all__ = [
    "ABSENT",
    "ANCHORED",
    "DRIFT",
    "FISHING",
    "MOORED",
    "NAV_STATUS",
    "STATE_NAMES",
    "UNDERWAY",
    "Call",
    "Itinerary",
    "Voyage",
]

UNDERWAY, MOORED, ANCHORED, DRIFT, FISHING, ABSENT = 0, 1, 2, 3, 4, 5
STATE_NAMES = ("underway", "moored", "anchored", "drift", "fishing", "absent")
#: AIS navigational status broadcast in each state (0 under way using engine, 5 moored,
#: 1 at anchor, 7 engaged in fishing; absent = not transmitting in the area).
NAV_STATUS = np.array([0, 5, 1, 0, 7, 15], np.int8)

_HARBOUR_M = 3000.0  # slow legs at each berth end of a voyage
_HARBOUR_KN = 5.0
_LEG_M = 20_000.0  # speed varies per leg of at most this length


@dataclass
class Call:
    """A port call: at the berth from ``arrival`` to ``departure`` (epoch seconds)."""

    port_id: str
    arrival: float
    departure: float = math.nan
    lon: float = math.nan
    lat: float = math.nan
    draught_before_m: float = math.nan
    draught_after_m: float = math.nan


@dataclass
class Voyage:
    """Berth to berth (``origin``/``dest`` null when the voyage starts/ends at sea)."""

    origin: str | None
    dest: str | None
    departure: float
    arrival: float
    distance_m: float
    #: Destination broadcast in type 5 when it is not ``dest``'s name (a ruse).
    declared: str | None = None


@dataclass
class Itinerary:
    """Waypoints and truth of one vessel, built forward in time."""

    t: list[float]
    lon: list[float]
    lat: list[float]
    state: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    voyages: list[Voyage] = field(default_factory=list)
    #: AIS switched off: (start, end, kind).
    off: list[tuple[float, float, str]] = field(default_factory=list)
    #: Draught changes: (time, draught_m); the first entry is the initial draught.
    draught: list[tuple[float, float]] = field(default_factory=list)
    #: Where the vessel is moored now (None at sea).
    port: str | None = None

    @classmethod
    def start(cls, t: float, lon: float, lat: float, draught_m: float) -> Itinerary:
        return cls([t], [lon], [lat], draught=[(t, draught_m)])

    # -- state ------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.t[-1]

    @property
    def here(self) -> tuple[float, float]:
        return self.lon[-1], self.lat[-1]

    @property
    def draught_m(self) -> float:
        return self.draught[-1][1]

    def add_waypoint(self, t: float, lon: float, lat: float, state: int) -> None:
        if t < self.t[-1]:
            raise ValueError(f"waypoint at {t} before {self.t[-1]}")
        self.state.append(state)
        self.t.append(t)
        self.lon.append(lon)
        self.lat.append(lat)

    # -- building blocks --------------------------------------------------------------------

    def hold(self, until: float, state: int) -> None:
        """Stay here until ``until`` (moored, at anchor, absent …)."""
        if until > self.now:
            self.add_waypoint(until, *self.here, state)

    def teleport(self, until: float, lon: float, lat: float) -> None:
        """Leave the area (no reports) and reappear at (lon, lat) at ``until``."""
        self.add_waypoint(max(until, self.now), lon, lat, ABSENT)

    def sail(
        self,
        rng: np.random.Generator,
        path: list[tuple[float, float]],
        speed_kn: float,
        *,
        slow_start: bool,
        slow_end: bool,
        state: int = UNDERWAY,
    ) -> float:
        """Sail along ``path`` (starting here) at about ``speed_kn``; returns the arrival time.

        The speed varies by a few per cent per leg of at most 20 km; the first/last 3 km run
        at 5 kn where the path starts/ends at a berth (``slow_start``/``slow_end``).
        """
        pts = np.asarray([self.here, *path[1:]], np.float64)
        if len(pts) < 2:
            return self.now
        seg = haversine_m(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])
        cum = np.r_[0.0, np.cumsum(seg)]
        total = float(cum[-1])  # not seg.sum(): pairwise summation may differ by an ulp
        if total <= 0:
            return self.now
        cuts = list(np.arange(_LEG_M, total, _LEG_M))
        if slow_start and total > 2 * _HARBOUR_M:
            cuts.append(_HARBOUR_M)
        if slow_end and total > 2 * _HARBOUR_M:
            cuts.append(total - _HARBOUR_M)
        marks = np.unique(np.r_[cum, cuts])
        marks = marks[(marks > 0) & (marks <= total)]
        lon = np.interp(marks, cum, pts[:, 0])
        lat = np.interp(marks, cum, pts[:, 1])
        prev = 0.0
        noise = rng.normal(0.0, 0.04, len(marks))
        for d, x, y, e in zip(marks, lon, lat, noise, strict=True):
            mid = 0.5 * (prev + d)
            harbour = (slow_start and mid < _HARBOUR_M) or (slow_end and mid > total - _HARBOUR_M)
            kn = min(_HARBOUR_KN, speed_kn) if harbour else speed_kn * (1.0 + float(e))
            dt = (d - prev) / (max(kn, 0.5) * KNOT_MPS)
            self.add_waypoint(self.now + dt, float(x), float(y), state)
            prev = float(d)
        return self.now

    def drift(
        self,
        rng: np.random.Generator,
        until: float,
        speed_kn: float,
        heading_deg: float,
        *,
        turn_sd_deg: float = 25.0,
        step_s: float = 1800.0,
        state: int = DRIFT,
    ) -> list[tuple[float, float, float]]:
        """Move slowly in a wandering direction until ``until``; returns the waypoints
        (t, lon, lat) so a partner can follow at a fixed offset (:meth:`follow`)."""
        out = []
        h = heading_deg
        while self.now < until - 1.0:
            dt = min(step_s, until - self.now)
            h = (h + float(rng.normal(0.0, turn_sd_deg))) % 360.0
            d = speed_kn * KNOT_MPS * dt
            lon, lat = _offset(
                *self.here, d * math.sin(math.radians(h)), d * math.cos(math.radians(h))
            )
            self.add_waypoint(self.now + dt, lon, lat, state)
            out.append((self.now, lon, lat))
        return out

    def follow(
        self, waypoints: list[tuple[float, float, float]], east_m: float, north_m: float
    ) -> None:
        """Move with a partner's waypoints at a fixed offset (a ship alongside)."""
        for t, lon, lat in waypoints:
            x, y = _offset(lon, lat, east_m, north_m)
            self.add_waypoint(t, x, y, DRIFT)

    # -- truth bookkeeping --------------------------------------------------------------------

    def arrive(self, port: Port) -> None:
        lon, lat = self.here
        self.calls.append(
            Call(port.port_id, self.now, lon=lon, lat=lat, draught_before_m=self.draught_m)
        )
        self.port = port.port_id

    def depart(self) -> None:
        if self.port is not None and self.calls:
            self.calls[-1].departure = self.now
            self.calls[-1].draught_after_m = self.draught_m
        self.port = None

    def set_draught(self, t: float, value: float) -> None:
        self.draught.append((t, round(value, 1)))

    def switch_off(self, start: float, end: float, kind: str) -> None:
        if end > start:
            self.off.append((start, end, kind))

    def close(self, end: float) -> None:
        """Finish at ``end``: an open port call ends there; a last ABSENT leg seals the track."""
        if self.now < end:
            self.hold(end, MOORED if self.port else ABSENT)
        if self.port is not None and self.calls and math.isnan(self.calls[-1].departure):
            self.calls[-1].departure = self.now
            self.calls[-1].draught_after_m = self.draught_m
        self.state.append(ABSENT)

    def path_length_m(self, path: list[tuple[float, float]]) -> float:
        return float(
            sum(float(haversine_m(p[0], p[1], q[0], q[1])) for p, q in itertools.pairwise(path))
        )


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """(lon, lat) moved by metres east/north (flat approximation, fine below 100 km)."""
    dlat = north_m / 111_195.0
    dlon = east_m / (111_195.0 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat
