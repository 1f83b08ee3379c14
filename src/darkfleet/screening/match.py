"""Screening: every vessel identity seen against the loaded lists, with scores and reasons.

Definitions (match rules)
-------------------------
A candidate pair (AIS identity, listed vessel) is formed by any of these *primary* rules, found
with joins on exact keys and blocked fuzzy comparison (no all-pairs loop):

``imo_exact`` (+1.2)       the identity's IMO equals a listed IMO. +0.8 instead when that IMO
                           fails the check digit on both sides (a list typo copied).
``imo_near`` (+0.45/+0.30) the identity's IMO is one digit substitution or one adjacent
                           transposition away from a listed (valid) IMO — a typo, or an IMO
                           altered to dodge screening: +0.45 when it fails the check digit,
                           +0.30 when the altered number happens to pass it (one substitution
                           in five does: weight 5 x 2 or weights 2, 4, 6 x 5 ≡ 0 mod 10).
``mmsi_exact`` (+0.75)     the MMSI equals a listed MMSI.
``callsign_exact`` (+0.50) the call sign equals a listed one (letters and digits only).
``name`` (+0.20 … +0.45)   the name is similar to the listed name or one of its aliases:
                           similarity ``s = max(Lev(compact names), 0.97 · Lev(skeletons))``
                           with ``Lev`` the normalised Levenshtein similarity (see
                           :mod:`~darkfleet.screening.names`: ``M/V``, punctuation, spacing,
                           Roman numerals and transliteration variants do not count). Points:
                           0.45 for ``s ≥ 0.95``, falling linearly to 0.20 at ``s = 0.80``,
                           none below; a name of six letters or more one edit away (one
                           letter replaced, dropped or added) earns at least 0.38. Names must
                           carry the same numbers (``SPARTA IV`` never matches ``SPARTA`` or
                           ``SPARTA III``). Names of five letters or fewer earn 80 % (short
                           names are shared by many ships).

Corroborating and conflicting evidence then adjusts the score:

``flag`` (+0.25)           the MMSI's flag (ITU MID) is the listed flag — not counted when the
                           MMSI itself matched (the flag then says nothing new);
``past_flag`` (+0.10)      … or one of the listed former/other flags;
``type`` (+0.12 / -0.15)   AIS ship type compatible with / in conflict with the listed type;
``size`` (+0.12 / -0.20)   AIS length compatible with / in conflict with the listed length or
                           the length expected from the listed tonnage
                           (:mod:`~darkfleet.screening.features`);
``imo_conflict`` (-0.60)   the identity broadcasts a *valid* IMO that is not among the listed
                           vessel's IMOs (and not one digit from one): a different hull,
                           unless that IMO is false.
``imo_invalid`` (0)        the identity's IMO fails the check digit (and is no near miss of a
                           listed IMO): no points, but the explanation says so — an invalid
                           IMO is itself a warning sign. ``imo_valid`` is a column of every
                           match.

``score = clip(sum of points, 0, 1)``; a pair is a match when ``score ≥ 0.70``
(``MatchRules.threshold``). So an exact IMO matches alone (even with type or size
conflicts: the explanation then says so); an MMSI alone matches at 0.75 unless contradicted; a
call sign needs one corroboration (call sign + flag = 0.75); a name needs the flag (exact name +
flag = 0.70) or, approximate or short, the flag and the type or size; a name with type and size
but another flag (0.69) does not match: ships share names, and most sanctioned ships keep their
flag while they hide their IMO. Weights are ``MatchRules`` fields: change them per call with
``screen(..., rules=MatchRules(...))``; they were set on the real OFAC list and simulated
populations (:mod:`~darkfleet.screening.simulate`, several seeds), not on one test seed.

Entity links: each matched entry's owners / operators / "Linked To" parties are looked up among
the *party* entries of all loaded lists by organisation key
(:func:`~darkfleet.screening.names.org_key`); the parties found, with their lists and
programmes, are reported in ``linked_parties`` and the explanation. Vessels that a list gives
only as the asset of a designated party (``listing = linked``) are screened like the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from ..io.sanctions.entries import ENTRIES
from .explain import add_explanations
from .features import (
    ais_type_category,
    expected_length_m,
    imo_edit_keys,
    list_type_categories,
    name_block_keys,
    size_verdict,
)
from .history import identities_from_statics
from .identifiers import callsign_key_expr, imo_is_valid, mmsi_flag_expr
from .names import name_columns
from .schema import IDENTITIES, MATCHES

__all__ = ["MatchRules", "screen"]


@dataclass(frozen=True)
class MatchRules:
    """Points of each rule and the match threshold (see the module's Definitions)."""

    imo_exact: float = 1.2
    imo_exact_invalid: float = 0.8
    imo_near: float = 0.45
    imo_near_valid: float = 0.30
    mmsi_exact: float = 0.75
    callsign_exact: float = 0.50
    name_full: float = 0.45
    name_min_points: float = 0.20
    name_full_similarity: float = 0.95
    name_min_similarity: float = 0.80
    name_one_edit: float = 0.38
    short_name_letters: int = 5
    short_name_factor: float = 0.8
    flag: float = 0.25
    past_flag: float = 0.10
    type_compatible: float = 0.12
    type_conflict: float = -0.15
    size_compatible: float = 0.12
    size_conflict: float = -0.20
    imo_conflict: float = -0.60
    threshold: float = 0.70


def _prepare_identities(identities: pl.DataFrame) -> pl.DataFrame:
    if "first_seen" not in identities.columns and "timestamp" in identities.columns:
        identities = identities_from_statics(identities)
    ids = identities.select(
        [
            pl.col(c) if c in identities.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in IDENTITIES.items()
        ]
    ).cast(IDENTITIES)  # type: ignore[arg-type]
    dims = pl.col("to_bow_m").cast(pl.Float64) + pl.col("to_stern_m").cast(pl.Float64)
    return ids.with_row_index("id_row").with_columns(
        imo_valid=imo_is_valid(pl.col("imo")),
        flag=mmsi_flag_expr(pl.col("mmsi")),
        callsign_key=callsign_key_expr(pl.col("callsign")),
        type_cat=ais_type_category(pl.col("ship_type")),
        length_m=pl.when(dims >= 3).then(dims).otherwise(None),
    )


def _prepare_entries(entries: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    ent = entries.select(list(ENTRIES)).filter(pl.col("entry_type") == "vessel")
    ent = ent.with_row_index("ent_row").with_columns(
        type_cats=list_type_categories(pl.col("vessel_type")),
        est_length_m=expected_length_m(pl.col("gross_tonnage"), pl.col("deadweight_t")),
    )
    names = (
        ent.select(
            "ent_row",
            pl.concat_list(pl.col("name"), pl.col("aliases")).alias("entry_name_text"),
            pl.concat_list(pl.lit("name"), pl.col("aliases").list.eval(pl.lit("alias"))).alias(
                "name_kind"
            ),
        )
        .explode("entry_name_text", "name_kind")
        .drop_nulls("entry_name_text")
    )
    return ent, names


def _pairs_on(left: pl.DataFrame, right: pl.DataFrame, key: str, rule: str) -> pl.DataFrame:
    return (
        left.join(right, on=key, how="inner")
        .select("id_row", "ent_row", pl.lit(True).alias(rule))
        .unique(["id_row", "ent_row"])
    )


def _identifier_pairs(ids: pl.DataFrame, ent: pl.DataFrame) -> list[pl.DataFrame]:
    ent_imo = ent.select("ent_row", pl.col("imo").alias("e_imo")).explode("e_imo").drop_nulls()
    id_imo = ids.select("id_row", pl.col("imo").alias("e_imo"), "imo_valid").drop_nulls("e_imo")
    exact = _pairs_on(id_imo, ent_imo, "e_imo", "imo_exact")
    bad = id_imo.with_columns(key=imo_edit_keys(pl.col("e_imo")))
    good = ent_imo.filter(imo_is_valid(pl.col("e_imo"))).with_columns(
        key=imo_edit_keys(pl.col("e_imo"))
    )
    near = (
        bad.explode("key")
        .join(good.explode("key").rename({"e_imo": "near_imo"}), on="key")
        .filter(pl.col("e_imo") != pl.col("near_imo"))
        .group_by("id_row", "ent_row")
        .agg(pl.col("near_imo").min())
    )
    ent_mmsi = ent.select("ent_row", pl.col("mmsi").alias("m")).explode("m").drop_nulls()
    mmsi = _pairs_on(
        ids.select("id_row", pl.col("mmsi").alias("m")).drop_nulls(), ent_mmsi, "m", "mmsi_exact"
    )
    ent_cs = (
        ent.select("ent_row", pl.col("callsign").alias("c"))
        .explode("c")
        .with_columns(callsign_key=callsign_key_expr(pl.col("c")))
        .drop_nulls("callsign_key")
        .group_by("ent_row", "callsign_key")
        .agg(pl.col("c").first().alias("entry_callsign"))
    )
    cs = (
        ids.select("id_row", "callsign_key")
        .drop_nulls()
        .join(ent_cs, on="callsign_key")
        .group_by("id_row", "ent_row")
        .agg(pl.lit(True).alias("callsign_exact"), pl.col("entry_callsign").first())
    )
    return [exact, near, mmsi, cs]


def _name_pairs(ids: pl.DataFrame, names: pl.DataFrame, rules: MatchRules) -> pl.DataFrame:
    cols = ["name_compact", "name_skeleton", "name_numbers", "keys"]
    id_names = (
        ids.select("id_row", "shipname")
        .drop_nulls()
        .with_columns(name_columns("shipname"))
        .drop_nulls("name_compact")
        .with_columns(keys=name_block_keys())
    )
    ent_names = names.with_columns(name_columns("entry_name_text")).drop_nulls("name_compact")
    ent_names = ent_names.with_columns(keys=name_block_keys())
    a = id_names.select(cols).unique(["name_compact", "name_skeleton"]).with_row_index("a")
    b = ent_names.select(cols).unique(["name_compact", "name_skeleton"]).with_row_index("b")
    pairs = (
        a.select("a", "keys")
        .explode("keys")
        .join(b.select("b", "keys").explode("keys"), on="keys")
        .select("a", "b")
        .unique()
        .join(a.drop("keys"), on="a")
        .join(b.drop("keys"), on="b", suffix="_e")
        .filter(pl.col("name_numbers") == pl.col("name_numbers_e"))
    )
    if pairs.height == 0:
        return pl.DataFrame(
            schema={
                "id_row": pl.UInt32,
                "ent_row": pl.UInt32,
                "name_sim": pl.Float64,
                "entry_name_text": pl.String,
                "name_kind": pl.String,
                "name_short": pl.Boolean,
                "name_edits": pl.Int64,
            }
        )
    lev = cpdist(
        pairs["name_compact"].to_list(),
        pairs["name_compact_e"].to_list(),
        scorer=Levenshtein.normalized_similarity,
        workers=-1,
    )
    lev_skel = cpdist(
        pairs["name_skeleton"].to_list(),
        pairs["name_skeleton_e"].to_list(),
        scorer=Levenshtein.normalized_similarity,
        workers=-1,
    )
    edits = cpdist(
        pairs["name_compact"].to_list(),
        pairs["name_compact_e"].to_list(),
        scorer=Levenshtein.distance,
        workers=-1,
    )
    sim = np.maximum(lev.astype(np.float64), 0.97 * lev_skel.astype(np.float64))
    short = (
        np.minimum(
            pairs["name_compact"].str.len_chars().to_numpy(),
            pairs["name_compact_e"].str.len_chars().to_numpy(),
        )
        <= rules.short_name_letters
    )
    pairs = pairs.with_columns(
        name_sim=pl.Series(sim),
        name_short=pl.Series(short),
        name_edits=pl.Series(edits, dtype=pl.Int64),
    )
    pairs = pairs.filter(pl.col("name_sim") >= rules.name_min_similarity - 1e-9)
    return (
        pairs.join(
            id_names.select("id_row", "name_compact", "name_skeleton"),
            on=["name_compact", "name_skeleton"],
        )
        .join(
            ent_names.select(
                "ent_row",
                "entry_name_text",
                "name_kind",
                pl.col("name_compact").alias("name_compact_e"),
                pl.col("name_skeleton").alias("name_skeleton_e"),
            ),
            on=["name_compact_e", "name_skeleton_e"],
        )
        .sort("name_sim", "name_kind", "entry_name_text", descending=[True, True, False])
        .group_by("id_row", "ent_row", maintain_order=True)
        .agg(pl.col("name_sim", "entry_name_text", "name_kind", "name_short", "name_edits").first())
    )


def _score(cand: pl.DataFrame, rules: MatchRules) -> pl.DataFrame:
    r = rules
    span = r.name_full_similarity - r.name_min_similarity
    name_pts = pl.when(pl.col("name_sim") >= r.name_full_similarity).then(r.name_full).when(
        pl.col("name_sim") >= r.name_min_similarity - 1e-9
    ).then(
        r.name_min_points
        + (r.name_full - r.name_min_points) * (pl.col("name_sim") - r.name_min_similarity) / span
    ).otherwise(0.0).clip(
        pl.when(
            (pl.col("name_edits") == 1)
            & ~pl.col("name_short")
            & (pl.col("name_sim") < r.name_full_similarity)
        )
        .then(pl.lit(r.name_one_edit))
        .otherwise(pl.lit(0.0)),
        None,
    ) * pl.when(pl.col("name_short")).then(r.short_name_factor).otherwise(1.0)
    listed_imos = pl.col("entry_imo").list.len() > 0
    pts = {
        "imo_exact": pl.when(pl.col("imo_exact")).then(
            pl.when(pl.col("imo_valid")).then(r.imo_exact).otherwise(r.imo_exact_invalid)
        ),
        "imo_near": pl.when(pl.col("near_imo").is_not_null() & ~pl.col("imo_exact")).then(
            pl.when(pl.col("imo_valid")).then(r.imo_near_valid).otherwise(r.imo_near)
        ),
        "mmsi_exact": pl.when(pl.col("mmsi_exact")).then(r.mmsi_exact),
        "callsign_exact": pl.when(pl.col("callsign_exact")).then(r.callsign_exact),
        "name": pl.when(pl.col("name_sim").is_not_null()).then(name_pts),
        "flag": pl.when((pl.col("flag") == pl.col("entry_flag")) & ~pl.col("mmsi_exact")).then(
            r.flag
        ),
        "past_flag": pl.when(
            (pl.col("flag") != pl.col("entry_flag")).fill_null(True)
            & ~pl.col("mmsi_exact")
            & pl.col("past_flags").list.contains(pl.col("flag"))
        ).then(r.past_flag),
        "type": pl.when(pl.col("type_cat").is_null() | (pl.col("type_cats").list.len() == 0))
        .then(None)
        .when(pl.col("type_cats").list.contains(pl.col("type_cat")))
        .then(r.type_compatible)
        .otherwise(r.type_conflict),
        "size": pl.when(pl.col("size_verdict") == "compatible")
        .then(r.size_compatible)
        .when(pl.col("size_verdict") == "conflict")
        .then(r.size_conflict),
        "imo_invalid": pl.when(
            pl.col("imo").is_not_null()
            & ~pl.col("imo_valid")
            & ~pl.col("imo_exact")
            & pl.col("near_imo").is_null()
        ).then(0.0),
        "imo_conflict": pl.when(
            pl.col("imo_valid")
            & listed_imos
            & pl.col("near_imo").is_null()
            & ~pl.col("entry_imo").list.contains(pl.col("imo"))
        ).then(r.imo_conflict),
    }
    cand = cand.with_columns(
        pl.col("imo_exact", "mmsi_exact", "callsign_exact").fill_null(False),
        pl.col("imo_valid").fill_null(False),
    ).with_columns(
        size_verdict=size_verdict(
            pl.col("length_m"), pl.col("entry_length_m"), pl.col("est_length_m")
        )
    )
    cand = cand.with_columns([e.cast(pl.Float64).alias(f"pts_{k}") for k, e in pts.items()])
    total = pl.sum_horizontal([pl.col(f"pts_{k}").fill_null(0.0) for k in pts])
    return cand.with_columns(score=total.clip(0.0, 1.0).round(4))


def screen(
    identities: pl.DataFrame,
    entries: pl.DataFrame,
    *,
    min_score: float | None = None,
    rules: MatchRules | None = None,
) -> pl.DataFrame:
    """Screen vessel identities against list entries; return the matches (:data:`MATCHES`).

    ``identities`` is an :data:`~darkfleet.screening.schema.IDENTITIES` frame (e.g.
    ``store.identities()``) or STATICS rows (grouped into identities first). ``entries`` is an
    :data:`~darkfleet.io.sanctions.ENTRIES` frame from any list reader(s); its party entries are
    used to follow owner links. ``min_score`` defaults to ``rules.threshold`` (0.70). Rows are
    sorted by identity then descending score; the caller's frames are not modified.
    """
    rules = rules or MatchRules()
    threshold = rules.threshold if min_score is None else min_score
    ids = _prepare_identities(identities)
    ent, names = _prepare_entries(entries)
    found = [*_identifier_pairs(ids, ent), _name_pairs(ids, names, rules)]
    keys = pl.concat([f.select("id_row", "ent_row") for f in found]).unique()
    cand = keys
    for f in found:
        cand = cand.join(f, on=["id_row", "ent_row"], how="left")
    ent_cols = ent.select(
        "ent_row",
        "list",
        "entry_id",
        pl.col("name").alias("entry_name"),
        "entry_type",
        "listing",
        pl.col("imo").alias("entry_imo"),
        pl.col("mmsi").alias("entry_mmsi"),
        pl.col("callsign").alias("entry_callsigns"),
        pl.col("flag").alias("entry_flag"),
        "past_flags",
        "vessel_type",
        "type_cats",
        pl.col("length_m").alias("entry_length_m"),
        "est_length_m",
        "gross_tonnage",
        "deadweight_t",
        "programmes",
        "owners",
        pl.col("source_id").alias("entry_source_id"),
        pl.col("line").alias("entry_line"),
    )
    cand = cand.join(ids, on="id_row").join(ent_cols, on="ent_row")
    scored = _score(cand, rules).filter(pl.col("score") >= threshold - 1e-9)
    scored = scored.rename({"source_id": "ais_source_id", "line": "ais_line"})
    out = add_explanations(scored, entries, rules).with_columns(
        imo_valid=pl.when(pl.col("imo").is_not_null()).then(pl.col("imo_valid"))
    )
    return out.select([pl.col(c).cast(t) for c, t in MATCHES.items()]).sort(
        ["mmsi", "imo", "shipname", "callsign", "first_seen", "score", "list", "entry_id"],
        descending=[False, False, False, False, False, True, False, False],
        nulls_last=True,
    )
