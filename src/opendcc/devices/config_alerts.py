"""Alert and event behaviours: which alerts a Device raises (DUIS 6.22 writes them, 6.2.10
reads them), and the function other families call before raising an alert.

ESME (DLMS): each of the Supplier's (0-30) and the Network Operator's (0-33) behaviour
objects is a 256-bit string, one bit per alert code, bit ``code & 0xFF`` counted from the
least significant end (``behaviour_bit``); the Supplier's objects hold the 0x81xx codes,
the Network Operator's the 0x80xx codes. Four kinds: WAN alert (``.15``), HAN device event
(``.16``), audible alarm (``.17``), logging (``.18``); the Network Operator has WAN and
logging only. A 6.22 Command writes a 512-bit *setting* (``.11`` to ``.14``: mask then
values) that the ESME applies to the matching behaviour.

GSME (ZigBee): a ZSE event configuration bitmap per event (logging in bits 0-2, bit 3
WAN, bit 4 HAN, bit 6 alarm).

Only the codes DUIS lets Users configure (the ``x8xxx`` elements of the DUIS schema's
ConfigureAlertBehaviour types, ``CONFIGURABLE``) have a behaviour; every other alert a
Device raises is always raised (critical and mandatory alerts). Defaults: every
configurable alert is raised on the WAN and logged, except the Device's own command
acknowledgements (0x8154, 0x8155, 0x8161, 0x8162) and 0x8145 (clock adjusted within
tolerance), which are logged only: opendcc's choice of a quiet, complete starting point.

The check other families make before raising an alert is ``config_api.alert_enabled``.
"""

from __future__ import annotations

import enum
import functools
from typing import Final

from opendcc.gbcs.dlms.data import BitString
from opendcc.inventory.model import DeviceType

BEHAVIOUR_BITS: Final = 256


class BehaviourKind(enum.StrEnum):
    WAN = "wan"
    HAN = "han"
    ALARM = "alarm"
    LOG = "log"


# The alert codes DUIS lets each party configure (DUIS schema V5.4, ConfigureAlertBehaviour).
# fmt: off
SUPPLIER_ESME: Final = frozenset({
    0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183,
    0x81A0, 0x81A1, 0x81A2, 0x81A3, 0x81A4, 0x81A5, 0x81A6, 0x81A7, 0x81A8, 0x81A9,
    0x81AA, 0x81AB, 0x81AC, 0x81AD, 0x81AE, 0x81AF, 0x81B0, 0x81B1, 0x81B2, 0x81B3,
    0x81B7, 0x81B8, 0x81B9, 0x81BA, 0x81BB, 0x81BC, 0x81BD, 0x81BE, 0x81C0, 0x81C1,
    0x81C4, 0x81C5, 0x81C6,
})
NETWORK_OPERATOR_ESME: Final = frozenset({
    0x8002, 0x8003, 0x8004, 0x8005, 0x8006, 0x8007, 0x8008, 0x8009, 0x8010, 0x8011,
    0x8013, 0x8014, 0x8015, 0x8016, 0x8020, 0x8021, 0x8022, 0x8023, 0x8024, 0x8025,
    0x8026, 0x8027, 0x8028, 0x8029, 0x802A, 0x802B, 0x802C, 0x802D, 0x802E, 0x802F,
    0x8085, 0x8086, 0x8087, 0x8088, 0x8089, 0x808A, 0x808B, 0x808C, 0x808D, 0x808E,
    0x808F, 0x8090, 0x8091, 0x8092, 0x8093, 0x8094, 0x8095, 0x8096, 0x8097, 0x8098,
    0x8099, 0x809A, 0x809B, 0x809C,
})
SUPPLIER_GSME: Final = frozenset({
    0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183,
    0x8184, 0x81A0, 0x81A1, 0x81A4, 0x81A5, 0x81A6, 0x81A7, 0x81A8, 0x81A9, 0x81AA,
    0x81AB, 0x81AC, 0x81AD, 0x81AE, 0x81AF, 0x81B0, 0x81B1, 0x81B2, 0x81B3, 0x81B4,
    0x81B5, 0x81B6, 0x81B9, 0x81BA, 0x81BC, 0x81BD, 0x81BE, 0x81BF, 0x81C0, 0x81C2,
    0x81C3, 0x81C4, 0x81C5, 0x81C6,
})
# fmt: on
LOGGED_ONLY: Final = frozenset({0x8145, 0x8154, 0x8155, 0x8161, 0x8162})

# ZSE event configuration bits.
LOG_GENERAL: Final = 0x03
PUSH_WAN: Final = 0x08
PUSH_HAN: Final = 0x10
ALARM: Final = 0x40

# (party OBIS group, kind) -> behaviour object OBIS (class 1, attribute 2).
BEHAVIOUR_OBJECTS: Final[dict[tuple[int, BehaviourKind], str]] = {
    (30, BehaviourKind.WAN): "0-30:97.98.15.255",
    (30, BehaviourKind.HAN): "0-30:97.98.16.255",
    (30, BehaviourKind.ALARM): "0-30:97.98.17.255",
    (30, BehaviourKind.LOG): "0-30:97.98.18.255",
    (33, BehaviourKind.WAN): "0-33:97.98.15.255",
    (33, BehaviourKind.LOG): "0-33:97.98.18.255",
}
SETTING_TO_BEHAVIOUR: Final[dict[str, str]] = {
    f"0-{g}:97.98.{11 + i}.255": f"0-{g}:97.98.{15 + i}.255" for g in (30, 33) for i in range(4)
}
"""A 6.22 setting object -> the behaviour object it changes."""


def behaviour_bit(code: int) -> int:
    """The position (0 = most significant) of ``code`` in a 256-bit behaviour string."""
    return BEHAVIOUR_BITS - 1 - (code & 0xFF)


def party_group(code: int) -> int:
    """The OBIS B of the party whose objects configure ``code``: 30 Supplier (0x81xx),
    33 Network Operator (0x80xx)."""
    return 30 if code >> 8 == 0x81 else 33


def configurable(device_type: DeviceType, code: int) -> bool:
    if device_type is DeviceType.ESME:
        return code in SUPPLIER_ESME or code in NETWORK_OPERATOR_ESME
    if device_type is DeviceType.GSME:
        return code in SUPPLIER_GSME
    return False


def default_on(code: int, kind: BehaviourKind) -> bool:
    if kind is BehaviourKind.LOG:
        return True
    if kind is BehaviourKind.WAN:
        return code not in LOGGED_ONLY
    return False


@functools.cache
def default_behaviour(obis: str) -> BitString:
    """The initial 256-bit behaviour object ``obis`` (module docstring defaults); made once
    per object (a BitString is immutable): the Device logs consult it for every Command."""
    group = int(obis.split(":", maxsplit=1)[0].split("-")[1])
    kind = next(k for (g, k), o in BEHAVIOUR_OBJECTS.items() if o == obis and g == group)
    codes = SUPPLIER_ESME if group == 30 else NETWORK_OPERATOR_ESME
    bits = ["0"] * BEHAVIOUR_BITS
    for code in codes:
        if default_on(code, kind):
            bits[behaviour_bit(code)] = "1"
    return BitString.from_bits("".join(bits))


def default_event_configuration(code: int) -> int:
    """A GSME event's initial ZSE configuration."""
    return LOG_GENERAL | (0 if code in LOGGED_ONLY else PUSH_WAN)
