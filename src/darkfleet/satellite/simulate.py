"""Simulated satellite scenes from a :class:`darkfleet.simulate.Simulation`, with their truth.

A scene (:class:`SceneSpec`) is an acquisition: a time, a footprint (a rotated rectangle, as a
RADARSAT-2 or Sentinel-1 frame) and a duration. :func:`simulate_scenes` places every vessel
where it *really* was at the acquisition (the simulation's planned tracks, not its AIS) and
draws, per vessel inside the footprint (:class:`DetectionNoise`):

* a detection at the true position plus Gaussian geolocation noise (``position_sigma_m``);
* a SAR length: the true length times a log-normal factor (``length_sigma``);
* a miss with probability ``p_miss`` (``p_miss_small`` below ``small_length_m``: SAR recall
  falls for small vessels, as GFW's paper-longline-ais-sar-matching ``07_Dark_Vessel_
  Estimates`` measured);
* plus Poisson false alarms (``false_alarms_per_1000km2``) uniformly in the footprint.

Truth per detection (:data:`TRUTH`): the vessel, its MMSI at the time, whether its transponder
was on (the simulation's AIS-off intervals), the seconds to the nearest AIS position of that
vessel actually received, and ``dark``: a false alarm, or a vessel whose AIS was off or not
heard within ``heard_within_s`` (1 h) of the acquisition. :func:`degrade_ais` makes AIS worse
for the accuracy test (ships switched off around the acquisitions, position errors, clock
offsets). :func:`write_ksat_csv` writes the KSAT/GFW RADARSAT-2 CSV layout that
:func:`darkfleet.satellite.read_detections` reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC as _UTC
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from shapely import affinity

from ..errors import ConfigError
from ..geo import EARTH_RADIUS_M
from ..schema import UTC, conform
from ..simulate import Simulation
from .schema import DETECTIONS, SCENES, DetectionSet

__all__ = [
    "TRUTH",
    "DetectionNoise",
    "SceneSpec",
    "SimulatedScenes",
    "degrade_ais",
    "najin_scenes",
    "simulate_scenes",
    "vessels_in_scenes",
    "write_ksat_csv",
]

_SENSOR_CODE = {"RADARSAT-2": "RS2", "Sentinel-1": "S1A"}


@dataclass(frozen=True)
class SceneSpec:
    """One acquisition: ``time`` (start, UTC), centre, footprint size and rotation, duration
    (RADARSAT-2 products in GFW's KSAT delivery last ≈ 74 s)."""

    time: datetime
    lon: float
    lat: float
    width_km: float = 60.0
    height_km: float = 60.0
    rotation_deg: float = 12.0
    duration_s: float = 74.0
    sensor: str = "RADARSAT-2"
    polarisation: str = "HH"
    scene_id: str | None = None

    def __post_init__(self) -> None:
        if self.time.tzinfo is None:
            raise ConfigError(f"SceneSpec.time {self.time}: give a timezone-aware time (UTC).")
        if self.width_km <= 0 or self.height_km <= 0 or self.duration_s < 0:
            raise ConfigError("SceneSpec: width_km and height_km must be > 0, duration_s >= 0.")

    @property
    def id(self) -> str:
        code = _SENSOR_CODE.get(self.sensor, "SAR")
        t = self.time.astimezone(_UTC)
        return self.scene_id or (
            f"{code}_{t:%Y%m%d_%H%M%S}_SIM_{abs(self.lon):07.3f}{'E' if self.lon >= 0 else 'W'}"
            f"_{abs(self.lat):06.3f}{'N' if self.lat >= 0 else 'S'}"
        )

    def footprint(self) -> shapely.Polygon:
        """The footprint polygon in lon/lat (a rectangle in local metres, rotated)."""
        w, h = self.width_km * 500.0, self.height_km * 500.0
        rect = affinity.rotate(shapely.box(-w, -h, w, h), -self.rotation_deg, origin=(0, 0))
        kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(self.lat))
        ky = math.radians(1.0) * EARTH_RADIUS_M
        return shapely.transform(
            rect, lambda xy: np.column_stack([self.lon + xy[:, 0] / kx, self.lat + xy[:, 1] / ky])
        )


@dataclass(frozen=True)
class DetectionNoise:
    """How the simulated detector errs (see the module docstring)."""

    position_sigma_m: float = 60.0
    length_sigma: float = 0.2
    p_miss: float = 0.03
    p_miss_small: float = 0.3
    small_length_m: float = 30.0
    false_alarms_per_1000km2: float = 0.5
    heard_within_s: float = 3600.0
    seed: int = 0


#: Truth of each simulated detection.
TRUTH: dict[str, pl.DataType] = {
    "detection_id": pl.String(),
    "scene_id": pl.String(),
    "vessel_id": pl.String(),
    "mmsi": pl.Int64(),
    "role": pl.String(),
    "false_alarm": pl.Boolean(),
    "ais_on": pl.Boolean(),
    "heard_gap_s": pl.Float64(),
    "dark": pl.Boolean(),
    "true_lon": pl.Float64(),
    "true_lat": pl.Float64(),
    "true_length_m": pl.Float64(),
}


@dataclass(frozen=True)
class SimulatedScenes:
    """Detections and scenes (canonical tables), per-detection truth (:data:`TRUTH`) and
    every vessel truly inside a footprint (``inside``: detected or not)."""

    detections: pl.DataFrame
    scenes: pl.DataFrame
    truth: pl.DataFrame
    inside: pl.DataFrame = field(default_factory=pl.DataFrame)

    def dataset(self) -> DetectionSet:
        return DetectionSet(detections=self.detections, scenes=self.scenes)


def _epoch(t: datetime) -> float:
    return t.astimezone(_UTC).timestamp()


def vessels_in_scenes(sim: Simulation, specs: Sequence[SceneSpec]) -> pl.DataFrame:
    """Every vessel truly inside each footprint at its acquisition (mid-time): ``scene_id,
    vessel_id, lon, lat, speed_kn, course_deg, state``."""
    if sim.waypoints is None:
        raise ConfigError("this Simulation has no waypoints; run darkfleet.simulate.simulate().")
    parts = []
    for spec in specs:
        t = _epoch(spec.time) + spec.duration_s / 2.0
        pos = sim.true_positions(t)
        inside = shapely.contains_xy(spec.footprint(), pos["lon"].to_numpy(), pos["lat"].to_numpy())
        parts.append(pos.filter(pl.Series(inside)).with_columns(scene_id=pl.lit(spec.id)))
    if not parts:
        return pl.DataFrame(schema={"scene_id": pl.String(), "vessel_id": pl.String()})
    frame = pl.concat(parts, how="vertical")
    return frame.select("scene_id", *[c for c in frame.columns if c != "scene_id"])


def _identity_at(
    sim: Simulation, vessel_ids: list[str], t: float
) -> tuple[list[int | None], list[float]]:
    ident = sim.truth["identities"]
    at = datetime.fromtimestamp(t, _UTC)
    rows = ident.filter(
        (pl.col("valid_from").is_null() | (pl.col("valid_from") <= at))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") > at))
    ).unique("vessel_id", keep="first", maintain_order=True)
    look = {r[0]: (r[1], r[2]) for r in rows.select("vessel_id", "mmsi", "length_m").iter_rows()}
    lengths = {r[0]: r[1] for r in sim.truth["vessels"].select("vessel_id", "length_m").iter_rows()}
    mmsi = [look.get(v, (None, None))[0] for v in vessel_ids]
    length = [
        float(look.get(v, (None, lengths.get(v)))[1] or lengths.get(v) or 0.0) for v in vessel_ids
    ]
    return mmsi, length


def _ais_on(sim: Simulation, vessel_ids: list[str], t: float) -> list[bool]:
    gaps = sim.truth["gaps_intentional"]
    at = datetime.fromtimestamp(t, _UTC)
    off = set(
        gaps.filter((pl.col("start_time") <= at) & (pl.col("end_time") > at))["vessel_id"].to_list()
    )
    return [v not in off for v in vessel_ids]


def _heard_gap(positions: pl.DataFrame, vessel_ids: list[str], t: float) -> list[float]:
    """Seconds from ``t`` to the nearest received position of each vessel (inf: none)."""
    if not vessel_ids:
        return []
    at = datetime.fromtimestamp(t, _UTC)
    near = (
        positions.lazy()
        .filter(pl.col("vessel_id").is_in(vessel_ids))
        .group_by("vessel_id")
        .agg(
            (
                (pl.col("timestamp") - pl.lit(at).cast(UTC)).abs().min().dt.total_microseconds()
                / 1e6
            ).alias("gap")
        )
        .collect()
    )
    look = dict(near.iter_rows())
    return [float(look.get(v, math.inf)) for v in vessel_ids]


def simulate_scenes(
    sim: Simulation,
    specs: Sequence[SceneSpec],
    *,
    noise: DetectionNoise | None = None,
    positions: pl.DataFrame | None = None,
    source_id: str = "simulated",
) -> SimulatedScenes:
    """Detections of ``specs`` drawn from ``sim``'s true tracks (module docstring).
    ``positions``: the AIS the matcher will see (default ``sim.positions``; pass the output of
    :func:`degrade_ais`), used for the truth's ``heard_gap_s`` and ``dark``. Deterministic for
    a given ``noise.seed``; detection ids are ``f"{scene_id}:{n}"``."""
    nz = noise or DetectionNoise()
    pos = sim.positions if positions is None else positions
    rng = np.random.default_rng(nz.seed)
    inside = vessels_in_scenes(sim, specs)
    det_rows, truth_rows, scene_rows, inside_parts = [], [], [], []
    roles = dict(sim.truth["vessels"].select("vessel_id", "role").iter_rows())
    for spec in specs:
        sid = spec.id
        t_mid = _epoch(spec.time) + spec.duration_s / 2.0
        here = inside.filter(pl.col("scene_id") == sid)
        vids = here["vessel_id"].to_list()
        mmsi, length = _identity_at(sim, vids, t_mid)
        on = _ais_on(sim, vids, t_mid)
        gap = _heard_gap(pos, vids, t_mid)
        n = len(vids)
        p_miss = np.where(np.asarray(length) < nz.small_length_m, nz.p_miss_small, nz.p_miss)
        detected = rng.random(n) >= p_miss
        lon0, lat0 = here["lon"].to_numpy(), here["lat"].to_numpy()
        ky = math.radians(1.0) * EARTH_RADIUS_M
        kx = ky * math.cos(math.radians(spec.lat))
        dx, dy = rng.normal(0.0, nz.position_sigma_m, (2, n))
        dlen = np.asarray(length) * np.exp(rng.normal(0.0, nz.length_sigma, n))
        heading = (
            here["course_deg"].fill_nan(None).fill_null(0.0).to_numpy() + rng.normal(0, 5, n)
        ) % 180.0
        fp = spec.footprint()
        area_km2 = spec.width_km * spec.height_km
        n_fa = int(rng.poisson(nz.false_alarms_per_1000km2 * area_km2 / 1000.0))
        fa_lon: list[float] = []
        fa_lat: list[float] = []
        x0, y0, x1, y1 = shapely.bounds(fp)
        while len(fa_lon) < n_fa:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if shapely.contains_xy(fp, x, y):
                fa_lon.append(float(x))
                fa_lat.append(float(y))
        fa_len = rng.uniform(10.0, 60.0, n_fa)
        k = 0
        start = spec.time.astimezone(_UTC)
        end = start + timedelta(seconds=spec.duration_s)
        rows = []
        for i in range(n):
            dark = (not on[i]) or gap[i] > nz.heard_within_s
            inside_parts.append(
                {
                    "scene_id": sid,
                    "vessel_id": vids[i],
                    "mmsi": mmsi[i],
                    "detected": bool(detected[i]),
                    "ais_on": on[i],
                    "heard_gap_s": gap[i],
                    "dark": dark,
                    "true_length_m": length[i],
                }
            )
            if not detected[i]:
                continue
            k += 1
            rows.append(
                (
                    float(lon0[i] + dx[i] / kx),
                    float(lat0[i] + dy[i] / ky),
                    float(dlen[i]),
                    float(heading[i]),
                )
            )
            truth_rows.append(
                {
                    "detection_id": f"{sid}:{k}",
                    "scene_id": sid,
                    "vessel_id": vids[i],
                    "mmsi": mmsi[i],
                    "role": roles.get(vids[i]),
                    "false_alarm": False,
                    "ais_on": on[i],
                    "heard_gap_s": gap[i],
                    "dark": dark,
                    "true_lon": float(lon0[i]),
                    "true_lat": float(lat0[i]),
                    "true_length_m": length[i],
                }
            )
        for j in range(n_fa):
            k += 1
            rows.append((fa_lon[j], fa_lat[j], float(fa_len[j]), float(rng.uniform(0, 180))))
            truth_rows.append(
                {
                    "detection_id": f"{sid}:{k}",
                    "scene_id": sid,
                    "vessel_id": None,
                    "mmsi": None,
                    "role": None,
                    "false_alarm": True,
                    "ais_on": False,
                    "heard_gap_s": math.inf,
                    "dark": True,
                    "true_lon": fa_lon[j],
                    "true_lat": fa_lat[j],
                    "true_length_m": None,
                }
            )
        for m, (lon, lat, ln, hd) in enumerate(rows, start=1):
            det_rows.append(
                {
                    "detection_id": f"{sid}:{m}",
                    "scene_id": sid,
                    "sensor": spec.sensor,
                    "polarisation": spec.polarisation,
                    "start_time": start,
                    "end_time": end,
                    "lon": lon,
                    "lat": lat,
                    "length_m": round(ln, 2),
                    "width_m": round(ln / 6.5, 2),
                    "heading_deg": round(hd, 2),
                    "confidence": 0.75,
                    "provider_id": None,
                    "source_id": source_id,
                    "line": m,
                }
            )
        scene_rows.append(
            {
                "scene_id": sid,
                "sensor": spec.sensor,
                "polarisation": spec.polarisation,
                "start_time": start,
                "end_time": end,
                "footprint_wkt": shapely.to_wkt(fp, rounding_precision=6),
                "n_detections": len(rows),
                "source_id": source_id,
            }
        )
    det = conform(
        pl.DataFrame(det_rows, schema=DETECTIONS) if det_rows else pl.DataFrame(schema=DETECTIONS),
        DETECTIONS,
    )
    scenes = conform(
        pl.DataFrame(scene_rows, schema=SCENES) if scene_rows else pl.DataFrame(schema=SCENES),
        SCENES,
    )
    truth = pl.DataFrame(truth_rows, schema=TRUTH) if truth_rows else pl.DataFrame(schema=TRUTH)
    inside_frame = pl.DataFrame(inside_parts) if inside_parts else pl.DataFrame()
    return SimulatedScenes(det, scenes, truth, inside_frame)


def najin_scenes(
    sim: Simulation,
    *,
    every_days: float = 4.0,
    hour_utc: float = 21.5,
    at_sea: int = 4,
    vostochny: bool = True,
    width_km: float = 40.0,
) -> list[SceneSpec]:
    """RADARSAT-2-like scenes for the Najin story: one over Najin (the scenario's shuttle
    port) every ``every_days`` at ``hour_utc`` (a descending pass, early morning in Korea), the
    same over the home port (Vostochny) half a cycle later when ``vostochny``, and ``at_sea``
    scenes on the crossing between them, spread over the scenario."""
    from ..simulate.geography import port_table

    sc = sim.scenario
    ports = port_table((sc.shuttle_port, sc.home_port))
    najin, home = ports[sc.shuttle_port], ports[sc.home_port]
    start = sc.start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=hour_utc)
    specs: list[SceneSpec] = []
    t = start
    step = timedelta(days=every_days)
    while t < sc.end:
        specs.append(SceneSpec(t, najin.lon, najin.lat, width_km=width_km, height_km=width_km))
        tv = t + step / 2
        if vostochny and tv < sc.end:
            specs.append(SceneSpec(tv, home.lon, home.lat, width_km=width_km, height_km=width_km))
        t += step
    span = (sc.end - sc.start).total_seconds()
    for k in range(at_sea):
        f = (k + 0.5) / max(at_sea, 1)
        when = sc.start + timedelta(seconds=span * f, hours=9.25)
        lon = najin.lon + (home.lon - najin.lon) * (0.3 + 0.4 * (k % 2))
        lat = najin.lat + (home.lat - najin.lat) * (0.3 + 0.4 * (k % 2))
        if when < sc.end:
            specs.append(
                SceneSpec(when, lon, lat, width_km=80.0, height_km=80.0, rotation_deg=-10.0)
            )
    return sorted(specs, key=lambda s: (s.time, s.id))


def degrade_ais(
    positions: pl.DataFrame,
    inside: pl.DataFrame,
    specs: Sequence[SceneSpec],
    *,
    p_dark: float = 0.25,
    dark_h: float = 12.0,
    p_position_error: float = 0.15,
    position_error_m: float = 300.0,
    p_time_offset: float = 0.15,
    time_offset_s: float = 120.0,
    seed: int = 0,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Make ``positions`` (a Simulation's, with ``vessel_id``) worse around the scenes:

    * each (scene, vessel inside it) pair of ``inside`` (:func:`vessels_in_scenes`) goes dark
      with probability ``p_dark``: the vessel's positions within ``dark_h`` of the acquisition
      are removed (its transponder off);
    * a share ``p_position_error`` of the vessels report every position ``position_error_m``
      off in one random direction (a misplaced or spoofed GPS);
    * a share ``p_time_offset`` of the vessels' reports carry a clock offset uniform in
      ±``time_offset_s``.

    Returns (degraded positions, the (scene_id, vessel_id) pairs made dark). Deterministic."""
    rng = np.random.default_rng(seed)
    vids = sorted(set(positions["vessel_id"].drop_nulls().to_list()))
    err_v = [v for v in vids if rng.random() < p_position_error]
    ang = rng.uniform(0, 2 * math.pi, len(err_v))
    off_v = [v for v in vids if rng.random() < p_time_offset]
    shift = rng.uniform(-time_offset_s, time_offset_s, len(off_v))
    pairs = inside.select("scene_id", "vessel_id").sort("scene_id", "vessel_id")
    dark = pairs.filter(pl.Series(rng.random(pairs.height) < p_dark))
    mid = {s.id: s.time.astimezone(_UTC) + timedelta(seconds=s.duration_s / 2) for s in specs}
    out = positions
    if dark.height:
        win = dark.with_columns(
            lo=pl.col("scene_id").replace_strict(mid, return_dtype=UTC)
            - pl.duration(seconds=dark_h * 3600),
            hi=pl.col("scene_id").replace_strict(mid, return_dtype=UTC)
            + pl.duration(seconds=dark_h * 3600),
        ).select("vessel_id", "lo", "hi")
        indexed = out.with_row_index("_r")
        drop = (
            indexed.join(win, on="vessel_id", how="inner")
            .filter((pl.col("timestamp") >= pl.col("lo")) & (pl.col("timestamp") <= pl.col("hi")))
            .select("_r")
            .unique()
        )
        out = indexed.join(drop, on="_r", how="anti", maintain_order="left").drop("_r")
    if err_v:
        ky = math.radians(1.0) * EARTH_RADIUS_M
        table = pl.DataFrame(
            {
                "vessel_id": err_v,
                "_dn": np.cos(ang) * position_error_m / ky,
                "_de": np.sin(ang) * position_error_m / ky,
            }
        )
        out = (
            out.join(table, on="vessel_id", how="left", maintain_order="left")
            .with_columns(
                lat=pl.col("lat") + pl.col("_dn").fill_null(0.0),
                lon=pl.col("lon") + pl.col("_de").fill_null(0.0) / pl.col("lat").radians().cos(),
            )
            .drop("_dn", "_de")
        )
    if off_v:
        table = pl.DataFrame({"vessel_id": off_v, "_s": (shift * 1e6).astype(np.int64)})
        out = (
            out.join(table, on="vessel_id", how="left", maintain_order="left")
            .with_columns(
                timestamp=pl.col("timestamp") + pl.duration(microseconds=pl.col("_s").fill_null(0))
            )
            .drop("_s")
        )
    return out, dark


def write_ksat_csv(scenes: SimulatedScenes, path: str | Path) -> Path:
    """Write the detections in the KSAT/GFW RADARSAT-2 CSV layout (``,lon,lat,Name,
    Probability,DetectionId,ProductStartTime,ProductStopTime,Polarization,Beam,Length,Type,
    Heading,scene_id,footprint``), one row per detection, rows sorted by scene and id."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    det = scenes.detections.join(
        scenes.scenes.select("scene_id", "footprint_wkt"), on="scene_id", how="left"
    ).sort("scene_id", "line")
    fmt = "%Y-%m-%d %H:%M:%S%.6f+00:00"
    out = det.select(
        pl.int_range(0, pl.len()).alias(""),
        "lon",
        "lat",
        pl.format("FID: {}", pl.col("line")).alias("Name"),
        (pl.col("confidence") * 100).round(1).alias("Probability"),
        pl.col("detection_id").alias("DetectionId"),
        pl.col("start_time").dt.strftime(fmt).alias("ProductStartTime"),
        pl.col("end_time").dt.strftime(fmt).alias("ProductStopTime"),
        pl.col("polarisation").alias("Polarization"),
        pl.col("width_m").alias("Beam"),
        pl.col("length_m").alias("Length"),
        pl.lit("VESSEL").alias("Type"),
        pl.col("heading_deg").alias("Heading"),
        "scene_id",
        pl.col("footprint_wkt").alias("footprint"),
    )
    out.write_csv(p)
    return p
