"""The JSON form of DER payload structures, written and read from the dataclass fields.

One rule per value type, applied recursively over the frozen dataclasses of this package:
integers and coded values as numbers (an enumeration member as its value), octets as
lower-case hex, Entity Identifiers in the DUIS form, times as ISO 8601 UTC with ``Z``,
tuples as lists, nested structures as objects keyed by field name. Reading goes back
through the type annotations, so the JSON form rebuilds exactly the structure it came
from, and anything else is refused with ``GbcsDecodeError``.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import datetime
from typing import Any

from opendcc.eui import Eui64
from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.der.naming import coded, time_text

JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]


def dump(value: object) -> JsonValue:
    """The JSON form of a structure value."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Eui64):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise GbcsEncodeError("times must be timezone-aware (GBCS times are UTC)")
        return time_text(value)
    if isinstance(value, tuple | list):
        return [dump(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise GbcsEncodeError(f"no JSON form for {type(value).__name__}")


def load(kind: type[Any], data: object) -> Any:
    """Rebuild a dataclass ``kind`` from its JSON form."""
    return _load(kind, data, "$")


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(kind: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(kind)
    if hints is None:
        hints = _HINTS[kind] = typing.get_type_hints(kind)
    return hints


def _load(hint: Any, data: object, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _load_union(typing.get_args(hint), data, where)
    if origin is tuple:
        item_hint = typing.get_args(hint)[0]
        if not isinstance(data, list):
            raise GbcsDecodeError(f"{where}: expected a list")
        return tuple(_load(item_hint, item, f"{where}[{i}]") for i, item in enumerate(data))
    if hint is type(None):
        if data is not None:
            raise GbcsDecodeError(f"{where}: expected null")
        return None
    if hint is bool:
        if not isinstance(data, bool):
            raise GbcsDecodeError(f"{where}: expected true or false")
        return data
    if hint is int:
        return _integer(data, where)
    if hint is bytes:
        if not isinstance(data, str):
            raise GbcsDecodeError(f"{where}: expected hex text")
        try:
            return bytes.fromhex(data)
        except ValueError:
            raise GbcsDecodeError(f"{where}: not hex: {data[:40]!r}") from None
    if hint is Eui64:
        if not isinstance(data, str):
            raise GbcsDecodeError(f"{where}: expected an EUI-64")
        try:
            return Eui64.parse(data)
        except ValueError as exc:
            raise GbcsDecodeError(f"{where}: {exc}") from None
    if hint is datetime:
        return _time(data, where)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _member(hint, data, where, strict=True)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint, data, where)
    raise GbcsDecodeError(f"{where}: no JSON reader for {hint!r}")


def _load_union(options: tuple[Any, ...], data: object, where: str) -> Any:
    if data is None:
        if type(None) in options:
            return None
        raise GbcsDecodeError(f"{where}: value required")
    concrete = [o for o in options if o is not type(None)]
    enums = [o for o in concrete if isinstance(o, type) and issubclass(o, enum.Enum)]
    if enums and int in concrete:
        # ``SomeEnum | int``: a known value becomes the member, any other stays a number.
        return _member(enums[0], data, where, strict=False)
    if len(concrete) == 1:
        return _load(concrete[0], data, where)
    raise GbcsDecodeError(f"{where}: ambiguous field type {options!r}")


def _member(kind: type[enum.Enum], data: object, where: str, *, strict: bool) -> Any:
    value = _integer(data, where)
    if issubclass(kind, enum.IntFlag):
        if value < 0:
            raise GbcsDecodeError(f"{where}: negative flags")
        return kind(value)
    if strict:
        try:
            return kind(value)
        except ValueError:
            raise GbcsDecodeError(f"{where}: {value} is not a {kind.__name__}") from None
    return coded(typing.cast(type[enum.IntEnum], kind), value)


def _integer(data: object, where: str) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise GbcsDecodeError(f"{where}: expected an integer")
    return data


def _time(data: object, where: str) -> datetime:
    if not isinstance(data, str):
        raise GbcsDecodeError(f"{where}: expected an ISO 8601 time")
    try:
        value = datetime.fromisoformat(data)
    except ValueError:
        raise GbcsDecodeError(f"{where}: not an ISO 8601 time: {data[:40]!r}") from None
    if value.tzinfo is None:
        raise GbcsDecodeError(f"{where}: time without a timezone")
    return value


def _dataclass(kind: type[Any], data: object, where: str) -> Any:
    if not isinstance(data, dict):
        raise GbcsDecodeError(f"{where}: expected an object for {kind.__name__}")
    hints = _hints(kind)
    names = {f.name for f in dataclasses.fields(kind)}
    unknown = set(data) - names
    if unknown:
        raise GbcsDecodeError(f"{where}: unknown fields {sorted(unknown)} for {kind.__name__}")
    arguments = {name: _load(hints[name], value, f"{where}.{name}") for name, value in data.items()}
    try:
        return kind(**arguments)
    except TypeError as exc:
        raise GbcsDecodeError(f"{where}: {exc}") from None
