"""A small store whose every free-text field is hostile markup (shared by the report tests)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
END = "</script><script>alert(2)</script>"
LS = "LINE\u2028SEP & <b>bold</b>"
HOSTILE = (SCRIPT, IMG, END, LS)

_COLUMNS = (
    "mmsi",
    "timestamp",
    "lon",
    "lat",
    "sog_kn",
    "shipname",
    "destination",
    "callsign",
    "imo",
)
PORT_A = (131.00, 42.00)
PORT_B = (132.00, 42.60)


def _track(mmsi: int, t0: datetime, names: list[str], dest: str) -> list[dict[str, object]]:
    """Ten-minute positions: A → B (10 h dark in the middle) → A, twice."""
    rows: list[dict[str, object]] = []
    t = t0
    legs = [(PORT_A, PORT_B), (PORT_B, PORT_A), (PORT_A, PORT_B), (PORT_B, PORT_A)]
    for leg, (a, b) in enumerate(legs):
        name = names[min(leg // 2, len(names) - 1)]
        for _ in range(24):  # 4 h in port
            rows.append(_row(mmsi, t, a, 0.1, name, dest))
            t += timedelta(minutes=10)
        steps = 60
        for i in range(steps + 1):
            f = i / steps
            dark = leg % 2 == 0 and 0.3 < f < 0.8
            if not dark:
                lon, lat = a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
                rows.append(_row(mmsi, t, (lon, lat), 10.0, name, dest))
            t += timedelta(minutes=15)
    for _ in range(24):
        rows.append(_row(mmsi, t, PORT_A, 0.1, names[-1], dest))
        t += timedelta(minutes=10)
    return rows


def _row(
    mmsi: int, t: datetime, pos: tuple[float, float], sog: float, name: str, dest: str
) -> dict[str, object]:
    return {
        "mmsi": mmsi,
        "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lon": round(pos[0], 5),
        "lat": round(pos[1], 5),
        "sog_kn": sog,
        "shipname": name,
        "destination": dest,
        "callsign": "X<b>",
        "imo": 9179842,
    }


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """Write the AIS CSV and the port list; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    t0 = datetime(2024, 10, 1, tzinfo=UTC)
    rows = _track(273000001, t0, [SCRIPT, END], IMG) + _track(
        273000002, t0 + timedelta(hours=2), [LS], SCRIPT
    )
    ais = folder / "hostile.csv"
    with ais.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    ports = folder / "ports.csv"
    with ports.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["port_id", "name", "lon", "lat", "country"])
        w.writerow(["P<1>", END, *PORT_A, "KP"])
        w.writerow(["P&2", IMG, *PORT_B, "RU"])
    return ais, ports


def hostile_findings() -> pl.DataFrame:
    """Findings whose every string is hostile (the report must show them as text)."""
    from darkfleet.report import FINDINGS_SCHEMA

    t = datetime(2024, 10, 1, 6, tzinfo=UTC)
    rows = [
        {
            "finding_id": f"f{i}{SCRIPT}",
            "rank": i + 1,
            "kind": kind,
            "score": 90.0 - i,
            "mmsi": 273000001,
            "other_mmsi": 273000002 if kind == "encounter" else None,
            "vessel_name": SCRIPT,
            "imo": 9179842,
            "port_id": "P<1>",
            "port_name": END,
            "start_time": t,
            "end_time": t + timedelta(hours=30),
            "lon": 131.5,
            "lat": 42.3,
            "sentence": f"{SCRIPT} made 2 round trips {END}↔{IMG}; {LS}",
            "rule": IMG,
            "parameters": '{"x": "</script><img src=x onerror=alert(9)>"}',
            "event_type": "round_trips",
            "event_ids": [SCRIPT, IMG],
            "evidence": [{"source_id": END, "line": 3}],
        }
        for i, kind in enumerate(["sanctioned_vessel", "shuttle", "encounter"])
    ]
    return pl.DataFrame(rows, schema=FINDINGS_SCHEMA)


def build_store(folder: Path) -> Path:
    """Ingest, analyse (with the hostile port list) and save a hostile list match."""
    import darkfleet
    from darkfleet.screening import MATCHES, save_matches

    ais, ports = write_inputs(folder / "inputs")
    root = folder / "store"
    darkfleet.ingest(root, [ais], mapping={c: c for c in _COLUMNS})
    cfg = darkfleet.load_config(None, overrides={"analysis.ports": str(ports)})
    darkfleet.analyze(root, config=cfg)
    match = {name: None for name in MATCHES}
    match.update(
        mmsi=273000001,
        imo=9179842,
        shipname=SCRIPT,
        list=f"list{IMG}",
        entry_id=END,
        entry_name=SCRIPT,
        programmes=[IMG],
        score=1.0,
        explanation=f"IMO matched {SCRIPT} {END} {IMG}",
        rules=[],
        evidence=[],
        entry_imo=[],
        entry_mmsi=[],
        linked_parties=[],
    )
    save_matches(root, pl.DataFrame([match], schema=MATCHES))
    return root
