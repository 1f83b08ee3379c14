"""Watchlists: TOML and CSV files of vessels and ports of interest, and their error messages."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from darkfleet.errors import FormatError, InputError, SchemaError
from darkfleet.screening import load_watchlist, screen
from darkfleet.screening.watchlist import WATCH_PORTS, WATCH_VESSELS

TOML = """\
name = "najin-shuttle"
description = "Russia-DPRK container shuttle"
ports = ["Najin", "Vostochny", "Dunay"]

[[port]]
name = "Najin"
locode = "KP NJN"
lat = 42.24
lon = 130.30
radius_m = 5000

[[vessel]]
name = "ANGARA"
imo = "IMO 9179842"
flag = "Russia"
note = "photographed at Najin"

[[vessel]]
mmsi = 445123456
callsign = "hmyz"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_toml_watchlist(tmp_path: Path) -> None:
    wl = load_watchlist(_write(tmp_path, "shuttle.toml", TOML))
    assert (wl.name, wl.description) == ("najin-shuttle", "Russia-DPRK container shuttle")
    assert dict(wl.vessels.schema) == WATCH_VESSELS and dict(wl.ports.schema) == WATCH_PORTS
    assert wl.vessels.rows() == [
        ("ANGARA", 9179842, None, None, "RU", "photographed at Najin", 12),
        (None, None, 445123456, "HMYZ", None, None, 18),
    ]
    assert wl.ports.select("name", "locode", "lat", "radius_m", "line").rows() == [
        ("Najin", None, None, None, 3),
        ("Vostochny", None, None, None, 3),
        ("Dunay", None, None, None, 3),
        ("Najin", "KPNJN", 42.24, 5000.0, 5),
    ]


def test_csv_watchlist_with_and_without_kind(tmp_path: Path) -> None:
    mixed = _write(tmp_path, "mixed.csv", "kind,name,imo,lat,lon\n"
                   "vessel,ANGARA,9179842,,\n\nport,Najin,,42.24,130.30\n")  # fmt: skip
    wl = load_watchlist(mixed)
    assert wl.name == "mixed"
    assert wl.vessels.select("name", "imo", "line").rows() == [("ANGARA", 9179842, 2)]
    assert wl.ports.select("name", "lat", "lon", "line").rows() == [("Najin", 42.24, 130.3, 4)]
    ports = load_watchlist(_write(tmp_path, "ports.csv", "name,locode\nVostochny,RUVYP\nDunay,\n"))
    assert ports.vessels.height == 0 and ports.ports["name"].to_list() == ["Vostochny", "Dunay"]
    ships = load_watchlist(_write(tmp_path, "ships.csv", "Name,MMSI\nLADY R,273222222\n"))
    assert ships.vessels.select("name", "mmsi").rows() == [("LADY R", 273222222)]


@pytest.mark.parametrize(
    ("name", "text", "error", "words"),
    [
        ("a.csv", "kind,name,imo\nvessel,X,12345\n", FormatError,
         ["a.csv", "line 2", "'12345'", "7-digit IMO"]),
        ("b.csv", "kind,name,mmsi\nvessel,X,27312345A\n", FormatError, ["line 2", "'27312345A'", "MMSI"]),
        ("c.csv", "kind,name\nship,X\n", FormatError, ["line 2", "'ship'", "'vessel' or 'port'"]),
        ("d.csv", "kind,name,lat,lon\nport,X,95,130\n", FormatError, ["line 2", "lat = '95'", "-90 to 90"]),
        ("e.csv", "name,imo,lat\nX,9179842,4\n", SchemaError, ["line 1", "'kind'"]),
        ("f.csv", "name,imo,colour\nX,9179842,red\n", SchemaError, ["line 1", "colour"]),
        ("g.csv", "kind,name,flag\nvessel,X,Narnia\n", FormatError, ["line 2", "'Narnia'", "country"]),
        ("h.csv", "kind,name,imo\nvessel,X,9179842,extra\n", FormatError, ["line 2", "4 fields", "header has 3"]),
        ("i.csv", "kind,note\nvessel,only a note\n", FormatError, ["line 2", "name, imo, mmsi or callsign"]),
        ("j.csv", "kind,locode\nport,NAJIN1\n", FormatError, ["line 2", "'NAJIN1'", "UN/LOCODE"]),
        ("k.toml", 'name = "x"\n\n[[vessel]]\nname = "A"\nimo = 91798\n', FormatError,
         ["k.toml", "line 3", "imo = 91798", "7-digit"]),
        ("l.toml", 'ports = ["Najin"]\nvesels = []\n', FormatError, ["line 2", "vesels"]),
        ("m.toml", 'ports = "Najin"\n', FormatError, ["line 1", "list of port names"]),
        ("n.toml", "[[vessel]]\nname = \n", FormatError, ["n.toml", "not valid TOML", "line 2"]),
        ("o.toml", '[[port]]\nname = "Najin"\nlat = 42.2\n', FormatError, ["line 1", "both lat and lon"]),
        ("p.toml", '[[vessel]]\nname = "A"\nimo_number = 9179842\n', FormatError, ["line 1", "imo_number"]),
        ("q.yaml", "ports: [Najin]\n", FormatError, ["q.yaml", ".toml or .csv"]),
    ],
)  # fmt: skip
def test_errors_name_the_file_line_and_value(
    tmp_path: Path, name: str, text: str, error: type[Exception], words: list[str]
) -> None:
    with pytest.raises(error) as info:
        load_watchlist(_write(tmp_path, name, text))
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such watchlist file"):
        load_watchlist(tmp_path / "nope.toml")


def test_watchlist_vessels_screen_like_a_list(tmp_path: Path) -> None:
    wl = load_watchlist(_write(tmp_path, "shuttle.toml", TOML))
    entries = wl.entries()
    assert entries.height == 2 and set(entries["list"]) == {"watchlist:najin-shuttle"}
    assert entries.filter(pl.col("name") == "ANGARA")["line"].to_list() == [12]
    identities = pl.DataFrame(
        {"mmsi": [273999999, 257000000], "imo": [9179842, None], "shipname": ["NEW NAME", "OTHER"]}
    )
    matches = screen(identities, entries)
    assert matches.select("mmsi", "entry_name").rows() == [(273999999, "ANGARA")]
