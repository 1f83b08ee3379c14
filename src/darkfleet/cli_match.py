"""CLI commands registered on :data:`darkfleet.cli.app` (filled in by the feature's owner)."""

from __future__ import annotations

__all__: list[str] = []
