"""The ``report`` command: a self-contained HTML report of a store (thin wrapper over
:func:`darkfleet.report.write_report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .cli import _fail, app, console, err_console
from .errors import DarkfleetError

__all__: list[str] = []


@app.command()
def report(
    store: Annotated[
        Path, typer.Argument(help="Store directory (after ingest, analyze and screen).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for index.html and exports/.")],
    title: Annotated[str | None, typer.Option(help="Page title.")] = None,
    exports: Annotated[
        bool, typer.Option("--exports/--no-exports", help="Also write exports/ (findings, events).")
    ] = True,
    max_dossiers: Annotated[int, typer.Option(help="Vessels that get a dossier, at most.")] = 60,
) -> None:
    """Write a self-contained HTML report (DIR/index.html) of the store: summary, map, ranked
    findings with their evidence, port activity with surges, round trips, vessel dossiers,
    methods (Definitions and the parameters used) and input accounting; plus DIR/exports/ with
    the findings and every event table as GeoParquet, GeoPackage and CSV.

    The page loads nothing from the network (Leaflet and the coastline are inside it): open it
    offline or mail it as one file.

    Examples:

        darkfleet report my-store -o report

        darkfleet report my-store -o report --title "Najin, Oct-Dec 2024" --no-exports
    """
    from .report import ReportOptions, write_report

    try:
        with err_console.status("writing the report"):
            result = write_report(
                store,
                out,
                title=title,
                options=ReportOptions(max_dossiers=max_dossiers, exports=exports),
            )
    except DarkfleetError as err:
        raise _fail(err) from err
    c = result.counts
    table = Table(title=f"Report {result.path}", title_justify="left")
    table.add_column("section")
    table.add_column("items", justify="right")
    for key, label in (
        ("findings", "findings"),
        ("map_layers", "map layers"),
        ("track_points", "track points drawn"),
        ("port_charts", "port activity charts"),
        ("round_trip_pairs", "round-trip port pairs"),
        ("dossiers", "vessel dossiers"),
        ("vessels", "vessels in the index"),
        ("definitions", "definitions"),
        ("sources", "sources accounted"),
    ):
        table.add_row(label, f"{c.get(key, 0):,}")
    console.print(table)
    console.print(
        f"{c['html_bytes'] / 1e6:.1f} MB, self-contained; open {result.path.as_uri()}"
        + (
            f"\n{len(result.exports)} export files in {result.path.parent / 'exports'}"
            if result.exports
            else ""
        )
    )
