"""OFAC Specially Designated Nationals list: the legacy CSV files and the SDN XML.

Legacy CSV (``sdn.csv``, no header; copies sometimes add one) — 12 columns, ``-0-`` = empty:
``ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag,
Vess_owner, Remarks``. ``Program`` holds several programmes as ``IRAN] [NPWMD] [IFSR``;
``Tonnage`` is deadweight (t), ``GRT`` gross registered tonnage. Vessel identifiers live in the
``;``-separated Remarks: ``Vessel Registration Identification IMO 9179842``, ``MMSI 273…``,
``Former Vessel Flag Malta`` / ``Other Vessel Flag …`` (``alt.`` repeats), ``Other Vessel Call
Sign …``, ``Other Vessel Type …``, ``Vessel Year of Build 2007``, ``a.k.a./f.k.a. 'NAME'``,
``Linked To: OWNER.``; parties carry company numbers as ``Identification Number IMO 1790183`` or
``Company Number IMO 5055293``.
A bare seven-digit ``Vessel Registration Identification 8606173`` is an IMO number when its
check digit is valid (otherwise it is a national registration number and stays in remarks).
``Linked To: TRANSMORFLOT LLC.`` ends with the remark's full stop: it is dropped unless the name
with the stop is itself an SDN name (``FUZHOU HONGLONG OCEAN FISHING CO., LTD.``), so that
``owners`` resolve to the linked entries (4,754 of the 4,760 links in the January 2023 file).
Country names go through :func:`~.entries.list_country` (``-0-``, ``None Identified`` → null).

``add.csv`` (``ent_num, Add_num, Address, City/State/Province/Postal Code, Country,
Add_remarks``) gives each entry's address countries; ``alt.csv`` (``ent_num, alt_num,
alt_type, alt_name, alt_remarks``) its aliases. The legacy CSV has no listing date.

SDN XML (``sdn.xml``, schema ``sdn.xsd``): ``sdnEntry`` with ``uid``, ``firstName``,
``lastName``, ``sdnType``, ``programList/program``, ``idList/id`` (``idType``, ``idNumber``: the
same wordings as the CSV remarks), ``akaList/aka``, ``addressList/address/country``,
``vesselInfo`` (``callSign``, ``vesselType``, ``vesselFlag``, ``vesselOwner``, ``tonnage``,
``grossRegisteredTonnage``) and ``remarks`` (``Linked To: …``).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl

from ...errors import FormatError
from ._xml import child_text as _child_text
from ._xml import children as _children
from ._xml import element_lines, parse_xml
from .entries import entries_frame, imo_is_valid, list_country, parse_number, read_text

__all__ = ["read_ofac_csv", "read_ofac_xml"]

LIST_ID = "us_ofac_sdn"
SDN_COLUMNS = (
    "ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage",
    "GRT", "Vess_flag", "Vess_owner", "Remarks",
)  # fmt: skip
_TYPES = {"vessel": "vessel", "individual": "person", "aircraft": "aircraft", "": "organization"}


def _clean(value: str) -> str | None:
    v = value.strip()
    return None if v in ("", "-0-") else v


# One alternation over every remark wording darkfleet uses (one regex call per part). The
# optional ``alt.`` prefix marks a second value of the same kind.
_PART = re.compile(
    r"^(?:alt\.\s+)?(?:"
    r"Vessel Registration Identification\s+(?P<reg_imo>IMO\s*)?(?P<reg>\d{7})\b"
    r"|MMSI\s+(?P<mmsi>\d{9})\b"
    r"|(?:Former|Other) Vessel Flag\s+(?P<past_flag>.+?)\.?$"
    r"|Other Vessel Call Sign\s+(?P<callsign>\S+?)\.?$"
    r"|Other Vessel Type\s+(?P<vessel_type>.+?)\.?$"
    r"|Vessel Year of Build\s+(?P<build_year>\d{4})"
    r"|[afn]\.k\.a\.\s+'(?P<alias>.+)'\.?$"
    r"|Linked To:\s+(?P<owner>.+?)$"
    r"|(?:Identification|Company) Number\s+IMO\s*(?P<company_imo>\d{7})"
    r")"
)


def _apply_parts(rec: dict[str, Any], parts: list[str]) -> None:
    """Fold remark parts (or XML ``idType idNumber`` strings) into an entry record."""
    for raw in parts:
        m = _PART.match(raw.strip())
        if m is None:
            continue
        kind = m.lastgroup or ""  # the alternative that matched ("reg" for a registration)
        value = m.group(kind) if kind else ""
        if kind == "reg":
            # "IMO 9179842" always; a bare seven-digit number only with a valid check digit
            if m.group("reg_imo") or imo_is_valid(m.group("reg")):
                _add(rec, "imo", int(m.group("reg")))
        elif kind in ("mmsi", "company_imo"):
            _add(rec, "imo" if kind == "company_imo" else "mmsi", int(value))
        elif kind == "past_flag":
            _add(rec, "past_flags", list_country(value))
        elif kind == "vessel_type":
            rec["vessel_type"] = "; ".join(filter(None, [rec.get("vessel_type"), value]))
        elif kind == "build_year":
            rec["build_year"] = int(value)
        else:  # callsign, alias, owner
            _add(rec, {"callsign": "callsign", "alias": "aliases", "owner": "owners"}[kind], value)


def _resolve_owners(records: list[dict[str, Any]]) -> None:
    """``Linked To: TRANSMORFLOT LLC.`` ends with the sentence's full stop, but ``… CO., LTD.``
    may be the party's name: keep the full stop only where that exact name is an entry's name."""
    names = {r["name"] for r in records}
    for rec in records:
        if "owners" in rec:
            rec["owners"] = [
                o if o in names or not o.endswith(".") else o.rstrip(".").rstrip()
                for o in rec["owners"]
            ]


def _new_record(path: Path, source_id: str, line: int) -> dict[str, Any]:
    """A record with only the always-present keys; list fields are created when first added to
    (most of the 11,443 SDN entries have none: fewer objects, less garbage collection)."""
    return {"list": LIST_ID, "source_file": path.name, "source_id": source_id, "line": line}


def _add(rec: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        if key in rec:
            rec[key].append(value)
        else:
            rec[key] = [value]


def _csv_rows(path: Path, text: str, width: int, what: str) -> list[tuple[int, list[str]]]:
    """Rows of a headerless OFAC CSV as ``(first line, fields)``; blank/EOF rows skipped.

    A first row whose first field is not a number is a header (added by some copies) and is
    skipped. Any other row without exactly ``width`` fields or a numeric first field raises.
    """
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not any(f.strip().strip("\x1a") for f in fields):
                continue
            if line == 1 and not fields[0].strip().isdigit():
                continue
            if len(fields) != width or not fields[0].strip().isdigit():
                raise FormatError(
                    f"{path}: line {line}: expected an OFAC {what} record ({width} "
                    f"comma-separated fields starting with a numeric ent_num), got "
                    f"{len(fields)} field(s): {','.join(fields)[:80]!r}. Is this the right file?"
                )
            rows.append((line, fields))
    except csv.Error as err:
        raise FormatError(f"{path}: line {reader.line_num}: unreadable CSV ({err}).") from err
    return rows


def _side_file(path: str | Path | None, width: int, what: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = defaultdict(list)
    if path is None:
        return out
    p = Path(path)
    text, _ = read_text(p)
    for _, fields in _csv_rows(p, text, width, what):
        out[fields[0].strip()].append(fields)
    return out


def read_ofac_csv(
    path: str | Path,
    *,
    address_path: str | Path | None = None,
    alt_path: str | Path | None = None,
) -> pl.DataFrame:
    """Read the OFAC SDN legacy CSV (``sdn.csv``) into an :data:`~.entries.ENTRIES` frame.

    ``address_path`` (``add.csv``) adds address countries; ``alt_path`` (``alt.csv``) adds
    aliases. Raises :class:`~darkfleet.errors.FormatError` naming the file and line of the first
    record that is not a 12-field SDN record.
    """
    p = Path(path)
    text, source_id = read_text(p)
    if (width := _sniff_width(text)) and width != len(SDN_COLUMNS):
        raise FormatError(
            f"{p}: line 1: expected the OFAC sdn.csv layout ({len(SDN_COLUMNS)} fields: "
            f"{', '.join(SDN_COLUMNS)}), got {width} fields. An add.csv or alt.csv goes in "
            "address_path= / alt_path=."
        )
    addresses = _side_file(address_path, 6, "address (add.csv)")
    alts = _side_file(alt_path, 5, "alias (alt.csv)")
    records = []
    for line, f in _csv_rows(p, text, len(SDN_COLUMNS), "SDN (sdn.csv)"):
        rec = _new_record(p, source_id, line)
        ent = f[0].strip()
        sdn_type = (_clean(f[2]) or "").lower()
        rec.update(
            entry_id=ent,
            entry_type=_TYPES.get(sdn_type, "other"),
            name=_clean(f[1]),
            programmes=[x.strip() for x in (_clean(f[3]) or "").split("] [") if x.strip()],
            flag=list_country(_clean(f[9])),
            vessel_type=_clean(f[6]),
            deadweight_t=parse_number(_clean(f[7])),
            gross_tonnage=parse_number(_clean(f[8])),
            remarks=_clean(f[11]),
        )
        _add(rec, "callsign", _clean(f[5]))
        _add(rec, "owners", _clean(f[10]))
        if rec["remarks"]:
            _apply_parts(rec, rec["remarks"].split(";"))
        if ent in addresses:
            rec["countries"] = [list_country(_clean(a[4])) for a in addresses[ent]]
        for a in alts.get(ent, ()):
            _add(rec, "aliases", _clean(a[3]))
        records.append(rec)
    _resolve_owners(records)
    return entries_frame(records)


def _sniff_width(text: str) -> int | None:
    for fields in csv.reader(io.StringIO(text[:65536])):
        if any(x.strip() for x in fields):
            return len(fields)
    return None


# -- SDN XML ---------------------------------------------------------------------------------


def _unwrap(part: str) -> str:
    """``(Linked To: X (Y))`` → ``Linked To: X (Y)``: one pair of enclosing brackets removed."""
    p = part.strip()
    return p[1:-1].strip() if p.startswith("(") and p.endswith(")") else p


def read_ofac_xml(path: str | Path) -> pl.DataFrame:
    """Read the OFAC SDN XML (``sdn.xml``) into an :data:`~.entries.ENTRIES` frame."""
    p = Path(path)
    text, source_id = read_text(p)
    root = parse_xml(p, text, "sdnList")
    entries = _children(root, "sdnEntry")
    lines = element_lines(text, "sdnEntry")
    if len(lines) != len(entries):
        raise FormatError(
            f"{p}: found {len(lines)} <sdnEntry> tags but {len(entries)} directly under "
            "<sdnList>; expected every entry at the top level (OFAC sdn.xsd)."
        )
    records = []
    for el, line in zip(entries, lines, strict=True):
        rec = _new_record(p, source_id, line)
        uid = _child_text(el, "uid")
        if uid is None:
            raise FormatError(f"{p}: line {line}: <sdnEntry> without <uid>.")
        first, last = _child_text(el, "firstName"), _child_text(el, "lastName")
        sdn_type = (_child_text(el, "sdnType") or "").lower()
        remarks = _child_text(el, "remarks")
        info = next(iter(_children(el, "vesselInfo")), None)

        def get(name: str, info: ET.Element | None = info) -> str | None:
            return _child_text(info, name) if info is not None else None

        rec.update(
            entry_id=uid,
            entry_type=_TYPES.get("" if sdn_type == "entity" else sdn_type, "other"),
            name=f"{last}, {first}" if first and last else (last or first),
            programmes=[(x.text or "").strip() for x in _children(el, "programList", "program")],
            flag=list_country(get("vesselFlag")),
            vessel_type=get("vesselType"),
            deadweight_t=parse_number(get("tonnage")),
            gross_tonnage=parse_number(get("grossRegisteredTonnage")),
            remarks=remarks,
        )
        _add(rec, "callsign", get("callSign"))
        _add(rec, "owners", get("vesselOwner"))
        ids = [
            f"{_child_text(i, 'idType') or ''} {_child_text(i, 'idNumber') or ''}".strip()
            for i in _children(el, "idList", "id")
        ]
        _apply_parts(rec, ids + [_unwrap(r) for r in (remarks or "").split(";")])
        for aka in _children(el, "akaList", "aka"):
            a_first, a_last = _child_text(aka, "firstName"), _child_text(aka, "lastName")
            _add(rec, "aliases", f"{a_last}, {a_first}" if a_first and a_last else a_last)
        rec["countries"] = [
            list_country(_child_text(a, "country")) for a in _children(el, "addressList", "address")
        ]
        records.append(rec)
    _resolve_owners(records)
    return entries_frame(records)
