"""Report sections: summary, findings, port activity, round trips, satellite, accounting.

Each function returns one ``<section>`` of safe markup (:mod:`.html`) and the number of items it
rendered, under a stable id and with ``data-*`` attributes so tests (and readers' scripts) can
count what is there: ``#findings li[data-kind]``, ``#port-activity figure[data-port-id]``,
``#round-trips tr[data-pair]``, ``#accounting tr[data-source]``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import polars as pl

from .charts import activity_chart
from .collect import ReportData
from .html import Html, el, esc, fmt_num, fmt_time, join, table

__all__ = [
    "accounting_section",
    "findings_section",
    "port_activity_section",
    "round_trips_section",
    "satellite_section",
    "summary_section",
]

KIND_LABELS: dict[str, str] = {
    "sanctioned_vessel": "Sanctioned vessel",
    "shuttle": "Shuttle",
    "dark_transit": "Dark transit",
    "dark_port_call": "Dark port call",
    "encounter": "Encounter",
    "identity_change": "Identity change",
    "shared_mmsi": "Shared MMSI",
    "surge": "Port surge",
    "loitering": "Loitering",
    "dark_detections": "Dark detections",
    "ships_in_port": "Ships in port",
}


def section(id_: str, title: str, *body: Any, lead: str | None = None) -> Html:
    head = el("h2", title)
    intro = el("p", lead, class_="lead") if lead else Html("")
    return el("section", head, intro, *body, id=id_, class_="block")


def empty(text: str) -> Html:
    return el("p", text, class_="empty")


def vessel_link(mmsi: Any, name: str | None, dossiers: set[int]) -> Html:
    if mmsi is None:
        return Html("")
    label = f"{name} ({mmsi})" if name else f"MMSI {mmsi}"
    if int(mmsi) in dossiers:
        return el("a", label, href=f"#vessel-{int(mmsi)}", class_="vessel")
    return el("span", label, class_="vessel")


def summary_section(
    data: ReportData, counts: dict[str, int], top: Sequence[dict[str, Any]]
) -> Html:
    s = data.summary
    acc = s["accounting"]
    gaps = data.event("gaps")
    n_off = int(gaps["likely_disabled"].sum()) if gaps.height else 0
    stats = [
        ("vessels", fmt_num(s["vessels"]), "MMSIs with positions"),
        ("positions", fmt_num(s["rows"]["positions"]), "position reports"),
        (
            "lines",
            fmt_num(acc.get("lines_read", 0)),
            f"input lines from {s['sources']} source{'s' if s['sources'] != 1 else ''}",
        ),
        ("findings", fmt_num(data.findings.height), "ranked findings"),
        ("gaps", fmt_num(gaps.height), f"AIS gaps, {n_off} likely switched off"),
        (
            "dark_calls",
            fmt_num(data.event("dark_port_calls")["gap_id"].n_unique())
            if data.event("dark_port_calls").height
            else "0",
            "gaps with a possible dark port call",
        ),
        ("encounters", fmt_num(data.event("encounters").height), "encounters at sea"),
        ("matches", fmt_num(data.matches.height), "sanctions / watchlist matches"),
        ("flags", fmt_num(data.flags.height), "identity flags"),
    ]
    cards = join(
        el(
            "div",
            el("div", v, class_="v"),
            el("div", label, class_="k"),
            class_="stat",
            data_stat=k,
        )
        for k, v, label in stats
    )
    period = (
        f"{fmt_time(s['first_timestamp'], minutes=False)} to "
        f"{fmt_time(s['last_timestamp'], minutes=False)}"
        if s["first_timestamp"] is not None
        else "no timed positions"
    )
    highlights = (
        el(
            "ol",
            join(
                el(
                    "li",
                    el("span", KIND_LABELS.get(f["kind"], f["kind"]), class_="kind"),
                    " ",
                    el("a", f["sentence"], href=f"#finding-{f['rank']}", class_="plain"),
                )
                for f in top
            ),
            class_="highlights",
        )
        if top
        else empty("No findings were ranked for this store.")
    )
    notes = (
        el("ul", join(el("li", n) for n in data.notes), class_="notes") if data.notes else Html("")
    )
    return section(
        "summary",
        "Summary",
        el("div", cards, class_="stats"),
        el("h3", "Key findings"),
        highlights,
        notes,
        lead=f"AIS data from {period}; every figure below links back to the input records.",
    )


def _evidence(ev: Any, limit: int = 6) -> Html:
    items = list(ev or [])
    shown = join((el("code", f"{e['source_id']}:{e['line']}") for e in items[:limit]), sep=" ")
    more = f" and {len(items) - limit:,} more" if len(items) > limit else ""
    return Html(shown + esc(more)) if items else esc("—")


def _parameters(text: str | None) -> Html:
    if not text:
        return esc("—")
    try:
        obj = json.loads(text)
    except ValueError:
        return el("code", text)
    if not isinstance(obj, dict):
        return el("code", text)
    return join(
        (el("code", f"{k}={json.dumps(v, ensure_ascii=False)}") for k, v in sorted(obj.items())),
        sep=" ",
    )


def findings_section(data: ReportData, dossiers: set[int]) -> tuple[Html, int]:
    f = data.findings
    if f.height == 0:
        msg = "No findings were ranked for this store."
        return section("findings", "Findings", el("ol", id="findings-list"), empty(msg)), 0
    kinds = sorted(f["kind"].drop_nulls().unique().to_list())
    options = join(
        [el("option", "all kinds", value="")]
        + [el("option", KIND_LABELS.get(k, k), value=k) for k in kinds]
    )
    controls = el(
        "div",
        el("label", "Kind ", el("select", options, id="finding-kind")),
        el("input", type="search", id="finding-search", placeholder="Search findings…"),
        class_="controls",
    )
    items = []
    for r in f.iter_rows(named=True):
        meta = [
            el("dt", "Rule"),
            el("dd", r["rule"] or "—"),
            el("dt", "Parameters"),
            el("dd", _parameters(r["parameters"])),
            el("dt", "Evidence"),
            el("dd", _evidence(r["evidence"])),
        ]
        if r["event_ids"]:
            ids = r["event_ids"]
            meta += [
                el("dt", f"Events ({r['event_type'] or 'events'})"),
                el(
                    "dd",
                    join((el("code", i) for i in ids[:6]), sep=" "),
                    f" and {len(ids) - 6:,} more" if len(ids) > 6 else "",
                ),
            ]
        when = ""
        if r["start_time"] is not None:
            when = fmt_time(r["start_time"], minutes=False)
            if r["end_time"] is not None and r["end_time"].date() != r["start_time"].date():
                when += " \u2013 " + fmt_time(r["end_time"], minutes=False)
        head = el(
            "div",
            el("span", f"#{r['rank']}", class_="rank"),
            el("span", KIND_LABELS.get(r["kind"], r["kind"]), class_="kind", data_kind=r["kind"]),
            vessel_link(r["mmsi"], r["vessel_name"] or data.names.get(r["mmsi"] or -1), dossiers),
            el("span", r["port_name"] or "", class_="port"),
            el("span", when, class_="when"),
            el("span", f"score {r['score']:.0f}" if r["score"] is not None else "", class_="score"),
            el(
                "a",
                "map",
                href="#map-section",
                class_="locate",
                data_lat=r["lat"],
                data_lon=r["lon"],
            )
            if r["lat"] is not None and r["lon"] is not None
            else "",
            class_="fhead",
        )
        items.append(
            el(
                "li",
                head,
                el("p", r["sentence"], class_="sentence"),
                el("details", el("summary", "Why: rule, parameters, evidence"), el("dl", *meta)),
                data_kind=r["kind"],
                data_rank=r["rank"],
                data_finding_id=r["finding_id"],
                data_mmsi=r["mmsi"],
                id=f"finding-{r['rank']}",
            )
        )
    body = el("ol", join(items), id="findings-list", class_="findings")
    lead = (
        f"{f.height:,} findings, most important first; open one to see the rule, the "
        "parameters applied and the input records (source:line) behind it."
    )
    return section("findings", "Findings", controls, body, lead=lead), f.height


def port_activity_section(data: ReportData, max_ports: int) -> tuple[Html, int]:
    act, surges = data.event("port_activity"), data.event("surges")
    if act.height == 0:
        return section("port-activity", "Port activity", empty("No port activity computed.")), 0
    totals = act.group_by("port_id").agg(pl.col("arrivals").sum(), pl.col("port_name").first())
    surge_ports = set(surges["port_id"].to_list()) if surges.height else set()
    best = (
        surges.group_by("port_id").agg(ratio=pl.col("ratio").max())
        if surges.height
        else pl.DataFrame(schema={"port_id": pl.String(), "ratio": pl.Float64()})
    )
    ranked = (
        totals.join(best, on="port_id", how="left")
        .with_columns(pl.col("ratio").fill_null(0.0))
        .sort(["ratio", "arrivals", "port_id"], descending=[True, True, False])
    )
    ports = ranked.filter(pl.col("arrivals") > 0).head(max_ports)
    figures = []
    for pid, name in ports.select("port_id", "port_name").iter_rows():
        daily = act.filter(pl.col("port_id") == pid)
        s = surges.filter(pl.col("port_id") == pid) if surges.height else surges
        figures.append(activity_chart(pid, name, daily, s))
    legend = el(
        "p",
        el("span", "", class_="key bar"),
        " vessels present per day ",
        el("span", "", class_="key arr"),
        " arrivals per day ",
        el("span", "", class_="key surge"),
        " detected surge (change point; shaded after, dashed means before/after)",
        class_="chart-legend",
    )
    more = ranked.height - ports.height
    lead = (
        f"Daily activity at the {ports.height} busiest ports"
        + (" (ports with a detected surge first)" if surge_ports else "")
        + (f"; {more} more ports in the exports." if more > 0 else ".")
    )
    grid = el("div", join(figures), class_="charts")
    return section("port-activity", "Port activity", legend, grid, lead=lead), len(figures)


def round_trips_section(data: ReportData, dossiers: set[int]) -> tuple[Html, int]:
    rt = data.event("round_trips")
    if rt.height == 0:
        return section("round-trips", "Round trips", empty("No round trips found.")), 0
    rt = rt.with_columns(pair=pl.concat_str("port_a_name", pl.lit(" ↔ "), "port_b_name"))
    per = (
        rt.group_by("port_a_id", "port_b_id")
        .agg(
            pair=pl.col("pair").first(),
            trips=pl.len(),
            vessels=pl.col("mmsi").n_unique(),
            dark_trips=(pl.col("dark_h") > 0).sum(),
            dark_h_max=pl.col("dark_h").max(),
            first=pl.col("start_time").min(),
            last=pl.col("end_time").max(),
        )
        .sort(["trips", "pair"], descending=[True, False])
    )
    cols = [
        ("pair", "Port pair"),
        ("trips", "Round trips"),
        ("vessels", "Vessels"),
        ("dark_trips", "With AIS off"),
        ("dark_h_max", "Longest dark (h)"),
        ("first", "First"),
        ("last", "Last"),
    ]
    summary = table(
        cols,
        per.to_dicts(),
        id_="round-trip-pairs",
        filterable=True,
        row_attrs=lambda r: {"data_pair": f"{r['port_a_id']}|{r['port_b_id']}"},
    )
    details = []
    for r in per.head(12).iter_rows(named=True):
        trips = rt.filter(
            (pl.col("port_a_id") == r["port_a_id"]) & (pl.col("port_b_id") == r["port_b_id"])
        ).sort("start_time", "mmsi")
        rows = [
            {**t, "vessel": t["mmsi"], "name": data.names.get(t["mmsi"], "")}
            for t in trips.head(300).iter_rows(named=True)
        ]

        def cell(key: str, row: dict[str, Any]) -> Html | None:
            if key == "vessel":
                return vessel_link(row["mmsi"], row["name"], dossiers)
            return None

        details.append(
            el(
                "details",
                el("summary", f"{r['pair']}: {r['trips']} round trips by {r['vessels']} vessels"),
                table(
                    [
                        ("vessel", "Vessel"),
                        ("start_time", "Left"),
                        ("end_time", "Back"),
                        ("duration_h", "Hours"),
                        ("n_legs", "Legs"),
                        ("dark_h", "Dark h"),
                    ],
                    rows,
                    cell=cell,
                ),
                class_="pair-detail",
            )
        )
    lead = (
        f"{rt.height:,} round trips between {per.height} port pairs. A round trip is a voyage "
        "out and the voyage back (Definition in Methods); 'with AIS off' counts trips with dark "
        "time in transit."
    )
    return section("round-trips", "Round trips", summary, join(details), lead=lead), per.height


def satellite_section(data: ReportData) -> tuple[Html, int]:
    sat = data.satellite
    if not sat:
        return Html(""), 0
    parts: list[Html] = []
    n = 0
    scenes = sat.get("scenes")
    if scenes is not None and scenes.height:
        cols = [
            c for c in ("scene_id", "sensor", "start_time", "n_detections") if c in scenes.columns
        ]
        parts.append(
            table(
                [(c, c.replace("_", " ")) for c in cols],
                scenes.sort("scene_id").to_dicts(),
                id_="satellite-scenes",
                row_attrs=lambda r: {"data_scene": r.get("scene_id")},
            )
        )
        n = scenes.height
    ps = sat.get("port_scenes")
    if ps is not None and ps.height:
        text_col = next((c for c in ("sentence", "summary", "reasoning") if c in ps.columns), None)
        if text_col:
            parts.append(el("ul", join(el("li", t) for t in ps[text_col].drop_nulls().to_list())))
    dark = sat.get("dark")
    lead = "Satellite scenes over the area and how their detections matched AIS."
    if dark is not None:
        lead += f" {dark.height:,} detections had no AIS vessel to match (dark vessels)."
    return section("satellite", "Satellite detections", join(parts), lead=lead), n


def accounting_section(data: ReportData) -> Html:
    rows = []
    reasons = []
    for a in data.accounting:
        rows.append(
            {
                "source_id": a.source_id,
                "path": a.path,
                "format": a.format,
                "lines_read": a.lines_read,
                "records": a.records,
                "decoded": a.decoded,
                "rejected": a.rejected,
                "pending": a.pending,
                "non_ais": a.non_ais,
                "ignored": a.ignored,
                "ok": "✓"
                if a.decoded + a.rejected + a.pending + a.non_ais + a.ignored == a.records
                else "✗",
            }
        )
        for reason, count in sorted(a.rejected_by_reason.items()):
            reasons.append({"source_id": a.source_id, "reason": reason, "count": count})
    cols = [
        ("source_id", "Source"),
        ("path", "File"),
        ("format", "Format"),
        ("lines_read", "Lines"),
        ("records", "Records"),
        ("decoded", "Decoded"),
        ("rejected", "Rejected"),
        ("pending", "Pending"),
        ("non_ais", "Non-AIS"),
        ("ignored", "Ignored"),
        ("ok", "Adds up"),
    ]
    main = table(
        cols, rows, id_="accounting-table", row_attrs=lambda r: {"data_source": r["source_id"]}
    )
    why = (
        table(
            [("source_id", "Source"), ("reason", "Reason"), ("count", "Records")],
            reasons,
            id_="rejects-by-reason",
            row_attrs=lambda r: {"data_reason": r["reason"]},
        )
        if reasons
        else empty("No record was rejected.")
    )
    lead = (
        "Every input record ends decoded, rejected with a reason, pending (an unfinished "
        "multipart message), non-AIS or ignored; records = decoded + rejected + pending + "
        "non-AIS + ignored for each source. Rejects are kept in the store with their raw text "
        "(list them with: darkfleet rejects STORE)."
    )
    return section(
        "accounting", "Input accounting", main, el("h3", "Rejected, by reason"), why, lead=lead
    )
