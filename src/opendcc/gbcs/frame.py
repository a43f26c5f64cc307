"""GBCS message frames: the MAC header, the general signing grouping header, the signature
and the MAC, decoded to typed values and encoded back to the same bytes.

A GBCS message (GBCS section 4.3; PROTOCOL.md "GBCS messages") is, for MAC-protected
Commands, Responses and Alerts::

    DD 00 00 00 00 00 00  <length>  11 00 00 00 00        MAC header (general-ciphering)
    DF 09 <CRA> <counter: 8>                               general signing, transaction-id
    08 <originator system title: 8>  08 <recipient: 8>
    00 | 0C <date-time: 12>
    <length> <message code: 2> [<supplementary remote party ID: 8>
             [<supplementary remote party counter: 8> [<supplementary originator counter: 8>]
             [<supplementary remote party KA certificate: DER>]]]   other-information
    <length> <payload>                                     content
    00 | 40 <r||s: 64>                                     signature
    <MAC: 12>

Critical Responses and Alerts, and signed credential Commands sent without a MAC header,
are the general signing part alone. Pre-Commands are the general signing part without a
signature: the reference Pre-Commands end after the content (no signature length byte),
while DUIS specifies a trailing ``00``; both are accepted and each re-encodes as received.

Decoding is strict about everything GBCS fixes (the zero fields of the MAC header, the
security header, the lengths of the transaction-id and system titles, shortest-form
lengths, exact total length), so that ``encode_message(decode_message(x)) == x`` for every
accepted ``x`` and any other input raises ``GbcsDecodeError``. The general block transfer
(GBT) form is not used by any reference message and is refused with a clear reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.date_time import SIZE as DATE_TIME_SIZE
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.length import decode_length, encode_length

MAC_HEADER_TAG: Final = 0xDD
GENERAL_SIGNING_TAG: Final = 0xDF
GENERAL_BLOCK_TRANSFER_TAG: Final = 0xE0
MAC_HEADER_FIELDS: Final = bytes(6)
"""transaction-id, originator and recipient system titles, date-time, other-information and
key-info of the general-ciphering MAC header: all empty in GBCS."""
SECURITY_HEADER: Final = bytes.fromhex("1100000000")
"""Security control byte 0x11 and a zero invocation counter."""
TRANSACTION_ID_LENGTH: Final = 9
SYSTEM_TITLE_LENGTH: Final = 8
MAC_LENGTH: Final = 12
SIGNATURE_LENGTH: Final = 64
MAX_COUNTER: Final = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class OtherInformation:
    """The other-information field of the grouping header.

    The message code always; for messages a Remote Party sends on behalf of another, or
    that report on one, the supplementary remote party ID and counter; in Responses to such
    Commands the supplementary originator counter; in Commands the ACB originates for an
    unknown remote party, that party's key agreement certificate (DER).
    """

    message_code: int
    supplementary_remote_party: Eui64 | None = None
    supplementary_remote_party_counter: int | None = None
    supplementary_originator_counter: int | None = None
    supplementary_remote_party_ka_certificate: bytes | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.message_code <= 0xFFFF:
            raise GbcsEncodeError(f"message code out of range: {self.message_code}")
        for name in ("supplementary_remote_party_counter", "supplementary_originator_counter"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= MAX_COUNTER:
                raise GbcsEncodeError(f"{name} out of range: {value}")
        if self.supplementary_remote_party_counter is not None and (
            self.supplementary_remote_party is None
        ):
            raise GbcsEncodeError("a supplementary remote party counter needs the party's ID")
        trailing = (
            self.supplementary_originator_counter is not None
            or self.supplementary_remote_party_ka_certificate is not None
        )
        if trailing:
            if self.supplementary_remote_party_counter is None:
                raise GbcsEncodeError(
                    "a supplementary originator counter or certificate needs the "
                    "supplementary remote party ID and counter"
                )
            # The layout is positional; refuse values whose encoding would read back
            # differently (a certificate that is not one DER SEQUENCE, say).
            if _decode_trailing(self._trailing_bytes()) != (
                self.supplementary_originator_counter,
                self.supplementary_remote_party_ka_certificate,
            ):
                raise GbcsEncodeError(
                    "supplementary certificate must be a single DER SEQUENCE that cannot be "
                    "mistaken for a supplementary originator counter"
                )

    def _trailing_bytes(self) -> bytes:
        out = b""
        if self.supplementary_originator_counter is not None:
            out += self.supplementary_originator_counter.to_bytes(8, "big")
        if self.supplementary_remote_party_ka_certificate is not None:
            out += self.supplementary_remote_party_ka_certificate
        return out

    def __bytes__(self) -> bytes:
        out = self.message_code.to_bytes(2, "big")
        if self.supplementary_remote_party is not None:
            out += bytes(self.supplementary_remote_party)
        if self.supplementary_remote_party_counter is not None:
            out += self.supplementary_remote_party_counter.to_bytes(8, "big")
        return out + self._trailing_bytes()

    @classmethod
    def from_bytes(cls, data: bytes, offset: int = 0) -> OtherInformation:
        """Read the field's content; ``offset`` only positions error messages."""
        if len(data) < 2:
            raise GbcsDecodeError("other-information: no message code", offset)
        code = (data[0] << 8) | data[1]
        rest = data[2:]
        if not rest:
            return cls(code)
        if len(rest) < 8:
            raise GbcsDecodeError("other-information: truncated supplementary remote party", offset)
        party = Eui64.from_bytes(rest[:8])
        rest = rest[8:]
        if not rest:
            return cls(code, party)
        if len(rest) < 8:
            raise GbcsDecodeError("other-information: truncated supplementary counter", offset)
        party_counter = int.from_bytes(rest[:8], "big")
        trailing = _decode_trailing(rest[8:])
        if trailing is None:
            raise GbcsDecodeError(
                "other-information: trailing bytes are neither a supplementary originator "
                "counter nor a certificate",
                offset,
            )
        return cls(code, party, party_counter, trailing[0], trailing[1])


def _decode_trailing(rest: bytes) -> tuple[int | None, bytes | None] | None:
    """(supplementary originator counter, certificate) from what follows the counter."""
    if not rest:
        return None, None
    if len(rest) == 8:
        return int.from_bytes(rest, "big"), None
    if _is_one_sequence(rest):
        return None, rest
    if len(rest) > 8 and _is_one_sequence(rest[8:]):
        return int.from_bytes(rest[:8], "big"), rest[8:]
    return None


def _is_one_sequence(data: bytes) -> bool:
    if len(data) < 2 or data[0] != 0x30:
        return False
    try:
        length, start = decode_length(data, 1, "certificate")
    except GbcsDecodeError:
        return False
    return start + length == len(data)


@dataclass(frozen=True, slots=True)
class GroupingHeader:
    """The general signing grouping header (everything before the content)."""

    cra: Cra
    originator_counter: int
    originator: Eui64
    recipient: Eui64
    other_information: OtherInformation
    date_time: DlmsDateTime | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.originator_counter <= MAX_COUNTER:
            raise GbcsEncodeError(f"originator counter out of range: {self.originator_counter}")
        if not isinstance(self.cra, Cra):
            raise GbcsEncodeError(f"not a CRA flag: {self.cra!r}")

    @property
    def message_code(self) -> int:
        return self.other_information.message_code

    def encode(self, content_length: int) -> bytes:
        """The header's bytes from the 0xDF tag through the content length field."""
        other = bytes(self.other_information)
        date_time = (
            b"\x00" if self.date_time is None else bytes((DATE_TIME_SIZE,)) + bytes(self.date_time)
        )
        return b"".join(
            (
                bytes((GENERAL_SIGNING_TAG, TRANSACTION_ID_LENGTH, self.cra)),
                self.originator_counter.to_bytes(8, "big"),
                bytes((SYSTEM_TITLE_LENGTH,)),
                bytes(self.originator),
                bytes((SYSTEM_TITLE_LENGTH,)),
                bytes(self.recipient),
                date_time,
                encode_length(len(other)),
                other,
                encode_length(content_length),
            )
        )


@dataclass(frozen=True, slots=True)
class GbcsMessage:
    """One GBCS message: grouping header, payload bytes, signature and MAC.

    ``mac_header`` says whether the message travels inside a MAC header (then ``mac`` holds
    the 12-byte MAC, or None while it is still to be computed). ``signature`` is the 64-byte
    r||s, or None when unsigned. ``signature_length_omitted`` marks the reference
    Pre-Command form, which ends after the content.
    """

    header: GroupingHeader
    payload: bytes
    signature: bytes | None = None
    mac: bytes | None = None
    mac_header: bool = True
    signature_length_omitted: bool = False

    def __post_init__(self) -> None:
        if self.signature is not None and len(self.signature) != SIGNATURE_LENGTH:
            raise GbcsEncodeError(f"a signature is {SIGNATURE_LENGTH} bytes (r||s)")
        if self.mac is not None and (len(self.mac) != MAC_LENGTH or not self.mac_header):
            raise GbcsEncodeError(f"a MAC is {MAC_LENGTH} bytes and needs the MAC header")
        if self.signature_length_omitted and (
            self.mac_header or self.signature is not None or self.header.cra is not Cra.COMMAND
        ):
            raise GbcsEncodeError(
                "only an unsigned Pre-Command (no MAC header) may omit the signature length"
            )

    # --- convenience --------------------------------------------------------------------

    @property
    def cra(self) -> Cra:
        return self.header.cra

    @property
    def message_code(self) -> int:
        return self.header.other_information.message_code

    @property
    def originator(self) -> Eui64:
        return self.header.originator

    @property
    def recipient(self) -> Eui64:
        return self.header.recipient

    @property
    def counter(self) -> int:
        return self.header.originator_counter

    def encode(self) -> bytes:
        """The message's bytes (``encode_message``)."""
        return encode_message(self)

    def with_mac(self, mac: bytes | None) -> GbcsMessage:
        return replace(self, mac=mac, mac_header=True, signature_length_omitted=False)

    def with_signature(self, signature: bytes | None) -> GbcsMessage:
        return replace(self, signature=signature, mac=None, signature_length_omitted=False)

    # --- the byte regions crypto works on -----------------------------------------------

    def signed_bytes(self) -> bytes:
        """What the ECDSA signature covers: after the 0xDF tag through the payload."""
        return self.header.encode(len(self.payload))[1:] + self.payload

    def general_signing_bytes(self) -> bytes:
        """From the 0xDF tag through the signature field (the MAC's authenticated data)."""
        out = self.header.encode(len(self.payload)) + self.payload
        if self.signature_length_omitted:
            return out
        if self.signature is None:
            return out + b"\x00"
        return out + bytes((SIGNATURE_LENGTH,)) + self.signature


def encode_message(message: GbcsMessage) -> bytes:
    """The message's bytes; raises GbcsEncodeError when a MAC-protected message has no MAC."""
    body = message.general_signing_bytes()
    if not message.mac_header:
        return body
    if message.mac is None:
        raise GbcsEncodeError("the message needs its MAC (compute it, or give one)")
    ciphered = SECURITY_HEADER + body + message.mac
    return bytes((MAC_HEADER_TAG,)) + MAC_HEADER_FIELDS + encode_length(len(ciphered)) + ciphered


def decode_message(data: bytes) -> GbcsMessage:
    """Read a GBCS message; raises only GbcsDecodeError."""
    return decode_message_with_body(data)[0]


def decode_message_with_body(data: bytes) -> tuple[GbcsMessage, bytes]:
    """The message and its general signing part as received (from 0xDF through the
    signature field, what the MAC authenticates). Decoding is canonical, so the part is
    exactly ``message.general_signing_bytes()``; checking a MAC over it saves re-encoding."""
    data = bytes(data)
    if not data:
        raise GbcsDecodeError("empty input", 0)
    tag = data[0]
    if tag == MAC_HEADER_TAG:
        if data[1:7] != MAC_HEADER_FIELDS:
            raise GbcsDecodeError("MAC header: general-ciphering fields must be empty", 1)
        length, start = decode_length(data, 7, "MAC header")
        if start + length != len(data):
            raise GbcsDecodeError(
                f"MAC header says {length} bytes follow, {len(data) - start} do", 7
            )
        if data[start : start + len(SECURITY_HEADER)] != SECURITY_HEADER:
            raise GbcsDecodeError("MAC header: security header is not 11 00000000", start)
        body_start = start + len(SECURITY_HEADER)
        body_end = len(data) - MAC_LENGTH
        if body_end <= body_start:
            raise GbcsDecodeError("MAC header: too short for a grouping header and MAC", start)
        header, payload, signature, omitted = _decode_general_signing(
            data, body_start, body_end, allow_omitted_signature=False
        )
        message = GbcsMessage(header, payload, signature, data[body_end:], True, omitted)
        return message, data[body_start:body_end]
    if tag == GENERAL_SIGNING_TAG:
        header, payload, signature, omitted = _decode_general_signing(
            data, 0, len(data), allow_omitted_signature=True
        )
        return GbcsMessage(header, payload, signature, None, False, omitted), data
    if tag == GENERAL_BLOCK_TRANSFER_TAG:
        raise GbcsDecodeError("general block transfer (GBT) framing is not supported", 0)
    raise GbcsDecodeError(f"not a GBCS message: starts with 0x{tag:02X}, not DD or DF", 0)


def _decode_general_signing(
    data: bytes, start: int, end: int, *, allow_omitted_signature: bool
) -> tuple[GroupingHeader, bytes, bytes | None, bool]:
    pos = start
    if end - pos < 2 + TRANSACTION_ID_LENGTH + 2 * (1 + SYSTEM_TITLE_LENGTH) + 3:
        raise GbcsDecodeError("too short for a general signing grouping header", pos)
    if data[pos] != GENERAL_SIGNING_TAG:
        raise GbcsDecodeError(f"expected general signing tag DF, got {data[pos]:02X}", pos)
    if data[pos + 1] != TRANSACTION_ID_LENGTH:
        raise GbcsDecodeError("transaction-id must be 9 bytes (CRA flag and counter)", pos + 1)
    try:
        cra = Cra(data[pos + 2])
    except ValueError:
        raise GbcsDecodeError(f"unknown CRA flag 0x{data[pos + 2]:02X}", pos + 2) from None
    counter = int.from_bytes(data[pos + 3 : pos + 11], "big")
    pos += 11
    titles = []
    for which in ("originator", "recipient"):
        if data[pos] != SYSTEM_TITLE_LENGTH:
            raise GbcsDecodeError(f"{which} system title must be 8 bytes", pos)
        titles.append(Eui64.from_bytes(data[pos + 1 : pos + 9]))
        pos += 9
    date_time: DlmsDateTime | None = None
    if data[pos] == DATE_TIME_SIZE:
        if pos + 1 + DATE_TIME_SIZE > end:
            raise GbcsDecodeError("truncated date-time", pos)
        date_time = DlmsDateTime.from_bytes(data[pos + 1 : pos + 1 + DATE_TIME_SIZE])
        pos += 1 + DATE_TIME_SIZE
    elif data[pos] == 0:
        pos += 1
    else:
        raise GbcsDecodeError(f"date-time length must be 0 or 12, got {data[pos]}", pos)
    other_length, pos = _length_within(data, pos, end, "other-information")
    other = OtherInformation.from_bytes(data[pos : pos + other_length], pos)
    pos += other_length
    content_length, pos = _length_within(data, pos, end, "content")
    payload = data[pos : pos + content_length]
    pos += content_length
    header = GroupingHeader(cra, counter, titles[0], titles[1], other, date_time)
    if pos == end:
        if allow_omitted_signature and cra is Cra.COMMAND:
            return header, payload, None, True
        raise GbcsDecodeError("missing signature length", pos)
    signature_length, pos = _length_within(data, pos, end, "signature")
    if signature_length == 0:
        signature = None
    elif signature_length == SIGNATURE_LENGTH:
        signature = data[pos : pos + SIGNATURE_LENGTH]
    else:
        raise GbcsDecodeError(f"signature must be 0 or 64 bytes, got {signature_length}", pos)
    pos += signature_length
    if pos != end:
        raise GbcsDecodeError(f"{end - pos} unexpected bytes after the signature", pos)
    return header, payload, signature, False


def _length_within(data: bytes, pos: int, end: int, what: str) -> tuple[int, int]:
    if pos >= end:
        raise GbcsDecodeError(f"{what}: missing length", pos)
    length, start = decode_length(data, pos, what, end)
    if start + length > end:
        raise GbcsDecodeError(f"{what}: {length} bytes declared, {end - start} available", pos)
    return length, start
