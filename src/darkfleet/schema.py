"""Canonical table schemas: one place that says what every table holds.

Conventions (see ``DESIGN.md``):

* units live in column names (``sog_kn``, ``draught_m``, ``cog_deg``); ``lon``/``lat`` are
  WGS84 decimal degrees;
* ``timestamp`` is ``Datetime("us", "UTC")`` and is null when the input carried no time (it is
  never invented);
* AIS "not available" sentinels (lon 181, lat 91, SOG 102.3, COG 360, heading 511, draught 0,
  IMO 0, empty text ...) are nulls;
* every row carries its provenance: ``source_id`` (first 16 hex digits of the SHA-256 of the
  input file's bytes) and ``line`` (1-based line number of the record, for multipart AIS
  messages the line of the first fragment).

Tables move between stages as Polars frames that :func:`conform` brings to exactly these
columns, in this order, with these types.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = [
    "AIDS_TO_NAVIGATION",
    "BASE_STATIONS",
    "OTHER_MESSAGES",
    "POSITIONS",
    "PROVENANCE",
    "REJECTS",
    "STATICS",
    "TABLES",
    "UTC",
    "conform",
    "empty",
]

UTC = pl.Datetime("us", "UTC")

#: Columns every record table starts with.
PROVENANCE: dict[str, pl.DataType] = {
    "source_id": pl.String(),
    "line": pl.Int64(),
    "timestamp": UTC,
}

_AIS_HEAD: dict[str, pl.DataType] = {
    **PROVENANCE,
    "mmsi": pl.Int64(),
    "msg_type": pl.Int8(),
    "repeat": pl.Int8(),
    "channel": pl.String(),
}

#: Position reports: AIS types 1, 2, 3 (class A), 18, 19 (class B), 27 (long range);
#: also rows from tabular sources (NOAA, DMA, Spire, user CSV/Parquet), where ``msg_type``
#: is null unless the source says it.
POSITIONS: dict[str, pl.DataType] = {
    **_AIS_HEAD,
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "sog_kn": pl.Float64(),
    "cog_deg": pl.Float64(),
    "heading_deg": pl.Int16(),
    "rot_deg_min": pl.Float64(),
    "nav_status": pl.Int8(),
    "position_accuracy": pl.Boolean(),
    "utc_second": pl.Int8(),
    "maneuver": pl.Int8(),
    "raim": pl.Boolean(),
    "radio_status": pl.Int32(),
}

#: Identity and voyage data: AIS types 5, 19 (static part) and 24 A/B; tabular sources.
STATICS: dict[str, pl.DataType] = {
    **_AIS_HEAD,
    "part_number": pl.Int8(),
    "ais_version": pl.Int8(),
    "imo": pl.Int64(),
    "callsign": pl.String(),
    "shipname": pl.String(),
    "ship_type": pl.Int16(),
    "to_bow_m": pl.Int16(),
    "to_stern_m": pl.Int16(),
    "to_port_m": pl.Int16(),
    "to_starboard_m": pl.Int16(),
    "epfd": pl.Int8(),
    "eta_month": pl.Int8(),
    "eta_day": pl.Int8(),
    "eta_hour": pl.Int8(),
    "eta_minute": pl.Int8(),
    "draught_m": pl.Float64(),
    "destination": pl.String(),
    "dte": pl.Boolean(),
    "vendor_id": pl.String(),
    "mothership_mmsi": pl.Int64(),
}

#: Base station reports (AIS types 4 and 11): the receiver-side UTC clock and position.
BASE_STATIONS: dict[str, pl.DataType] = {
    **_AIS_HEAD,
    "station_utc": UTC,
    "year": pl.Int16(),
    "month": pl.Int8(),
    "day": pl.Int8(),
    "hour": pl.Int8(),
    "minute": pl.Int8(),
    "second": pl.Int8(),
    "position_accuracy": pl.Boolean(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "epfd": pl.Int8(),
    "raim": pl.Boolean(),
    "radio_status": pl.Int32(),
}

#: Aid-to-navigation reports (AIS type 21).
AIDS_TO_NAVIGATION: dict[str, pl.DataType] = {
    **_AIS_HEAD,
    "aid_type": pl.Int8(),
    "name": pl.String(),
    "position_accuracy": pl.Boolean(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "to_bow_m": pl.Int16(),
    "to_stern_m": pl.Int16(),
    "to_port_m": pl.Int16(),
    "to_starboard_m": pl.Int16(),
    "epfd": pl.Int8(),
    "utc_second": pl.Int8(),
    "off_position": pl.Boolean(),
    "raim": pl.Boolean(),
    "virtual_aid": pl.Boolean(),
    "assigned": pl.Boolean(),
}

#: Every other AIS message type, kept whole: never dropped.
OTHER_MESSAGES: dict[str, pl.DataType] = {
    **_AIS_HEAD,
    "payload": pl.String(),
    "fill_bits": pl.Int8(),
    "fragments": pl.Int8(),
}

#: Input records that could not be used, with the reason. ``raw`` is the record's text.
REJECTS: dict[str, pl.DataType] = {
    "source_id": pl.String(),
    "line": pl.Int64(),
    "offset_bytes": pl.Int64(),
    "timestamp": UTC,
    "reason": pl.String(),
    "detail": pl.String(),
    "raw": pl.String(),
}

TABLES: dict[str, dict[str, pl.DataType]] = {
    "positions": POSITIONS,
    "statics": STATICS,
    "base_stations": BASE_STATIONS,
    "aids_to_navigation": AIDS_TO_NAVIGATION,
    "other_messages": OTHER_MESSAGES,
    "rejects": REJECTS,
}


def empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with exactly ``schema``."""
    return pl.DataFrame(schema=dict(schema))


def conform(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Return ``frame`` with exactly the columns of ``schema``, in order, cast to its types.

    Missing columns are added as nulls; extra columns are dropped. The caller's frame is not
    modified (Polars frames are immutable).
    """
    exprs = []
    for name, dtype in schema.items():
        if name in frame.columns:
            col = pl.col(name)
            exprs.append(col if frame.schema[name] == dtype else col.cast(dtype, strict=False))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(exprs)
