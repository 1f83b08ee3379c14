"""Numba kernels of the NMEA decoder: framing, multipart assembly, field extraction.

Three passes over a chunk of complete lines, all over flat arrays (no per-message Python):

1. :func:`scan_records` splits the chunk into *records* (a line, or one tag-block-framed
   sentence where a line carries several), classifies each (AIS sentence, time header,
   stand-alone tag block, other NMEA, blank/comment, reject with a reason), verifies checksums,
   validates the fragment header and payload characters, and resolves each sentence's time.
2. :func:`assemble` turns AIS sentences into messages: single-part ones directly, fragments
   through a bounded table of open groups that persists across chunks (orphans are evicted
   by count, age and table pressure, and reported).
3. ``decode_messages`` (generated from :mod:`.spec` into ``_decoder_generated.py`` by
   :mod:`.codegen`) unpacks each payload into 64-bit words and extracts its layout's fields.

Records never leave a bucket unaccounted: see :mod:`darkfleet.accounting`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Record kinds.
K_AIS = 0
K_REJECT = 1
K_PGHP = 2
K_TAG_ONLY = 3
K_OTHER_NMEA = 4
K_IGNORED = 5
K_FRAGMENT = 6  # an AIS sentence handed to the assembly table (set by assemble)

# Reject reasons (codes; names in reader.REASONS).
R_NONE = 0
R_NOT_NMEA = 1
R_MALFORMED = 2
R_NO_CHECKSUM = 3
R_BAD_CHECKSUM = 4
R_BAD_FRAGMENT = 5
R_BAD_CHAR = 6
R_BAD_FILL = 7
R_EMPTY_PAYLOAD = 8
R_BAD_TAG_BLOCK = 9
R_TOO_LONG = 10
R_TOO_SHORT = 11
R_ORPHAN = 12
R_PENDING = 13
R_LINE_TOO_LONG = 14

# Orphan details.
O_SUPERSEDED = 1
O_AGE = 2
O_TABLE_FULL = 3
O_END = 4

NO_TIME = np.iinfo(np.int64).min
US = 1_000_000

# Carried state between chunks (int64 array).
S_PGHP_TIME = 0
S_TAG_TIME = 1
S_TAG_SRC = 2
S_TAG_GROUP = 3
S_STATE_LEN = 4

# Assembly table geometry.
MAX_PARTS = 9
RAW_MAX = 512


#: Bytes that are not six-bit armoured payload characters ('0'-'W', '`'-'w').
_NOT_ARMOUR = np.ones(256, np.bool_)
_NOT_ARMOUR[48:88] = False
_NOT_ARMOUR[96:120] = False


@njit(cache=True, inline="always")
def _is_digit(c: int) -> bool:
    return 48 <= c <= 57


@njit(cache=True, inline="always")
def _hexval(c: int) -> int:
    if 48 <= c <= 57:
        return c - 48
    if 65 <= c <= 70:
        return c - 55
    if 97 <= c <= 102:
        return c - 87
    return -1


@njit(cache=True)
def _days_from_civil(y: int, m: int, d: int) -> int:
    y2 = y - (1 if m <= 2 else 0)
    era = (y2 if y2 >= 0 else y2 - 399) // 400
    yoe = y2 - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True)
def _parse_uint(buf: np.ndarray, a: int, b: int) -> int:
    """Digits buf[a:b] as an integer; -1 if empty, non-digit, or longer than 18 digits."""
    if b <= a or b - a > 18:
        return -1
    v = 0
    for i in range(a, b):
        c = buf[i]
        if not _is_digit(c):
            return -1
        v = v * 10 + (c - 48)
    return v


@njit(cache=True)
def _parse_epoch_us(buf: np.ndarray, a: int, b: int) -> int:
    """An epoch in seconds (<= 11 integer digits, optional fraction) or milliseconds (13)."""
    dot = b
    for i in range(a, b):
        if buf[i] == 46:
            dot = i
            break
    ip = _parse_uint(buf, a, dot)
    if ip < 0:
        return NO_TIME
    nd = dot - a
    frac_us = 0
    if dot < b:
        scale = 100000
        for i in range(dot + 1, b):
            c = buf[i]
            if not _is_digit(c):
                return NO_TIME
            if scale > 0:
                frac_us += (c - 48) * scale
                scale //= 10
    if nd == 13:
        return ip * 1000 + frac_us // 1000
    if 9 <= nd <= 11:
        return ip * US + frac_us
    return NO_TIME


@njit(cache=True)
def _fnv(buf: np.ndarray, a: int, b: int) -> int:
    h = np.uint64(14695981039346656037)
    for i in range(a, b):
        h = (h ^ np.uint64(buf[i])) * np.uint64(1099511628211)
    v = int(h & np.uint64(0x3FFFFFFFFFFFFFFF))
    return v if v != 0 else 1


@njit(cache=True)
def _parse_tag_block(buf: np.ndarray, a: int, b: int, out: np.ndarray) -> None:
    """Parse tag block content buf[a:b] (between the backslashes, checksum excluded).

    out: [time_us, source_hash, group_id, group_num, group_total]
    """
    out[0] = NO_TIME
    out[1] = 0
    out[2] = -1
    out[3] = 0
    out[4] = 0
    i = a
    while i < b:
        j = i
        while j < b and buf[j] != 44:
            j += 1
        # field buf[i:j] = key:value
        k = i
        while k < j and buf[k] != 58:
            k += 1
        if k < j:
            klen = k - i
            c0 = buf[i]
            if klen == 1 and c0 == 99:  # c: unix time
                out[0] = _parse_epoch_us(buf, k + 1, j)
            elif c0 == 115 and (klen == 1 or (klen == 2 and buf[i + 1] == 105)):  # s: / si:
                out[1] = _fnv(buf, k + 1, j)
            elif klen == 1 and c0 == 103:  # g: num-total-id
                p = k + 1
                q = p
                while q < j and buf[q] != 45:
                    q += 1
                num = _parse_uint(buf, p, q)
                p = q + 1
                q = p
                while q < j and buf[q] != 45:
                    q += 1
                tot = _parse_uint(buf, p, q)
                gid = _parse_uint(buf, q + 1, j)
                if num > 0 and tot > 0 and gid >= 0:
                    out[2] = gid
                    out[3] = num
                    out[4] = tot
        i = j + 1


@njit(cache=True)
def _pghp_time(buf: np.ndarray, a: int, star: int, vals: np.ndarray) -> int:
    """Time of a ``$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,...`` header; NO_TIME if unusable."""
    f = 0
    i = a
    # skip "$PGHP,"
    while i < star and buf[i] != 44:
        i += 1
    i += 1
    while f < 8 and i <= star:
        j = i
        while j < star and buf[j] != 44:
            j += 1
        v = _parse_uint(buf, i, j)
        if v < 0:
            return NO_TIME
        vals[f] = v
        f += 1
        i = j + 1
    if f < 8 or vals[0] != 1:
        return NO_TIME
    y, mo, d, h, mi, s, ms = vals[1], vals[2], vals[3], vals[4], vals[5], vals[6], vals[7]
    if not (1970 <= y <= 2200 and 1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59):
        return NO_TIME
    if s > 60 or ms > 999:
        return NO_TIME
    days = _days_from_civil(y, mo, d)
    return ((days * 86400 + h * 3600 + mi * 60 + s) * 1000 + ms) * 1000


@njit(cache=True)
def scan_records(
    buf: np.ndarray,
    n: int,
    line0: int,
    offset0: int,
    state: np.ndarray,
    default_time: int,
    accept_bad_checksum: bool,
    # outputs (capacity >= lines + backslash-bang pairs)
    rec_line: np.ndarray,
    rec_start: np.ndarray,
    rec_end: np.ndarray,
    rec_kind: np.ndarray,
    rec_reason: np.ndarray,
    rec_time: np.ndarray,
    rec_count: np.ndarray,
    rec_num: np.ndarray,
    rec_seq: np.ndarray,
    rec_chan: np.ndarray,
    rec_pay_start: np.ndarray,
    rec_pay_end: np.ndarray,
    rec_fill: np.ndarray,
    rec_src: np.ndarray,
    rec_group: np.ndarray,
    rec_addr: np.ndarray,
) -> tuple[int, int]:
    """Split ``buf[:n]`` (complete lines) into records. Returns (records, lines)."""
    tag = np.empty(5, np.int64)
    comma = np.empty(10, np.int64)
    pghp = np.empty(8, np.int64)
    nrec = 0
    nlines = 0
    pos = 0
    while pos < n:
        e = pos
        while e < n and buf[e] != 10:
            e += 1
        nxt = e + 1
        nlines += 1
        line_no = line0 + nlines
        le = e
        while le > pos and (buf[le - 1] == 13 or buf[le - 1] == 32 or buf[le - 1] == 9):
            le -= 1
        ls = pos
        while ls < le and (buf[ls] == 32 or buf[ls] == 9):
            ls += 1
        pos = nxt
        if ls == le or buf[ls] == 35:  # blank or '#' comment
            r = nrec
            nrec += 1
            rec_line[r] = line_no
            rec_start[r] = ls
            rec_end[r] = le
            rec_kind[r] = K_IGNORED
            rec_reason[r] = R_NONE
            rec_time[r] = NO_TIME
            continue
        p = ls
        while True:
            r = nrec
            nrec += 1
            rec_line[r] = line_no
            rec_start[r] = p
            rec_end[r] = le
            rec_kind[r] = K_REJECT
            rec_reason[r] = R_NONE
            rec_time[r] = NO_TIME
            rec_addr[r] = 0
            if le - p > RAW_MAX:
                rec_reason[r] = R_LINE_TOO_LONG
                break
            own_time = NO_TIME
            own_src = 0
            own_group = -1
            has_tag = False
            if buf[p] == 92:  # '\' tag block
                q = p + 1
                while q < le and buf[q] != 92:
                    q += 1
                if q >= le:
                    rec_reason[r] = R_BAD_TAG_BLOCK
                    break
                cend = q
                for k in range(p + 1, q):
                    if buf[k] == 42:
                        cend = k
                        break
                _parse_tag_block(buf, p + 1, cend, tag)
                own_time = tag[0]
                own_src = tag[1]
                own_group = tag[2]
                has_tag = True
                p = q + 1
                if p >= le:
                    rec_kind[r] = K_TAG_ONLY
                    state[S_TAG_TIME] = own_time
                    state[S_TAG_SRC] = own_src
                    state[S_TAG_GROUP] = own_group
                    break
            c = buf[p]
            if c != 33 and c != 36:  # not '!' or '$'
                rec_reason[r] = R_NOT_NMEA
                break
            # one pass over the sentence: checksum, commas, payload characters
            star = -1
            x = 0
            nfc = 0
            bad_char = False
            k = p + 1
            while k < le:
                ck = buf[k]
                if ck == 42:
                    star = k
                    break
                if ck == 92:
                    break
                x ^= ck
                k += 1
                if ck == 44:
                    if nfc < 9:
                        comma[nfc] = k - 1
                    nfc += 1
                    if nfc == 5:
                        # the payload: a tight loop over armoured characters
                        while k < le:
                            ck = buf[k]
                            if ck == 44 or ck == 42 or ck == 92:
                                break
                            x ^= ck
                            if _NOT_ARMOUR[ck]:
                                bad_char = True
                            k += 1
            if nfc < 9:
                comma[nfc] = star if star >= 0 else k
            # address field
            a_end = comma[0]
            if a_end > p + 8:
                a_end = p + 8
            alen = a_end - p - 1
            addr = 0
            for k in range(p + 1, a_end):
                addr = addr * 256 + buf[k]
            rec_addr[r] = addr
            is_ais = (
                c == 33
                and alen == 5
                and buf[p + 3] == 86
                and buf[p + 4] == 68
                and (buf[p + 5] == 77 or buf[p + 5] == 79)
            )
            if star < 0 or star + 3 > le:
                if is_ais:
                    rec_reason[r] = R_NO_CHECKSUM
                elif alen >= 2:
                    rec_kind[r] = K_OTHER_NMEA
                else:
                    rec_reason[r] = R_NOT_NMEA
                # a line without checksum cannot be split further
                break
            end = star + 3
            # trailing fields after the checksum, up to the next tag block
            t_end = end
            while t_end < le and buf[t_end] != 92:
                t_end += 1
            rec_end[r] = t_end
            h1 = _hexval(buf[star + 1])
            h2 = _hexval(buf[star + 2])
            cs_ok = h1 >= 0 and h2 >= 0 and (h1 * 16 + h2) == x
            if not is_ais:
                if alen == 4 and buf[p + 1] == 80 and buf[p + 2] == 71 and buf[p + 3] == 72:
                    # $PGHP time header
                    if not cs_ok:
                        rec_reason[r] = R_BAD_CHECKSUM
                    else:
                        rec_kind[r] = K_PGHP
                        state[S_PGHP_TIME] = _pghp_time(buf, p, star, pghp)
                elif alen >= 2:
                    rec_kind[r] = K_OTHER_NMEA
                else:
                    rec_reason[r] = R_NOT_NMEA
            else:
                # trailing epoch
                trail_time = NO_TIME
                k = end
                while k < t_end:
                    if buf[k] == 44:
                        k += 1
                        continue
                    j = k
                    while j < t_end and buf[j] != 44:
                        j += 1
                    if trail_time == NO_TIME:
                        trail_time = _parse_epoch_us(buf, k, j)
                    k = j
                reason = R_NONE
                cnt = 0
                num = 0
                if nfc < 6:
                    reason = R_MALFORMED
                else:
                    cnt = _parse_uint(buf, comma[0] + 1, comma[1])
                    num = _parse_uint(buf, comma[1] + 1, comma[2])
                    seq = -1
                    if comma[3] > comma[2] + 1:
                        seq = _parse_uint(buf, comma[2] + 1, comma[3])
                        if seq < 0 or seq > 9999:
                            reason = R_BAD_FRAGMENT
                    if cnt < 1 or cnt > MAX_PARTS or num < 1 or num > cnt:
                        reason = R_BAD_FRAGMENT
                    chan = 0
                    if comma[4] > comma[3] + 1:
                        chan = buf[comma[3] + 1]
                        if comma[4] - comma[3] > 2 and reason == R_NONE:
                            reason = R_MALFORMED
                    ps = comma[4] + 1
                    pe = comma[5]
                    if reason == R_NONE:
                        if pe <= ps:
                            reason = R_EMPTY_PAYLOAD
                        elif bad_char:
                            reason = R_BAD_CHAR
                    fill = 0
                    if reason == R_NONE and comma[6] > comma[5] + 1:
                        fill = _parse_uint(buf, comma[5] + 1, comma[6])
                        if fill < 0 or fill > 5 or fill >= 6 * (pe - ps):
                            reason = R_BAD_FILL
                    if reason == R_NONE and not cs_ok and not accept_bad_checksum:
                        reason = R_BAD_CHECKSUM
                    # time resolution: own tag block > trailing epoch > preceding stand-alone
                    # tag block > preceding $PGHP header > caller's default
                    t = own_time
                    if t == NO_TIME:
                        t = trail_time
                    src = own_src
                    grp = own_group
                    if not has_tag:
                        if t == NO_TIME:
                            t = state[S_TAG_TIME]
                        src = state[S_TAG_SRC]
                        grp = state[S_TAG_GROUP]
                    if t == NO_TIME:
                        t = state[S_PGHP_TIME]
                    if t == NO_TIME:
                        t = default_time
                    rec_time[r] = t
                    if reason == R_NONE:
                        rec_kind[r] = K_AIS
                        rec_count[r] = cnt
                        rec_num[r] = num
                        rec_seq[r] = seq
                        rec_chan[r] = chan
                        rec_pay_start[r] = ps
                        rec_pay_end[r] = pe
                        rec_fill[r] = fill
                        rec_src[r] = src
                        rec_group[r] = grp
                    # headers preceding a message apply to it only
                    if reason != R_NONE or num == cnt:
                        state[S_PGHP_TIME] = NO_TIME
                        state[S_TAG_TIME] = NO_TIME
                        state[S_TAG_SRC] = 0
                        state[S_TAG_GROUP] = -1
                rec_reason[r] = reason
            # another tag-block-framed sentence on the same line?
            if t_end < le and buf[t_end] == 92:
                p = t_end
                continue
            break
    # line offsets are relative to the chunk; callers add offset0
    return nrec, nlines


@njit(cache=True)
def assemble(
    buf: np.ndarray,
    nrec: int,
    rec_line: np.ndarray,
    rec_start: np.ndarray,
    rec_end: np.ndarray,
    rec_kind: np.ndarray,
    rec_time: np.ndarray,
    rec_count: np.ndarray,
    rec_num: np.ndarray,
    rec_seq: np.ndarray,
    rec_chan: np.ndarray,
    rec_pay_start: np.ndarray,
    rec_pay_end: np.ndarray,
    rec_fill: np.ndarray,
    rec_src: np.ndarray,
    rec_group: np.ndarray,
    offset0: int,
    flush: bool,
    max_age_us: int,
    max_lines: int,
    # the persistent table
    t_meta: np.ndarray,  # (T, 8) int64: used, count, seq, chan, src, group, mask, serial
    t_first_line: np.ndarray,  # (T,)
    t_time: np.ndarray,  # (T,)
    t_part_line: np.ndarray,  # (T, MAX_PARTS)
    t_part_off: np.ndarray,  # (T, MAX_PARTS)
    t_part_time: np.ndarray,  # (T, MAX_PARTS)
    t_part_fill: np.ndarray,  # (T, MAX_PARTS)
    t_part_rawlen: np.ndarray,  # (T, MAX_PARTS)
    t_part_pay: np.ndarray,  # (T, MAX_PARTS, 2) payload start/end within raw
    t_raw: np.ndarray,  # (T, MAX_PARTS, RAW_MAX) uint8
    t_serial: np.ndarray,  # (2,) running insertion counter, high-water slot
    # message outputs (capacity >= nrec + T)
    m_src: np.ndarray,  # 0 = chunk buffer, 1 = assembled buffer
    m_pay_start: np.ndarray,
    m_pay_end: np.ndarray,
    m_raw_start: np.ndarray,
    m_raw_end: np.ndarray,
    m_fill: np.ndarray,
    m_line: np.ndarray,
    m_offset: np.ndarray,
    m_time: np.ndarray,
    m_chan: np.ndarray,
    m_parts: np.ndarray,
    asm_buf: np.ndarray,  # assembled payloads and raw text
    # orphan outputs (capacity >= nrec + T * MAX_PARTS)
    o_line: np.ndarray,
    o_offset: np.ndarray,
    o_time: np.ndarray,
    o_reason: np.ndarray,
    o_detail: np.ndarray,
    o_raw_start: np.ndarray,
    o_raw_end: np.ndarray,
    o_buf: np.ndarray,
) -> tuple[int, int, int, int]:
    """Messages from the chunk's AIS records. Returns (messages, asm bytes, orphans, o bytes)."""
    T = t_meta.shape[0]
    hi = t_serial[1]  # slots >= hi are free
    nm = 0
    na = 0
    no = 0
    nob = 0
    for r in range(nrec):
        if rec_kind[r] != K_AIS:
            continue
        if rec_count[r] == 1:
            m = nm
            nm += 1
            m_src[m] = 0
            m_pay_start[m] = rec_pay_start[r]
            m_pay_end[m] = rec_pay_end[r]
            m_raw_start[m] = rec_start[r]
            m_raw_end[m] = rec_end[r]
            m_fill[m] = rec_fill[r]
            m_line[m] = rec_line[r]
            m_offset[m] = offset0 + rec_start[r]
            m_time[m] = rec_time[r]
            m_chan[m] = rec_chan[r]
            m_parts[m] = 1
            continue
        rec_kind[r] = K_FRAGMENT
        cur_line = rec_line[r]
        cur_time = rec_time[r]
        # age-based eviction
        for s in range(hi):
            if t_meta[s, 0] == 0:
                continue
            old = cur_line - t_first_line[s] > max_lines
            if (not old) and cur_time != NO_TIME and t_time[s] != NO_TIME:
                old = cur_time - t_time[s] > max_age_us
            if old:
                no, nob = _orphan_entry(
                    s,
                    R_ORPHAN,
                    O_AGE,
                    t_meta,
                    t_part_line,
                    t_part_off,
                    t_part_time,
                    t_part_rawlen,
                    t_raw,
                    o_line,
                    o_offset,
                    o_time,
                    o_reason,
                    o_detail,
                    o_raw_start,
                    o_raw_end,
                    o_buf,
                    no,
                    nob,
                )
        cnt = rec_count[r]
        num = rec_num[r]
        seq = rec_seq[r]
        chan = rec_chan[r]
        src = rec_src[r]
        grp = rec_group[r]
        slot = -1
        for s in range(hi):
            if t_meta[s, 0] == 0:
                continue
            if t_meta[s, 1] != cnt or t_meta[s, 2] != seq or t_meta[s, 3] != chan:
                continue
            if src != 0 and t_meta[s, 4] != 0 and t_meta[s, 4] != src:
                continue
            if grp >= 0 and t_meta[s, 5] >= 0 and t_meta[s, 5] != grp:
                continue
            slot = s
            break
        if slot >= 0 and (t_meta[slot, 6] >> num) & 1:
            # this part number is already there: the open group is superseded
            no, nob = _orphan_entry(
                slot,
                R_ORPHAN,
                O_SUPERSEDED,
                t_meta,
                t_part_line,
                t_part_off,
                t_part_time,
                t_part_rawlen,
                t_raw,
                o_line,
                o_offset,
                o_time,
                o_reason,
                o_detail,
                o_raw_start,
                o_raw_end,
                o_buf,
                no,
                nob,
            )
            slot = -1
        if slot < 0:
            for s in range(T):
                if t_meta[s, 0] == 0:
                    slot = s
                    break
            if slot >= hi:
                hi = slot + 1
            if slot < 0:
                # table full: evict the oldest open group
                best = 0
                for s in range(1, T):
                    if t_meta[s, 7] < t_meta[best, 7]:
                        best = s
                no, nob = _orphan_entry(
                    best,
                    R_ORPHAN,
                    O_TABLE_FULL,
                    t_meta,
                    t_part_line,
                    t_part_off,
                    t_part_time,
                    t_part_rawlen,
                    t_raw,
                    o_line,
                    o_offset,
                    o_time,
                    o_reason,
                    o_detail,
                    o_raw_start,
                    o_raw_end,
                    o_buf,
                    no,
                    nob,
                )
                slot = best
            t_meta[slot, 0] = 1
            t_meta[slot, 1] = cnt
            t_meta[slot, 2] = seq
            t_meta[slot, 3] = chan
            t_meta[slot, 4] = src
            t_meta[slot, 5] = grp
            t_meta[slot, 6] = 0
            t_meta[slot, 7] = t_serial[0]
            t_serial[0] += 1
            t_first_line[slot] = cur_line
            t_time[slot] = NO_TIME
        if t_meta[slot, 4] == 0:
            t_meta[slot, 4] = src
        if t_meta[slot, 5] < 0:
            t_meta[slot, 5] = grp
        i = num - 1
        t_meta[slot, 6] |= 1 << num
        t_part_line[slot, i] = cur_line
        t_part_off[slot, i] = offset0 + rec_start[r]
        t_part_time[slot, i] = cur_time
        t_part_fill[slot, i] = rec_fill[r]
        rl = rec_end[r] - rec_start[r]
        t_part_rawlen[slot, i] = rl
        for k in range(rl):
            t_raw[slot, i, k] = buf[rec_start[r] + k]
        t_part_pay[slot, i, 0] = rec_pay_start[r] - rec_start[r]
        t_part_pay[slot, i, 1] = rec_pay_end[r] - rec_start[r]
        if t_time[slot] == NO_TIME and cur_time != NO_TIME:
            t_time[slot] = cur_time
        if t_meta[slot, 6] == ((1 << (cnt + 1)) - 2):
            # complete: payloads then raw lines into asm_buf
            m = nm
            nm += 1
            m_src[m] = 1
            m_pay_start[m] = na
            for j in range(cnt):
                a = t_part_pay[slot, j, 0]
                b = t_part_pay[slot, j, 1]
                for k in range(a, b):
                    asm_buf[na] = t_raw[slot, j, k]
                    na += 1
            m_pay_end[m] = na
            m_raw_start[m] = na
            for j in range(cnt):
                if j > 0:
                    asm_buf[na] = 10
                    na += 1
                for k in range(t_part_rawlen[slot, j]):
                    asm_buf[na] = t_raw[slot, j, k]
                    na += 1
            m_raw_end[m] = na
            m_fill[m] = t_part_fill[slot, cnt - 1]
            m_line[m] = t_part_line[slot, 0]
            m_offset[m] = t_part_off[slot, 0]
            tm = t_part_time[slot, 0]
            if tm == NO_TIME:
                tm = t_time[slot]
            m_time[m] = tm
            m_chan[m] = t_meta[slot, 3]
            m_parts[m] = cnt
            t_meta[slot, 0] = 0
        while hi > 0 and t_meta[hi - 1, 0] == 0:
            hi -= 1
    if flush:
        for s in range(T):
            if t_meta[s, 0] != 0:
                no, nob = _orphan_entry(
                    s,
                    R_PENDING,
                    O_END,
                    t_meta,
                    t_part_line,
                    t_part_off,
                    t_part_time,
                    t_part_rawlen,
                    t_raw,
                    o_line,
                    o_offset,
                    o_time,
                    o_reason,
                    o_detail,
                    o_raw_start,
                    o_raw_end,
                    o_buf,
                    no,
                    nob,
                )
        hi = 0
    t_serial[1] = hi
    return nm, na, no, nob


@njit(cache=True)
def _orphan_entry(
    s: int,
    reason: int,
    detail: int,
    t_meta: np.ndarray,
    t_part_line: np.ndarray,
    t_part_off: np.ndarray,
    t_part_time: np.ndarray,
    t_part_rawlen: np.ndarray,
    t_raw: np.ndarray,
    o_line: np.ndarray,
    o_offset: np.ndarray,
    o_time: np.ndarray,
    o_reason: np.ndarray,
    o_detail: np.ndarray,
    o_raw_start: np.ndarray,
    o_raw_end: np.ndarray,
    o_buf: np.ndarray,
    no: int,
    nob: int,
) -> tuple[int, int]:
    """Move every part held in slot ``s`` to the orphan outputs and free the slot."""
    mask = t_meta[s, 6]
    for j in range(MAX_PARTS):
        if (mask >> (j + 1)) & 1:
            o_line[no] = t_part_line[s, j]
            o_offset[no] = t_part_off[s, j]
            o_time[no] = t_part_time[s, j]
            o_reason[no] = reason
            o_detail[no] = detail
            o_raw_start[no] = nob
            for k in range(t_part_rawlen[s, j]):
                o_buf[nob] = t_raw[s, j, k]
                nob += 1
            o_raw_end[no] = nob
            no += 1
    t_meta[s, 0] = 0
    return no, nob


@njit(cache=True)
def gather_spans(
    chunk: np.ndarray,
    asm_buf: np.ndarray,
    src: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    rows: np.ndarray,
    offsets: np.ndarray,
    out: np.ndarray,
) -> None:
    """Copy the byte spans ``[start, end)`` of messages ``rows`` back to back into ``out``.

    A message's bytes are in ``chunk`` (``src`` 0) or, for assembled multipart messages, in
    ``asm_buf``; ``offsets[i]`` is where row ``i`` starts in ``out``.
    """
    for i in range(rows.size):
        r = rows[i]
        buf = chunk if src[r] == 0 else asm_buf
        o = offsets[i]
        for k in range(start[r], end[r]):
            out[o] = buf[k]
            o += 1
