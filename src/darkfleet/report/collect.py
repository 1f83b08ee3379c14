"""Everything the report shows, read from a store through its public API (no HTML here).

:func:`collect` reads the store once: summary, sources and their accounting, identities, the
event tables of the last ``analyze`` and its manifest, the saved sanctions matches, identity
flags (:func:`darkfleet.screening.identity_history`, unless given), the satellite tables of
the last ``darkfleet match`` when there are any, and the findings (given, or built by
:func:`darkfleet.findings.build_findings`). Missing pieces are recorded in ``notes`` and
rendered as empty states, never raised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..accounting import Accounting
from ..errors import DarkfleetError, StoreError
from ..findings import FINDINGS, build_findings
from ..satellite.store import read_satellite, satellite_tables

__all__ = ["FINDINGS_SCHEMA", "ReportData", "collect", "empty_findings"]

#: The findings table the report renders (:data:`darkfleet.findings.FINDINGS`).
FINDINGS_SCHEMA = FINDINGS

_SATELLITE_TABLES = ("scenes", "detections", "matches", "dark", "missed", "port_scenes")


def empty_findings() -> pl.DataFrame:
    """A findings frame with no rows (the schema the report expects)."""
    return pl.DataFrame(schema=FINDINGS_SCHEMA)


@dataclass
class ReportData:
    """What :func:`collect` read. Frames are empty (not None) when the store has none."""

    root: Path
    summary: dict[str, Any]
    sources: pl.DataFrame
    accounting: list[Accounting]
    identities: pl.DataFrame
    names: dict[int, str]
    events: dict[str, pl.DataFrame]
    manifest: dict[str, Any]
    matches: pl.DataFrame
    flags: pl.DataFrame
    positions: pl.DataFrame
    satellite: dict[str, pl.DataFrame]
    findings: pl.DataFrame
    findings_source: str
    notes: list[str] = field(default_factory=list)

    def event(self, name: str) -> pl.DataFrame:
        """An event table, or an empty frame when it was not computed."""
        return self.events.get(name, pl.DataFrame())


def _names(identities: pl.DataFrame) -> dict[int, str]:
    """Latest non-empty ship name per MMSI (ties: most messages, then name)."""
    if identities.height == 0:
        return {}
    best = (
        identities.filter(pl.col("shipname").is_not_null() & (pl.col("shipname") != ""))
        .sort(["mmsi", "last_seen", "messages", "shipname"], descending=[False, True, True, False])
        .unique("mmsi", keep="first", maintain_order=True)
    )
    return dict(zip(best["mmsi"].to_list(), best["shipname"].to_list(), strict=True))


def _satellite(root: Path, notes: list[str]) -> dict[str, pl.DataFrame]:
    try:
        names = set(satellite_tables(root))
        return {n: read_satellite(root, n) for n in _SATELLITE_TABLES if n in names}
    except DarkfleetError as err:
        notes.append(f"satellite tables could not be read: {err}")
        return {}


def _conform_findings(frame: pl.DataFrame) -> pl.DataFrame:
    cols = []
    for name, dtype in FINDINGS_SCHEMA.items():
        if name in frame.columns:
            cols.append(pl.col(name).cast(dtype, strict=False))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(cols).sort(["rank", "finding_id"], nulls_last=True, maintain_order=True)


def _findings(
    store: Any,
    given: pl.DataFrame | None,
    notes: list[str],
    **known: Any,
) -> tuple[pl.DataFrame, str]:
    """The given findings, or those of :func:`darkfleet.findings.build_findings` (fed the
    matches, flags and satellite tables already read: ``known``)."""
    if given is not None:
        return _conform_findings(given), "given"
    try:
        built = build_findings(store, **known)
        return _conform_findings(built), "darkfleet.findings.build_findings"
    except DarkfleetError as err:
        notes.append(f"findings could not be built: {err}")
        return empty_findings(), "failed"


def collect(
    store: Any,
    *,
    findings: pl.DataFrame | None = None,
    identity_flags: pl.DataFrame | None = None,
) -> ReportData:
    """Read what the report needs from ``store`` (a :class:`darkfleet.store.Store`);
    ``identity_flags`` already computed by the caller are used as they are."""
    from ..screening import identity_history, load_matches

    notes: list[str] = []
    root = Path(store.root)
    summary = store.summary()
    sources = store.sources()
    accounting = [Accounting.from_dict(json.loads(t)) for t in sources["accounting"].to_list()]
    identities = store.identities()
    events: dict[str, pl.DataFrame] = {}
    manifest: dict[str, Any] = {}
    try:
        types = store.event_types()
    except StoreError:
        types = []
        notes.append("events: the store has not been analysed (run `darkfleet analyze STORE`).")
    for name in types:
        events[name] = store.events(name)
    if types:
        manifest = store.events_manifest()
    matches = load_matches(root)
    positions = store.scan_positions().select("mmsi", "timestamp", "lon", "lat").collect()
    statics = store.statics()
    flags = identity_flags
    if flags is None and statics.height:
        flags = identity_history(statics, store.positions()).flags
    if flags is None:
        from ..screening import IDENTITY_FLAGS

        flags = pl.DataFrame(schema=IDENTITY_FLAGS)
    if not (root / "findings" / "sanctions_matches.parquet").is_file():
        notes.append(
            "sanctions: the store has not been screened (run `darkfleet screen STORE --lists …`)."
        )
    satellite = _satellite(root, notes)
    found, how = _findings(
        store, findings, notes, matches=matches, identity_flags=flags, satellite=satellite
    )
    return ReportData(
        root=root,
        summary=summary,
        sources=sources,
        accounting=accounting,
        identities=identities,
        names=_names(identities),
        events=events,
        manifest=manifest,
        matches=matches,
        flags=flags,
        positions=positions,
        satellite=satellite,
        findings=found,
        findings_source=how,
        notes=notes,
    )
