"""Per-vessel kernels: pure functions over one vessel's time-sorted positions.

Start from :func:`.prepare.prepare_tracks`; every kernel takes the track frame (or a
segmented one) and returns an event table whose first columns are
:data:`darkfleet.events.BASE`. No I/O, no engine imports.
"""

from __future__ import annotations

from .prepare import TRACK, epoch_seconds, prepare_tracks, vessel_offsets

__all__ = ["TRACK", "epoch_seconds", "prepare_tracks", "vessel_offsets"]
