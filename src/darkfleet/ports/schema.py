"""The ``PORTS`` table: one row per port, whatever list it came from."""

from __future__ import annotations

import polars as pl

__all__ = ["PORTS"]

#: One row per port.
#:
#: ``port_id``       unique id: ``WPI-<World Port Index number>`` for NGA WPI ports,
#:                   ``X-<...>`` for darkfleet's extras, ``GFW-<ISO3>-<label>`` for GFW's list,
#:                   the file's own id for user lists.
#: ``name``          the main name as the list writes it (``Najin``, ``Vostochnyy``).
#: ``country``       ISO 3166-1 alpha-2 (``KP``, ``RU``); null where unknown.
#: ``locode``        UN/LOCODE without the space (``KPRJN``); null where none or malformed.
#: ``lon``, ``lat``  WGS84 degrees: the list's point, or a point inside a polygon port.
#: ``source``        the list the row came from (``NGA WPI Pub 150`` …).
#: ``geometry_wkb``  the port's polygon (WKB, WGS84) for polygon ports; null for point ports.
#: ``radius_m``      per-port entry distance in metres overriding the detector's default
#:                   (large ports, approximate positions); null = the default.
#: ``alt_names``     other names, ``"; "``-separated (``Rashin``); null where none.
PORTS: dict[str, pl.DataType] = {
    "port_id": pl.String(),
    "name": pl.String(),
    "country": pl.String(),
    "locode": pl.String(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "source": pl.String(),
    "geometry_wkb": pl.Binary(),
    "radius_m": pl.Float64(),
    "alt_names": pl.String(),
}
