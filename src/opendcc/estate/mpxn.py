"""MPANs and MPRNs: their formats, check digits and the fuel each identifies.

An MPAN core is 13 digits: a two-digit distributor ID (10 to 23 for the fourteen GB
distribution areas), ten digits, and a check digit. The check digit is the sum of the
first twelve digits weighted by the primes 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43,
modulo 11, modulo 10 (the MRA's published rule).

An MPRN is up to 10 digits (DUIS ``MPRN``: 1 to 10 characters); its last two digits are
check digits: each earlier digit is weighted by its distance from the end of the body (the
first of an 8-digit body by 8, the last by 1), and the check digits are the sum modulo 11,
written as two digits. That is the rule as publicly described for Xoserve's MPRNs
(``3938424403``: body ``39384244`` gives 179, 179 mod 11 = 3, check digits ``03``); opendcc
has not checked it against Xoserve's own specification, so only the seeder relies on it.

The store accepts any MPAN or MPRN of the right *format* (the DUIS reference templates
use MPANs whose check digits do not verify); the seeder only ever generates valid ones.
"""

from __future__ import annotations

from typing import Final

from opendcc.inventory.model import CspRegion, Fuel

_MPAN_WEIGHTS: Final = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)


def mpan_check_digit(first_twelve: str) -> int:
    """The check digit completing a 12-digit MPAN stem."""
    if len(first_twelve) != 12 or not first_twelve.isdigit():
        raise ValueError(f"an MPAN stem is 12 digits, got {first_twelve!r}")
    total = sum(int(d) * w for d, w in zip(first_twelve, _MPAN_WEIGHTS, strict=True))
    return total % 11 % 10


def make_mpan(distributor: int, unique: int) -> str:
    """An MPAN core for ``distributor`` (10-23) and a ten-digit ``unique`` number."""
    if not 0 <= distributor <= 99 or not 0 <= unique < 10**10:
        raise ValueError("distributor is two digits and unique ten")
    stem = f"{distributor:02d}{unique:010d}"
    return f"{stem}{mpan_check_digit(stem)}"


def is_mpan(text: str) -> bool:
    """Whether ``text`` has the MPAN core format (13 ASCII digits); check digit not tested."""
    return len(text) == 13 and text.isascii() and text.isdigit()


def mpan_is_valid(text: str) -> bool:
    """Whether ``text`` is an MPAN core whose check digit verifies."""
    return is_mpan(text) and mpan_check_digit(text[:12]) == int(text[12])


def mprn_check_digits(body: str) -> str:
    """The two check digits completing an MPRN body (4 to 8 digits)."""
    if not 4 <= len(body) <= 8 or not body.isascii() or not body.isdigit():
        raise ValueError(f"an MPRN body is 4 to 8 digits, got {body!r}")
    total = sum(int(d) * (len(body) - i) for i, d in enumerate(body))
    return f"{total % 11:02d}"


def make_mprn(body: int) -> str:
    """A 10-digit MPRN from an 8-digit body (10,000,000 to 99,999,999)."""
    if not 10_000_000 <= body <= 99_999_999:
        raise ValueError("an MPRN body here is eight digits without a leading zero")
    text = str(body)
    return text + mprn_check_digits(text)


def is_mprn(text: str) -> bool:
    """Whether ``text`` has the MPRN format (1 to 10 ASCII digits); check digits not tested."""
    return 1 <= len(text) <= 10 and text.isascii() and text.isdigit()


def mprn_is_valid(text: str) -> bool:
    """Whether ``text`` is a 6-10 digit MPRN whose check digits verify."""
    return is_mprn(text) and len(text) >= 6 and mprn_check_digits(text[:-2]) == text[-2:]


def fuel_of(mpxn: str) -> Fuel | None:
    """Electricity for an MPAN, gas for an MPRN, None for anything else."""
    if is_mpan(mpxn):
        return Fuel.ELECTRICITY
    if is_mprn(mpxn):
        return Fuel.GAS
    return None


DISTRIBUTION_AREAS: Final[dict[int, tuple[str, CspRegion]]] = {
    # MPAN distributor ID: (GB distribution area, the CSP region opendcc places it in).
    # The CSP regions follow the SM WAN split (North: Scotland and northern England;
    # Central: the Midlands, East Anglia and Wales; South: southern England); the
    # assignment of each area is opendcc's approximation for simulation, not DCC data.
    10: ("Eastern", CspRegion.CENTRAL),
    11: ("East Midlands", CspRegion.CENTRAL),
    12: ("London", CspRegion.SOUTH),
    13: ("Merseyside and North Wales", CspRegion.NORTH),
    14: ("West Midlands", CspRegion.CENTRAL),
    15: ("North East", CspRegion.NORTH),
    16: ("North West", CspRegion.NORTH),
    17: ("North Scotland", CspRegion.NORTH),
    18: ("South Scotland", CspRegion.NORTH),
    19: ("South East", CspRegion.SOUTH),
    20: ("Southern", CspRegion.SOUTH),
    21: ("South Wales", CspRegion.CENTRAL),
    22: ("South West", CspRegion.SOUTH),
    23: ("Yorkshire", CspRegion.NORTH),
}
