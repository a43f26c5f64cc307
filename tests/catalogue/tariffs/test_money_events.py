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

from opendcc.devices.config_api import device_time
from opendcc.devices.config_state import EventConfiguration
from opendcc.devices.reads_state import EventLogs, LogKind
from opendcc.devices.simulator import Simulation
from opendcc.devices.tariffs_billing import projected, settle
from opendcc.devices.tariffs_state import (
    DEBT_1_COLLECTED,
    DEBT_2_COLLECTED,
    EMERGENCY_CREDIT_ACTIVATED,
    EMERGENCY_CREDIT_EXHAUSTED,
    PAYMENT_DEBT_COLLECTED,
    EsmeTariffs,
    GasTariffs,
)
from opendcc.devices.tariffs_utrn import ValueClass
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.gbcs.codec import decode
from opendcc.gbcs.dlms.data import DoubleLong
from opendcc.inventory.model import Device, DeviceType
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
    _to_prepayment(meter, 1)
    settle(meter.state, AT).meter_balance = 0
    assert _activate_emergency_credit(meter, 2) == 0
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
    _to_prepayment(meter, 1)
    settle(meter.state, AT).meter_balance = 0
    if device.device_type is DeviceType.ESME:
        limit = DoubleLong(pence * 1_000)
        meter.state.get(EsmeTariffs).put(112, c.EMERGENCY_CREDIT, 9, limit)
    else:
        meter.state.get(GasTariffs).emergency_credit_limit = pence * 1_000
    assert _activate_emergency_credit(meter, 2) == 0
    assert settle(meter.state, AT).emergency_credit == pence * 1_000
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
