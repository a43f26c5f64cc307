"""The DLMS unit enumeration (Blue Book 4.3.2, ``scaler_unit``), as GBCS uses it.

Values GBCS fixes: energy registers in Wh (30) or varh (32), power in W (27), voltage in
V (35), durations in seconds (7), prices and balances in "other" (254: currency, scaled
by the price scale), counters without unit (255).
"""

from __future__ import annotations

import enum


class Unit(enum.IntEnum):
    YEAR = 1
    MONTH = 2
    WEEK = 3
    DAY = 4
    HOUR = 5
    MINUTE = 6
    SECOND = 7
    DEGREE = 8
    DEGREE_CELSIUS = 9
    CURRENCY = 10
    METRE = 11
    METRE_PER_SECOND = 12
    CUBIC_METRE = 13
    CUBIC_METRE_CORRECTED = 14
    CUBIC_METRE_PER_HOUR = 15
    CUBIC_METRE_PER_HOUR_CORRECTED = 16
    CUBIC_METRE_PER_DAY = 17
    CUBIC_METRE_PER_DAY_CORRECTED = 18
    LITRE = 19
    KILOGRAM = 20
    NEWTON = 21
    NEWTON_METRE = 22
    PASCAL = 23
    BAR = 24
    JOULE = 25
    JOULE_PER_HOUR = 26
    WATT = 27
    VOLT_AMPERE = 28
    VAR = 29
    WATT_HOUR = 30
    VOLT_AMPERE_HOUR = 31
    VAR_HOUR = 32
    AMPERE = 33
    COULOMB = 34
    VOLT = 35
    VOLT_PER_METRE = 36
    FARAD = 37
    OHM = 38
    HERTZ = 44
    KELVIN = 52
    PERCENT = 56
    AMPERE_HOUR = 57
    WATT_HOUR_PER_CUBIC_METRE = 60
    JOULE_PER_CUBIC_METRE = 61
    DBM = 70
    OTHER = 254
    COUNT = 255

    @property
    def symbol(self) -> str:
        return _SYMBOLS.get(self, self.name.lower())


_SYMBOLS: dict[Unit, str] = {
    Unit.YEAR: "a",
    Unit.MONTH: "mo",
    Unit.WEEK: "wk",
    Unit.DAY: "d",
    Unit.HOUR: "h",
    Unit.MINUTE: "min",
    Unit.SECOND: "s",
    Unit.DEGREE: "°",
    Unit.DEGREE_CELSIUS: "°C",
    Unit.CURRENCY: "currency",
    Unit.METRE: "m",
    Unit.METRE_PER_SECOND: "m/s",
    Unit.CUBIC_METRE: "m3",
    Unit.CUBIC_METRE_CORRECTED: "m3 (corrected)",
    Unit.CUBIC_METRE_PER_HOUR: "m3/h",
    Unit.CUBIC_METRE_PER_HOUR_CORRECTED: "m3/h (corrected)",
    Unit.CUBIC_METRE_PER_DAY: "m3/d",
    Unit.CUBIC_METRE_PER_DAY_CORRECTED: "m3/d (corrected)",
    Unit.LITRE: "l",
    Unit.KILOGRAM: "kg",
    Unit.NEWTON: "N",
    Unit.NEWTON_METRE: "Nm",
    Unit.PASCAL: "Pa",
    Unit.BAR: "bar",
    Unit.JOULE: "J",
    Unit.JOULE_PER_HOUR: "J/h",
    Unit.WATT: "W",
    Unit.VOLT_AMPERE: "VA",
    Unit.VAR: "var",
    Unit.WATT_HOUR: "Wh",
    Unit.VOLT_AMPERE_HOUR: "VAh",
    Unit.VAR_HOUR: "varh",
    Unit.AMPERE: "A",
    Unit.COULOMB: "C",
    Unit.VOLT: "V",
    Unit.VOLT_PER_METRE: "V/m",
    Unit.FARAD: "F",
    Unit.OHM: "Ω",
    Unit.HERTZ: "Hz",
    Unit.KELVIN: "K",
    Unit.PERCENT: "%",
    Unit.AMPERE_HOUR: "Ah",
    Unit.WATT_HOUR_PER_CUBIC_METRE: "Wh/m3",
    Unit.JOULE_PER_CUBIC_METRE: "J/m3",
    Unit.DBM: "dBm",
    Unit.OTHER: "other",
    Unit.COUNT: "count",
}


def unit_of(code: int) -> Unit | int:
    """The unit for a DLMS unit code, or the code itself when this table lacks it."""
    try:
        return Unit(code)
    except ValueError:
        return code


def unit_symbol(unit: Unit | int | None) -> str | None:
    if unit is None:
        return None
    if isinstance(unit, Unit):
        return unit.symbol
    return f"unit-{unit}"
