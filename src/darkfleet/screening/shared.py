"""Interim detectors of one MMSI used by several ships at once (pure functions over frames).

Segments (per-vessel track pieces) are being built elsewhere; until then two signals stand in,
and :func:`shared_from_segments` is ready for when segments exist.

Definitions
-----------
**Impossible jump** — two consecutive position reports of one MMSI (sorted by time, null
positions and times dropped) at least ``min_jump_m`` = 10 km apart whose implied speed
(great-circle distance / time; infinite when both reports share a time) exceeds
``max_speed_kn`` = 50 kn. 50 kn is twice a fast cargo
ship's top speed, so timestamp jitter does not trigger it; 10 km keeps GPS glitches over a few
seconds out. (GFW's gpsdio-segment splits tracks above 30 kn; we only count, so we use a
higher bar.) **Shared by positions**: an MMSI with at least ``min_jumps`` = 3 impossible jumps
that are at least ``min_jump_share`` = 1 % of its consecutive pairs — one glitch gives two
jumps (there and back), two ships interleaving give jumps all along.

**Interleaving identities** — per MMSI, the sequence of static identities (normalised name and
IMO) in time, counting only runs of at least ``min_run_messages`` messages: an identity that
comes back after another (A → B → A) is not a rename. **Shared by statics**: at least
``min_switches`` = 3 switches between identities with at least one return.

**Shared by segments** — two segments of one MMSI whose time spans overlap by more than
``min_overlap`` (default 1 h).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

__all__ = ["impossible_jumps", "interleaved_identities", "shared_from_segments"]

EARTH_RADIUS_M = 6_371_008.8
M_PER_S_TO_KN = 3600 / 1852


def _haversine_m(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    p1, p2 = lat1.radians(), lat2.radians()
    dlat, dlon = p2 - p1, (lon2 - lon1).radians()
    a = (dlat / 2).sin().pow(2) + p1.cos() * p2.cos() * (dlon / 2).sin().pow(2)
    return 2 * EARTH_RADIUS_M * a.sqrt().arcsin()


def impossible_jumps(
    positions: pl.DataFrame,
    *,
    max_speed_kn: float = 50.0,
    min_jump_m: float = 10_000.0,
    min_jumps: int = 3,
    min_jump_share: float = 0.01,
) -> pl.DataFrame:
    """Per MMSI with enough impossible jumps (Definitions): ``mmsi, pairs, jumps, max_jump_m,
    max_implied_speed_kn, first_seen, last_seen, evidence``. ``first_seen``/``last_seen``: the
    time of the report starting the first jump and of the one ending the last; ``evidence``: ``source_id:line`` of the
    reports at both ends of the first five jumps (ISO times when the frame has no provenance).
    Works on POSITIONS frames (``mmsi, timestamp, lat, lon``, optional ``source_id``,
    ``line``), sorted here by time then line; returns rows sorted by mmsi."""
    cols: list[str] = ["mmsi", "timestamp", "lat", "lon"]
    prov: list[str] = [c for c in ("source_id", "line") if c in positions.columns]
    p = positions.select(cols + prov).drop_nulls(cols).sort("mmsi", "timestamp", *prov)
    ref = (
        pl.concat_str(
            pl.col("source_id").fill_null("?"),
            pl.lit(":"),
            pl.col("line").cast(pl.String).fill_null("?"),
        )
        if len(prov) == 2
        else pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    p = p.with_columns(ref=ref)
    prev = [pl.col(c).shift().over("mmsi") for c in ("timestamp", "lat", "lon", "ref")]
    dist = _haversine_m(prev[1], prev[2], pl.col("lat"), pl.col("lon"))
    secs = (pl.col("timestamp") - prev[0]).dt.total_microseconds() / 1e6
    speed = pl.when(secs > 0).then(dist / secs * M_PER_S_TO_KN).otherwise(float("inf"))
    p = p.with_columns(dist_m=dist, speed_kn=speed, prev_ts=prev[0], prev_ref=prev[3]).filter(
        pl.col("dist_m").is_not_null()
    )
    is_jump = (pl.col("dist_m") >= min_jump_m) & (pl.col("speed_kn") > max_speed_kn)
    out = p.group_by("mmsi").agg(
        pairs=pl.len(),
        jumps=is_jump.sum(),
        max_jump_m=pl.col("dist_m").filter(is_jump).max(),
        max_implied_speed_kn=pl.col("speed_kn")
        .filter(is_jump & pl.col("speed_kn").is_finite())
        .max(),
        first_seen=pl.col("prev_ts").filter(is_jump).min(),
        last_seen=pl.col("timestamp").filter(is_jump).max(),
        evidence=pl.concat_list(pl.col("prev_ref"), pl.col("ref"))
        .filter(is_jump)
        .head(5)
        .explode()
        .unique(maintain_order=True),
    )
    return out.filter(
        (pl.col("jumps") >= min_jumps) & (pl.col("jumps") >= min_jump_share * pl.col("pairs"))
    ).sort("mmsi")


def interleaved_identities(runs: pl.DataFrame, *, min_switches: int = 3) -> pl.DataFrame:
    """MMSIs whose persistent identity runs interleave (Definitions).

    ``runs``: one row per persistent run of an identity key, columns ``mmsi, key, first_seen,
    last_seen, ref`` in time order per MMSI. Returns ``mmsi, switches, identities, first_seen,
    last_seen, evidence``.
    """
    r = runs.sort("mmsi", "first_seen").with_columns(
        changed=(pl.col("key") != pl.col("key").shift().over("mmsi")).fill_null(False),
        seen_before=pl.col("key").is_duplicated().over("mmsi"),
    )
    out = r.group_by("mmsi").agg(
        switches=pl.col("changed").sum(),
        identities=pl.col("key").unique().sort(),
        returns=(pl.col("changed") & pl.col("seen_before")).sum(),
        first_seen=pl.col("first_seen").min(),
        last_seen=pl.col("last_seen").max(),
        evidence=pl.col("ref").head(6),
    )
    return (
        out.filter((pl.col("switches") >= min_switches) & (pl.col("returns") > 0))
        .drop("returns")
        .sort("mmsi")
    )


def shared_from_segments(
    segments: pl.DataFrame, *, min_overlap: dt.timedelta = dt.timedelta(hours=1)
) -> pl.DataFrame:
    """Pairs of segments of one MMSI overlapping in time by more than ``min_overlap``.

    ``segments``: ``mmsi, segment_id, first_seen, last_seen``. Returns ``mmsi, segment_id,
    other_segment_id, overlap_start, overlap_end``, sorted.
    """
    s = segments.select("mmsi", "segment_id", "first_seen", "last_seen")
    pairs = s.join(s, on="mmsi", suffix="_o").filter(
        pl.col("segment_id").cast(pl.String) < pl.col("segment_id_o").cast(pl.String)
    )
    start = pl.max_horizontal("first_seen", "first_seen_o")
    end = pl.min_horizontal("last_seen", "last_seen_o")
    return (
        pairs.with_columns(overlap_start=start, overlap_end=end)
        .filter((pl.col("overlap_end") - pl.col("overlap_start")) > min_overlap)
        .select(
            "mmsi",
            "segment_id",
            pl.col("segment_id_o").alias("other_segment_id"),
            "overlap_start",
            "overlap_end",
        )
        .sort("mmsi", "segment_id", "other_segment_id")
    )
