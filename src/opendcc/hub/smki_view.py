"""The inventory view the hub's transforms see: the Smart Metering Inventory plus the SMKI.

A transform that needs another Device's certificate asks its inventory view for it
(``for_eui``). In the hub that certificate comes from the SMKI repository, never from the
request: DUIS 8.7.1 / 8.7.2 (Join Service) name only ``OtherDeviceID``, and for a method C
join (GBCS 13.7.5, use case CS03C: a GSME and a PPMID) the DCC places the other Device's
Key Agreement certificate, as the SMKI holds it now, into the Join Device Command. A
certificate a User or a test vector carries for that Device plays no part: if it differs
from the repository's (the reference vectors of CS03C carry a 2015 issue of the PPMID's key
where the reference keystore holds a 2016 one), the repository's is the one sent.
"""

from __future__ import annotations

from typing import Any

from opendcc.eui import Eui64
from opendcc.smki.directory import CertificateDirectory, CertificateRecord
from opendcc.smki.identity import KeyUsage


class SmkiInventoryView:
    """``inventory`` with ``for_eui`` answered from ``smki``; made once, when the hub starts.

    Transforms find optional capabilities of the inventory with runtime-checkable Protocols
    (``esme_variant``, ``device_details``, ``device_log_backup``), which look attributes up
    statically from Python 3.12 on: the inventory's public methods are therefore bound onto
    this object itself, not only reached through ``__getattr__``.
    """

    def __init__(self, inventory: Any, smki: CertificateDirectory) -> None:
        self._inventory = inventory
        self._smki = smki
        for name in dir(inventory):
            if name.startswith("_") or name == "for_eui":
                continue
            value = getattr(inventory, name, None)
            if callable(value):
                self.__dict__[name] = value

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        """The Device's unrevoked certificates of ``usage`` in the SMKI repository, newest
        first (none for a Device the SMKI does not know)."""
        return [r for r in self._smki.for_eui(eui, usage) if r.revoked_at is None]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inventory, name)
