"""Geodesy and geography helpers shared by the track and fleet kernels.

* :mod:`.distance` — great-circle distances (numba scalar + vectorised numpy), bearings,
  interpolation; all in metres / degrees, WGS84 sphere of radius :data:`EARTH_RADIUS_M`.
* :mod:`.shore` — distance from shore in kilometres from the GSHHG grid the ``landmetrics``
  package ships (0.1 degree, bundled: nothing downloaded).
"""

from __future__ import annotations

from .distance import (
    EARTH_RADIUS_M,
    KNOT_MPS,
    METRES_PER_NM,
    haversine_m,
    haversine_m_scalar,
    initial_bearing_deg,
    unit_vectors,
)
from .shore import distance_from_shore_km

__all__ = [
    "EARTH_RADIUS_M",
    "KNOT_MPS",
    "METRES_PER_NM",
    "distance_from_shore_km",
    "haversine_m",
    "haversine_m_scalar",
    "initial_bearing_deg",
    "unit_vectors",
]
