"""What code a benchmark measured: git HEAD and a hash of uncommitted changes to ``src/``.

Shared by the benchmark scripts (run from this folder, which Python puts on ``sys.path``).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def code_state() -> dict[str, Any]:
    """The darkfleet code measured: git HEAD and a hash of the uncommitted changes to src/."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.strip()
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", "src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"git_head": None, "src_diff_sha256": None, "src_dirty": None}
    return {
        "git_head": head,
        "src_dirty": bool(diff),
        "src_diff_sha256": hashlib.sha256(diff).hexdigest()[:12] if diff else None,
    }
