"""Same seed → byte-identical files; another seed → other files; decoys never move the story."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from darkfleet.simulate import SimulationResult, run_scenario, simulate

from .conftest import small


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes(small_run: SimulationResult, tmp_path: Path) -> None:
    again = run_scenario(
        tmp_path / "again", scenario=small_run.simulation.scenario, formats=("nmea", "parquet")
    )
    first, second = _files(small_run.out_dir), _files(again.out_dir)
    assert sorted(first) == sorted(second)
    assert "ais/terrestrial.nmea" in first and "truth/port_calls.parquet" in first
    for name in first:
        assert first[name] == second[name], name


def test_another_seed_gives_other_files(small_run: SimulationResult, tmp_path: Path) -> None:
    other = run_scenario(tmp_path / "other", scenario=small_run.simulation.scenario, seed=99)
    a = small_run.files["terrestrial_nmea"].read_bytes()
    b = other.files["terrestrial_nmea"].read_bytes()
    assert a != b
    assert other.summary["scenario"]["seed"] == 99


def test_adding_decoys_leaves_the_story_unchanged() -> None:
    few = simulate(small(n_decoys=1, terrestrial=False, satellite=False))
    more = simulate(small(n_decoys=3, terrestrial=False, satellite=False))
    story = pl.col("role").is_in(["shuttle", "sts", "loiterer", "shared_mmsi"])
    a = few.truth["port_calls"].filter(story)
    b = more.truth["port_calls"].filter(story)
    assert a.equals(b)
    assert few.truth["encounters"].equals(more.truth["encounters"])
    assert more.truth["vessels"].height == few.truth["vessels"].height + 2


def test_no_reception_means_nothing_received() -> None:
    sim = simulate(small(n_decoys=0, terrestrial=False, satellite=False))
    assert sim.positions.height == 0 and sim.statics.height == 0
    assert sim.truth["port_calls"].height > 0


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("mine")
    from darkfleet.errors import ConfigError

    with pytest.raises(ConfigError, match="not empty"):
        run_scenario(tmp_path, scenario=small(n_decoys=0))
    with pytest.raises(ConfigError, match="holds no simulation"):
        run_scenario(tmp_path, scenario=small(n_decoys=0), overwrite=True)
