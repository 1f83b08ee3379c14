"""Vectorised nearest-port and ports-within-radius look-ups for millions of positions.

Point ports go into a ``scipy.spatial.cKDTree`` over unit vectors on the sphere: the nearest
port by chord length is the nearest by great-circle distance, and a distance limit becomes a
chord limit, so one tree query answers all positions with no per-position Python. Returned
distances are great-circle metres (:func:`~darkfleet.geo.haversine_m`) to the port's point.

Polygon ports (``geometry_wkb`` set) are measured to the polygon: 0 inside, else the distance
to its boundary in a local equirectangular projection centred on the port (error under 1 %
for polygons up to ~50 km across; the projection wraps longitudes, so polygons on the
antimeridian work). Each polygon is tested only against positions in its latitude band.

Ties (two ports at exactly the same distance) go to the port first in ``port_id`` order:
:class:`PortIndex` sorts its ports by ``port_id``, so results do not depend on the order of
the input rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from scipy.spatial import cKDTree

from ..errors import ConfigError
from ..geo.distance import EARTH_RADIUS_M, haversine_m, unit_vectors
from ..schema import conform
from .schema import PORTS

__all__ = ["PortIndex"]

_CHUNK = 1_000_000
_K = 8
_CELL = 0.25  # degrees: the prefilter grid (720 x 1440 cells)
_GRID_MAX_M = 500_000.0  # beyond this radius the prefilter would pass nearly everything

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def _chord(distance_m: float) -> float:
    if not math.isfinite(distance_m):
        return math.inf
    return 2.0 * math.sin(min(distance_m / (2.0 * EARTH_RADIUS_M), math.pi / 2))


def _wrap(dlon: F64) -> F64:
    return np.asarray((dlon + 180.0) % 360.0 - 180.0)


class _Polygon:
    """One polygon port projected to local metres around its representative point."""

    def __init__(self, port: int, wkb: bytes, lon0: float, lat0: float) -> None:
        self.port = port
        self.lon0, self.lat0 = lon0, lat0
        self.kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self.ky = math.radians(1.0) * EARTH_RADIUS_M
        geom = shapely.from_wkb(wkb)
        self.geom = shapely.transform(geom, self._project_xy)
        shapely.prepare(self.geom)
        _, miny, _, maxy = shapely.bounds(geom)
        self.miny, self.maxy = float(miny), float(maxy)

    def _project_xy(self, xy: F64) -> F64:
        return np.column_stack(
            [_wrap(xy[:, 0] - self.lon0) * self.kx, (xy[:, 1] - self.lat0) * self.ky]
        )

    def distances(self, lon: F64, lat: F64, max_distance_m: float) -> tuple[I64, F64]:
        """(positions within ``max_distance_m``, their distances); 0 inside."""
        pad = max_distance_m / self.ky if math.isfinite(max_distance_m) else 180.0
        cand = np.flatnonzero((lat >= self.miny - pad) & (lat <= self.maxy + pad))
        if cand.size == 0:
            return cand.astype(np.int64), np.empty(0)
        x = _wrap(lon[cand] - self.lon0) * self.kx
        y = (lat[cand] - self.lat0) * self.ky
        d = shapely.distance(self.geom, shapely.points(x, y))
        keep = d <= max_distance_m
        return cand[keep].astype(np.int64), np.asarray(d[keep], dtype=np.float64)


class PortIndex:
    """A port list ready for look-ups: ``.ports`` (sorted by ``port_id``), ``.nearest``,
    ``.within``. Row ``i`` of ``.ports`` is port index ``i`` in every result."""

    def __init__(self, ports: pl.DataFrame) -> None:
        frame = conform(ports, PORTS)
        bad = frame.filter(
            pl.col("port_id").is_null()
            | ~pl.col("lon").is_between(-180, 180)
            | ~pl.col("lat").is_between(-90, 90)
            | pl.col("lon").is_null()
            | pl.col("lat").is_null()
        )
        if bad.height:
            row = bad.row(0, named=True)
            raise ConfigError(
                f"ports: port {row['port_id']!r} ({row['name']!r}) has no id or an invalid "
                f"position (lon={row['lon']}, lat={row['lat']}); fix the port list."
            )
        dup = frame.filter(pl.col("port_id").is_duplicated())
        if dup.height:
            raise ConfigError(
                f"ports: port_id {dup['port_id'][0]!r} appears {dup.height} times; "
                "give every port its own id."
            )
        self.ports: pl.DataFrame = frame.sort("port_id")
        self._lon = self.ports["lon"].to_numpy().astype(np.float64)
        self._lat = self.ports["lat"].to_numpy().astype(np.float64)
        wkb = self.ports["geometry_wkb"].to_list()
        self._point_ports = np.asarray([i for i, w in enumerate(wkb) if w is None], dtype=np.int64)
        self._polygons = [
            _Polygon(i, w, float(self._lon[i]), float(self._lat[i]))
            for i, w in enumerate(wkb)
            if w is not None
        ]
        pts = self._point_ports
        self._tree = cKDTree(unit_vectors(self._lon[pts], self._lat[pts])) if pts.size else None
        self._grids: dict[float, npt.NDArray[np.bool_]] = {}

    def _grid(self, radius_m: float) -> npt.NDArray[np.bool_]:
        """Cells of a 0.25-degree grid that lie within ``radius_m`` of a point port (a cheap
        prefilter: positions in other cells need no tree query). Built once per radius."""
        if radius_m not in self._grids:
            grid = np.zeros((int(180 / _CELL), int(360 / _CELL)), dtype=np.bool_)
            dlat = math.degrees(radius_m / EARTH_RADIUS_M) + _CELL
            for i in self._point_ports:
                lo, la = float(self._lon[i]), float(self._lat[i])
                lat0, lat1 = max(la - dlat, -90.0), min(la + dlat, 90.0)
                r0, r1 = (
                    int((lat0 + 90) // _CELL),
                    min(int((lat1 + 90) // _CELL), grid.shape[0] - 1),
                )
                cos = min(math.cos(math.radians(lat0)), math.cos(math.radians(lat1)))
                if lat0 <= -89.0 or lat1 >= 89.0 or cos * 180.0 <= dlat:
                    grid[r0 : r1 + 1, :] = True
                    continue
                dlon = dlat / cos
                c0 = math.floor((lo - dlon + 180) / _CELL)
                c1 = math.floor((lo + dlon + 180) / _CELL)
                cols = np.arange(c0, c1 + 1) % grid.shape[1]
                grid[r0 : r1 + 1, cols] = True
            self._grids[radius_m] = grid
        return self._grids[radius_m]

    def _near_point_ports(self, lo: F64, la: F64, good: I64, radius_m: float) -> I64:
        """``good`` positions that may lie within ``radius_m`` of a point port."""
        if not (math.isfinite(radius_m) and radius_m <= _GRID_MAX_M) or good.size == 0:
            return good
        grid = self._grid(radius_m)
        rows = np.clip(((la[good] + 90.0) // _CELL).astype(np.int64), 0, grid.shape[0] - 1)
        cols = (np.floor((lo[good] + 180.0) / _CELL).astype(np.int64)) % grid.shape[1]
        return good[grid[rows, cols]]

    def __len__(self) -> int:
        return self.ports.height

    @classmethod
    def from_points(cls, points: Iterable[tuple[Any, ...]], *, source: str = "user") -> PortIndex:
        """An index from ``(port_id, name, country, lon, lat[, radius_m])`` tuples (tests,
        ad-hoc lists); ``country`` is stored as given (use ISO alpha-2)."""
        rows = []
        for p in points:
            if len(p) not in (5, 6):
                raise ConfigError(
                    f"PortIndex.from_points: {p!r} is not (port_id, name, country, lon, lat"
                    "[, radius_m])."
                )
            rows.append(
                {
                    "port_id": str(p[0]),
                    "name": p[1],
                    "country": p[2],
                    "lon": float(p[3]),
                    "lat": float(p[4]),
                    "radius_m": float(p[5]) if len(p) == 6 and p[5] is not None else None,
                    "source": source,
                }
            )
        frame = (
            pl.DataFrame(rows, schema={k: PORTS[k] for k in rows[0]}) if rows else pl.DataFrame()
        )
        return cls(conform(frame, PORTS))

    @staticmethod
    def _coords(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[F64, F64, npt.NDArray[np.bool_]]:
        lo = np.asarray(lon, dtype=np.float64).ravel()
        la = np.asarray(lat, dtype=np.float64).ravel()
        if lo.shape != la.shape:
            raise ConfigError(f"lon and lat differ in length ({lo.size} vs {la.size}).")
        ok = np.isfinite(lo) & np.isfinite(la) & (np.abs(la) <= 90.0)
        return lo, la, ok

    def nearest(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, max_distance_m: float = math.inf
    ) -> tuple[I64, F64]:
        """For each position the nearest port within ``max_distance_m``: (port index, -1 where
        none; great-circle metres, ``inf`` where none). NaN positions find no port."""
        lo, la, ok = self._coords(lon, lat)
        n = lo.size
        idx = np.full(n, -1, dtype=np.int64)
        dist = np.full(n, np.inf)
        good = np.flatnonzero(ok)
        if self._tree is not None and good.size:
            chord = _chord(max_distance_m)
            near = self._near_point_ports(lo, la, good, max_distance_m)
            for s in range(0, near.size, _CHUNK):
                g = near[s : s + _CHUNK]
                _, j = self._tree.query(unit_vectors(lo[g], la[g]), k=1, distance_upper_bound=chord)
                hit = j < self._point_ports.size
                g, j = g[hit], self._point_ports[j[hit]]
                d = haversine_m(lo[g], la[g], self._lon[j], self._lat[j])
                keep = d <= max_distance_m
                idx[g[keep]], dist[g[keep]] = j[keep], d[keep]
        for poly in self._polygons:
            p, d = poly.distances(lo[good], la[good], max_distance_m)
            p = good[p]
            better = (d < dist[p]) | ((d == dist[p]) & (poly.port < idx[p]))
            idx[p[better]], dist[p[better]] = poly.port, d[better]
        return idx, dist

    def within(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, radius_m: float
    ) -> tuple[I64, I64, F64]:
        """All (position, port) pairs closer than ``radius_m``: (position index, port index,
        great-circle metres), sorted by position, then distance, then port index."""
        lo, la, ok = self._coords(lon, lat)
        good = np.flatnonzero(ok)
        parts: list[tuple[I64, I64, F64]] = []
        if self._tree is not None and good.size:
            chord = _chord(radius_m)
            npts = self._point_ports.size
            k = min(_K, npts)
            near = self._near_point_ports(lo, la, good, radius_m)
            for s in range(0, near.size, _CHUNK):
                g = near[s : s + _CHUNK]
                xyz = unit_vectors(lo[g], la[g])
                _, j = self._tree.query(xyz, k=k, distance_upper_bound=chord)
                j = j.reshape(g.size, k)
                full = np.flatnonzero(j[:, -1] < npts) if k < npts else np.empty(0, np.int64)
                if full.size:  # more than k ports in range: ask for all of them
                    lists = self._tree.query_ball_point(xyz[full], r=chord)
                    extra_pos = np.repeat(full, [len(x) for x in lists])
                    extra_j = np.asarray([y for x in lists for y in x], dtype=np.int64)
                    j[full] = npts
                else:
                    extra_pos, extra_j = np.empty(0, np.int64), np.empty(0, np.int64)
                r, c = np.nonzero(j < npts)
                pos = np.concatenate([g[r], g[extra_pos]])
                port = self._point_ports[np.concatenate([j[r, c], extra_j])]
                d = haversine_m(lo[pos], la[pos], self._lon[port], self._lat[port])
                keep = d <= radius_m
                parts.append((pos[keep], port[keep], d[keep]))
        for poly in self._polygons:
            p, d = poly.distances(lo[good], la[good], radius_m)
            parts.append((good[p], np.full(p.size, poly.port, dtype=np.int64), d))
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        pos = np.concatenate([p[0] for p in parts]).astype(np.int64)
        port = np.concatenate([p[1] for p in parts]).astype(np.int64)
        dist = np.concatenate([p[2] for p in parts]).astype(np.float64)
        order = np.lexsort((port, dist, pos))
        return pos[order], port[order], dist[order]
