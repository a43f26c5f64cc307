"""What the security family's Device handlers share: DER bodies, replies, held Commands.

- ``der_body`` gives a handler the typed DER structure of the Command it got (the codec
  already read it; anything else is a Command the Device cannot obey).
- ``der_reply`` writes a DER Response the way the reference Devices do: lengths of 128
  octets or more in two octets (``LengthForm.TWO_OCTET``).
- Future-dated DER Commands (CS02b, CS02g, CS06) carry their execution date-time in the
  payload; 9999-12-31T23:59:59Z (the DUIS 3000-12-31) cancels. ``hold_or_cancel`` keeps or
  drops them through ``devices.future_dated``.
- ``next_alert_counter`` is the originator counter the simulator will give the next Alert
  a handler raises, for payloads that repeat it (DLMS invoke ids).
- ``inject_fault(state, use_case, at=REFERENCE_POSITION)`` gives the Device a hardware
  fault on ``use_case``'s Commands (for Users testing their error handling, and for the
  reference ERROR Responses of 8.9, 8.11, 8.12.1 and 11.2), kept until ``clear_faults``.
  ``family_handles`` applies it: a DLMS Command's requests before the failing one (``at``,
  default the next-to-last, the only one of a single-request Command: where the reference
  ERROR Responses fail) are carried out, the failing one answers ``hardware-fault`` and
  the rest ``other-reason`` (not attempted: GBCS Commands are break-on-error); a GBZ
  Command likewise, the failing component answered HARDWARE_FAILURE (a read: in each
  attribute's record; else a Default Response), the rest Default Response FAILURE
  (command 0xFF, not processed; GBCS 7.2.10). A DER Command's handler answers the failure
  code its response defines (``planned_fault``; CS07 readFailure).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final, TypeVar

from opendcc.devices import future_dated
from opendcc.devices.simulator import (
    AlertCounter,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    DiscardCommandError,
    Handler,
    handles,
)
from opendcc.devices.state import DeviceState, Section
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.der import DerPayload
from opendcc.gbcs.der import encode as encode_der
from opendcc.gbcs.der.catalogue import DerStructure
from opendcc.gbcs.der.tlv import LengthForm
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    AccessResponse,
    ActionResult,
    DataAccessResult,
    Get,
    Request,
    Response,
    Set,
)
from opendcc.gbcs.dlms.apdu_codec import decode_apdu
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import decode as decode_gbz
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.payload import Component, GbzComponent, GbzPayload
from opendcc.gbcs.gbz.status import ZclStatus
from opendcc.gbcs.gbz.zcl import (
    DefaultResponse,
    GeneralCommand,
    ReadAttributes,
    ZclFrame,
    ZclHeader,
)

T = TypeVar("T")

CANCELLATION_YEARS: Final = frozenset({3000, 9999})
"""GBCS DER Commands cancel with 9999-12-31T23:59:59Z; DUIS writes 3000-12-31."""
REFERENCE_POSITION: Final = -1
"""Fail where the reference ERROR Responses fail: the next-to-last request (the only one
of a single-request Command)."""
NOT_PROCESSED: Final = 0xFF
"""The command id a GBZ Default Response names for a component not processed."""


# --- fault injection ------------------------------------------------------------------------


@dataclass(slots=True)
class SecurityFaults(Section):
    """Use cases whose Commands the Device fails with a hardware fault: use case -> the
    failing request (0-based, or ``REFERENCE_POSITION``). Kept until cleared."""

    NAME = "security_faults"
    planned: dict[str, int] = field(default_factory=dict)


def inject_fault(state: DeviceState, use_case: str, at: int = REFERENCE_POSITION) -> None:
    """Make ``use_case``'s Commands fail at request ``at`` from now on."""
    if at < REFERENCE_POSITION:
        raise ValueError(f"no request at {at}")
    state.get(SecurityFaults).planned[use_case] = at
    state.touch()


def clear_faults(state: DeviceState) -> None:
    faults = state.get(SecurityFaults)
    if faults.planned:
        faults.planned = {}
        state.touch()


def planned_fault(context: DeviceContext, use_case: str | None) -> int | None:
    """The place of the fault planned for ``use_case``'s Commands, or None."""
    if not context.state.has(SecurityFaults):
        return None
    return context.state.get(SecurityFaults).planned.get(use_case or "")


def _failing(at: int, count: int) -> int:
    return max(count - 2, 0) if at == REFERENCE_POSITION else min(at, max(count - 1, 0))


def _dlms_failure(request: Request, result: int) -> Response:
    if isinstance(request, Get):
        return b.get_error(DataAccessResult(result))
    if isinstance(request, Set):
        return b.set_error(DataAccessResult(result))
    return b.action_error(ActionResult(result))


def _faulty_dlms(
    fn: Handler, command: DeviceCommand, context: DeviceContext, request: AccessRequest, at: int
) -> DeviceReply:
    requests = request.requests
    failing = _failing(at, len(requests))
    done: list[Response] = []
    message_code, signed = None, None
    if failing:
        assert isinstance(command.payload, DlmsPayload)
        partial = replace(command.payload, apdu=replace(request, requests=requests[:failing]))
        reply = fn(DeviceCommand(command.message, partial, command.use_case), context)
        message_code, signed = reply.message_code, reply.signed
        answered = decode_apdu(reply.payload)
        if isinstance(answered, AccessResponse):
            done = list(answered.responses[:failing])
    results = [
        *done,
        *(
            _dlms_failure(item, DataAccessResult.HARDWARE_FAULT)
            for item in requests[len(done) : failing + 1]
        ),
        *(_dlms_failure(item, DataAccessResult.OTHER_REASON) for item in requests[failing + 1 :]),
    ]
    response = b.access_response_for(request, results)
    return DeviceReply(encode_dlms(b.payload(response)), message_code, signed)


def _gbz_failure(cluster: int, frame: ZclFrame, first: bool) -> GbzComponent:
    """The failing component: a read answers each attribute HARDWARE_FAILURE (ZCL Read
    Attributes Response), anything else a Default Response HARDWARE_FAILURE; those after
    it are not processed (FAILURE)."""
    if first and isinstance(frame.payload, ReadAttributes):
        records = [(a, ZclStatus.HARDWARE_FAILURE) for a in frame.payload.attribute_ids]
        reply = z.read_attributes_response(
            cluster, records, tsn=frame.header.transaction_sequence_number
        )
        return GbzComponent(cluster, reply)
    if first:
        return GbzComponent(cluster, z.default_response(cluster, frame, ZclStatus.HARDWARE_FAILURE))
    header = ZclHeader.build(
        GeneralCommand.DEFAULT_RESPONSE,
        cluster_specific=False,
        server_to_client=not frame.header.server_to_client,
        transaction_sequence_number=frame.header.transaction_sequence_number,
    )
    return GbzComponent(
        cluster, ZclFrame(header, DefaultResponse(NOT_PROCESSED, ZclStatus.FAILURE))
    )


def _faulty_gbz(
    fn: Handler, command: DeviceCommand, context: DeviceContext, payload: GbzPayload, at: int
) -> DeviceReply:
    components = payload.components
    failing = _failing(at, len(components))
    done: list[Component] = []
    message_code, signed = None, None
    if failing:
        partial = replace(payload, components=components[:failing])
        reply = fn(DeviceCommand(command.message, partial, command.use_case), context)
        message_code, signed = reply.message_code, reply.signed
        message = command.message
        try:
            answered = decode_gbz(
                reply.payload,
                PayloadContext(
                    Cra.RESPONSE,
                    message.message_code,
                    command.use_case,
                    message.recipient,
                    message.originator,
                    message.counter,
                ),
            )
        except GbcsDecodeError:
            answered = GbzPayload()
        done = list(answered.components[:failing])
    failed = [
        _gbz_failure(c.cluster_id, c.frame, n == len(done))
        for n, c in enumerate(components[len(done) :], start=len(done))
        if c.frame is not None
    ]
    response = z.response_payload(
        *done, *failed, use_case=payload.use_case, message_code=payload.message_code
    )
    return DeviceReply(encode_gbz(response), message_code, signed)


def family_handles(*use_cases: str) -> Callable[[Handler], Handler]:
    """``simulator.handles`` for this family's handlers, with the family's injected faults
    (module docstring) and one safety net: a Command whose values the Device cannot answer
    in its own encoding (a damaged payload that still decoded: an unknown cluster, a read
    of the wrong kind) is discarded, as a real Device drops what it cannot process, rather
    than failing the simulation."""

    def register(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def guarded(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
            try:
                at = planned_fault(context, command.use_case)
                payload = command.payload
                if at is None or isinstance(payload, DerPayload):
                    return fn(command, context)
                if isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest):
                    return _faulty_dlms(fn, command, context, payload.apdu, at)
                if isinstance(payload, GbzPayload):
                    return _faulty_gbz(fn, command, context, payload, at)
                return fn(command, context)
            except GbcsEncodeError as exc:
                raise DiscardCommandError(f"{command.use_case}: cannot answer: {exc}") from None

        return handles(*use_cases)(guarded)

    return register


def der_body(command: DeviceCommand, kind: type[T]) -> T:
    payload = command.payload
    if isinstance(payload, DerPayload) and isinstance(payload.body, kind):
        return payload.body
    raise DiscardCommandError(f"{command.use_case} without a {kind.__name__} payload")


def der_reply(
    structure: DerStructure, message_code: int | None = None, *, signed: bool | None = None
) -> DeviceReply:
    payload = DerPayload(structure, length_form=LengthForm.TWO_OCTET)
    return DeviceReply(encode_der(payload), message_code, signed)


def der_bytes(structure: DerStructure) -> bytes:
    return encode_der(DerPayload(structure, length_form=LengthForm.TWO_OCTET))


def is_cancellation(when: datetime) -> bool:
    return when.year in CANCELLATION_YEARS


def hold_or_cancel(
    command: DeviceCommand, context: DeviceContext, execute_at: datetime, key: str
) -> None:
    """Keep the Command until ``execute_at``, or drop the held one ``key`` names."""
    if is_cancellation(execute_at):
        future_dated.cancel(context, key=key)
    else:
        future_dated.hold(command, context, execute_at, key=key)


def next_alert_counter(context: DeviceContext) -> int:
    """The counter the simulator gives the next Alert raised in this context (it numbers
    a context's Alerts in order from the Device's ``AlertCounter``)."""
    return context.state.get(AlertCounter).next + len(context.alerts) + 1
