"""Export event tables to GeoParquet, GeoPackage, GeoJSON and CSV.

Geometry of a row, by what its table has:

* ``start_lon, start_lat, end_lon, end_lat`` (gaps, …) → a LineString from start to end
  (a Point where the end is unknown, e.g. an open gap);
* else ``lon, lat`` → a Point;
* else no geometry: GeoParquet and CSV write the table as it is, GeoPackage writes an
  attribute-only layer, GeoJSON features get ``"geometry": null``.

Coordinates are WGS84 longitude/latitude (EPSG:4326). Nested columns are flattened for the
formats that cannot hold them: ``evidence`` becomes ``"source_id:line;source_id:line"``, other
lists are joined with ``;``. Timestamps are written as UTC (ISO 8601 with ``Z`` in GeoJSON and
CSV). Files are written whole to a temporary name and renamed into place.

:func:`export_events` writes one file per table (one GeoPackage with one layer per table).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from .errors import ConfigError

__all__ = ["FORMATS", "event_geometry", "export_events", "flatten_for_export"]

#: Export formats and their file suffixes.
FORMATS: dict[str, str] = {
    "geoparquet": ".parquet",
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "csv": ".csv",
}


def event_geometry(frame: pl.DataFrame) -> tuple[np.ndarray | None, str | None]:
    """Shapely geometries for the rows of ``frame`` and their GeoPackage type (or None)."""
    cols = set(frame.columns)
    if {"start_lon", "start_lat", "end_lon", "end_lat"} <= cols:
        s = frame.select("start_lon", "start_lat").to_numpy().astype(float)
        e = frame.select("end_lon", "end_lat").to_numpy().astype(float)
        has_end = np.isfinite(e).all(axis=1)
        coords = np.stack([s, np.where(has_end[:, None], e, s)], axis=1)
        lines = shapely.linestrings(coords)
        points = shapely.points(s)
        geoms = np.where(has_end, lines, points)
        bad = ~np.isfinite(s).all(axis=1)
        geoms[bad] = None
        return geoms, "Unknown"
    if {"lon", "lat"} <= cols:
        xy = frame.select("lon", "lat").to_numpy().astype(float)
        geoms = shapely.points(xy)
        geoms[~np.isfinite(xy).all(axis=1)] = None
        return geoms, "Point"
    return None, None


def flatten_for_export(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns → strings (``evidence`` → ``src:line;src:line``; lists joined by ``;``)."""
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if name == "evidence" and isinstance(dtype, pl.List):
            exprs.append(
                col.list.eval(
                    pl.concat_str(
                        pl.element().struct.field("source_id"),
                        pl.element().struct.field("line").cast(pl.String),
                        separator=":",
                    )
                )
                .list.join(";")
                .alias(name)
            )
        elif isinstance(dtype, pl.List | pl.Array):
            exprs.append(col.cast(pl.List(pl.String)).list.join(";").alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(col.struct.json_encode().alias(name))
        else:
            exprs.append(col)
    return frame.select(exprs)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


def _geo_metadata(geom_type: str | None, geoms: np.ndarray) -> bytes:
    kinds = sorted({g.geom_type for g in geoms if g is not None}) if geoms.size else []
    return json.dumps(
        {
            "version": "1.0.0",
            "primary_column": "geometry",
            "columns": {
                "geometry": {
                    "encoding": "WKB",
                    "geometry_types": kinds,
                    "crs": None,  # null CRS = OGC:CRS84 (lon/lat WGS84) in GeoParquet 1.0
                }
            },
        }
    ).encode()


def _write_geoparquet(frame: pl.DataFrame, path: Path) -> None:
    geoms, gtype = event_geometry(frame)
    table = frame.to_arrow()
    if geoms is not None:
        wkb = shapely.to_wkb(geoms, output_dimension=2)
        table = table.append_column("geometry", pa.array(list(wkb), type=pa.binary()))
        meta = dict(table.schema.metadata or {})
        meta[b"geo"] = _geo_metadata(gtype, geoms)
        table = table.replace_schema_metadata(meta)
    tmp = _tmp(path)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _write_csv(frame: pl.DataFrame, path: Path) -> None:
    geoms, _ = event_geometry(frame)
    flat = flatten_for_export(frame)
    if geoms is not None:
        wkt = shapely.to_wkt(geoms, rounding_precision=6)
        flat = flat.with_columns(pl.Series("geometry_wkt", list(wkt), dtype=pl.String))
    tmp = _tmp(path)
    flat.write_csv(tmp, datetime_format="%Y-%m-%dT%H:%M:%S%.fZ")
    os.replace(tmp, path)


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        text: str = value.isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _write_geojson(frame: pl.DataFrame, path: Path) -> None:
    geoms, _ = event_geometry(frame)
    flat = flatten_for_export(frame)
    features = []
    for i, row in enumerate(flat.iter_rows(named=True)):
        geom = None
        if geoms is not None and geoms[i] is not None:
            geom = json.loads(shapely.to_geojson(geoms[i]))
        props = {k: _json_value(v) for k, v in row.items()}
        features.append({"type": "Feature", "geometry": geom, "properties": props})
    tmp = _tmp(path)
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)


def _write_gpkg_layers(tables: Mapping[str, pl.DataFrame], path: Path) -> None:
    import pyogrio

    tmp = _tmp(path)
    if tmp.exists():
        tmp.unlink()
    for i, (name, frame) in enumerate(sorted(tables.items())):
        geoms, gtype = event_geometry(frame)
        table = flatten_for_export(frame).to_arrow()
        kwargs: dict[str, Any] = {}
        if geoms is not None:
            wkb = shapely.to_wkb(geoms, output_dimension=2)
            table = table.append_column("geometry", pa.array(list(wkb), type=pa.binary()))
            kwargs = {"geometry_name": "geometry", "geometry_type": gtype, "crs": "EPSG:4326"}
        pyogrio.write_arrow(table, tmp, layer=name, driver="GPKG", append=i > 0, **kwargs)
    os.replace(tmp, path)


def export_events(
    tables: Mapping[str, pl.DataFrame],
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("geoparquet", "gpkg", "geojson", "csv"),
    basename: str = "events",
) -> list[Path]:
    """Write each table in each format under ``out_dir``; return the paths written.

    GeoParquet, GeoJSON and CSV give ``<out_dir>/<table>.<suffix>``; GeoPackage gives one
    ``<out_dir>/<basename>.gpkg`` with a layer per table (it opens in QGIS).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown export format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}."
        )
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"{out}: cannot create the export directory ({err.strerror}).") from err
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        if fmt == "gpkg":
            path = out / f"{basename}.gpkg"
            _write_gpkg_layers(tables, path)
            written.append(path)
            continue
        writer = {"geoparquet": _write_geoparquet, "geojson": _write_geojson, "csv": _write_csv}[
            fmt
        ]
        for name in sorted(tables):
            path = out / f"{name}{FORMATS[fmt]}"
            writer(tables[name], path)
            written.append(path)
    return written
