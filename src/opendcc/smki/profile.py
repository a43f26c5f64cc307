"""What an SMKI certificate looks like: names, extensions, validity and serial numbers.

Everything here was read off the reference certificates (the DCC Boxed organisation
certificates and the GBCS RTDS keystore) and is checked against them in the tests:

- Organisation Certificates: subject ``CN`` (optional), ``OU`` = the remote-party role as
  two hex digits, ``x500UniqueIdentifier`` = the EUI-64 as a 64-bit BIT STRING, all
  UTF8String; extensions keyUsage (critical, digitalSignature or keyAgreement),
  subjectKeyIdentifier, certificatePolicies (critical), authorityKeyIdentifier.
- Device Certificates: empty subject; subjectAltName (critical) holding one ``otherName``
  of type hardwareModuleName (RFC 4108) with the EUI-64 as ``hwSerialNum``; keyUsage,
  subjectKeyIdentifier, certificatePolicies, authorityKeyIdentifier; valid until
  9999-12-31T23:59:59Z, RFC 5280's "no well-defined expiration date".
- Issuer names in PrintableString: ``OU=07, CN=<name>`` for the organisation issuing CA
  (the reference ``OU = 07, CN = Z1``), ``CN=<name>`` for the device issuing CA.
- Key identifiers are 8 bytes: RFC 5280 section 4.2.1.2 method (2), the four bits 0100
  followed by the low 60 bits of the SHA-1 of the subjectPublicKey (every one of the 435
  reference certificates with a subjectKeyIdentifier follows it).
- Serial numbers are positive 128-bit integers whose DER INTEGER is exactly 16 bytes.

Signatures are ECDSA P-256 with SHA-256, deterministic (RFC 6979) so that the same inputs
always give the same certificate bytes: simulated devices in different worker processes
then agree on their certificates without sharing state.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

# The string type of a name attribute can only be chosen through this private enum; the
# reference names mix PrintableString (issuers) and UTF8String (subjects) and verifiers
# compare issuer names byte for byte, so the choice matters.
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from opendcc.eui import Eui64
from opendcc.smki.identity import (
    OID_HARDWARE_MODULE_NAME,
    OID_X500_UNIQUE_IDENTIFIER,
    KeyUsage,
    RemotePartyRole,
    hardware_module_name,
)

SMKI_TEST_POLICY: Final = x509.ObjectIdentifier("1.2.826.0.1.8641679.1.2.1.4")
"""The certificatePolicies OID of the DCC Boxed organisation and device test certificates."""

NO_EXPIRY: Final = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""notAfter of Device and CA certificates: RFC 5280 section 4.1.2.5's 'no expiry' value."""

ORGANISATION_YEARS: Final = 10
"""Default validity of Organisation Certificates (the reference ones run ten years less a
second: 2015-10-30T00:00:00Z to 2025-10-29T23:59:59Z)."""

_SIGNATURE_HASH: Final = hashes.SHA256()


def key_identifier(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The 8-byte subject key identifier of RFC 5280 section 4.2.1.2, method (2)."""
    point = public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key_identifier_of_point(point)


def key_identifier_of_point(point: bytes) -> bytes:
    """``key_identifier`` from the uncompressed point bytes (the subjectPublicKey)."""
    digest = hashlib.sha1(point, usedforsecurity=False).digest()[-8:]
    return bytes([0x40 | (digest[0] & 0x0F)]) + digest[1:]


def new_serial(random_bytes: Callable[[int], bytes] = os.urandom) -> int:
    """A random positive serial number whose DER INTEGER is 16 bytes (first byte 01..7F)."""
    while True:
        raw = bytearray(random_bytes(16))
        raw[0] &= 0x7F
        if raw[0]:
            return int.from_bytes(raw, "big")


def is_profile_serial(serial: int) -> bool:
    """True when ``serial`` is a 16-byte positive DER INTEGER, as ``new_serial`` makes."""
    return 1 << 120 <= serial < 1 << 127


def organisation_not_after(not_before: datetime, years: int = ORGANISATION_YEARS) -> datetime:
    """``years`` after ``not_before``, less one second (the reference certificates' habit)."""
    try:
        later = not_before.replace(year=not_before.year + years)
    except ValueError:  # 29 February in a year that has none
        later = not_before.replace(year=not_before.year + years, day=28)
    return min(later - timedelta(seconds=1), NO_EXPIRY)


def ca_name(common_name: str, role: RemotePartyRole | None) -> x509.Name:
    """A CA's name, PrintableString as in the reference issuers: ``OU=<role>, CN=<name>``."""
    attributes = []
    if role is not None:
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.ou, _ASN1Type.PrintableString)
        )
    attributes.append(
        x509.NameAttribute(NameOID.COMMON_NAME, common_name, _ASN1Type.PrintableString)
    )
    return x509.Name([x509.RelativeDistinguishedName([a]) for a in attributes])


def organisation_subject(
    eui: Eui64, role: RemotePartyRole, common_name: str | None = None
) -> x509.Name:
    """``CN=<name>`` (when given), ``OU=<role>``, ``x500UniqueIdentifier=<EUI-64>``."""
    attributes: list[x509.NameAttribute[str | bytes]] = []
    if common_name:
        attributes.append(
            x509.NameAttribute(NameOID.COMMON_NAME, common_name, _ASN1Type.UTF8String)
        )
    attributes.append(
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.ou, _ASN1Type.UTF8String)
    )
    # A BIT STRING's content begins with its count of unused bits: none of the 64.
    attributes.append(
        x509.NameAttribute(OID_X500_UNIQUE_IDENTIFIER, b"\x00" + bytes(eui), _ASN1Type.BitString)
    )
    return x509.Name([x509.RelativeDistinguishedName([a]) for a in attributes])


def key_usage_extension(usage: KeyUsage) -> x509.KeyUsage:
    agreement = usage is KeyUsage.KEY_AGREEMENT
    return x509.KeyUsage(
        digital_signature=not agreement,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=agreement,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _policies(policy: x509.ObjectIdentifier) -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(policy, None)])


def _aki(issuer_key_id: bytes) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier(issuer_key_id, None, None)


def organisation_certificate(
    *,
    issuer_name: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    eui: Eui64,
    role: RemotePartyRole,
    usage: KeyUsage,
    public_key: ec.EllipticCurvePublicKey,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    common_name: str | None = None,
    policy: x509.ObjectIdentifier = SMKI_TEST_POLICY,
) -> x509.Certificate:
    """An Organisation Certificate naming ``eui`` in ``role`` for ``usage``."""
    builder = (
        x509.CertificateBuilder()
        .issuer_name(issuer_name)
        .subject_name(organisation_subject(eui, role, common_name))
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(key_usage_extension(usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(key_identifier(public_key)), critical=False)
        .add_extension(_policies(policy), critical=True)
        .add_extension(_aki(key_identifier(issuer_key.public_key())), critical=False)
    )
    return builder.sign(issuer_key, _SIGNATURE_HASH, ecdsa_deterministic=True)


def device_certificate(
    *,
    issuer_name: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    eui: Eui64,
    usage: KeyUsage,
    public_key: ec.EllipticCurvePublicKey,
    serial: int,
    not_before: datetime,
    not_after: datetime = NO_EXPIRY,
    policy: x509.ObjectIdentifier = SMKI_TEST_POLICY,
) -> x509.Certificate:
    """A Device Certificate naming ``eui`` (subjectAltName hardwareModuleName) for ``usage``."""
    alt_name = x509.OtherName(OID_HARDWARE_MODULE_NAME, hardware_module_name(eui))
    builder = (
        x509.CertificateBuilder()
        .issuer_name(issuer_name)
        .subject_name(x509.Name([]))
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(key_usage_extension(usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(key_identifier(public_key)), critical=False)
        .add_extension(x509.SubjectAlternativeName([alt_name]), critical=True)
        .add_extension(_policies(policy), critical=True)
        .add_extension(_aki(key_identifier(issuer_key.public_key())), critical=False)
    )
    return builder.sign(issuer_key, _SIGNATURE_HASH, ecdsa_deterministic=True)


def ca_certificate(
    *,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer_name: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    serial: int,
    not_before: datetime,
    path_length: int | None,
    not_after: datetime = NO_EXPIRY,
    policy: x509.ObjectIdentifier = SMKI_TEST_POLICY,
) -> x509.Certificate:
    """A CA certificate: the root (self-issued when ``issuer_key`` is its own) or an issuing CA."""
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .issuer_name(issuer_name)
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier(key_identifier(public_key)), critical=False)
        .add_extension(_policies(policy), critical=True)
    )
    issuer_public = issuer_key.public_key()
    if issuer_public.public_numbers() != public_key.public_numbers():
        builder = builder.add_extension(_aki(key_identifier(issuer_public)), critical=False)
    return builder.sign(issuer_key, _SIGNATURE_HASH, ecdsa_deterministic=True)
