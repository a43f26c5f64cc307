"""COSEM date, time and date-time (Blue Book 4.1.6.1): exact octets and Python views.

The twelve-octet date-time is how GBCS stamps everything (alerts, log entries, future
dates, billing dates). Each field is kept as on the wire, wildcards included (0xFF "not
specified", 0xFD/0xFE month and day codes), so encoding reproduces the input; ``to_datetime``
gives an aware ``datetime`` when the value names one instant.

GBCS writes every time in UTC with the deviation "not specified" (0x8000) and the clock
status 0xFF, and day-of-week 0xFF; ``CosemDateTime.from_datetime`` writes that form.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.context import GbcsEncodeError

NOT_SPECIFIED: Final = 0xFF
YEAR_NOT_SPECIFIED: Final = 0xFFFF
DEVIATION_NOT_SPECIFIED: Final = -0x8000
_GBCS_EPOCH: Final = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)


def _check(name: str, value: int, high: int) -> None:
    if type(value) is not int or not 0 <= value <= high:
        raise GbcsEncodeError(f"COSEM {name} out of range: {value!r}")


@dataclass(frozen=True, slots=True)
class CosemDate:
    """Five octets: year (2), month, day of month, day of week."""

    year: int
    month: int
    day: int
    day_of_week: int = NOT_SPECIFIED

    def __post_init__(self) -> None:
        _check("year", self.year, 0xFFFF)
        _check("month", self.month, 0xFF)
        _check("day", self.day, 0xFF)
        _check("day of week", self.day_of_week, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> CosemDate:
        if len(data) != 5:
            raise ValueError(f"a COSEM date is 5 octets, got {len(data)}")
        return cls(int.from_bytes(data[0:2], "big"), data[2], data[3], data[4])

    def __bytes__(self) -> bytes:
        return self.year.to_bytes(2, "big") + bytes((self.month, self.day, self.day_of_week))

    def to_date(self) -> _dt.date | None:
        """The calendar date, or None when a field is a wildcard or the date is invalid."""
        if self.year == YEAR_NOT_SPECIFIED or self.month > 12 or self.day > 31:
            return None
        try:
            return _dt.date(self.year, self.month, self.day)
        except ValueError:
            return None

    def __str__(self) -> str:
        year = "*" if self.year == YEAR_NOT_SPECIFIED else f"{self.year:04d}"
        month = "*" if self.month == NOT_SPECIFIED else f"{self.month:02d}"
        day = "*" if self.day == NOT_SPECIFIED else f"{self.day:02d}"
        return f"{year}-{month}-{day}"


@dataclass(frozen=True, slots=True)
class CosemTime:
    """Four octets: hour, minute, second, hundredths."""

    hour: int
    minute: int
    second: int
    hundredths: int = 0

    def __post_init__(self) -> None:
        _check("hour", self.hour, 0xFF)
        _check("minute", self.minute, 0xFF)
        _check("second", self.second, 0xFF)
        _check("hundredths", self.hundredths, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> CosemTime:
        if len(data) != 4:
            raise ValueError(f"a COSEM time is 4 octets, got {len(data)}")
        return cls(data[0], data[1], data[2], data[3])

    def __bytes__(self) -> bytes:
        return bytes((self.hour, self.minute, self.second, self.hundredths))

    def to_time(self) -> _dt.time | None:
        if self.hour > 23 or self.minute > 59 or self.second > 59:
            return None
        hundredths = 0 if self.hundredths == NOT_SPECIFIED else self.hundredths
        if hundredths > 99:
            return None
        return _dt.time(self.hour, self.minute, self.second, hundredths * 10_000)

    def __str__(self) -> str:
        parts = (self.hour, self.minute, self.second)
        return ":".join("*" if p == NOT_SPECIFIED else f"{p:02d}" for p in parts)


@dataclass(frozen=True, slots=True)
class CosemDateTime:
    """Twelve octets: date, time, deviation (signed minutes) and clock status."""

    date: CosemDate
    time: CosemTime
    deviation: int = DEVIATION_NOT_SPECIFIED
    clock_status: int = NOT_SPECIFIED

    def __post_init__(self) -> None:
        if type(self.deviation) is not int or not -0x8000 <= self.deviation <= 0x7FFF:
            raise GbcsEncodeError(f"COSEM deviation out of range: {self.deviation!r}")
        _check("clock status", self.clock_status, 0xFF)

    @classmethod
    def from_bytes(cls, data: bytes) -> CosemDateTime:
        if len(data) != 12:
            raise ValueError(f"a COSEM date-time is 12 octets, got {len(data)}")
        return cls(
            CosemDate.from_bytes(data[0:5]),
            CosemTime.from_bytes(data[5:9]),
            int.from_bytes(data[9:11], "big", signed=True),
            data[11],
        )

    @classmethod
    def from_datetime(cls, value: _dt.datetime) -> CosemDateTime:
        """The GBCS form of an instant: UTC, day of week, deviation and status unspecified."""
        if value.tzinfo is None:
            raise GbcsEncodeError("a GBCS date-time needs an aware datetime (GBCS times are UTC)")
        utc = value.astimezone(_dt.UTC)
        return cls(
            CosemDate(utc.year, utc.month, utc.day),
            CosemTime(utc.hour, utc.minute, utc.second, utc.microsecond // 10_000),
        )

    def __bytes__(self) -> bytes:
        return (
            bytes(self.date)
            + bytes(self.time)
            + self.deviation.to_bytes(2, "big", signed=True)
            + bytes((self.clock_status,))
        )

    def to_datetime(self) -> _dt.datetime | None:
        """The instant, or None when any date or time field is a wildcard.

        An unspecified deviation is read as UTC (GBCS keeps device time in UTC); otherwise
        the deviation is local time minus UTC in minutes (Blue Book edition 12 onwards).
        """
        date = self.date.to_date()
        time = self.time.to_time()
        if date is None or time is None:
            return None
        if self.deviation == DEVIATION_NOT_SPECIFIED:
            zone = _dt.UTC
        elif -720 <= self.deviation <= 720:
            zone = _dt.timezone(_dt.timedelta(minutes=self.deviation))
        else:
            return None
        return _dt.datetime.combine(date, time, tzinfo=zone)

    def __str__(self) -> str:
        instant = self.to_datetime()
        if instant is not None:
            return instant.isoformat()
        return f"{self.date}T{self.time}"


def from_gbcs_seconds(seconds: int) -> _dt.datetime:
    """A GBCS UTC time held as seconds since 2000-01-01T00:00:00Z (profile and log stamps)."""
    return _GBCS_EPOCH + _dt.timedelta(seconds=seconds)


def to_gbcs_seconds(value: _dt.datetime) -> int:
    if value.tzinfo is None:
        raise GbcsEncodeError("a GBCS time needs an aware datetime")
    return int((value - _GBCS_EPOCH).total_seconds())
