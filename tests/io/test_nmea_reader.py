"""NMEA reader: framings, time, multipart assembly, rejects, accounting, streaming.

Inputs are hand-written (built with :func:`sentence` / :func:`tag`, which add the right
checksums, and :func:`encode`, a bit packer written here independently of darkfleet's encoder)
or excerpts of permissively licensed recordings in ``tests/data/nmea`` (see
``tests/data/NOTICE``). Nothing here needs ``../shared/data``.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet.accounting import Accounting
from darkfleet.errors import ConfigError, InputError
from darkfleet.io.nmea import REASONS, decode_nmea, read_nmea, scan_nmea
from darkfleet.io.source import file_source_id

FIXTURES = (
    "dma_aislib_stream_example.nmea",
    "amsa_exact_earth_augmented.nmea",
    "amsa_tag_block.nmea",
    "amsa_risky_ais.nmea",
    "signalk_nais400.nmea",
    "gpsd_sample.aivdm",
)

# ---------------------------------------------------------------------------------------------
# building inputs


def checksum(body: str) -> str:
    x = 0
    for c in body.encode("latin-1"):
        x ^= c
    return f"{x:02X}"


def sentence(body: str) -> str:
    """``!body*hh``."""
    return f"!{body}*{checksum(body)}"


def tag(body: str) -> str:
    """A tag block ``\\body*hh\\``."""
    return f"\\{body}*{checksum(body)}\\"


def sixbit_text(text: str, chars: int) -> list[tuple[int, int]]:
    text = text.ljust(chars, "@")
    return [(ord(c) - 64 if ord(c) >= 64 else ord(c), 6) for c in text]


def encode(fields: list[tuple[int, int]]) -> tuple[str, int]:
    """(value, width) fields -> (armoured payload, fill bits)."""
    bits = "".join(format(v & ((1 << w) - 1), f"0{w}b") for v, w in fields)
    fill = -len(bits) % 6
    bits += "0" * fill
    out = []
    for i in range(0, len(bits), 6):
        v = int(bits[i : i + 6], 2)
        out.append(chr(v + 48 if v < 40 else v + 56))
    return "".join(out), fill


def vdm(fields: list[tuple[int, int]], channel: str = "A") -> str:
    payload, fill = encode(fields)
    return sentence(f"AIVDM,1,1,,{channel},{payload},{fill}")


def type1(
    *,
    mmsi: int = 211000001,
    status: int = 0,
    rot: int = 0,
    sog: int = 100,
    lon: int = 6_000_000,
    lat: int = 30_000_000,
    cog: int = 900,
    heading: int = 90,
    second: int = 30,
) -> list[tuple[int, int]]:
    return [
        (1, 6), (0, 2), (mmsi, 30), (status, 4), (rot, 8), (sog, 10), (1, 1), (lon, 28),
        (lat, 27), (cog, 12), (heading, 9), (second, 6), (0, 2), (0, 3), (0, 1), (0, 19),
    ]  # fmt: skip


def decode(lines: list[str], *, end: str = "\n", **options) -> tuple[dict, Accounting]:
    tables, acc = decode_nmea(("\n".join(lines) + end).encode("latin-1"), **options)
    check_accounting(tables, acc)
    return tables, acc


def check_accounting(tables: dict[str, pl.DataFrame], acc: Accounting) -> None:
    acc.check()
    assert acc.records == acc.decoded + acc.rejected + acc.pending + acc.non_ais + acc.ignored
    heights = {name: f.height for name, f in tables.items() if f.height}
    assert dict(acc.rows_by_table) == heights
    rejects = tables["rejects"]
    # a rejected multipart message is one row whose raw text holds its parts, one a line
    parts = rejects["raw"].str.count_matches("\n").sum() + rejects.height
    assert parts == acc.rejected + acc.pending
    assert rejects.filter(pl.col("reason") == "pending_fragment").height == acc.pending


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Real sentences: signalk nais400 (Apache-2.0), gpsd (BSD-2-Clause).
P1 = "AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0"  # type 1, MMSI 244615779
P2 = "AIVDM,1,1,,B,13aR>V02h0PHig:NK;>:n:<826P<,0"  # type 1, MMSI 244879000
A1 = "AIVDM,2,1,7,A,53aGulD0000000c7?0918Tq<E>0<Q8U=@Tp400155P:22uG`002ShTj0,0"
A2 = "AIVDM,2,2,7,A,EQC`4Sm51A0C@08,2"  # type 5, 244710865 PRINSES CHRISTINA
B1 = "AIVDM,2,1,3,B,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0"
B2 = "AIVDM,2,2,3,B,88888888880,2"  # type 5, 351759000 EVER DIADEM
T1 = "AIVDM,3,1,7,A,85Mwp=iKfGwushJ?gNlt2QU3osVGe:4?cNhQqf2VH8t,0"
T2 = "AIVDM,3,2,7,A,?A;J6b7AwuiqIGLeNiKCPDR7HQR<u;TTFufegr>kCSF,0"
T3 = "AIVDM,3,3,7,A,Uq:1Kk`e8,4"  # type 8 in three parts
MMSI1, MMSI2, MMSI_A, MMSI_B = 244615779, 244879000, 244710865, 351759000
T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def _times(frame: pl.DataFrame) -> list:
    return frame.sort("line")["timestamp"].to_list()


# ---------------------------------------------------------------------------------------------
# framings and time


def test_plain_sentences_any_talker_vdm_and_vdo() -> None:
    lines = [
        sentence(P1),
        sentence("AB" + P1[2:]),
        sentence("BSVDO" + P1[5:]),
        sentence("=I" + P1[2:]),
    ]
    tables, acc = decode(lines)
    pos = tables["positions"]
    assert pos["line"].to_list() == [1, 2, 3, 4]
    assert pos["mmsi"].to_list() == [MMSI1] * 4
    assert pos["timestamp"].null_count() == 4  # no time anywhere: null, never invented
    assert acc.decoded == 4 and acc.rejected == 0


def test_tag_block_time_in_seconds_and_milliseconds() -> None:
    lines = [
        tag(f"c:{T0}") + sentence(P1),
        tag(f"s:rORBCOMM,c:{T0}123") + sentence(P2),
        tag(f"c:{T0}.25") + sentence(P1),
    ]
    tables, _ = decode(lines)
    assert _times(tables["positions"]) == [
        utc(2023, 11, 14, 22, 13, 20),
        utc(2023, 11, 14, 22, 13, 20, 123000),
        utc(2023, 11, 14, 22, 13, 20, 250000),
    ]


def test_tag_block_groups_with_source_on_first_part_only() -> None:
    # two groups with the same sequence id and channel, told apart only by g:
    b1 = B1.replace(",3,B,", ",7,A,")
    b2 = B2.replace(",3,B,", ",7,A,")
    lines = [
        tag(f"g:1-2-101,s:r1,c:{T0}") + sentence(A1),
        tag(f"g:1-2-102,s:r1,c:{T0 + 1}") + sentence(b1),
        tag("g:2-2-101") + sentence(A2),
        tag("g:2-2-102") + sentence(b2),
    ]
    tables, acc = decode(lines)
    st = tables["statics"].sort("line")
    assert st.select("line", "mmsi", "shipname").rows() == [
        (1, MMSI_A, "PRINSES CHRISTINA"),
        (2, MMSI_B, "EVER DIADEM"),
    ]
    assert _times(st) == [utc(2023, 11, 14, 22, 13, 20), utc(2023, 11, 14, 22, 13, 21)]
    assert acc.decoded == 4 and acc.rejected == 0 and acc.pending == 0


def test_tag_block_groups_from_different_sources_do_not_mix() -> None:
    lines = [
        tag(f"g:1-2-5,s:north,c:{T0}") + sentence(A1),
        tag("g:2-2-5,s:south") + sentence(A2),  # same group id, other receiver
    ]
    tables, acc = decode(lines)
    assert tables["statics"].height == 0
    assert acc.pending == 2


def test_several_tag_block_sentences_on_one_line() -> None:
    line = tag(f"c:{T0}") + sentence(P1) + tag(f"c:{T0 + 5}") + sentence(P2)
    tables, acc = decode([line, sentence(P1)])
    pos = tables["positions"]
    assert pos.select("line", "mmsi").rows() == [(1, MMSI1), (1, MMSI2), (2, MMSI1)]
    assert pos["timestamp"].to_list() == [
        utc(2023, 11, 14, 22, 13, 20),
        utc(2023, 11, 14, 22, 13, 25),
        None,
    ]
    assert acc.lines_read == 2 and acc.records == 3


def test_multipart_split_over_tag_blocks_on_one_line() -> None:
    # GFW ais-tools spire sample style: both parts of a message on one line
    line = tag(f"c:{T0},s:FM112") + sentence(A1) + tag("g:2-2-9") + sentence(A2)
    tables, acc = decode([line])
    assert tables["statics"].select("line", "mmsi").rows() == [(1, MMSI_A)]
    assert acc.records == 2 and acc.decoded == 2


def test_standalone_tag_block_applies_to_the_next_message_only() -> None:
    lines = [
        "\\si:AISD*3F\\",
        sentence(P1),
        tag(f"c:{T0}"),
        sentence(A1),  # both parts of the next message take the header's time
        sentence(A2),
        sentence(P2),
    ]
    tables, acc = decode(lines)
    assert tables["positions"].select("line", "timestamp").rows() == [(2, None), (6, None)]
    assert tables["statics"].select("line", "timestamp").rows() == [
        (4, utc(2023, 11, 14, 22, 13, 20))
    ]
    assert acc.non_ais_by_kind == {"tag_block": 2}


def test_pghp_header_applies_to_the_next_message_only() -> None:
    lines = [
        "$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B",
        sentence(P1),
        sentence(P2),
        "$PGHP,1,2010,6,11,11,46,12,386,219,24,992190924,1,12*20",
        sentence(A1),
        sentence(A2),
    ]
    tables, acc = decode(lines)
    assert tables["positions"].select("line", "timestamp").rows() == [
        (2, utc(2010, 6, 11, 11, 46, 11, 390000)),
        (3, None),
    ]
    assert tables["statics"].select("line", "timestamp").rows() == [
        (5, utc(2010, 6, 11, 11, 46, 12, 386000))
    ]
    assert acc.non_ais_by_kind == {"PGHP": 2}


def test_trailing_epoch_after_checksum() -> None:
    lines = [
        sentence(P1) + ",1327992119157",  # milliseconds (exactEarth / AMSA)
        sentence(P1) + ",1327992119",  # seconds
        sentence(P1) + ",1327992119.5",  # seconds with a fraction
        sentence(P1) + ",s28089,d-103,T39.44353985,x147521,r08TPHI1,1242958962",  # gpsd style
        sentence(P1) + ",b003660465",  # not an epoch
    ]
    tables, _ = decode(lines)
    assert _times(tables["positions"]) == [
        utc(2012, 1, 31, 6, 41, 59, 157000),
        utc(2012, 1, 31, 6, 41, 59),
        utc(2012, 1, 31, 6, 41, 59, 500000),
        utc(2009, 5, 22, 2, 22, 42),
        None,
    ]


def test_time_precedence() -> None:
    pghp = "$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B"
    caller = utc(2020, 1, 1)
    lines = [
        pghp,
        tag(f"c:{T0}") + sentence(P1) + ",1327992119157",  # own tag block wins
        pghp,
        sentence(P1) + ",1327992119157",  # then the trailing epoch
        pghp,
        sentence(P1),  # then the $PGHP header
        sentence(P1),  # then the caller's time
    ]
    tables, _ = decode(lines, time=caller)
    assert _times(tables["positions"]) == [
        utc(2023, 11, 14, 22, 13, 20),
        utc(2012, 1, 31, 6, 41, 59, 157000),
        utc(2010, 6, 11, 11, 46, 11, 390000),
        caller,
    ]


def test_caller_time_any_zone_stored_as_utc() -> None:
    cet = timezone(timedelta(hours=1))
    tables, _ = decode([sentence(P1)], time=datetime(2024, 3, 1, 13, 0, tzinfo=cet))
    assert tables["positions"]["timestamp"].to_list() == [utc(2024, 3, 1, 12, 0)]
    assert tables["positions"]["timestamp"].dtype == pl.Datetime("us", "UTC")


def test_naive_time_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="time zone"):
        decode_nmea(sentence(P1).encode(), time=datetime(2024, 1, 1))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        scan_nmea(tmp_path / "nope.nmea")
    with pytest.raises(InputError):
        read_nmea(tmp_path / "nope.nmea")


def test_tiny_chunk_bytes_for_files_is_a_config_error(test_data: Path) -> None:
    with pytest.raises(ConfigError, match="chunk_bytes"):
        scan_nmea(test_data / "nmea" / FIXTURES[0], chunk_bytes=100)


def test_crlf_blank_lines_and_comments() -> None:
    data = f"# a comment\r\n\r\n  {sentence(P1)}  \r\n\t\n{sentence(P2)}"  # no final newline
    tables, acc = decode_nmea(data.encode())
    check_accounting(tables, acc)
    assert tables["positions"]["line"].to_list() == [3, 5]
    assert (acc.lines_read, acc.ignored, acc.decoded) == (5, 3, 2)


# ---------------------------------------------------------------------------------------------
# multipart assembly


def test_two_and_three_part_messages() -> None:
    tables, acc = decode([sentence(A1), sentence(A2), sentence(T1), sentence(T2), sentence(T3)])
    st = tables["statics"].row(0, named=True)
    assert (st["line"], st["mmsi"], st["shipname"], st["destination"]) == (
        1,
        MMSI_A,
        "PRINSES CHRISTINA",
        "JOBSHAVEN ROTTEDAM",
    )
    other = tables["other_messages"].row(0, named=True)
    assert (other["line"], other["msg_type"], other["fragments"], other["fill_bits"]) == (
        3,
        8,
        3,
        4,
    )
    assert other["payload"] == "".join(p.split(",")[5] for p in (T1, T2, T3))
    assert acc.decoded == 5


def test_interleaved_groups_on_channels_and_sequence_ids() -> None:
    a1_seq2 = A1.replace(",7,A,", ",2,A,")
    a2_seq2 = A2.replace(",7,A,", ",2,A,")
    lines = [sentence(x) for x in (A1, B1, a1_seq2, A2, sentence(P1)[1:-3], B2, a2_seq2)]
    tables, acc = decode(lines)
    assert tables["statics"].select("line", "mmsi", "channel").rows() == [
        (1, MMSI_A, "A"),
        (2, MMSI_B, "B"),
        (3, MMSI_A, "A"),
    ]
    assert tables["positions"]["line"].to_list() == [5]
    assert acc.decoded == 7 and acc.rejected == 0


def test_parts_out_of_order() -> None:
    tables, acc = decode([sentence(A2), sentence(A1), sentence(T3), sentence(T1), sentence(T2)])
    assert tables["statics"].select("line", "mmsi").rows() == [(2, MMSI_A)]
    assert tables["other_messages"].select("line", "fragments").rows() == [(4, 3)]
    assert acc.decoded == 5


def test_orphan_when_a_part_number_repeats() -> None:
    tables, acc = decode([sentence(A1), sentence(A1), sentence(A2)])
    assert tables["statics"]["line"].to_list() == [2]
    rej = tables["rejects"]
    assert rej.select("line", "reason", "raw").rows() == [(1, "orphan_fragment", sentence(A1))]
    assert "same part number" in rej["detail"][0]
    assert acc.rejected_by_reason == {"orphan_fragment": 1}


def test_orphan_eviction_by_age() -> None:
    lines = [
        tag(f"c:{T0}") + sentence(A1),
        tag(f"c:{T0 + 30}") + sentence(B1),  # within 60 s: A1 still waits
        tag(f"c:{T0 + 61}") + sentence(T1),  # A1 is now 61 s old: evicted
        tag(f"c:{T0 + 62}") + sentence(A2),  # arrives too late: a group of its own
        tag(f"c:{T0 + 63}") + sentence(B2),
    ]
    tables, acc = decode(lines, max_fragment_age_s=60)
    assert tables["statics"].select("line", "mmsi").rows() == [(2, MMSI_B)]
    rej = tables["rejects"]
    assert rej.select("line", "reason").rows() == [
        (1, "orphan_fragment"),
        (3, "pending_fragment"),
        (4, "pending_fragment"),
    ]
    assert "age/line limit" in rej["detail"][0]
    assert (acc.rejected, acc.pending, acc.decoded) == (1, 2, 2)


def test_orphan_eviction_by_lines() -> None:
    lines = [sentence(A1)] + [sentence(P1)] * 5 + [sentence(B1), sentence(B2), sentence(A2)]
    tables, acc = decode(lines, max_fragment_lines=3)
    assert tables["statics"]["line"].to_list() == [7]
    assert tables["rejects"].select("line", "reason").rows() == [
        (1, "orphan_fragment"),
        (9, "pending_fragment"),
    ]
    assert acc.decoded == 5 + 2


def test_eviction_when_too_many_groups_are_open() -> None:
    # 129 open groups (g: ids) on one sequence id: the table holds 128, the oldest is dropped
    lines = [tag(f"g:1-2-{i}") + sentence(A1) for i in range(129)]
    tables, acc = decode(lines)
    rej = tables["rejects"]
    assert rej.filter(pl.col("reason") == "orphan_fragment")["line"].to_list() == [1]
    assert "too many incomplete groups" in rej["detail"][0]
    assert acc.pending == 128 and acc.rejected == 1


def test_pending_fragments_at_end_of_input() -> None:
    tables, acc = decode([sentence(P1), sentence(T1), sentence(T2)])
    rej = tables["rejects"]
    assert rej.select("line", "reason", "raw").rows() == [
        (2, "pending_fragment", sentence(T1)),
        (3, "pending_fragment", sentence(T2)),
    ]
    assert (acc.pending, acc.rejected, acc.decoded) == (2, 0, 1)


def test_rejected_fragment_leaves_its_group_incomplete() -> None:
    bad = sentence(A2)[:-2] + "00"
    tables, acc = decode([sentence(A1), bad])
    assert tables["rejects"].select("line", "reason").rows() == [
        (1, "pending_fragment"),
        (2, "bad_checksum"),
    ]
    assert acc.pending == 1 and acc.rejected == 1


def _concat_fixtures(test_data: Path) -> bytes:
    return b"".join((test_data / "nmea" / name).read_bytes() for name in FIXTURES)


@pytest.mark.parametrize("chunk_bytes", [1, 7, 64, 333, 4096])
def test_chunk_boundaries_do_not_change_the_output(test_data: Path, chunk_bytes: int) -> None:
    data = _concat_fixtures(test_data)
    whole, acc_whole = decode_nmea(data)
    chunked, acc_chunked = decode_nmea(data, chunk_bytes=chunk_bytes)
    for name in whole:
        assert_frame_equal(whole[name], chunked[name])
    assert acc_whole.to_dict() == acc_chunked.to_dict()


def test_scan_nmea_streams_in_chunks(test_data: Path) -> None:
    path = test_data / "nmea" / "dma_aislib_stream_example.nmea"
    assert path.stat().st_size > 4096
    reader = scan_nmea(path, chunk_bytes=4096)
    batches = list(reader)
    assert len(batches) == 2
    acc = reader.accounting
    collected = {
        name: pl.concat([b[name] for b in batches if name in b])
        for name in ("positions", "statics", "base_stations", "other_messages")
    }
    whole = read_nmea(path)
    for name, frame in collected.items():
        assert_frame_equal(frame, whole[name])
    check_accounting(whole, acc)
    # a type 5 straddles the chunk boundary and is assembled
    assert acc.pending == 0 and acc.rejected == 0


# ---------------------------------------------------------------------------------------------
# checksums and rejects


def test_checksum_verified_lowercase_accepted() -> None:
    good = sentence(P1)
    lower = good[:-2] + good[-2:].lower()
    bad = good[:-2] + ("00" if good[-2:] != "00" else "01")
    tables, acc = decode([good, lower, bad])
    assert tables["positions"]["line"].to_list() == [1, 2]
    assert tables["rejects"].select("line", "reason", "raw").rows() == [(3, "bad_checksum", bad)]
    assert "accept_bad_checksum" in tables["rejects"]["detail"][0]
    tables, acc = decode([good, lower, bad], accept_bad_checksum=True)
    assert tables["positions"]["line"].to_list() == [1, 2, 3]
    assert acc.rejected == 0


def test_bad_checksum_still_needs_a_well_formed_sentence() -> None:
    tables, _ = decode(
        ["!AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PS ,0*00"], accept_bad_checksum=True
    )
    assert tables["rejects"]["reason"].to_list() == ["invalid_payload_character"]


EVERY_REJECT = [
    ("hello world", "not_nmea"),
    (sentence("AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj"), "malformed_sentence"),
    (sentence("AIVDM,1,1,,AB,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0"), "malformed_sentence"),
    ("!AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0", "no_checksum"),
    ("!AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0*0", "no_checksum"),
    ("!AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0*00", "bad_checksum"),
    (sentence("AIVDM,0,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0"), "bad_fragment_header"),
    (sentence("AIVDM,2,3,1,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0"), "bad_fragment_header"),
    (sentence("AIVDM,2,1,x,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0"), "bad_fragment_header"),
    (sentence("AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSX,0"), "invalid_payload_character"),
    (sentence("AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,6"), "bad_fill_bits"),
    (sentence("AIVDM,1,1,,A,1,x"), "bad_fill_bits"),
    (sentence("AIVDM,1,1,,A,,0"), "empty_payload"),
    ("\\c:1700000000!AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0*09", "unterminated_tag_block"),
    (sentence("AIVDM,1,1,,A," + "8" * 200 + ",0"), "payload_too_long"),
    (sentence("AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJ,0"), "payload_too_short"),
    (sentence("AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,2"), "payload_too_short"),
    (sentence("AIVDM,1,1,,A,1P,0"), "payload_too_short"),
    (sentence("AIVDM,1,1,,A," + "8" * 600 + ",0"), "line_too_long"),
    (sentence(A1), "orphan_fragment"),
    (sentence(A1), "pending_fragment"),
]


def test_every_reject_reason_with_line_and_raw_text() -> None:
    lines = [s for s, _ in EVERY_REJECT]
    tables, acc = decode(lines)
    rej = tables["rejects"]
    expected = [(i, reason, s) for i, (s, reason) in enumerate(EVERY_REJECT, start=1)]
    assert sorted(rej.select("line", "reason", "raw").rows()) == expected
    assert set(rej["reason"]) == set(REASONS.values())
    assert rej["detail"].null_count() == 0
    assert acc.decoded == 0 and acc.rejected == len(lines) - 1 and acc.pending == 1


def test_reject_offsets_point_at_the_raw_text(test_data: Path, tmp_path: Path) -> None:
    lines = [sentence(P1)] + [s for s, _ in EVERY_REJECT]
    path = tmp_path / "rejects.nmea"
    path.write_bytes(("\n".join(lines) + "\n").encode())
    data = path.read_bytes()
    rej = read_nmea(path)["rejects"]
    assert rej.height == len(EVERY_REJECT)
    for offset, raw in rej.select("offset_bytes", "raw").iter_rows():
        assert data[offset : offset + len(raw)].decode() == raw
    assert rej["source_id"].unique().to_list() == [file_source_id(path)]


def test_non_ais_sentences_counted_by_kind(test_data: Path) -> None:
    reader = scan_nmea(test_data / "nmea" / "signalk_nais400.nmea")
    tables = {}
    for batch in reader:
        tables.update(batch)
    acc = reader.accounting
    assert acc.non_ais_by_kind == {"GPGBS": 3, "GPGGA": 3, "GPGLL": 3, "GPRMC": 3}
    assert acc.rejected == 0 and acc.records == 60
    amsa = scan_nmea(test_data / "nmea" / "amsa_risky_ais.nmea")
    list(amsa)
    assert amsa.accounting.non_ais_by_kind["BSALR"] == 1


# ---------------------------------------------------------------------------------------------
# field rules


def test_not_available_sentinels_are_null() -> None:
    na = vdm(type1(rot=-128, sog=1023, lon=181 * 600000, lat=91 * 600000, cog=3600, heading=511))
    ok = vdm(type1(rot=127, sog=1022, lon=-180 * 600000, lat=-90 * 600000, cog=3599, heading=359))
    pos = decode([na, ok])[0]["positions"]
    nulls = pos.row(0, named=True)
    for col in ("rot_deg_min", "sog_kn", "lon", "lat", "cog_deg", "heading_deg"):
        assert nulls[col] is None, col
    vals = pos.row(1, named=True)
    assert vals["rot_deg_min"] == pytest.approx((127 / 4.733) ** 2)
    assert (vals["sog_kn"], vals["lon"], vals["lat"], vals["cog_deg"], vals["heading_deg"]) == (
        102.2,
        -180.0,
        -90.0,
        359.9,
        359,
    )


def test_signed_fields_and_scaling() -> None:
    s = vdm(type1(rot=-20, sog=123, lon=-(3 * 600000 + 1), lat=-600000, cog=1234, heading=7))
    row = decode([s])[0]["positions"].row(0, named=True)
    assert row["rot_deg_min"] == pytest.approx(-((20 / 4.733) ** 2))
    assert row["sog_kn"] == 12.3 and row["cog_deg"] == 123.4 and row["heading_deg"] == 7
    assert row["lon"] == pytest.approx(-3.0 - 1 / 600000, abs=1e-12)
    assert row["lat"] == -1.0


def _type5(name: str, callsign: str, destination: str, **over: int) -> list[tuple[int, int]]:
    v = {"imo": 0, "ship_type": 0, "bow": 0, "stern": 0, "port": 0, "stbd": 0}
    v.update({"month": 0, "day": 0, "hour": 24, "minute": 60, "draught": 0}, **over)
    return [
        (5, 6), (0, 2), (211000002, 30), (0, 2), (v["imo"], 30), *sixbit_text(callsign, 7),
        *sixbit_text(name, 20), (v["ship_type"], 8), (v["bow"], 9), (v["stern"], 9),
        (v["port"], 6), (v["stbd"], 6), (1, 4), (v["month"], 4), (v["day"], 5),
        (v["hour"], 5), (v["minute"], 6), (v["draught"], 8), *sixbit_text(destination, 20),
        (0, 1), (0, 1),
    ]  # fmt: skip


def test_static_sentinels_and_text_trimming() -> None:
    empty = vdm(_type5("", "", "       "))
    named = vdm(
        _type5(
            "  NORTH STAR   ",
            "AB12",
            "NAJIN@@@RUBBISH",
            imo=9179842,
            ship_type=70,
            bow=100,
            stern=20,
            port=5,
            stbd=6,
            month=10,
            day=3,
            hour=12,
            minute=30,
            draught=85,
        )
    )
    st = decode([empty, named])[0]["statics"]
    e = st.row(0, named=True)
    for col in ("imo", "ship_type", "to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m"):
        assert e[col] is None, col
    for col in ("eta_month", "eta_day", "eta_hour", "eta_minute", "draught_m"):
        assert e[col] is None, col
    assert (e["shipname"], e["callsign"], e["destination"]) == (None, None, None)
    n = st.row(1, named=True)
    assert (n["shipname"], n["callsign"], n["destination"]) == ("NORTH STAR", "AB12", "NAJIN")
    assert (n["imo"], n["ship_type"], n["to_bow_m"], n["to_starboard_m"]) == (9179842, 70, 100, 6)
    assert (n["eta_month"], n["eta_day"], n["eta_hour"], n["eta_minute"]) == (10, 3, 12, 30)
    assert n["draught_m"] == 8.5


def test_fill_bits_are_honoured() -> None:
    payload = P1.split(",")[5]
    ok = sentence(f"AIVDM,1,1,,A,{payload},0")
    short = sentence(f"AIVDM,1,1,,A,{payload},1")  # 167 bits: one short of a type 1
    tables, _ = decode([ok, short])
    assert tables["positions"]["line"].to_list() == [1]
    assert "167 bits" in tables["rejects"]["detail"][0]


def test_base_station_utc_and_its_sentinels() -> None:
    def t4(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
        # fmt: off
        fields = [
            (4, 6), (0, 2), (2300001, 30), (year, 14), (month, 4), (day, 5), (hour, 5),
            (minute, 6), (second, 6), (1, 1), (600000, 28), (600000, 27), (1, 4), (0, 10),
            (0, 1), (0, 19),
        ]
        # fmt: on
        return vdm(fields)

    bs = decode([t4(2012, 1, 31, 5, 7, 2), t4(0, 0, 0, 24, 60, 60), t4(2012, 2, 30, 1, 2, 3)])[0]
    bs = bs["base_stations"]
    assert bs["station_utc"].to_list() == [utc(2012, 1, 31, 5, 7, 2), None, None]
    na = bs.row(1, named=True)
    assert [na[c] for c in ("year", "month", "day", "hour", "minute", "second")] == [None] * 6
    assert bs["day"].to_list() == [31, None, 30]  # kept as sent, even where invalid


def test_other_types_kept_whole() -> None:
    s = sentence("AIVDM,1,1,,B,:5MlU41GMK6@,0")  # type 10 (gpsd sample)
    tables, acc = decode([s])
    row = tables["other_messages"].row(0, named=True)
    assert (row["msg_type"], row["line"], row["payload"], row["fill_bits"], row["fragments"]) == (
        10,
        1,
        ":5MlU41GMK6@",
        0,
        1,
    )
    assert row["mmsi"] == 366814480 and row["channel"] == "B"
    assert acc.decoded == 1


# ---------------------------------------------------------------------------------------------
# real recordings, files, accounting, determinism


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_accounting_adds_up(test_data: Path, name: str) -> None:
    path = test_data / "nmea" / name
    reader = scan_nmea(path)
    tables: dict[str, list[pl.DataFrame]] = {}
    for batch in reader:
        for k, v in batch.items():
            tables.setdefault(k, []).append(v)
    frames = {k: pl.concat(v) for k, v in tables.items()}
    acc = reader.accounting
    assert acc.lines_read == path.read_bytes().count(b"\n")
    assert acc.source_id == file_source_id(path)
    assert dict(acc.rows_by_table) == {k: f.height for k, f in frames.items()}
    acc.check()
    for frame in frames.values():
        assert frame["source_id"].unique().to_list() == [acc.source_id]
        assert frame["line"].is_between(1, acc.lines_read).all()


def test_fixture_framings(test_data: Path) -> None:
    d = test_data / "nmea"
    dma = read_nmea(d / "dma_aislib_stream_example.nmea")
    first = dma["base_stations"].row(0, named=True)  # line 2 follows a $PGHP header
    assert (first["line"], first["timestamp"]) == (2, utc(2010, 6, 11, 11, 46, 11, 390000))
    assert dma["positions"]["timestamp"].null_count() == 0
    assert dma["statics"].filter(pl.col("line") == 16)["mmsi"].to_list() == [246901005]
    ee = read_nmea(d / "amsa_exact_earth_augmented.nmea")
    other = ee["other_messages"].row(0, named=True)
    assert (other["line"], other["timestamp"]) == (2, utc(2012, 1, 31, 6, 41, 59, 173000))
    tb = read_nmea(d / "amsa_tag_block.nmea")
    assert tb["statics"].select("line", "mmsi").rows()[0] == (1, 566206000)
    assert tb["statics"]["timestamp"][0] == utc(2012, 4, 13, 17, 15, 17)
    gpsd = scan_nmea(d / "gpsd_sample.aivdm")
    list(gpsd)
    assert gpsd.accounting.ignored == 57  # comments and blank lines


def test_gzip_input(test_data: Path, tmp_path: Path) -> None:
    plain = test_data / "nmea" / "dma_aislib_stream_example.nmea"
    gz = tmp_path / "stream.nmea.gz"
    with plain.open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    a = read_nmea(plain, source_id="x")
    b = read_nmea(gz, source_id="x")
    for name in a:
        assert_frame_equal(a[name], b[name])
    reader = scan_nmea(gz)
    list(reader)
    assert reader.accounting.lines_read == 121
    assert reader.accounting.source_id == file_source_id(gz)


def test_deterministic(test_data: Path) -> None:
    data = _concat_fixtures(test_data)
    a, acc_a = decode_nmea(data)
    b, acc_b = decode_nmea(data)
    for name in a:
        assert_frame_equal(a[name], b[name])
    assert acc_a.to_dict() == acc_b.to_dict()
    path = test_data / "nmea" / FIXTURES[0]
    x, y = read_nmea(path), read_nmea(path)
    for name in x:
        assert_frame_equal(x[name], y[name])


def test_every_table_has_its_schema(test_data: Path) -> None:
    from darkfleet.schema import TABLES

    tables = read_nmea(test_data / "nmea" / "amsa_risky_ais.nmea")
    assert set(tables) == set(TABLES)
    for name, frame in tables.items():
        assert dict(frame.schema) == dict(TABLES[name]), name
