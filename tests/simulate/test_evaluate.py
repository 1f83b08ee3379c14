"""Scoring detected events against truth, on hand-made frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from darkfleet.errors import ConfigError, InputError
from darkfleet.simulate import (
    EvalParams,
    SimulationResult,
    evaluate,
    evaluate_dark_port_calls,
    evaluate_draught_changes,
    evaluate_encounters,
    evaluate_gaps,
    evaluate_loitering,
    evaluate_port_visits,
    evaluate_round_trips,
    evaluate_segments,
    evaluate_surges,
    evaluate_voyages,
)
from darkfleet.simulate.evaluate import match_events

T0 = datetime(2024, 10, 1, tzinfo=UTC)


def h(x: float) -> datetime:
    return T0 + timedelta(hours=x)


def events(rows: list[tuple], cols: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=cols, orient="row").with_columns(
        pl.col(c).cast(pl.Datetime("us", "UTC"))
        for c in cols
        if c.endswith(("time", "arrival", "departure", "date"))
    )


def test_overlap_rule_tolerance_and_one_to_one() -> None:
    truth = events(
        [(1, h(0), h(10)), (1, h(20), h(30)), (2, h(0), h(10))], ["mmsi", "start_time", "end_time"]
    )
    det = events(
        [
            (1, h(4), h(12)),  # overlaps 6 h of the shorter 8 h: 75 %
            (1, h(5), h(15)),  # also overlaps truth 0, but it is taken: FP
            (1, h(29), h(40)),  # 1 h of 10 h: no match
            (2, h(0.5), h(10.5)),  # same mmsi 2 → match
            (3, h(0), h(10)),  # no such mmsi
        ],
        ["mmsi", "start_time", "end_time"],
    )
    m = match_events(truth, det, keys=[("mmsi", "mmsi")])
    assert m.select("truth_row", "detected_row").rows() == [(0, 0), (2, 3)]
    s = evaluate_loitering(det, truth.with_columns(cause=pl.lit("loitering")))
    assert (s.true_positives, s.false_positives, s.false_negatives) == (2, 3, 1)
    assert s.precision == pytest.approx(2 / 5) and s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 * 0.4 * (2 / 3) / (0.4 + 2 / 3))


def test_short_events_match_by_tolerance_and_open_events_run_on() -> None:
    truth = events([(1, h(0), h(0)), (2, h(5), h(9))], ["mmsi", "start_time", "end_time"])
    det = events([(1, h(0.5), h(0.5)), (2, h(6), None)], ["mmsi", "start_time", "end_time"])
    m = match_events(truth, det, keys=[("mmsi", "mmsi")])
    assert m.height == 2
    strict = match_events(truth, det, keys=[("mmsi", "mmsi")], params=EvalParams(tolerance_h=0.1))
    assert strict["truth_row"].to_list() == [1]


def test_nothing_to_find_and_nothing_found() -> None:
    empty = events([], ["mmsi", "start_time", "end_time"]).with_columns(cause=pl.lit("loitering"))
    s = evaluate_loitering(empty.drop("cause"), empty)
    assert (s.precision, s.recall) == (1.0, 1.0)
    truth = events([(1, h(0), h(5))], ["mmsi", "start_time", "end_time"]).with_columns(
        cause=pl.lit("loitering")
    )
    s = evaluate_loitering(empty.drop("cause"), truth)
    assert (s.recall, s.false_negatives) == (0.0, 1)


def test_gaps_count_only_likely_disabled_and_report_reception_false_alarms() -> None:
    truth = events(
        [(1, h(1), h(9), h(0.9), h(9.2), 8.3), (1, h(50), h(51), h(49.9), h(51.1), 1.2)],
        ["mmsi", "start_time", "end_time", "observed_start", "observed_end", "observed_h"],
    )
    rec = events([(1, h(20), h(24), 4.0)], ["mmsi", "start_time", "end_time", "duration_h"])
    det = events(
        [(1, h(0.9), h(9.2), True), (1, h(20), h(24), True), (1, h(30), h(40), False)],
        ["mmsi", "start_time", "end_time", "likely_disabled"],
    )
    s = evaluate_gaps(det, truth, rec, params=EvalParams(gap_min_h=2.0))
    assert (s.n_truth, s.n_detected, s.true_positives) == (1, 2, 1)
    assert s.extra["flagged_on_reception"] == 1 and s.extra["detected_gaps"] == 3


def test_port_visits_skip_dark_calls_and_filter_ports() -> None:
    truth = events(
        [
            (1, "P1", h(0), h(10), False),
            (1, "P2", h(20), h(30), True),
            (1, "P3", h(40), h(50), False),
        ],
        ["mmsi", "port_id", "arrival", "departure", "dark"],
    )
    det = events(
        [(1, "P1", h(0.2), h(9)), (1, "P3", h(41), h(49))],
        ["mmsi", "port_id", "start_time", "end_time"],
    )
    s = evaluate_port_visits(det, truth)
    assert (s.n_truth, s.true_positives) == (2, 2)
    s = evaluate_port_visits(det, truth, port_ids=["P1"])
    assert (s.n_truth, s.n_detected, s.true_positives) == (1, 1, 1)
    wrong_port = det.with_columns(port_id=pl.lit("P9"))
    assert evaluate_port_visits(wrong_port, truth).true_positives == 0


def test_dark_port_calls_score_rank_one_inside_the_gap() -> None:
    truth = events(
        [(1, "NAJIN", h(10), h(30), True)], ["mmsi", "port_id", "arrival", "departure", "dark"]
    )
    det = events(
        [(1, "NAJIN", h(2), h(40), 1), (1, "CHONGJIN", h(2), h(40), 2)],
        ["mmsi", "port_id", "start_time", "end_time", "rank"],
    )
    s = evaluate_dark_port_calls(det, truth)
    assert (s.n_detected, s.true_positives) == (1, 1)
    s = evaluate_dark_port_calls(det, truth, params=EvalParams(top_rank_only=False))
    assert (s.n_detected, s.true_positives, s.false_positives) == (2, 1, 1)


def test_encounters_and_round_trips_ignore_order() -> None:
    truth = events([(1, 2, h(0), h(4))], ["mmsi", "other_mmsi", "start_time", "end_time"])
    det = events([(2, 1, h(0.5), h(4))], ["mmsi", "other_mmsi", "start_time", "end_time"])
    assert evaluate_encounters(det, truth).true_positives == 1
    rt_truth = events(
        [(1, "A", "B", h(0), h(50), False), (1, "A", "B", h(100), h(150), True)],
        ["mmsi", "port_a_id", "port_b_id", "start_time", "end_time", "hidden"],
    )
    rt_det = events(
        [(1, "B", "A", h(5), h(50))], ["mmsi", "port_a_id", "port_b_id", "start_time", "end_time"]
    )
    s = evaluate_round_trips(rt_det, rt_truth)
    assert (s.n_truth, s.true_positives) == (1, 1)


def test_voyages_need_origin_and_destination() -> None:
    truth = events(
        [(1, "A", "B", h(0), h(10), False), (1, "B", None, h(20), h(30), False)],
        ["mmsi", "origin_port_id", "dest_port_id", "departure", "arrival", "hidden"],
    )
    det = events(
        [(1, "A", "B", h(0), h(10)), (1, "B", "A", h(0), h(10))],
        ["mmsi", "origin_port_id", "dest_port_id", "start_time", "end_time"],
    )
    s = evaluate_voyages(det, truth)
    assert (s.n_truth, s.true_positives, s.false_positives) == (1, 1, 1)


def test_draught_signal_must_agree() -> None:
    truth = events(
        [(1, "P", h(0), h(20), "loaded", False), (1, "P", h(40), h(60), "unchanged", False)],
        ["mmsi", "port_id", "arrival", "departure", "signal", "dark"],
    )
    det = events(
        [(1, "P", h(0), h(20), "unloaded"), (1, "P", h(40), h(60), "unchanged")],
        ["mmsi", "port_id", "start_time", "end_time", "signal"],
    )
    s = evaluate_draught_changes(det, truth)
    assert (s.n_truth, s.n_detected, s.true_positives) == (1, 1, 0)


def test_surges_match_port_and_date() -> None:
    truth = events([("NAJIN", h(0), 8.0), ("VOST", h(0), 1.2)], ["port_id", "date", "ratio"])
    det = events([("NAJIN", h(24 * 5)), ("VOST", h(0))], ["port_id", "start_time"])
    s = evaluate_surges(det, truth)
    assert (s.n_truth, s.true_positives, s.false_positives) == (1, 1, 1)
    assert (
        evaluate_surges(det, truth, params=EvalParams(surge_tolerance_days=2)).true_positives == 0
    )


def test_segments_purity_and_continuity() -> None:
    ts = [h(k) for k in range(6)]
    truth = pl.DataFrame(
        {
            "mmsi": [7] * 6,
            "timestamp": ts,
            "lon": [1.0, 50.0, 1.1, 50.1, 1.2, 50.2],
            "lat": [0.0] * 6,
            "vessel_id": ["A", "B", "A", "B", "A", "B"],
        }
    )
    good = truth.with_columns(seg_id=pl.col("vessel_id")).drop("vessel_id")
    s = evaluate_segments(good, truth)
    assert (s.precision, s.recall) == (1.0, 1.0)
    one = good.with_columns(seg_id=pl.lit("7-1"))
    s = evaluate_segments(one, truth)
    assert s.precision == pytest.approx(0.5) and s.recall == 1.0
    decoded = good.with_columns(pl.col("lon") + 1.5e-6)  # AIS keeps 1/600,000 of a degree
    assert evaluate_segments(decoded, truth).precision == 1.0
    split = good.with_columns(seg_id=pl.col("seg_id") + pl.col("lon").cast(pl.String))
    assert evaluate_segments(split, truth).recall == 0.0


def test_params_and_columns_are_checked() -> None:
    with pytest.raises(ConfigError, match="min_overlap"):
        EvalParams(min_overlap=0)
    with pytest.raises(InputError, match="port_id"):
        evaluate_port_visits(pl.DataFrame({"mmsi": [1]}), pl.DataFrame())


def test_perfect_detector_scores_one(small_run: SimulationResult) -> None:
    t = small_run.simulation.truth
    detected = {
        "port_visits": t["port_calls"]
        .filter(~pl.col("dark"))
        .rename({"arrival": "start_time", "departure": "end_time"}),
        "encounters": t["encounters"],
        "loitering": t["loitering"],
        "gaps": t["gaps_intentional"]
        .filter(pl.col("observed_start").is_not_null() & pl.col("observed_end").is_not_null())
        .select("mmsi", start_time="observed_start", end_time="observed_end")
        .with_columns(likely_disabled=pl.lit(True)),
        "surges": t["surge"].filter(pl.col("ratio") >= 2).rename({"date": "start_time"}),
        "segments": t["shared_mmsi_positions"].with_columns(seg_id=pl.col("vessel_id")),
    }
    table = evaluate(detected, small_run.out_dir)
    assert table["event_type"].to_list() == [
        "gaps",
        "port_visits",
        "encounters",
        "loitering",
        "surges",
        "segments",
    ]
    assert (table["precision"] == 1.0).all() and (table["recall"] == 1.0).all()
    with pytest.raises(ConfigError, match="unknown"):
        evaluate({"nonsense": t["encounters"]}, t)
