"""Input accounting: every record read ends up somewhere, and the counts add up.

A *record* is one line of input, except that a line carrying several tag-block-framed NMEA
sentences counts one record per sentence. Every record ends in exactly one bucket:

``decoded``
    became (part of) a row of a data table: a decoded AIS message, or a tabular row.
``rejected``
    kept in the ``rejects`` table with a reason (bad checksum, malformed, orphan fragment, ...).
``pending``
    a multipart fragment still waiting for its other parts when the input ended; kept in the
    ``rejects`` table with reason ``pending_fragment`` but counted here, not as rejected.
``non_ais``
    a well-formed line that carries no AIS message: ``$PGHP`` time headers, stand-alone tag
    blocks, other NMEA 0183 sentences (``$GPRMC``, ``$BSALR`` ...). Counted by kind.
``ignored``
    blank lines and ``#`` comments, and a tabular file's header line.

:meth:`Accounting.check` verifies ``records == decoded + rejected + pending + non_ais + ignored``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .errors import DarkfleetError

__all__ = ["Accounting"]


@dataclass
class Accounting:
    """Counts for one input source. Mutable while a reader fills it; check it at the end."""

    source_id: str
    path: str
    format: str
    lines_read: int = 0
    records: int = 0
    decoded: int = 0
    pending: int = 0
    ignored: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    non_ais_by_kind: Counter[str] = field(default_factory=Counter)
    rows_by_table: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())

    @property
    def non_ais(self) -> int:
        return sum(self.non_ais_by_kind.values())

    def merge(self, other: Accounting) -> None:
        """Add ``other``'s counts (of the same source) to this one."""
        self.lines_read += other.lines_read
        self.records += other.records
        self.decoded += other.decoded
        self.pending += other.pending
        self.ignored += other.ignored
        self.rejected_by_reason.update(other.rejected_by_reason)
        self.non_ais_by_kind.update(other.non_ais_by_kind)
        self.rows_by_table.update(other.rows_by_table)

    def check(self) -> None:
        """Raise if the buckets do not add up to the records read (a darkfleet bug)."""
        total = self.decoded + self.rejected + self.pending + self.non_ais + self.ignored
        if total != self.records:
            raise DarkfleetError(
                f"accounting does not add up for {self.path}: {self.records} records read but "
                f"{self.decoded} decoded + {self.rejected} rejected + {self.pending} pending + "
                f"{self.non_ais} non-AIS + {self.ignored} ignored = {total}. This is a darkfleet "
                "bug: please report it with the input file."
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (sorted keys, deterministic)."""
        return {
            "source_id": self.source_id,
            "path": self.path,
            "format": self.format,
            "lines_read": self.lines_read,
            "records": self.records,
            "decoded": self.decoded,
            "rejected": self.rejected,
            "pending": self.pending,
            "non_ais": self.non_ais,
            "ignored": self.ignored,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "non_ais_by_kind": dict(sorted(self.non_ais_by_kind.items())),
            "rows_by_table": dict(sorted(self.rows_by_table.items())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Accounting:
        return cls(
            source_id=data["source_id"],
            path=data["path"],
            format=data["format"],
            lines_read=data["lines_read"],
            records=data["records"],
            decoded=data["decoded"],
            pending=data["pending"],
            ignored=data["ignored"],
            rejected_by_reason=Counter(data["rejected_by_reason"]),
            non_ais_by_kind=Counter(data["non_ais_by_kind"]),
            rows_by_table=Counter(data["rows_by_table"]),
        )
