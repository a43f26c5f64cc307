"""The date-time of the general signing grouping header: a 12-byte DLMS date-time.

GBCS Responses and Alerts carry the time they were generated as a DLMS ``date-time``
(IEC 62056-6-2 4.1.6.1): year (2 bytes), month, day of month, day of week, hour, minute,
second, hundredths, deviation (2 bytes, signed minutes; 0x8000 "not specified") and clock
status. Every field may hold its "not specified" wildcard, so the value is kept field by
field and only turned into a ``datetime`` when it names one instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError

SIZE: Final = 12
YEAR_NOT_SPECIFIED: Final = 0xFFFF
NOT_SPECIFIED: Final = 0xFF
DEVIATION_NOT_SPECIFIED: Final = -0x8000
CLOCK_STATUS_NOT_SPECIFIED: Final = 0xFF


@dataclass(frozen=True, slots=True)
class DlmsDateTime:
    """A DLMS date-time, field by field (wildcards kept as written)."""

    year: int
    month: int
    day: int
    day_of_week: int = NOT_SPECIFIED
    hour: int = 0
    minute: int = 0
    second: int = 0
    hundredths: int = 0
    deviation: int = DEVIATION_NOT_SPECIFIED
    clock_status: int = CLOCK_STATUS_NOT_SPECIFIED

    def __post_init__(self) -> None:
        bytes_ = (
            self.month,
            self.day,
            self.day_of_week,
            self.hour,
            self.minute,
            self.second,
            self.hundredths,
            self.clock_status,
        )
        if not 0 <= self.year <= 0xFFFF or any(not 0 <= b <= 0xFF for b in bytes_):
            raise GbcsEncodeError(f"date-time field out of range: {self!r}")
        if not -0x8000 <= self.deviation <= 0x7FFF:
            raise GbcsEncodeError(f"date-time deviation out of range: {self.deviation}")

    @classmethod
    def from_bytes(cls, data: bytes) -> DlmsDateTime:
        if len(data) != SIZE:
            raise GbcsDecodeError(f"a date-time is {SIZE} bytes, got {len(data)}")
        return cls(
            year=(data[0] << 8) | data[1],
            month=data[2],
            day=data[3],
            day_of_week=data[4],
            hour=data[5],
            minute=data[6],
            second=data[7],
            hundredths=data[8],
            deviation=int.from_bytes(data[9:11], "big", signed=True),
            clock_status=data[11],
        )

    def __bytes__(self) -> bytes:
        return (
            self.year.to_bytes(2, "big")
            + bytes(
                (
                    self.month,
                    self.day,
                    self.day_of_week,
                    self.hour,
                    self.minute,
                    self.second,
                    self.hundredths,
                )
            )
            + self.deviation.to_bytes(2, "big", signed=True)
            + bytes((self.clock_status,))
        )

    @classmethod
    def from_datetime(
        cls,
        when: datetime,
        *,
        day_of_week: int = NOT_SPECIFIED,
        deviation: int = DEVIATION_NOT_SPECIFIED,
        clock_status: int = CLOCK_STATUS_NOT_SPECIFIED,
    ) -> DlmsDateTime:
        """The date-time of ``when`` (converted to UTC if it carries a zone).

        The defaults (day of week and deviation not specified, clock status 0xFF) are what
        the reference Responses carry.
        """
        if when.tzinfo is not None:
            when = when.astimezone(UTC)
        return cls(
            year=when.year,
            month=when.month,
            day=when.day,
            day_of_week=day_of_week,
            hour=when.hour,
            minute=when.minute,
            second=when.second,
            hundredths=when.microsecond // 10_000,
            deviation=deviation,
            clock_status=clock_status,
        )

    def to_datetime(self) -> datetime | None:
        """The instant named, as a naive datetime, or None if a field is a wildcard."""
        fields = (self.month, self.day, self.hour, self.minute, self.second)
        if self.year == YEAR_NOT_SPECIFIED or NOT_SPECIFIED in fields:
            return None
        hundredths = 0 if self.hundredths == NOT_SPECIFIED else self.hundredths
        try:
            return datetime(
                self.year,
                self.month,
                self.day,
                self.hour,
                self.minute,
                self.second,
                hundredths * 10_000,
            )
        except ValueError:
            return None

    def iso(self) -> str | None:
        """``YYYY-MM-DDTHH:MM:SS[.hh]`` of :meth:`to_datetime`, or None."""
        when = self.to_datetime()
        if when is None:
            return None
        text = when.strftime("%Y-%m-%dT%H:%M:%S")
        if when.microsecond:
            text += f".{when.microsecond // 10_000:02d}"
        return text
