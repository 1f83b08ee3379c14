"""Loitering: known answers, GFW's filters, SOG/implied speeds, and a sequential reference."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError
from darkfleet.geo import KNOT_MPS, distance_from_shore_km, haversine_m
from darkfleet.ports import PortIndex
from darkfleet.tracks.loitering import LOITERING, LoiterParams, detect_loitering

T0 = datetime(2024, 10, 1, tzinfo=UTC)
OFFSHORE = (134.0, 40.0)  # Sea of Japan, ~300 km from any coast
NEAR_VOSTOCHNY = (133.1, 42.68)  # ~8 km off the coast


def _track(
    sogs: Sequence[float | None],
    *,
    start: tuple[float, float] = OFFSHORE,
    step_min: float = 10.0,
    step_deg: float = 0.001,
    mmsi: int = 1,
    seg: str | None = "1-a",
    line0: int = 0,
    t0: datetime = T0,
) -> pl.DataFrame:
    n = len(sogs)
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * n,
            "timestamp": [t0 + timedelta(minutes=step_min * k) for k in range(n)],
            "lon": [start[0] + step_deg * k for k in range(n)],
            "lat": [start[1]] * n,
            "sog_kn": sogs,
            "source_id": ["f.nmea"] * n,
            "line": [line0 + k for k in range(n)],
            "seg_id": [seg] * n,
        },
        schema_overrides={"sog_kn": pl.Float64, "seg_id": pl.String},
    ).with_columns(pl.col("timestamp").cast(pl.Datetime("us", "UTC")))


FAST, SLOW = 10.0, 0.5


def test_three_slow_hours_offshore_is_one_event() -> None:
    track = _track([FAST] * 10 + [SLOW] * 19 + [FAST] * 10)
    out = detect_loitering(track)
    assert out.schema == pl.Schema(LOITERING)
    assert out.height == 1
    row = out.row(0, named=True)
    assert row["event_type"] == "loitering" and row["seg_id"] == "1-a" and row["mmsi"] == 1
    assert row["start_time"] == T0 + timedelta(minutes=100)
    assert row["end_time"] == T0 + timedelta(minutes=280)
    assert row["duration_h"] == pytest.approx(3.0)
    assert row["n_positions"] == 19
    assert row["median_sog_kn"] == row["mean_sog_kn"] == SLOW
    assert row["distance_m"] == pytest.approx(18 * float(haversine_m(134.0, 40.0, 134.001, 40.0)))
    assert row["min_shore_km"] > 250 and row["mean_shore_km"] >= row["min_shore_km"]
    assert row["min_port_km"] is None
    assert row["lon"] == pytest.approx(134.019) and row["lat"] == pytest.approx(40.0)
    assert row["evidence"] == [
        {"source_id": "f.nmea", "line": 10},
        {"source_id": "f.nmea", "line": 28},
    ]


def test_shorter_than_an_hour_is_not_loitering() -> None:
    track = _track([FAST] * 3 + [SLOW] * 6 + [FAST] * 3)  # 50 minutes slow
    assert detect_loitering(track).height == 0
    assert detect_loitering(track, params=LoiterParams(min_loiter_h=0.5)).height == 1


def test_one_slow_position_is_not_a_run() -> None:
    track = _track([FAST, SLOW, FAST], step_min=120)
    assert detect_loitering(track, params=LoiterParams(min_loiter_h=0.0)).height == 0


def test_near_shore_is_filtered_by_gfw_20_nm() -> None:
    track = _track([SLOW] * 19, start=NEAR_VOSTOCHNY, step_deg=0.0001)
    assert detect_loitering(track).height == 0
    out = detect_loitering(track, params=LoiterParams(min_shore_nm=0.0))
    assert out.height == 1
    assert out["mean_shore_km"][0] < 20 * 1.852


def test_ports_filter_and_distance() -> None:
    track = _track([SLOW] * 19)
    near = PortIndex.from_points([("P1", "Buoy", "XX", 134.05, 40.0)])  # ~4 km away
    far = PortIndex.from_points([("P2", "Far", "XX", 134.5, 40.0)])  # ~40 km away
    assert detect_loitering(track, ports=near).height == 0
    out = detect_loitering(track, ports=far)
    assert out.height == 1
    expected = float(haversine_m(134.018, 40.0, 134.5, 40.0)) / 1000.0
    assert out["min_port_km"][0] == pytest.approx(expected, rel=1e-6)
    kept = detect_loitering(track, ports=near, params=LoiterParams(min_port_km=1.0))
    assert kept.height == 1


def test_missing_sog_uses_implied_speed() -> None:
    # 0.001 deg of longitude at 40N in 10 minutes = 0.51 m/s... implied ~0.28 kn: slow
    slow = _track([None] * 19)
    assert detect_loitering(slow).height == 1
    # 0.05 deg per 10 min ~ 13 kn implied: not slow
    fast = _track([None] * 19, step_deg=0.05)
    assert detect_loitering(fast).height == 0
    # SOG of 102.3 (not available) and 60 (garbled) are treated as missing
    assert detect_loitering(_track([102.3] * 10 + [60.0] * 9)).height == 1


def test_implied_speed_source_ignores_sog() -> None:
    track = _track([SLOW] * 19, step_deg=0.05)  # reports 0.5 kn, moves at ~13 kn
    assert detect_loitering(track).height == 1
    assert detect_loitering(track, params=LoiterParams(speed_source="implied")).height == 0


def test_max_step_splits_runs() -> None:
    a = _track([SLOW] * 10, line0=0)
    b = _track([SLOW] * 10, line0=10, t0=T0 + timedelta(hours=8))
    track = pl.concat([a, b])
    assert detect_loitering(track).height == 1  # GFW: the segment decides
    out = detect_loitering(track, params=LoiterParams(max_step_h=6.0))
    assert out.height == 2
    assert out["n_positions"].to_list() == [10, 10]


def test_noise_and_interleaved_segments() -> None:
    a = _track([SLOW] * 19, seg="1-a")
    b = _track([FAST] * 19, seg="1-b", start=(135.0, 40.0), line0=100).with_columns(
        pl.col("timestamp") + pl.duration(minutes=5)
    )
    noise = _track([SLOW] * 19, seg=None, start=(136.0, 40.0), line0=200)
    track = pl.concat([a, b, noise]).sort("timestamp")
    out = detect_loitering(track)
    assert out["seg_id"].to_list() == ["1-a"]
    assert out["n_positions"].to_list() == [19]


def test_antimeridian_mean_position() -> None:
    track = _track([SLOW] * 19, start=(179.99, 40.0), step_deg=0.0015).with_columns(
        ((pl.col("lon") + 180.0) % 360.0 - 180.0).alias("lon")
    )
    out = detect_loitering(track, params=LoiterParams(min_shore_nm=0.0))
    assert out.height == 1
    assert abs(out["lon"][0]) > 179.9


def test_empty_and_unsegmented_inputs() -> None:
    assert detect_loitering(_track([SLOW] * 19).clear()).schema == pl.Schema(LOITERING)
    assert detect_loitering(_track([SLOW] * 19).drop("seg_id")).height == 0
    assert detect_loitering(_track([SLOW] * 19, seg=None)).height == 0


def test_deterministic_and_input_untouched() -> None:
    tracks = pl.concat(
        [
            _track(
                [FAST] * 5 + [SLOW] * 12 + [FAST] * 5 + [SLOW] * 10,
                mmsi=m,
                seg=f"{m}-a",
                line0=100 * m,
            )
            for m in (3, 1, 2)
        ]
    )
    before = tracks.clone()
    a = detect_loitering(tracks)
    b = detect_loitering(tracks.sample(fraction=1.0, shuffle=True, seed=3))
    assert a.height == 6
    assert a.equals(b)
    assert tracks.equals(before)
    assert a["mmsi"].to_list() == sorted(a["mmsi"].to_list())


def _reference(
    track: pl.DataFrame, params: LoiterParams
) -> list[tuple[str, int, int, float, float]]:
    """Slow runs by a plain loop: (seg_id, first line, last line, distance_m, mean shore km)."""
    out = []
    frame = track.filter(pl.col("seg_id").is_not_null()).sort(
        ["mmsi", "seg_id", "timestamp", "line"]
    )
    for (seg,), g in frame.group_by(["seg_id"], maintain_order=True):
        t = [ts.timestamp() for ts in g["timestamp"]]
        lon, lat, sog, line = (g[c].to_list() for c in ("lon", "lat", "sog_kn", "line"))
        n = len(t)
        speed = []
        for i in range(n):
            s = sog[i]
            if s is not None and s < params.max_valid_sog_kn and params.speed_source == "sog":
                speed.append(s)
            elif i > 0 and t[i] > t[i - 1]:
                speed.append(
                    float(haversine_m(lon[i - 1], lat[i - 1], lon[i], lat[i]))
                    / (t[i] - t[i - 1])
                    / KNOT_MPS
                )
            elif i + 1 < n and t[i + 1] > t[i]:
                speed.append(
                    float(haversine_m(lon[i], lat[i], lon[i + 1], lat[i + 1]))
                    / (t[i + 1] - t[i])
                    / KNOT_MPS
                )
            else:
                speed.append(math.nan)
        runs, cur = [], []
        for i in range(n):
            if speed[i] < params.max_speed_kn:
                cur.append(i)
            else:
                if cur:
                    runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        for r in runs:
            if len(r) < 2 or t[r[-1]] - t[r[0]] < params.min_loiter_h * 3600:
                continue
            d = sum(float(haversine_m(lon[i - 1], lat[i - 1], lon[i], lat[i])) for i in r[1:])
            sh = distance_from_shore_km([lon[i] for i in r], [lat[i] for i in r])
            area = sum(
                0.5 * (sh[k - 1] + sh[k]) * (t[r[k]] - t[r[k - 1]]) for k in range(1, len(r))
            )
            mean = area / (t[r[-1]] - t[r[0]])
            if mean >= params.min_shore_nm * 1.852:
                out.append((str(seg), line[r[0]], line[r[-1]], d, mean))
    return sorted(out)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 3),  # segment
            st.floats(0, 600),  # minutes since T0
            st.floats(-0.2, 0.2),  # lon offset
            st.floats(-0.2, 0.2),  # lat offset
            st.one_of(st.none(), st.floats(0, 4), st.just(102.3)),
        ),
        min_size=0,
        max_size=60,
    )
)
def test_kernel_matches_sequential_reference(
    spec: list[tuple[int, float, float, float, float | None]],
) -> None:
    rows = [
        {
            "mmsi": 7,
            "seg_id": f"7-{s}",
            "timestamp": T0 + timedelta(minutes=round(m)),
            "lon": OFFSHORE[0] + dx,
            "lat": OFFSHORE[1] + dy,
            "sog_kn": v,
            "source_id": "f",
            "line": k,
        }
        for k, (s, m, dx, dy, v) in enumerate(spec)
    ]
    track = pl.DataFrame(
        rows,
        schema={
            "mmsi": pl.Int64,
            "seg_id": pl.String,
            "timestamp": pl.Datetime("us", "UTC"),
            "lon": pl.Float64,
            "lat": pl.Float64,
            "sog_kn": pl.Float64,
            "source_id": pl.String,
            "line": pl.Int64,
        },
    )
    params = LoiterParams(min_loiter_h=0.5)
    out = detect_loitering(track, params=params)
    got = sorted(
        (
            r["seg_id"],
            r["evidence"][0]["line"],
            r["evidence"][-1]["line"],
            r["distance_m"],
            r["mean_shore_km"],
        )
        for r in out.iter_rows(named=True)
    )
    want = _reference(track, params)
    assert [g[:3] for g in got] == [w[:3] for w in want]
    assert np.allclose([g[3:] for g in got], [w[3:] for w in want], rtol=1e-6) if got else True


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_speed_kn": 0.0},
        {"min_loiter_h": -1.0},
        {"min_shore_nm": float("nan")},
        {"speed_source": "doppler"},
        {"max_step_h": 0.0},
        {"max_valid_sog_kn": -5.0},
    ],
)
def test_params_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        LoiterParams(**kwargs)  # type: ignore[arg-type]


def test_end_to_end_from_positions() -> None:
    from darkfleet.tracks.prepare import prepare_tracks
    from darkfleet.tracks.segments import segment_tracks

    track = _track([FAST] * 10 + [SLOW] * 19 + [FAST] * 10).drop("seg_id")
    segmented = segment_tracks(prepare_tracks(track))
    out = detect_loitering(segmented)
    assert out.height == 1
    assert out["seg_id"][0] == segmented["seg_id"][0]
    assert out["duration_h"][0] == pytest.approx(3.0)
