"""The CFAR detector: kernel against a brute-force reference, tiling, georeferencing, CLI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from darkfleet.cli import app
from darkfleet.errors import ConfigError, FormatError, InputError
from darkfleet.satellite import CfarConfig, detect_scene, read_detections
from darkfleet.satellite._cfar import cfar_mask, cfar_reference
from darkfleet.satellite.sar import detect_array
from darkfleet.satellite.synthetic import SceneSpec, make_scene, plant_grid


def test_kernel_matches_brute_force() -> None:
    rng = np.random.default_rng(4)
    img = rng.gamma(4, 0.25, (40, 45)).astype(np.float32)
    img[10, 12] = 9.0
    img[30:32, 5:9] = 6.0
    valid = np.ones(img.shape, bool)
    valid[:, 40:] = False  # a masked strip (land / nodata)
    valid[20, 20] = False
    for n_sigma in (1.5, 3.0):
        got, z = cfar_mask(img, valid, 2, 6, n_sigma, 10, 0.0)
        want = cfar_reference(img, valid, 2, 6, n_sigma, 10)
        assert np.array_equal(got, want)
        assert (z[got] > n_sigma).all() and (z[~got] == 0).all()
    assert got[10, 12]


def _bar(length_px: int, angle_deg: float, size: int = 200) -> np.ndarray:
    img = np.full((size, size), 1.0, np.float32)
    a = math.radians(angle_deg)
    for t in np.linspace(-length_px / 2, length_px / 2, 4 * length_px):
        r = size / 2 - t * math.cos(a)  # heading clockwise from north (rows grow south)
        c = size / 2 + t * math.sin(a)
        img[round(r), round(c)] = 50.0
    rng = np.random.default_rng(0)
    return img * rng.uniform(0.9, 1.1, img.shape).astype(np.float32)


@pytest.mark.parametrize("heading", [0.0, 30.0, 90.0, 135.0])
def test_length_and_heading_from_moments(heading: float) -> None:
    img = _bar(20, heading)
    res = detect_array(img, np.ones(img.shape, bool), pixel_m=(10.0, 10.0))
    assert res.objects.height == 1
    obj = res.objects.row(0, named=True)
    assert obj["length_m"] == pytest.approx(200.0, rel=0.15)
    axis = math.degrees(math.atan2(obj["axis_dx"], -obj["axis_dy"])) % 180
    assert min(abs(axis - heading), 180 - abs(axis - heading)) < 5


def test_tiling_does_not_change_the_result(tmp_path: Path) -> None:
    spec = SceneSpec(width=900, height=700, seed=2)
    truth = make_scene(
        tmp_path / "s.tif", spec, plant_grid(spec, lengths_m=[60], contrasts_db=[12])
    )
    a = detect_scene(tmp_path / "s.tif", land=None)
    b = detect_scene(tmp_path / "s.tif", CfarConfig(tile_px=256), land=None)
    assert a.detections.height >= truth.height
    assert a.detections.equals(b.detections)
    assert a.scenes.drop("footprint_wkt").equals(b.scenes.drop("footprint_wkt"))


def test_scene_metadata_and_georeferencing(tmp_path: Path) -> None:
    spec = SceneSpec(width=600, height=600, seed=1, scene_id="MY_SCENE")
    targets = plant_grid(spec, lengths_m=[100], contrasts_db=[15])
    truth = make_scene(tmp_path / "s.tif", spec, targets)
    dset = detect_scene(tmp_path / "s.tif", land=None)
    det = dset.detections
    assert det["scene_id"].unique().to_list() == ["MY_SCENE"]
    assert det["detection_id"][0] == "MY_SCENE:1" and det["line"].to_list()[:2] == [1, 2]
    assert str(det["start_time"][0]) == "2024-12-09 01:52:00+00:00"
    assert dset.scenes["n_detections"].to_list() == [det.height]
    # every planted ship found within 30 m; length and axis right in the median
    lengths, heading_errors = [], []
    for t in truth.iter_rows(named=True):
        d = np.hypot(
            (det["lon"].to_numpy() - t["lon"]) * 111_320 * math.cos(math.radians(t["lat"])),
            (det["lat"].to_numpy() - t["lat"]) * 111_320,
        )
        k = int(np.argmin(d))
        assert d[k] < 30
        lengths.append(det["length_m"][k])
        dh = abs(det["heading_deg"][k] - t["heading_deg"] % 180)
        heading_errors.append(min(dh, 180 - dh))
    assert float(np.median(lengths)) == pytest.approx(100, rel=0.15)
    assert float(np.median(heading_errors)) < 5


def test_db_input_and_nodata(tmp_path: Path) -> None:
    spec = SceneSpec(width=500, height=500, seed=3, nodata_cols=100)
    make_scene(tmp_path / "lin.tif", spec, plant_grid(spec, lengths_m=[80], contrasts_db=[15]))
    with rasterio.open(tmp_path / "lin.tif") as src:
        lin = src.read(1)
        profile = src.profile
    db = np.where(lin > 0, 10 * np.log10(np.maximum(lin, 1e-12)), -9999).astype(np.float32)
    profile.update(nodata=-9999)
    with rasterio.open(tmp_path / "db.tif", "w", **profile) as dst:
        dst.write(db, 1)
    a = detect_scene(tmp_path / "lin.tif", land=None).detections
    b = detect_scene(tmp_path / "db.tif", land=None).detections
    assert a.height == b.height > 0
    assert np.allclose(a["lon"].to_numpy(), b["lon"].to_numpy(), atol=1e-6)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        detect_scene(tmp_path / "none.tif")
    p = tmp_path / "plain.tif"
    with rasterio.open(p, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32") as d:
        d.write(np.ones((1, 10, 10), np.float32))
    with pytest.raises(FormatError, match="no CRS"):
        detect_scene(p)
    with pytest.raises(ConfigError, match="inner_m"):
        CfarConfig(inner_m=700)
    with pytest.raises(ConfigError, match="unknown parameter"):
        CfarConfig().with_overrides({"cfar.nsigma": 3})
    assert CfarConfig().with_overrides({"cfar.n_sigma": "6"}).n_sigma == 6.0


def test_geographic_crs(tmp_path: Path) -> None:
    img = np.random.default_rng(1).gamma(4, 0.005, (400, 400)).astype(np.float32)
    img[200:202, 195:203] = 1.0
    p = tmp_path / "geo.tif"
    tr = Affine(0.0001, 0.0, 130.0, 0.0, -0.0001, 42.0)
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        width=400,
        height=400,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=tr,
    ) as dst:
        dst.write(img, 1)
    det = detect_scene(p, land=None, time="2024-01-01T00:00:00Z").detections
    assert det.height == 1
    assert det["lon"][0] == pytest.approx(130.0 + 199.0 * 0.0001, abs=2e-5)
    assert det["lat"][0] == pytest.approx(42.0 - 201.0 * 0.0001, abs=2e-5)
    assert det["heading_deg"][0] == pytest.approx(90, abs=8)


def test_cli_detect(tmp_path: Path) -> None:
    spec = SceneSpec(width=400, height=400, seed=5)
    make_scene(tmp_path / "s.tif", spec, plant_grid(spec, lengths_m=[90], contrasts_db=[15]))
    out = tmp_path / "d.geojson"
    res = CliRunner().invoke(
        app,
        [
            "detect",
            str(tmp_path / "s.tif"),
            "-o",
            str(out),
            "--no-land-mask",
            "--set",
            "cfar.n_sigma=5.5",
        ],
    )
    assert res.exit_code == 0, res.output
    back = read_detections(out)
    assert back.detections.height > 0 and back.scenes["footprint_wkt"][0] is not None
    assert "detections in s.tif" in res.output
    bad = CliRunner().invoke(app, ["detect", str(tmp_path / "s.tif"), "--set", "gaps.x=1"])
    assert bad.exit_code == 2


@pytest.mark.benchmark
def test_bench_detect_runs() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "bench_detect.py"), "--size", "600"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "detect:" in proc.stdout and "peak RSS:" in proc.stdout
