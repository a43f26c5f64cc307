"""The EUI-64 ranges opendcc gives out for the Users and Devices it invents.

All start with octet ``02``: the IEEE "locally administered" bit set, so they can never be
a manufacturer's or Party's real (IEEE-assigned) EUI, and ``0D-CC`` marks them as opendcc's.

- ``02-0D-CC-00-...``: Parties. The SMKI demo PKI (``opendcc pki init``) gives its Users
  ``02-0D-CC-00-00-RR-00-NN`` (RR: 01 suppliers, 02 network operators, 07 other users);
  the demo estate's own Users (``estate.demo``) follow the same pattern and agree with it.
- ``02-0D-CC-01-...``: demo-estate Devices; premises ``n`` owns the eight EUIs
  ``base + 8n`` to ``base + 8n + 7`` (one slot per device kind), so a simulation can work
  out any premises' device EUIs without a look-up.
- ``02-0D-CC-02-...``: single Devices opendcc adds to a fixed estate (the rtds IHD).
"""

from __future__ import annotations

import enum
from typing import Final

from opendcc.eui import Eui64

PARTY_BASE: Final = 0x020D_CC00_0000_0000
DEVICE_BASE: Final = 0x020D_CC01_0000_0000
EXTRA_DEVICE_BASE: Final = 0x020D_CC02_0000_0000
_RANGE_SIZE: Final = 1 << 32

MAX_PREMISES: Final = _RANGE_SIZE // 8


class Slot(enum.IntEnum):
    """Which of a demo premises' eight device EUIs a device takes."""

    CHF = 0
    ESME = 1
    GSME = 2
    GPF = 3
    IHD = 4
    PPMID = 5
    HCALCS = 6
    REPLACED_ESME = 7
    """An ESME taken out of service and replaced (decommissioned, kept for its history)."""


def demo_device_eui(premises: int, slot: Slot) -> Eui64:
    if not 0 <= premises < MAX_PREMISES:
        raise ValueError(f"premises index out of range: {premises}")
    return Eui64(DEVICE_BASE + premises * 8 + slot)


def demo_premises_of(eui: Eui64) -> tuple[int, Slot] | None:
    """The premises index and slot of a demo-estate Device EUI, or None."""
    offset = eui.value - DEVICE_BASE
    if not 0 <= offset < _RANGE_SIZE:
        return None
    return offset // 8, Slot(offset % 8)


def extra_device_eui(index: int) -> Eui64:
    if not 0 <= index < _RANGE_SIZE:
        raise ValueError("extra device index out of range")
    return Eui64(EXTRA_DEVICE_BASE + index)


def is_opendcc_eui(eui: Eui64) -> bool:
    """Whether ``eui`` lies in one of opendcc's own ranges."""
    return PARTY_BASE <= eui.value < EXTRA_DEVICE_BASE + _RANGE_SIZE
