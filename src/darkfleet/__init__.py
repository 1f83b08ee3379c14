"""darkfleet: maritime intelligence from AIS, satellite detections and sanctions lists.

The public API (each name is documented where it is defined):

* reading inputs: :func:`read_nmea`, :func:`scan_nmea`, :func:`decode_nmea` (NMEA AIS),
  :func:`read_table`, :func:`scan_table` (NOAA, DMA, Spire, mapped CSV/Parquet),
  :func:`scan_source` (sniffs the format);
* the store: :func:`open_store`, :class:`Store`, :func:`ingest`;
* track analytics: :func:`analyze` (every event type into the store), :class:`AnalysisConfig`
  and :func:`load_config` (parameters), :func:`load_ports` and :class:`PortIndex` (the
  packaged World Port Index or your own ports), :func:`export_events` (GeoParquet,
  GeoPackage, GeoJSON, CSV); the kernels themselves are in :mod:`darkfleet.tracks` and
  :mod:`darkfleet.fleet`;
* accounting and errors: :class:`Accounting`, :class:`DarkfleetError` and its subclasses.
"""

from __future__ import annotations

from .accounting import Accounting
from .engine import AnalysisConfig, analyze, load_config
from .errors import ConfigError, DarkfleetError, FormatError, InputError, SchemaError, StoreError
from .export import export_events
from .ingest import IngestReport, ingest, scan_source
from .io.nmea import decode_nmea, read_nmea, scan_nmea
from .io.tables import read_table, scan_table
from .ports import PortIndex, load_ports
from .store import IngestResult, Store, open_store

__version__ = "0.1.0"

__all__ = [
    "Accounting",
    "AnalysisConfig",
    "ConfigError",
    "DarkfleetError",
    "FormatError",
    "IngestReport",
    "IngestResult",
    "InputError",
    "PortIndex",
    "SchemaError",
    "Store",
    "StoreError",
    "__version__",
    "analyze",
    "decode_nmea",
    "export_events",
    "ingest",
    "load_config",
    "load_ports",
    "open_store",
    "read_nmea",
    "read_table",
    "scan_nmea",
    "scan_source",
    "scan_table",
]
