"""Prepayment money events reach the Supplier when they happen (GBCS alert codes 0x81A7 to
0x81AB), over real HTTP with the hub's clock driven.

A prepayment ESME on a little emergency credit, with its known consumption (the
deterministic model of ``devices.consumption``), runs it out at an instant the money engine
can tell to the second. The hub wakes the ESME then, not at its next Command or routine
look, and the Supplier's receiver gets the 0x81AA Emergency Credit Exhausted Alert as soon
as the clock reaches that instant (within the scheduler's polling), dated at it inside the
GBCS Alert (the DLMS ``{alert code, date-time}``). Likewise 0x81A7 Debt Collection
Completed - Time Debt 1 at the hourly recovery that clears the debt, and 0x810D Combined
Credit Below Low Credit Threshold at the second the credit falls below it (0x8119 Emergency
Credit Has Become Available not sent once the Supplier has turned its WAN Alert off).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opendcc.client.receiver import Received
from opendcc.clock import ManualClock
from opendcc.devices.supply_state import SupplyState, switch_of
from opendcc.devices.tariffs_billing import projected
from opendcc.devices.tariffs_links import CreditWatch
from opendcc.devices.tariffs_state import Prepayment
from opendcc.duis import build
from opendcc.gbcs.codec import decode
from opendcc.inventory.model import Device, DeviceType
from tests.hub.harness import RunningHub, delivered, from_template, party, request, running_hub

SUPPLIER = "supplier-a"
SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
EMERGENCY_CREDIT_EXHAUSTED = "81AA"
DEBT_1_COLLECTED = "81A7"
LIMIT = "20000"
"""The emergency credit limit the Supplier sets (2.1): 20p, an hour or two of use."""


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    # A morning (the ESME's 20p runs out before midnight's standing charge).
    start = datetime.now(UTC).replace(hour=10, minute=7, second=13, microsecond=0)
    async with running_hub(tmp_path, clock=ManualClock(start)) as running:
        yield running


def _alerts(hub: RunningHub, code: str) -> list[Received]:
    return [r for r in hub.receiver.alerts if r.response.root.findtext(f".//{SR}AlertCode") == code]


async def _arrived(hub: RunningHub, code: str, within: float) -> Received | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = _alerts(hub, code)
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    return None


async def _supply_on(hub: RunningHub, esme: Device) -> None:
    """7.1 Enable Supply: the empty balance disabled the supply and the credit given armed
    it; the meter is charged for nothing while it is off (``devices.supply_off``)."""
    enable = request("7.1", "EnableSupply", party(SUPPLIER), esme.device_id, cv=4)
    await delivered(hub, SUPPLIER, enable)
    assert switch_of(hub.hub.states.load(esme)).supply_state is SupplyState.ENABLED


def _first_second(start: datetime, holds: object) -> datetime:
    """The first whole second after ``start`` (within two days) at which ``holds``."""
    assert callable(holds)
    lo, hi = int(start.timestamp()) + 1, int((start + timedelta(days=2)).timestamp())
    assert holds(datetime.fromtimestamp(hi, UTC))
    while lo < hi:
        mid = (lo + hi) // 2
        if holds(datetime.fromtimestamp(mid, UTC)):
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)


async def test_emergency_credit_exhausted_reaches_the_supplier_when_it_happens(
    hub: RunningHub,
) -> None:
    clock = hub.hub.clock
    assert isinstance(clock, ManualClock)
    esme = hub.device_of(DeviceType.ESME)
    configure = from_template(
        "ECS08_2.1_IMMEDIATE_SUCCESS", SUPPLIER, esme, EmergencyCreditLimit=LIMIT
    )
    await delivered(hub, SUPPLIER, configure)
    # Prepayment mode with the supply on while emergency credit lasts (the reference's
    # Disablement Threshold, £5.57, is above 20p).
    prepayment = from_template(
        "ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS", SUPPLIER, esme, DisablementThreshold="0"
    )
    await delivered(hub, SUPPLIER, prepayment)
    activate = request(
        "2.5", build.sr("ActivateEmergencyCredit"), party(SUPPLIER), esme.device_id, cv=4
    )
    await delivered(hub, SUPPLIER, activate)
    await _supply_on(hub, esme)
    state = hub.hub.states.load(esme)
    activated_at = clock.now()
    assert projected(state, activated_at).emergency_credit == int(LIMIT)

    # When the money engine has the 20p used up: the first second it shows none left.
    crossing = _first_second(activated_at, lambda t: projected(state, t).emergency_credit == 0)
    assert crossing.minute % 30 or crossing.second, "a half hour's end proves nothing here"
    assert crossing - activated_at < timedelta(hours=12)

    # A second before: nothing (the scheduler is made to look then).
    clock.set(crossing - timedelta(seconds=1))
    hub.hub.processor.wake()
    await asyncio.sleep(0.5)
    assert _alerts(hub, EMERGENCY_CREDIT_EXHAUSTED) == []

    # At the crossing the scheduler's own polling wakes the ESME: the Alert follows.
    clock.set(crossing)
    alert = await _arrived(hub, EMERGENCY_CREDIT_EXHAUSTED, within=6.0)
    assert alert is not None, "0x81AA did not reach the Supplier when the credit ran out"
    gbcs = alert.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    message = decode(gbcs, hub.hub.security)
    assert message.message.originator == esme.device_id
    assert message.mac.valid
    values = message.payload.to_json()["values"]
    assert values["AlertCode"] == EMERGENCY_CREDIT_EXHAUSTED
    assert datetime.fromisoformat(values["AlertDateTime"]) == crossing
    assert len(_alerts(hub, EMERGENCY_CREDIT_EXHAUSTED)) == 1


async def test_a_time_debt_collected_reaches_the_supplier_at_the_recovery(
    hub: RunningHub,
) -> None:
    """2.3 on a prepayment ESME: 20p of time debt 1 recovered at 10p an hour is cleared by
    the second hourly recovery; 0x81A7 reaches the Supplier then, dated on the hour. (The
    ESME has no credit, so its supply is off and nothing else would wake it.)"""
    clock = hub.hub.clock
    assert isinstance(clock, ManualClock)
    esme = hub.device_of(DeviceType.ESME)
    await delivered(
        hub, SUPPLIER, from_template("ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS", SUPPLIER, esme)
    )
    debts = from_template(
        "ECS07_2.3_SUCCESS",
        SUPPLIER,
        esme,
        TimeDebtRegister1="20000",
        TimeDebtRegister2="0",
        PaymentDebtRegister="0",
        DebtRecoveryRate="1",  # x 10^-1: 10p
        DebtRecoveryRatePeriod="HOURLY",
    )
    await delivered(hub, SUPPLIER, debts)
    state = hub.hub.states.load(esme)
    assert projected(state, clock.now()).time_debt[0] == 20_000
    hour = clock.now().replace(minute=0, second=0)
    cleared = hour + timedelta(hours=2)
    assert projected(state, cleared - timedelta(seconds=1)).time_debt[0] == 10_000
    assert projected(state, cleared).time_debt[0] == 0

    clock.set(cleared - timedelta(seconds=1))
    hub.hub.processor.wake()
    await asyncio.sleep(0.5)
    assert _alerts(hub, DEBT_1_COLLECTED) == []
    clock.set(cleared)
    alert = await _arrived(hub, DEBT_1_COLLECTED, within=6.0)
    assert alert is not None, "0x81A7 did not reach the Supplier when the debt was cleared"
    gbcs = alert.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    values = decode(gbcs, hub.hub.security).payload.to_json()["values"]
    assert datetime.fromisoformat(values["AlertDateTime"]) == cleared


LOW_CREDIT = "810D"
EMERGENCY_CREDIT_AVAILABLE = "8119"
LOW_CREDIT_THRESHOLD = 200_000
"""The ESME's default Low Credit Threshold (£2) and Emergency Credit Threshold (£1)."""
EMERGENCY_CREDIT_THRESHOLD = 100_000


async def test_low_credit_reaches_the_supplier_when_the_credit_falls_below_the_threshold(
    hub: RunningHub,
) -> None:
    """A prepayment ESME given £2.30 (1.5 ECS04a) with 0x8119's WAN Alert turned off (6.22):
    0x810D Combined Credit Below Low Credit Threshold reaches the Supplier when the clock
    reaches the second the credit falls below £2 (not a second before), dated then inside
    the GBCS Alert; 0x8119 never does, its balance falling below £1 notwithstanding. A 1.5
    back above £2 arms 0x810D again: it arrives a second time at the next crossing."""
    clock = hub.hub.clock
    assert isinstance(clock, ManualClock)
    esme = hub.device_of(DeviceType.ESME)
    # Prepayment mode with the supply on until the credit is gone (the reference's
    # Disablement Threshold is £5.57).
    prepayment = from_template(
        "ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS", SUPPLIER, esme, DisablementThreshold="0"
    )
    await delivered(hub, SUPPLIER, prepayment)
    wan = build.sr(
        "ConfigureAlertBehaviour",
        children=[
            build.sr(
                "ElectricitySupplierAlerts",
                children=[
                    build.sr(
                        "SupplierESMECommon",
                        children=[build.sr(f"x{EMERGENCY_CREDIT_AVAILABLE}", "Disable")],
                    )
                ],
            )
        ],
    )
    await delivered(hub, SUPPLIER, request("6.22", wan, party(SUPPLIER), esme.device_id))
    adjust = from_template("ECS04a_1.5_SUCCESS", SUPPLIER, esme, AdjustMeterBalance="230000")
    await delivered(hub, SUPPLIER, adjust)
    await _supply_on(hub, esme)
    state = hub.hub.states.load(esme)
    topped_up = clock.now()
    assert not state.get(CreditWatch).disabled

    def below(threshold: int, *, combined: bool) -> datetime:
        def holds(t: datetime) -> bool:
            money = projected(state, t)
            credit = money.meter_balance
            if combined and money.emergency_active:
                credit += money.emergency_credit
            return credit < threshold

        return _first_second(clock.now(), holds)

    low = below(LOW_CREDIT_THRESHOLD, combined=True)
    available = below(EMERGENCY_CREDIT_THRESHOLD, combined=False)
    assert topped_up < low < available
    assert low.minute % 30 or low.second, "a half hour's end proves nothing here"

    clock.set(low - timedelta(seconds=1))
    hub.hub.processor.wake()
    await asyncio.sleep(0.5)
    assert _alerts(hub, LOW_CREDIT) == []
    clock.set(low)
    alert = await _arrived(hub, LOW_CREDIT, within=6.0)
    assert alert is not None, "0x810D did not reach the Supplier when the credit fell below £2"
    gbcs = alert.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    message = decode(gbcs, hub.hub.security)
    assert message.message.originator == esme.device_id
    values = message.payload.to_json()["values"]
    assert values["AlertCode"] == LOW_CREDIT
    assert datetime.fromisoformat(values["AlertDateTime"]) == low

    # Past the Emergency Credit Threshold: the ESME is woken (its money looked at) but the
    # Supplier turned 0x8119's WAN Alert off.
    clock.set(available + timedelta(seconds=1))
    hub.hub.processor.wake()
    deadline = time.monotonic() + 6.0
    while time.monotonic() < deadline:
        money = hub.hub.states.load(esme).get(Prepayment)
        if money.as_of is not None and money.as_of >= available:
            break
        await asyncio.sleep(0.05)
    assert money.as_of is not None and money.as_of >= available, "the ESME was not woken"
    assert not money.emergency_credit_armed  # it crossed
    await asyncio.sleep(0.5)
    assert _alerts(hub, EMERGENCY_CREDIT_AVAILABLE) == []
    assert len(_alerts(hub, LOW_CREDIT)) == 1  # once per crossing

    # £2 more: above the threshold again, so its next fall below is a new 0x810D.
    again = from_template("ECS04a_1.5_SUCCESS", SUPPLIER, esme, AdjustMeterBalance="200000")
    await delivered(hub, SUPPLIER, again)
    state = hub.hub.states.load(esme)
    second = below(LOW_CREDIT_THRESHOLD, combined=True)
    clock.set(second)
    hub.hub.processor.wake()
    deadline = time.monotonic() + 6.0
    while len(_alerts(hub, LOW_CREDIT)) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    alerts = _alerts(hub, LOW_CREDIT)
    assert len(alerts) == 2, "0x810D was not armed again by the credit going back above £2"
    gbcs = alerts[1].response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    values = decode(gbcs, hub.hub.security).payload.to_json()["values"]
    assert datetime.fromisoformat(values["AlertDateTime"]) == second
