"""The auxiliary load control configuration (DUIS 6.14) as the supply family needs it.

The configuration family owns what 6.14.1 to 6.14.3 write: the switch descriptions, which
switches are HCALCS (and their EUI-64), and the active calendar: schedule entries and
special days (COSEM classes 10 and 11, made active from their passive copies at once or
when a held activation falls due). The supply family owns switching the auxiliary loads
(7.13 to 7.15); it asks here what the calendar says:

    auxiliary_switches(state) -> tuple[AuxiliarySwitch, ...]
    scheduled_action(state, n, at) -> ScheduledAction | None   # the latest at or before
    scheduled_switch_state(state, n, at) -> bool | None        # on/off an ALCS/HCALCS
    scheduled_controller_level(state, n, at) -> tuple[int, bool] | None  # an APC's level

A schedule entry acts on a day when the day is within its begin and end dates (each field
may be a wildcard; day 0xFE is the last and 0xFD the second last day of the month) and
either the day is one of the special days the entry lists, or it is no special day at all
and its weekday is one the entry lists (Blue Book class 10, ``exec_specdays`` and
``exec_weekdays``). Times are UTC, as GBCS keeps them. Script selectors: ECS46c's
``switch << 8 | 1`` (activate) or ``| 2`` (deactivate); ECS46d's ``(0x10 output | 0x20
input from the controlled load) + N`` and ``0x80 + level``; for a switch, level 100 is on
(DUIS AuxiliaryControllerLevel).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    Boolean,
    Data,
    LongUnsigned,
    OctetString,
    Structure,
    VisibleString,
)
from opendcc.gbcs.dlms.datetimes import NOT_SPECIFIED, YEAR_NOT_SPECIFIED, CosemDate, CosemTime

SWITCHES: Final = 5
LOOK_BACK_DAYS: Final = 366
ON_LEVEL: Final = 100
SPECIAL_DAYS_OBIS: Final = "0-0:11.0.3.255"
"""The active auxiliary controller special days table (class 11)."""
SCHEDULE_OBIS: Final = "0-0:12.0.2.255"
"""The active auxiliary controller schedule (class 10)."""


@dataclass(frozen=True, slots=True)
class AuxiliarySwitch:
    """One auxiliary load control switch of an ESME (index 1 to 5)."""

    index: int
    description: str
    hcalcs: Eui64 | None
    """The HCALCS that switches the load; None for an ALCS within the ESME."""


@dataclass(frozen=True, slots=True)
class ScheduledAction:
    """What the active calendar last did to switch/controller ``target``, and when."""

    target: int
    at: datetime
    on: bool
    level: int
    """The commanded level (0-100); 100 (on) or 0 (off) for an ECS46c switching entry."""
    input_from_load: bool = False


def auxiliary_switches(state: DeviceState) -> tuple[AuxiliarySwitch, ...]:
    out = []
    for n in range(1, SWITCHES + 1):
        description = read_value(state, 1, f"0-0:94.44.0.{10 + n}", 2)
        identity = read_value(state, 1, f"0-0:94.44.0.{20 + n}", 2)
        text = description.value if isinstance(description, VisibleString) else ""
        eui = None
        if isinstance(identity, OctetString) and len(identity.value) == 8 and any(identity.value):
            eui = Eui64.from_bytes(identity.value)
        out.append(AuxiliarySwitch(n, text, eui))
    return tuple(out)


def _matches(pattern: CosemDate, day: date) -> bool:
    if pattern.year not in (YEAR_NOT_SPECIFIED, day.year):
        return False
    if pattern.month not in (NOT_SPECIFIED, day.month):
        return False
    last = calendar.monthrange(day.year, day.month)[1]
    if pattern.day == 0xFE:
        day_ok = day.day == last
    elif pattern.day == 0xFD:
        day_ok = day.day == last - 1
    else:
        day_ok = pattern.day in (NOT_SPECIFIED, day.day)
    dow_ok = pattern.day_of_week == NOT_SPECIFIED or pattern.day_of_week == day.isoweekday()
    return day_ok and dow_ok


def _within(begin: CosemDate, end: CosemDate, day: date) -> bool:
    """``day`` between two dates whose fields may be wildcards: compared field by field
    on what is specified (a (month, day) range may wrap the year)."""

    def key(d: CosemDate, fallback_month: int, fallback_day: int) -> tuple[int, int, int]:
        year = day.year if d.year == YEAR_NOT_SPECIFIED else d.year
        month = fallback_month if d.month == NOT_SPECIFIED else d.month
        dom = fallback_day if d.day >= 0xFD else d.day
        return (year, month, dom)

    low = key(begin, 1, 1)
    high = key(end, 12, 31)
    point = (day.year, day.month, day.day)
    if begin.year == YEAR_NOT_SPECIFIED and end.year == YEAR_NOT_SPECIFIED and low > high:
        return point >= low or point <= high
    return low <= point <= high


def _special_days(state: DeviceState) -> dict[int, CosemDate]:
    table = read_value(state, 11, SPECIAL_DAYS_OBIS, 2)
    out: dict[int, CosemDate] = {}
    if isinstance(table, Array):
        for entry in table.items:
            if isinstance(entry, Structure) and len(entry.items) == 3:
                index, when, _ = entry.items
                if isinstance(index, LongUnsigned) and isinstance(when, OctetString):
                    out[index.value] = CosemDate.from_bytes(when.value)
    return out


@dataclass(frozen=True, slots=True)
class _Entry:
    selector: int
    at: time
    weekdays: str
    special: str
    begin: CosemDate
    end: CosemDate


def _entries(state: DeviceState) -> list[_Entry]:
    schedule = read_value(state, 10, SCHEDULE_OBIS, 2)
    out: list[_Entry] = []
    if not isinstance(schedule, Array):
        return out
    for item in schedule.items:
        if not isinstance(item, Structure) or len(item.items) != 10:
            continue
        fields = item.items
        enabled, selector, switch_time = fields[1], fields[3], fields[4]
        weekdays, special, begin, end = fields[6], fields[7], fields[8], fields[9]
        if not (
            isinstance(enabled, Boolean)
            and enabled.value
            and isinstance(selector, LongUnsigned)
            and isinstance(switch_time, OctetString)
            and isinstance(weekdays, BitString)
            and isinstance(special, BitString)
            and isinstance(begin, OctetString)
            and isinstance(end, OctetString)
        ):
            continue
        when = CosemTime.from_bytes(switch_time.value).to_time()
        if when is None:
            continue
        out.append(
            _Entry(
                selector.value,
                when,
                weekdays.bits,
                special.bits,
                CosemDate.from_bytes(begin.value),
                CosemDate.from_bytes(end.value),
            )
        )
    return out


def decode_selector(selector: int) -> tuple[int, int, bool] | None:
    """(target, level, input from the controlled load) of a script selector."""
    high, low = selector >> 8, selector & 0xFF
    if 1 <= high <= SWITCHES and low in (1, 2):
        return high, ON_LEVEL if low == 1 else 0, False
    kind, target = high & 0xF0, high & 0x0F
    if kind in (0x10, 0x20) and 1 <= target <= SWITCHES and 0x80 <= low <= 0x80 + ON_LEVEL:
        return target, low - 0x80, kind == 0x20
    return None


def _acts_on(entry: _Entry, day: date, specials: dict[int, CosemDate]) -> bool:
    if not _within(entry.begin, entry.end, day):
        return False
    todays = [i for i, d in specials.items() if _matches(d, day)]
    if todays:
        return any(0 < i <= len(entry.special) and entry.special[i - 1] == "1" for i in todays)
    weekday = day.isoweekday() - 1
    return weekday < len(entry.weekdays) and entry.weekdays[weekday] == "1"


def scheduled_action(state: DeviceState, target: int, at: datetime) -> ScheduledAction | None:
    """The active calendar's latest action on switch/controller ``target`` at or before
    ``at`` (looking back a year), or None."""
    entries = []
    for entry in _entries(state):
        decoded = decode_selector(entry.selector)
        if decoded is not None and decoded[0] == target:
            entries.append((entry, decoded))
    if not entries:
        return None
    specials = _special_days(state)
    moment = at.astimezone(UTC)
    for back in range(LOOK_BACK_DAYS + 1):
        day = (moment - timedelta(days=back)).date()
        best: tuple[datetime, int, bool] | None = None
        for entry, (_, level, from_load) in entries:
            when = datetime.combine(day, entry.at, tzinfo=UTC)
            if when > moment or not _acts_on(entry, day, specials):
                continue
            if best is None or when >= best[0]:
                best = (when, level, from_load)
        if best is not None:
            when, level, from_load = best
            return ScheduledAction(target, when, level == ON_LEVEL, level, from_load)
    return None


def scheduled_switch_state(state: DeviceState, switch: int, at: datetime) -> bool | None:
    """Whether the calendar has switch ``switch`` on at ``at`` (None: it says nothing)."""
    action = scheduled_action(state, switch, at)
    return None if action is None else action.on


def scheduled_controller_level(
    state: DeviceState, controller: int, at: datetime
) -> tuple[int, bool] | None:
    """An auxiliary proportional controller's commanded level and whether it follows the
    input from its controlled load, per the calendar at ``at``."""
    action = scheduled_action(state, controller, at)
    return None if action is None else (action.level, action.input_from_load)


def read_value(state: DeviceState, class_id: int, obis: str, attribute_id: int) -> Data | None:
    """``config_cosem.read_value``, imported at first use: ``config_cosem`` loads the object
    table, which reaches this module again (through ``config_api``), so importing it at
    the top would make importing this module first fail."""
    from opendcc.devices.config_cosem import read_value as read  # noqa: PLC0415

    return read(state, class_id, obis, attribute_id)


__all__ = [
    "SCHEDULE_OBIS",
    "SPECIAL_DAYS_OBIS",
    "AuxiliarySwitch",
    "ScheduledAction",
    "auxiliary_switches",
    "decode_selector",
    "read_value",
    "scheduled_action",
    "scheduled_controller_level",
    "scheduled_switch_state",
]
