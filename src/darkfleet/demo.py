"""``darkfleet demo``: the Najin story end to end, on data the package makes itself.

Steps (each a public API call; nothing is downloaded):

1. **simulate** the default :class:`~darkfleet.simulate.Scenario` — cargo ships shuttling
   between Najin (DPRK) and Vostochnyy (Russia) with AIS off in transit, the OFAC-listed
   ANGARA (IMO 9179842) among them, ship-to-ship meetings at sea, a renamed and reflagged
   shuttle, a shared MMSI, decoy Sea of Japan traffic heard by coast stations and satellites
   with realistic reception gaps, activity rising from 7 October 2024 — into
   ``OUT/scenario`` (NMEA as receivers record it, plus the ground truth);
2. **satellite scenes** over Najin and at sea, synthesised from the true positions
   (:mod:`darkfleet.satellite.simulate`), written as a detections file;
3. **ingest** the NMEA into ``OUT/store``;
4. **analyze**: every event type, with Najin as the port of interest;
5. **screen** every vessel identity against the bundled OFAC excerpt and the Najin
   watchlist (``data/samples/lists``), and raise the identity flags;
6. **match** the satellite detections against the AIS tracks (dark detections, ships in port);
7. **findings**, ranked (:func:`darkfleet.findings.build_findings`), and the **report**
   (``OUT/report/index.html`` with exports beside it);
8. **score** the findings against the scenario's truth (:func:`score_demo`): every planted
   round trip, dark transit, hidden call, sanctioned call and meeting.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from .errors import ConfigError
from .ingest import IngestReport, ingest
from .screening import ScreenResult, identity_history, screen_store
from .store import open_store

__all__ = ["DemoResult", "run_demo", "sample_lists", "score_demo"]


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` made, where, and how long each step took (seconds)."""

    out: Path
    scenario_dir: Path
    store: Path
    report: Path | None
    ingest: IngestReport
    events: dict[str, int]
    screening: ScreenResult
    identity_flags: pl.DataFrame
    findings: pl.DataFrame
    truth_scores: pl.DataFrame
    satellite: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def sample_lists() -> tuple[list[Path], list[Path]]:
    """The bundled sanctions list excerpts and watchlists: (lists, watchlists)."""
    root = Path(str(resources.files("darkfleet") / "data" / "samples" / "lists"))
    return sorted(root.glob("*.csv")), sorted(root.glob("*.toml"))


def _fresh(path: Path, marker: str, what: str) -> None:
    """Remove an earlier demo's ``path``; refuse to touch a folder that is not one."""
    if path.exists():
        if not (path / marker).exists() and any(path.iterdir()):
            raise ConfigError(
                f"{path} exists and is not a darkfleet {what}; choose another --out or remove it."
            )
        shutil.rmtree(path)


def run_demo(
    out: str | Path,
    *,
    scenario: Any = None,
    report: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the demo into ``out`` (``scenario/``, ``store/``, ``report/``), replacing an
    earlier demo there. ``scenario``: a :class:`~darkfleet.simulate.Scenario` (default: the
    Najin story). ``progress`` is called with a line before each step."""
    from .engine import AnalysisConfig, analyze
    from .findings import build_findings
    from .simulate import Scenario, run_scenario

    say = progress or (lambda _msg: None)
    out = Path(out)
    sc = scenario or Scenario()
    scen_dir, store_dir, report_dir = out / "scenario", out / "store", out / "report"
    _fresh(scen_dir, "summary.json", "scenario")
    _fresh(store_dir, "store.json", "store")
    _fresh(report_dir, "index.html", "report")
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def step(name: str, line: str, fn: Callable[[], Any]) -> Any:
        say(line)
        t0 = time.perf_counter()
        value = fn()
        timings[name] = round(time.perf_counter() - t0, 2)
        return value

    sim = step(
        "simulate",
        "simulating the Najin scenario (AIS as coast stations and satellites hear it) ...",
        lambda: run_scenario(scen_dir, scenario=sc),
    )
    det_files = step(
        "satellite_scenes",
        "synthesising satellite scenes over Najin and at sea ...",
        lambda: _satellite_scenes(sim, scen_dir),
    )
    nmea = sorted((scen_dir / "ais").glob("*.nmea"))
    rep = step("ingest", "ingesting the NMEA ...", lambda: ingest(store_dir, nmea))
    cfg = AnalysisConfig().with_overrides({"analysis.ports_of_interest": [sc.shuttle_port]})
    step(
        "analyze",
        "analysing tracks (gaps, visits, round trips, ...) ...",
        lambda: analyze(store_dir, config=cfg),
    )
    lists, watchlists = sample_lists()
    screening = step(
        "screen",
        "screening identities against the OFAC excerpt and the Najin watchlist ...",
        lambda: screen_store(store_dir, lists, watchlists=watchlists),
    )
    store = open_store(store_dir, create=False, read_only=True)
    flags = step(
        "identity_flags",
        "raising identity flags ...",
        lambda: identity_history(store.statics(), store.positions()).flags,
    )
    satellite = step(
        "match",
        "matching satellite detections to AIS ...",
        lambda: _match(store_dir, det_files),
    )
    findings = step(
        "findings",
        "ranking findings ...",
        lambda: build_findings(store, identity_flags=flags),
    )
    report_path = None
    if report:
        from .report import write_report

        result = step(
            "report",
            "writing the report and exports ...",
            lambda: write_report(
                store_dir,
                report_dir,
                findings=findings,
                identity_flags=flags,
                title="darkfleet demo: the Najin shuttle (simulated scenario)",
            ),
        )
        report_path = result.path
    events = {name: store.events(name).height for name in store.event_types()}
    truth = {p.stem: pl.read_parquet(p) for p in sorted((scen_dir / "truth").glob("*.parquet"))}
    scores = step(
        "score",
        "scoring findings against the truth ...",
        lambda: score_demo(findings, store, truth, shuttle_port=sc.shuttle_port),
    )
    scores.write_csv(out / "truth_scores.csv")
    (out / "timings.json").write_text(json.dumps(timings, indent=2, sort_keys=True) + "\n")
    return DemoResult(
        out=out,
        scenario_dir=scen_dir,
        store=store_dir,
        report=report_path,
        ingest=rep,
        events=events,
        screening=screening,
        identity_flags=flags,
        findings=findings,
        truth_scores=scores,
        satellite=satellite,
        timings=timings,
    )


def _satellite_scenes(sim: Any, scen_dir: Path) -> list[Path]:
    """RADARSAT-2-like scenes over Najin, Vostochnyy and the crossing, synthesised from the
    simulation's true positions, written as a KSAT-layout CSV (returned) with the truth per
    detection in ``scenario/truth/detections.parquet``."""
    from .satellite.simulate import najin_scenes, simulate_scenes, write_ksat_csv

    scenes = simulate_scenes(sim.simulation, najin_scenes(sim.simulation))
    path = write_ksat_csv(scenes, scen_dir / "detections" / "najin_rs2.csv")
    scenes.truth.write_parquet(scen_dir / "truth" / "detections.parquet")
    return [path]


def _match(store_dir: Path, files: list[Path]) -> dict[str, int]:
    from .satellite.store import match_store, read_satellite, satellite_tables

    if not files:
        return {}
    match_store(store_dir, files)
    return {name: read_satellite(store_dir, name).height for name in satellite_tables(store_dir)}


# --------------------------------------------------------------------------------------------
# scoring against the truth


def _cited(
    findings: pl.DataFrame, events: pl.DataFrame, kinds: tuple[str, ...] = ()
) -> pl.DataFrame:
    f = findings.filter(pl.col("kind").is_in(list(kinds))) if kinds else findings
    ids = f["event_ids"].explode().drop_nulls().unique()
    if events.height == 0 or "event_id" not in events.columns:
        return events
    return events.filter(pl.col("event_id").is_in(ids.implode()))


def score_demo(
    findings: pl.DataFrame,
    store: Any,
    truth: dict[str, pl.DataFrame],
    *,
    shuttle_port: str = "WPI-60510",
) -> pl.DataFrame:
    """Precision and recall of the findings against the scenario's truth, per planted item.

    A planted item is *found* when an event that some finding cites (its ``event_ids``)
    matches it under :class:`~darkfleet.simulate.EvalParams` (same vessel and ports, time
    overlap ≥ 50 % or within 1 h); precision is over the cited events of that type.
    """
    from .simulate import EvalParams
    from .simulate.evaluate import (
        evaluate_dark_port_calls,
        evaluate_encounters,
        evaluate_gaps,
        evaluate_port_visits,
        evaluate_round_trips,
    )

    ev = {name: store.events(name) for name in store.event_types()}
    vessels = truth["vessels"]
    shuttles = vessels.filter(pl.col("role") == "shuttle")["vessel_id"].implode()
    sanctioned = vessels.filter(pl.col("note") == "sanctioned")["vessel_id"].implode()
    trips = truth["round_trips"].filter(pl.col("vessel_id").is_in(shuttles))
    calls = truth["port_calls"]
    najin = [shuttle_port]
    any_rank = EvalParams(top_rank_only=False)
    rows: list[dict[str, Any]] = []

    def add(item: str, s: Any) -> None:
        rows.append(
            {
                "item": item,
                "n_truth": s.n_truth,
                "found": s.true_positives,
                "cited": s.n_detected,
                "precision": s.precision,
                "recall": s.recall,
            }
        )

    at_najin = pl.col("port_a_id").is_in(najin) | pl.col("port_b_id").is_in(najin)
    cited_trips = _cited(findings, ev.get("round_trips", pl.DataFrame()), ("shuttle",))
    if cited_trips.height:
        cited_trips = cited_trips.filter(at_najin)
    add(
        "shuttle round trips via Najin (calls seen)",
        evaluate_round_trips(cited_trips, trips.filter(at_najin)),
    )
    cited_gaps = _cited(findings, ev.get("gaps", pl.DataFrame())).drop(
        "likely_disabled", strict=False
    )
    add(
        "AIS switch-offs (in transit or over a whole call)",
        evaluate_gaps(cited_gaps, truth["gaps_intentional"]),
    )
    cited_calls = _cited(findings, ev.get("dark_port_calls", pl.DataFrame()))
    hidden = calls.filter(pl.col("vessel_id").is_in(shuttles) & pl.col("port_id").is_in(najin))
    add(
        "hidden calls at Najin (AIS off the whole call)",
        evaluate_dark_port_calls(cited_calls, hidden, params=any_rank),
    )
    s_calls = calls.filter(pl.col("vessel_id").is_in(sanctioned) & pl.col("port_id").is_in(najin))
    s_find = findings.filter(pl.col("kind") == "sanctioned_vessel")
    s_visits = _cited(s_find, ev.get("port_visits", pl.DataFrame()))
    s_dark = _cited(s_find, ev.get("dark_port_calls", pl.DataFrame()))
    seen = evaluate_port_visits(s_visits, s_calls)
    unseen = evaluate_dark_port_calls(s_dark, s_calls, params=any_rank)
    n_truth = s_calls.height
    found = seen.true_positives + unseen.true_positives
    cited = seen.n_detected + unseen.n_detected
    rows.append(
        {
            "item": "sanctioned ship's calls at Najin (seen + hidden)",
            "n_truth": n_truth,
            "found": found,
            "cited": cited,
            "precision": (seen.true_positives + unseen.true_positives) / cited if cited else 0.0,
            "recall": found / n_truth if n_truth else 1.0,
        }
    )
    cited_enc = _cited(findings, ev.get("encounters", pl.DataFrame()), ("encounter",))
    add("meetings at sea", evaluate_encounters(cited_enc, truth["encounters"]))
    if "detections" in truth:
        rows.append(_satellite_row(findings, store, truth["detections"]))
    rows.append(_identity_row(findings, truth))
    rows.append(_surge_row(findings, truth))
    return pl.DataFrame(
        rows,
        schema={
            "item": pl.String,
            "n_truth": pl.Int64,
            "found": pl.Int64,
            "cited": pl.Int64,
            "precision": pl.Float64,
            "recall": pl.Float64,
        },
    )


def _satellite_row(findings: pl.DataFrame, store: Any, truth: pl.DataFrame) -> dict[str, Any]:
    """Dark detections (no AIS vessel explains them) that some finding cites, against the
    detections of ships truly dark at the acquisition or false alarms."""
    cited = set(
        findings.filter(pl.col("kind").is_in(["ships_in_port", "dark_detections"]))["event_ids"]
        .explode()
        .drop_nulls()
        .to_list()
    )
    from .satellite.store import read_satellite, satellite_tables

    dark = (
        set(read_satellite(store.root, "dark")["detection_id"].to_list())
        if "dark" in satellite_tables(store.root)
        else set()
    )
    said = dark & cited
    really = set(truth.filter(pl.col("dark"))["detection_id"].to_list())
    tp = len(said & really)
    return {
        "item": "dark ships in satellite scenes (no AIS match)",
        "n_truth": len(really),
        "found": tp,
        "cited": len(said),
        "precision": tp / len(said) if said else 0.0,
        "recall": tp / len(really) if really else 1.0,
    }


def _identity_row(findings: pl.DataFrame, truth: dict[str, pl.DataFrame]) -> dict[str, Any]:
    changes = truth["identity_changes"]
    got = findings.filter(pl.col("kind") == "identity_change")
    found = sum(
        1
        for row in changes.iter_rows(named=True)
        if got.filter(
            (pl.col("mmsi") == row["new_mmsi"])
            & ((pl.col("start_time") - row["time"]).dt.total_hours().abs() <= 48)
        ).height
    )
    good = sum(
        1
        for row in got.iter_rows(named=True)
        if changes.filter(
            (pl.col("new_mmsi") == row["mmsi"])
            & ((pl.col("time") - row["start_time"]).dt.total_hours().abs() <= 48)
        ).height
    )
    return {
        "item": "renamed / reflagged ship",
        "n_truth": changes.height,
        "found": found,
        "cited": got.height,
        "precision": good / got.height if got.height else 0.0,
        "recall": found / changes.height if changes.height else 1.0,
    }


def _surge_row(findings: pl.DataFrame, truth: dict[str, pl.DataFrame]) -> dict[str, Any]:
    planted = truth["surge"].filter(pl.col("ratio") >= 1.5)
    got = findings.filter(pl.col("kind") == "surge")

    def near(frame: pl.DataFrame, port: str, t: Any, col: str, pcol: str) -> bool:
        return (
            frame.filter(
                (pl.col(pcol) == port) & ((pl.col(col) - t).dt.total_days().abs() <= 7)
            ).height
            > 0
        )

    found = sum(
        near(got, r["port_id"], r["date"], "start_time", "port_id")
        for r in planted.iter_rows(named=True)
    )
    good = sum(
        near(planted, r["port_id"], r["start_time"], "date", "port_id")
        for r in got.iter_rows(named=True)
    )
    return {
        "item": "activity surge (port, within 7 days)",
        "n_truth": planted.height,
        "found": found,
        "cited": got.height,
        "precision": good / got.height if got.height else 0.0,
        "recall": found / planted.height if planted.height else 1.0,
    }
