"""Voyages between port visits, round trips A → B → A, and round-trip counts per period.

Definition (src/darkfleet/definitions/voyages.md says the same)
--------------------------------------------------
**Voyage** (GFW pipe-anchorages ``generate_confidence_voyages.sql``: "the combination of a
vessel's previous port visit's end and next port visit's start"). The port visits of one
MMSI with ``confidence >= min_confidence`` are put in time order (``start_time``, then
``event_id``); each pair of consecutive visits is a voyage from the first (*origin*) to the
second (*destination*): ``start_time`` = departure = the origin's ``end_time`` (its last
position in port), ``end_time`` = arrival = the destination's ``start_time`` (its entry).
A visit still open (no ``end_time``) starts no voyage, nor does a visit that the next
one starts before it ends (overlapping visits of one MMSI are two ships sharing it). ``include_same_port`` (default true, as
GFW) keeps voyages that return to the port they left. ``distance_m`` is the great circle
between the two visits' positions (a lower bound of the distance sailed); ``lon``/``lat`` =
the origin visit's position; ``seg_id`` = the visits' segment when both share one.
With a ``gaps`` table: ``n_gaps`` = gaps of the MMSI overlapping (departure, arrival) and
``dark_h`` = hours of that overlap (an open gap runs to the arrival); without: both null.

**Round trip** A → B → A: per MMSI, voyages in time order are scanned once from the earliest;
a round trip starts with a voyage from A to B ≠ A (compared after ``port_groups``: ports
mapped to one group count as one port) and ends with the first later voyage arriving at A.
Between the two, the vessel may call at B again any number of times and at other ports at
most ``max_intermediate_calls`` times (default 0: only A → B → A; a call elsewhere breaks
the round trip and the scan goes on from the next voyage). Round trips do not overlap: after
one, the scan goes on from the voyage after its return leg, so A → B → A → B → A counts two
(not also the B → A → B in the middle). ``dark_h`` sums the legs' ``dark_h``.

**Counts** (:func:`round_trip_counts`): round trips by the week (Monday 00:00 UTC) or month of
their departure from A, per unordered port pair (after grouping), with the number of round
trips, of vessels and the list of MMSIs (``by="pair"``), or per vessel (``by="vessel"``).
``ports`` keeps round trips whose both ends are among them (one port given: either end);
``start``/``end`` keep departures in [start, end); empty periods between them count 0.

GFW publishes voyages (with open first/last voyages, which are left out here: a voyage needs
both ends) but no round trips; the round-trip rule and its parameter are darkfleet's, chosen
for the question "how many times did this ship shuttle between A and B".

Provenance: a voyage cites the origin's last in-port and exit records, the destination's
entry record and the records either side of each overlapping gap; a round trip cites all of
its legs' records. ``event_id`` hashes the MMSI and the visit (voyage) ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import polars as pl

from ..errors import ConfigError
from ..events.base import BASE, EVIDENCE, conform_events, with_event_ids
from ..geo import haversine_m
from ..ports import _name_key
from ..schema import UTC

__all__ = [
    "ROUND_TRIPS",
    "ROUND_TRIP_COUNTS",
    "VOYAGES",
    "VoyageParams",
    "detect_round_trips",
    "detect_voyages",
    "round_trip_counts",
]

VOYAGES: dict[str, pl.DataType] = {
    **BASE,
    "origin_port_id": pl.String(),
    "origin_name": pl.String(),
    "dest_port_id": pl.String(),
    "dest_name": pl.String(),
    "origin_visit_id": pl.String(),
    "dest_visit_id": pl.String(),
    "distance_m": pl.Float64(),
    "dark_h": pl.Float64(),
    "n_gaps": pl.Int32(),
}

ROUND_TRIPS: dict[str, pl.DataType] = {
    **BASE,
    "port_a_id": pl.String(),
    "port_a_name": pl.String(),
    "port_b_id": pl.String(),
    "port_b_name": pl.String(),
    "group_a": pl.String(),
    "group_b": pl.String(),
    "out_voyage_id": pl.String(),
    "back_voyage_id": pl.String(),
    "n_legs": pl.Int32(),
    "dark_h": pl.Float64(),
}

#: :func:`round_trip_counts` output; ``mmsi`` only with ``by="vessel"``, ``n_vessels`` and
#: ``mmsis`` only with ``by="pair"``.
ROUND_TRIP_COUNTS: dict[str, pl.DataType] = {
    "period_start": pl.Date(),
    "port_1": pl.String(),
    "port_2": pl.String(),
    "mmsi": pl.Int64(),
    "n_round_trips": pl.Int64(),
    "n_vessels": pl.Int64(),
    "mmsis": pl.List(pl.Int64()),
    "dark_h": pl.Float64(),
}


@dataclass(frozen=True, kw_only=True)
class VoyageParams:
    """Parameters of voyages and round trips (see the module's Definition)."""

    #: Use visits of at least this confidence (GFW's voyage tables are built for 2, 3 and 4).
    min_confidence: int = 2
    #: Keep voyages that end in the port they left (GFW keeps them).
    include_same_port: bool = True
    #: Round trips: calls at ports other than A and B allowed between the out and back legs
    #: (darkfleet's choice: 0, a strict A → B → A shuttle).
    max_intermediate_calls: int = 0
    #: Round trips and counts: port id or name → group label; ports of one group count as one
    #: port (e.g. Vostochnyy, Nakhodka and Dunay as "Nakhodka Gulf"). None: no groups.
    port_groups: Mapping[str, str] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if self.min_confidence not in (1, 2, 3, 4):
            raise ConfigError(
                f"voyages.min_confidence = {self.min_confidence!r}: expected 1, 2, 3 or 4."
            )
        if not isinstance(self.max_intermediate_calls, int) or self.max_intermediate_calls < 0:
            raise ConfigError(
                f"voyages.max_intermediate_calls = {self.max_intermediate_calls!r}: expected an integer >= 0."
            )
        if self.port_groups is not None and not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in self.port_groups.items()
        ):
            raise ConfigError(
                f"voyages.port_groups = {self.port_groups!r}: expected a table of port id or name "
                '→ group label, e.g. {"WPI-60725" = "Nakhodka Gulf"}.'
            )


def _empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return conform_events(pl.DataFrame(schema=schema), schema)


def detect_voyages(
    visits: pl.DataFrame, *, gaps: pl.DataFrame | None = None, params: VoyageParams = VoyageParams()
) -> pl.DataFrame:
    """Voyages between consecutive port visits (:data:`~.visits.PORT_VISITS`), schema
    :data:`VOYAGES`. ``gaps`` (:data:`~.gaps.GAPS`) fills ``dark_h`` and ``n_gaps``."""
    v = visits.filter(pl.col("confidence") >= params.min_confidence).sort(
        "mmsi", "start_time", "event_id", maintain_order=True
    )
    if v.height < 2:
        return _empty(VOYAGES)
    nxt = [pl.col(c).shift(-1).over("mmsi").alias(f"_d_{c}") for c in v.columns]
    pairs = v.with_columns(nxt).filter(
        pl.col("_d_event_id").is_not_null()
        & pl.col("end_time").is_not_null()
        # visits that overlap in time are two ships on one MMSI, not a voyage
        & (pl.col("_d_start_time") >= pl.col("end_time"))
    )
    if not params.include_same_port:
        pairs = pairs.filter(pl.col("port_id") != pl.col("_d_port_id"))
    if pairs.height == 0:
        return _empty(VOYAGES)
    dist = haversine_m(
        pairs["lon"].to_numpy(),
        pairs["lat"].to_numpy(),
        pairs["_d_lon"].to_numpy(),
        pairs["_d_lat"].to_numpy(),
    )
    out = pairs.select(
        "mmsi",
        pl.when(pl.col("seg_id") == pl.col("_d_seg_id")).then(pl.col("seg_id")).alias("seg_id"),
        pl.col("end_time").alias("start_time"),
        pl.col("_d_start_time").alias("end_time"),
        "lon",
        "lat",
        pl.col("port_id").alias("origin_port_id"),
        pl.col("port_name").alias("origin_name"),
        pl.col("_d_port_id").alias("dest_port_id"),
        pl.col("_d_port_name").alias("dest_name"),
        pl.col("event_id").alias("origin_visit_id"),
        pl.col("_d_event_id").alias("dest_visit_id"),
        pl.Series("distance_m", dist),
        pl.concat_list(pl.col("evidence").list.tail(2), pl.col("_d_evidence").list.head(1)).alias(
            "evidence"
        ),
    ).with_columns(
        ((pl.col("end_time") - pl.col("start_time")).dt.total_microseconds() / 3.6e9).alias(
            "duration_h"
        )
    )
    out = _with_gaps(out, gaps)
    out = with_event_ids(out, "voyage", ["mmsi", "origin_visit_id", "dest_visit_id"])
    return conform_events(out, VOYAGES)


def _with_gaps(voyages: pl.DataFrame, gaps: pl.DataFrame | None) -> pl.DataFrame:
    if gaps is None:
        return voyages.with_columns(
            pl.lit(None, pl.Float64).alias("dark_h"), pl.lit(None, pl.Int32).alias("n_gaps")
        )
    g = gaps.select(
        pl.col("mmsi").cast(pl.Int64),
        pl.col("start_time").cast(UTC).alias("_g0"),
        pl.col("end_time").cast(UTC).alias("_g1"),
        (pl.col("evidence") if "evidence" in gaps.columns else pl.lit(None))
        .cast(EVIDENCE)
        .alias("_gev"),
    )
    keyed = voyages.with_row_index("_v")
    hits = (
        keyed.select("_v", "mmsi", "start_time", "end_time")
        .join(g, on="mmsi", how="inner")
        .filter(
            (pl.col("_g0") < pl.col("end_time"))
            & (pl.col("_g1").is_null() | (pl.col("_g1") > pl.col("start_time")))
        )
        .with_columns(
            (
                (
                    pl.min_horizontal(pl.col("_g1").fill_null(pl.col("end_time")), "end_time")
                    - pl.max_horizontal("_g0", "start_time")
                ).dt.total_microseconds()
                / 3.6e9
            ).alias("_h")
        )
        .sort("_v", "_g0", maintain_order=True)
        .group_by("_v", maintain_order=True)
        .agg(
            pl.col("_h").sum().alias("dark_h"),
            pl.len().cast(pl.Int32).alias("n_gaps"),
            pl.col("_gev").explode().drop_nulls().alias("_gev"),
        )
    )
    out = keyed.join(hits, on="_v", how="left").sort("_v")
    return out.with_columns(
        pl.col("dark_h").fill_null(0.0),
        pl.col("n_gaps").fill_null(0),
        pl.concat_list("evidence", pl.col("_gev").fill_null(pl.lit([], EVIDENCE)))
        .list.unique(maintain_order=True)
        .alias("evidence"),
    ).drop("_v", "_gev")


def _group_of(port_groups: Mapping[str, str] | None, port_id: str, name: str | None) -> str:
    if not port_groups:
        return port_id
    if port_id in port_groups:
        return port_groups[port_id]
    keyed = {_name_key(k): g for k, g in port_groups.items()}
    return keyed.get(_name_key(name or ""), port_id)


def detect_round_trips(
    voyages: pl.DataFrame, *, params: VoyageParams = VoyageParams()
) -> pl.DataFrame:
    """Round trips A → B → A from a :data:`VOYAGES` frame, schema :data:`ROUND_TRIPS`."""
    if voyages.height == 0:
        return _empty(ROUND_TRIPS)
    v = voyages.sort("mmsi", "start_time", "event_id", maintain_order=True)
    groups = params.port_groups
    cache: dict[tuple[str, str | None], str] = {}

    def group(pid: str, name: str | None) -> str:
        key = (pid, name)
        if key not in cache:
            cache[key] = _group_of(groups, pid, name)
        return cache[key]

    mmsi = v["mmsi"].to_list()
    og = [
        group(p, n)
        for p, n in zip(v["origin_port_id"].to_list(), v["origin_name"].to_list(), strict=True)
    ]
    dg = [
        group(p, n)
        for p, n in zip(v["dest_port_id"].to_list(), v["dest_name"].to_list(), strict=True)
    ]
    trips: list[tuple[int, int, str, str]] = []
    i, n = 0, v.height
    while i < n:
        a, b = og[i], dg[i]
        found = -1
        if a != b:
            others = 0
            j = i + 1
            while j < n and mmsi[j] == mmsi[i]:
                if dg[j] == a:
                    found = j
                    break
                if dg[j] != b:
                    others += 1
                    if others > params.max_intermediate_calls:
                        break
                j += 1
        if found >= 0:
            trips.append((i, found, a, b))
            i = found + 1
        else:
            i += 1
    if not trips:
        return _empty(ROUND_TRIPS)
    idx = pl.DataFrame(
        {
            "_i": [t[0] for t in trips],
            "_j": [t[1] for t in trips],
            "group_a": [t[2] for t in trips],
            "group_b": [t[3] for t in trips],
        },
        schema={"_i": pl.Int64, "_j": pl.Int64, "group_a": pl.String, "group_b": pl.String},
    )
    legs = v.with_row_index("_k").select("_k", "evidence", "dark_h")
    per_trip = (
        idx.with_row_index("_t")
        .with_columns(pl.int_ranges("_i", pl.col("_j") + 1).alias("_k"))
        .explode("_k")
        .with_columns(pl.col("_k").cast(pl.UInt32))
        .join(legs, on="_k", how="left")
        .sort("_t", "_k")
        .group_by("_t", maintain_order=True)
        .agg(
            pl.col("evidence").explode().unique(maintain_order=True).alias("evidence"),
            pl.col("dark_h").sum().alias("_dark"),
            pl.col("dark_h").is_null().any().alias("_dark_unknown"),
            pl.len().cast(pl.Int32).alias("n_legs"),
        )
    )
    out_leg = v[idx["_i"]]
    back_leg = v[idx["_j"]]
    rt = pl.DataFrame(
        {
            "mmsi": out_leg["mmsi"],
            "seg_id": out_leg["seg_id"].zip_with(
                out_leg["seg_id"] == back_leg["seg_id"],
                pl.Series([None] * idx.height, dtype=pl.String),
            ),
            "start_time": out_leg["start_time"],
            "end_time": back_leg["end_time"],
            "lon": out_leg["lon"],
            "lat": out_leg["lat"],
            "port_a_id": out_leg["origin_port_id"],
            "port_a_name": out_leg["origin_name"],
            "port_b_id": out_leg["dest_port_id"],
            "port_b_name": out_leg["dest_name"],
            "group_a": idx["group_a"],
            "group_b": idx["group_b"],
            "out_voyage_id": out_leg["event_id"],
            "back_voyage_id": back_leg["event_id"],
            "n_legs": per_trip["n_legs"],
            "evidence": per_trip["evidence"],
            "dark_h": per_trip["_dark"].zip_with(
                ~per_trip["_dark_unknown"], pl.Series([None] * idx.height, dtype=pl.Float64)
            ),
        }
    ).with_columns(
        ((pl.col("end_time") - pl.col("start_time")).dt.total_microseconds() / 3.6e9).alias(
            "duration_h"
        )
    )
    rt = with_event_ids(rt, "round_trip", ["mmsi", "out_voyage_id", "back_voyage_id"])
    return conform_events(rt, ROUND_TRIPS)


def _as_utc(value: dt.datetime | dt.date | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        raise ConfigError(
            f"{name} = {value.isoformat()} has no time zone; pass a UTC datetime or a date."
        )
    return value.astimezone(dt.UTC)


def round_trip_counts(
    round_trips: pl.DataFrame,
    *,
    period: Literal["week", "month"] = "week",
    ports: Sequence[str] | None = None,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
    by: Literal["pair", "vessel"] = "pair",
) -> pl.DataFrame:
    """Round trips per period and port pair (``by="pair"``: count, vessels, MMSIs) or per
    vessel (``by="vessel"``), schema :data:`ROUND_TRIP_COUNTS`, sorted by period, pair, MMSI.

    ``ports``: port ids, names or group labels (name match ignores case, accents and
    doubled letters). Empty periods between ``start`` and ``end`` (or the first and last
    departure) are filled with zero counts for every pair (``by="pair"``).
    """
    if period not in ("week", "month"):
        raise ConfigError(f'period = {period!r}: expected "week" or "month".')
    if by not in ("pair", "vessel"):
        raise ConfigError(f'by = {by!r}: expected "pair" or "vessel".')
    t0, t1 = _as_utc(start, "start"), _as_utc(end, "end")
    every = "1w" if period == "week" else "1mo"
    rt = round_trips
    if ports:
        wanted = {_name_key(p) for p in ports}

        def side_in(side: str) -> list[bool]:
            cols = [
                rt[c].to_list() for c in (f"group_{side}", f"port_{side}_id", f"port_{side}_name")
            ]
            return [
                any(x is not None and _name_key(x) in wanted for x in row)
                for row in zip(*cols, strict=True)
            ]

        a_in, b_in = side_in("a"), side_in("b")
        keep = [
            (x or y) if len(wanted) == 1 else (x and y) for x, y in zip(a_in, b_in, strict=True)
        ]
        rt = rt.filter(pl.Series(keep, dtype=pl.Boolean))
    rt = rt.select(
        "mmsi",
        "start_time",
        "dark_h",
        pl.min_horizontal("group_a", "group_b").alias("port_1"),
        pl.max_horizontal("group_a", "group_b").alias("port_2"),
    )
    if t0 is not None:
        rt = rt.filter(pl.col("start_time") >= t0)
    if t1 is not None:
        rt = rt.filter(pl.col("start_time") < t1)
    rt = rt.with_columns(pl.col("start_time").dt.truncate(every).dt.date().alias("period_start"))
    if by == "vessel":
        out = rt.group_by("period_start", "port_1", "port_2", "mmsi").agg(
            pl.len().cast(pl.Int64).alias("n_round_trips"), pl.col("dark_h").sum().alias("dark_h")
        )
        return _conform_counts(out).sort("period_start", "port_1", "port_2", "mmsi")
    out = rt.group_by("period_start", "port_1", "port_2").agg(
        pl.len().cast(pl.Int64).alias("n_round_trips"),
        pl.col("mmsi").n_unique().cast(pl.Int64).alias("n_vessels"),
        pl.col("mmsi").unique().sort().alias("mmsis"),
        pl.col("dark_h").sum().alias("dark_h"),
    )
    return _fill_periods(out, t0, t1, every)


def _conform_counts(frame: pl.DataFrame) -> pl.DataFrame:
    cols: list[Any] = []
    for c, t in ROUND_TRIP_COUNTS.items():
        cols.append(pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c))
    return frame.select(cols)


def _fill_periods(
    out: pl.DataFrame, t0: dt.datetime | None, t1: dt.datetime | None, every: str
) -> pl.DataFrame:
    if out.height == 0 and (t0 is None or t1 is None):
        return _conform_counts(out)

    def day(t: dt.datetime | None, fallback: Any) -> dt.date | None:
        if t is None:
            return cast("dt.date | None", fallback)
        return cast("dt.date", pl.Series([t]).dt.truncate(every).dt.date()[0])

    first = day(t0, out["period_start"].min())
    last = day(None if t1 is None else t1 - dt.timedelta(microseconds=1), out["period_start"].max())
    if first is None or last is None or first > last:
        return _conform_counts(out).sort("period_start", "port_1", "port_2")
    periods = pl.date_range(first, last, interval=every, eager=True).alias("period_start")
    pairs = out.select("port_1", "port_2").unique()
    grid = periods.to_frame().join(pairs, how="cross")
    full = grid.join(out, on=["period_start", "port_1", "port_2"], how="left").with_columns(
        pl.col("n_round_trips").fill_null(0),
        pl.col("n_vessels").fill_null(0),
        pl.col("mmsis").fill_null(pl.lit([], pl.List(pl.Int64))),
        pl.col("dark_h").fill_null(0.0),
    )
    return _conform_counts(full).sort("period_start", "port_1", "port_2")
