"""The store's event set: replaced whole, filtered by vessel and time, visible to SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from darkfleet import open_store
from darkfleet.errors import ConfigError, StoreError


def _frame(mmsi: list[int], days: list[int], other: list[int] | None = None) -> pl.DataFrame:
    data: dict[str, object] = {
        "mmsi": mmsi,
        "start_time": [datetime(2024, 10, d, tzinfo=UTC) for d in days],
        "end_time": [datetime(2024, 10, d, 12, tzinfo=UTC) for d in days],
    }
    if other is not None:
        data["other_mmsi"] = other
    return pl.DataFrame(data)


def test_write_read_filter_and_replace(tmp_path: Path) -> None:
    st = open_store(tmp_path / "s")
    with pytest.raises(StoreError, match="no events yet"):
        st.event_types()
    gaps = _frame([1, 2, 3], [1, 5, 9])
    enc = _frame([1, 2], [2, 3], other=[5, 1])
    st.write_events({"gaps": gaps, "encounters": enc}, {"parameters": {"gaps": {"min_gap_h": 6}}})
    assert st.event_types() == ["encounters", "gaps"]
    assert st.events("gaps").equals(gaps)
    assert st.events("gaps", mmsi=2)["mmsi"].to_list() == [2]
    # two-vessel events match either vessel
    assert st.events("encounters", mmsi=1)["other_mmsi"].to_list() == [5, 1]
    # overlap with [start, end)
    got = st.events("gaps", start="2024-10-05T06:00:00Z", end="2024-10-09T00:00:00Z")
    assert got["mmsi"].to_list() == [2]
    manifest = st.events_manifest()
    assert manifest["tables"] == {"encounters": 2, "gaps": 3}
    assert manifest["parameters"]["gaps"]["min_gap_h"] == 6
    assert st.sql("SELECT count(*) AS n FROM gaps")["n"][0] == 3
    with pytest.raises(ConfigError, match="no event type 'loitering'"):
        st.events("loitering")
    # a new analysis replaces the whole set
    st.write_events({"gaps": gaps.head(1)}, {})
    assert st.event_types() == ["gaps"]
    assert not (st.root / "events.old").exists() and not (st.root / "events.new").exists()


def test_interrupted_swap_is_finished_by_the_next_reader(tmp_path: Path) -> None:
    st = open_store(tmp_path / "s")
    st.write_events({"gaps": _frame([1], [1])}, {})
    # simulate a crash between the two renames: events moved aside, new set not yet in place
    (st.root / "events").rename(st.root / "events.new")
    assert st.event_types() == ["gaps"]


def test_read_only_store_cannot_write_events(tmp_path: Path) -> None:
    open_store(tmp_path / "s")
    ro = open_store(tmp_path / "s", read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        ro.write_events({"gaps": _frame([1], [1])}, {})


def test_event_files_are_byte_identical_for_the_same_input(tmp_path: Path) -> None:
    blobs = []
    for name in ("a", "b"):
        st = open_store(tmp_path / name)
        st.write_events({"gaps": _frame([1, 2], [1, 2])}, {"parameters": {"x": 1}})
        blobs.append(
            [(st.root / "events" / f).read_bytes() for f in ("gaps.parquet", "manifest.json")]
        )
    assert blobs[0] == blobs[1]
