"""Vectorised AIS encoder: canonical frames → six-bit payloads → ``!AIVDM`` sentences.

The inverse of the decoder, driven by the same layouts (:mod:`.spec`), so a field is
described once. Two steps, both numba kernels over whole arrays (no per-message Python):

1. :func:`encode_payloads` turns a frame with canonical columns (:mod:`darkfleet.schema`
   names) into armoured payloads. Per field: ``raw = round(value * scale)``; a null becomes the
   field's not-available sentinel (0 when it has none); a value outside the field's range is
   clipped to the nearest valid raw value, never onto a sentinel; signed fields are written in
   two's complement; text is upper-cased, characters six-bit ASCII cannot carry become ``?``,
   and it is truncated or padded with ``@``. A message has the standard length of its layout
   (the longest of ``min_bits`` and the last field's end, rounded up to a whole byte); a text
   field that starts at or after ``min_bits`` (type 21's ``name_ext``) is optional and adds
   only the characters it has. Payloads come back as a fixed-width bytes array (``S``
   dtype, one element per message) and fill bits as ``uint8``.
2. :func:`to_sentences` wraps payloads into ``!AIVDM`` sentences with checksums, splitting
   payloads over 60 characters into multipart messages (rotating sequential id 0-9, fill bits
   on the last part only), in one of the time framings of :data:`FRAMINGS`:

   ``plain``           ``!AIVDM,1,1,,A,...,0*hh``
   ``tag_block``       ``\\s:SRC,c:EPOCH*hh\\!AIVDM...``; multipart messages carry a ``g:``
                       group, ``\\g:1-2-ID,s:SRC,c:EPOCH*hh\\`` then ``\\g:2-2-ID*hh\\``
   ``trailing_epoch``  ``!AIVDM,...*hh,EPOCH`` on every fragment (amsa/exactEarth style)
   ``pghp``            a ``$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,,,,1,XX*hh`` line before each message
                       (Gatehouse/DMA style; ``XX`` is the XOR of its sentences' checksums)

   A message without a timestamp (NaN / null) gets no time in any framing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ...errors import ConfigError
from . import spec
from ._encode_kernels import MAX_FRAGMENT_CHARS, pack_messages, sixbit_text, write_sentences

__all__ = [
    "FRAMINGS",
    "MAX_FRAGMENT_CHARS",
    "encode_payloads",
    "message_bits",
    "to_sentences",
    "write_nmea",
]

#: Time framings :func:`to_sentences` can write; an array of framings holds indices into this.
FRAMINGS: tuple[str, ...] = ("plain", "tag_block", "trailing_epoch", "pghp")

_CHUNK = 1 << 18  # rows per encoding chunk: bounds the temporaries
_MAX_EPOCH_MS = 253402300800000  # 10000-01-01: four-digit years only


# --------------------------------------------------------------------------- layouts


def message_bits(layout: spec.Layout) -> int:
    """Standard bit length of a message of ``layout`` without its optional trailing text."""
    ends = [f.start + f.width for f in layout.fields if not _is_optional(layout, f)]
    return int(_round8(max(layout.min_bits, *ends)))


def _round8(bits: Any) -> Any:
    """Round bit counts (int or array) up to whole bytes."""
    return -(-bits // 8) * 8


def _is_optional(layout: spec.Layout, field: spec.Field) -> bool:
    return field.kind == "t" and field.start >= layout.min_bits


def _implied(layout: spec.Layout) -> dict[str, int]:
    """Field values the layout itself fixes (type 24's part number) or defaults (msg_type)."""
    out = {"msg_type": layout.msg_types[0]}
    if any(f.column == "part_number" for f in layout.fields):
        for part in range(4):
            lid = spec.layout_id(layout.msg_types[0], part)
            if lid and spec.LAYOUTS[lid - 1] is layout:
                out["part_number"] = part
    return out


def _overlaps(layout: spec.Layout, k: int) -> bool:
    f = layout.fields[k]
    return any(
        g.start < f.start + f.width and f.start < g.start + g.width for g in layout.fields[:k]
    )


# --------------------------------------------------------------------------- payloads


def encode_payloads(
    frame: pl.DataFrame, *, layout: spec.Layout | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Encode every row of ``frame`` as one AIS message of ``layout``.

    ``frame`` has canonical columns (``mmsi``, ``lon``, ``lat``, ``sog_kn``, ``shipname`` …);
    a column the layout needs but the frame lacks counts as null (``msg_type`` defaults to the
    layout's first type, ``part_number`` to the layout's part, ``repeat`` to 0). Columns the
    layout does not use are ignored. With ``layout=None`` each row's layout is chosen from its
    ``msg_type`` (and, for type 24, ``part_number``) column.

    Returns ``(payloads, fill_bits)``: ``payloads`` is a bytes array (``S`` dtype, one armoured
    payload per row; ``payloads[i]`` is ``bytes``) and ``fill_bits`` a ``uint8`` array.
    Raises :class:`~darkfleet.errors.ConfigError` for a column of the wrong type or a
    ``msg_type`` the layout does not serve. The frame is not modified.
    """
    if layout is None:
        return _encode_by_type(frame)
    n = frame.height
    fixed = message_bits(layout)
    optional = [f for f in layout.fields if _is_optional(layout, f)]
    opt_start = min((f.start for f in optional), default=fixed)
    opt_chars = sum(f.width // 6 for f in optional)
    width = -(-_round8(max(fixed, opt_start + 6 * opt_chars)) // 6)
    out = np.zeros((n, width), np.uint8)
    nbits = np.full(n, fixed, np.int64)
    for lo in range(0, n, _CHUNK):
        chunk = frame.slice(lo, _CHUNK)
        values, f_start, f_width, text, t_start, extra = _columns(chunk, layout)
        rows = slice(lo, lo + chunk.height)
        if optional:
            nbits[rows] = np.maximum(fixed, _round8(opt_start + extra))
        pack_messages(values, f_start, f_width, text, t_start, nbits[rows], out[rows])
    nchars = -(-nbits // 6)
    fill = (nchars * 6 - nbits).astype(np.uint8)
    used = int(nchars.max()) if n else 1
    payloads = np.ascontiguousarray(out[:, :used]).view(f"S{used}").reshape(n)
    return payloads, fill


def _columns(
    frame: pl.DataFrame, layout: spec.Layout
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's inputs for one chunk: raw values, field positions, six-bit text."""
    n = frame.height
    implied = _implied(layout)
    ints = [k for k, f in enumerate(layout.fields) if f.kind != "t"]
    texts = [k for k, f in enumerate(layout.fields) if f.kind == "t"]
    values = np.empty((n, len(ints)), np.int64)
    for j, k in enumerate(ints):
        values[:, j] = _raw(frame, layout, layout.fields[k], implied, _overlaps(layout, k))
    t_chars = [layout.fields[k].width // 6 for k in texts]
    text = np.zeros((n, sum(t_chars)), np.uint8)
    t_start = np.empty(sum(t_chars), np.int32)
    extra = np.zeros(n, np.int64)
    off = 0
    for k, chars in zip(texts, t_chars, strict=True):
        f = layout.fields[k]
        used = _text(frame, f, chars, text[:, off : off + chars])
        t_start[off : off + chars] = f.start + 6 * np.arange(chars)
        if _is_optional(layout, f):
            extra += 6 * used
        off += chars
    f_start = np.asarray([layout.fields[k].start for k in ints], np.int32)
    f_width = np.asarray([layout.fields[k].width for k in ints], np.int32)
    return values, f_start, f_width, text, t_start, extra


def _raw(
    frame: pl.DataFrame,
    layout: spec.Layout,
    f: spec.Field,
    implied: dict[str, int],
    overlaps: bool,
) -> np.ndarray:
    """One integer field's raw values (two's complement applied; -1 = do not write)."""
    n = frame.height
    if f.column in frame.columns:
        s = frame[f.column]
        if not (s.dtype.is_numeric() or s.dtype == pl.Boolean):
            raise ConfigError(
                f"encode {layout.name}: column {f.column!r} is {s.dtype}; expected a number. "
                "Cast it before encoding."
            )
        x = s.cast(pl.Float64).to_numpy()
        null = np.isnan(x)
        raw = np.rint(np.where(null, 0.0, x) * f.scale)
    else:
        null = np.ones(n, np.bool_)
        raw = np.zeros(n)
    if f.column in implied:
        allowed = layout.msg_types if f.column == "msg_type" else (implied[f.column],)
        bad = ~null & ~np.isin(raw, allowed)
        if bad.any():
            raise ConfigError(
                f"encode {layout.name}: {f.column} {raw[bad][0]:.0f} does not fit the layout "
                f"(allowed: {allowed}). Pick the layout with darkfleet.io.nmea.spec.layout_id."
            )
        raw[null] = implied[f.column]
        null = np.zeros(n, np.bool_)
    signed = f.kind == "i"
    lo, hi = (
        (-(1 << (f.width - 1)), (1 << (f.width - 1)) - 1) if signed else (0, (1 << f.width) - 1)
    )
    # Out of range: the nearest valid value, never a sentinel that sits at the range's end.
    top = hi - 1 if f.na and f.na[0] == hi else hi
    bottom = lo + 1 if f.na and f.na[0] == lo else lo
    out = np.where(raw > hi, top, np.where(raw < lo, bottom, raw)).astype(np.int64)
    if f.na:
        out[null] = f.na[0]
    elif overlaps:
        out[null] = -1
    else:
        out[null] = 0
    if signed:
        out &= (1 << f.width) - 1
    return out


def _text(frame: pl.DataFrame, f: spec.Field, chars: int, out: np.ndarray) -> np.ndarray:
    """Six-bit text of one field into ``out``; returns characters used per row."""
    n = frame.height
    lengths = np.zeros(n, np.int64)
    s = _text_source(frame, f)
    if s is None:
        return lengths
    if s.dtype != pl.String:
        raise ConfigError(f"encode: column {f.column!r} is {s.dtype}; expected text.")
    arr = s.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    _validity, offsets, data = arr.buffers()
    offs = np.frombuffer(offsets, np.int64) if offsets is not None else np.zeros(1, np.int64)
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    nulls = s.is_null().to_numpy()
    sixbit_text(raw, offs, arr.offset, nulls, chars, out, lengths)
    return lengths


def _text_source(frame: pl.DataFrame, f: spec.Field) -> pl.Series | None:
    """The column for a text field; ``X_ext`` takes what overflows ``X`` when it is absent."""
    if f.column in frame.columns:
        return frame[f.column]
    base = f.column.removesuffix("_ext")
    if base != f.column and base in frame.columns and frame[base].dtype == pl.String:
        base_chars = spec.TEXT_COLUMNS.get(base, 20)
        return frame[base].str.slice(base_chars)
    return None


def _encode_by_type(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Encode a frame of mixed message types: one layout per row from msg_type/part_number."""
    if "msg_type" not in frame.columns:
        raise ConfigError("encode: without a layout the frame needs a msg_type column.")
    types = frame["msg_type"].fill_null(0).cast(pl.Int64).to_numpy()
    parts = (
        frame["part_number"].fill_null(0).cast(pl.Int64).to_numpy()
        if "part_number" in frame.columns
        else np.zeros(frame.height, np.int64)
    )
    lut = np.array([spec.layout_id(t) for t in range(64)], np.int64)
    lid = lut[np.clip(types, 0, 63)]
    is24 = types == 24
    lid[is24] = np.array([spec.layout_id(24, p) for p in range(4)], np.int64)[parts[is24] & 3]
    if (lid == 0).any():
        bad = int(types[lid == 0][0])
        raise ConfigError(
            f"encode: msg_type {bad} has no layout in darkfleet.io.nmea.spec; "
            "pass such messages as raw payloads."
        )
    results = {}
    for layout_index in np.unique(lid):
        rows = np.flatnonzero(lid == layout_index)
        layout = spec.LAYOUTS[int(layout_index) - 1]
        results[int(layout_index)] = (rows, *encode_payloads(frame[rows], layout=layout))
    width = max(p.dtype.itemsize for _, p, _ in results.values()) if results else 1
    payloads = np.zeros(frame.height, f"S{width}")
    fill = np.zeros(frame.height, np.uint8)
    for rows, p, fb in results.values():
        payloads[rows] = p
        fill[rows] = fb
    return payloads, fill


def to_sentences(
    payloads: np.ndarray | Sequence[bytes | str],
    fill_bits: np.ndarray | Sequence[int],
    *,
    channel: str | np.ndarray = "A",
    talker: str | np.ndarray = "AI",
    timestamps_s: np.ndarray | pl.Series | None = None,
    tag_source: str | np.ndarray | None = None,
    framing: str | np.ndarray = "plain",
    seq_ids: np.ndarray | None = None,
) -> bytes:
    """Wrap payloads into NMEA lines: the whole text as bytes, every line ending in ``\\n``.

    ``payloads`` as returned by :func:`encode_payloads` (or any sequence of payload strings),
    ``fill_bits`` one per payload. ``channel`` (``"A"``, ``"B"`` or ``""``), ``talker``
    (``"AI"``, ``"AB"`` …), ``tag_source`` (``s:`` of tag blocks) and ``framing`` (a name of
    :data:`FRAMINGS`) are one value for all messages or an array with one per message
    (framing as indices into :data:`FRAMINGS`). ``timestamps_s`` are epoch seconds (float,
    NaN = none) or a Polars ``Datetime`` series (null = none). ``seq_ids`` (-1 = empty) default
    to 0-9 rotating over multipart messages. Tag-block group ids rotate over 1-9999.
    """
    pay = np.asarray(payloads)
    if pay.dtype.kind == "U" or pay.dtype == object:
        pay = np.char.encode(pay.astype(str), "ascii")
    if pay.dtype.kind != "S":
        raise ConfigError(f"to_sentences: payloads are {pay.dtype}; expected bytes or str.")
    n = pay.shape[0]
    mat = np.zeros((n, max(pay.dtype.itemsize, 1)), np.uint8)
    if pay.dtype.itemsize:
        mat[:] = np.ascontiguousarray(pay).view(np.uint8).reshape(n, pay.dtype.itemsize)
    plen = np.count_nonzero(mat, axis=1).astype(np.int64)
    fill = np.asarray(fill_bits, np.int64)
    if fill.shape != (n,) or ((fill < 0) | (fill > 5)).any():
        raise ConfigError("to_sentences: fill_bits needs one value 0-5 per payload.")
    chan = _per_row_bytes(channel, n, 1, "channel")[0][:, 0]
    talk, talk_len = _per_row_bytes(talker, n, 2, "talker")
    if (talk_len != 2).any():
        raise ConfigError("to_sentences: a talker is two characters, e.g. 'AI'.")
    src, src_len = _per_row_bytes("" if tag_source is None else tag_source, n, None, "tag_source")
    codes = _framing_codes(framing, n)
    ms, has_ts = _epoch_ms(timestamps_s, n)
    multi = plen > MAX_FRAGMENT_CHARS
    rank = np.cumsum(multi) - 1
    seq = np.where(multi, rank % 10, -1) if seq_ids is None else np.asarray(seq_ids, np.int64)
    gid = rank % 9999 + 1
    nfrag = np.maximum(1, -(-plen // MAX_FRAGMENT_CHARS))
    bound = int(plen.sum() + nfrag.sum() * (96 + src.shape[1]) + n * 64) + 64
    buf = np.empty(bound, np.uint8)
    used = write_sentences(
        mat, plen, fill, chan, talk, codes, ms, has_ts, src, src_len, seq, gid, buf
    )
    return buf[:used].tobytes()


def _per_row_bytes(
    value: str | np.ndarray, n: int, width: int | None, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """One string or one per row → (n, width) uint8 matrix and lengths."""
    if isinstance(value, str):
        b = value.encode("ascii")
        arr = np.full(n, b, f"S{max(len(b), 1)}")
    else:
        arr = np.asarray(value)
        if arr.dtype.kind in "UO":
            arr = np.char.encode(arr.astype(str), "ascii")
        if arr.shape != (n,) or arr.dtype.kind != "S":
            raise ConfigError(f"to_sentences: {name} needs one string per payload.")
    w = max(arr.dtype.itemsize, width or 1)
    mat = np.zeros((n, w), np.uint8)
    mat[:, : arr.dtype.itemsize] = np.ascontiguousarray(arr).view(np.uint8).reshape(n, -1)
    if width is not None and arr.dtype.itemsize > width:
        raise ConfigError(f"to_sentences: {name} is at most {width} characters.")
    return mat, np.count_nonzero(mat, axis=1).astype(np.int64)


def _framing_codes(framing: str | np.ndarray, n: int) -> np.ndarray:
    if isinstance(framing, str):
        if framing not in FRAMINGS:
            raise ConfigError(f"to_sentences: framing {framing!r} is not one of {FRAMINGS}.")
        return np.full(n, FRAMINGS.index(framing), np.uint8)
    codes = np.asarray(framing)
    if codes.shape != (n,) or codes.dtype.kind not in "iu" or (codes >= len(FRAMINGS)).any():
        raise ConfigError(f"to_sentences: framing codes index {FRAMINGS}, one per payload.")
    return codes.astype(np.uint8)


def _epoch_ms(ts: np.ndarray | pl.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps → (epoch milliseconds, present mask)."""
    if ts is None:
        return np.zeros(n, np.int64), np.zeros(n, np.bool_)
    if isinstance(ts, pl.Series):
        if isinstance(ts.dtype, pl.Datetime):
            ts = ts.dt.epoch("us").cast(pl.Float64) / 1e6
        ts = ts.cast(pl.Float64).to_numpy()
    x = np.asarray(ts, np.float64)
    if x.shape != (n,):
        raise ConfigError("to_sentences: timestamps_s needs one value per payload.")
    has = ~np.isnan(x)
    ms = np.floor(np.where(has, x, 0.0) * 1000.0 + 0.5).astype(np.int64)
    if ((ms < 0) | (ms >= _MAX_EPOCH_MS))[has].any():
        raise ConfigError("to_sentences: timestamps must lie between 1970 and 9999.")
    return ms, has


def write_nmea(
    path: str | os.PathLike[str],
    frame: pl.DataFrame,
    *,
    layout: spec.Layout | None = None,
    framing: str | np.ndarray = "plain",
    channel: str | np.ndarray | None = None,
    talker: str | np.ndarray = "AI",
    tag_source: str | np.ndarray | None = None,
    append: bool = False,
) -> int:
    """Encode ``frame`` and write it as NMEA to ``path``; returns the bytes written.

    Rows are written in the frame's order. Times come from its ``timestamp`` column and
    channels from its ``channel`` column when present (else ``channel`` or ``"A"``).
    """
    payloads, fill = encode_payloads(frame, layout=layout)
    if channel is None:
        channel = (
            frame["channel"].fill_null("").to_numpy().astype("S1")
            if "channel" in frame.columns
            else "A"
        )
    text = to_sentences(
        payloads,
        fill,
        channel=channel,
        talker=talker,
        timestamps_s=frame["timestamp"] if "timestamp" in frame.columns else None,
        tag_source=tag_source,
        framing=framing,
    )
    with Path(path).open("ab" if append else "wb") as fh:
        fh.write(text)
    return len(text)
