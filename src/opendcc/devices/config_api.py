"""What other families (and tools) may ask of the configuration family's Device state.

Each function reads (or, where named so, changes) one Device's ``DeviceState``; none
needs a Command. See ``docs/catalogue-config.md`` for the contracts.

- ``alert_enabled(state, code)``: whether the Device raises alert ``code`` on the WAN (the
  6.22 behaviour; codes DUIS does not let Users configure are always raised).
- ``behaviour(state, code, kind)``: the same for the HAN, alarm and logging behaviours.
- ``display_message(state, now)``: the supplier's message on show (3.1), honouring a GSME
  message's duration.
- ``device_time(state, now)``: the Device's clock (the hub's time plus the Device's offset,
  which 6.11 clears).
- ``change_of_tenancy(state)``, ``privacy_pin_enabled(state)``, ``supplier_details(state)``:
  what 3.2, 3.5 and 3.4 set.
- ``import_mpxn(state)``, ``export_mpan(state)``: the MPxNs the Device holds (6.20, 6.2.7).
- ``last_reset(state, obis)``: when a log (``0-0:99.98.0.255`` the ESME event log,
  ``0-17:99.98.2.255`` the auxiliary controller event log, ``zigbee-event-log`` a GSME's
  or GPF's) or a counter or maximum demand register was last cleared (3.3, 6.4.2, 6.18.2,
  6.27): entries or values from before are gone.
- ``auxiliary_switches``, ``scheduled_switch_state``, ``scheduled_controller_level``: the
  auxiliary load control configuration (6.14) the supply family switches by.
- ``inject_fault(state, key, result)``, ``clear_faults(state)``: make a Device answer with
  a failure code, as the reference ERROR vectors do.
"""

from __future__ import annotations

from datetime import datetime

from opendcc.devices.config_alerts import (
    ALARM,
    BEHAVIOUR_BITS,
    BEHAVIOUR_OBJECTS,
    PUSH_HAN,
    PUSH_WAN,
    BehaviourKind,
    behaviour_bit,
    configurable,
    default_event_configuration,
    default_on,
    party_group,
)
from opendcc.devices.config_aux import (
    AuxiliarySwitch,
    ScheduledAction,
    auxiliary_switches,
    scheduled_action,
    scheduled_controller_level,
    scheduled_switch_state,
)
from opendcc.devices.config_cosem import device_time, read_value, write_value
from opendcc.devices.config_state import (
    DeviceFaults,
    EventConfiguration,
    GasConfiguration,
    LogClears,
)
from opendcc.devices.state import DeviceState
from opendcc.gbcs.dlms.data import BitString, OctetString
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.inventory.model import DeviceType

__all__ = [
    "AuxiliarySwitch",
    "ScheduledAction",
    "alert_enabled",
    "auxiliary_switches",
    "behaviour",
    "change_of_tenancy",
    "clear_faults",
    "device_time",
    "display_message",
    "export_mpan",
    "import_mpxn",
    "inject_fault",
    "last_reset",
    "privacy_pin_enabled",
    "scheduled_action",
    "scheduled_controller_level",
    "scheduled_switch_state",
    "set_meter_variant",
    "supplier_details",
]

_ZSE_BIT = {BehaviourKind.WAN: PUSH_WAN, BehaviourKind.HAN: PUSH_HAN, BehaviourKind.ALARM: ALARM}


def behaviour(state: DeviceState, code: int, kind: BehaviourKind | str) -> bool:
    """Whether the Device acts on alert/event ``code`` in the way ``kind`` names.

    Codes outside the configurable set are always raised and logged."""
    kind = BehaviourKind(kind)
    device_type = state.device.device_type
    if not configurable(device_type, code):
        return kind in (BehaviourKind.WAN, BehaviourKind.LOG)
    if device_type is DeviceType.GSME:
        config = state.get(EventConfiguration).configurations.get(
            f"{code:04X}", default_event_configuration(code)
        )
        if kind is BehaviourKind.LOG:
            return config & 0x07 != 0
        return bool(config & _ZSE_BIT[kind])
    obis = BEHAVIOUR_OBJECTS.get((party_group(code), kind))
    if obis is None:
        return False
    value = read_value(state, 1, obis, 2)
    if not isinstance(value, BitString) or value.length != BEHAVIOUR_BITS:
        return default_on(code, kind)
    return value.bits[behaviour_bit(code)] == "1"


def alert_enabled(state: DeviceState, code: int) -> bool:
    """Whether the Device sends alert ``code`` over the WAN: the check other families make
    before ``DeviceContext.raise_alert``."""
    return behaviour(state, code, BehaviourKind.WAN)


def import_mpxn(state: DeviceState) -> tuple[str, ...]:
    """The import MPAN (and a twin element ESME's secondary MPAN), or the GSME's MPRN."""
    if state.device.device_type in (DeviceType.GSME, DeviceType.GPF):
        mprn = state.get(GasConfiguration).mprn
        return (mprn,) if mprn else ()
    value = read_value(state, 1, "0-0:94.44.34.11", 2)
    text = value.value.decode("ascii", "replace") if isinstance(value, OctetString) else ""
    return tuple(text[i : i + 13] for i in range(0, len(text), 13))


def export_mpan(state: DeviceState) -> str | None:
    value = read_value(state, 1, "1-0:0.0.2.255", 2)
    if isinstance(value, OctetString) and value.value:
        return value.value.decode("ascii", "replace")
    return None


def display_message(state: DeviceState, now: datetime) -> str | None:
    """The supplier's message the Device shows at ``now`` (3.1): an ESME shows the last one
    until replaced; a GSME from its start time for its duration."""
    if state.device.device_type in (DeviceType.GSME, DeviceType.GPF):
        section = state.get(GasConfiguration)
        start, until = section.display_message_from, section.display_message_until
        if section.display_message is None or (start is not None and now < start):
            return None
        if until is not None and now >= until:
            return None
        return section.display_message
    value = read_value(state, 1, "0-2:96.13.1.255", 2)
    if isinstance(value, OctetString) and value.value:
        return value.value.decode("latin-1")
    return None


def change_of_tenancy(state: DeviceState) -> datetime | None:
    """The change of tenancy date (3.2): data from before it is the previous tenant's."""
    if state.device.device_type in (DeviceType.GSME, DeviceType.GPF):
        return state.get(GasConfiguration).change_of_tenancy
    value = read_value(state, 1, "0-0:94.44.3.2", 2)
    if isinstance(value, OctetString) and len(value.value) == 12:
        return CosemDateTime.from_bytes(value.value).to_datetime()
    return None


def privacy_pin_enabled(state: DeviceState) -> bool:
    """Whether the consumer's privacy PIN protects the Device's display (3.5 disables it)."""
    if state.device.device_type in (DeviceType.GSME, DeviceType.GPF):
        return state.get(GasConfiguration).privacy_pin_enabled
    value = read_value(state, 1, "0-0:94.44.3.1", 2)
    return isinstance(value, OctetString) and value.value != b""


def supplier_details(state: DeviceState) -> tuple[str, str]:
    """The supplier's name and telephone number the Device shows (3.4)."""
    if state.device.device_type in (DeviceType.GSME, DeviceType.GPF):
        section = state.get(GasConfiguration)
        return section.supplier_name, section.supplier_contact
    name = read_value(state, 9000, "0-0:96.13.1.255", 2)
    phone = read_value(state, 9000, "0-0:96.13.0.255", 2)
    return (
        name.value.decode("latin-1") if isinstance(name, OctetString) else "",
        phone.value.decode("latin-1") if isinstance(phone, OctetString) else "",
    )


def last_reset(state: DeviceState, obis: str) -> datetime | None:
    return state.get(LogClears).cleared.get(obis)


def set_meter_variant(state: DeviceState, variant: str) -> None:
    """Record the ESME's variant (DUIS ESMEVariant: A single element, B twin element, C
    polyphase...): which objects it has. An installation fact, not a Command."""
    write_value(state, 1, "0-0:96.1.2.255", 2, OctetString(variant.encode("ascii")))


def inject_fault(state: DeviceState, key: str, result: int = 1) -> None:
    """Make the Device answer ``result`` (default 1, hardware fault) for ``key``:
    ``class/OBIS/attribute``, ``class/OBIS/m<method>`` (DLMS), ``<cluster>:<attribute>``,
    ``<cluster>:<command>`` or ``<cluster>:<command>#<n>`` (the n-th component of a GBZ
    Command; ``ReadAttributes`` names a read), or an activation key (its 8F67)."""
    state.get(DeviceFaults).failing[key] = result
    state.touch()


def clear_faults(state: DeviceState) -> None:
    state.get(DeviceFaults).failing.clear()
    state.touch()
