"""Event tables: the common columns every event carries, and the registry of event types.

See :mod:`.base` for the columns (``event_id``, ``mmsi``, ``start_time`` … ``evidence``) and
the helpers that build deterministic ids and provenance lists.
"""

from __future__ import annotations

from .base import (
    BASE,
    EVIDENCE,
    EVIDENCE_ITEM,
    conform_events,
    evidence_from_columns,
    with_event_ids,
)

__all__ = [
    "BASE",
    "EVIDENCE",
    "EVIDENCE_ITEM",
    "conform_events",
    "evidence_from_columns",
    "with_event_ids",
]
