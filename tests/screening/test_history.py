"""Identity history and identity flags on a hand-made fleet with known histories."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import darkfleet
from darkfleet.screening import FLAG_TYPES, HistoryRules, identity_history
from darkfleet.screening.identifiers import flag_from_mmsi, mid_table
from darkfleet.screening.schema import IDENTITY_FLAGS, IMO_MMSIS, SPANS
from darkfleet.screening.shared import impossible_jumps

from .fleet_helper import (
    INNOCENT,
    NEW_MMSI,
    OLD_MMSI,
    RENAMED,
    RESIZED,
    SHARED,
    T0,
    TWIN_A,
    TWIN_B,
    Fleet,
    build_fleet,
    hours,
    position,
    static,
)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return build_fleet(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="module")
def flags(fleet: Fleet) -> pl.DataFrame:
    store = darkfleet.open_store(fleet.store, read_only=True)
    return identity_history(store.statics(), store.positions()).flags


def _flags_of(flags: pl.DataFrame, mmsi: int | None = None, imo: int | None = None) -> list[dict]:
    f = flags
    if mmsi is not None:
        f = f.filter(pl.col("mmsi") == mmsi)
    if imo is not None:
        f = f.filter(pl.col("imo") == imo)
    return f.to_dicts()


def test_the_fleet_raises_exactly_the_expected_flags(flags: pl.DataFrame) -> None:
    assert dict(flags.schema) == IDENTITY_FLAGS
    got = sorted(zip(flags["flag_type"], flags["mmsi"], flags["imo"], strict=True))
    assert got == sorted([
        ("renamed", RENAMED, 9179842),
        ("mmsi_changed", NEW_MMSI, 9161003),
        ("reflagged", NEW_MMSI, 9161003),
        ("imo_mmsi_inconsistent", TWIN_B, 9358010),
        ("dimensions_changed", RESIZED, 9743033),
        ("mmsi_shared", SHARED, None),
    ])  # fmt: skip
    assert set(flags["flag_type"]) <= set(FLAG_TYPES)


def test_rename(fleet: Fleet, flags: pl.DataFrame) -> None:
    [f] = _flags_of(flags, mmsi=RENAMED)
    assert f["flag_type"] == "renamed"
    assert (f["first_seen"], f["last_seen"]) == (hours(2), hours(3))
    assert f["evidence"] == [fleet.static_ref(RENAMED, 2), fleet.static_ref(RENAMED, 3)]
    assert f["detail"] == ("IMO 9179842 renamed ANGARA → NEW DAWN "
                           "(last seen 2024-10-01 02:00 UTC, first seen 2024-10-01 03:00 UTC)")  # fmt: skip


def test_reflag_by_mmsi_change(fleet: Fleet, flags: pl.DataFrame) -> None:
    changed, reflagged = sorted(_flags_of(flags, imo=9161003), key=lambda f: f["flag_type"])
    evidence = [fleet.static_ref(OLD_MMSI, 2), fleet.static_ref(NEW_MMSI, 10)]
    for f in (changed, reflagged):
        assert (f["mmsi"], f["first_seen"], f["last_seen"]) == (NEW_MMSI, hours(2), hours(10))
        assert f["evidence"] == evidence
    assert changed["flag_type"] == "mmsi_changed"
    assert changed["detail"].startswith("IMO 9161003 moved from MMSI 273222222 to MMSI 613222222")
    assert reflagged["detail"].startswith(
        "IMO 9161003 reflagged RU (MMSI 273222222) → CM (MMSI 613222222)"
    )


def test_one_imo_on_two_mmsis_at_once(fleet: Fleet, flags: pl.DataFrame) -> None:
    [f] = _flags_of(flags, imo=9358010)
    assert f["flag_type"] == "imo_mmsi_inconsistent"
    assert (f["mmsi"], f["first_seen"], f["last_seen"]) == (TWIN_B, hours(1), hours(6))
    assert f["evidence"] == [
        fleet.static_ref(TWIN_B, 1), fleet.static_ref(TWIN_B, 7),
        fleet.static_ref(TWIN_A, 0), fleet.static_ref(TWIN_A, 6),
    ]  # fmt: skip
    assert "MMSI 352333333" in f["detail"] and "MMSI 636333333" in f["detail"]
    # two hulls, not renames nor an MMSI change: no renamed / mmsi_changed for either MMSI
    assert _flags_of(flags, mmsi=TWIN_A) == []


def test_dimension_change(fleet: Fleet, flags: pl.DataFrame) -> None:
    [f] = _flags_of(flags, mmsi=RESIZED)
    assert f["flag_type"] == "dimensions_changed"
    assert (f["first_seen"], f["last_seen"]) == (hours(1), hours(2))
    assert f["evidence"] == [fleet.static_ref(RESIZED, 1), fleet.static_ref(RESIZED, 2)]
    assert "120x20 → 180x30" in f["detail"]


def test_two_ships_on_one_mmsi_500_km_apart(fleet: Fleet, flags: pl.DataFrame) -> None:
    [f] = _flags_of(flags, mmsi=SHARED)
    assert f["flag_type"] == "mmsi_shared"
    assert (f["first_seen"], f["last_seen"]) == (T0, T0 + dt.timedelta(minutes=10))
    assert f["evidence"] == [fleet.position_ref(SHARED, m) for m in (0, 2, 4, 6, 8, 10)]
    assert f["detail"].startswith("MMSI 445555555 made 5 impossible jumps in 5 consecutive")
    assert "up to 500 km" in f["detail"]


def test_innocent_ship_has_no_flag(flags: pl.DataFrame) -> None:
    # steady name (one garbled message), antenna moved (same length and beam), 10 kn track
    assert _flags_of(flags, mmsi=INNOCENT) == []
    assert _flags_of(flags, imo=9074729) == []


def test_spans_and_mmsis_per_imo(fleet: Fleet) -> None:
    store = darkfleet.open_store(fleet.store, read_only=True)
    h = identity_history(store.statics(), store.positions())
    assert dict(h.spans.schema) == SPANS and dict(h.imo_mmsis.schema) == IMO_MMSIS
    names = h.spans.filter((pl.col("mmsi") == RENAMED) & (pl.col("attribute") == "shipname"))
    assert names.select("value", "first_seen", "last_seen", "messages", "line").rows() == [
        ("ANGARA", hours(0), hours(2), 3, 1),
        ("NEW DAWN", hours(3), hours(5), 3, 7),
    ]
    flags = h.spans.filter(
        (pl.col("attribute") == "flag") & pl.col("mmsi").is_in([OLD_MMSI, NEW_MMSI])
    )
    assert flags.select("mmsi", "value").rows() == [(OLD_MMSI, "RU"), (NEW_MMSI, "CM")]
    lady = h.imo_mmsis.filter(pl.col("imo") == 9161003)
    assert lady.select("mmsi", "flag", "messages").rows() == [
        (OLD_MMSI, "RU", 3),
        (NEW_MMSI, "CM", 3),
    ]


def _statics(rows: list[dict], sid: str = "s1") -> pl.DataFrame:
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(
        source_id=pl.lit(sid), line=pl.int_range(1, frame.height + 1, dtype=pl.Int64)
    )


def test_output_does_not_depend_on_input_order_and_input_is_untouched(fleet: Fleet) -> None:
    store = darkfleet.open_store(fleet.store, read_only=True)
    statics, positions = store.statics(), store.positions()
    a = identity_history(statics, positions)
    shuffled_s, shuffled_p = statics.sample(fraction=1.0, shuffle=True, seed=7), positions.reverse()
    before = shuffled_s.clone()
    b = identity_history(shuffled_s, shuffled_p)
    for x, y in ((a.flags, b.flags), (a.spans, b.spans), (a.imo_mmsis, b.imo_mmsis)):
        assert x.equals(y)
    assert shuffled_s.equals(before)


def test_imo_change_on_one_mmsi_and_invalid_identifiers() -> None:
    rows = [static(273000001, h, "ONE", 9179842) for h in (0, 1)]
    rows += [static(273000001, h, "ONE", 9161003) for h in (2, 3)]  # same MMSI, new IMO
    rows += [static(273000002, h, "TWO", 9179843) for h in (0, 1)]  # bad check digit
    rows += [static(111111111, h, "SAR", None) for h in (0, 1)]  # not a ship station
    got = identity_history(_statics(rows)).flags
    assert got.select("flag_type", "mmsi", "imo", "evidence").rows() == [
        ("mmsi_invalid", 111111111, None, ["s1:7", "s1:8"]),
        ("imo_mmsi_inconsistent", 273000001, 9161003, ["s1:2", "s1:3"]),
        ("imo_invalid", 273000002, 9179843, ["s1:5", "s1:6"]),
    ]
    assert got["detail"][1].startswith("MMSI 273000001 changed IMO 9179842 → 9161003")


def test_a_single_odd_message_or_a_small_size_change_is_not_a_flag() -> None:
    rows = [static(273000003, h, "STEADY", 9179842, dims=(100, 20, 10, 10)) for h in (0, 1)]
    rows += [static(273000003, 2, "STEADX", 9179842, dims=(100, 20, 10, 10))]
    rows += [static(273000003, h, "STEADY", 9179842, dims=(105, 22, 11, 11)) for h in (3, 4)]
    assert identity_history(_statics(rows)).flags.height == 0
    # with min_run_messages = 1 the odd name is two renames
    strict = identity_history(_statics(rows), rules=HistoryRules(min_run_messages=1)).flags
    assert strict["flag_type"].to_list() == ["renamed", "renamed"]


def test_interleaving_identities_are_a_shared_mmsi_not_renames() -> None:
    rows = []
    for k, name in enumerate(["ALPHA", "BRAVO", "ALPHA", "BRAVO"]):
        rows += [static(273000004, 2 * k + d, name, None) for d in (0, 0.5)]
    got = identity_history(_statics(rows)).flags
    assert got.select("flag_type", "mmsi").rows() == [("mmsi_shared", 273000004)]
    assert "alternates between 2 identities (3 switches)" in got["detail"][0]


def test_class_b_parts_a_and_b_of_one_ship_are_not_a_shared_mmsi() -> None:
    """Type 24 part A carries the name, part B only call sign and size: alternating A, B, A, B
    is one ship (this raised mmsi_shared on every class B vessel of the simulator)."""
    rows = []
    for k in range(6):
        a = static(412000001, k, "HARMONY AURORA", None)
        b = static(412000001, k + 0.5, "", None) | {"shipname": None}
        rows += [a | {"msg_type": 24}, b | {"msg_type": 24}]
    assert identity_history(_statics(rows)).flags.height == 0


def test_a_shared_mmsi_alternating_imos_is_one_flag_not_one_per_switch() -> None:
    rows = []
    for k, (name, imo) in enumerate([("CAPE JIN", 9226346), ("PIONEER", 9376610)] * 3):
        rows += [static(671131470, 2 * k + d, name, imo) for d in (0, 0.5)]
    got = identity_history(_statics(rows)).flags
    assert got["flag_type"].to_list() == ["mmsi_shared"]


def test_one_glitch_is_not_a_shared_mmsi() -> None:
    pts = [
        position(273000005, T0 + dt.timedelta(minutes=6 * k), 60.0, 5.0 + 0.03 * k)
        for k in range(10)
    ]
    pts[5] = position(273000005, pts[5]["timestamp"], 62.0, 5.0)  # one fix 220 km off
    frame = pl.DataFrame(pts)
    assert impossible_jumps(frame).height == 0  # two jumps (there and back) < 3
    assert impossible_jumps(frame, min_jumps=2)["jumps"].to_list() == [2]


def test_mid_table_is_complete_and_right() -> None:
    mids = dict(zip(mid_table()["mid"], mid_table()["iso2"], strict=True))
    assert len(mids) == mid_table().height == 292
    expected = {273: "RU", 445: "KP", 636: "LR", 637: "LR", 538: "MH", 613: "CM", 257: "NO",
                412: "CN", 477: "HK", 511: "PW", 620: "KM", 667: "SL", 341: "KN", 312: "BZ",
                **{m: "PA" for m in (351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373, 374)},
                **{m: "US" for m in (303, 338, 366, 367, 368, 369)}}  # fmt: skip
    assert {m: mids[m] for m in expected} == expected
    assert all(2 <= m // 100 <= 7 for m in mids)
    assert flag_from_mmsi(445123456) == "KP" and flag_from_mmsi(2731234) is None


def test_provenance_is_required_of_nothing() -> None:
    # frames without source_id/line (e.g. from a CSV export) still work; evidence says "?"
    rows = [static(273000006, h, "A" if h < 2 else "B", None) for h in range(4)]
    got = identity_history(pl.DataFrame(rows)).flags
    assert got["evidence"].to_list() == [["?:?", "?:?"]]
