"""Golden matching decisions of screening: one row per case, with the expected explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pytest
from rapidfuzz.distance import Levenshtein

from darkfleet.io.sanctions import entries_frame
from darkfleet.screening.match import MatchRules, screen
from darkfleet.screening.names import normalize_name, skeleton
from darkfleet.screening.schema import MATCHES
from darkfleet.screening.simulate import simulate_population, synthetic_entries

_ENTRY = {"list": "test", "entry_type": "vessel", "source_id": "golden"}

ENTRIES = entries_frame(
    [
        {
            **_ENTRY,
            "entry_id": "E1",
            "name": "ANGARA",
            "aliases": ["HAI RUI"],
            "imo": [9179842],
            "flag": "RU",
            "vessel_type": "Container Ship",
            "gross_tonnage": 8811.0,
            "owners": ["M LEASING LLC"],
            "programmes": ["RUSSIA-EO14024"],
            "line": 1,
        },
        {
            **_ENTRY,
            "entry_id": "E2",
            "name": "SIYANIYE SEVERA",
            "imo": [9110236],
            "flag": "RU",
            "vessel_type": "General Cargo",
            "programmes": ["RUSSIA-EO14024"],
            "line": 2,
        },
        {
            **_ENTRY,
            "entry_id": "E3",
            "name": "SPARTA IV",
            "imo": [9743033],
            "flag": "RU",
            "vessel_type": "General Cargo",
            "programmes": ["RUSSIA-EO14024"],
            "line": 3,
        },
        {
            **_ENTRY,
            "entry_id": "E4",
            "name": "LADY R",
            "imo": [9161003],
            "flag": "RU",
            "vessel_type": "Roll-on Roll-off",
            "programmes": ["RUSSIA-EO14024"],
            "line": 4,
        },
        {
            **_ENTRY,
            "entry_id": "E5",
            "name": "NEGA",
            "mmsi": [273337970],
            "flag": "RU",
            "vessel_type": "Yacht",
            "programmes": ["RUSSIA-EO14024"],
            "line": 5,
        },
        {
            **_ENTRY,
            "entry_id": "E6",
            "name": "CHON MA SAN",
            "imo": [8660313],
            "callsign": ["HMYD"],
            "flag": "KP",
            "vessel_type": "Oil Products Tanker",
            "programmes": ["DPRK"],
            "line": 6,
        },
        {
            **_ENTRY,
            "entry_id": "E7",
            "name": "KOMPOZITOR GASANOV",
            "imo": [9045132],
            "flag": "RU",
            "vessel_type": "Roll-on Roll-off",
            "gross_tonnage": 6894.0,
            "programmes": ["RUSSIA-EO14024"],
            "line": 7,
        },
        {
            **_ENTRY,
            "entry_id": "P1",
            "entry_type": "organization",
            "name": "M LEASING LLC.",
            "programmes": ["RUSSIA-EO14024"],
            "line": 8,
        },
    ]
)


@dataclass(frozen=True)
class Case:
    """An AIS identity, the entry it must match (None: no match) and the explanation's parts."""

    case: str
    identity: dict[str, Any]
    entry: str | None
    rules: set[str] = field(default_factory=set)
    says: tuple[str, ...] = ()
    min_score: float = 0.70


CASES = [
    Case(
        "exact IMO",
        {
            "mmsi": 273345000,
            "imo": 9179842,
            "shipname": "ANGARA",
            "ship_type": 70,
            "to_bow_m": 100,
            "to_stern_m": 30,
        },
        "E1",
        {"imo_exact", "name", "flag", "type", "size"},
        (
            "score 1.00 vs test E1 'ANGARA' [RUSSIA-EO14024]",
            "IMO 9179842 = listed IMO (check digit valid) (+1.20)",
            "name 'ANGARA' = listed name 'ANGARA'",
            "flag RU (MMSI MID 273) = listed flag",
            "AIS length 130 m fits ~130 m expected from 8811 GT",
            "linked to M LEASING LLC (listed: test P1 M LEASING LLC. [RUSSIA-EO14024])",
        ),
    ),
    Case(
        "renamed and reflagged, same IMO",
        {"mmsi": 636012345, "imo": 9179842, "shipname": "URSA MAJOR"},
        "E1",
        {"imo_exact"},
        ("IMO 9179842 = listed IMO (check digit valid)",),
    ),
    Case(
        "former name (alias)",
        {"mmsi": 273111222, "shipname": "HAI RUI", "ship_type": 71},
        "E1",
        {"name", "flag", "type"},
        ("= listed alias/former name 'HAI RUI'",),
    ),
    Case(
        "transliterated name",
        {"mmsi": 273123456, "shipname": "SIYANIE SEVERA", "ship_type": 70},
        "E2",
        {"name", "flag", "type"},
        (
            "name 'SIYANIE SEVERA' ≈ (transliteration variant of) listed name 'SIYANIYE SEVERA'",
            "flag RU (MMSI MID 273) = listed flag",
        ),
    ),
    Case(
        "M/V prefix, punctuation, Roman numeral",
        {"mmsi": 273200300, "shipname": "M/V Sparta-4"},
        "E3",
        {"name", "flag"},
        ("name 'M/V Sparta-4' = listed name 'SPARTA IV'",),
    ),
    Case(
        "wrong check digit",
        {"mmsi": 273999000, "imo": 9161004, "shipname": "LADY R"},
        "E4",
        {"imo_near", "name", "flag"},
        (
            "IMO 9161004 fails the check digit and differs only in the check digit from listed "
            "IMO 9161003 (+0.45)",
            "(short name: counts less)",
        ),
    ),
    Case(
        "valid IMO one digit away",
        {"mmsi": 273200301, "imo": 9763033, "shipname": "SPARTA IV"},
        "E3",
        {"imo_near", "name", "flag"},
        ("IMO 9763033 is one digit (typo or transposition) away from listed IMO 9743033",),
    ),
    Case(
        "invalid IMO of its own",
        {"mmsi": 273555666, "imo": 1234568, "shipname": "KOMPOZITOR GASANOV"},
        "E7",
        {"imo_invalid", "name", "flag"},
        ("IMO 1234568 fails the check digit: an invalid IMO is itself a warning sign",),
    ),
    Case(
        "MMSI only",
        {"mmsi": 273337970},
        "E5",
        {"mmsi_exact"},
        ("score 0.75", "MMSI 273337970 = listed MMSI (+0.75)"),
    ),
    Case(
        "call sign only",
        {"mmsi": 445123456, "callsign": "HM-YD", "shipname": "NEW STAR"},
        "E6",
        {"callsign_exact", "flag"},
        ("call sign HM-YD = listed call sign HMYD (+0.50)", "flag KP (MMSI MID 445)"),
    ),
    Case(
        "name with corroboration",
        {
            "mmsi": 273777888,
            "shipname": "KOMPOZITOR GASANOV",
            "ship_type": 70,
            "to_bow_m": 100,
            "to_stern_m": 20,
        },
        "E7",
        {"name", "flag", "type", "size"},
        (
            "name 'KOMPOZITOR GASANOV' = listed name 'KOMPOZITOR GASANOV' (+0.45)",
            "flag RU (MMSI MID 273) = listed flag (+0.25)",
        ),
    ),
    Case(
        "one-letter typo with corroboration",
        {"mmsi": 273777889, "shipname": "KOMPOZITOR GASSNOV", "ship_type": 70},
        "E7",
        {"name", "flag", "type"},
        ("~ (one letter different",),
    ),
    # must NOT match
    Case("name without corroboration", {"mmsi": 351000111, "shipname": "KOMPOZITOR GASANOV"}, None),
    Case(
        "name, type and size but another flag",
        {
            "mmsi": 351000112,
            "shipname": "KOMPOZITOR GASANOV",
            "ship_type": 70,
            "to_bow_m": 100,
            "to_stern_m": 20,
        },
        None,
    ),
    Case(
        "namesake with its own valid IMO",
        {"mmsi": 273345001, "imo": 9330006, "shipname": "ANGARA", "ship_type": 70},
        None,
    ),
    Case(
        "near-miss: next of a numbered series",
        {"mmsi": 273200302, "shipname": "SPARTA III", "ship_type": 70},
        None,
    ),
    Case(
        "near-miss: similar name", {"mmsi": 273200303, "shipname": "SPARTAK", "ship_type": 70}, None
    ),
    Case(
        "MMSI reused by another ship",
        {"mmsi": 273337970, "imo": 9330018, "shipname": "ZARYA", "ship_type": 30},
        None,
    ),
]


def _screen_one(case: Case, min_score: float | None = None) -> pl.DataFrame:
    ident = pl.DataFrame([case.identity])
    return screen(ident, ENTRIES, min_score=min_score)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
def test_golden_decision(case: Case) -> None:
    matches = _screen_one(case)
    assert matches.schema == pl.Schema(MATCHES)
    if case.entry is None:
        assert matches.height == 0, matches["explanation"].to_list()
        return
    assert matches["entry_id"].to_list()[:1] == [case.entry], matches["explanation"].to_list()
    top = matches.row(0, named=True)
    assert top["score"] >= case.min_score
    assert set(top["rules"]) == case.rules, top["explanation"]
    for part in case.says:
        assert part in top["explanation"], top["explanation"]
    # the evidence structs add up to the score (clipped to [0, 1])
    total = sum(e["points"] for e in top["evidence"])
    assert top["score"] == pytest.approx(min(max(total, 0.0), 1.0), abs=1e-3)


def test_near_miss_series_is_not_even_a_candidate() -> None:
    """Names with different numbers never pair, whatever their similarity."""
    case = next(c for c in CASES if c.case.startswith("near-miss: next"))
    assert _screen_one(case, min_score=0.0).filter(pl.col("entry_id") == "E3").height == 0


def test_unmatched_candidates_still_explained_below_threshold() -> None:
    case = next(c for c in CASES if c.case == "name without corroboration")
    low = _screen_one(case, min_score=0.0)
    assert low["entry_id"].to_list() == ["E7"]
    assert low["score"].to_list() == [pytest.approx(0.45)]
    assert "name 'KOMPOZITOR GASANOV' = listed name" in low["explanation"][0]


def test_imo_valid_column() -> None:
    ids = pl.DataFrame(
        {"mmsi": [273999000, 636012345], "imo": [9161004, 9179842], "shipname": ["LADY R", "X"]}
    )
    out = screen(ids, ENTRIES).sort("mmsi")
    assert out["imo_valid"].to_list() == [False, True]


def test_rules_are_parameters() -> None:
    case = next(c for c in CASES if c.case == "name without corroboration")
    assert _screen_one(case).height == 0
    looser = screen(pl.DataFrame([case.identity]), ENTRIES, rules=MatchRules(threshold=0.4))
    assert looser["entry_id"].to_list() == ["E7"]


def test_inputs_not_modified_and_deterministic() -> None:
    ids = pl.DataFrame([c.identity for c in CASES], infer_schema_length=None)
    before_ids, before_entries = ids.clone(), ENTRIES.clone()
    a = screen(ids, ENTRIES)
    b = screen(ids.reverse(), ENTRIES)
    assert ids.equals(before_ids) and ENTRIES.equals(before_entries)
    assert a.equals(b)
    expected = sum(c.entry is not None for c in CASES)
    assert a.select("mmsi", "imo", "shipname", "callsign").unique().height == expected


def test_empty_inputs() -> None:
    empty = screen(
        pl.DataFrame({"mmsi": [], "imo": []}, schema={"mmsi": pl.Int64, "imo": pl.Int64}), ENTRIES
    )
    assert empty.height == 0 and empty.schema == pl.Schema(MATCHES)
    none = screen(pl.DataFrame([CASES[0].identity]), ENTRIES.clear())
    assert none.height == 0 and none.schema == pl.Schema(MATCHES)


def test_name_normalisation() -> None:
    assert normalize_name("M/V Lady-R") == "LADY R"
    assert normalize_name("SPARTA IV") == normalize_name("Sparta 4") == "SPARTA 4"
    assert skeleton("SIYANIYE SEVERA") == skeleton("SIYANIE SEVERA")
    assert skeleton("CHONGCHONGANG") == skeleton("JONGJONKANG")
    assert normalize_name("АНГАРА") == "ANGARA"


def test_name_blocking_finds_every_one_edit_pair() -> None:
    """Reference check of the blocked, vectorised name comparison against all pairs in Python:
    every (identity, listed name) pair one edit apart with equal numbers must be a candidate
    (names of six letters or more: a shorter name one edit away cannot reach the threshold)."""
    entries = synthetic_entries(200, seed=3)
    ids, _ = simulate_population(entries, n_identities=400, n_listed=150, seed=3)
    got = screen(ids, entries, min_score=0.0)
    found = set(zip(got["ais_line"].to_list(), got["entry_id"].to_list(), strict=True))
    vessels = entries.filter(pl.col("entry_type") == "vessel")
    listed = [
        (eid, n)
        for eid, name, aliases in vessels.select("entry_id", "name", "aliases").iter_rows()
        for n in [name, *aliases]
    ]
    norm = {n: normalize_name(n) or "" for _, n in listed}
    missing = []
    for line, shipname in ids.select("line", "shipname").iter_rows():
        a = normalize_name(shipname) or ""
        for eid, n in listed:
            b = norm[n]
            nums_a = sorted({int(x) for x in a.split() if x.isdigit()})
            nums_b = sorted({int(x) for x in b.split() if x.isdigit()})
            same = nums_a == nums_b
            close = Levenshtein.distance(a.replace(" ", ""), b.replace(" ", "")) <= 1
            long = min(len(a.replace(" ", "")), len(b.replace(" ", ""))) >= 6
            if same and close and long and (line, eid) not in found:
                missing.append((shipname, n))
    assert not missing


@pytest.mark.shared
def test_real_ofac_seed_case(shared_data: Any) -> None:
    """ANGARA (IMO 9179842) photographed at Najin, broadcasting a new name under another flag."""
    from darkfleet.io.sanctions import read_lists

    lists = shared_data / "sanctions"
    entries = read_lists(
        [lists / "ofac_sdn_2023-01_sancbook.csv", lists / "ofac_sdn_address_2023-01_sancbook.csv"]
    )
    ids = pl.DataFrame(
        {
            "mmsi": [273345000, 352001234],
            "imo": [9179842, None],
            "shipname": ["ANGARA", "LADY R"],
            "ship_type": [70, 70],
            "to_bow_m": [100, None],
            "to_stern_m": [30, None],
        }
    )
    out = screen(ids, entries)
    angara = out.filter(pl.col("imo") == 9179842).row(0, named=True)
    assert angara["entry_name"] == "ANGARA" and "RUSSIA-EO14024" in angara["programmes"]
    assert "IMO 9179842 = listed IMO (check digit valid)" in angara["explanation"]
    assert any("M LEASING LLC (listed: us_ofac_sdn" in p for p in angara["linked_parties"])
    # LADY R by name alone under a Panama MMSI, no IMO: a short name, no corroboration
    assert out.filter(pl.col("shipname") == "LADY R").height == 0
