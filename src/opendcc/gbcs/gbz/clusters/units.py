"""Units and scales shared by the Smart Energy clusters (SE D.3.2.2.4.1 and friends)."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

UNITS_OF_MEASURE: Final = {
    0x00: "kWh",
    0x01: "m3",
    0x02: "ft3",
    0x03: "ccf",
    0x04: "US gl",
    0x05: "IMP gl",
    0x06: "BTU",
    0x07: "l",
    0x08: "kPa (gauge)",
    0x09: "kPa (absolute)",
    0x0A: "mcf",
    0x0B: "unitless",
    0x0C: "MJ",
    0x0D: "kVArh",
}
"""Metering/Price UnitOfMeasure: binary forms; 0x80 + n is the same unit in BCD."""

CALORIFIC_VALUE_UNITS: Final = {0x01: "MJ/m3", 0x02: "MJ/kg"}

CURRENCIES: Final = {826: "GBP", 978: "EUR", 840: "USD"}
"""ISO 4217 numeric codes GBCS devices carry (GB meters use 826)."""


def unit_label(code: int) -> str:
    if code >= 0x80 and (code - 0x80) in UNITS_OF_MEASURE:
        return UNITS_OF_MEASURE[code - 0x80]
    return UNITS_OF_MEASURE.get(code, f"0x{code:02X}")


def scaled(raw: int, multiplier: int = 1, divisor: int = 1) -> Decimal:
    """``raw x multiplier / divisor`` exactly (a zero divisor reads as 1, as SE says)."""
    return Decimal(raw) * multiplier / (divisor or 1)


def trailing_digits(bitmap: int) -> int:
    """Digits right of the decimal point: the high nibble of a trailing-digit bitmap."""
    return (bitmap >> 4) & 0x0F


def decimal_text(value: Decimal) -> str:
    """A plain decimal string (no exponent), trailing zeros kept only as far as needed."""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def with_digits(raw: int, digits: int) -> str:
    """``raw`` with ``digits`` implied decimal places, as text."""
    return decimal_text(Decimal(raw).scaleb(-digits))
