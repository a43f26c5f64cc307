"""ZCL data types and typed attribute values (ZigBee Cluster Library, clause 2.6.2).

An attribute travels with a one-byte data type identifier and a value whose encoding the
type fixes: little-endian integers of 1 to 8 bytes, length-prefixed strings, and the
collection types (array, set, bag, structure). ``ZclValue`` keeps exactly what was on the
wire so that re-encoding reproduces it: integers stay integers (floats keep their raw bit
pattern, booleans their raw byte), strings stay bytes (a character string may hold bytes
that are not text, as GBCS model identifiers do), and the ZCL "invalid" string length
(0xFF, or 0xFFFF for long strings) is kept as ``None``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.gbz.wire import Reader, int_le, uint_le


class ZclDataType(enum.IntEnum):
    """Data type identifiers (ZCL Table 2-10)."""

    NO_DATA = 0x00
    DATA8 = 0x08
    DATA16 = 0x09
    DATA24 = 0x0A
    DATA32 = 0x0B
    DATA40 = 0x0C
    DATA48 = 0x0D
    DATA56 = 0x0E
    DATA64 = 0x0F
    BOOLEAN = 0x10
    BITMAP8 = 0x18
    BITMAP16 = 0x19
    BITMAP24 = 0x1A
    BITMAP32 = 0x1B
    BITMAP40 = 0x1C
    BITMAP48 = 0x1D
    BITMAP56 = 0x1E
    BITMAP64 = 0x1F
    UINT8 = 0x20
    UINT16 = 0x21
    UINT24 = 0x22
    UINT32 = 0x23
    UINT40 = 0x24
    UINT48 = 0x25
    UINT56 = 0x26
    UINT64 = 0x27
    INT8 = 0x28
    INT16 = 0x29
    INT24 = 0x2A
    INT32 = 0x2B
    INT40 = 0x2C
    INT48 = 0x2D
    INT56 = 0x2E
    INT64 = 0x2F
    ENUM8 = 0x30
    ENUM16 = 0x31
    SEMI_PRECISION = 0x38
    SINGLE_PRECISION = 0x39
    DOUBLE_PRECISION = 0x3A
    OCTET_STRING = 0x41
    CHARACTER_STRING = 0x42
    LONG_OCTET_STRING = 0x43
    LONG_CHARACTER_STRING = 0x44
    ARRAY = 0x48
    STRUCTURE = 0x4C
    SET = 0x50
    BAG = 0x51
    TIME_OF_DAY = 0xE0
    DATE = 0xE1
    UTC_TIME = 0xE2
    CLUSTER_ID = 0xE8
    ATTRIBUTE_ID = 0xE9
    BACNET_OID = 0xEA
    IEEE_ADDRESS = 0xF0
    SECURITY_KEY_128 = 0xF1
    UNKNOWN = 0xFF

    @property
    def label(self) -> str:
        """The JSON name: ``uint48``, ``octet_string``, ``utc_time``..."""
        return self.name.lower()


_SIGNED: Final = frozenset(
    {
        ZclDataType.INT8,
        ZclDataType.INT16,
        ZclDataType.INT24,
        ZclDataType.INT32,
        ZclDataType.INT40,
        ZclDataType.INT48,
        ZclDataType.INT56,
        ZclDataType.INT64,
    }
)

# Fixed-size types whose value is an integer (little-endian on the wire).
INTEGER_SIZES: Final[dict[ZclDataType, int]] = {
    **{ZclDataType(0x08 + i): i + 1 for i in range(8)},
    ZclDataType.BOOLEAN: 1,
    **{ZclDataType(0x18 + i): i + 1 for i in range(8)},
    **{ZclDataType(0x20 + i): i + 1 for i in range(8)},
    **{ZclDataType(0x28 + i): i + 1 for i in range(8)},
    ZclDataType.ENUM8: 1,
    ZclDataType.ENUM16: 2,
    ZclDataType.SEMI_PRECISION: 2,
    ZclDataType.SINGLE_PRECISION: 4,
    ZclDataType.DOUBLE_PRECISION: 8,
    ZclDataType.UTC_TIME: 4,
    ZclDataType.CLUSTER_ID: 2,
    ZclDataType.ATTRIBUTE_ID: 2,
    ZclDataType.BACNET_OID: 4,
    ZclDataType.IEEE_ADDRESS: 8,
}

# Fixed-size types kept as raw octets (their fields are bytes, not one number).
OCTET_SIZES: Final[dict[ZclDataType, int]] = {
    ZclDataType.TIME_OF_DAY: 4,
    ZclDataType.DATE: 4,
    ZclDataType.SECURITY_KEY_128: 16,
}

# Length-prefixed strings: size of the length field.
STRING_LENGTH_SIZES: Final[dict[ZclDataType, int]] = {
    ZclDataType.OCTET_STRING: 1,
    ZclDataType.CHARACTER_STRING: 1,
    ZclDataType.LONG_OCTET_STRING: 2,
    ZclDataType.LONG_CHARACTER_STRING: 2,
}

COLLECTION_TYPES: Final = frozenset({ZclDataType.ARRAY, ZclDataType.SET, ZclDataType.BAG})

_MAX_DEPTH: Final = 8  # nesting limit for collections: hostile input cannot recurse far

ZclScalar = int | bytes | None


@dataclass(frozen=True, slots=True)
class ZclValue:
    """One typed value, as carried by attribute records.

    ``value`` is an ``int`` for integer-like types, ``bytes`` for strings and octet types
    (``None`` for the ZCL invalid string), and a tuple of ``ZclValue`` for collections;
    ``element_type`` names the element type of an array, set or bag.
    """

    type: ZclDataType
    value: ZclScalar | tuple[ZclValue, ...]
    element_type: ZclDataType | None = None

    def __post_init__(self) -> None:
        check_value(self, 0)

    # --- convenience constructors ---------------------------------------------------------

    @classmethod
    def uint(cls, bits: int, value: int) -> ZclValue:
        return cls(ZclDataType(0x20 + bits // 8 - 1), value)

    @classmethod
    def int_(cls, bits: int, value: int) -> ZclValue:
        return cls(ZclDataType(0x28 + bits // 8 - 1), value)

    @classmethod
    def enum8(cls, value: int) -> ZclValue:
        return cls(ZclDataType.ENUM8, value)

    @classmethod
    def bitmap(cls, bits: int, value: int) -> ZclValue:
        return cls(ZclDataType(0x18 + bits // 8 - 1), value)

    @classmethod
    def octets(cls, value: bytes | None) -> ZclValue:
        return cls(ZclDataType.OCTET_STRING, value)

    @classmethod
    def text(cls, value: str) -> ZclValue:
        return cls(ZclDataType.CHARACTER_STRING, value.encode("utf-8"))

    @classmethod
    def utc(cls, seconds_since_2000: int) -> ZclValue:
        return cls(ZclDataType.UTC_TIME, seconds_since_2000)

    @property
    def number(self) -> int | None:
        """The integer value (signed for signed types), or None for non-integers."""
        return self.value if isinstance(self.value, int) else None


def check_value(v: ZclValue, depth: int) -> None:
    """Raise ``GbcsEncodeError`` unless ``v`` can be written as its type."""
    if depth > _MAX_DEPTH:
        raise GbcsEncodeError("ZCL value nested too deeply")
    t = v.type
    if t in INTEGER_SIZES:
        if not isinstance(v.value, int) or isinstance(v.value, bool):
            raise GbcsEncodeError(f"{t.label} needs an integer, got {v.value!r}")
        bits = 8 * INTEGER_SIZES[t]
        lo, hi = (
            (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if t in _SIGNED else (0, (1 << bits) - 1)
        )
        if not lo <= v.value <= hi:
            raise GbcsEncodeError(f"{t.label} value {v.value} out of range")
    elif t in OCTET_SIZES:
        if not isinstance(v.value, bytes) or len(v.value) != OCTET_SIZES[t]:
            raise GbcsEncodeError(f"{t.label} needs {OCTET_SIZES[t]} bytes")
    elif t in STRING_LENGTH_SIZES:
        if v.value is not None and not isinstance(v.value, bytes):
            raise GbcsEncodeError(f"{t.label} needs bytes or None")
        limit = 0xFE if STRING_LENGTH_SIZES[t] == 1 else 0xFFFE
        if isinstance(v.value, bytes) and len(v.value) > limit:
            raise GbcsEncodeError(f"{t.label} longer than {limit} bytes")
    elif t in COLLECTION_TYPES or t is ZclDataType.STRUCTURE:
        if not isinstance(v.value, tuple):
            raise GbcsEncodeError(f"{t.label} needs a tuple of values")
        if len(v.value) > 0xFFFE:
            raise GbcsEncodeError(f"{t.label} has too many elements")
        if t is not ZclDataType.STRUCTURE:
            if v.element_type is None:
                raise GbcsEncodeError(f"{t.label} needs an element type")
            if any(e.type is not v.element_type for e in v.value):
                raise GbcsEncodeError(f"{t.label} elements must all be {v.element_type.label}")
        for element in v.value:
            if not isinstance(element, ZclValue):
                raise GbcsEncodeError(f"{t.label} elements must be ZclValue")
            check_value(element, depth + 1)
    elif t in (ZclDataType.NO_DATA, ZclDataType.UNKNOWN) and v.value is not None:
        raise GbcsEncodeError(f"{t.label} carries no value")
    if v.element_type is not None and t not in COLLECTION_TYPES:
        raise GbcsEncodeError(f"{t.label} has no element type")


def read_value(r: Reader, type_id: int, depth: int = 0) -> ZclValue:
    """Read the value of ``type_id`` (the type byte has been read already)."""
    try:
        t = ZclDataType(type_id)
    except ValueError:
        raise r.fail(f"unknown ZCL data type 0x{type_id:02X}") from None
    if depth > _MAX_DEPTH:
        raise r.fail("ZCL value nested too deeply")
    size = INTEGER_SIZES.get(t)
    if size is not None:
        n = r.int_le(size, t.label) if t in _SIGNED else r.uint_le(size, t.label)
        return ZclValue(t, n)
    size = OCTET_SIZES.get(t)
    if size is not None:
        return ZclValue(t, r.take(size, t.label))
    size = STRING_LENGTH_SIZES.get(t)
    if size is not None:
        length = r.uint_le(size, f"{t.label} length")
        if length == (1 << (8 * size)) - 1:
            return ZclValue(t, None)
        return ZclValue(t, r.take(length, t.label))
    if t in COLLECTION_TYPES:
        element_id = r.u8("element type")
        try:
            element_type = ZclDataType(element_id)
        except ValueError:
            raise r.fail(f"unknown ZCL data type 0x{element_id:02X}") from None
        count = r.uint_le(2, "element count")
        if count == 0xFFFF:
            raise r.fail("invalid (0xFFFF) collection count is not supported")
        return ZclValue(t, _read_elements(r, element_id, count, depth), element_type)
    if t is ZclDataType.STRUCTURE:
        count = r.uint_le(2, "structure count")
        if count == 0xFFFF:
            raise r.fail("invalid (0xFFFF) structure count is not supported")
        items = []
        for _ in range(count):
            items.append(read_value(r, r.u8("element type"), depth + 1))
        return ZclValue(t, tuple(items))
    if t in (ZclDataType.NO_DATA, ZclDataType.UNKNOWN):
        return ZclValue(t, None)
    raise r.fail(f"unsupported ZCL data type {t.label}")  # pragma: no cover - all listed


def _read_elements(r: Reader, element_id: int, count: int, depth: int) -> tuple[ZclValue, ...]:
    # Every element needs at least one byte unless it is NO_DATA: bound work by input size.
    if element_id not in (ZclDataType.NO_DATA, ZclDataType.UNKNOWN) and count > r.remaining:
        raise r.fail(f"collection claims {count} elements, only {r.remaining} bytes left")
    return tuple(read_value(r, element_id, depth + 1) for _ in range(count))


def write_value(v: ZclValue, out: bytearray) -> None:
    """Append the encoding of ``v`` (without its type byte)."""
    t = v.type
    size = INTEGER_SIZES.get(t)
    if size is not None:
        assert isinstance(v.value, int)
        out += int_le(v.value, size) if t in _SIGNED else uint_le(v.value, size)
        return
    if t in OCTET_SIZES:
        assert isinstance(v.value, bytes)
        out += v.value
        return
    size = STRING_LENGTH_SIZES.get(t)
    if size is not None:
        if v.value is None:
            out += b"\xff" * size
        else:
            assert isinstance(v.value, bytes)
            out += uint_le(len(v.value), size)
            out += v.value
        return
    if t in COLLECTION_TYPES:
        assert isinstance(v.value, tuple) and v.element_type is not None
        out.append(v.element_type)
        out += uint_le(len(v.value), 2)
        for element in v.value:
            write_value(element, out)
        return
    if t is ZclDataType.STRUCTURE:
        assert isinstance(v.value, tuple)
        out += uint_le(len(v.value), 2)
        for element in v.value:
            out.append(element.type)
            write_value(element, out)
        return
    # NO_DATA and UNKNOWN carry nothing.


def value_to_json(v: ZclValue) -> dict[str, object]:
    """A JSON-safe dict that ``value_from_json`` turns back into ``v``."""
    out: dict[str, object] = {"type": v.type.label}
    if isinstance(v.value, tuple):
        if v.element_type is not None:
            out["element_type"] = v.element_type.label
        out["elements"] = [value_to_json(e) for e in v.value]
    elif isinstance(v.value, bytes):
        out["hex"] = v.value.hex()
        if v.type in (ZclDataType.CHARACTER_STRING, ZclDataType.LONG_CHARACTER_STRING):
            text = printable_text(v.value)
            if text is not None:
                out["text"] = text
    elif isinstance(v.value, int):
        out["value"] = v.value
    elif v.type in STRING_LENGTH_SIZES:
        out["invalid"] = True
    return out


def printable_text(data: bytes) -> str | None:
    """``data`` as text when it is printable ASCII, else None."""
    if all(0x20 <= b < 0x7F for b in data):
        return data.decode("ascii")
    return None


def data_type_from_label(label: object) -> ZclDataType:
    if not isinstance(label, str):
        raise GbcsEncodeError(f"data type must be a name, got {label!r}")
    try:
        return ZclDataType[label.upper()]
    except KeyError:
        raise GbcsEncodeError(f"unknown ZCL data type {label!r}") from None


def value_from_json(obj: object) -> ZclValue:
    if not isinstance(obj, dict):
        raise GbcsEncodeError(f"a ZCL value must be an object, got {obj!r}")
    t = data_type_from_label(obj.get("type"))
    if t in COLLECTION_TYPES or t is ZclDataType.STRUCTURE:
        elements = obj.get("elements")
        if not isinstance(elements, list):
            raise GbcsEncodeError(f"{t.label} needs 'elements'")
        element_type = None
        if t is not ZclDataType.STRUCTURE:
            element_type = data_type_from_label(obj.get("element_type"))
        return ZclValue(t, tuple(value_from_json(e) for e in elements), element_type)
    if t in OCTET_SIZES or t in STRING_LENGTH_SIZES:
        if obj.get("invalid") is True:
            return ZclValue(t, None)
        if "hex" in obj:
            return ZclValue(t, _hex(obj["hex"]))
        text = obj.get("text")
        if isinstance(text, str):
            return ZclValue(t, text.encode("utf-8"))
        raise GbcsEncodeError(f"{t.label} needs 'hex' or 'text'")
    if t in INTEGER_SIZES:
        value = obj.get("value")
        if not isinstance(value, int) or isinstance(value, bool):
            raise GbcsEncodeError(f"{t.label} needs an integer 'value'")
        return ZclValue(t, value)
    return ZclValue(t, None)


def _hex(text: object) -> bytes:
    if not isinstance(text, str):
        raise GbcsEncodeError(f"expected a hex string, got {text!r}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise GbcsEncodeError(f"not hex: {text!r}") from None
