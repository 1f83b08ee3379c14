"""Tabular readers (NOAA, DMA, Spire, mapped CSV/Parquet): detection, values, rejects, inputs.

Expected values are read off the sample files in ``tests/data/tables/`` by eye (line numbers
are the file's physical lines, header = line 1), not re-derived from the reader's code.
"""

from __future__ import annotations

import gzip
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import darkfleet
from darkfleet import ConfigError, DarkfleetError, FormatError, InputError, SchemaError
from darkfleet.accounting import Accounting
from darkfleet.io.tables import REJECT_REASONS, detect_table_format, read_table, scan_table
from darkfleet.schema import POSITIONS, REJECTS, STATICS

NOAA = "noaa_marinecadastre_20230111_head30.csv"
DMA = "dma_aisdk_sample.csv"
SPIRE = "spire_style_sample.csv"
MAPPED = "mapped_semicolon.csv"

NOAA_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)
# line 3 of the NOAA sample
NOAA_ROW = (
    "636021061,2023-01-11T00:00:00,26.09241,-80.04806,8.8,272.7,270.0,MSC NAISHA III,"
    "IMO9307839,5LCB4,70,8.0,208.0,30.0,8.0,70.0,A"
)
MAPPED_MAPPING = {
    "mmsi": "ship_id",
    "timestamp": "time_utc",
    "lat": "y",
    "lon": "x",
    "sog_kn": "speed_kn",
    "cog_deg": "course",
    "shipname": "vessel",
    "imo": "imo_number",
    "length_m": "length",
    "width_m": "beam",
}


def _t(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _tables(path: Path) -> Path:
    return path / "tables"


def _by_line(df: pl.DataFrame, line: int) -> dict[str, Any]:
    rows = df.filter(pl.col("line") == line).to_dicts()
    assert len(rows) == 1, f"expected one row for line {line}, found {len(rows)}"
    return rows[0]


def _physical_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _balanced(acc: Accounting) -> None:
    """The invariant Accounting.check() enforces, restated here so a test fails on its own."""
    assert acc.records == acc.decoded + acc.rejected + acc.pending + acc.non_ais + acc.ignored
    assert acc.pending == 0 and acc.non_ais == 0  # tables have neither
    acc.check()


def _scan(path: Path, **kw: Any) -> tuple[dict[str, pl.DataFrame], Accounting]:
    """Read via the streaming reader, so the accounting comes with the tables."""
    reader = scan_table(path, **kw)
    parts: dict[str, list[pl.DataFrame]] = {}
    for batch in reader:
        for name, df in batch.items():
            parts.setdefault(name, []).append(df)
    tables = {name: pl.concat(frames) for name, frames in parts.items()}
    _balanced(reader.accounting)
    return tables, reader.accounting


def _write(path: Path, text: str, *, newline: str = "\n", bom: bool = False) -> Path:
    data = text.replace("\n", newline).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# --------------------------------------------------------------------------------------------
# public API and format detection


def test_public_api_exposes_the_table_readers() -> None:
    assert darkfleet.read_table is read_table
    assert darkfleet.scan_table is scan_table
    assert {"read_table", "scan_table", "scan_source"} <= set(darkfleet.__all__)


@pytest.mark.parametrize(
    ("name", "expected"),
    [(NOAA, "noaa"), (DMA, "dma"), (SPIRE, "spire")],
)
def test_detect_format_from_header(test_data: Path, name: str, expected: str) -> None:
    path = _tables(test_data) / name
    assert detect_table_format(path) == expected
    assert scan_table(path).format == expected
    # the same through the ingest entry point (sniff → csv → layout from the header)
    assert darkfleet.scan_source(path).format == expected


def test_mapped_format_through_scan_source(test_data: Path) -> None:
    reader = darkfleet.scan_source(_tables(test_data) / MAPPED, mapping=MAPPED_MAPPING)
    assert reader.format == "mapped"


def test_noaa_2024_lower_case_header_is_detected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ais_2024.csv",
        "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,"
        "vessel_type,status,length,width,draft,cargo,transceiver\n"
        "367752440,2024-01-01 00:00:03,-70.75733,43.07917,0.1,360.0,95.0,SAN JOSE,,WDI9818,"
        "31,0,,,,52,A\n",
    )
    assert detect_table_format(path) == "noaa"
    t, acc = _scan(path)
    row = _by_line(t["positions"], 2)
    assert (row["mmsi"], row["lat"], row["lon"]) == (367752440, 43.07917, -70.75733)
    assert row["timestamp"] == _t(2024, 1, 1, 0, 0, 3)
    assert row["cog_deg"] is None  # 360 = not available
    assert _by_line(t["statics"], 2)["shipname"] == "SAN JOSE"
    assert acc.decoded == 1


def test_header_missing_required_columns_names_file_and_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "no_lon.csv", "MMSI,BaseDateTime,LAT,SOG\n367752440,2023-01-11,1,2\n")
    with pytest.raises(SchemaError) as info:
        scan_table(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "'LON'" in msg and "noaa" in msg  # closest format and what it lacks
    assert "mapping" in msg  # says what to do
    # SchemaError is an InputError is a DarkfleetError (one tree)
    assert isinstance(info.value, InputError) and isinstance(info.value, DarkfleetError)
    with pytest.raises(SchemaError, match="'LON'"):
        detect_table_format(path)


def test_header_of_unknown_table_lists_formats_tried(tmp_path: Path) -> None:
    path = _write(tmp_path / "weather.csv", "station,temp_c,wind_kn\nEKCH,3.5,12\n")
    with pytest.raises(SchemaError) as info:
        read_table(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "matches no known table format" in msg
    for fmt in ("noaa", "dma", "spire"):
        assert fmt in msg
    assert "'station'" in msg  # the columns found


def test_forced_format_that_does_not_fit(test_data: Path) -> None:
    path = _tables(test_data) / DMA
    with pytest.raises(SchemaError) as info:
        scan_table(path, format="noaa")
    msg = str(info.value)
    assert "is not a noaa table" in msg
    # NOAA's 2024 aliases latitude/longitude match DMA's columns: only the time is missing
    assert "missing 'BaseDateTime'" in msg
    # the right forced format is accepted
    assert scan_table(path, format="dma").format == "dma"


def test_bad_arguments_are_config_errors(test_data: Path, tmp_path: Path) -> None:
    path = _tables(test_data) / NOAA
    with pytest.raises(ConfigError, match="unknown table format 'ais'"):
        scan_table(path, format="ais")
    with pytest.raises(ConfigError, match="batch_rows"):
        scan_table(path, batch_rows=0)
    with pytest.raises(ConfigError, match="statics"):
        scan_table(path, statics="some")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        scan_table(path, timezone="Mars/Olympus")
    with pytest.raises(ConfigError, match="mapping"):
        scan_table(path, format="mapped")
    with pytest.raises(InputError, match="no such file"):
        scan_table(tmp_path / "absent.csv")


# --------------------------------------------------------------------------------------------
# NOAA values


def test_noaa_values_and_units(test_data: Path) -> None:
    t, acc = _scan(_tables(test_data) / NOAA)
    pos, sta = t["positions"], t["statics"]
    assert pos.schema == pl.Schema(POSITIONS)
    assert sta.schema == pl.Schema(STATICS)
    assert pos["timestamp"].dtype == pl.Datetime("us", "UTC")

    # line 3: 636021061,2023-01-11T00:00:00,26.09241,-80.04806,8.8,272.7,270.0,MSC NAISHA III,
    #         IMO9307839,5LCB4,70,8.0,208.0,30.0,8.0,70.0,A
    r = _by_line(pos, 3)
    assert r["mmsi"] == 636021061
    assert r["timestamp"] == _t(2023, 1, 11, 0, 0, 0)
    assert (r["lat"], r["lon"]) == (26.09241, -80.04806)
    assert (r["sog_kn"], r["cog_deg"], r["heading_deg"], r["nav_status"]) == (8.8, 272.7, 270, 8)
    s = _by_line(sta, 3)
    assert s["imo"] == 9307839  # "IMO" prefix dropped
    assert (s["callsign"], s["shipname"], s["ship_type"]) == ("5LCB4", "MSC NAISHA III", 70)
    assert s["draught_m"] == 8.0
    # Length 208 / Width 30 without a reference point: A=0, B=length, C=0, D=width
    dims = (s["to_bow_m"], s["to_stern_m"], s["to_port_m"], s["to_starboard_m"])
    assert dims == (0, 208, 0, 30)

    # line 2: COG 360.0 = not available; no IMO, no dimensions, no draught
    r = _by_line(pos, 2)
    assert (r["mmsi"], r["sog_kn"], r["cog_deg"], r["heading_deg"]) == (367752440, 0.0, None, 95)
    s = _by_line(sta, 2)
    assert s["imo"] is None and s["draught_m"] is None and s["to_stern_m"] is None
    assert (s["callsign"], s["shipname"], s["ship_type"]) == ("WDI9818", "SAN JOSE", 31)

    # line 4: a second-precision timestamp and a fractional COG
    r = _by_line(pos, 4)
    assert r["timestamp"] == _t(2023, 1, 11, 0, 0, 1)
    assert (r["lat"], r["lon"], r["cog_deg"], r["heading_deg"]) == (32.4042, -79.54261, 0.9, 336)

    # line 6: heading 511.0 = not available
    assert _by_line(pos, 6)["heading_deg"] is None
    assert _by_line(pos, 6)["cog_deg"] == 240.1

    # line 26 ULISSE: SOG 102.3 and COG 360.0 are both "not available"
    r = _by_line(pos, 26)
    assert (r["mmsi"], r["sog_kn"], r["cog_deg"], r["heading_deg"]) == (249651000, None, None, 146)
    assert r["nav_status"] == 5
    s = _by_line(sta, 26)
    assert (s["imo"], s["draught_m"], s["ship_type"]) == (8688535, 3.1, 99)

    # line 8 RANDOLPH C: Length 22.0 but no Width
    s = _by_line(sta, 8)
    dims = (s["to_bow_m"], s["to_stern_m"], s["to_port_m"], s["to_starboard_m"])
    assert dims == (0, 22, None, None)

    # every one of the 30 data lines is a position (all have identity, too)
    assert pos.height == 30 and sta.height == 30
    assert pos["line"].to_list() == list(range(2, 32))
    assert t["rejects"].height == 0
    assert (acc.records, acc.lines_read, acc.decoded, acc.ignored, acc.rejected) == (
        31,
        31,
        30,
        1,
        0,
    )
    assert acc.rows_by_table["positions"] == 30
    assert pos["source_id"].unique().to_list() == [acc.source_id]


# --------------------------------------------------------------------------------------------
# DMA values, routing and rejects


def test_dma_values_and_phrases(test_data: Path) -> None:
    t, _ = _scan(_tables(test_data) / DMA)
    pos, sta = t["positions"], t["statics"]

    # line 4: 01/03/2024 00:00:01 (day first), GOLIATH VIG, Tug, A-D 5/13/3/3, ETA 02/03 07:00
    r = _by_line(pos, 4)
    assert r["timestamp"] == _t(2024, 3, 1, 0, 0, 1)
    assert (r["mmsi"], r["lat"], r["lon"]) == (219012382, 57.123067, 8.597717)
    assert (r["sog_kn"], r["cog_deg"], r["heading_deg"], r["rot_deg_min"]) == (9.4, 237.0, 237, 0.0)
    assert r["nav_status"] == 0  # "Under way using engine"
    s = _by_line(sta, 4)
    assert (s["imo"], s["callsign"], s["shipname"]) == (9876543, "OXQX2", "GOLIATH VIG")
    assert s["ship_type"] == 52  # Tug
    assert (s["to_bow_m"], s["to_stern_m"], s["to_port_m"], s["to_starboard_m"]) == (5, 13, 3, 3)
    assert (s["draught_m"], s["destination"], s["epfd"]) == (2.7, "HANSTHOLM", 1)
    assert (s["eta_month"], s["eta_day"], s["eta_hour"], s["eta_minute"]) == (3, 2, 7, 0)

    # line 5 repeats line 4's identity: no new statics row (statics="changes");
    # line 6 changes draught, destination and ETA: a new one
    assert 5 not in sta["line"].to_list()
    s = _by_line(sta, 6)
    assert (s["draught_m"], s["destination"], s["eta_hour"], s["eta_minute"]) == (
        2.8,
        "SKAGEN",
        9,
        30,
    )
    assert _by_line(pos, 6)["rot_deg_min"] == -2.1

    # line 7 Class B: "Unknown value" status → null, heading 511 → null, Sailing → 36,
    # Width 3 / Length 12 without A-D → 0/12/0/3
    r = _by_line(pos, 7)
    assert (r["nav_status"], r["heading_deg"], r["rot_deg_min"]) == (None, None, None)
    assert (r["sog_kn"], r["cog_deg"]) == (5.1, 102.4)
    s = _by_line(sta, 7)
    assert (s["shipname"], s["ship_type"], s["imo"], s["callsign"]) == (
        "SEA BREEZE",
        36,
        None,
        None,
    )
    assert (s["to_bow_m"], s["to_stern_m"], s["to_port_m"], s["to_starboard_m"]) == (0, 12, 0, 3)

    # line 9: position 91/181 (not available) but identity: a statics row, no position
    assert 9 not in pos["line"].to_list()
    s = _by_line(sta, 9)
    assert (s["mmsi"], s["imo"], s["ship_type"], s["draught_m"]) == (265547250, 9123456, 70, 5.6)

    # line 19: "Restricted maneuverability" → 3, Tanker → 80
    assert _by_line(pos, 19)["nav_status"] == 3
    assert _by_line(sta, 19)["ship_type"] == 80
    # line 20: Moored → 5, Passenger → 60, COG and heading empty
    r = _by_line(pos, 20)
    assert (r["nav_status"], r["cog_deg"], r["heading_deg"]) == (5, None, None)
    assert _by_line(sta, 20)["ship_type"] == 60

    # non-vessel rows go to their own tables
    base = _by_line(t["base_stations"], 2)
    assert (base["mmsi"], base["lat"], base["lon"]) == (2190068, 55.8373, 10.6252)
    aton = _by_line(t["aids_to_navigation"], 10)
    assert (aton["mmsi"], aton["lat"], aton["lon"], aton["epfd"]) == (992191234, 55.6, 12.7, 7)
    other = _by_line(t["other_messages"], 11)
    assert other["mmsi"] == 111219501
    assert other["payload"].startswith("01/03/2024 00:00:04,SAR Airborne,111219501,")
    for line in (2, 10, 11):
        assert line not in pos["line"].to_list()


def test_dma_rejects_are_kept_with_line_raw_and_reason(test_data: Path) -> None:
    path = _tables(test_data) / DMA
    data = path.read_bytes()
    text_lines = data.decode().split("\n")
    t, acc = _scan(path)
    rej = t["rejects"]
    assert rej.schema == pl.Schema(REJECTS)
    expected = {
        8: "no_position",  # 91/181, no identity
        13: "bad_timestamp",  # 31/02/2024
        14: "bad_mmsi",  # MMSI 0
        15: "bad_position",  # latitude 95.5
        16: "bad_value",  # SOG "fast"
        17: "wrong_field_count",  # 8 fields
        18: "bad_value",  # status "Drifting"
    }
    assert dict(zip(rej["line"], rej["reason"], strict=True)) == expected
    assert set(rej["reason"]) <= set(REJECT_REASONS)
    for row in rej.to_dicts():
        # raw is the line's exact text; offset_bytes points at it in the file
        assert row["raw"] == text_lines[row["line"] - 1]
        assert data[row["offset_bytes"] :].startswith(row["raw"].encode())
        assert row["source_id"] == acc.source_id
    details = dict(zip(rej["line"], rej["detail"], strict=True))
    assert "31/02/2024 00:00:05" in details[13]
    assert "MMSI='0'" in details[14]
    assert "95.500000" in details[15]
    assert "SOG='fast'" in details[16]
    assert "expected 26 fields" in details[17] and "found 8" in details[17]
    assert "Drifting" in details[18]
    # rejects keep the time when it could be read; a bad time is null
    assert _by_line(rej, 14)["timestamp"] == _t(2024, 3, 1, 0, 0, 5)
    assert _by_line(rej, 13)["timestamp"] is None

    # accounting: 20 physical lines = header + blank line 12 (ignored) + 11 decoded + 7 rejects
    assert acc.lines_read == acc.records == _physical_lines(data) == 20
    assert acc.ignored == 2
    assert acc.rejected == 7
    assert acc.rejected_by_reason == {
        "no_position": 1,
        "bad_timestamp": 1,
        "bad_mmsi": 1,
        "bad_position": 1,
        "bad_value": 2,
        "wrong_field_count": 1,
    }
    decoded_lines = set()
    for name in ("positions", "statics", "base_stations", "aids_to_navigation", "other_messages"):
        decoded_lines |= set(t[name]["line"])
    assert acc.decoded == len(decoded_lines) == 11
    # no line lost, none counted twice
    assert decoded_lines.isdisjoint(set(rej["line"]))
    assert decoded_lines | set(rej["line"]) | {1, 12} == set(range(1, 21))
    for name, df in t.items():
        assert acc.rows_by_table[name] == df.height


# --------------------------------------------------------------------------------------------
# Spire values


def test_spire_values_sentinels_and_message_types(test_data: Path) -> None:
    t, acc = _scan(_tables(test_data) / SPIRE)
    pos, sta = t["positions"], t["statics"]

    # line 2: type 1, Time 20210701_120000 + Millisecond 250
    r = _by_line(pos, 2)
    assert r["timestamp"] == _t(2021, 7, 1, 12, 0, 0) + timedelta(milliseconds=250)
    assert (r["mmsi"], r["msg_type"], r["repeat"]) == (538001234, 1, 0)
    assert (r["lat"], r["lon"]) == (-5.25, 120.5)
    assert (r["sog_kn"], r["cog_deg"], r["heading_deg"], r["rot_deg_min"]) == (12.3, 45.5, 44, -2.5)
    assert (r["nav_status"], r["position_accuracy"], r["raim"]) == (0, True, False)
    assert (r["utc_second"], r["maneuver"], r["radio_status"]) == (58, 0, 2249)

    # line 6: type 18, SOG/COG/Heading "None" → null; ms 999
    r = _by_line(pos, 6)
    assert r["timestamp"] == _t(2021, 7, 1, 12, 0, 3) + timedelta(milliseconds=999)
    assert (r["msg_type"], r["lat"], r["lon"]) == (18, 41.5, -70.125)
    assert (r["sog_kn"], r["cog_deg"], r["heading_deg"]) == (None, None, None)

    # line 4: type 5 statics; "@" padding and trailing spaces stripped; draught in decimetres;
    # the quoted destination holds a comma
    s = _by_line(sta, 4)
    assert (s["shipname"], s["callsign"], s["imo"], s["ship_type"]) == (
        "ORIENT STAR",
        "V7AB3",
        9456789,
        70,
    )
    assert s["draught_m"] == 11.0  # Draught 110 dm
    assert s["destination"] == "ZHOUSHAN, CHINA"
    assert (s["to_bow_m"], s["to_stern_m"], s["to_port_m"], s["to_starboard_m"]) == (
        150,
        30,
        12,
        16,
    )
    assert (s["eta_month"], s["eta_day"], s["eta_hour"], s["eta_minute"]) == (7, 4, 6, 30)
    assert (s["ais_version"], s["epfd"], s["dte"]) == (2, 1, False)
    # line 5 repeats that identity (only Repeat_indicator and time differ): no new row
    assert 5 not in sta["line"].to_list()

    # line 7: type 19 is both a position and a statics row; a doubled quote inside quotes
    assert _by_line(pos, 7)["sog_kn"] == 6.2
    s = _by_line(sta, 7)
    assert (s["shipname"], s["ship_type"], s["dte"]) == ('SEA "STAR"', 37, True)

    # lines 8, 9: type 24 parts A and B
    a, b = _by_line(sta, 8), _by_line(sta, 9)
    assert (a["part_number"], a["shipname"], a["callsign"]) == (0, "LITTLE WING", None)
    assert (b["part_number"], b["callsign"], b["ship_type"], b["vendor_id"]) == (
        1,
        "WDL1234",
        36,
        "SRTEG!9",
    )

    # line 10: type 27 long-range, repeat 3
    r = _by_line(pos, 10)
    assert (r["msg_type"], r["repeat"], r["lat"], r["lon"], r["sog_kn"]) == (
        27,
        3,
        42.24,
        130.3,
        11.0,
    )

    # line 11: type 4 base station with its own UTC clock
    base = _by_line(t["base_stations"], 11)
    assert (base["mmsi"], base["lat"], base["lon"], base["epfd"]) == (2734450, 42.8, 132.9, 7)
    assert base["station_utc"] == _t(2021, 7, 1, 12, 0, 7)
    assert base["radio_status"] == 81942

    # line 12: type 21 aid to navigation; name + extension; A-D all 0 → not available
    aton = _by_line(t["aids_to_navigation"], 12)
    assert (aton["mmsi"], aton["aid_type"], aton["lat"], aton["lon"]) == (
        995036044,
        14,
        -38.100142,
        144.381983,
    )
    assert aton["name"] == "NORTH CHANNEL BUOYEXT"
    assert aton["to_bow_m"] is None and aton["to_stern_m"] is None
    assert (aton["virtual_aid"], aton["off_position"]) == (True, False)

    # line 13: type 8 kept whole in other_messages
    other = _by_line(t["other_messages"], 13)
    assert (other["mmsi"], other["msg_type"]) == (538001236, 8)
    assert other["payload"].startswith('"538001236","8","0","20210701_120010"')

    # rejects: line 3 all sentinels (no position, no identity), MMSI 0, millisecond 1002,
    # an unterminated quote
    rej = t["rejects"]
    assert dict(zip(rej["line"], rej["reason"], strict=True)) == {
        3: "no_position",
        14: "bad_mmsi",
        15: "bad_timestamp",
        16: "malformed_csv",
    }
    assert "Millisecond='1002'" in _by_line(rej, 15)["detail"]
    assert (
        _by_line(rej, 16)["raw"] == '"538001237","1","0","20210701_120013","0","66"unterminated,"x'
    )
    assert acc.records == 16 and acc.ignored == 1 and acc.rejected == 4 and acc.decoded == 11


def test_statics_all_keeps_repeated_identities(test_data: Path) -> None:
    changes = read_table(_tables(test_data) / SPIRE)["statics"]
    every = read_table(_tables(test_data) / SPIRE, statics="all")["statics"]
    assert set(every["line"]) - set(changes["line"]) == {5}
    assert _by_line(every, 5)["repeat"] == 1


@pytest.mark.parametrize("name", [NOAA, DMA, SPIRE])
def test_batch_size_does_not_change_the_result(test_data: Path, name: str) -> None:
    path = _tables(test_data) / name
    whole, acc_whole = _scan(path)
    small, acc_small = _scan(path, batch_rows=3)
    assert whole.keys() == small.keys()
    for table in whole:
        assert whole[table].equals(small[table]), table
    assert acc_whole.to_dict() == acc_small.to_dict()


def test_reading_twice_starts_the_accounting_anew(test_data: Path) -> None:
    reader = scan_table(_tables(test_data) / DMA)
    list(reader)
    first = reader.accounting.to_dict()
    list(reader)
    assert reader.accounting.to_dict() == first
    assert first["records"] == 20


# --------------------------------------------------------------------------------------------
# mapped CSV and Parquet


def test_mapped_semicolon_csv(test_data: Path) -> None:
    t, acc = _scan(_tables(test_data) / MAPPED, mapping=MAPPED_MAPPING)
    pos, sta, rej = t["positions"], t["statics"], t["rejects"]
    # line 2: ISO with Z; COG empty
    r = _by_line(pos, 2)
    assert r["timestamp"] == _t(2023, 10, 5, 3, 0, 0)
    assert (r["mmsi"], r["lat"], r["lon"], r["sog_kn"], r["cog_deg"]) == (
        273345000,
        42.24,
        130.3,
        0.0,
        None,
    )
    s = _by_line(sta, 2)
    assert (s["shipname"], s["imo"]) == ("ANGARA", 9179842)
    assert (s["to_bow_m"], s["to_stern_m"], s["to_port_m"], s["to_starboard_m"]) == (0, 158, 0, 23)
    # line 3: +03:00 offset → 03:00 UTC
    r = _by_line(pos, 3)
    assert r["timestamp"] == _t(2023, 10, 5, 3, 0, 0)
    assert (r["sog_kn"], r["cog_deg"]) == (1.5, 95.5)
    # line 4: Unix seconds 1696500000 = 2023-10-05T10:00:00Z; IMO without prefix
    assert _by_line(pos, 4)["timestamp"] == _t(2023, 10, 5, 10, 0, 0)
    # line 5: no position, but a name (and the dimensions are gone): statics only
    assert 5 not in pos["line"].to_list()
    s = _by_line(sta, 5)
    assert s["timestamp"] == _t(2023, 10, 5, 9, 0, 0)
    assert (s["shipname"], s["imo"], s["to_stern_m"]) == ("ANGARA", None, None)
    # lines 3, 4 repeat line 2's identity: no statics rows
    assert sorted(sta["line"]) == [2, 5]
    # line 6: "yesterday"
    assert rej["line"].to_list() == [6]
    r = _by_line(rej, 6)
    assert r["reason"] == "bad_timestamp"
    assert "time_utc='yesterday'" in r["detail"]
    assert r["raw"] == "273345001;yesterday;42.7;132.9;;;;;;"
    assert (acc.records, acc.decoded, acc.rejected, acc.ignored) == (6, 4, 1, 1)


def test_mapped_csv_naive_time_in_a_time_zone(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "local.csv",
        "id,when,la,lo\n219000873,2024-07-01 12:00:00,56.99,10.3\n"
        "219000873,2024-01-15 12:00:00,56.99,10.3\n",
    )
    mapping = {"mmsi": "id", "timestamp": "when", "lat": "la", "lon": "lo"}
    t = read_table(path, mapping=mapping, timezone="Europe/Copenhagen")
    # CEST (UTC+2) in July, CET (UTC+1) in January
    assert t["positions"]["timestamp"].to_list() == [
        _t(2024, 7, 1, 10, 0, 0),
        _t(2024, 1, 15, 11, 0, 0),
    ]


def test_fractional_dimensions_round_to_whole_metres(tmp_path: Path) -> None:
    # registries and vendors write lengths like 140.64999; AIS carries whole metres, so a
    # fractional length must not turn the whole row (its position too) into a reject
    path = _write(
        tmp_path / "dims.csv",
        "id,when,la,lo,len,beam,kind\n"
        "273345000,2024-07-01T12:00:00Z,42.24,130.3,140.64999,22.5,70\n"
        "273345001,2024-07-01T12:00:00Z,42.25,130.3,140.4,23.49,70.5\n",
    )
    mapping = {
        "mmsi": "id",
        "timestamp": "when",
        "lat": "la",
        "lon": "lo",
        "length_m": "len",
        "width_m": "beam",
        "ship_type": "kind",
    }
    t = read_table(path, mapping=mapping)
    s = _by_line(t["statics"], 2)
    assert (s["to_bow_m"], s["to_stern_m"], s["to_port_m"], s["to_starboard_m"]) == (0, 141, 0, 23)
    # other integer columns still need whole numbers: ship type 70.5 is a reject
    assert t["positions"]["line"].to_list() == [2]
    r = _by_line(t["rejects"], 3)
    assert r["reason"] == "bad_value" and "70.5" in r["detail"]


def test_mapping_errors(test_data: Path) -> None:
    path = _tables(test_data) / MAPPED
    bad = {**MAPPED_MAPPING, "lat": "latitude_deg"}
    with pytest.raises(SchemaError) as info:
        scan_table(path, mapping=bad)
    msg = str(info.value)
    assert str(path) in msg and "'latitude_deg'" in msg
    assert "'y'" in msg  # lists what line 1 has
    with pytest.raises(ConfigError, match="'speed'"):
        scan_table(path, mapping={**MAPPED_MAPPING, "speed": "speed_kn"})
    with pytest.raises(ConfigError, match="'timestamp'"):
        scan_table(path, mapping={"mmsi": "ship_id", "lat": "y", "lon": "x"})
    with pytest.raises(ConfigError, match="mapping"):
        scan_table(path, format="noaa", mapping=MAPPED_MAPPING)


def test_mapping_matches_case_insensitively(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "upper.csv", "SHIP_ID,T,Y,X\n273345000,2023-10-05T03:00:00Z,42.24,130.3\n"
    )
    t = read_table(path, mapping={"mmsi": "ship_id", "timestamp": "t", "lat": "y", "lon": "x"})
    assert t["positions"]["mmsi"].to_list() == [273345000]


def _fixes_parquet(path: Path) -> Path:
    pl.DataFrame(
        {
            "ship_id": [273345000, 273345000, 412345678, 273345000],
            "t": [
                datetime(2023, 10, 5, 3, 0, 0),
                datetime(2023, 10, 5, 6, 0, 0),
                datetime(2023, 10, 5, 7, 0, 0),
                None,
            ],
            "y": [42.24, 95.5, 42.8, 42.9],
            "x": [130.3, 130.31, 132.9, 133.0],
            "speed": [0.0, 1.5, None, 2.0],
            "hdg": [511, 90, 180, 45],
            "vessel": ["ANGARA", "ANGARA", 'SEA "STAR", II', "ANGARA"],
            "unused": ["a", "b", "c", "d"],
        },
        schema_overrides={"hdg": pl.Int16},
    ).write_parquet(path)
    return path


PARQUET_MAPPING = {
    "mmsi": "ship_id",
    "timestamp": "t",
    "lat": "y",
    "lon": "x",
    "sog_kn": "speed",
    "heading_deg": "hdg",
    "shipname": "vessel",
}


def test_mapped_parquet(tmp_path: Path) -> None:
    path = _fixes_parquet(tmp_path / "fixes.parquet")
    t, acc = _scan(path, mapping=PARQUET_MAPPING)
    pos, sta, rej = t["positions"], t["statics"], t["rejects"]
    # Parquet "line" is the 1-based row number (no header line)
    r = _by_line(pos, 1)
    assert r["timestamp"] == _t(2023, 10, 5, 3, 0, 0)  # naive Parquet time read as UTC
    assert (r["mmsi"], r["lat"], r["lon"], r["sog_kn"], r["heading_deg"]) == (
        273345000,
        42.24,
        130.3,
        0.0,
        None,  # 511
    )
    r = _by_line(pos, 3)
    assert (r["mmsi"], r["sog_kn"], r["heading_deg"]) == (412345678, None, 180)
    assert _by_line(sta, 3)["shipname"] == 'SEA "STAR", II'
    assert sorted(pos["line"]) == [1, 3]
    assert dict(zip(rej["line"], rej["reason"], strict=True)) == {
        2: "bad_position",
        4: "bad_timestamp",
    }
    r2 = _by_line(rej, 2)
    assert r2["offset_bytes"] is None
    assert "95.5" in r2["raw"] and "ANGARA" in r2["raw"]
    assert "unused" not in r2["raw"] and ",b" not in r2["raw"]
    assert "95.5" in r2["detail"]
    # no header line in Parquet: nothing ignored
    assert (acc.records, acc.lines_read, acc.decoded, acc.rejected, acc.ignored) == (4, 4, 2, 2, 0)


def test_mapped_parquet_with_zoned_times(tmp_path: Path) -> None:
    path = tmp_path / "zoned.parquet"
    tz = timezone(timedelta(hours=9))
    pl.DataFrame(
        {
            "id": [273345000],
            "t": pl.Series([datetime(2023, 10, 5, 12, 0, 0)]).dt.replace_time_zone("Asia/Tokyo"),
            "lat": [42.24],
            "lon": [130.3],
        }
    ).write_parquet(path)
    t = read_table(path, mapping={"mmsi": "id", "timestamp": "t", "lat": "lat", "lon": "lon"})
    ts = t["positions"]["timestamp"]
    assert ts.dtype == pl.Datetime("us", "UTC")
    assert ts.to_list() == [datetime(2023, 10, 5, 12, 0, 0, tzinfo=tz)]  # 03:00 UTC


def test_parquet_mapping_naming_a_missing_column(tmp_path: Path) -> None:
    path = _fixes_parquet(tmp_path / "fixes.parquet")
    with pytest.raises(SchemaError) as info:
        scan_table(path, mapping={**PARQUET_MAPPING, "imo": "imo_number"})
    msg = str(info.value)
    assert str(path) in msg and "'imo_number'" in msg and "'ship_id'" in msg


def test_parquet_without_a_mapping_is_detected_from_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "noaa.parquet"
    pl.DataFrame(
        {
            "MMSI": [367752440],
            "BaseDateTime": ["2023-01-11T00:00:00"],
            "LAT": [43.07917],
            "LON": [-70.75733],
        }
    ).write_parquet(path)
    assert detect_table_format(path) == "noaa"
    r = _by_line(read_table(path)["positions"], 1)
    assert (r["mmsi"], r["timestamp"], r["lat"]) == (367752440, _t(2023, 1, 11, 0, 0, 0), 43.07917)


def test_damaged_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 20)
    with pytest.raises(InputError, match="not a readable Parquet file"):
        scan_table(path)


# --------------------------------------------------------------------------------------------
# compressed input, text edge cases


def test_gzip_input_reads_like_the_plain_file(test_data: Path, tmp_path: Path) -> None:
    plain = _tables(test_data) / DMA
    gz = tmp_path / "aisdk.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    a, acc_a = _scan(plain)
    b, acc_b = _scan(gz)
    for table in a:
        assert a[table].drop("source_id").equals(b[table].drop("source_id")), table
    assert acc_b.format == "dma"
    assert acc_b.records == acc_a.records == 20
    # the gzip file is its own source (hash of its bytes)
    assert acc_b.source_id != acc_a.source_id
    assert darkfleet.scan_source(gz).format == "dma"


def test_zip_input(test_data: Path, tmp_path: Path) -> None:
    plain = _tables(test_data) / NOAA
    one = tmp_path / "one.zip"
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(plain, "AIS_2023_01_11.csv")
    t, acc = _scan(one)
    assert t["positions"].height == 30 and acc.records == 31
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.write(plain, "a.csv")
        zf.write(plain, "b.csv")
    with pytest.raises(InputError, match="exactly one") as info:
        scan_table(two)
    assert str(two) in str(info.value)


def _big_noaa(rows: int) -> bytes:
    """A NOAA file of ``rows`` copies of one real line, with distinct seconds."""
    out = [NOAA_HEADER]
    for i in range(rows):
        out.append(
            NOAA_ROW.replace("T00:00:00", f"T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}")
        )
    return ("\n".join(out) + "\n").encode()


def test_truncated_gzip_fails_in_the_first_block_with_a_clear_error(tmp_path: Path) -> None:
    data = _big_noaa(3000)
    assert len(data) > 2 * (1 << 16)  # the header probe succeeds, the first block does not
    packed = gzip.compress(data)
    path = tmp_path / "truncated.csv.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    reader = scan_table(path)  # header readable
    with pytest.raises(InputError) as info:
        list(reader)
    msg = str(info.value)
    assert str(path) in msg and "damaged or truncated" in msg
    assert isinstance(info.value.__cause__, EOFError)
    # the ingest entry point gives the same clear error, not a crash
    with pytest.raises(InputError, match="damaged or truncated"):
        list(darkfleet.scan_source(path))


def test_truncated_small_gzip_fails_on_the_header(test_data: Path, tmp_path: Path) -> None:
    packed = gzip.compress((_tables(test_data) / NOAA).read_bytes())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputError, match="line 1") as info:
        scan_table(path)
    assert str(path) in str(info.value)
    # sniffing (scan_source, ingest) used to let the raw EOFError escape
    with pytest.raises(InputError, match="damaged or truncated") as info2:
        darkfleet.scan_source(path)
    assert str(path) in str(info2.value)


def test_corrupt_gzip_body_is_an_input_error(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(_big_noaa(3000)))
    mid = len(packed) // 2
    packed[mid : mid + 64] = b"\xff" * 64
    path = tmp_path / "corrupt.csv.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(InputError, match="damaged or truncated"):
        list(scan_table(path))


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.csv", "")
    with pytest.raises(SchemaError, match="line 1 is empty") as info:
        scan_table(path)
    assert str(path) in str(info.value)
    with pytest.raises(FormatError, match="empty"):
        darkfleet.scan_source(path)


def test_header_only_file(tmp_path: Path) -> None:
    for text in (NOAA_HEADER, NOAA_HEADER + "\n"):
        path = _write(tmp_path / "header_only.csv", text)
        t, acc = _scan(path)
        assert t == {} or all(df.height == 0 for df in t.values())
        assert (acc.records, acc.lines_read, acc.ignored, acc.decoded, acc.rejected) == (
            1,
            1,
            1,
            0,
            0,
        )
        eager = read_table(path)
        assert eager["positions"].height == 0
        assert eager["positions"].schema == pl.Schema(POSITIONS)


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_crlf_and_bom(tmp_path: Path, bom: bool, newline: str) -> None:
    bad = NOAA_ROW.replace("26.09241", "-91.5")
    text = f"{NOAA_HEADER}\n{NOAA_ROW}\n{bad}\n"
    path = _write(tmp_path / "x.csv", text, newline=newline, bom=bom)
    data = path.read_bytes()
    assert detect_table_format(path) == "noaa"
    t, acc = _scan(path)
    r = _by_line(t["positions"], 2)
    assert (r["mmsi"], r["lat"], r["lon"]) == (636021061, 26.09241, -80.04806)
    s = _by_line(t["statics"], 2)
    assert s["shipname"] == "MSC NAISHA III"
    # the last field did not keep a "\r" (TransceiverClass is unused, so check via raw)
    rej = _by_line(t["rejects"], 3)
    assert rej["reason"] == "bad_position"
    assert rej["raw"] == bad
    assert data[rej["offset_bytes"] :].startswith(bad.encode())
    assert (acc.records, acc.decoded, acc.rejected, acc.ignored) == (3, 1, 1, 1)


def test_quoted_fields_with_commas_and_quoted_header(tmp_path: Path) -> None:
    header = ",".join(f'"{c}"' for c in NOAA_HEADER.split(","))
    text = (
        f"{header}\n"
        '367001234,2023-01-11T00:00:05,29.1,-90.2,1.0,10.0,11.0,"SMITH, JOHN ""JR""",,WXY1,'
        "31,0,20,6,,52,A\n"
        '367001235,"2023-01-11T00:00:06","29.2","-90.3",2.0,20.0,21.0,"",,,,,,,,,B\n'
        '367001236,2023-01-11T00:00:07,29.3,-90.4,3.0,30.0,31.0,"OPEN, QUOTE,,,,,,,,,,\n'
    )
    path = _write(tmp_path / "quoted.csv", text)
    assert detect_table_format(path) == "noaa"
    t, acc = _scan(path)
    s = _by_line(t["statics"], 2)
    assert s["shipname"] == 'SMITH, JOHN "JR"'
    assert (s["callsign"], s["to_stern_m"], s["to_starboard_m"]) == ("WXY1", 20, 6)
    r = _by_line(t["positions"], 3)
    assert (r["timestamp"], r["lat"], r["lon"]) == (_t(2023, 1, 11, 0, 0, 6), 29.2, -90.3)
    assert 3 not in t["statics"]["line"].to_list()  # no identity at all
    assert _by_line(t["rejects"], 4)["reason"] == "malformed_csv"
    assert (acc.records, acc.decoded, acc.rejected) == (4, 2, 1)


def test_blank_lines_and_repeated_headers_are_ignored(tmp_path: Path) -> None:
    row2 = NOAA_ROW.replace("636021061", "636021062")
    text = f"{NOAA_HEADER}\n{NOAA_ROW}\n\n   \n{NOAA_HEADER}\n{row2}"  # no final newline
    path = _write(tmp_path / "concat.csv", text)
    t, acc = _scan(path)
    assert sorted(t["positions"]["line"]) == [2, 6]
    assert _by_line(t["positions"], 6)["mmsi"] == 636021062
    assert (acc.records, acc.ignored, acc.decoded, acc.rejected) == (6, 4, 2, 0)
    assert acc.records == _physical_lines(path.read_bytes())


def test_bad_rows_in_every_way(tmp_path: Path) -> None:
    rows = {
        2: NOAA_ROW.replace("8.8,272.7", "8.8x,272.7"),  # SOG not a number
        3: NOAA_ROW.replace("2023-01-11T00:00:00", "2023-13-11T00:00:00"),  # month 13
        4: NOAA_ROW.replace("2023-01-11T00:00:00", ""),  # no time
        5: NOAA_ROW.replace("26.09241", "90.5"),  # lat out of range
        6: NOAA_ROW.replace("-80.04806", "-180.5"),  # lon out of range
        7: NOAA_ROW + ",extra",  # one field too many
        8: NOAA_ROW.replace("636021061", "63602106X"),  # MMSI not a number
        9: NOAA_ROW.replace(",70,8.0,", ",70.5,8.0,"),  # VesselType not whole
        10: NOAA_ROW.replace("IMO9307839", "IMOX"),  # not an IMO
        11: NOAA_ROW.replace("636021061", "1000000000"),  # MMSI too large
        12: "636021061,2023-01-11T00:00:00,91,-80.04806,,,,,,,,,,,,,",  # lat 91, no identity
        13: NOAA_ROW,  # good
    }
    text = NOAA_HEADER + "\n" + "\n".join(rows[i] for i in sorted(rows)) + "\n"
    path = _write(tmp_path / "bad.csv", text)
    t, acc = _scan(path)
    rej = t["rejects"]
    assert dict(zip(rej["line"], rej["reason"], strict=True)) == {
        2: "bad_value",
        3: "bad_timestamp",
        4: "bad_timestamp",
        5: "bad_position",
        6: "bad_position",
        7: "wrong_field_count",
        8: "bad_mmsi",
        9: "bad_value",
        10: "bad_value",
        11: "bad_mmsi",
        12: "no_position",
    }
    for row in rej.to_dicts():
        assert row["raw"] == rows[row["line"]]
    details = dict(zip(rej["line"], rej["detail"], strict=True))
    assert "SOG='8.8x'" in details[2]
    assert "2023-13-11" in details[3]
    assert "BaseDateTime=''" in details[4] and "empty" in details[4]
    assert "VesselType='70.5'" in details[9]
    assert "IMO='IMOX'" in details[10]
    assert "expected 17 fields" in details[7] and "found 18" in details[7]
    assert t["positions"]["line"].to_list() == [13]
    assert (acc.records, acc.decoded, acc.rejected, acc.ignored) == (13, 1, 11, 1)
    assert acc.rejected_by_reason["bad_value"] == 3
    assert acc.rows_by_table["rejects"] == 11


def test_invalid_utf8_is_kept_not_raised(tmp_path: Path) -> None:
    data = (NOAA_HEADER + "\n" + NOAA_ROW.replace("MSC NAISHA III", "MSC \xff") + "\n").encode(
        "latin-1"
    )
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    t, acc = _scan(path)
    assert _by_line(t["statics"], 2)["shipname"] == "MSC \ufffd"
    assert acc.decoded == 1


# --------------------------------------------------------------------------------------------
# real data (../shared/data/positions)


@pytest.mark.shared
def test_real_noaa_marinecadastre_sample(shared_data: Path) -> None:
    path = shared_data / "positions" / "aisdb_noaa_marinecadastre_20230111_sample.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    t, acc = _scan(path)
    assert acc.format == "noaa"
    assert acc.records == acc.lines_read == _physical_lines(path.read_bytes())
    assert t["positions"].height > 0
    assert acc.decoded + acc.rejected + acc.ignored == acc.records
    # line 2 of the file: 367752440,2023-01-11T00:00:00,43.07917,-70.75733,0.0,360.0,95.0,...
    r = _by_line(t["positions"], 2)
    assert (r["mmsi"], r["lat"], r["lon"], r["cog_deg"]) == (367752440, 43.07917, -70.75733, None)
    lat, lon = t["positions"]["lat"], t["positions"]["lon"]
    assert lat.is_between(-90, 90).all() and lon.is_between(-180, 180).all()


@pytest.mark.shared
def test_real_spire_satellite_sample(shared_data: Path) -> None:
    path = shared_data / "positions" / "aisdb_spire_sat_20210701.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    t, acc = _scan(path)
    assert acc.format == "spire"
    assert acc.records == acc.lines_read == _physical_lines(path.read_bytes())
    assert t["positions"].height > 0 and t["statics"].height > 0
    assert acc.rejected == t["rejects"].height
    # every line is somewhere: decoded lines and reject lines do not overlap, all are counted
    decoded = set()
    for name in ("positions", "statics", "base_stations", "aids_to_navigation", "other_messages"):
        decoded |= set(t[name]["line"])
    assert len(decoded) == acc.decoded
    assert decoded.isdisjoint(set(t["rejects"]["line"]))
    # sentinels never leak into positions
    pos = t["positions"]
    assert not (pos["lat"] == 91).any() and not (pos["lon"] == 181).any()
    assert not (pos["heading_deg"] == 511).any() and not (pos["sog_kn"] == 102.3).any()
    assert pos["timestamp"].dt.date().unique().to_list() == [datetime(2021, 7, 1).date()]


@pytest.mark.shared
def test_real_semicolon_file_with_a_mapping(shared_data: Path) -> None:
    path = (
        shared_data
        / "positions"
        / "argenni_decoded_traffic_Gibraltar_Straight_all_ships_2016A_micro_20k_sample_ais_data.csv"
    )
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    mapping = {
        "mmsi": "MMSI",
        "timestamp": "TIMESTAMP_UTC",
        "lat": "LAT",
        "lon": "LON",
        "heading_deg": "HEADING",
    }
    t, acc = _scan(path, mapping=mapping)
    assert acc.records == _physical_lines(path.read_bytes()) == 20000
    assert t["positions"].height > 0
    # line 2: 211325220;133109;99;0;-5.3571582;36.157688;0;511;2016-06-01 04:43:48;...
    r = _by_line(t["positions"], 2)
    assert (r["mmsi"], r["lon"], r["lat"], r["heading_deg"]) == (
        211325220,
        -5.3571582,
        36.157688,
        None,
    )
    assert r["timestamp"] == _t(2016, 6, 1, 4, 43, 48)
