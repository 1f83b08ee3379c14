"""Benchmark: AIS ↔ detection matching, 10k detections against 100k AIS positions (target < 5 s).

Synthetic, deterministic data: ``--vessels`` ships on straight tracks (0-15 kn) in a 6° x 6°
sea, each reporting ``--positions / --vessels`` fixes over two days; ``--scenes`` 1° x 1°
footprints at random times and places; per scene, a detection (60 m noise) for every ship
inside it and uniform dark detections up to ``--detections / --scenes``. Times
:func:`darkfleet.satellite.match.match_detections` (median of ``--repeat``) against a plain
reference in the same run: per scene, a dense detection x vessel distance matrix to the
vessels' nearest fix and one ``linear_sum_assignment`` (no interpolation, no gating), the
straightforward way to write it. Prints the figures and writes them as JSON with ``--out``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import shapely
from scipy.optimize import linear_sum_assignment

from darkfleet.geo import haversine_m
from darkfleet.satellite.match import match_detections
from darkfleet.satellite.schema import DETECTIONS, SCENES
from darkfleet.schema import POSITIONS, conform

T0 = datetime(2024, 12, 1, tzinfo=UTC)


def make_data(
    n_det: int, n_pos: int, n_scenes: int, n_ves: int, seed: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    per = max(n_pos // n_ves, 2)
    span = 48 * 3600.0
    lon0, lat0 = rng.uniform(130, 136, n_ves), rng.uniform(36, 42, n_ves)
    speed = rng.uniform(0, 15, n_ves) * 1852 / 3600
    course = rng.uniform(0, 360, n_ves)
    vx = speed * np.sin(np.radians(course)) / (111_195 * np.cos(np.radians(lat0)))
    vy = speed * np.cos(np.radians(course)) / 111_195
    t = np.sort(rng.uniform(0, span, (n_ves, per)), axis=1)
    mm = np.repeat(np.arange(n_ves) + 200_000_000, per)
    lon = (lon0[:, None] + vx[:, None] * t).ravel()
    lat = (lat0[:, None] + vy[:, None] * t).ravel()
    positions = conform(
        pl.DataFrame(
            {
                "source_id": "bench",
                "line": np.arange(1, mm.size + 1),
                "timestamp": pl.Series(
                    (t.ravel() * 1e6 + T0.timestamp() * 1e6).astype(np.int64)
                ).cast(pl.Datetime("us")),
                "mmsi": mm,
                "lon": lon,
                "lat": lat,
                "sog_kn": np.repeat(speed / 1852 * 3600, per),
                "cog_deg": np.repeat(course, per),
            }
        ).with_columns(pl.col("timestamp").dt.replace_time_zone("UTC")),
        POSITIONS,
    )
    det_rows, scene_rows = [], []
    per_scene = n_det // n_scenes
    for s in range(n_scenes):
        ts = rng.uniform(3600, span - 3600)
        cx, cy = rng.uniform(130.5, 135.5), rng.uniform(36.5, 41.5)
        box = shapely.box(cx - 0.5, cy - 0.5, cx + 0.5, cy + 0.5)
        x, y = lon0 + vx * ts, lat0 + vy * ts
        inside = np.flatnonzero(shapely.contains_xy(box, x, y))[:per_scene]
        n_dark = per_scene - inside.size
        dx = np.r_[
            x[inside] + rng.normal(0, 60 / 80_000, inside.size),
            rng.uniform(cx - 0.5, cx + 0.5, n_dark),
        ]
        dy = np.r_[
            y[inside] + rng.normal(0, 60 / 111_195, inside.size),
            rng.uniform(cy - 0.5, cy + 0.5, n_dark),
        ]
        sid = f"S{s:04d}"
        start = T0 + timedelta(seconds=ts - 30)
        for k in range(per_scene):
            det_rows.append(
                (f"{sid}:{k + 1}", sid, start, start + timedelta(seconds=60), dx[k], dy[k], k + 1)
            )
        scene_rows.append((sid, start, start + timedelta(seconds=60), shapely.to_wkt(box)))
    det = conform(
        pl.DataFrame(
            det_rows,
            schema=["detection_id", "scene_id", "start_time", "end_time", "lon", "lat", "line"],
            orient="row",
        ).with_columns(source_id=pl.lit("bench")),
        DETECTIONS,
    )
    scenes = conform(
        pl.DataFrame(
            scene_rows, schema=["scene_id", "start_time", "end_time", "footprint_wkt"], orient="row"
        ),
        SCENES,
    )
    return det, scenes, positions


def reference(
    det: pl.DataFrame, scenes: pl.DataFrame, positions: pl.DataFrame, gate_m: float = 1000.0
) -> int:
    """Dense per-scene matrix to each vessel's nearest fix in time + one assignment."""
    pos = positions.select("mmsi", "timestamp", "lon", "lat")
    matched = 0
    for sid, t0, t1 in scenes.select("scene_id", "start_time", "end_time").iter_rows():
        mid = t0 + (t1 - t0) / 2
        near = (
            pos.filter((pl.col("timestamp") - mid).abs() <= timedelta(hours=12))
            .with_columns(d=(pl.col("timestamp") - mid).abs())
            .sort("mmsi", "d")
            .unique("mmsi", keep="first")
        )
        d = det.filter(pl.col("scene_id") == sid)
        if d.height == 0 or near.height == 0:
            continue
        cost = haversine_m(
            d["lon"].to_numpy()[:, None],
            d["lat"].to_numpy()[:, None],
            near["lon"].to_numpy()[None, :],
            near["lat"].to_numpy()[None, :],
        )
        r, c = linear_sum_assignment(cost)
        matched += int((cost[r, c] < gate_m).sum())
    return matched


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--detections", type=int, default=10_000)
    ap.add_argument("--positions", type=int, default=100_000)
    ap.add_argument("--scenes", type=int, default=100)
    ap.add_argument("--vessels", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args()
    det, scenes, positions = make_data(args.detections, args.positions, args.scenes, args.vessels)
    times, result = [], None
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = match_detections(det, scenes, positions)
        times.append(time.perf_counter() - t)
    assert result is not None
    t = time.perf_counter()
    ref_matched = reference(det, scenes, positions)
    ref_s = time.perf_counter() - t
    fig = {
        "detections": det.height,
        "positions": positions.height,
        "scenes": scenes.height,
        "match_s_median": round(statistics.median(times), 3),
        "match_s_all": [round(x, 3) for x in times],
        "matched": result.matches.height,
        "dark": result.dark.height,
        "missed": result.missed.height,
        "reference_s": round(ref_s, 3),
        "reference_matched_within_1km": ref_matched,
        "speedup_vs_reference": round(ref_s / statistics.median(times), 2),
        "target_s": 5.0,
    }
    print(json.dumps(fig, indent=1))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(fig, fh, indent=1)


if __name__ == "__main__":
    main()
