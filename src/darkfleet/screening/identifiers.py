"""Vessel identifiers: IMO check digits, MMSI flags (ITU MID table), call signs, countries.

Definitions
-----------
**IMO number valid** — seven decimal digits ``d1..d7``, not all zero, with
``(7·d1 + 6·d2 + 5·d3 + 4·d4 + 3·d5 + 2·d6) mod 10 == d7`` (IMO Resolution A.1117(30); the
ship-number scheme). Shipping *company* numbers use weights 8, 6, 4, 2, 9, 7 and
``(11 - sum mod 11) mod 10``; :func:`imo_company_is_valid` checks those (UN and EU lists give
company numbers for owners and managers).

**Flag of an MMSI** — for a ship station (nine digits, first digit 2-7) the Maritime
Identification Digits are the first three digits; the flag is the administration the ITU
allocated that MID to (ITU-R M.585 / Radio Regulations Appendix 42, shipped as
``darkfleet/data/mid.csv``: ``mid, iso2, country``). Any other MMSI (coast stations, SAR
aircraft, AtoN, handhelds, test or malformed numbers) has no flag (null).

Countries are ISO 3166-1 alpha-2 codes in upper case (``RU``, ``KP``); list wordings
("Democratic People's Republic of Korea", "St. Kitts & Nevis") are mapped by
:func:`country_code`, which uses ISO 3166 names (``pycountry``: short, official and common
names, alpha-2 and alpha-3 codes), the ITU MID table's wordings and a table of common forms.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources
from typing import overload

import numpy as np
import polars as pl

__all__ = [
    "callsign_key",
    "country_code",
    "flag_from_mmsi",
    "imo_company_is_valid",
    "imo_is_valid",
    "mid_table",
    "mmsi_flag_expr",
]

_IMO_WEIGHTS = np.array([7, 6, 5, 4, 3, 2], dtype=np.int64)
_IMO_TEXT = re.compile(r"^\s*(?:IMO)?[\s:.#-]*(\d{7})\s*$", re.IGNORECASE)


def _imo_valid_array(values: np.ndarray) -> np.ndarray:
    """Vectorised ship-IMO check over an int64 array (no nulls)."""
    v = values.astype(np.int64)
    in_range = (v >= 1_000_000) & (v <= 9_999_999)
    digits = np.stack([(v // 10 ** (6 - i)) % 10 for i in range(7)], axis=1)
    check = (digits[:, :6] @ _IMO_WEIGHTS) % 10
    return in_range & (check == digits[:, 6])


def _imo_int(value: int | str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    m = _IMO_TEXT.match(str(value))
    return int(m.group(1)) if m else None


@overload
def imo_is_valid(value: pl.Series) -> pl.Series: ...
@overload
def imo_is_valid(value: pl.Expr) -> pl.Expr: ...
@overload
def imo_is_valid(value: int | str | None) -> bool: ...
def imo_is_valid(value: int | str | pl.Series | pl.Expr | None) -> bool | pl.Series | pl.Expr:
    """Whether ``value`` is a valid ship IMO number (check digit, see module Definitions).

    Accepts an int (``9179842``), a string (``"IMO 9179842"``, ``"9179842"``), ``None``
    (→ ``False``), a Polars Series (→ Boolean Series, null stays null) or an expression.
    """
    if isinstance(value, pl.Expr):
        return value.map_batches(imo_is_valid, return_dtype=pl.Boolean())
    if isinstance(value, pl.Series):
        s = value.cast(pl.Int64, strict=False)
        mask = s.is_not_null().to_numpy()
        out = np.zeros(len(s), dtype=bool)
        if mask.any():
            out[mask] = _imo_valid_array(s.to_numpy()[mask])
        res = pl.Series(value.name, out, dtype=pl.Boolean())
        return (
            pl.select(pl.when(s.is_null()).then(None).otherwise(res)).to_series().alias(value.name)
        )
    if value is None:
        return False
    n = _imo_int(value)
    return n is not None and bool(_imo_valid_array(np.array([n]))[0])


def imo_company_is_valid(value: int | str | None) -> bool:
    """Whether ``value`` is a valid IMO *company* (owner/manager) number."""
    if value is None:
        return False
    n = _imo_int(value)
    if n is None or not 0 < n <= 9_999_999:
        return False
    d = [(n // 10 ** (6 - i)) % 10 for i in range(7)]
    total = sum(a * w for a, w in zip(d[:6], (8, 6, 4, 2, 9, 7), strict=True))
    return (11 - total % 11) % 10 == d[6]


@functools.cache
def mid_table() -> pl.DataFrame:
    """The ITU MID table shipped with darkfleet: ``mid`` (Int64), ``iso2``, ``country``."""
    data = resources.files("darkfleet").joinpath("data/mid.csv").read_bytes()
    return pl.read_csv(
        data, schema={"mid": pl.Int64(), "iso2": pl.String(), "country": pl.String()}
    )


def mmsi_flag_expr(mmsi: pl.Expr) -> pl.Expr:
    """Expression: ISO alpha-2 flag of a ship-station MMSI (null when not a ship station)."""
    table = mid_table()
    mid = (
        pl.when((mmsi >= 200_000_000) & (mmsi <= 799_999_999))
        .then(mmsi // 1_000_000)
        .otherwise(None)
    )
    return mid.replace_strict(table["mid"], table["iso2"], default=None, return_dtype=pl.String())


def flag_from_mmsi(mmsi: int | None) -> str | None:
    """ISO alpha-2 flag of one MMSI, e.g. ``flag_from_mmsi(273123456) == "RU"``."""
    if mmsi is None:
        return None
    return pl.select(mmsi_flag_expr(pl.lit(int(mmsi), dtype=pl.Int64()))).item()


_CALLSIGN_JUNK = re.compile(r"[^0-9A-Z]")


def callsign_key(callsign: str | None) -> str | None:
    """Call sign as a join key: upper case, only letters and digits (``"5IM 593"`` → ``5IM593``)."""
    if callsign is None:
        return None
    key = _CALLSIGN_JUNK.sub("", callsign.upper())
    return key if len(key) >= 3 else None


def callsign_key_expr(col: pl.Expr) -> pl.Expr:
    """Expression form of :func:`callsign_key`."""
    key = col.str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")
    return pl.when(key.str.len_chars() >= 3).then(key).otherwise(None)


_NO_COUNTRY = {"", "-0-", "NONE IDENTIFIED", "UNKNOWN", "N/A", "NONE", "STATELESS"}
_COUNTRY_ALIASES = {
    "DPRK": "KP",
    "NORTH KOREA": "KP",
    "KOREA NORTH": "KP",
    "SOUTH KOREA": "KR",
    "KOREA SOUTH": "KR",
    "BURMA": "MM",
    "MACAU": "MO",
    "TURKEY": "TR",
    "SWAZILAND": "SZ",
    "CAPE VERDE": "CV",
    "IVORY COAST": "CI",
    "CZECHIA": "CZ",
    "MACEDONIA": "MK",
    "UK": "GB",
    "USA": "US",
    "UNITED STATES OF AMERICA": "US",
    "UAE": "AE",
    "VIET NAM": "VN",
    "LAOS": "LA",
    "SYRIA": "SY",
    "PALESTINE": "PS",
    "VATICAN": "VA",
    "RUSSIA": "RU",
    "KOSOVO": "XK",
    "BRUNEI": "BN",
    "HOLY SEE": "VA",
    "KYRGYZSTAN": "KG",
    "THE GAMBIA": "GM",
    "GAMBIA THE": "GM",
    "BAHAMAS THE": "BS",
    "THE BAHAMAS": "BS",
    "CONGO DEMOCRATIC REPUBLIC OF THE": "CD",
    "DEMOCRATIC REPUBLIC OF THE CONGO": "CD",
    "DEMOCRATIC REPUBLIC OF CONGO": "CD",
    "DR CONGO": "CD",
    "REPUBLIC OF THE CONGO": "CG",
    "CONGO REPUBLIC OF THE": "CG",
    "CONGO": "CG",
    "MICRONESIA": "FM",
    "TAIWAN": "TW",
    "EAST TIMOR": "TL",
    "WEST BANK": "PS",
    "GAZA": "PS",
    "CRIMEA": "UA",
    "SAINT MARTIN": "MF",
    "SINT MAARTEN": "SX",
    "CURACAO": "CW",
    "NETHERLANDS ANTILLES": "NL",  # dissolved 2010; its MID 306 is now Curacao, Sint Maarten, Bonaire
    "YUGOSLAVIA": "YU",
    "SERBIA AND MONTENEGRO": "CS",
    "SOVIET UNION": "SU",
    "USSR": "SU",
}


def _country_text(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).upper()
    t = re.sub(r"\bST\.?(?=\s)", "SAINT", t.replace("&", " AND "))
    t = re.sub(r"[^A-Z0-9]+", " ", t)
    t = re.sub(r"^THE |\bTHE\b", " ", t)
    return re.sub(r" +", " ", t).strip()


@functools.cache
def _country_index() -> dict[str, str]:
    import pycountry

    index: dict[str, str] = {}
    for row in mid_table().iter_rows(named=True):  # ITU wordings, e.g. "Korea (Republic of)"
        index.setdefault(_country_text(re.sub(r"\s*\(.*\)", "", row["country"])), row["iso2"])
    short: dict[str, set[str]] = {}
    for c in pycountry.countries:
        names = [c.alpha_2, c.alpha_3, c.name]
        names += [getattr(c, a) for a in ("official_name", "common_name") if hasattr(c, a)]
        for name in names:
            index[_country_text(name)] = c.alpha_2
        if ", " in c.name:  # "Iran, Islamic Republic of" is also "Iran"
            short.setdefault(_country_text(c.name.split(", ")[0]), set()).add(c.alpha_2)
    for key, codes in short.items():
        if len(codes) == 1:  # "Korea, ..." names two countries: no short form
            index.setdefault(key, codes.pop())
    index.update({_country_text(k): v for k, v in _COUNTRY_ALIASES.items()})
    return index


@functools.cache
def country_code(name: str | None) -> str | None:
    """ISO alpha-2 code (upper case) for a country name or code as lists write them.

    ``"Russia"`` → ``RU``; ``"St. Kitts & Nevis"`` → ``KN``; ``"None Identified"`` → ``None``.
    Names come from ISO 3166 (``pycountry``: short, official and common names, alpha-2/3
    codes), the ITU MID table and a table of common wordings. Unknown wordings give
    ``None`` (the raw text stays in the entry's remarks).
    """
    if name is None or name.strip().upper() in _NO_COUNTRY:
        return None
    index = _country_index()
    key = _country_text(name)
    if key in index:
        return index[key]
    key = _country_text(re.sub(r"\s*\(.*?\)", "", name))  # "Korea (Republic of)"
    return index.get(key)
