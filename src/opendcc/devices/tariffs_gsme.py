"""The GSME obeying the tariff and prepayment Commands (ZigBee / GBZ).

Use cases: GCS01a and GCS01b (tariff and price, DUIS 1.1.1 and 1.2.1), GCS40a-d (meter
balances, 1.5), GCS02/GCS03 (payment mode, 1.6), GCS05 (prepayment configuration and the
friendly credit calendar, 2.1), CS01b (top-up, 2.2), GCS04 (debt, 2.3), GCS06 (emergency
credit, 2.5).

Each component is answered in order, as the reference Responses show: a Default Response
SUCCESS (in the direction opposite to the command's), a ChangePaymentModeResponse or a
ConsumerTopUpResponse. The first component the GSME cannot carry out answers
HARDWARE_FAILURE and every later one a Default Response FAILURE for command 0xFF (not
attempted); earlier ones stand. Exceptions the use cases define: emergency credit that is
not active after GCS06 answers FAILURE (GBCS GCS06); a refused top-up answers a
ConsumerTopUpResponse with the ZigBee result type (1 invalid, 2 duplicate, 3 error: no
top-up key shared with the Supplier, 4 maximum credit reached, 6 value too large) and -1
values, and the GSME logs the refusal in its Security Log as the ESME does
(``tariffs_esme.check_utrn``: 0x8F51, 0x8F63, 0x8F64, 0x8F5B, 0x8F47).

Future dating: the components' start or implementation times (or the GBZ from-date-time of
SetLowCreditWarningLevel) say when: 0 now, 0xFFFFFFFF or 0xFFFFFFFE cancels the group's
held Command, any other time holds the Command (``future_dated.hold``) until then, when the
GSME applies it and raises one 8F66 alert per timed component.

Balances (ZSE): CreditRemaining is the prepayment meter balance, BillToDateDelivered the
credit mode one, which consumption increases (GCS40c subtracts its adjustment from it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from opendcc.devices import future_dated
from opendcc.devices.device_logs import Change, record
from opendcc.devices.simulator import (
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    DiscardCommandError,
    handles,
    keeps_own_anti_replay,
)
from opendcc.devices.tariffs_alerts import gbz_outcome
from opendcc.devices.tariffs_billing import emergency_credit_available, settle
from opendcc.devices.tariffs_esme import (
    RejectedError,
    UtrnRefusedError,
    apply_top_up,
    check_utrn,
)
from opendcc.devices.tariffs_links import after_command, record_top_up
from opendcc.devices.tariffs_state import (
    EMERGENCY_CREDIT_ACTIVATED,
    GasTariffs,
    Prepayment,
    fault_index,
    link_gpf,
)
from opendcc.gbcs.dlms.datetimes import from_gbcs_seconds
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.fields import Record
from opendcc.gbcs.gbz.payload import Component, GbzComponent, GbzPayload
from opendcc.gbcs.gbz.status import ZclStatus
from opendcc.gbcs.gbz.zcl import ClusterCommand, DefaultResponse, ZclFrame, ZclHeader
from opendcc.inventory.model import DeviceType

GSME_USE_CASES: Final = (
    "GCS01a",
    "GCS01b",
    "GCS02",
    "GCS03",
    "GCS04",
    "GCS05",
    "GCS06",
    "GCS40a",
    "GCS40b",
    "GCS40c",
    "GCS40d",
    "CS01b",
)
HOLD_GROUPS: Final = {
    "GCS01a": "tariff",
    "GCS01b": "price",
    "GCS02": "payment-mode",
    "GCS03": "payment-mode",
    "GCS05": "prepayment-configuration",
}
TIME_FIELDS: Final = ("start_time", "implementation_date_time")
CANCELLATION_TIMES: Final = frozenset({0xFFFF_FFFF, 0xFFFF_FFFE})
NOT_ATTEMPTED: Final = 0xFF
TOP_UP_INVALID: Final = 1
TOP_UP_DUPLICATE: Final = 2
TOP_UP_MAX_CREDIT: Final = 4
TOP_UP_TOO_LARGE: Final = 6


TOP_UP_ERROR: Final = 3
TOP_UP_RESULTS: Final[dict[Change, int]] = {
    Change.UTRN_DUPLICATE: TOP_UP_DUPLICATE,
    Change.UTRN_NOT_AUTHENTIC: TOP_UP_INVALID,
    Change.UTRN_NOT_FOR_THIS_DEVICE: TOP_UP_ERROR,
}
"""The ZigBee ConsumerTopUpResponse result type for each refusal ``check_utrn`` logs."""


class TopUpRefusedError(Exception):
    """A refused top-up: the ZigBee result type and the Security Log event (GBCS 14)."""

    def __init__(self, result_type: int, change: Change) -> None:
        super().__init__(f"top-up refused (ZigBee result type {result_type})")
        self.result_type = result_type
        self.change = change


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise RejectedError(what)


def _fields(component: Component) -> tuple[str, Record, ZclFrame]:
    frame = component.frame if isinstance(component, GbzComponent) else None
    if frame is None or not isinstance(frame.payload, ClusterCommand):
        raise RejectedError("not a cluster command")
    return frame.payload.name, frame.payload.fields, frame


def component_time(component: Component) -> int | None:
    """The start or implementation time a component carries (None: untimed)."""
    if isinstance(component, GbzComponent):
        if component.from_date_time is not None:
            return component.from_date_time
        payload = component.frame.payload
        if isinstance(payload, ClusterCommand):
            for name in TIME_FIELDS:
                value = payload.fields.get(name)
                if isinstance(value, int):
                    return value
    return None


def command_dating(payload: GbzPayload) -> str | datetime | None:
    for component in payload.components:
        when = component_time(component)
        if when is None:
            continue
        if when == 0:
            return "now"
        if when in CANCELLATION_TIMES:
            return "cancel"
        return from_gbcs_seconds(when)
    return None


# --- applying components -----------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    command: DeviceCommand
    context: DeviceContext
    gas: GasTariffs
    money: Prepayment
    dating: str | datetime | None
    calendar: dict[str, Any] | None = None
    calendar_type: int = 0

    def apply(self, component: Component) -> ZclFrame | None:
        """Carry out one component; the answering frame when it is not a Default Response
        SUCCESS."""
        name, fields, frame = _fields(component)
        when = component_time(component)
        if when is not None:
            expected = {"now": 0}.get(self.dating) if isinstance(self.dating, str) else None
            _need(
                when == expected
                or (self.dating == "cancel" and when in CANCELLATION_TIMES)
                or (isinstance(self.dating, datetime) and from_gbcs_seconds(when) == self.dating),
                "every time in a Command is the same",
            )
        handler = _HANDLERS.get(name)
        if handler is None:
            raise RejectedError(f"{name} is not supported")
        return handler(self, fields, frame)

    def finish(self) -> None:
        """Install a calendar the Command published (complete by now)."""
        if self.calendar is None:
            return
        target = "friendly_credit" if self.calendar_type == 3 else "calendar"
        setattr(self.gas, target, self.calendar)


Handler = Callable[[_Run, Record, ZclFrame], ZclFrame | None]


def _int(fields: Record, name: str) -> int:
    try:
        return fields.number(name)
    except KeyError:
        raise RejectedError(f"no {name}") from None


def _publish_calendar(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    calendar_type = _int(fields, "calendar_type")
    _need(calendar_type in (0, 3), f"calendar type {calendar_type} is not kept")
    run.calendar_type = calendar_type
    run.calendar = {
        "days": {},
        "weeks": {},
        "seasons": [],
        "special_days": [],
        "expect": [
            _int(fields, "number_of_day_profiles"),
            _int(fields, "number_of_week_profiles"),
            _int(fields, "number_of_seasons"),
        ],
    }
    identifier = _int(fields, "issuer_calendar_id")
    if calendar_type == 3:
        run.gas.friendly_credit_id = identifier
    else:
        run.gas.calendar_id = identifier
    _note_event(run, fields)


def _note_event(run: _Run, fields: Record) -> None:
    event = fields.get("issuer_event_id")
    if not isinstance(event, int):
        return
    if run.calendar_type == 3:
        run.gas.friendly_credit_event_id = event
    else:
        run.gas.calendar_event_id = event


def _current_calendar(run: _Run, fields: Record) -> dict[str, Any]:
    if run.calendar is None:
        # A Command without PublishCalendar amends the calendar in force.
        kind = fields.get("calendar_type")
        run.calendar_type = kind if isinstance(kind, int) else 0
        source = run.gas.friendly_credit if run.calendar_type == 3 else run.gas.calendar
        run.calendar = {k: v for k, v in source.items()}
    _note_event(run, fields)
    return run.calendar


def _publish_day(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    calendar = _current_calendar(run, fields)
    entries = fields.get("schedule_entries")
    _need(isinstance(entries, tuple) and bool(entries), "a day profile needs entries")
    assert isinstance(entries, tuple)
    rows = sorted([e.number("start_time"), e.number("action")] for e in entries)
    _need(all(0 <= m < 1440 for m, _ in rows), "start times are minutes of the day")
    days = dict(calendar["days"])
    days[str(_int(fields, "day_id"))] = rows
    calendar["days"] = days


def _publish_week(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    calendar = _current_calendar(run, fields)
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    refs = [_int(fields, f"day_id_ref_{n}") for n in names]
    _need(all(str(r) in calendar["days"] for r in refs), "a week names an undefined day")
    weeks = dict(calendar["weeks"])
    weeks[str(_int(fields, "week_id"))] = refs
    calendar["weeks"] = weeks


def _dates(fields: Record, group: str, date: str, ref: str) -> list[list[Any]]:
    entries = fields.get(group)
    _need(isinstance(entries, tuple), f"no {group}")
    assert isinstance(entries, tuple)
    rows = []
    for entry in entries:
        when = entry.get(date)
        _need(isinstance(when, bytes) and len(when) == 4, "a ZigBee date")
        assert isinstance(when, bytes)
        rows.append([when.hex(), entry.number(ref)])
    return rows


def _publish_seasons(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    calendar = _current_calendar(run, fields)
    seasons = _dates(fields, "seasons", "season_start_date", "week_id_ref")
    _need(all(str(w) in calendar["weeks"] for _, w in seasons), "a season names no week")
    calendar["seasons"] = seasons


def _publish_special_days(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    calendar = _current_calendar(run, fields)
    specials = _dates(fields, "special_days", "special_day_date", "day_id_ref")
    _need(all(str(d) in calendar["days"] for _, d in specials), "a special day names no day")
    calendar["special_days"] = specials
    expect = calendar.pop("expect", None)
    if expect is not None:
        counts = [len(calendar["days"]), len(calendar["weeks"]), len(calendar["seasons"])]
        _need(counts == expect, "the calendar is not complete")


def _tariff_information(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    tariff = dict(run.gas.tariff)
    thresholds_in_use = _int(fields, "number_of_block_thresholds_in_use")
    tiers = _int(fields, "number_of_price_tiers_in_use")
    _need(thresholds_in_use <= 3 and tiers <= 4, "at most 3 thresholds and 4 tiers")
    tariff.update(
        charging_scheme=_int(fields, "tariff_type_charging_scheme"),
        currency=_int(fields, "currency"),
        standing_charge=_int(fields, "standing_charge"),
        tiers_in_use=tiers,
        thresholds_in_use=thresholds_in_use,
    )
    run.gas.tariff = tariff
    run.gas.last_issuer_event_id = _int(fields, "issuer_event_id")


def _block_thresholds(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    tiers = fields.get("tiers")
    _need(isinstance(tiers, tuple) and len(tiers) == 1, "one tier of block thresholds")
    assert isinstance(tiers, tuple)
    values = tiers[0].get("block_thresholds")
    _need(isinstance(values, tuple) and len(values) <= 3, "up to three thresholds")
    assert isinstance(values, tuple)
    thresholds = [v.number("block_threshold") for v in values]
    _need(thresholds == sorted(thresholds), "thresholds ascend")
    run.gas.tariff = {**run.gas.tariff, "thresholds": thresholds}


def _price_matrix(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    prices = fields.get("prices")
    _need(isinstance(prices, tuple), "no prices")
    assert isinstance(prices, tuple)
    block = _int(fields, "sub_payload_control") & 1 == 0
    table = [0, 0, 0, 0]
    for entry in prices:
        index = entry.number("tier_block_id")
        slot = index if block else index - 1
        _need(0 <= slot < 4, f"tier/block {index} is out of range")
        table[slot] = entry.number("price")
    name = "block_prices" if block else "tou_prices"
    run.gas.tariff = {**run.gas.tariff, name: table}


def _change_payment_mode(run: _Run, fields: Record, frame: ZclFrame) -> ZclFrame:
    configuration = _int(fields, "proposed_payment_control_configuration")
    prepayment = bool(configuration & 0x0002)
    if prepayment != run.gas.prepayment_mode and not prepayment:
        run.money.emergency_active = False
        run.money.emergency_credit = 0
    run.gas.payment_control_configuration = configuration
    run.gas.cut_off_value = _int(fields, "cut_off_value")
    friendly = 1 if run.gas.friendly_credit.get("days") else 0
    return z.cluster_command(
        "Prepayment",
        "ChangePaymentModeResponse",
        tsn=frame.header.transaction_sequence_number,
        disable_default_response=True,
        friendly_credit=friendly,
        friendly_credit_calendar_id=run.gas.friendly_credit_id,
        emergency_credit_limit=run.gas.emergency_credit_limit,
        emergency_credit_threshold=run.gas.emergency_credit_threshold,
    )


def _emergency_credit_setup(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    run.gas.emergency_credit_limit = _int(fields, "emergency_credit_limit")
    run.gas.emergency_credit_threshold = _int(fields, "emergency_credit_threshold")


def _overall_debt_cap(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    run.gas.overall_debt_cap = _int(fields, "overall_debt_cap")


def _low_credit(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    run.gas.low_credit_warning_level = _int(fields, "low_credit_warning_level")


def _maximum_credit(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    level = _int(fields, "maximum_credit_level")
    per_top_up = _int(fields, "maximum_credit_per_top_up")
    _need(per_top_up <= level, "the most per top-up cannot pass the maximum credit")
    run.gas.max_credit_limit = level
    run.gas.max_credit_per_top_up = per_top_up


def _credit_adjustment(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    kind = _int(fields, "credit_adjustment_type")
    value = _int(fields, "credit_adjustment_value")
    money = run.money
    if kind == 0:
        _need(money.meter_balance + value <= run.gas.max_credit_limit, "above the maximum credit")
        # CreditRemaining is a signed 32-bit attribute (GBCS GCS40a): an incremental
        # adjustment taking the balance below what it can hold is refused.
        _need(money.meter_balance + value >= -(2**31), "below the least credit")
        money.meter_balance += value
    elif kind == 1:
        _need(value <= run.gas.max_credit_limit, "above the maximum credit")
        money.meter_balance = value
    elif kind == 2:
        _need(value >= 0, "a bill to date is not negative")
        money.bill_to_date = value
    elif kind == 3:
        # BillToDateDelivered is unsigned: an adjustment larger than it leaves zero.
        money.bill_to_date = max(money.bill_to_date - value, 0)
    else:
        raise RejectedError(f"credit adjustment type {kind}")


DEBT_SLOTS: Final = {0: 0, 1: 0, 2: 1, 3: 1, 4: 2, 5: 2}
"""ZSE debt amount type -> debt (1, 2, 3); even types absolute, odd incremental."""


def _change_debt(run: _Run, fields: Record, _frame: ZclFrame) -> None:
    kind = _int(fields, "debt_amount_type")
    _need(kind in DEBT_SLOTS, f"debt amount type {kind}")
    slot, amount, money = DEBT_SLOTS[kind], _int(fields, "debt_amount"), run.money
    current = money.payment_debt if slot == 2 else money.time_debt[slot]
    new = current + amount if kind % 2 else amount
    _need(new < 2**32, "above what the debt attribute holds")  # DebtAmount: Uint32 (SE D.7)
    if slot == 2:
        money.payment_debt = new
        run.gas.debt_recovery_top_up_percentage = _int(fields, "debt_recovery_balance_percentage")
        _need(run.gas.debt_recovery_top_up_percentage <= 10_000, "at most 100%")
    else:
        money.time_debt[slot] = new
        frequencies = list(run.gas.debt_recovery_frequency)
        amounts = list(run.gas.debt_recovery_amount)
        frequencies[slot] = _int(fields, "debt_recovery_frequency")
        amounts[slot] = _int(fields, "debt_recovery_amount")
        run.gas.debt_recovery_frequency, run.gas.debt_recovery_amount = frequencies, amounts


def _select_emergency_credit(run: _Run, _fields: Record, frame: ZclFrame) -> ZclFrame | None:
    money, gas = run.money, run.gas
    threshold = gas.emergency_credit_threshold
    if emergency_credit_available(money, threshold, gas.prepayment_mode):
        money.emergency_active = True
        money.emergency_credit = gas.emergency_credit_limit
        money.note_event(EMERGENCY_CREDIT_ACTIVATED, run.context.now)
    if money.emergency_active:
        return None
    return z.default_response("Prepayment", frame, ZclStatus.FAILURE)


def _top_up(run: _Run, fields: Record, frame: ZclFrame) -> ZclFrame:
    command, context, money, gas = run.command, run.context, run.money, run.gas
    code = fields.get("top_up_code")
    tsn = frame.header.transaction_sequence_number
    supplier = command.remote_party
    try:
        try:
            utrn = code.decode("ascii") if isinstance(code, bytes) else ""
            token = check_utrn(utrn, command.counter, supplier, context)
        except UnicodeDecodeError:
            raise TopUpRefusedError(TOP_UP_INVALID, Change.UTRN_NOT_AUTHENTIC) from None
        except UtrnRefusedError as exc:
            raise TopUpRefusedError(TOP_UP_RESULTS[exc.change], exc.change) from None
        if token.amount > gas.max_credit_per_top_up:
            raise TopUpRefusedError(TOP_UP_TOO_LARGE, Change.UTRN_ABOVE_MAXIMUM_CREDIT)
        try:
            debt = apply_top_up(
                money,
                token.amount,
                proportion=gas.debt_recovery_top_up_percentage,
                emergency_limit=gas.emergency_credit_limit,
                ceiling=gas.max_credit_limit,
                at=context.now,
            )
        except RejectedError:
            raise TopUpRefusedError(TOP_UP_MAX_CREDIT, Change.UTRN_ABOVE_MAXIMUM_BALANCE) from None
    except TopUpRefusedError as exc:
        record(context, exc.change)
        return _top_up_response(tsn, exc.result_type, -1, -1)
    money.remember_utrn(supplier, command.counter)
    money.remember_top_up(
        {"at": context.now.isoformat(), "amount": token.amount, "utrn": utrn, "source": 0}
    )
    record_top_up(context, token.amount, debt, money.payment_debt, utrn)
    return _top_up_response(tsn, 0, token.amount, money.meter_balance)


def _top_up_response(tsn: int, result: int, value: int, remaining: int) -> ZclFrame:
    return z.cluster_command(
        "Prepayment",
        "ConsumerTopUpResponse",
        tsn=tsn,
        result_type=result,
        top_up_value=value,
        source_of_top_up=0,
        credit_remaining=remaining,
    )


_HANDLERS: Final[dict[str, Handler]] = {
    "PublishCalendar": _publish_calendar,
    "PublishDayProfile": _publish_day,
    "PublishWeekProfile": _publish_week,
    "PublishSeasons": _publish_seasons,
    "PublishSpecialDays": _publish_special_days,
    "PublishTariffInformation": _tariff_information,
    "PublishBlockThresholds": _block_thresholds,
    "PublishPriceMatrix": _price_matrix,
    "ChangePaymentMode": _change_payment_mode,
    "EmergencyCreditSetup": _emergency_credit_setup,
    "SetOverallDebtCap": _overall_debt_cap,
    "SetLowCreditWarningLevel": _low_credit,
    "SetMaximumCreditLimit": _maximum_credit,
    "CreditAdjustment": _credit_adjustment,
    "ChangeDebt": _change_debt,
    "SelectAvailableEmergencyCredit": _select_emergency_credit,
    "ConsumerTopUp": _top_up,
}


# --- answering -----------------------------------------------------------------------------


def not_attempted(cluster_id: int, answered: ZclFrame) -> ZclFrame:
    """The Default Response of a component after a failure: command 0xFF, FAILURE."""
    header = ZclHeader.build(
        0x0B,
        cluster_specific=False,
        server_to_client=not answered.header.server_to_client,
        transaction_sequence_number=answered.header.transaction_sequence_number,
    )
    return ZclFrame(header, DefaultResponse(NOT_ATTEMPTED, int(ZclStatus.FAILURE)))


def _payload(command: DeviceCommand) -> GbzPayload:
    payload = command.payload
    if not isinstance(payload, GbzPayload):
        raise DiscardCommandError(f"{command.use_case}: not a GBZ payload")
    return payload


def carry_out(run: _Run, payload: GbzPayload) -> tuple[list[Component], bool]:
    """Every component answered, break on error; (answers, all succeeded)."""
    answers: list[Component] = []
    failed = False
    fault = fault_index(run.context.state, run.command.use_case, len(payload.components))
    for index, component in enumerate(payload.components):
        frame = component.frame if isinstance(component, GbzComponent) else None
        cluster = component.cluster_id
        if frame is None:
            answers.append(GbzComponent(cluster, _failure_frame(cluster)))
            failed = True
            continue
        if failed:
            answers.append(GbzComponent(cluster, not_attempted(cluster, frame)))
            continue
        if index == fault and run.command.use_case == "CS01b":
            tsn = frame.header.transaction_sequence_number
            answers.append(GbzComponent(cluster, _top_up_response(tsn, TOP_UP_INVALID, -1, -1)))
            failed = True
            continue
        reply: ZclFrame | None
        try:
            _need(index != fault, "a fault was injected")
            reply = run.apply(component)
        except RejectedError:
            failed = True
            reply = z.default_response(cluster, frame, ZclStatus.HARDWARE_FAILURE)
        if reply is None:
            reply = z.default_response(cluster, frame, ZclStatus.SUCCESS)
        elif isinstance(reply.payload, DefaultResponse) and reply.payload.status:
            failed = True
        answers.append(GbzComponent(cluster, reply))
    if not failed:
        try:
            run.finish()
        except RejectedError:
            failed = True
    return answers, not failed


def _failure_frame(cluster: int) -> ZclFrame:
    header = ZclHeader.build(0x0B, cluster_specific=False, server_to_client=True)
    return ZclFrame(header, DefaultResponse(NOT_ATTEMPTED, int(ZclStatus.FAILURE)))


def _link_gpf(context: DeviceContext) -> None:
    parent = context.device.parent_id
    if parent is None:
        return
    gpf = context.peer(parent)
    if gpf is not None and gpf.device.device_type is DeviceType.GPF:
        link_gpf(gpf, context.device.device_id)


@handles(*GSME_USE_CASES)
def gsme_write(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """Carry out a tariff or prepayment Command (see the module docstring)."""
    payload = _payload(command)
    _link_gpf(context)
    money = settle(context.state, context.now)
    gas = context.state.get(GasTariffs)
    dating = command_dating(payload)
    if isinstance(dating, datetime) or dating == "cancel":
        # Validate on a scratch copy: a held Command changes nothing until it falls due.
        scratch = _Run(
            command,
            context,
            GasTariffs.from_json(gas.to_json()),
            Prepayment.from_json(money.to_json()),
            dating,
        )
        answers, ok = carry_out(scratch, payload)
        group = HOLD_GROUPS.get(command.use_case or "")
        if ok and group is not None:
            if isinstance(dating, datetime):
                future_dated.hold(command, context, dating, key=group)
            else:
                future_dated.cancel(context, key=group)
    else:
        answers, _ = carry_out(_Run(command, context, gas, money, dating), payload)
    context.state.touch()
    after_command(context)
    response = z.response_payload(*answers, use_case=payload.use_case)
    return DeviceReply(encode_gbz(response))


@future_dated.executes(*HOLD_GROUPS)
def gsme_execute(command: DeviceCommand, context: DeviceContext) -> list[AlertSpec]:
    """A held Command falls due: applied now; one 8F66 per timed component (8F67 for each
    when the GSME can no longer carry it out)."""
    payload = _payload(command)
    money = settle(context.state, context.now)
    gas = context.state.get(GasTariffs)
    dating = command_dating(payload)
    run = _Run(command, context, gas, money, dating)
    _, ok = carry_out(run, payload)
    context.state.touch()
    timed = [
        (c.cluster_id, c.frame.header.frame_control, c.frame.header.command_id)
        for c in payload.components
        if isinstance(c, GbzComponent) and component_time(c) is not None
    ]
    executed_at = dating if isinstance(dating, datetime) else context.now
    # Raised here, not returned, so that what the change does to the supply follows them.
    for alert in gbz_outcome(command, executed_at, timed, success=ok):
        context.raise_alert(alert)
    after_command(context)
    return []


keeps_own_anti_replay("CS01b")
