"""The estate's records beyond the hub's hot-path values: premises, full inventory entries,
User certificates, page requests, and the refusals the estate's writes return.

``inventory.model.Device`` and ``access.users.DccUser`` are what the hub's checks read on
every request; the records here carry what the Smart Metering Inventory also holds for
Read Inventory (DUIS 8.2) and for administration: the premises, the dates a Device was
installed and commissioned, the secondary and export MPANs, HAN associations.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from opendcc.access.users import DccUser, UserStatus
from opendcc.eui import Eui64
from opendcc.inventory.model import (
    CspRegion,
    Device,
    DeviceType,
    Registration,
    SmiStatus,
    StatusChange,
)
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole


class RefusalKind(enum.StrEnum):
    """Why the estate refused a write; the admin API maps these to 404, 409 and 422."""

    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class EstateRefusal:
    """A write the estate did not make, and a sentence saying why. Nothing was changed."""

    kind: RefusalKind
    message: str

    def __str__(self) -> str:
        return self.message


def not_found(message: str) -> EstateRefusal:
    return EstateRefusal(RefusalKind.NOT_FOUND, message)


def conflict(message: str) -> EstateRefusal:
    return EstateRefusal(RefusalKind.CONFLICT, message)


def invalid(message: str) -> EstateRefusal:
    return EstateRefusal(RefusalKind.INVALID, message)


class EsmeVariant(enum.StrEnum):
    """DUIS ``ESMEVariant``: A single element, B twin element, C polyphase, with letters
    for the optional features (the DUIS schema's enumeration)."""

    A = "A"
    B = "B"
    C = "C"
    AD = "AD"
    BD = "BD"
    CD = "CD"
    ADE = "ADE"
    BDE = "BDE"
    CDE = "CDE"
    ADF = "ADF"
    BDF = "BDF"
    CDF = "CDF"
    ADEF = "ADEF"
    BDEF = "BDEF"
    CDEF = "CDEF"
    ADG = "ADG"
    ADEG = "ADEG"
    AF = "AF"
    BF = "BF"
    CF = "CF"
    AEF = "AEF"
    BEF = "BEF"
    CEF = "CEF"
    AG = "AG"
    AEG = "AEG"


@dataclass(frozen=True, slots=True)
class Premises:
    """A premises: its UPRN and the DUIS ``PropertyFilter`` (postcode, address identifier)."""

    uprn: int
    postcode: str
    address_identifier: str
    region: CspRegion


@dataclass(frozen=True, slots=True)
class DeviceDetails:
    """Everything the Smart Metering Inventory holds about one Device."""

    device: Device
    uprn: int | None = None
    secondary_mpan: str | None = None
    export_mpan: str | None = None
    esme_variant: EsmeVariant | None = None
    smets_chts_version: str | None = None
    installed_at: datetime | None = None
    commissioned_at: datetime | None = None
    """When the Device was first Commissioned (DUIS ``DateCommissioned``)."""
    joined_meters: tuple[Eui64, ...] = ()
    """The meters a PPMID, HCALCS or Type 2 device is joined to (its HAN associations)."""
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewDevice:
    """A Device to add to the inventory (pre-notification, administration or seeding).

    ``status`` None means the status a new Device starts in: Pending, or NotApplicable for a
    Type 2 device. ``parent_id`` is a GSME's GPF; a HAN device's meters go in
    ``joined_meters`` (its parent is the first of them).
    """

    device_id: Eui64
    device_type: DeviceType
    region: CspRegion
    status: SmiStatus | None = None
    uprn: int | None = None
    mpxn: str | None = None
    secondary_mpan: str | None = None
    export_mpan: str | None = None
    chf_id: Eui64 | None = None
    parent_id: Eui64 | None = None
    joined_meters: tuple[Eui64, ...] = ()
    manufacturer: str = "0000"
    model: str = "00000000"
    firmware_version: str = "00000001"
    gbcs_version: str = "4.1"
    smets_chts_version: str | None = None
    esme_variant: EsmeVariant | None = None
    installed_at: datetime | None = None
    commissioned_at: datetime | None = None

    @property
    def initial_status(self) -> SmiStatus:
        if self.status is not None:
            return self.status
        if self.device_type.is_type2:
            return SmiStatus.NOT_APPLICABLE
        return SmiStatus.PENDING

    @property
    def effective_parent(self) -> Eui64 | None:
        if self.parent_id is not None:
            return self.parent_id
        return self.joined_meters[0] if self.joined_meters else None


@dataclass(frozen=True, slots=True)
class DeviceUpdate:
    """Changes to a Device's details (DUIS 8.4 UpdateDeviceDetails and UpdateMPxN).

    Fields left None are not changed; ``clear`` names the MPxN fields to empty
    (``mpxn``, ``secondary_mpan``, ``export_mpan``).
    """

    manufacturer: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    gbcs_version: str | None = None
    smets_chts_version: str | None = None
    esme_variant: EsmeVariant | None = None
    mpxn: str | None = None
    secondary_mpan: str | None = None
    export_mpan: str | None = None
    clear: frozenset[str] = frozenset()

    def is_empty(self) -> bool:
        return not self.clear and all(
            getattr(self, name) is None
            for name in (
                "manufacturer",
                "model",
                "firmware_version",
                "gbcs_version",
                "smets_chts_version",
                "esme_variant",
                "mpxn",
                "secondary_mpan",
                "export_mpan",
            )
        )


@dataclass(frozen=True, slots=True)
class DeviceFilter:
    """Which Devices a listing returns; every field set narrows it."""

    device_type: DeviceType | None = None
    status: SmiStatus | None = None
    region: CspRegion | None = None
    uprn: int | None = None
    mpxn: str | None = None
    """Devices whose import, secondary import or export MPxN this is."""
    chf_id: Eui64 | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class DevicePage:
    """One page of a listing, in EUI order; ``next_after`` continues it (None: the end)."""

    items: tuple[DeviceDetails, ...]
    next_after: Eui64 | None


@dataclass(frozen=True, slots=True)
class RegistrationChange:
    """The outcome of a change of Supplier (or of any registered party) at a date."""

    ended: Registration | None
    """The registration in force at the effective date, now ending there (None: there
    was none)."""
    started: Registration


@dataclass(frozen=True, slots=True)
class UserCertificate:
    """A certificate the DCC knows a User by; the certificate itself is in the keystore."""

    serial: int
    label: str = ""
    """What the certificate is for (``ds``, ``ka``, ``xml-signing``, ...)."""
    remote_party_role: RemotePartyRole | None = None


@dataclass(frozen=True, slots=True)
class UserUpdate:
    """Changes to a DCC User; fields left None are not changed."""

    name: str | None = None
    party: str | None = None
    roles: frozenset[UserRole] | None = None
    status: UserStatus | None = None
    callback_url: str | None = None
    clear_callback_url: bool = False
    tags: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class EstateCounts:
    """How many of each thing the estate holds (for summaries and benchmarks)."""

    premises: int = 0
    devices: int = 0
    registrations: int = 0
    users: int = 0
    status_changes: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SeededDevice:
    """A Device for bulk loading, with the status history that brought it to its status
    (oldest first; the first change has ``old`` None and the last ends in its status)."""

    new: NewDevice
    history: tuple[StatusChange, ...]


@dataclass(frozen=True, slots=True)
class SeededUser:
    user: DccUser
    created_at: datetime
    certificates: tuple[UserCertificate, ...] = ()


@dataclass(slots=True)
class EstateChunk:
    """A slice of an estate for bulk loading, in the order it must be written."""

    users: list[SeededUser] = field(default_factory=list)
    premises: list[Premises] = field(default_factory=list)
    devices: list[SeededDevice] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
