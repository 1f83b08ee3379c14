"""EU consolidated financial sanctions list (FSF), CSV export version 1.1.

Semicolon-separated with a header line; one row per name alias / address / identification of an
entry, all rows of an entry sharing ``Entity_LogicalId``. Columns relied on (others ignored):

====================================== ==============================================================
``Entity_LogicalId`` (required)        groups rows into one entry
``NameAlias_WholeName`` (required)     names; the entry's first row gives the primary name
``Entity_EU_ReferenceNumber``          ``entry_id`` (``EU.1234.56``; the logical id if absent)
``Entity_SubjectType_ClassificationCode`` / ``Entity_SubjectType``
                                       ``person``/``P`` → person, ``enterprise``/``E`` → organization
                                       (``vessel`` → vessel, see below)
``Entity_Regulation_Programme``        programmes (``RUS``, ``PRK``, ``IRN`` ...)
``Entity_DesignationDate``,            listing date: the earliest of the designation date and the
``Entity_Regulation_EntryIntoForceDate`` regulations' entry-into-force dates
``Entity_Remark``                      remarks
``Identification_TypeCode``,           ``imo`` identifications give IMO numbers
``Identification_Number``
``Address_CountryIso2Code`` /          address countries
``Address_CountryDescription``
====================================== ==============================================================

The FSF has no vessel subject type; vessels appear as enterprises carrying an ``imo``
identification. **Definition** — an EU entry is a *vessel* when its classification code is
``vessel``, or when it has an ``imo`` identification whose number is a valid ship IMO (check
digit) and none of its names contains a company legal-form word (LLC, LTD, CO, COMPANY, JSC,
SHIPPING …); otherwise the IMO is a company number and the entry an organization.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polars as pl

from ...errors import SchemaError
from .entries import (
    csv_records,
    entries_frame,
    imo_is_valid,
    imos_in_text,
    list_country,
    looks_like_company,
    parse_date,
    read_text,
)

__all__ = ["read_eu_csv"]

LIST_ID = "eu_fsf"
REQUIRED = ("Entity_LogicalId", "NameAlias_WholeName")
_SUBJECT = {"person": "person", "p": "person", "enterprise": "organization", "e": "organization",
            "vessel": "vessel"}  # fmt: skip


def read_eu_csv(path: str | Path) -> pl.DataFrame:
    """Read the EU FSF consolidated list CSV (``;``-separated, v1.1) into an ENTRIES frame."""
    p = Path(path)
    text, source_id = read_text(p)
    header, rows = csv_records(p, text, delimiter=";")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SchemaError(
            f"{p}: line 1: the header lacks {', '.join(missing)}; expected the EU FSF CSV "
            f"(';'-separated, v1.1). Found columns: {', '.join(header[:8])}…"
        )
    groups: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for line, row in rows:
        if row.get("Entity_LogicalId"):
            groups[row["Entity_LogicalId"]].append((line, row))
    records = []
    for logical_id, group in groups.items():
        first = group[0][1]

        def values(col: str, g: list[tuple[int, dict[str, str]]] = group) -> list[str]:
            return [r[col] for _, r in g if r.get(col)]

        code = (
            first.get("Entity_SubjectType_ClassificationCode")
            or first.get("Entity_SubjectType")
            or ""
        ).lower()
        names = values("NameAlias_WholeName")
        imos = [
            int(n) for _, r in group
            if (r.get("Identification_TypeCode") or "").lower() == "imo"
            for n in [r.get("Identification_Number", "").replace("IMO", "").strip()] if n.isdigit()
        ] + imos_in_text(first.get("Entity_Remark"))  # fmt: skip
        entry_type = _SUBJECT.get(code, "other")
        if (
            entry_type == "organization"
            and any(imo_is_valid(i) for i in imos)
            and not any(looks_like_company(n) for n in names)
        ):
            entry_type = "vessel"
        dates = [d for c in ("Entity_DesignationDate", "Entity_Regulation_EntryIntoForceDate")
                 for v in values(c) if (d := parse_date(v)) is not None]  # fmt: skip
        countries = [
            r.get("Address_CountryIso2Code") or list_country(r.get("Address_CountryDescription"))
            for _, r in group
        ]
        records.append(
            {
                "list": LIST_ID,
                "entry_id": first.get("Entity_EU_ReferenceNumber") or logical_id,
                "entry_type": entry_type,
                "name": names[0] if names else None,
                "aliases": names[1:],
                "imo": imos,
                "programmes": values("Entity_Regulation_Programme"),
                "listed_on": min(dates) if dates else None,
                "countries": [c.upper() for c in countries if c and c.upper() not in ("00", "")],
                "remarks": first.get("Entity_Remark") or None,
                "source_file": p.name,
                "source_id": source_id,
                "line": group[0][0],
            }
        )
    return entries_frame(records)
