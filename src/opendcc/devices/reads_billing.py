"""When a meter's billing data is captured, and bringing its event-driven state up to date
before a read.

- Billing dates come from the billing calendar (``reads_foreign.billing_calendar``; by
  default the 1st of every month at midnight UTC). The consumption half of a
  billing-calendar snapshot is computed from the registers at that date; the prepayment
  half (meter balance, credit and debt registers, which only the prepayment family knows)
  is captured the first time the Device runs after the date, with the prepayment values
  of that moment (on the Device's first run, for its last 12 billing dates).
- ``prepare_meter`` runs before every meter read: it starts a new tariff segment when the
  tariff changed (and records the change of tariff in the 4.4.2 log), notices a change of
  payment mode (4.4.2 too) and captures due billing-calendar prepayment values.
- Daily reads are at midnight UTC; ``midnights`` lists those in a range.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import Final

from opendcc.devices.consumption import EPOCH
from opendcc.devices.reads_foreign import (
    billing_calendar,
    payment_mode,
    prepayment_registers,
    tariff_view,
)
from opendcc.devices.reads_metering import DAY, Meter, ceil_to, floor_to
from opendcc.devices.reads_state import (
    BILLING_LOG_CAPACITY,
    CAUSE_CHANGE_OF_PAYMENT_MODE,
    CAUSE_CHANGE_OF_TARIFF,
    BillingData,
    record_billing_snapshot,
)
from opendcc.devices.simulator import DeviceContext
from opendcc.devices.state import DeviceState
from opendcc.gbcs.dlms.datetimes import from_gbcs_seconds, to_gbcs_seconds
from opendcc.inventory.model import DeviceType, Fuel

_STEP_MONTHS: Final = {"Monthly": 1, "Quarterly": 3, "SixMonthly": 6, "Yearly": 12}
_STEP_DAYS: Final = {"Daily": 1, "Weekly": 7}
_MAX_DATES: Final = 20_000


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = moment.day
    if day > 28:  # every month has 28 days: only a later day may need clamping
        day = min(day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def billing_dates(state: DeviceState, low: datetime, high: datetime) -> list[datetime]:
    """The billing dates from ``low`` to ``high`` inclusive, oldest first."""
    return list(islice(_billing_dates(state, low, high), _MAX_DATES))


def _billing_dates(state: DeviceState, low: datetime, high: datetime) -> Iterator[datetime]:
    """``billing_dates`` made one at a time (a caller wanting only the first stops there)."""
    start, periodicity = billing_calendar(state)
    first = start or EPOCH
    if high < first:
        return
    if periodicity in _STEP_DAYS:
        step = timedelta(days=_STEP_DAYS[periodicity])
        skip = max(0, int((low - first) / step)) if low > first else 0
        moment = first + skip * step
        while moment <= high:
            if moment >= low:
                yield moment
            moment += step
        return
    months = _STEP_MONTHS[periodicity]
    skip = 0
    if low > first:
        skip = max(0, ((low.year - first.year) * 12 + low.month - first.month) // months - 1)
    n = skip
    while True:
        moment = add_months(first, n * months)
        if moment > high:
            return
        if moment >= low:
            yield moment
        n += 1


def recent_billing_dates(state: DeviceState, now: datetime, count: int) -> list[datetime]:
    """The last ``count`` billing dates up to ``now`` (those within 370 days for each 12
    asked for, plus 370), oldest first.

    Made from ``now`` backwards, so that only the dates returned are computed: the first
    read of a meter with a daily calendar no longer makes two years of dates to keep 12.
    """
    look_back = timedelta(days=370 * max(1, count // 12 + 1))
    low = now - look_back
    if not 0 < count <= _MAX_RECENT:
        return billing_dates(state, low, now)[-count:]
    found: list[datetime] = []
    for moment in _billing_dates_back(state, now):
        if moment < low or len(found) == count:
            break
        found.append(moment)
    found.reverse()
    return found


_MAX_RECENT: Final = 1200
"""Larger counts take the forward path (which caps at ``_MAX_DATES`` dates from ``low``)."""


def _billing_dates_back(state: DeviceState, high: datetime) -> Iterator[datetime]:
    """The billing dates up to ``high`` inclusive, newest first (the same dates as
    ``billing_dates`` makes: the n-th is the first date plus n steps)."""
    start, periodicity = billing_calendar(state)
    first = start or EPOCH
    if high < first:
        return
    if periodicity in _STEP_DAYS:
        step = timedelta(days=_STEP_DAYS[periodicity])
        n = (high - first) // step
        while n >= 0:
            yield first + n * step
            n -= 1
        return
    months = _STEP_MONTHS[periodicity]
    # Date n falls in the month n * months after the first's (its day clamped to that
    # month's length), so no date after this n lies in or before ``high``'s month.
    n = ((high.year - first.year) * 12 + high.month - first.month) // months
    while n >= 0:
        moment = add_months(first, n * months)
        if moment <= high:
            yield moment
        n -= 1


def midnights(low: datetime, high: datetime) -> Iterator[datetime]:
    moment = ceil_to(max(low, EPOCH), DAY)
    while moment <= high:
        yield moment
        moment += DAY


def prepare_meter(meter: Meter, now: datetime) -> None:
    """Bring the meter's event-driven billing state up to ``now`` (see the docstring)."""
    state = meter.state
    if meter.synchronise(now):
        record_billing_snapshot(state, now, CAUSE_CHANGE_OF_TARIFF)
    billing = state.get(BillingData)
    mode = payment_mode(state)
    if billing.payment_mode is None:
        billing.payment_mode = mode
        state.touch()
    elif billing.payment_mode != mode:
        billing.payment_mode = mode
        record_billing_snapshot(state, now, CAUSE_CHANGE_OF_PAYMENT_MODE)
    _capture_calendar_prepayment(state, billing, now)


def _capture_calendar_prepayment(state: DeviceState, billing: BillingData, now: datetime) -> None:
    now_seconds = to_gbcs_seconds(now)
    if billing.calendar_next is not None and now_seconds < billing.calendar_next:
        return  # no billing date has passed since the last capture (the common case)
    if billing.calendar_seen is None:
        due = recent_billing_dates(state, now, BILLING_LOG_CAPACITY)
    else:
        seen = from_gbcs_seconds(billing.calendar_seen)
        due = [d for d in billing_dates(state, seen, now) if d > seen][-BILLING_LOG_CAPACITY:]
    values = list(prepayment_registers(state))
    for moment in due:
        billing.calendar_prepayment.append([to_gbcs_seconds(moment), *values])
    billing.calendar_prepayment.sort(key=lambda row: row[0])
    del billing.calendar_prepayment[:-BILLING_LOG_CAPACITY]
    billing.calendar_seen = now_seconds
    # Only the first billing date after now is wanted: not the year of them after it.
    following = next(_billing_dates(state, now + timedelta(seconds=1), now + _LOOK_AHEAD), None)
    billing.calendar_next = to_gbcs_seconds(following) if following is not None else None
    state.touch()


_LOOK_AHEAD: Final = timedelta(days=400)


def floor_day(moment: datetime) -> datetime:
    return floor_to(moment, DAY)


def note_tariff_change(target: DeviceContext | DeviceState, at: datetime) -> None:
    """The tariff section of a meter changed at ``at``: its TOU and block registers
    switch rates from then on, and the change of tariff enters the 4.4.2 billing data log.
    (Without this call the meter notices the change at its next read, at that time.)"""
    state = target.state if isinstance(target, DeviceContext) else target
    fuel = Fuel.GAS if state.device.device_type is not DeviceType.ESME else Fuel.ELECTRICITY
    meter = Meter(state.device_id, fuel, state)
    # Before the first change the family notes, the meter ran on the default tariff.
    if meter.synchronise(at, previous=tariff_view(DeviceState(state.device), fuel)):
        record_billing_snapshot(state, at, CAUSE_CHANGE_OF_TARIFF)
