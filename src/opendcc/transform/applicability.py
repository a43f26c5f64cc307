"""Which device types each device Service Reference Variant applies to (the E11 check).

DUIS states, for every Service Request, the Device types it may target; a request whose
target is of another type is refused with E11. This table is opendcc's record of those
facts (from the DUIS Service Request definitions, cross-checked against the targets of the
reference templates: gas reads go to the GSME or to the GPF that mirrors it; the HAN
requests 8.7 and 8.8 may target the joining HAN device). Non-device variants (CV 8) are
absent: they target the DCC.

Not every gas read goes to the GPF: 4.11.1 Read Tariff (GCS21f), 4.13 Read Prepayment
Configuration (GCS21b) and 6.2.9 Read Device Configuration (Payment Mode) (GCS21j) read
the tariff, prepayment configuration and payment mode the GSME itself holds (GBCS use
cases "Read GSME Tariff Data", "Read GSME Configuration Data Prepayment", "Read GSME
Configuration Data Device Information (Payment Mode)"), and their reference templates and
Commands all address the GSME, where the GPF-mirrored reads (4.1.x, 4.3, 4.14, 4.18) have
GPF variants too. They apply to the ESME and GSME only. Every (variant, device type) here
has a transform and every transform is listed (``tests/transform/test_applicability.py``).
"""

from __future__ import annotations

from typing import Final

from opendcc.inventory.model import DeviceType

E, G, C, P = DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF
PP, H = DeviceType.PPMID, DeviceType.HCALCS

_GAS = (G, P)
_METERS = (E, G)
_READS = (E, G, P)
_SECURED = (E, G, C, P)
"""Devices holding remote-party trust anchors (security credential requests)."""

_TABLE: Final[dict[str, tuple[DeviceType, ...]]] = {
    "1.1.1": _METERS, "1.1.2": (E,), "1.2.1": _METERS, "1.2.2": (E,),
    "1.5": _METERS, "1.6": _METERS, "1.7": (E,),
    "2.1": _METERS, "2.2": _METERS, "2.3": _METERS, "2.5": _METERS,
    "3.1": _METERS, "3.2": (E, P), "3.3": (E, G, P), "3.4": _METERS, "3.5": _METERS,
    "4.1.1": _READS, "4.1.2": _READS, "4.1.3": (E,), "4.1.4": _GAS,
    "4.2": (E,), "4.3": _READS,
    "4.4.2": _READS, "4.4.3": _READS, "4.4.4": _READS, "4.4.5": _READS,
    "4.6.1": _READS, "4.6.2": (E,),
    "4.8.1": _READS, "4.8.2": (E,), "4.8.3": (E,),
    "4.10": _READS, "4.11.1": _METERS, "4.11.2": (E,),
    "4.12.1": (E,), "4.12.2": (E,), "4.13": _METERS, "4.14": _READS,
    "4.15": (E,), "4.16": (E,), "4.17": _READS, "4.18": _READS,
    "6.2.1": (E,), "6.2.2": (E,), "6.2.3": _READS, "6.2.4": (E, G, C, P),
    "6.2.5": (E,), "6.2.7": _READS, "6.2.8": _GAS, "6.2.9": _METERS, "6.2.10": _METERS,
    "6.4.1": (E,), "6.4.2": (E,), "6.5": (E,), "6.6": (G,), "6.7": (G,), "6.8": _METERS,
    "6.11": _METERS, "6.12": (E,), "6.13": (E, G, C, P),
    "6.14.1": (E,), "6.14.2": (E,), "6.14.3": (E, H),
    "6.15.1": _SECURED, "6.15.2": _SECURED, "6.17": _SECURED,
    "6.18.1": (E,), "6.18.2": (E,), "6.20.1": _METERS, "6.20.2": (E,),
    "6.21": (C, P), "6.22": _METERS, "6.23": _METERS,
    "6.24.1": _SECURED, "6.24.2": _SECURED,
    "6.25": (E,), "6.26": (E,), "6.27": (E,),
    "6.28": (C,), "6.29": (C,), "6.30": (C,), "6.31": (C,), "6.32": (C,),
    "7.1": (E,), "7.2": _METERS, "7.3": _METERS, "7.4": _METERS,
    "7.5": (E,), "7.6": (E,), "7.7": (E,), "7.8": (E,), "7.9": (E,), "7.10": (E,),
    "7.11": (E,), "7.12": (E,), "7.13": (E, H), "7.14": (E, H), "7.15": (E, H), "7.16": (E,),
    "8.1.1": _METERS,
    "8.5": _SECURED,
    "8.7.1": (E, G, PP, H), "8.7.2": (E, G, PP, H),
    "8.8.1": (E, G, PP, H), "8.8.2": (E, G, PP, H),
    "8.9": (E, G, C, P), "8.11": (C,), "8.12.1": (C,), "8.12.2": (P,),
    "9.1": _METERS,
    "11.2": (E, G, C, P, PP, H), "11.3": (E, G, C, P, PP, H),
    "14.1": _GAS,
}  # fmt: skip

DEVICE_TYPES: Final[dict[str, frozenset[DeviceType]]] = {
    variant: frozenset(types) for variant, types in _TABLE.items()
}


def applies_to(variant: str, device_type: DeviceType) -> bool:
    """True when ``variant`` may target a Device of ``device_type``."""
    return device_type in DEVICE_TYPES.get(variant, frozenset())
