"""ASN.1 types shared by several GBCS DER use cases.

GBCS Section 13 (security credentials) and Section 11 (firmware) reuse a handful of
types: the remote-party role, the X.509 key usage bits naming a trust anchor cell, the
trust anchor cell identifier itself, anti-replay sequence numbers, device log entries
(Entity Identifier and device type) and embedded X.509 certificates. Each type here reads
itself from a ``Reader``, writes its exact DER, and names its values for the read-only
``values`` view.

Certificates are carried as their DER octets, untouched: the payload round-trips whatever
the certificate holds, and ``cryptography`` interprets it only when values are asked for.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from opendcc.eui import Eui64
from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.naming import coded, eui_text, gbcs_name, spell, time_text
from opendcc.gbcs.der.tlv import Reader
from opendcc.smki.identity import (
    KeyUsage,
    RemotePartyRole,
    certificate_eui,
    certificate_role,
    certificate_usage,
)

T = TypeVar("T")

CERTIFICATE_READ_ERRORS: Final = (
    ValueError,
    TypeError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    UnsupportedAlgorithm,
)
"""What ``cryptography`` raises, lazily, on a malformed certificate or request field."""

SEQ_NUMBER_MAX: Final = (1 << 63) - 1
"""``SeqNumber ::= INTEGER (0..9223372036854775807)``: originator counters are 63-bit."""


class KeyUsageFlags(enum.IntFlag, boundary=enum.KEEP):
    """The X.509 ``KeyUsage`` named bits (RFC 5280 4.2.1.3); bit n is value ``1 << n``.

    GBCS identifies a trust anchor cell by role and key usage: digitalSignature for the
    signing cell, keyAgreement for the key agreement cell.
    """

    DIGITAL_SIGNATURE = 1 << 0
    NON_REPUDIATION = 1 << 1
    KEY_ENCIPHERMENT = 1 << 2
    DATA_ENCIPHERMENT = 1 << 3
    KEY_AGREEMENT = 1 << 4
    KEY_CERT_SIGN = 1 << 5
    CRL_SIGN = 1 << 6
    ENCIPHER_ONLY = 1 << 7
    DECIPHER_ONLY = 1 << 8

    @property
    def identity_usage(self) -> KeyUsage | None:
        """The SMKI key kind these bits stand for (signing or key agreement), if one."""
        if self & KeyUsageFlags.KEY_AGREEMENT:
            return KeyUsage.KEY_AGREEMENT
        if self & KeyUsageFlags.DIGITAL_SIGNATURE:
            return KeyUsage.DIGITAL_SIGNING
        return None


def key_usage_names(flags: int) -> list[str | int]:
    """The named bits set in ``flags``, unknown bits as their numbers."""
    return [
        gbcs_name(KeyUsageFlags(1 << position))
        for position in range(flags.bit_length())
        if flags >> position & 1
    ]


def usage_for(usage: KeyUsage) -> KeyUsageFlags:
    """The key usage bit naming the cell for an SMKI signing or key agreement key."""
    if usage is KeyUsage.KEY_AGREEMENT:
        return KeyUsageFlags.KEY_AGREEMENT
    return KeyUsageFlags.DIGITAL_SIGNATURE


class DeviceType(enum.IntEnum):
    """``DeviceType ::= INTEGER`` (GBCS 13.7, Join Device)."""

    GSME = 0
    ESME = 1
    CHF = 2
    GPF = 3
    HCALCS = 4
    PPMID = 5
    TYPE_2 = 6


class CellUsage(enum.IntEnum):
    """``CellUsage ::= INTEGER { management (0), prePaymentTopUp (1) } DEFAULT management``."""

    MANAGEMENT = 0
    PRE_PAYMENT_TOP_UP = 1


class SeqNumberUsage(enum.IntEnum):
    """What a specialist anti-replay sequence number guards."""

    PREPAYMENT_TOP_UP = 0


class StatusCode(enum.IntEnum):
    """The TAMP ``StatusCode`` (RFC 5934) values GBCS reports per trust anchor cell."""

    SUCCESS = 0
    BAD_CERTIFICATE = 5
    NO_TRUST_ANCHOR = 10
    INSUFFICIENT_MEMORY = 17
    TRUST_ANCHOR_NOT_FOUND = 25
    RESOURCES_BUSY = 30
    OTHER = 127


spell(
    (DeviceType.GSME, "gSME"),
    (DeviceType.ESME, "eSME"),
    (DeviceType.CHF, "communicationsHubCommunicationsHubFunction"),
    (DeviceType.GPF, "communicationsHubGasProxyFunction"),
    (DeviceType.HCALCS, "type1HANConnectedAuxiliaryLoadControlSwitch"),
    (DeviceType.PPMID, "type1PrepaymentInterfaceDevice"),
    (DeviceType.TYPE_2, "type2"),
    (CellUsage.PRE_PAYMENT_TOP_UP, "prePaymentTopUp"),
    (KeyUsageFlags.CRL_SIGN, "cRLSign"),
)


ALERT_CODE_MAX: Final = 0xFFFFFFFF
"""``alertCode INTEGER (0..4294967295)`` in every DER Alert payload."""


def read_alert_code(reader: Reader) -> int:
    start = reader.position
    code = reader.integer()
    if not 0 <= code <= ALERT_CODE_MAX:
        raise GbcsDecodeError(f"alert code out of range: {code}", start)
    return code


def write_alert_code(code: int) -> bytes:
    if not isinstance(code, int) or not 0 <= code <= ALERT_CODE_MAX:
        raise GbcsEncodeError(f"alert code out of range: {code!r}")
    return tlv.encode_integer(code)


def alert_code_text(code: int) -> str:
    """An alert code as GBCS Section 16 writes it: four upper-case hex digits."""
    return f"{code:04X}"


def read_eui(reader: Reader) -> Eui64:
    """An Entity Identifier: an OCTET STRING of exactly eight octets."""
    start = reader.position
    raw = reader.octets()
    if len(raw) != 8:
        raise GbcsDecodeError(f"Entity Identifier of {len(raw)} octets, not 8", start)
    return Eui64.from_bytes(raw)


def write_eui(value: Eui64) -> bytes:
    if not isinstance(value, Eui64):
        raise GbcsEncodeError(f"an Entity Identifier must be an Eui64, not {value!r}")
    return tlv.encode_octets(bytes(value))


def read_seq_number(reader: Reader, tag: int = tlv.INTEGER) -> int:
    start = reader.position
    value = reader.integer(tag)
    if not 0 <= value <= SEQ_NUMBER_MAX:
        raise GbcsDecodeError(f"sequence number out of range: {value}", start)
    return value


def write_seq_number(value: int, tag: int = tlv.INTEGER) -> bytes:
    if not isinstance(value, int) or not 0 <= value <= SEQ_NUMBER_MAX:
        raise GbcsEncodeError(f"sequence number out of range: {value!r}")
    return tlv.encode_integer(value, tag)


def write_int(value: int, tag: int = tlv.INTEGER) -> bytes:
    if not isinstance(value, int):
        raise GbcsEncodeError(f"expected an integer, not {value!r}")
    return tlv.encode_integer(int(value), tag)


def write_bytes(value: bytes, tag: int = tlv.OCTET_STRING) -> bytes:
    if not isinstance(value, bytes):
        raise GbcsEncodeError(f"expected bytes, not {value!r}")
    return tlv.encode_octets(value, tag)


def write_single_sequence(der: bytes, what: str) -> bytes:
    """``der`` unchanged, once checked to be exactly one DER SEQUENCE.

    Embedded certificates and requests are carried verbatim; the check keeps a malformed
    one from corrupting the framing of the structure around it.
    """
    if not isinstance(der, bytes):
        raise GbcsEncodeError(f"the {what} must be bytes, not {der!r}")
    try:
        check = Reader(der)
        check.element(tlv.SEQUENCE)
        check.finish()
    except GbcsDecodeError as exc:
        raise GbcsEncodeError(f"the {what} is not one DER SEQUENCE: {exc}") from None
    return der


@dataclass(frozen=True, slots=True)
class Certificate:
    """An X.509 certificate carried in a payload, as its exact DER encoding."""

    der: bytes

    @classmethod
    def from_x509(cls, certificate: x509.Certificate) -> Certificate:
        return cls(certificate.public_bytes(Encoding.DER))

    def x509(self) -> x509.Certificate:
        """The parsed certificate; ``ValueError`` if ``cryptography`` cannot read it."""
        return x509.load_der_x509_certificate(self.der)

    @classmethod
    def read(cls, reader: Reader) -> Certificate:
        return cls(reader.raw(tlv.SEQUENCE))

    def write(self) -> bytes:
        return write_single_sequence(self.der, "certificate")

    def named_values(self) -> dict[str, object]:
        """Who and what the certificate names (opendcc.smki.identity), or why it cannot.

        ``cryptography`` parses certificate fields lazily, so a damaged field surfaces
        only when read; every way it reports one gives the ``parse_error`` form.
        """
        try:
            return _certificate_values(self.x509())
        except CERTIFICATE_READ_ERRORS as exc:
            return {"parse_error": str(exc), "der_length": len(self.der)}


_KEY_USAGE_NAMES: Final = (
    ("digitalSignature", "digital_signature"),
    ("keyAgreement", "key_agreement"),
    ("keyCertSign", "key_cert_sign"),
    ("cRLSign", "crl_sign"),
)


def _certificate_values(cert: x509.Certificate) -> dict[str, object]:
    eui = certificate_eui(cert)
    role = certificate_role(cert)
    usage = certificate_usage(cert)
    try:
        bits = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        key_usage = [name for name, attribute in _KEY_USAGE_NAMES if getattr(bits, attribute)]
    except x509.ExtensionNotFound:
        key_usage = []
    return {
        "serial": str(cert.serial_number),
        "serial_hex": f"{cert.serial_number:X}",
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "subject_eui": None if eui is None else eui_text(eui),
        "role": None if role is None else gbcs_name(role),
        "usage": None if usage is None else usage.value,
        "key_usage": key_usage,
        "not_before": time_text(cert.not_valid_before_utc),
        "not_after": time_text(cert.not_valid_after_utc),
    }


@dataclass(frozen=True, slots=True)
class TrustAnchorCellIdentifier:
    """Which trust anchor cell: ``SEQUENCE { remotePartyRole, keyUsage, cellUsage DEFAULT }``.

    ``cell_usage`` None means the field is absent (its DEFAULT, management, applies);
    DER never writes a default value, so builders normally leave it None.
    """

    role: RemotePartyRole | int
    key_usage: KeyUsageFlags | int
    cell_usage: CellUsage | int | None = None

    @property
    def effective_cell_usage(self) -> CellUsage | int:
        return CellUsage.MANAGEMENT if self.cell_usage is None else self.cell_usage

    @classmethod
    def read(cls, reader: Reader, tag: int = tlv.SEQUENCE) -> TrustAnchorCellIdentifier:
        """Consume the identifier, a SEQUENCE or the implicitly tagged ``tag``."""
        inner = reader.constructed(tag)
        role = coded(RemotePartyRole, inner.integer())
        usage = read_key_usage(inner)
        cell = coded(CellUsage, inner.integer()) if inner.next_is(tlv.INTEGER) else None
        inner.finish()
        return cls(role, usage, cell)

    def write(self, tag: int = tlv.SEQUENCE) -> bytes:
        parts = [write_int(self.role), write_key_usage(self.key_usage)]
        if self.cell_usage is not None:
            parts.append(write_int(self.cell_usage))
        return tlv.encode_constructed(tag, *parts)

    def named_values(self) -> dict[str, object]:
        return {
            "role": gbcs_name(self.role),
            "key_usage": key_usage_names(self.key_usage),
            "cell_usage": gbcs_name(self.effective_cell_usage),
        }


def read_key_usage(reader: Reader) -> KeyUsageFlags:
    return KeyUsageFlags(reader.named_bits())


def write_key_usage(flags: int) -> bytes:
    if not isinstance(flags, int):
        raise GbcsEncodeError(f"key usage must be KeyUsageFlags, not {flags!r}")
    return tlv.encode_named_bits(int(flags))


@dataclass(frozen=True, slots=True)
class SpecialistSeqNumber:
    """``SEQUENCE { seqNumberUsage, seqNumber }``: a counter kept apart (prepayment top-ups)."""

    usage: SeqNumberUsage | int
    seq_number: int

    @classmethod
    def read(cls, reader: Reader) -> SpecialistSeqNumber:
        inner = reader.constructed()
        usage = coded(SeqNumberUsage, inner.integer())
        seq = read_seq_number(inner)
        inner.finish()
        return cls(usage, seq)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE, write_int(self.usage), write_seq_number(self.seq_number)
        )

    def named_values(self) -> dict[str, object]:
        return {"usage": gbcs_name(self.usage), "seq_number": self.seq_number}


@dataclass(frozen=True, slots=True)
class RemotePartySeqNumberChange:
    """A new anti-replay floor for one remote party role (and its specialist counters)."""

    role: RemotePartyRole | int
    floor_seq_number: int
    specialist_floor_seq_numbers: tuple[SpecialistSeqNumber, ...] | None = None

    @classmethod
    def read(cls, reader: Reader) -> RemotePartySeqNumberChange:
        inner = reader.constructed()
        role = coded(RemotePartyRole, inner.integer())
        floor = read_seq_number(inner)
        specialist = None
        if inner.next_is(tlv.SEQUENCE):
            specialist = read_sequence_of(inner, SpecialistSeqNumber.read)
        inner.finish()
        return cls(role, floor, specialist)

    def write(self) -> bytes:
        parts = [write_int(self.role), write_seq_number(self.floor_seq_number)]
        if self.specialist_floor_seq_numbers is not None:
            parts.append(write_sequence_of(self.specialist_floor_seq_numbers))
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "role": gbcs_name(self.role),
            "floor_seq_number": self.floor_seq_number,
        }
        if self.specialist_floor_seq_numbers is not None:
            values["specialist_floor_seq_numbers"] = [
                s.named_values() for s in self.specialist_floor_seq_numbers
            ]
        return values


@dataclass(frozen=True, slots=True)
class DeviceLogEntry:
    """``SEQUENCE { deviceId EntityId, deviceType DeviceType }``: one Device Log line."""

    device_id: Eui64
    device_type: DeviceType | int

    @classmethod
    def read(cls, reader: Reader) -> DeviceLogEntry:
        inner = reader.constructed()
        entry = cls(read_eui(inner), coded(DeviceType, inner.integer()))
        inner.finish()
        return entry

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE, write_eui(self.device_id), write_int(self.device_type)
        )

    def named_values(self) -> dict[str, object]:
        return {"device_id": eui_text(self.device_id), "device_type": gbcs_name(self.device_type)}


def read_sequence_of(
    reader: Reader, read_item: Callable[[Reader], T], tag: int = tlv.SEQUENCE
) -> tuple[T, ...]:
    """``SEQUENCE OF`` items, each read by ``read_item`` from the inner reader."""
    inner = reader.constructed(tag)
    items: list[T] = []
    while not inner.at_end():
        items.append(read_item(inner))
    return tuple(items)


def write_sequence_of(items: tuple[_Writable, ...], tag: int = tlv.SEQUENCE) -> bytes:
    if not isinstance(items, tuple | list):
        raise GbcsEncodeError(f"expected a sequence of items, not {items!r}")
    return tlv.tlv(tag, b"".join(item.write() for item in items))


class _Writable(Protocol):
    def write(self) -> bytes: ...
