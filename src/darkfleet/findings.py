"""Findings: the stored events, screening matches and identity flags turned into ranked,
one-sentence statements an analyst can check — each with the records, rule and parameters it
rests on.

Definition (also in ``src/darkfleet/definitions/findings.md``): a *finding* is one row of
:data:`FINDINGS`. Kinds, and the score each starts from (0-100, higher first):

``sanctioned_vessel`` (95)
    A vessel identity that matched a sanctions list entry (``darkfleet screen``; a
    ``watchlist:`` list gives ``watchlist_vessel``, 80), with its port calls at ports of
    concern (visits, and dark port calls under the ``dark_port_call`` rules below).
``shuttle`` (40, +35 when a port is of concern, + up to 15 for the share of dark round trips)
    One vessel (one IMO across its MMSIs, else one MMSI) made at least ``min_round_trips`` = 2
    round trips between a port of concern and another port, or ``min_round_trips_other`` = 4
    between two other ports (the ``round_trips`` events), with how many were dark
    in transit (``dark_h`` > 0: a gap of more than ``gaps.min_gap_h`` inside a leg) and the
    range of hours dark; when one port is of concern, also the vessel's other gaps during which
    that port was reachable by sea (``dark_port_calls``: a call there hidden whole). The event
    ids name the round trips, the gaps inside them and those dark port calls and their gaps.
``dark_port_call`` (70, +5 when the port ranks first)
    A gap during which a port of concern was reachable by sea (``dark_port_calls`` events with
    that port at any rank) of at most ``dark_call_max_gap_h`` = 72 h (a longer silence admits
    too many explanations), where the vessel was not seen arriving at that port within
    ``adjacent_visit_h`` = 6 h of the gap's end, nor leaving it within 6 h of its start (then
    the gap is the crossing to or from a call that was seen), and that no sanctioned-vessel or
    shuttle finding already cites. The same rules apply to the dark port calls the other
    kinds cite.
``encounter`` (65, +10 when either vessel is in a sanctioned or shuttle finding)
    Two vessels met at sea (``encounters`` events).
``identity_change`` (60)
    A hull changed name, MMSI or flag (identity flags ``renamed``, ``mmsi_changed``,
    ``reflagged`` of one IMO at one time merged into one finding).
``shared_mmsi`` (50)
    One MMSI used by several ships at once (identity flag ``mmsi_shared``).
``surge`` (55, +15 at a port of concern)
    A port's activity rose (``surges`` events).
``loitering`` (30)
    A slow vessel far offshore (``loitering`` events).
``ships_in_port`` (85 at a port of concern, else 70)
    A satellite scene (``darkfleet match``) saw ships in a port that no AIS vessel explains:
    one finding per scene and port with a dark detection, citing every detection there.
``dark_detections`` (75; 30 for the summary of small ones)
    Detections of one scene outside any port that no AIS vessel explains, at least
    ``dark_min_length_m`` = 60 m long; the shorter or unsized ones of all scenes make one
    summary finding (small craft, clutter).

*Ports of concern* are ports in ``concern_countries`` (default ``KP``: UN Security Council
resolutions 2270, 2321, 2371, 2375 and 2397 restrict port calls and trade with the DPRK) plus
the store's ``analysis.ports_of_interest``. Rank: score descending, then start time, then
finding id. ``finding_id`` is the first 16 hex digits of the SHA-256 of the kind and the
sorted event ids (or keys), so the same store gives the same ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from .events.base import EVIDENCE
from .schema import UTC

__all__ = ["FINDINGS", "FindingsConfig", "build_findings", "finding_kinds"]

FINDINGS: dict[str, pl.DataType] = {
    "finding_id": pl.String(),
    "rank": pl.Int64(),
    "kind": pl.String(),
    "score": pl.Float64(),
    "mmsi": pl.Int64(),
    "other_mmsi": pl.Int64(),
    "vessel_name": pl.String(),
    "imo": pl.Int64(),
    "port_id": pl.String(),
    "port_name": pl.String(),
    "start_time": UTC,
    "end_time": UTC,
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "sentence": pl.String(),
    "rule": pl.String(),
    "parameters": pl.String(),
    "event_type": pl.String(),
    "event_ids": pl.List(pl.String()),
    "evidence": EVIDENCE,
}

_BASE_SCORE = {
    "sanctioned_vessel": 95.0,
    "ships_in_port": 85.0,
    "watchlist_vessel": 80.0,
    "dark_detections": 75.0,
    "dark_port_call": 70.0,
    "encounter": 65.0,
    "shuttle": 40.0,
    "identity_change": 60.0,
    "surge": 55.0,
    "shared_mmsi": 50.0,
    "loitering": 30.0,
}


def finding_kinds() -> list[str]:
    """Every finding kind, highest base score first."""
    return list(_BASE_SCORE)


@dataclass(frozen=True)
class FindingsConfig:
    """Parameters of :func:`build_findings` (see the module Definition)."""

    #: ISO 3166 alpha-2 countries whose ports are *of concern* (UN SC DPRK resolutions).
    concern_countries: tuple[str, ...] = ("KP",)
    #: Round trips between one port pair that make a ``shuttle`` finding (a port of concern
    #: at one end) ...
    min_round_trips: int = 2
    #: ... and between two ports of no concern (regular coastal trade is not news).
    min_round_trips_other: int = 4
    #: Longest gap (hours) whose reachable port of concern makes a finding: a longer silence
    #: admits too many explanations (the events table keeps them all).
    dark_call_max_gap_h: float = 72.0
    #: A gap ending within this many hours of a visit's start at the port (or starting within
    #: them of its end) is the crossing to (from) a call that was seen, not a hidden call.
    adjacent_visit_h: float = 6.0
    #: Dark detections at sea at least this long (metres) make a finding per scene; shorter or
    #: unsized ones are summed up in one (small craft and clutter; cargo ships are longer).
    dark_min_length_m: float = 60.0
    #: Evidence records kept per finding (the event ids always list every event).
    max_evidence: int = 40


# --------------------------------------------------------------------------------------------
# helpers


def _day(t: datetime | None) -> str:
    return "?" if t is None else f"{t.day} {t:%b %Y}"


def _span(values: Sequence[float], unit: str) -> str:
    """The range of ``values`` as "lo–hi unit", or "lo unit" when both round alike."""  # noqa: RUF002
    lo, hi = min(values), max(values)
    return f"{lo:.0f} {unit}" if round(lo) == round(hi) else f"{lo:.0f}–{hi:.0f} {unit}"  # noqa: RUF001


def _times(n: int, word: str = "time") -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _fid(kind: str, keys: Iterable[str]) -> str:
    body = kind + "\x1f" + "\x1f".join(sorted(keys))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _evidence(frames: Iterable[pl.DataFrame], limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for frame in frames:
        if frame.height == 0 or "evidence" not in frame.columns:
            continue
        for items in frame["evidence"].to_list():
            for item in items or []:
                key = (item["source_id"], item["line"])
                if key not in seen:
                    seen.add(key)
                    out.append({"source_id": key[0], "line": key[1]})
    out.sort(key=lambda e: (e["source_id"] or "", e["line"] or 0))
    return out[:limit]


def _ref_evidence(refs: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for ref in refs:
        sid, _, line = str(ref).rpartition(":")
        if sid and line.isdigit():
            out.append({"source_id": sid, "line": int(line)})
    return out


class _Vessels:
    """Names and IMOs per MMSI from the store's identities; one vessel key per hull."""

    def __init__(self, identities: pl.DataFrame) -> None:
        ids = identities.sort("mmsi", "last_seen", nulls_last=True)
        self.name: dict[int, str] = {}
        self.imo: dict[int, int] = {}
        for row in ids.iter_rows(named=True):
            if row["shipname"]:
                self.name[row["mmsi"]] = row["shipname"]
            if row["imo"]:
                self.imo[row["mmsi"]] = row["imo"]
        self.mmsis_of_imo: dict[int, list[int]] = {}
        for mmsi, imo in sorted(self.imo.items()):
            self.mmsis_of_imo.setdefault(imo, []).append(mmsi)

    def key(self, mmsi: int) -> str:
        imo = self.imo.get(mmsi)
        return f"IMO {imo}" if imo else f"MMSI {mmsi}"

    def label(self, mmsi: int | None) -> str:
        if mmsi is None:
            return "an unidentified vessel"
        name = self.name.get(mmsi)
        imo = self.imo.get(mmsi)
        ident = f"IMO {imo}, MMSI {mmsi}" if imo else f"MMSI {mmsi}"
        return f"{name} ({ident})" if name else ident


class _Builder:
    def __init__(
        self,
        events: Mapping[str, pl.DataFrame],
        vessels: _Vessels,
        params: Mapping[str, Any],
        concern_ports: set[str],
        config: FindingsConfig,
        sat_params: dict[str, Any],
    ) -> None:
        self.events = events
        self.v = vessels
        self.params = params
        self.concern = concern_ports
        self.cfg = config
        self.rows: list[dict[str, Any]] = []
        #: the parameters of the stored satellite matching (its manifest), when any
        self.sat_params = sat_params
        #: gap ids already cited by a sanctioned-vessel or shuttle finding
        self.covered: set[str] = set()

    def ev(self, name: str) -> pl.DataFrame:
        return self.events.get(name, pl.DataFrame())

    def p(self, *sections: str, extra: Mapping[str, Any] | None = None) -> str:
        body = {s: self.params.get(s, {}) for s in sections}
        if extra:
            body["findings"] = dict(extra)
        return json.dumps(body, sort_keys=True, default=str)

    def add(
        self,
        kind: str,
        sentence: str,
        *,
        rule: str,
        parameters: str,
        event_type: str | None,
        frames: Sequence[pl.DataFrame] = (),
        event_ids: Sequence[str] = (),
        evidence: Sequence[dict[str, Any]] = (),
        keys: Sequence[str] = (),
        bonus: float = 0.0,
        **cols: Any,
    ) -> None:
        ids = sorted(dict.fromkeys(event_ids))
        ev = list(evidence) + _evidence(frames, self.cfg.max_evidence)
        mmsi = cols.get("mmsi")
        row = {
            "finding_id": _fid(kind, [*ids, *keys]),
            "kind": kind,
            "score": min(100.0, _BASE_SCORE[kind] + bonus),
            "vessel_name": self.v.name.get(mmsi) if mmsi is not None else None,
            "imo": self.v.imo.get(mmsi) if mmsi is not None else None,
            "sentence": sentence,
            "rule": rule,
            "parameters": parameters,
            "event_type": event_type,
            "event_ids": ids,
            "evidence": ev[: self.cfg.max_evidence],
            **cols,
        }
        self.rows.append(row)

    # ---------------------------------------------------------------------------------------

    def dark_port_calls(self) -> pl.DataFrame:
        """Dark port calls that can be a hidden call: gap ≤ ``dark_call_max_gap_h`` and the
        vessel not seen arriving at that port as the gap ends, nor leaving it as it starts
        (then the gap is the crossing to or from a call that was seen)."""
        calls = self.ev("dark_port_calls")
        if calls.height == 0:
            return calls
        calls = calls.filter(pl.col("duration_h") <= self.cfg.dark_call_max_gap_h)
        visits = self.ev("port_visits")
        if visits.height == 0 or calls.height == 0:
            return calls
        slack = pl.duration(hours=self.cfg.adjacent_visit_h)
        seen = (
            calls.select("event_id", "mmsi", "port_id", "start_time", "end_time")
            .join(
                visits.select("mmsi", "port_id", v_start="start_time", v_end="end_time"),
                on=["mmsi", "port_id"],
            )
            .filter(
                ((pl.col("v_start") - pl.col("end_time")).abs() <= slack)
                | ((pl.col("start_time") - pl.col("v_end")).abs() <= slack)
            )
        )
        return calls.join(seen.select("event_id").unique(), on="event_id", how="anti")

    def concern_visits(self, mmsis: Sequence[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
        visits = self.ev("port_visits")
        calls = self.dark_port_calls()
        if visits.height:
            visits = visits.filter(
                pl.col("mmsi").is_in(list(mmsis)) & pl.col("port_id").is_in(sorted(self.concern))
            )
        if calls.height:
            calls = calls.filter(
                pl.col("mmsi").is_in(list(mmsis)) & pl.col("port_id").is_in(sorted(self.concern))
            )
        return visits, calls

    def sanctioned(self, matches: pl.DataFrame) -> set[int]:
        flagged: set[int] = set()
        if matches.height == 0:
            return flagged
        for (mmsi,), group in matches.sort("mmsi", "list", "entry_id").group_by(
            "mmsi", maintain_order=True
        ):
            listed = group.filter(~pl.col("list").str.starts_with("watchlist:"))
            kind = "sanctioned_vessel" if listed.height else "watchlist_vessel"
            best = (listed if listed.height else group).row(0, named=True)
            mmsis = self.v.mmsis_of_imo.get(best["imo"], [mmsi]) if best["imo"] else [mmsi]
            visits, calls = self.concern_visits(mmsis)
            where = []
            for (name,), vg in visits.group_by("port_name", maintain_order=True):
                dark = vg.filter(pl.col("arrived_dark") | pl.col("departed_dark")).height
                t0, t1 = vg["start_time"].min(), vg["start_time"].max()
                span = _day(t0) if t0 == t1 else f"between {_day(t0)} and {_day(t1)}"  # type: ignore[arg-type]
                where.append(
                    f"called at {name} {_times(vg.height)} {span}"
                    + (f" ({dark} arriving or leaving with AIS off)" if dark else "")
                )
            if calls.height:
                where.append(
                    f"could have called at {', '.join(sorted(set(calls['port_name'])))} "
                    f"unseen during {_times(calls['gap_id'].n_unique(), 'gap')}"
                )
            programmes = best.get("programmes") or []
            prog = f" [{', '.join(programmes)}]" if programmes else ""
            sentence = (
                f"{self.v.label(mmsi)} matches {best['list']} entry {best['entry_id']} "
                f"'{best['entry_name']}'{prog} (score {best['score']:.2f}: "
                f"{', '.join(best['rules'] or [])})"
                + (f"; it {'; it '.join(where)}." if where else "; no call at a port of concern.")
            )
            ev = _ref_evidence([f"{best['ais_source_id']}:{best['ais_line']}"])
            frames = [visits, calls]
            t = visits["start_time"].min() if visits.height else best.get("first_seen")
            self.add(
                kind,
                sentence,
                rule=f"sanctions screening ({best['explanation']}); port visits at ports of "
                "concern (definitions/port_visits.md, dark_port_calls.md)",
                parameters=self.p("visits", "dark_calls", extra=asdict(self.cfg)),
                event_type="port_visits",
                frames=frames,
                event_ids=[*visits["event_id"].to_list(), *calls["event_id"].to_list()]
                if visits.height or calls.height
                else [],
                evidence=ev,
                keys=[f"{best['list']}:{best['entry_id']}", str(mmsi)],
                bonus=5.0 if visits.height or calls.height else 0.0,
                mmsi=mmsi,
                start_time=t,
                end_time=visits["end_time"].max() if visits.height else best.get("last_seen"),
                port_id=visits["port_id"][0] if visits.height else None,
                port_name=visits["port_name"][0] if visits.height else None,
                lon=visits["lon"][0] if visits.height else None,
                lat=visits["lat"][0] if visits.height else None,
            )
            flagged.update(mmsis)
            if calls.height:
                self.covered.update(calls["gap_id"].to_list())
        return flagged

    def shuttles(self) -> set[int]:
        trips = self.ev("round_trips")
        gaps = self.ev("gaps")
        involved: set[int] = set()
        if trips.height == 0:
            return involved
        a, b = pl.col("port_a_id"), pl.col("port_b_id")
        trips = trips.with_columns(
            vkey=pl.col("mmsi").map_elements(self.v.key, return_dtype=pl.String),
            p1=pl.min_horizontal(a, b),
            p2=pl.max_horizontal(a, b),
        )
        names = dict(
            zip(
                [*trips["port_a_id"], *trips["port_b_id"]],
                [*trips["port_a_name"], *trips["port_b_name"]],
                strict=True,
            )
        )
        for (vkey, p1, p2), group in trips.sort("vkey", "p1", "p2", "start_time").group_by(
            "vkey", "p1", "p2", maintain_order=True
        ):
            concern_pair = bool({p1, p2} & self.concern)
            need = self.cfg.min_round_trips if concern_pair else self.cfg.min_round_trips_other
            if group.height < need:
                continue
            mmsis = sorted(set(group["mmsi"]))
            dark = group.filter(pl.col("dark_h") > 0)
            inside = pl.DataFrame()
            if gaps.height:
                spans = list(zip(group["start_time"], group["end_time"], strict=True))
                g = gaps.filter(pl.col("mmsi").is_in(mmsis) & pl.col("end_time").is_not_null())
                keep = [
                    any(s <= gs and ge <= e for s, e in spans)
                    for gs, ge in zip(g["start_time"], g["end_time"], strict=True)
                ]
                inside = g.filter(pl.Series(keep, dtype=pl.Boolean))
            last = group["mmsi"][-1]
            label = self.v.label(last)
            if len(mmsis) > 1:
                label += f" (MMSIs {', '.join(map(str, mmsis))})"
            t0, t1 = group["start_time"].min(), group["end_time"].max()
            sentence = (
                f"{label} made {group.height} round trips {names[p1]}↔{names[p2]} "
                f"between {_day(t0)} and {_day(t1)}"  # type: ignore[arg-type]
            )
            if dark.height:
                sentence += (
                    f"; {dark.height} with AIS off for {_span(dark['dark_h'].to_list(), 'h')} in "
                    "transit"
                )
            concern_end = sorted({p1, p2} & self.concern)
            unseen = pl.DataFrame()
            calls = self.dark_port_calls()
            if concern_end and calls.height:
                unseen = calls.filter(
                    pl.col("mmsi").is_in(mmsis) & pl.col("port_id").is_in(concern_end)
                )
            if unseen.height:
                n_gaps = unseen["gap_id"].n_unique()
                sentence += (
                    f"; {_times(n_gaps, 'more gap')} long enough for an unseen call at "
                    f"{', '.join(names[p] for p in concern_end)}"
                )
            sentence += "."
            concern = bool(concern_end)
            share = dark.height / group.height
            self.add(
                "shuttle",
                sentence,
                rule="round trips A→B→A from consecutive port visits (definitions/voyages.md); "
                "dark = a gap inside a leg (definitions/gaps.md)",
                parameters=self.p("voyages", "gaps", "visits", extra=asdict(self.cfg)),
                event_type="round_trips",
                frames=[group],
                event_ids=[
                    *group["event_id"].to_list(),
                    *(inside["event_id"].to_list() if inside.height else []),
                    *(
                        unseen["event_id"].to_list() + unseen["gap_id"].to_list()
                        if unseen.height
                        else []
                    ),
                ],
                keys=[vkey, p1, p2],
                bonus=(35.0 if concern else 0.0) + 15.0 * share,
                mmsi=last,
                port_id=p2 if p2 in self.concern else p1,
                port_name=names[p2] if p2 in self.concern else names[p1],
                start_time=t0,
                end_time=t1,
                lon=group["lon"][0],
                lat=group["lat"][0],
            )
            involved.update(mmsis)
            if inside.height:
                self.covered.update(inside["event_id"].to_list())
            if unseen.height:
                self.covered.update(unseen["gap_id"].to_list())
        return involved

    def dark_calls(self) -> None:
        calls = self.dark_port_calls()
        if calls.height == 0 or not self.concern:
            return
        calls = calls.filter(pl.col("port_id").is_in(sorted(self.concern)))
        for (gap_id,), group in calls.sort("gap_id", "rank").group_by(
            "gap_id", maintain_order=True
        ):
            if gap_id in self.covered:
                continue
            row = group.row(0, named=True)
            sentence = (
                f"{self.v.label(row['mmsi'])} was dark for {row['duration_h']:.0f} h from "
                f"{_day(row['start_time'])}: {row['reasoning']}"
            )
            if not sentence.endswith("."):
                sentence += "."
            self.add(
                "dark_port_call",
                sentence,
                rule="ports reachable by sea during a gap (definitions/dark_port_calls.md)",
                parameters=self.p("dark_calls", "gaps"),
                event_type="dark_port_calls",
                frames=[group],
                event_ids=[*group["event_id"].to_list(), gap_id],
                keys=[gap_id],
                bonus=5.0 if row["rank"] == 1 else 0.0,
                mmsi=row["mmsi"],
                port_id=row["port_id"],
                port_name=row["port_name"],
                start_time=row["start_time"],
                end_time=row["end_time"],
                lon=row["lon"],
                lat=row["lat"],
            )

    def encounters(self, of_interest: set[int]) -> None:
        enc = self.ev("encounters")
        for row, one in zip(enc.iter_rows(named=True), enc.iter_slices(1), strict=False):
            sentence = (
                f"{self.v.label(row['mmsi'])} and {self.v.label(row['other_mmsi'])} met at sea on "
                f"{_day(row['start_time'])} for {row['duration_h']:.1f} h, a median "
                f"{row['median_distance_m']:.0f} m apart at {row['median_speed_kn']:.1f} kn, "
                f"{row['port_distance_km']:.0f} km from the nearest port."
            )
            hot = {row["mmsi"], row["other_mmsi"]} & of_interest
            self.add(
                "encounter",
                sentence,
                rule="two vessels within the encounter distance for the minimum time, slow and "
                "away from ports (definitions/encounters.md)",
                parameters=self.p("encounters"),
                event_type="encounters",
                frames=[one],
                event_ids=[row["event_id"]],
                bonus=10.0 if hot else 0.0,
                mmsi=row["mmsi"],
                other_mmsi=row["other_mmsi"],
                start_time=row["start_time"],
                end_time=row["end_time"],
                lon=row["lon"],
                lat=row["lat"],
            )

    def identity(self, flags: pl.DataFrame) -> None:
        if flags.height == 0:
            return
        change = flags.filter(pl.col("flag_type").is_in(["renamed", "mmsi_changed", "reflagged"]))
        for (_imo, _mmsi, _t), group in change.sort("imo", "mmsi", "first_seen").group_by(
            "imo", "mmsi", "first_seen", maintain_order=True
        ):
            row = group.row(0, named=True)
            details = "; ".join(group.sort("flag_type")["detail"].to_list())
            refs = sorted({r for ev in group["evidence"].to_list() for r in ev or []})
            self.add(
                "identity_change",
                f"{self.v.label(row['mmsi'])} changed identity: {details}.",
                rule="identity history flags renamed / mmsi_changed / reflagged "
                "(darkfleet.screening.history)",
                parameters="{}",
                event_type=None,
                evidence=_ref_evidence(refs),
                keys=[str(row["imo"]), str(row["mmsi"]), str(row["first_seen"])],
                mmsi=row["mmsi"],
                start_time=row["first_seen"],
                end_time=row["last_seen"],
            )
        shared = flags.filter(pl.col("flag_type") == "mmsi_shared")
        for (mmsi,), group in shared.sort("mmsi", "first_seen").group_by(
            "mmsi", maintain_order=True
        ):
            refs = sorted({r for ev in group["evidence"].to_list() for r in ev or []})
            self.add(
                "shared_mmsi",
                f"MMSI {mmsi} is used by more than one ship at once: "
                + "; ".join(group["detail"].to_list())
                + ".",
                rule="identity history flag mmsi_shared (darkfleet.screening.shared)",
                parameters="{}",
                event_type=None,
                evidence=_ref_evidence(refs),
                keys=[str(mmsi)],
                mmsi=mmsi,
                start_time=group["first_seen"].min(),
                end_time=group["last_seen"].max(),
            )

    def surges(self) -> None:
        surges = self.ev("surges")
        for row, one in zip(surges.iter_rows(named=True), surges.iter_slices(1), strict=False):
            self.add(
                "surge",
                row["reasoning"] if row["reasoning"].endswith(".") else row["reasoning"] + ".",
                rule="Poisson change point with a block-permutation test "
                "(definitions/port_activity.md)",
                parameters=self.p("activity"),
                event_type="surges",
                frames=[one],
                event_ids=[row["event_id"]],
                bonus=15.0 if row["port_id"] in self.concern else 0.0,
                port_id=row["port_id"],
                port_name=row["port_name"],
                start_time=row["start_time"],
                end_time=row["end_time"],
                lon=row["lon"],
                lat=row["lat"],
            )

    def loitering(self) -> None:
        loit = self.ev("loitering")
        for row, one in zip(loit.iter_rows(named=True), loit.iter_slices(1), strict=False):
            self.add(
                "loitering",
                f"{self.v.label(row['mmsi'])} loitered for {row['duration_h']:.1f} h from "
                f"{_day(row['start_time'])} at a median {row['median_sog_kn']:.1f} kn, "
                f"{row['mean_shore_km']:.0f} km from shore.",
                rule="slow, far offshore, away from ports (definitions/loitering.md)",
                parameters=self.p("loitering"),
                event_type="loitering",
                frames=[one],
                event_ids=[row["event_id"]],
                mmsi=row["mmsi"],
                start_time=row["start_time"],
                end_time=row["end_time"],
                lon=row["lon"],
                lat=row["lat"],
            )

    def satellite(self, tables: Mapping[str, pl.DataFrame]) -> None:
        port_scenes = tables.get("port_scenes")
        in_port: set[str] = set()
        if port_scenes is not None and port_scenes.height:
            dark_scenes = port_scenes.filter(pl.col("n_dark") > 0)
            for row in dark_scenes.iter_rows(named=True):
                ids = list(row["dark_detection_ids"] or [])
                in_port.update(ids)
                concern = row["port_id"] in self.concern
                sentence = row["sentence"] + (
                    f"; {row['n_dark']} seen by the satellite with no AIS vessel to explain them."
                )
                self.add(
                    "ships_in_port",
                    sentence,
                    rule="satellite detections within the port's entry distance, matched one to "
                    "one to AIS positions interpolated to the acquisition "
                    "(docs/satellite_matching.md)",
                    parameters=self.p(extra={"satellite": self.sat_params}),
                    event_type="port_scenes",
                    event_ids=list(row["detection_ids"] or []),
                    keys=[str(row["scene_id"]), str(row["port_id"])],
                    bonus=0.0 if concern else -15.0,
                    port_id=row["port_id"],
                    port_name=row["port_name"],
                    start_time=row["acquisition_time"],
                    end_time=row["acquisition_time"],
                    lon=row["lon"],
                    lat=row["lat"],
                )
        dark = tables.get("dark")
        if dark is None or dark.height == 0:
            return
        at_sea = dark.filter(~pl.col("detection_id").is_in(sorted(in_port)))
        big = pl.col("length_m").fill_null(0.0) >= self.cfg.dark_min_length_m
        rule = "AIS ↔ detection one-to-one assignment (docs/satellite_matching.md)"
        params = self.p(extra={"satellite": self.sat_params, **asdict(self.cfg)})
        for (scene,), group in (
            at_sea.filter(big)
            .sort("scene_id", "detection_id")
            .group_by("scene_id", maintain_order=True)
        ):
            t: Any = group["acquisition_time"].min()
            lengths = _span(group["length_m"].to_list(), "m")
            self.add(
                "dark_detections",
                f"{_times(group.height, 'vessel')} of {lengths} seen at sea by satellite "
                f"scene {scene} on {_day(t)} at {t:%H:%M} UTC: no AIS broadcast explains "
                f"{'it' if group.height == 1 else 'them'}.",
                rule=rule,
                parameters=params,
                event_type="dark",
                event_ids=group["detection_id"].to_list(),
                evidence=_detection_evidence(group),
                keys=[str(scene)],
                start_time=t,
                end_time=t,
                lon=group["lon"][0],
                lat=group["lat"][0],
            )
        small = at_sea.filter(~big).sort("acquisition_time", "detection_id")
        if small.height:
            t0: Any = small["acquisition_time"].min()
            t1: Any = small["acquisition_time"].max()
            self.add(
                "dark_detections",
                f"{_times(small.height, 'more detection')} at sea in "
                f"{_times(small['scene_id'].n_unique(), 'scene')} between {_day(t0)} and "
                f"{_day(t1)} match no AIS vessel but are shorter than "
                f"{self.cfg.dark_min_length_m:.0f} m or of unknown length (small craft, clutter).",
                rule=rule,
                parameters=params,
                event_type="dark",
                event_ids=small["detection_id"].to_list(),
                evidence=_detection_evidence(small),
                keys=["small"],
                bonus=-45.0,
                start_time=t0,
                end_time=t1,
                lon=small["lon"][0],
                lat=small["lat"][0],
            )


def _detection_evidence(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {"source_id": sid, "line": ln}
        for sid, ln in zip(frame["source_id"], frame["line"], strict=True)
    ]


def _concern_ports(store: Any, events: Mapping[str, pl.DataFrame], cfg: FindingsConfig) -> set[str]:
    out: set[str] = set()
    countries = set(cfg.concern_countries)
    for name in ("port_visits", "dark_port_calls"):
        f = events.get(name)
        if f is not None and f.height:
            out.update(f.filter(pl.col("port_country").is_in(sorted(countries)))["port_id"])
    interest = store.events_manifest().get("parameters", {}).get("analysis", {})
    wanted = interest.get("ports_of_interest") or []
    if wanted:
        from .ports import find_ports, load_ports

        out.update(find_ports(load_ports(), list(wanted))["port_id"].to_list())
    return out


def _satellite_tables(root: Path) -> dict[str, pl.DataFrame]:
    from .satellite.store import read_satellite, satellite_tables

    return {name: read_satellite(root, name) for name in satellite_tables(root)}


def build_findings(
    store: Any,
    *,
    matches: pl.DataFrame | None = None,
    identity_flags: pl.DataFrame | None = None,
    satellite: Mapping[str, pl.DataFrame] | None = None,
    config: FindingsConfig | None = None,
) -> pl.DataFrame:
    """The ranked :data:`FINDINGS` of a store (a path or an open :class:`~darkfleet.Store`).

    ``matches`` defaults to the store's saved screening matches (``darkfleet screen``),
    ``identity_flags`` to :func:`~darkfleet.screening.identity_history` of its statics and
    positions, ``satellite`` to its ``darkfleet match`` tables. Needs ``darkfleet analyze``
    to have run (raises :class:`~darkfleet.errors.StoreError` otherwise).
    """
    from .satellite.store import satellite_manifest
    from .screening import identity_history
    from .screening.findings import load_matches
    from .store import open_store

    cfg = config or FindingsConfig()
    st = open_store(store, create=False, read_only=True) if isinstance(store, str | Path) else store
    manifest = st.events_manifest()
    events = {name: st.events(name) for name in st.event_types()}
    vessels = _Vessels(st.identities())
    if matches is None:
        matches = load_matches(st.root)
    if identity_flags is None:
        identity_flags = identity_history(st.statics(), st.positions()).flags
    if satellite is None:
        satellite = _satellite_tables(st.root)
    b = _Builder(
        events,
        vessels,
        manifest.get("parameters", {}),
        _concern_ports(st, events, cfg),
        cfg,
        # the matching's parameters, whoever read its tables
        satellite_manifest(st.root).get("parameters", {}),
    )
    flagged = b.sanctioned(matches)
    shuttling = b.shuttles()
    b.dark_calls()
    b.encounters(flagged | shuttling)
    b.identity(identity_flags)
    b.surges()
    b.loitering()
    b.satellite(satellite)
    if not b.rows:
        return pl.DataFrame(schema=FINDINGS)
    frame = pl.DataFrame(b.rows, schema_overrides={k: v for k, v in FINDINGS.items()}, strict=False)
    for col, dtype in FINDINGS.items():
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(col))
    frame = frame.sort(
        ["score", "start_time", "finding_id"], descending=[True, False, False], nulls_last=True
    ).with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    return frame.select([pl.col(c).cast(t) for c, t in FINDINGS.items()])
