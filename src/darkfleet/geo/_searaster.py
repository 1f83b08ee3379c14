"""The sea raster behind :mod:`darkfleet.geo.searoutes`: at-sea line tests and local sea grids.

The raster holds :func:`darkfleet.geo.distance_from_shore_km` (the GSHHG 0.1-degree grid
``landmetrics`` ships) at the centres of 0.1-degree cells, filled lazily in 5-degree tiles the
first time a computation touches them (a tile is 2,500 shore look-ups, about 1 ms), and kept
for the life of the process (26 MB of float32, allocated on first use). A cell is *sea* when its value
is at least ``-tolerance`` km.

Two kernels read it:

* :func:`legs_at_sea` samples great-circle lines and says whether every sample is at sea;
* :func:`grid_distances` runs, around each target (port), a Dijkstra over the sea cells of a
  window of the raster (16 neighbours: the 8 adjacent cells and the 8 knight's moves, whose
  worst-case length error against a straight line is under 3 %; a diagonal or knight's move
  must not cut a land corner), and reads the distance at each query point.
"""

from __future__ import annotations

import heapq
import math
import threading

import numba as nb
import numpy as np
import numpy.typing as npt

from .distance import EARTH_RADIUS_M, haversine_m_scalar
from .shore import distance_from_shore_km

__all__ = ["grid_distances", "grid_path", "legs_at_sea", "sea_raster"]

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

CELL = 0.1  # degrees, the shore grid's resolution
NLAT, NLON = 1800, 3600
TILE = 50  # cells per tile side (5 degrees)
CELL_M = math.radians(CELL) * EARTH_RADIUS_M  # one cell of latitude, metres
_DI = np.array([1, -1, 0, 0, 1, 1, -1, -1, 1, 1, -1, -1, 2, 2, -2, -2], dtype=np.int64)
_DJ = np.array([0, 0, 1, -1, 1, -1, 1, -1, 2, -2, 2, -2, 1, -1, 1, -1], dtype=np.int64)
_LOCK = threading.Lock()
_RASTER: F32 | None = None
_BUILT: B | None = None


def sea_raster(need: B) -> F32:
    """The raster, with every tile flagged in ``need`` (36 x 72 booleans) filled."""
    global _RASTER, _BUILT
    with _LOCK:
        if _RASTER is None or _BUILT is None:
            _RASTER = np.full((NLAT, NLON), np.nan, dtype=np.float32)
            _BUILT = np.zeros((NLAT // TILE, NLON // TILE), dtype=np.bool_)
        raster, built = _RASTER, _BUILT
        ti, tj = np.nonzero(need & ~built)
        if ti.size:
            off = (np.arange(TILE) + 0.5) * CELL
            lat = -90.0 + ti[:, None, None] * (TILE * CELL) + off[None, :, None]
            lon = -180.0 + tj[:, None, None] * (TILE * CELL) + off[None, None, :]
            lat, lon = np.broadcast_arrays(lat, lon)
            vals = distance_from_shore_km(lon.ravel(), lat.ravel()).reshape(lat.shape)
            for t in range(ti.size):
                i0, j0 = ti[t] * TILE, tj[t] * TILE
                raster[i0 : i0 + TILE, j0 : j0 + TILE] = vals[t]
                built[ti[t], tj[t]] = True
    return raster


def _no_tiles() -> B:
    return np.zeros((NLAT // TILE, NLON // TILE), dtype=np.bool_)


@nb.njit(cache=True, inline="always")
def _unit(lon: float, lat: float) -> tuple[float, float, float]:
    lo = math.radians(lon)
    la = math.radians(lat)
    return math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)


@nb.njit(cache=True, inline="always")
def _centre(i: int, j: int) -> tuple[float, float]:
    return -180.0 + ((j % NLON) + 0.5) * CELL, -90.0 + (i + 0.5) * CELL


@nb.njit(cache=True, inline="always")
def _sea(raster: F32, i: int, j: int, tol: float) -> bool:
    if i < 0 or i >= NLAT:
        return False
    return raster[i, j % NLON] >= -tol  # NaN (never the case once built) is land


@nb.njit(cache=True, parallel=True)
def _walk(
    lo1: F64,
    la1: F64,
    lo2: F64,
    la2: F64,
    step_m: float,
    buffer_m: float,
    raster: F32,
    need: B,
    tol: float,
    mark: bool,
) -> B:
    """Sample each leg; ``mark``: flag the tiles sampled in ``need``; else test the raster.

    Samples sit every ``length / ns`` along the great circle, rotated step by step from the
    start (one rotation per sample: no trigonometry but the final lon/lat); values are
    bilinear between cell centres.
    """
    n = lo1.size
    clear = np.ones(n, dtype=np.bool_)
    for k in nb.prange(n):
        if not (
            math.isfinite(lo1[k])
            and math.isfinite(la1[k])
            and math.isfinite(lo2[k])
            and math.isfinite(la2[k])
        ):
            clear[k] = False
            continue
        x1, y1, z1 = _unit(lo1[k], la1[k])
        x2, y2, z2 = _unit(lo2[k], la2[k])
        dot = min(max(x1 * x2 + y1 * y2 + z1 * z2, -1.0), 1.0)
        om = math.acos(dot)
        length = om * EARTH_RADIUS_M
        ns = math.ceil(length / step_m)
        tx, ty, tz = x2 - dot * x1, y2 - dot * y1, z2 - dot * z1
        tn = math.sqrt(tx * tx + ty * ty + tz * tz)
        if ns < 2 or tn < 1e-15:
            continue
        tx, ty, tz = tx / tn, ty / tn, tz / tn
        cd, sd = math.cos(om / ns), math.sin(om / ns)
        c, sn = 1.0, 0.0
        for s in range(1, ns):
            c, sn = c * cd - sn * sd, sn * cd + c * sd
            d = s * length / ns
            if d < buffer_m or length - d < buffer_m:
                continue
            x, y, z = c * x1 + sn * tx, c * y1 + sn * ty, c * z1 + sn * tz
            fi = (math.degrees(math.asin(min(max(z, -1.0), 1.0))) + 90.0) / CELL - 0.5
            fj = (math.degrees(math.atan2(y, x)) + 180.0) / CELL - 0.5
            fi = min(max(fi, 0.0), NLAT - 1.000001)
            i, j = math.floor(fi), math.floor(fj)
            u, v = fi - i, fj - j
            j, j1 = j % NLON, (j + 1) % NLON
            if mark:
                for ii in (i, i + 1):
                    need[ii // TILE, j // TILE] = True
                    need[ii // TILE, j1 // TILE] = True
                continue
            val = (1.0 - u) * ((1.0 - v) * raster[i, j] + v * raster[i, j1]) + u * (
                (1.0 - v) * raster[i + 1, j] + v * raster[i + 1, j1]
            )
            if val < -tol:
                clear[k] = False
                break
    return clear


def legs_at_sea(
    lo1: F64, la1: F64, lo2: F64, la2: F64, step_m: float, buffer_m: float, tol_km: float
) -> B:
    """Whether each great-circle leg's samples (outside the end buffers) are all at sea."""
    need = _no_tiles()
    _walk(
        lo1, la1, lo2, la2, step_m, buffer_m, np.zeros((1, 1), dtype=np.float32), need, tol_km, True
    )
    raster = sea_raster(need)
    return np.asarray(_walk(lo1, la1, lo2, la2, step_m, buffer_m, raster, need, tol_km, False))


# --------------------------------------------------------------------------- local sea grids


@nb.njit(cache=True)
def _half_sizes(lat: F64, radius_m: F64) -> tuple[I64, I64]:
    n = lat.size
    hh = np.empty(n, dtype=np.int64)
    hw = np.empty(n, dtype=np.int64)
    for k in range(n):
        h = math.ceil(radius_m[k] / CELL_M) + 3
        top = min(abs(lat[k]) + (h + 1) * CELL, 89.9)
        w = math.ceil(radius_m[k] / (CELL_M * math.cos(math.radians(top)))) + 3
        hh[k] = h
        hw[k] = min(w, NLON // 2 - 1)
    return hh, hw


@nb.njit(cache=True)
def _mark(lon: F64, lat: F64, hh: I64, hw: I64, need: B) -> None:
    for k in range(lon.size):
        ci = math.floor((lat[k] + 90.0) / CELL)
        cj = math.floor((lon[k] + 180.0) / CELL)
        for i in range(max(ci - hh[k], 0), min(ci + hh[k], NLAT - 1) + 1, TILE // 2):
            for j in range(cj - hw[k], cj + hw[k] + 1, TILE // 2):
                need[i // TILE, (j % NLON) // TILE] = True
        for i in (max(ci - hh[k], 0), min(ci + hh[k], NLAT - 1)):
            for j in (cj - hw[k], cj + hw[k]):
                need[i // TILE, (j % NLON) // TILE] = True


@nb.njit(cache=True)
def _window(
    raster: F32,
    tlon: float,
    tlat: float,
    h: int,
    w: int,
    tol: float,
    buffer_m: float,
    limit_m: float,
    qlon: F64,
    qlat: F64,
) -> tuple[F64, I64, int, int]:
    """Dijkstra over the sea cells of the window centred on the target's cell.

    Stops early once every cell that a query point reads (:func:`_read`) is settled: those
    distances are final, so the result equals a full run's.
    """
    ci = math.floor((tlat + 90.0) / CELL)
    cj = math.floor((tlon + 180.0) / CELL)
    hgt, wid = 2 * h + 1, 2 * w + 1
    i0, j0 = ci - h, cj - w
    dist = np.full(hgt * wid, np.inf)
    pred = np.full(hgt * wid, -1, dtype=np.int64)
    sea = np.zeros(hgt * wid, dtype=np.bool_)
    for wi in range(hgt):
        for wj in range(wid):
            sea[wi * wid + wj] = _sea(raster, i0 + wi, j0 + wj, tol)
    want = np.zeros(hgt * wid, dtype=np.bool_)
    remaining = 0
    for q in range(qlon.size):
        ai = math.floor((qlat[q] + 90.0) / CELL) - i0
        aj = (math.floor((qlon[q] + 180.0) / CELL) - j0) % NLON
        for wi in range(max(ai - 2, 0), min(ai + 3, hgt)):
            for wj in range(max(aj - 2, 0), min(aj + 3, wid)):
                k = wi * wid + wj
                if sea[k] and not want[k]:
                    want[k] = True
                    remaining += 1
    steps = np.empty((hgt, 16))
    for wi in range(hgt):
        lo, la = _centre(i0 + wi, 0)
        for n in range(16):
            lo2, la2 = _centre(i0 + wi + _DI[n], _DJ[n])
            steps[wi, n] = haversine_m_scalar(lo, la, lo2, la2)
    heap = [(0.0, 0)]
    heap.pop()
    # sources: sea cells within buffer_m of the target, else the nearest within 3 cells
    best, best_k = np.inf, -1
    for wi in range(h - 3, h + 4):
        for wj in range(w - 3, w + 4):
            k = wi * wid + wj
            if not sea[k]:
                continue
            lo, la = _centre(i0 + wi, j0 + wj)
            d = haversine_m_scalar(tlon, tlat, lo, la)
            if d <= buffer_m:
                dist[k] = d
                heapq.heappush(heap, (d, k))
            elif d < best:
                best, best_k = d, k
    if len(heap) == 0 and best_k >= 0:
        dist[best_k] = best
        heapq.heappush(heap, (best, best_k))
    while len(heap) > 0 and remaining > 0:
        d, k = heapq.heappop(heap)
        if d > dist[k]:
            continue
        if want[k]:
            want[k] = False
            remaining -= 1
        wi, wj = k // wid, k % wid
        for n in range(16):
            di, dj = _DI[n], _DJ[n]
            ni, nj = wi + di, wj + dj
            if ni < 0 or ni >= hgt or nj < 0 or nj >= wid:
                continue
            nk = ni * wid + nj
            if not sea[nk]:
                continue
            if n >= 12:  # knight's move over two rows: both cells of the middle row
                mid = (wi + di // 2) * wid
                if not (sea[mid + wj] and sea[mid + nj]):
                    continue
            elif n >= 8:  # knight's move over two columns: the middle column in both rows
                mj = wj + dj // 2
                if not (sea[wi * wid + mj] and sea[ni * wid + mj]):
                    continue
            elif n >= 4 and not (sea[ni * wid + wj] and sea[wi * wid + nj]):  # diagonal
                continue
            nd = d + steps[wi, n]
            if nd < dist[nk] and nd <= limit_m:
                dist[nk] = nd
                pred[nk] = k
                heapq.heappush(heap, (nd, nk))
    return dist, pred, i0, j0


@nb.njit(cache=True, inline="always")
def _read(
    dist: F64, i0: int, j0: int, hgt: int, wid: int, lon: float, lat: float
) -> tuple[float, int]:
    """Best distance at a point from the reached cells within 2 cells of it, and that cell."""
    ai = math.floor((lat + 90.0) / CELL)
    aj = math.floor((lon + 180.0) / CELL)
    dj0 = (aj - j0) % NLON  # column offset in the window, across the antimeridian
    best, best_k = np.inf, -1
    for di in range(-2, 3):
        for dj in range(-2, 3):
            wi, wj = ai - i0 + di, dj0 + dj
            if wi < 0 or wi >= hgt or wj < 0 or wj >= wid:
                continue
            k = wi * wid + wj
            if not math.isfinite(dist[k]):
                continue
            lo, la = _centre(i0 + wi, j0 + wj)
            d = dist[k] + haversine_m_scalar(lon, lat, lo, la)
            if d < best:
                best, best_k = d, k
    return best, best_k


@nb.njit(cache=True, parallel=True)
def _grid_pairs(
    raster: F32,
    tlon: F64,
    tlat: F64,
    hh: I64,
    hw: I64,
    starts: I64,
    plon: F64,
    plat: F64,
    tol: float,
    buffer_m: float,
    limit_m: F64,
) -> F64:
    out = np.full(plon.size, np.inf)
    for t in nb.prange(tlon.size):
        a, b = starts[t], starts[t + 1]
        if a == b:
            continue
        lim = limit_m[t]
        qlon, qlat = plon[a:b], plat[a:b]
        dist, _, i0, j0 = _window(
            raster, tlon[t], tlat[t], hh[t], hw[t], tol, buffer_m, lim, qlon, qlat
        )
        for p in range(a, b):
            out[p] = _read(dist, i0, j0, 2 * hh[t] + 1, 2 * hw[t] + 1, plon[p], plat[p])[0]
    return out


def grid_distances(
    tlon: F64,
    tlat: F64,
    starts: I64,
    plon: F64,
    plat: F64,
    radius_m: F64,
    limit_m: F64,
    tol_km: float,
    buffer_m: float,
) -> F64:
    """Sea-grid distance for pairs grouped by target: target ``t``'s points are
    ``plon[starts[t]:starts[t+1]]``. ``inf`` where no path of sea cells inside the window
    (half-size ``radius_m[t]`` around the target) and at most ``limit_m[t]`` long joins them."""
    hh, hw = _half_sizes(tlat, radius_m)
    need = _no_tiles()
    _mark(tlon, tlat, hh, hw, need)
    raster = sea_raster(need)
    return np.asarray(
        _grid_pairs(raster, tlon, tlat, hh, hw, starts, plon, plat, tol_km, buffer_m, limit_m)
    )


def grid_path(
    tlon: float,
    tlat: float,
    lon: float,
    lat: float,
    radius_m: float,
    tol_km: float,
    buffer_m: float,
) -> tuple[float, list[tuple[float, float]]]:
    """Grid distance from a point to a target and the cell centres on the way (point first)."""
    t_lon, t_lat = np.array([tlon]), np.array([tlat])
    hh, hw = _half_sizes(t_lat, np.array([radius_m]))
    need = _no_tiles()
    _mark(t_lon, t_lat, hh, hw, need)
    raster = sea_raster(need)
    h, w = int(hh[0]), int(hw[0])
    qlon, qlat = np.array([lon]), np.array([lat])
    dist, pred, i0, j0 = _window(raster, tlon, tlat, h, w, tol_km, buffer_m, np.inf, qlon, qlat)
    d, k = _read(dist, i0, j0, 2 * h + 1, 2 * w + 1, lon, lat)
    cells: list[tuple[float, float]] = []
    while k >= 0:
        x, y = _centre(i0 + k // (2 * w + 1), j0 + k % (2 * w + 1))
        cells.append((round(x, 6), round(y, 6)))
        k = int(pred[k])
    return float(d), cells
