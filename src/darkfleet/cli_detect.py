"""Command ``darkfleet detect``: the built-in SAR vessel detector on a GeoTIFF.

Registered on :data:`darkfleet.cli.app`; a thin wrapper over
:func:`darkfleet.satellite.detect_scene` and :func:`darkfleet.satellite.write_detections`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli import _fail, app, console, err_console, frame_table
from .errors import ConfigError, DarkfleetError

__all__: list[str] = []


@app.command()
def detect(
    scene: Annotated[Path, typer.Argument(help="Calibrated SAR GeoTIFF (sigma0, linear or dB).")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write detections: .parquet, .geojson or .csv."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="cfar.PARAMETER=VALUE, e.g. cfar.n_sigma=6 (repeat)."),
    ] = None,
    no_land_mask: Annotated[
        bool, typer.Option("--no-land-mask", help="Do not mask land (open-ocean scenes).")
    ] = False,
    scene_id: Annotated[str | None, typer.Option(help="Scene id (default: from the file).")] = None,
    time: Annotated[
        str | None, typer.Option(help="Acquisition time, ISO 8601 with zone (default: tags).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to show (0 = all).")] = 20,
) -> None:
    """Detect vessels in a SAR scene (two-parameter CFAR, ring window 200/600 m, land mask);
    print them and optionally write the canonical detection table.

    See docs/satellite.md for the Definition and every parameter.

    Examples:

        darkfleet detect S1A_IW_GRDH_1SDV_20241209T092612_..._VV.tif -o najin.parquet

        darkfleet detect scene.tif --set cfar.n_sigma=6 --set cfar.peak_sigma=12 -o d.geojson
    """
    from .engine import parse_override
    from .satellite import CfarConfig, detect_scene, write_detections

    try:
        overrides = dict(parse_override(s) for s in set_ or [])
        for key in overrides:
            if not key.startswith("cfar."):
                raise ConfigError(f"--set {key}: detect takes cfar.PARAMETER=VALUE.")
        config = CfarConfig().with_overrides(overrides)
        with err_console.status("detecting") as status:
            result = detect_scene(
                scene,
                config,
                land=None if no_land_mask else "auto",
                scene_id=scene_id,
                time=time,
                progress=lambda k, n: status.update(f"detecting: tile {k}/{n}"),
            )
        if output is not None:
            write_detections(result, output)
    except DarkfleetError as err:
        raise _fail(err) from err
    det = result.detections
    columns = ["detection_id", "lon", "lat", "length_m", "heading_deg", "confidence"]
    title = f"{det.height:,} detections in {scene.name}"
    console.print(frame_table(det, columns, title, limit=limit or None))
    if result.rejects.height:
        console.print(f"{result.rejects.height:,} objects rejected (too large: coast, ice?)")
    if output is not None:
        console.print(f"written to {output}")
