"""Decode benchmark: darkfleet.read_nmea against pyais on the same generated NMEA.

The input is made by ``gen_nmea.py`` (deterministic seed, ``--framing mixed`` by default:
plain sentences, tag blocks, trailing epochs and ``$PGHP`` headers mixed line by line), written
to a temporary file, or given with ``--input``.

Measured:

* **darkfleet, full input**: ``darkfleet.read_nmea(path)`` (file → Polars tables). The first
  call in the process is reported on its own as *cold* (numba loads or compiles its kernels);
  then ``--repeat`` *warm* calls give the best and the median.
* **pyais, prefix**: pyais is far slower, so it decodes a contiguous prefix of
  ``--pyais-lines`` lines (extended to the end of a multipart message), written to its own
  file, with its own file API: ``pyais.FileReaderStream(path)``, and for each assembled
  message ``msg.decode().asdict()`` so every field is really decoded; an exception is counted
  per message and does not stop the run.
* **darkfleet, prefix**: ``read_nmea`` on exactly that prefix file, so the ratio
  darkfleet/pyais compares the same bytes.

Wall time (``time.perf_counter``) and the process's CPU time (user + system, all threads) are
both recorded. ``--one-core`` (default) sets ``NUMBA_NUM_THREADS=1`` and
``POLARS_MAX_THREADS=1`` before anything is imported; ``--pin-cpu N`` also pins the process to
one CPU with ``sched_setaffinity``.

Examples::

    python benchmarks/bench_decode.py
    python benchmarks/bench_decode.py --lines 200000 --pyais-lines 20000 --repeat 5
    python benchmarks/bench_decode.py --input /tmp/ais_1m.nmea --json /tmp/bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _provenance import code_state

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The environment as started, for child processes (without this script's thread settings).
START_ENV = dict(os.environ)
GOAL_LINES_PER_S = 3_000_000

# One AIS sentence (anywhere on a line, after an optional tag block):
# fragment count, fragment number, sequential id, channel, first payload character.
_SENTENCE = re.compile(rb"![A-Z]{2}VD[MO],(\d),(\d),([^,]*),([^,]*),(.?)")
_POSITION_TYPES = {1, 2, 3, 18, 19, 27}
_STATIC_TYPES = {5, 24}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Examples::")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines to generate (1,000,000)")
    ap.add_argument(
        "--framing",
        default="mixed",
        help="gen_nmea framing: mixed (default), plain, tag_block, trailing_epoch, pghp",
    )
    ap.add_argument("--seed", type=int, default=0, help="gen_nmea seed (0)")
    ap.add_argument("--input", type=Path, help="decode this NMEA file instead of generating one")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per measurement (3)")
    ap.add_argument(
        "--pyais-lines", type=int, default=100_000, help="prefix decoded by both tools (100,000)"
    )
    ap.add_argument("--no-pyais", action="store_true", help="skip pyais")
    cores = ap.add_mutually_exclusive_group()
    cores.add_argument(
        "--one-core",
        dest="one_core",
        action="store_true",
        default=True,
        help="NUMBA_NUM_THREADS=1, POLARS_MAX_THREADS=1 (default)",
    )
    cores.add_argument(
        "--all-cores", dest="one_core", action="store_false", help="leave thread pools alone"
    )
    ap.add_argument("--pin-cpu", type=int, help="also pin the process to this CPU")
    ap.add_argument(
        "--fresh-jit",
        action="store_true",
        help="empty numba cache, so the cold run includes compiling every kernel",
    )
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--tmpdir", type=Path, help="folder for the generated files (system temp)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    return args


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result)."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    out = fn()
    t1 = time.perf_counter()
    c1 = time.process_time()
    return t1 - t0, c1 - c0, out


def _series(walls: list[float], cpus: list[float]) -> dict[str, Any]:
    return {
        "best_s": min(walls),
        "median_s": statistics.median(walls),
        "runs_s": walls,
        "cpu_best_s": min(cpus),
        "cpu_median_s": statistics.median(cpus),
    }


def line_shares(path: Path) -> dict[str, Any]:
    """Share of lines per kind, from the text itself (not from either decoder).

    A line is ``position`` / ``static`` / ``other_ais`` by the type of the message its
    sentence belongs to (a second fragment takes its first fragment's type), ``non_ais``
    when it holds no AIS sentence ($PGHP headers, stand-alone tag blocks); ``multipart``
    counts, across those, the lines whose sentence is part of a 2+-fragment message.
    """
    kinds: Counter[str] = Counter()
    multipart = 0
    lines = 0
    open_type: dict[tuple[bytes, bytes, bytes], int] = {}
    with path.open("rb") as fh:
        for line in fh:
            lines += 1
            m = _SENTENCE.search(line)
            if m is None:
                kinds["non_ais"] += 1
                continue
            count, num, seq, chan, first = m.groups()
            key = (count, seq, chan)
            if count != b"1":
                multipart += 1
            if num == b"1":
                c = first[0] if first else 0
                mtype = (c - 48 if c < 88 else c - 56) if first else -1
                if count != b"1":
                    open_type[key] = mtype
            else:
                mtype = open_type.get(key, -1)
                if num == count:
                    open_type.pop(key, None)
            if mtype in _POSITION_TYPES:
                kinds["position"] += 1
            elif mtype in _STATIC_TYPES:
                kinds["static"] += 1
            else:
                kinds["other_ais"] += 1
    share = {k: kinds[k] / lines if lines else 0.0 for k in ("position", "static", "other_ais")}
    share["non_ais"] = kinds["non_ais"] / lines if lines else 0.0
    share["multipart"] = multipart / lines if lines else 0.0
    return {"lines": lines, "counts": dict(kinds) | {"multipart": multipart}, "share": share}


def write_prefix(src: Path, dst: Path, n_lines: int) -> int:
    """Copy the first ``n_lines`` lines of ``src`` to ``dst``, then on to the end of a
    multipart message left open; returns the lines written."""
    written = 0
    with src.open("rb") as fi, dst.open("wb") as fo:
        for line in fi:
            fo.write(line)
            written += 1
            if written >= n_lines:
                m = _SENTENCE.search(line)
                if m is None or m.group(1) == m.group(2):
                    break
    return written


def generate(path: Path, lines: int, framing: str, seed: int) -> None:
    """Run gen_nmea.py in a child process, so that its own decoding of the pool recordings
    does not warm this process's kernels before the cold measurement."""
    cmd = [sys.executable, str(HERE / "gen_nmea.py"), "--lines", str(lines)]
    cmd += ["--framing", framing, "--seed", str(seed), "--out", str(path)]
    subprocess.run(cmd, check=True, env=START_ENV)


def count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
    return n


def darkfleet_messages(tables: dict[str, Any]) -> int:
    """AIS messages decoded by darkfleet: rows of the data tables, type 19 counted once
    (it has a row in positions and in statics)."""
    import polars as pl

    n = sum(
        tables[t].height
        for t in ("positions", "statics", "base_stations", "aids_to_navigation", "other_messages")
    )
    return n - tables["statics"].filter(pl.col("msg_type") == 19).height


def bench_darkfleet(path: Path, repeat: int, *, cold: bool) -> dict[str, Any]:
    import darkfleet

    out: dict[str, Any] = {}
    if cold:
        wall, cpu, tables = _timed(lambda: darkfleet.read_nmea(path))
        out["cold_s"] = wall
        out["cold_cpu_s"] = cpu
    else:  # warm-up, not reported
        tables = darkfleet.read_nmea(path)
    out["messages"] = darkfleet_messages(tables)
    out["rejects"] = tables["rejects"].height
    out["rows"] = {k: v.height for k, v in tables.items()}
    del tables
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, tables = _timed(lambda: darkfleet.read_nmea(path))
        walls.append(wall)
        cpus.append(cpu)
        del tables
    out |= _series(walls, cpus)
    return out


def pyais_decode_file(path: Path) -> tuple[int, Counter[str]]:
    """pyais's own file path: FileReaderStream assembles multipart messages (and reads tag
    blocks and $PGHP headers); each message is fully decoded into a dict."""
    from pyais import FileReaderStream

    decoded = 0
    errors: Counter[str] = Counter()
    with FileReaderStream(str(path)) as stream:
        for msg in stream:
            try:
                msg.decode().asdict()
                decoded += 1
            except Exception as err:
                errors[type(err).__name__] += 1
    return decoded, errors


def bench_pyais(path: Path, repeat: int) -> dict[str, Any]:
    import pyais

    wall, cpu, (decoded, errors) = _timed(lambda: pyais_decode_file(path))
    out: dict[str, Any] = {
        "version": pyais.__version__,
        "cold_s": wall,
        "cold_cpu_s": cpu,
        "messages": decoded,
        "errors": dict(errors),
    }
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, _res = _timed(lambda: pyais_decode_file(path))
        walls.append(wall)
        cpus.append(cpu)
    out |= _series(walls, cpus)
    return out


def _rates(res: dict[str, Any], lines: int, nbytes: int) -> None:
    res["lines"] = lines
    res["bytes"] = nbytes
    res["lines_per_s"] = lines / res["best_s"]
    res["lines_per_s_median"] = lines / res["median_s"]
    res["mb_per_s"] = nbytes / 1e6 / res["best_s"]


def print_table(rows: list[tuple[str, dict[str, Any]]]) -> None:
    head = (
        f"{'run':<28} {'lines':>11} {'bytes':>13} {'messages':>11} {'best s':>8} "
        f"{'median s':>9} {'cold s':>8} {'cpu s':>7} {'lines/s':>11} {'MB/s':>7}"
    )
    print(head)
    print("-" * len(head))
    for name, r in rows:
        print(
            f"{name:<28} {r['lines']:>11,} {r['bytes']:>13,} {r['messages']:>11,} "
            f"{r['best_s']:>8.3f} {r['median_s']:>9.3f} {r.get('cold_s', float('nan')):>8.3f} "
            f"{r['cpu_best_s']:>7.3f} {r['lines_per_s']:>11,.0f} {r['mb_per_s']:>7.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one_core:
        # before numba / polars are imported (gen_nmea and darkfleet import both)
        os.environ["NUMBA_NUM_THREADS"] = "1"
        os.environ["POLARS_MAX_THREADS"] = "1"
    if args.pin_cpu is not None:
        os.sched_setaffinity(0, {args.pin_cpu})
    jit_cache = None
    if args.fresh_jit:
        jit_cache = tempfile.mkdtemp(prefix="darkfleet-bench-numba-")
        os.environ["NUMBA_CACHE_DIR"] = jit_cache

    import numba
    import polars as pl

    import darkfleet

    tmp = tempfile.TemporaryDirectory(prefix="darkfleet-bench-", dir=args.tmpdir)
    tmpdir = Path(tmp.name)
    try:
        if args.input is not None:
            path = args.input
            generated = None
        else:
            path = tmpdir / f"ais_{args.lines}_{args.framing}_s{args.seed}.nmea"
            t0 = time.perf_counter()
            generate(path, args.lines, args.framing, args.seed)
            generated = time.perf_counter() - t0
        nbytes = path.stat().st_size
        nlines = count_lines(path)
        shares = line_shares(path)

        print(f"darkfleet {darkfleet.__version__} decode benchmark")
        print(
            f"  python {platform.python_version()}, numba {numba.__version__}, "
            f"polars {pl.__version__}, {os.cpu_count()} CPUs on this machine"
        )
        cores = (
            "ONE core: NUMBA_NUM_THREADS=1, POLARS_MAX_THREADS=1"
            if args.one_core
            else "all cores (thread pools at their defaults)"
        )
        if args.pin_cpu is not None:
            cores += f", pinned to CPU {args.pin_cpu}"
        print(f"  threads: {cores}")
        state = code_state()
        dirty = (
            f" + uncommitted src changes (diff sha256 {state['src_diff_sha256']})"
            if state["src_dirty"]
            else ""
        )
        print(f"  code: git {state['git_head']}{dirty}")
        src = "--input" if generated is None else f"generated in {generated:.1f} s"
        print(
            f"  input: {path} ({src}; framing {args.framing}, seed {args.seed}): "
            f"{nlines:,} lines, {nbytes:,} bytes"
        )
        s = shares["share"]
        print(
            "  lines: "
            + ", ".join(
                f"{k} {s[k]:.1%}"
                for k in ("position", "static", "other_ais", "non_ais", "multipart")
            )
            + " (multipart overlaps the kinds)"
        )
        jit = "empty numba cache (cold = compile)" if args.fresh_jit else "numba on-disk cache"
        print(
            f"  darkfleet: cold call ({jit}) + {args.repeat} warm runs; "
            f"pyais: 1 + {args.repeat} runs"
        )
        print()

        full = bench_darkfleet(path, args.repeat, cold=True)
        _rates(full, nlines, nbytes)
        rows = [("darkfleet read_nmea, full", full)]
        result: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "darkfleet_version": darkfleet.__version__,
            "python": platform.python_version(),
            "numba": numba.__version__,
            "polars": pl.__version__,
            "cpus": os.cpu_count(),
            "one_core": args.one_core,
            "pin_cpu": args.pin_cpu,
            "fresh_jit": args.fresh_jit,
            "code": state,
            "input": None if args.input is None else str(args.input),
            "generated": None
            if args.input is not None
            else {"lines": args.lines, "framing": args.framing, "seed": args.seed},
            "lines": nlines,
            "bytes": nbytes,
            "line_shares": shares,
            "repeat": args.repeat,
            "darkfleet_full": full,
        }

        if not args.no_pyais:
            prefix = tmpdir / "prefix.nmea"
            p_lines = write_prefix(path, prefix, args.pyais_lines)
            p_bytes = prefix.stat().st_size
            dfp = bench_darkfleet(prefix, args.repeat, cold=False)
            _rates(dfp, p_lines, p_bytes)
            pya = bench_pyais(prefix, args.repeat)
            _rates(pya, p_lines, p_bytes)
            rows.append(("darkfleet read_nmea, prefix", dfp))
            rows.append((f"pyais {pya['version']}, prefix", pya))
            result["prefix"] = {"lines": p_lines, "bytes": p_bytes}
            result["darkfleet_prefix"] = dfp
            result["pyais_prefix"] = pya
            result["ratio_darkfleet_over_pyais"] = dfp["lines_per_s"] / pya["lines_per_s"]
            result["ratio_cpu"] = pya["cpu_best_s"] / dfp["cpu_best_s"]

        print_table(rows)
        print()
        print(
            "  best/median over the warm runs; cold = first call in the process "
            "(darkfleet: numba kernels loaded or compiled); cpu s = process CPU time, best run"
        )
        if "pyais_prefix" in result:
            pya = result["pyais_prefix"]
            dfp = result["darkfleet_prefix"]
            print(
                f"  same prefix ({result['prefix']['lines']:,} lines): darkfleet / pyais = "
                f"{result['ratio_darkfleet_over_pyais']:.1f}x by wall time (best), "
                f"{result['ratio_cpu']:.1f}x by CPU time"
            )
            print(
                f"  messages decoded on the prefix: darkfleet {dfp['messages']:,}, "
                f"pyais {pya['messages']:,}; pyais exceptions: {pya['errors'] or 'none'}; "
                f"darkfleet rejects: {dfp['rejects']:,}"
            )
        goal = full["lines_per_s"] / GOAL_LINES_PER_S
        print(
            f"  full input: darkfleet {full['lines_per_s']:,.0f} lines/s (best) = {goal:.0%} "
            f"of the {GOAL_LINES_PER_S:,} lines/s goal "
            f"(median {full['lines_per_s_median']:,.0f} lines/s)"
        )
        result["goal_lines_per_s"] = GOAL_LINES_PER_S
        result["goal_fraction"] = goal
        if args.json is not None:
            args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
            print(f"  JSON: {args.json}")
    finally:
        tmp.cleanup()
        if jit_cache is not None:
            shutil.rmtree(jit_cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
