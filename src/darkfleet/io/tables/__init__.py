"""Tabular AIS sources → canonical positions, statics and rejects.

Read NOAA MarineCadastre CSVs, Danish Maritime Authority exports, Spire/exactEarth-style
decoded-message exports, and any CSV/Parquet with a user column mapping::

    from darkfleet.io.tables import read_table, scan_table

    tables = read_table("AIS_2023_01_11.csv")            # format detected from the header
    for batch in scan_table("aisdk-2024-03-01.csv"):     # streaming, bounded memory
        ...
    read_table("fixes.parquet", mapping={"mmsi": "ship_id", "timestamp": "t",
                                         "lat": "y", "lon": "x"})

Batches map table names to frames in the canonical schemas of :mod:`darkfleet.schema`:
``positions``, ``statics``, ``rejects`` and, for DMA and Spire (which also carry base stations,
aids to navigation and other message types), ``base_stations``, ``aids_to_navigation`` and
``other_messages``.

Tabular formats (columns relied on; matching is case-insensitive, a leading ``#`` ignored)
-----------------------------------------------------------------------------------------

=========  ===================================================================================
format     columns relied on → canonical column
=========  ===================================================================================
``noaa``   **MMSI**, **BaseDateTime** (``2023-01-11T00:00:00``, UTC), **LAT**, **LON**, SOG,
           COG, Heading, VesselName, IMO (``IMO9179842``), CallSign, VesselType, Status,
           Length, Width, Draft. Not used: Cargo, TransceiverClass. The 2024 lower-case
           names (``base_date_time``, ``latitude``, ``vessel_name`` …) are accepted.
``dma``    **Timestamp** (``# Timestamp``, ``31/12/2023 23:59:59`` day first), **Type of
           mobile**, **MMSI**, **Latitude**, **Longitude**, Navigational status (phrase),
           ROT, SOG, COG, Heading, IMO, Callsign, Name, Ship type (phrase), Width, Length,
           Type of position fixing device (phrase), Draught, Destination, ETA, A, B, C, D.
           Not used: Cargo type, Data source type. ``Unknown``/``Undefined`` mean null.
``spire``  **MMSI**, **Message_ID**, **Time** (``20210701_185151``) + Millisecond,
           **Latitude**, **Longitude**, Repeat_indicator, Channel, Navigational_status, ROT,
           SOG, COG, Heading, Accuracy, Maneuver, RAIM_flag, Communication_state, UTC_second,
           Vessel_Name, Call_sign, IMO, Ship_Type, Dimension_to_Bow/stern/port/starboard,
           Draught (decimetres), Destination, AIS_version, Fixing_device, ETA_month/day/hour/
           minute, Data_terminal, Part_Number, Vendor_ID, Mother_ship_MMSI; base stations:
           UTC_year…UTC_second; aids to navigation: ATON_type, ATON_name, Name_extension,
           off_position, Virtual_ATON, Mode. Other columns are not used.
``mapped`` any CSV (separator sniffed: ``,`` ``;`` tab ``|``) or Parquet; ``mapping`` names
           the file column of each canonical column. **mmsi** and **timestamp** are required
           (ISO 8601 text, naive or with ``Z``/offset, Unix seconds, or a Parquet timestamp);
           any column of ``positions``/``statics`` may be mapped, plus ``length_m`` and
           ``width_m``.
=========  ===================================================================================

Bold columns are required: a header without them raises :class:`~darkfleet.errors.SchemaError`
naming the file, the columns found, the formats tried and what the closest one lacks.

Rules
-----
* **Provenance**: every row carries ``source_id`` and ``line``, the 1-based physical line of
  the file (the header is line 1, so the first data row is line 2); for Parquet, the 1-based
  row number. Rejects also carry ``offset_bytes`` (CSV: byte offset of the line in the
  decompressed text; Parquet: null) and ``raw`` (the line; for Parquet the row's mapped
  columns written as CSV). Each physical line is one record (AIS text holds no line breaks).
* **Routing**: a vessel row with a position becomes a ``positions`` row; a vessel row that
  carries identity (IMO, call sign, name, ship type, dimensions, draught, destination, ETA,
  vendor, mothership) becomes a ``statics`` row; a row can be both. DMA ``Base Station``,
  ``AtoN`` and ``SAR Airborne`` rows and Spire message types 4/11, 21 and other non-vessel
  types go to ``base_stations``, ``aids_to_navigation`` and ``other_messages`` (whose
  ``payload`` is the source line).
* **Statics changes**: by default (``statics="changes"``) a statics row is emitted only when
  its identity columns differ from the previous statics row of the same MMSI in the file
  (state carried across batches, so the output does not depend on ``batch_rows``). A
  repeated identity is still *decoded*: the earlier statics row stands for it.
* **Dimensions**: A/B/C/D (DMA, Spire) become ``to_bow_m``/``to_stern_m``/``to_port_m``/
  ``to_starboard_m``. Where a source gives only overall length and width (NOAA, DMA without
  A-D, ``length_m``/``width_m`` mappings) they are stored with ITU-R M.1371's convention for
  "reference point not available": ``to_bow_m = 0, to_stern_m = length, to_port_m = 0,
  to_starboard_m = width``, so length = bow + stern and beam = port + starboard still hold.
* **Sentinels → null**: see :data:`SENTINELS` (lat 91, lon 181, SOG 102.3, COG 360, heading
  511, draught 0, IMO 0, UTC second 60, ETA month/day 0, hour 24, minute 60, all four
  dimensions 0). A position with a sentinel or an empty half is "not available" (both null).
* **Rejects** are kept, never raised, with a stable ``reason`` (:data:`REJECT_REASONS`) and a
  ``detail`` naming the column and value. Rows without position *or* identity are
  ``no_position`` rejects.
* **Accounting**: ``records`` = every physical line including the header; ``ignored`` = the
  header, blank lines and repeated header lines (concatenated files); ``decoded`` = rows that
  became a table row; ``rejected_by_reason``. :meth:`Accounting.check` runs at the end.
"""

from __future__ import annotations

from .formats import MAPPABLE, TABLE_FORMATS, TableField, TableFormat
from .reader import TableReader, detect_table_format, read_table, scan_table
from .rows import IDENTITY_COLUMNS, REJECT_REASONS, SENTINELS

__all__ = [
    "IDENTITY_COLUMNS",
    "MAPPABLE",
    "REJECT_REASONS",
    "SENTINELS",
    "TABLE_FORMATS",
    "TableField",
    "TableFormat",
    "TableReader",
    "detect_table_format",
    "read_table",
    "scan_table",
]
