"""TLS credentials for the hub's HTTP interfaces: a test DCCKI.

The DCC protects the DCC User Interface with TLS whose certificates come from the DCC Key
Infrastructure (DCCKI: SEC Section L, its DCCKI provisions and the DCCKI Certificate
Policy), a PKI kept apart from the SMKI that signs DUIS messages and GBCS Commands: a TLS
certificate says which host a User is talking to, an SMKI certificate says who signed a
message. opendcc keeps the
same separation. ``issue_server_certificate`` makes (once) a self-signed test DCCKI root in a
folder of its own and issues the hub a server certificate for its host names, which
``opendcc serve --tls`` uses and which a User's client trusts by loading the root
(``opendcc send --ca``).

Keys are ECDSA P-256 like the SMKI's; the server certificate carries the host names and IP
addresses in subjectAltName (RFC 6125: clients match those, not the common name) and the
serverAuth extended key usage. Private keys are written readable by their owner only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from opendcc.smki.pkidir import private_pem, write_file

_HOST_NAME = re.compile(
    r"(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?"
)
"""A host name of RFC 1123 labels (IDNs arrive here already in their ASCII form)."""

ROOT_DAYS = 3650
SERVER_DAYS = 397
"""A server certificate's life: the CA/Browser Forum ceiling, which TLS clients expect."""


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the TLS credentials are: the root a client trusts, the server's pair."""

    ca: Path
    certificate: Path
    key: Path


class TlsError(ValueError):
    """A host name that cannot go in a certificate, or an unreadable existing root."""


def issue_server_certificate(directory: Path, hosts: Iterable[str], now: datetime) -> TlsFiles:
    """Issue a server certificate for ``hosts`` from the test DCCKI root in ``directory``.

    The root (``ca.pem``, ``ca.key``) is created on first use and reused after, so a client
    that trusts it keeps trusting every certificate issued later. The server pair is written
    as ``server.pem`` and ``server.key``, replacing an earlier one.
    """
    names = _alt_names(hosts)
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = _root(directory, now)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "opendcc test DCCKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, str(names[0].value)),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    write_file(files.key, private_pem(key), private=True)
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    write_file(files.certificate, pem, private=False)
    return files


def _alt_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(h.strip() for h in hosts):
        if not host:
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
            continue
        except ValueError:
            pass
        try:
            ascii_name = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_name = ""
        if not _HOST_NAME.fullmatch(ascii_name):
            raise TlsError(f"{host!r} is not a host name or an IP address")
        names.append(x509.DNSName(ascii_name.lower()))
    if not names:
        raise TlsError("a server certificate needs at least one host name or IP address")
    return names


def _root(directory: Path, now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = directory / "ca.pem", directory / "ca.key"
    if cert_path.exists() and key_path.exists():
        try:
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        except ValueError as exc:
            raise TlsError(f"cannot read the TLS root in {directory}: {exc}") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TlsError(f"the TLS root key in {directory} is not an EC key")
        if certificate.not_valid_after_utc > now:
            return certificate, key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "opendcc test DCCKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, "opendcc test DCCKI root"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=ROOT_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_file(key_path, private_pem(key), private=True)
    write_file(cert_path, certificate.public_bytes(serialization.Encoding.PEM), private=False)
    return certificate, key
