"""Cross-vessel analytics (encounters, port activity): partitioned by space-time buckets.

* :mod:`.encounters` — two vessels close, slow and long together (GFW pipe-encounters rule);
  positions bucketed per 10-minute slot and latitude row, never compared all against all.
* :mod:`.activity` — daily port activity from port visits, and surges (change points) in it.
"""

from __future__ import annotations

from .activity import (
    METRICS,
    PORT_ACTIVITY,
    SURGES,
    ActivityParams,
    detect_surges,
    port_activity,
)
from .encounters import ENCOUNTERS, EncounterParams, PortLookup, detect_encounters

__all__ = [
    "ENCOUNTERS",
    "METRICS",
    "PORT_ACTIVITY",
    "SURGES",
    "ActivityParams",
    "EncounterParams",
    "PortLookup",
    "detect_encounters",
    "detect_surges",
    "port_activity",
]
