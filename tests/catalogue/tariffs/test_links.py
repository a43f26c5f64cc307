"""The tariffs family working with the others on one meter: the reads see the tariff and
the money it keeps (and the top-ups it logs), and the supply family disables and re-arms
a prepayment meter as its credit runs out and comes back."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from opendcc.devices import reads_foreign
from opendcc.devices.reads_state import BillingData
from opendcc.devices.simulator import DeviceContext
from opendcc.devices.state import DeviceState
from opendcc.devices.supply_state import (
    SupplyState,
    credit_permits_supply,
    switch_of,
    use_credit_check,
)
from opendcc.devices.tariffs_billing import credit_exhausted, projected, settle
from opendcc.devices.tariffs_links import (
    WATCH_HORIZON,
    CreditWatch,
    next_exhaustion,
    tariff_view_of,
)
from opendcc.devices.tariffs_state import EMERGENCY_CREDIT_AVAILABLE, LOW_CREDIT
from opendcc.devices.tariffs_utrn import ValueClass, mint
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.inventory.model import Device, Fuel
from tests.catalogue.tariffs import support as s

AT = s.RTDS_NOW  # Thursday 2015-01-01
LATER = datetime(2015, 3, 2, 12, tzinfo=AT.tzinfo)
"""A Monday after the consumption model's epoch (the reads log no tariff change at it)."""
SUPPLY_DISABLED = 0x8F0F
SUPPLY_ARMED = 0x8F32
DISABLEMENT_SUSPENDED = 0x8F83


@pytest.fixture(autouse=True)
def _tariffs_credit_check() -> Iterator[None]:
    """The built-in credit check (the tariffs family's rule), whatever another test in the
    same process installed; the previous check is restored afterwards."""
    previous = use_credit_check(None)
    yield
    use_credit_check(previous)


def _reads_tariff(state: DeviceState) -> reads_foreign.TariffView:
    fuel = Fuel.ELECTRICITY if state.device is s.ESME else Fuel.GAS
    return reads_foreign.tariff_view(state, fuel)


def test_untouched_meters_agree_with_the_reads_defaults() -> None:
    for device, fuel in ((s.ESME, Fuel.ELECTRICITY), (s.GSME, Fuel.GAS)):
        state = DeviceState(device)
        assert tariff_view_of(state, AT) == reads_foreign.tariff_view(DeviceState(device), fuel)


def test_a_new_esme_tariff_reaches_the_reads_and_their_billing_log() -> None:
    meter = s.Meter(s.ESME, variant="A")
    meter.send("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", LATER, counter=1)
    seen = _reads_tariff(meter.state)
    assert seen == tariff_view_of(meter.state, LATER)
    assert seen.block_thresholds == (10000, 20000)
    assert set(seen.tou_rates) == {1}  # block tariff 1 all day
    (snapshot,) = meter.state.get(BillingData).mode_tariff
    assert snapshot[1] == 0x0000_0008  # change of tariff


def test_a_new_gsme_tariff_reaches_the_reads() -> None:
    meter = s.Meter(s.GSME)
    meter.send("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", LATER, counter=1)
    # Before 20 March the winter week (2) is in force: a Monday is day profile 3, tier 3.
    assert _reads_tariff(meter.state).tou_rates == (3,) * 48
    assert meter.state.get(BillingData).mode_tariff
    january_first = s.Meter(s.GSME)
    january_first.send("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    # 1 January is a special day of the reference calendar: day profile 2, tier 2 all day.
    assert _reads_tariff(january_first.state).tou_rates == (2,) * 48


def test_a_future_dated_tariff_reaches_the_reads_when_it_executes() -> None:
    meter = s.Meter(s.ESME, variant="A")
    meter.send("ECS01a_1.1.1_FUTURE_DATED_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    before = _reads_tariff(meter.state)
    assert before == reads_foreign.tariff_view(DeviceState(s.ESME), Fuel.ELECTRICITY)
    execution = datetime(2030, 1, 15, 9, tzinfo=AT.tzinfo)
    meter.wake(execution)
    assert _reads_tariff(meter.state) != before
    assert _reads_tariff(meter.state) == tariff_view_of(meter.state, execution)


def _top_up(meter: s.Meter, pounds: int, slot: int, at: datetime = AT) -> None:
    utrn = mint(
        slot << 32,
        pounds,
        s.SUPPLIER,
        meter.device.device_id,
        s.device_security(),
        ValueClass.POUNDS,
    )
    meter.ask("2.2", s.element("TopUpDevice", UTRN=utrn), at, counter=slot << 32)


def _to_prepayment(
    meter: s.Meter, counter: int, at: datetime = AT, threshold: int = 0
) -> tuple[bytes, ...]:
    """Prepayment mode, disabling at ``threshold`` (the template's is 556677)."""
    body = copy.deepcopy(s.template("ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    update = body.find(f"{s.SR}Body")
    assert update is not None
    node = update.find(f".//{s.SR}DisablementThreshold")
    assert node is not None
    node.text = str(threshold)
    result = meter.ask("1.6", update[0], at, counter=counter)
    return tuple(raw for _, raw in result.alerts)


def test_the_reads_see_the_money_and_the_top_up_logs() -> None:
    meter = s.Meter(s.ESME, variant="A")
    meter.send("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)  # 10% of top-ups
    _top_up(meter, 20, 1)
    money = meter.state.get(BillingData)
    ((_, amount, utrn),) = money.credits
    assert amount == 2_000_000
    assert bytes.fromhex(utrn).isdigit()
    ((_, repaid, outstanding),) = money.debt_payments
    assert (repaid, outstanding) == (50_000, 0)  # the whole payment debt, capped
    registers = reads_foreign.prepayment_registers(meter.state)
    assert registers[0] == 1_950_000
    assert registers[3] == 0
    _to_prepayment(meter, 2)
    assert reads_foreign.payment_mode(meter.state) == "prepayment"


def _context(meter: s.Meter, at: datetime) -> DeviceContext:
    return DeviceContext(at, meter.device, meter.state, s.device_security())


def _codes(raw_alerts: tuple[bytes, ...]) -> list[int | None]:
    return [alert_code_in(raw) for raw in raw_alerts]


def _prepayment_meter(device: Device) -> s.Meter:
    meter = s.Meter(device, variant="A" if device is s.ESME else None)
    _top_up(meter, 5, 1)
    _to_prepayment(meter, 1)
    return meter


def test_supply_permitted_while_credit_lasts() -> None:
    meter = _prepayment_meter(s.ESME)
    assert credit_permits_supply(_context(meter, AT))
    settle(meter.state, AT).meter_balance = -1
    assert not credit_permits_supply(_context(meter, AT))
    credit_mode = s.Meter(s.ESME, variant="A")
    settle(credit_mode.state, AT).meter_balance = -1_000_000
    assert credit_permits_supply(_context(credit_mode, AT))


def test_credit_running_out_disables_the_supply_on_time_then_a_top_up_arms_it() -> None:
    for device in (s.ESME, s.GSME):
        meter = _prepayment_meter(device)
        due = meter.state.get(CreditWatch).next_check
        assert due is not None and AT < due <= AT + WATCH_HORIZON
        assert meter.state.next_wake is not None and meter.state.next_wake <= due
        assert not credit_exhausted(meter.state, due - timedelta(minutes=30))
        if device is s.ESME:
            # 2015-01-01 has no non-disablement period configured: due is when credit ends.
            assert credit_exhausted(meter.state, due)
        # On the way down only the credit's thresholds (0x810D at £2, 0x8119 at £1).
        assert _codes(meter.wake(due - timedelta(minutes=30))) == [
            LOW_CREDIT,
            EMERGENCY_CREDIT_AVAILABLE,
        ]
        alerts = meter.wake(due)
        assert _codes(alerts) == [SUPPLY_DISABLED]
        assert switch_of(meter.state).state == SupplyState.DISABLED.value
        assert meter.state.get(CreditWatch).next_check is None
        later = due + timedelta(hours=2)
        _top_up(meter, 50, 2, at=later)
        assert switch_of(meter.state).state == SupplyState.ARMED.value
        assert meter.state.get(CreditWatch).next_check is not None


def test_switching_a_meter_without_credit_to_prepayment_disables_it() -> None:
    meter = s.Meter(s.GSME)
    alerts = _to_prepayment(meter, 1)
    assert _codes(alerts) == [SUPPLY_DISABLED]
    assert switch_of(meter.state).state == SupplyState.DISABLED.value


def test_emergency_credit_re_arms_a_disabled_meter() -> None:
    meter = s.Meter(s.ESME, variant="A")
    _to_prepayment(meter, 1)
    assert switch_of(meter.state).state == SupplyState.DISABLED.value
    result = meter.ask("2.5", s.element("ActivateEmergencyCredit"), AT, counter=2)
    assert switch_of(meter.state).state == SupplyState.ARMED.value
    assert 0x8168 in _codes(tuple(raw for _, raw in result.alerts))


def test_credit_running_out_in_a_non_disablement_period_waits_for_its_end() -> None:
    meter = s.Meter(s.ESME, variant="A")
    # Weekday non-disablement from 20:00 to 07:30 (the reference ECS08 calendar).
    meter.send("ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    evening = AT.replace(hour=21)
    settle(meter.state, evening)
    alerts = _to_prepayment(meter, 2, at=evening)
    assert _codes(alerts) == [DISABLEMENT_SUSPENDED]
    assert switch_of(meter.state).state == SupplyState.ENABLED.value
    due = meter.state.get(CreditWatch).next_check
    assert due == datetime(2015, 1, 2, 7, 30, tzinfo=AT.tzinfo)
    assert _codes(meter.wake(due)) == [SUPPLY_DISABLED]


def test_next_exhaustion_matches_the_projection() -> None:
    meter = _prepayment_meter(s.GSME)
    due = next_exhaustion(meter.state, AT)
    assert due is not None
    before = projected(meter.state, due - timedelta(minutes=30))
    after = projected(meter.state, due)
    assert before.meter_balance > 0 >= after.meter_balance
