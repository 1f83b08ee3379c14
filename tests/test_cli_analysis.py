"""``darkfleet simulate / analyze / events / export`` end to end on a small simulated scenario."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from darkfleet import open_store
from darkfleet.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    code, out = _run("simulate", str(root / "sim"), "--decoys", "2", "--seed", "3")
    assert code == 0, out
    assert "truth rows" in out
    nmea = sorted(str(p) for p in (root / "sim" / "ais").glob("*.nmea"))
    code, out = _run("ingest", str(root / "store"), *nmea)
    assert code == 0, out
    code, out = _run("analyze", str(root / "store"), "--set", "gaps.min_gap_h=6")
    assert code == 0, out
    for name in ("segments", "gaps", "port_visits", "round_trips", "encounters", "surges"):
        assert name in out
    return root / "store"


def test_analyze_stores_every_event_type_with_its_parameters(analysed: Path) -> None:
    st = open_store(analysed, read_only=True)
    assert "port_visits" in st.event_types() and "dark_port_calls" in st.event_types()
    manifest = st.events_manifest()
    assert manifest["parameters"]["gaps"]["min_gap_h"] == 6.0
    assert manifest["tables"]["port_visits"] > 0
    visits = st.events("port_visits")
    assert {"Najin", "Vostochnyy"} <= set(visits["port_name"].to_list())


def test_events_lists_filters_and_formats(analysed: Path) -> None:
    st = open_store(analysed, read_only=True)
    mmsi = int(st.events("port_visits")["mmsi"][0])
    code, out = _run("events", str(analysed), "--type", "port_visits", "--vessel", str(mmsi))
    assert code == 0 and str(mmsi) in out
    code, out = _run("events", str(analysed), "--type", "gaps", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("event_id,event_type,mmsi")
    code, out = _run(
        "events", str(analysed), "--type", "port_visits", "--format", "json",
        "--where", "confidence >= 3", "--columns", "mmsi,port_name,confidence",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert rows and all(r["confidence"] >= 3 for r in rows)
    assert set(rows[0]) == {"mmsi", "port_name", "confidence"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("events", "--type", "nope"), "no event type 'nope'"),
        (("events", "--type", "gaps", "--columns", "nope"), "has no column nope"),
        (("analyze", "--set", "gaps.min_gap=1"), "has no parameter 'min_gap'"),
        (("analyze", "--set", "gaps.min_gap_h=-1"), "min_gap_h"),
    ],
)
def test_bad_arguments_say_what_to_do(analysed: Path, args: tuple[str, ...], message: str) -> None:
    code, out = _run(args[0], str(analysed), *args[1:])
    assert code == 2
    assert message in out.replace("\n", "")


def test_export_writes_every_format(analysed: Path, tmp_path: Path) -> None:
    code, out = _run(
        "export", str(analysed), "-o", str(tmp_path), "--type", "gaps", "--type", "port_visits"
    )
    assert code == 0, out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "events.gpkg",
        "gaps.csv",
        "gaps.geojson",
        "gaps.parquet",
        "port_visits.csv",
        "port_visits.geojson",
        "port_visits.parquet",
    ]
    gj = json.loads((tmp_path / "port_visits.geojson").read_text())
    assert gj["features"][0]["geometry"]["type"] == "Point"
    assert (
        pl.read_parquet(tmp_path / "gaps.parquet").height
        == open_store(analysed, read_only=True).events("gaps").height
    )


def test_analyze_is_deterministic(analysed: Path, tmp_path: Path) -> None:
    before = {
        p.name: p.read_bytes() for p in sorted((analysed / "events").iterdir()) if p.is_file()
    }
    code, out = _run("analyze", str(analysed), "--set", "gaps.min_gap_h=6")
    assert code == 0, out
    after = {p.name: p.read_bytes() for p in sorted((analysed / "events").iterdir()) if p.is_file()}
    assert before == after


def test_vessel_dossier_shows_stored_visits(analysed: Path) -> None:
    st = open_store(analysed, read_only=True)
    mmsi = int(st.events("port_visits")["mmsi"][0])
    code, out = _run("vessel", str(analysed), str(mmsi))
    assert code == 0, out
    assert "port visits" in out and "not computed yet" not in out
