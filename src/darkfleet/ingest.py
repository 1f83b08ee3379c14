"""Ingest: pick the right reader for each input and add it to a store.

:func:`scan_source` sniffs a file (NMEA text, plain or gzip; CSV; Parquet) and returns the
matching :class:`~darkfleet.io.source.SourceReader`; :func:`ingest` adds files to a store,
one committed source each, skipping those already there.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError, FormatError, InputError
from .io.source import SourceReader
from .store import IngestResult, Store, open_store

__all__ = ["FORMATS", "IngestReport", "ingest", "scan_source", "sniff_format"]

#: Formats :func:`scan_source` accepts; "auto" sniffs.
FORMATS = ("auto", "nmea", "noaa", "dma", "spire", "mapped")

_SNIFF_BYTES = 64 * 1024


def sniff_format(path: str | Path) -> str:
    """Guess a file's format: ``nmea``, ``parquet`` or ``csv`` (the CSV layout is found later).

    NMEA: the first non-blank, non-comment lines start with ``!``, ``$`` or a ``\\`` tag block.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(p, "rb") as gz:
                head = gz.read(_SNIFF_BYTES)
    except OSError as err:
        raise InputError(f"{p}: cannot read the file ({err}). Check the path.") from err
    except (EOFError, zlib.error) as err:  # a truncated or corrupt gzip stream
        raise InputError(
            f"{p}: reading the start of the file failed ({err}). The file is damaged or "
            "truncated: restore or download it again."
        ) from err
    if head[:4] == b"PAR1":
        return "parquet"
    starts = [
        line.strip()[:1]
        for line in head.splitlines()[:200]
        if line.strip() and not line.strip().startswith(b"#")
    ]
    if not starts:
        raise FormatError(f"{p}: the file is empty; nothing to ingest.")
    nmea = sum(1 for s in starts if s in (b"!", b"$", b"\\"))
    if nmea >= max(1, len(starts) // 2):
        return "nmea"
    return "csv"


def scan_source(
    path: str | Path,
    *,
    format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    time: datetime | None = None,
    accept_bad_checksum: bool = False,
    **options: Any,
) -> SourceReader:
    """A streaming reader for ``path``.

    ``format``: ``auto`` (sniff), ``nmea``, or a tabular layout (``noaa``, ``dma``, ``spire``,
    ``mapped`` with ``mapping`` = canonical column → file column). ``time`` is the time of NMEA
    sentences that carry none. Other keyword options go to the reader
    (:func:`darkfleet.io.nmea.scan_nmea` or :func:`darkfleet.io.tables.scan_table`).
    """
    if format not in FORMATS:
        raise ConfigError(f"format={format!r} is not one of {', '.join(FORMATS)}.")
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Check the path.")
    kind = format
    if format == "auto":
        kind = "mapped" if mapping else sniff_format(p)
    if kind == "nmea":
        from .io.nmea import scan_nmea

        return scan_nmea(p, time=time, accept_bad_checksum=accept_bad_checksum, **options)
    from .io.tables import scan_table

    table_format = None if kind in ("csv", "parquet") else kind
    return scan_table(p, format=table_format, mapping=mapping, **options)


@dataclass(frozen=True)
class IngestReport:
    """What :func:`ingest` did: one result per input, in input order."""

    store: Path
    results: tuple[IngestResult, ...]

    @property
    def added(self) -> int:
        return sum(1 for r in self.results if not r.skipped)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.skipped)


def ingest(
    store: str | Path | Store,
    paths: Iterable[str | Path],
    *,
    format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    time: datetime | None = None,
    accept_bad_checksum: bool = False,
    on_source: Callable[[Path], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> IngestReport:
    """Add each file to the store (created if needed); files already there are skipped.

    Every file is read in bounded memory and committed on its own: a crash leaves earlier
    files committed and the interrupted one absent, so re-running the same command finishes
    the job without duplicates.
    """
    st = store if isinstance(store, Store) else open_store(store)
    results = []
    for path in paths:
        p = Path(path)
        if on_source is not None:
            on_source(p)
        reader = scan_source(
            p, format=format, mapping=mapping, time=time, accept_bad_checksum=accept_bad_checksum
        )
        results.append(st.ingest(reader, on_batch=on_batch))
    return IngestReport(st.root, tuple(results))
