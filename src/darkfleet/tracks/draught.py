"""Draught changes across port visits: did the ship load or unload?

Definition (src/darkfleet/definitions/draught.md says the same)
--------------------------------------------------
AIS static reports (type 5, and any ``statics`` row with a ``draught_m``) carry the ship's
present draught as the crew enters it, in 0.1 m steps (ITU-R M.1371; 0 = not available, kept
as null). For each port visit of an MMSI:

* ``draught_before_m`` = the last draught reported at or before the visit's entry
  (``start_time``), at most ``window_h`` hours before it and not before the end of the
  MMSI's previous visit;
* ``draught_after_m`` = the first draught reported at or after the visit's end (``end_time``,
  the last position in port), at most ``window_h`` hours after it and before the start of the
  MMSI's next visit;
* ``change_m`` = after - before; ``signal`` = ``loaded`` when ``change_m >= min_change_m``,
  ``unloaded`` when ``change_m <= -min_change_m``, else ``unchanged``.

Bounding the search by the neighbouring visits means a value reported at another port is
never used: a ship dark on the crossing on both sides gets no row rather than a wrong one.
Visits still open (no ``end_time``) and visits without a report on either side give no row.
Ties (several reports at the same time) go to the last (before) / first (after) by
(``source_id``, ``line``). Event times are the visit's; ``before_time``/``after_time`` are the
two reports'; ``lon``/``lat`` the visit's position; ``evidence`` cites the two reports.

Parameters (:class:`DraughtParams`): ``window_h`` = 48 h, ``min_change_m`` = 0.5 m. Global
Fishing Watch publishes no draught product, so the defaults are darkfleet's: a ship that
transmits repeats its static report every 6 minutes (ITU-R M.1371), so 48 h only matters for a
ship that was dark around the call, and is long enough to span a day-long dark crossing; 0.5 m
is five steps of the field's 0.1 m resolution, above the rounding of a hand-entered value and
the few centimetres of fuel and water a short call consumes, while for a feeder or handysize
ship (15-25 t per cm of immersion) it is still a few hundred to a thousand tonnes of cargo.
Known limits: the draught is typed by the crew and often not updated (a missing change is not
evidence of no cargo operation), and ballast water can mask cargo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from ..errors import ConfigError
from ..events.base import BASE, conform_events, evidence_from_columns, with_event_ids
from ..schema import UTC

__all__ = ["DRAUGHT_CHANGES", "DraughtParams", "detect_draught_changes"]

DRAUGHT_CHANGES: dict[str, pl.DataType] = {
    **BASE,
    "port_id": pl.String(),
    "visit_id": pl.String(),
    "draught_before_m": pl.Float64(),
    "draught_after_m": pl.Float64(),
    "change_m": pl.Float64(),
    "signal": pl.String(),
    "before_time": UTC,
    "after_time": UTC,
}


@dataclass(frozen=True, kw_only=True)
class DraughtParams:
    """Parameters of draught-change detection (see the module's Definition)."""

    #: Search a report at most this many hours before the entry / after the exit
    #: (darkfleet's choice: spans a day-long dark crossing; GFW has no draught product).
    window_h: float = 48.0
    #: A change of at least this many metres is loaded/unloaded (five 0.1 m AIS steps).
    min_change_m: float = 0.5

    def __post_init__(self) -> None:
        if not (math.isfinite(self.window_h) and self.window_h > 0):
            raise ConfigError(f"draught.window_h = {self.window_h!r}: expected hours > 0.")
        if not (math.isfinite(self.min_change_m) and self.min_change_m > 0):
            raise ConfigError(f"draught.min_change_m = {self.min_change_m!r}: expected metres > 0.")


def _empty() -> pl.DataFrame:
    return conform_events(pl.DataFrame(schema=DRAUGHT_CHANGES), DRAUGHT_CHANGES)


def detect_draught_changes(
    statics: pl.DataFrame | pl.LazyFrame | None,
    visits: pl.DataFrame,
    *,
    params: DraughtParams = DraughtParams(),
) -> pl.DataFrame:
    """Draught before and after each port visit, schema :data:`DRAUGHT_CHANGES`.

    ``statics``: rows with ``mmsi, timestamp, draught_m, source_id, line`` (the canonical
    STATICS table; None = no statics, no rows); ``visits``:
    :data:`~darkfleet.tracks.visits.PORT_VISITS`.
    """
    if statics is None:
        return _empty()
    if isinstance(statics, pl.LazyFrame):
        statics = statics.collect()
    need = {"mmsi", "timestamp", "draught_m"}
    if not need <= set(statics.columns):
        raise ConfigError(
            f"statics: columns {sorted(need - set(statics.columns))} are missing; pass the "
            "canonical statics table (mmsi, timestamp, draught_m, source_id, line)."
        )
    s = statics.select(
        pl.col("mmsi").cast(pl.Int64),
        pl.col("timestamp").cast(UTC),
        pl.col("draught_m").cast(pl.Float64),
        (pl.col("source_id") if "source_id" in statics.columns else pl.lit(None)).cast(pl.String),
        (pl.col("line") if "line" in statics.columns else pl.lit(None)).cast(pl.Int64),
    ).filter(
        pl.col("mmsi").is_not_null()
        & pl.col("timestamp").is_not_null()
        & pl.col("draught_m").is_not_null()
        & (pl.col("draught_m") > 0)
    )
    if s.height == 0 or visits.height == 0:
        return _empty()
    s = s.sort("mmsi", "timestamp", "source_id", "line", nulls_last=True, maintain_order=True)
    window = pl.duration(microseconds=round(params.window_h * 3.6e9))
    v = visits.sort("mmsi", "start_time", "event_id", maintain_order=True).with_columns(
        pl.col("end_time").shift(1).over("mmsi").alias("_prev_end"),
        pl.col("start_time").shift(-1).over("mmsi").alias("_next_start"),
    )
    v = v.filter(pl.col("end_time").is_not_null())
    if v.height == 0:
        return _empty()
    before = s.rename(
        {
            "timestamp": "before_time",
            "draught_m": "draught_before_m",
            "source_id": "_s0",
            "line": "_l0",
        }
    )
    after = s.rename(
        {
            "timestamp": "after_time",
            "draught_m": "draught_after_m",
            "source_id": "_s1",
            "line": "_l1",
        }
    )
    # join_asof wants both sides sorted by the time key (within ``by``)
    b = v.sort("start_time", maintain_order=True).join_asof(
        _last_per_time(before),
        left_on="start_time",
        right_on="before_time",
        by="mmsi",
        strategy="backward",
        check_sortedness=False,
    )
    a = b.sort("end_time", maintain_order=True).join_asof(
        _first_per_time(after),
        left_on="end_time",
        right_on="after_time",
        by="mmsi",
        strategy="forward",
        check_sortedness=False,
    )
    ok_before = (pl.col("before_time") >= pl.col("start_time") - window) & (
        pl.col("_prev_end").is_null() | (pl.col("before_time") >= pl.col("_prev_end"))
    )
    ok_after = (pl.col("after_time") <= pl.col("end_time") + window) & (
        pl.col("_next_start").is_null() | (pl.col("after_time") < pl.col("_next_start"))
    )
    out = a.filter(ok_before & ok_after)
    if out.height == 0:
        return _empty()
    change = (pl.col("draught_after_m") - pl.col("draught_before_m")).round(3)
    out = out.with_columns(
        change.alias("change_m"),
        pl.when(change >= params.min_change_m)
        .then(pl.lit("loaded"))
        .when(change <= -params.min_change_m)
        .then(pl.lit("unloaded"))
        .otherwise(pl.lit("unchanged"))
        .alias("signal"),
        pl.col("event_id").alias("visit_id"),
        evidence_from_columns(("_s0", "_l0"), ("_s1", "_l1")),
    )
    out = with_event_ids(out, "draught_change", ["mmsi", "visit_id"])
    return conform_events(out, DRAUGHT_CHANGES)


def _first_per_time(after: pl.DataFrame) -> pl.DataFrame:
    """Keep the first report (by source_id, line) of each (mmsi, time): a forward as-of join
    must pick the first of tied reports, as the Definition says."""
    return after.unique(subset=["mmsi", "after_time"], keep="first", maintain_order=True).sort(
        "after_time", maintain_order=True
    )


def _last_per_time(before: pl.DataFrame) -> pl.DataFrame:
    """Keep the last report (by source_id, line) of each (mmsi, time) for the backward join."""
    return before.unique(subset=["mmsi", "before_time"], keep="last", maintain_order=True).sort(
        "before_time", maintain_order=True
    )
