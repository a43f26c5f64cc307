"""A keystore: every certificate and private key a tool or the hub holds, found by EUI or serial.

It loads, from any mix of folders and files:

- the layout of the GBCS reference keystore and of ``opendcc pki init``: files named
  ``<eui as 16 hex digits>-<ds|ka>[...].pem|key``, holding certificates, PKCS#8 private
  keys or bare public keys;
- the DCC Boxed layout: ``Z1-supplier-ds.pem`` beside ``Z1-supplier-ds.key`` (PKCS#8 DER),
  ``xml-sign-<EUI>-ds.*``, and the ``keystore.json`` that lists EUI, usage, serial,
  certificate, private key, name and role;
- certificate revocation lists (``*.crl``, PEM or DER, or PEM ``X509 CRL`` blocks in any
  ``.pem``): each revoked serial of that issuer is marked revoked from its revocation date.

Certificates that ``cryptography`` refuses only because their signature algorithm carries an
explicit NULL parameter are loaded as repaired copies, with a warning that their own
signature can no longer be checked (``CertificateRecord.repaired``).

Private keys are paired with certificates by public key, not by file name, so a file named
for one identity cannot silently pair with another's certificate. A file that cannot be
read becomes a warning in ``Keystore.warnings``, never an exception: a keystore with one
bad file still serves the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import Eui64
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.loading import (
    KeyMaterialError,
    LoadedCertificate,
    load_certificates_tolerant,
    load_crls,
    load_private_key,
    public_key_of,
)

_NAMED_BY_EUI: Final = re.compile(r"^(?P<eui>[0-9a-fA-F]{16})-(?P<rest>.+)$")
_EMBEDDED_EUI: Final = re.compile(r"(?<![0-9A-Fa-f])(?P<eui>[0-9A-Fa-f]{16})(?![0-9A-Fa-f])")
_MAX_FILE_BYTES: Final = 1 << 20
_CERTIFICATE_SUFFIXES: Final = frozenset({".pem", ".crt", ".cer", ".der"})

PKI_INDEX_FORMAT_PREFIX: Final = "opendcc-pki/"
"""The ``format`` of the ``index.json`` that ``opendcc pki init`` writes (not key material)."""


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One key: its certificate when there is one, its private key when held."""

    name: str
    public_key: ec.EllipticCurvePublicKey
    record: CertificateRecord | None = None
    private_key: ec.EllipticCurvePrivateKey | None = None
    eui: Eui64 | None = None
    usage: KeyUsage | None = None
    source: str = ""

    @property
    def role(self) -> RemotePartyRole | None:
        return self.record.role if self.record else None

    @property
    def serial(self) -> int | None:
        return self.record.serial if self.record else None


@dataclass(slots=True)
class Keystore:
    """Certificates and keys, implementing ``CertificateDirectory``."""

    entries: list[KeyEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _by_serial: dict[int, int] = field(default_factory=dict, repr=False)
    _by_public: dict[bytes, int] = field(default_factory=dict, repr=False)
    _crl_revocations: dict[tuple[bytes, int], datetime] = field(default_factory=dict, repr=False)

    # --- loading -------------------------------------------------------------------------

    @classmethod
    def load(cls, *paths: Path | str) -> Keystore:
        """Read every folder or file in ``paths``; unreadable files become warnings."""
        store = cls()
        for path in map(Path, paths):
            store.load_path(path)
        return store

    def load_path(self, path: Path) -> None:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file())
            # Certificates first, so that keys found afterwards pair with them; revocation
            # lists last, so that their issuers and the certificates they revoke are known.
            files.sort(key=lambda p: (_load_order(p), p.name))
            for file in files:
                self._load_file(file)
        elif path.is_file():
            self._load_file(path)
        else:
            self.warnings.append(f"{path}: no such file or folder")

    def _load_file(self, path: Path) -> None:
        try:
            if path.stat().st_size > _MAX_FILE_BYTES:
                self.warnings.append(f"{path}: larger than {_MAX_FILE_BYTES} bytes, ignored")
                return
            data = path.read_bytes()
        except OSError as exc:
            self.warnings.append(f"{path}: {exc.strerror}")
            return
        suffix = path.suffix.lower()
        if suffix == ".json":
            self._load_boxed_json(path, data)
            return
        if suffix not in {".pem", ".key", ".crt", ".cer", ".der", ".crl"}:
            return
        hint_eui, hint_usage = _hints_from_name(path.name)
        holds_crl = suffix == ".crl" or b"X509 CRL-----" in data
        holds_certificate = b"CERTIFICATE-----" in data or (
            suffix in {".crt", ".cer", ".der"} and not holds_crl
        )
        try:
            if holds_certificate:
                for loaded in load_certificates_tolerant(data):
                    self._add_loaded(loaded, None, _stem(path), str(path))
            if holds_crl:
                # After the file's own certificates: a bundle may hold the CRL's issuer.
                for crl in load_crls(data):
                    self.add_crl(crl, source=str(path))
            if holds_certificate or holds_crl:
                return
            if b"PUBLIC KEY-----" in data:
                public = serialization.load_pem_public_key(data)
                if isinstance(public, ec.EllipticCurvePublicKey):
                    self._add_bare(_stem(path), public, None, hint_eui, hint_usage, str(path))
                else:
                    self.warnings.append(f"{path}: not an EC public key")
            else:
                key = load_private_key(data)
                self.add_private_key(
                    key, name=_stem(path), eui=hint_eui, usage=hint_usage, source=str(path)
                )
        except (KeyMaterialError, ValueError) as exc:
            self.warnings.append(f"{path}: {exc}")

    def _load_boxed_json(self, path: Path, data: bytes) -> None:
        try:
            document: Any = json.loads(data)
        except ValueError as exc:
            self.warnings.append(f"{path}: not JSON: {exc}")
            return
        if not isinstance(document, dict):
            self.warnings.append(f"{path}: not a DCC Boxed keystore.json")
            return
        if str(document.get("format", "")).startswith(PKI_INDEX_FORMAT_PREFIX):
            # The index ``opendcc pki init`` writes beside the files it describes.
            return
        for eui_text, usages in document.items():
            if not isinstance(usages, dict):
                continue
            for by_serial in usages.values():
                if not isinstance(by_serial, dict):
                    continue
                for item in by_serial.values():
                    if not isinstance(item, dict) or "certificate" not in item:
                        continue
                    name = str(item.get("name", eui_text))
                    try:
                        loaded = load_certificates_tolerant(str(item["certificate"]).encode())[0]
                        key = (
                            load_private_key(str(item["privateKey"]).encode())
                            if item.get("privateKey")
                            else None
                        )
                    except (KeyMaterialError, ValueError, IndexError) as exc:
                        self.warnings.append(f"{path}: {name}: {exc}")
                        continue
                    self._add_loaded(loaded, key, name, f"{path}: {name}")

    def _add_loaded(
        self,
        loaded: LoadedCertificate,
        key: ec.EllipticCurvePrivateKey | None,
        name: str,
        source: str,
    ) -> None:
        if loaded.repaired:
            self.warnings.append(
                f"{source}: the certificate's signature algorithm carries an explicit NULL "
                "parameter; loaded a repaired copy whose subject, EUI and public key are as "
                "issued, but whose own signature can no longer be checked"
            )
        self.add_certificate(
            loaded.certificate, key, name=name, source=source, repaired=loaded.repaired
        )

    # --- adding ---------------------------------------------------------------------------

    def add_certificate(
        self,
        cert: x509.Certificate,
        private_key: ec.EllipticCurvePrivateKey | None = None,
        *,
        name: str | None = None,
        source: str = "",
        revoked_at: datetime | None = None,
        repaired: bool = False,
    ) -> KeyEntry | None:
        """Add a certificate (and its key). Returns the entry, or None if unusable.

        A revocation already read from a CRL for this issuer and serial applies to it.
        """
        try:
            public = public_key_of(cert)
            if revoked_at is None:
                revoked_at = self._revoked_by_crl(cert)
            record = CertificateRecord.of(cert, revoked_at, repaired=repaired)
        except (KeyMaterialError, ValueError) as exc:
            self.warnings.append(f"{source or name}: {exc}")
            return None
        fingerprint = _fingerprint(public)
        index = self._by_serial.get(record.serial)
        if index is None:
            index = self._by_public.get(fingerprint)
            if index is not None and self.entries[index].record is not None:
                # Same key in two certificates (reissue): keep both, sharing the key.
                index = None
        previous = self.entries[index] if index is not None else None
        entry = KeyEntry(
            name=name or (previous.name if previous else str(record.serial)),
            public_key=public,
            record=record,
            private_key=private_key or (previous.private_key if previous else None),
            eui=record.eui or (previous.eui if previous else None),
            usage=record.usage or (previous.usage if previous else None),
            source=source or (previous.source if previous else ""),
        )
        if private_key is None and entry.private_key is None:
            holder = self._by_public.get(fingerprint)
            if holder is not None and self.entries[holder].private_key is not None:
                entry = replace(entry, private_key=self.entries[holder].private_key)
        return self._put(entry, index)

    def add_private_key(
        self,
        key: ec.EllipticCurvePrivateKey,
        *,
        name: str,
        eui: Eui64 | None = None,
        usage: KeyUsage | None = None,
        source: str = "",
    ) -> KeyEntry:
        """Add a private key; it joins every certificate holding its public key."""
        public = key.public_key()
        fingerprint = _fingerprint(public)
        matched: KeyEntry | None = None
        for i, entry in enumerate(self.entries):
            if _fingerprint(entry.public_key) == fingerprint:
                matched = replace(entry, private_key=key)
                self.entries[i] = matched
        if matched is not None:
            return matched
        return self._add_bare(name, public, key, eui, usage, source)

    def _add_bare(
        self,
        name: str,
        public: ec.EllipticCurvePublicKey,
        key: ec.EllipticCurvePrivateKey | None,
        eui: Eui64 | None,
        usage: KeyUsage | None,
        source: str,
    ) -> KeyEntry:
        entry = KeyEntry(name, public, None, key, eui, usage, source)
        return self._put(entry, self._by_public.get(_fingerprint(public)))

    def _put(self, entry: KeyEntry, index: int | None) -> KeyEntry:
        if index is None:
            index = len(self.entries)
            self.entries.append(entry)
        else:
            self.entries[index] = entry
        if entry.record is not None:
            self._by_serial[entry.record.serial] = index
        self._by_public.setdefault(_fingerprint(entry.public_key), index)
        return entry

    def revoke(self, serial: int, at: datetime, *, issuer: x509.Name | None = None) -> bool:
        """Mark the certificate with ``serial`` revoked from ``at``; False if unknown.

        With ``issuer``, only a certificate issued by that name matches (serial numbers are
        unique per issuer, RFC 5280 section 4.1.2.2).
        """
        index = self._by_serial.get(serial)
        if index is None or self.entries[index].record is None:
            return False
        entry = self.entries[index]
        assert entry.record is not None
        if issuer is not None and entry.record.certificate.issuer != issuer:
            return False
        self.entries[index] = replace(entry, record=replace(entry.record, revoked_at=at))
        return True

    def add_crl(self, crl: x509.CertificateRevocationList, *, source: str = "") -> int:
        """Apply a certificate revocation list; returns how many loaded certificates it revoked.

        The CRL's signature is checked against every loaded certificate named as its issuer.
        If one is loaded and none verifies, the CRL is ignored with a warning. If none is
        loaded the revocations still apply (revoking can only make checks stricter) and a
        warning says the signature was not checked. Revocations also apply to matching
        certificates added later.
        """
        label = source or crl.issuer.rfc4514_string()
        issuers = [
            e.record.certificate
            for e in self.entries
            if e.record is not None and e.record.certificate.subject == crl.issuer
        ]
        if issuers:
            if not any(_crl_signed_by(crl, issuer) for issuer in issuers):
                self.warnings.append(
                    f"{label}: CRL signature does not verify against its issuer "
                    f"{crl.issuer.rfc4514_string()}; ignored"
                )
                return 0
        else:
            self.warnings.append(
                f"{label}: CRL issuer {crl.issuer.rfc4514_string()} is not in the keystore; "
                "revocations applied without checking the CRL signature"
            )
        revoked = 0
        for item in crl:
            at = item.revocation_date_utc
            self._crl_revocations[(crl.issuer.public_bytes(), item.serial_number)] = at
            revoked += self.revoke(item.serial_number, at, issuer=crl.issuer)
        return revoked

    def _revoked_by_crl(self, cert: x509.Certificate) -> datetime | None:
        if not self._crl_revocations:
            return None
        return self._crl_revocations.get((cert.issuer.public_bytes(), cert.serial_number))

    # --- CertificateDirectory ----------------------------------------------------------

    def by_serial(self, serial: int) -> CertificateRecord | None:
        index = self._by_serial.get(serial)
        return None if index is None else self.entries[index].record

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        found = [e.record for e in self.find(eui, usage) if e.record is not None]
        return sorted(found, key=lambda r: r.not_before, reverse=True)

    # --- look-ups for signers and key agreement ------------------------------------------

    def find(
        self,
        eui: Eui64 | None = None,
        usage: KeyUsage | None = None,
        *,
        roles: Sequence[RemotePartyRole] | None = None,
        with_private_key: bool = False,
        at: datetime | None = None,
    ) -> list[KeyEntry]:
        """Entries matching every given criterion, best first.

        ``roles`` both filters and orders: an entry with ``roles[0]`` comes before one with
        ``roles[1]``. Bare keys (no certificate) carry no role and match only when ``roles``
        is None. Among equals, certificates valid at ``at`` and then the newest come first.
        """
        matches = [
            e
            for e in self.entries
            if (eui is None or e.eui == eui)
            and (usage is None or e.usage == usage)
            and (not with_private_key or e.private_key is not None)
            and (roles is None or e.role in roles)
        ]

        def rank(entry: KeyEntry) -> tuple[int, int, float]:
            role_rank = roles.index(entry.role) if roles and entry.role in roles else 0
            record = entry.record
            invalid = int(at is not None and (record is None or not record.valid_at(at)))
            newest = -record.not_before.timestamp() if record else 0.0
            return role_rank, invalid, newest

        return sorted(matches, key=rank)

    def signer(
        self,
        eui: Eui64,
        *,
        roles: Sequence[RemotePartyRole] | None = None,
        at: datetime | None = None,
    ) -> KeyEntry | None:
        """The best digital-signing identity of ``eui`` that has a private key."""
        found = self.find(eui, KeyUsage.DIGITAL_SIGNING, roles=roles, with_private_key=True, at=at)
        return found[0] if found else None

    def key_agreement(
        self, eui: Eui64, *, private: bool = False, name_contains: str | None = None
    ) -> KeyEntry | None:
        """The key-agreement key of ``eui`` (with its private key when ``private``)."""
        for entry in self.find(eui, KeyUsage.KEY_AGREEMENT, with_private_key=private):
            if name_contains is None or name_contains in entry.name:
                return entry
        return None

    def euis(self) -> list[Eui64]:
        return sorted({e.eui for e in self.entries if e.eui is not None})

    def __len__(self) -> int:
        return len(self.entries)


def load_keystore(paths: Iterable[Path | str]) -> Keystore:
    """Convenience for CLIs: one keystore over several ``--keystore`` arguments."""
    return Keystore.load(*paths)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".key.pem", ".crl.pem", ".pem", ".key", ".crt", ".cer", ".der", ".crl"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _hints_from_name(name: str) -> tuple[Eui64 | None, KeyUsage | None]:
    """The EUI and usage a file name states (``00db1234567890a0-ka.key``), if any."""
    stem = _stem(Path(name))
    match = _NAMED_BY_EUI.match(stem) or _EMBEDDED_EUI.search(stem)
    eui = Eui64.parse(match.group("eui")) if match else None
    lowered = stem.lower()
    usage = (
        KeyUsage.KEY_AGREEMENT
        if lowered.endswith("-ka")
        else KeyUsage.DIGITAL_SIGNING
        if lowered.endswith("-ds") or "-ds-" in lowered
        else None
    )
    return eui, usage


def _load_order(path: Path) -> int:
    suffix = path.suffix.lower()
    if suffix == ".crl" or path.name.lower().endswith(".crl.pem"):
        return 2
    return 0 if suffix in _CERTIFICATE_SUFFIXES and suffix != ".der" else 1


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    try:
        public = issuer.public_key()
    except ValueError:
        return False
    if not isinstance(public, ec.EllipticCurvePublicKey):
        return False
    return crl.is_signature_valid(public)


def _fingerprint(public: ec.EllipticCurvePublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
