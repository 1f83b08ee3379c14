"""Readers for port lists: NGA World Port Index CSV, GFW ``WPI_ports.csv``, a plain user CSV
and GeoJSON (points or polygons). Each returns a :data:`~.schema.PORTS` frame sorted by
``port_id``.

A file that cannot be used raises :class:`~darkfleet.errors.InputError` (or its subclasses
:class:`~darkfleet.errors.SchemaError` / :class:`~darkfleet.errors.FormatError`) naming the
file, the line (CSV: the 1-based line of the row, header = line 1; GeoJSON: the feature's
1-based number), the value and what to do. A port list is configuration: a bad row is an
error to fix, not a record to skip.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import shapely

from ..errors import FormatError, InputError, SchemaError
from ..schema import conform
from ..screening.identifiers import country_code
from .schema import PORTS

__all__ = [
    "read_geojson_ports",
    "read_gfw_ports",
    "read_nga_wpi",
    "read_ports_csv",
]

NGA_SOURCE = "NGA WPI Pub 150"
GFW_SOURCE = "GFW pipe-anchorages WPI_ports"

_NGA_COLS = {
    "World Port Index Number": "wpi",
    "Main Port Name": "name",
    "Alternate Port Name": "alt_names",
    "UN/LOCODE": "locode",
    "Country Code": "country",
    "Latitude": "lat",
    "Longitude": "lon",
}
_GFW_COLS = ("iso3", "label", "sublabel", "latitude", "longitude")
_USER_REQUIRED = ("name", "lon", "lat")
_USER_OPTIONAL = ("port_id", "country", "locode", "radius_m", "alt_names", "source")

#: NGA WPI country names that ISO 3166 / the ITU table spell otherwise or lack (territories
#: WPI names on their own); the four WPI rows with a blank country take their LOCODE's prefix.
_WPI_COUNTRIES = {
    "Caribbean Netherlands": "BQ",
    "Johnson Atoll": "UM",
    "Midway Islands": "UM",
    "Wake Island": "UM",
    "Svalbard": "SJ",
    "U.S. Virgin Islands": "VI",
}
_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


def _where(path: Path | str, line: int | None, unit: str = "line") -> str:
    return f"{path}, {unit} {line}" if line is not None else str(path)


def _read_text_csv(path: Path) -> pl.DataFrame:
    """Every column as text (no type guessing), header on line 1."""
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the path of a port list (CSV or GeoJSON).")
    try:
        return pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError) as err:
        raise FormatError(
            f"{path}: not a readable CSV ({err}); give a comma-separated file with a header."
        ) from err


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    return v or None


def normalize_locode(value: str | None) -> str | None:
    """``"KP RJN"`` → ``"KPRJN"``; anything that is not country + 3 letters/digits → None."""
    v = _clean(value)
    if v is None:
        return None
    v = v.replace(" ", "").upper()
    return v if _LOCODE.fullmatch(v) else None


def _country(name: str | None, locode: str | None) -> str | None:
    name = _clean(name)
    code = None
    if name is not None:
        code = _WPI_COUNTRIES.get(name) or country_code(name)
    if code is None and locode is not None:
        code = country_code(locode[:2])
    return code


def _coord(path: Path | str, line: int | None, field: str, value: Any, limit: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not (math.isfinite(x) and -limit <= x <= limit):
        raise InputError(
            f"{_where(path, line)}: {field} = {value!r} is not a number in "
            f"[-{limit:g}, {limit:g}]; write decimal degrees (WGS84), e.g. 42.24."
        )
    return x


def _radius(path: Path | str, line: int | None, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not (math.isfinite(x) and x >= 0):
        raise InputError(
            f"{_where(path, line)}: radius_m = {value!r} is not a distance in metres >= 0; "
            "leave it empty to use the detector's default."
        )
    return x


def _finish(
    rows: list[dict[str, Any]], path: Path | str, lines: list[int | None], unit: str = "line"
) -> pl.DataFrame:
    seen: dict[str, int | None] = {}
    for row, line in zip(rows, lines, strict=True):
        pid = row["port_id"]
        if pid in seen:
            raise InputError(
                f"{_where(path, line, unit)}: port_id {pid!r} already used on "
                f"{unit} {seen[pid]}; give every port its own id."
            )
        seen[pid] = line
    frame = pl.DataFrame(rows, schema=PORTS) if rows else pl.DataFrame(schema=PORTS)
    return conform(frame, PORTS).sort("port_id", maintain_order=True)


def read_nga_wpi(path: str | Path) -> pl.DataFrame:
    """NGA World Port Index (Pub. 150) CSV → :data:`PORTS` (``port_id`` = ``WPI-<number>``).

    Pub. 150 lists two numbers twice (400 Seydisfjordur and 49460 Machilipatnam, each twice
    under spelling variants at the same place): the row with a LOCODE, then with an alternate
    name, then the first in the file is kept. Country names become ISO alpha-2 codes
    (:func:`~darkfleet.screening.identifiers.country_code`, a few territory names added); the
    four rows with a blank country take their LOCODE's country.
    """
    path = Path(path)
    raw = _read_text_csv(path)
    missing = [c for c in _NGA_COLS if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{path}: not an NGA World Port Index CSV: columns {missing} are missing; "
            "export the full 'UpdatedPub150.csv' from msi.nga.mil."
        )
    raw = raw.select([pl.col(k).alias(v) for k, v in _NGA_COLS.items()]).with_row_index("row")
    best: dict[str, tuple[tuple[int, int, int], dict[str, Any], int]] = {}
    for r in raw.iter_rows(named=True):
        line = int(r["row"]) + 2
        num = _clean(r["wpi"])
        if num is None or not re.fullmatch(r"\d+(\.\d+)?", num):
            raise InputError(
                f"{path}, line {line}: World Port Index Number = {r['wpi']!r} is not a number; "
                "use an unmodified Pub. 150 export."
            )
        locode = normalize_locode(r["locode"])
        alt = _clean(r["alt_names"])
        pid = f"WPI-{num.lstrip('0') or '0'}"
        row: dict[str, Any] = {
            "port_id": pid,
            "name": _clean(r["name"]),
            "country": _country(r["country"], locode),
            "locode": locode,
            "lon": _coord(path, line, "Longitude", r["lon"], 180.0),
            "lat": _coord(path, line, "Latitude", r["lat"], 90.0),
            "source": NGA_SOURCE,
            "geometry_wkb": None,
            "radius_m": None,
            "alt_names": alt,
        }
        rank = (0 if locode else 1, 0 if alt else 1, line)
        if pid not in best or rank < best[pid][0]:
            best[pid] = (rank, row, line)
    kept = sorted(best.values(), key=lambda v: v[2])
    return _finish([v[1] for v in kept], path, [v[2] for v in kept])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


def read_gfw_ports(path: str | Path) -> pl.DataFrame:
    """GFW pipe-anchorages ``WPI_ports.csv`` (``iso3,label,sublabel,latitude,longitude``).

    The list has no ids: ``port_id`` = ``GFW-<iso3>-<label>[-<sublabel>]`` (upper case, runs
    of other characters as ``_``), with ``-2``, ``-3`` … for repeats in file order.
    """
    path = Path(path)
    raw = _read_text_csv(path)
    missing = [c for c in _GFW_COLS if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{path}: not a GFW WPI_ports CSV: columns {missing} are missing; expected the "
            "header iso3,label,sublabel,latitude,longitude."
        )
    rows: list[dict[str, Any]] = []
    lines: list[int | None] = []
    counts: dict[str, int] = {}
    for i, r in enumerate(raw.iter_rows(named=True)):
        line = i + 2
        label = _clean(r["label"])
        if label is None:
            raise InputError(f"{path}, line {line}: label is empty; every port needs a name.")
        sub = _clean(r["sublabel"])
        iso3 = _clean(r["iso3"]) or ""
        base = "-".join(["GFW", _slug(iso3) or "XXX", _slug(label), *([_slug(sub)] if sub else [])])
        counts[base] = counts.get(base, 0) + 1
        pid = base if counts[base] == 1 else f"{base}-{counts[base]}"
        rows.append(
            {
                "port_id": pid,
                "name": f"{label} {sub}" if sub else label,
                "country": country_code(iso3) if iso3 else None,
                "locode": None,
                "lon": _coord(path, line, "longitude", r["longitude"], 180.0),
                "lat": _coord(path, line, "latitude", r["latitude"], 90.0),
                "source": GFW_SOURCE,
                "geometry_wkb": None,
                "radius_m": None,
                "alt_names": None,
            }
        )
        lines.append(line)
    return _finish(rows, path, lines)


def read_ports_csv(path: str | Path, *, source: str | None = None) -> pl.DataFrame:
    """A plain CSV: ``name, lon, lat`` and optionally ``port_id, country, locode, radius_m,
    alt_names, source`` (header names case-insensitive).

    ``country`` may be a name or a code (``Russia``, ``RU``, ``RUS``); ``port_id`` defaults to
    ``USER-<line>``; ``source`` defaults to the file name.
    """
    path = Path(path)
    raw = _read_text_csv(path)
    cols = {c.strip().lower(): c for c in raw.columns}
    missing = [c for c in _USER_REQUIRED if c not in cols]
    if missing:
        raise SchemaError(
            f"{path}: columns {missing} are missing; a port CSV needs at least name,lon,lat "
            "(optional: port_id,country,locode,radius_m,alt_names,source)."
        )
    src = source or path.name
    rows: list[dict[str, Any]] = []
    lines: list[int | None] = []
    for i, r in enumerate(raw.iter_rows(named=True)):
        line = i + 2

        def get(key: str, r: dict[str, Any] = r) -> str | None:
            return _clean(r[cols[key]]) if key in cols else None

        name = get("name")
        if name is None:
            raise InputError(f"{path}, line {line}: name is empty; every port needs a name.")
        locode_text = get("locode")
        locode = normalize_locode(locode_text)
        if locode_text is not None and locode is None:
            raise InputError(
                f"{path}, line {line}: locode = {locode_text!r} is not a UN/LOCODE; write "
                "country then place, e.g. KPRJN, or leave it empty."
            )
        ctext = get("country")
        country = country_code(ctext) if ctext else None
        if ctext is not None and country is None:
            raise InputError(
                f"{path}, line {line}: country = {ctext!r} is not a country darkfleet knows; "
                "write an ISO 3166 code (RU, KP) or an English name."
            )
        rows.append(
            {
                "port_id": get("port_id") or f"USER-{line}",
                "name": name,
                "country": country,
                "locode": locode,
                "lon": _coord(path, line, "lon", get("lon"), 180.0),
                "lat": _coord(path, line, "lat", get("lat"), 90.0),
                "source": get("source") or src,
                "geometry_wkb": None,
                "radius_m": _radius(path, line, get("radius_m")),
                "alt_names": get("alt_names"),
            }
        )
        lines.append(line)
    return _finish(rows, path, lines)


def _prop(props: dict[str, Any], *keys: str) -> Any:
    low = {str(k).lower(): v for k, v in props.items()}
    for k in keys:
        v = low.get(k)
        if v is not None and str(v).strip():
            return v
    return None


def read_geojson_ports(path: str | Path) -> pl.DataFrame:
    """GeoJSON ``FeatureCollection`` of Point, Polygon or MultiPolygon features.

    Properties (case-insensitive): ``name`` (required), ``port_id``/``id``, ``country``,
    ``locode``, ``radius_m``, ``alt_names``. Polygon ports keep their geometry as WKB in
    ``geometry_wkb``; their ``lon``/``lat`` is a point inside the polygon (shapely's
    ``point_on_surface``). "line" in errors is the feature's 1-based number.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the path of a GeoJSON port list.")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(
            f"{path}: not valid JSON ({err}); give a GeoJSON FeatureCollection."
        ) from err
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise FormatError(f"{path}: no 'features' list; give a GeoJSON FeatureCollection.")
    rows: list[dict[str, Any]] = []
    lines: list[int | None] = []
    for n, feat in enumerate(feats, start=1):
        where = f"{path}, feature {n}"
        props = feat.get("properties") or {} if isinstance(feat, dict) else {}
        gj = feat.get("geometry") if isinstance(feat, dict) else None
        try:
            geom = shapely.from_geojson(json.dumps(gj)) if gj else None
        except shapely.errors.GEOSException as err:
            raise FormatError(f"{where}: unreadable geometry ({err}); fix the feature.") from err
        if geom is None or geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
            kind = None if geom is None else geom.geom_type
            raise FormatError(
                f"{where}: geometry {kind!r}; a port is a Point, Polygon or MultiPolygon."
            )
        name = _prop(props, "name", "label")
        if name is None:
            raise InputError(f"{where}: property 'name' is missing; every port needs a name.")
        pt = geom if geom.geom_type == "Point" else geom.point_on_surface()
        ctext = _prop(props, "country", "iso2", "iso3")
        country = country_code(str(ctext)) if ctext is not None else None
        if ctext is not None and country is None:
            raise InputError(f"{where}: country = {ctext!r} is unknown; write an ISO 3166 code.")
        locode_text = _prop(props, "locode", "unlocode")
        locode = normalize_locode(str(locode_text)) if locode_text is not None else None
        if locode_text is not None and locode is None:
            raise InputError(f"{where}: locode = {locode_text!r} is not a UN/LOCODE, e.g. KPRJN.")
        rows.append(
            {
                "port_id": str(_prop(props, "port_id", "id") or f"GEOJSON-{n}"),
                "name": str(name).strip(),
                "country": country,
                "locode": locode,
                "lon": _coord(where, None, "longitude", pt.x, 180.0),
                "lat": _coord(where, None, "latitude", pt.y, 90.0),
                "source": str(_prop(props, "source") or path.name),
                "geometry_wkb": None if geom.geom_type == "Point" else shapely.to_wkb(geom),
                "radius_m": _radius(where, None, _prop(props, "radius_m")),
                "alt_names": _prop(props, "alt_names"),
            }
        )
        lines.append(n)
    return _finish(rows, path, lines, "feature")


def detect_format(path: Path, header: Sequence[str]) -> str:
    """``nga`` | ``gfw`` | ``user`` from a CSV header."""
    cols = {c.strip().lower() for c in header}
    if "world port index number" in cols:
        return "nga"
    if {"iso3", "label", "latitude", "longitude"} <= cols:
        return "gfw"
    if {"name", "lon", "lat"} <= cols:
        return "user"
    raise FormatError(
        f"{path}: header {list(header)[:8]} is not a port list darkfleet reads; give an NGA "
        "World Port Index CSV, GFW's WPI_ports.csv (iso3,label,sublabel,latitude,longitude), "
        "a CSV with name,lon,lat (port_id,country,locode,radius_m optional) or GeoJSON."
    )
