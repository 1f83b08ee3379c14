"""Exports: GeoParquet (with geo metadata), GeoPackage, GeoJSON and CSV carry the same rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from darkfleet.errors import ConfigError
from darkfleet.events import evidence_from_columns, with_event_ids
from darkfleet.export import export_events, flatten_for_export


def _gaps() -> pl.DataFrame:
    t = datetime(2024, 10, 1, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "mmsi": [273000001, 273000002],
            "start_time": [t, t],
            "end_time": [datetime(2024, 10, 2, tzinfo=UTC), None],
            "start_lon": [130.3, 131.0],
            "start_lat": [42.2, 42.5],
            "end_lon": [133.0, None],
            "end_lat": [42.7, None],
            "name": ["<script>alert(1)</script>", 'Ω, "quoted"'],
            "src": ["aaaa", "bbbb"],
            "ln": [10, 20],
        }
    )
    return with_event_ids(frame, "gap", ["mmsi", "start_time"]).with_columns(
        evidence_from_columns(("src", "ln"))
    )


def _activity() -> pl.DataFrame:
    return pl.DataFrame({"port_id": ["WPI-60510"], "date": [date(2024, 10, 1)], "arrivals": [3]})


def test_every_format_round_trips(tmp_path: Path) -> None:
    paths = export_events({"gaps": _gaps(), "port_activity": _activity()}, tmp_path)
    names = sorted(p.name for p in paths)
    assert names == sorted(
        [
            "gaps.parquet",
            "port_activity.parquet",
            "events.gpkg",
            "gaps.geojson",
            "port_activity.geojson",
            "gaps.csv",
            "port_activity.csv",
        ]
    )
    meta = json.loads(pq.read_schema(tmp_path / "gaps.parquet").metadata[b"geo"])
    assert meta["primary_column"] == "geometry"
    assert meta["columns"]["geometry"]["geometry_types"] == ["LineString", "Point"]
    back = pl.read_parquet(tmp_path / "gaps.parquet")
    assert back.drop("geometry").equals(_gaps())

    gj = json.loads((tmp_path / "gaps.geojson").read_text(encoding="utf-8"))
    feats = gj["features"]
    assert feats[0]["geometry"] == {
        "type": "LineString",
        "coordinates": [[130.3, 42.2], [133.0, 42.7]],
    }
    assert feats[1]["geometry"]["type"] == "Point"
    assert feats[0]["properties"]["evidence"] == "aaaa:10"
    assert feats[0]["properties"]["start_time"] == "2024-10-01T00:00:00Z"
    assert feats[0]["properties"]["name"] == "<script>alert(1)</script>"

    csv = pl.read_csv(tmp_path / "gaps.csv")
    assert csv["geometry_wkt"][0].startswith("LINESTRING")
    assert csv["name"].to_list() == _gaps()["name"].to_list()

    pyogrio = pytest.importorskip("pyogrio")
    layers = dict(pyogrio.list_layers(tmp_path / "events.gpkg").tolist())
    assert layers == {"gaps": "Unknown", "port_activity": None}
    gdf = pyogrio.read_dataframe(tmp_path / "events.gpkg", layer="gaps")
    assert gdf["evidence"].tolist() == ["aaaa:10", "bbbb:20"]
    assert gdf.geometry.iloc[0].geom_type == "LineString"


def test_exports_are_deterministic(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        export_events({"gaps": _gaps()}, tmp_path / sub, formats=["geoparquet", "geojson", "csv"])
    for name in ("gaps.parquet", "gaps.geojson", "gaps.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown export format"):
        export_events({"gaps": _gaps()}, tmp_path, formats=["shp"])


def test_flatten_keeps_scalars_and_joins_lists() -> None:
    frame = pl.DataFrame({"a": [1], "tags": [["x", "y"]]})
    assert flatten_for_export(frame).to_dicts() == [{"a": 1, "tags": "x;y"}]


def test_an_empty_event_table_exports_in_every_format(tmp_path: Path) -> None:
    from darkfleet.events.base import BASE

    written = export_events({"gaps": pl.DataFrame(schema=BASE)}, tmp_path)
    assert {p.suffix for p in written} == {".parquet", ".gpkg", ".geojson", ".csv"}
    header = (tmp_path / "gaps.csv").read_text().splitlines()
    assert len(header) == 1 and header[0].startswith("event_id,") and "geometry_wkt" in header[0]
