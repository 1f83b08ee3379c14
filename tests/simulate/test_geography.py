"""Routes at sea, berths in the water, the regional land mask, the itinerary builder."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from darkfleet.geo import haversine_m
from darkfleet.simulate._seamask import is_sea_point, sea_mask
from darkfleet.simulate.geography import (
    PORTS,
    STATIONS,
    berth_candidates,
    is_sea,
    port_table,
    sea_route,
)
from darkfleet.simulate.itinerary import MOORED, UNDERWAY, Itinerary


def _length(route: tuple[tuple[float, float], ...]) -> float:
    return sum(float(haversine_m(a[0], a[1], b[0], b[1])) for a, b in itertools.pairwise(route))


def test_najin_vostochny_route_stays_at_sea_and_is_short() -> None:
    ports = port_table()
    a, b = ports["WPI-60510"], ports["WPI-60725"]
    route = sea_route((a.lon, a.lat), (b.lon, b.lat))
    assert route[0] == (a.lon, a.lat) and route[-1] == (b.lon, b.lat)
    direct = float(haversine_m(a.lon, a.lat, b.lon, b.lat))
    assert direct <= _length(route) < 1.1 * direct  # searoute's own route overshoots by 50 km
    # sampled every ~50 m: away from the harbours, at most a corner of a 1 km land cell
    pts = np.concatenate(
        [
            np.linspace(p, q, int(haversine_m(*p, *q) // 50) + 2)
            for p, q in itertools.pairwise(route)
        ]
    )
    far = (haversine_m(pts[:, 0], pts[:, 1], a.lon, a.lat) > 4000) & (
        haversine_m(pts[:, 0], pts[:, 1], b.lon, b.lat) > 4000
    )
    land = ~is_sea(pts[far, 0], pts[far, 1])
    longest = max((len(list(g)) for k, g in itertools.groupby(land) if k), default=0)
    assert longest * 50 < 300


def test_route_around_a_peninsula() -> None:
    ports = port_table()
    a, b = ports["WPI-60725"], ports["WPI-60610"]  # Vostochnyy → Vladivostok
    route = sea_route((a.lon, a.lat), (b.lon, b.lat))
    assert len(route) > 2 and _length(route) > float(haversine_m(a.lon, a.lat, b.lon, b.lat)) * 1.1


def test_berths_are_at_sea_within_the_radius() -> None:
    for p in PORTS:
        c = berth_candidates(p, 2000.0)
        assert len(c) >= 1
        assert (haversine_m(c[:, 0], c[:, 1], p.lon, p.lat) <= 2001).all()
        if len(c) > 1:
            assert is_sea(c[:, 0], c[:, 1]).all()


def test_stations_and_ports_are_plausible() -> None:
    assert len({p.port_id for p in PORTS}) == len(PORTS)
    assert {"WPI-60510", "WPI-60725", "WPI-60730", "WPI-60610", "WPI-60582"} <= {
        p.port_id for p in PORTS
    }
    assert all(40 <= s.range_nm <= 60 for s in STATIONS)
    assert not any(s.code.startswith("KP") for s in STATIONS)


def test_point_and_array_masks_agree() -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(126, 144, 500), rng.uniform(32, 50, 500)
    arr = sea_mask(lon, lat)
    assert [is_sea_point(x, y) for x, y in zip(lon, lat, strict=True)] == arr.tolist()
    assert 0.3 < arr.mean() < 0.8


@pytest.mark.slow
def test_regional_mask_equals_global_land_mask() -> None:
    globe = pytest.importorskip("global_land_mask.globe")  # decompresses 1 GB: about 5 s

    rng = np.random.default_rng(4)
    lon, lat = rng.uniform(126, 144, 200_000), rng.uniform(32, 50, 200_000)
    assert (sea_mask(lon, lat) == globe.is_ocean(lat, lon)).all()


def test_sail_ends_exactly_at_the_path_end_and_slows_in_harbour() -> None:
    rng = np.random.default_rng(0)
    it = Itinerary.start(0.0, 131.0, 42.0, 5.0)
    path = [(131.0, 42.0), (131.3, 42.1), (131.7 + 1e-9, 42.2), (132.0, 42.2)]
    arrival = it.sail(rng, path, 10.0, slow_start=True, slow_end=True)
    assert it.here == path[-1] and arrival == it.now
    assert set(it.state) == {UNDERWAY}
    t, x, y = np.array(it.t), np.array(it.lon), np.array(it.lat)
    speed = haversine_m(x[:-1], y[:-1], x[1:], y[1:]) / np.diff(t) / (1852 / 3600)
    assert speed[0] == pytest.approx(5.0, rel=0.01) and speed[-1] == pytest.approx(5.0, rel=0.01)
    assert 9.0 < np.median(speed) < 11.0
    it.hold(arrival + 3600, MOORED)
    assert it.state[-1] == MOORED and it.now == arrival + 3600
