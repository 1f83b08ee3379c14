"""UN Security Council Consolidated List XML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from darkfleet.errors import FormatError
from darkfleet.io.sanctions import ENTRIES, read_sanctions, read_un_xml

from .conftest import entry


@pytest.fixture(scope="module")
def un(lists_dir: Path) -> pl.DataFrame:
    return read_un_xml(lists_dir / "un_consolidated_hand.xml")


def test_hand_file(un: pl.DataFrame) -> None:
    assert un.schema == pl.Schema(ENTRIES)
    assert un["entry_id"].to_list() == ["IRe.901", "KPe.901", "KPi.901"]
    assert set(un["list"]) == {"un_sc_consolidated"}
    person = entry(un, "KPi.901")
    assert person == person | {
        "entry_type": "person",
        "name": "CHOL SU RI",  # FIRST_NAME SECOND_NAME THIRD_NAME, as the UN orders them
        "aliases": ["Ri Chol Su", "리철수"],  # an empty <ALIAS_NAME/> is no alias
        "imo": [],
        "programmes": ["DPRK"],
        "listed_on": dt.date(2017, 8, 5),
        "countries": ["KP"],
        "line": 4,
    }
    company = entry(un, "KPe.901")
    assert company == company | {
        "entry_type": "organization",
        "name": "NORTHERN CARGO SHIPPING COMPANY",
        "aliases": ["NCSC"],
        "imo": [5990016],  # "International Maritime Organization (IMO) Number: 5990016"
        "programmes": ["DPRK"],
        "listed_on": dt.date(2016, 3, 2),
        "countries": ["KP", "RU"],
        "line": 29,
    }
    bare = entry(un, "IRe.901")
    assert (bare["aliases"], bare["countries"], bare["imo"], bare["line"]) == ([], [], [], 50)


def test_via_detection(lists_dir: Path, un: pl.DataFrame) -> None:
    assert read_sanctions(lists_dir / "un_consolidated_hand.xml").equals(un)


def test_entry_without_reference(tmp_path: Path, lists_dir: Path) -> None:
    text = (lists_dir / "un_consolidated_hand.xml").read_text(encoding="utf-8")
    text = text.replace("<REFERENCE_NUMBER>IRe.901</REFERENCE_NUMBER>", "")
    text = text.replace("<DATAID>9900003</DATAID>", "")
    bad = tmp_path / "un.xml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=r"un\.xml: line 50: <ENTITY> without <REFERENCE_NUMBER>"):
        read_un_xml(bad)


@pytest.mark.shared
def test_real_list(shared_data: Path) -> None:
    path = shared_data / "sanctions" / "un_consolidated_2026-02-27.xml"
    un = read_un_xml(path)
    text = path.read_text(encoding="utf-8")
    assert un.height == text.count("<INDIVIDUAL>") + text.count("<ENTITY>") == 1003
    assert dict(un["entry_type"].value_counts().rows()) == {"person": 730, "organization": 273}
    assert un["entry_id"].n_unique() == 1003
    assert un.filter(pl.col("entry_type") == "vessel").height == 0  # vessels: 1718 list
    assert un["listed_on"].null_count() == 0
    programmes = dict(un["programmes"].explode().value_counts().rows())
    assert programmes["DPRK"] == 155
    assert sum(programmes.values()) == 1003
    # "IMO" occurs 20 times in the file: 4 in names (…IMOVICH, …IMOV, …IMON), 16 company numbers
    with_imo = un.filter(pl.col("imo").list.len() > 0)
    assert with_imo.height == 16
    assert set(with_imo["programmes"].explode()) == {"DPRK"}
    assert with_imo["entry_type"].unique().to_list() == ["organization"]
    omm = entry(un, "KPe.020")
    assert omm["name"] == "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)"
    assert omm["imo"] == [1790183]
    assert entry(un, "KPe.022")["imo"] == [5342883]  # CHONGCHONGANG SHIPPING COMPANY
    from darkfleet.screening.identifiers import imo_company_is_valid

    assert all(imo_company_is_valid(i) for i in with_imo["imo"].explode())
