"""Satellite vessel detections: readers, the built-in SAR detector and synthetic scenes.

* :func:`read_detections`: provider files (KSAT/GFW RADARSAT-2 CSV and GeoJSON, xView3 CSV,
  generic GeoJSON points, canonical Parquet) into one :class:`DetectionSet`;
* :func:`detect_scene`: a two-parameter CFAR ship detector on a calibrated SAR GeoTIFF;
* :mod:`darkfleet.satellite.synthetic`: speckled SAR scenes with planted ships and their truth.

The canonical tables are in :mod:`darkfleet.satellite.schema`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema import DETECTION_REJECTS, DETECTIONS, SCENES, DetectionSet

__all__ = [
    "DETECTIONS",
    "DETECTION_REJECTS",
    "SCENES",
    "CfarConfig",
    "DetectionSet",
    "detect_scene",
    "read_detections",
    "write_detections",
]

if TYPE_CHECKING:
    from .readers import read_detections, write_detections
    from .sar import CfarConfig, detect_scene


def __getattr__(name: str) -> Any:  # lazy: rasterio/scipy load only when used
    if name in ("read_detections", "write_detections"):
        from . import readers

        return getattr(readers, name)
    if name in ("CfarConfig", "detect_scene"):
        from . import sar

        return getattr(sar, name)
    raise AttributeError(f"module 'darkfleet.satellite' has no attribute {name!r}")
