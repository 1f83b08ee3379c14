"""The AIS encoder against pyais, the reference decoder nobody here wrote.

Property tests draw raw field values for every layout of :mod:`darkfleet.io.nmea.spec`,
encode them and check that pyais decodes the same values back; sentence tests check
checksums, multipart assembly and each time framing the way pyais (and real feeds) read them.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyais
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.constants import EpfdType, NavAid, ShipType
from pyais.messages import NMEAMessage, TagBlock, to_turn
from pyais.stream import ByteStream, FileReaderStream

from darkfleet.errors import ConfigError
from darkfleet.io.nmea import spec
from darkfleet.io.nmea.encode import (
    FRAMINGS,
    encode_payloads,
    message_bits,
    to_sentences,
    write_nmea,
)

#: Canonical column → pyais attribute, where the names differ.
PYAIS_NAME = {
    "nav_status": "status",
    "rot_deg_min": "turn",
    "sog_kn": "speed",
    "position_accuracy": "accuracy",
    "cog_deg": "course",
    "heading_deg": "heading",
    "utc_second": "second",
    "radio_status": "radio",
    "to_bow_m": "to_bow",
    "to_stern_m": "to_stern",
    "to_port_m": "to_port",
    "to_starboard_m": "to_starboard",
    "eta_month": "month",
    "eta_day": "day",
    "eta_hour": "hour",
    "eta_minute": "minute",
    "draught_m": "draught",
    "vendor_id": "vendorid",
    "part_number": "partno",
}
FIXED = {"msg_type", "part_number"}
ENUMS = {"epfd": EpfdType, "ship_type": ShipType, "aid_type": NavAid}
TEXT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -./abcxyz"


def _layouts() -> list[spec.Layout]:
    return list(spec.LAYOUTS)


def _raw_bounds(f: spec.Field) -> tuple[int, int]:
    if f.kind == "i":
        return -(1 << (f.width - 1)), (1 << (f.width - 1)) - 1
    return 0, (1 << f.width) - 1


@st.composite
def _row(draw: st.DrawFn, layout: spec.Layout) -> dict[str, Any]:
    """One message as {column: (value given to the encoder, raw value or text expected)}."""
    row: dict[str, Any] = {"msg_type": draw(st.sampled_from(layout.msg_types))}
    for f in layout.fields:
        if f.column in FIXED or f.column == "mothership_mmsi":
            continue
        if f.kind == "t":
            text = draw(st.none() | st.text(TEXT_ALPHABET, max_size=f.width // 6))
            row[f.column] = text if text is None else text.rstrip()
            continue
        if f.column not in ("mmsi", "repeat") and draw(st.integers(0, 4)) == 0:
            row[f.column] = None
            continue
        lo, hi = _raw_bounds(f)
        values = st.integers(lo, hi).filter(lambda v, na=f.na: v not in na)
        if f.column in ENUMS:  # pyais maps values outside its enums to a default
            values = st.sampled_from(
                [int(v) for v in ENUMS[f.column] if lo <= v <= hi and v not in f.na]
            )
        raw = draw(values)
        row[f.column] = bool(raw) if f.kind == "b" else raw / f.scale if f.scale != 1 else raw
    return row


def _frame(rows: list[dict[str, Any]], layout: spec.Layout) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"msg_type": pl.Int8()}
    for f in layout.fields:
        if f.column in rows[0]:
            schema[f.column] = (
                pl.String()
                if f.kind == "t"
                else pl.Boolean()
                if f.kind == "b"
                else pl.Float64()
                if f.scale != 1
                else pl.Int64()
            )
    return pl.DataFrame(rows, schema=schema)


def _expected_raw(f: spec.Field, value: Any) -> int:
    if value is None:
        return f.na[0] if f.na else 0
    return round(value * f.scale)


def _check(decoded: Any, layout: spec.Layout, row: dict[str, Any]) -> None:
    for f in layout.fields:
        if f.column not in row:
            continue
        got = getattr(decoded, PYAIS_NAME.get(f.column, f.column))
        value = row[f.column]
        where = f"{layout.name}.{f.column} = {value!r}"
        if f.kind == "t":  # pyais strips blanks and gives None for an absent name_ext
            assert (got or "") == (value or "").upper().strip(), where
            continue
        raw = _expected_raw(f, value)
        if f.column == "rot_deg_min":
            assert got == to_turn(raw), where
        elif f.kind == "b":
            assert bool(got) is bool(raw), where
        elif f.scale != 1:
            assert math.isclose(float(got), raw / f.scale, abs_tol=1e-6), where
        else:
            assert int(got) == raw, where


@functools.cache
def _warm() -> None:
    """Compile the kernels once, outside hypothesis' deadline."""
    frame = pl.DataFrame({"mmsi": [1], "shipname": ["X"]})
    payloads, fill = encode_payloads(frame, layout=spec.STATIC_VOYAGE)
    to_sentences(payloads, fill, framing="pghp", timestamps_s=np.array([1.0]), tag_source="s")


@pytest.mark.parametrize("layout", _layouts(), ids=lambda lay: lay.name)
def test_fields_round_trip_through_pyais(layout: spec.Layout) -> None:
    _warm()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_row(layout), min_size=1, max_size=6))
    def check(rows: list[dict[str, Any]]) -> None:
        frame = _frame(rows, layout)
        payloads, fill = encode_payloads(frame, layout=layout)
        text = to_sentences(payloads, fill, channel="B")
        messages = list(ByteStream(text.splitlines()))
        assert len(messages) == len(rows)
        for message, row in zip(messages, rows, strict=True):
            assert message.is_valid
            _check(message.decode(), layout, row)

    check()


@pytest.mark.parametrize("layout", _layouts(), ids=lambda lay: lay.name)
def test_standard_lengths(layout: spec.Layout) -> None:
    payloads, fill = encode_payloads(pl.DataFrame({"mmsi": [1, 2]}), layout=layout)
    bits = message_bits(layout)
    assert payloads.dtype.itemsize == -(-bits // 6)
    assert (fill == payloads.dtype.itemsize * 6 - bits).all()


def test_known_lengths() -> None:
    assert [message_bits(lay) for lay in spec.LAYOUTS] == [
        168, 168, 424, 168, 312, 272, 160, 168, 96
    ]  # fmt: skip


def test_sentinels_and_clipping() -> None:
    frame = pl.DataFrame(
        {
            "mmsi": [1, 2],
            "sog_kn": [150.0, None],
            "heading_deg": [900, None],
            "lon": [None, -200.0],
            "lat": [None, 12.5],
            "cog_deg": [None, 12.34],
        }
    )
    payloads, fill = encode_payloads(frame, layout=spec.CLASS_A_POSITION)
    a, b = (pyais.decode(line) for line in to_sentences(payloads, fill).splitlines())
    assert (a.speed, a.heading, a.lon, a.lat, a.course) == (102.2, 510, 181.0, 91.0, 360.0)
    assert (b.speed, b.heading, b.lon, b.lat, b.course) == (102.3, 511, -200.0, 12.5, 12.3)


def test_text_is_upper_cased_and_cleaned() -> None:
    frame = pl.DataFrame({"mmsi": [1], "shipname": ["Mörk fleet~x" + "Z" * 30]})
    payloads, fill = encode_payloads(frame, layout=spec.STATIC_24A)
    (line,) = to_sentences(payloads, fill).splitlines()
    assert pyais.decode(line).shipname == "M?RK FLEET?X" + "Z" * 8


def test_type_21_name_extension_is_variable_length() -> None:
    names = ["BUOY", "A" * 20 + "X", "A" * 20 + "EXTENSION12345", "A" * 20 + "E" * 20]
    frame = pl.DataFrame({"mmsi": [992191000] * 4, "name": names, "lon": [1.0] * 4})
    payloads, fill = encode_payloads(frame, layout=spec.AID_TO_NAVIGATION)
    lines = to_sentences(payloads, fill).splitlines()
    got = [pyais.decode(line).full_name for line in lines]
    assert got == ["BUOY", "A" * 20 + "X", "A" * 20 + "EXTENSION12345", "A" * 20 + "E" * 14]
    assert [len(p) for p in payloads] == [46, 47, 60, 60]  # 272, 280, 360, 360 bits


def test_24b_mothership_shares_the_dimension_bits() -> None:
    frame = pl.DataFrame(
        {"mmsi": [982190001, 235000001], "mothership_mmsi": [235000001, None], "to_bow_m": [5, 7]}
    )
    payloads, fill = encode_payloads(frame, layout=spec.STATIC_24B)
    aux, own = (pyais.decode(line) for line in to_sentences(payloads, fill).splitlines())
    assert aux.partno == 1 and aux.mothership_mmsi == 235000001
    assert own.to_bow == 7


def test_mixed_frame_picks_layouts_by_type() -> None:
    frame = pl.DataFrame(
        {
            "msg_type": [1, 5, 24, 24, 27, 18],
            "part_number": [None, None, 0, 1, None, None],
            "mmsi": [1, 2, 3, 4, 5, 6],
            "shipname": [None, "FIVE", "TWENTYFOUR", None, None, None],
            "callsign": [None, None, None, "CALL", None, None],
        }
    )
    payloads, fill = encode_payloads(frame)
    decoded = list(ByteStream(to_sentences(payloads, fill).splitlines()))
    got = [(m.decode().msg_type, m.decode().mmsi) for m in decoded]
    assert got == [(1, 1), (5, 2), (24, 3), (24, 4), (27, 5), (18, 6)]
    assert decoded[2].decode().shipname == "TWENTYFOUR"
    assert decoded[3].decode().callsign == "CALL"


def test_bad_inputs_raise_config_error() -> None:
    with pytest.raises(ConfigError, match="msg_type 5"):
        encode_payloads(pl.DataFrame({"msg_type": [5]}), layout=spec.CLASS_A_POSITION)
    with pytest.raises(ConfigError, match="'lon' is String"):
        encode_payloads(pl.DataFrame({"lon": ["x"]}), layout=spec.CLASS_A_POSITION)
    with pytest.raises(ConfigError, match="no layout"):
        encode_payloads(pl.DataFrame({"msg_type": [8]}))
    payloads, fill = encode_payloads(pl.DataFrame({"mmsi": [1]}), layout=spec.LONG_RANGE)
    with pytest.raises(ConfigError, match="framing"):
        to_sentences(payloads, fill, framing="nmea5")
    with pytest.raises(ConfigError, match="fill_bits"):
        to_sentences(payloads, [7])


def test_caller_data_is_not_mutated() -> None:
    frame = pl.DataFrame({"mmsi": [1, 2], "shipname": ["a", None], "lon": [1.0, None]})
    before = frame.clone()
    payloads, fill = encode_payloads(frame, layout=spec.STATIC_VOYAGE)
    p0, f0 = payloads.copy(), fill.copy()
    ts = np.array([1.5, np.nan])
    to_sentences(payloads, fill, timestamps_s=ts, framing="pghp")
    assert frame.equals(before)
    assert (payloads == p0).all() and (fill == f0).all() and np.isnan(ts[1])


# --------------------------------------------------------------------------- sentences

TS = 1328133720.25  # 2012-02-01 22:02:00.250 UTC


def _statics(n: int) -> tuple[np.ndarray, np.ndarray]:
    frame = pl.DataFrame(
        {"mmsi": list(range(1, n + 1)), "shipname": [f"SHIP {i}" for i in range(n)]}
    )
    return encode_payloads(frame, layout=spec.STATIC_VOYAGE)


def _sentence_valid(line: bytes) -> bool:
    body = line[line.rindex(b"\\") + 1 :] if line.startswith(b"\\") else line
    body = re.sub(rb"(\*[0-9A-F]{2}),\d+$", rb"\1", body)  # trailing epoch
    return bool(NMEAMessage(body).is_valid)


@pytest.mark.parametrize("framing", FRAMINGS)
def test_multipart_reassembles_in_pyais(framing: str) -> None:
    payloads, fill = _statics(12)
    ts = TS + np.arange(12)
    text = to_sentences(payloads, fill, timestamps_s=ts, tag_source="rEV02", framing=framing)
    lines = text.splitlines()
    assert text.endswith(b"\n")
    vdm = [line for line in lines if b"VDM," in line]
    assert len(vdm) == 24 and all(_sentence_valid(line) for line in vdm)
    if framing == "trailing_epoch":  # pyais does not read trailing fields: strip them
        lines = [re.sub(rb",\d+$", b"", line) for line in lines]
    decoded = [m.decode() for m in ByteStream(lines)]
    assert [(m.mmsi, m.shipname) for m in decoded] == [(i + 1, f"SHIP {i}") for i in range(12)]
    fields = [line[line.rfind(b"\\") + 1 :].split(b",") for line in vdm]
    assert [int(f[3]) for f in fields[::2]] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    fills = [f[6][:1] for f in fields]
    assert fills[::2] == [b"0"] * 12 and fills[1::2] == [b"2"] * 12


def test_tag_blocks_carry_groups_source_and_time() -> None:
    payloads, fill = _statics(1)
    p1, f1 = encode_payloads(pl.DataFrame({"mmsi": [7]}), layout=spec.CLASS_A_POSITION)
    text = to_sentences(
        np.concatenate([payloads, p1]),
        np.concatenate([fill, f1]),
        timestamps_s=np.array([TS, np.nan]),
        tag_source="rEV02",
        framing="tag_block",
    )
    first, second, third = text.splitlines()
    assert first.startswith(b"\\g:1-2-1,s:rEV02,c:1328133720*")
    assert second.startswith(b"\\g:2-2-1*")
    assert third.startswith(b"\\s:rEV02*")
    for line in (first, second, third):
        tb = TagBlock(line[1 : line.index(b"\\", 1)])
        tb.init()
        assert tb.is_valid
    tb = TagBlock(first[1 : first.index(b"\\", 1)])
    tb.init()
    assert tb.receiver_timestamp == "1328133720" and tb.source_station == "rEV02"


def test_pghp_headers_match_dma_style() -> None:
    payloads, fill = _statics(1)
    text = to_sentences(payloads, fill, timestamps_s=np.array([TS]), framing="pghp")
    header, part1, part2 = text.splitlines()
    assert header.startswith(b"$PGHP,1,2012,2,1,22,2,0,250,,,,1,")
    xor = int(part1[-2:], 16) ^ int(part2[-2:], 16)
    assert header.split(b",")[13][:2] == f"{xor:02X}".encode()
    (message,) = list(ByteStream([header, part1, part2]))
    gh = pyais.messages.NMEASentenceFactory.produce(header)
    assert gh.is_valid
    assert gh.timestamp == dt.datetime(2012, 2, 1, 22, 2, 0, 250000)
    assert message.decode().mmsi == 1


def test_trailing_epoch_on_every_fragment() -> None:
    payloads, fill = _statics(1)
    text = to_sentences(payloads, fill, timestamps_s=np.array([TS]), framing="trailing_epoch")
    assert all(line.endswith(b",1328133720") for line in text.splitlines())


def test_per_message_options_and_datetimes() -> None:
    payloads, fill = _statics(2)
    stamps = pl.Series([dt.datetime(2012, 2, 1, 22, 2, tzinfo=dt.UTC), None])
    text = to_sentences(
        payloads,
        fill,
        channel=np.array([b"A", b""]),
        talker=np.array(["AB", "BS"]),
        framing=np.array([FRAMINGS.index("trailing_epoch"), 0]),
        timestamps_s=stamps.cast(pl.Datetime("us", "UTC")),
    )
    lines = text.splitlines()
    assert lines[0].startswith(b"!ABVDM,2,1,0,A,") and lines[0].endswith(b",1328133720")
    assert lines[2].startswith(b"!BSVDM,2,1,1,,") and re.search(rb"\*[0-9A-F]{2}$", lines[3])


def test_raw_payload_strings_are_accepted() -> None:
    text = to_sentences(["B52K>;h00Fc>jpUlNV@ikwpUoP06"], [0], channel="B")
    assert text == b"!AIVDM,1,1,,B,B52K>;h00Fc>jpUlNV@ikwpUoP06,0*4F\n"


def test_write_nmea_reads_back_with_pyais(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "mmsi": [244670316, 244670317],
            "lon": [4.5, 4.6],
            "lat": [52.0, 52.1],
            "channel": ["A", "B"],
            "timestamp": [
                dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                dt.datetime(2024, 1, 1, 0, 0, 10, tzinfo=dt.UTC),
            ],
        }
    )
    path = tmp_path / "out.nmea"
    size = write_nmea(path, frame, layout=spec.CLASS_B_POSITION, framing="tag_block")
    assert size == path.stat().st_size
    with FileReaderStream(str(path)) as stream:
        got = [(m.decode().mmsi, m.decode().lat) for m in stream]
    assert got == [(244670316, 52.0), (244670317, 52.1)]
    assert b"\\c:1704067210*" in path.read_bytes()
