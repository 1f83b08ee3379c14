"""write_report on a store whose names, destinations and ports are hostile markup."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from darkfleet.report import ReportResult, empty_findings, write_report

from .hostile import END, HOSTILE, IMG, SCRIPT, hostile_findings


def _html(result: ReportResult) -> str:
    return result.path.read_text(encoding="utf-8")


def test_hostile_strings_never_appear_as_markup(hostile_report: ReportResult) -> None:
    page = _html(hostile_report)
    for text in HOSTILE:
        assert text not in page
    assert re.search(r"<img", page, re.IGNORECASE) is None
    # only our three script elements: the map data, Leaflet and the report script
    assert len(re.findall(r"<script\b", page, re.IGNORECASE)) == 3
    assert len(re.findall(r"</script", page, re.IGNORECASE)) == 3
    # the names are there, escaped, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_map_json_holds_the_names_escaped(hostile_report: ReportResult) -> None:
    page = _html(hostile_report)
    block = page.split('id="darkfleet-map-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in block


def test_counts_describe_the_page(hostile_report: ReportResult) -> None:
    c = hostile_report.counts
    page = _html(hostile_report)
    assert c["findings"] == 3 == len(re.findall(r'<li data-kind="', page))
    assert c["dossiers"] == page.count('<article class="dossier"') == 2
    assert c["round_trip_pairs"] == len(re.findall(r"<tr data-pair=", page)) >= 1
    assert c["port_charts"] == len(re.findall(r"<figure class=\"chart-card\"", page)) == 2
    assert c["sources"] == 1 and c["map_tracks"] == 2 and c["map_gaps"] >= 2
    assert c["html_bytes"] == hostile_report.path.stat().st_size


def test_exports_hold_findings_and_events(hostile_report: ReportResult) -> None:
    names = {p.name for p in hostile_report.exports}
    assert {"findings.parquet", "findings.csv", "events.gpkg", "gaps.parquet", "gaps.csv"} <= names
    assert all(p.is_file() for p in hostile_report.exports)
    back = pl.read_parquet(hostile_report.path.parent / "exports" / "findings.parquet")
    assert back.height == 3 and back["vessel_name"][0] == SCRIPT
    csv = pl.read_csv(hostile_report.path.parent / "exports" / "findings.csv")
    assert csv["port_name"][0] == END and "geometry_wkt" in csv.columns
    empty = pl.read_csv(hostile_report.path.parent / "exports" / "encounters.csv")
    assert empty.height == 0 and "other_mmsi" in empty.columns


def test_same_inputs_same_bytes(hostile_store: Path, tmp_path: Path) -> None:
    a = write_report(hostile_store, tmp_path / "a", findings=hostile_findings(), options=None)
    b = write_report(hostile_store, tmp_path / "b", findings=hostile_findings())
    assert a.path.read_bytes() == b.path.read_bytes()


def test_no_findings_is_an_empty_state(hostile_store: Path, tmp_path: Path) -> None:
    r = write_report(hostile_store, tmp_path / "r", findings=empty_findings())
    page = _html(r)
    assert r.counts["findings"] == 0
    assert 'id="findings-list"' in page and "No findings were ranked" in page


def test_title_is_escaped(hostile_store: Path, tmp_path: Path) -> None:
    r = write_report(hostile_store, tmp_path / "t", findings=empty_findings(), title=IMG)
    page = _html(r)
    assert IMG not in page and "<title>&quot;&gt;&lt;img" in page


def test_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    from darkfleet.errors import StoreError

    with pytest.raises(StoreError, match="not a darkfleet store"):
        write_report(tmp_path / "nothing", tmp_path / "out")
