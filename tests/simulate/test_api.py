"""The simulator's public API: names exported, documented, keyword-only options."""

from __future__ import annotations

import inspect

import darkfleet.simulate as simulate_pkg


def test_every_public_name_exists_and_is_documented() -> None:
    assert len(simulate_pkg.__all__) == len(set(simulate_pkg.__all__))
    for name in simulate_pkg.__all__:
        obj = getattr(simulate_pkg, name)
        if callable(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"darkfleet.simulate.{name} has no docstring"


def test_run_scenario_takes_options_by_keyword() -> None:
    params = list(inspect.signature(simulate_pkg.run_scenario).parameters.values())
    assert [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD] == ["out_dir"]
    assert {"scenario", "seed", "n_decoys", "report_interval_s", "formats", "overwrite"} <= {
        p.name for p in params
    }


def test_every_scenario_field_is_documented_in_docs() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "simulate.md"
    text = doc.read_text()
    for field in simulate_pkg.Scenario.__dataclass_fields__:
        assert f"`{field}`" in text, field
    for table in simulate_pkg.TRUTH_TABLES:
        assert f"`{table}`" in text, table
