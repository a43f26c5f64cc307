"""How much energy a simulated meter has measured, at any instant, without storing readings.

A meter's registers must advance between reads, and profile and daily-read logs must be
consistent with the registers, for millions of meters, without a write per half hour. So
consumption is a pure function of time: a per-meter annual quantity, a seasonal swing
(more in winter), and a within-day shape of 48 half-hour weights (the GB domestic shape
of overnight base load, a morning rise and an evening peak; gas with a stronger morning
and evening heating peak). Energy between two instants is an integral of that rate; in
closed form per whole day (a sum of cosines) and by half-hour slots within a day, so any
register value costs a handful of arithmetic operations.

Each meter's parameters come from a hash of its EUI, so two runs agree and meters differ.
Values are watt-hours for electricity; for gas, watt-hours of energy (the meter reports
volume by dividing by its calorific value and conversion factor; see ``gas_volume_m3``).
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from opendcc.eui import Eui64
from opendcc.inventory.model import Fuel

EPOCH: Final = datetime(2015, 1, 1, tzinfo=UTC)
"""Registers start at zero at this instant (before any reference-data timestamp)."""

_SLOTS: Final = 48
_DAY_S: Final = 86_400.0
_YEAR_DAYS: Final = 365.25

# Relative half-hourly weights of domestic demand, midnight first (normalised below).
# fmt: off
_ELEC_SHAPE: Final = (
    0.55, 0.50, 0.46, 0.43, 0.41, 0.40, 0.40, 0.40, 0.41, 0.43, 0.47, 0.55,
    0.68, 0.85, 0.98, 1.02, 0.98, 0.92, 0.88, 0.86, 0.85, 0.86, 0.88, 0.90,
    0.90, 0.88, 0.86, 0.86, 0.90, 0.98, 1.12, 1.32, 1.55, 1.72, 1.80, 1.78,
    1.70, 1.60, 1.50, 1.42, 1.35, 1.27, 1.18, 1.06, 0.93, 0.80, 0.70, 0.61,
)
_GAS_SHAPE: Final = (
    0.20, 0.18, 0.17, 0.17, 0.17, 0.18, 0.20, 0.25, 0.40, 0.80, 1.60, 2.40,
    2.60, 2.30, 1.80, 1.30, 1.00, 0.85, 0.75, 0.70, 0.68, 0.66, 0.66, 0.68,
    0.70, 0.72, 0.75, 0.80, 0.95, 1.20, 1.60, 2.10, 2.40, 2.40, 2.20, 2.00,
    1.80, 1.60, 1.40, 1.20, 1.00, 0.85, 0.70, 0.55, 0.42, 0.32, 0.26, 0.22,
)
# fmt: on


def _normalise(shape: tuple[float, ...]) -> tuple[float, ...]:
    total = sum(shape)
    return tuple(w / total for w in shape)


_SHAPES: Final = {Fuel.ELECTRICITY: _normalise(_ELEC_SHAPE), Fuel.GAS: _normalise(_GAS_SHAPE)}
_CUMULATIVE: Final = {
    fuel: tuple(sum(shape[:i]) for i in range(_SLOTS + 1)) for fuel, shape in _SHAPES.items()
}


@dataclass(frozen=True, slots=True)
class ConsumptionModel:
    """One meter's demand: ``annual_wh`` a year, swinging by ``seasonal`` (0..1) around it."""

    fuel: Fuel
    annual_wh: float
    seasonal: float
    phase_days: float
    """Day of the year (from 1 January) on which demand peaks."""

    @classmethod
    def for_meter(cls, eui: Eui64, fuel: Fuel) -> ConsumptionModel:
        digest = hashlib.blake2b(bytes(eui), digest_size=8).digest()
        u = int.from_bytes(digest[:4], "big") / 0xFFFF_FFFF
        v = int.from_bytes(digest[4:], "big") / 0xFFFF_FFFF
        if fuel is Fuel.ELECTRICITY:
            # Ofgem typical domestic consumption values: 1,800 to 4,100 kWh a year.
            return cls(fuel, 1_800_000 + u * 2_300_000, 0.15 + 0.1 * v, 15.0)
        # Gas: 7,500 to 17,000 kWh a year, strongly seasonal.
        return cls(fuel, 7_500_000 + u * 9_500_000, 0.55 + 0.2 * v, 20.0)

    def _day_energy(self, day: int) -> float:
        angle = 2 * math.pi * (day - self.phase_days) / _YEAR_DAYS
        return self.annual_wh / _YEAR_DAYS * (1 + self.seasonal * math.cos(angle))

    def _days_energy(self, days: int) -> float:
        """Energy of days 0 .. days-1 since EPOCH, in closed form."""
        if days <= 0:
            return 0.0
        b = 2 * math.pi / _YEAR_DAYS
        a = -b * self.phase_days
        cos_sum = math.sin(days * b / 2) / math.sin(b / 2) * math.cos(a + (days - 1) * b / 2)
        return self.annual_wh / _YEAR_DAYS * (days + self.seasonal * cos_sum)

    def register_wh(self, at: datetime) -> float:
        """Energy measured from EPOCH until ``at``."""
        seconds = (at - EPOCH).total_seconds()
        if seconds <= 0:
            return 0.0
        day, within = divmod(seconds, _DAY_S)
        day_i = int(day)
        slot_f = within / _DAY_S * _SLOTS
        slot = int(slot_f)
        cumulative = _CUMULATIVE[self.fuel]
        shape = _SHAPES[self.fuel]
        fraction = cumulative[slot] + shape[slot] * (slot_f - slot) if slot < _SLOTS else 1.0
        return self._days_energy(day_i) + self._day_energy(day_i) * fraction

    def between_wh(self, start: datetime, end: datetime) -> float:
        return self.register_wh(end) - self.register_wh(start)

    def half_hours(self, start: datetime, count: int) -> list[float]:
        """Energy in each of ``count`` half-hour periods from ``start`` (aligned by caller)."""
        edges = [self.register_wh(start + timedelta(minutes=30 * i)) for i in range(count + 1)]
        return [b - a for a, b in itertools.pairwise(edges)]

    def demand_w(self, at: datetime) -> float:
        """Instantaneous demand (average power over the current half hour)."""
        day = int((at - EPOCH).total_seconds() // _DAY_S)
        slot = int(((at - EPOCH).total_seconds() % _DAY_S) // 1800)
        return self._day_energy(day) * _SHAPES[self.fuel][slot] * 2

    def slot_demand_w(self, at: datetime) -> float:
        """The average power over the half hour containing ``at`` (maximum demand)."""
        return self.demand_w(at)


def gas_volume_m3(
    energy_wh: float, calorific_value_mj_m3: float = 39.5, conversion_factor: float = 1.02264
) -> float:
    """Gas volume from energy, inverting the GB kWh = m3 x CF x CV / 3.6 conversion."""
    return energy_wh / 1000 * 3.6 / (conversion_factor * calorific_value_mj_m3)
