"""The track frame: rows without time or place left out, duplicates kept once, total order."""

from __future__ import annotations

import datetime as dt

import polars as pl

from darkfleet.tracks import TRACK, prepare_tracks, vessel_offsets

T = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "mmsi": [2, 1, 1, 1, 1, 1, None],
            "timestamp": [T, T, T, T, T + dt.timedelta(hours=1), None, T],
            "lon": [5.0, 2.0, 3.0, 2.0, 2.0, 1.0, 1.0],
            "lat": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            "source_id": ["a", "b", "a", "a", "a", "a", "a"],
            "line": [1, 2, 3, 4, 5, 6, 7],
        }
    )


def test_duplicates_once_first_by_provenance_and_sorted() -> None:
    out = prepare_tracks(_frame())
    assert out.columns == list(TRACK)
    # (1, T, 2.0, 1.0) came from b:2 and a:4: a:4 is first by (source_id, line)
    assert out.select("mmsi", "lon", "source_id", "line").rows() == [
        (1, 3.0, "a", 3),
        (1, 2.0, "a", 4),
        (1, 2.0, "a", 5),
        (2, 5.0, "a", 1),
    ]
    assert vessel_offsets(out["mmsi"]).tolist() == [0, 3, 4]


def test_any_input_order_gives_the_same_frame() -> None:
    ref = prepare_tracks(_frame())
    for seed in range(5):
        shuffled = _frame().sample(fraction=1.0, shuffle=True, seed=seed)
        assert prepare_tracks(shuffled.lazy()).equals(ref)
