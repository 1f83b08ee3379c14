"""The methods section: the Definitions as shipped, and the parameters actually used.

Definitions are the packaged ``darkfleet/definitions/*.md`` rendered with markdown-it
(CommonMark + tables, raw HTML disabled, so a Definition cannot inject markup; links are
kept as text targets). Parameters come from the events manifest of the store's last
``analyze`` — what was used, not today's defaults.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from markdown_it import MarkdownIt

from .html import Html, el, join
from .sections import empty, section

__all__ = ["definitions", "methods_section"]


def definitions() -> list[tuple[str, str]]:
    """``[(name, markdown text)]`` of the packaged Definitions, sorted by name."""
    root = resources.files("darkfleet") / "definitions"
    out = []
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".md"):
            out.append((item.name[:-3], item.read_text(encoding="utf-8")))
    return out


def _flatten(prefix: str, value: Any, out: list[dict[str, str]]) -> None:
    if isinstance(value, dict) and value:
        for k in sorted(value):
            _flatten(f"{prefix}.{k}" if prefix else str(k), value[k], out)
    else:
        out.append({"parameter": prefix, "value": json.dumps(value, ensure_ascii=False)})


def methods_section(manifest: dict[str, Any], extra: list[tuple[str, str]]) -> tuple[Html, int]:
    """Definitions, the analysis parameters of ``manifest`` and ``extra`` (title, text) notes."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    defs = []
    for name, text in definitions():
        title = next(
            (line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")),
            name.replace("_", " "),
        )
        defs.append(
            el(
                "details",
                el("summary", title),
                el("div", Html(md.render(text)), class_="md"),
                class_="definition",
                id=f"def-{name}",
                data_definition=name,
            )
        )
    groups = []
    parameters = manifest.get("parameters", {})
    for group in sorted(parameters):
        rows: list[dict[str, str]] = []
        _flatten("", parameters[group], rows)
        body = join(
            el(
                "tr",
                el("td", r["parameter"]),
                el("td", el("code", r["value"])),
                data_parameter=f"{group}.{r['parameter']}",
            )
            for r in rows
        )
        groups.append(
            el("div", el("h5", group), el("table", el("tbody", body)), class_="param-group")
        )
    ptable = (
        el("div", join(groups), id="parameters", class_="param-grid")
        if groups
        else empty("No analysis manifest: the store has not been analysed.")
    )
    facts = []
    if manifest:
        facts.append(
            el(
                "p",
                f"Events computed by darkfleet {manifest.get('darkfleet_version', '?')} from "
                f"sources {', '.join(manifest.get('sources', [])) or '—'}; filters "
                f"{json.dumps(manifest.get('filters', {}), sort_keys=True)}.",
                class_="muted",
            )
        )
    notes = join(el("div", el("h3", t), el("p", body)) for t, body in extra)
    body = join(
        [
            notes,
            el("h3", "Parameters used"),
            *facts,
            ptable,
            el("h3", "Definitions"),
            el("div", join(defs), class_="definitions"),
        ]
    )
    lead = (
        "How each event and finding is defined, and the parameters this analysis actually "
        "used (from the store's events manifest)."
    )
    return section("methods", "Methods", body, lead=lead), len(defs)
