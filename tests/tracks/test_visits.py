"""Port visits: hand-built tracks with known answers, and the kernel against a reference."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError
from darkfleet.geo import haversine_m
from darkfleet.ports import PORTS, PortIndex
from darkfleet.tracks import visits as visits_mod
from darkfleet.tracks.visits import PORT_VISITS, VisitParams, detect_port_visits

T0 = dt.datetime(2022, 10, 1, tzinfo=dt.UTC)
NAJIN = (130.30, 42.2333)
VOST = (133.0833, 42.75)
PORTS_2 = PortIndex.from_points([("N", "Najin", "KP", *NAJIN), ("V", "Vostochnyy", "RU", *VOST)])
ALL = VisitParams(min_confidence=1)

# one degree of latitude in metres (IUGG sphere)
DEG = math.radians(1.0) * 6_371_008.8


def track(points: list[tuple[Any, ...]], mmsi: int = 1, source: str = "f") -> pl.DataFrame:
    """(hours, lon, lat, sog[, seg]) rows → a segmented track frame."""
    rows = []
    for i, p in enumerate(points):
        h, lon, lat, sog = p[:4]
        seg = p[4] if len(p) > 4 else f"{mmsi}-a"
        rows.append(
            {
                "mmsi": mmsi,
                "timestamp": T0 + dt.timedelta(hours=h),
                "lon": lon,
                "lat": lat,
                "sog_kn": sog,
                "source_id": source,
                "line": i + 1,
                "seg_id": seg,
                "is_noise": False,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"sog_kn": pl.Float64})


def north_of(port: tuple[float, float], metres: float) -> tuple[float, float]:
    return port[0], port[1] + metres / DEG


def test_exports_and_schema() -> None:
    assert visits_mod.__all__ == ["PORT_VISITS", "VisitParams", "detect_port_visits"]
    assert list(PORT_VISITS)[:10] == [
        "event_id", "event_type", "mmsi", "seg_id", "start_time", "end_time",
        "duration_h", "lon", "lat", "evidence",
    ]  # fmt: skip


def test_dark_crossing_najin_to_vostochny() -> None:
    df = track(
        [
            (0, 130.5, 42.2, 10.0),
            (1, *north_of(NAJIN, 1600), 5.0),  # entry
            (2, *NAJIN, 0.1),  # stop begins
            (10, *NAJIN, 0.0),  # 8 h silence in port: a gap
            (11, *north_of(NAJIN, 800), 3.0),  # last in port (stop ends)
            (12, 130.5, 42.2, 10.0),  # exit
            (40, *VOST, 0.1, "1-b"),  # 28 h dark, then in Vostochny
            (41, *VOST, 0.1, "1-b"),
        ]
    )
    v = detect_port_visits(df, PORTS_2, params=ALL)
    assert v.schema == pl.Schema(PORT_VISITS)
    assert v["port_name"].to_list() == ["Najin", "Vostochnyy"]
    najin, vost = v.row(0, named=True), v.row(1, named=True)
    assert najin["start_time"] == T0 + dt.timedelta(hours=1)
    assert najin["end_time"] == T0 + dt.timedelta(hours=11)
    assert najin["duration_h"] == 10.0
    assert (najin["n_positions"], najin["stop_h"], najin["gap_h"]) == (4, 1.0, 8.0)
    assert (najin["confidence"], najin["arrived_dark"], najin["departed_dark"]) == (4, False, False)
    assert [e["line"] for e in najin["evidence"]] == [2, 5, 6]
    assert najin["seg_id"] == "1-a" and najin["port_country"] == "KP"
    assert vost["arrived_dark"] is True and vost["departed_dark"] is None
    assert vost["is_open_end"] and not vost["is_open_start"]
    assert vost["end_time"] is None and vost["duration_h"] is None
    assert vost["last_seen_time"] == T0 + dt.timedelta(hours=41)
    assert vost["confidence"] == 3  # stop + entry, no exit
    assert vost["seg_id"] == "1-b"


def test_hysteresis_entry_3km_exit_4km() -> None:
    pts = [
        (0, *north_of(NAJIN, 3500), 0.0),  # 3.5 km: not yet in
        (1, *north_of(NAJIN, 2900), 0.0),  # entry
        (2, *north_of(NAJIN, 3900), 0.0),  # still in (< 4 km)
        (3, *north_of(NAJIN, 4100), 0.0),  # exit
        (4, *north_of(NAJIN, 3500), 0.0),  # between: stays out
    ]
    v = detect_port_visits(track(pts), PORTS_2, params=ALL)
    assert v.height == 1
    r = v.row(0, named=True)
    assert (r["start_time"], r["end_time"]) == (
        T0 + dt.timedelta(hours=1),
        T0 + dt.timedelta(hours=2),
    )
    assert r["confidence"] == 4 and r["n_positions"] == 2


def test_pass_by_is_confidence_1_and_dropped_by_default() -> None:
    pts = [(0, 130.4, 42.2333, 12.0), (0.1, *NAJIN, 12.0), (0.2, 130.2, 42.2333, 12.0)]
    assert detect_port_visits(track(pts), PORTS_2).height == 0
    v = detect_port_visits(track(pts), PORTS_2, params=ALL)
    assert v["confidence"].to_list() == [1]
    assert v["stop_h"].to_list() == [0.0]


def test_stop_band_keeps_state_and_null_sog() -> None:
    pts = [
        (0, 130.4, 42.2333, 8.0),
        (1, *NAJIN, 0.3),  # in band, was moving: not stopped
        (2, *NAJIN, 0.2),  # stop begins
        (3, *NAJIN, 0.4),  # in band: still stopped
        (4, *NAJIN, None),  # no SOG: still stopped
        (5, *NAJIN, 0.5),  # stop ends
        (6, 130.4, 42.2333, 8.0),
    ]
    r = detect_port_visits(track(pts), PORTS_2).row(0, named=True)
    assert r["stop_h"] == 3.0 and r["confidence"] == 4


def test_open_start_and_open_end_with_end_gap() -> None:
    pts = [(0, *NAJIN, 1.0), (1, *NAJIN, 1.0), (2, *NAJIN, 1.0)]
    v = detect_port_visits(track(pts), PORTS_2, params=ALL)
    r = v.row(0, named=True)
    assert r["is_open_start"] and r["is_open_end"] and r["confidence"] == 1
    assert r["arrived_dark"] is None and r["departed_dark"] is None
    later = T0 + dt.timedelta(hours=7)
    r = detect_port_visits(track(pts), PORTS_2, params=ALL, analysis_end=later).row(0, named=True)
    assert r["confidence"] == 2  # a silence >= 4 h starting in port, up to the analysis end
    with pytest.raises(ConfigError, match="time zone"):
        detect_port_visits(track(pts), PORTS_2, analysis_end=dt.datetime(2022, 10, 2))


def test_port_switch_without_leaving_by_sea() -> None:
    near = PortIndex.from_points([("A", "A", None, 10.0, 0.0), ("B", "B", None, 10.05, 0.0)])
    # A and B 5.6 km apart: at 10.03 the vessel is 3.3 km from A (still in A), 2.2 km from B
    pts = [(0, 10.0, 0.0, 0.0), (1, 10.03, 0.0, 0.0), (2, 10.05, 0.0, 0.0), (3, 10.2, 0.0, 9.0)]
    v = detect_port_visits(track(pts), near)
    assert v["port_id"].to_list() == ["A", "B"]
    assert v["n_positions"].to_list() == [2, 1]
    assert v["is_open_start"].to_list() == [True, False]
    assert [e["line"] for e in v["evidence"][0]] == [1, 2, 3]  # exit record = entry into B


def test_radius_override_and_polygon_port() -> None:
    big = PortIndex.from_points([("A", "A", None, 10.0, 0.0, 8000.0)])
    pts = [(0, 10.0, 0.1, 9.0), (1, 10.0, 0.07, 0.0), (2, 10.0, 0.08, 0.0), (3, 10.0, 0.09, 0.0)]
    # 7.8 km in (radius 8 km), 8.9 km still in (exit 9 km), 10 km out
    v = detect_port_visits(track(pts), big)
    assert v["n_positions"].to_list() == [2]
    frame = pl.DataFrame(
        {
            "port_id": ["P"],
            "name": ["Box"],
            "lon": [10.05],
            "lat": [0.05],
            "geometry_wkb": [shapely.to_wkb(shapely.box(10.0, 0.0, 10.1, 0.1))],
        }
    )
    poly = PortIndex(frame)
    pts = [
        (0, 10.05, 0.105, 0.0),
        (1, 10.05, 0.095, 0.0),
        (2, 10.05, 0.105, 0.0),
        (3, 10.05, 0.12, 0.0),
    ]
    v = detect_port_visits(track(pts), poly)
    # entry only inside (0.5 km north is outside); exit beyond 1 km (the 1 km margin)
    assert v["n_positions"].to_list() == [2]
    assert v["start_time"].to_list() == [T0 + dt.timedelta(hours=1)]


def test_gaps_frame_decides_dark_arrival() -> None:
    pts = [(0, 130.6, 42.2, 9.0), (7, *NAJIN, 0.0), (8, *NAJIN, 0.0), (9, 130.6, 42.2, 9.0)]
    df = track(pts)
    assert detect_port_visits(df, PORTS_2)["arrived_dark"].to_list() == [True]
    no_gaps = pl.DataFrame(
        schema={
            "mmsi": pl.Int64,
            "start_time": pl.Datetime("us", "UTC"),
            "end_time": pl.Datetime("us", "UTC"),
        }
    )
    assert detect_port_visits(df, PORTS_2, gaps=no_gaps)["arrived_dark"].to_list() == [False]
    gaps = pl.DataFrame(
        {
            "mmsi": [1, 1],
            "start_time": [T0, T0 + dt.timedelta(hours=8)],
            "end_time": [T0 + dt.timedelta(hours=7), None],
        },
        schema_overrides={
            "start_time": pl.Datetime("us", "UTC"),
            "end_time": pl.Datetime("us", "UTC"),
        },
    )
    v = detect_port_visits(df, PORTS_2, gaps=gaps)
    assert v["arrived_dark"].to_list() == [True] and v["departed_dark"].to_list() == [True]


def test_empty_one_point_no_ports_and_noise() -> None:
    empty = detect_port_visits(track([]).clear(), PORTS_2)
    assert empty.height == 0 and empty.schema == pl.Schema(PORT_VISITS)
    one = detect_port_visits(track([(0, *NAJIN, 0.0)]), PORTS_2)
    assert one["n_positions"].to_list() == [1] and one["confidence"].to_list() == [2]
    assert [e["line"] for e in one["evidence"][0]] == [1]
    no_ports = PortIndex(pl.DataFrame(schema=PORTS))
    assert detect_port_visits(track([(0, *NAJIN, 0.0)]), no_ports).height == 0
    noisy = track([(0, *NAJIN, 0.0)]).with_columns(pl.lit(True).alias("is_noise"))
    assert detect_port_visits(noisy, PORTS_2).height == 0


def test_equal_timestamps_and_unsegmented_input() -> None:
    pts = [
        (0, 130.5, 42.2, 9.0),
        (1, *NAJIN, 0.0),
        (1, *north_of(NAJIN, 10), 0.0),
        (2, 130.5, 42.2, 9.0),
    ]
    df = track(pts).drop("seg_id", "is_noise")
    v = detect_port_visits(df, PORTS_2)
    assert v["n_positions"].to_list() == [2] and v["seg_id"].to_list() == [None]
    assert v["duration_h"].to_list() == [0.0]


def test_antimeridian_port_and_mean() -> None:
    fiji = PortIndex.from_points([("F", "F", "FJ", 179.99, -17.0)])
    pts = [(0, 179.999, -17.0, 0.0), (1, -179.999, -17.0, 0.0), (2, 179.9, -17.0, 9.0)]
    r = detect_port_visits(track(pts), fiji).row(0, named=True)
    assert r["n_positions"] == 2
    assert r["lon"] == pytest.approx(180.0, abs=1e-6) or r["lon"] == pytest.approx(-180.0, abs=1e-6)


def test_shuffled_input_same_output() -> None:
    df = pl.concat([_random_track(np.random.default_rng(m), m, 300) for m in (5, 3, 9)])
    before = df.clone()
    ref = detect_port_visits(df, PORTS_2, params=ALL)
    assert ref.height > 0
    for seed in range(3):
        shuffled = df.sample(fraction=1.0, shuffle=True, seed=seed)
        assert detect_port_visits(shuffled, PORTS_2, params=ALL).equals(ref)
    assert df.equals(before)  # the caller's frame is not modified


def test_params_validation() -> None:
    with pytest.raises(ConfigError, match=r"visits.exit_distance_m = 2000"):
        VisitParams(exit_distance_m=2000)
    with pytest.raises(ConfigError, match=r"visits.stop_end_kn"):
        VisitParams(stop_end_kn=0.1)
    with pytest.raises(ConfigError, match=r"visits.min_confidence = 5"):
        VisitParams(min_confidence=5)
    with pytest.raises(ConfigError, match=r"visits.min_gap_h"):
        VisitParams(min_gap_h=0)


# ---------------------------------------------------------------- reference implementation


def reference_visits(
    df: pl.DataFrame, ports: PortIndex, p: VisitParams, end_s: float
) -> list[dict[str, Any]]:
    """Sequential, per-position Python version of the Definition (brute-force distances)."""
    plon, plat = ports.ports["lon"].to_list(), ports.ports["lat"].to_list()
    radius = ports.ports["radius_m"].to_list()
    entry = [p.entry_distance_m if r is None else r for r in radius]
    exit_ = [e + p.exit_distance_m - p.entry_distance_m for e in entry]
    out: list[dict[str, Any]] = []
    rows = df.sort("mmsi", "timestamp", "source_id", "line").to_dicts()
    for _, group in pl.DataFrame(rows).group_by("mmsi", maintain_order=True):
        recs = group.to_dicts()
        cur, visit, was_stopped, prev_t = None, None, False, None
        for i, r in enumerate(recs):
            t = r["timestamp"].timestamp()
            d = [float(haversine_m(r["lon"], r["lat"], plon[j], plat[j])) for j in range(len(plon))]
            new = cur if cur is not None and d[cur] < exit_[cur] else None
            if new is None:
                inside = [j for j in range(len(d)) if d[j] <= entry[j]]
                if inside:
                    new = min(inside, key=lambda j: (d[j], j))
            s = r["sog_kn"]
            stopped = (
                was_stopped
                if s is None or p.stop_begin_kn < s < p.stop_end_kn
                else s <= p.stop_begin_kn
            )
            dt_s = t - prev_t if prev_t is not None else 0.0
            if visit is not None and dt_s >= p.min_gap_h * 3600:
                visit["gap"] = True
            if visit is not None and new != cur:
                visit["exit"] = True
                out.append(visit)
                visit, cur, was_stopped = None, None, False
            if new is not None:
                if visit is None:
                    cur = new
                    visit = {"mmsi": r["mmsi"], "port": new, "start": t, "last": t, "n": 0,
                             "entry": i > 0, "exit": False, "stop": False, "gap": False,
                             "stop_s": 0.0, "gap_s": 0.0}  # fmt: skip
                else:
                    if dt_s >= p.min_gap_h * 3600:
                        visit["gap_s"] += dt_s
                    elif was_stopped:
                        visit["stop_s"] += dt_s
                visit["n"] += 1
                visit["last"] = t
                visit["stop"] = visit["stop"] or stopped
                was_stopped = stopped
            else:
                was_stopped = False
            prev_t = t
        if visit is not None:
            assert prev_t is not None
            if end_s - prev_t >= p.min_gap_h * 3600:
                visit["gap"] = True
            out.append(visit)
    for v in out:
        sg = v["stop"] or v["gap"]
        v["conf"] = (
            (4 if v["entry"] and v["exit"] else 3 if v["entry"] or v["exit"] else 2) if sg else 1
        )
    return [v for v in out if v["conf"] >= p.min_confidence]


def _random_track(rng: np.random.Generator, mmsi: int, n: int) -> pl.DataFrame:
    base = NAJIN if mmsi % 2 else VOST
    lon = base[0] + np.cumsum(rng.normal(0, 0.01, n)) + rng.normal(0, 0.02)
    lat = base[1] + np.cumsum(rng.normal(0, 0.01, n))
    h = np.sort(rng.choice(np.arange(0, n * 3, 0.5), n, replace=False))
    sog = rng.choice([0.0, 0.1, 0.3, 0.5, 2.0, 10.0, np.nan], n)
    return track(
        [
            (float(h[i]), float(lon[i]), float(lat[i]), None if np.isnan(sog[i]) else float(sog[i]))
            for i in range(n)
        ],
        mmsi=mmsi,
    )


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 120),
    st.sampled_from([1, 2, 3]),
    st.floats(500, 5000),
    st.floats(1, 6),
)
def test_kernel_matches_reference(
    seed: int, n: int, min_conf: int, entry: float, gap_h: float
) -> None:
    rng = np.random.default_rng(seed)
    df = pl.concat([_random_track(rng, m, n) for m in (1, 2)])
    ports = PortIndex.from_points(
        [
            ("N", "N", None, *NAJIN),
            ("N2", "N2", None, NAJIN[0] + 0.02, NAJIN[1], 2500.0),
            ("V", "V", None, *VOST),
        ]
    )
    p = VisitParams(
        entry_distance_m=entry,
        exit_distance_m=entry + 1000,
        min_gap_h=gap_h,
        min_confidence=min_conf,
    )
    got = detect_port_visits(df, ports, params=p).sort("mmsi", "start_time")
    end_s = max(r.timestamp() for r in df["timestamp"].to_list())
    want = reference_visits(df, ports, p, end_s)
    want.sort(key=lambda v: (v["mmsi"], v["start"]))
    assert got.height == len(want)
    ids = ports.ports["port_id"].to_list()
    for g, w in zip(got.iter_rows(named=True), want, strict=True):
        assert g["port_id"] == ids[w["port"]]
        assert g["start_time"].timestamp() == w["start"]
        assert g["last_seen_time"].timestamp() == w["last"]
        assert g["n_positions"] == w["n"]
        assert g["confidence"] == w["conf"]
        assert g["stop_h"] == pytest.approx(w["stop_s"] / 3600)
        assert g["gap_h"] == pytest.approx(w["gap_s"] / 3600)
        assert g["is_open_start"] == (not w["entry"])
        assert g["is_open_end"] == (not w["exit"])


def test_shared_mmsi_is_walked_segment_by_segment() -> None:
    # two ships broadcast MMSI 1 at the same time, one moored at Najin, one at Vostochny:
    # their interleaved reports must give one visit each, not a visit per report
    pts = []
    for k in range(24):
        pts.append((k, *NAJIN, 0.0, "1-najin"))
        pts.append((k + 0.5, *VOST, 0.0, "1-vost"))
    pts.append((30, 131.5, 41.5, 10.0, "1-najin"))  # the Najin ship leaves
    pts.append((30.5, 133.5, 41.8, 10.0, "1-vost"))  # so does the other
    out = detect_port_visits(track(pts), PORTS_2, params=ALL)
    assert sorted(out["port_name"].to_list()) == ["Najin", "Vostochnyy"]
    assert sorted(out["seg_id"].to_list()) == ["1-najin", "1-vost"]
    assert out["n_positions"].to_list() == [24, 24]
