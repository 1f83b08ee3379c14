"""Distance from shore, from the GSHHG coastline grid shipped inside the ``landmetrics`` package.

The grid is the bundled 0.1-degree one (all islands, ``min_island_area_km2=0``): values are
kilometres to the nearest coastline, negative on land, bilinearly interpolated. Its resolution
(about 11 km) bounds the precision near the coast: a point 2 km off a jagged coast may read
0-10 km. Every definition that uses it compares against thresholds of 10 km or more (GFW's
loitering 20 nm, likely-disabled gaps 50 nm), where that error is small. Nothing is downloaded:
``landmetrics`` opens the file it ships.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["distance_from_shore_km"]

_LOCK = threading.Lock()
_GRID: Any = None


def _grid() -> Any:
    global _GRID
    with _LOCK:
        if _GRID is None:
            import landmetrics

            _GRID = landmetrics.open_distance_to_land(
                resolution_deg=0.1, min_island_area_km2=0.0, download=False
            )
        return _GRID


def distance_from_shore_km(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Kilometres from the nearest coastline for each point (negative on land, NaN for NaN)."""
    lo = np.asarray(lon, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    out = np.full(lo.shape, np.nan)
    ok = np.isfinite(lo) & np.isfinite(la)
    if ok.any():
        grid = _grid()
        with _LOCK:
            out[ok] = np.asarray(grid.query(la[ok], lo[ok]), dtype=np.float64)
    return out
