"""Precision and recall of screening on simulated populations (see darkfleet.screening.simulate).

5,000 identities per seed: 300 taken from a list with realistic evasions (renamed, reflagged,
new MMSI, IMO dropped or mistyped, misspelt or transliterated names), 4,700 innocent of which
about 30 % are hard negatives (namesakes with their own IMO, one-letter-off names, the next ship
of a numbered series, IMOs two digits away, reused MMSIs). Targets: precision >= 0.99 at
recall >= 0.95 on every seed. The match rules were set once for all seeds (not per seed).

Measured (real OFAC January 2023 list): seed 0 P 0.9966 R 0.9633; seed 1 P 0.9931 R 0.9567;
seed 2 P 1.0000 R 0.9833. On the generated fallback list (names drawn from the same vocabulary
as the innocent ships, so chance namesakes are commoner than in reality) precision is
0.9898-0.9932 at recall 0.967-0.970: the test asserts 0.98 there.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from darkfleet.screening.match import screen
from darkfleet.screening.simulate import evaluate, simulate_population, synthetic_entries

SEEDS = [0, 1, 2]
SHARED_LISTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "sanctions"


@pytest.fixture(scope="module")
def ofac_entries() -> pl.DataFrame:
    if not (SHARED_LISTS / "ofac_sdn_2023-01_sancbook.csv").is_file():
        pytest.skip(f"{SHARED_LISTS} is absent: real-list precision/recall skipped")
    from darkfleet.io.sanctions import read_lists

    return read_lists(
        [
            SHARED_LISTS / "ofac_sdn_2023-01_sancbook.csv",
            SHARED_LISTS / "ofac_sdn_address_2023-01_sancbook.csv",
        ]
    )


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("seed", SEEDS)
def test_precision_recall_real_ofac_list(ofac_entries: pl.DataFrame, seed: int) -> None:
    ids, truth = simulate_population(ofac_entries, n_identities=5000, n_listed=300, seed=seed)
    ev = evaluate(screen(ids, ofac_entries), truth)
    print(f"OFAC seed {seed}: {ev.summary()}; recall by scenario {ev.recall_by_scenario}")
    assert ev.listed == 300 and ev.innocent == 4700
    assert ev.precision >= 0.99
    assert ev.recall >= 0.95
    # identifier-based evasions are always caught
    for scenario in ("exact", "renamed", "reflagged", "renamed_reflagged", "imo_typo"):
        assert ev.recall_by_scenario.get(scenario, 1.0) == 1.0, scenario


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_precision_recall_generated_list(seed: int) -> None:
    """Runs everywhere (no ../shared needed), on a generated list."""
    entries = synthetic_entries()
    ids, truth = simulate_population(entries, n_identities=5000, n_listed=300, seed=seed)
    ev = evaluate(screen(ids, entries), truth)
    print(f"generated list seed {seed}: {ev.summary()}")
    assert ev.precision >= 0.98
    assert ev.recall >= 0.95


def test_simulation_is_deterministic() -> None:
    entries = synthetic_entries(50)
    a = simulate_population(entries, n_identities=300, n_listed=40, seed=5)
    b = simulate_population(entries, n_identities=300, n_listed=40, seed=5)
    assert a[0].equals(b[0]) and a[1].equals(b[1])
    assert a[1]["entry_key"].is_not_null().sum() == 40
