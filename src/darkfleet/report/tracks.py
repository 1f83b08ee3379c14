"""Vessel tracks for the report map, decimated so the page stays small.

Rule (stated in the report's methods): a vessel's positions (time order, valid lon/lat only)
are cut into parts wherever consecutive positions are more than ``break_h`` apart (the gap
threshold, ``gaps.min_gap_h``: those silences are drawn as gaps instead) or imply more than
``max_speed_kn`` (a position jump: an MMSI shared by two ships, or a bad fix, must not draw a
line across the sea), and at each UTC midnight. Each part (a *vessel-segment-day*) is simplified
with Douglas-Peucker (``shapely.simplify``, tolerance ``tolerance_deg``, default 0.002° ≈
200 m), then, if still longer than ``max_points`` (300), thinned to every k-th vertex (first and
last kept). Parts of one vessel that meet at midnight are joined again for drawing.
Coordinates are rounded to 4 decimals (≈ 11 m). All column-wise (polars, shapely), no
per-position Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely

__all__ = ["TrackRule", "decimate_tracks"]


@dataclass(frozen=True)
class TrackRule:
    """Parameters of :func:`decimate_tracks` (see the module doc)."""

    break_h: float = 6.0
    max_speed_kn: float = 50.0
    tolerance_deg: float = 0.002
    max_points: int = 300

    def describe(self) -> str:
        return (
            f"Tracks are cut at silences over {self.break_h:g} h (drawn as gaps), at jumps "
            f"implying over {self.max_speed_kn:g} kn and at each UTC midnight; each "
            f"vessel-segment-day is simplified with Douglas\u2013Peucker at {self.tolerance_deg:g}° "
            f"(≈ {self.tolerance_deg * 111_000:,.0f} m) and capped at {self.max_points} points "
            "(every k-th vertex kept beyond that); coordinates rounded to 4 decimals."
        )


def decimate_tracks(
    positions: pl.DataFrame, rule: TrackRule | None = None
) -> tuple[dict[int, list[list[list[float]]]], dict[str, int]]:
    """``{mmsi: [part, ...]}`` with each part a list of ``[lat, lon]`` (Leaflet order), and
    counts ``{"positions": n_in, "points": n_out, "parts": n}``.

    ``positions`` needs ``mmsi, timestamp, lon, lat``; rows with null time or coordinates
    outside ±180/±90 are not drawn. The input is not modified.
    """
    r = rule or TrackRule()
    frame = (
        positions.lazy()
        .select("mmsi", "timestamp", "lon", "lat")
        .filter(
            pl.col("timestamp").is_not_null()
            & pl.col("mmsi").is_not_null()
            & pl.col("lon").is_between(-180.0, 180.0)
            & pl.col("lat").is_between(-90.0, 90.0)
        )
        .sort("mmsi", "timestamp", maintain_order=True)
        .collect()
    )
    if frame.height == 0:
        return {}, {"positions": 0, "points": 0, "parts": 0}
    dt_h = frame["timestamp"].diff().dt.total_microseconds().cast(pl.Float64) / 3.6e9
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    mmsi = frame["mmsi"].to_numpy()
    dlat = np.radians(np.diff(lat, prepend=lat[0]))
    dlon = np.radians(np.diff(lon, prepend=lon[0]))
    mlat = np.radians(lat)
    a = np.sin(dlat / 2) ** 2 + np.cos(mlat) * np.cos(mlat - dlat) * np.sin(dlon / 2) ** 2
    dist_nm = 2 * 3440.065 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    dt = dt_h.fill_null(0.0).to_numpy()
    speed = np.where(dt > 0, dist_nm / np.maximum(dt, 1e-9), np.where(dist_nm > 1.0, np.inf, 0))
    day = frame["timestamp"].dt.date().to_physical().to_numpy()
    new_vessel = np.r_[True, mmsi[1:] != mmsi[:-1]]
    new_day = np.r_[True, day[1:] != day[:-1]]
    broken = (dt > r.break_h) | (speed > r.max_speed_kn)
    start = new_vessel | new_day | broken
    part = np.cumsum(start) - 1
    # a part continues across midnight: remember which parts join their predecessor
    joins = (new_day & ~new_vessel & ~broken)[start]
    coords = np.column_stack([lon, lat])
    counts = np.bincount(part)
    # single-point parts: duplicate the point so a linestring can be made
    singles = np.flatnonzero(counts == 1)
    if singles.size:
        first = np.r_[0, np.cumsum(counts)[:-1]]
        coords = np.insert(coords, first[singles], coords[first[singles]], axis=0)
        part = np.insert(part, first[singles], singles)
    lines = shapely.linestrings(coords, indices=part)
    simple = shapely.simplify(lines, r.tolerance_deg, preserve_topology=False)
    pts, idx = shapely.get_coordinates(simple, return_index=True)
    out_counts = np.bincount(idx, minlength=len(lines))
    offsets = np.r_[0, np.cumsum(out_counts)]
    rank = np.arange(len(idx)) - offsets[idx]
    k = np.maximum(1, np.ceil(out_counts / r.max_points).astype(np.int64))
    last = rank == out_counts[idx] - 1
    keep = (rank % k[idx] == 0) | last
    pts, idx = np.round(pts[keep], 4), idx[keep]
    part_mmsi = mmsi[start]
    tracks: dict[int, list[list[list[float]]]] = {}
    bounds = np.r_[0, np.cumsum(np.bincount(idx, minlength=len(lines)))]
    latlon = pts[:, ::-1].tolist()
    for p in range(len(lines)):
        seg = latlon[bounds[p] : bounds[p + 1]]
        if len(seg) > 1 and seg[0] == seg[-1] and len(seg) == 2:
            seg = seg[:1]
        vessel = tracks.setdefault(int(part_mmsi[p]), [])
        if joins[p] and vessel:
            vessel[-1].extend(seg)
        else:
            vessel.append(seg)
    n_parts = sum(len(v) for v in tracks.values())
    return tracks, {"positions": frame.height, "points": len(latlon), "parts": n_parts}
