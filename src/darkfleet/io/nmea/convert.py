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

from ...schema import (
    AIDS_TO_NAVIGATION,
    BASE_STATIONS,
    OTHER_MESSAGES,
    POSITIONS,
    REJECTS,
    STATICS,
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


def _channels(codes: np.ndarray) -> pl.Series:
    s = pl.Series("channel", codes)
    return s.replace_strict(_CHANNELS, default=None, return_dtype=pl.String)


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


def _text(
    text: np.ndarray, n: int, off: int, width: int, column: str, whole: np.ndarray
) -> pl.Series:
    block = np.ascontiguousarray(text[:n, off : off + width])
    # only whole six-bit characters: fewer than 6 bits left at the end are spare padding
    block[np.arange(width) >= whole[:, None]] = 0
    strings = block.view(f"S{width}").ravel()
    s = pl.Series(column, strings, dtype=pl.Binary).cast(pl.String).str.strip_chars(" ")
    return s.replace("", None)


def _layout_columns(
    lay: spec.Layout,
    n: int,
    vals: np.ndarray,
    valid: np.ndarray,
    text: np.ndarray,
    nbits: np.ndarray,
) -> dict[str, pl.Series]:
    """Canonical columns of one layout's first ``n`` decoded rows."""
    cols: dict[str, pl.Series] = {}
    ints = [f for f in lay.fields if f.kind != "t"]
    for i, f in enumerate(ints):
        raw = vals[i, :n]
        mask = valid[i, :n] == 0
        if f.kind == "b":
            arr = pa.array(raw == 1, type=pa.bool_(), mask=mask)
        elif f.column == "rot_deg_min":
            r = raw.astype(np.float64)
            arr = pa.array(np.sign(r) * (r / 4.733) ** 2, type=pa.float64(), mask=mask)
        elif f.scale != 1.0 or f.column in ("sog_kn", "cog_deg"):
            arr = pa.array(raw / f.scale, type=pa.float64(), mask=mask)
        else:
            arr = pa.array(raw, type=pa.int64(), mask=mask)
        cols[f.column] = pl.Series(f.column, arr)
    off = 0
    for f in lay.fields:
        if f.kind == "t":
            width = -(-f.width // 6)
            whole = np.clip((np.minimum(nbits, f.start + f.width) - f.start) // 6, 0, width)
            cols[f.column] = _text(text, n, off, width, f.column, whole)
            off += width
    return cols


def _common(m: MessageArrays, rows: np.ndarray, source_id: str) -> dict[str, pl.Series]:
    return {
        "source_id": pl.Series("source_id", [source_id], dtype=pl.String).new_from_index(
            0, rows.size
        ),
        "line": pl.Series("line", m.line[rows]),
        "timestamp": _timestamps(m.time[rows]),
        "channel": _channels(m.chan[rows]),
        "_order": pl.Series("_order", rows),
    }


def _station_utc(frame: pl.DataFrame) -> pl.DataFrame:
    y, mo, d = pl.col("year"), pl.col("month"), pl.col("day")
    h, mi, s = pl.col("hour"), pl.col("minute"), pl.col("second")
    ok = (
        y.is_between(1970, 2200)
        & mo.is_between(1, 12)
        & d.is_between(1, 31)
        & h.is_between(0, 23)
        & mi.is_between(0, 59)
        & s.is_between(0, 59)
    )
    date = pl.date(y.clip(1970, 2200), mo.clip(1, 12), 1).dt.offset_by(
        (d.clip(1, 31) - 1).cast(pl.String) + "d"
    )
    valid = ok & (date.dt.day() == d)
    utc = (
        date.cast(pl.Datetime("us"))
        + pl.duration(hours=h.clip(0, 23), minutes=mi.clip(0, 59), seconds=s.clip(0, 59))
    ).dt.replace_time_zone("UTC")
    return frame.with_columns(pl.when(valid).then(utc).otherwise(None).alias("station_utc"))


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


def _payload_strings(
    m: MessageArrays, rows: np.ndarray, chunk: np.ndarray, asm_buf: np.ndarray
) -> list[str]:
    return [
        bytes((chunk if m.src[r] == 0 else asm_buf)[m.pay_start[r] : m.pay_end[r]]).decode("ascii")
        for r in rows
    ]


def build_tables(
    m: MessageArrays, chunk: np.ndarray, asm_buf: np.ndarray, source_id: str
) -> dict[str, pl.DataFrame]:
    """Decode the assembled messages into canonical tables.

    Also returns two private entries: ``_message_rejects`` (messages too short/long, with the
    number of records each consumed in ``_parts``) and ``_decoded_records`` (a 1×1 frame).
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
    per_table: dict[str, list[pl.DataFrame]] = {}
    for lid, lay in enumerate(spec.LAYOUTS, start=1):
        msgs = np.flatnonzero((layout == lid) & (status == 0))
        if msgs.size == 0:
            continue
        vals, valid, text = arrays[lid - 1]
        cols = _common(m, msgs, source_id)
        cols.update(_layout_columns(lay, msgs.size, vals, valid, text, nbits[msgs]))
        frame = pl.DataFrame(cols)
        for table in lay.table.split("+"):
            per_table.setdefault(table, []).append(frame)
    out: dict[str, pl.DataFrame] = {}
    for table, frames in per_table.items():
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
        if len(frames) > 1:
            frame = frame.sort("_order")
        out[table] = conform(_table_rules(table, frame), _SCHEMAS[table])
    # other message types, kept whole
    rows = np.flatnonzero(status == 1)
    if rows.size:
        k = row_of[rows]
        frame = pl.DataFrame(
            {
                **_common(m, rows, source_id),
                "mmsi": raw_head[2, k],
                "msg_type": raw_head[0, k],
                "repeat": raw_head[1, k],
                "payload": pl.Series(_payload_strings(m, rows, chunk, asm_buf), dtype=pl.String),
                "fill_bits": m.fill[rows],
                "fragments": m.parts[rows],
            }
        )
        out["other_messages"] = conform(frame, OTHER_MESSAGES)
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


def _table_rules(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The few per-table rules that are not a field's scale or sentinel."""
    if table == "statics" and "mothership_mmsi" in frame.columns:
        aux = (pl.col("mmsi") // 10_000_000) == 98
        is24 = pl.col("msg_type") == 24
        dims = ["to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m"]
        frame = frame.with_columns(
            *(pl.when(is24 & aux).then(None).otherwise(pl.col(c)).alias(c) for c in dims),
            pl.when(is24 & aux).then(pl.col("mothership_mmsi")).otherwise(None),
        )
    if table == "aids_to_navigation":
        frame = frame.with_columns(
            pl.when(pl.col("name_ext").is_not_null())
            .then(pl.concat_str(pl.col("name").fill_null(""), pl.col("name_ext")))
            .otherwise(pl.col("name"))
            .alias("name")
        )
    if table == "base_stations":
        frame = _station_utc(frame)
    return frame
