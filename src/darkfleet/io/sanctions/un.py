"""UN Security Council Consolidated List (XML, ``sc-sanctions.xsd``).

Elements relied on: root ``CONSOLIDATED_LIST`` with ``INDIVIDUALS/INDIVIDUAL`` and
``ENTITIES/ENTITY``; in each: ``REFERENCE_NUMBER`` (entry id, e.g. ``KPe.020``), ``DATAID``
(fallback id), ``FIRST_NAME`` … ``FOURTH_NAME`` (joined with spaces), ``NAME_ORIGINAL_SCRIPT``
and ``*_ALIAS/ALIAS_NAME`` (aliases), ``UN_LIST_TYPE`` (programme, e.g. ``DPRK``),
``LISTED_ON`` (designation date), ``COMMENTS1`` (remarks; ``IMO number: 5342883`` there is the
company number of a ship owner or manager) and ``*_ADDRESS/COUNTRY``.

The consolidated list designates people and organisations; vessels designated by the 1718
Committee are published in a separate list, so every entry here is ``person`` or
``organization``. They matter for screening through links: OFAC vessels "Linked To: OCEAN
MARITIME MANAGEMENT COMPANY LIMITED" lead to the UN's KPe.020.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ...errors import FormatError
from ._xml import child_text as _child_text
from ._xml import children as _children
from ._xml import element_lines, parse_xml
from .entries import entries_frame, imos_in_text, list_country, parse_date, read_text

__all__ = ["read_un_xml"]

LIST_ID = "un_sc_consolidated"


def _entry(el: Any, kind: str, line: int, path: Path, source_id: str) -> dict[str, Any]:
    ref = _child_text(el, "REFERENCE_NUMBER") or _child_text(el, "DATAID")
    if ref is None:
        raise FormatError(
            f"{path}: line {line}: <{kind}> without <REFERENCE_NUMBER> or <DATAID>; expected "
            "the UN consolidated list layout (sc-sanctions.xsd)."
        )
    parts = [_child_text(el, f"{n}_NAME") for n in ("FIRST", "SECOND", "THIRD", "FOURTH")]
    aliases = [_child_text(a, "ALIAS_NAME") for a in _children(el, f"{kind}_ALIAS")]
    aliases.append(_child_text(el, "NAME_ORIGINAL_SCRIPT"))
    comments = _child_text(el, "COMMENTS1")
    return {
        "list": LIST_ID,
        "entry_id": ref,
        "entry_type": "person" if kind == "INDIVIDUAL" else "organization",
        "name": " ".join(p for p in parts if p),
        "aliases": aliases,
        "imo": imos_in_text(comments),
        "programmes": [_child_text(el, "UN_LIST_TYPE")],
        "listed_on": parse_date(_child_text(el, "LISTED_ON")),
        "countries": [
            list_country(_child_text(a, "COUNTRY")) for a in _children(el, f"{kind}_ADDRESS")
        ],
        "remarks": comments,
        "source_file": path.name,
        "source_id": source_id,
        "line": line,
    }


def read_un_xml(path: str | Path) -> pl.DataFrame:
    """Read the UN Security Council Consolidated List XML into an :data:`~.entries.ENTRIES` frame."""
    p = Path(path)
    text, source_id = read_text(p)
    root = parse_xml(p, text, "CONSOLIDATED_LIST")
    records = []
    for kind, group in (("INDIVIDUAL", "INDIVIDUALS"), ("ENTITY", "ENTITIES")):
        elements = _children(root, group, kind)
        lines = element_lines(text, kind)
        if len(lines) != len(elements):
            raise FormatError(
                f"{p}: found {len(lines)} <{kind}> tags but {len(elements)} under <{group}>; "
                "expected every entry inside its group (sc-sanctions.xsd)."
            )
        records += [
            _entry(el, kind, ln, p, source_id) for el, ln in zip(elements, lines, strict=True)
        ]
    return entries_frame(records)
