"""Transforms of the reads that show tariff and prepayment state (DUIS 4.3, 4.11, 4.13,
4.14, 4.18, 6.2.9).

| DUIS variant | ESME (DLMS) | GSME / GPF (GBZ) |
|---|---|---|
| 4.3 Read Instantaneous Prepay Values | ECS19 (protected read) | GCS14 |
| 4.11.1 Read Tariff (Primary Element) | ECS24 | GCS21f (GSME) |
| 4.11.2 Read Tariff (Secondary Element) | ECS24b | |
| 4.13 Read Prepayment Configuration | ECS26a | GCS21b (GSME) |
| 4.14 Read Prepayment Daily Read Log | ECS21b (protected range read) | GCS16b |
| 4.18 Read Meter Balance | ECS82 | GCS60 (GSME, GBCS < 4.0) / GCS60a |
| 6.2.9 Read Device Configuration (Payment Mode) | ECS26j | GCS21j (GSME) |

The Commands are the request lists the reference Commands show: the ESME attributes in
GBCS order, the gas reads as ZCL Read Attributes and Calendar/Price "Get" commands (the
friendly credit calendar is asked for with issuer calendar id 0xFFFFFFFE, the tariff
calendar with 0xFFFFFFFF). GCS16b asks for each of the 31 daily snapshots a GSME keeps.

``ExecutionDateTime`` of the 'DSP' pattern reads is the hub's (it releases the request).
A 4.14 request carrying ``KAPublicSecurityCredentials`` is an Unknown Remote Party read
(GBCS 4.3.3, 'URP' in the reference data): a User the Device holds no trust anchor for,
such as a former Supplier reading the log of its own period. The DCC sends the Command as
Access Control Broker (``DccOrigination``: the ACB's own originator counter), naming the
User as supplementary remote party with the RequestID counter and carrying the User's KA
certificate, so that the Device encrypts the answer for the User (DUIS 4.14; the ECS21b
URP vector and the GCS16b URP Response show it). On an ESME the payload's invoke id and
protection parameters carry the ACB's counter and the User's EUI, as the vector does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request
from opendcc.gbcs.dlms.data import Enum, Integer, LongUnsigned
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform import tariffs_cosem as c
from opendcc.transform.dlms_common import protected_get
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.reads_common import Origination, command_spec, ka_certificate
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms
from opendcc.transform.tariffs_common import (
    Components,
    newer_or_older,
    refuse,
    spec,
    zigbee_time,
)

ESME, GSME, GPF = DeviceType.ESME, DeviceType.GSME, DeviceType.GPF
SNAPSHOTS: Final = 31
"""Daily prepayment snapshots a GSME keeps (GCS16b asks for each)."""
TARIFF_CALENDAR: Final = 0xFFFF_FFFF
FRIENDLY_CREDIT_CALENDAR: Final = 0xFFFF_FFFE

ECS24_READS: Final = (
    (3, c.ACTIVE_PRICE[False], 2),
    (3, c.ACTIVE_PRICE[False], 3),
    (20, c.CALENDAR[False], 3),
    (20, c.CALENDAR[False], 4),
    (20, c.CALENDAR[False], 5),
    (11, c.SPECIAL_DAYS_ACTIVE[False], 2),
    *((21, obis, 2) for obis in c.THRESHOLDS_ACTIVE),
    (9000, c.CURRENCY, 2),
    (113, c.STANDING_CHARGE, 5),
    (113, c.PRICE_MATRIX[False], 5),
)
ECS24B_READS: Final = (
    (113, c.PRICE_MATRIX[True], 5),
    (3, c.ACTIVE_PRICE[True], 2),
    (3, c.ACTIVE_PRICE[True], 3),
    (11, c.SPECIAL_DAYS_ACTIVE[True], 2),
    (20, c.CALENDAR[True], 3),
    (20, c.CALENDAR[True], 4),
    (20, c.CALENDAR[True], 5),
)
ECS26A_READS: Final = (
    (113, c.TIME_DEBT[1], 5),
    (11, c.NON_DISABLEMENT_SPECIAL_DAYS_ACTIVE, 2),
    (113, c.TIME_DEBT[1], 8),
    (113, c.TIME_DEBT[1], 5),
    (113, c.TIME_DEBT[2], 5),
    (113, c.TIME_DEBT[2], 8),
    (113, c.TIME_DEBT[2], 5),
    (113, c.PAYMENT_DEBT, 13),
    (9000, c.MAX_CREDIT_THRESHOLD, 2),
    (21, "0-0:16.0.1.255", 2),
    (9000, c.MAX_METER_BALANCE, 2),
    (111, c.ACCOUNT_ACTIVE, 16),
    (111, c.ACCOUNT_ACTIVE, 18),
    (111, c.ACCOUNT_ACTIVE, 19),
    (112, c.EMERGENCY_CREDIT, 9),
    (112, c.EMERGENCY_CREDIT, 10),
    (10, c.NON_DISABLEMENT_CALENDAR_ACTIVE, 2),
    (111, c.ACCOUNT_ACTIVE, 11),
)
"""ECS26a as the reference Command reads it (the recovery rates appear twice: GBCS
lists them once for each of DUIS's two debt recovery rate elements)."""

PREPAY_REGISTERS: Final = "0-0:94.44.34.30"
PREPAYMENT_DAILY_LOG: Final = "0-0:98.1.8.255"
DATA_PROTECTION: Final = {"ECS19": "0-0:43.2.1.255", "ECS21b": "0-0:43.2.6.255"}


def _dlms(request: TransformInput, use_case: str, requests: list[Request]) -> CommandSpec:
    apdu = b.access_request(request.counter, requests)
    return spec(request, use_case, encode_dlms(b.payload(apdu)))


def _gets(reads: tuple[tuple[int, str, int], ...]) -> list[Request]:
    return [b.get(class_id, obis, attribute) for class_id, obis, attribute in reads]


@transforms("4.3", ESME)
def read_prepay_values_esme(request: TransformInput) -> CommandSpec:
    """4.3 on an ESME: GBCS ECS19, a protected read of the prepayment registers."""
    action = protected_get(
        DATA_PROTECTION["ECS19"],
        [(1, PREPAY_REGISTERS, 2)],
        request.counter,
        request.originator,
        request.target,
    )
    return _dlms(request, "ECS19", [action])


@transforms("4.11.1", ESME)
def read_tariff_primary_esme(request: TransformInput) -> CommandSpec:
    """4.11.1 on an ESME: GBCS ECS24 Read Tariff Data."""
    return _dlms(request, "ECS24", _gets(ECS24_READS))


@transforms("4.11.2", ESME)
def read_tariff_secondary_esme(request: TransformInput) -> CommandSpec:
    """4.11.2 on an ESME: GBCS ECS24b Read Tariff Data (second element)."""
    return _dlms(request, "ECS24b", _gets(ECS24B_READS))


@transforms("4.13", ESME)
def read_prepayment_configuration_esme(request: TransformInput) -> CommandSpec:
    """4.13 on an ESME: GBCS ECS26a Read Configuration Data Prepayment."""
    return _dlms(request, "ECS26a", _gets(ECS26A_READS))


def _log_period(request: TransformInput) -> tuple[datetime, datetime]:
    period = x.require(request.body, "ReadLogPeriod")
    start = x.timestamp(period, "StartDateTime")
    end = x.timestamp(period, "EndDateTime")
    if end < start:
        raise BodyValueError("ReadLogPeriod ends before it starts")
    return start, end


def _unknown_remote_party(request: TransformInput) -> Origination:
    """Who originates a 4.14 Command: the ACB on the User's behalf when the request carries
    the User's KA certificate (an Unknown Remote Party read), else the User."""
    certificate = ka_certificate(request.body)
    if certificate is None:
        return Origination(False, request.counter, request.originator)
    counter = (
        request.dcc_counter(DCC_ACCESS_CONTROL_BROKER)
        if request.dcc_counter is not None
        else request.counter
    )
    return Origination(True, counter, request.originator, certificate)


@transforms("4.14", ESME)
def read_prepayment_daily_log_esme(request: TransformInput) -> CommandSpec | TransformRefusal:
    """4.14 on an ESME: GBCS ECS21b, a protected read of the prepayment daily read log
    over the request's period (selective access by COSEM date-time range); sent by the
    ACB for an Unknown Remote Party (see the module docstring)."""
    try:
        start, end = _log_period(request)
        origin = _unknown_remote_party(request)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    selection = b.structure(b.date_time(start), b.date_time(end))
    descriptors = b.array(
        [
            b.structure(
                LongUnsigned(7),
                b.obis(PREPAYMENT_DAILY_LOG),
                Integer(2),
                LongUnsigned(0),
                b.structure(Enum(1), selection),
            )
        ]
    )
    parameters = b.protection_parameters(origin.counter, origin.user, request.target)
    action = b.action(30, DATA_PROTECTION["ECS21b"], 1, b.structure(descriptors, parameters))
    apdu = b.access_request(origin.counter, [action])
    return command_spec(request, "ECS21b", encode_dlms(b.payload(apdu)), origin)


@transforms("4.18", ESME)
def read_meter_balance_esme(request: TransformInput) -> CommandSpec:
    """4.18 on an ESME: GBCS ECS82, the meter balance (Credit class 112 value)."""
    return _dlms(request, "ECS82", [b.get(112, c.METER_BALANCE, 2)])


@transforms("6.2.9", ESME)
def read_payment_mode_esme(request: TransformInput) -> CommandSpec:
    """6.2.9 on an ESME: GBCS ECS26j, the Account's mode."""
    return _dlms(request, "ECS26j", [b.get(111, c.ACCOUNT_ACTIVE, 2)])


# --- gas -------------------------------------------------------------------------------


def _gbz(request: TransformInput, use_case: str, parts: Components) -> CommandSpec:
    payload = z.command_payload(*parts.items, use_case=use_case)
    return spec(request, use_case, encode_gbz(payload))


class _Reads(Components):
    def read(self, cluster: str, *names: str) -> None:
        frame = z.read_attributes(cluster, *names, tsn=len(self.items))
        self.items.append(z.component(cluster, frame))


def _calendar_gets(parts: _Reads, calendar_id: int, calendar_type: int) -> None:
    ids = {"provider_id": 0, "issuer_calendar_id": calendar_id}
    parts.add("Calendar", "GetDayProfiles", **ids, start_day_id=1, number_of_days=0)
    parts.add("Calendar", "GetWeekProfiles", **ids, start_week_id=1, number_of_weeks=0)
    parts.add("Calendar", "GetSeasons", **ids)
    parts.add(
        "Calendar",
        "GetSpecialDays",
        start_time=0,
        number_of_events=0,
        calendar_type=calendar_type,
        **ids,
    )


PREPAY_VALUES: Final = (
    "AccumulatedDebt",
    "EmergencyCreditRemaining",
    "CreditRemaining",
    "DebtAmount3",
    "DebtAmount1",
    "DebtAmount2",
)
TARIFF_ATTRIBUTES: Final = (
    "ThresholdDivisor",
    "ThresholdMultiplier",
    "Block1Threshold",
    "Block2Threshold",
    "Block3Threshold",
    "UnitOfMeasure",
    *(f"NoTierBlock{n}Price" for n in range(1, 5)),
    *(f"Tier{n}Block1Price" for n in range(1, 5)),
    "Currency",
    "PriceTrailingDigit",
    "StandingCharge",
)
PREPAY_CONFIGURATION: Final = (
    "DebtRecoveryTopUpPercentage3",
    "OverallDebtCap",
    "DebtRecoveryFrequency1",
    "DebtRecoveryFrequency2",
    "CutOffValue",
    "EmergencyCreditLimitAllowance",
    "EmergencyCreditThreshold",
    "LowCreditWarningLevel",
    "MaxCreditLimit",
    "MaxCreditPerTopUp",
    "DebtRecoveryAmount1",
    "DebtRecoveryAmount2",
)


@transforms("4.3", GSME, GPF)
def read_prepay_values_gas(request: TransformInput) -> CommandSpec:
    """4.3 on a GSME or GPF: GBCS GCS14 Read Prepayment Registers."""
    parts = _Reads()
    parts.read("Price", "PriceTrailingDigit", "Currency")
    parts.read("Prepayment", *PREPAY_VALUES)
    return _gbz(request, "GCS14", parts)


@transforms("4.11.1", GSME)
def read_tariff_gas(request: TransformInput) -> CommandSpec:
    """4.11.1 on a GSME: GBCS GCS21f Read Tariff Data."""
    parts = _Reads()
    parts.read("Price", *TARIFF_ATTRIBUTES)
    _calendar_gets(parts, TARIFF_CALENDAR, 0)
    parts.add("Price", "GetCurrentPrice", command_options=0)
    return _gbz(request, "GCS21f", parts)


@transforms("4.13", GSME)
def read_prepayment_configuration_gas(request: TransformInput) -> CommandSpec:
    """4.13 on a GSME: GBCS GCS21b Read Configuration Data Prepayment."""
    parts = _Reads()
    parts.read("Prepayment", *PREPAY_CONFIGURATION)
    parts.read("Price", "PriceTrailingDigit")
    _calendar_gets(parts, FRIENDLY_CREDIT_CALENDAR, 3)
    return _gbz(request, "GCS21b", parts)


@transforms("4.14", GSME, GPF)
def read_prepayment_daily_log_gas(request: TransformInput) -> CommandSpec | TransformRefusal:
    """4.14 on a GSME or GPF: GBCS GCS16b, GetPrepaySnapshot for each daily snapshot; sent
    by the ACB for an Unknown Remote Party (see the module docstring)."""
    try:
        start, end = _log_period(request)
        origin = _unknown_remote_party(request)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    parts = _Reads()
    for offset in range(SNAPSHOTS):
        parts.add(
            "Prepayment",
            "GetPrepaySnapshot",
            earliest_start_time=zigbee_time(start),
            latest_end_time=zigbee_time(end),
            snapshot_offset=offset,
            snapshot_cause=1,
        )
    payload = encode_gbz(z.command_payload(*parts.items, use_case="GCS16b"))
    return command_spec(request, "GCS16b", payload, origin)


@transforms("4.18", GSME, GPF)
def read_meter_balance_gas(request: TransformInput) -> CommandSpec:
    """4.18 on a GSME (GCS60 or GCS60a) or a GPF (GCS60a): BillToDateDelivered and
    CreditRemaining."""
    if request.device.device_type is GPF:
        use_case = "GCS60a"
    else:
        use_case = newer_or_older(request, "GCS60", "GCS60a")
    parts = _Reads()
    parts.read("Metering", "BillToDateDelivered")
    parts.read("Prepayment", "CreditRemaining")
    return _gbz(request, use_case, parts)


@transforms("6.2.9", GSME)
def read_payment_mode_gas(request: TransformInput) -> CommandSpec:
    """6.2.9 on a GSME: GBCS GCS21j, the Prepayment PaymentControlConfiguration."""
    parts = _Reads()
    parts.read("Prepayment", "PaymentControlConfiguration")
    return _gbz(request, "GCS21j", parts)
