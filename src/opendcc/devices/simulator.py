"""A simulated Device receiving a GBCS Command and answering it, as a real one would.

Theory of operation, per Command:

1. Decode the frame and check its MAC (a critical Command also carries the User's
   signature, checked against the User's DS certificate). A Device silently discards a
   Command that does not authenticate: the DCC sees no Response (E21).
2. Authorisation: registered authorisers (``@authorises``) may refuse an originator the
   Device's own state does not trust (its trust anchor cells: after a change of supplier
   the old Supplier's Commands are discarded although its certificate still verifies).
   Anti-replay: the originator counter must exceed the last one this Device accepted from
   that Remote Party (GBCS 4.3.2.2); otherwise the Command is discarded. Use cases named
   with ``keeps_own_anti_replay`` (the top-ups CS01a/CS01b, whose counter is the UTRN's,
   GBCS 14.3) skip this check and leave the counter alone: their handler checks its own.
3. Decode the payload and run the handler registered for the use case. The handler reads
   and changes the Device's state (``DeviceState`` sections) and returns the Response
   payload, and may raise Alerts or ask to be woken later (Device-held future-dated
   Commands).
4. Build the Response (MACed, or signed when the Command was critical) with the Device's
   own keys.

Handlers are registered per GBCS use case with ``@handles("ECS17b")`` in family modules,
which ``opendcc.devices.catalogue`` imports. Wake handlers (``@on_wake``) run when a Device's
``next_wake`` comes: they raise future-dated execution alerts and similar.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from opendcc.devices.state import DeviceState, Section
from opendcc.eui import Eui64
from opendcc.gbcs import build, message_codes
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.crypto import encrypt_block
from opendcc.gbcs.frame import GbcsMessage, decode_message_with_body
from opendcc.gbcs.payload import Payload, decode_payload
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import Device
from opendcc.transform.registry import InventoryView


@dataclass(frozen=True, slots=True)
class DeviceCommand:
    """A Command as the Device received it."""

    message: GbcsMessage
    payload: Payload
    use_case: str | None

    @property
    def remote_party(self) -> Eui64:
        return self.message.originator

    @property
    def counter(self) -> int:
        return self.message.counter


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """An Alert to raise: its message code, payload, and the party it goes to."""

    message_code: int
    payload: bytes
    recipient: Eui64
    critical: bool | None = None
    alert_code: int | None = None
    """The alert code DUIS reports (``DeviceAlertMessage/AlertCode``, e.g. 0x8F66); read
    from the payload when not given."""
    supplementary_remote_party: Eui64 | None = None
    """The party the Alert concerns besides its recipient (ECS200 names the Load Controller;
    ECS100 the User whose Command the Device could not carry out)."""
    occurred_at: datetime | None = None
    """When the event the Alert reports happened, if before the Alert is raised (a money
    event the meter notices late): its log entry carries that time (``device_logs``)."""


@dataclass(slots=True)
class DeviceContext:
    """What a handler may use: the time, the Device, its state, keys for encryption."""

    now: datetime
    device: Device
    state: DeviceState
    security: GbcsSecurity
    inventory: InventoryView | None = None
    alerts: list[AlertSpec] = field(default_factory=list)
    command: DeviceCommand | None = None
    peers: PeerStates | None = None
    actioned: bool = True
    """False once the handler said the Command was not carried out (``not_actioned``)."""

    def peer(self, eui: Eui64) -> DeviceState | None:
        """Another Device's state (a GPF reading its GSME, a CHF its HAN devices); changes
        to it are saved with this Device's Response. None when the Device is unknown."""
        return self.peers(eui) if self.peers is not None else None

    def raise_alert(self, alert: AlertSpec) -> None:
        self.alerts.append(alert)

    def not_actioned(self) -> None:
        """The Device answered the Command but could not carry it out (a switch that did
        not move, a refusal by its own rules): GBCS logs it as such (0x8155)."""
        self.actioned = False

    def wake_at(self, when: datetime) -> None:
        """Ask to be woken at ``when`` (the earliest request wins)."""
        current = self.state.next_wake
        if current is None or when < current:
            self.state.next_wake = when
            self.state.touch()

    def encrypt_for(
        self, party: Eui64, counter: int, plaintext: bytes, invocation_counter: int = 0
    ) -> bytes:
        """An encrypted payload block for ``party`` (GBCS payload encryption, KDF mode 04):
        the Device's KA key with the party's, over this Device as originator and ``counter``
        (the Command's originator counter, which the Response carries)."""
        header = build.grouping_header(
            Cra.RESPONSE,
            originator=self.device.device_id,
            recipient=party,
            counter=counter,
            message_code=0,
        )
        keys = self.security.payload_keys(header)
        if not keys:
            raise GbcsEncodeError(
                f"no payload-encryption key between {self.device.device_id} and {party}"
            )
        return encrypt_block(keys[0], self.device.device_id, invocation_counter, plaintext)


@dataclass(frozen=True, slots=True)
class DeviceReply:
    payload: bytes
    message_code: int | None = None
    """Override the Response's message code (default: the Command's)."""
    signed: bool | None = None
    """Sign the Response (True) or MAC it (False); default: signed when the Command was."""


class DiscardCommandError(Exception):
    """Raised by a handler, before it changes any state, for a Command the Device cannot
    obey at all (a payload that is not its use case's structure): the Device discards it,
    as GBCS Devices do with a Command they cannot parse or that fails their checks, and the
    DCC sees no Response."""


Handler = Callable[[DeviceCommand, DeviceContext], DeviceReply]
PeerStates = Callable[[Eui64], DeviceState | None]
WakeHandler = Callable[[DeviceContext], None]
Authoriser = Callable[[GbcsMessage, DeviceState, GbcsSecurity], str | None]
"""Given an authenticated Command, the Device's state and the keys: None to accept, or the
reason the Device discards it."""
ActionedObserver = Callable[[DeviceCommand, DeviceContext, bool], None]
"""Told of each Command a handler answered, and whether it was carried out."""
DiscardObserver = Callable[[DeviceState, datetime, "Discard", GbcsMessage | None], None]
"""Told of each Command the Device dropped, why, and the message when it could be read."""
AlertObserver = Callable[[DeviceContext, AlertSpec, bytes], None]
"""Told of each Alert the Device raises, as built."""

_HANDLERS: dict[str, Handler] = {}
_WAKE_HANDLERS: list[WakeHandler] = []
_AUTHORISERS: list[Authoriser] = []
_OWN_ANTI_REPLAY: set[str] = set()
_ACTIONED: list[ActionedObserver] = []
_DISCARDED: list[DiscardObserver] = []
_ALERTED: list[AlertObserver] = []


def handles(*use_cases: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for use_case in use_cases:
            if _HANDLERS.get(use_case, fn) is not fn:
                raise ValueError(f"two handlers for {use_case}")
            _HANDLERS[use_case] = fn
        return fn

    return register


def keeps_own_anti_replay(*use_cases: str) -> None:
    """Use cases whose Commands a Device checks against a counter of their own rather than
    the Remote Party's Command counter (GBCS 14.3: a prepayment top-up's UTRN counter):
    the simulator neither checks nor moves the Remote Party's counter for them; their
    handler does its own check."""
    _OWN_ANTI_REPLAY.update(use_cases)


def on_wake(fn: WakeHandler) -> WakeHandler:
    if fn not in _WAKE_HANDLERS:
        _WAKE_HANDLERS.append(fn)
    return fn


def authorises(fn: Authoriser) -> Authoriser:
    """Register a check every Command must pass once its MAC and signature verified."""
    if fn not in _AUTHORISERS:
        _AUTHORISERS.append(fn)
    return fn


def on_actioned(fn: ActionedObserver) -> ActionedObserver:
    """Register an observer of the Commands a Device answers (the Device logs, GBCS 16)."""
    if fn not in _ACTIONED:
        _ACTIONED.append(fn)
    return fn


def on_discard(fn: DiscardObserver) -> DiscardObserver:
    """Register an observer of the Commands a Device drops (its Security Log)."""
    if fn not in _DISCARDED:
        _DISCARDED.append(fn)
    return fn


def on_alert(fn: AlertObserver) -> AlertObserver:
    """Register an observer of the Alerts a Device raises (its logs)."""
    if fn not in _ALERTED:
        _ALERTED.append(fn)
    return fn


def handler_for(use_case: str) -> Handler | None:
    return _HANDLERS.get(use_case)


def handled_use_cases() -> frozenset[str]:
    return frozenset(_HANDLERS)


class Outcome(enum.Enum):
    RESPONDED = "responded"
    DISCARDED = "discarded"
    """The Device dropped the Command (bad MAC or signature, replay, unreadable): no Response."""


class Discard(enum.Enum):
    """Why a Device dropped a Command (``Simulation.discard``): the SM WAN path answers
    every one E21; a hand-held terminal tells its operator which (``hub.hand_held``)."""

    UNREADABLE = "unreadable"
    OTHER_DEVICE = "for another Device"
    NOT_AUTHENTIC = "MAC or signature not accepted"
    NOT_AUTHORISED = "originator not trusted"
    REPLAYED = "replayed originator counter"
    NOT_SIMULATED = "no simulation for the use case"
    REFUSED = "payload refused"


@dataclass(frozen=True, slots=True)
class Simulation:
    outcome: Outcome
    response: bytes | None = None
    alerts: tuple[tuple[AlertSpec, bytes], ...] = ()
    reason: str | None = None
    use_case: str | None = None
    discard: Discard | None = None


@dataclass(slots=True)
class AntiReplay(Section):
    """The last originator counter accepted from each Remote Party (GBCS 4.3.2.2)."""

    NAME = "anti_replay"
    last: dict[str, int] = field(default_factory=dict)


class DeviceSimulator:
    """Processes Commands for any simulated Device, given its state."""

    def __init__(
        self,
        security: GbcsSecurity,
        inventory: InventoryView | None = None,
        peers: PeerStates | None = None,
    ) -> None:
        self.security = security
        self.inventory = inventory
        self.peers = peers

    def process(self, data: bytes, state: DeviceState, now: datetime) -> Simulation:
        result = self._process(data, state, now)
        if result.discard is not None and _DISCARDED:
            try:
                message: GbcsMessage | None = decode_message_with_body(data)[0]
            except GbcsDecodeError:
                message = None
            for observer in _DISCARDED:
                observer(state, now, result.discard, message)
        return result

    def _process(self, data: bytes, state: DeviceState, now: datetime) -> Simulation:
        try:
            message, body = decode_message_with_body(data)
        except GbcsDecodeError as exc:
            return Simulation(
                Outcome.DISCARDED, reason=f"unreadable Command: {exc}", discard=Discard.UNREADABLE
            )
        device = state.device
        if message.recipient != device.device_id:
            return Simulation(
                Outcome.DISCARDED,
                reason="the Command is for another Device",
                discard=Discard.OTHER_DEVICE,
            )
        mac = self.security.verify_mac(message, body)
        if mac.valid is not True:
            return Simulation(
                Outcome.DISCARDED,
                reason=f"MAC not accepted: {mac.detail}",
                discard=Discard.NOT_AUTHENTIC,
            )
        if message.signature is not None:
            signed = self.security.verify_signature(message, body)
            if signed.valid is not True:
                return Simulation(
                    Outcome.DISCARDED,
                    reason=f"signature not accepted: {signed.detail}",
                    discard=Discard.NOT_AUTHENTIC,
                )
        for authoriser in _AUTHORISERS:
            refusal = authoriser(message, state, self.security)
            if refusal is not None:
                return Simulation(Outcome.DISCARDED, reason=refusal, discard=Discard.NOT_AUTHORISED)
        code = message_codes.lookup(message.message_code)
        use_case = code.use_case if code else None
        replay = state.get(AntiReplay)
        party = message.originator.hex
        own_counter = use_case in _OWN_ANTI_REPLAY
        if not own_counter and replay.last.get(party, -1) >= message.counter:
            return Simulation(
                Outcome.DISCARDED, reason="replayed originator counter", discard=Discard.REPLAYED
            )
        handler = _HANDLERS.get(use_case or "")
        if handler is None:
            return Simulation(
                Outcome.DISCARDED,
                reason=f"no simulation for use case {use_case}",
                use_case=use_case,
                discard=Discard.NOT_SIMULATED,
            )
        try:
            payload = decode_payload(
                message.payload,
                PayloadContext(
                    Cra.COMMAND,
                    message.message_code,
                    use_case,
                    message.originator,
                    message.recipient,
                    message.counter,
                    self.security.decryptor(message.header),
                ),
            )
        except GbcsDecodeError as exc:
            return Simulation(
                Outcome.DISCARDED,
                reason=f"unreadable payload: {exc}",
                use_case=use_case,
                discard=Discard.UNREADABLE,
            )
        if not own_counter:
            replay.last[party] = message.counter
        state.touch()
        command = DeviceCommand(message, payload, use_case)
        context = DeviceContext(
            now, device, state, self.security, self.inventory, command=command, peers=self.peers
        )
        try:
            reply = handler(command, context)
        except DiscardCommandError as exc:
            return Simulation(
                Outcome.DISCARDED, reason=str(exc), use_case=use_case, discard=Discard.REFUSED
            )
        for observer in _ACTIONED:
            observer(command, context, context.actioned)
        response = build.response_to(
            message,
            reply.payload,
            security=self.security,
            date_time=now,
            message_code=reply.message_code,
            critical=reply.signed,
        )
        return Simulation(
            Outcome.RESPONDED, response.encode(), self._alerts(context), use_case=use_case
        )

    def wake(self, state: DeviceState, now: datetime) -> tuple[tuple[AlertSpec, bytes], ...]:
        """Run the wake handlers for a Device whose ``next_wake`` has come."""
        state.next_wake = None
        state.touch()
        context = DeviceContext(
            now, state.device, state, self.security, self.inventory, peers=self.peers
        )
        for handler in _WAKE_HANDLERS:
            handler(context)
        return self._alerts(context)

    def emit(self, context: DeviceContext) -> tuple[tuple[AlertSpec, bytes], ...]:
        """Build the Alerts raised in ``context`` outside ``process`` and ``wake`` (events a
        simulation drives: a power outage, a tamper), each with the Device's next alert
        counter, in the order they were raised; the context's queue is then empty."""
        return self._alerts(context)

    def _alerts(self, context: DeviceContext) -> tuple[tuple[AlertSpec, bytes], ...]:
        built = []
        counters = context.state.get(AlertCounter)
        for spec in context.alerts:
            counters.next += 1
            message = build.alert(
                spec.payload,
                originator=context.device.device_id,
                recipient=spec.recipient,
                counter=counters.next,
                message_code=spec.message_code,
                security=self.security,
                date_time=context.now,
                critical=spec.critical,
                supplementary_remote_party=spec.supplementary_remote_party,
            )
            encoded = message.encode()
            for observer in _ALERTED:
                observer(context, spec, encoded)
            built.append((spec, encoded))
        if built:
            context.state.touch()
        context.alerts.clear()
        return tuple(built)


@dataclass(slots=True)
class AlertCounter(Section):
    """The Device's own originator counter for the Alerts it raises (strictly increasing)."""

    NAME = "alert_counter"
    next: int = 0
