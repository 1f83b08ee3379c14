"""Vessel identities from static reports, with when each was first and last seen.

An *identity* is one combination of (``mmsi``, ``imo``, ``shipname``, ``callsign``,
``ship_type``, ``to_bow_m``, ``to_stern_m``, ``to_port_m``, ``to_starboard_m``).

AIS spreads these fields over several messages: type 5 carries them all; type 19 has no IMO
and no call sign; type 24 sends the name in part A and the call sign, type and dimensions in
part B. They are combined per MMSI, in time order, with one simple rule: **each field keeps the
last value reported for that MMSI** (a null, whether "not in this message" or "not available",
never erases a known value); fields not yet reported at an MMSI's first messages take the first
value reported later. Each static message then yields the identity the vessel had at that
moment, and identical identities are counted together.

Consequences, worth knowing when reading the table: a renamed vessel shows a new identity from
its first message under the new name; two transmitters sharing one MMSI (spoofing, a reused
number) alternate and show as several identities of that MMSI, each with its own first and last
seen. Rows without a timestamp come after the timed rows of their MMSI and do not move
``first_seen``/``last_seen``.

Provenance: ``first_source_id``/``first_line`` name the identity's earliest message,
``last_source_id``/``last_line`` its latest one (the last untimed one if none is timed).
"""

from __future__ import annotations

import polars as pl

from ..schema import STATICS, UTC

__all__ = ["IDENTITIES", "IDENTITY_FIELDS", "identities"]

IDENTITY_FIELDS: tuple[str, ...] = (
    "imo",
    "shipname",
    "callsign",
    "ship_type",
    "to_bow_m",
    "to_stern_m",
    "to_port_m",
    "to_starboard_m",
)

#: Schema of :func:`identities`' result.
IDENTITIES: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    **{name: STATICS[name] for name in IDENTITY_FIELDS},
    "first_seen": UTC,
    "last_seen": UTC,
    "messages": pl.Int64(),
    "first_source_id": pl.String(),
    "first_line": pl.Int64(),
    "last_source_id": pl.String(),
    "last_line": pl.Int64(),
}


def _last_timed(name: str) -> pl.Expr:
    """The value of the latest timed row of the group, or of its last row if none is timed."""
    timed = pl.col("timestamp").is_not_null()
    return pl.coalesce(pl.col(name).filter(timed).last(), pl.col(name).last())


def identities(statics: pl.LazyFrame) -> pl.LazyFrame:
    """Identities of ``statics`` (sorted by mmsi, timestamp with nulls last, source_id, line),
    one row each, sorted by mmsi and first seen. See the module docstring for the rule."""
    fields = list(IDENTITY_FIELDS)
    filled = statics.select(
        "mmsi",
        "timestamp",
        "source_id",
        "line",
        *[pl.col(f).forward_fill().backward_fill().over("mmsi") for f in fields],
    )
    grouped = filled.group_by(["mmsi", *fields], maintain_order=True).agg(
        first_seen=pl.col("timestamp").min(),
        last_seen=pl.col("timestamp").max(),
        messages=pl.len().cast(pl.Int64),
        first_source_id=pl.col("source_id").first(),
        first_line=pl.col("line").first(),
        last_source_id=_last_timed("source_id"),
        last_line=_last_timed("line"),
    )
    return grouped.select(list(IDENTITIES)).sort(
        ["mmsi", "first_seen", "first_source_id", "first_line"],
        nulls_last=True,
        maintain_order=True,
    )
