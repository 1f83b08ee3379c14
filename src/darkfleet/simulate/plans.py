"""Voyage planning shared by every role: berths, port-to-port voyages, appointments at sea.

:class:`World` holds what all plans share (the scenario, the port table, berth candidates);
:func:`voyage` sails a vessel from where it is to a port berth or a point at sea and keeps
the truth (call departure, voyage, call arrival); :func:`roam` runs a vessel between ports
until a deadline, fitting in as many calls as time allows before each :class:`Appointment`
(a meeting or a loitering spot at sea, or a port call that must start by a given time).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..geo import KNOT_MPS, haversine_m
from .geography import Port, berth_candidates, sea_route
from .itinerary import DRIFT, MOORED, Itinerary, Voyage
from .scenario import Scenario

__all__ = ["Appointment", "World", "keep", "roam", "travel_s", "voyage"]

Point = tuple[float, float]


@dataclass
class World:
    """What every plan shares."""

    scenario: Scenario
    ports: dict[str, Port]
    #: Probability that a coast station hears a report at (lon, lat) arrays (None: no stations).
    coverage: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    _berths: dict[str, np.ndarray] = field(default_factory=dict)

    def port(self, port_id: str) -> Port:
        from ..errors import ConfigError

        try:
            return self.ports[port_id]
        except KeyError:
            raise ConfigError(
                f"scenario: unknown port {port_id!r}; known: {', '.join(sorted(self.ports))}."
            ) from None

    def berth(self, rng: np.random.Generator, port_id: str) -> Point:
        """A random berth of the port (at sea, within ``berth_radius_m`` of its point)."""
        if port_id.startswith("GATE-"):
            p = self.port(port_id)
            return p.lon, p.lat
        if port_id not in self._berths:
            self._berths[port_id] = berth_candidates(
                self.port(port_id), self.scenario.berth_radius_m
            )
        cands = self._berths[port_id]
        k = int(rng.integers(len(cands)))
        return float(cands[k, 0]), float(cands[k, 1])


@dataclass
class Appointment:
    """Be somewhere at ``start``: a port call (``port_id``) or a spot at sea (``point``).

    ``run`` is called when the vessel is there (at sea: possibly early, then it waits
    drifting) and does what the appointment is for (drift alongside, loiter, stay in port).
    """

    start: float
    port_id: str | None = None
    point: Point | None = None
    run: Callable[[Itinerary, float], None] | None = None
    arrived: float = math.nan


def _anchor(world: World, it: Itinerary) -> Point:
    """The point routes start from: the port's point when moored (routes are cached per port)."""
    if it.port is not None:
        p = world.port(it.port)
        return p.lon, p.lat
    return it.here


def _path(world: World, it: Itinerary, dest: Point, dest_anchor: Point) -> list[Point]:
    route = list(sea_route(_anchor(world, it), dest_anchor))
    return [it.here, *route[1:-1], dest]


def travel_s(origin: Point, dest: Point, speed_kn: float) -> float:
    """Seconds to sail from ``origin`` to ``dest`` (route anchors: port points or spots at sea)
    at ``speed_kn``, harbour legs included."""
    route = sea_route(origin, dest)
    d = sum(float(haversine_m(p[0], p[1], q[0], q[1])) for p, q in itertools.pairwise(route))
    return d / (speed_kn * KNOT_MPS) + 2 * 3000.0 / (5.0 * KNOT_MPS)


def voyage(
    world: World,
    rng: np.random.Generator,
    it: Itinerary,
    dest: str | Point,
    speed_kn: float,
) -> float:
    """Sail from here to a port berth (``dest`` = port id) or a point; returns the arrival.

    Truth: the current call ends at departure, a :class:`Voyage` is recorded, and a new call
    starts on arrival at a port berth (gateways are not ports: no call there).
    """
    origin = it.port
    start = it.now
    if isinstance(dest, str):
        p = world.port(dest)
        target, anchor = world.berth(rng, dest), (p.lon, p.lat)
    else:
        target = anchor = dest
    path = _path(world, it, target, anchor)
    it.depart()
    gate = isinstance(dest, str) and dest.startswith("GATE-")
    arrival = it.sail(
        rng,
        path,
        speed_kn,
        slow_start=origin is not None and not origin.startswith("GATE-"),
        slow_end=isinstance(dest, str) and not gate,
    )
    it.voyages.append(
        Voyage(
            origin if origin is None or not origin.startswith("GATE-") else None,
            dest if isinstance(dest, str) and not gate else None,
            start,
            arrival,
            it.path_length_m(path),
        )
    )
    if isinstance(dest, str) and not gate:
        it.arrive(world.port(dest))
    return arrival


def roam(
    world: World,
    rng: np.random.Generator,
    it: Itinerary,
    *,
    ports: Sequence[str],
    until: float,
    appointments: Sequence[Appointment] = (),
    speed_kn: tuple[float, float],
    dwell_h: tuple[float, float],
    on_call: Callable[[Itinerary, float], None] | None = None,
) -> None:
    """Call at random ``ports`` until ``until``, keeping every appointment.

    Before each appointment the vessel makes another call only if it still leaves time to
    reach the appointment (at the planned speed, 10 % spare); otherwise it waits moored where
    it is and leaves just in time. ``on_call(it, departure)`` is called at the start of each
    stay in port (draught changes, destination).
    """
    queue = sorted(appointments, key=lambda a: a.start)
    for appt in [*queue, None]:
        deadline = until if appt is None else appt.start
        while True:
            choices = [p for p in ports if p != it.port]
            if not choices:
                break
            nxt = choices[int(rng.integers(len(choices)))]
            speed = float(rng.uniform(*speed_kn))
            dwell = float(rng.uniform(*dwell_h)) * 3600.0
            p = world.port(nxt)
            need = travel_s(_anchor(world, it), (p.lon, p.lat), speed) * 1.1 + dwell
            if appt is not None:
                target = appt.point if appt.point is not None else _port_point(world, appt)
                need += travel_s((p.lon, p.lat), target, speed) * 1.1 + 3600.0
            if it.now + need > deadline:
                break
            voyage(world, rng, it, nxt, speed)
            departure = it.now + dwell
            if on_call is not None:
                on_call(it, departure)
            it.hold(departure, MOORED)
        if appt is None:
            break
        keep(world, rng, it, appt, float(rng.uniform(*speed_kn)))
    if it.now < until:
        it.hold(until, MOORED if it.port is not None else DRIFT)


def _port_point(world: World, appt: Appointment) -> Point:
    assert appt.port_id is not None
    p = world.port(appt.port_id)
    return p.lon, p.lat


def keep(
    world: World, rng: np.random.Generator, it: Itinerary, appt: Appointment, speed_kn: float
) -> None:
    """Go to the appointment, leaving just in time, and run it."""
    target = appt.point if appt.point is not None else _port_point(world, appt)
    already = appt.port_id is not None and it.port == appt.port_id
    if not already:
        leave = appt.start - travel_s(_anchor(world, it), target, speed_kn) * 1.05
        if leave > it.now:
            it.hold(leave, MOORED if it.port is not None else DRIFT)
        voyage(world, rng, it, appt.port_id or target, speed_kn)
    appt.arrived = it.now
    if appt.point is not None and it.now < appt.start:
        it.hold(appt.start, DRIFT)  # early: wait at the spot
    if appt.run is not None:
        appt.run(it, max(appt.start, appt.arrived))
