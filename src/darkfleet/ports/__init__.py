"""Ports: the packaged world port list, readers for other lists, and fast look-ups.

* :data:`PORTS` — the port table's columns (one row per port).
* :func:`load_ports` — ``None`` → the packaged list: every port of the NGA World Port Index
  (Pub. 150, US Government work, public domain; 3,766 ports, ids ``WPI-<number>``) plus a
  small documented extras file (``X-…`` ids: ports WPI lacks, e.g. Dunay, Russia). A path →
  that file, read by the reader its header or suffix calls for: NGA WPI CSV, GFW
  ``WPI_ports.csv``, a plain CSV (``name,lon,lat`` + optional ``port_id,country,locode,
  radius_m,alt_names,source``) or GeoJSON (points or polygons).
* :class:`PortIndex` — ``nearest`` and ``within`` for millions of positions at once.
* :func:`find_ports` — ports by id, LOCODE or name (``"Vostochny"`` finds ``Vostochnyy``).

The packaged list is rebuilt from the NGA CSV by ``scripts/build_ports.py``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import polars as pl

from ..errors import ConfigError, FormatError, InputError
from ..schema import conform
from .index import PortIndex
from .readers import (
    detect_format,
    normalize_locode,
    read_geojson_ports,
    read_gfw_ports,
    read_nga_wpi,
    read_ports_csv,
)
from .schema import PORTS

__all__ = [
    "PORTS",
    "PortIndex",
    "find_ports",
    "load_ports",
    "normalize_locode",
    "read_geojson_ports",
    "read_gfw_ports",
    "read_nga_wpi",
    "read_ports_csv",
]

_PACKAGED = ("wpi_ports.csv", "extra_ports.csv")
_PACKAGED_TYPES = {
    "port_id": pl.String,
    "name": pl.String,
    "alt_names": pl.String,
    "country": pl.String,
    "locode": pl.String,
    "lon": pl.Float64,
    "lat": pl.Float64,
    "radius_m": pl.Float64,
    "source": pl.String,
}


@functools.cache
def _packaged() -> pl.DataFrame:
    frames = []
    folder = resources.files("darkfleet") / "data" / "ports"
    for name in _PACKAGED:
        with (folder / name).open("rb") as fh:
            raw = pl.read_csv(fh, infer_schema_length=0)
        cols = [pl.col(c).cast(t) for c, t in _PACKAGED_TYPES.items() if c in raw.columns]
        frames.append(conform(raw.select(cols), PORTS))
    return pl.concat(frames).sort("port_id", maintain_order=True)


def load_ports(path: str | Path | None = None) -> pl.DataFrame:
    """A :data:`PORTS` frame, sorted by ``port_id``: the packaged list (``path=None``) or a
    port list file (format chosen from the suffix ``.geojson``/``.json`` or the CSV header).
    """
    if path is None:
        return _packaged()
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file; give the path of a port list (CSV or GeoJSON).")
    if p.suffix.lower() in (".geojson", ".json"):
        return read_geojson_ports(p)
    try:
        cols = pl.read_csv(p, n_rows=0, infer_schema_length=0, encoding="utf8-lossy").columns
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        raise FormatError(
            f"{p}: not a readable CSV ({err}); give a port list (CSV with a header, or GeoJSON)."
        ) from err
    kind = detect_format(p, cols)
    if kind == "nga":
        return read_nga_wpi(p)
    if kind == "gfw":
        return read_gfw_ports(p)
    return read_ports_csv(p)


def _name_key(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = re.sub(r"[^a-z0-9]+", "", t)
    return re.sub(r"(.)\1+", r"\1", t)  # Vostochnyy ~ Vostochny, Pos'yet ~ Posyet


def find_ports(ports: pl.DataFrame, wanted: str | Sequence[str]) -> pl.DataFrame:
    """Rows of ``ports`` matching each wanted port: by ``port_id``, by UN/LOCODE, else by name
    or alternate name ignoring case, accents, punctuation and doubled letters (so
    ``"Vostochny"`` finds WPI's ``Vostochnyy``, ``"Rashin"`` finds ``Najin``). Order follows
    ``wanted``; a name matching several ports returns all of them. An unknown name raises
    :class:`~darkfleet.errors.ConfigError` listing close names.
    """
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    frame = conform(ports, PORTS)
    ids = frame["port_id"].to_list()
    locodes = frame["locode"].to_list()
    keys = [
        {_name_key(n) for n in [nm or "", *(alt or "").split(";")] if n.strip()}
        for nm, alt in zip(frame["name"].to_list(), frame["alt_names"].to_list(), strict=True)
    ]
    picked: list[int] = []
    for want in names:
        w = want.strip()
        code = normalize_locode(w)
        hits = [i for i, pid in enumerate(ids) if pid == w]
        hits = hits or [i for i, lc in enumerate(locodes) if code is not None and lc == code]
        hits = hits or [i for i, k in enumerate(keys) if _name_key(w) in k]
        if not hits:
            stem = _name_key(w)[:4]
            close = sorted(
                {frame["name"][i] for i, k in enumerate(keys) if any(x.startswith(stem) for x in k)}
            )
            raise ConfigError(
                f"port {want!r} is not in the port list; give a port_id, a UN/LOCODE or a name"
                + (f" (close: {', '.join(close[:8])})." if close else ".")
            )
        picked += [i for i in hits if i not in picked]
    return frame[picked]
