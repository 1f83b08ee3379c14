"""Canonical tables of satellite vessel detections: one schema whatever the provider.

* :data:`DETECTIONS`: one row per detected object (a vessel candidate) in a scene;
* :data:`SCENES`: one row per acquisition (scene), with its footprint as WKT;
* :data:`DETECTION_REJECTS`: input records that could not be used, with the reason.

Conventions follow :mod:`darkfleet.schema`: ``lon``/``lat`` WGS84 degrees, units in column
names, times ``Datetime("us", "UTC")`` (``start_time``/``end_time`` are the scene's acquisition
start and stop), and provenance on every row (``source_id`` = first 16 hex digits of the
SHA-256 of the input file, ``line`` = 1-based row or feature number; for the built-in
detector the connected-component number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..schema import UTC, conform, empty

__all__ = [
    "DETECTIONS",
    "DETECTION_REJECTS",
    "SCENES",
    "DetectionSet",
]

#: One row per detection. ``detection_id`` is the provider's id where it has one, else
#: ``f"{scene_id}:{n}"``; ``confidence`` is 0..1 (provider percentages are divided by 100);
#: ``heading_deg`` is the object's axis direction, clockwise from north (SAR cannot tell bow
#: from stern: the provider's value is kept as given, the detector's lies in [0, 180)).
DETECTIONS: dict[str, pl.DataType] = {
    "detection_id": pl.String(),
    "scene_id": pl.String(),
    "sensor": pl.String(),
    "polarisation": pl.String(),
    "start_time": UTC,
    "end_time": UTC,
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "length_m": pl.Float64(),
    "width_m": pl.Float64(),
    "heading_deg": pl.Float64(),
    "confidence": pl.Float64(),
    "provider_id": pl.String(),
    "source_id": pl.String(),
    "line": pl.Int64(),
}

#: One row per scene (acquisition). ``footprint_wkt`` is a valid POLYGON or MULTIPOLYGON in
#: lon/lat (null where the input gives none); ``n_detections`` counts its rows in DETECTIONS.
SCENES: dict[str, pl.DataType] = {
    "scene_id": pl.String(),
    "sensor": pl.String(),
    "polarisation": pl.String(),
    "start_time": UTC,
    "end_time": UTC,
    "footprint_wkt": pl.String(),
    "n_detections": pl.Int64(),
    "source_id": pl.String(),
}

#: Records that could not be used: never silently dropped.
DETECTION_REJECTS: dict[str, pl.DataType] = {
    "source_id": pl.String(),
    "line": pl.Int64(),
    "reason": pl.String(),
    "value": pl.String(),
    "raw": pl.String(),
}


@dataclass(frozen=True)
class DetectionSet:
    """Detections, their scenes and the rejected records of one input (file or scene).

    ``source_path`` is the file read (a directory for a folder of files, None when built in
    memory). Frames are conformed to :data:`DETECTIONS`, :data:`SCENES` and
    :data:`DETECTION_REJECTS`.
    """

    detections: pl.DataFrame = field(default_factory=lambda: empty(DETECTIONS))
    scenes: pl.DataFrame = field(default_factory=lambda: empty(SCENES))
    rejects: pl.DataFrame = field(default_factory=lambda: empty(DETECTION_REJECTS))
    source_path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "detections", conform(self.detections, DETECTIONS))
        object.__setattr__(self, "scenes", conform(self.scenes, SCENES))
        object.__setattr__(self, "rejects", conform(self.rejects, DETECTION_REJECTS))

    @classmethod
    def concat(cls, sets: list[DetectionSet], source_path: Path | None = None) -> DetectionSet:
        """One set from several (e.g. a folder of files); scenes seen twice are merged."""
        if not sets:
            return cls(source_path=source_path)
        det = pl.concat([s.detections for s in sets], how="vertical")
        det = det.unique(subset=["detection_id"], keep="first", maintain_order=True)
        scenes = pl.concat([s.scenes for s in sets], how="vertical")
        scenes = scenes.unique(subset=["scene_id"], keep="first", maintain_order=True)
        rejects = pl.concat([s.rejects for s in sets], how="vertical")
        return cls(
            detections=det.sort(["scene_id", "detection_id"]),
            scenes=_recount(scenes, det).sort("scene_id"),
            rejects=rejects,
            source_path=source_path,
        )


def _recount(scenes: pl.DataFrame, detections: pl.DataFrame) -> pl.DataFrame:
    counts = detections.group_by("scene_id").agg(pl.len().cast(pl.Int64).alias("_n"))
    return (
        scenes.join(counts, on="scene_id", how="left")
        .with_columns(pl.col("_n").fill_null(0).alias("n_detections"))
        .drop("_n")
    )
