"""Device-held future-dated Commands: hold, wake, execute, alert (GBCS 'Device' pattern).

A Command that carries a future execution date-time (DUIS future-dated response pattern
'Device' or 'DSP & Device') is accepted by the Device at once (its Response says the
instruction is stored) and carried out at that time; the Device then raises alert 8F66
(executed) or 8F67 (could not be executed), which the DCC forwards to the User as a
DeviceAlertMessage. A future-dated Command dated 3000-12-31 cancels what was held.

This module is the shared mechanism: ``hold`` stores the Command bytes with their execution
time in the Device's state and asks to be woken; when the time comes the registered
executor for the use case (``@executes("ECS01a")``) applies the instruction and returns the
alerts to raise, built in the payload family's own format (DLMS 0x00CC, GBZ 0x00CD, DER
0x00CB: see the family modules). Held Commands survive restarts: they are state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from opendcc.devices.simulator import AlertSpec, DeviceCommand, DeviceContext, on_wake
from opendcc.devices.state import Section
from opendcc.gbcs import message_codes
from opendcc.gbcs.context import Cra, GbcsDecodeError, PayloadContext
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.payload import decode_payload

CANCELLATION_DATE: Final = datetime(3000, 12, 31, tzinfo=UTC).date()


@dataclass(slots=True)
class FutureDated(Section):
    """Commands the Device holds for later, oldest first."""

    NAME = "future_dated"
    pending: list[dict[str, Any]] = field(default_factory=list)


Executor = Callable[[DeviceCommand, DeviceContext], Iterable[AlertSpec]]
_EXECUTORS: dict[str, Executor] = {}


def executes(*use_cases: str) -> Callable[[Executor], Executor]:
    """Register what the Device does when a held Command of ``use_cases`` falls due."""

    def register(fn: Executor) -> Executor:
        for use_case in use_cases:
            if _EXECUTORS.get(use_case, fn) is not fn:
                raise ValueError(f"two future-dated executors for {use_case}")
            _EXECUTORS[use_case] = fn
        return fn

    return register


def is_cancellation(execute_at: datetime) -> bool:
    return execute_at.date() == CANCELLATION_DATE


def hold(
    command: DeviceCommand, context: DeviceContext, execute_at: datetime, *, key: str | None = None
) -> None:
    """Keep ``command`` to be executed at ``execute_at``.

    ``key`` identifies what the Command would change (e.g. the tariff element); a later
    held Command with the same key replaces the earlier one, as GBCS passive tables do.
    """
    section = context.state.get(FutureDated)
    item_key = key or f"{command.use_case}"
    section.pending = [p for p in section.pending if p.get("key") != item_key]
    section.pending.append(
        {
            "key": item_key,
            "execute_at": execute_at.isoformat(),
            "use_case": command.use_case,
            "counter": command.counter,
            "remote_party": command.remote_party.hex,
            "command": command.message.encode().hex(),
        }
    )
    section.pending.sort(key=lambda p: p["execute_at"])
    context.state.touch()
    context.wake_at(execute_at)


def cancel(context: DeviceContext, *, key: str | None = None, use_cases: Iterable[str] = ()) -> int:
    """Drop held Commands by key or use case; returns how many were dropped."""
    section = context.state.get(FutureDated)
    wanted = set(use_cases)
    kept = [
        p
        for p in section.pending
        if not ((key is not None and p.get("key") == key) or p.get("use_case") in wanted)
    ]
    dropped = len(section.pending) - len(kept)
    if dropped:
        section.pending = kept
        context.state.touch()
    return dropped


def pending(context: DeviceContext) -> list[dict[str, Any]]:
    return list(context.state.get(FutureDated).pending)


@on_wake
def execute_due(context: DeviceContext) -> None:
    """Run every held Command whose time has come; reschedule the wake for the rest."""
    section = context.state.get(FutureDated)
    if not section.pending:
        return
    now = context.now
    due = [p for p in section.pending if datetime.fromisoformat(p["execute_at"]) <= now]
    if not due:
        context.wake_at(datetime.fromisoformat(section.pending[0]["execute_at"]))
        return
    section.pending = [p for p in section.pending if p not in due]
    context.state.touch()
    for item in due:
        command = _restore(item, context)
        executor = _EXECUTORS.get(item["use_case"] or "")
        if command is None or executor is None:
            continue
        for alert in executor(command, context):
            context.raise_alert(alert)
    if section.pending:
        context.wake_at(datetime.fromisoformat(section.pending[0]["execute_at"]))


def _restore(item: dict[str, Any], context: DeviceContext) -> DeviceCommand | None:
    try:
        message = decode_message(bytes.fromhex(item["command"]))
        code = message_codes.lookup(message.message_code)
        payload = decode_payload(
            message.payload,
            PayloadContext(
                Cra.COMMAND,
                message.message_code,
                code.use_case if code else None,
                message.originator,
                message.recipient,
                message.counter,
                context.security.decryptor(message.header),
            ),
        )
    except (GbcsDecodeError, ValueError):
        return None
    return DeviceCommand(message, payload, item["use_case"])
