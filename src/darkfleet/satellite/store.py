"""Satellite tables in a store: ``<store>/satellite/<name>.parquet`` plus ``manifest.json``.

``darkfleet match`` writes one set: ``scenes``, ``detections``, ``matches``, ``dark``,
``missed``, ``expected`` and ``port_scenes`` (whatever ``tables`` holds). As with the event set
(:mod:`darkfleet.store.events`), the whole ``satellite/`` folder is replaced at once: written
to ``satellite.new/``, swapped by two renames under the writer lock, so readers see the
previous set or the new one, never a mix. ``manifest.json`` records the parameters and inputs
and the row count of each table; it holds no wall-clock time (same inputs → same bytes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ..errors import ConfigError, StoreError
from ..store.events import recover_table_set, write_table_set
from .schema import DetectionSet

if TYPE_CHECKING:
    from .match import MatchConfig, MatchResult

__all__ = [
    "SATELLITE_DIR",
    "StoreMatch",
    "match_store",
    "read_satellite",
    "satellite_manifest",
    "satellite_tables",
    "write_satellite",
]

SATELLITE_DIR = "satellite"
_MANIFEST = "manifest.json"


def _root(store: Any) -> Path:
    """A store directory from a path or a :class:`~darkfleet.store.Store`."""
    if isinstance(store, str | os.PathLike):
        return Path(store)
    return Path(store.root)


def write_satellite(
    store_root: Any, tables: Mapping[str, pl.DataFrame], manifest: Mapping[str, Any]
) -> Path:
    """Replace the store's satellite set with ``tables`` (name → frame) and ``manifest``."""
    root = _root(store_root)
    if not root.is_dir():
        raise StoreError(f"{root} is not a store directory; run `darkfleet ingest` first.")
    for name in tables:
        if not name.isidentifier():
            raise ConfigError(f"satellite table name {name!r}: use letters, digits and _.")
    return write_table_set(root, SATELLITE_DIR, tables, manifest)


def satellite_manifest(store_root: Any) -> dict[str, Any]:
    """The manifest of the satellite set; ``{}`` when the store has none."""
    root = _root(store_root)
    recover_table_set(root, SATELLITE_DIR)
    path = root / SATELLITE_DIR / _MANIFEST
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def satellite_tables(store_root: Any) -> list[str]:
    """Names of the satellite tables in the store, sorted; empty when none were written."""
    return sorted(satellite_manifest(store_root).get("tables", {}))


def read_satellite(store_root: Any, name: str) -> pl.DataFrame:
    """One satellite table (``matches``, ``dark`` ...); raises :class:`StoreError` when the
    store has no satellite set and :class:`ConfigError` for an unknown name."""
    root = _root(store_root)
    known = satellite_tables(root)
    if not known:
        raise StoreError(
            f"{root} has no satellite tables yet. Run `darkfleet match {root} --detections FILE`."
        )
    if name not in known:
        raise ConfigError(
            f"no satellite table {name!r} in {root}; the tables are: {', '.join(known)}."
        )
    return pl.read_parquet(root / SATELLITE_DIR / f"{name}.parquet")


@dataclass(frozen=True)
class StoreMatch:
    """What :func:`match_store` did: the detections read, the matching, the port table and
    where the satellite set was written."""

    detections: DetectionSet
    result: MatchResult
    port_scenes: pl.DataFrame
    path: Path


def match_store(
    store: Any,
    detections: Sequence[str | Path] | DetectionSet,
    *,
    config: MatchConfig | None = None,
    ports: Any = None,
    port_radius_m: float = 3000.0,
) -> StoreMatch:
    """Read ``detections`` (files for :func:`~darkfleet.satellite.read_detections`, or a
    :class:`DetectionSet`), match them against the store's positions and identities
    (:func:`~darkfleet.satellite.match.match_detections`), count ships per port and scene
    (:func:`~darkfleet.satellite.inport.ships_in_port`; ``ports``: a PortIndex, a ports frame
    or a ports file, default the packaged list) and write the satellite set
    (:func:`write_satellite`): scenes, detections, detection_rejects, matches, dark, missed,
    expected, port_scenes. What ``darkfleet match`` runs."""
    from .. import __version__
    from ..ports import PortIndex, load_ports
    from ..store import open_store
    from .inport import ships_in_port
    from .match import MatchConfig, match_detections
    from .readers import read_detections

    cfg = config or MatchConfig()
    st = store if hasattr(store, "positions") else open_store(store, create=False)
    if isinstance(detections, DetectionSet):
        dset = detections
    else:
        if not detections:
            raise ConfigError("give at least one detections file (--detections FILE).")
        dset = DetectionSet.concat([read_detections(p) for p in detections])
    det, scenes = dset.detections, dset.scenes
    if det.height:
        pad = timedelta(hours=cfg.window_h)
        lo: datetime = det["start_time"].min()  # type: ignore[assignment]
        hi: datetime = det["end_time"].max() or lo  # type: ignore[assignment]
        positions = st.positions(start=lo - pad, end=hi + pad)
    else:
        positions = st.positions(start="1970-01-01T00:00:00Z", end="1970-01-01T00:00:01Z")
    result = match_detections(det, scenes, positions, st.identities(), config=cfg)
    if ports is None or isinstance(ports, PortIndex | pl.DataFrame):
        port_arg = ports
    else:
        port_arg = load_ports(ports)
    port_scenes = ships_in_port(det, scenes, result, port_arg, radius_m=port_radius_m)
    tables = {
        "scenes": scenes,
        "detections": det,
        "detection_rejects": dset.rejects,
        "matches": result.matches,
        "dark": result.dark,
        "missed": result.missed,
        "expected": result.expected,
        "port_scenes": port_scenes,
    }
    manifest = {
        "darkfleet_version": __version__,
        "parameters": {"match": result.parameters(), "port_radius_m": port_radius_m},
        "detection_sources": sorted(set(det["source_id"].drop_nulls().to_list())),
        "positions_read": positions.height,
        "ais_sources": sorted(set(positions["source_id"].drop_nulls().to_list())),
    }
    path = write_satellite(st.root, tables, manifest)
    return StoreMatch(dset, result, port_scenes, path)
