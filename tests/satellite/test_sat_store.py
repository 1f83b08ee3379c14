"""Satellite tables in the store (atomic set), simulated scenes in the KSAT layout, and
``darkfleet match`` end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import shapely
from typer.testing import CliRunner

import darkfleet
from darkfleet.cli import app
from darkfleet.errors import ConfigError, StoreError
from darkfleet.satellite import read_detections
from darkfleet.satellite.simulate import (
    TRUTH,
    SimulatedScenes,
    najin_scenes,
    simulate_scenes,
    write_ksat_csv,
)
from darkfleet.satellite.store import (
    read_satellite,
    satellite_manifest,
    satellite_tables,
    write_satellite,
)

from .test_match import AIS, _detections, _scenes


def test_write_read_replace(tmp_path: Path) -> None:
    store = darkfleet.open_store(tmp_path / "s")
    assert satellite_tables(store) == [] and satellite_manifest(store.root) == {}
    with pytest.raises(StoreError, match="no satellite tables"):
        read_satellite(store, "dark")
    a = pl.DataFrame({"x": [1, 2]})
    write_satellite(store, {"dark": a, "matches": a.head(1)}, {"parameters": {"k": 1}})
    assert satellite_tables(str(store.root)) == ["dark", "matches"]
    assert read_satellite(store.root, "dark").equals(a)
    assert satellite_manifest(store)["tables"] == {"dark": 2, "matches": 1}
    write_satellite(store.root, {"missed": a}, {})  # the whole set is replaced
    assert satellite_tables(store) == ["missed"]
    with pytest.raises(ConfigError, match="the tables are: missed"):
        read_satellite(store, "dark")
    assert (
        not (store.root / "satellite.new").exists() and not (store.root / "satellite.old").exists()
    )
    # a crash between the two renames is finished by the next reader
    (store.root / "satellite").rename(store.root / "satellite.new")
    assert satellite_tables(store) == ["missed"]
    with pytest.raises(StoreError, match="not a store directory"):
        write_satellite(tmp_path / "nowhere", {}, {})


def _noaa_csv(path: Path) -> Path:
    frame = AIS.select(
        pl.col("mmsi").alias("MMSI"),
        pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S").alias("BaseDateTime"),
        pl.col("lat").alias("LAT"),
        pl.col("lon").alias("LON"),
        pl.col("sog_kn").fill_null(0.0).alias("SOG"),
        pl.col("cog_deg").fill_null(360.0).alias("COG"),
        pl.lit(511).alias("Heading"),
        pl.lit("").alias("VesselName"),
        pl.lit("").alias("IMO"),
        pl.lit("").alias("CallSign"),
        pl.lit(70).alias("VesselType"),
        pl.lit(0).alias("Status"),
        pl.col("mmsi").replace_strict({111: 120, 222: 90, 333: 60}).alias("Length"),
        pl.lit(20).alias("Width"),
        pl.lit(6.0).alias("Draft"),
    )
    frame.write_csv(path)
    return path


def test_darkfleet_match_cli(tmp_path: Path) -> None:
    store = darkfleet.open_store(tmp_path / "store")
    darkfleet.ingest(store, [_noaa_csv(tmp_path / "ais.csv")])
    det = _detections([(130.2005, 42.2003, 118.0), (130.0, 42.0, 40.0), (130.3502, 42.4501, 55.0)])
    sim = SimulatedScenes(det, _scenes(), pl.DataFrame(schema=TRUTH))
    csv = write_ksat_csv(sim, tmp_path / "ksat.csv")
    result = CliRunner().invoke(
        app,
        ["match", str(store.root), "--detections", str(csv), "--set", "window_h=6"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert (
        "3 detections: 1 matched, 2 dark; 1 AIS vessels in a footprint not detected"
        in result.output
    )
    assert satellite_tables(store) == [
        "dark",
        "detection_rejects",
        "detections",
        "expected",
        "matches",
        "missed",
        "port_scenes",
        "scenes",
    ]
    m = read_satellite(store, "matches").row(0, named=True)
    assert m["mmsi"] == 111 and m["ais_length_m"] == 120.0
    assert [e["line"] for e in m["evidence"]] == [2, 3]  # CSV lines of the two fixes
    manifest = json.loads((store.root / "satellite" / "manifest.json").read_text())
    assert manifest["parameters"]["match"]["window_h"] == 6.0
    bad = CliRunner().invoke(
        app, ["match", str(store.root), "--detections", str(csv), "--set", "nope=1"]
    )
    assert bad.exit_code == 2 and "unknown" in bad.output


def test_simulated_scenes_round_trip_through_the_ksat_reader(tmp_path: Path) -> None:
    from darkfleet.simulate import Scenario, simulate

    sim = simulate(Scenario(end=datetime(2024, 9, 6, tzinfo=UTC), n_decoys=4, seed=11))
    specs = najin_scenes(sim, every_days=1.0, at_sea=2)
    a = simulate_scenes(sim, specs)
    b = simulate_scenes(sim, specs)
    assert a.detections.equals(b.detections) and a.truth.equals(b.truth)
    assert a.detections.height == a.truth.height > 10
    assert a.truth["false_alarm"].sum() > 0 and (~a.truth["false_alarm"]).sum() > 0
    back = read_detections(write_ksat_csv(a, tmp_path / "sim.csv"))
    assert back.rejects.height == 0
    assert back.detections.height == a.detections.height
    assert sorted(back.scenes["scene_id"]) == sorted(
        s.id for s in specs if any(a.detections["scene_id"] == s.id)
    )
    assert all(shapely.from_wkt(w).is_valid for w in back.scenes["footprint_wkt"])
    cols = ["detection_id", "scene_id", "start_time", "end_time", "lon", "lat", "length_m"]
    assert (
        back.detections.select(cols)
        .sort("detection_id")
        .equals(a.detections.select(cols).sort("detection_id"))
    )
    assert set(back.detections["sensor"]) == {"RADARSAT-2"}
