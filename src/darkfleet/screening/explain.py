"""Human-readable reasons for screening matches, and owner links to listed parties.

Runs only over the pairs that scored a match (few), so building sentences row by row is fine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from .names import org_key_expr

if TYPE_CHECKING:
    from .match import MatchRules

__all__ = ["add_explanations", "party_index"]


def party_index(entries: pl.DataFrame) -> dict[str, list[str]]:
    """Organisation key → labels (``LIST ENTRY_ID NAME [PROGRAMMES]``) of the non-vessel entries."""
    parties = entries.filter(pl.col("entry_type") != "vessel").select(
        "list",
        "entry_id",
        "name",
        "programmes",
        pl.concat_list(pl.col("name"), pl.col("aliases")).alias("all_names"),
    )
    if parties.height == 0:
        return {}
    keyed = (
        parties.explode("all_names")
        .with_columns(key=org_key_expr(pl.col("all_names")))
        .drop_nulls("key")
        .unique(["key", "list", "entry_id"])
        .sort("key", "list", "entry_id")
    )
    index: dict[str, list[str]] = {}
    for row in keyed.iter_rows(named=True):
        progs = ", ".join(row["programmes"] or [])
        label = f"{row['list']} {row['entry_id']} {row['name']}" + (f" [{progs}]" if progs else "")
        index.setdefault(row["key"], []).append(label)
    return index


def _fmt_len(x: float | None) -> str:
    return f"{x:.0f} m" if x is not None else "?"


def _details(r: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(rule, points, detail) for each rule that contributed to one scored pair."""
    out: list[tuple[str, float, str]] = []

    def add(rule: str, detail: str) -> None:
        pts = r.get(f"pts_{rule}")
        if pts is not None:
            out.append((rule, float(pts), detail))

    imo, listed = r["imo"], ", ".join(str(i) for i in r["entry_imo"] or []) or "none"
    if r["imo_valid"]:
        add("imo_exact", f"IMO {imo} = listed IMO (check digit valid)")
    else:
        add("imo_exact", f"IMO {imo} = listed IMO, but it fails the check digit on both sides")
    near = r.get("near_imo")
    if near is not None:
        how = (
            "differs only in the check digit from"
            if imo // 10 == near // 10
            else "is one digit (typo or transposition) away from"
        )
        if r["imo_valid"]:
            add(
                "imo_near",
                f"IMO {imo} {how.replace('differs only in the check digit from', 'is one digit away from')} "
                f"listed IMO {near} (typo or altered IMO)",
            )
        else:
            add("imo_near", f"IMO {imo} fails the check digit and {how} listed IMO {near}")
    add("mmsi_exact", f"MMSI {r['mmsi']} = listed MMSI")
    add("callsign_exact", f"call sign {r['callsign']} = listed call sign {r.get('entry_callsign')}")
    if r.get("name_sim") is not None:
        kind = "name" if r["name_kind"] == "name" else "alias/former name"
        sim = r["name_sim"]
        if sim >= 0.9999:
            how = "="
        elif abs(sim - 0.97) < 1e-6:
            how = "≈ (transliteration variant of)"
        elif r.get("name_edits") == 1:
            how = f"~ (one letter different, similarity {sim:.2f})"
        else:
            how = f"~ (similarity {sim:.2f})"
        short = " (short name: counts less)" if r.get("name_short") else ""
        add("name", f"name '{r['shipname']}' {how} listed {kind} '{r['entry_name_text']}'{short}")
    mid = r["mmsi"] // 1_000_000 if r["mmsi"] else None
    add("flag", f"flag {r['flag']} (MMSI MID {mid}) = listed flag")
    add("past_flag", f"flag {r['flag']} (MMSI MID {mid}) is a listed former/other flag")
    if r.get("pts_type") is not None:
        fits = "fits" if r["pts_type"] > 0 else "does not fit"
        add(
            "type",
            f"AIS ship type {r['ship_type']} ({r['type_cat']}) {fits} listed type "
            f"'{r['vessel_type']}'",
        )
    if r.get("pts_size") is not None:
        fits = "fits" if r["pts_size"] > 0 else "does not fit"
        if r.get("entry_length_m") is not None:
            basis = f"listed length {_fmt_len(r['entry_length_m'])}"
        else:
            tonnage = (
                f"{r['gross_tonnage']:.0f} GT"
                if r.get("gross_tonnage")
                else f"{r['deadweight_t']:.0f} t DWT"
            )
            basis = f"~{_fmt_len(r['est_length_m'])} expected from {tonnage}"
        add("size", f"AIS length {_fmt_len(r['length_m'])} {fits} {basis}")
    add("imo_invalid", f"IMO {imo} fails the check digit: an invalid IMO is itself a warning sign")
    add(
        "imo_conflict",
        f"IMO {imo} is valid but not the listed IMO ({listed}): a different hull "
        "unless this IMO is false",
    )
    return out


def add_explanations(
    scored: pl.DataFrame, entries: pl.DataFrame, rules: MatchRules
) -> pl.DataFrame:
    """Add ``rules``, ``evidence``, ``explanation`` and ``linked_parties`` to scored pairs."""
    index = party_index(entries) if scored.height else {}
    owner_keys: dict[str, str | None] = {}
    owners = sorted({o for os in scored["owners"].to_list() for o in (os or [])})
    if owners:
        keys = (
            pl.DataFrame({"o": owners}).select(org_key_expr(pl.col("o")).alias("o"))["o"].to_list()
        )
        owner_keys = dict(zip(owners, keys, strict=True))
    rule_col, ev_col, text_col, link_col = [], [], [], []
    for r in scored.iter_rows(named=True):
        details = _details(r)
        links = []
        for owner in r["owners"] or []:
            listed = index.get(owner_keys.get(owner) or "", [])
            links.append(f"{owner} (listed: {'; '.join(listed)})" if listed else owner)
        head = (
            f"{r['list']} {r['entry_id']} '{r['entry_name']}'"
            + (f" [{', '.join(r['programmes'])}]" if r["programmes"] else "")
            + (" (listed as the asset of a designated party)" if r["listing"] == "linked" else "")
        )
        body = "; ".join(f"{d} ({p:+.2f})" for _, p, d in details)
        tail = f"; linked to {'; '.join(links)}" if links else ""
        rule_col.append([rule for rule, _, _ in details])
        ev_col.append([{"rule": a, "points": p, "detail": d} for a, p, d in details])
        text_col.append(f"score {r['score']:.2f} vs {head}: {body}{tail}")
        link_col.append(links)
    return scored.with_columns(
        rules=pl.Series(rule_col, dtype=pl.List(pl.String())),
        evidence=pl.Series(
            ev_col,
            dtype=pl.List(
                pl.Struct({"rule": pl.String(), "points": pl.Float64(), "detail": pl.String()})
            ),
        ),
        explanation=pl.Series(text_col, dtype=pl.String()),
        linked_parties=pl.Series(link_col, dtype=pl.List(pl.String())),
    )
