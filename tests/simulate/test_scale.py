"""The scale knobs (decoys, report interval) and the vectorised report clock."""

from __future__ import annotations

import numpy as np
import polars as pl

from darkfleet.simulate import simulate
from darkfleet.simulate.sampling import interval_mask, report_times

from .conftest import small


def test_report_times_are_whole_seconds_in_range() -> None:
    rng = np.random.default_rng(1)
    start = np.array([0.0, 1000.0, 5000.0])
    end = np.array([36_000.0, 1000.0, 5600.0])
    v, t = report_times(rng, start, end, 120.0)
    assert set(v) == {0, 2}
    for k in (0, 2):
        tk = t[v == k]
        assert (tk >= start[k]).all() and (tk < end[k]).all()
        assert (np.diff(tk) >= 59).all() and (np.diff(tk) <= 181).all()
    assert (t == np.floor(t)).all()
    assert abs((v == 0).sum() - 36_000 / 120) < 40


def test_interval_mask() -> None:
    v = np.array([0, 0, 0, 1, 1], np.int64)
    t = np.array([5.0, 15.0, 25.0, 15.0, 31.0])
    m = interval_mask(v, t, np.array([0, 1]), np.array([10.0, 30.0]), np.array([20.0, 40.0]), 0.0)
    assert m.tolist() == [False, True, False, False, True]


def test_more_decoys_and_shorter_intervals_mean_more_reports() -> None:
    base = small(
        n_decoys=2,
        n_encounters=0,
        n_loiterings=0,
        shared_mmsi=False,
        n_shuttles=1,
        n_shuttles_before_surge=1,
    )
    a = simulate(base)
    b = simulate(base.replace(n_decoys=6))
    c = simulate(base.replace(report_interval_s=150.0))
    assert b.positions.height > a.positions.height
    assert b.truth["vessels"].height == a.truth["vessels"].height + 4
    ratio = c.positions.height / a.positions.height
    assert 1.5 < ratio < 2.3  # moored reports stay at moored_interval_s
    moving = pl.col("sog_kn") > 1
    assert 1.8 < c.positions.filter(moving).height / a.positions.filter(moving).height < 2.2
    assert c.truth["port_calls"].equals(a.truth["port_calls"])  # the plans do not change
