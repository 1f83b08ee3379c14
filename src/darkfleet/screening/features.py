"""Comparable features of AIS identities and list entries: type categories, sizes, blocking keys.

Definitions
-----------
**Type category** — both sides are reduced to coarse categories: ``fishing``, ``cargo``,
``tanker``, ``passenger``, ``pleasure``, ``tug``, ``special``. AIS ship types (ITU-R M.1371
table 53): 30 fishing; 31, 32, 52 tug; 33-35, 50, 51, 53-59 special; 36, 37 pleasure; 40-49,
60-69 passenger; 70-79 cargo; 80-89 tanker; 0-29 and 90-99 carry no category (too often
left at "other"/"not available"). A list wording maps by keywords (``TANKER``, ``LPG`` →
tanker; ``CARGO``, ``BULK``, ``CONTAINER``, ``ROLL-ON`` … → cargo; ``FISH`` → fishing, ``FISH
CARRIER`` also cargo; ``TUG``, ``OFFSHORE``, ``SUPPLY`` … → tug and special; ``YACHT``,
``PLEASURE`` → pleasure and passenger; ``PASSENGER``, ``FERRY`` → passenger; ``DREDG``,
``DRILLING``, ``SALVAGE`` … → special), possibly several. The types are *compatible* when the
AIS category is among the list's, *in conflict* when both are known and it is not.

**Expected length** — from a listed length when there is one; otherwise from tonnage:
``L ≈ 6.3 · GT^(1/3)`` metres (fitted to the listed ships of known length: tankers, cargo
ships, tugs and yachts fall within ±30 %), with ``GT ≈ 0.55 · DWT`` when only deadweight is
listed. The AIS length is ``to_bow_m + to_stern_m``. Sizes are *compatible* when the AIS length
is within ±10 % (at least 5 m) of a listed length or within 0.65-1.5 x a tonnage estimate, *in
conflict* beyond ±25 % (at least 15 m) of a listed length or outside 0.45-2.2 x an estimate.

**Name blocking keys** — fuzzy name comparison only runs on pairs that share a key: for a name
with numbers, its number set plus the first or the last letter of its skeleton (names must
carry equal numbers to match at all); otherwise each skeleton word of three letters or more,
and the first and the last three letters of the compact skeleton: in a name of six letters or
more these do not overlap, so one typo (a letter replaced, dropped or added) leaves at least
one of them intact (checked against an all-pairs reference in the tests).

**IMO edit keys** — an IMO with one digit replaced by ``_`` (seven keys) or two adjacent
digits written in ascending order (six keys): two IMO numbers share a key when one digit
substitution or one adjacent transposition separates them.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "ais_type_category",
    "expected_length_m",
    "imo_edit_keys",
    "list_type_categories",
    "name_block_keys",
    "size_verdict",
]

GT_LENGTH_FACTOR = 6.3
GT_PER_DWT = 0.55

_LIST_TYPE_KEYWORDS: dict[str, str] = {
    "tanker": r"TANKER|LPG|LNG|GAS CARRIER",
    "cargo": r"CARGO|BULK|CONTAINER|ROLL-ON|RO-RO|RORO|REEFER|REFRIGERATED|VEHICLE|CAR CARRIER|"
    r"LIVESTOCK|ORE CARRIER|LANDING CRAFT|PALLET|FISH CARRIER|BARGE",
    "fishing": r"FISH|TRAWLER|LONGLINE|SQUID|SEINER",
    "tug": r"TUG|TOWING|ANCHOR HANDLING|SUPPLY|OFFSHORE",
    "special": r"TUG|DREDG|HOPPER|SUPPLY|OFFSHORE|SERVICE|CREW|SALVAGE|DRILLING|PIPE|RESEARCH|"
    r"PILOT|PATROL|ICEBREAK|ANCHOR HANDLING|BARGE",
    "passenger": r"PASSENGER|FERRY|CRUISE|YACHT|PLEASURE",
    "pleasure": r"YACHT|PLEASURE|SAILING",
}


def ais_type_category(ship_type: pl.Expr) -> pl.Expr:
    """Expression: the type category of an AIS ship type code (null when it says nothing)."""
    t = ship_type.cast(pl.Int32)
    return (
        pl.when(t == 30)
        .then(pl.lit("fishing"))
        .when(t.is_in([31, 32, 52]))
        .then(pl.lit("tug"))
        .when(t.is_between(33, 35) | t.is_between(50, 59))
        .then(pl.lit("special"))
        .when(t.is_in([36, 37]))
        .then(pl.lit("pleasure"))
        .when(t.is_between(40, 49) | t.is_between(60, 69))
        .then(pl.lit("passenger"))
        .when(t.is_between(70, 79))
        .then(pl.lit("cargo"))
        .when(t.is_between(80, 89))
        .then(pl.lit("tanker"))
        .otherwise(pl.lit(None, dtype=pl.String()))
    )


def list_type_categories(vessel_type: pl.Expr) -> pl.Expr:
    """Expression: the sorted type categories of a list's vessel-type wording (maybe empty)."""
    upper = vessel_type.fill_null("").str.to_uppercase()
    parts = [
        pl.when(upper.str.contains(pattern)).then(pl.lit(cat)).otherwise(None)
        for cat, pattern in _LIST_TYPE_KEYWORDS.items()
    ]
    return pl.concat_list(parts).list.drop_nulls().list.sort()


def expected_length_m(gross_tonnage: pl.Expr, deadweight_t: pl.Expr) -> pl.Expr:
    """Expression: length (m) expected from tonnage (see Definitions); null without tonnage."""
    gt = pl.when(gross_tonnage > 0).then(gross_tonnage).otherwise(deadweight_t * GT_PER_DWT)
    return pl.when(gt > 0).then(GT_LENGTH_FACTOR * gt.pow(1.0 / 3.0)).otherwise(None)


def size_verdict(ais_length: pl.Expr, listed_length: pl.Expr, estimate: pl.Expr) -> pl.Expr:
    """Expression: ``"compatible"``, ``"conflict"`` or null (no basis), see Definitions."""
    diff = (ais_length - listed_length).abs()
    by_length = (
        pl.when(diff <= pl.max_horizontal(pl.lit(5.0), 0.10 * listed_length))
        .then(pl.lit("compatible"))
        .when(diff > pl.max_horizontal(pl.lit(15.0), 0.25 * listed_length))
        .then(pl.lit("conflict"))
        .otherwise(pl.lit(None, dtype=pl.String()))
    )
    ratio = ais_length / estimate
    by_estimate = (
        pl.when(ratio.is_between(0.65, 1.5))
        .then(pl.lit("compatible"))
        .when((ratio < 0.45) | (ratio > 2.2))
        .then(pl.lit("conflict"))
        .otherwise(pl.lit(None, dtype=pl.String()))
    )
    return (
        pl.when(ais_length.is_null())
        .then(pl.lit(None, dtype=pl.String()))
        .when(listed_length.is_not_null())
        .then(by_length)
        .when(estimate.is_not_null())
        .then(by_estimate)
        .otherwise(pl.lit(None, dtype=pl.String()))
    )


def name_block_keys(prefix: str = "name") -> pl.Expr:
    """Expression: the blocking keys of a name from its ``{prefix}_*`` columns (see Definitions)."""
    skel = pl.col(f"{prefix}_skeleton")
    numbers = pl.col(f"{prefix}_numbers")
    letters = skel.str.replace_all(r"[0-9]", "")
    numbered = pl.concat_list(
        pl.concat_str(pl.lit("#"), numbers, pl.lit("^"), letters.str.slice(0, 1)),
        pl.concat_str(pl.lit("#"), numbers, pl.lit("$"), letters.str.slice(-1, 1)),
    )
    words = (
        pl.col(f"{prefix}_skeleton_words")
        .str.split(" ")
        .list.eval(
            pl.element().filter(
                (pl.element().str.len_chars() >= 3) & ~pl.element().str.contains(r"^[0-9]+$")
            )
        )
    )
    plain = pl.concat_list(
        words,
        pl.concat_str(pl.lit("^"), skel.str.slice(0, 3)),
        pl.concat_str(pl.lit("$"), skel.str.slice(-3, 3)),
    )
    return pl.when(numbers != "").then(numbered).otherwise(plain).list.unique()


def imo_edit_keys(imo: pl.Expr) -> pl.Expr:
    """Expression: the 13 one-edit keys of a seven-digit IMO (see Definitions)."""
    s = imo.cast(pl.String).str.zfill(7)
    keys = [pl.concat_str(s.str.slice(0, i), pl.lit("_"), s.str.slice(i + 1)) for i in range(7)] + [
        pl.concat_str(
            pl.lit(f"t{i}"),
            s.str.slice(0, i),
            pl.min_horizontal(s.str.slice(i, 1), s.str.slice(i + 1, 1)),
            pl.max_horizontal(s.str.slice(i, 1), s.str.slice(i + 1, 1)),
            s.str.slice(i + 2),
        )
        for i in range(6)
    ]
    return pl.concat_list(keys)
