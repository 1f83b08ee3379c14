""":func:`simulate`: a scenario → received AIS reports (canonical frames) and ground truth.

Steps, each seeded by its own ``numpy.random.SeedSequence`` child of ``scenario.seed`` (so the
story does not change when decoys are added, and reception does not change the plans):

1. plan the story vessels (:mod:`.story`) and the decoys (:mod:`.decoys`);
2. draw the transmitted position reports, vectorised (:mod:`.sampling`), and static reports
   (:mod:`.statics`);
3. decide who hears each report (:mod:`.reception`); unheard reports are lost;
4. build the truth tables (:mod:`.truth`) from the plans and the received reports.

Nothing reads the clock; the same scenario gives the same frames, row for row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..schema import POSITIONS, STATICS, UTC
from .decoys import add_decoys
from .geography import port_table
from .itinerary import ABSENT as _ABSENT
from .plans import World
from .reception import SATELLITE, Receivers, build_receivers
from .roster import Namer
from .sampling import Waypoints, identity_rows, sample_positions
from .scenario import Scenario
from .statics import identity_table, static_reports
from .story import Story, build_story
from .truth import truth_tables

__all__ = ["Simulation", "simulate"]


@dataclass(frozen=True)
class Simulation:
    """A simulated scenario: what the receivers got and what really happened.

    ``positions`` and ``statics`` have the canonical :data:`~darkfleet.schema.POSITIONS` /
    :data:`~darkfleet.schema.STATICS` columns (``source_id`` null, ``line`` null: set when
    written) plus ``receiver`` (station code or ``SAT``) and ``vessel_id``; sorted by time,
    then vessel. ``truth`` maps table names (:data:`~.truth.TRUTH_TABLES`) to frames.
    """

    scenario: Scenario
    positions: pl.DataFrame
    statics: pl.DataFrame
    truth: dict[str, pl.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)
    #: The planned tracks (truth), kept so that :meth:`true_positions` can place every vessel
    #: at any instant (satellite scenes are drawn from them); ``vessel_ids[k]`` names vessel k.
    waypoints: Waypoints | None = field(default=None, repr=False, compare=False)
    vessel_ids: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def true_positions(self, t: float) -> pl.DataFrame:
        """Where every vessel really was at epoch second ``t`` (truth, not what AIS said):
        ``vessel_id, lon, lat, speed_kn, course_deg, state`` for the vessels in the area
        (between their first and last waypoint, in a leg that is not ``absent``)."""
        wp = self.waypoints
        cols = {
            "vessel_id": pl.String(),
            "lon": pl.Float64(),
            "lat": pl.Float64(),
            "speed_kn": pl.Float64(),
            "course_deg": pl.Float64(),
            "state": pl.Int8(),
        }
        if wp is None or not self.vessel_ids:
            return pl.DataFrame(schema=cols)
        v = np.arange(len(self.vessel_ids), dtype=np.int64)
        tt = np.full(v.size, float(t))
        k = wp.leg(v, tt)
        ok = (k >= 0) & (wp.start <= t) & (t < wp.end)
        k = np.where(ok, k, 0)
        ok &= (wp.vessel[k] == v) & (wp.state[k] != _ABSENT)
        v, tt, k = v[ok], tt[ok], k[ok]
        lon, lat = _position_at(wp, v, tt)
        return pl.DataFrame(
            {
                "vessel_id": [self.vessel_ids[i] for i in v],
                "lon": lon,
                "lat": lat,
                "speed_kn": wp.speed_kn[k],
                "course_deg": wp.course_deg[k],
                "state": wp.state[k],
            },
            schema=cols,
        )


def _receiver_names(rc: Receivers) -> list[str]:
    return [s.code for s in rc.stations]


def _to_utc(t: np.ndarray) -> pl.Series:
    return pl.Series("timestamp", (t * 1_000_000).astype(np.int64)).cast(UTC)


def simulate(scenario: Scenario | None = None) -> Simulation:
    """Run ``scenario`` (default: :class:`Scenario()`, the Najin story) in memory."""
    sc = scenario or Scenario()
    story_ss, decoy_ss, names_ss, sample_ss, static_ss, recv_ss = np.random.SeedSequence(
        sc.seed
    ).spawn(6)
    ports = port_table(tuple({sc.home_port, sc.shuttle_port, *sc.decoy_ports}))
    rc = build_receivers(sc, np.random.default_rng(recv_ss))
    world = World(sc, ports, coverage=rc.coverage if sc.terrestrial else None)
    namer = Namer(np.random.default_rng(names_ss), reserved_imos=(sc.sanctioned_imo,))
    story = build_story(world, story_ss, namer)
    add_decoys(world, story, decoy_ss, namer)
    wp = Waypoints.of(story.vessels, sc.start_s, sc.end_s)
    recv_rng = np.random.default_rng(recv_ss.spawn(1)[0])

    chunks = []
    recv_v, recv_t = [], []  # per vessel group: sorted by vessel, then time
    for rep in sample_positions(sc, story.vessels, wp, np.random.default_rng(sample_ss)):
        heard = rc.hear(recv_rng, rep["vessel"], rep["t"], rep["lon"], rep["lat"])
        keep = heard > -2
        rep = {k: v[keep] for k, v in rep.items()}
        recv_v.append(rep["vessel"])
        recv_t.append(rep["t"])
        chunks.append(_positions_chunk(story, wp, rep, heard[keep]))
        del rep, heard, keep
    positions = _finish_positions(chunks, story, rc)
    del chunks

    st = static_reports(sc, story.vessels, wp, np.random.default_rng(static_ss), _names(world))
    st_t = st["t"].to_numpy()
    st_v = st["vessel"].to_numpy()
    lon, lat = _position_at(wp, st_v, st_t)
    heard = rc.hear(recv_rng, st_v, st_t, lon, lat)
    statics = _statics_frame(st.filter(pl.Series(heard > -2)), heard[heard > -2], rc, story)

    received = (
        np.concatenate(recv_v) if recv_v else np.zeros(0, np.int64),
        np.concatenate(recv_t) if recv_t else np.zeros(0),
    )
    truth = truth_tables(
        story,
        wp,
        received,
        _names(world),
        end_s=sc.end_s,
        start_s=sc.start_s,
        surge_s=sc.surge_date.timestamp(),
        surge_ports=[sc.shuttle_port, sc.home_port],
        min_gap_s=sc.truth_min_gap_h * 3600.0,
    )
    truth["shared_mmsi_positions"] = _shared_positions(positions, truth["shared_mmsi"])
    summary = _summary(sc, story, positions, statics, truth, rc)
    ids = tuple(v.vessel_id for v in story.vessels)
    return Simulation(sc, positions, statics, truth, summary, wp, ids)


def _names(world: World) -> dict[str, str]:
    return {k: p.name for k, p in world.ports.items()}


def _position_at(wp: Waypoints, vessel: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = wp.leg(vessel, t)
    nxt = np.minimum(k + 1, len(wp.t) - 1)
    dt = wp.t[nxt] - wp.t[k]
    f = np.where(dt > 0, (t - wp.t[k]) / np.where(dt > 0, dt, 1.0), 0.0)
    return wp.lon[k] + (wp.lon[nxt] - wp.lon[k]) * f, wp.lat[k] + (wp.lat[nxt] - wp.lat[k]) * f


def _receiver_series(heard: np.ndarray, rc: Receivers) -> pl.Series:
    names = pl.Series("receiver", [*_receiver_names(rc), "SAT"], dtype=pl.String())
    idx = np.where(heard == SATELLITE, len(names) - 1, heard).astype(np.int64)
    return names.gather(idx)


def _positions_chunk(
    story: Story, wp: Waypoints, rep: dict[str, np.ndarray], heard: np.ndarray
) -> pl.DataFrame:
    """Received position reports of one vessel group: numeric columns, ``_vessel``, ``_recv``."""
    vs = story.vessels
    rows = identity_rows(vs, rep["vessel"], rep["t"], wp.t0)
    mmsi = np.array([i.mmsi for v in vs for i in v.identities], np.int64)[rows]
    t = rep["t"]
    return pl.DataFrame(
        {
            "timestamp": _to_utc(t),
            "mmsi": mmsi,
            "msg_type": rep["msg_type"],
            "lon": rep["lon"],
            "lat": rep["lat"],
            "sog_kn": rep["sog_kn"],
            "cog_deg": rep["cog_deg"],
            "heading_deg": rep["heading_deg"],
            "nav_status": rep["nav_status"],
            "utc_second": (t.astype(np.int64) % 60).astype(np.int8),
            "_vessel": rep["vessel"],
            "_recv": heard,
        }
    )


def _finish_positions(chunks: list[pl.DataFrame], story: Story, rc: Receivers) -> pl.DataFrame:
    """Sort by (time, vessel), then add the text and constant columns (cheaper after the sort)."""
    extra = {"receiver": pl.String(), "vessel_id": pl.String()}
    if not chunks:
        return pl.DataFrame(schema={**POSITIONS, **extra})
    frame = pl.concat(chunks, rechunk=False).sort(["timestamp", "_vessel"], maintain_order=True)
    ids = pl.Series("vessel_id", [v.vessel_id for v in story.vessels], dtype=pl.String())
    is_b = pl.col("msg_type") == 18
    frame = frame.with_columns(
        _receiver_series(frame["_recv"].to_numpy(), rc),
        ids.gather(frame["_vessel"].to_numpy()),
        repeat=pl.lit(0, pl.Int8),
        channel=pl.when(pl.col("utc_second") % 2 == 1).then(pl.lit("B")).otherwise(pl.lit("A")),
        rot_deg_min=pl.when(is_b).then(None).otherwise(pl.lit(0.0)),
        nav_status=pl.when(is_b).then(None).otherwise(pl.col("nav_status")),
        position_accuracy=pl.lit(False),
        maneuver=pl.lit(0, pl.Int8),
        raim=pl.lit(False),
        radio_status=pl.lit(0, pl.Int32),
    )
    return frame.select(
        [
            pl.col(c).cast(ty) if c in frame.columns else pl.lit(None, ty).alias(c)
            for c, ty in POSITIONS.items()
        ]
        + list(extra)
    )


def _statics_frame(
    st: pl.DataFrame, heard: np.ndarray, rc: Receivers, story: Story
) -> pl.DataFrame:
    t = st["t"].to_numpy()
    frame = st.with_columns(
        _to_utc(t),
        _receiver_series(heard, rc),
        repeat=pl.lit(0, pl.Int8),
        channel=pl.when(pl.col("t").cast(pl.Int64) % 2 == 0)
        .then(pl.lit("A"))
        .otherwise(pl.lit("B")),
    )
    b_a = (pl.col("msg_type") == 24) & (pl.col("part_number") == 0)
    b_b = (pl.col("msg_type") == 24) & (pl.col("part_number") == 1)
    only_b = ["callsign", "ship_type", "to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m"]
    frame = frame.with_columns(
        [pl.when(b_a).then(None).otherwise(pl.col(c)).alias(c) for c in only_b]
        + [pl.when(b_b).then(None).otherwise(pl.col("shipname")).alias("shipname")]
    )
    frame = frame.sort(["t", "vessel", "part_number"], nulls_last=False, maintain_order=True)
    return frame.select(
        [
            pl.col(c).cast(ty) if c in frame.columns else pl.lit(None, ty).alias(c)
            for c, ty in STATICS.items()
        ]
        + ["receiver", "vessel_id"]
    )


def _shared_positions(positions: pl.DataFrame, shared: pl.DataFrame) -> pl.DataFrame:
    mmsis = shared["mmsi"].to_list()
    return (
        positions.filter(pl.col("mmsi").is_in(mmsis))
        .select("mmsi", "timestamp", "lon", "lat", "vessel_id")
        .sort("mmsi", "timestamp", "vessel_id", maintain_order=True)
    )


def _summary(
    sc: Scenario,
    story: Story,
    positions: pl.DataFrame,
    statics: pl.DataFrame,
    truth: dict[str, pl.DataFrame],
    rc: Receivers,
) -> dict[str, Any]:
    roles: dict[str, int] = {}
    for v in story.vessels:
        roles[v.role] = roles.get(v.role, 0) + 1
    sat = int((positions["receiver"] == "SAT").sum()) if positions.height else 0
    return {
        "scenario": sc.to_dict(),
        "vessels": dict(sorted(roles.items())),
        "positions": positions.height,
        "positions_satellite": sat,
        "positions_terrestrial": positions.height - sat,
        "statics": statics.height,
        "truth_rows": {k: v.height for k, v in sorted(truth.items())},
        "stations": [
            {
                "code": s.code,
                "lon": s.lon,
                "lat": s.lat,
                "range_nm": s.range_nm * sc.station_range_factor,
            }
            for s in rc.stations
        ],
        "station_outages": [
            {"station": rc.stations[int(k)].code, "start": _iso(s), "end": _iso(e)}
            for k, s, e in zip(rc.outage_station, rc.outage_start, rc.outage_end, strict=True)
        ],
        "satellite_passes": len(rc.pass_start),
        "identities": identity_table(story.vessels).height,
    }


def _iso(t: float) -> str:
    from datetime import UTC as _utc
    from datetime import datetime

    return datetime.fromtimestamp(round(float(t)), _utc).isoformat().replace("+00:00", "Z")
