"""The on-disk test PKI that ``opendcc pki init`` writes and the other ``pki`` commands edit.

Layout of a PKI directory (everything at the top level loads with ``Keystore.load(DIR)``)::

    index.json                      who is who: names, EUIs, SEC User Roles, files, serials
    root-ca.pem  org-ca.pem  device-ca.pem      the three CA certificates
    root-ca.crl  org-ca.crl  device-ca.crl      their certificate revocation lists (PEM)
    <eui>-<label>.pem  <eui>-<label>.key        each Party's certificates and PKCS#8 keys
    ca/root-ca.key  ca/org-ca.key  ca/device-ca.key   the CA private keys (mode 0600)
    ca/device-estate.json           the secret and start date of derived Device keys (0600)

``<eui>`` is the EUI-64 as 16 lower-case hex digits and ``<label>`` ends in ``-ds`` or
``-ka`` (``ds``, ``ka``, ``xmlsign-ds``, ``dspxmlsign-ds``), the naming the keystore reads.
The CA keys sit in a subfolder so that a keystore loaded from the directory holds the
Parties' keys and every certificate, but never a CA's signing key.

``build_pki`` makes every file in memory first; ``write_pki`` then writes them, so a
failure while issuing leaves the directory untouched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.smki.authority import CaCredential, CaLevel, CertificateAuthority, Revocation
from opendcc.smki.devices import DeviceCredentials
from opendcc.smki.estates import CertificatePurpose, CertificateSpec, Estate
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.smki.loading import (
    KeyMaterialError,
    load_certificate,
    load_crls,
    load_private_key,
    public_key_of,
)
from opendcc.smki.pkiindex import (
    CA_FILES,
    CA_FOLDER,
    ESTATE_FILE,
    INDEX_FILE,
    DeviceEstate,
    IndexedParty,
    IssuedCertificate,
    PkiDirectoryError,
    PkiIndex,
)

CRL_VALIDITY_DAYS: Final = 30
_PEM = serialization.Encoding.PEM
_PRIVATE_SUFFIXES: Final = (".key",)


# --- building ---------------------------------------------------------------------------------


def build_pki(
    estate: Estate,
    now: datetime,
    *,
    authority: CertificateAuthority | None = None,
    device_secret: bytes | None = None,
) -> tuple[PkiIndex, dict[str, bytes]]:
    """Issue every certificate of ``estate``; returns the index and each file's bytes."""
    now = now.astimezone(UTC).replace(microsecond=0)
    ca = authority or CertificateAuthority.create(now)
    files: dict[str, bytes] = {}
    parties = []
    for identity in estate.identities:
        issued = []
        for spec in identity.certificates:
            key = ec.generate_private_key(ec.SECP256R1())
            cert = ca.issue_organisation(
                identity.eui,
                spec.role,
                spec.usage,
                key.public_key(),
                not_before=now,
                common_name=identity.common_name,
            )
            stem = identity.file_stem(spec)
            files[f"{stem}.pem"] = cert.public_bytes(_PEM)
            files[f"{stem}.key"] = private_pem(key)
            issued.append(_issued(spec, cert, stem))
        parties.append(
            IndexedParty(
                identity.name,
                identity.common_name,
                identity.eui,
                identity.user_roles,
                identity.role,
                tuple(issued),
            )
        )
    files.update(_ca_files(ca, now))
    device_estate = DeviceEstate(device_secret or os.urandom(32), now)
    files[f"{CA_FOLDER}/{ESTATE_FILE}"] = _json_bytes(device_estate.to_json())
    index = PkiIndex(
        estate.name,
        now,
        tuple(parties),
        {level: ca.ca(level).certificate.serial_number for level in CaLevel},
    )
    files[INDEX_FILE] = _json_bytes(index.to_json())
    return index, files


def write_pki(directory: Path, files: dict[str, bytes], *, force: bool = False) -> list[Path]:
    """Write ``files`` under ``directory``; refuses a non-empty one unless ``force``.

    With ``force`` the files of an earlier PKI there (``*.pem``, ``*.key``, ``*.crl``,
    ``index.json`` and the ``ca`` folder's files) are removed first, so no stale key or
    certificate is left to load beside the new ones; other files are left alone. Returns
    the files removed.
    """
    removed: list[Path] = []
    if directory.exists():
        if not directory.is_dir():
            raise PkiDirectoryError(f"{directory} exists and is not a folder")
        if any(directory.iterdir()):
            if not force:
                raise PkiDirectoryError(f"{directory} is not empty; use --force to replace it")
            removed = _remove_pki_files(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CA_FOLDER).mkdir(exist_ok=True)
        os.chmod(directory / CA_FOLDER, 0o700)
        for relative, data in sorted(files.items()):
            write_file(directory / relative, data, private=_is_private(relative))
    except OSError as exc:
        raise PkiDirectoryError(f"cannot write {directory}: {exc.strerror or exc}") from exc
    return removed


def init_pki(directory: Path, estate: Estate, now: datetime, *, force: bool = False) -> PkiIndex:
    """``opendcc pki init``: a fresh test PKI for ``estate`` in ``directory``."""
    index, files = build_pki(estate, now)
    write_pki(directory, files, force=force)
    return index


# --- an existing directory ---------------------------------------------------------------------


@dataclass(slots=True)
class PkiDirectory:
    """An existing PKI directory, opened for reading and for issuing and revoking."""

    path: Path
    authority: CertificateAuthority
    index: PkiIndex
    device_estate: DeviceEstate

    @classmethod
    def open(cls, path: Path) -> PkiDirectory:
        try:
            index = PkiIndex.from_json(json.loads((path / INDEX_FILE).read_bytes()))
            credentials = {level: _read_ca(path, level) for level in CaLevel}
            estate = DeviceEstate.from_json(
                json.loads((path / CA_FOLDER / ESTATE_FILE).read_bytes())
            )
        except OSError as exc:
            raise PkiDirectoryError(
                f"{path} is not an opendcc PKI: {exc.filename}: {exc.strerror}"
            ) from exc
        except ValueError as exc:  # JSON, PEM and key errors
            raise PkiDirectoryError(f"{path} is not a readable opendcc PKI: {exc}") from exc
        authority = CertificateAuthority(
            credentials[CaLevel.ROOT],
            credentials[CaLevel.ORGANISATION],
            credentials[CaLevel.DEVICE],
        )
        for level in CaLevel:
            crl_path = path / f"{CA_FILES[level]}.crl"
            if crl_path.is_file():
                try:
                    for crl in load_crls(crl_path.read_bytes()):
                        authority.restore_crl(crl)
                except ValueError as exc:
                    raise PkiDirectoryError(f"{crl_path}: {exc}") from exc
        return cls(path, authority, index, estate)

    def keystore(self) -> Keystore:
        return Keystore.load(self.path)

    def device_credentials(self, **cache_sizes: int) -> DeviceCredentials:
        """Derived Device keys and certificates of this PKI's device CA."""
        return DeviceCredentials(
            self.authority.device,
            self.device_estate.secret,
            not_before=self.device_estate.not_before,
            **cache_sizes,
        )

    def issue_organisation(
        self,
        *,
        name: str,
        eui: Eui64,
        role: RemotePartyRole,
        usage: KeyUsage,
        now: datetime,
        label: str | None = None,
        common_name: str | None = None,
        user_roles: tuple[UserRole, ...] = (),
        public_key: ec.EllipticCurvePublicKey | None = None,
        purpose: CertificatePurpose | None = None,
    ) -> tuple[x509.Certificate, Path]:
        """Issue an Organisation Certificate to Party ``name`` (added if new) and save it.

        Without ``public_key`` a new key pair is made and its private key saved beside the
        certificate. Returns the certificate and the path of its file.
        """
        label = label or usage.value
        spec = CertificateSpec(
            label,
            role,
            usage,
            purpose
            or (
                CertificatePurpose.KEY_AGREEMENT
                if usage is KeyUsage.KEY_AGREEMENT
                else CertificatePurpose.DUIS_SIGNING
                if role in (RemotePartyRole.XML_SIGNING, RemotePartyRole.DSP_XML_SIGNING)
                else CertificatePurpose.GBCS_SIGNING
            ),
        )
        existing = self.index.party(name)
        if existing is not None and existing.eui != eui:
            raise PkiDirectoryError(f"party {name!r} already has EUI {existing.eui}")
        stem = self._free_stem(eui, label, usage)
        cert_path = self.path / f"{stem}.pem"
        key = None if public_key is not None else ec.generate_private_key(ec.SECP256R1())
        cert = self.authority.issue_organisation(
            eui,
            role,
            usage,
            public_key or _public(key),
            not_before=now,
            common_name=common_name if common_name is not None else _common_name(existing),
        )
        files = {f"{stem}.pem": cert.public_bytes(_PEM)}
        if key is not None:
            files[f"{stem}.key"] = private_pem(key)
        issued = _issued(spec, cert, stem, with_key=key is not None)
        if existing is None:
            party = IndexedParty(name, common_name or "", eui, user_roles, role, (issued,))
            parties = (*self.index.parties, party)
        else:
            party = replace(existing, certificates=(*existing.certificates, issued))
            parties = tuple(party if p.name == name else p for p in self.index.parties)
        self.index = replace(self.index, parties=parties)
        files[INDEX_FILE] = _json_bytes(self.index.to_json())
        self._write(files)
        return cert, cert_path

    def _free_stem(self, eui: Eui64, label: str, usage: KeyUsage) -> str:
        """``<eui>-<label>``, or ``<eui>-<label less usage>-<n>-<usage>`` if that is taken."""
        stem = f"{eui.hex}-{label}"
        base = label[: -len(usage.value)]
        number = 2
        while (self.path / f"{stem}.pem").exists() or (self.path / f"{stem}.key").exists():
            stem = f"{eui.hex}-{base}{number}-{usage.value}"
            number += 1
        return stem

    def issue_device(
        self,
        eui: Eui64,
        usage: KeyUsage,
        *,
        public_key: ec.EllipticCurvePublicKey | None = None,
        now: datetime | None = None,
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey | None]:
        """A Device Certificate, saved as ``<eui>-<usage>.pem``.

        Without ``public_key`` the Device's key is the one derived from the estate secret
        (so the hub's simulated Device holds the same key) and the certificate is the same
        one ``DeviceCredentials`` issues; the key is saved beside it.
        """
        if public_key is None:
            credentials = self.device_credentials()
            cert = credentials.certificate(eui, usage)
            key: ec.EllipticCurvePrivateKey | None = credentials.key(eui, usage)
        else:
            cert = self.authority.issue_device(
                eui, usage, public_key, not_before=now or self.device_estate.not_before
            )
            key = None
        stem = f"{eui.hex}-{usage.value}"
        files = {f"{stem}.pem": cert.public_bytes(_PEM)}
        if key is not None:
            files[f"{stem}.key"] = private_pem(key)
        self._write(files)
        return cert, key

    def revoke(
        self,
        serial: int,
        at: datetime,
        reason: x509.ReasonFlags | None = None,
        *,
        now: datetime | None = None,
    ) -> CaLevel:
        """Revoke the certificate with ``serial`` and re-sign its issuer's CRL.

        The certificate is found among the PKI's files, or as a derived Device Certificate.
        """
        cert = self._find_certificate(serial)
        if cert is None:
            raise PkiDirectoryError(f"no certificate with serial {serial} in {self.path}")
        level = self.authority.revoke(cert, at, reason)
        parties = tuple(
            replace(
                p,
                certificates=tuple(
                    replace(c, revoked_at=at) if c.serial == serial else c for c in p.certificates
                ),
            )
            for p in self.index.parties
        )
        self.index = replace(self.index, parties=parties)
        files = self._crl_files(now or at, [level])
        files[INDEX_FILE] = _json_bytes(self.index.to_json())
        self._write(files)
        return level

    def write_crls(self, now: datetime, levels: Iterable[CaLevel] = tuple(CaLevel)) -> list[Path]:
        """Re-sign the CRLs of ``levels`` with ``now`` as thisUpdate."""
        files = self._crl_files(now, list(levels))
        self._write(files)
        return [self.path / name for name in files]

    def revocations(self, level: CaLevel) -> list[Revocation]:
        return self.authority.revoked(level)

    def _crl_files(self, now: datetime, levels: list[CaLevel]) -> dict[str, bytes]:
        return {
            f"{CA_FILES[level]}.crl": self.authority.crl(
                level, this_update=now, next_update=_days_later(now, CRL_VALIDITY_DAYS)
            ).public_bytes(_PEM)
            for level in levels
        }

    def _find_certificate(self, serial: int) -> x509.Certificate | None:
        for level in CaLevel:
            if self.authority.ca(level).certificate.serial_number == serial:
                return self.authority.ca(level).certificate
        for party in self.index.parties:
            for issued in party.certificates:
                if issued.serial == serial:
                    return load_certificate((self.path / issued.certificate_file).read_bytes())
        record = self.keystore().by_serial(serial)
        if record is not None:
            return record.certificate
        credentials = self.device_credentials(key_cache_size=0, certificate_cache_size=0)
        key_id = credentials.identify(serial)
        if key_id is not None:
            return credentials.certificate(key_id.eui, key_id.usage, key_id.generation)
        return None

    def _write(self, files: dict[str, bytes]) -> None:
        try:
            for relative, data in files.items():
                write_file(self.path / relative, data, private=_is_private(relative))
        except OSError as exc:
            raise PkiDirectoryError(f"cannot write {self.path}: {exc.strerror or exc}") from exc


# --- helpers -----------------------------------------------------------------------------------


def _ca_files(ca: CertificateAuthority, now: datetime) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for level in CaLevel:
        credential = ca.ca(level)
        stem = CA_FILES[level]
        files[f"{stem}.pem"] = credential.certificate.public_bytes(_PEM)
        files[f"{CA_FOLDER}/{stem}.key"] = private_pem(credential.private_key)
        crl = ca.crl(level, this_update=now, next_update=_days_later(now, CRL_VALIDITY_DAYS))
        files[f"{stem}.crl"] = crl.public_bytes(_PEM)
    return files


def _read_ca(path: Path, level: CaLevel) -> CaCredential:
    stem = CA_FILES[level]
    cert = load_certificate((path / f"{stem}.pem").read_bytes())
    key = load_private_key((path / CA_FOLDER / f"{stem}.key").read_bytes())
    if key.public_key().public_numbers() != public_key_of(cert).public_numbers():
        raise KeyMaterialError(f"{CA_FOLDER}/{stem}.key does not belong to {stem}.pem")
    return CaCredential(cert, key)


def _issued(
    spec: CertificateSpec, cert: x509.Certificate, stem: str, *, with_key: bool = True
) -> IssuedCertificate:
    return IssuedCertificate(
        label=spec.label,
        role=spec.role,
        usage=spec.usage,
        purpose=spec.purpose.value,
        certificate_file=f"{stem}.pem",
        private_key_file=f"{stem}.key" if with_key else None,
        serial=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def _is_private(relative: str) -> bool:
    return relative.endswith(_PRIVATE_SUFFIXES) or relative.startswith(f"{CA_FOLDER}/")


def _remove_pki_files(directory: Path) -> list[Path]:
    removed = []
    for path in sorted(directory.iterdir()):
        if path.is_file() and (
            path.suffix.lower() in {".pem", ".key", ".crl"} or path.name == INDEX_FILE
        ):
            path.unlink()
            removed.append(path)
    ca_folder = directory / CA_FOLDER
    if ca_folder.is_dir():
        for path in sorted(ca_folder.iterdir()):
            if path.is_file():
                path.unlink()
                removed.append(path)
    return removed


def write_file(path: Path, data: bytes, *, private: bool) -> None:
    """Write atomically (temporary file, then rename); private files readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    descriptor = os.open(temporary, flags, 0o600 if private else 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted (a test PKI)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public(key: ec.EllipticCurvePrivateKey | None) -> ec.EllipticCurvePublicKey:
    assert key is not None
    return key.public_key()


def _common_name(party: IndexedParty | None) -> str | None:
    return party.common_name or None if party is not None else None


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2) + "\n").encode()


def _days_later(when: datetime, days: int) -> datetime:
    return when + timedelta(days=days)
