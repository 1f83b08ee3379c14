"""The tabular formats darkfleet reads, written once as data, and header detection.

Each :class:`TableFormat` lists the source columns it relies on (:class:`TableField`: source
column, canonical target column, converter kind, scale). The reader is driven entirely by these
tables; adding a format is adding a table here.

Header names are matched after :func:`normalise_name` (case-insensitive, surrounding spaces
and a leading ``#`` removed), so ``# Timestamp`` matches ``Timestamp`` and NOAA's 2024 lower-case
header matches its aliases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ...errors import ConfigError, SchemaError
from ...schema import TABLES

__all__ = [
    "MAPPABLE",
    "TABLE_FORMATS",
    "TableField",
    "TableFormat",
    "mapped_format",
    "match_format",
    "normalise_name",
]

#: Converter kinds (see :mod:`.convert`): ``mmsi``, ``int``, ``float``, ``lat``, ``lon``,
#: ``bool``, ``text``, ``imo``, ``ts_iso`` / ``ts_dmy`` / ``ts_spire`` / ``ts_auto`` (timestamps),
#: ``nav_text``, ``ship_type_text``, ``epfd_text`` (DMA phrases), ``eta_dmy`` (DMA ETA).


@dataclass(frozen=True)
class TableField:
    """One source column and the canonical column it becomes.

    ``target`` is a canonical column name (``sog_kn``) or a helper starting with ``_``
    (``_length_m``, ``_width_m``, ``_millisecond``, ``_mobile``, ``_eta``, ``_name_ext``) that
    the reader folds into canonical columns. Numbers are divided by ``divisor`` when set
    (Spire writes draught in decimetres).
    """

    column: str
    target: str
    kind: str
    required: bool = False
    divisor: float | None = None
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.column, *self.aliases)


@dataclass(frozen=True)
class TableFormat:
    """A tabular AIS layout: its columns, how rows are routed, and extra null words."""

    name: str
    title: str
    fields: tuple[TableField, ...]
    #: how rows are routed to tables: "vessel" (all rows are vessel reports), "dma_mobile"
    #: (DMA "Type of mobile"), "spire_msg" (AIS message type).
    route: str = "vessel"
    #: text values that mean "not available" in this format, besides the empty string.
    null_words: frozenset[str] = frozenset()
    #: the tables its batches carry.
    tables: tuple[str, ...] = ("positions", "statics", "rejects")

    @property
    def required(self) -> tuple[TableField, ...]:
        return tuple(f for f in self.fields if f.required)


def normalise_name(name: str) -> str:
    """Header name as compared: lower case, outer spaces, a BOM and leading ``#`` removed."""
    return name.strip().lstrip("\ufeff").lstrip("#").strip().lower()


_F = TableField
_ALL_TABLES = (
    "positions",
    "statics",
    "base_stations",
    "aids_to_navigation",
    "other_messages",
    "rejects",
)

NOAA = TableFormat(
    name="noaa",
    title="NOAA MarineCadastre AIS (US Coast Guard, marinecadastre.gov)",
    fields=(
        _F("MMSI", "mmsi", "mmsi", required=True, aliases=("mmsi",)),
        _F("BaseDateTime", "timestamp", "ts_iso", required=True, aliases=("base_date_time",)),
        _F("LAT", "lat", "lat", required=True, aliases=("latitude",)),
        _F("LON", "lon", "lon", required=True, aliases=("longitude",)),
        _F("SOG", "sog_kn", "float"),
        _F("COG", "cog_deg", "float"),
        _F("Heading", "heading_deg", "int"),
        _F("VesselName", "shipname", "text", aliases=("vessel_name",)),
        _F("IMO", "imo", "imo"),
        _F("CallSign", "callsign", "text", aliases=("call_sign",)),
        _F("VesselType", "ship_type", "int", aliases=("vessel_type",)),
        _F("Status", "nav_status", "int"),
        _F("Length", "_length_m", "int"),
        _F("Width", "_width_m", "int"),
        _F("Draft", "draught_m", "float"),
    ),
)

DMA = TableFormat(
    name="dma",
    title="Danish Maritime Authority AIS export (web.ais.dk/aisdata, aisdk-*.csv)",
    fields=(
        _F("Timestamp", "timestamp", "ts_dmy", required=True),
        _F("Type of mobile", "_mobile", "text", required=True),
        _F("MMSI", "mmsi", "mmsi", required=True),
        _F("Latitude", "lat", "lat", required=True),
        _F("Longitude", "lon", "lon", required=True),
        _F("Navigational status", "nav_status", "nav_text"),
        _F("ROT", "rot_deg_min", "float"),
        _F("SOG", "sog_kn", "float"),
        _F("COG", "cog_deg", "float"),
        _F("Heading", "heading_deg", "int"),
        _F("IMO", "imo", "imo"),
        _F("Callsign", "callsign", "text"),
        _F("Name", "shipname", "text"),
        _F("Ship type", "ship_type", "ship_type_text"),
        _F("Width", "_width_m", "int"),
        _F("Length", "_length_m", "int"),
        _F("Type of position fixing device", "epfd", "epfd_text"),
        _F("Draught", "draught_m", "float"),
        _F("Destination", "destination", "text"),
        _F("ETA", "_eta", "eta_dmy"),
        _F("A", "to_bow_m", "int"),
        _F("B", "to_stern_m", "int"),
        _F("C", "to_port_m", "int"),
        _F("D", "to_starboard_m", "int"),
    ),
    route="dma_mobile",
    null_words=frozenset({"Unknown", "Undefined", "Unknown value"}),
    tables=_ALL_TABLES,
)

SPIRE = TableFormat(
    name="spire",
    title="Spire / exactEarth-style decoded-message export (one column per AIS field)",
    fields=(
        _F("MMSI", "mmsi", "mmsi", required=True),
        _F("Message_ID", "msg_type", "int", required=True),
        _F("Repeat_indicator", "repeat", "int"),
        _F("Time", "timestamp", "ts_spire", required=True),
        _F("Millisecond", "_millisecond", "int"),
        _F("Channel", "channel", "text"),
        _F("Vessel_Name", "shipname", "text"),
        _F("Call_sign", "callsign", "text"),
        _F("IMO", "imo", "imo"),
        _F("Ship_Type", "ship_type", "int"),
        _F("Dimension_to_Bow", "to_bow_m", "int"),
        _F("Dimension_to_stern", "to_stern_m", "int"),
        _F("Dimension_to_port", "to_port_m", "int"),
        _F("Dimension_to_starboard", "to_starboard_m", "int"),
        _F("Draught", "draught_m", "float", divisor=10),
        _F("Destination", "destination", "text"),
        _F("AIS_version", "ais_version", "int"),
        _F("Navigational_status", "nav_status", "int"),
        _F("ROT", "rot_deg_min", "float"),
        _F("SOG", "sog_kn", "float"),
        _F("Accuracy", "position_accuracy", "bool"),
        _F("Longitude", "lon", "lon", required=True),
        _F("Latitude", "lat", "lat", required=True),
        _F("COG", "cog_deg", "float"),
        _F("Heading", "heading_deg", "int"),
        _F("Maneuver", "maneuver", "int"),
        _F("RAIM_flag", "raim", "bool"),
        _F("Communication_state", "radio_status", "int"),
        _F("UTC_year", "year", "int"),
        _F("UTC_month", "month", "int"),
        _F("UTC_day", "day", "int"),
        _F("UTC_hour", "hour", "int"),
        _F("UTC_minute", "minute", "int"),
        _F("UTC_second", "utc_second", "int"),
        _F("Fixing_device", "epfd", "int"),
        _F("ETA_month", "eta_month", "int"),
        _F("ETA_day", "eta_day", "int"),
        _F("ETA_hour", "eta_hour", "int"),
        _F("ETA_minute", "eta_minute", "int"),
        _F("Data_terminal", "dte", "bool"),
        _F("Mode", "assigned", "bool"),
        _F("Name_extension", "_name_ext", "text"),
        _F("ATON_type", "aid_type", "int"),
        _F("ATON_name", "name", "text"),
        _F("off_position", "off_position", "bool"),
        _F("Virtual_ATON", "virtual_aid", "bool"),
        _F("Part_Number", "part_number", "int"),
        _F("Vendor_ID", "vendor_id", "text"),
        _F("Mother_ship_MMSI", "mothership_mmsi", "int"),
    ),
    route="spire_msg",
    tables=_ALL_TABLES,
)

#: Known formats, in the order detection tries them.
TABLE_FORMATS: dict[str, TableFormat] = {f.name: f for f in (NOAA, DMA, SPIRE)}

#: Canonical names a user mapping may target, with the converter kind used for each.
_SPECIAL_KINDS = {
    "mmsi": "mmsi",
    "timestamp": "ts_auto",
    "lat": "lat",
    "lon": "lon",
    "imo": "imo",
}
_NOT_MAPPABLE = {"source_id", "line"}


def _kind_for(dtype: pl.DataType) -> str:
    if dtype == pl.String():
        return "text"
    if dtype == pl.Boolean():
        return "bool"
    if dtype.is_float():
        return "float"
    return "int"


def _mappable() -> dict[str, str]:
    out: dict[str, str] = {}
    for table in ("positions", "statics"):
        for name, dtype in TABLES[table].items():
            if name not in _NOT_MAPPABLE:
                out.setdefault(name, _SPECIAL_KINDS.get(name, _kind_for(dtype)))
    out["length_m"] = "int"
    out["width_m"] = "int"
    return out


#: canonical name → converter kind, for user mappings. ``length_m`` / ``width_m`` are
#: overall dimensions, stored with the ITU convention described in :mod:`darkfleet.io.tables`.
MAPPABLE: dict[str, str] = _mappable()


def mapped_format(mapping: Mapping[str, str]) -> TableFormat:
    """A :class:`TableFormat` from a user mapping ``canonical name → source column``."""
    unknown = sorted(k for k in mapping if k not in MAPPABLE)
    if unknown:
        raise ConfigError(
            f"mapping names unknown canonical column(s) {', '.join(map(repr, unknown))}. "
            f"Map to one of: {', '.join(sorted(MAPPABLE))}."
        )
    missing = [k for k in ("mmsi", "timestamp") if k not in mapping]
    if missing:
        raise ConfigError(
            f"mapping lacks {' and '.join(map(repr, missing))}: every row needs an MMSI and a "
            'time. Add e.g. {"mmsi": "<your MMSI column>", "timestamp": "<your time column>"}.'
        )
    fields = []
    for target, column in mapping.items():
        internal = {"length_m": "_length_m", "width_m": "_width_m"}.get(target, target)
        fields.append(TableField(column, internal, MAPPABLE[target], required=True))
    return TableFormat(name="mapped", title="user column mapping", fields=tuple(fields))


def _locate(fmt: TableFormat, header: Sequence[str], exact: bool) -> dict[str, int]:
    """target → column index in ``header`` for the fields of ``fmt`` that are present."""
    norm = [normalise_name(h) for h in header]
    found: dict[str, int] = {}
    for f in fmt.fields:
        for name in f.names:
            if exact and name in header:
                found[f.target] = list(header).index(name)
                break
            if normalise_name(name) in norm:
                found[f.target] = norm.index(normalise_name(name))
                break
    return found


def _shorten(names: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" … and {len(names) - limit} more" if len(names) > limit else "")


def match_format(
    path: Path, header: Sequence[str], fmt_name: str | None, mapping: Mapping[str, str] | None
) -> tuple[TableFormat, dict[str, int]]:
    """Pick the format for ``header`` and locate its columns, or raise :class:`SchemaError`.

    Returns the format and ``target → column index`` for the fields present.
    """
    if mapping is not None:
        if fmt_name not in (None, "mapped"):
            raise ConfigError(
                f"format={fmt_name!r} and a mapping were both given; a mapping defines the "
                'format itself: pass format=None (or "mapped") with it.'
            )
        fmt = mapped_format(mapping)
        located = _locate(fmt, header, exact=True)
        absent = [f.column for f in fmt.fields if f.target not in located]
        if absent:
            raise SchemaError(
                f"{path}: the mapping names column(s) {_shorten(absent)} that the file does not "
                f"have. Line 1 has: {_shorten(list(header))}. Fix the mapping's source column "
                "names (they are matched exactly, then case-insensitively)."
            )
        return fmt, located
    if fmt_name == "mapped":
        raise ConfigError(
            'format="mapped" needs mapping={canonical name: source column}, e.g. '
            '{"mmsi": "MMSI", "timestamp": "time", "lat": "lat", "lon": "lon"}.'
        )
    if fmt_name is not None and fmt_name not in TABLE_FORMATS:
        raise ConfigError(
            f"unknown table format {fmt_name!r}; use one of "
            f"{', '.join(map(repr, TABLE_FORMATS))}, or None to detect it from the header."
        )
    candidates = [TABLE_FORMATS[fmt_name]] if fmt_name else list(TABLE_FORMATS.values())
    scored = []
    for fmt in candidates:
        located = _locate(fmt, header, exact=False)
        missing = [f.column for f in fmt.required if f.target not in located]
        if not missing:
            return fmt, located
        scored.append((len(fmt.required) - len(missing), fmt, missing))
    _, closest, missing = max(scored, key=lambda s: s[0])
    tried = "; ".join(
        f"{f.name} (needs {', '.join(c.column for c in f.required)})" for f in candidates
    )
    what = f"is not a {closest.name} table" if fmt_name else "matches no known table format"
    raise SchemaError(
        f"{path}: line 1 (the header) {what}. Columns found: {_shorten(list(header))}. "
        f"Tried: {tried}. Closest: {closest.name}, missing {', '.join(map(repr, missing))}. "
        "If the file holds AIS positions under other column names, pass a mapping, e.g. "
        'scan_table(path, mapping={"mmsi": "<MMSI column>", "timestamp": "<time column>", '
        '"lat": "<latitude column>", "lon": "<longitude column>"}).'
    )
