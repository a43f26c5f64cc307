"""``index.json`` of a test PKI: which Party holds which certificates, and the device estate.

The index is what tools and the hub read to learn the Parties of a PKI directory: their
names, EUI-64s, SEC User Roles, remote-party roles, and for each certificate its files,
serial number (decimal, as DUIS ``X509SerialNumber`` writes it, and hex), validity and
revocation. Serial numbers are strings because they exceed JSON's exact integer range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.smki.authority import CaLevel
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import PKI_INDEX_FORMAT_PREFIX

INDEX_FORMAT: Final = PKI_INDEX_FORMAT_PREFIX + "1"
INDEX_FILE: Final = "index.json"
CA_FOLDER: Final = "ca"
ESTATE_FILE: Final = "device-estate.json"
CA_FILES: Final = {
    CaLevel.ROOT: "root-ca",
    CaLevel.ORGANISATION: "org-ca",
    CaLevel.DEVICE: "device-ca",
}


class PkiDirectoryError(Exception):
    """A PKI directory that cannot be created, read or changed; the message says why."""


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """One certificate of a Party, as ``index.json`` lists it."""

    label: str
    role: RemotePartyRole
    usage: KeyUsage
    purpose: str
    certificate_file: str
    private_key_file: str | None
    serial: int
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "remote_party_role": self.role.ou,
            "usage": self.usage.value,
            "purpose": self.purpose,
            "certificate": self.certificate_file,
            "private_key": self.private_key_file,
            "serial": str(self.serial),
            "serial_hex": f"{self.serial:X}",
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
            "revoked_at": _iso(self.revoked_at) if self.revoked_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssuedCertificate:
        revoked = data.get("revoked_at")
        return cls(
            label=str(data["label"]),
            role=RemotePartyRole(int(str(data["remote_party_role"]), 16)),
            usage=KeyUsage(str(data["usage"])),
            purpose=str(data["purpose"]),
            certificate_file=str(data["certificate"]),
            private_key_file=str(data["private_key"]) if data.get("private_key") else None,
            serial=int(str(data["serial"])),
            not_before=_parse_iso(str(data["not_before"])),
            not_after=_parse_iso(str(data["not_after"])),
            revoked_at=_parse_iso(str(revoked)) if revoked else None,
        )


@dataclass(frozen=True, slots=True)
class IndexedParty:
    """A Party of the PKI with the certificates issued to it."""

    name: str
    common_name: str
    eui: Eui64
    user_roles: tuple[UserRole, ...]
    role: RemotePartyRole
    certificates: tuple[IssuedCertificate, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "common_name": self.common_name,
            "eui": str(self.eui),
            "eui_hex": self.eui.hex,
            "user_roles": [r.value for r in self.user_roles],
            "remote_party_role": self.role.ou,
            "certificates": [c.to_json() for c in self.certificates],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexedParty:
        return cls(
            name=str(data["name"]),
            common_name=str(data.get("common_name", "")),
            eui=Eui64.parse(str(data["eui"])),
            user_roles=tuple(UserRole(str(r)) for r in data.get("user_roles", [])),
            role=RemotePartyRole(int(str(data["remote_party_role"]), 16)),
            certificates=tuple(IssuedCertificate.from_json(c) for c in data["certificates"]),
        )


@dataclass(frozen=True, slots=True)
class PkiIndex:
    """The contents of ``index.json``."""

    estate: str
    created: datetime
    parties: tuple[IndexedParty, ...]
    ca_serials: dict[CaLevel, int] = field(default_factory=dict)

    def party(self, name: str) -> IndexedParty | None:
        return next((p for p in self.parties if p.name == name), None)

    def parties_with_eui(self, eui: Eui64) -> list[IndexedParty]:
        return [p for p in self.parties if p.eui == eui]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": INDEX_FORMAT,
            "estate": self.estate,
            "created": _iso(self.created),
            "certificate_authority": {
                level.value: {
                    "certificate": f"{CA_FILES[level]}.pem",
                    "crl": f"{CA_FILES[level]}.crl",
                    "serial": str(self.ca_serials.get(level, 0)),
                }
                for level in CaLevel
            },
            "device_estate": f"{CA_FOLDER}/{ESTATE_FILE}",
            "parties": [p.to_json() for p in self.parties],
        }

    @classmethod
    def from_json(cls, data: Any) -> PkiIndex:
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            raise PkiDirectoryError(f"{INDEX_FILE} is not an {INDEX_FORMAT} index")
        try:
            authority = data.get("certificate_authority", {})
            return cls(
                estate=str(data["estate"]),
                created=_parse_iso(str(data["created"])),
                parties=tuple(IndexedParty.from_json(p) for p in data["parties"]),
                ca_serials={
                    level: int(str(authority[level.value]["serial"]))
                    for level in CaLevel
                    if level.value in authority
                },
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PkiDirectoryError(f"{INDEX_FILE} is malformed: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class DeviceEstate:
    """What derived Device keys and certificates of this PKI are made from."""

    secret: bytes
    not_before: datetime

    def to_json(self) -> dict[str, str]:
        return {"secret": self.secret.hex(), "not_before": _iso(self.not_before)}

    @classmethod
    def from_json(cls, data: Any) -> DeviceEstate:
        try:
            return cls(bytes.fromhex(str(data["secret"])), _parse_iso(str(data["not_before"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise PkiDirectoryError(f"{ESTATE_FILE} is malformed: {exc!r}") from exc


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time without a zone: {text}")
    return value.astimezone(UTC)
