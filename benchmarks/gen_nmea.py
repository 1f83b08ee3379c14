"""Generate large, real-looking AIS NMEA traffic for benchmarks.

Real recordings (the permissive ones under ``../shared/data/nmea``, or the samples bundled in
``darkfleet/data/samples`` when that folder is absent) are decoded once into a pool of real
position reports, static/voyage data, base-station reports, aids to navigation and raw
payloads of other types. Traffic is then made from the pool, batch by batch:

* **re-timed**: message ``g`` gets the time ``start + (g + u) / rate`` (``u`` uniform in
  [0, 1)), so times increase monotonically over a window set by ``--rate``;
* **many vessels**: each real vessel is cloned ``--clones`` times; a clone has its own MMSI
  (same MID, other digits), a fixed offset of up to ±0.1° in lat/lon, and walks its source
  vessel's real track in order (one report per ``--period`` seconds, cyclic), so a clone's
  positions and its statics agree;
* **re-encoded** with :mod:`darkfleet.io.nmea.encode` (the vectorised encoder) into the mix of
  :data:`MIX` (messages, not lines; type 5 is two sentences, so ~9 % of the lines);
* **deterministic**: batch ``b`` draws from ``numpy.random.default_rng([seed, b])``, so the
  same seed gives the same bytes, and a shorter run is a prefix of a longer one.

Output is written batch by batch (``-`` = stdout), so a 5 GB file never sits in memory; it
ends at a message boundary (no dangling multipart fragment) once ``--lines`` lines or
``--gigabytes`` GB (10^9 bytes) are reached.

Examples::

    python benchmarks/gen_nmea.py --lines 1000000 --out /tmp/ais_1m.nmea
    python benchmarks/gen_nmea.py --gigabytes 5 --framing mixed --out /tmp/ais_5g.nmea
    python benchmarks/gen_nmea.py --lines 20 --framing pghp --out -
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

import darkfleet
from darkfleet.io.nmea.encode import FRAMINGS, encode_payloads, to_sentences

__all__ = ["MIX", "Pool", "generate", "generate_bytes", "load_pool", "main"]

ROOT = Path(__file__).resolve().parents[1]
SHARED_NMEA = ROOT.parent / "shared" / "data" / "nmea"
SAMPLES = Path(darkfleet.__file__).resolve().parent / "data" / "samples"

#: Permissively licensed recordings of ../shared/data/nmea used for the pool.
PERMISSIVE = (
    "amsa_risky_ais.txt",
    "amsa_risky_exact-earth-augmented.txt",
    "amsa_risky_exact-earth-augmented-2.txt",
    "amsa_risky_exact-earth-augmented-3.txt",
    "amsa_risky_exact-earth-with-tag-block.txt",
    "dma_aislib_stream_example.txt",
    "gpsd_sample.aivdm",
    "gfw_aistools_mixed_types.nmea",
    "gfw_aistools_multi-part.nmea",
)

#: Share of generated *messages* per kind (type 5 = two sentences each).
MIX: dict[str, float] = {
    "position": 0.88,  # types 1, 2, 3, 18 (as found in the recordings)
    "static5": 0.05,  # type 5, two-part
    "static24": 0.025,  # type 24 A and B
    "base": 0.025,  # type 4
    "aton": 0.01,  # type 21
    "other": 0.01,  # raw payloads of types 6-27 kept whole
}

#: Framing weights of ``--framing mixed`` (indices into FRAMINGS).
MIXED_FRAMING = {"plain": 0.25, "tag_block": 0.35, "trailing_epoch": 0.25, "pghp": 0.15}
TAG_SOURCES = np.array([b"RX-AIS01", b"RX-AIS02", b"SAT-EE3", b"DMA-NET"], "S8")
BATCH = 1 << 17  # messages per batch


@dataclass(frozen=True)
class Pool:
    """Decoded real messages, one frame per kind; positions sorted by (mmsi, line)."""

    frames: dict[str, pl.DataFrame]
    vessel_start: np.ndarray  # per source vessel: first row in frames["position"]
    vessel_count: np.ndarray  # per source vessel: number of position rows
    row_vessel: np.ndarray  # per position row: its source vessel
    sources: tuple[str, ...]


def recording_paths(directory: Path | None = None) -> list[Path]:
    """The recordings to build the pool from (shared permissive ones, else bundled samples)."""
    if directory is not None:
        return sorted(p for p in directory.iterdir() if p.is_file())
    shared = [SHARED_NMEA / name for name in PERMISSIVE if (SHARED_NMEA / name).is_file()]
    if shared:
        return shared
    return sorted(p for p in SAMPLES.glob("*.nmea"))


def load_pool(paths: list[Path] | None = None) -> Pool:
    """Decode the recordings into a :class:`Pool`."""
    paths = recording_paths() if paths is None else paths
    if not paths:
        raise SystemExit("no NMEA recordings found for the pool (shared data and samples absent)")
    parts: dict[str, list[pl.DataFrame]] = {k: [] for k in MIX}
    for p in paths:
        tables = darkfleet.read_nmea(p)
        pos = tables["positions"].filter(pl.col("msg_type").is_in([1, 2, 3, 18]))
        parts["position"].append(pos.drop("source_id", "timestamp"))
        st = tables["statics"]
        parts["static5"].append(st.filter(pl.col("msg_type") == 5).drop("source_id", "timestamp"))
        parts["static24"].append(st.filter(pl.col("msg_type") == 24).drop("source_id", "timestamp"))
        parts["base"].append(
            tables["base_stations"]
            .filter(pl.col("msg_type") == 4)
            .drop("source_id", "timestamp", "station_utc")
        )
        parts["aton"].append(tables["aids_to_navigation"].drop("source_id", "timestamp"))
        other = tables["other_messages"].filter(
            (pl.col("fragments") == 1) & (pl.col("payload").str.len_bytes() >= 7)
        )
        parts["other"].append(other.select("mmsi", "msg_type", "channel", "payload", "fill_bits"))
    frames = {k: pl.concat(v, how="vertical_relaxed") for k, v in parts.items()}
    for k, f in frames.items():
        if f.height == 0:
            raise SystemExit(f"the recordings hold no {k!r} messages; cannot build the pool")
    pos = frames["position"].sort("mmsi", "line", maintain_order=True)
    frames["position"] = pos
    mmsi = pos["mmsi"].to_numpy()
    change = np.flatnonzero(np.r_[True, mmsi[1:] != mmsi[:-1]])
    count = np.diff(np.r_[change, mmsi.size])
    row_vessel = np.repeat(np.arange(change.size), count)
    return Pool(frames, change, count, row_vessel, tuple(str(p) for p in paths))


def _clone_mmsi(mmsi: np.ndarray, clone: np.ndarray, keep_digits: int) -> np.ndarray:
    """A clone's MMSI: the leading digits (MID) kept, the last ``keep_digits`` shuffled."""
    mod = 10**keep_digits
    new = (mmsi // mod) * mod + (mmsi % mod + clone * 104_729) % mod
    return np.where(clone == 0, mmsi, new)


def _clone_offset(clone: np.ndarray, salt: float) -> np.ndarray:
    """A clone's fixed offset in degrees, in [-0.1, 0.1) (clone 0 stays put)."""
    return np.where(clone == 0, 0.0, ((clone * salt) % 1.0 - 0.5) * 0.2)


def _shift(col: str, off: np.ndarray, noise: np.ndarray, bound: float) -> pl.Expr:
    return (pl.col(col) + pl.Series(off + noise)).clip(-bound, bound)


def _positions(
    pool: Pool, t: np.ndarray, rng: np.random.Generator, clones: int, period: float
) -> pl.DataFrame:
    n = t.size
    v = pool.row_vessel[rng.integers(0, pool.row_vessel.size, n)]
    c = rng.integers(0, clones, n)
    step = np.floor(t / period).astype(np.int64) + c * 7919
    rows = pool.vessel_start[v] + step % pool.vessel_count[v]
    f = pool.frames["position"][rows]
    noise = rng.normal(0.0, 2e-5, (2, n))
    sec = (np.floor(t).astype(np.int64) % 60).astype(np.int8)
    return f.with_columns(
        pl.Series("mmsi", _clone_mmsi(f["mmsi"].to_numpy(), c, 6)),
        _shift("lon", _clone_offset(c, 0.6180339887), noise[0], 180.0),
        _shift("lat", _clone_offset(c, 0.7548776662), noise[1], 90.0),
        pl.when(pl.col("utc_second") < 60)
        .then(pl.Series(sec))
        .otherwise(pl.col("utc_second"))
        .alias("utc_second"),
    )


def _sampled(
    pool: Pool, kind: str, t: np.ndarray, rng: np.random.Generator, clones: int
) -> pl.DataFrame:
    frame = pool.frames[kind]
    n = t.size
    f = frame[rng.integers(0, frame.height, n)]
    if kind in ("base", "aton"):  # a few receivers/aids per real one
        c = rng.integers(0, max(1, clones // 8), n)
        f = f.with_columns(pl.Series("mmsi", _clone_mmsi(f["mmsi"].to_numpy(), c, 4)))
    else:
        c = rng.integers(0, clones, n)
        f = f.with_columns(pl.Series("mmsi", _clone_mmsi(f["mmsi"].to_numpy(), c, 6)))
    if kind == "base":
        ts = pl.Series(np.floor(t * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC"))
        f = f.with_columns(
            ts.dt.year().alias("year"),
            ts.dt.month().alias("month"),
            ts.dt.day().alias("day"),
            ts.dt.hour().alias("hour"),
            ts.dt.minute().alias("minute"),
            ts.dt.second().alias("second"),
        )
    if kind == "aton":
        sec = (np.floor(t).astype(np.int64) % 60).astype(np.int8)
        f = f.with_columns(
            pl.when(pl.col("utc_second") < 60)
            .then(pl.Series(sec))
            .otherwise(pl.col("utc_second"))
            .alias("utc_second")
        )
    return f


_ARMOUR = np.array([c + 48 if c < 40 else c + 56 for c in range(64)], np.uint8)
_UNARMOUR = np.full(256, 255, np.uint8)
_UNARMOUR[_ARMOUR] = np.arange(64, dtype=np.uint8)


def _patch_mmsi(payloads: np.ndarray, mmsi: np.ndarray) -> np.ndarray:
    """Write ``mmsi`` into bits 8-37 of raw armoured payloads (characters 1-6)."""
    n = payloads.size
    w = payloads.dtype.itemsize
    mat = np.ascontiguousarray(payloads).view(np.uint8).reshape(n, w).copy()
    six = _UNARMOUR[mat[:, :7]].astype(np.int64)
    word = np.zeros(n, np.int64)
    for k in range(7):
        word = (word << 6) | six[:, k]  # 42 bits, message bits 0-41
    word = (word & ~(((1 << 30) - 1) << 4)) | ((mmsi & ((1 << 30) - 1)) << 4)
    for k in range(6, -1, -1):
        mat[:, k] = _ARMOUR[word & 63]
        word >>= 6
    return mat.view(f"S{w}").reshape(n)


def _batch(
    pool: Pool,
    b: int,
    *,
    seed: int,
    start_s: float,
    rate: float,
    clones: int,
    period: float,
    framing: str,
) -> tuple[bytes, np.ndarray]:
    """Batch ``b``: its text and the byte offset just past each of its messages."""
    rng = np.random.default_rng([seed, b])
    g = b * BATCH + np.arange(BATCH)
    t = start_s + (g + rng.random(BATCH)) / rate
    kinds = list(MIX)
    kind = rng.choice(len(kinds), BATCH, p=np.array(list(MIX.values())) / sum(MIX.values()))
    pay_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    chan = np.empty(BATCH, "S1")
    for k, name in enumerate(kinds):
        rows = np.flatnonzero(kind == k)
        if not rows.size:
            continue
        if name == "position":
            f = _positions(pool, t[rows], rng, clones, period)
        else:
            f = _sampled(pool, name, t[rows], rng, clones)
        if name == "other":
            raw = f["payload"].to_numpy().astype("S")
            p = _patch_mmsi(raw, f["mmsi"].to_numpy())
            fill = f["fill_bits"].to_numpy().astype(np.uint8)
        else:
            p, fill = encode_payloads(f)
        chan[rows] = f["channel"].fill_null("A").to_numpy().astype("S1")
        pay_parts.append((rows, p, fill))
    width = max(p.dtype.itemsize for _, p, _ in pay_parts)
    payloads = np.zeros(BATCH, f"S{width}")
    fill_bits = np.zeros(BATCH, np.uint8)
    for rows, p, fb in pay_parts:
        payloads[rows] = p
        fill_bits[rows] = fb
    if framing == "mixed":
        names = list(MIXED_FRAMING)
        codes = rng.choice(len(names), BATCH, p=list(MIXED_FRAMING.values()))
        frame_codes: str | np.ndarray = np.array([FRAMINGS.index(x) for x in names])[codes]
    else:
        frame_codes = framing
    text = to_sentences(
        payloads,
        fill_bits,
        channel=chan,
        timestamps_s=t,
        tag_source=TAG_SOURCES[rng.integers(0, TAG_SOURCES.size, BATCH)],
        framing=frame_codes,
    )
    # message boundaries: every message ends a line; count lines per message
    plen = np.char.str_len(payloads)
    lines = np.maximum(1, -(-plen // 60))
    codes_arr = (
        np.full(BATCH, FRAMINGS.index(framing), np.int64)
        if isinstance(frame_codes, str)
        else frame_codes
    )
    lines = lines + (codes_arr == FRAMINGS.index("pghp"))
    nl = np.flatnonzero(np.frombuffer(text, np.uint8) == 10)
    ends = nl[np.cumsum(lines) - 1] + 1
    return text, ends


def generate(
    *,
    lines: int | None = None,
    nbytes: int | None = None,
    framing: str = "tag_block",
    seed: int = 0,
    start: datetime = datetime(2024, 10, 1, tzinfo=UTC),
    rate: float = 500.0,
    clones: int = 24,
    period: float = 10.0,
    pool: Pool | None = None,
) -> Iterator[bytes]:
    """Yield NMEA text batch by batch until ``lines`` lines or ``nbytes`` bytes are reached.

    The last batch is cut at the first message boundary at or past the target.
    """
    if (lines is None) == (nbytes is None):
        raise ValueError("give exactly one of lines= or nbytes=")
    if framing not in (*FRAMINGS, "mixed"):
        raise ValueError(f"framing {framing!r} is not one of {FRAMINGS} or 'mixed'")
    pool = load_pool() if pool is None else pool
    done_lines = 0
    done_bytes = 0
    b = 0
    while True:
        text, ends = _batch(
            pool,
            b,
            seed=seed,
            start_s=start.timestamp(),
            rate=rate,
            clones=clones,
            period=period,
            framing=framing,
        )
        b += 1
        if lines is not None:
            arr = np.frombuffer(text, np.uint8)
            nl_cum = np.cumsum(arr == 10)
            need = lines - done_lines
            if nl_cum[-1] >= need:
                msg_lines = nl_cum[ends - 1]
                cut = int(ends[np.searchsorted(msg_lines, need)])
                yield text[:cut]
                return
            done_lines += int(nl_cum[-1])
            yield text
        else:
            assert nbytes is not None
            need = nbytes - done_bytes
            if len(text) >= need:
                cut = int(ends[np.searchsorted(ends, need)])
                yield text[:cut]
                return
            done_bytes += len(text)
            yield text


def generate_bytes(**kwargs: object) -> bytes:
    """All of :func:`generate`'s output as one bytes object (for in-memory benchmarks)."""
    return b"".join(generate(**kwargs))  # type: ignore[arg-type]


def write(out: BinaryIO, chunks: Iterator[bytes]) -> tuple[int, int]:
    """Write chunks to ``out``; returns (bytes, lines)."""
    total = lines = 0
    for chunk in chunks:
        out.write(chunk)
        total += len(chunk)
        lines += chunk.count(b"\n")
    return total, lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="examples:\n  python benchmarks/gen_nmea.py --lines 1000000 --out /tmp/a.nmea\n"
        "  python benchmarks/gen_nmea.py --gigabytes 5 --framing mixed --out /tmp/b.nmea",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--lines", type=int, help="stop at this many lines (at least)")
    size.add_argument("--gigabytes", type=float, help="stop at this many GB (10^9 bytes)")
    ap.add_argument("--framing", default="tag_block", choices=[*FRAMINGS, "mixed"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="-", help="output file, or - for stdout (default)")
    ap.add_argument("--start", default="2024-10-01T00:00:00+00:00", help="first time, ISO")
    ap.add_argument("--rate", type=float, default=500.0, help="messages per second")
    ap.add_argument("--clones", type=int, default=24, help="clones per real vessel")
    ap.add_argument("--period", type=float, default=10.0, help="seconds per track step")
    ap.add_argument("--recordings", type=Path, help="folder of NMEA files for the pool")
    args = ap.parse_args(argv)
    start = datetime.fromisoformat(args.start)
    if start.tzinfo is None:
        ap.error("--start needs a time zone, e.g. 2024-10-01T00:00:00+00:00")
    pool = load_pool(recording_paths(args.recordings))
    chunks = generate(
        lines=args.lines,
        nbytes=None if args.gigabytes is None else int(args.gigabytes * 1e9),
        framing=args.framing,
        seed=args.seed,
        start=start,
        rate=args.rate,
        clones=args.clones,
        period=args.period,
        pool=pool,
    )
    if args.out == "-":
        nbytes, nlines = write(sys.stdout.buffer, chunks)
    else:
        with open(args.out, "wb") as fh:
            nbytes, nlines = write(fh, chunks)
    print(f"wrote {nlines:,} lines, {nbytes:,} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
