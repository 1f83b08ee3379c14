"""Robustness of the NMEA decoder: random and mutated input never crashes and loses nothing.

Inputs: random bytes; sentences of the fixtures in ``tests/data/nmea`` mutated by truncation,
checksum corruption, wrong fill bits, oversized payloads, bad characters, garbled fragment
headers and random tag blocks; fragments shuffled so that groups interleave, arrive out of
order or are orphaned. After every decode:

* no exception, and :meth:`Accounting.check` holds;
* ``rows_by_table`` matches the tables, the rejects' parts add up to rejected + pending;
* every line number in a table is one of the input's lines;
* where each line is one record (no backslash after a sentence), every line lands in exactly
  one bucket: the first line of a decoded message (a data row), the first line of a reject, or
  one of the untraced lines (non-AIS, ignored, later fragments of a decoded or rejected
  multipart message), and their counts add up to the number of lines.

The ``slow`` test pushes more than a million lines through in one go.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkfleet.accounting import Accounting
from darkfleet.io.nmea import decode_nmea

TEST_DATA = Path(__file__).resolve().parent.parent / "data" / "nmea"
DATA_TABLES = ("positions", "statics", "base_stations", "aids_to_navigation", "other_messages")
HEX = "0123456789ABCDEF"


def _checksum(body: bytes) -> bytes:
    x = 0
    for c in body:
        x ^= c
    return f"{x:02X}".encode()


def _pool() -> list[bytes]:
    """Every line of the fixtures, plus tag-block-framed copies of their sentences."""
    lines: list[bytes] = []
    for path in sorted(TEST_DATA.iterdir()):
        lines.extend(line.rstrip(b"\r") for line in path.read_bytes().split(b"\n"))
    framed = []
    for i, line in enumerate(lines):
        if line.startswith(b"!"):
            body = b"c:%d,s:rx%d" % (1_330_000_000 + i, i % 3)
            framed.append(b"\\" + body + b"*" + _checksum(body) + b"\\" + line.split(b"\\")[0])
    return lines + framed


POOL = _pool()
SENTENCES = [line for line in POOL if b"VDM," in line or b"VDO," in line]


def _resum(line: bytes) -> bytes:
    """Recompute the checksum of the (last) sentence in ``line``."""
    start = max(line.rfind(b"!"), line.rfind(b"$"))
    star = line.find(b"*", start)
    if start < 0 or star < 0:
        return line
    return line[: star + 1] + _checksum(line[start + 1 : star]) + line[star + 3 :]


def _fields(line: bytes) -> tuple[int, list[bytes]]:
    start = line.rfind(b"!")
    star = line.find(b"*", start)
    end = star if star >= 0 else len(line)
    return start, line[start:end].split(b",")


def _replace_field(line: bytes, index: int, value: bytes) -> bytes:
    start, f = _fields(line)
    if start < 0 or len(f) <= index:
        return line
    tail = line[start + len(b",".join(f)) :]
    f[index] = value
    return line[:start] + b",".join(f) + tail


def mutate(line: bytes, rnd: random.Random) -> bytes:
    """One random mutation of a line."""
    kind = rnd.randrange(10)
    if kind == 0:  # truncation
        return line[: rnd.randrange(len(line) + 1)]
    if kind == 1:  # checksum corruption
        star = line.rfind(b"*")
        if star < 0:
            return line
        hh = "".join(rnd.choice(HEX + "g ") for _ in range(2)).encode()
        return line[: star + 1] + hh + line[star + 3 :]
    if kind == 2:  # wrong fill bits
        fill = rnd.choice([b"6", b"7", b"9", b"x", b"", b"-1", b"5", b"05"])
        return _resum(_replace_field(line, 6, fill))
    if kind == 3:  # oversized payload
        _, f = _fields(line)
        if len(f) > 5:
            return _resum(_replace_field(line, 5, f[5] * rnd.randint(2, 12)))
        return line
    if kind == 4:  # a character of the payload replaced
        _, f = _fields(line)
        if len(f) > 5 and f[5]:
            p = bytearray(f[5])
            p[rnd.randrange(len(p))] = rnd.randrange(33, 127)
            out = _replace_field(line, 5, bytes(p))
            return _resum(out) if rnd.random() < 0.7 else out
        return line
    if kind == 5:  # garbled fragment header
        i = rnd.choice([1, 2, 3, 4])
        v = rnd.choice([b"0", b"1", b"2", b"3", b"9", b"10", b"x", b"", b"99999", b"AB"])
        return _resum(_replace_field(line, i, v))
    if kind == 6:  # random tag block in front
        items = []
        for key in rnd.sample([b"c", b"s", b"g", b"si", b"t", b"n", b"zz"], rnd.randint(0, 4)):
            if key == b"c":
                val = str(rnd.choice([rnd.randrange(10**13), rnd.randrange(10**10), -5])).encode()
            elif key == b"g":
                val = b"%d-%d-%d" % (rnd.randint(0, 4), rnd.randint(0, 4), rnd.randint(0, 3))
            else:
                val = bytes(rnd.randrange(48, 123) for _ in range(rnd.randint(0, 8)))
            items.append(key + b":" + val)
        body = b",".join(items)
        cs = _checksum(body) if rnd.random() < 0.8 else b"ZZ"
        return b"\\" + body + b"*" + cs + b"\\" + line.split(b"\\")[-1]
    if kind == 7:  # random bytes
        return bytes(rnd.choice(_NO_SPLIT) for _ in range(rnd.randint(0, 90)))
    if kind == 8:  # trailing receiver fields
        extra = rnd.choice([b",1327992119157", b",1327992119.25", b",x,y,,", b",99999999999999"])
        return line + extra
    return line  # unchanged


_NO_SPLIT = [b for b in range(256) if b not in (10, 92)]  # no newline, no backslash


def lines_expected(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def check_invariants(data: bytes, tables: dict[str, pl.DataFrame], acc: Accounting) -> None:
    acc.check()
    n_lines = lines_expected(data)
    assert acc.lines_read == n_lines
    assert acc.records >= n_lines
    assert dict(acc.rows_by_table) == {k: f.height for k, f in tables.items() if f.height}
    rejects = tables["rejects"]
    parts = int(rejects["raw"].str.count_matches("\n").sum()) + rejects.height
    assert parts == acc.rejected + acc.pending
    assert rejects["reason"].null_count() == 0 and rejects["detail"].null_count() == 0
    for frame in tables.values():
        if frame.height:
            assert frame["line"].min() >= 1 and frame["line"].max() <= n_lines
    # decoded messages: type 19 fills a positions and a statics row
    n19 = tables["statics"].filter(pl.col("msg_type") == 19).height
    messages = sum(tables[t].height for t in DATA_TABLES) - n19
    assert messages <= acc.decoded
    if acc.records != n_lines:
        return  # some line held several records: the per-line check below does not apply
    data_lines = pl.concat([tables[t].select("line") for t in DATA_TABLES])["line"]
    reject_lines = rejects["line"]
    assert data_lines.n_unique() == messages, "two messages on one line"
    assert reject_lines.n_unique() == rejects.height, "two rejects on one line"
    assert not set(data_lines.to_list()) & set(reject_lines.to_list())
    untraced = n_lines - messages - rejects.height
    later_parts = (acc.decoded - messages) + (parts - rejects.height)
    assert untraced == acc.non_ais + acc.ignored + later_parts


def _run(data: bytes, **options) -> None:
    tables, acc = decode_nmea(data, **options)
    check_invariants(data, tables, acc)


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    _run(data)


@FUZZ
@given(st.lists(st.binary(max_size=120), max_size=40), st.sampled_from([b"\n", b"\r\n"]))
def test_random_lines(lines: list[bytes], sep: bytes) -> None:
    _run(sep.join(lines))


@FUZZ
@given(
    st.lists(st.sampled_from(POOL), min_size=1, max_size=60),
    st.randoms(use_true_random=False),
    st.floats(0, 1),
    st.booleans(),
)
def test_mutated_sentences(
    lines: list[bytes], rnd: random.Random, rate: float, accept: bool
) -> None:
    out = [mutate(line, rnd) if rnd.random() < rate else line for line in lines]
    _run(b"\n".join(out) + rnd.choice([b"", b"\n"]), accept_bad_checksum=accept)


@FUZZ
@given(
    st.lists(st.sampled_from([s for s in SENTENCES if b",2," in s[:16] or b",3," in s[:16]]),
             min_size=1, max_size=40),
    st.randoms(use_true_random=False),
    st.integers(1, 200),
    st.integers(1, 20),
)  # fmt: skip
def test_interleaved_and_orphaned_fragments(
    fragments: list[bytes], rnd: random.Random, chunk: int, max_lines: int
) -> None:
    rnd.shuffle(fragments)
    data = b"\n".join(fragments) + b"\n"
    tables, acc = decode_nmea(data, chunk_bytes=chunk, max_fragment_lines=max_lines)
    check_invariants(data, tables, acc)
    whole, acc_whole = decode_nmea(data, max_fragment_lines=max_lines)
    assert acc.to_dict() == acc_whole.to_dict()
    for name, frame in whole.items():
        assert frame.equals(tables[name]), name


@FUZZ
@given(st.lists(st.sampled_from(POOL), max_size=30), st.randoms(use_true_random=False))
def test_several_sentences_per_line(lines: list[bytes], rnd: random.Random) -> None:
    joined: list[bytes] = []
    for line in lines:
        if joined and rnd.random() < 0.5:
            joined[-1] += line if line.startswith(b"\\") else b"\\c:1*00\\" + line
        else:
            joined.append(line)
    _run(b"\n".join(joined))


# ---------------------------------------------------------------------------------------------
# a million lines


def _bulk_pool(rng: np.random.Generator, size: int) -> list[bytes]:
    """Pool entries: valid lines, whole multipart groups in order, mutants, random bytes."""
    rnd = random.Random(int(rng.integers(2**32)))
    pool = [line.replace(b"\\", b"") if line.count(b"\\") > 2 else line for line in POOL]
    groups = []  # consecutive fragments of one message, kept together so they assemble
    for i, line in enumerate(pool[:-2]):
        if b",2,1," in line:
            groups.append(pool[i] + b"\n" + pool[i + 1])
        elif b",3,1," in line:
            groups.append(b"\n".join(pool[i : i + 3]))
    out = list(pool) + groups * 3
    noise = rng.choice(np.asarray(_NO_SPLIT, np.uint8), size=(size // 10, 60))
    lengths = rng.integers(0, 61, size=size // 10)
    out.extend(bytes(row[:n]) for row, n in zip(noise, lengths, strict=True))
    while len(out) < size:
        out.append(mutate(rnd.choice(pool), rnd))
    return out


@pytest.mark.slow
def test_a_million_fuzzed_lines() -> None:
    rng = np.random.default_rng(20240611)
    pool = _bulk_pool(rng, 20_000)
    picks = rng.integers(0, len(pool), size=1_000_000)
    data = b"\n".join([pool[i] for i in picks]) + b"\n"
    n_lines = lines_expected(data)
    assert n_lines >= 1_000_000
    t0 = time.perf_counter()
    tables, acc = decode_nmea(data)
    seconds = time.perf_counter() - t0
    assert acc.records >= n_lines  # a line holding several sentences counts each one
    check_invariants(data, tables, acc)
    assert acc.decoded > 0.2 * n_lines and acc.rejected > 0.05 * n_lines
    print(
        f"\nfuzzed {n_lines:,} lines ({len(data) / 1e6:.1f} MB) in {seconds:.1f} s: "
        f"{acc.decoded:,} decoded, {acc.rejected:,} rejected, {acc.pending:,} pending, "
        f"{acc.non_ais:,} non-AIS, {acc.ignored:,} ignored; "
        f"reasons {dict(sorted(acc.rejected_by_reason.items()))}"
    )
