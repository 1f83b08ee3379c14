"""Delimited text as a stream of line blocks, and lines split into fields, all vectorised.

A file is read in blocks of whole lines (at most :data:`CHUNK_BYTES` plus one line), so
memory is bounded whatever the file's size. Each physical line is one record: AIS text fields
cannot hold line breaks, so a quoted field spanning lines is not supported (its lines become
``malformed_csv`` rejects rather than swallowing the lines after them).

Fields follow RFC 4180: a field may be quoted with ``"``, a quote inside a quoted field is
doubled. Lines without quotes are split with one ``str.split_exact``; lines with quotes are
parsed with a regex whose matches must cover the whole line, else the line is malformed.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import polars as pl

from ...errors import InputError

__all__ = [
    "CHUNK_BYTES",
    "LineBlocks",
    "file_kind",
    "open_binary",
    "parse_header",
    "split_fields",
    "split_lines",
]

#: Bytes read per block (a block is extended to the end of its last line).
CHUNK_BYTES = 32 << 20

# Separators for the "one column per line" parse: a byte absent from the block is used, so
# Polars' multi-threaded reader splits lines and nothing else.
_LINE_SEPS = [chr(c) for c in range(1, 32) if c not in (9, 10, 13)] + ["\x00", "\x7f"]

_MAGIC = {b"PAR1": "parquet", b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip"}


def file_kind(path: Path) -> str:
    """``parquet``, ``gzip`` (gzipped text), ``zip`` (one text member) or ``text``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as err:
        raise InputError(f"{path}: cannot read the file ({err.strerror}). Check the path.") from err
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return "text"


def open_binary(path: Path, kind: str) -> BinaryIO:
    """Open ``path`` as a stream of (decompressed) bytes."""
    try:
        if kind == "gzip":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        if kind == "zip":
            archive = zipfile.ZipFile(path)
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members[:10]) or "none"
                archive.close()
                raise InputError(
                    f"{path}: a zip archive must hold exactly one table file; it holds "
                    f"{len(members)} ({names}). Extract the one you want and read that."
                )
            return cast(BinaryIO, _ZipMember(archive, members[0]))
        return path.open("rb")
    except (OSError, zipfile.BadZipFile) as err:
        raise InputError(f"{path}: cannot open the file ({err}). Check that it is intact.") from err


class _ZipMember(io.BufferedIOBase):
    """The one member of a zip archive as a stream; closing it closes the archive too."""

    def __init__(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
        super().__init__()
        self._archive = archive
        self._fh = archive.open(member)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._fh.read(-1 if size is None else size)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
            self._archive.close()
        super().close()


def parse_header(line: str) -> tuple[list[str], str]:
    """Column names and separator of a header line (separator sniffed among , ; tab |)."""
    line = line.lstrip("\ufeff")
    unquoted = re.sub(r'"[^"]*"', "", line)
    sep = max([",", ";", "\t", "|"], key=lambda c: (unquoted.count(c), c == ","))
    names = _split_header([line], sep)
    return names, sep


def _split_header(lines: list[str], sep: str) -> list[str]:
    """Fields of one line (used for the header only)."""
    frame = split_fields(pl.Series("l", lines, dtype=pl.String), None, sep)
    return [str(v) for v in frame.row(0)[1:] if v is not None]


class LineBlocks:
    """Blocks of whole lines from a byte stream, after its first (header) line.

    ``header`` is the first line (decoded, without its line break) or None for an empty
    stream. Iterating yields ``(block, offset)``: the bytes of consecutive whole lines (the
    last one may lack a line break at the end of the stream) and the block's byte offset.
    """

    def __init__(self, fh: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._fh = fh
        self._chunk = chunk_bytes
        buf = b""
        while b"\n" not in buf:
            data = fh.read(chunk_bytes)
            if not data:
                break
            buf += data
        end = buf.find(b"\n")
        head = buf if end < 0 else buf[:end]
        self.header: str | None = (
            head.decode("utf-8", errors="replace").rstrip("\r") if buf else None
        )
        self.header_bytes = len(head) + (1 if end >= 0 else 0)
        self._rest = buf[self.header_bytes :]

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        buf, offset = self._rest, self.header_bytes
        self._rest = b""
        while True:
            data = self._fh.read(self._chunk)
            buf += data
            if not data:
                if buf:
                    yield buf, offset
                return
            cut = buf.rfind(b"\n") + 1
            if cut:
                yield buf[:cut], offset
                offset += cut
                buf = buf[cut:]


def split_lines(block: bytes) -> pl.Series:
    """One string per physical line of ``block`` (line break and a trailing CR removed).

    Blank lines are null. Invalid UTF-8 is replaced by U+FFFD.
    """
    expected = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    sep = next((s for s in _LINE_SEPS if s.encode() not in block), None)
    if sep is not None:
        lines = pl.read_csv(
            block,
            has_header=False,
            separator=sep,
            quote_char=None,
            schema={"l": pl.String},
            encoding="utf8-lossy",
            raise_if_empty=False,
        ).to_series()
        if lines.len() == expected:
            return lines.str.strip_suffix("\r").replace("", None)
    # fallback: every candidate byte occurs in the block (binary junk), or an edge case
    parts = block.decode("utf-8", errors="replace").split("\n")
    if block.endswith(b"\n"):
        parts.pop()
    return pl.Series("l", parts, dtype=pl.String).str.strip_suffix("\r").replace("", None)


def _field_regex(sep: str) -> str:
    s = {"\t": r"\t"}.get(sep, re.escape(sep))
    return f'(?:^|{s})(?:"(?:[^"]|"")*"|[^{s}"]*)'


def split_fields(lines: pl.Series, n: int | None, sep: str) -> pl.DataFrame:
    """Split lines into ``_f0`` … ``_f{n-1}`` (strings) and ``_nf`` (fields found).

    ``_nf`` is -1 where quoting is malformed and null for blank (null) lines. With ``n`` None
    the width is the first line's field count (header parsing).
    """
    frame = pl.DataFrame({"_l": lines})
    has_quote = pl.col("_l").str.contains('"', literal=True)
    if frame.select(has_quote.any()).item():
        frame = frame.with_row_index("_i")
        quoted = frame.filter(has_quote)
        plain = frame.filter(~has_quote.fill_null(False))
    else:
        quoted, plain = frame.clear(), frame
    parts: list[pl.DataFrame] = []
    if not quoted.is_empty():
        matches = pl.col("_l").str.extract_all(_field_regex(sep))
        el = pl.element().str.strip_prefix(sep)
        unq = (
            pl.when(el.str.starts_with('"'))
            .then(el.str.slice(1, el.str.len_chars() - 2).str.replace_all('""', '"', literal=True))
            .otherwise(el)
        )
        quoted = quoted.with_columns(
            _m=pl.when(matches.list.join("") == pl.col("_l")).then(matches.list.eval(unq))
        ).with_columns(_nf=pl.col("_m").list.len().cast(pl.Int32).fill_null(-1))
        parts.append(quoted)
    if n is None:
        first = (parts[0] if parts and parts[0]["_i"][0] == 0 else plain).head(1)
        if "_m" in first.columns:
            n = int(first["_nf"][0])
        else:
            n = int(first.select(pl.col("_l").str.count_matches(sep, literal=True))[0, 0]) + 1
    names = [f"_f{i}" for i in range(n)]
    if parts:
        quoted = parts.pop()
        parts.append(
            quoted.select(
                "_i",
                "_nf",
                *[pl.col("_m").list.get(i, null_on_oob=True).alias(c) for i, c in enumerate(names)],
            )
        )
    if not plain.is_empty() or not parts:
        split = pl.col("_l").str.split_exact(sep, max(n - 1, 0))
        parts.append(
            plain.select(
                pl.col("^_i$"),
                _nf=(pl.col("_l").str.count_matches(sep, literal=True) + 1).cast(pl.Int32),
                _s=split,
            )
            .unnest("_s")
            .rename({f"field_{i}": c for i, c in enumerate(names)})
        )
    out = parts[0] if len(parts) == 1 else pl.concat(parts, how="diagonal").sort("_i")
    return out.select("_nf", *names)
