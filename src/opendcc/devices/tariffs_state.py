"""What a simulated meter holds about tariffs, prices and prepayment.

| section | Devices | what |
|---|---|---|
| ``tariffs_esme`` | ESME | the COSEM attributes the tariff and prepayment use cases write |
| | | and read, active and passive, as A-XDR (hex) exactly as written |
| ``tariffs_gsme`` | GSME | the ZigBee Price, Calendar and Prepayment configuration |
| ``tariffs_prepayment`` | ESME, GSME | the money: meter balance, bill to date, emergency credit, |
| | | debts, block counters, daily snapshots, top-ups, UTRN anti-replay |
| ``tariffs_gpf_mirror`` | GPF | the GSME whose prepayment data the GPF mirrors |

Keeping the ESME's values as the A-XDR it was sent makes "write then read returns what was
written" exact; the billing engine (``tariffs_billing``) decodes what it needs. Money is in
units of 1/100000 of the currency unit (GBCS: five decimal places), energy in Wh.

A freshly seeded meter is in credit mode on a single-rate tariff whose unit price and
standing charge vary a little from meter to meter (derived from the EUI-64, so runs agree):
a plausible GB domestic tariff of about 25p/kWh and 50p a day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, Self

from opendcc.devices.state import DeviceState, Section
from opendcc.eui import Eui64
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.axdr import data_from_bytes, encode_data
from opendcc.gbcs.dlms.data import (
    Array,
    Boolean,
    Data,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    LongUnsigned,
    OctetString,
    Unsigned,
)
from opendcc.inventory.model import Device, DeviceType
from opendcc.transform import tariffs_cosem as c
from opendcc.transform.tariffs_duis import (
    DayProfile,
    DuisDate,
    ElecPrices,
    ScheduleEntry,
    Season,
    SecondaryPrices,
    SwitchingTable,
    TimeOfDay,
    WeekProfile,
)

SNAPSHOT_DEPTH: Final = 31
"""Daily prepayment snapshots kept (the GSME's Prepayment cluster holds 31)."""
TOP_UP_LOG_DEPTH: Final = 5
"""Top-ups kept (the ZigBee Prepayment cluster's Top Up log holds five)."""
UTRN_MEMORY: Final = 32
"""Top-up counters remembered per Supplier for duplicate detection."""
MONEY_EVENT_MEMORY: Final = 16
"""Money events a meter keeps until it next looks at its money (the oldest go first)."""

DEBT_1_COLLECTED: Final = 0x81A7
"""GBCS alert codes of the money events: Debt Collection Completed - Time Debt 1, ..."""
DEBT_2_COLLECTED: Final = 0x81A8
PAYMENT_DEBT_COLLECTED: Final = 0x81A9
EMERGENCY_CREDIT_EXHAUSTED: Final = 0x81AA
EMERGENCY_CREDIT_ACTIVATED: Final = 0x81AB
LOW_CREDIT: Final = 0x810D
"""Combined Credit Below Low Credit Threshold (prepayment mode)."""
EMERGENCY_CREDIT_AVAILABLE: Final = 0x8119
"""Emergency Credit Has Become Available (prepayment mode)."""

UNLIMITED: Final = 0xFFFF_FFFF
DEFAULT_EMERGENCY_CREDIT_LIMIT: Final = 500_000
DEFAULT_EMERGENCY_CREDIT_THRESHOLD: Final = 100_000
DEFAULT_LOW_CREDIT_THRESHOLD: Final = 200_000
DEFAULT_MAX_METER_BALANCE: Final = 25_000_000
DEFAULT_MAX_CREDIT_THRESHOLD: Final = 10_000_000


def key(class_id: int, obis: str, attribute: int) -> str:
    """The key of a COSEM attribute in ``EsmeTariffs``: ``class/obis/attribute``."""
    return f"{class_id}/{obis}/{attribute}"


def _variation(eui: Eui64) -> float:
    digest = hashlib.blake2b(bytes(eui) + b"tariff", digest_size=4).digest()
    return 0.9 + 0.2 * int.from_bytes(digest, "big") / 0xFFFF_FFFF


def default_unit_price(eui: Eui64) -> int:
    """Pence per kWh x 1000 (price scale -5): about 25p."""
    return round(25_000 * _variation(eui))


def default_standing_charge(eui: Eui64) -> int:
    """Pence per day x 100 (scale -4): about 50p."""
    return round(5_000 * _variation(eui))


SINGLE_RATE: Final = SwitchingTable(
    days=(DayProfile(1, (ScheduleEntry(TimeOfDay(0, 0, 0), 1),)),),
    weeks=(WeekProfile(1, (1,) * 7),),
    seasons=(Season("all", DuisDate(2015, 1, 1), 1),),
)
ECONOMY_7: Final = SwitchingTable(
    days=(
        DayProfile(
            1,
            (
                ScheduleEntry(TimeOfDay(0, 0, 0), 1),
                ScheduleEntry(TimeOfDay(0, 30, 0), 2),
                ScheduleEntry(TimeOfDay(7, 30, 0), 1),
            ),
        ),
    ),
    weeks=(WeekProfile(1, (1,) * 7),),
    seasons=(Season("all", DuisDate(2015, 1, 1), 1),),
)
"""An ESME's default primary tariff: the night rate (2) for the seven hours from 00:30,
as the reads family's default register switching assumes (``reads_foreign``)."""
NIGHT_RATE_SHARE: Final = 0.55


def _hex(value: Data) -> str:
    return encode_data(value).hex()


def _esme_defaults(device: Device) -> dict[str, str]:
    price = default_unit_price(device.device_id)
    night = round(price * NIGHT_RATE_SHARE)
    standing = default_standing_charge(device.device_id)
    prices = ElecPrices(standing, -4, -5, ((1, price), (2, night)), ())
    seasons, weeks, days = c.calendar_values(ECONOMY_7)
    no_thresholds = c.thresholds((UNLIMITED,) * 3)
    values: dict[str, Data] = {
        key(20, c.CALENDAR[False], 3): seasons,
        key(20, c.CALENDAR[False], 4): weeks,
        key(20, c.CALENDAR[False], 5): days,
        key(11, c.SPECIAL_DAYS_ACTIVE[False], 2): Array(),
        key(9000, c.CURRENCY, 2): Boolean(True),
        key(113, c.STANDING_CHARGE, 5): c.fixed_charge(prices.standing_charge, -4),
        key(113, c.PRICE_MATRIX[False], 5): c.price_matrix(prices),
        key(111, c.ACCOUNT_ACTIVE, 2): b.structure(Enum(1), Enum(1)),
        key(111, c.ACCOUNT_ACTIVE, 11): c.credit_charge_configuration(
            (
                (c.METER_BALANCE, c.PRICE_MATRIX[False], "111"),
                (c.METER_BALANCE, c.STANDING_CHARGE, "111"),
            )
        ),
        key(111, c.ACCOUNT_ACTIVE, 16): DoubleLong(DEFAULT_LOW_CREDIT_THRESHOLD),
        key(111, c.ACCOUNT_ACTIVE, 18): LongUnsigned(0xFFFF),
        key(111, c.ACCOUNT_ACTIVE, 19): DoubleLong(c.DEBT_RECOVERY_CAP_PERIOD_SECONDS),
        key(112, c.EMERGENCY_CREDIT, 9): DoubleLong(DEFAULT_EMERGENCY_CREDIT_LIMIT),
        key(112, c.EMERGENCY_CREDIT, 10): DoubleLong(DEFAULT_EMERGENCY_CREDIT_THRESHOLD),
        key(9000, c.MAX_METER_BALANCE, 2): DoubleLong(DEFAULT_MAX_METER_BALANCE),
        key(9000, c.MAX_CREDIT_THRESHOLD, 2): DoubleLong(DEFAULT_MAX_CREDIT_THRESHOLD),
        key(21, "0-0:16.0.1.255", 2): b.array([DoubleLong(0)]),
        key(11, c.NON_DISABLEMENT_SPECIAL_DAYS_ACTIVE, 2): Array(),
        key(10, c.NON_DISABLEMENT_CALENDAR_ACTIVE, 2): Array(),
        key(113, c.PAYMENT_DEBT, 13): LongUnsigned(0),
    }
    for obis in c.THRESHOLDS_ACTIVE:
        values[key(21, obis, 2)] = no_thresholds
    for n in (1, 2):
        values[key(113, c.TIME_DEBT[n], 5)] = c.fixed_charge(0, -5)
        values[key(113, c.TIME_DEBT[n], 8)] = DoubleLongUnsigned(86_400)
    secondary = c.calendar_values(
        SwitchingTable(
            days=(DayProfile(1, (ScheduleEntry(TimeOfDay(0, 0, 0), 201),)),),
            weeks=SINGLE_RATE.weeks,
            seasons=SINGLE_RATE.seasons,
        )
    )
    for attribute, value in zip((3, 4, 5), secondary, strict=True):
        values[key(20, c.CALENDAR[True], attribute)] = value
    values[key(11, c.SPECIAL_DAYS_ACTIVE[True], 2)] = Array()
    values[key(113, c.PRICE_MATRIX[True], 5)] = c.secondary_price_matrix(
        SecondaryPrices(-5, ((1, price),))
    )
    return {k: _hex(v) for k, v in values.items()}


@lru_cache(maxsize=8192)
def decoded(raw: str) -> Data:
    """A stored attribute's value, decoded once (meters share configurations; the DLMS
    values are immutable)."""
    return data_from_bytes(bytes.fromhex(raw))


@dataclass(slots=True)
class EsmeTariffs(Section):
    """The ESME's tariff and prepayment configuration as COSEM attributes (A-XDR hex)."""

    NAME = "tariffs_esme"
    active: dict[str, str] = field(default_factory=dict)
    passive: dict[str, str] = field(default_factory=dict)
    daily_block_reset: bool = False

    @classmethod
    def initial(cls, device: Device) -> Self:
        return cls(active=_esme_defaults(device))

    def value(self, class_id: int, obis: str, attribute: int) -> Data | None:
        raw = self.active.get(key(class_id, obis, attribute))
        return None if raw is None else decoded(raw)

    def put(self, class_id: int, obis: str, attribute: int, value: Data) -> None:
        self.active[key(class_id, obis, attribute)] = _hex(value)

    def integer(self, class_id: int, obis: str, attribute: int, default: int = 0) -> int:
        value = self.value(class_id, obis, attribute)
        number = getattr(value, "value", None)
        return number if isinstance(number, int) and not isinstance(number, bool) else default

    @property
    def prepayment_mode(self) -> bool:
        mode = self.value(111, c.ACCOUNT_ACTIVE, 2)
        items = getattr(mode, "items", ())
        first = items[0] if items else None
        return isinstance(first, Enum) and first.value == 2


# --- gas --------------------------------------------------------------------------------

GAS_SINGLE_RATE_CALENDAR: Final[dict[str, Any]] = {
    "days": {"1": [[0, 1]]},
    "weeks": {"1": [1, 1, 1, 1, 1, 1, 1]},
    "seasons": [["ff0101ff", 1]],
    "special_days": [],
}
FRIENDLY_CREDIT_NONE: Final[dict[str, Any]] = {
    "days": {},
    "weeks": {},
    "seasons": [],
    "special_days": [],
}
GAS_CREDIT_MODE: Final = 0x0C94


def _gas_tariff(eui: Eui64) -> dict[str, Any]:
    price = round(7_000 * _variation(eui))
    return {
        "charging_scheme": 0,
        "currency": 826,
        "standing_charge": round(29_000 * _variation(eui)),
        "tiers_in_use": 1,
        "thresholds_in_use": 0,
        "thresholds": [],
        "block_prices": [0, 0, 0, 0],
        "tou_prices": [price, 0, 0, 0],
    }


@dataclass(slots=True)
class GasTariffs(Section):
    """The GSME's Price, Calendar and Prepayment cluster configuration."""

    NAME = "tariffs_gsme"
    tariff: dict[str, Any] = field(default_factory=dict)
    calendar: dict[str, Any] = field(default_factory=lambda: dict(GAS_SINGLE_RATE_CALENDAR))
    calendar_id: int = 0
    friendly_credit: dict[str, Any] = field(default_factory=lambda: dict(FRIENDLY_CREDIT_NONE))
    friendly_credit_id: int = 0
    calendar_event_id: int = 0
    """The issuer event id of the Command that last published the tariff calendar."""
    friendly_credit_event_id: int = 0
    """... and of the friendly credit calendar (the Publish answers carry them)."""
    payment_control_configuration: int = GAS_CREDIT_MODE
    cut_off_value: int = 0
    emergency_credit_limit: int = DEFAULT_EMERGENCY_CREDIT_LIMIT
    emergency_credit_threshold: int = DEFAULT_EMERGENCY_CREDIT_THRESHOLD
    low_credit_warning_level: int = DEFAULT_LOW_CREDIT_THRESHOLD
    overall_debt_cap: int = UNLIMITED
    max_credit_limit: int = DEFAULT_MAX_METER_BALANCE
    max_credit_per_top_up: int = DEFAULT_MAX_CREDIT_THRESHOLD
    debt_recovery_frequency: list[int] = field(default_factory=lambda: [1, 1])
    debt_recovery_amount: list[int] = field(default_factory=lambda: [0, 0])
    debt_recovery_top_up_percentage: int = 0
    last_issuer_event_id: int = 0

    @classmethod
    def initial(cls, device: Device) -> Self:
        return cls(tariff=_gas_tariff(device.device_id))

    @property
    def prepayment_mode(self) -> bool:
        return bool(self.payment_control_configuration & 0x0002)


# --- money ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Prepayment(Section):
    """The meter's money, as of ``as_of`` (``tariffs_billing`` brings it up to date)."""

    NAME = "tariffs_prepayment"
    as_of: datetime | None = None
    meter_balance: int = 0
    bill_to_date: int = 0
    emergency_credit: int = 0
    emergency_active: bool = False
    time_debt: list[int] = field(default_factory=lambda: [0, 0])
    payment_debt: int = 0
    accumulated_debt: int = 0
    recovered_in_cap_period: int = 0
    cap_period_start: datetime | None = None
    block_counters: list[list[int]] = field(default_factory=lambda: [[0] * 4 for _ in range(8)])
    block_period_start: datetime | None = None
    residue: float = 0.0
    """Charges below one money unit, carried to the next charge."""
    snapshots: list[list[int]] = field(default_factory=list)
    """Daily at midnight: [seconds since 2000, meter balance, emergency credit, accumulated
    debt, payment debt, time debt 1, time debt 2]."""
    top_ups: list[dict[str, Any]] = field(default_factory=list)
    utrn_counters: dict[str, list[int]] = field(default_factory=dict)
    events: list[list[Any]] = field(default_factory=list)
    """Money events not yet raised: [alert code, ISO date-time it happened] (GBCS 0x81A7
    to 0x81AB, 0x810D, 0x8119; ``tariffs_links.raise_money_events`` raises and clears
    them)."""
    low_credit_armed: bool = False
    """The meter last found its combined credit at or above the Low Credit Threshold in
    prepayment mode: its falling below is 0x810D (``tariffs_billing``)."""
    emergency_credit_armed: bool = False
    """The meter last found its balance at or above the Emergency Credit Threshold in
    prepayment mode: its falling below is 0x8119 (``tariffs_billing``)."""

    def note_event(self, code: int, at: datetime) -> None:
        self.events = [*self.events, [code, at.isoformat()]][-MONEY_EVENT_MEMORY:]

    def remember_top_up(self, entry: dict[str, Any]) -> None:
        self.top_ups = [entry, *self.top_ups][:TOP_UP_LOG_DEPTH]

    def utrn_seen(self, supplier: Eui64, counter: int) -> bool:
        return counter in self.utrn_counters.get(supplier.hex, [])

    def remember_utrn(self, supplier: Eui64, counter: int) -> None:
        seen = sorted({*self.utrn_counters.get(supplier.hex, []), counter})
        self.utrn_counters[supplier.hex] = seen[-UTRN_MEMORY:]

    def oldest_remembered(self, supplier: Eui64) -> int | None:
        seen = self.utrn_counters.get(supplier.hex, [])
        return seen[0] if len(seen) >= UTRN_MEMORY else None


@dataclass(slots=True)
class GpfMirror(Section):
    """The GSME whose prepayment data a GPF answers from (set by the GSME's handlers)."""

    NAME = "tariffs_gpf_mirror"
    gsme: str | None = None

    def gsme_eui(self) -> Eui64 | None:
        return None if self.gsme is None else Eui64.parse(self.gsme)


def link_gpf(gpf_state: DeviceState, gsme: Eui64) -> None:
    """Record that ``gpf_state``'s GPF mirrors ``gsme``."""
    section = gpf_state.get(GpfMirror)
    if section.gsme != gsme.hex:
        section.gsme = gsme.hex
        gpf_state.touch()


def is_electric(device: Device) -> bool:
    return device.device_type is DeviceType.ESME


def octets(value: Data | None) -> bytes:
    return value.value if isinstance(value, OctetString) else b""


def unsigned(value: Data | None) -> int:
    return value.value if isinstance(value, Unsigned) else 0


# --- fault injection ------------------------------------------------------------------------

REFERENCE_POSITION: Final = -1
"""Fail where the reference ERROR Responses fail: the next-to-last instruction (the only
one of a single-instruction Command)."""


@dataclass(slots=True)
class Faults(Section):
    """Instructions a meter is told to fail with a hardware fault (for Users testing their
    error handling): use case -> index of the failing instruction (``REFERENCE_POSITION``
    for the reference ERROR Responses' place). Kept until cleared."""

    NAME = "tariffs_faults"
    planned: dict[str, int] = field(default_factory=dict)


def inject_fault(state: DeviceState, use_case: str, at: int = REFERENCE_POSITION) -> None:
    """Make ``use_case``'s Commands fail at instruction ``at`` (0-based) from now on."""
    state.get(Faults).planned[use_case] = at
    state.touch()


def clear_faults(state: DeviceState) -> None:
    faults = state.get(Faults)
    if faults.planned:
        faults.planned = {}
        state.touch()


def fault_index(state: DeviceState, use_case: str | None, count: int) -> int | None:
    """The instruction of a ``count``-instruction Command to fail, if a fault is planned."""
    at = state.get(Faults).planned.get(use_case or "")
    if at is None or count == 0:
        return None
    return max(count - 2, 0) if at == REFERENCE_POSITION else min(at, count - 1)
