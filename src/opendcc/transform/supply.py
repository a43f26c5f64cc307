"""Transforms of the supply Service Requests (DUIS 7.1 to 7.4): the load switch and the valve.

- 7.1 Enable Supply: ESME ECS42, Disconnect control script 51. No gas use case: a gas
  valve is never opened remotely, only armed.
- 7.2 Disable Supply: ESME ECS43, script 52; GSME GCS32, Metering ChangeSupply to Off.
- 7.3 Arm Supply: ESME ECS44, script 54; GSME GCS39, ChangeSupply to Armed.
- 7.4 Read Supply Status: ESME ECS45, get the Disconnect control ``control_state``;
  GSME GCS33, read the Metering RemainingBatteryLifeInDays and SupplyStatus.

7.1 to 7.3 are critical (the DCC returns a Pre-Command for the User to sign); 7.4 is not.
None of them may be future-dated (DUIS response pattern "No"), so ``execution_at`` is
never set for them and the Commands act at once (ChangeSupply's implementation date-time
0 means "now"). The bodies carry nothing but the element itself.

The ZigBee ``issuer_event_id`` of ChangeSupply is the UTC time of the transformation in
ZigBee seconds (since 2000-01-01): Smart Energy devices compare issuer event ids to tell a
newer instruction from an older one, and a clock value always increases. The reference
Commands were made at 2015-01-01T00:00:00Z and carry 473385600.
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import LongUnsigned
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.timefmt import utc_seconds
from opendcc.inventory.model import DeviceType
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms
from opendcc.transform.supply_objects import (
    CONTROL_STATE_ATTRIBUTE,
    DISCONNECT_CONTROL,
    DISCONNECT_CONTROL_CLASS,
    DISCONNECT_SCRIPT_TABLE,
    EXECUTE_METHOD,
    REFUSAL,
    SCRIPT_TABLE_CLASS,
    DisconnectScript,
)
from opendcc.transform.supply_prebuilt import FixedRequest

ECS42: Final = 0x004F
ECS43: Final = 0x0050
ECS44: Final = 0x0051
ECS45: Final = 0x0052
GCS32: Final = 0x0081
GCS33: Final = 0x0082
GCS39: Final = 0x0085

SUPPLY_OFF: Final = 0
SUPPLY_ARMED: Final = 1
SUPPLY_ON: Final = 2
"""Smart Energy supply status values (Metering cluster SupplyStatus, ChangeSupply)."""

ACKNOWLEDGE_REQUIRED: Final = 0x01
"""ChangeSupply supply control bit 0: the meter answers with a SupplyStatusResponse."""

_DISCONNECT_USE_CASES: Final = {
    "7.1": ("ECS42", ECS42, DisconnectScript.ENABLE),
    "7.2": ("ECS43", ECS43, DisconnectScript.DISABLE),
    "7.3": ("ECS44", ECS44, DisconnectScript.ARM),
}
_VALVE_USE_CASES: Final = {
    "7.2": ("GCS32", GCS32, SUPPLY_OFF),
    "7.3": ("GCS39", GCS39, SUPPLY_ARMED),
}


_SCRIPTS: Final = {
    variant: FixedRequest(
        [
            b.action(
                SCRIPT_TABLE_CLASS,
                DISCONNECT_SCRIPT_TABLE,
                EXECUTE_METHOD,
                LongUnsigned(int(script)),
            )
        ]
    )
    for variant, (_, _, script) in _DISCONNECT_USE_CASES.items()
}
_READ_SWITCH: Final = FixedRequest(
    [b.get(DISCONNECT_CONTROL_CLASS, DISCONNECT_CONTROL, CONTROL_STATE_ATTRIBUTE)]
)
_READ_VALVE: Final = encode_gbz(
    z.command_payload(
        z.component(
            "Metering", z.read_attributes("Metering", "RemainingBatteryLifeInDays", "SupplyStatus")
        ),
        use_case="GCS33",
    )
)


@transforms("7.1", DeviceType.ESME)
@transforms("7.2", DeviceType.ESME)
@transforms("7.3", DeviceType.ESME)
def operate_load_switch(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.1 / 7.2 / 7.3 on an ESME: GBCS ECS42 / ECS43 / ECS44, one action executing the
    Disconnect control script that closes, opens or arms the load switch."""
    use_case, code, _script = _DISCONNECT_USE_CASES[request.variant]
    payload = _SCRIPTS[request.variant].encode(request.counter)
    return CommandSpec(use_case, code, request.target, payload)


@transforms("7.4", DeviceType.ESME)
def read_load_switch(request: TransformInput) -> CommandSpec:
    """7.4 on an ESME: GBCS ECS45, a get of the load switch's ``control_state``."""
    return CommandSpec("ECS45", ECS45, request.target, _READ_SWITCH.encode(request.counter))


@transforms("7.2", DeviceType.GSME)
@transforms("7.3", DeviceType.GSME)
def operate_valve(request: TransformInput) -> CommandSpec | TransformRefusal:
    """7.2 / 7.3 on a GSME: GBCS GCS32 / GCS39, a Metering ChangeSupply to Off or Armed,
    to be carried out at once, acknowledgement required."""
    use_case, code, status = _VALVE_USE_CASES[request.variant]
    try:
        issuer_event_id = utc_seconds(request.now)
    except ValueError:
        return TransformRefusal(REFUSAL, "the transformation time has no time zone")
    if not 0 <= issuer_event_id < 0xFFFFFFFF:
        return TransformRefusal(REFUSAL, "the transformation time is outside ZigBee UTC time")
    change = z.cluster_command(
        "Metering",
        "ChangeSupply",
        provider_id=0,
        issuer_event_id=issuer_event_id,
        request_date_time=0,
        implementation_date_time=0,
        proposed_supply_status=status,
        supply_control_bits=ACKNOWLEDGE_REQUIRED,
    )
    payload = z.command_payload(z.component("Metering", change), use_case=use_case)
    return CommandSpec(use_case, code, request.target, encode_gbz(payload))


@transforms("7.4", DeviceType.GSME)
def read_valve(request: TransformInput) -> CommandSpec:
    """7.4 on a GSME: GBCS GCS33, a Metering Read Attributes of the battery life and the
    supply (valve) status (the same bytes every time: ZigBee reads carry no counter)."""
    return CommandSpec("GCS33", GCS33, request.target, _READ_VALVE)
