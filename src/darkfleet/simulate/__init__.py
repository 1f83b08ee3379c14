"""Scenario simulator with ground truth: AIS as receivers would record it, and what happened.

The default :class:`Scenario` tells the Najin story (cargo ships shuttling between Najin, North
Korea, and Vostochny, Russia, going dark on the crossing; a sanctioned ship among them; port
activity rising from early October 2024), surrounded by decoy traffic, received by coast
stations and satellites. See ``docs/simulate.md``.

* :func:`simulate` — in memory: received positions and statics (canonical frames) + truth;
* :func:`run_scenario` — the same, written to a folder (NMEA, optional canonical Parquet,
  truth tables, summary); the CLI's ``darkfleet simulate`` wraps it;
* :mod:`.evaluate` — precision / recall of detected events against the truth.
"""

from __future__ import annotations

from .core import Simulation, simulate
from .evaluate import (
    EvalParams,
    Score,
    evaluate,
    evaluate_dark_port_calls,
    evaluate_draught_changes,
    evaluate_encounters,
    evaluate_gaps,
    evaluate_loitering,
    evaluate_port_visits,
    evaluate_round_trips,
    evaluate_segments,
    evaluate_surges,
    evaluate_voyages,
    read_truth,
)
from .output import FORMATS, SimulationResult, run_scenario, scenario_toml
from .scenario import Scenario
from .truth import TRUTH_TABLES

__all__ = [
    "FORMATS",
    "TRUTH_TABLES",
    "EvalParams",
    "Scenario",
    "Score",
    "Simulation",
    "SimulationResult",
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
    "read_truth",
    "run_scenario",
    "scenario_toml",
    "simulate",
]
