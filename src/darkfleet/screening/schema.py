"""Schemas of the screening tables (units in names, UTC timestamps, provenance columns).

:data:`IDENTITIES` — one row per distinct identity a vessel broadcast (the input contract of
:func:`~darkfleet.screening.screen`; ``store.identities()`` gives it, or
:func:`~darkfleet.screening.identities_from_statics` builds it from STATICS rows):
``mmsi, imo, callsign, shipname, ship_type, to_bow_m … to_starboard_m`` as in
:data:`darkfleet.schema.STATICS`; ``first_seen``/``last_seen`` (UTC) and ``messages`` (how many
static messages carried exactly this identity); ``source_id``/``line`` of the earliest one.

:data:`MATCHES` — one row per (identity, list entry) pair scoring at least the threshold:
the identity (``mmsi`` … ``messages``, ``imo_valid`` (the IMO passes the check digit; null
without IMO), ``flag`` from the MMSI's MID, ``length_m`` = to_bow +
to_stern), the entry (``list``, ``entry_id``, ``entry_name``, ``entry_type``, ``listing``,
``entry_imo``, ``entry_mmsi``, ``entry_flag``, ``programmes``), the decision (``score`` in
[0, 1], ``rules`` that fired, ``evidence``: ``(rule, points, detail)`` structs, ``explanation``:
the details joined in words), ``linked_parties`` (owners / "Linked To" with their own listings)
and provenance of both sides (``entry_source_id``/``entry_line``, ``ais_source_id``/``ais_line``).

:data:`SPANS` — identity history: per MMSI and attribute (``shipname``, ``callsign``, ``imo``,
``ship_type``, ``dimensions``, ``flag``), each run of one value over time.

:data:`IMO_MMSIS` — per IMO, every MMSI that broadcast it, with its flag and time span.

:data:`IDENTITY_FLAGS` — identity findings (renamed, reflagged, …; see
:mod:`darkfleet.screening.history`), each with its time span, a detail sentence and evidence.
"""

from __future__ import annotations

import polars as pl

from ..schema import UTC

__all__ = ["EVIDENCE", "IDENTITIES", "IDENTITY_FLAGS", "IMO_MMSIS", "MATCHES", "SPANS"]

IDENTITIES: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "callsign": pl.String(),
    "shipname": pl.String(),
    "ship_type": pl.Int16(),
    "to_bow_m": pl.Int16(),
    "to_stern_m": pl.Int16(),
    "to_port_m": pl.Int16(),
    "to_starboard_m": pl.Int16(),
    "first_seen": UTC,
    "last_seen": UTC,
    "messages": pl.Int64(),
    "source_id": pl.String(),
    "line": pl.Int64(),
}

EVIDENCE = pl.Struct({"rule": pl.String(), "points": pl.Float64(), "detail": pl.String()})

MATCHES: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "imo_valid": pl.Boolean(),
    "shipname": pl.String(),
    "callsign": pl.String(),
    "ship_type": pl.Int16(),
    "length_m": pl.Float64(),
    "flag": pl.String(),
    "first_seen": UTC,
    "last_seen": UTC,
    "messages": pl.Int64(),
    "list": pl.String(),
    "entry_id": pl.String(),
    "entry_name": pl.String(),
    "entry_type": pl.String(),
    "listing": pl.String(),
    "entry_imo": pl.List(pl.Int64()),
    "entry_mmsi": pl.List(pl.Int64()),
    "entry_flag": pl.String(),
    "programmes": pl.List(pl.String()),
    "score": pl.Float64(),
    "rules": pl.List(pl.String()),
    "evidence": pl.List(EVIDENCE),
    "explanation": pl.String(),
    "linked_parties": pl.List(pl.String()),
    "entry_source_id": pl.String(),
    "entry_line": pl.Int64(),
    "ais_source_id": pl.String(),
    "ais_line": pl.Int64(),
}

SPANS: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "attribute": pl.String(),
    "value": pl.String(),
    "first_seen": UTC,
    "last_seen": UTC,
    "messages": pl.Int64(),
    "source_id": pl.String(),
    "line": pl.Int64(),
}

IMO_MMSIS: dict[str, pl.DataType] = {
    "imo": pl.Int64(),
    "mmsi": pl.Int64(),
    "flag": pl.String(),
    "first_seen": UTC,
    "last_seen": UTC,
    "messages": pl.Int64(),
}

IDENTITY_FLAGS: dict[str, pl.DataType] = {
    "flag_type": pl.String(),
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "first_seen": UTC,
    "last_seen": UTC,
    "detail": pl.String(),
    "evidence": pl.List(pl.String()),
}
