"""The report map's data: one JSON object the page's script turns into Leaflet layers.

Layers (each present only when it has features; ``counts`` says how many each holds):

* ``tracks`` — decimated tracks (:mod:`.tracks`), one polyline per vessel; vessels of interest
  (in a finding, a list match or an identity flag) coloured, the rest muted;
* ``ports`` — one circle per port with visits, sized by visit count;
* ``gaps`` — dashed line from where the signal was lost to where it came back, red when the
  gap is *likely disabled*; the popup gives the dark interval;
* ``dark_calls`` — candidate ports of dark port calls, one marker per port listing the gaps;
* ``encounters``, ``loitering`` — points with their interval;
* ``scenes``, ``detections``, ``dark_detections`` — satellite footprints and detections
  (matched to AIS / not) when the store has satellite tables;
* ``findings`` — numbered markers at the best ranked findings with a position
  (:data:`MAP_FINDINGS`).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl

from .basemap import land_polygons
from .collect import ReportData
from .html import fmt_time
from .tracks import TrackRule, decimate_tracks

__all__ = ["LAYERS", "PALETTE", "build_map_data", "interest_mmsis"]

#: Layer keys and their titles in the layer control, in drawing order.
LAYERS: dict[str, str] = {
    "scenes": "Satellite scenes",
    "tracks": "Tracks",
    "gaps": "AIS gaps (dark intervals)",
    "ports": "Port visits",
    "dark_calls": "Dark port calls (candidates)",
    "loitering": "Loitering",
    "encounters": "Encounters",
    "detections": "Satellite detections (broadcasting)",
    "dark_detections": "Dark detections (no AIS)",
    "findings": "Findings",
}

#: Colours of vessels of interest (Tableau-like, readable on the pale basemap).
PALETTE = [
    "#d62728",
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
]


def _r(value: Any, n: int = 4) -> float | None:
    if value is None:
        return None
    v = float(value)
    return round(v, n) if np.isfinite(v) else None


def interest_mmsis(data: ReportData) -> list[int]:
    """Vessels of interest, most important first: by best finding rank, then list matches,
    then identity flags (each by MMSI)."""
    order: dict[int, tuple[int, int]] = {}
    f = data.findings
    for col in ("mmsi", "other_mmsi"):
        for rank, m in f.select("rank", col).drop_nulls(col).iter_rows():
            key = (0, int(rank) if rank is not None else 1 << 30)
            order[int(m)] = min(order.get(int(m), key), key)
    for m in data.matches["mmsi"].drop_nulls().to_list():
        order.setdefault(int(m), (1, 0))
    for m in data.flags["mmsi"].drop_nulls().to_list():
        order.setdefault(int(m), (2, 0))
    return sorted(order, key=lambda m: (order[m], m))


def _bbox(data: ReportData) -> list[float] | None:
    """The positions' extent (0.1 %-99.9 % quantiles, so one bad fix cannot zoom the map
    out to the world) with a margin."""
    p = data.positions.filter(
        pl.col("lon").is_between(-180.0, 180.0) & pl.col("lat").is_between(-90.0, 90.0)
    )
    if p.height == 0:
        return None
    q = p.select(
        x0=pl.col("lon").quantile(0.001),
        x1=pl.col("lon").quantile(0.999),
        y0=pl.col("lat").quantile(0.001),
        y1=pl.col("lat").quantile(0.999),
    ).row(0, named=True)
    mx = max(0.5, 0.08 * (q["x1"] - q["x0"]))
    my = max(0.5, 0.08 * (q["y1"] - q["y0"]))
    return [q["x0"] - mx, q["y0"] - my, q["x1"] + mx, q["y1"] + my]


def _name(data: ReportData, mmsi: Any) -> str:
    if mmsi is None:
        return ""
    return data.names.get(int(mmsi), "")


def _tracks(data: ReportData, rule: TrackRule, colours: dict[int, str]) -> tuple[list, dict]:
    tracks, counts = decimate_tracks(data.positions, rule)
    out = []
    for mmsi in sorted(tracks, key=lambda m: (m in colours, m)):
        out.append(
            {
                "mmsi": mmsi,
                "name": _name(data, mmsi),
                "colour": colours.get(mmsi),
                "parts": tracks[mmsi],
            }
        )
    return out, counts


def _gaps(data: ReportData) -> list[dict[str, Any]]:
    g = data.event("gaps")
    if g.height == 0:
        return []
    out = []
    for r in g.sort("start_time", "mmsi", "event_id").iter_rows(named=True):
        if r["start_lat"] is None or r["start_lon"] is None:
            continue
        end = None
        if r["end_lat"] is not None and r["end_lon"] is not None:
            end = [_r(r["end_lat"]), _r(r["end_lon"])]
        out.append(
            {
                "id": r["event_id"],
                "mmsi": r["mmsi"],
                "name": _name(data, r["mmsi"]),
                "a": [_r(r["start_lat"]), _r(r["start_lon"])],
                "b": end,
                "start": fmt_time(r["start_time"]),
                "end": fmt_time(r["end_time"]) if r["end_time"] is not None else "open",
                "h": _r(r["duration_h"], 1),
                "km": _r((r["distance_m"] or 0) / 1000, 1) if r["distance_m"] is not None else None,
                "kn": _r(r["implied_speed_kn"], 1),
                "off": bool(r["likely_disabled"]),
                "reason": r["reason"],
            }
        )
    return out


def _ports(data: ReportData) -> list[dict[str, Any]]:
    v = data.event("port_visits")
    if v.height == 0:
        return []
    per = (
        v.group_by("port_id")
        .agg(
            name=pl.col("port_name").first(),
            country=pl.col("port_country").first(),
            lat=pl.col("lat").median(),
            lon=pl.col("lon").median(),
            visits=pl.len(),
            vessels=pl.col("mmsi").n_unique(),
            dark_arrivals=pl.col("arrived_dark").sum(),
            first=pl.col("start_time").min(),
            last=pl.col("end_time").max(),
        )
        .sort("visits", "port_id", descending=[True, False])
    )
    return [
        {
            "id": r["port_id"],
            "name": r["name"],
            "country": r["country"],
            "ll": [_r(r["lat"]), _r(r["lon"])],
            "visits": r["visits"],
            "vessels": r["vessels"],
            "dark": int(r["dark_arrivals"] or 0),
            "first": fmt_time(r["first"]),
            "last": fmt_time(r["last"]),
        }
        for r in per.iter_rows(named=True)
    ]


def _dark_calls(data: ReportData) -> list[dict[str, Any]]:
    d = data.event("dark_port_calls")
    if d.height == 0:
        return []
    rows = d.sort("port_id", "start_time", "mmsi", "rank").to_dicts()
    ports: dict[str, dict[str, Any]] = {}
    for r in rows:
        p = ports.setdefault(
            r["port_id"],
            {"port": r["port_name"], "country": r["port_country"], "ll": None, "items": []},
        )
        if p["ll"] is None and r["lat"] is not None:
            p["ll"] = [_r(r["lat"]), _r(r["lon"])]
        p["items"].append(
            {
                "mmsi": r["mmsi"],
                "name": _name(data, r["mmsi"]),
                "start": fmt_time(r["start_time"]),
                "end": fmt_time(r["end_time"]),
                "rank": r["rank"],
                "slack": _r(r["slack_h"], 1),
            }
        )
    out = []
    for pid in sorted(ports):
        p = ports[pid]
        if p["ll"] is None:
            continue
        p["n"] = len(p["items"])
        p["first"] = sum(1 for i in p["items"] if i["rank"] == 1)
        p["items"] = p["items"][:40]
        out.append(p)
    return out


def _points(data: ReportData, name: str) -> list[dict[str, Any]]:
    e = data.event(name)
    if e.height == 0:
        return []
    out = []
    for r in e.sort("start_time", "mmsi", "event_id").iter_rows(named=True):
        if r["lat"] is None or r["lon"] is None:
            continue
        item = {
            "id": r["event_id"],
            "mmsi": r["mmsi"],
            "name": _name(data, r["mmsi"]),
            "ll": [_r(r["lat"]), _r(r["lon"])],
            "start": fmt_time(r["start_time"]),
            "end": fmt_time(r["end_time"]),
            "h": _r(r["duration_h"], 1),
        }
        if name == "encounters":
            item["other"] = r["other_mmsi"]
            item["other_name"] = _name(data, r["other_mmsi"])
            item["m"] = _r(r["median_distance_m"], 0)
        out.append(item)
    return out


def _satellite(data: ReportData) -> tuple[list, list, list]:
    sat = data.satellite
    scenes, matched, dark = [], [], []
    if "scenes" in sat and "footprint_wkt" in sat["scenes"].columns:
        import shapely

        for r in sat["scenes"].sort("scene_id").iter_rows(named=True):
            if not r.get("footprint_wkt"):
                continue
            geom = shapely.from_wkt(r["footprint_wkt"])
            rings = []
            for poly in getattr(geom, "geoms", [geom]):
                coords = np.asarray(poly.exterior.coords)
                rings.append([[_r(y), _r(x)] for x, y in coords])
            scenes.append(
                {
                    "id": r["scene_id"],
                    "sensor": r.get("sensor"),
                    "start": fmt_time(r.get("start_time")),
                    "n": r.get("n_detections"),
                    "rings": rings,
                }
            )
    det = sat.get("detections")
    if det is not None and det.height:
        m = sat.get("matches")
        mm: dict[str, Any] = {}
        if m is not None and m.height and "detection_id" in m.columns:
            mm = {r["detection_id"]: r for r in m.iter_rows(named=True)}
        for r in det.sort("scene_id", "detection_id").iter_rows(named=True):
            if r.get("lat") is None or r.get("lon") is None:
                continue
            item = {
                "id": r["detection_id"],
                "scene": r.get("scene_id"),
                "ll": [_r(r["lat"]), _r(r["lon"])],
                "time": fmt_time(r.get("start_time")),
                "len": _r(r.get("length_m"), 0),
            }
            hit = mm.get(r["detection_id"])
            if hit is not None:
                item["mmsi"] = hit.get("mmsi")
                item["name"] = _name(data, hit.get("mmsi"))
                item["dist"] = _r(hit.get("distance_m"), 0)
                matched.append(item)
            else:
                dark.append(item)
    return scenes, matched, dark


#: Findings drawn on the map (the best ranked with a position).
MAP_FINDINGS = 25


def _findings(data: ReportData) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in data.findings.iter_rows(named=True):
        if len(out) >= MAP_FINDINGS:
            break
        if r["lat"] is None or r["lon"] is None:
            continue
        out.append(
            {
                "id": r["finding_id"],
                "rank": r["rank"],
                "kind": r["kind"],
                "ll": [_r(r["lat"]), _r(r["lon"])],
                "sentence": r["sentence"],
            }
        )
    return out


def build_map_data(data: ReportData, rule: TrackRule) -> tuple[dict[str, Any], dict[str, int]]:
    """The map JSON object and the number of features per layer (only non-empty layers)."""
    interest = interest_mmsis(data)
    colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(interest[: len(PALETTE) * 3])}
    tracks, track_counts = _tracks(data, rule, colours)
    scenes, matched, dark = _satellite(data)
    layers: dict[str, list[Any]] = {
        "scenes": scenes,
        "tracks": tracks,
        "gaps": _gaps(data),
        "ports": _ports(data),
        "dark_calls": _dark_calls(data),
        "loitering": _points(data, "loitering"),
        "encounters": _points(data, "encounters"),
        "detections": matched,
        "dark_detections": dark,
        "findings": _findings(data),
    }
    bbox = _bbox(data)
    land = None
    if bbox:
        # the basemap reaches well past the data, so the map is filled at any window shape
        mx = max(4.0, 1.0 * (bbox[2] - bbox[0]))
        my = max(2.0, 0.5 * (bbox[3] - bbox[1]))
        land = land_polygons((bbox[0] - mx, bbox[1] - my, bbox[2] + mx, bbox[3] + my))
    counts = {k: len(v) for k, v in layers.items() if v}
    legend = [
        {"mmsi": m, "name": _name(data, m), "colour": colours[m]}
        for m in interest
        if m in colours and any(t["mmsi"] == m for t in tracks)
    ]
    obj = {
        "bbox": bbox,
        "land": land.polygons if land else [],
        "land_source": land.source if land else None,
        "titles": {k: LAYERS[k] for k in counts},
        "layers": {k: v for k, v in layers.items() if v},
        "legend": legend[: len(PALETTE)],
        "track_rule": rule.describe(),
    }
    counts["_track_points"] = track_counts["points"]
    counts["_track_positions"] = track_counts["positions"]
    counts["_land_vertices"] = land.n_vertices if land else 0
    return obj, counts


def dumps_size(obj: Any) -> int:
    """Bytes of ``obj`` as compact JSON (for the report's size note)."""
    return len(json.dumps(obj, separators=(",", ":"), default=str).encode())
