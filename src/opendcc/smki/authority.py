"""A test SMKI certificate authority: a root, an organisation CA and a device CA, with CRLs.

The hierarchy mirrors the SMKI one: a self-signed Root CA issues two Issuing CAs, one for
Organisation Certificates (``OU=07, CN=<name>``, like the reference ``OU = 07, CN = Z1``)
and one for Device Certificates (``CN=<name>``, like the reference ``CN = E357``). Each CA
keeps the revocations of the certificates it issued and signs an X.509 CRL of them on
request (RFC 5280 section 5: authorityKeyIdentifier and cRLNumber extensions).

Nothing here reads the clock or the file system: times are passed in, and
``opendcc.smki.pkidir`` saves and loads an authority.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import Eui64
from opendcc.smki import profile
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.loading import public_key_of


class CaLevel(enum.Enum):
    """The three CAs of the hierarchy."""

    ROOT = "root"
    ORGANISATION = "organisation"
    DEVICE = "device"


@dataclass(frozen=True, slots=True)
class CaNames:
    """The common names of the three CAs (opendcc's own, never the DCC Boxed ones)."""

    root: str = "ODROOT"
    organisation: str = "OD1"
    device: str = "ODD1"


@dataclass(frozen=True, slots=True)
class CaCredential:
    """One CA: its certificate and private key."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    @property
    def name(self) -> x509.Name:
        return self.certificate.subject

    @property
    def key_identifier(self) -> bytes:
        return profile.key_identifier(self.private_key.public_key())


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revoked certificate, as listed in its issuer's CRL."""

    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags | None = None


class RevocationError(ValueError):
    """A revocation that cannot be recorded (for example, a CA revoking its own certificate)."""


@dataclass(slots=True)
class CertificateAuthority:
    """The root, organisation and device CAs, and the revocations each has recorded."""

    root: CaCredential
    organisation: CaCredential
    device: CaCredential
    revocations: dict[CaLevel, dict[int, Revocation]] = field(
        default_factory=lambda: {level: {} for level in CaLevel}
    )
    crl_numbers: dict[CaLevel, int] = field(default_factory=lambda: dict.fromkeys(CaLevel, 0))

    @classmethod
    def create(
        cls,
        now: datetime,
        *,
        names: CaNames = CaNames(),
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> CertificateAuthority:
        """A fresh hierarchy with new P-256 keys, valid from ``now`` with no expiry."""
        not_before = now.replace(microsecond=0)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = profile.ca_name(names.root, RemotePartyRole.ROOT)
        root_cert = profile.ca_certificate(
            subject=root_name,
            public_key=root_key.public_key(),
            issuer_name=root_name,
            issuer_key=root_key,
            serial=profile.new_serial(random_bytes),
            not_before=not_before,
            path_length=None,
        )
        root = CaCredential(root_cert, root_key)

        def issuing(common_name: str, role: RemotePartyRole | None) -> CaCredential:
            key = ec.generate_private_key(ec.SECP256R1())
            cert = profile.ca_certificate(
                subject=profile.ca_name(common_name, role),
                public_key=key.public_key(),
                issuer_name=root.name,
                issuer_key=root.private_key,
                serial=profile.new_serial(random_bytes),
                not_before=not_before,
                path_length=0,
            )
            return CaCredential(cert, key)

        return cls(
            root=root,
            organisation=issuing(names.organisation, RemotePartyRole.ISSUING_AUTHORITY),
            device=issuing(names.device, None),
        )

    def ca(self, level: CaLevel) -> CaCredential:
        return {
            CaLevel.ROOT: self.root,
            CaLevel.ORGANISATION: self.organisation,
            CaLevel.DEVICE: self.device,
        }[level]

    def issuer_of(self, certificate: x509.Certificate) -> CaLevel | None:
        """Which of the three CAs signed ``certificate``, or None if none did."""
        for level in CaLevel:
            credential = self.ca(level)
            if certificate.issuer != credential.name:
                continue
            try:
                certificate.verify_directly_issued_by(credential.certificate)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return level
        return None

    # --- issuing ---------------------------------------------------------------------------

    def issue_organisation(
        self,
        eui: Eui64,
        role: RemotePartyRole,
        usage: KeyUsage,
        public_key: ec.EllipticCurvePublicKey,
        *,
        not_before: datetime,
        not_after: datetime | None = None,
        common_name: str | None = None,
        serial: int | None = None,
    ) -> x509.Certificate:
        """An Organisation Certificate from the organisation CA (ten years by default)."""
        start = not_before.replace(microsecond=0)
        return profile.organisation_certificate(
            issuer_name=self.organisation.name,
            issuer_key=self.organisation.private_key,
            eui=eui,
            role=role,
            usage=usage,
            public_key=public_key,
            serial=serial if serial is not None else profile.new_serial(),
            not_before=start,
            not_after=not_after or profile.organisation_not_after(start),
            common_name=common_name,
        )

    def issue_device(
        self,
        eui: Eui64,
        usage: KeyUsage,
        public_key: ec.EllipticCurvePublicKey,
        *,
        not_before: datetime,
        serial: int | None = None,
    ) -> x509.Certificate:
        """A Device Certificate from the device CA, valid from ``not_before`` with no expiry."""
        return profile.device_certificate(
            issuer_name=self.device.name,
            issuer_key=self.device.private_key,
            eui=eui,
            usage=usage,
            public_key=public_key,
            serial=serial if serial is not None else profile.new_serial(),
            not_before=not_before.replace(microsecond=0),
        )

    # --- revocation ------------------------------------------------------------------------

    def revoke(
        self,
        certificate: x509.Certificate,
        at: datetime,
        reason: x509.ReasonFlags | None = None,
    ) -> CaLevel:
        """Record ``certificate`` revoked from ``at`` by the CA that issued it."""
        level = self.issuer_of(certificate)
        if level is None:
            raise RevocationError(
                f"certificate {certificate.serial_number} was not issued by this authority"
            )
        if certificate == self.ca(level).certificate:
            raise RevocationError("a CA cannot revoke its own certificate")
        self.record_revocation(level, Revocation(certificate.serial_number, at, reason))
        return level

    def record_revocation(self, level: CaLevel, revocation: Revocation) -> None:
        """Record a revocation by serial (for certificates the caller no longer holds)."""
        if revocation.reason in (x509.ReasonFlags.unspecified, x509.ReasonFlags.remove_from_crl):
            # RFC 5280 section 5.3.1: unspecified SHOULD be omitted; removeFromCRL is for
            # delta CRLs, which this CA does not issue.
            revocation = Revocation(revocation.serial, revocation.revoked_at, None)
        self.revocations[level].setdefault(revocation.serial, revocation)

    def revoked(self, level: CaLevel) -> list[Revocation]:
        return sorted(self.revocations[level].values(), key=lambda r: (r.revoked_at, r.serial))

    def crl(
        self,
        level: CaLevel,
        *,
        this_update: datetime,
        next_update: datetime | None = None,
        extra: Iterable[Revocation] = (),
    ) -> x509.CertificateRevocationList:
        """A signed CRL of everything ``level`` has revoked (plus ``extra``).

        Each call takes the next cRLNumber. ``next_update`` defaults to seven days on.
        """
        credential = self.ca(level)
        self.crl_numbers[level] += 1
        start = this_update.replace(microsecond=0)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(credential.name)
            .last_update(start)
            .next_update((next_update or start + timedelta(days=7)).replace(microsecond=0))
            .add_extension(
                x509.AuthorityKeyIdentifier(credential.key_identifier, None, None), critical=False
            )
            .add_extension(x509.CRLNumber(self.crl_numbers[level]), critical=False)
        )
        listed: dict[int, Revocation] = dict(self.revocations[level])
        for revocation in extra:
            listed.setdefault(revocation.serial, revocation)
        for revocation in sorted(listed.values(), key=lambda r: (r.revoked_at, r.serial)):
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(revocation.serial)
                .revocation_date(revocation.revoked_at.replace(microsecond=0))
            )
            if revocation.reason is not None:
                entry = entry.add_extension(x509.CRLReason(revocation.reason), critical=False)
            builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(credential.private_key, hashes.SHA256(), ecdsa_deterministic=True)

    def restore_crl(self, crl: x509.CertificateRevocationList) -> CaLevel:
        """Take back the revocations and cRLNumber of a CRL this authority signed earlier."""
        for level in CaLevel:
            credential = self.ca(level)
            if crl.issuer == credential.name and crl.is_signature_valid(
                public_key_of(credential.certificate)
            ):
                break
        else:
            raise RevocationError(
                f"CRL of {crl.issuer.rfc4514_string()} is not from this authority"
            )
        for item in crl:
            reason: x509.ReasonFlags | None = None
            try:
                reason = item.extensions.get_extension_for_class(x509.CRLReason).value.reason
            except x509.ExtensionNotFound:
                reason = None
            self.record_revocation(
                level, Revocation(item.serial_number, item.revocation_date_utc, reason)
            )
        try:
            number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        except x509.ExtensionNotFound:
            number = 0
        self.crl_numbers[level] = max(self.crl_numbers[level], number)
        return level
