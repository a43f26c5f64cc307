"""Layouts: how to read one A-XDR value as named, typed values.

The object and use-case tables describe each attribute's value with these small frozen
dataclasses (``Fields(("MeterBalance", INT), ...)``, ``ListOf(SPECIAL_DAY)``...), and
``layout.read(data)`` applies the description. Reading never raises: data that does not
fit its layout is read generically (``AUTO``), so an unexpected device answer still shows.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal

from opendcc.eui import Eui64
from opendcc.gbcs.dlms.cosem import ObisCode
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DateData,
    DateTimeData,
    EncryptedOctetString,
    Enum,
    Float32,
    Float64,
    Integer,
    OctetString,
    Structure,
    TimeData,
    Utf8String,
    VisibleString,
    _IntegerData,
)
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime, from_gbcs_seconds
from opendcc.gbcs.dlms.units import Unit, unit_of
from opendcc.gbcs.dlms.values import Quantity, Record, RecordBuilder, Value


class Layout:
    """Base of all layouts."""

    __slots__ = ()

    def read(self, data: Data) -> Value:
        return auto(data)


def auto(data: Data) -> Value:
    """Any data as plain values: integers, bytes, text, tuples."""
    if isinstance(data, _IntegerData):
        return data.value
    if isinstance(data, EncryptedOctetString):
        return auto(data.plaintext) if data.plaintext is not None else None
    if isinstance(data, OctetString):
        return data.value
    if isinstance(data, Array | Structure | CompactArray):
        return tuple(auto(item) for item in data.items)
    if isinstance(data, Boolean):
        return data.value
    if isinstance(data, VisibleString | Utf8String):
        return data.value
    if isinstance(data, BitString):
        return data.bits
    if isinstance(data, DateTimeData):
        return _instant(data.value)
    if isinstance(data, DateData | TimeData):
        return data.value
    if isinstance(data, Float32 | Float64):
        return Decimal(repr(data.value))
    return None


def _instant(value: CosemDateTime) -> Value:
    instant = value.to_datetime()
    return value if instant is None else instant


@dataclass(frozen=True, slots=True)
class Auto(Layout):
    pass


@dataclass(frozen=True, slots=True)
class Int(Layout):
    """An integer; with ``unit`` a ``Quantity`` of fixed scaler and unit."""

    unit: Unit | None = None
    scaler: int = 0

    def read(self, data: Data) -> Value:
        if not isinstance(data, _IntegerData):
            return auto(data)
        if self.unit is None and self.scaler == 0:
            return data.value
        return Quantity(data.value, self.scaler, self.unit)


@dataclass(frozen=True, slots=True)
class Text(Layout):
    """Text carried in an octet-string (ASCII digits of an MPAN, a supplier name...)."""

    def read(self, data: Data) -> Value:
        if isinstance(data, OctetString):
            return data.value.decode("latin-1")
        return auto(data)


@dataclass(frozen=True, slots=True)
class Hex(Layout):
    def read(self, data: Data) -> Value:
        return auto(data)


@dataclass(frozen=True, slots=True)
class Flag(Layout):
    def read(self, data: Data) -> Value:
        return data.value if isinstance(data, Boolean) else auto(data)


@dataclass(frozen=True, slots=True)
class EuiText(Layout):
    """An EUI-64 in an eight-octet octet-string, written the DUIS way."""

    def read(self, data: Data) -> Value:
        if isinstance(data, OctetString) and len(data.value) == 8:
            return str(Eui64.from_bytes(data.value))
        return auto(data)


@dataclass(frozen=True, slots=True)
class ObisText(Layout):
    def read(self, data: Data) -> Value:
        if isinstance(data, OctetString) and len(data.value) == 6:
            return str(ObisCode.from_bytes(data.value))
        return auto(data)


@dataclass(frozen=True, slots=True)
class DateTime(Layout):
    """A twelve-octet COSEM date-time: a ``datetime`` when complete, else the fields."""

    def read(self, data: Data) -> Value:
        if isinstance(data, OctetString) and len(data.value) == 12:
            return _instant(CosemDateTime.from_bytes(data.value))
        return auto(data)


@dataclass(frozen=True, slots=True)
class Date(Layout):
    def read(self, data: Data) -> Value:
        if isinstance(data, OctetString) and len(data.value) == 5:
            return CosemDate.from_bytes(data.value)
        return auto(data)


@dataclass(frozen=True, slots=True)
class Time(Layout):
    def read(self, data: Data) -> Value:
        if isinstance(data, OctetString) and len(data.value) == 4:
            return CosemTime.from_bytes(data.value)
        return auto(data)


@dataclass(frozen=True, slots=True)
class Seconds(Layout):
    """A GBCS UTC timestamp: seconds since 2000-01-01T00:00:00Z (profile and log entries)."""

    def read(self, data: Data) -> Value:
        if isinstance(data, _IntegerData) and data.value >= 0:
            try:
                return from_gbcs_seconds(data.value)
            except OverflowError:
                return data.value
        return auto(data)


@dataclass(frozen=True, slots=True)
class UnixSeconds(Layout):
    """Seconds since 1970-01-01T00:00:00Z."""

    def read(self, data: Data) -> Value:
        if isinstance(data, _IntegerData) and data.value >= 0:
            try:
                return _dt.datetime.fromtimestamp(data.value, _dt.UTC)
            except (OverflowError, OSError, ValueError):
                return data.value
        return auto(data)


@dataclass(frozen=True, slots=True)
class Code(Layout):
    """An event or alert code, shown the GBCS way: four upper-case hex digits (``8F01``)."""

    def read(self, data: Data) -> Value:
        if isinstance(data, _IntegerData) and 0 <= data.value <= 0xFFFF:
            return f"{data.value:04X}"
        return auto(data)


@dataclass(frozen=True, slots=True)
class EnumOf(Layout):
    """An enumerated value shown by its label (unknown values stay integers)."""

    labels: tuple[tuple[int, str], ...]

    def read(self, data: Data) -> Value:
        if isinstance(data, _IntegerData):
            for code, label in self.labels:
                if code == data.value:
                    return label
            return data.value
        return auto(data)


@dataclass(frozen=True, slots=True)
class Bits(Layout):
    """A bit-string shown as ``"0101..."``; with ``names``, the names of the bits set."""

    names: tuple[str, ...] = ()

    def read(self, data: Data) -> Value:
        if not isinstance(data, BitString):
            return auto(data)
        if not self.names:
            return data.bits
        return tuple(
            self.names[i] if i < len(self.names) else f"bit{i}"
            for i, bit in enumerate(data.bits)
            if bit == "1"
        )


@dataclass(frozen=True, slots=True)
class ScalerUnit(Layout):
    """``structure {scaler integer, unit enum}``."""

    def read(self, data: Data) -> Value:
        pair = scaler_unit(data)
        if pair is None:
            return auto(data)
        scaler, unit = pair
        return Record(
            (("scaler", scaler), ("unit", unit.symbol if isinstance(unit, Unit) else unit))
        )


def scaler_unit(data: Data) -> tuple[int, Unit | int] | None:
    if (
        isinstance(data, Structure)
        and len(data.items) == 2
        and isinstance(data.items[0], Integer)
        and isinstance(data.items[1], Enum)
    ):
        return data.items[0].value, unit_of(data.items[1].value)
    return None


@dataclass(frozen=True, slots=True)
class Fields(Layout):
    """A structure whose members have names (members beyond the list are ``item_<n>``)."""

    fields: tuple[tuple[str, Layout], ...]

    def read(self, data: Data) -> Value:
        if not isinstance(data, Structure):
            return auto(data)
        out = RecordBuilder()
        for index, item in enumerate(data.items):
            if index < len(self.fields):
                name, layout = self.fields[index]
                out.add(name, layout.read(item))
            else:
                out.add(f"item_{index + 1}", auto(item))
        return out.build()


@dataclass(frozen=True, slots=True)
class ListOf(Layout):
    """An array (or compact-array) of values of one layout."""

    item: Layout

    def read(self, data: Data) -> Value:
        if isinstance(data, Array | CompactArray):
            return tuple(self.item.read(entry) for entry in data.items)
        return auto(data)


@dataclass(frozen=True, slots=True)
class Registers(Layout):
    """A structure of register values, each optionally followed by its scaler_unit.

    ``entries`` names the values in order, with the unit GBCS fixes for a value that comes
    without a scaler_unit (the secondary import register of a twin-element meter, say).
    """

    entries: tuple[tuple[str, Unit], ...]

    def read(self, data: Data) -> Value:
        if not isinstance(data, Structure):
            return auto(data)
        out = RecordBuilder()
        items = data.items
        index = 0
        position = 0
        while index < len(items):
            item = items[index]
            name, unit = (
                self.entries[position]
                if position < len(self.entries)
                else (f"item_{position + 1}", None)
            )
            position += 1
            if not isinstance(item, _IntegerData):
                out.add(name, auto(item))
                index += 1
                continue
            pair = scaler_unit(items[index + 1]) if index + 1 < len(items) else None
            if pair is not None:
                out.add(name, Quantity(item.value, pair[0], pair[1]))
                index += 2
            else:
                out.add(name, Quantity(item.value, 0, unit))
                index += 1
        return out.build()


@dataclass(frozen=True, slots=True)
class Profile(Layout):
    """A profile buffer: entries read by the column set whose length matches the entry.

    GBCS fixes each log's capture objects, but single- and twin-element meters capture
    different sets; ``variants`` lists each set.
    """

    variants: tuple[tuple[tuple[str, Layout], ...], ...]

    def read(self, data: Data) -> Value:
        if not isinstance(data, Array | CompactArray):
            return auto(data)
        return tuple(self._entry(entry) for entry in data.items)

    def _entry(self, entry: Data) -> Value:
        if not isinstance(entry, Structure):
            return auto(entry)
        count = len(entry.items)
        chosen = next((v for v in self.variants if len(v) == count), self.variants[0])
        return Fields(chosen).read(entry)


AUTO = Auto()
INT = Int()
TEXT = Text()
HEX = Hex()
FLAG = Flag()
EUI = EuiText()
OBIS = ObisText()
DATETIME = DateTime()
DATE = Date()
TIME = Time()
SECONDS = Seconds()
BITS = Bits()
SCALER_UNIT = ScalerUnit()
CODE = Code()
