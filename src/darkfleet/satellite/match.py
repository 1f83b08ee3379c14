"""AIS ↔ satellite detection matching: which detections are broadcasting ships, which are dark.

Definition (``darkfleet match``; docs/satellite_matching.md says the same at more length)
-----------------------------------------------------------------------------------------

For every scene, with acquisition time ``T`` = the midpoint of its start and stop time:

1. **Candidates.** Every MMSI with an AIS position within ``window_h`` (12 h) of ``T`` and
   within ``search_nm`` (200 nm) of the scene (footprint, else the detections' extent). Both
   values are GFW's: paper-longline-ais-sar-matching ``05_SAR_AIS_Matching`` extrapolation
   query ("less than 12 hours", "within 200 nautical miles of the scene"). Positions with
   ``sog_kn >= max_speed_kn`` (50, GFW: "ignore the really fast vessels... most are noise")
   are not used.
2. **Expected position at T.** From the vessel's last fix before ``T`` and first fix after:
   both within the window → linear interpolation in time (``interpolated``); one only, at most
   ``max_extrapolation_h`` (2 h) away → dead reckoning at the fix's SOG/COG, as GFW's
   ``lat + cos(course)·speed·Δt`` (``extrapolated``); otherwise the vessel is ``stale``: it is
   named as the nearest vessel of a dark detection but cannot be matched.
3. **Uncertainty** (1-sigma, metres, per axis) grows with speed ``v`` and time:
   ``sigma² = sigma0_m² + (doppler_s·v)² + (v·D/√12)² + ((drift_m_s + growth·v)·τ)²``
   where ``D`` is the scene duration (a detection's own time within the scene is unknown)
   and ``τ`` the time to the fixes (``Δt`` when extrapolating, ``Δt₁Δt₂/(Δt₁+Δt₂)``
   between two fixes).
   ``doppler_s`` stands for the SAR azimuth shift of a moving ship (slant range / platform
   speed ≈ 110 s for RADARSAT-2 and Sentinel-1 times the r.m.s. radial share of a random
   heading, 0.7): GFW corrects it from the orbit; darkfleet, without orbits, widens sigma.
   This replaces GFW's empirical probability rasters (which also widen with speed and Δt,
   ``scale = 1000 / max(1, |Δminutes|)``) with a Gaussian of the same behaviour.
4. **Score** of a detection ``d`` against a vessel at distance ``r``: the likelihood
   ``L = exp(-r²/2sigma²) / (2π·sigma²) · exp(-ln(len_SAR/len_AIS)² / 2·length_sigma²)``
   (the length term only when both lengths are known, as in paper-industrial-activity's
   ``score_mult_recall_length``) against the density ``λ = background_per_km2`` of objects
   unrelated to the vessel (dark ships, false alarms); ``score = L / (L + λ)`` ∈ (0, 1), the posterior that
   ``d`` is that vessel. A pair can match when ``score >= min_score`` (0.5, i.e. ``L >= λ``).
   Like GFW's raster scores, a long extrapolation spreads ``L`` thin so it cannot match.
5. **Assignment.** One detection per vessel and one vessel per detection, maximising the sum
   of ``ln(L/λ)`` (``scipy.optimize.linear_sum_assignment`` per connected group of candidate
   pairs), GFW's "ranking method to decide on the most likely matches" made exact.
6. **Outputs.** ``matches``; ``dark``: detections with no match, with the nearest AIS vessel
   and why it was not taken; ``missed``: vessels whose expected position lies inside the
   footprint but that no detection matched (small or low-contrast ships, the detector's
   recall, or a wrong AIS position); ``expected``: the position at ``T`` of every candidate
   inside the footprint, matched, or named by a dark detection.

References: Kroodsma et al. 2022, "Revealing the global longline fleet with satellite radar",
Sci. Rep. 12:21004 (github.com/GlobalFishingWatch/paper-longline-ais-sar-matching); Paolo et
al. 2024, "Satellite mapping reveals extensive industrial activity at sea", Nature 625:85-91
(github.com/GlobalFishingWatch/paper-industrial-activity, ``analyses/matching``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..errors import ConfigError
from ..geo import EARTH_RADIUS_M, KNOT_MPS, METRES_PER_NM, haversine_m, unit_vectors
from ..schema import UTC, conform
from .schema import DETECTIONS, SCENES

__all__ = [
    "DARK",
    "EXPECTED",
    "MATCHES",
    "MISSED",
    "MatchConfig",
    "MatchResult",
    "match_detections",
    "vessel_lengths",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_EVIDENCE = pl.List(pl.Struct({"source_id": pl.String(), "line": pl.Int64()}))


@dataclass(frozen=True)
class MatchConfig:
    """Parameters of the matching Definition (module docstring); defaults and origins there."""

    window_h: float = 12.0
    search_nm: float = 200.0
    max_extrapolation_h: float = 2.0
    max_speed_kn: float = 50.0
    sigma0_m: float = 200.0
    doppler_s: float = 75.0
    drift_m_s: float = 0.1
    growth: float = 0.15
    unknown_speed_kn: float = 10.0
    background_per_km2: float = 0.01
    min_score: float = 0.5
    length_sigma: float = 0.35

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise ConfigError(f"match.{f.name} = {v!r}: give a finite number >= 0.")
        if not 0.0 < self.min_score < 1.0:
            raise ConfigError(f"match.min_score = {self.min_score}: give a value in (0, 1).")
        if self.background_per_km2 <= 0 or self.sigma0_m <= 0 or self.length_sigma <= 0:
            raise ConfigError(
                "match.background_per_km2, match.sigma0_m and match.length_sigma must be > 0."
            )

    def with_overrides(self, overrides: Mapping[str, Any]) -> MatchConfig:
        """A copy with ``{"window_h": 6, ...}`` applied (``match.`` prefixes allowed)."""
        known = {f.name for f in fields(self)}
        clean: dict[str, float] = {}
        for key, value in overrides.items():
            name = key.removeprefix("match.")
            if name not in known:
                raise ConfigError(
                    f"match parameter {key!r} is unknown; the parameters are: "
                    f"{', '.join(sorted(known))}."
                )
            try:
                clean[name] = float(value)
            except (TypeError, ValueError) as err:
                raise ConfigError(f"match.{name} = {value!r}: give a number.") from err
        return replace(self, **clean)


#: One row per matched (detection, vessel) pair.
MATCHES: dict[str, pl.DataType] = {
    "detection_id": pl.String(),
    "scene_id": pl.String(),
    "mmsi": pl.Int64(),
    "score": pl.Float64(),
    "llr": pl.Float64(),
    "distance_m": pl.Float64(),
    "sigma_m": pl.Float64(),
    "dt_s": pl.Float64(),
    "method": pl.String(),
    "acquisition_time": UTC,
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "ais_lon": pl.Float64(),
    "ais_lat": pl.Float64(),
    "length_m": pl.Float64(),
    "ais_length_m": pl.Float64(),
    "length_ratio": pl.Float64(),
    "n_candidates": pl.Int64(),
    "runner_up_mmsi": pl.Int64(),
    "runner_up_score": pl.Float64(),
    "reason": pl.String(),
    "source_id": pl.String(),
    "line": pl.Int64(),
    "evidence": _EVIDENCE,
}

#: One row per detection that no AIS vessel matched.
DARK: dict[str, pl.DataType] = {
    "detection_id": pl.String(),
    "scene_id": pl.String(),
    "acquisition_time": UTC,
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "length_m": pl.Float64(),
    "confidence": pl.Float64(),
    "nearest_mmsi": pl.Int64(),
    "nearest_distance_m": pl.Float64(),
    "nearest_score": pl.Float64(),
    "nearest_dt_s": pl.Float64(),
    "nearest_method": pl.String(),
    "reason": pl.String(),
    "source_id": pl.String(),
    "line": pl.Int64(),
}

#: Where AIS says a vessel was at a scene's acquisition: one row per candidate vessel that is
#: inside the footprint, matched, or named as the nearest vessel of a dark detection.
EXPECTED: dict[str, pl.DataType] = {
    "scene_id": pl.String(),
    "mmsi": pl.Int64(),
    "acquisition_time": UTC,
    "ais_lon": pl.Float64(),
    "ais_lat": pl.Float64(),
    "sigma_m": pl.Float64(),
    "dt_s": pl.Float64(),
    "method": pl.String(),
    "inside": pl.Boolean(),
    "edge_distance_m": pl.Float64(),
    "ais_length_m": pl.Float64(),
    "matched_detection_id": pl.String(),
    "evidence": _EVIDENCE,
}

#: One row per vessel expected inside a footprint that no detection matched.
MISSED: dict[str, pl.DataType] = {
    "scene_id": pl.String(),
    "mmsi": pl.Int64(),
    "acquisition_time": UTC,
    "ais_lon": pl.Float64(),
    "ais_lat": pl.Float64(),
    "sigma_m": pl.Float64(),
    "dt_s": pl.Float64(),
    "method": pl.String(),
    "ais_length_m": pl.Float64(),
    "edge_distance_m": pl.Float64(),
    "nearest_detection_id": pl.String(),
    "nearest_distance_m": pl.Float64(),
    "reason": pl.String(),
    "evidence": _EVIDENCE,
}


@dataclass(frozen=True)
class MatchResult:
    """The matching's tables (:data:`MATCHES`, :data:`DARK`, :data:`MISSED`,
    :data:`EXPECTED`) and the parameters used."""

    matches: pl.DataFrame
    dark: pl.DataFrame
    missed: pl.DataFrame
    expected: pl.DataFrame
    config: MatchConfig = field(default_factory=MatchConfig)

    def parameters(self) -> dict[str, float]:
        return asdict(self.config)


def vessel_lengths(identities: pl.DataFrame | None) -> pl.DataFrame:
    """``mmsi, ais_length_m`` from an identities / statics frame (``length_m`` or
    ``to_bow_m + to_stern_m``): the median of the known lengths of each MMSI."""
    schema = {"mmsi": pl.Int64(), "ais_length_m": pl.Float64()}
    if identities is None or identities.height == 0 or "mmsi" not in identities.columns:
        return pl.DataFrame(schema=schema)
    if "length_m" in identities.columns:
        length = pl.col("length_m").cast(pl.Float64)
    elif {"to_bow_m", "to_stern_m"} <= set(identities.columns):
        length = pl.col("to_bow_m").cast(pl.Float64) + pl.col("to_stern_m").cast(pl.Float64)
    else:
        return pl.DataFrame(schema=schema)
    return (
        identities.select(pl.col("mmsi").cast(pl.Int64), length.alias("ais_length_m"))
        .filter(pl.col("ais_length_m") > 0)
        .group_by("mmsi")
        .agg(pl.col("ais_length_m").median())
        .sort("mmsi")
    )


# ----------------------------------------------------------------------------------------------
# AIS at the acquisition time


@dataclass
class _Ais:
    """Valid AIS fixes sorted by (mmsi, time); ``code`` indexes ``mmsis``."""

    mmsis: I64
    code: I64
    t: F64
    lon: F64
    lat: F64
    sog: F64
    cog: F64
    sid: pl.Series
    line: npt.NDArray[np.int64]
    key: F64
    span: float
    t0: float
    by_time: I64


def _prepare_ais(positions: pl.DataFrame, cfg: MatchConfig) -> _Ais:
    need = {"mmsi", "timestamp", "lon", "lat"}
    if not need <= set(positions.columns):
        raise ConfigError(
            f"positions lack {sorted(need - set(positions.columns))}; give the store's "
            "positions table (darkfleet.schema.POSITIONS)."
        )
    extra = [
        pl.col(c) if c in positions.columns else pl.lit(None, ty).alias(c)
        for c, ty in (
            ("sog_kn", pl.Float64()),
            ("cog_deg", pl.Float64()),
            ("source_id", pl.String()),
            ("line", pl.Int64()),
        )
    ]
    frame = (
        positions.lazy()
        .select("mmsi", "timestamp", "lon", "lat", *extra)
        .filter(
            pl.col("mmsi").is_not_null()
            & pl.col("timestamp").is_not_null()
            & pl.col("lon").is_between(-180, 180)
            & pl.col("lat").is_between(-90, 90)
            & (pl.col("sog_kn").is_null() | (pl.col("sog_kn") < cfg.max_speed_kn))
        )
        .with_columns(t=pl.col("timestamp").dt.epoch("us").cast(pl.Float64) / 1e6)
        .sort(["mmsi", "t", "source_id", "line"], nulls_last=True, maintain_order=True)
        .collect()
    )
    mm = frame["mmsi"].to_numpy().astype(np.int64)
    mmsis, code = np.unique(mm, return_inverse=True)
    t = frame["t"].to_numpy()
    t0 = float(t.min()) if t.size else 0.0
    span = float(t.max() - t0 + 1e6) if t.size else 1e6
    key = code.astype(np.float64) * span + (t - t0)
    return _Ais(
        mmsis=mmsis.astype(np.int64),
        code=code.astype(np.int64),
        t=t,
        lon=frame["lon"].to_numpy().astype(np.float64),
        lat=frame["lat"].to_numpy().astype(np.float64),
        sog=frame["sog_kn"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        cog=frame["cog_deg"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        sid=frame["source_id"],
        line=frame["line"].fill_null(-1).to_numpy().astype(np.int64),
        key=key,
        span=span,
        t0=t0,
        by_time=np.argsort(t, kind="stable").astype(np.int64),
    )


def _wrap(dlon: F64) -> F64:
    return np.asarray((dlon + 180.0) % 360.0 - 180.0)


@dataclass
class _Expected:
    """Candidate vessels of one scene and their expected position at the acquisition."""

    code: I64
    lon: F64
    lat: F64
    sigma: F64
    dt: F64  # fix time - acquisition of the nearest fix used, seconds
    dtb: F64  # seconds from the fix before to the acquisition (inf: none in the window)
    dta: F64  # seconds from the acquisition to the fix after (inf: none in the window)
    method: npt.NDArray[np.str_]
    before: I64  # row of the fix before (-1: none used)
    after: I64


def _in_box(
    lon: F64, lat: F64, box: tuple[float, float, float, float], pad_m: float
) -> npt.NDArray[np.bool_]:
    """Points within ``pad_m`` (roughly) of the lon/lat box."""
    x0, y0, x1, y1 = box
    pad = pad_m / 111_320.0
    top = min(max(abs(y0), abs(y1)) + pad, 89.9)
    padx = pad / max(math.cos(math.radians(top)), 1e-3)
    half = (x1 - x0) / 2.0 + padx
    ok = (lat >= y0 - pad) & (lat <= y1 + pad)
    if half < 180.0:
        ok &= np.abs(_wrap(lon - (x0 + x1) / 2.0)) <= half
    return np.asarray(ok)


def _expected(
    ais: _Ais, ts: float, duration: float, box: tuple[float, float, float, float], cfg: MatchConfig
) -> _Expected:
    w = cfg.window_h * 3600.0
    tt = ais.t[ais.by_time]
    lo, hi = np.searchsorted(tt, ts - w, "left"), np.searchsorted(tt, ts + w, "right")
    rows = ais.by_time[lo:hi]
    near = _in_box(ais.lon[rows], ais.lat[rows], box, cfg.search_nm * METRES_PER_NM)
    codes = np.unique(ais.code[rows[near]])
    n = ais.t.size
    q = codes.astype(np.float64) * ais.span + (ts - ais.t0)
    after = np.searchsorted(ais.key, q, "right").astype(np.int64)
    before = after - 1
    a_ok = after < n
    a_ok[a_ok] &= ais.code[after[a_ok]] == codes[a_ok]
    b_ok = before >= 0
    b_ok[b_ok] &= ais.code[before[b_ok]] == codes[b_ok]
    ai, bi = np.where(a_ok, after, 0), np.where(b_ok, before, 0)
    dta = np.where(a_ok, ais.t[ai] - ts, np.inf)  # >= 0
    dtb = np.where(b_ok, ts - ais.t[bi], np.inf)  # >= 0
    a_ok &= dta <= w
    b_ok &= dtb <= w
    # two ships on one MMSI (or a bad fix): fixes farther apart than max_speed_kn allows are
    # not interpolated; the nearer one is used alone
    pair = a_ok & b_ok
    apart = np.zeros(codes.size, bool)
    if pair.any():
        jump = haversine_m(
            ais.lon[bi[pair]], ais.lat[bi[pair]], ais.lon[ai[pair]], ais.lat[ai[pair]]
        )
        apart[pair] = jump > cfg.max_speed_kn * KNOT_MPS * (dta[pair] + dtb[pair]) + 1000.0
    a_ok &= ~(apart & (dtb <= dta))
    b_ok &= ~(apart & (dta < dtb))
    dta = np.where(a_ok, dta, np.inf)
    dtb = np.where(b_ok, dtb, np.inf)
    both = a_ok & b_ok
    xmax = cfg.max_extrapolation_h * 3600.0
    fwd = b_ok & ~a_ok & (dtb <= xmax)
    bwd = a_ok & ~b_ok & (dta <= xmax)
    stale = ~(both | fwd | bwd)
    # interpolation between the two fixes
    fa, fb = np.where(a_ok, dta, 0.0), np.where(b_ok, dtb, 0.0)
    gap = np.where(both, fa + fb, 0.0)
    safe = np.where(gap > 0, gap, 1.0)
    f = np.where(both, fb / safe, 0.0)
    lon = np.where(b_ok, ais.lon[bi], ais.lon[ai])
    lat = np.where(b_ok, ais.lat[bi], ais.lat[ai])
    lon_i = lon + _wrap(ais.lon[ai] - ais.lon[bi]) * f
    lat_i = lat + (ais.lat[ai] - ais.lat[bi]) * f
    implied = np.where(
        both & (gap > 0),
        haversine_m(ais.lon[bi], ais.lat[bi], ais.lon[ai], ais.lat[ai]) / safe,
        0.0,
    )
    # dead reckoning from the one fix
    fix = np.where(fwd | (b_ok & ~a_ok), bi, ai)
    signed = np.where(fwd | (b_ok & ~a_ok), fb, -fa)  # seconds to move forward in time
    sog, cog = ais.sog[fix], ais.cog[fix]
    moving = np.isfinite(sog) & np.isfinite(cog)
    dist = np.where(moving, sog * KNOT_MPS * signed, 0.0)
    c = np.radians(np.where(moving, cog, 0.0))
    lat_x = ais.lat[fix] + np.degrees(dist * np.cos(c) / EARTH_RADIUS_M)
    lon_x = ais.lon[fix] + np.degrees(
        dist * np.sin(c) / (EARTH_RADIUS_M * np.maximum(np.cos(np.radians(ais.lat[fix])), 0.01))
    )
    lon_x = _wrap(lon_x)
    out_lon = np.where(both, lon_i, np.where(stale, ais.lon[fix], lon_x))
    out_lat = np.where(both, lat_i, np.where(stale, ais.lat[fix], lat_x))
    # uncertainty
    sog_a = np.where(a_ok, ais.sog[ai], np.nan)
    sog_b = np.where(b_ok, ais.sog[bi], np.nan)
    v_kn = np.fmax(np.fmax(sog_a, sog_b), implied / KNOT_MPS)
    v_kn = np.where(np.isfinite(v_kn), v_kn, cfg.unknown_speed_kn)
    v = v_kn * KNOT_MPS
    tau = np.where(both, fb * fa / safe, np.where(b_ok & ~a_ok, fb, fa))
    sigma = np.sqrt(
        cfg.sigma0_m**2
        + (cfg.doppler_s * v) ** 2
        + (v * duration / math.sqrt(12.0)) ** 2
        + ((cfg.drift_m_s + cfg.growth * v) * tau) ** 2
    )
    dt = np.where(dtb <= dta, -dtb, dta)
    method = np.where(
        both, "interpolated", np.where(fwd, "extrapolated", np.where(bwd, "extrapolated", "stale"))
    )
    return _Expected(
        code=codes.astype(np.int64),
        lon=np.asarray(out_lon, np.float64),
        lat=np.asarray(out_lat, np.float64),
        sigma=sigma,
        dt=dt,
        dtb=dtb,
        dta=dta,
        method=method,
        before=np.where(b_ok & ~stale | (stale & (dtb <= dta) & b_ok), before, -1),
        after=np.where(a_ok & ~stale | (stale & (dta < dtb) & a_ok), after, -1),
    )


# ----------------------------------------------------------------------------------------------
# pairs, assignment


def _chord(distance_m: F64) -> F64:
    return np.asarray(2.0 * np.sin(np.minimum(distance_m / (2.0 * EARTH_RADIUS_M), np.pi / 2)))


def _log_lambda(cfg: MatchConfig) -> float:
    return math.log(cfg.background_per_km2 / 1e6)


def _threshold(cfg: MatchConfig) -> float:
    return math.log(cfg.min_score / (1.0 - cfg.min_score))


def _llr(d: F64, sigma: F64, dlen: F64, vlen: F64, cfg: MatchConfig) -> F64:
    """ln(L / λ) of detection-vessel pairs at distance ``d`` (module docstring, step 4)."""
    llr = -(d**2) / (2 * sigma**2) - np.log(2 * np.pi * sigma**2) - _log_lambda(cfg)
    known = np.isfinite(dlen) & np.isfinite(vlen) & (dlen > 0) & (vlen > 0)
    ratio = np.where(known, np.log(np.where(known, dlen, 1.0) / np.where(known, vlen, 1.0)), 0.0)
    return np.asarray(llr - ratio**2 / (2 * cfg.length_sigma**2))


def _pairs(
    ex: _Expected, dlon: F64, dlat: F64, dlen: F64, vlen: F64, cfg: MatchConfig
) -> tuple[I64, I64, F64]:
    """Candidate (detection, vessel, llr) pairs with score >= min_score."""
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    if dlon.size == 0 or ex.code.size == 0:
        return empty
    peak = -np.log(2 * np.pi * ex.sigma**2) - _log_lambda(cfg) - _threshold(cfg)
    usable = np.flatnonzero((ex.method != "stale") & (peak > 0))
    if usable.size == 0:
        return empty
    gate = np.sqrt(2 * ex.sigma[usable] ** 2 * peak[usable]) + 1.0
    tree = cKDTree(unit_vectors(dlon, dlat))
    hits = tree.query_ball_point(unit_vectors(ex.lon[usable], ex.lat[usable]), r=_chord(gate))
    counts = np.fromiter((len(h) for h in hits), np.int64, usable.size)
    if counts.sum() == 0:
        return empty
    vi = np.repeat(usable, counts)
    di = np.fromiter((j for h in hits for j in h), np.int64, int(counts.sum()))
    d = haversine_m(dlon[di], dlat[di], ex.lon[vi], ex.lat[vi])
    llr = _llr(d, ex.sigma[vi], dlen[di], vlen[vi], cfg)
    keep = llr >= _threshold(cfg)
    di, vi, llr = di[keep], vi[keep], llr[keep]
    order = np.lexsort((vi, di))
    return di[order], vi[order], llr[order]


def _assign(di: I64, vi: I64, llr: F64, n_det: int, n_ves: int, thr: float) -> tuple[I64, I64, F64]:
    """One-to-one pairs maximising the sum of (llr - thr), per connected group of pairs."""
    if di.size == 0:
        return di, vi, llr
    graph = coo_matrix((np.ones(di.size), (di, vi + n_det)), shape=(n_det + n_ves, n_det + n_ves))
    _, label = connected_components(graph, directed=False)
    comp = label[di]
    sizes = np.bincount(comp, minlength=label.max() + 1)
    single = sizes[comp] == 1
    out_d, out_v, out_l = [di[single]], [vi[single]], [llr[single]]
    multi = np.flatnonzero(~single)
    if multi.size:
        order = multi[np.argsort(comp[multi], kind="stable")]
        bounds = np.flatnonzero(np.diff(comp[order])) + 1
        for group in np.split(order, bounds):
            rows, r_inv = np.unique(di[group], return_inverse=True)
            cols, c_inv = np.unique(vi[group], return_inverse=True)
            cost = np.zeros((rows.size, cols.size))
            cost[r_inv, c_inv] = -(llr[group] - thr) - 1e-9
            r, c = linear_sum_assignment(cost)
            good = cost[r, c] < 0
            r, c = r[good], c[good]
            lookup = {(int(a), int(b)): k for a, b, k in zip(r_inv, c_inv, group, strict=True)}
            picked = np.array(
                [lookup[(int(a), int(b))] for a, b in zip(r, c, strict=True)], np.int64
            )
            out_d.append(di[picked])
            out_v.append(vi[picked])
            out_l.append(llr[picked])
    md, mv, ml = np.concatenate(out_d), np.concatenate(out_v), np.concatenate(out_l)
    order = np.argsort(md, kind="stable")
    return md[order], mv[order], ml[order]


def _score(llr: F64) -> F64:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(llr, -700, 700))))


# ----------------------------------------------------------------------------------------------
# public API


def _scene_table(detections: pl.DataFrame, scenes: pl.DataFrame | None) -> pl.DataFrame:
    """One row per scene with detections or given: id, times, footprint."""
    from_det = detections.group_by("scene_id").agg(
        pl.col("start_time").min(), pl.col("end_time").max()
    )
    given = conform(scenes, SCENES) if scenes is not None else pl.DataFrame(schema=SCENES)
    given = given.select("scene_id", "start_time", "end_time", "footprint_wkt").unique(
        "scene_id", keep="first", maintain_order=True
    )
    missing = from_det.join(given, on="scene_id", how="anti").with_columns(
        pl.lit(None, pl.String()).alias("footprint_wkt")
    )
    out = pl.concat([given, missing.select(given.columns)], how="vertical")
    out = out.with_columns(pl.col("end_time").fill_null(pl.col("start_time")))
    return out.filter(pl.col("start_time").is_not_null()).sort("scene_id")


def _evidence(ais: _Ais, before: I64, after: I64) -> pl.Series:
    """The AIS records used (fix before, fix after) as ``[{source_id, line}]`` per row."""
    if before.size == 0 or ais.t.size == 0:
        return pl.Series("evidence", [[] for _ in range(before.size)], dtype=_EVIDENCE)
    parts = []
    for idx in (before, after):
        ok = idx >= 0
        k = np.where(ok, idx, 0)
        line = ais.line[k]
        parts.append(
            pl.DataFrame(
                {
                    "ok": ok,
                    "source_id": ais.sid.gather(k),
                    "line": pl.Series(line).set(pl.Series(line < 0), None)
                    if (line < 0).any()
                    else line,
                }
            ).select(
                pl.when(pl.col("ok") & pl.col("source_id").is_not_null())
                .then(pl.struct("source_id", pl.col("line").cast(pl.Int64)))
                .alias("ev")
            )["ev"]
        )
    frame = pl.DataFrame({"b": parts[0], "a": parts[1]})
    return frame.select(pl.concat_list("b", "a").list.drop_nulls().alias("evidence"))["evidence"]


def _fixes_text(method: str, dtb: float, dta: float) -> str:
    if method == "interpolated":
        return f"interpolated between fixes {dtb / 60:.0f} min before and {dta / 60:.0f} min after"
    if method == "extrapolated":
        return (
            f"dead-reckoned from a fix {dtb / 60:.0f} min before"
            if dtb <= dta
            else f"dead-reckoned back from a fix {dta / 60:.0f} min after"
        )
    when = f"{dtb / 3600:.1f} h before" if dtb <= dta else f"{dta / 3600:.1f} h after"
    return f"last fix {when}"


def _length_text(dlen: float, vlen: float) -> str:
    if math.isfinite(dlen) and math.isfinite(vlen) and dlen > 0 and vlen > 0:
        return f"; length {dlen:.0f} m vs AIS {vlen:.0f} m"
    return ""


def match_detections(
    detections: pl.DataFrame,
    scenes: pl.DataFrame | None,
    positions: pl.DataFrame,
    identities: pl.DataFrame | None = None,
    *,
    config: MatchConfig | None = None,
) -> MatchResult:
    """Match satellite ``detections`` (:data:`~darkfleet.satellite.schema.DETECTIONS`) of
    ``scenes`` (:data:`~darkfleet.satellite.schema.SCENES`; footprints decide ``missed``)
    against AIS ``positions`` (:data:`darkfleet.schema.POSITIONS`); ``identities`` (store
    identities, statics, or ``mmsi, length_m``) give AIS lengths. The Definition and every
    parameter: module docstring and :class:`MatchConfig`. Inputs are not modified; output
    rows are sorted by scene and detection id (``missed``/``expected``: by scene and MMSI).
    """
    cfg = config or MatchConfig()
    det = conform(detections, DETECTIONS).sort(["scene_id", "detection_id"])
    ais = _prepare_ais(positions, cfg)
    lengths = vessel_lengths(identities)
    vlen_all = np.full(ais.mmsis.size, np.nan)
    if lengths.height and ais.mmsis.size:
        lm = lengths["mmsi"].to_numpy()
        pos = np.searchsorted(ais.mmsis, lm)
        ok = (pos < ais.mmsis.size) & (ais.mmsis[np.minimum(pos, ais.mmsis.size - 1)] == lm)
        vlen_all[pos[ok]] = lengths["ais_length_m"].to_numpy()[ok]
    thr = _threshold(cfg)
    parts: dict[str, list[pl.DataFrame]] = {"matches": [], "dark": [], "missed": [], "expected": []}
    det_by_scene = {k[0]: g for k, g in det.group_by("scene_id", maintain_order=True)}
    for sc in _scene_table(det, scenes).iter_rows(named=True):
        sd = det_by_scene.get(sc["scene_id"], det.clear())
        out = _match_scene(sc, sd, ais, vlen_all, cfg, thr)
        for k, v in out.items():
            parts[k].append(v)
    schemas = {"matches": MATCHES, "dark": DARK, "missed": MISSED, "expected": EXPECTED}
    tables = {
        k: pl.concat(v, how="vertical") if v else pl.DataFrame(schema=schemas[k])
        for k, v in parts.items()
    }
    return MatchResult(
        matches=tables["matches"].sort(["scene_id", "detection_id"]),
        dark=tables["dark"].sort(["scene_id", "detection_id"]),
        missed=tables["missed"].sort(["scene_id", "mmsi"]),
        expected=tables["expected"].sort(["scene_id", "mmsi"]),
        config=cfg,
    )


def _cast(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def _local(
    geom: shapely.Geometry, lon0: float, lat0: float
) -> tuple[shapely.Geometry, float, float]:
    kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1.0) * EARTH_RADIUS_M
    proj = shapely.transform(
        geom, lambda xy: np.column_stack([_wrap(xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * ky])
    )
    return proj, kx, ky


def _match_scene(
    sc: dict[str, Any],
    sd: pl.DataFrame,
    ais: _Ais,
    vlen_all: F64,
    cfg: MatchConfig,
    thr: float,
) -> dict[str, pl.DataFrame]:
    sid = sc["scene_id"]
    t_start, t_end = sc["start_time"], sc["end_time"]
    acq = t_start + (t_end - t_start) / 2
    ts = acq.timestamp()
    duration = (t_end - t_start).total_seconds()
    geom = shapely.from_wkt(sc["footprint_wkt"]) if sc["footprint_wkt"] else None
    dlon = sd["lon"].to_numpy().astype(np.float64)
    dlat = sd["lat"].to_numpy().astype(np.float64)
    dlen = sd["length_m"].fill_null(np.nan).to_numpy().astype(np.float64)
    ids = sd["detection_id"].to_list()
    n_det = len(ids)
    if geom is not None and not geom.is_empty:
        bx = shapely.bounds(geom)
        box = (float(bx[0]), float(bx[1]), float(bx[2]), float(bx[3]))
    elif n_det:
        box = (float(dlon.min()), float(dlat.min()), float(dlon.max()), float(dlat.max()))
    else:
        return {}
    ex = _expected(ais, ts, duration, box, cfg)
    n_ves = ex.code.size
    mmsi = ais.mmsis[ex.code]
    vlen = vlen_all[ex.code]
    di, vi, llr = _pairs(ex, dlon, dlat, dlen, vlen, cfg)
    md, mv, ml = _assign(di, vi, llr, n_det, n_ves, thr)
    det_v = np.full(n_det, -1, np.int64)
    det_v[md] = mv
    ves_d = np.full(n_ves, -1, np.int64)
    ves_d[mv] = md
    n_cand = np.bincount(di, minlength=n_det)
    # runner-up and best pair per detection, other than its own match
    other = det_v[di] != vi
    o_di, o_vi, o_l = di[other], vi[other], llr[other]
    order = np.lexsort((-o_l, o_di))
    o_di, o_vi, o_l = o_di[order], o_vi[order], o_l[order]
    first = np.r_[True, o_di[1:] != o_di[:-1]] if o_di.size else np.zeros(0, bool)
    best_v = np.full(n_det, -1, np.int64)
    best_l = np.full(n_det, np.nan)
    best_v[o_di[first]] = o_vi[first]
    best_l[o_di[first]] = o_l[first]
    acq_col = pl.lit(acq).cast(UTC).alias("acquisition_time")
    out: dict[str, pl.DataFrame] = {}

    # matches
    dist = haversine_m(dlon[md], dlat[md], ex.lon[mv], ex.lat[mv])
    ratio = np.where((vlen[mv] > 0) & (dlen[md] > 0), dlen[md] / vlen[mv], np.nan)
    scores = _score(ml)
    ru = best_v[md]
    reasons = []
    for k in range(md.size):
        i, v = int(md[k]), int(mv[k])
        text = (
            f"MMSI {mmsi[v]}: AIS puts it {dist[k]:.0f} m from the detection "
            f"({_fixes_text(str(ex.method[v]), ex.dtb[v], ex.dta[v])}; sigma {ex.sigma[v]:.0f} m)"
            f"{_length_text(dlen[i], vlen[v])}; score {scores[k]:.2f}"
        )
        if ru[k] >= 0:
            text += f"; runner-up MMSI {mmsi[ru[k]]} score {_score(best_l[md[k : k + 1]])[0]:.2f}"
        reasons.append(text)
    out["matches"] = (
        pl.DataFrame(
            {
                "detection_id": [ids[i] for i in md],
                "scene_id": [sid] * md.size,
                "mmsi": mmsi[mv],
                "score": scores,
                "llr": ml,
                "distance_m": dist,
                "sigma_m": ex.sigma[mv],
                "dt_s": ex.dt[mv],
                "method": ex.method[mv].tolist(),
                "lon": dlon[md],
                "lat": dlat[md],
                "ais_lon": ex.lon[mv],
                "ais_lat": ex.lat[mv],
                "length_m": dlen[md],
                "ais_length_m": vlen[mv],
                "length_ratio": ratio,
                "n_candidates": n_cand[md],
                "runner_up_mmsi": np.where(ru >= 0, mmsi[np.maximum(ru, 0)] if n_ves else 0, 0),
                "runner_up_score": _score(best_l[md]),
                "reason": reasons,
                "source_id": sd["source_id"].gather(md.tolist()).to_list() if md.size else [],
                "line": sd["line"].gather(md.tolist()).to_list() if md.size else [],
                "evidence": _evidence(ais, ex.before[mv], ex.after[mv]),
            },
            schema_overrides={"evidence": _EVIDENCE},
            strict=False,
        )
        .with_columns(
            acq_col,
            pl.when(pl.Series(ru >= 0)).then(pl.col("runner_up_mmsi")).otherwise(None),
            pl.when(pl.Series(ru >= 0)).then(pl.col("runner_up_score")).otherwise(None),
            pl.col("length_m", "ais_length_m", "length_ratio").fill_nan(None),
        )
        .pipe(_cast, MATCHES)
    )

    # dark detections
    dk = np.flatnonzero(det_v < 0)
    near_v = np.full(dk.size, -1, np.int64)
    if n_ves and dk.size:
        tree = cKDTree(unit_vectors(ex.lon, ex.lat))
        _, j = tree.query(unit_vectors(dlon[dk], dlat[dk]), k=1)
        near_v = np.asarray(j, np.int64)
    lost = best_v[dk] >= 0
    near_v = np.where(lost, best_v[dk], near_v)
    has = near_v >= 0
    nv = np.maximum(near_v, 0)
    nd = np.where(
        has, haversine_m(dlon[dk], dlat[dk], ex.lon[nv], ex.lat[nv]) if n_ves else np.nan, np.nan
    )
    nl = (
        np.where(
            has & (ex.method[nv] != "stale"),
            _llr(nd, ex.sigma[nv], dlen[dk], vlen[nv], cfg),
            np.nan,
        )
        if n_ves
        else np.full(dk.size, np.nan)
    )
    reasons = []
    hours = cfg.window_h
    for k in range(dk.size):
        i = int(dk[k])
        if not has[k]:
            reasons.append(
                f"no AIS vessel reported within {hours:g} h and {cfg.search_nm:g} nm of the scene"
            )
            continue
        v = int(nv[k])
        where = _fixes_text(str(ex.method[v]), ex.dtb[v], ex.dta[v])
        if lost[k]:
            reasons.append(
                f"MMSI {mmsi[v]} (expected {nd[k]:.0f} m away, "
                f"score {_score(nl[k : k + 1])[0]:.2f})"
                f" is matched to detection {ids[ves_d[v]]} with a better score"
            )
        elif ex.method[v] == "stale":
            reasons.append(
                f"nearest AIS vessel MMSI {mmsi[v]} is {nd[k] / 1000:.1f} km away at its {where}: "
                f"beyond the {cfg.max_extrapolation_h:g} h extrapolation limit, position unknown"
            )
        else:
            reasons.append(
                f"nearest AIS vessel MMSI {mmsi[v]} expected {nd[k]:.0f} m away ({where}; "
                f"sigma {ex.sigma[v]:.0f} m){_length_text(dlen[i], vlen[v])}: score "
                f"{_score(nl[k : k + 1])[0]:.2f} < {cfg.min_score:g}"
            )
    out["dark"] = (
        pl.DataFrame(
            {
                "detection_id": [ids[i] for i in dk],
                "scene_id": [sid] * dk.size,
                "lon": dlon[dk],
                "lat": dlat[dk],
                "length_m": dlen[dk],
                "confidence": sd["confidence"].gather(dk.tolist()).to_list() if dk.size else [],
                "nearest_mmsi": np.where(has, mmsi[nv] if n_ves else 0, 0),
                "nearest_distance_m": nd,
                "nearest_score": _score(nl),
                "nearest_dt_s": np.where(has, ex.dt[nv] if n_ves else 0.0, np.nan),
                "nearest_method": [
                    str(ex.method[v]) if h else None for v, h in zip(nv, has, strict=True)
                ],
                "reason": reasons,
                "source_id": sd["source_id"].gather(dk.tolist()).to_list() if dk.size else [],
                "line": sd["line"].gather(dk.tolist()).to_list() if dk.size else [],
            },
            strict=False,
        )
        .with_columns(
            acq_col,
            pl.when(pl.Series(has)).then(pl.col("nearest_mmsi")).otherwise(None),
            pl.col("length_m", "nearest_distance_m", "nearest_score", "nearest_dt_s").fill_nan(
                None
            ),
        )
        .pipe(_cast, DARK)
    )

    # expected positions of every candidate; missed vessels
    if geom is not None and n_ves:
        inside = shapely.contains_xy(geom, ex.lon, ex.lat)
        c = geom.centroid
        proj, kx, ky = _local(geom, c.x, c.y)
        pts = shapely.points(_wrap(ex.lon - c.x) * kx, (ex.lat - c.y) * ky)
        edge = np.asarray(shapely.distance(shapely.boundary(proj), pts), np.float64)
    else:
        inside = np.zeros(n_ves, bool)
        edge = np.full(n_ves, np.nan)
    usable = ex.method != "stale"
    named = np.zeros(n_ves, bool)
    named[nv[has]] = True
    shown = np.flatnonzero(inside | (ves_d >= 0) | named)
    expected = pl.DataFrame(
        {
            "scene_id": [sid] * shown.size,
            "mmsi": mmsi[shown],
            "ais_lon": ex.lon[shown],
            "ais_lat": ex.lat[shown],
            "sigma_m": ex.sigma[shown],
            "dt_s": ex.dt[shown],
            "method": ex.method[shown].tolist(),
            "inside": inside[shown],
            "edge_distance_m": edge[shown],
            "ais_length_m": vlen[shown],
            "matched_detection_id": [ids[d] if d >= 0 else None for d in ves_d[shown].tolist()],
            "evidence": _evidence(ais, ex.before[shown], ex.after[shown]),
        },
        schema_overrides={"evidence": _EVIDENCE},
        strict=False,
    ).with_columns(
        acq_col,
        pl.when(pl.lit(geom is not None)).then(pl.col("inside")).otherwise(None),
        pl.col("edge_distance_m", "ais_length_m").fill_nan(None),
    )
    out["expected"] = _cast(expected, EXPECTED)
    ms = np.flatnonzero(inside & usable & (ves_d < 0))
    near_d = np.full(ms.size, -1, np.int64)
    near_m = np.full(ms.size, np.nan)
    if n_det and ms.size:
        tree = cKDTree(unit_vectors(dlon, dlat))
        _, j = tree.query(unit_vectors(ex.lon[ms], ex.lat[ms]), k=1)
        near_d = np.asarray(j, np.int64)
        near_m = haversine_m(ex.lon[ms], ex.lat[ms], dlon[near_d], dlat[near_d])
    reasons = []
    for k in range(ms.size):
        v = int(ms[k])
        text = (
            f"AIS puts MMSI {mmsi[v]} inside the scene "
            f"({_fixes_text(str(ex.method[v]), ex.dtb[v], ex.dta[v])}; "
            f"sigma {ex.sigma[v]:.0f} m, {edge[v]:.0f} m from the footprint edge)"
        )
        if math.isfinite(vlen[v]):
            text += f", length {vlen[v]:.0f} m"
        if near_d[k] >= 0:
            j = int(near_d[k])
            text += f"; nearest detection {ids[j]} is {near_m[k]:.0f} m away"
            if det_v[j] >= 0:
                text += f" (matched to MMSI {mmsi[det_v[j]]})"
        else:
            text += "; the scene has no detection"
        reasons.append(text)
    out["missed"] = (
        pl.DataFrame(
            {
                "scene_id": [sid] * ms.size,
                "mmsi": mmsi[ms],
                "ais_lon": ex.lon[ms],
                "ais_lat": ex.lat[ms],
                "sigma_m": ex.sigma[ms],
                "dt_s": ex.dt[ms],
                "method": ex.method[ms].tolist(),
                "ais_length_m": vlen[ms],
                "edge_distance_m": edge[ms],
                "nearest_detection_id": [ids[j] if j >= 0 else None for j in near_d.tolist()],
                "nearest_distance_m": near_m,
                "reason": reasons,
                "evidence": _evidence(ais, ex.before[ms], ex.after[ms]),
            },
            schema_overrides={"evidence": _EVIDENCE},
            strict=False,
        )
        .with_columns(
            acq_col, pl.col("ais_length_m", "nearest_distance_m", "edge_distance_m").fill_nan(None)
        )
        .pipe(_cast, MISSED)
    )
    return out
