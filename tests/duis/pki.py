"""Throw-away SMKI-shaped certificates for DUIS tests that need no reference data.

Organisation certificates carry the EUI-64 as x500UniqueIdentifier and the remote-party role
in OU, as SMKI does, so ``CertificateRecord`` reads them like real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from opendcc.duis.signature import SigningIdentity
from opendcc.eui import Eui64
from opendcc.smki.directory import CertificateRecord, StaticDirectory
from opendcc.smki.identity import RemotePartyRole

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
DCC = Eui64.parse("90-B3-D5-1F-30-00-00-02")
DEVICE = Eui64.parse("00-DB-12-34-56-78-90-A0")
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Party:
    identity: SigningIdentity
    record: CertificateRecord

    @property
    def serial(self) -> int:
        return self.record.serial


class TestCa:
    """A CA named ``CN=T1,OU=07`` that issues P-256 organisation certificates."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "07"),
                x509.NameAttribute(NameOID.COMMON_NAME, "T1"),
            ]
        )
        self._serial = 1000

    def issue(
        self,
        eui: Eui64,
        role: RemotePartyRole = RemotePartyRole.XML_SIGNING,
        *,
        not_before: datetime = EPOCH,
        days: int = 3650,
        key_agreement: bool = False,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> Party:
        key = key or ec.generate_private_key(ec.SECP256R1())
        self._serial += 1
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.ou),
                # A BIT STRING's content starts with its count of unused bits: none.
                x509.NameAttribute(
                    NameOID.X500_UNIQUE_IDENTIFIER, b"\x00" + bytes(eui), _type=_ASN1Type.BitString
                ),
            ]
        )
        usage = x509.KeyUsage(
            digital_signature=not key_agreement,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=key_agreement,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(self._serial)
            .not_valid_before(not_before)
            .not_valid_after(not_before + timedelta(days=days))
            .add_extension(usage, critical=True)
            .sign(self.key, hashes.SHA256())
        )
        return Party(SigningIdentity.of(key, cert), CertificateRecord.of(cert))


def directory_of(*parties: Party) -> StaticDirectory:
    return StaticDirectory(p.record for p in parties)
