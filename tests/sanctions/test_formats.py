"""Format detection, errors naming file and line, and the shared helpers of the readers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from darkfleet.errors import FormatError, InputError
from darkfleet.io.sanctions import (
    ENTRIES,
    detect_format,
    entries_frame,
    read_lists,
    read_ofac_xml,
    read_sanctions,
    read_un_xml,
)
from darkfleet.io.sanctions.entries import list_country, parse_date, parse_number

FIXTURES = {
    "ofac_sdn_excerpt.csv": "ofac_csv",
    "ofac_add_excerpt.csv": "ofac_address_csv",
    "ofac_sdn_hand.xml": "ofac_xml",
    "un_consolidated_hand.xml": "un_xml",
    "opensanctions_hand.ftm.json": "ftm_json",
    "eu_fsf_hand.csv": "eu_csv",
    "uk_sanctions_list_hand.csv": "uk_csv",
    "uk_ofsi_conlist_hand.csv": "uk_csv",
}


@pytest.mark.parametrize(("name", "fmt"), FIXTURES.items())
def test_detect_format(lists_dir: Path, name: str, fmt: str) -> None:
    assert detect_format(lists_dir / name) == fmt


@pytest.mark.shared
def test_detect_real_files(shared_data: Path) -> None:
    d = shared_data / "sanctions"
    assert detect_format(d / "ofac_sdn_2023-01_sancbook.csv") == "ofac_csv"
    assert detect_format(d / "ofac_sdn_address_2023-01_sancbook.csv") == "ofac_address_csv"
    assert detect_format(d / "un_consolidated_2026-02-27.xml") == "un_xml"


def test_read_lists_all_fixtures(lists_dir: Path) -> None:
    frame = read_lists(sorted(lists_dir.iterdir()))
    assert frame.schema == pl.Schema(ENTRIES)
    assert dict(frame["list"].value_counts().sort("list").rows()) == {
        "eu_fsf": 3,
        "ftm": 1,
        "ftm:gb_fcdo_sanctions+us_ofac_sdn": 1,
        "ftm:mare_shadow_fleet": 1,
        "ftm:un_1718_vessels+us_ofac_sdn": 1,
        "ftm:us_ofac_sdn": 2,
        "uk_ofsi_conlist": 1,
        "uk_sanctions_list": 3,
        "un_sc_consolidated": 3,
        "us_ofac_sdn": 26,  # 21 CSV + 5 XML entries
    }
    assert frame.equals(read_lists(sorted(lists_dir.iterdir(), reverse=True)))  # deterministic


@pytest.mark.parametrize(
    ("name", "keep_bytes"), [("ofac_sdn_hand.xml", 2100), ("un_consolidated_hand.xml", 1500)]
)
def test_truncated_xml(tmp_path: Path, lists_dir: Path, name: str, keep_bytes: int) -> None:
    data = (lists_dir / name).read_bytes()[:keep_bytes]
    cut = tmp_path / name
    cut.write_bytes(data)
    line = data.count(b"\n") + 1  # the parser stops at the end of the cut file
    with pytest.raises(
        FormatError, match=rf"{name}: line {line}, column \d+: malformed XML"
    ) as err:
        read_sanctions(cut)
    assert "truncated" in str(err.value)


def test_unknown_format(tmp_path: Path) -> None:
    other = tmp_path / "vessels.csv"
    other.write_text("imo,name\n9179842,ANGARA\n")
    with pytest.raises(FormatError, match=r"vessels\.csv: line 1: unknown sanctions list format"):
        read_sanctions(other)
    xml = tmp_path / "other.xml"
    xml.write_text('<?xml version="1.0"?>\n<export><sanctionEntity/></export>\n')
    with pytest.raises(FormatError, match=r"other\.xml: line 1: .*neither <sdnList> nor"):
        detect_format(xml)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(FormatError, match=r"empty\.csv: line 1: unknown"):
        read_lists([empty])


def test_wrong_reader_for_the_root(lists_dir: Path) -> None:
    with pytest.raises(
        FormatError, match=r"expected an XML document with root <CONSOLIDATED_LIST>"
    ):
        read_un_xml(lists_dir / "ofac_sdn_hand.xml")
    with pytest.raises(FormatError, match=r"with root <sdnList>"):
        read_ofac_xml(lists_dir / "un_consolidated_hand.xml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothing\.csv: no such file"):
        read_sanctions(tmp_path / "nothing.csv")


def test_entries_frame_normalises() -> None:
    frame = entries_frame(
        [
            {"list": "b", "entry_id": "2", "aliases": [" X ", "X", None, "", "Y"], "imo": [1, 1]},
            {"list": "a", "entry_id": "9", "name": "N", "aliases": ["N", "M"], "listing": "linked"},
        ]
    )
    assert frame.schema == pl.Schema(ENTRIES)
    assert frame["list"].to_list() == ["a", "b"]
    a, b = frame.to_dicts()
    assert (a["name"], a["aliases"], a["listing"]) == ("N", ["M"], "linked")
    assert (b["name"], b["aliases"], b["imo"], b["listing"]) == ("X", ["Y"], [1], "direct")
    assert b["mmsi"] == [] and b["owners"] == []
    assert entries_frame([]).schema == pl.Schema(ENTRIES)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Russia", "RU"),
        ("Korea, North", "KP"),
        ("Congo, Democratic Republic of the", "CD"),
        ("Congo, Republic of the", "CG"),
        ("Virgin Islands, British", "VG"),
        ("North Macedonia, The Republic of", "MK"),
        ("Region: Crimea", "UA"),
        ("St. Vincent and the Grenadines", "VC"),
        ("Malta, Panama", None),  # two countries are not one
        ("None Identified", None),
        ("-0-", None),
        ("undetermined", None),
        ("", None),
        (None, None),
    ],
)
def test_list_country(text: str | None, code: str | None) -> None:
    assert list_country(text) == code


def test_small_parsers() -> None:
    assert parse_number("99,144") == 99144.0
    assert parse_number("244m") == 244.0
    assert parse_number("-0-") is None
    assert parse_date("31/12/2012") == dt.date(2012, 12, 31)
    assert parse_date("31-Dec-2012") == dt.date(2012, 12, 31)
    assert parse_date("2012-12") == dt.date(2012, 12, 1)
    assert parse_date("2012-02-30") is None
