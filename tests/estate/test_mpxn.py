"""MPAN and MPRN formats and check digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendcc.estate.mpxn import (
    DISTRIBUTION_AREAS,
    fuel_of,
    is_mpan,
    is_mprn,
    make_mpan,
    make_mprn,
    mpan_check_digit,
    mpan_is_valid,
    mprn_check_digits,
    mprn_is_valid,
)
from opendcc.inventory.model import CspRegion, Fuel


def test_worked_examples() -> None:
    # The publicly described MPRN example: body 39384244 weighted 8..1 sums to 179 = 3 mod 11.
    assert mprn_check_digits("39384244") == "03"
    assert mprn_is_valid("3938424403")
    assert not mprn_is_valid("3938424404")
    # MPAN, worked by hand: 1*3 + 4*5 + 1*7 + 2*13 + 3*17 + 4*19 + 5*23 + 1*43 = 341,
    # 341 mod 11 = 0, mod 10 = 0.
    assert mpan_check_digit("141234500001") == 0
    # One more 1 in the last place adds 43 twice: 427 mod 11 = 9.
    assert mpan_check_digit("141234500003") == 9
    assert mpan_is_valid("1412345000010")


def test_format_is_checked_apart_from_check_digits() -> None:
    # DUIS reference data uses MPANs whose check digits do not verify: the format is enough
    # for the store, the check digit only matters to the seeder.
    assert is_mpan("1312345678111") and not mpan_is_valid("1312345678111")
    assert fuel_of("1312345678111") is Fuel.ELECTRICITY
    assert fuel_of("1234567890") is Fuel.GAS
    for bad in ("", "12345678901", "123456789012", "13123456781111", "13123x5678111", "１２３"):
        assert fuel_of(bad) is None, bad
    assert not is_mprn("") and not is_mpan("131234567811")


@given(st.integers(10, 23), st.integers(0, 10**10 - 1))
def test_made_mpans_verify(area: int, unique: int) -> None:
    mpan = make_mpan(area, unique)
    assert len(mpan) == 13 and mpan.startswith(f"{area}") and mpan_is_valid(mpan)


@given(st.integers(10_000_000, 99_999_999), st.integers(0, 7), st.integers(1, 9))
def test_any_single_digit_change_in_an_mprn_body_is_detected(
    body: int, position: int, delta: int
) -> None:
    mprn = make_mprn(body)
    assert mprn_is_valid(mprn)
    digits = list(mprn)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not mprn_is_valid("".join(digits))


def test_makers_refuse_out_of_range_input() -> None:
    with pytest.raises(ValueError):
        make_mpan(100, 1)
    with pytest.raises(ValueError):
        make_mpan(10, 10**10)
    with pytest.raises(ValueError):
        make_mprn(9_999_999)
    with pytest.raises(ValueError):
        mprn_check_digits("12a4")
    with pytest.raises(ValueError):
        mpan_check_digit("1234")


def test_every_distribution_area_has_a_region() -> None:
    assert sorted(DISTRIBUTION_AREAS) == list(range(10, 24))
    assert {region for _, region in DISTRIBUTION_AREAS.values()} == set(CspRegion)
