"""ZigBee time values as text: UTCTime is seconds since 2000-01-01T00:00:00Z (ZCL 2.6.2.21).

0xFFFFFFFF is the ZCL "invalid"/"never" value; GBCS also uses 0 for "now" in some fields
and 0xFFFFFFFE for "cancel". Both stay numbers in the structure; ``utc_text`` gives the ISO
form only for ordinary times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

ZIGBEE_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)
INVALID_TIME: Final = 0xFFFFFFFF


def utc_datetime(seconds: int) -> datetime | None:
    if not 0 <= seconds < INVALID_TIME:
        return None
    return ZIGBEE_EPOCH + timedelta(seconds=seconds)


def utc_text(seconds: int) -> str | None:
    """ISO 8601 text (``2015-01-01T00:00:00Z``), or None for the invalid value."""
    moment = utc_datetime(seconds)
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_seconds(moment: datetime) -> int:
    """Seconds since the ZigBee epoch for an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("a ZigBee time needs an aware datetime")
    return int((moment - ZIGBEE_EPOCH).total_seconds())


def zcl_date_text(octets: bytes) -> str:
    """A ZCL Date (year - 1900, month, day, day of week; 0xFF wildcards) as text:
    ``2015-03-20`` or with ``*`` for wildcards, plus ``/dow=N`` when the day of week is set."""
    if len(octets) != 4:
        return octets.hex()
    year, month, day, dow = octets
    y = "****" if year == 0xFF else f"{1900 + year:04d}"
    m = "**" if month == 0xFF else f"{month:02d}"
    d = "**" if day == 0xFF else f"{day:02d}"
    text = f"{y}-{m}-{d}"
    if dow != 0xFF:
        text += f"/dow={dow}"
    return text


def zcl_date(year: int | None, month: int | None, day: int | None, dow: int | None = None) -> bytes:
    """Build a ZCL Date; None means wildcard (0xFF)."""
    return bytes(
        [
            0xFF if year is None else year - 1900,
            0xFF if month is None else month,
            0xFF if day is None else day,
            0xFF if dow is None else dow,
        ]
    )


def zcl_date_from(d: date) -> bytes:
    return zcl_date(d.year, d.month, d.day, d.isoweekday())


def minutes_text(minutes_after_midnight: int) -> str:
    h, m = divmod(minutes_after_midnight, 60)
    return f"{h:02d}:{m:02d}"
