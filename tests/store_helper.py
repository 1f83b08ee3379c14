"""Fake readers with synthetic canonical frames, for the store tests.

Run as a script, it ingests the fixed synthetic source :data:`CRASH_SOURCE` into a store and
crashes on purpose, so that the tests can check recovery after a real ``kill -9``::

    python tests/store_helper.py STORE_DIR MODE FLAG_FILE

MODE is ``pause`` (touch FLAG_FILE after :data:`PAUSE_AT` batches are staged, then sleep until
killed), ``crash-moves`` (``os._exit(9)`` halfway through moving the staged files into place)
or ``crash-cleanup`` (``os._exit(9)`` after the catalog commit, before staging is removed).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.accounting import Accounting
from darkfleet.io.source import Batch
from darkfleet.schema import TABLES, conform

T0 = datetime(2024, 10, 1, 20, 0, tzinfo=UTC)
STEP = timedelta(minutes=10)
DATA_TABLES = [t for t in TABLES if t != "rejects"]

CRASH_SOURCE = "c0ffee0000000001"
CRASH_BATCHES = 8
CRASH_LINES = 150
PAUSE_AT = 5


def _timestamp(line: int) -> datetime | None:
    return None if line % 13 == 0 else T0 + line * STEP


def _kind(line: int, first: int) -> str:
    """What synthetic line ``line`` of a batch starting at ``first`` holds."""
    if line == first:
        return "ignored"
    k, k20 = line % 10, line % 20
    if k <= 4:
        return "positions"
    return {
        5: "statics",
        6: "base_stations" if k20 == 6 else "aids_to_navigation",
        7: "other_messages",
        8: "reject" if k20 == 8 else "pending",
        9: "non_ais",
    }[k]


def _row(table: str, source_id: str, line: int) -> dict[str, Any]:
    row: dict[str, Any] = {"source_id": source_id, "line": line, "timestamp": _timestamp(line)}
    mmsi = 200_000_000 + line % 7
    if table == "positions":
        row |= {"mmsi": mmsi, "msg_type": 1, "lon": 130.0 + line / 1e4, "lat": 42.0, "sog_kn": 9.5}
    elif table == "statics":
        row |= {"mmsi": mmsi, "msg_type": 5, "imo": 9_000_000 + mmsi % 7, "shipname": f"S{mmsi}"}
    elif table in ("base_stations", "aids_to_navigation"):
        row |= {"mmsi": 990_000_000 + line % 3, "msg_type": 4 if table == "base_stations" else 21}
    elif table == "other_messages":
        row |= {"mmsi": mmsi, "msg_type": 8, "payload": f"8{line:08d}", "fill_bits": 0}
    else:  # rejects
        reason = "bad_checksum" if line % 20 == 8 else "pending_fragment"
        row |= {"offset_bytes": line * 80, "reason": reason, "raw": f"!AIVDM,raw,{line}*00"}
    return row


def synthetic_batch(source_id: str, first: int, lines: int) -> tuple[Batch, Accounting]:
    """Lines ``first .. first + lines - 1`` of a synthetic source and their accounting."""
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    acc = Accounting(source_id, f"/fake/{source_id}", "fake", lines_read=lines, records=lines)
    for line in range(first, first + lines):
        kind = _kind(line, first)
        if kind == "ignored":
            acc.ignored += 1
        elif kind == "non_ais":
            acc.non_ais_by_kind["GPRMC"] += 1
        elif kind in ("reject", "pending"):
            rows["rejects"].append(_row("rejects", source_id, line))
            if kind == "pending":
                acc.pending += 1
            else:
                acc.rejected_by_reason["bad_checksum"] += 1
        else:
            rows[kind].append(_row(kind, source_id, line))
            acc.decoded += 1
    batch = {t: conform(pl.DataFrame(r, schema=TABLES[t]), TABLES[t]) for t, r in rows.items()}
    acc.rows_by_table.update({t: f.height for t, f in batch.items() if f.height})
    return batch, acc


def synthetic(source_id: str, batches: int, lines: int) -> Iterator[tuple[Batch, Accounting]]:
    for b in range(batches):
        yield synthetic_batch(source_id, 1 + b * lines, lines)


def expected(source_id: str, batches: int, lines: int) -> dict[str, pl.DataFrame]:
    """Every table's rows of a synthetic source (unsorted)."""
    parts = [batch for batch, _ in synthetic(source_id, batches, lines)]
    return {t: pl.concat([p[t] for p in parts]) for t in TABLES}


def account(batch: Batch, source_id: str) -> Accounting:
    """Accounting for a hand-made batch whose every record is a row."""
    acc = Accounting(source_id, f"/fake/{source_id}", "fake")
    for table, frame in batch.items():
        acc.rows_by_table[table] += frame.height
        if table == "rejects":
            acc.rejected_by_reason.update(frame.get_column("reason").to_list())
        else:
            acc.decoded += frame.height
    acc.records = acc.lines_read = acc.decoded + acc.rejected
    return acc


class FakeReader:
    """A :class:`darkfleet.io.source.SourceReader` over (batch, accounting) pairs.

    ``hook(i)`` runs before batch ``i`` is yielded (and once more, with the batch count, at the
    end), when batches ``0 .. i-1`` have been written by the store.
    """

    def __init__(
        self,
        source_id: str,
        parts: Iterable[tuple[Batch, Accounting]],
        *,
        hook: Callable[[int], None] | None = None,
    ) -> None:
        self.source_id = source_id
        self.path = Path(f"/fake/{source_id}.nmea")
        self.format = "fake"
        self.accounting = Accounting(source_id, str(self.path), self.format)
        self.batches_read = 0
        self._parts = parts
        self._hook = hook

    @classmethod
    def synthetic(cls, source_id: str, batches: int = 3, lines: int = 100, **kw: Any) -> FakeReader:
        return cls(source_id, synthetic(source_id, batches, lines), **kw)

    @classmethod
    def of(cls, source_id: str, *batches: Batch, **kw: Any) -> FakeReader:
        return cls(source_id, [(b, account(b, source_id)) for b in batches], **kw)

    def __iter__(self) -> Iterator[Batch]:
        i = 0
        for batch, acc in self._parts:
            if self._hook is not None:
                self._hook(i)
            self.accounting.merge(acc)
            self.batches_read += 1
            yield batch
            i += 1
        if self._hook is not None:
            self._hook(i)


def main(argv: list[str]) -> None:
    from darkfleet.store import open_store, writer

    store_dir, mode, flag = Path(argv[0]), argv[1], Path(argv[2])
    hook = None
    if mode == "pause":

        def hook(i: int) -> None:
            if i == PAUSE_AT:
                flag.touch()
                time.sleep(120)  # killed long before

    elif mode == "crash-moves":
        real_move = writer._move
        moved = [0]

        def crashing_move(src: Path, dest: Path, staging_dir: Path) -> None:
            total = sum(1 for _ in staging_dir.rglob("*.parquet")) + moved[0]
            if moved[0] >= total // 2:
                os._exit(9)
            real_move(src, dest, staging_dir)
            moved[0] += 1

        writer._move = crashing_move
    elif mode == "crash-cleanup":

        def crashing_discard(staging_dir: Path) -> None:
            os._exit(9)

        writer._discard = crashing_discard
    store = open_store(store_dir)
    reader = FakeReader.synthetic(CRASH_SOURCE, CRASH_BATCHES, CRASH_LINES, hook=hook)
    store.ingest(reader)
    sys.exit(f"{mode}: the ingest finished without crashing")


if __name__ == "__main__":
    main(sys.argv[1:])
