"""The 'Supplier and Enrolled Smart Metering System' of a supplier (consultation chapter 7).

The new supply licence conditions (Electricity Condition 46A, Gas Condition 40A) oblige a
supplier to take all reasonable steps to protect from Compromise its 'Supplier and Enrolled
Smart Metering System' (consultation paras 41 to 45): its smart metering systems enrolled
with the DCC, including the in-home devices it is responsible for providing (and
maintaining for 12 months), and the systems it uses to communicate with them; excluding
the communications infrastructure the DCC provides.

``supplier_scope`` lists that scope from three inputs the hub supplies through Protocols
(so its inventory rows, user registry and SMKI records can be passed as they are):

- ``InventoryDevice``: each Device with its type, Smart Metering Inventory status, the
  supplier registered for it at the instant of the report, who provided it and when;
- ``UserIdentity``: each User ID (EUI-64) with its Party and User Roles;
- ``OrganisationCredential`` (``smki.directory.CertificateRecord`` fits) and
  ``FileSigningToken``: the credentials those User Systems hold (G5.14 brings file-signing
  tokens into the User's risk management, chapter 4 paras 21 to 23).

Devices in scope are the Commissioned Devices registered to the supplier (the DCC-enrolled
ones) and the in-home devices it provided within the maintenance period; Communications
Hub Functions and Gas Proxy Functions are the DCC's communications infrastructure and are
listed as excluded, with the reason.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.sec.outcome import Refusal, RefusalKind, require_aware
from opendcc.sec.params import ParameterSet, default_parameters
from opendcc.sec.parties import PartyId
from opendcc.smki.identity import KeyUsage

LICENCE_CLAUSE: Final = "Electricity Supply Licence Condition 46A; Gas Supply Licence Condition 40A"

DEVICE_TYPES: Final = frozenset(
    {"ESME", "GSME", "CHF", "GPF", "PPMID", "HCALCS", "IHD", "CAD", "TYPE2"}
)
DCC_COMMUNICATIONS_INFRASTRUCTURE: Final = frozenset({"CHF", "GPF"})
"""The Communications Hub's two Devices: provided by the DCC (glossary, "DCC Total System")."""
IN_HOME_DEVICE_TYPES: Final = frozenset({"IHD", "PPMID", "CAD", "TYPE2"})
"""Devices a supplier provides into the home for the consumer (para 45)."""
COMMISSIONED: Final = "commissioned"


class InventoryDevice(Protocol):
    """A Device as the Smart Metering Inventory and registration data describe it."""

    @property
    def device_id(self) -> Eui64: ...

    @property
    def device_type(self) -> str:
        """ESME, GSME, CHF, GPF, PPMID, HCALCS, IHD, CAD or TYPE2."""
        ...

    @property
    def smi_status(self) -> str | None:
        """The Smart Metering Inventory status (None for Type 2 Devices, which have none)."""
        ...

    @property
    def registered_supplier(self) -> Eui64 | None:
        """The User ID of the supplier registered for the Device's MPxN at report time."""
        ...

    @property
    def provided_by(self) -> Eui64 | None:
        """The User ID of the Party that provided (installed) the Device."""
        ...

    @property
    def provided_at(self) -> datetime | None: ...


class UserIdentity(Protocol):
    """A User ID (EUI-64) of a Party and the User Roles it acts in."""

    @property
    def user_id(self) -> Eui64: ...

    @property
    def party(self) -> PartyId: ...

    @property
    def roles(self) -> frozenset[UserRole]: ...


class OrganisationCredential(Protocol):
    """An SMKI Organisation Certificate; ``smki.directory.CertificateRecord`` fits."""

    @property
    def serial(self) -> int: ...

    @property
    def eui(self) -> Eui64 | None: ...

    @property
    def usage(self) -> KeyUsage | None: ...

    @property
    def not_after(self) -> datetime: ...

    @property
    def revoked_at(self) -> datetime | None: ...


class FileSigningToken(Protocol):
    """A file-signing token the DCC issued to a User (consultation chapter 4, para 21)."""

    @property
    def token_id(self) -> str: ...

    @property
    def holder(self) -> Eui64: ...

    @property
    def issued_at(self) -> datetime: ...

    @property
    def revoked_at(self) -> datetime | None: ...


class ScopeReason(enum.StrEnum):
    DCC_ENROLLED_DEVICE = "dcc_enrolled_device"
    IN_HOME_DEVICE_PROVIDED = "in_home_device_provided"
    USER_IDENTITY = "user_identity"
    CERTIFICATE = "certificate"
    FILE_SIGNING_TOKEN = "file_signing_token"


class ExclusionReason(enum.StrEnum):
    DCC_COMMUNICATIONS_INFRASTRUCTURE = "dcc_communications_infrastructure"
    MAINTENANCE_PERIOD_ENDED = "maintenance_period_ended"


@dataclass(frozen=True, slots=True)
class ScopeDevice:
    """A Device within the supplier's scope and why."""

    device_id: Eui64
    device_type: str
    smi_status: str | None
    reason: ScopeReason
    maintained_until: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "device_id": str(self.device_id),
            "device_type": self.device_type,
            "smi_status": self.smi_status,
            "reason": self.reason.value,
            "maintained_until": None
            if self.maintained_until is None
            else self.maintained_until.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ScopeUserSystem:
    """A User System element that originates the supplier's communications."""

    reason: ScopeReason
    identifier: str
    user_id: Eui64 | None
    detail: str
    revoked_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.reason.value,
            "identifier": self.identifier,
            "user_id": None if self.user_id is None else str(self.user_id),
            "detail": self.detail,
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ScopeExclusion:
    """Something at the supplier's premises or in its records that is outside the scope."""

    identifier: str
    device_type: str
    reason: ExclusionReason
    detail: str

    def to_json(self) -> dict[str, object]:
        return {
            "identifier": self.identifier,
            "device_type": self.device_type,
            "reason": self.reason.value,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class SupplierScope:
    """A supplier's 'Supplier and Enrolled Smart Metering System' at an instant."""

    supplier: Eui64
    party: PartyId
    at: datetime
    supplier_user_ids: frozenset[Eui64]
    devices: tuple[ScopeDevice, ...]
    user_systems: tuple[ScopeUserSystem, ...]
    excluded: tuple[ScopeExclusion, ...]

    @property
    def device_ids(self) -> frozenset[Eui64]:
        return frozenset(d.device_id for d in self.devices)

    def certificate_serials(self) -> frozenset[int]:
        return frozenset(
            int(s.identifier) for s in self.user_systems if s.reason is ScopeReason.CERTIFICATE
        )

    def token_ids(self) -> frozenset[str]:
        return frozenset(
            s.identifier for s in self.user_systems if s.reason is ScopeReason.FILE_SIGNING_TOKEN
        )

    def to_json(self) -> dict[str, object]:
        return {
            "supplier": str(self.supplier),
            "party": self.party,
            "at": self.at.isoformat(),
            "clause": LICENCE_CLAUSE,
            "paragraph": "41-45",
            "supplier_user_ids": sorted(str(u) for u in self.supplier_user_ids),
            "devices": [d.to_json() for d in self.devices],
            "user_systems": [s.to_json() for s in self.user_systems],
            "excluded": [e.to_json() for e in self.excluded],
        }


def add_months(when: datetime, months: int) -> datetime:
    """``when`` plus calendar months, the day clamped to the month's end."""
    total = when.month - 1 + months
    year, month = when.year + total // 12, total % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def supplier_scope(
    supplier: Eui64,
    at: datetime,
    devices: Iterable[InventoryDevice],
    identities: Iterable[UserIdentity],
    credentials: Iterable[OrganisationCredential] = (),
    tokens: Iterable[FileSigningToken] = (),
    parameters: ParameterSet | None = None,
) -> SupplierScope | Refusal:
    """Licence Condition 46A/40A: the supplier's 'Supplier and Enrolled Smart Metering System'.

    ``supplier`` is one of the supplier's User IDs; the scope covers every User ID its Party
    holds in a supplier role. Consultation paras 41 to 45 (and 21 to 23 for file-signing
    tokens, G5.14).
    """
    require_aware(at, "at")
    params = parameters or default_parameters()
    months = params.count("security.in_home_device_maintenance_months", at.date())
    identity_list = list(identities)
    own = next((i for i in identity_list if i.user_id == supplier), None)
    if own is None or not any(role.is_supplier for role in own.roles):
        return Refusal(
            reason=f"{supplier} is not the User ID of a supplier (Import, Export or Gas "
            "Supplier User Role)",
            clause=LICENCE_CLAUSE,
            paragraph="45",
            kind=RefusalKind.NOT_FOUND,
        )
    party = own.party
    supplier_ids = frozenset(
        i.user_id
        for i in identity_list
        if i.party == party and any(role.is_supplier for role in i.roles)
    )
    in_scope: list[ScopeDevice] = []
    excluded: list[ScopeExclusion] = []
    for device in devices:
        kind = device.device_type.upper()
        registered = device.registered_supplier in supplier_ids
        provided = device.provided_by in supplier_ids
        if kind in DCC_COMMUNICATIONS_INFRASTRUCTURE:
            if registered or provided:
                excluded.append(
                    ScopeExclusion(
                        identifier=str(device.device_id),
                        device_type=kind,
                        reason=ExclusionReason.DCC_COMMUNICATIONS_INFRASTRUCTURE,
                        detail="part of the Communications Hub the DCC provides (para 45)",
                    )
                )
            continue
        status = device.smi_status
        if registered and status is not None and status.lower() == COMMISSIONED:
            in_scope.append(
                ScopeDevice(
                    device_id=device.device_id,
                    device_type=kind,
                    smi_status=status,
                    reason=ScopeReason.DCC_ENROLLED_DEVICE,
                )
            )
            continue
        if kind in IN_HOME_DEVICE_TYPES and provided and device.provided_at is not None:
            provided_at = require_aware(device.provided_at, "provided_at")
            if provided_at > at:
                continue
            until = add_months(provided_at, months if months is not None else 0)
            if at < until:
                in_scope.append(
                    ScopeDevice(
                        device_id=device.device_id,
                        device_type=kind,
                        smi_status=status,
                        reason=ScopeReason.IN_HOME_DEVICE_PROVIDED,
                        maintained_until=until,
                    )
                )
            else:
                excluded.append(
                    ScopeExclusion(
                        identifier=str(device.device_id),
                        device_type=kind,
                        reason=ExclusionReason.MAINTENANCE_PERIOD_ENDED,
                        detail=f"provided {provided_at.date().isoformat()}; the {months}-month "
                        f"maintenance period ended {until.date().isoformat()}",
                    )
                )
    systems: list[ScopeUserSystem] = [
        ScopeUserSystem(
            reason=ScopeReason.USER_IDENTITY,
            identifier=str(i.user_id),
            user_id=i.user_id,
            detail="User ID in roles " + ", ".join(sorted(r.value for r in i.roles)),
        )
        for i in sorted(identity_list, key=lambda i: i.user_id)
        if i.user_id in supplier_ids
    ]
    systems.extend(
        ScopeUserSystem(
            reason=ScopeReason.CERTIFICATE,
            identifier=str(c.serial),
            user_id=c.eui,
            detail=f"Organisation Certificate ({c.usage.value if c.usage else 'unknown usage'}), "
            f"valid to {c.not_after.date().isoformat()}",
            revoked_at=c.revoked_at,
        )
        for c in sorted(credentials, key=lambda c: c.serial)
        if c.eui in supplier_ids
    )
    systems.extend(
        ScopeUserSystem(
            reason=ScopeReason.FILE_SIGNING_TOKEN,
            identifier=t.token_id,
            user_id=t.holder,
            detail=f"file-signing token issued {t.issued_at.date().isoformat()}",
            revoked_at=t.revoked_at,
        )
        for t in sorted(tokens, key=lambda t: t.token_id)
        if t.holder in supplier_ids and t.issued_at <= at
    )
    return SupplierScope(
        supplier=supplier,
        party=party,
        at=at,
        supplier_user_ids=supplier_ids,
        devices=tuple(sorted(in_scope, key=lambda d: d.device_id)),
        user_systems=tuple(systems),
        excluded=tuple(sorted(excluded, key=lambda e: e.identifier)),
    )


def revoked_credentials(
    credentials: Sequence[OrganisationCredential], tokens: Sequence[FileSigningToken]
) -> tuple[dict[int, datetime], dict[str, datetime]]:
    """Revocation instants by certificate serial and by token id."""
    return (
        {c.serial: c.revoked_at for c in credentials if c.revoked_at is not None},
        {t.token_id: t.revoked_at for t in tokens if t.revoked_at is not None},
    )
