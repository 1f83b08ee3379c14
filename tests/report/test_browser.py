"""The report in a real browser: headless Chromium through playwright-python.

Chromium comes from $DARKFLEET_CHROMIUM or /usr/bin/chromium (Debian's package, installed by
``scripts/ensure_chromium.sh``); no browser is ever downloaded. Without one, or without
playwright, the tests skip and say why. Screenshots go to the test's temporary folder and,
when $DARKFLEET_SCREENSHOT_DIR is set, there too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from darkfleet.report import ReportResult

from .hostile import END, IMG, LS, SCRIPT

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _chromium() -> str:
    exe = os.environ.get("DARKFLEET_CHROMIUM") or "/usr/bin/chromium"
    if not Path(exe).is_file():
        found = shutil.which("chromium")
        if not found:
            pytest.skip(
                f"no Chromium at {exe} (set DARKFLEET_CHROMIUM or run scripts/ensure_chromium.sh)"
            )
        exe = found
    return exe


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    exe = _chromium()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A loaded report with everything the page said and asked for."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("#map[data-ready='1']", timeout=30_000)

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:"))]

    def screenshot(self, tmp: Path, name: str) -> Path:
        path = tmp / name
        self.page.screenshot(path=str(path), full_page=False)
        extra = os.environ.get("DARKFLEET_SCREENSHOT_DIR")
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / name)
        return path


def _check_sections(p: Page, counts: dict[str, int]) -> None:
    assert p.count("#findings-list > li[data-kind]") == counts["findings"]
    assert p.count("#port-activity figure[data-port-id]") == counts["port_charts"]
    assert p.count("#round-trip-pairs tbody tr[data-pair]") == counts["round_trip_pairs"]
    assert p.count("#dossiers article.dossier[data-mmsi]") == counts["dossiers"]
    assert p.count("#vessel-index tbody tr[data-mmsi]") == counts["vessels"]
    assert p.count("#methods details.definition") == counts["definitions"]
    assert p.count("#accounting-table tbody tr[data-source]") == counts["sources"]
    assert p.count("#summary .stat") >= 6


def _check_map(p: Page, counts: dict[str, int]) -> None:
    data = p.page.eval_on_selector("#map", "e => Object.assign({}, e.dataset)")
    assert int(data["layers"]) == counts["map_layers"]
    layers = {k[2:]: int(v) for k, v in data.items() if k.startswith("n_")}
    assert layers == {
        k[4:]: v for k, v in counts.items() if k.startswith("map_") and k != "map_layers"
    }
    assert p.count(".leaflet-control-layers-overlays label") == counts["map_layers"]
    assert p.count(".leaflet-control-layers-base label") == 2
    assert p.count("#map canvas") >= 1  # the canvas renderer drew the vector layers


def test_hostile_report_in_chromium(
    browser: Any, hostile_report: ReportResult, tmp_path: Path
) -> None:
    p = Page(browser, hostile_report.path)
    assert p.errors == []
    assert p.foreign_requests() == []
    _check_sections(p, hostile_report.counts)
    _check_map(p, hostile_report.counts)
    # open every popup on the map: none may create an element from a data string
    opened = p.page.evaluate(
        """() => {
        let n = 0, bad = 0, text = "";
        window.darkfleetMap.eachLayer(l => {
          if (!l.getPopup || !l.getPopup()) return;
          const at = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
          l.openPopup(at); n++;
          const c = l.getPopup().getElement().querySelector('.leaflet-popup-content');
          bad += c.querySelectorAll('img, script, b, iframe').length;
          text += c.textContent;
        });
        return {n, bad, text};
    }"""
    )
    assert opened["n"] >= hostile_report.counts["map_tracks"] + hostile_report.counts["map_gaps"]
    assert opened["bad"] == 0
    for text in (END, IMG, LS):  # latest ship name, a port, the other ship: shown as text
        assert text in opened["text"]
    assert p.count("img") == 0 and p.count("script") == 3 and p.count("b") == 0
    assert END in p.page.inner_text("#vessel-273000001 h3")  # the latest name heads it
    assert SCRIPT in p.page.inner_text("#vessel-273000001 table")  # the earlier one: history
    assert SCRIPT in p.page.inner_text("#findings-list")
    p.page.select_option("#finding-kind", "shuttle")
    assert p.page.locator("#findings-list > li:visible").count() == 1
    assert p.dialogs == [] and p.errors == []
    p.screenshot(tmp_path, "report-hostile.png")


@pytest.mark.slow
def test_simulated_report_in_chromium(
    browser: Any, sim_report: ReportResult, tmp_path: Path
) -> None:
    p = Page(browser, sim_report.path)
    assert p.errors == [] and p.foreign_requests() == [] and p.dialogs == []
    c = sim_report.counts
    assert c["findings"] > 0 and c["map_tracks"] > 0 and c["port_charts"] > 0
    _check_sections(p, c)
    _check_map(p, c)
    # sorting a table reorders its rows by the clicked column
    p.page.click("#round-trip-pairs thead th[data-key='trips']")
    p.page.click("#round-trip-pairs thead th[data-key='trips']")
    trips = p.page.eval_on_selector_all(
        "#round-trip-pairs tbody tr td:nth-child(2)", "tds => tds.map(t => +t.dataset.sort)"
    )
    assert trips == sorted(trips, reverse=True)
    shot = p.screenshot(tmp_path, "report-simulated.png")
    p.page.eval_on_selector(
        "#map-section",
        "e => { document.documentElement.style.scrollBehavior = 'auto'; e.scrollIntoView(); }",
    )
    p.screenshot(tmp_path, "report-simulated-map.png")
    assert shot.stat().st_size > 10_000
