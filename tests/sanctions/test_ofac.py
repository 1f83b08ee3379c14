"""OFAC SDN readers: the legacy CSV (+ add.csv) and the SDN XML.

The CSV fixture is a verbatim excerpt of the January 2023 sdn.csv (public domain, see
tests/data/NOTICE); the expected values below were read off its raw text.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from darkfleet.errors import FormatError
from darkfleet.io.sanctions import (
    ENTRIES,
    read_lists,
    read_ofac_csv,
    read_ofac_xml,
    read_sanctions,
)

from .conftest import entry


@pytest.fixture(scope="module")
def sdn(lists_dir: Path) -> pl.DataFrame:
    return read_ofac_csv(
        lists_dir / "ofac_sdn_excerpt.csv", address_path=lists_dir / "ofac_add_excerpt.csv"
    )


def test_excerpt_every_record_read(sdn: pl.DataFrame) -> None:
    # 21 records; the trailing "\x1a,,,,,,,,,,," end-of-file line is not a record
    assert sdn.schema == pl.Schema(ENTRIES)
    assert sdn.height == 21
    assert sdn["line"].sort().to_list() == list(range(1, 22))
    assert sdn["entry_type"].value_counts().sort("entry_type").rows() == [
        ("organization", 5),
        ("person", 1),
        ("vessel", 15),
    ]
    assert set(sdn["list"]) == {"us_ofac_sdn"}
    assert set(sdn["source_file"]) == {"ofac_sdn_excerpt.csv"}
    assert sdn["listed_on"].null_count() == sdn.height  # the legacy CSV has no dates


@pytest.mark.parametrize(
    ("ent", "name", "imo", "gross", "vessel_type", "owner", "line"),
    [
        ("37059", "ANGARA", 9179842, 8811.0, "Roll-on Roll-off", "M LEASING LLC", 19),
        ("37095", "LADY R", 9161003, 7260.0, "Roll-on Roll-off", "TRANSMORFLOT LLC", 20),
        ("37098", "MAIA-1", 9358010, 9611.0, "General Cargo", "TRANSMORFLOT LLC", 21),
        ("37029", "SPARTA IV", 9743033, 7522.0, "General Cargo", "SC SOUTH LLC", 17),
    ],
)
def test_the_four_russian_ships(
    sdn: pl.DataFrame,
    ent: str,
    name: str,
    imo: int,
    gross: float,
    vessel_type: str,
    owner: str,
    line: int,
) -> None:
    # raw: 37059,ANGARA,vessel,RUSSIA-EO14024,-0- ,-0- ,Roll-on Roll-off,-0- ,8811,Russia,-0- ,
    #      Vessel Registration Identification IMO 9179842; Linked To: M LEASING LLC.
    row = entry(sdn, ent)
    assert row["entry_type"] == "vessel"
    assert row["name"] == name
    assert row["imo"] == [imo]
    assert row["mmsi"] == []  # none listed for these four
    assert row["callsign"] == []
    assert row["flag"] == "RU"
    assert row["programmes"] == ["RUSSIA-EO14024"]
    assert row["gross_tonnage"] == gross
    assert row["deadweight_t"] is None
    assert row["vessel_type"] == vessel_type
    assert row["owners"] == [owner]
    assert row["line"] == line


def test_vessel_with_every_kind_of_remark(sdn: pl.DataFrame) -> None:
    row = entry(sdn, "15036")  # ARTAVIL
    assert row["name"] == "ARTAVIL"
    assert row["imo"] == [9187629]
    assert row["mmsi"] == [572469210]
    assert row["callsign"] == ["T2EU4"]
    assert row["flag"] == "IR"
    # "Former Vessel Flag Malta; alt. ... Tuvalu; alt. ... None Identified; alt. ... Tanzania"
    assert row["past_flags"] == ["MT", "TV", "TZ"]
    assert row["aliases"] == ["ALPHA"]  # f.k.a. 'ALPHA'
    assert row["deadweight_t"] == 99144.0  # "99,144"
    assert row["gross_tonnage"] == 56068.0
    assert row["programmes"] == ["IRAN"]
    assert row["owners"] == ["NATIONAL IRANIAN TANKER COMPANY"]
    assert row["remarks"].startswith("Former Vessel Flag Malta;")


def test_other_call_sign_other_flag_and_several_programmes(sdn: pl.DataFrame) -> None:
    progres = entry(sdn, "23423")
    assert progres["callsign"] == ["9HB4398", "5IM713"]
    assert progres["flag"] == "MT"
    assert progres["past_flags"] == ["TZ", "TT"]
    narval = entry(sdn, "31935")
    assert narval["callsign"] == ["UBVQ9", "UBMQ9"]
    vitamin = entry(sdn, "27200")  # MMSI but no IMO
    assert vitamin["imo"] == []
    assert vitamin["mmsi"] == [375311000]
    assert vitamin["flag"] == "VC"
    assert vitamin["programmes"] == ["UKRAINE-EO13661", "CYBER2", "ELECTION-EO13848"]


def test_registration_numbers_that_are_and_are_not_imo(sdn: pl.DataFrame) -> None:
    # "Vessel Registration Identification IMO  8730455" (two spaces)
    assert entry(sdn, "37032")["imo"] == [8730455]
    # bare seven digits with a valid check digit: an IMO number
    assert entry(sdn, "17104")["imo"] == [8606173]  # RYONG GUN BONG
    assert entry(sdn, "33809")["imo"] == [9894387]  # FU YUAN YU 8683
    # "Vessel Registration Identification 15411 (Malta)": a national number, not an IMO
    bonu = entry(sdn, "23424")
    assert bonu["imo"] == []
    assert "15411 (Malta)" in bonu["remarks"]


def test_company_numbers_of_parties(sdn: pl.DataFrame) -> None:
    assert entry(sdn, "17068")["imo"] == [1790183]  # Identification Number IMO 1790183
    assert entry(sdn, "18345")["imo"] == [5179245, 5405737]  # ... alt. Identification Number
    assert entry(sdn, "23510")["imo"] == [5055293]  # Company Number IMO 5055293
    # OFAC's own typo "Company Number IMO 543400." (six digits) is not an IMO number
    assert entry(sdn, "23513")["imo"] == []


def test_linked_to_keeps_a_full_stop_that_belongs_to_the_name(sdn: pl.DataFrame) -> None:
    # "Linked To: FUZHOU HONGLONG OCEAN FISHING CO., LTD." names entry 33680 exactly
    assert entry(sdn, "33691")["owners"] == ["FUZHOU HONGLONG OCEAN FISHING CO., LTD."]
    assert entry(sdn, "33680")["name"] == "FUZHOU HONGLONG OCEAN FISHING CO., LTD."
    # ... while the sentence's own full stop is dropped
    assert entry(sdn, "33809")["owners"] == [
        "FUJIAN PROVINCIAL PINGTAN COUNTY OCEAN FISHING GROUP CO., LTD"
    ]
    assert entry(sdn, "19570")["owners"] == ["OCEAN MARITIME MANAGEMENT COMPANY LIMITED"]


def test_person_and_address_countries(sdn: pl.DataFrame) -> None:
    person = entry(sdn, "8096")
    assert person["entry_type"] == "person"
    assert person["name"] == "HAMRAOUI, Kamel Ben Mouldi Ben Hassan"
    assert person["aliases"] == ["KAMEL", "KIMO"]
    assert person["programmes"] == ["SDGT"]
    assert person["countries"] == ["IT"]
    # add.csv: Singapore, Singapore, Panama, "Virgin Islands, British"
    assert entry(sdn, "18345")["countries"] == ["SG", "PA", "VG"]
    omm = entry(sdn, "17068")["countries"]
    assert omm == ["KP", "CN", "RU", "TH", "PE", "EG", "SG", "BR"]


def test_without_address_file_no_countries(lists_dir: Path) -> None:
    frame = read_ofac_csv(lists_dir / "ofac_sdn_excerpt.csv")
    assert frame.height == 21
    assert frame["countries"].list.len().sum() == 0


def test_read_lists_pairs_the_address_file(lists_dir: Path, sdn: pl.DataFrame) -> None:
    paired = read_lists([lists_dir / "ofac_add_excerpt.csv", lists_dir / "ofac_sdn_excerpt.csv"])
    assert paired.equals(sdn)


def test_a_side_file_alone_is_refused(lists_dir: Path) -> None:
    with pytest.raises(FormatError, match=r"ofac_add_excerpt\.csv.*add\.csv side file"):
        read_sanctions(lists_dir / "ofac_add_excerpt.csv")


def test_alias_file(tmp_path: Path, lists_dir: Path) -> None:
    alt = tmp_path / "alt.csv"
    alt.write_text('37059,90001,"aka","ANGARA 1",-0- \n37059,90002,"fka","HAI HUA",-0- \n')
    frame = read_lists([lists_dir / "ofac_sdn_excerpt.csv", alt])
    assert entry(frame, "37059")["aliases"] == ["ANGARA 1", "HAI HUA"]


def test_header_row_is_optional(tmp_path: Path, lists_dir: Path) -> None:
    raw = (lists_dir / "ofac_sdn_excerpt.csv").read_bytes()
    with_header = tmp_path / "sdn.csv"
    with_header.write_bytes(b"ID,Name,Type,Country,Title,F,G,H,I,J,K,Details\r\n" + raw)
    a = read_ofac_csv(with_header).drop("source_id", "source_file", "line")
    b = read_ofac_csv(lists_dir / "ofac_sdn_excerpt.csv").drop("source_id", "source_file", "line")
    assert a.equals(b)
    assert read_ofac_csv(with_header)["line"].min() == 2


def test_a_short_record_names_its_line(tmp_path: Path, lists_dir: Path) -> None:
    lines = (lists_dir / "ofac_sdn_excerpt.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "sdn.csv"
    bad.write_text("\n".join([*lines[:3], "99999,BROKEN ROW,vessel,IRAN,-0- ,-0- ", *lines[3:]]))
    with pytest.raises(FormatError, match=r"sdn\.csv: line 4: expected an OFAC SDN .* got 6 field"):
        read_ofac_csv(bad)


def test_wrong_width_file_is_refused(lists_dir: Path) -> None:
    with pytest.raises(FormatError, match=r"ofac_add_excerpt\.csv: line 1: expected the OFAC sdn"):
        read_ofac_csv(lists_dir / "ofac_add_excerpt.csv")


# -- SDN XML --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdn_xml(lists_dir: Path) -> pl.DataFrame:
    return read_ofac_xml(lists_dir / "ofac_sdn_hand.xml")


def test_xml_entries(sdn_xml: pl.DataFrame) -> None:
    assert sdn_xml.schema == pl.Schema(ENTRIES)
    assert sdn_xml["entry_id"].to_list() == ["15036", "17068", "36400", "37059", "8096"]
    assert dict(zip(sdn_xml["entry_id"], sdn_xml["line"], strict=True)) == {
        "8096": 7,
        "15036": 38,
        "17068": 84,
        "36400": 111,
        "37059": 138,
    }


def test_xml_vessels_match_the_csv(sdn_xml: pl.DataFrame, sdn: pl.DataFrame) -> None:
    """The hand-written XML carries the same facts as the CSV records: same identifiers."""
    cols = ["entry_id", "entry_type", "name", "imo", "mmsi", "callsign", "flag", "past_flags",
            "vessel_type", "gross_tonnage", "deadweight_t", "owners", "programmes"]  # fmt: skip
    for ent in ("37059", "36400"):
        x = {k: v for k, v in entry(sdn_xml, ent).items() if k in cols}
        c = {k: v for k, v in entry(sdn, ent).items() if k in cols}
        assert x == c
    artavil = entry(sdn_xml, "15036")
    assert artavil["imo"] == [9187629]
    assert artavil["mmsi"] == [572469210]
    assert artavil["callsign"] == ["T2EU4"]
    assert artavil["past_flags"] == ["MT", "TV"]
    assert artavil["aliases"] == ["ALPHA"]
    assert artavil["owners"] == ["NATIONAL IRANIAN TANKER COMPANY"]
    assert artavil["deadweight_t"] == 99144.0


def test_xml_person_and_organization(sdn_xml: pl.DataFrame) -> None:
    person = entry(sdn_xml, "8096")
    assert person["entry_type"] == "person"
    assert person["name"] == "HAMRAOUI, Kamel Ben Mouldi Ben Hassan"
    assert person["aliases"] == ["KAMEL", "KIMO"]
    assert person["countries"] == ["IT"]
    omm = entry(sdn_xml, "17068")
    assert omm["entry_type"] == "organization"
    assert omm["imo"] == [1790183]
    assert omm["countries"] == ["KP", "RU"]
    assert omm["programmes"] == ["DPRK"]


def test_xml_wrong_root(lists_dir: Path) -> None:
    with pytest.raises(
        FormatError, match=r"un_consolidated_hand\.xml: line 1: expected .*<sdnList>"
    ):
        read_ofac_xml(lists_dir / "un_consolidated_hand.xml")


# -- the real January 2023 list ---------------------------------------------------------------


@pytest.fixture(scope="module")
def real_sdn(shared_data: Path) -> pl.DataFrame:
    d = shared_data / "sanctions"
    return read_lists(
        [d / "ofac_sdn_2023-01_sancbook.csv", d / "ofac_sdn_address_2023-01_sancbook.csv"]
    )


@pytest.mark.shared
def test_real_list_parses_completely(real_sdn: pl.DataFrame, shared_data: Path) -> None:
    import csv

    path = shared_data / "sanctions" / "ofac_sdn_2023-01_sancbook.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        raw = [r for r in csv.reader(fh)][1:]  # a header row was added to this copy
    raw = [r for r in raw if r and r[0].isdigit()]
    assert len(raw) == 11443
    assert real_sdn.height == len(raw)
    assert real_sdn["entry_id"].n_unique() == real_sdn.height
    assert sorted(real_sdn["entry_id"].cast(pl.Int64)) == sorted(int(r[0]) for r in raw)
    counts = dict(real_sdn["entry_type"].value_counts().rows())
    assert counts == {"person": 5890, "organization": 4575, "vessel": 685, "aircraft": 293}
    assert real_sdn.filter(pl.col("programmes").list.len() == 0).height == 0


@pytest.mark.shared
def test_real_list_vessels_and_imo_numbers(real_sdn: pl.DataFrame, shared_data: Path) -> None:
    from darkfleet.screening.identifiers import imo_is_valid

    vessels = real_sdn.filter(pl.col("entry_type") == "vessel")
    assert vessels.height == 685
    with_imo = vessels.filter(pl.col("imo").list.len() > 0)
    # 678 vessels write "IMO nnnnnnn" (the data README's figure); two more, RYONG GUN BONG and
    # FU YUAN YU 8683, give a bare "Vessel Registration Identification 8606173" / "9894387"
    # whose check digits are valid ship IMO numbers.
    assert with_imo.height == 680
    written = vessels.filter(pl.col("remarks").str.contains(r"Identification IMO\s+\d{7}"))
    assert written.height == 678
    extra = with_imo.join(written, on="entry_id", how="anti")
    assert sorted(extra["name"]) == ["FU YUAN YU 8683", "RYONG GUN BONG"]
    assert with_imo.filter(pl.col("imo").list.len() > 1).height == 0
    assert imo_is_valid(with_imo["imo"].list.first()).all()
    assert vessels.filter(pl.col("mmsi").list.len() > 0).height == 80
    assert vessels.filter(pl.col("callsign").list.len() > 0).height == 105


@pytest.mark.shared
def test_real_list_company_numbers_are_company_numbers(real_sdn: pl.DataFrame) -> None:
    from darkfleet.screening.identifiers import imo_company_is_valid

    parties = real_sdn.filter(pl.col("entry_type") != "vessel").explode("imo").drop_nulls("imo")
    assert parties.height == 105
    assert all(imo_company_is_valid(i) for i in parties["imo"])


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "ent", "imo", "gross", "owner"),
    [
        ("ANGARA", "37059", 9179842, 8811.0, "M LEASING LLC"),
        ("LADY R", "37095", 9161003, 7260.0, "TRANSMORFLOT LLC"),
        ("MAIA-1", "37098", 9358010, 9611.0, "TRANSMORFLOT LLC"),
        ("SPARTA IV", "37029", 9743033, 7522.0, "SC SOUTH LLC"),
    ],
)
def test_real_list_the_four_ships(
    real_sdn: pl.DataFrame, name: str, ent: str, imo: int, gross: float, owner: str
) -> None:
    rows = real_sdn.filter(pl.col("imo").list.contains(imo))
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert (row["entry_id"], row["name"], row["entry_type"]) == (ent, name, "vessel")
    assert row["mmsi"] == []
    assert row["callsign"] == []
    assert row["flag"] == "RU"
    assert row["programmes"] == ["RUSSIA-EO14024"]
    assert row["gross_tonnage"] == gross
    assert row["owners"] == [owner]
    # the owner is itself listed (a party screening can follow)
    assert real_sdn.filter(pl.col("name") == owner).height == 1


@pytest.mark.shared
def test_real_list_links_resolve(real_sdn: pl.DataFrame) -> None:
    names = set(real_sdn["name"])
    linked = real_sdn.filter(pl.col("remarks").str.contains("Linked To:"))
    owners = linked["owners"].explode().drop_nulls()
    assert (owners.len(), owners.is_in(list(names)).sum()) == (4767, 4754)
    # what does not resolve: three Vess_owner wordings, and two names OFAC links under another
    # spelling than the entry's ("PRESIDENCY OF DEFENSE INDUSTRIES." six times in all)
    assert sorted(set(owners) - names) == [
        "Beratex Group Limited",
        "NITC",
        "OPEN JOINT-STOCK COMPANY ROSNEFT OIL COMPANY",
        "PRESIDENCY OF DEFENSE INDUSTRIES",
        "Truong Phat Loc Shipping Trading",
    ]
    assert real_sdn["listed_on"].null_count() == real_sdn.height  # no dates in the legacy CSV


def test_bare_registration_number_needs_a_valid_check_digit(tmp_path: Path) -> None:
    sdn = tmp_path / "sdn.csv"
    sdn.write_text(
        "1,SHIP A,vessel,IRAN,-0- ,-0- ,-0- ,-0- ,-0- ,Iran,-0- ,"
        "Vessel Registration Identification 9179842.\n"  # valid: an IMO number
        "2,SHIP B,vessel,IRAN,-0- ,-0- ,-0- ,-0- ,-0- ,Iran,-0- ,"
        "Vessel Registration Identification 9179843.\n"  # invalid: a national number
        "3,SHIP C,vessel,IRAN,-0- ,-0- ,-0- ,-0- ,-0- ,Iran,-0- ,"
        "Vessel Registration Identification IMO 9179843.\n"  # written as IMO: kept as written
    )
    frame = read_ofac_csv(sdn)
    assert frame["imo"].to_list() == [[9179842], [], [9179843]]
