"""A hand-made fleet with known identity histories, written as NMEA and ingested into a store.

Statics (type 5, two sentences each, tag-block framed) go to ``statics.nmea``: the k-th message
(0-based) starts on line ``2k + 1``. Positions (type 1) go to ``positions.nmea``: the k-th on
line ``k + 1``. :class:`Fleet` remembers where each message went, so tests can state the exact
evidence (``source_id:line``) every flag must carry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

import darkfleet
from darkfleet.io.nmea.encode import write_nmea
from darkfleet.io.source import file_source_id
from darkfleet.schema import UTC

T0 = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)

RENAMED = 273111111  # IMO 9179842: ANGARA -> NEW DAWN
OLD_MMSI, NEW_MMSI = 273222222, 613222222  # IMO 9161003: Russia -> Cameroon by a new MMSI
TWIN_A, TWIN_B = 636333333, 352333333  # both broadcast IMO 9358010 at the same time
RESIZED = 538444444  # IMO 9743033: 120 x 20 m -> 180 x 30 m
SHARED = 445555555  # two transmitters 500 km apart, alternating every 2 minutes
INNOCENT = 257666666  # IMO 9074729: steady, antenna moved, one garbled name


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


def static(mmsi: int, h: float, name: str, imo: int | None = None, dims: tuple[int, ...] = (100, 20, 10, 10),
           callsign: str = "ABCD1", ship_type: int = 70) -> dict[str, Any]:  # fmt: skip
    bow, stern, port, star = dims
    return {"msg_type": 5, "mmsi": mmsi, "timestamp": hours(h), "imo": imo, "shipname": name,
            "callsign": callsign, "ship_type": ship_type, "to_bow_m": bow, "to_stern_m": stern,
            "to_port_m": port, "to_starboard_m": star}  # fmt: skip


def position(mmsi: int, t: dt.datetime, lat: float, lon: float) -> dict[str, Any]:
    return {"msg_type": 1, "mmsi": mmsi, "timestamp": t, "lat": lat, "lon": lon, "sog_kn": 10.0,
            "cog_deg": 90.0}  # fmt: skip


def fleet_statics() -> list[dict[str, Any]]:
    rows = []
    rows += [static(RENAMED, h, "ANGARA", 9179842, callsign="UBCD3") for h in (0, 1, 2)]
    rows += [static(RENAMED, h, "NEW DAWN", 9179842, callsign="UBCD3") for h in (3, 4, 5)]
    rows += [static(OLD_MMSI, h, "LADY R", 9161003) for h in (0, 1, 2)]
    rows += [static(NEW_MMSI, h, "LADY R", 9161003) for h in (10, 11, 12)]
    rows += [static(TWIN_A, h, "MAIA 1", 9358010) for h in (0, 2, 4, 6)]
    rows += [static(TWIN_B, h, "SEA STAR", 9358010) for h in (1, 3, 5, 7)]
    rows += [static(RESIZED, h, "SPARTA IV", 9743033, dims=(100, 20, 10, 10)) for h in (0, 1)]
    rows += [static(RESIZED, h, "SPARTA IV", 9743033, dims=(150, 30, 15, 15)) for h in (2, 3)]
    rows += [static(SHARED, h, "KANG SONG", None) for h in (0, 1)]
    innocent = [static(INNOCENT, h, "NORDIC STAR", 9074729, dims=(60, 40, 8, 8)) for h in (0, 1, 2)]
    innocent += [static(INNOCENT, 3, "NORDIC STQR", 9074729, dims=(60, 40, 8, 8))]  # one garbled
    innocent += [static(INNOCENT, h, "NORDIC STAR", 9074729, dims=(55, 45, 6, 10)) for h in (4, 5)]
    return rows + innocent


def fleet_positions() -> list[dict[str, Any]]:
    rows = []
    for k in range(6):  # SHARED: 42.24 N 130.30 E and 500 km east, every 2 minutes
        t = T0 + dt.timedelta(minutes=2 * k)
        rows.append(position(SHARED, t, 42.24, 130.30 if k % 2 == 0 else 136.37))
    for k in range(12):  # INNOCENT: 10 kn east, a report every 6 minutes (1 nm apart)
        t = T0 + dt.timedelta(minutes=6 * k)
        rows.append(position(INNOCENT, t, 60.0, 5.0 + k * 1852 / (111_320 * 0.5)))
    return rows


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.col("timestamp").cast(UTC))


@dataclass
class Fleet:
    """The files, the store and the provenance of every message of the hand-made fleet."""

    root: Path
    store: Path
    statics_file: Path
    positions_file: Path
    statics: list[dict[str, Any]] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(default_factory=list)

    def static_ref(self, mmsi: int, h: float) -> str:
        """``source_id:line`` of the static message of ``mmsi`` at hour ``h``."""
        k = next(
            i
            for i, r in enumerate(self.statics)
            if r["mmsi"] == mmsi and r["timestamp"] == hours(h)
        )
        return f"{file_source_id(self.statics_file)}:{2 * k + 1}"

    def position_ref(self, mmsi: int, minute: float) -> str:
        t = T0 + dt.timedelta(minutes=minute)
        k = next(
            i for i, r in enumerate(self.positions) if r["mmsi"] == mmsi and r["timestamp"] == t
        )
        return f"{file_source_id(self.positions_file)}:{k + 1}"


def build_fleet(root: Path) -> Fleet:
    """Write the fleet's NMEA files under ``root`` and ingest them into ``root/store``."""
    root.mkdir(parents=True, exist_ok=True)
    fleet = Fleet(root, root / "store", root / "statics.nmea", root / "positions.nmea",
                  fleet_statics(), fleet_positions())  # fmt: skip
    write_nmea(fleet.statics_file, _frame(fleet.statics), framing="tag_block")
    write_nmea(fleet.positions_file, _frame(fleet.positions), framing="tag_block")
    store = darkfleet.open_store(fleet.store)
    darkfleet.ingest(store, [fleet.statics_file, fleet.positions_file])
    return fleet
