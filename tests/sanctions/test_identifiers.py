"""The IMO check digit (darkfleet.screening.identifiers, used by the list readers)."""

from __future__ import annotations

import polars as pl
import pytest

from darkfleet.screening.identifiers import imo_company_is_valid, imo_is_valid

SHIPS = [9179842, 9161003, 9358010, 9743033, 9187629, 8606173, 8730455]  # from the OFAC list


@pytest.mark.parametrize("imo", SHIPS)
def test_listed_ship_numbers_are_valid(imo: int) -> None:
    assert imo_is_valid(imo)
    assert imo_is_valid(str(imo))
    assert imo_is_valid(f"IMO {imo}")


def _reference(n: int) -> bool:
    """The Definition, written out digit by digit (independent of the vectorised code)."""
    d = [int(c) for c in f"{n:07d}"]
    return (
        n >= 1_000_000
        and sum(w * x for w, x in zip((7, 6, 5, 4, 3, 2), d, strict=False)) % 10 == d[6]
    )


@pytest.mark.parametrize("imo", SHIPS)
def test_single_digit_changes(imo: int) -> None:
    """A change of digit i by delta goes unnoticed exactly when weight_i * delta = 0 (mod 10):
    any change of the check digit or of the digits weighted 7 and 3 is caught; a change by 5 of
    those weighted 6, 4, 2 and an even change of the one weighted 5 are not."""
    weights = (7, 6, 5, 4, 3, 2, -1)  # the check digit enters the sum with weight -1
    digits = str(imo)
    for pos in range(7):
        for d in "0123456789":
            if d == digits[pos]:
                continue
            other = digits[:pos] + d + digits[pos + 1 :]
            unnoticed = (weights[pos] * (int(d) - int(digits[pos]))) % 10 == 0
            assert imo_is_valid(other) == (unnoticed and other[0] != "0"), other


def test_matches_the_definition_on_a_range() -> None:
    numbers = list(range(9_179_000, 9_181_000)) + list(range(999_000, 1_001_000))
    got = imo_is_valid(pl.Series("imo", numbers)).to_list()
    assert got == [_reference(n) for n in numbers]
    assert sum(got) == 300  # one in ten of the 3,000 seven-digit numbers; none below 1,000,000


def test_worked_example() -> None:
    # 9 1 7 9 8 4 -> 9*7 + 1*6 + 7*5 + 9*4 + 8*3 + 4*2 = 172 -> check digit 2
    assert imo_is_valid(9179842)
    assert not imo_is_valid(9179843)
    assert not imo_is_valid(9719842)  # adjacent transposition


@pytest.mark.parametrize("value", [None, 0, "0000000", 917984, 91798420, "abc", "", -9179842, True])
def test_not_imo_numbers(value: object) -> None:
    assert imo_is_valid(value) is False  # type: ignore[arg-type]


def test_series_and_expression() -> None:
    s = pl.Series("imo", [9179842, 9179843, None])
    assert imo_is_valid(s).to_list() == [True, False, None]
    frame = pl.DataFrame({"imo": [9161003, 1]})
    assert frame.select(imo_is_valid(pl.col("imo")))["imo"].to_list() == [True, False]


@pytest.mark.parametrize("imo", [1790183, 5342883, 5055293, 5179245, 5405737, 5195011])
def test_company_numbers(imo: int) -> None:
    """IMO company numbers (weights 8 6 4 2 9 7, (11 - sum mod 11) mod 10), from OFAC/UN."""
    assert imo_company_is_valid(imo)
    assert not imo_company_is_valid(imo + 1 if imo % 10 != 9 else imo - 1)
