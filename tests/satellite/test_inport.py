"""Ships in port per scene: counts, sentence, per-port radius, footprint filter."""

from __future__ import annotations

import polars as pl

from darkfleet.ports import PortIndex
from darkfleet.satellite.inport import PORT_SCENES, ships_in_port
from darkfleet.satellite.match import match_detections

from .test_match import M_PER_DEG, _detections, _positions, _scenes

PORTS = PortIndex.from_points(
    [
        ("P-NAJIN", "Najin", "KP", 130.30, 42.24),
        ("P-FAR", "Faraway", "KP", 135.0, 42.24),  # outside the footprint
        ("P-BIG", "Bigport", "RU", 130.60, 42.50, 6000.0),
    ]
)


def test_ships_in_najin_of_which_broadcasting() -> None:
    d = 300 / M_PER_DEG
    ais = _positions(
        [
            (1, -5, 130.30, 42.24, 0.0, None),
            (1, 5, 130.30, 42.24, 0.0, None),
            (2, -5, 130.30 + 3 * d, 42.24, 0.0, None),
            (2, 5, 130.30 + 3 * d, 42.24, 0.0, None),
            (3, -5, 130.30, 42.24 - 5 * d, 0.0, None),
            (3, 5, 130.30, 42.24 - 5 * d, 0.0, None),
        ]
    )
    det = _detections(
        [
            (130.30, 42.24 + 0.1 * d, None),
            (130.30 + 3 * d, 42.24, None),
            (130.30 - 4 * d, 42.24, None),
            (130.30, 42.24 + 6 * d, None),  # two dark ones
            (130.60 + 15 * d, 42.50, None),  # 4.5 km from Bigport: inside its own 6 km radius
            (130.10, 42.0, None),
        ]  # in no port
    )
    res = match_detections(det, _scenes(), ais)
    table = ships_in_port(det, _scenes(), res, PORTS)
    assert table.schema == pl.Schema(PORT_SCENES)
    najin = table.filter(pl.col("port_id") == "P-NAJIN").row(0, named=True)
    assert (najin["n_detected"], najin["n_broadcasting"], najin["n_dark"]) == (4, 2, 2)
    assert (najin["n_ais_expected"], najin["n_ais_missed"]) == (3, 1)
    assert najin["mmsis"] == [1, 2]
    assert najin["sentence"].startswith(
        "4 ships in Najin on 9 Dec 2024, of which 2 broadcasting AIS"
    )
    assert "1 AIS vessel reported there not seen" in najin["sentence"]
    big = table.filter(pl.col("port_id") == "P-BIG").row(0, named=True)
    assert (big["n_detected"], big["n_dark"], big["radius_m"]) == (1, 1, 6000.0)
    assert "P-FAR" not in table["port_id"].to_list()
    # a smaller default radius drops the farther Najin detections
    small = ships_in_port(det, _scenes(), res, PORTS, radius_m=500.0)
    assert small.filter(pl.col("port_id") == "P-NAJIN")["n_detected"].to_list() == [1]


def test_no_detections_in_any_port() -> None:
    det = _detections([(130.10, 42.0, None)])
    res = match_detections(det, _scenes(), _positions([]))
    assert ships_in_port(det, _scenes(), res, PORTS).height == 0
