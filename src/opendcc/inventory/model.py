"""What the Smart Metering Inventory records about a Device, and registration data.

Names follow DUIS and the SEC: ``DeviceType`` values are the DUIS DeviceType strings,
``SmiStatus`` values the DUIS DeviceStatus strings. Registration data (from the
electricity and gas registration systems) say which Supplier and Network Operator hold an
MPAN or MPRN over time; the DCC checks a User's right to act on a Device against them
(the E4 check).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from opendcc.eui import Eui64


class DeviceType(enum.StrEnum):
    """The DUIS device types, with their GBCS device-type numbers."""

    ESME = "ESME"
    GSME = "GSME"
    CHF = "CHF"
    GPF = "GPF"
    PPMID = "PPMID"
    HCALCS = "HCALCS"
    IHD = "IHD"
    """A Type 2 device (IHD or CAD): in the inventory but with no SMI status."""

    @property
    def gbcs_code(self) -> int:
        return _GBCS_DEVICE_TYPE[self]

    @property
    def is_meter(self) -> bool:
        return self in (DeviceType.ESME, DeviceType.GSME)

    @property
    def is_type2(self) -> bool:
        return self is DeviceType.IHD

    @property
    def fuel(self) -> Fuel | None:
        """The fuel a meter (or the GPF serving a gas meter) measures; None for others."""
        if self in (DeviceType.ESME,):
            return Fuel.ELECTRICITY
        if self in (DeviceType.GSME, DeviceType.GPF):
            return Fuel.GAS
        return None


_GBCS_DEVICE_TYPE = {
    DeviceType.GSME: 0,
    DeviceType.ESME: 1,
    DeviceType.CHF: 2,
    DeviceType.GPF: 3,
    DeviceType.HCALCS: 4,
    DeviceType.PPMID: 5,
    DeviceType.IHD: 6,
}


class SmiStatus(enum.StrEnum):
    """Smart Metering Inventory statuses, as DUIS writes them."""

    PENDING = "Pending"
    WHITELISTED = "Whitelisted"
    INSTALLED_NOT_COMMISSIONED = "InstalledNotCommissioned"
    COMMISSIONED = "Commissioned"
    DECOMMISSIONED = "Decommissioned"
    WITHDRAWN = "Withdrawn"
    SUSPENDED = "Suspended"
    RECOVERY = "Recovery"
    RECOVERED = "Recovered"
    NOT_APPLICABLE = "NotApplicable"


class Fuel(enum.StrEnum):
    ELECTRICITY = "electricity"
    GAS = "gas"


class CspRegion(enum.StrEnum):
    """The three Communications Service Provider regions of the SM WAN."""

    NORTH = "North"
    CENTRAL = "Central"
    SOUTH = "South"


@dataclass(frozen=True, slots=True)
class Device:
    """One Device as the Smart Metering Inventory holds it."""

    device_id: Eui64
    device_type: DeviceType
    status: SmiStatus
    status_since: datetime
    region: CspRegion
    mpxn: str | None = None
    """The MPAN (ESME) or MPRN (GSME) of an installed meter."""
    chf_id: Eui64 | None = None
    """The Communications Hub Function a meter or GPF talks through."""
    parent_id: Eui64 | None = None
    """The meter an IHD, PPMID or HCALCS is associated with; the GPF of a GSME."""
    manufacturer: str = "0000"
    model: str = "00000000"
    firmware_version: str = "00000001"
    gbcs_version: str = "4.1"


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One row of a Device's status history."""

    device_id: Eui64
    old: SmiStatus | None
    new: SmiStatus
    at: datetime
    cause: str
    """What caused it: a Service Request's RequestID, or an administrative action."""


class MarketRole(enum.StrEnum):
    """The registration-data roles a Party holds for an MPxN."""

    SUPPLIER = "supplier"
    """The (import) Supplier of an MPAN, or the Gas Supplier of an MPRN."""
    EXPORT_SUPPLIER = "export_supplier"
    NETWORK_OPERATOR = "network_operator"
    """The Electricity Distributor of an MPAN, or the Gas Transporter of an MPRN."""
    SUPPLIER_AGENT = "supplier_agent"


@dataclass(frozen=True, slots=True)
class Registration:
    """``party`` holds ``role`` for ``mpxn`` from ``valid_from`` to ``valid_to`` (None: open)."""

    mpxn: str
    fuel: Fuel
    role: MarketRole
    party: Eui64
    valid_from: datetime
    valid_to: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)
