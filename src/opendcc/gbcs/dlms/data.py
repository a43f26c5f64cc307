"""The A-XDR ``Data`` values of DLMS/COSEM: one frozen dataclass per type of the CHOICE.

Green Book (DLMS UA 1000-2) defines ``Data`` as a CHOICE whose tag is the first byte on
the wire; this module owns the value model only (``axdr`` reads and writes it). Integer
types check their range on construction, so a tree built here always encodes.

Strings keep every byte: a visible-string holds its bytes as Latin-1 text, so any input
round-trips exactly; a utf8-string must be valid UTF-8.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime


class DataTag(enum.IntEnum):
    """The tags of the ``Data`` CHOICE (Green Book, COSEM APDUs, ``Data``)."""

    NULL_DATA = 0
    ARRAY = 1
    STRUCTURE = 2
    BOOLEAN = 3
    BIT_STRING = 4
    DOUBLE_LONG = 5
    DOUBLE_LONG_UNSIGNED = 6
    OCTET_STRING = 9
    VISIBLE_STRING = 10
    UTF8_STRING = 12
    BCD = 13
    INTEGER = 15
    LONG = 16
    UNSIGNED = 17
    LONG_UNSIGNED = 18
    COMPACT_ARRAY = 19
    LONG64 = 20
    LONG64_UNSIGNED = 21
    ENUM = 22
    FLOAT32 = 23
    FLOAT64 = 24
    DATE_TIME = 25
    DATE = 26
    TIME = 27
    DONT_CARE = 255

    @property
    def label(self) -> str:
        """The Green Book's name: ``long-unsigned``, ``octet-string``..."""
        return self.name.lower().replace("_", "-")


class Data:
    """Base of every A-XDR data value."""

    __slots__ = ()
    tag: ClassVar[DataTag]


@dataclass(frozen=True, slots=True)
class NullData(Data):
    tag: ClassVar[DataTag] = DataTag.NULL_DATA


@dataclass(frozen=True, slots=True)
class DontCare(Data):
    tag: ClassVar[DataTag] = DataTag.DONT_CARE


@dataclass(frozen=True, slots=True)
class Array(Data):
    """SEQUENCE OF Data; GBCS puts values of one shape in it."""

    items: tuple[Data, ...] = ()
    tag: ClassVar[DataTag] = DataTag.ARRAY

    def __post_init__(self) -> None:
        if type(self.items) is not tuple:
            object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True, slots=True)
class Structure(Data):
    """SEQUENCE OF Data of possibly different types."""

    items: tuple[Data, ...] = ()
    tag: ClassVar[DataTag] = DataTag.STRUCTURE

    def __post_init__(self) -> None:
        if type(self.items) is not tuple:
            object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True, slots=True)
class Boolean(Data):
    """A boolean. A-XDR reads any non-zero octet as TRUE; GBCS writes TRUE as 0xFF.

    ``raw`` keeps any other TRUE octet (0x01, say) so such input re-encodes exactly.
    """

    value: bool
    raw: int | None = None
    tag: ClassVar[DataTag] = DataTag.BOOLEAN

    def __post_init__(self) -> None:
        if self.raw is None:
            return
        if not (1 <= self.raw <= 255 if self.value else self.raw == 0):
            raise GbcsEncodeError(f"boolean raw octet {self.raw!r} does not match {self.value}")
        if self.raw in (0, 0xFF):  # the canonical octets need no record
            object.__setattr__(self, "raw", None)

    @property
    def octet(self) -> int:
        if self.raw is not None:
            return self.raw
        return 0xFF if self.value else 0


@dataclass(frozen=True, slots=True)
class BitString(Data):
    """``length`` bits, most significant first, in ``ceil(length / 8)`` octets."""

    length: int
    data: bytes
    tag: ClassVar[DataTag] = DataTag.BIT_STRING

    def __post_init__(self) -> None:
        if self.length < 0 or len(self.data) != (self.length + 7) // 8:
            raise GbcsEncodeError(
                f"bit-string of {self.length} bits needs {(self.length + 7) // 8} octets"
            )

    @classmethod
    def from_bits(cls, bits: str) -> BitString:
        """From a string of ``0`` and ``1``, first bit first."""
        if any(ch not in "01" for ch in bits):
            raise GbcsEncodeError(f"not a bit string: {bits!r}")
        padded = bits + "0" * (-len(bits) % 8)
        data = bytes(int(padded[i : i + 8], 2) for i in range(0, len(padded), 8))
        return cls(len(bits), data)

    @property
    def bits(self) -> str:
        text = "".join(f"{octet:08b}" for octet in self.data)
        return text[: self.length]


@dataclass(frozen=True, slots=True)
class _IntegerData(Data):
    value: int
    size: ClassVar[int]
    signed: ClassVar[bool]

    def __post_init__(self) -> None:
        bits = self.size * 8
        low, high = (
            (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if self.signed else (0, (1 << bits) - 1)
        )
        if type(self.value) is not int or not low <= self.value <= high:
            raise GbcsEncodeError(f"{self.tag.label} out of range: {self.value!r}")


@dataclass(frozen=True, slots=True)
class Integer(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.INTEGER
    size: ClassVar[int] = 1
    signed: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Long(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.LONG
    size: ClassVar[int] = 2
    signed: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class DoubleLong(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.DOUBLE_LONG
    size: ClassVar[int] = 4
    signed: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Long64(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.LONG64
    size: ClassVar[int] = 8
    signed: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Unsigned(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.UNSIGNED
    size: ClassVar[int] = 1
    signed: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class LongUnsigned(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.LONG_UNSIGNED
    size: ClassVar[int] = 2
    signed: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class DoubleLongUnsigned(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.DOUBLE_LONG_UNSIGNED
    size: ClassVar[int] = 4
    signed: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class Long64Unsigned(_IntegerData):
    tag: ClassVar[DataTag] = DataTag.LONG64_UNSIGNED
    size: ClassVar[int] = 8
    signed: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class Enum(_IntegerData):
    """An enumerated value (one octet); its meaning depends on the attribute."""

    tag: ClassVar[DataTag] = DataTag.ENUM
    size: ClassVar[int] = 1
    signed: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class Bcd(_IntegerData):
    """The ``bcd`` type: one octet, kept as the octet's signed value (Integer8)."""

    tag: ClassVar[DataTag] = DataTag.BCD
    size: ClassVar[int] = 1
    signed: ClassVar[bool] = True


INTEGER_TYPES: tuple[type[_IntegerData], ...] = (
    Integer,
    Long,
    DoubleLong,
    Long64,
    Unsigned,
    LongUnsigned,
    DoubleLongUnsigned,
    Long64Unsigned,
    Enum,
    Bcd,
)


@dataclass(frozen=True, slots=True)
class Float32(Data):
    """IEEE 754 single precision; ``raw`` keeps a NaN's exact octets (its payload)."""

    value: float
    raw: bytes | None = None
    tag: ClassVar[DataTag] = DataTag.FLOAT32


@dataclass(frozen=True, slots=True)
class Float64(Data):
    """IEEE 754 double precision; ``raw`` keeps a NaN's exact octets (its payload)."""

    value: float
    raw: bytes | None = None
    tag: ClassVar[DataTag] = DataTag.FLOAT64


@dataclass(frozen=True, slots=True)
class OctetString(Data):
    """An octet-string; GBCS carries date-times, identifiers and OBIS codes in them."""

    value: bytes
    tag: ClassVar[DataTag] = DataTag.OCTET_STRING

    def __post_init__(self) -> None:
        if not isinstance(self.value, bytes):
            object.__setattr__(self, "value", bytes(self.value))


@dataclass(frozen=True, slots=True)
class EncryptedOctetString(Data):
    """An octet-string holding a ciphered block: GBCS's protected attribute values.

    The octets are a security header (the security control byte, 0x31 in GBCS, and a
    4-octet invocation counter), the ciphertext and a 12-octet authentication tag (Green
    Book 9.2.7.2; GBCS 7.3.2 payload encryption). The block is kept whole so the payload
    re-encodes exactly; ``plaintext`` is the decrypted A-XDR value when a decryptor was
    available, else None.
    """

    security_control: int
    invocation_counter: int
    ciphertext: bytes
    auth_tag: bytes
    plaintext: Data | None = None
    tag: ClassVar[DataTag] = DataTag.OCTET_STRING

    def __post_init__(self) -> None:
        if not 0 <= self.security_control <= 0xFF:
            raise GbcsEncodeError(f"security control byte out of range: {self.security_control}")
        if not 0 <= self.invocation_counter <= 0xFFFFFFFF:
            raise GbcsEncodeError(f"invocation counter out of range: {self.invocation_counter}")
        if len(self.auth_tag) != AUTH_TAG_LENGTH:
            raise GbcsEncodeError(f"authentication tag must be {AUTH_TAG_LENGTH} octets")

    @classmethod
    def parse(cls, octets: bytes, plaintext: Data | None = None) -> EncryptedOctetString:
        """Split the octets of a ciphered block (the caller has checked its length)."""
        return cls(
            octets[0],
            int.from_bytes(octets[1:5], "big"),
            octets[5:-AUTH_TAG_LENGTH],
            octets[-AUTH_TAG_LENGTH:],
            plaintext,
        )

    @property
    def value(self) -> bytes:
        """The octets on the wire, as ``context.decrypt`` receives them."""
        return (
            bytes((self.security_control,))
            + self.invocation_counter.to_bytes(4, "big")
            + self.ciphertext
            + self.auth_tag
        )


AUTH_TAG_LENGTH = 12
"""GBCS truncates GCM authentication tags to 12 octets (GBCS 7.3.2)."""


@dataclass(frozen=True, slots=True)
class VisibleString(Data):
    """A visible-string; the text is the octets read as Latin-1 (exact for any octets)."""

    value: str
    tag: ClassVar[DataTag] = DataTag.VISIBLE_STRING

    def __post_init__(self) -> None:
        try:
            self.value.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise GbcsEncodeError(f"visible-string holds non-Latin-1 text: {self.value!r}") from exc


@dataclass(frozen=True, slots=True)
class Utf8String(Data):
    value: str
    tag: ClassVar[DataTag] = DataTag.UTF8_STRING


@dataclass(frozen=True, slots=True)
class DateTimeData(Data):
    """The ``date-time`` type (tag 25): twelve octets without a length."""

    value: CosemDateTime
    tag: ClassVar[DataTag] = DataTag.DATE_TIME


@dataclass(frozen=True, slots=True)
class DateData(Data):
    value: CosemDate
    tag: ClassVar[DataTag] = DataTag.DATE


@dataclass(frozen=True, slots=True)
class TimeData(Data):
    value: CosemTime
    tag: ClassVar[DataTag] = DataTag.TIME


@dataclass(frozen=True, slots=True)
class TypeDescription:
    """The contents-description of a compact-array (Green Book ``TypeDescription``).

    ``array`` carries its element count and one element description; ``structure`` one
    description per member; every other tag stands alone.
    """

    tag: DataTag
    elements: tuple[TypeDescription, ...] = ()
    count: int = 0

    def __post_init__(self) -> None:
        if type(self.elements) is not tuple:
            object.__setattr__(self, "elements", tuple(self.elements))
        if self.tag is DataTag.ARRAY:
            if len(self.elements) != 1 or not 0 <= self.count <= 0xFFFF:
                raise GbcsEncodeError("an array type description has one element type and a count")
        elif self.tag is not DataTag.STRUCTURE and (self.elements or self.count):
            raise GbcsEncodeError(f"{self.tag.label} type description takes no elements")
        if self.tag is DataTag.COMPACT_ARRAY:
            raise GbcsEncodeError("a compact-array cannot describe a compact-array")


@dataclass(frozen=True, slots=True)
class CompactArray(Data):
    """A compact-array: one type description, then the elements' contents without tags."""

    description: TypeDescription
    items: tuple[Data, ...] = ()
    tag: ClassVar[DataTag] = DataTag.COMPACT_ARRAY

    def __post_init__(self) -> None:
        if type(self.items) is not tuple:
            object.__setattr__(self, "items", tuple(self.items))


def describe(value: Data) -> TypeDescription:
    """The type description a compact-array of values shaped like ``value`` would carry."""
    if isinstance(value, Structure):
        return TypeDescription(DataTag.STRUCTURE, tuple(describe(item) for item in value.items))
    if isinstance(value, Array):
        if not value.items:
            raise GbcsEncodeError("cannot describe the element type of an empty array")
        return TypeDescription(DataTag.ARRAY, (describe(value.items[0]),), len(value.items))
    if isinstance(value, CompactArray):
        raise GbcsEncodeError("a compact-array cannot hold a compact-array")
    return TypeDescription(value.tag)
