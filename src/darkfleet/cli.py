"""The ``darkfleet`` command line: thin commands over the Python API.

Every command calls one API function and renders its result with rich; progress bars go to
standard error so that standard output stays clean for pipes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
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
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write the HTML report and exports.")
    ] = True,
) -> None:
    """Tell the Najin story end to end: simulate it, then ingest, analyze, screen, match the
    satellite scenes, rank the findings, write the report, and score the findings against the
    scenario's truth.

    Example:

        darkfleet demo --out /tmp/darkfleet-demo
    """
    import time

    from .demo import run_demo

    t0 = time.perf_counter()
    try:
        result = run_demo(out, report=report, progress=lambda m: console.print(f"[dim]· {m}[/]"))
    except DarkfleetError as err:
        raise _fail(err) from err
    total = time.perf_counter() - t0
    print_ingest_report(result.ingest)
    counts = pl.DataFrame({"event type": list(result.events), "rows": list(result.events.values())})
    console.print(frame_table(counts, ["event type", "rows"], "Events (darkfleet events)"))
    f = result.findings
    console.print(
        frame_table(
            f.with_columns(pl.col("score").round(0)),
            ["rank", "kind", "score", "sentence"],
            f"{f.height} findings, ranked (the report has each one's evidence)",
            limit=12,
        )
    )
    console.print(
        frame_table(
            result.truth_scores,
            ["item", "n_truth", "found", "cited", "precision", "recall"],
            "Findings against the scenario's truth (planted items found)",
        )
    )
    console.print(f"[bold]Store:[/] {result.store}")
    if result.report is not None:
        console.print(f"[bold]Report:[/] {result.report}  (open it in a browser; works offline)")
        console.print(f"[bold]Exports:[/] {result.report.parent / 'exports'}")
    console.print(f"[bold]Truth and timings:[/] {result.out}/truth_scores.csv, timings.json")
    console.print(f"[dim]done in {total:.1f} s[/]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def frame_table(frame: Any, columns: list[str], title: str, *, limit: int | None = None) -> Table:
    """A rich table of some columns of a Polars frame (the first ``limit`` rows)."""
    shown = frame.head(limit) if limit is not None else frame
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in shown.select(columns).iter_rows():
        table.add_row(*(_text(v) for v in row))
    if limit is not None and frame.height > limit:
        table.caption = f"{frame.height - limit:,} more not shown (--limit)"
    return table


def print_screening(result: Any, *, limit: int) -> None:
    """The lists read, the watchlists' ports of interest and the matches of a screening."""
    console.print(
        frame_table(
            result.lists,
            ["list", "entries", "vessels", "vessels_with_imo", "vessels_with_mmsi"],
            "Lists",
        )
    )
    for wl in result.watchlists:
        if wl.ports.height:
            names = [
                p["name"] or p["locode"] or f"{p['lat']}, {p['lon']}"
                for p in wl.ports.iter_rows(named=True)
            ]
            console.print(f"[bold]{wl.name}[/] ports of interest: {', '.join(names)}")
    m = result.matches
    cols = ["mmsi", "imo", "shipname", "flag", "list", "entry_name", "programmes", "score"]
    console.print(
        frame_table(
            m.with_columns(why=m["explanation"]),
            [*cols, "why"],
            f"{m.height:,} matches among {result.identities:,} vessel identities",
            limit=limit,
        )
    )
    console.print(f"[bold]Matches saved:[/] {result.path}")


@app.command()
def screen(
    store: Annotated[Path, typer.Argument(help="Store directory.")],
    more_lists: Annotated[
        list[Path] | None, typer.Argument(help="More list files (may follow --lists).")
    ] = None,
    lists: Annotated[
        list[Path] | None,
        typer.Option(
            "--lists",
            "-l",
            help="Sanctions list files: OFAC sdn.csv (+ add.csv, alt.csv) or XML, UN XML, "
            "OpenSanctions JSON lines, EU or UK CSV.",
        ),
    ] = None,
    watchlist: Annotated[
        list[Path] | None,
        typer.Option("--watchlist", "-w", help="Watchlist files (.toml, .csv) to screen too."),
    ] = None,
    min_score: Annotated[
        float | None, typer.Option(help="Lowest score kept (default: the rules' threshold).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Matches to print (all are saved).")] = 50,
) -> None:
    """Screen every vessel identity in the store against sanctions lists and watchlists.

    Prints the lists read and the matches (score and why), and saves all matches in the store
    (`findings/sanctions_matches.parquet`), where `darkfleet vessel` finds them.

    Examples:

        darkfleet screen my-store --lists sdn.csv add.csv consolidated.xml

        darkfleet screen my-store --lists sdn.csv --watchlist najin.toml --min-score 0.8
    """
    from .screening import screen_store

    files = [*(lists or []), *(more_lists or [])]
    try:
        with err_console.status("screening"):
            result = screen_store(store, files, watchlists=watchlist or [], min_score=min_score)
    except DarkfleetError as err:
        raise _fail(err) from err
    print_screening(result, limit=limit)


@app.command()
def vessel(
    store: Annotated[Path, typer.Argument(help="Store directory.")],
    key: Annotated[str, typer.Argument(help="MMSI (9 digits) or IMO number (7 digits).")],
) -> None:
    """Print a vessel's dossier: identity history, identity flags with evidence, list matches.

    An IMO brings in every MMSI that broadcast it; an MMSI every MMSI that shared one of its
    IMOs. Port visits and gaps are shown once those analytics exist.

    Examples:

        darkfleet vessel my-store 273345000

        darkfleet vessel my-store "IMO 9179842"
    """
    from .screening import vessel_dossier

    try:
        d = vessel_dossier(store, key)
    except DarkfleetError as err:
        raise _fail(err) from err
    valid = (
        ""
        if d.imo_valid is None
        else (" (check digit ok)" if d.imo_valid else " (INVALID check digit)")
    )
    console.print(f"[bold]{d.kind.upper()} {d.value}[/]{valid}")
    console.print(f"MMSIs: {_text(d.mmsis) or 'none'}   IMOs: {_text(d.imos) or 'none'}")
    h = d.history
    span_cols = ["mmsi", "attribute", "value", "first_seen", "last_seen", "messages"]
    console.print(frame_table(h.spans, span_cols, "Identity history"))
    imo_cols = ["imo", "mmsi", "flag", "first_seen", "last_seen", "messages"]
    console.print(frame_table(h.imo_mmsis, imo_cols, "MMSIs per IMO"))
    flag_cols = ["flag_type", "mmsi", "imo", "first_seen", "last_seen", "detail", "evidence"]
    console.print(frame_table(h.flags, flag_cols, f"{h.flags.height} identity flags"))
    match_cols = ["mmsi", "imo", "shipname", "list", "entry_name", "programmes", "score"]
    m = d.matches
    console.print(
        frame_table(
            m.with_columns(why=m["explanation"]), [*match_cols, "why"], f"{m.height} list matches"
        )
    )
    shown = {
        "port visits": ["mmsi", "port_name", "start_time", "end_time", "duration_h", "confidence"],
        "gaps": ["mmsi", "start_time", "end_time", "duration_h", "distance_m", "likely_disabled"],
    }
    for name, frame in (("port visits", d.port_visits), ("gaps", d.gaps)):
        if frame is not None:
            cols = [c for c in shown[name] if c in frame.columns]
            console.print(frame_table(frame, cols, f"{frame.height} {name}", limit=50))
    for note in d.notes:
        console.print(f"[dim]note:[/] {note}")


def main() -> None:
    app()


# the track analytics, satellite and report commands register themselves on ``app``
from . import cli_analysis, cli_detect, cli_match, cli_report  # noqa: E402, F401
