"""Screening against a store: run, save and load matches; a vessel's dossier.

``<store>/findings/sanctions_matches.parquet`` holds the last screening's matches
(:data:`~darkfleet.screening.schema.MATCHES`), overwritten by each run, written atomically and
deterministically (same store and lists → same bytes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import InputError, StoreError
from ..io.sanctions import read_lists
from ..schema import conform
from .history import HistoryRules, IdentityHistory, identities_from_statics, identity_history
from .identifiers import imo_is_valid
from .match import MatchRules, screen
from .schema import IDENTITIES, MATCHES
from .watchlist import Watchlist, load_watchlist

__all__ = [
    "MATCHES_FILE",
    "Dossier",
    "ScreenResult",
    "dossier_from_frames",
    "list_summary",
    "load_matches",
    "parse_vessel_key",
    "save_matches",
    "screen_store",
    "vessel_dossier",
]

MATCHES_FILE = Path("findings") / "sanctions_matches.parquet"
_SORT = ["mmsi", "imo", "shipname", "callsign", "first_seen", "score", "list", "entry_id"]


def save_matches(store_dir: str | Path, frame: pl.DataFrame) -> Path:
    """Write ``frame`` (MATCHES) to ``<store_dir>/findings/sanctions_matches.parquet``.

    Overwrites atomically (temporary file then rename); rows are conformed and sorted first so
    the file is deterministic. Returns the path written.
    """
    root = Path(store_dir)
    if not root.is_dir():
        raise StoreError(f"{root}: not a directory; pass the store directory to save matches in.")
    path = root / MATCHES_FILE
    path.parent.mkdir(exist_ok=True)
    rows = conform(frame, MATCHES).sort(
        _SORT, descending=[False] * 5 + [True, False, False], nulls_last=True
    )
    tmp = path.with_suffix(".parquet.tmp")
    rows.write_parquet(tmp, compression="zstd", statistics=True)
    os.replace(tmp, path)
    return path


def load_matches(store_dir: str | Path, *, missing_ok: bool = True) -> pl.DataFrame:
    """The saved matches of a store (an empty MATCHES frame if none were saved and ``missing_ok``)."""
    path = Path(store_dir) / MATCHES_FILE
    if not path.is_file():
        if missing_ok:
            return pl.DataFrame(schema=MATCHES)
        raise StoreError(
            f"{path}: no saved matches; run `darkfleet screen {store_dir} --lists …` first."
        )
    return conform(pl.read_parquet(path), MATCHES)


def list_summary(entries: pl.DataFrame) -> pl.DataFrame:
    """Per list: ``entries``, ``vessels``, ``vessels_with_imo``, ``vessels_with_mmsi``, ``parties``."""
    vessel = pl.col("entry_type") == "vessel"
    return (
        entries.group_by("list")
        .agg(
            entries=pl.len(),
            vessels=vessel.sum(),
            vessels_with_imo=(vessel & (pl.col("imo").list.len() > 0)).sum(),
            vessels_with_mmsi=(vessel & (pl.col("mmsi").list.len() > 0)).sum(),
            parties=(~vessel).sum(),
        )
        .sort("list")
    )


@dataclass(frozen=True)
class ScreenResult:
    """What :func:`screen_store` did: the matches, per-list counts, the file written and the
    watchlists loaded (their ports of interest are for the port analytics and the report)."""

    matches: pl.DataFrame
    lists: pl.DataFrame
    identities: int
    path: Path
    watchlists: list[Watchlist] = field(default_factory=list)


def _open(store_dir: str | Path) -> Any:
    try:
        from ..store import open_store
    except ImportError as err:  # pragma: no cover - the store ships with darkfleet
        raise StoreError("darkfleet.store is not available in this installation.") from err
    return open_store(store_dir, create=False, read_only=True)


def _store_identities(store: Any, mmsi: Sequence[int] | None = None) -> pl.DataFrame:
    ids = store.identities(mmsi=list(mmsi)) if mmsi is not None else store.identities()
    return ids.rename({"first_source_id": "source_id", "first_line": "line"}, strict=False)


def screen_store(
    store_dir: str | Path,
    lists: Iterable[str | Path],
    *,
    watchlists: Iterable[str | Path] = (),
    min_score: float | None = None,
    rules: MatchRules | None = None,
) -> ScreenResult:
    """Screen every identity of a store against list files (and watchlists) and save the matches."""
    paths = list(lists)
    wls = [load_watchlist(w) for w in watchlists]
    if not paths and not wls:
        raise InputError("no lists to screen against: give at least one list or watchlist file.")
    entries = read_lists(paths) if paths else None
    frames = ([entries] if entries is not None else []) + [w.entries() for w in wls]
    all_entries = pl.concat(frames, how="vertical")
    store = _open(store_dir)
    ids = _store_identities(store)
    matches = screen(ids, all_entries, min_score=min_score, rules=rules)
    path = save_matches(store.root, matches)
    return ScreenResult(
        matches=matches,
        lists=list_summary(all_entries),
        identities=ids.height,
        path=path,
        watchlists=wls,
    )


def parse_vessel_key(key: int | str) -> tuple[str, int]:
    """``("imo", n)`` for a seven-digit number (``"IMO 9179842"`` too), ``("mmsi", n)`` for nine."""
    text = re.sub(r"^\s*(IMO|MMSI)[\s:]*", "", str(key), flags=re.IGNORECASE).strip()
    if not text.isdigit():
        raise InputError(f"{key!r} is neither an MMSI (9 digits) nor an IMO number (7 digits).")
    n = int(text)
    if len(text) == 7 or str(key).strip().upper().startswith("IMO"):
        return "imo", n
    if len(text) == 9 or str(key).strip().upper().startswith("MMSI"):
        return "mmsi", n
    raise InputError(f"{key!r} is neither an MMSI (9 digits) nor an IMO number (7 digits).")


@dataclass(frozen=True)
class Dossier:
    """Everything known about one vessel: identities, history, flags, list matches, events.

    ``kind``/``value``: the key as parsed (``"mmsi"`` or ``"imo"``); ``mmsis``/``imos``: the
    vessel's MMSIs and IMOs, one hop through the static reports (an IMO's MMSIs and their
    IMOs; an MMSI's IMOs and every MMSI that broadcast one); ``imo_valid``: the check digit of
    an IMO key; ``identities``: :data:`~.schema.IDENTITIES` rows of those MMSIs; ``history``:
    :func:`~.history.identity_history` of their reports; ``matches``: saved list matches of any
    of those MMSIs or IMOs; ``port_visits``/``gaps``: ``None`` until the store is analysed;
    ``notes``: what is missing and why.
    """

    key: str
    kind: str
    value: int
    imo_valid: bool | None
    mmsis: list[int]
    imos: list[int]
    identities: pl.DataFrame
    history: IdentityHistory
    matches: pl.DataFrame
    port_visits: pl.DataFrame | None = None
    gaps: pl.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _related(kind: str, value: int, statics: pl.DataFrame) -> tuple[list[int], list[int]]:
    """MMSIs and IMOs linked to the key, one hop through the static reports: an IMO's MMSIs
    and every IMO they broadcast; an MMSI's IMOs and every MMSI that broadcast one of them."""
    pairs = statics.select("mmsi", "imo").unique()
    if kind == "imo":
        mmsis = sorted(pairs.filter(pl.col("imo") == value)["mmsi"].drop_nulls().unique().to_list())
        imos = sorted(
            {value, *pairs.filter(pl.col("mmsi").is_in(mmsis))["imo"].drop_nulls().to_list()}
        )
        return mmsis, imos
    imos = sorted(pairs.filter(pl.col("mmsi") == value)["imo"].drop_nulls().unique().to_list())
    mmsis = sorted({value, *pairs.filter(pl.col("imo").is_in(imos))["mmsi"].drop_nulls().to_list()})
    return mmsis, imos


def dossier_from_frames(
    key: int | str,
    *,
    statics: pl.DataFrame,
    positions: pl.DataFrame | None = None,
    matches: pl.DataFrame | None = None,
    identities: pl.DataFrame | None = None,
    rules: HistoryRules | None = None,
) -> Dossier:
    """A vessel's dossier from frames (no store needed). ``key``: an MMSI or IMO number.

    The vessel is the key's MMSIs and IMOs, one hop through ``statics`` (see :class:`Dossier`);
    its identity history and flags come from :func:`identity_history` over their reports.
    """
    kind, value = parse_vessel_key(key)
    mmsis, imos = _related(kind, value, statics)
    own = statics.filter(pl.col("mmsi").is_in(mmsis))
    pos = positions.filter(pl.col("mmsi").is_in(mmsis)) if positions is not None else None
    history = identity_history(own, pos, rules=rules)
    ids = identities if identities is not None else identities_from_statics(own)
    ids = conform(
        ids.rename({"first_source_id": "source_id", "first_line": "line"}, strict=False).filter(
            pl.col("mmsi").is_in(mmsis)
        ),
        IDENTITIES,
    )
    m = matches if matches is not None else pl.DataFrame(schema=MATCHES)
    m = m.filter(pl.col("mmsi").is_in(mmsis) | pl.col("imo").is_in(imos))
    notes = []
    if own.height == 0:
        notes.append(f"no static report in the data carries {kind.upper()} {value}.")
    if matches is None:
        notes.append("list matches: none saved; run `darkfleet screen STORE --lists FILE…` first.")
    return Dossier(
        key=str(key),
        kind=kind,
        value=value,
        imo_valid=imo_is_valid(value) if kind == "imo" else None,
        mmsis=mmsis,
        imos=imos,
        identities=ids,
        history=history,
        matches=m,
        notes=notes,
    )


def vessel_dossier(
    store_dir: str | Path, key: int | str, *, rules: HistoryRules | None = None
) -> Dossier:
    """The dossier of one vessel (MMSI or IMO) from a store and its saved screening results.

    Port visits and gaps are included once the store has been analysed (``darkfleet analyze``,
    :meth:`darkfleet.store.Store.events`); before that the dossier says "not computed yet".
    """
    kind, value = parse_vessel_key(key)
    store = _open(store_dir)
    pairs = store.scan_statics().select("mmsi", "imo").unique().collect()
    mmsis, _ = _related(kind, value, pairs)
    statics = store.statics(mmsi=mmsis) if mmsis else store.scan_statics().head(0).collect()
    positions = store.positions(mmsi=mmsis) if mmsis else None
    saved = load_matches(store.root) if (Path(store.root) / MATCHES_FILE).is_file() else None
    ids = _store_identities(store, mmsis) if mmsis else None
    d = dossier_from_frames(
        key, statics=statics, positions=positions, matches=saved, identities=ids, rules=rules
    )
    extra: dict[str, pl.DataFrame | None] = {}
    notes = list(d.notes)
    analysed = (Path(store.root) / "events" / "manifest.json").is_file()
    for name in ("port_visits", "gaps"):
        if analysed and d.mmsis and name in store.event_types():
            extra[name] = store.events(name, mmsi=d.mmsis)
        else:
            extra[name] = None
            notes.append(
                f"{name.replace('_', ' ')}: not computed yet (run `darkfleet analyze` on the store)."
            )
    return replace(d, notes=notes, port_visits=extra["port_visits"], gaps=extra["gaps"])
