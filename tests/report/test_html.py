"""The escaping helpers and the track decimation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from darkfleet.report import TrackRule, decimate_tracks
from darkfleet.report.html import Html, el, esc, script_json, table

from .hostile import HOSTILE


def test_esc_and_el_escape_text_and_attributes() -> None:
    for text in HOSTILE:
        out = el("p", text, title=text, data_x=text)
        assert "<script" not in out and "<img" not in out and "<b>" not in out
        assert out.count("<p ") == 1 and out.endswith("</p>")
    assert esc(Html("<b>ok</b>")) == "<b>ok</b>"  # markup built by the module stays markup
    assert el("a", "x", class_="c", data_n=3, hidden=True, skip=None) == (
        '<a class="c" data-n="3" hidden>x</a>'
    )


def test_table_escapes_cells() -> None:
    out = table([("name", "<Name>")], [{"name": t} for t in HOSTILE])
    assert "<script>" not in out and "<img" not in out and "&lt;Name&gt;" in out


@given(st.text())
def test_script_json_round_trips_and_cannot_close_a_script(text: str) -> None:
    value = {"name": text, "list": [text, 1.5, None]}
    out = script_json(value)
    assert "<" not in out and ">" not in out and "&" not in out
    assert "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == value


def test_script_json_nan_is_null() -> None:
    assert json.loads(script_json({"x": float("nan"), "y": [float("inf")]})) == {
        "x": None,
        "y": [None],
    }


def _positions(n: int, step_s: int = 60) -> pl.DataFrame:
    t0 = datetime(2024, 10, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "mmsi": [1] * n,
            "timestamp": [t0 + timedelta(seconds=step_s * i) for i in range(n)],
            "lon": [130 + 0.001 * i for i in range(n)],
            "lat": [42 + 0.01 * ((i // 7) % 2) for i in range(n)],  # a zigzag DP keeps
        }
    )


def test_decimation_caps_points_per_vessel_segment_day() -> None:
    frame = _positions(1440)  # one day, one position a minute
    tracks, counts = decimate_tracks(frame, TrackRule(max_points=300))
    assert counts["positions"] == 1440 and counts["parts"] == 1
    assert 2 < counts["points"] <= 301
    part = tracks[1][0]
    assert part[0] == [42.0, 130.0]  # first position kept, [lat, lon]
    assert part[-1] == [round(frame["lat"][-1], 4), round(frame["lon"][-1], 4)]


def test_decimation_breaks_at_gaps_and_jumps_not_at_midnight() -> None:
    t0 = datetime(2024, 10, 1, 23, tzinfo=UTC)
    times = [t0 + timedelta(minutes=10 * i) for i in range(12)]  # crosses midnight
    times += [times[-1] + timedelta(hours=8 + i) for i in range(3)]  # after a silence
    lons = [130 + 0.01 * i for i in range(12)] + [131.0, 131.01, 135.0]  # last one: a jump
    frame = pl.DataFrame({"mmsi": [7] * 15, "timestamp": times, "lon": lons, "lat": [42.0] * 15})
    tracks, counts = decimate_tracks(frame, TrackRule(break_h=6))
    assert counts["positions"] == 15
    assert len(tracks[7]) == 3  # midnight joined; silence and jump break the line
    assert frame.height == 15  # input untouched


def test_decimation_skips_invalid_coordinates() -> None:
    frame = _positions(5).with_columns(
        lon=pl.Series([181.0, 130.0, None, 130.1, 130.2]), lat=pl.Series([91.0, 42, 42, 42, 42])
    )
    _, counts = decimate_tracks(frame)
    assert counts["positions"] == 3
