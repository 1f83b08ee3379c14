"""Large-file ingest benchmark: ``darkfleet ingest`` of a multi-GB NMEA file, time and memory.

A file of ``--gigabytes`` GB (10^9 bytes; default 5) is generated with ``gen_nmea.py``
(``--framing mixed``, deterministic ``--seed``) into ``--workdir`` (default ``./bench-data``,
git-ignored). A ``.done`` marker next to it records its size and line count; when the file is
there with that size, it is not generated again.

Then ``.venv/bin/darkfleet ingest STORE FILE`` runs as a child process into a fresh store. Its
resident memory (RSS, the child and all its descendants summed) is sampled every
``--interval`` seconds with psutil, together with the bytes it has read, so that memory can be
read against progress; ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the
kernel's peak of the largest child waited for) is read right after it ends.

Printed: file size, lines, wall and CPU time, lines/s, MB/s, peak RSS (MiB), peak RSS in each
tenth of the run (with the bytes read by then), and the store's summary (``darkfleet summary --json``) with the
accounting check lines read = decoded + rejected + pending + non-AIS + ignored. The store is
deleted afterwards unless ``--keep``.

Examples::

    python benchmarks/bench_ingest_large.py --gigabytes 0.2
    python benchmarks/bench_ingest_large.py --gigabytes 5 --json bench-data/ingest_5gb.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from _provenance import code_state

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIB = 1 << 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Examples::")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--gigabytes", type=float, default=5.0, help="file size in GB (5)")
    ap.add_argument("--framing", default="mixed", help="gen_nmea framing (mixed)")
    ap.add_argument("--seed", type=int, default=0, help="gen_nmea seed (0)")
    ap.add_argument("--workdir", type=Path, default=ROOT / "bench-data", help="(./bench-data)")
    ap.add_argument(
        "--darkfleet",
        default=str(Path(sys.executable).with_name("darkfleet")),
        help="the darkfleet command (next to this Python)",
    )
    ap.add_argument("--interval", type=float, default=0.2, help="RSS sampling period, s (0.2)")
    ap.add_argument(
        "--one-core",
        action="store_true",
        help="run the ingest with NUMBA_NUM_THREADS=1, POLARS_MAX_THREADS=1 (default: all)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the store afterwards")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    return ap.parse_args(argv)


def ensure_file(workdir: Path, gigabytes: float, framing: str, seed: int) -> dict[str, Any]:
    """The generated file and its marker; generated unless already there at the right size."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"ais_{gigabytes:g}gb_{framing}_s{seed}.nmea"
    marker = path.with_name(path.name + ".done")
    if path.is_file() and marker.is_file():
        info = json.loads(marker.read_text())
        if info.get("bytes") == path.stat().st_size:
            info["generated_now"] = False
            return info
    sys.path.insert(0, str(HERE))
    import gen_nmea

    print(f"generating {path} ({gigabytes:g} GB, framing {framing}, seed {seed}) ...", flush=True)
    marker.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with path.open("wb") as fh:
        nbytes, nlines = gen_nmea.write(
            fh, gen_nmea.generate(nbytes=int(gigabytes * 1e9), framing=framing, seed=seed)
        )
    seconds = time.perf_counter() - t0
    info = {
        "path": str(path),
        "bytes": nbytes,
        "lines": nlines,
        "gigabytes": gigabytes,
        "framing": framing,
        "seed": seed,
        "generate_s": seconds,
    }
    marker.write_text(json.dumps(info, indent=2) + "\n")
    info["generated_now"] = True
    print(f"  {nlines:,} lines, {nbytes:,} bytes in {seconds:.0f} s", flush=True)
    return info


class Sampler(threading.Thread):
    """Samples a process tree's summed RSS and the bytes the tree has read."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (seconds, rss bytes, read bytes)
        self.stop = threading.Event()
        self.t0 = time.perf_counter()

    def _sample(self) -> tuple[int, int] | None:
        rss = read = 0
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return None
        for p in procs:
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    read += p.io_counters().read_chars
            except psutil.Error:
                continue
        return rss, read

    def run(self) -> None:
        while not self.stop.is_set():
            s = self._sample()
            if s is not None and s[0] > 0:
                self.samples.append((time.perf_counter() - self.t0, *s))
            self.stop.wait(self.interval)


def rss_by_tenth(samples: list[tuple[float, int, int]], wall: float) -> list[dict[str, Any]]:
    """Peak RSS and bytes read so far in each tenth of the run's wall time (a flat profile
    means memory bounded by the batch, not by the file)."""
    out = []
    for k in range(10):
        lo, hi = wall * k / 10, wall * (k + 1) / 10
        inside = [s for s in samples if lo <= s[0] < hi or (k == 9 and s[0] >= hi)]
        out.append(
            {
                "tenth": k + 1,
                "samples": len(inside),
                "peak_rss_mib": max(s[1] for s in inside) / MIB if inside else None,
                "read_bytes": inside[-1][2] if inside else None,
            }
        )
    return out


def summary(darkfleet: str, store: Path, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [darkfleet, "summary", str(store), "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return json.loads(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = ensure_file(args.workdir, args.gigabytes, args.framing, args.seed)
    path = Path(info["path"])
    nbytes = path.stat().st_size
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    store = args.workdir / f"store-{stamp}-{os.getpid()}"
    if store.exists():
        shutil.rmtree(store)
    env = dict(os.environ, COLUMNS="160", NO_COLOR="1")
    if args.one_core:
        env |= {"NUMBA_NUM_THREADS": "1", "POLARS_MAX_THREADS": "1"}
    log_out = args.workdir / f"{store.name}.stdout.txt"
    log_err = args.workdir / f"{store.name}.stderr.txt"
    cmd = [args.darkfleet, "ingest", str(store), str(path)]
    state = code_state()
    print(f"running: {' '.join(cmd)}", flush=True)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log_out.open("w") as fo, log_err.open("w") as fe:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env)
        sampler = Sampler(child.pid, args.interval)
        sampler.start()
        rc = child.wait()
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    ru_maxrss_mib = after.ru_maxrss / 1024  # KiB on Linux
    stdout = log_out.read_text()
    stderr = log_err.read_text()
    if rc != 0:
        print(stdout[-4000:])
        print(stderr[-4000:], file=sys.stderr)
        print(f"darkfleet ingest failed with exit status {rc}; store kept at {store}")
        return 1

    samples = sampler.samples
    peak = max((s[1] for s in samples), default=0) / MIB
    tenths = rss_by_tenth(samples, wall)
    summ = summary(args.darkfleet, store, env)
    acc = summ["accounting"]
    lines = info["lines"]
    buckets = acc["decoded"] + acc["rejected"] + acc["pending"] + acc["non_ais"] + acc["ignored"]
    store_bytes = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())

    res: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": cmd,
        "one_core": args.one_core,
        "code": state,
        "cpus": os.cpu_count(),
        "file": {k: info[k] for k in ("path", "bytes", "lines", "framing", "seed")},
        "generated_now": info["generated_now"],
        "wall_s": wall,
        "cpu_s": cpu,
        "lines_per_s": lines / wall,
        "mb_per_s": nbytes / 1e6 / wall,
        "peak_rss_mib_sampled": peak,
        "ru_maxrss_mib": ru_maxrss_mib,
        "rss_samples": len(samples),
        "rss_by_tenth": tenths,
        "store_bytes": store_bytes,
        "summary": summ,
        "accounting_adds_up": acc["lines_read"] == lines and acc["records"] == buckets,
    }

    print()
    print(
        f"darkfleet ingest of a {nbytes / 1e9:.2f} GB NMEA file ({args.framing}, seed {args.seed})"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs; threads: "
        + ("one (NUMBA/POLARS threads = 1)" if args.one_core else "all (defaults)")
    )
    dirty = f" + uncommitted src changes (diff sha256 {state['src_diff_sha256']})"
    rows = [
        ("code", f"git {state['git_head']}" + (dirty if state["src_dirty"] else "")),
        ("file", f"{path}"),
        ("file size", f"{nbytes:,} bytes ({nbytes / MIB:,.0f} MiB)"),
        ("lines", f"{lines:,}"),
        ("wall time", f"{wall:,.1f} s"),
        ("CPU time (child)", f"{cpu:,.1f} s ({cpu / wall:.2f} cores busy on average)"),
        ("lines/s", f"{lines / wall:,.0f}"),
        ("MB/s", f"{nbytes / 1e6 / wall:,.1f}"),
        ("peak RSS, sampled", f"{peak:,.0f} MiB (child + descendants, every {args.interval} s)"),
        ("peak RSS, ru_maxrss", f"{ru_maxrss_mib:,.0f} MiB (RUSAGE_CHILDREN)"),
    ]
    rows.append(
        (
            "peak RSS by tenth of run",
            " ".join(
                "-" if q["peak_rss_mib"] is None else f"{q['peak_rss_mib']:.0f}" for q in tenths
            )
            + " MiB",
        )
    )
    rows.append(
        (
            "read so far, by tenth",
            " ".join(
                "-" if q["read_bytes"] is None else f"{q['read_bytes'] / 1e9:.2f}" for q in tenths
            )
            + " GB (all reads of the child: imports, hashing, decoding)",
        )
    )
    rows.append(("store on disk", f"{store_bytes:,} bytes ({store_bytes / MIB:,.0f} MiB)"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    print()
    print("store summary (darkfleet summary --json):")
    for table, n in summ["rows"].items():
        print(f"  rows {table:<20} {n:>14,}")
    print(f"  vessels {summ['vessels']:>31,}")
    print(f"  time range  {summ['first_timestamp']} .. {summ['last_timestamp']}")
    print(
        f"  accounting: lines read {acc['lines_read']:,} (file: {lines:,}); records "
        f"{acc['records']:,} = decoded {acc['decoded']:,} + rejected {acc['rejected']:,} + "
        f"pending {acc['pending']:,} + non-AIS {acc['non_ais']:,} + ignored "
        f"{acc['ignored']:,} = {buckets:,}: "
        + ("adds up" if res["accounting_adds_up"] else "DOES NOT ADD UP")
    )
    if acc["rejected_by_reason"]:
        print(f"  rejected by reason: {acc['rejected_by_reason']}")
    if acc["non_ais_by_kind"]:
        print(f"  non-AIS by kind: {acc['non_ais_by_kind']}")
    if stderr.strip():
        print(f"  child stderr (last lines, full log {log_err}):")
        for line in stderr.strip().splitlines()[-5:]:
            print(f"    {line}")
    if args.json is not None:
        res["rss_timeline"] = [(round(t, 2), r // MIB, b) for t, r, b in samples]
        args.json.write_text(json.dumps(res, indent=2, default=str) + "\n")
        print(f"  JSON: {args.json}")
    if args.keep:
        print(f"  store kept: {store}")
    else:
        shutil.rmtree(store)
    log_out.unlink(missing_ok=True)
    if not stderr.strip():
        log_err.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
