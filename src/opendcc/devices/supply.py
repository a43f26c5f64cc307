"""Simulated meters answering the supply Commands (DUIS 7.1 to 7.4).

- ECS42 / ECS43 / ECS44 (ESME, critical): the Disconnect control script the Command runs
  (51, 52, 54) becomes an enable, disable or arm event of ``supply_state``; the action
  result is success, temporary-failure when prepayment credit forbids enabling, or
  hardware-fault when the switch does not move (the reference ERROR Responses), in which
  case the ESME also raises 0x81BD Supply Connect Failure or 0x81C0 Supply Disconnect
  Failure to the Supplier.
- ECS45 (ESME): the load switch's ``control_state`` (0 Disabled, 1 Enabled, 2 Armed), or
  hardware-fault when the state cannot be sensed.
- GCS32 / GCS39 (GSME, critical): a Metering ChangeSupply to Off or Armed, answered with a
  SupplyStatusResponse (echoing provider and issuer event ids and the implementation
  time) or, when the valve does not move, a Default Response HARDWARE_FAILURE plus the
  failure alert. A GSME refuses On (the valve is never opened remotely: NOT_AUTHORIZED)
  and an implementation time in the future (INVALID_FIELD: GBCS carries a valve change
  out at once).
- GCS33 (GSME): RemainingBatteryLifeInDays and SupplyStatus (0 Off, 1 Armed, 2 On);
  SupplyStatus answers HARDWARE_FAILURE when the valve state cannot be sensed.

Anything else in a Command (an object or script these use cases do not carry) is answered
item by item with object-undefined (DLMS) or UNSUP_CLUSTER_COMMAND (ZigBee), never with
an exception. The Event Log records each Command (``device_logs``: 0x8154 carried out,
0x8155 refused, with the message code) and an arming (0x8F32, from ``supply_state``).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Final

from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply, handles
from opendcc.devices.supply_alerts import CONNECT_FAILURE, DISCONNECT_FAILURE, raise_generic
from opendcc.devices.supply_state import (
    SupplyChange,
    SupplyEvent,
    SupplyRefusal,
    SupplyState,
    apply,
    switch_of,
)
from opendcc.eui import Eui64
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    Action,
    ActionResult,
    DataAccessResult,
    Get,
    Request,
    Response,
)
from opendcc.gbcs.dlms.data import Enum, LongUnsigned
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import ClusterCommand, GbzPayload, ReadAttributes, ZclFrame, ZclStatus
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.builders import PlainValue
from opendcc.gbcs.gbz.timefmt import utc_seconds
from opendcc.transform.supply import ACKNOWLEDGE_REQUIRED, SUPPLY_ARMED, SUPPLY_OFF, SUPPLY_ON
from opendcc.transform.supply_objects import (
    CONTROL_STATE_ATTRIBUTE,
    DISCONNECT_CONTROL,
    DISCONNECT_CONTROL_CLASS,
    DISCONNECT_SCRIPT_TABLE,
    SCRIPT_TABLE_CLASS,
    ControlState,
    DisconnectScript,
    obis,
)

_SCRIPT_EVENTS: Final = {
    DisconnectScript.ENABLE: SupplyEvent.ENABLE,
    DisconnectScript.DISABLE: SupplyEvent.DISABLE,
    DisconnectScript.ARM: SupplyEvent.ARM,
}
_VALVE_EVENTS: Final = {
    SUPPLY_OFF: SupplyEvent.DISABLE,
    SUPPLY_ARMED: SupplyEvent.ARM,
    SUPPLY_ON: SupplyEvent.ENABLE,
}
CONTROL_STATES: Final = {
    SupplyState.DISABLED: ControlState.DISCONNECTED,
    SupplyState.ENABLED: ControlState.CONNECTED,
    SupplyState.ARMED: ControlState.READY_FOR_RECONNECTION,
}
SUPPLY_STATUS: Final = {
    SupplyState.DISABLED: SUPPLY_OFF,
    SupplyState.ARMED: SUPPLY_ARMED,
    SupplyState.ENABLED: SUPPLY_ON,
}
"""Smart Energy SupplyStatus of each state (GCS33, SupplyStatusResponse)."""

_SCRIPT_TABLE: Final = obis(DISCONNECT_SCRIPT_TABLE)
_SWITCH: Final = obis(DISCONNECT_CONTROL)

BATTERY_DESIGN_LIFE: Final = timedelta(days=15 * 365)
"""A GSME battery lasts the meter's design life (SMETS: 15 years); GCS33 reports what is left."""


def _access_request(command: DeviceCommand) -> AccessRequest | None:
    payload = command.payload
    if isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest):
        return payload.apdu
    return None


def _dlms_reply(request: AccessRequest, responses: list[Response]) -> DeviceReply:
    return DeviceReply(encode_dlms(b.payload(b.access_response_for(request, responses))))


def _undefined(item: Request) -> Response:
    if isinstance(item, Get):
        return b.get_error(DataAccessResult.OBJECT_UNDEFINED)
    if isinstance(item, Action):
        return b.action_error(ActionResult.OBJECT_UNDEFINED)
    return b.set_error(DataAccessResult.OBJECT_UNDEFINED)


def _failure_alert(context: DeviceContext, event: SupplyEvent, supplier: Eui64) -> None:
    code = CONNECT_FAILURE if event is SupplyEvent.ENABLE else DISCONNECT_FAILURE
    raise_generic(context, code, supplier)


# --- ESME ------------------------------------------------------------------------------------


@handles("ECS42", "ECS43", "ECS44")
def operate_load_switch(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """ECS42 / ECS43 / ECS44: run the Disconnect control script on the load switch."""
    request = _access_request(command)
    if request is None:
        return DeviceReply(b"")
    by = str(command.remote_party)
    responses: list[Response] = []
    for item in request.requests:
        event = _script_event(item)
        if event is None:
            responses.append(_undefined(item))
            continue
        outcome = apply(context, event, by=by)
        if isinstance(outcome, SupplyChange):
            responses.append(b.action_ok())
            continue
        context.not_actioned()  # GBCS 0x8155 in the Event Log
        if outcome.reason is SupplyRefusal.INSUFFICIENT_CREDIT:
            responses.append(b.action_error(ActionResult.TEMPORARY_FAILURE))
        elif outcome.reason is SupplyRefusal.ACTUATOR_FAULT:
            _failure_alert(context, event, command.remote_party)
            responses.append(b.action_error(ActionResult.HARDWARE_FAULT))
        else:
            responses.append(b.action_error(ActionResult.OTHER_REASON))
    return _dlms_reply(request, responses)


def _script_event(item: Request) -> SupplyEvent | None:
    if not isinstance(item, Action):
        return None
    method = item.method
    if (method.class_id, method.instance, method.method_id) != (
        SCRIPT_TABLE_CLASS,
        _SCRIPT_TABLE,
        1,
    ):
        return None
    if not isinstance(item.parameters, LongUnsigned):
        return None
    try:
        return _SCRIPT_EVENTS[DisconnectScript(item.parameters.value)]
    except ValueError:
        return None


@handles("ECS45")
def read_load_switch(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """ECS45: the load switch's control state."""
    request = _access_request(command)
    if request is None:
        return DeviceReply(b"")
    switch = switch_of(context.state)
    responses: list[Response] = []
    for item in request.requests:
        if not (
            isinstance(item, Get)
            and item.access is None
            and (item.attribute.class_id, item.attribute.instance, item.attribute.attribute_id)
            == (DISCONNECT_CONTROL_CLASS, _SWITCH, CONTROL_STATE_ATTRIBUTE)
        ):
            responses.append(_undefined(item))
        elif switch.sensor_fault:
            responses.append(b.get_error(DataAccessResult.HARDWARE_FAULT))
        else:
            responses.append(b.get_ok(Enum(int(CONTROL_STATES[switch.supply_state]))))
    return _dlms_reply(request, responses)


# --- GSME ------------------------------------------------------------------------------------


def _gbz(command: DeviceCommand) -> GbzPayload | None:
    payload = command.payload
    return payload if isinstance(payload, GbzPayload) else None


@handles("GCS32", "GCS39")
def operate_valve(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS32 / GCS39: Metering ChangeSupply on the valve."""
    payload = _gbz(command)
    if payload is None or any(c.frame is None for c in payload.components):
        return DeviceReply(b"")
    by = str(command.remote_party)

    def answer(cluster_id: int, frame: ZclFrame) -> ZclFrame:
        body = frame.payload
        if not (
            cluster_id == z.cluster_id("Metering")
            and isinstance(body, ClusterCommand)
            and body.name == "ChangeSupply"
        ):
            return z.default_response(cluster_id, frame, ZclStatus.UNSUP_CLUSTER_COMMAND)
        fields = body.fields
        event = _VALVE_EVENTS.get(fields.number("proposed_supply_status"))
        implementation = fields.number("implementation_date_time")
        if event is None:
            return z.default_response(cluster_id, frame, ZclStatus.INVALID_VALUE)
        if implementation != 0 and implementation > _zigbee_now(context):
            return z.default_response(cluster_id, frame, ZclStatus.INVALID_FIELD)
        outcome = apply(context, event, by=by)
        if not isinstance(outcome, SupplyChange):
            context.not_actioned()
            if outcome.reason is SupplyRefusal.ACTUATOR_FAULT:
                _failure_alert(context, event, command.remote_party)
                return z.default_response(cluster_id, frame, ZclStatus.HARDWARE_FAILURE)
            if outcome.reason is SupplyRefusal.NOT_THIS_DEVICE:
                return z.default_response(cluster_id, frame, ZclStatus.NOT_AUTHORIZED)
            return z.default_response(cluster_id, frame, ZclStatus.FAILURE)
        if not fields.number("supply_control_bits") & ACKNOWLEDGE_REQUIRED:
            return z.default_response(cluster_id, frame, ZclStatus.SUCCESS)
        return z.cluster_command(
            "Metering",
            "SupplyStatusResponse",
            tsn=frame.header.transaction_sequence_number,
            provider_id=fields.number("provider_id"),
            issuer_event_id=fields.number("issuer_event_id"),
            implementation_date_time=implementation,
            supply_status=SUPPLY_STATUS[outcome.after],
        )

    return DeviceReply(encode_gbz(z.respond(payload, answer)))


def _zigbee_now(context: DeviceContext) -> int:
    return utc_seconds(context.now)


@handles("GCS33")
def read_valve(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS33: battery life and valve status."""
    payload = _gbz(command)
    if payload is None or any(c.frame is None for c in payload.components):
        return DeviceReply(b"")
    switch = switch_of(context.state)
    status: int | ZclStatus = (
        ZclStatus.HARDWARE_FAILURE if switch.sensor_fault else SUPPLY_STATUS[switch.supply_state]
    )
    attributes: dict[int | str, PlainValue] = {
        "RemainingBatteryLifeInDays": remaining_battery_days(context),
        "SupplyStatus": status,
    }

    def answer(cluster_id: int, frame: ZclFrame) -> ZclFrame:
        if cluster_id != z.cluster_id("Metering") or not isinstance(frame.payload, ReadAttributes):
            return z.default_response(cluster_id, frame, ZclStatus.UNSUP_GENERAL_COMMAND)
        return z.answer_read("Metering", frame, attributes)

    return DeviceReply(encode_gbz(z.respond(payload, answer)))


def remaining_battery_days(context: DeviceContext) -> int:
    """Days of battery left: the design life from installation, less a few weeks' spread
    between meters (from the Device ID, so the same meter always reports the same)."""
    device = context.device
    spread = int.from_bytes(hashlib.sha256(bytes(device.device_id)).digest()[:2], "big") % 60
    left = BATTERY_DESIGN_LIFE - (context.now - device.status_since) - timedelta(days=spread)
    return max(0, min(0xFFFF, left.days))
