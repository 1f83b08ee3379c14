"""A tiles-free basemap: land polygons for the data's bounding box, from a packaged grid.

Source: the GSHHG distance-to-coast grid shipped inside the ``landmetrics`` package (0.1 degree,
every island; what :func:`darkfleet.geo.distance_from_shore_km` reads). The signed distance is
sampled (bilinear) on a regular lon/lat grid over the box, ``step = max(0.01°, longest side /
MAX_CELLS)``; cells with a negative distance are land; their outlines (``rasterio.features
.shapes``) are merged and simplified with Douglas-Peucker at ``0.75 * step``. The coast is
therefore good to about one grid step (2 km for a 15-degree box) — a backdrop, not a chart.
Nothing is downloaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["MAX_CELLS", "Basemap", "land_polygons"]

#: Cells along the longest side of the sampled box.
MAX_CELLS = 900


@dataclass(frozen=True)
class Basemap:
    """Land as lists of rings (``[[lat, lon], ...]``, Leaflet order) and how it was made."""

    bbox: tuple[float, float, float, float]
    step_deg: float
    #: Polygons; each a list of rings (outer first, then holes); rings of [lat, lon] pairs.
    polygons: list[list[list[list[float]]]]
    source: str
    n_vertices: int


def _rings(geom: shapely.Geometry) -> list[list[list[list[float]]]]:
    out = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty:
            continue
        rings = [poly.exterior, *poly.interiors]
        out.append([[[round(y, 4), round(x, 4)] for x, y in np.asarray(r.coords)] for r in rings])
    return out


def land_polygons(bbox: tuple[float, float, float, float]) -> Basemap:
    """Land inside ``bbox`` (lon_min, lat_min, lon_max, lat_max); see the module doc."""
    import landmetrics
    from affine import Affine
    from rasterio import features

    x0, y0, x1, y1 = bbox
    x0, x1 = max(-180.0, x0), min(180.0, x1)
    y0, y1 = max(-85.0, y0), min(85.0, y1)
    source = "GSHHG distance-to-coast grid, 0.1° (landmetrics package)"
    if x1 <= x0 or y1 <= y0:
        return Basemap((x0, y0, x1, y1), 0.0, [], source, 0)
    step = max(0.01, max(x1 - x0, y1 - y0) / MAX_CELLS)
    nx, ny = math.ceil((x1 - x0) / step), math.ceil((y1 - y0) / step)
    lon = x0 + step * (np.arange(nx) + 0.5)
    lat = y1 - step * (np.arange(ny) + 0.5)
    glon, glat = np.meshgrid(lon, lat)
    grid = landmetrics.open_distance_to_land(
        resolution_deg=0.1, min_island_area_km2=0.0, download=False
    )
    dist = np.asarray(grid.query(glat.ravel(), glon.ravel()), dtype=np.float64).reshape(ny, nx)
    land = (dist < 0).astype(np.uint8)
    if not land.any():
        return Basemap((x0, y0, x1, y1), step, [], source, 0)
    transform = Affine(step, 0.0, x0, 0.0, -step, y1)
    polys = [
        shapely.geometry.shape(g)
        for g, _ in features.shapes(land, mask=land.astype(bool), transform=transform)
    ]
    merged = shapely.simplify(shapely.union_all(polys), step * 0.75)
    rings = _rings(merged)
    return Basemap((x0, y0, x1, y1), step, rings, source, shapely.get_num_coordinates(merged))
