"""segment_tracks / segments_table: hand-built tracks, edge cases, and the kernel against a
plain sequential implementation of the same rule."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError
from darkfleet.geo import METRES_PER_NM, haversine_m
from darkfleet.tracks import TRACK, prepare_tracks
from darkfleet.tracks.segments import SEGMENTS, SegmentParams, segment_tracks, segments_table

T0 = datetime(2024, 10, 1, tzinfo=UTC)


def track(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    """(mmsi, minutes after T0, lon, lat[, sog]) rows → a track frame (lines 1, 2, …)."""
    return prepare_tracks(
        pl.DataFrame(
            {
                "mmsi": [r[0] for r in rows],
                "timestamp": [T0 + timedelta(minutes=r[1]) for r in rows],
                "lon": [float(r[2]) for r in rows],
                "lat": [float(r[3]) for r in rows],
                "sog_kn": [float(r[4]) if len(r) > 4 else 10.0 for r in rows],
                "source_id": ["s"] * len(rows),
                "line": list(range(1, len(rows) + 1)),
            }
        )
    )


def steaming(mmsi: int, start_min: float, n: int, lon: float, lat: float, step_min: float = 10.0,
             kn: float = 10.0) -> list[tuple[Any, ...]]:  # fmt: skip
    """A ship heading east at ``kn`` knots, one position every ``step_min`` minutes."""
    dlon = kn * step_min / 60.0 / 60.0 / math.cos(math.radians(lat))
    return [(mmsi, start_min + i * step_min, lon + i * dlon, lat, kn) for i in range(n)]


def labels(seg: pl.DataFrame) -> list[str | None]:
    return seg.get_column("seg_id").to_list()


def test_empty_and_schema() -> None:
    empty = pl.DataFrame(schema=TRACK)
    seg = segment_tracks(empty)
    assert seg.height == 0 and seg.schema["seg_id"] == pl.String
    assert seg.schema["is_noise"] == pl.Boolean
    table = segments_table(seg)
    assert table.height == 0 and table.schema == pl.Schema(SEGMENTS)


def test_one_position_is_a_segment_not_noise() -> None:
    seg = segment_tracks(track([(7, 0, 130.0, 42.0)]))
    assert labels(seg) == ["7-20241001T000000Z"]
    assert seg["is_noise"].to_list() == [False]
    table = segments_table(seg)
    assert table["n_positions"].to_list() == [1]
    assert table["distance_m"].to_list() == [0.0]
    assert table["evidence"].to_list() == [[{"source_id": "s", "line": 1}]]


def test_straight_track_is_one_segment_with_its_length() -> None:
    seg = segment_tracks(track(steaming(5, 0, 13, 131.0, 42.5)))
    assert set(labels(seg)) == {"5-20241001T000000Z"}
    table = segments_table(seg)
    row = table.row(0, named=True)
    assert row["n_positions"] == 13 and row["duration_h"] == pytest.approx(2.0)
    assert row["distance_m"] == pytest.approx(20 * METRES_PER_NM, rel=1e-3)  # 2 h at 10 kn
    assert row["start_time"] == T0 and row["end_time"] == T0 + timedelta(hours=2)
    assert row["lon"] == row["start_lon"] == 131.0
    assert row["evidence"] == [{"source_id": "s", "line": 1}, {"source_id": "s", "line": 13}]
    assert row["event_type"] == "segment" and len(row["event_id"]) == 16


def test_silence_longer_than_max_hours_starts_a_new_segment() -> None:
    rows = steaming(5, 0, 3, 131.0, 42.5) + steaming(5, 20 + 9 * 60, 3, 131.1, 42.5)
    seg = segment_tracks(track(rows))
    assert labels(seg) == ["5-20241001T000000Z"] * 3 + ["5-20241001T092000Z"] * 3
    same = segment_tracks(track(rows), params=SegmentParams(max_hours=10.0))
    assert len(set(labels(same))) == 1


def test_glitch_is_noise_and_the_track_goes_on() -> None:
    rows = steaming(9, 0, 10, 131.0, 42.5)
    rows.insert(5, (9, 45, 140.0, 10.0))  # 2,000 nm away for one report
    seg = segment_tracks(track(rows))
    assert seg["is_noise"].to_list() == [False] * 5 + [True] + [False] * 5
    assert labels(seg)[5] is None
    assert len({x for x in labels(seg) if x is not None}) == 1
    assert segments_table(seg)["n_positions"].to_list() == [10]


def test_interleaved_ships_sharing_an_mmsi_are_separated() -> None:
    a = steaming(416000000, 0, 30, 120.2, 22.5)  # off Kaohsiung
    b = steaming(416000000, 3, 30, 121.7, 25.2)  # off Keelung, reports in between
    seg = segment_tracks(track(a + b)).sort("timestamp")
    by_lat = seg.group_by("seg_id").agg(pl.col("lat").round(0).unique())
    assert by_lat.height == 2
    assert sorted(len(x) for x in by_lat["lat"].to_list()) == [1, 1]
    assert not seg["is_noise"].any()


def test_equal_timestamps() -> None:
    near = [(3, 0, 131.0, 42.5), (3, 0, 131.001, 42.5), (3, 10, 131.03, 42.5)]
    seg = segment_tracks(track(near))
    assert len(set(labels(seg))) == 1  # 0.04 nm apart at the same second: one ship
    far = [(3, 0, 131.0, 42.5), (3, 0, 131.5, 42.5), (3, 10, 131.03, 42.5)]
    seg = segment_tracks(track(far))
    # 22 nm apart at the same time: the second opens a segment, is never continued: noise
    assert seg["is_noise"].to_list() == [False, True, False]
    same_start = [(3, 0, 131.0, 42.5), (3, 0, 135.0, 42.5), (3, 10, 131.03, 42.5),
                  (3, 10, 135.03, 42.5)]  # fmt: skip
    seg = segment_tracks(track(same_start))
    assert labels(seg) == ["3-20241001T000000Z", "3-20241001T000000Z-2"] * 2


def test_antimeridian() -> None:
    rows = [(8, 10 * i, 179.95 + 0.02 * i - (360 if 179.95 + 0.02 * i > 180 else 0), 50.0)
            for i in range(6)]  # fmt: skip
    seg = segment_tracks(track(rows))
    assert len(set(labels(seg))) == 1 and not seg["is_noise"].any()
    assert segments_table(seg)["distance_m"][0] < 10_000


def test_rows_keep_input_order_and_shuffling_changes_nothing() -> None:
    rows = steaming(1, 0, 20, 131.0, 42.5) + steaming(2, 5, 20, 10.0, 55.0)
    rows += [(1, 47, 150.0, 0.0), (2, 52, 12.0, 55.0), (1, 47, 131.2, 42.6)]
    frame = track(rows)
    ref = segment_tracks(frame)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=3)
    out = segment_tracks(shuffled)
    assert out.select("source_id", "line").equals(shuffled.select("source_id", "line"))
    key = ["mmsi", "timestamp", "lon", "lat", "line"]
    assert out.sort(key).equals(ref.sort(key))
    assert segments_table(out).equals(segments_table(ref))
    assert frame.columns == list(TRACK)  # caller's frame untouched


def test_reported_speed_raises_the_limit() -> None:
    hop = [(4, 0, 0.0, 0.0), (4, 300, 0.0, 200.0 / 60.0)]  # 200 nm in 5 h: 40 kn
    fast = [(*r, 40.0) for r in hop]  # says 40 kn: limit max(25, 44) x 1.04
    assert segment_tracks(track(fast))["seg_id"].n_unique() == 1
    slow = [(*r, 5.0) for r in hop]  # says 5 kn: limit 25 x 1.04, two contradicting singles
    assert segment_tracks(track(slow))["is_noise"].to_list() == [True, True]
    garbled = [(*r, 51.2) for r in hop]  # 51.2 is a garbled SOG: ignored
    assert segment_tracks(track(garbled))["is_noise"].to_list() == [True, True]


def test_max_open_segments_closes_the_stalest() -> None:
    rows = [(6, i, 10.0 * i, 0.0) for i in range(5)]  # five places 600 nm apart, 1 min apart
    rows += [(6, 10, 0.0, 0.0), (6, 11, 0.0, 0.0)]  # back at the first place
    seg = segment_tracks(track(rows), params=SegmentParams(max_open_segments=2))
    assert labels(seg)[5] != labels(seg)[0]  # the first segment was closed
    seg = segment_tracks(track(rows))
    assert labels(seg)[5] == labels(seg)[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_hours", 0.0), ("max_speed_kn", -1.0), ("short_hop_nm", float("nan")),
     ("same_time_nm", -0.1), ("max_open_segments", 0), ("max_reported_sog_kn", 0.0)],
)  # fmt: skip
def test_bad_parameters(name: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=f"segments.{name}"):
        SegmentParams(**{name: value})


# ---------------------------------------------------------------------------------------
# A plain sequential implementation of the rule, to check the numba kernel against.


def reference(frame: pl.DataFrame, p: SegmentParams) -> list[str | None]:
    rows = frame.sort("mmsi", "timestamp", "source_id", "line").to_dicts()
    out: list[str | None] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j]["mmsi"] == rows[i]["mmsi"]:
            j += 1
        out += _reference_vessel(rows[i:j], p)
        i = j
    return out


def _speed_ok(a: dict[str, Any], b: dict[str, Any], p: SegmentParams) -> bool:
    dt_h = (b["timestamp"] - a["timestamp"]).total_seconds() / 3600
    d_nm = float(haversine_m(a["lon"], a["lat"], b["lon"], b["lat"])) / METRES_PER_NM
    if dt_h <= 0:
        return d_nm <= p.same_time_nm
    if d_nm <= 0:
        return True
    sogs = [s for s in (a["sog_kn"], b["sog_kn"]) if s is not None and s < p.max_reported_sog_kn]
    base = max([p.max_speed_kn] + [p.reported_speed_factor * s for s in sogs])
    return d_nm / dt_h <= base * (1 + (p.short_hop_nm / d_nm) ** 2)


def _reference_vessel(rows: list[dict[str, Any]], p: SegmentParams) -> list[str | None]:
    segs: list[list[int]] = []  # positions of each segment
    open_: list[int] = []  # open segment numbers, in creation order
    for i, r in enumerate(rows):
        open_ = [
            g for g in open_
            if (r["timestamp"] - rows[segs[g][-1]]["timestamp"]).total_seconds()
            <= p.max_hours * 3600
        ]  # fmt: skip
        best: tuple[int, float] | None = None
        choice = -1
        for g in open_:
            last = rows[segs[g][-1]]
            if not _speed_ok(last, r, p):
                continue
            dt_h = (r["timestamp"] - last["timestamp"]).total_seconds() / 3600
            dur_h = (last["timestamp"] - rows[segs[g][0]]["timestamp"]).total_seconds() / 3600
            key = (0 if len(segs[g]) >= 2 else 1, dt_h / max(1.0, dur_h))
            if best is None or key < best:
                best, choice = key, g
        if choice >= 0:
            segs[choice].append(i)
            continue
        if len(open_) == p.max_open_segments:
            stale = min(open_, key=lambda g: (rows[segs[g][-1]]["timestamp"], open_.index(g)))
            open_.remove(stale)
        segs.append([i])
        open_.append(len(segs) - 1)
    label: list[str | None] = [None] * len(rows)
    names: dict[str, int] = {}
    for members in segs:
        first = rows[members[0]]
        base = f"{first['mmsi']}-{first['timestamp']:%Y%m%dT%H%M%SZ}"
        names[base] = names.get(base, 0) + 1
        name = base if names[base] == 1 else f"{base}-{names[base]}"
        if len(members) == 1:
            k = members[0]
            near = [
                abs((rows[k]["timestamp"] - rows[m]["timestamp"]).total_seconds())
                <= p.max_hours * 3600
                for m in (k - 1, k + 1)
                if 0 <= m < len(rows)
            ]
            if any(near):
                continue
        for k in members:
            label[k] = name
    return label


position = st.tuples(
    st.integers(1, 3),  # mmsi
    st.integers(0, 60 * 30),  # minutes: some silences beyond max_hours
    st.floats(130.0, 132.0),
    st.floats(41.0, 43.0),
    st.one_of(st.none(), st.floats(0.0, 60.0)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(position, min_size=1, max_size=40), st.integers(1, 4))
def test_kernel_matches_the_reference(rows: list[tuple[Any, ...]], max_open: int) -> None:
    frame = prepare_tracks(
        pl.DataFrame(
            {
                "mmsi": [r[0] for r in rows],
                "timestamp": [T0 + timedelta(minutes=r[1]) for r in rows],
                "lon": [r[2] for r in rows],
                "lat": [r[3] for r in rows],
                "sog_kn": [r[4] for r in rows],
                "source_id": ["h"] * len(rows),
                "line": list(range(len(rows))),
            },
            schema_overrides={"sog_kn": pl.Float64},
        )
    )
    p = SegmentParams(max_open_segments=max_open, short_hop_nm=5.0)
    seg = segment_tracks(frame, params=p)
    assert labels(seg) == reference(frame, p)
    assert (seg["seg_id"].is_null() == seg["is_noise"]).all()
    table = segments_table(seg)
    assert int(table["n_positions"].sum()) == int((~seg["is_noise"]).sum())
    assert np.all(table["distance_m"].to_numpy() >= 0)


def test_definition_doc_matches_the_parameters() -> None:
    """src/darkfleet/definitions/segments.md and the module docstring name every parameter and default."""
    import dataclasses
    from pathlib import Path

    import darkfleet.tracks.segments as module

    doc = (
        Path(__file__).resolve().parents[2] / "src" / "darkfleet" / "definitions" / "segments.md"
    ).read_text()
    for f in dataclasses.fields(SegmentParams):
        default = f.default if not isinstance(f.default, float) else round(f.default, 4)
        row = f"| `{f.name}` | {default} |"
        assert row in doc, row
        assert f"``{f.name}``" in (module.__doc__ or "")
