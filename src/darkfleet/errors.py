"""One exception tree for darkfleet.

Every error darkfleet raises is a :class:`DarkfleetError`. Messages name the offending file,
line and value and say what to do. Bad *data* (an unparseable NMEA line, a CSV row with a
latitude of 300) is never raised: it is kept as a reject with a reason and counted. Errors are
for problems the caller must fix: a file that does not exist, a CSV with none of the expected
columns, a store directory that is not a store.

Tree::

    DarkfleetError
    ├── InputError            an input file cannot be used at all
    │   ├── SchemaError       a table's header lacks required columns / has wrong types
    │   └── FormatError       a file is not in the format it claims (unknown layout)
    ├── StoreError            the on-disk store is missing, locked or inconsistent
    └── ConfigError           a parameter or configuration value is invalid
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DarkfleetError",
    "FormatError",
    "InputError",
    "SchemaError",
    "StoreError",
]


class DarkfleetError(Exception):
    """Root of every error darkfleet raises."""


class InputError(DarkfleetError):
    """An input file cannot be used at all (missing, unreadable, wrong format)."""


class SchemaError(InputError):
    """A tabular input lacks required columns or a column has an unusable type."""


class FormatError(InputError):
    """A file is not in the format it was expected to be in."""


class StoreError(DarkfleetError):
    """The on-disk store is missing, locked by another writer, or inconsistent."""


class ConfigError(DarkfleetError):
    """A parameter or configuration value is invalid."""
