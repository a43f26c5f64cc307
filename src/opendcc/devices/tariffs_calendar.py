"""Which switching-table action is in force at an instant: the arithmetic of calendars.

A GBCS tariff calendar (DLMS activity calendar, ZigBee Calendar cluster) is seasons that
pick a week profile, week profiles that pick a day profile per weekday, special days that
override the week, and day profiles that switch actions (a TOU rate, a block tariff, a
friendly credit period) at times of day. All times are UTC (GBCS keeps Device time in UTC).

Date patterns hold COSEM wildcards (0xFFFF any year; 0xFF any month, day or weekday; day
0xFE the last, 0xFD the second last day of the month), so a season or special day may
recur every year. The season in force on a date is the one whose most recent start (this
year's or, for a recurring start, last year's) is latest; before any season starts, the
last season of the year before runs on.

Also here: the ESME non-disablement calendar (a Schedule of START/STOP scripts on
weekdays and special days within date ranges) and whether an instant falls in one of its
periods.
"""

from __future__ import annotations

import bisect
import calendar as _calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

ANY_YEAR: Final = 0xFFFF
ANY: Final = 0xFF
LAST_DAY: Final = 0xFE
SECOND_LAST_DAY: Final = 0xFD


@dataclass(frozen=True, slots=True)
class DatePattern:
    year: int
    month: int
    day: int
    weekday: int = ANY
    """1 Monday .. 7 Sunday, or ANY."""

    @classmethod
    def from_cosem(cls, raw: bytes) -> DatePattern:
        """The first five octets of a COSEM date or date-time."""
        return cls(int.from_bytes(raw[0:2], "big"), raw[2], raw[3], raw[4])

    @classmethod
    def from_zigbee(cls, raw: bytes) -> DatePattern:
        """A ZCL Date: year - 1900 (0xFF any), month, day, weekday."""
        year = ANY_YEAR if raw[0] == ANY else 1900 + raw[0]
        return cls(year, raw[1], raw[2], raw[3])

    def matches(self, day: date) -> bool:
        if self.year not in (ANY_YEAR, day.year):
            return False
        if self.month not in (ANY, day.month):
            return False
        if self.weekday != ANY and self.weekday != day.isoweekday():
            return False
        if self.day == ANY:
            return True
        last = _calendar.monthrange(day.year, day.month)[1]
        if self.day == LAST_DAY:
            return day.day == last
        if self.day == SECOND_LAST_DAY:
            return day.day == last - 1
        return self.day == day.day

    def occurrence(self, year: int) -> date | None:
        """When this pattern first falls in ``year`` (None if it never does)."""
        if self.year not in (ANY_YEAR, year):
            return None
        months = range(1, 13) if self.month == ANY else (self.month,)
        for month in months:
            if not 1 <= month <= 12:
                return None
            last = _calendar.monthrange(year, month)[1]
            for day in range(1, last + 1):
                candidate = date(year, month, day)
                if self.matches(candidate):
                    return candidate
        return None


@dataclass(frozen=True, slots=True)
class Season:
    start: DatePattern
    minute: int
    """Minutes after midnight of the start date (DLMS season starts may carry a time)."""
    week_id: int


@dataclass(frozen=True, slots=True)
class Calendar:
    """A switching table, ready to evaluate."""

    seasons: tuple[Season, ...]
    weeks: dict[int, tuple[int, ...]]
    days: dict[int, tuple[tuple[int, int], ...]]
    """Day id -> (minute of day, action) sorted by minute."""
    special_days: tuple[tuple[DatePattern, int], ...] = ()

    @classmethod
    def build(
        cls,
        seasons: Iterable[Season],
        weeks: Iterable[tuple[int, Sequence[int]]],
        days: Iterable[tuple[int, Iterable[tuple[int, int]]]],
        special_days: Iterable[tuple[DatePattern, int]] = (),
    ) -> Calendar:
        return cls(
            tuple(seasons),
            {week: tuple(refs) for week, refs in weeks},
            {day: tuple(sorted(entries)) for day, entries in days},
            tuple(special_days),
        )

    def _season_starts(self, year: int) -> list[tuple[datetime, Season]]:
        starts = []
        for season in self.seasons:
            for candidate_year in (year, year - 1):
                found = season.start.occurrence(candidate_year)
                if found is not None:
                    at = datetime(found.year, found.month, found.day, tzinfo=UTC)
                    starts.append((at + timedelta(minutes=season.minute), season))
        starts.sort(key=lambda item: item[0])
        return starts

    def week_for(self, at: datetime) -> tuple[int, ...] | None:
        starts = [s for s in self._season_starts(at.year) if s[0] <= at]
        if starts:
            season = starts[-1][1]
        elif self.seasons:
            # Before the first season ever starts, the table's first season applies.
            season = min(self.seasons, key=lambda s: (s.start.year, s.start.month, s.start.day))
        else:
            return None
        return self.weeks.get(season.week_id)

    def day_id(self, at: datetime) -> int | None:
        today = at.date()
        for pattern, day_id in self.special_days:
            if pattern.matches(today):
                return day_id
        week = self.week_for(at)
        if week is None or len(week) != 7:
            return None
        return week[today.isoweekday() - 1]

    def schedule_for(self, day: date) -> tuple[int | None, tuple[tuple[int, int], ...]]:
        """The action in force as ``day`` begins and the day profile's (minute, action)
        entries: what a billing loop needs once per day."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        entries = self.days.get(self.day_id(midnight) or -1, ())
        carry = self.action_at(midnight - timedelta(minutes=1))
        return carry, entries

    def action_at(self, at: datetime) -> int | None:
        """The action in force at ``at``: the latest entry of the day's profile at or
        before the time of day, else the last action of the day before."""
        utc = at.astimezone(UTC)
        for back in range(8):
            day = utc - timedelta(days=back)
            entries = self.days.get(self.day_id(day) or -1, ())
            if not entries:
                continue
            if back == 0:
                minute = utc.hour * 60 + utc.minute
                index = bisect.bisect_right([m for m, _ in entries], minute)
                if index:
                    return entries[index - 1][1]
            else:
                return entries[-1][1]
        return None


# --- non-disablement (friendly credit) schedules of an ESME ----------------------------


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    start: bool
    """True for the START script (non-disablement begins), False for STOP."""
    minute: int
    weekdays: tuple[bool, ...]
    special_days: tuple[bool, ...]
    begin: DatePattern
    end: DatePattern


def _within(day: date, begin: DatePattern, end: DatePattern) -> bool:
    """Whether ``day`` lies in the range begin..end (recurring yearly for wildcard years)."""
    if ANY_YEAR not in (begin.year, end.year):
        first, last = begin.occurrence(begin.year), end.occurrence(end.year)
        return first is not None and last is not None and first <= day <= last
    key = (day.month, day.day)
    lo, hi = (begin.month, begin.day), (end.month, end.day)
    return lo <= key <= hi if lo <= hi else key >= lo or key <= hi


def in_non_disablement_period(
    rows: Sequence[ScheduleRow], special_days: Sequence[tuple[int, DatePattern]], at: datetime
) -> bool:
    """Whether the most recent START/STOP event at or before ``at`` was a START."""
    utc = at.astimezone(UTC)
    for back in range(8):
        day = (utc - timedelta(days=back)).date()
        specials = {index for index, pattern in special_days if pattern.matches(day)}
        events = []
        for row in rows:
            if not _within(day, row.begin, row.end):
                continue
            weekday = row.weekdays[day.isoweekday() - 1] if len(row.weekdays) >= 7 else False
            special = any(flag and (i + 1) in specials for i, flag in enumerate(row.special_days))
            if weekday or special:
                events.append((row.minute, row.start))
        if back == 0:
            minute = utc.hour * 60 + utc.minute
            events = [e for e in events if e[0] <= minute]
        if events:
            return max(events)[1]
    return False
