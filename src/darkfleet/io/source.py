"""What every reader gives the store: a stream of table batches plus the source's accounting.

A reader is an iterable of :data:`Batch` (table name → Polars frame in the canonical schema of
:mod:`darkfleet.schema`); once exhausted, its ``accounting`` is complete and checked. Readers
stream: memory is bounded by one batch, whatever the file's size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import polars as pl

from ..accounting import Accounting
from ..errors import InputError

__all__ = ["Batch", "SourceReader", "file_source_id"]

Batch = dict[str, pl.DataFrame]

_HASH_CHUNK = 1 << 22


def file_source_id(path: str | Path) -> str:
    """The source id of a file: first 16 hex digits of the SHA-256 of its bytes.

    The same bytes under another name are the same source (ingest is idempotent).
    """
    p = Path(path)
    try:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                h.update(chunk)
    except OSError as err:
        raise InputError(f"{p}: cannot read the file ({err.strerror}). Check the path.") from err
    return h.hexdigest()[:16]


class SourceReader(Protocol):
    """An input being read: iterate for batches; ``accounting`` is complete afterwards."""

    source_id: str
    path: Path
    format: str
    accounting: Accounting

    def __iter__(self) -> Iterator[Batch]: ...
