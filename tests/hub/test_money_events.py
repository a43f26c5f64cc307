"""Prepayment money events reach the Supplier when they happen (GBCS alert codes 0x81A7 to
0x81AB), over real HTTP with the hub's clock driven.

A prepayment ESME on a little emergency credit, with its known consumption (the
deterministic model of ``devices.consumption``), runs it out at an instant the money engine
can tell to the second. The hub wakes the ESME then, not at its next Command or routine
look, and the Supplier's receiver gets the 0x81AA Emergency Credit Exhausted Alert as soon
as the clock reaches that instant (within the scheduler's polling), dated at it inside the
GBCS Alert (the DLMS ``{alert code, date-time}``). Likewise 0x81A7 Debt Collection
Completed - Time Debt 1 at the hourly recovery that clears the debt.
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
from opendcc.devices.tariffs_billing import projected
from opendcc.duis import build
from opendcc.gbcs.codec import decode
from opendcc.inventory.model import DeviceType
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
    await delivered(
        hub, SUPPLIER, from_template("ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS", SUPPLIER, esme)
    )
    activate = request(
        "2.5", build.sr("ActivateEmergencyCredit"), party(SUPPLIER), esme.device_id, cv=4
    )
    await delivered(hub, SUPPLIER, activate)
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
