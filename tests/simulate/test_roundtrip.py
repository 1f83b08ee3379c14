"""NMEA round trip: the written files ingest into a store and read back as the simulation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from darkfleet.ingest import ingest
from darkfleet.schema import POSITIONS, STATICS
from darkfleet.simulate import SimulationResult
from darkfleet.store import open_store


def test_nmea_ingests_back_to_the_simulated_reports(
    small_run: SimulationResult, tmp_path: Path
) -> None:
    files = [small_run.files["terrestrial_nmea"], small_run.files["satellite_nmea"]]
    report = ingest(tmp_path / "store", files)
    acc = [r.accounting for r in report.results]
    assert all(a.rejected == 0 and a.pending == 0 for a in acc)
    store = open_store(tmp_path / "store", create=False, read_only=True)
    sim = small_run.simulation
    got = store.positions()
    assert got.height == sim.positions.height
    key = ["mmsi", "timestamp", "msg_type"]
    shared = sim.truth["shared_mmsi"]["mmsi"].to_list()  # two ships may report the same second
    mine = sim.positions.filter(~pl.col("mmsi").is_in(shared))
    joined = mine.join(got, on=key, how="left", suffix="_got")
    assert joined.height == mine.height
    assert joined["lon_got"].null_count() == 0  # every report came back, with its time
    assert ((joined["lon"] - joined["lon_got"]).abs() < 2e-6).all()
    assert ((joined["lat"] - joined["lat_got"]).abs() < 2e-6).all()
    assert ((joined["sog_kn"] - joined["sog_kn_got"]).abs() < 0.051).all()
    assert (joined["nav_status"].fill_null(-1) == joined["nav_status_got"].fill_null(-1)).all()
    st = store.statics()
    assert st.height == sim.statics.height
    order = ["mmsi", "timestamp", "imo", "draught_m"]
    a = sim.statics.filter(pl.col("msg_type") == 5).sort(order)
    b = st.filter(pl.col("msg_type") == 5).sort(order)
    assert a["draught_m"].to_list() == b["draught_m"].to_list()
    assert a["imo"].to_list() == b["imo"].to_list()
    assert a["shipname"].to_list() == b["shipname"].to_list()
    assert a["destination"].to_list() == b["destination"].to_list()


def test_tag_blocks_name_the_station_and_satellite_lines_carry_epochs(
    small_run: SimulationResult,
) -> None:
    ter = small_run.files["terrestrial_nmea"].read_text().splitlines()
    sat = small_run.files["satellite_nmea"].read_text().splitlines()
    assert ter and sat
    assert all(line.startswith("\\") for line in ter)
    stations = {line.split("s:")[1].split(",")[0].split("*")[0] for line in ter if "s:" in line}
    assert stations <= {s["code"] for s in small_run.summary["stations"]}
    assert all(line.startswith("!AIVDM") and line.rsplit(",", 1)[1].isdigit() for line in sat)


def test_canonical_parquet_matches_the_schema(small_run: SimulationResult) -> None:
    pos = pl.read_parquet(small_run.files["positions"])
    st = pl.read_parquet(small_run.files["statics"])
    assert list(pos.columns)[: len(POSITIONS)] == list(POSITIONS)
    assert list(st.columns)[: len(STATICS)] == list(STATICS)
    assert dict(pos.select(list(POSITIONS)).schema) == POSITIONS
    assert pos["line"].to_list() == list(range(1, pos.height + 1))
    assert pos["source_id"].n_unique() == 1 and len(pos["source_id"][0]) == 16
    assert pos.height == small_run.simulation.positions.height


def test_summary_lists_files_and_counts(small_run: SimulationResult) -> None:
    s = small_run.summary
    assert s["positions"] == small_run.simulation.positions.height
    assert (
        s["files"]["terrestrial_nmea"]["bytes"]
        == small_run.files["terrestrial_nmea"].stat().st_size
    )
    assert set(s["truth_files"]) == set(small_run.truth)
    assert (small_run.out_dir / "scenario.toml").is_file()


def test_windowed_writing_keeps_every_message(
    small_run: SimulationResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from darkfleet.simulate import output

    monkeypatch.setattr(output, "_CHUNK", 3000)  # many windows
    paths = output.write_ais_nmea(small_run.simulation, tmp_path / "ais")
    for name, path in paths.items():
        assert path.read_bytes().count(b"\n") == small_run.files[name].read_bytes().count(b"\n")
    report = ingest(tmp_path / "store", list(paths.values()))
    assert (
        sum(r.rows_by_table["positions"] for r in report.results)
        == small_run.simulation.positions.height
    )
