"""Compile darkfleet's numba kernels once, ahead of the first real run.

darkfleet's hot loops are numba functions cached on disk (``cache=True``): the first call on a
new installation compiles them (about 45 s on a 2-core machine, most of it the NMEA decoder and
the track kernels), every later process loads them in milliseconds. ``python -m
darkfleet.warmup`` (run by the Makefile's bootstrap) makes those first calls on a small
simulated scenario, in two processes at once — one encodes and decodes NMEA, the other runs the
event pipeline and the satellite matching — so that ``darkfleet demo`` and the tests start warm.
Nothing is written outside numba's cache (a temporary folder is removed).
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

__all__ = ["main", "warm_analysis", "warm_decoder"]


def _scenario(days: float | None = 35.0) -> object:
    """The Najin story with 3 decoys, cut to ``days`` (None: its whole four months, long
    enough for every kernel of the event pipeline to be called)."""
    from .simulate import Scenario

    sc = Scenario()
    end = sc.end if days is None else sc.start + timedelta(days=days)
    return Scenario(n_decoys=3, end=end, name="warmup")


def warm_decoder() -> float:
    """Encode a small scenario as NMEA (the simulator's writer) and decode it back."""
    from .io.nmea import read_nmea
    from .simulate import run_scenario

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="darkfleet-warmup-") as tmp:
        res = run_scenario(Path(tmp) / "sim", scenario=_scenario())  # type: ignore[arg-type]
        for path in sorted(res.files.values()):
            read_nmea(path)
    return time.perf_counter() - t0


def warm_analysis() -> float:
    """Run the event pipeline and the satellite matching on a small simulated scenario."""
    from .engine import AnalysisConfig, analyze_frames
    from .satellite.match import match_detections
    from .satellite.simulate import najin_scenes, simulate_scenes
    from .simulate import simulate
    from .simulate.groundtruth import as_canonical

    t0 = time.perf_counter()
    sim = simulate(_scenario(None))  # type: ignore[arg-type]

    positions = as_canonical(sim.positions, "warmup")
    cfg = AnalysisConfig().with_overrides(
        {"analysis.ports_of_interest": [sim.scenario.shuttle_port]}
    )
    analyze_frames(positions, as_canonical(sim.statics, "warmup"), config=cfg)
    scenes = simulate_scenes(sim, najin_scenes(sim))
    match_detections(scenes.detections, scenes.scenes, positions, sim.truth["vessels"])
    return time.perf_counter() - t0


def main() -> int:
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        jobs = {"decoder": pool.submit(warm_decoder), "analysis": pool.submit(warm_analysis)}
        took = {name: job.result() for name, job in jobs.items()}
    parts = ", ".join(f"{k} {v:.0f} s" for k, v in took.items())
    print(
        f"darkfleet warmup: kernels compiled and cached in {time.perf_counter() - t0:.0f} s ({parts})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
