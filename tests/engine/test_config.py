"""Analysis parameters: API, TOML and command-line overrides agree, and bad values are clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkfleet.engine import SECTIONS, AnalysisConfig, load_config, parse_override
from darkfleet.errors import ConfigError


def test_every_section_has_defaults_with_documented_fields() -> None:
    cfg = AnalysisConfig()
    data = cfg.to_dict()
    assert list(data) == list(SECTIONS)
    for section, params in data.items():
        assert params, f"[{section}] has no parameters"
        cls = type(getattr(cfg, section))
        assert cls.__doc__, f"{cls.__name__} has no docstring"


def test_toml_and_overrides_apply_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(
        '[gaps]\nmin_gap_h = 12\n[analysis]\nports_of_interest = ["Najin", "Vostochnyy"]\n',
        encoding="utf-8",
    )
    cfg = load_config(path, overrides=dict([parse_override("gaps.min_gap_h=8")]))
    assert cfg.gaps.min_gap_h == 8.0 and isinstance(cfg.gaps.min_gap_h, float)
    assert cfg.analysis.ports_of_interest == ("Najin", "Vostochnyy")
    assert load_config(path).gaps.min_gap_h == 12.0
    # the defaults are untouched
    assert AnalysisConfig().gaps.min_gap_h == 6.0


def test_parse_override_reads_toml_values_and_bare_strings() -> None:
    assert parse_override("gaps.min_gap_h=12.5") == ("gaps.min_gap_h", 12.5)
    assert parse_override("analysis.ports=wpi.csv") == ("analysis.ports", "wpi.csv")
    assert parse_override("analysis.ports_of_interest=Najin,Dunay")[1] == "Najin,Dunay"
    cfg = AnalysisConfig().with_overrides({"analysis.ports_of_interest": "Najin, Dunay"})
    assert cfg.analysis.ports_of_interest == ("Najin", "Dunay")
    with pytest.raises(ConfigError, match=r"SECTION\.PARAMETER"):
        parse_override("min_gap_h")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gapz.min_gap_h": 1}, "unknown section"),
        ({"gaps.min_gap": 1}, "has no parameter 'min_gap'"),
        ({"gaps.min_gap_h": "soon"}, "expected a number"),
        ({"gaps.min_gap_h": True}, "expected a number"),
        ({"min_gap_h": 1}, r"SECTION\.PARAMETER"),
        ({"analysis.analysis_end": "2024-12-31"}, "no time zone"),
    ],
)
def test_bad_parameters_are_named(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        AnalysisConfig().with_overrides(overrides)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[gaps\nmin_gap_h = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[gaps]\nmin_gap_hours = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"wrong\.toml: \[gaps\] has no parameter"):
        load_config(wrong)


def test_config_is_frozen_and_copies() -> None:
    cfg = AnalysisConfig()
    other = cfg.with_overrides({"gaps.min_gap_h": 3})
    assert cfg.gaps.min_gap_h == 6.0 and other.gaps.min_gap_h == 3.0
    with pytest.raises(AttributeError):
        cfg.gaps = other.gaps  # type: ignore[misc]
