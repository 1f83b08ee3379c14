"""Benchmark: screen 100,000 vessel identities against the full OFAC SDN list (plus the UN list).

    .venv/bin/python benchmarks/bench_screen.py [--n 100000] [--repeat 3]

Lists come from ../shared/data/sanctions (OFAC SDN CSV + address file, UN consolidated XML);
where that is absent a generated list of 700 vessels stands in (and the run says so). The
identities are a simulated population (darkfleet.screening.simulate, seed 7: 2 % taken from the
list with evasions, the rest innocent incl. hard negatives). Prints list read time, screening
time (median of --repeat runs, each run from the raw frames: normalisation, blocking, fuzzy
scoring, explanations), rate, matches and precision/recall. Target: < 10 s on the 2-core
development machine; timings there are noisy (other processes share it), hence the median.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import polars as pl

from darkfleet.screening.match import screen
from darkfleet.screening.simulate import evaluate, simulate_population, synthetic_entries

LISTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "sanctions"
FILES = [
    "ofac_sdn_2023-01_sancbook.csv",
    "ofac_sdn_address_2023-01_sancbook.csv",
    "un_consolidated_2026-02-27.xml",
]


def load_lists() -> tuple[pl.DataFrame, str]:
    paths = [LISTS / f for f in FILES]
    if all(p.is_file() for p in paths):
        from darkfleet.io.sanctions import read_lists

        return read_lists(paths), "OFAC SDN 2023-01 + UN consolidated"
    return synthetic_entries(700), "generated list (../shared absent)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="identities to screen")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median reported)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    entries, label = load_lists()
    t_read = time.perf_counter() - t0
    vessels = entries.filter(pl.col("entry_type") == "vessel").height
    print(
        f"lists: {label}: {entries.height:,} entries, {vessels:,} vessels (read in {t_read:.2f} s)"
    )

    ids, truth = simulate_population(entries, n_identities=args.n, n_listed=args.n // 50, seed=7)
    times, matches = [], None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        matches = screen(ids, entries)
        times.append(time.perf_counter() - t0)
    assert matches is not None
    med = statistics.median(times)
    print(
        f"screen: {args.n:,} identities x {vessels:,} listed vessels: median {med:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in times)}), {args.n / med:,.0f} identities/s, "
        f"{matches.height:,} matches"
    )
    print(f"quality: {evaluate(matches, truth).summary()}")
    print(f"target < 10 s: {'met' if med < 10 else 'NOT met'} (shared 2-core machine: noisy)")


if __name__ == "__main__":
    main()
