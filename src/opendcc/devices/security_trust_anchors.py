"""A Device's trust anchor cells: whose certificates it holds for each remote party role.

GBCS 4.3 and 13: a Device trusts a Remote Party for a role (Supplier, Network Operator,
Access Control Broker, Transitional CoS, ...) through the certificates in its trust anchor
cells, one cell per role, key usage (signing or key agreement) and cell usage (management,
or the Supplier's prepayment top-up key). Update Security Credentials (CS02b, CS02g)
replaces them; change of supplier is the DCC's Transitional CoS Party putting the new
Supplier's certificates in the supplier cells, after which the old Supplier's Commands no
longer verify against the Device's trust anchors and are discarded.

Theory of operation:

- ``CELL_LAYOUT`` says which cells each Device type has (the RTDS Devices answer
  "trustAnchorNotFound" for the others, e.g. a GSME asked for network operator
  credentials). Communications Hub functions are "DCC controlled": their supplier and
  network operator cells hold the ACB's credentials until handed over (DUIS 6.21).
- A cell never written since manufacture is *as installed*: it reports the role's default
  party (the DCC Boxed reference parties, ``DEFAULT_PARTIES``) and trusts any party whose
  SMKI certificate names that role, so a seeded estate with many Suppliers works without
  provisioning. A cell written by a credential update, or by ``provision_cell`` (the
  estate's installation step), is *pinned* to its certificate's subject: only that party
  is accepted in the role, and a signed Command must verify with the pinned certificate.
- ``authorise`` (registered with the simulator) enforces that for every Command: the ACB
  is always accepted (its MAC already proved it); an originator whose certificate names a
  role with pinned cells must be the party pinned there.
- Anti-replay floors set by credential updates apply to the new party's counter
  (``AntiReplay`` of the simulator).

State lives in the ``TrustAnchors`` section and is written only for cells that changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from opendcc.devices.simulator import AntiReplay, authorises
from opendcc.devices.state import DeviceState, Section
from opendcc.eui import (
    DCC_ACCESS_CONTROL_BROKER,
    DCC_RECOVERY,
    DCC_TRANSITIONAL_COS,
    DCC_WAN_PROVIDER,
    Eui64,
)
from opendcc.gbcs import crypto
from opendcc.gbcs.der import CellUsage, KeyUsageFlags, TrustAnchorCellIdentifier
from opendcc.gbcs.der.common import CERTIFICATE_READ_ERRORS
from opendcc.gbcs.frame import GbcsMessage
from opendcc.gbcs.security import PREPAYMENT_KEY_MARK, GbcsSecurity
from opendcc.inventory.model import DeviceType
from opendcc.smki.identity import (
    KeyUsage,
    RemotePartyRole,
    certificate_eui,
    certificate_role,
    certificate_usage,
)
from opendcc.smki.keystore import KeyEntry

Role = RemotePartyRole
DS, KA, KCS = (
    KeyUsageFlags.DIGITAL_SIGNATURE,
    KeyUsageFlags.KEY_AGREEMENT,
    KeyUsageFlags.KEY_CERT_SIGN,
)
MGMT, TOP_UP = CellUsage.MANAGEMENT, CellUsage.PRE_PAYMENT_TOP_UP
ROOT_SUBJECT: Final = Eui64(0)
"""A root CA certificate names no EUI-64: its cell reports 00-00-00-00-00-00-00-00."""


@dataclass(frozen=True, slots=True, order=True)
class CellId:
    """A trust anchor cell: remote party role, key usage and cell usage (GBCS 13.2.4)."""

    role: Role
    usage: KeyUsageFlags
    cell_usage: CellUsage = MGMT

    @property
    def key(self) -> str:
        return f"{int(self.role)}:{int(self.usage)}:{int(self.cell_usage)}"

    @classmethod
    def of(cls, identifier: TrustAnchorCellIdentifier) -> CellId | None:
        """The cell a DER identifier names, or None for values no cell has."""
        try:
            return cls(
                Role(identifier.role),
                KeyUsageFlags(identifier.key_usage),
                CellUsage(identifier.effective_cell_usage),
            )
        except ValueError:
            return None

    def identifier(self) -> TrustAnchorCellIdentifier:
        """As DER writes it: the default cell usage (management) is left out."""
        return TrustAnchorCellIdentifier(
            self.role, self.usage, None if self.cell_usage is MGMT else self.cell_usage
        )


def _cells(
    *spec: tuple[Role, KeyUsageFlags] | tuple[Role, KeyUsageFlags, CellUsage],
) -> tuple[CellId, ...]:
    return tuple(CellId(*item) for item in spec)


_COMMON: Final = ((Role.ROOT, KCS), (Role.RECOVERY, DS))
_SUPPLIER: Final = ((Role.SUPPLIER, DS), (Role.SUPPLIER, KA), (Role.SUPPLIER, KA, TOP_UP))
_NETWORK_OPERATOR: Final = ((Role.NETWORK_OPERATOR, DS), (Role.NETWORK_OPERATOR, KA))
_ACB: Final = ((Role.ACCESS_CONTROL_BROKER, KA),)
_TRANS_COS: Final = ((Role.TRANSITIONAL_COS, DS),)
_LOAD_CONTROLLER: Final = ((Role.LOAD_CONTROLLER, DS), (Role.LOAD_CONTROLLER, KA))

CELL_LAYOUT: Final[dict[DeviceType, tuple[CellId, ...]]] = {
    DeviceType.ESME: _cells(
        *_COMMON, *_SUPPLIER, *_NETWORK_OPERATOR, *_ACB, *_TRANS_COS, *_LOAD_CONTROLLER
    ),
    DeviceType.GSME: _cells(*_COMMON, *_SUPPLIER, *_ACB, *_TRANS_COS),
    DeviceType.CHF: _cells(
        *_COMMON, *_SUPPLIER, *_NETWORK_OPERATOR, *_ACB, *_TRANS_COS, (Role.WAN_PROVIDER, DS)
    ),
    DeviceType.GPF: _cells(*_COMMON, *_SUPPLIER, *_NETWORK_OPERATOR, *_ACB, *_TRANS_COS),
    DeviceType.PPMID: _cells(*_COMMON, *_SUPPLIER, *_ACB),
    DeviceType.HCALCS: _cells(*_COMMON, *_SUPPLIER, *_ACB, *_LOAD_CONTROLLER),
    DeviceType.IHD: (),
}
"""The cells each Device type holds. The GSME has no network operator cells, as the
reference GSME answers; the HCALCS/APC holds load controller cells (CS02f/CS02g)."""

DEFAULT_PARTIES: Final[dict[Role, Eui64]] = {
    Role.ROOT: ROOT_SUBJECT,
    Role.RECOVERY: DCC_RECOVERY,
    Role.SUPPLIER: Eui64.parse("90-B3-D5-1F-30-01-00-00"),
    Role.NETWORK_OPERATOR: Eui64.parse("90-B3-D5-1F-30-02-00-00"),
    Role.ACCESS_CONTROL_BROKER: DCC_ACCESS_CONTROL_BROKER,
    Role.TRANSITIONAL_COS: DCC_TRANSITIONAL_COS,
    Role.WAN_PROVIDER: DCC_WAN_PROVIDER,
    Role.LOAD_CONTROLLER: Eui64.parse("90-B3-D5-1F-30-01-00-08"),
}
"""Who an as-installed cell reports holding: the DCC Boxed reference parties."""

DCC_CONTROLLED: Final = frozenset({DeviceType.CHF, DeviceType.GPF})
DCC_HELD_ROLES: Final = frozenset({Role.SUPPLIER, Role.NETWORK_OPERATOR})
"""On a Communications Hub the DCC holds these cells until it hands them over (6.21)."""


@dataclass(frozen=True, slots=True)
class CellContent:
    """What a cell holds: the certificate's subject EUI-64 and key identifier, the
    certificate itself once written, and whether the cell is pinned to that subject."""

    subject: Eui64
    key_id: bytes
    certificate: bytes | None = None
    pinned: bool = False


@dataclass(slots=True)
class TrustAnchors(Section):
    """Cells written since manufacture (``CellId.key`` -> content) and role floors."""

    NAME = "trust_anchors"
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    floors: dict[str, int] = field(default_factory=dict)
    """Anti-replay floors by role number; ``"<role>:top-up"`` for the prepayment counter."""
    accepted: dict[str, datetime] = field(default_factory=dict)
    """When each held (future-dated) credential update was accepted: its certificates'
    validity is judged at that time, not at execution (the reference Devices execute
    updates dated after their certificates expire)."""

    def written(self, cell: CellId) -> CellContent | None:
        raw = self.cells.get(cell.key)
        if raw is None:
            return None
        certificate = raw.get("certificate")
        return CellContent(
            Eui64.from_bytes(bytes.fromhex(raw["subject"])),
            bytes.fromhex(raw["key_id"]),
            bytes.fromhex(certificate) if certificate else None,
            bool(raw.get("pinned", False)),
        )

    def write(self, cell: CellId, content: CellContent) -> None:
        self.cells[cell.key] = {
            "subject": bytes(content.subject).hex(),
            "key_id": content.key_id.hex(),
            "certificate": content.certificate.hex() if content.certificate else "",
            "pinned": content.pinned,
        }

    def pinned_subjects(self, role: Role) -> frozenset[Eui64]:
        prefix = f"{int(role)}:"
        return frozenset(
            Eui64.from_bytes(bytes.fromhex(raw["subject"]))
            for key, raw in self.cells.items()
            if key.startswith(prefix) and raw.get("pinned")
        )

    def floor(self, role: Role, *, top_up: bool = False) -> int:
        return self.floors.get(f"{int(role)}:top-up" if top_up else str(int(role)), 0)


# --- what a cell holds ---------------------------------------------------------------------


def layout(device_type: DeviceType) -> tuple[CellId, ...]:
    return CELL_LAYOUT.get(device_type, ())


def holds(device_type: DeviceType, cell: CellId) -> bool:
    return cell in layout(device_type)


def default_subject(device_type: DeviceType, role: Role) -> Eui64:
    if device_type in DCC_CONTROLLED and role in DCC_HELD_ROLES:
        return DCC_ACCESS_CONTROL_BROKER
    return DEFAULT_PARTIES[role]


def content(state: DeviceState, security: GbcsSecurity, cell: CellId) -> CellContent | None:
    """What ``cell`` holds on the Device, or None when the Device has no such cell."""
    if not holds(state.device.device_type, cell):
        return None
    written = state.get(TrustAnchors).written(cell)
    if written is not None:
        return written
    subject = default_subject(state.device.device_type, cell.role)
    return CellContent(subject, _key_id(security, subject, cell))


class _KeystoreFacts:
    """Per-keystore caches of what the hot path asks about parties (roles, key ids).

    Keyed by the keystore's identity and size, so a keystore that grows is read afresh;
    bounded, since an estate's parties are few but a long-lived process may meet many.
    """

    LIMIT: Final = 10_000

    def __init__(self) -> None:
        self._stamp: tuple[int, int] = (0, -1)
        self.roles: dict[Eui64, frozenset[Role]] = {}
        self.key_ids: dict[tuple[Eui64, str], bytes] = {}

    def fresh(self, security: GbcsSecurity) -> _KeystoreFacts:
        stamp = (id(security.keystore), len(security.keystore.entries))
        if stamp != self._stamp or len(self.roles) + len(self.key_ids) > self.LIMIT:
            self._stamp = stamp
            self.roles.clear()
            self.key_ids.clear()
        return self


_FACTS: Final = _KeystoreFacts()


def _key_id(security: GbcsSecurity, subject: Eui64, cell: CellId) -> bytes:
    facts = _FACTS.fresh(security)
    found = facts.key_ids.get((subject, cell.key))
    if found is None:
        found = facts.key_ids[(subject, cell.key)] = _look_up_key_id(security, subject, cell)
    return found


def _look_up_key_id(security: GbcsSecurity, subject: Eui64, cell: CellId) -> bytes:
    """The subject key identifier of the certificate an as-installed cell holds: the
    keystore's certificate of that party and usage (for the top-up cell its ``-pp-`` key,
    else its key agreement key, as the DCC's in a DCC-controlled hub's top-up cell), else
    a stable stand-in derived from the party (the root CA and parties the keystore lacks)."""
    usage = KeyUsage.KEY_AGREEMENT if cell.usage & KA else KeyUsage.DIGITAL_SIGNING
    if cell.usage & (DS | KA):
        entries = security.keystore.find(subject, usage)
        top_up = [e for e in entries if PREPAYMENT_KEY_MARK in e.name]
        management = [e for e in entries if PREPAYMENT_KEY_MARK not in e.name]
        ranked = [*top_up, *management] if cell.cell_usage is TOP_UP else management
        for entry in ranked:
            found = _subject_key_id(entry)
            if found is not None:
                return found
    seed = b"opendcc trust anchor " + bytes(subject) + cell.key.encode()
    return hashlib.sha256(seed).digest()[:8]


def _subject_key_id(entry: KeyEntry) -> bytes | None:
    if entry.record is None:
        return None
    return certificate_key_id(entry.record.certificate)


def certificate_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except (x509.ExtensionNotFound, *CERTIFICATE_READ_ERRORS):
        return None
    return extension.value.digest


def set_floor(state: DeviceState, security: GbcsSecurity, role: Role, floor: int) -> None:
    """A new anti-replay floor for ``role``: the party in its signing cell (or its key
    agreement cell) must count above it from now on."""
    anchors = state.get(TrustAnchors)
    anchors.floors[str(int(role))] = floor
    for cell in layout(state.device.device_type):
        if cell.role is role and cell.cell_usage is MGMT:
            held = content(state, security, cell)
            if held is not None:
                state.get(AntiReplay).last[held.subject.hex] = floor
    state.touch()


def set_top_up_floor(state: DeviceState, role: Role, floor: int) -> None:
    state.get(TrustAnchors).floors[f"{int(role)}:top-up"] = floor
    state.touch()


def current_seq_number(state: DeviceState, security: GbcsSecurity, role: Role) -> int:
    """The anti-replay counter the Device holds for ``role`` (CS02a's current value)."""
    anchors = state.get(TrustAnchors)
    floor = anchors.floor(role)
    last = state.get(AntiReplay).last
    seen = [
        last[held.subject.hex]
        for cell in layout(state.device.device_type)
        if cell.role is role
        and (held := content(state, security, cell)) is not None
        and held.subject.hex in last
    ]
    return max([floor, *seen])


# --- the estate's installation step ------------------------------------------------------


def provision_cell(state: DeviceState, cell: CellId, certificate: x509.Certificate) -> None:
    """Pin ``cell`` to ``certificate`` (the hub or the estate seeding a Device with the
    credentials of its actual Supplier, Network Operator...). ``ValueError`` if the Device
    has no such cell or the certificate names no EUI-64."""
    if not holds(state.device.device_type, cell):
        raise ValueError(f"a {state.device.device_type.value} has no {cell} trust anchor cell")
    subject = certificate_eui(certificate)
    if subject is None and cell.role is not Role.ROOT:
        raise ValueError("the certificate names no EUI-64")
    key_id = certificate_key_id(certificate) or b""
    der = certificate.public_bytes(Encoding.DER)
    state.get(TrustAnchors).write(cell, CellContent(subject or ROOT_SUBJECT, key_id, der, True))
    state.touch()


# --- the authorisation check --------------------------------------------------------------


def party_roles(security: GbcsSecurity, eui: Eui64) -> frozenset[Role]:
    """The remote party roles ``eui``'s SMKI certificates name."""
    facts = _FACTS.fresh(security)
    found = facts.roles.get(eui)
    if found is None:
        found = facts.roles[eui] = frozenset(
            role
            for entry in security.keystore.find(eui)
            if entry.record is not None and (role := entry.record.role) is not None
        )
    return found


@authorises
def authorise(message: GbcsMessage, state: DeviceState, security: GbcsSecurity) -> str | None:
    """Discard a Command from a party that is not the one pinned in its role's cells."""
    originator = message.originator
    if originator == security.access_control_broker or not state.has(TrustAnchors):
        return None  # no cell written since manufacture: nothing is pinned
    anchors = state.get(TrustAnchors)
    if not anchors.cells:
        return None
    for role in party_roles(security, originator):
        pinned = anchors.pinned_subjects(role)
        if not pinned:
            continue
        if originator not in pinned:
            return (
                f"{originator} is not the {role.name.lower()} whose credentials the Device "
                f"holds ({', '.join(str(p) for p in sorted(pinned, key=lambda e: e.value))})"
            )
        if message.signature is not None:
            return _verify_pinned_signature(message, state, role)
    return None


def _verify_pinned_signature(message: GbcsMessage, state: DeviceState, role: Role) -> str | None:
    written = state.get(TrustAnchors).written(CellId(role, DS))
    if written is None or written.certificate is None:
        return None
    public_key = _public_key(written.certificate)
    if public_key is None or message.signature is None:
        return "the Device's signing trust anchor cannot verify signatures"
    if not crypto.verify(public_key, message.signed_bytes(), message.signature):
        return f"the signature does not verify with the {role.name.lower()} trust anchor"
    return None


@lru_cache(maxsize=4096)
def _public_key(der: bytes) -> ec.EllipticCurvePublicKey | None:
    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except CERTIFICATE_READ_ERRORS:
        return None
    return key if isinstance(key, ec.EllipticCurvePublicKey) else None


def certificate_facts(der: bytes) -> tuple[x509.Certificate, Eui64, bytes, KeyUsage | None] | None:
    """A certificate with its subject EUI (root: zero), key identifier and key usage, or
    None if it cannot be read."""
    try:
        certificate = x509.load_der_x509_certificate(der)
        subject = certificate_eui(certificate)
        usage = certificate_usage(certificate)
        role = certificate_role(certificate)
    except CERTIFICATE_READ_ERRORS:
        return None
    if subject is None and role is not Role.ROOT and not _is_ca(certificate):
        return None
    key_id = certificate_key_id(certificate) or b""
    return certificate, subject or ROOT_SUBJECT, key_id, usage


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, *CERTIFICATE_READ_ERRORS):
        return False
