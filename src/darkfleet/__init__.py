"""darkfleet: maritime intelligence from AIS, satellite detections and sanctions lists.

The public API (each name is documented where it is defined):

* reading inputs: :func:`read_nmea`, :func:`scan_nmea`, :func:`decode_nmea` (NMEA AIS),
  :func:`read_table`, :func:`scan_table` (NOAA, DMA, Spire, mapped CSV/Parquet),
  :func:`scan_source` (sniffs the format);
* the store: :func:`open_store`, :class:`Store`, :func:`ingest`;
* accounting and errors: :class:`Accounting`, :class:`DarkfleetError` and its subclasses.
"""

from __future__ import annotations

from .accounting import Accounting
from .errors import ConfigError, DarkfleetError, FormatError, InputError, SchemaError, StoreError
from .ingest import IngestReport, ingest, scan_source
from .io.nmea import decode_nmea, read_nmea, scan_nmea
from .io.tables import read_table, scan_table
from .store import IngestResult, Store, open_store

__version__ = "0.1.0"

__all__ = [
    "Accounting",
    "ConfigError",
    "DarkfleetError",
    "FormatError",
    "IngestReport",
    "IngestResult",
    "InputError",
    "SchemaError",
    "Store",
    "StoreError",
    "__version__",
    "decode_nmea",
    "ingest",
    "open_store",
    "read_nmea",
    "read_table",
    "scan_nmea",
    "scan_source",
    "scan_table",
]
