"""Device state: what is saved is every section as it stands, whichever were loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from opendcc.devices.state import DeviceState, Section
from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus

ESME = Device(
    Eui64.parse("00-DB-12-34-56-78-90-A1"),
    DeviceType.ESME,
    SmiStatus.COMMISSIONED,
    datetime(2020, 1, 1, tzinfo=UTC),
    CspRegion.CENTRAL,
)


@dataclass
class Counter(Section):
    NAME = "test_counter"
    value: int = 0
    seen: list[datetime] = field(default_factory=list)


@dataclass
class Log(Section):
    NAME = "test_log"
    entries: list[bytes] = field(default_factory=list)
    serial: int = 0


def test_saves_changes_to_loaded_sections_and_keeps_the_others() -> None:
    stored = {
        "other_family": {"b": [1, 2, {"$hex": "00ff"}], "a": "x"},
        "test_log": {"entries": [{"$hex": "abcd"}], "serial": 1 << 100},
    }
    state = DeviceState.from_json(ESME, json.dumps(stored))
    first = state.to_json()
    assert json.loads(first) == stored
    assert list(json.loads(first)) == sorted(stored)

    counter = state.get(Counter)
    for n in range(1, 4):  # saved after each change, as the hub does per Command
        counter.value = n
        counter.seen.append(datetime(2026, 1, n, tzinfo=UTC))
        saved = json.loads(state.to_json())
        assert saved["test_counter"]["value"] == n
        assert len(saved["test_counter"]["seen"]) == n
        assert saved["other_family"] == stored["other_family"]

    log = state.get(Log)  # loaded after earlier saves kept its text: changes still land
    log.entries.append(b"\x01")
    reread = DeviceState.from_json(ESME, state.to_json())
    assert reread.get(Log).entries == [b"\xab\xcd", b"\x01"]
    assert reread.get(Log).serial == 1 << 100
    assert reread.get(Counter).value == 3
    assert reread.peek("other_family") == stored["other_family"]


def test_text_matches_one_sorted_document() -> None:
    state = DeviceState(ESME, {"z": {"k": 1}, "a": [True, None, 1.5]})
    state.get(Counter).value = 7
    expected = {
        "a": [True, None, 1.5],
        "test_counter": {"seen": [], "value": 7},
        "z": {"k": 1},
    }
    assert state.to_json() == json.dumps(expected, separators=(",", ":"), sort_keys=True)


@dataclass
class Mixed(Section):
    NAME = "test_mixed"
    floats: list[float] = field(default_factory=lambda: [0.5, 1.0])
    pairs: tuple[tuple[int, str], ...] = ((1, "a"), (2, "b"))
    by_number: dict[int, list[float]] = field(default_factory=lambda: {3: [1.5], 4: []})
    by_name: dict[str, int | None] = field(default_factory=lambda: {"x": 1, "y": None})
    stamps: dict[str, datetime] = field(
        default_factory=lambda: {"t": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}
    )
    blobs: list[bytes] = field(default_factory=lambda: [b"\x00\x01"])


def test_every_field_kind_round_trips_and_peeking_copies() -> None:
    state = DeviceState(ESME)
    mixed = state.get(Mixed)
    assert json.loads(state.to_json())["test_mixed"] == {
        "floats": [0.5, 1.0],
        "pairs": [[1, "a"], [2, "b"]],
        "by_number": {"3": [1.5], "4": []},
        "by_name": {"x": 1, "y": None},
        "stamps": {"t": {"$dt": "2026-01-02T03:04:05+00:00"}},
        "blobs": [{"$hex": "0001"}],
    }
    peeked = state.peek("test_mixed")
    assert peeked is not None
    peeked["floats"].append(9.0)
    peeked["by_name"]["x"] = 2
    assert mixed.floats == [0.5, 1.0]
    assert mixed.by_name == {"x": 1, "y": None}
    reread = DeviceState.from_json(ESME, state.to_json()).get(Mixed)
    assert reread.floats == [0.5, 1.0]
    assert reread.stamps == mixed.stamps
    assert reread.blobs == mixed.blobs


def _sections() -> list[type[Section]]:
    import opendcc.devices.catalogue  # noqa: F401  (imports every family's sections)

    found: list[type[Section]] = []
    pending = list(Section.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "NAME", None):
            found.append(cls)
    return found


def test_section_text_is_the_same_by_either_encoder() -> None:
    """``encode_section`` (orjson over the dataclass) writes exactly what the general path
    (``to_json`` then sorted JSON) writes, for every section of the catalogue as a fresh
    Device has it and for one holding datetimes, bytes, big integers and nested values."""
    from opendcc.devices.state import _encode, encode_section

    sections = _sections()
    assert len(sections) > 20
    for cls in sections:
        for device_type in (DeviceType.ESME, DeviceType.GSME, DeviceType.CHF):
            device = Device(
                ESME.device_id, device_type, SmiStatus.COMMISSIONED, ESME.status_since, ESME.region
            )
            section = cls.initial(device)
            assert encode_section(section) == _encode(section.to_json()), cls.__name__

    @dataclass
    class Inner:
        at: datetime
        raw: bytes

    @dataclass
    class Mixed(Section):
        NAME = "test_mixed"
        when: datetime | None = None
        blobs: list[bytes] = field(default_factory=list)
        table: dict[int, list[int]] = field(default_factory=dict)
        inner: list[Inner] = field(default_factory=list)
        serial: int = 0
        ratio: float = 0.5

    at = datetime(2026, 11, 29, 10, 0, 0, 123456, tzinfo=UTC)
    for serial in (7, 1 << 100):
        mixed = Mixed(at, [b"\x00\xff"], {3: [1, 2], 10: []}, [Inner(at, b"ab")], serial)
        assert encode_section(mixed) == _encode(mixed.to_json())
        assert json.loads(encode_section(mixed))["inner"][0]["at"] == {"$dt": at.isoformat()}
