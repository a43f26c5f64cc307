"""What happens to a meter's supply outside Commands, for simulations to drive.

The hub's storm simulation (a regional power outage), the tariffs family (credit running
out) and test scenarios call these; each changes the Devices' state as GBCS says the
Device would and returns the Alerts the Device raises, already queued in the context it
was given (``DeviceSimulator.emit(context)`` builds them, with the Device's next alert
counters, in order). Give each Device a context whose ``now`` is the moment of the event.

- ``power_outage(chf, started_at, meters)`` / ``power_restored(chf, restored_at, meters)``:
  the Communications Hub loses mains power. The CHF tells the DCC over the SM WAN (not in
  GBCS), so ``power_outage`` returns the ``PowerOutageEvent`` the DCC puts in its DCC Alert
  AD1 (DUIS ``PowerOutageEvent``: CommsHubDeviceID, StartDateTime, MPxN); the ESMEs on the
  same supply go dark with it and note when. On restoration each ESME raises ECS80 Supply
  Outage Restored to its Network Operator (0x8F36 for an outage of three minutes or more,
  else 0x8F35), carrying the interruption and restoration times. A GSME runs on its
  battery and is not affected.
- ``tamper(meter, code)``: the meter detects a tamper (0x8F3F, 0x8F73-0x8F78, 0x81C3) and
  raises it to its Supplier; with ``lock_supply`` (the supply tamper state configured to
  lock) it also disables the supply, locked, and raises 0x81BE.
- ``consumer_restores_supply(meter)``: the consumer presses the button of an Armed meter.
- ``credit_exhausted`` / ``credit_restored``: prepayment disablement (0x8F0F) and re-arming
  when credit comes back (0x8F32 Supply Armed, or 0x8168 when emergency credit did it);
  in a non-disablement period the meter keeps supplying and raises 0x8F83 instead.
- ``load_limit_exceeded(meter, restoration_period)``: the ESME arms its supply (0x8F33)
  and, when the restoration period passes, enables it again (0x8F34, on its wake).
- ``uncontrolled_gas_flow(meter)``: the GSME arms its valve (0x81BF).
- ``boost_pressed(meter)``: the consumer presses the Boost Button: the associated
  auxiliary controllers switch on for the boost duration, and the Boost Button event log
  records the period (read by 7.11).
- ``set_switch_faults`` / ``set_auxiliary_fault`` / ``set_object_fault``: inject the
  faults the reference ERROR Responses show (the switch that does not move, a state that
  cannot be sensed, an auxiliary controller that does not answer, an auxiliary load
  control object whose storage in the ESME cannot be read or written).

Alert recipients default to the meter's Remote Parties (``devices.supply_parties``); an
Alert with no known recipient is not raised. The Devices log what happens
(``device_logs``): the interruption (0x8F57) in the ESME's Power Event Log and the CHF's
Event Log, and every Alert raised in the log GBCS gives its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

from opendcc.devices.device_logs import Change, record
from opendcc.devices.simulator import AlertSpec, DeviceContext, on_wake
from opendcc.devices.state import DeviceState, Section
from opendcc.devices.supply_alerts import (
    CREDIT_BELOW_DISABLEMENT_THRESHOLD,
    DISABLEMENT_SUSPENDED,
    EMERGENCY_CREDIT_ARMED,
    LOAD_LIMIT_ARMED,
    LOAD_LIMIT_RESTORED,
    SUPPLY_ARMED,
    TAMPER_CODES,
    TAMPER_LOCKED,
    UNCONTROLLED_GAS_FLOW_ARMED,
    generic,
    supply_outage_restored,
)
from opendcc.devices.supply_auxiliary import holds
from opendcc.devices.supply_auxiliary_state import (
    AuxiliaryFault,
    AuxiliaryLoadControl,
    Channel,
    Period,
)
from opendcc.devices.supply_off import note_supply, supply_changed
from opendcc.devices.supply_parties import party
from opendcc.devices.supply_state import (
    CONSUMER,
    DEVICE,
    Refused,
    SupplyChange,
    SupplyEvent,
    SupplyState,
    SupplySwitch,
    apply,
    switch_of,
)
from opendcc.eui import Eui64
from opendcc.gbcs.dlms.datetimes import to_gbcs_seconds
from opendcc.inventory.model import DeviceType
from opendcc.smki.identity import RemotePartyRole
from opendcc.transform.supply_objects import LEVEL_MAX, obis

OUTAGE_LIMIT: Final = 64


@dataclass(frozen=True, slots=True)
class PowerOutageEvent:
    """The content of the DCC Alert AD1 (DUIS ``PowerOutageEvent``)."""

    DCC_ALERT_CODE: ClassVar[str] = "AD1"
    comms_hub_device_id: Eui64
    start_date_time: datetime
    mpxn: str | None
    """The import MPAN of the premises (None when no ESME with an MPAN was given)."""


@dataclass(slots=True)
class MainsPower(Section):
    """The CHF's mains supply: off since when, and the outages it has had."""

    NAME = "mains_power"
    off_since: datetime | None = None
    outages: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class TamperLog(Section):
    """Tampers the meter has detected (code, time), newest last."""

    NAME = "tamper"
    events: list[dict[str, Any]] = field(default_factory=list)


def _require(context: DeviceContext, *types: DeviceType) -> None:
    if context.device.device_type not in types:
        names = ", ".join(t.value for t in types)
        raise ValueError(
            f"{context.device.device_id} is a {context.device.device_type.value}, not {names}"
        )


def _raise(context: DeviceContext, code: int, recipient: Eui64 | None) -> tuple[AlertSpec, ...]:
    if recipient is None:
        return ()
    spec = generic(context, code, recipient)
    context.raise_alert(spec)
    return (spec,)


def _supplier(context: DeviceContext, given: Eui64 | None) -> Eui64 | None:
    return given if given is not None else party(context, RemotePartyRole.SUPPLIER)


# --- mains power -------------------------------------------------------------------------------


def power_outage(
    chf: DeviceContext, started_at: datetime, meters: Sequence[DeviceContext] = ()
) -> PowerOutageEvent:
    """The CHF (and the ESMEs on its supply) lose mains power at ``started_at``."""
    _require(chf, DeviceType.CHF)
    mains = chf.state.get(MainsPower)
    if mains.off_since is None:
        mains.off_since = started_at
        chf.state.touch()
        record(chf, Change.SUPPLY_INTERRUPTED, started_at)
    mpxn = None
    for meter in meters:
        if meter.device.device_type is not DeviceType.ESME:
            continue
        switch = switch_of(meter.state)
        if switch.outage_since is None:
            switch.outage_since = started_at
            meter.state.touch()
            record(meter, Change.SUPPLY_INTERRUPTED, started_at)
            # No mains, no energy through the meter: measured as the supply off.
            if note_supply(meter.state, started_at, on=False):
                supply_changed(meter)
        mpxn = mpxn or meter.device.mpxn
    return PowerOutageEvent(chf.device.device_id, mains.off_since, mpxn)


def power_restored(
    chf: DeviceContext,
    restored_at: datetime,
    meters: Sequence[DeviceContext] = (),
    *,
    network_operator: Eui64 | None = None,
) -> dict[Eui64, tuple[AlertSpec, ...]]:
    """Mains power is back: each ESME that saw the outage raises ECS80 (in its own
    context) to ``network_operator`` (default: its Network Operator)."""
    _require(chf, DeviceType.CHF)
    mains = chf.state.get(MainsPower)
    if mains.off_since is not None:
        mains.outages.append({"start": mains.off_since.isoformat(), "end": restored_at.isoformat()})
        del mains.outages[:-OUTAGE_LIMIT]
        mains.off_since = None
        chf.state.touch()
    raised: dict[Eui64, tuple[AlertSpec, ...]] = {}
    for meter in meters:
        if meter.device.device_type is not DeviceType.ESME:
            continue
        switch = switch_of(meter.state)
        since = switch.outage_since
        if since is None:
            continue
        switch.outage_since = None
        meter.state.touch()
        # Energy flows again if the switch lets it through (it did not move meanwhile).
        if switch.supply_state is SupplyState.ENABLED and note_supply(
            meter.state, restored_at, on=True
        ):
            supply_changed(meter)
        recipient = network_operator or party(meter, RemotePartyRole.NETWORK_OPERATOR)
        if recipient is None:
            continue
        spec = supply_outage_restored(meter, since, restored_at, recipient)
        meter.raise_alert(spec)
        raised[meter.device.device_id] = (spec,)
    return raised


# --- tamper ------------------------------------------------------------------------------------


def tamper(
    meter: DeviceContext,
    code: int,
    *,
    supplier: Eui64 | None = None,
    lock_supply: bool = False,
) -> tuple[AlertSpec, ...]:
    """The meter detects tamper ``code``; with ``lock_supply`` its supply is locked off."""
    if code not in TAMPER_CODES:
        raise ValueError(f"0x{code:04X} is not a tamper alert code")
    log = meter.state.get(TamperLog)
    log.events.append({"at": meter.now.isoformat(), "code": f"{code:04X}"})
    del log.events[:-OUTAGE_LIMIT]
    meter.state.touch()
    recipient = _supplier(meter, supplier)
    specs = _raise(meter, code, recipient)
    meter_type = meter.device.device_type in (DeviceType.ESME, DeviceType.GSME)
    if (
        lock_supply
        and meter_type
        and isinstance(apply(meter, SupplyEvent.TAMPER_LOCK, by=DEVICE), SupplyChange)
    ):
        specs += _raise(meter, TAMPER_LOCKED, recipient)
    return specs


# --- the consumer, prepayment, load limit, gas flow --------------------------------------------


def consumer_restores_supply(meter: DeviceContext) -> SupplyChange | Refused:
    """The consumer presses the button of an Armed meter (refused without credit, locked)."""
    _require(meter, DeviceType.ESME, DeviceType.GSME)
    return apply(meter, SupplyEvent.CONSUMER_RESTORE, by=CONSUMER)


def credit_exhausted(
    meter: DeviceContext, *, supplier: Eui64 | None = None, non_disablement: bool = False
) -> tuple[AlertSpec, ...]:
    """Prepayment credit (and emergency credit) has run out: disable supply, or, in a
    non-disablement period, keep supplying and say so."""
    _require(meter, DeviceType.ESME, DeviceType.GSME)
    recipient = _supplier(meter, supplier)
    if non_disablement:
        return _raise(meter, DISABLEMENT_SUSPENDED, recipient)
    outcome = apply(meter, SupplyEvent.CREDIT_EXHAUSTED, by=DEVICE)
    if isinstance(outcome, Refused):
        return ()
    return _raise(meter, CREDIT_BELOW_DISABLEMENT_THRESHOLD, recipient)


def credit_restored(
    meter: DeviceContext, *, supplier: Eui64 | None = None, emergency_credit: bool = False
) -> tuple[AlertSpec, ...]:
    """Credit is back after a credit disablement: arm the supply for the consumer."""
    _require(meter, DeviceType.ESME, DeviceType.GSME)
    if isinstance(apply(meter, SupplyEvent.CREDIT_RESTORED, by=DEVICE), Refused):
        return ()
    code = EMERGENCY_CREDIT_ARMED if emergency_credit else SUPPLY_ARMED
    return _raise(meter, code, _supplier(meter, supplier))


def load_limit_exceeded(
    meter: DeviceContext,
    restoration_period: timedelta | None,
    *,
    supplier: Eui64 | None = None,
) -> tuple[AlertSpec, ...]:
    """The load limit tripped: arm the supply; enable it again after the restoration
    period (None: wait for the consumer)."""
    _require(meter, DeviceType.ESME)
    if isinstance(apply(meter, SupplyEvent.LOAD_LIMIT_EXCEEDED, by=DEVICE), Refused):
        return ()
    if restoration_period is not None:
        at = meter.now + restoration_period
        switch_of(meter.state).load_limit_restores_at = at
        meter.wake_at(at)
    return _raise(meter, LOAD_LIMIT_ARMED, _supplier(meter, supplier))


@on_wake
def end_load_limit_restoration(context: DeviceContext) -> None:
    """Enable the supply when a load limit's restoration period has passed (0x8F34)."""
    if context.device.device_type is not DeviceType.ESME or not context.state.has(SupplySwitch):
        return
    switch = switch_of(context.state)
    due = switch.load_limit_restores_at
    if due is None:
        return
    if due > context.now:
        context.wake_at(due)
        return
    outcome = apply(context, SupplyEvent.LOAD_LIMIT_RESTORED, by=DEVICE)
    switch.load_limit_restores_at = None
    context.state.touch()
    if isinstance(outcome, SupplyChange):
        _raise(context, LOAD_LIMIT_RESTORED, party(context, RemotePartyRole.SUPPLIER))


def uncontrolled_gas_flow(
    meter: DeviceContext, *, supplier: Eui64 | None = None
) -> tuple[AlertSpec, ...]:
    """The gas flow stayed above the uncontrolled flow threshold: arm the valve."""
    _require(meter, DeviceType.GSME)
    if isinstance(apply(meter, SupplyEvent.UNCONTROLLED_GAS_FLOW, by=DEVICE), Refused):
        return ()
    return _raise(meter, UNCONTROLLED_GAS_FLOW_ARMED, _supplier(meter, supplier))


# --- boost --------------------------------------------------------------------------------------


def boost_pressed(meter: DeviceContext, duration: timedelta | None = None) -> tuple[int, ...]:
    """The consumer presses the Boost Button: the associated controllers switch on for the
    boost duration (the meter's own, unless ``duration`` is given). Returns the
    controllers switched; nothing happens when the Boost Function is unavailable."""
    _require(meter, DeviceType.ESME)
    section = meter.state.get(AuxiliaryLoadControl)
    if not section.boost_available:
        return ()
    length = duration or timedelta(minutes=section.boost_duration_minutes)
    end = meter.now + length
    switched = []
    for controller in section.controllers:
        if controller.boost and controller.fault is None:
            channel = controller.channel(Channel.OUTPUT)
            channel.command = Period(LEVEL_MAX, meter.now, end, CONSUMER)
            switched.append(controller.n)
    section.boost_log.append([to_gbcs_seconds(meter.now), to_gbcs_seconds(end)])
    del section.boost_log[:-64]
    section.record(meter.now, 0, f"boost until {end.isoformat()}", CONSUMER)
    meter.state.touch()
    return tuple(switched)


# --- faults -------------------------------------------------------------------------------------


def set_switch_faults(state: DeviceState, *, actuator: bool, sensor: bool) -> None:
    """Make the supply switch (or valve) stop moving and/or stop being readable."""
    switch = switch_of(state)
    switch.actuator_fault, switch.sensor_fault = actuator, sensor
    state.touch()


def set_auxiliary_fault(state: DeviceState, n: int, fault: AuxiliaryFault | None) -> None:
    """Give Auxiliary Controller [n] a fault (or clear it)."""
    controller = state.get(AuxiliaryLoadControl).controller(n)
    controller.fault = None if fault is None else fault.value
    state.touch()


def set_object_fault(state: DeviceState, instance: str, faulty: bool = True) -> None:
    """Give the ESME's storage of auxiliary load control object ``instance`` (an OBIS code
    such as ``0-0:94.44.0.1``) a hardware fault, or clear it: every get, set or action on
    the object then answers hardware-fault (DLMS data-access-result / action-result 1),
    whichever controller it belongs to (``devices.supply_auxiliary``)."""
    if not holds(instance):
        raise ValueError(f"{instance!r} is not an auxiliary load control object of the ESME")
    code = str(obis(instance))  # one spelling per object
    section = state.get(AuxiliaryLoadControl)
    faults = [o for o in section.faulty_objects if o != code]
    if faulty:
        faults.append(code)
    section.faulty_objects = sorted(faults)
    state.touch()
