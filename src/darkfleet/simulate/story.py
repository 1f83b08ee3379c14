"""The story vessels: shuttles, ship-to-ship meetings, loiterers, a shared MMSI, a rename.

:func:`build_story` plans every story vessel of a :class:`~.scenario.Scenario` (decoys are
planned by :mod:`.decoys`) and returns them with the events only the plan knows (meetings,
loitering, shuttle trip modes, identity changes, the shared MMSI).

Shuttles are moored at the home port when the scenario starts. A shuttle that runs before
the surge (the sanctioned one always does) leaves on its first round trip within half a mean
period; the others idle at nearby ports (2-8 day stays) until the surge date and then join.
Round trips start every ``round_trip_days_before`` / ``_after`` days on average (± 25 %),
never before the previous one is over and the ship has unloaded. Each round trip is one of three modes: ``control`` (AIS on
throughout), ``dark_transit`` (AIS off on both crossings, on in port: the gap starts
``dark_margin_h`` after leaving the berth and ends as long before the next berth) or
``dark_call`` (AIS off from shortly after leaving home to shortly before returning: the call
at the shuttle port never shows). The sanctioned shuttle's first round trip after the surge is
always ``control``, so the demo has a visible call of a listed ship at the shuttle port.
Shuttles load at the shuttle port (draught ballast → laden) and unload at home.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..geo import haversine_m
from .geography import offshore_points
from .itinerary import DRIFT, MOORED, Itinerary
from .plans import Appointment, World, roam, travel_s, voyage
from .roster import Identity, Namer
from .scenario import Scenario

__all__ = ["Story", "Vessel", "build_story", "nearby_ports"]

_H = 3600.0
_DAY = 86400.0


@dataclass
class Vessel:
    """One simulated ship: identities over time, its itinerary, its AIS class."""

    index: int
    vessel_id: str
    role: str
    ais_class: str
    identities: list[Identity]
    it: Itinerary
    note: str = ""


@dataclass
class Story:
    """Vessels and the events only the plan knows."""

    vessels: list[Vessel] = field(default_factory=list)
    encounters: list[dict[str, Any]] = field(default_factory=list)
    loiterings: list[dict[str, Any]] = field(default_factory=list)
    trips: list[dict[str, Any]] = field(default_factory=list)
    shared: list[dict[str, Any]] = field(default_factory=list)
    identity_changes: list[dict[str, Any]] = field(default_factory=list)


def nearby_ports(world: World, port_id: str, km: float = 250.0) -> list[str]:
    """Ports (not gateways) within ``km`` of ``port_id``, itself included, sorted by id."""
    p = world.port(port_id)
    out = [
        q.port_id
        for q in world.ports.values()
        if not q.port_id.startswith("GATE-")
        and float(haversine_m(p.lon, p.lat, q.lon, q.lat)) <= km * 1000
    ]
    return sorted(out)


def _new_vessel(
    story: Story, role: str, ident: Identity, it: Itinerary, ais_class: str = "A", note: str = ""
) -> Vessel:
    k = len(story.vessels)
    v = Vessel(k, f"V{k:05d}", role, ais_class, [ident], it, note)
    story.vessels.append(v)
    return v


def _moored_at(
    world: World, rng: np.random.Generator, port_id: str, t: float, draught: float
) -> Itinerary:
    """Moored at a berth of ``port_id`` from ``t`` for up to two days (staggered starts)."""
    lon, lat = world.berth(rng, port_id)
    it = Itinerary.start(t, lon, lat, draught)
    it.arrive(world.port(port_id))
    it.hold(t + float(rng.uniform(0.0, 48.0)) * _H, MOORED)
    return it


def build_story(world: World, ss: np.random.SeedSequence, namer: Namer) -> Story:
    """Plan every story vessel (seeded by ``ss``; identities drawn by ``namer``)."""
    sc = world.scenario
    story = Story()
    streams = iter(ss.spawn(64))
    region = [p for p in nearby_ports(world, sc.home_port) if p != sc.shuttle_port]
    _shuttles(world, story, streams, namer, region)
    if sc.n_encounters:
        _encounters(world, story, streams, namer, region)
    if sc.n_loiterings:
        _loiterers(world, story, streams, namer, region)
    if sc.shared_mmsi:
        _shared(world, story, streams, namer, region)
    return story


# --------------------------------------------------------------------------- shuttles


def _shuttles(world: World, story: Story, streams: Any, namer: Namer, region: list[str]) -> None:
    sc = world.scenario
    ballast = sc.shuttle_draught_m[0]
    for k in range(sc.n_shuttles):
        rng = np.random.default_rng(next(streams))
        if k == 0:
            ident = namer.identity(
                sc.start_s, "RU", 70, (120, 150), imo=sc.sanctioned_imo, name=sc.sanctioned_name
            )
        else:
            ident = namer.identity(sc.start_s, "RU", 70, (95, 140))
        it = _moored_at(world, rng, sc.home_port, sc.start_s, ballast)
        note = "sanctioned" if k == 0 else "renamed" if k == 1 else ""
        v = _new_vessel(story, "shuttle", ident, it, note=note)
        active = sc.start_s if k < sc.n_shuttles_before_surge else sc.surge_date.timestamp()
        if k == 0:
            active = sc.start_s
        if active > it.now:
            roam(
                world,
                rng,
                it,
                ports=region,
                until=active,
                appointments=[Appointment(active, port_id=sc.home_port)],
                speed_kn=sc.cargo_speed_kn,
                dwell_h=(48.0, 192.0),  # idle before the surge: long stays
            )
        _shuttle_loop(world, story, v, rng)
        it.close(sc.end_s)
        if k == 1:
            _rename(world, story, v, namer)


def _shuttle_loop(world: World, story: Story, v: Vessel, rng: np.random.Generator) -> None:
    sc = world.scenario
    it = v.it
    ballast, laden = sc.shuttle_draught_m
    home, away = world.port(sc.home_port), world.port(sc.shuttle_port)
    crossing = travel_s((home.lon, home.lat), (away.lon, away.lat), sc.shuttle_speed_kn[0])
    forced_control = v.note == "sanctioned"
    surge = sc.surge_date.timestamp()
    first = sc.round_trip_days_before if it.now < surge else sc.round_trip_days_after
    it.hold(it.now + float(rng.uniform(0.0, 0.5)) * first * _DAY, MOORED)
    while True:
        mean_days = sc.round_trip_days_before if it.now < surge else sc.round_trip_days_after
        period = mean_days * _DAY * float(rng.uniform(0.75, 1.25))
        need = 2 * crossing + 2 * sc.shuttle_dwell_h[1] * _H
        if it.now + need > sc.end_s:
            break
        u = float(rng.random())
        mode = (
            "dark_transit"
            if u < sc.p_dark_transit
            else "dark_call"
            if u < sc.p_dark_transit + sc.p_dark_call
            else "control"
        )
        if forced_control and it.now >= surge:
            mode, forced_control = "control", False
        start = it.now
        out_arrival = voyage(world, rng, it, away.port_id, float(rng.uniform(*sc.shuttle_speed_kn)))
        out = it.voyages[-1]
        if mode != "control":
            it.voyages[-1].declared = home.name  # the broadcast destination hides the trip
        dwell = float(rng.uniform(*sc.shuttle_dwell_h)) * _H
        departure = it.now + dwell
        it.set_draught(departure - float(rng.uniform(1.0, 4.0)) * _H, laden)
        it.hold(departure, MOORED)
        back_arrival = voyage(
            world, rng, it, home.port_id, float(rng.uniform(*sc.shuttle_speed_kn))
        )
        m = [float(rng.uniform(*sc.dark_margin_h)) * _H for _ in range(4)]
        if mode == "dark_transit":
            it.switch_off(out.departure + m[0], out_arrival - m[1], "dark_transit")
            it.switch_off(departure + m[2], back_arrival - m[3], "dark_transit")
        elif mode == "dark_call":
            it.switch_off(out.departure + m[0], back_arrival - m[3], "dark_call")
        story.trips.append(
            {
                "vessel": v.index,
                "mode": mode,
                "start": start,
                "end": back_arrival,
                "port_a_id": home.port_id,
                "port_b_id": away.port_id,
            }
        )
        dwell_home = float(rng.uniform(*sc.shuttle_dwell_h)) * _H
        leave = max(it.now + dwell_home, start + period)
        it.set_draught(it.now + dwell_home - float(rng.uniform(1.0, 4.0)) * _H, ballast)
        it.hold(min(leave, sc.end_s), MOORED)


def _rename(world: World, story: Story, v: Vessel, namer: Namer) -> None:
    """From the first home call after ``rename_date`` on: new name, flag (MMSI), call sign."""
    sc = world.scenario
    t0 = sc.rename_date.timestamp()
    calls = [c for c in v.it.calls if c.port_id == sc.home_port and c.arrival >= t0]
    if calls and not math.isnan(calls[0].departure):
        t = 0.5 * (calls[0].arrival + calls[0].departure)
    else:
        t = t0
    if t >= sc.end_s:
        return
    old = v.identities[-1]
    new = Identity(
        valid_from=round(t),
        mmsi=namer.mmsi("CM"),
        imo=old.imo,
        shipname=namer.name(),
        callsign=namer.callsign("CM"),
        flag="CM",
        ship_type=old.ship_type,
        to_bow_m=old.to_bow_m,
        to_stern_m=old.to_stern_m,
        to_port_m=old.to_port_m,
        to_starboard_m=old.to_starboard_m,
    )
    v.identities.append(new)
    story.identity_changes.append(
        {"vessel": v.index, "time": float(round(t)), "old": old, "new": new}
    )


# --------------------------------------------------------------------------- events at sea


def _slots(sc: Scenario, n: int, rng: np.random.Generator) -> list[float]:
    """``n`` start times spread over the scenario (one per equal window, away from the ends)."""
    lo, hi = sc.start_s + 3 * _DAY, sc.end_s - 3 * _DAY
    if hi <= lo:
        lo, hi = (
            sc.start_s + 0.25 * (sc.end_s - sc.start_s),
            sc.end_s - 0.25 * (sc.end_s - sc.start_s),
        )
    edges = np.linspace(lo, hi, n + 1)
    return [
        float(rng.uniform(a + 0.2 * (b - a), b - 0.2 * (b - a)))
        for a, b in itertools.pairwise(edges)
    ]


def _event_points(world: World, rng: np.random.Generator, n: int) -> np.ndarray:
    """Spots for meetings and loitering: offshore, away from ports, and (when the scenario has
    coast stations) where a station hears reports with probability >= 0.6, so the event is
    observable; without such spots, anywhere offshore."""
    sc = world.scenario
    avoid = [(p.lon, p.lat) for p in world.ports.values()]
    args = (sc.event_area, sc.offshore_min_km, sc.offshore_max_km, avoid)
    if world.coverage is not None:
        try:
            return offshore_points(rng, n, *args, accept=lambda x, y: world.coverage(x, y) >= 0.6)  # type: ignore[misc]
        except ConfigError:
            pass
    return offshore_points(rng, n, *args)


def _encounters(world: World, story: Story, streams: Any, namer: Namer, region: list[str]) -> None:
    sc = world.scenario
    plan_rng = np.random.default_rng(next(streams))
    n_pairs = 2 if sc.n_encounters > 1 else 1
    rngs = [np.random.default_rng(next(streams)) for _ in range(2 * n_pairs)]
    vessels = []
    for k in range(2 * n_pairs):
        ident = namer.identity(sc.start_s, ("PA", "RU", "KM", "RU")[k % 4], 80, (90, 180))
        it = _moored_at(world, rngs[k], region[k % len(region)], sc.start_s, 6.0)
        vessels.append(_new_vessel(story, "sts", ident, it))
    starts = _slots(sc, sc.n_encounters, plan_rng)
    points = _event_points(world, plan_rng, sc.n_encounters)
    appts: dict[int, list[Appointment]] = {v.index: [] for v in vessels}
    for e, (s, pt) in enumerate(zip(starts, points, strict=True)):
        lead, follow = vessels[2 * (e % n_pairs)], vessels[2 * (e % n_pairs) + 1]
        dur = float(plan_rng.uniform(*sc.encounter_h)) * _H
        dist = float(plan_rng.uniform(*sc.encounter_distance_m))
        bearing = float(plan_rng.uniform(0, 2 * math.pi))
        east, north = dist * math.sin(bearing), dist * math.cos(bearing)
        speed = float(plan_rng.uniform(*sc.encounter_speed_kn))
        heading = float(plan_rng.uniform(0, 360))
        shared: dict[str, Any] = {"waypoints": []}
        x, y = float(pt[0]), float(pt[1])
        lead_appt = Appointment(
            s,
            point=(x, y),
            run=_drift_run(rngs[2 * (e % n_pairs)], s + dur, speed, heading, shared),
        )
        fx, fy = x + east / (111_195.0 * math.cos(math.radians(y))), y + north / 111_195.0
        follow_appt = Appointment(s, point=(fx, fy), run=_follow_run(shared, east, north))
        appts[lead.index].append(lead_appt)
        appts[follow.index].append(follow_appt)
        story.encounters.append(
            {
                "vessels": (lead.index, follow.index),
                "appointments": (lead_appt, follow_appt),
                "end": s + dur,
                "lon": x,
                "lat": y,
                "distance_m": dist,
            }
        )
    for v, rng in zip(vessels, rngs, strict=True):
        roam(
            world,
            rng,
            v.it,
            ports=region,
            until=sc.end_s,
            appointments=appts[v.index],
            speed_kn=sc.cargo_speed_kn,
            dwell_h=sc.cargo_dwell_h,
        )
        v.it.close(sc.end_s)
    kept = []
    for enc in story.encounters:
        a, b = enc["appointments"]
        if math.isnan(a.arrived) or math.isnan(b.arrived):
            continue  # not reached before the scenario ended
        kept.append(enc)
        enc["start"] = max(a.arrived, b.arrived)
        for vi, appt in zip(enc["vessels"], (a, b), strict=True):
            story.loiterings.append(
                {
                    "vessel": vi,
                    "start": appt.arrived,
                    "end": enc["end"],
                    "lon": enc["lon"],
                    "lat": enc["lat"],
                    "cause": "encounter",
                }
            )
    story.encounters[:] = kept


def _drift_run(
    rng: np.random.Generator, end: float, speed: float, heading: float, shared: dict[str, Any]
) -> Any:
    def run(it: Itinerary, t0: float) -> None:
        shared["waypoints"] = it.drift(rng, end, speed, heading, turn_sd_deg=20.0)

    return run


def _follow_run(shared: dict[str, Any], east: float, north: float) -> Any:
    def run(it: Itinerary, t0: float) -> None:
        pts = [w for w in shared["waypoints"] if w[0] > it.now]
        it.follow(pts, east, north)

    return run


def _loiterers(world: World, story: Story, streams: Any, namer: Namer, region: list[str]) -> None:
    sc = world.scenario
    plan_rng = np.random.default_rng(next(streams))
    n_v = 2 if sc.n_loiterings > 1 else 1
    rngs = [np.random.default_rng(next(streams)) for _ in range(n_v)]
    starts = _slots(sc, sc.n_loiterings, plan_rng)
    points = _event_points(world, plan_rng, sc.n_loiterings)
    for k in range(n_v):
        ident = namer.identity(sc.start_s, ("RU", "MN")[k % 2], 70, (80, 130))
        it = _moored_at(world, rngs[k], region[(k + 1) % len(region)], sc.start_s, 5.5)
        v = _new_vessel(story, "loiterer", ident, it)
        appts = []
        for e in range(k, sc.n_loiterings, n_v):
            dur = float(plan_rng.uniform(*sc.loiter_h)) * _H
            speed = float(plan_rng.uniform(*sc.loiter_speed_kn))
            x, y = float(points[e][0]), float(points[e][1])
            run = _loiter_run(rngs[k], starts[e] + dur, speed, float(plan_rng.uniform(0, 360)))
            appt = Appointment(starts[e], point=(x, y), run=run)
            appts.append(appt)
            story.loiterings.append(
                {
                    "vessel": v.index,
                    "appointment": appt,
                    "end": starts[e] + dur,
                    "lon": x,
                    "lat": y,
                    "cause": "loitering",
                }
            )
        roam(
            world,
            rngs[k],
            it,
            ports=region,
            until=sc.end_s,
            appointments=appts,
            speed_kn=sc.cargo_speed_kn,
            dwell_h=sc.cargo_dwell_h,
        )
        it.close(sc.end_s)
    for lo in story.loiterings:
        if "appointment" in lo:
            lo["start"] = lo.pop("appointment").arrived
    story.loiterings[:] = [lo for lo in story.loiterings if not math.isnan(lo["start"])]


def _loiter_run(rng: np.random.Generator, end: float, speed: float, heading: float) -> Any:
    def run(it: Itinerary, t0: float) -> None:
        it.drift(rng, end, speed, heading, turn_sd_deg=45.0, state=DRIFT)

    return run


# --------------------------------------------------------------------------- shared MMSI


def _shared(world: World, story: Story, streams: Any, namer: Namer, region: list[str]) -> None:
    """Two ships far apart broadcasting one MMSI: one in the home region, one off Japan/Korea."""
    sc = world.scenario
    rngs = [np.random.default_rng(next(streams)) for _ in range(2)]
    far = [
        p
        for p in sc.decoy_ports
        if p in world.ports and world.port(p).country in ("JP", "KR") and p not in region
    ] or [p for p in sc.decoy_ports if p not in region]
    mmsi = namer.mmsi("TG")
    members = []
    for k, ports in enumerate((region, far)):
        ident = namer.identity(sc.start_s, "TG", 70, (90, 150), mmsi=mmsi)
        it = _moored_at(world, rngs[k], ports[0], sc.start_s, 6.0)
        v = _new_vessel(story, "shared_mmsi", ident, it)
        roam(
            world,
            rngs[k],
            it,
            ports=ports,
            until=sc.end_s,
            speed_kn=sc.cargo_speed_kn,
            dwell_h=sc.cargo_dwell_h,
        )
        it.close(sc.end_s)
        members.append(v.index)
    story.shared.append({"mmsi": mmsi, "vessels": members, "start": sc.start_s, "end": sc.end_s})
