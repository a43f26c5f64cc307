"""The money events GBCS gives prepayment meters (alert codes 0x81A7-0x81AB): raised by the
simulated ESME and GSME when their money calls for them, sent to the Supplier as Alerts
(6.22 alert behaviour permitting) and logged in the Event Log.

- 0x81A7 / 0x81A8 Debt Collection Completed - Time Debt 1 / 2: time-based recovery takes
  the debt to zero;
- 0x81A9 Debt Collection Completed - Payment Debt: a top-up's share clears the debt;
- 0x81AA Emergency Credit Exhausted: a charge uses the last of the emergency credit;
- 0x81AB Emergency Credit Activated: 2.5 Activate Emergency Credit (ECS09 / GCS06).

A Supplier's own debt write (2.3) that brings a debt to zero is not a collection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opendcc.devices import (
    config,  # noqa: F401  (the 6.22 handlers)
    supply_state,
)
from opendcc.devices.config_api import alert_enabled, device_time
from opendcc.devices.config_state import EventConfiguration
from opendcc.devices.reads_state import EventLogs, LogKind
from opendcc.devices.simulator import DeviceContext, Simulation
from opendcc.devices.supply_state import SupplyChange, SupplyEvent
from opendcc.devices.tariffs_billing import available_credit, projected, settle
from opendcc.devices.tariffs_links import CreditWatch
from opendcc.devices.tariffs_state import (
    DEBT_1_COLLECTED,
    DEBT_2_COLLECTED,
    EMERGENCY_CREDIT_ACTIVATED,
    EMERGENCY_CREDIT_AVAILABLE,
    EMERGENCY_CREDIT_EXHAUSTED,
    LOW_CREDIT,
    PAYMENT_DEBT_COLLECTED,
    EsmeTariffs,
    GasTariffs,
)
from opendcc.devices.tariffs_utrn import ValueClass
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.gbcs.codec import decode
from opendcc.gbcs.dlms.data import DoubleLong
from opendcc.inventory.model import Device, DeviceType
from opendcc.transform import config_alerts  # noqa: F401  (the 6.22 transforms)
from opendcc.transform import tariffs_cosem as c
from tests.catalogue.tariffs import support as s
from tests.catalogue.tariffs.test_prepayment_state import (
    _activate_emergency_credit,
    _meter,
    _meters,
    _payment_mode_body,
    _to_prepayment,
    _top_up,
)

AT = s.RTDS_NOW
MONEY_EVENTS = {
    DEBT_1_COLLECTED,
    DEBT_2_COLLECTED,
    PAYMENT_DEBT_COLLECTED,
    EMERGENCY_CREDIT_EXHAUSTED,
    EMERGENCY_CREDIT_ACTIVATED,
}


def _raised(result: Simulation) -> list[int]:
    """The money event Alerts a Command's answer came with, in order."""
    return [c for spec, _ in result.alerts if (c := spec.alert_code) in MONEY_EVENTS]


def _logged(meter: s.Meter) -> list[tuple[int, datetime]]:
    entries = meter.state.get(EventLogs).entries(LogKind.EVENT)
    return [(e.code, e.at) for e in entries if e.code in MONEY_EVENTS]


@pytest.mark.parametrize("device", _meters())
def test_activating_emergency_credit_raises_0x81ab(device: Device) -> None:
    meter = _meter(device)
    _to_prepayment(meter, 1)
    settle(meter.state, AT).meter_balance = 0
    result = meter.ask("2.5", s.element("ActivateEmergencyCredit"), AT, counter=2)
    assert _raised(result) == [EMERGENCY_CREDIT_ACTIVATED]
    (spec, raw) = result.alerts[-1]
    assert spec.recipient == s.SUPPLIER
    assert alert_code_in(raw) == EMERGENCY_CREDIT_ACTIVATED
    assert _logged(meter) == [(EMERGENCY_CREDIT_ACTIVATED, device_time(meter.state, AT))]
    # Already active: a second activation is no new event.
    again = meter.ask("2.5", s.element("ActivateEmergencyCredit"), AT, counter=3)
    assert _raised(again) == []


@pytest.mark.parametrize("device", _meters())
def test_refused_emergency_credit_raises_nothing(device: Device) -> None:
    meter = _meter(device)
    _to_prepayment(meter, 1)
    _top_up(meter, 100, 1, value_class=ValueClass.POUNDS)  # far above the threshold
    result = meter.ask("2.5", s.element("ActivateEmergencyCredit"), AT, counter=2)
    assert _raised(result) == []
    assert _logged(meter) == []


@pytest.mark.parametrize("device", _meters())
def test_emergency_credit_used_up_raises_0x81aa_when_the_meter_next_looks(device: Device) -> None:
    meter = _meter(device)
    # Disablement Threshold zero: the supply stays on while emergency credit is used.
    meter.ask("1.6", _prepayment_supplied_to_zero(), AT, counter=1)
    settle(meter.state, AT).meter_balance = 0
    assert _activate_emergency_credit(meter, 2) == 0
    meter.restore_supply(AT)  # the empty balance disabled it, emergency credit armed it
    money = settle(meter.state, AT)
    money.emergency_credit = 1_000  # a penny left: the next half hour uses it up
    later = AT + timedelta(hours=6)
    result = meter.ask("1.6", _prepayment_body(), later, counter=3)
    assert _raised(result) == [EMERGENCY_CREDIT_EXHAUSTED]
    assert settle(meter.state, later).emergency_credit == 0
    # Running on with no emergency credit left is no new event.
    assert (
        _raised(meter.ask("1.6", _prepayment_body(), later + timedelta(hours=6), counter=4)) == []
    )


def _prepayment_body() -> Any:
    """1.6 to prepayment mode: a write Command, after which the meter looks at its money."""
    return _payment_mode_body("ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML")


def test_top_up_clearing_payment_debt_raises_0x81a9() -> None:
    meter = _meter(s.ESME)
    meter.send("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)  # 10% of each top-up
    first = _top_up(meter, 100, 1)  # repays 10p of the £5 owed
    assert _raised(first) == []
    cleared = _top_up(meter, 100, 2, value_class=ValueClass.POUNDS)  # its share covers the rest
    assert settle(meter.state, AT).payment_debt == 0
    assert _raised(cleared) == [PAYMENT_DEBT_COLLECTED]
    assert _raised(_top_up(meter, 100, 3)) == []  # nothing left to collect


def _gas_time_debts(meter: s.Meter, debts: tuple[int, int], per_hour: tuple[int, int]) -> None:
    gas = meter.state.get(GasTariffs)
    gas.debt_recovery_frequency = [0, 0]  # hourly
    gas.debt_recovery_amount = list(per_hour)
    gas.overall_debt_cap = 10_000_000
    settle(meter.state, AT).time_debt = list(debts)
    meter.state.touch()


def test_time_debts_recovered_to_zero_raise_0x81a7_and_0x81a8() -> None:
    meter = _meter(s.GSME)
    _to_prepayment(meter, 1)
    _top_up(meter, 50, 1, value_class=ValueClass.POUNDS)
    _gas_time_debts(meter, (2_000, 5_000), (1_000, 1_000))
    # After three hours debt 1 (two hours' recovery) is clear, debt 2 is not.
    result = meter.ask("1.6", _prepayment_body(), AT + timedelta(hours=3), counter=2)
    assert _raised(result) == [DEBT_1_COLLECTED]
    result = meter.ask("1.6", _prepayment_body(), AT + timedelta(hours=6), counter=3)
    assert _raised(result) == [DEBT_2_COLLECTED]
    assert [code for code, _ in _logged(meter)] == [DEBT_1_COLLECTED, DEBT_2_COLLECTED]


def test_an_event_the_supplier_set_to_log_only_is_logged_at_its_own_time() -> None:
    meter = _meter(s.GSME)
    configurations = meter.state.get(EventConfiguration).configurations
    configurations[f"{DEBT_1_COLLECTED:04X}"] = 0x01  # logging only: no WAN Alert
    _to_prepayment(meter, 1)
    _top_up(meter, 50, 1, value_class=ValueClass.POUNDS)
    _gas_time_debts(meter, (1_000, 0), (1_000, 0))
    result = meter.ask("1.6", _prepayment_body(), AT + timedelta(hours=5), counter=2)
    assert _raised(result) == []
    ((code, at),) = _logged(meter)
    assert code == DEBT_1_COLLECTED
    # Its own time (debt 1 cleared at 01:00), on the Device's clock; not the look's 05:00.
    assert at == device_time(meter.state, AT + timedelta(hours=1))


def test_a_supplier_writing_a_debt_to_zero_is_no_collection() -> None:
    meter = _meter(s.ESME)
    meter.send("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    money = settle(meter.state, AT)
    assert money.payment_debt > 0
    money.payment_debt = 0  # written off, as a 2.3 adjustment by minus the debt does
    result = meter.ask("1.6", _prepayment_body(), AT + timedelta(hours=1), counter=2)
    assert _raised(result) == []
    assert _logged(meter) == []


# --- raised when they happen, dated then ---------------------------------------------------

HORIZON = timedelta(days=2)


def _first_second(start: datetime, holds: Any) -> datetime:
    """The first whole second after ``start`` (within HORIZON) at which ``holds`` (monotonic)."""
    lo, hi = int(start.timestamp()) + 1, int((start + HORIZON).timestamp())
    assert holds(datetime.fromtimestamp(hi, UTC))
    while lo < hi:
        mid = (lo + hi) // 2
        if holds(datetime.fromtimestamp(mid, UTC)):
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)


def _alert_time(raw: bytes) -> datetime:
    """The date-time an Alert's payload gives its event (DLMS {code, date-time}; GBZ header)."""
    values = decode(raw).payload.to_json()["values"]
    stamp = values.get("AlertDateTime") or values["alert"]["Timestamp"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _on_emergency_credit(device: Device, pence: int) -> s.Meter:
    """A prepayment meter with no balance on ``pence`` of emergency credit, activated (2.5)
    at AT: the Supplier's emergency credit limit set that low beforehand."""
    meter = _meter(device)
    # Disablement Threshold zero: the supply stays on while emergency credit is used.
    meter.ask("1.6", _prepayment_supplied_to_zero(), AT, counter=1)
    settle(meter.state, AT).meter_balance = 0
    if device.device_type is DeviceType.ESME:
        limit = DoubleLong(pence * 1_000)
        meter.state.get(EsmeTariffs).put(112, c.EMERGENCY_CREDIT, 9, limit)
    else:
        meter.state.get(GasTariffs).emergency_credit_limit = pence * 1_000
    assert _activate_emergency_credit(meter, 2) == 0
    assert settle(meter.state, AT).emergency_credit == pence * 1_000
    meter.restore_supply(AT)  # the empty balance disabled it, emergency credit armed it
    return meter


@pytest.mark.parametrize("device", _meters())
def test_emergency_credit_exhausted_is_raised_on_time_and_dated_then(device: Device) -> None:
    """The meter is woken at the second its emergency credit runs out (as the money engine
    projects it: the first second at which it shows none), not at the half hour's end nor
    the next Command; the 0x81AA Alert and its log entry carry that second."""
    meter = _on_emergency_credit(device, 20)
    crossing = _first_second(AT, lambda t: projected(meter.state, t).emergency_credit == 0)
    assert crossing.minute % 30 or crossing.second  # within a half hour: the model can tell
    assert meter.state.next_wake == crossing
    assert _raised_by(meter.wake(crossing - timedelta(seconds=1))) == []
    alerts = meter.wake(crossing)
    assert _raised_by(alerts) == [EMERGENCY_CREDIT_EXHAUSTED]
    (raw,) = [r for r in alerts if alert_code_in(r) == EMERGENCY_CREDIT_EXHAUSTED]
    assert _alert_time(raw) == crossing
    assert _logged(meter) == [
        (EMERGENCY_CREDIT_ACTIVATED, device_time(meter.state, AT)),
        (EMERGENCY_CREDIT_EXHAUSTED, device_time(meter.state, crossing)),
    ]


def _raised_by(alerts: tuple[bytes, ...]) -> list[int]:
    return [c for raw in alerts if (c := alert_code_in(raw) or 0) in MONEY_EVENTS]


def test_a_time_debt_collected_is_raised_at_the_recovery_that_clears_it() -> None:
    """Hourly recovery of 10p clears a 20p time debt 1 at 02:00: the GSME is woken then
    (its credit lasts days, so nothing else would wake it) and raises 0x81A7 dated 02:00."""
    meter = _meter(s.GSME)
    _to_prepayment(meter, 1)
    _top_up(meter, 50, 1, value_class=ValueClass.POUNDS)
    _gas_time_debts(meter, (20_000, 0), (10_000, 0))
    meter.ask("1.6", _prepayment_body(), AT, counter=2)  # the meter looks at its money
    cleared = AT + timedelta(hours=2)
    assert meter.state.next_wake == cleared
    assert _raised_by(meter.wake(cleared - timedelta(seconds=1))) == []
    alerts = meter.wake(cleared)
    assert _raised_by(alerts) == [DEBT_1_COLLECTED]
    assert _alert_time(alerts[0]) == cleared
    assert _logged(meter) == [(DEBT_1_COLLECTED, device_time(meter.state, cleared))]
    assert meter.state.next_wake is not None and meter.state.next_wake > cleared


@pytest.mark.parametrize("device", _meters())
def test_a_read_of_the_money_raises_the_events_it_brings_to_light(device: Device) -> None:
    """A read (4.18) after the emergency credit ran out and before any wake raises 0x81AA
    with its Response, dated when it happened; the wake that follows raises nothing."""
    meter = _on_emergency_credit(device, 20)
    crossing = meter.state.next_wake
    assert crossing is not None
    read_at = crossing + timedelta(minutes=10)
    result = meter.ask("4.18", s.element("ReadMeterBalance"), read_at, counter=3)
    assert _raised(result) == [EMERGENCY_CREDIT_EXHAUSTED]
    (raw,) = [raw for spec, raw in result.alerts if spec.alert_code == EMERGENCY_CREDIT_EXHAUSTED]
    assert _alert_time(raw) == crossing
    assert _raised_by(meter.wake(read_at + timedelta(seconds=1))) == []


@pytest.mark.parametrize("device", _meters())
def test_a_look_between_changes_neither_when_nor_the_date(device: Device) -> None:
    """A read (bringing the money up to date) a few minutes before the crossing, in its half
    hour: the meter is still woken at the same second and dates 0x81AA the same."""
    alone = _on_emergency_credit(device, 20)
    crossing = alone.state.next_wake
    assert crossing is not None
    meter = _on_emergency_credit(device, 20)
    early = crossing - timedelta(minutes=7, seconds=31)
    result = meter.ask("4.18", s.element("ReadMeterBalance"), early, counter=3)
    assert _raised(result) == []
    assert meter.state.next_wake == crossing
    assert _raised_by(meter.wake(crossing - timedelta(seconds=1))) == []
    alerts = meter.wake(crossing)
    assert _raised_by(alerts) == [EMERGENCY_CREDIT_EXHAUSTED]
    (raw,) = [r for r in alerts if alert_code_in(r) == EMERGENCY_CREDIT_EXHAUSTED]
    assert _alert_time(raw) == crossing


# --- the credit's thresholds: 0x810D and 0x8119 ---------------------------------------------
#
# A prepayment meter's combined credit falling below the Low Credit Threshold is 0x810D
# Combined Credit Below Low Credit Threshold; its balance falling below the Emergency Credit
# Threshold (no emergency credit in use) is 0x8119 Emergency Credit Has Become Available.
# Defaults: £2 and £1 (ESME: Account low_credit_threshold and the emergency credit object's
# credit_available_threshold; GSME: LowCreditWarningLevel and EmergencyCreditThreshold).

THRESHOLD_EVENTS = {LOW_CREDIT, EMERGENCY_CREDIT_AVAILABLE}
LOW = 200_000
EMERGENCY = 100_000


def _crossed(alerts: tuple[bytes, ...]) -> list[int]:
    return [c for raw in alerts if (c := alert_code_in(raw) or 0) in THRESHOLD_EVENTS]


def _crossed_with(result: Simulation) -> list[int]:
    return [c for spec, _ in result.alerts if (c := spec.alert_code or 0) in THRESHOLD_EVENTS]


def _prepayment_supplied_to_zero() -> Any:
    """1.6 to prepayment mode with a Disablement Threshold of zero (the reference's is
    £5.57): the supply stays on while the credit falls through £2 and £1."""
    body = _prepayment_body()
    threshold = body.find(f".//{s.SR}DisablementThreshold")
    assert threshold is not None
    threshold.text = "0"
    return body


def _running_down(device: Device, pence: int) -> s.Meter:
    """A prepayment meter topped up (2.2) at AT to ``pence`` of credit, which it uses (its
    supply on until the credit is gone)."""
    meter = _meter(device)
    meter.ask("1.6", _prepayment_supplied_to_zero(), AT, counter=1)
    assert settle(meter.state, AT).meter_balance == 0
    _top_up(meter, pence, 1)
    assert settle(meter.state, AT).meter_balance == pence * 1_000
    assert not meter.state.get(CreditWatch).disabled
    meter.restore_supply(AT)  # the top-up armed the supply the empty balance disabled
    return meter


def _when_below(meter: s.Meter, start: datetime, threshold: int, *, combined: bool) -> datetime:
    """The first second after ``start`` at which the engine's projection shows the combined
    credit (else the meter balance) below ``threshold``."""

    def below(t: datetime) -> bool:
        money = projected(meter.state, t)
        return (available_credit(money) if combined else money.meter_balance) < threshold

    return _first_second(start, below)


@pytest.mark.parametrize("device", _meters())
def test_credit_falling_below_its_thresholds_raises_0x810d_then_0x8119_on_time(
    device: Device,
) -> None:
    """£2.30 of credit: the meter is woken at the second its combined credit falls below
    £2 and raises 0x810D dated then (not a second before), then at the second its balance
    falls below £1 and raises 0x8119 (emergency credit may now be activated). GBCS logs
    neither. Each once: running on to exhaustion raises neither again."""
    meter = _running_down(device, 230)
    low = _when_below(meter, AT, LOW, combined=True)
    available = _when_below(meter, AT, EMERGENCY, combined=False)
    assert AT < low < available < AT + timedelta(hours=30)
    assert low.minute % 30 or low.second  # within a half hour: the model can tell the second
    assert meter.state.next_wake == low
    assert _crossed(meter.wake(low - timedelta(seconds=1))) == []
    alerts = meter.wake(low)
    assert _crossed(alerts) == [LOW_CREDIT]
    (raw,) = [r for r in alerts if alert_code_in(r) == LOW_CREDIT]
    assert _alert_time(raw) == low
    assert meter.state.next_wake == available
    assert _crossed(meter.wake(available - timedelta(seconds=1))) == []
    alerts = meter.wake(available)
    assert _crossed(alerts) == [EMERGENCY_CREDIT_AVAILABLE]
    (raw,) = [r for r in alerts if alert_code_in(r) == EMERGENCY_CREDIT_AVAILABLE]
    assert _alert_time(raw) == available
    # Sent to the Supplier, in the Device's own form (GSME: the GBZ alert).
    assert decode(raw).message.originator == device.device_id
    # Not logged (GBCS), unlike the money events 0x81A7-0x81AB.
    entries = meter.state.get(EventLogs).entries(LogKind.EVENT)
    assert not [e for e in entries if e.code in THRESHOLD_EVENTS]
    # Once per crossing: nothing more as the credit runs out and beyond.
    for hours in (6, 12, 24, 48):
        assert _crossed(meter.wake(available + timedelta(hours=hours))) == []


@pytest.mark.parametrize("device", _meters())
def test_a_disabled_threshold_alert_is_not_sent(device: Device) -> None:
    """6.22 (ECS25a / GCS20) disables 0x8119's WAN Alert: 0x810D still reaches the Supplier
    at its crossing, 0x8119 does not (nor is it logged, GBCS logging neither)."""
    meter = _running_down(device, 230)
    result = meter.ask("6.22", _wan_alert(device, "x8119", "Disable"), AT, counter=2)
    assert result.outcome.name == "RESPONDED"
    assert not alert_enabled(meter.state, EMERGENCY_CREDIT_AVAILABLE)
    assert alert_enabled(meter.state, LOW_CREDIT)
    low = _when_below(meter, AT, LOW, combined=True)
    available = _when_below(meter, AT, EMERGENCY, combined=False)
    assert _crossed(meter.wake(low)) == [LOW_CREDIT]
    assert _crossed(meter.wake(available)) == []
    assert _crossed(meter.wake(available + timedelta(hours=12))) == []
    entries = meter.state.get(EventLogs).entries(LogKind.EVENT)
    assert not [e for e in entries if e.code in THRESHOLD_EVENTS]


def _wan_alert(device: Device, code: str, value: str) -> Any:
    """A 6.22 body switching the Supplier's WAN alert ``code`` (``x8119``) on or off."""
    body = s.element("ConfigureAlertBehaviour")
    if device.device_type is DeviceType.ESME:
        group = s.sub(s.sub(body, "ElectricitySupplierAlerts"), "SupplierESMECommon")
        s.sub(group, code, value)
    else:
        event = s.sub(s.sub(body, "GasSupplierAlertEventSettings"), code)
        for switch, setting in (("WANAlert", value), ("HANAlert", "Disable")):
            s.sub(event, switch, setting)
        for switch in ("EventLog", "Alarm"):
            s.sub(event, switch, "Disable")
    return body


@pytest.mark.parametrize("device", _meters())
def test_a_top_up_above_the_threshold_re_arms_it(device: Device) -> None:
    """After 0x810D, a top-up that leaves the credit still below £2 does not re-arm it (the
    credit never came back above); one that takes it above does, and the next fall below
    £2 raises 0x810D again, at its own second."""
    meter = _running_down(device, 230)
    low = _when_below(meter, AT, LOW, combined=True)
    assert _crossed(meter.wake(low)) == [LOW_CREDIT]
    # At about £1.50, 5p more: still below £2 (and above £1): nothing new.
    little = _when_below(meter, low, 150_000, combined=True)
    assert _crossed_with(_top_up(meter, 5, 2, at=little)) == []
    assert available_credit(settle(meter.state, little)) < LOW
    available = _when_below(meter, little, EMERGENCY, combined=False)
    assert _crossed(meter.wake(available)) == [EMERGENCY_CREDIT_AVAILABLE]
    # 60p more takes it above both thresholds: each is armed again.
    again = available + timedelta(minutes=1)
    assert _crossed_with(_top_up(meter, 110, 3, at=again)) == []
    assert settle(meter.state, again).meter_balance >= LOW
    second_low = _when_below(meter, again, LOW, combined=True)
    second_available = _when_below(meter, again, EMERGENCY, combined=False)
    assert meter.state.next_wake == second_low
    assert _crossed(meter.wake(second_low - timedelta(seconds=1))) == []
    alerts = meter.wake(second_low)
    assert _crossed(alerts) == [LOW_CREDIT]
    assert _alert_time(alerts[-1]) == second_low
    assert _crossed(meter.wake(second_available)) == [EMERGENCY_CREDIT_AVAILABLE]


@pytest.mark.parametrize("device", _meters())
def test_a_read_raises_a_crossing_the_meter_has_not_yet_been_woken_for(device: Device) -> None:
    """A read of the money (4.18) after both crossings, before any wake: both go with its
    Response, in the order they happened, each dated at its own second."""
    meter = _running_down(device, 230)
    low = _when_below(meter, AT, LOW, combined=True)
    available = _when_below(meter, AT, EMERGENCY, combined=False)
    read_at = available + timedelta(minutes=3)
    result = meter.ask("4.18", s.element("ReadMeterBalance"), read_at, counter=2)
    assert _crossed_with(result) == [LOW_CREDIT, EMERGENCY_CREDIT_AVAILABLE]
    dated = [_alert_time(raw) for spec, raw in result.alerts if spec.alert_code in THRESHOLD_EVENTS]
    assert dated == [low, available]
    assert _crossed(meter.wake(read_at + timedelta(seconds=1))) == []


@pytest.mark.parametrize("device", _meters())
def test_credit_already_below_when_prepayment_starts_raises_nothing(device: Device) -> None:
    """A meter put into prepayment mode with 50p has not crossed either threshold: neither
    alert (the credit must first have been at or above it); in credit mode there are none."""
    credit = _meter(device)
    _top_up(credit, 230, 1)
    assert _crossed(credit.wake(AT + timedelta(days=1))) == []  # credit mode: none
    meter = _meter(device)
    _top_up(meter, 50, 1)
    assert _crossed_with(meter.ask("1.6", _prepayment_body(), AT, counter=1)) == []
    assert _crossed(meter.wake(AT + timedelta(days=1))) == []


def test_a_supplier_adjustment_below_the_threshold_raises_0x810d_with_the_response() -> None:
    """1.5 (ECS04a) taking £1.50 off £2.30: the combined credit fell below £2 by the
    Command, so 0x810D goes with its Response, dated at it."""
    meter = _running_down(s.ESME, 230)
    body = _payment_mode_body("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML")
    adjust = body.find(f".//{s.SR}AdjustMeterBalance")
    assert adjust is not None
    adjust.text = "-150000"
    at = AT + timedelta(minutes=5)
    result = meter.ask("1.5", body, at, counter=2)
    assert _crossed_with(result) == [LOW_CREDIT, EMERGENCY_CREDIT_AVAILABLE]
    for spec, raw in result.alerts:
        if spec.alert_code in THRESHOLD_EVENTS:
            assert _alert_time(raw) == at


def test_a_crossing_on_a_block_tariff_is_dated_with_the_blocks_as_they_stood() -> None:
    """An ESME on a block tariff (ECS01a: block 1 up to 10 kWh) whose credit falls below £2
    two minutes after its block counter passes into block 2, in the same half hour: the
    0x810D is dated at the second the engine's projection shows (the half hour's energy
    priced from the counters as they stood before its charge), and the meter is woken
    then."""
    meter = _meter(s.ESME)
    meter.send("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    meter.ask("1.6", _prepayment_supplied_to_zero(), AT, counter=2)
    _top_up(meter, 200, 1)
    meter.restore_supply(AT)  # the top-up armed the supply the empty balance disabled
    block_2 = _first_second(AT, lambda t: projected(meter.state, t).block_counters[0][1] > 0)
    target = block_2 + timedelta(minutes=2)
    used = LOW - available_credit(projected(meter.state, target))
    settle(meter.state, AT).meter_balance = LOW + used - 1  # below £2 at about ``target``
    meter.ask("1.6", _prepayment_supplied_to_zero(), AT, counter=3)  # it looks: armed
    low = _when_below(meter, AT, LOW, combined=True)
    assert block_2 < low < block_2 + timedelta(minutes=30)
    assert low.minute // 30 == block_2.minute // 30 and low.hour == block_2.hour
    assert meter.state.get(CreditWatch).next_event == low
    assert _crossed(meter.wake(low - timedelta(seconds=1))) == []
    alerts = meter.wake(low)
    assert _crossed(alerts) == [LOW_CREDIT]
    (raw,) = [r for r in alerts if alert_code_in(r) == LOW_CREDIT]
    assert _alert_time(raw) == low


@pytest.mark.parametrize("device", _meters())
def test_the_supply_turned_off_and_on_moves_the_planned_crossing(device: Device) -> None:
    """No charge while the supply is off (``devices.supply_off``): the Supplier's
    disablement (7.2, then 7.3 arm) an hour in puts off the planned 0x810D (the meter plans
    again at the change); the consumer restoring it brings it back, later (nothing used
    while off)."""
    meter = _running_down(device, 230)
    planned = meter.state.get(CreditWatch).next_event
    assert planned is not None and AT + timedelta(hours=1) < planned
    off = AT + timedelta(hours=1)
    context = DeviceContext(off, meter.device, meter.state, s.device_security())
    change = supply_state.apply(context, SupplyEvent.DISABLE, by="Supplier")
    assert isinstance(change, SupplyChange)
    assert isinstance(supply_state.apply(context, SupplyEvent.ARM, by="Supplier"), SupplyChange)
    watch = meter.state.get(CreditWatch)
    # Off, only the standing charge takes credit: at the next midnight, if it crosses.
    assert watch.next_event is None or watch.next_event > planned
    assert watch.next_event is None or (watch.next_event.hour, watch.next_event.minute) == (0, 0)
    on = off + timedelta(hours=5)
    meter.restore_supply(on)  # the consumer restores the armed supply
    moved = meter.state.get(CreditWatch).next_event
    assert moved is not None and moved > planned
    assert moved == _when_below(meter, on, LOW, combined=True)
