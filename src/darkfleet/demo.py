"""``darkfleet demo``: the main job on data the package ships, nothing downloaded.

Today it ingests the bundled sample recordings (see ``data/samples/NOTICE``) into a fresh
store and summarises it; later stages (analytics, screening, report) join as they land.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .ingest import IngestReport, ingest
from .store import open_store

__all__ = ["DemoResult", "run_demo", "sample_files"]


@dataclass(frozen=True)
class DemoResult:
    store: Path
    ingest: IngestReport
    summary: dict[str, Any]


def sample_files() -> list[Path]:
    """The bundled sample inputs, sorted by name."""
    root = resources.files("darkfleet") / "data" / "samples"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith((".nmea", ".csv", ".gz")))


def run_demo(out: str | Path) -> DemoResult:
    """Ingest the samples into ``out/store`` (replacing an earlier demo store) and summarise."""
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
    return DemoResult(store_dir, report, summary)
