"""Ships in port per scene: how many ships a satellite saw in a port, how many broadcast AIS.

Definition (``port_scenes`` table)
----------------------------------
For every scene and every port whose point lies inside the scene's footprint (any port near a
detection when the footprint is unknown), a detection is **in the port** when it lies within
the port's entry distance: the port's own ``radius_m`` when set, else ``radius_m`` (3000 m, the
port-visit entry distance, GFW's ``anchorage_entry_distance_km: 3.0``); a detection near two
ports counts for the nearest. Of those, ``n_broadcasting`` were matched to an AIS vessel and
``n_dark`` were not (:mod:`darkfleet.satellite.match`). ``n_ais_expected`` counts the AIS
vessels that the matching placed within the same distance at the acquisition (interpolated
or extrapolated, not stale), ``n_ais_missed`` those of them that no detection matched. The
sentence reads "N ships in Najin on 9 Dec 2024, of which M broadcasting AIS".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import shapely

from ..ports import PortIndex, load_ports
from ..schema import UTC
from .match import MatchResult

__all__ = ["PORT_SCENES", "ships_in_port"]

#: One row per (scene, port) with at least one detection or expected AIS vessel in the port.
PORT_SCENES: dict[str, pl.DataType] = {
    "scene_id": pl.String(),
    "port_id": pl.String(),
    "port_name": pl.String(),
    "port_country": pl.String(),
    "acquisition_time": UTC,
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "radius_m": pl.Float64(),
    "n_detected": pl.Int64(),
    "n_broadcasting": pl.Int64(),
    "n_dark": pl.Int64(),
    "n_ais_expected": pl.Int64(),
    "n_ais_missed": pl.Int64(),
    "detection_ids": pl.List(pl.String()),
    "dark_detection_ids": pl.List(pl.String()),
    "mmsis": pl.List(pl.Int64()),
    "sentence": pl.String(),
}


def _index(ports: PortIndex | pl.DataFrame | None) -> PortIndex:
    if isinstance(ports, PortIndex):
        return ports
    return PortIndex(load_ports() if ports is None else ports)


def _near(
    index: PortIndex, lon: np.ndarray, lat: np.ndarray, radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """(point index, port index) of points within each port's entry distance; nearest port."""
    per_port = index.ports["radius_m"].fill_null(radius_m).to_numpy().astype(np.float64)
    reach = float(max(radius_m, per_port.max() if per_port.size else radius_m))
    pos, port, dist = index.within(lon, lat, reach)
    keep = dist <= per_port[port]
    pos, port = pos[keep], port[keep]
    first = np.r_[True, pos[1:] != pos[:-1]] if pos.size else np.zeros(0, bool)
    return pos[first], port[first]


def _sentence(n: int, m: int, port: str, when: Any, scene_id: str, missed: int) -> str:
    day = f"{when.day} {when:%b %Y}"
    ships = "ship" if n == 1 else "ships"
    text = f"{n} {ships} in {port} on {day}, of which {m} broadcasting AIS"
    text += f" (scene {scene_id}, {when:%H:%M} UTC)"
    if missed:
        text += f"; {missed} AIS {'vessel' if missed == 1 else 'vessels'} reported there not seen"
    return text


def ships_in_port(
    detections: pl.DataFrame,
    scenes: pl.DataFrame | None,
    match_result: MatchResult,
    ports: PortIndex | pl.DataFrame | None = None,
    *,
    radius_m: float = 3000.0,
) -> pl.DataFrame:
    """The :data:`PORT_SCENES` table (module docstring): per scene and port, ships detected,
    broadcasting, dark, and AIS vessels expected there. ``ports``: a :class:`PortIndex`, a
    ports frame, or None for the packaged World Port Index. Sorted by time, scene, port."""
    index = _index(ports)
    names = index.ports
    matched = dict(
        zip(
            match_result.matches["detection_id"].to_list(),
            match_result.matches["mmsi"].to_list(),
            strict=True,
        )
    )
    dark = set(match_result.dark["detection_id"].to_list())
    footprints: dict[str, Any] = {}
    if scenes is not None and scenes.height:
        for sid, wkt in scenes.select("scene_id", "footprint_wkt").iter_rows():
            footprints[sid] = shapely.from_wkt(wkt) if wkt else None
    acq = {}
    for sid, t0, t1 in (
        detections.select("scene_id", "start_time", "end_time")
        .unique("scene_id", keep="first", maintain_order=True)
        .iter_rows()
    ):
        acq[sid] = t0 + ((t1 or t0) - t0) / 2
    for sid, t in (
        match_result.expected.select("scene_id", "acquisition_time")
        .unique("scene_id", keep="first", maintain_order=True)
        .iter_rows()
    ):
        acq.setdefault(sid, t)
    rows: dict[tuple[str, int], dict[str, Any]] = {}

    def row(sid: str, p: int) -> dict[str, Any] | None:
        fp = footprints.get(sid)
        plon, plat = float(names["lon"][p]), float(names["lat"][p])
        if fp is not None and not shapely.contains_xy(fp, plon, plat):
            return None
        key = (sid, p)
        if key not in rows:
            rows[key] = {"det": [], "dark": [], "mmsi": [], "ais": 0, "ais_missed": 0}
        return rows[key]

    det_ids = detections["detection_id"].to_list()
    det_scene = detections["scene_id"].to_list()
    pos, port = _near(index, detections["lon"].to_numpy(), detections["lat"].to_numpy(), radius_m)
    for i, p in zip(pos.tolist(), port.tolist(), strict=True):
        r = row(det_scene[i], p)
        if r is None:
            continue
        did = det_ids[i]
        r["det"].append(did)
        if did in matched:
            r["mmsi"].append(matched[did])
        elif did in dark:
            r["dark"].append(did)
    ex = match_result.expected.filter(pl.col("method") != "stale")
    pos, port = _near(index, ex["ais_lon"].to_numpy(), ex["ais_lat"].to_numpy(), radius_m)
    ex_scene = ex["scene_id"].to_list()
    ex_match = ex["matched_detection_id"].to_list()
    for i, p in zip(pos.tolist(), port.tolist(), strict=True):
        r = row(ex_scene[i], p)
        if r is None:
            continue
        r["ais"] += 1
        r["ais_missed"] += ex_match[i] is None
    out = []
    per_port = names["radius_m"].to_list()
    for (sid, p), r in rows.items():
        when = acq.get(sid)
        name = names["name"][p] or names["port_id"][p]
        n, m = len(r["det"]), len(r["mmsi"])
        out.append(
            {
                "scene_id": sid,
                "port_id": names["port_id"][p],
                "port_name": names["name"][p],
                "port_country": names["country"][p],
                "acquisition_time": when,
                "lon": names["lon"][p],
                "lat": names["lat"][p],
                "radius_m": float(per_port[p]) if per_port[p] is not None else radius_m,
                "n_detected": n,
                "n_broadcasting": m,
                "n_dark": len(r["dark"]),
                "n_ais_expected": r["ais"],
                "n_ais_missed": r["ais_missed"],
                "detection_ids": sorted(r["det"]),
                "dark_detection_ids": sorted(r["dark"]),
                "mmsis": sorted(r["mmsi"]),
                "sentence": _sentence(n, m, str(name), when, sid, r["ais_missed"])
                if when is not None
                else f"{n} ships in {name}, of which {m} broadcasting AIS (scene {sid})",
            }
        )
    if not out:
        return pl.DataFrame(schema=PORT_SCENES)
    frame = pl.DataFrame(out, schema=PORT_SCENES)
    return frame.sort(["acquisition_time", "scene_id", "port_id"], nulls_last=True)
