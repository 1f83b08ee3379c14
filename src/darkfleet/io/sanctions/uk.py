"""UK sanctions lists as CSV: the FCDO *UK Sanctions List* and the OFSI *Consolidated List*.

Both are comma-separated with one row per name of an entry and a preamble line before the
header (``Report Date: …`` / ``Last Updated,…``); the header is the first line with a
``Name 6`` column. Header names are matched ignoring case, spaces and punctuation. Columns
relied on (FCDO name / OFSI name):

=================================================  ==========================================
``Unique ID`` / ``Group ID`` (required)            groups rows into one entry; ``entry_id``
``Designation Type`` / ``Group Type`` (required)   ``Individual`` → person, ``Entity`` →
                                                   organization, ``Ship`` → vessel
``Name 6`` (required), ``Name 1`` … ``Name 5``     the name: Name 1 to 5 then Name 6 (for entities
                                                   and ships the whole name is in Name 6)
``Name type`` / ``Alias Type``                     ``Primary Name`` rows give the primary name,
                                                   the others aliases
``Name non-latin script``                          alias
``Regime Name`` / ``Regime``                       programme
``Date Designated`` / ``Listed On``                listing date (dd/mm/yyyy)
``Other Information``, ``UK Statement of Reasons`` remarks (an ``IMO`` number there is used when
                                                   there is no IMO column)
``IMO number``                                     IMO
``Current owner/operator (s)``                     owners
``Current believed flag of ship``, ``Previous flags`` flag, past flags
``Type of ship``, ``Tonnage of ship``,             vessel type, gross tonnage, length (m),
``Length of ship``, ``Year Built``                 build year
``Address Country`` / ``Country``                  address countries
=================================================  ==========================================
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import polars as pl

from ...errors import SchemaError
from .entries import (
    column_key,
    csv_records,
    entries_frame,
    imos_in_text,
    list_country,
    parse_date,
    parse_number,
    parse_year,
    read_text,
)

__all__ = ["read_uk_csv"]

_TYPES = {"individual": "person", "entity": "organization", "ship": "vessel"}
_COLUMNS = {  # our field -> accepted header keys (column_key form), first found wins
    "id": ("uniqueid", "groupid"),
    "type": ("designationtype", "grouptype"),
    "name_type": ("nametype", "aliastype"),
    "non_latin": ("namenonlatinscript",),
    "regime": ("regimename", "regime"),
    "date": ("datedesignated", "listedon"),
    "other": ("otherinformation",),
    "reasons": ("ukstatementofreasons",),
    "imo": ("imonumber",),
    "owner": ("currentowneroperators", "currentowneroperator"),
    "flag": ("currentbelievedflagofship",),
    "past_flags": ("previousflags",),
    "ship_type": ("typeofship",),
    "tonnage": ("tonnageofship",),
    "length": ("lengthofship",),
    "year": ("yearbuilt",),
    "country": ("addresscountry", "country"),
}
_SPLIT = re.compile(r"\(\d+\)|[|;]")  # "(1) A (2) B", "A | B", "A; B"


def _countries(text: str) -> list[str | None]:
    """Countries of a list cell: ``(1) Malta (2) Panama``; ``Malta, Panama`` or ``Malta/Panama``
    only where the piece is not itself a country (``Korea, North``)."""
    out: list[str | None] = []
    for piece in _SPLIT.split(text):
        code = list_country(piece)
        out += [code] if code or not piece.strip() else map(list_country, re.split(r"[,/]", piece))
    return out


def _header_line(text: str) -> int | None:
    for n, line in enumerate(text.splitlines()[:10], 1):
        if "name6" in {column_key(h) for h in line.split(",")}:
            return n
    return None


def read_uk_csv(path: str | Path) -> pl.DataFrame:
    """Read a UK sanctions list CSV (FCDO UK Sanctions List or OFSI ConList) into ENTRIES."""
    p = Path(path)
    text, source_id = read_text(p)
    header_line = _header_line(text)
    if header_line is None:
        raise SchemaError(
            f"{p}: no header line with a 'Name 6' column in the first 10 lines; expected the UK "
            "Sanctions List or OFSI Consolidated List CSV."
        )
    header, rows = csv_records(p, text, delimiter=",", header_line=header_line)
    keys = {column_key(h): h for h in header}
    col = {f: next((keys[k] for k in ks if k in keys), None) for f, ks in _COLUMNS.items()}
    if col["id"] is None or col["type"] is None:
        raise SchemaError(
            f"{p}: line {header_line}: the header lacks 'Unique ID'/'Group ID' or "
            "'Designation Type'/'Group Type'; expected the UK Sanctions List or OFSI ConList CSV."
        )
    list_id = "uk_sanctions_list" if column_key(col["id"]) == "uniqueid" else "uk_ofsi_conlist"
    name_cols = [keys.get(f"name{i}") for i in (1, 2, 3, 4, 5, 6)]

    def get(row: dict[str, str], field: str) -> str:
        c = col[field]
        return row.get(c, "") if c else ""

    groups: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for line, row in rows:
        if get(row, "id"):
            groups[get(row, "id")].append((line, row))
    records = []
    for entry_id, group in groups.items():
        names, primary = [], None
        for _, row in group:
            name = " ".join(
                row.get(c, "") for c in name_cols if c and row.get(c, "") not in ("", "0")
            )
            if "primary" in get(row, "name_type").lower() and primary is None:
                primary = name
            names += [name, get(row, "non_latin")]
        row = group[0][1]
        other = get(row, "other")
        imos = [int(m) for _, r in group for m in re.findall(r"\d{7}", get(r, "imo"))]
        records.append(
            {
                "list": list_id,
                "entry_id": entry_id,
                "entry_type": _TYPES.get(get(row, "type").strip().lower(), "other"),
                "name": primary,
                "aliases": names,
                "imo": imos or imos_in_text(other),
                "flag": list_country(get(row, "flag") or None),
                "past_flags": [c for _, r in group for c in _countries(get(r, "past_flags"))],
                "vessel_type": get(row, "ship_type") or None,
                "gross_tonnage": parse_number(get(row, "tonnage")),
                "length_m": parse_number(get(row, "length")),
                "build_year": parse_year(get(row, "year")),
                "owners": [o for _, r in group for o in _SPLIT.split(get(r, "owner"))],
                "programmes": [get(r, "regime") for _, r in group],
                "listed_on": parse_date(get(row, "date")),
                "countries": [list_country(get(r, "country") or None) for _, r in group],
                "remarks": " ".join(filter(None, [other, get(row, "reasons")])) or None,
                "source_file": p.name,
                "source_id": source_id,
                "line": group[0][0],
            }
        )
    return entries_frame(records)
