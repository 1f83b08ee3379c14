"""Schemas of the ground-truth tables (:data:`TRUTH_TABLES`): table name → columns.

Conventions: ``vessel_id`` is the simulated ship (stable across renames), ``mmsi`` what it
broadcast at the event's start; times are UTC (``Datetime("us", "UTC")``); units are in the
column names. See ``docs/simulate.md`` for what each table means.
"""

from __future__ import annotations

import polars as pl

from ..schema import UTC

__all__ = ["TRUTH_TABLES"]

_S = pl.String()
_F = pl.Float64()
_I = pl.Int64()
_B = pl.Boolean()

TRUTH_TABLES: dict[str, dict[str, pl.DataType]] = {
    "vessels": {
        "vessel_id": _S,
        "role": _S,
        "note": _S,
        "ais_class": _S,
        "mmsi": _I,
        "imo": _I,
        "shipname": _S,
        "flag": _S,
        "ship_type": pl.Int16(),
        "length_m": pl.Int16(),
        "n_identities": _I,
    },
    "identities": {
        "vessel_id": _S,
        "valid_from": UTC,
        "valid_to": UTC,
        "mmsi": _I,
        "imo": _I,
        "shipname": _S,
        "callsign": _S,
        "flag": _S,
        "ship_type": pl.Int16(),
        "length_m": pl.Int16(),
    },
    "port_calls": {
        "vessel_id": _S,
        "mmsi": _I,
        "role": _S,
        "port_id": _S,
        "port_name": _S,
        "arrival": UTC,
        "departure": UTC,
        "duration_h": _F,
        "lon": _F,
        "lat": _F,
        "draught_before_m": _F,
        "draught_after_m": _F,
        "off_h": _F,
        "dark": _B,
        "open_start": _B,
        "open_end": _B,
    },
    "voyages": {
        "vessel_id": _S,
        "mmsi": _I,
        "role": _S,
        "origin_port_id": _S,
        "dest_port_id": _S,
        "departure": UTC,
        "arrival": UTC,
        "duration_h": _F,
        "distance_m": _F,
        "dark_h": _F,
        "hidden": _B,
    },
    "round_trips": {
        "vessel_id": _S,
        "mmsi": _I,
        "role": _S,
        "port_a_id": _S,
        "port_b_id": _S,
        "start_time": UTC,
        "end_time": UTC,
        "duration_h": _F,
        "dark_h": _F,
        "mode": _S,
        "hidden": _B,
    },
    "gaps_intentional": {
        "vessel_id": _S,
        "mmsi": _I,
        "kind": _S,
        "start_time": UTC,
        "end_time": UTC,
        "duration_h": _F,
        "observed_start": UTC,
        "observed_end": UTC,
        "observed_h": _F,
        "hidden_port_id": _S,
    },
    "gaps_reception": {
        "vessel_id": _S,
        "mmsi": _I,
        "start_time": UTC,
        "end_time": UTC,
        "duration_h": _F,
        "cause": _S,
    },
    "encounters": {
        "mmsi": _I,
        "other_mmsi": _I,
        "vessel_id": _S,
        "other_vessel_id": _S,
        "start_time": UTC,
        "end_time": UTC,
        "duration_h": _F,
        "lon": _F,
        "lat": _F,
        "distance_m": _F,
    },
    "loitering": {
        "vessel_id": _S,
        "mmsi": _I,
        "start_time": UTC,
        "end_time": UTC,
        "duration_h": _F,
        "lon": _F,
        "lat": _F,
        "cause": _S,
    },
    "draught_changes": {
        "vessel_id": _S,
        "mmsi": _I,
        "port_id": _S,
        "arrival": UTC,
        "departure": UTC,
        "draught_before_m": _F,
        "draught_after_m": _F,
        "change_m": _F,
        "signal": _S,
        "dark": _B,
    },
    "shared_mmsi": {
        "mmsi": _I,
        "vessel_ids": pl.List(_S),
        "shipnames": pl.List(_S),
        "imos": pl.List(_I),
        "start_time": UTC,
        "end_time": UTC,
    },
    "identity_changes": {
        "vessel_id": _S,
        "time": UTC,
        "imo": _I,
        "old_mmsi": _I,
        "new_mmsi": _I,
        "old_shipname": _S,
        "new_shipname": _S,
        "old_flag": _S,
        "new_flag": _S,
    },
    "surge": {
        "port_id": _S,
        "port_name": _S,
        "date": UTC,
        "metric": _S,
        "before_per_day": _F,
        "after_per_day": _F,
        "ratio": _F,
        "visible_before_per_day": _F,
        "visible_after_per_day": _F,
    },
}
