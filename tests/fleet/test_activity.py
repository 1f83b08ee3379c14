"""Port activity (daily counts) and surge detection (change points)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError, SchemaError
from darkfleet.fleet.activity import (
    PORT_ACTIVITY,
    SURGES,
    ActivityParams,
    detect_surges,
    port_activity,
)

D0 = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)


def at(day: int, hour: float = 0.0) -> dt.datetime:
    return D0 + dt.timedelta(days=day, hours=hour)


def visit(
    mmsi: int,
    start: dt.datetime,
    end: dt.datetime | None,
    *,
    port: str = "P1",
    name: str = "Najin",
    open_start: bool = False,
    dark: bool = False,
) -> dict[str, Any]:
    return {
        "port_id": port,
        "port_name": name,
        "mmsi": mmsi,
        "start_time": start,
        "end_time": end,
        "is_open_start": open_start,
        "is_open_end": end is None,
        "arrived_dark": dark,
    }


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema_overrides={
            "start_time": pl.Datetime("us", "UTC"),
            "end_time": pl.Datetime("us", "UTC"),
        },
    )


def counts(act: pl.DataFrame, port: str = "P1") -> dict[str, list[int]]:
    g = act.filter(pl.col("port_id") == port).sort("date")
    return {
        c: g[c].to_list() for c in ("vessels_present", "arrivals", "departures", "dark_arrivals")
    }


def test_daily_counts_by_hand() -> None:
    visits = frame(
        [
            visit(1, at(0, 10), at(2, 5), dark=True),  # days 0-2
            visit(2, at(1, 1), at(1, 3)),  # day 1 only
            visit(2, at(1, 20), at(3, 0)),  # days 1-2: ends exactly at midnight of day 3
            visit(3, at(0, 0), at(0, 6), open_start=True),  # in port when the data began
            visit(4, at(4, 12), None),  # still in port at the end
        ]
    )
    act = port_activity(visits, end=dt.date(2024, 9, 7))
    assert act.schema == pl.Schema(PORT_ACTIVITY)
    assert act["date"].to_list() == [dt.date(2024, 9, d) for d in range(1, 8)]
    assert act["port_name"].unique().to_list() == ["Najin"]
    assert counts(act) == {
        "vessels_present": [2, 2, 2, 0, 1, 1, 1],
        "arrivals": [1, 2, 0, 0, 1, 0, 0],
        "departures": [1, 1, 1, 1, 0, 0, 0],
        "dark_arrivals": [1, 0, 0, 0, 0, 0, 0],
    }


def test_window_fills_zero_days_and_clips() -> None:
    visits = frame(
        [visit(1, at(3, 1), at(5, 1)), visit(2, at(10, 1), at(10, 2), port="P2", name="Dunay")]
    )
    act = port_activity(visits, start="2024-08-30", end=dt.datetime(2024, 9, 4, 23, tzinfo=dt.UTC))
    assert act["date"].min() == dt.date(2024, 8, 30)
    assert act["date"].max() == dt.date(2024, 9, 4)
    assert act.height == 2 * 6  # both ports, every day, zero days included
    assert counts(act)["vessels_present"] == [0, 0, 0, 0, 0, 1]  # from Sep 4
    assert counts(act)["departures"] == [0] * 6  # the departure lies after the window
    assert sum(counts(act, "P2")["arrivals"]) == 0
    default = port_activity(visits)
    assert (default["date"].min(), default["date"].max()) == (
        dt.date(2024, 9, 4),
        dt.date(2024, 9, 11),
    )


def test_short_visits_and_duplicates() -> None:
    visits = frame(
        [visit(1, at(0, 1), at(0, 1.5)), visit(1, at(0, 3), at(0, 9)), visit(2, at(0, 4), at(0, 5))]
    )
    assert counts(port_activity(visits))["vessels_present"] == [2]  # vessel 1 counted once
    act = port_activity(visits, params=ActivityParams(min_visit_h=2.0))
    assert counts(act) == {
        "vessels_present": [1],
        "arrivals": [1],
        "departures": [1],
        "dark_arrivals": [0],
    }


def test_empty_and_bad_window() -> None:
    empty = frame([visit(1, at(0), at(1))]).clear()
    assert port_activity(empty).schema == pl.Schema(PORT_ACTIVITY)
    assert port_activity(empty).height == 0
    with pytest.raises(ConfigError, match="before start"):
        port_activity(frame([visit(1, at(0), at(1))]), start="2024-09-05", end="2024-09-01")
    out = detect_surges(port_activity(empty))
    assert out.schema == pl.Schema(SURGES) and out.height == 0


def test_shuffled_visits_same_table() -> None:
    rng = np.random.default_rng(5)
    rows = [
        visit(
            int(rng.integers(1, 9)), at(d, 3), at(d + int(rng.integers(0, 3)), 20), port=f"P{d % 3}"
        )
        for d in range(30)
    ]
    visits = frame(rows)
    expected = port_activity(visits)
    assert port_activity(visits.sample(fraction=1.0, shuffle=True, seed=2)).equals(expected)


# ------------------------------------------------------------------------------ surges


def series(rates: list[tuple[int, float]], seed: int, port: str = "P1") -> pl.DataFrame:
    """A daily activity table whose arrivals are Poisson with piecewise-constant rates."""
    rng = np.random.default_rng(seed)
    y = np.concatenate([rng.poisson(lam, days) for days, lam in rates])
    n = y.size
    return pl.DataFrame(
        {
            "port_id": [port] * n,
            "port_name": ["Najin"] * n,
            "date": pl.date_range(
                dt.date(2024, 8, 1), dt.date(2024, 8, 1) + dt.timedelta(days=n - 1), eager=True
            ),
            "vessels_present": y * 2,
            "arrivals": y,
            "departures": y,
            "dark_arrivals": np.zeros(n, dtype=np.int64),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_planted_step_is_found(seed: int) -> None:
    act = series([(60, 0.6), (60, 2.0)], seed)
    out = detect_surges(act, params=ActivityParams(metrics=("arrivals",)))
    assert out.schema == pl.Schema(SURGES)
    assert out.height == 1
    row = out.row(0, named=True)
    change = dt.datetime(2024, 9, 30, tzinfo=dt.UTC)  # day 60
    assert abs((row["start_time"] - change).days) <= 4
    assert row["end_time"] == dt.datetime(2024, 11, 29, tzinfo=dt.UTC)
    assert row["ratio"] == pytest.approx(row["after_mean"] / row["before_mean"])
    assert 2.0 < row["ratio"] < 6.0
    assert row["p_value"] <= 0.01
    assert row["before_days"] + row["after_days"] == 120
    assert (row["mmsi"], row["event_type"], row["method"]) == (
        None,
        "port_surge",
        "poisson_lr_permutation",
    )
    assert row["evidence"] == []
    assert row["reasoning"].startswith(f"Arrivals at Najin rose {row['ratio']:.1f}x from 2024-")
    assert "permutation test p" in row["reasoning"]


@pytest.mark.parametrize("seed", range(6))
def test_no_change_no_surge(seed: int) -> None:
    act = series([(120, 1.2)], seed)
    assert (
        detect_surges(act, params=ActivityParams(metrics=("arrivals", "vessels_present"))).height
        == 0
    )


def test_direction_ratio_and_length_rules() -> None:
    drop = series([(50, 3.0), (50, 0.8)], 7)
    assert detect_surges(drop).height == 0  # default: rises only
    down = detect_surges(drop, params=ActivityParams(metrics=("arrivals",), direction="down"))
    assert down.height == 1 and "fell" in down["reasoning"][0]
    both = detect_surges(drop, params=ActivityParams(metrics=("arrivals",), direction="both"))
    assert both["start_time"].to_list() == down["start_time"].to_list()
    small = series([(60, 2.0), (60, 2.6)], 8)  # a real but small rise (1.3x)
    assert (
        detect_surges(small, params=ActivityParams(metrics=("arrivals",), min_ratio=1.5)).height
        == 0
    )
    late = series([(110, 0.5), (10, 5.0)], 9)  # a rise only 10 days before the end
    for min_days, expected_day in [(14, 106), (7, 110)]:
        p = ActivityParams(metrics=("arrivals",), min_segment_days=min_days)
        found = detect_surges(late, params=p).row(0, named=True)
        assert found["after_days"] >= min_days
        assert abs(found["before_days"] - expected_day) <= 2


def test_binary_segmentation_finds_two_steps() -> None:
    act = series([(60, 0.3), (60, 1.5), (60, 5.0)], 10)
    one = detect_surges(act, params=ActivityParams(metrics=("arrivals",)))
    two = detect_surges(act, params=ActivityParams(metrics=("arrivals",), max_changes=3))
    assert one.height == 1 and two.height == 2
    days = sorted((t - dt.datetime(2024, 8, 1, tzinfo=dt.UTC)).days for t in two["start_time"])
    assert abs(days[0] - 60) <= 8 and abs(days[1] - 120) <= 8


def test_zero_before_and_deterministic_and_ports() -> None:
    act = pl.concat([series([(40, 0.0), (40, 1.5)], 11), series([(80, 1.0)], 12, port="P2")])
    p = ActivityParams(metrics=("arrivals",))
    ports = pl.DataFrame(
        {"port_id": ["P1", "P2"], "name": ["Najin", "X"], "lon": [130.3, 1.0], "lat": [42.24, 2.0]}
    )
    out = detect_surges(act, params=p, ports=ports)
    assert out.height == 1
    row = out.row(0, named=True)
    assert row["ratio"] is None and row["before_mean"] == 0
    assert "rose from none to" in row["reasoning"]
    assert (row["lon"], row["lat"]) == (130.3, 42.24)
    again = detect_surges(act.sample(fraction=1.0, shuffle=True, seed=1), params=p, ports=ports)
    assert again.equals(out)
    # missing days are zeros, not holes
    holes = act.filter((pl.col("arrivals") > 0) | (pl.col("date") == pl.col("date").min()))
    assert detect_surges(holes, params=p)["start_time"].to_list() == out["start_time"].to_list()


def test_params_are_validated() -> None:
    with pytest.raises(ConfigError, match="metrics"):
        ActivityParams(metrics=("ships",))
    with pytest.raises(ConfigError, match="direction"):
        ActivityParams(direction="sideways")
    with pytest.raises(ConfigError, match="alpha"):
        ActivityParams(alpha=2.0)
    with pytest.raises(ConfigError, match="min_segment_days"):
        ActivityParams(min_segment_days=0)
    with pytest.raises(ConfigError, match="block_days"):
        ActivityParams(block_days=2.5)  # type: ignore[arg-type]


def test_missing_columns_raise() -> None:
    with pytest.raises(SchemaError, match="port_id"):
        port_activity(pl.DataFrame({"mmsi": [1]}))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),  # mmsi
            st.integers(0, 10 * 24),  # entry hour
            st.one_of(st.none(), st.integers(0, 4 * 24)),  # stay in hours (None: still open)
            st.booleans(),  # open start
            st.booleans(),  # dark
            st.sampled_from(["A", "B"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_counts_match_a_day_by_day_reference(specs: list[tuple]) -> None:
    rows = [
        visit(
            m, at(0, h), None if stay is None else at(0, h + stay), port=port, open_start=o, dark=k
        )
        for m, h, stay, o, k, port in specs
    ]
    start, end = dt.date(2024, 9, 2), dt.date(2024, 9, 9)
    act = port_activity(frame(rows), start=start, end=end)
    assert act.height == 8 * len({r["port_id"] for r in rows})
    for r in act.iter_rows(named=True):
        lo = dt.datetime.combine(r["date"], dt.time(), dt.UTC)
        hi = lo + dt.timedelta(days=1)
        mine = [v for v in rows if v["port_id"] == r["port_id"]]
        present = {
            v["mmsi"]
            for v in mine
            if v["start_time"] < hi
            and (
                v["end_time"] is None
                or v["end_time"] > lo
                or v["end_time"] == v["start_time"] >= lo
            )
        }
        arrivals = [v for v in mine if not v["is_open_start"] and lo <= v["start_time"] < hi]
        assert r["vessels_present"] == len(present), r
        assert r["arrivals"] == len(arrivals)
        assert r["dark_arrivals"] == sum(bool(v["arrived_dark"]) for v in arrivals)
        assert r["departures"] == sum(
            v["end_time"] is not None and lo <= v["end_time"] < hi for v in mine
        )


def test_open_visit_extends_default_window_to_last_seen() -> None:
    rows = [visit(1, at(0, 5), at(1, 5)), visit(2, at(1, 5), None)]
    visits = frame(rows).with_columns(
        pl.Series("last_seen_time", [None, at(4, 2)], dtype=pl.Datetime("us", "UTC"))
    )
    act = port_activity(visits)
    assert act["date"].max() == dt.date(2024, 9, 5)
    assert counts(act)["vessels_present"] == [1, 2, 1, 1, 1]
    assert counts(act)["departures"] == [0, 1, 0, 0, 0]


def test_open_visit_counts_until_last_seen_not_until_the_end() -> None:
    row = visit(1, at(1, 6), None)
    row["last_seen_time"] = at(3, 12)
    v = pl.DataFrame(
        [row],
        schema_overrides={
            "start_time": pl.Datetime("us", "UTC"),
            "end_time": pl.Datetime("us", "UTC"),
            "last_seen_time": pl.Datetime("us", "UTC"),
        },
    )
    act = port_activity(v, start=at(0).date(), end=at(9).date())
    assert counts(act)["vessels_present"] == [0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    unknown = port_activity(v.drop("last_seen_time"), start=at(0).date(), end=at(9).date())
    assert counts(unknown)["vessels_present"] == [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
