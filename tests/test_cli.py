"""The ``darkfleet`` command line: thin wrappers, clear errors, every command documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from darkfleet import open_store
from darkfleet.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_ingest_prints_the_accounting_and_is_idempotent(tmp_path: Path, test_data: Path) -> None:
    store = tmp_path / "store"
    nmea = test_data / "nmea" / "dma_aislib_stream_example.nmea"
    csv = test_data / "tables" / "noaa_marinecadastre_20230111_head30.csv"
    code, out = _run("ingest", str(store), str(nmea), str(csv))
    assert code == 0, out
    assert "dma_aislib_stream_example.nmea" in out and "added" in out
    before = open_store(store, create=False, read_only=True).summary()
    assert before["sources"] == 2 and before["rows"]["positions"] > 30
    code, out = _run("ingest", str(store), str(nmea))
    assert code == 0 and "skipped" in out
    assert open_store(store, create=False, read_only=True).summary()["rows"] == before["rows"]


def test_summary_json_matches_the_api(tmp_path: Path, test_data: Path) -> None:
    store = tmp_path / "store"
    assert _run("ingest", str(store), str(test_data / "nmea" / "gpsd_sample.aivdm"))[0] == 0
    code, out = _run("summary", str(store), "--json")
    assert code == 0, out
    info = json.loads(out)
    api = open_store(store, create=False, read_only=True).summary()
    assert info["rows"] == api["rows"] and info["sources"] == 1
    acc = info["accounting"]
    assert acc["records"] == sum(
        acc[k] for k in ("decoded", "rejected", "pending", "non_ais", "ignored")
    )


def test_rejects_shows_line_reason_and_raw(tmp_path: Path) -> None:
    src = tmp_path / "bad.nmea"
    src.write_bytes(b"!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*00\n")
    store = tmp_path / "store"
    assert _run("ingest", str(store), str(src))[0] == 0
    code, out = _run("rejects", str(store), "--reason", "bad_checksum")
    assert code == 0, out
    assert "1 rejected records" in out and "bad_checksum" in out and "15M67FC000G" in out


def test_mapping_option(tmp_path: Path, test_data: Path) -> None:
    store = tmp_path / "store"
    mapped = test_data / "tables" / "mapped_semicolon.csv"
    header = mapped.read_text().splitlines()[0].split(";")
    assert header[:4] == ["ship_id", "time_utc", "y", "x"]
    args = ["--map", "mmsi=ship_id", "--map", "timestamp=time_utc", "--map", "lat=y"]
    code, out = _run("ingest", str(store), str(mapped), *args, "--map", "lon=x")
    assert code == 0, out
    assert open_store(store, create=False, read_only=True).positions().height > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "mmsi"], "CANONICAL=COLUMN"),
        (["--time", "yesterday"], "ISO 8601"),
        (["--time", "2024-01-01T00:00:00"], "no time zone"),
        (["--format", "xml"], "not one of"),
    ],
)
def test_bad_options_exit_2_with_a_message(
    tmp_path: Path, test_data: Path, args: list[str], message: str
) -> None:
    src = test_data / "nmea" / "gpsd_sample.aivdm"
    code, out = _run("ingest", str(tmp_path / "s"), str(src), *args)
    assert code == 2
    assert message in out


def test_unknown_csv_names_the_file_and_the_missing_columns(tmp_path: Path) -> None:
    src = tmp_path / "fixes.csv"
    src.write_text("vessel,when,y,x\n1,2,3,4\n")
    code, out = _run("ingest", str(tmp_path / "s"), str(src))
    assert code == 2
    flat = " ".join(out.split())
    assert "fixes.csv" in flat and "MMSI" in flat and "mapping" in flat


def test_summary_of_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    code, out = _run("summary", str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere" in out


def test_demo_refuses_to_replace_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "precious.txt").write_text("keep me")
    code, out = _run("demo", "--out", str(tmp_path), "--no-report")
    assert code == 2 and "not a darkfleet store" in " ".join(out.split())
    assert (tmp_path / "store" / "precious.txt").read_text() == "keep me"


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = sorted(c.name or c.callback.__name__ for c in app.registered_commands)  # type: ignore[union-attr]
    assert commands
    for name in commands:
        assert re.search(rf"darkfleet {name}\b", readme), f"`darkfleet {name}` missing from README"


def test_help_has_examples() -> None:
    from darkfleet.cli import app

    commands = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    assert {"ingest", "summary", "rejects", "demo", "screen", "vessel"} <= set(commands)
    for command in commands:
        code, out = _run(command, "--help")
        assert code == 0 and "Example" in out, command
