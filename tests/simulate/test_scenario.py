"""Scenario configuration: defaults, validation, TOML round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from darkfleet.errors import ConfigError
from darkfleet.simulate import Scenario, scenario_toml


def test_defaults_tell_the_najin_story() -> None:
    sc = Scenario()
    assert sc.home_port == "WPI-60725" and sc.shuttle_port == "WPI-60510"
    assert sc.sanctioned_imo == 9179842 and sc.sanctioned_name == "ANGARA"
    assert sc.start == datetime(2024, 9, 1, tzinfo=UTC)
    assert sc.end == datetime(2025, 1, 1, tzinfo=UTC)
    assert sc.start < sc.surge_date < sc.rename_date < sc.end
    assert 5 <= sc.n_shuttles <= 6


def test_toml_round_trip(tmp_path: Path) -> None:
    sc = Scenario(n_decoys=3, seed=7, shuttle_speed_kn=(9.0, 10.0), decoy_ports=("WPI-60390",))
    path = tmp_path / "s.toml"
    path.write_text(scenario_toml(sc))
    assert Scenario.from_toml(path) == sc


def test_toml_top_level_keys_dates_and_strings(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('seed = 3\nstart = 2024-10-01\nend = "2024-10-20T00:00:00Z"\nn_decoys = 2\n')
    sc = Scenario.from_toml(path)
    assert sc.seed == 3 and sc.n_decoys == 2
    assert sc.start == datetime(2024, 10, 1, tzinfo=UTC)
    assert sc.end == datetime(2024, 10, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"n_decoys": -1}, "n_decoys"),
        ({"p_dark_transit": 0.8, "p_dark_call": 0.5}, "p_dark_call"),
        ({"report_interval_s": 5}, "report_interval_s"),
        ({"shuttle_speed_kn": (12.0, 8.0)}, "shuttle_speed_kn"),
        ({"end": datetime(2024, 8, 1, tzinfo=UTC)}, "end"),
        ({"start": "yesterday"}, "ISO 8601"),
        ({"berth_radius_m": 5000.0}, "port_radius_m"),
    ],
)
def test_invalid_values_raise_config_error(changes: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Scenario().replace(**changes)


def test_unknown_toml_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[scenario]\nn_decoy = 3\n")
    with pytest.raises(ConfigError, match="n_decoy"):
        Scenario.from_toml(path)


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("seed = = 3\n")
    with pytest.raises(ConfigError, match="TOML"):
        Scenario.from_toml(path)
