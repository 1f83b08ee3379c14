"""Simulated vessel populations with ground truth, to measure screening precision and recall.

:func:`simulate_population` builds thousands of AIS identities (:data:`~.schema.IDENTITIES`
rows; ``line`` is the row number, ``source_id`` is ``"sim"``) from a list's vessel entries:

* **listed** identities — a sample of the listed vessels, as they would broadcast after one of
  the realistic evasions of :data:`SCENARIOS` (renamed, reflagged, MMSI changed, IMO dropped or
  mistyped, name misspelt or transliterated...). Each keeps *some* identity evidence: a vessel
  that changes its name, IMO, MMSI and call sign all at once cannot be found by identity
  screening (only by track analysis), so that case is not generated;
* **innocent** identities — random names, valid IMOs and MMSIs that no list carries, flags
  drawn mostly from open registries, *and* hard negatives: namesakes of listed vessels with
  their own (valid, different) IMO; names one letter away from a listed name; the next vessel
  of a numbered series (``SPARTA 5`` vs ``SPARTA IV``); an IMO two digits away from a listed
  one; a listed MMSI reused by another ship after the listed one moved on.

:func:`evaluate` scores a :func:`~darkfleet.screening.screen` result against the truth: an
identity is a true positive when it is listed and matched to its own entry (or another entry
with the same IMO), a false positive when it is matched but innocent or matched only to wrong
entries, a false negative when it is listed and not matched to its entry.

:func:`synthetic_entries` generates a small vessel list (ENTRIES frame) for where no real list
file is at hand. Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..io.sanctions.entries import ENTRIES, entries_frame
from .features import list_type_categories
from .identifiers import imo_is_valid, mid_table
from .schema import IDENTITIES

__all__ = ["SCENARIOS", "Evaluation", "evaluate", "simulate_population", "synthetic_entries"]

#: Perturbations of a listed vessel and their share of the listed identities.
SCENARIOS: dict[str, float] = {
    "exact": 0.12,  # broadcasts its listed identity
    "renamed": 0.14,  # new name, same IMO
    "reflagged": 0.12,  # new MMSI under another flag, same IMO and name
    "renamed_reflagged": 0.10,  # only the IMO is left
    "imo_typo": 0.08,  # IMO with one digit wrong (fails the check digit), same name
    "imo_dropped": 0.12,  # no IMO; same name, flag, type, size
    "imo_dropped_typo": 0.10,  # no IMO; one-letter misspelt name, same flag, type, size
    "imo_dropped_translit": 0.08,  # no IMO; name in another transliteration or "M/V" prefix
    "imo_dropped_new_mmsi": 0.07,  # no IMO, new MMSI (same flag); same name, type, size
    "callsign_only": 0.07,  # no IMO, new name; the listed call sign (or MMSI) kept
}

_WORDS = [
    "OCEAN",
    "STAR",
    "PACIFIC",
    "GLORY",
    "SEA",
    "LUCKY",
    "GOLDEN",
    "PRINCESS",
    "MARIA",
    "NORD",
    "EXPRESS",
    "SPIRIT",
    "PIONEER",
    "TRADER",
    "HAI",
    "FU",
    "YU",
    "XIN",
    "HUA",
    "JIN",
    "SHUN",
    "DA",
    "FENG",
    "KANG",
    "TAI",
    "ATLANTIC",
    "BALTIC",
    "ARCTIC",
    "AURORA",
    "HORIZON",
    "VOYAGER",
    "NAVIGATOR",
    "EAGLE",
    "FALCON",
    "PHOENIX",
    "DIAMOND",
    "PEARL",
    "CORAL",
    "JADE",
    "EMERALD",
    "SAPPHIRE",
    "BLUE",
    "GREEN",
    "WHITE",
    "SILVER",
    "CAPE",
    "BAY",
    "HARBOUR",
    "ISLAND",
    "RIVER",
    "DELTA",
    "ALPHA",
    "BETA",
    "GAMMA",
    "OMEGA",
    "ZEUS",
    "ATHENA",
    "HERMES",
    "APOLLO",
    "NEPTUNE",
    "POSEIDON",
    "TRITON",
    "KAPITAN",
    "ADMIRAL",
    "MORSKOY",
    "VOLGA",
    "AMUR",
    "LENA",
    "NEVA",
    "SVETLANA",
    "IRINA",
    "ELENA",
    "ANNA",
    "SOFIA",
    "LINDA",
    "GRACE",
    "HOPE",
    "FAITH",
    "UNITY",
    "FORTUNE",
    "PROSPERITY",
    "VICTORY",
    "LIBERTY",
    "FREEDOM",
    "ENERGY",
    "POWER",
    "GLOBAL",
    "UNITED",
    "ROYAL",
    "IMPERIAL",
    "GRAND",
    "GREAT",
    "NEW",
    "OLD",
    "BRAVE",
    "SWIFT",
    "RAPID",
    "KING",
    "QUEEN",
    "DRAGON",
    "TIGER",
    "LION",
    "BEAR",
    "WOLF",
    "HAWK",
    "MING",
    "YANG",
    "XIANG",
    "LONG",
    "SHENG",
    "HONG",
    "WAN",
    "HENG",
    "ORIENT",
    "SUN",
    "MOON",
]
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
# (AIS ship type, typical length range in m) per list type category
_AIS_TYPES: dict[str, tuple[int, float, float]] = {
    "tanker": (80, 90, 330),
    "cargo": (70, 60, 300),
    "fishing": (30, 15, 80),
    "passenger": (60, 30, 200),
    "tug": (52, 20, 70),
    "special": (33, 30, 120),
    "pleasure": (37, 12, 90),
}
# Open registries and others that dominate world shipping (innocent flags).
_COMMON_FLAGS = [
    "PA",
    "LR",
    "MH",
    "HK",
    "SG",
    "MT",
    "BS",
    "GR",
    "CN",
    "JP",
    "CY",
    "NO",
    "GB",
    "DK",
    "PT",
    "IT",
    "KR",
    "IN",
    "TR",
    "RU",
    "IR",
    "KP",
    "VN",
    "ID",
    "MY",
    "TG",
    "KM",
    "CM",
    "SL",
    "PW",
    "TZ",
    "GA",
]
_TRANSLIT = [
    ("J", "ZH"),
    ("H", "KH"),
    ("I", "Y"),
    ("Y", "I"),
    ("K", "C"),
    ("C", "K"),
    ("V", "W"),
    ("W", "V"),
    ("E", "YE"),
    ("U", "OU"),
    ("B", "P"),
    ("G", "K"),
]


@dataclass(frozen=True)
class Evaluation:
    """Precision and recall of one screening run against a simulated population."""

    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int
    listed: int
    innocent: int
    recall_by_scenario: dict[str, float]
    false_positives_by_scenario: dict[str, int]

    def summary(self) -> str:
        """One line: ``precision 0.998 recall 0.973 (TP … FP … FN …)``."""
        return (
            f"precision {self.precision:.4f} recall {self.recall:.4f} "
            f"(TP {self.true_positives}, FP {self.false_positives}, "
            f"FN {self.false_negatives}; {self.listed} listed, {self.innocent} innocent)"
        )


def _imo_check(first6: np.ndarray) -> np.ndarray:
    w = np.array([7, 6, 5, 4, 3, 2])
    digits = np.stack([(first6 // 10 ** (5 - i)) % 10 for i in range(6)], axis=1)
    return first6 * 10 + (digits @ w) % 10


def _random_imos(rng: np.random.Generator, n: int, exclude: set[int]) -> np.ndarray:
    out: list[int] = []
    while len(out) < n:
        cand = _imo_check(rng.integers(700_000, 999_999, size=2 * n + 10))
        out.extend(int(c) for c in cand if int(c) not in exclude)
        exclude = exclude | set(out)
    return np.array(out[:n], dtype=np.int64)


def _mids_by_flag() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for mid, iso2 in mid_table().select("mid", "iso2").iter_rows():
        out.setdefault(iso2, []).append(mid)
    return out


def _mmsi(rng: np.random.Generator, flag: str | None, mids: dict[str, list[int]]) -> int:
    if flag not in mids:
        flag = _COMMON_FLAGS[int(rng.integers(len(_COMMON_FLAGS)))]
    mid = mids[str(flag)][int(rng.integers(len(mids[str(flag)])))]
    return mid * 1_000_000 + int(rng.integers(0, 1_000_000))


def _random_name(rng: np.random.Generator) -> str:
    n = int(rng.choice([1, 2, 2, 3]))
    name = " ".join(_WORDS[int(i)] for i in rng.integers(len(_WORDS), size=n))
    r = rng.random()
    if r < 0.15:
        name += f" {int(rng.integers(1, 999))}"
    elif r < 0.22:
        name += f" {_ROMAN[int(rng.integers(1, len(_ROMAN)))]}"
    return name


def _word_letters(name: str) -> list[int]:
    """Positions of letters that may be changed: not the first, not in numbers or numerals."""
    out, pos = [], 0
    for word in name.split(" "):
        if word not in _ROMAN and not word.isdigit():
            out += [pos + i for i, c in enumerate(word) if c.isalpha() and pos + i > 0]
        pos += len(word) + 1
    return out


def _typo(rng: np.random.Generator, name: str) -> str:
    """One letter replaced, dropped or doubled (not the first; not in a number or numeral)."""
    letters = _word_letters(name)
    if not letters:
        return name
    i = letters[int(rng.integers(len(letters)))]
    op = int(rng.integers(3))
    if op == 0:
        alphabet = "ABCDEFGHIJKLMNOPRSTUVWY".replace(name[i], "")
        return name[:i] + alphabet[int(rng.integers(len(alphabet)))] + name[i + 1 :]
    if op == 1 and len(name) > 6:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def _translit(rng: np.random.Generator, name: str) -> str:
    """A transliteration variant: one spelling rule applied, or a ``M/V`` prefix and hyphens."""
    allowed = set(_word_letters(name))
    for k in rng.permutation(len(_TRANSLIT)):
        old, new = _TRANSLIT[int(k)]
        pos = name.find(old, 1)
        if pos in allowed:
            return name[:pos] + new + name[pos + len(old) :]
    return "M/V " + name.replace(" ", "-")


def _imo_digit_typo(rng: np.random.Generator, imo: int) -> int:
    """The IMO with one of its first six digits changed: always fails the check digit."""
    s = list(f"{imo:07d}")
    i = int(rng.integers(1, 6))
    s[i] = str((int(s[i]) + int(rng.integers(1, 10))) % 10)
    return int("".join(s))


def _vessels(entries: pl.DataFrame) -> pl.DataFrame:
    return (
        entries.filter(pl.col("entry_type") == "vessel")
        .with_columns(cats=list_type_categories(pl.col("vessel_type")))
        .with_columns(
            imo0=pl.col("imo").list.first(),
            mmsi0=pl.col("mmsi").list.first(),
            callsign0=pl.col("callsign").list.first(),
            gt=pl.when(pl.col("gross_tonnage") > 0)
            .then(pl.col("gross_tonnage"))
            .otherwise(pl.col("deadweight_t") * 0.55),
        )
    )


def _ais_type_and_length(
    rng: np.random.Generator, row: dict[str, Any], *, listed: bool
) -> tuple[int | None, float | None]:
    cats = [c for c in (row.get("cats") or []) if c in _AIS_TYPES]
    if listed and cats:
        code, lo, hi = _AIS_TYPES[cats[0]]
    else:
        code, lo, hi = list(_AIS_TYPES.values())[int(rng.integers(len(_AIS_TYPES)))]
    if listed and row.get("length_m"):
        length = float(row["length_m"]) * rng.uniform(0.97, 1.03)
    elif listed and row.get("gt"):
        length = 6.3 * float(row["gt"]) ** (1 / 3) * rng.uniform(0.85, 1.15)
    else:
        length = rng.uniform(lo, hi)
    if rng.random() < 0.1:  # type or dimensions not broadcast
        return (None if rng.random() < 0.5 else code), None
    return code, round(length)


def simulate_population(
    entries: pl.DataFrame, *, n_identities: int = 5000, n_listed: int = 300, seed: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A simulated population and its truth: ``(identities, truth)``.

    ``identities`` follows :data:`~.schema.IDENTITIES` (``line`` = row number). ``truth`` has
    one row per identity: ``line``, ``scenario`` (a :data:`SCENARIOS` key for listed ones,
    ``innocent``/``namesake``/``name_typo``/``series``/``imo_two_digits``/``mmsi_reused`` for
    the others), ``entry_key`` (``list:entry_id`` of the source entry, null when innocent) and
    ``entry_imos`` (its IMOs). ``n_listed`` vessels are sampled (with replacement when the list
    is shorter) from the vessel entries that have a name.
    """
    rng = np.random.default_rng(seed)
    mids = _mids_by_flag()
    vessels = _vessels(entries).filter(pl.col("name").is_not_null())
    vrows = vessels.to_dicts()
    listed_imos = {int(i) for i in vessels["imo"].explode().drop_nulls().to_list()}
    listed_mmsis = {int(m) for m in vessels["mmsi"].explode().drop_nulls().to_list()}
    rows: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    fresh_imos = iter(_random_imos(rng, n_identities + 10, set(listed_imos)).tolist())

    def fresh_mmsi(flag: str | None) -> int:
        while True:
            m = _mmsi(rng, flag, mids)
            if m not in listed_mmsis:
                return m

    def add(row: dict[str, Any], scenario: str, src: dict | None) -> None:
        line = len(rows)
        length = row.pop("length", None)
        bow = None if length is None else round(length * 0.8)
        stern = None if length is None or bow is None else int(length) - bow
        rows.append(
            {
                **row,
                "to_bow_m": bow,
                "to_stern_m": stern,
                "messages": 1,
                "source_id": "sim",
                "line": line,
            }
        )
        truth.append(
            {
                "line": line,
                "scenario": scenario,
                "entry_key": None if src is None else f"{src['list']}:{src['entry_id']}",
                "entry_imos": [] if src is None else list(src["imo"] or []),
            }
        )

    names = list(SCENARIOS)
    probs = np.array(list(SCENARIOS.values()))
    picks: list[int] = (
        rng.choice(len(vrows), size=n_listed, replace=n_listed > len(vrows)).tolist()
        if vrows
        else []
    )
    for k in picks:
        src = vrows[int(k)]
        sc = names[int(rng.choice(len(names), p=probs / probs.sum()))]
        if src["imo0"] is None and sc in (
            "exact",
            "renamed",
            "reflagged",
            "renamed_reflagged",
            "imo_typo",
        ):
            sc = "imo_dropped"  # a listed vessel without IMO: keep what it has
        if sc == "callsign_only" and src["callsign0"] is None and src["mmsi0"] is None:
            sc = "imo_dropped_typo"
        flag = src["flag"]
        code, length = _ais_type_and_length(rng, src, listed=True)
        name = src["name"] if not src["aliases"] or rng.random() < 0.8 else src["aliases"][0]
        imo = src["imo0"]
        mmsi = src["mmsi0"] if src["mmsi0"] is not None else fresh_mmsi(flag)
        callsign = src["callsign0"]
        if sc in ("renamed", "renamed_reflagged", "callsign_only"):
            name = _random_name(rng)
        if sc in ("reflagged", "renamed_reflagged"):
            other = [f for f in _COMMON_FLAGS if f != flag]
            mmsi, callsign = fresh_mmsi(other[int(rng.integers(len(other)))]), None
        if sc == "imo_typo":
            imo = _imo_digit_typo(rng, int(imo))
        if sc.startswith("imo_dropped") or sc == "callsign_only":
            imo = None
        if sc == "imo_dropped_typo":
            name = _typo(rng, name)
        if sc == "imo_dropped_translit":
            name = _translit(rng, name)
        if sc == "imo_dropped_new_mmsi":
            mmsi, callsign = fresh_mmsi(flag), None
        add(
            {
                "mmsi": mmsi,
                "imo": imo,
                "callsign": callsign,
                "shipname": name,
                "ship_type": code,
                "length": length,
            },
            sc,
            src,
        )

    n_innocent = n_identities - len(rows)
    hard = ["namesake", "name_typo", "series", "imo_two_digits", "mmsi_reused"]
    for _ in range(n_innocent):
        r = rng.random()
        sc = hard[int(rng.integers(len(hard)))] if (r < 0.3 and vrows) else "innocent"
        src = vrows[int(rng.integers(len(vrows)))] if vrows else {}
        flag = _COMMON_FLAGS[int(rng.integers(len(_COMMON_FLAGS)))]
        code, length = _ais_type_and_length(rng, src, listed=False)
        imo = next(fresh_imos) if rng.random() < 0.8 else None
        name = _random_name(rng)
        mmsi = fresh_mmsi(flag)
        if sc == "namesake":
            name = src["name"]
            imo = next(fresh_imos) if rng.random() < 0.7 else None
        elif sc == "name_typo":
            name = _typo(rng, src["name"])
        elif sc == "series":
            base = str(src["name"]).split(" ")[0]
            name = f"{base} {int(rng.integers(1, 30))}"
        elif sc == "imo_two_digits" and src.get("imo0"):
            first6 = int(src["imo0"]) // 10
            for _try in range(20):
                i, j = rng.choice(6, size=2, replace=False)
                d = list(f"{first6:06d}")
                d[int(i)] = str((int(d[int(i)]) + int(rng.integers(1, 10))) % 10)
                d[int(j)] = str((int(d[int(j)]) + int(rng.integers(1, 10))) % 10)
                cand = int(_imo_check(np.array([int("".join(d))]))[0])
                if cand >= 1_000_000 and cand not in listed_imos:
                    imo = cand
                    break
        elif sc == "mmsi_reused" and src.get("mmsi0"):
            mmsi = int(src["mmsi0"])
            imo = next(fresh_imos)  # a large ship re-using a freed MMSI broadcasts its own IMO
        callsign = (
            None
            if rng.random() < 0.3
            else f"{chr(65 + int(rng.integers(26)))}{int(rng.integers(10000, 99999))}Z"
        )
        add(
            {
                "mmsi": mmsi,
                "imo": imo,
                "callsign": callsign,
                "shipname": name,
                "ship_type": code,
                "length": length,
            },
            sc,
            None,
        )

    ids = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        first_seen=pl.lit(None, dtype=IDENTITIES["first_seen"]),
        last_seen=pl.lit(None, dtype=IDENTITIES["last_seen"]),
        to_port_m=pl.lit(None, dtype=pl.Int16()),
        to_starboard_m=pl.lit(None, dtype=pl.Int16()),
    )
    ids = ids.select([pl.col(c).cast(t) for c, t in IDENTITIES.items()])
    truth_df = pl.DataFrame(
        truth,
        schema={
            "line": pl.Int64(),
            "scenario": pl.String(),
            "entry_key": pl.String(),
            "entry_imos": pl.List(pl.Int64()),
        },
    )
    return ids, truth_df


def evaluate(matches: pl.DataFrame, truth: pl.DataFrame) -> Evaluation:
    """Precision and recall of ``matches`` (from ``screen`` on a simulated population)."""
    m = matches.select(
        pl.col("ais_line").alias("line"),
        pl.concat_str("list", pl.lit(":"), "entry_id").alias("key"),
        "entry_imo",
    ).join(truth, on="line")
    shares_imo = pl.col("entry_imo").list.set_intersection(pl.col("entry_imos")).list.len() > 0
    m = m.with_columns(correct=(pl.col("key") == pl.col("entry_key")).fill_null(False) | shares_imo)
    per_id = m.group_by("line").agg(pl.col("correct").any())
    t = truth.join(per_id, on="line", how="left").with_columns(
        matched=pl.col("correct").is_not_null(),
        correct=pl.col("correct").fill_null(False),
        listed=pl.col("entry_key").is_not_null(),
    )
    tp = t.filter(pl.col("listed") & pl.col("correct")).height
    fp_rows = t.filter(pl.col("matched") & ~(pl.col("listed") & pl.col("correct")))
    fn = t.filter(pl.col("listed") & ~pl.col("correct")).height
    fp = fp_rows.height
    by_sc = (
        t.filter(pl.col("listed"))
        .group_by("scenario")
        .agg(pl.col("correct").mean())
        .sort("scenario")
    )
    fp_sc = fp_rows.group_by("scenario").len().sort("scenario")
    return Evaluation(
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        listed=int(t["listed"].sum()),
        innocent=int((~t["listed"]).sum()),
        recall_by_scenario=dict(by_sc.iter_rows()),
        false_positives_by_scenario={k: int(v) for k, v in fp_sc.iter_rows()},
    )


_SYN_TYPES = [
    "Crude Oil Tanker",
    "Oil Products Tanker",
    "General Cargo",
    "Bulk Carrier",
    "Container Ship",
    "LPG Tanker",
    "Fishing Vessel",
    "Tug",
    "Yacht",
    None,
]
_SYN_FLAGS = ["IR", "KP", "RU", "PA", "TG", "KM", "SY", "CM", "VE", "MN", "SL", "PW"]


def synthetic_entries(n: int = 400, *, seed: int = 12345) -> pl.DataFrame:
    """A generated vessel list (ENTRIES frame, list ``synthetic``) with a few owner parties."""
    rng = np.random.default_rng(seed)
    imos = _random_imos(rng, n, set())
    mids = _mids_by_flag()
    recs: list[dict[str, Any]] = []
    for i in range(n):
        # field coverage as on the real OFAC list: flag 97 %, type 84 %, tonnage 23 % ...
        flag = _SYN_FLAGS[int(rng.integers(len(_SYN_FLAGS)))] if rng.random() < 0.97 else None
        name = _random_name(rng) if rng.random() < 0.6 else _translit(rng, _random_name(rng))
        recs.append(
            {
                "list": "synthetic",
                "entry_id": f"V{i:04d}",
                "entry_type": "vessel",
                "name": name,
                "aliases": [_random_name(rng)] if rng.random() < 0.3 else [],
                "imo": [int(imos[i])] if rng.random() < 0.97 else [],
                "mmsi": [_mmsi(rng, flag, mids)] if rng.random() < 0.12 else [],
                "callsign": [
                    f"{chr(65 + int(rng.integers(26)))}{int(rng.integers(100, 999))}"
                    f"{chr(65 + int(rng.integers(26)))}"
                ]
                if rng.random() < 0.15
                else [],
                "flag": flag,
                "vessel_type": _SYN_TYPES[int(rng.integers(len(_SYN_TYPES)))]
                if rng.random() < 0.9
                else None,
                "gross_tonnage": float(rng.integers(300, 90_000)) if rng.random() < 0.23 else None,
                "owners": [f"OWNER {i % 40} SHIPPING LLC"],
                "programmes": ["SYNTHETIC"],
                "source_id": "synthetic",
                "line": i + 1,
            }
        )
    for k in range(40):
        recs.append(
            {
                "list": "synthetic",
                "entry_id": f"P{k:04d}",
                "entry_type": "organization",
                "name": f"OWNER {k} SHIPPING LLC",
                "programmes": ["SYNTHETIC"],
                "source_id": "synthetic",
                "line": n + k + 1,
            }
        )
    frame = entries_frame(recs)
    assert list(frame.schema) == list(ENTRIES)
    return frame.filter(
        (pl.col("entry_type") != "vessel")
        | imo_is_valid(pl.col("imo").list.first()).fill_null(True)
    )
