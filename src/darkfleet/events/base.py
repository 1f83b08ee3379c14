"""Columns every event table starts with, and helpers for ids and provenance.

Every event row carries:

``event_id``    16 hex digits: SHA-256 of the event type and the columns that identify it
                (:func:`with_event_ids`); the same input and parameters give the same id.
``event_type``  ``gap``, ``port_visit``, ``encounter`` …
``mmsi``        the vessel (for two-vessel events, the smaller MMSI; the other is a column
                of the event's own schema).
``seg_id``      the track segment the event lies on (null where it spans segments).
``start_time``, ``end_time``  UTC; ``end_time`` null for an open event.
``duration_h``  hours, null for an open event.
``lon``, ``lat``  a representative point (start of a gap, centroid of a visit, …).
``evidence``    the input records the event rests on: a list of ``{source_id, line}``
                (first and last record, the records either side of a gap, …), so a report
                can show *why*.

Rows are always returned sorted by (``mmsi``, ``start_time``, ``event_id``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import polars as pl

from ..schema import UTC, conform

__all__ = [
    "BASE",
    "EVIDENCE",
    "EVIDENCE_ITEM",
    "conform_events",
    "evidence_from_columns",
    "with_event_ids",
]

EVIDENCE_ITEM = pl.Struct({"source_id": pl.String(), "line": pl.Int64()})
EVIDENCE = pl.List(EVIDENCE_ITEM)

BASE: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "event_type": pl.String(),
    "mmsi": pl.Int64(),
    "seg_id": pl.String(),
    "start_time": UTC,
    "end_time": UTC,
    "duration_h": pl.Float64(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "evidence": EVIDENCE,
}


def evidence_from_columns(*pairs: tuple[str, str]) -> pl.Expr:
    """An ``evidence`` expression from (source_id column, line column) pairs.

    Null pairs are dropped, so an open gap cites only its start record.
    """
    items = [
        pl.when(pl.col(s).is_not_null()).then(
            pl.struct(pl.col(s).alias("source_id"), pl.col(n).cast(pl.Int64).alias("line"))
        )
        for s, n in pairs
    ]
    return pl.concat_list(items).list.drop_nulls().cast(EVIDENCE).alias("evidence")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def with_event_ids(frame: pl.DataFrame, event_type: str, key: Sequence[str]) -> pl.DataFrame:
    """Add ``event_type`` and a deterministic ``event_id`` hashed from ``key`` columns.

    The id is the SHA-256 (first 16 hex digits) of ``event_type`` and the key columns'
    string forms joined with ``|``: stable across runs, machines and Polars versions (Polars'
    own ``hash`` is not guaranteed stable across versions, so it is not used).
    """
    if frame.height == 0:
        return frame.with_columns(
            pl.lit(event_type).alias("event_type"), pl.lit(None, pl.String).alias("event_id")
        )
    text = pl.concat_str(
        [pl.lit(event_type), *[pl.col(k).cast(pl.String).fill_null("") for k in key]],
        separator="|",
    )
    keys = frame.select(text.alias("k"))["k"].to_list()
    return frame.with_columns(
        pl.lit(event_type).alias("event_type"),
        pl.Series("event_id", [_digest(k) for k in keys], dtype=pl.String),
    )


def conform_events(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Bring ``frame`` to ``schema`` (which starts with :data:`BASE`) and sort it canonically."""
    out = conform(frame, schema)
    return out.sort(["mmsi", "start_time", "event_id"], nulls_last=True, maintain_order=True)
