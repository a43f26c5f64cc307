"""DER-style length fields, as GBCS frames write them.

GBCS writes every variable length in the MAC header and the general signing grouping
header (ciphered service length, other-information length, content length, signature
length) the way DER writes lengths: one byte below 0x80, else ``81 xx`` or ``82 xx xx``.
Only the shortest form is accepted when decoding, so that a decoded message always
re-encodes to the same bytes (and a MAC or signature checked over the re-encoding is
checked over what was received). No GBCS message reaches 64 KiB, so three-byte and longer
length forms are refused.
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError

MAX_LENGTH: Final = 0xFFFF


def encode_length(length: int) -> bytes:
    """The shortest DER-style encoding of ``length`` (0 to 65535)."""
    if length < 0 or length > MAX_LENGTH:
        raise GbcsEncodeError(f"length {length} out of range 0..{MAX_LENGTH}")
    if length < 0x80:
        return bytes((length,))
    if length < 0x100:
        return bytes((0x81, length))
    return bytes((0x82, length >> 8, length & 0xFF))


def decode_length(data: bytes, offset: int, what: str, end: int | None = None) -> tuple[int, int]:
    """(length, offset after the length field) of the length field at ``offset``.

    The field must lie before ``end`` (default: the end of ``data``).
    """
    limit = len(data) if end is None else end
    if offset >= limit:
        raise GbcsDecodeError(f"{what}: missing length", offset)
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    if first == 0x81:
        if offset + 2 > limit:
            raise GbcsDecodeError(f"{what}: truncated length", offset)
        value = data[offset + 1]
        if value < 0x80:
            raise GbcsDecodeError(f"{what}: length not in its shortest form", offset)
        return value, offset + 2
    if first == 0x82:
        if offset + 3 > limit:
            raise GbcsDecodeError(f"{what}: truncated length", offset)
        value = (data[offset + 1] << 8) | data[offset + 2]
        if value < 0x100:
            raise GbcsDecodeError(f"{what}: length not in its shortest form", offset)
        return value, offset + 3
    raise GbcsDecodeError(f"{what}: unsupported length form 0x{first:02X}", offset)
