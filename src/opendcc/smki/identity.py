"""Who a certificate names: the EUI-64, the remote-party role and the key usage.

SMKI Organisation Certificates carry the Party's EUI-64 in the subject as
``x500UniqueIdentifier`` (OID 2.5.4.45, a BIT STRING) and its remote-party role as two
hex digits in ``OU``. SMKI Device Certificates carry the Device's EUI-64 in
``subjectAltName`` as an ``otherName`` of type ``hardwareModuleName`` (RFC 4108,
OID 1.3.6.1.5.5.7.8.4), whose value is ``SEQUENCE { hwType OID, hwSerialNum OCTET STRING }``.
The small DER reader below exists because ``cryptography`` hands back that ``otherName``
value as raw DER and no other part of the project needs a general ASN.1 library.
"""

from __future__ import annotations

import enum
from typing import Final

from cryptography import x509
from cryptography.x509.oid import NameOID

from opendcc.eui import Eui64

OID_X500_UNIQUE_IDENTIFIER: Final = x509.ObjectIdentifier("2.5.4.45")
OID_HARDWARE_MODULE_NAME: Final = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4")
OID_SMKI_DEVICE_HW_TYPE: Final = x509.ObjectIdentifier("1.2.826.0.1.8641679.1.2.2.1")
"""The ``hwType`` the reference Device Certificates use inside hardwareModuleName."""


class RemotePartyRole(enum.IntEnum):
    """The remote-party role codes of GBCS, carried in an Organisation Certificate's OU."""

    ROOT = 0x00
    RECOVERY = 0x01
    SUPPLIER = 0x02
    NETWORK_OPERATOR = 0x03
    ACCESS_CONTROL_BROKER = 0x04
    TRANSITIONAL_COS = 0x05
    WAN_PROVIDER = 0x06
    ISSUING_AUTHORITY = 0x07
    LOAD_CONTROLLER = 0x08
    OTHER_USER = 0x7F
    XML_SIGNING = 0x87
    DSP_XML_SIGNING = 0x89

    @property
    def ou(self) -> str:
        """The two upper-case hex digits written in the certificate's OU."""
        return f"{self.value:02X}"


class KeyUsage(enum.Enum):
    """The two kinds of SMKI key a Party or Device holds."""

    DIGITAL_SIGNING = "ds"
    KEY_AGREEMENT = "ka"


def certificate_eui(cert: x509.Certificate) -> Eui64 | None:
    """The EUI-64 the certificate names (organisation or device form), or None."""
    for attribute in cert.subject.get_attributes_for_oid(OID_X500_UNIQUE_IDENTIFIER):
        raw = attribute.value
        if isinstance(raw, str):
            raw = raw.encode("latin-1")
        # A DER BIT STRING's content starts with the count of unused bits, here zero.
        if len(raw) == 9 and raw[0] == 0:
            return Eui64.from_bytes(raw[1:])
        if len(raw) == 8:
            return Eui64.from_bytes(raw)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    for name in san.get_values_for_type(x509.OtherName):
        if name.type_id == OID_HARDWARE_MODULE_NAME:
            serial = _hardware_serial(name.value)
            if serial is not None and len(serial) == 8:
                return Eui64.from_bytes(serial)
    return None


def certificate_role(cert: x509.Certificate) -> RemotePartyRole | None:
    """The remote-party role in the subject's OU, or None (Device Certificates have none)."""
    for attribute in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        value = attribute.value
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        try:
            return RemotePartyRole(int(value, 16))
        except ValueError:
            return None
    return None


def certificate_usage(cert: x509.Certificate) -> KeyUsage | None:
    """Digital signing or key agreement, from the keyUsage extension."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if usage.key_agreement:
        return KeyUsage.KEY_AGREEMENT
    if usage.digital_signature:
        return KeyUsage.DIGITAL_SIGNING
    return None


def hardware_module_name(
    eui: Eui64, hw_type: x509.ObjectIdentifier = OID_SMKI_DEVICE_HW_TYPE
) -> bytes:
    """The DER value of a hardwareModuleName otherName naming ``eui`` (for issuing)."""
    oid_body = _encode_oid_body(hw_type.dotted_string)
    body = _tlv(0x06, oid_body) + _tlv(0x04, bytes(eui))
    return _tlv(0x30, body)


def _hardware_serial(der: bytes) -> bytes | None:
    """hwSerialNum from ``SEQUENCE { OID, OCTET STRING }``, or None if it is not that."""
    outer = _read_tlv(der, 0)
    if outer is None or outer[0] != 0x30:
        return None
    _, body_start, body_end = outer
    oid = _read_tlv(der, body_start)
    if oid is None or oid[0] != 0x06:
        return None
    octets = _read_tlv(der, oid[2])
    if octets is None or octets[0] != 0x04 or octets[2] > body_end:
        return None
    return der[octets[1] : octets[2]]


def _read_tlv(data: bytes, offset: int) -> tuple[int, int, int] | None:
    """(tag, content start, content end) of the DER element at ``offset``, or None."""
    if offset + 2 > len(data):
        return None
    tag, first = data[offset], data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 2 or pos + count > len(data):
            return None
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        return None
    return tag, pos, pos + length


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + body


def _encode_oid_body(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)
