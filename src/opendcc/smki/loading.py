"""Read certificates and private keys in the encodings the SMKI test material uses.

Certificates come as PEM or DER. Private keys come as PKCS#8 PEM, PKCS#8 DER (the DCC
Boxed ``.key`` files) or SEC 1 ``EC PRIVATE KEY`` PEM. All keys are P-256; anything else is
refused, since every SMKI key is P-256 and accepting another curve would only move the
failure somewhere harder to read. Certificate revocation lists come as PEM or DER.

``load_certificates_tolerant`` also accepts certificates that ``cryptography`` refuses only
because their signature AlgorithmIdentifier carries an explicit NULL parameter; it loads a
repaired copy (see ``opendcc.smki.repair``) and says so in ``LoadedCertificate.repaired``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.smki.repair import DerError, drop_null_signature_parameters

_PEM_CERTIFICATE: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----(?P<body>[A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----"
)
_PEM_CRL: Final = re.compile(
    rb"-----BEGIN X509 CRL-----(?P<body>[A-Za-z0-9+/=\s]*?)-----END X509 CRL-----"
)


_UNREADABLE = (ValueError, x509.InvalidVersion)
"""What cryptography raises for bytes that are not a certificate (InvalidVersion is not a
ValueError)."""


class KeyMaterialError(ValueError):
    """A file that is not a usable P-256 certificate or private key; the message says why."""


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except _UNREADABLE as exc:
        raise KeyMaterialError(f"not an X.509 certificate: {exc}") from exc


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the single certificate of a DER file."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        try:
            return x509.load_pem_x509_certificates(data)
        except _UNREADABLE as exc:
            raise KeyMaterialError(f"not a PEM certificate bundle: {exc}") from exc
    return [load_certificate(data)]


def load_private_key(data: bytes) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PKCS#8 PEM, PKCS#8 DER or SEC 1 PEM bytes."""
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError(f"not an unencrypted private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyMaterialError("not a P-256 (secp256r1) private key")
    return key


def public_key_of(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    """The certificate's P-256 public key."""
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyMaterialError("certificate does not hold a P-256 public key")
    return key


@dataclass(frozen=True, slots=True)
class LoadedCertificate:
    """A certificate as loaded; ``repaired`` when its DER had to be rewritten to parse.

    A repaired certificate still names the same subject, EUI, role and public key, but its
    own signature can no longer be checked against its issuer.
    """

    certificate: x509.Certificate
    repaired: bool = False


def load_certificates_tolerant(data: bytes) -> list[LoadedCertificate]:
    """Every certificate in PEM or DER ``data``, repairing explicit NULL ECDSA parameters.

    Raises ``KeyMaterialError`` naming the first certificate that cannot be loaded even
    after repair.
    """
    if b"-----BEGIN CERTIFICATE-----" in data:
        blocks = [_pem_body(m.group("body")) for m in _PEM_CERTIFICATE.finditer(data)]
        if not blocks:
            raise KeyMaterialError("not a PEM certificate bundle: no complete certificate")
        return [_tolerant_der(block, n) for n, block in enumerate(blocks, 1)]
    return [_tolerant_der(data, 1)]


def load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """Every certificate revocation list in PEM ``data``, or the one CRL of DER ``data``."""
    if b"-----BEGIN X509 CRL-----" in data:
        blocks = [_pem_body(m.group("body")) for m in _PEM_CRL.finditer(data)]
        if not blocks:
            raise KeyMaterialError("not a PEM CRL: no complete CRL")
    else:
        blocks = [data]
    try:
        return [x509.load_der_x509_crl(block) for block in blocks]
    except ValueError as exc:
        raise KeyMaterialError(f"not an X.509 CRL: {exc}") from exc


def _pem_body(body: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except binascii.Error as exc:
        raise KeyMaterialError(f"bad base64 in PEM block: {exc}") from exc


def _tolerant_der(der: bytes, number: int) -> LoadedCertificate:
    try:
        return LoadedCertificate(x509.load_der_x509_certificate(der))
    except _UNREADABLE as strict_error:
        try:
            repaired = drop_null_signature_parameters(der)
        except DerError:
            repaired = None
        if repaired is not None:
            try:
                return LoadedCertificate(x509.load_der_x509_certificate(repaired), repaired=True)
            except _UNREADABLE:
                pass
        raise KeyMaterialError(
            f"certificate {number} is not an X.509 certificate: {strict_error}"
        ) from strict_error
