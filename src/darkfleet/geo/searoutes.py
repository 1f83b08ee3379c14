"""Sea distances in bulk: MARNET (the network ``searoute`` ships) plus a local sea grid.

``searoute`` (Eurostat's MARNET shipping lanes, about 9,700 nodes and 16,000 edges; nothing is
downloaded) answers one origin-destination query at a time (about 58 global routes/s here).
Dark port calls need the distance from every gap end to every candidate port, so
:class:`SeaRouter` loads the network once into a CSR matrix and runs **one Dijkstra per port**
(``scipy.sparse.csgraph.dijkstra``): a point's distance to the port is then an array lookup.

Rule, for a point A and a port P (WGS84 degrees); the distance is the shortest of:

1. **Direct**: the great circle A-P, if it is at most ``direct_max_m`` long and stays at sea.
   "At sea" is tested every ``sample_step_m`` along the line against the GSHHG
   distance-from-shore grid (:func:`darkfleet.geo.distance_from_shore_km`, 0.1 degree): a
   sample more than ``land_tolerance_km`` inland is land; samples within ``end_buffer_m`` of
   either end are not tested (ports sit on a coastline the 0.1-degree grid blurs).
2. **Sea grid**: if A is within ``grid_radius_m`` of P, a Dijkstra from P over the 0.1-degree
   cells that are at sea (same tolerance), 16 neighbours per cell, in a window around P; A
   reads the best reached cell within two cells of it plus the straight hop. This follows
   coasts, bays and headlands that MARNET's lanes skip.
3. **Network**: A and P are each *snapped* to up to ``snap_k`` nearest MARNET nodes whose
   hop passes the at-sea test (hops longer than ``direct_max_m`` are in open ocean and not
   tested; when no hop passes, the nearest node is used, as ``searoute`` does); the distance
   is the least ``hop(A, n) + network(n, m) + hop(m, P)``.
4. **Great circle fallback**: when none of these applies (network not loadable, or A or P
   farther than ``max_snap_m`` from every node and not joined by the grid), the great circle,
   flagged (``is_sea`` false; ``distance_kind = "great_circle"`` downstream).

Why not ``searoute`` as is: it snaps each end to the single nearest node by planar degrees
and ignores the hop, which in sparse parts of MARNET inflates short routes: Najin to
Vostochny reads 337 km with the hops (146 km without) across what is 235 km of open water;
rule 1 gives 235 km. From 131.2E 42.61N (west of Peter the Great Gulf) to Najin the straight
line crosses the Tumen delta and MARNET detours by way of a node 140 km east (215 km); the
grid goes round the headland (90 km). On long routes rules 1-3 agree with ``searoute``
within 1 % (tests/geo/test_searoutes.py); with ``snap_k=1, direct_max_m=0,
grid_radius_m=0`` they reproduce it.

Limits: the distance is an estimate close to a *lower bound*. MARNET lanes follow shipping
routes, not the shortest water, and the at-sea test cannot see land narrower than the grid
(about 11 km), so a short cut across a thin peninsula or a narrow strait's land may be
taken, and a strait narrower than a cell may be closed to the grid (the network still
passes). ``restrictions`` names MARNET passages that are closed (default: the Northwest
Passage, as in ``searoute``). Edge weights are great circles in metres on the sphere of
:data:`darkfleet.geo.EARTH_RADIUS_M`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from ..errors import ConfigError
from ._searaster import grid_distances, grid_path, legs_at_sea
from .distance import haversine_m

__all__ = [
    "SeaParams",
    "SeaRouter",
    "line_at_sea",
    "sea_distance_m",
    "sea_route",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True, kw_only=True)
class SeaParams:
    """How sea distances are measured (see the module docstring for the rule)."""

    snap_k: int = 8
    """Network nodes considered when snapping a point. 8 covers the nodes around a point in
    the densest MARNET areas; 1 reproduces ``searoute``'s single nearest node."""
    max_snap_m: float = 1_500_000.0
    """A point farther than this from every node cannot be snapped (great-circle fallback).
    MARNET's open-ocean nodes are up to about 2,200 km apart, so 1,500 km reaches one
    from any navigable water."""
    direct_max_m: float = 500_000.0
    """Longest straight line tested for being at sea (direct legs and snapping hops). Beyond
    it the network is used; 0 disables direct legs."""
    grid_radius_m: float = 300_000.0
    """Around each port, distances up to this far are also measured on the 0.1-degree sea
    grid (rule 2), which follows coasts MARNET's lanes skip. 300 km covers a day's
    steaming at 12 kn each way; 0 disables the grid."""
    sample_step_m: float = 5_000.0
    """Spacing of the at-sea test along a line: half the shore grid's 0.1 degree."""
    end_buffer_m: float = 10_000.0
    """Samples this close to either end are not tested: about one grid cell, so a port on
    the blurred coastline does not block its own approach."""
    land_tolerance_km: float = 0.5
    """A sample (or grid cell) reading below ``-land_tolerance_km`` (km inland) is land. A
    line grazing the coast stays open (the straight Najin - Vostochny line passes the Tumen
    mouth at -0.3 km); the 25 km-wide peninsula between Vladivostok and Vostochny (-1 to -4 km
    on the 0.1-degree grid) blocks. Ports themselves read down to about -2.5 km (Vostochny
    -2.4): the end buffer, not the tolerance, keeps them reachable."""
    restrictions: tuple[str, ...] = ("northwest",)
    """MARNET passages closed to routing (``searoute``'s default)."""

    def __post_init__(self) -> None:
        if self.snap_k < 1:
            raise ConfigError(f"SeaParams.snap_k must be >= 1, got {self.snap_k!r}")
        for name in ("max_snap_m", "sample_step_m"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(f"SeaParams.{name} must be a positive number, got {v!r}")
        for name in ("direct_max_m", "grid_radius_m", "end_buffer_m", "land_tolerance_km"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ConfigError(f"SeaParams.{name} must be >= 0, got {v!r}")
        if not isinstance(self.restrictions, tuple):
            raise ConfigError(
                f"SeaParams.restrictions must be a tuple of passage names, got {self.restrictions!r}"
            )


def line_at_sea(
    lon1: npt.ArrayLike,
    lat1: npt.ArrayLike,
    lon2: npt.ArrayLike,
    lat2: npt.ArrayLike,
    *,
    params: SeaParams = SeaParams(),
) -> B:
    """Whether each great-circle line stays at sea (rule 1 of the module docstring).

    Lines shorter than two sample steps, or whose samples all lie in the end buffers, are
    clear; lines with a NaN end are not. Arguments broadcast.
    """
    a = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2)))
    lo1, la1, lo2, la2 = (np.ascontiguousarray(v.ravel()) for v in a)
    return legs_at_sea(
        lo1, la1, lo2, la2, params.sample_step_m, params.end_buffer_m, params.land_tolerance_km
    )


# --------------------------------------------------------------------------- the network


@dataclass(frozen=True)
class _Network:
    lon: F64
    lat: F64
    graph: sp.csr_matrix
    tree: cKDTree


def _unit_np(lon: F64, lat: F64) -> F64:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


@functools.lru_cache(maxsize=4)
def _network(restrictions: tuple[str, ...]) -> _Network | None:
    """MARNET as a CSR matrix of great-circle metres; None when ``searoute`` is missing."""
    try:
        from searoute.data.marnet_dict import edge_list, node_list
    except ImportError:  # pragma: no cover - searoute is a dependency
        return None
    nodes = list(node_list)
    index = {n: i for i, n in enumerate(nodes)}
    closed = set(restrictions)
    rows: list[int] = []
    cols: list[int] = []
    for u, adj in edge_list.items():
        iu = index[u]
        for v, attrs in adj.items():
            if attrs.get("passage") in closed:
                continue
            rows.append(iu)
            cols.append(index[v])
    lon = np.array([n[0] for n in nodes], dtype=np.float64)
    lat = np.array([n[1] for n in nodes], dtype=np.float64)
    r = np.array(rows, dtype=np.int64)
    c = np.array(cols, dtype=np.int64)
    # Zero-length edges join the +180/-180 copies of a node: keep them as edges.
    w = np.maximum(haversine_m(lon[r], lat[r], lon[c], lat[c]), 1e-3)
    graph = sp.csr_matrix((w, (r, c)), shape=(len(nodes), len(nodes)))
    lon = np.where((lon < -180.0) | (lon > 180.0), (lon + 180.0) % 360.0 - 180.0, lon)
    return _Network(lon=lon, lat=lat, graph=graph, tree=cKDTree(_unit_np(lon, lat)))


def _snap(net: _Network, lon: F64, lat: F64, params: SeaParams) -> tuple[I64, F64]:
    """Up to ``snap_k`` usable nodes per point: (node index, hop metres; inf = unused)."""
    k = min(params.snap_k, net.lon.size)
    n = lon.size
    nodes = np.zeros((n, k), dtype=np.int64)
    hops = np.full((n, k), np.inf)
    if n == 0:
        return nodes, hops
    ok = np.isfinite(lon) & np.isfinite(lat)
    pts = _unit_np(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    _, idx = net.tree.query(pts, k=k)
    idx = np.asarray(idx, dtype=np.int64).reshape(n, k)
    hop = haversine_m(lon[:, None], lat[:, None], net.lon[idx], net.lat[idx])
    snappable = ok & (hop[:, 0] <= params.max_snap_m)
    test = snappable[:, None] & (hop <= params.direct_max_m)
    usable = snappable[:, None] & ~test
    if test.any():
        pi, ki = np.nonzero(test)
        j = idx[pi, ki]
        usable[pi, ki] = line_at_sea(lon[pi], lat[pi], net.lon[j], net.lat[j], params=params)
    none = snappable & ~usable.any(axis=1)
    usable[none, 0] = True
    nodes[:] = idx
    hops[usable] = hop[usable]
    return nodes, hops


class SeaRouter:
    """Sea distances from a fixed set of *targets* (ports) to any points.

    One Dijkstra per target over MARNET (run lazily, in chunks, only for the targets a
    query names), from a virtual source joined to the target's snapped nodes, so each
    distance is ``min(hop + network)`` looked up from arrays.

    ``limit_m`` bounds every Dijkstra: a network distance beyond it is returned as ``inf``
    (the caller only needs distances up to its reach), which keeps many-port runs fast.
    """

    _CHUNK = 256

    def __init__(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        params: SeaParams = SeaParams(),
        limit_m: float = np.inf,
    ) -> None:
        self.params = params
        self.lon = np.asarray(lon, dtype=np.float64).ravel().copy()
        self.lat = np.asarray(lat, dtype=np.float64).ravel().copy()
        self.limit_m = float(limit_m)
        self._net = _network(params.restrictions)
        if self._net is not None:
            self._tnodes, self._thops = _snap(self._net, self.lon, self.lat, params)
        else:
            self._tnodes = np.zeros((self.lon.size, 1), dtype=np.int64)
            self._thops = np.full((self.lon.size, 1), np.inf)

    @property
    def network_available(self) -> bool:
        """False when ``searoute``'s network could not be loaded (great circles only)."""
        return self._net is not None

    def _from_targets(self, targets: I64) -> F64:
        """Distances (m) from each target to every network node: one Dijkstra each."""
        net = self._net
        assert net is not None
        n = net.lon.size
        m = targets.size
        hops = self._thops[targets]
        ok = np.isfinite(hops)
        vi, ki = np.nonzero(ok)
        rows = n + vi
        cols = self._tnodes[targets][vi, ki]
        base = net.graph.tocoo()
        aug = sp.csr_matrix(
            (
                np.r_[base.data, np.maximum(hops[vi, ki], 1e-3)],
                (np.r_[base.row, rows], np.r_[base.col, cols]),
            ),
            shape=(n + m, n + m),
        )
        out = dijkstra(aug, directed=True, indices=np.arange(n, n + m), limit=self.limit_m)
        return np.asarray(out[:, :n])

    def distances(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        point: npt.ArrayLike,
        target: npt.ArrayLike,
        *,
        limit_m: npt.ArrayLike | None = None,
    ) -> tuple[F64, B]:
        """Distance (m) for each pair (``point[i]`` into ``lon``/``lat``, ``target[i]``).

        Returns (distance_m, is_sea): ``is_sea`` false where the great-circle fallback was
        used (no network, or the point or target cannot be snapped and the sea grid does not
        join them). A distance longer than the router's ``limit_m`` or the pair's own
        ``limit_m`` may come back as ``inf``: a caller that only needs distances up to a
        bound saves work by passing it; every distance within the bound is exact.
        """
        plon = np.asarray(lon, dtype=np.float64).ravel()
        plat = np.asarray(lat, dtype=np.float64).ravel()
        pi = np.asarray(point, dtype=np.int64).ravel()
        ti = np.asarray(target, dtype=np.int64).ravel()
        gc = haversine_m(plon[pi], plat[pi], self.lon[ti], self.lat[ti])
        dist = np.full(pi.size, np.inf)
        is_sea = np.ones(pi.size, dtype=np.bool_)
        if pi.size == 0:
            return dist, is_sea
        p = self.params
        direct = (gc <= p.direct_max_m) & np.isfinite(gc)
        if direct.any():
            w = np.flatnonzero(direct)
            ok = line_at_sea(plon[pi[w]], plat[pi[w]], self.lon[ti[w]], self.lat[ti[w]], params=p)
            dist[w[ok]] = gc[w[ok]]
            direct[w[~ok]] = False
        todo = np.flatnonzero(~direct)
        if todo.size == 0:
            return dist, is_sea
        bound = np.full(pi.size, self.limit_m)
        if limit_m is not None:
            bound = np.minimum(
                bound, np.broadcast_to(np.asarray(limit_m, dtype=np.float64), bound.shape)
            )
        local = todo[(gc[todo] <= p.grid_radius_m) & (gc[todo] <= bound[todo])]
        if local.size:
            dist[local] = self._grid(plon[pi[local]], plat[pi[local]], ti[local], bound[local])
        if self._net is None:
            fallback = todo[~np.isfinite(dist[todo])]
            dist[fallback] = gc[fallback]
            is_sea[fallback] = False
            return dist, is_sea
        used = np.unique(pi[todo])
        pnodes, phops = _snap(self._net, plon[used], plat[used], p)
        prow = np.searchsorted(used, pi[todo])
        t_unsnapped = ~np.isfinite(self._thops[ti[todo]]).any(axis=1)
        p_unsnapped = ~np.isfinite(phops[prow]).any(axis=1)
        unsnapped = t_unsnapped | p_unsnapped
        fallback = todo[unsnapped & ~np.isfinite(dist[todo])]
        dist[fallback] = gc[fallback]
        is_sea[fallback] = False
        net_pairs, net_prow = todo[~unsnapped], prow[~unsnapped]
        if net_pairs.size:
            order = np.argsort(ti[net_pairs], kind="stable")
            net_pairs, net_prow = net_pairs[order], net_prow[order]
            tsorted = ti[net_pairs]
            targets = np.unique(tsorted)
            for c0 in range(0, targets.size, self._CHUNK):
                chunk = targets[c0 : c0 + self._CHUNK]
                table = self._from_targets(chunk)
                lo = np.searchsorted(tsorted, chunk[0], side="left")
                hi = np.searchsorted(tsorted, chunk[-1], side="right")
                sel, pr = net_pairs[lo:hi], net_prow[lo:hi]
                rows = np.searchsorted(chunk, ti[sel])
                cand = (table[rows[:, None], pnodes[pr]] + phops[pr]).min(axis=1)
                dist[sel] = np.minimum(dist[sel], cand)
        return dist, is_sea

    def _grid(self, lon: F64, lat: F64, target: I64, bound: F64) -> F64:
        """Sea-grid distances for pairs (point, target), grouped by target internally.

        A target's window reaches the largest ``bound`` of its pairs, at most
        ``grid_radius_m``; its Dijkstra stops at that largest bound. A path no longer than a
        pair's own bound therefore fits every window that pair can be given, whatever other
        pairs share the batch: results do not depend on how the work is partitioned.
        """
        p = self.params
        order = np.argsort(target, kind="stable")
        ts = target[order]
        targets, first = np.unique(ts, return_index=True)
        starts = np.r_[first, ts.size].astype(np.int64)
        t_limit = np.maximum.reduceat(bound[order], first)
        t_radius = np.minimum(t_limit, p.grid_radius_m)
        d = grid_distances(
            np.ascontiguousarray(self.lon[targets]),
            np.ascontiguousarray(self.lat[targets]),
            starts,
            np.ascontiguousarray(lon[order]),
            np.ascontiguousarray(lat[order]),
            np.ascontiguousarray(t_radius),
            np.ascontiguousarray(t_limit),
            p.land_tolerance_km,
            p.end_buffer_m,
        )
        out = np.empty_like(d)
        out[order] = d
        return out


def _unwrap(lon: float, previous: float) -> float:
    """``lon`` shifted by whole turns to within 180 degrees of ``previous``."""
    turns = round((previous - lon) / 360.0)
    return lon + 360.0 * turns if turns else lon


def _path(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Longitudes made continuous across the antimeridian, as ``searoute`` does."""
    out = [points[0]]
    for x, y in points[1:]:
        out.append((_unwrap(x, out[-1][0]), y))
    return out


def _network_route(
    net: _Network, lon1: float, lat1: float, lon2: float, lat2: float, params: SeaParams
) -> tuple[float, list[tuple[float, float]]] | None:
    """MARNET distance and path between two points; None when either cannot be snapped."""
    nodes, hops = _snap(net, np.array([lon1, lon2]), np.array([lat1, lat2]), params)
    a, b = np.isfinite(hops[0]), np.isfinite(hops[1])
    if not (a.any() and b.any()):
        return None
    n = net.lon.size
    src, dst = n, n + 1
    base = net.graph.tocoo()
    rows = np.r_[base.row, np.full(a.sum(), src), nodes[1][b]]
    cols = np.r_[base.col, nodes[0][a], np.full(b.sum(), dst)]
    data = np.r_[base.data, np.maximum(hops[0][a], 1e-3), np.maximum(hops[1][b], 1e-3)]
    aug = sp.csr_matrix((data, (rows, cols)), shape=(n + 2, n + 2))
    dist, pred = dijkstra(aug, directed=True, indices=src, return_predecessors=True)
    path: list[tuple[float, float]] = []
    at = int(pred[dst])
    while at != src and at >= 0:
        path.append((float(net.lon[at]), float(net.lat[at])))
        at = int(pred[at])
    return float(dist[dst]), path[::-1]


def _route(
    lon1: float, lat1: float, lon2: float, lat2: float, params: SeaParams
) -> tuple[list[tuple[float, float]], float, bool]:
    """Path, distance and is_sea from point 1 to point 2 (point 2 plays the port)."""
    gc = float(haversine_m(lon1, lat1, lon2, lat2))
    ends = [(lon1, lat1), (lon2, lat2)]
    if gc <= params.direct_max_m and bool(line_at_sea(lon1, lat1, lon2, lat2, params=params)[0]):
        return ends, gc, True
    best, via = np.inf, ends
    if gc <= params.grid_radius_m:
        d, cells = grid_path(
            lon2, lat2, lon1, lat1, params.grid_radius_m, params.land_tolerance_km,
            params.end_buffer_m,
        )  # fmt: skip
        if d < best:
            best, via = d, [ends[0], *cells, ends[1]]
    net = _network(params.restrictions)
    found = None if net is None else _network_route(net, lon1, lat1, lon2, lat2, params)
    if found is not None and found[0] < best:
        best, via = found[0], [ends[0], *found[1], ends[1]]
    if found is None and not np.isfinite(best):
        return ends, gc, False
    return _path(via), float(best), True


def sea_route(
    lon1: float,
    lat1: float,
    lon2: float,
    lat2: float,
    *,
    params: SeaParams = SeaParams(),
) -> list[tuple[float, float]]:
    """Coordinates (lon, lat) of a sea route from point 1 to point 2 (a LineString's).

    The route the distances above measure: the straight line when it is at sea and short
    enough, otherwise hop - MARNET path - hop. Longitudes are kept continuous across the
    antimeridian (they may leave [-180, 180]), as ``searoute`` does. The great circle's two
    ends when no sea route can be made.
    """
    return _route(float(lon1), float(lat1), float(lon2), float(lat2), params)[0]


def sea_distance_m(
    lon1: float,
    lat1: float,
    lon2: float,
    lat2: float,
    *,
    params: SeaParams = SeaParams(),
) -> tuple[float, str]:
    """Sea distance in metres and its kind (``"sea"`` or ``"great_circle"``) for one pair."""
    _, d, sea = _route(float(lon1), float(lat1), float(lon2), float(lat2), params)
    return d, ("sea" if sea else "great_circle")
