"""``darkfleet match``: satellite detections against the store's AIS (registered on the app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .cli import _fail, app, console, err_console
from .errors import ConfigError, DarkfleetError

__all__: list[str] = []


@app.command()
def match(
    store: Annotated[Path, typer.Argument(help="Store directory (after darkfleet ingest).")],
    detections: Annotated[
        list[Path],
        typer.Option(
            "--detections",
            help="Detections file or folder: KSAT/GFW CSV or GeoJSON, xView3 CSV, GeoJSON "
            "points, darkfleet Parquet (repeat).",
        ),
    ],
    ports: Annotated[
        Path | None, typer.Option(help="Ports file (default: the packaged World Port Index).")
    ] = None,
    port_radius_m: Annotated[
        float, typer.Option(help="Entry distance of a port without its own radius, metres.")
    ] = 3000.0,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="PARAMETER=VALUE of the matching, e.g. window_h=6 (repeat)."),
    ] = None,
) -> None:
    """Match satellite vessel detections to the AIS in the store: which detections are
    broadcasting ships, which are dark, which AIS vessels the satellite should have seen.

    Writes STORE/satellite/ (scenes, detections, matches, dark, missed, expected,
    port_scenes + manifest.json), replacing the previous set. The Definition and every
    parameter: docs/satellite_matching.md.

    Examples:

        darkfleet match my-store --detections ksat-detections.csv

        darkfleet match my-store --detections scenes/ --set window_h=6 --set min_score=0.7
    """
    from .satellite.match import MatchConfig
    from .satellite.store import match_store

    try:
        overrides = {}
        for item in set_ or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigError(f"--set {item!r}: write PARAMETER=VALUE, e.g. window_h=6.")
            overrides[key.strip()] = value.strip()
        cfg = MatchConfig().with_overrides(overrides)
        with err_console.status("matching detections to AIS"):
            out = match_store(
                store, detections, config=cfg, ports=ports, port_radius_m=port_radius_m
            )
    except DarkfleetError as err:
        raise _fail(err) from err
    res = out.result
    table = Table(title="Satellite scenes against AIS", title_justify="left")
    for col in ("scene", "acquired (UTC)", "detections", "matched", "dark", "missed AIS"):
        table.add_column(col, justify="left" if col in ("scene", "acquired (UTC)") else "right")
    det = out.detections.detections
    counts = {
        name: dict(frame.group_by("scene_id").len().iter_rows())
        for name, frame in (("det", det), ("m", res.matches), ("d", res.dark), ("x", res.missed))
    }
    for sid, t0 in (
        out.detections.scenes.sort("start_time", "scene_id")
        .select("scene_id", "start_time")
        .iter_rows()
    ):
        table.add_row(
            sid,
            f"{t0:%Y-%m-%d %H:%M}" if t0 else "",
            *(f"{counts[k].get(sid, 0):,}" for k in ("det", "m", "d", "x")),
        )
    console.print(table)
    rejected = out.detections.rejects.height
    console.print(
        f"{det.height:,} detections: {res.matches.height:,} matched, {res.dark.height:,} dark; "
        f"{res.missed.height:,} AIS vessels in a footprint not detected"
        + (f"; {rejected:,} input records rejected" if rejected else "")
    )
    for sentence in out.port_scenes.filter(out.port_scenes["n_detected"] > 0)["sentence"]:
        console.print(f"  {sentence}")
    console.print(f"stored in {out.path}")
