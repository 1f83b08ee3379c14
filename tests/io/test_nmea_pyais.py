"""darkfleet's NMEA decoder against pyais, field by field, on real recordings.

The reference side is built without darkfleet's framing code: each line is searched for
``!xxVDM``/``!xxVDO`` sentences with a regular expression (tag blocks, ``$PGHP`` headers and
trailing receiver fields are simply not matched), multipart fragments are grouped by a simple
assembler written here (sequence id + channel, consecutive parts), and each message is decoded
with ``pyais.decode(*sentences, error_if_checksum_invalid=True)``. pyais keeps the raw
"not available" sentinels (lon 181, heading 511, ...); they are mapped to ``None`` here with the
ITU-R M.1371 / gpsd AIVDM rules, written out independently of ``spec.py``.

Rows are aligned by (table, line of the first fragment, order within the line). Every
disagreement must match one of the *known differences* below (each pinned by its own small
test further down, with the exact sentence); anything else fails the test. Run with ``-s`` for
the per-file summary.

Known differences from pyais (also listed in the README):

``short``
    darkfleet rejects a message shorter than its type's layout (``payload_too_short``, e.g. a
    type 1 of 162 bits); pyais zero-pads / leaves the missing fields ``None`` and decodes it.
``bad_char``
    darkfleet rejects a payload character outside the six-bit alphabet
    (``invalid_payload_character``); pyais maps it to 0 and decodes.
``type0``
    pyais decodes message type 0 (undefined) as a type 1 position report; darkfleet keeps it
    whole in ``other_messages``.
``at_in_text``
    six-bit text ends at the first ``@`` (gpsd's rule, ITU-R M.1371 uses ``@`` as the
    terminator/padding); pyais only strips ``@`` at the right end, so ``@@J130B`` stays as is.
``rot``
    pyais rounds the rate of turn to a whole degree per minute; darkfleet keeps the exact
    ``(raw / 4.733)²``. Compared after the same rounding, so not a disagreement; pinned anyway.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pyais = pytest.importorskip("pyais")
from pyais.messages import NMEAMessage  # noqa: E402

from darkfleet.io.nmea import decode_nmea, read_nmea  # noqa: E402

PERMISSIVE = (
    "dma_aislib_stream_example.txt",
    "amsa_risky_ais.txt",
    "amsa_risky_exact-earth-augmented*.txt",
    "amsa_risky_exact-earth-with-tag-block.txt",
    "gpsd_sample.aivdm",
    "gpsd_ais-nmea-type6-fid55.log",
    "signalk_*.log",
    "pyais_nmea_data_sample.txt",
    "gfw_aistools_*.nmea",
)

SENTENCE = re.compile(rb"![^!,\\*]{2}VD[MO],[^*\\!]*\*[0-9A-Fa-f]{2}")
CHANNELS = {"A", "B", "1", "2"}
EPOCH0 = datetime(1970, 1, 1, tzinfo=UTC)
PROVENANCE = ("source_id", "line", "timestamp", "channel")
#: darkfleet column -> pyais field whose enum conversion is lossy (unknown codes collapse)
ENUM_COLUMNS = {
    "ship_type": "ship_type",
    "epfd": "epfd",
    "nav_status": "status",
    "maneuver": "maneuver",
    "aid_type": "aid_type",
}

# ---------------------------------------------------------------------------------------------
# the reference side


@dataclass
class RefMessage:
    """One message as the reference sees it: the sentences, pyais' result or its error."""

    line: int
    sentences: list[bytes]
    channel: str | None
    payload: str
    fill: int
    time: datetime | None = None  # from the first fragment's own framing, parsed here
    msg: Any = None  # a pyais message
    error: str | None = None  # pyais' exception class name

    def msg_bits(self) -> Any:
        """pyais' bit vector of the assembled message."""
        return NMEAMessage.assemble_from_iterable([NMEAMessage(s) for s in self.sentences]).bv

    def raw_bits(self, name: str) -> int | None:
        """A field's raw bits, read with pyais' own bit vector and field table."""
        bv = self.msg_bits()
        for fname, offset, width, signed, *_ in type(self.msg).decoder_plan():
            if fname == name:
                return None if offset >= len(bv) else bv.get_num(offset, width, signed)
        raise KeyError(name)


def _fields(sentence: bytes) -> list[bytes]:
    return sentence[: sentence.rindex(b"*")].split(b",")


EPOCH = re.compile(rb"(\d{10})(\.\d+)?|(\d{13})")
PGHP = re.compile(rb"\$PGHP,1,(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),")


def _epoch(text: bytes) -> datetime | None:
    m = EPOCH.fullmatch(text)
    if m is None:
        return None
    if m.group(3):
        return EPOCH0 + timedelta(milliseconds=int(m.group(3)))
    frac = m.group(2) or b"."
    micros = int((frac[1:] + b"000000")[:6])
    return EPOCH0 + timedelta(seconds=int(m.group(1)), microseconds=micros)


def _sentence_time(line: bytes, m: re.Match[bytes], pghp: datetime | None) -> datetime | None:
    """Own tag block ``c:`` > first trailing epoch after the checksum > a ``$PGHP`` before."""
    before = line[: m.start()]
    if before.endswith(b"\\"):
        tag = before[before.rfind(b"\\", 0, len(before) - 1) + 1 : -1].split(b"*")[0]
        for item in tag.split(b","):
            if item.startswith(b"c:"):
                return _epoch(item[2:])
    for item in line[m.end() :].split(b"\\")[0].split(b","):
        t = _epoch(item)
        if t is not None:
            return t
    return pghp


def _finish(line: int, parts: list[bytes], time: datetime | None) -> RefMessage:
    f = [_fields(p) for p in parts]
    chan = f[0][4].decode("ascii", "replace")
    ref = RefMessage(
        line=line,
        time=time,
        sentences=parts,
        channel=chan if chan in CHANNELS else None,
        payload=b"".join(x[5] for x in f).decode("ascii", "replace"),
        fill=int(f[-1][6]) if f[-1][6:] and f[-1][6].isdigit() else 0,
    )
    try:
        ref.msg = pyais.decode(*parts, error_if_checksum_invalid=True)
    except Exception as err:  # pyais' verdict is data here, whatever it is
        ref.error = type(err).__name__
    return ref


def reference_messages(data: bytes) -> tuple[list[RefMessage], int]:
    """(messages, AIS sentences seen) of a recording, by the simple reference assembler."""
    out: list[RefMessage] = []
    open_groups: dict[tuple[bytes, bytes], tuple[int, list[bytes], datetime | None]] = {}
    n_sent = 0
    pghp: datetime | None = None  # a $PGHP header applies to the next sentence
    for lineno, line in enumerate(data.split(b"\n"), start=1):
        if line.lstrip().startswith(b"#"):  # a comment, even when it quotes a sentence
            continue
        if h := PGHP.match(line):
            y, mo, d, hh, mi, ss, ms = (int(x) for x in h.groups())
            pghp = datetime(y, mo, d, hh, mi, ss, ms * 1000, tzinfo=UTC)
            continue
        for m in SENTENCE.finditer(line):
            s = m.group(0)
            n_sent += 1
            time = _sentence_time(line, m, pghp)
            pghp = None
            f = _fields(s)
            if len(f) < 7 or not (f[1].isdigit() and f[2].isdigit()):
                out.append(_finish(lineno, [s], time))  # pyais says why
                continue
            cnt, num = int(f[1]), int(f[2])
            if cnt == 1:
                out.append(_finish(lineno, [s], time))
                continue
            key = (f[3], f[4])
            if num == 1:
                open_groups[key] = (lineno, [s], time)
            elif key in open_groups and len(open_groups[key][1]) == num - 1:
                open_groups[key][1].append(s)
            else:
                open_groups.pop(key, None)
                continue
            first, parts, t0 = open_groups[key]
            if len(parts) == cnt:
                del open_groups[key]
                out.append(_finish(first, parts, t0))
    return out, n_sent


def _none_if(v: Any, *sentinels: Any) -> Any:
    return None if v is None or v in sentinels else v


def _text(v: str | None) -> str | None:
    return v or None


def _turn(v: Any) -> float | None:
    if v is None or v == -128:
        return None
    if abs(v) == 127:  # pyais keeps the raw "turning, no indicator" code
        return math.copysign(round((127 / 4.733) ** 2), v)
    return float(v)


def _lonlat(d: dict[str, Any]) -> dict[str, Any]:
    return {"lon": _none_if(d["lon"], 181.0), "lat": _none_if(d["lat"], 91.0)}


def _dims(d: dict[str, Any]) -> dict[str, Any]:
    return {f"{k}_m": _none_if(d[k], 0) for k in ("to_bow", "to_stern", "to_port", "to_starboard")}


def _station_utc(d: dict[str, Any]) -> datetime | None:
    try:
        return datetime(
            d["year"], d["month"], d["day"], d["hour"], d["minute"], d["second"], tzinfo=UTC
        )
    except (TypeError, ValueError):
        return None


def expected(ref: RefMessage) -> dict[str, dict[str, Any]]:
    """table -> {canonical column: value} from pyais, sentinels mapped to None."""
    d = ref.msg.asdict(enum_as_int=True)
    t = d["msg_type"]
    head = {"msg_type": t, "repeat": d["repeat"], "mmsi": d["mmsi"]}
    if t in (1, 2, 3):
        return {
            "positions": {
                **head,
                **_lonlat(d),
                "nav_status": d["status"],
                "rot_deg_min": _turn(d["turn"]),
                "sog_kn": _none_if(d["speed"], 102.3),
                "position_accuracy": d["accuracy"],
                "cog_deg": _none_if(d["course"], 360.0),
                "heading_deg": _none_if(d["heading"], 511),
                "utc_second": d["second"],
                "maneuver": d["maneuver"],
                "raim": d["raim"],
                "radio_status": d["radio"],
            }
        }
    if t in (4, 11):
        return {
            "base_stations": {
                **head,
                **_lonlat(d),
                "station_utc": _station_utc(d),
                "year": _none_if(d["year"], 0),
                "month": _none_if(d["month"], 0),
                "day": _none_if(d["day"], 0),
                "hour": _none_if(d["hour"], 24),
                "minute": _none_if(d["minute"], 60),
                "second": _none_if(d["second"], 60),
                "position_accuracy": d["accuracy"],
                "epfd": d["epfd"],
                "raim": d["raim"],
                "radio_status": d["radio"],
            }
        }
    if t == 5:
        return {
            "statics": {
                **head,
                **_dims(d),
                "ais_version": d["ais_version"],
                "imo": _none_if(d["imo"], 0),
                "callsign": _text(d["callsign"]),
                "shipname": _text(d["shipname"]),
                "ship_type": _none_if(d["ship_type"], 0),
                "epfd": d["epfd"],
                "eta_month": _none_if(d["month"], 0),
                "eta_day": _none_if(d["day"], 0),
                "eta_hour": _none_if(d["hour"], 24),
                "eta_minute": _none_if(d["minute"], 60),
                "draught_m": _none_if(d["draught"], 0.0),
                "destination": _text(d["destination"]),
                "dte": d["dte"],
            }
        }
    if t in (18, 19):
        pos = {
            **head,
            **_lonlat(d),
            "sog_kn": _none_if(d["speed"], 102.3),
            "position_accuracy": d["accuracy"],
            "cog_deg": _none_if(d["course"], 360.0),
            "heading_deg": _none_if(d["heading"], 511),
            "utc_second": d["second"],
            "raim": d["raim"],
        }
        if t == 18:
            return {"positions": {**pos, "radio_status": d["radio"]}}
        return {
            "positions": pos,
            "statics": {
                **head,
                **_dims(d),
                "shipname": _text(d["shipname"]),
                "ship_type": _none_if(d["ship_type"], 0),
                "epfd": d["epfd"],
                "dte": d["dte"],
            },
        }
    if t == 21:
        name = (d["name"] or "") + (d["name_ext"] or "")
        return {
            "aids_to_navigation": {
                **head,
                **_lonlat(d),
                **_dims(d),
                "aid_type": d["aid_type"],
                "name": name or None,
                "position_accuracy": d["accuracy"],
                "epfd": d["epfd"],
                "utc_second": d["second"],
                "off_position": d["off_position"],
                "raim": d["raim"],
                "virtual_aid": d["virtual_aid"],
                "assigned": d["assigned"],
            }
        }
    if t == 24 and d["partno"] == 0:
        row = {**head, "part_number": 0, "shipname": _text(d["shipname"])}
        return {"statics": row}
    if t == 24 and d["partno"] == 1:
        row = {
            **head,
            "part_number": 1,
            "ship_type": _none_if(d["ship_type"], 0),
            "vendor_id": _text(d["vendorid"]),
            "callsign": _text(d["callsign"]),
        }
        if "mothership_mmsi" in d:  # auxiliary craft (98xxxxxxx)
            row["mothership_mmsi"] = d["mothership_mmsi"]
        else:
            row.update(_dims(d))
        return {"statics": row}
    if t == 27:
        return {
            "positions": {
                **head,
                **_lonlat(d),
                "position_accuracy": d["accuracy"],
                "raim": d["raim"],
                "nav_status": d["status"],
                "sog_kn": _none_if(d["speed"], 63.0),
                "cog_deg": _none_if(d["course"], 511.0),
            }
        }
    return {}


def expected_other(ref: RefMessage) -> dict[str, Any]:
    """The ``other_messages`` row of a message darkfleet keeps whole (pyais' bit vector)."""
    bv = ref.msg_bits()
    return {
        "timestamp": ref.time,
        "channel": ref.channel,
        "msg_type": bv.get(0, 6),
        "repeat": bv.get(6, 2),
        "mmsi": bv.get(8, 30),
        "payload": ref.payload,
        "fill_bits": ref.fill,
        "fragments": len(ref.sentences),
    }


# ---------------------------------------------------------------------------------------------
# the comparison


def _equal(col: str, got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    if col in ("lon", "lat"):
        return abs(got - want) <= 1e-6
    if col == "rot_deg_min":  # pyais rounds to whole degrees per minute
        return math.copysign(round(abs(got)), got) == want
    return bool(got == want)


@dataclass
class Stats:
    sentences: int = 0
    messages: int = 0
    compared: int = 0
    fields: int = 0
    other: int = 0
    both_rejected: int = 0
    times: int = 0
    known: Counter[str] = field(default_factory=Counter)
    unexplained: list[str] = field(default_factory=list)


def _rows_by_line(tables: dict[str, pl.DataFrame]) -> dict[tuple[str, int], list[dict]]:
    rows: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for name, frame in tables.items():
        if name == "rejects":
            continue
        for row in frame.iter_rows(named=True):
            rows[(name, row["line"])].append(row)
    return rows


def _at_text_explains(col: str, got: Any, want: Any, ref: RefMessage) -> bool:
    """darkfleet cut the text at the first '@' where pyais kept it."""
    if not isinstance(want, str) or "@" not in want:
        return False
    return got == (want.split("@", 1)[0].strip() or None)


#: darkfleet text column -> the pyais field that ends it (type 21: ``name`` + ``name_ext``)
TEXT_END_FIELD = {
    "shipname": "shipname",
    "callsign": "callsign",
    "destination": "destination",
    "vendor_id": "vendorid",
    "name": "name_ext",
}


def _partial_char_explains(col: str, got: Any, want: Any, ref: RefMessage) -> bool:
    """pyais decoded the < 6 spare bits at the end of the message as one more character."""
    if not isinstance(want, str) or col not in TEXT_END_FIELD:
        return False
    nbits = len(ref.msg_bits())
    for fname, offset, width, *_ in type(ref.msg).decoder_plan():
        if fname == TEXT_END_FIELD[col]:
            cut = offset < nbits < offset + width and (nbits - offset) % 6 != 0
            return cut and got == (want[:-1].strip() or None)
    return False


def compare_file(path: Path) -> Stats:
    data = path.read_bytes()
    refs, n_sent = reference_messages(data)
    tables = read_nmea(path)
    rows = _rows_by_line(tables)
    rejects = defaultdict(set)
    for line, reason in tables["rejects"].select("line", "reason").iter_rows():
        rejects[line].add(reason)
    st = Stats(sentences=n_sent, messages=len(refs))
    taken: Counter[tuple[str, int]] = Counter()

    def take(table: str, line: int) -> dict | None:
        k = (table, line)
        i = taken[k]
        if i < len(rows.get(k, [])):
            taken[k] += 1
            return rows[k][i]
        return None

    def unexplained(ref: RefMessage, what: str) -> None:
        st.unexplained.append(f"{path.name}:{ref.line}: {what}: {ref.sentences!r}")

    for ref in refs:
        if ref.error is not None:
            if ref.error == "UnknownMessageException" or ref.error == "UnknownPartNoException":
                # types 28-63 and type 24 parts 2/3: pyais has no class; darkfleet keeps raw
                row = take("other_messages", ref.line)
                if row is None:
                    unexplained(ref, f"pyais {ref.error}, darkfleet has no other_messages row")
                    continue
                exp = expected_other(ref)
                st.times += ref.time is not None
                for col, want in exp.items():
                    st.fields += 1
                    if row[col] != want:
                        unexplained(ref, f"other_messages.{col}: {row[col]!r} != {want!r}")
                st.other += 1
            else:
                st.both_rejected += 1  # pyais refuses: darkfleet must not decode it either
            continue
        t = ref.msg.msg_type
        if t == 0 and ref.payload[:1] == "0":
            row = take("other_messages", ref.line)
            if row is not None and row["msg_type"] == 0:
                st.known["type0"] += 1
                continue
        exp = expected(ref)
        if not exp:
            row = take("other_messages", ref.line)
            if row is None:
                why = rejects.get(ref.line, set())
                if "payload_too_short" in why:
                    st.known["short"] += 1
                elif "invalid_payload_character" in why:
                    st.known["bad_char"] += 1
                else:
                    unexplained(ref, f"type {t}: no other_messages row (rejects: {why})")
                continue
            st.times += ref.time is not None
            for col, want in expected_other(ref).items():
                st.fields += 1
                if row[col] != want:
                    unexplained(ref, f"other_messages.{col}: {row[col]!r} != {want!r}")
            st.other += 1
            continue
        for table, want_row in exp.items():
            row = take(table, ref.line)
            if row is None:
                why = rejects.get(ref.line, set())
                if "payload_too_short" in why:
                    st.known["short"] += 1
                elif "invalid_payload_character" in why:
                    st.known["bad_char"] += 1
                else:
                    unexplained(ref, f"type {t}: no {table} row (rejects: {why})")
                continue
            st.compared += 1
            st.times += ref.time is not None
            if row["timestamp"] != ref.time:
                unexplained(ref, f"{table}.timestamp: {row['timestamp']} != {ref.time}")
            if row["channel"] != ref.channel:
                unexplained(ref, f"{table}.channel: {row['channel']!r} != {ref.channel!r}")
            for col, got in row.items():
                if col in PROVENANCE:
                    continue
                want = want_row.get(col)
                st.fields += 1
                if _equal(col, got, want):
                    continue
                if _at_text_explains(col, got, want, ref):
                    st.known["at_in_text"] += 1
                    continue
                if _partial_char_explains(col, got, want, ref):
                    st.known["partial_char"] += 1
                    continue
                if col in ENUM_COLUMNS and got == ref.raw_bits(ENUM_COLUMNS[col]):
                    st.known["enum"] += 1
                    continue
                unexplained(ref, f"{table}.{col}: darkfleet {got!r} != pyais {want!r}")
    # every darkfleet row must have been matched by a reference message
    for (table, line), lst in rows.items():
        extra = len(lst) - taken[(table, line)]
        if extra > 0:
            st.unexplained.append(f"{path.name}:{line}: {extra} {table} row(s) pyais did not give")
    return st


def _permissive_files(shared: Path) -> list[Path]:
    files: list[Path] = []
    for pattern in PERMISSIVE:
        files.extend(sorted((shared / "nmea").glob(pattern)))
    return files


@pytest.mark.shared
def test_field_by_field_against_pyais(shared_data: Path) -> None:
    files = _permissive_files(shared_data)
    assert len(files) >= 12
    total = Stats()
    problems: list[str] = []
    print()
    print(
        f"{'file':45} {'sentences':>9} {'messages':>8} {'compared':>8} {'other':>6} "
        f"{'fields':>8} {'times':>6} {'both_rej':>8}  known differences"
    )
    for path in files:
        st = compare_file(path)
        known = ", ".join(f"{k} {v}" for k, v in sorted(st.known.items())) or "-"
        print(
            f"{path.name:45} {st.sentences:9d} {st.messages:8d} {st.compared:8d} "
            f"{st.other:6d} {st.fields:8d} {st.times:6d} {st.both_rejected:8d}  {known}"
        )
        total.sentences += st.sentences
        total.messages += st.messages
        total.compared += st.compared
        total.other += st.other
        total.fields += st.fields
        total.both_rejected += st.both_rejected
        total.times += st.times
        total.known.update(st.known)
        problems.extend(st.unexplained)
    known = ", ".join(f"{k} {v}" for k, v in sorted(total.known.items())) or "-"
    print(
        f"{'TOTAL':45} {total.sentences:9d} {total.messages:8d} {total.compared:8d} "
        f"{total.other:6d} {total.fields:8d} {total.times:6d} {total.both_rejected:8d}  {known}"
    )
    assert not problems, f"{len(problems)} unexplained disagreements:\n" + "\n".join(problems[:40])
    assert total.compared > 30_000


# ---------------------------------------------------------------------------------------------
# each known difference, pinned with the exact sentence (no shared data needed)


def _nmea(body: str) -> bytes:
    """``!body*hh`` with the right checksum."""
    cs = 0
    for c in body.encode("ascii"):
        cs ^= c
    return f"!{body}*{cs:02X}".encode("ascii")


def _decode(*sentences: bytes, **options: Any) -> dict[str, pl.DataFrame]:
    tables, _acc = decode_nmea(b"\n".join(sentences) + b"\n", **options)
    return tables


def test_short_message_rejected_where_pyais_zero_pads() -> None:
    # gpsd test/sample.aivdm (BSD-2-Clause): a type 1 of 163 bits (fill 5).
    s = b"!AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28JO,5*63"
    msg = pyais.decode(s)
    assert msg.msg_type == 1 and msg.mmsi == 244740981  # pyais decodes it anyway
    tables = _decode(s)
    assert tables["positions"].height == 0
    rej = tables["rejects"]
    assert rej.select("line", "reason", "raw").rows() == [(1, "payload_too_short", s.decode())]
    assert "type 1 message of 163 bits" in rej["detail"][0]


def test_text_ends_at_first_at_sign() -> None:
    # amsa-code/risky ais.txt (Apache-2.0), lines 1132 and 18015.
    s5 = b"!AIVDM,1,1,7,1,56Sf<N01jR>3?7D0001TtpLAD<d000000000016@00000401P1T00000000000000000000,2*68"
    s24 = b"!BSVDM,1,1,,A,H7P:0D4l00000000F=knoj0h;330,0*2E"
    assert pyais.decode(s5).shipname == "YONGDUCK@@@@@@@@@@@Q"
    assert pyais.decode(s24).callsign == "@VM3672"
    statics = _decode(s5, s24)["statics"]
    assert statics["shipname"][0] == "YONGDUCK"
    assert statics["callsign"][1] is None


def test_spare_bits_are_not_a_character() -> None:
    # gpsd test/ais-nmea-type6-fid55.log (BSD-2-Clause) and amsa-code/risky
    # exact-earth-augmented.txt (Apache-2.0): type 21 whose name extension ends in 4 and 2
    # spare bits; pyais reads them as one more character.
    a = b"!AIVDM,1,1,,A,E>m1c3DPT0PT0h97QUah77a:400F@VKHmP@jP00003`01?TrwSW,0*3D"
    b = b"!AIVDM,1,1,,B,E7Odh5dR;QhIP00000000000000D8k2tnn31P00003nP0=`,2*6D"
    assert pyais.decode(a).name_ext == ">S+>NG"
    assert pyais.decode(b).name_ext == "6B"
    aids = _decode(a, b)["aids_to_navigation"]
    assert aids["name"].to_list() == ["AHAAHA ROCKS NORTH>S+>N", "DWC 36"]


def test_enum_codes_kept_raw() -> None:
    # amsa-code/risky ais.txt (Apache-2.0), line 3956: ship type 86 (reserved in the 80s).
    s = b"!AIVDM,1,1,3,2,5814vv@2;8bmKL5?F20uHE9<D5>1<uHE8DTLr21FR`rMM4LFNNSBCPH0C80B3@A2H888880,2*02"
    assert int(pyais.decode(s).ship_type) == 85  # pyais collapses unknown codes
    assert _decode(s)["statics"]["ship_type"][0] == 86


def test_type0_kept_whole() -> None:
    s = _nmea("AIVDM,1,1,,A,03aB:Hhu@0PHjE8NKJidQiwJ0PSj,0")
    assert type(pyais.decode(s)).__name__ == "MessageType1"  # pyais: type 0 read as type 1
    tables = _decode(s)
    assert tables["positions"].height == 0
    row = tables["other_messages"].row(0, named=True)
    assert (row["msg_type"], row["mmsi"], row["payload"]) == (
        0,
        244615779,
        "03aB:Hhu@0PHjE8NKJidQiwJ0PSj",
    )


def test_invalid_payload_character_rejected() -> None:
    s = _nmea("AIVDM,1,1,,A,13aB:Hhu@0XHjE8NKJidQiwJ0PSj,0")  # 'X' is not six-bit armour
    assert pyais.decode(s).msg_type == 1  # pyais decodes it
    rej = _decode(s)["rejects"]
    assert rej.select("line", "reason").rows() == [(1, "invalid_payload_character")]


def test_rate_of_turn_not_rounded() -> None:
    # SignalK samples/nais400-merrimac.log (Apache-2.0): raw ROT -11.
    s = b"!AIVDM,1,1,,A,13aB:Hhu@0PHjE8NKJidQiwJ0PSj,0*09"
    assert pyais.decode(s).turn == -5.0
    rot = _decode(s)["positions"]["rot_deg_min"][0]
    assert rot == pytest.approx(-((11 / 4.733) ** 2))
    assert round(rot) == -5


def test_bad_checksum_rejected_unless_accepted() -> None:
    # amsa-code/risky ais.txt (Apache-2.0), line 42137: pyais decodes it unless asked not to.
    s = b"!=IVDM,1,1,,B,H7P9kl4j1=cm58FL6il<w`G00`3F,0*1D"
    with pytest.raises(pyais.exceptions.InvalidNMEAChecksum):
        pyais.decode(s, error_if_checksum_invalid=True)
    ref = pyais.decode(s).asdict()
    assert _decode(s)["rejects"]["reason"].to_list() == ["bad_checksum"]
    row = _decode(s, accept_bad_checksum=True)["statics"].row(0, named=True)
    got = (row["mmsi"], row["part_number"], row["ship_type"], row["callsign"], row["to_bow_m"])
    assert got == (ref["mmsi"], 1, 50, ref["callsign"], 184)
