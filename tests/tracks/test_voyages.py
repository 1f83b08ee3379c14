"""Voyages, round trips and their counts: hand-built visits with known answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from darkfleet.errors import ConfigError
from darkfleet.ports import PortIndex
from darkfleet.tracks import voyages as voyages_mod
from darkfleet.tracks.visits import PORT_VISITS, detect_port_visits
from darkfleet.tracks.voyages import (
    ROUND_TRIP_COUNTS,
    ROUND_TRIPS,
    VOYAGES,
    VoyageParams,
    detect_round_trips,
    detect_voyages,
    round_trip_counts,
)

T0 = dt.datetime(2022, 10, 3, tzinfo=dt.UTC)  # a Monday
PORTS = {
    "N": ("Najin", 130.30, 42.2333),
    "V": ("Vostochnyy", 133.0833, 42.75),
    "K": ("Nakhodka", 132.8833, 42.80),
    "D": ("Dunay", 132.3375, 42.8803),
    "B": ("Busan", 129.05, 35.10),
}
UTC = pl.Datetime("us", "UTC")


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def visits(spec: list[tuple[Any, ...]], mmsi: int = 1) -> pl.DataFrame:
    """(port, start_h, end_h[, confidence]) → PORT_VISITS rows; evidence lines 10k+."""
    rows = []
    for i, s in enumerate(spec):
        port, a, b = s[:3]
        conf = s[3] if len(s) > 3 else 4
        name, lon, lat = PORTS[port]
        rows.append(
            {
                "event_id": f"v{mmsi}-{i:03d}",
                "event_type": "port_visit",
                "mmsi": mmsi,
                "seg_id": f"{mmsi}-a",
                "start_time": h(a),
                "end_time": None if b is None else h(b),
                "lon": lon,
                "lat": lat,
                "evidence": [
                    {"source_id": "f", "line": 10 * i + 1},
                    {"source_id": "f", "line": 10 * i + 2},
                    {"source_id": "f", "line": 10 * i + 3},
                ],
                "port_id": port,
                "port_name": name,
                "confidence": conf,
                "is_open_end": b is None,
            }
        )
    return pl.DataFrame(rows, schema={k: PORT_VISITS[k] for k in rows[0]})


def test_exports() -> None:
    assert voyages_mod.__all__ == [
        "ROUND_TRIPS",
        "ROUND_TRIP_COUNTS",
        "VOYAGES",
        "VoyageParams",
        "detect_round_trips",
        "detect_voyages",
        "round_trip_counts",
    ]


def test_voyages_between_consecutive_visits() -> None:
    v = visits([("N", 0, 10), ("V", 30, 40), ("N", 60, None)])
    voy = detect_voyages(v)
    assert voy.schema == pl.Schema(VOYAGES)
    assert voy["origin_port_id"].to_list() == ["N", "V"]
    assert voy["dest_port_id"].to_list() == ["V", "N"]
    assert voy["start_time"].to_list() == [h(10), h(40)]
    assert voy["end_time"].to_list() == [h(30), h(60)]
    assert voy["duration_h"].to_list() == [20.0, 20.0]
    assert voy["origin_visit_id"].to_list() == ["v1-000", "v1-001"]
    assert voy["distance_m"][0] == pytest.approx(236_000, rel=0.02)
    assert [e["line"] for e in voy["evidence"][0]] == [2, 3, 11]
    assert voy["dark_h"].to_list() == [None, None]
    assert voy["seg_id"].to_list() == ["1-a", "1-a"]


def test_overlapping_visits_of_a_shared_mmsi_make_no_voyage() -> None:
    """Two ships on one MMSI: a visit at N (0-40 h) while the other ship is at V (10-20 h),
    then K (50-60 h): N→V would end before it starts; only V→K (20→50) and nothing from N."""
    v = visits([("N", 0, 40), ("V", 10, 20), ("K", 50, 60)])
    voy = detect_voyages(v)
    assert list(zip(voy["origin_port_id"], voy["dest_port_id"], strict=True)) == [("V", "K")]
    assert (voy["duration_h"] >= 0).all()


def test_low_confidence_and_same_port() -> None:
    v = visits([("N", 0, 10), ("K", 15, 16, 1), ("N", 20, 30), ("V", 50, 60)])
    voy = detect_voyages(v)  # the confidence-1 pass at Nakhodka is skipped
    assert list(zip(voy["origin_port_id"], voy["dest_port_id"], strict=True)) == [
        ("N", "N"),
        ("N", "V"),
    ]
    voy = detect_voyages(v, params=VoyageParams(include_same_port=False))
    assert voy["dest_port_id"].to_list() == ["V"]
    assert detect_voyages(v, params=VoyageParams(min_confidence=1)).height == 3


def test_dark_hours_from_gaps() -> None:
    v = visits([("N", 0, 10), ("V", 30, 40)])
    gaps = pl.DataFrame(
        {
            "mmsi": [1, 1, 1, 2],
            "start_time": [h(5), h(12), h(28), h(12)],
            "end_time": [h(11), h(20), None, h(20)],
            "evidence": [
                [{"source_id": "g", "line": 1}, {"source_id": "g", "line": 2}],
                [{"source_id": "g", "line": 3}, {"source_id": "g", "line": 4}],
                [{"source_id": "g", "line": 5}],
                [{"source_id": "g", "line": 9}],
            ],
        },
        schema_overrides={"start_time": UTC, "end_time": UTC},
    )
    voy = detect_voyages(v, gaps=gaps)
    r = voy.row(0, named=True)
    # 10→11 (1 h) + 12→20 (8 h) + 28→30 (open gap, 2 h)
    assert (r["dark_h"], r["n_gaps"]) == (11.0, 3)
    assert [(e["source_id"], e["line"]) for e in r["evidence"]][-5:] == [
        ("g", 1), ("g", 2), ("g", 3), ("g", 4), ("g", 5),
    ]  # fmt: skip
    none = detect_voyages(v, gaps=gaps.filter(pl.col("mmsi") == 2))
    assert (none["dark_h"][0], none["n_gaps"][0]) == (0.0, 0)


def test_empty_and_single() -> None:
    assert detect_voyages(visits([("N", 0, 10)])).height == 0
    empty = detect_voyages(visits([("N", 0, 10)]).clear())
    assert empty.schema == pl.Schema(VOYAGES)
    rt = detect_round_trips(empty)
    assert rt.height == 0 and rt.schema == pl.Schema(ROUND_TRIPS)
    counts = round_trip_counts(rt)
    assert counts.height == 0 and counts.schema == pl.Schema(ROUND_TRIP_COUNTS)


def test_round_trips_shuttle_do_not_overlap() -> None:
    v = visits([("N", 0, 5), ("V", 20, 25), ("N", 40, 45), ("V", 60, 65), ("N", 80, 85)])
    rt = detect_round_trips(detect_voyages(v))
    assert rt["port_a_id"].to_list() == ["N", "N"]
    assert rt["port_b_id"].to_list() == ["V", "V"]
    assert rt["start_time"].to_list() == [h(5), h(45)]
    assert rt["end_time"].to_list() == [h(40), h(80)]
    assert rt["n_legs"].to_list() == [2, 2]
    assert rt["dark_h"].to_list() == [None, None]
    assert len(rt["evidence"][0]) == 6


def test_intermediate_calls_and_groups() -> None:
    # N → V → K → N: a call at Nakhodka between
    v = visits([("N", 0, 5), ("V", 20, 25), ("K", 30, 35), ("N", 50, 55)])
    voy = detect_voyages(v)
    assert detect_round_trips(voy).height == 0
    rt = detect_round_trips(voy, params=VoyageParams(max_intermediate_calls=1))
    assert (rt["port_b_id"].to_list(), rt["n_legs"].to_list()) == (["V"], [3])
    grouped = VoyageParams(port_groups={"V": "Nakhodka Gulf", "Nakhodka": "Nakhodka Gulf"})
    rt = detect_round_trips(voy, params=grouped)
    assert rt["group_b"].to_list() == ["Nakhodka Gulf"] and rt["group_a"].to_list() == ["N"]
    # repeated calls at B do not break a round trip; a return via another port does not count
    v2 = visits(
        [("N", 0, 5), ("V", 20, 25), ("V", 30, 35), ("N", 50, 55), ("B", 90, 95), ("V", 120, 130)]
    )
    rt2 = detect_round_trips(detect_voyages(v2))
    assert rt2["n_legs"].to_list() == [3]


def test_round_trips_per_vessel_only() -> None:
    v = pl.concat([visits([("N", 0, 5), ("V", 20, 25)], mmsi=1), visits([("N", 40, 45)], mmsi=1)])
    assert detect_round_trips(detect_voyages(v)).height == 1
    two = pl.concat([visits([("N", 0, 5), ("V", 20, 25)], mmsi=1), visits([("N", 40, 45)], mmsi=2)])
    assert detect_round_trips(detect_voyages(two)).height == 0


def _shuttles() -> pl.DataFrame:
    a = visits(
        [("N", 0, 5), ("V", 20, 25), ("N", 40, 45), ("D", 200, 205), ("N", 220, 230)], mmsi=7
    )
    b = visits(
        [
            ("V", 24, 30),
            ("N", 50, 60),
            ("V", 70, 80),
            ("N", 800, 810),
            ("K", 820, 830),
            ("N", 900, 905),
        ],
        mmsi=3,
    )
    return detect_round_trips(detect_voyages(pl.concat([a, b])))


def test_round_trip_counts_by_week_and_vessel() -> None:
    rt = _shuttles()
    weekly = round_trip_counts(rt, period="week", ports=["Najin", "Vostochny"])
    assert weekly.schema == pl.Schema(ROUND_TRIP_COUNTS)
    assert weekly["period_start"].to_list() == [dt.date(2022, 10, 3)]
    assert (weekly["n_round_trips"][0], weekly["n_vessels"][0]) == (2, 2)
    assert weekly["mmsis"][0].to_list() == [3, 7]
    grouped = detect_round_trips(
        detect_voyages(pl.concat([visits([("N", 0, 5), ("D", 20, 25), ("N", 40, 45)], mmsi=7)])),
        params=VoyageParams(port_groups={"D": "Nakhodka Gulf", "V": "Nakhodka Gulf"}),
    )
    assert round_trip_counts(grouped, ports=["Nakhodka Gulf", "N"])["n_round_trips"].to_list() == [
        1
    ]
    monthly = round_trip_counts(
        rt, period="month", start=dt.date(2022, 10, 1), end=dt.date(2023, 1, 1)
    )
    assert monthly["period_start"].unique().sort().to_list() == [
        dt.date(2022, 10, 1), dt.date(2022, 11, 1), dt.date(2022, 12, 1),
    ]  # fmt: skip
    oct_ = monthly.filter(pl.col("period_start") == dt.date(2022, 10, 1))
    assert oct_.select("port_1", "port_2", "n_round_trips").rows() == [
        ("D", "N", 1), ("K", "N", 0), ("N", "V", 2),
    ]  # fmt: skip
    assert (
        monthly.filter(pl.col("period_start") == dt.date(2022, 12, 1))["n_round_trips"].sum() == 0
    )
    per_vessel = round_trip_counts(rt, period="month", by="vessel", ports=["N"])
    assert per_vessel.select("port_1", "mmsi", "n_round_trips").rows() == [
        ("D", 7, 1), ("N", 3, 1), ("N", 7, 1), ("K", 3, 1),
    ]  # fmt: skip


def test_counts_validation() -> None:
    with pytest.raises(ConfigError, match="period"):
        round_trip_counts(_shuttles(), period="day")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="time zone"):
        round_trip_counts(_shuttles(), start=dt.datetime(2022, 10, 1))
    with pytest.raises(ConfigError, match="max_intermediate_calls"):
        VoyageParams(max_intermediate_calls=-1)
    with pytest.raises(ConfigError, match="port_groups"):
        VoyageParams(port_groups={"V": ""})


def test_shuffled_visits_same_output() -> None:
    a = visits([("N", 0, 5), ("V", 20, 25), ("N", 40, 45), ("V", 60, 65), ("N", 80, 85)], mmsi=7)
    b = visits([("V", 24, 30), ("N", 50, 60), ("V", 70, 80)], mmsi=3)
    v = pl.concat([a, b])
    voy = detect_voyages(v)
    rt = detect_round_trips(voy)
    for seed in range(3):
        sv = detect_voyages(v.sample(fraction=1.0, shuffle=True, seed=seed))
        assert sv.equals(voy)
        assert detect_round_trips(sv.sample(fraction=1.0, shuffle=True, seed=seed)).equals(rt)


def _track(points: list[tuple[float, float, float, float]], mmsi: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * len(points),
            "timestamp": [h(p[0]) for p in points],
            "lon": [p[1] for p in points],
            "lat": [p[2] for p in points],
            "sog_kn": [p[3] for p in points],
            "source_id": ["t"] * len(points),
            "line": list(range(1, len(points) + 1)),
        }
    )


def test_story_end_to_end_dark_shuttle() -> None:
    """A ship shuttles Najin ↔ Vostochny, dark on every crossing: two round trips."""
    n, v = PORTS["N"][1:], PORTS["V"][1:]
    pts = []
    for k in range(4):  # N, V, N, V, then N
        port = n if k % 2 == 0 else v
        base = 48.0 * k
        pts += [(base, *port, 0.0), (base + 6, *port, 0.0), (base + 12, *port, 0.0)]
    pts += [(192.0, *n, 0.0), (198.0, *n, 0.0)]
    ix = PortIndex.from_points([("N", "Najin", "KP", *n), ("V", "Vostochnyy", "RU", *v)])
    vis = detect_port_visits(_track(pts, 9), ix)
    assert vis["port_id"].to_list() == ["N", "V", "N", "V", "N"]
    assert vis["arrived_dark"].to_list() == [None, True, True, True, True]
    voy = detect_voyages(vis)
    rt = detect_round_trips(voy)
    assert rt.height == 2 and rt["port_a_name"].to_list() == ["Najin", "Najin"]
    counts = round_trip_counts(rt, period="month", ports=["Najin", "Vostochnyy"])
    assert counts.select("n_round_trips", "n_vessels").rows() == [(2, 1)]
