"""Sea distances over MARNET: agreement with ``searoute``, the at-sea test, fallbacks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import searoute

from darkfleet.errors import ConfigError
from darkfleet.geo import haversine_m, searoutes
from darkfleet.geo.searoutes import SeaParams, SeaRouter, line_at_sea, sea_distance_m, sea_route

NAJIN = (130.30, 42.233)
VOSTOCHNY = (133.083, 42.75)
BUSAN = (129.04, 35.1)
INCHEON = (126.6, 37.45)
ROTTERDAM = (4.05, 51.95)
SINGAPORE = (103.8, 1.25)
SHANGHAI = (121.8, 31.0)
LOS_ANGELES = (-118.25, 33.7)
NEW_YORK = (-73.9, 40.5)
BORDEAUX = (-1.3, 45.6)
SANTOS = (-46.3, -24.0)
DURBAN = (31.05, -29.9)

# searoute snaps each end to its single nearest node and ignores the hop: this is it.
AS_SEAROUTE = SeaParams(snap_k=1, direct_max_m=0.0, grid_radius_m=0.0)


def _searoute_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    feat = searoute.searoute(list(a), list(b), units="m", append_orig_dest=True)
    return float(feat.properties["length"])


def _gc(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (ROTTERDAM, SINGAPORE),
        (SHANGHAI, LOS_ANGELES),
        (NEW_YORK, BORDEAUX),
        (SANTOS, DURBAN),
    ],
    ids=["rotterdam-singapore", "shanghai-los_angeles", "new_york-bordeaux", "santos-durban"],
)
def test_long_routes_agree_with_searoute(a: tuple[float, float], b: tuple[float, float]) -> None:
    ref = _searoute_m(a, b)
    ours, kind = sea_distance_m(*a, *b)
    assert kind == "sea"
    assert ours == pytest.approx(ref, rel=0.03)
    assert ours >= _gc(a, b) * 0.999


@pytest.mark.parametrize(("a", "b"), [(NAJIN, VOSTOCHNY), (NAJIN, BUSAN), (ROTTERDAM, SINGAPORE)])
def test_single_snap_reproduces_searoute(a: tuple[float, float], b: tuple[float, float]) -> None:
    ours, _ = sea_distance_m(*a, *b, params=AS_SEAROUTE)
    assert ours == pytest.approx(_searoute_m(a, b), rel=0.01)


def test_najin_vostochny_crosses_open_water() -> None:
    # searoute's sparse network reads 337 km; the gulf is open water: ~235 km.
    gc = _gc(NAJIN, VOSTOCHNY)
    ours, kind = sea_distance_m(*NAJIN, *VOSTOCHNY)
    assert kind == "sea"
    assert gc * 0.999 <= ours <= gc * 1.05
    assert ours < _searoute_m(NAJIN, VOSTOCHNY) * 0.8


def test_najin_busan_follows_the_korean_coast() -> None:
    gc = _gc(NAJIN, BUSAN)
    ours, _ = sea_distance_m(*NAJIN, *BUSAN)
    assert gc < ours < gc * 1.15


def test_line_at_sea() -> None:
    lon1 = [1.33, BUSAN[0], 10.2, NAJIN[0], np.nan, 0.0]
    lat1 = [51.12, BUSAN[1], 56.15, NAJIN[1], 0.0, 0.0]
    lon2 = [1.85, INCHEON[0], 12.6, NAJIN[0] + 0.01, 1.0, 0.0]
    lat2 = [50.97, INCHEON[1], 55.68, NAJIN[1], 1.0, 0.0]
    got = line_at_sea(lon1, lat1, lon2, lat2)
    # Dover-Calais at sea; across Korea and across Zealand not; a 1 km line is too short to
    # test; NaN ends are never clear; a zero-length line is clear.
    assert got.tolist() == [True, False, False, True, False, True]


def test_line_at_sea_is_symmetric_and_broadcasts() -> None:
    a = line_at_sea(BUSAN[0], BUSAN[1], [INCHEON[0], 129.5], [INCHEON[1], 34.5])
    b = line_at_sea([INCHEON[0], 129.5], [INCHEON[1], 34.5], BUSAN[0], BUSAN[1])
    assert a.tolist() == b.tolist() == [False, True]


def test_route_geometry_matches_distance() -> None:
    coords = sea_route(*SHANGHAI, *LOS_ANGELES)
    assert coords[0] == SHANGHAI
    assert coords[-1][1] == LOS_ANGELES[1]
    assert coords[-1][0] % 360.0 == pytest.approx(LOS_ANGELES[0] % 360.0)
    lons = np.array([c[0] for c in coords])
    assert np.abs(np.diff(lons)).max() < 180.0  # continuous across the antimeridian
    assert _length(coords) == pytest.approx(sea_distance_m(*SHANGHAI, *LOS_ANGELES)[0], rel=1e-6)


def test_direct_route_is_two_points() -> None:
    assert sea_route(*NAJIN, *VOSTOCHNY) == [NAJIN, VOSTOCHNY]


def _length(coords: list[tuple[float, float]]) -> float:
    return sum(
        float(haversine_m(x1, y1, x2, y2)) for (x1, y1), (x2, y2) in itertools.pairwise(coords)
    )


def test_sea_grid_goes_round_the_tumen_headland() -> None:
    start = (131.2, 42.61)  # the straight line to Najin crosses the Tumen delta
    assert not line_at_sea(*start, *NAJIN)[0]
    with_grid, kind = sea_distance_m(*start, *NAJIN)
    lanes_only, _ = sea_distance_m(*start, *NAJIN, params=SeaParams(grid_radius_m=0.0))
    assert kind == "sea"
    assert _gc(start, NAJIN) < with_grid < 110_000 < 200_000 < lanes_only
    coords = sea_route(*start, *NAJIN)
    assert coords[0] == start and coords[-1] == NAJIN and len(coords) > 3
    assert _length(coords) == pytest.approx(with_grid, rel=1e-6)


def test_sea_grid_across_the_antimeridian() -> None:
    # South of Wrangel Island to north of it: the island straddles 180 degrees.
    a, b = (179.0, 70.6), (-179.0, 71.6)
    assert not line_at_sea(*a, *b)[0]
    d, kind = sea_distance_m(*a, *b)
    lanes_only, _ = sea_distance_m(*a, *b, params=SeaParams(grid_radius_m=0.0))
    assert kind == "sea"
    assert _gc(a, b) < d < min(lanes_only, 1.6 * _gc(a, b))
    coords = sea_route(*a, *b)
    lons = np.array([c[0] for c in coords])
    assert np.abs(np.diff(lons)).max() < 1.0
    assert coords[-1] == (181.0, 71.6)
    assert _length(coords) == pytest.approx(d, rel=1e-6)
    router = SeaRouter([b[0]], [b[1]])
    dist, sea = router.distances([a[0]], [a[1]], [0], [0])
    assert sea[0] and dist[0] == pytest.approx(d, rel=1e-9)


def test_router_matches_single_queries() -> None:
    targets = [NAJIN, VOSTOCHNY, SINGAPORE]
    router = SeaRouter([t[0] for t in targets], [t[1] for t in targets])
    pts = [BUSAN, ROTTERDAM, (132.5, 42.6)]
    plon = [p[0] for p in pts]
    plat = [p[1] for p in pts]
    pi, ti = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    dist, sea = router.distances(plon, plat, pi.ravel(), ti.ravel())
    assert sea.all()
    for k, (i, j) in enumerate(zip(pi.ravel(), ti.ravel(), strict=True)):
        one, _ = sea_distance_m(*pts[i], *targets[j])
        assert dist[k] == pytest.approx(one, rel=1e-9), (pts[i], targets[j])


def test_router_limit_gives_inf_beyond_reach() -> None:
    router = SeaRouter([SINGAPORE[0]], [SINGAPORE[1]], limit_m=1_000_000.0)
    dist, sea = router.distances([ROTTERDAM[0]], [ROTTERDAM[1]], [0], [0])
    assert math.isinf(dist[0]) and sea[0]


def test_router_empty_query() -> None:
    router = SeaRouter([NAJIN[0]], [NAJIN[1]])
    dist, sea = router.distances([], [], [], [])
    assert dist.size == 0 and sea.size == 0


def test_unsnappable_points_fall_back_to_great_circle() -> None:
    p = SeaParams(max_snap_m=1.0)
    d, kind = sea_distance_m(*NAJIN, *BUSAN, params=p)
    assert kind == "great_circle"
    assert d == pytest.approx(_gc(NAJIN, BUSAN))
    router = SeaRouter([BUSAN[0]], [BUSAN[1]], params=p)
    dist, sea = router.distances([NAJIN[0]], [NAJIN[1]], [0], [0])
    assert not sea[0] and dist[0] == pytest.approx(_gc(NAJIN, BUSAN))


def test_missing_network_falls_back_to_great_circle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searoutes, "_network", lambda restrictions: None)
    d, kind = sea_distance_m(*NAJIN, *BUSAN)
    assert kind == "great_circle"
    router = SeaRouter([BUSAN[0]], [BUSAN[1]])
    assert not router.network_available
    dist, sea = router.distances([NAJIN[0]], [NAJIN[1]], [0], [0])
    assert not sea[0] and dist[0] == pytest.approx(d)


def test_closing_suez_sends_ships_round_africa() -> None:
    open_, _ = sea_distance_m(*ROTTERDAM, *SINGAPORE)
    closed, _ = sea_distance_m(
        *ROTTERDAM, *SINGAPORE, params=SeaParams(restrictions=("northwest", "suez"))
    )
    assert closed > open_ * 1.3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"snap_k": 0},
        {"max_snap_m": 0.0},
        {"sample_step_m": float("nan")},
        {"direct_max_m": -1.0},
        {"land_tolerance_km": float("inf")},
        {"restrictions": ["suez"]},
    ],
)
def test_params_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SeaParams(**kwargs)  # type: ignore[arg-type]
