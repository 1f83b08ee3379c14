"""The ``darkfleet`` command line: thin commands over the Python API.

Every command calls one API function and renders its result with rich; progress bars go to
standard error so that standard output stays clean for pipes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import ConfigError, DarkfleetError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    help="**darkfleet**: maritime intelligence from AIS, satellite detections and sanctions "
    "lists: find the ships that hide.",
)
console = Console()
err_console = Console(stderr=True)


def _fail(err: DarkfleetError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {err}")
    return typer.Exit(code=2)


def _parse_mapping(pairs: list[str]) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not name or not column:
            raise ConfigError(
                f"--map {pair!r}: write CANONICAL=COLUMN, e.g. --map mmsi=ship_id --map "
                "timestamp=time_utc"
            )
        mapping[name.strip()] = column.strip()
    return mapping


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError as err:
        raise ConfigError(
            f"--time {value!r} is not an ISO 8601 time; write e.g. 2024-01-31T12:00:00Z"
        ) from err
    if t.tzinfo is None:
        raise ConfigError(f"--time {value!r} has no time zone; add Z or +00:00.")
    return t


def accounting_table(rows: list[dict[str, Any]], title: str) -> Table:
    """One row per source: where every record went."""
    table = Table(title=title, title_justify="left")
    for col in (
        "file",
        "status",
        "lines",
        "records",
        "decoded",
        "rejected",
        "pending",
        "non-AIS",
        "ignored",
    ):
        table.add_column(col, justify="left" if col in ("file", "status") else "right")
    for r in rows:
        a = r["accounting"]
        table.add_row(
            Path(a["path"]).name,
            r["status"],
            f"{a['lines_read']:,}",
            f"{a['records']:,}",
            f"{a['decoded']:,}",
            f"{a['rejected']:,}",
            f"{a['pending']:,}",
            f"{a['non_ais']:,}",
            f"{a['ignored']:,}",
        )
    return table


def _counts_table(title: str, counts: dict[str, int], label: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label)
    table.add_column("count", justify="right")
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(key, f"{n:,}")
    return table


def print_ingest_report(report: Any) -> None:
    from collections import Counter

    rows = []
    rejected: Counter[str] = Counter()
    non_ais: Counter[str] = Counter()
    for res in report.results:
        a = res.accounting.to_dict()
        rows.append({"accounting": a, "status": "skipped" if res.skipped else "added"})
        rejected.update(a["rejected_by_reason"])
        non_ais.update(a["non_ais_by_kind"])
    table = accounting_table(rows, f"Ingest into {report.store}")
    if report.skipped:
        table.caption = "skipped: the same bytes are already in the store; nothing added"
    console.print(table)
    if rejected:
        console.print(
            _counts_table(
                "Rejected records, by reason (kept in the rejects table)", dict(rejected), "reason"
            )
        )
    if non_ais:
        console.print(_counts_table("Non-AIS lines, by kind", dict(non_ais), "kind"))


@app.command()
def ingest(
    store: Annotated[Path, typer.Argument(help="Store directory (created if needed).")],
    files: Annotated[
        list[Path], typer.Argument(help="Input files: NMEA (plain/gzip), CSV, Parquet.")
    ],
    format: Annotated[str, typer.Option(help="auto, nmea, noaa, dma, spire or mapped.")] = "auto",
    map: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="CANONICAL=COLUMN for CSV/Parquet with other column names (repeat)."
        ),
    ] = None,
    time: Annotated[
        str | None, typer.Option(help="UTC time for NMEA sentences that carry none (ISO 8601).")
    ] = None,
    accept_bad_checksum: Annotated[
        bool,
        typer.Option(
            help="Decode NMEA sentences whose checksum is wrong instead of rejecting them."
        ),
    ] = False,
) -> None:
    """Decode input files into the store, with full accounting of every line.

    Each file is read in bounded memory and committed on its own; a file already in the store
    (same bytes) is skipped, so re-running after a crash finishes the job without duplicates.

    Examples:

        darkfleet ingest my-store recordings/*.nmea

        darkfleet ingest my-store ais_2023.csv --format noaa

        darkfleet ingest my-store tracks.parquet --map mmsi=ship_id --map timestamp=t --map lon=x --map lat=y
    """
    from .ingest import ingest as ingest_api

    try:
        mapping = _parse_mapping(map or [])
        when = _parse_time(time)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task("reading", total=None)
            report = ingest_api(
                store,
                files,
                format=format,
                mapping=mapping,
                time=when,
                accept_bad_checksum=accept_bad_checksum,
                on_source=lambda p: progress.update(task, description=f"reading {p.name}"),
                on_batch=lambda n: progress.advance(task, n),
            )
    except DarkfleetError as err:
        raise _fail(err) from err
    print_ingest_report(report)


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out.extend(_flatten(f"{prefix}: {k}" if prefix else str(k), v))
        return out
    return [(prefix, value)]


def print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=f"Store {summary.get('root', '')}", title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in _flatten("", {k: v for k, v in summary.items() if k != "root"}):
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


@app.command()
def summary(
    store: Annotated[Path, typer.Argument(help="Store directory.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print what a store holds: rows per table, vessels, time range, input accounting.

    Example:

        darkfleet summary my-store --json
    """
    from .store import open_store

    try:
        info = open_store(store, create=False, read_only=True).summary()
    except DarkfleetError as err:
        raise _fail(err) from err
    if as_json:
        console.print_json(json.dumps(info, default=str, sort_keys=True))
    else:
        print_summary(info)


@app.command()
def rejects(
    store: Annotated[Path, typer.Argument(help="Store directory.")],
    reason: Annotated[str | None, typer.Option(help="Only this reason, e.g. bad_checksum.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source id.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
) -> None:
    """Show rejected input records: file, line, reason, what to do, and the raw text.

    Example:

        darkfleet rejects my-store --reason bad_checksum --limit 5
    """
    from .store import open_store

    try:
        frame = open_store(store, create=False, read_only=True).rejects(
            source_id=source, reason=reason
        )
    except DarkfleetError as err:
        raise _fail(err) from err
    table = Table(title=f"{frame.height:,} rejected records", title_justify="left")
    for col in ("source_id", "line", "reason"):
        table.add_column(col, no_wrap=True)
    for col in ("detail", "raw"):
        table.add_column(col, overflow="fold")
    for row in frame.head(limit).iter_rows(named=True):
        table.add_row(row["source_id"], str(row["line"]), row["reason"], row["detail"], row["raw"])
    console.print(table)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Directory for the demo's store and outputs.")] = Path(
        "demo-output"
    ),
) -> None:
    """Run the main job on the bundled sample data and print what it found.

    Example:

        darkfleet demo --out /tmp/darkfleet-demo
    """
    from .demo import run_demo

    try:
        result = run_demo(out)
    except DarkfleetError as err:
        raise _fail(err) from err
    print_ingest_report(result.ingest)
    print_summary(result.summary)
    console.print(f"[bold]Store:[/] {result.store}")


def main() -> None:
    app()
