"""DER tag-length-value reading and writing: the primitive layer under every GBCS DER codec.

Why hand-written rather than asn1crypto or pyasn1 (ARCHITECTURE.md: "hand-write only what
no good library does, and say so"): GBCS DER payloads use a dozen universal types and a
few context tags, and the codec must give *byte-exact* round trips from typed values, be
``mypy --strict`` clean and reject hostile input with ``GbcsDecodeError`` only. asn1crypto
(last release 2022) and pyasn1 are untyped, would need their own module definitions
written on top, and neither promises that a value rebuilt from native Python values
re-encodes to the original bytes; a strict DER library would also refuse (or silently
normalise) the longer length form GBCS Devices use. X.509 certificates themselves are
left to ``cryptography``. What remains is small enough to own and test exhaustively (see
``tests/gbcs/der/test_tlv.py``).

The readers enforce the Distinguished Encoding Rules (X.690 clauses 10 and 11) on content:
minimal INTEGERs, NULL with no content, BIT STRINGs with zero padding bits and no trailing
zero named bits, GeneralizedTime as ``YYYYMMDDHHMMSS[.f]Z``. Lengths are read in any
definite form, because Devices write some in a longer form than DER's (``LengthForm``);
the payload layer re-encodes every typed structure and keeps it only if the bytes match,
which is what lets decoding promise ``encode(decode(x)) == x``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError

# Universal tags used by the GBCS modules (X.680 clause 8.4).
BOOLEAN: Final = 0x01
INTEGER: Final = 0x02
BIT_STRING: Final = 0x03
OCTET_STRING: Final = 0x04
NULL: Final = 0x05
ENUMERATED: Final = 0x0A
GENERALIZED_TIME: Final = 0x18
SEQUENCE: Final = 0x30

CONSTRUCTED: Final = 0x20
CONTEXT: Final = 0x80

MAX_LENGTH_OCTETS: Final = 4
"""Longest long-form length accepted: 4 GiB is far beyond any GBCS message."""

_TIME_FORM: Final = re.compile(rb"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?Z")


def context_tag(number: int, *, constructed: bool = False) -> int:
    """The identifier octet of context-specific tag ``[number]`` (0 to 30)."""
    return CONTEXT | (CONSTRUCTED if constructed else 0) | number


class LengthForm(enum.Enum):
    """How a payload writes lengths of 128 octets or more.

    DER (X.690 10.1) requires the shortest form. GBCS Devices in the reference data write
    every such length in two octets instead (``82 00 83`` where DER has ``81 83``); that
    is valid BER, and reproducing it is part of reproducing their Responses exactly.
    """

    MINIMAL = "minimal"
    TWO_OCTET = "two_octet"


_LENGTH_FORM: ContextVar[LengthForm] = ContextVar(
    "gbcs_der_length_form", default=LengthForm.MINIMAL
)


@contextmanager
def writing_lengths(form: LengthForm) -> Iterator[None]:
    """Write every length inside the block in ``form`` (the payload's length form)."""
    token = _LENGTH_FORM.set(form)
    try:
        yield
    finally:
        _LENGTH_FORM.reset(token)


def read_length(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """(length, position after the length octets) of the length field at ``pos``.

    Any definite form is accepted (the re-encoding check decides whether the structure
    reproduces it); the indefinite form is not, as no GBCS payload uses it.
    """
    if pos >= end:
        raise GbcsDecodeError("truncated DER length", pos)
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0:
        raise GbcsDecodeError("indefinite length is not DER", pos)
    if count > MAX_LENGTH_OCTETS:
        raise GbcsDecodeError("DER length too large", pos)
    if pos + 1 + count > end:
        raise GbcsDecodeError("truncated DER length", pos)
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def minimal_length_octets(length: int) -> int:
    """How many octets follow the 0x8n octet in the shortest form (0: short form)."""
    return 0 if length < 0x80 else (length.bit_length() + 7) // 8


def encode_length(length: int, octets: int | None = None) -> bytes:
    """The length field for ``length``: in ``octets`` long-form octets if given, else in
    the form the payload being written uses (shortest, unless two-octet)."""
    if octets is None:
        octets = minimal_length_octets(length)
        if octets == 1 and _LENGTH_FORM.get() is LengthForm.TWO_OCTET:
            octets = 2
    if octets == 0:
        if length >= 0x80:
            raise GbcsEncodeError(f"length {length} does not fit the short form")
        return bytes((length,))
    if not 1 <= octets <= MAX_LENGTH_OCTETS or length >= 1 << (8 * octets):
        raise GbcsEncodeError(f"length {length} does not fit {octets} length octets")
    return bytes((0x80 | octets,)) + length.to_bytes(octets, "big")


def tlv(tag: int, content: bytes) -> bytes:
    """One element with a single identifier octet."""
    return bytes((tag,)) + encode_length(len(content)) + content


class Reader:
    """A cursor over a run of DER elements (a payload, or a constructed element's content).

    Offsets in errors are positions in the original payload, so a failure deep inside a
    certificate still says where in the message it was found.
    """

    __slots__ = ("_data", "_end", "_pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self._data = data
        self._pos = pos
        self._end = len(data) if end is None else end

    @property
    def position(self) -> int:
        return self._pos

    def at_end(self) -> bool:
        return self._pos >= self._end

    def peek_tag(self) -> int | None:
        """The identifier octet of the next element, or None at the end."""
        return None if self._pos >= self._end else self._data[self._pos]

    def next_is(self, tag: int) -> bool:
        return self.peek_tag() == tag

    def element(self, tag: int | None = None) -> tuple[int, int, int]:
        """Consume one element: (identifier octet, content start, content end).

        Only single-octet identifiers are accepted here; the generic tree reader handles
        high tag numbers.
        """
        start = self._pos
        if start >= self._end:
            raise GbcsDecodeError("expected a DER element, found the end of the data", start)
        found = self._data[start]
        if found & 0x1F == 0x1F:
            raise GbcsDecodeError("high tag number where a GBCS type was expected", start)
        if tag is not None and found != tag:
            raise GbcsDecodeError(f"expected tag {tag:#04x}, found {found:#04x}", start)
        length, content = read_length(self._data, start + 1, self._end)
        if content + length > self._end:
            raise GbcsDecodeError("DER element runs past the end of its container", start)
        self._pos = content + length
        return found, content, content + length

    def raw(self, tag: int | None = None) -> bytes:
        """Consume one element and return its whole encoding (identifier to end)."""
        start = self._pos
        _, _, end = self.element(tag)
        return self._data[start:end]

    def content(self, tag: int) -> bytes:
        _, start, end = self.element(tag)
        return self._data[start:end]

    def constructed(self, tag: int = SEQUENCE) -> Reader:
        """Consume a constructed element and return a reader over its content."""
        _, start, end = self.element(tag)
        return Reader(self._data, start, end)

    def integer(self, tag: int = INTEGER) -> int:
        start = self._pos
        return decode_integer(self.content(tag), start)

    def enumerated(self, tag: int = ENUMERATED) -> int:
        return self.integer(tag)

    def octets(self, tag: int = OCTET_STRING) -> bytes:
        return self.content(tag)

    def null(self, tag: int = NULL) -> None:
        start = self._pos
        if self.content(tag):
            raise GbcsDecodeError("NULL with content", start)

    def named_bits(self, tag: int = BIT_STRING) -> int:
        """A named-bit BIT STRING as a mask (see ``decode_named_bits``)."""
        start = self._pos
        return decode_named_bits(self.content(tag), start)

    def generalized_time(self, tag: int = GENERALIZED_TIME) -> datetime:
        start = self._pos
        return decode_generalized_time(self.content(tag), start)

    def finish(self) -> None:
        """Fail unless every element has been consumed."""
        if self._pos != self._end:
            raise GbcsDecodeError("unexpected trailing DER element", self._pos)


def decode_integer(content: bytes, offset: int | None = None) -> int:
    if not content:
        raise GbcsDecodeError("INTEGER with no content", offset)
    # X.690 8.3.2: the first nine bits are never all zeros or all ones.
    if len(content) > 1 and (
        (content[0] == 0x00 and content[1] < 0x80) or (content[0] == 0xFF and content[1] >= 0x80)
    ):
        raise GbcsDecodeError("INTEGER not in its shortest form", offset)
    return int.from_bytes(content, "big", signed=True)


def encode_integer(value: int, tag: int = INTEGER) -> bytes:
    magnitude = value if value >= 0 else ~value
    return tlv(tag, value.to_bytes(magnitude.bit_length() // 8 + 1, "big", signed=True))


def decode_bit_string(content: bytes, offset: int | None = None) -> tuple[int, int]:
    if not content:
        raise GbcsDecodeError("BIT STRING with no content", offset)
    unused = content[0]
    if unused > 7 or (len(content) == 1 and unused != 0):
        raise GbcsDecodeError("BIT STRING with a bad unused-bit count", offset)
    bits = int.from_bytes(content[1:], "big")
    if bits & ((1 << unused) - 1):
        raise GbcsDecodeError("BIT STRING padding bits are not zero", offset)
    return unused, bits >> unused


def decode_named_bits(content: bytes, offset: int | None = None) -> int:
    """A named-bit BIT STRING as a mask where bit ``n`` of the result is named bit ``n``.

    X.690 11.2.2: DER drops trailing zero bits, so the last significant bit is a one.
    """
    unused, value = decode_bit_string(content, offset)
    length = (len(content) - 1) * 8 - unused
    if length and not value & 1:
        raise GbcsDecodeError("named-bit BIT STRING has trailing zero bits", offset)
    mask = 0
    for position in range(length):
        if value >> (length - 1 - position) & 1:
            mask |= 1 << position
    return mask


def encode_named_bits(mask: int, tag: int = BIT_STRING) -> bytes:
    if mask < 0:
        raise GbcsEncodeError(f"negative bit mask {mask}")
    length = mask.bit_length()
    value = 0
    for position in range(length):
        if mask >> position & 1:
            value |= 1 << (length - 1 - position)
    unused = (-length) % 8
    body = (value << unused).to_bytes((length + 7) // 8, "big") if length else b""
    return tlv(tag, bytes((unused,)) + body)


def decode_generalized_time(content: bytes, offset: int | None = None) -> datetime:
    match = _TIME_FORM.fullmatch(content)
    if match is None:
        raise GbcsDecodeError("GeneralizedTime not in the DER form YYYYMMDDHHMMSS[.f]Z", offset)
    year, month, day, hour, minute, second, fraction = match.groups()
    if fraction is not None and fraction.endswith(b"0"):
        raise GbcsDecodeError("GeneralizedTime fraction has trailing zeros", offset)
    micro = int(fraction.ljust(6, b"0")) if fraction is not None else 0
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            micro,
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise GbcsDecodeError(f"GeneralizedTime is not a real date: {exc}", offset) from None


def format_generalized_time(value: datetime) -> bytes:
    if value.tzinfo is None:
        raise GbcsEncodeError("GeneralizedTime needs an aware datetime (GBCS times are UTC)")
    value = value.astimezone(UTC)
    text = (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return (text + "Z").encode("ascii")


def encode_generalized_time(value: datetime, tag: int = GENERALIZED_TIME) -> bytes:
    return tlv(tag, format_generalized_time(value))


def encode_null(tag: int = NULL) -> bytes:
    return bytes((tag, 0))


def encode_octets(value: bytes, tag: int = OCTET_STRING) -> bytes:
    return tlv(tag, value)


def encode_constructed(tag: int, *parts: bytes) -> bytes:
    return tlv(tag, b"".join(parts))
