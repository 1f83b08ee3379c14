"""Draught changes across port visits: hand-built statics and visits with known answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from darkfleet.errors import ConfigError
from darkfleet.tracks import draught as draught_mod
from darkfleet.tracks.draught import DRAUGHT_CHANGES, DraughtParams, detect_draught_changes
from darkfleet.tracks.visits import PORT_VISITS

T0 = dt.datetime(2022, 10, 3, tzinfo=dt.UTC)
UTC = pl.Datetime("us", "UTC")


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def visits(spec: list[tuple[Any, ...]], mmsi: int = 1) -> pl.DataFrame:
    """(port, start_h, end_h) → PORT_VISITS rows."""
    rows = [
        {
            "event_id": f"v{mmsi}-{i}",
            "mmsi": mmsi,
            "seg_id": f"{mmsi}-a",
            "start_time": h(a),
            "end_time": None if b is None else h(b),
            "lon": 130.3,
            "lat": 42.2,
            "port_id": port,
        }
        for i, (port, a, b) in enumerate(spec)
    ]
    return pl.DataFrame(rows, schema={k: PORT_VISITS[k] for k in rows[0]})


def statics(spec: list[tuple[float, float | None]], mmsi: int = 1, line0: int = 1) -> pl.DataFrame:
    """(hours, draught) → statics rows with lines line0, line0+1, …"""
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * len(spec),
            "timestamp": [h(t) for t, _ in spec],
            "draught_m": [d for _, d in spec],
            "source_id": ["s"] * len(spec),
            "line": list(range(line0, line0 + len(spec))),
        },
        schema_overrides={"timestamp": UTC, "draught_m": pl.Float64},
    )


def test_exports() -> None:
    assert draught_mod.__all__ == ["DRAUGHT_CHANGES", "DraughtParams", "detect_draught_changes"]


def test_loaded_unloaded_unchanged() -> None:
    v = pl.concat(
        [visits([("N", 10, 20)], 1), visits([("V", 10, 20)], 2), visits([("K", 10, 20)], 3)]
    )
    s = pl.concat(
        [
            statics([(5, 6.0), (9, 6.2), (15, 9.0), (21, 8.0), (22, 7.0)], 1),
            statics([(9, 8.0), (21, 7.5)], 2, line0=100),
            statics([(9, 8.0), (21, 7.6)], 3, line0=200),
        ]
    )
    out = detect_draught_changes(s, v)
    assert out.schema == pl.Schema(DRAUGHT_CHANGES)
    assert out["mmsi"].to_list() == [1, 2, 3]
    assert out["draught_before_m"].to_list() == [6.2, 8.0, 8.0]
    assert out["draught_after_m"].to_list() == [8.0, 7.5, 7.6]
    assert out["change_m"].to_list() == [1.8, -0.5, -0.4]
    assert out["signal"].to_list() == ["loaded", "unloaded", "unchanged"]
    r = out.row(0, named=True)
    assert [e["line"] for e in r["evidence"]] == [2, 4]
    assert (r["before_time"], r["after_time"]) == (h(9), h(21))
    assert (r["start_time"], r["end_time"], r["visit_id"], r["port_id"]) == (
        h(10),
        h(20),
        "v1-0",
        "N",
    )


def test_windows_and_neighbouring_visits_bound_the_search() -> None:
    v = visits([("N", 10, 20), ("V", 40, 50), ("N", 200, 210)])
    # 8.0 at h30 lies between N and V: after-value for N, before-value for V;
    # 5.0 at h45 is during V: not an after-value for V (V ends at 50); 6.0 at h120 is > 48 h
    # after V; 9.0 at h205 is during the last N visit (not before its entry)
    s = statics([(1, 4.0), (30, 8.0), (45, 5.0), (120, 6.0), (205, 9.0), (215, 9.5)])
    out = detect_draught_changes(s, v)
    assert out["visit_id"].to_list() == ["v1-0"]
    assert out["change_m"].to_list() == [4.0]
    wide = detect_draught_changes(s, v, params=DraughtParams(window_h=100))
    assert wide["visit_id"].to_list() == ["v1-0", "v1-1", "v1-2"]
    assert wide["change_m"].to_list() == [4.0, -2.0, 3.5]  # 6.0 at h120 now serves both sides


def test_at_boundaries_ties_nulls_and_zero() -> None:
    v = visits([("N", 10, 20)])
    s = pl.concat(
        [
            statics([(10, 6.0), (10, 6.5), (20, 7.0), (20, 7.5)]),
            statics([(11, None), (12, 0.0)], line0=50),
        ]
    )
    r = detect_draught_changes(s, v).row(0, named=True)
    # reports at the entry/exit instant count; ties: last (line 2) before, first (line 3) after
    assert (r["draught_before_m"], r["draught_after_m"]) == (6.5, 7.0)
    assert [e["line"] for e in r["evidence"]] == [2, 3]


def test_open_visit_missing_side_and_empty() -> None:
    assert (
        detect_draught_changes(statics([(5, 6.0), (30, 7.0)]), visits([("N", 10, None)])).height
        == 0
    )
    assert detect_draught_changes(statics([(30, 7.0)]), visits([("N", 10, 20)])).height == 0
    empty = detect_draught_changes(statics([(5, 6.0)]).clear(), visits([("N", 10, 20)]))
    assert empty.height == 0 and empty.schema == pl.Schema(DRAUGHT_CHANGES)
    assert detect_draught_changes(statics([(5, 6.0)]), visits([("N", 10, 20)]).clear()).height == 0
    assert (
        detect_draught_changes(
            statics([(5, 6.0), (25, 8.0)], mmsi=2), visits([("N", 10, 20)])
        ).height
        == 0
    )


def test_statics_none_or_lazy() -> None:
    assert detect_draught_changes(None, visits([("N", 10, 20)])).height == 0
    lazy = detect_draught_changes(statics([(5, 6.0), (25, 8.0)]).lazy(), visits([("N", 10, 20)]))
    assert lazy["change_m"].to_list() == [2.0]


def test_shuffled_input_same_output() -> None:
    v = pl.concat([visits([("N", 10, 20), ("V", 40, 50)], 1), visits([("N", 12, 30)], 2)])
    s = pl.concat(
        [
            statics([(5, 6.0), (30, 8.0), (55, 7.0), (55, 7.2)], 1),
            statics([(1, 3.0), (31, 9.0)], 2, 10),
        ]
    )
    ref = detect_draught_changes(s, v)
    assert ref.height == 3
    for seed in range(3):
        got = detect_draught_changes(
            s.sample(fraction=1.0, shuffle=True, seed=seed),
            v.sample(fraction=1.0, shuffle=True, seed=seed),
        )
        assert got.equals(ref)


def test_validation() -> None:
    with pytest.raises(ConfigError, match=r"draught.min_change_m = 0"):
        DraughtParams(min_change_m=0)
    with pytest.raises(ConfigError, match=r"draught.window_h"):
        DraughtParams(window_h=float("nan"))
    with pytest.raises(ConfigError, match="draught_m"):
        detect_draught_changes(
            pl.DataFrame({"mmsi": [1], "timestamp": [T0]}), visits([("N", 1, 2)])
        )
