"""The auxiliary load control state of an ESME: Auxiliary Controllers [1..5], the Boost
Function and the randomised offset.

Each controller (an ALCS switch inside the ESME, an HCALCS paired over the HAN, or an
Auxiliary Proportional Controller) has two channels, the output to the controlled load and
the input from it, and on each channel three layers, highest first:

1. an APC limit (ECS47e Limit APC Level, from the Load Controller) caps the level between
   its start and end;
2. a commanded level (ECS47 activate / deactivate for a duration, ECS47a Set Auxiliary
   Controller State over a period, the Boost Function) applies between its start and end;
   a new command replaces the old one, ECS47 Reset clears it;
3. otherwise the auxiliary controller calendar's level.

Levels are percentages; an ALCS or HCALCS is on at 100 and off at anything else (DUIS
``AuxiliaryControllerLevel``), so its level is read as 0 or 100. The level in force is
computed from the layers at the time asked, so nothing has to run when a period starts or
ends; the ESME is woken only to report the end of an APC limit (ECS102).

The calendar itself (special days and schedule) and the controllers' descriptions and
HCALCS IDs are configuration, written by 6.14.1 to 6.14.3 and owned by the configuration
family (``config_aux``): ``configuration(state)`` reads them from there, and
``calendar_level`` asks it what the calendar has a controller do at a given time. A
controller is an HCALCS when the configuration names one, else an ALCS; an installation
with Auxiliary Proportional Controllers says so with ``use_configuration_source(fn)``,
``fn(state)`` returning the whole ``AuxiliaryControllerConfiguration``. Where the calendar
says nothing, a channel keeps the last calendar level (0 at installation).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Self

from opendcc.devices import config_aux
from opendcc.devices.state import DeviceState, Section
from opendcc.gbcs.dlms.data import Array
from opendcc.inventory.model import Device
from opendcc.transform.supply_objects import CONTROLLERS, LEVEL_MAX


class ControllerKind(enum.StrEnum):
    ALCS = "ALCS"
    HCALCS = "HCALCS"
    APC = "APC"


class Channel(enum.StrEnum):
    OUTPUT = "output"
    """To the controlled load (controller octet 0x1n)."""
    INPUT = "input"
    """From the controlled load (controller octet 0x2n)."""


class AuxiliaryFault(enum.StrEnum):
    """A fault of Auxiliary Controller [n] as a whole (a fault of one stored object is
    ``AuxiliaryLoadControl.faulty_objects``)."""

    HARDWARE = "hardware"
    """The controller is fitted but does not respond: whatever acts on it or senses it
    (its switch output state, its state, its Boost Function Control, its parameters, its
    scripts) answers hardware-fault. Its description and HCALCS ID, which the ESME keeps,
    stay readable: the reference ECS61a ERROR Response reads those of controller 4 and
    fails its switch only."""
    ABSENT = "absent"
    """No controller is fitted at this index: its items answer other-reason."""


BOOST_LOG_LIMIT: Final = 64
HISTORY_LIMIT: Final = 64
DEFAULT_BOOST_DURATION: Final = timedelta(hours=1)


@dataclass(slots=True)
class Period:
    """A level that applies from ``start`` until ``end`` (None: until replaced)."""

    level: int
    start: datetime
    end: datetime | None = None
    by: str = ""

    def active(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "by": self.by,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Period:
        end = obj.get("end")
        return cls(
            int(obj["level"]),
            datetime.fromisoformat(obj["start"]),
            None if end is None else datetime.fromisoformat(end),
            str(obj.get("by", "")),
        )


@dataclass(slots=True)
class ChannelState:
    calendar_level: int = 0
    command: Period | None = None
    limit: Period | None = None
    limit_reported: bool = False
    """ECS102 has been raised for the current limit."""

    def commanded(self, at: datetime, calendar: int | None = None) -> int:
        """The commanded level at ``at``; ``calendar`` is what the auxiliary controller
        calendar says then (None: it says nothing, the last calendar level holds)."""
        if self.command is not None and self.command.active(at):
            return self.command.level
        return self.calendar_level if calendar is None else calendar

    def level(self, at: datetime, calendar: int | None = None) -> int:
        level = self.commanded(at, calendar)
        if self.limit is not None and self.limit.active(at):
            level = min(level, self.limit.level)
        return level

    def to_json(self) -> dict[str, Any]:
        return {
            "calendar_level": self.calendar_level,
            "command": None if self.command is None else self.command.to_json(),
            "limit": None if self.limit is None else self.limit.to_json(),
            "limit_reported": self.limit_reported,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ChannelState:
        command, limit = obj.get("command"), obj.get("limit")
        return cls(
            int(obj.get("calendar_level", 0)),
            None if command is None else Period.from_json(command),
            None if limit is None else Period.from_json(limit),
            bool(obj.get("limit_reported", False)),
        )


@dataclass(slots=True)
class Controller:
    """Auxiliary Controller [n]."""

    n: int
    fault: str | None = None
    boost: bool = False
    """Follows the Boost Function (ECS62)."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """``0-0:94.44.(116+n).k`` as last written: durations (minutes) or date-times (ISO)."""
    channels: dict[str, ChannelState] = field(
        default_factory=lambda: {c.value: ChannelState() for c in Channel}
    )

    def channel(self, which: Channel) -> ChannelState:
        return self.channels[which.value]

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "fault": self.fault,
            "boost": self.boost,
            "parameters": dict(self.parameters),
            "channels": {k: v.to_json() for k, v in self.channels.items()},
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Controller:
        channels = {c.value: ChannelState() for c in Channel}
        for key, value in (obj.get("channels") or {}).items():
            if key in channels:
                channels[key] = ChannelState.from_json(value)
        return cls(
            int(obj["n"]),
            obj.get("fault"),
            bool(obj.get("boost", False)),
            dict(obj.get("parameters") or {}),
            channels,
        )


@dataclass(slots=True)
class AuxiliaryLoadControl(Section):
    """Auxiliary load control of one ESME."""

    NAME = "auxiliary_load_control"
    controllers: list[Controller] = field(default_factory=list)
    randomised_offset_limit: int = 0
    """Seconds (ECS38); switching times are delayed by a per-meter offset up to it."""
    boost_available: bool = True
    boost_duration_minutes: int = int(DEFAULT_BOOST_DURATION.total_seconds() // 60)
    boost_log: list[list[int]] = field(default_factory=list)
    """Boost periods as [start, end] in GBCS seconds (since 2000-01-01), oldest first."""
    history: list[dict[str, Any]] = field(default_factory=list)
    faulty_objects: list[str] = field(default_factory=list)
    """Objects (OBIS codes as ``0-0:94.44.0.1``) whose storage in the ESME has a hardware
    fault: every get, set or action on one answers hardware-fault (``set_object_fault``)."""

    @classmethod
    def initial(cls, device: Device) -> Self:
        return cls(controllers=[Controller(n) for n in CONTROLLERS])

    def controller(self, n: int) -> Controller:
        return self.controllers[n - 1]

    def to_json(self) -> dict[str, Any]:
        return {
            "controllers": [c.to_json() for c in self.controllers],
            "randomised_offset_limit": self.randomised_offset_limit,
            "boost_available": self.boost_available,
            "boost_duration_minutes": self.boost_duration_minutes,
            "boost_log": [list(entry) for entry in self.boost_log],
            "history": list(self.history),
            "faulty_objects": list(self.faulty_objects),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Self:
        stored = {int(c["n"]): Controller.from_json(c) for c in obj.get("controllers") or []}
        return cls(
            controllers=[stored.get(n, Controller(n)) for n in CONTROLLERS],
            randomised_offset_limit=int(obj.get("randomised_offset_limit", 0)),
            boost_available=bool(obj.get("boost_available", True)),
            boost_duration_minutes=int(obj.get("boost_duration_minutes", 60)),
            boost_log=[[int(a), int(b)] for a, b in obj.get("boost_log") or []],
            history=list(obj.get("history") or []),
            faulty_objects=[str(o) for o in obj.get("faulty_objects") or []],
        )

    def record(self, at: datetime, n: int, what: str, by: str) -> None:
        self.history.append({"at": at.isoformat(), "n": n, "what": what, "by": by})
        del self.history[:-HISTORY_LIMIT]


@dataclass(frozen=True, slots=True)
class AuxiliaryControllerConfiguration:
    """The configuration of Auxiliary Controllers [1..5] (index 0 is controller 1)."""

    descriptions: tuple[str, ...]
    hcalcs_ids: tuple[bytes, ...]
    """Eight bytes each; all zeros when the controller is not an HCALCS."""
    kinds: tuple[ControllerKind, ...]
    special_days: Array
    """The Special days table entries (class 11 ``entries``)."""
    schedule: Array
    """The Schedule entries (class 10 ``entries``)."""


ConfigurationSource = Callable[[DeviceState], AuxiliaryControllerConfiguration]
NO_HCALCS: Final = bytes(8)


@dataclass(slots=True)
class _Source:
    source: ConfigurationSource | None = None


_SOURCE = _Source()


def use_configuration_source(source: ConfigurationSource | None) -> None:
    """Install the auxiliary controller configuration (the config family's), or remove it."""
    _SOURCE.source = source


def default_configuration(state: DeviceState) -> AuxiliaryControllerConfiguration:
    return AuxiliaryControllerConfiguration(
        descriptions=tuple(f"Auxiliary Controller {n}" for n in CONTROLLERS),
        hcalcs_ids=tuple(NO_HCALCS for _ in CONTROLLERS),
        kinds=tuple(ControllerKind.ALCS for _ in CONTROLLERS),
        special_days=Array(),
        schedule=Array(),
    )


def configuration(state: DeviceState) -> AuxiliaryControllerConfiguration:
    source = _SOURCE.source
    return configured(state) if source is None else source(state)


def configured(state: DeviceState) -> AuxiliaryControllerConfiguration:
    """The configuration the configuration family holds (6.14.1 to 6.14.3)."""
    switches = config_aux.auxiliary_switches(state)
    special_days = config_aux.read_value(state, 11, config_aux.SPECIAL_DAYS_OBIS, 2)
    schedule = config_aux.read_value(state, 10, config_aux.SCHEDULE_OBIS, 2)
    return AuxiliaryControllerConfiguration(
        descriptions=tuple(s.description or f"Auxiliary Controller {s.index}" for s in switches),
        hcalcs_ids=tuple(NO_HCALCS if s.hcalcs is None else bytes(s.hcalcs) for s in switches),
        kinds=tuple(
            ControllerKind.ALCS if s.hcalcs is None else ControllerKind.HCALCS for s in switches
        ),
        special_days=special_days if isinstance(special_days, Array) else Array(),
        schedule=schedule if isinstance(schedule, Array) else Array(),
    )


def calendar_level(state: DeviceState, n: int, channel: Channel, at: datetime) -> int | None:
    """The level the auxiliary controller calendar gives controller ``n``'s ``channel`` at
    ``at`` (the latest schedule entry acting on it at or before then), or None."""
    action = config_aux.scheduled_action(state, n, at)
    if action is None or action.input_from_load != (channel is Channel.INPUT):
        return None
    return action.level


def binary(kind: ControllerKind) -> bool:
    return kind is not ControllerKind.APC


def as_level(kind: ControllerKind, level: int) -> int:
    """The level a controller of ``kind`` takes for a commanded level (ALCS: on or off)."""
    level = max(0, min(LEVEL_MAX, level))
    if binary(kind):
        return LEVEL_MAX if level == LEVEL_MAX else 0
    return level


@dataclass(frozen=True, slots=True)
class Randomisation:
    """The randomised offset objects (read by the config family's ECS26c)."""

    offset: int
    """Seconds this meter delays auxiliary switching by (0..limit)."""
    limit: int
    number: int
    """The per-meter random number the offset is drawn from."""


def randomisation(state: DeviceState) -> Randomisation:
    """The meter's randomised offset: a fixed per-meter number (from its Device ID, so
    the same meter always draws the same) scaled to the current limit."""
    section = state.get(AuxiliaryLoadControl)
    digest = hashlib.sha256(b"randomised-offset" + bytes(state.device_id)).digest()
    number = int.from_bytes(digest[:2], "big")
    limit = section.randomised_offset_limit
    return Randomisation(number * (limit + 1) // 0x10000, limit, number)
