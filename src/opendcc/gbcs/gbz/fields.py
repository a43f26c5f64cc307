"""Field layouts of cluster-specific ZCL commands, as tables the codec walks.

A ZigBee Smart Energy command payload is a fixed sequence of little-endian fields,
sometimes ending in a repeated group (the entries of a day profile, the records of a
log) or in a part whose layout depends on an earlier field (a snapshot payload type).
``Command`` describes one such layout with ``Field``, ``Repeat``, ``Switch`` and ``Rest``;
``opendcc.gbcs.gbz.fieldcodec`` compiles it once and reads and writes it. Decoded values
form a ``Record``: an ordered, immutable name -> value mapping whose values are ``int``
(numbers, enumerations, bitmaps, UTC times as seconds since 2000-01-01), ``bytes``
(strings, dates), ``None`` (an optional field that was absent, or the ZCL invalid string)
or a tuple of ``Record`` (a repeated group).

The layouts are facts from the ZigBee Smart Energy Standard (07-5356) as GBCS profiles it;
the tables live in ``opendcc.gbcs.gbz.clusters``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final


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


def layout_problems(elements: tuple[Element, ...]) -> list[str]:
    """What breaks the codec's rules in a layout: an element after an optional field, a
    repeated group or a rest (they read to the end), a name used twice, a count naming no
    earlier field. The table tests require an empty list for every command."""
    problems: list[str] = []
    names: list[str] = []
    tail: str | None = None
    for element in elements:
        if tail is not None and not (
            isinstance(element, Field) and element.optional and tail == "optional"
        ):
            problems.append(f"{_name(element)} follows {tail} element")
        if isinstance(element, Field):
            names.append(element.name)
            if element.optional:
                tail = "optional"
        elif isinstance(element, Repeat):
            names.append(element.name)
            if element.count is None:
                tail = "an unbounded"
            elif isinstance(element.count, str) and element.count not in names:
                problems.append(f"{element.name} counts by unknown field {element.count}")
            problems += [f"{element.name}.{p}" for p in layout_problems(element.fields)]
        elif isinstance(element, Switch):
            if element.on not in names:
                problems.append(f"switch on unknown field {element.on}")
            for case in element.cases.values():
                problems += layout_problems(case)
            tail = "a switch"
        else:
            names.append(element.name)
            tail = "a rest"
    duplicates = {n for n in names if names.count(n) > 1}
    problems += [f"field {n} appears twice" for n in sorted(duplicates)]
    return problems


def _name(element: Element) -> str:
    return element.on if isinstance(element, Switch) else element.name
