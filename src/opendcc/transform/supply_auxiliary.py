"""Transforms of the auxiliary load control Service Requests (DUIS 7.5 to 7.16), all DLMS.

- 7.5 Activate Auxiliary Load: ECS47 (0x0055), set controller n's activation duration,
  run script ``n<<8 | 0x11``.
- 7.6 Deactivate Auxiliary Load: ECS47, set its deactivation duration, run ``n<<8 | 0x12``.
- 7.7 Read Auxiliary Load Switch Data: ECS61a (0x00BB), the descriptions, HCALCS IDs,
  calendar and switch output states.
- 7.8 Reset Auxiliary Load: ECS47, run ``n<<8 | 0x20`` (back to the calendar).
- 7.9 / 7.10 Add / Remove Auxiliary Load To / From Boost Button: ECS62 (0x005F), set Boost
  Function Control [n] true / false for each controller named.
- 7.11 Read Boost Button Details: ECS61c (0x005E), availability, the Boost Button event log
  over a period, the five associations.
- 7.12 Set Randomised Offset Limit: ECS38 (0x004B), the limit in seconds.
- 7.13 Set Auxiliary Controller State: ECS47a (0x011E), set the period, run
  ``controller<<8 | level``.
- 7.14 Read Auxiliary Controller Configuration Data: ECS61d (0x011C), descriptions, calendar.
- 7.15 Read Auxiliary Controller Operational Data: ECS61e (0x011D), HCALCS IDs and states.
- 7.16 Limit APC Level: ECS47e (0x011F), set the APC limit period, run the APC level script.

The COSEM objects and selector formulas are in ``supply_objects``. Critical variants (7.5,
7.6, 7.8, 7.12, 7.13, 7.16) become Pre-Commands; the reads and 7.9/7.10 are MACed
Commands. 7.7, 7.9, 7.10, 7.11, 7.14 and 7.15 may be future-dated on the DSP pattern only
(the DCC holds the request), so the Command is the same whenever it is sent.

The reads 7.7, 7.11, 7.14 and 7.15 are open to the Other User role (DUIS 5.4 eligible User
Roles), which no ESME holds a trust anchor for: the DCC's Access Control Broker then
originates the Command with the User as supplementary remote party and its own originator
counter in the invoke id (GBCS "Unknown Remote Party" Commands, as ``config_common.spec``
and ``reads_common.originate`` do; the reference ECS61d Command shows it).

7.9 / 7.10: the body lists all five controllers with a boolean; ``true`` names a
controller to add (remove), ``false`` leaves it as it is. The Command sets only the named
controllers, so a removal can never re-add one (the reference Commands name all five).

7.13 to 7.15 may name an HCALCS: the HCALCS is Auxiliary Controller [n] of the ESME it is
paired with (ECS61a/ECS61e report its ID against n), and GBCS has no Remote Party use case
addressed to an HCALCS, so the Command goes to that ESME (the inventory's parent).

7.16 Limit APC Level has no eligible User Role in the DUIS matrix ("DCC only") yet the
reference request comes from 90-B3-D5-1F-30-01-00-08: that is a Load Controller (its
Organisation Certificates carry remote-party role 08), a Remote Party that is not a DUIS
User Role. The ESME obeys ECS47e only from the Load Controller whose key sits in its Load
Controller trust anchor (placed there by CS02g), so no User Role may originate it and the
DCC carries it for the Load Controller. This transform takes the originator as given; the
hub decides who may send it, the simulated ESME checks the role (``devices.supply_auxiliary``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Final

from lxml import etree

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request
from opendcc.gbcs.dlms.data import Boolean, Data, LongUnsigned
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform.config_common import originator_counter, via_access_control_broker
from opendcc.transform.registry import (
    CommandSpec,
    DccOrigination,
    TransformInput,
    TransformRefusal,
    transforms,
)
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
    REFUSAL,
    SCHEDULE_CLASS,
    SCRIPT_TABLE_CLASS,
    SPECIAL_DAYS_CLASS,
    VALUE_ATTRIBUTE,
    AuxiliaryLoadAction,
    ControllerParameter,
    auxiliary_load_script,
    auxiliary_load_switch,
    boost_function_control,
    controller_parameter,
    controller_script,
    controller_state,
    description,
    hcalcs_id,
)
from opendcc.transform.supply_prebuilt import FixedRequest

ECS38: Final = 0x004B
ECS47: Final = 0x0055
ECS47A: Final = 0x011E
ECS47E: Final = 0x011F
ECS61A: Final = 0x00BB
ECS61C: Final = 0x005E
ECS61D: Final = 0x011C
ECS61E: Final = 0x011D
ECS62: Final = 0x005F

Build = Callable[[TransformInput], list[Request]]
GBCS_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)


def _dlms(
    request: TransformInput, use_case: str, code: int, build: Build, *, read: bool = False
) -> CommandSpec | TransformRefusal:
    """The access-request ``build`` makes; a ``read`` may come from the ACB (``_read``)."""
    counter = originator_counter(request) if read else request.counter
    try:
        requests = build(request)
        apdu = b.access_request(counter, requests)
        payload = encode_dlms(b.payload(apdu))
    except x.BodyValueError as exc:
        return TransformRefusal(REFUSAL, str(exc))
    except GbcsEncodeError as exc:
        return TransformRefusal(REFUSAL, f"a value cannot be carried in the Command: {exc}")
    if read:
        return _read(request, use_case, code, payload)
    return CommandSpec(use_case, code, request.target, payload)


def _read(request: TransformInput, use_case: str, code: int, payload: bytes) -> CommandSpec:
    """A read's ``CommandSpec``: from the User, or from the ACB on an Other User's behalf
    (module docstring); ``payload`` must carry ``originator_counter(request)``."""
    if not via_access_control_broker(request):
        return CommandSpec(use_case, code, request.target, payload)
    return CommandSpec(
        use_case,
        code,
        request.target,
        payload,
        supplementary_remote_party=request.originator,
        supplementary_remote_party_counter=request.counter,
        dcc_origination=DccOrigination(DCC_ACCESS_CONTROL_BROKER, originator_counter(request)),
    )


def _index(element: etree._Element, attribute: str = "index") -> int:
    raw = (element.get(attribute) or "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise x.BodyValueError(f"{element.tag} has no valid {attribute}: {raw!r}") from None
    if value not in CONTROLLERS:
        raise x.BodyValueError(f"{attribute} {value} is outside 1..5")
    return value


def _execute(table: str, selector: int) -> Request:
    return b.action(SCRIPT_TABLE_CLASS, table, EXECUTE_METHOD, LongUnsigned(selector))


def _set_value(obis: str, value: Data) -> Request:
    return b.set_(DATA_CLASS, obis, VALUE_ATTRIBUTE, value)


def _get_value(obis: str) -> Request:
    return b.get(DATA_CLASS, obis, VALUE_ATTRIBUTE)


def _utc(body: etree._Element, name: str) -> datetime:
    value = x.timestamp(body, name)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise x.BodyValueError(f"{name} {value.isoformat()} has no UTC equivalent") from None


def _period(body: etree._Element) -> tuple[datetime, datetime]:
    start, end = _utc(body, "StartDateTime"), _utc(body, "EndDateTime")
    if end < start:
        raise x.BodyValueError(f"EndDateTime {end.isoformat()} is before StartDateTime")
    return start, end


def _log_period(body: etree._Element) -> tuple[datetime, datetime]:
    """A log read's period, which GBCS carries as UTC seconds since 2000 in 32 bits."""
    start, end = _period(body)
    for moment in (start, end):
        if not GBCS_EPOCH <= moment <= GBCS_EPOCH + timedelta(seconds=0xFFFFFFFF):
            raise x.BodyValueError(f"{moment.isoformat()} is outside GBCS UTC time (2000-2136)")
    return start, end


# --- 7.5, 7.6, 7.8: ECS47 ---------------------------------------------------------------------

_SWITCH_ACTIONS: Final = {
    "7.5": ("ActivateALCSHCALCS", AuxiliaryLoadAction.ACTIVATE_FOR_DURATION),
    "7.6": ("DeactivateALCSHCALCS", AuxiliaryLoadAction.DEACTIVATE_FOR_DURATION),
}
_DURATION_PARAMETER: Final = {
    AuxiliaryLoadAction.ACTIVATE_FOR_DURATION: ControllerParameter.ACTIVATION_DURATION,
    AuxiliaryLoadAction.DEACTIVATE_FOR_DURATION: ControllerParameter.DEACTIVATION_DURATION,
}


@transforms("7.5", DeviceType.ESME)
@transforms("7.6", DeviceType.ESME)
def switch_auxiliary_load(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.5 / 7.6: GBCS ECS47, switch ALCS or HCALCS [index] on (off) for ``Duration``
    minutes, after which the auxiliary controller calendar resumes."""

    def build(req: TransformInput) -> list[Request]:
        name, action = _SWITCH_ACTIONS[req.variant]
        item = x.require(req.body, name)
        n = _index(item)
        duration = x.integer(item, "Duration", low=0, high=0xFFFF)
        parameter = controller_parameter(n, _DURATION_PARAMETER[action])
        return [
            _set_value(parameter, LongUnsigned(duration)),
            _execute(AUXILIARY_LOAD_SCRIPT_TABLE, auxiliary_load_script(n, action)),
        ]

    return _dlms(request, "ECS47", ECS47, build)


@transforms("7.8", DeviceType.ESME)
def reset_auxiliary_load(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.8: GBCS ECS47, return ALCS or HCALCS [index] to its calendar."""

    def build(req: TransformInput) -> list[Request]:
        n = _index(x.require(req.body, "ResetALCSHCALCS"))
        return [
            _execute(
                AUXILIARY_LOAD_SCRIPT_TABLE, auxiliary_load_script(n, AuxiliaryLoadAction.RESET)
            )
        ]

    return _dlms(request, "ECS47", ECS47, build)


# --- 7.9, 7.10: ECS62 -------------------------------------------------------------------------

_BOOST_CHANGES: Final = {
    "7.9": ("AddToBoostButton", True),
    "7.10": ("RemoveFromBoostButton", False),
}


@transforms("7.9", DeviceType.ESME)
@transforms("7.10", DeviceType.ESME)
def associate_boost_button(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.9 / 7.10: GBCS ECS62, set Boost Function Control [n] for the controllers named."""

    def build(req: TransformInput) -> list[Request]:
        name, value = _BOOST_CHANGES[req.variant]
        named: dict[int, bool] = {}
        for item in x.children(req.body, name):
            n = _index(item)
            if n in named:
                raise x.BodyValueError(f"{name} index {n} appears twice")
            named[n] = x.boolean(item)
        chosen = sorted(n for n, flag in named.items() if flag)
        if not chosen:
            raise x.BodyValueError(f"no {name} is true: nothing to change")
        return [_set_value(boost_function_control(n), Boolean(value)) for n in chosen]

    return _dlms(request, "ECS62", ECS62, build)


# --- 7.12: ECS38 ------------------------------------------------------------------------------


@transforms("7.12", DeviceType.ESME)
def set_randomised_offset_limit(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.12: GBCS ECS38, set the Randomised Offset Limit (seconds, 0..1799)."""

    def build(req: TransformInput) -> list[Request]:
        limit = x.integer(
            req.body, "RandomisedOffsetLimit", low=0, high=RANDOMISED_OFFSET_LIMIT_MAX
        )
        return [_set_value(RANDOMISED_OFFSET_LIMIT, LongUnsigned(limit))]

    return _dlms(request, "ECS38", ECS38, build)


# --- 7.13, 7.16: ECS47a, ECS47e ---------------------------------------------------------------


def _controller_command(req: TransformInput, start_k: int, end_k: int, table: str) -> list[Request]:
    n = _index(req.body, "auxiliaryControllerN")
    start, end = _period(req.body)
    level = x.integer(req.body, "CommandedStateLevel", low=0, high=LEVEL_MAX)
    input_from_load = x.child(req.body, "InputFromControlledLoad") is not None
    return [
        _set_value(controller_parameter(n, start_k), b.date_time(start)),
        _set_value(controller_parameter(n, end_k), b.date_time(end)),
        _execute(table, controller_script(n, input_from_load, level)),
    ]


def _to_esme(
    request: TransformInput, spec: CommandSpec | TransformRefusal
) -> CommandSpec | TransformRefusal:
    """Address an HCALCS's request to the ESME it is Auxiliary Controller [n] of."""
    if isinstance(spec, TransformRefusal) or request.device.device_type is not DeviceType.HCALCS:
        return spec
    parent = request.device.parent_id
    if parent is None:
        return TransformRefusal(REFUSAL, "the HCALCS is not paired with an ESME")
    if request.inventory is not None:
        esme = request.inventory.get_device(parent)
        if esme is None or esme.device_type is not DeviceType.ESME:
            return TransformRefusal(REFUSAL, f"the HCALCS's parent {parent} is not a known ESME")
    return replace(spec, recipient=parent)


@transforms("7.13", DeviceType.ESME, DeviceType.HCALCS)
def set_auxiliary_controller_state(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.13: GBCS ECS47a, command Auxiliary Controller [n] to a level (an APC takes it as a
    percentage; an ALCS or HCALCS is on at 100 and off otherwise) between two times."""

    def build(req: TransformInput) -> list[Request]:
        return _controller_command(
            req,
            ControllerParameter.PERIOD_START,
            ControllerParameter.PERIOD_END,
            AUXILIARY_LOAD_SCRIPT_TABLE,
        )

    return _to_esme(request, _dlms(request, "ECS47a", ECS47A, build))


@transforms("7.16", DeviceType.ESME)
def limit_apc_level(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.16: GBCS ECS47e, cap APC [n]'s level between two times (the Load Controller's
    instruction; the ESME reports it with ECS101 and its end with ECS102)."""

    def build(req: TransformInput) -> list[Request]:
        return _controller_command(
            req,
            ControllerParameter.APC_LIMIT_START,
            ControllerParameter.APC_LIMIT_END,
            APC_LEVEL_SCRIPT_TABLE,
        )

    return _dlms(request, "ECS47e", ECS47E, build)


# --- reads: 7.7, 7.11, 7.14, 7.15 -------------------------------------------------------------

_DESCRIPTIONS: Final = [_get_value(description(n)) for n in CONTROLLERS]
_HCALCS_IDS: Final = [_get_value(hcalcs_id(n)) for n in CONTROLLERS]
_CALENDAR: Final = [
    b.get(SPECIAL_DAYS_CLASS, AUXILIARY_CONTROLLER_SPECIAL_DAYS, VALUE_ATTRIBUTE),
    b.get(SCHEDULE_CLASS, AUXILIARY_CONTROLLER_SCHEDULE, VALUE_ATTRIBUTE),
]
_SWITCH_STATES: Final = [
    b.get(DISCONNECT_CONTROL_CLASS, auxiliary_load_switch(n), OUTPUT_STATE_ATTRIBUTE)
    for n in CONTROLLERS
]
_ECS61A: Final = FixedRequest([*_DESCRIPTIONS, *_HCALCS_IDS, *_CALENDAR, *_SWITCH_STATES])
_ECS61D: Final = FixedRequest([*_DESCRIPTIONS, *_CALENDAR])
_ECS61E: Final = FixedRequest(
    [*_HCALCS_IDS, *(_get_value(controller_state(n)) for n in CONTROLLERS)]
)
_BOOST_CONTROLS: Final = [_get_value(boost_function_control(n)) for n in CONTROLLERS]
_BOOST_AVAILABILITY: Final = _get_value(BOOST_FUNCTION_AVAILABILITY)


@transforms("7.7", DeviceType.ESME)
def read_auxiliary_load_switch_data(request: TransformInput) -> CommandSpec:
    """7.7: GBCS ECS61a, the descriptions, HCALCS IDs, calendar (special days and schedule)
    and the output state of the five auxiliary load control switches."""
    return _read(request, "ECS61a", ECS61A, _ECS61A.encode(originator_counter(request)))


@transforms("7.11", DeviceType.ESME)
def read_boost_button_details(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.11: GBCS ECS61c, Boost Function availability, the Boost Button event log over the
    ``ReadLogPeriod`` (a range read on GBCS UTC seconds) and the five associations."""

    def build(req: TransformInput) -> list[Request]:
        start, end = _log_period(x.require(req.body, "ReadLogPeriod"))
        log = b.get(
            PROFILE_CLASS, BOOST_BUTTON_EVENT_LOG, VALUE_ATTRIBUTE, access=b.time_range(start, end)
        )
        return [_BOOST_AVAILABILITY, log, *_BOOST_CONTROLS]

    return _dlms(request, "ECS61c", ECS61C, build, read=True)


@transforms("7.14", DeviceType.ESME, DeviceType.HCALCS)
def read_auxiliary_controller_configuration(
    request: TransformInput,
) -> CommandSpec | TransformRefusal:
    """7.14: GBCS ECS61d, the five descriptions and the auxiliary controller calendar."""
    spec = _read(request, "ECS61d", ECS61D, _ECS61D.encode(originator_counter(request)))
    return _to_esme(request, spec)


@transforms("7.15", DeviceType.ESME, DeviceType.HCALCS)
def read_auxiliary_controller_operational_data(
    request: TransformInput,
) -> CommandSpec | TransformRefusal:
    """7.15: GBCS ECS61e, the five HCALCS IDs and the five controller states."""
    spec = _read(request, "ECS61e", ECS61E, _ECS61E.encode(originator_counter(request)))
    return _to_esme(request, spec)
