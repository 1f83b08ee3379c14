"""Per-vessel kernels: pure functions over one vessel's time-sorted positions.

Start from :func:`.prepare.prepare_tracks`; every kernel takes the track frame (or the
segmented one) and returns an event table whose first columns are
:data:`darkfleet.events.BASE`. No I/O, no engine imports. Each module's docstring is the
Definition of its events (also in ``src/darkfleet/definitions/``).
"""

from __future__ import annotations

from .dark_calls import DARK_PORT_CALLS, DarkCallParams, detect_dark_port_calls
from .draught import DRAUGHT_CHANGES, DraughtParams, detect_draught_changes
from .gaps import GAPS, GapParams, detect_gaps
from .loitering import LOITERING, LoiterParams, detect_loitering
from .prepare import TRACK, epoch_seconds, prepare_tracks, vessel_offsets
from .segments import SEGMENTS, SegmentParams, segment_tracks, segments_table
from .visits import PORT_VISITS, VisitParams, detect_port_visits
from .voyages import (
    ROUND_TRIPS,
    VOYAGES,
    VoyageParams,
    detect_round_trips,
    detect_voyages,
    round_trip_counts,
)

__all__ = [
    "DARK_PORT_CALLS",
    "DRAUGHT_CHANGES",
    "GAPS",
    "LOITERING",
    "PORT_VISITS",
    "ROUND_TRIPS",
    "SEGMENTS",
    "TRACK",
    "VOYAGES",
    "DarkCallParams",
    "DraughtParams",
    "GapParams",
    "LoiterParams",
    "SegmentParams",
    "VisitParams",
    "VoyageParams",
    "detect_dark_port_calls",
    "detect_draught_changes",
    "detect_gaps",
    "detect_loitering",
    "detect_port_visits",
    "detect_round_trips",
    "detect_voyages",
    "epoch_seconds",
    "prepare_tracks",
    "round_trip_counts",
    "segment_tracks",
    "segments_table",
    "vessel_offsets",
]
