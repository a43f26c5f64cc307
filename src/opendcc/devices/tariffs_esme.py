"""The ESME obeying the tariff and prepayment Commands (DLMS).

Use cases: ECS01a-d (tariffs and prices, DUIS 1.1-1.2), ECS02/ECS03 (payment mode, 1.6),
ECS04a/b (meter balance, 1.5), ECS05 (block counters, 1.7), ECS07 (debt, 2.3), ECS08 and
ECS08a (prepayment configuration, 2.1), ECS09 (emergency credit, 2.5), ECS48 (daily block
counter reset, 6.26) and CS01a (top-up, 2.2).

A Command is a list of sets and actions carried out in order, break-on-error: the first
that the ESME cannot carry out answers ``hardware-fault`` (the code every reference ERROR
Response shows), those after it ``other-reason`` and are not attempted; those before it
stand. Sets to passive attributes are stored (``EsmeTariffs.passive``); an activation-time
set then decides when they take effect:

- all-zero date-time: now (passive values are copied to the active attributes);
- a date-time: the Command is held (``future_dated.hold``, one slot per use case group: a
  later Command of the group replaces it) and carried out at that time, when the ESME
  raises one 8F66 alert per activation attribute (``tariffs_alerts``);
- all-0xFF date-time (DUIS 3000-12-31): the held Command of the group is cancelled.

Emergency credit (ECS09) follows GBCS: success when emergency credit is active after the
Command (already active included), else ``other-reason``; it can be activated in
prepayment mode once the meter balance is below the emergency credit threshold.

A top-up (CS01a) is verified as ``tariffs_utrn`` describes; the ESME refuses a UTRN that
does not verify, one already used (its counter is remembered per Supplier), one older than
those it remembers, one above the maximum credit threshold and one that would take the
meter balance above the maximum meter balance, and logs each refusal in its Security Log
with the event GBCS gives it (``check_utrn``; 0x8F51, 0x8F63, 0x8F64, 0x8F5B, 0x8F47). A
UTRN first repays emergency credit in use, then the payment-based debt takes its share (the
proportion, in hundredths of a percent), the rest is credit. CS01a keeps its own
anti-replay: the top-up counter, not the Supplier's Command counter (GBCS 14.3), so the
simulator leaves it to this handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from opendcc.devices import future_dated
from opendcc.devices.device_logs import Change, record
from opendcc.devices.dlms_access import access_reply, access_request
from opendcc.devices.simulator import (
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    handles,
    keeps_own_anti_replay,
)
from opendcc.devices.tariffs_alerts import dlms_outcome
from opendcc.devices.tariffs_billing import emergency_credit_available, settle
from opendcc.devices.tariffs_links import after_command, record_top_up
from opendcc.devices.tariffs_state import (
    EMERGENCY_CREDIT_ACTIVATED,
    PAYMENT_DEBT_COLLECTED,
    EsmeTariffs,
    Prepayment,
    fault_index,
    key,
)
from opendcc.devices.tariffs_utrn import TopUpToken, UtrnError, UtrnFailure, verify
from opendcc.eui import Eui64
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    Action,
    ActionResponse,
    ActionResult,
    DataAccessResult,
    Request,
    Response,
    Set,
    SetResult,
)
from opendcc.gbcs.dlms.axdr import data_from_bytes, encode_data
from opendcc.gbcs.dlms.cosem import AttributeDescriptor
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    Boolean,
    Data,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Integer,
    Long,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
)
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.transform import tariffs_cosem as c

ESME_USE_CASES: Final = (
    "ECS01a",
    "ECS01b",
    "ECS01c",
    "ECS01d",
    "ECS02",
    "ECS03",
    "ECS04a",
    "ECS04b",
    "ECS05",
    "ECS07",
    "ECS08",
    "ECS08a",
    "ECS09",
    "ECS48",
    "CS01a",
)
HOLD_GROUPS: Final = {
    "ECS01a": "primary-tariff",
    "ECS01b": "primary-price",
    "ECS01c": "secondary-tariff",
    "ECS01d": "secondary-price",
    "ECS02": "payment-mode",
    "ECS03": "payment-mode",
    "ECS08": "prepayment-configuration",
    "ECS08a": "prepayment-configuration",
}


class RejectedError(Exception):
    """An instruction the ESME cannot carry out."""


# --- shapes ----------------------------------------------------------------------------------

Check = Callable[[Data], None]


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise RejectedError(what)


def _octets(length: int | None = None) -> Check:
    def check(value: Data) -> None:
        _need(isinstance(value, OctetString), "an octet-string")
        assert isinstance(value, OctetString)
        _need(length is None or len(value.value) == length, f"{length} octets")

    return check


def _kind(*kinds: type[Data]) -> Check:
    def check(value: Data) -> None:
        _need(isinstance(value, kinds), " or ".join(k.__name__ for k in kinds))

    return check


def _structure(*members: Check) -> Check:
    def check(value: Data) -> None:
        _need(isinstance(value, Structure) and len(value.items) == len(members), "a structure")
        assert isinstance(value, Structure)
        for member, item in zip(members, value.items, strict=True):
            member(item)

    return check


def _array(element: Check, most: int) -> Check:
    def check(value: Data) -> None:
        _need(isinstance(value, Array) and len(value.items) <= most, f"an array of <= {most}")
        assert isinstance(value, Array)
        for item in value.items:
            element(item)

    return check


def _selectors(allowed: Iterable[int]) -> Check:
    allowed = frozenset(allowed)
    entry = _structure(_octets(4), _octets(6), _kind(LongUnsigned))

    def check(value: Data) -> None:
        _array(_structure(_kind(Unsigned), _array(entry, 48)), 16)(value)
        assert isinstance(value, Array)
        for day in value.items:
            assert isinstance(day, Structure)
            schedule = day.items[1]
            assert isinstance(schedule, Array)
            for action in schedule.items:
                assert isinstance(action, Structure)
                selector = action.items[2]
                assert isinstance(selector, LongUnsigned)
                _need(selector.value in allowed, f"script {selector.value} is not a tariff")

    return check


_SEASONS = _array(_structure(_octets(), _octets(12), _octets(1)), 4)
_WEEKS = _array(_structure(_octets(1), *(_kind(Unsigned),) * 7), 4)
_SPECIAL_DAYS = _array(_structure(_kind(LongUnsigned), _octets(5), _kind(Unsigned)), 50)
_THRESHOLDS = _array(_kind(DoubleLongUnsigned), 3)
_CHARGE = _structure(
    _structure(_kind(Integer), _kind(Integer)),
    _structure(_kind(LongUnsigned), _octets(6), _kind(Integer)),
    _array(_structure(_octets(), _kind(Long)), 80),
)
_MODE = _structure(_kind(Enum), _kind(Enum))
_CREDIT_CHARGES = _array(_structure(_octets(6), _octets(6), _kind(BitString)), 32)
_SCHEDULE = _array(
    _structure(
        _kind(LongUnsigned),
        _kind(Boolean),
        _octets(6),
        _kind(LongUnsigned),
        _octets(4),
        _kind(LongUnsigned),
        _kind(BitString),
        _kind(BitString),
        _octets(5),
        _octets(5),
    ),
    32,
)
_SPECIAL_DAYS_20 = _array(_structure(_kind(LongUnsigned), _octets(5), _kind(Unsigned)), 20)
_EXECUTION_TIMES = _array(_structure(_octets(4), _octets(5)), 1)
_LONG = _kind(DoubleLong)
_WORD = _kind(LongUnsigned)


def _mode(value: Data) -> None:
    _MODE(value)
    assert isinstance(value, Structure)
    first = value.items[0]
    assert isinstance(first, Enum)
    _need(first.value in (1, 2), "credit (1) or prepayment (2) mode")


def _not_negative(value: Data) -> None:
    _LONG(value)
    assert isinstance(value, DoubleLong)
    _need(value.value >= 0, "a value of zero or more")


@dataclass(frozen=True, slots=True)
class Activation:
    """Passive attributes an activation-time attribute makes active."""

    pairs: tuple[tuple[str, str], ...]
    convert: Callable[[Data], Data] | None = None


def _pairs(
    class_id: int, passive: str, active: str, *attributes: tuple[int, int]
) -> tuple[tuple[str, str], ...]:
    return tuple((key(class_id, passive, p), key(class_id, active, a)) for p, a in attributes)


def _calendar(secondary: bool) -> Activation:
    obis = c.CALENDAR[secondary]
    return Activation(_pairs(20, obis, obis, (7, 3), (8, 4), (9, 5)))


def _value(obis: str, target: str | None = None, attribute: int = 2) -> Activation:
    return Activation(((key(9000, obis, 4), target or key(9000, obis, attribute)),))


ACTIVATIONS: Final[dict[str, Activation]] = {
    key(20, c.CALENDAR[False], 10): _calendar(False),
    key(20, c.CALENDAR[True], 10): _calendar(True),
    key(9000, c.SPECIAL_DAYS_ACTIVATION[False], 6): Activation(
        ((key(11, c.SPECIAL_DAYS_PASSIVE[False], 2), key(11, c.SPECIAL_DAYS_ACTIVE[False], 2)),)
    ),
    key(9000, c.SPECIAL_DAYS_ACTIVATION[True], 6): Activation(
        ((key(11, c.SPECIAL_DAYS_PASSIVE[True], 2), key(11, c.SPECIAL_DAYS_ACTIVE[True], 2)),)
    ),
    key(9000, c.CURRENCY, 6): _value(c.CURRENCY),
    key(113, c.STANDING_CHARGE, 7): Activation(
        _pairs(113, c.STANDING_CHARGE, c.STANDING_CHARGE, (6, 5))
    ),
    key(113, c.PRICE_MATRIX[False], 7): Activation(
        _pairs(113, c.PRICE_MATRIX[False], c.PRICE_MATRIX[False], (6, 5))
    ),
    key(113, c.PRICE_MATRIX[True], 7): Activation(
        _pairs(113, c.PRICE_MATRIX[True], c.PRICE_MATRIX[True], (6, 5))
    ),
    key(9000, c.THRESHOLD_ACTIVATION, 6): Activation(
        tuple(
            (key(21, p, 2), key(21, a, 2))
            for p, a in zip(c.THRESHOLDS_PASSIVE, c.THRESHOLDS_ACTIVE, strict=True)
        )
    ),
    key(9000, c.DISABLEMENT_THRESHOLD, 6): Activation(
        ((key(9000, c.DISABLEMENT_THRESHOLD, 4), key(21, "0-0:16.0.1.255", 2)),),
        convert=lambda v: Array((v,)),
    ),
    key(111, c.ACCOUNT_PASSIVE, 13): Activation(
        (
            (key(111, c.ACCOUNT_PASSIVE, 2), key(111, c.ACCOUNT_ACTIVE, 2)),
            (key(111, c.ACCOUNT_PASSIVE, 11), key(111, c.ACCOUNT_ACTIVE, 11)),
        )
    ),
    key(9000, c.EMERGENCY_CREDIT_LIMIT, 6): _value(
        c.EMERGENCY_CREDIT_LIMIT, key(112, c.EMERGENCY_CREDIT, 9)
    ),
    key(9000, c.EMERGENCY_CREDIT_THRESHOLD, 6): _value(
        c.EMERGENCY_CREDIT_THRESHOLD, key(112, c.EMERGENCY_CREDIT, 10)
    ),
    key(9000, c.LOW_CREDIT_THRESHOLD, 6): _value(
        c.LOW_CREDIT_THRESHOLD, key(111, c.ACCOUNT_ACTIVE, 16)
    ),
    key(9000, c.DEBT_RECOVERY_CAP, 6): _value(c.DEBT_RECOVERY_CAP, key(111, c.ACCOUNT_ACTIVE, 18)),
    key(9000, c.DEBT_RECOVERY_CAP_PERIOD, 6): _value(
        c.DEBT_RECOVERY_CAP_PERIOD, key(111, c.ACCOUNT_ACTIVE, 19)
    ),
    key(9000, c.MAX_CREDIT_THRESHOLD, 6): _value(c.MAX_CREDIT_THRESHOLD),
    key(9000, c.MAX_METER_BALANCE, 6): _value(c.MAX_METER_BALANCE),
    key(9000, c.NON_DISABLEMENT_SPECIAL_DAYS_ACTIVATION, 6): Activation(
        (
            (
                key(11, c.NON_DISABLEMENT_SPECIAL_DAYS, 2),
                key(11, c.NON_DISABLEMENT_SPECIAL_DAYS_ACTIVE, 2),
            ),
        )
    ),
    key(9000, c.NON_DISABLEMENT_CALENDAR_ACTIVATION, 6): Activation(
        ((key(10, c.NON_DISABLEMENT_CALENDAR, 2), key(10, c.NON_DISABLEMENT_CALENDAR_ACTIVE, 2)),)
    ),
}

_PRIMARY_SCRIPTS = (*range(1, 49), *range(101, 109))
PASSIVE: Final[dict[str, Check]] = {
    key(20, c.CALENDAR[False], 7): _SEASONS,
    key(20, c.CALENDAR[False], 8): _WEEKS,
    key(20, c.CALENDAR[False], 9): _selectors(_PRIMARY_SCRIPTS),
    key(20, c.CALENDAR[True], 7): _SEASONS,
    key(20, c.CALENDAR[True], 8): _WEEKS,
    key(20, c.CALENDAR[True], 9): _selectors(range(201, 205)),
    key(11, c.SPECIAL_DAYS_PASSIVE[False], 2): _SPECIAL_DAYS,
    key(11, c.SPECIAL_DAYS_PASSIVE[True], 2): _SPECIAL_DAYS,
    **{key(21, obis, 2): _THRESHOLDS for obis in c.THRESHOLDS_PASSIVE},
    key(9000, c.CURRENCY, 4): _kind(Boolean),
    key(113, c.STANDING_CHARGE, 6): _CHARGE,
    key(113, c.PRICE_MATRIX[False], 6): _CHARGE,
    key(113, c.PRICE_MATRIX[True], 6): _CHARGE,
    key(9000, c.DISABLEMENT_THRESHOLD, 4): _LONG,
    key(111, c.ACCOUNT_PASSIVE, 2): _mode,
    key(111, c.ACCOUNT_PASSIVE, 11): _CREDIT_CHARGES,
    key(11, c.NON_DISABLEMENT_SPECIAL_DAYS, 2): _SPECIAL_DAYS_20,
    key(10, c.NON_DISABLEMENT_CALENDAR, 2): _SCHEDULE,
    key(9000, c.MAX_METER_BALANCE, 4): _not_negative,
    key(9000, c.MAX_CREDIT_THRESHOLD, 4): _not_negative,
    key(9000, c.DEBT_RECOVERY_CAP, 4): _WORD,
    key(9000, c.DEBT_RECOVERY_CAP_PERIOD, 4): _not_negative,
    key(9000, c.LOW_CREDIT_THRESHOLD, 4): _LONG,
    key(9000, c.EMERGENCY_CREDIT_LIMIT, 4): _not_negative,
    key(9000, c.EMERGENCY_CREDIT_THRESHOLD, 4): _LONG,
    key(113, c.TIME_DEBT[1], 6): _CHARGE,
    key(113, c.TIME_DEBT[2], 6): _CHARGE,
}
"""Passive attributes the ESME accepts, with the shape each must have."""

DIRECT: Final[dict[str, Check]] = {
    key(9000, c.MAX_METER_BALANCE, 2): _not_negative,
    key(113, c.PAYMENT_DEBT, 13): _kind(LongUnsigned),
    key(113, c.TIME_DEBT[1], 8): _kind(DoubleLongUnsigned),
    key(113, c.TIME_DEBT[2], 8): _kind(DoubleLongUnsigned),
    key(22, c.BLOCK_COUNTER_RESET, 4): _EXECUTION_TIMES,
}
"""Attributes set to take effect at once."""


def _key_of(descriptor: AttributeDescriptor) -> str:
    return key(descriptor.class_id, str(descriptor.instance), descriptor.attribute_id)


# --- when activations take effect -----------------------------------------------------------

_ZERO_DATE: Final = bytes(5)
_CANCEL: Final = b"\xff" * 9


def _dating(value: Data) -> str | datetime:
    """ "now", "cancel" or the instant of an activation date-time; raises RejectedError."""
    _octets(12)(value)
    assert isinstance(value, OctetString)
    raw = value.value
    if raw[:5] == _ZERO_DATE:
        return "now"
    if raw[:9] == _CANCEL:
        return "cancel"
    instant = CosemDateTime.from_bytes(raw).to_datetime()
    if instant is None:
        raise RejectedError("an activation date-time that names no instant")
    return instant


def _command_dating(request: AccessRequest) -> str | datetime | None:
    """The Command's activation dating, None if it has no activation attribute; a
    Command whose activation times disagree is carried out up to the first odd one."""
    for item in request.requests:
        if isinstance(item, Set) and _key_of(item.attribute) in ACTIVATIONS:
            try:
                return _dating(item.value)
            except RejectedError:
                return None
    return None


# --- carrying out a Command ------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    command: DeviceCommand
    context: DeviceContext
    tariffs: EsmeTariffs
    dating: str | datetime | None

    def set(self, item: Set) -> None:
        name = _key_of(item.attribute)
        if name in ACTIVATIONS:
            when = _dating(item.value)
            _need(when == self.dating, "every activation time of a Command is the same")
            if when == "now":
                activate(self.tariffs, name)
            return
        check = PASSIVE.get(name)
        if check is not None:
            check(item.value)
            self.tariffs.passive[name] = encode_data(item.value).hex()
            return
        check = DIRECT.get(name)
        if check is None:
            raise RejectedError(f"{name} is not writable")
        check(item.value)
        self.tariffs.active[name] = encode_data(item.value).hex()
        if name == key(22, c.BLOCK_COUNTER_RESET, 4):
            assert isinstance(item.value, Array)
            self.tariffs.daily_block_reset = bool(item.value.items)

    def action(self, item: Action) -> ActionResponse:
        method = item.method
        name = f"{method.class_id}/{method.instance}/{method.method_id}"
        handler = _ACTIONS.get(name)
        if handler is None:
            raise RejectedError(f"method {name} is not supported")
        return handler(self, item.parameters)


def activate(tariffs: EsmeTariffs, activation: str) -> None:
    """Copy the passive values an activation attribute governs to the active ones."""
    rule = ACTIVATIONS[activation]
    for passive, active in rule.pairs:
        raw = tariffs.passive.get(passive)
        if raw is None:
            continue
        if rule.convert is not None:
            value = rule.convert(data_from_bytes(bytes.fromhex(raw)))
            raw = encode_data(value).hex()
        tariffs.active[active] = raw


def _results(request: AccessRequest, run: _Run) -> list[Response]:
    results: list[Response] = []
    failed = False
    fault = fault_index(run.context.state, run.command.use_case, len(request.requests))
    for index, item in enumerate(request.requests):
        if failed:
            results.append(_error(item, other=True))
            continue
        try:
            _need(index != fault, "a fault was injected")
            if isinstance(item, Set):
                run.set(item)
                results.append(b.set_ok())
            elif isinstance(item, Action):
                results.append(run.action(item))
            else:
                raise RejectedError("a get in a write Command")
        except RejectedError:
            failed = True
            results.append(_error(item))
        else:
            last = results[-1]
            failed = not last.ok
    return results


def _error(item: Request, *, other: bool = False) -> Response:
    if isinstance(item, Action):
        return b.action_error(ActionResult.OTHER_REASON if other else ActionResult.HARDWARE_FAULT)
    result = DataAccessResult.OTHER_REASON if other else DataAccessResult.HARDWARE_FAULT
    return SetResult(result) if isinstance(item, Set) else b.get_error(result)


@handles(*ESME_USE_CASES)
def esme_write(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """Carry out a tariff or prepayment Command (see the module docstring)."""
    request = access_request(command)
    settle(context.state, context.now)
    tariffs = context.state.get(EsmeTariffs)
    dating = _command_dating(request)
    run = _Run(command, context, tariffs, dating)
    results = _results(request, run)
    context.state.touch()
    after_command(context)
    group = HOLD_GROUPS.get(command.use_case or "")
    if group is not None and all(r.ok for r in results):
        if isinstance(dating, datetime):
            future_dated.hold(command, context, dating, key=group)
        elif dating == "cancel":
            future_dated.cancel(context, key=group)
    return access_reply(request, results)


@future_dated.executes(*HOLD_GROUPS)
def esme_execute(command: DeviceCommand, context: DeviceContext) -> list[AlertSpec]:
    """A held Command falls due: its passive values take effect; one 8F66 per activation
    attribute (8F67 for each if the ESME can no longer carry it out)."""
    request = access_request(command)
    settle(context.state, context.now)
    tariffs = context.state.get(EsmeTariffs)
    activations = [
        item
        for item in request.requests
        if isinstance(item, Set) and _key_of(item.attribute) in ACTIVATIONS
    ]
    executed_at = activations[0].value if activations else None
    when = executed_at.value if isinstance(executed_at, OctetString) else bytes(12)
    ok = True
    try:
        for item in request.requests:
            if isinstance(item, Set) and _key_of(item.attribute) in PASSIVE:
                PASSIVE[_key_of(item.attribute)](item.value)
                tariffs.passive[_key_of(item.attribute)] = encode_data(item.value).hex()
        for item in activations:
            activate(tariffs, _key_of(item.attribute))
    except RejectedError:
        ok = False
    context.state.touch()
    # Raised here, not returned, so that what the change does to the supply follows them.
    for alert in dlms_outcome(
        context, command, when, [item.attribute for item in activations], success=ok
    ):
        context.raise_alert(alert)
    after_command(context)
    return []


# --- actions ---------------------------------------------------------------------------------

ActionHandler = Callable[[_Run, Data], ActionResponse]


def _amount(value: Data) -> int:
    _kind(DoubleLong)(value)
    assert isinstance(value, DoubleLong)
    return value.value


def _adjust_balance(run: _Run, value: Data) -> ActionResponse:
    money = run.context.state.get(Prepayment)
    change = _amount(value)
    ceiling = run.tariffs.integer(9000, c.MAX_METER_BALANCE, 2, 2**31 - 1)
    _need(money.meter_balance + change <= ceiling, "above the maximum meter balance")
    # The Meter Balance register is a double-long (GBCS ECS04a): an adjustment taking it
    # below what it can hold is refused, as one above the maximum is.
    _need(money.meter_balance + change >= -(2**31), "below the least meter balance")
    money.meter_balance += change
    return b.action_ok()


def _reset_credit(which: str) -> ActionHandler:
    def reset(run: _Run, value: Data) -> ActionResponse:
        _need(_amount(value) == 0, "credits are reset to zero")
        money = run.context.state.get(Prepayment)
        if which == c.METER_BALANCE:
            money.meter_balance = 0
        elif which == c.EMERGENCY_CREDIT:
            money.emergency_credit = 0
            money.emergency_active = False
        return b.action_ok()

    return reset


def _invoke_emergency_credit(run: _Run, value: Data) -> ActionResponse:
    _kind(Integer)(value)
    money = run.context.state.get(Prepayment)
    threshold = run.tariffs.integer(112, c.EMERGENCY_CREDIT, 10)
    if emergency_credit_available(money, threshold, run.tariffs.prepayment_mode):
        money.emergency_active = True
        money.emergency_credit = run.tariffs.integer(112, c.EMERGENCY_CREDIT, 9)
        money.note_event(EMERGENCY_CREDIT_ACTIVATED, run.context.now)
    if money.emergency_active:
        return b.action_ok()
    return b.action_error(ActionResult.OTHER_REASON)


def _activate_debt_rate(n: int) -> ActionHandler:
    def activate_rate(run: _Run, value: Data) -> ActionResponse:
        _kind(Integer)(value)
        passive = run.tariffs.passive.get(key(113, c.TIME_DEBT[n], 6))
        if passive is not None:
            run.tariffs.active[key(113, c.TIME_DEBT[n], 5)] = passive
        return b.action_ok()

    return activate_rate


def _adjust_debt(n: int | None) -> ActionHandler:
    def adjust(run: _Run, value: Data) -> ActionResponse:
        money = run.context.state.get(Prepayment)
        change = _amount(value)
        current = money.payment_debt if n is None else money.time_debt[n - 1]
        _need(current + change >= 0, "a debt cannot go below zero")
        _need(current + change < 2**31, "above what the debt register holds")  # double-long
        if n is None:
            money.payment_debt += change
        else:
            money.time_debt[n - 1] += change
        return b.action_ok()

    return adjust


def _run_script(run: _Run, value: Data) -> ActionResponse:
    _kind(LongUnsigned)(value)
    assert isinstance(value, LongUnsigned)
    _need(value.value == c.RESET_BLOCK_COUNTERS, f"script {value.value} is not supported")
    money = run.context.state.get(Prepayment)
    money.block_counters = [[0] * 4 for _ in money.block_counters]
    money.block_period_start = run.context.now
    return b.action_ok()


def _top_up(run: _Run, value: Data) -> ActionResponse:
    _octets(20)(value)
    assert isinstance(value, OctetString)
    command, context = run.command, run.context
    supplier, money = command.remote_party, context.state.get(Prepayment)
    try:
        try:
            utrn = value.value.decode("ascii")
        except UnicodeDecodeError:
            raise UtrnRefusedError(Change.UTRN_NOT_AUTHENTIC, "a UTRN is twenty digits") from None
        token = check_utrn(utrn, command.counter, supplier, context)
        max_credit = run.tariffs.integer(9000, c.MAX_CREDIT_THRESHOLD, 2, 2**31 - 1)
        if token.amount > max_credit:
            raise UtrnRefusedError(
                Change.UTRN_ABOVE_MAXIMUM_CREDIT, "the UTRN exceeds the maximum credit threshold"
            )
        try:
            debt = apply_top_up(
                money,
                token.amount,
                proportion=run.tariffs.integer(113, c.PAYMENT_DEBT, 13),
                emergency_limit=run.tariffs.integer(112, c.EMERGENCY_CREDIT, 9),
                ceiling=run.tariffs.integer(9000, c.MAX_METER_BALANCE, 2, 2**31 - 1),
                at=context.now,
            )
        except RejectedError as exc:
            raise UtrnRefusedError(Change.UTRN_ABOVE_MAXIMUM_BALANCE, str(exc)) from None
    except UtrnRefusedError as exc:
        record(context, exc.change)
        raise RejectedError(str(exc)) from None
    record_top_up(context, token.amount, debt, money.payment_debt, utrn)
    money.remember_utrn(supplier, command.counter)
    money.remember_top_up(
        {"at": context.now.isoformat(), "amount": token.amount, "utrn": utrn, "source": 0}
    )
    return b.action_ok()


class UtrnRefusedError(Exception):
    """A top-up the meter refuses, with the Security Log event GBCS gives the refusal."""

    def __init__(self, change: Change, what: str) -> None:
        super().__init__(what)
        self.change = change


UTRN_FAILURES: Final[dict[UtrnFailure, Change]] = {
    UtrnFailure.MALFORMED: Change.UTRN_NOT_AUTHENTIC,
    UtrnFailure.CHECK_DIGIT: Change.UTRN_NOT_AUTHENTIC,
    UtrnFailure.COUNTER: Change.UTRN_NOT_AUTHENTIC,
    UtrnFailure.NOT_AUTHENTIC: Change.UTRN_NOT_AUTHENTIC,
    UtrnFailure.NO_KEY: Change.UTRN_NOT_FOR_THIS_DEVICE,
}
"""GBCS alert codes for a UTRN that does not verify (GBCS 14; opendcc's reading): one that
is garbled, fails its check digit, was made for another counter or whose tag does not
match is 0x8F63 UTRN not Authentic (a UTRN made for another Device fails its tag, so it
lands here too: the meter cannot tell it from a forgery); one from a Supplier with whom
the meter shares no top-up key is 0x8F64 UTRN not for this Device."""


def check_utrn(utrn: str, counter: int, supplier: Eui64, context: DeviceContext) -> TopUpToken:
    """The top-up a UTRN carries, checked for reuse (GBCS 14.3: a counter the meter has
    seen, 0x8F51 Duplicate UTRN entered, or one older than every counter it remembers,
    which it can no longer tell from a used one, likewise) and authenticity
    (``UTRN_FAILURES``); raises ``UtrnRefusedError``. Shared by the ESME (CS01a) and the
    GSME (CS01b)."""
    money = context.state.get(Prepayment)
    if money.utrn_seen(supplier, counter):
        raise UtrnRefusedError(Change.UTRN_DUPLICATE, "the UTRN was used before")
    oldest = money.oldest_remembered(supplier)
    if oldest is not None and counter <= oldest:
        raise UtrnRefusedError(Change.UTRN_DUPLICATE, "the UTRN is older than those remembered")
    try:
        return verify(utrn, counter, supplier, context.device.device_id, context.security)
    except UtrnError as exc:
        raise UtrnRefusedError(UTRN_FAILURES[exc.reason], str(exc)) from None


def apply_top_up(
    money: Prepayment,
    amount: int,
    *,
    proportion: int,
    emergency_limit: int,
    ceiling: int,
    at: datetime,
) -> int:
    """Credit ``amount``: emergency credit in use is repaid first, the payment-based debt
    takes ``proportion`` (hundredths of a percent) of the rest, the balance the remainder;
    returns what the debt took. Raises RejectedError, changing nothing, when the balance
    would pass ``ceiling``. A top-up that clears the payment-based debt is 0x81A9 Debt
    Collection Completed - Payment Debt (GBCS alert codes), noted at ``at``."""
    repay = 0
    if money.emergency_active:
        repay = min(amount, max(emergency_limit - money.emergency_credit, 0))
    rest = amount - repay
    debt = min(money.payment_debt, rest * proportion // 10_000)
    credit = rest - debt
    _need(money.meter_balance + credit <= ceiling, "above the maximum meter balance")
    if money.emergency_active:
        money.emergency_credit += repay
        if money.emergency_credit >= emergency_limit:
            money.emergency_active = False
            money.emergency_credit = 0
    money.payment_debt -= debt
    money.accumulated_debt += debt
    money.meter_balance += credit
    if debt and money.payment_debt == 0:
        money.note_event(PAYMENT_DEBT_COLLECTED, at)
    return debt


_ACTIONS: Final[dict[str, ActionHandler]] = {
    f"112/{c.METER_BALANCE}/1": _adjust_balance,
    f"112/{c.METER_BALANCE}/2": _reset_credit(c.METER_BALANCE),
    f"112/{c.EMERGENCY_CREDIT}/2": _reset_credit(c.EMERGENCY_CREDIT),
    f"112/{c.CREDIT_2}/2": _reset_credit(c.CREDIT_2),
    f"112/{c.EMERGENCY_CREDIT}/3": _invoke_emergency_credit,
    f"113/{c.TIME_DEBT[1]}/2": _activate_debt_rate(1),
    f"113/{c.TIME_DEBT[2]}/2": _activate_debt_rate(2),
    f"113/{c.TIME_DEBT[1]}/4": _adjust_debt(1),
    f"113/{c.TIME_DEBT[2]}/4": _adjust_debt(2),
    f"113/{c.PAYMENT_DEBT}/4": _adjust_debt(None),
    f"9/{c.TARIFF_SCRIPTS}/1": _run_script,
    f"115/{c.TOKEN_GATEWAY}/1": _top_up,
}

keeps_own_anti_replay("CS01a")
