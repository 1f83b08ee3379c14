"""NMEA 0183 AIS decoding: framing, multipart assembly and field extraction, column-wise."""

from __future__ import annotations

from .reader import REASONS, NmeaReader, decode_nmea, read_nmea, scan_nmea

__all__ = ["REASONS", "NmeaReader", "decode_nmea", "read_nmea", "scan_nmea"]
