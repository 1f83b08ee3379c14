"""Precision, recall and F1 of detected events against a simulation's ground truth.

These functions read only frames with the columns of the event schemas (``mmsi``,
``start_time``, ``end_time`` and the type's own keys, see each function), never the detectors,
so any detector can be scored, and hand-made frames test them.

**Matching rule** (every event type except surges and segments). A detected event and a true
event are *candidates* when their keys are equal (the same MMSI, or unordered MMSI pair, and the
type's other keys, e.g. the port) and their time intervals overlap by at least
:attr:`EvalParams.min_overlap` (default 50 %) of the *shorter* of the two, or both their starts
and their ends lie within :attr:`EvalParams.tolerance_h` (default 1 h) of each other. Candidates
are paired one to one, best overlap first (ties: earlier truth row, then earlier detected row),
so one detection never counts for two true events. A detected event with a null
``end_time`` (open) runs to the end of time. Then ``TP`` = pairs, ``FP`` = detected - TP,
``FN`` = truth - TP; precision = TP / detected (1 when nothing is detected), recall = TP / truth
(1 when nothing is true), F1 their harmonic mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import ConfigError, InputError
from .matching import EvalParams, Score, match_events, need_columns, rates, score

_DEFAULT = EvalParams()

__all__ = [
    "EvalParams",
    "Score",
    "evaluate",
    "evaluate_dark_port_calls",
    "evaluate_draught_changes",
    "evaluate_encounters",
    "evaluate_gaps",
    "evaluate_loitering",
    "evaluate_port_visits",
    "evaluate_round_trips",
    "evaluate_segments",
    "evaluate_surges",
    "evaluate_voyages",
    "match_events",
    "read_truth",
]

_TIME_RULE = "time overlap >= {o:.0%} of the shorter event, or start and end within {h:g} h"


def _rule(params: EvalParams, keys: str) -> str:
    return f"same {keys}; " + _TIME_RULE.format(o=params.min_overlap, h=params.tolerance_h)


def evaluate_port_visits(
    visits: pl.DataFrame,
    truth_port_calls: pl.DataFrame,
    *,
    port_ids: Sequence[str] | None = None,
    params: EvalParams = _DEFAULT,
) -> Score:
    """Port visits (``mmsi, port_id, start_time, end_time``) against the true calls that were
    not entirely dark; ``port_ids`` restricts both sides to those ports."""
    need_columns(visits, ["mmsi", "port_id", "start_time", "end_time"], "port visits")
    truth = truth_port_calls.filter(~pl.col("dark"))
    if port_ids is not None:
        truth = truth.filter(pl.col("port_id").is_in(list(port_ids)))
        visits = visits.filter(pl.col("port_id").is_in(list(port_ids)))
    return score(
        "port_visits",
        truth,
        visits,
        [("mmsi", "mmsi"), ("port_id", "port_id")],
        params,
        truth_times=("arrival", "departure"),
        rule=_rule(params, "mmsi and port"),
    )


def evaluate_dark_port_calls(
    dark_calls: pl.DataFrame, truth_port_calls: pl.DataFrame, *, params: EvalParams = _DEFAULT
) -> Score:
    """Dark port calls (``mmsi, port_id, start_time, end_time`` = the gap, ``rank``) against
    the true calls made entirely with AIS off (the call lies inside the detected gap)."""
    need_columns(dark_calls, ["mmsi", "port_id", "start_time", "end_time"], "dark port calls")
    det = dark_calls
    if params.top_rank_only and "rank" in det.columns:
        det = det.filter(pl.col("rank") == 1)
    truth = truth_port_calls.filter(pl.col("dark"))
    return score(
        "dark_port_calls",
        truth,
        det,
        [("mmsi", "mmsi"), ("port_id", "port_id")],
        params,
        truth_times=("arrival", "departure"),
        rule=_rule(
            params, "mmsi and port (rank 1 only)" if params.top_rank_only else "mmsi and port"
        ),
    )


def evaluate_gaps(
    gaps: pl.DataFrame,
    truth_intentional: pl.DataFrame,
    truth_reception: pl.DataFrame | None = None,
    *,
    params: EvalParams = _DEFAULT,
) -> Score:
    """Gaps flagged ``likely_disabled`` (all gaps when the column is absent) against the true
    AIS switch-offs, each over its *observed* extent (last report before → first after).

    Extra figures, when ``truth_reception`` is given: ``flagged_on_reception`` (flagged gaps
    that match a reception / out-of-area gap), ``reception_gaps`` and ``detected_gaps`` (all).
    """
    need_columns(gaps, ["mmsi", "start_time", "end_time"], "gaps")
    flagged = (
        gaps.filter(pl.col("likely_disabled").fill_null(False))
        if "likely_disabled" in gaps.columns
        else gaps
    )
    truth = truth_intentional.filter(
        pl.col("observed_start").is_not_null()
        & pl.col("observed_end").is_not_null()
        & (pl.col("observed_h") >= params.gap_min_h)
    )
    extra: dict[str, float] = {"detected_gaps": float(gaps.height)}
    if truth_reception is not None:
        rec = truth_reception.filter(pl.col("duration_h") >= params.gap_min_h)
        m = match_events(rec, flagged, keys=[("mmsi", "mmsi")], params=params)
        extra |= {"flagged_on_reception": float(m.height), "reception_gaps": float(rec.height)}
    return score(
        "gaps",
        truth,
        flagged,
        [("mmsi", "mmsi")],
        params,
        truth_times=("observed_start", "observed_end"),
        rule=_rule(params, "mmsi") + "; truth = observed extent of AIS switch-offs; "
        "detected = likely_disabled",
        extra=extra,
    )


def evaluate_voyages(
    voyages: pl.DataFrame, truth_voyages: pl.DataFrame, *, params: EvalParams = _DEFAULT
) -> Score:
    """Voyages (``mmsi, origin_port_id, dest_port_id, start_time, end_time``) against the true
    port-to-port voyages whose calls were not hidden."""
    need_columns(
        voyages, ["mmsi", "origin_port_id", "dest_port_id", "start_time", "end_time"], "voyages"
    )
    truth = truth_voyages.filter(
        pl.col("origin_port_id").is_not_null()
        & pl.col("dest_port_id").is_not_null()
        & ~pl.col("hidden")
    )
    keys = [
        ("mmsi", "mmsi"),
        ("origin_port_id", "origin_port_id"),
        ("dest_port_id", "dest_port_id"),
    ]
    return score(
        "voyages",
        truth,
        voyages,
        keys,
        params,
        truth_times=("departure", "arrival"),
        rule=_rule(params, "mmsi, origin and destination"),
    )


def _pair(frame: pl.DataFrame, a: str, b: str) -> pl.DataFrame:
    return frame.with_columns(
        _lo=pl.min_horizontal(pl.col(a), pl.col(b)), _hi=pl.max_horizontal(pl.col(a), pl.col(b))
    )


def evaluate_round_trips(
    round_trips: pl.DataFrame, truth_round_trips: pl.DataFrame, *, params: EvalParams = _DEFAULT
) -> Score:
    """Round trips (``mmsi, port_a_id, port_b_id, start_time, end_time``; the two ports in
    either order) against the true ones none of whose calls was hidden."""
    need_columns(
        round_trips, ["mmsi", "port_a_id", "port_b_id", "start_time", "end_time"], "round trips"
    )
    truth = _pair(truth_round_trips.filter(~pl.col("hidden")), "port_a_id", "port_b_id")
    det = _pair(round_trips, "port_a_id", "port_b_id")
    keys = [("mmsi", "mmsi"), ("_lo", "_lo"), ("_hi", "_hi")]
    return score("round_trips", truth, det, keys, params, rule=_rule(params, "mmsi and port pair"))


def evaluate_encounters(
    encounters: pl.DataFrame, truth_encounters: pl.DataFrame, *, params: EvalParams = _DEFAULT
) -> Score:
    """Encounters (``mmsi, other_mmsi, start_time, end_time``; either order) against the truth."""
    need_columns(encounters, ["mmsi", "other_mmsi", "start_time", "end_time"], "encounters")
    truth = _pair(truth_encounters, "mmsi", "other_mmsi")
    det = _pair(encounters, "mmsi", "other_mmsi")
    return score(
        "encounters",
        truth,
        det,
        [("_lo", "_lo"), ("_hi", "_hi")],
        params,
        rule=_rule(params, "MMSI pair"),
    )


def evaluate_loitering(
    loitering: pl.DataFrame,
    truth_loitering: pl.DataFrame,
    *,
    causes: Sequence[str] = ("loitering", "encounter"),
    params: EvalParams = _DEFAULT,
) -> Score:
    """Loitering (``mmsi, start_time, end_time``) against the true slow spells far offshore of
    the given ``causes`` (ships waiting for or at a meeting loiter too, by definition)."""
    need_columns(loitering, ["mmsi", "start_time", "end_time"], "loitering")
    truth = truth_loitering.filter(pl.col("cause").is_in(list(causes)))
    return score(
        "loitering", truth, loitering, [("mmsi", "mmsi")], params, rule=_rule(params, "mmsi")
    )


def evaluate_draught_changes(
    changes: pl.DataFrame, truth_changes: pl.DataFrame, *, params: EvalParams = _DEFAULT
) -> Score:
    """Draught changes (``mmsi, port_id, signal, start_time, end_time`` = the visit) with a
    signal other than ``unchanged`` against the true loadings / unloadings at visible calls;
    the signal must agree."""
    need_columns(
        changes, ["mmsi", "port_id", "signal", "start_time", "end_time"], "draught changes"
    )
    det = changes.filter(pl.col("signal") != "unchanged")
    truth = truth_changes.filter((pl.col("signal") != "unchanged") & ~pl.col("dark"))
    keys = [("mmsi", "mmsi"), ("port_id", "port_id"), ("signal", "signal")]
    return score(
        "draught_changes",
        truth,
        det,
        keys,
        params,
        truth_times=("arrival", "departure"),
        rule=_rule(params, "mmsi, port and signal"),
    )


def evaluate_surges(
    surges: pl.DataFrame, truth_surge: pl.DataFrame, *, params: EvalParams = _DEFAULT
) -> Score:
    """Surges (``port_id, start_time`` = the change date) against the true ones (ratio >=
    ``surge_min_ratio``): same port, dates within ``surge_tolerance_days``."""
    need_columns(surges, ["port_id", "start_time"], "surges")
    truth = truth_surge.filter(pl.col("ratio") >= params.surge_min_ratio)
    tol = params.surge_tolerance_days * 86400 / 3600
    p = EvalParams(min_overlap=1.0, tolerance_h=tol)
    t = truth.with_columns(_e=pl.col("date"))
    d = surges.with_columns(_e=pl.col("start_time"))
    m = match_events(
        t,
        d,
        keys=[("port_id", "port_id")],
        truth_times=("date", "_e"),
        detected_times=("start_time", "_e"),
        params=p,
    )
    pr, rc, f = rates(m.height, truth.height, surges.height)
    rule = f"same port; change date within {params.surge_tolerance_days:g} days"
    return Score(
        "surges",
        truth.height,
        surges.height,
        m.height,
        surges.height - m.height,
        truth.height - m.height,
        pr,
        rc,
        f,
        rule,
        m,
    )


def evaluate_segments(segmented: pl.DataFrame, truth_positions: pl.DataFrame) -> Score:
    """Segmentation of the shared MMSIs: the segmented track frame (``mmsi, timestamp, lon,
    lat, seg_id``) joined to ``shared_mmsi_positions`` by (mmsi, timestamp) and a position
    within 1e-4° (AIS carries 1/600,000°; two ships on one MMSI are far apart).

    precision = purity: the share of joined positions whose segment's majority vessel is their
    own (noise points, null ``seg_id``, count as impure); recall = continuity: the share of
    consecutive position pairs of one vessel that lie in the same segment.
    """
    need_columns(segmented, ["mmsi", "timestamp", "lon", "lat", "seg_id"], "segments")
    j = (
        truth_positions.join(
            segmented.select("mmsi", "timestamp", "seg_id", _x="lon", _y="lat"),
            on=["mmsi", "timestamp"],
        )
        .filter(
            ((pl.col("lon") - pl.col("_x")).abs() + (pl.col("lat") - pl.col("_y")).abs()) < 1e-4
        )
        .unique(["mmsi", "timestamp", "vessel_id", "lon", "lat"], keep="first", maintain_order=True)
    )
    n = j.height
    if n == 0:
        return Score(
            "segments", 0, 0, 0, 0, 0, 1.0, 1.0, 1.0, "purity / continuity", pl.DataFrame()
        )
    counts = j.filter(pl.col("seg_id").is_not_null()).group_by("seg_id", "vessel_id").len()
    majority = int(counts.group_by("seg_id").agg(pl.col("len").max()).get_column("len").sum())
    ordered = j.sort("vessel_id", "timestamp")
    same = ordered.with_columns(
        _same=(pl.col("seg_id") == pl.col("seg_id").shift(1).over("vessel_id")).fill_null(False),
        _first=pl.col("timestamp").cum_count().over("vessel_id") == 1,
    ).filter(~pl.col("_first"))
    cont = float(same["_same"].cast(pl.Int64).sum()) / same.height if same.height else 1.0
    purity = float(majority) / n
    f = 2 * purity * cont / (purity + cont) if purity + cont else 0.0
    return Score(
        "segments",
        n,
        n,
        int(majority),
        n - int(majority),
        0,
        purity,
        cont,
        f,
        "precision = purity of segments by true vessel; recall = continuity of each "
        "vessel's consecutive positions",
        counts,
        {"segments": float(counts["seg_id"].n_unique())},
    )


_EVALUATORS: dict[str, tuple[str, ...]] = {
    "gaps": ("gaps_intentional", "gaps_reception"),
    "port_visits": ("port_calls",),
    "dark_port_calls": ("port_calls",),
    "voyages": ("voyages",),
    "round_trips": ("round_trips",),
    "encounters": ("encounters",),
    "loitering": ("loitering",),
    "draught_changes": ("draught_changes",),
    "surges": ("surge",),
    "segments": ("shared_mmsi_positions",),
}


def evaluate(
    detected: Mapping[str, pl.DataFrame],
    truth: Mapping[str, pl.DataFrame] | str | Path,
    *,
    params: EvalParams = _DEFAULT,
) -> pl.DataFrame:
    """Score every event type present in ``detected`` (keys: ``gaps``, ``port_visits``,
    ``dark_port_calls``, ``voyages``, ``round_trips``, ``encounters``, ``loitering``,
    ``draught_changes``, ``surges``, ``segments``); ``truth`` = the tables or a simulation
    folder. One row per type, in that order."""
    tables = read_truth(truth) if isinstance(truth, str | Path) else truth
    unknown = sorted(set(detected) - set(_EVALUATORS))
    if unknown:
        raise ConfigError(f"evaluate: unknown event type(s) {unknown}; known: {list(_EVALUATORS)}.")
    rows = []
    for name, needs in _EVALUATORS.items():
        if name not in detected:
            continue
        missing = [n for n in needs if n not in tables]
        if missing:
            raise InputError(f"evaluate {name}: the truth lacks table(s) {missing}.")
        t = [tables[n] for n in needs]
        fn: Any = {
            "gaps": evaluate_gaps,
            "port_visits": evaluate_port_visits,
            "dark_port_calls": evaluate_dark_port_calls,
            "voyages": evaluate_voyages,
            "round_trips": evaluate_round_trips,
            "encounters": evaluate_encounters,
            "loitering": evaluate_loitering,
            "draught_changes": evaluate_draught_changes,
            "surges": evaluate_surges,
        }.get(name)
        score = (
            evaluate_segments(detected[name], t[0])
            if fn is None
            else fn(detected[name], *t, params=params)
        )
        rows.append(score.as_row())
    schema = {
        "event_type": pl.String,
        "n_truth": pl.Int64,
        "n_detected": pl.Int64,
        "true_positives": pl.Int64,
        "false_positives": pl.Int64,
        "false_negatives": pl.Int64,
        "precision": pl.Float64,
        "recall": pl.Float64,
        "f1": pl.Float64,
        "rule": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def read_truth(path: str | Path) -> dict[str, pl.DataFrame]:
    """The truth tables of a simulation folder (``<dir>/truth/*.parquet`` or ``*.csv``)."""
    p = Path(path)
    folder = p / "truth" if (p / "truth").is_dir() else p
    files = sorted(folder.glob("*.parquet")) or sorted(folder.glob("*.csv"))
    if not files:
        raise InputError(f"{folder}: no truth tables (*.parquet / *.csv); run a simulation first.")
    out = {}
    for f in files:
        out[f.stem] = (
            pl.read_parquet(f) if f.suffix == ".parquet" else pl.read_csv(f, try_parse_dates=True)
        )
    return out
