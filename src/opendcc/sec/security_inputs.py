"""The inputs of the supplier security report as a JSON document (``--from FILE``).

Until the hub's store provides them, ``opendcc sec security-report`` reads its inputs from
a JSON file of this shape (every key but ``devices`` and ``user_identities`` optional)::

    {
      "at": "2025-06-01T00:00:00Z",
      "devices": [{"device_id": "00-DB-12-34-56-78-90-A0", "device_type": "ESME",
                   "smi_status": "Commissioned",
                   "registered_supplier": "90-B3-D5-1F-30-01-00-00",
                   "provided_by": "90-B3-D5-1F-30-01-00-00",
                   "provided_at": "2025-01-10T09:00:00Z"}],
      "user_identities": [{"user_id": "90-B3-D5-1F-30-01-00-00", "party": "SUPPLIER-A",
                           "roles": ["IS", "GS"]}],
      "certificates": [{"serial": 1234, "eui": "90-B3-D5-1F-30-01-00-00", "usage": "ds",
                        "not_after": "2030-01-01T00:00:00Z", "revoked_at": null}],
      "file_signing_tokens": [{"token_id": "T1", "holder": "90-B3-D5-1F-30-01-00-00",
                               "issued_at": "2025-01-01T00:00:00Z", "revoked_at": null}],
      "events": [{"event_id": "E1", "at": "2025-05-01T10:00:00Z", "kind": "device_alert",
                  "device": "00-DB-12-34-56-78-90-A0", "alert_code": "8F74"}]
    }

The records are frozen dataclasses that satisfy the Protocols of
``opendcc.sec.supplier_security`` and ``opendcc.sec.compromise``. Malformed input raises
``SecInputError`` naming the offending field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.sec.outcome import SecInputError
from opendcc.sec.parties import PartyId
from opendcc.sec.supplier_security import DEVICE_TYPES
from opendcc.smki.identity import KeyUsage

if TYPE_CHECKING:
    from opendcc.sec.compromise import SecurityEvent
    from opendcc.sec.supplier_security import (
        FileSigningToken,
        InventoryDevice,
        OrganisationCredential,
        UserIdentity,
    )
    from opendcc.smki.directory import CertificateRecord

MAX_INPUT_BYTES: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    device_id: Eui64
    device_type: str
    smi_status: str | None = None
    registered_supplier: Eui64 | None = None
    provided_by: Eui64 | None = None
    provided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    user_id: Eui64
    party: PartyId
    roles: frozenset[UserRole]


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    serial: int
    eui: Eui64 | None
    usage: KeyUsage | None
    not_after: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token_id: str
    holder: Eui64
    issued_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    event_id: str
    at: datetime
    kind: str
    originator: Eui64 | None = None
    device: Eui64 | None = None
    alert_code: int | None = None
    response_code: str | None = None
    certificate_serial: int | None = None
    token_id: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SecurityInputs:
    at: datetime | None
    devices: tuple[DeviceRecord, ...]
    identities: tuple[IdentityRecord, ...]
    credentials: tuple[CredentialRecord, ...]
    tokens: tuple[TokenRecord, ...]
    events: tuple[EventRecord, ...]


def load_security_inputs(path: Path) -> SecurityInputs:
    """Read and validate a security-report input file."""
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise SecInputError(f"{path}: larger than {MAX_INPUT_BYTES} bytes")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SecInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SecInputError(f"{path}: not JSON: {exc}") from None
    return parse_security_inputs(document)


def parse_security_inputs(document: object) -> SecurityInputs:
    if not isinstance(document, dict):
        raise SecInputError("security-report input: expected a JSON object")
    reader = _Reader(document, "$")
    return SecurityInputs(
        at=reader.optional_time("at"),
        devices=tuple(_device(r) for r in reader.records("devices", required=True)),
        identities=tuple(_identity(r) for r in reader.records("user_identities", required=True)),
        credentials=tuple(_credential(r) for r in reader.records("certificates")),
        tokens=tuple(_token(r) for r in reader.records("file_signing_tokens")),
        events=tuple(_event(r) for r in reader.records("events")),
    )


class _Reader:
    """Typed field access on one JSON object, with the path for error messages."""

    def __init__(self, data: Mapping[str, object], path: str) -> None:
        self.data = data
        self.path = path

    def fail(self, key: str, message: str) -> SecInputError:
        return SecInputError(f"{self.path}.{key}: {message}")

    def records(self, key: str, required: bool = False) -> list[_Reader]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "required list is missing")
            return []
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        readers = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise SecInputError(f"{self.path}.{key}[{index}]: expected an object")
            readers.append(_Reader(item, f"{self.path}.{key}[{index}]"))
        return readers

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected non-empty text")
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(key, "expected text")
        return value.strip() or None

    def eui(self, key: str) -> Eui64:
        try:
            return Eui64.parse(self.text(key))
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def optional_eui(self, key: str) -> Eui64 | None:
        return None if self.data.get(key) is None else self.eui(key)

    def time(self, key: str) -> datetime:
        text = self.text(key)
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(key, f"not an ISO 8601 date-time: {text!r}") from None
        if value.tzinfo is None:
            raise self.fail(key, "a date-time needs a timezone (use Z for UTC)")
        return value

    def optional_time(self, key: str) -> datetime | None:
        return None if self.data.get(key) is None else self.time(key)

    def integer(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "expected a whole number")
        return value

    def optional_integer(self, key: str) -> int | None:
        return None if self.data.get(key) is None else self.integer(key)


def _device(r: _Reader) -> DeviceRecord:
    device_type = r.text("device_type").upper()
    if device_type not in DEVICE_TYPES:
        raise r.fail("device_type", f"one of {sorted(DEVICE_TYPES)}")
    return DeviceRecord(
        device_id=r.eui("device_id"),
        device_type=device_type,
        smi_status=r.optional_text("smi_status"),
        registered_supplier=r.optional_eui("registered_supplier"),
        provided_by=r.optional_eui("provided_by"),
        provided_at=r.optional_time("provided_at"),
    )


def _identity(r: _Reader) -> IdentityRecord:
    raw = r.data.get("roles")
    if not isinstance(raw, list) or not raw:
        raise r.fail("roles", "expected a non-empty list of User Roles")
    try:
        roles = frozenset(UserRole.parse(str(item)) for item in raw)
    except ValueError as exc:
        raise r.fail("roles", str(exc)) from None
    return IdentityRecord(user_id=r.eui("user_id"), party=PartyId(r.text("party")), roles=roles)


def _credential(r: _Reader) -> CredentialRecord:
    usage_text = r.optional_text("usage")
    try:
        usage = None if usage_text is None else KeyUsage(usage_text.lower())
    except ValueError:
        raise r.fail("usage", "ds or ka") from None
    return CredentialRecord(
        serial=r.integer("serial"),
        eui=r.optional_eui("eui"),
        usage=usage,
        not_after=r.time("not_after"),
        revoked_at=r.optional_time("revoked_at"),
    )


def _token(r: _Reader) -> TokenRecord:
    return TokenRecord(
        token_id=r.text("token_id"),
        holder=r.eui("holder"),
        issued_at=r.time("issued_at"),
        revoked_at=r.optional_time("revoked_at"),
    )


def _event(r: _Reader) -> EventRecord:
    code = r.data.get("alert_code")
    alert_code: int | None
    if code is None:
        alert_code = None
    elif isinstance(code, str):
        try:
            alert_code = int(code, 16)
        except ValueError:
            raise r.fail("alert_code", f"not a hex alert code: {code!r}") from None
        if not 0 <= alert_code <= 0xFFFF:
            raise r.fail("alert_code", "alert codes are two bytes")
    else:
        raise r.fail("alert_code", 'expected a hex string such as "8F74"')
    return EventRecord(
        event_id=r.text("event_id"),
        at=r.time("at"),
        kind=r.text("kind"),
        originator=r.optional_eui("originator"),
        device=r.optional_eui("device"),
        alert_code=alert_code,
        response_code=r.optional_text("response_code"),
        certificate_serial=r.optional_integer("certificate_serial"),
        token_id=r.optional_text("token_id"),
        detail=r.optional_text("detail") or "",
    )


if TYPE_CHECKING:  # mypy proves the records (and SMKI's) satisfy the report's Protocols

    def _conforms(
        device: DeviceRecord,
        identity: IdentityRecord,
        credential: CredentialRecord,
        token: TokenRecord,
        event: EventRecord,
        certificate: CertificateRecord,
    ) -> tuple[
        InventoryDevice,
        UserIdentity,
        OrganisationCredential,
        FileSigningToken,
        SecurityEvent,
        OrganisationCredential,
    ]:
        return device, identity, credential, token, event, certificate
