"""``darkfleet demo``: the main job on data the package ships, nothing downloaded.

It ingests the bundled sample recordings (see ``data/samples/NOTICE``) into a fresh store,
summarises it, screens every vessel identity in it against the bundled OFAC excerpt and
the Najin watchlist (``data/samples/lists/``) and raises the identity flags (renamed,
reflagged, MMSI shared, ...); the track analytics and the report join as they land.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from .errors import ConfigError
from .ingest import IngestReport, ingest
from .screening import ScreenResult, identity_history, screen_store
from .store import open_store

__all__ = ["DemoResult", "run_demo", "sample_files", "sample_lists"]


@dataclass(frozen=True)
class DemoResult:
    store: Path
    ingest: IngestReport
    summary: dict[str, Any]
    screening: ScreenResult
    identity_flags: pl.DataFrame


def sample_files() -> list[Path]:
    """The bundled sample inputs, sorted by name."""
    root = resources.files("darkfleet") / "data" / "samples"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith((".nmea", ".csv", ".gz")))


def sample_lists() -> tuple[list[Path], list[Path]]:
    """The bundled sanctions list excerpts and watchlists: (lists, watchlists)."""
    root = Path(str(resources.files("darkfleet") / "data" / "samples" / "lists"))
    return sorted(root.glob("*.csv")), sorted(root.glob("*.toml"))


def run_demo(out: str | Path) -> DemoResult:
    """Ingest the samples into ``out/store`` (replacing an earlier demo store), summarise it
    and screen it against the bundled lists."""
    out = Path(out)
    store_dir = out / "store"
    if store_dir.exists():
        if not (store_dir / "store.json").exists() and any(store_dir.iterdir()):
            raise ConfigError(
                f"{store_dir} exists and is not a darkfleet store; choose another --out."
            )
        shutil.rmtree(store_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = ingest(store_dir, sample_files())
    summary = open_store(store_dir, create=False, read_only=True).summary()
    lists, watchlists = sample_lists()
    screening = screen_store(store_dir, lists, watchlists=watchlists)
    store = open_store(store_dir, create=False, read_only=True)
    flags = identity_history(store.statics(), store.positions()).flags
    return DemoResult(store_dir, report, summary, screening, flags)
