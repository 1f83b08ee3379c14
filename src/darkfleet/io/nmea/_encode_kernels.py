"""Numba kernels of the AIS encoder (:mod:`.encode`): bit packing and sentence writing.

Pure functions over preallocated arrays; no I/O, no Python objects per message.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .spec import MAX_MESSAGE_BITS

__all__ = [
    "MAX_FRAGMENT_CHARS",
    "civil_from_days",
    "pack_messages",
    "sixbit_text",
    "write_sentences",
]

#: Payload characters per sentence before a message is split into fragments (as real feeds do).
MAX_FRAGMENT_CHARS = 60


@nb.njit(cache=True, nogil=True)
def sixbit_text(
    data: np.ndarray,
    offsets: np.ndarray,
    first: int,
    nulls: np.ndarray,
    nchars: int,
    out: np.ndarray,
    lengths: np.ndarray,
) -> None:  # pragma: no cover
    """Arrow UTF-8 strings → six-bit values (``out`` zero = '@'), characters used per row."""
    for r in range(out.shape[0]):
        if nulls[r]:
            lengths[r] = 0
            continue
        k = 0
        for j in range(offsets[first + r], offsets[first + r + 1]):
            if k >= nchars:
                break
            c = data[j]
            if 0x80 <= c < 0xC0:  # UTF-8 continuation byte: part of the previous '?'
                continue
            if 0x61 <= c <= 0x7A:
                c -= 32
            out[r, k] = c & 0x3F if 0x20 <= c <= 0x5F else 63
            k += 1
        lengths[r] = k


@nb.njit(cache=True, nogil=True)
def pack_messages(
    values: np.ndarray,
    f_start: np.ndarray,
    f_width: np.ndarray,
    text: np.ndarray,
    t_start: np.ndarray,
    nbits: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover
    """Write fields and text characters into bits, then armour into ``out`` (n, chars)."""
    bits = np.zeros(MAX_MESSAGE_BITS + 16, np.uint8)
    for r in range(values.shape[0]):
        nb_r = nbits[r]
        bits[: nb_r + 6] = 0
        for f in range(f_start.shape[0]):
            v = values[r, f]
            if v < 0:  # skipped (null field sharing its bits with an earlier one)
                continue
            s = f_start[f]
            w = f_width[f]
            for b in range(w):
                bits[s + b] = (v >> (w - 1 - b)) & 1
        for t in range(t_start.shape[0]):
            s = t_start[t]
            if s + 6 > nb_r:
                continue
            v = text[r, t]
            for b in range(6):
                bits[s + b] = (v >> (5 - b)) & 1
        for c in range((nb_r + 5) // 6):
            p = 6 * c
            v = (
                (bits[p] << 5)
                | (bits[p + 1] << 4)
                | (bits[p + 2] << 3)
                | (bits[p + 3] << 2)
                | (bits[p + 4] << 1)
                | bits[p + 5]
            )
            out[r, c] = v + 48 if v < 40 else v + 56


_PGHP = np.frombuffer(b"$PGHP,1,", np.uint8).copy()
_PGHP_TAIL = np.frombuffer(b",,,1,", np.uint8).copy()
_VDM = np.frombuffer(b"VDM,", np.uint8).copy()


@nb.njit(cache=True, inline="always")
def _put_uint(buf: np.ndarray, pos: int, v: int) -> int:  # pragma: no cover
    """Decimal digits of ``v`` >= 0 at ``pos``; returns the new position."""
    digits = 1
    t = v
    while t >= 10:
        t //= 10
        digits += 1
    for i in range(digits - 1, -1, -1):
        buf[pos + i] = 48 + v % 10
        v //= 10
    return pos + digits


@nb.njit(cache=True, inline="always")
def _put_hex2(buf: np.ndarray, pos: int, v: int) -> int:  # pragma: no cover
    hi = v >> 4
    lo = v & 15
    buf[pos] = hi + 48 if hi < 10 else hi + 55
    buf[pos + 1] = lo + 48 if lo < 10 else lo + 55
    return pos + 2


@nb.njit(cache=True, inline="always")
def _close(buf: np.ndarray, start: int, pos: int) -> tuple[int, int]:  # pragma: no cover
    """Append ``*hh`` with the XOR of ``buf[start+1:pos]``; returns (position, checksum)."""
    x = 0
    for j in range(start + 1, pos):
        x ^= buf[j]
    buf[pos] = 42  # '*'
    return _put_hex2(buf, pos + 1, x), x


@nb.njit(cache=True, inline="always")
def _put_bytes(buf: np.ndarray, pos: int, src: np.ndarray, length: int) -> int:  # pragma: no cover
    for j in range(length):
        buf[pos + j] = src[j]
    return pos + length


@nb.njit(cache=True, inline="always")
def civil_from_days(days: int) -> tuple[int, int, int]:  # pragma: no cover
    """Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if m <= 2 else 0), m, d


@nb.njit(cache=True, nogil=True)
def write_sentences(
    pay: np.ndarray,
    plen: np.ndarray,
    fill: np.ndarray,
    chan: np.ndarray,
    talk: np.ndarray,
    framing: np.ndarray,
    ms: np.ndarray,
    has_ts: np.ndarray,
    src: np.ndarray,
    src_len: np.ndarray,
    seq: np.ndarray,
    gid: np.ndarray,
    buf: np.ndarray,
) -> int:  # pragma: no cover
    """Write every message's lines into ``buf``; returns the bytes written."""
    pos = 0
    frag_chars = MAX_FRAGMENT_CHARS
    for r in range(pay.shape[0]):
        nfrag = max(1, (plen[r] + frag_chars - 1) // frag_chars)
        fr = framing[r]
        ts = has_ts[r]
        sec = ms[r] // 1000
        header = -1
        xx = 0
        if fr == 3 and ts:  # $PGHP header; its last field (XX) is known once the sentences are
            header = pos
            pos = _put_bytes(buf, pos, _PGHP, 8)
            y, mo, d = civil_from_days(sec // 86400)
            sod = sec % 86400
            for v in (y, mo, d, sod // 3600, sod // 60 % 60, sod % 60, ms[r] % 1000):
                pos = _put_uint(buf, pos, v)
                buf[pos] = 44
                pos += 1
            pos = _put_bytes(buf, pos, _PGHP_TAIL, 5)
            xx = pos
            pos += 5  # XX*hh
            buf[pos] = 10
            pos += 1
        xor_all = 0
        for f in range(nfrag):
            if fr == 1:
                tb = pos
                buf[pos] = 92  # '\'
                pos += 1
                sep = False
                if nfrag > 1:
                    buf[pos] = 103  # 'g:'
                    buf[pos + 1] = 58
                    pos = _put_uint(buf, pos + 2, f + 1)
                    buf[pos] = 45
                    pos = _put_uint(buf, pos + 1, nfrag)
                    buf[pos] = 45
                    pos = _put_uint(buf, pos + 1, gid[r])
                    sep = True
                if f == 0 and src_len[r] > 0:
                    if sep:
                        buf[pos] = 44
                        pos += 1
                    buf[pos] = 115  # 's:'
                    buf[pos + 1] = 58
                    pos = _put_bytes(buf, pos + 2, src[r], src_len[r])
                    sep = True
                if f == 0 and ts:
                    if sep:
                        buf[pos] = 44
                        pos += 1
                    buf[pos] = 99  # 'c:'
                    buf[pos + 1] = 58
                    pos = _put_uint(buf, pos + 2, sec)
                    sep = True
                if sep:
                    pos, _ = _close(buf, tb, pos)
                    buf[pos] = 92
                    pos += 1
                else:
                    pos = tb
            start = pos
            buf[pos] = 33  # '!'
            buf[pos + 1] = talk[r, 0]
            buf[pos + 2] = talk[r, 1]
            pos = _put_bytes(buf, pos + 3, _VDM, 4)
            pos = _put_uint(buf, pos, nfrag)
            buf[pos] = 44
            pos = _put_uint(buf, pos + 1, f + 1)
            buf[pos] = 44
            pos += 1
            if seq[r] >= 0:
                pos = _put_uint(buf, pos, seq[r])
            buf[pos] = 44
            pos += 1
            if chan[r] != 0:
                buf[pos] = chan[r]
                pos += 1
            buf[pos] = 44
            pos += 1
            lo = f * frag_chars
            hi = min(plen[r], lo + frag_chars)
            for j in range(lo, hi):
                buf[pos] = pay[r, j]
                pos += 1
            buf[pos] = 44
            buf[pos + 1] = 48 + (fill[r] if f == nfrag - 1 else 0)
            pos, x = _close(buf, start, pos + 2)
            xor_all ^= x
            if fr == 2 and ts:
                buf[pos] = 44
                pos = _put_uint(buf, pos + 1, sec)
            buf[pos] = 10
            pos += 1
        if header >= 0:
            _close(buf, header, _put_hex2(buf, xx, xor_all))
    return pos
