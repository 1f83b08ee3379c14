"""detect_gaps: hand-built tracks with known gaps, open gaps, the likely-disabled rule, and the
kernel against a plain sequential implementation (pipe-gaps' definition)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError
from darkfleet.geo import METRES_PER_NM
from darkfleet.tracks import TRACK, prepare_tracks
from darkfleet.tracks.gaps import GAPS, GapParams, detect_gaps
from darkfleet.tracks.segments import segment_tracks

T0 = datetime(2024, 10, 1, tzinfo=UTC)
OFFSHORE = (150.0, 30.0)  # north-west Pacific, > 300 nm from any coast
NAJIN = (130.33, 42.22)  # in the port


def track(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    """(mmsi, hours after T0, lon, lat) → a segmented track frame (lines 1, 2, …)."""
    frame = prepare_tracks(
        pl.DataFrame(
            {
                "mmsi": [r[0] for r in rows],
                "timestamp": [T0 + timedelta(hours=r[1]) for r in rows],
                "lon": [float(r[2]) for r in rows],
                "lat": [float(r[3]) for r in rows],
                "sog_kn": [5.0] * len(rows),
                "source_id": ["s"] * len(rows),
                "line": list(range(1, len(rows) + 1)),
            }
        )
    )
    return segment_tracks(frame)


def reporting(mmsi: int, start_h: float, hours: float, every_min: float, at: tuple[float, float],
              kn: float = 0.0) -> list[tuple[Any, ...]]:  # fmt: skip
    """Positions every ``every_min`` minutes for ``hours`` hours, drifting north at ``kn``."""
    n = round(hours * 60 / every_min) + 1
    return [
        (mmsi, start_h + i * every_min / 60, at[0], at[1] + kn * i * every_min / 60 / 60)
        for i in range(n)
    ]


def test_empty() -> None:
    gaps = detect_gaps(segment_tracks(pl.DataFrame(schema=TRACK)))
    assert gaps.height == 0 and gaps.schema == pl.Schema(GAPS)


def test_one_position() -> None:
    one = track([(1, 0, *OFFSHORE)])
    assert detect_gaps(one).height == 0  # analysis_end = its own time
    gaps = detect_gaps(one, analysis_end=T0 + timedelta(hours=7))
    row = gaps.row(0, named=True)
    assert row["is_open"] and row["end_time"] is None and row["duration_h"] is None
    assert row["positions_before"] == 1 and row["seg_id"] == "1-20241001T000000Z"


def test_closed_gap_values() -> None:
    before = reporting(1, 0, 12, 30, OFFSHORE)  # 25 positions, 12 h
    after = [(1, 32, OFFSHORE[0], OFFSHORE[1] + 1.0)]  # 20 h later, 60 nm north
    gaps = detect_gaps(track(before + after))
    assert gaps.height == 1
    g = gaps.row(0, named=True)
    assert g["event_type"] == "gap" and g["mmsi"] == 1
    assert g["start_time"] == T0 + timedelta(hours=12)
    assert g["end_time"] == T0 + timedelta(hours=32)
    assert g["duration_h"] == pytest.approx(20.0)
    assert g["distance_m"] == pytest.approx(60 * METRES_PER_NM, rel=2e-3)
    assert g["implied_speed_kn"] == pytest.approx(3.0, rel=2e-3)
    assert (g["lon"], g["lat"]) == (g["start_lon"], g["start_lat"]) == OFFSHORE
    assert g["end_lat"] == OFFSHORE[1] + 1.0
    assert g["positions_before"] == 25  # [off - 12 h, off], the off position included
    assert g["start_shore_km"] > 500 and g["end_shore_km"] > 500
    assert g["seg_id"] is None  # 20 h > max_hours: the ends are in two segments
    assert not g["is_open"] and g["likely_disabled"]
    assert g["reason"].startswith("likely disabled: dark 20.0 h (>= 12 h), started ")
    assert g["evidence"] == [{"source_id": "s", "line": 25}, {"source_id": "s", "line": 26}]


def test_threshold_is_strict_and_short_gaps_keep_their_segment() -> None:
    rows = [(1, 0, *OFFSHORE), (1, 6, *OFFSHORE), (1, 13, *OFFSHORE)]
    gaps = detect_gaps(track(rows))
    assert gaps["duration_h"].to_list() == [7.0]  # exactly 6 h is not a gap (pipe-gaps: >)
    assert gaps["seg_id"].to_list() == ["1-20241001T000000Z"]  # 7 h < max_hours: same segment
    assert gaps["reason"].to_list()[0].startswith("not flagged: dark 7.0 h (< 12 h)")


def test_open_gaps() -> None:
    rows = reporting(1, 0, 12, 30, OFFSHORE) + reporting(2, 0, 30, 60, (140.0, 20.0))
    seg = track(rows)
    gaps = detect_gaps(seg)  # analysis_end = latest timestamp: 30 h
    assert gaps["mmsi"].to_list() == [1]
    g = gaps.row(0, named=True)
    assert g["is_open"] and g["end_lon"] is None and g["distance_m"] is None
    assert g["implied_speed_kn"] is None and g["end_shore_km"] is None
    assert g["likely_disabled"] and "dark 18.0 h so far (open)" in g["reason"]
    assert g["evidence"] == [{"source_id": "s", "line": 25}]
    end = T0 + timedelta(hours=36)  # exactly min_gap_h after mmsi 2's last position
    assert detect_gaps(seg, analysis_end=end)["mmsi"].to_list() == [1]
    later = detect_gaps(seg, analysis_end=end + timedelta(seconds=1))
    assert later["mmsi"].to_list() == [1, 2]
    with pytest.raises(ConfigError, match="time zone"):
        detect_gaps(seg, analysis_end=datetime(2024, 10, 3))


def test_likely_disabled_tests_each_criterion() -> None:
    def one(rows: list[tuple[Any, ...]], **kw: Any) -> dict[str, Any]:
        gaps = detect_gaps(track(rows), params=GapParams(**kw))
        assert gaps.height == 1
        return gaps.row(0, named=True)

    offshore = [*reporting(1, 0, 12, 30, OFFSHORE), (1, 40, 150.5, 30.0)]
    assert one(offshore)["likely_disabled"]
    port = [*reporting(1, 0, 12, 30, NAJIN), (1, 40, *NAJIN)]
    g = one(port)
    assert not g["likely_disabled"] and "nm from shore (<= 50 nm)" in g["reason"]
    sparse = [*reporting(1, 0, 12, 60, OFFSHORE), (1, 40, 150.5, 30.0)]  # 13 positions
    g = one(sparse)
    assert not g["likely_disabled"]
    assert g["reason"] == "not flagged: 13 positions in the 12 h before (< 14)"
    assert one(sparse, disabled_min_positions=13)["likely_disabled"]
    short = [*reporting(1, 0, 12, 30, OFFSHORE), (1, 23, 150.5, 30.0)]  # 11 h
    assert not one(short)["likely_disabled"]
    to_port = [*reporting(1, 0, 12, 30, OFFSHORE), (1, 90, *NAJIN)]
    assert one(to_port)["likely_disabled"]
    g = one(to_port, disabled_check_end_shore=True)
    assert not g["likely_disabled"] and "ended " in g["reason"]


def test_noise_is_left_out() -> None:
    rows = reporting(1, 0, 12, 30, OFFSHORE)
    rows.insert(10, (1, 4.9, 10.0, 10.0))  # a glitch on the other side of the world
    seg = track(rows)
    assert seg["is_noise"].sum() == 1
    assert detect_gaps(seg).height == 0


def test_shuffled_input_same_gaps() -> None:
    rows = [*reporting(1, 0, 12, 30, OFFSHORE), (1, 40, 150.5, 30.0)]
    rows += [*reporting(2, 3, 5, 20, (140.0, 20.0)), (2, 30, 140.0, 20.5)]
    seg = track(rows)
    ref = detect_gaps(seg)
    assert ref["is_open"].to_list() == [False, False, True]  # mmsi 2 silent 10 h at the end
    shuffled = seg.sample(fraction=1.0, shuffle=True, seed=11)
    assert detect_gaps(shuffled).equals(ref)


@pytest.mark.parametrize(
    ("name", "value"),
    [("min_gap_h", 0.0), ("reception_window_h", -1.0), ("disabled_min_h", float("inf")),
     ("disabled_min_shore_nm", -5.0), ("disabled_min_positions", -1)],
)  # fmt: skip
def test_bad_parameters(name: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=f"gaps.{name}"):
        GapParams(**{name: value})


def reference(seg: pl.DataFrame, p: GapParams, end: datetime) -> list[tuple[Any, ...]]:
    """pipe-gaps' GapDetector rule, sequentially: (mmsi, off time, on time, positions)."""
    rows = seg.filter(~pl.col("is_noise")).sort("mmsi", "timestamp", "source_id", "line")
    out = []
    for (mmsi,), g in rows.group_by("mmsi", maintain_order=True):
        ts = [*g["timestamp"].to_list(), None]
        for off, on in itertools.pairwise(ts):
            stop = on if on is not None else end
            if (stop - off).total_seconds() > p.min_gap_h * 3600:
                lo = off - timedelta(hours=p.reception_window_h)
                n = sum(1 for x in ts[:-1] if lo <= x < off) + 1
                out.append((mmsi, off, on, n))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.integers(0, 96 * 4), st.floats(149.0, 151.0)),
        min_size=1,
        max_size=50,
    ),
    st.integers(0, 24 * 4),
)
def test_kernel_matches_the_reference(rows: list[tuple[int, int, float]], extra: int) -> None:
    seg = track([(m, q / 4, lon, 30.0) for m, q, lon in rows])
    last = seg["timestamp"].max()
    assert isinstance(last, datetime)
    end = last + timedelta(minutes=15 * extra)
    p = GapParams(min_gap_h=3.0, reception_window_h=5.0)
    gaps = detect_gaps(seg, params=p, analysis_end=end)
    got = list(gaps.select("mmsi", "start_time", "end_time", "positions_before").iter_rows())
    assert sorted(got, key=str) == sorted(reference(seg, p, end), key=str)
    assert (gaps["is_open"] == gaps["end_time"].is_null()).all()


def test_definition_doc_matches_the_parameters() -> None:
    """src/darkfleet/definitions/gaps.md and the module docstring name every parameter and default."""
    import dataclasses
    from pathlib import Path

    import darkfleet.tracks.gaps as module

    doc = (
        Path(__file__).resolve().parents[2] / "src" / "darkfleet" / "definitions" / "gaps.md"
    ).read_text()
    for f in dataclasses.fields(GapParams):
        default = str(f.default).lower() if isinstance(f.default, bool) else f.default
        row = f"| `{f.name}` | {default} |"
        assert row in doc, row
        assert f"``{f.name}``" in (module.__doc__ or "")
