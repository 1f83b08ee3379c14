"""EU FSF CSV and UK (FCDO UK Sanctions List, OFSI ConList) CSV readers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from darkfleet.errors import SchemaError
from darkfleet.io.sanctions import ENTRIES, read_eu_csv, read_sanctions, read_uk_csv

from .conftest import entry


@pytest.fixture(scope="module")
def eu(lists_dir: Path) -> pl.DataFrame:
    return read_eu_csv(lists_dir / "eu_fsf_hand.csv")


def test_eu_entries(eu: pl.DataFrame) -> None:
    assert eu.schema == pl.Schema(ENTRIES)
    assert eu["entry_id"].to_list() == ["EU.9001.12", "EU.9002.34", "EU.9003.56"]
    assert eu["line"].to_list() == [2, 6, 9]  # first row of each Entity_LogicalId
    assert set(eu["list"]) == {"eu_fsf"}


def test_eu_company(eu: pl.DataFrame) -> None:
    row = entry(eu, "EU.9001.12")
    assert row == row | {
        "entry_type": "organization",  # an IMO company number and a company word
        "name": "NORTHERN CARGO SHIPPING COMPANY",
        "aliases": ["NCSC"],
        "imo": [5990016],
        "programmes": ["PRK"],
        "listed_on": dt.date(2016, 3, 2),  # designation date, before entry into force
        "countries": ["RU"],
    }


def test_eu_vessel_by_definition(eu: pl.DataFrame) -> None:
    row = entry(eu, "EU.9002.34")
    assert row == row | {
        "entry_type": "vessel",  # valid ship IMO, no legal-form word in any name
        "name": "SEA FALCON",
        "aliases": ["МОРСКОЙ СОКОЛ"],
        "imo": [9000015, 9000027],  # identification "IMO 9000015", then the remark's number
        "programmes": ["RUS"],
        "listed_on": dt.date(2024, 6, 24),
    }


def test_eu_person(eu: pl.DataFrame) -> None:
    row = entry(eu, "EU.9003.56")
    assert row == row | {
        "entry_type": "person",
        "name": "Ivan Petrovich SIDOROV",
        "aliases": ["Иван Петрович СИДОРОВ"],
        "imo": [],
        "listed_on": dt.date(2022, 2, 23),  # no designation date: entry into force
        "countries": [],  # "00" / "UNKNOWN" is no country
    }


def test_eu_missing_column(tmp_path: Path, lists_dir: Path) -> None:
    lines = (lists_dir / "eu_fsf_hand.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "eu.csv"
    bad.write_text("\n".join([lines[0].replace("NameAlias_WholeName", "WholeName"), *lines[1:]]))
    with pytest.raises(SchemaError, match=r"eu\.csv: line 1: the header lacks NameAlias_WholeName"):
        read_sanctions(bad)


@pytest.fixture(scope="module")
def uk(lists_dir: Path) -> pl.DataFrame:
    return read_uk_csv(lists_dir / "uk_sanctions_list_hand.csv")


def test_uk_ship(uk: pl.DataFrame) -> None:
    assert uk.schema == pl.Schema(ENTRIES)
    assert uk["entry_id"].to_list() == ["DPR9001", "RUS9001", "RUS9002"]
    assert set(uk["list"]) == {"uk_sanctions_list"}
    row = entry(uk, "RUS9001")
    assert row == row | {
        "entry_type": "vessel",
        "name": "SEA FALCON",
        "aliases": ["MORSKOY SOKOL"],
        "imo": [9000015],
        "flag": "RU",
        "past_flags": ["MT", "PA"],  # "(1) Malta (2) Panama"
        "vessel_type": "Crude Oil Tanker",
        "gross_tonnage": 56068.0,
        "length_m": 244.0,
        "build_year": 2004,
        "owners": ["NORTHERN CARGO SHIPPING COMPANY", "BLUE HARBOUR LTD"],
        "programmes": ["Russia"],
        "listed_on": dt.date(2024, 6, 24),
        "remarks": "Fictional ship written for darkfleet's tests. "
        "Carried Russian crude oil (fictional).",
        "line": 3,  # line 1 is "Report Date: …", line 2 the header
    }


def test_uk_entity_and_individual(uk: pl.DataFrame) -> None:
    company = entry(uk, "RUS9002")
    assert (company["entry_type"], company["imo"], company["countries"]) == (
        "organization",
        [5990016],  # from "Other Information" (no IMO number column value)
        ["RU"],
    )
    person = entry(uk, "DPR9001")
    assert person == person | {
        "entry_type": "person",
        "name": "Chol Su RI",  # Name 1..5 then Name 6 (the surname)
        "aliases": ["리철수"],
        "programmes": ["Democratic People's Republic of Korea"],
        "listed_on": dt.date(2017, 8, 5),
        "countries": ["KP"],  # "Korea, North"
    }


def test_ofsi_conlist(lists_dir: Path) -> None:
    frame = read_sanctions(lists_dir / "uk_ofsi_conlist_hand.csv")
    assert frame.height == 1
    row = frame.row(0, named=True)
    assert row == row | {
        "list": "uk_ofsi_conlist",
        "entry_id": "99001",  # Group ID
        "entry_type": "vessel",
        "name": "SEA FALCON",
        "aliases": ["MORSKOY SOKOL"],
        "imo": [9000015],  # "IMO number: 9000015" in Other Information
        "programmes": ["Russia"],
        "listed_on": dt.date(2024, 6, 24),
        "line": 3,
    }


def test_uk_missing_column(tmp_path: Path, lists_dir: Path) -> None:
    text = (lists_dir / "uk_sanctions_list_hand.csv").read_text(encoding="utf-8")
    bad = tmp_path / "uk.csv"
    bad.write_text(text.replace(",Designation Type,", ",Kind,"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"uk\.csv: line 2: the header lacks .*Designation Type"):
        read_sanctions(bad)


def test_uk_without_header(tmp_path: Path) -> None:
    bad = tmp_path / "uk.csv"
    bad.write_text("Report Date: 27-Feb-2026\nUnique ID,Name\nRUS1,X\n")
    with pytest.raises(SchemaError, match=r"uk\.csv: no header line with a 'Name 6' column"):
        read_uk_csv(bad)
