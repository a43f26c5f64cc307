"""Commissioning a meter: setting its clock from the Communications Hub (GBCS 9.1).

DUIS 8.1.1 Commission Device sends ECS70 (ESME) or GCS28 (GSME) with a validity interval;
the meter takes the Communications Hub's time if that time lies within the interval, and
answers with its clock and clock status. The same Commands serve 6.11 Synchronise Clock:
a Device cannot tell the two requests apart, so one handler per use case serves both; the
first synchronisation is the meter's commissioning (``ClockSync.commissioned_at``).

Registration: another family may own ECS70 and GCS28 for 6.11; the handlers here register
only where no handler is registered yet, so loading both families never clashes.

State (``ClockSync``): when the clock was last synchronised, when it first was, and how
many Set Clock Commands it refused (time outside the validity interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from opendcc.devices.security_common import der_body, der_reply, family_handles
from opendcc.devices.simulator import (
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    DiscardCommandError,
    Handler,
    handler_for,
)
from opendcc.devices.state import Section
from opendcc.gbcs.der import DeviceTimeStatus, SetTimeCommand, SetTimeResponse
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import AccessRequest, Action, ActionResult, Get, Response, Set
from opendcc.gbcs.dlms.data import OctetString, Structure, Unsigned
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms

CLOCK_STATUS_OK: Final = 0
CLOCK_STATUS_INVALID: Final = 0x01
"""COSEM clock status bit 0: invalid value (the clock was not set)."""


@dataclass(slots=True)
class ClockSync(Section):
    NAME = "clock_sync"
    synchronised_at: datetime | None = None
    commissioned_at: datetime | None = None
    refused: int = 0


def _synchronise(context: DeviceContext, start: datetime | None, end: datetime | None) -> bool:
    """Take the Hub's time if it lies within [start, end]; True when the clock was set."""
    sync = context.state.get(ClockSync)
    now = context.now
    accepted = start is not None and end is not None and start <= now <= end
    if accepted:
        sync.synchronised_at = now
        if sync.commissioned_at is None:
            sync.commissioned_at = now
    else:
        sync.refused += 1
    context.state.touch()
    return accepted


def _interval(request: AccessRequest) -> tuple[datetime | None, datetime | None]:
    for item in request.requests:
        if isinstance(item, Action) and item.method.method_id == 5:
            parameters = item.parameters
            if isinstance(parameters, Structure) and len(parameters.items) == 3:
                start, end = parameters.items[1:]
                if isinstance(start, OctetString) and isinstance(end, OctetString):
                    try:
                        return (
                            CosemDateTime.from_bytes(start.value).to_datetime(),
                            CosemDateTime.from_bytes(end.value).to_datetime(),
                        )
                    except ValueError:
                        return None, None
    return None, None


def set_clock_esme(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """ECS70: clock base, preset adjusting time, adjust, then read back time and status."""
    payload = command.payload
    if not (isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest)):
        raise DiscardCommandError("ECS70 without an access-request")
    request = payload.apdu
    start, end = _interval(request)
    accepted = _synchronise(context, start, end)
    results: list[Response] = []
    for item in request.requests:
        if isinstance(item, Set):
            results.append(b.set_ok())
        elif isinstance(item, Action):
            adjusts = item.method.method_id == 4
            results.append(
                b.action_error(ActionResult.OTHER_REASON)
                if adjusts and not accepted
                else b.action_ok()
            )
        elif isinstance(item, Get) and item.attribute.attribute_id == 2:
            results.append(b.get_ok(b.date_time(context.now)))
        elif isinstance(item, Get):
            status = CLOCK_STATUS_OK if accepted else CLOCK_STATUS_INVALID
            results.append(b.get_ok(Unsigned(status)))
    response = b.access_response_for(request, results)
    return DeviceReply(encode_dlms(b.payload(response)))


def set_clock_gsme(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS28: the GSME takes the Hub's time within the interval and reports its clock."""
    request = der_body(command, SetTimeCommand)
    accepted = _synchronise(context, request.validity_interval_start, request.validity_interval_end)
    status = DeviceTimeStatus.RELIABLE if accepted else DeviceTimeStatus.UNRELIABLE
    return der_reply(SetTimeResponse(context.now.replace(microsecond=0), status))


def _register(use_case: str, handler: Handler) -> None:
    if handler_for(use_case) is None:
        family_handles(use_case)(handler)


_register("ECS70", set_clock_esme)
_register("GCS28", set_clock_gsme)
