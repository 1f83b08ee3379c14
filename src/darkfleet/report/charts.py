"""Inline SVG charts: daily port activity with surges marked, and a vessel's timeline.

Plain SVG built in Python (no script, no library); every label is escaped. Port activity:
bars = vessels present per UTC day, line = arrivals, each surge a dashed vertical rule at its
change point with the before/after daily means as horizontal rules and its ratio written on.
Timeline: one band over the data's time range with port visits (coloured per port), AIS gaps
(hatched grey; red when likely disabled) and encounters (diamonds).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl

from .html import Html, el, esc, fmt_time, join

__all__ = ["activity_chart", "timeline"]

_W, _H = 560, 170
_L, _R, _T, _B = 34, 10, 22, 24


def _x(t: datetime, t0: datetime, t1: datetime, width: float, left: float) -> float:
    span = max((t1 - t0).total_seconds(), 1.0)
    return left + width * (t - t0).total_seconds() / span


def _month_ticks(t0: datetime, t1: datetime) -> list[datetime]:
    out = []
    t = t0.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while t <= t1:
        if t >= t0:
            out.append(t)
        t = (t + timedelta(days=32)).replace(day=1)
    return out


def activity_chart(port_id: str, port_name: str, daily: pl.DataFrame, surges: pl.DataFrame) -> Html:
    """SVG of one port's ``daily`` rows (``date, vessels_present, arrivals``) and its surges."""
    days = daily.sort("date")
    dates = days["date"].to_list()
    present = [int(v or 0) for v in days["vessels_present"].to_list()]
    arrivals = [int(v or 0) for v in days["arrivals"].to_list()]
    n = len(dates)
    if n == 0:
        return Html("")
    t0 = datetime.combine(dates[0], datetime.min.time())
    t1 = datetime.combine(dates[-1], datetime.min.time()) + timedelta(days=1)
    top = max(1, *present, *arrivals)
    w, h = _W - _L - _R, _H - _T - _B
    bw = w / n

    def y(v: float) -> float:
        return _T + h - h * v / top

    parts: list[Html] = []
    for tick in range(0, top + 1, max(1, top // 4)):
        parts.append(
            Html(
                f'<line class="grid" x1="{_L}" x2="{_L + w}" y1="{y(tick):.1f}" '
                f'y2="{y(tick):.1f}"/><text class="ax" x="{_L - 4}" y="{y(tick) + 3:.1f}" '
                f'text-anchor="end">{tick}</text>'
            )
        )
    for tick_t in _month_ticks(t0, t1):
        x = _x(tick_t, t0, t1, w, _L)
        if x > _L + w - 40:
            continue
        parts.append(
            Html(
                f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{_T + h}" y2="{_T + h + 4}"/>'
                f'<text class="ax" x="{x + 2:.1f}" y="{_T + h + 15}">'
                f"{esc(tick_t.strftime('%b %Y'))}</text>"
            )
        )
    for i, (d, v) in enumerate(zip(dates, present, strict=True)):
        if v:
            parts.append(
                Html(
                    f'<rect class="bar" x="{_L + i * bw:.1f}" y="{y(v):.1f}" '
                    f'width="{max(bw - 0.6, 0.6):.1f}" height="{_T + h - y(v):.1f}">'
                    f"<title>{esc(f'{d}: {v} present, {arrivals[i]} arrivals')}</title></rect>"
                )
            )
    pts = " ".join(f"{_L + (i + 0.5) * bw:.1f},{y(v):.1f}" for i, v in enumerate(arrivals))
    parts.append(Html(f'<polyline class="arrivals" points="{pts}"/>'))
    for s in surges.sort("start_time", "metric").iter_rows(named=True):
        t = s["start_time"].replace(tzinfo=None)
        x = _x(t, t0, t1, w, _L)
        cls = "surge " + ("s-arr" if s["metric"] == "arrivals" else "s-pres")
        label = f"{s['metric'].replace('_', ' ')} \u00d7{s['ratio']:.1f} from {fmt_time(t, minutes=False)}"
        left = x < _L + 0.6 * w  # label to the right of the rule, unless near the end
        mean_b, mean_a = s.get("before_mean"), s.get("after_mean")
        rules = ""
        if mean_b is not None and mean_a is not None:
            rules = (
                f'<line class="mean" x1="{_L}" x2="{x:.1f}" y1="{y(mean_b):.1f}" '
                f'y2="{y(mean_b):.1f}"/><line class="mean" x1="{x:.1f}" x2="{_L + w}" '
                f'y1="{y(mean_a):.1f}" y2="{y(mean_a):.1f}"/>'
            )
        parts.append(
            Html(
                f'<g class="{cls}" data-surge="{esc(s["event_id"])}" '
                f'data-metric="{esc(s["metric"])}"><title>{esc(s["reasoning"])}</title>'
                f'<rect class="after" x="{x:.1f}" y="{_T}" width="{_L + w - x:.1f}" '
                f'height="{h}"/>{rules}<line class="rule" x1="{x:.1f}" x2="{x:.1f}" '
                f'y1="{_T - 4}" y2="{_T + h}"/><text class="lbl" x="{x + (4 if left else -4):.1f}" '
                f'y="{_T - 8 + (11 if s["metric"] != "arrivals" else 0)}" '
                f'text-anchor="{"start" if left else "end"}">{esc(label)}</text></g>'
            )
        )
    svg = Html(
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="{esc("Daily activity at " + port_name)}">{join(parts)}</svg>'
    )
    cap = el(
        "figcaption",
        el("strong", port_name),
        f" — {sum(arrivals):,} arrivals, peak {max(present)} vessels present on one day",
    )
    return el("figure", svg, cap, class_="chart-card", data_port_id=port_id)


def timeline(
    t0: datetime,
    t1: datetime,
    visits: pl.DataFrame,
    gaps: pl.DataFrame,
    encounters: pl.DataFrame,
    port_colours: dict[str, str],
) -> Html:
    """A one-vessel timeline SVG over ``[t0, t1]`` (see the module doc)."""
    W, H, L, R = 900, 70, 8, 8
    w = W - L - R
    band_y, band_h = 14, 26
    parts: list[Html] = [
        Html(f'<rect class="tl-bg" x="{L}" y="{band_y}" width="{w}" height="{band_h}"/>')
    ]

    def span(a: Any, b: Any) -> tuple[float, float]:
        xa = _x(a, t0, t1, w, L)
        xb = _x(b if b is not None else t1, t0, t1, w, L)
        return max(L, xa), max(min(L + w, xb) - max(L, xa), 1.2)

    for r in gaps.iter_rows(named=True):
        x, ww = span(r["start_time"], r["end_time"])
        cls = "tl-gap off" if r["likely_disabled"] else "tl-gap"
        tip = (
            f"AIS gap {fmt_time(r['start_time'])} → {fmt_time(r['end_time']) or 'open'}"
            f" ({(r['duration_h'] or 0):.1f} h)"
            + (", likely disabled" if r["likely_disabled"] else "")
        )
        parts.append(
            Html(
                f'<rect class="{cls}" x="{x:.1f}" y="{band_y}" width="{ww:.1f}" '
                f'height="{band_h}"><title>{esc(tip)}</title></rect>'
            )
        )
    for r in visits.iter_rows(named=True):
        x, ww = span(r["start_time"], r["end_time"])
        colour = port_colours.get(r["port_id"], "#4a6fa5")
        tip = f"{r['port_name']}: {fmt_time(r['start_time'])} → {fmt_time(r['end_time'])}"
        parts.append(
            Html(
                f'<rect class="tl-visit" x="{x:.1f}" y="{band_y + 3}" width="{ww:.1f}" '
                f'height="{band_h - 6}" fill="{esc(colour)}"><title>{esc(tip)}</title></rect>'
            )
        )
    for r in encounters.iter_rows(named=True):
        x = _x(r["start_time"], t0, t1, w, L)
        tip = f"encounter with MMSI {r['other_mmsi']} at {fmt_time(r['start_time'])}"
        cy = band_y + band_h + 8
        parts.append(
            Html(
                f'<path class="tl-enc" d="M{x:.1f} {cy - 5} l5 5 l-5 5 l-5 -5z">'
                f"<title>{esc(tip)}</title></path>"
            )
        )
    for tick in _month_ticks(t0, t1):
        x = _x(tick, t0, t1, w, L)
        parts.append(
            Html(
                f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{band_y - 4}" '
                f'y2="{band_y}"/><text class="ax" x="{x + 2:.1f}" y="{band_y - 5}">'
                f"{esc(tick.strftime('%b'))}</text>"
            )
        )
    return Html(
        f'<svg class="timeline" viewBox="0 0 {W} {H}" preserveAspectRatio="none" role="img" '
        f'aria-label="timeline of port visits and AIS gaps">{join(parts)}</svg>'
    )
