"""A small scenario (two weeks, every story element, a few decoys) shared by the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from darkfleet.simulate import Scenario, Simulation, SimulationResult, run_scenario, simulate


def small(**changes: object) -> Scenario:
    """Two weeks around the surge, rename inside the window, few decoys."""
    base = Scenario(
        start=datetime(2024, 10, 1, tzinfo=UTC),
        end=datetime(2024, 10, 15, tzinfo=UTC),
        surge_date=datetime(2024, 10, 4, tzinfo=UTC),
        rename_date=datetime(2024, 10, 7, tzinfo=UTC),
        round_trip_days_before=6.0,
        round_trip_days_after=3.0,
        n_encounters=2,
        n_loiterings=2,
        n_decoys=4,
    )
    return base.replace(**changes) if changes else base


@pytest.fixture(scope="session")
def small_scenario() -> Scenario:
    return small()


@pytest.fixture(scope="session")
def small_sim(small_scenario: Scenario) -> Simulation:
    return simulate(small_scenario)


@pytest.fixture(scope="session")
def small_run(
    tmp_path_factory: pytest.TempPathFactory, small_scenario: Scenario
) -> SimulationResult:
    out: Path = tmp_path_factory.mktemp("sim") / "run"
    return run_scenario(out, scenario=small_scenario, formats=("nmea", "parquet"))
