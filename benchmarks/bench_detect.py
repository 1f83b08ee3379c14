"""Benchmark: the SAR vessel detector on a 10,000 x 10,000 pixel scene (10 m pixels, 100 km).

    .venv/bin/python benchmarks/bench_detect.py [--size 10000] [--tile 2048] [--out DIR]
        [--accuracy]

Generates a synthetic Sentinel-1-like scene (K-distributed sea clutter, shape 10, 4 looks,
ships of 60 / 120 / 250 m at 10 / 15 dB on a 1.5 km grid; darkfleet.satellite.synthetic),
then runs ``detect_scene`` in a fresh child process so that its peak resident memory (psutil,
sampled every 5 ms; not ru_maxrss, which Linux carries over from the forking parent) is the
detector's alone. Prints generation
time, detection time, peak RSS, detections, precision / recall / F1 (200 m tolerance) and,
with ``--accuracy``, the per-bucket accuracy table (lengths x contrasts, moderate and rough
sea). Target: < 20 s and bounded memory (one 2048-pixel tile plus its halo: the peak must not
grow with the scene). No timing is asserted anywhere; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

from _provenance import code_state  # type: ignore[import-not-found]

CHILD = """
import json, sys, time, threading, psutil
from darkfleet.satellite import CfarConfig, detect_scene
proc = psutil.Process()
peak = [proc.memory_info().rss]
stop = threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
base = proc.memory_info().rss
t = time.perf_counter()
d = detect_scene(sys.argv[1], CfarConfig(tile_px=int(sys.argv[2])), land=None)
dt = time.perf_counter() - t
stop.set()
d.detections.write_parquet(sys.argv[3])
print(json.dumps({"detect_s": dt, "peak_rss_mb": max(peak[0], proc.memory_info().rss) / 2**20,
                  "rss_before_mb": base / 2**20, "detections": d.detections.height}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--tile", type=int, default=2048)
    ap.add_argument("--out", type=Path, default=None, help="Folder for the scene (default tmp).")
    ap.add_argument("--accuracy", action="store_true", help="Also print per-bucket accuracy.")
    args = ap.parse_args()

    from darkfleet.satellite.synthetic import (
        SceneSpec,
        accuracy_table,
        make_scene,
        plant_grid,
        score_detections,
    )

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        scene = out / f"bench_{args.size}.tif"
        spec = SceneSpec(width=args.size, height=args.size, seed=1, scene_id="BENCH")
        targets = plant_grid(spec, lengths_m=[60.0, 120.0, 250.0], contrasts_db=[10.0, 15.0])
        t = time.perf_counter()
        truth = make_scene(scene, spec, targets)
        gen_s = time.perf_counter() - t
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(scene), str(args.tile), str(out / "det.parquet")],
            capture_output=True,
            text=True,
            check=True,
        )
        fig = json.loads(proc.stdout.strip().splitlines()[-1])
        det = pl.read_parquet(out / "det.parquet")
        score, _ = score_detections(det, truth)
        pixels = args.size * args.size
        print(
            f"scene: {args.size:,} x {args.size:,} px ({pixels / 1e6:.0f} Mpx, float32 "
            f"{scene.stat().st_size / 2**20:.0f} MiB), {truth.height} ships planted"
        )
        print(f"generate: {gen_s:.1f} s")
        print(
            f"detect:   {fig['detect_s']:.1f} s  ({pixels / fig['detect_s'] / 1e6:.1f} Mpx/s, "
            f"tile {args.tile} px)  target < 20 s"
        )
        print(
            f"peak RSS: {fig['peak_rss_mb']:.0f} MB ({fig['rss_before_mb']:.0f} MB before the "
            f"call; the scene as float32 would be {pixels * 4 / 2**20:.0f} MB)"
        )
        print(
            f"accuracy: {det.height} detections, TP {score.tp} FP {score.fp} FN {score.fn}, "
            f"P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f} (200 m)"
        )
        result = {
            "size": args.size,
            "tile": args.tile,
            "generate_s": round(gen_s, 2),
            **fig,
            "precision": score.precision,
            "recall": score.recall,
            "f1": score.f1,
            **code_state(),
        }
        if args.accuracy:
            with pl.Config(tbl_rows=40, tbl_cols=10):
                for name, s in [
                    ("moderate sea (K, shape 10)", SceneSpec()),
                    ("calm sea (gamma)", SceneSpec(clutter="gamma")),
                    ("rough sea (K, shape 4)", SceneSpec(nu=4.0)),
                ]:
                    table = accuracy_table(
                        out, lengths_m=[15, 30, 60, 120, 250], contrasts_db=[3, 6, 10, 15], spec=s
                    )
                    print(f"\nF1 by length (rows) and contrast dB (columns), {name}:")
                    print(table.pivot(on="contrast_db", index="length_m", values="f1"))
                    print(f"false alarms per 10 x 10 km scene: {table['fp'].to_list()}")
        print(json.dumps(result))


if __name__ == "__main__":
    threading.current_thread().name = "bench_detect"
    main()
