"""Test support for the configuration family: the reference premises, DUIS templates read
into ``TransformInput``, and Commands built from a ``CommandSpec`` as the hub builds them.

Nothing here copies reference data: templates, vectors and keys are read in place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs import build, crypto
from opendcc.gbcs.frame import GbcsMessage
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import KeyEntry, Keystore
from opendcc.transform import config  # noqa: F401  (registers the family's transforms)
from opendcc.transform.duisxml import timestamp
from opendcc.transform.registry import CommandSpec, TransformInput
from tests.reference import require_reference

SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
RTDS_NOW = datetime(2015, 1, 1, tzinfo=UTC)
"""When the reference Commands were made (their ZigBee issuer event ids and Response
date-times say so)."""

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
NETWORK_OPERATOR = Eui64.parse("90-B3-D5-1F-30-02-00-00")
SECOND_SUPPLIER = Eui64.parse("90-B3-D5-1F-30-03-00-00")
ACB = DCC_ACCESS_CONTROL_BROKER

_TYPES = {
    0xA0: DeviceType.ESME,
    0xA1: DeviceType.GSME,
    0xA2: DeviceType.CHF,
    0xA3: DeviceType.GPF,
    0xA4: DeviceType.PPMID,
    0xA5: DeviceType.HCALCS,
    0xA6: DeviceType.HCALCS,
}


def eui(last: int) -> Eui64:
    return Eui64(0x00DB1234567890_00 | last)


def device(last: int, *, gbcs_version: str = "4.1", mpxn: str | None = None) -> Device:
    kind = _TYPES[last]
    return Device(
        eui(last),
        kind,
        SmiStatus.COMMISSIONED,
        datetime(2019, 6, 3, tzinfo=UTC),
        CspRegion.CENTRAL,
        mpxn=mpxn,
        chf_id=eui(0xA2) if kind is not DeviceType.CHF else None,
        gbcs_version=gbcs_version,
    )


@dataclass(frozen=True, slots=True)
class Inventory:
    """An inventory view of the reference premises that also knows ESME variants."""

    variant: str | None = None

    def get_device(self, eui: Eui64) -> Device | None:
        last = eui.value & 0xFF
        return device(last) if eui.value >> 8 == 0x00DB1234567890 and last in _TYPES else None

    def esme_variant(self, eui: Eui64) -> str | None:
        return self.variant


@cache
def security() -> GbcsSecurity:
    return GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))


@cache
def matrix() -> dict[str, dict[str, object]]:
    rows = json.loads(require_reference("duis", "request-matrix.json").read_text())
    return {str(r["Service Reference Variant"]): r for r in rows}


def is_critical(variant: str) -> bool:
    return matrix()[variant]["Critical"] == "Yes"


_ROLES = {
    (SUPPLIER, True): UserRole.IMPORT_SUPPLIER,
    (SUPPLIER, False): UserRole.GAS_SUPPLIER,
    (SECOND_SUPPLIER, True): UserRole.IMPORT_SUPPLIER,
    (SECOND_SUPPLIER, False): UserRole.GAS_SUPPLIER,
    (NETWORK_OPERATOR, True): UserRole.ELECTRICITY_DISTRIBUTOR,
    (NETWORK_OPERATOR, False): UserRole.GAS_TRANSPORTER,
}


def role_for(originator: Eui64, variant: str, kind: DeviceType) -> UserRole:
    if variant == "6.20.2":
        return UserRole.EXPORT_SUPPLIER
    electric = kind in (DeviceType.ESME, DeviceType.CHF, DeviceType.HCALCS)
    return _ROLES[(originator, electric)]


def template(name: str) -> etree._Element:
    return etree.parse(str(require_reference("duis", "templates", name))).getroot()


def request_from(
    name: str,
    *,
    counter: int | None = None,
    gbcs_version: str = "4.1",
    esme_variant: str | None = None,
    role: UserRole | None = None,
    dcc_counter: int | None = None,
    now: datetime = RTDS_NOW,
) -> TransformInput:
    """The ``TransformInput`` the hub would make of DUIS template ``name``."""
    root = template(name)
    originator, target, count = (root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")
    body = root.find(f"{SR}Body")
    assert body is not None
    element = body[0]
    variant = root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") or ""
    target_eui = Eui64.parse(target)
    dev = device(target_eui.value & 0xFF, gbcs_version=gbcs_version)
    execution = element.find(f"{SR}ExecutionDateTime")
    return TransformInput(
        variant=variant,
        body=element,
        originator=Eui64.parse(originator),
        target=target_eui,
        counter=int(count) if counter is None else counter,
        device=dev,
        role=role or role_for(Eui64.parse(originator), variant, dev.device_type),
        now=now,
        execution_at=None if execution is None else timestamp(execution),
        inventory=Inventory(esme_variant),
        dcc_counter=fixed_counter(dcc_counter),
    )


def fixed_counter(value: int | None) -> Callable[[Eui64], int] | None:
    """A DCC counter allocator that answers ``value`` for every DCC party."""
    if value is None:
        return None
    return lambda _party: value


def originator_of(spec: CommandSpec, request: TransformInput) -> tuple[Eui64, int]:
    origin = spec.dcc_origination
    if origin is None:
        return (request.originator, request.counter)
    return (origin.party, origin.counter)


def pre_command(spec: CommandSpec, request: TransformInput) -> GbcsMessage:
    originator, counter = originator_of(spec, request)
    return build.pre_command(
        spec.payload,
        originator=originator,
        recipient=spec.recipient,
        counter=counter,
        message_code=spec.message_code,
        date_time=spec.date_time,
    )


def command(spec: CommandSpec, request: TransformInput) -> GbcsMessage:
    """The non-critical Command the hub sends (MACed by the ACB)."""
    originator, counter = originator_of(spec, request)
    return build.command(
        spec.payload,
        originator=originator,
        recipient=spec.recipient,
        counter=counter,
        message_code=spec.message_code,
        security=security(),
        date_time=spec.date_time,
        supplementary_remote_party=spec.supplementary_remote_party,
        supplementary_remote_party_counter=spec.supplementary_remote_party_counter,
    )


def signed_command(spec: CommandSpec, request: TransformInput) -> GbcsMessage:
    """A critical Command: the Pre-Command signed with the User's key from the keystore."""
    pre = pre_command(spec, request)
    originator, _ = originator_of(spec, request)
    signer = security().keystore.signer(originator)
    assert signer is not None and signer.private_key is not None
    signature = build.sign_pre_command(pre, signer.private_key)
    return build.critical_command(pre, signature, security())


def vector_path(name: str) -> Path:
    use_case, variant = name.split("_")[:2]
    return require_reference("gbcs", "rtds", f"{variant}_{use_case}", name)


def vector(name: str) -> bytes:
    return bytes.fromhex(vector_path(name).read_text().strip())


_P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def device_signing_key(eui: Eui64) -> ec.EllipticCurvePrivateKey:
    """A simulated Device's DS key for the tests (the reference keystore holds only the
    Devices' certificates): deterministic per EUI, a real P-256 key."""
    digest = hashlib.sha256(b"opendcc config tests " + bytes(eui)).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_P256_N - 1) + 1, ec.SECP256R1())


def _device_keys(eui: Eui64, usage: KeyUsage) -> KeyEntry | None:
    if usage is not KeyUsage.DIGITAL_SIGNING or eui.value >> 8 != 0x00DB1234567890:
        return None
    key = device_signing_key(eui)
    return KeyEntry(f"test-{eui.hex}-ds", key.public_key(), None, key, eui, usage, "tests")


@cache
def device_security() -> GbcsSecurity:
    """The reference keys, plus signing keys for the simulated Devices' critical Responses
    and Alerts."""
    return GbcsSecurity(
        Keystore.load(require_reference("gbcs", "keystore")), device_keys=_device_keys
    )


def signed_by_device(message: GbcsMessage) -> bool:
    assert message.signature is not None
    public = device_signing_key(message.originator).public_key()
    return crypto.verify(public, message.signed_bytes(), message.signature)
