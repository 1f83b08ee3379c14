"""OpenSanctions / FollowTheMoney JSON lines (read with the standard library)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from darkfleet.errors import FormatError
from darkfleet.io.sanctions import ENTRIES, read_ftm_json, read_sanctions

from .conftest import entry


@pytest.fixture(scope="module")
def ftm(lists_dir: Path) -> pl.DataFrame:
    return read_ftm_json(lists_dir / "opensanctions_hand.ftm.json")


def test_entities_kept(ftm: pl.DataFrame) -> None:
    assert ftm.schema == pl.Schema(ENTRIES)
    # Sanction and Ownership entities become columns of the others; the bystander Person is
    # neither sanctioned nor an owner and is left out
    assert sorted(ftm["entry_id"]) == [
        "company-nested-operator",
        "company-northern-cargo",
        "vessel-bad-check-digit",
        "vessel-nested",
        "vessel-river-dawn",
        "vessel-sea-falcon",
    ]


def test_direct_vessel(ftm: pl.DataFrame) -> None:
    row = entry(ftm, "vessel-sea-falcon")
    assert row == row | {
        "list": "ftm:gb_fcdo_sanctions+us_ofac_sdn",
        "entry_type": "vessel",
        "listing": "direct",
        "name": "SEA FALCON",
        "aliases": ["MORSKOY SOKOL", "OCEAN PRIDE"],
        "imo": [9000015],
        "mmsi": [273123456],
        "callsign": ["UBCD7"],
        "flag": "RU",
        "past_flags": ["MT", "PA"],
        "vessel_type": "Crude Oil Tanker",
        "gross_tonnage": 56068.0,
        "deadweight_t": 105000.0,
        "build_year": 2004,
        "owners": ["NORTHERN CARGO SHIPPING COMPANY"],
        # the OFAC sanction's program, the UK one's authority (it has no program)
        "programmes": ["RUSSIA-EO14024", "Foreign, Commonwealth and Development Office"],
        "listed_on": dt.date(2024, 5, 9),  # earliest of listingDate / startDate
        "remarks": "Fictional vessel written for darkfleet's tests.",
        "line": 1,
    }


def test_linked_vessel_merged_from_two_lines(ftm: pl.DataFrame) -> None:
    row = entry(ftm, "vessel-river-dawn")
    assert row == row | {
        "list": "ftm:un_1718_vessels+us_ofac_sdn",
        "listing": "linked",  # asset of a sanctioned owner (Ownership entity)
        "programmes": ["UKRAINE-EO13662"],  # the owner's
        "owners": ["NORTHERN CARGO SHIPPING COMPANY"],
        "imo": [9000027],
        "mmsi": [445123000],  # from its second line
        "aliases": ["DAWN RIVER"],
        "flag": "KP",
        "listed_on": None,
        "line": 6,  # its first line
    }


def test_sanctioned_owner(ftm: pl.DataFrame) -> None:
    row = entry(ftm, "company-northern-cargo")
    assert row == row | {
        "entry_type": "organization",
        "imo": [5990016],
        "countries": ["RU"],
        "programmes": ["UKRAINE-EO13662"],
        "listed_on": dt.date(2022, 5, 8),
    }


def test_wrong_check_digit_is_kept(ftm: pl.DataFrame) -> None:
    # FtM's own validation would drop "IMO 9000016" (bad check digit); the reader keeps it,
    # because a wrong check digit on a list is something screening must see
    row = entry(ftm, "vessel-bad-check-digit")
    assert row["imo"] == [9000016]
    assert row["list"] == "ftm:mare_shadow_fleet"
    assert row["programmes"] == []  # in a dataset, with no sanction or topic


def test_nested_entities_are_flattened(ftm: pl.DataFrame) -> None:
    row = entry(ftm, "vessel-nested")
    assert row["programmes"] == ["IRAN"]  # nested under the reverse property "sanctions"
    assert row["listed_on"] == dt.date(2019, 9, 4)
    assert row["owners"] == ["NESTED OPERATOR LTD"]  # nested operator
    assert row["flag"] == "PA"  # "Panama" cleaned to its ISO code
    operator = entry(ftm, "company-nested-operator")
    assert (operator["list"], operator["countries"]) == ("ftm", ["AE"])


def test_detection(lists_dir: Path, ftm: pl.DataFrame) -> None:
    assert read_sanctions(lists_dir / "opensanctions_hand.ftm.json").equals(ftm)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "a", "schema": "Vessel", "properties": {}}', '{"id": "b", "schema": "Ves'],
         r"line 2: not a JSON object"),
        (['{"id": "a", "schema": "Spaceship", "properties": {}}'], r"line 1: .*'Spaceship'"),
        (['{"id": "a", "schema": "Vessel"}', '', '{"schema": "Vessel"}'],
         r"line 3: expected a FollowTheMoney entity with 'id' and 'schema'"),
        (['{"id": "a", "schema": "Vessel", "properties": {}}',
          '{"id": "a", "schema": "Person", "properties": {}}'], r"line 2: Cannot merge"),
        (['{"id": "a", "schema": "Vessel", "properties": ["x"]}'], r"line 1: 'properties'"),
    ],
)  # fmt: skip
def test_malformed(tmp_path: Path, lines: list[str], message: str) -> None:
    bad = tmp_path / "bad.ftm.json"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match=r"bad\.ftm\.json: " + message):
        read_ftm_json(bad)


def test_fixture_is_valid_json_lines(lists_dir: Path) -> None:
    for line in (lists_dir / "opensanctions_hand.ftm.json").read_text().splitlines():
        assert isinstance(json.loads(line), dict)


def _write(tmp_path: Path, entities: list[dict]) -> Path:
    path = tmp_path / "x.ftm.json"
    path.write_text("".join(json.dumps(e) + "\n" for e in entities))
    return path


def test_unknown_property_ignored(tmp_path: Path) -> None:
    # OpenSanctions adds properties; one the schema does not define (or a Person's "flag",
    # defined only for vessels) is skipped, not an error
    path = _write(tmp_path, [
        {"id": "v", "schema": "Vessel", "properties": {
            "name": ["NEW PROP"], "imoNumber": ["9123453"], "brandNewProperty": ["x", {"y": 1}],
            "flag": ["ua-cri", "suhh"], "country": ["Panama", "Narnia"]}},
        {"id": "p", "schema": "Person", "properties": {
            "name": ["A PERSON"], "flag": ["ru"], "imoNumber": ["9123453"], "topics": ["sanction"]}},
    ])  # fmt: skip
    frame = read_ftm_json(path)
    vessel, person = entry(frame, "v"), entry(frame, "p")
    assert (vessel["name"], vessel["imo"], vessel["flag"]) == ("NEW PROP", [9123453], "UA")
    assert vessel["countries"] == ["PA"]  # an unknown country name is dropped
    assert (person["flag"], person["imo"]) == (None, [])


def test_nested_sanction_under_vessel(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"id": "v", "schema": "Vessel", "properties": {"name": ["NESTED"], "sanctions": [
            {"id": "s1", "schema": "Sanction", "properties": {
                "program": ["EU-RUS"], "startDate": ["2023-02-25"]}, "datasets": ["eu_fsf"]},
            {"id": "s2", "schema": "Sanction", "properties": {
                "authority": ["OFAC"], "listingDate": ["2022-11-01"]}}]}},
        {"id": "s1", "schema": "Sanction", "properties": {"programId": ["EU-RUS-1"]}},
    ])  # fmt: skip
    frame = read_ftm_json(path)
    assert frame["entry_id"].to_list() == ["v"]  # the sanctions are columns of the vessel
    row = entry(frame, "v")
    assert row["listing"] == "direct"
    assert row["programmes"] == ["EU-RUS", "OFAC"]
    assert row["listed_on"] == dt.date(2022, 11, 1)


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.ftm.json"
    path.write_text(
        '{"id": "a", "schema": "Vessel", "properties": {}}\n\n'
        '{"id": "b", "schema": "Vessel", "properties": {"name": ["X"]}\n'
    )
    with pytest.raises(FormatError) as err:
        read_ftm_json(path)
    assert str(err.value).startswith(f"{path}: line 3: not a JSON object")
    nested = _write(tmp_path, [{"id": "v", "schema": "Vessel", "properties": {
        "sanctions": [{"id": "s", "schema": "Sanktion", "properties": {}}]}}])  # fmt: skip
    with pytest.raises(
        FormatError, match=r"x\.ftm\.json: line 1: unknown FollowTheMoney schema 'Sanktion'"
    ):
        read_ftm_json(nested)
