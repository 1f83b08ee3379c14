"""Shortest path over the sea cells of the land mask, for route legs that cross land.

searoute's maritime network is coarse: a leg from a port to the nearest network node may cut
across a headland (Najin's own leg runs over the Rason peninsula). Such a leg is replaced by
the shortest 8-connected path over sea cells of the 1 km mask (:mod:`._seamask`) inside the
legs's bounding box plus a margin (cells coarsened so the box holds at most ~80,000 of them),
solved with ``scipy.sparse.csgraph.dijkstra``. End points on land (port points often are)
snap to the nearest sea cell.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._seamask import sea_mask

__all__ = ["grid_path"]

_MAX_CELLS = 80_000


def grid_path(
    a: tuple[float, float], b: tuple[float, float], *, pad_deg: float = 0.35
) -> list[tuple[float, float]] | None:
    """Sea-cell centres from near ``a`` to near ``b`` (None when the box has no sea path)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    lon0, lon1 = min(a[0], b[0]) - pad_deg, max(a[0], b[0]) + pad_deg
    lat0, lat1 = min(a[1], b[1]) - pad_deg, max(a[1], b[1]) + pad_deg
    cell = 1 / 120
    while ((lon1 - lon0) / cell) * ((lat1 - lat0) / cell) > _MAX_CELLS:
        cell *= 2
    cols = int(np.ceil((lon1 - lon0) / cell))
    rows = int(np.ceil((lat1 - lat0) / cell))
    cx = lon0 + (np.arange(cols) + 0.5) * cell
    cy = lat0 + (np.arange(rows) + 0.5) * cell
    gx, gy = np.meshgrid(cx, cy)
    sea = sea_mask(gx.ravel(), gy.ravel()).reshape(rows, cols)
    if not sea.any():
        return None
    idx = np.full(sea.shape, -1, np.int64)
    idx[sea] = np.arange(int(sea.sum()))
    src, dst, w = [], [], []
    kx = np.cos(np.radians(gy))
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1 = max(0, -dr), rows - max(0, dr)
        c0, c1 = max(0, -dc), cols - max(0, dc)
        here = idx[r0:r1, c0:c1]
        there = idx[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
        ok = (here >= 0) & (there >= 0)
        dist = np.hypot(dc * kx[r0:r1, c0:c1], dr * np.ones_like(kx[r0:r1, c0:c1]))
        src.append(here[ok])
        dst.append(there[ok])
        w.append(dist[ok])
    n = int(sea.sum())
    s, d, ww = np.concatenate(src), np.concatenate(dst), np.concatenate(w)
    graph = coo_matrix((np.r_[ww, ww], (np.r_[s, d], np.r_[d, s])), shape=(n, n)).tocsr()
    lon_s, lat_s = gx[sea], gy[sea]
    ia, ib = _nearest(lon_s, lat_s, a), _nearest(lon_s, lat_s, b)
    dist_to, pred = dijkstra(graph, indices=ia, return_predecessors=True)
    if not np.isfinite(dist_to[ib]):
        return None
    path = [ib]
    while path[-1] != ia:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return [(float(lon_s[k]), float(lat_s[k])) for k in path]


def _nearest(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], p: tuple[float, float]
) -> int:
    d = ((lon - p[0]) * np.cos(np.radians(p[1]))) ** 2 + (lat - p[1]) ** 2
    return int(np.argmin(d))
