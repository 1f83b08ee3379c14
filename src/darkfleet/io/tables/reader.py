"""The tabular reader: :func:`scan_table` (streaming), :func:`read_table` (eager)."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from ...accounting import Accounting
from ...errors import ConfigError, InputError, SchemaError
from ...schema import TABLES, empty
from ..source import Batch, file_source_id
from .convert import check_timezone
from .formats import TableFormat, match_format
from .lines import (
    CHUNK_BYTES,
    LineBlocks,
    file_kind,
    open_binary,
    parse_header,
    split_fields,
    split_lines,
)
from .rows import BatchPlan, StaticsChanges, build_batch

__all__ = ["TableReader", "detect_table_format", "read_table", "scan_table"]

_HEADER_PROBE = 1 << 16
#: what a damaged or truncated gzip / zip stream raises while it is read
_DAMAGED = (OSError, EOFError, zlib.error, zipfile.BadZipFile)


def _header(path: Path, kind: str) -> tuple[list[str], str | None, str]:
    """(column names, header line text or None for Parquet, separator)."""
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(path).schema_arrow.names), None, ","
        except Exception as err:  # pyarrow raises ArrowInvalid / OSError
            raise InputError(f"{path}: not a readable Parquet file ({err}).") from err
    try:
        with open_binary(path, kind) as fh:
            header = LineBlocks(fh, _HEADER_PROBE).header
    except _DAMAGED as err:
        raise InputError(
            f"{path}: reading line 1 (the header) failed ({err}). The file is damaged or "
            "truncated: restore or download it again."
        ) from err
    if header is None or not header.strip():
        raise SchemaError(
            f"{path}: line 1 is empty; a table needs a header line naming its columns "
            "(e.g. MMSI,BaseDateTime,LAT,LON,…). Add one, or check that this is the right file."
        )
    names, sep = parse_header(header)
    return names, header, sep


_Locate = Callable[[pl.Series], pl.Series]


class _BlockOffsets:
    """Byte offsets of a block's lines, computed on first use (only rejects need them)."""

    def __init__(self, block: bytes, offset: int, first_line: int) -> None:
        self._block, self._offset, self._first = block, offset, first_line
        self._starts: np.ndarray | None = None

    def __call__(self, lines: pl.Series) -> pl.Series:
        if self._starts is None:
            nl = np.flatnonzero(np.frombuffer(self._block, dtype=np.uint8) == 10)
            self._starts = np.concatenate([[0], nl + 1]).astype(np.int64) + self._offset
        return pl.Series("offset_bytes", self._starts[(lines - self._first).to_numpy()])


class TableReader:
    """A tabular AIS source being read; iterate for batches (see :func:`scan_table`)."""

    def __init__(
        self,
        path: Path,
        fmt: TableFormat,
        located: Mapping[str, int],
        header: list[str],
        header_line: str | None,
        sep: str,
        kind: str,
        *,
        batch_rows: int,
        timezone: str,
        source_id: str,
        statics: str,
    ) -> None:
        self.path = path
        self.format = fmt.name
        self.source_id = source_id
        self.table_format = fmt
        self.kind = kind
        self.batch_rows = batch_rows
        self._header = header
        self._sep = sep
        self._statics = statics
        self._plan = BatchPlan(
            fmt=fmt,
            sources={t: (f"_f{i}", header[i], pl.String()) for t, i in located.items()},
            source_id=source_id,
            timezone=timezone,
            n_fields=len(header),
            header_line=header_line,
        )
        self._located = dict(located)
        self.accounting = Accounting(source_id=source_id, path=str(path), format=fmt.name)

    def __repr__(self) -> str:
        return (
            f"TableReader({str(self.path)!r}, format={self.format!r}, source_id={self.source_id!r})"
        )

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables each batch carries."""
        return self.table_format.tables

    def __iter__(self) -> Iterator[Batch]:
        """Yield batches; afterwards :attr:`accounting` is complete and checked.

        Each iteration reads the file afresh and starts the accounting anew.
        """
        self.accounting = Accounting(
            source_id=self.source_id, path=str(self.path), format=self.format
        )
        changes = StaticsChanges(keep_all=self._statics == "all")
        frames = self._parquet_frames() if self.kind == "parquet" else self._text_frames()
        for frame, locate in frames:
            batch, outcome = build_batch(frame, self._plan, changes)
            if locate is not None and batch["rejects"].height:
                rejects = batch["rejects"]
                batch["rejects"] = rejects.with_columns(offset_bytes=locate(rejects["line"]))
            acc = self.accounting
            acc.lines_read += outcome.rows
            acc.records += outcome.rows
            acc.ignored += outcome.ignored
            acc.decoded += outcome.decoded
            acc.rejected_by_reason.update(outcome.rejected)
            for table, df in batch.items():
                acc.rows_by_table[table] += df.height
            yield batch
        self.accounting.check()

    def _text_frames(self) -> Iterator[tuple[pl.DataFrame, _Locate | None]]:
        acc = self.accounting
        with open_binary(self.path, self.kind) as fh:
            line_no = 2
            try:
                # the first block is read with the header: a damaged stream may fail here
                blocks = LineBlocks(fh, CHUNK_BYTES)
                acc.lines_read += 1  # header
                acc.records += 1
                acc.ignored += 1
                for block, offset in blocks:
                    lines = split_lines(block)
                    locate = _BlockOffsets(block, offset, line_no)
                    for lo in range(0, lines.len(), self.batch_rows):
                        part = lines.slice(lo, self.batch_rows)
                        first = line_no + lo
                        frame = split_fields(part, len(self._header), self._sep).with_columns(
                            _line=pl.int_range(first, first + part.len(), dtype=pl.Int64),
                            _raw=part,
                        )
                        yield frame, locate
                    line_no += lines.len()
            except _DAMAGED as err:
                raise InputError(
                    f"{self.path}: reading failed after line {line_no - 1} ({err}). The file is "
                    "damaged or truncated: restore or download it again."
                ) from err

    def _parquet_frames(self) -> Iterator[tuple[pl.DataFrame, _Locate | None]]:
        import pyarrow.parquet as pq

        wanted = sorted(set(self._located.values()))
        names = [self._header[i] for i in wanted]
        row = 1
        with pq.ParquetFile(self.path) as pf:
            for rb in pf.iter_batches(batch_size=self.batch_rows, columns=names):
                df = pl.from_arrow(rb)
                assert isinstance(df, pl.DataFrame)
                df = df.rename({n: f"_f{i}" for n, i in zip(names, wanted, strict=True)})
                frame = df.with_columns(
                    _line=pl.int_range(row, row + df.height, dtype=pl.Int64),
                    _raw=_row_as_csv(df, [f"_f{i}" for i in wanted]),
                )
                yield frame, None
                row += df.height

    def _plan_for_parquet(self) -> None:  # dtypes are only known once the file is opened
        import pyarrow.parquet as pq

        schema = pl.from_arrow(pq.ParquetFile(self.path).schema_arrow.empty_table())
        assert isinstance(schema, pl.DataFrame)
        sources = {
            t: (f"_f{i}", self._header[i], schema.schema[self._header[i]])
            for t, i in self._located.items()
        }
        self._plan = BatchPlan(
            fmt=self._plan.fmt,
            sources=sources,
            source_id=self._plan.source_id,
            timezone=self._plan.timezone,
            n_fields=None,
            header_line=None,
        )


def _row_as_csv(df: pl.DataFrame, cols: list[str]) -> pl.Expr:
    """Each row as one CSV line (RFC 4180 quoting), for rejects of Parquet sources."""
    fields = []
    for c in cols:
        s = pl.col(c).cast(pl.String, strict=False).fill_null("")
        fields.append(
            pl.when(s.str.contains(r'[",\n\r]'))
            .then(
                pl.concat_str(
                    [pl.lit('"'), s.str.replace_all('"', '""', literal=True), pl.lit('"')]
                )
            )
            .otherwise(s)
        )
    return pl.concat_str(fields, separator=",")


def scan_table(
    path: str | Path,
    *,
    format: str | None = None,
    mapping: Mapping[str, str] | None = None,
    batch_rows: int = 1_000_000,
    timezone: str = "UTC",
    source_id: str | None = None,
    statics: Literal["changes", "all"] = "changes",
) -> TableReader:
    """A streaming reader of a tabular AIS file (CSV, gzipped or zipped CSV, or Parquet).

    ``format`` is ``"noaa"``, ``"dma"``, ``"spire"``, or None to detect it from the header;
    ``mapping`` (canonical column → file column) reads any other table and implies the
    ``"mapped"`` format. Each batch holds at most ``batch_rows`` input lines (and about
    32 MiB of text). Naive timestamps are read in ``timezone`` and stored as UTC.
    ``statics="changes"`` keeps a statics row only when a vessel's identity fields differ from
    its previous statics row in the file; ``"all"`` keeps one per row that carries identity.

    The header is read and checked now: a header that matches no format raises
    :class:`~darkfleet.errors.SchemaError` naming the missing columns.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Check the path.")
    if not isinstance(batch_rows, int) or isinstance(batch_rows, bool) or batch_rows < 1:
        raise ConfigError(f"batch_rows={batch_rows!r}: give a whole number of rows, at least 1.")
    if statics not in ("changes", "all"):
        raise ConfigError(f'statics={statics!r}: use "changes" or "all".')
    check_timezone(timezone)
    kind = file_kind(p)
    header, header_line, sep = _header(p, kind)
    fmt, located = match_format(p, header, format, mapping)
    reader = TableReader(
        p,
        fmt,
        located,
        header,
        header_line,
        sep,
        kind,
        batch_rows=batch_rows,
        timezone=timezone,
        source_id=source_id if source_id is not None else file_source_id(p),
        statics=statics,
    )
    if kind == "parquet":
        reader._plan_for_parquet()
    return reader


def read_table(
    path: str | Path,
    *,
    format: str | None = None,
    mapping: Mapping[str, str] | None = None,
    batch_rows: int = 1_000_000,
    timezone: str = "UTC",
    source_id: str | None = None,
    statics: Literal["changes", "all"] = "changes",
) -> dict[str, pl.DataFrame]:
    """Read a whole tabular AIS file: table name → frame (all batches concatenated).

    Same arguments as :func:`scan_table`; use that to stream files larger than memory.
    """
    reader = scan_table(
        path,
        format=format,
        mapping=mapping,
        batch_rows=batch_rows,
        timezone=timezone,
        source_id=source_id,
        statics=statics,
    )
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in reader.tables}
    for batch in reader:
        for table, df in batch.items():
            parts[table].append(df)
    return {t: pl.concat(frames) if frames else empty(TABLES[t]) for t, frames in parts.items()}


def detect_table_format(path: str | Path) -> str:
    """The format of a table file from its header: ``noaa``, ``dma`` or ``spire``.

    Raises :class:`~darkfleet.errors.SchemaError` (naming the columns found, the formats tried
    and the columns the closest one lacks) when none matches: pass a mapping then.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Check the path.")
    header, _, _ = _header(p, file_kind(p))
    return match_format(p, header, None, None)[0].name
