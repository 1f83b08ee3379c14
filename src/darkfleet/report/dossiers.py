"""Per-vessel dossiers and the vessel index.

A dossier (``<article class="dossier" id="vessel-MMSI" data-mmsi>``) is written for each vessel
of interest — in a finding, a list match or an identity flag (most important first) — then, up
to ``max_dossiers``, for vessels with round trips, likely-disabled gaps or encounters. It holds
the identity history (every distinct name / call sign / IMO / type / dimensions with first and
last seen and the record first seen in), identity flags with their evidence, sanctions matches
with their explanation, a timeline of port visits, gaps and encounters, and the draught changes
at port calls. The vessel index lists every vessel with positions (up to ``max_index`` rows,
busiest first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from ..screening.identifiers import mmsi_flag_expr
from .charts import timeline
from .collect import ReportData
from .html import Html, el, esc, join, table
from .mapdata import PALETTE, interest_mmsis
from .sections import empty, section, vessel_link

__all__ = ["choose_dossiers", "dossiers_section", "vessels_section"]


def choose_dossiers(data: ReportData, max_dossiers: int) -> list[int]:
    """MMSIs that get a dossier, in order (see the module doc)."""
    order = list(interest_mmsis(data))
    extra: list[int] = []
    rt = data.event("round_trips")
    if rt.height:
        extra += (
            rt.group_by("mmsi")
            .len()
            .sort(["len", "mmsi"], descending=[True, False])["mmsi"]
            .to_list()
        )
    g = data.event("gaps")
    if g.height:
        extra += sorted(g.filter(pl.col("likely_disabled"))["mmsi"].unique().to_list())
    e = data.event("encounters")
    if e.height:
        extra += sorted({*e["mmsi"].to_list(), *e["other_mmsi"].to_list()})
    seen = set(order)
    with_positions = (
        set(data.positions["mmsi"].unique().to_list()) if data.positions.height else set()
    )
    for m in extra:
        if m not in seen and m in with_positions:
            order.append(m)
            seen.add(m)
    return order[:max_dossiers]


def _ids_table(ids: pl.DataFrame) -> Html:
    if ids.height == 0:
        return empty("No static (identity) report received from this MMSI.")
    rows = ids.with_columns(
        dims=pl.concat_str(
            (pl.col("to_bow_m") + pl.col("to_stern_m")).cast(pl.String),
            pl.lit(" \u00d7 "),
            (pl.col("to_port_m") + pl.col("to_starboard_m")).cast(pl.String),
            pl.lit(" m"),
        ),
        first_ref=pl.concat_str(
            "first_source_id", pl.lit(":"), pl.col("first_line").cast(pl.String)
        ),
    ).sort("first_seen", "shipname", nulls_last=True)
    cols = [
        ("shipname", "Name"),
        ("callsign", "Call sign"),
        ("imo", "IMO"),
        ("ship_type", "Type"),
        ("dims", "L \u00d7 B"),
        ("first_seen", "First seen"),
        ("last_seen", "Last seen"),
        ("messages", "Reports"),
        ("first_ref", "First record"),
    ]

    def cell(key: str, row: dict[str, Any]) -> Html | None:
        if key == "imo":
            return esc("" if row["imo"] is None else str(row["imo"]))
        if key == "first_ref":
            return el("code", row["first_ref"] or "")
        return None

    return table(cols, rows.to_dicts(), cell=cell, sortable=False)


def _flags(flags: pl.DataFrame) -> Html:
    if flags.height == 0:
        return Html("")
    items = []
    for r in flags.sort("first_seen", "flag_type").iter_rows(named=True):
        ev = r["evidence"] or []
        refs = join((el("code", x) for x in ev[:4]), sep=" ")
        more = f" and {len(ev) - 4} more" if len(ev) > 4 else ""
        items.append(
            el(
                "li",
                el("span", r["flag_type"].replace("_", " "), class_="badge warn"),
                " ",
                r["detail"],
                el("div", "evidence: ", refs, more, class_="ev"),
                data_flag=r["flag_type"],
            )
        )
    return join([el("h4", "Identity flags"), el("ul", join(items), class_="flags")])


def _matches(matches: pl.DataFrame) -> Html:
    if matches.height == 0:
        return Html("")
    items = []
    for r in matches.sort("score", "list", "entry_id", descending=[True, False, False]).iter_rows(
        named=True
    ):
        items.append(
            el(
                "li",
                el("span", f"{r['list']} · {r['entry_name']}", class_="badge danger"),
                " ",
                el(
                    "span", f"programmes: {', '.join(r['programmes'] or []) or '—'}", class_="muted"
                ),
                el("p", r["explanation"], class_="explain"),
                data_list=r["list"],
                data_entry=r["entry_id"],
            )
        )
    return join(
        [el("h4", "Sanctions and watchlist matches"), el("ul", join(items), class_="matches")]
    )


def _draught(changes: pl.DataFrame, port_names: dict[str, str]) -> Html:
    if changes.height == 0:
        return Html("")
    moved = changes.filter(pl.col("signal") != "unchanged").sort("start_time")
    if moved.height == 0:
        return el(
            "p",
            f"Draught unchanged at all {changes.height} port calls with reports.",
            class_="muted",
        )
    moved = moved.with_columns(
        port=pl.col("port_id").replace_strict(port_names, default=pl.col("port_id"))
    )
    signals = moved.group_by("signal").len().sort("signal")
    summary = ", ".join(f"{n} {sig}" for sig, n in signals.iter_rows())
    cols = [
        ("port", "Port"),
        ("before_time", "Before"),
        ("draught_before_m", "Draught before (m)"),
        ("after_time", "After"),
        ("draught_after_m", "Draught after (m)"),
        ("change_m", "Change (m)"),
        ("signal", "Reading"),
    ]
    return el(
        "details",
        el("summary", f"Draught changed at {moved.height} port calls ({summary})"),
        table(cols, moved.to_dicts(), sortable=False),
        class_="draught",
    )


def _visits_gaps(visits: pl.DataFrame, gaps: pl.DataFrame) -> Html:
    parts = []
    if visits.height:
        parts.append(
            el(
                "details",
                el("summary", f"{visits.height} port visits"),
                table(
                    [
                        ("port_name", "Port"),
                        ("port_country", "Country"),
                        ("start_time", "Arrived"),
                        ("end_time", "Left"),
                        ("duration_h", "Hours"),
                        ("arrived_dark", "Arrived dark"),
                        ("departed_dark", "Left dark"),
                    ],
                    visits.to_dicts(),
                ),
            )
        )
    if gaps.height:
        parts.append(
            el(
                "details",
                el(
                    "summary",
                    f"{gaps.height} AIS gaps ({int(gaps['likely_disabled'].sum())} likely disabled)",
                ),
                table(
                    [
                        ("start_time", "Signal lost"),
                        ("end_time", "Back"),
                        ("duration_h", "Hours"),
                        ("distance_m", "Distance (m)"),
                        ("implied_speed_kn", "Implied kn"),
                        ("likely_disabled", "Likely disabled"),
                        ("reason", "Why"),
                    ],
                    gaps.to_dicts(),
                ),
            )
        )
    return join(parts)


def dossiers_section(data: ReportData, mmsis: list[int]) -> tuple[Html, int]:
    if not mmsis:
        return section("dossiers", "Vessel dossiers", empty("No vessel of interest.")), 0
    s = data.summary
    t0: datetime | None = s["first_timestamp"]
    t1: datetime | None = s["last_timestamp"]
    ev = {n: data.event(n) for n in ("port_visits", "gaps", "encounters", "draught_changes")}
    ports = (
        sorted(ev["port_visits"]["port_id"].unique().to_list()) if ev["port_visits"].height else []
    )
    colours = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(ports)}
    port_names: dict[str, str] = (
        dict(ev["port_visits"].select("port_id", "port_name").unique("port_id").iter_rows())
        if ev["port_visits"].height
        else {}
    )
    flags_of = data.flags
    matches_of = data.matches
    ids_all = data.identities
    out = []
    for m in mmsis:
        own = {
            k: (v.filter(pl.col("mmsi") == m).sort("start_time") if v.height else v)
            for k, v in ev.items()
        }
        if ev["encounters"].height:
            own["encounters"] = (
                ev["encounters"]
                .filter((pl.col("mmsi") == m) | (pl.col("other_mmsi") == m))
                .sort("start_time")
            )
        ids = ids_all.filter(pl.col("mmsi") == m)
        imos = [i for i in ids["imo"].unique().to_list() if i is not None]
        mt = matches_of.filter((pl.col("mmsi") == m) | pl.col("imo").is_in(imos))
        fl = flags_of.filter(pl.col("mmsi") == m)
        name = data.names.get(m, "")
        flag = pl.select(mmsi_flag_expr(pl.lit(m, dtype=pl.Int64()))).item()
        badges = []
        if mt.height:
            badges.append(el("span", "listed", class_="badge danger"))
        for ft in sorted(set(fl["flag_type"].to_list())):
            badges.append(el("span", ft.replace("_", " "), class_="badge warn"))
        facts = join(
            el("span", x, class_="fact")
            for x in [
                f"MMSI {m}",
                f"IMO {', '.join(str(i) for i in sorted(imos))}" if imos else "no IMO",
                f"flag (from MMSI) {flag}" if flag else "",
                f"{own['port_visits'].height} port visits",
                f"{own['gaps'].height} gaps",
            ]
            if x
        )
        tl = (
            timeline(t0, t1, own["port_visits"], own["gaps"], own["encounters"], colours)
            if t0 is not None and t1 is not None
            else Html("")
        )
        seen_ports = (
            own["port_visits"].group_by("port_id").len() if own["port_visits"].height else None
        )
        chips = (
            join(
                el(
                    "span",
                    el("i", style=f"background:{colours.get(pid, '#4a6fa5')}"),
                    f"{port_names.get(pid, pid)} \u00d7{n}",
                    class_="chip",
                )
                for pid, n in seen_ports.sort(
                    ["len", "port_id"], descending=[True, False]
                ).iter_rows()
            )
            if seen_ports is not None
            else Html("")
        )
        mine = data.findings.filter((pl.col("mmsi") == m) | (pl.col("other_mmsi") == m))
        found = (
            el(
                "ul",
                join(
                    el(
                        "li",
                        el("a", f"#{r['rank']}", href=f"#finding-{r['rank']}"),
                        " ",
                        r["sentence"],
                    )
                    for r in mine.head(8).iter_rows(named=True)
                ),
                class_="vessel-findings",
            )
            if mine.height
            else Html("")
        )
        out.append(
            el(
                "article",
                el("h3", name or f"MMSI {m}", " ", join(badges, sep=" ")),
                el("div", facts, class_="facts"),
                tl,
                el("div", chips, class_="chips"),
                found,
                _matches(mt),
                _flags(fl),
                el("h4", "Identity history"),
                _ids_table(ids),
                el("h4", "Port calls, gaps and draught"),
                _draught(own["draught_changes"], port_names),
                _visits_gaps(own["port_visits"], own["gaps"]),
                class_="dossier",
                id=f"vessel-{m}",
                data_mmsi=m,
            )
        )
    key = el(
        "p",
        el("span", "", class_="key visit"),
        " port visit (colour per port) ",
        el("span", "", class_="key gap"),
        " AIS gap ",
        el("span", "", class_="key off"),
        " gap likely switched off ",
        el("span", "◆", class_="key-enc"),
        " encounter",
        class_="chart-legend",
    )
    lead = (
        f"{len(mmsis)} vessels: those in findings, list matches or identity flags first. "
        "Hover the timeline for dates."
    )
    return section("dossiers", "Vessel dossiers", key, join(out), lead=lead), len(out)


def vessels_section(data: ReportData, dossiers: set[int], max_index: int) -> tuple[Html, int]:
    p = data.positions
    if p.height == 0:
        return section("vessels", "Vessels", empty("No positions.")), 0
    per = (
        p.group_by("mmsi")
        .agg(positions=pl.len(), first=pl.col("timestamp").min(), last=pl.col("timestamp").max())
        .with_columns(flag=mmsi_flag_expr(pl.col("mmsi")))
        .sort(["positions", "mmsi"], descending=[True, False])
    )
    shown = per.head(max_index)
    rows = [{**r, "name": data.names.get(r["mmsi"], "")} for r in shown.iter_rows(named=True)]

    def cell(key: str, row: dict[str, Any]) -> Html | None:
        if key == "mmsi":
            return (
                vessel_link(row["mmsi"], None, dossiers)
                if row["mmsi"] in dossiers
                else esc(str(row["mmsi"]))
            )
        return None

    t = table(
        [
            ("mmsi", "MMSI"),
            ("name", "Name"),
            ("flag", "Flag (MID)"),
            ("positions", "Positions"),
            ("first", "First"),
            ("last", "Last"),
        ],
        rows,
        id_="vessel-index",
        filterable=True,
        cell=cell,
        row_attrs=lambda r: {"data_mmsi": r["mmsi"]},
    )
    more = per.height - shown.height
    lead = f"{per.height:,} vessels with positions" + (
        f"; the {shown.height:,} busiest are listed." if more else "."
    )
    return section("vessels", "Vessel index", t, lead=lead), shown.height
