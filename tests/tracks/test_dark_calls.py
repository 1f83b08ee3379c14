"""Dark port calls: known answers around Najin and Vostochny, ranking, parameters, a reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError
from darkfleet.events.base import EVIDENCE
from darkfleet.geo import KNOT_MPS, haversine_m
from darkfleet.geo.searoutes import sea_distance_m
from darkfleet.ports import PortIndex
from darkfleet.tracks.dark_calls import DARK_PORT_CALLS, DarkCallParams, detect_dark_port_calls

T0 = datetime(2024, 10, 1, tzinfo=UTC)
NAJIN = ("WPI-60510", "Najin", "KP", 130.30, 42.233)
VOSTOCHNY = ("WPI-60725", "Vostochnyy", "RU", 133.083, 42.75)
VLADIVOSTOK = ("WPI-60730", "Vladivostok", "RU", 131.89, 43.11)
BUSAN = ("WPI-61200", "Busan", "KR", 129.04, 35.1)
PORTS = PortIndex(
    pl.DataFrame(
        [NAJIN, VOSTOCHNY, VLADIVOSTOK, BUSAN],
        schema=["port_id", "name", "country", "lon", "lat"],
        orient="row",
    ).with_columns(
        pl.Series("locode", ["KPRJN", "RUVYP", "RUVVO", "KRPUS"]),
        pl.Series("alt_names", ["Rashin; Rajin", None, None, "Pusan"]),
    )
)
GC = DarkCallParams(sea_routes=False)


def _gap(
    gid: str,
    start: tuple[float, float],
    end: tuple[float, float] | None,
    hours: float,
    *,
    mmsi: int = 273000001,
    **extra: object,
) -> dict[str, object]:
    return {
        "event_id": gid,
        "event_type": "gap",
        "mmsi": mmsi,
        "seg_id": f"{mmsi}-a",
        "start_time": T0,
        "end_time": None if end is None else T0 + timedelta(hours=hours),
        "duration_h": None if end is None else hours,
        "lon": start[0],
        "lat": start[1],
        "evidence": [{"source_id": "f.nmea", "line": 10}, {"source_id": "f.nmea", "line": 11}],
        "start_lon": start[0],
        "start_lat": start[1],
        "end_lon": None if end is None else end[0],
        "end_lat": None if end is None else end[1],
        "is_open": end is None,
        **extra,
    }


def _gaps(*rows: dict[str, object]) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows))
    return frame.with_columns(
        pl.col("start_time").cast(pl.Datetime("us", "UTC")),
        pl.col("end_time").cast(pl.Datetime("us", "UTC")),
        pl.col("duration_h").cast(pl.Float64),
        pl.col("evidence").cast(EVIDENCE),
    )


# Off Vostochny, in the approaches (60 km south-west of the port, at sea).
OFF_VOSTOCHNY = (132.3, 42.55)
OFF_VOSTOCHNY_2 = (132.35, 42.57)


def test_twenty_hour_gap_off_vostochny_could_call_at_najin() -> None:
    out = detect_dark_port_calls(
        _gaps(_gap("g20", OFF_VOSTOCHNY, OFF_VOSTOCHNY_2, 20.0)), PORTS, ports_of_interest=["Najin"]
    )
    assert out.height == 1
    row = out.row(0, named=True)
    assert row["port_name"] == "Najin" and row["port_id"] == "WPI-60510"
    assert row["distance_kind"] == "sea"
    assert row["rank"] == 1
    assert row["slack_h"] >= 2.0
    assert row["min_transit_h"] + row["slack_h"] == pytest.approx(20.0)
    speed = 12.0 * KNOT_MPS * 3600.0
    assert row["min_transit_h"] == pytest.approx((row["route_in_m"] + row["route_out_m"]) / speed)
    # sea distance is never shorter than the great circle
    gc_in = float(haversine_m(*OFF_VOSTOCHNY, NAJIN[3], NAJIN[4]))
    assert row["route_in_m"] >= gc_in * 0.999
    assert row["reasoning"].startswith("Gap of 20.0 h from 42.55N 132.3E to 42.57N 132.35E;")
    assert "a call at Najin (KP) needs" in row["reasoning"]
    assert "at 12.0 kn, leaving" in row["reasoning"]


def test_three_hour_gap_reaches_no_port() -> None:
    gaps = _gaps(_gap("g3", OFF_VOSTOCHNY, OFF_VOSTOCHNY_2, 3.0))
    assert detect_dark_port_calls(gaps, PORTS).height == 0
    assert detect_dark_port_calls(gaps, PORTS, ports_of_interest=["Najin"]).height == 0


def test_from_the_berth_at_vostochny_najin_needs_more_than_twenty_hours() -> None:
    # 2 x ~235 km at 12 kn = 21.2 h steaming: a 20 h gap cannot hold the call, 24 h can.
    berth = (VOSTOCHNY[3], VOSTOCHNY[4])
    gaps = _gaps(_gap("a", berth, berth, 20.0), _gap("b", berth, berth, 24.0))
    out = detect_dark_port_calls(gaps, PORTS, ports_of_interest=["KPRJN"])
    assert out["gap_id"].to_list() == ["b"]
    assert out["slack_h"][0] == pytest.approx(24.0 - out["min_transit_h"][0])
    assert 2.0 <= out["slack_h"][0] < 3.5


def test_the_port_it_sat_in_is_not_a_call_and_week_long_gaps_are_left_out() -> None:
    berth = (VOSTOCHNY[3], VOSTOCHNY[4])
    gaps = _gaps(_gap("a", berth, berth, 24.0), _gap("b", berth, berth, 200.0))
    out = detect_dark_port_calls(gaps, PORTS)
    assert out["gap_id"].unique().to_list() == ["a"]  # 200 h > max_gap_h
    assert "Vostochnyy" not in out["port_name"].to_list()
    assert "Najin" in out["port_name"].to_list()
    every = detect_dark_port_calls(gaps, PORTS, params=DarkCallParams(in_port_m=0.0, top_k=50))
    assert "Vostochnyy" in every.filter(pl.col("gap_id") == "a")["port_name"].to_list()
    longer = detect_dark_port_calls(gaps, PORTS, params=DarkCallParams(max_gap_h=300.0))
    assert longer["gap_id"].unique().sort().to_list() == ["a", "b"]
    with pytest.raises(ConfigError, match="max_gap_h"):
        DarkCallParams(max_gap_h=0.0)


def test_headland_detour_is_measured_on_the_sea_grid() -> None:
    # The straight line from 131.2E 42.61N to Najin crosses the Tumen delta; MARNET alone
    # detours 140 km east (215 km in). The sea grid goes round the headland (~90 km).
    gaps = _gaps(_gap("g", (131.2, 42.61), (132.9, 42.70), 18.2))
    out = detect_dark_port_calls(gaps, PORTS, ports_of_interest=["Rashin"])  # alt name
    assert out["port_name"].to_list() == ["Najin"]
    assert 80_000 < out["route_in_m"][0] < 110_000


def test_ranking_columns_and_provenance() -> None:
    gaps = _gaps(_gap("g", (132.9, 42.6), (132.95, 42.62), 30.0))
    out = detect_dark_port_calls(gaps, PORTS)
    assert out.schema == pl.Schema(DARK_PORT_CALLS)
    ranked = out.sort("rank")
    assert ranked["rank"].to_list() == list(range(1, out.height + 1))
    total = (ranked["route_in_m"] + ranked["route_out_m"]).to_list()
    assert total == sorted(total)
    assert (ranked["slack_h"].diff().drop_nulls() <= 0).all()
    assert ranked["port_name"][0] == "Vostochnyy"
    assert set(out["event_type"]) == {"dark_port_call"}
    assert set(out["gap_id"]) == {"g"}
    assert out["start_time"].unique().to_list() == [T0]
    assert out["end_time"].unique().to_list() == [T0 + timedelta(hours=30)]
    assert out["evidence"][0].to_list() == [
        {"source_id": "f.nmea", "line": 10},
        {"source_id": "f.nmea", "line": 11},
    ]
    najin = out.filter(pl.col("port_name") == "Najin")
    assert najin["lon"][0] == NAJIN[3] and najin["lat"][0] == NAJIN[4]
    n = out.height
    assert all(f"of {n} ports within reach" in r for r in out["reasoning"])
    assert out["event_id"].n_unique() == n
    direct = float(haversine_m(132.9, 42.6, 132.95, 42.62))
    assert np.allclose(out["detour_m"], out["route_in_m"] + out["route_out_m"] - direct)


def test_top_k_keeps_the_best() -> None:
    gaps = _gaps(_gap("g", (132.9, 42.6), (132.95, 42.62), 30.0))
    full = detect_dark_port_calls(gaps, PORTS)
    top = detect_dark_port_calls(gaps, PORTS, params=DarkCallParams(top_k=2))
    assert top.height == 2
    assert sorted(top["port_id"]) == sorted(full.filter(pl.col("rank") <= 2)["port_id"])


def test_open_and_incomplete_gaps_are_skipped() -> None:
    gaps = _gaps(
        _gap("open", OFF_VOSTOCHNY, None, 40.0), _gap("ok", OFF_VOSTOCHNY, OFF_VOSTOCHNY_2, 40.0)
    )
    out = detect_dark_port_calls(gaps, PORTS)
    assert set(out["gap_id"]) == {"ok"}


def test_empty_inputs_give_the_schema() -> None:
    empty = _gaps(_gap("x", OFF_VOSTOCHNY, OFF_VOSTOCHNY_2, 40.0)).clear()
    out = detect_dark_port_calls(empty, PORTS)
    assert out.height == 0 and out.schema == pl.Schema(DARK_PORT_CALLS)
    no_ports = PortIndex(
        pl.DataFrame(schema={"port_id": pl.String, "lon": pl.Float64, "lat": pl.Float64})
    )
    gaps = _gaps(_gap("x", OFF_VOSTOCHNY, OFF_VOSTOCHNY_2, 40.0))
    assert detect_dark_port_calls(gaps, no_ports).schema == pl.Schema(DARK_PORT_CALLS)


def test_per_gap_speed_column() -> None:
    berth = (VOSTOCHNY[3], VOSTOCHNY[4])
    gaps = _gaps(
        _gap("slow", berth, berth, 20.0, speed=None),
        _gap("fast", berth, berth, 20.0, speed=16.0),
        _gap("zero", berth, berth, 20.0, speed=0.0),
    ).with_columns(pl.col("speed").cast(pl.Float64))
    params = DarkCallParams(speed_col="speed")
    out = detect_dark_port_calls(gaps, PORTS, params=params, ports_of_interest=["Najin"])
    assert out["gap_id"].to_list() == ["fast"]
    assert out["speed_kn"][0] == 16.0
    assert "at 16.0 kn" in out["reasoning"][0]
    with pytest.raises(ConfigError, match="speed_col"):
        detect_dark_port_calls(gaps, PORTS, params=DarkCallParams(speed_col="nope"))


def test_great_circle_mode() -> None:
    gaps = _gaps(_gap("g", OFF_VOSTOCHNY, OFF_VOSTOCHNY_2, 20.0))
    out = detect_dark_port_calls(gaps, PORTS, params=GC, ports_of_interest=["Najin"])
    assert out["distance_kind"].to_list() == ["great_circle"]
    assert out["route_in_m"][0] == pytest.approx(float(haversine_m(*OFF_VOSTOCHNY, 130.30, 42.233)))
    assert "by great circle" in out["reasoning"][0]


def test_unknown_port_of_interest_is_an_error() -> None:
    gaps = _gaps(_gap("g", OFF_VOSTOCHNY, OFF_VOSTOCHNY_2, 20.0))
    with pytest.raises(ConfigError, match="Atlantis"):
        detect_dark_port_calls(gaps, PORTS, ports_of_interest=["Najin", "Atlantis"])


def test_deterministic_and_inputs_untouched() -> None:
    rows = [
        _gap(
            f"g{i}",
            (132.0 + 0.1 * i, 42.4),
            (132.5, 42.6 - 0.01 * i),
            15.0 + 3 * i,
            mmsi=100 + i % 3,
        )
        for i in range(8)
    ]
    gaps = _gaps(*rows)
    before = gaps.clone()
    a = detect_dark_port_calls(gaps, PORTS)
    b = detect_dark_port_calls(gaps.sample(fraction=1.0, shuffle=True, seed=7), PORTS)
    assert a.equals(b)
    assert gaps.equals(before)
    # each gap's candidates do not depend on the other gaps in the batch
    one = detect_dark_port_calls(gaps.filter(pl.col("event_id") == "g5"), PORTS)
    assert one.equals(a.filter(pl.col("gap_id") == "g5"))


def test_sea_distances_match_single_queries() -> None:
    gaps = _gaps(_gap("g", (131.5, 42.45), (132.6, 42.62), 36.0))
    out = detect_dark_port_calls(gaps, PORTS)
    ports = {p[0]: p for p in (NAJIN, VOSTOCHNY, VLADIVOSTOK, BUSAN)}
    for row in out.iter_rows(named=True):
        p = ports[row["port_id"]]
        d_in, _ = sea_distance_m(131.5, 42.45, p[3], p[4])
        assert row["route_in_m"] == pytest.approx(d_in, rel=1e-9)


def _reference(
    gaps: pl.DataFrame, ports: list[tuple[str, str, str, float, float]], params: DarkCallParams
) -> set[tuple[str, str, int]]:
    """Great-circle candidates and ranks by a plain double loop."""
    out: set[tuple[str, str, int]] = set()
    for g in gaps.iter_rows(named=True):
        if g["is_open"]:
            continue
        speed = params.max_speed_kn * KNOT_MPS * 3600.0
        cands = []
        for pid, _, _, lon, lat in ports:
            d_in = float(haversine_m(g["start_lon"], g["start_lat"], lon, lat))
            d_out = float(haversine_m(lon, lat, g["end_lon"], g["end_lat"]))
            if d_in <= params.in_port_m and d_out <= params.in_port_m:
                continue  # the port it sat in at both ends: it never left
            total = d_in + d_out
            if g["duration_h"] - total / speed >= params.min_port_h:
                cands.append((total, pid))
        for rank, (_, pid) in enumerate(sorted(cands), start=1):
            if rank <= params.top_k:
                out.add((g["event_id"], pid, rank))
    return out


def _wrap(lon: float) -> float:
    return ((lon + 180.0) % 360.0) - 180.0


offset = st.floats(-4, 4)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(-179.9, 179.9),
    st.floats(-60, 60),
    st.lists(st.tuples(offset, offset, offset, offset, st.floats(0, 80)), min_size=1, max_size=6),
    st.lists(st.tuples(offset, offset), min_size=1, max_size=8),
)
def test_great_circle_mode_matches_reference(
    lon0: float,
    lat0: float,
    gaps_spec: list[tuple[float, float, float, float, float]],
    ports_spec: list[tuple[float, float]],
) -> None:
    ports = [
        (f"P{i:02d}", f"Port {i}", "XX", _wrap(lon0 + dx), lat0 + dy)
        for i, (dx, dy) in enumerate(ports_spec)
    ]
    rows = [
        _gap(f"g{i}", (_wrap(lon0 + a), lat0 + b), (_wrap(lon0 + c), lat0 + d), h)
        for i, (a, b, c, d, h) in enumerate(gaps_spec)
    ]
    gaps = _gaps(*rows)
    params = DarkCallParams(sea_routes=False, top_k=3)
    out = detect_dark_port_calls(gaps, PortIndex.from_points(ports), params=params)
    got = set(zip(out["gap_id"], out["port_id"], out["rank"], strict=True))
    assert got == _reference(gaps, ports, params)


def test_antimeridian_gap() -> None:
    ports = PortIndex.from_points(
        [("A", "Anadyr-ish", "RU", 179.9, 64.0), ("B", "Far", "US", -170.0, 64.0)]
    )
    gaps = _gaps(_gap("g", (179.5, 63.0), (-179.5, 63.2), 20.0))
    out = detect_dark_port_calls(gaps, ports, params=GC)
    assert out["port_id"].to_list() == ["A"]
    assert out["route_in_m"][0] < 150_000


@pytest.mark.parametrize(
    "kwargs",
    [{"max_speed_kn": 0.0}, {"max_speed_kn": float("nan")}, {"min_port_h": -1.0}, {"top_k": 0}],
)
def test_params_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        DarkCallParams(**kwargs)  # type: ignore[arg-type]


def test_end_to_end_from_positions() -> None:
    from darkfleet.tracks.gaps import detect_gaps
    from darkfleet.tracks.prepare import prepare_tracks
    from darkfleet.tracks.segments import segment_tracks

    # Drifting off Vostochny for 6 h (10-minute reports), dark for 20 h, back for 6 h.
    times = [T0 + timedelta(minutes=10 * k) for k in range(36)]
    times += [times[-1] + timedelta(hours=20, minutes=10 * k) for k in range(36)]
    n = len(times)
    positions = pl.DataFrame(
        {
            "mmsi": [273000001] * n,
            "timestamp": times,
            "lon": [OFF_VOSTOCHNY[0] + 0.0005 * k for k in range(n)],
            "lat": [OFF_VOSTOCHNY[1]] * n,
            "sog_kn": [0.3] * n,
            "source_id": ["f.nmea"] * n,
            "line": list(range(1, n + 1)),
        }
    ).with_columns(pl.col("timestamp").cast(pl.Datetime("us", "UTC")))
    gaps = detect_gaps(segment_tracks(prepare_tracks(positions)))
    assert gaps.filter(~pl.col("is_open")).height == 1
    out = detect_dark_port_calls(gaps, PORTS, ports_of_interest=["Najin"])
    assert out["port_name"].to_list() == ["Najin"]
    assert out["duration_h"][0] == pytest.approx(20.0)
    assert out["evidence"][0].to_list() == [
        {"source_id": "f.nmea", "line": 36},
        {"source_id": "f.nmea", "line": 37},
    ]
