"""Generated SMKI-shaped keys and certificates for GBCS tests (no reference data needed).

Two keystores see the same parties from either end of the SM WAN: the hub's holds the ACB's
and the Supplier's private keys and only the Devices' certificates; the Device's holds its
own private keys and only the Remote Parties' certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from opendcc.eui import Eui64
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.identity import (
    OID_HARDWARE_MODULE_NAME,
    OID_X500_UNIQUE_IDENTIFIER,
    RemotePartyRole,
    hardware_module_name,
)
from opendcc.smki.keystore import Keystore

ACB = Eui64.parse("90-B3-D5-1F-30-00-00-02")
SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
OTHER_SUPPLIER = Eui64.parse("90-B3-D5-1F-30-03-00-00")
ESME = Eui64.parse("00-DB-12-34-56-78-90-A0")
GSME = Eui64.parse("00-DB-12-34-56-78-90-A1")
PPMID = Eui64.parse("00-DB-12-34-56-78-90-A4")

_CA_KEY = ec.generate_private_key(ec.SECP256R1())
_NOW = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Credential:
    eui: Eui64
    usage: str  # "ds" or "ka"
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def _certificate(
    eui: Eui64, usage: str, key: ec.EllipticCurvePrivateKey, role: RemotePartyRole | None
) -> x509.Certificate:
    builder = x509.CertificateBuilder()
    if role is None:
        builder = builder.subject_name(x509.Name([])).add_extension(
            x509.SubjectAlternativeName(
                [x509.OtherName(OID_HARDWARE_MODULE_NAME, hardware_module_name(eui))]
            ),
            critical=True,
        )
    else:
        builder = builder.subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.ou),
                    x509.NameAttribute(
                        OID_X500_UNIQUE_IDENTIFIER,
                        b"\x00" + bytes(eui),
                        _type=x509.name._ASN1Type.BitString,
                    ),
                ]
            )
        )
    return (
        builder.issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST CA")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW)
        .not_valid_after(datetime(9999, 12, 31, tzinfo=UTC))
        .add_extension(
            x509.KeyUsage(
                digital_signature=usage == "ds",
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=usage == "ka",
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(_CA_KEY, hashes.SHA256())
    )


_ROLES: dict[Eui64, RemotePartyRole | None] = {
    ACB: RemotePartyRole.ACCESS_CONTROL_BROKER,
    SUPPLIER: RemotePartyRole.SUPPLIER,
    OTHER_SUPPLIER: RemotePartyRole.SUPPLIER,
    ESME: None,
    GSME: None,
    PPMID: None,
}
CREDENTIALS: dict[tuple[Eui64, str], Credential] = {}
for _eui, _role in _ROLES.items():
    for _usage in ("ds", "ka"):
        _key = ec.generate_private_key(ec.SECP256R1())
        CREDENTIALS[(_eui, _usage)] = Credential(
            _eui, _usage, _key, _certificate(_eui, _usage, _key, _role)
        )


def keystore_for(*holders: Eui64) -> Keystore:
    """Every party's certificates, with the private keys of ``holders`` only."""
    store = Keystore()
    for (eui, usage), credential in CREDENTIALS.items():
        store.add_certificate(
            credential.certificate,
            credential.key if eui in holders else None,
            name=f"{eui.hex}-{usage}",
        )
    assert not store.warnings, store.warnings
    return store


@pytest.fixture
def hub() -> GbcsSecurity:
    """The hub's view: ACB and Suppliers hold private keys."""
    return GbcsSecurity(keystore_for(ACB, SUPPLIER, OTHER_SUPPLIER))


@pytest.fixture
def esme() -> GbcsSecurity:
    """The ESME's view: only its own private keys."""
    return GbcsSecurity(keystore_for(ESME))


@pytest.fixture
def gsme() -> GbcsSecurity:
    return GbcsSecurity(keystore_for(GSME))
