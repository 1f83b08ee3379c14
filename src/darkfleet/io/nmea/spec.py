"""AIS message layouts, written once as data.

Each layout is a table of fields ``(column, start bit, width, kind, scale, not-available)``
transcribed from ITU-R M.1371-5 and gpsd's AIVDM/AIVDO protocol decoding document
(https://gpsd.gitlab.io/gpsd/AIVDM.html), the same tables pyais' ``messages.py`` encodes.
The numba decoder (:mod:`._kernels`) is driven by the arrays compiled from these tables and
the encoder (:mod:`.encode`) by the same tables, so a field is described exactly once.

Field kinds:

``u``  unsigned integer          ``i``  two's-complement signed integer
``b``  boolean (one bit)         ``t``  six-bit ASCII text (width a multiple of 6)

``scale`` divides the raw integer (lon/lat 600000 = 1/10000 minute; speed 10 = 1/10 knot).
``na`` lists raw values meaning "not available"; they become nulls. ``column`` is the
canonical column name of :mod:`darkfleet.schema` where the field lands. Fields in
:data:`SPARE_FIELDS` are decoded nowhere (spare / regional bits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "LAYOUTS",
    "MAX_MESSAGE_BITS",
    "TEXT_COLUMNS",
    "VALUE_COLUMNS",
    "Field",
    "Layout",
    "compiled_layouts",
    "layout_id",
]

#: A message longer than this (five slots of 256 bits, less stuffing) is rejected as too long.
MAX_MESSAGE_BITS = 1008


@dataclass(frozen=True)
class Field:
    column: str
    start: int
    width: int
    kind: str = "u"
    scale: float = 1.0
    na: tuple[int, ...] = ()


@dataclass(frozen=True)
class Layout:
    """One message layout: the message types it serves, which table it feeds, its fields."""

    name: str
    msg_types: tuple[int, ...]
    table: str
    min_bits: int
    fields: tuple[Field, ...]


_HEAD = (
    Field("msg_type", 0, 6),
    Field("repeat", 6, 2),
    Field("mmsi", 8, 30),
)

# Sentinels, by the ITU/gpsd tables.
_LON_NA = (181 * 600000,)
_LAT_NA = (91 * 600000,)

CLASS_A_POSITION = Layout(
    "class_a_position",
    (1, 2, 3),
    "positions",
    168,
    (
        *_HEAD,
        Field("nav_status", 38, 4),
        Field("rot_deg_min", 42, 8, "i", na=(-128,)),
        Field("sog_kn", 50, 10, scale=10, na=(1023,)),
        Field("position_accuracy", 60, 1, "b"),
        Field("lon", 61, 28, "i", 600000, _LON_NA),
        Field("lat", 89, 27, "i", 600000, _LAT_NA),
        Field("cog_deg", 116, 12, scale=10, na=(3600,)),
        Field("heading_deg", 128, 9, na=(511,)),
        Field("utc_second", 137, 6),
        Field("maneuver", 143, 2),
        Field("raim", 148, 1, "b"),
        Field("radio_status", 149, 19),
    ),
)

BASE_STATION = Layout(
    "base_station",
    (4, 11),
    "base_stations",
    168,
    (
        *_HEAD,
        Field("year", 38, 14, na=(0,)),
        Field("month", 52, 4, na=(0,)),
        Field("day", 56, 5, na=(0,)),
        Field("hour", 61, 5, na=(24,)),
        Field("minute", 66, 6, na=(60,)),
        Field("second", 72, 6, na=(60,)),
        Field("position_accuracy", 78, 1, "b"),
        Field("lon", 79, 28, "i", 600000, _LON_NA),
        Field("lat", 107, 27, "i", 600000, _LAT_NA),
        Field("epfd", 134, 4),
        Field("raim", 148, 1, "b"),
        Field("radio_status", 149, 19),
    ),
)

STATIC_VOYAGE = Layout(
    "static_voyage",
    (5,),
    "statics",
    420,
    (
        *_HEAD,
        Field("ais_version", 38, 2),
        Field("imo", 40, 30, na=(0,)),
        Field("callsign", 70, 42, "t"),
        Field("shipname", 112, 120, "t"),
        Field("ship_type", 232, 8, na=(0,)),
        Field("to_bow_m", 240, 9, na=(0,)),
        Field("to_stern_m", 249, 9, na=(0,)),
        Field("to_port_m", 258, 6, na=(0,)),
        Field("to_starboard_m", 264, 6, na=(0,)),
        Field("epfd", 270, 4),
        Field("eta_month", 274, 4, na=(0,)),
        Field("eta_day", 278, 5, na=(0,)),
        Field("eta_hour", 283, 5, na=(24,)),
        Field("eta_minute", 288, 6, na=(60,)),
        Field("draught_m", 294, 8, scale=10, na=(0,)),
        Field("destination", 302, 120, "t"),
        Field("dte", 422, 1, "b"),
    ),
)

CLASS_B_POSITION = Layout(
    "class_b_position",
    (18,),
    "positions",
    168,
    (
        *_HEAD,
        Field("sog_kn", 46, 10, scale=10, na=(1023,)),
        Field("position_accuracy", 56, 1, "b"),
        Field("lon", 57, 28, "i", 600000, _LON_NA),
        Field("lat", 85, 27, "i", 600000, _LAT_NA),
        Field("cog_deg", 112, 12, scale=10, na=(3600,)),
        Field("heading_deg", 124, 9, na=(511,)),
        Field("utc_second", 133, 6),
        Field("raim", 147, 1, "b"),
        Field("radio_status", 148, 20),
    ),
)

CLASS_B_EXTENDED = Layout(
    "class_b_extended",
    (19,),
    "positions+statics",
    312,
    (
        *_HEAD,
        Field("sog_kn", 46, 10, scale=10, na=(1023,)),
        Field("position_accuracy", 56, 1, "b"),
        Field("lon", 57, 28, "i", 600000, _LON_NA),
        Field("lat", 85, 27, "i", 600000, _LAT_NA),
        Field("cog_deg", 112, 12, scale=10, na=(3600,)),
        Field("heading_deg", 124, 9, na=(511,)),
        Field("utc_second", 133, 6),
        Field("shipname", 143, 120, "t"),
        Field("ship_type", 263, 8, na=(0,)),
        Field("to_bow_m", 271, 9, na=(0,)),
        Field("to_stern_m", 280, 9, na=(0,)),
        Field("to_port_m", 289, 6, na=(0,)),
        Field("to_starboard_m", 295, 6, na=(0,)),
        Field("epfd", 301, 4),
        Field("raim", 305, 1, "b"),
        Field("dte", 306, 1, "b"),
        Field("assigned", 307, 1, "b"),
    ),
)

AID_TO_NAVIGATION = Layout(
    "aid_to_navigation",
    (21,),
    "aids_to_navigation",
    272,
    (
        *_HEAD,
        Field("aid_type", 38, 5),
        Field("name", 43, 120, "t"),
        Field("position_accuracy", 163, 1, "b"),
        Field("lon", 164, 28, "i", 600000, _LON_NA),
        Field("lat", 192, 27, "i", 600000, _LAT_NA),
        Field("to_bow_m", 219, 9, na=(0,)),
        Field("to_stern_m", 228, 9, na=(0,)),
        Field("to_port_m", 237, 6, na=(0,)),
        Field("to_starboard_m", 243, 6, na=(0,)),
        Field("epfd", 249, 4),
        Field("utc_second", 253, 6),
        Field("off_position", 259, 1, "b"),
        Field("raim", 268, 1, "b"),
        Field("virtual_aid", 269, 1, "b"),
        Field("assigned", 270, 1, "b"),
        Field("name_ext", 272, 88, "t"),
    ),
)

STATIC_24A = Layout(
    "static_24a",
    (24,),
    "statics",
    160,
    (
        *_HEAD,
        Field("part_number", 38, 2),
        Field("shipname", 40, 120, "t"),
    ),
)

STATIC_24B = Layout(
    "static_24b",
    (24,),
    "statics",
    162,
    (
        *_HEAD,
        Field("part_number", 38, 2),
        Field("ship_type", 40, 8, na=(0,)),
        Field("vendor_id", 48, 18, "t"),
        Field("callsign", 90, 42, "t"),
        Field("to_bow_m", 132, 9, na=(0,)),
        Field("to_stern_m", 141, 9, na=(0,)),
        Field("to_port_m", 150, 6, na=(0,)),
        Field("to_starboard_m", 156, 6, na=(0,)),
        # Auxiliary craft (MMSI 98XXXYYYY) carry their mother ship's MMSI in the same bits.
        Field("mothership_mmsi", 132, 30),
    ),
)

LONG_RANGE = Layout(
    "long_range",
    (27,),
    "positions",
    96,
    (
        *_HEAD,
        Field("position_accuracy", 38, 1, "b"),
        Field("raim", 39, 1, "b"),
        Field("nav_status", 40, 4),
        Field("lon", 44, 18, "i", 600, (181 * 600,)),
        Field("lat", 62, 17, "i", 600, (91 * 600,)),
        Field("sog_kn", 79, 6, na=(63,)),
        Field("cog_deg", 85, 9, na=(511,)),
    ),
)

#: Layout ids are positions in this tuple (0 is reserved for "kept raw, not decoded").
LAYOUTS: tuple[Layout, ...] = (
    CLASS_A_POSITION,
    BASE_STATION,
    STATIC_VOYAGE,
    CLASS_B_POSITION,
    CLASS_B_EXTENDED,
    AID_TO_NAVIGATION,
    STATIC_24A,
    STATIC_24B,
    LONG_RANGE,
)


def layout_id(msg_type: int, part_number: int = 0) -> int:
    """1-based index into :data:`LAYOUTS` for a message type (24: by part number); 0 = raw."""
    if msg_type == 24:
        return {0: LAYOUTS.index(STATIC_24A) + 1, 1: LAYOUTS.index(STATIC_24B) + 1}.get(
            part_number, 0
        )
    for i, lay in enumerate(LAYOUTS):
        if msg_type in lay.msg_types:
            return i + 1
    return 0


def _columns(kind_is_text: bool) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for lay in LAYOUTS:
        for f in lay.fields:
            if (f.kind == "t") == kind_is_text:
                seen.setdefault(f.column)
    return tuple(seen)


#: Every integer-valued column any layout fills, in a fixed order (the decoder's value matrix).
VALUE_COLUMNS: tuple[str, ...] = _columns(False)
#: Every text column, with the widest character count any layout gives it.
TEXT_COLUMNS: dict[str, int] = {
    name: max(-(-f.width // 6) for lay in LAYOUTS for f in lay.fields if f.column == name)
    for name in _columns(True)
}


@dataclass(frozen=True)
class CompiledLayouts:
    """The tables as arrays for the numba kernels.

    Row ``k`` of the field arrays is one field; ``layout_start[l]:layout_start[l+1]`` are the
    fields of layout id ``l`` (id 0 has none). ``dest`` is the index into
    :data:`VALUE_COLUMNS` (integer fields) or the character offset into the text matrix
    (text fields); ``min_bits[l]`` is the shortest acceptable message for layout ``l``.
    """

    layout_start: np.ndarray
    start: np.ndarray
    width: np.ndarray
    signed: np.ndarray
    is_text: np.ndarray
    dest: np.ndarray
    min_bits: np.ndarray
    text_offset: dict[str, int]
    text_width: int


def compiled_layouts() -> CompiledLayouts:
    text_offset: dict[str, int] = {}
    off = 0
    for name, chars in TEXT_COLUMNS.items():
        text_offset[name] = off
        off += chars
    starts, widths, signed, is_text, dest = [], [], [], [], []
    layout_start = [0, 0]
    min_bits = [0]
    for lay in LAYOUTS:
        for f in lay.fields:
            starts.append(f.start)
            widths.append(f.width)
            signed.append(f.kind == "i")
            is_text.append(f.kind == "t")
            dest.append(text_offset[f.column] if f.kind == "t" else VALUE_COLUMNS.index(f.column))
        layout_start.append(len(starts))
        min_bits.append(lay.min_bits)
    return CompiledLayouts(
        layout_start=np.asarray(layout_start, np.int32),
        start=np.asarray(starts, np.int32),
        width=np.asarray(widths, np.int32),
        signed=np.asarray(signed, np.bool_),
        is_text=np.asarray(is_text, np.bool_),
        dest=np.asarray(dest, np.int32),
        min_bits=np.asarray(min_bits, np.int32),
        text_offset=text_offset,
        text_width=off,
    )
