"""Matching detected events to true ones: :class:`EvalParams`, :class:`Score`,
:func:`match_events` (the rule is written out in :mod:`.evaluate`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..errors import ConfigError, InputError
from ..schema import UTC

__all__ = ["EvalParams", "Score", "match_events", "need_columns", "rates", "score"]

_FAR = 253402300799_000000  # 9999-12-31 in microseconds: the end of an open event


@dataclass(frozen=True, kw_only=True)
class EvalParams:
    """How detected events are matched to true ones (see the module doc)."""

    #: Minimum overlap, as a share of the shorter interval, for a match.
    min_overlap: float = 0.5
    #: Or: both starts and both ends within this many hours.
    tolerance_h: float = 1.0
    #: Surges: the detected change date within this many days of the true one.
    surge_tolerance_days: float = 7.0
    #: Surges: only true surges with at least this after/before ratio count.
    surge_min_ratio: float = 2.0
    #: Gaps: only true switch-offs observed for at least this many hours count (set it to the
    #: detector's minimum gap to score it on what it could find).
    gap_min_h: float = 0.0
    #: Dark port calls: score only the most plausible port of each gap (rank 1).
    top_rank_only: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.min_overlap <= 1.0:
            raise ConfigError(f"EvalParams.min_overlap = {self.min_overlap}: allowed (0, 1].")
        for name in ("tolerance_h", "surge_tolerance_days", "gap_min_h", "surge_min_ratio"):
            if getattr(self, name) < 0:
                raise ConfigError(f"EvalParams.{name} = {getattr(self, name)}: allowed >= 0.")


@dataclass(frozen=True)
class Score:
    """Counts and rates of one event type."""

    event_type: str
    n_truth: int
    n_detected: int
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    f1: float
    #: The matching rule, in words.
    rule: str
    #: Matched pairs: ``truth_row``, ``detected_row`` (row numbers of the filtered inputs),
    #: ``overlap`` (share of the shorter interval).
    matches: pl.DataFrame = field(repr=False)
    #: Type-specific extra figures.
    extra: dict[str, float] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "n_truth": self.n_truth,
            "n_detected": self.n_detected,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "rule": self.rule,
        }


def rates(tp: int, n_truth: int, n_det: int) -> tuple[float, float, float]:
    p = tp / n_det if n_det else 1.0
    r = tp / n_truth if n_truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def need_columns(frame: pl.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(f"evaluate {what}: the frame lacks column(s) {', '.join(missing)}.")


def _us(expr: pl.Expr) -> pl.Expr:
    return expr.cast(UTC).dt.epoch("us")


def match_events(
    truth: pl.DataFrame,
    detected: pl.DataFrame,
    *,
    keys: Sequence[tuple[str, str]],
    truth_times: tuple[str, str] = ("start_time", "end_time"),
    detected_times: tuple[str, str] = ("start_time", "end_time"),
    params: EvalParams = EvalParams(),
) -> pl.DataFrame:
    """One-to-one matches (``truth_row``, ``detected_row``, ``overlap``) by the module's rule.

    ``keys`` pairs a truth column with the detected column that must equal it.
    """
    t = truth.with_row_index("truth_row").select(
        "truth_row",
        *[pl.col(a).alias(f"k{i}") for i, (a, _) in enumerate(keys)],
        _us(pl.col(truth_times[0])).alias("ts"),
        _us(pl.col(truth_times[1])).fill_null(_FAR).alias("te"),
    )
    d = detected.with_row_index("detected_row").select(
        "detected_row",
        *[pl.col(b).alias(f"k{i}") for i, (_, b) in enumerate(keys)],
        _us(pl.col(detected_times[0])).alias("ds"),
        _us(pl.col(detected_times[1])).fill_null(_FAR).alias("de"),
    )
    on = [f"k{i}" for i in range(len(keys))]
    if on:
        for c in on:  # equal dtypes for the join
            d = d.with_columns(pl.col(c).cast(t.schema[c]))
        pairs = t.join(d, on=on, how="inner")
    else:
        pairs = t.join(d, how="cross")
    tol = params.tolerance_h * 3_600_000_000
    pairs = pairs.with_columns(
        inter=(pl.min_horizontal("te", "de") - pl.max_horizontal("ts", "ds")).clip(lower_bound=0),
        shorter=pl.min_horizontal(pl.col("te") - pl.col("ts"), pl.col("de") - pl.col("ds")),
    ).with_columns(
        overlap=pl.when(pl.col("shorter") > 0)
        .then(pl.col("inter") / pl.col("shorter"))
        .otherwise(pl.lit(0.0)),
        close=((pl.col("ts") - pl.col("ds")).abs() <= tol)
        & ((pl.col("te") - pl.col("de")).abs() <= tol),
    )
    cand = pairs.filter((pl.col("overlap") >= params.min_overlap) | pl.col("close")).sort(
        ["overlap", "truth_row", "detected_row"], descending=[True, False, False]
    )
    used_t: set[int] = set()
    used_d: set[int] = set()
    rows = []
    for tr, dr, ov in cand.select("truth_row", "detected_row", "overlap").iter_rows():
        if tr in used_t or dr in used_d:
            continue
        used_t.add(tr)
        used_d.add(dr)
        rows.append((tr, dr, float(ov)))
    return pl.DataFrame(
        rows,
        schema={"truth_row": pl.UInt32, "detected_row": pl.UInt32, "overlap": pl.Float64},
        orient="row",
    ).sort("truth_row")


def score(
    event_type: str,
    truth: pl.DataFrame,
    detected: pl.DataFrame,
    keys: Sequence[tuple[str, str]],
    params: EvalParams,
    *,
    truth_times: tuple[str, str] = ("start_time", "end_time"),
    rule: str,
    extra: dict[str, float] | None = None,
) -> Score:
    m = match_events(truth, detected, keys=keys, truth_times=truth_times, params=params)
    tp = m.height
    p, r, f = rates(tp, truth.height, detected.height)
    return Score(
        event_type,
        truth.height,
        detected.height,
        tp,
        detected.height - tp,
        truth.height - tp,
        p,
        r,
        f,
        rule,
        m,
        extra or {},
    )
