"""From split source columns to canonical tables: conversion, rules, rejects, statics changes.

:func:`build_batch` takes one frame of source rows (``_line``, ``_raw``, ``_offset``, optional
``_nf`` and the source columns ``_f{i}``) and returns the batch of canonical tables plus the
per-row outcome counts for accounting. Everything is Polars expressions over whole columns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from ...schema import (
    AIDS_TO_NAVIGATION,
    BASE_STATIONS,
    OTHER_MESSAGES,
    POSITIONS,
    REJECTS,
    STATICS,
    UTC,
    conform,
    empty,
)
from .convert import PROBLEMS, Converted, convert, first_of
from .formats import TableFormat

__all__ = [
    "IDENTITY_COLUMNS",
    "REJECT_REASONS",
    "SENTINELS",
    "BatchPlan",
    "StaticsChanges",
    "build_batch",
]

#: Reject reasons, in the order they are tested (a row gets the first that applies).
REJECT_REASONS: dict[str, str] = {
    "malformed_csv": "quotes do not pair up: the line is not valid CSV (RFC 4180)",
    "wrong_field_count": "the line has more or fewer fields than the header",
    "bad_timestamp": "the time is missing or not a timestamp of the format",
    "bad_mmsi": "the MMSI is missing or not a whole number from 1 to 999999999",
    "bad_value": "a column holds a value that cannot be read (number, flag, IMO, phrase)",
    "bad_position": "latitude outside -90..90 or longitude outside -180..180 (not a sentinel)",
    "no_position": "a vessel row with neither a position nor any identity field",
}

#: AIS "not available" values that become null, by canonical column. Dimensions are nulled
#: only when all four are 0 (ITU-R M.1371: A=B=C=D=0 means "not available").
SENTINELS: dict[str, float] = {
    "lat": 91,
    "lon": 181,
    "sog_kn": 102.3,
    "cog_deg": 360,
    "heading_deg": 511,
    "draught_m": 0,
    "imo": 0,
    "utc_second": 60,
    "eta_month": 0,
    "eta_day": 0,
    "eta_hour": 24,
    "eta_minute": 60,
    "year": 0,
    "month": 0,
    "day": 0,
    "hour": 24,
    "minute": 60,
    "second": 60,
}

_DIMS = ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")

#: Statics columns compared to decide whether a row changes a vessel's identity.
IDENTITY_COLUMNS: tuple[str, ...] = tuple(
    c for c in STATICS if c not in ("source_id", "line", "timestamp", "repeat", "channel", "mmsi")
)
#: A vessel row carries identity when one of these is not null.
_IDENTITY_TRIGGER = (
    "imo",
    "callsign",
    "shipname",
    "ship_type",
    *_DIMS,
    "draught_m",
    "destination",
    "eta_month",
    "eta_day",
    "eta_hour",
    "eta_minute",
    "vendor_id",
    "mothership_mmsi",
)

_TYPES: dict[str, pl.DataType] = {
    **OTHER_MESSAGES,
    **AIDS_TO_NAVIGATION,
    **BASE_STATIONS,
    **STATICS,
    **POSITIONS,
    "_length_m": pl.Int16(),
    "_width_m": pl.Int16(),
    "_millisecond": pl.Int32(),
    "_mobile": pl.String(),
    "_eta": pl.Datetime("us"),
    "_name_ext": pl.String(),
}

_SPIRE_VESSEL = [1, 2, 3, 5, 18, 19, 24, 27]
_SPIRE_BASE = [4, 11]
_SPIRE_ATON = [21]


@dataclass(frozen=True)
class BatchPlan:
    """What :func:`build_batch` needs to know about the source, fixed for a whole file."""

    fmt: TableFormat
    #: target → (source column name in the frame, its original header name, its dtype)
    sources: Mapping[str, tuple[str, str, pl.DataType]]
    source_id: str
    timezone: str
    n_fields: int | None
    header_line: str | None


@dataclass
class Outcome:
    """Counts of one batch, for accounting."""

    rows: int = 0
    ignored: int = 0
    decoded: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


def _route(fmt: TableFormat) -> pl.Expr:
    if fmt.route == "dma_mobile":
        mobile = pl.col("_mobile").str.to_lowercase()
        return (
            pl.when(mobile == "base station")
            .then(pl.lit("base"))
            .when(mobile == "aton")
            .then(pl.lit("aton"))
            .when(mobile.str.contains("sar airborne|sar aircraft"))
            .then(pl.lit("other"))
            .otherwise(pl.lit("vessel"))
        )
    if fmt.route == "spire_msg":
        t = pl.col("msg_type")
        return (
            pl.when(t.is_in(_SPIRE_VESSEL))
            .then(pl.lit("vessel"))
            .when(t.is_in(_SPIRE_BASE))
            .then(pl.lit("base"))
            .when(t.is_in(_SPIRE_ATON))
            .then(pl.lit("aton"))
            .otherwise(pl.lit("other"))
        )
    return pl.lit("vessel")


def _quote(e: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit("'"), e.fill_null(""), pl.lit("'")])


def _convert(frame: pl.DataFrame, plan: BatchPlan) -> tuple[pl.DataFrame, list[str]]:
    """Add every target column and its ``_bad_`` flag; return the frame and targets."""
    convs: dict[str, Converted] = {}
    for f in plan.fmt.fields:
        if f.target not in plan.sources:
            continue
        col, _, dtype = plan.sources[f.target]
        convs[f.target] = convert(
            f.kind,
            col,
            dtype,
            _TYPES[f.target],
            name=f.target,
            null_words=plan.fmt.null_words,
            divisor=f.divisor,
            timezone=plan.timezone,
        )
    for stage in range(max((len(c.steps) for c in convs.values()), default=0)):
        frame = frame.with_columns(
            [e for c in convs.values() if len(c.steps) > stage for e in c.steps[stage]]
        )
    finals: list[pl.Expr] = []
    for target, c in convs.items():
        if c.by_value:
            col = plan.sources[target][0]
            distinct = frame.select(pl.col(col).unique().drop_nulls())
            table = distinct.select(pl.col(col), c.value.alias("v"), c.bad.alias("b"))
            keys = table[col]
            finals += [
                pl.col(col)
                .replace_strict(keys, table["v"], default=None, return_dtype=_TYPES[target])
                .alias(target),
                pl.col(col)
                .replace_strict(keys, table["b"], default=False, return_dtype=pl.Boolean)
                .fill_null(False)
                .alias(f"_bad_{target}"),
            ]
        else:
            finals += [c.value.alias(target), c.bad.alias(f"_bad_{target}")]
    frame = frame.with_columns(finals)
    return frame.drop([c for c in frame.columns if c.startswith("~")]), list(convs)


def _rules(w: pl.DataFrame, plan: BatchPlan, targets: list[str]) -> pl.DataFrame:
    """Sentinels, helper columns, routing, and each row's reject reason."""
    present = set(targets)
    fixes: list[pl.Expr] = []
    for name, value in SENTINELS.items():
        if name in present and name not in ("lat", "lon"):
            fixes.append(pl.when(pl.col(name) != value).then(pl.col(name)).alias(name))
    if "_millisecond" in present:
        ms = pl.col("_millisecond")
        fixes.append(
            (pl.col("timestamp") + pl.duration(milliseconds=ms.fill_null(0))).alias("timestamp")
        )
        fixes.append(
            (pl.col("_bad__millisecond") | ~ms.is_between(0, 999).fill_null(True)).alias(
                "_bad__millisecond"
            )
        )
    if "_eta" in present:
        eta = pl.col("_eta").dt
        fixes += [
            eta.month().cast(pl.Int8).alias("eta_month"),
            eta.day().cast(pl.Int8).alias("eta_day"),
            eta.hour().cast(pl.Int8).alias("eta_hour"),
            eta.minute().cast(pl.Int8).alias("eta_minute"),
        ]
    w = w.with_columns(fixes)
    # a mapping may leave out the position (statics-only tables): no position then
    w = w.with_columns([pl.lit(None, pl.Float64).alias(c) for c in ("lat", "lon") if c not in w])
    # position: a sentinel or an empty half makes the whole position "not available"
    lat, lon = pl.col("lat"), pl.col("lon")
    lat_ok = lat.is_not_null() & (lat != SENTINELS["lat"])
    lon_ok = lon.is_not_null() & (lon != SENTINELS["lon"])
    has_pos = lat_ok & lon_ok
    bad_pos = (lat_ok & ~lat.is_between(-90, 90)) | (lon_ok & ~lon.is_between(-180, 180))
    w = w.with_columns(
        _bad_pos=bad_pos.fill_null(False),
        lat=pl.when(has_pos & ~bad_pos).then(lat),
        lon=pl.when(has_pos & ~bad_pos).then(lon),
    )
    # dimensions: all four 0 = not available; overall length/width → ITU "no reference
    # point" convention A = C = 0, B = length, D = width
    dims_now = [d for d in _DIMS if d in present]
    if len(dims_now) == 4:
        all_zero = pl.all_horizontal([pl.col(d) == 0 for d in _DIMS]).fill_null(False)
        w = w.with_columns([pl.when(~all_zero).then(pl.col(d)).alias(d) for d in _DIMS])
    if "_length_m" in present or "_width_m" in present:
        no_split = (
            pl.all_horizontal([pl.col(d).is_null() for d in _DIMS]) if dims_now else pl.lit(True)
        )
        length = pl.col("_length_m") if "_length_m" in present else pl.lit(None, pl.Int16)
        width = pl.col("_width_m") if "_width_m" in present else pl.lit(None, pl.Int16)
        length = pl.when(length != 0).then(length)
        width = pl.when(width != 0).then(width)
        current = {d: (pl.col(d) if d in dims_now else pl.lit(None, pl.Int16)) for d in _DIMS}
        w = w.with_columns(
            to_bow_m=pl.when(no_split & length.is_not_null())
            .then(pl.lit(0, pl.Int16))
            .otherwise(current["to_bow_m"]),
            to_stern_m=pl.when(no_split).then(length).otherwise(current["to_stern_m"]),
            to_port_m=pl.when(no_split & width.is_not_null())
            .then(pl.lit(0, pl.Int16))
            .otherwise(current["to_port_m"]),
            to_starboard_m=pl.when(no_split).then(width).otherwise(current["to_starboard_m"]),
        )
    w = w.with_columns(_route=_route(plan.fmt))
    if plan.fmt.route == "dma_mobile":
        w = w.with_columns(msg_type=pl.when(pl.col("_route") == "other").then(pl.lit(9, pl.Int8)))
    if "_name_ext" in present and "name" in present:
        w = w.with_columns(name=pl.concat_str(["name", pl.col("_name_ext").fill_null("")]))
    if "year" in present:  # base station UTC clock (Spire), when every part is available
        parts = ["year", "month", "day", "hour", "minute", "utc_second"]
        text = pl.format("{}-{}-{} {}:{}:{}", *[pl.col(p) for p in parts])
        w = w.with_columns(
            second=pl.col("utc_second"),
            station_utc=text.str.strptime(
                pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False
            ).dt.replace_time_zone("UTC"),
        )
    # reasons
    trig = [c for c in _IDENTITY_TRIGGER if c in w.columns]
    has_id = pl.any_horizontal([pl.col(c).is_not_null() for c in trig]) if trig else pl.lit(False)
    value_bad = [
        pl.col(f"_bad_{t}") for t in targets if t not in ("timestamp", "mmsi", "_millisecond")
    ]
    mmsi = pl.col("mmsi")
    ts_bad = pl.col("_bad_timestamp") | pl.col("timestamp").is_null()
    if "_millisecond" in present:
        ts_bad = ts_bad | pl.col("_bad__millisecond")
    cases: list[tuple[pl.Expr, str]] = []
    if "_nf" in w.columns:
        cases += [
            (pl.col("_nf") == -1, "malformed_csv"),
            (pl.col("_nf") != plan.n_fields, "wrong_field_count"),
        ]
    cases += [
        (ts_bad, "bad_timestamp"),
        (pl.col("_bad_mmsi") | ~mmsi.is_between(1, 999_999_999).fill_null(False), "bad_mmsi"),
        (pl.any_horizontal(value_bad) if value_bad else pl.lit(False), "bad_value"),
        (pl.col("_bad_pos"), "bad_position"),
        ((pl.col("_route") == "vessel") & pl.col("lat").is_null() & ~has_id, "no_position"),
    ]
    reason = first_of([(cond, pl.lit(name)) for cond, name in cases])
    return w.with_columns(
        timestamp=pl.when(~ts_bad).then(pl.col("timestamp")),
        _reason=reason,
        _has_id=has_id,
        mmsi=pl.when(mmsi.is_between(1, 999_999_999)).then(mmsi),
    )


def _detail(rej: pl.DataFrame, plan: BatchPlan, targets: list[str]) -> pl.Expr:
    """Human detail for each reject: the column, its value and what is wrong."""
    reason = pl.col("_reason")

    def shown(t: str) -> pl.Expr:
        col, header, _ = plan.sources[t]
        return pl.concat_str([pl.lit(f"{header}="), _quote(pl.col(col).cast(pl.String))])

    def says(t: str, problem: str) -> pl.Expr:
        return pl.concat_str([shown(t), pl.lit(f": {problem}")])

    cases: list[tuple[pl.Expr, pl.Expr]] = [
        (reason == "malformed_csv", pl.lit(f"quotes do not pair up: {_QUOTING}")),
    ]
    if "_nf" in rej.columns:
        expected = f"expected {plan.n_fields} fields (as in the header), found {{}}"
        cases.append((reason == "wrong_field_count", pl.format(expected, "_nf")))
    ts_col, ts_header, _ = plan.sources["timestamp"]
    cases += [
        ((reason == "bad_timestamp") & pl.col(ts_col).is_null(), pl.lit(f"{ts_header} is empty")),
        (
            (reason == "bad_timestamp") & pl.col("_bad_timestamp"),
            says("timestamp", _kind_problem(plan, "timestamp")),
        ),
    ]
    if "_millisecond" in plan.sources:
        cases.append(
            (
                (reason == "bad_timestamp") & pl.col("_bad__millisecond"),
                says("_millisecond", "not a millisecond (0 to 999)"),
            )
        )
    # blank or a null word ("None", "NaN" …): present in the line but "not available"
    cases.append((reason == "bad_timestamp", says("timestamp", "empty or not available")))
    cases.append((reason == "bad_mmsi", says("mmsi", PROBLEMS["mmsi"])))
    for t in targets:
        if t not in ("timestamp", "_millisecond", "mmsi"):
            cases.append(
                ((reason == "bad_value") & pl.col(f"_bad_{t}"), says(t, _kind_problem(plan, t)))
            )
    if "lat" in plan.sources and "lon" in plan.sources:
        where = pl.concat_str([shown("lat"), pl.lit(" "), shown("lon")])
        cases.append((reason == "bad_position", pl.concat_str([where, pl.lit(f": {_OUTSIDE}")])))
    no_position = "no position (empty or not available) and no identity field"
    if "lat" in plan.sources and "lon" in plan.sources:
        where = pl.concat_str([shown("lat"), pl.lit(" "), shown("lon")])
        no_pos_detail = pl.concat_str([where, pl.lit(f": {no_position}")])
    else:
        no_pos_detail = pl.lit(no_position)
    cases.append((reason == "no_position", no_pos_detail))
    return first_of(cases, otherwise=reason)


def _kind_problem(plan: BatchPlan, target: str) -> str:
    return PROBLEMS[next(f.kind for f in plan.fmt.fields if f.target == target)]


_QUOTING = 'fields may be quoted with ", a quote inside a quoted field doubled (RFC 4180)'
_OUTSIDE = "outside -90..90 / -180..180"


class StaticsChanges:
    """Keeps a statics row only when it differs from the previous one of the same MMSI.

    "Previous" is in file order across the whole file (state is carried between batches), so
    the result does not depend on the batch size. With ``keep_all`` every row is kept.
    """

    def __init__(self, keep_all: bool = False) -> None:
        self.keep_all = keep_all
        self._last = empty({"mmsi": pl.Int64(), **{c: STATICS[c] for c in IDENTITY_COLUMNS}})

    def __call__(self, rows: pl.DataFrame) -> pl.DataFrame:
        if self.keep_all or rows.is_empty():
            return rows
        cols = ["mmsi", *IDENTITY_COLUMNS]
        cur = rows.with_row_index("_seq").with_columns(pl.col("_seq").cast(pl.Int64))
        prev = self._last.join(cur.select("mmsi").unique(), on="mmsi", how="semi").with_columns(
            _seq=pl.lit(-1, pl.Int64)
        )
        both = pl.concat([prev, cur.select("_seq", *cols)], how="diagonal").sort(["mmsi", "_seq"])
        first = pl.col("mmsi").ne_missing(pl.col("mmsi").shift(1))
        changed = pl.any_horizontal(
            [first, *[pl.col(c).ne_missing(pl.col(c).shift(1)) for c in IDENTITY_COLUMNS]]
        )
        keep = both.filter(changed & (pl.col("_seq") >= 0)).select("_seq")
        last = both.filter(pl.col("mmsi").ne_missing(pl.col("mmsi").shift(-1))).select(cols)
        self._last = pl.concat([self._last.join(last.select("mmsi"), on="mmsi", how="anti"), last])
        return cur.join(keep, on="_seq", how="semi").sort("_seq").drop("_seq")


def build_batch(
    frame: pl.DataFrame, plan: BatchPlan, statics: StaticsChanges
) -> tuple[dict[str, pl.DataFrame], Outcome]:
    """Canonical tables from one frame of source rows, and the batch's outcome counts."""
    out = Outcome(rows=frame.height)
    ignore = pl.col("_raw").is_null() | (pl.col("_raw").str.strip_chars() == "")
    if plan.header_line is not None:  # a repeated header (concatenated files), BOM or not
        header = plan.header_line.lstrip("\ufeff")
        ignore = ignore | (pl.col("_raw").str.strip_prefix("\ufeff") == header)
    frame = frame.filter(~ignore)
    out.ignored = out.rows - frame.height
    w, targets = _convert(frame, plan)
    w = _rules(w, plan, targets)
    prov = [pl.lit(plan.source_id).alias("source_id"), pl.col("_line").alias("line")]
    ok = w.filter(pl.col("_reason").is_null()).with_columns(prov)
    out.decoded = ok.height
    route = pl.col("_route")
    batch: dict[str, pl.DataFrame] = {
        "positions": conform(
            ok.filter((route == "vessel") & pl.col("lat").is_not_null()), POSITIONS
        ),
        "statics": statics(conform(ok.filter((route == "vessel") & pl.col("_has_id")), STATICS)),
    }
    if "base_stations" in plan.fmt.tables:
        batch["base_stations"] = conform(ok.filter(route == "base"), BASE_STATIONS)
        batch["aids_to_navigation"] = conform(ok.filter(route == "aton"), AIDS_TO_NAVIGATION)
        batch["other_messages"] = conform(
            ok.filter(route == "other").with_columns(payload=pl.col("_raw")), OTHER_MESSAGES
        )
    rej = w.filter(pl.col("_reason").is_not_null())
    if rej.is_empty():
        batch["rejects"] = empty(REJECTS)
    else:
        rej = rej.with_columns(
            *prov,
            offset_bytes=pl.lit(None, pl.Int64),
            reason=pl.col("_reason"),
            detail=_detail(rej, plan, targets),
            raw=pl.col("_raw"),
            timestamp=pl.col("timestamp").cast(UTC),
        )
        batch["rejects"] = conform(rej, REJECTS)
        out.rejected.update(dict(rej["_reason"].value_counts().iter_rows()))
    return batch, out
