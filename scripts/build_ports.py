"""Rebuild the packaged port list (src/darkfleet/data/ports/wpi_ports.csv) from the NGA CSV.

Usage::

    python scripts/build_ports.py [../shared/data/ports/nga_wpi_UpdatedPub150.csv]

Reads NGA World Port Index Pub. 150 (US Government work, public domain) with
:func:`darkfleet.ports.read_nga_wpi` and writes the columns the packaged list keeps
(port_id, name, alt_names, country, locode, lon, lat, source), sorted by WPI number.
Coordinates are rounded to 6 decimals (0.1 m). The extras file (extra_ports.csv) is
hand-written and not touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from darkfleet.ports import read_nga_wpi

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "ports" / "nga_wpi_UpdatedPub150.csv"
TARGET = ROOT / "src" / "darkfleet" / "data" / "ports" / "wpi_ports.csv"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    ports = read_nga_wpi(source)
    out = (
        ports.select(
            "port_id",
            "name",
            "alt_names",
            "country",
            "locode",
            pl.col("lon").round(6),
            pl.col("lat").round(6),
            "source",
        )
        .with_columns(pl.col("port_id").str.strip_prefix("WPI-").cast(pl.Float64).alias("_n"))
        .sort("_n")
        .drop("_n")
    )
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(TARGET)
    print(f"{TARGET}: {out.height} ports from {source} ({TARGET.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
