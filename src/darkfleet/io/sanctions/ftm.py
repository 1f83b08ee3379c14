"""OpenSanctions / FollowTheMoney entity files (JSON lines), read with the standard library.

One JSON object per line (``entities.ftm.json``)::

    {"id": "...", "schema": "Vessel", "properties": {"name": ["..."], ...},
     "datasets": ["us_ofac_sdn"], "caption": "...", "referents": [...], "first_seen": ...}

Only ``id``, ``schema``, ``properties``, ``datasets`` and ``caption`` are read. Blank lines are
skipped. Nested exports (``targets.nested.json``), where a property value is itself an entity
object (one with ``id`` and ``schema``), are flattened first: the nested entity becomes an
entity of its own and the property keeps its id; a nested entity under a reverse property (a
vessel's ``sanctions``, ``ownershipAsset``) instead gets the parent's id in the forward property
(``Sanction.entity``, ``Ownership.asset``). Entities sharing an id are merged (property values
and datasets united, first-seen order): the merged schema is the more specific of the two
(``LegalEntity`` + ``Company`` → ``Company``), and two schemata neither of which extends the
other (``Vessel`` and ``Person``) are an error.

Schema names are checked against the FollowTheMoney schema hierarchy (:data:`_SCHEMATA`,
FtM 4); an unknown schema is an error. A property is read only where its schema defines it
(:data:`_PROPERTIES`): properties unknown to the schema, or not used here, are ignored
(OpenSanctions adds new ones). Values are cleaned by type: countries (``flag``, ``pastFlags``,
``country``, ``jurisdiction``) become ISO alpha-2 codes (``ru`` → ``RU``; a territory code
``ua-cri`` → ``UA``; a name ``Panama`` → ``PA``; ``suhh`` or an unknown name is dropped);
dates (``listingDate``, ``startDate``, ``buildDate``) must start ``YYYY``; an entity's
reference to itself (``owner``, ``operator``, ``entity``, ``asset``) is dropped; other values
are stripped and blanks dropped. IMO numbers are taken as written (any seven-digit number in an
``imoNumber`` value), even with a wrong check digit: that is itself a screening signal.

Used schemata and properties:

* ``Vessel`` — ``name``, ``alias``, ``previousName``, ``weakAlias``, ``imoNumber``, ``mmsi``,
  ``callSign``, ``flag``, ``pastFlags``, ``type``, ``grossRegisteredTonnage`` (or ``tonnage``),
  ``deadweightTonnage``, ``buildDate``, ``owner``/``operator`` (entity ids), ``topics``,
  ``program``, ``notes``/``summary``, ``country``; ``Airplane`` likewise where it applies;
* ``Sanction`` — ``entity`` (the designated entity's id), ``program``/``programId``/
  ``authority`` (programme), ``listingDate``/``startDate`` (listing date);
* ``Ownership`` — ``owner`` → ``asset`` (owner → vessel links); ``Directorship``,
  ``UnknownLink``, ``Associate`` and other links are ignored (a nested one is still flattened);
* parties (``LegalEntity``, ``Organization``, ``Company``, ``Person``, ...) — names,
  ``imoNumber`` (organisations), ``country``, ``jurisdiction``, ``topics``, ``program`` — are
  kept when sanctioned or when they own or operate a vessel.

Every vessel is kept. A vessel with its own ``Sanction`` (or the ``sanction`` topic) is
``listing = direct``; a vessel that is only the asset of a sanctioned owner/operator, or that
has the ``sanction.linked`` topic, is ``listing = linked`` and carries the owner's programmes
(``owner sanctioned`` where the owner's programme is unknown). Programmes come from each
``Sanction`` (``program``, else ``programId``, else ``authority``) and the entity's own
``program``; an entity with neither gets its ``topics``. ``listed_on`` is the earliest
``listingDate``/``startDate`` of its sanctions. ``list`` is ``ftm:`` plus the entity's datasets
sorted and joined with ``+`` (``ftm`` when it has none). An owner is named by its file
``caption``, else its first name (alias, ...), else its id when it is not in the file.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ...errors import FormatError
from .entries import entries_frame, list_country, parse_date, parse_number, parse_year, read_text

__all__ = ["read_ftm_json"]

_EXPECTED = "expected one FollowTheMoney entity per line (OpenSanctions entities.ftm.json)"
_IMO = re.compile(r"(?<!\d)(\d{7})(?!\d)")
_DATE = re.compile(r"^\d{4}(?:-\d{2}){0,2}(?:$|T)")

# The FollowTheMoney (4.x) schemata and the schemata each extends.
_SCHEMATA: dict[str, tuple[str, ...]] = {
    "Address": ("Thing",), "Airplane": ("Vehicle",), "Analyzable": (),
    "Article": ("Document",), "Asset": ("Thing", "Value"), "Associate": ("Interval",),
    "Audio": ("Document",), "BankAccount": ("Asset",), "Call": ("Interval",),
    "CallForTenders": ("Thing", "Interval"), "Company": ("Organization", "Asset"),
    "Contract": ("Asset",), "ContractAward": ("Value", "Interest"), "Control": ("Interest",),
    "CourtCase": ("Thing",), "CourtCaseParty": ("Interest",), "CryptoWallet": ("Thing", "Value"),
    "Debt": ("Value", "Interval"), "Directorship": ("Interest",),
    "Document": ("Thing", "Analyzable"), "Documentation": ("Interest",),
    "EconomicActivity": ("Interval",), "Email": ("Folder", "HyperText", "PlainText"),
    "Employment": ("Interest",), "Event": ("Thing", "Analyzable", "Interval"),
    "Family": ("Interval",), "Folder": ("Document",), "HyperText": ("Document",),
    "Identification": ("Interval",), "Image": ("Document",), "Interest": ("Interval",),
    "Interval": (), "LegalEntity": ("Thing",), "License": ("Contract",),
    "Membership": ("Interest",), "Mention": (),
    "Message": ("Folder", "Interval", "PlainText", "HyperText"), "Note": ("Thing", "Analyzable"),
    "Occupancy": ("Interval",), "Organization": ("LegalEntity",), "Ownership": ("Interest",),
    "Package": ("Folder",), "Page": (), "Pages": ("Document",), "Passport": ("Identification",),
    "Payment": ("Value", "Interval"), "Person": ("LegalEntity",), "PlainText": ("Document",),
    "Position": ("Thing",), "Project": ("Thing", "Value", "Interval"),
    "ProjectParticipant": ("Interest",), "PublicBody": ("Organization",),
    "RealEstate": ("Asset",), "Representation": ("Interest",), "Risk": ("Interval",),
    "Sanction": ("Interval",), "Security": ("Asset",), "Similar": (), "Succession": ("Interest",),
    "Table": ("Document",), "TaxRoll": ("Interval",), "Territory": ("Thing",), "Thing": (),
    "Trip": ("Event",), "UnknownLink": ("Interest",), "UserAccount": ("Thing",), "Value": (),
    "Vehicle": ("Asset",), "Vessel": ("Vehicle",), "Video": ("Document",),
    "Workbook": ("Folder",),
}  # fmt: skip

# The properties read here and the schemata that define them (a subschema inherits them),
# for the schemata they are read from (Vessel, Airplane, LegalEntity, Sanction, Ownership).
_PROPERTIES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(["name", "alias", "previousName", "weakAlias", "topics", "notes"], ("Thing",)),
    **dict.fromkeys(["program", "programId", "country"], ("Thing", "Sanction")),
    "summary": ("Thing", "Interval"),
    "jurisdiction": ("LegalEntity",),
    "imoNumber": ("Vessel", "Organization"),
    **dict.fromkeys(
        ["mmsi", "callSign", "flag", "pastFlags", "grossRegisteredTonnage", "tonnage",
         "deadweightTonnage"], ("Vessel",)),
    **dict.fromkeys(["type", "buildDate", "operator"], ("Vehicle",)),
    "owner": ("Vehicle", "Ownership"),
    **dict.fromkeys(["entity", "authority", "listingDate"], ("Sanction",)),
    "startDate": ("Interval",),
    "asset": ("Ownership",),
}  # fmt: skip
_COUNTRY_PROPS = frozenset({"flag", "pastFlags", "country", "jurisdiction"})
_DATE_PROPS = frozenset({"listingDate", "startDate", "buildDate"})
_ENTITY_PROPS = frozenset({"owner", "operator", "entity", "asset"})

# Reverse ("stub") properties under which a nested entity points back at its parent:
# property → (schema defining it, the nested entity's forward property).
_REVERSE: dict[str, tuple[str, str]] = {
    "sanctions": ("Thing", "entity"),
    "ownershipAsset": ("Asset", "asset"),
    "ownershipOwner": ("LegalEntity", "owner"),
    "ownedVehicles": ("LegalEntity", "owner"),
    "operatedVehicles": ("LegalEntity", "operator"),
    "directorshipDirector": ("LegalEntity", "director"),
    "directorshipOrganization": ("Organization", "organization"),
    "unknownLinkTo": ("Thing", "subject"),
    "unknownLinkFrom": ("Thing", "object"),
    "associates": ("Person", "person"),
    "associations": ("Person", "associate"),
    "familyPerson": ("Person", "person"),
    "familyRelative": ("Person", "relative"),
    "employers": ("Person", "employee"),
    "employees": ("Organization", "employer"),
    "membershipMember": ("LegalEntity", "member"),
    "membershipOrganization": ("Organization", "organization"),
    "subsidiaries": ("LegalEntity", "parent"),
    "controlledEntities": ("LegalEntity", "controller"),
    "controllingEntities": ("LegalEntity", "controlled"),
    "identification": ("LegalEntity", "holder"),
    "risks": ("Thing", "entity"),
}

_CAPTION = ("name", "alias", "previousName", "weakAlias")


@functools.cache
def _ancestors(schema: str) -> frozenset[str]:
    """``schema`` and every schema it extends."""
    return frozenset({schema}.union(*(_ancestors(s) for s in _SCHEMATA[schema])))


def _is_a(schema: str, other: str) -> bool:
    return other in _ancestors(schema)


def _has(schema: str, prop: str) -> bool:
    return any(_is_a(schema, s) for s in _PROPERTIES.get(prop, ()))


def _label(schema: str) -> str:
    """FtM's label of a schema: ``LegalEntity`` → ``Legal entity``."""
    words = re.findall(r"[A-Z][a-z]*", schema)
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else schema


@functools.cache
def _country(value: str) -> str | None:
    """ISO alpha-2 code of an FtM country value (``ru``, ``ua-cri``, ``Panama``), or None."""
    v = value.strip()
    if len(v) == 2 and v.isascii() and v.isalpha():
        return v.upper()  # FtM writes ISO codes (and a few user-assigned: xk, eu) in lower case
    if code := list_country(v):  # a name or an alpha-3 code (screening.identifiers.country_code)
        return code
    if re.match(r"^[A-Za-z]{2}-[A-Za-z]+$", v):  # a territory: ua-cri, ge-ab, cy-trnc
        prefix = v[:2].upper()
        return prefix if list_country(prefix) == prefix else None
    return None  # suhh, csxx, yucs (former states) and unknown names


@dataclass
class _Entity:
    schema: str
    line: int
    caption: str | None
    props: dict[str, list[str]] = field(default_factory=dict)
    datasets: list[str] = field(default_factory=list)


def _flatten(
    data: dict[str, Any], out: list[dict[str, Any]], back: tuple[str, str] | None = None
) -> str:
    """Append ``data`` and the entities nested in it to ``out`` (children first); return its id.

    Each appended record is ``data`` with ``properties`` reduced to ``{prop: [str values]}``;
    raises ValueError for an unknown schema or a ``properties`` that is not an object.
    """
    schema, eid = str(data["schema"]), str(data["id"])
    if schema not in _SCHEMATA:
        raise ValueError(
            f"unknown FollowTheMoney schema {schema!r} (entity {eid!r}); expected a "
            "FollowTheMoney schema such as Vessel, Company, Sanction, Ownership"
        )
    props = data.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError(f"'properties' of entity {eid!r} is not an object")
    flat: dict[str, list[str]] = {}
    for prop, values in props.items():
        rev = _REVERSE.get(prop)
        reverse = rev[1] if rev is not None and _is_a(schema, rev[0]) else None
        kept: list[str] = []
        for v in values if isinstance(values, list) else [values]:
            if isinstance(v, dict) and "schema" in v and "id" in v:
                child = _flatten(v, out, (reverse, eid) if reverse else None)
                if reverse is None:
                    kept.append(child)
            elif isinstance(v, str | int | float):
                kept.append(str(v))
        if kept and reverse is None:
            flat[prop] = kept
    if back is not None:
        flat.setdefault(back[0], []).append(back[1])
    out.append({**data, "properties": flat})
    return eid


def _load(path: Path, text: str) -> dict[str, _Entity]:
    """The file's entities by id, nested ones flattened and those sharing an id merged."""
    entities: dict[str, _Entity] = {}
    for n, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as err:
            raise FormatError(
                f"{path}: line {n}: not a JSON object ({err.msg}); {_EXPECTED}."
            ) from err
        if not isinstance(data, dict) or "schema" not in data or "id" not in data:
            raise FormatError(
                f"{path}: line {n}: expected a FollowTheMoney entity with 'id' and 'schema', "
                f"got {raw.strip()[:80]!r}; {_EXPECTED}."
            )
        records: list[dict[str, Any]] = []
        try:
            _flatten(data, records)
        except ValueError as err:
            raise FormatError(f"{path}: line {n}: {err}; {_EXPECTED}.") from err
        for rec in records:
            _merge(path, n, entities, rec)
    return entities


def _merge(path: Path, line: int, entities: dict[str, _Entity], rec: dict[str, Any]) -> None:
    eid, schema = str(rec["id"]), str(rec["schema"])
    caption = rec.get("caption")
    ent = entities.get(eid)
    if ent is None:
        ent = entities[eid] = _Entity(schema, line, caption if isinstance(caption, str) else None)
    elif _is_a(schema, ent.schema):
        ent.schema = schema  # the more specific of the two
    elif not _is_a(ent.schema, schema):
        raise FormatError(
            f"{path}: line {line}: Cannot merge entity {eid!r} as a {schema} with its "
            f"{ent.schema} of line {ent.line}: neither schema extends the other; {_EXPECTED}."
        )
    if ent.caption is None and isinstance(caption, str):
        ent.caption = caption
    for prop, values in rec["properties"].items():
        if prop in _PROPERTIES:
            have = ent.props.setdefault(prop, [])
            have += [v for v in values if v not in have]
    datasets = rec.get("datasets")
    if isinstance(datasets, list):
        ent.datasets += [d for d in datasets if isinstance(d, str) and d not in ent.datasets]


def read_ftm_json(path: str | Path) -> pl.DataFrame:
    """Read a FollowTheMoney / OpenSanctions JSON-lines file into an :data:`~.entries.ENTRIES` frame."""
    p = Path(path)
    text, source_id = read_text(p)
    entities = _load(p, text)

    def get(eid: str, prop: str) -> list[str]:
        ent = entities.get(eid)  # None: an id the file refers to but does not hold
        if ent is None or not _has(ent.schema, prop):
            return []
        values = [v.strip() for v in ent.props.get(prop, ())]
        if prop in _COUNTRY_PROPS:
            values = [c for c in map(_country, values) if c]
        elif prop in _DATE_PROPS:
            values = [v for v in values if _DATE.match(v)]
        elif prop in _ENTITY_PROPS:
            values = [v for v in values if v != eid]  # a self-reference is no link
        return list(dict.fromkeys(v for v in values if v))

    def first(eid: str, prop: str) -> str | None:
        values = get(eid, prop)
        return values[0] if values else None

    sanctions: dict[str, list[str]] = defaultdict(list)
    owners: dict[str, list[str]] = defaultdict(list)
    for eid, ent in entities.items():
        if _is_a(ent.schema, "Sanction"):
            for target in get(eid, "entity"):
                sanctions[target].append(eid)
        elif _is_a(ent.schema, "Ownership"):
            for asset in get(eid, "asset"):
                owners[asset] += get(eid, "owner")
        elif _is_a(ent.schema, "Vessel"):
            owners[eid] += get(eid, "owner") + get(eid, "operator")

    def programmes(eid: str) -> list[str]:
        progs = [
            first(s, "program") or first(s, "programId") or first(s, "authority")
            for s in sanctions.get(eid, [])
        ]
        return [x for x in [*progs, *get(eid, "program")] if x]

    def is_sanctioned(eid: str) -> bool:
        return eid in sanctions or (eid in entities and "sanction" in get(eid, "topics"))

    def caption(eid: str) -> str:
        ent = entities.get(eid)
        if ent is None:
            return eid
        if ent.caption and ent.caption.strip():
            return ent.caption.strip()
        names = [v for prop in _CAPTION for v in get(eid, prop)]
        if not names and _is_a(ent.schema, "Vessel"):
            names = get(eid, "imoNumber")
        return names[0] if names else _label(ent.schema)

    vessel_owners = {o for eid, os in owners.items() if eid in entities for o in os}
    records = []
    for eid, ent in sorted(entities.items()):
        schema = ent.schema
        is_vessel = _is_a(schema, "Vessel")
        if not (is_vessel or _is_a(schema, "LegalEntity") or _is_a(schema, "Airplane")):
            continue
        if not is_vessel and not (is_sanctioned(eid) or eid in vessel_owners):
            continue
        progs, listing = programmes(eid), "direct"
        linked = [o for o in owners.get(eid, []) if is_sanctioned(o)]
        if (
            is_vessel
            and not is_sanctioned(eid)
            and (linked or "sanction.linked" in get(eid, "topics"))
        ):
            listing = "linked"
            progs = [x for o in linked for x in programmes(o)] or progs or ["owner sanctioned"]
        if not progs:
            progs = get(eid, "topics")
        dates = sorted(
            d for s in sanctions.get(eid, []) for d in get(s, "listingDate") + get(s, "startDate")
        )
        names = get(eid, "name")
        entry_type = (
            "vessel"
            if is_vessel
            else "person"
            if _is_a(schema, "Person")
            else "aircraft"
            if _is_a(schema, "Airplane")
            else "organization"
        )
        records.append(
            {
                "list": "ftm:" + "+".join(sorted(ent.datasets)) if ent.datasets else "ftm",
                "entry_id": eid,
                "entry_type": entry_type,
                "listing": listing,
                "name": names[0] if names else caption(eid),
                "aliases": names[1:] + get(eid, "alias") + get(eid, "previousName") + get(eid, "weakAlias"),
                "imo": [int(m) for v in get(eid, "imoNumber") for m in _IMO.findall(v)],
                "mmsi": [int(v) for v in get(eid, "mmsi") if v.isdigit()],
                "callsign": get(eid, "callSign"),
                "flag": first(eid, "flag"),
                "past_flags": get(eid, "pastFlags"),
                "vessel_type": "; ".join(get(eid, "type")) or None,
                "gross_tonnage": parse_number(first(eid, "grossRegisteredTonnage") or first(eid, "tonnage")),
                "deadweight_t": parse_number(first(eid, "deadweightTonnage")),
                "build_year": parse_year(first(eid, "buildDate")),
                "owners": [caption(o) for o in owners.get(eid, [])],
                "programmes": progs,
                "listed_on": parse_date(dates[0][:10]) if dates else None,
                "countries": get(eid, "country") + get(eid, "jurisdiction"),
                "remarks": " ".join(get(eid, "notes") + get(eid, "summary")) or None,
                "source_file": p.name,
                "source_id": source_id,
                "line": ent.line,
            }
        )  # fmt: skip
    return entries_frame(records)
