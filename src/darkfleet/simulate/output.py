""":func:`run_scenario`: simulate and write the files (NMEA, canonical Parquet, truth, summary).

Layout of ``out_dir``::

    ais/terrestrial.nmea   reports heard by coast stations: NMEA 4 tag blocks
                           (``\\s:STATION,c:EPOCH*hh\\!AIVDM…``), sorted by time
    ais/satellite.nmea     reports heard by satellites: ``!AIVDM…*hh,EPOCH`` (trailing epoch,
                           exactEarth style), sorted by time
    positions.parquet      the same position reports as canonical POSITIONS rows (optional:
    statics.parquet        ``formats`` with "parquet"), for benchmarks that skip decoding
    truth/<table>.parquet  ground truth (:data:`~.truth.TRUTH_TABLES`), or .csv
    scenario.toml          the scenario that was run (``Scenario.from_toml`` reads it back)
    summary.json           counts, stations, outages, file sizes (sorted keys, no clock)

Everything is a function of the scenario: same scenario, byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..errors import ConfigError
from ..io.nmea.encode import write_nmea
from ..schema import POSITIONS, STATICS
from .core import Simulation, simulate
from .scenario import Scenario

__all__ = ["FORMATS", "SimulationResult", "run_scenario", "scenario_toml"]

#: Output formats :func:`run_scenario` can write.
FORMATS = ("nmea", "parquet")
_CHUNK = 1_000_000  # messages per write_nmea call (bounds the encoder's buffers)


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`run_scenario` wrote."""

    out_dir: Path
    #: Data files by name: ``terrestrial_nmea``, ``satellite_nmea``, ``positions``, ``statics``.
    files: dict[str, Path]
    #: Truth tables by name.
    truth: dict[str, Path]
    summary: dict[str, Any]
    #: The in-memory simulation (frames and truth), for callers that go on in Python.
    simulation: Simulation


def run_scenario(
    out_dir: str | Path,
    *,
    scenario: Scenario | str | Path | None = None,
    seed: int | None = None,
    n_decoys: int | None = None,
    report_interval_s: float | None = None,
    formats: Sequence[str] = ("nmea",),
    truth_format: str = "parquet",
    overwrite: bool = False,
) -> SimulationResult:
    """Simulate ``scenario`` (a :class:`Scenario`, a TOML path, or None for the Najin story)
    and write its files into ``out_dir``; ``seed``, ``n_decoys`` and ``report_interval_s``
    override the scenario's. ``overwrite`` replaces the files of an earlier run there."""
    sc = _resolve(scenario, seed=seed, n_decoys=n_decoys, report_interval_s=report_interval_s)
    bad = sorted(set(formats) - set(FORMATS))
    if bad or not formats:
        raise ConfigError(f"formats={list(formats)}: choose one or more of {', '.join(FORMATS)}.")
    if truth_format not in ("parquet", "csv"):
        raise ConfigError(f"truth_format={truth_format!r}: choose parquet or csv.")
    out = Path(out_dir)
    _prepare(out, overwrite)
    sim = simulate(sc)
    files: dict[str, Path] = {}
    if "nmea" in formats:
        files.update(write_ais_nmea(sim, out / "ais"))
    if "parquet" in formats:
        files.update(write_canonical_parquet(sim, out))
    truth_dir = out / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    truth: dict[str, Path] = {}
    for name, frame in sorted(sim.truth.items()):
        path = truth_dir / f"{name}.{truth_format}"
        if truth_format == "parquet":
            frame.write_parquet(path, statistics=False)
        else:
            _flat(frame).write_csv(path)
        truth[name] = path
    (out / "scenario.toml").write_text(scenario_toml(sc), encoding="utf-8")
    summary = dict(sim.summary)
    summary["files"] = {
        k: {"path": str(p.relative_to(out)), "bytes": p.stat().st_size}
        for k, p in sorted(files.items())
    }
    summary["truth_files"] = {k: str(p.relative_to(out)) for k, p in sorted(truth.items())}
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    return SimulationResult(out, files, truth, summary, sim)


def _resolve(
    scenario: Scenario | str | Path | None,
    *,
    seed: int | None,
    n_decoys: int | None,
    report_interval_s: float | None,
) -> Scenario:
    if scenario is None:
        sc = Scenario()
    elif isinstance(scenario, Scenario):
        sc = scenario
    else:
        sc = Scenario.from_toml(scenario)
    changes: dict[str, Any] = {}
    if seed is not None:
        changes["seed"] = seed
    if n_decoys is not None:
        changes["n_decoys"] = n_decoys
    if report_interval_s is not None:
        changes["report_interval_s"] = report_interval_s
        if sc.moored_interval_s < report_interval_s:
            changes["moored_interval_s"] = report_interval_s
    return sc.replace(**changes) if changes else sc


def _prepare(out: Path, overwrite: bool) -> None:
    ours = ("ais", "truth", "positions.parquet", "statics.parquet", "scenario.toml", "summary.json")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise ConfigError(
                f"{out} is not empty; choose an empty directory or pass overwrite=True "
                "(--overwrite) to replace an earlier simulation there."
            )
        if not (out / "summary.json").exists():
            raise ConfigError(f"{out} is not empty and holds no simulation; not overwriting it.")
        for name in ours:
            p = out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _windows(sim: Simulation) -> Iterator[pl.DataFrame]:
    """Positions and statics merged in time order, about ``_CHUNK`` positions at a time.

    Both frames are sorted by time; window k holds the rows with T_k <= timestamp < T_k+1
    where T_k is the time of position k x ``_CHUNK``. Within a window rows are sorted by
    (time, positions first, vessel, part). Memory stays bounded by one window.
    """
    pos, st = sim.positions, sim.statics
    cuts = [pos["timestamp"][k] for k in range(_CHUNK, pos.height, _CHUNK)]
    p_idx = [0, *(int(pos["timestamp"].search_sorted(c, "left")) for c in cuts), pos.height]
    s_idx = [0, *(int(st["timestamp"].search_sorted(c, "left")) for c in cuts), st.height]
    for k in range(len(p_idx) - 1):
        a = pos.slice(p_idx[k], p_idx[k + 1] - p_idx[k]).with_columns(
            kind=pl.lit(0, pl.Int8), part_number=pl.lit(None, pl.Int8)
        )
        b = st.slice(s_idx[k], s_idx[k + 1] - s_idx[k]).with_columns(kind=pl.lit(1, pl.Int8))
        yield pl.concat([a, b], how="diagonal_relaxed").sort(
            ["timestamp", "kind", "vessel_id", "part_number"], nulls_last=False, maintain_order=True
        )


def write_ais_nmea(sim: Simulation, folder: Path) -> dict[str, Path]:
    """Write the received messages as NMEA: one file per receiver kind (see module doc)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "terrestrial_nmea": folder / "terrestrial.nmea",
        "satellite_nmea": folder / "satellite.nmea",
    }
    for path in paths.values():
        path.write_bytes(b"")
    for window in _windows(sim):
        sat = window["receiver"] == "SAT"
        ter = window.filter(~sat)
        if ter.height:
            write_nmea(
                paths["terrestrial_nmea"],
                ter,
                framing="tag_block",
                tag_source=ter["receiver"].to_numpy().astype("S"),
                append=True,
            )
        sats = window.filter(sat)
        if sats.height:
            write_nmea(paths["satellite_nmea"], sats, framing="trailing_epoch", append=True)
    return paths


def _source_id(sim: Simulation, kind: str) -> str:
    text = json.dumps(sim.scenario.to_dict(), sort_keys=True) + kind
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_canonical_parquet(sim: Simulation, folder: Path) -> dict[str, Path]:
    """Positions and statics as canonical Parquet (``source_id`` = a hash of the scenario,
    ``line`` = row number), sorted by (mmsi, timestamp)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, frame, schema in (
        ("positions", sim.positions, POSITIONS),
        ("statics", sim.statics, STATICS),
    ):
        f = frame.sort(["mmsi", "timestamp"], maintain_order=True).with_columns(
            source_id=pl.lit(_source_id(sim, name)),
            line=pl.Series(np.arange(1, frame.height + 1, dtype=np.int64)),
        )
        path = folder / f"{name}.parquet"
        f.select([*schema, "receiver", "vessel_id"]).write_parquet(path, statistics=False)
        out[name] = path
    return out


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV cannot hold lists: join them with ``|``."""
    return frame.with_columns(
        [
            pl.col(c).cast(pl.List(pl.String)).list.join("|")
            for c, t in frame.schema.items()
            if isinstance(t, pl.List)
        ]
    )


def scenario_toml(sc: Scenario) -> str:
    """The scenario as TOML that :meth:`Scenario.from_toml` reads back."""
    lines = ["[scenario]"]
    for key, value in sc.to_dict().items():
        lines.append(f"{key} = {_toml_value(getattr(sc, key), value)}")
    return "\n".join(lines) + "\n"


def _toml_value(raw: Any, value: Any) -> str:
    if isinstance(raw, datetime):
        return raw.isoformat().replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v, v) for v in value) + "]"
    return repr(value)
