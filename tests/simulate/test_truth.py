"""Truth consistency: the truth tables agree with the reports the receivers got."""

from __future__ import annotations

import numpy as np
import polars as pl

from darkfleet.geo import distance_from_shore_km, haversine_m
from darkfleet.schema import POSITIONS, STATICS, UTC
from darkfleet.simulate import TRUTH_TABLES, Simulation
from darkfleet.simulate.geography import port_table


def test_frames_have_canonical_columns_and_utc_times(small_sim: Simulation) -> None:
    pos, st = small_sim.positions, small_sim.statics
    assert list(pos.columns) == [*POSITIONS, "receiver", "vessel_id"]
    assert list(st.columns) == [*STATICS, "receiver", "vessel_id"]
    assert pos.schema["timestamp"] == UTC
    sc = small_sim.scenario
    assert pos["timestamp"].min() >= sc.start and pos["timestamp"].max() < sc.end
    assert (pos["timestamp"].dt.microsecond() == 0).all()  # whole seconds
    assert pos["timestamp"].is_sorted()
    assert set(pos["msg_type"].unique()) <= {1, 3, 18}
    assert set(st["msg_type"].unique()) <= {5, 24}
    for name, schema in TRUTH_TABLES.items():
        assert dict(small_sim.truth[name].schema) == schema, name


def test_every_story_element_is_present(small_sim: Simulation) -> None:
    t = small_sim.truth
    roles = set(t["vessels"]["role"])
    assert {"shuttle", "sts", "loiterer", "shared_mmsi"} <= roles
    kinds = set(t["gaps_intentional"]["kind"])
    assert "dark_transit" in kinds
    assert (
        t["encounters"].height == 2
        and t["loitering"].filter(pl.col("cause") == "loitering").height == 2
    )
    assert t["shared_mmsi"].height == 1 and t["identity_changes"].height == 1
    assert t["gaps_reception"].height > 0  # the reception model leaves gaps
    assert set(t["draught_changes"]["signal"]) >= {"loaded", "unloaded"}
    najin = t["surge"].filter(pl.col("port_id") == "WPI-60510").row(0, named=True)
    assert najin["after_per_day"] > 2 * najin["before_per_day"]


def test_port_calls_lie_within_the_port_radius(small_sim: Simulation) -> None:
    ports = port_table()
    pos = small_sim.positions
    calls = small_sim.truth["port_calls"].filter(~pl.col("dark"))
    checked = 0
    for c in calls.iter_rows(named=True):
        inside = pos.filter(
            (pl.col("vessel_id") == c["vessel_id"])
            & pl.col("timestamp").is_between(c["arrival"], c["departure"])
        )
        p = ports[c["port_id"]]
        d = haversine_m(inside["lon"].to_numpy(), inside["lat"].to_numpy(), p.lon, p.lat)
        assert (d <= small_sim.scenario.port_radius_m).all(), c
        assert (inside["sog_kn"] < 0.5).all()
        assert set(inside["nav_status"].drop_nulls()) <= {5}
        checked += inside.height
    assert checked > 100


def test_no_reports_while_ais_is_off(small_sim: Simulation) -> None:
    pos = small_sim.positions
    gaps = small_sim.truth["gaps_intentional"]
    assert gaps.height > 0
    for g in gaps.iter_rows(named=True):
        inside = pos.filter(
            (pl.col("vessel_id") == g["vessel_id"])
            & (pl.col("timestamp") > g["start_time"])
            & (pl.col("timestamp") < g["end_time"])
        )
        assert inside.height == 0, g
        if g["observed_start"] is not None:
            assert g["observed_start"] <= g["start_time"] <= g["end_time"] <= g["observed_end"]
    st = small_sim.statics
    for g in gaps.iter_rows(named=True):
        assert st.filter(
            (pl.col("vessel_id") == g["vessel_id"])
            & pl.col("timestamp").is_between(g["start_time"], g["end_time"], closed="none")
        ).is_empty()


def test_dark_calls_are_hidden_and_listed(small_sim: Simulation) -> None:
    t = small_sim.truth
    hidden = t["gaps_intentional"].filter(pl.col("hidden_port_id").is_not_null())
    dark = t["port_calls"].filter(pl.col("dark"))
    assert hidden.height == dark.height
    if dark.height:
        assert set(dark["port_id"]) == {"WPI-60510"}


def test_reception_gaps_are_not_switch_offs(small_sim: Simulation) -> None:
    t = small_sim.truth
    rec, off = t["gaps_reception"], t["gaps_intentional"]
    both = rec.join(off, on="vessel_id", suffix="_off").filter(
        (pl.col("start_time") < pl.col("end_time_off"))
        & (pl.col("end_time") > pl.col("start_time_off"))
    )
    assert both.is_empty()
    assert (rec["duration_h"] >= small_sim.scenario.truth_min_gap_h).all()
    assert set(rec["cause"]) <= {"reception", "out_of_area"}


def test_encounters_are_close_slow_and_offshore(small_sim: Simulation) -> None:
    pos = small_sim.positions
    for e in small_sim.truth["encounters"].iter_rows(named=True):
        win = pos.filter(pl.col("timestamp").is_between(e["start_time"], e["end_time"]))
        a = win.filter(pl.col("vessel_id") == e["vessel_id"]).sort("timestamp")
        b = win.filter(pl.col("vessel_id") == e["other_vessel_id"]).sort("timestamp")
        assert a.height >= 3 and b.height >= 3, e
        near = a.join_asof(
            b, on="timestamp", strategy="nearest", tolerance="5m", suffix="_b"
        ).drop_nulls("lon_b")
        d = haversine_m(near["lon"], near["lat"], near["lon_b"], near["lat_b"])
        assert near.height > 0 and np.median(d) < 400
        assert a["sog_kn"].median() < 1.0 and b["sog_kn"].median() < 1.0
        assert distance_from_shore_km(np.array([e["lon"]]), np.array([e["lat"]]))[0] > 20


def test_loitering_is_slow_and_far_offshore(small_sim: Simulation) -> None:
    pos = small_sim.positions
    for lo in (
        small_sim.truth["loitering"].filter(pl.col("cause") == "loitering").iter_rows(named=True)
    ):
        win = pos.filter(
            (pl.col("vessel_id") == lo["vessel_id"])
            & pl.col("timestamp").is_between(lo["start_time"], lo["end_time"])
        )
        assert win.height >= 3
        assert win["sog_kn"].quantile(0.9) < 2.0
        shore = distance_from_shore_km(win["lon"].to_numpy(), win["lat"].to_numpy())
        assert shore.min() > 37.0  # 20 nm


def test_shared_mmsi_is_two_ships_far_apart(small_sim: Simulation) -> None:
    sh = small_sim.truth["shared_mmsi"].row(0, named=True)
    assert len(set(sh["vessel_ids"])) == 2 and len(set(sh["imos"])) == 2
    pos = small_sim.truth["shared_mmsi_positions"]
    assert set(pos["vessel_id"]) == set(sh["vessel_ids"])
    a = pos.filter(pl.col("vessel_id") == sh["vessel_ids"][0]).sort("timestamp")
    b = pos.filter(pl.col("vessel_id") == sh["vessel_ids"][1]).sort("timestamp")
    near = a.join_asof(
        b, on="timestamp", strategy="nearest", tolerance="10m", suffix="_b"
    ).drop_nulls("lon_b")
    d = haversine_m(near["lon"], near["lat"], near["lon_b"], near["lat_b"])
    assert np.median(d) > 200_000  # same MMSI, same time, hundreds of km apart


def test_rename_changes_mmsi_name_and_flag_but_not_imo(small_sim: Simulation) -> None:
    ch = small_sim.truth["identity_changes"].row(0, named=True)
    assert ch["old_mmsi"] != ch["new_mmsi"] and ch["old_shipname"] != ch["new_shipname"]
    assert str(ch["new_mmsi"]).startswith("613") and ch["new_flag"] == "CM"
    pos = small_sim.positions.filter(pl.col("vessel_id") == ch["vessel_id"])
    assert set(pos.filter(pl.col("timestamp") < ch["time"])["mmsi"]) == {ch["old_mmsi"]}
    assert set(pos.filter(pl.col("timestamp") >= ch["time"])["mmsi"]) == {ch["new_mmsi"]}
    st = small_sim.statics.filter(pl.col("vessel_id") == ch["vessel_id"])
    assert set(st["imo"]) == {ch["imo"]}
    assert ch["new_shipname"] in set(st["shipname"])


def test_sanctioned_ship_calls_at_najin_with_ais_on(small_sim: Simulation) -> None:
    sc = small_sim.scenario
    v = small_sim.truth["vessels"].filter(pl.col("imo") == sc.sanctioned_imo)
    assert v.height == 1 and v["shipname"][0] == sc.sanctioned_name
    calls = small_sim.truth["port_calls"].filter(
        (pl.col("vessel_id") == v["vessel_id"][0])
        & (pl.col("port_id") == sc.shuttle_port)
        & ~pl.col("dark")
    )
    assert calls.height >= 1
    assert (
        small_sim.statics.filter(pl.col("imo") == sc.sanctioned_imo)["shipname"] == "ANGARA"
    ).all()


def test_draught_changes_show_in_static_reports(small_sim: Simulation) -> None:
    st = small_sim.statics.filter(pl.col("msg_type") == 5)
    changes = small_sim.truth["draught_changes"].filter(
        ~pl.col("dark") & (pl.col("signal") != "unchanged")
    )
    assert changes.height > 0
    for c in changes.iter_rows(named=True):
        mine = st.filter(pl.col("vessel_id") == c["vessel_id"]).sort("timestamp")
        before = mine.filter(pl.col("timestamp") <= c["arrival"]).tail(1)
        after = mine.filter(pl.col("timestamp") >= c["departure"]).head(1)
        if before.height:
            assert before["draught_m"][0] == c["draught_before_m"]
        if after.height and after["timestamp"][0] < c["departure"] + (
            c["departure"] - c["arrival"]
        ):
            assert after["draught_m"][0] == c["draught_after_m"]


def test_statics_around_every_visible_call(small_sim: Simulation) -> None:
    st = small_sim.statics
    calls = small_sim.truth["port_calls"].filter(
        ~pl.col("dark") & ~pl.col("open_start") & ~pl.col("open_end")
    )
    n_with = 0
    for c in calls.iter_rows(named=True):
        near = st.filter(
            (pl.col("vessel_id") == c["vessel_id"])
            & pl.col("timestamp").is_between(c["arrival"], c["departure"])
        )
        n_with += near.height > 0
    assert n_with >= 0.9 * calls.height
