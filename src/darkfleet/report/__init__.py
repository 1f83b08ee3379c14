"""The HTML report: ``write_report(store, out_dir)`` → one self-contained ``index.html``.

Sections: summary, map (tracks, port visits, gaps, dark port calls, encounters, satellite
detections, findings; layer control), ranked findings with their evidence, port activity charts
with surges, round trips per port pair, vessel dossiers, vessel index, methods (Definitions and
the parameters used) and the input accounting. Exports beside it in ``exports/``. Every string
from the data is escaped (:mod:`darkfleet.report.html`); the page fetches nothing.
"""

from __future__ import annotations

from .build import EXPORT_FORMATS, ReportOptions, ReportResult, render, write_report
from .collect import FINDINGS_SCHEMA, ReportData, collect, empty_findings
from .tracks import TrackRule, decimate_tracks

__all__ = [
    "EXPORT_FORMATS",
    "FINDINGS_SCHEMA",
    "ReportData",
    "ReportOptions",
    "ReportResult",
    "TrackRule",
    "collect",
    "decimate_tracks",
    "empty_findings",
    "render",
    "write_report",
]
