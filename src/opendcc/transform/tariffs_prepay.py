"""Transforms of the ESME prepayment Service Requests (DLMS), DUIS 2.1 to 2.5.

| DUIS variant | use case | what the Command does |
|---|---|---|
| 2.1 Update Prepay Configuration | ECS08 (GBCS < 2.0) / ECS08a | non-disablement special |
| | | days and calendar, maximum meter balance and credit threshold, debt recovery |
| | | rate cap and its one-week period, low credit threshold, emergency credit limit |
| | | and threshold, each with its activation time |
| 2.2 Top Up Device | CS01a | the UTRN into the token gateway (class 115 ``enter``) |
| 2.3 Update Debt | ECS07 | time debt recovery rates and periods, the payment debt |
| | | recovery proportion, then the three debts adjusted |
| 2.5 Activate Emergency Credit | ECS09 | emergency credit ``invoke_credit`` |

2.1 is future-dated (pattern 'Device'): its activation times carry ``ExecutionDateTime``.
ECS08 writes the maximum meter balance to the active value (GBCS 1.x had no passive value
for it); ECS08a to the passive one. The non-disablement schedule rows are Schedule (class
10) entries calling the disconnect control scripts (32 START, 33 STOP) at the switch time
on the chosen weekdays (bit string Monday first) and special days (one bit per special day
defined), between the begin and end dates, valid for 65535 minutes.

CS01a is the one non-critical Command here: its originator counter is the UTRN's own
counter (GBCS 14: the RequestID counter of a top-up), so its invoke id is 0 in the
reference Commands (the counter's low 24 bits).
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request
from opendcc.gbcs.dlms.data import (
    BitString,
    Boolean,
    DoubleLong,
    DoubleLongUnsigned,
    Integer,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
)
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform import tariffs_cosem as c
from opendcc.transform import tariffs_duis as d
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms
from opendcc.transform.tariffs_common import FutureDating, newer_or_older, refuse, spec

ESME = DeviceType.ESME
VALID_ALWAYS: Final = 0xFFFF
SECONDS: Final = {True: 3600, False: 86_400}
"""Debt recovery periods: hourly, daily."""


def _command(request: TransformInput, use_case: str, requests: list[Request]) -> CommandSpec:
    apdu = b.access_request(request.counter, requests)
    return spec(request, use_case, encode_dlms(b.payload(apdu)))


def _schedule_row(index: int, row: d.NonDisablementSchedule, special_days: int) -> Structure:
    weekdays = "".join("1" if day in row.week_days else "0" for day in range(1, 8))
    specdays = "".join(
        "1" if day in row.special_days else "0" for day in range(1, special_days + 1)
    )
    return b.structure(
        LongUnsigned(index),
        Boolean(True),
        b.obis(c.DISCONNECT_SCRIPTS),
        LongUnsigned(c.START_NON_DISABLEMENT if row.start else c.STOP_NON_DISABLEMENT),
        OctetString(row.switch_time.cosem()),
        LongUnsigned(VALID_ALWAYS),
        BitString.from_bits(weekdays),
        BitString.from_bits(specdays),
        OctetString(row.begin.cosem()),
        OctetString(row.end.cosem()),
    )


@transforms("2.1", ESME)
def update_prepay_configuration(request: TransformInput) -> CommandSpec | TransformRefusal:
    """2.1 on an ESME: GBCS ECS08 or ECS08a Update Prepayment Configuration."""
    try:
        node = x.child(request.body, "UpdatePrepayConfigElectricity")
        if node is None:
            raise BodyValueError("an ESME takes UpdatePrepayConfigElectricity")
        config = d.elec_prepay_configuration(node)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    use_case = newer_or_older(request, "ECS08", "ECS08a")
    when = c.activation(FutureDating.of(request).cosem())
    special = b.array(
        b.structure(LongUnsigned(i), OctetString(date.cosem()), Unsigned(i))
        for i, date in config.special_days
    )
    count = max((i for i, _ in config.special_days), default=0)
    schedule = b.array(
        _schedule_row(i, row, count) for i, row in enumerate(config.schedules, start=1)
    )
    requests: list[Request] = [
        b.set_(11, c.NON_DISABLEMENT_SPECIAL_DAYS, 2, special),
        b.set_(
            9000,
            c.MAX_METER_BALANCE,
            2 if use_case == "ECS08" else 4,
            DoubleLong(config.max_meter_balance),
        ),
        b.set_(9000, c.MAX_CREDIT_THRESHOLD, 4, DoubleLong(config.max_credit_threshold)),
        b.set_(10, c.NON_DISABLEMENT_CALENDAR, 2, schedule),
        b.set_(9000, c.DEBT_RECOVERY_CAP, 4, LongUnsigned(config.debt_recovery_rate_cap)),
        b.set_(9000, c.DEBT_RECOVERY_CAP_PERIOD, 4, DoubleLong(c.DEBT_RECOVERY_CAP_PERIOD_SECONDS)),
        b.set_(9000, c.LOW_CREDIT_THRESHOLD, 4, DoubleLong(config.low_credit_threshold)),
        b.set_(9000, c.EMERGENCY_CREDIT_LIMIT, 4, DoubleLong(config.emergency_credit_limit)),
        b.set_(9000, c.NON_DISABLEMENT_SPECIAL_DAYS_ACTIVATION, 6, when),
        b.set_(
            9000, c.EMERGENCY_CREDIT_THRESHOLD, 4, DoubleLong(config.emergency_credit_threshold)
        ),
    ]
    requests += [
        b.set_(9000, obis, 6, when)
        for obis in (
            c.MAX_METER_BALANCE,
            c.MAX_CREDIT_THRESHOLD,
            c.DEBT_RECOVERY_CAP,
            c.DEBT_RECOVERY_CAP_PERIOD,
            c.LOW_CREDIT_THRESHOLD,
            c.EMERGENCY_CREDIT_LIMIT,
            c.EMERGENCY_CREDIT_THRESHOLD,
            c.NON_DISABLEMENT_CALENDAR_ACTIVATION,
        )
    ]
    return _command(request, use_case, requests)


@transforms("2.2", ESME)
def top_up(request: TransformInput) -> CommandSpec | TransformRefusal:
    """2.2 on an ESME: GBCS CS01a, the UTRN's twenty digits into the token gateway."""
    try:
        utrn = d.utrn(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    return _command(
        request, "CS01a", [b.action(115, c.TOKEN_GATEWAY, 1, OctetString(utrn.encode("ascii")))]
    )


@transforms("2.3", ESME)
def update_debt(request: TransformInput) -> CommandSpec | TransformRefusal:
    """2.3 on an ESME: GBCS ECS07 Manage Debt. The DUIS registers are adjustments,
    applied with the Charge (class 113) method ``update_total_amount_remaining``."""
    try:
        debt = d.debt_update(request.body)
        if debt.gas:
            raise BodyValueError("an ESME takes ElecDebtRecovery1 and ElecDebtRecovery2")
    except BodyValueError as exc:
        return refuse(request, str(exc))
    recoveries = {1: debt.recovery_1, 2: debt.recovery_2}
    requests: list[Request] = [
        b.set_(113, c.TIME_DEBT[n], 6, c.fixed_charge(r.rate, r.scale))
        for n, r in recoveries.items()
    ]
    requests.append(b.set_(113, c.PAYMENT_DEBT, 13, LongUnsigned(debt.recovery_per_payment)))
    requests += [
        b.set_(113, c.TIME_DEBT[n], 8, DoubleLongUnsigned(SECONDS[r.hourly]))
        for n, r in recoveries.items()
    ]
    requests += [b.action(113, c.TIME_DEBT[n], 2, Integer(0)) for n in recoveries]
    requests += [
        b.action(113, c.PAYMENT_DEBT, 4, DoubleLong(debt.payment_debt)),
        b.action(113, c.TIME_DEBT[1], 4, DoubleLong(debt.time_debt_1)),
        b.action(113, c.TIME_DEBT[2], 4, DoubleLong(debt.time_debt_2)),
    ]
    return _command(request, "ECS07", requests)


@transforms("2.5", ESME)
def activate_emergency_credit(request: TransformInput) -> CommandSpec:
    """2.5 on an ESME: GBCS ECS09, emergency credit ``invoke_credit``."""
    return _command(request, "ECS09", [b.action(112, c.EMERGENCY_CREDIT, 3, Integer(0))])
