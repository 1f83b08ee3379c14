"""Fixtures of the sanctions-list tests: paths of the small list files in tests/data/sanctions."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest


@pytest.fixture(scope="session")
def lists_dir(test_data: Path) -> Path:
    return test_data / "sanctions"


def entry(frame: pl.DataFrame, entry_id: str) -> dict:
    """The one row of ``frame`` with ``entry_id``, as a dict (fails unless exactly one)."""
    rows = frame.filter(pl.col("entry_id") == entry_id).to_dicts()
    assert len(rows) == 1, f"{len(rows)} rows with entry_id {entry_id!r}"
    return rows[0]
