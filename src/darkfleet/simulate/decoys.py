"""Decoy traffic: ships that are not part of the story but look like ordinary traffic.

Three kinds (shares :attr:`~.scenario.Scenario.decoy_mix`):

* ``caller`` — cargo ships and tankers calling at random :attr:`~.scenario.Scenario.decoy_ports`
  (the shuttle port excluded), berth to berth at 9-14 kn, 12-60 h in port, with draught
  changes at most calls (40 % loaded, 40 % unloaded, 20 % unchanged);
* ``transit`` — ships passing through the area between two straits (:data:`~.geography.GATEWAYS`),
  a third of the passes with a call at a decoy port on the way, 2-12 days away between passes
  (no reports while away: an ``out_of_area`` gap, not an AIS switch-off);
* ``fishing`` — class B boats from a home port, fishing 6-20 h per trip at 2.5-4.5 kn on
  wandering courses 5-22 km from shore (inside 20 nm: not loitering), 8-30 h in port between
  trips.

Each decoy has its own random stream (spawned by index), so adding decoys never changes the
earlier ones.
"""

from __future__ import annotations

import math

import numpy as np

from ..geo import KNOT_MPS
from ._seamask import is_sea_point
from .geography import offshore_points
from .itinerary import ABSENT, FISHING, MOORED, Itinerary
from .plans import World, roam, voyage
from .roster import Namer
from .story import Story, _new_vessel

__all__ = ["add_decoys"]

_H = 3600.0
_DAY = 86400.0
_FLAGS = ("RU", "KR", "JP", "CN", "PA", "PA", "KR", "JP")


def add_decoys(world: World, story: Story, ss: np.random.SeedSequence, namer: Namer) -> None:
    """Plan ``n_decoys`` decoys into ``story`` (kind by :attr:`decoy_mix`)."""
    sc = world.scenario
    if sc.n_decoys == 0:
        return
    mix = np.cumsum(np.asarray(sc.decoy_mix, np.float64))
    mix /= mix[-1]
    ports = [p for p in sc.decoy_ports if p != sc.shuttle_port]
    for child in ss.spawn(sc.n_decoys):
        rng = np.random.default_rng(child)
        kind = ("caller", "transit", "fishing")[int(np.searchsorted(mix, rng.random(), "right"))]
        if kind == "caller":
            _caller(world, story, rng, namer, ports)
        elif kind == "transit":
            _transit(world, story, rng, namer, ports)
        else:
            _fishing(world, story, rng, namer, ports)


def _caller(
    world: World, story: Story, rng: np.random.Generator, namer: Namer, ports: list[str]
) -> None:
    sc = world.scenario
    flag = _FLAGS[int(rng.integers(len(_FLAGS)))]
    ship_type = int(rng.choice([70, 70, 71, 79, 80, 89]))
    ident = namer.identity(sc.start_s, flag, ship_type, (80, 230))
    lo_d, hi_d = 0.03 * ident.length_m + 2.0, 0.055 * ident.length_m + 3.0
    home = ports[int(rng.integers(len(ports)))]
    lon, lat = world.berth(rng, home)
    it = Itinerary.start(sc.start_s, lon, lat, round(float(rng.uniform(lo_d, hi_d)), 1))
    it.arrive(world.port(home))
    v = _new_vessel(story, "caller", ident, it)
    it.hold(sc.start_s + float(rng.uniform(0, sc.cargo_dwell_h[1])) * _H, MOORED)

    def on_call(it: Itinerary, departure: float) -> None:
        u = float(rng.random())
        if u < 0.8:
            new = lo_d + (hi_d - lo_d) * (0.7 + 0.3 * rng.random()) if u < 0.4 else lo_d
            it.set_draught(departure - float(rng.uniform(1.0, 4.0)) * _H, new)

    roam(
        world,
        rng,
        it,
        ports=ports,
        until=sc.end_s,
        speed_kn=sc.cargo_speed_kn,
        dwell_h=sc.cargo_dwell_h,
        on_call=on_call,
    )
    it.close(sc.end_s)
    del v


def _transit(
    world: World, story: Story, rng: np.random.Generator, namer: Namer, ports: list[str]
) -> None:
    sc = world.scenario
    gates = sorted(p for p in world.ports if p.startswith("GATE-"))
    flag = _FLAGS[int(rng.integers(len(_FLAGS)))]
    ident = namer.identity(sc.start_s, flag, int(rng.choice([70, 71, 80])), (120, 300))
    g = world.port(gates[int(rng.integers(len(gates)))])
    it = Itinerary.start(sc.start_s, g.lon, g.lat, round(float(rng.uniform(7.0, 12.0)), 1))
    _new_vessel(story, "transit", ident, it)
    it.hold(sc.start_s + float(rng.uniform(0.0, 6.0)) * _DAY, ABSENT)
    here = g.port_id
    while it.now < sc.end_s:
        exit_gate = [p for p in gates if p != here][int(rng.integers(len(gates) - 1))]
        speed = float(rng.uniform(11.0, 16.0))
        if rng.random() < 1 / 3:
            call = ports[int(rng.integers(len(ports)))]
            voyage(world, rng, it, call, speed)
            it.hold(it.now + float(rng.uniform(*sc.cargo_dwell_h)) * _H, MOORED)
        voyage(world, rng, it, exit_gate, speed)
        here = [p for p in gates if p != exit_gate][int(rng.integers(len(gates) - 1))]
        nxt = world.port(here)
        it.teleport(it.now + float(rng.uniform(2.0, 12.0)) * _DAY, nxt.lon, nxt.lat)
    it.close(sc.end_s)


def _fishing(
    world: World, story: Story, rng: np.random.Generator, namer: Namer, ports: list[str]
) -> None:
    sc = world.scenario
    homes = [p for p in ports if world.port(p).country in ("RU", "KR", "JP")] or ports
    home = world.port(homes[int(rng.integers(len(homes)))])
    flag = home.country if home.country in ("RU", "KR", "JP") else "KR"
    ident = namer.identity(sc.start_s, flag, 30, (12, 35), imo=False)
    lon, lat = world.berth(rng, home.port_id)
    it = Itinerary.start(sc.start_s, lon, lat, math.nan)
    it.arrive(home)
    _new_vessel(story, "fishing", ident, it, ais_class="B")
    area = (home.lon - 0.7, home.lat - 0.6, home.lon + 0.7, home.lat + 0.6)
    spots = offshore_points(rng, 3, area, 5.0, 22.0, [], 0.0)
    it.hold(sc.start_s + float(rng.uniform(2.0, 30.0)) * _H, MOORED)
    while it.now + 2 * _DAY < sc.end_s:
        spot = spots[int(rng.integers(len(spots)))]
        voyage(world, rng, it, (float(spot[0]), float(spot[1])), float(rng.uniform(7.0, 10.0)))
        centre = (float(spot[0]), float(spot[1]))
        _fish(it, rng, it.now + float(rng.uniform(6.0, 20.0)) * _H, centre)
        # back to the spot first, so the route home is the cached spot → port one
        it.sail(rng, [it.here, centre], 6.0, slow_start=False, slow_end=False)
        voyage(world, rng, it, home.port_id, float(rng.uniform(7.0, 10.0)))
        it.hold(it.now + float(rng.uniform(8.0, 30.0)) * _H, MOORED)
    it.close(sc.end_s)


def _fish(
    it: Itinerary, rng: np.random.Generator, until: float, centre: tuple[float, float]
) -> None:
    """Wander at 2.5-4.5 kn around ``centre`` (turning back when over 10 km away or at land)."""
    heading = float(rng.uniform(0.0, 360.0))
    step = 1800.0
    while it.now < until - 1.0:
        dt = min(step, until - it.now)
        speed = float(rng.uniform(2.5, 4.5))
        lon, lat = it.here
        dx = (centre[0] - lon) * 111_195.0 * math.cos(math.radians(lat))
        dy = (centre[1] - lat) * 111_195.0
        if math.hypot(dx, dy) > 10_000.0:
            heading = math.degrees(math.atan2(dx, dy)) % 360.0
        heading = (heading + float(rng.normal(0.0, 50.0))) % 360.0
        d = speed * KNOT_MPS * dt
        nlon = lon + d * math.sin(math.radians(heading)) / (111_195.0 * math.cos(math.radians(lat)))
        nlat = lat + d * math.cos(math.radians(heading)) / 111_195.0
        if not is_sea_point(nlon, nlat):
            heading = (heading + 180.0) % 360.0
            nlon, nlat = lon, lat
        it.add_waypoint(it.now + dt, nlon, nlat, FISHING)
