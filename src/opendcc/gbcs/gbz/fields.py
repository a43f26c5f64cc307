"""Field layouts of cluster-specific ZCL commands, as tables the codec walks.

A ZigBee Smart Energy command payload is a fixed sequence of little-endian fields,
sometimes ending in a repeated group (the entries of a day profile, the records of a
log) or in a part whose layout depends on an earlier field (a snapshot payload type).
``Command`` describes one such layout with ``Field``, ``Repeat``, ``Switch`` and ``Rest``;
``decode_fields`` and ``encode_fields`` walk it. Decoded values form a ``Record``: an
ordered, immutable name -> value mapping whose values are ``int`` (numbers, enumerations,
bitmaps, UTC times as seconds since 2000-01-01), ``bytes`` (strings, dates), ``None`` (an
optional field that was absent, or the ZCL invalid string) or a tuple of ``Record`` (a
repeated group).

The layouts are facts from the ZigBee Smart Energy Standard (07-5356) as GBCS profiles it;
the tables live in ``opendcc.gbcs.gbz.clusters``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.gbz.wire import Reader, int_le, uint_le


@dataclass(frozen=True, slots=True)
class FieldType:
    """A wire encoding: integers of ``size`` bytes, a date, or a length-prefixed string."""

    name: str
    size: int = 0
    signed: bool = False
    octets: bool = False  # fixed-size raw octets (ZCL Date)
    string: bool = False  # one-byte length prefix, 0xFF meaning invalid

    @property
    def integer(self) -> bool:
        return not (self.octets or self.string)


U8: Final = FieldType("uint8", 1)
U16: Final = FieldType("uint16", 2)
U24: Final = FieldType("uint24", 3)
U32: Final = FieldType("uint32", 4)
U48: Final = FieldType("uint48", 6)
I8: Final = FieldType("int8", 1, signed=True)
I16: Final = FieldType("int16", 2, signed=True)
I24: Final = FieldType("int24", 3, signed=True)
I32: Final = FieldType("int32", 4, signed=True)
I48: Final = FieldType("int48", 6, signed=True)
ENUM8: Final = FieldType("enum8", 1)
ENUM16: Final = FieldType("enum16", 2)
BITMAP8: Final = FieldType("bitmap8", 1)
BITMAP16: Final = FieldType("bitmap16", 2)
BITMAP32: Final = FieldType("bitmap32", 4)
UTC: Final = FieldType("utc_time", 4)
DATE: Final = FieldType("date", 4, octets=True)
OCTETS: Final = FieldType("octet_string", string=True)
CHARS: Final = FieldType("character_string", string=True)


@dataclass(frozen=True, slots=True)
class Field:
    """One field. ``optional`` fields sit at the end and are present only if bytes remain;
    ``counts`` names the repeated group whose length this field gives (filled in by
    builders when omitted)."""

    name: str
    type: FieldType
    optional: bool = False
    counts: str | None = None


CountRule = Callable[["Record"], int]


@dataclass(frozen=True, slots=True)
class Repeat:
    """A repeated group: ``count`` is a field name, a rule over the fields read so far, or
    None for "until the end of the payload"."""

    name: str
    fields: tuple[Element, ...]
    count: str | CountRule | None = None


@dataclass(frozen=True, slots=True)
class Switch:
    """Fields chosen by the value of an earlier field; other values leave the remaining
    bytes as ``Rest`` under ``fallback``."""

    on: str
    cases: Mapping[int, tuple[Element, ...]]
    fallback: str = "payload"


@dataclass(frozen=True, slots=True)
class Rest:
    """All remaining bytes, uninterpreted."""

    name: str


Element = Field | Repeat | Switch | Rest
FieldValue = int | bytes | None | tuple["Record", ...]


@dataclass(frozen=True, slots=True)
class Record(Mapping[str, FieldValue]):
    """An ordered, immutable mapping of field names to values."""

    items_: tuple[tuple[str, FieldValue], ...] = ()
    _index: dict[str, FieldValue] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", dict(self.items_))

    @classmethod
    def of(cls, **values: FieldValue) -> Record:
        return cls(tuple(values.items()))

    def __getitem__(self, key: str) -> FieldValue:
        return self._index[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self.items_)

    def __len__(self) -> int:
        return len(self.items_)

    def __hash__(self) -> int:
        return hash(self.items_)

    def number(self, key: str) -> int:
        """The integer value of ``key`` (KeyError if absent or not a number)."""
        value = self._index.get(key)
        if not isinstance(value, int):
            raise KeyError(key)
        return value

    def records(self, key: str) -> tuple[Record, ...]:
        """The entries of repeated group ``key``."""
        value = self._index.get(key)
        if not isinstance(value, tuple):
            raise KeyError(key)
        return value


@dataclass(frozen=True, slots=True)
class Command:
    """A cluster-specific command: id, direction, SE name and field layout."""

    command_id: int
    name: str
    fields: tuple[Element, ...]
    server_to_client: bool


_MAX_GROUP_DEPTH: Final = 4


def decode_fields(r: Reader, elements: tuple[Element, ...], depth: int = 0) -> Record:
    """Read ``elements`` from ``r``; raises ``GbcsDecodeError`` on a mismatch."""
    out: list[tuple[str, FieldValue]] = []
    _decode_into(r, elements, out, depth)
    return Record(tuple(out))


def _decode_into(
    r: Reader, elements: tuple[Element, ...], out: list[tuple[str, FieldValue]], depth: int
) -> None:
    for element in elements:
        if isinstance(element, Field):
            if element.optional and r.at_end():
                out.append((element.name, None))
                continue
            out.append((element.name, _read_field(r, element)))
        elif isinstance(element, Repeat):
            out.append((element.name, _decode_repeat(r, element, Record(tuple(out)), depth)))
        elif isinstance(element, Switch):
            selector = dict(out).get(element.on)
            case = element.cases.get(selector) if isinstance(selector, int) else None
            if case is None:
                out.append((element.fallback, r.rest()))
            else:
                _decode_into(r, case, out, depth)
        else:
            out.append((element.name, r.rest()))


def _read_field(r: Reader, f: Field) -> FieldValue:
    t = f.type
    if t.string:
        length = r.u8(f"{f.name} length")
        return None if length == 0xFF else r.take(length, f.name)
    if t.octets:
        return r.take(t.size, f.name)
    return r.int_le(t.size, f.name) if t.signed else r.uint_le(t.size, f.name)


def _decode_repeat(r: Reader, rep: Repeat, so_far: Record, depth: int) -> tuple[Record, ...]:
    if depth >= _MAX_GROUP_DEPTH:
        raise r.fail("repeated groups nested too deeply")
    if rep.count is None:
        items = []
        while not r.at_end():
            items.append(decode_fields(r, rep.fields, depth + 1))
        return tuple(items)
    count = so_far.number(rep.count) if isinstance(rep.count, str) else rep.count(so_far)
    if count > r.remaining:  # every group element takes at least one byte
        raise r.fail(f"{rep.name}: {count} entries cannot fit in {r.remaining} bytes")
    return tuple(decode_fields(r, rep.fields, depth + 1) for _ in range(count))


def encode_fields(record: Mapping[str, FieldValue], elements: tuple[Element, ...]) -> bytes:
    out = bytearray()
    _encode_into(record, elements, out, 0)
    return bytes(out)


def _encode_into(
    record: Mapping[str, FieldValue], elements: tuple[Element, ...], out: bytearray, depth: int
) -> None:
    for element in elements:
        if isinstance(element, Field):
            _write_field(record, element, out)
        elif isinstance(element, Repeat):
            items = record.get(element.name)
            if not isinstance(items, tuple):
                raise GbcsEncodeError(f"{element.name} must be a tuple of records")
            if element.count is not None:
                expected = (
                    record.get(element.count)
                    if isinstance(element.count, str)
                    else _rule(element.count, record)
                )
                if expected != len(items):
                    raise GbcsEncodeError(
                        f"{element.name} has {len(items)} entries, its count says {expected!r}"
                    )
            for item in items:
                if not isinstance(item, Mapping):
                    raise GbcsEncodeError(f"{element.name} entries must be records")
                _encode_into(item, element.fields, out, depth + 1)
        elif isinstance(element, Switch):
            selector = record.get(element.on)
            case = element.cases.get(selector) if isinstance(selector, int) else None
            if case is None:
                _write_rest(record, element.fallback, out)
            else:
                _encode_into(record, case, out, depth)
        else:
            _write_rest(record, element.name, out)


def _rule(rule: CountRule, record: Mapping[str, FieldValue]) -> int:
    return rule(record if isinstance(record, Record) else Record(tuple(record.items())))


def _write_rest(record: Mapping[str, FieldValue], name: str, out: bytearray) -> None:
    value = record.get(name, b"")
    if not isinstance(value, bytes):
        raise GbcsEncodeError(f"{name} must be bytes")
    out += value


def _write_field(record: Mapping[str, FieldValue], f: Field, out: bytearray) -> None:
    if f.name not in record:
        raise GbcsEncodeError(f"missing field {f.name}")
    value = record[f.name]
    t = f.type
    if value is None:
        if f.optional:
            return
        if t.string:
            out.append(0xFF)
            return
        raise GbcsEncodeError(f"{f.name} has no value")
    if t.string or t.octets:
        if not isinstance(value, bytes):
            raise GbcsEncodeError(f"{f.name} must be bytes")
        if t.octets and len(value) != t.size:
            raise GbcsEncodeError(f"{f.name} must be {t.size} bytes")
        if t.string:
            if len(value) > 0xFE:
                raise GbcsEncodeError(f"{f.name} longer than 254 bytes")
            out.append(len(value))
        out += value
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise GbcsEncodeError(f"{f.name} must be an integer, got {value!r}")
    try:
        out += int_le(value, t.size) if t.signed else uint_le(value, t.size)
    except OverflowError:
        raise GbcsEncodeError(f"{f.name} value {value} does not fit {t.name}") from None


def field_types(elements: tuple[Element, ...]) -> dict[str, Field | Repeat]:
    """Every named field and group of a layout (through all switch cases)."""
    out: dict[str, Field | Repeat] = {}
    for element in elements:
        if isinstance(element, (Field, Repeat)):
            out[element.name] = element
        elif isinstance(element, Switch):
            for case in element.cases.values():
                out.update(field_types(case))
    return out


def check_layout(name: str, elements: tuple[Element, ...]) -> None:
    """Raise ``GbcsDecodeError`` if a layout breaks the codec's rules (used by tests)."""
    seen_optional = False
    for element in elements:
        if isinstance(element, Field) and element.optional:
            seen_optional = True
        elif seen_optional:
            raise GbcsDecodeError(f"{name}: a non-optional element follows an optional field")
