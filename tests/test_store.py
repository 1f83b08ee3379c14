"""The canonical store: round trip, idempotency, crash safety, locking, accessors."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import darkfleet.store as store_module
from darkfleet.errors import ConfigError, DarkfleetError, InputError, StoreError
from darkfleet.schema import STATICS, TABLES, conform, empty
from darkfleet.store import (
    IDENTITIES,
    IngestResult,
    Store,
    open_store,
    to_geopandas,
)
from darkfleet.store.layout import FORMAT_VERSION, MARKER, STAGING

from .store_helper import (
    CRASH_BATCHES,
    CRASH_LINES,
    CRASH_SOURCE,
    FakeReader,
    expected,
)

HELPER = Path(__file__).with_name("store_helper.py")
SID_A = "aaaa000000000001"
SID_B = "bbbb000000000002"
SORT = ["mmsi", "timestamp", "source_id", "line"]


def sorted_like_store(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    keys = ["source_id", "line", "offset_bytes"] if table == "rejects" else SORT
    return frame.sort(keys, nulls_last=True, maintain_order=True)


def assert_holds(store: Store, *sources: tuple[str, int, int]) -> None:
    """``store`` holds exactly the synthetic ``(source_id, batches, lines)`` sources."""
    for table in TABLES:
        want = pl.concat([expected(*s)[table] for s in sources])
        got = store.read_table(table)
        assert_frame_equal(got, sorted_like_store(want, table))
    lines = store.positions().select("source_id", "line")
    assert lines.is_unique().all(), "duplicate rows"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "store")


# -- round trip and layout ---------------------------------------------------------------------


def test_round_trip_gives_back_every_row_sorted_in_the_canonical_schema(store: Store) -> None:
    progress: list[int] = []
    result = store.ingest(FakeReader.synthetic(SID_A), on_batch=progress.append)
    assert isinstance(result, IngestResult)
    assert not result.skipped
    assert len(progress) == 3
    assert sum(progress) == sum(result.rows_by_table.values())
    assert_holds(store, (SID_A, 3, 100))
    for table, schema in TABLES.items():
        assert store.read_table(table).schema == pl.Schema(schema)
        assert store.scan_table(table).collect_schema() == pl.Schema(schema)
    assert result.rows_by_table == {
        t: f.height for t, f in expected(SID_A, 3, 100).items() if f.height
    }


def test_rows_are_partitioned_by_utc_day_with_a_folder_for_null_timestamps(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    days = sorted(p.name for p in (store.root / "positions").iterdir())
    assert days == ["date=2024-10-01", "date=2024-10-02", "date=2024-10-03", "date=none"]
    for path in store.files("positions"):
        part = pl.read_parquet(path)
        day = path.parent.name.removeprefix("date=")
        stamps = part.get_column("timestamp")
        if day == "none":
            assert stamps.null_count() == part.height
        else:
            assert (stamps.dt.date() == date.fromisoformat(day)).all()
        assert path.name.startswith(SID_A + "-")


def test_marker_and_catalog_have_no_wall_clock_values(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    marker = json.loads((store.root / MARKER).read_text())
    assert marker["format"] == "darkfleet-store"
    assert marker["version"] == FORMAT_VERSION
    sources = store.sources()
    assert not any(dtype.is_temporal() for dtype in sources.dtypes)
    row = sources.row(0, named=True)
    assert row["source_id"] == SID_A
    assert row["path"] == f"/fake/{SID_A}.nmea"
    assert row["size_bytes"] is None
    assert row["rows_positions"] == expected(SID_A, 3, 100)["positions"].height
    assert json.loads(row["accounting"])["records"] == 300


def test_the_readers_accounting_is_stored_and_left_untouched(store: Store) -> None:
    reader = FakeReader.synthetic(SID_A)
    result = store.ingest(reader)
    assert result.accounting.to_dict() == reader.accounting.to_dict()
    assert result.accounting is not reader.accounting
    assert store.accounting(SID_A).to_dict() == reader.accounting.to_dict()


def test_an_empty_store_answers_with_empty_frames_of_the_right_schema(store: Store) -> None:
    for table, schema in TABLES.items():
        assert_frame_equal(store.read_table(table), empty(schema))
    assert store.identities().schema == pl.Schema(IDENTITIES)
    assert store.sql("SELECT count(*) AS n FROM positions").item() == 0
    summary = store.summary()
    assert summary["sources"] == 0
    assert summary["vessels"] == 0
    assert summary["first_timestamp"] is None


# -- idempotency and determinism ---------------------------------------------------------------


def test_the_same_source_twice_is_skipped_without_being_read(store: Store) -> None:
    first = store.ingest(FakeReader.synthetic(SID_A))
    files = sorted(store.root.rglob("*.parquet"))
    again = FakeReader.synthetic(SID_A)
    second = store.ingest(again)
    assert second.skipped
    assert again.batches_read == 0
    assert second.accounting.to_dict() == first.accounting.to_dict()
    assert second.rows_by_table == first.rows_by_table
    assert sorted(store.root.rglob("*.parquet")) == files
    assert_holds(store, (SID_A, 3, 100))


def test_two_sources_are_both_kept(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    store.ingest(FakeReader.synthetic(SID_B, batches=2, lines=70))
    assert_holds(store, (SID_A, 3, 100), (SID_B, 2, 70))
    assert store.sources().get_column("source_id").to_list() == [SID_A, SID_B]


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def test_ingest_order_changes_nothing(tmp_path: Path) -> None:
    one, two = open_store(tmp_path / "one"), open_store(tmp_path / "two")
    for sid in (SID_A, SID_B):
        one.ingest(FakeReader.synthetic(sid))
    for sid in (SID_B, SID_A):
        two.ingest(FakeReader.synthetic(sid))
    assert _digests(one.root) == _digests(two.root)
    assert_frame_equal(one.sources(), two.sources())
    for table in TABLES:
        assert_frame_equal(one.read_table(table), two.read_table(table))
    assert_frame_equal(one.identities(), two.identities())


# -- crash safety (real processes, real kill -9) -----------------------------------------------


def _run_helper(store_dir: Path, mode: str, flag: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), str(store_dir), mode, str(flag)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for(flag: Path, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not flag.exists():
        if proc.poll() is not None:
            raise AssertionError(f"helper exited early: {proc.communicate()[1].decode()}")
        if time.monotonic() > deadline:
            raise AssertionError("helper never reached the pause")
        time.sleep(0.02)


def _nothing_visible(store_dir: Path) -> None:
    reader = open_store(store_dir, read_only=True)
    assert reader.sources().height == 0
    for table in TABLES:
        assert reader.read_table(table).height == 0
    assert reader.sql("SELECT count(*) FROM positions").item() == 0


CRASHED = (CRASH_SOURCE, CRASH_BATCHES, CRASH_LINES)


def test_kill_9_while_staging_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    store_dir, flag = tmp_path / "store", tmp_path / "paused"
    open_store(store_dir).ingest(FakeReader.synthetic(SID_A))
    proc = _run_helper(store_dir, "pause", flag)
    try:
        _wait_for(flag, proc)
        staged = list((store_dir / STAGING / CRASH_SOURCE).rglob("*.parquet"))
        assert {p.name.split("-")[1] for p in staged} >= {f"{i:06d}.parquet" for i in range(4)}
        # While the helper writes: a second writer fails fast, and opening the store for
        # writing leaves the live staging folder alone.
        other = open_store(store_dir)
        with pytest.raises(StoreError, match=r"another darkfleet process \(process \d+\)"):
            other.ingest(FakeReader.synthetic(SID_B))
        assert sorted((store_dir / STAGING / CRASH_SOURCE).rglob("*.parquet")) == sorted(staged)
        assert other.sources().get_column("source_id").to_list() == [SID_A]
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.communicate()
    assert open_store(store_dir, read_only=True).sources().height == 1
    store = open_store(store_dir)  # recovers
    assert not (store_dir / STAGING / CRASH_SOURCE).exists()
    assert_holds(store, (SID_A, 3, 100))
    result = store.ingest(FakeReader.synthetic(CRASH_SOURCE, CRASH_BATCHES, CRASH_LINES))
    assert not result.skipped
    assert_holds(store, (SID_A, 3, 100), CRASHED)


def test_crash_halfway_through_the_moves_is_rolled_forward(tmp_path: Path) -> None:
    store_dir, flag = tmp_path / "store", tmp_path / "unused"
    open_store(store_dir)
    proc = _run_helper(store_dir, "crash-moves", flag)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 9, err.decode()
    staging = store_dir / STAGING / CRASH_SOURCE
    assert (staging / "manifest.json").is_file()
    assert list(staging.rglob("*.parquet")), "the crash should leave files in staging"
    assert list((store_dir / "positions").rglob("*.parquet")), "and some already moved"
    _nothing_visible(store_dir)  # moved files are not listed by the catalog yet
    store = open_store(store_dir)  # rolls the commit forward
    assert not staging.exists()
    assert_holds(store, CRASHED)
    reader = FakeReader.synthetic(CRASH_SOURCE, CRASH_BATCHES, CRASH_LINES)
    assert store.ingest(reader).skipped
    assert_holds(store, CRASHED)


def test_crash_after_the_catalog_commit_keeps_the_source(tmp_path: Path) -> None:
    store_dir, flag = tmp_path / "store", tmp_path / "unused"
    proc = _run_helper(store_dir, "crash-cleanup", flag)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 9, err.decode()
    assert (store_dir / STAGING / CRASH_SOURCE / "manifest.json").is_file()
    assert_holds(open_store(store_dir, read_only=True), CRASHED)
    store = open_store(store_dir)
    assert not (store_dir / STAGING / CRASH_SOURCE).exists()
    assert store.ingest(FakeReader.synthetic(CRASH_SOURCE, CRASH_BATCHES, CRASH_LINES)).skipped
    assert_holds(store, CRASHED)


def test_staging_without_manifest_and_stray_parts_are_removed_on_open(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    stray_stage = store.root / STAGING / SID_B / "positions" / "date=2024-10-01"
    stray_stage.mkdir(parents=True)
    (stray_stage / f"{SID_B}-000000.parquet").write_bytes(b"half a file")
    orphan_dir = store.root / "positions" / "date=2030-01-01"
    orphan_dir.mkdir()
    (orphan_dir / f"{SID_B}-000000.parquet").write_bytes(b"orphan")
    assert_holds(open_store(store.root, read_only=True), (SID_A, 3, 100))  # invisible anyway
    reopened = open_store(store.root)
    assert not (store.root / STAGING / SID_B).exists()
    assert not orphan_dir.exists()
    assert_holds(reopened, (SID_A, 3, 100))


def test_a_failing_reader_commits_nothing_and_leaves_no_staging(store: Store) -> None:
    def fail(i: int) -> None:
        if i == 2:
            raise InputError("the input went away")

    with pytest.raises(InputError, match="went away"):
        store.ingest(FakeReader.synthetic(SID_A, hook=fail))
    assert not (store.root / STAGING / SID_A).exists()
    assert store.sources().height == 0
    store.ingest(FakeReader.synthetic(SID_A))
    assert_holds(store, (SID_A, 3, 100))


def test_accounting_that_does_not_add_up_commits_nothing(store: Store) -> None:
    reader = FakeReader.synthetic(SID_A)
    reader.accounting.records += 1  # one record read but in no bucket
    with pytest.raises(DarkfleetError, match="does not add up"):
        store.ingest(reader)
    assert store.sources().height == 0
    assert not list(store.root.rglob("*.parquet"))


# -- the writer lock ---------------------------------------------------------------------------


def test_a_second_writer_fails_fast_while_the_first_writes(store: Store) -> None:
    seen: list[int] = []

    def second_writer(i: int) -> None:
        if i != 1:
            return
        other = open_store(store.root)  # must not touch the live staging folder
        assert list((store.root / STAGING / SID_A).rglob("*.parquet"))
        # fails at once (a blocking lock would hang here, never return)
        with pytest.raises(StoreError, match=r"another darkfleet process .* is writing to"):
            other.ingest(FakeReader.synthetic(SID_B))
        # a committed source is still answered without the lock
        seen.append(open_store(store.root, read_only=True).positions().height)

    store.ingest(FakeReader.synthetic(SID_A, hook=second_writer))
    assert seen == [0]
    assert store.ingest(FakeReader.synthetic(SID_B)).skipped is False  # lock released


def test_a_read_only_store_cannot_ingest(store: Store) -> None:
    reader_store = open_store(store.root, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        reader_store.ingest(FakeReader.synthetic(SID_A))


# -- bad readers ---------------------------------------------------------------------------------


def test_a_batch_with_an_unknown_table_is_a_reader_bug(store: Store) -> None:
    reader = FakeReader.of(SID_A, {"tracks": empty(TABLES["positions"])})
    with pytest.raises(StoreError, match="unknown tables \\['tracks'\\]"):
        store.ingest(reader)


def test_rows_of_another_source_are_a_reader_bug(store: Store) -> None:
    frame = conform(pl.DataFrame({"source_id": [SID_B], "line": [1], "mmsi": [1]}), STATICS)
    with pytest.raises(StoreError, match="source_id is not"):
        store.ingest(FakeReader.of(SID_A, {"statics": frame}))
    assert store.sources().height == 0


def test_a_source_id_unfit_for_a_file_name_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="cannot be used in a file name"):
        store.ingest(FakeReader.of("../evil", {}))


# -- opening -------------------------------------------------------------------------------------


def test_a_non_empty_directory_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match=r"not a darkfleet store .* not empty .* notes\.txt"):
        open_store(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_store_from_a_newer_darkfleet_is_refused(store: Store) -> None:
    marker = store.root / MARKER
    data = json.loads(marker.read_text())
    marker.write_text(json.dumps({**data, "version": FORMAT_VERSION + 1}))
    with pytest.raises(StoreError, match=r"newer darkfleet .* pip install -U darkfleet"):
        open_store(store.root)


@pytest.mark.parametrize("kwargs", [{"create": False}, {"read_only": True}])
def test_a_missing_store_is_not_created_when_asked_not_to(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(StoreError, match="not a darkfleet store"):
        open_store(tmp_path / "nowhere", **kwargs)
    assert not (tmp_path / "nowhere").exists()


def test_a_file_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(StoreError, match="is a file"):
        open_store(tmp_path / "f")


def test_a_moved_store_still_works(tmp_path: Path) -> None:
    before = open_store(tmp_path / "here")
    before.ingest(FakeReader.synthetic(SID_A))
    shutil.move(tmp_path / "here", tmp_path / "there")
    after = open_store(tmp_path / "there")
    assert_holds(after, (SID_A, 3, 100))
    n = expected(SID_A, 3, 100)["positions"].height
    assert after.sql("SELECT count(*) FROM positions").item() == n
    assert all(str(p).startswith(str(tmp_path / "there")) for p in after.files("positions"))


# -- accessors -----------------------------------------------------------------------------------


def test_time_and_mmsi_filters_match_a_plain_filter_and_prune_day_folders(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    everything = store.positions()
    start, end = datetime(2024, 10, 2, 6, tzinfo=UTC), datetime(2024, 10, 3, tzinfo=UTC)
    got = store.positions(mmsi=[200_000_001, 200_000_003], start=start, end=end)
    want = everything.filter(
        pl.col("mmsi").is_in([200_000_001, 200_000_003]),
        pl.col("timestamp") >= start,
        pl.col("timestamp") < end,
    )
    assert got.height > 0
    assert_frame_equal(got, want)
    assert {p.parent.name for p in store.files("positions", start=start, end=end)} == {
        "date=2024-10-02"
    }
    # the same bounds as strings, naive datetimes and dates
    assert_frame_equal(
        store.positions(start="2024-10-02T06:00:00Z", end=date(2024, 10, 3)),
        everything.filter(pl.col("timestamp") >= start, pl.col("timestamp") < end),
    )
    naive = store.positions(start=datetime(2024, 10, 2, 6), end="2024-10-03")
    assert_frame_equal(naive, everything.filter(pl.col("timestamp").is_between(start, end, "left")))
    assert_frame_equal(
        store.positions(mmsi=200_000_001), everything.filter(pl.col("mmsi") == 200_000_001)
    )
    assert store.positions(start=end, end=start).height == 0


def test_lazy_and_eager_accessors_agree(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    pairs: list[tuple[Callable[[], pl.DataFrame], Callable[[], pl.LazyFrame]]] = [
        (store.positions, store.scan_positions),
        (store.statics, store.scan_statics),
        (store.base_stations, store.scan_base_stations),
        (store.aids_to_navigation, store.scan_aids_to_navigation),
        (store.other_messages, store.scan_other_messages),
        (store.rejects, store.scan_rejects),
        (store.identities, store.scan_identities),
    ]
    for eager, lazy in pairs:
        frame = eager()
        assert frame.height > 0
        assert_frame_equal(frame, lazy().collect())


def test_bad_filter_values_are_config_errors(store: Store) -> None:
    with pytest.raises(ConfigError, match="ISO 8601"):
        store.positions(start="yesterday")
    with pytest.raises(ConfigError, match="mmsi must be an integer"):
        store.positions(mmsi="123")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no table 'tracks'"):
        store.read_table("tracks")
    with pytest.raises(ConfigError, match="no mmsi column"):
        store.read_table("rejects", mmsi=1)


def test_rejects_filter_by_source_and_reason(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    store.ingest(FakeReader.synthetic(SID_B, batches=2, lines=70))
    everything = store.rejects()
    assert everything.columns == list(TABLES["rejects"])
    assert set(everything.get_column("reason")) == {"bad_checksum", "pending_fragment"}
    bad_a = store.rejects(source_id=SID_A, reason="bad_checksum")
    assert bad_a.height > 0
    assert_frame_equal(
        bad_a,
        everything.filter(pl.col("source_id") == SID_A, pl.col("reason") == "bad_checksum"),
    )
    both = store.rejects(source_id=[SID_A, SID_B], reason=["bad_checksum", "pending_fragment"])
    assert_frame_equal(both, everything)
    assert store.rejects(reason="no_such_reason").height == 0
    assert bad_a.get_column("raw").str.starts_with("!AIVDM").all()


def _static(line: int, hour: int | None, mmsi: int, msg_type: int, **fields: object) -> dict:
    stamp = None if hour is None else datetime(2024, 10, 1, hour, tzinfo=UTC)
    row = {"source_id": SID_A, "line": line, "timestamp": stamp, "mmsi": mmsi}
    return row | {"msg_type": msg_type} | fields


def test_identities_combine_type_24_parts_and_give_first_and_last_seen(store: Store) -> None:
    dims = {"to_bow_m": 80, "to_stern_m": 20, "to_port_m": 5, "to_starboard_m": 7}
    rows = [
        _static(1, 1, 111, 24, part_number=0, shipname="ALPHA"),
        _static(2, 2, 111, 24, part_number=1, callsign="CALL1", ship_type=70, **dims),
        _static(3, 3, 111, 24, part_number=0, shipname="ALPHA"),
        _static(4, 5, 111, 24, part_number=0, shipname="BRAVO"),  # renamed
        _static(5, 6, 111, 24, part_number=1, callsign="CALL1", ship_type=70, **dims),
        _static(6, None, 111, 24, part_number=0, shipname="BRAVO"),  # untimed
        _static(7, 4, 222, 5, imo=9179842, shipname="ANGARA", callsign="UBCT4", ship_type=71),
    ]
    statics = conform(pl.DataFrame(rows), STATICS)
    store.ingest(FakeReader.of(SID_A, {"statics": statics}))
    got = store.identities()
    assert got.schema == pl.Schema(IDENTITIES)
    at = datetime(2024, 10, 1, tzinfo=UTC).replace
    summary = got.select(
        "mmsi",
        "shipname",
        "callsign",
        "ship_type",
        "to_bow_m",
        "imo",
        "first_seen",
        "last_seen",
        "messages",
        "first_line",
        "last_line",
    ).rows()
    assert summary == [
        (111, "ALPHA", "CALL1", 70, 80, None, at(hour=1), at(hour=3), 3, 1, 3),
        (111, "BRAVO", "CALL1", 70, 80, None, at(hour=5), at(hour=6), 3, 4, 5),
        (222, "ANGARA", "UBCT4", 71, None, 9179842, at(hour=4), at(hour=4), 1, 7, 7),
    ]
    assert store.identities(mmsi=222).height == 1


def test_summary_counts_rows_sources_vessels_time_and_accounting(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    store.ingest(FakeReader.synthetic(SID_B, batches=2, lines=70))
    want_a, want_b = expected(SID_A, 3, 100), expected(SID_B, 2, 70)
    summary = store.summary()
    assert summary["root"] == str(store.root)
    assert summary["sources"] == 2
    assert summary["rows"] == {t: want_a[t].height + want_b[t].height for t in TABLES}
    positions = pl.concat([want_a["positions"], want_b["positions"]])
    assert summary["vessels"] == positions.get_column("mmsi").n_unique()
    assert summary["first_timestamp"] == positions.get_column("timestamp").min()
    assert summary["last_timestamp"] == positions.get_column("timestamp").max()
    totals = summary["accounting"]
    assert totals["records"] == 300 + 140
    assert totals["records"] == sum(
        totals[k] for k in ("decoded", "rejected", "pending", "non_ais", "ignored")
    )
    assert totals["rows_by_table"]["positions"] == positions.height


def test_sql_sees_every_table_and_the_sources(store: Store) -> None:
    store.ingest(FakeReader.synthetic(SID_A))
    counts = store.sql(
        "SELECT (SELECT count(*) FROM positions) AS p, (SELECT count(*) FROM rejects) AS r, "
        "(SELECT count(*) FROM sources) AS s"
    ).row(0)
    want = expected(SID_A, 3, 100)
    assert counts == (want["positions"].height, want["rejects"].height, 1)
    by_vessel = store.sql(
        "SELECT mmsi, count(*) AS n, min(timestamp) AS first FROM positions "
        "GROUP BY mmsi ORDER BY mmsi"
    )
    assert by_vessel.schema["first"] == pl.Datetime("us", "UTC")
    assert by_vessel.get_column("n").sum() == want["positions"].height
    with pytest.raises(ConfigError, match=r"SQL query .* failed"):
        store.sql("SELECT nope FROM positions")


def test_to_geopandas_names_the_extra_when_geopandas_is_absent(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "geopandas", None)
    with pytest.raises(DarkfleetError, match=r"pip install 'darkfleet\[geo\]'"):
        to_geopandas(store.positions())


def test_to_geopandas_makes_points_where_geopandas_is_installed(store: Store) -> None:
    pytest.importorskip("geopandas")
    store.ingest(FakeReader.synthetic(SID_A))
    frame = store.positions()
    gdf = to_geopandas(frame)
    assert len(gdf) == frame.height
    assert gdf.crs.to_epsg() == 4326


def test_public_api() -> None:
    assert {"open_store", "Store", "IngestResult", "to_geopandas"} <= set(store_module.__all__)
    for name in store_module.__all__:
        assert getattr(store_module, name) is not None
