"""The interface between certificate holders and certificate users.

Verifiers (DUIS XML signatures, GBCS signatures and MACs, Pre-Command signatures) need to
find a certificate by its serial number or by the EUI-64 and usage it names, and to know
whether it was revoked. ``CertificateDirectory`` is that question; the keystore
(``opendcc.smki.keystore``) and the in-memory ``StaticDirectory`` below both answer it, so
the codecs never depend on where certificates are kept. ``ChainedDirectory`` asks several
in turn (the hub's organisation keystore, then the simulated estate's device certificates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography import x509

from opendcc.eui import Eui64
from opendcc.smki.identity import (
    KeyUsage,
    RemotePartyRole,
    certificate_eui,
    certificate_role,
    certificate_usage,
)


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """A certificate with the SMKI facts read from it once."""

    certificate: x509.Certificate
    serial: int
    eui: Eui64 | None
    role: RemotePartyRole | None
    usage: KeyUsage | None
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None
    repaired: bool = False
    """True when the DER was repaired to load (see ``opendcc.smki.repair``): the subject,
    EUI, role and key are as issued, but the certificate's own signature cannot be checked."""

    @classmethod
    def of(
        cls,
        cert: x509.Certificate,
        revoked_at: datetime | None = None,
        *,
        repaired: bool = False,
    ) -> CertificateRecord:
        return cls(
            certificate=cert,
            serial=cert.serial_number,
            eui=certificate_eui(cert),
            role=certificate_role(cert),
            usage=certificate_usage(cert),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            revoked_at=revoked_at,
            repaired=repaired,
        )

    def valid_at(self, when: datetime) -> bool:
        """True when ``when`` (timezone-aware) lies within the validity period."""
        return self.not_before <= when <= self.not_after

    def revoked_by(self, when: datetime) -> bool:
        return self.revoked_at is not None and self.revoked_at <= when


class CertificateDirectory(Protocol):
    """Look-ups every verifier needs. Implementations must not raise for unknown keys."""

    def by_serial(self, serial: int) -> CertificateRecord | None:
        """The certificate with this serial number, or None."""
        ...

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        """Every certificate naming ``eui`` with ``usage``, newest first."""
        ...


class StaticDirectory:
    """A ``CertificateDirectory`` over a fixed set of certificates, held in memory."""

    def __init__(self, records: Iterable[CertificateRecord] = ()) -> None:
        self._by_serial: dict[int, CertificateRecord] = {}
        self._by_eui: dict[tuple[Eui64, KeyUsage], list[CertificateRecord]] = {}
        for record in records:
            self.add(record)

    @classmethod
    def of(cls, certificates: Iterable[x509.Certificate]) -> StaticDirectory:
        return cls(CertificateRecord.of(c) for c in certificates)

    def add(self, record: CertificateRecord) -> None:
        self._by_serial[record.serial] = record
        if record.eui is not None and record.usage is not None:
            bucket = self._by_eui.setdefault((record.eui, record.usage), [])
            bucket[:] = [r for r in bucket if r.serial != record.serial]
            bucket.append(record)
            bucket.sort(key=lambda r: r.not_before, reverse=True)

    def by_serial(self, serial: int) -> CertificateRecord | None:
        return self._by_serial.get(serial)

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        return list(self._by_eui.get((eui, usage), ()))

    def __len__(self) -> int:
        return len(self._by_serial)


class ChainedDirectory:
    """A ``CertificateDirectory`` that asks each of ``directories`` in turn.

    ``by_serial`` answers from the first directory that knows the serial; ``for_eui``
    merges every directory's answer, newest first, without duplicate serials.
    """

    def __init__(self, *directories: CertificateDirectory) -> None:
        self.directories = directories

    def by_serial(self, serial: int) -> CertificateRecord | None:
        for directory in self.directories:
            found = directory.by_serial(serial)
            if found is not None:
                return found
        return None

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        merged: dict[int, CertificateRecord] = {}
        for directory in self.directories:
            for record in directory.for_eui(eui, usage):
                merged.setdefault(record.serial, record)
        return sorted(merged.values(), key=lambda r: r.not_before, reverse=True)
