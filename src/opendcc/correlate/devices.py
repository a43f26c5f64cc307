"""What the User knows about its Devices, handed to the transforms correlation re-runs.

A transform may depend on facts about the target beyond the request: its Device type, GBCS
version and ESME variant (which use case the DCC must send), the ESME an HCALCS is
Auxiliary Controller of (where the Command goes), the other Device of a join and its Key
Agreement certificate (which the Command carries). The DCC reads them from the Smart
Metering Inventory and the SMKI repository; a User has them too (its own records, the
inventory read of DUIS 8.2, the SMKI certificate search). ``DeviceFacts`` is that knowledge,
offered to the transforms through the inventory-view methods they look for.

Without facts about the target, correlation tries every Device type the variant applies to
and every generation of the use case (see ``opendcc.correlate.expected``), and the request
must then be one whose Command does not depend on another Device.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from opendcc.eui import Eui64
from opendcc.inventory.model import Device
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore


@dataclass(frozen=True, slots=True)
class DeviceDetails:
    """The ``device_details`` answer some transforms read (the ESME variant)."""

    esme_variant: str | None


@dataclass(slots=True)
class DeviceFacts:
    """A read-only inventory view of the User's Devices (the transforms' ``InventoryView``).

    ``devices`` by EUI; ``esme_variants`` the DUIS ``ESMEVariant`` of ESMEs (A single
    element, B twin element, C polyphase...); ``keystore`` holds Device certificates
    (those of join partners, found with ``opendcc.client.smki.add_device_certificates``).
    """

    devices: dict[Eui64, Device] = field(default_factory=dict)
    esme_variants: dict[Eui64, str] = field(default_factory=dict)
    keystore: Keystore | None = None

    @classmethod
    def of(
        cls,
        devices: Iterable[Device],
        *,
        esme_variants: Mapping[Eui64, str] | None = None,
        keystore: Keystore | None = None,
    ) -> DeviceFacts:
        return cls(
            {d.device_id: d for d in devices},
            dict(esme_variants or {}),
            keystore,
        )

    def get_device(self, eui: Eui64) -> Device | None:
        return self.devices.get(eui)

    def esme_variant(self, eui: Eui64) -> str | None:
        return self.esme_variants.get(eui)

    def device_details(self, eui: Eui64) -> DeviceDetails | None:
        variant = self.esme_variants.get(eui)
        return None if variant is None else DeviceDetails(variant)

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        return [] if self.keystore is None else self.keystore.for_eui(eui, usage)


@dataclass(frozen=True, slots=True)
class ProbeView:
    """The view a transform sees while correlation tries one Device profile: the User's
    facts (if any), with the target's ESME variant as the profile assumes."""

    facts: DeviceFacts | None
    target: Eui64
    target_esme_variant: str | None

    def get_device(self, eui: Eui64) -> Device | None:
        return None if self.facts is None else self.facts.get_device(eui)

    def esme_variant(self, eui: Eui64) -> str | None:
        if eui == self.target:
            return self.target_esme_variant
        return None if self.facts is None else self.facts.esme_variant(eui)

    def device_details(self, eui: Eui64) -> DeviceDetails | None:
        variant = self.esme_variant(eui)
        return None if variant is None else DeviceDetails(variant)

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        return [] if self.facts is None else self.facts.for_eui(eui, usage)
