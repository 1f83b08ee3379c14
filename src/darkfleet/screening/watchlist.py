"""Watchlists: an analyst's own vessels and ports of interest, from TOML or CSV files.

TOML::

    name = "najin-shuttle"                  # optional; default: the file name without suffix
    description = "Russia-DPRK container shuttle"
    ports = ["Najin", "Vostochny", "Dunay"]  # ports by name (resolved by the port analytics)

    [[port]]                                # or with details
    name = "Najin"
    locode = "KPNJN"
    lat = 42.24
    lon = 130.30
    radius_m = 5000
    note = "DPRK port, rail link to Russia"

    [[vessel]]
    name = "ANGARA"
    imo = 9179842                           # any of name / imo / mmsi / callsign
    mmsi = 273000000
    callsign = "UBCD3"
    flag = "RU"                             # ISO code or country name ("Russia")
    note = "photographed at Najin, Oct 2022"

CSV (``,``-separated, header on line 1): columns ``kind`` (``vessel`` | ``port``) and any of
``name, imo, mmsi, callsign, flag, locode, lat, lon, radius_m, note`` (case-insensitive); an
empty cell is "not given". Without ``kind``, every row is a vessel when the file has vessel
columns (imo/mmsi/callsign/flag) and no port columns (locode/lat/lon/radius_m), a port in the
opposite case; a header with both kinds of columns needs ``kind``.

Rules (each broken one is a :class:`~darkfleet.errors.FormatError` naming the file, the line
and the value, and saying what was expected): a vessel needs a name, IMO, MMSI or call sign; an
IMO has seven digits (``IMO 9179842`` accepted; the check digit is *not* required, since a
ship broadcasting a false IMO is worth watching), an MMSI nine; a flag is a country darkfleet
knows (:func:`~darkfleet.screening.identifiers.country_code`); a port needs a name, a LOCODE
(five letters/digits) or lat and lon; lat in [-90, 90], lon in [-180, 180], ``radius_m`` > 0;
unknown keys or columns are errors (a typo must not pass silently). TOML tables have no line
numbers of their own: the line given is the one of the key (or of the ``[[vessel]]`` header).

Watchlist vessels are screened like a sanctions list: :meth:`Watchlist.entries` gives them as
ENTRIES rows (list ``watchlist:<name>``, programme ``watchlist``), so
``screen(identities, watchlist.entries())`` finds them under new names, flags and MMSIs too.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import FormatError, InputError, SchemaError
from ..io.sanctions import entries_frame
from ..io.source import file_source_id
from .identifiers import country_code

__all__ = ["WATCH_PORTS", "WATCH_VESSELS", "Watchlist", "load_watchlist"]

WATCH_VESSELS: dict[str, pl.DataType] = {
    "name": pl.String(),
    "imo": pl.Int64(),
    "mmsi": pl.Int64(),
    "callsign": pl.String(),
    "flag": pl.String(),
    "note": pl.String(),
    "line": pl.Int64(),
}
WATCH_PORTS: dict[str, pl.DataType] = {
    "name": pl.String(),
    "locode": pl.String(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "radius_m": pl.Float64(),
    "note": pl.String(),
    "line": pl.Int64(),
}
_VESSEL_KEYS = ("name", "imo", "mmsi", "callsign", "flag", "note")
_PORT_KEYS = ("name", "locode", "lat", "lon", "radius_m", "note")
_TOP_KEYS = ("name", "description", "ports", "port", "vessel", "vessels")
_DIGITS = {"imo": 7, "mmsi": 9}
_EXAMPLE = {"imo": "9179842", "mmsi": "273123456"}


@dataclass(frozen=True)
class Watchlist:
    """A loaded watchlist: ``vessels`` (:data:`WATCH_VESSELS`) and ``ports``
    (:data:`WATCH_PORTS`), each row with the ``line`` it came from."""

    name: str
    description: str | None
    vessels: pl.DataFrame
    ports: pl.DataFrame
    path: str
    source_id: str

    def entries(self) -> pl.DataFrame:
        """The watchlist vessels as ENTRIES rows, to screen like a list."""
        return entries_frame(
            {
                "list": f"watchlist:{self.name}",
                "entry_id": str(i + 1),
                "entry_type": "vessel",
                "name": v["name"],
                "imo": [v["imo"]] if v["imo"] is not None else [],
                "mmsi": [v["mmsi"]] if v["mmsi"] is not None else [],
                "callsign": [v["callsign"]] if v["callsign"] else [],
                "flag": v["flag"],
                "programmes": ["watchlist"],
                "remarks": v["note"],
                "source_file": Path(self.path).name,
                "source_id": self.source_id,
                "line": v["line"],
            }
            for i, v in enumerate(self.vessels.iter_rows(named=True))
        )


class _Where:
    """Where a value came from: file and line, for error messages."""

    def __init__(self, path: Path, line: int | None, what: str) -> None:
        self.path, self.line, self.what = path, line, what

    def error(self, message: str) -> FormatError:
        at = f"line {self.line}" if self.line is not None else self.what
        return FormatError(f"{self.path}: {at} ({self.what}): {message}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number_id(where: _Where, key: str, value: Any) -> int | None:
    text = _text(value)
    if text is None:
        return None
    digits = re.sub(rf"^{key}[\s:#-]*", "", text, flags=re.IGNORECASE).strip()
    if isinstance(value, bool) or not digits.isdigit() or len(digits) != _DIGITS[key]:
        raise where.error(
            f"{key} = {value!r} is not a {_DIGITS[key]}-digit {key.upper()} "
            f"number; write e.g. {key} = {_EXAMPLE[key]}."
        )
    return int(digits)


def _float(where: _Where, key: str, value: Any, low: float, high: float) -> float | None:
    if _text(value) is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError) as err:
        raise where.error(f"{key} = {value!r} is not a number.") from err
    if not low <= x <= high:
        raise where.error(f"{key} = {value!r} is out of range; expected {low:g} to {high:g}.")
    return x


def _check_keys(where: _Where, d: dict[str, Any], allowed: tuple[str, ...], kind: str) -> None:
    unknown = sorted(set(d) - set(allowed))
    if unknown:
        raise where.error(f"unknown {kind} field(s) {unknown}; expected any of {list(allowed)}.")


def _vessel(where: _Where, d: dict[str, Any]) -> dict[str, Any]:
    _check_keys(where, d, _VESSEL_KEYS, "vessel")
    flag_text = _text(d.get("flag"))
    flag = country_code(flag_text) if flag_text else None
    if flag_text and flag is None:
        raise where.error(
            f"flag = {flag_text!r} is not a country darkfleet knows; write an ISO "
            'code or a country name, e.g. flag = "RU" or flag = "Russia".'
        )
    v = {
        "name": _text(d.get("name")),
        "imo": _number_id(where, "imo", d.get("imo")),
        "mmsi": _number_id(where, "mmsi", d.get("mmsi")),
        "callsign": (_text(d.get("callsign")) or "").upper() or None,
        "flag": flag,
        "note": _text(d.get("note")),
        "line": where.line,
    }
    if not any(v[k] is not None for k in ("name", "imo", "mmsi", "callsign")):
        raise where.error("a vessel needs a name, imo, mmsi or callsign.")
    return v


def _port(where: _Where, d: dict[str, Any]) -> dict[str, Any]:
    _check_keys(where, d, _PORT_KEYS, "port")
    locode = _text(d.get("locode"))
    if locode is not None:
        locode = locode.upper().replace(" ", "")
        if not re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", locode):
            raise where.error(
                f"locode = {d.get('locode')!r} is not a UN/LOCODE; expected five "
                "characters, country then place, e.g. KPNJN."
            )
    p = {
        "name": _text(d.get("name")),
        "locode": locode,
        "lat": _float(where, "lat", d.get("lat"), -90, 90),
        "lon": _float(where, "lon", d.get("lon"), -180, 180),
        "radius_m": _float(where, "radius_m", d.get("radius_m"), 1e-9, 1e7),
        "note": _text(d.get("note")),
        "line": where.line,
    }
    if (p["lat"] is None) != (p["lon"] is None):
        raise where.error("a port position needs both lat and lon.")
    if not (p["name"] or p["locode"] or p["lat"] is not None):
        raise where.error("a port needs a name, a locode or lat and lon.")
    return p


def _toml_lines(text: str, table: str) -> list[int]:
    """1-based lines of each ``[[table]]`` header."""
    pattern = re.compile(rf"^\s*\[\[\s*{table}\s*\]\]")
    return [i + 1 for i, line in enumerate(text.splitlines()) if pattern.match(line)]


def _key_line(text: str, start: int, key: str) -> int | None:
    """Line of ``key =`` at or after line ``start``, before the next table header."""
    lines = text.splitlines()
    for i in range(start, len(lines) + 1):
        line = lines[i - 1]
        if i > start and line.lstrip().startswith("["):
            return None
        if re.match(rf"^\s*{key}\s*=", line):
            return i
    return None


def _from_toml(
    path: Path, text: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise FormatError(
            f"{path}: not valid TOML: {err}. Check quotes and brackets there."
        ) from err
    unknown = sorted(set(doc) - set(_TOP_KEYS))
    if unknown:
        line = _key_line(text, 1, re.escape(unknown[0]))
        raise _Where(path, line, unknown[0]).error(
            f"unknown key(s) {unknown}; expected any of {list(_TOP_KEYS)}."
        )
    vessels, ports = [], []
    for table in ("vessel", "vessels"):
        items = doc.get(table, [])
        heads = _toml_lines(text, table)
        if not isinstance(items, list) or not all(isinstance(d, dict) for d in items):
            raise _Where(path, _key_line(text, 1, table), table).error(
                f"write each vessel as a [[{table}]] table with name, imo, mmsi, ..."
            )
        for i, d in enumerate(items):
            head = heads[i] if i < len(heads) else None
            vessels.append(_vessel(_Where(path, head, f"vessel #{i + 1}"), d))
    names = doc.get("ports", [])
    names_line = _key_line(text, 1, "ports")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _Where(path, names_line, "ports").error(
            f'ports = {names!r}; expected a list of port names, e.g. ports = ["Najin", "Dunay"].'
        )
    for n in names:
        ports.append(_port(_Where(path, names_line, f"port {n!r}"), {"name": n}))
    tables = doc.get("port", [])
    heads = _toml_lines(text, "port")
    if not isinstance(tables, list) or not all(isinstance(d, dict) for d in tables):
        raise _Where(path, _key_line(text, 1, "port"), "port").error(
            "write each port as a [[port]] table with name, locode, lat, lon, ..."
        )
    for i, d in enumerate(tables):
        ports.append(_port(_Where(path, heads[i] if i < len(heads) else None, f"port #{i + 1}"), d))
    return doc, vessels, ports


def _from_csv(path: Path, text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise SchemaError(
            f"{path}: the file is empty; expected a header line such as 'kind,name,imo,mmsi'."
        ) from None
    known = set(_VESSEL_KEYS) | set(_PORT_KEYS) | {"kind"}
    unknown = [h for h in header if h not in known]
    if unknown or not header:
        raise SchemaError(
            f"{path}: line 1: unknown column(s) {unknown}; expected 'kind' and any "
            f"of {sorted(known - {'kind'})}. Found: {header}."
        )
    cols = set(header)
    has_v = bool(cols & {"imo", "mmsi", "callsign", "flag"})
    has_p = bool(cols & {"locode", "lat", "lon", "radius_m"})
    default = "vessel" if has_v and not has_p else "port" if has_p and not has_v else None
    if "kind" not in cols and default is None:
        raise SchemaError(
            f"{path}: line 1: cannot tell vessels from ports; add a 'kind' column (vessel or port)."
        )
    vessels, ports = [], []
    line = reader.line_num
    for fields in reader:
        first, line = line + 1, reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise FormatError(
                f"{path}: line {first}: {len(fields)} fields, the header has "
                f"{len(header)}; check for an unquoted comma."
            )
        row = {k: v for k, v in zip(header, fields, strict=True) if v.strip() != ""}
        kind = (row.pop("kind", None) or default or "").strip().lower()
        if kind == "vessel":
            row = {k: v for k, v in row.items() if k in _VESSEL_KEYS}
            vessels.append(_vessel(_Where(path, first, "vessel"), row))
        elif kind == "port":
            row = {k: v for k, v in row.items() if k in _PORT_KEYS}
            ports.append(_port(_Where(path, first, "port"), row))
        else:
            raise FormatError(
                f"{path}: line {first}: kind = {kind!r}; expected 'vessel' or 'port'."
            )
    return vessels, ports


def load_watchlist(path: str | Path) -> Watchlist:
    """Load a watchlist file (``.toml`` or ``.csv``); the module docstring gives the formats
    and rules. Raises :class:`~darkfleet.errors.InputError` (or its subclasses) naming the
    file, the line and the value at fault."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such watchlist file. Check the path.")
    data = p.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise FormatError(
            f"{p}: line {line}: not UTF-8 text; save the watchlist as UTF-8."
        ) from err
    doc: dict[str, Any] = {}
    suffix = p.suffix.lower()
    if suffix == ".toml":
        doc, vessels, ports = _from_toml(p, text)
    elif suffix == ".csv":
        vessels, ports = _from_csv(p, text)
    else:
        raise FormatError(
            f"{p}: unknown watchlist type {p.suffix!r}; expected a .toml or .csv file."
        )
    description = doc.get("description")
    return Watchlist(
        name=str(doc.get("name") or p.stem),
        description=str(description) if description is not None else None,
        vessels=pl.DataFrame(vessels, schema=WATCH_VESSELS, orient="row")
        if vessels
        else pl.DataFrame(schema=WATCH_VESSELS),
        ports=pl.DataFrame(ports, schema=WATCH_PORTS, orient="row")
        if ports
        else pl.DataFrame(schema=WATCH_PORTS),
        path=str(p),
        source_id=file_source_id(p),
    )
