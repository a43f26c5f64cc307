"""What the tariffs family tells the other device families, and when.

The reads family reads two sections by name (``devices.reads_foreign``), never importing
this family; the tariffs handlers keep them current:

- ``tariff``: the rate in force in each half hour of the day (``tou_rates``: an ESME's
  script 1-48 is rate n, a block tariff's script 101-108 rate 1-8; a GSME's TOU tier 1-4,
  else 1), an ESME's secondary element (scripts 201-204 as 1-4) and the block thresholds
  of the day's block tariff (ESME: the first block tariff the day uses, "no threshold"
  entries dropped; GSME: the thresholds in use under a block scheme). The day is the one
  the change happens on: the reads model one day profile. When the view changes, the
  meter's TOU and block registers switch at that instant
  (``reads_billing.note_tariff_change``, which also logs the change of tariff). The
  family's default ESME tariff is the reads' default (Economy 7), so an untouched meter
  agrees without a note.
- ``prepayment``: the six prepayment registers and the payment mode, as of the family's
  last look at the meter's money (every Command it handles and every credit check).
- each top-up enters the reads' prepayment credits log (``record_prepayment_credit``,
  4.4.5, with its UTRN) and, when part of it repaid payment-based debt, their debt
  payments log (``record_debt_payment``, 4.4.4). A change of payment mode the reads notice
  themselves from the ``prepayment`` section (4.4.2).

The supply family owns the supply switch (``devices.supply_state``) and consults the
tariffs family's credit rule itself (credit permits supply unless
``tariffs_billing.credit_exhausted``). This module tells it when credit runs out or comes
back (``supply_events.credit_exhausted`` / ``credit_restored``): after each Command that
can move the money or the payment mode, and on the meter's wake at the instant its credit
is next due to run out (``next_exhaustion``, looked for up to ``WATCH_HORIZON`` ahead; a
meter with more credit than that is looked at again then). Credit running out inside a
non-disablement period keeps the supply on and says so (0x8F83); the period's end
disables it (the next wake is the first instant outside the period).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Final

from opendcc.devices import config_api, reads_billing, reads_state, supply_events
from opendcc.devices.device_logs import record_code
from opendcc.devices.reads_foreign import (
    PREPAYMENT_SECTION,
    TARIFF_SECTION,
    TariffView,
    tariff_view,
)
from opendcc.devices.simulator import DeviceContext, on_wake
from opendcc.devices.state import DeviceState, Section
from opendcc.devices.supply_alerts import raise_generic
from opendcc.devices.supply_off import on_supply_change
from opendcc.devices.supply_parties import party
from opendcc.devices.tariffs_billing import (
    BLOCK_SCHEME,
    BLOCK_SCRIPTS,
    advance,
    available_credit,
    disablement_threshold,
    esme_calendar,
    gas_calendar,
    in_friendly_credit_period,
    model_for,
    prepayment_mode,
    settle,
    view_of,
)
from opendcc.devices.tariffs_billing import TariffView as BillingView
from opendcc.devices.tariffs_calendar import Calendar
from opendcc.devices.tariffs_state import EsmeTariffs, GasTariffs, Prepayment, is_electric
from opendcc.gbcs.dlms.data import Array
from opendcc.inventory.model import DeviceType, Fuel
from opendcc.smki.identity import RemotePartyRole
from opendcc.transform import tariffs_cosem as c

SLOTS: Final = 48
WATCH_HORIZON: Final = timedelta(days=2)
"""How far ahead a prepayment meter's credit is projected for its next check (a meter
whose credit lasts longer wakes then to look again: cheaper than projecting further)."""
STEP: Final = timedelta(minutes=30)
FRIENDLY_LIMIT: Final = timedelta(days=7)
"""Beyond this a non-disablement period is taken to go on (the meter looks again then)."""
NO_THRESHOLD: Final = 0xFFFF_FFFF
INT32: Final = 2**31


# --- the reads' view of the tariff --------------------------------------------------------


def _half_hours(calendar: Calendar, day: datetime) -> list[int | None]:
    """The action in force at the start of each half hour of ``day``."""
    carry, entries = calendar.schedule_for(day.date())
    actions: list[int | None] = []
    for slot in range(SLOTS):
        minute = slot * 30
        action = carry
        for start, act in entries:
            if start <= minute:
                action = act
        actions.append(action)
    return actions


def _esme_rate(action: int | None) -> int:
    if action is None:
        return 1
    if 1 <= action <= 48:
        return action
    if action in BLOCK_SCRIPTS:
        return action - 100
    return 1


def _esme_view(state: DeviceState, at: datetime) -> TariffView:
    tariffs = state.get(EsmeTariffs)
    primary = _half_hours(esme_calendar(tariffs), at)
    secondary = _half_hours(esme_calendar(tariffs, secondary=True), at)
    thresholds: tuple[int, ...] = ()
    block = next((a for a in primary if a in BLOCK_SCRIPTS), None)
    if block is not None:
        value = tariffs.value(21, c.THRESHOLDS_ACTIVE[block - 101], 2)
        items = value.items if isinstance(value, Array) else ()
        found = [getattr(v, "value", NO_THRESHOLD) for v in items]
        thresholds = tuple(t for t in found if isinstance(t, int) and 0 < t < NO_THRESHOLD)
    return TariffView(
        tuple(_esme_rate(a) for a in primary),
        tuple(a - 200 if a is not None and 201 <= a <= 204 else 1 for a in secondary),
        _ascending(thresholds),
    )


def _gas_view(state: DeviceState, at: datetime) -> TariffView:
    gas = state.get(GasTariffs)
    tariff = gas.tariff
    block = int(tariff.get("charging_scheme", 0)) == BLOCK_SCHEME
    actions = _half_hours(gas_calendar(gas.calendar), at)
    rates = tuple(a if a is not None and not block and 1 <= a <= 4 else 1 for a in actions)
    in_use = int(tariff.get("thresholds_in_use", 0))
    thresholds = tuple(int(t) for t in tariff.get("thresholds", []))[:in_use] if block else ()
    return TariffView(rates, (1,) * SLOTS, _ascending(thresholds))


def _ascending(thresholds: tuple[int, ...]) -> tuple[int, ...]:
    """The reads take up to three strictly ascending thresholds, else none."""
    kept = thresholds[:3]
    return kept if list(kept) == sorted(set(kept)) and all(t > 0 for t in kept) else ()


def tariff_view_of(state: DeviceState, at: datetime) -> TariffView:
    """The reads' view of the meter's tariff on the day of ``at``."""
    return _esme_view(state, at) if is_electric(state.device) else _gas_view(state, at)


@dataclass(slots=True)
class PublishedTariff(Section):
    """The ``tariff`` section the reads family reads (``reads_foreign.tariff_view``)."""

    NAME = TARIFF_SECTION
    tou_rates: list[int] = field(default_factory=list)
    secondary_tou_rates: list[int] = field(default_factory=list)
    block_thresholds: list[int] = field(default_factory=list)


@dataclass(slots=True)
class PublishedPrepayment(Section):
    """The ``prepayment`` section the reads family reads (registers and payment mode)."""

    NAME = PREPAYMENT_SECTION
    meter_balance: int = 0
    emergency_credit_balance: int = 0
    accumulated_debt: int = 0
    payment_debt: int = 0
    time_debt_1: int = 0
    time_debt_2: int = 0
    payment_mode: str = "credit"


def _fuel(state: DeviceState) -> Fuel:
    return Fuel.ELECTRICITY if is_electric(state.device) else Fuel.GAS


def publish_tariff(context: DeviceContext) -> bool:
    """Bring the ``tariff`` section up to date; True (and the reads told) if it changed."""
    state = context.state
    if state.device.device_type not in (DeviceType.ESME, DeviceType.GSME):
        return False
    view = tariff_view_of(state, context.now)
    if view == tariff_view(state, _fuel(state)):
        return False
    section = state.get(PublishedTariff)
    section.tou_rates = list(view.tou_rates)
    section.secondary_tou_rates = list(view.secondary_tou_rates)
    section.block_thresholds = list(view.block_thresholds)
    state.touch()
    reads_billing.note_tariff_change(context, context.now)
    return True


def _int32(value: int) -> int:
    return max(-INT32, min(INT32 - 1, value))


def publish_prepayment(state: DeviceState, money: Prepayment) -> None:
    """Bring the ``prepayment`` section up to ``money`` (already settled)."""
    if state.device.device_type not in (DeviceType.ESME, DeviceType.GSME):
        return
    values: dict[str, Any] = {
        "meter_balance": _int32(money.meter_balance),
        "emergency_credit_balance": _int32(money.emergency_credit if money.emergency_active else 0),
        "accumulated_debt": _int32(money.accumulated_debt),
        "payment_debt": _int32(money.payment_debt),
        "time_debt_1": _int32(money.time_debt[0]),
        "time_debt_2": _int32(money.time_debt[1]),
        "payment_mode": "prepayment" if prepayment_mode(state) else "credit",
    }
    section = state.get(PublishedPrepayment)
    if section.to_json() != values:
        for name, value in values.items():
            setattr(section, name, value)
        state.touch()


# --- the supply family's credit check --------------------------------------------------------


@dataclass(slots=True)
class CreditWatch(Section):
    """What the meter last told the supply family about its prepayment credit."""

    NAME = "tariffs_credit_watch"
    disabled: bool = False
    """Credit ran out and the supply family was told to disable the supply."""
    suspended: bool = False
    """Credit ran out inside a non-disablement period (disablement suspended)."""
    next_check: datetime | None = None
    """When to look again at whether the credit ran out."""
    next_event: datetime | None = None
    """When the meter next notes a money event (``outlook``), to raise it then."""


@dataclass(frozen=True, slots=True)
class Outlook:
    """What a look ahead at the meter's money found (``outlook``)."""

    exhaustion: datetime | None
    """The first instant its credit is exhausted, to the half hour (``next_exhaustion``)."""
    money_event: datetime | None
    """The instant of the first money event the meter will note by itself (0x81AA
    Emergency Credit Exhausted, 0x81A7 / 0x81A8 Debt Collection Completed - Time Debt 1 /
    2, 0x810D Combined Credit Below Low Credit Threshold, 0x8119 Emergency Credit Has
    Become Available), to the second, within ``WATCH_HORIZON``; None if none comes in
    that time."""


def _first_noted(money: Prepayment) -> datetime | None:
    return min((datetime.fromisoformat(when) for _, when in money.events), default=None)


def _events_possible(money: Prepayment, view: BillingView) -> bool:
    """Whether the meter can note a money event by itself: emergency credit in use to run
    out, a time debt being recovered, or credit to fall below an armed threshold
    (prepayment mode only)."""
    if not view.prepayment:
        return False
    if money.emergency_active and money.emergency_credit > 0:
        return True
    if money.low_credit_armed or (money.emergency_credit_armed and not money.emergency_active):
        return True
    rates = view.time_debt_rates
    return any(
        debt > 0 and rate > 0 for debt, (rate, _) in zip(money.time_debt, rates, strict=False)
    )


def outlook(state: DeviceState, now: datetime, *, exhaustion: bool = True) -> Outlook:
    """Project the meter's money from ``now`` (up to ``WATCH_HORIZON``): when its credit
    is exhausted (if ``exhaustion``) and when it next notes a money event.

    Projected money only falls (charges and debt recovery; credit comes from Commands), so
    the projection runs a day at a time and goes back over the day the credit ran out in
    half hours. Money events need no second pass: the engine dates each one to the second
    as it notes it (``tariffs_billing``), and the first one the projection notes is the
    next. The projection stops at whichever it is looking for comes first, so this costs
    what looking for the exhaustion alone did."""
    view = view_of(state)
    if not exhaustion and not _events_possible(settle(state, now), view):
        return Outlook(None, None)  # nothing the meter would note by itself
    money = copy.deepcopy(settle(state, now))
    money.events = []
    model = model_for(state)
    threshold = disablement_threshold(state)
    event: datetime | None = None
    at, end = now, now + WATCH_HORIZON
    exhausted: datetime | None = None
    while at < end:
        if exhaustion and available_credit(money) <= threshold:
            exhausted = at
            break
        if not exhaustion and event is not None:
            break
        day_end = min(datetime.combine(at.date(), time(), at.tzinfo) + timedelta(days=1), end)
        before = copy.deepcopy(money) if exhaustion else money
        advance(money, view, model, day_end)
        event = event or _first_noted(money)
        if exhaustion and available_credit(money) <= threshold:
            money = before
            while available_credit(money) > threshold:
                at = min(at + STEP, day_end)
                advance(money, view, model, at)
            exhausted = at
            break
        at = day_end
    if exhaustion and exhausted is None and available_credit(money) <= threshold:
        exhausted = at
    if exhausted is not None:
        limit = exhausted + FRIENDLY_LIMIT
        while in_friendly_credit_period(state, exhausted) and exhausted < limit:
            exhausted += STEP
    return Outlook(exhausted, event)


def next_exhaustion(state: DeviceState, now: datetime) -> datetime | None:
    """The first instant within ``WATCH_HORIZON`` of ``now`` at which the meter's credit
    is exhausted (``credit_exhausted``), to the half hour; None if it lasts beyond."""
    return outlook(state, now).exhaustion


@dataclass(slots=True)
class _Looking:
    active: bool = False


_LOOKING = _Looking()
"""Set while ``watch_credit`` runs: the supply changes it makes are planned by it."""


def watch_credit(context: DeviceContext) -> None:
    """See ``_watch_credit``; marks the look in progress (``_supply_changed``)."""
    if _LOOKING.active:
        _watch_credit(context)
        return
    _LOOKING.active = True
    try:
        _watch_credit(context)
    finally:
        _LOOKING.active = False


def _watch_credit(context: DeviceContext) -> None:
    """Raise the money events the meter noted and tell the supply family if the meter's
    credit ran out or came back since it was last told, then ask to be woken when its
    credit is next due to run out or it next notes a money event (so that the event is
    raised within seconds of happening: 0x81AA when the emergency credit runs out, not at
    the next Command)."""
    state = context.state
    if state.device.device_type not in (DeviceType.ESME, DeviceType.GSME):
        return
    now = context.now
    money = settle(state, now)
    raise_money_events(context, money)
    publish_prepayment(state, money)
    if not prepayment_mode(state):
        if not state.has(CreditWatch):
            return  # a credit meter that never was in prepayment: nothing to look at
        watch = state.get(CreditWatch)
        if watch.disabled:
            # Credit mode permits supply: the consumer may restore it.
            supply_events.credit_restored(context)
        if watch.disabled or watch.suspended or watch.next_check or watch.next_event:
            watch.disabled = watch.suspended = False
            watch.next_check = watch.next_event = None
            state.touch()
        return  # credit mode: no time-based debt recovery, no emergency credit in use
    watch = state.get(CreditWatch)
    no_credit = available_credit(money) <= disablement_threshold(state)
    if no_credit and not watch.disabled:
        friendly = in_friendly_credit_period(state, now)
        if not friendly:
            supply_events.credit_exhausted(context)
            watch.disabled, watch.suspended = True, False
        elif not watch.suspended:
            supply_events.credit_exhausted(context, non_disablement=True)
            watch.suspended = True
    elif not no_credit and (watch.disabled or watch.suspended):
        if watch.disabled:
            supply_events.credit_restored(context, emergency_credit=money.emergency_active)
        watch.disabled = watch.suspended = False
    if watch.disabled:
        watch.next_check = None  # a top-up, emergency credit or credit mode brings it back
        look = outlook(state, now, exhaustion=False)
        # A time debt still being recovered may clear beyond the horizon: look again then.
        watch.next_event = look.money_event or (
            now + WATCH_HORIZON if _events_possible(money, view_of(state)) else None
        )
    else:
        _plan(context, watch)
        return
    if watch.next_event is not None:
        context.wake_at(watch.next_event)
    state.touch()


def raise_money_events(context: DeviceContext, money: Prepayment) -> None:
    """Raise the money events the meter noted since it last looked (``Prepayment.events``):
    0x81A7 / 0x81A8 Debt Collection Completed - Time Debt 1 / 2 (time-based recovery took
    the debt to zero), 0x81A9 - Payment Debt (a top-up cleared it), 0x81AA Emergency Credit
    Exhausted (a charge used the last of it), 0x81AB Emergency Credit Activated (2.5 ECS09 /
    GCS06), 0x810D Combined Credit Below Low Credit Threshold and 0x8119 Emergency Credit
    Has Become Available (the credit fell below the threshold: ``tariffs_billing``). Each
    goes to the Supplier as an Alert when the meter's alert behaviour (6.22,
    ``config_api.alert_enabled``) says so, logged with it (``device_logs``), else only
    logged when the logging behaviour says so (GBCS logs neither 0x810D nor 0x8119:
    ``device_logs.NOT_LOGGED``). Each is dated when it happened, as far as the engine can
    tell (to the second: ``tariffs_billing``): the Alert's own date-time (GBCS generic
    alert: DLMS ``{code, date-time}``, GBZ alert header UTC time) and the log entry; the
    meter looks often enough that that is within seconds of it (each Command the family
    handles and each read of the money; a wake at the next event's predicted instant,
    ``watch_credit``)."""
    if not money.events:
        return
    # In the order they happened (one charge may note 0x81AA before the 0x810D it crossed
    # earlier in its half hour).
    events = sorted(money.events, key=lambda event: datetime.fromisoformat(event[1]))
    money.events = []
    context.state.touch()
    supplier = party(context, RemotePartyRole.SUPPLIER)
    for code, when in events:
        at = datetime.fromisoformat(when)
        if supplier is not None and config_api.alert_enabled(context.state, code):
            raise_generic(context, code, supplier, at)
        else:
            record_code(context, code, at)


def look_at_money(context: DeviceContext) -> Prepayment:
    """What a read of the meter's money does first: bring it up to now, raise the money
    events that brings to light (an event between two looks is not left for the next
    write Command or wake) and publish the registers to the reads family. Only on the
    meter's own state: a GPF answering for its GSME projects the GSME's money without
    changing it, and the GSME raises its own events."""
    money = settle(context.state, context.now)
    raise_money_events(context, money)
    publish_prepayment(context.state, money)
    return money


@on_wake
def _wake(context: DeviceContext) -> None:
    state = context.state
    if not state.has(CreditWatch):
        return
    watch = state.get(CreditWatch)
    dues = [d for d in (watch.next_check, watch.next_event) if d is not None]
    if not dues:
        return
    due = min(dues)
    if context.now < due:
        context.wake_at(due)
        return
    watch_credit(context)


@on_supply_change
def _supply_changed(context: DeviceContext) -> None:
    """The supply went off or came back (a Supplier's Command, the consumer): the meter is
    charged for nothing while it is off (``supply_off``), so when its credit runs out and
    when it next notes a money event moved: plan them again from now. Not while the meter
    is looking at its credit itself (``watch_credit`` disabling or re-arming the supply
    plans afterwards), nor for a meter waiting for credit."""
    state = context.state
    if _LOOKING.active or not state.has(CreditWatch) or not prepayment_mode(state):
        return
    watch = state.get(CreditWatch)
    if watch.disabled:
        return
    _plan(context, watch)


def _plan(context: DeviceContext, watch: CreditWatch) -> None:
    """When to look again: at the credit's exhaustion (or the horizon), and at the next
    money event; the wake asked for the earlier."""
    now = context.now
    look = outlook(context.state, now)
    due = look.exhaustion
    watch.next_check = max(due, now + STEP) if due is not None else now + WATCH_HORIZON
    watch.next_event = look.money_event
    context.state.touch()
    context.wake_at(watch.next_check)
    if watch.next_event is not None:
        context.wake_at(watch.next_event)


def record_top_up(
    context: DeviceContext, amount: int, debt_paid: int, outstanding: int, utrn: str
) -> None:
    """A top-up credited: the reads' prepayment credits log (4.4.5) and, when it repaid
    payment-based debt, their debt payments log (4.4.4)."""
    reads_state.record_prepayment_credit(context, amount, context.now, utrn.encode("ascii"))
    if debt_paid:
        reads_state.record_debt_payment(context, debt_paid, context.now, outstanding)


def after_command(context: DeviceContext) -> None:
    """What the family's write handlers do last: publish the tariff and the money, and
    tell the supply family about the credit."""
    publish_tariff(context)
    watch_credit(context)
