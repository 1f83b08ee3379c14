"""Numba kernels of :mod:`darkfleet.fleet.encounters`: grid resampling and close pairs.

Pure functions over whole arrays (no I/O, no Polars): reports sorted by (segment, time) in
microseconds; grid slot k is the instant ``k * step``. See the encounters Definition.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import numpy.typing as npt

from ..geo import EARTH_RADIUS_M
from ..geo.distance import haversine_m_scalar

__all__ = ["close_pairs", "fill_block", "merge_groups", "slot_counts", "slot_ranges"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@nb.njit(cache=True)
def slot_ranges(t: I64, seg: I64, step: int, max_gap: int) -> tuple[I64, I64]:
    """First grid slot and slot count of each interval (i, i+1) inside one segment.

    A slot k (time k*step) belongs to interval i when t[i] < k*step <= t[i+1]; a slot exactly
    on the first report of a chain of valid intervals belongs to that chain's first interval.
    """
    n = t.size
    first = np.zeros(n, np.int64)
    count = np.zeros(n, np.int64)
    prev_valid = False
    for i in range(n - 1):
        dt = t[i + 1] - t[i]
        valid = seg[i] == seg[i + 1] and dt > 0 and dt < max_gap
        if valid:
            a = t[i] // step
            lo = a if (t[i] - a * step == 0 and not prev_valid) else a + 1
            hi = t[i + 1] // step
            first[i] = lo
            count[i] = max(0, hi - lo + 1)
        prev_valid = valid
    return first, count


@nb.njit(cache=True)
def slot_counts(first: I64, count: I64, smin: int, nslots: int) -> I64:
    """Number of resampled positions at each slot."""
    out = np.zeros(nslots, np.int64)
    for i in range(first.size):
        for k in range(count[i]):
            out[first[i] - smin + k] += 1
    return out


@nb.njit(cache=True, nogil=True)
def fill_block(
    t: I64, lon: F64, lat: F64, seg: I64, first: I64, count: I64, offsets: I64, s0: int, step: int
) -> F64:
    """Interpolated positions of slots s0 .. s0 + len(offsets) - 2, grouped by slot.

    Reads the reports in order and writes one packed row per position: lon, lat, interval
    (the report before), segment. Rows of a slot follow segment order.
    """
    s1 = s0 + offsets.size - 1
    fill = offsets[:-1].copy()
    out = np.empty((offsets[-1], 4), np.float64)
    for i in range(first.size):
        a = max(first[i], s0)
        b = min(first[i] + count[i], s1)
        if a >= b:
            continue
        dt = t[i + 1] - t[i]
        dl = lon[i + 1] - lon[i]
        dl = dl - 360.0 if dl > 180.0 else (dl + 360.0 if dl < -180.0 else dl)
        for sl in range(a, b):
            mix = (sl * step - t[i]) / dt
            lo = lon[i] + mix * dl
            lo = lo - 360.0 if lo >= 180.0 else (lo + 360.0 if lo < -180.0 else lo)
            r = fill[sl - s0]
            fill[sl - s0] += 1
            out[r, 0] = lo
            out[r, 1] = lat[i] + mix * (lat[i + 1] - lat[i])
            out[r, 2] = i
            out[r, 3] = seg[i]
    return out


@nb.njit(cache=True, nogil=True)
def close_pairs(
    offsets: I64, pts: F64, s0: int, seg_mmsi: I64, max_d: float, cap: int
) -> tuple[int, int, I64, I64, I64, F64, F64]:
    """Close pairs at every slot: (n_found, n_compared, slot, ia, ib, distance, positions).

    Positions of a slot are keyed (latitude row, quantised longitude) and sorted; each is
    compared with the rest of its row and the next row inside a longitude window of
    ``2*W`` (W bounds the longitude span of a ``max_d`` circle anywhere in the row), with
    wrap-around at the antimeridian. Two pointers sweep the windows: no search, no all-pairs.
    """
    delta = max_d / EARTH_RADIUS_M
    row_h = math.degrees(delta) * (1.0 + 1e-9)
    sin_d = math.sin(delta)
    full_q = np.int64(4294967295)  # quantised 360 degrees (low 32 bits of a key)
    scale = 4294967295.0 / 360.0
    out_i = np.empty((cap, 3), np.int64)  # slot, interval of a, interval of b
    out_f = np.empty((cap, 5), np.float64)  # distance, lon_a, lat_a, lon_b, lat_b
    width = 1
    for s in range(offsets.size - 1):
        width = max(width, offsets[s + 1] - offsets[s])
    key = np.empty(width, np.int64)
    sk = np.empty(width, np.int64)
    sx = np.empty(width, np.int64)
    slon = np.empty(width, np.float64)
    slat = np.empty(width, np.float64)
    siv = np.empty(width, np.int64)
    sseg = np.empty(width, np.int64)
    smm = np.empty(width, np.int64)
    found = 0
    compared = 0
    for s in range(offsets.size - 1):
        b0 = offsets[s]
        m = offsets[s + 1] - b0
        if m < 2:
            continue
        for j in range(m):
            row = np.int64(math.floor((pts[b0 + j, 1] + 90.0) / row_h))
            key[j] = (row << 32) + np.int64(math.floor((pts[b0 + j, 0] + 180.0) * scale))
        order = np.argsort(key[:m])
        for p in range(m):
            j = order[p]
            sk[p] = key[j] >> 32
            sx[p] = key[j] & full_q
            slon[p] = pts[b0 + j, 0]
            slat[p] = pts[b0 + j, 1]
            siv[p] = np.int64(pts[b0 + j, 2])
            sseg[p] = np.int64(pts[b0 + j, 3])
            smm[p] = seg_mmsi[sseg[p]]
        b = 0
        while b < m:
            r = sk[b]
            e = b + 1
            while e < m and sk[e] == r:
                e += 1
            n1 = e
            while n1 < m and sk[n1] == r + 1:
                n1 += 1
            edge = min(max(abs(r * row_h - 90.0), abs((r + 1) * row_h - 90.0)), 90.0)
            c = math.cos(math.radians(edge))
            full = c <= sin_d
            w = np.int64(0)
            if not full:
                w = np.int64(math.degrees(math.asin(sin_d / c)) * scale) + 2
                full = bool(2 * w >= full_q)
            ptr = e
            for p in range(b, e):
                x = sx[p]
                for part in range(5):
                    # 0: own row ahead; 1: own row across the antimeridian (from the end);
                    # 2: next row window; 3, 4: next row across the antimeridian
                    back = part == 1 or part == 3
                    if part == 0:
                        qa, qb, lim = p + 1, e, x + w
                    elif part == 1:
                        qa, qb, lim = p + 1, e, x + full_q - w
                        if full or x >= w:
                            continue
                    elif part == 2:
                        if not full:
                            while ptr < n1 and sx[ptr] < x - w:
                                ptr += 1
                        qa, qb, lim = ptr, n1, x + w
                    elif part == 3:
                        qa, qb, lim = e, n1, x - w + full_q
                        if full or x >= w:
                            continue
                    else:
                        qa, qb, lim = e, n1, x + w - full_q
                        if full or x + w <= full_q:
                            continue
                    for k in range(qb - qa):
                        q = qb - 1 - k if back else qa + k
                        if not full and (sx[q] < lim if back else sx[q] > lim):
                            break
                        if smm[p] == smm[q]:
                            continue
                        compared += 1
                        d = haversine_m_scalar(slon[p], slat[p], slon[q], slat[q])
                        if d <= max_d:
                            if found < cap:
                                ka, kb = (p, q) if sseg[p] < sseg[q] else (q, p)
                                out_i[found, 0] = s0 + s
                                out_i[found, 1] = siv[ka]
                                out_i[found, 2] = siv[kb]
                                out_f[found, 0] = d
                                out_f[found, 1] = slon[ka]
                                out_f[found, 2] = slat[ka]
                                out_f[found, 3] = slon[kb]
                                out_f[found, 4] = slat[kb]
                            found += 1
            b = e
    return found, compared, out_i[:, 0], out_i[:, 1], out_i[:, 2], out_f[:, 0], out_f[:, 1:]


@nb.njit(cache=True)
def merge_groups(pair: I64, start: I64, end: I64, gap: int) -> I64:
    """Group id per run (runs sorted by pair, start, end): new group at a gap >= ``gap``."""
    n = pair.size
    group = np.zeros(n, np.int64)
    g = -1
    latest = 0
    for i in range(n):
        if i == 0 or pair[i] != pair[i - 1] or start[i] - latest >= gap:
            g += 1
            latest = end[i]
        else:
            latest = max(latest, end[i])
        group[i] = g
    return group
