"""A simulated hand-held terminal: carries a locally delivered Command to a simulated Device.

A User that asks for a Command for local delivery (DUIS Command Variant 2, or 6 after the
Pre-Command round) gets it back in ``LocalCommand`` and has its installer carry it to the
Device over the HAN or the optical port (SEC Section H3, Local Command Services; DUIS
3.2 Command Variants). In a simulated estate no installer can, so the hub offers the
installer's terminal: ``HandHeldTerminal.deliver`` runs the Command on the simulated
Device exactly as the SM WAN path does (``hub.processor``): the same ``DeviceSimulator``,
the same Device state, the same checks (MAC, signature, the Device's trust anchors, its
anti-replay counter per Remote Party, GBCS 4.3.2.2), the same write job saving the
Device's state with the events and the Alerts it raised, which are delivered to their
recipients as over the SM WAN (the Device's Communications Hub carries Alerts whichever
way the Command came). It answers the Device's Response, which the User returns to the
DCC with 8.13 (``hub.local_delivery``).

Where the SM WAN path answers E21 for a Command the Device drops, the terminal tells its
operator why (``LocalRefusalError``): no such Device (404), not a GBCS Command (400), a Command
for another Device, one that does not authenticate or that the Device does not trust or
cannot obey (422), a replayed originator counter (409). Nothing about the Device changes
then, except what a real Device keeps of a Command it began to obey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from opendcc.clock import Clock
from opendcc.devices.simulator import Discard, Outcome
from opendcc.duis.ids import RequestId
from opendcc.eui import Eui64
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.gbcs.context import Cra, GbcsDecodeError
from opendcc.gbcs.frame import GbcsMessage, decode_message
from opendcc.hub.processor import Processor, _Touched
from opendcc.store import journal as jr
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import Event, EventKind

LOCAL_VARIANTS: Final = frozenset({2, 6})
_STATUS: Final = {Discard.REPLAYED: 409, Discard.UNREADABLE: 400}
"""HTTP status of a dropped Command by the reason; any other reason is 422."""


class LocalRefusalError(Exception):
    """The terminal could not get a Response from the Device: ``status`` and ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LocalAlert:
    """An Alert the Device raised while obeying the Command."""

    alert_code: int
    recipient: Eui64
    message: bytes


@dataclass(frozen=True, slots=True)
class LocalDelivery:
    """What the terminal read back from the Device."""

    device: Eui64
    use_case: str | None
    response: bytes
    alerts: tuple[LocalAlert, ...]
    request_id: str | None
    """The User's Command Variant 2/6 request the Command answers, when the journal holds
    one (its RequestID is the Command's originator, the Device and the Command's counter)."""


class HandHeldTerminal:
    def __init__(self, estate: SqliteEstate, processor: Processor, clock: Clock) -> None:
        self.estate = estate
        self.processor = processor
        self.clock = clock

    async def deliver(self, device_id: Eui64, command: bytes) -> LocalDelivery:
        """Run ``command`` on ``device_id``; raises ``LocalRefusalError``."""
        device = self.estate.inventory.get_device(device_id)
        if device is None:
            raise LocalRefusalError(404, f"no Device {device_id} in the inventory")
        try:
            message = decode_message(command)
        except GbcsDecodeError as exc:
            raise LocalRefusalError(400, f"not a GBCS message: {exc}") from None
        if message.cra is not Cra.COMMAND:
            raise LocalRefusalError(400, f"a GBCS {message.cra.name.lower()}, not a Command")
        if message.recipient != device_id:
            raise LocalRefusalError(
                422, f"the Command is for {message.recipient}, not for {device_id}"
            )
        request_id = self._request_of(message, device_id)
        now = self.clock.now()
        processor = self.processor
        state = processor.states.load(device)
        touched = _Touched(processor.states)
        processor.simulator.peers = touched
        result = processor.simulator.process(command, state, now)
        states = [state, *touched.states]
        detail = {
            "action": "hand_held_terminal",
            "device": str(device_id),
            "command_originator": str(message.originator),
            "counter": message.counter,
            "message_code": f"{message.message_code:04X}",
            "use_case": result.use_case,
            "outcome": result.outcome.value,
        }
        if result.outcome is Outcome.DISCARDED or result.response is None:
            reason = result.reason or "the Device gave no Response"
            event = self._event(now, request_id, message, {**detail, "reason": reason})
            await processor.record_local(device, states, (), [event], now)
            status = _STATUS.get(result.discard, 422) if result.discard else 422
            raise LocalRefusalError(status, f"the Device discarded the Command: {reason}")
        events = [self._event(now, request_id, message, detail)]
        await processor.record_local(device, states, result.alerts, events, now)
        alerts = tuple(
            LocalAlert(_alert_code(spec.alert_code, gbcs, spec.message_code), spec.recipient, gbcs)
            for spec, gbcs in result.alerts
        )
        return LocalDelivery(device_id, result.use_case, result.response, alerts, request_id)

    def _request_of(self, message: GbcsMessage, device: Eui64) -> str | None:
        rid = str(RequestId(message.originator, device, message.counter))
        entry = jr.get_by_request_id(self.estate.db.reader(), rid)
        if entry is None or entry.command_variant not in LOCAL_VARIANTS:
            return None
        return entry.request_id

    @staticmethod
    def _event(
        now: datetime, request_id: str | None, message: GbcsMessage, detail: dict[str, object]
    ) -> Event:
        return Event(
            EventKind.ADMIN,
            now,
            request_id,
            str(message.originator),
            str(message.recipient),
            None,
            None,
            detail,
        )


def _alert_code(given: int | None, gbcs: bytes, message_code: int) -> int:
    if given is not None:
        return given
    found = alert_code_in(gbcs)
    return found if found is not None else message_code
