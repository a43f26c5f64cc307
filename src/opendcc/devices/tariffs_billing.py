"""The meter's money over time: consumption charged at the tariff in force, standing
charges, debt recovery, emergency credit, and whether prepayment credit has run out.

Consumption comes from ``devices.consumption`` (a pure function of time), so the money
need not be updated every half hour: ``advance`` brings a meter's ``Prepayment`` up to
an instant, half hour by half hour since it was last brought up to date, charging each
half hour's energy at the price the switching table selects then:

- an ESME's primary element: script 1-48 selects TOU rate n's price; 101-108 block tariff
  n, whose block is found by that rate's block counter against its thresholds (energy
  crossing a threshold is split between blocks). Cost = energy / 10^commodity scale x
  price x 10^price scale (the price matrix's scaling, normally kWh and -5).
- a GSME: a TOU tariff's day profile action is the tier (1-4); a block tariff charges the
  block the block counter has reached against the (divisor 1000, i.e. Wh) thresholds.
  Prices carry five decimal places (PriceTrailingDigit 0x50).
- the standing charge is taken at each UTC midnight; time-based debts are recovered at
  their rate each hour or day in prepayment mode, all recovery within the cap per cap
  period (ESME: Account max_provision, read as pence, per max_provision_period; GSME:
  OverallDebtCap per week);
- in prepayment mode a charge comes from the meter balance while it lasts, then from
  emergency credit when it is in use, then takes the balance below zero;
- a daily snapshot (the prepayment daily read log) is kept at each UTC midnight;
- block counters restart at the start of each month (opendcc's default billing period:
  the billing calendar belongs to the configuration family), every midnight when the
  ESME's daily reset is on (6.26), and on ECS05 (1.7).

Money is in 1/100000 of the currency unit; charges below one unit carry over (``residue``).
Twin element ESMEs charge the primary element only (the secondary element's consumption
is the reads family's to model).

For the supply family, ``credit_exhausted`` answers whether a prepayment meter's credit
has run out as of an instant (without changing the state): available credit (the meter
balance, plus emergency credit in use) at or below the disablement threshold (ESME: the
Disablement Threshold register monitor; GSME: the CutOffValue), outside any
non-disablement (friendly credit) period. The supply family owns the supply switch and
decides what to do with the answer.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final

from opendcc.devices.consumption import ConsumptionModel
from opendcc.devices.state import DeviceState
from opendcc.devices.supply_off import supplied_model
from opendcc.devices.tariffs_calendar import (
    Calendar,
    DatePattern,
    ScheduleRow,
    Season,
    in_non_disablement_period,
)
from opendcc.devices.tariffs_state import (
    DEBT_1_COLLECTED,
    DEBT_2_COLLECTED,
    EMERGENCY_CREDIT_AVAILABLE,
    EMERGENCY_CREDIT_EXHAUSTED,
    LOW_CREDIT,
    SNAPSHOT_DEPTH,
    EsmeTariffs,
    GasTariffs,
    Prepayment,
    is_electric,
    key,
)
from opendcc.gbcs.dlms.data import Array, BitString, Data, OctetString, Structure
from opendcc.gbcs.dlms.datetimes import to_gbcs_seconds
from opendcc.inventory.model import Fuel
from opendcc.transform import tariffs_cosem as c

SLOT: Final = timedelta(minutes=30)
MAX_CATCH_UP: Final = timedelta(days=800)
"""Beyond this gap the oldest part is skipped (only the last 31 days are ever read)."""
PENCE: Final = 1_000
"""Meter money units per penny."""
BLOCK_SCRIPTS: Final = range(101, 109)
TIME_DEBT_COLLECTED: Final = (DEBT_1_COLLECTED, DEBT_2_COLLECTED)


@dataclass(frozen=True, slots=True)
class TariffView:
    """The tariff in force, decoded once per ``advance``."""

    calendar: Calendar
    price: Callable[[int, int], float]
    """(action, block 1-4) -> money units per Wh."""
    blocks: Callable[[int], tuple[int, ...]]
    """Action -> the block thresholds in Wh of its block tariff (empty: no blocks)."""
    counter_row: Callable[[int], int | None]
    """Action -> the block counter row it accumulates into (None: none)."""
    standing_charge: int
    prepayment: bool
    time_debt_rates: tuple[tuple[int, int], ...]
    """(amount per period, period seconds) of time debts 1 and 2."""
    recovery_cap: int
    cap_period: timedelta
    daily_block_reset: bool
    low_credit_threshold: int
    """Combined credit below this is 0x810D (ESME: Account low_credit_threshold; GSME:
    LowCreditWarningLevel)."""
    emergency_credit_threshold: int
    """A balance below this makes emergency credit available, 0x8119 (ESME: the emergency
    credit object's credit_available_threshold; GSME: EmergencyCreditThreshold)."""


# --- decoding the tariff -------------------------------------------------------------------


def _items(value: Data | None) -> tuple[Data, ...]:
    return value.items if isinstance(value, (Array, Structure)) else ()


def _int(value: Data | None) -> int:
    number = getattr(value, "value", 0)
    return number if isinstance(number, int) and not isinstance(number, bool) else 0


def _charge(value: Data | None) -> tuple[int, int, dict[int, int]]:
    """(commodity scale, price scale, index -> amount) of a Charge unit_charge."""
    scaling, _, table = (*_items(value), None, None, None)[:3]
    scales = _items(scaling)
    entries: dict[int, int] = {}
    for entry in _items(table):
        index, amount = (*_items(entry), None, None)[:2]
        raw = index.value if isinstance(index, OctetString) else b""
        entries[raw[0] if raw else 0] = _int(amount)
    return (_int(scales[0]) if scales else 0, _int(scales[1]) if len(scales) > 1 else 0, entries)


def esme_calendar(tariffs: EsmeTariffs, *, secondary: bool = False) -> Calendar:
    """The ESME's active switching table (primary or secondary element)."""
    keys = [key(20, c.CALENDAR[secondary], n) for n in (3, 4, 5)]
    keys.append(key(11, c.SPECIAL_DAYS_ACTIVE[secondary], 2))
    found = tuple((k, tariffs.active[k]) for k in keys if k in tariffs.active)
    return _cached_calendar(found, secondary)


@lru_cache(maxsize=4096)
def _cached_calendar(active: tuple[tuple[str, str], ...], secondary: bool) -> Calendar:
    return _decode_calendar(EsmeTariffs(active=dict(active)), secondary=secondary)


def _decode_calendar(tariffs: EsmeTariffs, *, secondary: bool) -> Calendar:
    seasons = []
    for season in _items(tariffs.value(20, c.CALENDAR[secondary], 3)):
        _, start, week = (*_items(season), None, None, None)[:3]
        raw = start.value if isinstance(start, OctetString) else b""
        week_raw = week.value if isinstance(week, OctetString) else b""
        if len(raw) == 12 and week_raw:
            minute = (raw[5] if raw[5] < 24 else 0) * 60 + (raw[6] if raw[6] < 60 else 0)
            seasons.append(Season(DatePattern.from_cosem(raw), minute, week_raw[0]))
    weeks = []
    for week in _items(tariffs.value(20, c.CALENDAR[secondary], 4)):
        name, *days = _items(week)
        if isinstance(name, OctetString) and name.value:
            weeks.append((name.value[0], [_int(d) for d in days]))
    profiles = []
    for day in _items(tariffs.value(20, c.CALENDAR[secondary], 5)):
        day_id, schedule = (*_items(day), None, None)[:2]
        entries = []
        for action in _items(schedule):
            start, _, selector = (*_items(action), None, None, None)[:3]
            raw = start.value if isinstance(start, OctetString) else b""
            if len(raw) == 4 and raw[0] < 24 and raw[1] < 60:
                entries.append((raw[0] * 60 + raw[1], _int(selector)))
        profiles.append((_int(day_id), entries))
    specials = []
    for entry in _items(tariffs.value(11, c.SPECIAL_DAYS_ACTIVE[secondary], 2)):
        _, when, day_id = (*_items(entry), None, None, None)[:3]
        raw = when.value if isinstance(when, OctetString) else b""
        if len(raw) == 5:
            specials.append((DatePattern.from_cosem(raw), _int(day_id)))
    return Calendar.build(seasons, weeks, profiles, specials)


def _esme_view(tariffs: EsmeTariffs) -> TariffView:
    commodity_scale, price_scale, matrix = _charge(tariffs.value(113, c.PRICE_MATRIX[False], 5))
    per_wh = 10.0 ** (price_scale + 5 - commodity_scale)
    thresholds = [
        tuple(_int(v) for v in _items(tariffs.value(21, obis, 2))) for obis in c.THRESHOLDS_ACTIVE
    ]

    def price(action: int, block: int) -> float:
        if action in BLOCK_SCRIPTS:
            return matrix.get(c.block_index(action - 100, block), 0) * per_wh
        return matrix.get(action, 0) * per_wh

    def blocks(action: int) -> tuple[int, ...]:
        return thresholds[action - 101] if action in BLOCK_SCRIPTS else ()

    def row(action: int) -> int | None:
        return action - 101 if action in BLOCK_SCRIPTS else None

    _, standing_scale, standing = _charge(tariffs.value(113, c.STANDING_CHARGE, 5))
    rates = []
    for n in (1, 2):
        _, scale, table = _charge(tariffs.value(113, c.TIME_DEBT[n], 5))
        amount = round(sum(table.values()) * 10.0 ** (scale + 5))
        rates.append((amount, tariffs.integer(113, c.TIME_DEBT[n], 8, 86_400) or 86_400))
    return TariffView(
        calendar=esme_calendar(tariffs),
        price=price,
        blocks=blocks,
        counter_row=row,
        standing_charge=round(sum(standing.values()) * 10.0 ** (standing_scale + 5)),
        prepayment=tariffs.prepayment_mode,
        time_debt_rates=tuple(rates),
        recovery_cap=tariffs.integer(111, c.ACCOUNT_ACTIVE, 18) * PENCE,
        cap_period=timedelta(seconds=tariffs.integer(111, c.ACCOUNT_ACTIVE, 19) or 604_800),
        daily_block_reset=tariffs.daily_block_reset,
        low_credit_threshold=tariffs.integer(111, c.ACCOUNT_ACTIVE, 16),
        emergency_credit_threshold=tariffs.integer(112, c.EMERGENCY_CREDIT, 10),
    )


def gas_calendar(table: dict[str, object]) -> Calendar:
    def pairs(name: str) -> list[list[object]]:
        found = table.get(name, [])
        return found if isinstance(found, list) else []

    seasons = [
        Season(DatePattern.from_zigbee(bytes.fromhex(str(d))), 0, int(str(w)))
        for d, w in pairs("seasons")
    ]
    weeks_raw = table.get("weeks", {})
    days_raw = table.get("days", {})
    weeks = [
        (int(k), list(v)) for k, v in (weeks_raw.items() if isinstance(weeks_raw, dict) else ())
    ]
    days = [
        (int(k), [(int(m), int(a)) for m, a in v])
        for k, v in (days_raw.items() if isinstance(days_raw, dict) else ())
    ]
    specials = [
        (DatePattern.from_zigbee(bytes.fromhex(str(d))), int(str(i)))
        for d, i in pairs("special_days")
    ]
    return Calendar.build(seasons, weeks, days, specials)


BLOCK_SCHEME: Final = 0x10


def _gas_view(gas: GasTariffs) -> TariffView:
    tariff = gas.tariff
    block = int(tariff.get("charging_scheme", 0)) == BLOCK_SCHEME
    tou_prices = [int(p) for p in tariff.get("tou_prices", [])]
    block_prices = [int(p) for p in tariff.get("block_prices", [])]
    thresholds = tuple(int(t) for t in tariff.get("thresholds", []))[
        : int(tariff.get("thresholds_in_use", 0))
    ]
    per_wh = 1 / 1000  # price per kWh, five decimal places = money units

    def price(action: int, blk: int) -> float:
        if block:
            return (block_prices[blk - 1] if blk <= len(block_prices) else 0) * per_wh
        return (tou_prices[action - 1] if 1 <= action <= len(tou_prices) else 0) * per_wh

    frequency = {0: 3600, 1: 86_400}
    rates = tuple(
        (gas.debt_recovery_amount[i], frequency.get(gas.debt_recovery_frequency[i], 86_400))
        for i in (0, 1)
    )
    return TariffView(
        calendar=gas_calendar(gas.calendar),
        price=price,
        blocks=lambda _action: thresholds if block else (),
        counter_row=lambda _action: 0 if block else None,
        standing_charge=int(tariff.get("standing_charge", 0)),
        prepayment=gas.prepayment_mode,
        time_debt_rates=rates,
        recovery_cap=gas.overall_debt_cap,
        cap_period=timedelta(days=7),
        daily_block_reset=False,
        low_credit_threshold=gas.low_credit_warning_level,
        emergency_credit_threshold=gas.emergency_credit_threshold,
    )


def view_of(state: DeviceState) -> TariffView:
    if is_electric(state.device):
        tariffs = state.get(EsmeTariffs)
        return _cached_esme_view(tuple(sorted(tariffs.active.items())), tariffs.daily_block_reset)
    return _gas_view(state.get(GasTariffs))


@lru_cache(maxsize=4096)
def _cached_esme_view(active: tuple[tuple[str, str], ...], daily_block_reset: bool) -> TariffView:
    """An ESME's view, decoded once per distinct configuration (meters share tariffs, and
    decoding the A-XDR calendar and price matrix dominates a short settle)."""
    return _esme_view(EsmeTariffs(active=dict(active), daily_block_reset=daily_block_reset))


# --- the engine ---------------------------------------------------------------------------


EnergyCharge = tuple[ConsumptionModel, int | None, datetime, datetime, int | None, list[int], float]
"""What dating an energy charge's events needs (``_energy_instant``): the model, the action,
the half hour's (start, end], the block counter row it moves (None: none) as it stood
before the charge, and the residue carried into it. A tuple: one is made for each half
hour charged while an event may come, so it must cost next to nothing."""


_NO_ROW: Final[list[int]] = []
"""``EnergyCharge``'s saved row when the action moves none (never read, never changed)."""


def _take(
    money: Prepayment,
    amount: int,
    view: TariffView,
    at: datetime,
    charge: EnergyCharge | None = None,
) -> None:
    """A charge, made at ``at``: from the balance while it lasts, then emergency credit in
    use; the charge that uses up emergency credit is 0x81AA Emergency Credit Exhausted,
    dated when the charge had taken that much (an energy ``charge``: ``_energy_instant``;
    else ``at``). Whether it crossed a threshold the caller asks (``_crossings``)."""
    money.bill_to_date += amount
    if not view.prepayment:
        money.meter_balance -= amount
        return
    if not money.emergency_active:
        money.meter_balance -= amount
    else:
        from_balance = min(max(money.meter_balance, 0), amount)
        money.meter_balance -= from_balance
        rest = amount - from_balance
        from_emergency = min(money.emergency_credit, rest)
        money.emergency_credit -= from_emergency
        money.meter_balance -= rest - from_emergency
        if from_emergency and money.emergency_credit == 0:
            used = from_balance + from_emergency
            when = _energy_instant(money, view, charge, used) if charge else at
            money.note_event(EMERGENCY_CREDIT_EXHAUSTED, when)


def _take_checked(money: Prepayment, amount: int, view: TariffView, at: datetime) -> None:
    """``_take`` for a charge other than energy (the standing charge, debt recovery), then
    whether it crossed a threshold, dated ``at``."""
    _take(money, amount, view, at)
    if view.prepayment and (money.low_credit_armed or money.emergency_credit_armed):
        _crossings(money, view, amount, at, None)


def _crossings(
    money: Prepayment, view: TariffView, amount: int, at: datetime, charge: EnergyCharge | None
) -> None:
    """After a charge of ``amount`` in prepayment mode (a no-op unless it crossed): GBCS
    0x810D Combined Credit Below Low Credit Threshold when it took the combined credit
    (``available_credit``: the meter balance plus emergency credit in use) below the Low
    Credit Threshold, 0x8119 Emergency Credit Has Become Available when it took the meter
    balance below the Emergency Credit Threshold with no emergency credit in use (2.5
    ECS09 / GCS06 may now activate it: ``emergency_credit_available``). Each once per
    crossing: the alert is armed again only when the meter next finds the credit at or
    above the threshold (``_look_at_thresholds``: a top-up). A charge reduces the combined
    credit (and, with no emergency credit in use, the balance) by its whole amount, so it
    crossed the threshold when it had taken ``before - threshold + 1`` units."""
    credit = available_credit(money)
    if money.low_credit_armed and credit < view.low_credit_threshold:
        money.low_credit_armed = False
        units = max(credit + amount - view.low_credit_threshold + 1, 1)
        when = _energy_instant(money, view, charge, units) if charge else at
        money.note_event(LOW_CREDIT, when)
    if money.emergency_credit_armed and money.meter_balance < view.emergency_credit_threshold:
        money.emergency_credit_armed = False
        if not money.emergency_active:
            units = max(money.meter_balance + amount - view.emergency_credit_threshold + 1, 1)
            when = _energy_instant(money, view, charge, units) if charge else at
            money.note_event(EMERGENCY_CREDIT_AVAILABLE, when)


def _look_at_thresholds(money: Prepayment, view: TariffView, at: datetime) -> None:
    """What the meter finds of its thresholds whenever its money is brought up to date
    (after each Command, on a wake, at a read; outside any charge). Credit at or above a
    threshold arms its alert again (a top-up, a balance adjustment, a lower threshold).
    Credit below it with the alert armed fell there by a Command (a Supplier's balance
    adjustment or reset, a higher threshold): the alert, dated ``at``. In credit mode both
    are disarmed (they are prepayment mode's alerts): a meter put into prepayment mode
    with its credit already below a threshold raises nothing until it has been above."""
    if not view.prepayment:
        if money.low_credit_armed or money.emergency_credit_armed:
            money.low_credit_armed = money.emergency_credit_armed = False
        return
    if available_credit(money) >= view.low_credit_threshold:
        money.low_credit_armed = True
    elif money.low_credit_armed:
        money.low_credit_armed = False
        money.note_event(LOW_CREDIT, at)
    if money.meter_balance >= view.emergency_credit_threshold:
        money.emergency_credit_armed = True
    elif money.emergency_credit_armed:
        money.emergency_credit_armed = False
        if not money.emergency_active:
            money.note_event(EMERGENCY_CREDIT_AVAILABLE, at)


def _first_second(start: datetime, end: datetime, reached: Callable[[datetime], bool]) -> datetime:
    """The first whole second after ``start`` at which ``reached`` holds, else ``end``
    (``reached`` is monotonic and holds at ``end``). Whole seconds of UTC, not offsets
    from ``start``: the answer does not depend on where the money was last brought up to
    date, so a prediction made from one look agrees with the engine at another."""
    first = math.floor(start.timestamp()) + 1
    last = math.ceil(end.timestamp()) - 1  # the last whole second before end
    lo, hi = first, last + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if reached(datetime.fromtimestamp(mid, UTC)):
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC) if lo <= last else end


def _energy_instant(
    money: Prepayment, view: TariffView, charge: EnergyCharge, units: int
) -> datetime:
    """For an energy charge just made (``charge``: over (start, end], made at end): the
    first whole second by which it had come to ``units`` (consumption within a half hour is
    uniform, so the model can tell the second; the block counters and the residue as they
    stood before the charge)."""
    model, action, start, end, row, saved, residue = charge
    counters = [r[:] for r in money.block_counters] if row is not None else []
    if row is not None:
        counters[row] = saved[:]

    def reached(at: datetime) -> bool:
        # An action moving no block counters charges without touching them: no probe.
        probe = money if row is None else Prepayment(block_counters=[r[:] for r in counters])
        cost = _charge_energy(probe, view, action, model.between_wh(start, at))
        return int(cost + residue) >= units

    return _first_second(start, end, reached)


def _charge_energy(money: Prepayment, view: TariffView, action: int | None, wh: float) -> float:
    """The cost of ``wh`` at ``action``, moving the block counters on; energy crossing a
    threshold is charged at each block's price."""
    if action is None or wh <= 0:
        return 0.0
    row = view.counter_row(action)
    thresholds = view.blocks(action)
    if row is None or not thresholds or not 0 <= row < len(money.block_counters):
        return wh * view.price(action, 1)
    cost = 0.0
    counters = money.block_counters[row]
    remaining = wh
    while remaining > 1e-9:
        used = sum(counters)
        block = next((i + 1 for i, t in enumerate(thresholds) if used < t), len(thresholds) + 1)
        block = min(block, 4)
        room = thresholds[block - 1] - used if block <= len(thresholds) else remaining
        step = min(remaining, max(room, 1e-9))
        cost += step * view.price(action, block)
        counters[block - 1] += round(step)
        remaining -= step
    return cost


def _recover_debts(money: Prepayment, view: TariffView, start: datetime, end: datetime) -> None:
    """Time-based debt recovery for the periods that end in (start, end], each at the
    instant its period ends; the recovery that clears time debt 1 (2) is 0x81A7 (0x81A8)
    Debt Collection Completed, dated then."""
    if not view.prepayment:
        return
    for index, (amount, period) in enumerate(view.time_debt_rates):
        if amount <= 0 or money.time_debt[index] <= 0 or period <= 0:
            continue
        first = int(start.timestamp() // period)
        ticks = int(end.timestamp() // period) - first
        for tick in range(1, max(ticks, 0) + 1):
            at = datetime.fromtimestamp((first + tick) * period, UTC)
            if money.cap_period_start is None or at - money.cap_period_start >= view.cap_period:
                money.cap_period_start = at
                money.recovered_in_cap_period = 0
            room = max(view.recovery_cap - money.recovered_in_cap_period, 0)
            taken = min(amount, money.time_debt[index], room)
            if taken <= 0:
                break
            money.time_debt[index] -= taken
            money.accumulated_debt += taken
            money.recovered_in_cap_period += taken
            _take_checked(money, taken, view, at)
            if money.time_debt[index] == 0:
                money.note_event(TIME_DEBT_COLLECTED[index], at)


def _snapshot(money: Prepayment, at: datetime) -> None:
    row = [
        to_gbcs_seconds(at),
        money.meter_balance,
        money.emergency_credit if money.emergency_active else 0,
        money.accumulated_debt,
        money.payment_debt,
        money.time_debt[0],
        money.time_debt[1],
    ]
    money.snapshots = [*money.snapshots, row][-SNAPSHOT_DEPTH:]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def advance(money: Prepayment, view: TariffView, model: ConsumptionModel, now: datetime) -> None:
    """Bring ``money`` up to ``now`` (no-op if it is already there or later)."""
    if money.as_of is None:
        money.as_of = now
        money.block_period_start = money.block_period_start or now
        _look_at_thresholds(money, view, now)
        return
    _look_at_thresholds(money, view, money.as_of)
    if now <= money.as_of:
        return
    at = max(money.as_of, now - MAX_CATCH_UP)
    prepayment = view.prepayment
    floor = _floor(money, view)
    row_of: tuple[int | None, int | None] = (None, None)
    row: int | None = None
    saved = _NO_ROW
    schedule_day: date | None = None
    carry: int | None = None
    entries: tuple[tuple[int, int], ...] = ()
    while at < now:
        day = at.date()
        if day != schedule_day:
            carry, entries = view.calendar.schedule_for(day)
            schedule_day = day
        minute = at.hour * 60 + at.minute
        action = carry
        for start, act in entries:
            if start <= minute:
                action = act
        slot_end = at.replace(minute=0 if at.minute < 30 else 30, second=0, microsecond=0) + SLOT
        end = min(slot_end, now, _midnight(day) + timedelta(days=1))
        emergency = prepayment and money.emergency_active and money.emergency_credit > 0
        watching = emergency or floor is not None
        if watching:
            # This charge may bring an event (emergency credit used up, a threshold
            # crossed): keep what dating it needs, the row of block counters the action
            # moves (a block tariff's only) as it stands before the charge.
            if action != row_of[0]:
                row_of = (action, _counter_row(money, view, action))
            row = row_of[1]
            saved = money.block_counters[row][:] if row is not None else _NO_ROW
        residue = money.residue
        cost = _charge_energy(money, view, action, model.between_wh(at, end)) + residue
        whole = int(cost)
        money.residue = cost - whole
        if whole:
            charge: EnergyCharge | None = None
            # Below the floor after this charge (inline: this runs every half hour).
            crossing = floor is not None and (
                money.meter_balance
                + (money.emergency_credit if money.emergency_active else 0)
                - whole
                < floor
            )
            if emergency or crossing:
                charge = (model, action, at, end, row, saved, residue)
            _take(money, whole, view, end, charge)
            if crossing:
                _crossings(money, view, whole, end, charge)
                floor = _floor(money, view)
        _recover_debts(money, view, at, end)
        at = end
        if at == _midnight(at.date()) and at <= now:
            _new_day(money, view, at)
    money.as_of = now


def _floor(money: Prepayment, view: TariffView) -> int | None:
    """The combined credit below which a charge crosses an armed threshold (None: none
    armed). Thresholds are only disarmed within ``advance``, so one found at its start
    stays an upper bound: a charge that cannot go below it needs no dating."""
    if not view.prepayment:
        return None
    armed = [
        threshold
        for threshold, on in (
            (view.low_credit_threshold, money.low_credit_armed),
            (view.emergency_credit_threshold, money.emergency_credit_armed),
        )
        if on
    ]
    return max(armed) if armed else None


def _counter_row(money: Prepayment, view: TariffView, action: int | None) -> int | None:
    row = view.counter_row(action) if action is not None else None
    return row if row is not None and 0 <= row < len(money.block_counters) else None


def _new_day(money: Prepayment, view: TariffView, at: datetime) -> None:
    """At a UTC midnight: the day's snapshot, then the new day's standing charge and any
    block counter restart."""
    _snapshot(money, at)
    if view.standing_charge:
        _take_checked(money, view.standing_charge, view, at)
    new_month = at.day == 1
    if view.daily_block_reset or new_month:
        money.block_counters = [[0] * 4 for _ in money.block_counters]
        money.block_period_start = at


def model_for(state: DeviceState) -> ConsumptionModel:
    """The meter's consumption as registered: nothing while its supply was off
    (``supply_off``), so no charge for energy the meter did not let through."""
    fuel = Fuel.ELECTRICITY if is_electric(state.device) else Fuel.GAS
    return supplied_model(state.device.device_id, fuel, state)


def settle(state: DeviceState, now: datetime) -> Prepayment:
    """The meter's ``Prepayment`` brought up to ``now`` (the state is marked changed)."""
    money = state.get(Prepayment)
    before = money.as_of, money.low_credit_armed, money.emergency_credit_armed
    advance(money, view_of(state), model_for(state), now)
    if (money.as_of, money.low_credit_armed, money.emergency_credit_armed) != before:
        state.touch()
    return money


def projected(state: DeviceState, now: datetime) -> Prepayment:
    """A copy of the meter's ``Prepayment`` as it stands at ``now``; the state is untouched."""
    money = copy.deepcopy(state.get(Prepayment))
    advance(money, view_of(state), model_for(state), now)
    return money


# --- for the supply family --------------------------------------------------------------


def disablement_threshold(state: DeviceState) -> int:
    if is_electric(state.device):
        thresholds = _items(state.get(EsmeTariffs).value(21, "0-0:16.0.1.255", 2))
        return _int(thresholds[0]) if thresholds else 0
    return state.get(GasTariffs).cut_off_value


def in_friendly_credit_period(state: DeviceState, at: datetime) -> bool:
    """Whether ``at`` falls in a non-disablement (friendly credit) period."""
    if is_electric(state.device):
        tariffs = state.get(EsmeTariffs)
        rows = []
        for entry in _items(tariffs.value(10, c.NON_DISABLEMENT_CALENDAR_ACTIVE, 2)):
            fields = _items(entry)
            if len(fields) < 10:
                continue
            time = fields[4].value if isinstance(fields[4], OctetString) else b"\0\0"
            weekdays = fields[6].bits if isinstance(fields[6], BitString) else ""
            specials = fields[7].bits if isinstance(fields[7], BitString) else ""
            begin = fields[8].value if isinstance(fields[8], OctetString) else b""
            end = fields[9].value if isinstance(fields[9], OctetString) else b""
            if len(begin) != 5 or len(end) != 5 or len(time) < 2:
                continue
            rows.append(
                ScheduleRow(
                    _int(fields[3]) == c.START_NON_DISABLEMENT,
                    time[0] * 60 + time[1],
                    tuple(ch == "1" for ch in weekdays),
                    tuple(ch == "1" for ch in specials),
                    DatePattern.from_cosem(begin),
                    DatePattern.from_cosem(end),
                )
            )
        specials_table = []
        for entry in _items(tariffs.value(11, c.NON_DISABLEMENT_SPECIAL_DAYS_ACTIVE, 2)):
            index, when, _ = (*_items(entry), None, None, None)[:3]
            raw = when.value if isinstance(when, OctetString) else b""
            if len(raw) == 5:
                specials_table.append((_int(index), DatePattern.from_cosem(raw)))
        return in_non_disablement_period(rows, specials_table, at)
    calendar = gas_calendar(state.get(GasTariffs).friendly_credit)
    return calendar.action_at(at) == 1


def available_credit(money: Prepayment) -> int:
    """The combined credit: the meter balance plus emergency credit in use."""
    return money.meter_balance + (money.emergency_credit if money.emergency_active else 0)


def emergency_credit_available(money: Prepayment, threshold: int, prepayment: bool) -> bool:
    """Whether 2.5 (ECS09 / GCS06) may activate emergency credit: in prepayment mode, none
    in use and the meter balance below the Emergency Credit Threshold (the condition whose
    coming about is 0x8119 Emergency Credit Has Become Available)."""
    return prepayment and not money.emergency_active and money.meter_balance < threshold


def prepayment_mode(state: DeviceState) -> bool:
    if is_electric(state.device):
        return state.get(EsmeTariffs).prepayment_mode
    return state.get(GasTariffs).prepayment_mode


def credit_exhausted(state: DeviceState, now: datetime) -> bool:
    """Whether a prepayment meter's credit has run out at ``now`` (see the module
    docstring); False in credit mode. Reads the state without changing it."""
    if not prepayment_mode(state):
        return False
    money = projected(state, now)
    if available_credit(money) > disablement_threshold(state):
        return False
    return not in_friendly_credit_period(state, now)
