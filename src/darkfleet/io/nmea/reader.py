"""Read NMEA AIS recordings into the canonical tables, streaming, column-wise.

:func:`scan_nmea` returns a :class:`NmeaReader` (a :class:`~darkfleet.io.source.SourceReader`)
that yields one :data:`~darkfleet.io.source.Batch` per chunk of input; :func:`read_nmea`
returns the whole file's tables at once; :func:`decode_nmea` decodes bytes in memory.

Framings understood (any may be mixed in one file):

* plain ``!xxVDM`` / ``!xxVDO`` sentences from any talker (``AI``, ``AB``, ``BS``, ``SA`` ...),
  extra fields between the fill bits and the checksum tolerated;
* NMEA 4 tag blocks ``\\s:src,c:epoch,g:1-2-id*hh\\`` before a sentence, several
  tag-block-framed sentences on one line, and stand-alone tag-block lines that apply to the
  next message (``\\si:AISD*3F\\``, Danish Maritime Authority style);
* ``$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,...`` time headers that apply to the next message;
* trailing fields after the checksum (exactEarth / AMSA style): the first one that reads as an
  epoch in seconds (10 digits, optional fraction) or milliseconds (13 digits) is the time.

Time of a sentence, first found: its own tag block ``c:``; a trailing epoch; a stand-alone tag
block before it; a ``$PGHP`` header before it; the caller's ``time``; else null (never
invented). A multipart message takes the time of its first part that has one.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import polars as pl

from ...accounting import Accounting
from ...errors import ConfigError, InputError
from ..source import Batch, file_source_id
from . import _kernels
from .convert import MessageArrays, build_tables, reject_frame

#: The numba kernels (their dispatchers take more arguments than numba's stubs allow).
K: Any = _kernels

__all__ = ["REASONS", "NmeaReader", "decode_nmea", "read_nmea", "scan_nmea"]

#: Stable reject-reason names, by kernel code.
REASONS: dict[int, str] = {
    K.R_NOT_NMEA: "not_nmea",
    K.R_MALFORMED: "malformed_sentence",
    K.R_NO_CHECKSUM: "no_checksum",
    K.R_BAD_CHECKSUM: "bad_checksum",
    K.R_BAD_FRAGMENT: "bad_fragment_header",
    K.R_BAD_CHAR: "invalid_payload_character",
    K.R_BAD_FILL: "bad_fill_bits",
    K.R_EMPTY_PAYLOAD: "empty_payload",
    K.R_BAD_TAG_BLOCK: "unterminated_tag_block",
    K.R_TOO_LONG: "payload_too_long",
    K.R_TOO_SHORT: "payload_too_short",
    K.R_ORPHAN: "orphan_fragment",
    K.R_PENDING: "pending_fragment",
    K.R_LINE_TOO_LONG: "line_too_long",
}

DEFAULT_CHUNK_BYTES = 16 << 20
TABLE_SLOTS = 128


class _Assembler:
    """The multipart assembly table; persists across chunks of one input."""

    def __init__(self) -> None:
        T, P, R = TABLE_SLOTS, K.MAX_PARTS, K.RAW_MAX
        self.meta = np.zeros((T, 8), np.int64)
        self.first_line = np.zeros(T, np.int64)
        self.time = np.zeros(T, np.int64)
        self.part_line = np.zeros((T, P), np.int64)
        self.part_off = np.zeros((T, P), np.int64)
        self.part_time = np.zeros((T, P), np.int64)
        self.part_fill = np.zeros((T, P), np.int64)
        self.part_rawlen = np.zeros((T, P), np.int64)
        self.part_pay = np.zeros((T, P, 2), np.int64)
        self.raw = np.zeros((T, P, R), np.uint8)
        self.serial = np.zeros(2, np.int64)

    def tables(self) -> tuple[np.ndarray, ...]:
        return (
            self.meta,
            self.first_line,
            self.time,
            self.part_line,
            self.part_off,
            self.part_time,
            self.part_fill,
            self.part_rawlen,
            self.part_pay,
            self.raw,
            self.serial,
        )


class _ChunkDecoder:
    """Decodes successive chunks of complete lines of one input, carrying state across."""

    def __init__(
        self,
        source_id: str,
        *,
        time: datetime | None,
        accept_bad_checksum: bool,
        max_fragment_age_s: float,
        max_fragment_lines: int,
    ) -> None:
        self.source_id = source_id
        self.state = np.array([K.NO_TIME, K.NO_TIME, 0, -1], np.int64)
        self.default_time = _to_us(time)
        self.accept_bad_checksum = accept_bad_checksum
        self.max_age_us = int(max_fragment_age_s * K.US)
        self.max_lines = max_fragment_lines
        self.asm = _Assembler()

    def decode(
        self, chunk: np.ndarray, *, line0: int, offset0: int, flush: bool, acc: Accounting
    ) -> Batch:
        n = int(chunk.shape[0])
        cap = int(np.count_nonzero(chunk == 10)) + int(np.count_nonzero(chunk == 92)) + 2
        rec: dict[str, np.ndarray] = {
            "line": np.empty(cap, np.int64),
            "start": np.empty(cap, np.int64),
            "end": np.empty(cap, np.int64),
            "kind": np.empty(cap, np.int8),
            "reason": np.empty(cap, np.int8),
            "time": np.empty(cap, np.int64),
            "count": np.empty(cap, np.int64),
            "num": np.empty(cap, np.int64),
            "seq": np.empty(cap, np.int64),
            "chan": np.empty(cap, np.int64),
            "pay_start": np.empty(cap, np.int64),
            "pay_end": np.empty(cap, np.int64),
            "fill": np.empty(cap, np.int64),
            "src": np.empty(cap, np.int64),
            "group": np.empty(cap, np.int64),
            "addr": np.empty(cap, np.int64),
        }
        nrec, nlines = K.scan_records(
            chunk,
            n,
            line0,
            offset0,
            self.state,
            self.default_time,
            self.accept_bad_checksum,
            *rec.values(),
        )
        # --- multipart assembly
        T = TABLE_SLOTS
        held = T * K.MAX_PARTS * K.RAW_MAX
        mcap = nrec + 1
        m = MessageArrays.allocate(mcap)
        asm_buf = np.empty(2 * (n + held) + 16, np.uint8)
        ocap = nrec + T * K.MAX_PARTS + 1
        o: dict[str, np.ndarray] = {
            "line": np.empty(ocap, np.int64),
            "offset": np.empty(ocap, np.int64),
            "time": np.empty(ocap, np.int64),
            "reason": np.empty(ocap, np.int64),
            "detail": np.empty(ocap, np.int64),
            "raw_start": np.empty(ocap, np.int64),
            "raw_end": np.empty(ocap, np.int64),
        }
        o_buf = np.empty(n + held + 16, np.uint8)
        nm, _na, no, _nob = K.assemble(
            chunk,
            nrec,
            rec["line"],
            rec["start"],
            rec["end"],
            rec["kind"],
            rec["time"],
            rec["count"],
            rec["num"],
            rec["seq"],
            rec["chan"],
            rec["pay_start"],
            rec["pay_end"],
            rec["fill"],
            rec["src"],
            rec["group"],
            offset0,
            flush,
            self.max_age_us,
            self.max_lines,
            *self.asm.tables(),
            m.src,
            m.pay_start,
            m.pay_end,
            m.raw_start,
            m.raw_end,
            m.fill,
            m.line,
            m.offset,
            m.time,
            m.chan,
            m.parts,
            asm_buf,
            *o.values(),
            o_buf,
        )
        m = m.head(nm)
        tables = build_tables(m, chunk, asm_buf, self.source_id)
        # --- rejects and accounting
        kind = rec["kind"][:nrec]
        reason = rec["reason"][:nrec]
        acc.records += nrec
        acc.lines_read += nlines
        acc.ignored += int(np.count_nonzero(kind == K.K_IGNORED))
        n_tag = int(np.count_nonzero(kind == K.K_TAG_ONLY))
        if n_tag:
            acc.non_ais_by_kind["tag_block"] += n_tag
        n_pghp = int(np.count_nonzero(kind == K.K_PGHP))
        if n_pghp:
            acc.non_ais_by_kind["PGHP"] += n_pghp
        other = kind == K.K_OTHER_NMEA
        if other.any():
            codes, counts = np.unique(rec["addr"][:nrec][other], return_counts=True)
            for code, cnt in zip(codes.tolist(), counts.tolist(), strict=True):
                acc.non_ais_by_kind[_addr_name(code)] += cnt
        rej = np.flatnonzero(kind == K.K_REJECT)
        parts: list[pl.DataFrame] = []
        if rej.size:
            parts.append(
                reject_frame(
                    self.source_id,
                    line=rec["line"][rej],
                    offset=offset0 + rec["start"][rej],
                    time=rec["time"][rej],
                    reason=[REASONS[int(r)] for r in reason[rej]],
                    raw=[
                        bytes(chunk[s:e])
                        for s, e in zip(rec["start"][rej], rec["end"][rej], strict=True)
                    ],
                )
            )
            for code, cnt in zip(*np.unique(reason[rej], return_counts=True), strict=True):
                acc.rejected_by_reason[REASONS[int(code)]] += int(cnt)
        if no:
            orows = {k: v[:no] for k, v in o.items()}
            names = [REASONS[int(r)] for r in orows["reason"]]
            parts.append(
                reject_frame(
                    self.source_id,
                    line=orows["line"],
                    offset=orows["offset"],
                    time=orows["time"],
                    reason=names,
                    raw=[
                        bytes(o_buf[s:e])
                        for s, e in zip(orows["raw_start"], orows["raw_end"], strict=True)
                    ],
                    orphan_detail=orows["detail"],
                )
            )
            for name in names:
                if name == "pending_fragment":
                    acc.pending += 1
                else:
                    acc.rejected_by_reason[name] += 1
        bad = tables.pop("_message_rejects", None)
        if bad is not None and bad.height:
            parts.append(bad.drop("_parts"))
            for name, cnt in bad.group_by("reason").agg(pl.col("_parts").sum()).iter_rows():
                acc.rejected_by_reason[name] += int(cnt)
        acc.decoded += tables.pop("_decoded_records").item()
        if parts:
            tables["rejects"] = pl.concat(parts).sort("offset_bytes", maintain_order=True)
        for name, frame in tables.items():
            acc.rows_by_table[name] += frame.height
        return tables


def _addr_name(code: int) -> str:
    chars = []
    while code:
        chars.append(chr(code & 0xFF))
        code >>= 8
    name = "".join(reversed(chars))
    return name if name.isprintable() else repr(name)


def _to_us(t: datetime | None) -> int:
    if t is None:
        return int(K.NO_TIME)
    if t.tzinfo is None:
        raise ConfigError(
            f"time={t!r} has no time zone. Pass a timezone-aware datetime, e.g. "
            "datetime(2024, 1, 1, tzinfo=timezone.utc): darkfleet never guesses a zone."
        )
    return int(t.timestamp() * K.US)


class NmeaReader:
    """An NMEA file being read: iterate for batches; ``accounting`` is complete after."""

    def __init__(
        self,
        path: str | Path,
        *,
        source_id: str | None = None,
        time: datetime | None = None,
        accept_bad_checksum: bool = False,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_fragment_age_s: float = 60.0,
        max_fragment_lines: int = 2000,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file. Check the path.")
        if chunk_bytes < 4096:
            raise ConfigError(f"chunk_bytes={chunk_bytes} is too small; use at least 4096.")
        self.format = "nmea"
        self.source_id = source_id or file_source_id(self.path)
        self.accounting = Accounting(self.source_id, str(self.path), self.format)
        self._opts: dict[str, Any] = {
            "time": time,
            "accept_bad_checksum": accept_bad_checksum,
            "max_fragment_age_s": max_fragment_age_s,
            "max_fragment_lines": max_fragment_lines,
        }
        self._chunk_bytes = chunk_bytes

    def _open(self) -> IO[bytes]:
        with self.path.open("rb") as fh:
            magic = fh.read(2)
        if magic == b"\x1f\x8b":
            return cast(IO[bytes], gzip.open(self.path, "rb"))
        return self.path.open("rb", buffering=0)

    def __iter__(self) -> Iterator[Batch]:
        acc = Accounting(self.source_id, str(self.path), self.format)
        dec = _ChunkDecoder(self.source_id, **self._opts)
        with self._open() as fh:
            yield from _decode_stream(fh, dec, acc, self._chunk_bytes)
        acc.check()
        self.accounting = acc


def _decode_stream(
    fh: IO[bytes], dec: _ChunkDecoder, acc: Accounting, chunk_bytes: int
) -> Iterator[Batch]:
    carry = b""
    line0 = 0
    offset0 = 0
    while True:
        data = fh.read(chunk_bytes)
        eof = not data
        block = carry + data
        if not eof:
            cut = block.rfind(b"\n")
            if cut < 0:
                carry = block
                continue
            carry = block[cut + 1 :]
            block = block[: cut + 1]
        else:
            carry = b""
        if not block and not eof:
            continue
        arr = np.frombuffer(block, np.uint8)
        batch = dec.decode(arr, line0=line0, offset0=offset0, flush=eof, acc=acc)
        line0 = acc.lines_read
        offset0 += len(block)
        if any(f.height for f in batch.values()):
            yield batch
        if eof:
            return


def scan_nmea(
    path: str | Path,
    *,
    source_id: str | None = None,
    time: datetime | None = None,
    accept_bad_checksum: bool = False,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_fragment_age_s: float = 60.0,
    max_fragment_lines: int = 2000,
) -> NmeaReader:
    """Stream an NMEA file (plain or gzip) as batches of canonical tables.

    ``time`` is used for sentences that carry no time of their own (timezone-aware).
    ``accept_bad_checksum`` decodes sentences whose checksum is wrong instead of rejecting
    them. A multipart fragment is orphaned when its group is still incomplete
    ``max_fragment_age_s`` seconds (by the sentences' own times) or ``max_fragment_lines``
    lines after its first part, or when a new part with the same number arrives.
    """
    return NmeaReader(
        path,
        source_id=source_id,
        time=time,
        accept_bad_checksum=accept_bad_checksum,
        chunk_bytes=chunk_bytes,
        max_fragment_age_s=max_fragment_age_s,
        max_fragment_lines=max_fragment_lines,
    )


def _collect(batches: Iterator[Batch]) -> dict[str, pl.DataFrame]:
    from ...schema import TABLES, empty

    acc: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLES}
    for batch in batches:
        for name, frame in batch.items():
            acc[name].append(frame)
    out = {
        name: (pl.concat(frames) if frames else empty(TABLES[name])) for name, frames in acc.items()
    }
    # an orphan is reported in the batch that evicts it, which depends on the chunking:
    # in input order, the rejects of a whole input do not
    out["rejects"] = out["rejects"].sort("offset_bytes", maintain_order=True)
    return out


def read_nmea(path: str | Path, **options: Any) -> dict[str, pl.DataFrame]:
    """Decode a whole NMEA file into canonical tables (name → Polars frame).

    Takes the options of :func:`scan_nmea`. For the file's accounting (where every line went),
    iterate :func:`scan_nmea` instead and read its ``accounting`` attribute afterwards.
    """
    return _collect(iter(scan_nmea(path, **options)))


def decode_nmea(
    data: bytes,
    *,
    source_id: str = "memory",
    time: datetime | None = None,
    accept_bad_checksum: bool = False,
    max_fragment_age_s: float = 60.0,
    max_fragment_lines: int = 2000,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> tuple[dict[str, pl.DataFrame], Accounting]:
    """Decode NMEA text held in memory; returns (tables, accounting)."""
    acc = Accounting(source_id, "<memory>", "nmea")
    dec = _ChunkDecoder(
        source_id,
        time=time,
        accept_bad_checksum=accept_bad_checksum,
        max_fragment_age_s=max_fragment_age_s,
        max_fragment_lines=max_fragment_lines,
    )
    tables = _collect(_decode_stream(io.BytesIO(data), dec, acc, chunk_bytes))
    acc.check()
    return tables, acc
