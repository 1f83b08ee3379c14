"""Sanctions list readers: each official format into one normalised entry table (:data:`ENTRIES`).

=================================  =================================  =====================
format                             reader                             ``list`` id
=================================  =================================  =====================
OFAC SDN legacy CSV (+ add, alt)   :func:`read_ofac_csv`              ``us_ofac_sdn``
OFAC SDN XML                       :func:`read_ofac_xml`              ``us_ofac_sdn``
UN SC Consolidated List XML        :func:`read_un_xml`                ``un_sc_consolidated``
OpenSanctions / FtM JSON lines     :func:`read_ftm_json`              ``ftm:<datasets>``
EU FSF CSV (v1.1)                  :func:`read_eu_csv`                ``eu_fsf``
UK Sanctions List / OFSI CSV       :func:`read_uk_csv`                ``uk_sanctions_list``,
                                                                      ``uk_ofsi_conlist``
=================================  =================================  =====================

:func:`read_sanctions` recognises the format of one file from its content;
:func:`read_lists` reads several and pairs OFAC ``add.csv``/``alt.csv`` with their
``sdn.csv``. A file in no known format, or malformed, raises
:class:`~darkfleet.errors.FormatError` (or :class:`~darkfleet.errors.SchemaError` for a CSV
missing required columns) naming the file, the line and what was expected.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import polars as pl

from ...errors import FormatError, InputError
from .entries import ENTRIES, ENTRY_TYPES, entries_frame
from .eu import read_eu_csv
from .ftm import read_ftm_json
from .ofac import read_ofac_csv, read_ofac_xml
from .uk import read_uk_csv
from .un import read_un_xml

__all__ = [
    "ENTRIES",
    "ENTRY_TYPES",
    "FORMATS",
    "detect_format",
    "entries_frame",
    "read_eu_csv",
    "read_ftm_json",
    "read_lists",
    "read_ofac_csv",
    "read_ofac_xml",
    "read_sanctions",
    "read_uk_csv",
    "read_un_xml",
]

#: Formats :func:`detect_format` can return.
FORMATS = ("ofac_csv", "ofac_address_csv", "ofac_alt_csv", "ofac_xml", "un_xml", "ftm_json",
           "eu_csv", "uk_csv")  # fmt: skip

_EXPECTED = (
    "expected one of: OFAC sdn.csv / add.csv / alt.csv / sdn.xml, UN consolidated XML, "
    "OpenSanctions FollowTheMoney JSON lines, EU FSF CSV (';'), UK Sanctions List / OFSI CSV"
)


def _head(path: Path, size: int = 65536) -> tuple[str, bool]:
    """The first ``size`` bytes of a file as text, and whether that is the whole file."""
    if not path.is_file():
        raise InputError(f"{path}: no such file. Check the path of the sanctions list.")
    with path.open("rb") as fh:
        data = fh.read(size + 1)
    text = data[:size].decode("utf-8-sig", errors="replace").lstrip("\ufeff")
    return text, len(data) <= size


def detect_format(path: str | Path) -> str:
    """The format of a list file, from its content (one of :data:`FORMATS`)."""
    p = Path(path)
    head, complete = _head(p)
    stripped = head.lstrip()
    first_line = next((ln for ln in head.splitlines() if ln.strip()), "")
    if stripped.startswith("<"):
        m = re.search(r"<(?:\w+:)?(sdnList|CONSOLIDATED_LIST)\b", head)
        if m:
            return "ofac_xml" if m.group(1) == "sdnList" else "un_xml"
        raise FormatError(f"{p}: line 1: an XML file whose root is neither <sdnList> nor "
                          f"<CONSOLIDATED_LIST>; {_EXPECTED}.")  # fmt: skip
    if stripped.startswith("{"):
        return "ftm_json"
    if "Entity_LogicalId" in first_line and ";" in first_line:
        return "eu_csv"
    if any(re.search(r'(^|,)\s*"?Name 6"?\s*(,|$)', ln) for ln in head.splitlines()[:10]):
        return "uk_csv"
    lines = head.splitlines()
    lines = lines[:20] if complete or len(lines) > 20 else lines[:-1]  # no cut record
    rows = list(islice((r for r in csv.reader(lines) if any(x.strip() for x in r)), 3))
    data_rows = [r for r in rows if r and r[0].strip().isdigit()]
    if data_rows:
        width = len(data_rows[0])
        if width == 12:
            return "ofac_csv"
        if width == 6 and data_rows[0][1].strip().isdigit():
            return "ofac_address_csv"
        if width == 5 and data_rows[0][1].strip().isdigit():
            return "ofac_alt_csv"
    raise FormatError(f"{p}: line 1: unknown sanctions list format (starts {first_line[:60]!r}); "
                      f"{_EXPECTED}.")  # fmt: skip


_READERS = {
    "ofac_csv": read_ofac_csv,
    "ofac_xml": read_ofac_xml,
    "un_xml": read_un_xml,
    "ftm_json": read_ftm_json,
    "eu_csv": read_eu_csv,
    "uk_csv": read_uk_csv,
}


def read_sanctions(path: str | Path) -> pl.DataFrame:
    """Read one sanctions list file in any supported format (detected from its content)."""
    fmt = detect_format(path)
    if fmt in ("ofac_address_csv", "ofac_alt_csv"):
        raise FormatError(
            f"{path}: this is an OFAC {'add' if fmt == 'ofac_address_csv' else 'alt'}.csv side "
            "file, not a list; read it with its sdn.csv: read_lists([sdn, this]) or "
            "read_ofac_csv(sdn, address_path=/alt_path=)."
        )
    return _READERS[fmt](path)


def read_lists(paths: Iterable[str | Path]) -> pl.DataFrame:
    """Read several list files into one ENTRIES frame (sorted by list and entry id).

    OFAC ``add.csv``/``alt.csv`` files are attached to the ``sdn.csv`` given with them (there
    must be exactly one then).
    """
    by_format: dict[str, list[Path]] = {}
    for path in paths:
        by_format.setdefault(detect_format(path), []).append(Path(path))
    sides = by_format.pop("ofac_address_csv", []) + by_format.pop("ofac_alt_csv", [])
    sdns = by_format.pop("ofac_csv", [])
    if sides and len(sdns) != 1:
        raise InputError(
            f"{', '.join(map(str, sides))}: OFAC add/alt files need exactly one sdn.csv in the "
            f"same call (got {len(sdns)})."
        )
    frames = []
    for sdn in sdns:
        add = [s for s in sides if detect_format(s) == "ofac_address_csv"]
        alt = [s for s in sides if detect_format(s) == "ofac_alt_csv"]
        frames.append(read_ofac_csv(sdn, address_path=add[0] if add else None,
                                    alt_path=alt[0] if alt else None))  # fmt: skip
    for fmt, files in sorted(by_format.items()):
        frames += [_READERS[fmt](f) for f in files]
    if not frames:
        return entries_frame([])
    return pl.concat(frames, how="vertical").sort(["list", "entry_id", "line"], nulls_last=True)
