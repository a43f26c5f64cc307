"""``org-crypto.zip``: the organisation keys DCC Boxed hands to its Users.

DCC Boxed serves ``GET /assets/crypto/org-crypto.zip`` (``application/zip``, with a
``Content-Length``, also answered to ``HEAD``). Its public client,
SmartDCCInnovation/dccboxed-keystore (``scripts/index.ts``), reads every ``.pem`` entry
whose folder path contains ``cert`` as a certificate, and pairs it with the private key at
the same path with ``/cert/`` replaced by ``/key/`` and ``.pem`` by ``.key``, parsed as PEM;
the certificate's file name less ``.pem`` becomes the key pair's name. This module builds
that layout::

    org-crypto/cert/<name>.pem     the Organisation Certificate
    org-crypto/key/<name>.key      its PKCS#8 private key, PEM
    org-crypto/ca/<name>.pem       CA certificates, for verifying chains (no keys)

The archive is deterministic (sorted entries, fixed timestamps), so the hub can cache it
and send an ETag.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import KeyEntry, Keystore

PATH: Final = "/assets/crypto/org-crypto.zip"
CONTENT_TYPE: Final = "application/zip"
ROOT: Final = "org-crypto"
_FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]+")
_CA_ROLES: Final = (RemotePartyRole.ROOT, RemotePartyRole.ISSUING_AUTHORITY)


@dataclass(frozen=True, slots=True)
class OrgCryptoEntry:
    """One key pair of the archive."""

    name: str
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


def organisation_entries(
    keystore: Keystore, include: Callable[[KeyEntry], bool] | None = None
) -> list[OrgCryptoEntry]:
    """Every Organisation Certificate of ``keystore`` that has its private key.

    ``include`` narrows the choice (for example, to leave out the DCC's own keys); by
    default every organisation key pair goes in, as DCC Boxed publishes all its test keys.
    """
    found = []
    for entry in keystore.entries:
        record = entry.record
        if (
            record is None
            or entry.private_key is None
            or record.eui is None
            or record.role is None
            or record.role in _CA_ROLES
        ):
            continue
        if include is not None and not include(entry):
            continue
        found.append(OrgCryptoEntry(entry.name, record.certificate, entry.private_key))
    return found


def ca_certificates(keystore: Keystore) -> list[tuple[str, x509.Certificate]]:
    """The CA certificates of ``keystore`` (those with a cA basicConstraints)."""
    found = []
    for entry in keystore.entries:
        if entry.record is None:
            continue
        try:
            constraints = entry.record.certificate.extensions.get_extension_for_class(
                x509.BasicConstraints
            ).value
        except x509.ExtensionNotFound:
            continue
        if constraints.ca:
            found.append((entry.name, entry.record.certificate))
    return found


def build_org_crypto_zip(
    entries: Iterable[OrgCryptoEntry],
    ca: Iterable[tuple[str, x509.Certificate]] = (),
) -> bytes:
    """The archive bytes, one certificate and key per entry; names made unique and safe."""
    files: dict[str, bytes] = {}
    used: set[str] = set()
    for entry in entries:
        name = _unique(_safe(entry.name), used)
        files[f"{ROOT}/cert/{name}.pem"] = entry.certificate.public_bytes(
            serialization.Encoding.PEM
        )
        files[f"{ROOT}/key/{name}.key"] = entry.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    ca_used: set[str] = set()
    for name, cert in ca:
        files[f"{ROOT}/ca/{_unique(_safe(name), ca_used)}.pem"] = cert.public_bytes(
            serialization.Encoding.PEM
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def org_crypto_zip(keystore: Keystore, include: Callable[[KeyEntry], bool] | None = None) -> bytes:
    """``org-crypto.zip`` of a keystore: its organisation key pairs and CA certificates."""
    return build_org_crypto_zip(organisation_entries(keystore, include), ca_certificates(keystore))


def _safe(name: str) -> str:
    cleaned = _UNSAFE.sub("-", name).strip(".-")
    return cleaned or "key"


def _unique(name: str, used: set[str]) -> str:
    candidate = name
    number = 2
    while candidate.lower() in used:
        candidate = f"{name}-{number}"
        number += 1
    used.add(candidate.lower())
    return candidate
