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
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.der import DerPayload
from opendcc.gbcs.der import encode as encode_der
from opendcc.gbcs.der.catalogue import DerStructure
from opendcc.gbcs.der.tlv import LengthForm

T = TypeVar("T")

CANCELLATION_YEARS: Final = frozenset({3000, 9999})
"""GBCS DER Commands cancel with 9999-12-31T23:59:59Z; DUIS writes 3000-12-31."""


def family_handles(*use_cases: str) -> Callable[[Handler], Handler]:
    """``simulator.handles`` for this family's handlers, with one safety net: a Command
    whose values the Device cannot answer in its own encoding (a damaged payload that still
    decoded: an unknown cluster, a read of the wrong kind) is discarded, as a real Device
    drops what it cannot process, rather than failing the simulation."""

    def register(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def guarded(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
            try:
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
