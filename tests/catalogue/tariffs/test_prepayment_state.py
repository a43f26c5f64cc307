"""Prepayment state on simulated meters: top-ups (UTRN verification and anti-replay), payment
mode, prepayment configuration, debts, meter balance, emergency credit and the money the
meter takes as time passes, each written then read back through the DUIS reads."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest

from opendcc.devices.simulator import Simulation
from opendcc.devices.tariffs_billing import credit_exhausted, settle
from opendcc.devices.tariffs_state import UTRN_MEMORY, Prepayment
from opendcc.devices.tariffs_utrn import ValueClass, check_digit, mint
from opendcc.gbcs.dlms.data import Data, DoubleLong, Enum, Structure
from opendcc.inventory.model import Device, DeviceType
from opendcc.transform import tariffs_cosem as c
from tests.catalogue.tariffs import answers as a
from tests.catalogue.tariffs import support as s

AT = s.RTDS_NOW
HARDWARE_FAULT = 1
OTHER_REASON = 250
PREPAYMENT_CLUSTER = "Prepayment"


def _meters() -> list[Any]:
    return [pytest.param(s.ESME, id="ESME"), pytest.param(s.GSME, id="GSME")]


def _meter(device: Device) -> s.Meter:
    return s.Meter(device, variant="A" if device.device_type is DeviceType.ESME else None)


def _electric(meter: s.Meter) -> bool:
    return meter.device.device_type is DeviceType.ESME


def _balance(meter: s.Meter, counter: int, at: datetime = AT) -> int:
    result = meter.ask("4.18", s.element("ReadMeterBalance"), at, counter=counter)
    if _electric(meter):
        value = a.got(meter, result)[(112, c.METER_BALANCE, 2)]
        assert isinstance(value, DoubleLong)
        return value.value
    return int(a.attributes(a.answer(result), PREPAYMENT_CLUSTER)["CreditRemaining"])


def _registers(meter: s.Meter, counter: int, at: datetime = AT) -> dict[str, int]:
    """4.3 Read Instantaneous Prepay Values, by register."""
    result = meter.ask("4.3", s.element("ReadInstantaneousPrepayValues"), at, counter=counter)
    if _electric(meter):
        names = ("balance", "emergency", "accumulated", "payment", "time1", "time2")
        return dict(zip(names, a.numbers(a.protected(result)), strict=True))
    values = a.attributes(a.answer(result), PREPAYMENT_CLUSTER)
    return {
        "balance": values["CreditRemaining"],
        "emergency": values["EmergencyCreditRemaining"],
        "accumulated": values["AccumulatedDebt"],
        "payment": values["DebtAmount3"],
        "time1": values["DebtAmount1"],
        "time2": values["DebtAmount2"],
    }


def _top_up(
    meter: s.Meter,
    value: int,
    slot: int,
    *,
    at: datetime = AT,
    utrn: str | None = None,
    value_class: ValueClass = ValueClass.PENNIES,
    counter: int | None = None,
) -> Simulation:
    """Top up with a UTRN minted for top-up counter ``slot`` (the counter's high bits)."""
    counter = slot << 32 if counter is None else counter
    if utrn is None:
        utrn = mint(
            slot << 32, value, s.SUPPLIER, meter.device.device_id, s.device_security(), value_class
        )
    return meter.ask("2.2", s.element("TopUpDevice", UTRN=utrn), at, counter=counter)


def _top_up_result(meter: s.Meter, result: Simulation) -> int:
    """0 on success, else the ESME's action result or the GSME's top-up result type."""
    if _electric(meter):
        (code,) = a.results(result)
        return code
    (response,) = a.commands(a.answer(result), "ConsumerTopUpResponse")
    return int(response["result_type"])


# --- top up --------------------------------------------------------------------------------


@pytest.mark.parametrize("device", _meters())
def test_top_up_then_read_balance_shows_the_credit(device: Device) -> None:
    meter = _meter(device)
    before = _balance(meter, 1)
    assert _top_up_result(meter, _top_up(meter, 1234, 7)) == 0
    assert _balance(meter, 2) == before + 1234 * 1_000
    assert _registers(meter, 3)["balance"] == before + 1234 * 1_000
    assert _top_up_result(meter, _top_up(meter, 5, 8, value_class=ValueClass.POUNDS)) == 0
    assert _balance(meter, 4) == before + 1234 * 1_000 + 5 * 100_000
    log = meter.state.get(Prepayment).top_ups
    assert [entry["amount"] for entry in log] == [500_000, 1_234_000]


def test_gsme_top_up_answers_the_value_and_the_credit_remaining() -> None:
    meter = _meter(s.GSME)
    (response,) = a.commands(a.answer(_top_up(meter, 1250, 3)), "ConsumerTopUpResponse")
    assert response["result_type"] == 0
    assert response["top_up_value"] == 1_250_000
    assert response["credit_remaining"] == _balance(meter, 1)


REUSED = {DeviceType.ESME: HARDWARE_FAULT, DeviceType.GSME: 2}
INVALID = {DeviceType.ESME: HARDWARE_FAULT, DeviceType.GSME: 1}


@pytest.mark.parametrize("device", _meters())
def test_a_reused_utrn_is_refused(device: Device) -> None:
    meter = _meter(device)
    utrn = mint(9 << 32, 1000, s.SUPPLIER, device.device_id, s.device_security())
    assert _top_up_result(meter, _top_up(meter, 0, 9, utrn=utrn)) == 0
    credited = _balance(meter, 1)
    assert _top_up_result(meter, _top_up(meter, 0, 9, utrn=utrn)) == REUSED[device.device_type]
    assert _balance(meter, 2) == credited


@pytest.mark.parametrize("device", _meters())
def test_utrns_older_than_those_remembered_are_refused(device: Device) -> None:
    meter = _meter(device)
    for slot in range(1, UTRN_MEMORY + 2):
        assert _top_up_result(meter, _top_up(meter, 1, slot)) == 0
    # The meter remembers the last UTRN_MEMORY counters; slot 1 is now older than all.
    assert _top_up_result(meter, _top_up(meter, 1, 1)) == REUSED[device.device_type]


def _tampered(utrn: str) -> str:
    """The UTRN with one digit of its tag changed and a check digit that matches."""
    body = utrn[:-1]
    digit = str((int(body[-2]) + 1) % 10)
    body = body[:-2] + digit + body[-1]
    return body + check_digit(body)


@pytest.mark.parametrize("device", _meters())
@pytest.mark.parametrize("kind", ["check-digit", "tag", "other-device", "other-counter"])
def test_an_invalid_utrn_is_refused(device: Device, kind: str) -> None:
    meter = _meter(device)
    good = mint(4 << 32, 1000, s.SUPPLIER, device.device_id, s.device_security())
    counter = 4 << 32
    if kind == "check-digit":
        utrn = good[:-1] + str((int(good[-1]) + 1) % 10)
    elif kind == "tag":
        utrn = _tampered(good)
    elif kind == "other-device":
        other = s.GSME if device.device_type is DeviceType.ESME else s.ESME
        utrn = mint(4 << 32, 1000, s.SUPPLIER, other.device_id, s.device_security())
    else:
        counter = 5 << 32
        utrn = good
    before = _balance(meter, 1)
    result = _top_up(meter, 0, 4, utrn=utrn, counter=counter)
    assert _top_up_result(meter, result) == INVALID[device.device_type]
    assert _balance(meter, 2) == before


def test_esme_top_up_above_the_maximum_credit_threshold_is_refused() -> None:
    meter = _meter(s.ESME)
    meter.send("ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    threshold = a.written(meter)[(9000, c.MAX_CREDIT_THRESHOLD, 4)]
    assert isinstance(threshold, DoubleLong)
    pennies = threshold.value // 1_000
    assert _top_up_result(meter, _top_up(meter, pennies + 1, 1)) == HARDWARE_FAULT
    assert _top_up_result(meter, _top_up(meter, pennies, 2)) == 0


def test_gsme_top_up_above_the_maximum_per_top_up_is_refused() -> None:
    meter = _meter(s.GSME)
    meter.send("GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    (limits,) = a.commands(a.sent(meter), "SetMaximumCreditLimit")
    pounds = int(limits["maximum_credit_per_top_up"]) // 100_000
    too_much = _top_up(meter, pounds + 1, 1, value_class=ValueClass.POUNDS)
    assert _top_up_result(meter, too_much) == 6
    assert _top_up_result(meter, _top_up(meter, pounds, 2, value_class=ValueClass.POUNDS)) == 0


# --- payment mode ----------------------------------------------------------------------------


def _esme_mode(meter: s.Meter, counter: int) -> int:
    tag = "ReadDeviceConfigurationPaymentMode"
    result = meter.ask("6.2.9", s.element(tag), AT, counter=counter)
    (value,) = a.got(meter, result).values()
    assert isinstance(value, Structure) and isinstance(value.items[0], Enum)
    return value.items[0].value


def _gsme_configuration(meter: s.Meter, counter: int) -> int:
    tag = "ReadDeviceConfigurationPaymentMode"
    result = a.answer(meter.ask("6.2.9", s.element(tag), AT, counter=counter))
    return int(a.attributes(result, PREPAYMENT_CLUSTER)["PaymentControlConfiguration"])


CREDIT, PREPAYMENT = 1, 2


def test_esme_payment_mode_change_then_read() -> None:
    meter = _meter(s.ESME)
    assert _esme_mode(meter, 1) == CREDIT
    meter.send("ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML", AT, counter=2)
    assert _esme_mode(meter, 3) == PREPAYMENT
    meter.send("ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML", AT, counter=4)
    assert _esme_mode(meter, 5) == CREDIT


def _payment_mode_body(template: str) -> Any:
    return copy.deepcopy(s.template(template).find(f"{s.SR}Body")[0])  # type: ignore[index]


def test_gsme_payment_mode_change_then_read() -> None:
    meter = _meter(s.GSME)
    credit = _gsme_configuration(meter, 1)
    assert not credit & 0x0002
    prepay = _payment_mode_body("ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    result = a.answer(meter.ask("1.6", prepay, AT, counter=2))
    assert a.commands(result, "ChangePaymentModeResponse")
    configuration = _gsme_configuration(meter, 3)
    assert configuration & 0x0002  # prepayment
    assert configuration & 0x0400  # suspend debt when disabled
    assert not configuration & 0x0800  # debt collected during emergency credit
    meter.send("GCS02_1.6_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", AT, counter=4)
    assert _gsme_configuration(meter, 5) == credit


# --- prepayment configuration ----------------------------------------------------------------

ESME_PREPAY_READS = {
    (9000, c.MAX_CREDIT_THRESHOLD, 4): (9000, c.MAX_CREDIT_THRESHOLD, 2),
    (9000, c.MAX_METER_BALANCE, 4): (9000, c.MAX_METER_BALANCE, 2),
    (9000, c.LOW_CREDIT_THRESHOLD, 4): (111, c.ACCOUNT_ACTIVE, 16),
    (9000, c.DEBT_RECOVERY_CAP, 4): (111, c.ACCOUNT_ACTIVE, 18),
    (9000, c.DEBT_RECOVERY_CAP_PERIOD, 4): (111, c.ACCOUNT_ACTIVE, 19),
    (9000, c.EMERGENCY_CREDIT_LIMIT, 4): (112, c.EMERGENCY_CREDIT, 9),
    (9000, c.EMERGENCY_CREDIT_THRESHOLD, 4): (112, c.EMERGENCY_CREDIT, 10),
    (11, c.NON_DISABLEMENT_SPECIAL_DAYS, 2): (11, c.NON_DISABLEMENT_SPECIAL_DAYS_ACTIVE, 2),
    (10, c.NON_DISABLEMENT_CALENDAR, 2): (10, c.NON_DISABLEMENT_CALENDAR_ACTIVE, 2),
}
"""Where 4.13 Read Prepayment Configuration finds what 2.1 writes, once active."""


def _prepay_configuration(meter: s.Meter, counter: int) -> dict[Any, Data]:
    tag = "ReadPrepaymentConfiguration"
    return a.got(meter, meter.ask("4.13", s.element(tag), AT, counter=counter))


@pytest.mark.parametrize(
    "template",
    [
        "ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
        "ECS08_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
    ],
)
def test_esme_prepay_configuration_update_then_read(template: str) -> None:
    use_case = template.split("_", maxsplit=1)[0]
    device = s.device(0xA0, gbcs_version=s.GBCS_VERSIONS.get(use_case, "4.1"))
    meter = s.Meter(device, variant="A")
    meter.send(template, AT, counter=1)
    written = a.written(meter)
    values = _prepay_configuration(meter, 2)
    checked = 0
    for source, target in ESME_PREPAY_READS.items():
        direct = (source[0], source[1], 2)
        value = written.get(source, written.get(direct))
        if value is not None:
            assert values[target] == value, target
            checked += 1
    assert checked >= 8


def test_gsme_prepay_configuration_update_then_read() -> None:
    meter = _meter(s.GSME)
    meter.send("GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    sent = a.sent(meter)
    (setup,) = a.commands(sent, "EmergencyCreditSetup")
    (cap,) = a.commands(sent, "SetOverallDebtCap")
    (low,) = a.commands(sent, "SetLowCreditWarningLevel")
    (limits,) = a.commands(sent, "SetMaximumCreditLimit")
    result = a.answer(meter.ask("4.13", s.element("ReadPrepaymentConfiguration"), AT, counter=2))
    values = a.attributes(result, PREPAYMENT_CLUSTER)
    assert values["EmergencyCreditLimitAllowance"] == setup["emergency_credit_limit"]
    assert values["EmergencyCreditThreshold"] == setup["emergency_credit_threshold"]
    assert values["OverallDebtCap"] == cap["overall_debt_cap"]
    assert values["LowCreditWarningLevel"] == low["low_credit_warning_level"]
    assert values["MaxCreditLimit"] == limits["maximum_credit_level"]
    assert values["MaxCreditPerTopUp"] == limits["maximum_credit_per_top_up"]
    for name in ("PublishDayProfile", "PublishWeekProfile", "PublishSeasons", "PublishSpecialDays"):
        assert [a.plain(f) for f in a.commands(result, name)] == [
            a.plain(f) for f in a.commands(sent, name)
        ], name


# --- debt ------------------------------------------------------------------------------------


def test_esme_debt_update_then_read() -> None:
    meter = _meter(s.ESME)
    meter.send("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)
    written = a.written(meter)
    registers = _registers(meter, 2)
    assert (registers["payment"], registers["time1"], registers["time2"]) == (50000, 30000, 15000)
    configuration = _prepay_configuration(meter, 3)
    for n in (1, 2):
        assert configuration[(113, c.TIME_DEBT[n], 5)] == written[(113, c.TIME_DEBT[n], 6)]
        assert configuration[(113, c.TIME_DEBT[n], 8)] == written[(113, c.TIME_DEBT[n], 8)]
    assert configuration[(113, c.PAYMENT_DEBT, 13)] == written[(113, c.PAYMENT_DEBT, 13)]
    # The DUIS debt values are adjustments: a second update adds to the registers.
    meter.send("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML", AT, counter=4)
    registers = _registers(meter, 5)
    assert (registers["payment"], registers["time1"], registers["time2"]) == (100000, 60000, 30000)


def _gas_debt_body() -> Any:
    body = copy.deepcopy(s.template("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML").find(f"{s.SR}Body")[0])  # type: ignore[index]
    for n in (1, 2):
        recovery = body.find(f"{s.SR}ElecDebtRecovery{n}")
        recovery.tag = f"{s.SR}GasDebtRecovery{n}"
        recovery.remove(recovery.find(f"{s.SR}DebtRecoveryRatePriceScale"))
    return body


def test_gsme_debt_update_then_read() -> None:
    meter = _meter(s.GSME)
    result = a.answer(meter.ask("2.3", _gas_debt_body(), AT, counter=1))
    assert a.statuses(result) == [0, 0, 0]
    registers = _registers(meter, 2)
    assert (registers["payment"], registers["time1"], registers["time2"]) == (50000, 30000, 15000)
    result = a.answer(meter.ask("4.13", s.element("ReadPrepaymentConfiguration"), AT, counter=3))
    values = a.attributes(result, PREPAYMENT_CLUSTER)
    assert (values["DebtRecoveryAmount1"], values["DebtRecoveryAmount2"]) == (3, 15)


@pytest.mark.parametrize("device", _meters())
def test_debt_increments_stay_within_what_the_meter_holds(device: Device) -> None:
    """Debt adjustments are added to the registers: ones that would pass what a register
    holds (ESME double-long, GSME DebtAmount Uint32) are refused, and 4.3 still answers."""
    meter = _meter(device)
    body = (
        copy.deepcopy(s.template("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML").find(f"{s.SR}Body")[0])  # type: ignore[index]
        if _electric(meter)
        else _gas_debt_body()
    )
    for name in ("TimeDebtRegister1", "TimeDebtRegister2", "PaymentDebtRegister"):
        body.find(f"{s.SR}{name}").text = str(2**31 - 1)
    payments = []
    for counter in (1, 3, 5):
        meter.ask("2.3", copy.deepcopy(body), AT, counter=counter)
        payments.append(_registers(meter, counter + 1)["payment"])
    most = 2**31 - 1 if _electric(meter) else 2**32 - 2  # the second passes Uint32 only
    assert payments == [2**31 - 1, most, most]


def test_top_up_repays_payment_based_debt_first_by_its_share() -> None:
    meter = _meter(s.ESME)
    meter.send("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML", AT, counter=1)  # 10% of each top-up
    before = _registers(meter, 2)
    _top_up(meter, 100, 1)  # £1: 10p of it repays debt
    after = _registers(meter, 3)
    assert before["payment"] - after["payment"] == 10_000
    assert after["balance"] - before["balance"] == 90_000
    assert after["accumulated"] - before["accumulated"] == 10_000
    _top_up(meter, 1_000, 2)  # £10: the share is capped at what is owed
    final = _registers(meter, 4)
    assert final["payment"] == 0
    assert final["balance"] - after["balance"] == 1_000_000 - after["payment"]


# --- meter balance ---------------------------------------------------------------------------


def test_esme_meter_balance_adjust_and_reset() -> None:
    meter = _meter(s.ESME)
    before = _balance(meter, 1)
    meter.send("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML", AT, counter=2)
    assert _balance(meter, 3) == before + 1_200_000
    meter.send("ECS04b_1.5_SUCCESS_REQUEST_DUIS.XML", AT, counter=4)
    assert _balance(meter, 5) == 0


def _bill_to_date(meter: s.Meter, counter: int) -> int:
    result = a.answer(meter.ask("4.18", s.element("ReadMeterBalance"), AT, counter=counter))
    return int(a.attributes(result, "Metering")["BillToDateDelivered"])


def test_gsme_meter_balance_adjust_and_reset() -> None:
    meter = _meter(s.GSME)
    before = _balance(meter, 1)
    meter.send("GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML", AT, counter=2)
    assert _balance(meter, 3) == before + 23130
    settle(meter.state, AT).bill_to_date = 7_000_000
    meter.send("GCS40c_1.5_SUCCESS_REQUEST_DUIS.XML", AT, counter=4)  # credits 5,000,000
    assert _bill_to_date(meter, 5) == 2_000_000
    meter.send("GCS40c_1.5_SUCCESS_REQUEST_DUIS.XML", AT, counter=6)
    assert _bill_to_date(meter, 7) == 0  # unsigned: it stops at zero
    settle(meter.state, AT).bill_to_date = 3_000_000
    meter.send("GCS40d_1.5_SUCCESS_REQUEST_DUIS.XML", AT, counter=8)
    assert _bill_to_date(meter, 9) == 0


# --- emergency credit ------------------------------------------------------------------------


def _activate_emergency_credit(meter: s.Meter, counter: int) -> int:
    result = meter.ask("2.5", s.element("ActivateEmergencyCredit"), AT, counter=counter)
    if _electric(meter):
        (code,) = a.results(result)
        return code
    (status,) = a.statuses(a.answer(result)) or [0]
    return status


def _to_prepayment(meter: s.Meter, counter: int) -> None:
    body = _payment_mode_body("ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    meter.ask("1.6", body, AT, counter=counter)


@pytest.mark.parametrize("device", _meters())
def test_emergency_credit_only_in_prepayment_with_low_credit(device: Device) -> None:
    meter = _meter(device)
    refused = OTHER_REASON if _electric(meter) else 1  # DefaultResponse FAILURE
    assert _activate_emergency_credit(meter, 1) == refused  # credit mode
    _to_prepayment(meter, 2)
    _top_up(meter, 100, 1, value_class=ValueClass.POUNDS)  # well above the threshold
    assert _activate_emergency_credit(meter, 3) == refused
    assert _registers(meter, 4)["emergency"] == 0
    settle(meter.state, AT).meter_balance = 0
    assert _activate_emergency_credit(meter, 5) == 0
    registers = _registers(meter, 6)
    assert registers["emergency"] > 0
    # A top-up repays the emergency credit used (none yet) and ends it.
    _top_up(meter, 1_000, 2)
    assert _registers(meter, 7)["emergency"] == 0


# --- money over time -------------------------------------------------------------------------


@pytest.mark.parametrize("device", _meters())
def test_credit_runs_down_with_consumption_and_standing_charge(device: Device) -> None:
    meter = _meter(device)
    _to_prepayment(meter, 1)
    _top_up(meter, 2_000, 1)  # £20
    meter.restore_supply(AT)  # on if the empty balance disabled it (no charge while off)
    start = _balance(meter, 2)
    one_day = _balance(meter, 3, AT + timedelta(days=1))
    two_days = _balance(meter, 4, AT + timedelta(days=2))
    assert start > one_day > two_days
    assert not credit_exhausted(meter.state, AT + timedelta(days=2))
    later = AT + timedelta(days=60)
    assert credit_exhausted(meter.state, later)
    # Reading projects without changing: the balance read later is the one projected.
    assert _balance(meter, 5, later) <= 0


def test_credit_mode_never_exhausts_credit() -> None:
    meter = _meter(s.ESME)
    settle(meter.state, AT).meter_balance = -5_000_000
    assert not credit_exhausted(meter.state, AT + timedelta(days=30))


def test_friendly_credit_periods_hold_off_disablement() -> None:
    meter = _meter(s.ESME)
    _to_prepayment(meter, 1)
    # Weekdays 00:00-07:30 and from 20:00 are friendly (the reference ECS08 calendar).
    meter.send("ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", AT, counter=2)
    settle(meter.state, AT).meter_balance = -1
    thursday = AT  # 2015-01-01
    assert not credit_exhausted(meter.state, thursday.replace(hour=3))
    assert credit_exhausted(meter.state, thursday.replace(hour=12))
    assert not credit_exhausted(meter.state, thursday.replace(hour=21))


@pytest.mark.parametrize("device", _meters())
def test_daily_read_log_records_each_midnight(device: Device) -> None:
    meter = _meter(device)
    _to_prepayment(meter, 1)
    _top_up(meter, 2_000, 1)
    settle(meter.state, AT + timedelta(days=3, hours=1))
    snapshots = meter.state.get(Prepayment).snapshots
    assert len(snapshots) == 3
    balances = [row[1] for row in snapshots]
    assert balances == sorted(balances, reverse=True)
    if _electric(meter):
        period = s.element("ReadLogPeriod")
        for name, when in (("StartDateTime", AT), ("EndDateTime", AT + timedelta(days=5))):
            s.sub(period, name, when.strftime("%Y-%m-%dT%H:%M:%SZ"))
        body = s.element("ReadPrepaymentDailyReadLog")
        body.append(period)
        result = meter.ask("4.14", body, AT + timedelta(days=3, hours=2), counter=2)
        log = a.protected(result)
        assert len(a.numbers(log)) == 3 * 7


@pytest.mark.parametrize("device", _meters())
def test_meter_balance_adjustments_stay_within_what_the_meter_holds(device: Device) -> None:
    """Adjustments each within int32 but together below it (found by
    tests/hub/test_signed_fuzz: three 1.5 AdjustMeterBalance of -2147483648 on the GSME, then
    4.3 and 4.18 could not encode the balance and the requests were never answered): the one
    that would pass the least balance is refused, and the reads still answer."""
    meter = _meter(device)
    name = (
        "ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML"
        if _electric(meter)
        else ("GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML")
    )
    body = s.element("UpdateMeterBalance")
    mode = s.sub(body, "PrepaymentMode")
    s.sub(mode, "AdjustMeterBalance", -(2**31) + 1)
    before = _balance(meter, 1)
    balances = []
    for counter in (2, 4, 6):
        meter.send(name, AT, counter=counter, body=copy.deepcopy(body))
        balances.append(_balance(meter, counter + 1))
    assert balances[0] == before - 2**31 + 1
    assert balances[1:] == [balances[0], balances[0]]  # refused: unchanged
    assert min(_registers(meter, 9).values()) >= -(2**31)
