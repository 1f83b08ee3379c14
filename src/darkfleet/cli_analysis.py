"""Commands of the track analytics: ``analyze``, ``events``, ``export`` (and ``simulate``).

Registered on :data:`darkfleet.cli.app`; each is a thin wrapper over one API call.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from .cli import _fail, app, console, err_console, frame_table
from .errors import ConfigError, DarkfleetError

__all__: list[str] = []

_DEFAULT_COLUMNS: dict[str, list[str]] = {
    "segments": ["mmsi", "seg_id", "start_time", "end_time", "n_positions", "distance_m"],
    "gaps": [
        "mmsi",
        "start_time",
        "duration_h",
        "distance_m",
        "implied_speed_kn",
        "start_shore_km",
        "likely_disabled",
        "is_open",
    ],
    "port_visits": ["mmsi", "port_name", "start_time", "end_time", "duration_h", "confidence"],
    "voyages": ["mmsi", "origin_name", "dest_name", "start_time", "duration_h", "dark_h"],
    "round_trips": ["mmsi", "port_a_name", "port_b_name", "start_time", "end_time", "dark_h"],
    "draught_changes": ["mmsi", "port_id", "start_time", "change_m", "signal"],
    "dark_port_calls": ["mmsi", "start_time", "port_name", "rank", "slack_h", "reasoning"],
    "loitering": ["mmsi", "start_time", "duration_h", "median_sog_kn", "min_shore_km"],
    "encounters": ["mmsi", "other_mmsi", "start_time", "duration_h", "median_distance_m"],
    "port_activity": ["port_name", "date", "vessels_present", "arrivals", "departures"],
    "surges": ["port_name", "start_time", "metric", "ratio", "reasoning"],
}


def _config(config: Path | None, sets: list[str] | None, ports: Path | None) -> Any:
    from .engine import load_config, parse_override

    overrides = dict(parse_override(s) for s in sets or [])
    if ports is not None:
        overrides["analysis.ports"] = str(ports)
    return load_config(config, overrides=overrides)


@app.command()
def analyze(
    store: Annotated[Path, typer.Argument(help="Store directory (after darkfleet ingest).")],
    config: Annotated[
        Path | None, typer.Option(help="TOML file of parameters ([gaps], [visits] ...).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="SECTION.PARAMETER=VALUE, e.g. gaps.min_gap_h=12 (repeat)."),
    ] = None,
    ports: Annotated[
        Path | None, typer.Option(help="Ports file (WPI CSV, plain CSV, GeoJSON).")
    ] = None,
    vessel: Annotated[
        list[int] | None, typer.Option(help="Analyse only this MMSI (repeat).")
    ] = None,
    start: Annotated[str | None, typer.Option(help="Only positions from this time.")] = None,
    end: Annotated[str | None, typer.Option(help="Only positions before this time.")] = None,
) -> None:
    """Compute every event type (segments, gaps, port visits, voyages, round trips, draught
    changes, dark port calls, loitering, encounters, port activity, surges) and store them.

    The previous events of the store are replaced as a whole; the parameters used are recorded
    with them (see src/darkfleet/definitions/ for each Definition).

    Examples:

        darkfleet analyze my-store

        darkfleet analyze my-store --set gaps.min_gap_h=12 --set visits.entry_distance_m=5000

        darkfleet analyze my-store --config najin.toml --start 2024-10-01T00:00:00Z
    """
    from .engine import analyze as analyze_api

    try:
        cfg = _config(config, set_, ports)
        with err_console.status("analysing") as status:
            result = analyze_api(
                store,
                config=cfg,
                start=start,
                end=end,
                mmsi=vessel or None,
                progress=lambda step: status.update(f"analysing: {step}"),
            )
    except DarkfleetError as err:
        raise _fail(err) from err
    table = Table(
        title=f"Events from {result.positions:,} positions of {result.vessels:,} vessels",
        title_justify="left",
    )
    table.add_column("event type")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    for name, count in result.counts().items():
        table.add_row(name, f"{count:,}", f"{result.timings_s.get(name, 0.0):.2f}")
    console.print(table)
    console.print(f"total {result.timings_s.get('total', 0.0):.1f} s; stored in {result.store}")


@app.command()
def events(
    store: Annotated[Path, typer.Argument(help="Store directory (after darkfleet analyze).")],
    type_: Annotated[str, typer.Option("--type", help="Event table, e.g. gaps.")] = "gaps",
    vessel: Annotated[list[int] | None, typer.Option(help="Only this MMSI (repeat).")] = None,
    start: Annotated[str | None, typer.Option(help="Events ending after this time.")] = None,
    end: Annotated[str | None, typer.Option(help="Events starting before this time.")] = None,
    where: Annotated[
        str | None, typer.Option(help='SQL filter on the table, e.g. "likely_disabled".')
    ] = None,
    columns: Annotated[
        str | None, typer.Option(help="Comma-separated columns to show (default: a summary).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to show in the table (0 = all).")] = 20,
    format_: Annotated[
        str, typer.Option("--format", help="table, csv or json (csv/json: every row).")
    ] = "table",
) -> None:
    """List stored events of one type, filtered by vessel and time.

    Examples:

        darkfleet events my-store --type gaps --vessel 273456789

        darkfleet events my-store --type port_visits --start 2024-10-01T00:00:00Z --format csv

        darkfleet events my-store --type gaps --where "likely_disabled AND duration_h > 12"
    """
    from .store import open_store

    try:
        st = open_store(store, create=False, read_only=True)
        frame = st.events(type_, mmsi=vessel or None, start=start, end=end)
        if where:
            try:
                frame = frame.sql(f"SELECT * FROM self WHERE {where}")
            except Exception as err:  # polars raises several error types for bad SQL
                raise ConfigError(f"--where {where!r}: {err}") from err
        shown = [c.strip() for c in columns.split(",")] if columns else None
        if shown:
            missing = [c for c in shown if c not in frame.columns]
            if missing:
                raise ConfigError(
                    f"--columns: {type_} has no column {', '.join(missing)}; its columns are "
                    f"{', '.join(frame.columns)}."
                )
    except DarkfleetError as err:
        raise _fail(err) from err
    if format_ == "csv":
        from .export import flatten_for_export

        out = flatten_for_export(frame.select(shown) if shown else frame)
        sys.stdout.write(out.write_csv(datetime_format="%Y-%m-%dT%H:%M:%S%.fZ"))
        return
    if format_ == "json":
        from .export import flatten_for_export

        out = flatten_for_export(frame.select(shown) if shown else frame)
        sys.stdout.write(json.dumps(out.to_dicts(), default=str, indent=1) + "\n")
        return
    if format_ != "table":
        raise _fail(ConfigError(f"--format {format_!r}: choose table, csv or json."))
    cols = shown or [
        c for c in _DEFAULT_COLUMNS.get(type_, frame.columns[:8]) if c in frame.columns
    ]
    console.print(frame_table(frame, cols, f"{frame.height:,} {type_}", limit=limit or None))


@app.command()
def export(
    store: Annotated[Path, typer.Argument(help="Store directory (after darkfleet analyze).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Directory to write to.")],
    format_: Annotated[
        list[str] | None,
        typer.Option(
            "--format", help="geoparquet, gpkg, geojson or csv (repeat; default: all four)."
        ),
    ] = None,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="Event tables to export (default: all).")
    ] = None,
    vessel: Annotated[list[int] | None, typer.Option(help="Only this MMSI (repeat).")] = None,
) -> None:
    """Export stored events to GeoParquet, GeoPackage (opens in QGIS), GeoJSON and CSV.

    Gaps become lines from where the signal was lost to where it came back; other events are
    points. See README "Data formats".

    Examples:

        darkfleet export my-store -o exports

        darkfleet export my-store -o exports --format gpkg --type gaps --type port_visits
    """
    from .export import export_events
    from .store import open_store

    try:
        st = open_store(store, create=False, read_only=True)
        names = type_ or st.event_types()
        tables: dict[str, pl.DataFrame] = {n: st.events(n, mmsi=vessel or None) for n in names}
        paths = export_events(
            tables, out, formats=format_ or ("geoparquet", "gpkg", "geojson", "csv")
        )
    except DarkfleetError as err:
        raise _fail(err) from err
    for path in paths:
        console.print(str(path))
    err_console.print(f"{len(paths)} files written for {len(tables)} tables")


@app.command()
def simulate(
    out: Annotated[Path, typer.Argument(help="Directory to write (NMEA, truth, summary).")],
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML (default: the Najin story).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (same seed, same bytes).")] = None,
    decoys: Annotated[
        int | None, typer.Option(help="Number of decoy ships (the scale knob).")
    ] = None,
    report_interval: Annotated[
        float | None, typer.Option(help="Seconds between position reports underway.")
    ] = None,
    parquet: Annotated[
        bool, typer.Option(help="Also write canonical positions/statics Parquet.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output folder.")] = False,
) -> None:
    """Simulate a scenario with ground truth: AIS as receivers would record it (NMEA), and
    what really happened (port calls, dark transits, meetings, loitering, ...).

    Use it to test methods: ingest the NMEA, analyse, and compare the events with the truth
    (darkfleet.simulate.evaluate). See docs/simulate.md.

    Examples:

        darkfleet simulate sim-out

        darkfleet simulate sim-out --seed 7 --decoys 200 --parquet

        darkfleet ingest sim.store sim-out/ais/*.nmea && darkfleet analyze sim.store
    """
    from .simulate import run_scenario

    try:
        with err_console.status("simulating"):
            result = run_scenario(
                out,
                scenario=scenario,
                seed=seed,
                n_decoys=decoys,
                report_interval_s=report_interval,
                formats=("nmea", "parquet") if parquet else ("nmea",),
                overwrite=overwrite,
            )
    except DarkfleetError as err:
        raise _fail(err) from err
    s = result.summary
    console.print(
        f"{s.get('positions', 0):,} positions and {s.get('statics', 0):,} static reports of "
        f"{sum(s.get('vessels', {}).values()):,} vessels"
    )
    table = Table(title="Files", title_justify="left")
    table.add_column("name")
    table.add_column("path")
    for name, path in sorted({**result.files, **result.truth}.items()):
        table.add_row(name, str(path))
    console.print(table)
    truth = s.get("truth_rows", {})
    console.print("truth rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(truth.items())))
