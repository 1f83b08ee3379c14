"""Identity history: who each MMSI and IMO said it was, over time, and the flags that raises.

Definitions (identity flags)
----------------------------
Static reports (STATICS rows) are put in time order (``timestamp``, then ``source_id``,
``line``; rows without a time after the timed ones). A *run* is a maximal sequence of
consecutive reports of one key (an MMSI, an IMO, or a *hull*, below) with the same value. A run
is *persistent* when it has at least ``min_run_messages`` = 2 reports, so that one garbled
message is never a change; runs shorter than that are dropped and the neighbouring runs with
equal values merged. Names compare in normalised form
(:func:`~darkfleet.screening.names.normalize_name`: ``M/V LADY R`` = ``LADY-R``). The *flag*
of an MMSI is the administration of its Maritime Identification Digits (ITU MID table,
``darkfleet/data/mid.csv``). A *hull* is a valid IMO number (check digit correct) when the
reports carry one, else the MMSI.

``renamed``
    Per hull, two consecutive persistent name runs differ. One flag per change, from the last
    report under the old name to the first under the new one. Not raised on an MMSI flagged
    ``mmsi_shared`` (two ships alternating are not renames), and hull = MMSI for an IMO that
    two MMSIs broadcast at the same time.
``mmsi_changed``
    Per valid IMO, take the span (first to last report) of each MMSI that broadcast it in at
    least ``min_run_messages`` reports; in order of first report, an MMSI whose span starts no
    earlier than ``overlap_tolerance`` = 1 h before the previous one's ends: the hull moved to a
    new MMSI.
``reflagged``
    An ``mmsi_changed`` whose two MMSIs have different flags (MIDs). AIS carries no flag
    field, so a reflag is visible only through a new MMSI; a ship without an IMO that changes
    MMSI cannot be followed by these rules.
``imo_mmsi_inconsistent``
    Either (a) one valid IMO broadcast by two MMSIs whose spans overlap by more than
    ``overlap_tolerance`` (two hulls claim one IMO), one flag per pair; or (b) one MMSI that
    broadcast two different valid IMOs in consecutive persistent runs, one flag per change
    (not raised on an MMSI flagged ``mmsi_shared``, whose flag already says it).
``imo_invalid``
    An MMSI broadcast an IMO number that fails the check digit (one flag per value).
``mmsi_invalid``
    The MMSI is not a nine-digit ship-station number (first digit 2 to 7) with an allocated MID.
``dimensions_changed``
    Per MMSI, consecutive persistent runs of (length = to_bow + to_stern, beam = to_port +
    to_starboard) differ by more than max(``length_tolerance_m`` = 10 m,
    ``length_tolerance_frac`` = 10 %) in length or max(``beam_tolerance_m`` = 3 m,
    ``beam_tolerance_frac`` = 15 %) in beam (beam compared only when both are known). Moving the
    GPS antenna changes the A/B and C/D split, not the totals, so it does not count; a real
    size change on one MMSI is a known spoofing sign (the Danish Maritime Authority's
    AisAbnormal "ship size change" event). The tolerances absorb rounding and crews typing
    slightly different figures; they are darkfleet's own choice.
``mmsi_shared``
    One MMSI used by several ships at once: repeated physically impossible jumps between
    consecutive positions, identities that interleave (A → B → A …), or overlapping segments
    when given. Reports that claim no identity (no name and no IMO: type 24 part B) are left
    out of the interleaving test. See :mod:`darkfleet.screening.shared` for these rules and their defaults.

Every flag row carries ``first_seen``/``last_seen`` (the time span it rests on), a ``detail``
sentence and ``evidence``: the ``source_id:line`` of the input records it rests on (for a
change: the last report of the old value, then the first of the new). Output is deterministic:
same rows in any order → same tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from ..schema import UTC
from ..store.identities import identities as store_identities
from .identifiers import imo_is_valid, mmsi_flag_expr
from .names import name_columns
from .schema import IDENTITIES, IDENTITY_FLAGS, IMO_MMSIS, SPANS
from .shared import impossible_jumps, interleaved_identities, shared_from_segments

__all__ = [
    "FLAG_TYPES",
    "HistoryRules",
    "IdentityHistory",
    "identities_from_statics",
    "identity_history",
]

#: Every ``flag_type`` :func:`identity_history` can raise (see the module's Definitions).
FLAG_TYPES: tuple[str, ...] = (
    "renamed",
    "mmsi_changed",
    "reflagged",
    "imo_mmsi_inconsistent",
    "imo_invalid",
    "mmsi_invalid",
    "dimensions_changed",
    "mmsi_shared",
)

_ID_COLS = [
    "mmsi",
    "imo",
    "callsign",
    "shipname",
    "ship_type",
    "to_bow_m",
    "to_stern_m",
    "to_port_m",
    "to_starboard_m",
]
_ORDER = ["timestamp", "source_id", "line"]


@dataclass(frozen=True)
class HistoryRules:
    """Parameters of the identity flags (see the module's Definitions for each default)."""

    min_run_messages: int = 2
    length_tolerance_m: float = 10.0
    length_tolerance_frac: float = 0.10
    beam_tolerance_m: float = 3.0
    beam_tolerance_frac: float = 0.15
    overlap_tolerance: dt.timedelta = dt.timedelta(hours=1)
    min_switches: int = 3
    max_speed_kn: float = 50.0
    min_jump_m: float = 10_000.0
    min_jumps: int = 3
    min_jump_share: float = 0.01


@dataclass(frozen=True)
class IdentityHistory:
    """The three tables of :func:`identity_history` (schemas in :mod:`.schema`):
    ``spans`` (:data:`~.schema.SPANS`), ``imo_mmsis`` (:data:`~.schema.IMO_MMSIS`) and
    ``flags`` (:data:`~.schema.IDENTITY_FLAGS`)."""

    spans: pl.DataFrame
    imo_mmsis: pl.DataFrame
    flags: pl.DataFrame


def _ref() -> pl.Expr:
    return pl.concat_str(
        pl.col("source_id").fill_null("?"),
        pl.lit(":"),
        pl.col("line").cast(pl.String).fill_null("?"),
    )


def _clean_statics(statics: pl.DataFrame) -> pl.DataFrame:
    cols = {c: t for c, t in IDENTITIES.items() if c in _ID_COLS}
    have = [
        pl.col(c).cast(t) if c in statics.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in cols.items()
    ]
    extra = [
        pl.col(c) if c in statics.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in (("timestamp", UTC), ("source_id", pl.String()), ("line", pl.Int64()))
    ]
    text = [pl.col(c).str.strip_chars(" @").replace("", None) for c in ("shipname", "callsign")]
    return (
        statics.select(have + extra)
        .with_columns(text)
        .filter(pl.col("mmsi").is_not_null())
        .sort(["mmsi", *_ORDER], nulls_last=True)
    )


def identities_from_statics(statics: pl.DataFrame) -> pl.DataFrame:
    """Distinct identities (:data:`~.schema.IDENTITIES`) from STATICS rows, sorted by MMSI, time.

    The store's rule (:func:`darkfleet.store.identities.identities`: per MMSI, each field keeps
    its last reported value, so type 24 parts A and B make one identity), over rows whose names
    and call signs are trimmed (spaces and AIS ``@`` padding); ``source_id``/``line`` name the
    earliest message of each identity, as ``store.identities()``' ``first_source_id``/
    ``first_line`` do.
    """
    found = store_identities(_clean_statics(statics).lazy()).collect()
    found = found.rename({"first_source_id": "source_id", "first_line": "line"})
    return found.select(list(IDENTITIES)).sort(
        "mmsi", "first_seen", "shipname", "imo", "source_id", "line", nulls_last=True
    )


def _runs(frame: pl.DataFrame, by: str, value: str, min_messages: int) -> pl.DataFrame:
    """Persistent runs of ``value`` per ``by`` in time order: ``by, value, first_seen,
    last_seen, messages, first_ref, last_ref, first_mmsi, first_imo`` (``first_imo`` null when
    invalid), consecutive equal runs merged after short ones are dropped."""
    f = frame.filter(pl.col(by).is_not_null() & pl.col(value).is_not_null()).sort(
        [by, *_ORDER], nulls_last=True
    )

    def group(df: pl.DataFrame) -> pl.DataFrame:
        rid = (pl.col(value) != pl.col(value).shift()).fill_null(True).cum_sum().over(by)
        return (
            df.with_columns(_run=rid)
            .group_by(by, "_run", maintain_order=True)
            .agg(
                pl.col(value).first(),
                first_seen=pl.col("first_seen").min(),
                last_seen=pl.col("last_seen").max(),
                messages=pl.col("messages").sum(),
                first_ref=pl.col("first_ref").first(),
                last_ref=pl.col("last_ref").last(),
                first_mmsi=pl.col("first_mmsi").first(),
                first_imo=pl.col("first_imo").first(),
            )
            .drop("_run")
        )

    base = f.select(
        by,
        value,
        first_seen="timestamp",
        last_seen="timestamp",
        messages=pl.lit(1, dtype=pl.Int64),
        first_ref=_ref(),
        last_ref=_ref(),
        first_mmsi=pl.col("mmsi").alias("first_mmsi"),
        first_imo=pl.when(pl.col("imo_valid")).then(pl.col("imo")),
    )
    runs = group(base)
    return group(runs.filter(pl.col("messages") >= min_messages))


def _when(ts: pl.Expr) -> pl.Expr:
    return ts.dt.strftime("%Y-%m-%d %H:%M UTC").fill_null("?")


def _changes(
    runs: pl.DataFrame, by: str, value: str, flag: str, what: str, keep: pl.Expr | None = None
) -> pl.DataFrame:
    """One flag row per change between consecutive runs of one ``by`` key. ``what`` words the
    change: "{label} {what} {old} → {new}"; the label is the ``label`` column or ``by``'s.
    ``keep`` (over the runs, with ``prev_value`` the previous run's value) filters changes."""
    label = pl.col("label") if "label" in runs.columns else pl.format(f"{by.upper()} {{}}", by)
    ch = runs.with_columns(
        prev_value=pl.col(value).shift().over(by),
        prev_last=pl.col("last_seen").shift().over(by),
        prev_ref=pl.col("last_ref").shift().over(by),
    ).filter(pl.col("prev_value").is_not_null())
    if keep is not None:
        ch = ch.filter(keep)
    return ch.select(
        pl.lit(flag).alias("flag_type"),
        mmsi="first_mmsi",
        imo="first_imo",
        first_seen="prev_last",
        last_seen="first_seen",
        detail=pl.format(
            f"{{}} {what} {{}} → {{}} (last seen {{}}, first seen {{}})",
            label,
            "prev_value",
            value,
            _when(pl.col("prev_last")),
            _when(pl.col("first_seen")),
        ),
        evidence=pl.concat_list("prev_ref", "first_ref"),
    )


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    cols = [
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in IDENTITY_FLAGS.items()
    ]
    return frame.select(cols)


def _prepare(statics: pl.DataFrame) -> pl.DataFrame:
    bow, stern = pl.col("to_bow_m").cast(pl.Int32), pl.col("to_stern_m").cast(pl.Int32)
    port, star = pl.col("to_port_m").cast(pl.Int32), pl.col("to_starboard_m").cast(pl.Int32)
    return (
        _clean_statics(statics)
        .with_columns(
            name_columns("shipname")[0],
            imo_valid=imo_is_valid(pl.col("imo")).fill_null(False),
            flag=mmsi_flag_expr(pl.col("mmsi")),
            length=pl.when(bow + stern > 0).then(bow + stern),
            beam=pl.when(port + star > 0).then(port + star),
        )
        .with_columns(
            dimensions=pl.when(pl.col("length").is_not_null()).then(
                pl.format(
                    "{}x{} m ({}/{}/{}/{})",
                    "length",
                    pl.col("beam").fill_null(0),
                    bow,
                    stern,
                    port,
                    star,
                )
            ),
            imo_s=pl.col("imo").cast(pl.String),
            ship_type_s=pl.col("ship_type").cast(pl.String),
        )
    )


def _spans(s: pl.DataFrame) -> pl.DataFrame:
    attrs = {
        "shipname": "shipname",
        "callsign": "callsign",
        "imo": "imo_s",
        "ship_type": "ship_type_s",
        "dimensions": "dimensions",
        "flag": "flag",
    }
    parts = [
        _runs(s, "mmsi", col, 1).select(
            "mmsi",
            pl.lit(a).alias("attribute"),
            pl.col(col).alias("value"),
            "first_seen",
            "last_seen",
            "messages",
            "first_ref",
        )
        for a, col in attrs.items()
    ]
    ref = pl.col("first_ref").str.split(":")
    return (
        pl.concat(parts)
        .with_columns(source_id=ref.list.first(), line=ref.list.last().cast(pl.Int64, strict=False))
        .select(list(SPANS))
        .sort("mmsi", "attribute", "first_seen", "value", nulls_last=True)
    )


def _per_imo(s: pl.DataFrame, min_messages: int) -> pl.DataFrame:
    """Per (valid IMO, MMSI) with enough reports: span, flag and the refs at both ends."""
    return (
        s.filter(pl.col("imo_valid"))
        .sort(["imo", "mmsi", *_ORDER], nulls_last=True)
        .group_by("imo", "mmsi", maintain_order=True)
        .agg(
            pl.col("flag").first(),
            first_seen=pl.col("timestamp").min(),
            last_seen=pl.col("timestamp").max(),
            n=pl.len(),
            first_ref=_ref().first(),
            last_ref=_ref().last(),
        )
        .filter(pl.col("n") >= min_messages)
        .sort("imo", "first_seen", "mmsi", nulls_last=True)
    )


def _imo_flags(per_imo: pl.DataFrame, r: HistoryRules) -> list[pl.DataFrame]:
    """``mmsi_changed``, ``reflagged`` and the IMO-shared ``imo_mmsi_inconsistent`` flags."""
    flag = pl.col("flag").fill_null("no flag")
    seq = per_imo.with_columns(
        prev_mmsi=pl.col("mmsi").shift().over("imo"),
        prev_flag=flag.shift().over("imo"),
        prev_last=pl.col("last_seen").shift().over("imo"),
        prev_ref=pl.col("last_ref").shift().over("imo"),
    ).filter(
        pl.col("prev_mmsi").is_not_null()
        & (pl.col("first_seen") >= pl.col("prev_last") - r.overlap_tolerance)
    )
    common = {
        "mmsi": pl.col("mmsi"),
        "imo": pl.col("imo"),
        "first_seen": pl.col("prev_last"),
        "last_seen": pl.col("first_seen"),
        "evidence": pl.concat_list("prev_ref", "first_ref"),
    }
    changed = seq.select(
        pl.lit("mmsi_changed").alias("flag_type"),
        **common,
        detail=pl.format(
            "IMO {} moved from MMSI {} to MMSI {} (last seen {}, first seen {})",
            "imo",
            "prev_mmsi",
            "mmsi",
            _when(pl.col("prev_last")),
            _when(pl.col("first_seen")),
        ),
    )
    reflagged = seq.filter(pl.col("prev_flag") != flag).select(
        pl.lit("reflagged").alias("flag_type"),
        **common,
        detail=pl.format(
            "IMO {} reflagged {} (MMSI {}) → {} (MMSI {}) (last seen {}, first seen {})",
            "imo",
            "prev_flag",
            "prev_mmsi",
            flag,
            "mmsi",
            _when(pl.col("prev_last")),
            _when(pl.col("first_seen")),
        ),
    )
    clash = per_imo.join(per_imo, on="imo", suffix="_o").filter(
        (pl.col("mmsi") < pl.col("mmsi_o"))
        & (
            pl.min_horizontal("last_seen", "last_seen_o")
            - pl.max_horizontal("first_seen", "first_seen_o")
            > r.overlap_tolerance
        )
    )
    shared_imo = clash.select(
        pl.lit("imo_mmsi_inconsistent").alias("flag_type"),
        "imo",
        "mmsi",
        first_seen=pl.max_horizontal("first_seen", "first_seen_o"),
        last_seen=pl.min_horizontal("last_seen", "last_seen_o"),
        detail=pl.format(
            "IMO {} broadcast at the same time by MMSI {} ({} to {}) and MMSI {} ({} to {})",
            "imo",
            "mmsi",
            _when(pl.col("first_seen")),
            _when(pl.col("last_seen")),
            "mmsi_o",
            _when(pl.col("first_seen_o")),
            _when(pl.col("last_seen_o")),
        ),
        evidence=pl.concat_list("first_ref", "last_ref", "first_ref_o", "last_ref_o"),
    )
    return [changed, reflagged, shared_imo]


def identity_history(
    statics: pl.DataFrame,
    positions: pl.DataFrame | None = None,
    *,
    segments: pl.DataFrame | None = None,
    rules: HistoryRules | None = None,
) -> IdentityHistory:
    """Identity history of every MMSI and IMO in ``statics`` (STATICS rows), with flags.

    ``positions`` (POSITIONS rows) adds the impossible-jump detector of shared MMSIs;
    ``segments`` (``mmsi, segment_id, first_seen, last_seen``) the overlapping-segment one.
    Returns :class:`IdentityHistory` (spans, IMO→MMSI table, flags), every table sorted. The
    inputs are not modified. Flags and their parameters: the module's Definitions.
    """
    r = rules or HistoryRules()
    n = r.min_run_messages
    s = _prepare(statics)
    imo_mmsis = (
        s.filter(pl.col("imo").is_not_null())
        .group_by("imo", "mmsi")
        .agg(
            pl.col("flag").first(),
            first_seen=pl.col("timestamp").min(),
            last_seen=pl.col("timestamp").max(),
            messages=pl.len(),
        )
        .select(list(IMO_MMSIS))
        .cast(IMO_MMSIS)  # type: ignore[arg-type]
        .sort("imo", "first_seen", "mmsi", nulls_last=True)
    )

    per_imo = _per_imo(s, n)
    imo_flags = _imo_flags(per_imo, r)
    clashing = imo_flags[2]["imo"].unique().implode()
    use_imo = pl.col("imo_valid") & ~pl.col("imo").is_in(clashing).fill_null(False)
    hulls = s.with_columns(
        hull=pl.when(use_imo)
        .then(pl.format("IMO {}", "imo"))
        .otherwise(pl.format("MMSI {}", "mmsi"))
    )
    renamed = _changes(
        _runs(hulls, "hull", "name_norm", n).with_columns(label=pl.col("hull")),
        "hull",
        "name_norm",
        "renamed",
        "renamed",
    )

    imo_runs = _runs(s.filter(pl.col("imo_valid")), "mmsi", "imo_s", n)
    mmsi_imos = _changes(imo_runs, "mmsi", "imo_s", "imo_mmsi_inconsistent", "changed IMO")
    bad_imo = (
        s.filter(pl.col("imo").is_not_null() & ~pl.col("imo_valid"))
        .group_by("mmsi", "imo")
        .agg(
            first_seen=pl.col("timestamp").min(),
            last_seen=pl.col("timestamp").max(),
            n=pl.len(),
            evidence=_ref().head(3),
        )
    )
    bad_imo = bad_imo.select(
        pl.lit("imo_invalid").alias("flag_type"),
        "mmsi",
        "imo",
        "first_seen",
        "last_seen",
        "evidence",
        detail=pl.format(
            "MMSI {} broadcast IMO {}, which fails the check digit ({} {})",
            "mmsi",
            "imo",
            "n",
            pl.when(pl.col("n") == 1).then(pl.lit("message")).otherwise(pl.lit("messages")),
        ),
    )
    bad_mmsi = (
        s.filter(pl.col("flag").is_null())
        .group_by("mmsi")
        .agg(
            first_seen=pl.col("timestamp").min(),
            last_seen=pl.col("timestamp").max(),
            evidence=_ref().head(3),
        )
    )
    bad_mmsi = bad_mmsi.select(
        pl.lit("mmsi_invalid").alias("flag_type"),
        "mmsi",
        "first_seen",
        "last_seen",
        "evidence",
        detail=pl.format("MMSI {} is not a ship-station MMSI with an ITU-allocated MID", "mmsi"),
    )
    shared = _shared(s, positions, segments, r)
    on_shared = pl.col("mmsi").is_in(shared["mmsi"].implode()).fill_null(False)
    renamed = renamed.filter(~on_shared)
    mmsi_imos = mmsi_imos.filter(~on_shared)  # two ships alternating: one mmsi_shared flag says it
    parts = [renamed, *imo_flags, mmsi_imos, bad_imo, bad_mmsi, _dimension_changes(s, r), shared]
    out = pl.concat([_finish(f) for f in parts]).sort(
        "mmsi", "imo", "first_seen", "flag_type", "detail", nulls_last=True
    )
    return IdentityHistory(spans=_spans(s), imo_mmsis=imo_mmsis, flags=out)


def _dimension_changes(s: pl.DataFrame, r: HistoryRules) -> pl.DataFrame:
    d = s.filter(pl.col("length").is_not_null()).with_columns(
        size=pl.format("{}x{}", "length", pl.col("beam").fill_null(0))
    )
    runs = _runs(d, "mmsi", "size", r.min_run_messages)
    l0, b0, l1, b1 = (
        pl.col(c).str.split("x").list.get(i).cast(pl.Float64)
        for c in ("prev_value", "size")
        for i in (0, 1)
    )
    big_l = (l1 - l0).abs() > pl.max_horizontal(
        pl.lit(r.length_tolerance_m), r.length_tolerance_frac * l0
    )
    big_b = (
        (
            (b1 - b0).abs()
            > pl.max_horizontal(pl.lit(r.beam_tolerance_m), r.beam_tolerance_frac * b0)
        )
        & (b0 > 0)
        & (b1 > 0)
    )
    return _changes(
        runs,
        "mmsi",
        "size",
        "dimensions_changed",
        "changed size (length x beam, m)",
        keep=big_l | big_b,
    )


def _shared(
    s: pl.DataFrame, positions: pl.DataFrame | None, segments: pl.DataFrame | None, r: HistoryRules
) -> pl.DataFrame:
    key = pl.concat_str(
        pl.col("name_norm").fill_null("?"),
        pl.lit(" / IMO "),
        pl.col("imo").cast(pl.String).fill_null("?"),
    )
    # reports that claim no identity (type 24 part B: call sign and size only) are no
    # identity of their own: without this, parts A and B of one ship "alternate"
    said = s.filter(pl.col("name_norm").is_not_null() | pl.col("imo").is_not_null())
    runs = _runs(said.with_columns(key=key), "mmsi", "key", r.min_run_messages)
    inter = interleaved_identities(runs.rename({"first_ref": "ref"}), min_switches=r.min_switches)
    parts = [
        inter.select(
            pl.lit("mmsi_shared").alias("flag_type"),
            "mmsi",
            "first_seen",
            "last_seen",
            "evidence",
            detail=pl.format(
                "MMSI {} alternates between {} identities ({} switches): {}",
                "mmsi",
                pl.col("identities").list.len(),
                "switches",
                pl.col("identities").list.join(" | "),
            ),
        )
    ]
    if positions is not None:
        jumps = impossible_jumps(
            positions,
            max_speed_kn=r.max_speed_kn,
            min_jump_m=r.min_jump_m,
            min_jumps=r.min_jumps,
            min_jump_share=r.min_jump_share,
        )
        parts.append(
            jumps.select(
                pl.lit("mmsi_shared").alias("flag_type"),
                "mmsi",
                "first_seen",
                "last_seen",
                "evidence",
                detail=pl.format(
                    "MMSI {} made {} impossible jumps in {} consecutive position pairs "
                    "(up to {} km at {} kn)",
                    "mmsi",
                    "jumps",
                    "pairs",
                    (pl.col("max_jump_m") / 1000).round(0).cast(pl.Int64),
                    pl.col("max_implied_speed_kn").round(0).cast(pl.Int64),
                ),
            )
        )
    if segments is not None:
        seg = shared_from_segments(segments, min_overlap=r.overlap_tolerance)
        parts.append(
            seg.select(
                pl.lit("mmsi_shared").alias("flag_type"),
                "mmsi",
                first_seen="overlap_start",
                last_seen="overlap_end",
                detail=pl.format(
                    "MMSI {} has overlapping segments {} and {}",
                    "mmsi",
                    "segment_id",
                    "other_segment_id",
                ),
                evidence=pl.concat_list(
                    pl.col("segment_id").cast(pl.String), pl.col("other_segment_id").cast(pl.String)
                ),
            )
        )
    return pl.concat([_finish(p) for p in parts])
