"""The supply switch of a meter (ESME load switch, GSME valve) as a state machine.

Everything that changes whether a meter supplies energy lives here; this module does not
know GBCS message formats (``devices.supply`` answers Commands, ``devices.supply_alerts``
builds the Alerts). Theory of operation:

- Three states, as DUIS reports them: Enabled (switch closed, valve open), Disabled
  (open / closed valve) and Armed (open, waiting for the consumer to restore supply at
  the meter, which needs no further instruction from the Supplier).
- Events: the Supplier's Commands (ECS42 enable, ECS43/GCS32 disable, ECS44/GCS39 arm),
  the consumer pressing the button on an Armed meter, and what the meter decides for
  itself: prepayment credit exhausted and restored, the load limit tripping and its
  restoration period ending, a tamper that locks the supply, an uncontrolled gas flow.
- ``TRANSITIONS`` is the specification: a dict from (state, event) to the next state. An
  event absent for a state is refused, naming both. Guards come after the table: the
  prepayment credit check (enabling or restoring a prepayment meter with no credit is
  refused), the tamper lock (the consumer cannot restore a locked supply; the Supplier's
  Commands unlock it), the event's own cause (credit restored only re-arms a meter the
  credit check disabled) and an actuator fault (nothing moves).
- Every change is recorded with who made it (the Remote Party's EUI, ``Consumer`` or
  ``Device``), when and why; the last ``HISTORY_LIMIT`` changes are kept. The changes
  GBCS gives an event code (``LOGGED_CHANGES``) also go in the Device's Event Log
  (``device_logs``, read by 6.13).

Arming a meter whose supply is on turns it off and arms it (Smart Energy ChangeSupply
"Supply OFF/ARMED"), so "arm" always leaves the consumer in control of restoration.

Prepayment: whether credit (including emergency credit) permits supply is the tariffs
family's knowledge (``tariffs_billing.credit_exhausted``: a meter in credit mode always
permits it; a prepayment meter when its balance and any emergency credit stand above the
disablement threshold, or in a friendly credit period), consulted directly: the one
credit check. ``use_credit_check(fn)``, with ``fn(context) -> bool``, replaces it (a test
or a study of another rule) and returns the check it replaced.
``devices.supply_alerts.credit_exhausted`` / ``credit_restored`` raise the Alerts when
credit runs out or comes back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Self

from opendcc.devices.device_logs import Change, record
from opendcc.devices.simulator import DeviceContext
from opendcc.devices.state import DeviceState, Section
from opendcc.devices.supply_off import note_supply, supply_changed
from opendcc.devices.tariffs_billing import credit_exhausted
from opendcc.inventory.model import Device, DeviceType


class SupplyState(enum.StrEnum):
    """The supply state, named as DUIS names it (7.4 Read Supply Status)."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"
    ARMED = "Armed"


class SupplyEvent(enum.StrEnum):
    ENABLE = "enable"
    """ECS42: the Supplier closes the load switch."""
    DISABLE = "disable"
    """ECS43 / GCS32: the Supplier opens the switch or closes the valve."""
    ARM = "arm"
    """ECS44 / GCS39: the Supplier arms the switch or valve."""
    CONSUMER_RESTORE = "consumer-restore"
    """The consumer presses the button of an Armed meter."""
    CREDIT_EXHAUSTED = "credit-exhausted"
    """Prepayment: credit and emergency credit are below the disablement threshold."""
    CREDIT_RESTORED = "credit-restored"
    """Prepayment: credit is available again after a credit disablement."""
    LOAD_LIMIT_EXCEEDED = "load-limit-exceeded"
    """The active power import stayed above the load limit threshold for the period."""
    LOAD_LIMIT_RESTORED = "load-limit-restored"
    """The load limit restoration period has passed."""
    TAMPER_LOCK = "tamper-lock"
    """A tamper with the supply tamper state set to lock the supply."""
    UNCONTROLLED_GAS_FLOW = "uncontrolled-gas-flow"
    """The gas flow rate stayed above the uncontrolled flow threshold."""


E, D, A = SupplyState.ENABLED, SupplyState.DISABLED, SupplyState.ARMED

TRANSITIONS: Final[dict[tuple[SupplyState, SupplyEvent], SupplyState]] = {
    (E, SupplyEvent.ENABLE): E,
    (D, SupplyEvent.ENABLE): E,
    (A, SupplyEvent.ENABLE): E,
    (E, SupplyEvent.DISABLE): D,
    (D, SupplyEvent.DISABLE): D,
    (A, SupplyEvent.DISABLE): D,
    (E, SupplyEvent.ARM): A,
    (D, SupplyEvent.ARM): A,
    (A, SupplyEvent.ARM): A,
    (A, SupplyEvent.CONSUMER_RESTORE): E,
    (E, SupplyEvent.CREDIT_EXHAUSTED): D,
    (D, SupplyEvent.CREDIT_RESTORED): A,
    (E, SupplyEvent.LOAD_LIMIT_EXCEEDED): A,
    (A, SupplyEvent.LOAD_LIMIT_RESTORED): E,
    (E, SupplyEvent.TAMPER_LOCK): D,
    (D, SupplyEvent.TAMPER_LOCK): D,
    (A, SupplyEvent.TAMPER_LOCK): D,
    (E, SupplyEvent.UNCONTROLLED_GAS_FLOW): A,
}
"""(state, event) -> next state. The specification of the switch; anything absent is refused."""

REMOTE_EVENTS: Final = frozenset({SupplyEvent.ENABLE, SupplyEvent.DISABLE, SupplyEvent.ARM})

EVENT_DEVICES: Final[dict[SupplyEvent, frozenset[DeviceType]]] = {
    SupplyEvent.ENABLE: frozenset({DeviceType.ESME}),
    SupplyEvent.LOAD_LIMIT_EXCEEDED: frozenset({DeviceType.ESME}),
    SupplyEvent.LOAD_LIMIT_RESTORED: frozenset({DeviceType.ESME}),
    SupplyEvent.UNCONTROLLED_GAS_FLOW: frozenset({DeviceType.GSME}),
}
"""Events only some meters have (others apply to both ESME and GSME)."""

_CREDIT_GUARDED: Final = frozenset({SupplyEvent.ENABLE, SupplyEvent.CONSUMER_RESTORE})
_CAUSED_BY: Final = {
    SupplyEvent.CREDIT_RESTORED: SupplyEvent.CREDIT_EXHAUSTED,
    SupplyEvent.LOAD_LIMIT_RESTORED: SupplyEvent.LOAD_LIMIT_EXCEEDED,
}
"""Events that only undo the cause of the current state."""

LOGGED_CHANGES: Final[dict[SupplyEvent, Change]] = {
    SupplyEvent.ARM: Change.SUPPLY_ARMED,
    SupplyEvent.CREDIT_RESTORED: Change.SUPPLY_ARMED,
    SupplyEvent.CONSUMER_RESTORE: Change.CONSUMER_RESTORED_SUPPLY,
    SupplyEvent.LOAD_LIMIT_EXCEEDED: Change.LOAD_LIMIT_EXCEEDED,
    SupplyEvent.TAMPER_LOCK: Change.SUPPLY_LOCKED_BY_TAMPER,
    SupplyEvent.UNCONTROLLED_GAS_FLOW: Change.VALVE_ARMED_GAS_FLOW,
}
"""The supply changes with an event code of their own in the Device's Event Log
(``device_logs``; a change of state only). Remote enable and disable (7.1, 7.2) are logged
as the Command carried out (0x8154 with its message code), prepayment credit running out
and the load limit restoration as the Alerts they raise (which GBCS does not log)."""

HISTORY_LIMIT: Final = 64
CONSUMER: Final = "Consumer"
DEVICE: Final = "Device"


class SupplyRefusal(enum.StrEnum):
    NOT_FROM_STATE = "not-from-state"
    NOT_THIS_DEVICE = "not-this-device"
    INSUFFICIENT_CREDIT = "insufficient-credit"
    LOCKED = "locked"
    NOT_THE_CAUSE = "not-the-cause"
    ACTUATOR_FAULT = "actuator-fault"


@dataclass(frozen=True, slots=True)
class SupplyChange:
    """A change the switch made (``before`` may equal ``after``: a repeated instruction)."""

    before: SupplyState
    after: SupplyState
    event: SupplyEvent
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Refused:
    """An event the switch did not act on, and the rule that said no."""

    state: SupplyState
    event: SupplyEvent
    reason: SupplyRefusal

    def __str__(self) -> str:
        return f"{self.event.value} refused in state {self.state.value}: {self.reason.value}"


@dataclass(slots=True)
class SupplySwitch(Section):
    """The supply switch state of an ESME or GSME, with its history."""

    NAME = "supply"
    state: str = SupplyState.ENABLED.value
    since: datetime | None = None
    cause: str = "installation"
    """The event that brought the current state (``installation`` for a fresh meter)."""
    changed_by: str = DEVICE
    locked: bool = False
    """A tamper locked the supply: the consumer cannot restore it."""
    actuator_fault: bool = False
    """The switch or valve does not move (Commands answer hardware-fault)."""
    sensor_fault: bool = False
    """The state cannot be read (ECS45/GCS33 answer hardware-fault)."""
    load_limit_restores_at: datetime | None = None
    outage_since: datetime | None = None
    """The mains supply failed at this time and has not come back (ESME)."""
    history: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def initial(cls, device: Device) -> Self:
        """A commissioned meter supplies energy from its installation."""
        return cls(since=device.status_since)

    @property
    def supply_state(self) -> SupplyState:
        return SupplyState(self.state)


CreditCheck = Callable[[DeviceContext], bool]


@dataclass(slots=True)
class _Hooks:
    credit_check: CreditCheck | None = None


_HOOKS = _Hooks()


def use_credit_check(check: CreditCheck | None) -> CreditCheck | None:
    """Replace the prepayment credit check (a test, a study of another rule), or go back to
    the built-in one (None). Returns the check replaced, so a caller can restore it."""
    previous = _HOOKS.credit_check
    _HOOKS.credit_check = check
    return previous


def credit_permits_supply(context: DeviceContext) -> bool:
    """True when prepayment credit permits supply: the tariffs family's rule
    (``tariffs_billing.credit_exhausted``; always in credit mode and for Devices other than
    meters), unless ``use_credit_check`` replaced it."""
    check = _HOOKS.credit_check
    if check is not None:
        return bool(check(context))
    if context.device.device_type not in (DeviceType.ESME, DeviceType.GSME):
        return True
    return not credit_exhausted(context.state, context.now)


def switch_of(state: DeviceState) -> SupplySwitch:
    return state.get(SupplySwitch)


def apply(context: DeviceContext, event: SupplyEvent, *, by: str) -> SupplyChange | Refused:
    """Act on ``event`` now; record and return the change, or say which rule refused it.

    A refusal changes nothing. ``by`` is the Remote Party's EUI text for Commands,
    ``CONSUMER`` or ``DEVICE`` otherwise.
    """
    switch = switch_of(context.state)
    current = switch.supply_state
    allowed = EVENT_DEVICES.get(event)
    if allowed is not None and context.device.device_type not in allowed:
        return Refused(current, event, SupplyRefusal.NOT_THIS_DEVICE)
    target = TRANSITIONS.get((current, event))
    if target is None:
        return Refused(current, event, SupplyRefusal.NOT_FROM_STATE)
    cause = _CAUSED_BY.get(event)
    if cause is not None and switch.cause != cause.value:
        return Refused(current, event, SupplyRefusal.NOT_THE_CAUSE)
    if event is SupplyEvent.CONSUMER_RESTORE and switch.locked:
        return Refused(current, event, SupplyRefusal.LOCKED)
    if event in _CREDIT_GUARDED and target is not current and not credit_permits_supply(context):
        return Refused(current, event, SupplyRefusal.INSUFFICIENT_CREDIT)
    if switch.actuator_fault and target is not current:
        return Refused(current, event, SupplyRefusal.ACTUATOR_FAULT)
    return _record(switch, context, current, target, event, by)


def _record(
    switch: SupplySwitch,
    context: DeviceContext,
    current: SupplyState,
    target: SupplyState,
    event: SupplyEvent,
    by: str,
) -> SupplyChange:
    at = context.now
    change = SupplyChange(current, target, event, at, by)
    if target is not current or event is SupplyEvent.TAMPER_LOCK:
        switch.since = at
    switch.state = target.value
    # Only Enabled lets energy through (Armed waits for the consumer): the periods off
    # are taken out of what the meter registers (``supply_off``).
    went = note_supply(context.state, at, target is SupplyState.ENABLED)
    switch.cause = event.value
    switch.changed_by = by
    if event in REMOTE_EVENTS:
        switch.locked = False
    elif event is SupplyEvent.TAMPER_LOCK:
        switch.locked = True
    if event is not SupplyEvent.LOAD_LIMIT_EXCEEDED:
        switch.load_limit_restores_at = None
    switch.history.append(
        {
            "at": at.isoformat(),
            "from": current.value,
            "to": target.value,
            "event": event.value,
            "by": by,
        }
    )
    del switch.history[:-HISTORY_LIMIT]
    context.state.touch()
    if went:
        supply_changed(context)
    logged = LOGGED_CHANGES.get(event)
    if logged is not None and (target is not current or event is SupplyEvent.TAMPER_LOCK):
        record(context, logged)
    return change


def history(state: DeviceState) -> list[SupplyChange]:
    """The recorded changes, oldest first."""
    return [
        SupplyChange(
            SupplyState(item["from"]),
            SupplyState(item["to"]),
            SupplyEvent(item["event"]),
            datetime.fromisoformat(item["at"]),
            item["by"],
        )
        for item in switch_of(state).history
    ]
