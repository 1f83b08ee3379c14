"""Real geography for the simulator: ports, coast stations, sea routes, berths, offshore spots.

* **Ports** — :func:`port_table` takes the ports from ``darkfleet.ports.load_ports()`` (the
  packaged NGA World Port Index list) when that module is installed, by ``port_id``; otherwise
  (or for a port it lacks) the WPI coordinates copied into :data:`PORTS` below (NGA World Port
  Index, Pub. 150, public domain).
* **Gateways** — :data:`GATEWAYS`: the straits through which ships passing through the Sea of
  Japan enter and leave it (not ports: no calls there).
* **Coast stations** — :data:`STATIONS`: terrestrial AIS receivers on the Russian, Korean and
  Japanese coasts with a nominal range of 40-60 nm. Their positions are those of the coastal
  towns named, not of real receiver sites; North Korea has none.
* **Sea routes** — :func:`sea_route` asks the ``searoute`` package (Eurostat's maritime
  network) for the route between two points, replaces its legs that cross land by a path
  over sea cells (:mod:`._gridroute`), adds candidate points every 5 km along it and keeps
  the shortest chain of them whose straight legs stay at sea by the 1 km land mask
  (:mod:`._seamask`). That removes the coarse network's detours (its Najin → Vostochny route
  overshoots Vostochny by 50 km). Routes are cached per endpoint pair.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError, DarkfleetError
from ..geo import distance_from_shore_km, haversine_m
from ._gridroute import grid_path
from ._seamask import sea_mask

__all__ = [
    "GATEWAYS",
    "PORTS",
    "STATIONS",
    "Port",
    "Station",
    "berth_candidates",
    "is_sea",
    "offshore_points",
    "port_table",
    "sea_route",
]


@dataclass(frozen=True)
class Port:
    """A port (or a gateway strait) the simulator sends ships to."""

    port_id: str
    name: str
    country: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Station:
    """A terrestrial AIS receiver."""

    code: str
    lon: float
    lat: float
    range_nm: float


#: WPI ports the default scenario uses: (port_id, name, ISO country, lon, lat) from NGA
#: World Port Index Pub. 150 (public domain).
PORTS: tuple[Port, ...] = (
    Port("WPI-60510", "Najin", "KP", 130.3, 42.233333),
    Port("WPI-60500", "Ch'ongjin", "KP", 129.816667, 41.766667),
    Port("WPI-60725", "Vostochnyy", "RU", 133.083333, 42.75),
    Port("WPI-60730", "Nakhodka", "RU", 132.883333, 42.8),
    Port("WPI-60610", "Vladivostok", "RU", 131.888333, 43.108889),
    Port("WPI-60582", "Zarubino", "RU", 131.083333, 42.633333),
    Port("WPI-60540", "Pos'yet", "RU", 130.8, 42.65),
    Port("WPI-60390", "Busan", "KR", 129.033333, 35.1),
    Port("WPI-60410", "Pohang", "KR", 129.383333, 36.05),
    Port("WPI-60431", "Tonghae", "KR", 129.15, 37.533333),
    Port("WPI-61870", "Niigata Ko", "JP", 139.05, 37.916667),
    Port("WPI-61850", "Fushiki-Toyama", "JP", 137.133333, 36.766667),
    Port("WPI-61910", "Akita-Funakawa Ko", "JP", 140.015, 39.781389),
    Port("WPI-61230", "Otaru Ko", "JP", 141.016667, 43.2),
    Port("WPI-61810", "Tsuruga Ko", "JP", 136.066667, 35.65),
)

#: Straits where ships passing through enter or leave the area.
GATEWAYS: tuple[Port, ...] = (
    Port("GATE-KOREA", "Korea Strait", "", 129.45, 34.55),
    Port("GATE-TSUGARU", "Tsugaru Strait", "", 139.95, 41.4),
    Port("GATE-LAPEROUSE", "La Perouse Strait", "", 141.65, 45.75),
)

#: Terrestrial AIS receivers (town positions, nominal ranges).
STATIONS: tuple[Station, ...] = (
    Station("RU-VVO", 131.89, 43.10, 50.0),
    Station("RU-NJK", 132.90, 42.80, 50.0),
    Station("RU-PSE", 130.80, 42.64, 45.0),
    Station("RU-PRB", 133.90, 42.90, 45.0),
    Station("RU-RUD", 135.80, 44.35, 40.0),
    Station("KR-PUS", 129.05, 35.10, 60.0),
    Station("KR-KPO", 129.38, 36.03, 55.0),
    Station("KR-TGA", 129.12, 37.52, 55.0),
    Station("KR-SHO", 128.60, 38.20, 50.0),
    Station("KR-ULL", 130.90, 37.48, 60.0),
    Station("JP-TRG", 136.07, 35.65, 50.0),
    Station("JP-FTX", 137.13, 36.77, 50.0),
    Station("JP-WAJ", 136.90, 37.40, 55.0),
    Station("JP-KIJ", 139.05, 37.92, 50.0),
    Station("JP-SDO", 138.25, 38.08, 55.0),
    Station("JP-AXT", 140.02, 39.78, 50.0),
    Station("JP-HKD", 140.72, 41.78, 50.0),
    Station("JP-OTR", 141.00, 43.20, 50.0),
    Station("JP-WKJ", 141.68, 45.40, 50.0),
)

_HARBOUR_EXEMPT_M = 4000.0  # land-mask checks skip this much of a route's ends (ports)
_SAMPLE_M = 400.0  # spacing of land checks along a straight line
_COARSE_M = 2000.0  # first pass of land checks ...
_OPEN_MARGIN_CELLS = 4  # ... certain where every sample is this many 1 km cells from land
_FINE_OFFSETS_M = np.arange(-1000.0, 1001.0, 200.0)  # ... then every 200 m around the others
_DENSIFY_M = 5000.0  # candidate points along searoute's route ...
_MAX_POINTS = 32  # ... at most this many


def port_table(port_ids: tuple[str, ...] | None = None) -> dict[str, Port]:
    """Ports by id: :data:`PORTS` and :data:`GATEWAYS`, with coordinates from
    ``darkfleet.ports.load_ports()`` where that module exists and knows the port."""
    table = {p.port_id: p for p in (*PORTS, *GATEWAYS)}
    try:  # helper module delivered separately; optional here
        from ..ports import load_ports  # type: ignore[attr-defined,import-not-found,unused-ignore]

        frame = load_ports()
        for row in frame.select("port_id", "name", "country", "lon", "lat").iter_rows():
            pid, name, country, lon, lat = row
            if pid in table or (port_ids is not None and pid in port_ids):
                table[str(pid)] = Port(str(pid), str(name), str(country or ""), lon, lat)
    except (ImportError, OSError, DarkfleetError):  # not installed (yet): the copied table
        pass
    return table


def is_sea(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where the 1 km global land mask says sea (see :mod:`._seamask`)."""
    return sea_mask(np.asarray(lon, np.float64), np.asarray(lat, np.float64))


def _segment_at_sea(a: tuple[float, float], b: tuple[float, float], start: int, end: int) -> bool:
    """Whether the straight line a→b stays at sea (ends within the harbour margin exempt)."""
    pts = np.array([a, b])
    i, j = np.array([0]), np.array([1])
    return bool(_visible(pts, i, j, exempt_start=bool(start), exempt_end=bool(end))[0])


def _visible(
    pts: npt.NDArray[np.float64],
    i: npt.NDArray[np.int64],
    j: npt.NDArray[np.int64],
    *,
    exempt_start: bool,
    exempt_end: bool,
) -> npt.NDArray[np.bool_]:
    """For each pair (i, j): does the straight line pts[i] → pts[j] stay at sea?

    Sampled every 2 km against the land mask and against an eroded one (water at least 4
    cells, > 2 km, from land): a sample in that open water vouches for the line within 1 km
    around it. Around the other samples the line is checked every 200 m (so a line may still
    clip the corner of a 1 km land cell by less than that). The first/last
    4 km of the whole route (the harbours, where the 1 km mask is often land) are not checked.
    """
    a, b = pts[i], pts[j]
    length = haversine_m(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    m = np.clip((length // _COARSE_M).astype(np.int64) + 2, 2, 5000)
    seg = np.repeat(np.arange(len(i)), m)
    first = np.r_[0, np.cumsum(m)[:-1]]
    f = (np.arange(seg.size) - first[seg]) / (m[seg] - 1)
    s = f * length[seg]
    lon = a[seg, 0] + (b[seg, 0] - a[seg, 0]) * f
    lat = a[seg, 1] + (b[seg, 1] - a[seg, 1]) * f
    exempt = _exempt(i[seg], j[seg], s, length[seg], exempt_start, exempt_end, len(pts) - 1)
    land = ~is_sea(lon, lat) & ~exempt
    bad = np.logical_or.reduceat(land, first)
    unsure = ~land & ~exempt & ~bad[seg]
    if unsure.any():
        unsure[unsure] = ~sea_mask(lon[unsure], lat[unsure], _OPEN_MARGIN_CELLS)
    unsure |= exempt & ~bad[seg]  # the line beyond the harbour margin is checked around them
    if unsure.any():
        k = np.flatnonzero(unsure)
        ln = length[seg[k]][:, None]
        fs = np.clip(s[k][:, None] + _FINE_OFFSETS_M, 0.0, ln)
        ff = fs / np.maximum(ln, 1e-9)
        sk = seg[k][:, None]
        lon2 = a[sk, 0] + (b[sk, 0] - a[sk, 0]) * ff
        lat2 = a[sk, 1] + (b[sk, 1] - a[sk, 1]) * ff
        ex2 = _exempt(i[sk], j[sk], fs, ln, exempt_start, exempt_end, len(pts) - 1)
        land2 = (~is_sea(lon2.ravel(), lat2.ravel()).reshape(lon2.shape) & ~ex2).any(axis=1)
        bad[np.unique(seg[k][land2])] = True
    return np.asarray(~bad, np.bool_)


def _exempt(
    i: npt.NDArray[np.int64],
    j: npt.NDArray[np.int64],
    s: npt.NDArray[np.float64],
    length: npt.NDArray[np.float64],
    start: bool,
    end: bool,
    last: int,
) -> npt.NDArray[np.bool_]:
    """Samples within the harbour margin of the route's first or last point."""
    out = np.zeros(np.shape(s), np.bool_)
    if start:
        out |= (i == 0) & (s <= _HARBOUR_EXEMPT_M)
    if end:
        out |= (j == last) & (s >= length - _HARBOUR_EXEMPT_M)
    return out


def _shortest(pts: npt.NDArray[np.float64]) -> list[tuple[float, float]]:
    """Shortest forward path over ``pts`` whose straight legs stay at sea.

    Every pair i < j is checked at once; consecutive points are always allowed (searoute's
    own legs), so a path always exists.
    """
    n = len(pts)
    i, j = np.triu_indices(n, 1)
    ok = _visible(pts, i, j, exempt_start=True, exempt_end=True) | (j == i + 1)
    d = np.where(ok, haversine_m(pts[i, 0], pts[i, 1], pts[j, 0], pts[j, 1]), np.inf)
    cost = np.full((n, n), np.inf)
    cost[i, j] = d
    best = np.full(n, np.inf)
    prev = np.zeros(n, np.int64)
    best[0] = 0.0
    for k in range(1, n):
        total = best[:k] + cost[:k, k]
        m = int(np.argmin(total))
        best[k], prev[k] = total[m], m
    path = [n - 1]
    while path[-1] != 0:
        path.append(int(prev[path[-1]]))
    return [(float(pts[k, 0]), float(pts[k, 1])) for k in reversed(path)]


def _repair(path: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Replace the first and last legs (port to network), when they cross land, by a path
    over sea cells (:mod:`._gridroute`). The network's own legs are left as they are."""
    out = [path[0]]
    last = len(path) - 1
    for k, (p, q) in enumerate(itertools.pairwise(path)):
        end_leg = k == 0 or k + 1 == last
        if (
            end_leg
            and p != q
            and not _segment_at_sea(p, q, start=int(k == 0), end=int(k + 1 == last))
        ):
            detour = grid_path(p, q)
            if detour is None:
                detour = grid_path(p, q, pad_deg=1.5)
            if detour is not None:
                out.extend(_simplify([p, *detour, q])[1:-1])
        out.append(q)
    return out


def _simplify(path: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Fewer vertices, each straight leg still at sea: from each kept vertex jump to the
    farthest later one in sight (the ends are exempt like route ends)."""
    pts = np.asarray(path, np.float64)
    out = [0]
    while out[-1] < len(pts) - 1:
        i = out[-1]
        j = np.arange(i + 1, len(pts), dtype=np.int64)
        ok = _visible(pts, np.full(len(j), i, np.int64), j, exempt_start=True, exempt_end=True)
        ok[0] = True
        out.append(int(j[np.flatnonzero(ok)[-1]]))
    return [(float(pts[k, 0]), float(pts[k, 1])) for k in out]


@functools.lru_cache(maxsize=4096)
def sea_route(a: tuple[float, float], b: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """Route at sea from ``a`` to ``b`` (lon, lat): searoute's, shortened over open water."""
    if _segment_at_sea(a, b, start=1, end=1):
        return (a, b)
    import searoute

    feature = searoute.searoute(list(a), list(b), append_orig_dest=True)
    coords = [(float(x), float(y)) for x, y in feature["geometry"]["coordinates"]]
    path = _repair([a, *coords[1:-1], b])
    total = sum(float(haversine_m(p[0], p[1], q[0], q[1])) for p, q in itertools.pairwise(path))
    step = max(_DENSIFY_M, total / _MAX_POINTS)
    dense = [path[0]]
    for p, q in itertools.pairwise(path):
        if q == dense[-1]:
            continue
        n = int(float(haversine_m(p[0], p[1], q[0], q[1])) // step) + 1
        for k in range(1, n + 1):
            f = k / n
            dense.append((p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f))
    return tuple(_shortest(np.array(dense)))


def berth_candidates(port: Port, radius_m: float, n: int = 400) -> npt.NDArray[np.float64]:
    """Points at sea within ``radius_m`` of the port point, nearest first ((k, 2) lon/lat).

    A deterministic ring grid (no randomness); falls back to the port point itself when the
    land mask finds no sea within the radius.
    """
    side = int(np.sqrt(n))
    u = np.linspace(-1.0, 1.0, side)
    gx, gy = np.meshgrid(u, u)
    r = np.hypot(gx, gy)
    inside = r <= 1.0
    dx = gx[inside] * radius_m
    dy = gy[inside] * radius_m
    lat = port.lat + dy / 111_195.0
    lon = port.lon + dx / (111_195.0 * np.cos(np.radians(port.lat)))
    sea = is_sea(lon, lat)
    if not sea.any():
        return np.array([[port.lon, port.lat]])
    d = np.hypot(dx, dy)[sea]
    order = np.lexsort((lat[sea], lon[sea], d))
    return np.column_stack([lon[sea][order], lat[sea][order]])


def offshore_points(
    rng: np.random.Generator,
    n: int,
    area: tuple[float, float, float, float],
    min_km: float,
    max_km: float,
    avoid: list[tuple[float, float]],
    avoid_m: float = 40_000.0,
    accept: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> npt.NDArray[np.float64]:
    """``n`` random points at sea in ``area`` between ``min_km`` and ``max_km`` from shore and
    at least ``avoid_m`` from every point of ``avoid`` (ports), where ``accept`` (if given)
    is true."""
    out: list[npt.NDArray[np.float64]] = []
    got = 0
    for _ in range(200):
        k = max(64, 8 * n)
        lon = rng.uniform(area[0], area[2], k)
        lat = rng.uniform(area[1], area[3], k)
        shore = distance_from_shore_km(lon, lat)
        ok = (shore >= min_km) & (shore <= max_km) & is_sea(lon, lat)
        for plon, plat in avoid:
            ok &= haversine_m(lon, lat, plon, plat) >= avoid_m
        if accept is not None and ok.any():
            ok[ok] &= np.asarray(accept(lon[ok], lat[ok]), np.bool_)
        pts = np.column_stack([lon[ok], lat[ok]])
        out.append(pts)
        got += len(pts)
        if got >= n:
            break
    pts = np.concatenate(out) if out else np.zeros((0, 2))
    if len(pts) < n:
        raise ConfigError(
            f"scenario.event_area {area}: found only {len(pts)} points {min_km}-{max_km} km "
            "offshore; widen the area or the distance range."
        )
    return pts[:n]
