"""Read (and write) satellite vessel detections in the canonical tables of :mod:`.schema`.

Formats (``format=`` or sniffed from the suffix and header):

``ksat_csv``
    KSAT / Global Fishing Watch RADARSAT-2 CSV (GFW paper-longline-ais-sar-matching,
    ``1_Acquisitions/ksat-detections-*.csv``): ``lon, lat, Name, Probability, DetectionId,
    ProductStartTime, ProductStopTime, Polarization, Beam, Length, Type, Heading, scene_id,
    footprint`` (WKT). ``Probability`` (percent) / 100 → ``confidence``; ``Beam`` →
    ``width_m``; ``DetectionId`` → ``detection_id`` and ``provider_id``.
``ksat_geojson``
    The same deliveries as KML-converted GeoJSON: a Point per detection whose properties hold
    an HTML ``description`` table (DetectionId, Length, Beam, Heading, Probability,
    Polarization, ProductId, ProductStartTime, ProductStopTime) and one Polygon per scene
    (Name, Satellite, Polarization, StartTime, StopTime) that gives the footprint.
``xview3_csv``
    xView3 labels / predictions: ``scene_id, detect_scene_row, detect_scene_column,
    detect_lat, detect_lon, is_vessel, is_fishing, vessel_length_m, confidence, top, left,
    bottom, right``. xView3 carries no acquisition time (pass ``time=``); ``confidence``
    HIGH / MEDIUM / LOW becomes 1.0 / 0.67 / 0.33 (darkfleet's choice; numbers are kept);
    rows with ``is_vessel`` false are rejected as ``not_a_vessel``; rows with only pixel
    coordinates are rejected as ``no_position`` (they need the scene's geocoding).
``geojson``
    Generic GeoJSON: Point features are detections; Polygon / MultiPolygon features with a
    ``scene_id`` are scene footprints. Property names are matched case-insensitively against
    aliases (:data:`_ALIASES`); the time comes from the properties or from ``time=``.
``csv`` / ``parquet``
    The canonical DETECTIONS columns (as written by :func:`write_detections`); the Parquet file
    also carries the SCENES table in its metadata.

Times without a zone are read as UTC (satellite products state UTC). Positions outside
[-180, 180] x [-90, 90], unparseable numbers or times are rejected with a reason; footprints
are parsed with shapely and repaired with ``make_valid`` when invalid (a footprint that cannot
be parsed is a reject of reason ``bad_footprint``; its detections are kept).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC as _TZ_UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import ConfigError, FormatError, InputError, SchemaError
from ..io.source import file_source_id
from ..schema import UTC, conform, empty
from .schema import DETECTION_REJECTS, DETECTIONS, SCENES, DetectionSet

__all__ = ["FORMATS", "read_detections", "sniff_format", "write_detections"]

FORMATS = ("ksat_csv", "ksat_geojson", "xview3_csv", "geojson", "csv", "parquet")

_SUFFIXES = {".csv", ".geojson", ".json", ".parquet"}
_XVIEW3_CONFIDENCE = {"HIGH": 1.0, "MEDIUM": 0.67, "LOW": 0.33}
_SENSOR_PREFIX = {
    "RS2": "RADARSAT-2",
    "S1A": "Sentinel-1A",
    "S1B": "Sentinel-1B",
    "S1C": "Sentinel-1C",
}

#: Generic GeoJSON property aliases (matched case-insensitively), canonical column first.
_ALIASES: dict[str, tuple[str, ...]] = {
    "detection_id": ("detection_id", "detectionid", "detect_id", "id"),
    "scene_id": ("scene_id", "scene", "productid", "product_id"),
    "sensor": ("sensor", "satellite", "platform"),
    "polarisation": ("polarisation", "polarization", "pol"),
    "start_time": (
        "start_time",
        "time",
        "timestamp",
        "datetime",
        "acquisition_time",
        "productstarttime",
        "starttime",
    ),
    "end_time": ("end_time", "productstoptime", "stoptime"),
    "length_m": ("length_m", "length", "vessel_length_m"),
    "width_m": ("width_m", "width", "beam"),
    "heading_deg": ("heading_deg", "heading"),
    "confidence": ("confidence", "score", "probability"),
    "provider_id": ("provider_id",),
}


# ----------------------------------------------------------------------------------------------
# public API


def read_detections(
    path: str | Path,
    format: str | None = None,
    *,
    time: datetime | str | None = None,
    sensor: str | None = None,
) -> DetectionSet:
    """Read a detections file (or every detections file of a directory) into a DetectionSet.

    ``format``: one of :data:`FORMATS`, default sniffed. ``time``: acquisition time for inputs
    that carry none (xView3, generic GeoJSON without a time property); a timezone-aware
    datetime or ISO 8601 text. ``sensor``: overrides the sensor name. A directory is read
    file by file (sorted); the KSAT CSV and GeoJSON of the same delivery overlap and are merged
    by ``detection_id`` (first seen kept). Raises :class:`InputError` when the file is missing
    and :class:`FormatError` / :class:`SchemaError` when it is not a detections file.
    """
    p = Path(path)
    given_time = _given_time(time)
    if format is not None and format not in FORMATS:
        raise ConfigError(f"read_detections: format {format!r} is unknown; use one of {FORMATS}.")
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in _SUFFIXES)
        if not files:
            raise InputError(f"{p}: no .csv, .geojson, .json or .parquet file in this directory.")
        sets, skipped = [], []
        for f in files:
            try:
                fmt = format or sniff_format(f)
            except FormatError as err:  # another kind of file beside the detections
                skipped.append(
                    {
                        "source_id": file_source_id(f),
                        "line": 1,
                        "reason": "not_a_detections_file",
                        "value": f.name,
                        "raw": str(err)[:2000],
                    }
                )
                continue
            sets.append(_read_file(f, fmt, given_time, sensor))
        if skipped:
            sets.append(DetectionSet(rejects=pl.DataFrame(skipped, schema=DETECTION_REJECTS)))
        return DetectionSet.concat(sets, source_path=p)
    if not p.exists():
        raise InputError(f"{p}: no such file. Check the path.")
    return _read_file(p, format, given_time, sensor)


def sniff_format(path: str | Path) -> str:
    """The format of a detections file, from its suffix and its header / first feature."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix == ".csv":
        with p.open(encoding="utf-8", errors="replace") as fh:
            header = {h.strip().strip('"').lower() for h in fh.readline().split(",")}
        if {"detectionid", "productstarttime", "scene_id"} <= header:
            return "ksat_csv"
        if {"detect_scene_row", "detect_scene_column", "scene_id"} <= header:
            return "xview3_csv"
        if {"detection_id", "scene_id", "lon", "lat"} <= header:
            return "csv"
        raise FormatError(
            f"{p}: line 1: the header {sorted(header)} is neither KSAT (DetectionId, "
            "ProductStartTime, scene_id), xView3 (detect_scene_row, detect_scene_column, "
            "scene_id) nor canonical (detection_id, scene_id, lon, lat); pass format= or fix it."
        )
    if suffix in (".geojson", ".json"):
        with p.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
        if "<td>DetectionId</td>" in head or "<td>ProductId</td>" in head:
            return "ksat_geojson"
        return "geojson"
    raise FormatError(f"{p}: suffix {p.suffix!r} is not .csv, .geojson, .json or .parquet.")


def write_detections(dset: DetectionSet, path: str | Path, format: str | None = None) -> Path:
    """Write ``dset`` as ``parquet`` (detections + scenes in the metadata), ``geojson``
    (detection points and scene footprint polygons) or ``csv`` (detections only), chosen by
    ``format`` or the suffix. Output is deterministic (rows sorted by scene and detection id).
    """
    p = Path(path)
    fmt = format or {".parquet": "parquet", ".geojson": "geojson", ".json": "geojson"}.get(
        p.suffix.lower(), "csv" if p.suffix.lower() == ".csv" else ""
    )
    det = dset.detections.sort(["scene_id", "detection_id"])
    scenes = dset.scenes.sort("scene_id")
    p.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = det.to_arrow()
        meta = dict(table.schema.metadata or {})
        meta[b"darkfleet.scenes"] = json.dumps(_records(scenes)).encode()
        pq.write_table(table.replace_schema_metadata(meta), p)
    elif fmt == "geojson":
        features: list[dict[str, Any]] = []
        for row in _records(scenes):
            wkt = row.pop("footprint_wkt")
            if wkt:
                import shapely

                geom = shapely.geometry.mapping(shapely.from_wkt(wkt))
                features.append({"type": "Feature", "properties": row, "geometry": geom})
        for row in _records(det):
            geom = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
            features.append({"type": "Feature", "properties": row, "geometry": geom})
        p.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    elif fmt == "csv":
        det.with_columns(
            pl.col("start_time", "end_time").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        ).write_csv(p)
    else:
        raise ConfigError(f"write_detections: {p}: write .parquet, .geojson or .csv.")
    return p


# ----------------------------------------------------------------------------------------------
# dispatch and shared helpers


def _read_file(p: Path, fmt: str | None, time: datetime | None, sensor: str | None) -> DetectionSet:
    fmt = fmt or sniff_format(p)
    readers: dict[str, Callable[[Path, str, datetime | None], _Parts]] = {
        "ksat_csv": _read_ksat_csv,
        "ksat_geojson": _read_ksat_geojson,
        "xview3_csv": _read_xview3,
        "geojson": _read_geojson,
        "csv": _read_canonical,
        "parquet": _read_canonical,
    }
    sid = file_source_id(p)
    det, scenes, rejects = readers[fmt](p, sid, time)
    if sensor is not None:
        det = det.with_columns(pl.lit(sensor).alias("sensor"))
        scenes = scenes.with_columns(pl.lit(sensor).alias("sensor"))
    det, more = _validate(det)
    rejects = pl.concat([conform(rejects, DETECTION_REJECTS), more], how="vertical")
    scenes = _complete_scenes(scenes, det, sid)
    return DetectionSet(
        detections=det.sort(["scene_id", "detection_id"]),
        scenes=scenes.sort("scene_id"),
        rejects=rejects.sort("line"),
        source_path=p,
    )


_Parts = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]


def _given_time(time: datetime | str | None) -> datetime | None:
    if time is None:
        return None
    t = _parse_time(time) if isinstance(time, str) else time
    if t is None or t.tzinfo is None:
        raise ConfigError(
            f"time {time!r}: give a timezone-aware ISO 8601 time, e.g. 2024-12-09T01:52:00Z."
        )
    return t.astimezone(_TZ_UTC)


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    s = text.strip()
    if not s:
        return None
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        return None
    return t.replace(tzinfo=_TZ_UTC) if t.tzinfo is None else t.astimezone(_TZ_UTC)


def _time_col(values: pl.Series) -> pl.Series:
    """Parse ISO 8601 texts (vectorised over the distinct values)."""
    texts = values.cast(pl.String)
    uniq = texts.drop_nulls().unique().to_list()
    table = pl.DataFrame(
        {"_k": uniq, "_t": [_parse_time(u) for u in uniq]},
        schema={"_k": pl.String, "_t": UTC},
    )
    out = pl.DataFrame({"_k": texts}).join(table, on="_k", how="left", maintain_order="left")
    return out["_t"].alias(values.name)


def _num(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)


def _sensor_of(scene_id: pl.Expr) -> pl.Expr:
    expr: pl.Expr = pl.lit("SAR")
    for prefix, name in _SENSOR_PREFIX.items():
        expr = pl.when(scene_id.str.starts_with(prefix)).then(pl.lit(name)).otherwise(expr)
    return expr


def _footprint(wkt_or_geojson: str | Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(normalised WKT, reject reason) of a footprint given as WKT or a GeoJSON geometry."""
    import shapely

    if wkt_or_geojson is None or wkt_or_geojson == "":
        return None, None
    try:
        if isinstance(wkt_or_geojson, str):
            geom = shapely.from_wkt(wkt_or_geojson)
        else:
            geom = shapely.geometry.shape(wkt_or_geojson)
    except (shapely.errors.ShapelyError, ValueError, TypeError, AttributeError, KeyError):
        return None, "bad_footprint"
    geom = shapely.force_2d(geom)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        if geom.geom_type == "GeometryCollection":
            polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            geom = shapely.union_all(polys) if polys else geom
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        return None, "bad_footprint"
    return shapely.to_wkt(geom, rounding_precision=9, trim=True), None


def _validate(det: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split detections into kept rows and rejects (bad position, time, length)."""
    det = det.with_columns(
        pl.when(pl.col("lon").is_null() | pl.col("lat").is_null())
        .then(pl.lit("no_position"))
        .when(~pl.col("lon").is_between(-180.0, 180.0) | ~pl.col("lat").is_between(-90.0, 90.0))
        .then(pl.lit("bad_position"))
        .when(pl.col("_time_raw").is_not_null() & pl.col("start_time").is_null())
        .then(pl.lit("bad_time"))
        .when(pl.col("length_m") < 0)
        .then(pl.lit("bad_length"))
        .otherwise(pl.lit(None, pl.String))
        .alias("_reason")
    )
    bad = det.filter(pl.col("_reason").is_not_null())
    rejects = bad.select(
        "source_id",
        "line",
        pl.col("_reason").alias("reason"),
        pl.format("lon={} lat={} time={} length_m={}", "lon", "lat", "_time_raw", "length_m").alias(
            "value"
        ),
        pl.col("_raw").alias("raw"),
    )
    good = det.filter(pl.col("_reason").is_null())
    return conform(good, DETECTIONS), conform(rejects, DETECTION_REJECTS)


def _complete_scenes(scenes: pl.DataFrame, det: pl.DataFrame, sid: str) -> pl.DataFrame:
    """Scenes of the file plus one derived row for every scene only the detections name."""
    derived = det.group_by("scene_id").agg(
        pl.col("sensor").drop_nulls().first(),
        pl.col("polarisation").drop_nulls().first(),
        pl.col("start_time").min(),
        pl.col("end_time").max(),
        pl.len().cast(pl.Int64).alias("n_detections"),
    )
    scenes = conform(scenes, SCENES).unique(subset="scene_id", keep="first", maintain_order=True)
    known = scenes.drop("n_detections").join(
        derived.select("scene_id", "n_detections"), on="scene_id", how="left"
    )
    missing = derived.join(scenes.select("scene_id"), on="scene_id", how="anti")
    out = pl.concat([conform(known, SCENES), conform(missing, SCENES)], how="vertical")
    return out.with_columns(pl.col("n_detections").fill_null(0), pl.col("source_id").fill_null(sid))


def _with_lines(frame: pl.DataFrame, p: Path, header_lines: int = 1) -> pl.DataFrame:
    """Add 1-based file ``line`` numbers and the ``_raw`` line text (one record per line)."""
    lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    body = lines[header_lines:]
    if len(body) == frame.height:
        return frame.with_columns(
            pl.int_range(header_lines + 1, header_lines + 1 + frame.height, dtype=pl.Int64).alias(
                "line"
            ),
            pl.Series("_raw", body, dtype=pl.String),
        )
    # quoted newlines inside fields: fall back to record numbers (1-based, header excluded)
    raw = pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("") for c in frame.columns], separator=","
    )
    return frame.with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("line"), raw.alias("_raw")
    )


def _read_csv(p: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(p, infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        raise FormatError(f"{p}: not a readable CSV ({err}).") from err


def _require(p: Path, columns: list[str], needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in columns]
    if missing:
        raise SchemaError(f"{p}: line 1: columns {missing} are missing (header: {columns}).")


# ----------------------------------------------------------------------------------------------
# formats


def _read_ksat_csv(p: Path, sid: str, time: datetime | None) -> _Parts:
    raw = _read_csv(p)
    _require(
        p,
        raw.columns,
        ("lon", "lat", "DetectionId", "ProductStartTime", "ProductStopTime", "scene_id"),
    )
    raw = _with_lines(raw, p)
    for c in ("Polarization", "Beam", "Length", "Heading", "Probability", "footprint"):
        if c not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(c))
    det = raw.select(
        pl.col("DetectionId").str.strip_chars().alias("detection_id"),
        pl.col("scene_id").str.strip_chars(),
        _sensor_of(pl.col("scene_id")).alias("sensor"),
        pl.col("Polarization").str.strip_chars().alias("polarisation"),
        _time_col(raw["ProductStartTime"]).alias("start_time"),
        _time_col(raw["ProductStopTime"]).alias("end_time"),
        _num("lon").alias("lon"),
        _num("lat").alias("lat"),
        _num("Length").alias("length_m"),
        _num("Beam").alias("width_m"),
        _num("Heading").alias("heading_deg"),
        (_num("Probability") / 100.0).alias("confidence"),
        pl.col("DetectionId").str.strip_chars().alias("provider_id"),
        pl.lit(sid).alias("source_id"),
        "line",
        pl.col("ProductStartTime").alias("_time_raw"),
        "_raw",
    )
    scenes_raw = raw.unique(subset="scene_id", keep="first", maintain_order=True)
    rows, rejects = [], []
    for rec in scenes_raw.iter_rows(named=True):  # one per scene
        wkt, reason = _footprint(rec["footprint"])
        if reason:
            rejects.append(
                {
                    "source_id": sid,
                    "line": rec["line"],
                    "reason": reason,
                    "value": rec["footprint"],
                    "raw": rec["_raw"],
                }
            )
        rows.append({"scene_id": rec["scene_id"], "footprint_wkt": wkt})
    scenes = pl.DataFrame(rows, schema={"scene_id": pl.String, "footprint_wkt": pl.String})
    scenes = scenes.join(
        det.group_by("scene_id", maintain_order=True).agg(
            pl.col("sensor", "polarisation", "start_time", "end_time").first()
        ),
        on="scene_id",
        how="left",
    ).with_columns(pl.lit(sid).alias("source_id"))
    return det, scenes, pl.DataFrame(rejects, schema=DETECTION_REJECTS)


_TD = re.compile(r"<td>\s*([A-Za-z]+)\s*</td>\s*(?:<td>([^<]*)</td>|<td\s*/>)")


def _html_table(text: str) -> dict[str, str]:
    return {k: (v or "").strip() for k, v in _TD.findall(text or "")}


def _load_geojson(p: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise FormatError(f"{p}: not valid JSON ({err}).") from err
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    else:
        raise FormatError(f"{p}: not a GeoJSON FeatureCollection or Feature.")
    return [f if isinstance(f, dict) else {} for f in feats]


def _point(feat: Mapping[str, Any]) -> tuple[float | None, float | None, str | None]:
    geom = feat.get("geometry")
    if not isinstance(geom, dict) or geom.get("type") != "Point":
        return None, None, "not_a_point"
    coords = geom.get("coordinates") or []
    try:
        return float(coords[0]), float(coords[1]), None
    except (TypeError, ValueError, IndexError):
        return None, None, "bad_position"


def _float(v: Any) -> float | None:
    try:
        return None if v is None or v == "" else float(v)
    except (TypeError, ValueError):
        return None


def _read_ksat_geojson(p: Path, sid: str, time: datetime | None) -> _Parts:
    det_rows: list[dict[str, Any]] = []
    scene_rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for n, feat in enumerate(_load_geojson(p), start=1):
        raw = json.dumps(feat, sort_keys=True)[:2000]
        props = feat.get("properties") or {}
        table = _html_table(str(props.get("description", "")))
        gtype = (feat.get("geometry") or {}).get("type")
        if gtype in ("Polygon", "MultiPolygon"):
            wkt, reason = _footprint(feat["geometry"])
            if reason:
                rejects.append(
                    {"source_id": sid, "line": n, "reason": reason, "value": gtype, "raw": raw}
                )
            sat = table.get("Satellite") or None
            scene_rows.append(
                {
                    "scene_id": table.get("Name") or props.get("name"),
                    "sensor": sat,
                    "polarisation": table.get("Polarization") or None,
                    "start_time": _parse_time(table.get("StartTime")),
                    "end_time": _parse_time(table.get("StopTime")),
                    "footprint_wkt": wkt,
                    "source_id": sid,
                }
            )
            continue
        lon, lat, reason = _point(feat)
        if reason == "not_a_point" or "DetectionId" not in table:
            rejects.append(
                {
                    "source_id": sid,
                    "line": n,
                    "reason": "not_a_detection",
                    "value": str(gtype),
                    "raw": raw,
                }
            )
            continue
        prob = _float(table.get("Probability"))
        det_rows.append(
            {
                "detection_id": table["DetectionId"],
                "scene_id": table.get("ProductId"),
                "polarisation": table.get("Polarization") or None,
                "start_time": _parse_time(table.get("ProductStartTime")),
                "end_time": _parse_time(table.get("ProductStopTime")),
                "lon": lon,
                "lat": lat,
                "length_m": _float(table.get("Length")),
                "width_m": _float(table.get("Beam")),
                "heading_deg": _float(table.get("Heading")),
                "confidence": None if prob is None else prob / 100.0,
                "provider_id": table["DetectionId"],
                "source_id": sid,
                "line": n,
                "_time_raw": table.get("ProductStartTime"),
                "_raw": raw,
            }
        )
    det = _frame(det_rows).with_columns(_sensor_of(pl.col("scene_id")).alias("sensor"))
    scenes = pl.DataFrame(scene_rows, schema={k: SCENES[k] for k in SCENES if k != "n_detections"})
    # the scene polygon names the satellite: use it for the scene's detections
    sensors = scenes.select("scene_id", pl.col("sensor").alias("_s")).drop_nulls()
    det = det.join(sensors, on="scene_id", how="left", maintain_order="left").with_columns(
        pl.coalesce("_s", "sensor").alias("sensor")
    )
    return det, scenes, pl.DataFrame(rejects, schema=DETECTION_REJECTS)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {**DETECTIONS, "_time_raw": pl.String(), "_raw": pl.String()}
    return pl.DataFrame(rows, schema=schema)


def _read_xview3(p: Path, sid: str, time: datetime | None) -> _Parts:
    raw = _read_csv(p)
    _require(p, raw.columns, ("scene_id", "detect_scene_row", "detect_scene_column"))
    raw = _with_lines(raw, p)
    for c in ("detect_lat", "detect_lon", "vessel_length_m", "confidence", "is_vessel"):
        if c not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(c))
    conf_text = pl.col("confidence").str.strip_chars().str.to_uppercase()
    conf = (
        pl.when(conf_text.is_in(list(_XVIEW3_CONFIDENCE)))
        .then(conf_text.replace_strict(_XVIEW3_CONFIDENCE, default=None, return_dtype=pl.Float64))
        .otherwise(_num("confidence"))
    )
    vessel = pl.col("is_vessel").str.strip_chars().str.to_lowercase()
    not_vessel = vessel.is_in(["false", "0", "0.0"])
    frame = raw.with_columns(not_vessel.fill_null(False).alias("_not_vessel"))
    rejects = frame.filter("_not_vessel").select(
        pl.lit(sid).alias("source_id"),
        "line",
        pl.lit("not_a_vessel").alias("reason"),
        pl.format("is_vessel={}", "is_vessel").alias("value"),
        pl.col("_raw").alias("raw"),
    )
    frame = frame.filter(~pl.col("_not_vessel"))
    det = frame.select(
        pl.format("{}:{}", "scene_id", "line").alias("detection_id"),
        pl.col("scene_id").str.strip_chars(),
        pl.lit("Sentinel-1").alias("sensor"),
        pl.lit(None, pl.String).alias("polarisation"),
        pl.lit(time, UTC).alias("start_time"),
        pl.lit(time, UTC).alias("end_time"),
        _num("detect_lon").alias("lon"),
        _num("detect_lat").alias("lat"),
        _num("vessel_length_m").alias("length_m"),
        pl.lit(None, pl.Float64).alias("width_m"),
        pl.lit(None, pl.Float64).alias("heading_deg"),
        conf.alias("confidence"),
        pl.lit(None, pl.String).alias("provider_id"),
        pl.lit(sid).alias("source_id"),
        "line",
        pl.lit(None, pl.String).alias("_time_raw"),
        "_raw",
    )
    return det, empty(SCENES), rejects


def _pick(props: Mapping[str, Any], name: str) -> Any:
    lower = {str(k).lower(): v for k, v in props.items()}
    for alias in _ALIASES[name]:
        if alias in lower and lower[alias] not in (None, ""):
            return lower[alias]
    return None


def _read_geojson(p: Path, sid: str, time: datetime | None) -> _Parts:
    det_rows: list[dict[str, Any]] = []
    scene_rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for n, feat in enumerate(_load_geojson(p), start=1):
        raw = json.dumps(feat, sort_keys=True)[:2000]
        props = feat.get("properties") or {}
        scene_id = _pick(props, "scene_id")
        scene_id = str(scene_id) if scene_id is not None else p.stem
        gtype = (feat.get("geometry") or {}).get("type")
        if gtype in ("Polygon", "MultiPolygon"):
            wkt, reason = _footprint(feat["geometry"])
            if reason:
                rejects.append(
                    {"source_id": sid, "line": n, "reason": reason, "value": gtype, "raw": raw}
                )
            start = _parse_time(_str(_pick(props, "start_time")))
            scene_rows.append(
                {
                    "scene_id": scene_id,
                    "sensor": _str(_pick(props, "sensor")),
                    "polarisation": _str(_pick(props, "polarisation")),
                    "start_time": start or time,
                    "end_time": _parse_time(_str(_pick(props, "end_time"))) or start or time,
                    "footprint_wkt": wkt,
                    "source_id": sid,
                }
            )
            continue
        lon, lat, reason = _point(feat)
        if reason == "not_a_point":
            rejects.append(
                {"source_id": sid, "line": n, "reason": reason, "value": str(gtype), "raw": raw}
            )
            continue
        t_raw = _str(_pick(props, "start_time"))
        start = _parse_time(t_raw) if t_raw is not None else time
        end_raw = _str(_pick(props, "end_time"))
        end = _parse_time(end_raw) if end_raw is not None else start
        ident = _pick(props, "detection_id") or feat.get("id")
        keep = isinstance(props.get("line"), int) and isinstance(props.get("source_id"), str)
        conf = _float(_pick(props, "confidence"))
        det_rows.append(
            {
                "detection_id": str(ident) if ident is not None else f"{scene_id}:{n}",
                "scene_id": scene_id,
                "sensor": _str(_pick(props, "sensor")),
                "polarisation": _str(_pick(props, "polarisation")),
                "start_time": start,
                "end_time": end,
                "lon": lon,
                "lat": lat,
                "length_m": _float(_pick(props, "length_m")),
                "width_m": _float(_pick(props, "width_m")),
                "heading_deg": _float(_pick(props, "heading_deg")),
                "confidence": conf / 100.0 if conf is not None and conf > 1.0 else conf,
                "provider_id": _str(_pick(props, "provider_id")),
                # a canonical export keeps the provenance of the original input
                "source_id": _str(props.get("source_id")) if keep else sid,
                "line": int(props["line"]) if keep else n,
                "_time_raw": t_raw,
                "_raw": raw,
            }
        )
    scenes = pl.DataFrame(scene_rows, schema={k: SCENES[k] for k in SCENES if k != "n_detections"})
    return _frame(det_rows), scenes, pl.DataFrame(rejects, schema=DETECTION_REJECTS)


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def _read_canonical(p: Path, sid: str, time: datetime | None) -> _Parts:
    scenes = empty(SCENES)
    if p.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(p)
        except Exception as err:  # pyarrow raises several unrelated types
            raise FormatError(f"{p}: not a readable Parquet file ({err}).") from err
        meta = (table.schema.metadata or {}).get(b"darkfleet.scenes")
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        if meta:
            scenes = pl.DataFrame(json.loads(meta), schema={k: pl.String() for k in SCENES})
            scenes = scenes.with_columns(
                _time_col(scenes["start_time"]),
                _time_col(scenes["end_time"]),
                pl.col("n_detections").cast(pl.Int64),
            )
        _require(p, frame.columns, ("detection_id", "scene_id", "lon", "lat"))
        frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
        raw = pl.format("{}", "detection_id")
    else:
        frame = _read_csv(p)
        _require(p, frame.columns, ("detection_id", "scene_id", "lon", "lat"))
        if "line" in frame.columns:
            frame = frame.rename({"line": "_line"})
        frame = _with_lines(frame, p).rename({"line": "_row"})
        if "_line" in frame.columns:
            frame = frame.rename({"_line": "line"})
        raw = pl.col("_raw")
        for c in ("start_time", "end_time"):
            if c in frame.columns:
                frame = frame.with_columns(_time_col(frame[c]))
    time_raw = (
        pl.col("start_time").cast(pl.String)
        if "start_time" in frame.columns
        else pl.lit(None, pl.String)
    )
    frame = frame.with_columns(time_raw.alias("_time_raw"), raw.alias("_raw"))
    det = conform(frame, DETECTIONS).with_columns(
        pl.col("line").fill_null(frame["_row"])
        if "line" in frame.columns
        else frame["_row"].alias("line"),
        pl.col("source_id").fill_null(sid),
        frame["_time_raw"],
        frame["_raw"],
    )
    if time is not None:
        det = det.with_columns(
            pl.col("start_time").fill_null(time), pl.col("end_time").fill_null(time)
        )
    return det, scenes, empty(DETECTION_REJECTS)


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = frame.with_columns(
        [
            pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime)
        ]
    )
    return out.to_dicts()
