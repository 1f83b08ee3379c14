"""Filters shared by the store's accessors: time bounds, MMSI and string lists, sort orders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from ..errors import ConfigError
from ..schema import TABLES

__all__ = ["ORDER", "TimeBound", "ints", "sql_string", "strings", "table_schema", "utc"]

#: A time bound: an aware datetime, a naive one (taken as UTC), a date (midnight UTC) or an
#: ISO 8601 string of either.
TimeBound = datetime | date | str | None

AIS_ORDER = ["mmsi", "timestamp", "source_id", "line"]
ORDER: dict[str, list[str]] = {
    **{table: AIS_ORDER for table in TABLES},
    "rejects": ["source_id", "line", "offset_bytes"],
}


def utc(value: TimeBound, name: str) -> datetime | None:
    """``value`` as an aware UTC datetime (naive datetimes are taken as UTC, dates as midnight
    UTC); ``name`` is the argument's name, for the error message."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as err:
            raise ConfigError(
                f"{name}={value!r} is not an ISO 8601 date or time; write e.g. "
                "'2024-10-01' or '2024-10-01T12:00:00Z'."
            ) from err
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise ConfigError(f"{name} must be a datetime, a date or an ISO string, not {value!r}.")


def ints(value: int | Sequence[int] | None, name: str) -> list[int] | None:
    """``None``, one integer or a sequence of them → ``None`` or a new list."""
    if value is None:
        return None
    items = [value] if isinstance(value, int | np.integer) else list(value)
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in items):
        raise ConfigError(f"{name} must be an integer or a sequence of them, not {value!r}.")
    return [int(v) for v in items]


def strings(value: str | Sequence[str] | None, name: str) -> list[str] | None:
    """``None``, one string or a sequence of them → ``None`` or a new list."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) for v in items):
        raise ConfigError(f"{name} must be a string or a sequence of them, not {value!r}.")
    return items


def table_schema(table: str) -> dict[str, pl.DataType]:
    try:
        return TABLES[table]
    except KeyError as err:
        raise ConfigError(f"no table {table!r} in a store; tables: {list(TABLES)}.") from err


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
