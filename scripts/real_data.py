"""Run the whole event pipeline on the real recordings in ../shared/data and sanity-check it.

Usage: python scripts/real_data.py [--shared ../shared/data] [--out real-data-output]

Each dataset becomes canonical positions (and statics where it has them) with provenance
(``source_id`` = the first 16 hex digits of the file's SHA-256, ``line`` = its line number),
then :func:`darkfleet.engine.analyze_frames` runs every kernel. NMEA recordings go through the
real path: ingest into a store, then each recording is analysed on its own. Prints, per dataset,
the event counts, the ports with most visits, and the checks (do visits land in real ports?).
Reads reference-only files in place; copies nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path

import polars as pl

from darkfleet.engine import analyze_frames
from darkfleet.engine.config import AnalysisConfig
from darkfleet.engine.local import resolve_ports
from darkfleet.ingest import ingest
from darkfleet.io.tables import read_table
from darkfleet.store import open_store

UTC = "UTC"


def _sid(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _lined(frame: pl.DataFrame, path: Path, *, header: bool = True) -> pl.DataFrame:
    first = 2 if header else 1
    return frame.with_columns(
        pl.lit(_sid(path)).alias("source_id"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + first).alias("line"),
    )


def brest(root: Path) -> tuple[pl.DataFrame, None]:
    p = root / "positions/wayeb_brest_227592820_resampled60s.csv"
    f = pl.read_csv(
        p,
        has_header=False,
        new_columns=["t", "mmsi", "lon", "lat", "sog_kn", "heading", "cog_deg", "flags"],
    )
    f = _lined(f, p, header=False).with_columns(
        pl.from_epoch("t", "s").dt.replace_time_zone(UTC).alias("timestamp")
    )
    return f, None


def evergiven(root: Path) -> tuple[pl.DataFrame, None]:
    p = root / "positions/movingpandas_examples_boat-positions_evergiven.csv"
    f = pl.read_csv(p, encoding="utf8-lossy")
    f = f.rename({f.columns[0]: "ID"})
    f = _lined(f, p).with_columns(
        (pl.col("ID") + 900_000_000).alias("mmsi"),  # anonymised ids → distinct fake MMSIs
        pl.col("ais_pos_timestamp")
        .str.strptime(pl.Datetime("us"), "%d/%m/%Y %H:%M")
        .dt.replace_time_zone(UTC)
        .alias("timestamp"),
        pl.col("longitude").alias("lon"),
        pl.col("latitude").alias("lat"),
    )
    return f, None


def gibraltar(root: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    p = next((root / "positions").glob("argenni_*Gibraltar*.csv"))
    f = pl.read_csv(p, separator=";", null_values=["NULL"], infer_schema_length=0)
    f = _lined(f, p).with_columns(
        pl.col("MMSI").cast(pl.Int64).alias("mmsi"),
        pl.col("TIMESTAMP_UTC")
        .str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S")
        .dt.replace_time_zone(UTC)
        .alias("timestamp"),
        pl.col("LON").cast(pl.Float64).alias("lon"),
        pl.col("LAT").cast(pl.Float64).alias("lat"),
        (pl.col("SPEED_KNOTSx10").cast(pl.Float64) / 10).alias("sog_kn"),
        pl.col("COURSE").cast(pl.Float64).alias("cog_deg"),
        (pl.col("DRAUGHT_METERSx10").cast(pl.Float64) / 10).alias("draught_m"),
    )
    statics = f.filter(pl.col("draught_m") > 0).select(
        "source_id", "line", "timestamp", "mmsi", "draught_m"
    )
    return f, statics


def baltic(root: Path) -> tuple[pl.DataFrame, None]:
    p = next((root / "positions").glob("argenni_*baltic*.csv"))
    f = pl.read_csv(p, separator=";", null_values=["NULL", ""], infer_schema_length=0)
    f = _lined(f, p).with_columns(
        pl.col("mmsi").cast(pl.Int64),
        pl.col("timestamp")
        .cast(pl.Float64)
        .cast(pl.Int64)
        .pipe(pl.from_epoch, "ms")
        .dt.replace_time_zone(UTC),
        pl.col("long").cast(pl.Float64).alias("lon"),
        pl.col("lat").cast(pl.Float64),
        pl.col("sog").cast(pl.Float64).alias("sog_kn"),
        pl.col("cog").cast(pl.Float64).alias("cog_deg"),
    )
    return f, None


def gpsdio_tests(root: Path) -> tuple[pl.DataFrame, None]:
    frames = []
    for p in sorted((root / "positions/gfw_gpsdio_segment_tests").glob("*.json")):
        rows = [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
        f = pl.DataFrame(rows, infer_schema_length=None)
        frames.append(
            _lined(f, p, header=False).select(
                pl.col("ssvid").cast(pl.Int64).alias("mmsi"),
                pl.col("timestamp").str.to_datetime(time_unit="us", time_zone=UTC),
                pl.col("lon").cast(pl.Float64),
                pl.col("lat").cast(pl.Float64),
                pl.col("speed").cast(pl.Float64).alias("sog_kn")
                if "speed" in f.columns
                else pl.lit(None, pl.Float64).alias("sog_kn"),
                "source_id",
                "line",
            )
        )
    return pl.concat(frames), None


def tables(root: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    pos, sta = [], []
    for name, fmt in (
        ("aisdb_noaa_marinecadastre_20230111_sample.csv", "noaa"),
        ("aisdb_spire_sat_20210701.csv", "spire"),
    ):
        t = read_table(root / "positions" / name, format=fmt)
        pos.append(t["positions"])
        sta.append(t["statics"])
    return pl.concat(pos, how="diagonal_relaxed"), pl.concat(sta, how="diagonal_relaxed")


DATASETS = {
    "brest (1 vessel, 6 months)": brest,
    "suez queue (Ever Given, 256 ships)": evergiven,
    "gibraltar strait": gibraltar,
    "baltic": baltic,
    "gfw gpsdio-segment tests": gpsdio_tests,
    "noaa + spire samples": tables,
}


def report(name: str, out: dict[str, pl.DataFrame], seconds: float) -> None:
    counts = {k: v.height for k, v in out.items()}
    print(f"\n== {name}: {seconds:.1f} s")
    print("   " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    v = out["port_visits"]
    if v.height:
        top = v.group_by("port_name", "port_country").len().sort("len", descending=True).head(5)
        print("   visits by port: " + "; ".join(f"{a} {b} ({n})" for a, b, n in top.iter_rows()))
    g = out["gaps"]
    if g.height:
        print(
            f"   gaps: {g.height:,} ({int(g['is_open'].sum())} open, "
            f"{int(g['likely_disabled'].sum())} likely disabled); median "
            f"{g['duration_h'].median() or 0:.1f} h"
        )
    for t in ("loitering", "encounters", "dark_port_calls", "round_trips", "surges"):
        f = out[t]
        if f.height:
            cols = [
                c
                for c in (
                    "mmsi",
                    "other_mmsi",
                    "port_name",
                    "start_time",
                    "duration_h",
                    "reasoning",
                )
                if c in f.columns
            ]
            print(f"   first {t}: {f.select(cols).row(0)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("real-data-output"))
    args = ap.parse_args()
    root: Path = args.shared
    cfg = AnalysisConfig()
    ports = resolve_ports(cfg)
    for name, load in DATASETS.items():
        positions, statics = load(root)
        t0 = time.perf_counter()
        out = analyze_frames(positions, statics, config=cfg, ports=ports)
        report(name, out, time.perf_counter() - t0)
    store = args.out / "nmea.store"
    if store.exists():
        shutil.rmtree(store)
    files = sorted(p for p in (root / "nmea").iterdir() if p.is_file())
    ingest(store, files)
    st = open_store(store, read_only=True)
    # each recording is analysed on its own: they span 2010-2021, and one window over all of
    # them would make every vessel's last position an open gap of years
    for row in st.sources().sort("path").iter_rows(named=True):
        sid = row["source_id"]
        pos = st.scan_positions().filter(pl.col("source_id") == sid)
        sta = st.scan_statics().filter(pl.col("source_id") == sid)
        if pos.select(pl.len()).collect().item() < 100:
            continue
        t0 = time.perf_counter()
        out = analyze_frames(pos, sta, config=cfg, ports=ports)
        report(f"nmea {Path(row['path']).name}", out, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
