"""Vessel identities: MMSI (with the flag's MID), IMO (valid check digit), names, sizes.

Everything is drawn from a ``numpy.random.Generator``. IMO numbers are 9xxxxxx with a valid
check digit; the IMOs of the packaged sanctions-list samples (``data/samples/lists``) are
never drawn, so only the vessel meant to be sanctioned matches a list by IMO. MMSIs are
unique within a scenario except where a scenario shares one on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

__all__ = ["MIDS", "Identity", "Namer", "imo_check_digit"]

#: Maritime identification digits by flag (ITU), for the flags the scenario uses.
MIDS: dict[str, tuple[int, ...]] = {
    "RU": (273,),
    "KR": (440, 441),
    "JP": (431, 432),
    "KP": (445,),
    "CN": (412, 413),
    "PA": (351, 352, 353),
    "SL": (667,),
    "CM": (613,),
    "TG": (671,),
    "PW": (511,),
    "KM": (620,),
    "MN": (457,),
}

_WORDS = (
    "AMUR",
    "ANGEL",
    "ARCTIC",
    "AURORA",
    "BAIKAL",
    "BLUE",
    "BRAVE",
    "CAPE",
    "CORAL",
    "DALNIY",
    "DELTA",
    "EAGLE",
    "EAST",
    "FALCON",
    "FORTUNE",
    "GOLDEN",
    "GRACE",
    "HAI",
    "HARMONY",
    "HOPE",
    "HORIZON",
    "JADE",
    "JIN",
    "KAPITAN",
    "KHASAN",
    "LENA",
    "LUCKY",
    "MARIA",
    "MORNING",
    "NADEZHDA",
    "NORD",
    "OCEAN",
    "ORIENT",
    "PACIFIC",
    "PEARL",
    "PIONEER",
    "PRIMORYE",
    "RAINBOW",
    "SAKHALIN",
    "SEA",
    "SILVER",
    "SKY",
    "SPIRIT",
    "STAR",
    "SUN",
    "TAIGA",
    "TIGER",
    "TRADER",
    "UNITY",
    "VICTORY",
    "VOLNA",
    "VOSTOK",
    "WIND",
    "ZARYA",
    "ZOLOTOY",
)


@dataclass(frozen=True)
class Identity:
    """What a vessel broadcasts from ``valid_from`` (epoch s) on."""

    valid_from: float
    mmsi: int
    imo: int | None
    shipname: str
    callsign: str
    flag: str
    ship_type: int
    to_bow_m: int
    to_stern_m: int
    to_port_m: int
    to_starboard_m: int

    @property
    def length_m(self) -> int:
        return self.to_bow_m + self.to_stern_m


def imo_check_digit(first6: int) -> int:
    """The IMO check digit of a six-digit number (weights 7..2, last digit of the sum)."""
    digits = [int(c) for c in f"{first6:06d}"]
    return sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10


@cache
def _listed_imos() -> frozenset[int]:
    root = resources.files("darkfleet") / "data" / "samples" / "lists"
    found: set[int] = set()
    try:
        for entry in root.iterdir():
            if entry.name.endswith((".csv", ".toml")):
                text = entry.read_bytes().decode("utf-8", errors="replace")
                found.update(int(m) for m in re.findall(r"(?<!\d)[1-9]\d{6}(?!\d)", text))
    except (FileNotFoundError, NotADirectoryError):
        pass
    return frozenset(found)


class Namer:
    """Draws unique MMSIs, IMOs, names and call signs for one scenario."""

    def __init__(self, rng: np.random.Generator, reserved_imos: tuple[int, ...] = ()) -> None:
        self.rng = rng
        self._mmsis: set[int] = set()
        self._imos: set[int] = set(reserved_imos) | set(_listed_imos())
        self._names: set[str] = set()

    def mmsi(self, flag: str) -> int:
        mids = MIDS[flag]
        while True:
            m = int(mids[int(self.rng.integers(len(mids)))]) * 1_000_000 + int(
                self.rng.integers(100_000, 1_000_000)
            )
            if m not in self._mmsis:
                self._mmsis.add(m)
                return m

    def imo(self) -> int:
        while True:
            first6 = int(self.rng.integers(910_000, 990_000))
            imo = first6 * 10 + imo_check_digit(first6)
            if imo not in self._imos:
                self._imos.add(imo)
                return imo

    def name(self) -> str:
        while True:
            a, b = (int(i) for i in self.rng.integers(len(_WORDS), size=2))
            n = (
                f"{_WORDS[a]} {_WORDS[b]}"
                if self.rng.random() < 0.6 and a != b
                else f"{_WORDS[a]} {int(self.rng.integers(1, 40))}"
            )
            if n not in self._names:
                self._names.add(n)
                return n

    def callsign(self, flag: str) -> str:
        prefix = {"RU": "U", "KR": "D", "JP": "J", "KP": "HM", "CN": "B", "PA": "3E"}.get(flag, "5")
        letters = "".join(chr(65 + int(i)) for i in self.rng.integers(26, size=3))
        return f"{prefix}{letters}{int(self.rng.integers(1, 10))}"[:7]

    def identity(
        self,
        t: float,
        flag: str,
        ship_type: int,
        length_m: tuple[float, float],
        *,
        imo: int | bool | None = True,
        name: str | None = None,
        mmsi: int | None = None,
    ) -> Identity:
        """A new identity; ``imo=True`` draws one, ``False``/``None`` leaves it out."""
        length = float(self.rng.uniform(*length_m))
        beam = max(4.0, length * float(self.rng.uniform(0.13, 0.17)))
        bow = round(length * float(self.rng.uniform(0.75, 0.85)))
        port = round(beam / 2)
        return Identity(
            valid_from=t,
            mmsi=self.mmsi(flag) if mmsi is None else mmsi,
            imo=self.imo() if imo is True else (imo or None),
            shipname=name if name is not None else self.name(),
            callsign=self.callsign(flag),
            flag=flag,
            ship_type=ship_type,
            to_bow_m=bow,
            to_stern_m=round(length) - bow,
            to_port_m=port,
            to_starboard_m=round(beam) - port,
        )
