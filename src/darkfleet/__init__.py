"""darkfleet: maritime intelligence from AIS, satellite detections and sanctions lists."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
