"""A-XDR encoding (IEC 61334-6) of the DLMS ``Data`` CHOICE, lengths and compact arrays.

Hand-written: no maintained Python library encodes A-XDR ``Data`` exactly and sans-I/O.
Decoding is strict where strictness guarantees ``encode(decode(x)) == x``: lengths must
use their shortest form, and anything left over is an error for the caller to report.
Every failure is a ``GbcsDecodeError`` carrying the offset of the offending byte.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.dlms.data import (
    Array,
    Bcd,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DataTag,
    DateData,
    DateTimeData,
    DontCare,
    DoubleLong,
    DoubleLongUnsigned,
    EncryptedOctetString,
    Enum,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    TimeData,
    TypeDescription,
    Unsigned,
    Utf8String,
    VisibleString,
    _IntegerData,
)
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime

MAX_DEPTH: Final = 48
"""Nesting deeper than this is refused: no GBCS payload comes close, hostile input might."""

_NULL: Final = NullData()
_DONT_CARE: Final = DontCare()

# Decoded values are valid by construction, so decoding builds them without running the
# dataclass __init__ and its checks: allocate, then fill the slot (3x faster, and the
# codec's hot path). Small integers, the bulk of GBCS data, come from a cache.
_new: Final = object.__new__
_set_items: Final = Array.__dict__["items"].__set__
_set_structure_items: Final = Structure.__dict__["items"].__set__
_set_octets: Final = OctetString.__dict__["value"].__set__
_set_integer: Final = _IntegerData.__dict__["value"].__set__


def _array_of(items: tuple[Data, ...]) -> Array:
    value = _new(Array)
    _set_items(value, items)
    return value


def _structure_of(items: tuple[Data, ...]) -> Structure:
    value = _new(Structure)
    _set_structure_items(value, items)
    return value


def _octets_of(raw: bytes) -> OctetString:
    value = _new(OctetString)
    _set_octets(value, raw)
    return value


_INTEGER_CLASSES: Final[dict[int, type[_IntegerData]]] = {
    cls.tag: cls
    for cls in (
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
}
_FIXED_SIZES: Final[dict[int, int]] = {
    DataTag.BOOLEAN: 1,
    DataTag.FLOAT32: 4,
    DataTag.FLOAT64: 8,
    DataTag.DATE_TIME: 12,
    DataTag.DATE: 5,
    DataTag.TIME: 4,
    **{tag: cls.size for tag, cls in _INTEGER_CLASSES.items()},
}


class Reader:
    """A cursor over bytes; every read checks bounds and reports the offset on failure."""

    __slots__ = ("buf", "end", "pos")

    def __init__(self, buf: bytes, pos: int = 0, end: int | None = None) -> None:
        self.buf = buf
        self.pos = pos
        self.end = len(buf) if end is None else end

    def fail(self, reason: str, at: int | None = None) -> GbcsDecodeError:
        return GbcsDecodeError(reason, self.pos if at is None else at)

    def remaining(self) -> int:
        return self.end - self.pos

    def byte(self, what: str) -> int:
        if self.pos >= self.end:
            raise self.fail(f"truncated: expected {what}")
        value = self.buf[self.pos]
        self.pos += 1
        return value

    def take(self, size: int, what: str) -> bytes:
        if size > self.end - self.pos:
            raise self.fail(f"truncated: {what} needs {size} bytes, {self.end - self.pos} left")
        start = self.pos
        self.pos += size
        return self.buf[start : self.pos]

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def length(self, what: str) -> int:
        """An A-XDR length: one octet below 0x80, else 0x8N then N octets (shortest form)."""
        start = self.pos
        first = self.byte(f"{what} length")
        if first < 0x80:
            return first
        count = first & 0x7F
        if count == 0 or count > 4:
            raise self.fail(f"{what}: unsupported length form {first:#04x}", start)
        value = self.uint(count, f"{what} length")
        if value < 0x80 or value >> (8 * (count - 1)) == 0:
            raise self.fail(f"{what}: length {value} not in its shortest form", start)
        return value

    def expect_end(self, what: str) -> None:
        if self.pos != self.end:
            raise self.fail(f"{self.end - self.pos} unexpected bytes after {what}")


def encode_length(value: int) -> bytes:
    if value < 0:
        raise GbcsEncodeError(f"negative length {value}")
    if value < 0x80:
        return bytes((value,))
    size = (value.bit_length() + 7) // 8
    if size > 4:
        raise GbcsEncodeError(f"length {value} too large for A-XDR")
    return bytes((0x80 | size,)) + value.to_bytes(size, "big")


# ---------------------------------------------------------------------------------------
# Decoding


def decode_data(reader: Reader, depth: int = 0) -> Data:
    """One tagged ``Data`` value at the reader's position."""
    start = reader.pos
    if start >= reader.end:
        raise reader.fail("truncated: expected a data tag")
    tag = reader.buf[start]
    reader.pos = start + 1
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise reader.fail(f"unknown data tag {tag:#04x}", start)
    if depth > MAX_DEPTH:
        raise reader.fail("data nested too deeply", start)
    return decoder(reader, depth)


def data_from_bytes(buf: bytes) -> Data:
    """Exactly one ``Data`` value filling ``buf``."""
    reader = Reader(buf)
    value = decode_data(reader)
    reader.expect_end("the data value")
    return value


def _sequence(reader: Reader, depth: int, what: str) -> tuple[Data, ...]:
    count = reader.length(what)
    if count > reader.remaining():
        raise reader.fail(f"{what} of {count} elements cannot fit in {reader.remaining()} bytes")
    depth += 1
    return tuple([decode_data(reader, depth) for _ in range(count)])


def _array(reader: Reader, depth: int) -> Data:
    return _array_of(_sequence(reader, depth, "array"))


def _structure(reader: Reader, depth: int) -> Data:
    return _structure_of(_sequence(reader, depth, "structure"))


def _boolean(reader: Reader, _depth: int) -> Data:
    octet = reader.byte("a boolean")
    return Boolean(octet != 0, None if octet in (0, 0xFF) else octet)


def _bit_string(reader: Reader, _depth: int) -> Data:
    bits = reader.length("bit-string")
    return BitString(bits, reader.take((bits + 7) // 8, "bit-string"))


def _octet_string(reader: Reader, _depth: int) -> Data:
    return _octets_of(reader.take(reader.length("octet-string"), "octet-string"))


def _visible_string(reader: Reader, _depth: int) -> Data:
    return VisibleString(
        reader.take(reader.length("visible-string"), "visible-string").decode("latin-1")
    )


def _utf8_string(reader: Reader, _depth: int) -> Data:
    start = reader.pos
    raw = reader.take(reader.length("utf8-string"), "utf8-string")
    try:
        return Utf8String(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise reader.fail("utf8-string is not valid UTF-8", start) from exc


def _integer_decoder(cls: type[_IntegerData]) -> Callable[[Reader, int], Data]:
    size, signed, label = cls.size, cls.signed, cls.tag.label
    low = -128 if signed and size == 1 else 0
    cached = {v: cls(v) for v in range(low, low + 256)}
    lookup = cached.get
    from_bytes = int.from_bytes

    def decode(reader: Reader, _depth: int) -> Data:
        pos = reader.pos
        end = pos + size
        if end > reader.end:
            raise reader.fail(f"truncated: {label} needs {size} bytes, {reader.end - pos} left")
        reader.pos = end
        number = from_bytes(reader.buf[pos:end], "big", signed=signed)
        found = lookup(number)
        if found is not None:
            return found
        value = _new(cls)
        _set_integer(value, number)
        return value

    return decode


def float_from_octets(raw: bytes) -> Float32 | Float64:
    """A float from its 4 or 8 octets; a NaN keeps its octets, since Python may not."""
    value: float = struct.unpack(">f" if len(raw) == 4 else ">d", raw)[0]
    kept = raw if math.isnan(value) else None
    return Float32(value, kept) if len(raw) == 4 else Float64(value, kept)


def float_octets(value: Float32 | Float64) -> bytes:
    if value.raw is not None:
        return value.raw
    try:
        return struct.pack(">f" if isinstance(value, Float32) else ">d", value.value)
    except OverflowError as exc:
        raise GbcsEncodeError(f"{value.tag.label} out of range: {value.value!r}") from exc


def _float32(reader: Reader, _depth: int) -> Data:
    return float_from_octets(reader.take(4, "float32"))


def _float64(reader: Reader, _depth: int) -> Data:
    return float_from_octets(reader.take(8, "float64"))


def _date_time(reader: Reader, _depth: int) -> Data:
    return DateTimeData(CosemDateTime.from_bytes(reader.take(12, "date-time")))


def _date(reader: Reader, _depth: int) -> Data:
    return DateData(CosemDate.from_bytes(reader.take(5, "date")))


def _time(reader: Reader, _depth: int) -> Data:
    return TimeData(CosemTime.from_bytes(reader.take(4, "time")))


def _null(_reader: Reader, _depth: int) -> Data:
    return _NULL


def _dont_care(_reader: Reader, _depth: int) -> Data:
    return _DONT_CARE


def _type_description(reader: Reader, depth: int) -> TypeDescription:
    start = reader.pos
    if depth > MAX_DEPTH:
        raise reader.fail("type description nested too deeply", start)
    tag = reader.byte("a type description")
    if tag == DataTag.ARRAY:
        count = reader.uint(2, "array element count")
        return TypeDescription(DataTag.ARRAY, (_type_description(reader, depth + 1),), count)
    if tag == DataTag.STRUCTURE:
        members = reader.length("structure description")
        if members > reader.remaining():
            raise reader.fail(f"structure description of {members} members is truncated")
        return TypeDescription(
            DataTag.STRUCTURE, tuple(_type_description(reader, depth + 1) for _ in range(members))
        )
    if tag == DataTag.COMPACT_ARRAY or (tag not in _DECODERS):
        raise reader.fail(f"type description names unusable tag {tag:#04x}", start)
    return TypeDescription(DataTag(tag))


def _content_size(desc: TypeDescription) -> int | None:
    """The fixed size of one element's contents, or None when it varies."""
    if desc.tag == DataTag.STRUCTURE:
        total = 0
        for member in desc.elements:
            size = _content_size(member)
            if size is None:
                return None
            total += size
        return total
    if desc.tag == DataTag.ARRAY:
        size = _content_size(desc.elements[0])
        return None if size is None else size * desc.count
    if desc.tag in (DataTag.NULL_DATA, DataTag.DONT_CARE):
        return 0
    return _FIXED_SIZES.get(desc.tag)


def _untagged(reader: Reader, desc: TypeDescription, depth: int) -> Data:
    """A value described by ``desc`` whose own tag (and nested tags) are not written."""
    if depth > MAX_DEPTH:
        raise reader.fail("compact-array contents nested too deeply")
    if desc.tag == DataTag.STRUCTURE:
        return _structure_of(
            tuple([_untagged(reader, member, depth + 1) for member in desc.elements])
        )
    if desc.tag == DataTag.ARRAY:
        element = desc.elements[0]
        size = _content_size(element)
        if size is not None and size * desc.count > reader.remaining():
            raise reader.fail("compact-array element array is truncated")
        if size == 0 and desc.count:
            raise reader.fail("compact-array of elements without content")
        return _array_of(tuple([_untagged(reader, element, depth + 1) for _ in range(desc.count)]))
    return _DECODERS[desc.tag](reader, depth + 1)


def _compact_array(reader: Reader, depth: int) -> Data:
    description = _type_description(reader, depth + 1)
    if _content_size(description) == 0:
        raise reader.fail("compact-array of elements without content")
    size = reader.length("compact-array contents")
    if size > reader.remaining():
        raise reader.fail(f"compact-array contents of {size} bytes is truncated")
    contents = Reader(reader.buf, reader.pos, reader.pos + size)
    items: list[Data] = []
    while contents.remaining():
        items.append(_untagged(contents, description, depth + 1))
    reader.pos = contents.pos
    return CompactArray(description, tuple(items))


_DECODERS: Final[dict[int, Callable[[Reader, int], Data]]] = {
    DataTag.NULL_DATA: _null,
    DataTag.ARRAY: _array,
    DataTag.STRUCTURE: _structure,
    DataTag.BOOLEAN: _boolean,
    DataTag.BIT_STRING: _bit_string,
    DataTag.OCTET_STRING: _octet_string,
    DataTag.VISIBLE_STRING: _visible_string,
    DataTag.UTF8_STRING: _utf8_string,
    DataTag.COMPACT_ARRAY: _compact_array,
    DataTag.FLOAT32: _float32,
    DataTag.FLOAT64: _float64,
    DataTag.DATE_TIME: _date_time,
    DataTag.DATE: _date,
    DataTag.TIME: _time,
    DataTag.DONT_CARE: _dont_care,
    **{tag: _integer_decoder(cls) for tag, cls in _INTEGER_CLASSES.items()},
}


# ---------------------------------------------------------------------------------------
# Encoding


def encode_data(value: Data) -> bytes:
    out = bytearray()
    _write(out, value, tagged=True, depth=0)
    return bytes(out)


def _write(out: bytearray, value: Data, *, tagged: bool, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise GbcsEncodeError("data nested too deeply")
    writer = _ENCODERS.get(type(value))
    if writer is None:
        raise GbcsEncodeError(f"cannot encode {type(value).__name__} as A-XDR data")
    if tagged:
        out.append(value.tag)
    writer(out, value, depth)


def _write_items(out: bytearray, items: tuple[Data, ...], depth: int) -> None:
    out += encode_length(len(items))
    for item in items:
        _write(out, item, tagged=True, depth=depth + 1)


def _w_sequence(out: bytearray, value: Data, depth: int) -> None:
    assert isinstance(value, Array | Structure)
    _write_items(out, value.items, depth)


def _w_nothing(_out: bytearray, _value: Data, _depth: int) -> None:
    return


def _w_boolean(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, Boolean)
    out.append(value.octet)


def _w_bit_string(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, BitString)
    out += encode_length(value.length)
    out += value.data


def _w_integer(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, _IntegerData)
    out += value.value.to_bytes(value.size, "big", signed=value.signed)


def _w_octets(out: bytearray, raw: bytes) -> None:
    out += encode_length(len(raw))
    out += raw


def _w_octet_string(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, OctetString)
    _w_octets(out, value.value)


def _w_encrypted(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, EncryptedOctetString)
    _w_octets(out, value.value)


def _w_visible_string(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, VisibleString)
    _w_octets(out, value.value.encode("latin-1"))


def _w_utf8_string(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, Utf8String)
    try:
        _w_octets(out, value.value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise GbcsEncodeError("utf8-string holds text UTF-8 cannot encode") from exc


def _w_float(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, Float32 | Float64)
    out += float_octets(value)


def _w_date_time(out: bytearray, value: Data, _depth: int) -> None:
    assert isinstance(value, DateTimeData | DateData | TimeData)
    out += bytes(value.value)


def _w_description(out: bytearray, desc: TypeDescription) -> None:
    out.append(desc.tag)
    if desc.tag == DataTag.ARRAY:
        out += desc.count.to_bytes(2, "big")
        _w_description(out, desc.elements[0])
    elif desc.tag == DataTag.STRUCTURE:
        out += encode_length(len(desc.elements))
        for member in desc.elements:
            _w_description(out, member)


def _w_untagged(out: bytearray, desc: TypeDescription, value: Data, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise GbcsEncodeError("compact-array contents nested too deeply")
    if desc.tag == DataTag.STRUCTURE:
        if not isinstance(value, Structure) or len(value.items) != len(desc.elements):
            raise GbcsEncodeError("compact-array element does not match its structure description")
        for member, item in zip(desc.elements, value.items, strict=True):
            _w_untagged(out, member, item, depth + 1)
        return
    if desc.tag == DataTag.ARRAY:
        if not isinstance(value, Array) or len(value.items) != desc.count:
            raise GbcsEncodeError("compact-array element does not match its array description")
        for item in value.items:
            _w_untagged(out, desc.elements[0], item, depth + 1)
        return
    if value.tag != desc.tag:
        raise GbcsEncodeError(
            f"compact-array element is {value.tag.label}, description says {desc.tag.label}"
        )
    _write(out, value, tagged=False, depth=depth + 1)


def _w_compact_array(out: bytearray, value: Data, depth: int) -> None:
    assert isinstance(value, CompactArray)
    if _content_size(value.description) == 0:
        raise GbcsEncodeError("compact-array of elements without content")
    _w_description(out, value.description)
    contents = bytearray()
    for item in value.items:
        _w_untagged(contents, value.description, item, depth + 1)
    _w_octets(out, bytes(contents))


_ENCODERS: Final[dict[type[Data], Callable[[bytearray, Data, int], None]]] = {
    NullData: _w_nothing,
    DontCare: _w_nothing,
    Array: _w_sequence,
    Structure: _w_sequence,
    Boolean: _w_boolean,
    BitString: _w_bit_string,
    OctetString: _w_octet_string,
    EncryptedOctetString: _w_encrypted,
    VisibleString: _w_visible_string,
    Utf8String: _w_utf8_string,
    Float32: _w_float,
    Float64: _w_float,
    DateTimeData: _w_date_time,
    DateData: _w_date_time,
    TimeData: _w_date_time,
    CompactArray: _w_compact_array,
    **{cls: _w_integer for cls in _INTEGER_CLASSES.values()},
}
