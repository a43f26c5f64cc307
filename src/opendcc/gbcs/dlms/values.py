"""Named values: what a supplier reads out of a DLMS payload, typed, with a JSON view.

A payload's values are a ``Record``: ordered (name, value) pairs whose values are plain
Python values (int, str, bool, bytes, datetime...), ``Quantity`` for measured figures with
their scaler and unit, ``Failure`` where the device refused one item, nested records, and
tuples for lists (profile entries, log entries, price matrices).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Union

from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime
from opendcc.gbcs.dlms.units import Unit, unit_symbol


@dataclass(frozen=True, slots=True)
class Quantity:
    """An integer reading with its decimal scaler and unit: ``value * 10**scaler unit``."""

    value: int
    scaler: int = 0
    unit: Unit | int | None = None

    @property
    def amount(self) -> Decimal:
        """The scaled figure, exact (``Decimal``)."""
        return Decimal(self.value).scaleb(self.scaler)

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "scaler": self.scaler,
            "unit": unit_symbol(self.unit),
            "amount": str(self.amount),
        }

    def __str__(self) -> str:
        symbol = unit_symbol(self.unit)
        return f"{self.amount} {symbol}" if symbol else str(self.amount)


@dataclass(frozen=True, slots=True)
class Failure:
    """One item the device did not deliver: its get/set/action result."""

    result: str
    code: int

    def to_json(self) -> dict[str, Any]:
        return {"error": self.result, "code": self.code}


Value = Union[
    None,
    bool,
    int,
    str,
    bytes,
    Decimal,
    _dt.datetime,
    CosemDateTime,
    CosemDate,
    CosemTime,
    Quantity,
    Failure,
    "Record",
    tuple["Value", ...],
]


@dataclass(frozen=True, slots=True)
class Record:
    """Ordered named values; names are unique within one record."""

    fields: tuple[tuple[str, Value], ...] = ()

    def __getitem__(self, name: str) -> Value:
        for key, value in self.fields:
            if key == name:
                return value
        raise KeyError(name)

    def get(self, name: str, default: Value = None) -> Value:
        for key, value in self.fields:
            if key == name:
                return value
        return default

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.fields)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def names(self) -> list[str]:
        return [key for key, _ in self.fields]

    def items(self) -> list[tuple[str, Value]]:
        return list(self.fields)

    def to_json(self) -> dict[str, Any]:
        return {key: value_to_json(value) for key, value in self.fields}


class RecordBuilder:
    """Collects fields, renaming a repeated name ``name``, ``name_2``... to keep them unique."""

    __slots__ = ("_fields", "_seen")

    def __init__(self) -> None:
        self._fields: list[tuple[str, Value]] = []
        self._seen: dict[str, int] = {}

    def add(self, name: str, value: Value) -> None:
        count = self._seen.get(name, 0) + 1
        self._seen[name] = count
        self._fields.append((name if count == 1 else f"{name}_{count}", value))

    def build(self) -> Record:
        return Record(tuple(self._fields))


def value_to_json(value: Value) -> Any:
    """The JSON-safe form of a value (datetimes ISO 8601, bytes hex, decimals as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, CosemDateTime | CosemDate | CosemTime):
        return str(value)
    if isinstance(value, Quantity | Failure | Record):
        return value.to_json()
    return [value_to_json(item) for item in value]
