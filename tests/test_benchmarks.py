"""The benchmark scripts keep working (tiny sizes; no timing is asserted).

The generator's promises are tested here too: deterministic bytes, a shorter run is a prefix
of a longer one, and every generated line decodes without a reject.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import darkfleet

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

pytestmark = pytest.mark.benchmark


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_generator_is_deterministic_and_decodes_cleanly(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.nmea", tmp_path / "b.nmea", tmp_path / "c.nmea"
    gen = str(BENCH / "gen_nmea.py")
    _run(gen, "--lines", "3000", "--framing", "mixed", "--out", str(a))
    _run(gen, "--lines", "3000", "--framing", "mixed", "--out", str(b))
    _run(gen, "--lines", "9000", "--framing", "mixed", "--out", str(c))
    assert a.read_bytes() == b.read_bytes()
    assert c.read_bytes().startswith(a.read_bytes())
    lines = a.read_bytes().count(b"\n")
    assert 3000 <= lines < 3010  # ends at a message boundary at or past the target
    reader = darkfleet.scan_nmea(a)
    tables: dict[str, int] = {}
    for batch in reader:
        for name, frame in batch.items():
            tables[name] = tables.get(name, 0) + frame.height
    acc = reader.accounting
    assert acc.lines_read == lines
    assert acc.rejected == 0 and acc.pending == 0
    assert tables["positions"] > 0.6 * lines and tables["statics"] > 0
    assert tables["base_stations"] > 0 and tables["other_messages"] > 0


def test_bench_decode_runs(tmp_path: Path) -> None:
    out = tmp_path / "decode.json"
    _run(
        str(BENCH / "bench_decode.py"),
        "--lines", "4000",
        "--pyais-lines", "1000",
        "--repeat", "1",
        "--tmpdir", str(tmp_path),
        "--json", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert result["lines"] >= 4000
    assert result["darkfleet_full"] and result["pyais_prefix"]
    assert result["ratio_darkfleet_over_pyais"] > 0


def test_bench_ingest_large_runs(tmp_path: Path) -> None:
    out = tmp_path / "ingest.json"
    darkfleet_cmd = Path(sys.executable).with_name("darkfleet")
    _run(
        str(BENCH / "bench_ingest_large.py"),
        "--gigabytes", "0.002",
        "--workdir", str(tmp_path),
        "--darkfleet", str(darkfleet_cmd),
        "--json", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert result["accounting_adds_up"] is True
    assert result["peak_rss_mib_sampled"] > 0 and result["lines_per_s"] > 0


def test_bench_tracks_runs(tmp_path: Path) -> None:
    out = tmp_path / "tracks.json"
    proc = _run(
        str(BENCH / "bench_tracks.py"),
        "--positions", "20000",
        "--mp-points", "2000",
        "--scale", "0",
        "--repeat", "1",
        "--json", str(out),
    )  # fmt: skip
    data = json.loads(out.read_text())
    assert data, proc.stdout
    assert "movingpandas" in proc.stdout


def test_bench_pipeline_runs(tmp_path: Path) -> None:
    out = tmp_path / "pipeline.json"
    proc = _run(
        str(BENCH / "bench_pipeline.py"),
        "--sizes", "20000",
        "--cache", str(tmp_path / "cache"),
        "--json", str(out),
    )  # fmt: skip
    data = json.loads(out.read_text())
    rows = data["results"][0]["rows"]
    assert rows["port_visits"] > 0 and rows["segments"] > 0, proc.stdout
    assert "peak RSS" in proc.stdout
