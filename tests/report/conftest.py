"""Stores and reports shared by the report tests (built once per session)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from darkfleet.report import ReportResult, write_report

from .hostile import build_store, hostile_findings

LISTS = Path(__file__).resolve().parents[2] / "src" / "darkfleet" / "data" / "samples" / "lists"


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="session")
def hostile_report(hostile_store: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    out = tmp_path_factory.mktemp("hostile-report")
    return write_report(hostile_store, out, findings=hostile_findings())


@pytest.fixture(scope="session")
def sim_report(tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    """Two weeks of the Najin story: simulate → ingest → analyze → screen → report."""
    import darkfleet
    from darkfleet.screening import screen_store
    from darkfleet.simulate import Scenario, run_scenario

    base = tmp_path_factory.mktemp("sim-report")
    scenario = Scenario(
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
    run = run_scenario(base / "sim", scenario=scenario)
    store = base / "store"
    darkfleet.ingest(store, sorted((base / "sim" / "ais").glob("*.nmea")))
    darkfleet.analyze(store)
    screen_store(
        store,
        [LISTS / "ofac_sdn_excerpt.csv", LISTS / "ofac_add_excerpt.csv"],
        watchlists=[LISTS / "najin_shuttle.toml"],
    )
    assert run.files
    return write_report(store, base / "report")
