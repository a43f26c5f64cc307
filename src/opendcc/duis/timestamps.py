"""``xs:dateTime`` values as DUIS reads and writes them.

DUIS writes ``ResponseDateTime`` in UTC with milliseconds (``2022-07-22T09:37:56.134Z``).
Requests carry ``ExecutionDateTime`` for future-dated work; a value without a time zone is
read as UTC, which is how the DCC treats DUIS times. A date of 3000-12-31 in
``ExecutionDateTime`` cancels a future-dated request.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Final

CANCELLATION_DATE: Final = date(3000, 12, 31)

_XS_DATETIME: Final = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$"
)


def parse_xs_datetime(text: str) -> datetime | None:
    """A timezone-aware datetime from an ``xs:dateTime`` lexical value, or None."""
    match = _XS_DATETIME.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    iso = f"{year}-{month}-{day}T{hour}:{minute}:{second}.{micro:06d}"
    if zone and zone != "Z":
        iso += zone
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def format_response_datetime(when: datetime) -> str:
    """``when`` in UTC with milliseconds and a ``Z``, as DUIS writes ``ResponseDateTime``."""
    if when.tzinfo is None:
        raise ValueError("DUIS times must be timezone-aware")
    u = when.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}"
        f".{u.microsecond // 1000:03d}Z"
    )


def format_xs_datetime(when: datetime) -> str:
    """``when`` in UTC to the second with a ``Z`` (for ``ExecutionDateTime`` and the like)."""
    if when.tzinfo is None:
        raise ValueError("DUIS times must be timezone-aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
