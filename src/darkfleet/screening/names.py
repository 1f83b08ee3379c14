"""Vessel-name normalisation, transliteration skeletons and organisation-name keys.

Everything here is a Polars expression (one pass over a column, no per-row Python) except the
transliteration of non-ASCII text, which only list names need (AIS names are 6-bit ASCII).

Definitions
-----------
**Normalised name** (``name_norm``) — the name folded to ASCII (transliteration by
``anyascii``: ``АНГАРА`` → ``ANGARA``), upper case, ``&`` → ``AND``, apostrophes dropped, every
other non-alphanumeric character a space, letters and digits split (``YU7886`` → ``YU 7886``),
a leading vessel prefix removed when something follows it (``M/V``, ``MV``, ``M/T``, ``MT``,
``M/S``, ``MS``, ``S/S``, ``SS``, ``F/V``, ``FV``, ``M/Y``, ``MY``, ``R/V``, ``RV``, ``S/Y``,
``SY``, ``T/S``), ``NO`` before a number dropped (``NO.7`` → ``7``), Roman numerals II-XX (and
``I`` after the first word; ``XI`` is left alone, it is a common pinyin syllable) written as
numbers (``SPARTA IV`` → ``SPARTA 4``), runs of spaces collapsed.

**Compact name** — the normalised name without spaces (``CHONG CHON GANG`` and
``CHONGCHONGANG`` are the same vessel name).

**Skeleton** — the compact name with transliteration variants folded, so that the Russian,
Korean (McCune-Reischauer vs Revised Romanization) and Chinese spellings of one name agree:
``SHCH/SCH→S``, ``TCH/CH→Q``, ``ZH→J``, ``KH→H``, ``PH→F``, ``TH→T``, ``GH→G``, ``X→KS``,
``TS/TZ/DZ→Z``, ``CK/C→K``, ``J→Q``, ``G→K``, ``B→P``, ``D→T``, ``L→R``, ``W→V``, ``Y→I``,
``EO→O``, ``EU/OO/OU→U``, ``AE→E``, then doubled letters collapsed. Examples:
``SIYANIYE SEVERA`` ≡ ``SIYANIE SEVERA``; ``PAEK MA`` ≡ ``BAEK MA``; ``CHONGCHONGANG`` ≡
``JONGJONKANG``.

**Name numbers** — the set of numbers in the normalised name. Vessels of a series
(``SPARTA III``/``SPARTA IV``, ``FU YUAN YU 7880``/``7886``) differ only there, so two names
whose number sets differ are *different* names whatever their similarity.

**Organisation key** — a party name upper-cased, ASCII-folded, parenthesised parts removed
(``(OMM)``), punctuation removed and legal-form words dropped (``LLC``, ``LTD``, ``LIMITED``,
``CO``, ``COMPANY``, ``CORP``, ``INC``, ``JSC``, ``OOO``, ``SA``, ``PTE``, ...). Used to follow
"Linked To" / owner names across lists.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = [
    "ascii_fold",
    "looks_like_company",
    "name_columns",
    "normalize_name",
    "org_key",
    "org_key_expr",
    "skeleton",
]

_PREFIXES = r"^(?:M V|MV|M T|MT|M S|MS|S S|SS|F V|FV|M Y|MY|R V|RV|S Y|SY|T S) (\S)"

_ROMAN = {
    "II": 2,
    "III": 3,
    "IV": 4,
    "V": 5,
    "VI": 6,
    "VII": 7,
    "VIII": 8,
    "IX": 9,
    "X": 10,
    "XII": 12,
    "XIII": 13,
    "XIV": 14,
    "XV": 15,
    "XVI": 16,
    "XVII": 17,
    "XVIII": 18,
    "XIX": 19,
    "XX": 20,
    "I": 1,
}

# Transliteration folding, applied in this order to the upper-case compact name.
_SKELETON_RULES: list[tuple[str, str]] = [
    ("SHCH", "S"),
    ("SCH", "S"),
    ("TCH", "Q"),
    ("CH", "Q"),
    ("ZH", "J"),
    ("KH", "H"),
    ("PH", "F"),
    ("TH", "T"),
    ("GH", "G"),
    ("X", "KS"),
    ("TS", "Z"),
    ("TZ", "Z"),
    ("DZ", "Z"),
    ("CK", "K"),
    ("C", "K"),
    ("J", "Q"),
    ("G", "K"),
    ("B", "P"),
    ("D", "T"),
    ("L", "R"),
    ("W", "V"),
    ("Y", "I"),
    ("EO", "O"),
    ("EU", "U"),
    ("OO", "U"),
    ("OU", "U"),
    ("AE", "E"),
]

_LEGAL_FORMS = (
    "LLC|LTD|LIMITED|CO|COMPANY|CORP|CORPORATION|INC|INCORPORATED|JSC|OJSC|PJSC|CJSC|AO|OAO|"
    "ZAO|PAO|OOO|TOO|SA|SAL|SRL|SPA|AG|GMBH|BV|NV|PLC|PTE|PVT|PRIVATE|SDN|BHD|FZE|FZCO|DMCC|LLP|"
    "LP|KG|AS|AB|OY|THE|OF|AND|JOINT|STOCK|CLOSED|OPEN|PUBLIC|LIABILITY|TRDG|SHPG"
)


def ascii_fold(text: str | None) -> str | None:
    """Transliterate ``text`` to ASCII (``anyascii``); ASCII is unchanged."""
    if text is None or text.isascii():
        return text
    from anyascii import anyascii

    return anyascii(text)


def _ascii_expr(col: pl.Expr) -> pl.Expr:
    return (
        pl.when(col.str.contains(r"[^\x00-\x7F]"))
        .then(col.map_elements(ascii_fold, return_dtype=pl.String(), skip_nulls=True))
        .otherwise(col)
    )


def _norm_expr(col: pl.Expr) -> pl.Expr:
    e = _ascii_expr(col).str.to_uppercase()
    e = e.str.replace_all("&", " AND ", literal=True).str.replace_all(r"['\u2019`\u00b4]", "")
    e = e.str.replace_all(r"[^0-9A-Z]+", " ")
    e = e.str.replace_all(r"([A-Z])([0-9])", "$1 $2").str.replace_all(r"([0-9])([A-Z])", "$1 $2")
    e = e.str.strip_chars().str.replace(_PREFIXES, "$1")
    e = e.str.replace_all(r"(^| )NO ([0-9])", "$1$2")
    e = pl.concat_str(pl.lit(" "), e, pl.lit(" "))
    for numeral, number in _ROMAN.items():
        # twice: consecutive numerals share the separating space
        pattern = rf" {numeral} " if numeral != "I" else r"(\S) I "
        repl = f" {number} " if numeral != "I" else f"$1 {number} "
        e = e.str.replace_all(pattern, repl).str.replace_all(pattern, repl)
    e = e.str.replace_all(r" +", " ").str.strip_chars()
    return pl.when(e.str.len_chars() > 0).then(e).otherwise(None)


def _skeleton_expr(compact: pl.Expr) -> pl.Expr:
    e = compact
    for old, new in _SKELETON_RULES:
        e = e.str.replace_all(old, new, literal=True)
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        e = e.str.replace_all(ch + ch, ch, literal=True).str.replace_all(ch + ch, ch, literal=True)
    return e


def name_columns(col: str, prefix: str = "name") -> list[pl.Expr]:
    """Expressions adding ``{prefix}_norm``, ``_compact``, ``_skeleton`` (of the compact name),
    ``_skeleton_words`` (of the spaced name), ``_numbers`` from ``col``.

    ``_numbers`` is the sorted, de-duplicated numbers of the normalised name joined by ``,``
    (empty string when there are none).
    """
    norm = _norm_expr(pl.col(col))
    compact = norm.str.replace_all(" ", "", literal=True)
    numbers = norm.str.extract_all(r"[0-9]+").list.eval(
        pl.element().str.strip_chars_start("0").replace("", "0")
    )
    return [
        norm.alias(f"{prefix}_norm"),
        compact.alias(f"{prefix}_compact"),
        _skeleton_expr(compact).alias(f"{prefix}_skeleton"),
        _skeleton_expr(norm).alias(f"{prefix}_skeleton_words"),
        numbers.list.unique().list.sort().list.join(",").fill_null("").alias(f"{prefix}_numbers"),
    ]


def _one(value: str | None, expr: pl.Expr) -> str | None:
    return pl.DataFrame({"v": [value]}, schema={"v": pl.String()}).select(expr).item()


def normalize_name(name: str | None) -> str | None:
    """The normalised form of one vessel name (see Definitions), e.g. ``"M/V Lady-R"`` → ``LADY R``."""
    return _one(name, _norm_expr(pl.col("v")))


def skeleton(name: str | None) -> str | None:
    """The transliteration skeleton of one vessel name (see Definitions)."""
    return _one(name, _skeleton_expr(_norm_expr(pl.col("v")).str.replace_all(" ", "")))


def org_key_expr(col: pl.Expr) -> pl.Expr:
    """Expression: organisation key of a party name (see Definitions)."""
    e = _ascii_expr(col).str.to_uppercase().str.replace_all(r"\([^)]*\)", " ")
    e = e.str.replace_all(r"['\u2019`]", "").str.replace_all(r"[^0-9A-Z]+", " ")
    e = pl.concat_str(pl.lit(" "), e, pl.lit(" "))
    for _ in range(3):  # consecutive legal-form words share their separating spaces
        e = e.str.replace_all(rf" (?:{_LEGAL_FORMS}) ", " ")
    e = e.str.replace_all(r" +", " ").str.strip_chars()
    return pl.when(e.str.len_chars() > 0).then(e).otherwise(None)


_COMPANY_WORDS = re.compile(
    r"\b(?:LLC|LTD|LIMITED|CO|COMPANY|CORP|CORPORATION|INC|JSC|OJSC|PJSC|CJSC|OOO|OAO|ZAO|PAO|"
    r"SA|SRL|SPA|GMBH|BV|NV|PLC|PTE|PVT|BHD|FZE|FZCO|DMCC|LLP|SHIPPING|MANAGEMENT|"
    r"TRADING|GROUP|HOLDING|HOLDINGS|ENTERPRISE|ENTERPRISES|INTERNATIONAL|BANK|AGENCY)\b"
)


def looks_like_company(name: str | None) -> bool:
    """Whether a name contains a company legal-form or business word (``LTD``, ``SHIPPING`` ...)."""
    if not name:
        return False
    return bool(_COMPANY_WORDS.search(re.sub(r"[^A-Z0-9]+", " ", name.upper())))


def org_key(name: str | None) -> str | None:
    """Organisation key of one party name, e.g. ``"M LEASING LLC."`` → ``M LEASING``."""
    return _one(name, org_key_expr(pl.col("v")))
