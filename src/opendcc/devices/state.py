"""The simulated state of one Device, kept in named sections.

Each family of behaviour (supply, tariff, prepayment, logs, firmware, ...) defines a
``Section``: a mutable dataclass with a ``NAME``, an ``initial`` value for a Device that
has never been touched (derived from the Device's identity, so a fresh estate is
plausible), and a JSON form. ``DeviceState.get(Section)`` loads a section on first use;
only sections a handler touched are written back. The store keeps the JSON of every
section, including those of families this build does not know, so nothing is lost across
versions.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar

import orjson

from opendcc.eui import Eui64
from opendcc.inventory.model import Device


class Section:
    """Base of state sections. Subclasses are ``@dataclass`` with JSON-friendly fields.

    Fields may be int, float, str, bool, None, datetime (stored as ISO text), bytes
    (stored as hex), lists and dicts of those. Override ``to_json``/``from_json`` for
    anything else.
    """

    NAME: ClassVar[str]

    @classmethod
    def initial(cls, device: Device) -> Self:
        return cls()

    def to_json(self) -> dict[str, Any]:
        return {name: _dump(getattr(self, name)) for name in _field_names(type(self))}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Self:
        assert dataclasses.is_dataclass(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in obj:
                kwargs[f.name] = _load(obj[f.name], f.type)
        return cls(**kwargs)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})
_TEXT: frozenset[type] = frozenset({str})


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once per class (state is dumped per Command)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        assert dataclasses.is_dataclass(cls)
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _dump(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        if _PLAIN.issuperset(map(type, value)):  # numbers and text only: a plain copy
            return list(value)
        return [_dump(v) for v in value]
    if kind is dict:
        if _TEXT.issuperset(map(type, value)) and _PLAIN.issuperset(map(type, value.values())):
            return dict(value)
        return {str(k): _dump(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, bytes):
        return {"$hex": value.hex()}
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _dump(getattr(value, name)) for name in _field_names(type(value))}
    return value


def _load(value: Any, _annotation: object) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return datetime.fromisoformat(value["$dt"])
        if set(value) == {"$hex"}:
            return bytes.fromhex(value["$hex"])
        return {k: _load(v, None) for k, v in value.items()}
    if isinstance(value, list):
        return [_load(v, None) for v in value]
    return value


def _encode(value: Any) -> str:
    """Compact JSON with sorted keys: orjson, or the standard encoder for an integer
    beyond 64 bits (a certificate serial)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _tagged(value: Any) -> Any:
    """orjson's hook for what JSON has no form of: the tags ``_dump`` writes."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, bytes):
        return {"$hex": value.hex()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A dict, not orjson's own dataclass form, so that the fields come out sorted.
        return {name: getattr(value, name) for name in _field_names(type(value))}
    raise TypeError(f"cannot store a {type(value).__name__} in Device state")


_NATIVE = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_NON_STR_KEYS
)


def encode_section(section: Section) -> str:
    """The JSON text of ``section``, the same as ``_encode(section.to_json())``.

    A section keeping the default ``to_json`` is handed to orjson whole (it walks the
    dataclass fields itself, with ``_tagged`` for datetimes and bytes): the state is saved
    after every Command, and this is several times faster than building the dict first."""
    if type(section).to_json is Section.to_json:
        try:
            return orjson.dumps(section, default=_tagged, option=_NATIVE).decode()
        except TypeError:
            pass  # an integer beyond 64 bits, or a value only ``_dump`` knows: the long way
    return _encode(section.to_json())


S = TypeVar("S", bound=Section)


class DeviceState:
    """The sections of one Device's simulated state."""

    __slots__ = ("_loaded", "_raw", "_texts", "device", "dirty", "next_wake", "version")

    def __init__(
        self,
        device: Device,
        raw: dict[str, Any] | None = None,
        version: int = 0,
        next_wake: datetime | None = None,
    ) -> None:
        self.device = device
        self._raw: dict[str, Any] = dict(raw or {})
        self._loaded: dict[str, Section] = {}
        self._texts: dict[str, str] = {}
        """The JSON text of each section no handler has loaded: encoded on the first save
        and reused by every later one (such a section cannot have changed)."""
        self.version = version
        self.dirty = False
        self.next_wake = next_wake

    @property
    def device_id(self) -> Eui64:
        return self.device.device_id

    def get(self, section: type[S]) -> S:
        """The section, loaded from the stored JSON or made ``initial`` (not yet dirty)."""
        found = self._loaded.get(section.NAME)
        if found is None:
            raw = self._raw.get(section.NAME)
            found = section.from_json(raw) if raw is not None else section.initial(self.device)
            self._loaded[section.NAME] = found
        assert isinstance(found, section)
        return found

    def has(self, section: type[Section]) -> bool:
        """Whether the Device has this section yet (stored, or loaded by a handler): lets a
        wake handler skip Devices it never touched without creating the section."""
        return section.NAME in self._loaded or section.NAME in self._raw

    def peek(self, name: str) -> dict[str, Any] | None:
        """The JSON form of section ``name`` as it stands (loaded or stored), or None.

        Read-only: for reading another family's section by name without importing its
        module (the section stays unloaded; changing the result changes nothing)."""
        loaded = self._loaded.get(name)
        if loaded is not None:
            return loaded.to_json()
        raw = self._raw.get(name)
        return copy.deepcopy(raw) if isinstance(raw, dict) else None

    def touch(self) -> None:
        """Mark the state changed: the hub writes it back with the Device's response."""
        self.dirty = True

    def to_json(self) -> str:
        """Every section as one JSON object, keys sorted.

        Only the sections a handler loaded (and so may have changed) are dumped again;
        the text of the others is kept from the first save of this state: the state
        stays cached between Commands, and a Command touches a few of its sections.
        """
        texts = self._texts
        loaded = self._loaded
        parts = []
        for name in sorted(loaded.keys() | self._raw.keys()):
            section = loaded.get(name)
            if section is not None:
                text = encode_section(section)
            else:
                found = texts.get(name)
                text = texts[name] = _encode(self._raw[name]) if found is None else found
            parts.append(f"{_encode(name)}:{text}")
        return "{" + ",".join(parts) + "}"

    @classmethod
    def from_json(
        cls, device: Device, text: str | None, version: int = 0, next_wake: datetime | None = None
    ) -> DeviceState:
        # The standard decoder: orjson would read an integer beyond 64 bits as a float.
        return cls(device, json.loads(text) if text else None, version, next_wake)
