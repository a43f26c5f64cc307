"""The COSEM objects and values of the ESME tariff and prepayment Commands (DLMS).

One place for the logical names and for turning typed DUIS values into the A-XDR data the
ESME use cases write (GBCS ECS01a-d, ECS02-05, ECS07-09, ECS48); ``tariffs`` and
``tariffs_prepay`` assemble the Commands, the simulated ESME reads the same tables back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    DoubleLongUnsigned,
    Integer,
    Long,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
)
from opendcc.transform.tariffs_duis import (
    DuisDate,
    ElecPrices,
    SecondaryPrices,
    SpecialDay,
    SwitchingTable,
)

# --- logical names (Blue Book classes in brackets) -------------------------------------

TARIFF_SCRIPTS: Final = "0-0:10.0.100.255"  # (9) tariffication script table
CALENDAR: Final = {False: "0-0:13.0.0.255", True: "0-0:13.0.1.255"}  # (20) by secondary?
SPECIAL_DAYS_ACTIVE: Final = {False: "0-0:11.0.0.255", True: "0-0:11.0.1.255"}  # (11)
SPECIAL_DAYS_PASSIVE: Final = {False: "0-1:11.0.0.255", True: "0-1:11.0.1.255"}  # (11)
SPECIAL_DAYS_ACTIVATION: Final = {False: "0-0:94.44.128.29", True: "0-0:94.44.128.30"}
THRESHOLDS_ACTIVE: Final = tuple(f"0-0:16.0.{10 + n}.255" for n in range(1, 9))  # (21)
THRESHOLDS_PASSIVE: Final = tuple(f"0-0:16.1.{10 + n}.255" for n in range(1, 9))  # (21)
THRESHOLD_ACTIVATION: Final = "0-0:63.1.1.255"  # (9000)
CURRENCY: Final = "0-0:94.44.2.0"  # (9000) value: TRUE = GBP
PRICE_MATRIX: Final = {False: "0-0:19.20.0.255", True: "0-0:19.20.5.255"}  # (113)
STANDING_CHARGE: Final = "0-0:19.20.4.255"  # (113)
ACTIVE_PRICE: Final = {False: "0-0:94.44.1.7", True: "0-0:94.44.1.8"}  # (3)
COMMODITY: Final = {False: "1-0:1.8.0.255", True: "1-20:1.8.0.255"}

ACCOUNT_ACTIVE: Final = "0-0:19.0.0.255"  # (111)
ACCOUNT_PASSIVE: Final = "0-1:19.0.0.255"  # (111)
METER_BALANCE: Final = "0-0:19.10.0.255"  # (112) token credit
EMERGENCY_CREDIT: Final = "0-0:19.10.1.255"  # (112)
CREDIT_2: Final = "0-0:19.10.2.255"  # (112)
TIME_DEBT: Final = {1: "0-0:19.20.1.255", 2: "0-0:19.20.2.255"}  # (113)
PAYMENT_DEBT: Final = "0-0:19.20.3.255"  # (113)
DISABLEMENT_THRESHOLD: Final = "0-0:94.44.128.22"  # (9000)
TOKEN_GATEWAY: Final = "0-0:19.40.0.255"  # (115)
BLOCK_COUNTER_RESET: Final = "0-0:15.1.0.255"  # (22) daily reset schedule
NON_DISABLEMENT_SPECIAL_DAYS: Final = "0-1:11.0.2.255"  # (11) passive
NON_DISABLEMENT_SPECIAL_DAYS_ACTIVE: Final = "0-0:11.0.2.255"
NON_DISABLEMENT_CALENDAR: Final = "0-1:12.0.1.255"  # (10) passive
NON_DISABLEMENT_CALENDAR_ACTIVE: Final = "0-0:12.0.1.255"
DISCONNECT_SCRIPTS: Final = "0-0:10.0.106.255"  # (9)

# Prepayment configuration (class 9000 values and their activation times).
MAX_METER_BALANCE: Final = "0-0:94.44.2.20"
MAX_CREDIT_THRESHOLD: Final = "0-0:94.44.2.10"
DEBT_RECOVERY_CAP: Final = "0-0:94.44.128.12"
DEBT_RECOVERY_CAP_PERIOD: Final = "0-0:94.44.128.13"
LOW_CREDIT_THRESHOLD: Final = "0-0:94.44.128.9"
EMERGENCY_CREDIT_LIMIT: Final = "0-0:94.44.128.2"
EMERGENCY_CREDIT_THRESHOLD: Final = "0-0:94.44.128.3"
NON_DISABLEMENT_SPECIAL_DAYS_ACTIVATION: Final = "0-0:94.44.128.31"
NON_DISABLEMENT_CALENDAR_ACTIVATION: Final = "0-0:94.44.128.28"

DEBT_RECOVERY_CAP_PERIOD_SECONDS: Final = 604_800
"""The cap period ECS08/ECS08a write: one week (DUIS gives no element for it)."""
TOU_RATES: Final = 48
BLOCK_RATES: Final = 8
BLOCKS: Final = 4
START_NON_DISABLEMENT: Final = 32
STOP_NON_DISABLEMENT: Final = 33
RESET_BLOCK_COUNTERS: Final = 99
"""Script 99 of the tariffication script table resets the Tariff Block Counter Matrix."""


def block_index(rate: int, block: int) -> int:
    """The charge table index of a block price: 0xA1 (block 1, rate 1) .. 0xD8."""
    return 0xA0 + 0x10 * (block - 1) + rate


def season_start(date: DuisDate) -> bytes:
    """A season's start as a COSEM date-time at midnight (deviation and status unset)."""
    return date.cosem() + bytes(4) + b"\x80\x00\xff"


def calendar_values(table: SwitchingTable) -> tuple[Array, Array, Array]:
    """Season profiles (7), week profiles (8) and day profiles (9) of an activity
    calendar (class 20), as ECS01a and ECS01c write them to the passive attributes."""
    seasons = b.array(
        b.structure(
            OctetString(s.name.encode("latin-1", "replace")),
            OctetString(season_start(s.start)),
            OctetString(bytes((s.week_id,))),
        )
        for s in table.seasons
    )
    weeks = b.array(
        b.structure(OctetString(bytes((w.week_id,))), *(Unsigned(d) for d in w.days))
        for w in table.weeks
    )
    script = b.obis(TARIFF_SCRIPTS)
    days = b.array(
        b.structure(
            Unsigned(d.day_id),
            b.array(
                b.structure(OctetString(e.start.cosem()), script, LongUnsigned(e.action))
                for e in d.entries
            ),
        )
        for d in table.days
    )
    return seasons, weeks, days


def special_days(days: Iterable[SpecialDay]) -> Array:
    """A special days table (class 11 ``entries``), numbered from 1 in request order."""
    return b.array(
        b.structure(LongUnsigned(i), OctetString(day.date.cosem()), Unsigned(day.day_id))
        for i, day in enumerate(days, start=1)
    )


def thresholds(values: Iterable[int]) -> Array:
    return b.array(DoubleLongUnsigned(v) for v in values)


def _unit_charge(
    commodity_scale: int,
    price_scale: int,
    commodity: tuple[int, bytes, int],
    table: Iterable[tuple[bytes, int]],
) -> Structure:
    """A Charge (class 113) unit_charge: scaling, commodity reference, charge table."""
    class_id, name, attribute = commodity
    return b.structure(
        b.structure(Integer(commodity_scale), Integer(price_scale)),
        b.structure(LongUnsigned(class_id), OctetString(name), Integer(attribute)),
        b.array(b.structure(OctetString(index), Long(price)) for index, price in table),
    )


_NO_COMMODITY: Final = (0, bytes(6), 0)


def fixed_charge(amount: int, scale: int) -> Structure:
    """A charge not tied to a register: the standing charge, a debt recovery rate."""
    return _unit_charge(0, scale, _NO_COMMODITY, ((b"", amount),))


def price_matrix(prices: ElecPrices) -> Structure:
    """The primary element price matrix: 48 TOU prices, then 4 blocks x 8 rates."""
    tou = dict(prices.tou)
    blocks = {(rate, block): price for rate, block, price in prices.blocks}
    table = [(bytes((i,)), tou.get(i, 0)) for i in range(1, TOU_RATES + 1)]
    table += [
        (bytes((block_index(rate, block),)), blocks.get((rate, block), 0))
        for block in range(1, BLOCKS + 1)
        for rate in range(1, BLOCK_RATES + 1)
    ]
    commodity = (3, bytes(b.obis(COMMODITY[False]).value), 2)
    return _unit_charge(3, prices.price_scale, commodity, table)


def secondary_price_matrix(prices: SecondaryPrices) -> Structure:
    """The secondary element's four TOU prices (per kWh of the secondary register)."""
    tou = dict(prices.tou)
    commodity = (3, bytes(b.obis(COMMODITY[True]).value), 2)
    table = [(bytes((i,)), tou.get(i, 0)) for i in range(1, 5)]
    return _unit_charge(3, prices.price_scale, commodity, table)


def charge_bits(bits: str) -> BitString:
    return BitString.from_bits(bits)


def credit_charge_configuration(rows: Iterable[tuple[str, str, str]]) -> Array:
    """Account (class 111) ``credit_charge_configuration``: (credit, charge, collection
    configuration bits) rows."""
    return b.array(
        b.structure(b.obis(credit), b.obis(charge), charge_bits(bits))
        for credit, charge, bits in rows
    )


def activation(value: bytes) -> OctetString:
    return OctetString(value)
