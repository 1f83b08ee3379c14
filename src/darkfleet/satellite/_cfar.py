"""Numba kernels of the CFAR detector: ring statistics from integral images, in one pass.

:func:`cfar_mask` is the hot path of :func:`darkfleet.satellite.sar.detect_scene`; the test
suite checks it against a brute-force reference (:func:`cfar_reference`), written as plainly
as possible.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

__all__ = ["cfar_mask", "cfar_reference"]

F32 = npt.NDArray[np.float32]
B = npt.NDArray[np.bool_]


@nb.njit(cache=True, nogil=True)
def _integrals(
    img: F32, valid: B
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int32]]:
    """Integral images (one extra zero row/column) of x, x² and the valid count."""
    h, w = img.shape
    s1 = np.zeros((h + 1, w + 1), np.float64)
    s2 = np.zeros((h + 1, w + 1), np.float64)
    n = np.zeros((h + 1, w + 1), np.int32)
    for i in range(h):
        r1 = 0.0
        r2 = 0.0
        rn = 0
        for j in range(w):
            if valid[i, j]:
                v = np.float64(img[i, j])
                r1 += v
                r2 += v * v
                rn += 1
            s1[i + 1, j + 1] = s1[i, j + 1] + r1
            s2[i + 1, j + 1] = s2[i, j + 1] + r2
            n[i + 1, j + 1] = n[i, j + 1] + rn
    return s1, s2, n


@nb.njit(cache=True, nogil=True)
def cfar_mask(
    img: F32,
    valid: B,
    inner: int,
    outer: int,
    n_sigma: float,
    min_ring: int,
    min_ring_mean: float,
) -> tuple[B, F32]:
    """Two-parameter CFAR with a square ring window.

    A valid pixel is *bright* when ``x > mean + n_sigma * std`` of the valid pixels in the
    ring between the square of half-side ``outer`` and the square of half-side ``inner``
    (pixels; the inner square is the guard area and excludes the target itself), provided the
    ring holds at least ``min_ring`` valid pixels and its mean is above ``min_ring_mean``.
    Windows are clipped at the array's edges. Returns the mask and, for every bright pixel,
    its excess in ring standard deviations ``(x - mean) / std`` (0 elsewhere).
    """
    h, w = img.shape
    s1, s2, n = _integrals(img, valid)
    out = np.zeros((h, w), np.bool_)
    z = np.zeros((h, w), np.float32)
    for i in range(h):
        oi0 = max(i - outer, 0)
        oi1 = min(i + outer + 1, h)
        ii0 = max(i - inner, 0)
        ii1 = min(i + inner + 1, h)
        for j in range(w):
            if not valid[i, j]:
                continue
            oj0 = max(j - outer, 0)
            oj1 = min(j + outer + 1, w)
            ij0 = max(j - inner, 0)
            ij1 = min(j + inner + 1, w)
            cnt = (n[oi1, oj1] - n[oi0, oj1] - n[oi1, oj0] + n[oi0, oj0]) - (
                n[ii1, ij1] - n[ii0, ij1] - n[ii1, ij0] + n[ii0, ij0]
            )
            if cnt < min_ring:
                continue
            a = (s1[oi1, oj1] - s1[oi0, oj1] - s1[oi1, oj0] + s1[oi0, oj0]) - (
                s1[ii1, ij1] - s1[ii0, ij1] - s1[ii1, ij0] + s1[ii0, ij0]
            )
            b = (s2[oi1, oj1] - s2[oi0, oj1] - s2[oi1, oj0] + s2[oi0, oj0]) - (
                s2[ii1, ij1] - s2[ii0, ij1] - s2[ii1, ij0] + s2[ii0, ij0]
            )
            mean = a / cnt
            if mean <= min_ring_mean:
                continue
            var = b / cnt - mean * mean
            std = np.sqrt(var) if var > 0.0 else 0.0
            x = np.float64(img[i, j])
            if x > mean + n_sigma * std and std > 0.0:
                out[i, j] = True
                z[i, j] = np.float32((x - mean) / std)
    return out, z


def cfar_reference(img: F32, valid: B, inner: int, outer: int, n_sigma: float, min_ring: int) -> B:
    """The same rule as :func:`cfar_mask`, pixel by pixel in plain Python (tests only)."""
    h, w = img.shape
    out = np.zeros((h, w), np.bool_)
    for i in range(h):
        for j in range(w):
            if not valid[i, j]:
                continue
            vals = []
            for a in range(max(i - outer, 0), min(i + outer + 1, h)):
                for b in range(max(j - outer, 0), min(j + outer + 1, w)):
                    if abs(a - i) <= inner and abs(b - j) <= inner:
                        continue
                    if valid[a, b]:
                        vals.append(float(img[a, b]))
            if len(vals) < min_ring:
                continue
            arr = np.asarray(vals)
            mean, std = arr.mean(), arr.std()
            out[i, j] = bool(img[i, j] > mean + n_sigma * std and std > 0 and mean > 0)
    return out
