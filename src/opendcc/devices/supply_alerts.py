"""The Alerts of the supply family, built in the reference data's formats.

Each function returns an ``AlertSpec`` (message code, payload, recipient) for the
simulator to wrap in a GBCS Alert (``DeviceSimulator`` signs the critical ones and MACs
the rest). The layouts are those of the RTDS Alert vectors:

- Generic alerts carry an alert code and its time and nothing else: message code 0x1000
  (GCA, critical) or 0x1001 (GNCA, non-critical). A DLMS meter (ESME) and the CHF send a
  data-notification ``structure {alert code, date-time}`` (``GCA-DLMS``, ``GNCA-DLMS``); a
  ZigBee device (GSME, GPF) a GBZ alert header (code, UTC time) with no component
  (``GCA-ZigBee``, ``GNCA-ZigBee``). The supply-state alerts (0x8F32 Supply Armed,
  0x8F33/0x8F34 load limit, 0x8168, 0x81BD-0x81C0, 0x8F0F, 0x8F83) and the tamper alerts
  (0x8F3F, 0x8F73-0x8F78, 0x81C3) travel this way.
- ECS80 (0x0067, critical) Supply Outage Restored: ``{0x8F35..0x8F3C, date-time,
  interruption date-time, restoration date-time}``, sent to the Network Operator.
- ECS100 (0x0120) Command not supported by Device: ``{0x8F85, date-time, message code of
  the Command (2 octets) || its originator counter (8 octets)}``, to the DCC (the Access
  Control Broker) with the Command's originator as supplementary remote party.
- ECS101 (0x0121) Limit APC Level Command processed: ``{0x8F86, date-time, controller
  octet, limit start, limit end, resulting level}``; ECS102 (0x0122) Limit APC Level ended
  or cancelled: ``{0x8F87, date-time, controller octet, resulting level}``; ECS200
  (0x0123) Operational Update: ``{0x8F88, date-time, state text}`` with the Load
  Controller as supplementary remote party.

Which generic alerts are critical: the reference data shows 0x8F30 (Source does not have
Authority for Command) as a critical GCA and 0x810E as a non-critical GNCA; GBCS marks
the command-rejection alerts critical. Every other code this family raises goes as GNCA.

A DLMS Alert's invoke id is its originator counter (as in every reference Alert). The
simulator numbers a Device's Alerts when it builds them, so a DLMS payload made here
carries the counter the Alert will get if it is built with the Device's other Alerts, in
the order raised, by ``DeviceSimulator.process``, ``wake`` or ``emit``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Final

from opendcc.devices.simulator import AlertCounter, AlertSpec, DeviceContext
from opendcc.eui import Eui64
from opendcc.gbcs.alert_codes import lookup as lookup_alert
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import Data, Unsigned, Utf8String
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.timefmt import utc_seconds
from opendcc.inventory.model import DeviceType

GCA: Final = 0x1000
GNCA: Final = 0x1001
ECS80: Final = 0x0067
ECS101: Final = 0x0121
ECS102: Final = 0x0122
ECS200: Final = 0x0123
ECS100: Final = 0x0120

SOURCE_HAS_NO_AUTHORITY: Final = 0x8F30
SUPPLY_ARMED: Final = 0x8F32
LOAD_LIMIT_ARMED: Final = 0x8F33
LOAD_LIMIT_RESTORED: Final = 0x8F34
CREDIT_BELOW_DISABLEMENT_THRESHOLD: Final = 0x8F0F
DISABLEMENT_SUSPENDED: Final = 0x8F83
EMERGENCY_CREDIT_ARMED: Final = 0x8168
CONNECT_FAILURE: Final = 0x81BD
TAMPER_LOCKED: Final = 0x81BE
UNCONTROLLED_GAS_FLOW_ARMED: Final = 0x81BF
DISCONNECT_FAILURE: Final = 0x81C0
APC_LIMIT_PROCESSED: Final = 0x8F86
APC_LIMIT_ENDED: Final = 0x8F87
OPERATIONAL_UPDATE: Final = 0x8F88
COMMAND_NOT_SUPPORTED: Final = 0x8F85

TAMPER_CODES: Final = frozenset({0x8F3F, 0x8F73, 0x8F74, 0x8F75, 0x8F76, 0x8F77, 0x8F78, 0x81C3})
"""Unauthorised physical access (tamper detect, covers, magnetic field, other) and tilt."""

CRITICAL_GENERIC: Final = frozenset({SOURCE_HAS_NO_AUTHORITY})

LONG_OUTAGE: Final = timedelta(minutes=3)
_RESTORED: Final = {
    None: (0x8F35, 0x8F36),
    1: (0x8F37, 0x8F38),
    2: (0x8F39, 0x8F3A),
    3: (0x8F3B, 0x8F3C),
}
"""Supply Outage Restored codes by phase (None: the whole supply): (short, >= 3 minutes)."""

_ZIGBEE: Final = frozenset({DeviceType.GSME, DeviceType.GPF})


def next_alert_counter(context: DeviceContext) -> int:
    """The originator counter the next Alert raised in ``context`` will carry."""
    return context.state.get(AlertCounter).next + 1 + len(context.alerts)


def _dlms_alert(
    context: DeviceContext, code: int, *extra: Data, at: datetime | None = None
) -> bytes:
    notification = b.alert(next_alert_counter(context), code, at or context.now, *extra)
    return encode_dlms(b.payload(notification))


def generic(
    context: DeviceContext, code: int, recipient: Eui64, at: datetime | None = None
) -> AlertSpec:
    """A generic Alert (GCA or GNCA) for ``code`` in the Device's own payload format, dated
    ``at`` (the event's own time; default now): the payload's date-time (DLMS) or UTC time
    (GBZ alert header) is when the event happened; the GBCS header's is when it is sent."""
    if lookup_alert(code) is None:
        raise ValueError(f"0x{code:04X} is not a GBCS Device alert code")
    message_code = GCA if code in CRITICAL_GENERIC else GNCA
    if context.device.device_type in _ZIGBEE:
        payload = encode_gbz(z.alert_payload(code, utc_seconds(at or context.now)))
    else:
        payload = _dlms_alert(context, code, at=at)
    return AlertSpec(message_code, payload, recipient, alert_code=code, occurred_at=at)


def raise_generic(
    context: DeviceContext, code: int, recipient: Eui64, at: datetime | None = None
) -> AlertSpec:
    spec = generic(context, code, recipient, at)
    context.raise_alert(spec)
    return spec


def supply_outage_restored(
    context: DeviceContext,
    interrupted_at: datetime,
    restored_at: datetime,
    network_operator: Eui64,
    *,
    phase: int | None = None,
) -> AlertSpec:
    """ECS80: the supply (or one phase) is back; 0x8F36 and its phase forms when the outage
    lasted three minutes or more."""
    short, long = _RESTORED[phase]
    code = long if restored_at - interrupted_at >= LONG_OUTAGE else short
    payload = _dlms_alert(context, code, b.date_time(interrupted_at), b.date_time(restored_at))
    return AlertSpec(ECS80, payload, network_operator, alert_code=code)


def apc_limit_processed(
    context: DeviceContext,
    controller: int,
    start: datetime,
    end: datetime,
    resulting_level: int,
    recipient: Eui64,
) -> AlertSpec:
    """ECS101: the ESME has taken a Limit APC [n] Level instruction."""
    payload = _dlms_alert(
        context,
        APC_LIMIT_PROCESSED,
        Unsigned(controller),
        b.date_time(start),
        b.date_time(end),
        Unsigned(resulting_level),
    )
    return AlertSpec(ECS101, payload, recipient, alert_code=APC_LIMIT_PROCESSED)


def apc_limit_ended(
    context: DeviceContext, controller: int, resulting_level: int, recipient: Eui64
) -> AlertSpec:
    """ECS102: a Limit APC [n] Level period has ended or been cancelled."""
    payload = _dlms_alert(context, APC_LIMIT_ENDED, Unsigned(controller), Unsigned(resulting_level))
    return AlertSpec(ECS102, payload, recipient, alert_code=APC_LIMIT_ENDED)


def operational_update(
    context: DeviceContext,
    output_level: int,
    input_level: int,
    recipient: Eui64,
    load_controller: Eui64 | None,
    other_data: str = "",
) -> AlertSpec:
    """ECS200: an auxiliary controller's state, as text (the reference's JSON form)."""
    text = json.dumps(
        {
            "outputState": str(output_level),
            "inputState": str(input_level),
            "other-data": other_data,
        },
        separators=(",", ":"),
    )
    payload = _dlms_alert(context, OPERATIONAL_UPDATE, Utf8String(text))
    return AlertSpec(
        ECS200,
        payload,
        recipient,
        alert_code=OPERATIONAL_UPDATE,
        supplementary_remote_party=load_controller,
    )


def command_not_supported(
    context: DeviceContext,
    message_code: int,
    originator_counter: int,
    access_control_broker: Eui64,
    originator: Eui64,
) -> AlertSpec:
    """ECS100: the Device received a Command whose use case it does not support."""
    reference = message_code.to_bytes(2, "big") + originator_counter.to_bytes(8, "big")
    payload = _dlms_alert(context, COMMAND_NOT_SUPPORTED, b.octets(reference))
    return AlertSpec(
        ECS100,
        payload,
        access_control_broker,
        alert_code=COMMAND_NOT_SUPPORTED,
        supplementary_remote_party=originator,
    )
