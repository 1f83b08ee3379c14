"""Cross-vessel analytics (encounters, port activity): partitioned by space-time buckets."""

from __future__ import annotations

__all__: list[str] = []
