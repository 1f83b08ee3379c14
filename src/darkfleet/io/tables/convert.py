"""Vectorised value converters: source column (text or typed) → canonical value + a bad flag.

Every converter returns a :class:`Converted`: the value expression (null where the input is
absent or unusable) and a boolean expression that is true where the input held something that
could not be converted (those rows become rejects). Nothing here runs Python per row.

Rules, the same for every format:

* text is stripped of surrounding spaces and of AIS ``@`` padding; an empty result is null;
* numbers may be written ``12``, ``12.0``, ``1.2e1``; ``None``, ``NULL``, ``NaN``, ``NA``,
  ``N/A`` and the empty string mean "absent" (null, not an error); ``inf`` is an error;
* integer columns need a whole number that fits the canonical type (``95.0`` is fine,
  ``95.5`` and ``70000`` for an ``Int16`` are errors), except dimensions in metres
  (``*_m``: length, width, to bow/stern/port/starboard), which are rounded to the nearest
  whole metre as AIS carries them (``140.65`` → 141, ``22.5`` → 23);
* booleans are ``0``/``1``, ``true``/``false``;
* IMO numbers may carry an ``IMO`` prefix (NOAA writes ``IMO9179842``);
* naive timestamps are read in the reader's ``timezone`` and stored as UTC; a local time that
  does not exist or is ambiguous (DST change) is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import polars as pl

from ...errors import ConfigError
from ...schema import UTC

__all__ = [
    "BY_VALUE_KINDS",
    "NULL_TOKENS",
    "PROBLEMS",
    "Converted",
    "check_timezone",
    "convert",
    "first_of",
]

#: Text that means "absent" in a numeric column (any format).
NULL_TOKENS: tuple[str, ...] = ("", "None", "none", "NULL", "null", "NaN", "nan", "NA", "N/A")

_NAIVE = pl.Datetime("us")
_DMY = ("%d/%m/%Y %H:%M:%S%.f", "%d/%m/%Y %H:%M")
_SPIRE = ("%Y%m%d_%H%M%S",)

#: DMA navigational status phrases → AIS code, matched as lower-case regexes, first wins.
#: Keywords rather than whole phrases: DMA and its users spell some statuses several ways
#: ("manoeuvrability", "maneuverability").
NAV_STATUS_RULES: tuple[tuple[str, int], ...] = (
    (r"using engine", 0),
    (r"anchor", 1),
    (r"not under command", 2),
    (r"restricted", 3),
    (r"constrained", 4),
    (r"moored", 5),
    (r"aground", 6),
    (r"fishing", 7),
    (r"sailing", 8),
    (r"\bhsc\b|high.speed", 9),
    (r"\bwig\b|wing.in.ground", 10),
    (r"towing astern", 11),
    (r"pushing ahead|towing alongside", 12),
    (r"sart|search and rescue|man overboard|epirb", 14),
    (r"reserved", 13),
    (r"unknown|not defined|undefined|default", 15),
)

#: DMA ship type phrases → AIS ship type code (first digit class; the hazard digit is not in
#: the DMA export). Phrases known to mean "no code" map to null.
SHIP_TYPE_WORDS: dict[str, int | None] = {
    "wig": 20,
    "wing in ground": 20,
    "fishing": 30,
    "towing": 31,
    "towing long/wide": 32,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "hsc": 40,
    "high speed craft": 40,
    "pilot": 50,
    "sar": 51,
    "search and rescue": 51,
    "tug": 52,
    "port tender": 53,
    "anti-pollution": 54,
    "law enforcement": 55,
    "spare 1": 56,
    "spare 2": 57,
    "medical": 58,
    "not party to conflict": 59,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
    "other": 90,
    "reserved": None,
    "undefined": None,
    "unknown": None,
}

#: DMA "Type of position fixing device" phrases → AIS EPFD code (regex, first wins).
EPFD_RULES: tuple[tuple[str, int], ...] = (
    (r"combined", 3),
    (r"glonass", 2),
    (r"gps", 1),
    (r"loran", 4),
    (r"chayka", 5),
    (r"integrated", 6),
    (r"surveyed", 7),
    (r"galileo", 8),
    (r"internal", 15),
)


#: Kinds converted once per distinct source value, then mapped back (phrases: few values).
BY_VALUE_KINDS = frozenset({"nav_text", "ship_type_text", "epfd_text"})

#: What a bad value of each kind is not, for reject details.
PROBLEMS = {
    "int": "not a whole number that fits the column",
    "float": "not a number",
    "lat": "not a number",
    "lon": "not a number",
    "mmsi": "not an MMSI (a whole number from 1 to 999999999)",
    "bool": "not a flag (0/1, true/false)",
    "imo": "not an IMO number",
    "text": "not text",
    "ts_iso": "not a timestamp like 2023-01-11T00:00:00",
    "ts_auto": "not a timestamp (ISO 8601 like 2023-01-11T00:00:00[Z], or Unix seconds)",
    "ts_dmy": "not a timestamp like 31/12/2023 23:59:59 (day/month/year)",
    "ts_spire": "not a timestamp like 20210701_185151",
    "eta_dmy": "not an ETA like 31/12/2023 23:59:59 (day/month/year)",
    "nav_text": "not a known navigational status",
    "ship_type_text": "not a known ship type",
    "epfd_text": "not a known position fixing device",
}


@dataclass(frozen=True)
class Converted:
    """How to compute one canonical column from one source column.

    ``steps`` are helper columns (named ``~target~…``) computed stage by stage before
    ``value`` and ``bad`` (true where a present input could not be converted), so that no
    costly sub-expression is evaluated twice. With ``by_value`` the reader evaluates
    ``value``/``bad`` over the distinct source values only and maps them back.
    """

    value: pl.Expr
    bad: pl.Expr
    problem: str
    steps: tuple[tuple[pl.Expr, ...], ...] = ()
    by_value: bool = False


def check_timezone(timezone: str) -> str:
    """Return ``timezone`` if Polars knows it, else raise :class:`ConfigError`."""
    try:
        pl.Series([0], dtype=_NAIVE).dt.replace_time_zone(timezone)
    except Exception as err:  # polars raises ComputeError; wording varies by version
        raise ConfigError(
            f"timezone={timezone!r} is not a time zone name. Use an IANA name such as "
            '"UTC" or "Europe/Copenhagen".'
        ) from err
    return timezone


def _localise(e: pl.Expr, timezone: str) -> pl.Expr:
    if timezone == "UTC":
        return e.dt.replace_time_zone("UTC")
    local = e.dt.replace_time_zone(timezone, ambiguous="null", non_existent="null")
    return local.dt.convert_time_zone("UTC")


def _text(e: pl.Expr, nulls: tuple[str, ...]) -> pl.Expr:
    t = e.str.strip_chars().str.strip_chars_end("@ ")
    return pl.when(~(t.is_null() | t.is_in(list(nulls)))).then(t)


def first_of(cases: Sequence[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr | None = None) -> pl.Expr:
    """``when(c1).then(v1).when(c2).then(v2)…``: the value of the first true condition."""
    chain: Any = pl.when(cases[0][0]).then(cases[0][1])
    for cond, value in cases[1:]:
        chain = chain.when(cond).then(value)
    return cast(pl.Expr, chain if otherwise is None else chain.otherwise(otherwise))


def _rules(s: pl.Expr, rules: tuple[tuple[str, int], ...], target: pl.DataType) -> pl.Expr:
    low = s.str.to_lowercase()
    return first_of([(low.str.contains(p), pl.lit(code, target)) for p, code in rules])


def _phrase(
    kind: str, src: pl.Expr, target: pl.DataType, nulls: tuple[str, ...]
) -> tuple[pl.Expr, pl.Expr]:
    """DMA phrases (or plain codes) → AIS code; evaluated over distinct values only."""
    s = _text(src, nulls)
    f = s.cast(pl.Float64, strict=False)
    numeric = pl.when(f == f.round()).then(f).cast(target, strict=False)
    if kind == "ship_type_text":
        norm = s.str.to_lowercase().str.replace_all(r"\s+", " ")
        no_code = norm.is_in([k for k, v in SHIP_TYPE_WORDS.items() if v is None])
        words = {k: v for k, v in SHIP_TYPE_WORDS.items() if v is not None}
        value = pl.coalesce(
            [numeric, norm.replace_strict(words, default=None, return_dtype=target)]
        )
        return value, (s.is_not_null() & value.is_null() & ~no_code).fill_null(False)
    rules = NAV_STATUS_RULES if kind == "nav_text" else EPFD_RULES
    value = pl.coalesce([numeric, _rules(s, rules, target)])
    return value, (s.is_not_null() & value.is_null()).fill_null(False)


def _timestamp(
    kind: str,
    src: pl.Expr,
    dtype: pl.DataType,
    h: dict[str, str],
    timezone: str,
    nulls: tuple[str, ...],
) -> Converted:
    problem = PROBLEMS[kind]
    if isinstance(dtype, pl.Datetime):
        v = src.dt.cast_time_unit("us")
        v = _localise(v, timezone) if dtype.time_zone is None else v.dt.convert_time_zone("UTC")
        return Converted(v, pl.lit(False), problem)
    if dtype == pl.Date():
        return Converted(_localise(src.cast(_NAIVE), timezone), pl.lit(False), problem)
    if dtype != pl.String():  # numbers: Unix epoch seconds (mapped sources only)
        f = src.cast(pl.Float64, strict=False)
        us = pl.when(f.is_finite()).then(f * 1_000_000).round().cast(pl.Int64, strict=False)
        value = us.cast(_NAIVE).dt.replace_time_zone("UTC")
        return Converted(value, (src.is_not_null() & value.is_null()).fill_null(False), problem)
    S, V = pl.col(h["s"]), pl.col(h["v"])
    s = src.str.strip_chars()
    if kind in ("ts_iso", "ts_auto"):
        s = s.str.replace("T", " ", literal=True)
        naive = [S.str.strptime(_NAIVE, "%Y-%m-%d %H:%M:%S%.f", strict=False)]
        aware = [S.str.strptime(UTC, "%Y-%m-%d %H:%M:%S%.f%#z", strict=False)]
        if kind == "ts_auto":
            naive.append(S.str.strptime(_NAIVE, "%Y-%m-%d %H:%M", strict=False))
            f = S.cast(pl.Float64, strict=False)
            us = pl.when(f.is_finite()).then(f * 1_000_000).round().cast(pl.Int64, strict=False)
            aware.append(us.cast(_NAIVE).dt.replace_time_zone("UTC"))
    elif kind == "ts_dmy":
        naive = [S.str.strptime(_NAIVE, f, strict=False) for f in _DMY]
        aware = []
    else:
        naive = [S.str.strptime(_NAIVE, f, strict=False) for f in _SPIRE]
        aware = []
    local = _localise(naive[0] if len(naive) == 1 else pl.coalesce(naive), timezone)
    value = (
        pl.coalesce([local, *[a.dt.convert_time_zone("UTC") for a in aware]]) if aware else local
    )
    steps = ((s.alias(h["s"]),), (value.alias(h["v"]),))
    absent = S.is_null() | S.is_in(list(nulls))
    return Converted(V, (~absent & V.is_null()).fill_null(False), problem, steps)


def convert(
    kind: str,
    column: str,
    dtype: pl.DataType,
    target: pl.DataType,
    *,
    name: str,
    null_words: frozenset[str] = frozenset(),
    divisor: float | None = None,
    timezone: str = "UTC",
) -> Converted:
    """How to convert source ``column`` (of ``dtype``) by ``kind`` to canonical ``target``.

    ``name`` (the target's name) prefixes the helper columns.
    """
    nulls = tuple(sorted(set(NULL_TOKENS) | null_words))
    text_nulls = tuple(sorted({""} | null_words))
    problem = PROBLEMS[kind]
    h = {k: f"~{name}~{k}" for k in ("s", "x", "a", "v")}
    src = pl.col(column)
    typed = dtype in (pl.String(), pl.Boolean()) or dtype.is_numeric()
    if not typed and not isinstance(dtype, pl.Datetime | pl.Date):
        src, dtype = src.cast(pl.String, strict=False), pl.String()
    if kind.startswith("ts_"):
        return _timestamp(kind, src, dtype, h, timezone, nulls)
    if dtype != pl.String() and kind in ("text", "eta_dmy", *BY_VALUE_KINDS):
        src, dtype = src.cast(pl.String, strict=False), pl.String()
    steps: tuple[tuple[pl.Expr, ...], ...]
    if kind == "text":
        return Converted(_text(src, text_nulls).cast(target), pl.lit(False), problem)
    if kind == "eta_dmy":
        S, V = pl.col(h["s"]), pl.col(h["v"])
        value = pl.coalesce([S.str.strptime(_NAIVE, f, strict=False) for f in _DMY])
        stages = ((_text(src, text_nulls).alias(h["s"]),), (value.alias(h["v"]),))
        return Converted(V, (S.is_not_null() & V.is_null()).fill_null(False), problem, stages)
    if kind in BY_VALUE_KINDS:
        value, bad = _phrase(kind, src, target, nulls)
        return Converted(value, bad, problem, by_value=True)
    if kind == "bool":
        if dtype == pl.Boolean():
            return Converted(src, pl.lit(False), problem)
        if dtype == pl.String():
            low = src.str.strip_chars().str.to_lowercase()
            absent = low.is_null() | low.is_in([t.lower() for t in nulls])
            is_true = low.is_in(["1", "1.0", "true", "t", "yes", "y"])
            is_false = low.is_in(["0", "0.0", "false", "f", "no", "n"])
        else:
            num = src.cast(pl.Float64, strict=False)
            absent, is_true, is_false = src.is_null(), num == 1, num == 0
        value = pl.when(is_true).then(True).when(is_false).then(False)
        return Converted(value, (~absent & value.is_null()).fill_null(False), problem)
    # numbers
    X, A = pl.col(h["x"]), pl.col(h["a"])
    if dtype == pl.String():
        S = pl.col(h["s"])
        digits = (
            S.str.to_uppercase().str.strip_prefix("IMO").str.strip_chars() if kind == "imo" else S
        )
        steps = (
            (src.str.strip_chars().alias(h["s"]),),
            (
                digits.cast(pl.Float64, strict=False).alias(h["x"]),
                (S.is_null() | S.is_in(list(nulls))).alias(h["a"]),
            ),
        )
    else:
        steps = ((src.cast(pl.Float64, strict=False).alias(h["x"]), src.is_null().alias(h["a"])),)
    absent = A | X.is_nan().fill_null(False)
    finite = X.is_finite().fill_null(False)
    if target.is_integer():
        if name.endswith("_m"):
            # ship dimensions in metres: sources write 140.64999; AIS carries whole metres
            whole = (
                pl.when(finite)
                .then(X.round(0, mode="half_away_from_zero"))
                .cast(target, strict=False)
            )
        else:
            whole = pl.when(finite & (X.round() == X)).then(X).cast(target, strict=False)
        V = pl.col(h["v"])
        steps = (*steps, (whole.alias(h["v"]),))
        return Converted(V, (~absent & V.is_null()).fill_null(False), problem, steps)
    x = X if divisor is None else X / divisor
    return Converted(pl.when(finite).then(x).cast(target), ~absent & ~finite, problem, steps)
