"""Ports: packaged list, readers, PortIndex look-ups against brute force."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import darkfleet.ports as ports_mod
from darkfleet.errors import ConfigError, FormatError, InputError, SchemaError
from darkfleet.geo import haversine_m
from darkfleet.ports import (
    PORTS,
    PortIndex,
    find_ports,
    load_ports,
    read_gfw_ports,
    read_nga_wpi,
    read_ports_csv,
)

NGA_HEADER = (
    "World Port Index Number,Region Name,Main Port Name,Alternate Port Name,UN/LOCODE,"
    "Country Code,Latitude,Longitude"
)


def test_exported_members() -> None:
    assert sorted(ports_mod.__all__) == [
        "PORTS",
        "PortIndex",
        "find_ports",
        "load_ports",
        "normalize_locode",
        "read_geojson_ports",
        "read_gfw_ports",
        "read_nga_wpi",
        "read_ports_csv",
    ]


def test_packaged_list() -> None:
    p = load_ports()
    assert p.schema == pl.Schema(PORTS)
    assert p.height == 3767  # 3,766 WPI + Dunay
    assert p["port_id"].is_unique().all()
    assert p["port_id"].to_list() == sorted(p["port_id"].to_list())
    assert p["country"].null_count() == 0
    najin = p.filter(pl.col("port_id") == "WPI-60510").row(0, named=True)
    assert (najin["name"], najin["country"], najin["locode"]) == ("Najin", "KP", "KPRJN")
    assert najin["lat"] == pytest.approx(42.2333, abs=1e-3)
    assert najin["lon"] == pytest.approx(130.30, abs=1e-3)
    dunay = p.filter(pl.col("port_id") == "X-RU-DUNAY").row(0, named=True)
    assert dunay["country"] == "RU" and dunay["radius_m"] == 5000.0
    assert 42.8 < dunay["lat"] < 43.0 and 132.2 < dunay["lon"] < 132.5


def test_packaged_data_is_small() -> None:
    folder = Path(ports_mod.__file__).parent.parent / "data" / "ports"
    total = sum(f.stat().st_size for f in folder.iterdir())
    assert total < 400_000
    assert "public domain" in (folder / "NOTICE").read_text()


def test_find_ports_by_id_locode_name_alias() -> None:
    p = load_ports()
    got = find_ports(p, ["Vostochny", "RU VVO", "rashin", "X-RU-DUNAY", "nakhodka"])
    assert got["name"].to_list() == ["Vostochnyy", "Vladivostok", "Najin", "Dunay", "Nakhodka"]
    with pytest.raises(ConfigError, match="Atlantis"):
        find_ports(p, "Atlantis")


def test_read_nga(tmp_path: Path) -> None:
    f = tmp_path / "wpi.csv"
    f.write_text(
        NGA_HEADER
        + "\n60510,Korea,Najin,Rashin,KP RJN,North Korea,42.233333,130.3"
        + "\n400,Iceland,Seydhisfjordhur, ,IS SEY,Iceland,65.26,-14"
        + "\n400,Iceland,Seydisfjordur,Alt,IS SEY,Iceland,65.27,-14"
        + "\n20730,Norway,Mehamn, ,NOMEH, ,71.04,27.83"
        + '\n35600,UK,Portsmouth, ,"GB ME""",United Kingdom,50.8,-1.1\n'
    )
    p = read_nga_wpi(f)
    assert p["port_id"].to_list() == ["WPI-20730", "WPI-35600", "WPI-400", "WPI-60510"]
    assert p["country"].to_list() == ["NO", "GB", "IS", "KP"]
    assert p["locode"].to_list() == ["NOMEH", None, "ISSEY", "KPRJN"]
    assert p.filter(pl.col("port_id") == "WPI-400")["name"].item() == "Seydisfjordur"
    assert load_ports(f).equals(p)


def test_read_nga_bad_latitude(tmp_path: Path) -> None:
    f = tmp_path / "wpi.csv"
    f.write_text(NGA_HEADER + "\n60510,K,Najin,,KP RJN,North Korea,95,130.3\n")
    with pytest.raises(InputError, match=r"wpi.csv, line 2: Latitude = '95'"):
        read_nga_wpi(f)


def test_read_gfw(tmp_path: Path) -> None:
    f = tmp_path / "WPI_ports.csv"
    f.write_text(
        "iso3,label,sublabel,latitude,longitude\nPRK,NAJIN,,42.233333,130.3\n"
        "RUS,VOSTOCHNYY,,42.75,133.083333\nRUS,VOSTOCHNYY,,42.76,133.08\n"
    )
    p = read_gfw_ports(f)
    assert p["port_id"].to_list() == ["GFW-PRK-NAJIN", "GFW-RUS-VOSTOCHNYY", "GFW-RUS-VOSTOCHNYY-2"]
    assert p["country"].to_list() == ["KP", "RU", "RU"]
    assert load_ports(f).equals(p)


def test_read_user_csv(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "Port_ID,Name,Country,Lon,Lat,radius_m,locode\n"
        "P1,Dunay,Russia,132.34,42.88,4000,\nP2,Najin,KP,130.3,42.23,,KP RJN\n"
    )
    p = read_ports_csv(f)
    assert p["port_id"].to_list() == ["P1", "P2"]
    assert p["country"].to_list() == ["RU", "KP"]
    assert p["radius_m"].to_list() == [4000.0, None]
    assert p["locode"].to_list() == [None, "KPRJN"]
    assert p["source"].to_list() == ["mine.csv", "mine.csv"]


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("name,lon,lat\nA,abc,1\n", InputError, r"line 2: lon = 'abc'"),
        ("name,lon,lat\nA,1,1\n,2,2\n", InputError, r"line 3: name is empty"),
        (
            "port_id,name,lon,lat\nX,A,1,1\nX,B,2,2\n",
            InputError,
            r"line 3: port_id 'X' already used on line 2",
        ),
        ("name,lon,lat,country\nA,1,1,Narnia\n", InputError, r"country = 'Narnia'"),
        ("name,lon,lat,radius_m\nA,1,1,-5\n", InputError, r"radius_m = '-5'"),
        ("name,lon,lat,locode\nA,1,1,XYZ\n", InputError, r"locode = 'XYZ'"),
        ("foo,bar\n1,2\n", FormatError, "is not a port list"),
    ],
)
def test_user_csv_errors(tmp_path: Path, text: str, error: type[Exception], match: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(error, match=match):
        load_ports(f)


def test_missing_file_and_schema(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_ports(tmp_path / "nope.csv")
    f = tmp_path / "w.csv"
    f.write_text("World Port Index Number,Latitude\n1,2\n")
    with pytest.raises(SchemaError, match="missing"):
        read_nga_wpi(f)


def _geojson(tmp_path: Path) -> Path:
    square = [[[130.0, 42.0], [130.1, 42.0], [130.1, 42.1], [130.0, 42.1], [130.0, 42.0]]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Box", "id": "B", "country": "KP"},
             "geometry": {"type": "Polygon", "coordinates": square}},
            {"type": "Feature", "properties": {"name": "Pt", "radius_m": 1000},
             "geometry": {"type": "Point", "coordinates": [131.0, 42.5]}},
        ],
    }  # fmt: skip
    f = tmp_path / "ports.geojson"
    f.write_text(json.dumps(doc))
    return f


def test_geojson_and_polygon_distance(tmp_path: Path) -> None:
    p = load_ports(_geojson(tmp_path))
    assert p["port_id"].to_list() == ["B", "GEOJSON-2"]
    assert p["geometry_wkb"][0] is not None and p["geometry_wkb"][1] is None
    ix = PortIndex(p)
    # inside the box; 0.01 deg north of it; near the point port
    idx, dist = ix.nearest([130.05, 130.05, 131.0], [42.05, 42.11, 42.501], max_distance_m=5000)
    assert idx.tolist() == [0, 0, 1]
    assert dist[0] == 0.0
    assert dist[1] == pytest.approx(0.01 * 111_195, rel=0.01)
    assert dist[2] == pytest.approx(111.2, rel=0.01)
    pos, port, d = ix.within([130.05, 135.0], [42.05, 0.0], 5000)
    assert pos.tolist() == [0] and port.tolist() == [0] and d.tolist() == [0.0]


def test_geojson_errors(tmp_path: Path) -> None:
    f = tmp_path / "x.geojson"
    f.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
                 '"geometry": {"type": "LineString", "coordinates": [[0,0],[1,1]]}}]}')  # fmt: skip
    with pytest.raises(FormatError, match="feature 1: geometry 'LineString'"):
        load_ports(f)
    f.write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        load_ports(f)


def test_polygon_on_antimeridian() -> None:
    poly = shapely.box(179.9, -17.0, 180.0, -16.9).union(shapely.box(-180.0, -17.0, -179.9, -16.9))
    frame = pl.DataFrame(
        {
            "port_id": ["F"],
            "name": ["Fiji-ish"],
            "lon": [179.95],
            "lat": [-16.95],
            "geometry_wkb": [shapely.to_wkb(poly)],
        }
    )
    idx, dist = PortIndex(frame).nearest(
        [-179.95, 179.95, -179.8], [-16.95, -16.95, -16.95], max_distance_m=20_000
    )
    assert idx.tolist() == [0, 0, 0]
    assert dist[:2].tolist() == [0.0, 0.0]
    assert dist[2] == pytest.approx(0.1 * 111_195 * math.cos(math.radians(16.95)), rel=0.02)


def test_index_order_independent_and_ties() -> None:
    pts = [("B", "b", "RU", 10.0, 0.0), ("A", "a", "RU", 10.0, 0.0), ("C", "c", "RU", 11.0, 0.0)]
    ix1, ix2 = PortIndex.from_points(pts), PortIndex.from_points(pts[::-1])
    assert ix1.ports.equals(ix2.ports)
    idx, _ = ix1.nearest([10.0], [0.0])
    assert ix1.ports["port_id"][int(idx[0])] == "A"  # tie → first port_id


def test_index_rejects_duplicates_and_bad_positions() -> None:
    with pytest.raises(ConfigError, match="appears 2 times"):
        PortIndex.from_points([("A", "a", None, 1.0, 1.0), ("A", "b", None, 2.0, 2.0)])
    with pytest.raises(ConfigError, match="invalid position"):
        PortIndex.from_points([("A", "a", None, 1.0, 95.0)])


def test_empty_and_nan() -> None:
    ix = PortIndex.from_points([("A", "a", None, 0.0, 0.0)])
    idx, dist = ix.nearest([], [])
    assert idx.size == 0 and dist.size == 0
    idx, dist = ix.nearest([np.nan, 0.0], [0.0, np.nan])
    assert idx.tolist() == [-1, -1] and np.isinf(dist).all()
    empty = PortIndex(pl.DataFrame(schema=PORTS))
    assert len(empty) == 0
    assert empty.nearest([1.0], [1.0])[0].tolist() == [-1]
    assert empty.within([1.0], [1.0], 100.0)[0].size == 0


coords = st.tuples(st.floats(-180, 180), st.floats(-90, 90))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(coords, min_size=1, max_size=30),
    st.lists(coords, min_size=1, max_size=40),
    st.one_of(st.floats(1_000, 60_000), st.floats(1_000, 3_000_000)),
)
def test_index_matches_brute_force(
    port_pts: list[tuple[float, float]], pos: list[tuple[float, float]], radius: float
) -> None:
    ix = PortIndex.from_points(
        [(f"P{i:03d}", "x", None, lo, la) for i, (lo, la) in enumerate(port_pts)]
    )
    plon = ix.ports["lon"].to_numpy()
    plat = ix.ports["lat"].to_numpy()
    lon = np.array([p[0] for p in pos])
    lat = np.array([p[1] for p in pos])
    full = haversine_m(lon[:, None], lat[:, None], plon[None, :], plat[None, :])
    idx, dist = ix.nearest(lon, lat, max_distance_m=radius)
    for i in range(lon.size):
        best = full[i].min()
        if best <= radius * (1 - 1e-9):
            assert dist[i] == pytest.approx(best, rel=1e-9, abs=1e-6)
        elif best > radius * (1 + 1e-9):
            assert idx[i] == -1
    p, q, _ = ix.within(lon, lat, radius)
    got = set(zip(p.tolist(), q.tolist(), strict=True))
    want = {
        (i, j)
        for i in range(lon.size)
        for j in range(plon.size)
        if full[i, j] <= radius * (1 - 1e-9)
    }
    maybe = {
        (i, j)
        for i in range(lon.size)
        for j in range(plon.size)
        if full[i, j] <= radius * (1 + 1e-9)
    }
    assert want <= got <= maybe
    assert np.all(np.diff(p) >= 0)


def test_within_more_than_k_ports() -> None:
    pts = [(f"P{i:02d}", "x", None, 0.001 * i, 0.0) for i in range(20)]
    pos, port, d = PortIndex.from_points(pts).within([0.0], [0.0], 5_000)
    assert pos.tolist() == [0] * 20
    assert port.tolist() == list(range(20))
    assert np.all(np.diff(d) >= 0)


@pytest.mark.shared
def test_real_nga_wpi(shared_data: Path) -> None:
    p = read_nga_wpi(shared_data / "ports" / "nga_wpi_UpdatedPub150.csv")
    assert p.height == 3766  # 3,768 rows, numbers 400 and 49460 listed twice
    assert p["country"].null_count() == 0
    by_name = {r["name"]: r for r in p.iter_rows(named=True)}
    for name, lat, lon, code in [
        ("Najin", 42.2333, 130.30, "KPRJN"),
        ("Vostochnyy", 42.75, 133.0833, "RUVYP"),
        ("Vladivostok", 43.1089, 131.8883, "RUVVO"),
    ]:
        r = by_name[name]
        assert (round(r["lat"], 4), round(r["lon"], 4), r["locode"]) == (lat, lon, code)
    packaged = load_ports().filter(pl.col("source") == "NGA WPI Pub 150")
    assert packaged.drop("lon", "lat").equals(p.drop("lon", "lat"))
    gfw = load_ports(shared_data / "ports" / "gfw_WPI_ports.csv")
    assert gfw.height == 3669 and gfw["port_id"].is_unique().all()
