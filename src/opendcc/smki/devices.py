"""Device keys and Device Certificates for a simulated estate of any size, made on demand.

A demo estate of 100,000 premises holds about 600,000 Devices, each with a Digital
Signing and a Key Agreement key pair and certificate. Generating 1.2 million key pairs and
certificates up front would take minutes (about 35 us per key and 200 us per certificate on
one core), so nothing is generated up front:

- **Keys are derived, not stored.** A Device's private key is HKDF-SHA256 (RFC 5869) of an
  estate secret, with the EUI-64, the usage and a generation number as ``info``, reduced
  into a valid P-256 scalar as FIPS 186-4 appendix B.4.1 does (48 bytes modulo n-1, plus
  one). Any process holding the secret derives the same key; a Device's key changes only
  when its generation does (for a simulated certificate replacement).
- **Serial numbers name the key.** A Device Certificate's serial is ``44`` (the marker),
  one byte of generation and usage, six bytes of HMAC tag under the estate secret, and the
  eight bytes of the EUI-64: a positive 16-byte DER INTEGER, like every SMKI serial. So a
  verifier that only has a serial (a DUIS ``X509IssuerSerial``, a certificate retrieval)
  finds the Device and key without any table; the tag stops a guessed serial from naming
  a certificate that was never issued.
- **Certificates are issued on first use** and cached. With deterministic ECDSA (RFC 6979)
  the certificate of a given Device, usage and generation is the same bytes in every
  process. Issuing fills the Device's serial, public key, key identifier and EUI into a
  TBSCertificate template built once by ``opendcc.smki.profile`` and signs it, which is
  several times faster than building each certificate from scratch; a test checks that
  both ways give identical bytes.

``DeviceDirectory`` puts this behind the ``CertificateDirectory`` interface, answering only
for the Devices its ``enrolled`` predicate admits (the hub passes its inventory look-up).
"""

from __future__ import annotations

import contextlib
import hmac
from collections import OrderedDict
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

from opendcc.eui import Eui64
from opendcc.smki import profile
from opendcc.smki.authority import CaCredential
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import KeyEntry
from opendcc.smki.repair import encode

_P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_SALT: Final = b"opendcc smki device credentials v1"
_KEY_INFO: Final = b"opendcc device key v1"
_SERIAL_INFO: Final = b"opendcc device serial v1"
_SERIAL_MARKER: Final = 0x44
_MAX_GENERATION: Final = 127
_USAGE_BIT: Final = {KeyUsage.DIGITAL_SIGNING: 0, KeyUsage.KEY_AGREEMENT: 1}
_ECDSA_SHA256_ALGORITHM: Final = encode(0x30, encode(0x06, bytes.fromhex("2a8648ce3d040302")))
_SIGNATURE: Final = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
_MIN_SECRET_BYTES: Final = 16

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True, order=True)
class DeviceKeyId:
    """Which Device key a serial number or cache entry stands for."""

    eui: Eui64
    usage: KeyUsage
    generation: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.generation <= _MAX_GENERATION:
            raise ValueError(f"generation must be 0..{_MAX_GENERATION}, got {self.generation}")


class _Lru(Generic[K, V]):
    """A bounded least-recently-used map (the caches must not grow with the estate)."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._items: OrderedDict[K, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        # Another thread may have evicted it meanwhile; the value is still good.
        with contextlib.suppress(KeyError):
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if self.size == 0:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class _Template:
    """A device TBSCertificate with the byte offsets of its per-Device fields."""

    tbs: bytes
    serial_at: int
    point_at: int
    key_id_at: int
    eui_at: int


class DeviceCredentials:
    """Deterministic Device keys and lazily issued Device Certificates for one estate."""

    def __init__(
        self,
        issuer: CaCredential,
        secret: bytes,
        *,
        not_before: datetime,
        key_cache_size: int = 65_536,
        certificate_cache_size: int = 65_536,
    ) -> None:
        if len(secret) < _MIN_SECRET_BYTES:
            raise ValueError(f"the estate secret must be at least {_MIN_SECRET_BYTES} bytes")
        self.issuer = issuer
        self.not_before = not_before.replace(microsecond=0)
        self._prk = HKDF.extract(hashes.SHA256(), _SALT, secret)
        self._serial_key = HKDFExpand(hashes.SHA256(), 32, _SERIAL_INFO).derive(self._prk)
        self._keys: _Lru[DeviceKeyId, ec.EllipticCurvePrivateKey] = _Lru(key_cache_size)
        self._records: _Lru[DeviceKeyId, CertificateRecord] = _Lru(certificate_cache_size)
        self._templates: dict[KeyUsage, _Template | None] = {}
        self.issued = 0

    # --- keys ------------------------------------------------------------------------------

    def scalar(self, eui: Eui64, usage: KeyUsage, generation: int = 0) -> int:
        """The private scalar of a Device key (1 <= d < n), derived from the estate secret."""
        info = _KEY_INFO + bytes(eui) + bytes([_USAGE_BIT[usage], generation])
        okm = HKDFExpand(hashes.SHA256(), 48, info).derive(self._prk)
        return int.from_bytes(okm, "big") % (_P256_ORDER - 1) + 1

    def key(self, eui: Eui64, usage: KeyUsage, generation: int = 0) -> ec.EllipticCurvePrivateKey:
        """The Device's P-256 private key (cached)."""
        key_id = DeviceKeyId(eui, usage, generation)
        found = self._keys.get(key_id)
        if found is None:
            found = ec.derive_private_key(self.scalar(eui, usage, generation), ec.SECP256R1())
            self._keys.put(key_id, found)
        return found

    def public_key(
        self, eui: Eui64, usage: KeyUsage, generation: int = 0
    ) -> ec.EllipticCurvePublicKey:
        return self.key(eui, usage, generation).public_key()

    # --- serial numbers ----------------------------------------------------------------------

    def serial(self, eui: Eui64, usage: KeyUsage, generation: int = 0) -> int:
        """The serial number of the Device's certificate (no certificate is issued)."""
        key_id = DeviceKeyId(eui, usage, generation)
        head = bytes([(key_id.generation << 1) | _USAGE_BIT[usage]])
        tag = hmac.digest(self._serial_key, head + bytes(eui), "sha256")[:6]
        return int.from_bytes(bytes([_SERIAL_MARKER]) + head + tag + bytes(eui), "big")

    def identify(self, serial: int) -> DeviceKeyId | None:
        """The Device key a serial number from ``serial`` names, or None if it names none."""
        if not 0 < serial < 1 << 127:
            return None
        raw = serial.to_bytes(16, "big")
        if raw[0] != _SERIAL_MARKER:
            return None
        head, tag, eui_bytes = raw[1:2], raw[2:8], raw[8:]
        expected = hmac.digest(self._serial_key, head + eui_bytes, "sha256")[:6]
        if not hmac.compare_digest(tag, expected):
            return None
        usage = KeyUsage.KEY_AGREEMENT if head[0] & 1 else KeyUsage.DIGITAL_SIGNING
        return DeviceKeyId(Eui64.from_bytes(eui_bytes), usage, head[0] >> 1)

    # --- certificates ------------------------------------------------------------------------

    def certificate(self, eui: Eui64, usage: KeyUsage, generation: int = 0) -> x509.Certificate:
        """The Device Certificate, issued by the device CA on first use and cached."""
        return self.record(eui, usage, generation).certificate

    def entry(self, eui: Eui64, usage: KeyUsage, generation: int = 0) -> KeyEntry:
        """The Device key as a keystore entry (private key, public key and certificate), for
        look-ups that expect one: ``GbcsSecurity(device_keys=...)``.

        The certificate is issued only when the entry's ``record`` is first read: ECDH (GBCS
        4.3.3), MACs and signatures need only the keys, and the serial is known without the
        certificate, so a Device's first Command no longer pays an ECDSA signature and an
        X.509 parse for a certificate nobody reads."""
        key = self.key(eui, usage, generation)
        return DerivedKeyEntry(
            name=f"device-{eui.hex}-{usage.value}",
            public_key=key.public_key(),
            private_key=key,
            eui=eui,
            usage=usage,
            source="derived",
            issue=lambda: self.record(eui, usage, generation),
            serial=self.serial(eui, usage, generation),
        )

    def record(self, eui: Eui64, usage: KeyUsage, generation: int = 0) -> CertificateRecord:
        """The Device Certificate with its SMKI facts."""
        key_id = DeviceKeyId(eui, usage, generation)
        found = self._records.get(key_id)
        if found is None:
            cert = self._issue(key_id)
            found = CertificateRecord(
                certificate=cert,
                serial=cert.serial_number,
                eui=eui,
                role=None,
                usage=usage,
                not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
            )
            self._records.put(key_id, found)
        return found

    def issue_with_builder(self, key_id: DeviceKeyId) -> x509.Certificate:
        """The same certificate as ``certificate`` makes, built field by field (slower)."""
        return profile.device_certificate(
            issuer_name=self.issuer.name,
            issuer_key=self.issuer.private_key,
            eui=key_id.eui,
            usage=key_id.usage,
            public_key=self.key(key_id.eui, key_id.usage, key_id.generation).public_key(),
            serial=self.serial(key_id.eui, key_id.usage, key_id.generation),
            not_before=self.not_before,
        )

    def _issue(self, key_id: DeviceKeyId) -> x509.Certificate:
        self.issued += 1
        template = self._template(key_id.usage)
        if template is None:
            return self.issue_with_builder(key_id)
        public = self.key(key_id.eui, key_id.usage, key_id.generation).public_key()
        point = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        tbs = bytearray(template.tbs)
        serial = self.serial(key_id.eui, key_id.usage, key_id.generation)
        tbs[template.serial_at : template.serial_at + 16] = serial.to_bytes(16, "big")
        tbs[template.point_at : template.point_at + 65] = point
        tbs[template.key_id_at : template.key_id_at + 8] = profile.key_identifier_of_point(point)
        tbs[template.eui_at : template.eui_at + 8] = bytes(key_id.eui)
        signature = self.issuer.private_key.sign(bytes(tbs), _SIGNATURE)
        der = encode(0x30, bytes(tbs) + _ECDSA_SHA256_ALGORITHM + encode(0x03, b"\x00" + signature))
        return x509.load_der_x509_certificate(der)

    def _template(self, usage: KeyUsage) -> _Template | None:
        if usage not in self._templates:
            self._templates[usage] = self._build_template(usage)
        return self._templates[usage]

    def _build_template(self, usage: KeyUsage) -> _Template | None:
        """A TBSCertificate with placeholder fields, or None if they cannot be located."""
        placeholder_eui = Eui64.from_bytes(bytes.fromhex("d1e2c3b4a5968778"))
        placeholder_key = ec.derive_private_key(self.scalar(placeholder_eui, usage), ec.SECP256R1())
        placeholder_serial = self.serial(placeholder_eui, usage)
        cert = profile.device_certificate(
            issuer_name=self.issuer.name,
            issuer_key=self.issuer.private_key,
            eui=placeholder_eui,
            usage=usage,
            public_key=placeholder_key.public_key(),
            serial=placeholder_serial,
            not_before=self.not_before,
        )
        tbs = cert.tbs_certificate_bytes
        point = placeholder_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        # The serial ends with the EUI too, so the EUI is found as the hwSerialNum OCTET
        # STRING (tag 04, length 08) of the subjectAltName.
        fields = (
            placeholder_serial.to_bytes(16, "big"),
            point,
            profile.key_identifier_of_point(point),
            b"\x04\x08" + bytes(placeholder_eui),
        )
        if any(tbs.count(field) != 1 for field in fields):
            return None
        offsets = [tbs.index(field) for field in fields]
        offsets[3] += 2
        return _Template(tbs, *offsets)

    def cache_info(self) -> dict[str, int]:
        """Sizes and hit counts of the key and certificate caches (for metrics)."""
        return {
            "keys": len(self._keys),
            "key_hits": self._keys.hits,
            "key_misses": self._keys.misses,
            "certificates": len(self._records),
            "certificate_hits": self._records.hits,
            "certificate_misses": self._records.misses,
            "issued": self.issued,
        }


_RECORD_SLOT: Final[Any] = KeyEntry.__dict__["record"]
"""The slot that holds ``KeyEntry.record`` (a frozen, slotted dataclass field)."""


class DerivedKeyEntry(KeyEntry):
    """A ``KeyEntry`` of a derived Device key whose certificate is issued on first read.

    ``record`` calls ``issue`` the first time it is read (and keeps what it returns);
    ``serial`` is given up front, and ``role`` is None until then, as every Device
    Certificate's is (it names no Remote Party role). Everything else is a ``KeyEntry``.
    """

    __slots__ = ("_issue", "_serial")
    _issue: Callable[[], CertificateRecord] | None
    _serial: int | None

    def __init__(
        self,
        name: str,
        public_key: ec.EllipticCurvePublicKey,
        record: CertificateRecord | None = None,
        private_key: ec.EllipticCurvePrivateKey | None = None,
        eui: Eui64 | None = None,
        usage: KeyUsage | None = None,
        source: str = "",
        *,
        issue: Callable[[], CertificateRecord] | None = None,
        serial: int | None = None,
    ) -> None:
        object.__setattr__(self, "_issue", issue)
        object.__setattr__(self, "_serial", serial)
        super().__init__(name, public_key, record, private_key, eui, usage, source)

    @property
    def record(self) -> CertificateRecord | None:
        found: CertificateRecord | None = _RECORD_SLOT.__get__(self, KeyEntry)
        if found is None and self._issue is not None:
            found = self._issue()
            _RECORD_SLOT.__set__(self, found)
        return found

    @record.setter
    def record(self, value: CertificateRecord | None) -> None:
        # Only the dataclass __init__ sets it (through object.__setattr__: frozen).
        _RECORD_SLOT.__set__(self, value)

    @property
    def serial(self) -> int | None:
        if self._serial is not None and _RECORD_SLOT.__get__(self, KeyEntry) is None:
            return self._serial
        return super().serial

    @property
    def role(self) -> RemotePartyRole | None:
        if _RECORD_SLOT.__get__(self, KeyEntry) is None and self._issue is not None:
            return None  # a Device Certificate names no Remote Party role
        return super().role

    def __reduce__(self) -> tuple[Any, ...]:
        # copy.copy and deepcopy: the dataclass's own state lists the fields only.
        record = _RECORD_SLOT.__get__(self, KeyEntry)
        fields = (self.name, self.public_key, record, self.private_key, self.eui, self.usage)
        return (_derived_entry, (*fields, self.source, self._issue, self._serial))


def _derived_entry(
    name: str,
    public_key: ec.EllipticCurvePublicKey,
    record: CertificateRecord | None,
    private_key: ec.EllipticCurvePrivateKey | None,
    eui: Eui64 | None,
    usage: KeyUsage | None,
    source: str,
    issue: Callable[[], CertificateRecord] | None,
    serial: int | None,
) -> DerivedKeyEntry:
    return DerivedKeyEntry(
        name, public_key, record, private_key, eui, usage, source, issue=issue, serial=serial
    )


class DeviceDirectory:
    """A ``CertificateDirectory`` over an estate's Device Certificates, issued on demand.

    ``enrolled`` says which EUI-64s are Devices of the estate (a container or a predicate,
    typically the inventory); certificates of any other EUI do not exist. ``generation``
    gives a Device's current key generation (0 unless its credentials were replaced).
    """

    def __init__(
        self,
        credentials: DeviceCredentials,
        enrolled: Container[Eui64] | Callable[[Eui64], bool],
        generation: Callable[[Eui64, KeyUsage], int] | None = None,
    ) -> None:
        self.credentials = credentials
        self._enrolled: Callable[[Eui64], bool] = (
            enrolled if callable(enrolled) else enrolled.__contains__
        )
        self._generation = generation or (lambda eui, usage: 0)
        self._revoked: dict[int, datetime] = {}

    def by_serial(self, serial: int) -> CertificateRecord | None:
        key_id = self.credentials.identify(serial)
        if key_id is None or not self._enrolled(key_id.eui):
            return None
        if key_id.generation > self._generation(key_id.eui, key_id.usage):
            return None
        return self._record(key_id)

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        if not self._enrolled(eui):
            return []
        return [self._record(DeviceKeyId(eui, usage, self._generation(eui, usage)))]

    def revoke(self, serial: int, at: datetime) -> bool:
        """Mark a Device Certificate revoked from ``at``; False if the serial names none."""
        key_id = self.credentials.identify(serial)
        if key_id is None or not self._enrolled(key_id.eui):
            return False
        self._revoked[serial] = at
        return True

    def revocations(self) -> dict[int, datetime]:
        return dict(self._revoked)

    def _record(self, key_id: DeviceKeyId) -> CertificateRecord:
        record = self.credentials.record(key_id.eui, key_id.usage, key_id.generation)
        revoked_at = self._revoked.get(record.serial)
        if revoked_at is None:
            return record
        return CertificateRecord(
            certificate=record.certificate,
            serial=record.serial,
            eui=record.eui,
            role=record.role,
            usage=record.usage,
            not_before=record.not_before,
            not_after=record.not_after,
            revoked_at=revoked_at,
        )
