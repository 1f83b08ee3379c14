"""Screening: vessels seen in AIS against sanctions lists and watchlists, and identity history.

The public API (each name is documented where it is defined):

* identity history: :func:`identity_history` (spans per MMSI, MMSIs per IMO, identity flags;
  the flags' Definitions are in :mod:`darkfleet.screening.history` and ``docs/screening.md``),
  :class:`IdentityHistory`, :class:`HistoryRules`, :data:`FLAG_TYPES`,
  :func:`identities_from_statics`;
* watchlists: :func:`load_watchlist`, :class:`Watchlist`;
* list matching: :func:`screen`, :class:`MatchRules`;
* against a store: :func:`screen_store` (screen and save), :class:`ScreenResult`,
  :func:`load_matches`, :func:`save_matches`, :func:`vessel_dossier`,
  :func:`dossier_from_frames`, :class:`Dossier`;
* table schemas: :data:`IDENTITIES`, :data:`MATCHES`, :data:`SPANS`, :data:`IMO_MMSIS`,
  :data:`IDENTITY_FLAGS`.
"""

from __future__ import annotations

from .findings import (
    Dossier,
    ScreenResult,
    dossier_from_frames,
    load_matches,
    save_matches,
    screen_store,
    vessel_dossier,
)
from .history import (
    FLAG_TYPES,
    HistoryRules,
    IdentityHistory,
    identities_from_statics,
    identity_history,
)
from .match import MatchRules, screen
from .schema import IDENTITIES, IDENTITY_FLAGS, IMO_MMSIS, MATCHES, SPANS
from .watchlist import Watchlist, load_watchlist

__all__ = [
    "FLAG_TYPES",
    "IDENTITIES",
    "IDENTITY_FLAGS",
    "IMO_MMSIS",
    "MATCHES",
    "SPANS",
    "Dossier",
    "HistoryRules",
    "IdentityHistory",
    "MatchRules",
    "ScreenResult",
    "Watchlist",
    "dossier_from_frames",
    "identities_from_statics",
    "identity_history",
    "load_matches",
    "load_watchlist",
    "save_matches",
    "screen",
    "screen_store",
    "vessel_dossier",
]
