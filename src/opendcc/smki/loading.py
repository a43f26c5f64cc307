"""Read certificates and private keys in the encodings the SMKI test material uses.

Certificates come as PEM or DER. Private keys come as PKCS#8 PEM, PKCS#8 DER (the DCC
Boxed ``.key`` files) or SEC 1 ``EC PRIVATE KEY`` PEM. All keys are P-256; anything else is
refused, since every SMKI key is P-256 and accepting another curve would only move the
failure somewhere harder to read.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class KeyMaterialError(ValueError):
    """A file that is not a usable P-256 certificate or private key; the message says why."""


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise KeyMaterialError(f"not an X.509 certificate: {exc}") from exc


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the single certificate of a DER file."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        try:
            return x509.load_pem_x509_certificates(data)
        except ValueError as exc:
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
