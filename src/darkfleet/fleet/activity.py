"""Daily port activity and activity surges (change points).

**Definition** (full text with parameters and their origins in ``src/darkfleet/definitions/port_activity.md``):

*Port activity* (:func:`port_activity`, table :data:`PORT_ACTIVITY`) counts, for each port
and UTC day between ``start`` and ``end`` (every day, zero-activity days included):

* ``vessels_present``: distinct MMSIs with a port visit overlapping the day (a visit still
  open at the end of the data counts through the day it was last seen, ``last_seen_time``,
  or through ``end`` when that is unknown);
* ``arrivals``: visits whose entry falls on the day, except visits already in progress when
  the data begins (``is_open_start``: their arrival was not observed);
* ``departures``: visits whose exit falls on the day (closed visits only);
* ``dark_arrivals``: arrivals flagged ``arrived_dark`` (the first in-port position came after
  an AIS gap).

Visits shorter than ``min_visit_h`` are left out of every count.

*Surges* (:func:`detect_surges`, table :data:`SURGES`): for each port and metric the daily
series is split at the single day that maximises the Poisson likelihood of "one rate before,
another after" (each side at least ``min_segment_days``). The split is reported when

1. its likelihood-ratio statistic is significant by a permutation test: the series is
   shuffled ``n_permutations`` times (fixed ``seed``) in whole blocks of ``block_days`` days
   (so multi-day visits and a weekly rhythm do not pass for a change) and the best split of
   each shuffle is found the same way, so the test accounts for having searched every day;
   ``p = (1 + #shuffles at least as extreme) / (1 + n_permutations) <= alpha``;
2. the rate changed in the asked ``direction`` by at least ``min_ratio`` (after / before);
3. the series holds at least ``min_events`` counts.

With ``max_changes > 1`` the two sides of each significant split are searched again (binary
segmentation). A surge row's ``start_time`` is the first day of the new rate, ``end_time``
the end of the after-window; ``reasoning`` says it in words.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.special import xlogy

from ..errors import ConfigError, SchemaError
from ..events.base import BASE, conform_events, with_event_ids
from ..schema import conform

__all__ = ["METRICS", "PORT_ACTIVITY", "SURGES", "ActivityParams", "detect_surges", "port_activity"]

PORT_ACTIVITY: dict[str, pl.DataType] = {
    "port_id": pl.String(),
    "port_name": pl.String(),
    "date": pl.Date(),
    "vessels_present": pl.Int64(),
    "arrivals": pl.Int64(),
    "departures": pl.Int64(),
    "dark_arrivals": pl.Int64(),
}

SURGES: dict[str, pl.DataType] = {
    **BASE,
    "port_id": pl.String(),
    "port_name": pl.String(),
    "metric": pl.String(),
    "before_mean": pl.Float64(),
    "after_mean": pl.Float64(),
    "ratio": pl.Float64(),
    "p_value": pl.Float64(),
    "before_days": pl.Int64(),
    "after_days": pl.Int64(),
    "method": pl.String(),
    "reasoning": pl.String(),
}

#: Columns of :data:`PORT_ACTIVITY` that :func:`detect_surges` can test.
METRICS = ("vessels_present", "arrivals", "departures", "dark_arrivals")
_LABEL = {
    "vessels_present": "Vessels present",
    "arrivals": "Arrivals",
    "departures": "Departures",
    "dark_arrivals": "Dark arrivals",
}
_METHOD = "poisson_lr_permutation"
F64 = npt.NDArray[np.float64]


class HasPorts(Protocol):
    """A :class:`darkfleet.ports.PortIndex` (its ``ports`` frame has port_id, lon, lat)."""

    @property
    def ports(self) -> pl.DataFrame: ...


@dataclass(frozen=True, kw_only=True)
class ActivityParams:
    """Parameters of :func:`port_activity` and :func:`detect_surges` (darkfleet's own method)."""

    min_visit_h: float = 0.0
    """Visits shorter than this are not counted (0: every visit the visit detector reports)."""
    metrics: tuple[str, ...] = ("arrivals", "vessels_present")
    """Daily columns tested for change points: the two the "activity picked up" story needs."""
    direction: str = "up"
    """``up`` (surges), ``down`` (collapses) or ``both``."""
    min_segment_days: int = 14
    """Each side of a split spans at least this many days: two full weeks, so a weekly
    rhythm or a single busy week cannot make a change on its own."""
    min_ratio: float = 1.5
    """After/before rate ratio (or before/after for ``down``) needed to report a change."""
    alpha: float = 0.01
    """Largest permutation p-value reported as a change."""
    n_permutations: int = 999
    """Shuffles in the permutation test (the smallest possible p is 1/(n+1) = 0.001)."""
    block_days: int = 7
    """The permutation test shuffles whole blocks of this many days (the last may be shorter):
    a vessel present for several days, or a weekly rhythm, stays inside a block, so
    day-to-day dependence does not pass for a change. 1 shuffles single days."""
    seed: int = 0
    """Seed of the permutation generator: same input, same p-values."""
    max_changes: int = 1
    """Changes reported per port and metric (more than 1: binary segmentation)."""
    min_events: int = 10
    """A series (or sub-series) with fewer counts in total is not tested."""

    def __post_init__(self) -> None:
        bad = [m for m in self.metrics if m not in METRICS]
        if bad or not self.metrics:
            raise ConfigError(f"ActivityParams.metrics={self.metrics!r}: choose from {METRICS}")
        if self.direction not in ("up", "down", "both"):
            raise ConfigError(
                f"ActivityParams.direction={self.direction!r}: must be 'up', 'down' or 'both'"
            )
        checks: list[tuple[str, float, float, float]] = [
            ("min_visit_h", self.min_visit_h, 0.0, math.inf),
            ("min_segment_days", self.min_segment_days, 1, math.inf),
            ("min_ratio", self.min_ratio, 1.0, math.inf),
            ("alpha", self.alpha, 0.0, 1.0),
            ("n_permutations", self.n_permutations, 1, 1_000_000),
            ("max_changes", self.max_changes, 1, 1000),
            ("block_days", self.block_days, 1, 366),
            ("min_events", self.min_events, 0, math.inf),
        ]
        for name, value, lo, hi in checks:
            if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
                raise ConfigError(f"ActivityParams.{name}={value!r}: must be in [{lo}, {hi}]")
        ints = ("min_segment_days", "n_permutations", "max_changes", "min_events", "block_days")
        for name in (*ints, "seed"):
            if not isinstance(getattr(self, name), int):
                raise ConfigError(f"ActivityParams.{name}={getattr(self, name)!r}: must be an int")


# ----------------------------------------------------------------------------- activity


def _as_date(value: dt.date | dt.datetime | str | None) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    return value


def port_activity(
    visits: pl.DataFrame,
    *,
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    params: ActivityParams = ActivityParams(),
) -> pl.DataFrame:
    """Daily counts per port from port visits (``PORT_VISITS``), UTC days ``start``..``end``.

    ``start``/``end`` default to the first and last day the visits touch. Every day of the
    window appears for every port that has a visit, zero-activity days included.
    """
    cols = visits.columns
    missing = [c for c in ("port_id", "mmsi", "start_time", "end_time") if c not in cols]
    if missing:
        raise SchemaError(f"port_activity: the visits frame lacks column(s) {missing}")
    flags = ("is_open_start", "is_open_end", "arrived_dark")
    flag = {c: pl.col(c).fill_null(False) if c in cols else pl.lit(False) for c in flags}
    utc = {
        c: pl.col(c).dt.convert_time_zone("UTC")
        for c in ("start_time", "end_time", "last_seen_time")
        if c in cols
    }
    v = visits.select(
        pl.col("port_id").cast(pl.String),
        (pl.col("port_name") if "port_name" in cols else pl.lit(None)).cast(pl.String),
        pl.col("mmsi").cast(pl.Int64),
        utc["start_time"].alias("t0"),
        utc["end_time"].alias("t1"),
        flag["is_open_start"].alias("open_start"),
        flag["is_open_end"].alias("open_end"),
        flag["arrived_dark"].alias("dark"),
        (
            utc["last_seen_time"]
            if "last_seen_time" in cols
            else pl.lit(None, pl.Datetime("us", "UTC"))
        ).alias("seen"),
    ).filter(
        pl.col("port_id").is_not_null()
        & pl.col("t0").is_not_null()
        & (
            pl.col("t1").is_null()
            | ((pl.col("t1") - pl.col("t0")).dt.total_microseconds() >= params.min_visit_h * 3.6e9)
        )
    )
    if v.height == 0:
        return pl.DataFrame(schema=PORT_ACTIVITY)
    d_arr = pl.col("t0").dt.date()
    d_dep = pl.col("t1").dt.date()
    last = pl.max_horizontal(d_arr, (pl.col("t1") - pl.duration(microseconds=1)).dt.date())
    seen = pl.col("seen").dt.date()
    bounds = v.select(
        d_arr.min().alias("a"), pl.max_horizontal(d_arr, d_dep, seen).max().alias("b")
    )
    first_day = _as_date(start) or bounds["a"][0]
    last_day = _as_date(end) or bounds["b"][0]
    if last_day < first_day:
        raise ConfigError(f"port_activity: end={last_day} is before start={first_day}")
    lo, hi = pl.lit(first_day), pl.lit(last_day)
    present = (
        v.with_columns(
            pl.max_horizontal(d_arr, lo).alias("a"),
            pl.min_horizontal(
                pl.when(pl.col("t1").is_null()).then(seen.fill_null(hi)).otherwise(last), hi
            ).alias("b"),
        )
        .filter(pl.col("a") <= pl.col("b"))
        .select("port_id", "mmsi", pl.date_ranges("a", "b").alias("date"))
        .explode("date")
        .unique()
        .group_by("port_id", "date")
        .agg(pl.len().cast(pl.Int64).alias("vessels_present"))
    )
    in_window = (pl.col("date") >= lo) & (pl.col("date") <= hi)
    arrivals = (
        v.filter(~pl.col("open_start"))
        .with_columns(d_arr.alias("date"))
        .filter(in_window)
        .group_by("port_id", "date")
        .agg(
            pl.len().cast(pl.Int64).alias("arrivals"),
            pl.col("dark").sum().cast(pl.Int64).alias("dark_arrivals"),
        )
    )
    departures = (
        v.filter(~pl.col("open_end") & pl.col("t1").is_not_null())
        .with_columns(d_dep.alias("date"))
        .filter(in_window)
        .group_by("port_id", "date")
        .agg(pl.len().cast(pl.Int64).alias("departures"))
    )
    names = v.group_by("port_id").agg(pl.col("port_name").drop_nulls().min())
    days = pl.DataFrame({"date": pl.date_range(first_day, last_day, eager=True)})
    grid = names.sort("port_id").join(days, how="cross")
    out = grid
    for part in (present, arrivals, departures):
        out = out.join(part, on=["port_id", "date"], how="left")
    counts = [c for c in PORT_ACTIVITY if c not in ("port_id", "port_name", "date")]
    out = out.with_columns(pl.col(counts).fill_null(0)).select(list(PORT_ACTIVITY))
    return conform(out, PORT_ACTIVITY).sort("port_id", "date")


# ----------------------------------------------------------------------------- surges


def _split_stats(cum: F64, lo: int, sign: int) -> F64:
    """Directional log-likelihood-ratio statistic of every split of rows of cumulative sums.

    ``cum`` is (k, n + 1) with cum[:, 0] = 0; splits tau in [lo, n - lo] put days < tau before.
    sign +1 keeps only rises, -1 only falls, 0 both; others score 0.
    """
    n = cum.shape[1] - 1
    tau = np.arange(lo, n - lo + 1, dtype=np.float64)
    total = cum[:, -1:]
    before = cum[:, lo : n - lo + 1]
    after = total - before
    lr = 2.0 * (
        xlogy(before, before / tau) + xlogy(after, after / (n - tau)) - xlogy(total, total / n)
    )
    if sign:
        rise = after / (n - tau) > before / tau
        lr = np.where(rise if sign > 0 else ~rise, lr, 0.0)
    return np.asarray(np.maximum(lr, 0.0))


def _best_change(y: F64, p: ActivityParams) -> tuple[int, float, float] | None:
    """(tau, statistic, permutation p) of the best split of ``y``, or None if none allowed."""
    n, lo = y.size, p.min_segment_days
    if n < 2 * lo or y.sum() < p.min_events:
        return None
    sign = {"up": 1, "down": -1, "both": 0}[p.direction]
    stats = _split_stats(np.r_[0.0, np.cumsum(y)][None, :], lo, sign)[0]
    k = int(np.argmax(stats))
    obs = float(stats[k])
    if obs <= 0.0:
        return None
    rng = np.random.default_rng(p.seed)
    starts = np.arange(0, n, p.block_days)
    lens = np.minimum(starts + p.block_days, n) - starts
    exceed = 0
    for b0 in range(0, p.n_permutations, 256):
        k_perm = min(256, p.n_permutations - b0)
        blocks = rng.permuted(np.tile(np.arange(starts.size), (k_perm, 1)), axis=1).ravel()
        ln = lens[blocks]
        idx = (
            np.repeat(starts[blocks], ln)
            + np.arange(n * k_perm)
            - np.repeat(np.cumsum(ln) - ln, ln)
        )
        perm = y[idx].reshape(k_perm, n)
        cum = np.concatenate([np.zeros((k_perm, 1)), np.cumsum(perm, axis=1)], axis=1)
        exceed += int((_split_stats(cum, lo, sign).max(axis=1) >= obs * (1 - 1e-12)).sum())
    return lo + k, obs, (1 + exceed) / (1 + p.n_permutations)


def _changes(y: F64, p: ActivityParams) -> list[tuple[int, int, int, float]]:
    """Significant changes as (segment start, tau, segment end, p), binary segmentation."""
    found: list[tuple[int, int, int, float]] = []
    todo = [(0, y.size)]
    while todo and len(found) < p.max_changes:
        a, b = todo.pop(0)
        best = _best_change(y[a:b], p)
        if best is None:
            continue
        tau, _, pval = best
        before, after = y[a : a + tau].mean(), y[a + tau : b].mean()
        big = max(after, before) >= p.min_ratio * min(after, before)
        if pval <= p.alpha and big:
            found.append((a, a + tau, b, pval))
            todo += [(a, a + tau), (a + tau, b)]
    return sorted(found)


def _rate(x: float) -> str:
    return f"{x:.1f}" if x >= 1 or x == 0 else f"{x:.2f}"


def _reason(
    metric: str,
    name: str,
    day: dt.date,
    means: tuple[float, float],
    bounds: tuple[int, int, int],
    pval: float,
    p: ActivityParams,
) -> str:
    b, a = means
    nb, na = bounds[1] - bounds[0], bounds[2] - bounds[1]
    perms = p.n_permutations
    if b == 0 or a == 0:
        change = f"rose from none to {_rate(a)}/day" if b == 0 else "fell to none"
    else:
        change = f"rose {a / b:.1f}x" if a > b else f"fell {b / a:.1f}x"
    ptxt = f"p = {pval:.3f}" if pval > 1 / (perms + 1) else f"p <= {pval:.3f}"
    return (
        f"{_LABEL[metric]} at {name} {change} from {day.isoformat()} (mean {_rate(b)}/day over "
        f"{nb} days before, {_rate(a)}/day over {na} days after; Poisson likelihood-ratio "
        f"change point, permutation test {ptxt}, {perms} shuffles)"
    )


def _surge_rows(
    port_id: str, name: str, dates: list[dt.date], y: F64, metric: str, p: ActivityParams
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for a, tau, b, pval in _changes(y, p):
        before, after = float(y[a:tau].mean()), float(y[tau:b].mean())
        end = dates[b - 1] + dt.timedelta(days=1)
        rows.append(
            {
                "start_time": dt.datetime.combine(dates[tau], dt.time(), dt.UTC),
                "end_time": dt.datetime.combine(end, dt.time(), dt.UTC),
                "duration_h": (end - dates[tau]).days * 24.0,
                "port_id": port_id,
                "port_name": name,
                "metric": metric,
                "before_mean": before,
                "after_mean": after,
                "ratio": after / before if before > 0 else None,
                "p_value": pval,
                "before_days": tau - a,
                "after_days": b - tau,
                "method": _METHOD,
                "reasoning": _reason(
                    metric, name, dates[tau], (before, after), (a, tau, b), pval, p
                ),
            }
        )
    return rows


def detect_surges(
    activity: pl.DataFrame,
    *,
    params: ActivityParams = ActivityParams(),
    ports: pl.DataFrame | HasPorts | None = None,
) -> pl.DataFrame:
    """Change points in daily port activity (:data:`PORT_ACTIVITY`) → :data:`SURGES`.

    ``ports`` (a ports frame or :class:`darkfleet.ports.PortIndex`) fills ``lon``/``lat``.
    Missing days of a port are taken as zero; each series runs from the port's first to its
    last day in ``activity``. ``mmsi``, ``seg_id`` and ``evidence`` are empty: a surge rests
    on the daily table (and through it on the port visits), not on single records.
    """
    rows: list[dict[str, object]] = []
    act = activity.filter(pl.col("port_id").is_not_null() & pl.col("date").is_not_null())
    for (port_id,), g in act.sort("port_id", "date").group_by("port_id", maintain_order=True):
        names = g["port_name"].drop_nulls()
        name = str(names[0]) if names.len() else str(port_id)
        day_list = g["date"].to_list()
        days = pl.DataFrame({"date": pl.date_range(day_list[0], day_list[-1], eager=True)})
        full = days.join(g, on="date", how="left", maintain_order="left")
        for metric in params.metrics:
            y = full[metric].fill_null(0).cast(pl.Float64).to_numpy()
            rows += _surge_rows(str(port_id), name, full["date"].to_list(), y, metric, params)
    out = pl.DataFrame(rows, schema={k: v for k, v in SURGES.items() if k != "evidence"})
    out = out.with_columns(pl.lit([], dtype=SURGES["evidence"]).alias("evidence"))
    if ports is not None and out.height:
        frame = ports if isinstance(ports, pl.DataFrame) else ports.ports
        where = frame.select(pl.col("port_id").cast(pl.String), "lon", "lat")
        out = out.drop("lon", "lat").join(
            where.unique("port_id", keep="first", maintain_order=True), on="port_id", how="left"
        )
    out = with_event_ids(out, "port_surge", ["port_id", "metric", "start_time", "end_time"])
    return conform_events(out, SURGES)
