"""A simulated ESME answering the auxiliary load control Commands (DUIS 7.5 to 7.16).

One interpreter serves ECS38, ECS47, ECS47a, ECS47e, ECS61a, ECS61c, ECS61d, ECS61e and
ECS62, because the ESME obeys the COSEM objects a Command names (``supply_objects``), not
its message code: each get, set and action is looked up in a table of what the ESME holds
(``devices.supply_auxiliary_state``) and answered in order.

- Sets store: the controller parameters ``0-0:94.44.(116+n).k`` (a duration in minutes
  for ECS47, a date-time for ECS47a/ECS47e), Boost Function Control [n] (ECS62) and the
  Randomised Offset Limit (ECS38, 0..1799 s; other-reason above).
- The auxiliary load control script table runs ECS47 selectors (``n<<8 | action``: on or
  off for the stored duration, or indefinitely, or back to the calendar; a duration of 0
  means until the next instruction) and ECS47a selectors (``controller<<8 | level`` over
  the stored period). The APC level script table runs ECS47e: a limit over the stored
  period, answered with ECS101 (0x8F86) to the Supplier, its end reported by ECS102
  (0x8F87) when the ESME is woken then, or at once when a new limit replaces it.
- ECS47e is the Load Controller's: a Command whose originator's certificate has another
  remote-party role is refused item by item (scope-of-access-violated) and reported with
  the critical generic alert 0x8F30 Source Does not have Authority for Command.
- Gets answer from the state and the configuration: descriptions, HCALCS IDs, the
  calendar, switch output states (ECS61a), Boost Function availability, the Boost Button
  event log over the range asked (a compact array of [start, end] GBCS seconds) and the
  associations (ECS61c), the controller states as the reference's JSON text (ECS61e).

Errors follow the reference ERROR Responses: the Commands are sent break-on-error, so the
first item the ESME cannot carry out answers its reason and every later item answers
other-reason without being carried out (GBCS 7.2.10: a break-on-error access-request stops
at the first failure). The reasons, checked in this order for each item:

- object-undefined for an object the ESME does not have (or a method it has not);
- hardware-fault when the item needs Auxiliary Controller [n] and the controller has a
  hardware fault (``AuxiliaryFault.HARDWARE``), other-reason when it is not fitted
  (``AuxiliaryFault.ABSENT``); its description and HCALCS ID are the ESME's own and do not
  need it;
- type-unmatched for a value of the wrong type, other-reason for a value out of range (a
  Randomised Offset Limit above 1799 s) or a script the ESME cannot run;
- hardware-fault when the storage of the object the item reads, writes or runs has a
  fault (``AuxiliaryLoadControl.faulty_objects``, injected with
  ``supply_events.set_object_fault``). This is the only check that depends on the object
  rather than the controller, which is how the reference Devices answer: ECS38 fails
  setting the Randomised Offset Limit to a valid 900 s; ECS47e stores controller 3's APC
  limit start and fails its end (so controller 3 answers); ECS61d fails controller 3's
  description and ECS61e controller 5's HCALCS ID, both stored in the ESME.

``holds(instance)`` says whether the interpreter has an object, so that a fault is only
injected on one it has.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply, handles, on_wake
from opendcc.devices.supply_alerts import (
    SOURCE_HAS_NO_AUTHORITY,
    apc_limit_ended,
    apc_limit_processed,
    raise_generic,
)
from opendcc.devices.supply_auxiliary_state import (
    AuxiliaryControllerConfiguration,
    AuxiliaryFault,
    AuxiliaryLoadControl,
    Channel,
    ChannelState,
    Controller,
    Period,
    as_level,
    calendar_level,
    configuration,
)
from opendcc.devices.supply_parties import party, role_of
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    Action,
    ActionResult,
    DataAccessResult,
    Get,
    Request,
    Response,
    Set,
)
from opendcc.gbcs.dlms.cosem import ObisCode, SelectiveAccess
from opendcc.gbcs.dlms.data import (
    Boolean,
    CompactArray,
    Data,
    DataTag,
    DoubleLongUnsigned,
    LongUnsigned,
    OctetString,
    Structure,
    TypeDescription,
    Utf8String,
    VisibleString,
)
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import DeviceType
from opendcc.smki.identity import RemotePartyRole
from opendcc.transform.supply_objects import (
    APC_LEVEL_SCRIPT_TABLE,
    AUXILIARY_CONTROLLER_SCHEDULE,
    AUXILIARY_CONTROLLER_SPECIAL_DAYS,
    AUXILIARY_LOAD_SCRIPT_TABLE,
    BOOST_BUTTON_EVENT_LOG,
    BOOST_FUNCTION_AVAILABILITY,
    CONTROLLERS,
    DATA_CLASS,
    DISCONNECT_CONTROL_CLASS,
    EXECUTE_METHOD,
    LEVEL_MAX,
    OUTPUT_STATE_ATTRIBUTE,
    PROFILE_CLASS,
    RANDOMISED_OFFSET_LIMIT,
    RANDOMISED_OFFSET_LIMIT_MAX,
    SCHEDULE_CLASS,
    SCRIPT_TABLE_CLASS,
    SPECIAL_DAYS_CLASS,
    VALUE_ATTRIBUTE,
    AuxiliaryLoadAction,
    ControllerParameter,
    auxiliary_load_switch,
    boost_function_control,
    controller_octet,
    controller_state,
    description,
    hcalcs_id,
    obis,
    parse_auxiliary_load_script,
    parse_controller_parameter,
    parse_controller_script,
)

USE_CASES: Final = (
    "ECS38",
    "ECS47",
    "ECS47a",
    "ECS47e",
    "ECS61a",
    "ECS61c",
    "ECS61d",
    "ECS61e",
    "ECS62",
)

_BOOST_LOG_ENTRY: Final = TypeDescription(
    DataTag.STRUCTURE,
    (TypeDescription(DataTag.DOUBLE_LONG_UNSIGNED), TypeDescription(DataTag.DOUBLE_LONG_UNSIGNED)),
)


class _RefusedError(Exception):
    """An item the ESME does not carry out; ``code`` is the DLMS result to answer."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(slots=True)
class _Session:
    """One Command being carried out."""

    context: DeviceContext
    command: DeviceCommand
    section: AuxiliaryLoadControl
    config: AuxiliaryControllerConfiguration
    faulty: frozenset[ObisCode] = frozenset()
    """The objects whose storage has a hardware fault."""
    changed: bool = False
    followers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.context.now

    @property
    def by(self) -> str:
        return str(self.command.remote_party)

    def working(self, n: int) -> Controller:
        """Controller n, if it can act now."""
        controller = self.section.controller(n)
        if controller.fault == AuxiliaryFault.HARDWARE:
            raise _RefusedError(DataAccessResult.HARDWARE_FAULT)
        if controller.fault == AuxiliaryFault.ABSENT:
            raise _RefusedError(DataAccessResult.OTHER_REASON)
        return controller

    def storage(self, instance: ObisCode) -> None:
        """The item is about to read, write or run ``instance``: a faulty store cannot."""
        if instance in self.faulty:
            raise _RefusedError(DataAccessResult.HARDWARE_FAULT)

    def level(self, n: int, channel: Channel) -> int:
        kind = self.config.kinds[n - 1]
        return as_level(
            kind, self.working(n).channel(channel).level(self.now, self.calendar(n, channel))
        )

    def calendar(self, n: int, channel: Channel, at: datetime | None = None) -> int | None:
        return calendar_level(self.context.state, n, channel, self.now if at is None else at)


# --- gets --------------------------------------------------------------------------------------

Getter = Callable[[_Session, Get], Data]
_GETTERS: dict[tuple[int, ObisCode, int], Getter] = {}


def _getter(
    class_id: int, instance: str, attribute: int = VALUE_ATTRIBUTE
) -> Callable[[Getter], Getter]:
    def register(fn: Getter) -> Getter:
        _GETTERS[(class_id, obis(instance), attribute)] = fn
        return fn

    return register


def _per_controller(
    class_id: int,
    instance_of: Callable[[int], str],
    attribute: int,
    fn: Callable[[_Session, int], Data],
) -> None:
    def bound(n: int) -> Getter:
        return lambda session, _item: fn(session, n)

    for n in CONTROLLERS:
        _GETTERS[(class_id, obis(instance_of(n)), attribute)] = bound(n)


_per_controller(
    DATA_CLASS,
    description,
    VALUE_ATTRIBUTE,
    lambda s, n: VisibleString(s.config.descriptions[n - 1]),
)
_per_controller(
    DATA_CLASS, hcalcs_id, VALUE_ATTRIBUTE, lambda s, n: OctetString(s.config.hcalcs_ids[n - 1])
)
_per_controller(
    DISCONNECT_CONTROL_CLASS,
    auxiliary_load_switch,
    OUTPUT_STATE_ATTRIBUTE,
    lambda s, n: Boolean(s.level(n, Channel.OUTPUT) == LEVEL_MAX),
)
_per_controller(
    DATA_CLASS, boost_function_control, VALUE_ATTRIBUTE, lambda s, n: Boolean(s.working(n).boost)
)


def _state_text(session: _Session, n: int) -> Data:
    state = {
        "outputState": session.level(n, Channel.OUTPUT),
        "inputState": session.level(n, Channel.INPUT),
    }
    return Utf8String(json.dumps(state, separators=(", ", ": ")))


_per_controller(DATA_CLASS, controller_state, VALUE_ATTRIBUTE, _state_text)


@_getter(SPECIAL_DAYS_CLASS, AUXILIARY_CONTROLLER_SPECIAL_DAYS)
def _special_days(session: _Session, _: Get) -> Data:
    return session.config.special_days


@_getter(SCHEDULE_CLASS, AUXILIARY_CONTROLLER_SCHEDULE)
def _schedule(session: _Session, _: Get) -> Data:
    return session.config.schedule


@_getter(DATA_CLASS, BOOST_FUNCTION_AVAILABILITY)
def _boost_available(session: _Session, _: Get) -> Data:
    return Boolean(session.section.boost_available)


@_getter(DATA_CLASS, RANDOMISED_OFFSET_LIMIT)
def _offset_limit(session: _Session, _: Get) -> Data:
    return LongUnsigned(session.section.randomised_offset_limit)


@_getter(PROFILE_CLASS, BOOST_BUTTON_EVENT_LOG)
def _boost_log(session: _Session, item: Get) -> Data:
    low, high = _range(item.access)
    entries = [
        Structure((DoubleLongUnsigned(start), DoubleLongUnsigned(end)))
        for start, end in session.section.boost_log
        if low <= start <= high
    ]
    return CompactArray(_BOOST_LOG_ENTRY, tuple(entries))


def _range(access: SelectiveAccess | None) -> tuple[int, int]:
    """The [from, to] GBCS seconds of a range descriptor (the whole log without one)."""
    if access is None:
        return 0, 0xFFFFFFFF
    parameters = access.parameters
    if not (
        access.selector == 1
        and isinstance(parameters, Structure)
        and len(parameters.items) == 4
        and isinstance(parameters.items[1], DoubleLongUnsigned)
        and isinstance(parameters.items[2], DoubleLongUnsigned)
    ):
        raise _RefusedError(DataAccessResult.OTHER_REASON)
    return parameters.items[1].value, parameters.items[2].value


# --- sets --------------------------------------------------------------------------------------


def _set(session: _Session, item: Set) -> None:
    attribute = item.attribute
    if (attribute.class_id, attribute.attribute_id) != (DATA_CLASS, VALUE_ATTRIBUTE):
        raise _RefusedError(DataAccessResult.OBJECT_UNDEFINED)
    instance, value = attribute.instance, item.value
    if instance == _OFFSET_LIMIT:
        if not isinstance(value, LongUnsigned):
            raise _RefusedError(DataAccessResult.TYPE_UNMATCHED)
        if value.value > RANDOMISED_OFFSET_LIMIT_MAX:
            raise _RefusedError(DataAccessResult.OTHER_REASON)
        session.storage(instance)
        session.section.randomised_offset_limit = value.value
        session.section.record(
            session.now, 0, f"randomised offset limit {value.value} s", session.by
        )
        return
    boost = _BOOST_CONTROLS.get(instance)
    if boost is not None:
        if not isinstance(value, Boolean):
            raise _RefusedError(DataAccessResult.TYPE_UNMATCHED)
        controller = session.working(boost)
        session.storage(instance)
        controller.boost = value.value
        session.section.record(
            session.now, boost, f"boost {'on' if value.value else 'off'}", session.by
        )
        return
    parameter = parse_controller_parameter(instance)
    if parameter is None:
        raise _RefusedError(DataAccessResult.OBJECT_UNDEFINED)
    n, k = parameter
    controller = session.working(n)
    stored: int | str
    if isinstance(value, LongUnsigned):
        stored = value.value
    elif isinstance(value, OctetString):
        stored = _date_time(value).isoformat()
    else:
        raise _RefusedError(DataAccessResult.TYPE_UNMATCHED)
    session.storage(instance)
    controller.parameters[str(k)] = stored


def _date_time(value: OctetString) -> datetime:
    try:
        moment = CosemDateTime.from_bytes(value.value).to_datetime()
    except (GbcsDecodeError, ValueError, OverflowError):
        moment = None
    if moment is None:
        raise _RefusedError(DataAccessResult.TYPE_UNMATCHED)
    return moment


_OFFSET_LIMIT: Final = obis(RANDOMISED_OFFSET_LIMIT)
_BOOST_CONTROLS: Final = {obis(boost_function_control(n)): n for n in CONTROLLERS}


# --- actions -----------------------------------------------------------------------------------

_AUXILIARY_TABLE: Final = obis(AUXILIARY_LOAD_SCRIPT_TABLE)
_APC_TABLE: Final = obis(APC_LEVEL_SCRIPT_TABLE)
_SWITCHING: Final = {
    AuxiliaryLoadAction.ACTIVATE: (LEVEL_MAX, None),
    AuxiliaryLoadAction.DEACTIVATE: (0, None),
    AuxiliaryLoadAction.ACTIVATE_FOR_DURATION: (LEVEL_MAX, ControllerParameter.ACTIVATION_DURATION),
    AuxiliaryLoadAction.DEACTIVATE_FOR_DURATION: (0, ControllerParameter.DEACTIVATION_DURATION),
}


def _action(session: _Session, item: Action) -> None:
    method = item.method
    if (method.class_id, method.method_id) != (SCRIPT_TABLE_CLASS, EXECUTE_METHOD):
        raise _RefusedError(ActionResult.OBJECT_UNDEFINED)
    if not isinstance(item.parameters, LongUnsigned):
        raise _RefusedError(ActionResult.TYPE_UNMATCHED)
    selector = item.parameters.value
    if method.instance == _AUXILIARY_TABLE:
        switching = parse_auxiliary_load_script(selector)
        if switching is not None:
            _run(session, method.instance, switching[0])
            _switch(session, *switching)
            return
        controlled = parse_controller_script(selector)
        if controlled is None:
            raise _RefusedError(ActionResult.OTHER_REASON)
        _run(session, method.instance, controlled[0])
        _set_state(session, *controlled)
        return
    if method.instance == _APC_TABLE:
        controlled = parse_controller_script(selector)
        if controlled is None:
            raise _RefusedError(ActionResult.OTHER_REASON)
        _run(session, method.instance, controlled[0])
        _limit(session, *controlled)
        return
    raise _RefusedError(ActionResult.OBJECT_UNDEFINED)


def _run(session: _Session, table: ObisCode, n: int) -> None:
    """A script of ``table`` for controller ``n`` is about to run: the controller must
    answer, then the table's store be readable."""
    session.working(n)
    session.storage(table)


def _switch(session: _Session, n: int, action: AuxiliaryLoadAction) -> None:
    """ECS47: on or off (for the stored duration), or back to the calendar."""
    controller = session.working(n)
    channel = controller.channel(Channel.OUTPUT)
    if action is AuxiliaryLoadAction.RESET:
        channel.command = None
        session.section.record(session.now, n, "reset to calendar", session.by)
        return
    level, duration_k = _SWITCHING[action]
    end = None
    if duration_k is not None:
        minutes = controller.parameters.get(str(int(duration_k)))
        if not isinstance(minutes, int):
            raise _RefusedError(ActionResult.OTHER_REASON)
        end = session.now + timedelta(minutes=minutes) if minutes else None
    channel.command = Period(level, session.now, end, session.by)
    session.section.record(session.now, n, f"{'on' if level else 'off'} until {end}", session.by)


def _stored_period(controller: Controller, start_k: int, end_k: int) -> tuple[datetime, datetime]:
    start, end = controller.parameters.get(str(start_k)), controller.parameters.get(str(end_k))
    if not isinstance(start, str) or not isinstance(end, str):
        raise _RefusedError(ActionResult.OTHER_REASON)
    period = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if period[1] <= period[0]:
        raise _RefusedError(ActionResult.OTHER_REASON)
    return period


def _set_state(session: _Session, n: int, input_from_load: bool, level: int) -> None:
    """ECS47a: the commanded level over the stored period."""
    controller = session.working(n)
    start, end = _stored_period(
        controller, ControllerParameter.PERIOD_START, ControllerParameter.PERIOD_END
    )
    channel = Channel.INPUT if input_from_load else Channel.OUTPUT
    kind = session.config.kinds[n - 1]
    controller.channel(channel).command = Period(as_level(kind, level), start, end, session.by)
    session.section.record(session.now, n, f"{channel.value} {level}% {start} to {end}", session.by)


def _limit(session: _Session, n: int, input_from_load: bool, level: int) -> None:
    """ECS47e: cap the level over the stored period; ECS101 now, ECS102 at its end."""
    controller = session.working(n)
    start, end = _stored_period(
        controller, ControllerParameter.APC_LIMIT_START, ControllerParameter.APC_LIMIT_END
    )
    which = Channel.INPUT if input_from_load else Channel.OUTPUT
    channel = controller.channel(which)
    previous = channel.limit
    context, octet = session.context, controller_octet(n, input_from_load)
    supplier = party(context, RemotePartyRole.SUPPLIER)
    kind = session.config.kinds[n - 1]
    if previous is not None and previous.active(session.now) and supplier is not None:
        # A new limit cancels the one in force: ECS102 with the level without it.
        cancelled = as_level(kind, channel.commanded(session.now, session.calendar(n, which)))
        session.followers.append(
            lambda: context.raise_alert(apc_limit_ended(context, octet, cancelled, supplier))
        )
    channel.limit = Period(level, start, end, session.by)
    channel.limit_reported = False
    session.section.record(
        session.now, n, f"APC {which.value} limit {level}% {start} to {end}", session.by
    )
    at = max(start, session.now)
    resulting = as_level(kind, channel.level(at, session.calendar(n, which, at)))
    if supplier is not None:
        session.followers.append(
            lambda: context.raise_alert(
                apc_limit_processed(context, octet, start, end, resulting, supplier)
            )
        )
    context.wake_at(end)


# --- the handler -------------------------------------------------------------------------------


def _access_request(command: DeviceCommand) -> AccessRequest | None:
    payload = command.payload
    if isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest):
        return payload.apdu
    return None


def _refused(item: Request, code: int) -> Response:
    if isinstance(item, Get):
        return b.get_error(DataAccessResult(code))
    if isinstance(item, Set):
        return b.set_error(DataAccessResult(code))
    return b.action_error(ActionResult(code))


def _carry_out(session: _Session, item: Request) -> Response:
    if isinstance(item, Get):
        getter = _GETTERS.get(
            (item.attribute.class_id, item.attribute.instance, item.attribute.attribute_id)
        )
        if getter is None:
            raise _RefusedError(DataAccessResult.OBJECT_UNDEFINED)
        value = getter(session, item)
        session.storage(item.attribute.instance)
        return b.get_ok(value)
    session.changed = True
    if isinstance(item, Set):
        _set(session, item)
        return b.set_ok()
    _action(session, item)
    return b.action_ok()


@handles(*USE_CASES)
def auxiliary_load_control(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = _access_request(command)
    if request is None:
        return DeviceReply(b"")
    if command.use_case == "ECS47e" and not _from_load_controller(command, context):
        raise_generic(context, SOURCE_HAS_NO_AUTHORITY, command.remote_party)
        denied = [
            _refused(item, DataAccessResult.SCOPE_OF_ACCESS_VIOLATED) for item in request.requests
        ]
        return DeviceReply(encode_dlms(b.payload(b.access_response_for(request, denied))))
    section = context.state.get(AuxiliaryLoadControl)
    session = _Session(
        context,
        command,
        section,
        configuration(context.state),
        _faulty(section),
    )
    responses: list[Response] = []
    failed = False
    for item in request.requests:
        if failed:
            responses.append(_refused(item, DataAccessResult.OTHER_REASON))
            continue
        try:
            responses.append(_carry_out(session, item))
        except _RefusedError as refusal:
            failed = True
            responses.append(_refused(item, refusal.code))
    if session.changed:
        context.state.touch()
    for follow in session.followers:
        follow()
    return DeviceReply(encode_dlms(b.payload(b.access_response_for(request, responses))))


def _faulty(section: AuxiliaryLoadControl) -> frozenset[ObisCode]:
    """The objects with a faulty store (stored state naming no OBIS code fails nothing)."""
    codes = set()
    for text in section.faulty_objects:
        try:
            codes.add(obis(text))
        except ValueError:
            continue
    return frozenset(codes)


def _from_load_controller(command: DeviceCommand, context: DeviceContext) -> bool:
    """Whether the originator may limit an APC: a Load Controller, or a party whose role
    the keystore cannot tell (the simulator has already checked its signature)."""
    role = role_of(context, command.remote_party)
    return role is None or role is RemotePartyRole.LOAD_CONTROLLER


def holds(instance: str) -> bool:
    """Whether the ESME has object ``instance`` (an OBIS code) among those this interpreter
    reads, writes or runs."""
    try:
        code = obis(instance)
    except (GbcsDecodeError, ValueError):
        return False
    return (
        any(key[1] == code for key in _GETTERS)
        or code in (_OFFSET_LIMIT, _AUXILIARY_TABLE, _APC_TABLE)
        or parse_controller_parameter(code) is not None
    )


# --- waking ------------------------------------------------------------------------------------


@on_wake
def report_ended_limits(context: DeviceContext) -> None:
    """ECS102 for every APC limit that has ended; wake again for the next end."""
    if context.device.device_type is not DeviceType.ESME or not context.state.has(
        AuxiliaryLoadControl
    ):
        return
    section = context.state.get(AuxiliaryLoadControl)
    upcoming: list[datetime] = []
    ended: list[tuple[Controller, Channel, ChannelState]] = []
    for controller in section.controllers:
        for which in Channel:
            channel = controller.channel(which)
            limit = channel.limit
            if limit is None or channel.limit_reported or limit.end is None:
                continue
            if limit.end > context.now:
                upcoming.append(limit.end)
            else:
                ended.append((controller, which, channel))
    if ended:
        supplier = party(context, RemotePartyRole.SUPPLIER)
        kinds = configuration(context.state).kinds
        for controller, which, channel in ended:
            channel.limit_reported = True
            if supplier is not None:
                calendar = calendar_level(context.state, controller.n, which, context.now)
                level = as_level(kinds[controller.n - 1], channel.level(context.now, calendar))
                octet = controller_octet(controller.n, which is Channel.INPUT)
                context.raise_alert(apc_limit_ended(context, octet, level, supplier))
        context.state.touch()
    if upcoming:
        context.wake_at(min(upcoming))
