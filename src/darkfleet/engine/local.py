"""The local engine: run every event kernel over a store, on this machine, and store the events.

:func:`analyze_frames` is the pipeline over in-memory frames (no I/O but the ports file):

1. the track frame (:func:`darkfleet.tracks.prepare_tracks`): positions with time and place,
   de-duplicated, sorted by vessel and time;
2. segments (one MMSI split into plausible tracks) → ``segments``;
3. gaps on each segment → ``gaps``;
4. port visits (ports from the packaged World Port Index or the configured file) →
   ``port_visits``; then ``voyages`` and ``round_trips``; ``draught_changes`` from the statics
   around each visit;
5. ``dark_port_calls`` for each closed gap; ``loitering``; ``encounters`` (space-time buckets);
6. ``port_activity`` per port per day and its ``surges``.

:func:`analyze` reads a store's positions and statics, runs the pipeline and replaces the
store's event set (:mod:`darkfleet.store.events`) with the result and a manifest of the
parameters used. Per-vessel kernels run over the whole frame in one numba call each (the
frame is sorted by vessel), so the same kernels can run per partition elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import ConfigError
from ..store import Store, TimeBound, open_store
from ..store.query import ints, utc
from ..tracks.prepare import prepare_tracks
from .config import AnalysisConfig

__all__ = ["EVENT_TABLES", "AnalysisResult", "analyze", "analyze_frames", "resolve_ports"]

#: The tables one analysis produces, in pipeline order.
EVENT_TABLES: tuple[str, ...] = (
    "segments",
    "gaps",
    "port_visits",
    "voyages",
    "round_trips",
    "draught_changes",
    "dark_port_calls",
    "loitering",
    "encounters",
    "port_activity",
    "surges",
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AnalysisResult:
    """What :func:`analyze` computed. ``timings_s`` (wall clock) is returned, never stored."""

    tables: dict[str, pl.DataFrame]
    config: AnalysisConfig
    positions: int
    vessels: int
    store: Path | None = None
    timings_s: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {name: frame.height for name, frame in self.tables.items()}


def resolve_ports(config: AnalysisConfig) -> Any:
    """The :class:`darkfleet.ports.PortIndex` the configuration names (packaged list if none)."""
    from ..ports import PortIndex, load_ports

    path = config.analysis.ports or None
    return PortIndex(load_ports(path))


def _analysis_end(config: AnalysisConfig, tracks: pl.DataFrame) -> datetime | None:
    if config.analysis.analysis_end:
        return utc(config.analysis.analysis_end, "analysis.analysis_end")
    if tracks.height == 0:
        return None
    last = tracks.get_column("timestamp").max()
    assert last is None or isinstance(last, datetime)
    return last


def _interest(config: AnalysisConfig) -> Sequence[str] | None:
    return tuple(config.analysis.ports_of_interest) or None


def analyze_frames(
    positions: pl.DataFrame | pl.LazyFrame,
    statics: pl.DataFrame | pl.LazyFrame | None = None,
    *,
    config: AnalysisConfig | None = None,
    ports: Any = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, pl.DataFrame]:
    """Run the whole event pipeline on canonical ``positions`` (and ``statics``).

    ``ports`` is a :class:`darkfleet.ports.PortIndex`; ``None`` loads the configured one.
    Returns ``{table: frame}`` for every name of :data:`EVENT_TABLES`.
    """
    from ..fleet.activity import detect_surges, port_activity
    from ..fleet.encounters import detect_encounters
    from ..tracks.dark_calls import detect_dark_port_calls
    from ..tracks.draught import detect_draught_changes
    from ..tracks.gaps import detect_gaps
    from ..tracks.loitering import detect_loitering
    from ..tracks.segments import segment_tracks, segments_table
    from ..tracks.visits import detect_port_visits
    from ..tracks.voyages import detect_round_trips, detect_voyages

    cfg = config or AnalysisConfig()
    clock = timings if timings is not None else {}
    say = progress or (lambda _step: None)

    def step(name: str, fn: Callable[[], Any]) -> Any:
        say(name)
        t0 = time.perf_counter()
        out = fn()
        clock[name] = clock.get(name, 0.0) + time.perf_counter() - t0
        return out

    tracks = step("tracks", lambda: prepare_tracks(positions))
    end = _analysis_end(cfg, tracks)
    first = tracks.get_column("timestamp").min() if tracks.height else None
    index = ports if ports is not None else step("ports", lambda: resolve_ports(cfg))
    seg = step("segments", lambda: segment_tracks(tracks, params=cfg.segments))
    out: dict[str, pl.DataFrame] = {}
    out["segments"] = step("segments", lambda: segments_table(seg))
    out["gaps"] = step("gaps", lambda: detect_gaps(seg, params=cfg.gaps, analysis_end=end))
    out["port_visits"] = step(
        "port_visits",
        lambda: detect_port_visits(
            seg, index, params=cfg.visits, gaps=out["gaps"], analysis_end=end
        ),
    )
    out["voyages"] = step(
        "voyages",
        lambda: detect_voyages(out["port_visits"], gaps=out["gaps"], params=cfg.voyages),
    )
    out["round_trips"] = step(
        "round_trips", lambda: detect_round_trips(out["voyages"], params=cfg.voyages)
    )
    st = statics.lazy().collect() if isinstance(statics, pl.LazyFrame) else statics
    out["draught_changes"] = step(
        "draught_changes",
        lambda: detect_draught_changes(st, out["port_visits"], params=cfg.draught),
    )
    out["dark_port_calls"] = step(
        "dark_port_calls",
        lambda: detect_dark_port_calls(
            out["gaps"], index, params=cfg.dark_calls, ports_of_interest=_interest(cfg)
        ),
    )
    out["loitering"] = step(
        "loitering", lambda: detect_loitering(seg, params=cfg.loitering, ports=index)
    )
    out["encounters"] = step(
        "encounters", lambda: detect_encounters(seg, params=cfg.encounters, ports=index)
    )
    out["port_activity"] = step(
        "port_activity",
        lambda: port_activity(
            out["port_visits"],
            start=first,
            end=end,
            params=cfg.activity,
        ),
    )
    out["surges"] = step(
        "surges",
        lambda: detect_surges(out["port_activity"], params=cfg.activity, ports=index.ports),
    )
    return out


def analyze(
    store: Store | str | Path,
    *,
    config: AnalysisConfig | None = None,
    start: TimeBound = None,
    end: TimeBound = None,
    mmsi: int | Sequence[int] | None = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Compute every event type from ``store`` and store them (replacing the previous set).

    ``start``/``end``/``mmsi`` restrict the positions analysed (and are recorded in the
    manifest). Raises :class:`~darkfleet.errors.ConfigError` for bad parameters and
    :class:`~darkfleet.errors.StoreError` when the store cannot be read or written.
    """
    st = store if isinstance(store, Store) else open_store(store, create=False)
    if st.read_only:
        raise ConfigError(f"{st.root} was opened read-only; analyze needs to write events.")
    cfg = config or AnalysisConfig()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    positions = st.scan_positions(mmsi=mmsi, start=start, end=end)
    statics = st.scan_statics(mmsi=mmsi, start=start, end=end)
    tables = analyze_frames(positions, statics, config=cfg, progress=progress, timings=timings)
    seg = tables["segments"]
    n_positions = int(seg.get_column("n_positions").sum()) if seg.height else 0
    n_vessels = int(seg.get_column("mmsi").n_unique()) if seg.height else 0
    from .. import __version__

    manifest = {
        "darkfleet_version": __version__,
        "parameters": cfg.to_dict(),
        "filters": {
            "start": None if start is None else str(utc(start, "start")),
            "end": None if end is None else str(utc(end, "end")),
            "mmsi": ints(mmsi, "mmsi"),
        },
        "sources": sorted(st.sources().get_column("source_id").to_list()),
        "positions_in_segments": n_positions,
        "vessels": n_vessels,
    }
    say = progress or (lambda _step: None)
    say("writing events")
    t1 = time.perf_counter()
    st.write_events(tables, manifest)
    timings["write"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    return AnalysisResult(
        tables=tables,
        config=cfg,
        positions=n_positions,
        vessels=n_vessels,
        store=st.root,
        timings_s=timings,
    )
