"""A 1 km sea/land mask of the Sea of Japan region, cut from ``global_land_mask``.

``global_land_mask`` (MIT; data: NOAA GLOBE, public domain) decompresses a 1 GB world mask on
import (about 5 s here). The simulator's default region is cut out once by :func:`build` into
``sea_mask_japan_sea.npz`` (30 kB, lon 126-144 E, lat 32-50 N, 1/120 degree cells, bit-packed)
and read from there; points outside it fall back to ``global_land_mask`` itself.
"""

from __future__ import annotations

import functools
import math
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["build", "is_sea_point", "sea_mask"]

_FILE = "sea_mask_japan_sea.npz"
_CELLS = 120  # global_land_mask: 21600 x 43200 cells, row 0 = 90 N, column 0 = 180 W


@functools.cache
def _regional(margin: int = 0) -> tuple[npt.NDArray[np.bool_], int, int]:
    if margin:
        from scipy.ndimage import binary_erosion

        mask, r0, c0 = _regional(0)
        return binary_erosion(mask, iterations=margin, border_value=1), r0, c0
    path = resources.files("darkfleet.simulate") / _FILE
    with resources.as_file(path) as p, np.load(p) as data:
        shape = tuple(int(v) for v in data["shape"])
        mask = np.unpackbits(data["sea"], axis=1, count=shape[1]).astype(np.bool_)
        r0, c0 = (int(v) for v in data["origin"])
    return mask, r0, c0


def sea_mask(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], margin: int = 0
) -> npt.NDArray[np.bool_]:
    """True where the 1 km mask says sea (same cells as ``global_land_mask.globe.is_ocean``).

    ``margin`` > 0: true only where the sea reaches ``margin`` cells further in every
    direction (the mask eroded; outside the regional cut always false).
    """
    mask, r0, c0 = _regional(margin)
    row = np.floor((90.0 - np.clip(lat, -89.999, 89.999)) * _CELLS).astype(np.int64) - r0
    col = np.floor(((lon + 180.0) % 360.0) * _CELLS).astype(np.int64) - c0
    inside = (row >= 0) & (row < mask.shape[0]) & (col >= 0) & (col < mask.shape[1])
    out = np.zeros(lon.shape, np.bool_)
    out[inside] = mask[row[inside], col[inside]]
    if margin == 0 and not inside.all():
        try:
            from global_land_mask import globe
        except ImportError as err:
            from ..errors import ConfigError

            raise ConfigError(
                "simulate: a route or spot lies outside the bundled Sea of Japan land mask "
                "(126-144 E, 32-50 N); install the global-land-mask package for other seas."
            ) from err

        la = np.clip(lat[~inside], -89.999, 89.999)
        lo = (lon[~inside] + 180.0) % 360.0 - 180.0
        out[~inside] = np.asarray(globe.is_ocean(la, lo), np.bool_)
    return out


def is_sea_point(lon: float, lat: float) -> bool:
    """:func:`sea_mask` for one point (no array overhead; used in per-step loops)."""
    mask, r0, c0 = _regional(0)
    row = math.floor((90.0 - lat) * _CELLS) - r0
    col = math.floor(((lon + 180.0) % 360.0) * _CELLS) - c0
    if 0 <= row < mask.shape[0] and 0 <= col < mask.shape[1]:
        return bool(mask[row, col])
    return bool(sea_mask(np.array([lon]), np.array([lat]))[0])


def build(path: str | Path, bbox: tuple[float, float, float, float] = (126, 32, 144, 50)) -> None:
    """Cut ``bbox`` (lon_min, lat_min, lon_max, lat_max) out of global_land_mask into ``path``."""
    from global_land_mask import globe

    r0, r1 = int((90 - bbox[3]) * _CELLS), int((90 - bbox[1]) * _CELLS)
    c0, c1 = int((bbox[0] + 180) * _CELLS), int((bbox[2] + 180) * _CELLS)
    m = globe._mask[r0:r1, c0:c1]
    np.savez_compressed(
        path,
        sea=np.packbits(m, axis=1),
        shape=np.array(m.shape),
        origin=np.array([r0, c0]),
        cells_per_degree=np.array(_CELLS),
    )
