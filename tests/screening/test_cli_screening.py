"""``darkfleet screen`` and ``darkfleet vessel`` on the hand-made fleet."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from darkfleet.cli import app
from darkfleet.screening import load_matches

from .fleet_helper import Fleet, build_fleet

runner = CliRunner()

SDN = ('36223,"ANGARA","vessel","RUSSIA-EO14024",-0- ,"UBCD3","Container Ship",-0- ,-0- ,'
       '"Russia",-0- ,"Vessel Registration Identification IMO 9179842; MMSI 273111111."\r\n')  # fmt: skip
WATCHLIST = """\
name = "najin-shuttle"
ports = ["Najin", "Vostochny", "Dunay"]

[[vessel]]
name = "LADY R"
imo = 9161003
"""


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "250"})
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return build_fleet(tmp_path / "fleet")


def test_screen_prints_and_saves_matches(fleet: Fleet, tmp_path: Path) -> None:
    sdn = tmp_path / "sdn.csv"
    sdn.write_text(SDN)
    wl = tmp_path / "shuttle.toml"
    wl.write_text(WATCHLIST)
    code, out = _run("screen", str(fleet.store), "--lists", str(sdn), "--watchlist", str(wl))
    assert code == 0, out
    assert "najin-shuttle ports of interest: Najin, Vostochny, Dunay" in out
    assert "4 matches among" in out and "us_ofac_sdn" in out and "RUSSIA-EO14024" in out
    assert "IMO 9179842 = listed IMO" in out
    saved = load_matches(fleet.store)
    assert sorted(zip(saved["mmsi"], saved["shipname"], saved["list"], strict=True)) == [
        (273111111, "ANGARA", "us_ofac_sdn"),
        (273111111, "NEW DAWN", "us_ofac_sdn"),
        (273222222, "LADY R", "watchlist:najin-shuttle"),
        (613222222, "LADY R", "watchlist:najin-shuttle"),
    ]
    # the same run again writes the same file, byte for byte
    path = fleet.store / "findings" / "sanctions_matches.parquet"
    first = path.read_bytes()
    assert _run("screen", str(fleet.store), "--lists", str(sdn), "-w", str(wl))[0] == 0
    assert path.read_bytes() == first


def test_vessel_dossier_by_imo_and_mmsi(fleet: Fleet, tmp_path: Path) -> None:
    code, out = _run("vessel", str(fleet.store), "9161003")
    assert code == 0, out
    assert "IMO 9161003 (check digit ok)" in out and "MMSIs: 273222222, 613222222" in out
    assert "2 identity flags" in out and "mmsi_changed" in out and "reflagged" in out
    assert "reflagged RU (MMSI 273222222) → CM (MMSI 613222222)" in out
    assert "port visits: not computed yet" in out and "gaps: not computed yet" in out
    assert "none saved; run `darkfleet screen" in out
    # by the old MMSI: the new MMSI comes in through the shared IMO
    code, out = _run("vessel", str(fleet.store), "273222222")
    assert code == 0 and "MMSIs: 273222222, 613222222" in out and "reflagged" in out
    # after screening, the dossier shows the list match
    sdn = tmp_path / "sdn.csv"
    sdn.write_text(SDN)
    assert _run("screen", str(fleet.store), "--lists", str(sdn))[0] == 0
    code, out = _run("vessel", str(fleet.store), "IMO 9179842")
    assert code == 0, out
    assert "renamed ANGARA → NEW DAWN" in out and "2 list matches" in out and "us_ofac_sdn" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["vessel", "STORE", "12345"], ["'12345'", "MMSI (9 digits)", "IMO number (7 digits)"]),
        (["screen", "STORE"], ["no lists to screen against"]),
        (["screen", "STORE", "--lists", "missing.csv"], ["missing.csv"]),
        (["screen", "STORE", "-w", "bad.csv"], ["bad.csv", "line 2", "'12'"]),
        (["vessel", "nowhere", "273222222"], ["nowhere", "not a darkfleet store"]),
    ],
)
def test_errors_exit_2_with_a_message(
    fleet: Fleet, tmp_path: Path, args: list[str], words: list[str]
) -> None:
    (tmp_path / "bad.csv").write_text("kind,name,imo\nvessel,X,12\n")
    real = [str(fleet.store) if a == "STORE" else str(tmp_path / a) if "." in a or a == "nowhere" else a
            for a in args]  # fmt: skip
    code, out = _run(*real)
    assert code == 2, out
    for word in words:
        assert word in out, (word, out)


def test_help_has_examples() -> None:
    for command in ("screen", "vessel"):
        code, out = _run(command, "--help")
        assert code == 0 and "Example" in out, command
