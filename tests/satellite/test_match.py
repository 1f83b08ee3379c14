"""AIS ↔ detection matching: hand-made cases, determinism, and dark/not-dark accuracy on
simulated scenes with known truth."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
import shapely

from darkfleet.errors import ConfigError
from darkfleet.satellite.match import (
    DARK,
    EXPECTED,
    MATCHES,
    MISSED,
    MatchConfig,
    match_detections,
)
from darkfleet.satellite.schema import DETECTIONS, SCENES
from darkfleet.schema import POSITIONS, conform

T0 = datetime(2024, 12, 9, 21, 30, tzinfo=UTC)  # acquisition start
DUR = timedelta(seconds=60)
M_PER_DEG = 111_195.0


def _positions(
    rows: list[tuple[int, float, float, float, float | None, float | None]],
) -> pl.DataFrame:
    """(mmsi, minutes from the acquisition mid-time, lon, lat, sog, cog) → POSITIONS."""
    mid = T0 + DUR / 2
    frame = pl.DataFrame(
        {
            "source_id": ["ais" for _ in rows],
            "line": list(range(1, len(rows) + 1)),
            "timestamp": [mid + timedelta(minutes=r[1]) for r in rows],
            "mmsi": [r[0] for r in rows],
            "lon": [r[2] for r in rows],
            "lat": [r[3] for r in rows],
            "sog_kn": [r[4] for r in rows],
            "cog_deg": [r[5] for r in rows],
        },
        schema_overrides={"sog_kn": pl.Float64, "cog_deg": pl.Float64},
    )
    return conform(frame, POSITIONS)


def _detections(rows: list[tuple[float, float, float | None]], scene: str = "S1") -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "detection_id": [f"{scene}:{k}" for k in range(1, len(rows) + 1)],
            "scene_id": [scene] * len(rows),
            "start_time": [T0] * len(rows),
            "end_time": [T0 + DUR] * len(rows),
            "lon": [r[0] for r in rows],
            "lat": [r[1] for r in rows],
            "length_m": [r[2] for r in rows],
            "source_id": ["det"] * len(rows),
            "line": list(range(1, len(rows) + 1)),
        },
        schema_overrides={"length_m": pl.Float64},
    )
    return conform(frame, DETECTIONS)


def _scenes(box: tuple[float, float, float, float] = (129.9, 41.9, 130.7, 42.6)) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "scene_id": ["S1"],
            "start_time": [T0],
            "end_time": [T0 + DUR],
            "footprint_wkt": [shapely.to_wkt(shapely.box(*box))],
        }
    )
    return conform(frame, SCENES)


# vessel A steams east at 10 kn along 42.2 N; B is moored at 130.5 E 42.3 N; C only reported
# three hours before the acquisition.
KN10_DEG_PER_MIN = 10 * 1852 / 60 / (M_PER_DEG * math.cos(math.radians(42.2)))
AIS = _positions(
    [
        (111, -10, 130.2 - 10 * KN10_DEG_PER_MIN, 42.2, 10.0, 90.0),
        (111, 6, 130.2 + 6 * KN10_DEG_PER_MIN, 42.2, 10.0, 90.0),
        (222, -30, 130.5, 42.3, 0.0, None),
        (222, 25, 130.5, 42.3, 0.0, None),
        (333, -180, 130.35, 42.45, 0.1, 0.0),
    ]
)
LENGTHS = pl.DataFrame({"mmsi": [111, 222, 333], "length_m": [120.0, 90.0, 60.0]})


def test_match_dark_and_missed_with_reasons_and_evidence() -> None:
    det = _detections([(130.2005, 42.2003, 118.0), (130.0, 42.0, 40.0), (130.3502, 42.4501, 55.0)])
    res = match_detections(det, _scenes(), AIS, LENGTHS)
    assert res.matches.schema == pl.Schema(MATCHES)
    assert res.dark.schema == pl.Schema(DARK)
    assert res.missed.schema == pl.Schema(MISSED)
    assert res.expected.schema == pl.Schema(EXPECTED)
    m = res.matches.row(0, named=True)
    assert (m["detection_id"], m["mmsi"], m["method"]) == ("S1:1", 111, "interpolated")
    assert m["distance_m"] < 100 and m["score"] > 0.95
    assert m["evidence"] == [{"source_id": "ais", "line": 1}, {"source_id": "ais", "line": 2}]
    assert "MMSI 111" in m["reason"] and "length 118 m vs AIS 120 m" in m["reason"]
    assert (m["source_id"], m["line"]) == ("det", 1)
    dark = res.dark.sort("detection_id")
    assert dark["detection_id"].to_list() == ["S1:2", "S1:3"]
    # the far-off detection: nearest vessel named, score far below the threshold
    assert dark["nearest_score"][0] < 0.01 and "score 0.00 < 0.5" in dark["reason"][0]
    # C's only fix is 3 h old: beyond the 2 h extrapolation limit, so it cannot match
    assert dark["nearest_mmsi"][1] == 333 and dark["nearest_method"][1] == "stale"
    assert "extrapolation limit" in dark["reason"][1]
    # B is moored inside the footprint and no detection saw it
    missed = res.missed.row(0, named=True)
    assert res.missed.height == 1 and missed["mmsi"] == 222
    assert "inside the scene" in missed["reason"] and missed["edge_distance_m"] > 5_000
    exp = res.expected.sort("mmsi")
    assert exp["method"].to_list() == ["interpolated", "interpolated", "stale"]
    assert exp["matched_detection_id"].to_list() == ["S1:1", None, None]


def test_extrapolation_within_the_limit_and_config_changes_it() -> None:
    det = _detections([(130.35, 42.45 + 0.1 * 1852 * 3 / M_PER_DEG, 60.0)])
    assert match_detections(det, _scenes(), AIS, LENGTHS).matches.height == 0
    cfg = MatchConfig().with_overrides({"match.max_extrapolation_h": 4})
    res = match_detections(det, _scenes(), AIS, LENGTHS, config=cfg)
    assert res.matches["mmsi"].to_list() == [333]
    assert res.matches["method"][0] == "extrapolated" and res.matches["dt_s"][0] == -180 * 60
    assert res.parameters()["max_extrapolation_h"] == 4.0


def test_one_to_one_and_length_decides_between_close_ships() -> None:
    # two moored ships 150 m apart; detections at the swapped-looking positions but lengths
    # tell them apart
    dy = 150 / M_PER_DEG
    ais = _positions(
        [
            (1, -5, 130.5, 42.3, 0.0, None),
            (1, 5, 130.5, 42.3, 0.0, None),
            (2, -5, 130.5, 42.3 + dy, 0.0, None),
            (2, 5, 130.5, 42.3 + dy, 0.0, None),
        ]
    )
    lengths = pl.DataFrame({"mmsi": [1, 2], "length_m": [200.0, 40.0]})
    det = _detections([(130.5, 42.3 + 0.8 * dy, 195.0), (130.5, 42.3 + 0.2 * dy, 42.0)])
    res = match_detections(det, _scenes(), ais, lengths)
    pairs = dict(zip(res.matches["detection_id"], res.matches["mmsi"], strict=True))
    assert pairs == {"S1:1": 1, "S1:2": 2}
    # three detections, two ships: one stays dark and says which ship beat it
    det3 = _detections(
        [(130.5, 42.3, 200.0), (130.5, 42.3 + dy, 40.0), (130.5, 42.3 + 0.5 * dy, None)]
    )
    res3 = match_detections(det3, _scenes(), ais, lengths)
    assert res3.matches.height == 2 and res3.dark["detection_id"].to_list() == ["S1:3"]
    assert "with a better score" in res3.dark["reason"][0]


def test_two_ships_on_one_mmsi_are_not_interpolated() -> None:
    ais = _positions([(7, -3, 130.2, 42.2, 0.0, None), (7, 3, 131.5, 42.2, 0.0, None)])
    det = _detections([(130.2, 42.2, None), (130.85, 42.2, None)])
    res = match_detections(det, _scenes((129.9, 41.9, 131.7, 42.6)), ais)
    assert res.matches["detection_id"].to_list() == ["S1:1"]
    assert res.matches["method"][0] == "extrapolated"


def test_deterministic_and_inputs_untouched() -> None:
    det = _detections([(130.2005, 42.2003, 118.0), (130.0, 42.0, 40.0), (130.3502, 42.4501, 55.0)])
    before = AIS.clone()
    a = match_detections(det, _scenes(), AIS, LENGTHS)
    b = match_detections(
        det.reverse(), _scenes(), AIS.sample(fraction=1.0, shuffle=True, seed=1), LENGTHS
    )
    for name in ("matches", "dark", "missed", "expected"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert AIS.equals(before)


def test_no_ais_and_no_footprint() -> None:
    det = _detections([(130.2, 42.2, 100.0)])
    res = match_detections(det, None, AIS.clear())
    assert res.matches.height == 0 and res.missed.height == 0
    assert "no AIS vessel reported within 12 h" in res.dark["reason"][0]


def test_bad_config() -> None:
    with pytest.raises(ConfigError, match="unknown"):
        MatchConfig().with_overrides({"window": 3})
    with pytest.raises(ConfigError, match="min_score"):
        MatchConfig(min_score=1.5)
    with pytest.raises(ConfigError, match="give a number"):
        MatchConfig().with_overrides({"window_h": "soon"})


@pytest.mark.slow
def test_dark_decision_accuracy_on_simulated_scenes() -> None:
    """Simulated Najin/Vostochny scenes; 25 % of the ships inside a footprint switch AIS off
    for ±12 h, 15 % report every position 300 m off, 15 % carry a clock offset up to ±2 min;
    detections with 60 m geolocation noise, 20 % length noise, misses and false alarms.
    Positive class = dark (false alarm, AIS off or not heard within 1 h)."""
    from darkfleet.satellite.simulate import (
        degrade_ais,
        najin_scenes,
        simulate_scenes,
        vessels_in_scenes,
    )
    from darkfleet.simulate import Scenario, simulate

    sim = simulate(Scenario(end=datetime(2024, 10, 1, tzinfo=UTC), n_decoys=8, seed=5))
    specs = najin_scenes(sim, every_days=1.5)
    positions, made_dark = degrade_ais(sim.positions, vessels_in_scenes(sim, specs), specs, seed=2)
    scenes = simulate_scenes(sim, specs, positions=positions)
    res = match_detections(scenes.detections, scenes.scenes, positions, sim.truth["vessels"])
    truth = scenes.truth.join(
        res.dark.select("detection_id", pl.lit(True).alias("pred")), on="detection_id", how="left"
    ).with_columns(pl.col("pred").fill_null(False))
    tp = truth.filter(pl.col("dark") & pl.col("pred")).height
    fp = truth.filter(~pl.col("dark") & pl.col("pred")).height
    fn = truth.filter(pl.col("dark") & ~pl.col("pred")).height
    ships = truth.filter(~pl.col("false_alarm"))
    s_tp = ships.filter(pl.col("dark") & pl.col("pred")).height
    s_fn = ships.filter(pl.col("dark") & ~pl.col("pred")).height
    s_fp = ships.filter(~pl.col("dark") & pl.col("pred")).height
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    ship_p, ship_r = s_tp / (s_tp + s_fp), s_tp / (s_tp + s_fn)
    print(
        f"\n{truth.height} detections ({truth['dark'].sum()} dark, "
        f"{truth['false_alarm'].sum()} false alarms; {made_dark.height} ship-scenes made dark): "
        f"dark precision {precision:.3f} recall {recall:.3f}; ships only: "
        f"precision {ship_p:.3f} recall {ship_r:.3f}"
    )
    assert made_dark.height > 5 and s_tp + s_fn > 10
    assert precision >= 0.85 and recall >= 0.85
    assert ship_p >= 0.7 and ship_r >= 0.7
    # broadcasting ships are matched to their own MMSI
    matched = res.matches.join(
        scenes.truth.select("detection_id", "mmsi"), on="detection_id", suffix="_true"
    )
    assert (matched["mmsi"] == matched["mmsi_true"]).mean() >= 0.9  # type: ignore[operator]


@pytest.mark.benchmark
def test_bench_match_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """benchmarks/bench_match.py keeps working (tiny sizes; no timing asserted)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_match.py"
    out = tmp_path / "m.json"
    args = ["--detections", "200", "--positions", "2000", "--scenes", "4", "--vessels", "40"]
    proc = subprocess.run(
        [sys.executable, str(bench), *args, "--repeat", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fig = json.loads(out.read_text())
    assert fig["detections"] == 200 and fig["matched"] + fig["dark"] == 200
