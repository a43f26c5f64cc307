"""Reading other families' Device state by section NAME, with the defaults the reads use
when a section is absent (a Device no one has configured yet).

The reads never import the tariffs, prepayment or configuration modules: they look at the
JSON of a named section through ``DeviceState.peek`` and take only the keys below. A key
that is missing or malformed falls back to its default, so a family that stores more, or
stores it differently, never breaks a read. The convention (also in
``docs/catalogue-reads.md``):

- ``tariff``: ``tou_rates``, 48 rate numbers (1-48 ESME, 1-4 gas), one per half hour from
  midnight; ``secondary_tou_rates``, 48 rates (1-4) of an ESME's secondary element;
  ``block_thresholds``, up to 3 ascending thresholds per block period (Wh on an ESME, the
  register unit on a GSME: litres). Default: on an ESME rate 2 from 00:30 to 07:30 and
  rate 1 otherwise (two-rate "Economy 7"); secondary element and gas: rate 1 all day; no
  blocks.
- ``prepayment``: ``meter_balance``, ``emergency_credit_balance``, ``accumulated_debt``,
  ``payment_debt``, ``time_debt_1``, ``time_debt_2`` (integers, currency units) and
  ``payment_mode`` (``"credit"`` or ``"prepayment"``). Default: zeros, credit mode.
- ``load_limit``: ``power_threshold_w``, ``period_s``, ``restoration_period_s``,
  ``supply_state_enabled`` (bool), ``counter_reset_at`` (ISO date-time). Default: 0 W
  (load limiting off), 0 s, 0 s, false, never.
- ``gas_conversion``: ``calorific_value`` (MJ/m3), ``conversion_factor``. Default: 39.5,
  1.02264.
- ``billing_calendar``: ``start`` (ISO date-time), ``periodicity`` (``Daily``, ``Weekly``,
  ``Monthly``, ``Quarterly``, ``SixMonthly``, ``Yearly``). Default: monthly, on the 1st at
  midnight UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from opendcc.devices.state import DeviceState
from opendcc.inventory.model import Fuel

TARIFF_SECTION: Final = "tariff"
PREPAYMENT_SECTION: Final = "prepayment"
LOAD_LIMIT_SECTION: Final = "load_limit"
GAS_CONVERSION_SECTION: Final = "gas_conversion"
BILLING_CALENDAR_SECTION: Final = "billing_calendar"

SLOTS: Final = 48
ELECTRICITY_RATES: Final = 48
"""An ESME's TOU register matrix holds 48 rates; its TOU-block matrix 8 rates x 4 blocks."""
BLOCK_RATES: Final = 8
GAS_RATES: Final = 4
SECONDARY_RATES: Final = 4
BLOCKS: Final = 4

# Economy 7: the cheap rate (2) for the seven hours from 00:30.
DEFAULT_ESME_TOU: Final = tuple(2 if 1 <= slot <= 14 else 1 for slot in range(SLOTS))
SINGLE_RATE: Final = (1,) * SLOTS


@dataclass(frozen=True, slots=True)
class TariffView:
    """What the reads need of a meter's tariff: the rate in force in each half hour of the
    day (primary and secondary element) and the block thresholds."""

    tou_rates: tuple[int, ...]
    secondary_tou_rates: tuple[int, ...]
    block_thresholds: tuple[int, ...]

    def key(self) -> list[list[int]]:
        return [list(self.tou_rates), list(self.secondary_tou_rates), list(self.block_thresholds)]

    @classmethod
    def from_key(cls, key: list[list[int]]) -> TariffView:
        return cls(tuple(key[0]), tuple(key[1]), tuple(key[2]))


def _rates(value: Any, highest: int, default: tuple[int, ...]) -> tuple[int, ...]:
    if (
        isinstance(value, list)
        and len(value) == SLOTS
        and all(type(r) is int and 1 <= r <= highest for r in value)
    ):
        return tuple(value)
    return default


def _thresholds(value: Any) -> tuple[int, ...]:
    if (
        isinstance(value, list)
        and len(value) <= BLOCKS - 1
        and all(type(t) is int and t > 0 for t in value)
        and list(value) == sorted(set(value))
    ):
        return tuple(value)
    return ()


def tariff_view(state: DeviceState, fuel: Fuel) -> TariffView:
    section = state.peek(TARIFF_SECTION) or {}
    if fuel is Fuel.ELECTRICITY:
        primary = _rates(section.get("tou_rates"), ELECTRICITY_RATES, DEFAULT_ESME_TOU)
    else:
        primary = _rates(section.get("tou_rates"), GAS_RATES, SINGLE_RATE)
    secondary = _rates(section.get("secondary_tou_rates"), SECONDARY_RATES, SINGLE_RATE)
    return TariffView(primary, secondary, _thresholds(section.get("block_thresholds")))


def _int(section: dict[str, Any], key: str, default: int = 0) -> int:
    value = section.get(key, default)
    return value if type(value) is int and -(2**31) <= value < 2**31 else default


PREPAYMENT_KEYS: Final = (
    "meter_balance",
    "emergency_credit_balance",
    "accumulated_debt",
    "payment_debt",
    "time_debt_1",
    "time_debt_2",
)


def prepayment_registers(state: DeviceState) -> tuple[int, ...]:
    """MeterBalance, EmergencyCreditBalance, AccumulatedDebtRegister,
    PaymentDebtRegister, TimeDebtRegisters1, TimeDebtRegisters2 (GBCS column order)."""
    section = state.peek(PREPAYMENT_SECTION) or {}
    return tuple(_int(section, key) for key in PREPAYMENT_KEYS)


def payment_mode(state: DeviceState) -> str:
    section = state.peek(PREPAYMENT_SECTION) or {}
    mode = section.get("payment_mode")
    return mode if mode in ("credit", "prepayment") else "credit"


@dataclass(frozen=True, slots=True)
class LoadLimitSettings:
    power_threshold_w: int = 0
    period_s: int = 0
    restoration_period_s: int = 0
    supply_state_enabled: bool = False
    counter_reset_at: datetime | None = None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def load_limit(state: DeviceState) -> LoadLimitSettings:
    section = state.peek(LOAD_LIMIT_SECTION) or {}
    enabled = section.get("supply_state_enabled")
    return LoadLimitSettings(
        max(0, _int(section, "power_threshold_w")),
        max(0, _int(section, "period_s")),
        max(0, _int(section, "restoration_period_s")),
        enabled if isinstance(enabled, bool) else False,
        _moment(section.get("counter_reset_at")),
    )


def gas_conversion(state: DeviceState) -> tuple[float, float]:
    """(calorific value MJ/m3, conversion factor)."""
    section = state.peek(GAS_CONVERSION_SECTION) or {}
    cv, cf = section.get("calorific_value"), section.get("conversion_factor")
    return (
        float(cv) if isinstance(cv, int | float) and 20 <= cv <= 60 else 39.5,
        float(cf) if isinstance(cf, int | float) and 0.5 <= cf <= 2 else 1.02264,
    )


PERIODICITIES: Final = frozenset(
    {"Daily", "Weekly", "Monthly", "Quarterly", "SixMonthly", "Yearly"}
)


def billing_calendar(state: DeviceState) -> tuple[datetime | None, str]:
    """(the first billing date, or None for the default, and the periodicity)."""
    section = state.peek(BILLING_CALENDAR_SECTION) or {}
    periodicity = section.get("periodicity")
    return (
        _moment(section.get("start")),
        periodicity if periodicity in PERIODICITIES else "Monthly",
    )
