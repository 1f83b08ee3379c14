"""The whole event pipeline on simulated positions: time, peak memory and scaling.

    python benchmarks/bench_pipeline.py                     # 1M and 10M positions
    python benchmarks/bench_pipeline.py --sizes 200000 --json out.json

For each size, the project's simulator (:mod:`darkfleet.simulate`: the Najin scenario with
enough decoy ships to reach the size) writes canonical positions and statics as Parquet into
``--cache`` (made once per size and seed, never committed). Then a fresh Python process reads
them and runs :func:`darkfleet.engine.analyze_frames` — tracks, segments, gaps, port visits
against the 3,767 packaged ports, voyages, round trips, draught changes, dark port calls,
loitering, encounters, port activity and surges — and reports wall time per step and its
peak resident memory (``ru_maxrss``, which includes reading the input). One warm-up run on a
small size compiles the numba kernels first (they are cached on disk), so compile time is
not counted. Goals (issue 3): 10M positions in < 60 s and < 4 GB on the 2-core machine;
10x the data costs <= 11x the time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _provenance import code_state

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
import polars as pl
from darkfleet.engine import analyze_frames, resolve_ports, AnalysisConfig
cfg = AnalysisConfig()
ports = resolve_ports(cfg)
t0 = time.perf_counter()
pos = pl.scan_parquet(sys.argv[1])
sta = pl.scan_parquet(sys.argv[2])
read_s = time.perf_counter() - t0
timings = {}
t1 = time.perf_counter()
out = analyze_frames(pos, sta, config=cfg, ports=ports, timings=timings)
total = time.perf_counter() - t1
print(json.dumps({
    "positions": out["segments"]["n_positions"].sum(), "read_s": read_s, "analyze_s": total, "steps_s": timings,
    "rows": {k: v.height for k, v in out.items()},
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def generate(n: int, seed: int, cache: Path) -> tuple[Path, Path, int]:
    """Simulated positions/statics of about ``n`` positions, cached as Parquet."""
    from darkfleet.simulate import Scenario, simulate

    pos, sta = cache / f"positions-{n}-{seed}.parquet", cache / f"statics-{n}-{seed}.parquet"
    if pos.is_file() and sta.is_file():
        import polars as pl

        return pos, sta, pl.scan_parquet(pos).select(pl.len()).collect().item()
    cache.mkdir(parents=True, exist_ok=True)
    # about 12,300 positions per decoy vessel over the scenario's four months at 5-min reports
    decoys = max(1, round(n / 12_300))
    t0 = time.perf_counter()
    sim = simulate(dataclasses.replace(Scenario(), n_decoys=decoys, seed=seed))
    print(f"  simulated {sim.positions.height:,} positions ({decoys} decoys) in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip
    keep = [c for c in sim.positions.columns if c not in ("receiver", "vessel_id")]
    sim.positions.select(keep).with_columns(
        source_id=__import__("polars").lit("sim"),
        line=__import__("polars").int_range(sim.positions.height) + 1,
    ).write_parquet(pos)
    keep = [c for c in sim.statics.columns if c not in ("receiver", "vessel_id")]
    sim.statics.select(keep).with_columns(
        source_id=__import__("polars").lit("sim"),
        line=__import__("polars").int_range(sim.statics.height) + 1,
    ).write_parquet(sta)
    return pos, sta, sim.positions.height


def run_child(pos: Path, sta: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(pos), str(sta)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,10000000", help="positions, comma-separated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("warm-up (numba kernels compile or load from cache) ...", flush=True)
    wpos, wsta, _ = generate(20_000, args.seed, args.cache)
    run_child(wpos, wsta)
    results = []
    for n in sizes:
        print(f"{n:,} positions:", flush=True)
        pos, sta, _ = generate(n, args.seed, args.cache)
        r = run_child(pos, sta)
        results.append(r)
        steps = ", ".join(f"{k} {v:.2f}" for k, v in r["steps_s"].items())
        print(f"  pipeline {r['analyze_s']:.1f} s for {r['positions']:,} positions "
              f"({r['positions'] / r['analyze_s'] / 1e6:.2f} M/s), read {r['read_s']:.1f} s, "
              f"peak RSS {r['peak_rss_mib']:,.0f} MiB")  # fmt: skip
        print(f"  steps: {steps}")
        print(f"  rows: {r['rows']}")
    if len(results) >= 2:
        a, b = results[0], results[-1]
        data_ratio = b["positions"] / a["positions"]
        time_ratio = b["analyze_s"] / a["analyze_s"]
        print(f"scaling: {data_ratio:.1f}x the positions took {time_ratio:.1f}x the time "
              f"(goal: 10x data <= 11x time)")  # fmt: skip
    big = results[-1]
    print(
        f"goal 10M < 60 s and < 4 GB: {big['analyze_s']:.1f} s, {big['peak_rss_mib'] / 1024:.2f} GiB"
    )
    if args.json:
        args.json.write_text(json.dumps({"code": code_state(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
