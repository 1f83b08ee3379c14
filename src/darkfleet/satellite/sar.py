"""The built-in SAR vessel detector: two-parameter CFAR on a calibrated SAR GeoTIFF.

Definition (each parameter is a field of :class:`CfarConfig`; ``--set cfar.NAME=VALUE`` on
the command line):

1. **Input.** One band of calibrated backscatter (sigma0 or gamma0; Sentinel-1 GRD IW has
   10 m pixels), linear power or dB (``units``: ``auto`` reads dB when the band's median is
   below 0). Pixels that are nodata, not finite or <= 0 (linear) are invalid.
2. **Land mask.** Land is rasterised onto the scene grid from the packaged 1 km
   ``global-land-mask`` (NOAA GLOBE; the Sea of Japan cut ships with darkfleet, elsewhere the
   package's world mask is loaded, ~0.9 GB once) or from a caller's polygon (``land=``), then
   buffered by ``land_buffer_m`` (default 500 m: half a mask cell, the mask's position error).
   Land pixels are invalid: neither tested nor used as background.
3. **CFAR.** A valid pixel is bright when ``x > mean + n_sigma * std`` of the valid pixels in a
   ring window between a square of half-side ``outer_m`` (600 m) and a guard square of
   half-side ``inner_m`` (200 m), the window sizes of Global Fishing Watch's Sentinel-1
   detector (Paolo et al. 2024, *Nature* 625, "Satellite mapping reveals extensive industrial
   activity at sea"; GFW ``paper-industrial-activity``). The ring needs at least
   ``min_ring_fraction`` (0.25) of its pixels valid, so detection works up to the buffered
   coast. Windows are squares, not discs, so that each pixel costs 8 look-ups into integral
   images (:mod:`._cfar`).
4. **Objects (hysteresis).** Bright pixels closer than ``merge_m`` (20 m) are joined (binary
   dilation, then 8-connected components, ``scipy.ndimage.label``). An object is kept when it
   has at least ``min_pixels`` (1) bright pixels and its brightest pixel exceeds the ring mean
   by ``peak_sigma`` (10) ring standard deviations. ``n_sigma`` (5) thus sets the extent of an
   object and ``peak_sigma`` whether it is a ship: both are darkfleet's choices, set on the
   synthetic scenes of :mod:`.synthetic` (gamma and K-distributed clutter, 4 looks, 10 m
   pixels), where a single threshold of 5 let hundreds of clutter spikes through per 10 x 10 km
   and a single threshold of 10 lost the ships' extent (see docs/satellite.md for the table).
   GFW tuned its single threshold on Sentinel-1 VH at 20 m, a different input. Objects longer
   than ``max_length_m`` (600 m) are not ships (coast, ice, platform lines) and are kept as
   rejects of reason ``too_large``; objects below ``min_pixels`` / ``peak_sigma`` are clutter
   and only counted.
5. **Measurements.** Position: the intensity-weighted centroid of the object's bright
   pixels, mapped to lon/lat through the scene's transform and CRS. Length and width from the
   second moments of the pixel positions in metres: a uniform bar of length L has variance
   L²/12 along its axis, so ``length_m = sqrt(12 * λ1 + a)`` and ``width_m = sqrt(12 * λ2 +
   a)`` (λ1 ≥ λ2 the eigenvalues, ``a`` one pixel's area, the discrete correction).
   Heading: the major axis' direction, clockwise from true north, in [0, 180) (SAR cannot tell
   bow from stern). ``confidence = 1 - peak_sigma / z_peak`` where ``z_peak`` is the object's
   brightest excess in ring standard deviations (0 at the threshold, towards 1 for bright
   ships).
6. **Tiles.** The scene is read in tiles of ``tile_px`` (2048) with a halo of the outer
   window plus the longest object; an object belongs to the tile whose core holds its
   centroid, so results do not depend on the tile size and memory is bounded by one tile
   (about 60 bytes per pixel of the padded tile).

Output: a :class:`~.schema.DetectionSet` (``detection_id = f"{scene_id}:{n}"``, ``line = n``
the object's number in raster order of the centroid); the scene's footprint is the raster's
outline in lon/lat. Scene id, sensor, polarisation and times come from ``scene_id=`` /
``time=`` arguments, the GeoTIFF tags ``DARKFLEET_SCENE_ID``, ``SENSOR``, ``POLARISATION``,
``START_TIME``, ``END_TIME``, or a Sentinel-1 product name in the file name.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC as _TZ_UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import ConfigError, FormatError, InputError
from ..io.source import file_source_id
from .readers import _parse_time
from .schema import DETECTION_REJECTS, DETECTIONS, SCENES, DetectionSet

__all__ = ["CfarConfig", "DetectionResult", "detect_array", "detect_scene"]

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CfarConfig:
    """Parameters of the detector (see the module's Definition for each one's origin)."""

    inner_m: float = 200.0
    outer_m: float = 600.0
    n_sigma: float = 5.0
    peak_sigma: float = 10.0
    min_ring_fraction: float = 0.25
    merge_m: float = 20.0
    min_pixels: int = 1
    max_length_m: float = 600.0
    land_buffer_m: float = 500.0
    units: str = "auto"
    band: int = 1
    tile_px: int = 2048

    def __post_init__(self) -> None:
        if not 0 < self.inner_m < self.outer_m:
            raise ConfigError(
                f"cfar: need 0 < inner_m < outer_m, got inner_m={self.inner_m}, "
                f"outer_m={self.outer_m}."
            )
        if self.n_sigma <= 0 or self.min_pixels < 1 or self.tile_px < 64:
            raise ConfigError(
                f"cfar: n_sigma={self.n_sigma} must be > 0, min_pixels={self.min_pixels} >= 1, "
                f"tile_px={self.tile_px} >= 64."
            )
        if self.peak_sigma < self.n_sigma:
            raise ConfigError(
                f"cfar: peak_sigma={self.peak_sigma} must be >= n_sigma={self.n_sigma}."
            )
        if not 0 < self.min_ring_fraction <= 1:
            raise ConfigError(
                f"cfar: min_ring_fraction={self.min_ring_fraction} must be in (0, 1]."
            )
        if self.units not in ("auto", "linear", "db"):
            raise ConfigError(f"cfar: units={self.units!r}; use auto, linear or db.")

    def with_overrides(self, overrides: dict[str, Any]) -> CfarConfig:
        """A copy with ``{"n_sigma": 6, ...}`` applied (names as the fields; ``cfar.`` prefix
        allowed); values are converted to the field's type."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            name = key.removeprefix("cfar.")
            if name not in known:
                raise ConfigError(f"cfar: unknown parameter {key!r}; known: {sorted(known)}.")
            kind = type(getattr(self, name))
            try:
                changes[name] = kind(value)
            except (TypeError, ValueError) as err:
                raise ConfigError(f"cfar.{name}={value!r}: not a {kind.__name__}.") from err
        return replace(self, **changes)


@dataclass(frozen=True)
class DetectionResult:
    """What :func:`detect_array` found in one array (or tile): object rows and counts."""

    objects: pl.DataFrame  # row, col (float, pixel), length_m, width_m, heading_deg, z_peak, ...
    bright_pixels: int
    too_small: int
    too_large: pl.DataFrame


# ----------------------------------------------------------------------------------------------
# the array-level detector (pure: no I/O)


def detect_array(
    img: F32,
    valid: B,
    *,
    pixel_m: tuple[float, float],
    config: CfarConfig = CfarConfig(),
    core: tuple[int, int, int, int] | None = None,
    origin: tuple[int, int] = (0, 0),
) -> DetectionResult:
    """Run CFAR + objects on one array of linear intensity (``valid`` false = masked).

    ``pixel_m``: (column spacing, row spacing) in metres. ``core``: (row0, row1, col0, col1);
    only objects whose centroid falls in it are returned (tiles with halos). ``origin``: the
    array's (row, col) in the scene; objects' ``row`` / ``col`` are scene pixel coordinates
    (intensity-weighted centroid; computed from scene coordinates, so that results do not
    depend on the tiling), ``axis_dx`` / ``axis_dy`` the major axis as a unit vector in
    (column, row) pixel steps.
    """
    from scipy import ndimage

    from ._cfar import cfar_mask

    dx, dy = pixel_m
    inner = max(1, round(config.inner_m / min(dx, dy)))
    outer = max(inner + 1, round(config.outer_m / min(dx, dy)))
    ring_total = (2 * outer + 1) ** 2 - (2 * inner + 1) ** 2
    min_ring = max(1, int(config.min_ring_fraction * ring_total))
    bright, z = cfar_mask(
        np.ascontiguousarray(img, dtype=np.float32),
        np.ascontiguousarray(valid),
        inner,
        outer,
        float(config.n_sigma),
        min_ring,
        0.0,
    )
    rows, cols = np.nonzero(bright)
    empty_objects = _objects_frame({})
    if rows.size == 0:
        return DetectionResult(empty_objects, 0, 0, empty_objects)
    merge_px = round(config.merge_m / min(dx, dy))
    if merge_px > 0:
        r0, r1 = rows.min(), rows.max() + 1
        c0, c1 = cols.min(), cols.max() + 1
        sub = bright[r0:r1, c0:c1]
        grown = ndimage.binary_dilation(
            np.pad(sub, merge_px), structure=np.ones((3, 3), bool), iterations=merge_px
        )
        labels_sub, n_obj = ndimage.label(grown, structure=np.ones((3, 3), int))
        lab = labels_sub[rows - r0 + merge_px, cols - c0 + merge_px]
    else:
        labels_full, n_obj = ndimage.label(bright, structure=np.ones((3, 3), int))
        lab = labels_full[rows, cols]
    w = img[rows, cols].astype(np.float64)
    zz = z[rows, cols].astype(np.float64)
    rows = rows + origin[0]
    cols = cols + origin[1]
    m = n_obj + 1
    npx = np.bincount(lab, minlength=m)
    sw = np.bincount(lab, w, minlength=m)
    ry = np.bincount(lab, w * rows, minlength=m) / np.maximum(sw, 1e-300)
    cx = np.bincount(lab, w * cols, minlength=m) / np.maximum(sw, 1e-300)
    # unweighted central second moments in metres (shape, not brightness), two passes
    n_safe = np.maximum(npx, 1)
    mc = np.bincount(lab, cols, minlength=m) / n_safe
    mr = np.bincount(lab, rows, minlength=m) / n_safe
    xm, ym = (cols - mc[lab]) * dx, (rows - mr[lab]) * dy
    sxx = np.bincount(lab, xm * xm, minlength=m) / n_safe
    syy = np.bincount(lab, ym * ym, minlength=m) / n_safe
    sxy = np.bincount(lab, xm * ym, minlength=m) / n_safe
    tr, det = sxx + syy, sxx * syy - sxy * sxy
    disc = np.sqrt(np.maximum(tr * tr / 4 - det, 0.0))
    l1, l2 = np.maximum(tr / 2 + disc, 0.0), np.maximum(tr / 2 - disc, 0.0)
    theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)  # major axis angle in (x east-ish, y down) metres
    area = dx * dy
    length = np.sqrt(12 * l1 + area)
    width = np.sqrt(12 * l2 + area)
    zpk = np.zeros(m)
    np.maximum.at(zpk, lab, zz)
    obj = pl.DataFrame(
        {
            "label": np.arange(m, dtype=np.int64),
            "row": ry,
            "col": cx,
            "n_pixels": npx.astype(np.int64),
            "length_m": length,
            "width_m": width,
            "axis_dx": np.cos(theta) / dx,
            "axis_dy": np.sin(theta) / dy,
            "z_peak": zpk,
            "sum_intensity": sw,
        }
    ).slice(1)
    if core is not None:
        r0, r1, c0, c1 = (
            core[0] + origin[0],
            core[1] + origin[0],
            core[2] + origin[1],
            core[3] + origin[1],
        )
        obj = obj.filter(
            (pl.col("row") >= r0 - 0.5)
            & (pl.col("row") < r1 - 0.5)
            & (pl.col("col") >= c0 - 0.5)
            & (pl.col("col") < c1 - 0.5)
        )
    ship_like = (pl.col("n_pixels") >= config.min_pixels) & (pl.col("z_peak") >= config.peak_sigma)
    too_small = obj.filter(~ship_like)
    too_large = obj.filter(ship_like & (pl.col("length_m") > config.max_length_m))
    keep = obj.filter(ship_like & (pl.col("length_m") <= config.max_length_m))
    return DetectionResult(_objects_frame(keep), int(rows.size), too_small.height, too_large)


def _objects_frame(obj: pl.DataFrame | dict[str, Any]) -> pl.DataFrame:
    schema = {
        "label": pl.Int64,
        "row": pl.Float64,
        "col": pl.Float64,
        "n_pixels": pl.Int64,
        "length_m": pl.Float64,
        "width_m": pl.Float64,
        "axis_dx": pl.Float64,
        "axis_dy": pl.Float64,
        "z_peak": pl.Float64,
        "sum_intensity": pl.Float64,
    }
    if isinstance(obj, dict):
        return pl.DataFrame(schema=schema)
    return obj.select(list(schema))


# ----------------------------------------------------------------------------------------------
# the scene-level detector (GeoTIFF in, canonical tables out)

_S1_NAME = re.compile(r"(S1[ABC])_\w\w_\w{4}_\w{4}_(\d{8}T\d{6})_(\d{8}T\d{6})")


def detect_scene(
    path: str | Path,
    config: CfarConfig = CfarConfig(),
    *,
    land: Any = "auto",
    scene_id: str | None = None,
    time: datetime | str | None = None,
    sensor: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DetectionSet:
    """Detect vessels in the calibrated SAR GeoTIFF at ``path`` (see the module's Definition).

    ``land``: ``"auto"`` (the packaged land mask), ``None`` (no land masking), or a shapely
    geometry in lon/lat (land polygons; e.g. a precise coastline). ``scene_id`` / ``time`` /
    ``sensor`` override what the file says. ``progress(done_tiles, total_tiles)`` is called
    after each tile. Raises :class:`InputError` for a missing or unreadable file and
    :class:`FormatError` for a raster without georeferencing.
    """
    import rasterio
    from rasterio.windows import Window

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file. Check the path.")
    try:
        with warnings.catch_warnings():  # checked below, with a message that says what to do
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            src = rasterio.open(p)
    except rasterio.errors.RasterioIOError as err:
        raise InputError(f"{p}: cannot read it as a raster ({err}).") from err
    # GDAL's block cache (default 5 % of RAM) would hold blocks we never read again
    with rasterio.Env(GDAL_CACHEMAX=64), src:
        if src.crs is None or src.transform.is_identity:
            raise FormatError(
                f"{p}: the raster has no CRS/transform; detections need its georeferencing "
                "(a GeoTIFF from the SAR processor, e.g. SNAP terrain-corrected GRD)."
            )
        if not 1 <= config.band <= src.count:
            raise ConfigError(f"cfar.band={config.band}: {p} has {src.count} band(s).")
        meta = _scene_meta(p, src.tags(), scene_id, time, sensor)
        pixel_m = _pixel_metres(src)
        db = _is_db(src, config)
        halo = (
            math.ceil(config.outer_m / min(pixel_m))
            + math.ceil(config.max_length_m / min(pixel_m))
            + math.ceil(config.merge_m / min(pixel_m))
            + 2
        )
        land_geom = _land_geometry(land, src)
        t = config.tile_px
        tiles = [(r, c) for r in range(0, src.height, t) for c in range(0, src.width, t)]
        parts: list[pl.DataFrame] = []
        large: list[pl.DataFrame] = []
        for k, (r, c) in enumerate(tiles):
            r0, c0 = max(r - halo, 0), max(c - halo, 0)
            r1, c1 = min(r + t + halo, src.height), min(c + t + halo, src.width)
            win = Window(c0, r0, c1 - c0, r1 - r0)
            band = src.read(config.band, window=win, masked=False).astype(np.float32, copy=False)
            img, valid = _calibrate(band, src.nodata, db)
            del band
            if land is not None:
                valid &= ~_land_mask(src, win, land_geom, config.land_buffer_m, pixel_m)
            res = detect_array(
                img,
                valid,
                pixel_m=pixel_m,
                config=config,
                core=(r - r0, min(r + t, src.height) - r0, c - c0, min(c + t, src.width) - c0),
                origin=(r0, c0),
            )
            del img, valid
            parts.append(res.objects)
            large.append(res.too_large)
            if progress is not None:
                progress(k + 1, len(tiles))
        objects = pl.concat(parts, how="vertical").sort("row", "col")
        too_large = pl.concat(large, how="vertical").sort("row", "col")
        footprint = _footprint_wkt(src)
        det = _to_detections(objects, src, meta, config)
        sid = file_source_id(p)
        det = det.with_columns(pl.lit(sid).alias("source_id"))
        rejects = _too_large_rejects(too_large, src, sid, det.height, config)
    scenes = pl.DataFrame(
        [
            {
                "scene_id": meta["scene_id"],
                "sensor": meta["sensor"],
                "polarisation": meta["polarisation"],
                "start_time": meta["start_time"],
                "end_time": meta["end_time"],
                "footprint_wkt": footprint,
                "n_detections": det.height,
                "source_id": sid,
            }
        ],
        schema=SCENES,
    )
    return DetectionSet(detections=det, scenes=scenes, rejects=rejects, source_path=p)


def _scene_meta(
    p: Path,
    tags: dict[str, str],
    scene_id: str | None,
    time: datetime | str | None,
    sensor: str | None,
) -> dict[str, Any]:
    s1 = _S1_NAME.search(p.name)
    start = _parse_time(tags.get("START_TIME"))
    end = _parse_time(tags.get("END_TIME"))
    name_sensor = None
    if s1 is not None:
        name_sensor = {"S1A": "Sentinel-1A", "S1B": "Sentinel-1B", "S1C": "Sentinel-1C"}[
            s1.group(1)
        ]
        fmt = "%Y%m%dT%H%M%S"
        start = start or datetime.strptime(s1.group(2), fmt).replace(tzinfo=_TZ_UTC)
        end = end or datetime.strptime(s1.group(3), fmt).replace(tzinfo=_TZ_UTC)
    if time is not None:
        t = _parse_time(time) if isinstance(time, str) else time
        if t is None or t.tzinfo is None:
            raise ConfigError(f"time {time!r}: give a timezone-aware ISO 8601 time.")
        start = end = t.astimezone(_TZ_UTC)
    return {
        "scene_id": scene_id or tags.get("DARKFLEET_SCENE_ID") or p.stem,
        "sensor": sensor or tags.get("SENSOR") or name_sensor or "SAR",
        "polarisation": tags.get("POLARISATION") or None,
        "start_time": start,
        "end_time": end or start,
    }


def _pixel_metres(src: Any) -> tuple[float, float]:
    a, e = abs(src.transform.a), abs(src.transform.e)
    if src.crs.is_geographic:
        lat = math.radians((src.bounds.top + src.bounds.bottom) / 2)
        m = 111_320.0
        return a * m * math.cos(lat), e * m
    factor = src.crs.linear_units_factor[1] if src.crs.linear_units_factor else 1.0
    return a * factor, e * factor


def _is_db(src: Any, config: CfarConfig) -> bool:
    if config.units != "auto":
        return config.units == "db"
    from rasterio.windows import Window

    h, w = min(src.height, 512), min(src.width, 512)
    win = Window((src.width - w) // 2, (src.height - h) // 2, w, h)
    sample = src.read(config.band, window=win).astype(np.float64)
    sample = sample[np.isfinite(sample)]
    if src.nodata is not None:
        sample = sample[sample != src.nodata]
    return bool(sample.size and np.median(sample) < 0)


def _calibrate(band: F32, nodata: float | None, db: bool) -> tuple[F32, B]:
    valid = np.isfinite(band)
    if nodata is not None and not math.isnan(nodata):
        valid &= band != nodata
    if db:
        img = np.power(np.float32(10.0), band / np.float32(10.0), dtype=np.float32)
    else:
        img = band
        valid &= band > 0
    img = np.where(valid, img, np.float32(0.0)).astype(np.float32, copy=False)
    return img, valid


def _land_geometry(land: Any, src: Any) -> Any:
    """Land as a shapely geometry in the raster's CRS, "auto", or None."""
    if land is None or (isinstance(land, str) and land == "auto"):
        return land
    import shapely
    from rasterio.warp import transform_geom

    if not hasattr(land, "geom_type"):
        raise ConfigError(f"land={land!r}: give 'auto', None or a shapely geometry in lon/lat.")
    geom = transform_geom("EPSG:4326", src.crs, shapely.geometry.mapping(land))
    return shapely.geometry.shape(geom)


def _land_mask(
    src: Any, win: Any, land_geom: Any, buffer_m: float, pixel_m: tuple[float, float]
) -> B:
    """Land (buffered) on the window's pixel grid."""
    h, w = int(win.height), int(win.width)
    tr = window_transform(win, src.transform)
    if isinstance(land_geom, str):  # "auto"
        return packaged_land(src.crs, tr, (h, w), buffer_m=buffer_m, pixel_m=pixel_m)
    from rasterio.features import rasterize

    metres_per_unit = _pixel_metres(src)[0] / abs(src.transform.a)
    geom = land_geom.buffer(buffer_m / metres_per_unit) if buffer_m > 0 else land_geom
    if geom.is_empty:
        return np.zeros((h, w), np.bool_)
    out = rasterize(
        [geom],
        out_shape=(h, w),
        transform=tr,
        fill=0,
        default_value=1,
        dtype="uint8",
        all_touched=True,
    )
    return out.astype(np.bool_)


def packaged_land(
    crs: Any,
    transform: Any,
    shape: tuple[int, int],
    *,
    buffer_m: float,
    pixel_m: tuple[float, float],
) -> B:
    """Land from the packaged 1 km global land mask on a raster grid (``crs``, ``transform``,
    ``shape``), buffered by ``buffer_m``: the mask is sampled every ~250 m, buffered on that
    coarse grid and expanded to the pixels (nearest neighbour)."""
    from rasterio.warp import transform as warp
    from scipy import ndimage

    from ..simulate._seamask import sea_mask

    h, w = shape
    step = max(1, int(250.0 // min(pixel_m)))
    radius = math.ceil(buffer_m / (step * min(pixel_m)))
    pad = radius * step  # land just outside the grid still buffers into it
    rr = np.arange(-pad, h + pad, step) + step / 2
    cc = np.arange(-pad, w + pad, step) + step / 2
    C, R = np.meshgrid(cc, rr)
    xs, ys = affine_xy(transform, C.ravel(), R.ravel())
    lon, lat = warp(crs, "EPSG:4326", list(np.asarray(xs)), list(np.asarray(ys)))
    land = ~sea_mask(np.asarray(lon), np.asarray(lat)).reshape(C.shape)
    if radius > 0 and land.any():
        yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
        land = ndimage.binary_dilation(land, structure=(xx * xx + yy * yy) <= radius * radius)
    if radius > 0:
        land = land[radius:-radius, radius:-radius]
    full = np.repeat(np.repeat(land, step, axis=0), step, axis=1)
    return np.ascontiguousarray(full[:h, :w])


def window_transform(win: Any, tr: Any) -> Any:
    """The geotransform of a window (``rasterio.windows.transform`` without the deprecated
    ``Affine * Affine`` product)."""
    from affine import Affine

    c0, r0 = float(win.col_off), float(win.row_off)
    return Affine(
        tr.a, tr.b, tr.c + tr.a * c0 + tr.b * r0, tr.d, tr.e, tr.f + tr.d * c0 + tr.e * r0
    )


def affine_xy(tr: Any, cols: F64, rows: F64) -> tuple[F64, F64]:
    """Map coordinates of continuous pixel coordinates (``col``, ``row``; a pixel's centre is
    at +0.5) through an affine geotransform."""
    c, r = np.asarray(cols, np.float64), np.asarray(rows, np.float64)
    return tr.a * c + tr.b * r + tr.c, tr.d * c + tr.e * r + tr.f


def _to_lonlat(src: Any, rows: F64, cols: F64) -> tuple[F64, F64]:
    from rasterio.warp import transform as warp

    if rows.size == 0:
        return np.zeros(0), np.zeros(0)
    xs, ys = affine_xy(src.transform, cols + 0.5, rows + 0.5)
    lon, lat = warp(src.crs, "EPSG:4326", list(np.asarray(xs)), list(np.asarray(ys)))
    return np.asarray(lon, np.float64), np.asarray(lat, np.float64)


def _to_detections(
    objects: pl.DataFrame, src: Any, meta: dict[str, Any], config: CfarConfig
) -> pl.DataFrame:
    rows, cols = objects["row"].to_numpy(), objects["col"].to_numpy()
    lon, lat = _to_lonlat(src, rows, cols)
    # heading: bearing from the centroid to a point along the major axis (true north)
    step = 5.0
    lon2, lat2 = _to_lonlat(
        src,
        rows + step * objects["axis_dy"].to_numpy(),
        cols + step * objects["axis_dx"].to_numpy(),
    )
    phi1, phi2 = np.radians(lat), np.radians(lat2)
    dl = np.radians(lon2 - lon)
    bearing = (
        np.degrees(
            np.arctan2(
                np.sin(dl) * np.cos(phi2),
                np.cos(phi1) * np.sin(phi2) - np.sin(phi1) * np.cos(phi2) * np.cos(dl),
            )
        )
        % 180.0
    )
    n = np.arange(1, objects.height + 1, dtype=np.int64)
    zpk = objects["z_peak"].to_numpy()
    return pl.DataFrame(
        {
            "detection_id": [f"{meta['scene_id']}:{i}" for i in n],
            "scene_id": meta["scene_id"],
            "sensor": meta["sensor"],
            "polarisation": meta["polarisation"],
            "start_time": meta["start_time"],
            "end_time": meta["end_time"],
            "lon": lon,
            "lat": lat,
            "length_m": objects["length_m"].to_numpy(),
            "width_m": objects["width_m"].to_numpy(),
            "heading_deg": np.round(bearing, 2),
            "confidence": np.clip(1.0 - config.peak_sigma / np.maximum(zpk, 1e-9), 0.0, 1.0),
            "provider_id": None,
            "line": n,
        },
        schema_overrides={
            k: v
            for k, v in DETECTIONS.items()
            if k in ("start_time", "end_time", "polarisation", "provider_id")
        },
    )


def _too_large_rejects(
    too_large: pl.DataFrame, src: Any, sid: str, offset: int, config: CfarConfig
) -> pl.DataFrame:
    if too_large.height == 0:
        return pl.DataFrame(schema=DETECTION_REJECTS)
    lon, lat = _to_lonlat(src, too_large["row"].to_numpy(), too_large["col"].to_numpy())
    return pl.DataFrame(
        {
            "source_id": sid,
            "line": np.arange(offset + 1, offset + 1 + too_large.height, dtype=np.int64),
            "reason": "too_large",
            "value": [
                f"length_m={ln:.0f} > max_length_m={config.max_length_m:.0f} at lon={lo:.5f} lat={la:.5f}"
                for ln, lo, la in zip(too_large["length_m"].to_list(), lon, lat, strict=True)
            ],
            "raw": [
                f"row={r:.1f} col={c:.1f} n_pixels={n}"
                for r, c, n in too_large.select("row", "col", "n_pixels").iter_rows()
            ],
        },
        schema=DETECTION_REJECTS,
    )


def _footprint_wkt(src: Any) -> str:
    import shapely
    from rasterio.warp import transform as warp

    h, w = src.height, src.width
    k = 10
    cols = np.concatenate([np.linspace(0, w, k), np.full(k, w), np.linspace(w, 0, k), np.zeros(k)])
    rows = np.concatenate([np.zeros(k), np.linspace(0, h, k), np.full(k, h), np.linspace(h, 0, k)])
    xs, ys = affine_xy(src.transform, cols, rows)
    lon, lat = warp(src.crs, "EPSG:4326", list(np.asarray(xs)), list(np.asarray(ys)))
    poly = shapely.Polygon(list(zip(lon, lat, strict=True)))
    poly = shapely.make_valid(poly) if not poly.is_valid else poly
    return shapely.to_wkt(shapely.normalize(poly), rounding_precision=7, trim=True)
