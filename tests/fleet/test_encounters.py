"""Encounters: hand-built pairs with known answers, a brute-force reference, determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError, SchemaError
from darkfleet.fleet import encounters as enc
from darkfleet.fleet.encounters import ENCOUNTERS, EncounterParams, detect_encounters
from darkfleet.geo import haversine_m, haversine_m_scalar

T0 = dt.datetime(2024, 3, 1, 0, 3, tzinfo=dt.UTC)
M_PER_DEG = 6_371_008.8 * math.pi / 180.0


def ship(
    mmsi: int,
    *,
    hours: float,
    lon: float = -40.0,
    lat: float = 30.0,
    east_m: float = 0.0,
    kn: float = 0.5,
    every_s: int = 120,
    start: dt.datetime = T0,
    seg: str | None = None,
) -> pl.DataFrame:
    """A vessel heading north at ``kn`` knots, ``east_m`` metres east of (lon, lat)."""
    n = int(hours * 3600 / every_s) + 1
    lats = lat + np.arange(n) * kn * 1852 / 3600 * every_s / M_PER_DEG
    lon1 = lon + east_m / (M_PER_DEG * math.cos(math.radians(lat)))
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * n,
            "timestamp": [start + dt.timedelta(seconds=i * every_s) for i in range(n)],
            "lon": [(lon1 + 180.0) % 360.0 - 180.0] * n,
            "lat": lats,
            "seg_id": [seg or f"{mmsi}-0"] * n,
            "source_id": [f"src{mmsi}"] * n,
            "line": np.arange(n, dtype=np.int64),
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )


class FakePorts:
    """Brute-force stand-in for darkfleet.ports.PortIndex.nearest."""

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.lon = np.array([p[0] for p in points])
        self.lat = np.array([p[1] for p in points])

    def nearest(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, max_distance_m: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        d = haversine_m(
            np.asarray(lon)[:, None], np.asarray(lat)[:, None], self.lon[None], self.lat[None]
        )
        idx = d.argmin(axis=1)
        best = d[np.arange(d.shape[0]), idx]
        ok = best <= max_distance_m
        return np.where(ok, idx, -1).astype(np.int64), np.where(ok, best, np.inf)


def test_side_by_side_300m_3h_is_one_encounter() -> None:
    out = detect_encounters(pl.concat([ship(222, hours=3), ship(111, hours=3, east_m=300)]))
    assert out.schema == pl.Schema(ENCOUNTERS)
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["mmsi"], row["other_mmsi"]) == (111, 222)
    assert (row["seg_id"], row["other_seg_id"]) == ("111-0", "222-0")
    assert row["event_type"] == "encounter"
    # grid slots 00:10 .. 03:00 (the reports run 00:03 .. 03:03)
    assert row["start_time"] == dt.datetime(2024, 3, 1, 0, 10, tzinfo=dt.UTC)
    assert row["end_time"] == dt.datetime(2024, 3, 1, 3, 0, tzinfo=dt.UTC)
    assert row["duration_h"] == pytest.approx(170 / 60)
    assert row["n_points"] == 18
    assert row["median_distance_m"] == pytest.approx(300, abs=1)
    assert row["min_distance_m"] == pytest.approx(300, abs=1)
    assert row["median_speed_kn"] == pytest.approx(0.5, abs=0.01)
    assert row["lat"] == pytest.approx(30.0 + 1.5 * 0.5 * 1852 / M_PER_DEG, abs=1e-3)
    assert row["port_distance_km"] is None
    # the reports bounding the encounter, smaller MMSI first: 00:09 and 03:01 of each vessel
    assert row["evidence"] == [
        {"source_id": "src111", "line": 3},
        {"source_id": "src111", "line": 89},
        {"source_id": "src222", "line": 3},
        {"source_id": "src222", "line": 89},
    ]


@pytest.mark.parametrize(
    ("hours", "east_m", "kn"),
    [(1.5, 300, 0.5), (3, 600, 0.5), (3, 300, 5.0)],
    ids=["too-short", "too-far", "too-fast"],
)
def test_no_encounter(hours: float, east_m: float, kn: float) -> None:
    frame = pl.concat([ship(1, hours=hours, kn=kn), ship(2, hours=hours, east_m=east_m, kn=kn)])
    assert detect_encounters(frame).height == 0


def test_exactly_two_hours_counts() -> None:
    # reports every 10 min on the grid: slots 00:00 .. 02:00 are exactly 2 h apart
    start = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    a = ship(1, hours=2, every_s=600, start=start)
    b = ship(2, hours=2, every_s=600, start=start, east_m=300)
    out = detect_encounters(pl.concat([a, b]))
    assert out.height == 1
    assert out["duration_h"][0] == pytest.approx(2.0)
    assert out["n_points"][0] == 13
    assert detect_encounters(pl.concat([a, b.head(12)])).height == 0


def test_port_filter_and_distance() -> None:
    frame = pl.concat([ship(1, hours=3), ship(2, hours=3, east_m=300)])
    near = FakePorts([(-40.05, 30.0)])  # about 4.8 km west
    far = FakePorts([(-40.5, 30.0)])  # about 48 km west
    assert detect_encounters(frame, ports=near).height == 0
    kept = detect_encounters(frame, ports=far)
    assert kept.height == 1
    assert kept["port_distance_km"][0] == pytest.approx(48.2, abs=0.5)
    off = EncounterParams(min_port_distance_km=0.0)
    assert detect_encounters(frame, ports=near, params=off).height == 1


def test_on_land_is_dropped_unless_asked() -> None:
    # central Sahara
    frame = pl.concat(
        [ship(1, hours=3, lon=10, lat=25), ship(2, hours=3, lon=10, lat=25, east_m=200)]
    )
    assert detect_encounters(frame).height == 0
    keep = detect_encounters(frame, params=EncounterParams(exclude_on_land=False))
    assert keep.height == 1


def test_same_mmsi_segments_never_meet() -> None:
    frame = pl.concat([ship(5, hours=3, seg="5-0"), ship(5, hours=3, east_m=100, seg="5-1")])
    assert detect_encounters(frame).height == 0


def second_leg(mmsi: int, gap_h: float, east_m: float = 0.0) -> pl.DataFrame:
    later = T0 + dt.timedelta(hours=3 + gap_h)
    leg = ship(mmsi, hours=3, start=later, seg=f"{mmsi}-1", east_m=east_m)
    return leg.with_columns(pl.col("line") + 1000)


def test_runs_merge_across_short_breaks_not_long_ones() -> None:
    first = [ship(1, hours=3), ship(2, hours=3, east_m=300)]
    five = pl.concat([*first, second_leg(1, 5.0), second_leg(2, 5.0, east_m=300)])
    assert detect_encounters(five).height == 2
    two = pl.concat([*first, second_leg(1, 2.0), second_leg(2, 2.0, east_m=300)])
    out = detect_encounters(two)
    assert out.height == 1
    row = out.row(0, named=True)
    # spans both runs; two segments per vessel, so no single seg_id
    assert row["seg_id"] is None and row["other_seg_id"] is None
    assert row["n_points"] == 36
    assert row["duration_h"] == pytest.approx((8 * 60 - 10) / 60)
    assert [e["line"] for e in row["evidence"]] == [3, 1089, 3, 1089]


def test_no_interpolation_across_long_gaps() -> None:
    # both report every 70 min: no grid position at all (GFW's max gap is 1 h)
    frame = pl.concat([ship(1, hours=6, every_s=4200), ship(2, hours=6, every_s=4200, east_m=300)])
    assert detect_encounters(frame).height == 0
    assert enc._find_close_pairs(enc._prepare(frame), EncounterParams()).n_points == 0


def test_antimeridian_pair() -> None:
    a = ship(1, hours=3, lon=179.999, lat=-20)
    b = ship(2, hours=3, lon=179.999, lat=-20, east_m=250)  # wraps to -179.998...
    assert b["lon"][0] < 0
    out = detect_encounters(pl.concat([a, b]))
    assert out.height == 1
    assert abs(out["lon"][0]) > 179.99
    assert out["median_distance_m"][0] == pytest.approx(250, abs=1)


def test_empty_and_tiny_inputs() -> None:
    empty = ship(1, hours=1).clear()
    assert detect_encounters(empty).schema == pl.Schema(ENCOUNTERS)
    assert detect_encounters(ship(1, hours=0)).height == 0
    assert detect_encounters(ship(1, hours=3)).height == 0


def test_noise_and_unsegmented_input() -> None:
    frame = pl.concat([ship(1, hours=3), ship(2, hours=3, east_m=300)])
    noisy = frame.with_columns((pl.col("mmsi") == 2).alias("is_noise"))
    assert detect_encounters(noisy).height == 0
    bare = detect_encounters(frame.drop("seg_id"))
    assert bare.height == 1 and bare["seg_id"][0] is None
    assert bare.drop("seg_id", "other_seg_id").equals(
        detect_encounters(frame).drop("seg_id", "other_seg_id")
    )


def test_shuffled_input_gives_identical_output() -> None:
    frame = pl.concat(
        [
            ship(7, hours=4),
            ship(3, hours=4, east_m=200),
            ship(9, hours=4, east_m=400),
            ship(4, hours=4, lon=-41),
            ship(5, hours=4, lon=-41, east_m=100, every_s=300),
        ]
    )
    # duplicate instants with different positions: the pick must not depend on order
    dup = frame.head(3).with_columns(pl.col("lat") + 1e-5, pl.col("line") + 500)
    frame = pl.concat([frame, dup])
    expected = detect_encounters(frame)
    assert expected.height == 4  # 3-7, 7-9, 3-9 and 4-5
    for seed in range(3):
        assert detect_encounters(frame.sample(fraction=1.0, shuffle=True, seed=seed)).equals(
            expected
        )
    assert frame.equals(pl.concat([frame]))  # input untouched


def test_params_are_validated() -> None:
    with pytest.raises(ConfigError, match="max_distance_m"):
        EncounterParams(max_distance_m=0)
    with pytest.raises(ConfigError, match="min_duration_h"):
        EncounterParams(min_duration_h=-1)
    with pytest.raises(ConfigError, match="resample_min"):
        EncounterParams(resample_min=float("nan"))


# ----------------------------------------------------------------- reference and scale


def random_fleet(
    seed: int, n: int, *, lon: float, lat: float, box_m: float, hours: float = 6
) -> pl.DataFrame:
    """``n`` vessels drifting slowly in a box, irregular reports, a few gaps."""
    rng = np.random.default_rng(seed)
    frames = []
    for v in range(n):
        k = int(rng.integers(5, 60))
        secs = np.sort(rng.choice(int(hours * 3600), size=k, replace=False))
        x0, y0 = rng.uniform(0, box_m, 2)
        vx, vy = rng.normal(0, 0.3, 2)
        ys = lat + (y0 + vy * secs) / M_PER_DEG
        xs = lon + (x0 + vx * secs) / (M_PER_DEG * math.cos(math.radians(lat)))
        frames.append(
            pl.DataFrame(
                {
                    "mmsi": [100 + v // 2 * 3 + (v % 2)] * k,  # some MMSIs carry 2 segments
                    "timestamp": [T0 + dt.timedelta(seconds=int(s)) for s in secs],
                    "lon": (xs + 180.0) % 360.0 - 180.0,
                    "lat": np.clip(ys, -90, 90),
                    "seg_id": [f"s{v}"] * k,
                    "source_id": ["r"] * k,
                    "line": np.arange(k) + 1000 * v,
                },
                schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
            )
        )
    return pl.concat(frames)


def brute_force_pairs(frame: pl.DataFrame, p: EncounterParams) -> dict[tuple[int, str, str], float]:
    """Every (slot, seg a, seg b) within range, comparing all pairs at every slot."""
    step = round(p.resample_min * 60e6)
    gap = round(p.max_gap_h * 3600e6)
    at: dict[int, list[tuple[str, int, float, float]]] = defaultdict(list)
    for (seg,), g in frame.sort("seg_id", "timestamp").group_by("seg_id", maintain_order=True):
        t = g["timestamp"].dt.epoch("us").to_list()
        lon, lat, mmsi = g["lon"].to_list(), g["lat"].to_list(), g["mmsi"][0]
        done: set[int] = set()
        for i in range(len(t) - 1):
            if not 0 < t[i + 1] - t[i] < gap:
                continue
            for k in range(-(-t[i] // step), t[i + 1] // step + 1):
                if k in done:
                    continue
                done.add(k)
                mix = (k * step - t[i]) / (t[i + 1] - t[i])
                dl = (lon[i + 1] - lon[i] + 180.0) % 360.0 - 180.0
                x = (lon[i] + mix * dl + 180.0) % 360.0 - 180.0
                at[k].append((str(seg), mmsi, x, lat[i] + mix * (lat[i + 1] - lat[i])))
    out: dict[tuple[int, str, str], float] = {}
    for k, pts in at.items():
        for i, (sa, ma, xa, ya) in enumerate(pts):
            for sb, mb, xb, yb in pts[i + 1 :]:
                d = haversine_m_scalar.py_func(xa, ya, xb, yb)
                if ma != mb and d <= p.max_distance_m:
                    lo, hi = sorted((sa, sb))
                    out[(k, lo, hi)] = d
    return out


def kernel_pairs(frame: pl.DataFrame, p: EncounterParams) -> dict[tuple[int, str, str], float]:
    tr = enc._prepare(frame)
    pr = enc._find_close_pairs(tr, p)
    names = tr.seg_id.to_list()
    return {
        (int(k), *sorted((names[tr.seg[a]], names[tr.seg[b]]))): float(d)
        for k, a, b, d in zip(pr.slot, pr.ia, pr.ib, pr.d, strict=True)
    }


@pytest.mark.parametrize(
    ("lon", "lat"), [(-40.0, 30.0), (179.995, 10.0), (-179.999, -60.0), (20.0, 89.99)]
)
def test_close_pairs_match_brute_force(lon: float, lat: float) -> None:
    frame = random_fleet(int(abs(lon * lat)), 30, lon=lon, lat=lat, box_m=2500)
    p = EncounterParams(max_distance_m=800)
    ref = brute_force_pairs(frame, p)
    got = kernel_pairs(frame, p)
    assert len(ref) > 20
    assert got.keys() == ref.keys()
    for key, d in ref.items():
        assert got[key] == pytest.approx(d, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    lon=st.sampled_from([0.0, 179.999, -179.9995, 45.0]),
    lat=st.sampled_from([0.0, 45.0, -70.0, 89.995, -89.999]),
    max_d=st.sampled_from([50.0, 500.0, 3000.0]),
)
def test_close_pairs_property(seed: int, lon: float, lat: float, max_d: float) -> None:
    frame = random_fleet(seed, 8, lon=lon, lat=lat, box_m=3 * max_d, hours=3)
    p = EncounterParams(max_distance_m=max_d)
    assert kernel_pairs(frame, p).keys() == brute_force_pairs(frame, p).keys()


def test_events_match_a_sequential_reference() -> None:
    """Runs, merging and filters re-done sequentially on top of brute-force pairs."""
    p = EncounterParams(
        max_distance_m=700, min_duration_h=0.5, merge_gap_h=1.0, exclude_on_land=False
    )
    frame = random_fleet(11, 24, lon=-30.0, lat=40.0, box_m=1500, hours=8)
    pairs = brute_force_pairs(frame, p)
    by_seg: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for k, sa, sb in sorted(pairs):
        by_seg[(sa, sb)].append(k)
    seg_mmsi = dict(frame.select("seg_id", "mmsi").unique().iter_rows())
    runs: defaultdict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for (sa, sb), ks in by_seg.items():
        start = ks[0]
        for i in range(1, len(ks) + 1):
            if i == len(ks) or ks[i] != ks[i - 1] + 1:
                if ks[i - 1] > start and (ks[i - 1] - start) * 10 >= p.min_duration_h * 60:
                    m1, m2 = sorted((seg_mmsi[sa], seg_mmsi[sb]))
                    runs[(m1, m2)].append((start, ks[i - 1]))
                if i < len(ks):
                    start = ks[i]
    expected: set[tuple[int, int, int, int]] = set()
    for (ma, mb), rs in runs.items():
        groups: list[list[int]] = []
        for s, e in sorted(rs):
            if groups and (s - groups[-1][1]) * 10 < p.merge_gap_h * 60:
                groups[-1][1] = max(groups[-1][1], e)
            else:
                groups.append([s, e])
        expected |= {(ma, mb, g0, g1) for g0, g1 in groups}
    got = detect_encounters(frame, params=dataclasses.replace(p, max_median_speed_kn=1e9))
    step = 600_000_000
    got_set = {
        (r["mmsi"], r["other_mmsi"], int(r["s"]) // step, int(r["e"]) // step)
        for r in got.with_columns(
            pl.col("start_time").dt.epoch("us").alias("s"),
            pl.col("end_time").dt.epoch("us").alias("e"),
        ).iter_rows(named=True)
    }
    assert len(expected) >= 3
    assert got_set == expected


def test_compared_pairs_stay_far_below_all_pairs() -> None:
    # 400 vessels spread over 4 x 4 degrees for 12 h; a handful of close pairs
    rng = np.random.default_rng(3)
    n, hours = 400, 12
    lon0, lat0 = rng.uniform(-30, -26, n), rng.uniform(40, 44, n)
    lon0[1::2], lat0[1::2] = lon0[::2] + 0.003, lat0[::2]  # 200 pairs 250 m apart
    frames = [
        ship(1000 + v, hours=hours, lon=lon0[v], lat=lat0[v], every_s=300).with_columns(
            pl.col("line") + 10_000 * v
        )
        for v in range(n)
    ]
    frame = pl.concat(frames)
    pr = enc._find_close_pairs(enc._prepare(frame), EncounterParams())
    slots = hours * 6
    all_pairs = slots * n * (n - 1) // 2
    assert pr.slot.size == 200 * slots
    assert pr.n_compared < 2 * pr.slot.size + all_pairs // 1000
    out = detect_encounters(frame)
    assert out.height == 200


def port_index_class() -> Any:
    ports = pytest.importorskip("darkfleet.ports")
    cls = getattr(ports, "PortIndex", None)
    return cls if cls is not None else pytest.importorskip("darkfleet.ports.index").PortIndex


def test_with_a_real_port_index() -> None:
    index = port_index_class().from_points(
        [("T-NEAR", "Near", "XX", -40.05, 30.0), ("T-FAR", "Far", "XX", -40.5, 30.0)]
    )
    frame = pl.concat([ship(1, hours=3), ship(2, hours=3, east_m=300)])
    assert detect_encounters(frame, ports=index).height == 0
    far_only = port_index_class().from_points([("T-FAR", "Far", "XX", -40.5, 30.0)])
    out = detect_encounters(frame, ports=far_only)
    assert out.height == 1
    assert out["port_distance_km"][0] == pytest.approx(48.2, abs=0.5)


def test_missing_columns_and_naive_timestamps() -> None:
    frame = pl.concat([ship(1, hours=3), ship(2, hours=3, east_m=300)])
    with pytest.raises(SchemaError, match="lat"):
        detect_encounters(frame.drop("lat"))
    naive = frame.with_columns(pl.col("timestamp").dt.replace_time_zone(None))
    assert detect_encounters(naive).equals(detect_encounters(frame))


def test_port_prefilter_never_exceeds_the_port_filter() -> None:
    frame = pl.concat([ship(1, hours=3), ship(2, hours=3, east_m=300)])
    near = FakePorts([(-40.05, 30.0)])  # about 4.8 km west
    # a 4 km port filter caps the 5 km prefilter at 4 km: the meeting 4.8 km out is kept
    kept = detect_encounters(frame, ports=near, params=EncounterParams(min_port_distance_km=4.0))
    assert kept.height == 1
    far = FakePorts([(-40.5, 30.0)])
    assert detect_encounters(frame, ports=far).equals(
        detect_encounters(frame, ports=far, params=EncounterParams(port_prefilter_km=0.0))
    )
