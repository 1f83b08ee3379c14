"""From the kernels' flat arrays to canonical Polars tables (vectorised, per layout).

Scaling, "not available" sentinels and text trimming follow :mod:`.spec`; the few rules that
are not a plain scale live here and are documented in the README's decoding notes:

* rate of turn: ``rot_deg_min = sign(raw) * (raw / 4.733)²`` (ITU-R M.1371); raw -128 is
  "not available" (null); ±127 ("turning, no turn indicator") keeps the formula's ±720;
* six-bit text ends at the first ``@`` and is stripped of spaces; empty text is null;
* type 24 part B of an auxiliary craft (MMSI 98xxxxxxx) carries ``mothership_mmsi`` instead of
  dimensions; for other vessels ``mothership_mmsi`` is null;
* a type 21 name is ``name`` followed by its extension ``name_ext``;
* type 4/11 ``station_utc`` is built from year..second when all are present and valid.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ...schema import (
    AIDS_TO_NAVIGATION,
    BASE_STATIONS,
    POSITIONS,
    REJECTS,
    STATICS,
    UTC,
    conform,
)
from . import _decoder_generated as G
from . import _kernels as K
from . import spec

__all__ = ["MessageArrays", "build_tables", "reject_frame"]

_C = spec.compiled_layouts()
_LAYOUT_OF_TYPE = np.zeros(64, np.int64)
for _t in range(64):
    _LAYOUT_OF_TYPE[_t] = spec.layout_id(_t, 0)
_LAYOUT_24B = spec.layout_id(24, 1)

_CHANNELS = {65: "A", 66: "B", 49: "1", 50: "2"}
_ORPHAN_DETAIL = {
    K.O_SUPERSEDED: "another fragment with the same part number arrived before the group was complete",
    K.O_AGE: "the group was still incomplete when the age/line limit passed",
    K.O_TABLE_FULL: "too many incomplete groups were open at once; the oldest was dropped",
    K.O_END: "the input ended before the other parts arrived",
}
_REASON_HELP = {
    "not_nmea": "the line is not an NMEA sentence (does not start with '!', '$' or a tag block)",
    "malformed_sentence": "an AIS sentence needs 7 comma-separated fields before '*'",
    "no_checksum": "no '*hh' checksum at the end of the sentence",
    "bad_checksum": "the '*hh' checksum does not match the sentence (pass accept_bad_checksum=True to decode anyway)",
    "bad_fragment_header": "fragment count must be 1-9, fragment number 1..count, sequence id numeric",
    "invalid_payload_character": "payload characters must be six-bit armoured ASCII ('0'-'W', '`'-'w')",
    "bad_fill_bits": "fill bits must be 0-5",
    "empty_payload": "the sentence has no payload",
    "unterminated_tag_block": "a tag block opened with '\\' has no closing '\\'",
    "payload_too_long": f"the message is longer than {spec.MAX_MESSAGE_BITS} bits (five slots)",
    "payload_too_short": "the message is shorter than its type's layout requires",
    "line_too_long": f"the record is longer than {K.RAW_MAX} bytes",
}


@dataclass
class MessageArrays:
    """Per-message outputs of :func:`~._kernels.assemble`."""

    src: np.ndarray
    pay_start: np.ndarray
    pay_end: np.ndarray
    raw_start: np.ndarray
    raw_end: np.ndarray
    fill: np.ndarray
    line: np.ndarray
    offset: np.ndarray
    time: np.ndarray
    chan: np.ndarray
    parts: np.ndarray

    @classmethod
    def allocate(cls, n: int) -> MessageArrays:
        return cls(**{f.name: np.empty(n, np.int64) for f in fields(cls)})

    def head(self, n: int) -> MessageArrays:
        return MessageArrays(**{f.name: getattr(self, f.name)[:n] for f in fields(self)})


def _timestamps(us: np.ndarray) -> pl.Series:
    return pl.Series("timestamp", pa.array(us, type=pa.int64(), mask=us == K.NO_TIME)).cast(
        pl.Datetime("us", "UTC")
    )


def reject_frame(
    source_id: str,
    *,
    line: np.ndarray,
    offset: np.ndarray,
    time: np.ndarray,
    reason: list[str],
    raw: list[bytes],
    orphan_detail: np.ndarray | None = None,
) -> pl.DataFrame:
    """A rejects frame; ``raw`` bytes are decoded losslessly (backslash escapes)."""
    if orphan_detail is not None:
        detail = [_ORPHAN_DETAIL[int(d)] for d in orphan_detail]
    else:
        detail = [_REASON_HELP.get(r, r) for r in reason]
    frame = pl.DataFrame(
        {
            "source_id": pl.Series([source_id] * len(reason), dtype=pl.String),
            "line": pl.Series(line, dtype=pl.Int64),
            "offset_bytes": pl.Series(offset, dtype=pl.Int64),
            "timestamp": _timestamps(np.asarray(time, np.int64)),
            "reason": pl.Series(reason, dtype=pl.String),
            "detail": pl.Series(detail, dtype=pl.String),
            "raw": pl.Series([r.decode("utf-8", "backslashreplace") for r in raw], dtype=pl.String),
        }
    )
    return conform(frame, REJECTS)


_NUMPY: dict[pl.DataType, type[np.generic]] = {
    pl.Int8(): np.int8,
    pl.Int16(): np.int16,
    pl.Int32(): np.int32,
    pl.Int64(): np.int64,
    pl.Float64(): np.float64,
}
_ARROW = {
    pl.Int8(): pa.int8(),
    pl.Int16(): pa.int16(),
    pl.Int32(): pa.int32(),
    pl.Int64(): pa.int64(),
    pl.Float64(): pa.float64(),
    pl.Boolean(): pa.bool_(),
    pl.String(): pa.string(),
    UTC: pa.timestamp("us", tz="UTC"),
}
_DIMS = ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")
_STATION_PARTS = ("year", "month", "day", "hour", "minute", "second")


def _bits(mask: np.ndarray) -> pa.Buffer:
    return pa.py_buffer(np.packbits(mask, bitorder="little"))


def _arrow(values: np.ndarray, valid: np.ndarray | None, typ: pa.DataType) -> pa.Array:
    """An Arrow array over ``values`` (already of ``typ``'s width); ``valid`` False = null."""
    n = int(values.shape[0])
    if valid is not None and valid.all():
        valid = None
    vb = None if valid is None else _bits(valid)
    data = _bits(values) if typ == pa.bool_() else pa.py_buffer(np.ascontiguousarray(values))
    return pa.Array.from_buffers(typ, n, [vb, data])


def _strings(mat: np.ndarray) -> pa.Array:
    """Rows of a fixed-width character matrix (0 = no character) as trimmed strings.

    Each row is cut at its first 0 byte (the decoder writes 0 from ``@`` on), stripped of
    spaces at both ends; an empty row is null.
    """
    n, width = mat.shape
    if n == 0 or width == 0:
        return pa.nulls(n, pa.string())
    kept = (mat != 0) & (mat != 32)
    has = kept.any(axis=1)
    first = kept.argmax(axis=1)
    last = width - kept[:, ::-1].argmax(axis=1)
    start = np.where(has, first, 0)
    end = np.where(has, last, 0)
    cols = np.arange(width)
    data = mat[(cols >= start[:, None]) & (cols < end[:, None])]
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(end - start, out=offsets[1:])
    vb = None if has.all() else _bits(has)
    return pa.Array.from_buffers(
        pa.string(), n, [vb, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    )


def _channel_array(codes: np.ndarray) -> pa.Array:
    """Channel letters ('A', 'B', '1', '2') from their byte codes; anything else is null."""
    ok = (codes == 65) | (codes == 66) | (codes == 49) | (codes == 50)
    data = codes[ok].astype(np.uint8)
    offsets = np.zeros(codes.size + 1, np.int32)
    np.cumsum(ok, out=offsets[1:])
    vb = None if ok.all() else _bits(ok)
    return pa.Array.from_buffers(
        pa.string(), codes.size, [vb, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _time_array(us: np.ndarray) -> pa.Array:
    return _arrow(us.astype(np.int64, copy=False), us != K.NO_TIME, _ARROW[UTC])


@dataclass
class _Part:
    """One layout's decoded rows: ``msgs`` are their message indices, ascending."""

    lay: spec.Layout
    msgs: np.ndarray
    vals: np.ndarray
    valid: np.ndarray
    text: np.ndarray
    nbits: np.ndarray

    def has(self, column: str) -> bool:
        return column in _FIELD_INDEX[self.lay.name]

    def values(self, column: str, dtype: pl.DataType) -> tuple[np.ndarray, np.ndarray]:
        """A non-text column's values in ``dtype``'s numpy type, and its validity."""
        i, f = _FIELD_INDEX[self.lay.name][column]
        n = self.msgs.size
        raw = self.vals[i, :n]
        ok = self.valid[i, :n] != 0
        if f.kind == "b":
            out: np.ndarray = raw == 1
        elif f.column == "rot_deg_min":
            r = raw.astype(np.float64)
            out = np.sign(r) * (r / 4.733) ** 2
        elif f.scale != 1.0 or f.column in ("sog_kn", "cog_deg"):
            out = raw / f.scale
        else:
            out = raw.astype(_NUMPY[dtype])
        if self.lay is spec.STATIC_24B and (column in _DIMS or column == "mothership_mmsi"):
            # an auxiliary craft (MMSI 98xxxxxxx) sends its mothership's MMSI in place of its
            # dimensions
            mmsi_i, _ = _FIELD_INDEX[self.lay.name]["mmsi"]
            aux = (self.vals[mmsi_i, :n] // 10_000_000) == 98
            ok = ok & (aux if column == "mothership_mmsi" else ~aux)
        return out, ok

    def chars(self, column: str) -> np.ndarray:
        """A text column's character matrix; characters past the message's end are 0."""
        off, f = _TEXT_INDEX[self.lay.name][column]
        width = -(-f.width // 6)
        n = self.msgs.size
        block = np.ascontiguousarray(self.text[:n, off : off + width])
        # only whole six-bit characters: fewer than 6 bits left at the end are spare padding
        whole = np.clip((np.minimum(self.nbits, f.start + f.width) - f.start) // 6, 0, width)
        block[np.arange(width) >= whole[:, None]] = 0
        return block


def _field_index() -> tuple[
    dict[str, dict[str, tuple[int, spec.Field]]], dict[str, dict[str, tuple[int, spec.Field]]]
]:
    ints: dict[str, dict[str, tuple[int, spec.Field]]] = {}
    texts: dict[str, dict[str, tuple[int, spec.Field]]] = {}
    for lay in spec.LAYOUTS:
        ints[lay.name] = {}
        texts[lay.name] = {}
        i = off = 0
        for f in lay.fields:
            if f.kind == "t":
                texts[lay.name][f.column] = (off, f)
                off += -(-f.width // 6)
            else:
                ints[lay.name][f.column] = (i, f)
                i += 1
    return ints, texts


_INT_INDEX, _TEXT_INDEX = _field_index()
_FIELD_INDEX = {name: {**_INT_INDEX[name], **_TEXT_INDEX[name]} for name in _INT_INDEX}


def _station_utc(
    y: np.ndarray,
    mo: np.ndarray,
    d: np.ndarray,
    h: np.ndarray,
    mi: np.ndarray,
    s: np.ndarray,
    ok: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Type 4/11 receiver UTC in µs; valid only where every part is present and in range."""
    y, mo, d, h, mi, s = (a.astype(np.int64) for a in (y, mo, d, h, mi, s))
    ok = (
        ok
        & (y >= 1970)
        & (y <= 2200)
        & (mo >= 1)
        & (mo <= 12)
        & (d >= 1)
        & (d <= 31)
        & (h >= 0)
        & (h <= 23)
        & (mi >= 0)
        & (mi <= 59)
        & (s >= 0)
        & (s <= 59)
    )
    month = ((np.clip(y, 1970, 2200) - 1970) * 12 + np.clip(mo, 1, 12) - 1).astype("datetime64[M]")
    day = month.astype("datetime64[D]") + (np.clip(d, 1, 31) - 1)
    ok &= day.astype("datetime64[M]") == month  # e.g. 31 April is not a date
    us = (
        day.astype("datetime64[us]").astype(np.int64)
        + ((np.clip(h, 0, 23) * 60 + np.clip(mi, 0, 59)) * 60 + np.clip(s, 0, 59)) * K.US
    )
    return us, ok


def _numeric(p: _Part, name: str, dtype: pl.DataType) -> tuple[np.ndarray, np.ndarray] | None:
    if name == "station_utc":
        if not all(p.has(c) for c in _STATION_PARTS):
            return None
        parts = [p.values(c, pl.Int64()) for c in _STATION_PARTS]
        ok = np.logical_and.reduce([v for _, v in parts])
        y, mo, d, h, mi, sec = (v for v, _ in parts)
        return _station_utc(y, mo, d, h, mi, sec, ok)
    if not p.has(name):
        return None
    return p.values(name, dtype)


def _scatter_numeric(
    parts: list[_Part], where: list[np.ndarray | None], n: int, name: str, dtype: pl.DataType
) -> pa.Array:
    typ = _ARROW[dtype]
    got = [
        (v, w)
        for p, w in zip(parts, where, strict=True)
        if (v := _numeric(p, name, dtype)) is not None
    ]
    if not got:
        return pa.nulls(n, typ)
    if len(got) == 1 and got[0][1] is None:
        (one, one_ok), _ = got[0]
        return _arrow(one, one_ok, typ)
    vals = np.zeros(n, np.bool_ if dtype == pl.Boolean() else got[0][0][0].dtype)
    ok = np.zeros(n, np.bool_)
    for (part_vals, part_ok), w in got:
        vals[w] = part_vals
        ok[w] = part_ok
    return _arrow(vals, ok, typ)


def _scatter_text(
    parts: list[_Part], where: list[np.ndarray | None], n: int, name: str
) -> pa.Array:
    got = [(p.chars(name), w) for p, w in zip(parts, where, strict=True) if p.has(name)]
    if not got:
        return pa.nulls(n, pa.string())
    if len(got) == 1 and got[0][1] is None:
        return _strings(got[0][0])
    mat = np.zeros((n, max(c.shape[1] for c, _ in got)), np.uint8)
    for c, w in got:
        mat[w, : c.shape[1]] = c
    return _strings(mat)


def _frame(source_id: str, n: int, cols: dict[str, pa.Array]) -> pl.DataFrame:
    frame = pl.from_arrow(pa.Table.from_arrays(list(cols.values()), names=list(cols)))
    assert isinstance(frame, pl.DataFrame)
    return frame.insert_column(
        0, pl.repeat(source_id, n, dtype=pl.String, eager=True).alias("source_id")
    )


def _build_table(table: str, parts: list[_Part], m: MessageArrays, source_id: str) -> pl.DataFrame:
    """One canonical table from the layouts that feed it, rows in message order."""
    where: list[np.ndarray | None]
    if len(parts) == 1:
        rows = parts[0].msgs
        where = [None]
    else:
        member = np.zeros(int(m.line.shape[0]), np.bool_)
        for p in parts:
            member[p.msgs] = True
        rows = np.flatnonzero(member)
        rank = np.cumsum(member) - 1
        where = [rank[p.msgs] for p in parts]
    n = int(rows.size)
    cols: dict[str, pa.Array] = {}
    for name, dtype in _SCHEMAS[table].items():
        if name == "source_id":
            continue
        if name == "line":
            cols[name] = _arrow(m.line[rows], None, pa.int64())
        elif name == "timestamp":
            cols[name] = _time_array(m.time[rows])
        elif name == "channel":
            cols[name] = _channel_array(m.chan[rows])
        elif table == "aids_to_navigation" and name == "name":
            # a type 21 name is ``name`` followed by its extension ``name_ext``
            base = _scatter_text(parts, where, n, "name")
            ext = _scatter_text(parts, where, n, "name_ext")
            joined = pc.binary_join_element_wise(pc.fill_null(base, ""), ext, "")
            cols[name] = pc.coalesce(joined, base)
        elif dtype == pl.String():
            cols[name] = _scatter_text(parts, where, n, name)
        else:
            cols[name] = _scatter_numeric(parts, where, n, name, dtype)
    return _frame(source_id, n, cols)


def _other_messages(
    m: MessageArrays,
    rows: np.ndarray,
    head: np.ndarray,
    chunk: np.ndarray,
    asm_buf: np.ndarray,
    source_id: str,
) -> pl.DataFrame:
    """Messages of types without a layout, kept whole (armoured payload and fill bits)."""
    n = int(rows.size)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(m.pay_end[rows] - m.pay_start[rows], out=offsets[1:])
    data = np.empty(int(offsets[-1]), np.uint8)
    K.gather_spans(chunk, asm_buf, m.src, m.pay_start, m.pay_end, rows, offsets, data)
    payload = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    cols = {
        "line": _arrow(m.line[rows], None, pa.int64()),
        "timestamp": _time_array(m.time[rows]),
        "mmsi": _arrow(head[2], None, pa.int64()),
        "msg_type": _arrow(head[0].astype(np.int8), None, pa.int8()),
        "repeat": _arrow(head[1].astype(np.int8), None, pa.int8()),
        "channel": _channel_array(m.chan[rows]),
        "payload": payload,
        "fill_bits": _arrow(m.fill[rows].astype(np.int8), None, pa.int8()),
        "fragments": _arrow(m.parts[rows].astype(np.int8), None, pa.int8()),
    }
    return _frame(source_id, n, cols)


def _allocate(counts: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out = []
    for lid, lay in enumerate(spec.LAYOUTS, start=1):
        n = int(counts[lid])
        n_int = sum(1 for f in lay.fields if f.kind != "t")
        n_chr = sum(-(-f.width // 6) for f in lay.fields if f.kind == "t")
        out.append(
            (
                np.empty((n_int, n), np.int64),
                np.empty((n_int, n), np.uint8),
                np.empty((n, max(n_chr, 1)), np.uint8),
            )
        )
    return out


def build_tables(
    m: MessageArrays, chunk: np.ndarray, asm_buf: np.ndarray, source_id: str
) -> dict[str, pl.DataFrame]:
    """Decode the assembled messages into canonical tables.

    Also returns two private entries: ``_message_rejects`` (messages too short/long, with the
    number of records each consumed in ``_parts``) and ``_decoded_records`` (one row, one column).
    """
    nm = m.line.shape[0]
    layout = np.empty(nm, np.int64)
    counts = G.count_layouts(
        chunk, asm_buf, nm, m.src, m.pay_start, m.pay_end, _LAYOUT_OF_TYPE, _LAYOUT_24B, layout
    )
    arrays = _allocate(counts)
    status = np.empty(nm, np.int64)
    nbits = np.empty(nm, np.int64)
    row_of = np.empty(nm, np.int64)
    raw_head = np.empty((3, int(counts[0])), np.int64)
    flat = [a for triple in arrays for a in triple]
    G.decode_messages(
        chunk,
        asm_buf,
        nm,
        m.src,
        m.pay_start,
        m.pay_end,
        m.fill,
        layout,
        _C.min_bits,
        spec.MAX_MESSAGE_BITS,
        status,
        nbits,
        row_of,
        raw_head,
        *flat,
    )
    per_table: dict[str, list[_Part]] = {}
    for lid, lay in enumerate(spec.LAYOUTS, start=1):
        msgs = np.flatnonzero((layout == lid) & (status == 0))
        if msgs.size == 0:
            continue
        vals, valid, text = arrays[lid - 1]
        part = _Part(lay, msgs, vals, valid, text, nbits[msgs])
        for table in lay.table.split("+"):
            per_table.setdefault(table, []).append(part)
    out: dict[str, pl.DataFrame] = {
        table: _build_table(table, parts, m, source_id) for table, parts in per_table.items()
    }
    # other message types, kept whole
    rows = np.flatnonzero(status == 1)
    if rows.size:
        out["other_messages"] = _other_messages(
            m, rows, raw_head[:, row_of[rows]], chunk, asm_buf, source_id
        )
    ok = status <= 1
    decoded_records = int(m.parts[ok].sum())
    bad = np.flatnonzero(~ok)
    if bad.size:
        reasons = [
            "payload_too_long" if status[r] == K.R_TOO_LONG else "payload_too_short" for r in bad
        ]
        raw = [
            bytes((chunk if m.src[r] == 0 else asm_buf)[m.raw_start[r] : m.raw_end[r]]) for r in bad
        ]
        frame = reject_frame(
            source_id,
            line=m.line[bad],
            offset=m.offset[bad],
            time=m.time[bad],
            reason=reasons,
            raw=raw,
        )
        types = [_type_name(chunk if m.src[r] == 0 else asm_buf, m.pay_start[r]) for r in bad]
        detail = [
            f"{t} message of {nbits[r]} bits: {_REASON_HELP[reason]}"
            for r, t, reason in zip(bad, types, reasons, strict=True)
        ]
        out["_message_rejects"] = frame.with_columns(
            pl.Series("detail", detail, dtype=pl.String), pl.Series("_parts", m.parts[bad])
        )
    out["_decoded_records"] = pl.DataFrame({"n": [decoded_records]})
    return out


def _type_name(buf: np.ndarray, start: int) -> str:
    c = int(buf[start]) - 48
    return f"type {c - 8 if c > 40 else c}"


_SCHEMAS = {
    "positions": POSITIONS,
    "statics": STATICS,
    "base_stations": BASE_STATIONS,
    "aids_to_navigation": AIDS_TO_NAVIGATION,
}
