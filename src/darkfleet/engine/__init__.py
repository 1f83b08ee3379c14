"""Engines that run the kernels: :mod:`.local` (this machine) and the shared configuration."""

from __future__ import annotations

from .config import SECTIONS, AnalysisConfig, RunParams, load_config, parse_override
from .local import EVENT_TABLES, AnalysisResult, analyze, analyze_frames, resolve_ports

__all__ = [
    "EVENT_TABLES",
    "SECTIONS",
    "AnalysisConfig",
    "AnalysisResult",
    "RunParams",
    "analyze",
    "analyze_frames",
    "load_config",
    "parse_override",
    "resolve_ports",
]
