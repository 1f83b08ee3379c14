"""Detection readers: the real KSAT deliveries, xView3 and generic layouts, round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import shapely

from darkfleet.errors import FormatError, InputError, SchemaError
from darkfleet.satellite import DETECTIONS, SCENES, DetectionSet, read_detections
from darkfleet.satellite.readers import sniff_format, write_detections

KSAT = "detections/gfw_ksat_rs2"


def _ksat_scene_counts(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in sorted(folder.glob("ksat-detections-*.csv")):
        for sid in pl.read_csv(f, infer_schema=False)["scene_id"].to_list():
            counts[sid] = counts.get(sid, 0) + 1
    return counts


@pytest.mark.shared
def test_real_ksat_csv_loads_completely(shared_data: Path) -> None:
    folder = shared_data / KSAT
    expected = _ksat_scene_counts(folder)
    sets = [read_detections(f) for f in sorted(folder.glob("ksat-detections-*.csv"))]
    total = sum(s.detections.height for s in sets)
    assert total == sum(expected.values()) == 493
    for s in sets:
        assert s.rejects.height == 0
        assert s.detections.schema == pl.Schema(DETECTIONS)
        assert s.scenes.schema == pl.Schema(SCENES)
        assert s.detections["line"].min() == 2  # header is line 1
        assert s.detections.null_count().row(0) == (0,) * len(DETECTIONS)
        assert s.detections["confidence"].is_between(0.0, 1.0).all()
        assert set(s.detections["sensor"]) == {"RADARSAT-2"}
    scenes = pl.concat([s.scenes for s in sets])
    assert dict(zip(scenes["scene_id"], scenes["n_detections"], strict=True)) == expected
    for wkt in scenes["footprint_wkt"]:
        geom = shapely.from_wkt(wkt)
        assert geom.geom_type == "Polygon" and geom.is_valid and geom.area > 1.0


@pytest.mark.shared
def test_real_ksat_folder_merges_csv_and_geojson(shared_data: Path) -> None:
    folder = shared_data / KSAT
    dset = read_detections(folder)
    expected = _ksat_scene_counts(folder)
    assert dset.detections.height == 493
    assert dset.detections["detection_id"].n_unique() == 493
    assert dset.scenes.height == 24 == len(expected)
    assert dict(zip(dset.scenes["scene_id"], dset.scenes["n_detections"], strict=True)) == expected
    assert all(shapely.from_wkt(w).is_valid for w in dset.scenes["footprint_wkt"])
    # every detection lies in (or within 5 km of) its scene's footprint
    joined = dset.detections.join(dset.scenes.select("scene_id", "footprint_wkt"), on="scene_id")
    polys = shapely.from_wkt(joined["footprint_wkt"].to_numpy())
    pts = shapely.points(joined["lon"].to_numpy(), joined["lat"].to_numpy())
    assert (shapely.distance(polys, pts) < 0.05).all()
    # the matching table beside the deliveries is not a detections file: kept as a reject
    assert dset.rejects["reason"].to_list() == ["not_a_detections_file"]
    assert dset.scenes["start_time"].dt.year().min() == 2019


@pytest.mark.shared
def test_real_ksat_geojson_matches_csv(shared_data: Path) -> None:
    folder = shared_data / KSAT
    geo = DetectionSet.concat([read_detections(f) for f in sorted((folder / "geojson").iterdir())])
    csv = DetectionSet.concat(
        [read_detections(f) for f in sorted(folder.glob("ksat-detections-*.csv"))]
    )
    assert geo.detections.height == csv.detections.height == 493
    cols = ["detection_id", "scene_id", "start_time", "length_m", "width_m", "confidence"]
    a, b = geo.detections.sort("detection_id"), csv.detections.sort("detection_id")
    assert a.select(cols).equals(b.select(cols))
    assert (a["lon"] - b["lon"]).abs().max() < 1e-5  # type: ignore[operator]
    assert set(geo.scenes["sensor"]) == {"RADARSAT-2"}


XVIEW3 = (
    "detect_lat,detect_lon,vessel_length_m,source,detect_scene_row,detect_scene_column,"
    "is_vessel,is_fishing,distance_from_shore_km,scene_id,confidence,top,left,bottom,right\n"
    "42.2,130.4,80.5,manual,100,200,True,False,3.2,abc123t,HIGH,95,190,105,210\n"
    "42.3,130.5,,ais,300,400,True,,5.0,abc123t,MEDIUM,,,,\n"
    "42.4,130.6,,manual,310,410,False,,5.0,abc123t,LOW,,,,\n"
    ",,,manual,320,420,True,,,abc123t,LOW,,,,\n"
    "95.0,130.6,,manual,330,430,True,,,abc123t,0.4,,,,\n"
)


def test_xview3_layout(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text(XVIEW3)
    assert sniff_format(p) == "xview3_csv"
    dset = read_detections(p, time="2020-01-26T05:19:26Z")
    det = dset.detections
    assert det["detection_id"].to_list() == ["abc123t:2", "abc123t:3"]
    assert det["confidence"].to_list() == [1.0, 0.67]
    assert det["length_m"].to_list() == [80.5, None]
    assert det["start_time"].to_list() == [datetime(2020, 1, 26, 5, 19, 26, tzinfo=UTC)] * 2
    reasons = dict(zip(dset.rejects["line"], dset.rejects["reason"], strict=True))
    assert reasons == {4: "not_a_vessel", 5: "no_position", 6: "bad_position"}
    assert dset.rejects["raw"][0].startswith("42.4,130.6")
    assert dset.scenes["scene_id"].to_list() == ["abc123t"]
    assert dset.scenes["n_detections"].to_list() == [2]


def test_generic_geojson_points_and_footprint(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"scene_id": "S1", "start_time": "2024-12-09T01:52:00Z"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[130, 42], [131, 42], [131, 43], [130, 43], [130, 42]]],
                },
            },
            {
                "type": "Feature",
                "id": "d1",
                "properties": {"scene_id": "S1", "Length": 120, "Heading": 45, "score": 80},
                "geometry": {"type": "Point", "coordinates": [130.3, 42.24]},
            },
            {
                "type": "Feature",
                "properties": {"scene_id": "S1", "time": "not a time"},
                "geometry": {"type": "Point", "coordinates": [130.4, 42.3]},
            },
            {
                "type": "Feature",
                "properties": {"scene_id": "S1"},
                "geometry": {"type": "LineString", "coordinates": [[130, 42], [131, 43]]},
            },
        ],
    }
    p = tmp_path / "dets.geojson"
    p.write_text(json.dumps(doc))
    dset = read_detections(p, time="2024-12-09T01:52:00+00:00")
    det = dset.detections
    assert det["detection_id"].to_list() == ["d1"]
    assert det["length_m"].to_list() == [120.0] and det["confidence"].to_list() == [0.8]
    assert det["start_time"].to_list() == [datetime(2024, 12, 9, 1, 52, tzinfo=UTC)]
    assert dict(zip(dset.rejects["line"], dset.rejects["reason"], strict=True)) == {
        3: "bad_time",
        4: "not_a_point",
    }
    assert shapely.from_wkt(dset.scenes["footprint_wkt"][0]).is_valid


def test_invalid_footprint_is_repaired(tmp_path: Path) -> None:
    bowtie = "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"
    p = tmp_path / "k.csv"
    p.write_text(
        ",lon,lat,Name,Probability,DetectionId,ProductStartTime,ProductStopTime,Polarization,"
        "Beam,Length,Type,Heading,scene_id,footprint\n"
        f"0,0.5,0.2,FID: 1,75.0,x1,2019-08-10 04:17:41+00:00,2019-08-10 04:18:55+00:00,HH,"
        f'10,60,VESSEL,151,RS2_X,"{bowtie}"\n'
        f"1,0.5,0.3,FID: 2,75.0,x2,2019-08-10 04:17:41+00:00,2019-08-10 04:18:55+00:00,HH,"
        f'10,60,VESSEL,151,RS2_Y,"POLYGON ((0 0, 1"\n'
    )
    dset = read_detections(p)
    wkts = dict(zip(dset.scenes["scene_id"], dset.scenes["footprint_wkt"], strict=True))
    assert shapely.from_wkt(wkts["RS2_X"]).is_valid
    assert wkts["RS2_Y"] is None
    assert dset.rejects["reason"].to_list() == ["bad_footprint"]
    assert dset.detections.height == 2


@pytest.mark.parametrize("suffix", [".parquet", ".geojson", ".csv"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    det = pl.DataFrame(
        {
            "detection_id": ["S:1", "S:2"],
            "scene_id": ["S", "S"],
            "sensor": ["Sentinel-1A", "Sentinel-1A"],
            "start_time": [datetime(2024, 12, 9, 1, 52, tzinfo=UTC)] * 2,
            "end_time": [datetime(2024, 12, 9, 1, 53, tzinfo=UTC)] * 2,
            "lon": [130.3, 130.4],
            "lat": [42.2, 42.3],
            "length_m": [100.0, None],
            "confidence": [0.5, 0.9],
            "source_id": ["abc", "abc"],
            "line": [1, 2],
        }
    )
    scenes = pl.DataFrame(
        {"scene_id": ["S"], "footprint_wkt": ["POLYGON ((130 42, 131 42, 131 43, 130 42))"]}
    )
    dset = DetectionSet(detections=det, scenes=scenes)
    out = write_detections(dset, tmp_path / f"d{suffix}")
    back = read_detections(out)
    cols = ["detection_id", "scene_id", "start_time", "end_time", "lon", "lat", "length_m"]
    assert back.detections.select(cols).equals(dset.detections.select(cols))
    assert back.detections["line"].to_list() == [1, 2]
    if suffix != ".csv":
        assert back.scenes["footprint_wkt"][0] is not None
    assert write_detections(dset, tmp_path / f"e{suffix}").read_bytes() == out.read_bytes()


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_detections(tmp_path / "missing.csv")
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match=r"x\.csv: line 1"):
        read_detections(bad)
    with pytest.raises(SchemaError, match="DetectionId"):
        read_detections(bad, format="ksat_csv")
