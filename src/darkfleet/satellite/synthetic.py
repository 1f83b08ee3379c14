"""Synthetic SAR scenes with planted ships, written as GeoTIFF, and their truth.

Model (linear intensity, one band, UTM grid with ``pixel_m`` spacing, north up):

* **Sea clutter** ``sigma0 * g(col) * T * S``: ``sigma0`` the mean sea backscatter (default
  0.02, -17 dB, calm-sea C-band VV), ``g`` an incidence-angle gradient across range
  (``gradient_db`` from near to far range), ``S`` speckle ~ Gamma(L, 1/L) with ``looks`` L
  (4: Sentinel-1 GRD IW is about 4.4 equivalent looks), ``T`` texture ~ Gamma(nu, 1/nu) on a
  coarse grid (``texture_cell_px``, 8 px = 80 m, swell scale), bilinearly interpolated, so that the clutter is
  K-distributed with shape ``nu`` (``clutter="k"``) or plain gamma (``clutter="gamma"``).
* **Land** (a polygon in lon/lat, or none): bright (``land_sigma0`` 0.3, -5 dB) and rough
  (texture nu = 1).
* **Ships**: rectangles of ``length_m`` x ``width_m`` at a heading, rasterised with 4 x 4
  sub-pixel coverage; a covered pixel has mean ``sigma0 * g * contrast * coverage`` (on top of
  the clutter) with its own speckle. ``contrast`` is the target-to-clutter ratio (TCR, dB).
* **Nodata**: optional columns of zeros on the left (the swath edge).

:func:`make_scene` writes the GeoTIFF (tags ``DARKFLEET_SCENE_ID``, ``SENSOR``,
``POLARISATION``, ``START_TIME``, ``END_TIME``) and returns the truth;
:func:`score_detections` matches detections to truth one-to-one within a tolerance (200 m,
xView3's) and gives precision, recall and F1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import ConfigError

__all__ = [
    "TRUTH",
    "SceneSpec",
    "Score",
    "accuracy_table",
    "make_scene",
    "plant_grid",
    "score_detections",
]

F32 = npt.NDArray[np.float32]

#: Truth table of planted ships.
TRUTH: dict[str, pl.DataType] = {
    "target_id": pl.Int64(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "row": pl.Float64(),
    "col": pl.Float64(),
    "length_m": pl.Float64(),
    "width_m": pl.Float64(),
    "heading_deg": pl.Float64(),
    "contrast_db": pl.Float64(),
    "shore_m": pl.Float64(),
}


@dataclass(frozen=True)
class SceneSpec:
    """A synthetic scene: grid, clutter and land (see the module's model)."""

    width: int = 1024
    height: int = 1024
    pixel_m: float = 10.0
    lon: float = 131.0  # scene centre (default: Sea of Japan, east of Najin)
    lat: float = 41.8
    sigma0: float = 0.02
    looks: int = 4
    clutter: str = "k"
    nu: float = 10.0
    texture_cell_px: int = 8
    gradient_db: float = 2.0
    land_sigma0: float = 0.3
    nodata_cols: int = 0
    scene_id: str = "SYNTH"
    start_time: str = "2024-12-09T01:52:00Z"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.clutter not in ("k", "gamma"):
            raise ConfigError(f"synthetic: clutter={self.clutter!r}; use 'k' or 'gamma'.")


def _utm(lon: float, lat: float) -> str:
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _grid(spec: SceneSpec) -> tuple[str, Any]:
    from affine import Affine
    from rasterio.warp import transform as warp

    crs = _utm(spec.lon, spec.lat)
    xs, ys = warp("EPSG:4326", crs, [spec.lon], [spec.lat])
    x0 = xs[0] - spec.width * spec.pixel_m / 2
    y0 = ys[0] + spec.height * spec.pixel_m / 2
    return crs, Affine(spec.pixel_m, 0.0, x0, 0.0, -spec.pixel_m, y0)


def plant_grid(
    spec: SceneSpec,
    *,
    lengths_m: list[float],
    contrasts_db: list[float],
    spacing_m: float = 1500.0,
    margin_m: float = 700.0,
    seed: int = 1,
) -> pl.DataFrame:
    """Targets on a jittered grid over the scene (``spacing_m`` apart), cycling through
    ``lengths_m`` x ``contrasts_db``, random headings; width = length / 6 (at least 4 m).
    Returns rows (lon/lat filled by :func:`make_scene`)."""
    rng = np.random.default_rng(seed)
    step = spacing_m / spec.pixel_m
    m = margin_m / spec.pixel_m
    rows = np.arange(m, spec.height - m, step)
    cols = np.arange(m + spec.nodata_cols, spec.width - m, step)
    rr, cc = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
    jitter = (step - 2 * 0.1 * step) * 0.15
    rr = rr + rng.uniform(-jitter, jitter, rr.size)
    cc = cc + rng.uniform(-jitter, jitter, cc.size)
    combos = [(ln, c) for ln in lengths_m for c in contrasts_db]
    k = np.arange(rr.size) % len(combos)
    length = np.array([combos[i][0] for i in k], np.float64)
    return pl.DataFrame(
        {
            "target_id": np.arange(1, rr.size + 1, dtype=np.int64),
            "row": rr,
            "col": cc,
            "length_m": length,
            "width_m": np.maximum(length / 6.0, 4.0),
            "heading_deg": rng.uniform(0, 180, rr.size).round(1),
            "contrast_db": np.array([combos[i][1] for i in k], np.float64),
        }
    )


def make_scene(
    path: str | Path,
    spec: SceneSpec = SceneSpec(),
    targets: pl.DataFrame | None = None,
    *,
    land: Any = None,
    rows_per_block: int = 1024,
) -> pl.DataFrame:
    """Write the scene to ``path`` (float32 GeoTIFF, tiled 512 x 512) and return the truth
    (:data:`TRUTH`; ``shore_m`` = distance to the land polygon, NaN otherwise; targets whose
    centre falls on land are painted but left out of the truth). ``land``: None, a shapely
    geometry in lon/lat, or ``"auto"`` (the packaged 1 km land mask, as the detector uses). ``targets``
    has ``row, col, length_m, width_m, heading_deg, contrast_db`` (see :func:`plant_grid`);
    ``land`` is a shapely geometry in lon/lat. The scene is generated in blocks of
    ``rows_per_block`` rows, so memory stays bounded for large scenes; output is a
    deterministic function of ``spec`` and ``targets``."""
    import rasterio
    import shapely
    from rasterio.features import rasterize
    from rasterio.warp import transform as warp
    from rasterio.warp import transform_geom
    from rasterio.windows import Window

    from .sar import window_transform as win_transform

    crs, transform = _grid(spec)
    targets = (
        targets if targets is not None else plant_grid(spec, lengths_m=[60.0], contrasts_db=[10.0])
    )
    land_geom = None
    if isinstance(land, str):
        if land != "auto":
            raise ConfigError(f"synthetic: land={land!r}; use None, 'auto' or a geometry.")
    elif land is not None:
        land_geom = shapely.geometry.shape(
            transform_geom("EPSG:4326", crs, shapely.geometry.mapping(land))
        )
    rng = np.random.default_rng(spec.seed)
    # texture on a coarse grid (whole scene; small), interpolated per block
    tc = spec.texture_cell_px
    th, tw = spec.height // tc + 3, spec.width // tc + 3
    if spec.clutter == "k":
        texture = rng.gamma(spec.nu, 1.0 / spec.nu, (th, tw)).astype(np.float32)
    else:
        texture = np.ones((th, tw), np.float32)
    land_texture = rng.gamma(1.0, 1.0, (th, tw)).astype(np.float32)
    gain = 10 ** (np.linspace(spec.gradient_db / 2, -spec.gradient_db / 2, spec.width) / 10).astype(
        np.float32
    )
    ship_layers = _ship_patches(targets, spec)
    profile = {
        "driver": "GTiff",
        "width": spec.width,
        "height": spec.height,
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": transform,
        "nodata": 0.0,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "BIGTIFF": "IF_SAFER",
    }
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(p, "w", **profile) as dst:
        dst.update_tags(
            DARKFLEET_SCENE_ID=spec.scene_id,
            SENSOR="synthetic",
            POLARISATION="VV",
            START_TIME=spec.start_time,
            END_TIME=spec.start_time,
        )
        for r0 in range(0, spec.height, rows_per_block):
            r1 = min(r0 + rows_per_block, spec.height)
            h = r1 - r0
            brng = np.random.default_rng([spec.seed, r0])
            rows = (np.arange(r0, r1, dtype=np.float32) + 0.5) / tc
            cols = (np.arange(spec.width, dtype=np.float32) + 0.5) / tc
            tex = _bilinear(texture, rows, cols)
            speckle = brng.gamma(spec.looks, 1.0 / spec.looks, (h, spec.width)).astype(np.float32)
            mean = spec.sigma0 * gain[None, :] * tex
            block = mean * speckle
            on_land = None
            win = Window(0, r0, spec.width, h)
            if land_geom is not None:
                on_land = rasterize(
                    [land_geom],
                    out_shape=(h, spec.width),
                    transform=win_transform(win, transform),
                    fill=0,
                    default_value=1,
                    dtype="uint8",
                ).astype(bool)
            elif land == "auto":
                from .sar import packaged_land

                on_land = packaged_land(
                    crs,
                    win_transform(win, transform),
                    (h, spec.width),
                    buffer_m=0.0,
                    pixel_m=(spec.pixel_m, spec.pixel_m),
                )
            if on_land is not None and on_land.any():
                ltex = _bilinear(land_texture, rows, cols)
                lsp = brng.gamma(spec.looks, 1.0 / spec.looks, (h, spec.width)).astype(np.float32)
                block = np.where(on_land, spec.land_sigma0 * ltex * lsp, block)
            for (pr0, pc0, cover), contrast in ship_layers:
                pr1, pc1 = pr0 + cover.shape[0], pc0 + cover.shape[1]
                a0, a1 = max(pr0, r0), min(pr1, r1)
                if a0 >= a1:
                    continue
                c0, c1 = max(pc0, 0), min(pc1, spec.width)
                cov = cover[a0 - pr0 : a1 - pr0, c0 - pc0 : c1 - pc0]
                ship_speckle = brng.gamma(spec.looks, 1.0 / spec.looks, cov.shape).astype(
                    np.float32
                )
                base = spec.sigma0 * gain[None, c0:c1]
                block[a0 - r0 : a1 - r0, c0:c1] += base * contrast * cov * ship_speckle
            if spec.nodata_cols:
                block[:, : spec.nodata_cols] = 0.0
            dst.write(block.astype(np.float32), 1, window=Window(0, r0, spec.width, h))
    from .sar import affine_xy

    xs, ys = affine_xy(transform, targets["col"].to_numpy(), targets["row"].to_numpy())
    lon, lat = warp(crs, "EPSG:4326", list(np.asarray(xs)), list(np.asarray(ys)))
    at_sea = np.ones(targets.height, bool)
    shore = np.full(targets.height, np.nan)
    if land_geom is not None:
        pts = shapely.points(np.asarray(xs), np.asarray(ys))
        shore = shapely.distance(pts, land_geom)
        at_sea = ~shapely.contains(land_geom, pts)
    elif land == "auto":
        from ..simulate._seamask import sea_mask

        at_sea = sea_mask(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    truth = targets.with_columns(
        pl.Series("lon", lon, pl.Float64),
        pl.Series("lat", lat, pl.Float64),
        pl.Series("shore_m", shore, pl.Float64),
    ).filter(pl.Series(at_sea))
    return truth.select(list(TRUTH)).cast(TRUTH)  # type: ignore[arg-type]


def _bilinear(grid: F32, rows: npt.NDArray[Any], cols: npt.NDArray[Any]) -> F32:
    r0 = np.floor(rows).astype(np.int64)
    c0 = np.floor(cols).astype(np.int64)
    fr = (rows - r0)[:, None]
    fc = (cols - c0)[None, :]
    g00 = grid[np.ix_(r0, c0)]
    g01 = grid[np.ix_(r0, c0 + 1)]
    g10 = grid[np.ix_(r0 + 1, c0)]
    g11 = grid[np.ix_(r0 + 1, c0 + 1)]
    out = (g00 * (1 - fc) + g01 * fc) * (1 - fr) + (g10 * (1 - fc) + g11 * fc) * fr
    return out.astype(np.float32)


def _ship_patches(
    targets: pl.DataFrame, spec: SceneSpec
) -> list[tuple[tuple[int, int, F32], float]]:
    """Per target: (row0, col0, coverage patch) and linear contrast; 4 x 4 supersampling."""
    out: list[tuple[tuple[int, int, F32], float]] = []
    sub = 4
    for t in targets.iter_rows(named=True):  # a few hundred targets at most
        half = 0.5 * math.hypot(t["length_m"], t["width_m"]) / spec.pixel_m + 1
        r0 = math.floor(t["row"] - half)
        c0 = math.floor(t["col"] - half)
        n = math.ceil(2 * half) + 1
        off = (np.arange(n * sub) + 0.5) / sub
        yy, xx = np.meshgrid(r0 + off, c0 + off, indexing="ij")
        dy, dx = (yy - t["row"]) * spec.pixel_m, (xx - t["col"]) * spec.pixel_m
        h = math.radians(t["heading_deg"])
        along = dx * math.sin(h) - dy * math.cos(h)  # north-up: row grows southwards
        across = dx * math.cos(h) + dy * math.sin(h)
        inside = (np.abs(along) <= t["length_m"] / 2) & (np.abs(across) <= t["width_m"] / 2)
        cover = inside.reshape(n, sub, n, sub).mean(axis=(1, 3)).astype(np.float32)
        out.append(((r0, c0, cover), 10 ** (t["contrast_db"] / 10)))
    return out


@dataclass(frozen=True)
class Score:
    """Detection accuracy against truth (one-to-one matches within ``tolerance_m``)."""

    tp: int
    fp: int
    fn: int
    tolerance_m: float

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_detections(
    detections: pl.DataFrame, truth: pl.DataFrame, *, tolerance_m: float = 200.0
) -> tuple[Score, pl.DataFrame]:
    """Match detections to truth one-to-one (minimum total distance,
    ``scipy.optimize.linear_sum_assignment``) within ``tolerance_m`` (200 m: xView3's
    matching distance) and score them. Returns the score and the truth with ``matched`` and
    ``distance_m`` columns (for per-bucket recall)."""
    from scipy.optimize import linear_sum_assignment

    from ..geo.distance import haversine_m

    nt, nd = truth.height, detections.height
    matched = np.zeros(nt, bool)
    dist_out = np.full(nt, np.nan)
    tp = 0
    if nt and nd:
        tl, ta = truth["lon"].to_numpy(), truth["lat"].to_numpy()
        dl, da = detections["lon"].to_numpy(), detections["lat"].to_numpy()
        d = haversine_m(tl[:, None], ta[:, None], dl[None, :], da[None, :])
        cost = np.where(d <= tolerance_m, d, 1e12)
        ri, ci = linear_sum_assignment(cost)
        ok = cost[ri, ci] < 1e12
        matched[ri[ok]] = True
        dist_out[ri[ok]] = d[ri[ok], ci[ok]]
        tp = int(ok.sum())
    score = Score(tp=tp, fp=nd - tp, fn=nt - tp, tolerance_m=tolerance_m)
    return score, truth.with_columns(
        pl.Series("matched", matched), pl.Series("distance_m", dist_out)
    )


def accuracy_table(
    out_dir: str | Path,
    *,
    lengths_m: list[float],
    contrasts_db: list[float],
    spec: SceneSpec = SceneSpec(),
    config: Any = None,
    tolerance_m: float = 200.0,
) -> pl.DataFrame:
    """Detector accuracy per (length, contrast) bucket: one scene per bucket (``spec`` with
    a seed per bucket), ships of that bucket only, so that precision is per bucket too.
    Scenes are written under ``out_dir``. Columns: length_m, contrast_db, n_truth, tp, fp,
    fn, precision, recall, f1, median_length_m (estimated, of the matched ships)."""
    from .sar import CfarConfig, detect_scene

    cfg = config if config is not None else CfarConfig()
    rows: list[dict[str, Any]] = []
    out = Path(out_dir)
    for i, length in enumerate(lengths_m):
        for j, contrast in enumerate(contrasts_db):
            s = SceneSpec(**{**spec.__dict__, "seed": spec.seed + 1000 * i + j})
            path = out / f"bucket_{length:g}m_{contrast:g}db.tif"
            truth = make_scene(
                path, s, plant_grid(s, lengths_m=[length], contrasts_db=[contrast], seed=i + j)
            )
            det = detect_scene(path, cfg, land=None).detections
            score, _ = score_detections(det, truth, tolerance_m=tolerance_m)
            rows.append(
                {
                    "length_m": length,
                    "contrast_db": contrast,
                    "n_truth": truth.height,
                    "tp": score.tp,
                    "fp": score.fp,
                    "fn": score.fn,
                    "precision": round(score.precision, 3),
                    "recall": round(score.recall, 3),
                    "f1": round(score.f1, 3),
                }
            )
    return pl.DataFrame(rows)
